# Unit tests (Check). Each area keeps its tests in its own fragment.
TESTS_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSONC_CFLAGS) $(CHECK_CFLAGS)
TESTS_LIBS = libqvisit.la $(GLIB_LIBS) $(JSONC_LIBS) $(CHECK_LIBS)
AM_TESTS_ENVIRONMENT = \
	top_srcdir='$(abs_top_srcdir)'; top_builddir='$(abs_top_builddir)'; \
	export top_srcdir top_builddir; \
	CK_DEFAULT_TIMEOUT=600; export CK_DEFAULT_TIMEOUT; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1; export ASAN_OPTIONS; \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1; export UBSAN_OPTIONS;
# Every Check program ends with check_run_suite() (tests/check-main.h).
EXTRA_DIST += tests/check-main.h
# What the shell tests share (sourced).
EXTRA_DIST += tests/lib.sh

include tests/core.mk
include tests/json.mk
include tests/ber.mk
include tests/dump.mk
include tests/nvram.mk
include tests/fault.mk
include tests/qapi-gen.mk
include tests/qvisit-gen.mk
include tests/migration.mk
include tests/vtpm.mk
include tests/nbd.mk

# Conformance data carried with the tree, so that `make distcheck` runs it too:
# the free ASN.1:2008 compliance suite (BSD licence, tests/data/compli/LICENSE).
EXTRA_DIST += tests/data
