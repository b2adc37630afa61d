/*
 * tests/test-qapi-types.c: the code qapi-gen would emit for the schema in
 * test-qapi-types.h (types, visitors, free functions), written by hand in
 * the generator's shape, plus comparison and construction helpers.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/dealloc-visitor.h"
#include "tests/test-qapi-types.h"

/*** qapi-types-test.c ***/

const QEnumLookup TestEnum_lookup = {
    .array = (const char *const[]) {
        [TEST_ENUM_ZERO] = "zero",
        [TEST_ENUM_ONE] = "one",
        [TEST_ENUM_TWO] = "two",
        [TEST_ENUM_THREE_FOUR] = "three-four",
    },
    .size = TEST_ENUM__MAX
};

#define DEFINE_QAPI_FREE(T)                       \
    void qapi_free_##T(T *obj)                    \
    {                                             \
        Visitor *v;                               \
                                                  \
        if (!obj) {                               \
            return;                               \
        }                                         \
                                                  \
        v = qapi_dealloc_visitor_new();           \
        visit_type_##T(v, NULL, &obj, NULL);      \
        visit_free(v);                            \
    }

DEFINE_QAPI_FREE(TestFlat)
DEFINE_QAPI_FREE(TestFlatList)
DEFINE_QAPI_FREE(TestPoint)
DEFINE_QAPI_FREE(TestNested)
DEFINE_QAPI_FREE(TestNestedList)
DEFINE_QAPI_FREE(TestEnumList)
DEFINE_QAPI_FREE(TestAlternate)
DEFINE_QAPI_FREE(TestAltScalar)
DEFINE_QAPI_FREE(TestBytes)
DEFINE_QAPI_FREE(TestSizedBuffers)

/*** qapi-visit-test.c ***/

bool visit_type_TestEnum(Visitor *v, const char *name, TestEnum *obj,
                         Error **errp)
{
    int value = *obj;
    bool ok = visit_type_enum(v, name, &value, &TestEnum_lookup, errp);
    *obj = value;
    return ok;
}

bool visit_type_TestEnumList(Visitor *v, const char *name,
                             TestEnumList **obj, Error **errp)
{
    bool ok = false;
    TestEnumList *tail;
    size_t size = sizeof(**obj);

    if (!visit_start_list(v, name, (GenericList **)obj, size, errp)) {
        return false;
    }

    for (tail = *obj; tail;
         tail = (TestEnumList *)visit_next_list(v, (GenericList *)tail, size)) {
        if (!visit_type_TestEnum(v, NULL, &tail->value, errp)) {
            goto out_obj;
        }
    }

    ok = visit_check_list(v, errp);
out_obj:
    visit_end_list(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        qapi_free_TestEnumList(*obj);
        *obj = NULL;
    }
    return ok;
}

bool visit_type_TestFlat_members(Visitor *v, TestFlat *obj, Error **errp)
{
    if (!visit_type_int8(v, "i8", &obj->i8, errp)) {
        return false;
    }
    if (!visit_type_int16(v, "i16", &obj->i16, errp)) {
        return false;
    }
    if (!visit_type_int32(v, "i32", &obj->i32, errp)) {
        return false;
    }
    if (!visit_type_int64(v, "i64", &obj->i64, errp)) {
        return false;
    }
    if (!visit_type_uint8(v, "u8", &obj->u8, errp)) {
        return false;
    }
    if (!visit_type_uint16(v, "u16", &obj->u16, errp)) {
        return false;
    }
    if (!visit_type_uint32(v, "u32", &obj->u32, errp)) {
        return false;
    }
    if (!visit_type_uint64(v, "u64", &obj->u64, errp)) {
        return false;
    }
    if (!visit_type_int(v, "integer", &obj->integer, errp)) {
        return false;
    }
    if (!visit_type_size(v, "sz", &obj->sz, errp)) {
        return false;
    }
    if (!visit_type_bool(v, "flag", &obj->flag, errp)) {
        return false;
    }
    if (!visit_type_str(v, "str", &obj->str, errp)) {
        return false;
    }
    if (!visit_type_number(v, "num", &obj->num, errp)) {
        return false;
    }
    return true;
}

