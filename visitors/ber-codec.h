/*
 * visitors/ber-codec.h: X.690 (BER/CER/DER) primitives.
 *
 * Pure functions over caller-provided memory: read and validate one TLV
 * header, decode and encode the contents of INTEGER, ENUMERATED, BOOLEAN,
 * NULL, REAL, OBJECT IDENTIFIER subidentifiers and BIT STRING headers,
 * validate UTF-8. Nothing here allocates, keeps state or knows about
 * visitors, so the BER visitors and the ber-dump tool share one set of
 * rules. Clause numbers refer to ITU-T X.690 (02/2021).
 *
 * Conventions:
 * - Decoders take the contents octets (@content, @len) of one primitive
 *   value and return a BERStatus; on failure the output is unchanged.
 *   Mode-dependent canonical-form checks follow @mode: BER accepts every
 *   valid form, CER and DER reject non-canonical ones.
 * - Encoders write into a caller array of the documented maximum size and
 *   return the number of octets written; they always produce the
 *   canonical CER/DER form (which is also valid BER).
 */
#ifndef VISITORS_BER_CODEC_H
#define VISITORS_BER_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The encoding rules a stream is written in or validated against. */
typedef enum BERMode {
    BER_MODE_BER,   /* every valid X.690 BER form */
    BER_MODE_CER,   /* canonical, indefinite lengths, fragmented strings */
    BER_MODE_DER,   /* distinguished, definite minimal lengths */
} BERMode;

/* Identifier class (bits 8-7 of the identifier octet, 8.1.2.2). */
typedef enum BERClass {
    BER_CLASS_UNIVERSAL = 0,
    BER_CLASS_APPLICATION = 1,
    BER_CLASS_CONTEXT = 2,
    BER_CLASS_PRIVATE = 3,
} BERClass;

/* Universal tag numbers used by the project (X.680 8.4). */
enum {
    BER_TAG_EOC = 0,
    BER_TAG_BOOLEAN = 1,
    BER_TAG_INTEGER = 2,
    BER_TAG_BIT_STRING = 3,
    BER_TAG_OCTET_STRING = 4,
    BER_TAG_NULL = 5,
    BER_TAG_OID = 6,
    BER_TAG_REAL = 9,
    BER_TAG_ENUMERATED = 10,
    BER_TAG_UTF8STRING = 12,
    BER_TAG_RELATIVE_OID = 13,
    BER_TAG_SEQUENCE = 16,
    BER_TAG_SET = 17,
};

/* Largest identifier we encode: 1 + ceil(64 / 7) octets. */
#define BER_IDENTIFIER_MAX 11
/* Largest length field: 1 + 8 octets. */
#define BER_LENGTH_MAX 9
/* Largest INTEGER contents for int64_t/uint64_t (uint64 needs a 00 pad). */
#define BER_INTEGER_MAX 9
/* Largest canonical REAL contents for a double: 1 + 2 exponent + 7 mantissa. */
#define BER_REAL_MAX 10

/*
 * Result of a codec function. BER_OK is 0; every other value has a fixed
 * English reason from ber_status_message().
 */
