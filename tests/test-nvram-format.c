/*
 * tests/test-nvram-format.c: libvnvram: CRC-32C, gathered writes, names, measuring and
 * formatting, and every state an image can be in at start (unformatted,
 * foreign, damaged header, refused headers, too small, missing entries).
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
#include "test-nvram-fixture.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-inspect.h"
#include "tests/check-main.h"

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

int main(void)
{
    Suite *s = suite_create("nvram-format");
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

    return check_run_suite(s);
}
