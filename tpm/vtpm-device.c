/*
 * tpm/vtpm-device.c: libtpms as vtpm's TPM (see vtpm-device.h).
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>
#include <libtpms/tpm_nvfilename.h>

#include "tpm/vtpm-device.h"
#include "tpm/vtpm-log.h"
#include "tpm/vtpm-names.h"
#include "tpm/vtpm-store-priv.h"

#define TPM2_ST_NO_SESSIONS 0x8001
#define TPM2_CC_SHUTDOWN 0x145
#define TPM2_RC_FAILURE 0x101
#define TPM2_RC_COMMAND_SIZE 0x142
/* TPM 1.2 (TPM Main Part 2): a response without authorization (its
 * error codes are libtpms's tpm_error.h) */
#define TPM_TAG_RSP_COMMAND 0x00c4

static struct {
    VTPMVersion version;
    bool running;
    uint8_t locality;
    /* Command code of the last command since power-on; 0: none yet. */
    uint32_t last_cc;
    unsigned char *rsp;
    uint32_t rsp_size;
    uint8_t err_rsp[VTPM_HEADER_SIZE];
} dev;

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static TPM_RESULT cb_io_init(void)
{
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_getlocality(TPM_MODIFIER_INDICATOR *locality,
                                    uint32_t tpm_number)
{
    (void)tpm_number;
    *locality = dev.locality;
    return TPM_SUCCESS;
}

static TPM_RESULT cb_io_getphysicalpresence(TPM_BOOL *pp,
                                            uint32_t tpm_number)
{
    (void)tpm_number;
    *pp = FALSE;
    return TPM_SUCCESS;
}

bool vtpm_device_setup(VTPMVersion version, Error **errp)
{
    struct libtpms_callbacks cbs = {
        .sizeOfStruct = sizeof(cbs),
        .tpm_io_init = cb_io_init,
        .tpm_io_getlocality = cb_io_getlocality,
        .tpm_io_getphysicalpresence = cb_io_getphysicalpresence,
    };
    TPM_RESULT res;

    res = TPMLIB_ChooseTPMVersion(version == VTPM_VERSION_2
                                  ? TPMLIB_TPM_VERSION_2
                                  : TPMLIB_TPM_VERSION_1_2);
    if (res != TPM_SUCCESS) {
        error_setg(errp, "libtpms cannot run this TPM version (0x%x)", res);
        return false;
    }
    vtpm_store_fill_callbacks(&cbs);
    res = TPMLIB_RegisterCallbacks(&cbs);
    if (res != TPM_SUCCESS) {
        error_setg(errp, "libtpms refused the NVRAM callbacks (0x%x)", res);
        return false;
    }
    dev.version = version;
    return true;
}

bool vtpm_device_running(void)
{
    return dev.running;
}

bool vtpm_device_init(bool delete_volatile, Error **errp)
{
    TPM_RESULT res;

    vtpm_device_stop();
    vtpm_store_clear_failure();
    res = TPMLIB_MainInit();
    if (vtpm_store_failed()) {
        /* libtpms may go on without a blob it could not load: it must
         * not, the state is on the drive and has to be repaired. */
        if (res == TPM_SUCCESS) {
            TPMLIB_Terminate();
        }
        error_setg(errp, "TPM not started: %s", vtpm_store_failure());
        return false;
    }
    if (res != TPM_SUCCESS) {
        error_setg(errp, "TPM not started: libtpms initialization failed "
                   "(0x%x)", res);
        return false;
    }
    dev.running = true;
    dev.last_cc = 0;
    if (delete_volatile &&
        !vtpm_store_put(TPM_VOLATILESTATE_NAME, NULL, 0, errp)) {
        vtpm_device_stop();
        return false;
    }
    return true;
}

/* Run @cmd in libtpms; the response stays in dev.rsp. */
static uint32_t run_command(const uint8_t *cmd, uint32_t len)
{
    uint32_t rsp_len = 0;
    TPM_RESULT res;

    res = TPMLIB_Process(&dev.rsp, &rsp_len, &dev.rsp_size,
                         (unsigned char *)cmd, len);
    if (res != TPM_SUCCESS || rsp_len < VTPM_HEADER_SIZE) {
        return 0;
    }
    return rsp_len;
}

void vtpm_device_stop(void)
{
    if (!dev.running) {
        return;
    }
    if (dev.version == VTPM_VERSION_2 && dev.last_cc != 0 &&
        dev.last_cc != TPM2_CC_SHUTDOWN) {
        uint8_t cmd[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01, 0x45, 0, 0 };

        run_command(cmd, sizeof(cmd));
        vtpm_log(1, "TPM2_CC_Shutdown(SU_CLEAR) sent before power-off");
    }
    TPMLIB_Terminate();
    dev.running = false;
}

void vtpm_device_error_response(uint8_t buf[VTPM_HEADER_SIZE], uint32_t rc)
{
    uint16_t tag = TPM2_ST_NO_SESSIONS;

    if (dev.version == VTPM_VERSION_1_2) {
        tag = TPM_TAG_RSP_COMMAND;
        rc = rc == TPM2_RC_COMMAND_SIZE ? TPM_BAD_PARAM_SIZE : TPM_FAIL;
    }
    buf[0] = tag >> 8;
    buf[1] = tag & 0xff;
    put_be32(buf + 2, VTPM_HEADER_SIZE);
    put_be32(buf + 6, rc);
}

/* The image's I/O counters (zero before an image is open). */
static NVRAMStorageStats storage_stats(void)
{
    NVRAM *nvram = vtpm_store_nvram();
    NVRAMStorageStats none = { 0 };

    return nvram ? nvram_storage_get_stats(nvram_get_storage(nvram)) : none;
}

/* Level 1: the command's name and response code; level 2 adds what it
 * cost the image (@before: the counters before it ran). */
static void log_command(uint32_t cc, uint32_t rc,
                        const NVRAMStorageStats *before)
{
    const char *name = dev.version == VTPM_VERSION_2 ? vtpm_cc_name(cc)
                                                     : NULL;
    const char *rc_name = dev.version == VTPM_VERSION_2 ? vtpm_rc_name(rc)
                                                        : NULL;
    g_autofree char *cost = NULL;
    char number[32];

    if (!vtpm_log_enabled(1)) {
        return;
    }
    if (vtpm_log_enabled(2)) {
        NVRAMStorageStats after = storage_stats();

        cost = g_strdup_printf(" (flushes %" PRIu64 ", bytes written %"
                               PRIu64 ")",
                               after.flushes - before->flushes,
                               after.bytes_written - before->bytes_written);
    }
    if (!name) {
        snprintf(number, sizeof(number), "TPM command 0x%08x", cc);
    }
    vtpm_log(1, "%s -> 0x%03x%s%s%s", name ? name : number, rc,
             rc_name ? " " : "", rc_name ? rc_name : "", cost ? cost : "");
}

void vtpm_device_process(const uint8_t *cmd, uint32_t len,
                         const uint8_t **rsp, uint32_t *rsp_len)
{
    uint32_t cc = len >= VTPM_HEADER_SIZE ? get_be32(cmd + 6) : 0;
    NVRAMStorageStats before = storage_stats();
    uint32_t n = 0;

    if (dev.running && !vtpm_store_failed()) {
        n = run_command(cmd, len);
    } else if (dev.running) {
        vtpm_log_error("refusing TPM commands: %s", vtpm_store_failure());
    }
    if (n == 0) {
        vtpm_device_error_response(dev.err_rsp, TPM2_RC_FAILURE);
        *rsp = dev.err_rsp;
        *rsp_len = VTPM_HEADER_SIZE;
    } else {
        *rsp = dev.rsp;
        *rsp_len = n;
        dev.last_cc = cc;
    }
    log_command(cc, get_be32(*rsp + 6), &before);
}

bool vtpm_device_startup_clear(Error **errp)
{
    static const uint8_t tpm2[12] = { 0x80, 0x01, 0, 0, 0, 12, 0, 0, 0x01,
                                      0x44, 0, 0 };
    /* TPM_ORD_Startup (0x99), TPM_ST_CLEAR (1) */
    static const uint8_t tpm12[12] = { 0x00, 0xc1, 0, 0, 0, 12, 0, 0, 0,
                                       0x99, 0, 1 };
    bool v2 = dev.version == VTPM_VERSION_2;
    const uint8_t *rsp;
    uint32_t rsp_len, rc;

    vtpm_device_process(v2 ? tpm2 : tpm12, sizeof(tpm2), &rsp, &rsp_len);
    rc = get_be32(rsp + 6);
    if (rc != 0) {
        error_setg(errp, "%s failed with 0x%x",
                   v2 ? "TPM2_Startup(SU_CLEAR)" : "TPM_Startup(ST_CLEAR)",
                   rc);
        return false;
    }
    return true;
}

void vtpm_device_set_locality(uint8_t locality)
{
    dev.locality = locality;
}

uint8_t vtpm_device_locality(void)
{
    return dev.locality;
}

uint32_t vtpm_device_buffer_size(uint32_t wanted, uint32_t *min_size,
                                 uint32_t *max_size)
{
    return TPMLIB_SetBufferSize(wanted, min_size, max_size);
}
