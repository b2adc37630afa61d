# The visitor core and the Error API.
check_PROGRAMS += tests/test-error tests/test-visit-core
TESTS += tests/test-error tests/test-visit-core
tests_test_error_CFLAGS = $(TESTS_CFLAGS)
tests_test_error_LDADD = $(TESTS_LIBS)
tests_test_visit_core_CFLAGS = $(TESTS_CFLAGS)
tests_test_visit_core_LDADD = $(TESTS_LIBS)

# The QEMU API around the core (tests/test-qemu-api.c).
check_PROGRAMS += tests/test-qemu-api
TESTS += tests/test-qemu-api
tests_test_qemu_api_CFLAGS = $(TESTS_CFLAGS)
tests_test_qemu_api_LDADD = $(TESTS_LIBS)
