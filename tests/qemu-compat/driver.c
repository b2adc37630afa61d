/*
 * Code from QEMU's own qapi-gen, for QEMU's own test schema, built with
 * nothing but the flags `pkg-config --cflags --libs qvisit` gives, and run
 * through every qvisit visitor: JSON, DER, CER and BER round trips, clone,
 * g_autoptr, and the member-level compatibility policy. Run by
 * test-qapi-gen-compat.sh, which generates test-qapi-*.[ch] first.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/clone-visitor.h"
#include "qapi/compat-policy.h"
#include "qobject/qnull.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"
#include "test-qapi-types.h"
#include "test-qapi-visit.h"

static const BERMode ber_modes[] = { BER_MODE_DER, BER_MODE_CER, BER_MODE_BER };

/*
 * For each type: JSON text of a value (the comparison key), round trips
 * through JSON and each BER mode, and a check comparing every copy's JSON
 * with the original's, then clone and g_autoptr.
 */
#define DEFINE_ROUNDTRIP(T)                                                 \
static char *T##_to_json(T *obj)                                            \
{                                                                           \
    char *text = NULL;                                                      \
    Visitor *v = json_output_visitor_new(false, &text);                     \
                                                                            \
    g_assert_true(visit_type_##T(v, NULL, &obj, &error_abort));             \
    visit_complete(v, &text);                                               \
    visit_free(v);                                                          \
    return text;                                                            \
}                                                                           \
                                                                            \
static T *T##_via_json(T *obj)                                              \
{                                                                           \
    char *text = T##_to_json(obj);                                          \
    Visitor *v = json_input_visitor_new(text, &error_abort);                \
    T *copy = NULL;                                                         \
                                                                            \
    g_assert_true(visit_type_##T(v, NULL, &copy, &error_abort));            \
    visit_free(v);                                                          \
    g_free(text);                                                           \
    return copy;                                                            \
}                                                                           \
                                                                            \
static T *T##_via_ber(T *obj, BERMode mode)                                 \
{                                                                           \
    GByteArray *bytes = NULL;                                               \
    Visitor *v = ber_output_visitor_new(mode, &bytes);                      \
    T *copy = NULL;                                                         \
                                                                            \
    g_assert_true(visit_type_##T(v, NULL, &obj, &error_abort));             \
    visit_complete(v, &bytes);                                              \
    visit_free(v);                                                          \
    v = ber_input_visitor_new(bytes->data, bytes->len, mode);               \
    g_assert_true(visit_type_##T(v, NULL, &copy, &error_abort));            \
    g_assert_true(ber_input_visitor_finish(v, &error_abort));               \
    visit_free(v);                                                          \
    g_byte_array_unref(bytes);                                              \
    return copy;                                                            \
}                                                                           \
                                                                            \
static void T##_check_copy(const char *want, T *copy)                       \
{                                                                           \
    char *got = T##_to_json(copy);                                          \
                                                                            \
    g_assert_cmpstr(got, ==, want);                                         \
    g_free(got);                                                            \
    qapi_free_##T(copy);                                                    \
}                                                                           \
                                                                            \
static void T##_roundtrip(T *obj)                                           \
{                                                                           \
    char *want = T##_to_json(obj);                                          \
    size_t i;                                                               \
                                                                            \
    T##_check_copy(want, T##_via_json(obj));                                \
    for (i = 0; i < G_N_ELEMENTS(ber_modes); i++) {                         \
        T##_check_copy(want, T##_via_ber(obj, ber_modes[i]));               \
    }                                                                       \
    T##_check_copy(want, QAPI_CLONE(T, obj));                               \
    {                                                                       \
        g_autoptr(T) scoped = QAPI_CLONE(T, obj);                           \
        g_assert_nonnull(scoped);                                           \
    }                                                                       \
    g_free(want);                                                           \
    qapi_free_##T(obj);                                                     \
}

DEFINE_ROUNDTRIP(UserDefOne)
DEFINE_ROUNDTRIP(UserDefTwo)
DEFINE_ROUNDTRIP(UserDefFlatUnion)
DEFINE_ROUNDTRIP(UserDefAlternate)
DEFINE_ROUNDTRIP(AltEnumBool)
DEFINE_ROUNDTRIP(ArrayStruct)
DEFINE_ROUNDTRIP(UserDefOptions)
DEFINE_ROUNDTRIP(__org_qemu_x_Union)
DEFINE_ROUNDTRIP(UserDefOneList)

static UserDefOne *new_one(int64_t i, const char *s, bool has_enum)
{
    UserDefOne *one = g_new0(UserDefOne, 1);

    one->integer = i;
    one->string = g_strdup(s);
    one->has_enum1 = has_enum;
    one->enum1 = ENUM_ONE_VALUE3;
    return one;
}

static void test_structs(void)
{
    UserDefTwo *two = g_new0(UserDefTwo, 1);

    UserDefOne_roundtrip(new_one(-42, "hello", true));
    UserDefOne_roundtrip(new_one(INT64_MAX, "", false));

    two->string0 = g_strdup("zero");
    two->dict1 = g_new0(UserDefTwoDict, 1);
    two->dict1->string1 = g_strdup("one");
    two->dict1->dict2 = g_new0(UserDefTwoDictDict, 1);
    two->dict1->dict2->userdef = new_one(1, "nested", true);
    two->dict1->dict2->string = g_strdup("two");
    two->dict1->dict3 = g_new0(UserDefTwoDictDict, 1);
    two->dict1->dict3->userdef = new_one(2, "nested too", false);
    two->dict1->dict3->string = g_strdup("three");
    UserDefTwo_roundtrip(two);
}

static void test_flat_union(void)
{
    UserDefFlatUnion *u = g_new0(UserDefFlatUnion, 1);
    __org_qemu_x_Union *x = g_new0(__org_qemu_x_Union, 1);

    u->integer = 7;
    u->string = g_strdup("base");
    u->enum1 = ENUM_ONE_VALUE1;
    u->u.value1.boolean = true;
    u->u.value1.has_a_b = true;
    u->u.value1.a_b = -1;
    UserDefFlatUnion_roundtrip(u);

    u = g_new0(UserDefFlatUnion, 1);
    u->string = g_strdup("b");
    u->enum1 = ENUM_ONE_VALUE2;
    u->u.value2.intb = 99;
    UserDefFlatUnion_roundtrip(u);

    x->__org_qemu_x_member1 = ORG_QEMU_X_ENUM___ORG_QEMU_X_VALUE;
    x->u.__org_qemu_x_value.array = g_new0(__org_qemu_x_UnionList, 1);
    x->u.__org_qemu_x_value.array->value =
        g_new0(__org_qemu_x_Union, 1);
    x->u.__org_qemu_x_value.array->value->__org_qemu_x_member1 =
        ORG_QEMU_X_ENUM___ORG_QEMU_X_VALUE;
    __org_qemu_x_Union_roundtrip(x);
}

static void test_alternates(void)
{
    UserDefAlternate *a = g_new0(UserDefAlternate, 1);
    AltEnumBool *eb = g_new0(AltEnumBool, 1);

    a->type = QTYPE_QNUM;
    a->u.i = -5;
    UserDefAlternate_roundtrip(a);

    a = g_new0(UserDefAlternate, 1);
    a->type = QTYPE_QSTRING;
    a->u.e = ENUM_ONE_VALUE4;
    UserDefAlternate_roundtrip(a);

    a = g_new0(UserDefAlternate, 1);
    a->type = QTYPE_QNULL;
    a->u.n = qnull();
    UserDefAlternate_roundtrip(a);

    a = g_new0(UserDefAlternate, 1);
    a->type = QTYPE_QDICT;
    a->u.udfu.string = g_strdup("in an alternate");
    a->u.udfu.enum1 = ENUM_ONE_VALUE3;
    a->u.udfu.u.value3.intb = 3;
    UserDefAlternate_roundtrip(a);

    eb->type = QTYPE_QBOOL;
    eb->u.b = true;
    AltEnumBool_roundtrip(eb);
}

static void test_lists(void)
{
    ArrayStruct *s = g_new0(ArrayStruct, 1);
    UserDefOptions *o = g_new0(UserDefOptions, 1);
    UserDefOneList *l = NULL;
    int i;

    for (i = 0; i < 3; i++) {
        QAPI_LIST_PREPEND(s->integer, i - 1);
        QAPI_LIST_PREPEND(s->s8, INT8_MIN + i);
        QAPI_LIST_PREPEND(s->s16, INT16_MAX - i);
        QAPI_LIST_PREPEND(s->s32, INT32_MIN + i);
        QAPI_LIST_PREPEND(s->s64, INT64_MIN + i);
        QAPI_LIST_PREPEND(s->u8, UINT8_MAX - i);
        QAPI_LIST_PREPEND(s->u16, i);
        QAPI_LIST_PREPEND(s->u32, UINT32_MAX - i);
        QAPI_LIST_PREPEND(s->u64, UINT64_MAX - i);
        QAPI_LIST_PREPEND(s->number, i * 0.25);
        QAPI_LIST_PREPEND(s->boolean, i & 1);
        QAPI_LIST_PREPEND(s->string, g_strdup_printf("s%d", i));
        QAPI_LIST_PREPEND(s->user, STATUS_GOOD);
        QAPI_LIST_PREPEND(l, new_one(i, "listed", i & 1));
    }
    s->has_sz = true;
    QAPI_LIST_PREPEND(s->sz, 4096);
    s->has_user = true;
    /* An empty anyList is the only one a visitor can take (no QObject). */
    s->has_any = false;
    g_assert_cmpuint(QAPI_LIST_LENGTH(s->string), ==, 3);
    ArrayStruct_roundtrip(s);
    UserDefOneList_roundtrip(l);

    o->has_u16 = true;
    QAPI_LIST_PREPEND(o->u16, 65535);
    o->has_u64x = true;
    o->u64x = UINT64_MAX;
    UserDefOptions_roundtrip(o);
}

/* With deprecated-output=hide the member is not written by any encoder. */
static void test_policy_output_hide(void)
{
    CompatPolicy policy = {
        .has_deprecated_output = true,
        .deprecated_output = COMPAT_POLICY_OUTPUT_HIDE,
    };
    FeatureStruct1 fs = { .foo = 42 }, *p = &fs;
    GByteArray *bytes = NULL;
    char *text = NULL;
    Visitor *v;

    v = ber_output_visitor_new(BER_MODE_DER, &bytes);
    visit_set_policy(v, &policy);
    g_assert_true(visit_type_FeatureStruct1(v, NULL, &p, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);
    g_assert_cmpuint(bytes->len, ==, 2);
    g_assert_cmpuint(bytes->data[0], ==, 0x30);
    g_assert_cmpuint(bytes->data[1], ==, 0x00);
    g_byte_array_unref(bytes);

    v = json_output_visitor_new(false, &text);
    visit_set_policy(v, &policy);
    g_assert_true(visit_type_FeatureStruct1(v, NULL, &p, &error_abort));
    visit_complete(v, &text);
    visit_free(v);
    g_assert_cmpstr(text, ==, "{}");
    g_free(text);
}

/* With unstable-input=reject, decoding a member marked unstable fails. */
static void test_policy_input_reject(void)
{
    CompatPolicy policy = {
        .has_unstable_input = true,
        .unstable_input = COMPAT_POLICY_INPUT_REJECT,
    };
    FeatureStruct2 fs = { .foo = 42 }, *p = &fs, *out = NULL;
    GByteArray *bytes = NULL;
    Error *err = NULL;
    Visitor *v;

    v = ber_output_visitor_new(BER_MODE_DER, &bytes);
    g_assert_true(visit_type_FeatureStruct2(v, NULL, &p, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);

    v = ber_input_visitor_new(bytes->data, bytes->len, BER_MODE_DER);
    visit_set_policy(v, &policy);
    g_assert_false(visit_type_FeatureStruct2(v, NULL, &out, &err));
    g_assert_null(out);
    g_assert_cmpstr(error_get_pretty(err), ==,
                    "Unstable parameter foo disabled by policy");
    error_free(err);
    visit_free(v);

    /* Accepted under the default policy. */
    v = ber_input_visitor_new(bytes->data, bytes->len, BER_MODE_DER);
    g_assert_true(visit_type_FeatureStruct2(v, NULL, &out, &error_abort));
    g_assert_cmpint(out->foo, ==, 42);
    qapi_free_FeatureStruct2(out);
    visit_free(v);
    g_byte_array_unref(bytes);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/qapi-gen/structs", test_structs);
    g_test_add_func("/qapi-gen/flat-union", test_flat_union);
    g_test_add_func("/qapi-gen/alternates", test_alternates);
    g_test_add_func("/qapi-gen/lists", test_lists);
    g_test_add_func("/qapi-gen/policy/output-hide", test_policy_output_hide);
    g_test_add_func("/qapi-gen/policy/input-reject", test_policy_input_reject);
    return g_test_run();
}