typedef enum BERStatus {
    BER_OK = 0,
    BER_ERR_TRUNCATED,            /* the data ends inside the header */
    BER_ERR_TAG_HIGH_FORM_LOW,    /* high-tag form for a tag below 31 */
    BER_ERR_TAG_LEADING_ZERO,     /* first tag subidentifier octet is 80 */
    BER_ERR_TAG_OVERFLOW,         /* tag number does not fit 63 bits */
    BER_ERR_LENGTH_RESERVED,      /* length octet FF (8.1.3.5 c) */
    BER_ERR_LENGTH_OVERFLOW,      /* length does not fit 64 bits */
    BER_ERR_LENGTH_NOT_MINIMAL,   /* CER/DER: length in more octets than needed */
    BER_ERR_LENGTH_PAST_END,      /* contents overrun the data / enclosing value */
    BER_ERR_INDEFINITE_PRIMITIVE, /* indefinite length on a primitive */
    BER_ERR_INDEFINITE_IN_DER,    /* DER: indefinite length */
    BER_ERR_DEFINITE_IN_CER,      /* CER: constructed value with definite length */
    BER_ERR_EOC_MALFORMED,        /* universal tag 0 other than 00 00 */
    BER_ERR_EMPTY,                /* INTEGER/ENUMERATED/BOOLEAN with no contents */
    BER_ERR_INTEGER_NOT_MINIMAL,  /* first 9 bits all 0 or all 1 (8.3.2) */
    BER_ERR_INTEGER_RANGE,        /* value does not fit the C type */
    BER_ERR_BOOLEAN_LENGTH,       /* BOOLEAN contents not exactly 1 octet */
    BER_ERR_BOOLEAN_VALUE,        /* CER/DER: BOOLEAN neither 00 nor FF */
    BER_ERR_NULL_LENGTH,          /* NULL with contents */
    BER_ERR_REAL_RESERVED,        /* reserved base, special value or form */
    BER_ERR_REAL_NOT_CANONICAL,   /* CER/DER: REAL not in 11.3.1 form */
    BER_ERR_REAL_RANGE,           /* finite REAL beyond the double range */
    BER_ERR_REAL_INEXACT,         /* REAL not exactly representable (CER/DER) */
    BER_ERR_REAL_DECIMAL,         /* malformed or non-canonical decimal REAL */
    BER_ERR_OID_TRUNCATED,        /* subidentifier ends without a final octet */
    BER_ERR_OID_LEADING_ZERO,     /* subidentifier starts with 80 */
    BER_ERR_OID_OVERFLOW,         /* subidentifier does not fit 64 bits */
    BER_ERR_BITSTRING_UNUSED,     /* unused-bits octet > 7, or > 0 when empty */
    BER_ERR_BITSTRING_PADDING,    /* CER/DER: unused bits not zero */
    BER_ERR_UTF8_INVALID,         /* invalid/overlong/surrogate/> U+10FFFF UTF-8 */
    BER_ERR_REAL_DECIMAL_FORM,    /* CER/DER: decimal REAL not in 11.3.2 NR3 form */
    BER_ERR_SEGMENT_TYPE,         /* string segment of the wrong type (8.23.5) */
    BER_ERR_SEGMENT_CONSTRUCTED,  /* CER: constructed string segment (9.2) */
    BER_ERR_STRING_CHARSET,       /* octet outside the string type's repertoire */
    BER_ERR_STRING_LENGTH,        /* BMPString/UniversalString: partial character */
    BER_ERR_STRING_CHARACTER,     /* BMP/UniversalString: no Unicode character */
    BER_ERR_TIME_SYNTAX,          /* not UTCTime/GeneralizedTime syntax */
    BER_ERR_TIME_VALUE,           /* impossible date or time of day */
    BER_ERR_TIME_LEAP_SECOND,     /* second 60 where no leap second can be */
    BER_ERR_TIME_NOT_CANONICAL,   /* CER/DER: not the 11.7/11.8 time form */
    BER_ERR_BITSTRING_TRAILING_ZERO, /* CER/DER: named bit list with trailing 0 bits */
    BER_ERR_CER_FRAGMENT_EMPTY,   /* CER: an empty string fragment (9.2) */
    BER_ERR_CER_FRAGMENT_LONG,    /* CER: a fragment over the fragment size */
    BER_ERR_CER_FRAGMENT_AFTER_SHORT, /* CER: a fragment after a short one */
    BER_ERR_CER_NOT_FRAGMENTED,   /* CER: constructed string that fits one fragment */
    BER_STATUS__MAX,
} BERStatus;

/*
 * Return a short fixed English reason for @status ("length octets not
 * minimal", ...), never NULL; unknown values give "unknown error".
 */
