/*
 * tests/test-qapi-types.h: the QAPI types the tests share (the JSON and BER
 * visitor tests, the serialization table, the fuzz targets).
 *
 * Most are generated at build time by qvisit-gen from
 * tests/qapi-schema/test-qapi-types.json into tests/gen/tq-qapi-*.[ch]
 * (never committed; see docs/qvisit-gen.md), TestBytes and TestSizedBuffers
 * with qvisit's byte-string extension. Written by hand here: comparison
 * and construction helpers.
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

/* TestSizedBuffers: fixed arrays of each element size, in host byte order. */
#define TEST_SIZED_BUFFER_COUNT 7
G_STATIC_ASSERT(sizeof(((TestSizedBuffers *)0)->b8) ==
                TEST_SIZED_BUFFER_COUNT * sizeof(uint64_t));

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
