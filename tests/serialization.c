/*
 * tests/serialization.c: the round-trip cases of serialization.h, run
 * through every registered visitor implementation, plus clone and dealloc
 * checks on the same types.
 */
#include "config.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "qapi/clone-visitor.h"
#include "qapi/dealloc-visitor.h"
#include "qapi/qapi-builtin-visit.h"
#include "tests/serialization.h"
#include "tests/test-qapi-types.h"

static const SerializeOps *const *g_ops;
static size_t g_n_ops;

/* Encode @native_in with @ops, decode it into *@native_out. */
static void roundtrip(const SerializeOps *ops, void *native_in,
                      void **native_out, VisitorFunc visit)
{
    void *data = NULL;

    ops->serialize(native_in, &data, visit, &error_abort);
    ops->deserialize(native_out, data, visit, &error_abort);
    ops->cleanup(data);
}

static bool same_double(double a, double b)
{
    if (isnan(a) || isnan(b)) {
        return isnan(a) && isnan(b);
    }
    /* Bit for bit, so that -0.0 differs from 0.0. */
    return memcmp(&a, &b, sizeof(a)) == 0;
}

static bool has_caps(const SerializeOps *ops, unsigned caps)
{
    return (ops->caps & caps) == caps;
}

/*** Primitives ***/

typedef enum PrimitiveKind {
    PTYPE_STRING,
    PTYPE_BOOLEAN,
    PTYPE_NUMBER,
    PTYPE_INTEGER,
    PTYPE_U8,
    PTYPE_U16,
    PTYPE_U32,
    PTYPE_U64,
    PTYPE_S8,
    PTYPE_S16,
    PTYPE_S32,
    PTYPE_S64,
    PTYPE_SIZE,
    PTYPE_ENUM,
} PrimitiveKind;

typedef struct PrimitiveType {
    union {
        char *string;
        bool boolean;
        double number;
        int64_t integer;
        uint8_t u8;
        uint16_t u16;
        uint32_t u32;
        uint64_t u64;
        int8_t s8;
        int16_t s16;
        int32_t s32;
        int64_t s64;
        uint64_t size;
        TestEnum enumeration;
    } value;
    PrimitiveKind type;
    unsigned caps;              /* needed by this value */
} PrimitiveType;

#define PSTR(s) { .value.string = (char *)(s), .type = PTYPE_STRING }
#define PNUM(d, c) { .value.number = (d), .type = PTYPE_NUMBER, .caps = (c) }
#define PINT(field, kind, v) { .value.field = (v), .type = (kind) }
/* For every width: +-1, MIN, MAX, MAX/2+1 (QEMU's set), and 0. */
#define PSIGNED(field, kind, min, max)                                  \
    PINT(field, kind, -1), PINT(field, kind, 1), PINT(field, kind, 0),  \
    PINT(field, kind, min), PINT(field, kind, max),                     \
    PINT(field, kind, (max) / 2 + 1)
#define PUNSIGNED(field, kind, max)                                     \
    PINT(field, kind, 1), PINT(field, kind, 0), PINT(field, kind, max), \
    PINT(field, kind, (max) / 2 + 1), PINT(field, kind, (max) - 1)

