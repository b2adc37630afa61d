/*
 * The QEMU API beyond the visitor core that QEMU code and qapi-gen's output
 * rely on: parse_qapi_name, the file-open and once-only error helpers,
 * compat_policy_input_ok, QAPI_CLONE (NULL, members), the nullList and
 * anyList builtins with g_autoptr, and the member-level compatibility
 * policy in the BER visitors (hide on output, reject on input).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "qemu/osdep.h"
#include "qapi/error.h"
#include "qapi/clone-visitor.h"
#include "qapi/compat-policy.h"
#include "qapi/qapi-builtin-visit.h"
#include "qobject/qnull.h"
#include "visitors/ber-visitor.h"
#include "tests/check-main.h"

START_TEST(test_parse_qapi_name)
{
    ck_assert_int_eq(parse_qapi_name("foo", true), 3);
    ck_assert_int_eq(parse_qapi_name("a-b_c9", true), 6);
    ck_assert_int_eq(parse_qapi_name("__org.qemu_x-y", true), 14);
    ck_assert_int_eq(parse_qapi_name("foo bar", false), 3);
    ck_assert_int_eq(parse_qapi_name("foo bar", true), -1);
    ck_assert_int_eq(parse_qapi_name("9foo", false), -1);
    ck_assert_int_eq(parse_qapi_name("", false), -1);
    ck_assert_int_eq(parse_qapi_name("_foo", false), -1);
    ck_assert_int_eq(parse_qapi_name("__org.qemu", false), -1);
    ck_assert_int_eq(parse_qapi_name("__org.qemu_", false), -1);
}
END_TEST

START_TEST(test_error_setg_file_open)
{
    Error *err = NULL;
    char *want = g_strdup_printf("Could not open '/no/such': %s",
                                 g_strerror(ENOENT));

    error_setg_file_open(&err, ENOENT, "/no/such");
    ck_assert_str_eq(error_get_pretty(err), want);
    error_free(err);
    g_free(want);
}
END_TEST

static bool warn_once_at_one_site(void)
{
    Error *err = NULL;

    error_setg(&err, "said once");
    return warn_report_err_once(err);
}

START_TEST(test_warn_report_err_once)
{
    Error *err = NULL;

    ck_assert(warn_once_at_one_site());
    ck_assert(!warn_once_at_one_site());
    ck_assert(!warn_once_at_one_site());
    error_setg(&err, "with a prefix");
    warn_reportf_err(err, "%s: ", "context");
}
END_TEST

START_TEST(test_compat_policy_input_ok)
{
    CompatPolicy policy = {
        .has_deprecated_input = true,
        .deprecated_input = COMPAT_POLICY_INPUT_REJECT,
    };
    Error *err = NULL;

    ck_assert(compat_policy_input_ok(0, &policy, ERROR_CLASS_GENERIC_ERROR,
                                     "command", "x", &error_abort));
    ck_assert(compat_policy_input_ok(1u << QAPI_UNSTABLE, &policy,
                                     ERROR_CLASS_GENERIC_ERROR, "command",
                                     "x", &error_abort));
    ck_assert(!compat_policy_input_ok(1u << QAPI_DEPRECATED, &policy,
                                      ERROR_CLASS_COMMAND_NOT_FOUND,
                                      "command", "x", &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Deprecated command x disabled by policy");
    ck_assert_int_eq(error_get_class(err), ERROR_CLASS_COMMAND_NOT_FOUND);
    error_free(err);
}
END_TEST

START_TEST(test_compat_policy_crash_aborts)
{
    CompatPolicy policy = {
        .has_unstable_input = true,
        .unstable_input = COMPAT_POLICY_INPUT_CRASH,
    };

    compat_policy_input_ok(1u << QAPI_UNSTABLE, &policy,
                           ERROR_CLASS_GENERIC_ERROR, "value", "x", NULL);
}
END_TEST

START_TEST(test_clone_lists)
{
    g_autoptr(strList) strs = NULL;
    g_autoptr(strList) copy = NULL;
    g_autoptr(nullList) nulls = NULL;
    g_autoptr(nullList) nulls_copy = NULL;
    anyList *none = NULL;

    ck_assert_ptr_null(QAPI_CLONE(strList, strs));
    QAPI_LIST_PREPEND(strs, g_strdup("b"));
    QAPI_LIST_PREPEND(strs, g_strdup("a"));
    copy = QAPI_CLONE(strList, strs);
    ck_assert_ptr_ne(copy, strs);
    ck_assert_ptr_ne(copy->value, strs->value);
    ck_assert_str_eq(copy->value, "a");
    ck_assert_str_eq(copy->next->value, "b");
    ck_assert_ptr_null(copy->next->next);

    QAPI_LIST_PREPEND(nulls, qnull());
    QAPI_LIST_PREPEND(nulls, qnull());
    nulls_copy = QAPI_CLONE(nullList, nulls);
    ck_assert_uint_eq(QAPI_LIST_LENGTH(nulls_copy), 2);
    ck_assert_ptr_null(QAPI_CLONE(anyList, none));
    qapi_free_anyList(none);
}
END_TEST

/* A struct in qapi-gen's shape with one deprecated and one unstable member. */
typedef struct Policed {
    int64_t plain;
    int64_t old;
    int64_t fresh;
} Policed;

