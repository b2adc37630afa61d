/*
 * nvram/crc32c.c: table-driven CRC-32C, slicing-by-8.
 *
 * Slicing-by-8 processes eight input bytes per step with eight 256-entry
 * tables: table[k][b] is the CRC of byte b followed by k zero bytes, so
 * eight lookups XORed together advance the CRC by eight bytes. The tables
 * are built once, on first use, under g_once.
 *
 * On x86-64 CPUs with SSE4.2 the crc32 instruction computes the same
 * polynomial eight bytes per instruction, several times faster than the
 * tables (the NVRAM checks every copy it writes and reads, 48 KiB and more
 * per commit); the choice is made once, at run time, from CPUID.
 */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "nvram/crc32c.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define CRC32C_HAVE_SSE42 1
#include <nmmintrin.h>
#endif

#define CRC32C_POLY_REFLECTED 0x82F63B78u

static uint32_t crc32c_table[8][256];

static gpointer crc32c_init_tables(gpointer unused)
{
    for (unsigned b = 0; b < 256; b++) {
        uint32_t crc = b;
        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ ((crc & 1) ? CRC32C_POLY_REFLECTED : 0);
        }
        crc32c_table[0][b] = crc;
    }
    for (unsigned b = 0; b < 256; b++) {
        uint32_t crc = crc32c_table[0][b];
        for (int k = 1; k < 8; k++) {
            crc = (crc >> 8) ^ crc32c_table[0][crc & 0xff];
            crc32c_table[k][b] = crc;
        }
    }
    return NULL;
}

static inline uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

uint32_t nvram_crc32c_software(uint32_t crc, const void *data, size_t len)
{
    static GOnce once = G_ONCE_INIT;
    const uint8_t *p = data;

    g_once(&once, crc32c_init_tables, NULL);
    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
        len--;
    }
    while (len >= 8) {
        /* Byte loads keep this endian-neutral and free of aliasing issues. */
        uint32_t lo = load_le32(p) ^ crc;
        uint32_t hi = load_le32(p + 4);
        crc = crc32c_table[7][lo & 0xff] ^
              crc32c_table[6][(lo >> 8) & 0xff] ^
              crc32c_table[5][(lo >> 16) & 0xff] ^
              crc32c_table[4][lo >> 24] ^
              crc32c_table[3][hi & 0xff] ^
              crc32c_table[2][(hi >> 8) & 0xff] ^
              crc32c_table[1][(hi >> 16) & 0xff] ^
              crc32c_table[0][hi >> 24];
        p += 8;
        len -= 8;
    }
    while (len--) {
        crc = (crc >> 8) ^ crc32c_table[0][(crc ^ *p++) & 0xff];
    }
    return ~crc;
}

#ifdef CRC32C_HAVE_SSE42
__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    uint64_t crc64;

    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = _mm_crc32_u8(crc, *p++);
        len--;
    }
    crc64 = crc;
    while (len >= 8) {
        uint64_t word;

        /* memcpy: an aligned load the compiler folds, free of aliasing UB. */
        memcpy(&word, p, sizeof(word));
        crc64 = _mm_crc32_u64(crc64, word);
        p += 8;
        len -= 8;
    }
    crc = (uint32_t)crc64;
    while (len--) {
        crc = _mm_crc32_u8(crc, *p++);
    }
    return ~crc;
}
#endif

bool nvram_crc32c_hardware_available(void)
{
#ifdef CRC32C_HAVE_SSE42
    /* 0: not yet known, 1: no, 2: yes. */
    static int state;
    int known = g_atomic_int_get(&state);

    if (!known) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("sse4.2") ? 2 : 1;
        g_atomic_int_set(&state, known);
    }
    return known == 2;
#else
    return false;
#endif
}

uint32_t nvram_crc32c_hardware(uint32_t crc, const void *data, size_t len)
{
#ifdef CRC32C_HAVE_SSE42
    if (nvram_crc32c_hardware_available()) {
        return crc32c_sse42(crc, data, len);
    }
#endif
    return nvram_crc32c_software(crc, data, len);
}

uint32_t nvram_crc32c(uint32_t crc, const void *data, size_t len)
{
    return nvram_crc32c_hardware(crc, data, len);
}
