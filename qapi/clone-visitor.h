/*
 * qapi/clone-visitor.h: deep copies of QAPI objects, as QEMU's.
 */
#ifndef QAPI_CLONE_VISITOR_H
#define QAPI_CLONE_VISITOR_H

#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Return a new clone visitor: visiting an object with it replaces the
 * object (and everything it points to) by a deep copy, leaving the source
 * untouched. Cloning never fails (allocation aborts, as g_malloc does).
 * Free it with visit_free(). Use it through QAPI_CLONE().
 */
Visitor *qapi_clone_visitor_new(void);

/*
 * As qapi_clone_visitor_new(), for visit_type_Foo_members() on a struct
 * already copied shallowly: only what its members point to is copied.
 * Use it through QAPI_CLONE_MEMBERS().
 */
Visitor *qapi_clone_members_visitor_new(void);

/*
 * QAPI_CLONE(Foo, src): a deep copy of the Foo *@src (NULL gives NULL),
 * made by visit_type_Foo() called with its own type, as in QEMU.
 */
#define QAPI_CLONE(type, src)                                           \
    ({                                                                  \
        type *clone_ = (type *)(src);                                   \
                                                                        \
        if (clone_) {                                                   \
            Visitor *clone_v_ = qapi_clone_visitor_new();               \
                                                                        \
            visit_type_ ## type(clone_v_, NULL, &clone_, &error_abort); \
            visit_free(clone_v_);                                       \
        }                                                               \
        clone_;                                                         \
    })

/* QAPI_CLONE_MEMBERS(Foo, dst, src): deep-copy *@src's members into *@dst. */
#define QAPI_CLONE_MEMBERS(type, dst, src)                              \
    ({                                                                  \
        Visitor *clone_v_ = qapi_clone_members_visitor_new();           \
                                                                        \
        *(type *)(dst) = *(src);                                        \
        visit_type_ ## type ## _members(clone_v_, (type *)(dst),        \
                                        &error_abort);                  \
        visit_free(clone_v_);                                           \
    })

#ifdef __cplusplus
}
#endif

#endif /* QAPI_CLONE_VISITOR_H */
