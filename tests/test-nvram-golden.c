/*
 * tests/test-nvram-golden.c: the bytes of the on-disk format do not move.
 * Header copies and entry copies of format 1 and format 2, built from
 * fixed layouts (fixed image id, key check, generations), must equal the
 * committed goldens in tests/data/nvram/ byte for byte, decode back to
 * the same layout, and a damaged member must be reported with the same
 * message and offsets as always. Run with NVRAM_GOLDEN_WRITE=DIR to
 * (re)write the goldens into DIR, after a deliberate format change only.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "nvram/crc32c.h"
#include "nvram/format.h"
#include "test-nvram-common.h"
#include "visitors/ber-codec.h"
#include "tests/check-main.h"

/*** Fixed layouts ***/

/* Format 1: two entries, plain. Format 2: mirror policy, encrypted. */
static NVRAMLayout *golden_layout(bool v1)
{
    static const NVRAMEntrySpec specs[2] = {
        { "permall", 2000 }, { "volatilestate", 500 },
    };
    static const NVRAMEntryPolicy policies[2] = {
        NVRAM_POLICY_ALTERNATE, NVRAM_POLICY_MIRROR,
    };
    NVRAMLayout *l = NULL;

    ck_assert_int_eq(nvram_layout_compute_full(specs, v1 ? NULL : policies,
                                               2, 0, !v1, &l, &error_abort),
                     0);
    for (int i = 0; i < NVRAM_IMAGE_ID_LEN; i++) {
        l->image_id[i] = (uint8_t)(0xa0 + i);
    }
    for (size_t i = 0; i < l->key_check_len; i++) {
        l->key_check[i] = (uint8_t)(0x30 + 7 * i);
    }
    if (v1) {
        l->version = 1;
        l->layout_generation = 0;
        nvram_layout_place(l, 0, 0);
    } else {
        l->layout_generation = 3;
    }
    return l;
}

static char *golden_path(const char *name)
{
    const char *top = g_getenv("top_srcdir");

    return g_build_filename(top ? top : ".", "tests", "data", "nvram", name,
                            NULL);
}

/* @data must equal the golden @name (or is written to $NVRAM_GOLDEN_WRITE). */
static void check_golden(const char *name, const uint8_t *data, size_t len)
{
    const char *dir = g_getenv("NVRAM_GOLDEN_WRITE");
    char *path, *golden = NULL;
    gsize glen = 0;
    GError *gerr = NULL;

    if (dir) {
        path = g_build_filename(dir, name, NULL);
        ck_assert_msg(g_file_set_contents(path, (const char *)data,
                                          (gssize)len, &gerr),
                      "%s", gerr ? gerr->message : path);
        g_free(path);
        return;
    }
    path = golden_path(name);
    ck_assert_msg(g_file_get_contents(path, &golden, &glen, &gerr), "%s",
                  gerr ? gerr->message : path);
    ck_assert_msg(glen == len, "%s: %zu bytes, golden has %zu", name, len,
                  (size_t)glen);
    for (size_t i = 0; i < len; i++) {
        ck_assert_msg(data[i] == (uint8_t)golden[i], "%s: byte %zu is %02x, "
                      "golden has %02x", name, i, data[i],
                      (uint8_t)golden[i]);
    }
    g_free(golden);
    g_free(path);
}

/* Header copy @copy of @l, checked against the golden @name; returned whole. */
static uint8_t *header_golden(const NVRAMLayout *l, int copy,
                              const char *name)
{
    uint64_t offset;
    size_t len;
    uint8_t *region = nvram_header_encode(l, copy, &offset, &len);

    ck_assert_uint_eq(offset, copy ? nvram_header_copy_size(l) : 0);
    check_golden(name, region, len);
    return region;
}

/* Decode header copy @copy from @region: 0 and the layout, or the error. */
static int header_decode(const NVRAMLayout *l, int copy,
                         const uint8_t *region, NVRAMLayout **out,
                         Error **errp)
{
    uint64_t base = copy ? nvram_header_copy_size(l) : 0;
    size_t csize = (size_t)nvram_header_copy_size(l);
    NVRAMHeaderProbe p;
    int ret;

    ret = nvram_header_probe(region, csize, base, copy, l->image_size, &p,
                             errp);
    if (ret < 0) {
        return ret;
    }
    ck_assert_uint_le(p.region_len, csize);
    return nvram_header_parse(region, &p, l->image_size, out, errp);
}