static const PrimitiveType primitives[] = {
    PSTR(""),
    PSTR(" "),
    PSTR("  leading and trailing  "),
    PSTR("\n"),
    PSTR("new\nlines\r\n"),
    PSTR(","),
    PSTR("a,b,,c"),
    PSTR("\""),
    PSTR("\"quoted\" 'single'"),
    PSTR("\\"),
    PSTR("back\\slash\\n"),
    PSTR("non-ASCII: \xc3\xa9\xc3\xbc\xc3\x9f \xe6\x97\xa5\xe6\x9c\xac "
         "\xf0\x9f\x98\x80 \xe2\x80\xa8"),
    PSTR("control: \x01\x02\x08\x0c\x1b\x1f\x7f\t"),
    PSTR("{\"json\": [1, 2]} /slash/ <tag> &amp;"),
    { .value.boolean = true, .type = PTYPE_BOOLEAN },
    { .value.boolean = false, .type = PTYPE_BOOLEAN },
    PNUM(-1, 0),
    PNUM(3.141593, 0),
    PNUM(DBL_MIN, 0),
    PNUM(DBL_MAX, 0),
    PNUM(-DBL_MAX, 0),
    PNUM(0.0, 0),
    PNUM(-0.0, VCAP_NEG_ZERO),
    PNUM(0.1, 0),
    PNUM(1.0 / 3.0, 0),
    PNUM(4.9406564584124654e-324, 0),     /* the smallest subnormal */
    PNUM(9007199254740993.0, 0),          /* 2^53 + 1 rounds to 2^53 */
    PNUM(1e22, 0),
    PNUM(123456789.0, 0),
    PNUM(INFINITY, VCAP_NAN_INF),
    PNUM(-INFINITY, VCAP_NAN_INF),
    PNUM(NAN, VCAP_NAN_INF),
    PSIGNED(integer, PTYPE_INTEGER, INT64_MIN, INT64_MAX),
    PSIGNED(s8, PTYPE_S8, INT8_MIN, INT8_MAX),
    PSIGNED(s16, PTYPE_S16, INT16_MIN, INT16_MAX),
    PSIGNED(s32, PTYPE_S32, INT32_MIN, INT32_MAX),
    PSIGNED(s64, PTYPE_S64, INT64_MIN, INT64_MAX),
    PUNSIGNED(u8, PTYPE_U8, UINT8_MAX),
    PUNSIGNED(u16, PTYPE_U16, UINT16_MAX),
    PUNSIGNED(u32, PTYPE_U32, UINT32_MAX),
    PUNSIGNED(u64, PTYPE_U64, UINT64_MAX),
    PUNSIGNED(size, PTYPE_SIZE, UINT64_MAX),
    { .value.enumeration = TEST_ENUM_ZERO, .type = PTYPE_ENUM },
    { .value.enumeration = TEST_ENUM_ONE, .type = PTYPE_ENUM },
    { .value.enumeration = TEST_ENUM_TWO, .type = PTYPE_ENUM },
    { .value.enumeration = TEST_ENUM_THREE_FOUR, .type = PTYPE_ENUM },
};

static bool visit_primitive_type(Visitor *v, void **native, Error **errp)
{
    PrimitiveType *pt = *native;

    switch (pt->type) {
    case PTYPE_STRING:
        return visit_type_str(v, NULL, &pt->value.string, errp);
    case PTYPE_BOOLEAN:
        return visit_type_bool(v, NULL, &pt->value.boolean, errp);
    case PTYPE_NUMBER:
        return visit_type_number(v, NULL, &pt->value.number, errp);
    case PTYPE_INTEGER:
        return visit_type_int(v, NULL, &pt->value.integer, errp);
    case PTYPE_U8:
        return visit_type_uint8(v, NULL, &pt->value.u8, errp);
    case PTYPE_U16:
        return visit_type_uint16(v, NULL, &pt->value.u16, errp);
    case PTYPE_U32:
        return visit_type_uint32(v, NULL, &pt->value.u32, errp);
    case PTYPE_U64:
        return visit_type_uint64(v, NULL, &pt->value.u64, errp);
    case PTYPE_S8:
        return visit_type_int8(v, NULL, &pt->value.s8, errp);
    case PTYPE_S16:
        return visit_type_int16(v, NULL, &pt->value.s16, errp);
    case PTYPE_S32:
        return visit_type_int32(v, NULL, &pt->value.s32, errp);
    case PTYPE_S64:
        return visit_type_int64(v, NULL, &pt->value.s64, errp);
    case PTYPE_SIZE:
        return visit_type_size(v, NULL, &pt->value.size, errp);
    case PTYPE_ENUM:
        return visit_type_TestEnum(v, NULL, &pt->value.enumeration, errp);
    }
    g_assert_not_reached();
}

