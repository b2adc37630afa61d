/*
 * tests/test-migstream.c: the migration stream reader and writer
 * (migration/) on real streams captured from QEMU 7.2 (tests/data/
 * migration, RAM pages zeroed to keep them small) and on hostile ones:
 * round trips through every encoding, truncation at every cut, byte
 * flips, a vmdesc that lies, bad record and section ids, huge counts.
 * The rule checked throughout: a stream is either refused with
 * "offset N: reason" or it goes through every encoding and back
 * unchanged; never a crash, a hang or a large allocation.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "migration/migstream.h"
#include "migration/mig-desc.h"
#include "migration/mig-convert.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"
#include "tests/check-main.h"

/* A shipped stream, decompressed (tests/data/migration/NAME.mig.gz). */
static GByteArray *load_stream(const char *name)
{
    const char *srcdir = g_getenv("top_srcdir");
    g_autofree char *cmd = g_strdup_printf("gzip -dc '%s/tests/data/migration/%s.mig.gz'",
                                           srcdir ? srcdir : ".", name);
    FILE *p = popen(cmd, "r");
    GByteArray *b = g_byte_array_new();
    uint8_t buf[65536];
    size_t n;

    ck_assert_msg(p, "cannot run %s", cmd);
    while ((n = fread(buf, 1, sizeof(buf), p)) > 0) {
        g_byte_array_append(b, buf, (guint)n);
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_gt(b->len, 1000);
    return b;
}

static bool append(void *opaque, const uint8_t *buf, size_t len, Error **errp)
{
    g_byte_array_append(opaque, buf, (guint)len);
    return true;
}

/* Native -> @mode (BER_MODE_* or -1 for JSON) in memory; NULL + errp if refused. */
static GByteArray *encode(const uint8_t *d, size_t n, int mode, Error **errp)
{
    MigReader *r = mig_reader_new_mem(d, n);
    GByteArray *out = NULL;
    Visitor *v;
    bool ok;

    if (mode < 0) {
        char *text = NULL;
        v = json_output_visitor_new(false, &text);
        ok = mig_stream_to_visitor(r, v, NULL, errp);
        if (ok) {
            visit_complete(v, &text);
            out = g_byte_array_new_take((guint8 *)text, strlen(text) + 1);
        }
    } else {
        v = ber_output_visitor_new((BERMode)mode, &out);
        ok = mig_stream_to_visitor(r, v, NULL, errp);
        if (ok) {
            visit_complete(v, &out);
        }
    }
    visit_free(v);
    mig_reader_free(r);
    return out;
}

/* Encoded -> native; NULL + errp if refused. */
static GByteArray *decode(const GByteArray *enc, int mode, Error **errp)
{
    GByteArray *out = g_byte_array_new();
    MigWriter *w = mig_writer_new(append, out);
    Visitor *v = mode < 0 ? json_input_visitor_new((char *)enc->data, errp)
                          : ber_input_visitor_new(enc->data, enc->len,
                                                  (BERMode)mode);
    bool ok = v && mig_stream_from_visitor(v, w, NULL, errp);

    if (ok && mode >= 0) {
        ok = ber_input_visitor_finish(v, errp);
    }
    visit_free(v);
    mig_writer_free(w);
    if (!ok) {
        g_byte_array_unref(out);
        return NULL;
    }
    return out;
}

static const int modes[] = { BER_MODE_DER, BER_MODE_CER, BER_MODE_BER, -1 };

/* Either refused with an offset, or lossless in every encoding. */
static bool check_stream(const uint8_t *d, size_t n, const char *what)
{
    for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
        Error *err = NULL;
        GByteArray *enc = encode(d, n, modes[m], &err);
        GByteArray *back;

        if (!enc) {
            ck_assert_msg(strstr(error_get_pretty(err), "offset ") == error_get_pretty(err),
                          "%s: error without offset: %s", what, error_get_pretty(err));
            error_free(err);
            return false;
        }
        back = decode(enc, modes[m], &err);
        ck_assert_msg(back, "%s: mode %d: the way back failed: %s", what,
                      modes[m], err ? error_get_pretty(err) : "");
        ck_assert_msg(back->len == n && !memcmp(back->data, d, n),
                      "%s: mode %d: %u bytes back for %zu", what, modes[m],
                      back->len, n);
        g_byte_array_unref(enc);
        g_byte_array_unref(back);
    }
    return true;
}

