# migration/ and tools/migstream: the parser on shipped captures and hostile
# streams (C), and real QEMU captures, conversions and loads (shell).
check_PROGRAMS += tests/test-migstream
TESTS += tests/test-migstream tests/test-migstream.sh
tests_test_migstream_CFLAGS = $(TESTS_CFLAGS)
tests_test_migstream_LDADD = $(TESTS_LIBS)
EXTRA_DIST += tests/test-migstream.sh tests/migstream-qemu.sh
