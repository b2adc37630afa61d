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
                                     NULL, NULL), BER_ERR_REAL_NOT_CANONICAL);
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
    tcase_add_test(tc, test_bool_null_tlv);
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
