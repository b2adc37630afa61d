/*
 * visitors/ber-output-visitor.c: QAPI output visitor producing X.690
 * BER/CER/DER (see ber-visitor.h and docs/ber-mapping.md).
 *
 * One pass over the C object into one geometrically grown buffer; no
 * allocation per primitive.
 *
 * CER: constructed values are written as identifier + 80 ... 00 00 as
 * they are visited, so the encoding streams.
 *
 * DER/BER (definite lengths): a constructed value's length is unknown
 * until it closes, and nested values would otherwise be copied once per
 * enclosing level (O(depth x size)). Instead no room is reserved: opening
 * a constructed value records its contents position in a side array (the
 * "plan"), closing it records its contents length (the raw bytes written
 * since plus the length octets still to be inserted inside it). When the
 * top-level value closes, one backward pass moves each segment between
 * two recorded positions to its final place and writes the minimal length
 * octets in the gap, so every content byte moves at most once.
 *
 * Planned DER/BER (a BERPlan, two passes): the measuring visitor runs the
 * definite-mode bookkeeping above on a buffer it keeps forgetting (only
 * differences of positions matter, so the open values' positions move
 * back with it), skips string contents, and records each constructed
 * value's length as it closes; the planned visitor then writes each
 * length as the value opens and streams like CER.
 */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

#include "qapi/error.h"
#include "qapi/visitor-impl.h"
#include "visitors/ber-visitor.h"

/*
 * Streaming (CER, planned) sinks are fed in chunks of about this size:
 * 256 KiB costs the kernel less per byte written to a file than 64 KiB.
 */
#define BER_SINK_CHUNK (256 * 1024)

/* Measuring: strings this long are counted, not copied. */
#define BER_MEASURE_SKIP_MIN 1024

typedef enum BEROutScopeKind {
    BER_OUT_STRUCT,
    BER_OUT_LIST,
    BER_OUT_ALTERNATE,
} BEROutScopeKind;

typedef struct BEROutScope {
    BEROutScopeKind kind;
    bool has_frame;         /* owns an open constructed encoding */
    uint64_t next_member;   /* struct: position k of the next member */
    size_t plan_index;      /* definite: its entry in the plan */
    int64_t inner_extra;    /* definite: length octets still to insert,
                               less the holes inside (see open_hole()) */
    uint64_t plan_mark;     /* measuring: its run in the BERPlan;
                               planned: the output offset its contents
                               end at, or (deferred) its length octets
                               start at */
    uint8_t deferred;       /* planned: octets reserved for its length */
} BEROutScope;

/*
 * Definite mode: where a length goes (raw position) and its value; or,
 * when @hole is not 0, @hole raw bytes at @position that the final pass
 * drops (see open_hole()).
 */
typedef struct BERPlanEntry {
    size_t position;
    uint64_t length;
    size_t hole;
} BERPlanEntry;

/*
 * A BERPlan: runs of equal contents lengths, in the order the values
 * open. A value still open while measuring has a run of its own with
 * the length BER_PLAN_OPEN.
 */
typedef struct BERPlanRun {
    uint64_t length;
    uint64_t count;
} BERPlanRun;

#define BER_PLAN_OPEN UINT64_MAX
/* A deferred value (ber_plan_defer()): BER_PLAN_DEFERRED - octets. */
#define BER_PLAN_DEFERRED (UINT64_MAX - 1)

static bool plan_is_deferred(uint64_t length)
{
    return length != BER_PLAN_OPEN &&
           length > BER_PLAN_DEFERRED - BER_LENGTH_MAX - 1;
}

struct BERPlan {
    BERPlanRun *runs;
    size_t len, cap;
    uint64_t encoded_size;  /* bytes of the measured values */
    uint64_t open;          /* measuring: values open */
    size_t next;            /* reading: the current run */
    uint64_t used;          /* reading: values taken from it */
    uint64_t taken;         /* reading: values taken in all */
    bool misfit;            /* a deferred length did not fit its octets */
};

/*
 * Strings at least this long in definite mode get a hole in front of them,
 * so that the final pass does not move them (see open_hole()).
 */
#define BER_OUT_HOLE_MIN 2048

/*
 * Scopes and plan entries kept inside the visitor: a typical record needs
 * no allocation for them (the arrays move to the heap only when deeper or
 * longer).
 */
#define BER_OUT_EMBEDDED_SCOPES 16
#define BER_OUT_EMBEDDED_PLAN 64

typedef struct BEROutputVisitor {
    Visitor visitor;
    BERMode mode;
    size_t fragment_size;
    size_t max_depth;

    uint8_t *buf;
    size_t len;
    size_t cap;

    BEROutScope *scopes;
    size_t depth;
    size_t scopes_cap;

    BERPlanEntry *plan;
    size_t plan_len;
    size_t plan_cap;
    int64_t top_extra;      /* length octets to insert at depth 0, less
                               the holes */

    /* Tag replacing the next element's universal tag ([k] or [QType]). */
    bool override_pending;
    uint64_t override_tag;

    GByteArray **result;
    BERWriteFunc write;
    void *write_opaque;
    int fd;
    Error *write_error;
    bool io_failed;         /* write_error is the sink's or pwrite()'s */
    uint64_t flushed;       /* bytes passed to the sink (or, measuring,
                               forgotten) */

    BERPlan *measure;       /* measuring into this plan */
    BERPlan *planned;       /* writing with lengths from this plan */
    int64_t fd_start;       /* planned to an fd: its offset at creation */

    /* Last: not cleared at creation (see ber_output_visitor_alloc()). */
    BEROutScope embedded_scopes[BER_OUT_EMBEDDED_SCOPES];
    BERPlanEntry embedded_plan[BER_OUT_EMBEDDED_PLAN];
} BEROutputVisitor;

static BEROutputVisitor *to_bov(Visitor *v)
{
    /* The Visitor is the first member. */
    return (BEROutputVisitor *)v;
}

static bool definite_mode(BEROutputVisitor *bov)
{
    return bov->mode != BER_MODE_CER;
}

/* Is the encoding passed on as it is produced (CER or planned)? */
static bool streams(BEROutputVisitor *bov)
{
    return !definite_mode(bov) || bov->planned;
}

/* The slow path of buffer_reserve(): grow geometrically. */
static G_GNUC_NO_INLINE void buffer_grow(BEROutputVisitor *bov, size_t extra)
{
    size_t need;
    size_t cap = bov->cap ? bov->cap : 256;

    assert(extra <= SIZE_MAX - bov->len);
    need = bov->len + extra;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    bov->buf = g_realloc(bov->buf, cap);
    bov->cap = cap;
}

