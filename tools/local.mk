
# ber-dump: show and check any BER/CER/DER stream (logic in visitors/ber-inspect.c)
bin_PROGRAMS += tools/ber-dump
tools_ber_dump_SOURCES = tools/ber-dump.c tools/ber-dump-schema.c \
	tools/ber-dump-schema.h
tools_ber_dump_CFLAGS = $(AM_CFLAGS) $(TASN1_CFLAGS)
tools_ber_dump_LDADD = libqvisit.la $(TASN1_LIBS) $(GLIB_LIBS)
dist_man_MANS += tools/ber-dump.1

# vnvram: create, measure, inspect, check and dump NVRAM images (libvnvram)
bin_PROGRAMS += tools/vnvram
# tpm/vtpm-profile.c: the --profile entry sets are vtpm's own (it needs no
# libtpms, so vnvram does not link one)
tools_vnvram_SOURCES = tools/vnvram.c tpm/vtpm-profile.c
tools_vnvram_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tools_vnvram_LDADD = libvnvram.la libqvisit.la $(GLIB_LIBS)
dist_man_MANS += tools/vnvram.1

# migstream: convert, dump, diff and measure QEMU migration streams (migration/)
bin_PROGRAMS += tools/migstream
tools_migstream_SOURCES = tools/migstream.c
tools_migstream_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
tools_migstream_LDADD = libqvisit.la $(GLIB_LIBS)
dist_man_MANS += tools/migstream.1