START_TEST(test_captured_round_trip)
{
    static const char *const names[] = { "tiny-pc", "tiny-q35" };

    for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
        GByteArray *s = load_stream(names[i]);
        ck_assert_msg(check_stream(s->data, s->len, names[i]),
                      "%s refused", names[i]);
        g_byte_array_unref(s);
    }
}
END_TEST

/* The fields the JSON shows for a captured stream: decoded by name. */
START_TEST(test_fields_by_name)
{
    GByteArray *s = load_stream("tiny-pc");
    Error *err = NULL;
    GByteArray *json = encode(s->data, s->len, -1, &err);
    const char *t;

    ck_assert_msg(json, "%s", err ? error_get_pretty(err) : "");
    t = (const char *)json->data;
    ck_assert(strstr(t, "\"machine\":\"pc-i440fx-7.2\""));
    ck_assert(strstr(t, "\"name\":\"mc146818rtc\""));
    ck_assert(strstr(t, "\"cmos_index\":"));
    ck_assert(strstr(t, "\"name\":\"i8254\""));
    ck_assert(strstr(t, "\"name\":\"ps2kbd\""));
    ck_assert(strstr(t, "\"type\":\"zero\""));
    ck_assert(strstr(t, "\"blocks\":[{\"id\":\"pc.ram\",\"length\":2097152}"));
    g_byte_array_unref(json);
    g_byte_array_unref(s);
}
END_TEST

START_TEST(test_truncated_everywhere)
{
    GByteArray *s = load_stream("tiny-q35");
    unsigned refused = 0, cuts = 0;

    /* Every cut in the first 600 bytes, then one every 97 bytes. */
    for (size_t cut = 0; cut < s->len; cut += cut < 600 ? 1 : 97) {
        cuts++;
        refused += !check_stream(s->data, cut, "truncated");
    }
    ck_assert_uint_eq(refused, cuts);
    g_byte_array_unref(s);
}
END_TEST

START_TEST(test_byte_flips)
{
    GByteArray *s = load_stream("tiny-pc");
    GRand *rand = g_rand_new_with_seed(15);
    unsigned accepted = 0;

    for (int i = 0; i < 300; i++) {
        GByteArray *m = g_byte_array_sized_new(s->len);
        size_t at = (size_t)g_rand_int_range(rand, 0, (gint32)s->len);

        g_byte_array_append(m, s->data, s->len);
        m->data[at] ^= (uint8_t)g_rand_int_range(rand, 1, 256);
        accepted += check_stream(m->data, m->len, "flipped");
        g_byte_array_unref(m);
    }
    /* Flips in field values are accepted (and kept); the rest refused. */
    ck_assert_uint_gt(accepted, 0);
    g_rand_free(rand);
    g_byte_array_unref(s);
}
END_TEST

/* Replace the vmdesc of @s by @json (the length field follows). */
static GByteArray *with_vmdesc(const GByteArray *s, const char *json)
{
    const uint8_t *brace = NULL;
    GByteArray *m = g_byte_array_new();
    uint32_t len = (uint32_t)strlen(json);
    uint8_t be[4] = { len >> 24, len >> 16, len >> 8, len };

    for (size_t i = s->len; i-- > 5;) {
        if (s->data[i] == '{' && s->data[i - 5] == 0x06 && s->data[i - 6] == 0) {
            brace = s->data + i;
            break;
        }
    }
    ck_assert(brace);
    g_byte_array_append(m, s->data, (guint)(brace - s->data - 4));
    g_byte_array_append(m, be, 4);
    g_byte_array_append(m, (const guint8 *)json, len);
    return m;
}

