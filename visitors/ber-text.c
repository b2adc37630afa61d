/*
 * visitors/ber-text.c: text rendering of BER values (see ber-text.h).
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "visitors/ber-text.h"

void ber_text_free(BERText *t)
{
    g_free(t->data);
    t->data = NULL;
    t->len = t->cap = 0;
}

static inline void text_reserve(BERText *t, size_t n)
{
    if (t->cap - t->len < n + 1) {
        size_t cap = t->cap ? t->cap : 256;

        while (cap - t->len < n + 1) {
            if (cap > SIZE_MAX / 2) {
                g_error("ber-text: a text of more than SIZE_MAX / 2 octets");
            }
            cap *= 2;
        }
        /* out of memory aborts, as everywhere in the library (GLib) */
        t->data = g_realloc(t->data, cap);
        t->cap = cap;
    }
}

void ber_text_append(BERText *t, const char *s, size_t n)
{
    text_reserve(t, n);
    memcpy(t->data + t->len, s, n);
    t->len += n;
    t->data[t->len] = 0;
}

static inline void text_putc(BERText *t, char c)
{
    text_reserve(t, 1);
    t->data[t->len++] = c;
    t->data[t->len] = 0;
}

static void text_puts(BERText *t, const char *s)
{
    ber_text_append(t, s, strlen(s));
}

static void text_u64(BERText *t, uint64_t v)
{
    char buf[24];
    char *p = buf + sizeof(buf);

    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    ber_text_append(t, p, buf + sizeof(buf) - p);
}

static void text_i64(BERText *t, int64_t v)
{
    if (v < 0) {
        text_putc(t, '-');
        text_u64(t, (uint64_t)0 - (uint64_t)v);
    } else {
        text_u64(t, (uint64_t)v);
    }
}

static const char hex_digits[] = "0123456789ABCDEF";

/* Append @n octets in hex; at most @max (0: all), "..." when cut. */
static unsigned text_hex(BERText *t, const uint8_t *c, size_t n, size_t max)
{
    size_t shown = max && n > max ? max : n;
    size_t i;
    char *p;

    text_reserve(t, shown * 2 + 3);
    p = t->data + t->len;
    for (i = 0; i < shown; i++) {
        *p++ = hex_digits[c[i] >> 4];
        *p++ = hex_digits[c[i] & 15];
    }
    t->len += shown * 2;
    t->data[t->len] = 0;
    if (shown < n) {
        ber_text_append(t, "...", 3);
        return BER_VALUE_CUT;
    }
    return 0;
}

/*
 * Append the big number held in base-128 octets (the low 7 bits of each)
 * in hex with a 0x prefix, reading the bit stream once (linear time).
 */
static void text_base128_hex(BERText *t, const uint8_t *octets, size_t count,
                             size_t max_digits)
{
    uint64_t bits = (uint64_t)count * 7;
    uint64_t pad = (4 - bits % 4) % 4;
    uint64_t total = bits + pad;
    uint64_t i;
    bool leading = true;
    size_t digits = 0;

    text_puts(t, "0x");
    for (i = 0; i < total; i += 4) {
        unsigned nibble = 0;
        unsigned k;

        for (k = 0; k < 4; k++) {
            uint64_t bit = i + k;

            nibble <<= 1;
            if (bit >= pad) {
                uint64_t b = bit - pad;
                nibble |= (octets[b / 7] >> (6 - b % 7)) & 1;
            }
        }
        if (leading && nibble == 0 && i + 4 < total) {
            continue;
        }
        leading = false;
        if (max_digits && digits == max_digits) {
            text_puts(t, "...");
            return;
        }
        text_putc(t, hex_digits[nibble]);
        digits++;
    }
}

/* Whether code point @cp must be escaped on a terminal or in JSON. */
static bool must_escape(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) ||
           (cp >= 0x200b && cp <= 0x200f) ||   /* zero-width, direction marks */
           (cp >= 0x2028 && cp <= 0x202e) ||   /* separators, bidi embedding */
           (cp >= 0x2066 && cp <= 0x2069) ||   /* bidi isolates */
           cp == 0xfeff || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff;
}

