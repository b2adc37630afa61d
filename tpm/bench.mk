# W4 of WORKLOAD.md (vtpm against swtpm): built and run by `make bench`.
# Included after fuzz/local.mk (which sets EXTRA_PROGRAMS) and before
# bench/local.mk (whose bench target lists BENCH_WORKLOADS).
EXTRA_PROGRAMS += bench/bench-w4
BENCH_WORKLOADS += bench/bench-w4$(EXEEXT)
CLEANFILES += bench/bench-w4$(EXEEXT)
bench_bench_w4_SOURCES = bench/bench-w4.c bench/workload-report.h
bench_bench_w4_CPPFLAGS = $(AM_CPPFLAGS) \
	-DBENCH_TOP_BUILDDIR='"$(abs_top_builddir)"'
bench_bench_w4_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
bench_bench_w4_LDADD = $(GLIB_LIBS) -lm
EXTRA_bench_bench_w4_DEPENDENCIES = tools/vtpm$(EXEEXT)
