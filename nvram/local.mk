# libvnvram: the crash-safe virtual NVRAM (entry registry, request worker,
# on-disk format, storage backends), written through libqvisit's visitors.
lib_LTLIBRARIES += libvnvram.la
libvnvram_la_SOURCES = \
	nvram/nvram.c \
	nvram/names.c \
	nvram/format.c \
	nvram/format.h \
	nvram/image.c \
	nvram/image.h \
	nvram/storage.c \
	nvram/storage-nbd.c \
	nvram/crc32c.c \
	nvram/crc32c.h \
	nvram/crypto.c \
	nvram/crypto.h
# The header and copy metadata types and their visitors: qvisit-gen from
# nvram/format.json into nvram/gen/ (never committed, docs/qvisit-gen.md),
# again whenever the schema or the generator changes.
NVRAM_FORMAT_QAPI = nvram/gen/format-qapi-features.h \
	nvram/gen/format-qapi-types.h nvram/gen/format-qapi-types.c \
	nvram/gen/format-qapi-visit.h nvram/gen/format-qapi-visit.c
nodist_libvnvram_la_SOURCES = $(NVRAM_FORMAT_QAPI)
EXTRA_DIST += nvram/format.json
BUILT_SOURCES += $(NVRAM_FORMAT_QAPI)
nvram/libvnvram_la-format.lo nvram/libvnvram_internal_la-format.lo: \
	$(NVRAM_FORMAT_QAPI)
CLEANFILES += $(NVRAM_FORMAT_QAPI) nvram/gen.stamp
nvram/gen.stamp: nvram/format.json $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) -o nvram/gen -p format- \
		$(srcdir)/nvram/format.json && touch $@
$(NVRAM_FORMAT_QAPI): nvram/gen.stamp
	@test -f $@ || { rm -f nvram/gen.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) nvram/gen.stamp; }
libvnvram_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(GTHREAD_CFLAGS) $(NETTLE_CFLAGS) \
	$(LIBNBD_CFLAGS)
libvnvram_la_LIBADD = libqvisit.la $(GTHREAD_LIBS) $(GLIB_LIBS) $(LIBNBD_LIBS)
if HAVE_NETTLE
libvnvram_la_LIBADD += $(NETTLE_LIBS)
endif
libvnvram_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(VNVRAM_LT_VERSION) -no-undefined \
	-export-symbols-regex '$(VNVRAM_PUBLIC_SYMBOLS)'
# Only the API of nvram.h and storage.h is exported: the format, the copy
# protocol, crypto and CRC-32C stay internal.
VNVRAM_PUBLIC_SYMBOLS = ^nvram_(create_source|delete|deregister_entry|encoding_name|encryption_available|entry_name_init|format|format_storage|format_storage_with_key|get_storage|had_fatal_error|image_[a-z0-9_]+|measure|process_requests|read_data|register_entry|set_entry_policy|setup|setup_with_storage|start|strerror|write_data|storage_[a-z0-9_]+)$$

# The same objects, every symbol visible, for the tests that reach the
# internals (nvram/format.h, nvram/image.h); not installed.
noinst_LTLIBRARIES += libvnvram-internal.la
libvnvram_internal_la_SOURCES = $(libvnvram_la_SOURCES)
nodist_libvnvram_internal_la_SOURCES = $(nodist_libvnvram_la_SOURCES)
libvnvram_internal_la_CFLAGS = $(libvnvram_la_CFLAGS)
libvnvram_internal_la_LIBADD = $(libvnvram_la_LIBADD)

nvraminclude_HEADERS += \
	nvram/nvram.h \
	nvram/storage.h
