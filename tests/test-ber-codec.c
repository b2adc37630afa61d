/*
 * tests/test-ber-codec.c: golden bytes for the X.690 primitives, derived
 * by hand from the clauses of X.690 (cited per case), and the codec's
 * validation of headers and contents.
 */
#include "config.h"

#include <check.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-visitor.h"

#define BYTES(...) ((const uint8_t[]){ __VA_ARGS__ }), \
    sizeof((const uint8_t[]){ __VA_ARGS__ })

static void assert_bytes(const uint8_t *got, size_t got_len,
                         const uint8_t *want, size_t want_len)
{
    ck_assert_uint_eq(got_len, want_len);
    ck_assert_mem_eq(got, want, want_len);
}

/*** INTEGER (8.3): minimal two's complement ***/

static void check_int64(int64_t value, const uint8_t *want, size_t len)
{
    uint8_t out[BER_INTEGER_MAX];
    int64_t back = 0;

    assert_bytes(out, ber_encode_int64(out, value), want, len);
    ck_assert_int_eq(ber_decode_int64(want, len, &back), BER_OK);
    ck_assert_int_eq(back, value);
}

START_TEST(test_integer_golden)
{
    uint8_t out[BER_INTEGER_MAX];
    uint64_t u = 0;

    check_int64(0, BYTES(0x00));
    check_int64(-1, BYTES(0xff));
    check_int64(127, BYTES(0x7f));
    check_int64(128, BYTES(0x00, 0x80));
    check_int64(-128, BYTES(0x80));
    check_int64(-129, BYTES(0xff, 0x7f));
    check_int64(256, BYTES(0x01, 0x00));
    check_int64(INT64_MAX, BYTES(0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                 0xff));
    check_int64(INT64_MIN, BYTES(0x80, 0, 0, 0, 0, 0, 0, 0));
    /* uint64 needs a 00 pad above INT64_MAX: 9 octets. */
    assert_bytes(out, ber_encode_uint64(out, UINT64_MAX),
                 BYTES(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    ck_assert_int_eq(ber_decode_uint64(BYTES(0x00, 0xff, 0xff, 0xff, 0xff,
                                             0xff, 0xff, 0xff, 0xff), &u),
                     BER_OK);
    ck_assert_uint_eq(u, UINT64_MAX);
    assert_bytes(out, ber_encode_uint64(out, 0x8000000000000000ULL),
                 BYTES(0x00, 0x80, 0, 0, 0, 0, 0, 0, 0));
    assert_bytes(out, ber_encode_uint64(out, 5), BYTES(0x05));
}
END_TEST

START_TEST(test_integer_invalid)
{
    int64_t i = 42;
    uint64_t u = 42;

    /* 8.3.1: at least one octet; 8.3.2: first 9 bits not all 0 or 1. */
    ck_assert_int_eq(ber_decode_int64(NULL, 0, &i), BER_ERR_EMPTY);
    ck_assert_int_eq(ber_decode_int64(BYTES(0x00, 0x7f), &i),
                     BER_ERR_INTEGER_NOT_MINIMAL);
    ck_assert_int_eq(ber_decode_int64(BYTES(0xff, 0x80), &i),
                     BER_ERR_INTEGER_NOT_MINIMAL);
    ck_assert_int_eq(ber_decode_int64(BYTES(0x00, 0x80, 0, 0, 0, 0, 0, 0, 0),
                                      &i), BER_ERR_INTEGER_RANGE);
    ck_assert_int_eq(ber_decode_uint64(BYTES(0xff), &u),
                     BER_ERR_INTEGER_RANGE);
    ck_assert_int_eq(ber_decode_uint64(BYTES(0x01, 0, 0, 0, 0, 0, 0, 0, 0),
                                       &u), BER_ERR_INTEGER_RANGE);
    ck_assert_int_eq(i, 42);
    ck_assert_uint_eq(u, 42);
}
END_TEST

/*** REAL (8.5, canonical 11.3.1) ***/

static void check_real(double value, const uint8_t *want, size_t len)
{
    uint8_t out[BER_REAL_MAX];
    double back;
    bool exact = false;
    BERMode mode;

    assert_bytes(out, ber_encode_real(out, value), want, len);
    for (mode = BER_MODE_BER; mode <= BER_MODE_DER; mode++) {
        back = 12345;
        ck_assert_int_eq(ber_decode_real(want, len, mode, &back, NULL,
                                         &exact), BER_OK);
        if (isnan(value)) {
            ck_assert(isnan(back));
        } else {
            ck_assert_mem_eq(&back, &value, sizeof(double));
            ck_assert(exact);
        }
    }
}

START_TEST(test_real_golden)
{
    check_real(0.0, (const uint8_t *)"", 0);   /* 8.5.2: +0 is empty */
    check_real(-0.0, BYTES(0x43));              /* 8.5.9 */
    check_real(INFINITY, BYTES(0x40));
    check_real(-INFINITY, BYTES(0x41));
    check_real(NAN, BYTES(0x42));
    /* 80: binary, +, base 2, F = 0, 1 exponent octet; M odd. */
    check_real(1.0, BYTES(0x80, 0x00, 0x01));
    check_real(-1.0, BYTES(0xc0, 0x00, 0x01));
    check_real(0.5, BYTES(0x80, 0xff, 0x01));
    check_real(2.0, BYTES(0x80, 0x01, 0x01));
    check_real(3.0, BYTES(0x80, 0x00, 0x03));
    /* 3.141593 = 0x1921fb82c2bd7f * 2^-51 */
    check_real(3.141593, BYTES(0x80, 0xcd, 0x19, 0x21, 0xfb, 0x82, 0xc2,
                               0xbd, 0x7f));
    /* DBL_MIN = 1 * 2^-1022: two exponent octets (81), FC02 = -1022. */
    check_real(DBL_MIN, BYTES(0x81, 0xfc, 0x02, 0x01));
    /* DBL_MAX = (2^53 - 1) * 2^971 */
    check_real(DBL_MAX, BYTES(0x81, 0x03, 0xcb, 0x1f, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff));
    check_real(-DBL_MAX, BYTES(0xc1, 0x03, 0xcb, 0x1f, 0xff, 0xff, 0xff,
                               0xff, 0xff, 0xff));
    /* Smallest denormal 2^-1074; largest denormal (2^52 - 1) * 2^-1074. */
    check_real(5e-324, BYTES(0x81, 0xfb, 0xce, 0x01));
    check_real(DBL_MIN - 5e-324, BYTES(0x81, 0xfb, 0xce, 0x0f, 0xff, 0xff,
                                       0xff, 0xff, 0xff, 0xff));
    check_real(-5e-324, BYTES(0xc1, 0xfb, 0xce, 0x01));
}
END_TEST

START_TEST(test_real_exhaustive_roundtrip)
{
    /* Bit patterns across the whole range, denormals included. */
    GRand *rand = g_rand_new_with_seed(20261126);
    int i;

    for (i = 0; i < 100000; i++) {
        uint64_t bits = ((uint64_t)g_rand_int(rand) << 32) |
            g_rand_int(rand);
        double value, back = 0;
        uint8_t out[BER_REAL_MAX];
        size_t len;
        BERStatus status;

        if (i % 4 == 0) {
            bits &= 0x800fffffffffffffULL;      /* denormals */
        }
        memcpy(&value, &bits, sizeof(value));
        len = ber_encode_real(out, value);
        status = ber_decode_real(out, len, BER_MODE_DER, &back, NULL, NULL);
        /* Plain comparisons: ck_assert per iteration is slow under ASan. */
        if (status != BER_OK ||
            (isnan(value) ? !isnan(back) :
             memcmp(&back, &value, sizeof(double)) != 0)) {
            ck_abort_msg("REAL %a (bits %016" PRIx64 ") does not round-trip",
                         value, bits);
        }
    }
    g_rand_free(rand);
}
END_TEST

START_TEST(test_real_ber_forms)
{
    double d = 0;
    bool exact;
    BERRealKind kind;

    /* Base 8 (bits 6-5 = 01): 1 * 8^1 = 8. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x90, 0x01, 0x01), BER_MODE_BER,
                                     &d, NULL, NULL), BER_OK);
    ck_assert(d == 8.0);
    /* Base 16, F = 1: 3 * 2^1 * 16^-1 = 0.375. */
    ck_assert_int_eq(ber_decode_real(BYTES(0xa4, 0xff, 0x03), BER_MODE_BER,
                                     &d, NULL, NULL), BER_OK);
    ck_assert(d == 0.375);
    /* Even mantissa, 2-octet exponent: fine in BER, not in DER/CER. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x81, 0x00, 0x00, 0x02),
                                     BER_MODE_BER, &d, NULL, NULL), BER_OK);
    ck_assert(d == 2.0);
    ck_assert_int_eq(ber_decode_real(BYTES(0x80, 0x00, 0x02), BER_MODE_DER,
                                     &d, NULL, NULL),
                     BER_ERR_REAL_NOT_CANONICAL);
    ck_assert_int_eq(ber_decode_real(BYTES(0x81, 0x00, 0x01, 0x01),
                                     BER_MODE_CER, &d, NULL, NULL),
                     BER_ERR_REAL_NOT_CANONICAL);
    ck_assert_int_eq(ber_decode_real(BYTES(0x80, 0x00, 0x00, 0x01),
                                     BER_MODE_DER, &d, NULL, NULL),
                     BER_ERR_REAL_NOT_CANONICAL);
    ck_assert_int_eq(ber_decode_real(BYTES(0x90, 0x00, 0x01), BER_MODE_DER,
                                     &d, NULL, NULL),
                     BER_ERR_REAL_NOT_CANONICAL);
    /* Decimal NR2/NR3 (8.5.8): BER only. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x02, '-', '1', ',', '5'),
                                     BER_MODE_BER, &d, &kind, &exact),
                     BER_OK);
    ck_assert(d == -1.5);
    ck_assert_int_eq(kind, BER_REAL_DECIMAL);
    ck_assert_int_eq(ber_decode_real(BYTES(0x03, ' ', '2', '.', 'E', '3'),
                                     BER_MODE_BER, &d, NULL, NULL), BER_OK);
    ck_assert(d == 2000.0);
    ck_assert_int_eq(ber_decode_real(BYTES(0x01, '1', 'x'), BER_MODE_BER,
                                     &d, NULL, NULL), BER_ERR_REAL_DECIMAL);
    ck_assert_int_eq(ber_decode_real(BYTES(0x03, '1', '.', 'E', '9', '9',
                                           '9', '9'), BER_MODE_BER, &d,
                                     NULL, NULL), BER_ERR_REAL_RANGE);
    ck_assert_int_eq(ber_decode_real(BYTES(0x01, '1'), BER_MODE_DER, &d,
                                     NULL, NULL), BER_ERR_REAL_DECIMAL_FORM);
    /* Reserved: base 11, special 44, special with 2 octets, form 0. */
    ck_assert_int_eq(ber_decode_real(BYTES(0xb0, 0x00, 0x01), BER_MODE_BER,
                                     &d, NULL, NULL), BER_ERR_REAL_RESERVED);
    ck_assert_int_eq(ber_decode_real(BYTES(0x44), BER_MODE_BER, &d, NULL,
                                     NULL), BER_ERR_REAL_RESERVED);
    ck_assert_int_eq(ber_decode_real(BYTES(0x40, 0x00), BER_MODE_BER, &d,
                                     NULL, NULL), BER_ERR_REAL_RESERVED);
    ck_assert_int_eq(ber_decode_real(BYTES(0x00, '1'), BER_MODE_BER, &d,
                                     NULL, NULL), BER_ERR_REAL_RESERVED);
    /* Missing mantissa / truncated exponent. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x80, 0x01), BER_MODE_BER, &d,
                                     NULL, NULL), BER_ERR_REAL_RESERVED);
    ck_assert_int_eq(ber_decode_real(BYTES(0x83), BER_MODE_BER, &d, NULL,
                                     NULL), BER_ERR_REAL_RESERVED);
    /* Huge exponents: 200 exponent octets, out of range, no overflow. */
    {
        uint8_t huge[204];

        memset(huge, 0x7f, sizeof(huge));
        huge[0] = 0x83;
        huge[1] = 200;
        huge[203] = 0x01;
        ck_assert_int_eq(ber_decode_real(huge, sizeof(huge), BER_MODE_BER,
                                         &d, NULL, NULL), BER_ERR_REAL_RANGE);
        memset(huge + 2, 0x80, 200);
        ck_assert_int_eq(ber_decode_real(huge, sizeof(huge), BER_MODE_BER,
                                         &d, NULL, &exact), BER_OK);
        ck_assert(d == 0.0 && !exact);
        ck_assert_int_eq(ber_decode_real(huge, sizeof(huge), BER_MODE_DER,
                                         &d, NULL, NULL),
                         BER_ERR_REAL_INEXACT);
    }
    /* 2^1024 is out of range; 1 * 2^-1075 is below the denormals. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x81, 0x04, 0x00, 0x01),
                                     BER_MODE_DER, &d, NULL, NULL),
                     BER_ERR_REAL_RANGE);
    ck_assert_int_eq(ber_decode_real(BYTES(0x81, 0xfb, 0xcd, 0x01),
                                     BER_MODE_DER, &d, NULL, NULL),
                     BER_ERR_REAL_INEXACT);
    /* 2^62 + 1 needs 63 bits: rounded in BER, rejected in DER. */
    ck_assert_int_eq(ber_decode_real(BYTES(0x80, 0x00, 0x40, 0, 0, 0, 0, 0,
                                           0, 0x01), BER_MODE_DER, &d, NULL,
                                     NULL), BER_ERR_REAL_INEXACT);
    ck_assert_int_eq(ber_decode_real(BYTES(0x80, 0x00, 0x40, 0, 0, 0, 0, 0,
                                           0, 0x01), BER_MODE_BER, &d, NULL,
                                     &exact), BER_OK);
    ck_assert(d == 4611686018427387904.0 && !exact);
}
END_TEST

/*** BOOLEAN (8.2, 11.1), NULL (8.8) ***/

START_TEST(test_boolean_null)
{
    bool b = false;

    ck_assert_int_eq(ber_decode_boolean(BYTES(0xff), BER_MODE_DER, &b),
                     BER_OK);
    ck_assert(b);
    ck_assert_int_eq(ber_decode_boolean(BYTES(0x00), BER_MODE_CER, &b),
                     BER_OK);
    ck_assert(!b);
    ck_assert_int_eq(ber_decode_boolean(BYTES(0x01), BER_MODE_BER, &b),
                     BER_OK);
    ck_assert(b);
    ck_assert_int_eq(ber_decode_boolean(BYTES(0x01), BER_MODE_DER, &b),
                     BER_ERR_BOOLEAN_VALUE);
    ck_assert_int_eq(ber_decode_boolean(BYTES(0x01), BER_MODE_CER, &b),
                     BER_ERR_BOOLEAN_VALUE);
    ck_assert_int_eq(ber_decode_boolean(BYTES(0xff, 0xff), BER_MODE_BER, &b),
                     BER_ERR_BOOLEAN_LENGTH);
    ck_assert_int_eq(ber_decode_boolean(NULL, 0, BER_MODE_BER, &b),
                     BER_ERR_BOOLEAN_LENGTH);
    ck_assert_int_eq(ber_check_null(0), BER_OK);
    ck_assert_int_eq(ber_check_null(1), BER_ERR_NULL_LENGTH);
}
END_TEST

/*** Identifier and length (8.1.2, 8.1.3) ***/

START_TEST(test_identifier_length)
{
    uint8_t out[BER_IDENTIFIER_MAX];

    assert_bytes(out, ber_encode_identifier(out, BER_CLASS_UNIVERSAL, true,
                                            16), BYTES(0x30));
    assert_bytes(out, ber_encode_identifier(out, BER_CLASS_CONTEXT, false,
                                            30), BYTES(0x9e));
    assert_bytes(out, ber_encode_identifier(out, BER_CLASS_CONTEXT, false,
                                            31), BYTES(0x9f, 0x1f));
    assert_bytes(out, ber_encode_identifier(out, BER_CLASS_CONTEXT, true,
                                            128), BYTES(0xbf, 0x81, 0x00));
    assert_bytes(out, ber_encode_identifier(out, BER_CLASS_PRIVATE, false,
                                            INT64_MAX),
                 BYTES(0xdf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                       0x7f));
    assert_bytes(out, ber_encode_length(out, 0), BYTES(0x00));
    assert_bytes(out, ber_encode_length(out, 127), BYTES(0x7f));
    assert_bytes(out, ber_encode_length(out, 128), BYTES(0x81, 0x80));
    assert_bytes(out, ber_encode_length(out, 256), BYTES(0x82, 0x01, 0x00));
    assert_bytes(out, ber_encode_length(out, 1000), BYTES(0x82, 0x03, 0xe8));
    ck_assert_uint_eq(ber_length_size(UINT64_MAX), 9);
}
END_TEST

static BERStatus header(const uint8_t *data, size_t len, BERMode mode,
                        BERHeader *hdr, size_t *err)
{
    return ber_read_header(data, len, 0, mode, hdr, err);
}

START_TEST(test_header_reader)
{
    BERHeader h;
    size_t err = 0;

    ck_assert_int_eq(header(BYTES(0x30, 0x03, 0x02, 0x01, 0x05),
                            BER_MODE_DER, &h, &err), BER_OK);
    ck_assert(h.constructed && h.tag == 16 && h.length == 3 &&
              h.header_length == 2 && !h.indefinite);
    ck_assert_int_eq(header(BYTES(0xbf, 0x81, 0x00, 0x00), BER_MODE_DER, &h,
                            &err), BER_OK);
    ck_assert(h.tag_class == BER_CLASS_CONTEXT && h.tag == 128 &&
              h.header_length == 4);
    /* Non-minimal length: BER accepts and reports, CER/DER reject. */
    ck_assert_int_eq(header(BYTES(0x04, 0x81, 0x01, 0xaa), BER_MODE_BER, &h,
                            &err), BER_OK);
    ck_assert(h.length_not_minimal && h.length == 1);
    ck_assert_int_eq(header(BYTES(0x04, 0x81, 0x01, 0xaa), BER_MODE_DER, &h,
                            &err), BER_ERR_LENGTH_NOT_MINIMAL);
    ck_assert_uint_eq(err, 1);
    ck_assert_int_eq(header(BYTES(0x04, 0x82, 0x00, 0x80), BER_MODE_CER, &h,
                            &err), BER_ERR_LENGTH_NOT_MINIMAL);
    ck_assert_int_eq(header(BYTES(0x1f, 0x1e, 0x00), BER_MODE_BER, &h, &err),
                     BER_ERR_TAG_HIGH_FORM_LOW);
    ck_assert_int_eq(header(BYTES(0x1f, 0x80, 0x20, 0x00), BER_MODE_BER, &h,
                            &err), BER_ERR_TAG_LEADING_ZERO);
    ck_assert_uint_eq(err, 1);
    ck_assert_int_eq(header(BYTES(0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0xff, 0x7f, 0x00),
                            BER_MODE_BER, &h, &err), BER_ERR_TAG_OVERFLOW);
    ck_assert_int_eq(header(BYTES(0x04, 0xff), BER_MODE_BER, &h, &err),
                     BER_ERR_LENGTH_RESERVED);
    ck_assert_int_eq(header(BYTES(0x04, 0x89, 1, 0, 0, 0, 0, 0, 0, 0, 0),
                            BER_MODE_BER, &h, &err), BER_ERR_LENGTH_OVERFLOW);
    ck_assert_int_eq(header(BYTES(0x04, 0x84, 0x80, 0, 0, 0, 1, 2),
                            BER_MODE_BER, &h, &err), BER_ERR_LENGTH_PAST_END);
    ck_assert_int_eq(header(BYTES(0x04, 0x80), BER_MODE_BER, &h, &err),
                     BER_ERR_INDEFINITE_PRIMITIVE);
    ck_assert_int_eq(header(BYTES(0x30, 0x80, 0x00, 0x00), BER_MODE_DER, &h,
                            &err), BER_ERR_INDEFINITE_IN_DER);
    ck_assert_int_eq(header(BYTES(0x30, 0x00), BER_MODE_CER, &h, &err),
                     BER_ERR_DEFINITE_IN_CER);
    ck_assert_int_eq(header(BYTES(0x00, 0x01, 0x00), BER_MODE_BER, &h, &err),
                     BER_ERR_EOC_MALFORMED);
    ck_assert_int_eq(header(BYTES(0x20, 0x00), BER_MODE_BER, &h, &err),
                     BER_ERR_EOC_MALFORMED);
    ck_assert_int_eq(header(BYTES(0x00, 0x00), BER_MODE_BER, &h, &err),
                     BER_OK);
    ck_assert(ber_header_is_eoc(&h));
    ck_assert_int_eq(header(BYTES(0x30), BER_MODE_BER, &h, &err),
                     BER_ERR_TRUNCATED);
    ck_assert_uint_eq(err, 1);
    ck_assert_int_eq(header(BYTES(0x04, 0x82, 0x01), BER_MODE_BER, &h, &err),
                     BER_ERR_TRUNCATED);
}
END_TEST

START_TEST(test_utf8_and_misc)
{
    size_t bad = 99;
    char buf[48];
    uint64_t sub = 0;
    size_t pos = 0;
    unsigned unused;

    ck_assert(ber_utf8_validate(BYTES('a', 0xc3, 0xa9, 0xe2, 0x82, 0xac,
                                      0xf0, 0x9f, 0x98, 0x80), &bad));
    ck_assert(!ber_utf8_validate(BYTES('a', 0xc0, 0xaf), &bad));
    ck_assert_uint_eq(bad, 1);
    ck_assert(!ber_utf8_validate(BYTES(0xed, 0xa0, 0x80), &bad));
    ck_assert(!ber_utf8_validate(BYTES(0xf4, 0x90, 0x80, 0x80), &bad));
    ck_assert(!ber_utf8_validate(BYTES(0xe0, 0x80, 0xaf), &bad));
    ck_assert(!ber_utf8_validate(BYTES('x', 0xe2, 0x82), &bad));
    ck_assert_uint_eq(bad, 1);
    ck_assert(!ber_utf8_validate(BYTES(0x80), &bad));
    ck_assert_str_eq(ber_describe_tag(BER_CLASS_UNIVERSAL, 4, buf,
                                      sizeof(buf)), "OCTET STRING");
    ck_assert_str_eq(ber_describe_tag(BER_CLASS_CONTEXT, 7, buf,
                                      sizeof(buf)), "[7]");
    ck_assert_str_eq(ber_status_message(BER_ERR_LENGTH_NOT_MINIMAL),
                     "length octets not minimal");
    ck_assert_str_eq(ber_status_message(9999), "unknown error");
    /* OID 2.999 -> first subidentifier 1079 = 88 37. */
    ck_assert_int_eq(ber_decode_oid_subid(BYTES(0x88, 0x37), &pos, &sub),
                     BER_OK);
    ck_assert_uint_eq(sub, 1079);
    ck_assert_uint_eq(pos, 2);
    pos = 0;
    ck_assert_int_eq(ber_decode_oid_subid(BYTES(0x80, 0x01), &pos, &sub),
                     BER_ERR_OID_LEADING_ZERO);
    ck_assert_int_eq(ber_decode_oid_subid(BYTES(0x81), &pos, &sub),
                     BER_ERR_OID_TRUNCATED);
    ck_assert_int_eq(ber_check_bit_string(BYTES(0x03, 0xa8), BER_MODE_DER,
                                          &unused), BER_OK);
    ck_assert_uint_eq(unused, 3);
    ck_assert_int_eq(ber_check_bit_string(BYTES(0x03, 0xa9), BER_MODE_DER,
                                          &unused), BER_ERR_BITSTRING_PADDING);
    ck_assert_int_eq(ber_check_bit_string(BYTES(0x03, 0xa9), BER_MODE_BER,
                                          &unused), BER_OK);
    ck_assert_int_eq(ber_check_bit_string(BYTES(0x01), BER_MODE_BER,
                                          &unused), BER_ERR_BITSTRING_UNUSED);
}
END_TEST

/*** Whole TLVs through the output visitor ***/

static GByteArray *encode_bytes(BERMode mode, size_t len)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new(mode, &out);
    uint8_t *buf = g_malloc(len + 1);
    size_t i;

    for (i = 0; i < len; i++) {
        buf[i] = (uint8_t)i;
    }
    ck_assert(visit_type_bytes(v, NULL, &buf, &len, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    g_free(buf);
    return out;
}

/* CER 9.2: above 1000 octets, fragments of exactly 1000, last shorter. */
static void check_cer_string(size_t len)
{
    GByteArray *out = encode_bytes(BER_MODE_CER, len);
    size_t pos = 0, done = 0;

    if (len <= 1000) {
        size_t hl = len < 128 ? 2 : 4;

        ck_assert_uint_eq(out->len, hl + len);
        ck_assert_uint_eq(out->data[0], 0x04);
        if (len < 128) {
            ck_assert_uint_eq(out->data[1], len);
        } else {
            ck_assert_uint_eq(out->data[1], 0x82);
            ck_assert_uint_eq((out->data[2] << 8) | out->data[3], len);
        }
        g_byte_array_unref(out);
        return;
    }
    ck_assert_uint_eq(out->data[0], 0x24);
    ck_assert_uint_eq(out->data[1], 0x80);
    pos = 2;
    while (done < len) {
        size_t frag = MIN(1000, len - done);
        size_t hl = frag < 128 ? 2 : 4;

        ck_assert_uint_eq(out->data[pos], 0x04);
        if (frag < 128) {
            ck_assert_uint_eq(out->data[pos + 1], frag);
        } else {
            ck_assert_uint_eq(out->data[pos + 1], 0x82);
            ck_assert_uint_eq((out->data[pos + 2] << 8) | out->data[pos + 3],
                              frag);
        }
        ck_assert_uint_eq(out->data[pos + hl], (uint8_t)done);
        pos += hl + frag;
        done += frag;
    }
    ck_assert_uint_eq(out->data[pos], 0);
    ck_assert_uint_eq(out->data[pos + 1], 0);
    ck_assert_uint_eq(pos + 2, out->len);
    g_byte_array_unref(out);
}

START_TEST(test_cer_strings)
{
    GByteArray *out = encode_bytes(BER_MODE_CER, 0);

    assert_bytes(out->data, out->len, BYTES(0x04, 0x00));
    g_byte_array_unref(out);
    check_cer_string(1);
    check_cer_string(1000);
    check_cer_string(1001);
    check_cer_string(2000);
    check_cer_string(2001);
    /* 1001 octets: 24 80 | 04 82 03 E8 + 1000 | 04 01 + 1 | 00 00 */
    out = encode_bytes(BER_MODE_CER, 1001);
    ck_assert_uint_eq(out->len, 2 + 4 + 1000 + 2 + 1 + 2);
    ck_assert_mem_eq(out->data, ((const uint8_t[]){ 0x24, 0x80, 0x04, 0x82,
                                                    0x03, 0xe8 }), 6);
    ck_assert_mem_eq(out->data + 1006, ((const uint8_t[]){ 0x04, 0x01 }), 2);
    g_byte_array_unref(out);
    /* DER never fragments. */
    out = encode_bytes(BER_MODE_DER, 2001);
    ck_assert_mem_eq(out->data, ((const uint8_t[]){ 0x04, 0x82, 0x07,
                                                    0xd1 }), 4);
    ck_assert_uint_eq(out->len, 2005);
    g_byte_array_unref(out);
}
END_TEST

static GByteArray *encode_scalar(int which)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &out);
    bool t = true, f = false;
    QNull *null = NULL;

    switch (which) {
    case 0:
        visit_type_bool(v, NULL, &t, &error_abort);
        break;
    case 1:
        visit_type_bool(v, NULL, &f, &error_abort);
        break;
    default:
        visit_type_null(v, NULL, &null, &error_abort);
        break;
    }
    visit_complete(v, &out);
    visit_free(v);
    return out;
}

/* X.690 9.2: the fragment rule both the input visitor and the inspector use. */
START_TEST(test_cer_fragment_rule)
{
    bool short_seen = false;

    /* 1000, 1000, 1: accepted, the short one last */
    ck_assert_int_eq(ber_check_cer_fragment(1000, 1000, &short_seen), BER_OK);
    ck_assert_int_eq(ber_check_cer_fragment(1000, 1000, &short_seen), BER_OK);
    ck_assert(!short_seen);
    ck_assert_int_eq(ber_check_cer_fragment(1, 1000, &short_seen), BER_OK);
    ck_assert(short_seen);
    /* anything after a short fragment */
    ck_assert_int_eq(ber_check_cer_fragment(1000, 1000, &short_seen),
                     BER_ERR_CER_FRAGMENT_AFTER_SHORT);
    short_seen = false;
    ck_assert_int_eq(ber_check_cer_fragment(0, 1000, &short_seen),
                     BER_ERR_CER_FRAGMENT_EMPTY);
    ck_assert_int_eq(ber_check_cer_fragment(1001, 1000, &short_seen),
                     BER_ERR_CER_FRAGMENT_LONG);
    /* another fragment size, as the visitors' option allows */
    ck_assert_int_eq(ber_check_cer_fragment(3, 3, &short_seen), BER_OK);
    ck_assert_int_eq(ber_check_cer_fragment(4, 3, &short_seen),
                     BER_ERR_CER_FRAGMENT_LONG);
    ck_assert_int_eq(ber_check_cer_string_total(1001, 1000), BER_OK);
    ck_assert_int_eq(ber_check_cer_string_total(1000, 1000),
                     BER_ERR_CER_NOT_FRAGMENTED);
    ck_assert_int_eq(ber_check_cer_string_total(0, 1000),
                     BER_ERR_CER_NOT_FRAGMENTED);
    ck_assert_str_ne(ber_status_message(BER_ERR_CER_FRAGMENT_EMPTY),
                     "unknown error");
}
END_TEST

START_TEST(test_bool_null_tlv)
{
    GByteArray *out;

    out = encode_scalar(0);
    assert_bytes(out->data, out->len, BYTES(0x01, 0x01, 0xff));
    g_byte_array_unref(out);
    out = encode_scalar(1);
    assert_bytes(out->data, out->len, BYTES(0x01, 0x01, 0x00));
    g_byte_array_unref(out);
    out = encode_scalar(2);
    assert_bytes(out->data, out->len, BYTES(0x05, 0x00));
    g_byte_array_unref(out);
}
END_TEST

/* Decode decimal REAL @text (form @form) in @mode; the status. */
static BERStatus decimal(unsigned form, const char *text, BERMode mode,
                         double *d)
{
    uint8_t buf[64];
    size_t n = strlen(text);

    buf[0] = (uint8_t)form;
    memcpy(buf + 1, text, n);
    return ber_decode_real(buf, n + 1, mode, d, NULL, NULL);
}

/* X.690 11.3.2: the one decimal form of CER and DER, both sides. */
START_TEST(test_real_decimal_canonical)
{
    static const struct { const char *text; double value; } good[] = {
        { "1.E1", 10 }, { "1.E+0", 1 }, { "15.E-1", 1.5 }, { "-1.E+0", -1 },
        { "-25.E-2", -0.25 }, { "123.E12", 123e12 }, { "1.E-1", 0.1 },
    };
    static const char *const bad[] = {
        "10.E1",    /* 11.3.2.4: trailing zero in the mantissa */
        "01.E1",    /* 11.3.2.4: leading zero */
        "1.E01",    /* 11.3.2.6: leading zero in the exponent */
        "1.E+1",    /* 11.3.2.6: PLUS SIGN on a non-zero exponent */
        "1.E0",     /* 11.3.2.6: zero exponent written "+0" */
        "1.E-0",
        "+1.E1",    /* 11.3.2.3: a positive value begins with a digit */
        " 1.E1",    /* 11.3.2.2: no SPACE */
        "1,E1",     /* 11.3.2.5: FULL STOP */
        "1.e1",     /* 11.3.2.5: exponent mark "E" */
        "1.5E1",    /* 11.3.2.5: the last mantissa digit is followed by "." */
        "0.E+0",    /* zero is the empty encoding (and 11.3.2.4) */
    };
    size_t i;
    double d;

    for (i = 0; i < G_N_ELEMENTS(good); i++) {
        d = 0;
        ck_assert_msg(decimal(3, good[i].text, BER_MODE_DER, &d) == BER_OK,
                      "%s rejected in DER", good[i].text);
        ck_assert_msg(d == good[i].value, "%s: %g", good[i].text, d);
        ck_assert(decimal(3, good[i].text, BER_MODE_CER, &d) == BER_OK);
        ck_assert(decimal(3, good[i].text, BER_MODE_BER, &d) == BER_OK);
    }
    for (i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(decimal(3, bad[i], BER_MODE_BER, &d) == BER_OK,
                      "%s rejected in BER", bad[i]);
        ck_assert_msg(decimal(3, bad[i], BER_MODE_DER, &d) ==
                      BER_ERR_REAL_DECIMAL_FORM, "%s accepted in DER", bad[i]);
        ck_assert(decimal(3, bad[i], BER_MODE_CER, &d) ==
                  BER_ERR_REAL_DECIMAL_FORM);
    }
    /* 11.3.2.1: NR3 only; NR1 "1" and NR2 "1." are BER forms */
    ck_assert_int_eq(decimal(1, "1", BER_MODE_DER, &d),
                     BER_ERR_REAL_DECIMAL_FORM);
    ck_assert_int_eq(decimal(2, "1.", BER_MODE_DER, &d),
                     BER_ERR_REAL_DECIMAL_FORM);
    ck_assert_int_eq(decimal(2, "1.", BER_MODE_BER, &d), BER_OK);
}
END_TEST

/* X.690 8.23.5, 8.6.4: which segments a constructed string has. */
START_TEST(test_string_segments)
{
    static const uint64_t strings[] = { 4, 12, 18, 19, 22, 23, 24, 26, 30 };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(strings); i++) {
        uint64_t t = strings[i];

        ck_assert_uint_eq(ber_string_segment_tag(t), BER_TAG_OCTET_STRING);
        ck_assert_int_eq(ber_check_string_segment(t, BER_CLASS_UNIVERSAL, 4,
                                                  false, BER_MODE_CER), BER_OK);
        ck_assert_int_eq(ber_check_string_segment(t, BER_CLASS_UNIVERSAL, 4,
                                                  true, BER_MODE_BER), BER_OK);
        ck_assert_int_eq(ber_check_string_segment(t, BER_CLASS_UNIVERSAL, 4,
                                                  true, BER_MODE_CER),
                         BER_ERR_SEGMENT_CONSTRUCTED);
        if (t != 4) {
            /* a segment of its own type is wrong (the old reversed rule) */
            ck_assert_int_eq(ber_check_string_segment(t, BER_CLASS_UNIVERSAL,
                                                      t, false, BER_MODE_BER),
                             BER_ERR_SEGMENT_TYPE);
        }
        ck_assert_int_eq(ber_check_string_segment(t, BER_CLASS_CONTEXT, 4,
                                                  false, BER_MODE_BER),
                         BER_ERR_SEGMENT_TYPE);
    }
    ck_assert_uint_eq(ber_string_segment_tag(3), BER_TAG_BIT_STRING);
    ck_assert_int_eq(ber_check_string_segment(3, BER_CLASS_UNIVERSAL, 3,
                                              false, BER_MODE_BER), BER_OK);
    ck_assert_int_eq(ber_check_string_segment(3, BER_CLASS_UNIVERSAL, 4,
                                              false, BER_MODE_BER),
                     BER_ERR_SEGMENT_TYPE);
}
END_TEST

