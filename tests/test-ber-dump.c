/*
 * tests/test-ber-dump.c: the inspector behind ber-dump (visitors/ber-inspect.h).
 *
 * Library-level checks: the compliance suite outcomes in BER and DER,
 * the hostile-input checklist of notes/x690.md (depth, truncation at
 * every offset, absurd lengths, EOC faults, tag forms, a million
 * elements), the canonical-form rules (SET order, CER fragments), value
 * rendering (hex for big values, escaping) and the JSON the tool prints,
 * parsed back with json-c.
 */
#include "config.h"

#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>

#include "qapi/error.h"
#include "tests/check-main.h"
#include "visitors/ber-inspect.h"

#define N_ELEMENTS(a) (sizeof(a) / sizeof((a)[0]))

/* What one walk produced. */
typedef struct Result {
    BERInspectSummary sum;
    bool big;                   /* some value or tag shown in hex */
    bool encapsulates;
    char codes[1024];           /* diagnostic codes, space separated */
    char where[1024];           /* the same as code@offset */
    char values[4096];          /* rendered primitive values, '|' separated */
    uint32_t max_end_depth;
} Result;

static void add_codes(Result *r, const BERInspectElement *e)
{
    size_t i;

    for (i = 0; i < e->diagnostic_count; i++) {
        size_t l = strlen(r->codes);

        snprintf(r->codes + l, sizeof(r->codes) - l, "%s ",
                 e->diagnostics[i].code);
        l = strlen(r->where);
        snprintf(r->where + l, sizeof(r->where) - l, "%s@%llu ",
                 e->diagnostics[i].code,
                 (unsigned long long)e->diagnostics[i].offset);
    }
}

static bool cb_begin(void *opaque, const BERInspectElement *e)
{
    Result *r = opaque;
    BERText t = { 0 };
    unsigned flags = ber_text_value(e, &t, 0, false, NULL);
    size_t l = strlen(r->values);

    if ((flags & BER_VALUE_BIG) || e->tag_too_large) {
        r->big = true;
    }
    if (e->encapsulates) {
        r->encapsulates = true;
    }
    if (!e->constructed && !e->end_of_contents) {
        snprintf(r->values + l, sizeof(r->values) - l, "%s|",
                 t.data ? t.data : "");
    }
    ber_text_free(&t);
    add_codes(r, e);
    return true;
}

static bool cb_end(void *opaque, const BERInspectElement *e)
{
    add_codes(opaque, e);
    return true;
}

static bool cb_stream(void *opaque, const BERInspectDiagnostic *d)
{
    Result *r = opaque;
    size_t l = strlen(r->codes);

    snprintf(r->codes + l, sizeof(r->codes) - l, "%s ", d->code);
    return true;
}

static const BERInspectCallbacks callbacks = { cb_begin, cb_end, cb_stream };

static Result inspect(const uint8_t *data, size_t len, BERMode mode)
{
    Result r;
    BERInspectOptions o;

    memset(&r, 0, sizeof(r));
    ber_inspect_options_init(&o);
    o.mode = mode;
    ck_assert(ber_inspect(data, len, &o, &callbacks, &r, &r.sum));
    return r;
}

/* Inspect the bytes given as hex text. */
static Result inspect_hex(const char *hex, BERMode mode)
{
    uint8_t buf[512];
    size_t n = 0;
    Result r;

    while (*hex) {
        unsigned v;

        if (*hex == ' ') {
            hex++;
            continue;
        }
        ck_assert(sscanf(hex, "%2x", &v) == 1);
        ck_assert(n < sizeof(buf));
        buf[n++] = (uint8_t)v;
        hex += 2;
    }
    r = inspect(buf, n, mode);
    return r;
}

