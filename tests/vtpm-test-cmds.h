/*
 * tests/vtpm-test-cmds.h: raw TPM 2.0 commands the vtpm tests send
 * (TPM 2.0 Library Part 3), with the empty owner password (TPM_RS_PW).
 * The NV index is VTPM_TEST_NV_INDEX, 8 bytes, owner read/write.
 */
#ifndef TESTS_VTPM_TEST_CMDS_H
#define TESTS_VTPM_TEST_CMDS_H

#include <stdint.h>
#include <string.h>

#define VTPM_TEST_NV_INDEX 0x01500020u
#define VTPM_TEST_NV_SIZE 8

/* TPM2_Startup(SU_CLEAR) */
static const uint8_t vtpm_cmd_startup_clear[] = {
    0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x44, 0, 0,
};

/* TPM2_GetRandom(8) */
static const uint8_t vtpm_cmd_get_random[] = {
    0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x7b, 0, 8,
};

/* TPM2_NV_DefineSpace of the index (OWNER/AUTH READ/WRITE, SHA-256) */
static const uint8_t vtpm_cmd_nv_define[] = {
    0x80, 0x02, 0, 0, 0, 0x2d, 0, 0, 0x01, 0x2a,
    0x40, 0, 0, 0x01,                   /* TPM_RH_OWNER */
    0, 0, 0, 9,                         /* authorization size */
    0x40, 0, 0, 0x09, 0, 0, 0, 0, 0,    /* TPM_RS_PW, empty */
    0, 0,                               /* auth: empty */
    0, 14,                              /* TPM2B_NV_PUBLIC */
    0x01, 0x50, 0x00, 0x20,             /* the index */
    0x00, 0x0b,                         /* SHA-256 */
    0x00, 0x06, 0x00, 0x06,             /* attributes */
    0, 0,                               /* no policy */
    0, VTPM_TEST_NV_SIZE,               /* data size */
};

/* TPM2_NV_ReadPublic of the index (no authorization) */
static const uint8_t vtpm_cmd_nv_readpublic[] = {
    0x80, 0x01, 0, 0, 0, 14, 0, 0, 0x01, 0x69, 0x01, 0x50, 0x00, 0x20,
};

#define VTPM_CMD_NV_WRITE_SIZE 43
#define VTPM_CMD_NV_READ_SIZE 35
/* Offset of the data in a TPM2_NV_Read response (header, parameterSize,
 * TPM2B size). */
#define VTPM_RSP_NV_READ_DATA 16

/* TPM2_NV_Write of the 8 bytes @value at offset 0 into @cmd. */
static inline void vtpm_cmd_nv_write(uint8_t cmd[VTPM_CMD_NV_WRITE_SIZE],
                                     const uint8_t value[VTPM_TEST_NV_SIZE])
{
    static const uint8_t head[] = {
        0x80, 0x02, 0, 0, 0, VTPM_CMD_NV_WRITE_SIZE, 0, 0, 0x01, 0x37,
        0x40, 0, 0, 0x01, 0x01, 0x50, 0x00, 0x20,
        0, 0, 0, 9, 0x40, 0, 0, 0x09, 0, 0, 0, 0, 0,
        0, VTPM_TEST_NV_SIZE,
    };

    memcpy(cmd, head, sizeof(head));
    memcpy(cmd + sizeof(head), value, VTPM_TEST_NV_SIZE);
    cmd[sizeof(head) + VTPM_TEST_NV_SIZE] = 0;        /* offset */
    cmd[sizeof(head) + VTPM_TEST_NV_SIZE + 1] = 0;
}

/* TPM2_NV_Read of the whole index into @cmd. */
static inline void vtpm_cmd_nv_read(uint8_t cmd[VTPM_CMD_NV_READ_SIZE])
{
    static const uint8_t c[VTPM_CMD_NV_READ_SIZE] = {
        0x80, 0x02, 0, 0, 0, VTPM_CMD_NV_READ_SIZE, 0, 0, 0x01, 0x4e,
        0x40, 0, 0, 0x01, 0x01, 0x50, 0x00, 0x20,
        0, 0, 0, 9, 0x40, 0, 0, 0x09, 0, 0, 0, 0, 0,
        0, VTPM_TEST_NV_SIZE, 0, 0,
    };

    memcpy(cmd, c, sizeof(c));
}

static inline uint32_t vtpm_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

#endif /* TESTS_VTPM_TEST_CMDS_H */
