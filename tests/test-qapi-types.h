/*
 * tests/test-qapi-types.h: hand-written QAPI types for the tests, in the
 * shape QEMU's qapi-gen (>= 8.0) emits for a schema: enum + lookup table,
 * structs whose optional scalar members carry has_ flags (optional pointer
 * members are absent when NULL), QAPI lists (next/value), alternates
 * (QType type + union u), and visit_type_Foo / visit_type_Foo_members /
 * visit_type_FooList / qapi_free_Foo / qapi_free_FooList for each.
 *
 * The equivalent schema, for reference:
 *   { 'enum': 'TestEnum', 'data': [ 'zero', 'one', 'two', 'three-four' ] }
 *   { 'struct': 'TestFlat', 'data': { 'i8': 'int8', 'i16': 'int16',
 *     'i32': 'int32', 'i64': 'int64', 'u8': 'uint8', 'u16': 'uint16',
 *     'u32': 'uint32', 'u64': 'uint64', 'integer': 'int', 'sz': 'size',
 *     'flag': 'bool', 'str': 'str', 'num': 'number' } }
 *   { 'struct': 'TestPoint', 'data': { 'x': 'int', 'y': 'int' } }
 *   { 'struct': 'TestNested', 'data': { 'name': 'str', 'id': 'int32',
 *     '*count': 'uint32', '*comment': 'str', 'inner': 'TestFlat',
 *     '*extra': 'TestFlat', 'kind': 'TestEnum', '*tags': ['str'] } }
 *   { 'alternate': 'TestAlternate',
 *     'data': { 'i': 'int', 's': 'str', 'p': 'TestPoint' } }
 *   { 'alternate': 'TestAltScalar',
 *     'data': { 'n': 'number', 'b': 'bool', 'null': 'null' } }
 * plus two qvisit extensions QEMU's generator does not know:
 *   TestBytes (a byte string visited with visit_type_bytes()) and
 *   TestSizedBuffers (fixed arrays visited with visit_type_sized_buffer()).
 *
 * Shared by the JSON and BER visitor tests and the fuzz targets.
 */
#ifndef TEST_QAPI_TYPES_H
#define TEST_QAPI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "qapi/visitor.h"
#include "qapi/qapi-builtin-visit.h"

