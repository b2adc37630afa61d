/*
 * qvisit-gen's output for our test schema (tests/qapi-schema/qvisit-test.json,
 * generated at build time into tests/qvgen/): every sample value
 * (tests/qvgen-samples.c) through every visitor of the serialization table
 * (JSON, DER, CER, BER, CER fragments read as BER), the clone and dealloc
 * visitors; g_autoptr and the other generated helpers; the policy.
 * A copy is equal to its original when their JSON texts are equal.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/qvgen-samples.h"
#include "tests/serialization.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-output-visitor.h"
#include "qv-qapi-types.h"
#include "qv-qapi-visit.h"
#include "qv-qapi-features.h"
#include "tests/check-main.h"

static const SerializeOps *const ops_tables[] = {
    serialization_json_ops,
    serialization_ber_ops,
};

/* The JSON text of @obj, of the sample type @type. */
static char *to_json(const QvSampleType *type, void *obj)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(false, &text);

    ck_assert(type->visit(v, &obj, &error_abort));
    visit_complete(v, &text);
    visit_free(v);
    return text;
}

/* Sample @i through every entry of the serialization table and clone. */
START_TEST(test_sample)
{
    size_t n, t;
    QvSample *samples = qvgen_samples_new(&n);
    const QvSample *s = &samples[_i];
    char *want = to_json(s->type, s->value);
    const SerializeOps *ops;
    void *clone;
    char *got;

    for (t = 0; t < G_N_ELEMENTS(ops_tables); t++) {
        for (ops = ops_tables[t]; ops->name; ops++) {
            void *data = NULL, *copy = NULL;

            ops->serialize(s->value, &data, s->type->visit, &error_abort);
            ops->deserialize(&copy, data, s->type->visit, &error_abort);
            ck_assert_ptr_nonnull(copy);
            got = to_json(s->type, copy);
            ck_assert_msg(!strcmp(got, want), "%s #%d: %s: got %s, want %s",
                          s->type->name, _i, ops->name, got, want);
            g_free(got);
            s->type->free(copy);
            ops->cleanup(data);
        }
    }
    clone = s->type->clone(s->value);
    ck_assert_ptr_ne(clone, s->value);
    got = to_json(s->type, clone);
    ck_assert_str_eq(got, want);
    g_free(got);
    s->type->free(clone);
    g_free(want);
    qvgen_samples_free(samples, n);
}
END_TEST

/* What the generated headers offer besides the visitors. */
START_TEST(test_generated_api)
{
    g_autoptr(MoreDerived) md = g_new0(MoreDerived, 1);
    g_autoptr(ScalarsList) none = NULL;

    ck_assert_ptr_eq(qapi_Derived_base(qapi_MoreDerived_base(md)),
                     (Base *)md);
    ck_assert_int_eq(COND_ENUM__MAX, 2);       /* QV_TEST_COND is defined */
    ck_assert_str_eq(CondEnum_str(COND_ENUM_SOMETIMES), "sometimes");
    ck_assert_str_eq(Colour_str(COLOUR_3D), "3d");
    ck_assert_int_eq(QV_MODE__MAX, 4);
    ck_assert_ptr_null(none);
}
END_TEST

/* The DER of @obj, visited with @visit (under @policy if not NULL), as hex. */
static char *der_hex(VisitorFunc visit, void *obj, CompatPolicy *policy)
{
    GByteArray *bytes = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &bytes);
    char *hex;

    if (policy) {
        visit_set_policy(v, policy);
    }
    ck_assert(visit(v, &obj, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);
    hex = g_malloc(bytes->len * 2 + 1);
    for (guint i = 0; i < bytes->len; i++) {
        sprintf(hex + 2 * i, "%02x", bytes->data[i]);
    }
    g_byte_array_unref(bytes);
    return hex;
}

static bool visit_featured(Visitor *v, void **obj, Error **errp)
{
    return visit_type_Featured(v, NULL, (Featured **)obj, errp);
}

static bool visit_blobs(Visitor *v, void **obj, Error **errp)
{
    return visit_type_Blobs(v, NULL, (Blobs **)obj, errp);
}

