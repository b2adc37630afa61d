/*
 * qvgen-dump DIR: write every sample value of our test schema
 * (tests/qvgen-samples.c) into DIR as N.der and N.cer (our DER and CER)
 * and N.json (our JSON: the field values to expect), and DIR/index.tsv with one line
 * "N<TAB>QAPI type<TAB>ASN.1 type or -" per sample, for the ASN.1
 * cross-checks of tests/test-qvisit-gen-asn1.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/qvgen-samples.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-output-visitor.h"

static bool write_file(const char *dir, const char *name, const void *data,
                       size_t len);

/* Write sample @s encoded in @mode into DIR/N.ext. */
static bool write_ber(const char *dir, size_t i, QvSample *s, BERMode mode,
                      const char *ext)
{
    GByteArray *bytes = NULL;
    Visitor *v = ber_output_visitor_new(mode, &bytes);
    char *name = g_strdup_printf("%zu.%s", i, ext);
    bool ok;

    s->type->visit(v, &s->value, &error_abort);
    visit_complete(v, &bytes);
    visit_free(v);
    ok = write_file(dir, name, bytes->data, bytes->len);
    g_byte_array_unref(bytes);
    g_free(name);
    return ok;
}

static bool write_file(const char *dir, const char *name, const void *data,
                       size_t len)
{
    char *path = g_build_filename(dir, name, NULL);
    GError *err = NULL;
    bool ok = g_file_set_contents(path, data, len, &err);

    if (!ok) {
        fprintf(stderr, "qvgen-dump: %s\n", err->message);
        g_error_free(err);
    }
    g_free(path);
    return ok;
}

int main(int argc, char **argv)
{
    size_t n, i;
    QvSample *samples;
    GString *index = g_string_new(NULL);
    bool ok = true;

    if (argc != 2) {
        fprintf(stderr, "usage: qvgen-dump DIR\n");
        return 2;
    }
    samples = qvgen_samples_new(&n);
    for (i = 0; i < n && ok; i++) {
        QvSample *s = &samples[i];
        char *json = NULL;
        char *json_name = g_strdup_printf("%zu.json", i);
        Visitor *v = json_output_visitor_new(false, &json);

        s->type->visit(v, &s->value, &error_abort);
        visit_complete(v, &json);
        visit_free(v);
        ok = write_ber(argv[1], i, s, BER_MODE_DER, "der")
            && write_ber(argv[1], i, s, BER_MODE_CER, "cer")
            && write_file(argv[1], json_name, json, strlen(json));
        g_free(json_name);
        g_free(json);
        g_string_append_printf(index, "%zu\t%s\t%s\n", i, s->type->name,
                               s->asn1_type ? s->asn1_type : "-");
    }
    ok = ok && write_file(argv[1], "index.tsv", index->str, index->len);
    g_string_free(index, TRUE);
    qvgen_samples_free(samples, n);
    return ok ? 0 : 1;
}