static void text_utf8(BERText *t, uint32_t cp)
{
    char b[4];

    if (cp < 0x80) {
        text_putc(t, (char)cp);
    } else if (cp < 0x800) {
        b[0] = (char)(0xc0 | (cp >> 6));
        b[1] = (char)(0x80 | (cp & 0x3f));
        ber_text_append(t, b, 2);
    } else if (cp < 0x10000) {
        b[0] = (char)(0xe0 | (cp >> 12));
        b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[2] = (char)(0x80 | (cp & 0x3f));
        ber_text_append(t, b, 3);
    } else {
        b[0] = (char)(0xf0 | (cp >> 18));
        b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        b[3] = (char)(0x80 | (cp & 0x3f));
        ber_text_append(t, b, 4);
    }
}

/* Append one code point of a string value, escaped as needed. */
static void text_codepoint(BERText *t, uint32_t cp, bool json)
{
    char buf[16];

    if (cp == '"' || cp == '\\') {
        text_putc(t, '\\');
        text_putc(t, (char)cp);
        return;
    }
    if (!must_escape(cp)) {
        text_utf8(t, cp);
        return;
    }
    switch (cp) {
    case '\n': text_puts(t, "\\n"); return;
    case '\r': text_puts(t, "\\r"); return;
    case '\t': text_puts(t, "\\t"); return;
    default: break;
    }
    if (json) {
        if (cp > 0xffff) {
            /* beyond Unicode: as text, since JSON cannot carry it */
            snprintf(buf, sizeof(buf), "\\\\U%08X", (unsigned)cp);
        } else if (cp >= 0xd800 && cp <= 0xdfff) {
            /* a lone surrogate is no character: as text, not as \u */
            snprintf(buf, sizeof(buf), "\\\\u%04X", (unsigned)cp);
        } else {
            snprintf(buf, sizeof(buf), "\\u%04x", (unsigned)cp);
        }
    } else if (cp < 0x80) {
        snprintf(buf, sizeof(buf), "\\x%02X", (unsigned)cp);
    } else if (cp > 0xffff) {
        snprintf(buf, sizeof(buf), "\\U%08X", (unsigned)cp);
    } else {
        snprintf(buf, sizeof(buf), "\\u%04X", (unsigned)cp);
    }
    text_puts(t, buf);
}

/* An octet that is not part of a valid character: always as \xNN text. */
static void text_bad_octet(BERText *t, uint8_t c, bool json)
{
    char buf[8];

    snprintf(buf, sizeof(buf), json ? "\\\\x%02X" : "\\x%02X", c);
    text_puts(t, buf);
}

/* Length of the valid UTF-8 sequence at @s (0 if invalid), its code point in *@cp. */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
    size_t bad;
    size_t k;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    k = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
    if (k == 0 || k > n || !ber_utf8_validate(s, k, &bad)) {
        return 0;
    }
    if (k == 2) {
        *cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
    } else if (k == 3) {
        *cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) |
              (s[2] & 0x3f);
    } else {
        *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
              ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
    }
    return k;
}

enum { ENC_OCTETS, ENC_UTF8, ENC_BMP, ENC_UCS4 };

static unsigned text_string(BERText *t, const uint8_t *s, size_t n, int enc,
                            size_t max, bool json)
{
    size_t i = 0;
    size_t stop = max && n > max ? max : n;

    while (i < stop) {
        uint32_t cp;

        if (enc <= ENC_UTF8 && s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' &&
            s[i] != '\\') {
            size_t j = i + 1;

            /* a run of plain printable ASCII: copied in one go */
            while (j < stop && s[j] >= 0x20 && s[j] < 0x7f && s[j] != '"' &&
                   s[j] != '\\') {
                j++;
            }
            ber_text_append(t, (const char *)s + i, j - i);
            i = j;
            continue;
        }
        switch (enc) {
        case ENC_UTF8: {
            size_t k = utf8_next(s + i, n - i, &cp);

            if (k == 0) {
                text_bad_octet(t, s[i], json);
                i++;
            } else {
                text_codepoint(t, cp, json);
                i += k;
            }
            break;
        }
        case ENC_BMP:
            if (n - i < 2) {
                text_bad_octet(t, s[i++], json);
                break;
            }
            cp = ((uint32_t)s[i] << 8) | s[i + 1];
            i += 2;
            if (cp >= 0xd800 && cp < 0xdc00 && n - i >= 2) {
                uint32_t lo = ((uint32_t)s[i] << 8) | s[i + 1];

                if (lo >= 0xdc00 && lo < 0xe000) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    i += 2;
                }
            }
            text_codepoint(t, cp, json);
            break;
        case ENC_UCS4:
            if (n - i < 4) {
                text_bad_octet(t, s[i++], json);
                break;
            }
            cp = ((uint32_t)s[i] << 24) | ((uint32_t)s[i + 1] << 16) |
                 ((uint32_t)s[i + 2] << 8) | s[i + 3];
            i += 4;
            text_codepoint(t, cp, json);
            break;
        default:
            if (s[i] >= 0x80) {
                text_bad_octet(t, s[i], json);
            } else {
                text_codepoint(t, s[i], json);
            }
            i++;
            break;
        }
    }
    if (i < n) {
        text_puts(t, "...");
        return BER_VALUE_CUT;
    }
    return 0;
}

