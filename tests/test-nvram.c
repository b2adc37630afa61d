/*
 * tests/test-nvram.c: libvnvram: CRC-32C, layout, every state and error,
 * registration, sync and async requests, JSON entries, durability counts.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvram/crc32c.h"
#include "nvram/image.h"
#include "test-nvram-common.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-inspect.h"

/*** A storage layer with failures, over an in-memory storage ***/

typedef struct FaultStorage {
    NVRAMStorage common;
    NVRAMStorage *inner;
    bool fail_flush;       /* every flush fails */
    bool fail_write;       /* every pwrite fails */
    long tear_write;       /* >= 0: the next pwrite stores only this many
                            * bytes, then fails (a crash mid-write) */
    unsigned fail_read_at; /* > 0: the Nth pread (from 1) fails */
    unsigned reads;
    bool drop_out_of_range; /* pwrites past the end succeed, storing nothing */
} FaultStorage;

static bool fault_pread(NVRAMStorage *s, void *buf, size_t len,
                        uint64_t offset, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (++fs->reads == fs->fail_read_at) {
        error_setg(errp, "injected read error");
        return false;
    }
    return nvram_storage_pread(fs->inner, buf, len, offset, errp);
}

static bool fault_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (fs->tear_write >= 0) {
        size_t n = MIN(len, (size_t)fs->tear_write);
        fs->tear_write = -1;
        nvram_storage_pwrite(fs->inner, buf, n, offset, &error_abort);
        error_setg(errp, "injected torn write");
        return false;
    }
    if (fs->fail_write) {
        error_setg(errp, "injected write error");
        return false;
    }
    if (fs->drop_out_of_range) {
        uint64_t size;

        nvram_storage_get_size(fs->inner, &size, &error_abort);
        if (offset >= size || len > size - offset) {
            return true;
        }
    }
    return nvram_storage_pwrite(fs->inner, buf, len, offset, errp);
}

static bool fault_flush(NVRAMStorage *s, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (fs->fail_flush) {
        error_setg(errp, "injected flush error");
        return false;
    }
    return nvram_storage_flush(fs->inner, errp);
}

static bool fault_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    return nvram_storage_get_size(((FaultStorage *)s)->inner, size, errp);
}

static void fault_close(NVRAMStorage *s)
{
    /* The inner storage belongs to the test. */
    g_free(s);
}

static const NVRAMStorageOps fault_ops = {
    .pread = fault_pread,
    .pwrite = fault_pwrite,
    .flush = fault_flush,
    .get_size = fault_get_size,
    .close = fault_close,
};

static FaultStorage *fault_new(NVRAMStorage *inner)
{
    FaultStorage *fs = g_new0(FaultStorage, 1);

    fs->common.ops = &fault_ops;
    fs->inner = inner;
    fs->tear_write = -1;
    return fs;
}

/*** Fixtures ***/

#define ENTRY_A "permall"
#define ENTRY_B "volatilestate"
#define ENTRY_C "savestate"

static const NVRAMEntrySpec three_specs[] = {
    { ENTRY_A, 8192 }, { ENTRY_B, 2048 }, { ENTRY_C, 2048 },
};

/* A formatted in-memory storage with the three entries. */
static NVRAMStorage *formatted_memory(void)
{
    uint64_t size;
    NVRAMStorage *s;

    ck_assert_int_eq(nvram_measure(three_specs, 3, &size, &error_abort), 0);
    s = nvram_storage_new_memory((size_t)size);
    ck_assert_int_eq(nvram_format_storage(s, three_specs, 3, false,
                                          &error_abort), 0);
    return s;
}

/* An NVRAM over @storage (not owned) with entry A registered to @dev. */
static NVRAM *open_with(NVRAMStorage *storage, TestDevice *dev,
                        const NVRAMOptions *opts, FaultStorage **fault)
{
    FaultStorage *fs = fault_new(storage);
    NVRAMEntryName name;
    NVRAM *nvram;

    nvram = nvram_setup_with_storage(&fs->common, opts, &error_abort);
    test_name(&name, ENTRY_A);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, test_device_rw, dev,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    if (fault) {
        *fault = fs;
    }
    return nvram;
}

static NVRAMStorage *memory_clone(NVRAMStorage *s)
{
    size_t size;
    uint8_t *data = nvram_storage_memory_data(s, &size);
    NVRAMStorage *c = nvram_storage_new_memory(size);

    memcpy(nvram_storage_memory_data(c, NULL), data, size);
    return c;
}

/*** CRC-32C ***/

START_TEST(test_crc32c_check_value)
{
    const char *check = "123456789";
    uint8_t buf[1000];
    uint32_t whole, split;

    ck_assert_uint_eq(nvram_crc32c(0, check, 9), 0xE3069283u);
    ck_assert_uint_eq(nvram_crc32c(0, NULL, 0), 0);
    /* RFC 3720 B.4: 32 bytes of zeros -> 0x8A9136AA. */
    memset(buf, 0, 32);
    ck_assert_uint_eq(nvram_crc32c(0, buf, 32), 0x8A9136AAu);
    memset(buf, 0xff, 32);
    ck_assert_uint_eq(nvram_crc32c(0, buf, 32), 0x62A8AB43u);
    for (size_t i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)(i * 7 + 3);
    }
    whole = nvram_crc32c(0, buf, sizeof(buf));
    for (size_t cut = 0; cut < 40; cut++) {
        /* Every split point and alignment gives the same result. */
        split = nvram_crc32c(nvram_crc32c(0, buf, cut), buf + cut,
                             sizeof(buf) - cut);
        ck_assert_uint_eq(split, whole);
    }
    ck_assert_uint_ne(nvram_crc32c(0, buf + 1, sizeof(buf) - 1), whole);
}
END_TEST

/*
 * The portable tables and the CPU instruction (when present) must agree
 * with the standard check values and with each other on every length and
 * alignment; on a CPU without the instruction both calls take the tables.
 */
START_TEST(test_crc32c_software_and_hardware)
{
    static const uint8_t zeros[32];
    const char *check = "123456789";
    GRand *rand = g_rand_new_with_seed(0x5eed);
    size_t size = 3 * 8192 * 2 + 3 * 256 * 3 + 4096;
    uint8_t *buf = g_malloc(size + 16);

    ck_assert_uint_eq(nvram_crc32c_software(0, check, 9), 0xE3069283u);
    ck_assert_uint_eq(nvram_crc32c_hardware(0, check, 9), 0xE3069283u);
    ck_assert_uint_eq(nvram_crc32c_software(0, zeros, 32), 0x8A9136AAu);
    ck_assert_uint_eq(nvram_crc32c_hardware(0, zeros, 32), 0x8A9136AAu);
    ck_assert_uint_eq(nvram_crc32c_software(0, NULL, 0), 0);
    ck_assert_uint_eq(nvram_crc32c_hardware(0, NULL, 0), 0);
    for (size_t i = 0; i < size + 16; i++) {
        buf[i] = (uint8_t)g_rand_int(rand);
    }
    /*
     * Lengths up to 4 KiB, and (every fourth round) up to past two rounds
     * of the three-way interleaved blocks of the hardware path (3 x 8 KiB
     * and 3 x 256 bytes), around whose boundaries it joins partial CRCs.
     */
    for (int round = 0; round < 400; round++) {
        size_t align = g_rand_int_range(rand, 0, 16);
        size_t len = g_rand_int_range(rand, 0, round % 4 == 3 ? (gint32)size
                                                              : 4096);
        uint32_t seed = round & 1 ? g_rand_int(rand) : 0;
        uint32_t sw, hw;

        if (round & 2) {
            len |= 1;           /* odd lengths leave a byte-wise tail */
        }
        sw = nvram_crc32c_software(seed, buf + align, len);
        hw = nvram_crc32c_hardware(seed, buf + align, len);
        ck_assert_uint_eq(sw, hw);
        ck_assert_uint_eq(nvram_crc32c(seed, buf + align, len), sw);
    }
    /* exactly at and around the block boundaries */
    for (size_t base = 3 * 256; base <= 3 * 8192 * 2; base += 3 * 256) {
        for (size_t len = base - 9; len <= base + 9; len++) {
            ck_assert_uint_eq(nvram_crc32c_hardware(0, buf + 3, len),
                              nvram_crc32c_software(0, buf + 3, len));
        }
    }
    g_free(buf);
    g_rand_free(rand);
}
END_TEST

/*** Names, measure, format ***/