/* The struct visitor of the generator, for every struct type below. */
#define DEFINE_VISIT_STRUCT(T)                                              \
    bool visit_type_##T(Visitor *v, const char *name, T **obj,              \
                        Error **errp)                                       \
    {                                                                       \
        bool ok = false;                                                    \
                                                                            \
        if (!visit_start_struct(v, name, (void **)obj, sizeof(T), errp)) {  \
            return false;                                                   \
        }                                                                   \
        if (!*obj) {                                                        \
            /* incomplete */                                                \
            assert(visit_is_dealloc(v));                                    \
            ok = true;                                                      \
            goto out_obj;                                                   \
        }                                                                   \
        if (!visit_type_##T##_members(v, *obj, errp)) {                     \
            goto out_obj;                                                   \
        }                                                                   \
        ok = visit_check_struct(v, errp);                                   \
    out_obj:                                                                \
        visit_end_struct(v, (void **)obj);                                  \
        if (!ok && visit_is_input(v)) {                                     \
            qapi_free_##T(*obj);                                            \
            *obj = NULL;                                                    \
        }                                                                   \
        return ok;                                                          \
    }

/* The list visitor of the generator, for lists of a struct type. */
#define DEFINE_VISIT_LIST(T)                                                \
    bool visit_type_##T##List(Visitor *v, const char *name,                 \
                              T##List **obj, Error **errp)                  \
    {                                                                       \
        bool ok = false;                                                    \
        T##List *tail;                                                      \
        size_t size = sizeof(**obj);                                        \
                                                                            \
        if (!visit_start_list(v, name, (GenericList **)obj, size, errp)) {  \
            return false;                                                   \
        }                                                                   \
                                                                            \
        for (tail = *obj; tail;                                             \
             tail = (T##List *)visit_next_list(v, (GenericList *)tail,      \
                                               size)) {                     \
            if (!visit_type_##T(v, NULL, &tail->value, errp)) {             \
                goto out_obj;                                               \
            }                                                               \
        }                                                                   \
                                                                            \
        ok = visit_check_list(v, errp);                                     \
    out_obj:                                                                \
        visit_end_list(v, (void **)obj);                                    \
        if (!ok && visit_is_input(v)) {                                     \
            qapi_free_##T##List(*obj);                                      \
            *obj = NULL;                                                    \
        }                                                                   \
        return ok;                                                          \
    }

DEFINE_VISIT_STRUCT(TestFlat)
DEFINE_VISIT_LIST(TestFlat)

bool visit_type_TestPoint_members(Visitor *v, TestPoint *obj, Error **errp)
{
    if (!visit_type_int(v, "x", &obj->x, errp)) {
        return false;
    }
    if (!visit_type_int(v, "y", &obj->y, errp)) {
        return false;
    }
    return true;
}

DEFINE_VISIT_STRUCT(TestPoint)

bool visit_type_TestNested_members(Visitor *v, TestNested *obj,
                                   Error **errp)
{
    bool has_comment = !!obj->comment;
    bool has_extra = !!obj->extra;
    bool has_tags = !!obj->tags;

    if (!visit_type_str(v, "name", &obj->name, errp)) {
        return false;
    }
    if (!visit_type_int32(v, "id", &obj->id, errp)) {
        return false;
    }
    if (visit_optional(v, "count", &obj->has_count)) {
        if (!visit_type_uint32(v, "count", &obj->count, errp)) {
            return false;
        }
    }
    if (visit_optional(v, "comment", &has_comment)) {
        if (!visit_type_str(v, "comment", &obj->comment, errp)) {
            return false;
        }
    }
    if (!visit_type_TestFlat(v, "inner", &obj->inner, errp)) {
        return false;
    }
    if (visit_optional(v, "extra", &has_extra)) {
        if (!visit_type_TestFlat(v, "extra", &obj->extra, errp)) {
            return false;
        }
    }
    if (!visit_type_TestEnum(v, "kind", &obj->kind, errp)) {
        return false;
    }
    if (visit_optional(v, "tags", &has_tags)) {
        if (!visit_type_strList(v, "tags", &obj->tags, errp)) {
            return false;
        }
    }
    return true;
}

DEFINE_VISIT_STRUCT(TestNested)
DEFINE_VISIT_LIST(TestNested)

