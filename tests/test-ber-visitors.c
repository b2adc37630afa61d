/*
 * tests/test-ber-visitors.c: the BER output and input visitors: exact
 * encodings of the mapping (optional members, alternates, high tags),
 * mode rules on input, error messages, options, and streaming output.
 */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/qmp/qnull.h"
#include "visitors/ber-visitor.h"
#include "tests/ber-test-util.h"
#include "tests/test-qapi-types.h"
#include "tests/check-main.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), \
    sizeof((const uint8_t[]){ __VA_ARGS__ })

static void assert_bytes(const GByteArray *got, const uint8_t *want,
                         size_t want_len)
{
    if (got->len != want_len || memcmp(got->data, want, want_len)) {
        GString *s = g_string_new(NULL);
        guint i;

        for (i = 0; i < got->len; i++) {
            g_string_append_printf(s, "%02x ", got->data[i]);
        }
        ck_abort_msg("encoding differs: got %s", s->str);
    }
}

/* Decode and return the error message (or NULL on success). */
static char *decode_error(const uint8_t *data, size_t len, BERMode mode,
                          const BEROptions *opts, VisitFn fn, void *obj)
{
    Visitor *v = ber_input_visitor_new_opts(data, len, mode, opts);
    Error *err = NULL;
    char *msg = NULL;

    if (!fn(v, obj, &err)) {
        ck_assert_ptr_nonnull(err);
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    } else {
        ck_assert_ptr_null(err);
    }
    visit_free(v);
    return msg;
}

/*** A hand-written type with optional members ***/

typedef struct Opt {
    int64_t a;
    bool has_b;
    int64_t b;
    char *c;                    /* optional pointer member */
    bool has_d;
    bool d;
    TestAlternate *alt;         /* mandatory alternate member */
    TestAlternate *oalt;        /* optional alternate member */
} Opt;

static bool visit_opt_members(Visitor *v, Opt *o, Error **errp)
{
    bool has_c = !!o->c, has_oalt = !!o->oalt;

    if (!visit_type_int(v, "a", &o->a, errp)) {
        return false;
    }
    if (visit_optional(v, "b", &o->has_b) &&
        !visit_type_int(v, "b", &o->b, errp)) {
        return false;
    }
    if (visit_optional(v, "c", &has_c) &&
        !visit_type_str(v, "c", &o->c, errp)) {
        return false;
    }
    if (visit_optional(v, "d", &o->has_d) &&
        !visit_type_bool(v, "d", &o->d, errp)) {
        return false;
    }
    if (!visit_type_TestAlternate(v, "alt", &o->alt, errp)) {
        return false;
    }
    if (visit_optional(v, "oalt", &has_oalt) &&
        !visit_type_TestAlternate(v, "oalt", &o->oalt, errp)) {
        return false;
    }
    return true;
}

static void opt_free_members(Opt *o)
{
    g_free(o->c);
    qapi_free_TestAlternate(o->alt);
    qapi_free_TestAlternate(o->oalt);
}

static bool visit_opt(Visitor *v, void *obj, Error **errp)
{
    Opt **o = obj;
    bool ok = false;

    if (!visit_start_struct(v, NULL, (void **)o, sizeof(Opt), errp)) {
        return false;
    }
    if (visit_opt_members(v, *o, errp)) {
        ok = visit_check_struct(v, errp);
    }
    visit_end_struct(v, (void **)o);
    if (!ok && visit_is_input(v)) {
        opt_free_members(*o);
        g_free(*o);
        *o = NULL;
    }
    return ok;
}

START_TEST(test_optional_and_alternate_tags)
{
    TestAlternate alt = { .type = QTYPE_QNUM, .u.i = 5 };
    TestAlternate oalt = { .type = QTYPE_QDICT, .u.p = { 1, 2 } };
    Opt in = { .a = 1, .has_b = false, .c = (char *)"hi", .has_d = true,
               .d = true, .alt = &alt, .oalt = &oalt };
    Opt *pin = &in, *out = NULL;
    GByteArray *der, *cer;
    BERMode mode;

    der = ber_test_encode(BER_MODE_DER, visit_opt, &pin);
    /*
     * a INTEGER; b absent (k = 1); c [2] IMPLICIT UTF8String;
     * d [3] IMPLICIT BOOLEAN; alt [4] EXPLICIT CHOICE { i [2] INTEGER };
     * oalt [5] EXPLICIT CHOICE { p [4] IMPLICIT SEQUENCE { x, y } }.
     */
    assert_bytes(der, BYTES(0x30, 0x19,
                            0x02, 0x01, 0x01,
                            0x82, 0x02, 'h', 'i',
                            0x83, 0x01, 0xff,
                            0xa4, 0x03, 0x82, 0x01, 0x05,
                            0xa5, 0x08, 0xa4, 0x06, 0x02, 0x01, 0x01,
                            0x02, 0x01, 0x02));
    cer = ber_test_encode(BER_MODE_CER, visit_opt, &pin);
    assert_bytes(cer, BYTES(0x30, 0x80,
                            0x02, 0x01, 0x01,
                            0x82, 0x02, 'h', 'i',
                            0x83, 0x01, 0xff,
                            0xa4, 0x80, 0x82, 0x01, 0x05, 0x00, 0x00,
                            0xa5, 0x80, 0xa4, 0x80, 0x02, 0x01, 0x01,
                            0x02, 0x01, 0x02, 0x00, 0x00, 0x00, 0x00,
                            0x00, 0x00));
    for (mode = BER_MODE_BER; mode <= BER_MODE_DER; mode++) {
        GByteArray *bytes = mode == BER_MODE_CER ? cer : der;
        Visitor *v = ber_input_visitor_new(bytes->data, bytes->len, mode);

        out = NULL;
        ck_assert(visit_opt(v, &out, &error_abort));
        ck_assert(ber_input_visitor_finish(v, &error_abort));
        visit_free(v);
        ck_assert_int_eq(out->a, 1);
        ck_assert(!out->has_b);
        ck_assert_str_eq(out->c, "hi");
        ck_assert(out->has_d && out->d);
        ck_assert(test_alternate_equal(out->alt, &alt));
        ck_assert(test_alternate_equal(out->oalt, &oalt));
        opt_free_members(out);
        g_free(out);
    }
    g_byte_array_unref(der);
    g_byte_array_unref(cer);

    /* All optional absent; a QNULL-free alternate [3] string. */
    alt.type = QTYPE_QSTRING;
    alt.u.s = (char *)"";
    in.c = NULL;
    in.has_d = false;
    in.oalt = NULL;
    der = ber_test_encode(BER_MODE_DER, visit_opt, &pin);
    assert_bytes(der, BYTES(0x30, 0x07, 0x02, 0x01, 0x01,
                            0xa4, 0x02, 0x83, 0x00));
    out = NULL;
    ck_assert_ptr_null(decode_error(der->data, der->len, BER_MODE_DER, NULL,
                                    visit_opt, &out));
    ck_assert(!out->has_b && !out->c && !out->has_d && !out->oalt);
    ck_assert_str_eq(out->alt->u.s, "");
    opt_free_members(out);
    g_free(out);
    g_byte_array_unref(der);
}
END_TEST

