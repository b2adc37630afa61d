/*
 * The Error API: message, propagation, prefixes, hints, and the special
 * destinations &error_abort and &error_fatal (in forked children).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/error.h"
#include "tests/check-main.h"

START_TEST(test_setg_formats_message)
{
    Error *err = NULL;

    error_setg(&err, "value %d of %s", 42, "x");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(error_get_pretty(err), "value 42 of x");
    ck_assert_int_eq(error_get_class(err), ERROR_CLASS_GENERIC_ERROR);
    error_free(err);
}
END_TEST

START_TEST(test_setg_null_errp_is_ignored)
{
    error_setg(NULL, "ignored %s", "message");
    error_propagate(NULL, NULL);
}
END_TEST

START_TEST(test_setg_errno_appends_strerror)
{
    Error *err = NULL;
    char *expected = g_strdup_printf("open foo: %s", g_strerror(ENOENT));

    errno = 0;
    error_setg_errno(&err, ENOENT, "open %s", "foo");
    ck_assert_str_eq(error_get_pretty(err), expected);
    ck_assert_int_eq(errno, 0);
    g_free(expected);
    error_free(err);
}
END_TEST

START_TEST(test_propagate_first_error_wins)
{
    Error *dst = NULL;
    Error *first = NULL, *second = NULL;

    error_setg(&first, "first");
    error_setg(&second, "second");
    error_propagate(&dst, first);
    error_propagate(&dst, second);
    ck_assert_str_eq(error_get_pretty(dst), "first");
    error_propagate(&dst, NULL);
    ck_assert_str_eq(error_get_pretty(dst), "first");
    error_free(dst);
}
END_TEST

START_TEST(test_prepend_and_propagate_prepend)
{
    Error *err = NULL, *dst = NULL;

    error_setg(&err, "inner");
    error_prepend(&err, "outer %d: ", 1);
    ck_assert_str_eq(error_get_pretty(err), "outer 1: inner");
    error_propagate_prepend(&dst, err, "top: ");
    ck_assert_str_eq(error_get_pretty(dst), "top: outer 1: inner");
    error_prepend(NULL, "nothing happens");
    error_free(dst);
}
END_TEST

START_TEST(test_copy_is_deep)
{
    Error *err = NULL, *copy;

    error_setg(&err, "original");
    error_append_hint(&err, "a hint\n");
    copy = error_copy(err);
    error_free(err);
    ck_assert_str_eq(error_get_pretty(copy), "original");
    error_free(copy);
}
END_TEST

START_TEST(test_free_or_abort_clears)
{
    Error *err = NULL;

    error_setg(&err, "x");
    error_free_or_abort(&err);
    ck_assert_ptr_null(err);
}
END_TEST

static bool fail_with_hint(Error **errp)
{
    ERRP_GUARD();

    error_setg(errp, "failed");
    error_append_hint(errp, "try %s\n", "harder");
    /* ERRP_GUARD makes *errp safe to read even when the caller passed NULL. */
    return *errp == NULL;
}

START_TEST(test_errp_guard_with_null_and_real_errp)
{
    Error *err = NULL;

    ck_assert(!fail_with_hint(NULL));
    ck_assert(!fail_with_hint(&err));
    ck_assert_str_eq(error_get_pretty(err), "failed");
    error_report_err(err);
}
END_TEST

START_TEST(test_error_abort_aborts)
{
    error_setg(&error_abort, "fatal bug %d", 7);
}
END_TEST

START_TEST(test_error_fatal_exits_1)
{
    error_setg(&error_fatal, "cannot go on");
}
END_TEST

START_TEST(test_propagate_to_fatal_exits_1)
{
    Error *err = NULL;

    error_setg(&err, "late failure");
    error_propagate(&error_fatal, err);
}
END_TEST

START_TEST(test_errp_guard_keeps_hint_for_fatal)
{
    Error **errp = &error_fatal;

    /* Exits(1) through the guard's propagation, hint printed. */
    fail_with_hint(errp);
}
END_TEST

START_TEST(test_setting_twice_aborts)
{
    Error *err = NULL;

    error_setg(&err, "one");
    error_setg(&err, "two");
}
END_TEST

static Suite *error_suite(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("api");

    tcase_add_test(tc, test_setg_formats_message);
    tcase_add_test(tc, test_setg_null_errp_is_ignored);
    tcase_add_test(tc, test_setg_errno_appends_strerror);
    tcase_add_test(tc, test_propagate_first_error_wins);
    tcase_add_test(tc, test_prepend_and_propagate_prepend);
    tcase_add_test(tc, test_copy_is_deep);
    tcase_add_test(tc, test_free_or_abort_clears);
    tcase_add_test(tc, test_errp_guard_with_null_and_real_errp);
    tcase_add_test_raise_signal(tc, test_error_abort_aborts, SIGABRT);
    tcase_add_exit_test(tc, test_error_fatal_exits_1, 1);
    tcase_add_exit_test(tc, test_propagate_to_fatal_exits_1, 1);
    tcase_add_exit_test(tc, test_errp_guard_keeps_hint_for_fatal, 1);
    tcase_add_test_raise_signal(tc, test_setting_twice_aborts, SIGABRT);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(error_suite());
}
