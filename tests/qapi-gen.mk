# Compatibility with QEMU's qapi-gen: its output for QEMU's test schema,
# built against the staged headers with only pkg-config's flags; and
# qvisit-gen's headers compared with qapi-gen's.
TESTS += tests/test-qapi-gen-compat.sh tests/test-qvisit-gen-compare.sh
EXTRA_DIST += tests/test-qapi-gen-compat.sh tests/qemu-compat \
	tests/qemu-qapi-locate.sh tests/test-qvisit-gen-compare.sh \
	tests/compare-qapi-headers.py

# The public headers as `make install` lays them out, so that the test
# sees exactly what an installed qvisit offers (and nothing of the tree).
COMPAT_STAGE = $(abs_top_builddir)/tests/qemu-compat-stage
check_DATA = tests/qemu-compat-stage.stamp
tests/qemu-compat-stage.stamp: $(qvisitinclude_HEADERS) $(qapiinclude_HEADERS) \
		$(nodist_qapiinclude_HEADERS) $(qapiqmpinclude_HEADERS) \
		$(qemuinclude_HEADERS) $(qobjectinclude_HEADERS) \
		$(visitorsinclude_HEADERS) $(nvraminclude_HEADERS)
	$(AM_V_GEN)rm -rf $(COMPAT_STAGE) && \
	$(MAKE) $(AM_MAKEFLAGS) DESTDIR=$(COMPAT_STAGE) \
		install-qvisitincludeHEADERS install-qapiincludeHEADERS \
		install-nodist_qapiincludeHEADERS install-qapiqmpincludeHEADERS \
		install-qemuincludeHEADERS install-qobjectincludeHEADERS \
		install-visitorsincludeHEADERS install-nvramincludeHEADERS \
		>/dev/null && \
	touch $@
clean-local: clean-qemu-compat-stage
clean-qemu-compat-stage:
	rm -rf $(COMPAT_STAGE) tests/qemu-compat-stage.stamp
.PHONY: clean-qemu-compat-stage

AM_TESTS_ENVIRONMENT += \
	QEMU_QAPI_DIR='$(QEMU_QAPI_DIR)'; PYTHON3='$(PYTHON3)'; \
	COMPAT_CC='$(CC)'; \
	COMPAT_CFLAGS='$(SANITIZER_CFLAGS) -I$(COMPAT_STAGE)$(includedir)/qvisit $(GLIB_CFLAGS)'; \
	COMPAT_LIBS='$(SANITIZER_CFLAGS) -L$(abs_top_builddir)/.libs -lqvisit $(GLIB_LIBS) $(JSONC_LIBS)'; \
	COMPAT_LIBDIR='$(abs_top_builddir)/.libs'; \
	COMPAT_INCLUDEDIR='$(COMPAT_STAGE)$(includedir)'; \
	SANITIZER_CFLAGS='$(SANITIZER_CFLAGS)'; \
	export QEMU_QAPI_DIR PYTHON3 COMPAT_CC COMPAT_CFLAGS COMPAT_LIBS \
		COMPAT_LIBDIR COMPAT_INCLUDEDIR SANITIZER_CFLAGS;

# distcheck builds from an unpacked tarball elsewhere: point it at this
# tree's QEMU generator.
AM_DISTCHECK_CONFIGURE_FLAGS = --with-qemu-qapi='$(QEMU_QAPI_DIR)'
