/*
 * tests/test-ber-tasn1.c: cross-checks with libtasn1, a schema-driven
 * DER encoder/decoder, on the module tests/test-ber-tasn1.asn:
 * - our DER (and BER, which is the same bytes) equals what libtasn1's
 *   asn1_der_coding() produces for the same values;
 * - libtasn1 decodes our DER with ASN1_DECODE_FLAG_STRICT_DER;
 * - libtasn1 decodes our CER (BER decoding, flags 0: indefinite lengths
 *   and constructed OCTET STRINGs) and re-encodes it to our DER.
 * libtasn1 limits (4.19): no REAL; no constructed UTF8String; no
 * indefinite-length explicit tag; no empty indefinite-length SEQUENCE OF.
 * CER checks avoid those (PlainRecord with non-empty lists, long strings
 * only in OCTET STRINGs).
 */
#include "config.h"

#include <check.h>
#include <libtasn1.h>
#include <stdio.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/qmp/qnull.h"
#include "visitors/ber-visitor.h"
#include "tests/ber-test-util.h"
#include "tests/test-qapi-types.h"
#include "tests/check-main.h"

static asn1_node definitions;

static void load_definitions(void)
{
    const char *srcdir = g_getenv("top_srcdir");
    char *path = g_build_filename(srcdir ? srcdir : ".", "tests",
                                  "test-ber-tasn1.asn", NULL);
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    int rc = asn1_parser2tree(path, &definitions, err);

    if (rc != ASN1_SUCCESS) {
        fprintf(stderr, "%s: %s (%s)\n", path, asn1_strerror(rc), err);
        exit(1);
    }
    g_free(path);
}

/*** The C side: a record type visited like generated code ***/

typedef struct Record {
    uint64_t id;
    int64_t counter;
    bool flag;
    char *name;
    TestEnum kind;
    bool has_opt_count;
    int64_t opt_count;
    char *opt_name;
    TestAlternate alt;
    TestAlternate *opt_alt;
    uint8_t *blob;
    size_t blob_len;
    strList *tags;
    TestPoint points[3];
    size_t n_points;
    TestPoint *opt_point;
    bool has_opt_flag;
    bool opt_flag;
    bool plain;                 /* PlainRecord: no CHOICE members */
} Record;

static bool visit_points(Visitor *v, Record *r, Error **errp)
{
    GenericList *head = NULL;
    GenericList nodes[3];
    size_t i;
    bool ok = false;

    /* Output only: a list view over the fixed array. */
    for (i = 0; i < r->n_points; i++) {
        nodes[i].next = i + 1 < r->n_points ? &nodes[i + 1] : NULL;
    }
    head = r->n_points ? &nodes[0] : NULL;
    if (!visit_start_list(v, "points", &head, sizeof(GenericList), errp)) {
        return false;
    }
    for (i = 0; i < r->n_points; i++) {
        TestPoint *p = &r->points[i];

        if (!visit_type_TestPoint(v, NULL, &p, errp)) {
            goto out;
        }
    }
    ok = visit_check_list(v, errp);
out:
    visit_end_list(v, (void **)&head);
    return ok;
}