/* The compliance suite travels with the tree (tests/data/compli). */
static char *shared_dir(void)
{
    const char *top = getenv("top_srcdir");
    char *p;

    if (asprintf(&p, "%s/tests/data/compli", top ? top : ".") < 0) {
        abort();
    }
    return p;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (!f) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc(n > 0 ? (size_t)n : 1);
    ck_assert(buf);
    ck_assert(fread(buf, 1, (size_t)n, f) == (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* ---- the compliance suite ---------------------------------------------- */

START_TEST(test_compliance_suite)
{
    char *dir = shared_dir();
    char *tsv;
    FILE *f;
    char line[512];
    int cases = 0;

    if (asprintf(&tsv, "%s/EXPECTED.tsv", dir) < 0) {
        abort();
    }
    f = fopen(tsv, "r");
    ck_assert_msg(f, "%s not found", tsv);
    while (fgets(line, sizeof(line), f)) {
        char name[32], type[64], expected[32];
        char *fields[8];
        int nf = 0;
        char *save = NULL;
        char *tok;
        char *path;
        uint8_t *data;
        size_t len;
        Result ber, der;

        if (line[0] == '#' || !strncmp(line, "case", 4)) {
            continue;
        }
        line[strcspn(line, "\n")] = 0;
        for (tok = strtok_r(line, "\t", &save); tok && nf < 8;
             tok = strtok_r(NULL, "\t", &save)) {
            fields[nf++] = tok;
        }
        ck_assert_int_ge(nf, 4);
        snprintf(name, sizeof(name), "%s", fields[0]);
        snprintf(type, sizeof(type), "%s", fields[1]);
        snprintf(expected, sizeof(expected), "%s", fields[nf - 1]);
        if (asprintf(&path, "%s/%s.ber", dir, name) < 0) {
            abort();
        }
        data = read_file(path, &len);
        ck_assert_msg(data != NULL, "cannot read %s", path);
        ber = inspect(data, len, BER_MODE_BER);
        der = inspect(data, len, BER_MODE_DER);
        if (!strcmp(expected, "ok")) {
            ck_assert_msg(ber.sum.errors == 0 && ber.sum.warnings == 0,
                          "%s: expected no diagnostic, got %s", name, ber.codes);
        } else if (!strcmp(expected, "warning")) {
            ck_assert_msg(ber.sum.errors == 0 && ber.sum.warnings > 0,
                          "%s: expected a BER warning, got '%s'", name, ber.codes);
            ck_assert_msg(der.sum.errors > 0, "%s: expected a DER error", name);
        } else if (!strcmp(expected, "error")) {
            ck_assert_msg(ber.sum.errors > 0, "%s: expected an error", name);
            ck_assert_msg(der.sum.errors > 0, "%s: expected a DER error", name);
        } else if (!strcmp(expected, "hex")) {
            ck_assert_msg(ber.big, "%s: expected a value shown in hex (%s)",
                          name, ber.values);
            ck_assert_msg(ber.sum.errors == 0, "%s: unexpected %s", name,
                          ber.codes);
        } else if (!strcmp(expected, "warning|error")) {
            ck_assert_msg(ber.sum.errors + ber.sum.warnings > 0,
                          "%s: expected a diagnostic", name);
            ck_assert_msg(der.sum.errors > 0, "%s: expected a DER error", name);
        } else {
            ck_abort_msg("%s: unknown expectation %s", name, expected);
        }
        cases++;
        free(data);
        free(path);
    }
    fclose(f);
    ck_assert_int_eq(cases, 48);
    free(tsv);
    free(dir);
}
END_TEST

/* ---- hostile inputs ------------------------------------------------------ */

START_TEST(test_deep_indefinite)
{
    size_t levels = 100000;
    uint8_t *buf = malloc(levels * 4);
    Result r;
    size_t i;

    for (i = 0; i < levels; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = 0x80;
    }
    memset(buf + 2 * levels, 0, 2 * levels);
    r = inspect(buf, levels * 4, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors, 0);
    ck_assert_uint_eq(r.sum.max_depth, levels);      /* the EOCs are one deeper */
    ck_assert_uint_eq(r.sum.elements, 2 * levels);
    /* DER: every indefinite length is an error, and it still finishes */
    r = inspect(buf, levels * 4, BER_MODE_DER);
    ck_assert_uint_ge(r.sum.errors, levels);
    /* without the EOCs: missing end-of-contents, reported once */
    r = inspect(buf, levels * 2, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors, 1);
    ck_assert_ptr_nonnull(strstr(r.codes, "eoc-missing"));
    /* constructed OCTET STRINGs nested 100,000 deep */
    for (i = 0; i < levels; i++) {
        buf[2 * i] = 0x24;
    }
    r = inspect(buf, levels * 4, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors, 0);
    free(buf);
}
END_TEST

START_TEST(test_deep_definite)
{
    size_t levels = 100000;
    size_t cap = levels * 6 + 2;
    uint8_t *buf = malloc(cap);
    size_t start = cap - 2;
    size_t i;
    Result r;

    /* build inside out: 30 00, then wrap with minimal headers */
    buf[start] = 0x30;
    buf[start + 1] = 0x00;
    for (i = 1; i < levels; i++) {
        size_t content = cap - start;
        uint8_t hdr[1 + BER_LENGTH_MAX];
        size_t hl;

        hdr[0] = 0x30;
        hl = 1 + ber_encode_length(hdr + 1, content);
        start -= hl;
        memcpy(buf + start, hdr, hl);
    }
    r = inspect(buf + start, cap - start, BER_MODE_DER);
    ck_assert_uint_eq(r.sum.errors, 0);
    ck_assert_uint_eq(r.sum.warnings, 0);
    ck_assert_uint_eq(r.sum.max_depth, levels - 1);
    free(buf);
}
END_TEST

/* A DER value using most types, for truncation at every offset. */
static const char sample_hex[] =
    "30 5A 02 01 05 02 09 00 FF FF FF FF FF FF FF FF 01 01 FF 05 00"
    " 06 03 55 04 03 0C 05 68 65 6C 6C 6F 13 02 44 45 17 0D 32 36 31 31"
    " 32 36 31 38 35 36 30 39 5A 03 03 06 40 00 04 05 30 03 02 01 07"
    " 09 03 80 00 01 0A 01 02 A0 03 02 01 01 31 06 02 01 01 02 01 02"
    " 1F 81 00 01 00 30 00";

static size_t parse_hex(const char *hex, uint8_t *buf, size_t cap)
{
    size_t n = 0;

    while (*hex) {
        unsigned v;

        if (*hex == ' ') {
            hex++;
            continue;
        }
        ck_assert(sscanf(hex, "%2x", &v) == 1);
        ck_assert(n < cap);
        buf[n++] = (uint8_t)v;
        hex += 2;
    }
    return n;
}

START_TEST(test_truncation_everywhere)
{
    uint8_t buf[256];
    size_t n = parse_hex(sample_hex, buf, sizeof(buf));
    size_t cut;
    Result r = inspect(buf, n, BER_MODE_DER);

    ck_assert_msg(r.sum.errors == 0 && r.sum.warnings == 0, "sample: %s",
                  r.codes);
    ck_assert_uint_eq(r.sum.top_level, 1);
    for (cut = 1; cut < n; cut++) {
        uint8_t *copy = malloc(cut);    /* exact size: ASan sees any overread */

        memcpy(copy, buf, cut);
        r = inspect(copy, cut, BER_MODE_BER);
        ck_assert_msg(r.sum.errors > 0, "prefix of %zu octets accepted", cut);
        free(copy);
    }
}
END_TEST

START_TEST(test_absurd_lengths)
{
    static const char *const cases[] = {
        "04 84 80 00 00 00 01",                 /* 2^31 */
        "04 84 FF FF FF FF 01",                 /* 2^32 - 1 */
        "04 88 FF FF FF FF FF FF FF FF 01",     /* 2^64 - 1 */
        "04 89 01 00 00 00 00 00 00 00 00 01",  /* 2^64 */
        "04 FF 01",                             /* reserved */
        "30 88 7F FF FF FF FF FF FF FF 04 00",  /* past the end */
        "30 03 04 84 7F FF FF FF",              /* child past its parent */
        "30 80 04 05 01 02 00 00",              /* child swallows the EOC */
        "04 80 01 02 00 00",                    /* indefinite primitive */
        "80 80 00 00",
        "1F",                                   /* tag never finished */
        "1F 1E 00",                             /* high form below 31 */
        "1F 80 7F 00",                          /* tag starting 80 */
        "00 00",                                /* EOC at top level */
        "00 01 00",                             /* EOC with contents */
        "20 00",                                /* constructed EOC */
        "30 04 00 00 05 00",                    /* EOC in a definite value */
        "30 80 05 00",                          /* EOC missing at the end */
        "02 00",                                /* empty INTEGER */
        "02 02 00 7F", "02 02 FF 80",           /* non-minimal INTEGERs */
        "01 02 FF FF", "05 01 00",
        "09 02 C0 00",                          /* reserved REAL base */
        "0C 02 C0 AF",                          /* overlong UTF-8 */
        "0C 03 ED A0 80",                       /* surrogate */
        "0C 04 F4 90 80 80",                    /* beyond U+10FFFF */
        "22 03 05 00 00",                       /* wrong segment type */
        "30 00 FF",                             /* trailing garbage */
        "30 80 30 80 00 00",                    /* inner EOC only */
        "06 00", "06 02 2B 86",                 /* empty / unfinished OID */
        "01 81 01 FF 30 00",
        "9F FF FF FF FF FF FF FF FF FF 7F 80 00 00",   /* big tag, indefinite prim */
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Result r = inspect_hex(cases[i], BER_MODE_BER);
        Result d = inspect_hex(cases[i], BER_MODE_DER);

        ck_assert_msg(r.sum.errors + r.sum.warnings > 0, "%s: no diagnostic",
                      cases[i]);
        ck_assert_msg(d.sum.errors > 0, "%s: no DER error", cases[i]);
    }
}
END_TEST

START_TEST(test_million_elements)
{
    size_t count = 1000000;
    size_t len = 2 * count;
    uint8_t *buf = malloc(len + 6);
    Result r;

    buf[0] = 0x30;
    buf[1] = 0x84;
    buf[2] = (uint8_t)(len >> 24);
    buf[3] = (uint8_t)(len >> 16);
    buf[4] = (uint8_t)(len >> 8);
    buf[5] = (uint8_t)len;
    for (size_t i = 0; i < count; i++) {
        buf[6 + 2 * i] = 0x05;
        buf[7 + 2 * i] = 0x00;
    }
    r = inspect(buf, len + 6, BER_MODE_DER);
    /* 0x84 for a length that fits 3 octets is not minimal */
    ck_assert_uint_eq(r.sum.errors, 1);
    ck_assert_uint_eq(r.sum.elements, count + 1);
    r = inspect(buf, len + 6, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors, 0);
    ck_assert_uint_eq(r.sum.warnings, 1);
    free(buf);
}
END_TEST

/* ---- canonical-form rules ----------------------------------------------- */

START_TEST(test_set_order)
{
    Result r = inspect_hex("31 06 02 01 02 02 01 01", BER_MODE_DER);

    ck_assert_ptr_nonnull(strstr(r.codes, "set-order"));
    r = inspect_hex("31 06 02 01 02 02 01 01", BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors + r.sum.warnings, 0);
    r = inspect_hex("31 06 02 01 01 02 01 02", BER_MODE_DER);
    ck_assert_uint_eq(r.sum.errors, 0);
    /* SET of distinct tags: by tag, not by octets ([0] cons before [1] prim) */
    r = inspect_hex("31 07 A0 02 05 00 81 01 00", BER_MODE_DER);
    ck_assert_uint_eq(r.sum.errors, 0);
    r = inspect_hex("31 07 81 01 00 A0 02 05 00", BER_MODE_DER);
    ck_assert_uint_eq(r.sum.errors, 1);
}
END_TEST

static size_t cer_string(uint8_t *buf, const size_t *frags, size_t n)
{
    size_t pos = 0;
    size_t i;

    buf[pos++] = 0x24;
    buf[pos++] = 0x80;
    for (i = 0; i < n; i++) {
        buf[pos++] = 0x04;
        pos += ber_encode_length(buf + pos, frags[i]);
        memset(buf + pos, 0x41, frags[i]);
        pos += frags[i];
    }
    buf[pos++] = 0;
    buf[pos++] = 0;
    return pos;
}

START_TEST(test_cer_fragments)
{
    static uint8_t buf[4096];
    size_t good[] = { 1000, 500 };
    size_t bad[] = { 999, 501 };
    size_t small[] = { 10 };
    size_t empty_last[] = { 1000, 500, 0 };
    size_t long_last[] = { 1000, 1001 };
    size_t n;
    Result r;

    n = cer_string(buf, good, 2);
    r = inspect(buf, n, BER_MODE_CER);
    ck_assert_msg(r.sum.errors == 0, "%s", r.codes);
    n = cer_string(buf, bad, 2);
    r = inspect(buf, n, BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "cer-fragment"));
    r = inspect(buf, n, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors + r.sum.warnings, 0);
    /* an empty last fragment would be a second encoding of the value */
    n = cer_string(buf, empty_last, 3);
    r = inspect(buf, n, BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "cer-fragment"));
    r = inspect(buf, n, BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors + r.sum.warnings, 0);
    n = cer_string(buf, long_last, 2);
    r = inspect(buf, n, BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "cer-fragment"));
    n = cer_string(buf, small, 1);
    r = inspect(buf, n, BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "cer-constructed-string"));
    r = inspect(buf, n, BER_MODE_DER);
    ck_assert_ptr_nonnull(strstr(r.codes, "constructed-string"));
    /* primitive over 1000 octets */
    buf[0] = 0x04;
    n = 1 + ber_encode_length(buf + 1, 1500);
    memset(buf + n, 0, 1500);
    r = inspect(buf, n + 1500, BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "cer-primitive-string"));
    /* CER: constructed values must use the indefinite form */
    r = inspect_hex("30 03 02 01 01", BER_MODE_CER);
    ck_assert_ptr_nonnull(strstr(r.codes, "definite-in-cer"));
    r = inspect_hex("30 80 02 01 01 00 00", BER_MODE_CER);
    ck_assert_uint_eq(r.sum.errors, 0);
}
END_TEST