/* Make room for @extra more bytes; one compare on the hot path. */
static inline void buffer_reserve(BEROutputVisitor *bov, size_t extra)
{
    if (G_UNLIKELY(extra > bov->cap - bov->len)) {
        buffer_grow(bov, extra);
    }
}

/* Copy without a libc call for the short runs headers and integers are. */
static inline uint8_t *copy_out(uint8_t *dst, const uint8_t *src, size_t n)
{
    if (n <= 16) {
        for (size_t i = 0; i < n; i++) {
            dst[i] = src[i];
        }
    } else {
        memcpy(dst, src, n);
    }
    return dst + n;
}

static inline void put(BEROutputVisitor *bov, const void *data, size_t n)
{
    buffer_reserve(bov, n);
    copy_out(bov->buf + bov->len, data, n);
    bov->len += n;
}

/*
 * put() for the few bytes of an identifier or length (n <= 16): no libc
 * call, and no memcpy branch for the compiler to flag as reading past a
 * small array.
 */
static inline void put_short(BEROutputVisitor *bov, const uint8_t *data,
                             size_t n)
{
    buffer_reserve(bov, n);
    for (size_t i = 0; i < n; i++) {
        bov->buf[bov->len + i] = data[i];
    }
    bov->len += n;
}

static inline void put_byte(BEROutputVisitor *bov, uint8_t octet)
{
    buffer_reserve(bov, 1);
    bov->buf[bov->len++] = octet;
}

static void sink_write(BEROutputVisitor *bov, const uint8_t *data, size_t n)
{
    bov->flushed += n;
    if (!bov->write_error && n &&
        !bov->write(bov->write_opaque, data, n, &bov->write_error)) {
        bov->io_failed = true;
    }
}

/*
 * Measuring: drop the buffered bytes and @more bytes not even buffered.
 * The open values' positions move back by as much, modulo 2^64 like the
 * buffer positions they are compared with, so the lengths computed from
 * them are unchanged.
 */
static void forget(BEROutputVisitor *bov, size_t more)
{
    size_t shift = bov->len + more;

    for (size_t i = 0; i < bov->plan_len; i++) {
        bov->plan[i].position -= shift;
    }
    bov->flushed += shift;
    bov->len = 0;
}

/* Hand buffered bytes to the sink (only once they are final). */
static void sink_flush(BEROutputVisitor *bov)
{
    if (bov->measure) {
        forget(bov, 0);
    } else if (bov->write && bov->len) {
        sink_write(bov, bov->buf, bov->len);
        bov->len = 0;
    }
}

static void maybe_stream(BEROutputVisitor *bov)
{
    if (bov->len >= BER_SINK_CHUNK &&
        ((bov->write && streams(bov)) || bov->measure)) {
        sink_flush(bov);
    }
}

/* Planned: a sticky error once the visits leave the plan. */
static void plan_mismatch(BEROutputVisitor *bov, const char *what)
{
    if (!bov->write_error) {
        error_setg(&bov->write_error, "BER output: %s (value %" PRIu64
                   " of the plan)", what, bov->planned->taken);
    }
}

/*
 * Refuse to nest deeper than the input side would accept by default, so
 * that nothing is written which the same options cannot read back.
 */
static bool check_depth(BEROutputVisitor *bov, const char *name,
                        Error **errp)
{
    if (bov->depth >= bov->max_depth) {
        error_setg(errp, "Parameter '%s': nesting deeper than %zu levels",
                   name ? name : "<top-level>", bov->max_depth);
        return false;
    }
    return true;
}

static bool check_sink(BEROutputVisitor *bov, Error **errp)
{
    if (bov->write_error) {
        error_propagate(errp, error_copy(bov->write_error));
        return false;
    }
    return true;
}

static BEROutScope *top_scope(BEROutputVisitor *bov)
{
    return bov->depth ? &bov->scopes[bov->depth - 1] : NULL;
}

/*
 * The identifier of the next element: a pending implicit tag, else the
 * universal one. Also advances the enclosing struct's member position.
 */
static void element_identifier(BEROutputVisitor *bov, uint64_t universal_tag,
                               bool constructed)
{
    uint8_t id[BER_IDENTIFIER_MAX];
    BEROutScope *scope = top_scope(bov);
    size_t n;

    if (scope && scope->kind == BER_OUT_STRUCT) {
        scope->next_member++;
    }
    if (G_LIKELY(!bov->override_pending && universal_tag < 31)) {
        put_byte(bov, (uint8_t)(universal_tag | (constructed ? 0x20 : 0)));
        return;
    }
    if (bov->override_pending) {
        n = ber_encode_identifier(id, BER_CLASS_CONTEXT, constructed,
                                  bov->override_tag);
        bov->override_pending = false;
    } else if (universal_tag < 31) {
        id[0] = (uint8_t)(universal_tag | (constructed ? 0x20 : 0));
        n = 1;
    } else {
        n = ber_encode_identifier(id, BER_CLASS_UNIVERSAL, constructed,
                                  universal_tag);
    }
    put_short(bov, id, n);
}

/*
 * element_identifier() with its common case inline (no implicit tag, a
 * low universal tag); the caller has reserved room for the identifier.
 */
static inline void put_identifier_reserved(BEROutputVisitor *bov,
                                           uint64_t universal_tag,
                                           bool constructed)
{
    if (G_LIKELY(!bov->override_pending && universal_tag < 31)) {
        if (bov->depth &&
            bov->scopes[bov->depth - 1].kind == BER_OUT_STRUCT) {
            bov->scopes[bov->depth - 1].next_member++;
        }
        bov->buf[bov->len++] =
            (uint8_t)(universal_tag | (constructed ? 0x20 : 0));
    } else {
        element_identifier(bov, universal_tag, constructed);
    }
}

static void put_length(BEROutputVisitor *bov, uint64_t length)
{
    uint8_t octets[BER_LENGTH_MAX];

    if (length < 0x80) {
        put_byte(bov, (uint8_t)length);
        return;
    }
    put_short(bov, octets, ber_encode_length(octets, length));
}

/*
 * Drop every hole from the buffer (a forward pass: bytes only move toward
 * the front) and from the plan. Only needed when a hole turned out larger
 * than the length octets in front of its string.
 */