static bool printable_ascii(const uint8_t *s, size_t n)
{
    size_t i;

    if (n == 0) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < 0x20 || s[i] > 0x7e) {
            return false;
        }
    }
    return true;
}

static unsigned format_integer(const uint8_t *c, size_t n, BERText *t,
                               size_t max, bool json)
{
    int64_t v;
    uint64_t u;
    bool negative;

    /* a non-minimal INTEGER still has a value: show it */
    while (n > 1 && ((c[0] == 0 && !(c[1] & 0x80)) ||
                     (c[0] == 0xff && (c[1] & 0x80)))) {
        c++;
        n--;
    }
    if (n == 0) {
        return 0;
    }
    if (ber_decode_int64(c, n, &v) == BER_OK) {
        text_i64(t, v);
        return BER_VALUE_LITERAL;
    }
    if (ber_decode_uint64(c, n, &u) == BER_OK) {
        text_u64(t, u);
        return BER_VALUE_LITERAL;
    }
    negative = c[0] & 0x80;
    if (negative && n <= 4096) {
        /* magnitude = two's complement negation, from the low end */
        uint8_t mag[4096];
        unsigned carry = 1;
        size_t i = n;
        size_t start = 0;

        while (i-- > 0) {
            unsigned b = (uint8_t)~c[i] + carry;

            mag[i] = (uint8_t)b;
            carry = b >> 8;
        }
        while (start + 1 < n && mag[start] == 0) {
            start++;
        }
        text_puts(t, "-0x");
        return BER_VALUE_BIG | text_hex(t, mag + start, n - start, max);
    }
    if (negative) {
        text_puts(t, "two's complement 0x");
    } else {
        text_puts(t, "0x");
        if (c[0] == 0) {
            c++;
            n--;
        }
    }
    return BER_VALUE_BIG | text_hex(t, c, n, max);
}

static void text_double(BERText *t, double v)
{
    char buf[40];
    int prec;

    for (prec = 15; prec <= 17; prec++) {
        snprintf(buf, sizeof(buf), "%.*g", prec, v);
        if (strtod(buf, NULL) == v) {
            break;
        }
    }
    text_puts(t, buf);
}

static unsigned format_real(const uint8_t *c, size_t n, BERText *t,
                            size_t max, bool json)
{
    double v;
    BERRealKind kind;
    bool exact = true;
    BERStatus st = ber_decode_real(c, n, BER_MODE_BER, &v, &kind, &exact);
    size_t pos;
    size_t elen;
    unsigned base;
    unsigned scale;

    if (st == BER_OK && (exact || kind != BER_REAL_BINARY)) {
        if (isnan(v)) {
            text_puts(t, "NaN");
            return 0;
        }
        if (isinf(v)) {
            text_puts(t, v > 0 ? "+inf" : "-inf");
            return 0;
        }
        if (v == 0 && signbit(v)) {
            text_puts(t, "-0");
            return 0;
        }
        text_double(t, v);
        return BER_VALUE_LITERAL;
    }
    if ((st != BER_OK && st != BER_ERR_REAL_RANGE) || n == 0 ||
        !(c[0] & 0x80)) {
        return text_hex(t, c, n, max);
    }
    /* binary form beyond a double: show its fields exactly */
    base = (c[0] >> 4) & 3;
    scale = (c[0] >> 2) & 3;
    elen = (c[0] & 3) + 1;
    pos = 1;
    if ((c[0] & 3) == 3) {
        if (n < 2) {
            return text_hex(t, c, n, max);
        }
        elen = c[1];
        pos = 2;
    }
    if (elen == 0 || elen >= n - pos + 1 || pos + elen > n) {
        return text_hex(t, c, n, max);
    }
    if (c[0] & 0x40) {
        text_putc(t, '-');
    }
    text_puts(t, "0x");
    text_hex(t, c + pos + elen, n - pos - elen, max);
    if (scale) {
        text_puts(t, " * 2^");
        text_u64(t, scale);
    }
    text_puts(t, base == 0 ? " * 2^" : base == 1 ? " * 8^" : " * 16^");
    if (elen <= 8) {
        int64_t e = (c[pos] & 0x80) ? -1 : 0;
        size_t i;

        for (i = 0; i < elen; i++) {
            e = (int64_t)(((uint64_t)e << 8) | c[pos + i]);
        }
        text_i64(t, e);
    } else {
        text_puts(t, "(0x");
        text_hex(t, c + pos, elen, max);
        text_putc(t, ')');
    }
    if (st == BER_OK && v != 0 && !isinf(v)) {
        text_puts(t, " ~ ");
        text_double(t, v);
    }
    return BER_VALUE_BIG;
}

