/*
 * qobject/qnull.h: the JSON/ASN.1 null value, at the path QEMU >= 10 uses
 * (QEMU's include/qobject/qnull.h); qapi/qmp/qnull.h is the older path.
 *
 * qvisit has no general QObject model (see qapi/visitor.h on
 * visit_type_any). QNull exists so that visit_type_null() keeps QEMU's
 * signature: there is one shared QNull, qnull() returns a reference to it and
 * qobject_unref() releases one; both are cheap and thread-safe.
 */
#ifndef QOBJECT_QNULL_H
#define QOBJECT_QNULL_H

#ifdef __cplusplus
extern "C" {
#endif

#include "qemu/typedefs.h"

/* Return a new reference to the null value (never NULL). */
QNull *qnull(void);

/* Release a reference obtained from qnull(); NULL is allowed. */
void qnull_unref(QNull *obj);

/* QEMU spells the release qobject_unref(); for QNull it is qnull_unref(). */
#define qobject_unref(obj) qnull_unref(obj)

#ifdef __cplusplus
}
#endif

#endif /* QOBJECT_QNULL_H */
