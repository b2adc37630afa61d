/*
 * tests/ber-samples.c: print what our BER output visitor writes, in DER
 * and CER, for the sample values tests/ber-pyasn1.py encodes with pyasn1.
 *
 * One line per sample: "<name> <DER hex> <CER hex>". The name says how to
 * build the value on the other side (see ber-pyasn1.py): str-N and
 * bytes-N are N octets of a fixed pattern, int-V an INTEGER, real-X a
 * REAL given as C99 hex float text, nested the structure below.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "visitors/ber-visitor.h"

/* The pattern of the string and byte string samples (also in the .py). */
static char *pattern_string(size_t n)
{
    char *s = g_malloc(n + 1);
    size_t i;

    for (i = 0; i < n; i++) {
        s[i] = (char)('a' + i % 26);
    }
    s[n] = 0;
    return s;
}

static uint8_t *pattern_bytes(size_t n)
{
    uint8_t *b = g_malloc(n + 1);
    size_t i;

    for (i = 0; i < n; i++) {
        b[i] = (uint8_t)(i * 7 + 3);
    }
    return b;
}

typedef bool (*SampleFn)(Visitor *v, const void *arg, Error **errp);

static void print_hex(const GByteArray *b)
{
    guint i;

    for (i = 0; i < b->len; i++) {
        printf("%02x", b->data[i]);
    }
    if (b->len == 0) {
        printf("-");
    }
}

/* Encode with @fn in DER and CER and print the sample line. */
static void sample(const char *name, SampleFn fn, const void *arg)
{
    static const BERMode modes[] = { BER_MODE_DER, BER_MODE_CER };
    size_t m;

    printf("%s", name);
    for (m = 0; m < 2; m++) {
        GByteArray *out = NULL;
        Visitor *v = ber_output_visitor_new(modes[m], &out);

        if (!fn(v, arg, &error_abort)) {
            abort();
        }
        visit_complete(v, &out);
        visit_free(v);
        printf(" ");
        print_hex(out);
        g_byte_array_unref(out);
    }
    printf("\n");
}

static bool visit_str_sample(Visitor *v, const void *arg, Error **errp)
{
    char *s = pattern_string(*(const size_t *)arg);
    bool ok = visit_type_str(v, NULL, &s, errp);

    g_free(s);
    return ok;
}

static bool visit_bytes_sample(Visitor *v, const void *arg, Error **errp)
{
    size_t n = *(const size_t *)arg;
    uint8_t *b = pattern_bytes(n);
    bool ok = visit_type_bytes(v, NULL, &b, &n, errp);

    g_free(b);
    return ok;
}

static bool visit_int_sample(Visitor *v, const void *arg, Error **errp)
{
    int64_t x = *(const int64_t *)arg;

    return visit_type_int64(v, NULL, &x, errp);
}

static bool visit_real_sample(Visitor *v, const void *arg, Error **errp)
{
    double d = *(const double *)arg;

    return visit_type_number(v, NULL, &d, errp);
}

/*
 * A SEQUENCE OF over a fixed array of @n (at most 8) elements, each
 * visited by @visit_elem(v, @vals, index) (output only).
 */
static bool visit_fixed_list(Visitor *v, const char *name, size_t n,
                             bool (*visit_elem)(Visitor *v, const void *vals,
                                                size_t i, Error **errp),
                             const void *vals, Error **errp)
{
    GenericList nodes[8];
    GenericList *head = n ? &nodes[0] : NULL;
    size_t i;
    bool ok = false;

    g_assert(n <= G_N_ELEMENTS(nodes));
    for (i = 0; i < n; i++) {
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
    }
    if (!visit_start_list(v, name, &head, sizeof(GenericList), errp)) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (!visit_elem(v, vals, i, errp)) {
            goto out;
        }
    }
    ok = visit_check_list(v, errp);
out:
    visit_end_list(v, (void **)&head);
    return ok;
}