static bool visit_record(Visitor *v, Record *r, Error **errp)
{
    bool has_opt_name = !!r->opt_name, has_opt_alt = !!r->opt_alt;
    bool has_opt_point = !!r->opt_point;
    TestAlternate *alt = &r->alt;
    bool ok = false;

    if (!visit_start_struct(v, NULL, NULL, 0, errp)) {
        return false;
    }
    if (!visit_type_uint64(v, "id", &r->id, errp) ||
        !visit_type_int64(v, "counter", &r->counter, errp) ||
        !visit_type_bool(v, "flag", &r->flag, errp) ||
        !visit_type_str(v, "name", &r->name, errp) ||
        !visit_type_TestEnum(v, "kind", &r->kind, errp) ||
        !visit_type_null(v, "nothing", &(QNull *){ qnull() }, errp)) {
        goto out;
    }
    if (visit_optional(v, "optCount", &r->has_opt_count) &&
        !visit_type_int(v, "optCount", &r->opt_count, errp)) {
        goto out;
    }
    if (visit_optional(v, "optName", &has_opt_name) &&
        !visit_type_str(v, "optName", &r->opt_name, errp)) {
        goto out;
    }
    if (!r->plain) {
        if (!visit_type_TestAlternate(v, "alt", &alt, errp)) {
            goto out;
        }
        if (visit_optional(v, "optAlt", &has_opt_alt) &&
            !visit_type_TestAlternate(v, "optAlt", &r->opt_alt, errp)) {
            goto out;
        }
    }
    if (!visit_type_bytes(v, "blob", &r->blob, &r->blob_len, errp) ||
        !visit_type_strList(v, "tags", &r->tags, errp) ||
        !visit_points(v, r, errp)) {
        goto out;
    }
    if (visit_optional(v, "optPoint", &has_opt_point) &&
        !visit_type_TestPoint(v, "optPoint", &r->opt_point, errp)) {
        goto out;
    }
    if (visit_optional(v, "optFlag", &r->has_opt_flag) &&
        !visit_type_bool(v, "optFlag", &r->opt_flag, errp)) {
        goto out;
    }
    ok = visit_check_struct(v, errp);
out:
    visit_end_struct(v, NULL);
    return ok;
}

/*** The libtasn1 side ***/

static void write_int(asn1_node node, const char *name, int64_t value)
{
    uint8_t octets[BER_INTEGER_MAX];
    size_t n = ber_encode_int64(octets, value);

    ck_assert_int_eq(asn1_write_value(node, name, octets, (int)n),
                     ASN1_SUCCESS);
}

static void write_uint(asn1_node node, const char *name, uint64_t value)
{
    uint8_t octets[BER_INTEGER_MAX];
    size_t n = ber_encode_uint64(octets, value);

    ck_assert_int_eq(asn1_write_value(node, name, octets, (int)n),
                     ASN1_SUCCESS);
}

static void write_str(asn1_node node, const char *name, const void *s,
                      size_t len)
{
    ck_assert_int_eq(asn1_write_value(node, name, len ? s : "", (int)len),
                     ASN1_SUCCESS);
}

static void write_point(asn1_node node, const char *prefix,
                        const TestPoint *p)
{
    char *x = g_strdup_printf("%s.x", prefix), *y = g_strdup_printf("%s.y",
                                                                    prefix);

    write_int(node, x, p->x);
    write_int(node, y, p->y);
    g_free(x);
    g_free(y);
}

static void write_alternate(asn1_node node, const char *name,
                            const TestAlternate *alt)
{
    char *branch;

    switch (alt->type) {
    case QTYPE_QNUM:
        ck_assert_int_eq(asn1_write_value(node, name, "i", 1), ASN1_SUCCESS);
        branch = *name ? g_strdup_printf("%s.i", name) : g_strdup("i");
        write_int(node, branch, alt->u.i);
        break;
    case QTYPE_QSTRING:
        ck_assert_int_eq(asn1_write_value(node, name, "s", 1), ASN1_SUCCESS);
        branch = *name ? g_strdup_printf("%s.s", name) : g_strdup("s");
        write_str(node, branch, alt->u.s, strlen(alt->u.s));
        break;
    default:
        ck_assert_int_eq(asn1_write_value(node, name, "p", 1), ASN1_SUCCESS);
        branch = *name ? g_strdup_printf("%s.p", name) : g_strdup("p");
        write_point(node, branch, &alt->u.p);
        break;
    }
    g_free(branch);
}