START_TEST(test_canonical_warnings)
{
    /* tolerated by BER, errors in DER */
    static const char *const cases[] = {
        "01 01 01",             /* BOOLEAN TRUE not FF */
        "04 81 01 41",          /* long form for a short length */
        "04 82 00 01 41",       /* leading zero length octet */
        "30 80 00 00",          /* indefinite (an error in DER only) */
        "18 0F 32 30 32 36 31 31 32 36 31 38 35 36 30 39 2E",
    };
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        Result b = inspect_hex(cases[i], BER_MODE_BER);
        Result d = inspect_hex(cases[i], BER_MODE_DER);

        if (i == 4) {
            ck_assert_uint_gt(b.sum.errors, 0);     /* "2026...09." is malformed */
            continue;
        }
        ck_assert_msg(b.sum.errors == 0, "%s: %s", cases[i], b.codes);
        if (i != 3) {
            ck_assert_msg(b.sum.warnings > 0, "%s: no warning", cases[i]);
        }
        ck_assert_msg(d.sum.errors > 0, "%s: no DER error", cases[i]);
    }
}
END_TEST

/* ---- values -------------------------------------------------------------- */

static void assert_value(const char *hex, const char *expected)
{
    Result r = inspect_hex(hex, BER_MODE_BER);

    ck_assert_msg(strstr(r.values, expected) != NULL, "%s: got '%s', want '%s'",
                  hex, r.values, expected);
}

