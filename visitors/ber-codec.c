/*
 * visitors/ber-codec.c: X.690 primitives (see ber-codec.h).
 */
#include "config.h"

#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <inttypes.h>

#include "visitors/ber-codec.h"

static const char *const ber_status_messages[BER_STATUS__MAX] = {
    [BER_OK] = "success",
    [BER_ERR_TRUNCATED] = "data ends inside the identifier or length octets",
    [BER_ERR_TAG_HIGH_FORM_LOW] = "high-tag-number form used for a tag below 31",
    [BER_ERR_TAG_LEADING_ZERO] = "tag number starts with octet 80 (not minimal)",
    [BER_ERR_TAG_OVERFLOW] = "tag number too large",
    [BER_ERR_LENGTH_RESERVED] = "reserved length octet FF",
    [BER_ERR_LENGTH_OVERFLOW] = "length too large",
    [BER_ERR_LENGTH_NOT_MINIMAL] = "length octets not minimal",
    [BER_ERR_LENGTH_PAST_END] =
        "length exceeds the data or the enclosing value",
    [BER_ERR_INDEFINITE_PRIMITIVE] = "indefinite length on a primitive value",
    [BER_ERR_INDEFINITE_IN_DER] = "indefinite length not allowed in DER",
    [BER_ERR_DEFINITE_IN_CER] =
        "definite length on a constructed value not allowed in CER",
    [BER_ERR_EOC_MALFORMED] = "malformed end-of-contents (must be 00 00)",
    [BER_ERR_EMPTY] = "no contents octets",
    [BER_ERR_INTEGER_NOT_MINIMAL] = "INTEGER not minimally encoded",
    [BER_ERR_INTEGER_RANGE] = "INTEGER out of range",
    [BER_ERR_BOOLEAN_LENGTH] = "BOOLEAN length is not 1",
    [BER_ERR_BOOLEAN_VALUE] = "BOOLEAN TRUE must be FF in CER/DER",
    [BER_ERR_NULL_LENGTH] = "NULL length is not 0",
    [BER_ERR_REAL_RESERVED] = "malformed REAL or reserved REAL form",
    [BER_ERR_REAL_NOT_CANONICAL] = "REAL not in CER/DER canonical form",
    [BER_ERR_REAL_RANGE] = "REAL out of range for a double",
    [BER_ERR_REAL_INEXACT] = "REAL not exactly representable as a double",
    [BER_ERR_REAL_DECIMAL] = "malformed decimal REAL",
    [BER_ERR_OID_TRUNCATED] = "subidentifier truncated",
    [BER_ERR_OID_LEADING_ZERO] = "subidentifier starts with octet 80",
    [BER_ERR_OID_OVERFLOW] = "subidentifier too large",
    [BER_ERR_BITSTRING_UNUSED] = "invalid BIT STRING unused-bits octet",
    [BER_ERR_BITSTRING_PADDING] = "BIT STRING unused bits not zero",
    [BER_ERR_UTF8_INVALID] = "invalid UTF-8",
    [BER_ERR_REAL_DECIMAL_FORM] =
        "decimal REAL not in the CER/DER NR3 form (X.690 11.3.2)",
    [BER_ERR_SEGMENT_TYPE] = "string segment of the wrong type",
    [BER_ERR_SEGMENT_CONSTRUCTED] =
        "nested constructed string not allowed in CER",
    [BER_ERR_STRING_CHARSET] = "octet not allowed in this string type",
    [BER_ERR_STRING_LENGTH] = "string ends inside a character",
    [BER_ERR_STRING_CHARACTER] = "string holds a value that is no character",
    [BER_ERR_TIME_SYNTAX] = "malformed time",
    [BER_ERR_TIME_VALUE] = "impossible date or time of day",
    [BER_ERR_TIME_LEAP_SECOND] = "second 60 where no leap second can be",
    [BER_ERR_TIME_NOT_CANONICAL] =
        "time not in the CER/DER form (Z, seconds, no trailing zero)",
    [BER_ERR_BITSTRING_TRAILING_ZERO] =
        "named bit list with trailing 0 bits (X.690 11.2.2)",
    [BER_ERR_CER_FRAGMENT_EMPTY] = "empty CER string fragment (X.690 9.2)",
    [BER_ERR_CER_FRAGMENT_LONG] =
        "CER string fragment over the fragment size (X.690 9.2)",
    [BER_ERR_CER_FRAGMENT_AFTER_SHORT] =
        "CER string fragment after a short one (X.690 9.2)",
    [BER_ERR_CER_NOT_FRAGMENTED] =
        "constructed CER string that fits one fragment (X.690 9.2)",
};

const char *ber_status_message(BERStatus status)
{
    if ((unsigned)status >= BER_STATUS__MAX ||
        !ber_status_messages[status]) {
        return "unknown error";
    }
    return ber_status_messages[status];
}

static BERStatus header_fail(BERStatus status, size_t at, size_t *err_offset)
{
    if (err_offset) {
        *err_offset = at;
    }
    return status;
}

