/*
 * qvisit.h: the whole public API of libqvisit in one include.
 *
 * The QEMU-named headers below may also be included one by one
 * ("qapi/visitor.h", "qapi/error.h", ...), exactly as in QEMU.
 */
#ifndef QVISIT_H
#define QVISIT_H

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "qapi/util.h"
#include "qapi/qapi-builtin-types.h"
#include "qapi/qapi-builtin-visit.h"
#include "qapi/dealloc-visitor.h"
#include "qapi/clone-visitor.h"
#include "qobject/qnull.h"
#include "visitors/json-output-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-visitor.h"
#include "visitors/ber-inspect.h"
#include "migration/mig-io.h"
#include "migration/mig-desc.h"
#include "migration/migstream.h"
#include "migration/mig-convert.h"
#include "migration/mig-diff.h"
#include "migration/mig-stats.h"

#endif /* QVISIT_H */
