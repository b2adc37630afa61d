# qvisit-gen on our test schema: C generated at build time into tests/qvgen/
# (never committed: it is rebuilt whenever the schema or the generator
# changes), compiled with QEMU's warnings and -Werror, and run through every
# visitor of the serialization table.
QVGEN_SCHEMA = tests/qapi-schema/qvisit-test.json \
	tests/qapi-schema/sub/qvisit-test-common.json \
	tests/qapi-schema/sub/qvisit-test-bytes.json
QVGEN_OUT = \
	tests/qvgen/qv-qapi-features.h \
	tests/qvgen/qv-qapi-types.h tests/qvgen/qv-qapi-types.c \
	tests/qvgen/qv-qapi-visit.h tests/qvgen/qv-qapi-visit.c \
	tests/qvgen/sub/qv-qapi-types-qvisit-test-common.h \
	tests/qvgen/sub/qv-qapi-types-qvisit-test-common.c \
	tests/qvgen/sub/qv-qapi-visit-qvisit-test-common.h \
	tests/qvgen/sub/qv-qapi-visit-qvisit-test-common.c \
	tests/qvgen/sub/qv-qapi-types-qvisit-test-bytes.h \
	tests/qvgen/sub/qv-qapi-types-qvisit-test-bytes.c \
	tests/qvgen/sub/qv-qapi-visit-qvisit-test-bytes.h \
	tests/qvgen/sub/qv-qapi-visit-qvisit-test-bytes.c
EXTRA_DIST += $(QVGEN_SCHEMA)
BUILT_SOURCES = $(QVGEN_OUT)
CLEANFILES += $(QVGEN_OUT) tests/qvgen.stamp

# One run writes every file; qvisit-gen leaves unchanged files untouched.
tests/qvgen.stamp: $(QVGEN_SCHEMA) $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o tests/qvgen -p qv- \
		$(srcdir)/tests/qapi-schema/qvisit-test.json && touch $@
$(QVGEN_OUT): tests/qvgen.stamp
	@test -f $@ || { rm -f tests/qvgen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) tests/qvgen.stamp; }

QVGEN_CFLAGS = $(TESTS_CFLAGS) -I$(top_builddir)/tests/qvgen \
	-DQV_TEST_COND -Wundef -Werror

check_PROGRAMS += tests/test-qvisit-gen
TESTS += tests/test-qvisit-gen
tests_test_qvisit_gen_SOURCES = tests/test-qvisit-gen.c \
	tests/qvgen-samples.c tests/qvgen-samples.h \
	tests/serialization.h tests/serialization-json.c \
	tests/serialization-ber.c
nodist_tests_test_qvisit_gen_SOURCES = $(QVGEN_OUT)
tests_test_qvisit_gen_CFLAGS = $(QVGEN_CFLAGS)
tests_test_qvisit_gen_LDADD = $(TESTS_LIBS)

# Invalid schemas: one line "FILE:LINE: what", exit 1, nothing written.
TESTS += tests/test-qvisit-gen-errors.sh
EXTRA_DIST += tests/test-qvisit-gen-errors.sh tests/qapi-schema/bad

# The ASN.1 module (qvisit-gen --asn1) against libtasn1 and pyasn1: both
# read it and decode our DER of every sample to the same field values.
check_PROGRAMS += tests/qvgen-dump
tests_qvgen_dump_SOURCES = tests/qvgen-dump.c \
	tests/qvgen-samples.c tests/qvgen-samples.h
nodist_tests_qvgen_dump_SOURCES = $(QVGEN_OUT)
tests_qvgen_dump_CFLAGS = $(QVGEN_CFLAGS)
tests_qvgen_dump_LDADD = $(TESTS_LIBS)
TESTS += tests/test-qvisit-gen-asn1.sh
EXTRA_DIST += tests/test-qvisit-gen-asn1.sh tests/asn1-crosscheck.py

# The types the visitor tests share (tests/test-qapi-types.h), generated
# into tests/gen/ and compiled through tests/test-qapi-types.c.
TQGEN_SCHEMA = tests/qapi-schema/test-qapi-types.json
TQGEN_OUT = tests/gen/tq-qapi-features.h \
	tests/gen/tq-qapi-types.h tests/gen/tq-qapi-types.c \
	tests/gen/tq-qapi-visit.h tests/gen/tq-qapi-visit.c
EXTRA_DIST += $(TQGEN_SCHEMA)
BUILT_SOURCES += $(TQGEN_OUT)
CLEANFILES += $(TQGEN_OUT) tests/gen.stamp
tests/gen.stamp: $(TQGEN_SCHEMA) $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o tests/gen -p tq- $(srcdir)/$(TQGEN_SCHEMA) \
		&& touch $@
$(TQGEN_OUT): tests/gen.stamp
	@test -f $@ || { rm -f tests/gen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) tests/gen.stamp; }

# docs/qvisit-gen.md's Makefile block, as a project outside the tree uses it.
TESTS += tests/test-qvisit-gen-user.sh
EXTRA_DIST += tests/test-qvisit-gen-user.sh tests/qvisit-gen-user
