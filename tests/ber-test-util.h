/*
 * tests/ber-test-util.h: helpers shared by the BER test programs.
 */
#ifndef TESTS_BER_TEST_UTIL_H
#define TESTS_BER_TEST_UTIL_H

#include <check.h>
#include <glib.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "visitors/ber-visitor.h"

/* A generated-style visit function: visit_type_Foo(v, NULL, &obj, errp). */
typedef bool (*VisitFn)(Visitor *v, void *obj, Error **errp);

/*
 * Encode @obj with @fn through a BER output visitor in @mode and return
 * the bytes (g_byte_array_unref() them). A visit failure fails the test.
 */
static inline GByteArray *ber_test_encode(BERMode mode, VisitFn fn, void *obj)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new(mode, &out);

    ck_assert(fn(v, obj, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    return out;
}

#endif /* TESTS_BER_TEST_UTIL_H */