/* Check @parts (NULL-terminated, as C strings) as one @tag value. */
static BERStatus string_parts(uint64_t tag, const char *const *parts)
{
    BERStringCheck sc;
    BERStatus st;

    ber_string_check_init(&sc, tag);
    for (; *parts; parts++) {
        st = ber_string_check_feed(&sc, (const uint8_t *)*parts,
                                   strlen(*parts), NULL);
        if (st != BER_OK) {
            return st;
        }
    }
    return ber_string_check_finish(&sc);
}

START_TEST(test_string_check)
{
    size_t bad = 99;
    BERStringCheck sc;

    /* a character split between segments is fine; the joined value counts */
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "\xc3", "\xa9",
                                                             NULL }), BER_OK);
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "\xf0\x9f",
                                                             "\x98", "\x80",
                                                             NULL }), BER_OK);
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "\xc3", "A",
                                                             NULL }),
                     BER_ERR_UTF8_INVALID);
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "a\xc3", NULL }),
                     BER_ERR_UTF8_INVALID);
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "\xed", "\xa0\x80",
                                                             NULL }),
                     BER_ERR_UTF8_INVALID);
    ck_assert_int_eq(string_parts(12, (const char *const[]){ "\xf4\x90", NULL }),
                     BER_ERR_UTF8_INVALID);
    /* repertoires (X.680 41) */
    ck_assert_int_eq(string_parts(19, (const char *const[]){ "Ab 1'()+,-./:=?",
                                                             NULL }), BER_OK);
    ck_assert_int_eq(string_parts(19, (const char *const[]){ "a@b", NULL }),
                     BER_ERR_STRING_CHARSET);
    ck_assert_int_eq(string_parts(18, (const char *const[]){ "12 3", NULL }),
                     BER_OK);
    ck_assert_int_eq(string_parts(18, (const char *const[]){ "12a", NULL }),
                     BER_ERR_STRING_CHARSET);
    ck_assert_int_eq(string_parts(22, (const char *const[]){ "\x7f", NULL }),
                     BER_OK);
    ck_assert_int_eq(string_parts(22, (const char *const[]){ "\x80", NULL }),
                     BER_ERR_STRING_CHARSET);
    ck_assert_int_eq(string_parts(26, (const char *const[]){ "~", NULL }),
                     BER_OK);
    ck_assert_int_eq(string_parts(26, (const char *const[]){ "\x1b", NULL }),
                     BER_ERR_STRING_CHARSET);
    /* BMPString / UniversalString units may split between segments too */
    ck_assert_int_eq(string_parts(30, (const char *const[]){ "\x01", "A",
                                                             NULL }), BER_OK);
    ck_assert_int_eq(string_parts(30, (const char *const[]){ "\x01", NULL }),
                     BER_ERR_STRING_LENGTH);
    ck_assert_int_eq(string_parts(30, (const char *const[]){ "\xd8", "\x01",
                                                             NULL }),
                     BER_ERR_STRING_CHARACTER);
    ck_assert_int_eq(string_parts(28, (const char *const[]){ "\x01\x01",
                                                             "\x01\x01",
                                                             NULL }),
                     BER_ERR_STRING_CHARACTER);
    ck_assert_int_eq(string_parts(28, (const char *const[]){ "\x01\x01\x01",
                                                             NULL }),
                     BER_ERR_STRING_LENGTH);
    /* the fault's offset within the part */
    ber_string_check_init(&sc, 12);
    ck_assert_int_eq(ber_string_check_feed(&sc, BYTES('a', 'b', 0xc0, 0xaf),
                                           &bad), BER_ERR_UTF8_INVALID);
    ck_assert_uint_eq(bad, 2);
    ber_string_check_init(&sc, 19);
    ck_assert_int_eq(ber_string_check_feed(&sc, BYTES('a', '*'), &bad),
                     BER_ERR_STRING_CHARSET);
    ck_assert_uint_eq(bad, 1);
}
END_TEST

