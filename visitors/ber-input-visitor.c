/*
 * visitors/ber-input-visitor.c: QAPI input visitor decoding X.690
 * BER/CER/DER (see ber-visitor.h and docs/ber-mapping.md).
 *
 * No tree: a cursor over the caller's bytes and a stack of the open
 * constructed values (one entry per nesting level, bounded by the depth
 * limit). Every header is validated by ber_read_header() against the end
 * of its enclosing value, so nothing is read past what is present, and
 * nothing is allocated from a declared length: strings are counted by
 * walking the segments actually present before their buffer is
 * allocated, and all allocations count against a total limit.
 */
#include "config.h"

#include <assert.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor-impl.h"
#include "qobject/qnull.h"
#include "visitors/ber-visitor.h"

typedef enum BERInScopeKind {
    BER_IN_STRUCT,
    BER_IN_LIST,
    BER_IN_ALTERNATE,
} BERInScopeKind;

/*
 * An open scope. Small, as the fast paths fill one per SEQUENCE: a list
 * element's index is its list's @next - 1 while it is open, so it is not
 * stored again.
 */
typedef struct BERInScope {
    uint8_t kind;           /* BERInScopeKind */
    bool has_frame;         /* owns a constructed encoding */
    bool indefinite;        /* closed by 00 00, else at @limit */
    bool simple;            /* a definite struct or list */
    size_t limit;           /* definite: end of the contents; children
                             * must end by here */
    size_t header_offset;   /* for messages */
    uint64_t next;          /* struct: position k of the next member;
                             * list: number of elements begun */
    const char *name;       /* the name the scope was started with */
} BERInScope;

/* One open constructed string segment during reassembly. */
typedef struct BERStringLevel {
    bool indefinite;
    size_t end;
    size_t limit;
} BERStringLevel;

#define BER_IN_FIRST_SCOPES 8

typedef struct BERInputVisitor {
    Visitor visitor;
    const uint8_t *data;
    size_t len;
    BERMode mode;
    size_t fragment_size;
    size_t max_depth;
    size_t max_alloc;
    bool allow_trailing;
    uint64_t base_offset;   /* BEROptions.base_offset, for messages */

    size_t pos;
    BERInScope *scopes;     /* @first_scopes until deeper nesting */
    size_t depth;
    size_t scopes_cap;
    BERInScope *top;        /* &scopes[depth - 1], NULL at depth 0 */
    /*
     * The fast paths' one question: the current scope's @limit when they
     * may run (a definite struct or list, no pending error or implicit
     * tag), else 0. sync_state() keeps it after every change of those.
     */
    size_t fast_limit;
    size_t fast_depth;      /* a SEQUENCE may open on the fast path below
                             * this depth (0 in CER) */

    BERStringLevel *levels;
    size_t levels_cap;

    bool override_pending;
    uint64_t override_tag;

    size_t allocated;
    uint64_t header_reads;
    size_t largest_buffer;      /* diagnostics: the largest string buffer */
    bool top_done;          /* a complete top-level value was consumed */
    bool naming_scope;      /* messages name the current scope itself */
    Error *sticky;          /* an error no callback could report */
    /*
     * Typical device state nests a few levels: no allocation for those,
     * and the visitor stays small enough for malloc's fast path.
     */
    BERInScope first_scopes[BER_IN_FIRST_SCOPES];
} BERInputVisitor;

static BERInputVisitor *to_biv(Visitor *v)
{
    /* The Visitor is the first member. */
    return (BERInputVisitor *)v;
}

static BERInScope *top_scope(BERInputVisitor *biv)
{
    return biv->top;
}

/* Recompute @top and the fast paths' gate after a change of state. */
static inline void sync_state(BERInputVisitor *biv)
{
    BERInScope *top = biv->depth ? &biv->scopes[biv->depth - 1] : NULL;

    biv->top = top;
    biv->fast_limit = top && top->simple && !biv->sticky &&
        !biv->override_pending ? top->limit : 0;
}

static void set_depth(BERInputVisitor *biv, size_t depth)
{
    biv->depth = depth;
    sync_state(biv);
}

static void set_override(BERInputVisitor *biv, bool pending, uint64_t tag)
{
    biv->override_pending = pending;
    biv->override_tag = tag;
    sync_state(biv);
}

static void update_fast_depth(BERInputVisitor *biv)
{
    biv->fast_depth = biv->mode == BER_MODE_CER ? 0 :
        MIN(biv->max_depth, biv->scopes_cap);
}

/* Poison the visitor with @err (taken). */
static void make_sticky(BERInputVisitor *biv, Error *err)
{
    biv->sticky = err;
    sync_state(biv);
}

/*
 * The full name of member @name of the current scope, as QEMU's input
 * visitors print it: "a.b[2].c".
 */
static char *full_name(BERInputVisitor *biv, const char *name)
{
    GString *s = g_string_new(NULL);
    BERInScope *top = biv->naming_scope ? NULL : top_scope(biv);
    size_t i;

    for (i = 0; i < biv->depth; i++) {
        const BERInScope *scope = &biv->scopes[i];

        if (i > 0 && biv->scopes[i - 1].kind == BER_IN_LIST) {
            uint64_t n = biv->scopes[i - 1].next;

            g_string_append_printf(s, "[%" PRIu64 "]", n ? n - 1 : 0);
        } else if (scope->name &&
                   !(i > 0 && biv->scopes[i - 1].kind == BER_IN_ALTERNATE)) {
            if (s->len) {
                g_string_append_c(s, '.');
            }
            g_string_append(s, scope->name);
        }
    }
    if (top && top->kind == BER_IN_LIST) {
        g_string_append_printf(s, "[%" PRIu64 "]",
                               top->next ? top->next - 1 : 0);
    } else if (name && !biv->naming_scope &&
               !(top && top->kind == BER_IN_ALTERNATE)) {
        if (s->len) {
            g_string_append_c(s, '.');
        }
        g_string_append(s, name);
    }
    if (!s->len) {
        g_string_append(s, "<top-level>");
    }
    return g_string_free(s, false);
}

/* @offset in @biv's input as the messages name it: in the larger input. */
static uint64_t msg_offset(const BERInputVisitor *biv, size_t offset)
{
    return biv->base_offset + offset;
}

