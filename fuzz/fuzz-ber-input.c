/*
 * fuzz/fuzz-ber-input.c: libFuzzer target for the BER input visitor.
 *
 * The input is decoded as each test type (tests/test-qapi-types.h) in each
 * mode (BER, CER, DER). Whenever a decode succeeds:
 * - the value is re-encoded in that mode and decoded again, and must
 *   equal the first result (decode(encode(x)) == x);
 * - in DER and CER, which are canonical, re-encoding must reproduce the
 *   input exactly (encode(decode(bytes)) == bytes).
 * Any crash, sanitizer report, leak or failed check is a finding.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "visitors/ber-visitor.h"
#include "tests/test-qapi-types.h"

typedef struct FuzzType {
    bool (*visit)(Visitor *v, void **obj, Error **errp);
    bool (*equal)(const void *a, const void *b);
    void (*free)(void *obj);
} FuzzType;

#define FUZZ_TYPE(T, eq)                                                    \
    static bool visit_##T(Visitor *v, void **obj, Error **errp)            \
    {                                                                       \
        return visit_type_##T(v, NULL, (T **)obj, errp);                    \
    }                                                                       \
    static bool equal_##T(const void *a, const void *b)                    \
    {                                                                       \
        return eq((const T *)a, (const T *)b);                              \
    }                                                                       \
    static void free_##T(void *obj)                                         \
    {                                                                       \
        qapi_free_##T(obj);                                                 \
    }

static bool sized_equal(const TestSizedBuffers *a, const TestSizedBuffers *b)
{
    return !memcmp(a, b, sizeof(*a));
}

static bool enum_list_equal(const TestEnumList *a, const TestEnumList *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (a->value != b->value) {
            return false;
        }
    }
    return !a && !b;
}

FUZZ_TYPE(TestNestedList, test_nested_list_equal)
FUZZ_TYPE(TestNested, test_nested_equal)
FUZZ_TYPE(TestFlat, test_flat_equal)
FUZZ_TYPE(TestAlternate, test_alternate_equal)
FUZZ_TYPE(TestAltScalar, test_alt_scalar_equal)
FUZZ_TYPE(TestBytes, test_bytes_equal)
FUZZ_TYPE(TestSizedBuffers, sized_equal)
FUZZ_TYPE(TestEnumList, enum_list_equal)

#define ENTRY(T) { visit_##T, equal_##T, free_##T }

static const FuzzType fuzz_types[] = {
    ENTRY(TestNestedList), ENTRY(TestNested), ENTRY(TestFlat),
    ENTRY(TestAlternate), ENTRY(TestAltScalar), ENTRY(TestBytes),
    ENTRY(TestSizedBuffers), ENTRY(TestEnumList),
};

/*
 * The configurations each input is decoded with: every mode, plus CER
 * with 3-octet fragments so that short inputs reach the fragment rules.
 * Small limits keep each execution fast without hiding paths.
 */
typedef struct FuzzConfig {
    BERMode mode;
    BEROptions options;
} FuzzConfig;

static const FuzzConfig fuzz_configs[] = {
    { BER_MODE_BER, { .max_depth = 64, .max_alloc = 1 << 24 } },
    { BER_MODE_CER, { .max_depth = 64, .max_alloc = 1 << 24 } },
    { BER_MODE_CER, { .cer_fragment_size = 3, .max_depth = 64,
                      .max_alloc = 1 << 24 } },
    { BER_MODE_DER, { .max_depth = 64, .max_alloc = 1 << 24 } },
};

static void *decode(const FuzzType *t, const uint8_t *data, size_t size,
                    const FuzzConfig *c)
{
    Visitor *v = ber_input_visitor_new_opts(data, size, c->mode,
                                            &c->options);
    void *obj = NULL;
    Error *err = NULL;

    if (!t->visit(v, &obj, &err)) {
        if (obj) {
            abort();            /* failed input must leave NULL */
        }
        if (!err) {
            abort();            /* a failure must say why */
        }
        error_free(err);
        obj = NULL;
    } else if (!ber_input_visitor_finish(v, NULL)) {
        abort();
    }
    visit_free(v);
    return obj;
}

static GByteArray *encode(const FuzzType *t, void *obj, const FuzzConfig *c)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new_opts(c->mode, &c->options, &out);

    if (!t->visit(v, &obj, &error_abort)) {
        abort();
    }
    visit_complete(v, &out);
    visit_free(v);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i, j;

    for (i = 0; i < G_N_ELEMENTS(fuzz_types); i++) {
        const FuzzType *t = &fuzz_types[i];

        for (j = 0; j < G_N_ELEMENTS(fuzz_configs); j++) {
            const FuzzConfig *c = &fuzz_configs[j];
            void *first = decode(t, data, size, c);
            void *second;
            GByteArray *bytes;

            if (!first) {
                continue;
            }
            bytes = encode(t, first, c);
            if (c->mode != BER_MODE_BER &&
                (bytes->len != size || memcmp(bytes->data, data, size))) {
                abort();        /* canonical input must re-encode exactly */
            }
            second = decode(t, bytes->data, bytes->len, c);
            if (!second || !t->equal(first, second)) {
                abort();
            }
            t->free(second);
            t->free(first);
            g_byte_array_unref(bytes);
        }
    }
    return 0;
}
