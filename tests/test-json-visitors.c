/*
 * tests/test-json-visitors.c: what only the JSON visitors do: the exact
 * text they write, every way their input can be refused, and hostile
 * input (deep nesting, huge numbers, invalid UTF-8, random mutations).
 * Round trips of every type are in test-visitor-serialization.c.
 */
#include "config.h"

#include <check.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/dealloc-visitor.h"
#include "tests/test-qapi-types.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"
#include "tests/check-main.h"

typedef bool (*VisitFn)(Visitor *v, const char *name, void **obj,
                        Error **errp);
#define VISIT_FN(T) ((VisitFn)visit_type_##T)

static char *to_json(VisitFn visit, void *obj, bool pretty)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(pretty, &text);

    ck_assert(visit(v, NULL, &obj, &error_abort));
    visit_complete(v, &text);
    visit_free(v);
    ck_assert(text != NULL);
    return text;
}

/* Decode @json with @visit; expect failure with a message containing @msg. */
static void expect_input_error(const char *json, VisitFn visit,
                               const char *msg)
{
    Error *err = NULL;
    Visitor *v = json_input_visitor_new(json, &error_abort);
    void *obj = (void *)&err;   /* anything non-NULL: must become NULL */

    ck_assert_msg(!visit(v, NULL, &obj, &err), "'%s' was accepted", json);
    ck_assert(err);
    ck_assert_msg(strstr(error_get_pretty(err), msg),
                  "'%s': got \"%s\", expected \"%s\"", json,
                  error_get_pretty(err), msg);
    ck_assert_msg(obj == NULL, "'%s': object not NULL after failure", json);
    error_free(err);
    visit_free(v);
}

/* Parsing @json must fail with a message containing @msg. */
static void expect_parse_error(const char *json, const char *msg)
{
    Error *err = NULL;
    Visitor *v = json_input_visitor_new(json, &err);

    ck_assert_msg(v == NULL, "'%.40s' parsed", json);
    ck_assert(err);
    ck_assert_msg(strstr(error_get_pretty(err), msg),
                  "'%.40s': got \"%s\", expected \"%s\"", json,
                  error_get_pretty(err), msg);
    error_free(err);
}

/*** Output: exact text ***/

START_TEST(test_output_point)
{
    TestPoint p = { .x = 1, .y = -2 };
    char *compact = to_json(VISIT_FN(TestPoint), &p, false);
    char *pretty = to_json(VISIT_FN(TestPoint), &p, true);

    ck_assert_str_eq(compact, "{\"x\":1,\"y\":-2}");
    ck_assert_str_eq(pretty, "{\n    \"x\": 1,\n    \"y\": -2\n}");
    g_free(compact);
    g_free(pretty);
}
END_TEST

START_TEST(test_output_nested)
{
    TestNested n = {
        .name = (char *)"n\"1\"",
        .id = -7,
        .has_count = true,
        .count = 4000000000u,
        .inner = NULL,
        .kind = TEST_ENUM_THREE_FOUR,
    };
    TestFlat flat = {
        .i8 = INT8_MIN, .i16 = INT16_MIN, .i32 = INT32_MIN,
        .i64 = INT64_MIN, .u8 = UINT8_MAX, .u16 = UINT16_MAX,
        .u32 = UINT32_MAX, .u64 = UINT64_MAX, .integer = 0,
        .sz = 1, .flag = true, .str = NULL, .num = 0.1,
    };
    strList tag2 = { .next = NULL, .value = (char *)"b" };
    strList tag1 = { .next = &tag2, .value = (char *)"a\\" };
    char *compact, *pretty;

    n.inner = &flat;
    n.has_tags = true;
    n.tags = &tag1;
    compact = to_json(VISIT_FN(TestNested), &n, false);
    ck_assert_str_eq(compact,
        "{\"name\":\"n\\\"1\\\"\",\"id\":-7,\"count\":4000000000,"
        "\"inner\":{\"i8\":-128,\"i16\":-32768,\"i32\":-2147483648,"
        "\"i64\":-9223372036854775808,\"u8\":255,\"u16\":65535,"
        "\"u32\":4294967295,\"u64\":18446744073709551615,\"integer\":0,"
        "\"sz\":1,\"flag\":true,\"str\":\"\",\"num\":0.1},"
        "\"kind\":\"three-four\",\"tags\":[\"a\\\\\",\"b\"]}");
    n.has_tags = false;
    n.tags = NULL;
    n.has_count = false;
    flat.str = (char *)"s";
    pretty = to_json(VISIT_FN(TestNested), &n, true);
    ck_assert_str_eq(pretty,
        "{\n"
        "    \"name\": \"n\\\"1\\\"\",\n"
        "    \"id\": -7,\n"
        "    \"inner\": {\n"
        "        \"i8\": -128,\n"
        "        \"i16\": -32768,\n"
        "        \"i32\": -2147483648,\n"
        "        \"i64\": -9223372036854775808,\n"
        "        \"u8\": 255,\n"
        "        \"u16\": 65535,\n"
        "        \"u32\": 4294967295,\n"
        "        \"u64\": 18446744073709551615,\n"
        "        \"integer\": 0,\n"
        "        \"sz\": 1,\n"
        "        \"flag\": true,\n"
        "        \"str\": \"s\",\n"
        "        \"num\": 0.1\n"
        "    },\n"
        "    \"kind\": \"three-four\"\n"
        "}");
    g_free(compact);
    g_free(pretty);
}
END_TEST

