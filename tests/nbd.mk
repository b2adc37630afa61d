# The NBD backend against real servers (qemu-nbd, qemu-storage-daemon,
# nbdkit) that the test starts on Unix sockets; a missing server skips, or
# fails under CI=true / QVISIT_REQUIRE_PEERS=1.
NBD_TESTS_SOURCES = tests/nbd-server.c tests/nbd-server.h
check_PROGRAMS += tests/test-nvram-nbd
TESTS += tests/test-nvram-nbd
tests_test_nvram_nbd_SOURCES = tests/test-nvram-nbd.c tests/nvram-writer.c \
	tests/nvram-writer.h $(NBD_TESTS_SOURCES) $(FAULT_TESTS_SOURCES)
tests_test_nvram_nbd_CFLAGS = $(NVRAM_TESTS_CFLAGS) -DNVRAM_WRITER_NO_MAIN
tests_test_nvram_nbd_LDADD = $(NVRAM_TESTS_LIBS)

# vtpm's SIGKILL test with its state in qcow2 over qemu-nbd, which is
# killed as well (the same script as for a file, parametrized).
TESTS += tests/test-vtpm-kill-nbd.sh
EXTRA_DIST += tests/test-vtpm-kill-nbd.sh