static bool visit_int_elem(Visitor *v, const void *vals, size_t i,
                           Error **errp)
{
    int64_t x = ((const int64_t *)vals)[i];

    return visit_type_int64(v, NULL, &x, errp);
}

static bool visit_str_elem(Visitor *v, const void *vals, size_t i,
                           Error **errp)
{
    return visit_type_str(v, NULL, &((char **)vals)[i], errp);
}

/*
 * nested ::= SEQUENCE {
 *     a INTEGER (-5), s UTF8String ("h\u00e9llo"), b BOOLEAN (TRUE),
 *     opt [3] IMPLICIT INTEGER (7),
 *     inner SEQUENCE { x INTEGER (300), y OCTET STRING (bytes-1001),
 *                      z SEQUENCE OF INTEGER (1, -1, 65536) },
 *     names SEQUENCE OF UTF8String ("", "a", str-1500),
 *     r REAL (1.5) }
 */
static bool visit_nested_sample(Visitor *v, const void *arg, Error **errp)
{
    static const int64_t z[] = { 1, -1, 65536 };
    int64_t a = -5, x = 300, opt = 7;
    bool b = true, has_opt = true;
    char *s = g_strdup("h\xc3\xa9llo");
    size_t ylen = 1001;
    uint8_t *y = pattern_bytes(ylen);
    char *names[3] = { g_strdup(""), g_strdup("a"), pattern_string(1500) };
    double r = 1.5;
    bool ok = false;

    if (!visit_start_struct(v, NULL, NULL, 0, errp)) {
        goto free;
    }
    if (!visit_type_int64(v, "a", &a, errp) ||
        !visit_type_str(v, "s", &s, errp) ||
        !visit_type_bool(v, "b", &b, errp) ||
        (visit_optional(v, "opt", &has_opt) &&
         !visit_type_int64(v, "opt", &opt, errp))) {
        goto end;
    }
    if (!visit_start_struct(v, "inner", NULL, 0, errp)) {
        goto end;
    }
    ok = visit_type_int64(v, "x", &x, errp) &&
         visit_type_bytes(v, "y", &y, &ylen, errp) &&
         visit_fixed_list(v, "z", 3, visit_int_elem, z, errp) &&
         visit_check_struct(v, errp);
    visit_end_struct(v, NULL);
    ok = ok && visit_fixed_list(v, "names", 3, visit_str_elem, names, errp) &&
         visit_type_number(v, "r", &r, errp) &&
         visit_check_struct(v, errp);
end:
    visit_end_struct(v, NULL);
free:
    g_free(s);
    g_free(y);
    g_free(names[0]);
    g_free(names[1]);
    g_free(names[2]);
    return ok;
}

int main(void)
{
    static const size_t lengths[] = { 0, 1, 999, 1000, 1001, 2000, 3500 };
    static const int64_t ints[] = {
        0, 1, 127, 128, 256, -1, -128, -129, -256, -32768, -32769,
        -8388608, -2147483648LL, INT64_MIN, INT64_MAX,
    };
    static const double reals[] = {
        0.0, 1.0, 1.5, -2.5, 0.1, 123456789.0, 1e300, -1e-300, 5e-324,
        1.5e-323, 1.0 / 0.0, -1.0 / 0.0,
    };
    char name[64];
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(lengths); i++) {
        snprintf(name, sizeof(name), "str-%zu", lengths[i]);
        sample(name, visit_str_sample, &lengths[i]);
        snprintf(name, sizeof(name), "bytes-%zu", lengths[i]);
        sample(name, visit_bytes_sample, &lengths[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(ints); i++) {
        snprintf(name, sizeof(name), "int-%" PRId64, ints[i]);
        sample(name, visit_int_sample, &ints[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(reals); i++) {
        snprintf(name, sizeof(name), "real-%a", reals[i]);
        sample(name, visit_real_sample, &reals[i]);
    }
    sample("nested", visit_nested_sample, NULL);
    return 0;
}
