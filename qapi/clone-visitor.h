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
 * Return a deep copy of @src made by walking it with @visit_type (a
 * visit_type_Foo function cast to the generic signature). @src may be NULL
 * (returns NULL). Never fails: the clone visitor cannot fail and the
 * allocation aborts on exhaustion, as g_malloc does.
 */
void *qapi_clone(const void *src, bool (*visit_type)(Visitor *, const char *,
                                                     void **, Error **));

/*
 * Copy the members of @src into @dst (both of @sz bytes) with @visit_members
 * (a visit_type_Foo_members function): the top-level struct is not
 * allocated, its pointer members are deep-copied.
 */
void qapi_clone_members(void *dst, const void *src, size_t sz,
                        bool (*visit_members)(Visitor *, void *, Error **));

/* QAPI_CLONE(Foo, src): a deep copy of a Foo *, typed. */
#define QAPI_CLONE(type, src)                                           \
    ((type *)qapi_clone(src,                                            \
                        (bool (*)(Visitor *, const char *, void **,     \
                                  Error **))visit_type_ ## type))

/* QAPI_CLONE_MEMBERS(Foo, dst, src): deep-copy *src's members into *dst. */
#define QAPI_CLONE_MEMBERS(type, dst, src)                              \
    qapi_clone_members(dst, src, sizeof(type),                          \
                       (bool (*)(Visitor *, void *,                     \
                                 Error **))visit_type_ ## type ## _members)

#ifdef __cplusplus
}
#endif

#endif /* QAPI_CLONE_VISITOR_H */