static char *vmdesc_of(const GByteArray *s)
{
    for (size_t i = s->len; i-- > 5;) {
        if (s->data[i] == '{' && s->data[i - 5] == 0x06 && s->data[i - 6] == 0) {
            return g_strndup((const char *)s->data + i, s->len - i);
        }
    }
    ck_abort_msg("no vmdesc");
    return NULL;
}

/* Refused, with an offset and @reason in the message. */
static void expect_refused(const uint8_t *d, size_t n, const char *reason)
{
    Error *err = NULL;
    GByteArray *enc = encode(d, n, BER_MODE_CER, &err);

    ck_assert_msg(!enc, "accepted, expected: %s", reason);
    ck_assert_msg(g_str_has_prefix(error_get_pretty(err), "offset "),
                  "no offset: %s", error_get_pretty(err));
    ck_assert_msg(strstr(error_get_pretty(err), reason), "'%s' not in '%s'",
                  reason, error_get_pretty(err));
    error_free(err);
}

START_TEST(test_vmdesc_lies)
{
    GByteArray *s = load_stream("tiny-pc");
    g_autofree char *desc = vmdesc_of(s);
    static const struct {
        const char *from, *to, *reason;
    } lies[] = {
        /* a 1-byte int said to be 9: misreads, and the footer catches it */
        { "\"cmos_index\", \"type\": \"uint8\", \"size\": 1",
          "\"cmos_index\", \"type\": \"uint8\", \"size\": 9",
          "no footer after section 19" },
        { "\"size\": 256", "\"size\": 4294967295", "claims" },
        { "\"array_len\": 2", "\"array_len\": 4294967295", "array" },
        { "\"array_len\": 2", "\"array_len\": -1", "array_len out of range" },
        { "\"version\": 3", "\"version\": \"x\"", "no vmsd_name or version" },
        { "\"devices\"", "\"devicez\"", "no \"devices\" array" },
        { "\"page_size\": 4096", "\"page_size\": 4097", "page size 4097" },
        { "\"vmsd_name\": \"mc146818rtc\"", "\"vmsd_name\": \"mc146818rtc\", \"subsections\": [{\"vmsd_name\": \"ghost\", \"version\": 1}]",
          "subsection 'ghost' expected" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(lies); i++) {
        g_autofree char *lie = NULL;
        GByteArray *m;
        char *at = strstr(desc, lies[i].from);

        ck_assert_msg(at, "vmdesc lacks %s", lies[i].from);
        lie = g_strdup_printf("%.*s%s%s", (int)(at - desc), desc, lies[i].to,
                              at + strlen(lies[i].from));
        m = with_vmdesc(s, lie);
        expect_refused(m->data, m->len, lies[i].reason);
        g_byte_array_unref(m);
    }
    g_byte_array_unref(s);
}
END_TEST

/* Hand-made streams: header, configuration, then @body, then EOF. */
static GByteArray *crafted(const uint8_t *body, size_t len)
{
    static const uint8_t head[] = {
        'Q', 'E', 'V', 'M', 0, 0, 0, 3,
        0x07, 0, 0, 0, 2, 'p', 'c',
    };
    GByteArray *b = g_byte_array_new();

    g_byte_array_append(b, head, sizeof(head));
    g_byte_array_append(b, body, (guint)len);
    return b;
}

#define CRAFT(...) do { \
        static const uint8_t body_[] = { __VA_ARGS__ }; \
        GByteArray *b_ = crafted(body_, sizeof(body_)); \
        expect_refused(b_->data, b_->len, reason_); \
        g_byte_array_unref(b_); \
    } while (0)