START_TEST(test_values)
{
    assert_value("02 09 00 FF FF FF FF FF FF FF FF", "18446744073709551615|");
    assert_value("02 08 80 00 00 00 00 00 00 00", "-9223372036854775808|");
    assert_value("02 01 80", "-128|");
    assert_value("02 0A 01 00 00 00 00 00 00 00 00 00", "0x01000000000000000000|");
    assert_value("0A 01 03", "3|");
    assert_value("01 01 FF", "TRUE|");
    assert_value("01 01 00", "FALSE|");
    assert_value("09 00", "0|");
    assert_value("09 01 40", "+inf|");
    assert_value("09 01 41", "-inf|");
    assert_value("09 01 42", "NaN|");
    assert_value("09 01 43", "-0|");
    assert_value("09 03 80 00 03", "3|");
    assert_value("09 03 80 FF 01", "0.5|");
    assert_value("09 03 C0 00 01", "-1|");
    assert_value("06 03 55 04 03", "2.5.4.3 (commonName)|");
    assert_value("06 09 2A 86 48 86 F7 0D 01 01 0B",
                 "1.2.840.113549.1.1.11 (sha256WithRSAEncryption)|");
    assert_value("0D 02 81 00", "128|");
    assert_value("03 03 05 A0 00", "'10100000000'B|");
    assert_value("03 01 00", "''B|");
    assert_value("03 06 04 01 02 03 04 F0", "01020304F0 (4 unused bits)|");
    assert_value("04 03 01 02 03", "010203|");
    assert_value("0C 05 68 C3 A9 6C 6F", "\"h\xC3\xA9lo\"|");
    assert_value("1E 04 00 48 00 69", "\"Hi\"|");
    assert_value("1C 04 00 01 F6 00", "\"\xF0\x9F\x98\x80\"|");
    assert_value("17 0D 32 36 31 31 32 36 31 38 35 36 30 39 5A",
                 "\"261126185609Z\" (2026-11-26 18:56:09 UTC)|");
    assert_value("18 11 32 30 32 36 31 32 30 31 30 38 30 32 35 35 2E 35 5A",
                 "(2026-12-01 08:02:55.5 UTC)|");
    assert_value("18 11 31 39 39 39 31 32 33 31 32 33 35 39 2B 30 35 33 30",
                 "(1999-12-31 23:59 +05:30)|");
    assert_value("18 0A 32 30 32 36 31 32 30 31 30 38", "(2026-12-01 08 local time)|");
    assert_value("80 03 61 62 63", "\"abc\"|");
}
END_TEST

START_TEST(test_escaping)
{
    /* ESC [ 2 J, a C1 control, a bidi override and invalid UTF-8 */
    Result r = inspect_hex("0C 0B 1B 5B 32 4A C2 9B E2 80 AE C0 AF", BER_MODE_BER);

    ck_assert_ptr_null(strchr(r.values, 0x1b));
    ck_assert_ptr_nonnull(strstr(r.values, "\\x1B[2J"));
    ck_assert_ptr_nonnull(strstr(r.values, "\\u009B"));
    ck_assert_ptr_nonnull(strstr(r.values, "\\u202E"));
    ck_assert_ptr_nonnull(strstr(r.values, "\\xC0\\xAF"));
    ck_assert_ptr_nonnull(strstr(r.codes, "utf8"));
    r = inspect_hex("16 03 07 0A 9B", BER_MODE_BER);
    ck_assert_ptr_nonnull(strstr(r.values, "\\x07\\n\\x9B"));
}
END_TEST

