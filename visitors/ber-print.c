/*
 * visitors/ber-print.c: tree, flat and JSON printing of a walk (see
 * ber-print.h).
 *
 * Output goes through one buffer handed to the caller's write function
 * when full: no stdio and no allocation per element once the buffers
 * have grown. JSON diagnostics of an open element are kept aside (the
 * "stash") until its children are written, since they follow them.
 */
#include "config.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "visitors/ber-print.h"

#define PRINT_BUFFER (1u << 16)
#define MAX_INDENT 40           /* deeper levels print their depth instead */

#define C_OFF    "\033[2m"
#define C_TAG    "\033[36m"
#define C_LABEL  "\033[1m"
#define C_VALUE  "\033[32m"
#define C_WARN   "\033[33m"
#define C_ERR    "\033[1;31m"
#define C_RESET  "\033[0m"

struct BERPrinter {
    BERPrintOptions opts;
    char *buf;
    size_t len;
    bool failed;
    BERText value;
    BERText tag;
    BERText scratch;
    BERText stash;                /* JSON diagnostics of open elements */
    size_t *stash_start;          /* per depth: where its diagnostics start */
    uint64_t *parent;             /* JSON_FLAT, per depth: element offset */
    uint64_t *index;              /* JSON_FLAT, per depth: next child index */
    size_t depth_cap;
    bool comma;                   /* JSON: the next item needs a comma */
    bool document_open;
    unsigned inputs;
};

static bool json(const BERPrinter *p)
{
    return p->opts.format == BER_PRINT_JSON ||
           p->opts.format == BER_PRINT_JSON_FLAT;
}

/* ---- output buffer --------------------------------------------------------- */

bool ber_printer_flush(BERPrinter *p)
{
    if (p->len && !p->failed && !p->opts.write(p->opts.opaque, p->buf, p->len)) {
        p->failed = true;
    }
    p->len = 0;
    return !p->failed;
}

static void put(BERPrinter *p, const char *s, size_t n)
{
    while (n) {
        size_t room = PRINT_BUFFER - p->len;
        size_t k = n < room ? n : room;

        memcpy(p->buf + p->len, s, k);
        p->len += k;
        s += k;
        n -= k;
        if (p->len == PRINT_BUFFER) {
            ber_printer_flush(p);
        }
    }
}

static void puts_(BERPrinter *p, const char *s)
{
    put(p, s, strlen(s));
}

static inline void putc_(BERPrinter *p, char c)
{
    if (p->len == PRINT_BUFFER) {
        ber_printer_flush(p);
    }
    p->buf[p->len++] = c;
}

/* @v in decimal, right-aligned in @width columns. */
static void put_u64(BERPrinter *p, uint64_t v, int width)
{
    char buf[40];
    char *q = buf + sizeof(buf);
    int n;

    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    n = (int)(buf + sizeof(buf) - q);
    while (width > n) {
        *--q = ' ';
        n++;
    }
    put(p, q, (size_t)n);
}

static void put_spaces(BERPrinter *p, size_t n)
{
    static const char sp[] = "                                        ";

    while (n) {
        size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

        put(p, sp, k);
        n -= k;
    }
}

static void color(BERPrinter *p, const char *c)
{
    if (p->opts.color) {
        puts_(p, c);
    }
}

/* @s as a JSON string, quotes included (the one escaper, ber-text.h). */
static void put_json_string(BERPrinter *p, const char *s, size_t n)
{
    p->scratch.len = 0;
    ber_text_append_json(&p->scratch, s, n);
    putc_(p, '"');
    put(p, p->scratch.data ? p->scratch.data : "", p->scratch.len);
    putc_(p, '"');
}

/* ---- setup ------------------------------------------------------------------ */

BERPrinter *ber_printer_new(const BERPrintOptions *opts)
{
    BERPrinter *p = g_new0(BERPrinter, 1);

    p->opts = *opts;
    p->buf = g_malloc(PRINT_BUFFER);
    return p;
}

void ber_printer_free(BERPrinter *p)
{
    if (!p) {
        return;
    }
    ber_text_free(&p->value);
    ber_text_free(&p->tag);
    ber_text_free(&p->scratch);
    ber_text_free(&p->stash);
    g_free(p->stash_start);
    g_free(p->parent);
    g_free(p->index);
    g_free(p->buf);
    g_free(p);
}