/* A struct of 40 optional ints: k >= 31 uses the high-tag form. */
static bool visit_wide(Visitor *v, void *obj, Error **errp)
{
    int64_t *vals = obj;
    bool ok = false;
    int i;

    if (!visit_start_struct(v, NULL, NULL, 0, errp)) {
        return false;
    }
    for (i = 0; i < 40; i++) {
        bool present = vals[i] != 0;
        char name[8];

        snprintf(name, sizeof(name), "m%d", i);
        if (visit_optional(v, name, &present)) {
            if (!visit_type_int(v, name, &vals[i], errp)) {
                goto out;
            }
        } else {
            vals[i] = 0;
        }
    }
    ok = visit_check_struct(v, errp);
out:
    visit_end_struct(v, NULL);
    return ok;
}

START_TEST(test_high_tag_members)
{
    int64_t vals[40] = { 0 }, back[40];
    GByteArray *der;
    char *msg;

    vals[30] = 7;
    vals[31] = 8;
    vals[39] = -1;
    der = ber_test_encode(BER_MODE_DER, visit_wide, vals);
    assert_bytes(der, BYTES(0x30, 0x0b, 0x9e, 0x01, 0x07, 0x9f, 0x1f, 0x01,
                            0x08, 0x9f, 0x27, 0x01, 0xff));
    memset(back, 0x55, sizeof(back));
    msg = decode_error(der->data, der->len, BER_MODE_DER, NULL, visit_wide,
                       back);
    ck_assert_ptr_null(msg);
    ck_assert_mem_eq(back, vals, sizeof(vals));
    g_byte_array_unref(der);

    /* Members out of order: [31] before [30] is an extra member. */
    msg = decode_error(BYTES(0x30, 0x07, 0x9f, 0x1f, 0x01, 0x08, 0x9e, 0x01,
                             0x07), BER_MODE_DER, NULL, visit_wide, back);
    ck_assert_ptr_nonnull(msg);
    ck_assert_str_eq(msg, "offset 6: Parameter '<top-level>': unexpected "
                     "extra member ([30] (primitive))");
    g_free(msg);
}
END_TEST

static bool visit_nested_list(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestNestedList(v, NULL, obj, errp);
}

START_TEST(test_roundtrip_all_modes_and_sink)
{
    TestNestedList *list = NULL, **tail = &list;
    BERMode mode;
    int i;

    for (i = 0; i < 20; i++) {
        *tail = g_new0(TestNestedList, 1);
        (*tail)->value = test_nested_new(i, i % 2);
        if (i == 3) {
            /* A long string: CER fragments, long DER lengths. */
            g_free((*tail)->value->name);
            (*tail)->value->name = g_strnfill(5000, 'x');
        }
        tail = &(*tail)->next;
    }
    for (mode = BER_MODE_BER; mode <= BER_MODE_DER; mode++) {
        GByteArray *bytes = ber_test_encode(mode, visit_nested_list, &list);
        TestNestedList *back = NULL;
        char *msg = decode_error(bytes->data, bytes->len, mode, NULL,
                                 visit_nested_list, &back);

        ck_assert_msg(!msg, "mode %d: %s", mode, msg);
        ck_assert(test_nested_list_equal(list, back));
        qapi_free_TestNestedList(back);
        if (mode != BER_MODE_CER) {
            /* DER and BER output are the same bytes. */
            BERMode twin = mode == BER_MODE_DER ? BER_MODE_BER : BER_MODE_DER;
            GByteArray *other = ber_test_encode(twin, visit_nested_list,
                                                &list);

            assert_bytes(other, bytes->data, bytes->len);
            g_byte_array_unref(other);
        } else {
            /* CER is valid BER; never valid DER. */
            back = NULL;
            msg = decode_error(bytes->data, bytes->len, BER_MODE_BER, NULL,
                               visit_nested_list, &back);
            ck_assert_ptr_null(msg);
            qapi_free_TestNestedList(back);
            msg = decode_error(bytes->data, bytes->len, BER_MODE_DER, NULL,
                               visit_nested_list, &back);
            ck_assert_ptr_nonnull(msg);
            ck_assert(strstr(msg, "indefinite length not allowed in DER"));
            g_free(msg);
        }
        /* The fd sink produces the same bytes. */
        {
            FILE *f = tmpfile();
            Visitor *v = ber_output_visitor_new_fd(mode, NULL, fileno(f));
            uint8_t *copy = g_malloc(bytes->len + 1);

            ck_assert(visit_nested_list(v, &list, &error_abort));
            visit_complete(v, NULL);
            ck_assert(ber_output_visitor_finish(v, &error_abort));
            visit_free(v);
            ck_assert_int_eq(ftell(f) >= 0, 1);
            rewind(f);
            ck_assert_uint_eq(fread(copy, 1, bytes->len + 1, f), bytes->len);
            ck_assert_mem_eq(copy, bytes->data, bytes->len);
            g_free(copy);
            fclose(f);
        }
        g_byte_array_unref(bytes);
    }
    qapi_free_TestNestedList(list);
}
END_TEST

/*** Streaming CER: memory bounded by depth, not by data ***/

typedef struct SinkStats {
    size_t total;
    size_t max_write;
    size_t writes;
    bool fail_after;
    size_t fail_at;
} SinkStats;

static bool count_sink(void *opaque, const uint8_t *buf, size_t len,
                       Error **errp)
{
    SinkStats *stats = opaque;

    if (stats->fail_after && stats->total + len > stats->fail_at) {
        error_setg(errp, "disk full");
        return false;
    }
    stats->total += len;
    stats->writes++;
    stats->max_write = MAX(stats->max_write, len);
    return true;
}