START_TEST(test_entry_names)
{
    NVRAMEntryName n;
    Error *err = NULL;
    char longname[NVRAM_ENTRY_NAME_MAX + 2];

    ck_assert(nvram_entry_name_init(&n, "tpm2-permall_1.0", NULL));
    ck_assert_str_eq(n.name, "tpm2-permall_1.0");
    ck_assert(!nvram_entry_name_init(&n, "", &err));
    error_free_or_abort(&err);
    ck_assert(!nvram_entry_name_init(&n, "a b", &err));
    error_free_or_abort(&err);
    ck_assert(!nvram_entry_name_init(&n, "x:1", &err));
    error_free_or_abort(&err);
    memset(longname, 'a', sizeof(longname));
    longname[NVRAM_ENTRY_NAME_MAX] = 0;
    ck_assert(nvram_entry_name_init(&n, longname, NULL));
    longname[NVRAM_ENTRY_NAME_MAX] = 'a';
    longname[NVRAM_ENTRY_NAME_MAX + 1] = 0;
    ck_assert(!nvram_entry_name_init(&n, longname, &err));
    error_free_or_abort(&err);
    for (int c = 0; c < NVRAM_ERR__MAX; c++) {
        ck_assert_ptr_nonnull(nvram_strerror(-c));
    }
    ck_assert_str_eq(nvram_encoding_name(NVRAM_ENCODING_JSON), "json");
    ck_assert_ptr_null(nvram_encoding_name(NVRAM_ENCODING__MAX));
}
END_TEST

START_TEST(test_measure)
{
    NVRAMEntrySpec specs[2] = { { "a", 100 }, { "b", 65536 } };
    NVRAMEntrySpec dup[2] = { { "a", 100 }, { "a", 100 } };
    NVRAMEntrySpec zero[1] = { { "a", 0 } };
    uint64_t s1, s2;
    Error *err = NULL;

    ck_assert_int_eq(nvram_measure(specs, 1, &s1, &error_abort), 0);
    ck_assert_int_eq(nvram_measure(specs, 2, &s2, &error_abort), 0);
    /* two header copies + 2 copies of one aligned slot */
    ck_assert_uint_eq(s1, 2 * 4096 + 2 * 4096);
    ck_assert_uint_ge(s2, s1 + 2 * 65536);
    ck_assert_uint_eq(s2 % 4096, 0);
    ck_assert_int_eq(nvram_measure(dup, 2, &s1, &err), -NVRAM_ERR_INVALID);
    error_free_or_abort(&err);
    ck_assert_int_eq(nvram_measure(zero, 1, &s1, &err), -NVRAM_ERR_INVALID);
    error_free_or_abort(&err);
    ck_assert_int_eq(nvram_measure(specs, 0, &s1, &err), -NVRAM_ERR_INVALID);
    error_free_or_abort(&err);
}
END_TEST

/* Walk the whole image with the inspector: it must be one clean DER value. */
static void assert_image_is_der(NVRAMStorage *s)
{
    size_t size;
    uint8_t *data = nvram_storage_memory_data(s, &size);
    BERInspectOptions opts;
    BERInspectSummary sum;

    ber_inspect_options_init(&opts);
    opts.mode = BER_MODE_DER;
    opts.single = true;
    opts.encapsulation = false;
    ck_assert(ber_inspect(data, size, &opts, NULL, NULL, &sum));
    ck_assert_uint_eq(sum.errors, 0);
    ck_assert_uint_eq(sum.warnings, 0);
    ck_assert_uint_eq(sum.top_level, 1);
    ck_assert_uint_eq(sum.consumed, size);
}

START_TEST(test_format_and_inspect)
{
    NVRAMStorage *s = formatted_memory();
    NVRAMImageInfo *info = NULL;
    uint64_t needed;

    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert_uint_eq(info->version, 2);
    ck_assert_uint_eq(info->header_copies, 2);
    ck_assert_ptr_null(info->header_problem[0]);
    ck_assert_ptr_null(info->header_problem[1]);
    ck_assert_uint_eq(info->flags, 0);
    ck_assert_uint_eq(info->n_entries, 3);
    ck_assert_int_eq(nvram_measure(three_specs, 3, &needed, NULL), 0);
    ck_assert_uint_eq(info->image_size, needed);
    for (size_t i = 0; i < 3; i++) {
        NVRAMEntryInfo *e = &info->entries[i];
        ck_assert_str_eq(e->name.name, three_specs[i].name);
        ck_assert_uint_ge(e->capacity, three_specs[i].max_size);
        ck_assert_uint_eq(e->offset % 4096, 0);
        ck_assert_uint_eq(e->copy_size % 4096, 0);
        ck_assert_int_eq(e->status, -NVRAM_ERR_ENTRY_ABSENT);
        for (int c = 0; c < 2; c++) {
            ck_assert(e->copies[c].valid);
            ck_assert_uint_eq(e->copies[c].generation, 0);
        }
    }
    nvram_image_info_free(info);
    assert_image_is_der(s);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_format_larger_drive_and_gaps)
{
    /* Drive sizes around the DER length boundaries still give one clean
     * DER value covering the whole drive (tail filler). */
    static const uint64_t extra[] = { 0, 1, 2, 3, 130, 131, 259, 260, 4096,
                                      65540, 65541, 70000 };
    NVRAMEntrySpec spec = { "e", 1000 };
    uint64_t needed;

    ck_assert_int_eq(nvram_measure(&spec, 1, &needed, NULL), 0);
    for (size_t i = 0; i < G_N_ELEMENTS(extra); i++) {
        NVRAMStorage *s = nvram_storage_new_memory((size_t)(needed + extra[i]));
        NVRAMImageInfo *info = NULL;

        ck_assert_int_eq(nvram_format_storage(s, &spec, 1, false,
                                              &error_abort), 0);
        ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
        if (extra[i] == 1) {
            /* one stray byte cannot be a TLV: it stays outside */
            ck_assert_uint_eq(info->image_size, needed);
        } else {
            ck_assert_uint_eq(info->image_size, needed + extra[i]);
            assert_image_is_der(s);
        }
        nvram_image_info_free(info);
        nvram_storage_close(s);
    }
}
END_TEST

