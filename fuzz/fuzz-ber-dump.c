/*
 * fuzz/fuzz-ber-dump.c: libFuzzer target for the inspector behind ber-dump.
 *
 * Walks the input in BER, CER and DER with encapsulation detection on,
 * renders every tag and value (tree and JSON forms) and checks the
 * walk's invariants: every element lies inside the input, begin and end
 * events nest, EOC markers are primitive and empty, diagnostics point
 * inside the input, and nothing rendered for a terminal contains a raw
 * control octet. Then prints the walk with the printer ber-dump uses
 * (visitors/ber-print.h): the tree must hold no control octet but
 * newlines, and the nested and flat JSON documents must parse (json-c).
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-print.h"

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
    ber_text_tag(e, &s->text);
    ber_text_value(e, &s->text, 64, false, NULL);
    for (i = 0; i < s->text.len; i++) {
        unsigned char c = (unsigned char)s->text.data[i];

        if (c < 0x20 || c == 0x7f) {
            abort();    /* a raw control octet would reach the terminal */
        }
    }
    s->text.len = 0;
    ber_text_value(e, &s->text, 0, true, NULL);
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

/* The printer's output, gathered (bounded: the walk is linear). */
static bool gather(void *opaque, const char *buf, size_t len)
{
    ber_text_append(opaque, buf, len);
    return true;
}

static void print_and_check(const uint8_t *data, size_t size,
                            BERPrintFormat format)
{
    BERText out = { 0 };
    BERPrintOptions po = { .format = format, .max_octets = 64,
                           .write = gather, .opaque = &out };
    BERPrinter *p = ber_printer_new(&po);
    BERInspectSummary sum;
    size_t i;

    ber_printer_begin_input(p, "fuzz", BER_MODE_DER, 0, size, false);
    ber_inspect(data, size, NULL, &ber_printer_callbacks, p, &sum);
    ber_printer_end_input(p, &sum);
    if (!ber_printer_finish(p)) {
        abort();
    }
    ber_printer_free(p);
    if (format == BER_PRINT_TREE) {
        for (i = 0; i < out.len; i++) {
            unsigned char c = (unsigned char)out.data[i];

            if ((c < 0x20 && c != '\n') || c == 0x7f) {
                abort();
            }
        }
    } else {
        /* nested JSON follows the input's depth; flat JSON stays shallow */
        struct json_tokener *tok = json_tokener_new_ex(
            format == BER_PRINT_JSON ? 4 * (int)size + 16 : 8);
        json_object *doc;

        doc = json_tokener_parse_ex(tok, out.data, (int)out.len);
        if (!doc || json_tokener_get_error(tok) != json_tokener_success) {
            abort();
        }
        json_object_put(doc);
        json_tokener_free(tok);
    }
    ber_text_free(&out);
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
    print_and_check(data, size, BER_PRINT_TREE);
    print_and_check(data, size, BER_PRINT_JSON);
    print_and_check(data, size, BER_PRINT_JSON_FLAT);
    return 0;
}