BERStatus ber_read_header(const uint8_t *data, size_t limit, size_t offset,
                          BERMode mode, BERHeader *hdr, size_t *err_offset)
{
    size_t pos = offset;
    size_t length_pos;
    uint8_t octet;
    uint64_t tag;
    BERHeader h;

    memset(&h, 0, sizeof(h));
    h.offset = offset;
    if (pos >= limit) {
        return header_fail(BER_ERR_TRUNCATED, pos, err_offset);
    }
    octet = data[pos++];
    h.tag_class = (BERClass)(octet >> 6);
    h.constructed = (octet & 0x20) != 0;
    tag = octet & 0x1f;
    if (tag == 0x1f) {
        bool first = true;

        tag = 0;
        for (;;) {
            if (pos >= limit) {
                return header_fail(BER_ERR_TRUNCATED, pos, err_offset);
            }
            octet = data[pos];
            if (first && octet == 0x80) {
                return header_fail(BER_ERR_TAG_LEADING_ZERO, pos, err_offset);
            }
            /* Keep the tag below 2^63: 7 more bits must fit. */
            if (tag >> 56) {
                return header_fail(BER_ERR_TAG_OVERFLOW, pos, err_offset);
            }
            tag = (tag << 7) | (octet & 0x7f);
            pos++;
            first = false;
            if (!(octet & 0x80)) {
                break;
            }
        }
        if (tag < 31) {
            return header_fail(BER_ERR_TAG_HIGH_FORM_LOW, offset, err_offset);
        }
    }
    h.tag = tag;

    if (pos >= limit) {
        return header_fail(BER_ERR_TRUNCATED, pos, err_offset);
    }
    length_pos = pos;
    octet = data[pos++];
    if (octet < 0x80) {
        h.length = octet;
    } else if (octet == 0x80) {
        h.indefinite = true;
    } else if (octet == 0xff) {
        return header_fail(BER_ERR_LENGTH_RESERVED, length_pos, err_offset);
    } else {
        size_t count = octet & 0x7f;
        uint64_t length = 0;
        size_t i;

        if (count > limit - pos) {
            return header_fail(BER_ERR_TRUNCATED, limit, err_offset);
        }
        for (i = 0; i < count; i++) {
            if (length >> 56) {
                return header_fail(BER_ERR_LENGTH_OVERFLOW, pos, err_offset);
            }
            length = (length << 8) | data[pos++];
        }
        h.length = length;
        /* Minimal: short form below 128, else no leading zero octet. */
        if (length < 0x80 || count != ber_length_size(length) - 1) {
            if (mode != BER_MODE_BER) {
                return header_fail(BER_ERR_LENGTH_NOT_MINIMAL, length_pos,
                                   err_offset);
            }
            h.length_not_minimal = true;
        }
    }
    h.header_length = pos - offset;

    if (h.tag_class == BER_CLASS_UNIVERSAL && h.tag == BER_TAG_EOC &&
        (h.constructed || h.indefinite || h.length != 0)) {
        return header_fail(BER_ERR_EOC_MALFORMED, offset, err_offset);
    }
    if (h.indefinite) {
        if (!h.constructed) {
            return header_fail(BER_ERR_INDEFINITE_PRIMITIVE, length_pos,
                               err_offset);
        }
        if (mode == BER_MODE_DER) {
            return header_fail(BER_ERR_INDEFINITE_IN_DER, length_pos,
                               err_offset);
        }
    } else {
        if (h.constructed && mode == BER_MODE_CER) {
            return header_fail(BER_ERR_DEFINITE_IN_CER, length_pos,
                               err_offset);
        }
        if (h.length > limit - pos) {
            return header_fail(BER_ERR_LENGTH_PAST_END, length_pos,
                               err_offset);
        }
    }
    *hdr = h;
    return BER_OK;
}

const char *ber_universal_tag_name(uint64_t tag)
{
    static const char *const names[] = {
        [0] = "end-of-contents", [1] = "BOOLEAN", [2] = "INTEGER",
        [3] = "BIT STRING", [4] = "OCTET STRING", [5] = "NULL",
        [6] = "OBJECT IDENTIFIER", [7] = "ObjectDescriptor",
        [8] = "EXTERNAL", [9] = "REAL", [10] = "ENUMERATED",
        [11] = "EMBEDDED PDV", [12] = "UTF8String", [13] = "RELATIVE-OID",
        [14] = "TIME", [16] = "SEQUENCE", [17] = "SET",
        [18] = "NumericString", [19] = "PrintableString",
        [20] = "TeletexString", [21] = "VideotexString", [22] = "IA5String",
        [23] = "UTCTime", [24] = "GeneralizedTime", [25] = "GraphicString",
        [26] = "VisibleString", [27] = "GeneralString",
        [28] = "UniversalString", [29] = "CHARACTER STRING",
        [30] = "BMPString", [31] = "DATE", [32] = "TIME-OF-DAY",
        [33] = "DATE-TIME", [34] = "DURATION", [35] = "OID-IRI",
        [36] = "RELATIVE-OID-IRI",
    };

    if (tag >= G_N_ELEMENTS(names)) {
        return NULL;
    }
    return names[tag];
}

char *ber_describe_tag(BERClass tag_class, uint64_t tag, char *buf,
                       size_t size)
{
    const char *name;

    switch (tag_class) {
    case BER_CLASS_UNIVERSAL:
        name = ber_universal_tag_name(tag);
        if (name) {
            snprintf(buf, size, "%s", name);
        } else {
            snprintf(buf, size, "[UNIVERSAL %" PRIu64 "]", tag);
        }
        break;
    case BER_CLASS_APPLICATION:
        snprintf(buf, size, "[APPLICATION %" PRIu64 "]", tag);
        break;
    case BER_CLASS_CONTEXT:
        snprintf(buf, size, "[%" PRIu64 "]", tag);
        break;
    default:
        snprintf(buf, size, "[PRIVATE %" PRIu64 "]", tag);
        break;
    }
    return buf;
}

