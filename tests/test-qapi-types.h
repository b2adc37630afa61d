/*
 * tests/test-qapi-types.h: the QAPI types the tests share (the JSON and BER
 * visitor tests, the serialization table, the fuzz targets).
 *
 * Most are generated at build time by qvisit-gen from
 * tests/qapi-schema/test-qapi-types.json into tests/gen/tq-qapi-*.[ch]
 * (never committed; see docs/qvisit-gen.md). Written by hand here: two
 * qvisit extensions QAPI's schema language has no word for, TestBytes (a
 * byte string visited with visit_type_bytes()) and TestSizedBuffers (fixed
 * arrays visited with visit_type_sized_buffer()), in the generator's shape,
 * and comparison and construction helpers.
 */
#ifndef TEST_QAPI_TYPES_H
#define TEST_QAPI_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "qapi/visitor.h"
#include "qapi/qapi-builtin-visit.h"
#include "tests/gen/tq-qapi-types.h"
#include "tests/gen/tq-qapi-visit.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct TestBytes TestBytes;
typedef struct TestSizedBuffers TestSizedBuffers;

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