START_TEST(test_encapsulation)
{
    Result r = inspect_hex("04 05 30 03 02 01 05", BER_MODE_DER);
    BERInspectOptions o;
    uint8_t buf[] = { 0x04, 0x05, 0x30, 0x03, 0x02, 0x01, 0x05 };
    Result off;

    ck_assert(r.encapsulates);
    ck_assert_uint_eq(r.sum.elements, 3);
    ck_assert_ptr_nonnull(strstr(r.values, "5|"));
    r = inspect_hex("03 06 00 30 03 02 01 05", BER_MODE_DER);
    ck_assert(r.encapsulates);
    r = inspect_hex("04 02 41 42", BER_MODE_DER);
    ck_assert(!r.encapsulates);
    /* invalid inside: not a subtree, and no diagnostic leaks out */
    r = inspect_hex("04 04 02 02 00 01", BER_MODE_DER);
    ck_assert(!r.encapsulates);
    ck_assert_uint_eq(r.sum.errors + r.sum.warnings, 0);
    memset(&off, 0, sizeof(off));
    ber_inspect_options_init(&o);
    o.encapsulation = false;
    ck_assert(ber_inspect(buf, sizeof(buf), &o, &callbacks, &off, &off.sum));
    ck_assert(!off.encapsulates);
    ck_assert_uint_eq(off.sum.elements, 1);
    /* OCTET STRINGs nested deeper than the probe bound still terminate */
    {
        size_t levels = 5000;
        uint8_t *deep = malloc(levels * 6 + 2);
        size_t start = levels * 6;

        deep[start] = 0x05;
        deep[start + 1] = 0x00;
        for (size_t i = 0; i < levels; i++) {
            size_t content = levels * 6 + 2 - start;
            uint8_t hdr[1 + BER_LENGTH_MAX];
            size_t hl;

            hdr[0] = 0x04;
            hl = 1 + ber_encode_length(hdr + 1, content);
            start -= hl;
            memcpy(deep + start, hdr, hl);
        }
        r = inspect(deep + start, levels * 6 + 2 - start, BER_MODE_DER);
        ck_assert_uint_eq(r.sum.errors, 0);
        free(deep);
    }
}
END_TEST

static bool stop_at_second(void *opaque, const BERInspectElement *e)
{
    int *count = opaque;

    return ++*count < 2;
}

START_TEST(test_stop_and_offsets)
{
    uint8_t buf[] = { 0x30, 0x06, 0x05, 0x00, 0x05, 0x00, 0x05, 0x00 };
    BERInspectCallbacks cb = { stop_at_second, NULL, NULL };
    BERInspectSummary sum;
    BERInspectOptions o;
    int count = 0;
    Result r;

    ck_assert(ber_inspect(buf, sizeof(buf), NULL, &cb, &count, &sum));
    ck_assert(sum.stopped);
    ck_assert_int_eq(count, 2);
    /* base offset shows in diagnostics */
    ber_inspect_options_init(&o);
    o.base_offset = 1000;
    memset(&r, 0, sizeof(r));
    ck_assert(ber_inspect((const uint8_t *)"\x02\x00", 2, &o, &callbacks, &r,
                          &r.sum));
    ck_assert_uint_eq(r.sum.errors, 1);
    /* several top-level values; --single makes the second one an error */
    r = inspect_hex("05 00 05 00", BER_MODE_DER);
    ck_assert_uint_eq(r.sum.top_level, 2);
    ck_assert_uint_eq(r.sum.errors, 0);
    o.base_offset = 0;
    o.single = true;
    memset(&r, 0, sizeof(r));
    ck_assert(ber_inspect((const uint8_t *)"\x05\x00\x05\x00", 4, &o,
                          &callbacks, &r, &r.sum));
    ck_assert_ptr_nonnull(strstr(r.codes, "trailing-garbage"));
}
END_TEST

/* ---- the tool's JSON ------------------------------------------------------ */

static char *run_tool(const char *args, const char *input_hex, int *status)
{
    const char *top = getenv("top_builddir");
    char tmp[] = "/tmp/test-ber-dump-XXXXXX";
    int fd = mkstemp(tmp);
    uint8_t buf[512];
    size_t n = input_hex ? parse_hex(input_hex, buf, sizeof(buf)) : 0;
    char *cmd;
    FILE *p;
    char *out = NULL;
    size_t len = 0;
    size_t cap = 0;
    char chunk[4096];
    size_t k;

    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, buf, n) == (ssize_t)n);
    close(fd);
    if (asprintf(&cmd, "%s/tools/ber-dump %s %s 2>/dev/null",
                 top ? top : ".", args, tmp) < 0) {
        abort();
    }
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    while ((k = fread(chunk, 1, sizeof(chunk), p)) > 0) {
        if (len + k + 1 > cap) {
            cap = (len + k + 1) * 2;
            out = realloc(out, cap);
        }
        memcpy(out + len, chunk, k);
        len += k;
    }
    if (!out) {
        out = calloc(1, 1);
    }
    out[len] = 0;
    *status = WEXITSTATUS(pclose(p));
    unlink(tmp);
    free(cmd);
    return out;
}

START_TEST(test_tool_json)
{
    static const char *const inputs[] = {
        "30 0C 02 01 2A 0C 03 1B 22 5C 05 00 80 00",
        "0C 04 C0 AF FF 0A",
        "30 80 24 80 04 01 41 00 00 00 00",
        "04 05 30 03 02 01 05",
        "02 0A 01 00 00 00 00 00 00 00 00 00 FF",
        "1F FF FF FF FF FF FF FF FF FF 7F 01 40",
        "30 80 05 00",
        "00",
        "20 00 3F 00 00 30 80 20 80",  /* constructed EOCs: no end left open */
        "1E 04 D8 00 DB DB 1C 04 00 11 00 00",  /* lone surrogates, > U+10FFFF */
    };
    size_t i;

    for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        int status;
        char *out = run_tool("--json", inputs[i], &status);
        struct json_tokener *tok = json_tokener_new_ex(1000);
        json_object *doc = json_tokener_parse_ex(tok, out, (int)strlen(out));
        json_object *inputs_arr, *first, *elements;

        ck_assert_msg(doc != NULL, "invalid JSON for %s: %s", inputs[i], out);
        ck_assert(json_object_object_get_ex(doc, "inputs", &inputs_arr));
        first = json_object_array_get_idx(inputs_arr, 0);
        ck_assert(json_object_object_get_ex(first, "elements", &elements));
        if (i == 0) {
            json_object *seq = json_object_array_get_idx(elements, 0);
            json_object *children, *val, *name;

            ck_assert_int_eq(status, 0);
            ck_assert(json_object_object_get_ex(seq, "children", &children));
            ck_assert_int_eq(json_object_array_length(children), 4);
            val = json_object_object_get(json_object_array_get_idx(children, 0),
                                         "value");
            ck_assert_int_eq(json_object_get_int(val), 42);
            val = json_object_object_get(json_object_array_get_idx(children, 1),
                                         "value");
            ck_assert_str_eq(json_object_get_string(val), "\x1b\"\\");
            name = json_object_object_get(json_object_array_get_idx(children, 3),
                                          "name");
            ck_assert_str_eq(json_object_get_string(name), "[0]");
        } else if (i == 9) {
            ck_assert_int_eq(status, 1);    /* both are invalid strings */
        } else if (i >= 6) {
            ck_assert_int_eq(status, 1);
        }
        json_object_put(doc);
        json_tokener_free(tok);
        free(out);
    }
}
END_TEST

