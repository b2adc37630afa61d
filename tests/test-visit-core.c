/*
 * The visitor core, tested through a scripted visitor: integer width
 * checks, enum mapping, byte order of sized buffers, unsupported types,
 * compatibility policy, and the built-in lists with the dealloc and clone
 * visitors. No serialization format is involved.
 */
#include "config.h"

#include <assert.h>
#include <check.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "qvisit.h"
#include "qapi/visitor-impl.h"
#include "tests/check-main.h"

/*
 * A scripted visitor: as input it hands out the scalars queued in it, as
 * output it records what it is given.
 */
typedef struct ScriptVisitor {
    Visitor visitor;
    int64_t ints[8];
    uint64_t uints[8];
    const char *strs[8];
    GByteArray *bytes;       /* input: the next byte string; output: recorded */
    int n_int, n_uint, n_str;
    bool fixed_hook_used;
    GString *log;
} ScriptVisitor;

static ScriptVisitor *to_sv(Visitor *v)
{
    return (ScriptVisitor *)v;
}

static bool sv_type_int64(Visitor *v, const char *name, int64_t *obj,
                          Error **errp)
{
    ScriptVisitor *sv = to_sv(v);

    if (v->type == VISITOR_INPUT) {
        *obj = sv->ints[sv->n_int++];
    } else {
        g_string_append_printf(sv->log, "i%" PRId64 ";", *obj);
    }
    return true;
}

static bool sv_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                           Error **errp)
{
    ScriptVisitor *sv = to_sv(v);

    if (v->type == VISITOR_INPUT) {
        *obj = sv->uints[sv->n_uint++];
    } else {
        g_string_append_printf(sv->log, "u%" PRIu64 ";", *obj);
    }
    return true;
}

static bool sv_type_str(Visitor *v, const char *name, char **obj,
                        Error **errp)
{
    ScriptVisitor *sv = to_sv(v);

    if (v->type == VISITOR_INPUT) {
        *obj = g_strdup(sv->strs[sv->n_str++]);
    } else {
        g_string_append_printf(sv->log, "s%s;", *obj ? *obj : "");
    }
    return true;
}

static bool sv_type_bytes(Visitor *v, const char *name, uint8_t **buf,
                          size_t *len, Error **errp)
{
    ScriptVisitor *sv = to_sv(v);

    if (v->type == VISITOR_INPUT) {
        *len = sv->bytes->len;
        *buf = g_malloc(*len ? *len : 1);
        memcpy(*buf, sv->bytes->data, *len);
    } else {
        g_byte_array_append(sv->bytes, *buf, *len);
    }
    return true;
}

static bool sv_type_fixed_bytes(Visitor *v, const char *name, uint8_t *buf,
                                size_t len, Error **errp)
{
    ScriptVisitor *sv = to_sv(v);

    sv->fixed_hook_used = true;
    if (v->type == VISITOR_INPUT) {
        if (sv->bytes->len != len) {
            error_setg(errp, "Parameter '%s' expects %zu bytes", name, len);
            return false;
        }
        memcpy(buf, sv->bytes->data, len);
    } else {
        g_byte_array_append(sv->bytes, buf, len);
    }
    return true;
}

static void sv_free(Visitor *v)
{
    ScriptVisitor *sv = to_sv(v);

    g_string_free(sv->log, TRUE);
    g_byte_array_unref(sv->bytes);
    g_free(sv);
}

static ScriptVisitor *sv_new(VisitorType type, bool with_fixed_hook)
{
    ScriptVisitor *sv = g_new0(ScriptVisitor, 1);

    sv->visitor.type = type;
    sv->visitor.type_int64 = sv_type_int64;
    sv->visitor.type_uint64 = sv_type_uint64;
    sv->visitor.type_str = sv_type_str;
    sv->visitor.type_bytes = sv_type_bytes;
    if (with_fixed_hook) {
        sv->visitor.type_fixed_bytes = sv_type_fixed_bytes;
    }
    sv->visitor.free = sv_free;
    sv->log = g_string_new(NULL);
    sv->bytes = g_byte_array_new();
    return sv;
}

/* Expect an input failure with @message and the target left unchanged. */
#define CHECK_INPUT_FAILS(visit, ctype, message)                        \
    do {                                                                \
        ctype value = 5;                                                \
        Error *err = NULL;                                              \
        ck_assert(!visit(&sv->visitor, "x", &value, &err));             \
        ck_assert_ptr_nonnull(err);                                     \
        ck_assert_str_eq(error_get_pretty(err), message);               \
        ck_assert(value == 5);                                          \
        error_free(err);                                                \
    } while (0)

