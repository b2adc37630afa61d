# The TPM-like demo device over libvnvram (run by ./quickstart demo through
# examples/demo.sh).
noinst_PROGRAMS += examples/tpm-device
examples_tpm_device_SOURCES = \
	examples/tpm-device.c \
	examples/tpm-state.h
nodist_examples_tpm_device_SOURCES = $(EXAMPLES_QAPI)
examples_tpm_device_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
examples_tpm_device_LDADD = libvnvram.la libqvisit.la $(GLIB_LIBS)
EXTRA_DIST += examples/demo.sh

# The device state's types and visitors: qvisit-gen from
# examples/tpm-state.json into examples/gen/ (never committed,
# docs/qvisit-gen.md), again whenever the schema or the generator changes.
EXAMPLES_QAPI = examples/gen/tpm-qapi-features.h \
	examples/gen/tpm-qapi-types.h examples/gen/tpm-qapi-types.c \
	examples/gen/tpm-qapi-visit.h examples/gen/tpm-qapi-visit.c
EXTRA_DIST += examples/tpm-state.json
BUILT_SOURCES += $(EXAMPLES_QAPI)
$(examples_tpm_device_OBJECTS): $(EXAMPLES_QAPI)
CLEANFILES += $(EXAMPLES_QAPI) examples/gen.stamp
examples/gen.stamp: examples/tpm-state.json $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o examples/gen -p tpm- \
		$(srcdir)/examples/tpm-state.json && touch $@
$(EXAMPLES_QAPI): examples/gen.stamp
	@test -f $@ || { rm -f examples/gen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) examples/gen.stamp; }