START_TEST(test_cer_streaming)
{
    size_t len = 16 << 20;
    uint8_t *blob = g_malloc0(len);
    SinkStats stats = { 0 };
    Visitor *v = ber_output_visitor_new_sink(BER_MODE_CER, NULL, count_sink,
                                             &stats);
    Error *err = NULL;
    size_t i;

    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    for (i = 0; i < 3; i++) {
        ck_assert(visit_type_bytes(v, "blob", &blob, &len, &error_abort));
    }
    visit_end_struct(v, NULL);
    ck_assert(ber_output_visitor_finish(v, &error_abort));
    visit_free(v);
    /* 30 80, 3 x (24 80, 16777 x (4 + 1000), 04 81 D8 + 216, 00 00), 00 00 */
    ck_assert_uint_eq(stats.total,
                      4 + 3 * (2 + (len / 1000) * 1004 + 3 +
                               len % 1000 + 2));
    /* Nothing ever held more than a chunk plus one fragment. */
    ck_assert_uint_le(stats.max_write, 256 * 1024 + 1004);

    /* A failing sink makes later visits fail with its error. */
    memset(&stats, 0, sizeof(stats));
    stats.fail_after = true;
    stats.fail_at = 100000;
    v = ber_output_visitor_new_sink(BER_MODE_CER, NULL, count_sink, &stats);
    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(!visit_type_bytes(v, "blob", &blob, &len, &err) ||
              !visit_type_bytes(v, "blob", &blob, &len, &err));
    ck_assert_str_eq(error_get_pretty(err), "disk full");
    error_free(err);
    err = NULL;
    visit_end_struct(v, NULL);
    ck_assert(!ber_output_visitor_finish(v, &err));
    error_free(err);
    visit_free(v);
    g_free(blob);
}
END_TEST

/*** Planned DER/BER: measured, then streamed ***/

typedef struct PlanSample {
    TestNestedList *list;
    Opt *opt;
    uint8_t *blob;
    size_t blob_len;
} PlanSample;

static bool visit_plan_sample(Visitor *v, void *obj, Error **errp)
{
    PlanSample *p = obj;
    bool ok;

    if (!visit_start_struct(v, NULL, NULL, 0, errp)) {
        return false;
    }
    ok = visit_type_TestNestedList(v, "list", &p->list, errp) &&
         visit_opt(v, &p->opt, errp) &&
         visit_type_bytes(v, "blob", &p->blob, &p->blob_len, errp);
    visit_end_struct(v, NULL);
    return ok;
}

static bool append_sink(void *opaque, const uint8_t *buf, size_t len,
                        Error **errp)
{
    g_byte_array_append(opaque, buf, (guint)len);
    return true;
}

/* Measure @times visits of @p into a new plan. */
static BERPlan *measure_sample(BERMode mode, PlanSample *p, int times)
{
    BERPlan *plan = ber_plan_new();
    Visitor *v = ber_output_visitor_new_measure(mode, NULL, plan);

    for (int i = 0; i < times; i++) {
        ck_assert(visit_plan_sample(v, p, &error_abort));
        visit_complete(v, NULL);
    }
    ck_assert(ber_output_visitor_finish(v, &error_abort));
    visit_free(v);
    return plan;
}

/* Visit @p @times through a planned visitor; the error of finish, or NULL. */
static char *write_planned(BERMode mode, BERPlan *plan, PlanSample *p,
                           int times, GByteArray *out)
{
    Visitor *v = ber_output_visitor_new_planned_sink(mode, NULL, plan,
                                                     append_sink, out);
    Error *err = NULL;
    char *msg = NULL;
    bool ok = true;

    for (int i = 0; ok && i < times; i++) {
        ok = visit_plan_sample(v, p, &err);
    }
    if (!ok || !ber_output_visitor_finish(v, &err)) {
        msg = g_strdup(error_get_pretty(err));
        error_free(err);
    }
    visit_free(v);
    return msg;
}

static PlanSample *plan_sample_new(size_t blob_len)
{
    PlanSample *p = g_new0(PlanSample, 1);
    TestNestedList **tail = &p->list;

    for (int i = 0; i < 40; i++) {
        *tail = g_new0(TestNestedList, 1);
        (*tail)->value = test_nested_new(i < 30 ? 7 : i, i % 3 == 0);
        if (i == 5 || i == 33) {
            /* longer than BER_SINK_CHUNK: written from the caller's buffer */
            g_free((*tail)->value->name);
            (*tail)->value->name = g_strnfill(i == 5 ? 300000 : 300, 'n');
        }
        tail = &(*tail)->next;
    }
    p->opt = g_new0(Opt, 1);
    p->opt->a = 1;
    p->opt->c = g_strdup("hi");
    p->opt->alt = g_new0(TestAlternate, 1);
    p->opt->alt->type = QTYPE_QNUM;
    p->opt->alt->u.i = 5;
    p->blob_len = blob_len;
    p->blob = g_malloc(blob_len);
    for (size_t i = 0; i < blob_len; i++) {
        p->blob[i] = (uint8_t)(i * 7);
    }
    return p;
}

static void plan_sample_free(PlanSample *p)
{
    qapi_free_TestNestedList(p->list);
    opt_free_members(p->opt);
    g_free(p->opt);
    g_free(p->blob);
    g_free(p);
}

START_TEST(test_planned_same_bytes)
{
    static const size_t blobs[] = { 0, 100, 1024, 4096, 5000, 300000 };

    for (BERMode mode = BER_MODE_BER; mode <= BER_MODE_DER; mode++) {
        if (mode == BER_MODE_CER) {
            continue;
        }
        for (size_t b = 0; b < G_N_ELEMENTS(blobs); b++) {
            PlanSample *p = plan_sample_new(blobs[b]);
            GByteArray *one = ber_test_encode(mode, visit_plan_sample, p);
            GByteArray *out = g_byte_array_new();
            BERPlan *plan = measure_sample(mode, p, 3);
            char *msg;

            ck_assert_uint_eq(ber_plan_encoded_size(plan), 3 * one->len);
            msg = write_planned(mode, plan, p, 3, out);
            ck_assert_msg(!msg, "%s", msg);
            ck_assert_uint_eq(out->len, 3 * one->len);
            for (int i = 0; i < 3; i++) {
                ck_assert(!memcmp(out->data + i * one->len, one->data,
                                  one->len));
            }
            ber_plan_free(plan);
            g_byte_array_unref(out);
            g_byte_array_unref(one);
            plan_sample_free(p);
        }
    }
}
END_TEST

/* Write @p @times with @plan (then freed): refused, naming @reason. */
static void expect_departure(BERPlan *plan, PlanSample *p, int times,
                             const char *reason)
{
    GByteArray *out = g_byte_array_new();
    char *msg = write_planned(BER_MODE_DER, plan, p, times, out);

    ck_assert_msg(msg && strstr(msg, reason), "%s", msg ? msg : "no error");
    g_free(msg);
    ber_plan_free(plan);
    g_byte_array_unref(out);
}

START_TEST(test_planned_departures)
{
    PlanSample *p = plan_sample_new(5000);
    BERPlan *plan = measure_sample(BER_MODE_DER, p, 1);

    /* a string longer than measured */
    g_free(p->list->next->value->name);
    p->list->next->value->name = g_strdup("a longer name than measured");
    expect_departure(plan, p, 1, "another length than planned");
    /* more values than planned, then fewer */
    expect_departure(measure_sample(BER_MODE_DER, p, 1), p, 2,
                     "more values than planned");
    expect_departure(measure_sample(BER_MODE_DER, p, 2), p, 1,
                     "fewer values than planned");
    plan_sample_free(p);
}
END_TEST