static asn1_node tasn1_record(const Record *r)
{
    asn1_node node = NULL;
    strList *tag;
    size_t i;

    ck_assert_int_eq(asn1_create_element(definitions, r->plain ?
                                         "TestBerTasn1.PlainRecord" :
                                         "TestBerTasn1.Record", &node),
                     ASN1_SUCCESS);
    write_uint(node, "id", r->id);
    write_int(node, "counter", r->counter);
    ck_assert_int_eq(asn1_write_value(node, "flag", r->flag ? "TRUE" :
                                      "FALSE", 1), ASN1_SUCCESS);
    write_str(node, "name", r->name, strlen(r->name));
    write_int(node, "kind", r->kind);
    if (r->has_opt_count) {
        write_int(node, "optCount", r->opt_count);
    } else {
        asn1_write_value(node, "optCount", NULL, 0);
    }
    if (r->opt_name) {
        write_str(node, "optName", r->opt_name, strlen(r->opt_name));
    } else {
        asn1_write_value(node, "optName", NULL, 0);
    }
    if (!r->plain) {
        write_alternate(node, "alt", &r->alt);
        if (r->opt_alt) {
            write_alternate(node, "optAlt", r->opt_alt);
        } else {
            asn1_write_value(node, "optAlt", NULL, 0);
        }
    }
    write_str(node, "blob", r->blob, r->blob_len);
    for (tag = r->tags; tag; tag = tag->next) {
        ck_assert_int_eq(asn1_write_value(node, "tags", "NEW", 1),
                         ASN1_SUCCESS);
        write_str(node, "tags.?LAST", tag->value, strlen(tag->value));
    }
    for (i = 0; i < r->n_points; i++) {
        ck_assert_int_eq(asn1_write_value(node, "points", "NEW", 1),
                         ASN1_SUCCESS);
        write_point(node, "points.?LAST", &r->points[i]);
    }
    if (r->opt_point) {
        write_point(node, "optPoint", r->opt_point);
    } else {
        asn1_write_value(node, "optPoint", NULL, 0);
    }
    if (r->has_opt_flag) {
        ck_assert_int_eq(asn1_write_value(node, "optFlag", r->opt_flag ?
                                          "TRUE" : "FALSE", 1),
                         ASN1_SUCCESS);
    } else {
        asn1_write_value(node, "optFlag", NULL, 0);
    }
    return node;
}

static GByteArray *tasn1_der(asn1_node node)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    int len = 0;
    GByteArray *out;

    ck_assert_int_eq(asn1_der_coding(node, "", NULL, &len, err),
                     ASN1_MEM_ERROR);
    out = g_byte_array_sized_new(len);
    g_byte_array_set_size(out, len);
    ck_assert_msg(asn1_der_coding(node, "", out->data, &len, err) ==
                  ASN1_SUCCESS, "asn1_der_coding: %s", err);
    g_byte_array_set_size(out, len);
    return out;
}

static void assert_same_bytes(const GByteArray *ours,
                              const GByteArray *theirs, const char *what)
{
    if (ours->len != theirs->len ||
        memcmp(ours->data, theirs->data, ours->len)) {
        GString *s = g_string_new(NULL);
        guint i;

        g_string_append(s, "\nours:   ");
        for (i = 0; i < ours->len && i < 200; i++) {
            g_string_append_printf(s, "%02x ", ours->data[i]);
        }
        g_string_append(s, "\ntasn1:  ");
        for (i = 0; i < theirs->len && i < 200; i++) {
            g_string_append_printf(s, "%02x ", theirs->data[i]);
        }
        ck_abort_msg("%s: encodings differ%s", what, s->str);
    }
}

/* libtasn1 decodes @bytes as @type with @flags, re-encodes to @der. */
static void tasn1_decode_check(const char *type, const GByteArray *bytes,
                               unsigned flags, const GByteArray *der)
{
    asn1_node node = NULL;
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    int len = (int)bytes->len;
    GByteArray *again;
    int rc;

    ck_assert_int_eq(asn1_create_element(definitions, type, &node),
                     ASN1_SUCCESS);
    rc = asn1_der_decoding2(&node, bytes->data, &len, flags, err);
    ck_assert_msg(rc == ASN1_SUCCESS, "libtasn1 rejects our %s (flags %u): "
                  "%s %s", type, flags, asn1_strerror(rc), err);
    ck_assert_int_eq(len, (int)bytes->len);
    again = tasn1_der(node);
    assert_same_bytes(der, again, "libtasn1 re-encoding");
    g_byte_array_unref(again);
    asn1_delete_structure(&node);
}

static bool visit_record_fn(Visitor *v, void *obj, Error **errp)
{
    return visit_record(v, obj, errp);
}