bool visit_type_TestAlternate(Visitor *v, const char *name,
                              TestAlternate **obj, Error **errp)
{
    bool ok = false;

    if (!visit_start_alternate(v, name, (GenericAlternate **)obj,
                               sizeof(**obj), errp)) {
        return false;
    }
    if (!*obj) {
        /* incomplete */
        assert(visit_is_dealloc(v));
        ok = true;
        goto out_obj;
    }
    switch ((*obj)->type) {
    case QTYPE_QNUM:
        ok = visit_type_int(v, name, &(*obj)->u.i, errp);
        break;
    case QTYPE_QSTRING:
        ok = visit_type_str(v, name, &(*obj)->u.s, errp);
        break;
    case QTYPE_QDICT:
        if (!visit_start_struct(v, name, NULL, 0, errp)) {
            break;
        }
        if (visit_type_TestPoint_members(v, &(*obj)->u.p, errp)) {
            ok = visit_check_struct(v, errp);
        }
        visit_end_struct(v, NULL);
        break;
    case QTYPE_NONE:
        abort();
    default:
        assert(visit_is_input(v));
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name ? name : "null", "TestAlternate");
        /* Avoid passing invalid *obj to qapi_free_TestAlternate() */
        g_free(*obj);
        *obj = NULL;
    }
out_obj:
    visit_end_alternate(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        qapi_free_TestAlternate(*obj);
        *obj = NULL;
    }
    return ok;
}

bool visit_type_TestAltScalar(Visitor *v, const char *name,
                              TestAltScalar **obj, Error **errp)
{
    bool ok = false;

    if (!visit_start_alternate(v, name, (GenericAlternate **)obj,
                               sizeof(**obj), errp)) {
        return false;
    }
    if (!*obj) {
        /* incomplete */
        assert(visit_is_dealloc(v));
        ok = true;
        goto out_obj;
    }
    switch ((*obj)->type) {
    case QTYPE_QNUM:
        ok = visit_type_number(v, name, &(*obj)->u.n, errp);
        break;
    case QTYPE_QBOOL:
        ok = visit_type_bool(v, name, &(*obj)->u.b, errp);
        break;
    case QTYPE_QNULL:
        ok = visit_type_null(v, name, &(*obj)->u.null, errp);
        break;
    case QTYPE_NONE:
        abort();
    default:
        assert(visit_is_input(v));
        error_setg(errp, "Invalid parameter type for '%s', expected: %s",
                   name ? name : "null", "TestAltScalar");
        /* Avoid passing invalid *obj to qapi_free_TestAltScalar() */
        g_free(*obj);
        *obj = NULL;
    }
out_obj:
    visit_end_alternate(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        qapi_free_TestAltScalar(*obj);
        *obj = NULL;
    }
    return ok;
}

bool visit_type_TestBytes_members(Visitor *v, TestBytes *obj, Error **errp)
{
    return visit_type_bytes(v, "data", &obj->buf, &obj->len, errp);
}

DEFINE_VISIT_STRUCT(TestBytes)

bool visit_type_TestSizedBuffers_members(Visitor *v, TestSizedBuffers *obj,
                                         Error **errp)
{
    if (!visit_type_sized_buffer(v, "b1", obj->b1, TEST_SIZED_BUFFER_COUNT,
                                 sizeof(obj->b1[0]), errp)) {
        return false;
    }
    if (!visit_type_sized_buffer(v, "b2", obj->b2, TEST_SIZED_BUFFER_COUNT,
                                 sizeof(obj->b2[0]), errp)) {
        return false;
    }
    if (!visit_type_sized_buffer(v, "b4", obj->b4, TEST_SIZED_BUFFER_COUNT,
                                 sizeof(obj->b4[0]), errp)) {
        return false;
    }
    if (!visit_type_sized_buffer(v, "b8", obj->b8, TEST_SIZED_BUFFER_COUNT,
                                 sizeof(obj->b8[0]), errp)) {
        return false;
    }
    return true;
}

DEFINE_VISIT_STRUCT(TestSizedBuffers)

/*** Helpers ***/

static bool double_equal(double a, double b)
{
    return memcmp(&a, &b, sizeof(a)) == 0;
}

