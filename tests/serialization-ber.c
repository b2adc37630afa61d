/*
 * tests/serialization-ber.c: the BER visitors as SerializeOps entries:
 * DER, CER and BER output each read back in the same mode, plus CER with
 * tiny fragments read back as BER (constructed strings everywhere).
 */
#include "config.h"

#include "tests/serialization.h"
#include "visitors/ber-inspect.h"
#include "visitors/ber-visitor.h"

static bool first_diagnostic(void *opaque, const BERInspectElement *e)
{
    BERInspectDiagnostic *d = opaque;

    if (e->diagnostic_count && !d->code) {
        *d = e->diagnostics[0];
    }
    return true;
}

static bool stream_diagnostic(void *opaque, const BERInspectDiagnostic *diag)
{
    BERInspectDiagnostic *d = opaque;

    if (!d->code) {
        *d = *diag;
    }
    return true;
}

/*
 * Our own output through our strictest checker (what ber-dump --der and
 * --cer run): not one error or warning, in the mode it was written in.
 */
static void assert_inspector_clean(const GByteArray *bytes, BERMode mode)
{
    static const BERInspectCallbacks cb = { first_diagnostic,
                                            first_diagnostic,
                                            stream_diagnostic };
    BERInspectDiagnostic d = { 0 };
    BERInspectOptions o;
    BERInspectSummary sum;

    ber_inspect_options_init(&o);
    o.mode = mode;
    o.single = true;
    ck_assert(ber_inspect(bytes->data, bytes->len, &o, &cb, &d, &sum));
    ck_assert_msg(sum.errors == 0 && sum.warnings == 0,
                  "%s output: %llu errors, %llu warnings, first at %llu: "
                  "%s [%s]", mode == BER_MODE_DER ? "DER" : mode ==
                  BER_MODE_CER ? "CER" : "BER",
                  (unsigned long long)sum.errors,
                  (unsigned long long)sum.warnings,
                  (unsigned long long)d.offset, d.message,
                  d.code ? d.code : "");
}

static void ber_serialize(void *native_in, void **datap, VisitorFunc visit,
                          BERMode mode, size_t fragment, Error **errp)
{
    GByteArray *bytes = NULL;
    BEROptions opts = { .cer_fragment_size = fragment };
    Visitor *v = ber_output_visitor_new_opts(mode, &opts, &bytes);

    if (visit(v, &native_in, errp)) {
        visit_complete(v, &bytes);
        /* BER output is DER's bytes; CER with other fragments is only BER */
        assert_inspector_clean(bytes, mode == BER_MODE_BER ? BER_MODE_DER :
                               mode == BER_MODE_CER && fragment ?
                               BER_MODE_BER : mode);
    }
    visit_free(v);
    *datap = bytes;
}

static void ber_deserialize(void **native_out, void *datap,
                            VisitorFunc visit, BERMode mode, size_t fragment,
                            Error **errp)
{
    GByteArray *bytes = datap;
    BEROptions opts = { .cer_fragment_size = fragment };
    Visitor *v;
    static const uint8_t empty[1];

    v = ber_input_visitor_new_opts(bytes ? bytes->data : empty,
                                   bytes ? bytes->len : 0, mode, &opts);
    visit(v, native_out, errp);
    visit_free(v);
}

#define BER_OPS(fn, out_mode, in_mode, fragment)                              \
    static void fn##_serialize(void *native_in, void **datap,                 \
                               VisitorFunc visit, Error **errp)               \
    {                                                                         \
        ber_serialize(native_in, datap, visit, out_mode, fragment, errp);     \
    }                                                                         \
    static void fn##_deserialize(void **native_out, void *datap,              \
                                 VisitorFunc visit, Error **errp)             \
    {                                                                         \
        ber_deserialize(native_out, datap, visit, in_mode,                    \
                        in_mode == BER_MODE_CER ? fragment : 0, errp);        \
    }

BER_OPS(der, BER_MODE_DER, BER_MODE_DER, 0)
BER_OPS(cer, BER_MODE_CER, BER_MODE_CER, 0)
BER_OPS(plain, BER_MODE_BER, BER_MODE_BER, 0)
BER_OPS(cer_small, BER_MODE_CER, BER_MODE_BER, 3)

static void ber_cleanup(void *datap)
{
    if (datap) {
        g_byte_array_unref(datap);
    }
}

const SerializeOps serialization_ber_ops[] = {
    { .name = "DER", .serialize = der_serialize,
      .deserialize = der_deserialize, .cleanup = ber_cleanup,
      .caps = VCAP_ALL },
    { .name = "CER", .serialize = cer_serialize,
      .deserialize = cer_deserialize, .cleanup = ber_cleanup,
      .caps = VCAP_ALL },
    { .name = "BER", .serialize = plain_serialize,
      .deserialize = plain_deserialize, .cleanup = ber_cleanup,
      .caps = VCAP_ALL },
    { .name = "CER-fragment-3-as-BER", .serialize = cer_small_serialize,
      .deserialize = cer_small_deserialize, .cleanup = ber_cleanup,
      .caps = VCAP_ALL },
    { NULL }
};
