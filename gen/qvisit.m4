# qvisit.m4: find qvisit-gen for a project that generates QAPI visitors.
#
# QVISIT_PROG_GEN([ACTION-IF-NOT-FOUND])
# Set and substitute QVISIT_GEN: the user's $QVISIT_GEN, else the
# qvisit_gen variable of qvisit.pc, else qvisit-gen on $PATH. Without
# ACTION-IF-NOT-FOUND, a missing qvisit-gen is an error.
AC_DEFUN([QVISIT_PROG_GEN], [
  AC_REQUIRE([PKG_PROG_PKG_CONFIG])
  AC_ARG_VAR([QVISIT_GEN], [the qvisit-gen schema compiler])
  AC_MSG_CHECKING([for qvisit-gen])
  AS_IF([test -z "$QVISIT_GEN" && test -n "$PKG_CONFIG"],
    [QVISIT_GEN=`$PKG_CONFIG --variable=qvisit_gen qvisit 2>/dev/null`])
  AS_IF([test -n "$QVISIT_GEN" && test ! -x "$QVISIT_GEN"], [QVISIT_GEN=])
  AS_IF([test -z "$QVISIT_GEN"],
    [QVISIT_GEN=`command -v qvisit-gen 2>/dev/null`])
  AS_IF([test -n "$QVISIT_GEN"], [AC_MSG_RESULT([$QVISIT_GEN])],
    [AC_MSG_RESULT([no])
     m4_default([$1], [AC_MSG_ERROR([qvisit-gen not found: install qvisit or set QVISIT_GEN])])])
  AC_SUBST([QVISIT_GEN])
])
