/*
 * qapi/qmp/qnull.h: QEMU < 10 spelled the path of qobject/qnull.h so.
 */
#ifndef QAPI_QMP_QNULL_H
#define QAPI_QMP_QNULL_H

#include "qobject/qnull.h"

#endif /* QAPI_QMP_QNULL_H */