BERStatus ber_check_integer(const uint8_t *content, size_t len,
                            bool *negative)
{
    if (len == 0) {
        return BER_ERR_EMPTY;
    }
    if (len >= 2 &&
        ((content[0] == 0x00 && !(content[1] & 0x80)) ||
         (content[0] == 0xff && (content[1] & 0x80)))) {
        return BER_ERR_INTEGER_NOT_MINIMAL;
    }
    if (negative) {
        *negative = (content[0] & 0x80) != 0;
    }
    return BER_OK;
}

BERStatus ber_decode_int64(const uint8_t *content, size_t len, int64_t *out)
{
    BERStatus status = ber_check_integer(content, len, NULL);
    uint64_t value;
    size_t i;

    if (status != BER_OK) {
        return status;
    }
    if (len > 8) {
        return BER_ERR_INTEGER_RANGE;
    }
    value = (content[0] & 0x80) ? UINT64_MAX : 0;
    for (i = 0; i < len; i++) {
        value = (value << 8) | content[i];
    }
    *out = (int64_t)value;
    return BER_OK;
}

BERStatus ber_decode_uint64(const uint8_t *content, size_t len,
                            uint64_t *out)
{
    BERStatus status = ber_check_integer(content, len, NULL);
    uint64_t value = 0;
    size_t i;

    if (status != BER_OK) {
        return status;
    }
    if ((content[0] & 0x80) || len > 9 || (len == 9 && content[0] != 0)) {
        return BER_ERR_INTEGER_RANGE;
    }
    for (i = 0; i < len; i++) {
        value = (value << 8) | content[i];
    }
    *out = value;
    return BER_OK;
}

BERStatus ber_decode_boolean(const uint8_t *content, size_t len,
                             BERMode mode, bool *out)
{
    if (len != 1) {
        return BER_ERR_BOOLEAN_LENGTH;
    }
    if (mode != BER_MODE_BER && content[0] != 0x00 && content[0] != 0xff) {
        return BER_ERR_BOOLEAN_VALUE;
    }
    *out = content[0] != 0;
    return BER_OK;
}

BERStatus ber_check_null(size_t len)
{
    return len == 0 ? BER_OK : BER_ERR_NULL_LENGTH;
}

/*
 * Decimal REAL (8.5.8, ISO 6093). Strict syntax check, then a
 * locale-independent conversion. Long digit strings are refused rather
 * than copied: no double needs more than a few dozen significant digits.
 */
#define BER_DECIMAL_REAL_MAX 200

static bool decimal_digits(const char *s, size_t *i, size_t n)
{
    size_t start = *i;

    while (*i < n && g_ascii_isdigit(s[*i])) {
        (*i)++;
    }
    return *i > start;
}

static BERStatus decode_decimal_real(const uint8_t *content, size_t len,
                                     double *out)
{
    char text[BER_DECIMAL_REAL_MAX + 1];
    unsigned form = content[0] & 0x3f;
    size_t n = len - 1, i = 0;
    char *end;
    double value;

    if (form < 1 || form > 3) {
        return BER_ERR_REAL_RESERVED;
    }
    if (n == 0 || n > BER_DECIMAL_REAL_MAX) {
        return BER_ERR_REAL_DECIMAL;
    }
    memcpy(text, content + 1, n);
    text[n] = '\0';
    if (memchr(text, '\0', n)) {
        return BER_ERR_REAL_DECIMAL;
    }
    while (i < n && text[i] == ' ') {
        i++;
    }
    if (i < n && (text[i] == '+' || text[i] == '-')) {
        i++;
    }
    if (form == 1) {
        if (!decimal_digits(text, &i, n)) {
            return BER_ERR_REAL_DECIMAL;
        }
    } else {
        bool before = decimal_digits(text, &i, n);
        bool after;

        if (i >= n || (text[i] != '.' && text[i] != ',')) {
            return BER_ERR_REAL_DECIMAL;
        }
        text[i++] = '.';
        after = decimal_digits(text, &i, n);
        if (!before && !after) {
            return BER_ERR_REAL_DECIMAL;
        }
        if (form == 3) {
            if (i >= n || (text[i] != 'E' && text[i] != 'e')) {
                return BER_ERR_REAL_DECIMAL;
            }
            i++;
            if (i < n && (text[i] == '+' || text[i] == '-')) {
                i++;
            }
            if (!decimal_digits(text, &i, n)) {
                return BER_ERR_REAL_DECIMAL;
            }
        }
    }
    if (i != n) {
        return BER_ERR_REAL_DECIMAL;
    }
    errno = 0;
    value = g_ascii_strtod(text, &end);
    if (end != text + n) {
        return BER_ERR_REAL_DECIMAL;
    }
    if (isinf(value)) {
        return BER_ERR_REAL_RANGE;
    }
    *out = value;
    return BER_OK;
}

/*
 * X.690 11.3.2: the one decimal form CER and DER allow. The syntax was
 * already accepted by decode_decimal_real().
 */