/* Per-depth state for @depth (grown on demand: the depth is the input's). */
static void reserve_depth(BERPrinter *p, uint32_t depth)
{
    size_t cap = p->depth_cap ? p->depth_cap : 64;

    if (depth < p->depth_cap) {
        return;
    }
    while (cap <= depth) {
        cap *= 2;
    }
    p->stash_start = g_renew(size_t, p->stash_start, cap);
    p->parent = g_renew(uint64_t, p->parent, cap);
    p->index = g_renew(uint64_t, p->index, cap);
    p->depth_cap = cap;
}

static void open_document(BERPrinter *p)
{
    if (json(p) && !p->document_open) {
        puts_(p, "{\"inputs\":[");
        p->document_open = true;
    }
}

/* ---- diagnostics ------------------------------------------------------------ */

static size_t tree_indent(uint32_t depth)
{
    return 21 + 2 * (depth < MAX_INDENT ? depth : MAX_INDENT);
}

static void tree_diagnostics(BERPrinter *p, const BERInspectDiagnostic *d,
                             size_t n, size_t indent)
{
    size_t i;

    for (i = 0; i < n; i++) {
        bool err = d[i].severity == BER_INSPECT_ERROR;

        put_spaces(p, indent);
        color(p, err ? C_ERR : C_WARN);
        puts_(p, err ? "! error at " : "! warning at ");
        put_u64(p, d[i].offset, 0);
        puts_(p, ": ");
        puts_(p, d[i].message);
        puts_(p, " [");
        puts_(p, d[i].code);
        putc_(p, ']');
        color(p, C_RESET);
        putc_(p, '\n');
    }
}

/* Append @n diagnostics to the stash as JSON objects (after @from's). */
static void stash_diagnostics(BERPrinter *p, const BERInspectDiagnostic *d,
                              size_t n, size_t from)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char num[48];
        int k;

        if (p->stash.len > from) {
            ber_text_append(&p->stash, ",", 1);
        }
        k = snprintf(num, sizeof(num), "{\"offset\":%" PRIu64 ",\"severity\":",
                     d[i].offset);
        ber_text_append(&p->stash, num, (size_t)k);
        k = snprintf(num, sizeof(num), "\"%s\",\"code\":\"",
                     d[i].severity == BER_INSPECT_ERROR ? "error" : "warning");
        ber_text_append(&p->stash, num, (size_t)k);
        ber_text_append_json(&p->stash, d[i].code, strlen(d[i].code));
        ber_text_append(&p->stash, "\",\"message\":\"", 13);
        ber_text_append_json(&p->stash, d[i].message, strlen(d[i].message));
        ber_text_append(&p->stash, "\"}", 2);
    }
}

/* Write "diagnostics":[...]} from the stash at @from, and drop them. */
static void json_flush_stash(BERPrinter *p, size_t from)
{
    puts_(p, "\"diagnostics\":[");
    put(p, p->stash.data ? p->stash.data + from : "", p->stash.len - from);
    puts_(p, "]}");
    p->stash.len = from;
}

static void element_diagnostics(BERPrinter *p, const BERInspectElement *e,
                                const BERPrintExtra *x, size_t indent)
{
    tree_diagnostics(p, e->diagnostics, e->diagnostic_count, indent);
    if (x && x->diagnostic_count) {
        tree_diagnostics(p, x->diagnostics, x->diagnostic_count, indent);
    }
}

static void stash_element_diagnostics(BERPrinter *p, const BERInspectElement *e,
                                      const BERPrintExtra *x, size_t from)
{
    stash_diagnostics(p, e->diagnostics, e->diagnostic_count, from);
    if (x && x->diagnostic_count) {
        stash_diagnostics(p, x->diagnostics, x->diagnostic_count, from);
    }
}

/* ---- inputs ----------------------------------------------------------------- */

