/*
 * visitors/ber-inspect.h: walk any BER/CER/DER byte range, element by
 * element, and check it.
 *
 * The inspector is what ber-dump is built on, and what any program that
 * wants to show or audit an X.690 stream can call: it walks a byte range
 * iteratively (an explicit heap-grown stack, so 100,000 levels of nesting
 * cost memory proportional to the depth and never the C stack), hands
 * every element to a callback together with the diagnostics found for it,
 * and never reads outside the range or allocates by a declared length.
 *
 * All header and value rules come from visitors/ber-codec.h; this module
 * adds what needs context: EOC placement, constructed strings (segment
 * tags, unused bits in non-final segments, CER fragment sizes), DER/CER
 * SET OF order, element form per universal type, encapsulated BER inside
 * OCTET/BIT STRINGs, trailing garbage and truncation.
 */
#ifndef VISITORS_BER_INSPECT_H
#define VISITORS_BER_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "visitors/ber-codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How bad a finding is. */
typedef enum BERInspectSeverity {
    BER_INSPECT_WARNING,   /* tolerated by BER (an error under CER/DER) */
    BER_INSPECT_ERROR,     /* invalid in the mode being checked */
} BERInspectSeverity;

/* One finding: where, how bad, a stable code and an English reason. */
typedef struct BERInspectDiagnostic {
    uint64_t offset;              /* absolute offset of the offending octet */
    BERInspectSeverity severity;
    const char *code;             /* short stable identifier, e.g. "length-not-minimal" */
    char message[160];            /* reason, without the offset */
} BERInspectDiagnostic;

/*
 * One element, as handed to the callbacks. Pointers stay valid only for
 * the duration of the callback (the diagnostics array is reused).
 */
typedef struct BERInspectElement {
    uint64_t offset;              /* absolute offset of the identifier */
    uint32_t depth;               /* 0 for top-level values */
    uint32_t header_length;       /* identifier + length octets */
    bool indefinite;              /* length octet 80 */
    uint64_t length;              /* contents length as declared (definite);
                                   * at the end event of an indefinite value,
                                   * the measured length without the EOC */
    BERClass tag_class;
    bool constructed;
    uint64_t tag;                 /* tag number, when !tag_too_large */
    bool tag_too_large;           /* tag number beyond 63 bits: see tag_octets */
    const uint8_t *tag_octets;    /* the base-128 tag number octets (high form) */
    size_t tag_octet_count;
    const uint8_t *content;       /* the contents present in the range */
    uint64_t content_available;   /* < length when truncated */
    bool truncated;               /* contents run past the data or the parent */
    bool end_of_contents;         /* a 00 00 marker */
    bool encapsulates;            /* a primitive OCTET/BIT STRING whose contents
                                   * parse completely as BER: its elements follow
                                   * as children, then an end event */
    const BERInspectDiagnostic *diagnostics;
    size_t diagnostic_count;
} BERInspectElement;

/*
 * Called for each element when its header (and, for a primitive, its
 * contents) has been read; for every element whose begin event has
 * constructed or encapsulates set, @end is called exactly once after its
 * last child (at once if its contents cannot be walked), with the
 * diagnostics found at the end (missing EOC, CER total size...). Return
 * false to stop the walk (no further events follow).
 */
typedef bool (*BERInspectElementFn)(void *opaque, const BERInspectElement *e);

/*
 * Called for a diagnostic that belongs to no element: bytes at top level
 * that do not start a readable element (truncated header, garbage).
 * Return false to stop.
 */
typedef bool (*BERInspectStreamFn)(void *opaque, const BERInspectDiagnostic *d);

typedef struct BERInspectCallbacks {
    BERInspectElementFn begin;    /* may be NULL */
    BERInspectElementFn end;      /* may be NULL */
    BERInspectStreamFn stream;    /* may be NULL */
} BERInspectCallbacks;

typedef struct BERInspectOptions {
    BERMode mode;                 /* rules to validate against */
    bool encapsulation;           /* look for BER inside OCTET/BIT STRINGs */
    bool single;                  /* exactly one top-level value: anything
                                   * after it is trailing garbage (error) */
    uint64_t base_offset;         /* added to every reported offset */
    uint64_t max_depth;           /* 0: unlimited (the walk is iterative) */
} BERInspectOptions;

/* What a walk found. */
typedef struct BERInspectSummary {
    uint64_t elements;
    uint64_t warnings;
    uint64_t errors;
    uint64_t top_level;           /* top-level values */
    uint32_t max_depth;
    uint64_t consumed;            /* octets walked from the start of the range */
    bool stopped;                 /* a callback returned false */
} BERInspectSummary;

/* Fill @opts with the defaults: BER, encapsulation on, several values. */
void ber_inspect_options_init(BERInspectOptions *opts);

/*
 * Walk @data[0..@len) as a sequence of top-level BER/CER/DER values under
 * @opts (NULL for the defaults), calling @cb (NULL for none) with @opaque.
 * Memory: a stack of one small frame per open nesting level, grown on the
 * heap; nothing is allocated by a declared length. Time: linear in @len
 * (encapsulation probes are bounded to a fixed number of nested levels).
 *
 * Returns true (the walk ran to the end of the range, or was stopped by
 * a callback: see @summary, may be NULL, for the counts and whether it
 * stopped). Out of memory aborts, as g_malloc() does everywhere in the
 * library; the stack grows only with the nesting actually present.
 */
bool ber_inspect(const uint8_t *data, size_t len,
                 const BERInspectOptions *opts,
                 const BERInspectCallbacks *cb, void *opaque,
                 BERInspectSummary *summary);

#ifdef __cplusplus
}
#endif

/* Rendering of values moved to ber-text.h; included for its users. */
#include "visitors/ber-text.h"

#endif /* VISITORS_BER_INSPECT_H */
