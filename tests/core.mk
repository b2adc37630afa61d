# The visitor core and the Error API.
check_PROGRAMS += tests/test-error tests/test-visit-core
TESTS += tests/test-error tests/test-visit-core
tests_test_error_CFLAGS = $(TESTS_CFLAGS)
tests_test_error_LDADD = $(TESTS_LIBS)
tests_test_visit_core_CFLAGS = $(TESTS_CFLAGS)
tests_test_visit_core_LDADD = $(TESTS_LIBS)