/* Append big number @octets (base 128) minus @minus, in hex. */
static void text_base128_minus(BERText *t, const uint8_t *octets, size_t count,
                               unsigned minus)
{
    uint8_t bytes[80];
    size_t nbytes = (count * 7 + 7) / 8;
    uint64_t bits = (uint64_t)count * 7;
    uint64_t i;
    size_t start = 0;

    if (nbytes > sizeof(bytes)) {
        text_puts(t, "(");
        text_base128_hex(t, octets, count, 64);
        text_puts(t, "-80)");
        return;
    }
    memset(bytes, 0, sizeof(bytes));
    for (i = 0; i < bits; i++) {
        uint64_t from_low = bits - 1 - i;        /* bit index from the low end */
        unsigned bit = (octets[i / 7] >> (6 - i % 7)) & 1;

        bytes[nbytes - 1 - from_low / 8] |= (uint8_t)(bit << (from_low % 8));
    }
    for (i = nbytes; i-- > 0 && minus;) {
        unsigned b = bytes[i];

        bytes[i] = (uint8_t)(b - (minus & 0xff));
        minus = (minus >> 8) + (b < (minus & 0xff));
    }
    while (start + 1 < nbytes && bytes[start] == 0) {
        start++;
    }
    text_puts(t, "0x");
    text_hex(t, bytes + start, nbytes - start, 0);
}

static unsigned format_oid(const uint8_t *c, size_t n, bool relative,
                           BERText *t, size_t max, bool json,
                           const BEROidTable *oids)
{
    size_t pos = 0;
    size_t start = t->len;
    bool first = !relative;
    bool big = false;
    unsigned flags = 0;
    size_t count = 0;

    while (pos < n) {
        uint64_t v;
        size_t at = pos;
        BERStatus st = ber_decode_oid_subid(c, n, &pos, &v);

        if (max && ++count > max) {
            text_puts(t, "...");
            flags |= BER_VALUE_CUT;
            break;
        }
        if (t->len > start) {
            text_putc(t, '.');
        }
        if (st == BER_ERR_OID_OVERFLOW) {
            size_t end = at;

            while (end < n && (c[end] & 0x80)) {
                end++;
            }
            if (end == n) {
                text_puts(t, "(truncated)");
                break;
            }
            end++;
            if (first) {
                text_puts(t, "2.");
                text_base128_minus(t, c + at, end - at, 80);
            } else {
                text_base128_hex(t, c + at, end - at, 64);
            }
            big = true;
            first = false;
            pos = end;
            continue;
        }
        if (st != BER_OK) {
            text_puts(t, st == BER_ERR_OID_TRUNCATED ? "(truncated)" : "(bad)");
            break;
        }
        if (first) {
            unsigned arc = v < 40 ? 0 : v < 80 ? 1 : 2;

            text_u64(t, arc);
            text_putc(t, '.');
            v -= arc * 40;
            first = false;
        }
        text_u64(t, v);
    }
    if (!json && !big && !relative) {
        const char *name = ber_oid_name(oids, t->data + start);

        if (name) {
            text_puts(t, " (");
            text_puts(t, name);
            text_putc(t, ')');
        }
    }
    return flags | (big ? BER_VALUE_BIG : 0);
}

/* A short BIT STRING as its bits, '0110'B (X.680 22.9 bstring). */
static unsigned text_bits(BERText *t, const uint8_t *c, size_t n)
{
    size_t bits = (n - 1) * 8 - c[0];
    size_t i;

    text_putc(t, '\'');
    for (i = 0; i < bits; i++) {
        text_putc(t, (c[1 + i / 8] >> (7 - i % 8)) & 1 ? '1' : '0');
    }
    text_puts(t, "'B");
    return 0;
}

/*
 * The reading of a valid UTCTime/GeneralizedTime, " (2026-12-01 08:02:55
 * UTC)": the codec checked it, so the fields are where the syntax puts
 * them.
 */
