/*
 * tests/serialization.h: one table of round-trip cases run through every
 * visitor implementation, in the spirit of QEMU's
 * tests/unit/test-visitor-serialization.c.
 *
 * An implementation is described by a SerializeOps entry: serialize()
 * runs an output visitor over a native object and keeps the encoding in
 * an opaque *datap; deserialize() runs the matching input visitor over
 * that encoding to build a new native object; cleanup() frees the
 * encoding. Every case (primitives, lists, structs, alternates, byte
 * strings, ...) runs once per entry, and compares the result with the
 * original; cases that need a capability the entry lacks (caps) pass
 * without running.
 *
 * HOW TO ADD AN IMPLEMENTATION (e.g. BER):
 * 1. Create tests/serialization-ber.c defining
 *        const SerializeOps serialization_ber_ops[] = {
 *            { .name = "DER", .serialize = ..., .deserialize = ...,
 *              .cleanup = ..., .caps = VCAP_... },
 *            { .name = "CER", ... },
 *            { NULL }                  (terminator: name == NULL)
 *        };
 *    (serialization_ber_ops is already declared below).
 * 2. In tests/ber.mk:
 *        tests_test_visitor_serialization_SOURCES += tests/serialization-ber.c
 *        tests_test_visitor_serialization_CFLAGS += -DHAVE_SERIALIZATION_BER_OPS
 *    test-visitor-serialization.c lists serialization_ber_ops under
 *    #ifdef HAVE_SERIALIZATION_BER_OPS, so nothing else changes. Any other
 *    table: declare it here and add one line to the ops_tables[] array
 *    in test-visitor-serialization.c.
 */
#ifndef TESTS_SERIALIZATION_H
#define TESTS_SERIALIZATION_H

#include <stdbool.h>
#include <stddef.h>
#include <check.h>

#include "qapi/visitor.h"

/*
 * Visit the native object *@native (a pointer to the object: a TestFlat *
 * for structs, a PrimitiveType * for primitives...). Output visitors read
 * *@native; input visitors store a new object in *@native (or fill the
 * PrimitiveType it points to).
 */
typedef bool (*VisitorFunc)(Visitor *v, void **native, Error **errp);

/* Capabilities: cases needing one an implementation lacks are skipped. */
enum {
    VCAP_NAN_INF = 1u << 0,     /* NaN, +inf, -inf round-trip as numbers */
    VCAP_NEG_ZERO = 1u << 1,    /* -0.0 keeps its sign */
    VCAP_BYTES = 1u << 2,       /* visit_type_bytes(), sized buffers */
    VCAP_ALTERNATE = 1u << 3,   /* visit_start_alternate() */
    VCAP_NULL = 1u << 4,        /* visit_type_null() */
    VCAP_ALL = (1u << 5) - 1,
};

typedef struct SerializeOps {
    const char *name;
    /* Encode *native_in with @visit into a new *@datap (output visitor). */
    void (*serialize)(void *native_in, void **datap, VisitorFunc visit,
                      Error **errp);
    /* Decode @datap with @visit into *@native_out (input visitor). */
    void (*deserialize)(void **native_out, void *datap, VisitorFunc visit,
                        Error **errp);
    /* Free what serialize() stored in *datap. */
    void (*cleanup)(void *datap);
    unsigned caps;              /* VCAP_* bits */
} SerializeOps;

/* Tables of implementations, each terminated by an entry with name NULL. */
extern const SerializeOps serialization_json_ops[];
extern const SerializeOps serialization_ber_ops[];

/*
 * Build the Check suite that runs every case through each of the @n_ops
 * implementations in @ops (the array must outlive the run), plus the
 * clone and dealloc visitor checks on the same types.
 */
Suite *serialization_suite(const SerializeOps *const *ops, size_t n_ops);

#endif /* TESTS_SERIALIZATION_H */