/* Assert @hex gives no error in @mode (warnings allowed unless @strict). */
static void assert_clean(const char *hex, BERMode mode)
{
    Result r = inspect_hex(hex, mode);

    ck_assert_msg(r.sum.errors == 0, "%s: %s", hex, r.codes);
}

/* Assert @hex gives an error with @code in @mode. */
static void assert_code(const char *hex, BERMode mode, const char *code)
{
    Result r = inspect_hex(hex, mode);

    ck_assert_msg(r.sum.errors > 0 && strstr(r.codes, code), "%s: '%s', "
                  "want %s", hex, r.codes, code);
}

/* @hex has an error with code@offset @where (e.g. "time-value@0"). */
static void assert_at(const char *hex, BERMode mode, const char *where)
{
    Result r = inspect_hex(hex, mode);

    ck_assert_msg(r.sum.errors > 0 && strstr(r.where, where), "%s: '%s', "
                  "want %s", hex, r.where, where);
}

/* Constructed strings: segments are OCTET STRINGs (X.690 8.23.5). */
START_TEST(test_string_segment_rules)
{
    assert_clean("2c 06 04 01 61 04 01 62", BER_MODE_BER);
    assert_code("2c 06 0c 01 61 0c 01 62", BER_MODE_BER, "segment-type");
    assert_clean("33 06 04 01 41 04 01 42", BER_MODE_BER);      /* Printable */
    assert_code("33 06 13 01 41 13 01 42", BER_MODE_BER, "segment-type");
    assert_clean("23 07 03 02 00 0f 03 01 00", BER_MODE_BER);   /* BIT STRING */
    assert_code("23 06 03 02 00 0f 04 00", BER_MODE_BER, "segment-type");
    /* nested: an OCTET STRING of OCTET STRINGs inside the UTF8String */
    assert_clean("2c 08 24 06 04 01 61 04 01 62", BER_MODE_BER);
    /* UTF-8 is checked on the joined value */
    assert_clean("2c 07 04 01 c3 04 02 a9 61", BER_MODE_BER);
    assert_code("2c 06 04 01 c3 04 01 41", BER_MODE_BER, "utf8");
    assert_code("2c 03 04 01 c3", BER_MODE_BER, "utf8");
    /* so are the repertoires and the BMPString units */
    assert_code("33 06 04 01 41 04 01 40", BER_MODE_BER, "charset");
    assert_clean("3e 06 04 01 00 04 01 41", BER_MODE_BER);
    assert_code("3e 05 04 03 00 41 00", BER_MODE_BER, "bmp-string");
    /* CER: the string form of our own output visitor (1001 octets) */
    {
        static uint8_t buf[1100];
        size_t n = 0;

        buf[n++] = 0x2c;
        buf[n++] = 0x80;
        buf[n++] = 0x04;
        n += ber_encode_length(buf + n, 1000);
        memset(buf + n, 'x', 1000);
        n += 1000;
        buf[n++] = 0x04;
        buf[n++] = 0x01;
        buf[n++] = 'y';
        buf[n++] = 0;
        buf[n++] = 0;
        ck_assert_uint_eq(inspect(buf, n, BER_MODE_CER).sum.errors, 0);
        buf[2] = 0x0c;
        ck_assert_ptr_nonnull(strstr(inspect(buf, n, BER_MODE_CER).codes,
                                     "segment-type"));
    }
}
END_TEST

/* Times: the calendar, not only the syntax. */
START_TEST(test_time_rules)
{
    static const char *const bad_gt[] = {
        "20261301080255Z", "20260230080255Z", "20261232080255Z",
        "20261201250255Z", "20261201086055Z", "20261201080299Z",
    };
    static const char *const bad_utc[] = {
        "261301080255Z", "260230080255Z", "261232080255Z",
        "261201250255Z", "261201086055Z", "261201080299Z",
    };
    char hex[128];
    size_t i, k;

    for (i = 0; i < N_ELEMENTS(bad_gt); i++) {
        for (k = 0; bad_gt[i][k]; k++) {
            snprintf(hex + 3 * k + 6, 4, "%02x ", (unsigned char)bad_gt[i][k]);
        }
        memcpy(hex, "18 0f ", 6);
        assert_code(hex, BER_MODE_DER, "time-value");
        assert_code(hex, BER_MODE_BER, "time-value");
    }
    for (i = 0; i < N_ELEMENTS(bad_utc); i++) {
        for (k = 0; bad_utc[i][k]; k++) {
            snprintf(hex + 3 * k + 6, 4, "%02x ", (unsigned char)bad_utc[i][k]);
        }
        memcpy(hex, "17 0d ", 6);
        assert_code(hex, BER_MODE_DER, "time-value");
    }
    /* "20261201080255Z", "20241229..." leap years, a real leap second */
    assert_clean("18 0f 32 30 32 36 31 32 30 31 30 38 30 32 35 35 5a",
                 BER_MODE_DER);
    assert_clean("18 0f 32 30 32 34 30 32 32 39 30 38 30 32 35 35 5a",
                 BER_MODE_DER);
    assert_code("18 0f 32 30 32 35 30 32 32 39 30 38 30 32 35 35 5a",
                BER_MODE_DER, "time-value");
    assert_clean("18 0f 32 30 31 36 31 32 33 31 32 33 35 39 36 30 5a",
                 BER_MODE_DER);
    assert_code("18 0f 32 30 31 36 31 32 33 31 32 33 35 38 36 30 5a",
                BER_MODE_DER, "time-value");
    assert_clean("17 0d 32 36 31 32 30 31 30 38 30 32 35 35 5a", BER_MODE_DER);
    /* a local time: BER yes, DER no */
    assert_clean("18 0e 32 30 32 36 31 32 30 31 30 38 30 32 35 35",
                 BER_MODE_BER);
    assert_code("18 0e 32 30 32 36 31 32 30 31 30 38 30 32 35 35",
                BER_MODE_DER, "time-form");
}
END_TEST