static void text_time(BERText *t, uint64_t tag, const uint8_t *s, size_t n)
{
    char buf[96];
    size_t y = tag == 24 ? 4 : 2, pos = y + 6, frac = 0, frac_len = 0;
    bool minutes = false, seconds = false;
    int year, len;

    /* first: an empty or short value has no year to read */
    if (ber_check_time(tag, s, n, BER_MODE_BER) != BER_OK) {
        return;
    }
    year = (s[0] - '0') * 10 + (s[1] - '0');
    if (tag == 24) {
        year = year * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    } else {
        year += year < 50 ? 2000 : 1900;
    }
    if (pos + 2 <= n && g_ascii_isdigit(s[pos])) {
        minutes = true;
        pos += 2;
        if (pos + 2 <= n && g_ascii_isdigit(s[pos])) {
            seconds = true;
            pos += 2;
        }
    }
    if (pos < n && (s[pos] == '.' || s[pos] == ',')) {
        frac = ++pos;
        while (pos < n && g_ascii_isdigit(s[pos])) {
            pos++;
        }
        frac_len = pos - frac;
    }
    len = snprintf(buf, sizeof(buf), " (%04d-%.2s-%.2s %.2s", year,
                   (const char *)s + y, (const char *)s + y + 2,
                   (const char *)s + y + 4);
    if (minutes) {
        len += snprintf(buf + len, sizeof(buf) - len, ":%.2s",
                        (const char *)s + y + 6);
    }
    if (seconds) {
        len += snprintf(buf + len, sizeof(buf) - len, ":%.2s",
                        (const char *)s + y + 8);
    }
    text_puts(t, buf);
    if (frac_len) {
        text_putc(t, '.');
        ber_text_append(t, (const char *)s + frac, frac_len);
    }
    if (pos == n) {
        text_puts(t, " local time)");
    } else if (s[pos] == 'Z') {
        text_puts(t, " UTC)");
    } else {
        snprintf(buf, sizeof(buf), " %c%.2s:%.2s)", s[pos],
                 (const char *)s + pos + 1,
                 n - pos - 1 == 4 ? (const char *)s + pos + 3 : "00");
        text_puts(t, buf);
    }
}

void ber_text_append_json(BERText *t, const char *s, size_t n)
{
    text_string(t, (const uint8_t *)s, n, ENC_UTF8, 0, true);
}

bool ber_text_constructed_time(const BERInspectElement *e, BERText *t)
{
    uint8_t joined[64];         /* longer times are shown by their segments */
    size_t n = 0, pos = 0, len = (size_t)e->content_available;

    if (!e->constructed || e->tag_class != BER_CLASS_UNIVERSAL ||
        e->tag_too_large || (e->tag != 23 && e->tag != 24) || e->truncated) {
        return false;
    }
    /* the segments in order: nested constructed ones are stepped into */
    while (pos < len) {
        BERHeader h;

        if (ber_read_header(e->content, len, pos, BER_MODE_BER, &h, NULL) !=
            BER_OK || h.tag_class != BER_CLASS_UNIVERSAL) {
            return false;
        }
        if (h.tag == BER_TAG_EOC) {
            pos += h.header_length;
        } else if (h.tag != BER_TAG_OCTET_STRING) {
            return false;
        } else if (h.constructed) {
            pos += h.header_length;
        } else {
            if (h.length > sizeof(joined) - n) {
                return false;
            }
            memcpy(joined + n, e->content + pos + h.header_length,
                   (size_t)h.length);
            n += (size_t)h.length;
            pos += h.header_length + (size_t)h.length;
        }
    }
    if (ber_check_time(e->tag, joined, n, BER_MODE_BER) != BER_OK) {
        return false;
    }
    text_putc(t, '"');
    text_string(t, joined, n, ENC_OCTETS, 0, false);
    text_putc(t, '"');
    text_time(t, e->tag, joined, n);
    return true;
}

