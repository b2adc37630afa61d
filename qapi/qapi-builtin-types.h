/*
 * qapi/qapi-builtin-types.h: the types QEMU's generator emits once for all
 * schemas: QType (the dynamic type of an alternate's value) and the lists
 * of built-in scalars (strList, intList, ...), in the generator's shape.
 */
#ifndef QAPI_BUILTIN_TYPES_H
#define QAPI_BUILTIN_TYPES_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "qemu/typedefs.h"
#include "qapi/util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum QType {
    QTYPE_NONE,
    QTYPE_QNULL,
    QTYPE_QNUM,
    QTYPE_QSTRING,
    QTYPE_QDICT,
    QTYPE_QLIST,
    QTYPE_QBOOL,
    QTYPE__MAX,
} QType;

extern const QEnumLookup QType_lookup;
#define QType_str(val) qapi_enum_lookup(&QType_lookup, (val))

#define QVISIT_BUILTIN_LIST(list, ctype)        \
    typedef struct list {                       \
        struct list *next;                      \
        ctype value;                            \
    } list;                                     \
    void qapi_free_##list(list *obj);           \
    G_DEFINE_AUTOPTR_CLEANUP_FUNC(list, qapi_free_##list)

/* As QEMU's: each list has qapi_free_FooList() and g_autoptr(FooList). */
QVISIT_BUILTIN_LIST(strList, char *)
QVISIT_BUILTIN_LIST(numberList, double)
QVISIT_BUILTIN_LIST(intList, int64_t)
QVISIT_BUILTIN_LIST(int8List, int8_t)
QVISIT_BUILTIN_LIST(int16List, int16_t)
QVISIT_BUILTIN_LIST(int32List, int32_t)
QVISIT_BUILTIN_LIST(int64List, int64_t)
QVISIT_BUILTIN_LIST(uint8List, uint8_t)
QVISIT_BUILTIN_LIST(uint16List, uint16_t)
QVISIT_BUILTIN_LIST(uint32List, uint32_t)
QVISIT_BUILTIN_LIST(uint64List, uint64_t)
QVISIT_BUILTIN_LIST(sizeList, uint64_t)
QVISIT_BUILTIN_LIST(boolList, bool)
QVISIT_BUILTIN_LIST(nullList, QNull *)
/* Only empty anyLists can be visited: no visitor supports visit_type_any. */
QVISIT_BUILTIN_LIST(anyList, QObject *)

#undef QVISIT_BUILTIN_LIST

#ifdef __cplusplus
}
#endif

#endif /* QAPI_BUILTIN_TYPES_H */