START_TEST(test_crafted_refusals)
{
    const char *reason_;
    static const uint8_t ok_body[] = { 0x00 };
    GByteArray *ok = crafted(ok_body, 1);

    /* The smallest valid stream: configuration and EOF, no vmdesc. */
    ck_assert(check_stream(ok->data, ok->len, "minimal"));
    g_byte_array_unref(ok);

    reason_ = "never started";
    CRAFT(0x02, 0, 0, 0, 99);
    reason_ = "not a record type";
    CRAFT(0x09);
    reason_ = "configuration subsections";
    CRAFT(0x05, 3, 'a', 'b', 'c');
    reason_ = "truncated";
    CRAFT(0x01, 0, 0, 0, 2, 200, 'r', 'a', 'm');
    reason_ = "truncated";             /* the records end without EOF */
    CRAFT(0x07, 0, 0, 0, 1, 'x');
    reason_ = "not supported (compressed";
    CRAFT(0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
          0, 0, 0, 0, 0, 0, 0x11, 0x00);   /* COMPRESS_PAGE */
    reason_ = "continues a block";
    CRAFT(0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
          0, 0, 0, 0, 0, 0, 0x10, 0x22, 0);  /* ZERO|CONTINUE first */
    reason_ = "exceeds the total";
    CRAFT(0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
          0, 0, 0, 0, 0, 0, 0x10, 0x04, 1, 'b', 0, 0, 0, 0, 0, 0, 0x20, 0);
    reason_ = "starts twice";
    CRAFT(0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
          0, 0, 0, 0, 0, 0, 0, 0x10,
          0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4);
    reason_ = "footer of section 7";
    CRAFT(0x01, 0, 0, 0, 2, 3, 'r', 'a', 'm', 0, 0, 0, 0, 0, 0, 0, 4,
          0, 0, 0, 0, 0, 0, 0, 0x10, 0x7e, 0, 0, 0, 7, 0x00);
    reason_ = "no field description";
    CRAFT(0x04, 0, 0, 0, 3, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
    reason_ = "iterative section 'x'";
    CRAFT(0x01, 0, 0, 0, 3, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
    reason_ = "not UTF-8";
    CRAFT(0x01, 0, 0, 0, 3, 2, 0xff, 0xfe, 0, 0, 0, 0, 0, 0, 0, 1, 0x00);
    reason_ = "bytes after the end";
    CRAFT(0x00, 0x00);
}
END_TEST

START_TEST(test_bad_header)
{
    static const uint8_t magic[] = { 'Q', 'E', 'V', 'X', 0, 0, 0, 3, 0 };
    static const uint8_t version[] = { 'Q', 'E', 'V', 'M', 0, 0, 0, 2, 0 };

    expect_refused(magic, sizeof(magic), "not a QEMU migration stream");
    expect_refused(version, sizeof(version), "only 3 is supported");
    expect_refused(magic, 3, "truncated");
}
END_TEST

/* Trees the way back refuses: from JSON edited to be inconsistent. */
static void expect_back_refused(const char *json, const char *reason)
{
    GByteArray enc = { (guint8 *)json, (guint)strlen(json) + 1 };
    Error *err = NULL;
    GByteArray *back = decode(&enc, -1, &err);

    ck_assert_msg(!back, "accepted, expected %s", reason);
    ck_assert_msg(strstr(error_get_pretty(err), reason), "'%s' not in '%s'",
                  reason, error_get_pretty(err));
    error_free(err);
}

START_TEST(test_way_back_refusals)
{
    GByteArray *s = load_stream("tiny-pc");
    Error *err = NULL;
    GByteArray *json = encode(s->data, s->len, -1, &err);
    g_autofree char *t = g_strdup((char *)json->data);
    static const struct {
        const char *from, *to, *reason;
    } edits[] = {
        { "\"count\":", "\"count\":1099511627776,\"x\":", "zero pages" },
        { "\"cmos_index\":", "\"cmos_indeks\":", "cmos_index" },
        { "\"type\":\"eof\"", "\"type\":\"eog\"", "does not accept value" },
        { "\"magic\":1363498573", "\"magic\":1", "QEVM version 3 expected" },
        { "\"flags\":4,", "\"flags\":8,", "RAM entry of type size" },
        { "\"footer\":true}", "\"footer\":true},{\"type\":\"eof\"}", "" },
    };

    ck_assert(json);
    for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
        char *at = strstr(t, edits[i].from);
        g_autofree char *e = NULL;

        ck_assert_msg(at, "no %s", edits[i].from);
        e = g_strdup_printf("%.*s%s%s", (int)(at - t), t, edits[i].to,
                            at + strlen(edits[i].from));
        expect_back_refused(e, edits[i].reason);
    }
    g_byte_array_unref(json);
    g_byte_array_unref(s);
}
END_TEST

/* A file holding @b (unlinked, rewound). */
static int fd_with(const GByteArray *b)
{
    FILE *t = tmpfile();
    int fd;

    ck_assert(t);
    fd = dup(fileno(t));
    fclose(t);
    ck_assert_int_eq(write(fd, b->data, b->len), (ssize_t)b->len);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    return fd;
}

static GByteArray *contents(int fd)
{
    GByteArray *b = g_byte_array_new();
    uint8_t buf[65536];
    ssize_t n;

    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        g_byte_array_append(b, buf, (guint)n);
    }
    return b;
}