START_TEST(test_format_refuses_overwrite)
{
    NVRAMStorage *s = formatted_memory();
    uint8_t *data;
    size_t size;
    Error *err = NULL;
    int ret;

    ret = nvram_format_storage(s, three_specs, 3, false, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ALREADY_FORMATTED, err);
    ck_assert_int_eq(nvram_format_storage(s, three_specs, 3, true,
                                          &error_abort), 0);
    /* foreign data is refused too */
    data = nvram_storage_memory_data(s, &size);
    memset(data, 0x5a, 100);
    ret = nvram_format_storage(s, three_specs, 3, false, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ALREADY_FORMATTED, err);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_format_via_device_callbacks)
{
    NVRAMStorage *s = nvram_storage_new_memory(64 * 1024);
    FaultStorage *fs = fault_new(s);
    TestDevice dev = { .format_size = 5000 };
    NVRAMEntryName name;
    NVRAMImageInfo *info = NULL;
    NVRAM *nvram;

    nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    test_name(&name, "dev0");
    ck_assert_int_eq(nvram_register_entry(nvram, &name, test_device_rw, &dev,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_format(nvram, false, &error_abort), 0);
    /* formatted and started: a write works at once */
    test_state_set(&dev.state, 7, 100);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    ck_assert_int_eq(nvram_delete(nvram), 0);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert_uint_eq(info->n_entries, 1);
    ck_assert_uint_ge(info->entries[0].capacity, 5000);
    ck_assert_int_eq(info->entries[0].status, 0);
    ck_assert_uint_eq(info->image_size, 64 * 1024);
    nvram_image_info_free(info);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

/*** States at start ***/

static int start_on(NVRAMStorage *inner, const char *entry, Error **errp)
{
    FaultStorage *fs = fault_new(inner);
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    int ret;

    test_name(&name, entry);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_start(nvram, true, errp);
    nvram_delete(nvram);
    return ret;
}

START_TEST(test_unformatted)
{
    NVRAMStorage *s = nvram_storage_new_memory(65536);
    NVRAMStorage *empty = nvram_storage_new_memory(0);
    uint8_t *data = nvram_storage_memory_data(s, NULL);
    Error *err = NULL;
    int ret;

    ret = start_on(s, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_UNFORMATTED, err);
    /* never auto-formatted: still all zero */
    for (size_t i = 0; i < 65536; i++) {
        ck_assert_uint_eq(data[i], 0);
    }
    memset(data, 0xff, 65536);
    ret = start_on(s, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_UNFORMATTED, err);
    ret = start_on(empty, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_UNFORMATTED, err);
    nvram_storage_close(s);
    nvram_storage_close(empty);
}
END_TEST

/* The DER header at @pos of @d[0..@size), read by the shared codec. */
static BERHeader der_header_at(const uint8_t *d, size_t size, size_t pos)
{
    BERHeader hdr;

    ck_assert_int_eq(ber_read_header(d, size, pos, BER_MODE_DER, &hdr, NULL),
                     BER_OK);
    return hdr;
}

/*
 * The end of the header body and its check INTEGER (then the filler) of
 * the header copy at @base (0: copy A, inside the image SEQUENCE).
 */
static size_t header_significant_end(NVRAMStorage *s, size_t base)
{
    size_t size;
    const uint8_t *d = nvram_storage_memory_data(s, &size);
    size_t hpos = base ? base : der_header_at(d, size, 0).header_length;
    BERHeader header = der_header_at(d, size, hpos);
    size_t body_pos = hpos + header.header_length;
    BERHeader body = der_header_at(d, size, body_pos);
    size_t check_pos = body_pos + body.header_length + (size_t)body.length;
    BERHeader check = der_header_at(d, size, check_pos);

    ck_assert_uint_eq(check.tag, BER_TAG_INTEGER);
    return check_pos + check.header_length + (size_t)check.length;
}

/* Flip bit 4 of byte @off of a clone of @s; returns the clone. */
static NVRAMStorage *clone_flipped(NVRAMStorage *s, size_t off)
{
    NVRAMStorage *c = memory_clone(s);

    nvram_storage_memory_data(c, NULL)[off] ^= 0x10;
    return c;
}

START_TEST(test_foreign_and_corrupt_header)
{
    NVRAMStorage *s = formatted_memory();
    NVRAMImageInfo *info = NULL;
    size_t hsize, a_end, b_end;
    NVRAMStorage *c;
    uint8_t *data;
    Error *err = NULL;
    int ret;

    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    hsize = (size_t)info->header_size;
    nvram_image_info_free(info);
    a_end = header_significant_end(s, 0);
    b_end = header_significant_end(s, hsize / 2);

    /* foreign: random bytes over both header copies */
    c = memory_clone(s);
    data = nvram_storage_memory_data(c, NULL);
    for (size_t i = 0; i < hsize; i++) {
        data[i] = (uint8_t)g_random_int();
    }
    data[0] = 0x31;
    ret = start_on(c, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_CORRUPT_HEADER, err);
    nvram_storage_close(c);

    /* foreign: another DER structure where both copies have their magic */
    c = memory_clone(s);
    data = nvram_storage_memory_data(c, NULL);
    for (size_t at = 0; at < hsize; at++) {
        if (memcmp(data + at, "\x0c\x0aqemu-nvram", 12) == 0) {
            data[at + 6] = 'A';
        }
    }
    ret = start_on(c, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_CORRUPT_HEADER, err);
    nvram_storage_close(c);

    /*
     * One bit flipped anywhere in one header copy's significant part: the
     * other copy is used and the damaged one is reported with its offset.
     */
    for (size_t off = 0; off < b_end; off += 3) {
        int bad = off < a_end ? 0 : 1;

        if (off >= a_end && off < hsize / 2) {
            off = hsize / 2;
        }
        c = clone_flipped(s, off);
        ret = start_on(c, ENTRY_A, &err);
        ck_assert_msg(ret == 0, "offset %zu: %s", off,
                      err ? error_get_pretty(err) : "");
        ck_assert_int_eq(nvram_image_inspect(c, &info, &error_abort), 0);
        ck_assert_msg(info->header_problem[bad] &&
                      strstr(info->header_problem[bad], "offset") &&
                      !info->header_problem[1 - bad],
                      "offset %zu: copy %d not reported (%s / %s)", off, bad,
                      info->header_problem[0], info->header_problem[1]);
        nvram_image_info_free(info);
        nvram_storage_close(c);
    }

    /* one bit in each copy: the header is lost, and said to be */
    for (size_t off = 0; off < a_end; off += 7) {
        c = clone_flipped(s, off);
        nvram_storage_memory_data(c, NULL)[hsize / 2 + (off % (b_end - hsize / 2))] ^= 0x10;
        ret = start_on(c, ENTRY_A, &err);
        ck_assert_msg(ret == -NVRAM_ERR_CORRUPT_HEADER ||
                      ret == -NVRAM_ERR_TOO_SMALL ||
                      ret == -NVRAM_ERR_UNSUPPORTED_VERSION,
                      "offset %zu: %d", off, ret);
        ck_assert_ptr_nonnull(err);
        error_free(err);
        err = NULL;
        nvram_storage_close(c);
    }
    nvram_storage_close(s);
}
END_TEST

/*
 * Headers that are well-formed DER but describe something we must refuse:
 * each row formats a fresh image, then writes a changed layout over it (the
 * parts of it beyond the drive dropped, so that a header can describe slots
 * the drive does not have) and expects nvram_start() to fail with its error.
 */
static void layout_version_3(NVRAMLayout *l)
{
    l->version = 3;
}

static void layout_encrypted_without_key_check(NVRAMLayout *l)
{
    l->flags = NVRAM_FLAG_ENCRYPTED;
}

static void layout_overlapping_entries(NVRAMLayout *l)
{
    l->entries[1].offset -= 4096;
}

static void layout_huge_copy_size(NVRAMLayout *l)
{
    /* near 2^64: the reader's arithmetic must be overflow-safe */
    l->entries[2].copy_size = UINT64_MAX / 2 + 4096;
    l->entries[2].copy_size -= l->entries[2].copy_size % 4096;
}

static const struct {
    const char *what;
    void (*change)(NVRAMLayout *l);
    NVRAMErrorCode expected;
} refused_headers[] = {
    { "version 3", layout_version_3, NVRAM_ERR_UNSUPPORTED_VERSION },
    { "encrypted flag without a key check",
      layout_encrypted_without_key_check, NVRAM_ERR_CORRUPT_HEADER },
    { "overlapping entries", layout_overlapping_entries,
      NVRAM_ERR_CORRUPT_HEADER },
    { "copy size near 2^64", layout_huge_copy_size, NVRAM_ERR_CORRUPT_HEADER },
};

START_TEST(test_refused_headers)
{
    for (size_t i = 0; i < G_N_ELEMENTS(refused_headers); i++) {
        NVRAMStorage *s;
        FaultStorage *fs;
        NVRAMLayout *l = NULL;
        Error *err = NULL;
        int ret;

        ck_assert_int_eq(nvram_layout_compute(three_specs, 3, 0, &l,
                                              &error_abort), 0);
        s = nvram_storage_new_memory((size_t)l->image_size);
        ck_assert_int_eq(nvram_layout_write(s, l, &error_abort), 0);
        ck_assert_int_eq(start_on(s, ENTRY_A, &error_abort), 0);
        refused_headers[i].change(l);
        fs = fault_new(s);
        fs->drop_out_of_range = true;
        ck_assert_int_eq(nvram_layout_write(&fs->common, l, &error_abort), 0);
        nvram_storage_close(&fs->common);
        ret = start_on(s, ENTRY_A, &err);
        ck_assert_msg(ret == -(int)refused_headers[i].expected,
                      "%s: expected %s, got %d (%s)", refused_headers[i].what,
                      nvram_strerror(refused_headers[i].expected), ret,
                      err ? error_get_pretty(err) : "no error");
        ck_assert_ptr_nonnull(err);
        error_free(err);
        nvram_layout_free(l);
        nvram_storage_close(s);
    }
}
END_TEST

START_TEST(test_too_small)
{
    NVRAMStorage *s, *t;
    uint64_t needed;
    size_t size;
    Error *err = NULL;
    char *msg;
    int ret;

    ck_assert_int_eq(nvram_measure(three_specs, 3, &needed, NULL), 0);
    s = nvram_storage_new_memory((size_t)needed - 1);
    ret = nvram_format_storage(s, three_specs, 3, false, &err);
    ck_assert_int_eq(ret, -NVRAM_ERR_TOO_SMALL);
    msg = g_strdup_printf("%" PRIu64 " bytes", needed);
    ck_assert_msg(strstr(error_get_pretty(err), msg), "%s",
                  error_get_pretty(err));
    g_free(msg);
    error_free(err);
    err = NULL;
    nvram_storage_close(s);

    /* a truncated image */
    s = formatted_memory();
    nvram_storage_memory_data(s, &size);
    t = nvram_storage_new_memory(size - 4096);
    memcpy(nvram_storage_memory_data(t, NULL),
           nvram_storage_memory_data(s, NULL), size - 4096);
    ret = start_on(t, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
    nvram_storage_close(t);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_entry_missing)
{
    NVRAMStorage *s = formatted_memory();
    FaultStorage *fs = fault_new(s);
    TestDevice dev = { 0 };
    NVRAMEntryName name, other;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    ret = start_on(s, "nosuchentry", &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_MISSING, err);

    /* registering a missing entry after start fails the same way */
    nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    test_name(&name, ENTRY_B);
    test_name(&other, "unknown");
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    ret = nvram_register_entry(nvram, &other, test_device_rw, &dev, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_MISSING, err);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, test_device_rw, &dev,
                                          &error_abort), 0);
    ret = nvram_register_entry(nvram, &name, test_device_rw, &dev, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    ret = nvram_read_data(nvram, &other, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_NOT_REGISTERED, err);
    nvram_delete(nvram);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_request_before_start)
{
    NVRAMStorage *s = formatted_memory();
    FaultStorage *fs = fault_new(s);
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    test_name(&name, ENTRY_A);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    ret = nvram_start(nvram, true, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    nvram_delete(nvram);
    nvram_storage_close(s);
}
END_TEST

/*** Reads and writes ***/

START_TEST(test_roundtrip_and_absent)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int ret;

    test_name(&name, ENTRY_A);
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    for (uint32_t i = 1; i <= 5; i++) {
        test_state_set(&dev.state, i, 1000 * i);
        ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                          &error_abort), 0);
    }
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 5);
    ck_assert_str_eq(dev.state.label, "state-5");
    ck_assert_uint_eq(dev.state.blob_len, 5000);
    ck_assert_uint_eq(dev.state.blob[4999], (uint8_t)(4999 * 31 + 5));
    ck_assert_int_eq(nvram_delete(nvram), 0);

    /* a second NVRAM over the same bytes sees the value */
    test_state_clear(&dev.state);
    nvram = open_with(s, &dev, NULL, NULL);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 5);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    assert_image_is_der(s);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_one_flush_per_write)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMStorageStats before, after;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 6000);
    /* The first write fills both copies: two writes, two flushes. */
    before = nvram_storage_get_stats(s);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    after = nvram_storage_get_stats(s);
    ck_assert_uint_eq(after.flushes - before.flushes, 2);
    ck_assert_uint_eq(after.writes - before.writes, 2);
    for (int i = 0; i < 10; i++) {
        before = nvram_storage_get_stats(s);
        ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        after = nvram_storage_get_stats(s);
        ck_assert_uint_eq(after.flushes - before.flushes, 1);
        ck_assert_uint_eq(after.writes - before.writes, 1);
        ck_assert_uint_eq(after.reads - before.reads, 0);
        /* value + a small, bounded overhead */
        ck_assert_uint_ge(after.bytes_written - before.bytes_written, 6000);
        ck_assert_uint_le(after.bytes_written - before.bytes_written,
                          6000 + 100);
    }
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_alternating_copies)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMImageInfo *info = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);

    test_name(&name, ENTRY_A);
    for (uint32_t i = 1; i <= 4; i++) {
        test_state_set(&dev.state, i, 10);
        ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
        ck_assert_int_eq(info->entries[0].status, 0);
        ck_assert_uint_eq(info->entries[0].copies[info->entries[0].newest]
                          .generation, i);
        /* the other copy keeps the previous value (the first write fills
         * both copies, so no generation-0 copy survives it) */
        ck_assert_uint_eq(info->entries[0].copies[1 - info->entries[0].newest]
                          .generation, i == 1 ? 1 : i - 1);
        nvram_image_info_free(info);
    }
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_corrupt_copies)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMImageInfo *info = NULL;
    uint8_t *data = nvram_storage_memory_data(s, NULL);
    uint64_t newest_off, older_off;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int ret;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&dev.state, 2, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    newest_off = info->entries[0].copies[info->entries[0].newest].offset;
    older_off = info->entries[0].copies[1 - info->entries[0].newest].offset;
    nvram_image_info_free(info);

    /* damage the newest value's payload: the older value is read, and
     * the read says that it is a rollback */
    data[newest_off + 60] ^= 1;
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), NVRAM_READ_ROLLED_BACK);
    ck_assert_uint_eq(dev.state.counter, 1);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert(!info->entries[0].copies[info->entries[0].newest == 0 ? 1 : 0]
              .valid || !info->entries[0].copies[0].valid ||
              !info->entries[0].copies[1].valid);
    ck_assert_ptr_nonnull(info->entries[0].copies[newest_off ==
                          info->entries[0].copies[0].offset ? 0 : 1].problem);
    nvram_image_info_free(info);

    /* damage both: corrupt, not absent */
    data[older_off + 3] ^= 0x40;
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert_int_eq(info->entries[0].status, -NVRAM_ERR_ENTRY_CORRUPT);
    nvram_image_info_free(info);

    /* a write repairs the entry (it goes to one of the damaged copies) */
    test_state_set(&dev.state, 3, 100);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 3);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_payload_too_large)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMStorageStats before, after;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int ret;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&dev.state, 2, 13000);
    before = nvram_storage_get_stats(s);
    ret = nvram_write_data(nvram, &name, VNVRAM_ASYNC_F, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_PAYLOAD_TOO_LARGE, err);
    after = nvram_storage_get_stats(s);
    ck_assert_uint_eq(after.writes, before.writes);
    ck_assert_int_eq(nvram_process_requests(nvram), 0);
    ck_assert(!nvram_had_fatal_error(nvram));
    /* the old value stays */
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 1);
    /* exactly at the guaranteed capacity it fits */
    test_state_set(&dev.state, 3, 8192 - 40);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    assert_image_is_der(s);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_every_value_size_is_valid_der)
{
    /* Around the filler's length boundaries, every value size leaves the
     * image a clean DER stream and reads back. */
    NVRAMEntrySpec spec = { ENTRY_A, 3000 };
    uint64_t size;
    NVRAMStorage *s;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram;

    nvram_measure(&spec, 1, &size, NULL);
    s = nvram_storage_new_memory((size_t)size);
    nvram_format_storage(s, &spec, 1, false, &error_abort);
    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    for (size_t len = 0; len < 4096; len += (len < 200 || len > 3900) ? 1 : 61) {
        Error *err = NULL;
        int ret;

        test_state_set(&dev.state, (uint32_t)len, len);
        ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
        if (ret == -NVRAM_ERR_PAYLOAD_TOO_LARGE) {
            ck_assert_uint_gt(len, 3000);
            error_free(err);
            continue;
        }
        ck_assert_nvram_ok(ret, err);
        assert_image_is_der(s);
        test_state_clear(&dev.state);
        ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                         &error_abort), 0);
        ck_assert_uint_eq(dev.state.blob_len, len);
    }
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_device_failure)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int ret;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 10);
    dev.fail_next = true;
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_DEVICE, err);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    dev.fail_next = true;
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_DEVICE, err);
    ck_assert(!nvram_had_fatal_error(nvram));
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