static char *describe_primitive(const PrimitiveType *pt)
{
    switch (pt->type) {
    case PTYPE_STRING:
        return g_strescape(pt->value.string, NULL);
    case PTYPE_BOOLEAN:
        return g_strdup(pt->value.boolean ? "true" : "false");
    case PTYPE_NUMBER:
        return g_strdup_printf("number %.17g", pt->value.number);
    case PTYPE_INTEGER:
    case PTYPE_S64:
        return g_strdup_printf("int64 %" PRId64, pt->value.s64);
    case PTYPE_U8:
        return g_strdup_printf("uint8 %u", pt->value.u8);
    case PTYPE_U16:
        return g_strdup_printf("uint16 %u", pt->value.u16);
    case PTYPE_U32:
        return g_strdup_printf("uint32 %" PRIu32, pt->value.u32);
    case PTYPE_U64:
    case PTYPE_SIZE:
        return g_strdup_printf("uint64 %" PRIu64, pt->value.u64);
    case PTYPE_S8:
        return g_strdup_printf("int8 %d", pt->value.s8);
    case PTYPE_S16:
        return g_strdup_printf("int16 %d", pt->value.s16);
    case PTYPE_S32:
        return g_strdup_printf("int32 %" PRId32, pt->value.s32);
    case PTYPE_ENUM:
        return g_strdup_printf("enum %s", TestEnum_str(pt->value.enumeration));
    }
    g_assert_not_reached();
}

static bool primitive_equal(const PrimitiveType *a, const PrimitiveType *b)
{
    switch (a->type) {
    case PTYPE_STRING:
        return strcmp(a->value.string, b->value.string) == 0;
    case PTYPE_BOOLEAN:
        return a->value.boolean == b->value.boolean;
    case PTYPE_NUMBER:
        return same_double(a->value.number, b->value.number);
    case PTYPE_INTEGER:
    case PTYPE_S64:
        return a->value.s64 == b->value.s64;
    case PTYPE_U8:
        return a->value.u8 == b->value.u8;
    case PTYPE_U16:
        return a->value.u16 == b->value.u16;
    case PTYPE_U32:
        return a->value.u32 == b->value.u32;
    case PTYPE_U64:
    case PTYPE_SIZE:
        return a->value.u64 == b->value.u64;
    case PTYPE_S8:
        return a->value.s8 == b->value.s8;
    case PTYPE_S16:
        return a->value.s16 == b->value.s16;
    case PTYPE_S32:
        return a->value.s32 == b->value.s32;
    case PTYPE_ENUM:
        return a->value.enumeration == b->value.enumeration;
    }
    g_assert_not_reached();
}

static void run_primitive(const SerializeOps *ops, size_t index)
{
    PrimitiveType in = primitives[index];
    PrimitiveType *out = g_new0(PrimitiveType, 1);
    char *what;

    if (!has_caps(ops, in.caps)) {
        g_free(out);
        return;
    }
    out->type = in.type;
    roundtrip(ops, &in, (void **)&out, visit_primitive_type);
    what = describe_primitive(&in);
    ck_assert_msg(primitive_equal(&in, out), "%s: %s did not round-trip",
                  ops->name, what);
    g_free(what);
    if (out->type == PTYPE_STRING) {
        g_free(out->value.string);
    }
    g_free(out);
}

/*** Lists of primitives (32 elements) ***/

#define LIST_LEN 32