/* mig_convert_fd() writes DER in two passes: the bytes of one-pass DER. */
START_TEST(test_two_pass_der)
{
    static const MigFormat formats[] = { MIG_FORMAT_DER, MIG_FORMAT_BER,
                                         MIG_FORMAT_CER, MIG_FORMAT_JSON };
    GByteArray *s = load_stream("tiny-q35");

    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        Error *err = NULL;
        int in = fd_with(s);
        int out = fd_with(&(GByteArray){ NULL, 0 });
        int mode = formats[i] == MIG_FORMAT_CER ? BER_MODE_CER
                   : formats[i] == MIG_FORMAT_JSON ? -1 : BER_MODE_DER;
        GByteArray *one = encode(s->data, s->len, mode, &err);
        GByteArray *two;

        ck_assert_msg(mig_convert_fd(in, MIG_FORMAT_QEMU, out, formats[i],
                                     NULL, NULL, &err), "%s", error_get_pretty(err));
        two = contents(out);
        if (mode < 0) {
            /* the file ends with a newline, the string with its NUL */
            ck_assert_uint_eq(two->len, one->len);
            ck_assert(!memcmp(two->data, one->data, one->len - 1));
        } else {
            ck_assert_uint_eq(two->len, one->len);
            ck_assert(!memcmp(two->data, one->data, one->len));
        }
        g_byte_array_unref(one);
        g_byte_array_unref(two);
        close(in);
        close(out);
    }
    g_byte_array_unref(s);
}
END_TEST

static void put_be(GByteArray *b, uint64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--) {
        uint8_t byte = (uint8_t)(v >> (8 * i));
        g_byte_array_append(b, &byte, 1);
    }
}

typedef struct HookCount {
    uint64_t records, zero_pages;
} HookCount;

static HookCount seen;

static void count_record(void *opaque, const MigRecordInfo *info)
{
    (void)opaque;
    (void)info;
    seen.records++;
}

static void count_page(void *opaque, const char *block, uint64_t addr,
                       const uint8_t *data, uint64_t page_size, uint8_t fill,
                       uint64_t count)
{
    (void)opaque, (void)block, (void)addr, (void)page_size, (void)fill;
    seen.zero_pages += data ? 0 : count;
}

static const MigHooks counter = { .record = count_record,
                                  .page = count_page };

/*
 * A pc-like stream of one RAM block of @pages pages: zero pages, or pages
 * of data (each page's first octet its number) when @data.
 */