/* The file's bytes (rewound first). */
static GByteArray *file_bytes(FILE *f)
{
    GByteArray *b = g_byte_array_new();
    uint8_t buf[65536];
    size_t n;

    rewind(f);
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
        g_byte_array_append(b, buf, (guint)n);
    }
    return b;
}

/*
 * A plan measured as it is written: the outer value deferred, each of its
 * elements measured just before it is written. The deferred length is
 * filled in from the buffer (short output) or with pwrite (long output),
 * and a misfit fails the visitor and marks the plan.
 */
START_TEST(test_planned_deferred)
{
    static const struct {
        size_t blob;            /* bytes per element */
        unsigned octets;        /* left for the outer length */
        bool fits;
    } cases[] = {
        { 10, 2, true },        /* 12 x 14 bytes: 81 A8, in the buffer */
        { 100000, 4, true },    /* 3 x 100,010 bytes: 83 04 94 1E, pwrite */
        { 100000, 3, false },
        { 10, 3, false },
    };

    for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
        size_t len = cases[c].blob;
        int n = len > 1000 ? 3 : 12;
        uint8_t *blob = g_malloc0(len);
        GByteArray *one = NULL, *got;
        Visitor *mem = ber_output_visitor_new(BER_MODE_DER, &one);
        BERPlan *plan = ber_plan_new();
        FILE *f = tmpfile();
        Visitor *v;
        Error *err = NULL;
        bool ok = true;

        ck_assert(visit_start_list(mem, NULL, NULL, 0, &error_abort));
        for (int i = 0; i < n; i++) {
            ck_assert(visit_start_struct(mem, NULL, NULL, 0, &error_abort));
            ck_assert(visit_type_bytes(mem, "b", &blob, &len, &error_abort));
            visit_end_struct(mem, NULL);
        }
        visit_end_list(mem, NULL);
        visit_complete(mem, &one);
        visit_free(mem);

        ber_plan_defer(plan, cases[c].octets);
        v = ber_output_visitor_new_planned_fd(BER_MODE_DER, NULL, plan,
                                              fileno(f));
        ck_assert(visit_start_list(v, NULL, NULL, 0, &error_abort));
        for (int i = 0; ok && i < n; i++) {
            /* a struct per element, measured just before it is written */
            Visitor *m = ber_output_visitor_new_measure(BER_MODE_DER, NULL,
                                                        plan);
            ck_assert(visit_start_struct(m, NULL, NULL, 0, &error_abort));
            ck_assert(visit_type_bytes(m, "b", &blob, &len, &error_abort));
            visit_end_struct(m, NULL);
            visit_free(m);
            ok = visit_start_struct(v, NULL, NULL, 0, &err);
            if (ok) {
                ok = visit_type_bytes(v, "b", &blob, &len, &err);
                visit_end_struct(v, NULL);
            }
        }
        visit_end_list(v, NULL);
        ok = ok && ber_output_visitor_finish(v, &err);
        visit_free(v);
        ck_assert_int_eq(ok, cases[c].fits);
        ck_assert_int_eq(ber_plan_misfit(plan), !cases[c].fits);
        if (ok) {
            got = file_bytes(f);
            assert_bytes(got, one->data, one->len);
            g_byte_array_unref(got);
        } else {
            ck_assert_msg(strstr(error_get_pretty(err), "were left for it"),
                          "%s", error_get_pretty(err));
            error_free(err);
        }
        fclose(f);
        ber_plan_free(plan);
        g_byte_array_unref(one);
        g_free(blob);
    }
}
END_TEST

/* A CER string read into a caller's buffer of its exact size, or refused. */
START_TEST(test_cer_string_into_fixed_buffer)
{
    size_t len = 5000;
    uint8_t *blob = g_malloc(len), *in = g_malloc0(len + 1);
    GByteArray *cer = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_CER, &cer);
    Error *err = NULL;

    for (size_t i = 0; i < len; i++) {
        blob[i] = (uint8_t)(i * 13);
    }
    ck_assert(visit_type_bytes(v, NULL, &blob, &len, &error_abort));
    visit_complete(v, &cer);
    visit_free(v);
    ck_assert_uint_eq(cer->data[1], 0x80);    /* constructed, fragments */

    v = ber_input_visitor_new(cer->data, cer->len, BER_MODE_CER);
    ck_assert(visit_type_sized_buffer(v, NULL, in, len, 1, &error_abort));
    ck_assert(ber_input_visitor_finish(v, &error_abort));
    visit_free(v);
    ck_assert_mem_eq(in, blob, len);

    memset(in, 0, len + 1);
    v = ber_input_visitor_new(cer->data, cer->len, BER_MODE_CER);
    ck_assert(!visit_type_sized_buffer(v, "b", in, len + 1, 1, &err));
    ck_assert_str_eq(error_get_pretty(err), "offset 0: Parameter 'b': "
                     "expects 5001 bytes, got 5000");
    error_free(err);
    visit_free(v);
    for (size_t i = 0; i <= len; i++) {
        ck_assert_uint_eq(in[i], 0);          /* left unchanged */
    }
    g_byte_array_unref(cer);
    g_free(blob);
    g_free(in);
}
END_TEST

/*** Input mode rules ***/

static bool visit_i64(Visitor *v, void *obj, Error **errp)
{
    return visit_type_int(v, "x", obj, errp);
}

static bool visit_bytes_top(Visitor *v, void *obj, Error **errp)
{
    TestBytes *b = obj;

    return visit_type_bytes(v, "b", &b->data, &b->data_len, errp);
}

static bool visit_str_top(Visitor *v, void *obj, Error **errp)
{
    return visit_type_str(v, "s", obj, errp);
}