static bool decimal_real_canonical(const uint8_t *content, size_t len)
{
    const uint8_t *s = content + 1;
    size_t n = len - 1, i = 0, start;

    if ((content[0] & 0x3f) != 3) {
        return false;                       /* 11.3.2.1: NR3 */
    }
    if (i < n && s[i] == '-') {
        i++;                                /* 11.3.2.3: only a minus */
    }
    start = i;
    while (i < n && g_ascii_isdigit(s[i])) {
        i++;
    }
    /* 11.3.2.4: mantissa neither starts nor ends with 0 */
    if (i == start || s[start] == '0' || s[i - 1] == '0') {
        return false;
    }
    /* 11.3.2.5: the last digit is followed by ".E" */
    if (n - i < 3 || s[i] != '.' || s[i + 1] != 'E') {
        return false;
    }
    i += 2;
    /* 11.3.2.6: exponent 0 is "+0"; otherwise no "+" and no leading 0 */
    if (s[i] == '+') {
        return n - i == 2 && s[i + 1] == '0';
    }
    if (s[i] == '-') {
        i++;
    }
    if (i >= n || s[i] == '0') {
        return false;
    }
    for (; i < n; i++) {
        if (!g_ascii_isdigit(s[i])) {
            return false;
        }
    }
    return true;
}

/* Exponent values are clamped here: far beyond any double, no overflow. */
#define BER_EXPONENT_CLAMP (INT64_C(1) << 40)

static BERStatus decode_binary_real(const uint8_t *content, size_t len,
                                    BERMode mode, double *out, bool *exact)
{
    uint8_t first = content[0];
    bool negative = (first & 0x40) != 0;
    unsigned base = (first >> 4) & 3;
    unsigned scale = (first >> 2) & 3;
    size_t pos = 1, exp_len, i;
    int64_t exponent;
    size_t mant_start, mant_len;
    size_t lead_zero_octets = 0;
    uint64_t top_bits, sticky;
    int64_t bit_exponent;
    size_t high_bit, low_bit;   /* bit indexes from the mantissa's LSB */
    size_t width;
    double value;
    bool canonical = mode != BER_MODE_BER;

    if (base == 3) {
        return BER_ERR_REAL_RESERVED;
    }
    if ((first & 3) == 3) {
        if (len < 2) {
            return BER_ERR_REAL_RESERVED;
        }
        exp_len = content[1];
        pos = 2;
        if (exp_len == 0) {
            return BER_ERR_REAL_RESERVED;
        }
        if (canonical && exp_len <= 3) {
            return BER_ERR_REAL_NOT_CANONICAL;
        }
    } else {
        exp_len = (first & 3) + 1;
    }
    if (exp_len > len - pos || exp_len == len - pos) {
        /* The mantissa needs at least one octet. */
        return BER_ERR_REAL_RESERVED;
    }
    if (canonical && (base != 0 || scale != 0)) {
        return BER_ERR_REAL_NOT_CANONICAL;
    }
    if (canonical && exp_len > 1 &&
        ((content[pos] == 0x00 && !(content[pos + 1] & 0x80)) ||
         (content[pos] == 0xff && (content[pos + 1] & 0x80)))) {
        return BER_ERR_REAL_NOT_CANONICAL;
    }
    exponent = (content[pos] & 0x80) ? -1 : 0;
    for (i = 0; i < exp_len; i++) {
        exponent = exponent * 256 + content[pos + i];
        if (exponent > BER_EXPONENT_CLAMP) {
            exponent = BER_EXPONENT_CLAMP;
        } else if (exponent < -BER_EXPONENT_CLAMP) {
            exponent = -BER_EXPONENT_CLAMP;
        }
    }
    pos += exp_len;
    mant_start = pos;
    mant_len = len - pos;
    while (lead_zero_octets < mant_len &&
           content[mant_start + lead_zero_octets] == 0) {
        lead_zero_octets++;
    }
    if (lead_zero_octets == mant_len) {
        /* Mantissa zero: the canonical zero is the empty encoding. */
        if (canonical) {
            return BER_ERR_REAL_NOT_CANONICAL;
        }
        *out = negative ? -0.0 : 0.0;
        *exact = true;
        return BER_OK;
    }
    if (canonical && (lead_zero_octets ||
                      !(content[len - 1] & 1))) {
        return BER_ERR_REAL_NOT_CANONICAL;
    }
    mant_start += lead_zero_octets;
    mant_len -= lead_zero_octets;

    /* Locate the lowest and highest set bits of the mantissa. */
    high_bit = (mant_len - 1) * 8 + (size_t)(31 - __builtin_clz(content[mant_start]));
    low_bit = 0;
    for (i = len; i-- > mant_start;) {
        if (content[i]) {
            low_bit = (len - 1 - i) * 8 + (size_t)__builtin_ctz(content[i]);
            break;
        }
    }
    width = high_bit - low_bit + 1;

    /* Binary exponent of the lowest set bit. */
    bit_exponent = exponent * (base == 0 ? 1 : base == 1 ? 3 : 4) + scale;
    if (low_bit > (size_t)BER_EXPONENT_CLAMP) {
        bit_exponent += BER_EXPONENT_CLAMP;
    } else {
        bit_exponent += (int64_t)low_bit;
    }

    /* Gather up to 63 significant bits from the top, plus a sticky bit. */
    top_bits = 0;
    sticky = 0;
    {
        size_t take = width < 63 ? width : 63;
        size_t bit;

        for (bit = 0; bit < take; bit++) {
            size_t index = high_bit - bit;
            uint8_t octet = content[len - 1 - index / 8];

            top_bits = (top_bits << 1) | ((octet >> (index % 8)) & 1);
        }
        if (width > 63) {
            /* Everything below those bits is non-zero at least at low_bit. */
            sticky = 1;
            top_bits = (top_bits << 1) | sticky;
            bit_exponent += (int64_t)(width - 64);
        }
    }
    /* top_bits * 2^bit_exponent is the value (rounded via sticky if wide). */
    {
        int64_t high_exponent = bit_exponent +
            (int64_t)(64 - __builtin_clzll(top_bits)) - 1;

        if (high_exponent > 1023) {
            return BER_ERR_REAL_RANGE;
        }
        *exact = width <= 53 && bit_exponent >= -1074;
        if (!*exact && canonical) {
            return BER_ERR_REAL_INEXACT;
        }
        if (bit_exponent < -2000) {
            bit_exponent = -2000;
        }
        value = ldexp((double)top_bits, (int)bit_exponent);
    }
    *out = negative ? -value : value;
    return BER_OK;
}