static bool visit_type_Policed_members(Visitor *v, Policed *obj,
                                       Error **errp)
{
    if (!visit_type_int(v, "plain", &obj->plain, errp)) {
        return false;
    }
    if (visit_policy_reject(v, "old", 1u << QAPI_DEPRECATED, errp)) {
        return false;
    }
    if (!visit_policy_skip(v, "old", 1u << QAPI_DEPRECATED)
        && !visit_type_int(v, "old", &obj->old, errp)) {
        return false;
    }
    if (visit_policy_reject(v, "fresh", 1u << QAPI_UNSTABLE, errp)) {
        return false;
    }
    if (!visit_policy_skip(v, "fresh", 1u << QAPI_UNSTABLE)
        && !visit_type_int(v, "fresh", &obj->fresh, errp)) {
        return false;
    }
    return true;
}

static bool visit_type_Policed(Visitor *v, const char *name, Policed **obj,
                               Error **errp)
{
    bool ok = false;

    if (!visit_start_struct(v, name, (void **)obj, sizeof(Policed), errp)) {
        return false;
    }
    if (!*obj) {
        goto out;
    }
    ok = visit_type_Policed_members(v, *obj, errp) && visit_check_struct(v, errp);
out:
    visit_end_struct(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        g_free(*obj);
        *obj = NULL;
    }
    return ok;
}

static GByteArray *encode_policed(BERMode mode, CompatPolicy *policy)
{
    Policed value = { .plain = 1, .old = 2, .fresh = 3 }, *p = &value;
    GByteArray *bytes = NULL;
    Visitor *v = ber_output_visitor_new(mode, &bytes);

    if (policy) {
        visit_set_policy(v, policy);
    }
    ck_assert(visit_type_Policed(v, NULL, &p, &error_abort));
    visit_complete(v, &bytes);
    visit_free(v);
    return bytes;
}

static const uint8_t der_all[] = {
    0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03,
};

START_TEST(test_ber_output_hides)
{
    static const BERMode modes[] = { BER_MODE_DER, BER_MODE_CER, BER_MODE_BER };
    CompatPolicy hide_old = {
        .has_deprecated_output = true,
        .deprecated_output = COMPAT_POLICY_OUTPUT_HIDE,
    };
    CompatPolicy hide_fresh = {
        .has_unstable_output = true,
        .unstable_output = COMPAT_POLICY_OUTPUT_HIDE,
    };
    static const uint8_t der_no_old[] = {
        0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x03,
    };
    static const uint8_t der_no_fresh[] = {
        0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02,
    };
    GByteArray *b;
    size_t i;

    b = encode_policed(BER_MODE_DER, NULL);
    ck_assert_mem_eq(b->data, der_all, sizeof(der_all));
    g_byte_array_unref(b);
    b = encode_policed(BER_MODE_DER, &hide_old);
    ck_assert_uint_eq(b->len, sizeof(der_no_old));
    ck_assert_mem_eq(b->data, der_no_old, sizeof(der_no_old));
    g_byte_array_unref(b);
    b = encode_policed(BER_MODE_DER, &hide_fresh);
    ck_assert_uint_eq(b->len, sizeof(der_no_fresh));
    ck_assert_mem_eq(b->data, der_no_fresh, sizeof(der_no_fresh));
    g_byte_array_unref(b);
    /* CER and BER too: the hidden member's INTEGER 02 01 02 is absent. */
    for (i = 1; i < G_N_ELEMENTS(modes); i++) {
        static const uint8_t old[] = { 0x02, 0x01, 0x02 };

        b = encode_policed(modes[i], &hide_old);
        ck_assert_ptr_null(memmem(b->data, b->len, old, sizeof(old)));
        g_byte_array_unref(b);
    }
}
END_TEST

static bool decode_policed(CompatPolicy *policy, Error **errp)
{
    Visitor *v = ber_input_visitor_new(der_all, sizeof(der_all), BER_MODE_DER);
    Policed *out = NULL;
    bool ok;

    if (policy) {
        visit_set_policy(v, policy);
    }
    ok = visit_type_Policed(v, NULL, &out, errp);
    ck_assert(ok == (out != NULL));
    g_free(out);
    visit_free(v);
    return ok;
}

START_TEST(test_ber_input_rejects)
{
    CompatPolicy reject_old = {
        .has_deprecated_input = true,
        .deprecated_input = COMPAT_POLICY_INPUT_REJECT,
    };
    CompatPolicy reject_fresh = {
        .has_unstable_input = true,
        .unstable_input = COMPAT_POLICY_INPUT_REJECT,
    };
    Error *err = NULL;

    ck_assert(decode_policed(NULL, &error_abort));
    ck_assert(!decode_policed(&reject_old, &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Deprecated parameter old disabled by policy");
    error_free(err);
    err = NULL;
    ck_assert(!decode_policed(&reject_fresh, &err));
    ck_assert_str_eq(error_get_pretty(err),
                     "Unstable parameter fresh disabled by policy");
    error_free(err);
}
END_TEST

static Suite *qemu_api_suite(void)
{
    Suite *s = suite_create("qemu-api");
    TCase *tc = tcase_create("api");

    tcase_add_test(tc, test_parse_qapi_name);
    tcase_add_test(tc, test_error_setg_file_open);
    tcase_add_test(tc, test_warn_report_err_once);
    tcase_add_test(tc, test_compat_policy_input_ok);
    tcase_add_test_raise_signal(tc, test_compat_policy_crash_aborts, SIGABRT);
    tcase_add_test(tc, test_clone_lists);
    tcase_add_test(tc, test_ber_output_hides);
    tcase_add_test(tc, test_ber_input_rejects);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(qemu_api_suite());
}