static void input_error(BERInputVisitor *biv, Error **errp, size_t offset,
                        const char *name, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

static void input_error(BERInputVisitor *biv, Error **errp, size_t offset,
                        const char *name, const char *fmt, ...)
{
    va_list ap;
    char *reason, *param;

    va_start(ap, fmt);
    reason = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    param = full_name(biv, name);
    error_setg(errp, "offset %" PRIu64 ": Parameter '%s': %s",
               msg_offset(biv, offset), param, reason);
    g_free(param);
    g_free(reason);
}

static bool check_sticky(BERInputVisitor *biv, Error **errp)
{
    if (biv->sticky) {
        error_propagate(errp, error_copy(biv->sticky));
        return false;
    }
    return true;
}

static void set_sticky(BERInputVisitor *biv, size_t offset, const char *name,
                       const char *reason)
{
    if (!biv->sticky) {
        input_error(biv, &biv->sticky, offset, name, "%s", reason);
        sync_state(biv);
    }
}

/* account() when @size does not fit: the budget is spent for good. */
static G_GNUC_NO_INLINE bool account_exceeded(BERInputVisitor *biv,
                                              const char *name, Error **errp)
{
    /*
     * Make the error sticky, so that a caller going on after it (or
     * ber_input_visitor_finish()) gets it again rather than a report from
     * a cursor left inside a value.
     */
    if (!biv->sticky) {
        input_error(biv, &biv->sticky, biv->pos, name,
                    "allocation limit of %zu bytes exceeded",
                    biv->max_alloc);
        sync_state(biv);
    }
    return check_sticky(biv, errp);
}

/*
 * A zeroed block for a decoded struct or list node. malloc() + memset()
 * rather than g_malloc0(): glibc's calloc() does not take blocks from the
 * per-thread cache, and these small blocks are exactly what it caches.
 */
static inline void *alloc_node(size_t size)
{
    void *p = g_malloc(size);

    /* the common sizes of QAPI structs and list nodes zeroed inline */
    switch (size) {
    case 16:
        return memset(p, 0, 16);
    case 24:
        return memset(p, 0, 24);
    case 32:
        return memset(p, 0, 32);
    default:
        return memset(p, 0, size);
    }
}

/* Count @size bytes against the allocation budget, or fail. */
static inline bool account(BERInputVisitor *biv, size_t size,
                           const char *name, Error **errp)
{
    if (G_UNLIKELY(size > biv->max_alloc - biv->allocated)) {
        return account_exceeded(biv, name, errp);
    }
    biv->allocated += size;
    return true;
}

static size_t current_limit(BERInputVisitor *biv)
{
    BERInScope *scope = top_scope(biv);

    return scope ? scope->limit : biv->len;
}

static BERStatus read_header(BERInputVisitor *biv, size_t offset,
                             size_t limit, BERHeader *hdr, size_t *err_offset)
{
    biv->header_reads++;
    return ber_read_header(biv->data, limit, offset, biv->mode, hdr,
                           err_offset);
}

/* scope_at_end() of an indefinite-length scope: look for 00 00. */
static G_GNUC_NO_INLINE int indefinite_at_end(BERInputVisitor *biv,
                                              BERInScope *scope,
                                              const char *name, Error **errp)
{
    BERHeader hdr;
    size_t err_offset;
    BERStatus status;

    if (biv->pos >= scope->limit) {
        input_error(biv, errp, biv->pos, name,
                    "missing end-of-contents of the value at offset %"
                    PRIu64, msg_offset(biv, scope->header_offset));
        return -1;
    }
    if (biv->data[biv->pos] != 0) {
        return 0;
    }
    status = read_header(biv, biv->pos, scope->limit, &hdr, &err_offset);
    if (status != BER_OK) {
        input_error(biv, errp, err_offset, name, "%s",
                    ber_status_message(status));
        return -1;
    }
    return ber_header_is_eoc(&hdr);
}

/*
 * Has the current scope no more elements? Returns 1 at its end, 0 if an
 * element follows, -1 on malformed input (@errp set).
 */
static inline int scope_at_end(BERInputVisitor *biv, const char *name,
                               Error **errp)
{
    BERInScope *scope = top_scope(biv);

    if (!scope) {
        return 0;
    }
    if (G_LIKELY(!scope->indefinite)) {
        return biv->pos >= scope->limit;
    }
    return indefinite_at_end(biv, scope, name, errp);
}

/* Describe what follows, for "expected X, found Y". */
static void describe_header(const BERHeader *hdr, char *buf, size_t size)
{
    char tag[48];

    ber_describe_tag(hdr->tag_class, hdr->tag, tag, sizeof(tag));
    if (ber_header_is_eoc(hdr)) {
        snprintf(buf, size, "end-of-contents");
    } else {
        snprintf(buf, size, "%s%s", tag,
                 hdr->tag_class == BER_CLASS_UNIVERSAL ? "" :
                 hdr->constructed ? " (constructed)" : " (primitive)");
    }
}

/*
 * Read the header of the next element, which must carry @universal_tag
 * (called @what) or, if one is pending, the implicit context tag. Checks
 * the element exists in the current scope and advances the member or
 * element position. Does not move the cursor.
 */
static bool next_element(BERInputVisitor *biv, const char *name,
                         uint64_t universal_tag, const char *what,
                         BERHeader *hdr, Error **errp)
{
    BERInScope *scope = top_scope(biv);
    bool use_override = biv->override_pending;
    uint64_t override_tag = biv->override_tag;
    size_t err_offset;
    BERStatus status;
    int at_end;

    if (use_override) {
        set_override(biv, false, 0);
    }
    if (!check_sticky(biv, errp)) {
        return false;
    }
    if (scope && scope->kind == BER_IN_LIST) {
        scope->next++;
    }
    at_end = scope_at_end(biv, name, errp);
    if (at_end < 0) {
        return false;
    }
    if (at_end || (!scope && biv->pos >= biv->len)) {
        input_error(biv, errp, biv->pos, name, "expected %s, found %s", what,
                    scope ? "the end of the enclosing value" :
                    "the end of the data");
        return false;
    }
    status = read_header(biv, biv->pos, current_limit(biv), hdr,
                         &err_offset);
    if (status != BER_OK) {
        input_error(biv, errp, err_offset, name, "%s",
                    ber_status_message(status));
        return false;
    }
    if (ber_header_is_eoc(hdr)) {
        input_error(biv, errp, biv->pos, name,
                    "end-of-contents outside an indefinite-length value");
        return false;
    }
    if (scope && scope->kind == BER_IN_STRUCT) {
        scope->next++;
    }
    if (use_override) {
        if (hdr->tag_class != BER_CLASS_CONTEXT || hdr->tag != override_tag) {
            char found[64];

            describe_header(hdr, found, sizeof(found));
            input_error(biv, errp, biv->pos, name,
                        "expected [%" PRIu64 "] (%s), found %s",
                        override_tag, what, found);
            return false;
        }
    } else if (hdr->tag_class != BER_CLASS_UNIVERSAL ||
               hdr->tag != universal_tag) {
        char found[64];

        describe_header(hdr, found, sizeof(found));
        input_error(biv, errp, biv->pos, name, "expected %s, found %s", what,
                    found);
        return false;
    }
    return true;
}

/* The current scope after one of its elements was consumed. */
static bool element_done(BERInputVisitor *biv, const char *name,
                         Error **errp)
{
    BERInScope *scope = top_scope(biv);
    size_t i = biv->depth;

    /* A CHOICE without a tag of its own is not an element. */
    while (i > 0 && biv->scopes[i - 1].kind == BER_IN_ALTERNATE &&
           !biv->scopes[i - 1].has_frame) {
        i--;
    }
    scope = i ? &biv->scopes[i - 1] : NULL;
    if (!scope) {
        biv->top_done = true;
        if (!biv->allow_trailing && biv->pos != biv->len) {
            input_error(biv, errp, biv->pos, name,
                        "trailing bytes after the top-level value");
            return false;
        }
        return true;
    }
    if (scope->kind == BER_IN_ALTERNATE && scope->has_frame) {
        /* An explicit tag holds exactly one element. */
        int at_end = scope_at_end(biv, name, errp);

        if (at_end < 0) {
            return false;
        }
        if (!at_end) {
            input_error(biv, errp, biv->pos, name,
                        "extra data inside the explicit tag at offset %"
                        PRIu64, msg_offset(biv, scope->header_offset));
            return false;
        }
    }
    return true;
}

static bool push_scope(BERInputVisitor *biv, BERInScopeKind kind,
                       const char *name, const BERHeader *hdr, Error **errp)
{
    BERInScope *parent;
    BERInScope *scope;

    if (biv->depth >= biv->max_depth) {
        input_error(biv, errp, hdr ? hdr->offset : biv->pos, name,
                    "nesting deeper than %zu levels", biv->max_depth);
        return false;
    }
    if (biv->depth == biv->scopes_cap) {
        if (biv->scopes == biv->first_scopes) {
            biv->scopes = g_new(BERInScope, biv->scopes_cap * 2);
            memcpy(biv->scopes, biv->first_scopes, sizeof(biv->first_scopes));
        } else {
            biv->scopes = g_renew(BERInScope, biv->scopes,
                                  biv->scopes_cap * 2);
        }
        biv->scopes_cap *= 2;
        update_fast_depth(biv);
        sync_state(biv);
    }
    /* Only now: the array may have moved. */
    parent = top_scope(biv);
    scope = &biv->scopes[biv->depth];
    memset(scope, 0, sizeof(*scope));
    scope->kind = kind;
    scope->name = name;
    if (hdr) {
        size_t contents = hdr->offset + hdr->header_length;

        scope->has_frame = true;
        scope->indefinite = hdr->indefinite;
        scope->header_offset = hdr->offset;
        if (hdr->indefinite) {
            scope->limit = parent ? parent->limit : biv->len;
        } else {
            scope->limit = contents + (size_t)hdr->length;
        }
        biv->pos = contents;
    } else {
        /* A CHOICE without its own tag lives in its parent's frame. */
        scope->header_offset = biv->pos;
        if (parent) {
            scope->indefinite = parent->indefinite;
            scope->limit = parent->limit;
        } else {
            scope->limit = biv->len;
        }
    }
    scope->simple = kind != BER_IN_ALTERNATE && !scope->indefinite;
    set_depth(biv, biv->depth + 1);
    return true;
}

/*
 * Leave the current scope. On the success path its contents are fully
 * consumed; on an error path a definite frame is skipped, an indefinite
 * one cannot be (its end is unknown), which poisons the visitor.
 */
static void pop_scope(BERInputVisitor *biv)
{
    BERInScope scope;
    Error *err = NULL;
    int at_end;

    assert(biv->depth > 0);
    scope = biv->scopes[biv->depth - 1];
    if (scope.has_frame) {
        if (!scope.indefinite) {
            biv->pos = scope.limit;
        } else if (!biv->sticky) {
            biv->naming_scope = true;
            at_end = scope_at_end(biv, NULL, &err);
            if (at_end == 1) {
                biv->pos += 2;
            } else {
                if (err) {
                    make_sticky(biv, err);
                } else {
                    set_sticky(biv, biv->pos, NULL,
                               "value not fully consumed");
                }
            }
            biv->naming_scope = false;
        }
    }
    set_depth(biv, biv->depth - 1);
    if (scope.kind != BER_IN_ALTERNATE && scope.has_frame && !biv->sticky) {
        if (!element_done(biv, scope.name, &err)) {
            make_sticky(biv, err);
        }
    }
}

/*
 * Is the first @n scopes' nesting empty of frames, so that an element
 * there is the top-level value? (A CHOICE has no frame of its own.)
 */
static bool frameless_below(BERInputVisitor *biv, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (biv->scopes[i].has_frame) {
            return false;
        }
    }
    return true;
}

