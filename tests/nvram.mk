# libvnvram: format, states and errors, requests, encodings, files.
NVRAM_TESTS_CFLAGS = $(TESTS_CFLAGS) $(GTHREAD_CFLAGS)
NVRAM_TESTS_LIBS = libvnvram.la $(TESTS_LIBS) $(GTHREAD_LIBS)
# for the tests that reach the internals (format.h, image.h, crc32c.h)
NVRAM_INTERNAL_LIBS = libvnvram-internal.la $(TESTS_LIBS) $(GTHREAD_LIBS) \
	$(NETTLE_LIBS)

# The library's API by concern, on the shared fixtures of
# tests/test-nvram-fixture.c.
NVRAM_FIXTURE_SOURCES = tests/test-nvram-fixture.c tests/test-nvram-fixture.h \
	tests/test-nvram-common.h
check_PROGRAMS += tests/test-nvram-format
TESTS += tests/test-nvram-format
tests_test_nvram_format_SOURCES = tests/test-nvram-format.c $(NVRAM_FIXTURE_SOURCES)
tests_test_nvram_format_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_format_LDADD = $(NVRAM_INTERNAL_LIBS)
check_PROGRAMS += tests/test-nvram-rw
TESTS += tests/test-nvram-rw
tests_test_nvram_rw_SOURCES = tests/test-nvram-rw.c $(NVRAM_FIXTURE_SOURCES)
tests_test_nvram_rw_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_rw_LDADD = $(NVRAM_INTERNAL_LIBS)
check_PROGRAMS += tests/test-nvram-async
TESTS += tests/test-nvram-async
tests_test_nvram_async_SOURCES = tests/test-nvram-async.c $(NVRAM_FIXTURE_SOURCES)
tests_test_nvram_async_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_async_LDADD = $(NVRAM_INTERNAL_LIBS)
check_PROGRAMS += tests/test-nvram-files
TESTS += tests/test-nvram-files
tests_test_nvram_files_SOURCES = tests/test-nvram-files.c $(NVRAM_FIXTURE_SOURCES)
tests_test_nvram_files_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_files_LDADD = $(NVRAM_INTERNAL_LIBS)

# The vnvram tool and the tpm-device demo as programs (power cycles are
# separate processes).
check_PROGRAMS += tests/test-nvram-tool
TESTS += tests/test-nvram-tool
tests_test_nvram_tool_SOURCES = tests/test-nvram-tool.c
tests_test_nvram_tool_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_tool_LDADD = $(NVRAM_TESTS_LIBS)

# The pick rules: which copy a read serves, damage, rollbacks, generations.
check_PROGRAMS += tests/test-nvram-pick
TESTS += tests/test-nvram-pick
tests_test_nvram_pick_SOURCES = tests/test-nvram-pick.c tests/test-nvram-common.h
tests_test_nvram_pick_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_pick_LDADD = $(NVRAM_INTERNAL_LIBS)

# The format's bytes: header and entry copies of formats 1 and 2 against
# committed goldens, decoded back, damaged members reported as always.
check_PROGRAMS += tests/test-nvram-golden
TESTS += tests/test-nvram-golden
tests_test_nvram_golden_SOURCES = tests/test-nvram-golden.c tests/test-nvram-common.h
tests_test_nvram_golden_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_golden_LDADD = $(NVRAM_INTERNAL_LIBS)
EXTRA_DIST += tests/data/nvram

# A truncated image: read-only for the copies that fit, writes refused.
check_PROGRAMS += tests/test-nvram-truncated
TESTS += tests/test-nvram-truncated
tests_test_nvram_truncated_SOURCES = tests/test-nvram-truncated.c tests/test-nvram-common.h
tests_test_nvram_truncated_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_truncated_LDADD = $(NVRAM_INTERNAL_LIBS)

# Drives that are not drives: FIFO, socket, character device, size limits.
check_PROGRAMS += tests/test-nvram-targets
TESTS += tests/test-nvram-targets
tests_test_nvram_targets_SOURCES = tests/test-nvram-targets.c tests/test-nvram-common.h
tests_test_nvram_targets_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_targets_LDADD = $(NVRAM_TESTS_LIBS)

# Only the public API leaves the shared library.
TESTS += tests/test-nvram-exports.sh
EXTRA_DIST += tests/test-nvram-exports.sh

# One bad sector anywhere: never unusable, never a wrong value, a rollback
# always reported (the counts go to the log).
check_PROGRAMS += tests/test-nvram-sweep
TESTS += tests/test-nvram-sweep
tests_test_nvram_sweep_SOURCES = tests/test-nvram-sweep.c tests/test-nvram-common.h \
	tests/nbd-server.c tests/nbd-server.h
tests_test_nvram_sweep_CFLAGS = $(NVRAM_TESTS_CFLAGS)
tests_test_nvram_sweep_LDADD = $(NVRAM_TESTS_LIBS)
