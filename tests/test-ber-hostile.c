/*
 * tests/test-ber-hostile.c: the hostile-input checklist of
 * shared/notes/x690.md, one test per item, through the BER input visitor.
 * Each case must end in a clean error naming the offset and the reason,
 * with bounded time and memory (run under ASan/UBSan for leaks and UB).
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/qmp/qnull.h"
#include "visitors/ber-visitor.h"
#include "tests/test-qapi-types.h"
#include "tests/check-main.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), \
    sizeof((const uint8_t[]){ __VA_ARGS__ })

typedef bool (*VisitFn)(Visitor *v, void *obj, Error **errp);

static bool visit_nested(Visitor *v, void *obj, Error **errp)
{
    TestNested **p = obj;
    bool ok = visit_type_TestNested(v, NULL, p, errp);

    if (ok) {
        qapi_free_TestNested(*p);
        *p = NULL;
    }
    return ok;
}

static bool visit_bytes(Visitor *v, void *obj, Error **errp)
{
    TestBytes **p = obj;
    bool ok = visit_type_TestBytes(v, "t", p, errp);

    if (ok) {
        qapi_free_TestBytes(*p);
        *p = NULL;
    }
    return ok;
}

static bool visit_int(Visitor *v, void *obj, Error **errp)
{
    return visit_type_int(v, "x", obj, errp);
}

static bool visit_octets(Visitor *v, void *obj, Error **errp)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    bool ok = visit_type_bytes(v, "o", &buf, &len, errp);

    g_free(buf);
    return ok;
}

/* Decode; return the error message, or NULL if decoding succeeded. */
static char *decode(const uint8_t *data, size_t len, BERMode mode,
                    const BEROptions *opts, VisitFn fn)
{
    Visitor *v = ber_input_visitor_new_opts(data, len, mode, opts);
    void *obj = NULL;
    int64_t scratch[4] = { 0 };
    Error *err = NULL;
    char *msg = NULL;

    if (!fn(v, fn == visit_int ? (void *)scratch : (void *)&obj, &err)) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    visit_free(v);
    return msg;
}

/* The decode must fail with "offset N: ..." containing @reason. */
static void expect_error(const uint8_t *data, size_t len, BERMode mode,
                         const BEROptions *opts, VisitFn fn,
                         const char *reason)
{
    char *msg = decode(data, len, mode, opts, fn);

    ck_assert_msg(msg, "decoding succeeded, expected '%s'", reason);
    ck_assert_msg(g_str_has_prefix(msg, "offset "), "no offset: %s", msg);
    ck_assert_msg(strstr(msg, reason), "'%s' lacks '%s'", msg, reason);
    g_free(msg);
}

