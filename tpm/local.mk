# libvtpm: a TPM 2.0 (libtpms) whose NVRAM is libvnvram, with swtpm's
# control and data channels; linked into tools/vtpm and the tests.
noinst_LTLIBRARIES += libvtpm.la
libvtpm_la_SOURCES = \
	tpm/vtpm-ctrl.c \
	tpm/vtpm-ctrl.h \
	tpm/vtpm-device.c \
	tpm/vtpm-device.h \
	tpm/vtpm-log.c \
	tpm/vtpm-log.h \
	tpm/vtpm-names.c \
	tpm/vtpm-names.h \
	tpm/vtpm-options.c \
	tpm/vtpm-options.h \
	tpm/vtpm-profile.c \
	tpm/vtpm-server.c \
	tpm/vtpm-server.h \
	tpm/vtpm-store.c \
	tpm/vtpm-store.h \
	tpm/vtpm-store-priv.h
# The blob record's type and visitor: qvisit-gen from tpm/vtpm-store.json
# into tpm/gen/ (never committed, docs/qvisit-gen.md), again whenever the
# schema or the generator changes.
VTPM_QAPI = tpm/gen/vtpm-qapi-features.h \
	tpm/gen/vtpm-qapi-types.h tpm/gen/vtpm-qapi-types.c \
	tpm/gen/vtpm-qapi-visit.h tpm/gen/vtpm-qapi-visit.c
nodist_libvtpm_la_SOURCES = $(VTPM_QAPI)
EXTRA_DIST += tpm/vtpm-store.json
BUILT_SOURCES += $(VTPM_QAPI)
# (tools/vnvram compiles tpm/vtpm-profile.c, which includes vtpm-store.h)
$(libvtpm_la_OBJECTS) $(tools_vnvram_OBJECTS): $(VTPM_QAPI)
CLEANFILES += $(VTPM_QAPI) tpm/gen.stamp
tpm/gen.stamp: tpm/vtpm-store.json $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o tpm/gen -p vtpm- \
		$(srcdir)/tpm/vtpm-store.json && touch $@
$(VTPM_QAPI): tpm/gen.stamp
	@test -f $@ || { rm -f tpm/gen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) tpm/gen.stamp; }
libvtpm_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(LIBTPMS_CFLAGS) \
	$(NETTLE_CFLAGS)
libvtpm_la_LIBADD = libvnvram.la libqvisit.la $(LIBTPMS_LIBS) $(GLIB_LIBS)
if HAVE_NETTLE
# --key pwdfile=: swtpm's key derivation (PBKDF2-HMAC-SHA512, SHA-512)
libvtpm_la_LIBADD += $(NETTLE_LIBS)
endif

# vtpm: the daemon (swtpm's socket interface)
bin_PROGRAMS += tools/vtpm
tools_vtpm_SOURCES = tools/vtpm.c
tools_vtpm_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tools_vtpm_LDADD = libvtpm.la $(GLIB_LIBS)
dist_man_MANS += tools/vtpm.1