/* The copy golden @name of entry @e (generation, flags, encoding fixed). */
static GByteArray *copy_golden(const NVRAMLayout *l, const NVRAMLayoutEntry *e,
                               const char *name)
{
    static const uint8_t value[] = "golden value";
    GByteArray *copy = NULL;

    ck_assert_int_eq(nvram_copy_build(l, e, l->version == 1 ? 5 : 7,
                                      l->version == 1 ? NVRAM_ENCODING_DER
                                                      : NVRAM_ENCODING_JSON,
                                      l->version == 1 ? 0
                                                      : NVRAM_COPY_FLAG_MIRROR,
                                      value, sizeof(value), &copy,
                                      &error_abort), 0);
    check_golden(name, copy->data, copy->len);
    /* the whole slot, as read from the drive */
    g_byte_array_set_size(copy, (guint)e->copy_size);
    return copy;
}

/*** Walking the DER to a member, to damage it ***/

/* The offset of the @k-th TLV inside the constructed TLV at @pos. */
static size_t member_pos(const uint8_t *buf, size_t end, size_t pos, int k)
{
    BERHeader hdr;

    ck_assert_int_eq(ber_read_header(buf, end, pos, BER_MODE_DER, &hdr, NULL),
                     BER_OK);
    ck_assert(hdr.constructed);
    pos += hdr.header_length;
    for (int i = 0; i < k; i++) {
        ck_assert_int_eq(ber_read_header(buf, end, pos, BER_MODE_DER, &hdr,
                                         NULL), BER_OK);
        pos += hdr.header_length + (size_t)hdr.length;
    }
    return pos;
}

/*
 * Retag the TLV at @at of header copy @region (whose body TLV is at
 * @bpos) and fix the header check so that only the visit can refuse it:
 * the first tag of a few that keeps the check INTEGER's length.
 */
static void header_retag(uint8_t *region, size_t len, size_t bpos, size_t at)
{
    static const uint8_t tags[] = { 0x04, 0x0c, 0x01, 0x05, 0x16, 0x13 };
    BERHeader body, check;
    size_t cpos;

    ck_assert_int_eq(ber_read_header(region, len, bpos, BER_MODE_DER, &body,
                                     NULL), BER_OK);
    cpos = bpos + body.header_length + (size_t)body.length;
    ck_assert_int_eq(ber_read_header(region, len, cpos, BER_MODE_DER, &check,
                                     NULL), BER_OK);
    for (size_t t = 0; t < sizeof(tags); t++) {
        uint8_t content[BER_INTEGER_MAX];
        uint32_t crc;

        region[at] = tags[t];
        crc = nvram_crc32c(0, region + bpos, cpos - bpos);
        if (ber_encode_uint64(content, crc) == check.length) {
            memcpy(region + cpos + check.header_length, content,
                   (size_t)check.length);
            return;
        }
    }
    ck_abort_msg("no retag keeps the check's length");
}

/* The body TLV's position in header copy @copy of @l. */
static size_t header_body_pos(const NVRAMLayout *l, int copy,
                              const uint8_t *region)
{
    NVRAMHeaderProbe p;

    ck_assert_int_eq(nvram_header_probe(region,
                                        (size_t)nvram_header_copy_size(l),
                                        copy ? nvram_header_copy_size(l) : 0,
                                        copy, l->image_size, &p,
                                        &error_abort), 0);
    return p.body_pos;
}

/* Header copy @copy with member @path damaged must fail with @message. */
static void header_damaged(const NVRAMLayout *l, int copy,
                           const uint8_t *golden, const int *path,
                           int depth, const char *message)
{
    size_t len = (size_t)nvram_header_copy_size(l);
    uint8_t *region = g_memdup2(golden, len);
    size_t bpos = header_body_pos(l, copy, region), at = bpos;
    NVRAMLayout *out = NULL;
    Error *err = NULL;

    for (int i = 0; i < depth; i++) {
        at = member_pos(region, len, at, path[i]);
    }
    header_retag(region, len, bpos, at);
    ck_assert_int_eq(header_decode(l, copy, region, &out, &err),
                     -NVRAM_ERR_CORRUPT_HEADER);
    ck_assert_ptr_null(out);
    ck_assert_str_eq(error_get_pretty(err), message);
    error_free(err);
    g_free(region);
}

