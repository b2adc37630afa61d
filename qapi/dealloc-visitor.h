/*
 * qapi/dealloc-visitor.h: the visitor that frees a QAPI object (what the
 * generated qapi_free_Foo() uses), as QEMU's.
 */
#ifndef QAPI_DEALLOC_VISITOR_H
#define QAPI_DEALLOC_VISITOR_H

#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Return a visitor that frees every allocation it visits: strings, byte
 * strings, list nodes, structs, alternates and QNull references. It copes
 * with partially built objects (NULL members, truncated lists). Never fails;
 * free it with visit_free().
 */
Visitor *qapi_dealloc_visitor_new(void);

#ifdef __cplusplus
}
#endif

#endif /* QAPI_DEALLOC_VISITOR_H */