/*
 * A constructed time (legal in BER: the times are VisibleStrings, 8.23.5)
 * is checked on its joined value like a primitive one, the error at the
 * constructed element; DER and CER (at most 1000 octets) want it
 * primitive. The tree shows the joined value and its reading.
 */
START_TEST(test_constructed_time_rules)
{
    /* UTCTime "261126185609Z" as "261126" + "185609Z" */
    static const char utc[] =
        "37 11 04 06 32 36 31 31 32 36 04 07 31 38 35 36 30 39 5a";
    /* GeneralizedTime "20261201080255Z", nested and indefinite */
    static const char gt[] =
        "38 80 24 80 04 04 32 30 32 36 00 00 "
        "04 0b 31 32 30 31 30 38 30 32 35 35 5a 00 00";
    Result r;

    assert_clean(utc, BER_MODE_BER);
    assert_clean(gt, BER_MODE_BER);
    r = inspect_hex(utc, BER_MODE_BER);
    ck_assert_str_eq(r.values, "323631313236 \"261126\"|"
                     "3138353630395A \"185609Z\"|");
    /* month 13, split inside the month */
    assert_at("37 11 04 03 32 36 31 04 0a 33 32 36 31 38 35 36 30 39 5a",
              BER_MODE_BER, "time-value@0");
    /* GeneralizedTime month 13, one level down */
    assert_at("30 80 38 80 24 80 04 04 32 30 32 36 00 00 "
              "04 0b 31 33 30 31 30 38 30 32 35 35 5a 00 00 00 00",
              BER_MODE_BER, "time-value@2");
    /* "261126185609[": the syntax */
    assert_at("37 11 04 06 32 36 31 31 32 36 04 07 31 38 35 36 30 39 5b",
              BER_MODE_BER, "time-syntax@0");
    /* February 29 of 2025 split between the day's digits */
    assert_at("37 11 04 05 32 35 30 32 32 04 08 39 31 38 35 36 30 39 5a",
              BER_MODE_BER, "time-value@0");
    assert_clean("37 11 04 05 32 34 30 32 32 04 08 39 31 38 35 36 30 39 5a",
                 BER_MODE_BER);
    /* a leap second in UTCTime */
    assert_at("37 11 04 06 32 36 31 32 33 31 04 07 32 33 35 39 36 30 5a",
              BER_MODE_BER, "time-value@0");
    /* no seconds: BER warns (a canonical-form rule), no error */
    r = inspect_hex("37 0f 04 06 32 36 31 31 32 36 04 05 31 38 35 36 5a",
                    BER_MODE_BER);
    ck_assert_uint_eq(r.sum.errors, 0);
    ck_assert_ptr_nonnull(strstr(r.where, "time-form@0"));
    /* a segment of the wrong type: that error only, no time finding */
    r = inspect_hex("37 11 04 06 32 36 31 31 32 36 17 07 31 38 35 36 30 39 5a",
                    BER_MODE_BER);
    ck_assert_str_eq(r.where, "segment-type@10 ");
    /* DER: constructed at all; CER: constructed under 1000 octets */
    assert_at(utc, BER_MODE_DER, "constructed-string@0");
    assert_at("37 80 04 06 32 36 31 31 32 36 04 07 31 38 35 36 30 39 5a 00 00",
              BER_MODE_CER, "cer-constructed-string@0");
    assert_clean("17 0d 32 36 31 31 32 36 31 38 35 36 30 39 5a", BER_MODE_DER);
    assert_clean("17 0d 32 36 31 31 32 36 31 38 35 36 30 39 5a", BER_MODE_CER);
    /* an empty time at the very end of the data: no reading, no read
     * past it (found by fuzz-ber-dump; fails under the sanitizers) */
    {
        static const uint8_t empty[][5] = {
            { 0x17, 0x83, 0x00, 0x00, 0x00 }, { 0x18, 0x00 }, { 0x17, 0x01, '2' },
        };
        static const size_t lens[] = { 5, 2, 3 };
        size_t i;

        for (i = 0; i < N_ELEMENTS(empty); i++) {
            uint8_t *exact = malloc(lens[i]);

            ck_assert_ptr_nonnull(exact);
            memcpy(exact, empty[i], lens[i]);
            r = inspect(exact, lens[i], BER_MODE_BER);
            ck_assert_ptr_nonnull(strstr(r.codes, "time-syntax"));
            free(exact);
        }
    }
    /* the reading of the joined value */
    {
        uint8_t buf[32];
        size_t n = 0;
        BERText t = { 0 };
        BERInspectElement e;
        const char *p = utc;

        while (*p) {
            unsigned v;

            ck_assert(sscanf(p, "%2x", &v) == 1);
            buf[n++] = (uint8_t)v;
            p += p[2] ? 3 : 2;
        }
        memset(&e, 0, sizeof(e));
        e.tag_class = BER_CLASS_UNIVERSAL;
        e.constructed = true;
        e.tag = 23;
        e.header_length = 2;
        e.length = n - 2;
        e.content = buf + 2;
        e.content_available = n - 2;
        ber_text_value(&e, &t, 0, false, NULL);
        ck_assert_str_eq(t.data, "\"261126185609Z\" "
                         "(2026-11-26 18:56:09 UTC)");
        t.len = 0;
        buf[8] = '3';       /* month 13: no reading */
        ck_assert(!ber_text_constructed_time(&e, &t));
        ber_text_free(&t);
    }
}
END_TEST