static Record *record_new(int seed, bool plain)
{
    Record *r = g_new0(Record, 1);
    strList **tail = &r->tags;
    size_t i;

    r->plain = plain;
    r->id = seed == 0 ? UINT64_MAX : seed == 1 ? 0 : (uint64_t)seed * 977;
    r->counter = seed == 0 ? INT64_MIN : seed == 1 ? -1 : -(int64_t)seed;
    r->flag = seed % 2;
    r->name = seed == 2 ? g_strdup("") : g_strdup_printf("r\xc3\xa9%d", seed);
    r->kind = seed % TEST_ENUM__MAX;
    r->has_opt_count = seed % 3 != 0;
    r->opt_count = 128 * seed;
    r->opt_name = seed % 2 ? g_strdup("opt") : NULL;
    r->alt.type = seed % 3 == 0 ? QTYPE_QNUM : seed % 3 == 1 ? QTYPE_QSTRING :
        QTYPE_QDICT;
    r->alt.u.i = -seed;
    if (r->alt.type == QTYPE_QSTRING) {
        r->alt.u.s = g_strdup("alt");
    } else if (r->alt.type == QTYPE_QDICT) {
        r->alt.u.p.x = seed;
        r->alt.u.p.y = -300;
    }
    if (seed % 2 == 0) {
        r->opt_alt = g_new0(TestAlternate, 1);
        r->opt_alt->type = QTYPE_QDICT;
        r->opt_alt->u.p.x = 1;
        r->opt_alt->u.p.y = 2;
    }
    /* Long blobs: multi-octet DER lengths, CER fragments. */
    r->blob_len = seed == 0 ? 0 : seed == 3 ? 2500 : seed == 4 ? 1000 :
        (size_t)seed * 61;
    r->blob = g_malloc(r->blob_len + 1);
    for (i = 0; i < r->blob_len; i++) {
        r->blob[i] = (uint8_t)(i * 7 + seed);
    }
    /* libtasn1 rejects an empty indefinite-length SEQUENCE OF (30 80 00 00,
     * valid CER): the CER-checked plain records keep lists non-empty. */
    for (i = 0; i < (size_t)seed % 4 + plain; i++) {
        *tail = g_new0(strList, 1);
        (*tail)->value = g_strdup_printf("tag%zu", i);
        tail = &(*tail)->next;
    }
    r->n_points = seed % 3 + plain;
    for (i = 0; i < r->n_points; i++) {
        r->points[i].x = (int64_t)i - 1;
        r->points[i].y = (int64_t)i << 40;
    }
    if (seed % 2) {
        r->opt_point = g_new0(TestPoint, 1);
        r->opt_point->x = 5;
    }
    r->has_opt_flag = seed % 4 == 1;
    r->opt_flag = true;
    return r;
}

static void record_free(Record *r)
{
    g_free(r->name);
    g_free(r->opt_name);
    if (r->alt.type == QTYPE_QSTRING) {
        g_free(r->alt.u.s);
    }
    qapi_free_TestAlternate(r->opt_alt);
    g_free(r->blob);
    qapi_free_strList(r->tags);
    g_free(r->opt_point);
    g_free(r);
}

/*
 * The record of @seed (@plain: without the fields PlainRecord lacks),
 * libtasn1's DER of it and ours: the same bytes, and ours decodes under
 * libtasn1's strict DER rules as @type.
 */
typedef struct RecordEncodings {
    Record *r;
    asn1_node node;
    GByteArray *theirs, *der;
} RecordEncodings;

static void record_encodings_init(RecordEncodings *e, int seed, bool plain,
                                  const char *type)
{
    e->r = record_new(seed, plain);
    e->node = tasn1_record(e->r);
    e->theirs = tasn1_der(e->node);
    e->der = ber_test_encode(BER_MODE_DER, visit_record_fn, e->r);
    assert_same_bytes(e->der, e->theirs, "DER vs libtasn1");
    tasn1_decode_check(type, e->der, ASN1_DECODE_FLAG_STRICT_DER, e->theirs);
}

static void record_encodings_free(RecordEncodings *e)
{
    g_byte_array_unref(e->der);
    g_byte_array_unref(e->theirs);
    asn1_delete_structure(&e->node);
    record_free(e->r);
}

