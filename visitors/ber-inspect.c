/*
 * visitors/ber-inspect.c: an iterative BER/CER/DER walker and checker.
 *
 * The walk keeps one Frame per open constructed (or encapsulating) value
 * on a heap-grown array, so the nesting depth costs heap, not C stack.
 * Header rules and primitive value rules are the codec's (ber-codec.h);
 * this file adds the rules that need context and the recovery needed to
 * keep showing a damaged stream: when the codec refuses a header, a
 * lenient reader recovers what it can (tag and length) so the element
 * can still be shown with its error.
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visitors/ber-inspect.h"

/* Encapsulated BER is probed at most this many levels deep: bounds the
 * re-reading of nested OCTET STRINGs to a constant factor of the input. */
#define INSPECT_MAX_ENCAPSULATION 8
/* CER fragment size (9.2). */
#define CER_FRAGMENT 1000

/* One open constructed or encapsulating value. */
typedef struct Frame {
    uint64_t offset;
    uint64_t content_start;
    uint64_t end;                 /* content end, or the limit when indefinite */
    uint64_t length;              /* as declared */
    uint64_t tag;
    uint64_t prev_child_start;    /* SET order, DER/CER */
    uint64_t prev_child_end;
    uint64_t prev_child_tag;
    uint64_t string_total;        /* root of a constructed string: octets so far */
    uint64_t last_fragment_offset;
    uint64_t last_fragment_length;
    uint64_t unused_segment_offset;
    BERStringCheck string_check;  /* root of a constructed string: its joined value */
    bool string_bad;              /* a fault in the joined value was reported */
    uint64_t tag_octets;          /* offset of the high-form tag octets */
    uint32_t tag_octet_count;
    uint32_t header_length;
    uint32_t string_root;         /* index of the outermost constructed-string frame */
    uint32_t encapsulation;       /* encapsulations around the contents */
    int string_tag;               /* universal tag of the segments, -1 when not a string */
    uint8_t tag_class;
    uint8_t prev_child_class;
    bool constructed;
    bool indefinite;
    bool encapsulates;
    bool truncated;
    bool tag_too_large;
    bool broken;                  /* contents abandoned: no "missing EOC" */
    bool has_prev_child;
    bool short_fragment;          /* CER: a fragment under 1000 octets was seen */
    bool unused_segment;          /* a segment with unused bits was seen */
    bool named_bits_oid;          /* a child OID names a named-bit-list extension */
    bool named_bits;              /* encapsulates a named bit list (keyUsage...) */
} Frame;

/* A header as read, with what the lenient reader could recover. */
typedef struct Header {
    uint64_t offset;
    uint64_t tag;
    uint64_t length;
    size_t header_length;
    size_t tag_octets;            /* offset of the first tag number octet */
    size_t tag_octet_count;
    size_t length_offset;
    BERClass tag_class;
    bool constructed;
    bool indefinite;
    bool tag_too_large;
    bool length_not_minimal;
    BERStatus failure;            /* why lenient_header() gave up */
} Header;

typedef struct Walker {
    const uint8_t *data;
    size_t len;
    BERInspectOptions opts;
    const BERInspectCallbacks *cb;
    void *opaque;
    Frame *stack;
    size_t depth;
    size_t cap;
    BERInspectDiagnostic *diags;
    size_t ndiags;
    size_t diag_cap;
    BERInspectSummary sum;
    bool probe;                   /* a probe for encapsulated BER: any finding fails */
    bool probe_failed;
    uint64_t probe_first_class;
    uint64_t probe_first_tag;
    bool probe_first_constructed;
    struct Walker *sub;           /* reused probe walker */
    /* The constructed UTCTime/GeneralizedTime being joined: one at a time,
     * since a time's segments are OCTET STRINGs; a time can open inside
     * another only below a segment of the wrong type, already an error. */
    BERTimeCheck time_check;
    size_t time_root;             /* its frame index + 1, 0: none */
} Walker;

static bool is_string_tag(uint64_t tag)
{
    switch (tag) {
    case 3: case 4: case 7: case 12: case 14:
    case 18: case 19: case 20: case 21: case 22: case 23: case 24:
    case 25: case 26: case 27: case 28: case 29: case 30:
        return true;
    default:
        return false;
    }
}

static bool must_be_primitive(uint64_t tag)
{
    switch (tag) {
    case BER_TAG_EOC: case BER_TAG_BOOLEAN: case BER_TAG_INTEGER:
    case BER_TAG_NULL: case BER_TAG_OID: case BER_TAG_REAL:
    case BER_TAG_ENUMERATED: case BER_TAG_RELATIVE_OID:
        return true;
    default:
        return false;
    }
}

static bool must_be_constructed(uint64_t tag)
{
    return tag == BER_TAG_SEQUENCE || tag == BER_TAG_SET || tag == 8 ||
           tag == 11;
}

static const char *utag_name(uint64_t tag)
{
    const char *name = ber_universal_tag_name(tag);
    return name ? name : "universal type";
}

/* "an OCTET STRING", "a UTF8String": the article for a type name. */
static const char *article(const char *name)
{
    return strchr("AEIO", name[0]) ? "an" : "a";
}

static const char *mode_name(BERMode mode)
{
    return mode == BER_MODE_DER ? "DER" : mode == BER_MODE_CER ? "CER" : "BER";
}