START_TEST(test_features)
{
    CompatPolicy hide = {
        .has_deprecated_output = true,
        .deprecated_output = COMPAT_POLICY_OUTPUT_HIDE,
    };
    CompatPolicy reject = {
        .has_unstable_input = true,
        .unstable_input = COMPAT_POLICY_INPUT_REJECT,
    };
    Featured *f = qvgen_sample_featured(), *out = NULL;
    GByteArray *bytes = NULL;
    Error *err = NULL;
    char *hex;
    Visitor *v;

    /* SEQUENCE { plain 1, old 2, fresh "new", [3] both TRUE, custom 3 } */
    hex = der_hex(visit_featured, f, NULL);
    ck_assert_str_eq(hex, "3011020101020102""0c036e6577""8301ff""020103");
    g_free(hex);
    /* deprecated-output=hide drops 'old' and 'both' (deprecated too). */
    hex = der_hex(visit_featured, f, &hide);
    ck_assert_str_eq(hex, "300b020101""0c036e6577""020103");
    g_free(hex);

    v = ber_output_visitor_new(BER_MODE_DER, &bytes);
    ck_assert(visit_type_Featured(v, NULL, &f, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);
    v = ber_input_visitor_new(bytes->data, bytes->len, BER_MODE_DER);
    visit_set_policy(v, &reject);
    ck_assert(!visit_type_Featured(v, NULL, &out, &err));
    ck_assert_ptr_null(out);
    ck_assert_str_eq(error_get_pretty(err),
                     "Unstable parameter fresh disabled by policy");
    error_free(err);
    visit_free(v);
    g_byte_array_unref(bytes);

    ck_assert_int_eq(QAPI_FEATURE_DEPRECATED, QAPI_DEPRECATED);
    ck_assert_int_gt(QAPI_FEATURE_QV_CUSTOM, QAPI_FEATURE_UNSTABLE);
    ck_assert_uint_eq(Mode_lookup.features[QV_MODE_LEGACY],
                      1u << QAPI_FEATURE_DEPRECATED);
    ck_assert_uint_eq(Mode_lookup.features[QV_MODE_ON], 0);
    qapi_free_Featured(f);
}
END_TEST

/*
 * The byte-string extension: the C layout, and the bytes
 * docs/ber-mapping.md gives (OCTET STRING; sized buffers one OCTET STRING,
 * elements big-endian; an optional one [k] primitive).
 */
START_TEST(test_bytes)
{
    static const char der[] =
        "303d" "04020102" "040401020304" "0406" "05060708090a"
        "0406" "010203040506" "0408" "0102030405060708"
        "0410" "0102030405060708" "1112131415161718" "8702aabb" "020101";
    Blobs b = {
        .data = (uint8_t *)"\1\2", .data_len = 2,
        .seed = { 1, 2, 3, 4 }, .grid = { { 5, 6, 7 }, { 8, 9, 10 } },
        .w16 = { 0x0102, 0x0304, 0x0506 },
        .w32 = { 0x01020304, 0x05060708 },
        .w64 = { 0x0102030405060708ull, 0x1112131415161718ull },
        .has_oseed = true, .oseed = { 0xaa, 0xbb }, .after = 1,
    };
    uint8_t short_w16[sizeof(der) / 2];
    Blobs *out = NULL;
    Error *err = NULL;
    char *hex = der_hex(visit_blobs, &b, NULL);
    Visitor *v;
    size_t i;

    G_STATIC_ASSERT(sizeof(b.grid) == 6 && sizeof(b.w64) == 16);
    G_STATIC_ASSERT(sizeof(b.data_len) == sizeof(size_t));
    ck_assert_str_eq(hex, der);
    g_free(hex);

    /* w16 two bytes short (and the lengths around it adjusted): refused. */
    for (i = 0; i < sizeof(short_w16); i++) {
        sscanf(der + 2 * i, "%2hhx", &short_w16[i]);
    }
    short_w16[1] -= 2;
    short_w16[21] = 4;
    memmove(short_w16 + 26, short_w16 + 28, sizeof(short_w16) - 28);
    v = ber_input_visitor_new(short_w16, sizeof(short_w16) - 2, BER_MODE_DER);
    ck_assert(!visit_type_Blobs(v, NULL, &out, &err));
    ck_assert_ptr_null(out);
    ck_assert_msg(strstr(error_get_pretty(err), "'w16'"), "%s",
                  error_get_pretty(err));
    error_free(err);
    visit_free(v);
}
END_TEST

static Suite *qvisit_gen_suite(void)
{
    Suite *s = suite_create("qvisit-gen");
    TCase *tc = tcase_create("generated");

    size_t n;
    QvSample *samples = qvgen_samples_new(&n);

    qvgen_samples_free(samples, n);
    tcase_add_loop_test(tc, test_sample, 0, (int)n);
    tcase_add_test(tc, test_generated_api);
    tcase_add_test(tc, test_features);
    tcase_add_test(tc, test_bytes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(qvisit_gen_suite());
}