START_TEST(test_record_der_identical)
{
    RecordEncodings e;
    GByteArray *ber;

    record_encodings_init(&e, _i, false, "TestBerTasn1.Record");
    ber = ber_test_encode(BER_MODE_BER, visit_record_fn, e.r);
    assert_same_bytes(ber, e.theirs, "BER vs libtasn1");
    g_byte_array_unref(ber);
    record_encodings_free(&e);
}
END_TEST

START_TEST(test_plain_record_cer_readable)
{
    RecordEncodings e;
    GByteArray *cer;

    record_encodings_init(&e, _i, true, "TestBerTasn1.PlainRecord");
    cer = ber_test_encode(BER_MODE_CER, visit_record_fn, e.r);
    /* CER (indefinite lengths, 1000-octet fragments) as BER. */
    tasn1_decode_check("TestBerTasn1.PlainRecord", cer, 0, e.theirs);
    if (e.r->blob_len > 1000) {
        /* The fragments really are there. */
        ck_assert(memmem(cer->data, cer->len, "\x24\x80\x04\x82\x03\xe8",
                         6));
    }
    g_byte_array_unref(cer);
    record_encodings_free(&e);
}
END_TEST

/*** The shared test types (no REAL inside) ***/

static bool visit_alt(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestAlternate(v, NULL, obj, errp);
}

static bool visit_bytes(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestBytes(v, NULL, obj, errp);
}

static bool visit_sized(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestSizedBuffers(v, NULL, obj, errp);
}

static bool visit_enum_list(Visitor *v, void *obj, Error **errp)
{
    return visit_type_TestEnumList(v, NULL, obj, errp);
}

static bool visit_str_list(Visitor *v, void *obj, Error **errp)
{
    return visit_type_strList(v, NULL, obj, errp);
}

static void check_type(const char *type, VisitFn fn, void *obj,
                       asn1_node node, bool cer_readable)
{
    GByteArray *theirs = tasn1_der(node);
    GByteArray *der = ber_test_encode(BER_MODE_DER, fn, obj);
    GByteArray *cer = ber_test_encode(BER_MODE_CER, fn, obj);

    assert_same_bytes(der, theirs, type);
    tasn1_decode_check(type, der, ASN1_DECODE_FLAG_STRICT_DER, theirs);
    if (cer_readable) {
        tasn1_decode_check(type, cer, 0, theirs);
    }
    g_byte_array_unref(der);
    g_byte_array_unref(cer);
    g_byte_array_unref(theirs);
    asn1_delete_structure(&node);
}