/*** I/O errors and crashes ***/

static void check_io_failure(bool flush)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    FaultStorage *fs;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, &fs);
    int ret;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 500);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    if (flush) {
        fs->fail_flush = true;
    } else {
        fs->fail_write = true;
    }
    test_state_set(&dev.state, 2, 500);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_IO, err);
    ck_assert(nvram_had_fatal_error(nvram));
    fs->fail_flush = fs->fail_write = false;
    /* failed: no more writes, even when the storage recovers */
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_FAILED, err);
    ck_assert_int_eq(nvram_delete(nvram), -NVRAM_ERR_IO);

    /* nothing committed is lost: the value reads as 1 (write error) or as
     * 1 or 2 (the flush failed after the data may have reached the disk) */
    test_state_clear(&dev.state);
    nvram = open_with(s, &dev, NULL, NULL);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert(dev.state.counter == 1 || (flush && dev.state.counter == 2));
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}

START_TEST(test_write_error)
{
    check_io_failure(false);
}
END_TEST

START_TEST(test_flush_error)
{
    check_io_failure(true);
}
END_TEST

START_TEST(test_torn_write_every_length)
{
    /* A crash after any prefix of the copy write leaves old or new. */
    NVRAMStorage *base = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = open_with(base, &dev, NULL, NULL);
    size_t len;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 300);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    nvram_delete(nvram);

    for (len = 0; len < 420; len += 3) {
        NVRAMStorage *s = memory_clone(base);
        FaultStorage *fs;
        Error *err = NULL;
        int ret;

        nvram = open_with(s, &dev, NULL, &fs);
        fs->tear_write = (long)len;
        test_state_set(&dev.state, 2, 300);
        ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
        ck_assert_int_eq(ret, -NVRAM_ERR_IO);
        error_free(err);
        nvram_delete(nvram);

        test_state_clear(&dev.state);
        nvram = open_with(s, &dev, NULL, NULL);
        ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &error_abort);
        /* a complete write (len >= its size) may read as new; the old
         * value beside a torn copy is reported as a rollback */
        ck_assert(ret == 0 || ret == NVRAM_READ_ROLLED_BACK);
        ck_assert(dev.state.counter == 1 || dev.state.counter == 2);
        if (dev.state.counter == 1 && ret == 0) {
            /* then the tear left the old bytes: both copies are intact */
            NVRAMImageInfo *info = NULL;

            ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
            ck_assert(info->entries[0].copies[0].valid &&
                      info->entries[0].copies[1].valid);
            nvram_image_info_free(info);
        }
        ck_assert_uint_eq(dev.state.blob_len, 300);
        nvram_delete(nvram);
        nvram_storage_close(s);
    }
    test_state_clear(&dev.state);
    nvram_storage_close(base);
}
END_TEST

