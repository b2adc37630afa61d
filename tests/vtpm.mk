# vtpm: the libtpms store on libvnvram (C), the daemon with tpm2-tools and
# QEMU (shell, real programs).
check_PROGRAMS += tests/test-vtpm-store
TESTS += tests/test-vtpm-store
tests_test_vtpm_store_CFLAGS = $(TESTS_CFLAGS) $(LIBTPMS_CFLAGS)
tests_test_vtpm_store_SOURCES = tests/test-vtpm-store.c tests/vtpm-test-cmds.h
tests_test_vtpm_store_LDADD = libvtpm.la libvnvram.la $(TESTS_LIBS) $(LIBTPMS_LIBS)

check_PROGRAMS += tests/test-vtpm-protocol
TESTS += tests/test-vtpm-protocol
tests_test_vtpm_protocol_SOURCES = tests/test-vtpm-protocol.c tests/vtpm-test-cmds.h
tests_test_vtpm_protocol_CFLAGS = $(TESTS_CFLAGS)
tests_test_vtpm_protocol_LDADD = $(TESTS_LIBS)

TESTS += tests/test-vtpm-tools.sh tests/test-vtpm-kill.sh \
	tests/test-vtpm-qemu.sh tests/test-vtpm12.sh
EXTRA_DIST += tests/vtpm-lib.sh tests/test-vtpm-tools.sh \
	tests/test-vtpm-kill.sh tests/test-vtpm-qemu.sh tests/test-vtpm12.sh

# Power loss at every I/O point of a command: the crash layer under the store.
check_PROGRAMS += tests/test-vtpm-powerloss
TESTS += tests/test-vtpm-powerloss
tests_test_vtpm_powerloss_SOURCES = tests/test-vtpm-powerloss.c \
	tests/fault-storage.c tests/fault-storage.h
tests_test_vtpm_powerloss_CFLAGS = $(TESTS_CFLAGS) $(LIBTPMS_CFLAGS)
tests_test_vtpm_powerloss_LDADD = libvtpm.la libvnvram.la $(TESTS_LIBS) $(LIBTPMS_LIBS)