const char *ber_status_message(BERStatus status);

/* One decoded identifier + length (8.1.2, 8.1.3). */
typedef struct BERHeader {
    BERClass tag_class;
    bool constructed;
    uint64_t tag;             /* tag number (< 2^63) */
    size_t offset;            /* offset of the identifier octet */
    size_t header_length;     /* identifier + length octets */
    bool indefinite;          /* length octet 80; @length is then 0 */
    uint64_t length;          /* contents length when definite */
    bool length_not_minimal;  /* BER only: length could be shorter */
} BERHeader;

/*
 * Read one identifier and length at @offset of @data, where @limit is the
 * end of the enclosing value (the data length at top level; pass the
 * parent's content end for children so they cannot overrun it).
 * Requires @offset <= @limit.
 *
 * Validates everything decidable from the header alone: tag form
 * (8.1.2.4), length form (8.1.3), indefinite only on constructed values,
 * the malformed EOC forms (00 with length or constructed), a definite
 * length that fits before @limit (computed without overflow), and in CER
 * (constructed must be indefinite) / DER (definite minimal only) the
 * canonical length rules. A well-formed EOC (00 00) is returned as
 * universal primitive tag 0 of length 0 (see ber_header_is_eoc()).
 *
 * Returns BER_OK and fills *@hdr, or an error status, storing the offset
 * of the offending octet in *@err_offset (may be NULL).
 */
BERStatus ber_read_header(const uint8_t *data, size_t limit, size_t offset,
                          BERMode mode, BERHeader *hdr, size_t *err_offset);

/* True if @hdr is an end-of-contents marker (00 00). */
static inline bool ber_header_is_eoc(const BERHeader *hdr)
{
    return hdr->tag_class == BER_CLASS_UNIVERSAL && hdr->tag == BER_TAG_EOC;
}

/*
 * Return a static name for a universal tag ("INTEGER", "OCTET STRING",
 * ...) or NULL if the project does not know it.
 */
const char *ber_universal_tag_name(uint64_t tag);

/*
 * Describe a tag into @buf (of @size octets, >= 32 recommended): the
 * universal name, or "[APPLICATION n]", "[n]" (context), "[PRIVATE n]",
 * "[UNIVERSAL n]". Returns @buf.
 */
char *ber_describe_tag(BERClass tag_class, uint64_t tag, char *buf,
                       size_t size);

/*
 * Decode INTEGER/ENUMERATED contents (8.3) into an int64_t. Checks:
 * non-empty, minimal in every mode (8.3.2 applies to BER too), range.
 */
BERStatus ber_decode_int64(const uint8_t *content, size_t len, int64_t *out);

/*
 * Decode INTEGER contents into a uint64_t: negative values and values
 * above UINT64_MAX give BER_ERR_INTEGER_RANGE. Up to 9 octets.
 */
BERStatus ber_decode_uint64(const uint8_t *content, size_t len,
                            uint64_t *out);

/*
 * Validate INTEGER contents of any size (non-empty and minimal) without
 * converting; *@negative (may be NULL) gets the sign.
 */
BERStatus ber_check_integer(const uint8_t *content, size_t len,
                            bool *negative);

/*
 * Decode BOOLEAN contents (8.2): exactly one octet; in CER/DER TRUE must
 * be FF (11.1). Any non-zero octet is TRUE in BER.
 */
BERStatus ber_decode_boolean(const uint8_t *content, size_t len,
                             BERMode mode, bool *out);

/* Check NULL contents (8.8): @len must be 0. */
BERStatus ber_check_null(size_t len);

/* How ber_decode_real() obtained its value. */
typedef enum BERRealKind {
    BER_REAL_ZERO,      /* empty contents: +0 */
    BER_REAL_BINARY,    /* 8.5.7 binary form */
    BER_REAL_DECIMAL,   /* 8.5.8 ISO 6093 NR1/NR2/NR3 form */
    BER_REAL_SPECIAL,   /* 8.5.9: +inf, -inf, NaN, -0 */
} BERRealKind;

