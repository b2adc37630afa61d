/*
 * visitors/ber-print.h: print what the inspector walks, as a tree, as flat
 * lines, or as JSON (nested, or flat for deep inputs).
 *
 * The printer is what ber-dump prints with, and what any program showing
 * an X.690 stream can use: feed it the inspector's events (directly with
 * ber_printer_callbacks(), or from your own callbacks with the extras a
 * caller may add: a field label, a type an IMPLICIT tag hides, findings
 * of its own, a note such as "PEM block 2"), and it writes through a
 * write function of yours, buffered (64 KiB), never one write per element.
 *
 * Formats (all offsets absolute, as the inspector reports them):
 * - BER_PRINT_TREE: "offset hl length [+>] <indent> [label] TAG value",
 *   diagnostics under their element as "! error at N: reason [code]";
 *   optional ANSI colour.
 * - BER_PRINT_FLAT: "offset depth hl length|indef cons|prim <class><tag>"
 *   (class u, a, c or p), for scripts; diagnostics as in the tree.
 * - BER_PRINT_QUIET: the diagnostics only.
 * - BER_PRINT_JSON: one document {"inputs":[{input}...]}, each input
 *   {"name","mode","offset","length","elements":[...],"diagnostics":[...],
 *   "elements_count","max_depth","warnings","errors"} (an input that
 *   could not be read: {"name","error"}), each element {"offset","depth",
 *   "header_length","length" (null when indefinite),"class","constructed",
 *   "tag" (a number, or "0x..." beyond 63 bits),"name","field" (label),
 *   "value" (string, number, true/false/null),"hex","value_cut",
 *   "unused_bits","oid_name","truncated","end_of_contents",
 *   "encapsulates","note","children":[...],"content_length" (indefinite
 *   values),"diagnostics":[{"offset","severity","code","message"}]}; the
 *   optional fields appear only when true or known.
 * - BER_PRINT_JSON_FLAT: the same document, but "elements" is one flat
 *   array in walk order, each element with "parent" (the offset of the
 *   enclosing element, null at top level) and "index" (its position
 *   among its siblings) instead of "children"; diagnostics found at the
 *   end of a constructed value go to the input's "diagnostics". The
 *   document nests 7 levels whatever the input's depth, for jq and
 *   Python, whose parsers refuse about 10,000 and 1,000 levels. (A full
 *   path per element would make the output quadratic in the depth; the
 *   parent's offset gives the same tree.)
 */
#ifndef VISITORS_BER_PRINT_H
#define VISITORS_BER_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-oid-names.h"
#include "visitors/ber-text.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum BERPrintFormat {
    BER_PRINT_TREE,
    BER_PRINT_FLAT,
    BER_PRINT_QUIET,
    BER_PRINT_JSON,
    BER_PRINT_JSON_FLAT,
} BERPrintFormat;

/* Write all @len octets of @buf; false on failure (the printer stops). */
typedef bool (*BERPrintWriteFn)(void *opaque, const char *buf, size_t len);

typedef struct BERPrintOptions {
    BERPrintFormat format;
    bool color;                   /* tree and flat: ANSI colours */
    size_t max_octets;            /* contents shown per value, 0: all */
    const BEROidTable *oids;      /* OID names, NULL: built-in ones */
    BERPrintWriteFn write;        /* required */
    void *opaque;                 /* for @write */
} BERPrintOptions;

/* What a caller adds to an element (every field optional). */
typedef struct BERPrintExtra {
    const char *label;            /* field name (tree: before the tag) */
    int value_tag;                /* >= 0: show the value as this universal
                                   * type (an IMPLICIT tag hides it) */
    const char *note;             /* printed before the element (tree:
                                   * "-- note --"; JSON: "note") */
    const BERInspectDiagnostic *diagnostics;  /* the caller's findings */
    size_t diagnostic_count;
} BERPrintExtra;

typedef struct BERPrinter BERPrinter;

/* A new printer for @opts (copied; @opts->oids must outlive it). */
BERPrinter *ber_printer_new(const BERPrintOptions *opts);

/* Free @p (NULL is fine) without flushing. */
void ber_printer_free(BERPrinter *p);

/*
 * Start an input: JSON opens its object (and the document, the first
 * time); tree, flat and quiet print "==> @name <==" when @header (give it
 * for the second and later of several inputs too: a blank line
 * separates them).
 */
void ber_printer_begin_input(BERPrinter *p, const char *name, BERMode mode,
                             uint64_t offset, uint64_t length, bool header);

/* An input that could not be read (JSON: {"name","error"}; else nothing). */
void ber_printer_input_error(BERPrinter *p, const char *name,
                             const char *message);

/* End the input begun last, with the walk's @sum (JSON: the counts). */
void ber_printer_end_input(BERPrinter *p, const BERInspectSummary *sum);

/*
 * The inspector's events, with the caller's extras (@x may be NULL).
 * Return false once a write has failed (so a walk can stop).
 */
bool ber_printer_begin(BERPrinter *p, const BERInspectElement *e,
                       const BERPrintExtra *x);
bool ber_printer_end(BERPrinter *p, const BERInspectElement *e,
                     const BERPrintExtra *x);
bool ber_printer_diagnostic(BERPrinter *p, const BERInspectDiagnostic *d);

/* Callbacks for ber_inspect() with the printer as opaque, no extras. */
extern const BERInspectCallbacks ber_printer_callbacks;

/*
 * Close the JSON document (an empty one if no input was begun), write
 * what is buffered. Returns false if any write failed.
 */
bool ber_printer_finish(BERPrinter *p);

/* Write what is buffered now (before printing elsewhere, e.g. stderr). */
bool ber_printer_flush(BERPrinter *p);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_BER_PRINT_H */
