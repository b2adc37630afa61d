/*
 * visitors/ber-visitor.h: X.690 BER/CER/DER output and input visitors.
 *
 * The mapping of QAPI types to ASN.1 is documented in docs/ber-mapping.md:
 * struct -> SEQUENCE, list -> SEQUENCE OF, integers -> INTEGER, bool ->
 * BOOLEAN, str -> UTF8String, number -> REAL, null -> NULL, bytes and
 * sized buffers -> OCTET STRING, enum -> ENUMERATED; a present optional
 * member is IMPLICIT [k] (k = its position among the struct's member
 * visits); an alternate is a CHOICE of IMPLICIT [QType] branches, wrapped
 * in EXPLICIT [k] when it is a struct member.
 *
 * Output modes: DER and BER produce the same bytes (definite, minimal
 * lengths, primitive strings); CER uses indefinite lengths on constructed
 * values and splits long strings into fragments.
 * Input modes: the mode the input is validated against (BER accepts every
 * valid form; CER and DER reject anything non-canonical for them).
 */
#ifndef VISITORS_BER_VISITOR_H
#define VISITORS_BER_VISITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "qapi/visitor.h"
#include "visitors/ber-codec.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Defaults of BEROptions (a zero field selects its default). */
#define BER_DEFAULT_CER_FRAGMENT 1000
#define BER_DEFAULT_MAX_DEPTH 256
#define BER_DEFAULT_MAX_ALLOC_BASE ((size_t)64 << 20)
#define BER_DEFAULT_MAX_ALLOC_PER_INPUT_OCTET 32

/*
 * Tunables. Zero-initialize and set what you need: every zero field means
 * its safe default.
 */
typedef struct BEROptions {
    /*
     * CER string fragment size (X.690 9.2 fixes 1000; other values make a
     * non-standard "CER-like" profile and must match on both sides).
     */
    size_t cer_fragment_size;
    /*
     * Maximum nesting of constructed values (structs, lists, explicit tags,
     * constructed string segments). Default 256: deep enough for any real
     * schema, shallow enough that a caller recursing once per level stays
     * far within the stack. Input fails beyond it; output fails too
     * (visit_start_* returns false), so it never writes what the same
     * options cannot read back.
     */
    size_t max_depth;
    /*
     * Input: maximum total bytes the visitor allocates (structs, list
     * nodes, strings). Default 64 MiB + 32 bytes per input octet.
     */
    size_t max_alloc;
    /* Input: accept bytes after the top-level value (default: error). */
    bool allow_trailing;
    /*
     * Input: where the decoded bytes start in the larger input they were
     * taken from (an image, a file). Added to every offset an error
     * names, so the message points where a hex dump or
     * ber-dump --offset looks. Default 0.
     */
    uint64_t base_offset;
} BEROptions;

/*
 * Create an output visitor writing @mode encoding into memory.
 * After a successful top-level visit, visit_complete(v, @result) stores
 * the encoding in *@result as a new GByteArray the caller owns
 * (g_byte_array_unref()). @result must stay valid until then.
 * Never fails.
 */
Visitor *ber_output_visitor_new(BERMode mode, GByteArray **result);

/* As ber_output_visitor_new(), with options (@opts may be NULL). */
Visitor *ber_output_visitor_new_opts(BERMode mode, const BEROptions *opts,
                                     GByteArray **result);

/*
 * Write callback of a streaming output visitor: write all @len bytes of
 * @buf; return false and set @errp on failure.
 */
typedef bool (*BERWriteFunc)(void *opaque, const uint8_t *buf, size_t len,
                             Error **errp);

/*
 * Create a streaming output visitor that passes the encoding to @write
 * (with @opaque) as it is produced.
 *
 * CER streams: memory is bounded by the nesting depth plus a 256 KiB
 * buffer, whatever the data size (long strings go out fragment by
 * fragment). DER and BER need every length before the contents, so their
 * top-level value is planned in memory (one buffer, linear) and written
 * when it ends.
 *
 * A write failure is sticky: later visits fail with it and nothing more
 * is written. Call ber_output_visitor_finish() after the top-level visit
 * to flush and learn the outcome; visit_complete(v, NULL) also flushes.
 */
Visitor *ber_output_visitor_new_sink(BERMode mode, const BEROptions *opts,
                                     BERWriteFunc write, void *opaque);

/*
 * As ber_output_visitor_new_sink(), writing to the file descriptor @fd
 * (retrying short writes and EINTR). The fd stays the caller's.
 */
Visitor *ber_output_visitor_new_fd(BERMode mode, const BEROptions *opts,
                                   int fd);

/*
 * Flush a streaming output visitor. Returns true if everything was
 * written; false with @errp set on the first write error (or, for a
 * planned visitor, on the first departure from its plan, or when planned
 * values were never visited). For a memory or measuring visitor it
 * just returns true.
 */
bool ber_output_visitor_finish(Visitor *v, Error **errp);