START_TEST(test_torn_first_write_is_absent)
{
    /* Tearing the very first write leaves the entry "never written". */
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    FaultStorage *fs;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, &fs);
    int ret;

    test_name(&name, ENTRY_A);
    fs->tear_write = 40;
    test_state_set(&dev.state, 1, 100);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_IO, err);
    nvram_delete(nvram);
    nvram = open_with(s, &dev, NULL, NULL);
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_unregistered_entries_preserved)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 }, devb = { 0 };
    NVRAMEntryName name, nameb;
    NVRAMImageInfo *info = NULL;
    uint8_t *before, *data;
    size_t size;
    uint64_t b_start, b_end;
    NVRAM *nvram;

    /* give B a value, then work on A alone */
    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&nameb, ENTRY_B);
    nvram_register_entry(nvram, &nameb, test_device_rw, &devb, &error_abort);
    test_state_set(&devb.state, 42, 64);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_delete(nvram);

    data = nvram_storage_memory_data(s, &size);
    before = g_memdup2(data, size);
    nvram_image_inspect(s, &info, &error_abort);
    b_start = info->entries[1].offset;
    b_end = info->entries[2].offset + 2 * info->entries[2].copy_size;
    nvram_image_info_free(info);

    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    for (uint32_t i = 0; i < 5; i++) {
        test_state_set(&dev.state, i, 200);
        nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    }
    nvram_delete(nvram);
    ck_assert(memcmp(before, data, 4096) == 0);
    ck_assert(memcmp(before + b_start, data + b_start, b_end - b_start) == 0);
    g_free(before);
    test_state_clear(&dev.state);
    test_state_clear(&devb.state);
    nvram_storage_close(s);
}
END_TEST

/*** Asynchronous requests ***/

typedef struct Completion {
    GMutex lock;
    GArray *order;      /* opaque values, as ints, in completion order */
    GArray *codes;
    GArray *counters;   /* device counter seen at a read completion */
    TestDevice *dev;
} Completion;

static void completion_init(Completion *c, TestDevice *dev)
{
    g_mutex_init(&c->lock);
    c->order = g_array_new(false, false, sizeof(int));
    c->codes = g_array_new(false, false, sizeof(int));
    c->counters = g_array_new(false, false, sizeof(uint32_t));
    c->dev = dev;
}

static void completion_clear(Completion *c)
{
    g_array_unref(c->order);
    g_array_unref(c->codes);
    g_array_unref(c->counters);
    g_mutex_clear(&c->lock);
}

typedef struct CompletionArg {
    Completion *c;
    int tag;
} CompletionArg;

static void on_done(int errcode, const NVRAMEntryName *name, void *opaque,
                    const Error *err)
{
    CompletionArg *a = opaque;

    g_mutex_lock(&a->c->lock);
    g_array_append_val(a->c->order, a->tag);
    g_array_append_val(a->c->codes, errcode);
    g_array_append_val(a->c->counters, a->c->dev->state.counter);
    g_mutex_unlock(&a->c->lock);
    ck_assert((errcode == 0) == (err == NULL));
}

START_TEST(test_async_order)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Completion comp;
    CompletionArg args[40];
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int delivered = 0;

    test_name(&name, ENTRY_A);
    completion_init(&comp, &dev);
    for (int i = 0; i < 40; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        if (i % 4 == 3) {
            ck_assert_int_eq(nvram_read_data(nvram, &name, VNVRAM_ASYNC_F,
                                             on_done, &args[i],
                                             &error_abort), 0);
        } else {
            test_state_set(&dev.state, (uint32_t)i + 1000, 50);
            ck_assert_int_eq(nvram_write_data(nvram, &name, VNVRAM_ASYNC_F,
                                              on_done, &args[i],
                                              &error_abort), 0);
        }
    }
    while (delivered < 40) {
        delivered += nvram_process_requests(nvram);
        g_usleep(100);
    }
    ck_assert_uint_eq(comp.order->len, 40);
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(g_array_index(comp.order, int, i), i);
        ck_assert_int_eq(g_array_index(comp.codes, int, i), 0);
        if (i % 4 == 3) {
            /* a read sees the write submitted just before it */
            ck_assert_uint_eq(g_array_index(comp.counters, uint32_t, i),
                              (uint32_t)i - 1 + 1000);
        }
    }
    nvram_delete(nvram);
    completion_clear(&comp);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_async_wait_completion)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Completion comp;
    CompletionArg arg;
    NVRAMStorageStats st;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);

    test_name(&name, ENTRY_A);
    completion_init(&comp, &dev);
    arg.c = &comp;
    arg.tag = 1;
    test_state_set(&dev.state, 9, 10);
    ck_assert_int_eq(nvram_write_data(nvram, &name,
                                      VNVRAM_ASYNC_F | VNVRAM_WAIT_COMPLETION_F,
                                      on_done, &arg, &error_abort), 0);
    /* the I/O is done when the call returns, the callback is not yet run */
    st = nvram_storage_get_stats(s);
    ck_assert_uint_eq(st.flushes, 4);   /* format (2) + a first write (2) */
    ck_assert_uint_eq(comp.order->len, 0);
    ck_assert_int_eq(nvram_process_requests(nvram), 1);
    ck_assert_uint_eq(comp.order->len, 1);
    nvram_delete(nvram);
    completion_clear(&comp);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_delete_delivers_pending)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Completion comp;
    CompletionArg args[10];
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);

    test_name(&name, ENTRY_A);
    completion_init(&comp, &dev);
    test_state_set(&dev.state, 5, 10);
    for (int i = 0; i < 10; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        nvram_write_data(nvram, &name, VNVRAM_ASYNC_F, on_done, &args[i],
                         &error_abort);
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    ck_assert_uint_eq(comp.order->len, 10);
    completion_clear(&comp);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_sync_async_equivalence)
{
    NVRAMStorage *base = formatted_memory();
    NVRAMStorage *s1 = memory_clone(base), *s2 = memory_clone(base);
    TestDevice d1 = { 0 }, d2 = { 0 };
    NVRAMEntryName name;
    NVRAM *n1 = open_with(s1, &d1, NULL, NULL);
    NVRAM *n2 = open_with(s2, &d2, NULL, NULL);
    size_t size;

    test_name(&name, ENTRY_A);
    for (uint32_t i = 0; i < 7; i++) {
        test_state_set(&d1.state, i, 100 + i * 300);
        test_state_set(&d2.state, i, 100 + i * 300);
        ck_assert_int_eq(nvram_write_data(n1, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_write_data(n2, &name, VNVRAM_ASYNC_F, NULL,
                                          NULL, &error_abort), 0);
    }
    nvram_delete(n1);
    nvram_delete(n2);
    nvram_storage_memory_data(s1, &size);
    ck_assert(memcmp(nvram_storage_memory_data(s1, NULL),
                     nvram_storage_memory_data(s2, NULL), size) == 0);
    test_state_clear(&d1.state);
    test_state_clear(&d2.state);
    nvram_storage_close(s1);
    nvram_storage_close(s2);
    nvram_storage_close(base);
}
END_TEST

START_TEST(test_deregistration)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Completion comp;
    CompletionArg args[5];
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    int ret;

    test_name(&name, ENTRY_A);
    completion_init(&comp, &dev);
    test_state_set(&dev.state, 77, 10);
    for (int i = 0; i < 5; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        nvram_write_data(nvram, &name, VNVRAM_ASYNC_F, on_done, &args[i],
                         &error_abort);
    }
    ck_assert_int_eq(nvram_deregister_entry(nvram, &name, &error_abort), 0);
    /* pending completions were delivered before it returned */
    ck_assert_uint_eq(comp.order->len, 5);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_NOT_REGISTERED, err);
    ret = nvram_deregister_entry(nvram, &name, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_NOT_REGISTERED, err);
    /* register again: the data is still there */
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, test_device_rw, &dev,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 77);
    nvram_delete(nvram);
    completion_clear(&comp);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

typedef struct ThreadArg {
    NVRAM *nvram;
    const char *entry;
    TestDevice dev;
    GMutex *dev_lock;
    int rounds;
} ThreadArg;