static void add_diag(Walker *w, uint64_t offset, BERInspectSeverity severity,
                     const char *code, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

static void add_diag(Walker *w, uint64_t offset, BERInspectSeverity severity,
                     const char *code, const char *fmt, va_list ap)
{
    BERInspectDiagnostic *d;

    if (w->probe) {
        w->probe_failed = true;
        return;
    }
    if (severity == BER_INSPECT_ERROR) {
        w->sum.errors++;
    } else {
        w->sum.warnings++;
    }
    if (w->ndiags == w->diag_cap) {
        w->diag_cap = w->diag_cap ? w->diag_cap * 2 : 8;
        w->diags = g_renew(BERInspectDiagnostic, w->diags, w->diag_cap);
    }
    d = &w->diags[w->ndiags++];
    d->offset = w->opts.base_offset + offset;
    d->severity = severity;
    d->code = code;
    vsnprintf(d->message, sizeof(d->message), fmt, ap);
}

/* A rule broken in every mode: an error. */
static void diag_error(Walker *w, uint64_t offset, const char *code,
                       const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag_error(Walker *w, uint64_t offset, const char *code,
                       const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(w, offset, BER_INSPECT_ERROR, code, fmt, ap);
    va_end(ap);
}

/* A rule of the canonical encodings: a warning in BER, an error in CER/DER. */
static void diag_noncanonical(Walker *w, uint64_t offset, const char *code,
                              const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void diag_noncanonical(Walker *w, uint64_t offset, const char *code,
                              const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    add_diag(w, offset, w->opts.mode == BER_MODE_BER ? BER_INSPECT_WARNING :
             BER_INSPECT_ERROR, code, fmt, ap);
    va_end(ap);
}

/* Hand the pending diagnostics that belong to no element to @stream. */
static void flush_stream(Walker *w)
{
    size_t i;

    for (i = 0; i < w->ndiags; i++) {
        if (w->cb && w->cb->stream && !w->sum.stopped &&
            !w->cb->stream(w->opaque, &w->diags[i])) {
            w->sum.stopped = true;
        }
    }
    w->ndiags = 0;
}

static void emit(Walker *w, BERInspectElementFn fn, BERInspectElement *e)
{
    e->diagnostics = w->diags;
    e->diagnostic_count = w->ndiags;
    if (fn && !w->sum.stopped && !fn(w->opaque, e)) {
        w->sum.stopped = true;
    }
    w->ndiags = 0;
}

static void element_from_header(Walker *w, const Header *h, uint32_t depth,
                                 uint64_t available, BERInspectElement *e)
{
    memset(e, 0, sizeof(*e));
    e->offset = w->opts.base_offset + h->offset;
    e->depth = depth;
    e->header_length = (uint32_t)h->header_length;
    e->indefinite = h->indefinite;
    e->length = h->length;
    e->tag_class = h->tag_class;
    e->constructed = h->constructed;
    e->tag = h->tag;
    e->tag_too_large = h->tag_too_large;
    if (h->tag_octet_count) {
        e->tag_octets = w->data + h->tag_octets;
        e->tag_octet_count = h->tag_octet_count;
    }
    e->content = w->data + h->offset + h->header_length;
    e->content_available = available;
    e->truncated = !h->indefinite && available < h->length;
}

static void emit_end(Walker *w, Frame *f, uint64_t pos)
{
    BERInspectElement e;

    memset(&e, 0, sizeof(e));
    e.offset = w->opts.base_offset + f->offset;
    e.depth = (uint32_t)(f - w->stack);
    e.header_length = f->header_length;
    e.indefinite = f->indefinite;
    e.length = f->indefinite ? pos - f->content_start : f->length;
    e.tag_class = f->tag_class;
    e.constructed = f->constructed;
    e.tag = f->tag;
    e.tag_too_large = f->tag_too_large;
    if (f->tag_octet_count) {
        e.tag_octets = w->data + f->tag_octets;
        e.tag_octet_count = f->tag_octet_count;
    }
    e.content = w->data + f->offset + f->header_length;
    e.content_available = pos - (f->offset + f->header_length);
    e.truncated = f->truncated;
    e.encapsulates = f->encapsulates;
    emit(w, w->cb ? w->cb->end : NULL, &e);
}

/*
 * Emit an element whose contents will not be walked; a constructed one
 * still gets its end event, so that begin/end always pair up.
 */
static void emit_leaf(Walker *w, BERInspectElement *e)
{
    emit(w, w->cb ? w->cb->begin : NULL, e);
    if (e->constructed || e->encapsulates) {
        emit(w, w->cb ? w->cb->end : NULL, e);
    }
}

/*
 * Read a header the codec refused, recovering the tag and the length
 * where they can be read at all. Returns false when the header cannot be
 * read (truncated, reserved or overflowing length), true otherwise with
 * *@h filled and the rule broken already reported by the caller.
 */
static bool lenient_header(Walker *w, size_t limit, size_t pos, Header *h)
{
    size_t start = pos;
    uint8_t octet;

    memset(h, 0, sizeof(*h));
    h->offset = pos;
    if (pos >= limit) {
        return false;
    }
    octet = w->data[pos++];
    h->tag_class = (BERClass)(octet >> 6);
    h->constructed = (octet & 0x20) != 0;
    h->tag = octet & 0x1f;
    if (h->tag == 0x1f) {
        h->tag = 0;
        h->tag_octets = pos;
        for (;;) {
            if (pos >= limit) {
                h->failure = BER_ERR_TRUNCATED;
                return false;
            }
            octet = w->data[pos++];
            h->tag_octet_count++;
            if (h->tag >> 56) {
                h->tag_too_large = true;
            }
            h->tag = (h->tag << 7) | (octet & 0x7f);
            if (!(octet & 0x80)) {
                break;
            }
        }
    }
    if (pos >= limit) {
        h->failure = BER_ERR_TRUNCATED;
        return false;
    }
    h->length_offset = pos;
    octet = w->data[pos++];
    if (octet == 0x80) {
        h->indefinite = true;
    } else if (octet < 0x80) {
        h->length = octet;
    } else if (octet == 0xff) {
        h->failure = BER_ERR_LENGTH_RESERVED;
        return false;
    } else {
        size_t count = octet & 0x7f;
        size_t i;

        if (count > limit - pos) {
            h->failure = BER_ERR_TRUNCATED;
            return false;
        }
        for (i = 0; i < count; i++) {
            if (h->length >> 56) {
                h->failure = BER_ERR_LENGTH_OVERFLOW;
                return false;
            }
            h->length = (h->length << 8) | w->data[pos++];
        }
        h->length_not_minimal = h->length < 0x80 ||
                                count != ber_length_size(h->length) - 1;
    }
    h->header_length = pos - start;
    return true;
}

/*
 * Read the header at @pos. Returns false when no element can be formed
 * (the reason is added as a diagnostic); true with *@h otherwise, any
 * broken header rule having been reported.
 */
static bool read_header(Walker *w, size_t limit, size_t pos, Header *h)
{
    BERHeader bh;
    size_t err_offset = pos;
    BERStatus st = ber_read_header(w->data, limit, pos, BER_MODE_BER, &bh,
                                   &err_offset);

    if (st == BER_OK) {
        h->offset = pos;
        h->tag = bh.tag;
        h->length = bh.length;
        h->header_length = bh.header_length;
        h->tag_class = bh.tag_class;
        h->constructed = bh.constructed;
        h->indefinite = bh.indefinite;
        h->tag_too_large = false;
        h->length_not_minimal = bh.length_not_minimal;
        h->length_offset = pos + 1;
        h->tag_octets = pos + 1;
        h->tag_octet_count = 0;
        if ((w->data[pos] & 0x1f) == 0x1f) {
            h->tag_octet_count = 1;
            while (w->data[pos + h->tag_octet_count] & 0x80) {
                h->tag_octet_count++;
            }
            h->length_offset = pos + 1 + h->tag_octet_count;
        }
        return true;
    }
    switch (st) {
    case BER_ERR_TAG_HIGH_FORM_LOW:
    case BER_ERR_TAG_LEADING_ZERO:
    case BER_ERR_TAG_OVERFLOW:
    case BER_ERR_LENGTH_PAST_END:
    case BER_ERR_INDEFINITE_PRIMITIVE:
    case BER_ERR_EOC_MALFORMED:
        if (!lenient_header(w, limit, pos, h)) {
            if (st == BER_ERR_TAG_OVERFLOW) {
                /* the codec stopped at the tag; the real fault is later */
                st = h->failure;
                err_offset = h->length_offset ? h->length_offset : limit;
            }
            break;
        }
        if (st == BER_ERR_TAG_OVERFLOW) {
            /* A legal tag, only too wide for a machine word: shown in hex;
             * the codec stopped before the length, so check its form here. */
            if (h->indefinite && !h->constructed) {
                diag_error(w, h->length_offset, "indefinite-primitive", "%s",
                           ber_status_message(BER_ERR_INDEFINITE_PRIMITIVE));
            }
            return true;
        }
        if (st == BER_ERR_LENGTH_PAST_END) {
            return true;    /* reported with the element, see walk() */
        }
        if (h->tag_too_large && st != BER_ERR_TAG_LEADING_ZERO) {
            return true;
        }
        diag_error(w, err_offset, st == BER_ERR_EOC_MALFORMED ? "eoc-malformed"
                   : st == BER_ERR_INDEFINITE_PRIMITIVE ? "indefinite-primitive"
                   : "tag-form", "%s", ber_status_message(st));
        return true;
    default:
        break;
    }
    diag_error(w, err_offset, st == BER_ERR_TRUNCATED ? "truncated" : "header",
               "%s", ber_status_message(st));
    return false;
}

static void grow_stack(Walker *w)
{
    if (w->depth == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 32;
        w->stack = g_renew(Frame, w->stack, w->cap);
    }
}

static int compare_padded(const uint8_t *a, size_t alen, const uint8_t *b,
                          size_t blen)
{
    size_t n = alen < blen ? alen : blen;
    int c = memcmp(a, b, n);
    size_t i;

    if (c) {
        return c;
    }
    /* X.690 11.6: the shorter is padded at its end with 0 octets. */
    for (i = n; i < alen; i++) {
        if (a[i]) {
            return 1;
        }
    }
    for (i = n; i < blen; i++) {
        if (b[i]) {
            return -1;
        }
    }
    return 0;
}

/*
 * UTCTime (X.680 47.3) and GeneralizedTime (46.3) at @off: the codec's
 * verdicts on the value in BER (@st) and in DER (@st_der).
 */
static void report_time(Walker *w, uint64_t off, uint64_t tag, BERStatus st,
                        BERStatus st_der)
{
    const char *name = tag == 23 ? "UTCTime" : "GeneralizedTime";

    if (st == BER_ERR_TIME_SYNTAX) {
        diag_error(w, off, "time-syntax", "not a valid %s", name);
    } else if (st != BER_OK) {
        diag_error(w, off, "time-value", "%s: %s", name, ber_status_message(st));
    } else if (st_der != BER_OK) {
        diag_noncanonical(w, off, "time-form",
                          "%s must end in 'Z', give seconds "
                          "and no trailing zero in fractions in CER/DER (11.7, "
                          "11.8)", name);
    }
}

/* "" or "s": the count's noun in the singular for 1 ("1 octet"). */
static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

/*
 * Feed @n octets of a string value (a primitive string, or one segment
 * of the constructed string whose checker is @sc) at @off; report the
 * first fault only.
 */
static void check_string_part(Walker *w, BERStringCheck *sc, bool *bad,
                              uint64_t off, const uint8_t *s, size_t n)
{
    size_t at = 0;
    BERStatus st;

    if (*bad) {
        return;
    }
    st = ber_string_check_feed(sc, s, n, &at);
    if (st == BER_OK) {
        return;
    }
    *bad = true;
    switch (st) {
    case BER_ERR_UTF8_INVALID:
        diag_error(w, off + at, "utf8", "%s", ber_status_message(st));
        break;
    case BER_ERR_STRING_CHARSET:
        diag_error(w, off + at, "charset",
                   "octet 0x%02x is not allowed in %s %s", s[at],
                   article(utag_name(sc->tag)), utag_name(sc->tag));
        break;
    default:
        diag_error(w, off + at, sc->tag == 30 ? "bmp-string" :
                   "universal-string",
                   "%s holds a value that is not a Unicode character",
                   utag_name(sc->tag));
        break;
    }
}

static void check_string_end(Walker *w, const BERStringCheck *sc, bool *bad,
                             uint64_t off)
{
    BERStatus st;

    if (*bad) {
        return;
    }
    st = ber_string_check_finish(sc);
    if (st == BER_ERR_UTF8_INVALID) {
        diag_error(w, off, "utf8", "UTF8String ends inside a character");
    } else if (st != BER_OK) {
        diag_error(w, off, sc->tag == 30 ? "bmp-string" : "universal-string",
                   "%s of %llu octet%s is not a multiple of %u",
                   utag_name(sc->tag), (unsigned long long)sc->seen,
                   plural(sc->seen), sc->tag == 30 ? 2 : 4);
    }
}

/* Whether the mantissa of binary REAL contents is zero (not an underflow). */
static bool real_mantissa_zero(const uint8_t *c, size_t n)
{
    size_t pos = 1 + (c[0] & 3) + 1;
    size_t i;

    if ((c[0] & 3) == 3) {
        pos = n >= 2 ? 2 + (size_t)c[1] : n;
    }
    for (i = pos; i < n; i++) {
        if (c[i]) {
            return false;
        }
    }
    return true;
}

static void check_real(Walker *w, uint64_t off, const uint8_t *c, size_t n)
{
    double value;
    BERRealKind kind;
    bool exact;
    BERStatus st = ber_decode_real(c, n, BER_MODE_BER, &value, &kind, &exact);

    if (st == BER_ERR_REAL_RANGE) {
        return;     /* a legal value beyond a double: shown in hex */
    }
    if (st != BER_OK) {
        diag_error(w, off, "real", "%s", ber_status_message(st));
        return;
    }
    if (kind == BER_REAL_DECIMAL && value == 0 && !signbit(value)) {
        diag_error(w, off, "real-zero", "+0 must be encoded with no contents "
                   "octets (8.5.2)");
        return;
    }
    if (value == 0 && signbit(value) && kind != BER_REAL_SPECIAL &&
        (kind != BER_REAL_BINARY || real_mantissa_zero(c, n))) {
        diag_error(w, off, "real-minus-zero",
                   "-0 must be encoded as the special " "value 43 (8.5.3)");
        return;
    }
    if (kind == BER_REAL_BINARY && value == 0 && real_mantissa_zero(c, n)) {
        diag_error(w, off, "real-zero", "+0 must be encoded with no contents "
                   "octets (8.5.2)");
        return;
    }
    if (exact || kind != BER_REAL_BINARY) {
        st = ber_decode_real(c, n, w->opts.mode == BER_MODE_BER ?
                             BER_MODE_DER : w->opts.mode, &value, &kind,
                             &exact);
        if (st != BER_OK) {
            diag_noncanonical(w, off, "real-form", "%s", ber_status_message(st));
        }
    }
}

static void check_oid(Walker *w, uint64_t off, const uint8_t *c, size_t n)
{
    size_t pos = 0;

    if (n == 0) {
        diag_error(w, off, "oid-empty",
                   "OBJECT IDENTIFIER with no subidentifier");
        return;
    }
    while (pos < n) {
        uint64_t v;
        size_t at = pos;
        BERStatus st = ber_decode_oid_subid(c, n, &pos, &v);

        if (st == BER_ERR_OID_OVERFLOW) {
            /* legal, only wide: skip to its last octet */
            pos = at;
            while (pos < n && (c[pos] & 0x80)) {
                pos++;
            }
            if (pos == n) {
                st = BER_ERR_OID_TRUNCATED;
            } else {
                pos++;
                continue;
            }
        }
        if (st != BER_OK) {
            diag_error(w, off + at, st == BER_ERR_OID_LEADING_ZERO ?
                       "oid-leading-80" : "oid", "%s", ber_status_message(st));
            return;
        }
    }
}

/*
 * The X.509 extensions whose value is a BIT STRING with named bits
 * (RFC 5280 keyUsage, Netscape certificate type): without a schema, the
 * DER rule on trailing 0 bits is checked for these, as dumpasn1 does.
 */
static bool names_bit_list_extension(const uint8_t *c, size_t n)
{
    static const uint8_t key_usage[] = { 0x55, 0x1d, 0x0f };
    static const uint8_t netscape_cert_type[] = { 0x60, 0x86, 0x48, 0x01, 0x86,
                                                  0xf8, 0x42, 0x01, 0x01 };

    return (n == sizeof(key_usage) && !memcmp(c, key_usage, n)) ||
           (n == sizeof(netscape_cert_type) &&
            !memcmp(c, netscape_cert_type, n));
}

/* Rules for a primitive's contents, read completely. */
static void check_primitive(Walker *w, const Header *h, const uint8_t *c,
                            size_t n, bool segment)
{
    uint64_t off = h->offset + h->header_length;
    BERStatus st;
    bool b;
    unsigned unused;

    if (h->tag_class != BER_CLASS_UNIVERSAL || h->tag_too_large) {
        return;
    }
    switch (h->tag) {
    case BER_TAG_BOOLEAN:
        st = ber_decode_boolean(c, n, BER_MODE_BER, &b);
        if (st != BER_OK) {
            diag_error(w, off, "boolean", "%s", ber_status_message(st));
        } else if (c[0] != 0 && c[0] != 0xff) {
            diag_noncanonical(w, off, "boolean-value",
                              "BOOLEAN TRUE is 0x%02x; " "CER/DER require 0xff",
                              c[0]);
        }
        break;
    case BER_TAG_INTEGER:
    case BER_TAG_ENUMERATED:
        st = ber_check_integer(c, n, NULL);
        if (st != BER_OK) {
            diag_error(w, off, "integer", "%s", ber_status_message(st));
        }
        break;
    case BER_TAG_NULL:
        if (ber_check_null(n) != BER_OK) {
            diag_error(w, off, "null", "%s",
                       ber_status_message(BER_ERR_NULL_LENGTH));
        }
        break;
    case BER_TAG_REAL:
        check_real(w, off, c, n);
        break;
    case BER_TAG_OID:
    case BER_TAG_RELATIVE_OID:
        check_oid(w, off, c, n);
        break;
    case BER_TAG_BIT_STRING:
        st = ber_check_bit_string(c, n, BER_MODE_BER, &unused);
        if (st != BER_OK) {
            diag_error(w, off, "bit-string-unused", "%s", ber_status_message(st));
        } else if (unused && (c[n - 1] & ((1u << unused) - 1)) &&
                   w->opts.mode != BER_MODE_BER) {
            /* any value is legal in BER (8.6.2.3); CER/DER want zeros */
            diag_error(w, off + n - 1, "bit-string-padding",
                       "%s: the %u unused " "bits are not zero",
                       mode_name(w->opts.mode), unused);
        }
        break;
    case BER_TAG_UTF8STRING:
    case 18: case 19: case 22: case 26: case 28: case 30:
        if (!segment) {
            BERStringCheck sc;
            bool failed = false;

            ber_string_check_init(&sc, h->tag);
            check_string_part(w, &sc, &failed, off, c, n);
            check_string_end(w, &sc, &failed, off);
        }
        break;
    case 23: case 24:
        if (!segment) {
            report_time(w, off, h->tag, ber_check_time(h->tag, c, n, BER_MODE_BER),
                        ber_check_time(h->tag, c, n, BER_MODE_DER));
        }
        break;
    default:
        break;
    }
}

/* Context rules for a child of the constructed string @f (a segment). */
static void check_segment(Walker *w, Frame *f, const Header *h,
                          uint64_t content_len)
{
    Frame *root = &w->stack[f->string_root];
    BERStatus st = h->tag_too_large ? BER_ERR_SEGMENT_TYPE :
        ber_check_string_segment((uint64_t)f->string_tag, h->tag_class,
                                 h->tag, h->constructed, BER_MODE_BER);

    if (st != BER_OK) {
        const char *want =
            utag_name(ber_string_segment_tag((uint64_t)f->string_tag));

        diag_error(w, h->offset, "segment-type",
                   "a segment of a constructed %s "
                   "must be %s %s (X.690 8.23.5, 8.6.4)", utag_name(root->tag),
                   article(want), want);
        /* the joined value lacks this segment: no second finding on it */
        root->string_bad = true;
        return;
    }
    if (root->unused_segment) {
        diag_error(w, h->offset, "bit-string-segment",
                   "the BIT STRING segment at "
                   "%llu has unused bits but is not the last segment",
                   (unsigned long long)(w->opts.base_offset + root->unused_segment_offset));
        root->unused_segment = false;
    }
    if (w->opts.mode == BER_MODE_CER) {
        if (h->constructed) {
            diag_error(w, h->offset, "cer-fragment",
                       "CER string fragments must be " "primitive");
        } else {
            switch (ber_check_cer_fragment(content_len, CER_FRAGMENT,
                                           &root->short_fragment)) {
            case BER_ERR_CER_FRAGMENT_AFTER_SHORT:
                diag_error(w, root->last_fragment_offset, "cer-fragment",
                           "CER string fragment of %llu octet%s is "
                           "not the last one: all but the last must have 1000",
                           (unsigned long long)root->last_fragment_length,
                           plural(root->last_fragment_length));
                break;
            case BER_ERR_CER_FRAGMENT_LONG:
                diag_error(w, h->offset, "cer-fragment",
                           "CER string fragment of "
                           "%llu octets (at most 1000)",
                           (unsigned long long)content_len);
                break;
            case BER_ERR_CER_FRAGMENT_EMPTY:
                diag_error(w, h->offset, "cer-fragment",
                           "empty CER string fragment: the last one has "
                           "1 to 1000 octets (X.690 9.2)");
                break;
            default:
                break;
            }
            root->last_fragment_offset = h->offset;
            root->last_fragment_length = content_len;
        }
    }
}

/* Rules applying once the constructed value @f is complete. */
static void check_close(Walker *w, Frame *f, uint64_t pos)
{
    if (w->time_root == (size_t)(f - w->stack) + 1) {
        /* a constructed time: checked on its joined value, as a primitive */
        w->time_root = 0;
        if (!f->broken && !f->truncated && !f->string_bad) {
            report_time(w, f->offset, f->tag,
                        ber_time_check_finish(&w->time_check, BER_MODE_BER),
                        ber_time_check_finish(&w->time_check, BER_MODE_DER));
        }
    }
    if (f->string_tag >= 0 && f->string_root == (uint32_t)(f - w->stack) &&
        !f->broken && !f->truncated) {
        check_string_end(w, &f->string_check, &f->string_bad, f->offset);
    }
    if (f->string_tag >= 0 && f->string_root == (uint32_t)(f - w->stack) &&
        w->opts.mode == BER_MODE_CER && !f->broken &&
        ber_check_cer_string_total(f->string_total, CER_FRAGMENT) != BER_OK) {
        diag_error(w, f->offset, "cer-constructed-string", "CER: %s %s of "
                   "%llu octets (at most 1000) must be primitive",
                   article(utag_name(f->string_tag)), utag_name(f->string_tag),
                   (unsigned long long)f->string_total);
    }
}

/* Mark the indefinite frames whose end can no longer be found. */
static uint64_t abandon(Walker *w)
{
    size_t i = w->depth;

    while (i > 0) {
        Frame *f = &w->stack[--i];

        f->broken = true;
        if (!f->indefinite) {
            return f->end;
        }
    }
    return w->len;
}

static void child_rules(Walker *w, Frame *top, const Header *h,
                        uint64_t cstart, uint64_t cend)
{
    if (top->string_tag >= 0) {
        check_segment(w, top, h, h->indefinite ? 0 : cend - cstart);
    }
    if (w->opts.mode != BER_MODE_BER && top->tag_class == BER_CLASS_UNIVERSAL &&
        top->tag == BER_TAG_SET && top->constructed && !h->indefinite) {
        if (top->has_prev_child) {
            bool same = top->prev_child_class == h->tag_class &&
                        top->prev_child_tag == h->tag;
            int c;

            if (same) {
                c = compare_padded(w->data + top->prev_child_start,
                                   top->prev_child_end - top->prev_child_start,
                                   w->data + h->offset, cend - h->offset);
            } else {
                c = top->prev_child_class != h->tag_class ?
                    (top->prev_child_class > h->tag_class ? 1 : -1) :
                    (top->prev_child_tag > h->tag ? 1 : -1);
            }
            if (c > 0) {
                diag_error(w, h->offset, "set-order",
                           "%s: SET elements are not in "
                           "ascending order (X.690 10.3, 11.6)",
                           mode_name(w->opts.mode));
            }
        }
        top->has_prev_child = true;
        top->prev_child_start = h->offset;
        top->prev_child_end = cend;
        top->prev_child_class = h->tag_class;
        top->prev_child_tag = h->tag;
    }
}

static bool probe_encapsulated(Walker *w, const uint8_t *c, size_t n);

static void push(Walker *w, const Header *h, uint64_t cstart, uint64_t cend,
                 bool truncated, bool encapsulates, uint32_t encapsulation)
{
    Frame *f;
    Frame *top;

    grow_stack(w);
    top = w->depth ? &w->stack[w->depth - 1] : NULL;
    f = &w->stack[w->depth];
    memset(f, 0, sizeof(*f));
    f->offset = h->offset;
    f->content_start = cstart;
    f->end = cend;
    f->length = h->length;
    f->tag = h->tag;
    f->header_length = (uint32_t)h->header_length;
    f->tag_class = h->tag_class;
    f->constructed = h->constructed;
    f->indefinite = h->indefinite;
    f->encapsulates = encapsulates;
    f->truncated = truncated;
    f->tag_too_large = h->tag_too_large;
    f->tag_octets = h->tag_octets;
    f->tag_octet_count = (uint32_t)h->tag_octet_count;
    f->encapsulation = encapsulation;
    f->string_tag = -1;
    if (!encapsulates && h->tag_class == BER_CLASS_UNIVERSAL &&
        !h->tag_too_large && is_string_tag(h->tag)) {
        f->string_tag = (int)h->tag;
        if (top && top->string_tag >= 0) {
            f->string_root = top->string_root;
        } else {
            f->string_root = (uint32_t)w->depth;
            ber_string_check_init(&f->string_check, h->tag);
            if (h->tag == 23 || h->tag == 24) {
                if (w->time_root) {
                    /* inside a wrong segment of another time (reported):
                     * that one is no longer checked */
                    w->stack[w->time_root - 1].string_bad = true;
                }
                w->time_root = w->depth + 1;
                ber_time_check_init(&w->time_check, h->tag);
            }
        }
    }
    w->depth++;
}

/* The walk itself; see ber_inspect(). */
static void walk(Walker *w)
{
    uint64_t pos = 0;

    for (;;) {
        Frame *top = w->depth ? &w->stack[w->depth - 1] : NULL;
        uint64_t limit;
        uint64_t cstart;
        uint64_t cend;
        uint64_t available;
        Header h;
        BERInspectElement e;
        uint32_t depth = (uint32_t)w->depth;
        bool truncated = false;

        if (w->sum.stopped || (w->probe && w->probe_failed)) {
            break;
        }
        if (top) {
            if (pos >= top->end) {
                if (top->indefinite && !top->broken) {
                    diag_error(w, pos, "eoc-missing",
                               "the indefinite-length %s at "
                               "%llu ends without end-of-contents",
                               top->tag_class == BER_CLASS_UNIVERSAL ? utag_name(top->tag) :
                               "value",
                               (unsigned long long)(w->opts.base_offset + top->offset));
                    /* the enclosing indefinite values lack theirs too: once */
                    abandon(w);
                }
                check_close(w, top, pos);
                emit_end(w, top, pos);
                w->depth--;
                continue;
            }
            limit = top->end;
        } else {
            if (pos >= w->len) {
                break;
            }
            if (w->opts.single && w->sum.top_level > 0) {
                diag_error(w, pos, "trailing-garbage",
                           "%llu octet%s of trailing data after the value",
                           (unsigned long long)(w->len - pos),
                           plural(w->len - pos));
                flush_stream(w);
                pos = w->len;
                break;
            }
            limit = w->len;
        }

        if (!read_header(w, limit, pos, &h)) {
            if (!top) {
                flush_stream(w);
                pos = w->len;
                break;
            }
            pos = abandon(w);
            continue;
        }
        if (!top) {
            w->sum.top_level++;
        }
        w->sum.elements++;
        if (depth > w->sum.max_depth) {
            w->sum.max_depth = depth;
        }
        if (w->probe && w->sum.elements == 1) {
            w->probe_first_class = h.tag_class;
            w->probe_first_tag = h.tag;
            w->probe_first_constructed = h.constructed;
        }
        cstart = h.offset + h.header_length;

        /* header rules of the mode */
        if (h.length_not_minimal) {
            diag_noncanonical(w, h.length_offset, "length-not-minimal",
                              "length %llu in %zu octet%s: not minimal",
                              (unsigned long long)h.length,
                              h.header_length - (h.length_offset - h.offset),
                              plural(h.header_length -
                                     (h.length_offset - h.offset)));
        }
        if (h.indefinite && w->opts.mode == BER_MODE_DER) {
            diag_error(w, h.length_offset, "indefinite-in-der",
                       "%s", ber_status_message(BER_ERR_INDEFINITE_IN_DER));
        }
        if (h.constructed && !h.indefinite && w->opts.mode == BER_MODE_CER) {
            diag_error(w, h.length_offset, "definite-in-cer",
                       "%s", ber_status_message(BER_ERR_DEFINITE_IN_CER));
        }
        if (h.indefinite && !h.constructed) {
            /* reported by read_header; nothing after it can be located */
            element_from_header(w, &h, depth, 0, &e);
            emit(w, w->cb ? w->cb->begin : NULL, &e);
            if (!top) {
                pos = w->len;
                break;
            }
            pos = abandon(w);
            continue;
        }

        if (h.indefinite) {
            cend = limit;
            available = 0;
        } else if (h.length > limit - cstart) {
            diag_error(w, cstart, "truncated",
                       "contents of %llu octet%s run past the end of the %s "
                       "(%llu octet%s left)", (unsigned long long)h.length,
                       h.length == 1 ? "" : "s",
                       top ? "enclosing value" : "data",
                       (unsigned long long)(limit - cstart),
                       limit - cstart == 1 ? "" : "s");
            cend = limit;
            available = limit - cstart;
            truncated = true;
            if (top) {
                abandon(w);     /* no EOC to look for after this */
            }
        } else {
            cend = cstart + h.length;
            available = h.length;
        }

        /* end-of-contents */
        if (h.tag_class == BER_CLASS_UNIVERSAL && h.tag == BER_TAG_EOC &&
            !h.tag_too_large) {
            bool good = !h.constructed && !h.indefinite && h.length == 0;

            if (good && top && top->indefinite) {
                element_from_header(w, &h, depth, 0, &e);
                e.end_of_contents = true;
                emit(w, w->cb ? w->cb->begin : NULL, &e);
                check_close(w, top, pos);
                emit_end(w, top, pos);
                w->depth--;
                pos = cend;
                continue;
            }
            if (good) {
                diag_error(w, h.offset, "eoc-misplaced", top ?
                           "end-of-contents inside a definite-length value" :
                           "end-of-contents at top level");
            }
            element_from_header(w, &h, depth, available, &e);
            e.end_of_contents = true;
            emit_leaf(w, &e);
            if (h.indefinite) {
                if (!top) {
                    pos = w->len;
                    break;
                }
                pos = abandon(w);
                continue;
            }
            pos = cend;
            continue;
        }

        if (top) {
            child_rules(w, top, &h, cstart, cend);
        }
        if (h.tag_class == BER_CLASS_UNIVERSAL && !h.tag_too_large) {
            if (h.constructed && must_be_primitive(h.tag)) {
                diag_error(w, h.offset, "form", "%s must be primitive",
                           utag_name(h.tag));
            } else if (!h.constructed && must_be_constructed(h.tag)) {
                diag_error(w, h.offset, "form", "%s must be constructed",
                           utag_name(h.tag));
            } else if (h.constructed && is_string_tag(h.tag) &&
                       w->opts.mode == BER_MODE_DER) {
                diag_error(w, h.offset, "constructed-string", "DER: %s %s must "
                           "be primitive", article(utag_name(h.tag)),
                           utag_name(h.tag));
            } else if (!h.constructed && is_string_tag(h.tag) &&
                       w->opts.mode == BER_MODE_CER && h.length > CER_FRAGMENT &&
                       !(top && top->string_tag >= 0)) {
                diag_error(w, h.offset, "cer-primitive-string", "CER: %s %s of "
                           "%llu octets (over 1000) must be constructed of "
                           "1000-octet fragments", article(utag_name(h.tag)),
                           utag_name(h.tag),
                           (unsigned long long)h.length);
            }
        }
        if (w->opts.max_depth && depth >= w->opts.max_depth && h.constructed) {
            diag_error(w, h.offset, "depth", "nesting deeper than %llu levels",
                       (unsigned long long)w->opts.max_depth);
            element_from_header(w, &h, depth, available, &e);
            emit_leaf(w, &e);
            if (!top) {
                pos = w->len;
                break;
            }
            pos = abandon(w);
            continue;
        }

        if (h.constructed) {
            element_from_header(w, &h, depth, available, &e);
            emit(w, w->cb ? w->cb->begin : NULL, &e);
            push(w, &h, cstart, cend, truncated, false,
                 top ? top->encapsulation : 0);
            pos = cstart;
            continue;
        }

        /* primitive */
        {
            const uint8_t *c = w->data + cstart;
            bool segment = top && top->string_tag >= 0;
            bool encapsulates = false;
            uint64_t inner = cstart;

            if (!truncated) {
                check_primitive(w, &h, c, available, segment);
            }
            if (top && !truncated && h.tag_class == BER_CLASS_UNIVERSAL &&
                !h.tag_too_large) {
                if (h.tag == BER_TAG_OID) {
                    top->named_bits_oid = names_bit_list_extension(c, available);
                } else if (h.tag == BER_TAG_BIT_STRING && top->named_bits &&
                           h.offset == top->content_start && cend == top->end &&
                           ber_check_bit_string(c, available, BER_MODE_BER,
                                                NULL) == BER_OK &&
                           ber_check_named_bits(c, available) != BER_OK) {
                    diag_noncanonical(w, cend - 1, "bit-string-trailing-zero",
                                      "%s", ber_status_message(
                                          BER_ERR_BITSTRING_TRAILING_ZERO));
                }
            }
            if (segment && h.tag_class == BER_CLASS_UNIVERSAL &&
                h.tag == ber_string_segment_tag((uint64_t)top->string_tag)) {
                Frame *root = &w->stack[top->string_root];

                if (!truncated) {
                    check_string_part(w, &root->string_check,
                                      &root->string_bad, cstart, c,
                                      available);
                    if (w->time_root == top->string_root + 1) {
                        ber_time_check_feed(&w->time_check, c, available);
                    }
                }
                if (h.tag == BER_TAG_BIT_STRING && available > 0) {
                    root->string_total += available - 1;
                    if (c[0] != 0) {
                        root->unused_segment = true;
                        root->unused_segment_offset = h.offset;
                    }
                } else {
                    root->string_total += available;
                }
            }
            if (w->opts.encapsulation && !truncated && !segment &&
                h.tag_class == BER_CLASS_UNIVERSAL && !h.tag_too_large &&
                (h.tag == BER_TAG_OCTET_STRING ||
                 (h.tag == BER_TAG_BIT_STRING && available > 0 && c[0] == 0)) &&
                w->ndiags == 0 && !w->probe_failed &&
                (top ? top->encapsulation : 0) < INSPECT_MAX_ENCAPSULATION) {
                if (h.tag == BER_TAG_BIT_STRING) {
                    inner++;
                }
                encapsulates = probe_encapsulated(w, w->data + inner,
                                                  cend - inner);
            }
            element_from_header(w, &h, depth, available, &e);
            e.encapsulates = encapsulates;
            emit(w, w->cb ? w->cb->begin : NULL, &e);
            if (encapsulates) {
                push(w, &h, inner, cend, false, true,
                     (top ? top->encapsulation : 0) + 1);
                w->stack[w->depth - 1].named_bits =
                    top && top->named_bits_oid && h.tag == BER_TAG_OCTET_STRING;
                pos = inner;
                continue;
            }
            pos = cend;
        }
    }
    w->sum.consumed = pos;
}

static void walker_init(Walker *w, const uint8_t *data, size_t len,
                        const BERInspectOptions *opts,
                        const BERInspectCallbacks *cb, void *opaque)
{
    w->data = data;
    w->len = len;
    w->opts = *opts;
    w->cb = cb;
    w->opaque = opaque;
    w->depth = 0;
    w->ndiags = 0;
    memset(&w->sum, 0, sizeof(w->sum));
    w->probe_failed = false;
    w->time_root = 0;
}

static void walker_free(Walker *w)
{
    if (w->sub) {
        walker_free(w->sub);
        g_free(w->sub);
    }
    g_free(w->stack);
    g_free(w->diags);
}

/*
 * Whether @c[0..@n) is BER worth showing as a subtree: it must parse
 * completely with no finding at all, and start with something a program
 * would plausibly wrap (a constructed value or a universal type), so that
 * random octets are rarely mistaken for structure.
 */
static bool probe_encapsulated(Walker *w, const uint8_t *c, size_t n)
{
    BERInspectOptions opts = w->opts;
    Walker *p;

    if (n < 2) {
        return false;
    }
    if (!w->sub) {
        w->sub = g_new0(Walker, 1);
        w->sub->probe = true;
    }
    p = w->sub;
    opts.encapsulation = false;
    opts.single = false;
    opts.base_offset = 0;
    walker_init(p, c, n, &opts, NULL, NULL);
    walk(p);
    if (p->probe_failed || p->sum.consumed != n ||
        p->sum.elements == 0) {
        return false;
    }
    if (p->probe_first_class == BER_CLASS_UNIVERSAL) {
        if (p->probe_first_tag == BER_TAG_EOC || p->probe_first_tag == 15 ||
            p->probe_first_tag > 30) {
            return false;
        }
    } else if (!p->probe_first_constructed) {
        return false;
    }
    return true;
}

void ber_inspect_options_init(BERInspectOptions *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->mode = BER_MODE_BER;
    opts->encapsulation = true;
}

bool ber_inspect(const uint8_t *data, size_t len,
                 const BERInspectOptions *opts,
                 const BERInspectCallbacks *cb, void *opaque,
                 BERInspectSummary *summary)
{
    Walker w;
    BERInspectOptions defaults;

    if (!opts) {
        ber_inspect_options_init(&defaults);
        opts = &defaults;
    }
    memset(&w, 0, sizeof(w));
    walker_init(&w, data, len, opts, cb, opaque);
    walk(&w);
    if (summary) {
        *summary = w.sum;
    }
    walker_free(&w);
    return true;
}
