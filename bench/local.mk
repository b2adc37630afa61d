# bench/: the WORKLOAD.md benchmark. `make bench` builds and runs it
# (`make bench BENCH_FLAGS=--quick`, or --json, --only=w1-4k,...); it is
# never built by `make all` or `make check`. docs/performance.md explains
# the figures and the goals.
EXTRA_PROGRAMS += bench/bench
CLEANFILES += bench/bench$(EXEEXT)
bench_bench_SOURCES = \
	bench/bench.c \
	bench/bench.h \
	bench/devstate.c \
	bench/harness.c \
	bench/harness.h \
	bench/malloc-count.c \
	bench/malloc-count.h \
	bench/peers.c \
	bench/workload-report.h \
	bench/workloads.c \
	bench/workloads.h
nodist_bench_bench_SOURCES = $(BENCH_QAPI)
bench_bench_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBENCH_CFLAGS='"$(CFLAGS)"' \
	-DBENCH_ASN_FILE='"$(abs_top_srcdir)/bench/devstate.asn"' \
	-DBENCH_TOP_BUILDDIR='"$(abs_top_builddir)"'
bench_bench_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(GTHREAD_CFLAGS) \
	$(JSONC_CFLAGS) $(TASN1_CFLAGS)
bench_bench_LDADD = libvnvram.la libqvisit.la $(GTHREAD_LIBS) $(GLIB_LIBS) \
	$(JSONC_LIBS) $(TASN1_LIBS) -lm
EXTRA_DIST += bench/devstate.asn bench/peer-asn1c.c

# The records' types and visitors: qvisit-gen from bench/devstate.json into
# bench/gen/ (never committed, docs/qvisit-gen.md), again whenever the
# schema or the generator changes.
BENCH_QAPI = bench/gen/bench-qapi-features.h \
	bench/gen/bench-qapi-types.h bench/gen/bench-qapi-types.c \
	bench/gen/bench-qapi-visit.h bench/gen/bench-qapi-visit.c
EXTRA_DIST += bench/devstate.json
BUILT_SOURCES += $(BENCH_QAPI)
$(bench_bench_OBJECTS): $(BENCH_QAPI)
CLEANFILES += $(BENCH_QAPI) bench/gen.stamp
bench/gen.stamp: bench/devstate.json $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o bench/gen -p bench- \
		$(srcdir)/bench/devstate.json && touch $@
$(BENCH_QAPI): bench/gen.stamp
	@test -f $@ || { rm -f bench/gen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) bench/gen.stamp; }

# The asn1c peer: asn1c generates its C code from bench/devstate.asn into
# the build tree when the benchmark is built (generated code is never
# committed); the files, minus asn1c's converter sample program, plus
# bench/peer-asn1c.c become one static library. Which support files asn1c
# copies depends on its version, hence a loop rather than a fixed list.
if HAVE_ASN1C
BENCH_ASN1C_LIB = bench/asn1c/libasn1cpeer.a
bench_bench_CPPFLAGS += -DHAVE_ASN1C_PEER
bench_bench_LDADD += $(BENCH_ASN1C_LIB)
bench_bench_DEPENDENCIES = libvnvram.la libqvisit.la $(BENCH_ASN1C_LIB)

$(BENCH_ASN1C_LIB): $(srcdir)/bench/devstate.asn $(srcdir)/bench/peer-asn1c.c \
		$(srcdir)/bench/bench.h $(BENCH_QAPI)
	$(AM_V_GEN)rm -rf bench/asn1c && $(MKDIR_P) bench/asn1c && \
	(cd bench/asn1c && $(ASN1C) -fcompound-names -pdu=DevState \
	    '$(abs_top_srcdir)/bench/devstate.asn') >bench/asn1c.log 2>&1 || \
	    { cat bench/asn1c.log; exit 1; }; \
	rm -f bench/asn1c/converter-sample.c bench/asn1c/converter-example.c; \
	for f in bench/asn1c/*.c; do \
	  $(CC) $(CFLAGS) -w -Ibench/asn1c -c "$$f" -o "$${f%.c}.o" || exit 1; \
	done; \
	version=`$(ASN1C) -v 2>&1 | sed -n 's/.*v\([0-9][0-9.]*\).*/\1/p' | head -n 1`; \
	$(CC) $(CFLAGS) $(WARN_CFLAGS) -isystem bench/asn1c -I$(top_srcdir) \
	    -I$(top_builddir) $(GLIB_CFLAGS) -DASN1C_PEER_VERSION="\"$$version\"" \
	    -c $(srcdir)/bench/peer-asn1c.c -o bench/asn1c/peer-asn1c.o && \
	rm -f $@ && $(AR) cr $@ bench/asn1c/*.o && $(RANLIB) $@
else
bench_bench_DEPENDENCIES = libvnvram.la libqvisit.la
endif
CLEANFILES += bench/asn1c/* bench/asn1c.log

# W4-W6 are programs of their own (bench/workloads.h says which, where and
# with which goals): a module's local.mk adds its program with
#   EXTRA_PROGRAMS += bench/bench-w4
#   BENCH_WORKLOADS += bench/bench-w4$(EXEEXT)
# (BENCH_WORKLOADS is set in Makefile.am, before any local.mk), and
# `make bench` builds it and runs it once per pass. Missing ones are
# reported as such; their goals count as not measured.
# W5: a script; the build tree's copy knows where the build tree is
BENCH_WORKLOADS += bench/bench-w5
EXTRA_DIST += bench/bench-w5.py
CLEANFILES += bench/bench-w5
bench/bench-w5: $(srcdir)/bench/bench-w5.py
	$(AM_V_GEN)$(MKDIR_P) bench && \
	sed -e 's|__TOP_BUILDDIR__|$(abs_top_builddir)|g' \
	    $(srcdir)/bench/bench-w5.py > $@.tmp && chmod +x $@.tmp && mv $@.tmp $@

BENCH_FLAGS =
bench: all bench/bench$(EXEEXT) $(BENCH_WORKLOADS)
	./bench/bench$(EXEEXT) --ber-dump=tools/ber-dump$(EXEEXT) $(BENCH_FLAGS)
.PHONY: bench

# W6 (commit over NBD into qcow2 against nbd_pwrite+nbd_flush on the same
# connection): a program of its own, run by make bench in every pass; never
# built by make all or make check.
EXTRA_PROGRAMS += bench/bench-nbd
BENCH_WORKLOADS += bench/bench-nbd$(EXEEXT)
CLEANFILES += bench/bench-nbd$(EXEEXT)
bench_bench_nbd_SOURCES = bench/bench-nbd.c bench/workload-report.h
bench_bench_nbd_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
bench_bench_nbd_LDADD = libvnvram.la libqvisit.la $(GLIB_LIBS)