START_TEST(test_unsigned_widths_reject_overflow)
{
    ScriptVisitor *sv = sv_new(VISITOR_INPUT, false);
    uint8_t u8 = 0;
    uint16_t u16 = 0;
    uint32_t u32 = 0;

    sv->uints[0] = 256;
    sv->uints[1] = 65536;
    sv->uints[2] = UINT64_C(4294967296);
    sv->uints[3] = 255;
    sv->uints[4] = 65535;
    sv->uints[5] = UINT32_MAX;
    CHECK_INPUT_FAILS(visit_type_uint8, uint8_t, "Parameter 'x' expects uint8_t");
    CHECK_INPUT_FAILS(visit_type_uint16, uint16_t, "Parameter 'x' expects uint16_t");
    CHECK_INPUT_FAILS(visit_type_uint32, uint32_t, "Parameter 'x' expects uint32_t");
    ck_assert(visit_type_uint8(&sv->visitor, "x", &u8, &error_abort));
    ck_assert(visit_type_uint16(&sv->visitor, "x", &u16, &error_abort));
    ck_assert(visit_type_uint32(&sv->visitor, "x", &u32, &error_abort));
    ck_assert_uint_eq(u8, 255);
    ck_assert_uint_eq(u16, 65535);
    ck_assert_uint_eq(u32, UINT32_MAX);
    visit_free(&sv->visitor);
}
END_TEST

START_TEST(test_signed_widths_reject_overflow)
{
    ScriptVisitor *sv = sv_new(VISITOR_INPUT, false);
    int8_t i8 = 0;
    int16_t i16 = 0;
    int32_t i32 = 0;

    sv->ints[0] = 128;
    sv->ints[1] = -129;
    sv->ints[2] = 32768;
    sv->ints[3] = -32769;
    sv->ints[4] = INT64_C(2147483648);
    sv->ints[5] = INT64_C(-2147483649);
    sv->ints[6] = INT8_MIN;
    sv->ints[7] = INT32_MIN;
    CHECK_INPUT_FAILS(visit_type_int8, int8_t, "Parameter 'x' expects int8_t");
    CHECK_INPUT_FAILS(visit_type_int8, int8_t, "Parameter 'x' expects int8_t");
    CHECK_INPUT_FAILS(visit_type_int16, int16_t, "Parameter 'x' expects int16_t");
    CHECK_INPUT_FAILS(visit_type_int16, int16_t, "Parameter 'x' expects int16_t");
    CHECK_INPUT_FAILS(visit_type_int32, int32_t, "Parameter 'x' expects int32_t");
    CHECK_INPUT_FAILS(visit_type_int32, int32_t, "Parameter 'x' expects int32_t");
    ck_assert(visit_type_int8(&sv->visitor, "x", &i8, &error_abort));
    ck_assert(visit_type_int32(&sv->visitor, "x", &i32, &error_abort));
    ck_assert_int_eq(i8, INT8_MIN);
    ck_assert_int_eq(i32, INT32_MIN);
    (void)i16;
    visit_free(&sv->visitor);
}
END_TEST

START_TEST(test_null_name_reads_null)
{
    ScriptVisitor *sv = sv_new(VISITOR_INPUT, false);
    uint8_t u8 = 1;
    Error *err = NULL;

    sv->uints[0] = 300;
    ck_assert(!visit_type_uint8(&sv->visitor, NULL, &u8, &err));
    ck_assert_str_eq(error_get_pretty(err), "Parameter 'null' expects uint8_t");
    error_free(err);
    visit_free(&sv->visitor);
}
END_TEST

typedef enum Colour { COLOUR_RED, COLOUR_GREEN, COLOUR_OLD, COLOUR__MAX } Colour;
static const char *const colour_names[] = { "red", "green", "old" };
static const uint64_t colour_features[] = { 0, 0, 1u << QAPI_DEPRECATED };
static const QEnumLookup Colour_lookup = {
    .array = colour_names, .features = colour_features, .size = COLOUR__MAX,
};