static GByteArray *encode_nested(BERMode mode)
{
    TestNested *n = test_nested_new(7, true);
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new_opts(mode, &(BEROptions){
            .cer_fragment_size = 3 }, &out);

    ck_assert(visit_type_TestNested(v, NULL, &n, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    qapi_free_TestNested(n);
    return out;
}

/* 1. Truncation at every byte offset. */
START_TEST(test_truncation)
{
    BERMode mode;

    for (mode = BER_MODE_BER; mode <= BER_MODE_DER; mode++) {
        GByteArray *full = encode_nested(mode);
        BEROptions opts = { .cer_fragment_size = 3 };
        size_t cut;
        char *msg;

        msg = decode(full->data, full->len, mode, &opts, visit_nested);
        ck_assert_msg(!msg, "%s", msg);
        for (cut = 0; cut < full->len; cut++) {
            uint8_t *copy = g_memdup2(full->data, cut);

            msg = decode(copy, cut, mode, &opts, visit_nested);
            ck_assert_msg(msg, "prefix of %zu bytes decoded", cut);
            ck_assert_msg(g_str_has_prefix(msg, "offset "), "%s", msg);
            g_free(msg);
            g_free(copy);
        }
        g_byte_array_unref(full);
    }
}
END_TEST

/* 2. Lengths past the data, children overrunning parents, huge lengths. */
START_TEST(test_lengths)
{
    const char *past = "length exceeds the data or the enclosing value";

    expect_error(BYTES(0x04, 0x05, 'a'), BER_MODE_BER, NULL, visit_octets,
                 past);
    /* A child overrunning its parent (which itself fits the data). */
    expect_error(BYTES(0x30, 0x03, 0x04, 0x05, 'a', 'b', 'c', 'd', 'e'),
                 BER_MODE_BER, &(BEROptions){ .allow_trailing = true },
                 visit_bytes, past);
    expect_error(BYTES(0x04, 0x84, 0x80, 0x00, 0x00, 0x00, 1, 2, 3, 4),
                 BER_MODE_BER, NULL, visit_octets, past);      /* 2^31 */
    expect_error(BYTES(0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 1, 2),
                 BER_MODE_BER, NULL, visit_octets, past);      /* 2^32-1 */
    expect_error(BYTES(0x04, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 5, 1),
                 BER_MODE_BER, NULL, visit_octets,
                 "length too large");                          /* 2^64+5 */
    expect_error(BYTES(0x04, 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 'a'),
                 BER_MODE_DER, NULL, visit_octets,
                 "length octets not minimal");     /* > 8 octets, DER */
    {
        /* > 8 octets with leading zeros is valid BER. */
        char *msg = decode(BYTES(0x04, 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
                                 'a'), BER_MODE_BER, NULL, visit_octets);

        ck_assert_ptr_null(msg);
    }
    expect_error(BYTES(0x04, 0xff, 0x01), BER_MODE_BER, NULL, visit_octets,
                 "reserved length octet FF");
    /* offset + length overflow: 2^64 - 1 at a non-zero offset. */
    expect_error(BYTES(0x30, 0x80, 0x04, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff,
                       0xff, 0xff, 0xff, 'a'), BER_MODE_BER, NULL,
                 visit_bytes, past);
}
END_TEST

/* 3. Never allocate by declared length. */
START_TEST(test_no_allocation_by_declared_length)
{
    BEROptions tiny = { .max_alloc = 64 };

    /*
     * A 2^31 declared length with 10 bytes present fails on the length,
     * not on the 64-byte allocation limit: nothing was allocated for it.
     */
    expect_error(BYTES(0x04, 0x84, 0x80, 0x00, 0x00, 0x00, 1, 2, 3, 4, 5, 6,
                       7, 8, 9, 10), BER_MODE_BER, &tiny, visit_octets,
                 "length exceeds the data");
    /* Nested constructed strings declaring more than present: same. */
    expect_error(BYTES(0x24, 0x80, 0x24, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x04,
                       0x01, 'a'), BER_MODE_BER, &tiny, visit_octets,
                 "length exceeds the data");
    /* The limit is real: 100 bytes present exceed it. */
    {
        uint8_t data[102] = { 0x04, 100 };

        expect_error(data, sizeof(data), BER_MODE_BER, &tiny, visit_octets,
                     "allocation limit of 64 bytes exceeded");
    }
    /* A struct larger than the budget: refused, and refused for good. */
    {
        Visitor *v = ber_input_visitor_new_opts(BYTES(0x30, 0x00),
                                                BER_MODE_BER, &tiny);
        void *obj = NULL;
        Error *err = NULL;

        ck_assert(!visit_start_struct(v, NULL, &obj, 128, &err));
        ck_assert_ptr_null(obj);
        ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                     "allocation limit of 64 bytes"));
        error_free(err);
        err = NULL;
        ck_assert(!ber_input_visitor_finish(v, &err));
        ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                     "allocation limit of 64 bytes"));
        error_free(err);
        visit_free(v);
    }
    /* A list of many empty structs counts node allocations. */
    {
        GByteArray *in = g_byte_array_new();
        BEROptions small = { .max_alloc = 4096 };
        int i;

        g_byte_array_append(in, (const uint8_t[]){ 0x30, 0x82, 0x17, 0x70 },
                            4);
        for (i = 0; i < 2000; i++) {
            g_byte_array_append(in, (const uint8_t[]){ 0x02, 0x01, 0x00 }, 3);
        }
        {
            Visitor *v = ber_input_visitor_new_opts(in->data, in->len,
                                                    BER_MODE_BER, &small);
            intList *list = NULL;
            Error *err = NULL;

            ck_assert(!visit_type_intList(v, "l", &list, &err));
            ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                         "allocation limit"));
            error_free(err);
            err = NULL;
            ck_assert_ptr_null(list);
            /* The spent budget stays the verdict: no later call reports
             * anything else from where the visit stopped. */
            ck_assert(!ber_input_visitor_finish(v, &err));
            ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                         "allocation limit"));
            error_free(err);
            visit_free(v);
        }
        g_byte_array_unref(in);
    }
}
END_TEST