/*
 * Decode REAL contents (8.5) into a double. BER: binary forms with any
 * base (2, 8, 16), scale and exponent/mantissa width, and decimal
 * NR1/NR2/NR3 forms (rounded to nearest); CER/DER: the 11.3.1 binary
 * form (base 2, F = 0, odd or zero mantissa, fewest octets), the 11.3.2
 * decimal form (NR3, no spaces, a sign only for negatives, mantissa
 * digits neither starting nor ending with 0, "." then "E", exponent "+0"
 * or without a leading 0 or "+": "1.E1", "15.E-1", "1.E+0"; otherwise
 * BER_ERR_REAL_DECIMAL_FORM) and the special values. A finite value beyond DBL_MAX gives BER_ERR_REAL_RANGE; a
 * binary value that is not exactly a double (too many mantissa bits or
 * below the denormal range) is rounded in BER and rejected in CER/DER
 * (BER_ERR_REAL_INEXACT). *@kind (may be NULL) gets the form; *@exact
 * (may be NULL) whether no rounding happened.
 */
BERStatus ber_decode_real(const uint8_t *content, size_t len, BERMode mode,
                          double *out, BERRealKind *kind, bool *exact);

/*
 * Read one OBJECT IDENTIFIER / RELATIVE-OID subidentifier (8.19) starting
 * at *@pos of @content[0..@len): on BER_OK stores it in *@out and advances
 * *@pos. The first subidentifier of an OID combines two arcs (X*40+Y);
 * splitting it is the caller's business.
 */
BERStatus ber_decode_oid_subid(const uint8_t *content, size_t len,
                               size_t *pos, uint64_t *out);

/*
 * Check a primitive BIT STRING's contents (8.6): the initial octet (unused
 * bits) is 0..7 and 0 if there are no further octets; in CER/DER the
 * unused bits must be zero (11.2.1). *@unused_bits (may be NULL) gets it.
 */
BERStatus ber_check_bit_string(const uint8_t *content, size_t len,
                               BERMode mode, unsigned *unused_bits);

/*
 * Check a named-bit-list BIT STRING (X.680 22.7) for CER/DER (11.2.2):
 * trailing 0 bits must be removed, so the last bit present is 1 (or
 * there are no bits at all). @content is a primitive BIT STRING's
 * contents already accepted by ber_check_bit_string(). Returns BER_OK or
 * BER_ERR_BITSTRING_TRAILING_ZERO (in every mode: the caller decides
 * whether BER tolerates it).
 */
BERStatus ber_check_named_bits(const uint8_t *content, size_t len);

/*
 * The universal tag every segment of a constructed string of universal
 * type @string_tag has: BIT STRING segments are BIT STRINGs (8.6.4),
 * every other string type, the restricted character strings included,
 * is encoded as [UNIVERSAL n] IMPLICIT OCTET STRING (8.23.5), so its
 * segments are OCTET STRINGs (8.7.3).
 */
uint64_t ber_string_segment_tag(uint64_t string_tag);

/*
 * Check one segment header of a constructed string of universal type
 * @string_tag: the segment's class and tag (ber_string_segment_tag()),
 * and in CER that it is primitive (9.2). Returns BER_OK,
 * BER_ERR_SEGMENT_TYPE or BER_ERR_SEGMENT_CONSTRUCTED.
 */
BERStatus ber_check_string_segment(uint64_t string_tag, BERClass seg_class,
                                   uint64_t seg_tag, bool seg_constructed,
                                   BERMode mode);