/* A device callback whose state another thread also changes. */
static int locked_rw(enum NVRAMRWOp op, Visitor *v, const NVRAMEntryName *n,
                     void *opaque, Error **errp)
{
    ThreadArg *a = opaque;
    int ret;

    g_mutex_lock(a->dev_lock);
    ret = test_device_rw(op, v, n, &a->dev, errp);
    g_mutex_unlock(a->dev_lock);
    return ret;
}

static gpointer writer_thread(gpointer opaque)
{
    ThreadArg *a = opaque;
    NVRAMEntryName name;

    test_name(&name, a->entry);
    for (int i = 1; i <= a->rounds; i++) {
        g_mutex_lock(a->dev_lock);
        test_state_set(&a->dev.state, (uint32_t)i, (size_t)(i % 50) * 20);
        g_mutex_unlock(a->dev_lock);
        ck_assert_int_eq(nvram_write_data(a->nvram, &name,
                                          i % 2 ? VNVRAM_ASYNC_F : 0, NULL,
                                          NULL, &error_abort), 0);
    }
    return NULL;
}

START_TEST(test_concurrent_callers)
{
    NVRAMStorage *s = formatted_memory();
    FaultStorage *fs = fault_new(s);
    GMutex locks[3];
    ThreadArg args[3] = {
        { .entry = ENTRY_A, .rounds = 60 },
        { .entry = ENTRY_B, .rounds = 60 },
        { .entry = ENTRY_C, .rounds = 60 },
    };
    GThread *threads[3];
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    NVRAMStorageStats st;
    gint stop = 0;

    for (int i = 0; i < 3; i++) {
        NVRAMEntryName name;
        g_mutex_init(&locks[i]);
        args[i].nvram = nvram;
        args[i].dev_lock = &locks[i];
        test_name(&name, args[i].entry);
        nvram_register_entry(nvram, &name, locked_rw, &args[i], &error_abort);
    }
    nvram_start(nvram, true, &error_abort);
    for (int i = 0; i < 3; i++) {
        threads[i] = g_thread_new("writer", writer_thread, &args[i]);
    }
    for (int i = 0; i < 3; i++) {
        g_thread_join(threads[i]);
        nvram_process_requests(nvram);
    }
    (void)stop;
    while (nvram_process_requests(nvram)) {
    }
    st = nvram_storage_get_stats(s);
    /* format: 2; each entry's first write: 2 */
    ck_assert_uint_eq(st.flushes, 2 + 3 + 3 * 60);
    for (int i = 0; i < 3; i++) {
        NVRAMEntryName name;
        test_name(&name, args[i].entry);
        test_state_clear(&args[i].dev.state);
        ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                         &error_abort), 0);
        ck_assert_uint_eq(args[i].dev.state.counter, 60);
    }
    nvram_delete(nvram);
    for (int i = 0; i < 3; i++) {
        test_state_clear(&args[i].dev.state);
        g_mutex_clear(&locks[i]);
    }
    nvram_storage_close(s);
}
END_TEST

static void on_done_quit(int errcode, const NVRAMEntryName *name,
                         void *opaque, const Error *err)
{
    GMainLoop *loop = opaque;

    ck_assert_int_eq(errcode, 0);
    g_main_loop_quit(loop);
}

START_TEST(test_gsource)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    GMainContext *ctx = g_main_context_new();
    GMainLoop *loop = g_main_loop_new(ctx, false);
    NVRAM *nvram = open_with(s, &dev, NULL, NULL);
    GSource *src = nvram_create_source(nvram);

    g_source_attach(src, ctx);
    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 3, 10);
    /* let the context record itself first */
    g_main_context_iteration(ctx, false);
    nvram_write_data(nvram, &name, VNVRAM_ASYNC_F, NULL, NULL, &error_abort);
    test_state_clear(&dev.state);
    nvram_read_data(nvram, &name, VNVRAM_ASYNC_F, on_done_quit, loop,
                    &error_abort);
    g_main_loop_run(loop);
    ck_assert_uint_eq(dev.state.counter, 3);
    g_source_destroy(src);
    g_source_unref(src);
    nvram_delete(nvram);
    g_main_loop_unref(loop);
    g_main_context_unref(ctx);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

/*** Encodings ***/

START_TEST(test_json_entries)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMOptions json = { .encoding = NVRAM_ENCODING_JSON };
    NVRAMOptions cer = { .encoding = NVRAM_ENCODING_CER };
    NVRAMEncoding enc;
    uint8_t *payload = NULL;
    size_t len;
    uint64_t gen;
    NVRAM *nvram;

    test_name(&name, ENTRY_A);
    nvram = open_with(s, &dev, &json, NULL);
    test_state_set(&dev.state, 11, 3);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    nvram_delete(nvram);
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, &enc,
                                            &gen, &error_abort), 0);
    ck_assert_int_eq(enc, NVRAM_ENCODING_JSON);
    ck_assert_uint_eq(gen, 1);
    ck_assert_uint_gt(len, 10);
    ck_assert_uint_eq(payload[0], '{');
    ck_assert(g_strstr_len((char *)payload, (gssize)len, "\"counter\":11"));
    g_free(payload);

    /* a DER-writing NVRAM reads the JSON value (reads follow the copy) */
    test_state_clear(&dev.state);
    nvram = open_with(s, &dev, NULL, NULL);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 11);
    ck_assert_str_eq(dev.state.label, "state-11");
    ck_assert_uint_eq(dev.state.blob_len, 3);
    nvram_delete(nvram);

    /* and CER values too */
    nvram = open_with(s, &dev, &cer, NULL);
    test_state_set(&dev.state, 12, 2500);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 12);
    ck_assert_uint_eq(dev.state.blob_len, 2500);
    nvram_delete(nvram);
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, &enc,
                                            NULL, &error_abort), 0);
    ck_assert_int_eq(enc, NVRAM_ENCODING_CER);
    g_free(payload);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_read_entry_errors)
{
    NVRAMStorage *s = formatted_memory();
    uint8_t *payload = NULL;
    size_t len;
    Error *err = NULL;
    int ret;

    ret = nvram_image_read_entry(s, "nope", &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_MISSING, err);
    ret = nvram_image_read_entry(s, ENTRY_B, &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    ck_assert_ptr_null(payload);
    nvram_storage_close(s);
}
END_TEST

/*** Files and processes ***/

/* The path of file @name in a new temporary directory. */
static char *temp_image_new(const char *name)
{
    char *dir = g_dir_make_tmp("test-nvram-XXXXXX", NULL);
    char *path;

    ck_assert_ptr_nonnull(dir);
    path = g_build_filename(dir, name, NULL);
    g_free(dir);
    return path;
}

/* Delete the file of temp_image_new() and its directory; free @path. */
static void temp_image_remove(char *path)
{
    char *dir = g_path_get_dirname(path);

    unlink(path);
    rmdir(dir);
    g_free(dir);
    g_free(path);
}

START_TEST(test_file_across_processes)
{
    char *path = temp_image_new("nvram.img");
    NVRAMOptions opts = { .create = true };
    NVRAMStorage *fst;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    pid_t pid;
    int status;

    fst = nvram_storage_open_file(path, false, true, &error_abort);
    ck_assert_int_eq(nvram_format_storage(fst, three_specs, 3, false,
                                          &error_abort), 0);
    nvram_storage_close(fst);
    test_name(&name, ENTRY_A);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        nvram = nvram_setup(path, &opts, &error_abort);
        nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
        nvram_start(nvram, true, &error_abort);
        test_state_set(&dev.state, 4242, 1234);
        if (nvram_write_data(nvram, &name, 0, NULL, NULL, NULL) != 0 ||
            nvram_delete(nvram) != 0) {
            _exit(1);
        }
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    nvram = nvram_setup(path, NULL, &error_abort);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    nvram_start(nvram, true, &error_abort);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 4242);
    ck_assert_uint_eq(dev.state.blob_len, 1234);
    /* a second writer is locked out while this one has the image */
    ck_assert_ptr_null(nvram_setup(path, NULL, &err));
    error_free_or_abort(&err);
    nvram_delete(nvram);

    test_state_clear(&dev.state);
    temp_image_remove(path);
}
END_TEST

START_TEST(test_file_missing_and_readonly)
{
    char *path = temp_image_new("nvram.img");
    NVRAMOptions ro = { .read_only = true };
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMStorage *fst;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    ck_assert_ptr_null(nvram_setup(path, NULL, &err));
    error_free_or_abort(&err);
    fst = nvram_storage_open_file(path, false, true, &error_abort);
    nvram_format_storage(fst, three_specs, 3, false, &error_abort);
    nvram_storage_close(fst);

    nvram = nvram_setup(path, &ro, &error_abort);
    test_name(&name, ENTRY_A);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    nvram_delete(nvram);
    temp_image_remove(path);
}
END_TEST