static void remove_holes(BEROutputVisitor *bov)
{
    size_t i, kept = 0, removed = 0, segment_start = 0;

    for (i = 0; i < bov->plan_len; i++) {
        BERPlanEntry entry = bov->plan[i];

        if (removed) {
            memmove(bov->buf + segment_start - removed,
                    bov->buf + segment_start,
                    entry.position - segment_start);
        }
        if (entry.hole) {
            segment_start = entry.position + entry.hole;
            removed += entry.hole;
        } else {
            segment_start = entry.position;
            entry.position -= removed;
            bov->plan[kept++] = entry;
        }
    }
    if (removed) {
        memmove(bov->buf + segment_start - removed, bov->buf + segment_start,
                bov->len - segment_start);
    }
    bov->len -= removed;
    bov->plan_len = kept;
    bov->top_extra += (int64_t)removed;
}

static void finish_top_level(BEROutputVisitor *bov)
{
    size_t i, src_end, dst_end;
    int64_t shift = 0;

    if (bov->measure) {
        /* the length octets still to insert count as written */
        assert(!bov->plan_len && bov->top_extra >= 0);
        forget(bov, (size_t)bov->top_extra);
        bov->top_extra = 0;
        bov->measure->encoded_size = bov->flushed;
        return;
    }
    if (!definite_mode(bov) || !bov->plan_len) {
        maybe_stream(bov);
        return;
    }
    /*
     * The backward pass below is safe only if no segment moves toward the
     * front: with a hole larger than the lengths before it, drop the holes
     * first.
     */
    for (i = 0; i < bov->plan_len; i++) {
        const BERPlanEntry *entry = &bov->plan[i];

        shift += entry->hole ? -(int64_t)entry->hole :
                 (int64_t)ber_length_size(entry->length) - 1;
        if (shift < 0) {
            remove_holes(bov);
            break;
        }
    }
    /* Backward compaction: each byte moves once, lengths fill the gaps. */
    assert(bov->top_extra >= 0);
    buffer_reserve(bov, (size_t)bov->top_extra);
    src_end = bov->len;
    dst_end = bov->len + (size_t)bov->top_extra;
    for (i = bov->plan_len; i-- > 0;) {
        const BERPlanEntry *entry = &bov->plan[i];
        /* after the reserved octet, or after the hole */
        size_t contents = entry->position + (entry->hole ? entry->hole : 1);
        size_t segment = src_end - contents;

        dst_end -= segment;
        if (dst_end != contents) {
            memmove(bov->buf + dst_end, bov->buf + contents, segment);
        }
        if (!entry->hole) {
            dst_end -= ber_length_size(entry->length);
            ber_encode_length(bov->buf + dst_end, entry->length);
        }
        src_end = entry->position;
    }
    assert(dst_end == src_end);
    bov->len += (size_t)bov->top_extra;
    bov->plan_len = 0;
    bov->top_extra = 0;
}

/* After a complete element at depth 0: the top-level value is done. */
static G_GNUC_NO_INLINE void element_done_slow(BEROutputVisitor *bov)
{
    if (bov->depth == 0) {
        finish_top_level(bov);
        if (bov->write) {
            sink_flush(bov);
        }
    } else {
        maybe_stream(bov);
    }
}

/* Inside a value without a sink there is nothing to do: one test inline. */
static inline void element_done(BEROutputVisitor *bov)
{
    if (G_UNLIKELY(!bov->depth || bov->write)) {
        element_done_slow(bov);
    }
}

/* Grow @array (@cap entries of @size bytes), moving it off @embedded. */
static G_GNUC_NO_INLINE void *grow_array(void *array, const void *embedded,
                                         size_t *cap, size_t size)
{
    size_t new_cap = *cap * 2;
    void *grown;

    if (array == embedded) {
        grown = g_malloc_n(new_cap, size);
        memcpy(grown, array, *cap * size);
    } else {
        grown = g_realloc_n(array, new_cap, size);
    }
    *cap = new_cap;
    return grown;
}

static inline void plan_reserve(BEROutputVisitor *bov)
{
    if (G_UNLIKELY(bov->plan_len == bov->plan_cap)) {
        bov->plan = grow_array(bov->plan, bov->embedded_plan, &bov->plan_cap,
                               sizeof(*bov->plan));
    }
}

static void plan_append(BERPlan *plan, uint64_t length)
{
    if (plan->len == plan->cap) {
        plan->cap = plan->cap ? plan->cap * 2 : 64;
        plan->runs = g_renew(BERPlanRun, plan->runs, plan->cap);
    }
    plan->runs[plan->len].length = length;
    plan->runs[plan->len].count = 1;
    plan->len++;
}

/* Measuring: a run for a value that opens; returns its index. */
static uint64_t plan_open(BERPlan *plan)
{
    plan_append(plan, BER_PLAN_OPEN);
    plan->open++;
    return plan->len - 1;
}

/*
 * Measuring: the value of run @index closes with @length. The last run
 * joins the one before it when that is closed and of the same length.
 */
static void plan_close(BERPlan *plan, uint64_t index, uint64_t length)
{
    assert(index < plan->len && plan->runs[index].length == BER_PLAN_OPEN);
    plan->runs[index].length = length;
    plan->open--;
    if (index == plan->len - 1 && index > 0 &&
        plan->runs[index - 1].length == length) {
        plan->runs[index - 1].count++;
        plan->len--;
    }
}

/*
 * Planned: the length of the next value, false when none is left. The
 * last run is never left behind: a measuring visitor may still add to it
 * (a plan measured as it is read). Runs read are dropped now and then
 * while no measured value is open (their indices would move).
 */
static bool plan_take(BERPlan *plan, uint64_t *length)
{
    while (plan->next + 1 < plan->len &&
           plan->used == plan->runs[plan->next].count) {
        plan->next++;
        plan->used = 0;
    }
    if (plan->next >= 1024 && !plan->open) {
        memmove(plan->runs, plan->runs + plan->next,
                (plan->len - plan->next) * sizeof(*plan->runs));
        plan->len -= plan->next;
        plan->next = 0;
    }
    if (plan->next == plan->len ||
        plan->used == plan->runs[plan->next].count ||
        plan->runs[plan->next].length == BER_PLAN_OPEN) {
        return false;
    }
    plan->used++;
    plan->taken++;
    *length = plan->runs[plan->next].length;
    return true;
}

/* Planned: are values of the plan left? */
static bool plan_left(const BERPlan *plan)
{
    return plan->next < plan->len &&
           (plan->used < plan->runs[plan->next].count ||
            plan->next + 1 < plan->len);
}

void ber_plan_defer(BERPlan *plan, unsigned octets)
{
    assert(octets >= 1 && octets <= BER_LENGTH_MAX);
    plan_append(plan, BER_PLAN_DEFERRED - octets);
}

bool ber_plan_misfit(const BERPlan *plan)
{
    return plan->misfit;
}

BERPlan *ber_plan_new(void)
{
    return g_new0(BERPlan, 1);
}

