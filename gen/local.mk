# qvisit-gen: the QAPI schema compiler (Python 3, standard library only).
dist_bin_SCRIPTS = gen/qvisit-gen
dist_man_MANS += gen/qvisit-gen.1

# The package doing the work; the installed script is told where it is.
qvisitgendir = $(pkgdatadir)/qvisit_gen
dist_qvisitgen_DATA = gen/qvisit_gen/__init__.py gen/qvisit_gen/parser.py \
	gen/qvisit_gen/schema.py gen/qvisit_gen/cgen.py gen/qvisit_gen/asn1.py
install-exec-hook: install-qvisit-gen-hook
install-qvisit-gen-hook:
	sed -i 's|^PKGDATADIR = None$$|PKGDATADIR = "$(pkgdatadir)"|' \
		'$(DESTDIR)$(bindir)/qvisit-gen'
.PHONY: install-qvisit-gen-hook

# How the tree's own rules run it (the tree's copy, never an installed one),
# and what its output depends on.
QVISIT_GEN = $(PYTHON3) $(top_srcdir)/gen/qvisit-gen
QVISIT_GEN_DEPS = gen/qvisit-gen $(dist_qvisitgen_DATA)

# For projects using autoconf: QVISIT_PROG_GEN (docs/qvisit-gen.md).
aclocaldir = $(datadir)/aclocal
dist_aclocal_DATA = gen/qvisit.m4