unsigned ber_text_value(const BERInspectElement *e, BERText *t, size_t max,
                        bool json, const BEROidTable *oids)
{
    const uint8_t *c = e->content;
    size_t n = (size_t)e->content_available;
    unsigned flags;

    if (!t->data) {
        text_reserve(t, 64);
        t->data[0] = 0;
    }
    if (e->constructed && !e->indefinite && !json &&
        e->content_available == e->length &&
        ber_text_constructed_time(e, t)) {
        return BER_VALUE_QUOTED;
    }
    if (e->constructed || e->end_of_contents || e->indefinite) {
        return 0;
    }
    if (e->truncated) {
        return text_hex(t, c, n, max);
    }
    if (e->tag_class != BER_CLASS_UNIVERSAL || e->tag_too_large) {
        if (!json && printable_ascii(c, n) && (!max || n <= max)) {
            text_putc(t, '"');
            text_string(t, c, n, ENC_OCTETS, 0, false);
            text_putc(t, '"');
            return BER_VALUE_QUOTED;
        }
        return text_hex(t, c, n, max);
    }
    switch (e->tag) {
    case BER_TAG_BOOLEAN:
        if (n != 1) {
            return text_hex(t, c, n, max);
        }
        if (json) {
            text_puts(t, c[0] ? "true" : "false");
            return BER_VALUE_LITERAL;
        }
        text_puts(t, c[0] ? "TRUE" : "FALSE");
        if (c[0] != 0 && c[0] != 0xff) {
            text_puts(t, " (0x");
            text_hex(t, c, 1, 0);
            text_putc(t, ')');
        }
        return 0;
    case BER_TAG_INTEGER:
    case BER_TAG_ENUMERATED:
        return format_integer(c, n, t, max, json);
    case BER_TAG_NULL:
        if (n) {
            return text_hex(t, c, n, max);
        }
        if (json) {
            text_puts(t, "null");
            return BER_VALUE_LITERAL;
        }
        return 0;
    case BER_TAG_REAL:
        return format_real(c, n, t, max, json);
    case BER_TAG_OID:
    case BER_TAG_RELATIVE_OID:
        return format_oid(c, n, e->tag == BER_TAG_RELATIVE_OID, t, max, json,
                          oids);
    case BER_TAG_BIT_STRING:
        if (n == 0) {
            return 0;
        }
        if (!json && c[0] <= 7 && (n - 1) * 8 - c[0] <= 32 &&
            (n > 1 || c[0] == 0)) {
            return text_bits(t, c, n);
        }
        flags = text_hex(t, c + 1, n - 1, max);
        if (!json && c[0]) {
            text_puts(t, " (");
            text_u64(t, c[0]);
            text_puts(t, " unused bits)");
        }
        return flags;
    case BER_TAG_OCTET_STRING:
        flags = text_hex(t, c, n, max);
        if (!json && printable_ascii(c, n) && (!max || n <= max)) {
            text_puts(t, " \"");
            text_string(t, c, n, ENC_OCTETS, 0, false);
            text_putc(t, '"');
        }
        return flags;
    case BER_TAG_UTF8STRING:
    case 7: case 14: case 18: case 19: case 20: case 21: case 22:
    case 23: case 24: case 25: case 26: case 27: case 28: case 30:
        if (!json) {
            text_putc(t, '"');
        }
        flags = text_string(t, c, n, e->tag == BER_TAG_UTF8STRING ? ENC_UTF8 :
                            e->tag == 28 ? ENC_UCS4 : e->tag == 30 ? ENC_BMP :
                            ENC_OCTETS, max, json);
        if (!json) {
            text_putc(t, '"');
            if ((e->tag == 23 || e->tag == 24) && !(flags & BER_VALUE_CUT)) {
                text_time(t, e->tag, c, n);
            }
        }
        return flags | BER_VALUE_QUOTED;
    default:
        return text_hex(t, c, n, max);
    }
}

void ber_text_tag(const BERInspectElement *e, BERText *t)
{
    if (!e->tag_too_large) {
        const char *name = e->tag_class == BER_CLASS_UNIVERSAL ?
                           ber_universal_tag_name(e->tag) : NULL;

        /* the codec's names, without a printf per element */
        if (name) {
            text_puts(t, name);
            return;
        }
        text_puts(t, e->tag_class == BER_CLASS_UNIVERSAL ? "[UNIVERSAL " :
                  e->tag_class == BER_CLASS_APPLICATION ? "[APPLICATION " :
                  e->tag_class == BER_CLASS_PRIVATE ? "[PRIVATE " : "[");
        text_u64(t, e->tag);
        text_putc(t, ']');
        return;
    }
    text_puts(t, e->tag_class == BER_CLASS_UNIVERSAL ? "[UNIVERSAL " :
              e->tag_class == BER_CLASS_APPLICATION ? "[APPLICATION " :
              e->tag_class == BER_CLASS_PRIVATE ? "[PRIVATE " : "[");
    text_base128_hex(t, e->tag_octets, e->tag_octet_count, 64);
    text_putc(t, ']');
}