/*
 * The definite length after the identifier at @p (@room bytes from the
 * identifier to the end of the scope), when it takes 1 to 3 octets and is
 * minimal: stores it in *@length and the header's size in
 * *@header_length. False for anything else (for the general header reader
 * to decide): the fast paths only ever accept what DER accepts.
 */
static inline bool short_definite_length(const uint8_t *p, size_t room,
                                         size_t *length,
                                         size_t *header_length)
{
    if (p[1] < 0x80) {
        *header_length = 2;
        *length = p[1];
    } else if (p[1] == 0x81 && room >= 3 && p[2] >= 0x80) {
        *header_length = 3;
        *length = p[2];
    } else if (p[1] == 0x82 && room >= 4 && p[2] != 0) {
        *header_length = 4;
        *length = (size_t)p[2] << 8 | p[3];
    } else {
        return false;
    }
    return *length <= room - *header_length;
}

/*
 * Open a scope for a definite-length SEQUENCE whose identifier and short
 * length (@header_length, @length) are at @pos, below a scope the fast
 * paths may use (or at the top): it is one too.
 */
static inline __attribute__((always_inline))
void push_short_sequence(BERInputVisitor *biv, BERInScopeKind kind,
                         const char *name, size_t pos, size_t header_length,
                         size_t length)
{
    BERInScope *scope = &biv->scopes[biv->depth];

    *scope = (BERInScope) {
        .kind = kind,
        .has_frame = true,
        .simple = true,
        .limit = pos + header_length + length,
        .header_offset = pos,
        .name = name,
    };
    biv->header_reads++;
    biv->depth++;
    biv->top = scope;
    biv->fast_limit = scope->limit;
    biv->pos = pos + header_length;
}

/*
 * The common case of opening a SEQUENCE nested in a struct or list, in one
 * pass: definite lengths (DER or BER), no implicit tag or pending error, a
 * minimal length of 1 to 3 octets inside the parent, room for the scope.
 * Anything else returns false with nothing consumed, for
 * start_constructed() to decide.
 */
static inline __attribute__((always_inline))
bool start_short_sequence(BERInputVisitor *biv, BERInScopeKind kind,
                          const char *name)
{
    size_t length, header_length, pos = biv->pos, limit = biv->fast_limit;

    /* fast_limit != 0: a parent scope, no pending error or implicit tag */
    if (G_UNLIKELY(pos >= limit || limit - pos < 2 ||
                   biv->depth >= biv->fast_depth ||
                   biv->data[pos] != (BER_TAG_SEQUENCE | 0x20) ||
                   !short_definite_length(biv->data + pos, limit - pos,
                                          &length, &header_length))) {
        return false;
    }
    biv->top->next++;
    push_short_sequence(biv, kind, name, pos, header_length, length);
    return true;
}

/*
 * start_short_sequence() for the top-level value: the same conditions,
 * against the end of the data, which the value must end at unless
 * trailing bytes are allowed.
 */
static bool start_top_sequence(BERInputVisitor *biv, BERInScopeKind kind,
                               const char *name)
{
    size_t length, header_length, pos = biv->pos, room = biv->len - pos;

    if (biv->depth || biv->sticky || biv->override_pending ||
        biv->fast_depth < 1 || pos >= biv->len || room < 2 ||
        biv->data[pos] != (BER_TAG_SEQUENCE | 0x20) ||
        !short_definite_length(biv->data + pos, room, &length,
                               &header_length) ||
        (!biv->allow_trailing && header_length + length != room)) {
        return false;
    }
    push_short_sequence(biv, kind, name, pos, header_length, length);
    return true;
}

/*
 * Start a constructed element (SEQUENCE / SEQUENCE OF) in any mode and
 * state: the general path of start_short_sequence().
 */
static G_GNUC_NO_INLINE bool start_constructed(BERInputVisitor *biv,
                                               BERInScopeKind kind,
                                               const char *name,
                                               Error **errp)
{
    BERHeader hdr;

    if (start_top_sequence(biv, kind, name)) {
        return true;
    }
    if (!next_element(biv, name, BER_TAG_SEQUENCE, "SEQUENCE", &hdr, errp)) {
        return false;
    }
    if (!hdr.constructed) {
        input_error(biv, errp, hdr.offset, name,
                    "SEQUENCE encoded as a primitive");
        return false;
    }
    if (frameless_below(biv, biv->depth) && !hdr.indefinite &&
        !biv->allow_trailing &&
        hdr.offset + hdr.header_length + hdr.length != biv->len) {
        input_error(biv, errp, (size_t)(hdr.offset + hdr.header_length +
                                        hdr.length), name,
                    "trailing bytes after the top-level value");
        return false;
    }
    return push_scope(biv, kind, name, &hdr, errp);
}

