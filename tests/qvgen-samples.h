/*
 * tests/qvgen-samples.h: sample values of the types of our test schema
 * (tests/qapi-schema/qvisit-test.json), on qvisit-gen's generated code.
 */
#ifndef TESTS_QVGEN_SAMPLES_H
#define TESTS_QVGEN_SAMPLES_H

#include <stddef.h>

#include "tests/serialization.h"
#include "qv-qapi-types.h"

/* What a sample's type offers, without naming the type. */
typedef struct QvSampleType {
    const char *name;               /* the QAPI type */
    VisitorFunc visit;              /* visit_type_T() on a T ** */
    void *(*clone)(void *obj);      /* QAPI_CLONE(T, obj) */
    void (*free)(void *obj);        /* qapi_free_T(obj) */
} QvSampleType;

typedef struct QvSample {
    const QvSampleType *type;
    /* The ASN.1 type that decodes it, when not the type's own (unions). */
    const char *asn1_type;
    void *value;
} QvSample;

/* Return the @n samples, newly built; free with qvgen_samples_free(). */
QvSample *qvgen_samples_new(size_t *n);
void qvgen_samples_free(QvSample *samples, size_t n);

/* A Featured value with every member set (plain 1, old 2, fresh "new", ...). */
Featured *qvgen_sample_featured(void);

#endif /* TESTS_QVGEN_SAMPLES_H */
