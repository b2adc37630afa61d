/*
 * qvisit-gen's output for our test schema (tests/qapi-schema/qvisit-test.json,
 * generated at build time into tests/qvgen/) through every visitor of the
 * serialization table (JSON, DER, CER, BER, CER fragments read as BER),
 * the clone and dealloc visitors, g_autoptr, and the compatibility policy.
 * A copy is equal to its original when their JSON texts are equal.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/clone-visitor.h"
#include "qobject/qnull.h"
#include "tests/serialization.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-output-visitor.h"
#include "qv-qapi-types.h"
#include "qv-qapi-visit.h"
#include "qv-qapi-features.h"

static const SerializeOps *const ops_tables[] = {
    serialization_json_ops,
    serialization_ber_ops,
};

/*
 * For a type T: its JSON text, a round trip through one SerializeOps
 * entry, and a check running a value through every entry, clone and
 * g_autoptr, then freeing it.
 */
#define DEFINE_CHECKS(T)                                                    \
static bool visit_##T##_native(Visitor *v, void **native, Error **errp)     \
{                                                                           \
    return visit_type_##T(v, NULL, (T **)native, errp);                     \
}                                                                           \
                                                                            \
static char *T##_json(T *obj)                                               \
{                                                                           \
    char *text = NULL;                                                      \
    Visitor *v = json_output_visitor_new(false, &text);                     \
                                                                            \
    ck_assert(visit_type_##T(v, NULL, &obj, &error_abort));                 \
    visit_complete(v, &text);                                               \
    visit_free(v);                                                          \
    return text;                                                            \
}                                                                           \
                                                                            \
static void T##_check(T *obj)                                               \
{                                                                           \
    char *want = T##_json(obj);                                             \
    size_t t;                                                               \
    const SerializeOps *ops;                                                \
                                                                            \
    for (t = 0; t < G_N_ELEMENTS(ops_tables); t++) {                        \
        for (ops = ops_tables[t]; ops->name; ops++) {                       \
            void *data = NULL;                                              \
            T *copy = NULL;                                                 \
            char *got;                                                      \
                                                                            \
            ops->serialize(obj, &data, visit_##T##_native, &error_abort);   \
            ops->deserialize((void **)&copy, data, visit_##T##_native,      \
                             &error_abort);                                 \
            ck_assert_ptr_nonnull(copy);                                    \
            got = T##_json(copy);                                           \
            ck_assert_msg(!strcmp(got, want), "%s: %s: got %s, want %s",    \
                          #T, ops->name, got, want);                        \
            g_free(got);                                                    \
            qapi_free_##T(copy);                                            \
            ops->cleanup(data);                                             \
        }                                                                   \
    }                                                                       \
    {                                                                       \
        g_autoptr(T) clone = QAPI_CLONE(T, obj);                            \
        char *got = T##_json(clone);                                        \
                                                                            \
        ck_assert_str_eq(got, want);                                        \
        g_free(got);                                                        \
    }                                                                       \
    g_free(want);                                                           \
    qapi_free_##T(obj);                                                     \
}

DEFINE_CHECKS(Scalars)
DEFINE_CHECKS(Optionals)
DEFINE_CHECKS(Lists)
DEFINE_CHECKS(Keywords)
DEFINE_CHECKS(Empty)
DEFINE_CHECKS(__org_qvisit_x_Struct)
DEFINE_CHECKS(MoreDerived)
DEFINE_CHECKS(Figure)
DEFINE_CHECKS(AltAll)
DEFINE_CHECKS(AltStr)
DEFINE_CHECKS(AltEnumNum)
DEFINE_CHECKS(AltUnion)
DEFINE_CHECKS(Holder)
DEFINE_CHECKS(Featured)
DEFINE_CHECKS(CondStruct)
DEFINE_CHECKS(CondAlt)
DEFINE_CHECKS(Leveled)
DEFINE_CHECKS(ScalarsList)

static Scalars *scalars(int k)
{
    Scalars *s = g_new0(Scalars, 1);

    s->i = k ? INT64_MIN : -1;
    s->i8 = k ? INT8_MIN : INT8_MAX;
    s->i16 = k ? INT16_MIN : INT16_MAX;
    s->i32 = k ? INT32_MIN : INT32_MAX;
    s->i64 = k ? INT64_MAX : 0;
    s->u8 = k ? UINT8_MAX : 0;
    s->u16 = k ? UINT16_MAX : 1;
    s->u32 = k ? UINT32_MAX : 2;
    s->u64 = k ? UINT64_MAX : 3;
    s->sz = k ? UINT64_MAX - 1 : 4096;
    s->b = k;
    s->s = g_strdup(k ? "" : "caf\xc3\xa9 \"quoted\"\n");
    s->n = k ? -1.5e300 : 0.25;
    s->c = k ? COLOUR_3D : COLOUR_BLUE_ISH;
    return s;
}

START_TEST(test_structs)
{
    Optionals *o = g_new0(Optionals, 1);
    Keywords *kw = g_new0(Keywords, 1);
    __org_qvisit_x_Struct *x = g_new0(__org_qvisit_x_Struct, 1);
    MoreDerived *md = g_new0(MoreDerived, 1);
    Leveled *lv = g_new0(Leveled, 1);

    Scalars_check(scalars(0));
    Scalars_check(scalars(1));
    Optionals_check(g_new0(Optionals, 1));
    o->has_oi = o->has_ob = o->has_on = o->has_oc = true;
    o->oi = -7;
    o->ob = true;
    o->os = g_strdup("present");
    o->on = 2.5;
    o->oc = COLOUR_GREEN;
    o->has_ol = true;           /* present and empty */
    o->ost = scalars(1);
    o->has_ostrs = true;
    QAPI_LIST_PREPEND(o->ostrs, g_strdup("only"));
    Optionals_check(o);

    kw->q_if = 1;
    kw->q_default = g_strdup("d");
    kw->q_case = true;
    kw->a_b = 2;
    kw->__org_qvisit_x_m = 3;
    Keywords_check(kw);
    Empty_check(g_new0(Empty, 1));

    x->id = 9;
    x->__org_qvisit_x_member = COLOUR_RED;
    __org_qvisit_x_Struct_check(x);

    md->id = UINT32_MAX;
    md->name = g_strdup("base name");
    md->extra = g_strdup("derived");
    md->has_more = true;
    md->more = 5;
    ck_assert_ptr_eq(qapi_Derived_base(qapi_MoreDerived_base(md)),
                     (Base *)md);
    MoreDerived_check(md);

    lv->level = LEVEL_HIGH;
    QAPI_LIST_PREPEND(lv->levels, LEVEL_LOW);
    QAPI_LIST_PREPEND(lv->levels, LEVEL_HIGH);
    Leveled_check(lv);
}
END_TEST

START_TEST(test_lists)
{
    Lists *l = g_new0(Lists, 1);
    ScalarsList *sl = NULL;
    int i;

    Lists_check(g_new0(Lists, 1));
    for (i = 0; i < 4; i++) {
        Optionals *o = g_new0(Optionals, 1);

        QAPI_LIST_PREPEND(l->ints, INT64_MIN + i);
        QAPI_LIST_PREPEND(l->u8s, 255 - i);
        QAPI_LIST_PREPEND(l->strs, g_strdup_printf("s%d", i));
        QAPI_LIST_PREPEND(l->nums, i / 8.0);
        QAPI_LIST_PREPEND(l->bools, i & 1);
        QAPI_LIST_PREPEND(l->colours, (Colour)(i % COLOUR__MAX));
        QAPI_LIST_PREPEND(l->structs, scalars(i & 1));
        o->has_oi = i & 1;
        o->oi = i;
        QAPI_LIST_PREPEND(l->nested, o);
        QAPI_LIST_PREPEND(l->sizes, (uint64_t)i << 40);
        QAPI_LIST_PREPEND(sl, scalars(i & 1));
    }
    Lists_check(l);
    ScalarsList_check(sl);
}
END_TEST

START_TEST(test_unions)
{
    Figure *f = g_new0(Figure, 1);

    f->kind = SHAPE_CIRCLE;
    f->label = g_strdup("c");
    f->u.circle.radius = 10;
    Figure_check(f);

    f = g_new0(Figure, 1);
    f->kind = SHAPE_RECT;
    f->label = g_strdup("r");
    f->u.rect.w = 3;
    f->u.rect.h = UINT32_MAX;
    Figure_check(f);

    f = g_new0(Figure, 1);         /* a value without a branch */
    f->kind = SHAPE_POINT;
    f->label = g_strdup("p");
    Figure_check(f);

    f = g_new0(Figure, 1);         /* a union inside a union */
    f->kind = SHAPE_NESTED;
    f->label = g_strdup("n");
    f->u.nested.inner = INNER_KIND_A;
    f->u.nested.note = g_strdup("inner note");
    f->u.nested.u.a.radius = 1;
    Figure_check(f);

    f = g_new0(Figure, 1);
    f->kind = SHAPE_NESTED;
    f->label = g_strdup("");
    f->u.nested.inner = INNER_KIND_B;
    Figure_check(f);
}
END_TEST

START_TEST(test_alternates)
{
    AltAll *a;
    AltStr *as;
    AltEnumNum *en;
    AltUnion *au;
    Holder *h;
    Scalars *s;

    a = g_new0(AltAll, 1);
    a->type = QTYPE_QNUM;
    a->u.i = INT64_MIN;
    AltAll_check(a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QBOOL;
    a->u.b = true;
    AltAll_check(a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QNULL;
    a->u.n = qnull();
    AltAll_check(a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QDICT;
    s = scalars(0);
    a->u.o = *s;                /* the branch is embedded: move its members */
    g_free(s);
    AltAll_check(a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QLIST;
    QAPI_LIST_PREPEND(a->u.l, 42);
    AltAll_check(a);

    as = g_new0(AltStr, 1);
    as->type = QTYPE_QSTRING;
    as->u.s = g_strdup("a string");
    AltStr_check(as);
    as = g_new0(AltStr, 1);
    as->type = QTYPE_QDICT;
    as->u.o.radius = 7;
    AltStr_check(as);

    en = g_new0(AltEnumNum, 1);
    en->type = QTYPE_QSTRING;
    en->u.e = LEVEL_HIGH;
    AltEnumNum_check(en);
    en = g_new0(AltEnumNum, 1);
    en->type = QTYPE_QNUM;
    en->u.n = -0.125;
    AltEnumNum_check(en);

    au = g_new0(AltUnion, 1);
    au->type = QTYPE_QDICT;
    au->u.f.kind = SHAPE_RECT;
    au->u.f.label = g_strdup("in alt");
    au->u.f.u.rect.w = 1;
    AltUnion_check(au);
    au = g_new0(AltUnion, 1);
    au->type = QTYPE_QNUM;
    au->u.u = 200;
    AltUnion_check(au);

    h = g_new0(Holder, 1);
    h->a = g_new0(AltAll, 1);
    h->a->type = QTYPE_QBOOL;
    h->oa = g_new0(AltEnumNum, 1);
    h->oa->type = QTYPE_QNUM;
    h->oa->u.n = 1.0;
    QAPI_LIST_PREPEND(h->alts, g_new0(AltAll, 1));
    h->alts->value->type = QTYPE_QNUM;
    QAPI_LIST_PREPEND(h->alts, g_new0(AltAll, 1));
    h->alts->value->type = QTYPE_QNULL;
    h->alts->value->u.n = qnull();
    h->as = g_new0(AltStr, 1);
    h->as->type = QTYPE_QSTRING;
    h->as->u.s = g_strdup("");
    h->au = g_new0(AltUnion, 1);
    h->au->type = QTYPE_QNUM;
    Holder_check(h);
}
END_TEST

START_TEST(test_conditionals)
{
    CondStruct *c = g_new0(CondStruct, 1);
    CondAlt *ca = g_new0(CondAlt, 1);

    c->always = 1;
    c->sometimes = 2;           /* QV_TEST_COND is defined for this test */
    c->unless = true;           /* QV_TEST_OFF is not */
    CondStruct_check(c);
    ca->type = QTYPE_QDICT;
    ca->u.p.radius = 4;
    CondAlt_check(ca);
    ck_assert_int_eq(COND_ENUM__MAX, 2);
    ck_assert_str_eq(CondEnum_str(COND_ENUM_SOMETIMES), "sometimes");
}
END_TEST

static Featured *featured(void)
{
    Featured *f = g_new0(Featured, 1);

    f->plain = 1;
    f->old = 2;
    f->fresh = g_strdup("new");
    f->has_both = true;
    f->both = true;
    f->custom = 3;
    return f;
}

static char *der_hex(Featured *f, CompatPolicy *policy)
{
    GByteArray *bytes = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &bytes);
    char *hex;

    if (policy) {
        visit_set_policy(v, policy);
    }
    ck_assert(visit_type_Featured(v, NULL, &f, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);
    hex = g_malloc(bytes->len * 2 + 1);
    for (guint i = 0; i < bytes->len; i++) {
        sprintf(hex + 2 * i, "%02x", bytes->data[i]);
    }
    g_byte_array_unref(bytes);
    return hex;
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
    Featured *f = featured(), *out = NULL;
    GByteArray *bytes = NULL;
    Error *err = NULL;
    char *hex;
    Visitor *v;

    Featured_check(featured());
    /* SEQUENCE { plain 1, old 2, fresh "new", [3] both TRUE, custom 3 } */
    hex = der_hex(f, NULL);
    ck_assert_str_eq(hex, "3011020101020102""0c036e6577""8301ff""020103");
    g_free(hex);
    /* deprecated-output=hide drops 'old' and 'both' (deprecated too). */
    hex = der_hex(f, &hide);
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

static Suite *qvisit_gen_suite(void)
{
    Suite *s = suite_create("qvisit-gen");
    TCase *tc = tcase_create("generated");

    tcase_add_test(tc, test_structs);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_unions);
    tcase_add_test(tc, test_alternates);
    tcase_add_test(tc, test_conditionals);
    tcase_add_test(tc, test_features);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(qvisit_gen_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
