# qvisit-gen: the QAPI schema compiler (Python 3, standard library only).
dist_bin_SCRIPTS = gen/qvisit-gen
dist_man_MANS += gen/qvisit-gen.1

# How the tree's own rules run it (the tree's copy, never an installed one).
QVISIT_GEN = $(PYTHON3) $(top_srcdir)/gen/qvisit-gen

# For projects using autoconf: QVISIT_PROG_GEN (docs/qvisit-gen.md).
aclocaldir = $(datadir)/aclocal
dist_aclocal_DATA = gen/qvisit.m4