bool test_flat_equal(const TestFlat *a, const TestFlat *b)
{
    if (!a || !b) {
        return a == b;
    }
    return a->i8 == b->i8 && a->i16 == b->i16 && a->i32 == b->i32 &&
        a->i64 == b->i64 && a->u8 == b->u8 && a->u16 == b->u16 &&
        a->u32 == b->u32 && a->u64 == b->u64 && a->integer == b->integer &&
        a->sz == b->sz && a->flag == b->flag &&
        g_strcmp0(a->str ? a->str : "", b->str ? b->str : "") == 0 &&
        double_equal(a->num, b->num);
}

static bool str_list_equal(const strList *a, const strList *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (g_strcmp0(a->value, b->value) != 0) {
            return false;
        }
    }
    return !a && !b;
}

bool test_nested_equal(const TestNested *a, const TestNested *b)
{
    if (!a || !b) {
        return a == b;
    }
    return g_strcmp0(a->name, b->name) == 0 && a->id == b->id &&
        a->has_count == b->has_count &&
        (!a->has_count || a->count == b->count) &&
        g_strcmp0(a->comment, b->comment) == 0 &&
        test_flat_equal(a->inner, b->inner) &&
        test_flat_equal(a->extra, b->extra) &&
        a->kind == b->kind && str_list_equal(a->tags, b->tags);
}

bool test_nested_list_equal(const TestNestedList *a, const TestNestedList *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (!test_nested_equal(a->value, b->value)) {
            return false;
        }
    }
    return !a && !b;
}

bool test_alternate_equal(const TestAlternate *a, const TestAlternate *b)
{
    if (!a || !b) {
        return a == b;
    }
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case QTYPE_QNUM:
        return a->u.i == b->u.i;
    case QTYPE_QSTRING:
        return g_strcmp0(a->u.s, b->u.s) == 0;
    case QTYPE_QDICT:
        return a->u.p.x == b->u.p.x && a->u.p.y == b->u.p.y;
    default:
        return false;
    }
}

bool test_alt_scalar_equal(const TestAltScalar *a, const TestAltScalar *b)
{
    if (!a || !b) {
        return a == b;
    }
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case QTYPE_QNUM:
        return double_equal(a->u.n, b->u.n);
    case QTYPE_QBOOL:
        return a->u.b == b->u.b;
    case QTYPE_QNULL:
        return (a->u.null != NULL) == (b->u.null != NULL);
    default:
        return false;
    }
}

bool test_bytes_equal(const TestBytes *a, const TestBytes *b)
{
    if (!a || !b) {
        return a == b;
    }
    return a->len == b->len &&
        (a->len == 0 || memcmp(a->buf, b->buf, a->len) == 0);
}

TestFlat *test_flat_new(int seed)
{
    TestFlat *f = g_new0(TestFlat, 1);

    f->i8 = (int8_t)(-seed);
    f->i16 = (int16_t)(seed * 300);
    f->i32 = -seed * 70000;
    f->i64 = (int64_t)seed * -5000000000LL;
    f->u8 = (uint8_t)(seed + 200);
    f->u16 = (uint16_t)(seed + 60000);
    f->u32 = 4000000000u + (uint32_t)seed;
    f->u64 = UINT64_MAX - (uint64_t)seed;
    f->integer = INT64_MIN + seed;
    f->sz = (uint64_t)seed << 40;
    f->flag = seed & 1;
    f->str = g_strdup_printf("flat \"%d\"\n", seed);
    f->num = seed / 8.0 - 0.3;
    return f;
}

TestNested *test_nested_new(int seed, bool with_optional)
{
    TestNested *n = g_new0(TestNested, 1);

    n->name = g_strdup_printf("nested-%d", seed);
    n->id = seed * 1000 - 77;
    n->inner = test_flat_new(seed);
    n->kind = (TestEnum)(seed % TEST_ENUM__MAX);
    if (with_optional) {
        n->has_count = true;
        n->count = (uint32_t)seed * 3u;
        n->comment = g_strdup_printf("comment, %d", seed);
        n->extra = test_flat_new(seed + 100);
        QAPI_LIST_PREPEND(n->tags, g_strdup("tag-b"));
        QAPI_LIST_PREPEND(n->tags, g_strdup("tag-a"));
    }
    return n;
}
