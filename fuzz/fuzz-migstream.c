/*
 * fuzz/fuzz-migstream.c: libFuzzer target for the migration stream reader.
 *
 * Reads the input as a native QEMU stream through a CER sink; an input
 * that is refused must say where ("offset N: ..."). One that is accepted
 * must come back from DER and from JSON byte for byte: the reader may
 * refuse, never lose. Its DER written as migstream convert writes it (each
 * record measured, then written through the plan) must be the DER of one
 * pass.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "migration/migstream.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"

static bool discard(void *opaque, const uint8_t *buf, size_t len, Error **errp)
{
    return true;
}

static bool append(void *opaque, const uint8_t *buf, size_t len, Error **errp)
{
    g_byte_array_append(opaque, buf, (guint)len);
    return true;
}

static Visitor *measure_record(void *opaque)
{
    return ber_output_visitor_new_measure(BER_MODE_DER, NULL, opaque);
}

static void measured(void *opaque, Visitor *v)
{
    visit_free(v);
}

/* The planned DER of @data, as mig_convert_fd() writes it, must be @der. */
static void check_planned(const uint8_t *data, size_t size,
                          const GByteArray *der)
{
    BERPlan *plan = ber_plan_new();
    MigHooks hooks = { .opaque = plan, .prewalk_visitor = measure_record,
                       .prewalk_done = measured };
    GByteArray *out = g_byte_array_new();
    MigReader *r = mig_reader_new_mem(data, size);
    Visitor *v = ber_output_visitor_new_planned_sink(BER_MODE_DER, NULL, plan,
                                                     append, out);
    unsigned octets = (unsigned)ber_length_size(size);
    bool ok;

    /* the outer two lengths, filled in from the buffer (small outputs) */
    ber_plan_defer(plan, octets);
    ber_plan_defer(plan, octets);
    ok = mig_stream_to_visitor(r, v, &hooks, NULL) &&
         ber_output_visitor_finish(v, NULL);
    if (ok ? out->len != der->len || memcmp(out->data, der->data, der->len)
           : !ber_plan_misfit(plan)) {
        abort();
    }
    visit_free(v);
    mig_reader_free(r);
    ber_plan_free(plan);
    g_byte_array_unref(out);
}

/* The native stream visited back from @v must be @data. */
static void check_back(Visitor *v, const uint8_t *data, size_t size)
{
    GByteArray *back = g_byte_array_new();
    MigWriter *w = mig_writer_new(append, back);

    if (!mig_stream_from_visitor(v, w, NULL, NULL) || back->len != size ||
        memcmp(back->data, data, size)) {
        abort();
    }
    mig_writer_free(w);
    g_byte_array_unref(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    MigReader *r = mig_reader_new_mem(data, size);
    Visitor *v = ber_output_visitor_new_sink(BER_MODE_CER, NULL, discard, NULL);
    Error *err = NULL;
    GByteArray *der = NULL;
    char *json = NULL;
    bool ok = mig_stream_to_visitor(r, v, NULL, &err);

    visit_free(v);
    mig_reader_free(r);
    if (!ok) {
        if (strncmp(error_get_pretty(err), "offset ", 7)) {
            abort();
        }
        error_free(err);
        return 0;
    }

    r = mig_reader_new_mem(data, size);
    v = ber_output_visitor_new(BER_MODE_DER, &der);
    if (!mig_stream_to_visitor(r, v, NULL, NULL)) {
        abort();
    }
    visit_complete(v, &der);
    visit_free(v);
    mig_reader_free(r);
    if (der->len < 65536) {
        check_planned(data, size, der);
    }
    v = ber_input_visitor_new(der->data, der->len, BER_MODE_DER);
    check_back(v, data, size);
    visit_free(v);
    g_byte_array_unref(der);

    r = mig_reader_new_mem(data, size);
    v = json_output_visitor_new(false, &json);
    if (!mig_stream_to_visitor(r, v, NULL, NULL)) {
        abort();
    }
    visit_complete(v, &json);
    visit_free(v);
    mig_reader_free(r);
    v = json_input_visitor_new(json, NULL);
    if (!v) {
        abort();
    }
    check_back(v, data, size);
    visit_free(v);
    g_free(json);
    return 0;
}