/* The allocation budget of a scope just opened was exceeded: close it. */
static G_GNUC_NO_INLINE bool abandon_scope(BERInputVisitor *biv)
{
    set_depth(biv, biv->depth - 1);
    return false;
}

static bool ber_input_start_struct(Visitor *v, const char *name, void **obj,
                                   size_t size, Error **errp)
{
    BERInputVisitor *biv = to_biv(v);

    if (obj) {
        *obj = NULL;
    }
    if (!G_LIKELY(start_short_sequence(biv, BER_IN_STRUCT, name)) &&
        !start_constructed(biv, BER_IN_STRUCT, name, errp)) {
        return false;
    }
    if (obj) {
        if (!account(biv, size, name, errp)) {
            return abandon_scope(biv);
        }
        *obj = alloc_node(size);
    }
    return true;
}

/* Does the current scope end here? Reports trailing data at top level. */
static bool check_scope_end(BERInputVisitor *biv, const char *what,
                            Error **errp)
{
    BERInScope *scope = top_scope(biv);
    int at_end;

    if (!check_sticky(biv, errp)) {
        return false;
    }
    biv->naming_scope = true;
    at_end = scope_at_end(biv, NULL, errp);
    biv->naming_scope = false;
    if (at_end < 0) {
        return false;
    }
    if (!at_end) {
        BERHeader hdr;
        size_t err_offset;
        char found[64];
        BERStatus status;

        status = read_header(biv, biv->pos, scope->limit, &hdr, &err_offset);
        biv->naming_scope = true;
        if (status != BER_OK) {
            input_error(biv, errp, err_offset, NULL, "%s",
                        ber_status_message(status));
        } else {
            describe_header(&hdr, found, sizeof(found));
            input_error(biv, errp, biv->pos, NULL, "%s (%s)", what, found);
        }
        biv->naming_scope = false;
        return false;
    }
    if (scope->indefinite && !biv->allow_trailing &&
        biv->pos + 2 != biv->len && frameless_below(biv, biv->depth - 1)) {
        biv->naming_scope = true;
        input_error(biv, errp, biv->pos + 2, NULL,
                    "trailing bytes after the top-level value");
        biv->naming_scope = false;
        return false;
    }
    return true;
}

/*
 * check_scope_end() in the common case, without calls: no pending error, a
 * definite-length scope whose contents are all consumed (the trailing-data
 * check concerns indefinite top-level values only). False: ask the general
 * path, which also names any error.
 */
static inline bool definite_scope_ends(BERInputVisitor *biv)
{
    const BERInScope *scope = biv->top;

    return !biv->sticky && !scope->indefinite && biv->pos >= scope->limit;
}

/*
 * pop_scope() in the common case, without calls: no pending error, a
 * definite-length frame nested directly in a struct or list, where
 * element_done() has nothing to check. Returns false, with nothing done,
 * for anything else.
 */
static inline bool pop_definite_scope(BERInputVisitor *biv)
{
    const BERInScope *scope = biv->top;
    BERInScope *parent;

    if (G_UNLIKELY(biv->sticky || biv->depth < 2 || !scope->has_frame ||
                   scope->indefinite)) {
        return false;
    }
    parent = &biv->scopes[biv->depth - 2];
    if (G_UNLIKELY(parent->kind == BER_IN_ALTERNATE)) {
        return false;
    }
    biv->pos = scope->limit;
    biv->depth--;
    biv->top = parent;
    biv->fast_limit = parent->simple && !biv->override_pending ?
        parent->limit : 0;
    return true;
}

/* check_struct and check_list: the current scope of @kind ends here. */
static inline __attribute__((always_inline))
bool check_kind_ends(Visitor *v, BERInScopeKind kind, const char *what,
                     Error **errp)
{
    BERInputVisitor *biv = to_biv(v);

    assert(top_scope(biv) && top_scope(biv)->kind == kind);
    if (G_LIKELY(definite_scope_ends(biv))) {
        return true;
    }
    return check_scope_end(biv, what, errp);
}

/* end_struct and end_list: leave the current scope, of @kind. */
static inline __attribute__((always_inline))
void end_kind(Visitor *v, BERInScopeKind kind)
{
    BERInputVisitor *biv = to_biv(v);

    assert(top_scope(biv) && top_scope(biv)->kind == kind);
    if (G_LIKELY(pop_definite_scope(biv))) {
        return;
    }
    pop_scope(biv);
}

static bool ber_input_check_struct(Visitor *v, Error **errp)
{
    return check_kind_ends(v, BER_IN_STRUCT, "unexpected extra member",
                           errp);
}

static void ber_input_end_struct(Visitor *v, void **obj)
{
    end_kind(v, BER_IN_STRUCT);
}

static bool ber_input_start_list(Visitor *v, const char *name,
                                 GenericList **list, size_t size,
                                 Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    int at_end;

    if (list) {
        *list = NULL;
    }
    if (!G_LIKELY(start_short_sequence(biv, BER_IN_LIST, name)) &&
        !start_constructed(biv, BER_IN_LIST, name, errp)) {
        return false;
    }
    if (!list) {
        return true;
    }
    at_end = scope_at_end(biv, name, errp);
    if (at_end < 0 || (!at_end && !account(biv, size, name, errp))) {
        return abandon_scope(biv);
    }
    if (!at_end) {
        *list = alloc_node(size);
    }
    return true;
}

static GenericList *ber_input_next_list(Visitor *v, GenericList *tail,
                                        size_t size)
{
    BERInputVisitor *biv = to_biv(v);
    Error *err = NULL;
    int at_end;

    if (biv->sticky) {
        return NULL;
    }
    at_end = scope_at_end(biv, NULL, &err);
    if (G_UNLIKELY(at_end < 0)) {
        make_sticky(biv, err);
        return NULL;
    }
    if (at_end) {
        return NULL;
    }
    if (!account(biv, size, NULL, NULL)) {
        return NULL;        /* the error is sticky: the next visit reports it */
    }
    tail->next = alloc_node(size);
    return tail->next;
}

static bool ber_input_check_list(Visitor *v, Error **errp)
{
    return check_kind_ends(v, BER_IN_LIST, "unexpected extra list element",
                           errp);
}

static void ber_input_end_list(Visitor *v, void **obj)
{
    end_kind(v, BER_IN_LIST);
}

