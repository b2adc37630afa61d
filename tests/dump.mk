# ber-dump: the inspector library tests (C) and the tool tests (shell)
check_PROGRAMS += tests/test-ber-dump
TESTS += tests/test-ber-dump tests/test-ber-dump.sh
tests_test_ber_dump_CFLAGS = $(TESTS_CFLAGS)
tests_test_ber_dump_LDADD = $(TESTS_LIBS)
EXTRA_DIST += tests/test-ber-dump.sh tests/ber-dump-schema.asn