static char *number_to_json(double d)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(false, &text);

    visit_type_number(v, NULL, &d, &error_abort);
    visit_complete(v, &text);
    visit_free(v);
    return text;
}

START_TEST(test_output_numbers)
{
    static const struct {
        double value;
        const char *json;
    } cases[] = {
        { 0.0, "0.0" }, { -0.0, "-0.0" }, { 1.0, "1.0" }, { -1.0, "-1.0" },
        { 0.1, "0.1" }, { 3.141593, "3.141593" }, { 1e300, "1e+300" },
        { 1e22, "1e+22" }, { 123456789.0, "123456789.0" },
        { DBL_MAX, "1.7976931348623157e+308" },
        { DBL_MIN, "2.2250738585072014e-308" },
        { 1.0 / 3.0, "0.3333333333333333" },
        { NAN, "\"NaN\"" }, { INFINITY, "\"Infinity\"" },
        { -INFINITY, "\"-Infinity\"" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = number_to_json(cases[i].value);

        ck_assert_str_eq(text, cases[i].json);
        g_free(text);
    }
}
END_TEST

START_TEST(test_output_strings)
{
    static const struct {
        const char *value;
        const char *json;
    } cases[] = {
        { "", "\"\"" },
        { "\"\\/", "\"\\\"\\\\/\"" },
        { "\b\f\n\r\t\x01\x1f\x7f", "\"\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"" },
        { "\xc3\xa9\xf0\x9f\x98\x80", "\"\xc3\xa9\xf0\x9f\x98\x80\"" },
        /* Invalid UTF-8 becomes U+FFFD: the output is always JSON. */
        { "a\xff" "b\xc3", "\"a\xef\xbf\xbd" "b\xef\xbf\xbd\"" },
        { "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = NULL;
        char *s = (char *)cases[i].value;
        Visitor *v = json_output_visitor_new(false, &text);

        visit_type_str(v, NULL, &s, &error_abort);
        visit_complete(v, &text);
        visit_free(v);
        ck_assert_str_eq(text, cases[i].json);
        g_free(text);
    }
}
END_TEST

START_TEST(test_output_misc)
{
    TestAlternate alt_i = { .type = QTYPE_QNUM, .u.i = 5 };
    TestAlternate alt_p = { .type = QTYPE_QDICT, .u.p = { 1, 2 } };
    TestAltScalar alt_n = { .type = QTYPE_QNULL, .u.null = NULL };
    uint8_t raw[] = { 0, 1, 2, 0xff };
    TestBytes bytes = { .data = raw, .data_len = sizeof(raw) };
    TestBytes empty = { 0 };
    TestSizedBuffers sb = { { 0 } };
    TestEnumList e2 = { NULL, TEST_ENUM_ZERO };
    TestEnumList e1 = { &e2, TEST_ENUM_THREE_FOUR };
    char *text, *pretty;

    text = to_json(VISIT_FN(TestAlternate), &alt_i, false);
    ck_assert_str_eq(text, "5");
    g_free(text);
    text = to_json(VISIT_FN(TestAlternate), &alt_p, false);
    ck_assert_str_eq(text, "{\"x\":1,\"y\":2}");
    g_free(text);
    text = to_json(VISIT_FN(TestAltScalar), &alt_n, true);
    ck_assert_str_eq(text, "null");
    g_free(text);
    text = to_json(VISIT_FN(TestBytes), &bytes, false);
    ck_assert_str_eq(text, "{\"data\":\"AAEC/w==\"}");
    g_free(text);
    text = to_json(VISIT_FN(TestBytes), &empty, false);
    ck_assert_str_eq(text, "{\"data\":\"\"}");
    g_free(text);
    sb.b2[0] = 0x0102;
    sb.b4[6] = 0xff;
    text = to_json(VISIT_FN(TestSizedBuffers), &sb, false);
    /* Elements big-endian: b2 starts 01 02, b4 ends 00 00 00 ff. */
    ck_assert_str_eq(text, "{\"b1\":\"AAAAAAAAAA==\","
                     "\"b2\":\"AQIAAAAAAAAAAAAAAAA=\","
                     "\"b4\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/w==\","
                     "\"b8\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                     "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}");
    g_free(text);
    text = to_json(VISIT_FN(TestEnumList), &e1, false);
    ck_assert_str_eq(text, "[\"three-four\",\"zero\"]");
    g_free(text);
    text = to_json(VISIT_FN(TestEnumList), NULL, false);
    pretty = to_json(VISIT_FN(TestEnumList), NULL, true);
    ck_assert_str_eq(text, "[]");
    ck_assert_str_eq(pretty, "[]");
    g_free(text);
    g_free(pretty);
}
END_TEST

/* Freeing an output visitor mid-visit, or without visit_complete(). */
START_TEST(test_output_free_early)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(true, &text);
    int64_t i = 1;

    visit_start_struct(v, NULL, NULL, 0, &error_abort);
    visit_start_list(v, "l", NULL, 0, &error_abort);
    visit_type_int(v, NULL, &i, &error_abort);
    visit_free(v);
    ck_assert(text == NULL);
}
END_TEST

/*** Input: accepted forms ***/

START_TEST(test_input_order_and_optional)
{
    const char *json =
        " {\"kind\": \"two\", \"inner\": {\"num\": 1, \"str\": \"\\u00e9\\n\\ud83d\\ude00\","
        " \"flag\": false, \"sz\": 18446744073709551615,"
        " \"integer\": -9223372036854775808, \"u64\": 9223372036854775809,"
        " \"u32\": 0, \"u16\": 0, \"u8\": 0, \"i64\": 0, \"i32\": 0,"
        " \"i16\": 0, \"i8\": -1}, \"id\": 5, \"name\": \"\"}\n\t";
    Visitor *v = json_input_visitor_new(json, &error_abort);
    TestNested *n = NULL;

    ck_assert(visit_type_TestNested(v, NULL, &n, &error_abort));
    visit_free(v);
    ck_assert_str_eq(n->name, "");
    ck_assert_int_eq(n->id, 5);
    ck_assert(!n->has_count && !n->comment && !n->extra && !n->tags);
    ck_assert_int_eq(n->kind, TEST_ENUM_TWO);
    ck_assert(n->inner->sz == UINT64_MAX);
    ck_assert(n->inner->integer == INT64_MIN);
    ck_assert(n->inner->u64 == 9223372036854775809ull);
    ck_assert(n->inner->num == 1.0);
    ck_assert_int_eq(n->inner->i8, -1);
    ck_assert_str_eq(n->inner->str, "\xc3\xa9\n\xf0\x9f\x98\x80");
    qapi_free_TestNested(n);
}
END_TEST

static double number_from_json(const char *json)
{
    Visitor *v = json_input_visitor_new(json, &error_abort);
    double d = 42;

    ck_assert_msg(visit_type_number(v, NULL, &d, NULL), "%s", json);
    visit_free(v);
    return d;
}

START_TEST(test_input_numbers)
{
    double d;

    ck_assert(number_from_json("1") == 1.0);
    ck_assert(number_from_json("-5e-1") == -0.5);
    ck_assert(number_from_json("18446744073709551615") == 18446744073709551615.0);
    /* Integer literals beyond 64 bits keep their value as a double. */
    ck_assert(number_from_json("100000000000000000000") == 1e20);
    ck_assert(number_from_json("-100000000000000000000") == -1e20);
    d = number_from_json("-0.0");
    ck_assert(d == 0 && signbit(d));
    ck_assert(isnan(number_from_json("\"NaN\"")));
    ck_assert(number_from_json("\"Infinity\"") == INFINITY);
    ck_assert(number_from_json("\"-Infinity\"") == -INFINITY);
    ck_assert(number_from_json("4.9406564584124654e-324") ==
              4.9406564584124654e-324);
}
END_TEST

/* A virtual walk (no C struct) and a manual list walk. */
START_TEST(test_input_virtual_walk)
{
    Visitor *v = json_input_visitor_new("{\"a\": [1, 2], \"b\": null}",
                                        &error_abort);
    int64_t i;
    QNull *null = NULL;
    bool present = false;

    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(visit_optional(v, "b", &present) && present);
    ck_assert(!visit_optional(v, "c", &present) && !present);
    ck_assert(visit_start_list(v, "a", NULL, 0, &error_abort));
    ck_assert(visit_type_int(v, NULL, &i, &error_abort) && i == 1);
    ck_assert(visit_type_int(v, NULL, &i, &error_abort) && i == 2);
    ck_assert(visit_check_list(v, &error_abort));
    visit_end_list(v, NULL);
    ck_assert(visit_type_null(v, "b", &null, &error_abort) && null);
    ck_assert(visit_check_struct(v, &error_abort));
    visit_end_struct(v, NULL);
    visit_free(v);
    qnull_unref(null);
}
END_TEST

/*** Input: refusals ***/

typedef struct IntCase {
    const char *json;
    int width;          /* 8..64; negative for unsigned */
    const char *msg;
} IntCase;

static const IntCase int_cases[] = {
    { "128", 8, "Parameter 'x' expects int8_t" },
    { "-129", 8, "Parameter 'x' expects int8_t" },
    { "32768", 16, "Parameter 'x' expects int16_t" },
    { "-32769", 16, "Parameter 'x' expects int16_t" },
    { "2147483648", 32, "Parameter 'x' expects int32_t" },
    { "-2147483649", 32, "Parameter 'x' expects int32_t" },
    { "9223372036854775808", 64, "Parameter 'x' expects integer" },
    { "-9223372036854775809", 64, "Parameter 'x' expects integer" },
    { "18446744073709551616", 64, "Parameter 'x' expects integer" },
    { "1e3", 64, "Parameter 'x' expects integer" },
    { "1.5", 64, "Parameter 'x' expects integer" },
    { "\"1\"", 64, "Invalid parameter type for 'x', expected: integer" },
    { "null", 64, "Invalid parameter type for 'x', expected: integer" },
    { "256", -8, "Parameter 'x' expects uint8_t" },
    { "-1", -8, "Parameter 'x' expects uint64" },
    { "65536", -16, "Parameter 'x' expects uint16_t" },
    { "4294967296", -32, "Parameter 'x' expects uint32_t" },
    { "-1", -64, "Parameter 'x' expects uint64" },
    { "18446744073709551616", -64, "Parameter 'x' expects uint64" },
    { "99999999999999999999999999999", -64, "Parameter 'x' expects uint64" },
    { "0.5", -64, "Parameter 'x' expects uint64" },
    { "true", -64, "Invalid parameter type for 'x', expected: integer" },
};

START_TEST(test_input_int_range)
{
    const IntCase *c = &int_cases[_i];
    Visitor *v = json_input_visitor_new(c->json, &error_abort);
    Error *err = NULL;
    bool ok;
    union {
        int8_t s8; int16_t s16; int32_t s32; int64_t s64;
        uint8_t u8; uint16_t u16; uint32_t u32; uint64_t u64;
    } val;

    memset(&val, 0x5a, sizeof(val));
    switch (c->width) {
    case 8: ok = visit_type_int8(v, "x", &val.s8, &err); break;
    case 16: ok = visit_type_int16(v, "x", &val.s16, &err); break;
    case 32: ok = visit_type_int32(v, "x", &val.s32, &err); break;
    case 64: ok = visit_type_int64(v, "x", &val.s64, &err); break;
    case -8: ok = visit_type_uint8(v, "x", &val.u8, &err); break;
    case -16: ok = visit_type_uint16(v, "x", &val.u16, &err); break;
    case -32: ok = visit_type_uint32(v, "x", &val.u32, &err); break;
    default: ok = visit_type_uint64(v, "x", &val.u64, &err); break;
    }
    ck_assert_msg(!ok && err, "%s accepted for width %d", c->json, c->width);
    ck_assert_msg(!strcmp(error_get_pretty(err), c->msg),
                  "%s (width %d): got \"%s\"", c->json, c->width,
                  error_get_pretty(err));
    ck_assert_msg(val.u64 == 0x5a5a5a5a5a5a5a5aull,
                  "%s: value changed on failure", c->json);
    error_free(err);
    visit_free(v);
}
END_TEST

/* The same limits, accepted: the edges themselves. */
START_TEST(test_input_int_edges)
{
    Visitor *v = json_input_visitor_new(
        "[-9223372036854775808, 9223372036854775807, 18446744073709551615,"
        " 9223372036854775808, -128, 255, 0, -0]", &error_abort);
    int64_t i;
    uint64_t u;
    int8_t s8;
    uint8_t u8;

    ck_assert(visit_start_list(v, NULL, NULL, 0, &error_abort));
    ck_assert(visit_type_int64(v, NULL, &i, &error_abort) && i == INT64_MIN);
    ck_assert(visit_type_int64(v, NULL, &i, &error_abort) && i == INT64_MAX);
    ck_assert(visit_type_uint64(v, NULL, &u, &error_abort) &&
              u == UINT64_MAX);
    ck_assert(visit_type_uint64(v, NULL, &u, &error_abort) &&
              u == 9223372036854775808ull);
    ck_assert(visit_type_int8(v, NULL, &s8, &error_abort) && s8 == -128);
    ck_assert(visit_type_uint8(v, NULL, &u8, &error_abort) && u8 == 255);
    ck_assert(visit_type_uint64(v, NULL, &u, &error_abort) && u == 0);
    ck_assert(visit_type_int64(v, NULL, &i, &error_abort) && i == 0);
    ck_assert(visit_check_list(v, &error_abort));
    visit_end_list(v, NULL);
    visit_free(v);
}
END_TEST

#define POINT_OK "{\"x\":1,\"y\":2}"
#define FLAT_OK "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0," \
    "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,\"str\":\"\"," \
    "\"num\":0}"

typedef struct InputCase {
    const char *json;
    VisitFn visit;
    const char *msg;
} InputCase;

static const InputCase input_cases[] = {
    /* wrong JSON types */
    { "[1,2]", VISIT_FN(TestPoint), "Invalid parameter type for "
      "'<top-level>', expected: object" },
    { "{\"x\":1,\"y\":\"2\"}", VISIT_FN(TestPoint),
      "Invalid parameter type for 'y', expected: integer" },
    { "{\"x\":1,\"y\":null}", VISIT_FN(TestPoint),
      "Invalid parameter type for 'y', expected: integer" },
    { "{}", VISIT_FN(TestNestedList),
      "Invalid parameter type for '<top-level>', expected: array" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":1,\"str\":\"\","
      "\"num\":0}", VISIT_FN(TestFlat),
      "Invalid parameter type for 'flag', expected: boolean" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,\"str\":5,"
      "\"num\":0}", VISIT_FN(TestFlat),
      "Invalid parameter type for 'str', expected: string" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,\"str\":\"\","
      "\"num\":\"1\"}", VISIT_FN(TestFlat),
      "Invalid parameter type for 'num', expected: number" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,\"str\":\"\","
      "\"num\":1e400}", VISIT_FN(TestFlat),
      "Parameter 'num' is out of range for a double" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":0,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,"
      "\"str\":\"a\\u0000b\",\"num\":0}", VISIT_FN(TestFlat),
      "Parameter 'str' expects a string without NUL characters" },
    { "{\"i8\":0,\"i16\":0,\"i32\":0,\"i64\":0,\"u8\":0,\"u16\":65536,"
      "\"u32\":0,\"u64\":0,\"integer\":0,\"sz\":0,\"flag\":true,\"str\":\"\","
      "\"num\":0}", VISIT_FN(TestFlat), "Parameter 'u16' expects uint16_t" },
    /* missing and extra members, with full paths */
    { "{\"x\":1}", VISIT_FN(TestPoint), "Parameter 'y' is missing" },
    { "{\"x\":1,\"y\":2,\"z\":3}", VISIT_FN(TestPoint),
      "Parameter 'z' is unexpected" },
    { "[{\"name\":\"a\",\"id\":1,\"inner\":" FLAT_OK ",\"kind\":\"one\"},"
      "{\"name\":\"b\",\"id\":2,\"inner\":{\"i8\":0},\"kind\":\"one\"}]",
      VISIT_FN(TestNestedList), "Parameter '[1].inner.i16' is missing" },
    { "[{\"name\":\"a\",\"id\":1,\"inner\":" FLAT_OK ",\"kind\":\"one\","
      "\"tags\":[\"t\",7]}]", VISIT_FN(TestNestedList),
      "Invalid parameter type for '[0].tags[1]', expected: string" },
    { "[{\"name\":\"a\",\"id\":1,\"inner\":" FLAT_OK ",\"kind\":\"one\","
      "\"extra\":" FLAT_OK ",\"bogus\":{}}]", VISIT_FN(TestNestedList),
      "Parameter '[0].bogus' is unexpected" },
    { "{\"name\":\"a\",\"id\":1,\"inner\":" FLAT_OK ",\"kind\":\"five\"}",
      VISIT_FN(TestNested), "Parameter 'kind' does not accept value 'five'" },
    { "{\"name\":\"a\",\"id\":1,\"count\":-1,\"inner\":" FLAT_OK
      ",\"kind\":\"one\"}", VISIT_FN(TestNested), "Parameter 'count' expects" },
    /* alternates */
    { "true", VISIT_FN(TestAlternate),
      "Invalid parameter type for 'null', expected: TestAlternate" },
    { "[]", VISIT_FN(TestAlternate),
      "Invalid parameter type for 'null', expected: TestAlternate" },
    { "1.5", VISIT_FN(TestAlternate), "expects integer" },
    { "{\"x\":1}", VISIT_FN(TestAlternate), "Parameter 'y' is missing" },
    { "\"NaN\"", VISIT_FN(TestAltScalar),
      "Invalid parameter type for 'null', expected: TestAltScalar" },
    { "{}", VISIT_FN(TestAltScalar),
      "Invalid parameter type for 'null', expected: TestAltScalar" },
    /* byte strings */
    { "{\"data\":\"AAE*\"}", VISIT_FN(TestBytes),
      "Parameter 'data' expects base64 data: invalid character at offset 3" },
    { "{\"data\":\"AAE\"}", VISIT_FN(TestBytes),
      "Parameter 'data' expects base64 data: length is not a multiple of 4" },
    { "{\"data\":\"AB==\"}", VISIT_FN(TestBytes),
      "expects base64 data: non-zero padding bits at offset 1" },
    { "{\"data\":\"A===\"}", VISIT_FN(TestBytes),
      "expects base64 data: invalid character at offset 1" },
    { "{\"data\":\"=AAA\"}", VISIT_FN(TestBytes),
      "expects base64 data: invalid character at offset 0" },
    { "{\"data\":\"AA==AAAA\"}", VISIT_FN(TestBytes),
      "expects base64 data: invalid character at offset 2" },
    { "{\"data\":\"AA AA\"}", VISIT_FN(TestBytes), "expects base64 data" },
    { "{\"data\":[1]}", VISIT_FN(TestBytes),
      "Invalid parameter type for 'data', expected: string" },
    { "{\"b1\":\"AAAAAAAAAAA=\",\"b2\":\"\",\"b4\":\"\",\"b8\":\"\"}",
      VISIT_FN(TestSizedBuffers), "Parameter 'b1' expects 7 bytes, got 8" },
    { "{\"b1\":\"AAAAAAAAAA==\",\"b2\":\"\",\"b4\":\"\",\"b8\":\"\"}",
      VISIT_FN(TestSizedBuffers), "Parameter 'b2' expects 14 bytes, got 0" },
    { "{\"b1\":\"AAAAAAAAA*==\",\"b2\":\"\",\"b4\":\"\",\"b8\":\"\"}",
      VISIT_FN(TestSizedBuffers), "invalid character at offset 9" },
};

START_TEST(test_input_errors)
{
    expect_input_error(input_cases[_i].json, input_cases[_i].visit,
                       input_cases[_i].msg);
}
END_TEST

/* An unvisited list tail is reported by visit_check_list(). */
START_TEST(test_input_list_tail)
{
    Visitor *v = json_input_visitor_new("{\"l\": [1, 2, 3]}", &error_abort);
    Error *err = NULL;
    int64_t i;

    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(visit_start_list(v, "l", NULL, 0, &error_abort));
    ck_assert(visit_type_int(v, NULL, &i, &error_abort) && i == 1);
    ck_assert(!visit_check_list(v, &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Only 1 list elements expected in l");
    error_free(err);
    visit_end_list(v, NULL);
    visit_end_struct(v, NULL);
    visit_free(v);
}
END_TEST

/* visit_free() with scopes still open, after a failure. */
START_TEST(test_input_free_mid_visit)
{
    Visitor *v = json_input_visitor_new(
        "{\"a\": [{\"b\": [1, \"x\"]}], \"s\": \"str\"}", &error_abort);
    Error *err = NULL;
    TestPoint *p = NULL;
    int64_t i;
    char *s = NULL;

    ck_assert(visit_start_struct(v, NULL, (void **)&p, sizeof(*p),
                                 &error_abort));
    ck_assert(visit_type_str(v, "s", &s, &error_abort));
    ck_assert(visit_start_list(v, "a", NULL, 0, &error_abort));
    ck_assert(visit_start_struct(v, NULL, NULL, 0, &error_abort));
    ck_assert(visit_start_list(v, "b", NULL, 0, &error_abort));
    ck_assert(visit_type_int(v, NULL, &i, &error_abort));
    ck_assert(!visit_type_int(v, NULL, &i, &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Invalid parameter type for 'a[0].b[1]', expected: "
                     "integer");
    error_free(err);
    visit_free(v);
    g_free(p);
    g_free(s);
}
END_TEST

/*** Malformed and hostile text ***/

typedef struct ParseCase {
    const char *json;
    const char *msg;
} ParseCase;

static const ParseCase parse_cases[] = {
    { "", "line 1, column 1 (byte offset 0): unexpected end of input" },
    { "   ", "unexpected end of input" },
    { "[1, 2", "line 1, column 6 (byte offset 5): unexpected end of input" },
    { "{\"a\": 1,\n  \"b\": x}", "line 2, column 8 (byte offset 16)" },
    { "{} x", "line 1, column 4" },
    { "{}{}", "line 1, column 3" },
    { "[1,2,]", "line 1, column 6" },
    { "{'a': 1}", "line 1, column 2" },
    { "[1] // comment", "line 1, column 5" },
    { "/* c */ 1", "line 1, column 1" },
    { "[NaN]", "line 1, column 2 (byte offset 1): invalid literal" },
    { "[1, Infinity]", "line 1, column 5 (byte offset 4): invalid literal" },
    { "-Infinity", "byte offset 1): invalid literal" },
    { "[True]", "line 1, column 2" },
    { "[01]", "line 1, column" },
    { "[0x10]", "line 1, column" },
    { "[+1]", "line 1, column 2" },
    { "[.5]", "line 1, column 2" },
    { "\"tab\tin string\"", "column 5 (byte offset 4): control character" },
    { "\"\xed\xa0\x80\"", "byte offset 1): invalid UTF-8" },
    { "[1, \"\xf4\x90\x80\x80\"]", "byte offset 5): invalid UTF-8" },
    { "\"\xff\"", "invalid UTF-8" },
    { "\"\xc0\xaf\"", "invalid UTF-8" },
    { "\"\xe2\x82\"", "invalid UTF-8" },
    { "[\"a\", \"\x80\"]", "line 1, column" },
    { "\"unterminated", "unexpected end of input" },
    { "\"\\ud800\"", "byte offset 1): lone UTF-16 surrogate" },
    { "\"ab\\udc00\\ud800\"", "byte offset 3): lone UTF-16 surrogate" },
    { "[\"\\ud83d\\u0041\"]", "byte offset 2): lone UTF-16 surrogate" },
    { "{\"\\ud83d\": 1}", "byte offset 2): lone UTF-16 surrogate" },
    { "\"bad escape \\q\"", "line 1, column" },
    { "[1e400, 18446744073709551616, \"x\" x]",
      "line 1, column 35 (byte offset 34)" },
};

START_TEST(test_parse_errors)
{
    expect_parse_error(parse_cases[_i].json, parse_cases[_i].msg);
}
END_TEST

static char *nested_text(size_t depth, const char *open, const char *close,
                         bool closed)
{
    GString *s = g_string_new(NULL);

    for (size_t i = 0; i < depth; i++) {
        g_string_append(s, open);
    }
    g_string_append(s, "1");
    for (size_t i = 0; closed && i < depth; i++) {
        g_string_append(s, close);
    }
    return g_string_free(s, FALSE);
}

START_TEST(test_hostile_nesting)
{
    char *deep = nested_text(100000, "[", "]", true);
    char *deep_obj = nested_text(100000, "{\"a\":", "}", true);
    char *truncated = nested_text(100000, "[", "]", false);
    char *limit = nested_text(JSON_INPUT_MAX_DEPTH - 1, "[", "]", true);
    char *over = nested_text(JSON_INPUT_MAX_DEPTH + 1, "[", "]", true);
    Visitor *v;

    expect_parse_error(deep, "nesting too deep");
    expect_parse_error(deep_obj, "nesting too deep");
    expect_parse_error(truncated, "nesting too deep");
    expect_parse_error(over, "nesting too deep");
    v = json_input_visitor_new(limit, &error_abort);
    visit_free(v);
    g_free(deep);
    g_free(deep_obj);
    g_free(truncated);
    g_free(limit);
    g_free(over);
}
END_TEST

START_TEST(test_hostile_numbers)
{
    GString *huge = g_string_new("[");
    Visitor *v;
    Error *err = NULL;
    int64_t i;
    double d;

    for (int k = 0; k < 1000000; k++) {
        g_string_append_c(huge, '9');
    }
    g_string_append(huge, ", -");
    for (int k = 0; k < 1000000; k++) {
        g_string_append_c(huge, '9');
    }
    g_string_append(huge, ", 1e999999999, 1e-999999999]");

    v = json_input_visitor_new(huge->str, &error_abort);
    ck_assert(visit_start_list(v, NULL, NULL, 0, &error_abort));
    ck_assert(!visit_type_int64(v, NULL, &i, &err));
    ck_assert_str_eq(error_get_pretty(err), "Parameter '[0]' expects integer");
    error_free(err);
    err = NULL;
    ck_assert(!visit_type_number(v, NULL, &d, &err));
    ck_assert(strstr(error_get_pretty(err), "out of range"));
    error_free(err);
    err = NULL;
    ck_assert(!visit_type_number(v, NULL, &d, &err));
    error_free(err);
    ck_assert(visit_type_number(v, NULL, &d, &error_abort) && d == 0);
    visit_end_list(v, NULL);
    visit_free(v);
    g_string_free(huge, TRUE);
}
END_TEST

/* A 1 MiB base64 string of garbage: rejected, bounded memory. */
START_TEST(test_hostile_bytes)
{
    GString *s = g_string_new("{\"data\":\"");
    TestBytes *b = NULL;
    Error *err = NULL;
    Visitor *v;

    for (int k = 0; k < (1 << 20); k++) {
        g_string_append_c(s, k == (1 << 20) - 3 ? '.' : 'A');
    }
    g_string_append(s, "\"}");
    v = json_input_visitor_new(s->str, &error_abort);
    ck_assert(!visit_type_TestBytes(v, NULL, &b, &err));
    ck_assert(b == NULL);
    ck_assert(strstr(error_get_pretty(err), "at offset 1048573"));
    error_free(err);
    visit_free(v);
    g_string_free(s, TRUE);
}
END_TEST

/*
 * Random mutations of a valid document, decoded as TestNestedList: any
 * outcome but a crash, a leak or an inconsistent result is fine.
 */
START_TEST(test_hostile_mutations)
{
    TestNestedList *list = NULL, **tail = &list;
    char *text;
    size_t len;
    GRand *rand = g_rand_new_with_seed(20261126);
    static const char alphabet[] = "{}[]\",:0123456789-+.eE \\/truefalsn\x80"
        "\xff\xc3\xa9u";

    for (int i = 0; i < 4; i++) {
        QAPI_LIST_APPEND(tail, test_nested_new(i, i % 2));
    }
    text = to_json(VISIT_FN(TestNestedList), list, false);
    len = strlen(text);
    for (int iter = 0; iter < 3000; iter++) {
        char *m = g_strdup(text);
        int edits = g_rand_int_range(rand, 1, 4);
        Error *err = NULL;
        TestNestedList *out = NULL;
        Visitor *v;

        for (int e = 0; e < edits; e++) {
            size_t at = g_rand_int_range(rand, 0, (gint32)len);

            switch (g_rand_int_range(rand, 0, 3)) {
            case 0:     /* replace a byte */
                m[at] = alphabet[g_rand_int_range(rand, 0,
                                                  sizeof(alphabet) - 1)];
                break;
            case 1:     /* truncate */
                m[at] = '\0';
                break;
            default:    /* delete a byte */
                memmove(m + at, m + at + 1, strlen(m + at));
                break;
            }
        }
        v = json_input_visitor_new(m, &err);
        if (v) {
            bool ok = visit_type_TestNestedList(v, NULL, &out, &err);

            ck_assert(ok == !err);
            ck_assert(ok || !out);
            visit_free(v);
        } else {
            ck_assert(err);
        }
        error_free(err);
        qapi_free_TestNestedList(out);
        g_free(m);
    }
    g_rand_free(rand);
    g_free(text);
    qapi_free_TestNestedList(list);
}
END_TEST

static Suite *json_suite(void)
{
    Suite *s = suite_create("json-visitors");
    TCase *tc;

    tc = tcase_create("output");
    tcase_add_test(tc, test_output_point);
    tcase_add_test(tc, test_output_nested);
    tcase_add_test(tc, test_output_numbers);
    tcase_add_test(tc, test_output_strings);
    tcase_add_test(tc, test_output_misc);
    tcase_add_test(tc, test_output_free_early);
    suite_add_tcase(s, tc);

    tc = tcase_create("input");
    tcase_add_test(tc, test_input_order_and_optional);
    tcase_add_test(tc, test_input_numbers);
    tcase_add_test(tc, test_input_virtual_walk);
    tcase_add_loop_test(tc, test_input_int_range, 0,
                        G_N_ELEMENTS(int_cases));
    tcase_add_test(tc, test_input_int_edges);
    tcase_add_loop_test(tc, test_input_errors, 0, G_N_ELEMENTS(input_cases));
    tcase_add_test(tc, test_input_list_tail);
    tcase_add_test(tc, test_input_free_mid_visit);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_loop_test(tc, test_parse_errors, 0, G_N_ELEMENTS(parse_cases));
    tcase_add_test(tc, test_hostile_nesting);
    tcase_add_test(tc, test_hostile_numbers);
    tcase_add_test(tc, test_hostile_bytes);
    tcase_add_test(tc, test_hostile_mutations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(json_suite());
}