void ber_plan_free(BERPlan *plan)
{
    if (plan) {
        g_free(plan->runs);
        g_free(plan);
    }
}

uint64_t ber_plan_encoded_size(const BERPlan *plan)
{
    return plan->encoded_size;
}

/* The scope and frame helpers are on every struct's path: always inline. */
#define BER_ALWAYS_INLINE __attribute__((always_inline))

static inline BER_ALWAYS_INLINE
BEROutScope *push_scope(BEROutputVisitor *bov,
                        BEROutScopeKind kind)
{
    BEROutScope *scope;

    if (G_UNLIKELY(bov->depth == bov->scopes_cap)) {
        bov->scopes = grow_array(bov->scopes, bov->embedded_scopes,
                                 &bov->scopes_cap, sizeof(*bov->scopes));
    }
    scope = &bov->scopes[bov->depth++];
    scope->kind = kind;
    scope->has_frame = false;
    scope->next_member = 0;
    scope->inner_extra = 0;
    scope->deferred = 0;
    return scope;
}

/* Start a constructed encoding owned by @scope (identifier written). */
static inline BER_ALWAYS_INLINE
void open_frame(BEROutputVisitor *bov, BEROutScope *scope)
{
    scope->has_frame = true;
    if (!definite_mode(bov)) {
        uint8_t octet = 0x80;

        put(bov, &octet, 1);
        return;
    }
    if (bov->planned) {
        uint64_t length = 0;

        if (!plan_take(bov->planned, &length)) {
            plan_mismatch(bov, "more values than planned");
        }
        if (plan_is_deferred(length)) {
            /* room for the length, written when the value closes */
            scope->deferred = (uint8_t)(BER_PLAN_DEFERRED - length);
            scope->plan_mark = bov->flushed + bov->len;
            buffer_reserve(bov, scope->deferred);
            memset(bov->buf + bov->len, 0, scope->deferred);
            bov->len += scope->deferred;
            return;
        }
        put_length(bov, length);
        scope->plan_mark = bov->flushed + bov->len + length;
        return;
    }
    if (bov->measure) {
        scope->plan_mark = plan_open(bov->measure);
    }
    plan_reserve(bov);
    scope->plan_index = bov->plan_len;
    bov->plan[bov->plan_len].position = bov->len;
    bov->plan[bov->plan_len].length = 0;
    bov->plan[bov->plan_len].hole = 0;
    bov->plan_len++;
    /*
     * One length octet is reserved: a value shorter than 128 bytes whose
     * inner lengths are all final gets its length written here when it
     * closes, and leaves the plan (most small structs: no compaction work
     * and no plan memory for them).
     */
    put_byte(bov, 0);
}

/* Pass pending length octets of a closed scope to its parent. */
static void add_extra_to_parent(BEROutputVisitor *bov, int64_t extra)
{
    if (bov->depth) {
        bov->scopes[bov->depth - 1].inner_extra += extra;
    } else {
        bov->top_extra += extra;
    }
}

/*
 * Planned: a deferred value closes. Its length goes into the octets left
 * for it, in the buffer or, once flushed, in the file (pwrite); a length
 * that needs another number of octets fails the visitor and marks the
 * plan (ber_plan_misfit()).
 */
static G_GNUC_NO_INLINE void close_deferred(BEROutputVisitor *bov,
                                            const BEROutScope *scope)
{
    uint64_t at = scope->plan_mark;
    uint64_t length = bov->flushed + bov->len - at - scope->deferred;
    uint8_t octets[BER_LENGTH_MAX];
    size_t n = ber_length_size(length);

    if (n != scope->deferred) {
        bov->planned->misfit = true;
        if (!bov->write_error) {
            error_setg(&bov->write_error, "BER output: a length of %" PRIu64
                       " needs %zu octets, %u were left for it", length, n,
                       scope->deferred);
        }
        return;
    }
    ber_encode_length(octets, length);
    if (at >= bov->flushed) {
        memcpy(bov->buf + (at - bov->flushed), octets, n);
    } else if (!bov->write_error) {
        ssize_t put = bov->fd >= 0 && bov->fd_start >= 0 ?
            pwrite(bov->fd, octets, n, (off_t)(bov->fd_start + (int64_t)at)) :
            -1;

        if (put != (ssize_t)n) {
            bov->io_failed = true;
            error_setg(&bov->write_error, "BER output: cannot write a "
                       "deferred length at offset %" PRIu64 ": %s", at,
                       put < 0 && bov->fd >= 0 ? g_strerror(errno) :
                       "not a file");
        }
    }
}

static inline BER_ALWAYS_INLINE
void pop_scope(BEROutputVisitor *bov)
{
    const BEROutScope *scope;

    assert(bov->depth > 0);
    /* still valid after the pop: only a push overwrites it */
    scope = &bov->scopes[--bov->depth];
    if (!scope->has_frame) {
        /* A CHOICE without its own tag: its branch was the element. */
        add_extra_to_parent(bov, scope->inner_extra);
        if (bov->depth == 0) {
            element_done(bov);
        }
        return;
    }
    if (bov->planned && scope->deferred) {
        close_deferred(bov, scope);
    } else if (bov->planned) {
        if (bov->flushed + bov->len != scope->plan_mark) {
            plan_mismatch(bov, "a value of another length than planned");
        }
    } else if (definite_mode(bov)) {
        BERPlanEntry *entry = &bov->plan[scope->plan_index];
        uint64_t length = (uint64_t)((int64_t)(bov->len - entry->position - 1)
                                     + scope->inner_extra);

        if (bov->measure) {
            /* its inner entries are gone: it is the last */
            assert(scope->plan_index == bov->plan_len - 1);
            plan_close(bov->measure, scope->plan_mark, length);
            bov->plan_len--;
            add_extra_to_parent(bov, scope->inner_extra +
                                (int64_t)ber_length_size(length) - 1);
        } else if (scope->inner_extra == 0 && length < 0x80) {
            /* no inner length pending, so no inner plan entry is left */
            assert(scope->plan_index == bov->plan_len - 1);
            bov->buf[entry->position] = (uint8_t)length;
            bov->plan_len--;
        } else {
            entry->length = length;
            /* the reserved octet holds the first length octet */
            add_extra_to_parent(bov, scope->inner_extra +
                                (int64_t)ber_length_size(length) - 1);
        }
    } else {
        static const uint8_t eoc[2] = { 0, 0 };

        put_short(bov, eoc, 2);
    }
    element_done(bov);
}

/*
 * The common case of opening a struct or list: DER/BER into memory, no
 * implicit tag, room everywhere. Straight-line code without calls; false
 * sends the caller to the general path, which handles everything else.
 */