static int64_t list_bits(int i)
{
    /* Spread over the whole range, both signs, for every width. */
    return (int64_t)((uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull);
}

#define GEN_INT(ctype) (ctype)list_bits(i)
#define EQ_SCALAR(a, b) ((a) == (b))
#define EQ_STR(a, b) (strcmp((a), (b)) == 0)
#define EQ_NUMBER(a, b) same_double((a), (b))

#define DEFINE_LIST_CASE(T, gen, eq)                                        \
    static bool visit_##T##List_native(Visitor *v, void **native,          \
                                       Error **errp)                       \
    {                                                                      \
        return visit_type_##T##List(v, NULL, (T##List **)native, errp);    \
    }                                                                      \
                                                                           \
    static void run_##T##_list(const SerializeOps *ops, size_t empty)      \
    {                                                                      \
        T##List *in = NULL, **tail = &in, *out = NULL, *a, *b;             \
        int i, n;                                                          \
                                                                           \
        for (i = 0; !empty && i < LIST_LEN; i++) {                         \
            QAPI_LIST_APPEND(tail, gen);                                   \
        }                                                                  \
        roundtrip(ops, in, (void **)&out, visit_##T##List_native);         \
        for (a = in, b = out, n = 0; a && b; a = a->next, b = b->next) {   \
            ck_assert_msg(eq(a->value, b->value),                          \
                          "%s: " #T "List element %d differs",             \
                          ops->name, n);                                   \
            n++;                                                           \
        }                                                                  \
        ck_assert_msg(!a && !b, "%s: " #T "List length differs after %d",  \
                      ops->name, n);                                       \
        qapi_free_##T##List(in);                                           \
        qapi_free_##T##List(out);                                          \
    }

DEFINE_LIST_CASE(int, GEN_INT(int64_t), EQ_SCALAR)
DEFINE_LIST_CASE(int8, GEN_INT(int8_t), EQ_SCALAR)
DEFINE_LIST_CASE(int16, GEN_INT(int16_t), EQ_SCALAR)
DEFINE_LIST_CASE(int32, GEN_INT(int32_t), EQ_SCALAR)
DEFINE_LIST_CASE(int64, GEN_INT(int64_t), EQ_SCALAR)
DEFINE_LIST_CASE(uint8, GEN_INT(uint8_t), EQ_SCALAR)
DEFINE_LIST_CASE(uint16, GEN_INT(uint16_t), EQ_SCALAR)
DEFINE_LIST_CASE(uint32, GEN_INT(uint32_t), EQ_SCALAR)
DEFINE_LIST_CASE(uint64, GEN_INT(uint64_t), EQ_SCALAR)
DEFINE_LIST_CASE(size, GEN_INT(uint64_t), EQ_SCALAR)
DEFINE_LIST_CASE(bool, (i % 3 == 0), EQ_SCALAR)
DEFINE_LIST_CASE(str, g_strdup_printf("str %d, \"%c\"\n", i, 'a' + i % 26),
                 EQ_STR)
DEFINE_LIST_CASE(number, (i / 3.0 - 5.0) * (i % 2 ? 1e10 : 1e-10),
                 EQ_NUMBER)
DEFINE_LIST_CASE(TestEnum, (TestEnum)(i % TEST_ENUM__MAX), EQ_SCALAR)

typedef void (*ListCase)(const SerializeOps *ops, size_t empty);

static const ListCase list_cases[] = {
    run_int_list, run_int8_list, run_int16_list, run_int32_list,
    run_int64_list, run_uint8_list, run_uint16_list, run_uint32_list,
    run_uint64_list, run_size_list, run_bool_list, run_str_list,
    run_number_list, run_TestEnum_list,
};

static void run_primitive_list(const SerializeOps *ops, size_t index)
{
    list_cases[index](ops, false);
}

/*** Empty lists ***/

static bool visit_TestNestedList_native(Visitor *v, void **native,
                                        Error **errp)
{
    return visit_type_TestNestedList(v, NULL, (TestNestedList **)native,
                                     errp);
}

static void run_empty_list(const SerializeOps *ops, size_t index)
{
    if (index < G_N_ELEMENTS(list_cases)) {
        list_cases[index](ops, true);
    } else {
        TestNestedList *out = NULL;

        roundtrip(ops, NULL, (void **)&out, visit_TestNestedList_native);
        ck_assert_msg(out == NULL, "%s: empty TestNestedList came back "
                      "non-empty", ops->name);
    }
}

/*** Structs ***/

static bool visit_TestFlat_native(Visitor *v, void **native, Error **errp)
{
    return visit_type_TestFlat(v, NULL, (TestFlat **)native, errp);
}

static TestFlat *flat_extreme(bool max)
{
    TestFlat *f = g_new0(TestFlat, 1);

    f->i8 = max ? INT8_MAX : INT8_MIN;
    f->i16 = max ? INT16_MAX : INT16_MIN;
    f->i32 = max ? INT32_MAX : INT32_MIN;
    f->i64 = max ? INT64_MAX : INT64_MIN;
    f->u8 = max ? UINT8_MAX : 0;
    f->u16 = max ? UINT16_MAX : 0;
    f->u32 = max ? UINT32_MAX : 0;
    f->u64 = max ? UINT64_MAX : 0;
    f->integer = max ? INT64_MAX : INT64_MIN;
    f->sz = max ? UINT64_MAX : 0;
    f->flag = max;
    f->str = g_strdup(max ? "\xf4\x8f\xbf\xbf" : "");
    f->num = max ? DBL_MAX : -DBL_MAX;
    return f;
}

static void run_flat_struct(const SerializeOps *ops, size_t index)
{
    TestFlat *in, *out = NULL;

    in = index < 2 ? flat_extreme(index) : test_flat_new((int)index * 7);
    roundtrip(ops, in, (void **)&out, visit_TestFlat_native);
    ck_assert_msg(test_flat_equal(in, out), "%s: TestFlat #%zu differs",
                  ops->name, index);
    qapi_free_TestFlat(in);
    qapi_free_TestFlat(out);
}

static bool visit_TestNested_native(Visitor *v, void **native, Error **errp)
{
    return visit_type_TestNested(v, NULL, (TestNested **)native, errp);
}

static void run_nested_struct(const SerializeOps *ops, size_t index)
{
    bool with_optional = index & 1;
    TestNested *in = test_nested_new((int)index + 3, with_optional);
    TestNested *out = NULL;

    roundtrip(ops, in, (void **)&out, visit_TestNested_native);
    ck_assert_msg(test_nested_equal(in, out),
                  "%s: TestNested with optional members %s differs",
                  ops->name, with_optional ? "present" : "absent");
    ck_assert(out->has_count == with_optional);
    ck_assert((out->extra != NULL) == with_optional);
    ck_assert((out->comment != NULL) == with_optional);
    qapi_free_TestNested(in);
    qapi_free_TestNested(out);
}

static void run_nested_list(const SerializeOps *ops, size_t index)
{
    TestNestedList *in = NULL, **tail = &in, *out = NULL;

    for (int i = 0; i < 8; i++) {
        QAPI_LIST_APPEND(tail, test_nested_new(i, i % 2));
    }
    roundtrip(ops, in, (void **)&out, visit_TestNestedList_native);
    ck_assert_msg(test_nested_list_equal(in, out),
                  "%s: list of 8 TestNested differs", ops->name);
    qapi_free_TestNestedList(in);
    qapi_free_TestNestedList(out);
}

/*** Alternates ***/

static bool visit_TestAlternate_native(Visitor *v, void **native,
                                       Error **errp)
{
    return visit_type_TestAlternate(v, NULL, (TestAlternate **)native, errp);
}

static bool visit_TestAltScalar_native(Visitor *v, void **native,
                                       Error **errp)
{
    return visit_type_TestAltScalar(v, NULL, (TestAltScalar **)native, errp);
}

#define N_ALTERNATE_CASES 14

static void run_alternate(const SerializeOps *ops, size_t index)
{
    TestAlternate alt = { 0 };
    TestAltScalar scalar = { 0 };
    bool is_scalar = index >= 7;

    if (!has_caps(ops, VCAP_ALTERNATE)) {
        return;
    }
    switch (index) {
    case 0: case 1: case 2: case 3:
        alt.type = QTYPE_QNUM;
        alt.u.i = (int64_t[]){ 0, -1, INT64_MIN, INT64_MAX }[index];
        break;
    case 4: case 5:
        alt.type = QTYPE_QSTRING;
        alt.u.s = (char *)(index == 4 ? "" : "a string, \"quoted\"");
        break;
    case 6:
        alt.type = QTYPE_QDICT;
        alt.u.p.x = -42;
        alt.u.p.y = INT64_MAX;
        break;
    case 7: case 8: case 9:
        scalar.type = QTYPE_QNUM;
        scalar.u.n = (double[]){ 1.5, DBL_MAX, -DBL_MIN }[index - 7];
        break;
    case 10:
        if (!has_caps(ops, VCAP_NEG_ZERO)) {
            return;
        }
        scalar.type = QTYPE_QNUM;
        scalar.u.n = -0.0;
        break;
    case 11: case 12:
        scalar.type = QTYPE_QBOOL;
        scalar.u.b = index == 11;
        break;
    case 13:
        if (!has_caps(ops, VCAP_NULL)) {
            return;
        }
        scalar.type = QTYPE_QNULL;
        scalar.u.null = qnull();
        break;
    default:
        g_assert_not_reached();
    }

    if (is_scalar) {
        TestAltScalar *out = NULL;

        roundtrip(ops, &scalar, (void **)&out, visit_TestAltScalar_native);
        ck_assert_msg(test_alt_scalar_equal(&scalar, out),
                      "%s: TestAltScalar #%zu (%s) differs", ops->name,
                      index, QType_str(scalar.type));
        qapi_free_TestAltScalar(out);
        if (scalar.type == QTYPE_QNULL) {
            qnull_unref(scalar.u.null);
        }
    } else {
        TestAlternate *out = NULL;

        roundtrip(ops, &alt, (void **)&out, visit_TestAlternate_native);
        ck_assert_msg(test_alternate_equal(&alt, out),
                      "%s: TestAlternate #%zu (%s) differs", ops->name,
                      index, QType_str(alt.type));
        qapi_free_TestAlternate(out);
    }
}

/*** Null ***/

static bool visit_null_native(Visitor *v, void **native, Error **errp)
{
    return visit_type_null(v, NULL, (QNull **)native, errp);
}

static void run_null(const SerializeOps *ops, size_t index)
{
    QNull *in = qnull();
    QNull *out = NULL;

    if (has_caps(ops, VCAP_NULL)) {
        roundtrip(ops, in, (void **)&out, visit_null_native);
        ck_assert_msg(out != NULL, "%s: null did not round-trip", ops->name);
        qnull_unref(out);
    }
    qnull_unref(in);
}

/*** Byte strings ***/

static const size_t bytes_sizes[] = { 0, 1, 2, 3, 4, 5, 255, 4096, 1 << 20 };

static bool visit_TestBytes_native(Visitor *v, void **native, Error **errp)
{
    return visit_type_TestBytes(v, NULL, (TestBytes **)native, errp);
}

static void run_bytes(const SerializeOps *ops, size_t index)
{
    TestBytes in = { .data_len = bytes_sizes[index] };
    TestBytes *out = NULL;

    if (!has_caps(ops, VCAP_BYTES)) {
        return;
    }
    in.data = in.data_len ? g_malloc(in.data_len) : NULL;
    for (size_t i = 0; i < in.data_len; i++) {
        in.data[i] = (uint8_t)(i * 31 + 7);
    }
    roundtrip(ops, &in, (void **)&out, visit_TestBytes_native);
    ck_assert_msg(out && out->data, "%s: bytes came back NULL", ops->name);
    ck_assert_msg(test_bytes_equal(&in, out), "%s: %zu bytes differ",
                  ops->name, in.data_len);
    g_free(in.data);
    qapi_free_TestBytes(out);
}

static bool visit_TestSizedBuffers_native(Visitor *v, void **native,
                                          Error **errp)
{
    return visit_type_TestSizedBuffers(v, NULL, (TestSizedBuffers **)native,
                                       errp);
}

static void run_sized_buffers(const SerializeOps *ops, size_t index)
{
    TestSizedBuffers in;
    TestSizedBuffers *out = NULL;

    if (!has_caps(ops, VCAP_BYTES)) {
        return;
    }
    for (int i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        uint64_t x = index ? UINT64_MAX - (uint64_t)i
                           : 0x0102030405060708ull + (uint64_t)i * 0x1111;

        in.b1[i] = (uint8_t)x;
        in.b2[i] = (uint16_t)x;
        in.b4[i] = (uint32_t)x;
        in.b8[i] = x;
    }
    roundtrip(ops, &in, (void **)&out, visit_TestSizedBuffers_native);
    for (int i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        ck_assert_msg(out->b1[i] == in.b1[i], "%s: b1[%d]", ops->name, i);
        ck_assert_msg(out->b2[i] == in.b2[i], "%s: b2[%d] %#x != %#x",
                      ops->name, i, out->b2[i], in.b2[i]);
        ck_assert_msg(out->b4[i] == in.b4[i], "%s: b4[%d] %#x != %#x",
                      ops->name, i, out->b4[i], in.b4[i]);
        ck_assert_msg(out->b8[i] == in.b8[i], "%s: b8[%d] %#" PRIx64
                      " != %#" PRIx64, ops->name, i, out->b8[i], in.b8[i]);
    }
    qapi_free_TestSizedBuffers(out);
}

/*** One loop test per group: index _i = ops * count + case ***/

#define DEFINE_GROUP(group, count)                                      \
    static const size_t group##_count = (count);                        \
    START_TEST(test_##group)                                            \
    {                                                                   \
        run_##group(g_ops[_i / (count)], _i % (count));                 \
    }                                                                   \
    END_TEST

DEFINE_GROUP(primitive, G_N_ELEMENTS(primitives))
DEFINE_GROUP(primitive_list, G_N_ELEMENTS(list_cases))
DEFINE_GROUP(empty_list, G_N_ELEMENTS(list_cases) + 1)
DEFINE_GROUP(flat_struct, 6)
DEFINE_GROUP(nested_struct, 2)
DEFINE_GROUP(nested_list, 1)
DEFINE_GROUP(alternate, N_ALTERNATE_CASES)
DEFINE_GROUP(null, 1)
DEFINE_GROUP(bytes, G_N_ELEMENTS(bytes_sizes))
DEFINE_GROUP(sized_buffers, 2)

/*** Clone and dealloc visitors on the same types ***/

START_TEST(test_clone_structs)
{
    TestFlat *flat = test_flat_new(5);
    TestFlat *flat_copy = QAPI_CLONE(TestFlat, flat);
    TestNestedList *list = NULL, **tail = &list, *list_copy;

    ck_assert(flat_copy != flat && flat_copy->str != flat->str);
    ck_assert(test_flat_equal(flat, flat_copy));
    qapi_free_TestFlat(flat);
    qapi_free_TestFlat(flat_copy);

    for (int i = 0; i < 8; i++) {
        QAPI_LIST_APPEND(tail, test_nested_new(i, i % 2));
    }
    list_copy = QAPI_CLONE(TestNestedList, list);
    ck_assert(test_nested_list_equal(list, list_copy));
    ck_assert(list_copy->value->inner != list->value->inner);
    qapi_free_TestNestedList(list);
    ck_assert(list_copy->next->value->extra != NULL);
    qapi_free_TestNestedList(list_copy);

    ck_assert(QAPI_CLONE(TestFlat, NULL) == NULL);
}
END_TEST

START_TEST(test_clone_members)
{
    TestNested *src = test_nested_new(9, true);
    TestNested dst;
    Visitor *v;

    QAPI_CLONE_MEMBERS(TestNested, &dst, src);
    ck_assert(test_nested_equal(src, &dst));
    ck_assert(dst.inner != src->inner && dst.tags != src->tags);
    qapi_free_TestNested(src);

    v = qapi_dealloc_visitor_new();
    visit_type_TestNested_members(v, &dst, NULL);
    visit_free(v);
}
END_TEST

START_TEST(test_clone_alternates)
{
    TestAlternate alt = { .type = QTYPE_QSTRING, .u.s = (char *)"clone me" };
    TestAlternate *alt_copy = QAPI_CLONE(TestAlternate, &alt);
    TestAltScalar scalar = { .type = QTYPE_QNUM, .u.n = -0.0 };
    TestAltScalar *scalar_copy = QAPI_CLONE(TestAltScalar, &scalar);
    TestAltScalar null = { .type = QTYPE_QNULL, .u.null = qnull() };
    TestAltScalar *null_copy = QAPI_CLONE(TestAltScalar, &null);

    ck_assert(test_alternate_equal(&alt, alt_copy));
    ck_assert(alt_copy->u.s != alt.u.s);
    ck_assert(test_alt_scalar_equal(&scalar, scalar_copy));
    ck_assert(test_alt_scalar_equal(&null, null_copy));
    qapi_free_TestAlternate(alt_copy);
    qapi_free_TestAltScalar(scalar_copy);
    qapi_free_TestAltScalar(null_copy);
    qnull_unref(null.u.null);
}
END_TEST

START_TEST(test_clone_bytes)
{
    TestBytes in = { .data_len = 4096 };
    TestBytes empty = { 0 };
    TestBytes *copy, *empty_copy;
    TestSizedBuffers sb, *sb_copy;

    in.data = g_malloc(in.data_len);
    for (size_t i = 0; i < in.data_len; i++) {
        in.data[i] = (uint8_t)i;
    }
    copy = QAPI_CLONE(TestBytes, &in);
    ck_assert(copy->data != in.data && test_bytes_equal(&in, copy));
    empty_copy = QAPI_CLONE(TestBytes, &empty);
    ck_assert(empty_copy->data_len == 0);
    g_free(in.data);
    qapi_free_TestBytes(copy);
    qapi_free_TestBytes(empty_copy);

    for (int i = 0; i < TEST_SIZED_BUFFER_COUNT; i++) {
        sb.b1[i] = (uint8_t)i;
        sb.b2[i] = (uint16_t)(i * 0x101);
        sb.b4[i] = (uint32_t)i * 0x01010101u;
        sb.b8[i] = (uint64_t)i << 56;
    }
    sb_copy = QAPI_CLONE(TestSizedBuffers, &sb);
    ck_assert(memcmp(sb.b1, sb_copy->b1, sizeof(sb.b1)) == 0);
    ck_assert(memcmp(sb.b2, sb_copy->b2, sizeof(sb.b2)) == 0);
    ck_assert(memcmp(sb.b4, sb_copy->b4, sizeof(sb.b4)) == 0);
    ck_assert(memcmp(sb.b8, sb_copy->b8, sizeof(sb.b8)) == 0);
    qapi_free_TestSizedBuffers(sb_copy);
}
END_TEST

START_TEST(test_clone_builtin_lists)
{
    strList *strs = NULL;
    numberList *nums = NULL;
    strList *strs_copy;
    numberList *nums_copy;

    QAPI_LIST_PREPEND(strs, g_strdup("b"));
    QAPI_LIST_PREPEND(strs, g_strdup(""));
    QAPI_LIST_PREPEND(nums, -0.0);
    QAPI_LIST_PREPEND(nums, 2.5);
    strs_copy = QAPI_CLONE(strList, strs);
    nums_copy = QAPI_CLONE(numberList, nums);
    ck_assert_str_eq(strs_copy->value, "");
    ck_assert_str_eq(strs_copy->next->value, "b");
    ck_assert(strs_copy->next->next == NULL);
    ck_assert(same_double(nums_copy->value, 2.5));
    ck_assert(same_double(nums_copy->next->value, -0.0));
    qapi_free_strList(strs);
    qapi_free_strList(strs_copy);
    qapi_free_numberList(nums);
    qapi_free_numberList(nums_copy);
}
END_TEST

/* The dealloc visitor frees partially built objects (NULL members). */
START_TEST(test_dealloc_partial)
{
    TestNested *n = g_new0(TestNested, 1);
    TestNestedList *list = g_new0(TestNestedList, 1);
    TestAlternate *alt = g_new0(TestAlternate, 1);

    n->name = g_strdup("partial");
    qapi_free_TestNested(n);

    list->next = g_new0(TestNestedList, 1);
    list->value = test_nested_new(1, true);
    qapi_free_TestNestedList(list);

    alt->type = QTYPE_QSTRING;      /* the string itself still NULL */
    qapi_free_TestAlternate(alt);

    qapi_free_TestFlat(NULL);
    qapi_free_TestNestedList(NULL);
}
END_TEST

static void add_group(Suite *s, const char *name, const TTest *test,
                      size_t count)
{
    TCase *tc = tcase_create(name);

    tcase_add_loop_test(tc, test, 0, (int)(count * g_n_ops));
    suite_add_tcase(s, tc);
}

Suite *serialization_suite(const SerializeOps *const *ops, size_t n_ops)
{
    Suite *s = suite_create("visitor-serialization");
    TCase *tc;

    g_ops = ops;
    g_n_ops = n_ops;
    add_group(s, "primitives", test_primitive, primitive_count);
    add_group(s, "primitive-lists", test_primitive_list,
              primitive_list_count);
    add_group(s, "empty-lists", test_empty_list, empty_list_count);
    add_group(s, "flat-struct", test_flat_struct, flat_struct_count);
    add_group(s, "nested-struct", test_nested_struct, nested_struct_count);
    add_group(s, "nested-list", test_nested_list, nested_list_count);
    add_group(s, "alternates", test_alternate, alternate_count);
    add_group(s, "null", test_null, null_count);
    add_group(s, "bytes", test_bytes, bytes_count);
    add_group(s, "sized-buffers", test_sized_buffers, sized_buffers_count);

    tc = tcase_create("clone-dealloc");
    tcase_add_test(tc, test_clone_structs);
    tcase_add_test(tc, test_clone_members);
    tcase_add_test(tc, test_clone_alternates);
    tcase_add_test(tc, test_clone_bytes);
    tcase_add_test(tc, test_clone_builtin_lists);
    tcase_add_test(tc, test_dealloc_partial);
    suite_add_tcase(s, tc);
    return s;
}