/*
 * CER's fragments of a constructed string (9.2), one primitive fragment of
 * @length contents octets at a time, in order: every fragment but the
 * last has exactly @fragment_size octets (1000 in CER), the last 1 to
 * @fragment_size. An empty fragment is refused too: it would give the
 * value a second encoding, which a canonical form cannot have.
 * *@short_seen (false before the first fragment) records that a fragment
 * shorter than @fragment_size was seen, so it must have been the last.
 * Returns BER_OK, BER_ERR_CER_FRAGMENT_EMPTY, BER_ERR_CER_FRAGMENT_LONG or
 * BER_ERR_CER_FRAGMENT_AFTER_SHORT (this fragment follows a short one).
 */
BERStatus ber_check_cer_fragment(uint64_t length, uint64_t fragment_size,
                                 bool *short_seen);

/*
 * The end of a CER constructed string of @total octets: 9.2 requires the
 * primitive form for a string of at most @fragment_size octets.
 * Returns BER_OK or BER_ERR_CER_NOT_FRAGMENTED.
 */
BERStatus ber_check_cer_string_total(uint64_t total, uint64_t fragment_size);

/*
 * Incremental check of a string value's octets against its universal
 * type, so that a constructed string is checked on its joined value (a
 * character split between two segments is fine): UTF8String (UTF-8),
 * NumericString, PrintableString, IA5String, VisibleString (repertoire,
 * X.680 41), BMPString (UCS-2 units, no surrogates) and UniversalString
 * (UCS-4 units, Unicode code points). Other types accept every octet.
 * Zero-initialise with ber_string_check_init(), feed the parts in order,
 * then ber_string_check_finish().
 */
typedef struct BERStringCheck {
    uint64_t tag;
    uint64_t seen;        /* octets fed so far */
    uint32_t cp;          /* code point being assembled */
    uint32_t min;         /* smallest code point for the UTF-8 length */
    unsigned need;        /* UTF-8 continuation octets / unit octets still due */
    unsigned have;        /* octets of the current character so far
                           * (UTF-8: continuation octets) */
} BERStringCheck;

/* Start checking a value of universal type @tag (any tag; those without a
 * repertoire accept every octet) in @sc. Never fails. */
void ber_string_check_init(BERStringCheck *sc, uint64_t tag);

/*
 * Feed @len octets at @s. Returns BER_OK or the first fault
 * (BER_ERR_UTF8_INVALID, BER_ERR_STRING_CHARSET, BER_ERR_STRING_CHARACTER)
 * with *@bad_offset (may be NULL) the index in @s of the octet where it
 * was found; after a fault the state is undefined.
 */
BERStatus ber_string_check_feed(BERStringCheck *sc, const uint8_t *s,
                                size_t len, size_t *bad_offset);

/*
 * The value is complete: BER_OK, or BER_ERR_UTF8_INVALID /
 * BER_ERR_STRING_LENGTH when it ends inside a character.
 */
BERStatus ber_string_check_finish(const BERStringCheck *sc);

/*
 * Check a UTCTime (X.680 47.3, universal 23) or GeneralizedTime (46.3,
 * universal 24) value @s[0..@n): the syntax, the calendar (month 1-12,
 * the day within the month with Gregorian leap years, hour 0-23, minute
 * 0-59, second 0-59), a leap second (second 60) only in GeneralizedTime
 * and only at 23:59:60 UTC on the last day of a month (a local time
 * with no zone could be any UTC time, so is not refuted), time
 * differences within
 * hh 00-23 and mm 00-59; UTCTime years 50-99 are 19xx, 00-49 20xx
 * (RFC 5280) for the leap-year rule. In CER/DER also the canonical
 * form (11.7, 11.8): ends in 'Z', seconds present, a fraction with a
 * FULL STOP and no trailing 0. Returns BER_OK, BER_ERR_TIME_SYNTAX,
 * BER_ERR_TIME_VALUE, BER_ERR_TIME_LEAP_SECOND or
 * BER_ERR_TIME_NOT_CANONICAL (only when everything else is valid, so a
 * BER caller can tolerate it by checking again in BER mode).
 */