START_TEST(test_input_ber_forms)
{
    TestBytes b = { 0 };
    char *s = NULL, *msg;
    int64_t x = 0;
    /* Non-minimal length, nested constructed (definite + indefinite). */
    static const uint8_t nested[] = {
        0x24, 0x80,
        0x04, 0x81, 0x02, 'a', 'b',
        0x24, 0x06, 0x04, 0x01, 'c', 0x04, 0x01, 'd',
        0x24, 0x80, 0x24, 0x80, 0x04, 0x01, 'e', 0x00, 0x00, 0x00, 0x00,
        0x04, 0x00,
        0x00, 0x00,
    };

    ck_assert_ptr_null(decode_error(nested, sizeof(nested), BER_MODE_BER,
                                    NULL, visit_bytes_top, &b));
    ck_assert_uint_eq(b.data_len, 5);
    ck_assert_mem_eq(b.data, "abcde", 5);
    g_free(b.data);
    msg = decode_error(nested, sizeof(nested), BER_MODE_DER, NULL,
                       visit_bytes_top, &b);
    ck_assert_str_eq(msg, "offset 1: Parameter 'b': indefinite length not "
                     "allowed in DER");
    g_free(msg);
    msg = decode_error(nested, sizeof(nested), BER_MODE_CER, NULL,
                       visit_bytes_top, &b);
    ck_assert_str_eq(msg, "offset 3: Parameter 'b': length octets not "
                     "minimal");
    g_free(msg);
    /* CER's segment rules, after a first valid fragment (of size 1 here) */
    msg = decode_error(BYTES(0x24, 0x80, 0x04, 0x01, 'a', 0x0c, 0x01, 'b',
                             0x00, 0x00), BER_MODE_CER,
                       &(BEROptions){ .cer_fragment_size = 1 },
                       visit_bytes_top, &b);
    ck_assert_str_eq(msg, "offset 5: Parameter 'b': string segment must be "
                     "an OCTET STRING, found UTF8String");
    g_free(msg);
    msg = decode_error(BYTES(0x24, 0x80, 0x04, 0x01, 'a', 0x24, 0x80, 0x04,
                             0x01, 'b', 0x00, 0x00, 0x00, 0x00), BER_MODE_CER,
                       &(BEROptions){ .cer_fragment_size = 1 },
                       visit_bytes_top, &b);
    ck_assert_str_eq(msg, "offset 5: Parameter 'b': nested constructed "
                     "string not allowed in CER");
    g_free(msg);
    /* Constructed UTF8String from OCTET STRING segments (8.23.5). */
    ck_assert_ptr_null(decode_error(BYTES(0x2c, 0x08, 0x04, 0x02, 0xc3, 0xa9,
                                          0x04, 0x02, 'o', 'k'),
                                    BER_MODE_BER, NULL, visit_str_top, &s));
    ck_assert_str_eq(s, "\xc3\xa9ok");
    g_free(s);
    /* A multi-byte character split across segments is fine. */
    ck_assert_ptr_null(decode_error(BYTES(0x2c, 0x07, 0x04, 0x01, 0xc3, 0x04,
                                          0x02, 0xa9, 'k'),
                                    BER_MODE_BER, NULL, visit_str_top, &s));
    ck_assert_str_eq(s, "\xc3\xa9k");
    g_free(s);
    msg = decode_error(BYTES(0x2c, 0x03, 0x0c, 0x01, 'a'), BER_MODE_BER,
                       NULL, visit_str_top, &s);
    ck_assert_str_eq(msg, "offset 2: Parameter 's': string segment must be "
                     "an OCTET STRING, found UTF8String");
    g_free(msg);
    msg = decode_error(BYTES(0x0c, 0x02, 0xc0, 0xaf), BER_MODE_BER, NULL,
                       visit_str_top, &s);
    ck_assert_str_eq(msg, "offset 2: Parameter 's': invalid UTF-8 at string "
                     "octet 0");
    g_free(msg);
    ck_assert_ptr_null(s);
    msg = decode_error(BYTES(0x0c, 0x02, 'a', 0x00), BER_MODE_BER, NULL,
                       visit_str_top, &s);
    ck_assert(strstr(msg, "NUL"));
    g_free(msg);
    /* Non-minimal length accepted in BER only. */
    ck_assert_ptr_null(decode_error(BYTES(0x02, 0x82, 0x00, 0x01, 0x2a),
                                    BER_MODE_BER, NULL, visit_i64, &x));
    ck_assert_int_eq(x, 42);
    msg = decode_error(BYTES(0x02, 0x82, 0x00, 0x01, 0x2a), BER_MODE_DER,
                       NULL, visit_i64, &x);
    ck_assert_str_eq(msg, "offset 1: Parameter 'x': length octets not "
                     "minimal");
    g_free(msg);
    /* CER: 1000-octet fragments exactly; primitive at or below. */
    {
        GByteArray *in = g_byte_array_new();
        static const uint8_t head[] = { 0x24, 0x80, 0x04, 0x82, 0x03, 0xe7 };
        uint8_t zeros[1000] = { 0 };

        g_byte_array_append(in, head, sizeof(head));
        g_byte_array_append(in, zeros, 999);
        g_byte_array_append(in, (const uint8_t[]){ 0x04, 0x02, 0, 0, 0, 0 },
                            6);
        msg = decode_error(in->data, in->len, BER_MODE_CER, NULL,
                           visit_bytes_top, &b);
        ck_assert_str_eq(msg, "offset 1005: Parameter 'b': CER string "
                         "fragments must be of exactly 1000 octets except "
                         "the last, which is not empty");
        g_free(msg);
        ck_assert_ptr_null(decode_error(in->data, in->len, BER_MODE_BER,
                                        NULL, visit_bytes_top, &b));
        ck_assert_uint_eq(b.data_len, 1001);
        g_free(b.data);
        /* an empty last fragment: a second CER encoding of 1001 octets */
        g_byte_array_set_size(in, 0);
        g_byte_array_append(in, (const uint8_t[]){ 0x24, 0x80, 0x04, 0x82,
                                                   0x03, 0xe8 }, 6);
        g_byte_array_append(in, zeros, 1000);
        g_byte_array_append(in, (const uint8_t[]){ 0x04, 0x01, 0x41, 0x04,
                                                   0x00, 0x00, 0x00 }, 7);
        msg = decode_error(in->data, in->len, BER_MODE_CER, NULL,
                           visit_bytes_top, &b);
        ck_assert_str_eq(msg, "offset 1009: Parameter 'b': CER string "
                         "fragments must be of exactly 1000 octets except "
                         "the last, which is not empty");
        g_free(msg);
        ck_assert_ptr_null(decode_error(in->data, in->len, BER_MODE_BER,
                                        NULL, visit_bytes_top, &b));
        ck_assert_uint_eq(b.data_len, 1001);
        g_free(b.data);
        g_byte_array_set_size(in, 0);
        g_byte_array_append(in, (const uint8_t[]){ 0x04, 0x82, 0x03, 0xe9 },
                            4);
        g_byte_array_append(in, zeros, 1000);
        g_byte_array_append(in, zeros, 1);
        msg = decode_error(in->data, in->len, BER_MODE_CER, NULL,
                           visit_bytes_top, &b);
        ck_assert_str_eq(msg, "offset 0: Parameter 'b': CER string of 1001 "
                         "octets must be fragmented");
        g_free(msg);
        g_byte_array_unref(in);
    }
    msg = decode_error(BYTES(0x24, 0x80, 0x04, 0x01, 'a', 0x00, 0x00),
                       BER_MODE_CER, NULL, visit_bytes_top, &b);
    ck_assert_str_eq(msg, "offset 0: Parameter 'b': CER string of 1 octets "
                     "must be primitive");
    g_free(msg);
    /* A custom fragment size is honoured on both sides. */
    {
        BEROptions opts = { .cer_fragment_size = 2 };
        ck_assert_ptr_null(decode_error(BYTES(0x24, 0x80, 0x04, 0x02, 'a',
                                              'b', 0x04, 0x01, 'c', 0x00,
                                              0x00), BER_MODE_CER, &opts,
                                        visit_bytes_top, &b));
        ck_assert_uint_eq(b.data_len, 3);
        g_free(b.data);
    }
}
END_TEST