static GByteArray *ram_stream(uint64_t pages, bool data)
{
    GByteArray *s = g_byte_array_new();
    uint8_t page[4096] = { 0 };

    g_byte_array_append(s, (const uint8_t *)"QEVM", 4);
    put_be(s, 3, 4);
    put_be(s, 1, 1);                      /* section start */
    put_be(s, 0, 4);
    put_be(s, 3, 1);
    g_byte_array_append(s, (const uint8_t *)"ram", 3);
    put_be(s, 0, 4);
    put_be(s, 4, 4);
    put_be(s, (pages * 4096) | 0x04, 8);  /* MEM_SIZE */
    put_be(s, 6, 1);
    g_byte_array_append(s, (const uint8_t *)"pc.ram", 6);
    put_be(s, pages * 4096, 8);
    for (uint64_t i = 0; i < pages; i++) {
        /* ZERO or PAGE; CONTINUE after the first, which names the block */
        put_be(s, (i * 4096) | (data ? 0x08 : 0x02) | (i ? 0x20 : 0), 8);
        if (!i) {
            put_be(s, 6, 1);
            g_byte_array_append(s, (const uint8_t *)"pc.ram", 6);
        }
        if (data) {
            page[0] = (uint8_t)(i + 1);
            g_byte_array_append(s, page, sizeof(page));
        } else {
            put_be(s, 0, 1);
        }
    }
    put_be(s, 0x10, 8);                   /* EOS */
    put_be(s, 0, 1);                      /* EOF */
    return s;
}

/*
 * mig_convert_fd() leaves the length octets of the two outermost DER
 * values for the number the native size predicts. A RAM section of
 * 2^21 zero pages is 18 MiB natively (5 length octets) and a few dozen
 * bytes of DER (2): the prediction fails, and the stream is converted
 * again in two passes, to the same bytes as one-pass DER.
 */
START_TEST(test_der_length_prediction_fails)
{
    const uint64_t pages = 1u << 21;
    GByteArray *s;
    GByteArray *one, *two;
    Error *err = NULL;
    int in, out;

    s = ram_stream(pages, false);
    ck_assert_uint_ge(s->len, 1u << 24);

    one = encode(s->data, s->len, BER_MODE_DER, &err);
    ck_assert_msg(one, "%s", err ? error_get_pretty(err) : "");
    ck_assert_uint_lt(one->len, 256);
    in = fd_with(s);
    out = fd_with(&(GByteArray){ NULL, 0 });
    seen = (HookCount){ 0 };
    ck_assert_msg(mig_convert_fd(in, MIG_FORMAT_QEMU, out, MIG_FORMAT_DER,
                                 &counter, NULL, &err), "%s", error_get_pretty(err));
    two = contents(out);
    ck_assert_uint_eq(two->len, one->len);
    ck_assert(!memcmp(two->data, one->data, one->len));
    /* the hooks see the stream once, however many walks it took */
    {
        HookCount der = seen;

        int cer = fd_with(&(GByteArray){ NULL, 0 });

        seen = (HookCount){ 0 };
        close(in);
        in = fd_with(s);
        ck_assert(mig_convert_fd(in, MIG_FORMAT_QEMU, cer, MIG_FORMAT_CER,
                                 &counter, NULL, &err));
        close(cer);
        ck_assert_uint_gt(der.records, 0);
        ck_assert_uint_eq(der.records, seen.records);
        ck_assert_uint_eq(der.zero_pages, seen.zero_pages);
        ck_assert_uint_eq(der.zero_pages, pages);
    }
    g_byte_array_unref(one);
    g_byte_array_unref(two);
    g_byte_array_unref(s);
    close(in);
    close(out);
}
END_TEST

/*
 * An output opened O_APPEND: pwrite() there appends, so the deferred
 * lengths cannot be filled in afterwards; the DER must still be right,
 * after what the file held. The stream is larger than the output
 * visitor's buffer, so its outer lengths would be filled in by pwrite().
 */
