# libFuzzer targets (configure CC=clang --enable-fuzzing, which instruments every
# object with -fsanitize=fuzzer-no-link,address,undefined): `make fuzz` builds them,
# `make fuzz-run` runs each for FUZZ_SECONDS on a copy of its seed corpus.
# To add a target: append its path (fuzz/fuzz-NAME) to FUZZ_TARGETS in a block
# of your own below, give it fuzz_fuzz_NAME_SOURCES/_LDADD/_LDFLAGS = $(FUZZER_LINK_FLAGS),
# and keep its seeds in fuzz/corpus/fuzz-NAME/ (listed in EXTRA_DIST).
FUZZ_TARGETS =
FUZZ_SECONDS = 60
FUZZER_LINK_FLAGS = -fsanitize=fuzzer
EXTRA_PROGRAMS = $(FUZZ_TARGETS)
CLEANFILES += $(FUZZ_TARGETS)

if FUZZING
# The generated headers first: the targets' objects include them, and
# BUILT_SOURCES is made only by all, check and install.
fuzz: $(BUILT_SOURCES)
	@$(MAKE) $(AM_MAKEFLAGS) $(FUZZ_TARGETS)
	@echo "fuzz targets built: $(FUZZ_TARGETS)"

fuzz-run: fuzz
	@status=0; for t in $(FUZZ_TARGETS); do \
	  n=$${t##*/}; rm -rf fuzz/work/$$n; mkdir -p fuzz/work/$$n; \
	  if test -d $(srcdir)/fuzz/corpus/$$n; then cp $(srcdir)/fuzz/corpus/$$n/* fuzz/work/$$n/ 2>/dev/null; fi; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS) s"; \
	  if ./$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -rss_limit_mb=2048 \
	       -artifact_prefix=fuzz/ fuzz/work/$$n > fuzz/$$n.out 2>&1; then \
	    grep -E 'stat::number_of_executed_units|stat::peak_rss_mb' fuzz/$$n.out | sed "s/^/fuzz: $$n: /"; \
	  else \
	    status=1; tail -n 60 fuzz/$$n.out; echo "fuzz: $$n FAILED"; \
	  fi; \
	done; exit $$status
else
fuzz fuzz-run:
	@echo "fuzz targets need: ./configure CC=clang --enable-fuzzing" >&2; exit 1
endif
.PHONY: fuzz fuzz-run

# BER input visitor: decode arbitrary bytes as the test types in every mode,
# re-encode what decodes and check the round trip.
FUZZ_TARGETS += fuzz/fuzz-ber-input
fuzz_fuzz_ber_input_SOURCES = fuzz/fuzz-ber-input.c \
	tests/test-qapi-types.c tests/test-qapi-types.h
fuzz_fuzz_ber_input_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
fuzz_fuzz_ber_input_LDADD = libqvisit.la $(GLIB_LIBS) $(JSONC_LIBS) -lm
fuzz_fuzz_ber_input_LDFLAGS = $(FUZZER_LINK_FLAGS) -static
EXTRA_DIST += fuzz/corpus/fuzz-ber-input

# ber-dump: the inspector (visitors/ber-inspect.c) behind tools/ber-dump
FUZZ_TARGETS += fuzz/fuzz-ber-dump
fuzz_fuzz_ber_dump_SOURCES = fuzz/fuzz-ber-dump.c
fuzz_fuzz_ber_dump_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
fuzz_fuzz_ber_dump_LDADD = libqvisit.la $(GLIB_LIBS) $(JSONC_LIBS) -lm
fuzz_fuzz_ber_dump_LDFLAGS = $(FUZZER_LINK_FLAGS) -static
EXTRA_DIST += fuzz/corpus/fuzz-ber-dump

# nvram image: open arbitrary bytes as an NVRAM image and read every entry
# (libvnvram linked statically: with --enable-fuzzing every object carries
# the fuzzer's instrumentation; seeds are small valid images, see
# docs/reliability.md)
FUZZ_TARGETS += fuzz/fuzz-nvram-image
fuzz_fuzz_nvram_image_SOURCES = fuzz/fuzz-nvram-image.c
fuzz_fuzz_nvram_image_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
fuzz_fuzz_nvram_image_LDADD = libvnvram.la libqvisit.la $(GTHREAD_LIBS) \
	$(GLIB_LIBS) $(JSONC_LIBS) -lm
fuzz_fuzz_nvram_image_LDFLAGS = $(FUZZER_LINK_FLAGS) -static
EXTRA_DIST += fuzz/corpus/fuzz-nvram-image
EXTRA_DIST += fuzz/corpus/NOTICE

# migration streams: read arbitrary bytes as a QEMU stream; what is accepted
# must come back from DER and JSON byte for byte (migration/)
FUZZ_TARGETS += fuzz/fuzz-migstream
fuzz_fuzz_migstream_SOURCES = fuzz/fuzz-migstream.c
fuzz_fuzz_migstream_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
fuzz_fuzz_migstream_LDADD = libqvisit.la $(GLIB_LIBS) $(JSONC_LIBS) -lm
fuzz_fuzz_migstream_LDFLAGS = $(FUZZER_LINK_FLAGS) -static
EXTRA_DIST += fuzz/corpus/fuzz-migstream