/* Copy @golden of @e, metadata member @k damaged, must fail with @message. */
static void copy_damaged(const NVRAMLayout *l, const NVRAMLayoutEntry *e,
                         const GByteArray *golden, int k, const char *message)
{
    uint8_t *buf = g_memdup2(golden->data, golden->len);
    size_t meta = member_pos(buf, golden->len, 0, 0);
    NVRAMCopyView view;
    Error *err = NULL;

    buf[member_pos(buf, golden->len, meta, k)] = 0x04;
    ck_assert(!nvram_copy_parse(l, e, buf, e->offset, &view, &err));
    ck_assert_str_eq(error_get_pretty(err), message);
    error_free(err);
    g_free(buf);
}

/*** Tests ***/

START_TEST(test_format1_golden)
{
    NVRAMLayout *l = golden_layout(true), *back = NULL;
    uint8_t *region = header_golden(l, 0, "header-v1.der");
    GByteArray *copy = copy_golden(l, &l->entries[1], "copy-v1.der");
    NVRAMCopyView view;
    /* body: magic, version, flags ...; entry: name, id, offset, copy-size */
    static const int flags[] = { 2 }, copy_size[] = { 7, 1, 3 };

    ck_assert_int_eq(header_decode(l, 0, region, &back, &error_abort), 0);
    ck_assert(nvram_layout_equal(l, back));
    ck_assert_uint_eq(back->version, 1);
    ck_assert_uint_eq(back->entries[1].policy, NVRAM_POLICY_ALTERNATE);
    ck_assert(nvram_copy_parse(l, &l->entries[1], copy->data,
                               l->entries[1].offset, &view, &error_abort));
    ck_assert(view.verified);
    ck_assert_uint_eq(view.generation, 5);

    header_damaged(l, 0, region, flags, 1,
                   "corrupt NVRAM header: header body: offset 25: "
                   "Parameter 'flags': expected INTEGER, found BOOLEAN");
    header_damaged(l, 0, region, copy_size, 3,
                   "corrupt NVRAM header: header body: offset 104: "
                   "Parameter 'entries[1].copy-size': expected INTEGER, "
                   "found UTF8String");
    /* metadata: entry-id, generation, ..., check */
    copy_damaged(l, &l->entries[1], copy, 1,
                 "copy metadata: offset 12297: Parameter 'generation': "
                 "expected INTEGER, found OCTET STRING");
    copy_damaged(l, &l->entries[1], copy, 5,
                 "copy metadata: offset 12309: Parameter 'check': "
                 "expected INTEGER, found OCTET STRING");
    g_byte_array_unref(copy);
    g_free(region);
    nvram_layout_free(back);
    nvram_layout_free(l);
}
END_TEST

START_TEST(test_format2_golden)
{
    NVRAMLayout *l = golden_layout(false);
    static const char *const names[2] = { "header-v2-a.der",
                                          "header-v2-b.der" };
    /* body: ..., header-size, layout-generation, key-check, entries */
    static const int layout_gen[] = { 6 }, policy[] = { 8, 1, 4 };
    GByteArray *copy = copy_golden(l, &l->entries[1], "copy-v2.der");
    NVRAMCopyView view;

    for (int c = 0; c < 2; c++) {
        uint8_t *region = header_golden(l, c, names[c]);
        NVRAMLayout *back = NULL;

        ck_assert_int_eq(header_decode(l, c, region, &back, &error_abort), 0);
        ck_assert(nvram_layout_equal(l, back));
        ck_assert_uint_eq(back->layout_generation, 3);
        ck_assert_uint_eq(back->entries[1].policy, NVRAM_POLICY_MIRROR);
        nvram_layout_free(back);
        if (c == 1) {
            header_damaged(l, c, region, layout_gen, 1,
                           "corrupt NVRAM header: header body: offset "
                           "4147: Parameter 'layout-generation': expected "
                           "INTEGER, found OCTET STRING");
            header_damaged(l, c, region, policy, 3,
                           "corrupt NVRAM header: header body: offset "
                           "4235: Parameter 'entries[1].policy': expected "
                           "INTEGER, found NULL");
        }
        g_free(region);
    }
    ck_assert(nvram_copy_parse(l, &l->entries[1], copy->data,
                               l->entries[1].offset, &view, &error_abort));
    ck_assert(view.verified && view.meta_verified);
    ck_assert_uint_eq(view.generation, 7);
    copy_damaged(l, &l->entries[1], copy, 6,
                 "copy metadata: offset 16411: Parameter 'meta-check': "
                 "expected INTEGER, found OCTET STRING");
    g_byte_array_unref(copy);
    nvram_layout_free(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-golden");
    TCase *tc = tcase_create("golden");

    tcase_add_test(tc, test_format1_golden);
    tcase_add_test(tc, test_format2_golden);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