/* 4. Non-minimal lengths: rejected in DER/CER, accepted in BER. */
START_TEST(test_non_minimal_lengths)
{
    int64_t x = 0;
    Visitor *v;

    expect_error(BYTES(0x02, 0x81, 0x01, 0x05), BER_MODE_DER, NULL,
                 visit_int, "offset 1: Parameter 'x': length octets not "
                 "minimal");
    expect_error(BYTES(0x02, 0x81, 0x01, 0x05), BER_MODE_CER, NULL,
                 visit_int, "length octets not minimal");
    expect_error(BYTES(0x30, 0x81, 0x00), BER_MODE_DER, NULL, visit_bytes,
                 "length octets not minimal");
    v = ber_input_visitor_new(BYTES(0x02, 0x81, 0x01, 0x05), BER_MODE_BER);
    ck_assert(visit_type_int(v, "x", &x, &error_abort));
    ck_assert_int_eq(x, 5);
    visit_free(v);
}
END_TEST

/* 5. Indefinite length on a primitive. */
START_TEST(test_indefinite_primitive)
{
    expect_error(BYTES(0x04, 0x80, 'a', 0x00, 0x00), BER_MODE_BER, NULL,
                 visit_octets, "offset 1: Parameter 'o': indefinite length "
                 "on a primitive value");
    expect_error(BYTES(0x80, 0x80, 0x00, 0x00), BER_MODE_BER, NULL,
                 visit_int, "indefinite length on a primitive value");
}
END_TEST

/* 6. EOC faults. */
START_TEST(test_eoc_faults)
{
    /* Missing at EOF. */
    expect_error(BYTES(0x30, 0x80, 0x04, 0x01, 'a'), BER_MODE_BER, NULL,
                 visit_bytes, "missing end-of-contents");
    expect_error(BYTES(0x24, 0x80, 0x04, 0x01, 'a'), BER_MODE_BER, NULL,
                 visit_octets, "data ends inside");
    /* At top level. */
    expect_error(BYTES(0x00, 0x00), BER_MODE_BER, NULL, visit_int,
                 "end-of-contents outside an indefinite-length value");
    /* Inside a definite item. */
    expect_error(BYTES(0x30, 0x02, 0x00, 0x00), BER_MODE_BER, NULL,
                 visit_bytes, "end-of-contents outside an indefinite-length "
                 "value");
    expect_error(BYTES(0x24, 0x04, 0x00, 0x00, 0x04, 0x00), BER_MODE_BER,
                 NULL, visit_octets, "end-of-contents inside a "
                 "definite-length string");
    /* Malformed EOCs. */
    expect_error(BYTES(0x30, 0x80, 0x04, 0x00, 0x00, 0x01, 0x00),
                 BER_MODE_BER, NULL, visit_bytes, "malformed end-of-contents");
    expect_error(BYTES(0x30, 0x80, 0x04, 0x00, 0x20, 0x00), BER_MODE_BER,
                 NULL, visit_bytes, "malformed end-of-contents");
    /* A second EOC after the value is trailing data. */
    expect_error(BYTES(0x30, 0x80, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00),
                 BER_MODE_BER, NULL, visit_bytes, "trailing bytes");
}
END_TEST

/* A recursive type: SEQUENCE { child Self OPTIONAL-by-presence }. */
static bool visit_deep(Visitor *v, const char *name, int level, Error **errp)
{
    bool ok = false;

    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return false;
    }
    /* The caller's own code recurses once per level, like generated code. */
    if (!visit_deep(v, "child", level + 1, errp)) {
        goto out;
    }
    ok = visit_check_struct(v, errp);
out:
    visit_end_struct(v, NULL);
    return ok;
}

static bool visit_deep_top(Visitor *v, void *obj, Error **errp)
{
    return visit_deep(v, NULL, 0, errp);
}

static bool visit_deep_list(Visitor *v, void *obj, Error **errp)
{
    intList *l = NULL;
    bool ok = visit_type_intList(v, "l", &l, errp);

    qapi_free_intList(l);
    return ok;
}