static bool ber_input_start_alternate(Visitor *v, const char *name,
                                      GenericAlternate **obj, size_t size,
                                      Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    BERInScope *parent = top_scope(biv);
    BERHeader hdr;
    size_t err_offset;
    BERStatus status;
    int at_end;

    *obj = NULL;
    if (parent && parent->kind == BER_IN_STRUCT) {
        /* EXPLICIT [k] around the CHOICE (see the output visitor). */
        if (!biv->override_pending) {
            set_override(biv, true, parent->next);
        }
        if (!next_element(biv, name, 0, "explicit tag", &hdr, errp)) {
            return false;
        }
        if (!hdr.constructed) {
            input_error(biv, errp, hdr.offset, name,
                        "explicit tag encoded as a primitive");
            return false;
        }
        if (!push_scope(biv, BER_IN_ALTERNATE, name, &hdr, errp)) {
            return false;
        }
    } else {
        set_override(biv, false, 0);
        if (!check_sticky(biv, errp)) {
            return false;
        }
        if (parent && parent->kind == BER_IN_LIST) {
            parent->next++;
        }
        if (!push_scope(biv, BER_IN_ALTERNATE, name, NULL, errp)) {
            return false;
        }
    }
    /* Peek at the branch: its context tag is the QType. */
    at_end = scope_at_end(biv, name, errp);
    if (at_end < 0) {
        goto fail;
    }
    if (at_end || biv->pos >= current_limit(biv)) {
        input_error(biv, errp, biv->pos, name,
                    "expected a CHOICE alternative, found the end of the %s",
                    parent ? "enclosing value" : "data");
        goto fail;
    }
    status = read_header(biv, biv->pos, current_limit(biv), &hdr,
                         &err_offset);
    if (status != BER_OK) {
        input_error(biv, errp, err_offset, name, "%s",
                    ber_status_message(status));
        goto fail;
    }
    if (hdr.tag_class != BER_CLASS_CONTEXT || hdr.tag <= QTYPE_NONE ||
        hdr.tag >= QTYPE__MAX) {
        char found[64];

        describe_header(&hdr, found, sizeof(found));
        input_error(biv, errp, biv->pos, name,
                    "expected a CHOICE alternative [1]..[%d], found %s",
                    QTYPE__MAX - 1, found);
        goto fail;
    }
    if (!account(biv, size, name, errp)) {
        goto fail;
    }
    *obj = g_malloc0(size);
    (*obj)->type = (QType)hdr.tag;
    set_override(biv, true, hdr.tag);
    return true;

fail:
    set_depth(biv, biv->depth - 1);
    return false;
}

static void ber_input_end_alternate(Visitor *v, void **obj)
{
    BERInputVisitor *biv = to_biv(v);
    BERInScope *scope = top_scope(biv);

    assert(scope && scope->kind == BER_IN_ALTERNATE);
    set_override(biv, false, 0);
    if (scope->has_frame) {
        pop_scope(biv);
    } else {
        set_depth(biv, biv->depth - 1);
    }
}

static bool ber_input_optional(Visitor *v, const char *name, bool *present)
{
    BERInputVisitor *biv = to_biv(v);
    BERInScope *scope = top_scope(biv);
    BERHeader hdr;
    Error *err = NULL;
    size_t err_offset;
    int at_end;

    assert(scope && scope->kind == BER_IN_STRUCT);
    *present = false;
    if (!biv->sticky) {
        at_end = scope_at_end(biv, name, &err);
        error_free(err);
        /* Malformed data is reported by the next visit that reads it. */
        if (at_end == 0 &&
            read_header(biv, biv->pos, scope->limit, &hdr, &err_offset) ==
            BER_OK &&
            hdr.tag_class == BER_CLASS_CONTEXT &&
            hdr.tag == scope->next) {
            *present = true;
        }
    }
    if (*present) {
        set_override(biv, true, scope->next);
    } else {
        scope->next++;
    }
    return *present;
}

/*
 * next_element() for the common case of a primitive element, in one pass
 * without calls: the current scope a definite-length struct or list, no
 * implicit tag or pending error, the universal identifier @universal_tag
 * (primitive, below 31) and a definite length in 1 to 3 octets, minimal
 * (as DER requires), inside the scope; in CER no longer than a fragment.
 * Fills *@hdr as next_element() would and counts the element; anything
 * else returns false with nothing done, for next_element() to decide
 * (and to name the offset of any error).
 */
static inline bool short_primitive_header(BERInputVisitor *biv,
                                          uint8_t universal_tag,
                                          BERHeader *hdr)
{
    const uint8_t *p;
    size_t pos = biv->pos, room, header_length, length;

    if (G_UNLIKELY(pos >= biv->fast_limit || biv->fast_limit - pos < 2)) {
        return false;
    }
    room = biv->fast_limit - pos;
    p = biv->data + pos;
    if (G_UNLIKELY(p[0] != universal_tag ||
                   !short_definite_length(p, room, &length, &header_length) ||
                   (biv->mode == BER_MODE_CER &&
                    length > biv->fragment_size))) {
        return false;
    }
    biv->header_reads++;
    biv->top->next++;
    *hdr = (BERHeader) {
        .tag_class = BER_CLASS_UNIVERSAL,
        .tag = universal_tag,
        .offset = pos,
        .header_length = header_length,
        .length = length,
    };
    return true;
}

/*
 * Read a primitive element; *@content points at its contents, *@content_offset is
 * their offset. The cursor moves past it.
 */
static bool read_primitive(BERInputVisitor *biv, const char *name,
                           uint64_t universal_tag, const char *what,
                           const uint8_t **content, size_t *len,
                           size_t *content_offset, Error **errp)
{
    BERHeader hdr;

    if (!G_LIKELY(short_primitive_header(biv, (uint8_t)universal_tag,
                                         &hdr)) &&
        !next_element(biv, name, universal_tag, what, &hdr, errp)) {
        return false;
    }
    if (hdr.constructed) {
        input_error(biv, errp, hdr.offset, name,
                    "%s must be primitive", what);
        return false;
    }
    *content_offset = hdr.offset + hdr.header_length;
    *content = biv->data + *content_offset;
    *len = (size_t)hdr.length;
    biv->pos = *content_offset + *len;
    return true;
}

/*
 * The common case of an INTEGER element, in one pass without calls: the
 * current scope a definite-length struct or list, no implicit tag or
 * pending error, a short-form header, 1 to 8 minimal content octets inside
 * the scope (with @non_negative, the first one below 0x80). Stores the
 * value and consumes the element; anything else returns false with
 * nothing consumed, and the caller's general path decides (and names the
 * offset of any error).
 */
static inline __attribute__((always_inline))
bool read_small_integer(BERInputVisitor *biv, bool non_negative,
                        int64_t *out)
{
    const uint8_t *p;
    size_t len, pos = biv->pos, limit = biv->fast_limit;
    uint64_t value;

    if (G_UNLIKELY(pos >= limit || limit - pos < 3)) {
        return false;
    }
    p = biv->data + pos;
    len = p[1];
    if (G_UNLIKELY(p[0] != BER_TAG_INTEGER || len - 1 > 7 ||
                   len > limit - pos - 2)) {
        return false;
    }
    p += 2;
    if (G_UNLIKELY((non_negative && (p[0] & 0x80)) ||
                   (len >= 2 && ((p[0] == 0x00 && !(p[1] & 0x80)) ||
                                 (p[0] == 0xff && (p[1] & 0x80)))))) {
        return false;
    }
    if (G_LIKELY(biv->len - (pos + 2) >= 8)) {
        /* one big-endian load (bytes past the contents are in the input
           and shifted out), then the sign extended by the shift */
        memcpy(&value, p, sizeof(value));
        value = (uint64_t)((int64_t)GUINT64_FROM_BE(value) >> (64 - 8 * len));
    } else {
        value = (p[0] & 0x80) ? UINT64_MAX : 0;
        for (size_t i = 0; i < len; i++) {
            value = (value << 8) | p[i];
        }
    }
    biv->header_reads++;
    biv->top->next++;
    /* element_done() has nothing to check inside a struct or list */
    biv->pos = pos + 2 + len;
    *out = (int64_t)value;
    return true;
}

/*
 * The end of a primitive element whose contents (at @offset) decoded with
 * @status: the reason of a bad one (and @suffix), else element_done().
 */