START_TEST(test_enum_maps_through_strings)
{
    ScriptVisitor *out = sv_new(VISITOR_OUTPUT, false);
    ScriptVisitor *in = sv_new(VISITOR_INPUT, false);
    int value = COLOUR_GREEN;
    Error *err = NULL;

    ck_assert(visit_type_enum(&out->visitor, "c", &value, &Colour_lookup,
                              &error_abort));
    ck_assert_str_eq(out->log->str, "sgreen;");

    in->strs[0] = "red";
    in->strs[1] = "purple";
    in->strs[2] = "old";
    ck_assert(visit_type_enum(&in->visitor, "c", &value, &Colour_lookup,
                              &error_abort));
    ck_assert_int_eq(value, COLOUR_RED);
    ck_assert(!visit_type_enum(&in->visitor, "c", &value, &Colour_lookup,
                               &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Parameter 'c' does not accept value 'purple'");
    ck_assert_int_eq(value, COLOUR_RED);
    error_free(err);
    err = NULL;

    /* A deprecated value is refused once the policy says so. */
    visit_set_policy(&in->visitor, &(CompatPolicy) {
        .has_deprecated_input = true,
        .deprecated_input = COMPAT_POLICY_INPUT_REJECT,
    });
    ck_assert(!visit_type_enum(&in->visitor, "c", &value, &Colour_lookup,
                               &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Deprecated value old disabled by policy");
    error_free(err);
    visit_free(&out->visitor);
    visit_free(&in->visitor);
}
END_TEST

START_TEST(test_policy_helpers_follow_compat_policy)
{
    ScriptVisitor *sv = sv_new(VISITOR_INPUT, false);
    Error *err = NULL;
    uint64_t deprecated = 1u << QAPI_DEPRECATED;
    uint64_t unstable = 1u << QAPI_UNSTABLE;

    ck_assert(!visit_policy_reject(&sv->visitor, "m", deprecated, &error_abort));
    ck_assert(!visit_policy_reject_by_compat(&sv->visitor, "m", deprecated,
                                             &error_abort));
    visit_set_policy(&sv->visitor, &(CompatPolicy) {
        .unstable_input = COMPAT_POLICY_INPUT_REJECT,
        .deprecated_output = COMPAT_POLICY_OUTPUT_HIDE,
    });
    ck_assert(visit_policy_reject_by_compat(&sv->visitor, "m", unstable, &err));
    ck_assert_str_eq(error_get_pretty(err), "Unstable parameter m disabled by policy");
    error_free(err);
    ck_assert(visit_policy_skip_by_compat(&sv->visitor, "m", deprecated));
    ck_assert(!visit_policy_skip_by_compat(&sv->visitor, "m", unstable));
    ck_assert(!visit_policy_skip(&sv->visitor, "m", deprecated));
    visit_free(&sv->visitor);
}
END_TEST

static const uint8_t be_bytes[16] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
};

/* Each element size, through the fixed hook (_i = 1) and through type_bytes. */
START_TEST(test_sized_buffer_is_big_endian_on_the_wire)
{
    bool hook = _i;
    uint16_t u16[8] = { 0x0102, 0x0304, 0x0506, 0x0708,
                        0x1112, 0x1314, 0x1516, 0x1718 };
    uint32_t u32[4] = { 0x01020304, 0x05060708, 0x11121314, 0x15161718 };
    uint64_t u64[2] = { UINT64_C(0x0102030405060708),
                        UINT64_C(0x1112131415161718) };
    void *arrays[] = { (void *)be_bytes, u16, u32, u64 };
    size_t sizes[] = { 1, 2, 4, 8 };

    for (int i = 0; i < 4; i++) {
        ScriptVisitor *out = sv_new(VISITOR_OUTPUT, hook);
        ScriptVisitor *in = sv_new(VISITOR_INPUT, hook);
        uint8_t back[16] = { 0 };

        ck_assert(visit_type_sized_buffer(&out->visitor, "b", arrays[i],
                                          16 / sizes[i], sizes[i],
                                          &error_abort));
        ck_assert_uint_eq(out->bytes->len, 16);
        ck_assert_mem_eq(out->bytes->data, be_bytes, 16);
        ck_assert(out->fixed_hook_used == hook);

        g_byte_array_append(in->bytes, be_bytes, 16);
        ck_assert(visit_type_sized_buffer(&in->visitor, "b", back,
                                          16 / sizes[i], sizes[i],
                                          &error_abort));
        ck_assert_mem_eq(back, arrays[i], 16);
        visit_free(&out->visitor);
        visit_free(&in->visitor);
    }
}
END_TEST

START_TEST(test_sized_buffer_length_mismatch_leaves_buffer)
{
    ScriptVisitor *in = sv_new(VISITOR_INPUT, _i);
    uint32_t words[4] = { 1, 2, 3, 4 };
    uint32_t expect[4] = { 1, 2, 3, 4 };
    Error *err = NULL;

    g_byte_array_append(in->bytes, be_bytes, 12);
    ck_assert(!visit_type_sized_buffer(&in->visitor, "w", words, 4, 4, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "'w' expects 16 bytes"));
    ck_assert_mem_eq(words, expect, sizeof(words));
    error_free(err);
    visit_free(&in->visitor);
}
END_TEST

START_TEST(test_unsupported_types_fail_cleanly)
{
    ScriptVisitor *in = sv_new(VISITOR_INPUT, false);
    QObject *any = (QObject *)0x1;
    uint8_t *buf = (uint8_t *)0x1;
    size_t len = 3;
    Error *err = NULL;

    ck_assert(!visit_type_any(&in->visitor, "a", &any, &err));
    ck_assert_ptr_null(any);
    ck_assert_str_eq(error_get_pretty(err),
                     "Parameter 'a': visit_type_any is not supported");
    error_free(err);
    err = NULL;

    in->visitor.type_bytes = NULL;
    ck_assert(!visit_type_bytes(&in->visitor, "b", &buf, &len, &err));
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    error_free(err);
    visit_free(&in->visitor);
}
END_TEST

/* A struct in exactly the shape QEMU's generator emits. */
typedef struct Sample {
    char *label;
    bool has_tags;
    strList *tags;
    uint8_t *blob;
    size_t blob_len;
    uint16_t words[3];
    QNull *nothing;
} Sample;

bool visit_type_Sample_members(Visitor *v, Sample *obj, Error **errp);
bool visit_type_Sample(Visitor *v, const char *name, Sample **obj,
                       Error **errp);
void qapi_free_Sample(Sample *obj);

bool visit_type_Sample_members(Visitor *v, Sample *obj, Error **errp)
{
    if (!visit_type_str(v, "label", &obj->label, errp)) {
        return false;
    }
    if (visit_optional(v, "tags", &obj->has_tags)) {
        if (!visit_type_strList(v, "tags", &obj->tags, errp)) {
            return false;
        }
    }
    if (!visit_type_bytes(v, "blob", &obj->blob, &obj->blob_len, errp)) {
        return false;
    }
    if (!visit_type_sized_buffer(v, "words", obj->words, 3, 2, errp)) {
        return false;
    }
    return visit_type_null(v, "nothing", &obj->nothing, errp);
}

bool visit_type_Sample(Visitor *v, const char *name, Sample **obj,
                       Error **errp)
{
    bool ok = false;

    if (!visit_start_struct(v, name, (void **)obj, sizeof(Sample), errp)) {
        return false;
    }
    if (!*obj) {
        /* incomplete */
        assert(visit_is_dealloc(v));
        ok = true;
        goto out_obj;
    }
    if (!visit_type_Sample_members(v, *obj, errp)) {
        goto out_obj;
    }
    ok = visit_check_struct(v, errp);
out_obj:
    visit_end_struct(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        qapi_free_Sample(*obj);
        *obj = NULL;
    }
    return ok;
}

void qapi_free_Sample(Sample *obj)
{
    Visitor *v;

    if (!obj) {
        return;
    }
    v = qapi_dealloc_visitor_new();
    visit_type_Sample(v, NULL, &obj, NULL);
    visit_free(v);
}

static Sample *sample_new(void)
{
    Sample *s = g_new0(Sample, 1);
    strList **tail = &s->tags;

    s->label = g_strdup("device");
    s->has_tags = true;
    QAPI_LIST_APPEND(tail, g_strdup("a"));
    QAPI_LIST_APPEND(tail, g_strdup("bc"));
    s->blob_len = 5;
    s->blob = g_memdup2("\x00\x01\x02\x03\x04", 5);
    s->words[0] = 0xbeef;
    s->words[2] = 7;
    s->nothing = qnull();
    return s;
}

START_TEST(test_clone_is_deep_and_equal)
{
    Sample *src = sample_new();
    Sample *copy = QAPI_CLONE(Sample, src);

    ck_assert_ptr_ne(copy, src);
    ck_assert_ptr_ne(copy->label, src->label);
    ck_assert_str_eq(copy->label, "device");
    ck_assert_ptr_ne(copy->tags, src->tags);
    ck_assert_str_eq(copy->tags->value, "a");
    ck_assert_str_eq(copy->tags->next->value, "bc");
    ck_assert_ptr_null(copy->tags->next->next);
    ck_assert_ptr_ne(copy->blob, src->blob);
    ck_assert_uint_eq(copy->blob_len, 5);
    ck_assert_mem_eq(copy->blob, src->blob, 5);
    ck_assert_uint_eq(copy->words[0], 0xbeef);
    ck_assert_uint_eq(copy->words[2], 7);
    ck_assert_ptr_eq(copy->nothing, qnull());
    ck_assert_uint_eq(QAPI_LIST_LENGTH(copy->tags), 2);
    qapi_free_Sample(src);
    qapi_free_Sample(copy);
    ck_assert_ptr_null(QAPI_CLONE(Sample, NULL));
}
END_TEST

START_TEST(test_clone_members_into_existing_struct)
{
    Sample *src = sample_new();
    Sample dst;

    QAPI_CLONE_MEMBERS(Sample, &dst, src);
    qapi_free_Sample(src);
    ck_assert_str_eq(dst.label, "device");
    ck_assert_str_eq(dst.tags->next->value, "bc");
    g_free(dst.label);
    qapi_free_strList(dst.tags);
    g_free(dst.blob);
}
END_TEST

START_TEST(test_dealloc_copes_with_partial_objects)
{
    Sample *s = g_new0(Sample, 1);

    /* What an input visitor leaves after failing at the first member. */
    qapi_free_Sample(s);
    qapi_free_Sample(NULL);
    qapi_free_strList(NULL);
}
END_TEST

START_TEST(test_builtin_list_output_and_prepend)
{
    ScriptVisitor *out = sv_new(VISITOR_OUTPUT, false);
    intList *list = NULL;

    out->visitor.start_list = NULL;
    QAPI_LIST_PREPEND(list, 3);
    QAPI_LIST_PREPEND(list, -2);
    ck_assert_int_eq(list->value, -2);
    ck_assert_int_eq(list->next->value, 3);
    ck_assert_uint_eq(QAPI_LIST_LENGTH(list), 2);
    qapi_free_intList(list);
    visit_free(&out->visitor);
}
END_TEST

START_TEST(test_enum_parse_and_bool_parse)
{
    Error *err = NULL;
    bool b = false;

    ck_assert_int_eq(qapi_enum_parse(&Colour_lookup, "green", -1, NULL), 1);
    ck_assert_int_eq(qapi_enum_parse(&Colour_lookup, NULL, 9, NULL), 9);
    ck_assert_int_eq(qapi_enum_parse(&Colour_lookup, "nope", -1, &err), -1);
    ck_assert_ptr_nonnull(err);
    error_free(err);
    err = NULL;
    ck_assert_str_eq(qapi_enum_lookup(&Colour_lookup, 2), "old");
    ck_assert_str_eq(QType_str(QTYPE_QDICT), "qdict");
    ck_assert(qapi_bool_parse("p", "on", &b, &error_abort) && b);
    ck_assert(qapi_bool_parse("p", "no", &b, &error_abort) && !b);
    ck_assert(!qapi_bool_parse("p", "maybe", &b, &err));
    error_free(err);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("visit-core");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_unsigned_widths_reject_overflow);
    tcase_add_test(tc, test_signed_widths_reject_overflow);
    tcase_add_test(tc, test_null_name_reads_null);
    tcase_add_test(tc, test_enum_maps_through_strings);
    tcase_add_test(tc, test_policy_helpers_follow_compat_policy);
    tcase_add_loop_test(tc, test_sized_buffer_is_big_endian_on_the_wire, 0, 2);
    tcase_add_loop_test(tc, test_sized_buffer_length_mismatch_leaves_buffer, 0, 2);
    tcase_add_test(tc, test_unsupported_types_fail_cleanly);
    tcase_add_test(tc, test_clone_is_deep_and_equal);
    tcase_add_test(tc, test_clone_members_into_existing_struct);
    tcase_add_test(tc, test_dealloc_copes_with_partial_objects);
    tcase_add_test(tc, test_builtin_list_output_and_prepend);
    tcase_add_test(tc, test_enum_parse_and_bool_parse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(core_suite());
}