BERStatus ber_decode_real(const uint8_t *content, size_t len, BERMode mode,
                          double *out, BERRealKind *kind, bool *exact)
{
    BERRealKind k;
    bool is_exact = true;
    double value;
    BERStatus status;

    if (len == 0) {
        k = BER_REAL_ZERO;
        value = 0.0;
    } else if (content[0] & 0x80) {
        k = BER_REAL_BINARY;
        status = decode_binary_real(content, len, mode, &value, &is_exact);
        if (status != BER_OK) {
            return status;
        }
    } else if (content[0] & 0x40) {
        k = BER_REAL_SPECIAL;
        if (len != 1) {
            return BER_ERR_REAL_RESERVED;
        }
        switch (content[0]) {
        case 0x40:
            value = INFINITY;
            break;
        case 0x41:
            value = -INFINITY;
            break;
        case 0x42:
            value = NAN;
            break;
        case 0x43:
            value = -0.0;
            break;
        default:
            return BER_ERR_REAL_RESERVED;
        }
    } else {
        k = BER_REAL_DECIMAL;
        status = decode_decimal_real(content, len, &value);
        if (status != BER_OK) {
            return status;
        }
        if (mode != BER_MODE_BER && !decimal_real_canonical(content, len)) {
            return BER_ERR_REAL_DECIMAL_FORM;
        }
        is_exact = false;
    }
    *out = value;
    if (kind) {
        *kind = k;
    }
    if (exact) {
        *exact = is_exact;
    }
    return BER_OK;
}

BERStatus ber_decode_oid_subid(const uint8_t *content, size_t len,
                               size_t *pos, uint64_t *out)
{
    size_t p = *pos;
    uint64_t value = 0;

    if (p >= len) {
        return BER_ERR_OID_TRUNCATED;
    }
    if (content[p] == 0x80) {
        return BER_ERR_OID_LEADING_ZERO;
    }
    for (;;) {
        uint8_t octet;

        if (p >= len) {
            return BER_ERR_OID_TRUNCATED;
        }
        octet = content[p++];
        if (value >> 57) {
            return BER_ERR_OID_OVERFLOW;
        }
        value = (value << 7) | (octet & 0x7f);
        if (!(octet & 0x80)) {
            break;
        }
    }
    *pos = p;
    *out = value;
    return BER_OK;
}

BERStatus ber_check_bit_string(const uint8_t *content, size_t len,
                               BERMode mode, unsigned *unused_bits)
{
    unsigned unused;

    if (len == 0) {
        return BER_ERR_EMPTY;
    }
    unused = content[0];
    if (unused > 7 || (len == 1 && unused != 0)) {
        return BER_ERR_BITSTRING_UNUSED;
    }
    if (mode != BER_MODE_BER && unused &&
        (content[len - 1] & ((1u << unused) - 1))) {
        return BER_ERR_BITSTRING_PADDING;
    }
    if (unused_bits) {
        *unused_bits = unused;
    }
    return BER_OK;
}

BERStatus ber_check_named_bits(const uint8_t *content, size_t len)
{
    if (len <= 1) {
        return BER_OK;
    }
    return (content[len - 1] >> content[0]) & 1 ? BER_OK :
           BER_ERR_BITSTRING_TRAILING_ZERO;
}

uint64_t ber_string_segment_tag(uint64_t string_tag)
{
    return string_tag == BER_TAG_BIT_STRING ? BER_TAG_BIT_STRING :
           BER_TAG_OCTET_STRING;
}

BERStatus ber_check_string_segment(uint64_t string_tag, BERClass seg_class,
                                   uint64_t seg_tag, bool seg_constructed,
                                   BERMode mode)
{
    if (seg_class != BER_CLASS_UNIVERSAL ||
        seg_tag != ber_string_segment_tag(string_tag)) {
        return BER_ERR_SEGMENT_TYPE;
    }
    if (seg_constructed && mode == BER_MODE_CER) {
        return BER_ERR_SEGMENT_CONSTRUCTED;
    }
    return BER_OK;
}