#ifdef __cplusplus
extern "C" {
#endif

/*** Types (qapi-types-test.h) ***/

typedef enum TestEnum {
    TEST_ENUM_ZERO,
    TEST_ENUM_ONE,
    TEST_ENUM_TWO,
    TEST_ENUM_THREE_FOUR,
    TEST_ENUM__MAX,
} TestEnum;

#define TestEnum_str(val) \
    qapi_enum_lookup(&TestEnum_lookup, (val))

extern const QEnumLookup TestEnum_lookup;

typedef struct TestFlat TestFlat;
typedef struct TestFlatList TestFlatList;
typedef struct TestPoint TestPoint;
typedef struct TestNested TestNested;
typedef struct TestNestedList TestNestedList;
typedef struct TestEnumList TestEnumList;
typedef struct TestAlternate TestAlternate;
typedef struct TestAltScalar TestAltScalar;
typedef struct TestBytes TestBytes;
typedef struct TestSizedBuffers TestSizedBuffers;

struct TestFlat {
    int8_t i8;
    int16_t i16;
    int32_t i32;
    int64_t i64;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int64_t integer;
    uint64_t sz;
    bool flag;
    char *str;
    double num;
};

void qapi_free_TestFlat(TestFlat *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestFlat, qapi_free_TestFlat)

struct TestFlatList {
    TestFlatList *next;
    TestFlat *value;
};

void qapi_free_TestFlatList(TestFlatList *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestFlatList, qapi_free_TestFlatList)

struct TestPoint {
    int64_t x;
    int64_t y;
};

void qapi_free_TestPoint(TestPoint *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestPoint, qapi_free_TestPoint)

struct TestNested {
    char *name;
    int32_t id;
    bool has_count;
    uint32_t count;
    char *comment;
    TestFlat *inner;
    TestFlat *extra;
    TestEnum kind;
    strList *tags;
};

void qapi_free_TestNested(TestNested *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestNested, qapi_free_TestNested)

struct TestNestedList {
    TestNestedList *next;
    TestNested *value;
};

void qapi_free_TestNestedList(TestNestedList *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestNestedList, qapi_free_TestNestedList)

struct TestEnumList {
    TestEnumList *next;
    TestEnum value;
};

void qapi_free_TestEnumList(TestEnumList *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestEnumList, qapi_free_TestEnumList)

struct TestAlternate {
    QType type;
    union { /* union tag is @type */
        int64_t i;
        char *s;
        TestPoint p;
    } u;
};

void qapi_free_TestAlternate(TestAlternate *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestAlternate, qapi_free_TestAlternate)

struct TestAltScalar {
    QType type;
    union { /* union tag is @type */
        double n;
        bool b;
        QNull *null;
    } u;
};

void qapi_free_TestAltScalar(TestAltScalar *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestAltScalar, qapi_free_TestAltScalar)

/* Extension: a byte string of @len bytes at @buf (NULL allowed when 0). */
struct TestBytes {
    uint8_t *buf;
    size_t len;
};

void qapi_free_TestBytes(TestBytes *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestBytes, qapi_free_TestBytes)

/* Extension: fixed arrays of each element size, in host byte order. */
#define TEST_SIZED_BUFFER_COUNT 7

struct TestSizedBuffers {
    uint8_t b1[TEST_SIZED_BUFFER_COUNT];
    uint16_t b2[TEST_SIZED_BUFFER_COUNT];
    uint32_t b4[TEST_SIZED_BUFFER_COUNT];
    uint64_t b8[TEST_SIZED_BUFFER_COUNT];
};

void qapi_free_TestSizedBuffers(TestSizedBuffers *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TestSizedBuffers, qapi_free_TestSizedBuffers)

/*** Visitors (qapi-visit-test.h) ***/

bool visit_type_TestEnum(Visitor *v, const char *name, TestEnum *obj,
                         Error **errp);
bool visit_type_TestEnumList(Visitor *v, const char *name,
                             TestEnumList **obj, Error **errp);

bool visit_type_TestFlat_members(Visitor *v, TestFlat *obj, Error **errp);
bool visit_type_TestFlat(Visitor *v, const char *name, TestFlat **obj,
                         Error **errp);
bool visit_type_TestFlatList(Visitor *v, const char *name,
                             TestFlatList **obj, Error **errp);

bool visit_type_TestPoint_members(Visitor *v, TestPoint *obj, Error **errp);
bool visit_type_TestPoint(Visitor *v, const char *name, TestPoint **obj,
                          Error **errp);

bool visit_type_TestNested_members(Visitor *v, TestNested *obj,
                                   Error **errp);
bool visit_type_TestNested(Visitor *v, const char *name, TestNested **obj,
                           Error **errp);
bool visit_type_TestNestedList(Visitor *v, const char *name,
                               TestNestedList **obj, Error **errp);

bool visit_type_TestAlternate(Visitor *v, const char *name,
                              TestAlternate **obj, Error **errp);
bool visit_type_TestAltScalar(Visitor *v, const char *name,
                              TestAltScalar **obj, Error **errp);

bool visit_type_TestBytes_members(Visitor *v, TestBytes *obj, Error **errp);
bool visit_type_TestBytes(Visitor *v, const char *name, TestBytes **obj,
                          Error **errp);

bool visit_type_TestSizedBuffers_members(Visitor *v, TestSizedBuffers *obj,
                                         Error **errp);
bool visit_type_TestSizedBuffers(Visitor *v, const char *name,
                                 TestSizedBuffers **obj, Error **errp);

/*** Helpers for tests (not generated) ***/

/*
 * Deep equality of two objects of the type, comparing doubles bit for bit
 * (so -0.0 != 0.0 and NaN == the same NaN). NULL equals only NULL.
 */
bool test_flat_equal(const TestFlat *a, const TestFlat *b);
bool test_nested_equal(const TestNested *a, const TestNested *b);
bool test_nested_list_equal(const TestNestedList *a, const TestNestedList *b);
bool test_alternate_equal(const TestAlternate *a, const TestAlternate *b);
bool test_alt_scalar_equal(const TestAltScalar *a, const TestAltScalar *b);
bool test_bytes_equal(const TestBytes *a, const TestBytes *b);

/*
 * Fill a new, g_malloc'd object with distinct values derived from @seed;
 * free with the qapi_free_*() of its type. test_nested_new() sets the
 * optional members when @with_optional.
 */
TestFlat *test_flat_new(int seed);
TestNested *test_nested_new(int seed, bool with_optional);

#ifdef __cplusplus
}
#endif

#endif /* TEST_QAPI_TYPES_H */