void ber_printer_begin_input(BERPrinter *p, const char *name, BERMode mode,
                             uint64_t offset, uint64_t length, bool header)
{
    if (json(p)) {
        open_document(p);
        if (p->inputs) {
            putc_(p, ',');
        }
        puts_(p, "{\"name\":");
        put_json_string(p, name, strlen(name));
        puts_(p, ",\"mode\":\"");
        puts_(p, mode == BER_MODE_DER ? "DER" : mode == BER_MODE_CER ? "CER" :
              "BER");
        puts_(p, "\",\"offset\":");
        put_u64(p, offset, 0);
        puts_(p, ",\"length\":");
        put_u64(p, length, 0);
        puts_(p, ",\"elements\":[");
        p->comma = false;
        p->stash.len = 0;
    } else if (header && p->opts.format != BER_PRINT_QUIET) {
        puts_(p, p->inputs ? "\n==> " : "==> ");
        puts_(p, name);
        puts_(p, " <==\n");
    }
    p->inputs++;
}

void ber_printer_input_error(BERPrinter *p, const char *name,
                             const char *message)
{
    if (!json(p)) {
        return;
    }
    open_document(p);
    if (p->inputs++) {
        putc_(p, ',');
    }
    puts_(p, "{\"name\":");
    put_json_string(p, name, strlen(name));
    puts_(p, ",\"error\":");
    put_json_string(p, message, strlen(message));
    putc_(p, '}');
}

void ber_printer_end_input(BERPrinter *p, const BERInspectSummary *sum)
{
    if (!json(p)) {
        return;
    }
    puts_(p, "],\"diagnostics\":[");
    put(p, p->stash.data ? p->stash.data : "", p->stash.len);
    p->stash.len = 0;
    puts_(p, "],\"elements_count\":");
    put_u64(p, sum->elements, 0);
    puts_(p, ",\"max_depth\":");
    put_u64(p, sum->max_depth, 0);
    puts_(p, ",\"warnings\":");
    put_u64(p, sum->warnings, 0);
    puts_(p, ",\"errors\":");
    put_u64(p, sum->errors, 0);
    putc_(p, '}');
}

bool ber_printer_finish(BERPrinter *p)
{
    if (json(p)) {
        open_document(p);
        puts_(p, "]}\n");
    }
    return ber_printer_flush(p);
}

/* ---- elements --------------------------------------------------------------- */

static const char *class_name(BERClass c)
{
    static const char *const names[] = { "universal", "application",
                                         "context", "private" };
    return names[c & 3];
}

/* The tag number beyond 63 bits, "0x..." out of "[APPLICATION 0x...]". */
static const char *big_tag_number(const BERPrinter *p, size_t *n)
{
    const char *s = strchr(p->tag.data, '0');

    *n = s ? strcspn(s, "]") : 0;
    return s ? s : "";
}