START_TEST(test_shared_types)
{
    asn1_node node;
    TestAlternate alt = { .type = QTYPE_QDICT, .u.p = { -129, 65536 } };
    TestAlternate *palt = &alt;
    TestBytes bytes = { .data = g_malloc(3000), .data_len = 3000 };
    TestBytes *pbytes = &bytes;
    TestSizedBuffers sized, *psized = &sized;
    TestEnumList e2 = { NULL, TEST_ENUM_THREE_FOUR };
    TestEnumList e1 = { &e2, TEST_ENUM_ZERO }, *pe = &e1;
    strList s2 = { NULL, (char *)"" };
    strList s1 = { &s2, (char *)"hello" }, *ps = &s1;
    uint8_t be[8 * TEST_SIZED_BUFFER_COUNT];
    size_t i, j;

    /* CHOICE at top level: [4] IMPLICIT TestPoint. */
    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestAlternate", &node),
                     ASN1_SUCCESS);
    write_alternate(node, "", &alt);
    check_type("TestBerTasn1.TestAlternate", visit_alt, &palt, node, true);
    alt.type = QTYPE_QSTRING;
    alt.u.s = (char *)"choice";
    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestAlternate", &node),
                     ASN1_SUCCESS);
    write_alternate(node, "", &alt);
    check_type("TestBerTasn1.TestAlternate", visit_alt, &palt, node, true);

    for (i = 0; i < bytes.data_len; i++) {
        bytes.data[i] = (uint8_t)(i ^ (i >> 8));
    }
    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestBytes", &node),
                     ASN1_SUCCESS);
    write_str(node, "data", bytes.data, bytes.data_len);
    check_type("TestBerTasn1.TestBytes", visit_bytes, &pbytes, node, true);
    g_free(bytes.data);

    for (i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        sized.b1[i] = (uint8_t)(0xf0 + i);
        sized.b2[i] = (uint16_t)(0xa1b2 + i);
        sized.b4[i] = 0xc0ffee00u + (uint32_t)i;
        sized.b8[i] = 0x0102030405060708ull * (i + 1);
    }
    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestSizedBuffers",
                                         &node), ASN1_SUCCESS);
    write_str(node, "b1", sized.b1, sizeof(sized.b1));
    /* Sized buffers are big-endian on the wire. */
    for (i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        be[2 * i] = (uint8_t)(sized.b2[i] >> 8);
        be[2 * i + 1] = (uint8_t)sized.b2[i];
    }
    write_str(node, "b2", be, 2 * TEST_SIZED_BUFFER_COUNT);
    for (i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        for (j = 0; j < 4; j++) {
            be[4 * i + j] = (uint8_t)(sized.b4[i] >> (8 * (3 - j)));
        }
    }
    write_str(node, "b4", be, 4 * TEST_SIZED_BUFFER_COUNT);
    for (i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        for (j = 0; j < 8; j++) {
            be[8 * i + j] = (uint8_t)(sized.b8[i] >> (8 * (7 - j)));
        }
    }
    write_str(node, "b8", be, 8 * TEST_SIZED_BUFFER_COUNT);
    check_type("TestBerTasn1.TestSizedBuffers", visit_sized, &psized, node,
               true);

    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestEnumList", &node),
                     ASN1_SUCCESS);
    ck_assert_int_eq(asn1_write_value(node, "", "NEW", 1), ASN1_SUCCESS);
    write_int(node, "?LAST", TEST_ENUM_ZERO);
    ck_assert_int_eq(asn1_write_value(node, "", "NEW", 1), ASN1_SUCCESS);
    write_int(node, "?LAST", TEST_ENUM_THREE_FOUR);
    check_type("TestBerTasn1.TestEnumList", visit_enum_list, &pe, node,
               true);

    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.StrList", &node),
                     ASN1_SUCCESS);
    ck_assert_int_eq(asn1_write_value(node, "", "NEW", 1), ASN1_SUCCESS);
    write_str(node, "?LAST", "hello", 5);
    ck_assert_int_eq(asn1_write_value(node, "", "NEW", 1), ASN1_SUCCESS);
    write_str(node, "?LAST", "", 0);
    check_type("TestBerTasn1.StrList", visit_str_list, &ps, node, true);
}
END_TEST

/* Our input visitor reads what libtasn1 wrote, in strict DER mode. */
START_TEST(test_we_read_tasn1)
{
    TestAlternate alt = { .type = QTYPE_QNUM, .u.i = INT64_MIN };
    asn1_node node = NULL;
    GByteArray *theirs;
    TestAlternate *back = NULL;
    Visitor *v;

    ck_assert_int_eq(asn1_create_element(definitions,
                                         "TestBerTasn1.TestAlternate", &node),
                     ASN1_SUCCESS);
    write_alternate(node, "", &alt);
    theirs = tasn1_der(node);
    v = ber_input_visitor_new(theirs->data, theirs->len, BER_MODE_DER);
    ck_assert(visit_type_TestAlternate(v, NULL, &back, &error_abort));
    visit_free(v);
    ck_assert(test_alternate_equal(back, &alt));
    qapi_free_TestAlternate(back);
    g_byte_array_unref(theirs);
    asn1_delete_structure(&node);
}
END_TEST

static Suite *ber_tasn1_suite(void)
{
    Suite *s = suite_create("ber-tasn1");
    TCase *tc = tcase_create("libtasn1");

    tcase_add_loop_test(tc, test_record_der_identical, 0, 12);
    tcase_add_loop_test(tc, test_plain_record_cer_readable, 0, 12);
    tcase_add_test(tc, test_shared_types);
    tcase_add_test(tc, test_we_read_tasn1);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    int status;

    load_definitions();
    status = check_run_suite(ber_tasn1_suite());
    asn1_delete_structure(&definitions);
    return status;
}