static bool primitive_done(BERInputVisitor *biv, const char *name,
                           size_t offset, BERStatus status,
                           const char *suffix, Error **errp)
{
    if (status != BER_OK) {
        input_error(biv, errp, offset, name, "%s%s",
                    ber_status_message(status), suffix);
        return false;
    }
    return element_done(biv, name, errp);
}

/*
 * An INTEGER into int64_t, or with @is_unsigned into uint64_t, in any mode
 * and state (errors included).
 */
static G_GNUC_NO_INLINE bool read_integer(BERInputVisitor *biv,
                                          const char *name, bool is_unsigned,
                                          uint64_t *obj, Error **errp)
{
    const uint8_t *content;
    size_t len, offset;
    uint64_t value;
    int64_t svalue;
    BERStatus status;

    if (!read_primitive(biv, name, BER_TAG_INTEGER, "INTEGER", &content,
                        &len, &offset, errp)) {
        return false;
    }
    if (is_unsigned) {
        status = ber_decode_uint64(content, len, &value);
    } else {
        status = ber_decode_int64(content, len, &svalue);
        value = (uint64_t)svalue;
    }
    if (!primitive_done(biv, name, offset, status,
                        status != BER_ERR_INTEGER_RANGE ? "" :
                        is_unsigned ? " (expects uint64)" :
                        " (expects int64)", errp)) {
        return false;
    }
    *obj = value;
    return true;
}

static bool ber_input_type_int64(Visitor *v, const char *name, int64_t *obj,
                                 Error **errp)
{
    BERInputVisitor *biv = to_biv(v);

    if (G_LIKELY(read_small_integer(biv, false, obj))) {
        return true;
    }
    return read_integer(biv, name, false, (uint64_t *)obj, errp);
}

static bool ber_input_type_uint64(Visitor *v, const char *name,
                                  uint64_t *obj, Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    int64_t value;

    if (G_LIKELY(read_small_integer(biv, true, &value))) {
        *obj = (uint64_t)value;
        return true;
    }
    return read_integer(biv, name, true, obj, errp);
}

static bool ber_input_type_enum(Visitor *v, const char *name, int *obj,
                                const QEnumLookup *lookup, Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    const uint8_t *content;
    size_t len, offset;
    int64_t value;
    BERStatus status;

    if (!read_primitive(biv, name, BER_TAG_ENUMERATED, "ENUMERATED",
                        &content, &len, &offset, errp)) {
        return false;
    }
    status = ber_decode_int64(content, len, &value);
    if (status != BER_OK) {
        input_error(biv, errp, offset, name, "%s",
                    ber_status_message(status));
        return false;
    }
    if (value < 0 || value >= lookup->size) {
        char *param = full_name(biv, name);

        error_setg(errp, "offset %" PRIu64 ": Parameter '%s' does not "
                   "accept value '%" PRId64 "'", msg_offset(biv, offset),
                   param, value);
        g_free(param);
        return false;
    }
    if (!element_done(biv, name, errp)) {
        return false;
    }
    *obj = (int)value;
    return true;
}

static bool ber_input_type_bool(Visitor *v, const char *name, bool *obj,
                                Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    const uint8_t *content;
    size_t len, offset;
    bool value;
    BERStatus status;

    if (!read_primitive(biv, name, BER_TAG_BOOLEAN, "BOOLEAN", &content,
                        &len, &offset, errp)) {
        return false;
    }
    status = ber_decode_boolean(content, len, biv->mode, &value);
    if (!primitive_done(biv, name, offset, status, "", errp)) {
        return false;
    }
    *obj = value;
    return true;
}

static bool ber_input_type_number(Visitor *v, const char *name, double *obj,
                                  Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    const uint8_t *content;
    size_t len, offset;
    double value;
    BERStatus status;

    if (!read_primitive(biv, name, BER_TAG_REAL, "REAL", &content, &len,
                        &offset, errp)) {
        return false;
    }
    status = ber_decode_real(content, len, biv->mode, &value, NULL, NULL);
    if (!primitive_done(biv, name, offset, status, "", errp)) {
        return false;
    }
    *obj = value;
    return true;
}

static bool ber_input_type_null(Visitor *v, const char *name, QNull **obj,
                                Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    const uint8_t *content;
    size_t len, offset;

    *obj = NULL;
    if (!read_primitive(biv, name, BER_TAG_NULL, "NULL", &content, &len,
                        &offset, errp)) {
        return false;
    }
    if (!primitive_done(biv, name, offset, ber_check_null(len), "", errp)) {
        return false;
    }
    *obj = qnull();
    return true;
}

static BERStringLevel *push_level(BERInputVisitor *biv, size_t *count)
{
    if (*count == biv->levels_cap) {
        biv->levels_cap = biv->levels_cap ? biv->levels_cap * 2 : 8;
        biv->levels = g_renew(BERStringLevel, biv->levels, biv->levels_cap);
    }
    return &biv->levels[(*count)++];
}

/*
 * A segment of a constructed string (@seg at @pos) must be an OCTET
 * STRING, and in CER a primitive one (the codec's rule: the visitor reads
 * only OCTET STRINGs and UTF8Strings, whose segments are both OCTET
 * STRINGs). Reports which rule it breaks.
 */
static bool check_string_segment(BERInputVisitor *biv, const BERHeader *seg,
                                 size_t pos, const char *name, Error **errp)
{
    BERStatus status = ber_check_string_segment(BER_TAG_OCTET_STRING,
                                                seg->tag_class, seg->tag,
                                                seg->constructed, biv->mode);
    char found[64];

    switch (status) {
    case BER_OK:
        return true;
    case BER_ERR_SEGMENT_TYPE:
        describe_header(seg, found, sizeof(found));
        input_error(biv, errp, pos, name, "string segment must be an "
                    "OCTET STRING, found %s", found);
        return false;
    default:
        input_error(biv, errp, pos, name, "%s", ber_status_message(status));
        return false;
    }
}

/*
 * Walk the segments of the constructed string whose header is @hdr:
 * validate them (count only, @dest NULL) or copy them to @dest. Returns
 * the total length in *@total and leaves the end offset in *@end.
 */
static bool walk_string(BERInputVisitor *biv, const char *name,
                        const BERHeader *hdr, uint8_t *dest, size_t *total,
                        size_t *end, Error **errp)
{
    size_t count = 0, sum = 0, pos = hdr->offset + hdr->header_length;
    bool short_fragment = false;
    BERStringLevel *level;

    level = push_level(biv, &count);
    level->indefinite = hdr->indefinite;
    level->limit = hdr->indefinite ? current_limit(biv) :
        pos + (size_t)hdr->length;
    level->end = level->limit;

    while (count) {
        BERHeader seg;
        size_t err_offset;
        BERStatus status;

        level = &biv->levels[count - 1];
        if (!level->indefinite && pos == level->end) {
            count--;
            continue;
        }
        status = read_header(biv, pos, level->limit, &seg, &err_offset);
        if (status != BER_OK) {
            input_error(biv, errp, err_offset, name, "%s",
                        ber_status_message(status));
            return false;
        }
        if (ber_header_is_eoc(&seg)) {
            if (!level->indefinite) {
                input_error(biv, errp, pos, name, "end-of-contents inside a "
                            "definite-length string");
                return false;
            }
            pos += 2;
            count--;
            continue;
        }
        if (!check_string_segment(biv, &seg, pos, name, errp)) {
            return false;
        }
        if (seg.constructed) {
            if (biv->depth + count >= biv->max_depth) {
                input_error(biv, errp, pos, name,
                            "nesting deeper than %zu levels",
                            biv->max_depth);
                return false;
            }
            {
                size_t parent_limit = level->limit;

                level = push_level(biv, &count);
                level->indefinite = seg.indefinite;
                level->limit = seg.indefinite ? parent_limit :
                    pos + seg.header_length + (size_t)seg.length;
                level->end = level->limit;
            }
            pos += seg.header_length;
            continue;
        }
        if (biv->mode == BER_MODE_CER &&
            ber_check_cer_fragment(seg.length, biv->fragment_size,
                                   &short_fragment) != BER_OK) {
            input_error(biv, errp, pos, name, "CER string fragments must "
                        "be of exactly %zu octets except the last, "
                        "which is not empty", biv->fragment_size);
            return false;
        }
        if (dest) {
            memcpy(dest + sum, biv->data + pos + seg.header_length,
                   (size_t)seg.length);
        }
        sum += (size_t)seg.length;
        pos += seg.header_length + (size_t)seg.length;
    }
    if (biv->mode == BER_MODE_CER &&
        ber_check_cer_string_total(sum, biv->fragment_size) != BER_OK) {
        input_error(biv, errp, hdr->offset, name, "CER string of %zu octets "
                    "must be primitive", sum);
        return false;
    }
    *total = sum;
    *end = pos;
    return true;
}