static void json_element(BERPrinter *p, const BERInspectElement *e,
                         const BERPrintExtra *x, unsigned flags)
{
    bool open = e->constructed || e->encapsulates;
    bool flat = p->opts.format == BER_PRINT_JSON_FLAT;

    if (p->comma) {
        putc_(p, ',');
    }
    puts_(p, "{\"offset\":");
    put_u64(p, e->offset, 0);
    puts_(p, ",\"depth\":");
    put_u64(p, e->depth, 0);
    if (flat) {
        puts_(p, ",\"parent\":");
        if (e->depth) {
            put_u64(p, p->parent[e->depth - 1], 0);
        } else {
            puts_(p, "null");
        }
        puts_(p, ",\"index\":");
        put_u64(p, p->index[e->depth]++, 0);
    }
    puts_(p, ",\"header_length\":");
    put_u64(p, e->header_length, 0);
    puts_(p, ",\"length\":");
    if (e->indefinite) {
        puts_(p, "null");
    } else {
        put_u64(p, e->length, 0);
    }
    puts_(p, ",\"class\":\"");
    puts_(p, class_name(e->tag_class));
    puts_(p, "\",\"constructed\":");
    puts_(p, e->constructed ? "true" : "false");
    puts_(p, ",\"tag\":");
    if (e->tag_too_large) {
        size_t n;
        const char *s = big_tag_number(p, &n);

        put_json_string(p, s, n);
    } else {
        put_u64(p, e->tag, 0);
    }
    puts_(p, ",\"name\":");
    if (e->end_of_contents) {
        puts_(p, "\"EOC\"");
    } else {
        put_json_string(p, p->tag.data, p->tag.len);
    }
    if (x && x->label) {
        puts_(p, ",\"field\":");
        put_json_string(p, x->label, strlen(x->label));
    }
    puts_(p, ",\"value\":");
    if (e->constructed || e->end_of_contents || e->indefinite) {
        puts_(p, "null");
    } else if (flags & BER_VALUE_LITERAL) {
        put(p, p->value.data, p->value.len);
    } else {
        putc_(p, '"');
        put(p, p->value.data, p->value.len);     /* escaped by ber-text */
        putc_(p, '"');
    }
    if (flags & BER_VALUE_BIG) {
        puts_(p, ",\"hex\":true");
    }
    if (flags & BER_VALUE_CUT) {
        puts_(p, ",\"value_cut\":true");
    }
    if (e->tag_class == BER_CLASS_UNIVERSAL && !e->tag_too_large &&
        !e->constructed && !e->truncated) {
        if (e->tag == BER_TAG_BIT_STRING && e->content_available) {
            puts_(p, ",\"unused_bits\":");
            put_u64(p, e->content[0], 0);
        } else if (e->tag == BER_TAG_OID && !(flags & BER_VALUE_BIG)) {
            const char *name = ber_oid_name(p->opts.oids, p->value.data);

            if (name) {
                puts_(p, ",\"oid_name\":");
                put_json_string(p, name, strlen(name));
            }
        }
    }
    if (e->truncated) {
        puts_(p, ",\"truncated\":true");
    }
    if (e->end_of_contents) {
        puts_(p, ",\"end_of_contents\":true");
    }
    if (e->encapsulates) {
        puts_(p, ",\"encapsulates\":true");
    }
    if (x && x->note) {
        puts_(p, ",\"note\":");
        put_json_string(p, x->note, strlen(x->note));
    }
    if (open && !flat) {
        p->stash_start[e->depth] = p->stash.len;
        stash_element_diagnostics(p, e, x, p->stash.len);
        puts_(p, ",\"children\":[");
        p->comma = false;
    } else {
        size_t from = p->stash.len;

        putc_(p, ',');
        stash_element_diagnostics(p, e, x, from);
        json_flush_stash(p, from);
        p->comma = true;
    }
    if (open && flat) {
        p->parent[e->depth] = e->offset;
        p->index[e->depth + 1] = 0;
    }
}

static void flat_element(BERPrinter *p, const BERInspectElement *e,
                         const BERPrintExtra *x)
{
    put_u64(p, e->offset, 0);
    putc_(p, ' ');
    put_u64(p, e->depth, 0);
    putc_(p, ' ');
    put_u64(p, e->header_length, 0);
    putc_(p, ' ');
    if (e->indefinite) {
        puts_(p, "indef");
    } else {
        put_u64(p, e->length, 0);
    }
    puts_(p, e->constructed ? " cons " : " prim ");
    putc_(p, "uacp"[e->tag_class & 3]);
    if (e->tag_too_large) {
        size_t n;
        const char *s = big_tag_number(p, &n);

        put(p, s, n);
    } else {
        put_u64(p, e->tag, 0);
    }
    putc_(p, '\n');
    element_diagnostics(p, e, x, 0);
}

static void tree_element(BERPrinter *p, const BERInspectElement *e,
                         const BERPrintExtra *x)
{
    uint32_t d = e->depth;

    color(p, C_OFF);
    put_u64(p, e->offset, 10);
    putc_(p, ' ');
    put_u64(p, e->header_length, 2);
    putc_(p, ' ');
    if (e->indefinite) {
        puts_(p, "   indef");
    } else {
        put_u64(p, e->length, 8);
    }
    color(p, C_RESET);
    putc_(p, ' ');
    putc_(p, e->encapsulates ? '>' : e->constructed ? '+' : ' ');
    putc_(p, ' ');
    put_spaces(p, 2 * (d < MAX_INDENT ? d : MAX_INDENT));
    if (d >= MAX_INDENT) {
        puts_(p, "<depth ");
        put_u64(p, d, 0);
        puts_(p, "> ");
    }
    if (x && x->label) {
        color(p, C_LABEL);
        puts_(p, x->label);
        color(p, C_RESET);
        putc_(p, ' ');
    }
    color(p, C_TAG);
    if (e->end_of_contents) {
        puts_(p, "EOC");
    } else {
        put(p, p->tag.data, p->tag.len);
    }
    color(p, C_RESET);
    if (p->value.len && !e->encapsulates) {
        putc_(p, ' ');
        color(p, C_VALUE);
        put(p, p->value.data, p->value.len);
        color(p, C_RESET);
    }
    if (e->truncated) {
        puts_(p, " (truncated)");
    }
    if (e->encapsulates) {
        puts_(p, " (encapsulates)");
    }
    putc_(p, '\n');
    element_diagnostics(p, e, x, tree_indent(d));
}