/*** Error messages of the visit contract ***/

static bool visit_point(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestPoint(v, "pt", obj, errp);
}

static bool visit_int_list(Visitor *v, void *obj, Error **errp)
{
    return visit_type_intList(v, "l", obj, errp);
}

/* Visit only the first element of a list, then check_list. */
static bool visit_list_head(Visitor *v, void *obj, Error **errp)
{
    GenericList *head = NULL;
    int64_t x;
    bool ok = false;

    if (!visit_start_list(v, "l", &head, sizeof(intList), errp)) {
        return false;
    }
    if (head && visit_type_int(v, NULL, &x, errp)) {
        ok = visit_check_list(v, errp);
    }
    visit_end_list(v, (void **)&head);
    g_free(head);
    return ok;
}

START_TEST(test_error_messages)
{
    TestPoint *pt = NULL;
    intList *l = NULL;
    int64_t x;
    char *msg;

    msg = decode_error(BYTES(0x30, 0x03, 0x02, 0x01, 0x01), BER_MODE_DER,
                       NULL, visit_point, &pt);
    ck_assert_str_eq(msg, "offset 5: Parameter 'pt.y': expected INTEGER, "
                     "found the end of the enclosing value");
    g_free(msg);
    ck_assert_ptr_null(pt);
    msg = decode_error(BYTES(0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02,
                             0x02, 0x01, 0x03), BER_MODE_DER, NULL,
                       visit_point, &pt);
    ck_assert_str_eq(msg, "offset 8: Parameter 'pt': unexpected extra member "
                     "(INTEGER)");
    g_free(msg);
    msg = decode_error(BYTES(0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00),
                       BER_MODE_DER, NULL, visit_point, &pt);
    ck_assert_str_eq(msg, "offset 5: Parameter 'pt.y': expected INTEGER, "
                     "found OCTET STRING");
    g_free(msg);
    msg = decode_error(BYTES(0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02),
                       BER_MODE_DER, NULL, visit_list_head, &l);
    ck_assert_str_eq(msg, "offset 5: Parameter 'l': unexpected extra list "
                     "element (INTEGER)");
    g_free(msg);
    msg = decode_error(BYTES(0x30, 0x06, 0x02, 0x01, 0x01, 0x01, 0x01, 0xff),
                       BER_MODE_DER, NULL, visit_int_list, &l);
    ck_assert_str_eq(msg, "offset 5: Parameter 'l[1]': expected INTEGER, "
                     "found BOOLEAN");
    g_free(msg);
    ck_assert_ptr_null(l);
    msg = decode_error(BYTES(0x31, 0x00), BER_MODE_DER, NULL, visit_point,
                       &pt);
    ck_assert_str_eq(msg, "offset 0: Parameter 'pt': expected SEQUENCE, "
                     "found SET");
    g_free(msg);
    msg = decode_error(BYTES(0x02, 0x01, 0x01, 0x00), BER_MODE_DER, NULL,
                       visit_i64, &x);
    ck_assert_str_eq(msg, "offset 3: Parameter 'x': trailing bytes after the "
                     "top-level value");
    g_free(msg);
    {
        BEROptions opts = { .allow_trailing = true };

        ck_assert_ptr_null(decode_error(BYTES(0x02, 0x01, 0x01, 0x00),
                                        BER_MODE_DER, &opts, visit_i64, &x));
    }
    msg = decode_error(NULL, 0, BER_MODE_DER, NULL, visit_i64, &x);
    ck_assert_str_eq(msg, "offset 0: Parameter 'x': expected INTEGER, found "
                     "the end of the data");
    g_free(msg);
}
END_TEST

static bool visit_enum(Visitor *v, void *obj, Error **errp);

/* base_offset moves every offset a message names, and nothing else. */
START_TEST(test_error_base_offset)
{
    BEROptions opts = { .base_offset = 4096 };
    TestPoint *pt = NULL;
    TestEnum e = 0;
    int64_t x;
    char *msg;

    msg = decode_error(BYTES(0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x00),
                       BER_MODE_DER, &opts, visit_point, &pt);
    ck_assert_str_eq(msg, "offset 4101: Parameter 'pt.y': expected INTEGER, "
                     "found OCTET STRING");
    g_free(msg);
    msg = decode_error(BYTES(0x30, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02),
                       BER_MODE_BER, &opts, visit_point, &pt);
    ck_assert_str_eq(msg, "offset 4104: Parameter 'pt': missing "
                     "end-of-contents of the value at offset 4096");
    g_free(msg);
    ck_assert_ptr_null(pt);
    msg = decode_error(BYTES(0x0a, 0x01, 0x04), BER_MODE_DER, &opts,
                       visit_enum, &e);
    ck_assert_str_eq(msg, "offset 4098: Parameter 'e' does not accept value "
                     "'4'");
    g_free(msg);
    msg = decode_error(BYTES(0x02, 0x01, 0x01, 0x00), BER_MODE_DER, &opts,
                       visit_i64, &x);
    ck_assert_str_eq(msg, "offset 4099: Parameter 'x': trailing bytes after "
                     "the top-level value");
    g_free(msg);
    {
        Visitor *v = ber_input_visitor_new_opts(BYTES(0x30, 0x00),
                                                BER_MODE_DER, &opts);
        Error *err = NULL;

        ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
        ck_assert(!ber_input_visitor_finish(v, &err));
        ck_assert_str_eq(error_get_pretty(err), "offset 4098: the top-level "
                         "value is incomplete");
        error_free(err);
        visit_end_struct(v, NULL);
        visit_free(v);
    }
}
END_TEST

static bool visit_int8(Visitor *v, void *obj, Error **errp)
{
    return visit_type_int8(v, "i8", obj, errp);
}

static bool visit_uint64(Visitor *v, void *obj, Error **errp)
{
    return visit_type_uint64(v, "u", obj, errp);
}

static bool visit_enum(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestEnum(v, "e", obj, errp);
}

static bool visit_num(Visitor *v, void *obj, Error **errp)
{
    return visit_type_number(v, "n", obj, errp);
}

