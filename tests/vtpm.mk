# vtpm: the libtpms store on libvnvram (C), the daemon with tpm2-tools and
# QEMU (shell, real programs).
check_PROGRAMS += tests/test-vtpm-store
TESTS += tests/test-vtpm-store
tests_test_vtpm_store_CFLAGS = $(TESTS_CFLAGS) $(LIBTPMS_CFLAGS)
tests_test_vtpm_store_LDADD = libvtpm.la libvnvram.la $(TESTS_LIBS) $(LIBTPMS_LIBS)

check_PROGRAMS += tests/test-vtpm-protocol
TESTS += tests/test-vtpm-protocol
tests_test_vtpm_protocol_CFLAGS = $(TESTS_CFLAGS)
tests_test_vtpm_protocol_LDADD = $(TESTS_LIBS)

TESTS += tests/test-vtpm-tools.sh tests/test-vtpm-kill.sh \
	tests/test-vtpm-qemu.sh
EXTRA_DIST += tests/vtpm-lib.sh tests/test-vtpm-tools.sh \
	tests/test-vtpm-kill.sh tests/test-vtpm-qemu.sh