static inline BER_ALWAYS_INLINE
bool open_sequence_fast(BEROutputVisitor *bov,
                        BEROutScopeKind kind)
{
    BEROutScope *scope;
    BERPlanEntry *entry;

    if (G_UNLIKELY(bov->cap - bov->len < 2 || bov->override_pending ||
                   bov->write || bov->write_error ||
                   bov->depth >= bov->max_depth ||
                   bov->depth == bov->scopes_cap ||
                   bov->plan_len == bov->plan_cap ||
                   !definite_mode(bov))) {
        return false;
    }
    if (bov->depth && bov->scopes[bov->depth - 1].kind == BER_OUT_STRUCT) {
        bov->scopes[bov->depth - 1].next_member++;
    }
    scope = &bov->scopes[bov->depth++];
    scope->kind = kind;
    scope->has_frame = true;
    scope->next_member = 0;
    scope->inner_extra = 0;
    scope->plan_index = bov->plan_len;
    entry = &bov->plan[bov->plan_len++];
    entry->position = bov->len + 1;
    entry->length = 0;
    entry->hole = 0;
    /* the identifier, then the reserved length octet (see open_frame()) */
    bov->buf[bov->len] = BER_TAG_SEQUENCE | 0x20;
    bov->buf[bov->len + 1] = 0;
    bov->len += 2;
    return true;
}

/*
 * The common case of closing a struct or list: a nested value shorter than
 * 128 bytes with no inner length pending gets its length in the reserved
 * octet and leaves the plan. False sends the caller to pop_scope().
 */
static inline BER_ALWAYS_INLINE
bool close_sequence_fast(BEROutputVisitor *bov)
{
    const BEROutScope *scope;
    size_t length;

    if (G_UNLIKELY(bov->depth < 2 || bov->write || !definite_mode(bov))) {
        return false;
    }
    scope = &bov->scopes[bov->depth - 1];
    length = bov->len - bov->plan[scope->plan_index].position - 1;
    if (G_UNLIKELY(!scope->has_frame || scope->inner_extra || length >= 0x80)) {
        return false;
    }
    /* no inner length pending, so no inner plan entry is left */
    assert(scope->plan_index == bov->plan_len - 1);
    bov->buf[bov->len - length - 1] = (uint8_t)length;
    bov->plan_len--;
    bov->depth--;
    return true;
}

/* Open a struct or list in any mode and state (errors included). */
static G_GNUC_NO_INLINE bool open_sequence(BEROutputVisitor *bov,
                                           BEROutScopeKind kind,
                                           const char *name, Error **errp)
{
    BEROutScope *scope;

    if (!check_sink(bov, errp) || !check_depth(bov, name, errp)) {
        return false;
    }
    /* identifier and the reserved length octet (open_frame()) */
    buffer_reserve(bov, BER_IDENTIFIER_MAX + 1);
    put_identifier_reserved(bov, BER_TAG_SEQUENCE, true);
    scope = push_scope(bov, kind);
    open_frame(bov, scope);
    return true;
}

/* Close a struct or list in any mode and state. */
static G_GNUC_NO_INLINE void close_sequence(BEROutputVisitor *bov)
{
    pop_scope(bov);
}

static bool ber_output_start_struct(Visitor *v, const char *name, void **obj,
                                    size_t size, Error **errp)
{
    BEROutputVisitor *bov = to_bov(v);

    if (G_LIKELY(open_sequence_fast(bov, BER_OUT_STRUCT))) {
        return true;
    }
    return open_sequence(bov, BER_OUT_STRUCT, name, errp);
}

static void ber_output_end_struct(Visitor *v, void **obj)
{
    BEROutputVisitor *bov = to_bov(v);

    assert(top_scope(bov) && top_scope(bov)->kind == BER_OUT_STRUCT);
    if (G_LIKELY(close_sequence_fast(bov))) {
        return;
    }
    close_sequence(bov);
}

static bool ber_output_start_list(Visitor *v, const char *name,
                                  GenericList **list, size_t size,
                                  Error **errp)
{
    BEROutputVisitor *bov = to_bov(v);

    if (open_sequence_fast(bov, BER_OUT_LIST)) {
        return true;
    }
    return open_sequence(bov, BER_OUT_LIST, name, errp);
}

static GenericList *ber_output_next_list(Visitor *v, GenericList *tail,
                                         size_t size)
{
    return tail->next;
}

static void ber_output_end_list(Visitor *v, void **obj)
{
    BEROutputVisitor *bov = to_bov(v);

    assert(top_scope(bov) && top_scope(bov)->kind == BER_OUT_LIST);
    if (close_sequence_fast(bov)) {
        return;
    }
    close_sequence(bov);
}

static bool ber_output_start_alternate(Visitor *v, const char *name,
                                       GenericAlternate **obj, size_t size,
                                       Error **errp)
{
    BEROutputVisitor *bov = to_bov(v);
    BEROutScope *parent = top_scope(bov);
    BEROutScope *scope;
    QType type = (*obj)->type;

    if (!check_sink(bov, errp) || !check_depth(bov, name, errp)) {
        return false;
    }
    assert(type > QTYPE_NONE && type < QTYPE__MAX);
    if (parent && parent->kind == BER_OUT_STRUCT) {
        /*
         * A CHOICE cannot be tagged implicitly: a struct member (optional
         * or not) gets EXPLICIT [k], which also keeps the branch tags
         * [QType] from colliding with an absent optional member's [k].
         */
        uint64_t k = parent->next_member;
        uint8_t id[BER_IDENTIFIER_MAX];

        bov->override_pending = false;
        parent->next_member++;
        put_short(bov, id,
                  ber_encode_identifier(id, BER_CLASS_CONTEXT, true, k));
        scope = push_scope(bov, BER_OUT_ALTERNATE);
        open_frame(bov, scope);
    } else {
        scope = push_scope(bov, BER_OUT_ALTERNATE);
    }
    bov->override_pending = true;
    bov->override_tag = (uint64_t)type;
    return true;
}

static void ber_output_end_alternate(Visitor *v, void **obj)
{
    BEROutputVisitor *bov = to_bov(v);

    assert(top_scope(bov) && top_scope(bov)->kind == BER_OUT_ALTERNATE);
    bov->override_pending = false;
    pop_scope(bov);
}

static bool ber_output_optional(Visitor *v, const char *name, bool *present)
{
    BEROutputVisitor *bov = to_bov(v);
    BEROutScope *scope = top_scope(bov);

    assert(scope && scope->kind == BER_OUT_STRUCT);
    if (*present) {
        bov->override_pending = true;
        bov->override_tag = scope->next_member;
    } else {
        scope->next_member++;
    }
    return *present;
}