START_TEST(test_scalar_input)
{
    int8_t i8 = 0;
    uint64_t u = 0;
    TestEnum e = 0;
    double d = 0;
    char *msg;

    msg = decode_error(BYTES(0x02, 0x02, 0x00, 0x80), BER_MODE_DER, NULL,
                       visit_int8, &i8);
    ck_assert(strstr(msg, "i8"));
    g_free(msg);
    ck_assert_int_eq(i8, 0);
    msg = decode_error(BYTES(0x02, 0x01, 0xff), BER_MODE_DER, NULL,
                       visit_uint64, &u);
    ck_assert_str_eq(msg, "offset 2: Parameter 'u': INTEGER out of range "
                     "(expects uint64)");
    g_free(msg);
    msg = decode_error(BYTES(0x02, 0x02, 0x00, 0x01), BER_MODE_BER, NULL,
                       visit_uint64, &u);
    ck_assert_str_eq(msg, "offset 2: Parameter 'u': INTEGER not minimally "
                     "encoded");
    g_free(msg);
    ck_assert_ptr_null(decode_error(BYTES(0x0a, 0x01, 0x03), BER_MODE_DER,
                                    NULL, visit_enum, &e));
    ck_assert_int_eq(e, TEST_ENUM_THREE_FOUR);
    msg = decode_error(BYTES(0x0a, 0x01, 0x04), BER_MODE_DER, NULL,
                       visit_enum, &e);
    ck_assert_str_eq(msg, "offset 2: Parameter 'e' does not accept value "
                     "'4'");
    g_free(msg);
    msg = decode_error(BYTES(0x0a, 0x01, 0xff), BER_MODE_DER, NULL,
                       visit_enum, &e);
    ck_assert_str_eq(msg, "offset 2: Parameter 'e' does not accept value "
                     "'-1'");
    g_free(msg);
    msg = decode_error(BYTES(0x02, 0x01, 0x01), BER_MODE_DER, NULL,
                       visit_enum, &e);
    ck_assert_str_eq(msg, "offset 0: Parameter 'e': expected ENUMERATED, "
                     "found INTEGER");
    g_free(msg);
    ck_assert_ptr_null(decode_error(BYTES(0x09, 0x01, 0x42), BER_MODE_DER,
                                    NULL, visit_num, &d));
    ck_assert(isnan(d));
    msg = decode_error(BYTES(0x09, 0x03, 0x80, 0x00, 0x02), BER_MODE_DER,
                       NULL, visit_num, &d);
    ck_assert_str_eq(msg, "offset 2: Parameter 'n': REAL not in CER/DER "
                     "canonical form");
    g_free(msg);
    ck_assert_ptr_null(decode_error(BYTES(0x09, 0x03, 0x80, 0x00, 0x02),
                                    BER_MODE_BER, NULL, visit_num, &d));
    ck_assert(d == 2.0);
    msg = decode_error(BYTES(0x22, 0x03, 0x02, 0x01, 0x01), BER_MODE_BER,
                       NULL, visit_i64, &u);
    ck_assert_str_eq(msg, "offset 0: Parameter 'x': INTEGER must be "
                     "primitive");
    g_free(msg);
    msg = decode_error(BYTES(0x1f, 0x28, 0x01, 0x01), BER_MODE_BER,
                       NULL, visit_i64, &u);
    ck_assert_str_eq(msg, "offset 0: Parameter 'x': expected INTEGER, found "
                     "[UNIVERSAL 40]");
    g_free(msg);
}
END_TEST

static bool visit_alt_scalar(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestAltScalar(v, "s", obj, errp);
}

static bool visit_alt_top(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestAlternate(v, "a", obj, errp);
}

static bool visit_alt_list(Visitor *v, void *obj, Error **errp)
{
    GenericList *head = NULL;
    TestAlternate **out = obj;
    bool ok = false;
    int i;

    /* A hand-rolled list of 2 alternates. */
    if (!visit_start_list(v, NULL, &head, sizeof(intList), errp)) {
        return false;
    }
    for (i = 0; i < 2 && head; i++) {
        if (!visit_type_TestAlternate(v, NULL, &out[i], errp)) {
            goto done;
        }
        if (visit_is_input(v) && i == 0) {
            GenericList *next = visit_next_list(v, head, sizeof(intList));

            ck_assert_ptr_nonnull(next);
            g_free(next);
            head->next = NULL;
        }
    }
    ok = visit_check_list(v, errp);
done:
    visit_end_list(v, (void **)&head);
    if (visit_is_input(v)) {
        g_free(head);
    }
    return ok;
}