BERStatus ber_check_time(uint64_t tag, const uint8_t *s, size_t n,
                         BERMode mode);

/*
 * Incremental check of a UTCTime/GeneralizedTime value given in parts:
 * the segments of a constructed time (BER allows it: the time types are
 * VisibleStrings, 8.23.5, so the segments are OCTET STRINGs), checked on
 * the joined value with exactly the verdict of ber_check_time(). Nothing
 * is allocated whatever the length: the first BER_TIME_HEAD and the last
 * BER_TIME_TAIL octets are kept and the octets between them must be
 * digits. That loses nothing: the date, the time of day and the fraction
 * separator lie within the first 15 octets of a valid time and the zone
 * within the last 5, so whatever lies between is fraction digits.
 * Zero-initialise with ber_time_check_init(), feed the parts in order,
 * then ber_time_check_finish().
 */
#define BER_TIME_HEAD 32
#define BER_TIME_TAIL 8

typedef struct BERTimeCheck {
    uint64_t tag;                 /* 23 (UTCTime) or 24 (GeneralizedTime) */
    uint64_t seen;                /* octets fed so far */
    uint8_t head[BER_TIME_HEAD];
    uint8_t tail[BER_TIME_TAIL];  /* ring of the octets after the head */
    bool middle_not_digit;        /* an octet between head and tail */
} BERTimeCheck;

/* Start checking a time of universal @tag (23 UTCTime or 24
 * GeneralizedTime) in @tc. Never fails. */
void ber_time_check_init(BERTimeCheck *tc, uint64_t tag);

/* Feed the next @len octets of the value at @s. */
void ber_time_check_feed(BERTimeCheck *tc, const uint8_t *s, size_t len);

/*
 * The value is complete: the result ber_check_time() gives for the
 * joined value in @mode.
 */
BERStatus ber_time_check_finish(const BERTimeCheck *tc, BERMode mode);

/*
 * Validate UTF-8 (RFC 3629): rejects overlong forms, surrogates, code
 * points above U+10FFFF, stray continuation and truncated sequences. NUL
 * is valid UTF-8 here (callers storing C strings reject it separately).
 * Returns true if valid; otherwise false and *@bad_offset (may be NULL)
 * gets the offset of the first bad octet within @s.
 */
bool ber_utf8_validate(const uint8_t *s, size_t len, size_t *bad_offset);

/*
 * Encode an identifier into @out (BER_IDENTIFIER_MAX octets); tags >= 31
 * use the high-tag form. Returns the octet count. @tag must be < 2^63.
 */
size_t ber_encode_identifier(uint8_t *out, BERClass tag_class,
                             bool constructed, uint64_t tag);

/*
 * Encode a definite length in minimal form into @out (BER_LENGTH_MAX
 * octets). Returns the octet count.
 */
size_t ber_encode_length(uint8_t *out, uint64_t length);

/* Number of octets ber_encode_length() writes for @length. */
size_t ber_length_size(uint64_t length);

/*
 * Encode INTEGER contents (minimal two's complement) into @out
 * (BER_INTEGER_MAX octets). Returns the octet count (1..8 / 1..9).
 */
size_t ber_encode_int64(uint8_t *out, int64_t value);

/* The same for an unsigned @value: a leading 0 octet when its top bit is
 * set, so 1..9 octets. */
size_t ber_encode_uint64(uint8_t *out, uint64_t value);

/*
 * Encode REAL contents in the CER/DER canonical form (11.3.1): empty for
 * +0, 40/41/42/43 for +inf/-inf/NaN/-0, otherwise binary base 2, F = 0,
 * odd mantissa, fewest exponent and mantissa octets. Exact for every
 * double including denormals. @out holds BER_REAL_MAX octets; returns
 * the octet count (0 for +0).
 */
size_t ber_encode_real(uint8_t *out, double value);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_BER_CODEC_H */