BERStatus ber_check_cer_fragment(uint64_t length, uint64_t fragment_size,
                                 bool *short_seen)
{
    if (*short_seen) {
        return BER_ERR_CER_FRAGMENT_AFTER_SHORT;
    }
    if (length == 0) {
        return BER_ERR_CER_FRAGMENT_EMPTY;
    }
    if (length > fragment_size) {
        return BER_ERR_CER_FRAGMENT_LONG;
    }
    *short_seen = length < fragment_size;
    return BER_OK;
}

BERStatus ber_check_cer_string_total(uint64_t total, uint64_t fragment_size)
{
    return total <= fragment_size ? BER_ERR_CER_NOT_FRAGMENTED : BER_OK;
}

void ber_string_check_init(BERStringCheck *sc, uint64_t tag)
{
    memset(sc, 0, sizeof(*sc));
    sc->tag = tag;
}

/* X.680 41, Table 8 (PrintableString) and 41.4 (the others). */
static bool in_repertoire(uint64_t tag, uint8_t c)
{
    switch (tag) {
    case 18:
        return (c >= '0' && c <= '9') || c == ' ';
    case 19:
        return g_ascii_isalnum(c) || (c && strchr(" '()+,-./:=?", c));
    case 22:
        return c < 0x80;
    case 26:
        return c >= 0x20 && c < 0x7f;
    default:
        return true;
    }
}