static BERStatus time_check(uint64_t tag, const char *s, BERMode mode)
{
    return ber_check_time(tag, (const uint8_t *)s, strlen(s), mode);
}

/* X.680 46.3, 47.3 and X.690 11.7, 11.8: syntax, calendar, canonical form. */
START_TEST(test_times)
{
    static const char *const valid_gt[] = {
        "20261201080255Z", "20240229000000Z", "20000229235959Z",
        "20261231235960Z",          /* leap second at the end of a UTC month */
        "20260630235960Z", "20260701005960+0100", "20260630185960-0500",
        "20260801005960+0100",      /* UTC: 31 July 23:59:60 */
        "20261201080255.5Z", "2026120108Z", "202612010802Z",
        "20261201080255", "20261201080255+0130", "20261201080255-05",
        "20261201080260",           /* local time: the zone is unknown */
        "20261201080255,5Z",
    };
    static const char *const invalid_gt[] = {
        "20261301080255Z",          /* month 13 */
        "20260001080255Z",          /* month 0 */
        "20260230080255Z",          /* February 30 */
        "20250229080255Z",          /* not a leap year */
        "19000229080255Z",          /* 1900 is not a leap year */
        "20261232080255Z",          /* day 32 */
        "20260431080255Z",          /* April 31 */
        "20261200080255Z",          /* day 0 */
        "20261201250255Z",          /* hour 25 */
        "20261201240000Z",          /* hour 24 */
        "20261201086055Z",          /* minute 60 */
        "20261201080299Z",          /* second 99 */
        "20261201080261Z",          /* second 61 */
        "20261201080260Z",          /* leap second not at 23:59 UTC */
        "20261230235960Z",          /* not the last day of the month */
        "20261231235960+0100",      /* 22:59:60 UTC */
        "20261201080255+2400",      /* time difference hour 24 */
        "20261201080255+0160",
    };
    static const char *const syntax_gt[] = {
        "2026120108025Z", "20261201080255.Z", "20261201080255ZZ",
        "202612010802551Z", "2026120108x255Z", "20261201080255+1",
        "", "2026",
    };
    static const char *const valid_utc[] = {
        "261201080255Z", "000229080255Z",   /* 2000: leap year */
        "9612310802Z", "261201080255+0100", "491231235959Z",
    };
    static const char *const invalid_utc[] = {
        "261301080255Z", "260230080255Z", "250229080255Z", "261232080255Z",
        "261201250255Z", "261201086055Z", "261201080299Z",
        "261231235960Z",    /* UTCTime has no leap second */
        "970229080255Z",    /* 1997 */
    };
    static const char *const noncanonical[] = {
        "20261201080255.50Z", "20261201080255,5Z", "202612010802Z",
        "20261201080255", "20261201080255+0100", "20261201080255.0Z",
    };
    size_t i;

    for (i = 0; i < G_N_ELEMENTS(valid_gt); i++) {
        ck_assert_msg(time_check(24, valid_gt[i], BER_MODE_BER) == BER_OK,
                      "%s rejected", valid_gt[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(invalid_gt); i++) {
        BERStatus st = time_check(24, invalid_gt[i], BER_MODE_BER);

        ck_assert_msg(st == BER_ERR_TIME_VALUE || st == BER_ERR_TIME_LEAP_SECOND,
                      "%s: %d", invalid_gt[i], st);
        ck_assert(time_check(24, invalid_gt[i], BER_MODE_DER) == st);
    }
    for (i = 0; i < G_N_ELEMENTS(syntax_gt); i++) {
        ck_assert_msg(time_check(24, syntax_gt[i], BER_MODE_BER) ==
                      BER_ERR_TIME_SYNTAX, "%s accepted", syntax_gt[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(valid_utc); i++) {
        ck_assert_msg(time_check(23, valid_utc[i], BER_MODE_BER) == BER_OK,
                      "%s rejected", valid_utc[i]);
    }
    for (i = 0; i < G_N_ELEMENTS(invalid_utc); i++) {
        BERStatus st = time_check(23, invalid_utc[i], BER_MODE_BER);

        ck_assert_msg(st == BER_ERR_TIME_VALUE || st == BER_ERR_TIME_LEAP_SECOND,
                      "%s: %d", invalid_utc[i], st);
    }
    ck_assert_int_eq(time_check(23, "2612010802", BER_MODE_BER),
                     BER_ERR_TIME_SYNTAX);   /* no zone */
    ck_assert_int_eq(time_check(23, "26120108Z", BER_MODE_BER),
                     BER_ERR_TIME_SYNTAX);   /* no minutes */
    ck_assert_int_eq(time_check(23, "261201080255.5Z", BER_MODE_BER),
                     BER_ERR_TIME_SYNTAX);   /* no fractions */
    for (i = 0; i < G_N_ELEMENTS(noncanonical); i++) {
        ck_assert(time_check(24, noncanonical[i], BER_MODE_BER) == BER_OK);
        ck_assert_msg(time_check(24, noncanonical[i], BER_MODE_DER) ==
                      BER_ERR_TIME_NOT_CANONICAL, "%s", noncanonical[i]);
        ck_assert(time_check(24, noncanonical[i], BER_MODE_CER) ==
                  BER_ERR_TIME_NOT_CANONICAL);
    }
    ck_assert_int_eq(time_check(24, "20261201080255.5Z", BER_MODE_DER), BER_OK);
    ck_assert_int_eq(time_check(23, "261201080255Z", BER_MODE_DER), BER_OK);
    ck_assert_int_eq(time_check(23, "2612010802Z", BER_MODE_DER),
                     BER_ERR_TIME_NOT_CANONICAL);
    ck_assert_int_eq(time_check(23, "261201080255+0100", BER_MODE_DER),
                     BER_ERR_TIME_NOT_CANONICAL);
}
END_TEST

/* The verdict of ber_time_check on @s fed in parts of @step octets. */
static BERStatus time_parts(uint64_t tag, const char *s, size_t n,
                            size_t step, BERMode mode)
{
    BERTimeCheck tc;
    size_t i;

    ber_time_check_init(&tc, tag);
    for (i = 0; i < n; i += step) {
        ber_time_check_feed(&tc, (const uint8_t *)s + i,
                            n - i < step ? n - i : step);
    }
    return ber_time_check_finish(&tc, mode);
}

/*
 * A constructed time is checked on its joined value: in whatever parts
 * it comes, the verdict is ber_check_time()'s on the whole, also for
 * values longer than the head and tail the checker keeps.
 */
START_TEST(test_time_segments)
{
    static const char *const values[] = {
        "20261201080255Z", "20261301080255Z", "20260230080255Z",
        "20261231235960Z", "20261230235960Z", "20261201080255.5Z",
        "20261201080255.50Z", "20261201080255,5Z", "20261201080255",
        "20261201080255+0130", "20261201080255-05", "2026120108Z",
        "20261201080255.Z", "20261201080255ZZ", "", "2026",
        "261201080255Z", "261301080255Z", "2612010802Z", "261231235960Z",
        "261201080255+0100", "261201080255.5Z", "26120108Z",
    };
    const char *const heads[] = {
        "20261201080255.", "20261301080255.", "20261201080255,",
        "261201080255.",
    };
    const char *const tails[] = {
        "5Z", "50Z", "5+0100", "5", "5+2400", "5ZZ", "x5Z",
    };
    char big[400];
    size_t i, j, step, k;
    int m;

    for (i = 0; i < G_N_ELEMENTS(values); i++) {
        size_t n = strlen(values[i]);

        for (k = 23; k <= 24; k++) {
            for (m = BER_MODE_BER; m <= BER_MODE_DER; m++) {
                BERStatus want = ber_check_time(k, (const uint8_t *)values[i],
                                                n, (BERMode)m);

                for (step = 1; step <= n + 1; step++) {
                    ck_assert_msg(time_parts(k, values[i], n, step,
                                             (BERMode)m) == want,
                                  "%s in parts of %zu", values[i], step);
                }
            }
        }
    }
    /* long fractions, with a fault at the start, middle or end */
    for (i = 0; i < G_N_ELEMENTS(heads); i++) {
        for (j = 0; j < G_N_ELEMENTS(tails); j++) {
            for (k = 0; k <= 300; k += 7) {
                size_t n;

                n = (size_t)snprintf(big, sizeof(big), "%s", heads[i]);
                memset(big + n, '1', k);
                n += k;
                n += (size_t)snprintf(big + n, sizeof(big) - n, "%s",
                                      tails[j]);
                for (m = BER_MODE_BER; m <= BER_MODE_DER; m++) {
                    uint64_t tag = heads[i][12] == '.' ? 23 : 24;
                    BERStatus want = ber_check_time(tag, (const uint8_t *)big,
                                                    n, (BERMode)m);

                    ck_assert_msg(time_parts(tag, big, n, 1, (BERMode)m) == want &&
                                  time_parts(tag, big, n, 13, (BERMode)m) == want &&
                                  time_parts(tag, big, n, n, (BERMode)m) == want,
                                  "%s", big);
                    if (k > 40) {
                        /* a non-digit between head and tail */
                        big[n / 2] = '/';
                        ck_assert_int_eq(time_parts(tag, big, n, 5, (BERMode)m),
                                         BER_ERR_TIME_SYNTAX);
                        ck_assert_int_eq(ber_check_time(tag, (const uint8_t *)big,
                                                        n, (BERMode)m),
                                         BER_ERR_TIME_SYNTAX);
                        big[n / 2] = '1';
                    }
                }
            }
        }
    }
    /* the values the test relies on */
    snprintf(big, sizeof(big), "20261201080255.%0200dZ", 1);
    ck_assert_int_eq(time_parts(24, big, strlen(big), 3, BER_MODE_DER), BER_OK);
    snprintf(big, sizeof(big), "20261201080255.%0200d0Z", 1);
    ck_assert_int_eq(time_parts(24, big, strlen(big), 3, BER_MODE_DER),
                     BER_ERR_TIME_NOT_CANONICAL);
    ck_assert_int_eq(time_parts(24, big, strlen(big), 3, BER_MODE_BER), BER_OK);
}
END_TEST

/* X.690 11.2.2: a named bit list has no trailing 0 bits in CER/DER. */
START_TEST(test_named_bits)
{
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x00)), BER_OK);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x07, 0x80)), BER_OK);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x01, 0x86)), BER_OK);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x00, 0x01)), BER_OK);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x02, 0x84)), BER_OK);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x00, 0x86)),
                     BER_ERR_BITSTRING_TRAILING_ZERO);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x00, 0x80, 0x00)),
                     BER_ERR_BITSTRING_TRAILING_ZERO);
    ck_assert_int_eq(ber_check_named_bits(BYTES(0x02, 0x88)),
                     BER_ERR_BITSTRING_TRAILING_ZERO);
}
END_TEST

static Suite *ber_codec_suite(void)
{
    Suite *s = suite_create("ber-codec");
    TCase *tc = tcase_create("golden");

    tcase_add_test(tc, test_integer_golden);
    tcase_add_test(tc, test_integer_invalid);
    tcase_add_test(tc, test_real_golden);
    tcase_add_test(tc, test_real_exhaustive_roundtrip);
    tcase_add_test(tc, test_real_ber_forms);
    tcase_add_test(tc, test_boolean_null);
    tcase_add_test(tc, test_identifier_length);
    tcase_add_test(tc, test_header_reader);
    tcase_add_test(tc, test_utf8_and_misc);
    tcase_add_test(tc, test_cer_strings);
    tcase_add_test(tc, test_cer_fragment_rule);
    tcase_add_test(tc, test_bool_null_tlv);
    tcase_add_test(tc, test_real_decimal_canonical);
    tcase_add_test(tc, test_string_segments);
    tcase_add_test(tc, test_string_check);
    tcase_add_test(tc, test_times);
    tcase_add_test(tc, test_time_segments);
    tcase_add_test(tc, test_named_bits);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ber_codec_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