/*
 * A member the compatibility policy hides is left out as an absent
 * optional member is: its position k still counts (and a present optional
 * member's pending [k] is dropped), so later members keep their tags.
 */
static bool ber_output_policy_skip(Visitor *v, const char *name,
                                   uint64_t features)
{
    BEROutputVisitor *bov = to_bov(v);
    BEROutScope *scope = top_scope(bov);

    if (!visit_policy_skip_by_compat(v, name, features)) {
        return false;
    }
    if (scope && scope->kind == BER_OUT_STRUCT) {
        bov->override_pending = false;
        scope->next_member++;
    }
    return true;
}

/*
 * Before a long string (a TLV of @tlv_length bytes) in definite mode:
 * leave a hole of as many bytes as the final pass will insert in front of
 * it (the length octets of the values before it and around it, predicted
 * from their lengths if the string ended them), so that the final pass
 * writes those lengths into the hole instead of moving the string. A wrong
 * prediction costs a move, never correctness: finish_top_level() drops
 * the holes first when one is too large, and a hole too small just leaves
 * the string to move by the difference.
 */
static void open_hole(BEROutputVisitor *bov, size_t tlv_length)
{
    int64_t inside = 0, hole;
    size_t d;

    for (d = bov->depth; d-- > 0;) {
        const BEROutScope *scope = &bov->scopes[d];

        if (scope->has_frame) {
            const BERPlanEntry *entry = &bov->plan[scope->plan_index];
            int64_t predicted = (int64_t)(bov->len - entry->position - 1) +
                                scope->inner_extra + inside +
                                (int64_t)tlv_length;

            if (predicted < 0) {
                return;
            }
            inside += (int64_t)ber_length_size((uint64_t)predicted) - 1;
        }
        inside += scope->inner_extra;
    }
    hole = inside + bov->top_extra;
    if (hole <= 0) {
        return;
    }
    plan_reserve(bov);
    buffer_reserve(bov, (size_t)hole);
    bov->plan[bov->plan_len].position = bov->len;
    bov->plan[bov->plan_len].length = 0;
    bov->plan[bov->plan_len].hole = (size_t)hole;
    bov->plan_len++;
    memset(bov->buf + bov->len, 0, (size_t)hole);
    bov->len += (size_t)hole;
    bov->scopes[bov->depth - 1].inner_extra -= hole;
}

/*
 * Measuring: a primitive of @len >= BER_MEASURE_SKIP_MIN bytes counts its
 * contents without copying them. Planned: one of @len >= BER_SINK_CHUNK
 * goes to the sink from the caller's buffer.
 */
static G_GNUC_NO_INLINE void put_long_primitive(BEROutputVisitor *bov,
                                                uint64_t universal_tag,
                                                const uint8_t *content,
                                                size_t len)
{
    buffer_reserve(bov, BER_IDENTIFIER_MAX + BER_LENGTH_MAX);
    put_identifier_reserved(bov, universal_tag, false);
    bov->len += ber_encode_length(bov->buf + bov->len, len);
    if (bov->measure) {
        forget(bov, len);
    } else {
        sink_flush(bov);
        sink_write(bov, content, len);
    }
    element_done(bov);
}

/* A primitive element: identifier, minimal length, contents. */
static bool put_primitive(BEROutputVisitor *bov, uint64_t universal_tag,
                          const uint8_t *content, size_t len, Error **errp)
{
    if (!check_sink(bov, errp)) {
        return false;
    }
    if (G_UNLIKELY(bov->measure || bov->planned)) {
        if (len >= (bov->measure ? BER_MEASURE_SKIP_MIN : BER_SINK_CHUNK)) {
            put_long_primitive(bov, universal_tag, content, len);
            return check_sink(bov, errp);
        }
    } else if (len >= BER_OUT_HOLE_MIN && bov->depth && definite_mode(bov)) {
        open_hole(bov, BER_IDENTIFIER_MAX + BER_LENGTH_MAX + len);
    }
    /* one reserve for the whole TLV; the puts below then never grow */
    buffer_reserve(bov, BER_IDENTIFIER_MAX + BER_LENGTH_MAX + len);
    put_identifier_reserved(bov, universal_tag, false);
    if (len < 0x80) {
        bov->buf[bov->len++] = (uint8_t)len;
    } else {
        bov->len += ber_encode_length(bov->buf + bov->len, len);
    }
    bov->len = (size_t)(copy_out(bov->buf + bov->len, content, len) -
                        bov->buf);
    element_done(bov);
    return true;
}

/*
 * An INTEGER or ENUMERATED of @value: the minimal two's complement octets
 * (X.690 8.3.2) counted from the redundant sign bits and stored with one
 * big-endian 8-byte write into the reserved room (only @octets of it
 * count), instead of a byte loop per candidate length.
 */
static G_GNUC_NO_INLINE bool put_integer_general(BEROutputVisitor *bov,
                                                 uint64_t universal_tag,
                                                 int64_t value, Error **errp)
{
    size_t octets = (size_t)(71 - __builtin_clrsbll(value)) / 8;
    uint64_t big_endian;
    uint8_t *p;

    if (!check_sink(bov, errp)) {
        return false;
    }
    /* identifier, one length octet, and 8 bytes for the store below */
    buffer_reserve(bov, BER_IDENTIFIER_MAX + 1 + 8);
    if (G_LIKELY(!bov->override_pending && bov->depth &&
                 bov->scopes[bov->depth - 1].kind == BER_OUT_STRUCT)) {
        /* the common case of element_identifier(), inline */
        bov->scopes[bov->depth - 1].next_member++;
        bov->buf[bov->len++] = (uint8_t)universal_tag;
    } else {
        element_identifier(bov, universal_tag, false);
    }
    p = bov->buf + bov->len;
    *p++ = (uint8_t)octets;
    big_endian = GUINT64_TO_BE((uint64_t)value << (64 - 8 * octets));
    memcpy(p, &big_endian, sizeof(big_endian));
    bov->len += 1 + octets;
    element_done(bov);
    return true;
}

/*
 * put_integer_general() for a struct member without implicit tag, sink,
 * pending error or growth: straight-line code without calls (so without
 * registers to save), inlined into the type callbacks.
 */
