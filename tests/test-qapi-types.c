/*
 * tests/test-qapi-types.c: the code of tests/test-qapi-types.h: what
 * qvisit-gen generated from tests/qapi-schema/test-qapi-types.json
 * (included below, so that every program listing this file gets it), and
 * the comparison and construction helpers.
 */
#include "config.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/dealloc-visitor.h"
#include "tests/test-qapi-types.h"

#include "tests/gen/tq-qapi-types.c"
#include "tests/gen/tq-qapi-visit.c"

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
        a->kind == b->kind && a->has_tags == b->has_tags &&
        str_list_equal(a->tags, b->tags);
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
    return a->data_len == b->data_len &&
        (a->data_len == 0 || memcmp(a->data, b->data, a->data_len) == 0);
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
        n->has_tags = true;
        QAPI_LIST_PREPEND(n->tags, g_strdup("tag-b"));
        QAPI_LIST_PREPEND(n->tags, g_strdup("tag-a"));
    }
    return n;
}