/* keyUsage, a named bit list: no trailing 0 bits in CER/DER (11.2.2). */
START_TEST(test_named_bits_rule)
{
    /* digitalSignature, keyEncipherment (101, 5 unused bits) */
    assert_clean("30 0E 06 03 55 1D 0F 01 01 FF 04 04 03 02 05 A0",
                 BER_MODE_DER);
    /* Trustwave's keyCertSign, cRLSign as '001100000'B */
    assert_code("30 0F 06 03 55 1D 0F 01 01 FF 04 05 03 03 07 30 00",
                BER_MODE_DER, "bit-string-trailing-zero");
    assert_code("30 0C 06 03 55 1D 0F 04 05 03 03 07 30 00", BER_MODE_CER,
                "bit-string-trailing-zero");
    {
        Result r = inspect_hex("30 0C 06 03 55 1D 0F 04 05 03 03 07 30 00",
                               BER_MODE_BER);

        ck_assert_uint_eq(r.sum.errors, 0);
        ck_assert_ptr_nonnull(strstr(r.codes, "bit-string-trailing-zero"));
    }
    /* not a named bit list: the same bits under another OID are fine */
    assert_clean("30 0C 06 03 55 1D 0E 04 05 03 03 07 30 00", BER_MODE_DER);
    assert_clean("03 03 07 30 00", BER_MODE_DER);
}
END_TEST

/* OID names: the built-in table, and dumpasn1.cfg files over it. */
START_TEST(test_oid_names)
{
    static const char *const builtin[][2] = {
        { "1.2.840.113549.1.5.13", "pkcs5PBES2" },
        { "1.2.840.113549.1.5.12", "pkcs5PBKDF2" },
        { "1.2.840.113549.2.9", "hmacWithSHA256" },
        { "1.2.840.113549.1.7.3", "envelopedData" },
        { "1.2.840.113549.1.7.6", "encryptedData" },
        { "1.2.840.113549.1.12.10.1.2", "pkcs8ShroudedKeyBag" },
        { "2.5.29.20", "cRLNumber" },
        { "1.3.6.1.5.5.7.48.1.2", "ocspNonce" },
        { "1.2.840.113549.3.7", "des-ede3-cbc" },
        { "2.5.4.3", "commonName" },
    };
    char path[] = "/tmp/test-oid-XXXXXX";
    int fd = mkstemp(path);
    const char *cfg = "# a comment\nOID = 2 5 4 3\nComment = X.520\n"
                      "Description = cn\n\nOID = 06 03 2B 06 07\n"
                      "Description = old hex form\nOID = 1 3 9999\n";
    BEROidTable *t = ber_oid_table_new();
    Error *err = NULL;
    size_t i, count = 0;

    for (i = 0; i < N_ELEMENTS(builtin); i++) {
        ck_assert_str_eq(ber_oid_name(NULL, builtin[i][0]), builtin[i][1]);
        ck_assert_str_eq(ber_oid_name(t, builtin[i][0]), builtin[i][1]);
    }
    ck_assert_ptr_null(ber_oid_name(NULL, "1.3.9999"));
    ck_assert_uint_ge(ber_oid_builtin_size(), 100);
    ck_assert_int_ge(fd, 0);
    ck_assert(write(fd, cfg, strlen(cfg)) == (ssize_t)strlen(cfg));
    close(fd);
    ck_assert(ber_oid_table_load(t, path, &count, &err));
    ck_assert_uint_eq(count, 2);
    ck_assert_uint_eq(ber_oid_table_size(t), 2);
    ck_assert_str_eq(ber_oid_name(t, "2.5.4.3"), "cn");     /* files first */
    ck_assert_str_eq(ber_oid_name(t, "1.3.6.7"), "old hex form");
    ck_assert_str_eq(ber_oid_name(t, "2.5.4.6"), "countryName");
    /* a malformed OID line names the file and line */
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert(write(fd, "OID = 1 3\nOID = 2 x\n", 20) == 20);
    close(fd);
    ck_assert(!ber_oid_table_load(t, path, NULL, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), ":2: malformed OID"));
    error_free(err);
    err = NULL;
    unlink(path);
    ck_assert(!ber_oid_table_load(t, path, NULL, &err));
    error_free(err);
    ber_oid_table_free(t);
}
END_TEST

/* REAL in CER/DER: the 11.3.2 decimal form is canonical. */
START_TEST(test_real_decimal_rule)
{
    assert_clean("09 05 03 31 2E 45 31", BER_MODE_DER);          /* 1.E1 */
    assert_clean("09 06 03 31 2E 45 2B 30", BER_MODE_DER);       /* 1.E+0 */
    assert_clean("09 07 03 31 35 2E 45 2D 31", BER_MODE_CER);    /* 15.E-1 */
    assert_code("09 06 03 31 30 2E 45 31", BER_MODE_DER, "real-form");
    assert_code("09 06 03 31 2E 45 30 31", BER_MODE_DER, "real-form");
    assert_code("09 06 03 31 2E 45 2B 31", BER_MODE_DER, "real-form");
    assert_code("09 06 03 30 31 2E 45 31", BER_MODE_DER, "real-form");
    assert_clean("09 06 03 31 30 2E 45 31", BER_MODE_BER);       /* 10.E1 */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ber-dump");
    TCase *tc = tcase_create("inspect");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_compliance_suite);
    tcase_add_test(tc, test_deep_indefinite);
    tcase_add_test(tc, test_deep_definite);
    tcase_add_test(tc, test_truncation_everywhere);
    tcase_add_test(tc, test_absurd_lengths);
    tcase_add_test(tc, test_million_elements);
    tcase_add_test(tc, test_set_order);
    tcase_add_test(tc, test_cer_fragments);
    tcase_add_test(tc, test_canonical_warnings);
    tcase_add_test(tc, test_values);
    tcase_add_test(tc, test_escaping);
    tcase_add_test(tc, test_encapsulation);
    tcase_add_test(tc, test_stop_and_offsets);
    tcase_add_test(tc, test_tool_json);
    tcase_add_test(tc, test_string_segment_rules);
    tcase_add_test(tc, test_time_rules);
    tcase_add_test(tc, test_constructed_time_rules);
    tcase_add_test(tc, test_real_decimal_rule);
    tcase_add_test(tc, test_named_bits_rule);
    tcase_add_test(tc, test_oid_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(suite());
}