/*** Encryption ***/

static const uint8_t test_key[NVRAM_KEY_SIZE] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

static NVRAMStorage *encrypted_memory(void)
{
    uint64_t size;
    NVRAMStorage *s;

    ck_assert_int_eq(nvram_measure(three_specs, 3, &size, &error_abort), 0);
    s = nvram_storage_new_memory((size_t)size);
    ck_assert_int_eq(nvram_format_storage_with_key(s, three_specs, 3,
                                                   test_key, NVRAM_KEY_SIZE,
                                                   false, &error_abort), 0);
    return s;
}

static int start_with_key(NVRAMStorage *inner, const uint8_t *key,
                          Error **errp)
{
    NVRAMOptions opts = { .key = key, .key_len = NVRAM_KEY_SIZE };
    FaultStorage *fs = fault_new(inner);
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, &opts, &error_abort);
    int ret;

    test_name(&name, ENTRY_A);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_start(nvram, true, errp);
    nvram_delete(nvram);
    return ret;
}

START_TEST(test_encrypted_roundtrip)
{
    NVRAMStorage *s;
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMImageInfo *info = NULL;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    uint8_t *payload = NULL;
    const uint8_t *image;
    size_t size, len;
    NVRAM *nvram;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_roundtrip: skipped (built without nettle)\n");
        return;
    }
    s = encrypted_memory();
    nvram = open_with(s, &dev, &opts, NULL);
    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 31337, 700);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_set(&dev.state, 31338, 700);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 31338);
    ck_assert_str_eq(dev.state.label, "state-31338");
    nvram_delete(nvram);

    /* the label is nowhere in the image in clear */
    /* size is set by the call: read it only after (argument order) */
    image = nvram_storage_memory_data(s, &size);
    ck_assert_ptr_null(memmem(image, size, "state-3133", 10));
    assert_image_is_der(s);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert_uint_eq(info->flags, 1);
    ck_assert(info->entries[0].copies[0].encrypted);
    ck_assert_int_eq(info->entries[0].status, 0);
    nvram_image_info_free(info);
    ck_assert_int_eq(nvram_image_read_entry_with_key(s, ENTRY_A, test_key,
                                                     NVRAM_KEY_SIZE, &payload,
                                                     &len, NULL, NULL,
                                                     &error_abort), 0);
    ck_assert_uint_eq(payload[0], 0x30);   /* DER SEQUENCE in clear */
    g_free(payload);
    /* without the key: sealed bytes */
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, NULL,
                                            NULL, &error_abort), 0);
    ck_assert_ptr_null(memmem(payload, len, "state-3133", 10));
    g_free(payload);
    /*
     * An I/O error at each read in turn, copy 1 included (after copy 0
     * was decrypted): a clean failure, nothing leaked (sanitizer builds).
     */
    for (unsigned n = 1; n <= 6; n++) {
        FaultStorage *fs = fault_new(s);
        Error *err = NULL;
        int ret;

        fs->fail_read_at = n;
        payload = NULL;
        ret = nvram_image_read_entry_with_key(&fs->common, ENTRY_A, test_key,
                                              NVRAM_KEY_SIZE, &payload, &len,
                                              NULL, NULL, &err);
        ck_assert_msg(ret == 0 || ret == -NVRAM_ERR_IO, "read %u failing: %d",
                      n, ret);
        ck_assert((ret < 0) == (err != NULL));
        ck_assert((ret < 0) == (payload == NULL));
        error_free(err);
        g_free(payload);
        nvram_storage_close(&fs->common);
    }
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_wrong_or_missing_key)
{
    uint8_t wrong[NVRAM_KEY_SIZE];
    NVRAMStorage *s, *plain;
    uint8_t *payload = NULL;
    size_t len;
    Error *err = NULL;
    int ret;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_wrong_or_missing_key: skipped\n");
        return;
    }
    s = encrypted_memory();
    memcpy(wrong, test_key, sizeof(wrong));
    wrong[31] ^= 1;
    ck_assert_int_eq(start_with_key(s, test_key, &error_abort), 0);
    ret = start_with_key(s, wrong, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_WRONG_KEY, err);
    ret = start_on(s, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENCRYPTED, err);
    ret = nvram_image_read_entry_with_key(s, ENTRY_A, wrong, NVRAM_KEY_SIZE,
                                          &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_WRONG_KEY, err);
    /* a key for a plain image is a mistake, not silently ignored */
    plain = formatted_memory();
    ret = start_with_key(plain, test_key, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    /* a key of the wrong size */
    {
        NVRAMOptions bad = { .key = test_key, .key_len = 16 };
        ck_assert_ptr_null(nvram_setup_with_storage(
            nvram_storage_new_memory(10), &bad, &err));
        error_free_or_abort(&err);
    }
    nvram_storage_close(plain);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_tamper_and_swap)
{
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMImageInfo *info = NULL;
    TestDevice dev = { 0 }, devb = { 0 };
    NVRAMEntryName name, nameb;
    NVRAMStorage *s;
    uint8_t *data;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_tamper_and_swap: skipped\n");
        return;
    }
    s = encrypted_memory();
    data = nvram_storage_memory_data(s, NULL);
    nvram = open_with(s, &dev, &opts, NULL);
    test_name(&name, ENTRY_A);
    test_name(&nameb, ENTRY_B);
    nvram_register_entry(nvram, &nameb, test_device_rw, &devb, &error_abort);
    test_state_set(&dev.state, 1, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&dev.state, 2, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&devb.state, 9, 100);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_image_inspect(s, &info, &error_abort);

    /* swap: put entry B's copies into entry A's slots; the entry id check
     * and the associated data (name) both refuse them */
    {
        uint64_t a = info->entries[0].offset, b = info->entries[1].offset;
        uint64_t n = MIN(info->entries[0].copy_size,
                         info->entries[1].copy_size);
        uint64_t a1 = a + info->entries[0].copy_size;
        uint8_t *saved = g_malloc(2 * n);

        memcpy(saved, data + a, n);
        memcpy(saved + n, data + a1, n);
        memcpy(data + a, data + b, n);
        memcpy(data + a + info->entries[0].copy_size, data + b + n, n);
        ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
        ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
        memcpy(data + a, saved, n);
        memcpy(data + a + info->entries[0].copy_size, saved + n, n);
        g_free(saved);
    }
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 2);
    nvram_image_info_free(info);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    test_state_clear(&devb.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_format_via_nvram)
{
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMStorage *s = nvram_storage_new_memory(300 * 1024);
    FaultStorage *fs = fault_new(s);
    TestDevice dev = { .format_size = 4000 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    nvram = nvram_setup_with_storage(&fs->common, &opts, &error_abort);
    test_name(&name, "dev0");
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_format(nvram, false, &err);
    if (!nvram_encryption_available()) {
        ck_assert_nvram_error(ret, NVRAM_ERR_ENCRYPTED, err);
        nvram_delete(nvram);
        nvram_storage_close(s);
        return;
    }
    ck_assert_nvram_ok(ret, err);
    /* the value fits although sealing adds 28 bytes */
    test_state_set(&dev.state, 5, 4000 - 40);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 5);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

/* A device whose callbacks call back into the NVRAM API. */
typedef struct ReentrantDevice {
    TestDevice dev;
    NVRAM *nvram;
    int reentered;
    int deregistered;
} ReentrantDevice;

static int reentrant_rw(enum NVRAMRWOp op, Visitor *v,
                        const NVRAMEntryName *name, void *opaque, Error **errp)
{
    ReentrantDevice *d = opaque;

    /* Would deadlock if the layer held its lock around device callbacks. */
    ck_assert(!nvram_had_fatal_error(d->nvram));
    d->reentered++;
    return test_device_rw(op, v, name, &d->dev, errp);
}

START_TEST(test_format_callbacks_may_reenter)
{
    NVRAMStorage *s = nvram_storage_new_memory(1 << 20);
    ReentrantDevice d = { .dev.format_size = 4000 };
    NVRAMEntryName name;

    d.nvram = nvram_setup_with_storage(s, NULL, &error_abort);
    test_name(&name, ENTRY_A);
    ck_assert_int_eq(nvram_register_entry(d.nvram, &name, reentrant_rw, &d,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_format(d.nvram, false, &error_abort), 0);
    ck_assert_int_eq(d.reentered, 1);
    test_state_set(&d.dev.state, 3, 100);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    ck_assert_int_eq(d.reentered, 2);
    nvram_delete(d.nvram);
    test_state_clear(&d.dev.state);
}
END_TEST

static void deregister_on_done(int errcode, const NVRAMEntryName *name,
                               void *opaque, const Error *err)
{
    ReentrantDevice *d = opaque;

    ck_assert_int_eq(errcode, 0);
    /* Would wait forever if the entry counted this request as pending. */
    ck_assert_int_eq(nvram_deregister_entry(d->nvram, name, &error_abort), 0);
    d->deregistered++;
}

START_TEST(test_deregister_from_completion)
{
    NVRAMStorage *s = formatted_memory();
    ReentrantDevice d = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;

    d.nvram = open_with(s, &d.dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    test_state_set(&d.dev.state, 5, 64);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name,
                                      VNVRAM_ASYNC_F | VNVRAM_WAIT_COMPLETION_F,
                                      deregister_on_done, &d, &error_abort), 0);
    ck_assert_int_eq(nvram_process_requests(d.nvram), 1);
    ck_assert_int_eq(d.deregistered, 1);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name, 0, NULL, NULL, &err),
                     -NVRAM_ERR_NOT_REGISTERED);
    error_free(err);
    nvram_delete(d.nvram);
    test_state_clear(&d.dev.state);
    nvram_storage_close(s);
}
END_TEST