static inline BER_ALWAYS_INLINE
bool put_integer(BEROutputVisitor *bov, uint64_t universal_tag,
                 int64_t value, Error **errp)
{
    size_t octets = (size_t)(71 - __builtin_clrsbll(value)) / 8;
    uint64_t big_endian;
    uint8_t *p;

    /* identifier, one length octet, and 8 bytes for the store below */
    if (G_UNLIKELY(bov->cap - bov->len < BER_IDENTIFIER_MAX + 1 + 8 ||
                   bov->override_pending || !bov->depth || bov->write ||
                   bov->write_error ||
                   bov->scopes[bov->depth - 1].kind != BER_OUT_STRUCT)) {
        return put_integer_general(bov, universal_tag, value, errp);
    }
    bov->scopes[bov->depth - 1].next_member++;
    p = bov->buf + bov->len;
    p[0] = (uint8_t)universal_tag;
    p[1] = (uint8_t)octets;
    big_endian = GUINT64_TO_BE((uint64_t)value << (64 - 8 * octets));
    memcpy(p + 2, &big_endian, sizeof(big_endian));
    bov->len += 2 + octets;
    return true;
}

static bool ber_output_type_int64(Visitor *v, const char *name, int64_t *obj,
                                  Error **errp)
{
    return put_integer(to_bov(v), BER_TAG_INTEGER, *obj, errp);
}

/* A uint64 above INT64_MAX: nine octets, out of the common path. */
static G_GNUC_NO_INLINE bool put_large_uint64(BEROutputVisitor *bov,
                                              uint64_t value, Error **errp)
{
    uint8_t content[BER_INTEGER_MAX];

    return put_primitive(bov, BER_TAG_INTEGER, content,
                         ber_encode_uint64(content, value), errp);
}

static bool ber_output_type_uint64(Visitor *v, const char *name,
                                   uint64_t *obj, Error **errp)
{
    if (G_LIKELY(*obj <= INT64_MAX)) {
        return put_integer(to_bov(v), BER_TAG_INTEGER, (int64_t)*obj, errp);
    }
    return put_large_uint64(to_bov(v), *obj, errp);
}

static bool ber_output_type_enum(Visitor *v, const char *name, int *obj,
                                 const QEnumLookup *lookup, Error **errp)
{
    return put_integer(to_bov(v), BER_TAG_ENUMERATED, *obj, errp);
}

static bool ber_output_type_bool(Visitor *v, const char *name, bool *obj,
                                 Error **errp)
{
    uint8_t content = *obj ? 0xff : 0x00;

    return put_primitive(to_bov(v), BER_TAG_BOOLEAN, &content, 1, errp);
}

static bool ber_output_type_number(Visitor *v, const char *name, double *obj,
                                   Error **errp)
{
    uint8_t content[BER_REAL_MAX];

    return put_primitive(to_bov(v), BER_TAG_REAL, content,
                         ber_encode_real(content, *obj), errp);
}

static bool ber_output_type_null(Visitor *v, const char *name, QNull **obj,
                                 Error **errp)
{
    return put_primitive(to_bov(v), BER_TAG_NULL, NULL, 0, errp);
}

/*
 * A string type: primitive, except in CER above the fragment size, where
 * it is constructed (indefinite) from OCTET STRING fragments of exactly
 * the fragment size, the last one shorter (X.690 9.2, 8.23.5).
 */
static bool put_string(BEROutputVisitor *bov, uint64_t universal_tag,
                       const uint8_t *data, size_t len, Error **errp)
{
    static const uint8_t eoc[2] = { 0, 0 };
    static const uint8_t indefinite = 0x80;
    size_t done;

    if (bov->mode != BER_MODE_CER || len <= bov->fragment_size) {
        return put_primitive(bov, universal_tag, data, len, errp);
    }
    if (!check_sink(bov, errp)) {
        return false;
    }
    if (!bov->write) {
        size_t frags = len / bov->fragment_size + 1;
        uint8_t header[1 + BER_LENGTH_MAX];
        size_t header_length;
        uint8_t *p;

        buffer_reserve(bov, BER_IDENTIFIER_MAX + 1 + len + 2 +
                       frags * (1 + BER_LENGTH_MAX));
        element_identifier(bov, universal_tag, true);
        /*
         * Everything is reserved: write straight into the buffer, with the
         * header of a full fragment encoded once for all of them.
         */
        header[0] = BER_TAG_OCTET_STRING;
        header_length = 1 + ber_encode_length(header + 1,
                                              bov->fragment_size);
        p = bov->buf + bov->len;
        *p++ = indefinite;
        for (done = 0; done < len;) {
            size_t n = MIN(bov->fragment_size, len - done);

            if (n == bov->fragment_size) {
                for (size_t i = 0; i < header_length; i++) {
                    *p++ = header[i];
                }
            } else {
                *p++ = BER_TAG_OCTET_STRING;
                p += ber_encode_length(p, n);
            }
            memcpy(p, data + done, n);
            p += n;
            done += n;
        }
        *p++ = eoc[0];
        *p++ = eoc[1];
        bov->len = (size_t)(p - bov->buf);
        element_done(bov);
        return true;
    }
    element_identifier(bov, universal_tag, true);
    put(bov, &indefinite, 1);
    for (done = 0; done < len;) {
        size_t n = MIN(bov->fragment_size, len - done);
        uint8_t octet = BER_TAG_OCTET_STRING;

        put(bov, &octet, 1);
        put_length(bov, n);
        if (bov->write && bov->len + n > BER_SINK_CHUNK) {
            sink_flush(bov);
        }
        if (bov->write && n >= BER_SINK_CHUNK) {
            /* a fragment the size of the buffer goes straight through */
            sink_write(bov, data + done, n);
        } else {
            /* the sink sees whole buffers, not a small write per fragment */
            put(bov, data + done, n);
        }
        done += n;
    }
    put_short(bov, eoc, 2);
    element_done(bov);
    return check_sink(bov, errp);
}

static bool ber_output_type_str(Visitor *v, const char *name, char **obj,
                                Error **errp)
{
    const char *s = *obj ? *obj : "";

    return put_string(to_bov(v), BER_TAG_UTF8STRING, (const uint8_t *)s,
                      strlen(s), errp);
}

static bool ber_output_type_bytes(Visitor *v, const char *name,
                                  uint8_t **buf, size_t *len, Error **errp)
{
    return put_string(to_bov(v), BER_TAG_OCTET_STRING, *buf, *len, errp);
}

static bool ber_output_type_fixed_bytes(Visitor *v, const char *name,
                                        uint8_t *buf, size_t len,
                                        Error **errp)
{
    return put_string(to_bov(v), BER_TAG_OCTET_STRING, buf, len, errp);
}

static void ber_output_complete(Visitor *v, void *opaque)
{
    BEROutputVisitor *bov = to_bov(v);

    assert(bov->depth == 0);
    if (bov->write) {
        sink_flush(bov);
        return;
    }
    assert(opaque == bov->result);
    *bov->result = g_byte_array_new_take(bov->buf, bov->len);
    bov->buf = NULL;
    bov->len = 0;
    bov->cap = 0;
}

