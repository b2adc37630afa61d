# libqvisit: the visitor core, the Error API, and (from visitors/local.mk) the visitors.
lib_LTLIBRARIES += libqvisit.la
libqvisit_la_SOURCES = \
	qapi/error.c \
	qapi/qapi-visit-core.c \
	qapi/qapi-util.c \
	qapi/dealloc-visitor.c \
	qapi/clone-visitor.c
# QType and the builtin lists (strList, ...): qvisit-gen's builtin module,
# generated here at build time (never committed, never distributed).
QAPI_BUILTIN_H = qapi/qapi-builtin-types.h qapi/qapi-builtin-visit.h
QAPI_BUILTIN_C = qapi/qapi-builtin-types.c qapi/qapi-builtin-visit.c
nodist_libqvisit_la_SOURCES = $(QAPI_BUILTIN_C)
nodist_qapiinclude_HEADERS = $(QAPI_BUILTIN_H)
BUILT_SOURCES += $(QAPI_BUILTIN_H) $(QAPI_BUILTIN_C)
CLEANFILES += $(QAPI_BUILTIN_H) $(QAPI_BUILTIN_C) qapi/builtin.stamp
qapi/builtin.stamp: $(QVISIT_GEN_DEPS)
	$(AM_V_GEN)$(QVISIT_GEN) --builtins-only -o qapi && touch $@
$(QAPI_BUILTIN_H) $(QAPI_BUILTIN_C): qapi/builtin.stamp
	@test -f $@ || { rm -f qapi/builtin.stamp; \
		$(MAKE) $(AM_MAKEFLAGS) qapi/builtin.stamp; }
libqvisit_la_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS) $(JSONC_CFLAGS)
libqvisit_la_LIBADD = $(GLIB_LIBS) $(JSONC_LIBS)
libqvisit_la_LDFLAGS = $(AM_LDFLAGS) -version-info $(QVISIT_LT_VERSION) -no-undefined

qvisitinclude_HEADERS += qvisit.h
qapiinclude_HEADERS += \
	qapi/error.h \
	qapi/visitor.h \
	qapi/visitor-impl.h \
	qapi/util.h \
	qapi/compat-policy.h \
	qapi/dealloc-visitor.h \
	qapi/clone-visitor.h
qapiqmpincludedir = $(includedir)/qvisit/qapi/qmp
qapiqmpinclude_HEADERS = qapi/qmp/qnull.h
# Stand-ins for the QEMU headers that QEMU-generated code includes
# (docs/qapi-compat.md says which part of QEMU each stands for).
qemuincludedir = $(includedir)/qvisit/qemu
qemuinclude_HEADERS = \
	qemu/osdep.h \
	qemu/compiler.h \
	qemu/typedefs.h \
	qemu/error-report.h
qobjectincludedir = $(includedir)/qvisit/qobject
qobjectinclude_HEADERS = qobject/qnull.h