/*
 * nvram_storage_pwritev() writes its pieces back to back, as one counted
 * write, on every backend: natively on files and memory, by gathering on
 * a backend with pwrite alone (the fault layer here); out of the range of
 * a memory storage fails and writes nothing.
 */
static void check_pwritev(NVRAMStorage *s, NVRAMStorage *inner,
                          bool bounded)
{
    static const uint8_t head[5] = "head:", tail[3] = ":tl";
    uint8_t body[3000], want[4096], got[4096];
    struct iovec iov[4] = {
        { (void *)head, sizeof(head) },
        { NULL, 0 },
        { body, sizeof(body) },
        { (void *)tail, sizeof(tail) },
    };
    NVRAMStorageStats before, after;
    Error *err = NULL;
    uint64_t size;

    for (size_t i = 0; i < sizeof(body); i++) {
        body[i] = (uint8_t)(i * 13 + 1);
    }
    memset(want, 0, sizeof(want));
    ck_assert(nvram_storage_pwrite(inner, want, sizeof(want), 0,
                                   &error_abort));
    memcpy(want + 100, head, sizeof(head));
    memcpy(want + 100 + sizeof(head), body, sizeof(body));
    memcpy(want + 100 + sizeof(head) + sizeof(body), tail, sizeof(tail));

    before = nvram_storage_get_stats(s);
    ck_assert(nvram_storage_pwritev(s, iov, 4, 100, &error_abort));
    after = nvram_storage_get_stats(s);
    ck_assert_uint_eq(after.writes - before.writes, 1);
    ck_assert_uint_eq(after.bytes_written - before.bytes_written,
                      sizeof(head) + sizeof(body) + sizeof(tail));
    ck_assert(nvram_storage_pread(inner, got, sizeof(got), 0, &error_abort));
    ck_assert_mem_eq(got, want, sizeof(want));

    /* a single piece, and nothing written past the end */
    ck_assert(nvram_storage_pwritev(s, &iov[2], 1, 0, &error_abort));
    memcpy(want, body, sizeof(body));
    ck_assert(nvram_storage_get_size(inner, &size, &error_abort));
    ck_assert_uint_eq(size, sizeof(want));
    if (bounded) {
        ck_assert(!nvram_storage_pwritev(s, iov, 4, size - 10, &err));
        ck_assert_ptr_nonnull(err);
        error_free(err);
    }
    ck_assert(nvram_storage_pread(inner, got, sizeof(got), 0, &error_abort));
    ck_assert_mem_eq(got, want, sizeof(want));
}

START_TEST(test_storage_pwritev)
{
    char *path = temp_image_new("pwritev.img");
    NVRAMStorage *mem = nvram_storage_new_memory(4096);
    NVRAMStorage *file;
    FaultStorage *gathered;

    check_pwritev(mem, mem, true);
    gathered = fault_new(mem);
    check_pwritev(&gathered->common, mem, true);
    nvram_storage_close(&gathered->common);
    nvram_storage_close(mem);

    file = nvram_storage_open_file(path, false, true, &error_abort);
    ck_assert(nvram_storage_resize(file, 4096, &error_abort));
    check_pwritev(file, file, false);
    nvram_storage_close(file);
    temp_image_remove(path);
}
END_TEST

/*
 * A gathered write the kernel takes only in part goes on from the right
 * piece and offset: under a file size limit the first pwritev() stops at
 * the limit (a short write) and the next one, at exactly the limit, fails;
 * the failure is reported with that offset, never as success.
 */
START_TEST(test_storage_pwritev_short)
{
    char *path = temp_image_new("short.img");
    NVRAMStorage *file;
    pid_t pid;
    int status;

    file = nvram_storage_open_file(path, false, true, &error_abort);
    ck_assert(nvram_storage_resize(file, 4096, &error_abort));
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        static uint8_t a[100], b[1000], c[50];
        struct iovec iov[3] = {
            { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) },
        };
        struct rlimit limit = { 4096 + 150, 4096 + 150 };
        Error *err = NULL;
        bool ok;

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &limit) < 0) {
            _exit(3);
        }
        /* 4000 + 1150 crosses the limit at 4246, inside the second piece */
        ok = nvram_storage_pwritev(file, iov, 3, 4000, &err);
        _exit(!ok && err &&
              strstr(error_get_pretty(err), "at offset 4246") ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(WEXITSTATUS(status), 0);
    nvram_storage_close(file);
    temp_image_remove(path);
}
END_TEST

static Suite *nvram_suite(void)
{
    Suite *s = suite_create("nvram");
    TCase *tc;

    tc = tcase_create("format");
    tcase_add_test(tc, test_crc32c_check_value);
    tcase_add_test(tc, test_crc32c_software_and_hardware);
    tcase_add_test(tc, test_storage_pwritev);
    tcase_add_test(tc, test_storage_pwritev_short);
    tcase_add_test(tc, test_entry_names);
    tcase_add_test(tc, test_measure);
    tcase_add_test(tc, test_format_and_inspect);
    tcase_add_test(tc, test_format_larger_drive_and_gaps);
    tcase_add_test(tc, test_format_refuses_overwrite);
    tcase_add_test(tc, test_format_via_device_callbacks);
    suite_add_tcase(s, tc);

    tc = tcase_create("states");
    tcase_add_test(tc, test_unformatted);
    tcase_add_test(tc, test_foreign_and_corrupt_header);
    tcase_add_test(tc, test_refused_headers);
    tcase_add_test(tc, test_too_small);
    tcase_add_test(tc, test_entry_missing);
    tcase_add_test(tc, test_request_before_start);
    suite_add_tcase(s, tc);

    tc = tcase_create("rw");
    tcase_add_test(tc, test_roundtrip_and_absent);
    tcase_add_test(tc, test_one_flush_per_write);
    tcase_add_test(tc, test_alternating_copies);
    tcase_add_test(tc, test_corrupt_copies);
    tcase_add_test(tc, test_payload_too_large);
    tcase_add_test(tc, test_every_value_size_is_valid_der);
    tcase_add_test(tc, test_device_failure);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_flush_error);
    tcase_add_test(tc, test_torn_write_every_length);
    tcase_add_test(tc, test_torn_first_write_is_absent);
    tcase_add_test(tc, test_unregistered_entries_preserved);
    suite_add_tcase(s, tc);

    tc = tcase_create("async");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_async_order);
    tcase_add_test(tc, test_async_wait_completion);
    tcase_add_test(tc, test_format_callbacks_may_reenter);
    tcase_add_test(tc, test_deregister_from_completion);
    tcase_add_test(tc, test_delete_delivers_pending);
    tcase_add_test(tc, test_sync_async_equivalence);
    tcase_add_test(tc, test_deregistration);
    tcase_add_test(tc, test_concurrent_callers);
    tcase_add_test(tc, test_gsource);
    suite_add_tcase(s, tc);

    tc = tcase_create("encodings-files");
    tcase_add_test(tc, test_json_entries);
    tcase_add_test(tc, test_read_entry_errors);
    tcase_add_test(tc, test_file_across_processes);
    tcase_add_test(tc, test_file_missing_and_readonly);
    suite_add_tcase(s, tc);

    tc = tcase_create("encryption");
    tcase_add_test(tc, test_encrypted_roundtrip);
    tcase_add_test(tc, test_encrypted_wrong_or_missing_key);
    tcase_add_test(tc, test_encrypted_tamper_and_swap);
    tcase_add_test(tc, test_encrypted_format_via_nvram);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(nvram_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