/*
 * Whether a CER string segment at @pos has the canonical header of a full
 * fragment (04 82 hi lo, length @frag, 256 <= @frag <= 0xffff) inside
 * @limit: such segments skip the generic header reader.
 */
static inline bool cer_full_fragment(const uint8_t *data, size_t pos,
                                     size_t limit, size_t frag)
{
    return limit - pos >= 4 + frag && data[pos] == 0x04 &&
        data[pos + 1] == 0x82 &&
        ((size_t)data[pos + 2] << 8 | data[pos + 3]) == frag;
}

/*
 * Read the contents of a CER constructed string (@hdr) into @fixed, which
 * it must fill exactly (@fixed_len bytes), or else (@fixed NULL) into a
 * new buffer of total + @extra bytes (zeroed extra). The definite-length
 * fragments are walked and checked first without copying, which gives the
 * exact size: the buffer is that size, counted against the allocation
 * budget, and the contents are then copied once. Returns 1 with *@total
 * and *@end set (and *@out, without @fixed); 0 on malformed input, a size
 * other than @fixed_len or an exceeded budget (@errp set); -1 when this
 * path does not apply (definite length, a fragment size the fast headers
 * cannot express), so the caller must take the general path.
 */
static int read_cer_string(BERInputVisitor *biv, const char *name,
                           const BERHeader *hdr, uint8_t *fixed,
                           size_t fixed_len, size_t extra, uint8_t **out,
                           size_t *total, size_t *end, Error **errp)
{
    const uint8_t *data = biv->data;
    size_t limit = current_limit(biv);
    size_t start = hdr->offset + hdr->header_length;
    size_t frag = biv->fragment_size;
    size_t pos = start, sum = 0, copied;
    bool short_fragment = false;
    uint8_t *dest;

    if (!hdr->indefinite || frag < 256 || frag > 0xffff || start > limit) {
        return -1;
    }
    for (;;) {
        BERHeader seg;
        size_t err_offset;
        BERStatus status;

        if (!short_fragment && cer_full_fragment(data, pos, limit, frag)) {
            sum += frag;
            pos += 4 + frag;
            continue;
        }
        status = read_header(biv, pos, limit, &seg, &err_offset);
        if (status != BER_OK) {
            input_error(biv, errp, err_offset, name, "%s",
                        ber_status_message(status));
            return 0;
        }
        if (ber_header_is_eoc(&seg)) {
            pos += 2;
            break;
        }
        if (!check_string_segment(biv, &seg, pos, name, errp)) {
            return 0;
        }
        if (ber_check_cer_fragment(seg.length, frag, &short_fragment) !=
            BER_OK) {
            input_error(biv, errp, pos, name, "CER string fragments must "
                        "be of exactly %zu octets except the last, "
                        "which is not empty", frag);
            return 0;
        }
        sum += (size_t)seg.length;
        pos += seg.header_length + (size_t)seg.length;
    }
    if (ber_check_cer_string_total(sum, frag) != BER_OK) {
        input_error(biv, errp, hdr->offset, name, "CER string of %zu octets "
                    "must be primitive", sum);
        return 0;
    }
    if (fixed) {
        if (sum != fixed_len) {
            input_error(biv, errp, hdr->offset, name,
                        "expects %zu bytes, got %zu", fixed_len, sum);
            return 0;
        }
        dest = fixed;
        extra = 0;
    } else {
        /* sum < limit: the fragments are inside the input */
        if (!account(biv, sum + extra, name, errp)) {
            return 0;
        }
        dest = g_malloc(sum + extra);
        biv->largest_buffer = MAX(biv->largest_buffer, sum + extra);
    }
    /* every fragment but the last is canonical; the last is primitive */
    for (copied = 0, pos = start; copied < sum; ) {
        size_t header_length = 4, length = frag;

        if (!cer_full_fragment(data, pos, limit, frag)) {
            BERHeader seg;
            size_t err_offset;

            if (ber_read_header(data, limit, pos, biv->mode, &seg,
                                &err_offset) != BER_OK) {
                g_assert_not_reached();
            }
            header_length = seg.header_length;
            length = (size_t)seg.length;
        }
        memcpy(dest + copied, data + pos + header_length, length);
        copied += length;
        pos += header_length + length;
    }
    assert(copied == sum);
    memset(dest + sum, 0, extra);
    if (!fixed) {
        *out = dest;
    }
    *total = sum;
    *end = pos + 2;
    return 1;
}

/*
 * Read a string element. If @fixed, its length must be @fixed_len and it
 * is copied there; otherwise a new buffer of length + @extra bytes (zeroed
 * extra) is returned in *@out. *@content_offset gets the contents offset
 * of a primitive, or the header offset of a constructed string.
 */
static bool read_string(BERInputVisitor *biv, const char *name,
                        uint64_t universal_tag, const char *what,
                        uint8_t *fixed, size_t fixed_len, size_t extra,
                        uint8_t **out, size_t *out_len,
                        size_t *content_offset, Error **errp)
{
    BERHeader hdr;
    size_t total, end;
    uint8_t *dest;

    if (!G_LIKELY(short_primitive_header(biv, (uint8_t)universal_tag,
                                         &hdr)) &&
        !next_element(biv, name, universal_tag, what, &hdr, errp)) {
        return false;
    }
    if (!hdr.constructed) {
        total = (size_t)hdr.length;
        if (biv->mode == BER_MODE_CER && total > biv->fragment_size) {
            input_error(biv, errp, hdr.offset, name, "CER string of %zu "
                        "octets must be fragmented", total);
            return false;
        }
        *content_offset = hdr.offset + hdr.header_length;
        end = *content_offset + total;
    } else {
        if (biv->mode == BER_MODE_DER) {
            input_error(biv, errp, hdr.offset, name,
                        "constructed string not allowed in DER");
            return false;
        }
        *content_offset = hdr.offset;
        if (biv->mode == BER_MODE_CER) {
            int done = read_cer_string(biv, name, &hdr, fixed, fixed_len,
                                       extra, &dest, &total, &end, errp);

            if (done >= 0) {
                if (done) {
                    biv->pos = end;
                    if (!fixed) {
                        *out = dest;
                    }
                    *out_len = total;
                }
                return done;
            }
        }
        if (!walk_string(biv, name, &hdr, NULL, &total, &end, errp)) {
            return false;
        }
    }
    if (fixed) {
        if (total != fixed_len) {
            input_error(biv, errp, hdr.offset, name,
                        "expects %zu bytes, got %zu", fixed_len, total);
            return false;
        }
        dest = fixed;
    } else {
        if (total > SIZE_MAX - extra ||
            !account(biv, total + extra, name, errp)) {
            if (total > SIZE_MAX - extra) {
                input_error(biv, errp, hdr.offset, name, "string too long");
            }
            return false;
        }
        dest = g_malloc(total + extra);
        biv->largest_buffer = MAX(biv->largest_buffer, total + extra);
        memset(dest + total, 0, extra);
    }
    if (!hdr.constructed) {
        memcpy(dest, biv->data + *content_offset, total);
    } else {
        size_t again, end_again;

        walk_string(biv, name, &hdr, dest, &again, &end_again, &error_abort);
        assert(again == total && end_again == end);
    }
    biv->pos = end;
    if (!fixed) {
        *out = dest;
    }
    *out_len = total;
    return true;
}