/* 7. Depth: 100,000 levels. */
START_TEST(test_depth)
{
    size_t levels = 100000, i;
    uint8_t *data = g_malloc(levels * 4 + 4);
    size_t len = 0;

    for (i = 0; i < levels; i++) {
        data[len++] = 0x30;
        data[len++] = 0x80;
    }
    expect_error(data, len, BER_MODE_BER, NULL, visit_deep_top,
                 "nesting deeper than 256 levels");
    /* 30 02 30 02 ...: every length but the innermost is a lie. */
    len = 0;
    for (i = 0; i < levels; i++) {
        data[len++] = 0x30;
        data[len++] = 0x02;
    }
    expect_error(data, len, BER_MODE_BER,
                 &(BEROptions){ .allow_trailing = true }, visit_deep_top,
                 "offset ");
    /* 24 80 24 80 ...: constructed strings nest without a visit each. */
    len = 0;
    for (i = 0; i < levels; i++) {
        data[len++] = 0x24;
        data[len++] = 0x80;
    }
    expect_error(data, len, BER_MODE_BER, NULL, visit_octets,
                 "nesting deeper than 256 levels");
    /* Lists of lists. */
    len = 0;
    for (i = 0; i < levels; i++) {
        data[len++] = 0x30;
        data[len++] = 0x80;
    }
    expect_error(data, len, BER_MODE_BER, NULL, visit_deep_list,
                 "expected INTEGER, found SEQUENCE");
    /* A configurable limit. */
    expect_error(BYTES(0x30, 0x80, 0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00,
                       0x00, 0x00, 0x00), BER_MODE_BER,
                 &(BEROptions){ .max_depth = 2 }, visit_deep_top,
                 "offset 4: Parameter 'child.child': nesting deeper than 2 "
                 "levels");
    g_free(data);
}
END_TEST

/*
 * A chain of @levels nested structs ending in an INTEGER "x" = @levels:
 * visited the same way to encode and to decode.
 */
static bool visit_chain(Visitor *v, const char *name, int level, int levels,
                        int64_t *x, Error **errp)
{
    bool ok = false;

    if (!visit_start_struct(v, name, NULL, 0, errp)) {
        return false;
    }
    if (level + 1 < levels) {
        ok = visit_chain(v, "child", level + 1, levels, x, errp);
    } else {
        ok = visit_type_int(v, "x", x, errp);
    }
    ok = ok && visit_check_struct(v, errp);
    visit_end_struct(v, NULL);
    return ok;
}

/*
 * Nesting that succeeds: the input visitor keeps its first scopes inline
 * and moves them to the heap beyond; values on both sides of every growth
 * decode in every mode, and an error deep inside names the whole path.
 */
START_TEST(test_depth_success)
{
    static const int depths[] = { 1, 7, 8, 9, 16, 17, 40, 256 };
    static const BERMode modes[] = { BER_MODE_DER, BER_MODE_CER,
                                     BER_MODE_BER };

    for (size_t d = 0; d < G_N_ELEMENTS(depths); d++) {
        for (size_t m = 0; m < G_N_ELEMENTS(modes); m++) {
            int levels = depths[d];
            int64_t x = levels, back = -1;
            GByteArray *enc = NULL;
            Visitor *v = ber_output_visitor_new(modes[m], &enc);
            GString *want;
            char *msg;

            ck_assert(visit_chain(v, NULL, 0, levels, &x, &error_abort));
            visit_complete(v, &enc);
            visit_free(v);

            v = ber_input_visitor_new(enc->data, enc->len, modes[m]);
            ck_assert(visit_chain(v, NULL, 0, levels, &back, &error_abort));
            ck_assert(ber_input_visitor_finish(v, &error_abort));
            visit_free(v);
            ck_assert_int_eq(back, levels);

            /* the INTEGER turned into an OCTET STRING: named by full path */
            want = g_string_new("Parameter '");
            for (int i = 1; i < levels; i++) {
                g_string_append(want, "child.");
            }
            g_string_append(want, "x': expected INTEGER, found OCTET STRING");
            {
                /* the last "02 01 <levels>" (or "02 02 01 00" for 256) */
                const uint8_t small[3] = { 0x02, 0x01, (uint8_t)levels };
                const uint8_t large[4] = { 0x02, 0x02, 0x01, 0x00 };
                const uint8_t *want_int = levels < 128 ? small : large;
                size_t int_len = levels < 128 ? 3 : 4, at = enc->len;
                uint8_t *bad = g_memdup2(enc->data, enc->len);
                Error *err = NULL;

                while (at-- > 0) {
                    if (at + int_len <= enc->len &&
                        !memcmp(bad + at, want_int, int_len)) {
                        break;
                    }
                }
                ck_assert_uint_lt(at, enc->len);
                bad[at] = 0x04;
                v = ber_input_visitor_new(bad, enc->len, modes[m]);
                ck_assert(!visit_chain(v, NULL, 0, levels, &back, &err));
                msg = g_strdup(error_get_pretty(err));
                error_free(err);
                visit_free(v);
                g_free(bad);
            }
            ck_assert_msg(g_str_has_prefix(msg, "offset "), "%s", msg);
            ck_assert_msg(strstr(msg, want->str), "'%s' lacks '%s'", msg,
                          want->str);
            g_free(msg);
            g_string_free(want, true);
            g_byte_array_unref(enc);
        }
    }
}
END_TEST

