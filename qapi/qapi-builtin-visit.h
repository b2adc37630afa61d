/*
 * qapi/qapi-builtin-visit.h: visit_type_* for the built-in lists and QType,
 * in the shape QEMU's generator emits (qapi-builtin-visit.h).
 */
#ifndef QAPI_BUILTIN_VISIT_H
#define QAPI_BUILTIN_VISIT_H

#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

bool visit_type_strList(Visitor *v, const char *name, strList **obj, Error **errp);
bool visit_type_numberList(Visitor *v, const char *name, numberList **obj, Error **errp);
bool visit_type_intList(Visitor *v, const char *name, intList **obj, Error **errp);
bool visit_type_int8List(Visitor *v, const char *name, int8List **obj, Error **errp);
bool visit_type_int16List(Visitor *v, const char *name, int16List **obj, Error **errp);
bool visit_type_int32List(Visitor *v, const char *name, int32List **obj, Error **errp);
bool visit_type_int64List(Visitor *v, const char *name, int64List **obj, Error **errp);
bool visit_type_uint8List(Visitor *v, const char *name, uint8List **obj, Error **errp);
bool visit_type_uint16List(Visitor *v, const char *name, uint16List **obj, Error **errp);
bool visit_type_uint32List(Visitor *v, const char *name, uint32List **obj, Error **errp);
bool visit_type_uint64List(Visitor *v, const char *name, uint64List **obj, Error **errp);
bool visit_type_sizeList(Visitor *v, const char *name, sizeList **obj, Error **errp);
bool visit_type_boolList(Visitor *v, const char *name, boolList **obj, Error **errp);
bool visit_type_nullList(Visitor *v, const char *name, nullList **obj, Error **errp);
bool visit_type_anyList(Visitor *v, const char *name, anyList **obj, Error **errp);
bool visit_type_QType(Visitor *v, const char *name, QType *obj, Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* QAPI_BUILTIN_VISIT_H */