static bool ber_input_type_str(Visitor *v, const char *name, char **obj,
                               Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    uint8_t *buf;
    size_t len, offset, bad;

    *obj = NULL;
    if (!read_string(biv, name, BER_TAG_UTF8STRING, "UTF8String", NULL, 0, 1,
                     &buf, &len, &offset, errp)) {
        return false;
    }
    if (!ber_utf8_validate(buf, len, &bad)) {
        input_error(biv, errp, offset, name, "invalid UTF-8 at string "
                    "octet %zu", bad);
        g_free(buf);
        return false;
    }
    if (memchr(buf, 0, len)) {
        input_error(biv, errp, offset, name, "string contains a NUL "
                    "character at octet %zu",
                    (size_t)((uint8_t *)memchr(buf, 0, len) - buf));
        g_free(buf);
        return false;
    }
    if (!element_done(biv, name, errp)) {
        g_free(buf);
        return false;
    }
    *obj = (char *)buf;
    return true;
}

static bool ber_input_type_bytes(Visitor *v, const char *name,
                                 uint8_t **buf, size_t *len, Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    uint8_t *data;
    size_t n, offset;

    *buf = NULL;
    *len = 0;
    /* One spare zero byte keeps an empty string's buffer non-NULL. */
    if (!read_string(biv, name, BER_TAG_OCTET_STRING, "OCTET STRING", NULL,
                     0, 1, &data, &n, &offset, errp)) {
        return false;
    }
    if (!element_done(biv, name, errp)) {
        g_free(data);
        return false;
    }
    *buf = data;
    *len = n;
    return true;
}

static bool ber_input_type_fixed_bytes(Visitor *v, const char *name,
                                       uint8_t *buf, size_t len,
                                       Error **errp)
{
    BERInputVisitor *biv = to_biv(v);
    size_t n, offset;

    if (!read_string(biv, name, BER_TAG_OCTET_STRING, "OCTET STRING", buf,
                     len, 0, NULL, &n, &offset, errp)) {
        return false;
    }
    return element_done(biv, name, errp);
}

static void ber_input_free(Visitor *v)
{
    BERInputVisitor *biv = to_biv(v);

    if (biv->scopes != biv->first_scopes) {
        g_free(biv->scopes);
    }
    g_free(biv->levels);
    error_free(biv->sticky);
    g_free(biv);
}

Visitor *ber_input_visitor_new_opts(const uint8_t *data, size_t len,
                                    BERMode mode, const BEROptions *opts)
{
    BERInputVisitor *biv = g_new0(BERInputVisitor, 1);

    assert(data || len == 0);
    assert(mode == BER_MODE_BER || mode == BER_MODE_CER ||
           mode == BER_MODE_DER);
    biv->data = data;
    biv->len = len;
    biv->mode = mode;
    biv->scopes = biv->first_scopes;
    biv->scopes_cap = BER_IN_FIRST_SCOPES;
    biv->top = NULL;
    biv->fast_limit = 0;
    biv->fragment_size = opts && opts->cer_fragment_size ?
        opts->cer_fragment_size : BER_DEFAULT_CER_FRAGMENT;
    biv->max_depth = opts && opts->max_depth ?
        opts->max_depth : BER_DEFAULT_MAX_DEPTH;
    if (opts && opts->max_alloc) {
        biv->max_alloc = opts->max_alloc;
    } else {
        size_t per_octet = BER_DEFAULT_MAX_ALLOC_PER_INPUT_OCTET;

        biv->max_alloc = len > (SIZE_MAX - BER_DEFAULT_MAX_ALLOC_BASE) /
            per_octet ? SIZE_MAX : BER_DEFAULT_MAX_ALLOC_BASE + len * per_octet;
    }
    biv->allow_trailing = opts && opts->allow_trailing;
    biv->base_offset = opts ? opts->base_offset : 0;
    update_fast_depth(biv);

    biv->visitor.type = VISITOR_INPUT;
    biv->visitor.start_struct = ber_input_start_struct;
    biv->visitor.check_struct = ber_input_check_struct;
    biv->visitor.end_struct = ber_input_end_struct;
    biv->visitor.start_list = ber_input_start_list;
    biv->visitor.next_list = ber_input_next_list;
    biv->visitor.check_list = ber_input_check_list;
    biv->visitor.end_list = ber_input_end_list;
    biv->visitor.start_alternate = ber_input_start_alternate;
    biv->visitor.end_alternate = ber_input_end_alternate;
    biv->visitor.type_int64 = ber_input_type_int64;
    biv->visitor.type_uint64 = ber_input_type_uint64;
    biv->visitor.type_bool = ber_input_type_bool;
    biv->visitor.type_str = ber_input_type_str;
    biv->visitor.type_number = ber_input_type_number;
    biv->visitor.type_null = ber_input_type_null;
    biv->visitor.optional = ber_input_optional;
    biv->visitor.type_bytes = ber_input_type_bytes;
    biv->visitor.type_fixed_bytes = ber_input_type_fixed_bytes;
    biv->visitor.type_enum = ber_input_type_enum;
    biv->visitor.policy_reject = visit_policy_reject_by_compat;
    biv->visitor.free = ber_input_free;
    return &biv->visitor;
}

Visitor *ber_input_visitor_new(const uint8_t *data, size_t len,
                               BERMode mode)
{
    return ber_input_visitor_new_opts(data, len, mode, NULL);
}

bool ber_input_visitor_finish(Visitor *v, Error **errp)
{
    BERInputVisitor *biv = to_biv(v);

    assert(v->type == VISITOR_INPUT && v->free == ber_input_free);
    if (!check_sticky(biv, errp)) {
        return false;
    }
    if (biv->depth || !biv->top_done) {
        error_setg(errp, "offset %" PRIu64 ": the top-level value is "
                   "incomplete", msg_offset(biv, biv->pos));
        return false;
    }
    if (!biv->allow_trailing && biv->pos != biv->len) {
        error_setg(errp, "offset %" PRIu64 ": trailing bytes after the "
                   "top-level value", msg_offset(biv, biv->pos));
        return false;
    }
    return true;
}

uint64_t ber_input_visitor_header_reads(Visitor *v)
{
    BERInputVisitor *biv = to_biv(v);

    assert(v->type == VISITOR_INPUT && v->free == ber_input_free);
    return biv->header_reads;
}

size_t ber_input_visitor_largest_buffer(Visitor *v)
{
    BERInputVisitor *biv = to_biv(v);

    assert(v->type == VISITOR_INPUT && v->free == ber_input_free);
    return biv->largest_buffer;
}