/* 8. Tag numbers: overflow, leading 80, high form below 31, huge tags. */
START_TEST(test_tags)
{
    expect_error(BYTES(0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                       0xff, 0x7f, 0x00), BER_MODE_BER, NULL, visit_int,
                 "offset 10: Parameter 'x': tag number too large");
    expect_error(BYTES(0x1f, 0x80, 0x02, 0x00), BER_MODE_BER, NULL,
                 visit_int, "tag number starts with octet 80");
    expect_error(BYTES(0x1f, 0x02, 0x01, 0x00), BER_MODE_BER, NULL,
                 visit_int, "high-tag-number form used for a tag below 31");
    /* [UNIVERSAL 2^62 + 2] must not alias INTEGER (2). */
    expect_error(BYTES(0x1f, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                       0x02, 0x01, 0x00), BER_MODE_BER, NULL, visit_int,
                 "expected INTEGER, found [UNIVERSAL 4611686018427387906]");
    /* Same for context tags standing in for optional members. */
    expect_error(BYTES(0x9f, 0xc0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                       0x02, 0x01, 0x00), BER_MODE_BER, NULL, visit_int,
                 "expected INTEGER, found [4611686018427387906]");
    /* Truncated inside the tag. */
    expect_error(BYTES(0x1f, 0x81), BER_MODE_BER, NULL, visit_int,
                 "data ends inside the identifier or length octets");
}
END_TEST

/* 9. 1,000,000 elements in one SEQUENCE OF: linear work. */
static void check_million(BERMode mode)
{
    size_t n = 1000000, i;
    GByteArray *in = g_byte_array_sized_new(n * 3 + 16);
    Visitor *v;
    intList *list = NULL, *p;
    uint64_t reads;

    if (mode == BER_MODE_CER) {
        g_byte_array_append(in, (const uint8_t[]){ 0x30, 0x80 }, 2);
    } else {
        size_t content = n * 3;

        g_byte_array_append(in, (const uint8_t[]){ 0x30, 0x83,
                                                   (uint8_t)(content >> 16),
                                                   (uint8_t)(content >> 8),
                                                   (uint8_t)content }, 5);
    }
    for (i = 0; i < n; i++) {
        g_byte_array_append(in, (const uint8_t[]){ 0x02, 0x01,
                                                   (uint8_t)(i & 0x7f) }, 3);
    }
    if (mode == BER_MODE_CER) {
        g_byte_array_append(in, (const uint8_t[]){ 0x00, 0x00 }, 2);
    }
    v = ber_input_visitor_new(in->data, in->len, mode);
    ck_assert(visit_type_intList(v, NULL, &list, &error_abort));
    reads = ber_input_visitor_header_reads(v);
    visit_free(v);
    /*
     * One header read per element, plus (indefinite) one EOC probe per
     * element boundary only at the end: O(n), not O(n^2).
     */
    ck_assert_uint_le(reads, n + 4);
    ck_assert_uint_ge(reads, n);
    for (i = 0, p = list; p; p = p->next, i++) {
        ck_assert_int_eq(p->value, (int64_t)(i & 0x7f));
    }
    ck_assert_uint_eq(i, n);
    qapi_free_intList(list);
    g_byte_array_unref(in);
}

START_TEST(test_million_elements)
{
    check_million(BER_MODE_DER);
    check_million(BER_MODE_CER);
}
END_TEST

