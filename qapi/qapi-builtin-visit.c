/*
 * visit_type_* and qapi_free_* for the built-in lists, in the shape QEMU's
 * generator emits them (one instance per element type).
 */
#include "config.h"

#include "qapi/qapi-builtin-visit.h"
#include "qapi/dealloc-visitor.h"

#define QVISIT_DEFINE_BUILTIN_LIST(list, visit_elem)                        \
bool visit_type_##list(Visitor *v, const char *name, list **obj,            \
                       Error **errp)                                        \
{                                                                           \
    bool ok = false;                                                        \
    list *tail;                                                             \
    size_t size = sizeof(**obj);                                            \
                                                                            \
    if (!visit_start_list(v, name, (GenericList **)obj, size, errp)) {      \
        return false;                                                       \
    }                                                                       \
    for (tail = *obj; tail;                                                 \
         tail = (list *)visit_next_list(v, (GenericList *)tail, size)) {    \
        if (!visit_elem(v, NULL, &tail->value, errp)) {                     \
            goto out_obj;                                                   \
        }                                                                   \
    }                                                                       \
    ok = visit_check_list(v, errp);                                         \
out_obj:                                                                    \
    visit_end_list(v, (void **)obj);                                        \
    if (!ok && visit_is_input(v)) {                                         \
        qapi_free_##list(*obj);                                             \
        *obj = NULL;                                                        \
    }                                                                       \
    return ok;                                                              \
}                                                                           \
                                                                            \
void qapi_free_##list(list *obj)                                            \
{                                                                           \
    Visitor *v;                                                             \
                                                                            \
    if (!obj) {                                                             \
        return;                                                             \
    }                                                                       \
    v = qapi_dealloc_visitor_new();                                         \
    visit_type_##list(v, NULL, &obj, NULL);                                 \
    visit_free(v);                                                          \
}

QVISIT_DEFINE_BUILTIN_LIST(strList, visit_type_str)
QVISIT_DEFINE_BUILTIN_LIST(numberList, visit_type_number)
QVISIT_DEFINE_BUILTIN_LIST(intList, visit_type_int)
QVISIT_DEFINE_BUILTIN_LIST(int8List, visit_type_int8)
QVISIT_DEFINE_BUILTIN_LIST(int16List, visit_type_int16)
QVISIT_DEFINE_BUILTIN_LIST(int32List, visit_type_int32)
QVISIT_DEFINE_BUILTIN_LIST(int64List, visit_type_int64)
QVISIT_DEFINE_BUILTIN_LIST(uint8List, visit_type_uint8)
QVISIT_DEFINE_BUILTIN_LIST(uint16List, visit_type_uint16)
QVISIT_DEFINE_BUILTIN_LIST(uint32List, visit_type_uint32)
QVISIT_DEFINE_BUILTIN_LIST(uint64List, visit_type_uint64)
QVISIT_DEFINE_BUILTIN_LIST(sizeList, visit_type_size)
QVISIT_DEFINE_BUILTIN_LIST(boolList, visit_type_bool)
QVISIT_DEFINE_BUILTIN_LIST(nullList, visit_type_null)
QVISIT_DEFINE_BUILTIN_LIST(anyList, visit_type_any)

bool visit_type_QType(Visitor *v, const char *name, QType *obj, Error **errp)
{
    int value = *obj;
    bool ok = visit_type_enum(v, name, &value, &QType_lookup, errp);

    *obj = value;
    return ok;
}
