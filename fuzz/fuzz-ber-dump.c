/*
 * fuzz/fuzz-ber-dump.c: libFuzzer target for the inspector behind ber-dump.
 *
 * Walks the input in BER, CER and DER with encapsulation detection on,
 * renders every tag and value (tree and JSON forms) and checks the
 * walk's invariants: every element lies inside the input, begin and end
 * events nest, EOC markers are primitive and empty, diagnostics point
 * inside the input, and nothing rendered for a terminal contains a raw
 * control octet.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "visitors/ber-inspect.h"

typedef struct State {
    size_t len;
    uint32_t open;              /* begin events not yet ended (constructed) */
    BERText text;
} State;

static void check_element(State *s, const BERInspectElement *e)
{
    size_t i;

    if (e->offset >= s->len || e->header_length == 0 ||
        e->offset + e->header_length > s->len ||
        e->content_available > s->len - e->offset - e->header_length) {
        abort();
    }
    for (i = 0; i < e->diagnostic_count; i++) {
        if (e->diagnostics[i].offset > s->len || !e->diagnostics[i].code) {
            abort();
        }
    }
}

static bool on_begin(void *opaque, const BERInspectElement *e)
{
    State *s = opaque;
    size_t i;

    check_element(s, e);
    if (e->depth != s->open) {
        abort();
    }
    if (e->end_of_contents && (e->constructed || e->indefinite)) {
        /* a malformed EOC may be shown, but then it carries its error */
        if (e->diagnostic_count == 0) {
            abort();
        }
    }
    s->text.len = 0;
    ber_inspect_format_tag(e, &s->text);
    ber_inspect_format_value(e, &s->text, 64, false);
    for (i = 0; i < s->text.len; i++) {
        unsigned char c = (unsigned char)s->text.data[i];

        if (c < 0x20 || c == 0x7f) {
            abort();    /* a raw control octet would reach the terminal */
        }
    }
    s->text.len = 0;
    ber_inspect_format_value(e, &s->text, 0, true);
    if (e->constructed || e->encapsulates) {
        s->open++;
    }
    return true;
}

static bool on_end(void *opaque, const BERInspectElement *e)
{
    State *s = opaque;

    check_element(s, e);
    if (s->open == 0 || e->depth != s->open - 1) {
        abort();
    }
    s->open--;
    return true;
}

static bool on_stream(void *opaque, const BERInspectDiagnostic *d)
{
    State *s = opaque;

    if (d->offset > s->len) {
        abort();
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const BERInspectCallbacks cb = { on_begin, on_end, on_stream };
    static const BERMode modes[] = { BER_MODE_BER, BER_MODE_CER, BER_MODE_DER };
    State s;
    size_t m;

    memset(&s, 0, sizeof(s));
    s.len = size;
    for (m = 0; m < 3; m++) {
        BERInspectOptions o;
        BERInspectSummary sum;

        ber_inspect_options_init(&o);
        o.mode = modes[m];
        s.open = 0;
        if (!ber_inspect(data, size, &o, &cb, &s, &sum) || s.open != 0 ||
            sum.consumed > size) {
            abort();
        }
    }
    ber_text_free(&s.text);
    return 0;
}