START_TEST(test_alternates)
{
    TestAlternate a = { .type = QTYPE_QSTRING, .u.s = (char *)"s" };
    TestAlternate b = { .type = QTYPE_QDICT, .u.p = { -1, 300 } };
    TestAlternate *pair[2] = { &a, &b }, *back[2] = { NULL, NULL };
    TestAltScalar sc = { .type = QTYPE_QNULL };
    TestAltScalar *psc = &sc, *sback = NULL;
    GenericList fake = { NULL };
    GByteArray *der;
    Visitor *v;
    char *msg;

    v = ber_output_visitor_new(BER_MODE_DER, &der);
    der = NULL;
    {
        GenericList *head = &fake;

        ck_assert(visit_start_list(v, NULL, &head, sizeof(intList),
                                   &error_abort));
        ck_assert(visit_type_TestAlternate(v, NULL, &pair[0], &error_abort));
        ck_assert(visit_type_TestAlternate(v, NULL, &pair[1], &error_abort));
        visit_end_list(v, (void **)&head);
    }
    visit_complete(v, &der);
    visit_free(v);
    assert_bytes(der, BYTES(0x30, 0x0c, 0x83, 0x01, 's',
                            0xa4, 0x07, 0x02, 0x01, 0xff,
                            0x02, 0x02, 0x01, 0x2c));
    ck_assert_ptr_null(decode_error(der->data, der->len, BER_MODE_DER, NULL,
                                    visit_alt_list, back));
    ck_assert(test_alternate_equal(back[0], &a));
    ck_assert(test_alternate_equal(back[1], &b));
    qapi_free_TestAlternate(back[0]);
    qapi_free_TestAlternate(back[1]);
    g_byte_array_unref(der);

    /* Scalars: [1] NULL, [6] BOOLEAN, [2] REAL. */
    sc.u.null = qnull();
    der = ber_test_encode(BER_MODE_DER, visit_alt_scalar, &psc);
    assert_bytes(der, BYTES(0x81, 0x00));
    ck_assert_ptr_null(decode_error(der->data, der->len, BER_MODE_DER, NULL,
                                    visit_alt_scalar, &sback));
    ck_assert(test_alt_scalar_equal(sback, &sc));
    qapi_free_TestAltScalar(sback);
    g_byte_array_unref(der);
    sc.type = QTYPE_QBOOL;
    sc.u.b = true;
    der = ber_test_encode(BER_MODE_CER, visit_alt_scalar, &psc);
    assert_bytes(der, BYTES(0x86, 0x01, 0xff));
    g_byte_array_unref(der);
    sc.type = QTYPE_QNUM;
    sc.u.n = -0.0;
    der = ber_test_encode(BER_MODE_DER, visit_alt_scalar, &psc);
    assert_bytes(der, BYTES(0x82, 0x01, 0x43));
    g_byte_array_unref(der);
    /* Trailing bytes after a top-level CHOICE of a SEQUENCE (fuzz find). */
    {
        TestAlternate *palt = NULL;

        msg = decode_error(BYTES(0xa4, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01,
                                 0xfe, 0x08), BER_MODE_DER, NULL,
                           visit_alt_top, &palt);
        ck_assert_str_eq(msg, "offset 8: Parameter 'a': trailing bytes "
                         "after the top-level value");
        g_free(msg);
        ck_assert_ptr_null(palt);
        msg = decode_error(BYTES(0xa4, 0x80, 0x02, 0x01, 0x01, 0x02, 0x01,
                                 0xfe, 0x00, 0x00, 0x08), BER_MODE_CER, NULL,
                           visit_alt_top, &palt);
        ck_assert_str_eq(msg, "offset 10: Parameter 'a': trailing bytes "
                         "after the top-level value");
        g_free(msg);
        ck_assert_ptr_null(palt);
    }
    /* A branch this alternate does not have, and a non-branch tag. */
    msg = decode_error(BYTES(0x85, 0x00), BER_MODE_DER, NULL,
                       visit_alt_scalar, &sback);
    ck_assert_str_eq(msg, "Invalid parameter type for 's', expected: "
                     "TestAltScalar");
    g_free(msg);
    ck_assert_ptr_null(sback);
    msg = decode_error(BYTES(0x02, 0x01, 0x00), BER_MODE_DER, NULL,
                       visit_alt_scalar, &sback);
    ck_assert_str_eq(msg, "offset 0: Parameter 's': expected a CHOICE "
                     "alternative [1]..[6], found INTEGER");
    g_free(msg);
    msg = decode_error(BYTES(0x82, 0x01, 0x01), BER_MODE_DER, NULL,
                       visit_alt_scalar, &sback);
    ck_assert_str_eq(msg, "offset 2: Parameter 's': malformed decimal REAL");
    g_free(msg);
    ck_assert_ptr_null(sback);
}
END_TEST

static bool visit_number(Visitor *v, void *obj, Error **errp)
{
    return visit_type_number(v, "r", obj, errp);
}

/* Decimal REAL in CER/DER: the 11.3.2 NR3 form is canonical, the rest not. */
START_TEST(test_real_decimal_modes)
{
    static const struct { const char *text; double value; } good[] = {
        { "1.E1", 10 }, { "1.E+0", 1 }, { "15.E-1", 1.5 }, { "-3.E2", -300 },
    };
    static const char *const bad[] = { "10.E1", "1.E01", "1.E+1", "01.E1" };
    BERMode modes[] = { BER_MODE_CER, BER_MODE_DER };
    uint8_t buf[32];
    size_t i, m, n;
    double d;
    char *msg;

    for (m = 0; m < G_N_ELEMENTS(modes); m++) {
        for (i = 0; i < G_N_ELEMENTS(good); i++) {
            n = strlen(good[i].text);
            buf[0] = 0x09;
            buf[1] = (uint8_t)(n + 1);
            buf[2] = 0x03;
            memcpy(buf + 3, good[i].text, n);
            d = 0;
            msg = decode_error(buf, n + 3, modes[m], NULL, visit_number, &d);
            ck_assert_msg(!msg, "%s: %s", good[i].text, msg);
            ck_assert(d == good[i].value);
        }
        for (i = 0; i < G_N_ELEMENTS(bad); i++) {
            n = strlen(bad[i]);
            buf[0] = 0x09;
            buf[1] = (uint8_t)(n + 1);
            buf[2] = 0x03;
            memcpy(buf + 3, bad[i], n);
            msg = decode_error(buf, n + 3, modes[m], NULL, visit_number, &d);
            ck_assert_msg(msg, "%s accepted", bad[i]);
            ck_assert_str_eq(msg, "offset 2: Parameter 'r': decimal REAL not "
                             "in the CER/DER NR3 form (X.690 11.3.2)");
            g_free(msg);
            /* valid BER all the same */
            msg = decode_error(buf, n + 3, BER_MODE_BER, NULL, visit_number,
                               &d);
            ck_assert_msg(!msg, "%s: %s", bad[i], msg);
        }
    }
}
END_TEST

/* Output refuses what input (same options) would refuse: depth. */
START_TEST(test_output_depth_limit)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new_opts(BER_MODE_DER,
                                             &(BEROptions){ .max_depth = 3 },
                                             &out);
    Error *err = NULL;
    int64_t x = 1;

    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(visit_start_list(v, "l", NULL, 0, &error_abort));
    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(!visit_start_struct(v, "deep", NULL, 0, &err));
    ck_assert_str_eq(error_get_pretty(err), "Parameter 'deep': nesting "
                     "deeper than 3 levels");
    error_free(err);
    ck_assert(visit_type_int(v, "x", &x, &error_abort));
    visit_end_struct(v, NULL);
    visit_end_list(v, NULL);
    visit_end_struct(v, NULL);
    visit_complete(v, &out);
    visit_free(v);
    assert_bytes(out, BYTES(0x30, 0x07, 0x30, 0x05, 0x30, 0x03, 0x02, 0x01,
                            0x01));
    g_byte_array_unref(out);
}
END_TEST

static Suite *ber_visitors_suite(void)
{
    Suite *s = suite_create("ber-visitors");
    TCase *tc = tcase_create("visitors");

    tcase_add_test(tc, test_optional_and_alternate_tags);
    tcase_add_test(tc, test_high_tag_members);
    tcase_add_test(tc, test_roundtrip_all_modes_and_sink);
    tcase_add_test(tc, test_planned_same_bytes);
    tcase_add_test(tc, test_planned_departures);
    tcase_add_test(tc, test_planned_deferred);
    tcase_add_test(tc, test_cer_string_into_fixed_buffer);
    tcase_add_test(tc, test_cer_streaming);
    tcase_add_test(tc, test_input_ber_forms);
    tcase_add_test(tc, test_error_messages);
    tcase_add_test(tc, test_error_base_offset);
    tcase_add_test(tc, test_scalar_input);
    tcase_add_test(tc, test_alternates);
    tcase_add_test(tc, test_real_decimal_modes);
    tcase_add_test(tc, test_output_depth_limit);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(ber_visitors_suite());
}
