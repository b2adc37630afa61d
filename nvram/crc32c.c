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
 * per commit); the choice is made once, at run time, from CPUID. Long
 * buffers run three instruction chains at once (see crc32c_sse42()).
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
/*
 * The crc32 instruction takes three cycles to deliver its result but can
 * start one every cycle, so one dependent chain runs at a third of the
 * speed the CPU has. Long buffers are therefore cut into three consecutive
 * blocks whose CRCs run interleaved, then joined: the CRC register of
 * a||b is the register after a, advanced over |b| zero bytes, XOR the
 * register of b started from zero (CRC is linear). Advancing over a
 * fixed number of zero bytes is a linear map on 32 bits, applied with
 * four table lookups (one per byte of the register).
 */
#define CRC32C_LONG 8192        /* bytes per block in the long loop */
#define CRC32C_SHORT 256        /* and in the short one */

static uint32_t crc32c_zeros_long[4][256];
static uint32_t crc32c_zeros_short[4][256];

/* Apply the 32x32 GF(2) matrix @mat (column n = image of bit n) to @vec. */
static uint32_t gf2_apply(const uint32_t mat[32], uint32_t vec)
{
    uint32_t sum = 0;

    for (int n = 0; vec; n++, vec >>= 1) {
        if (vec & 1) {
            sum ^= mat[n];
        }
    }
    return sum;
}

/* @out = @a after @b (@out may not alias either). */
static void gf2_compose(uint32_t out[32], const uint32_t a[32],
                        const uint32_t b[32])
{
    for (int n = 0; n < 32; n++) {
        out[n] = gf2_apply(a, b[n]);
    }
}

/* Tables advancing a CRC register over @len zero bytes. */
static void crc32c_zeros_tables(uint32_t table[4][256], size_t len)
{
    uint32_t byte_op[32], power[32], result[32], tmp[32];

    /* one zero byte: eight steps of the bitwise register update */
    for (int n = 0; n < 32; n++) {
        uint32_t crc = 1u << n;

        for (int bit = 0; bit < 8; bit++) {
            crc = (crc >> 1) ^ ((crc & 1) ? CRC32C_POLY_REFLECTED : 0);
        }
        byte_op[n] = crc;
    }
    /* result = byte_op^len, by squaring */
    for (int n = 0; n < 32; n++) {
        result[n] = 1u << n;
    }
    memcpy(power, byte_op, sizeof(power));
    for (; len; len >>= 1) {
        if (len & 1) {
            gf2_compose(tmp, power, result);
            memcpy(result, tmp, sizeof(tmp));
        }
        gf2_compose(tmp, power, power);
        memcpy(power, tmp, sizeof(tmp));
    }
    for (int k = 0; k < 4; k++) {
        for (unsigned b = 0; b < 256; b++) {
            table[k][b] = gf2_apply(result, (uint32_t)b << (8 * k));
        }
    }
}

static gpointer crc32c_init_zeros_tables(gpointer unused)
{
    crc32c_zeros_tables(crc32c_zeros_long, CRC32C_LONG);
    crc32c_zeros_tables(crc32c_zeros_short, CRC32C_SHORT);
    return NULL;
}

static inline uint32_t crc32c_shift(uint32_t table[4][256], uint32_t crc)
{
    return table[0][crc & 0xff] ^ table[1][(crc >> 8) & 0xff] ^
           table[2][(crc >> 16) & 0xff] ^ table[3][crc >> 24];
}

/*
 * Three interleaved chains over consecutive blocks of @block bytes, while
 * three blocks remain; see above. Advances *@p and *@len.
 */
__attribute__((target("sse4.2")))
static inline uint64_t crc32c_three_way(uint64_t crc, const uint8_t **p,
                                        size_t *len, size_t block,
                                        uint32_t table[4][256])
{
    const uint8_t *q = *p;

    while (*len >= 3 * block) {
        uint64_t c1 = 0, c2 = 0;
        const uint8_t *stop = q + block;

        do {
            uint64_t w0, w1, w2;

            memcpy(&w0, q, 8);
            memcpy(&w1, q + block, 8);
            memcpy(&w2, q + 2 * block, 8);
            crc = _mm_crc32_u64(crc, w0);
            c1 = _mm_crc32_u64(c1, w1);
            c2 = _mm_crc32_u64(c2, w2);
            q += 8;
        } while (q < stop);
        crc = crc32c_shift(table, (uint32_t)crc) ^ (uint32_t)c1;
        crc = crc32c_shift(table, (uint32_t)crc) ^ (uint32_t)c2;
        q += 2 * block;
        *len -= 3 * block;
    }
    *p = q;
    return crc;
}

__attribute__((target("sse4.2")))
static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t len)
{
    static GOnce once = G_ONCE_INIT;
    const uint8_t *p = data;
    uint64_t crc64;

    crc = ~crc;
    while (len && ((uintptr_t)p & 7)) {
        crc = _mm_crc32_u8(crc, *p++);
        len--;
    }
    crc64 = crc;
    if (len >= 3 * CRC32C_SHORT) {
        g_once(&once, crc32c_init_zeros_tables, NULL);
        crc64 = crc32c_three_way(crc64, &p, &len, CRC32C_LONG,
                                 crc32c_zeros_long);
        crc64 = crc32c_three_way(crc64, &p, &len, CRC32C_SHORT,
                                 crc32c_zeros_short);
    }
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