/*
 * 9b. Many constructed CER strings in a large input: each buffer is the
 * size of its string, not of the input left after it (which made CER
 * input quadratic in bytes touched), and a budget of a few strings'
 * worth decodes them all.
 */
START_TEST(test_cer_string_buffers)
{
    size_t n = 2000, len = 1500, i;
    GByteArray *in = g_byte_array_sized_new(n * (len + 12) + 4);
    BEROptions opts = { .max_alloc = 3 * (len + 1) };
    Error *err = NULL;
    GenericList *list = NULL, *tail;
    Visitor *v;
    uint8_t *buf;
    size_t buf_len;

    g_byte_array_append(in, (const uint8_t[]){ 0x30, 0x80 }, 2);
    for (i = 0; i < n; i++) {
        uint8_t frag[1000];

        memset(frag, (int)(i & 0xff), sizeof(frag));
        g_byte_array_append(in, (const uint8_t[]){ 0x24, 0x80,
                                                   0x04, 0x82, 0x03, 0xe8 },
                            6);
        g_byte_array_append(in, frag, 1000);
        g_byte_array_append(in, (const uint8_t[]){ 0x04, 0x82, 0x01, 0xf4 },
                            4);
        g_byte_array_append(in, frag, len - 1000);
        g_byte_array_append(in, (const uint8_t[]){ 0x00, 0x00 }, 2);
    }
    g_byte_array_append(in, (const uint8_t[]){ 0x00, 0x00 }, 2);

    /* the buffers: exactly one string each */
    v = ber_input_visitor_new(in->data, in->len, BER_MODE_CER);
    ck_assert(visit_start_list(v, NULL, &list, sizeof(*list), &error_abort));
    for (i = 0, tail = list; tail; tail = visit_next_list(v, tail,
                                                          sizeof(*list))) {
        ck_assert(visit_type_bytes(v, NULL, &buf, &buf_len, &error_abort));
        ck_assert_uint_eq(buf_len, len);
        ck_assert_uint_eq(buf[0], i & 0xff);
        ck_assert_uint_eq(buf[len - 1], i & 0xff);
        g_free(buf);
        i++;
    }
    ck_assert_uint_eq(i, n);
    ck_assert(visit_check_list(v, &error_abort));
    visit_end_list(v, (void **)&list);
    ck_assert(ber_input_visitor_finish(v, &error_abort));
    /* OCTET STRING buffers carry one spare zero byte */
    ck_assert_uint_eq(ber_input_visitor_largest_buffer(v), len + 1);
    visit_free(v);
    while (list) {
        tail = list->next;
        g_free(list);
        list = tail;
    }

    /* the budget counts exactly: three strings fit, the fourth does not */
    v = ber_input_visitor_new_opts(in->data, in->len, BER_MODE_CER, &opts);
    ck_assert(visit_start_list(v, NULL, NULL, 0, &error_abort));
    for (i = 0; i < 3; i++) {
        ck_assert(visit_type_bytes(v, NULL, &buf, &buf_len, &error_abort));
        g_free(buf);
    }
    ck_assert(!visit_type_bytes(v, NULL, &buf, &buf_len, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                 "allocation limit of 4503 bytes exceeded"));
    error_free(err);
    ck_assert_uint_eq(ber_input_visitor_largest_buffer(v), len + 1);
    visit_free(v);
    g_byte_array_unref(in);
}
END_TEST

/* 10. INTEGER faults. */
START_TEST(test_integers)
{
    expect_error(BYTES(0x02, 0x00), BER_MODE_BER, NULL, visit_int,
                 "offset 2: Parameter 'x': no contents octets");
    expect_error(BYTES(0x02, 0x02, 0x00, 0x7f), BER_MODE_BER, NULL,
                 visit_int, "INTEGER not minimally encoded");
    expect_error(BYTES(0x02, 0x02, 0xff, 0x80), BER_MODE_BER, NULL,
                 visit_int, "INTEGER not minimally encoded");
    expect_error(BYTES(0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0),
                 BER_MODE_BER, NULL, visit_int, "INTEGER out of range");
    {
        /* Too wide for int8: the core's range check, never truncation. */
        Visitor *v = ber_input_visitor_new(BYTES(0x02, 0x02, 0x01, 0x00),
                                           BER_MODE_DER);
        int8_t i8 = 3;
        Error *err = NULL;

        ck_assert(!visit_type_int8(v, "small", &i8, &err));
        ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "small"));
        ck_assert_int_eq(i8, 3);
        error_free(err);
        visit_free(v);
    }
}
END_TEST

