/*
 * Code written for QEMU that includes only qapi/error.h (after osdep.h)
 * sees QType, its lookup table and the enum helpers, as QEMU's
 * qapi/error.h provides them through qapi-types-error.h.
 */
#include "qemu/osdep.h"
#include "qapi/error.h"

int compat_error_only(const char *name, Error **errp);

int compat_error_only(const char *name, Error **errp)
{
    int t = qapi_enum_parse(&QType_lookup, name, QTYPE_NONE, errp);

    if (t != QTYPE_NONE) {
        warn_report("%s is %s", name, QType_str(t));
    }
    return t;
}