static void ber_output_free(Visitor *v)
{
    BEROutputVisitor *bov = to_bov(v);

    g_free(bov->buf);
    if (bov->scopes != bov->embedded_scopes) {
        g_free(bov->scopes);
    }
    if (bov->plan != bov->embedded_plan) {
        g_free(bov->plan);
    }
    error_free(bov->write_error);
    g_free(bov);
}

static BEROutputVisitor *ber_output_visitor_alloc(BERMode mode,
                                                  const BEROptions *opts)
{
    BEROutputVisitor *bov = g_malloc(sizeof(*bov));

    /* the embedded arrays are written before they are read */
    memset(bov, 0, offsetof(BEROutputVisitor, embedded_scopes));
    bov->scopes = bov->embedded_scopes;
    bov->scopes_cap = BER_OUT_EMBEDDED_SCOPES;
    bov->plan = bov->embedded_plan;
    bov->plan_cap = BER_OUT_EMBEDDED_PLAN;

    assert(mode == BER_MODE_BER || mode == BER_MODE_CER ||
           mode == BER_MODE_DER);
    bov->mode = mode;
    bov->fragment_size = opts && opts->cer_fragment_size ?
        opts->cer_fragment_size : BER_DEFAULT_CER_FRAGMENT;
    bov->max_depth = opts && opts->max_depth ?
        opts->max_depth : BER_DEFAULT_MAX_DEPTH;
    bov->fd = -1;

    bov->visitor.type = VISITOR_OUTPUT;
    bov->visitor.start_struct = ber_output_start_struct;
    bov->visitor.end_struct = ber_output_end_struct;
    bov->visitor.start_list = ber_output_start_list;
    bov->visitor.next_list = ber_output_next_list;
    bov->visitor.end_list = ber_output_end_list;
    bov->visitor.start_alternate = ber_output_start_alternate;
    bov->visitor.end_alternate = ber_output_end_alternate;
    bov->visitor.type_int64 = ber_output_type_int64;
    bov->visitor.type_uint64 = ber_output_type_uint64;
    bov->visitor.type_bool = ber_output_type_bool;
    bov->visitor.type_str = ber_output_type_str;
    bov->visitor.type_number = ber_output_type_number;
    bov->visitor.type_null = ber_output_type_null;
    bov->visitor.optional = ber_output_optional;
    bov->visitor.type_bytes = ber_output_type_bytes;
    bov->visitor.type_fixed_bytes = ber_output_type_fixed_bytes;
    bov->visitor.type_enum = ber_output_type_enum;
    bov->visitor.policy_skip = ber_output_policy_skip;
    bov->visitor.complete = ber_output_complete;
    bov->visitor.free = ber_output_free;
    return bov;
}

Visitor *ber_output_visitor_new_opts(BERMode mode, const BEROptions *opts,
                                     GByteArray **result)
{
    BEROutputVisitor *bov = ber_output_visitor_alloc(mode, opts);

    assert(result);
    bov->result = result;
    return &bov->visitor;
}

Visitor *ber_output_visitor_new(BERMode mode, GByteArray **result)
{
    return ber_output_visitor_new_opts(mode, NULL, result);
}

Visitor *ber_output_visitor_new_sink(BERMode mode, const BEROptions *opts,
                                     BERWriteFunc write, void *opaque)
{
    BEROutputVisitor *bov = ber_output_visitor_alloc(mode, opts);

    assert(write);
    bov->write = write;
    bov->write_opaque = opaque;
    return &bov->visitor;
}

static bool fd_write(void *opaque, const uint8_t *buf, size_t len,
                     Error **errp)
{
    BEROutputVisitor *bov = opaque;

    while (len) {
        ssize_t n = write(bov->fd, buf, len);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "BER output: write failed");
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

Visitor *ber_output_visitor_new_fd(BERMode mode, const BEROptions *opts,
                                   int fd)
{
    BEROutputVisitor *bov = ber_output_visitor_alloc(mode, opts);

    assert(fd >= 0);
    bov->fd = fd;
    bov->write = fd_write;
    bov->write_opaque = bov;
    return &bov->visitor;
}

static bool discard_write(void *opaque, const uint8_t *buf, size_t len,
                          Error **errp)
{
    return true;
}

Visitor *ber_output_visitor_new_measure(BERMode mode, const BEROptions *opts,
                                        BERPlan *plan)
{
    BEROutputVisitor *bov;

    assert(mode != BER_MODE_CER && plan);
    /* a sink, so that every visit takes the paths that keep the plan */
    bov = to_bov(ber_output_visitor_new_sink(mode, opts, discard_write,
                                             NULL));
    bov->measure = plan;
    return &bov->visitor;
}

Visitor *ber_output_visitor_new_planned_sink(BERMode mode,
                                             const BEROptions *opts,
                                             BERPlan *plan, BERWriteFunc write,
                                             void *opaque)
{
    BEROutputVisitor *bov;

    assert(mode != BER_MODE_CER && plan);
    bov = to_bov(ber_output_visitor_new_sink(mode, opts, write, opaque));
    bov->planned = plan;
    return &bov->visitor;
}

Visitor *ber_output_visitor_new_planned_fd(BERMode mode,
                                           const BEROptions *opts,
                                           BERPlan *plan, int fd)
{
    BEROutputVisitor *bov;

    assert(mode != BER_MODE_CER && plan);
    bov = to_bov(ber_output_visitor_new_fd(mode, opts, fd));
    bov->planned = plan;
    /*
     * Deferred lengths are filled in by pwrite() at their offset; on an
     * O_APPEND file Linux appends them instead, so such a file counts as
     * one that cannot be rewritten.
     */
    bov->fd_start = (fcntl(fd, F_GETFL) & O_APPEND) ? -1
                                                    : lseek(fd, 0, SEEK_CUR);
    return &bov->visitor;
}

bool ber_output_visitor_write_failed(Visitor *v)
{
    assert(v->type == VISITOR_OUTPUT && v->free == ber_output_free);
    return to_bov(v)->io_failed;
}

bool ber_output_visitor_finish(Visitor *v, Error **errp)
{
    BEROutputVisitor *bov = to_bov(v);

    assert(v->type == VISITOR_OUTPUT && v->free == ber_output_free);
    if (!bov->write) {
        return true;
    }
    if (bov->depth == 0) {
        sink_flush(bov);
        if (bov->planned && plan_left(bov->planned)) {
            plan_mismatch(bov, "fewer values than planned");
        }
    }
    return check_sink(bov, errp);
}