static bool visit_bool(Visitor *v, void *obj, Error **errp)
{
    bool b;

    return visit_type_bool(v, "b", &b, errp);
}

static bool visit_null(Visitor *v, void *obj, Error **errp)
{
    QNull *n = NULL;
    bool ok = visit_type_null(v, "n", &n, errp);

    qnull_unref(n);
    return ok;
}

static bool visit_real(Visitor *v, void *obj, Error **errp)
{
    double d;

    return visit_type_number(v, "r", &d, errp);
}

/* 11. BOOLEAN, NULL and REAL faults. */
START_TEST(test_bool_null_real)
{
    uint8_t huge[260];

    expect_error(BYTES(0x01, 0x02, 0xff, 0xff), BER_MODE_BER, NULL,
                 visit_bool, "BOOLEAN length is not 1");
    expect_error(BYTES(0x01, 0x00), BER_MODE_BER, NULL, visit_bool,
                 "BOOLEAN length is not 1");
    expect_error(BYTES(0x01, 0x01, 0x01), BER_MODE_DER, NULL, visit_bool,
                 "BOOLEAN TRUE must be FF");
    expect_error(BYTES(0x05, 0x01, 0x00), BER_MODE_BER, NULL, visit_null,
                 "NULL length is not 0");
    expect_error(BYTES(0x09, 0x03, 0xb0, 0x00, 0x01), BER_MODE_BER, NULL,
                 visit_real, "reserved REAL form");
    expect_error(BYTES(0x09, 0x01, 0x47), BER_MODE_BER, NULL, visit_real,
                 "reserved REAL form");
    expect_error(BYTES(0x09, 0x01, 0x80), BER_MODE_BER, NULL, visit_real,
                 "reserved REAL form");
    /* Huge exponent: 255 exponent octets. */
    memset(huge, 0x7f, sizeof(huge));
    huge[0] = 0x09;
    huge[1] = 0x82;
    huge[2] = 0x01;
    huge[3] = 0x00;             /* contents: 256 octets */
    huge[4] = 0x83;
    huge[5] = 253;
    huge[259] = 0x01;
    expect_error(huge, sizeof(huge), BER_MODE_BER, NULL, visit_real,
                 "REAL out of range for a double");
}
END_TEST

static bool visit_str(Visitor *v, void *obj, Error **errp)
{
    char *s = NULL;
    bool ok = visit_type_str(v, "s", &s, errp);

    g_free(s);
    return ok;
}

/* 12. Bad UTF-8 (the message never echoes the bytes). */
START_TEST(test_utf8)
{
    expect_error(BYTES(0x0c, 0x02, 0xc0, 0xaf), BER_MODE_BER, NULL,
                 visit_str, "invalid UTF-8 at string octet 0");
    expect_error(BYTES(0x0c, 0x03, 0xed, 0xa0, 0x80), BER_MODE_BER, NULL,
                 visit_str, "invalid UTF-8");
    expect_error(BYTES(0x0c, 0x04, 0xf4, 0x90, 0x80, 0x80), BER_MODE_BER,
                 NULL, visit_str, "invalid UTF-8");
    expect_error(BYTES(0x0c, 0x03, 'a', 0x1b, 0xff), BER_MODE_BER, NULL,
                 visit_str, "invalid UTF-8 at string octet 2");
}
END_TEST

static Suite *ber_hostile_suite(void)
{
    Suite *s = suite_create("ber-hostile");
    TCase *tc = tcase_create("checklist");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_truncation);
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_no_allocation_by_declared_length);
    tcase_add_test(tc, test_non_minimal_lengths);
    tcase_add_test(tc, test_indefinite_primitive);
    tcase_add_test(tc, test_eoc_faults);
    tcase_add_test(tc, test_depth);
    tcase_add_test(tc, test_depth_success);
    tcase_add_test(tc, test_tags);
    tcase_add_test(tc, test_million_elements);
    tcase_add_test(tc, test_cer_string_buffers);
    tcase_add_test(tc, test_integers);
    tcase_add_test(tc, test_bool_null_real);
    tcase_add_test(tc, test_utf8);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(ber_hostile_suite());
}