bool ber_printer_begin(BERPrinter *p, const BERInspectElement *e,
                       const BERPrintExtra *x)
{
    unsigned flags;

    p->value.len = 0;
    p->tag.len = 0;
    reserve_depth(p, e->depth + 1);
    if (p->opts.format == BER_PRINT_QUIET) {
        element_diagnostics(p, e, x, 0);
        return !p->failed;
    }
    if (x && x->note && !json(p)) {
        color(p, C_LABEL);
        puts_(p, "-- ");
        puts_(p, x->note);
        puts_(p, " --");
        color(p, C_RESET);
        putc_(p, '\n');
    }
    ber_text_tag(e, &p->tag);
    if (x && x->value_tag >= 0 && !e->constructed) {
        /* an IMPLICIT tag hides the type: show the value as it is */
        BERInspectElement typed = *e;

        typed.tag_class = BER_CLASS_UNIVERSAL;
        typed.tag = (uint64_t)x->value_tag;
        typed.tag_too_large = false;
        flags = ber_text_value(&typed, &p->value, p->opts.max_octets, json(p),
                               p->opts.oids);
    } else {
        flags = ber_text_value(e, &p->value, p->opts.max_octets, json(p),
                               p->opts.oids);
    }
    switch (p->opts.format) {
    case BER_PRINT_JSON:
    case BER_PRINT_JSON_FLAT:
        json_element(p, e, x, flags);
        break;
    case BER_PRINT_FLAT:
        flat_element(p, e, x);
        break;
    default:
        tree_element(p, e, x);
        break;
    }
    return !p->failed;
}

bool ber_printer_end(BERPrinter *p, const BERInspectElement *e,
                     const BERPrintExtra *x)
{
    switch (p->opts.format) {
    case BER_PRINT_JSON: {
        size_t from = p->stash_start[e->depth];

        puts_(p, "]");
        if (e->indefinite) {
            puts_(p, ",\"content_length\":");
            put_u64(p, e->length, 0);
        }
        putc_(p, ',');
        stash_element_diagnostics(p, e, x, from);
        json_flush_stash(p, from);
        p->comma = true;
        break;
    }
    case BER_PRINT_JSON_FLAT:
        /* the element is written: its closing findings go to the input's */
        stash_element_diagnostics(p, e, x, 0);
        break;
    case BER_PRINT_TREE:
        p->value.len = 0;
        if (e->indefinite && ber_text_constructed_time(e, &p->value)) {
            /* the joined value is known only now */
            put_spaces(p, (size_t)tree_indent(e->depth));
            puts_(p, "= ");
            color(p, C_VALUE);
            put(p, p->value.data, p->value.len);
            color(p, C_RESET);
            putc_(p, '\n');
        }
        element_diagnostics(p, e, x, tree_indent(e->depth));
        break;
    default:
        element_diagnostics(p, e, x, 0);
        break;
    }
    return !p->failed;
}

bool ber_printer_diagnostic(BERPrinter *p, const BERInspectDiagnostic *d)
{
    if (json(p)) {
        stash_diagnostics(p, d, 1, 0);
    } else {
        tree_diagnostics(p, d, 1, 0);
    }
    return !p->failed;
}

static bool cb_begin(void *opaque, const BERInspectElement *e)
{
    return ber_printer_begin(opaque, e, NULL);
}

static bool cb_end(void *opaque, const BERInspectElement *e)
{
    return ber_printer_end(opaque, e, NULL);
}

static bool cb_stream(void *opaque, const BERInspectDiagnostic *d)
{
    return ber_printer_diagnostic(opaque, d);
}

const BERInspectCallbacks ber_printer_callbacks = { cb_begin, cb_end,
                                                    cb_stream };
