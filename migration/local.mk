# migration: QEMU 7.2 migration streams read, written and visited (mig_).
libqvisit_la_SOURCES += \
	migration/mig-io.c \
	migration/mig-desc.c \
	migration/mig-stream.c \
	migration/mig-convert.c \
	migration/mig-diff.c \
	migration/mig-stats.c
migrationincludedir = $(includedir)/qvisit/migration
migrationinclude_HEADERS = \
	migration/mig-io.h \
	migration/mig-desc.h \
	migration/migstream.h \
	migration/mig-convert.h \
	migration/mig-diff.h \
	migration/mig-stats.h
