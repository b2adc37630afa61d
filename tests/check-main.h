/*
 * tests/check-main.h: how every Check program runs its suite and turns
 * the result into its exit status.
 */
#ifndef TESTS_CHECK_MAIN_H
#define TESTS_CHECK_MAIN_H

#include <check.h>
#include <stdlib.h>

/*
 * Run every test of @sr, free it and return the exit status for main():
 * EXIT_SUCCESS when no test failed or erred, EXIT_FAILURE otherwise.
 */
static inline int check_run_srunner(SRunner *sr)
{
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

/* check_run_srunner() on a new runner of @s (the runner frees @s). */
static inline int check_run_suite(Suite *s)
{
    return check_run_srunner(srunner_create(s));
}

#endif /* TESTS_CHECK_MAIN_H */
