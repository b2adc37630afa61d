# libvnvram: the crash-safe virtual NVRAM (entry registry, request worker,
# on-disk format, storage backends), written through libqvisit's visitors.
lib_LTLIBRARIES += libvnvram.la
libvnvram_la_SOURCES = \
	nvram/nvram.c \
	nvram/format.c \
	nvram/format.h \
	nvram/storage.c \
	nvram/storage-nbd.c \
	nvram/crc32c.c \
	nvram/crypto.c \
	nvram/crypto.h
libvnvram_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(GTHREAD_CFLAGS) $(NETTLE_CFLAGS) \
	$(LIBNBD_CFLAGS)
libvnvram_la_LIBADD = libqvisit.la $(GTHREAD_LIBS) $(GLIB_LIBS) $(LIBNBD_LIBS)
if HAVE_NETTLE
libvnvram_la_LIBADD += $(NETTLE_LIBS)
endif
libvnvram_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(VNVRAM_LT_VERSION) -no-undefined

nvraminclude_HEADERS += \
	nvram/nvram.h \
	nvram/storage.h \
	nvram/crc32c.h