/*
 * Did the visitor fail writing its output: the write callback, or the
 * pwrite() of a deferred length (an I/O error such as a full disk), as
 * opposed to a departure from its plan? False while nothing failed.
 */
bool ber_output_visitor_write_failed(Visitor *v);

/*
 * A length plan: DER or BER output streamed in bounded memory, in two
 * passes over the same visits. The first, through a measuring visitor,
 * writes nothing and keeps no contents: it records the contents length of
 * every constructed value. The second, through a planned visitor, writes
 * each identifier and length as soon as the value opens, then its
 * contents as they are visited, as CER output streams. The bytes are
 * those of ber_output_visitor_new_sink() for the same visits.
 *
 * A plan keeps one run per change of length among the values in the
 * order they open: equal neighbours (the pages of a RAM dump, the
 * elements of a list of records) take one run together.
 */
typedef struct BERPlan BERPlan;

/* An empty plan, to be filled by one measuring visitor. Never fails. */
BERPlan *ber_plan_new(void);

void ber_plan_free(BERPlan *plan);

/*
 * The encoded size in bytes of everything the measuring visitor has been
 * shown so far (all its top-level values together).
 */
uint64_t ber_plan_encoded_size(const BERPlan *plan);

/*
 * Plan the next value as one whose length is not known in advance: the
 * planned visitor leaves @octets (1 to 9) octets for its length and fills
 * them in when the value closes (with pwrite() once they were written: a
 * planned fd visitor on a seekable file only). A length that needs another
 * number of octets fails the planned visitor, and ber_plan_misfit() then
 * returns true. For the outermost values of a plan measured piece by
 * piece, as it is written (a measuring visitor may add to a plan that a
 * planned visitor is reading, between values).
 */
void ber_plan_defer(BERPlan *plan, unsigned octets);

/* Did a deferred length need other octets than it was left? */
bool ber_plan_misfit(const BERPlan *plan);

/*
 * Create a measuring visitor for @mode (DER or BER; CER needs no plan):
 * every visit succeeds or fails as with ber_output_visitor_new(), but
 * nothing is written and string contents are not copied; the lengths go
 * to @plan, which must outlive the visitor. visit_complete(v, NULL)
 * after each top-level value is allowed and does nothing.
 */
Visitor *ber_output_visitor_new_measure(BERMode mode, const BEROptions *opts,
                                        BERPlan *plan);

/*
 * Create a streaming output visitor for @mode (DER or BER) that takes
 * every length from @plan, in order, and passes the encoding to @write
 * as it is produced. Memory is bounded as for CER: the nesting depth plus
 * a 256 KiB buffer, long strings written straight from the caller's
 * buffer. The visits must be those the plan was measured with: a value
 * whose length differs from its plan, or values beyond or short of the
 * plan, make the output invalid and fail the visitor with a sticky error
 * (reported by later visits and by ber_output_visitor_finish()). @plan is
 * consumed (read once, front to back) and must outlive the visitor.
 */
Visitor *ber_output_visitor_new_planned_sink(BERMode mode,
                                             const BEROptions *opts,
                                             BERPlan *plan, BERWriteFunc write,
                                             void *opaque);

/*
 * As ber_output_visitor_new_planned_sink(), writing to @fd as _new_fd().
 * Deferred lengths (ber_plan_defer()) need @fd seekable and not O_APPEND:
 * otherwise the visitor fails when it would fill one in.
 */
Visitor *ber_output_visitor_new_planned_fd(BERMode mode,
                                           const BEROptions *opts,
                                           BERPlan *plan, int fd);

/*
 * Create an input visitor decoding the @len bytes at @data (which must
 * stay valid and unchanged while the visitor lives), validated against
 * @mode. Never fails: errors (each naming the byte offset and the
 * parameter) surface from the visits.
 */
Visitor *ber_input_visitor_new(const uint8_t *data, size_t len,
                               BERMode mode);

/* As ber_input_visitor_new(), with options (@opts may be NULL). */
Visitor *ber_input_visitor_new_opts(const uint8_t *data, size_t len,
                                    BERMode mode, const BEROptions *opts);

/*
 * For code that does not call visit_check_struct()/visit_check_list():
 * after the top-level visit, check that exactly one complete value was
 * consumed and (unless allowed) nothing follows it. Returns false with
 * @errp set otherwise, or if a visit already failed.
 */
bool ber_input_visitor_finish(Visitor *v, Error **errp);

/*
 * Diagnostics: the number of TLV headers the input visitor has read so
 * far. Tests use it to assert linear work; not a stable metric.
 */
uint64_t ber_input_visitor_header_reads(Visitor *v);

/*
 * Diagnostics: the size of the largest string buffer the input visitor
 * has allocated so far. Tests use it to assert that buffers are sized by
 * the strings, not by the input; not a stable metric.
 */
size_t ber_input_visitor_largest_buffer(Visitor *v);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_BER_VISITOR_H */