static bool unicode_scalar(uint32_t cp)
{
    return cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

BERStatus ber_string_check_feed(BERStringCheck *sc, const uint8_t *s,
                                size_t len, size_t *bad_offset)
{
    size_t i;
    BERStatus status = BER_OK;

    for (i = 0; i < len; i++) {
        uint8_t c = s[i];

        switch (sc->tag) {
        case BER_TAG_UTF8STRING:
            if (!sc->need && c < 0x80) {
                /* plain ASCII runs: the common case, one compare each */
                while (i + 1 < len && s[i + 1] < 0x80) {
                    i++;
                }
            } else if (sc->need) {
                sc->have++;
                if ((c & 0xc0) != 0x80) {
                    status = BER_ERR_UTF8_INVALID;
                    goto out;
                }
                sc->cp = (sc->cp << 6) | (c & 0x3f);
                if (--sc->need == 0 &&
                    (sc->cp < sc->min || !unicode_scalar(sc->cp))) {
                    status = BER_ERR_UTF8_INVALID;
                    goto out;
                }
                /* reject overlong and out-of-range prefixes at once */
                if (sc->need == 2 && sc->min == 0x10000 &&
                    (sc->cp < 0x10 || sc->cp > 0x10f)) {
                    status = BER_ERR_UTF8_INVALID;
                    goto out;
                }
            } else if (c >= 0x80) {
                sc->have = 0;
                if (c >= 0xc2 && c <= 0xdf) {
                    sc->need = 1, sc->cp = c & 0x1f, sc->min = 0x80;
                } else if (c >= 0xe0 && c <= 0xef) {
                    sc->need = 2, sc->cp = c & 0x0f, sc->min = 0x800;
                } else if (c >= 0xf0 && c <= 0xf4) {
                    sc->need = 3, sc->cp = c & 0x07, sc->min = 0x10000;
                } else {
                    status = BER_ERR_UTF8_INVALID;
                    goto out;
                }
            }
            break;
        case 28:
        case 30:
            sc->cp = (sc->cp << 8) | c;
            if (++sc->have == (sc->tag == 28 ? 4u : 2u)) {
                bool ok = sc->tag == 28 ? unicode_scalar(sc->cp) :
                          !(sc->cp >= 0xd800 && sc->cp <= 0xdfff);

                sc->have = 0;
                sc->cp = 0;
                if (!ok) {
                    /* report the unit's first octet when it is in @s */
                    i = i >= (sc->tag == 28 ? 3u : 1u) ?
                        i - (sc->tag == 28 ? 3u : 1u) : 0;
                    status = BER_ERR_STRING_CHARACTER;
                    goto out;
                }
            }
            break;
        default:
            if (!in_repertoire(sc->tag, c)) {
                status = BER_ERR_STRING_CHARSET;
                goto out;
            }
            break;
        }
    }
out:
    if (status == BER_ERR_UTF8_INVALID) {
        /* point at the sequence's first octet when it is in @s */
        i = i >= sc->have ? i - sc->have : 0;
    }
    sc->seen += i;
    if (status != BER_OK && bad_offset) {
        *bad_offset = i;
    }
    return status;
}

BERStatus ber_string_check_finish(const BERStringCheck *sc)
{
    if (sc->tag == BER_TAG_UTF8STRING) {
        return sc->need ? BER_ERR_UTF8_INVALID : BER_OK;
    }
    if (sc->have) {
        return BER_ERR_STRING_LENGTH;
    }
    return BER_OK;
}

/* Two decimal digits at @s, or -1. */
static int two_digits(const uint8_t *s)
{
    if (!g_ascii_isdigit(s[0]) || !g_ascii_isdigit(s[1])) {
        return -1;
    }
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int days_in_month(unsigned year, unsigned month)
{
    static const uint8_t days[] = { 31, 28, 31, 30, 31, 30,
                                    31, 31, 30, 31, 30, 31 };
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

    return month == 2 && leap ? 29 : days[month - 1];
}

BERStatus ber_check_time(uint64_t tag, const uint8_t *s, size_t n,
                         BERMode mode)
{
    bool generalized = tag == 24;
    size_t pos, year_digits = generalized ? 4 : 2;
    int year, month, day, hour, minute = 0, second = 0;
    int zone_minutes = 0;       /* local time minus UTC */
    bool have_minute = false, have_second = false;
    bool canonical = true, zone_known = true;
    size_t i;

    /* date and hour: YYMMDDhh / YYYYMMDDhh */
    if (n < year_digits + 6) {
        return BER_ERR_TIME_SYNTAX;
    }
    for (i = 0; i < year_digits + 6; i++) {
        if (!g_ascii_isdigit(s[i])) {
            return BER_ERR_TIME_SYNTAX;
        }
    }
    year = two_digits(s);
    if (generalized) {
        year = year * 100 + two_digits(s + 2);
    } else {
        year += year < 50 ? 2000 : 1900;
    }
    pos = year_digits;
    month = two_digits(s + pos);
    day = two_digits(s + pos + 2);
    hour = two_digits(s + pos + 4);
    pos += 6;
    if (pos + 2 <= n && two_digits(s + pos) >= 0) {
        minute = two_digits(s + pos);
        have_minute = true;
        pos += 2;
        if (pos + 2 <= n && two_digits(s + pos) >= 0) {
            second = two_digits(s + pos);
            have_second = true;
            pos += 2;
        }
    }
    if (!generalized && !have_minute) {
        return BER_ERR_TIME_SYNTAX;         /* UTCTime: minutes required */
    }
    if (generalized && pos < n && (s[pos] == '.' || s[pos] == ',')) {
        size_t start = ++pos;

        while (pos < n && g_ascii_isdigit(s[pos])) {
            pos++;
        }
        if (pos == start) {
            return BER_ERR_TIME_SYNTAX;
        }
        if (s[start - 1] == ',' || s[pos - 1] == '0') {
            canonical = false;
        }
    }
    if (pos == n) {
        if (!generalized) {
            return BER_ERR_TIME_SYNTAX;     /* UTCTime: zone required */
        }
        zone_known = false;                 /* local time */
        canonical = false;
    } else if (s[pos] == 'Z' && pos + 1 == n) {
        /* UTC */
    } else if ((s[pos] == '+' || s[pos] == '-') &&
               (n - pos - 1 == 4 || (generalized && n - pos - 1 == 2))) {
        int zh = two_digits(s + pos + 1);
        int zm = n - pos - 1 == 4 ? two_digits(s + pos + 3) : 0;

        if (zh < 0 || zm < 0) {
            return BER_ERR_TIME_SYNTAX;
        }
        if (zh > 23 || zm > 59) {
            return BER_ERR_TIME_VALUE;
        }
        zone_minutes = (s[pos] == '+' ? 1 : -1) * (zh * 60 + zm);
        canonical = false;
    } else {
        return BER_ERR_TIME_SYNTAX;
    }
    if (month < 1 || month > 12 || day < 1 ||
        day > days_in_month((unsigned)year, (unsigned)month) ||
        hour > 23 || minute > 59 || second > 60) {
        return BER_ERR_TIME_VALUE;
    }
    if (second == 60) {
        /* ISO 8601 leap second: only the last second of a UTC month */
        int utc = hour * 60 + minute - zone_minutes;
        int last = days_in_month((unsigned)year, (unsigned)month);

        if (!generalized) {
            return BER_ERR_TIME_LEAP_SECOND;
        }
        /* a local time (no zone) may be any time in UTC: not refutable */
        if (zone_known &&
            !(utc == 23 * 60 + 59 && day == last) &&        /* same day */
            !(utc == 23 * 60 + 59 - 24 * 60 && day == 1) && /* UTC: the day before */
            !(utc == 23 * 60 + 59 + 24 * 60 && day + 1 == last)) {
            return BER_ERR_TIME_LEAP_SECOND;
        }
    }
    if (!have_second) {
        canonical = false;
    }
    if (mode != BER_MODE_BER && !canonical) {
        return BER_ERR_TIME_NOT_CANONICAL;
    }
    return BER_OK;
}

void ber_time_check_init(BERTimeCheck *tc, uint64_t tag)
{
    memset(tc, 0, sizeof(*tc));
    tc->tag = tag;
}

void ber_time_check_feed(BERTimeCheck *tc, const uint8_t *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++, tc->seen++) {
        if (tc->seen < BER_TIME_HEAD) {
            tc->head[tc->seen] = s[i];
            continue;
        }
        /* the octet leaving the tail ring goes between head and tail */
        if (tc->seen >= BER_TIME_HEAD + BER_TIME_TAIL) {
            uint8_t out = tc->tail[(tc->seen - BER_TIME_HEAD) % BER_TIME_TAIL];

            if (!g_ascii_isdigit(out)) {
                tc->middle_not_digit = true;
            }
        }
        tc->tail[(tc->seen - BER_TIME_HEAD) % BER_TIME_TAIL] = s[i];
    }
}

BERStatus ber_time_check_finish(const BERTimeCheck *tc, BERMode mode)
{
    uint8_t joined[BER_TIME_HEAD + BER_TIME_TAIL];
    size_t n = tc->seen < BER_TIME_HEAD ? (size_t)tc->seen : BER_TIME_HEAD;
    uint64_t rest = tc->seen - n;
    size_t k = rest < BER_TIME_TAIL ? (size_t)rest : BER_TIME_TAIL;
    size_t i;

    if (tc->middle_not_digit) {
        return BER_ERR_TIME_SYNTAX;     /* only fraction digits fit there */
    }
    memcpy(joined, tc->head, n);
    for (i = 0; i < k; i++) {
        joined[n + i] = tc->tail[(rest - k + i) % BER_TIME_TAIL];
    }
    return ber_check_time(tc->tag, joined, n + k, mode);
}

bool ber_utf8_validate(const uint8_t *s, size_t len, size_t *bad_offset)
{
    BERStringCheck sc;

    ber_string_check_init(&sc, BER_TAG_UTF8STRING);
    if (ber_string_check_feed(&sc, s, len, bad_offset) != BER_OK) {
        return false;
    }
    if (ber_string_check_finish(&sc) != BER_OK) {
        if (bad_offset) {
            *bad_offset = len - 1 - sc.have;    /* the unfinished sequence */
        }
        return false;
    }
    return true;
}

size_t ber_encode_identifier(uint8_t *out, BERClass tag_class,
                             bool constructed, uint64_t tag)
{
    uint8_t first = (uint8_t)((tag_class << 6) | (constructed ? 0x20 : 0));
    size_t groups, i;

    if (tag < 31) {
        out[0] = first | (uint8_t)tag;
        return 1;
    }
    out[0] = first | 0x1f;
    groups = 1;
    while (groups < 10 && (tag >> (7 * groups))) {
        groups++;
    }
    for (i = 0; i < groups; i++) {
        uint8_t bits = (uint8_t)((tag >> (7 * (groups - 1 - i))) & 0x7f);

        out[1 + i] = bits | (i + 1 < groups ? 0x80 : 0);
    }
    return 1 + groups;
}

size_t ber_length_size(uint64_t length)
{
    size_t octets = 1;

    if (length < 0x80) {
        return 1;
    }
    while (octets < 8 && (length >> (8 * octets))) {
        octets++;
    }
    return 1 + octets;
}

size_t ber_encode_length(uint8_t *out, uint64_t length)
{
    size_t size = ber_length_size(length), i;

    if (size == 1) {
        out[0] = (uint8_t)length;
        return 1;
    }
    out[0] = (uint8_t)(0x80 | (size - 1));
    for (i = 1; i < size; i++) {
        out[i] = (uint8_t)(length >> (8 * (size - 1 - i)));
    }
    return size;
}

size_t ber_encode_int64(uint8_t *out, int64_t value)
{
    uint64_t bits = (uint64_t)value;
    size_t octets, i;

    for (octets = 1; octets < 8; octets++) {
        int64_t limit = INT64_C(1) << (8 * octets - 1);

        if (value >= -limit && value < limit) {
            break;
        }
    }
    for (i = 0; i < octets; i++) {
        out[i] = (uint8_t)(bits >> (8 * (octets - 1 - i)));
    }
    return octets;
}

size_t ber_encode_uint64(uint8_t *out, uint64_t value)
{
    size_t i;

    if (value <= INT64_MAX) {
        return ber_encode_int64(out, (int64_t)value);
    }
    out[0] = 0;
    for (i = 0; i < 8; i++) {
        out[1 + i] = (uint8_t)(value >> (8 * (7 - i)));
    }
    return 9;
}

size_t ber_encode_real(uint8_t *out, double value)
{
    uint64_t bits, mantissa;
    int64_t exponent;
    unsigned biased;
    uint8_t exp_octets[BER_INTEGER_MAX];
    size_t exp_len, mant_len, pos, i;

    if (isnan(value)) {
        out[0] = 0x42;
        return 1;
    }
    if (isinf(value)) {
        out[0] = value > 0 ? 0x40 : 0x41;
        return 1;
    }
    if (value == 0) {
        if (signbit(value)) {
            out[0] = 0x43;
            return 1;
        }
        return 0;
    }
    memcpy(&bits, &value, sizeof(bits));
    biased = (unsigned)((bits >> 52) & 0x7ff);
    mantissa = bits & ((UINT64_C(1) << 52) - 1);
    if (biased == 0) {
        exponent = -1074;                   /* denormal */
    } else {
        mantissa |= UINT64_C(1) << 52;
        exponent = (int64_t)biased - 1075;
    }
    /* 11.3.1: the mantissa must be odd. */
    while (!(mantissa & 1)) {
        mantissa >>= 1;
        exponent++;
    }
    exp_len = ber_encode_int64(exp_octets, exponent);
    out[0] = (uint8_t)(0x80 | ((bits >> 63) ? 0x40 : 0) | (exp_len - 1));
    pos = 1;
    memcpy(out + pos, exp_octets, exp_len);
    pos += exp_len;
    mant_len = 1;
    while (mant_len < 8 && (mantissa >> (8 * mant_len))) {
        mant_len++;
    }
    for (i = 0; i < mant_len; i++) {
        out[pos + i] = (uint8_t)(mantissa >> (8 * (mant_len - 1 - i)));
    }
    return pos + mant_len;
}