START_TEST(test_der_to_append_file)
{
    GByteArray *s = ram_stream(160, true);  /* 640 KiB: flushed before its lengths */
    GByteArray *one, *two;
    Error *err = NULL;
    char *path = NULL;
    int in, out;
    int tmp = g_file_open_tmp("test-migstream-XXXXXX", &path, NULL);

    ck_assert_int_ge(tmp, 0);
    ck_assert_int_eq(write(tmp, "kept", 4), 4);
    close(tmp);
    out = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    ck_assert_int_ge(out, 0);
    unlink(path);
    g_free(path);
    one = encode(s->data, s->len, BER_MODE_DER, &err);
    ck_assert(one);
    in = fd_with(s);
    ck_assert_msg(mig_convert_fd(in, MIG_FORMAT_QEMU, out, MIG_FORMAT_DER,
                                 NULL, NULL, &err), "%s",
                  err ? error_get_pretty(err) : "");
    two = contents(out);
    ck_assert_uint_eq(two->len, 4 + one->len);
    ck_assert(!memcmp(two->data, "kept", 4));
    ck_assert(!memcmp(two->data + 4, one->data, one->len));
    g_byte_array_unref(one);
    g_byte_array_unref(two);
    g_byte_array_unref(s);
    close(in);
    close(out);
}
END_TEST

START_TEST(test_desc_parse)
{
    Error *err = NULL;
    MigDesc *d = mig_desc_parse("{\"page_size\":4096,\"devices\":[{\"name\":\"d\","
        "\"instance_id\":1,\"vmsd_name\":\"d\",\"version\":2,\"fields\":["
        "{\"name\":\"unused\",\"type\":\"unused_buffer\",\"size\":4},"
        "{\"name\":\"unused\",\"type\":\"unused_buffer\",\"size\":2},"
        "{\"name\":\"r\",\"index\":3,\"type\":\"uint16\",\"size\":2},"
        "{\"name\":\"t\",\"type\":\"tmp\",\"size\":10},"
        "{\"name\":\"w\",\"type\":\"uint32\",\"size\":2}]}]}", 300, &err);
    const MigDevice *dev;

    ck_assert_msg(!d, "trailing bytes accepted");
    error_free(err);
    err = NULL;
    {
        const char *j = "{\"page_size\":4096,\"devices\":[{\"name\":\"d\","
            "\"instance_id\":1,\"vmsd_name\":\"d\",\"version\":2,\"fields\":["
            "{\"name\":\"unused\",\"type\":\"unused_buffer\",\"size\":4},"
            "{\"name\":\"unused\",\"type\":\"unused_buffer\",\"size\":2},"
            "{\"name\":\"r\",\"index\":3,\"type\":\"uint16\",\"size\":2},"
            "{\"name\":\"t\",\"type\":\"tmp\",\"size\":10},"
            "{\"name\":\"w\",\"type\":\"uint32\",\"size\":2}]}]}";
        d = mig_desc_parse(j, strlen(j), &err);
    }
    ck_assert_msg(d, "%s", err ? error_get_pretty(err) : "");
    dev = mig_desc_find(d, "d", 1);
    ck_assert(dev && dev->vmsd && dev->vmsd->nfields == 5);
    ck_assert_str_eq(dev->vmsd->fields[0].name, "unused");
    ck_assert_str_eq(dev->vmsd->fields[1].name, "unused#2");
    ck_assert_str_eq(dev->vmsd->fields[2].name, "r[3]");
    ck_assert_int_eq(dev->vmsd->fields[2].kind, MIG_FIELD_UINT);
    /* unknown type, and a known one of the wrong size: bytes, not dropped */
    ck_assert_int_eq(dev->vmsd->fields[3].kind, MIG_FIELD_BYTES);
    ck_assert_int_eq(dev->vmsd->fields[4].kind, MIG_FIELD_BYTES);
    ck_assert(!mig_desc_find(d, "d", 0));
    mig_desc_free(d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migstream");
    TCase *tc = tcase_create("stream");

    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_captured_round_trip);
    tcase_add_test(tc, test_fields_by_name);
    tcase_add_test(tc, test_truncated_everywhere);
    tcase_add_test(tc, test_byte_flips);
    tcase_add_test(tc, test_vmdesc_lies);
    tcase_add_test(tc, test_crafted_refusals);
    tcase_add_test(tc, test_bad_header);
    tcase_add_test(tc, test_way_back_refusals);
    tcase_add_test(tc, test_desc_parse);
    tcase_add_test(tc, test_two_pass_der);
    tcase_add_test(tc, test_der_length_prediction_fails);
    tcase_add_test(tc, test_der_to_append_file);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
