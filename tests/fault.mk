# Reliability tests of the NVRAM (docs/reliability.md): power-loss crashes,
# I/O-error injection, corruption and real SIGKILLs. They share the fault
# layer (tests/fault-storage.c) and the workload (tests/fault-workload.c),
# built once into tests/libfault.la.
# QVISIT_SOAK=1 (or a scale factor) in the environment runs the long soak.
FAULT_TESTS_SOURCES = \
	tests/fault-storage.c tests/fault-storage.h \
	tests/fault-workload.c tests/fault-workload.h
check_LTLIBRARIES += tests/libfault.la
tests_libfault_la_SOURCES = $(FAULT_TESTS_SOURCES)
tests_libfault_la_CFLAGS = $(TESTS_CFLAGS)
FAULT_TESTS_LIBS = tests/libfault.la libvnvram.la $(TESTS_LIBS) $(GTHREAD_LIBS)

FAULT_TESTS = tests/test-nvram-crash tests/test-nvram-faults \
	tests/test-nvram-corruption tests/test-nvram-kill
check_PROGRAMS += $(FAULT_TESTS)
TESTS += $(FAULT_TESTS)
tests_test_nvram_crash_SOURCES = tests/test-nvram-crash.c \
	tests/nbd-server.c tests/nbd-server.h
tests_test_nvram_crash_CFLAGS = $(TESTS_CFLAGS)
tests_test_nvram_crash_LDADD = $(FAULT_TESTS_LIBS)

tests_test_nvram_faults_CFLAGS = $(TESTS_CFLAGS)
tests_test_nvram_faults_LDADD = $(FAULT_TESTS_LIBS)

tests_test_nvram_corruption_SOURCES = tests/test-nvram-corruption.c \
	tests/nbd-server.c tests/nbd-server.h
tests_test_nvram_corruption_CFLAGS = $(TESTS_CFLAGS)
tests_test_nvram_corruption_LDADD = tests/libfault.la $(NVRAM_INTERNAL_LIBS)

# The kill test runs tests/nvram-writer and kills it with SIGKILL.
check_PROGRAMS += tests/nvram-writer
tests_nvram_writer_SOURCES = tests/nvram-writer.c tests/nvram-writer.h
tests_nvram_writer_CFLAGS = $(TESTS_CFLAGS)
tests_nvram_writer_LDADD = $(FAULT_TESTS_LIBS)
tests_test_nvram_kill_SOURCES = tests/test-nvram-kill.c tests/nvram-writer.c \
	tests/nbd-server.c tests/nbd-server.h
tests_test_nvram_kill_CFLAGS = $(TESTS_CFLAGS) -DNVRAM_WRITER_NO_MAIN
tests_test_nvram_kill_LDADD = $(FAULT_TESTS_LIBS)

# The long soak: the same tests with every iteration count multiplied
# (QVISIT_SOAK=N to choose the factor; 20 by default).
check-nvram-soak:
	QVISIT_SOAK=$${QVISIT_SOAK:-20}; export QVISIT_SOAK; \
	$(MAKE) $(AM_MAKEFLAGS) check TESTS='$(FAULT_TESTS)'
.PHONY: check-nvram-soak

# Offline relayout (upgrade, add, resize) and repair, crashed at every
# operation.
check_PROGRAMS += tests/test-nvram-relayout
TESTS += tests/test-nvram-relayout
tests_test_nvram_relayout_CFLAGS = $(TESTS_CFLAGS)
tests_test_nvram_relayout_LDADD = tests/libfault.la $(NVRAM_INTERNAL_LIBS)
