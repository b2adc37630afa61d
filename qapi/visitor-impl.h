/*
 * qapi/visitor-impl.h: the callback table a visitor implements, as QEMU's
 * include/qapi/visitor-impl.h, plus qvisit's byte-string and enum hooks.
 *
 * Only visitor implementations include this header. The core
 * (qapi-visit-core.c) checks the contracts of qapi/visitor.h and then calls
 * these callbacks; a callback may assume its caller kept them.
 */
#ifndef QAPI_VISITOR_IMPL_H
#define QAPI_VISITOR_IMPL_H

#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The role of a visitor. Bits, so that "v->type & VISITOR_INPUT" reads
 * naturally; exactly one is set.
 */
typedef enum VisitorType {
    VISITOR_INPUT = 1 << 0,
    VISITOR_OUTPUT = 1 << 1,
    VISITOR_CLONE = 1 << 2,
    VISITOR_DEALLOC = 1 << 3,
} VisitorType;

struct Visitor {
    /* Must be set; see visit_start_struct(). */
    bool (*start_struct)(Visitor *v, const char *name, void **obj,
                         size_t size, Error **errp);
    /* Optional; input visitors should set it. */
    bool (*check_struct)(Visitor *v, Error **errp);
    /* Must be set. */
    void (*end_struct)(Visitor *v, void **obj);

    /* Must be set. */
    bool (*start_list)(Visitor *v, const char *name, GenericList **list,
                       size_t size, Error **errp);
    /* Must be set. */
    GenericList *(*next_list)(Visitor *v, GenericList *tail, size_t size);
    /* Optional; input visitors should set it. */
    bool (*check_list)(Visitor *v, Error **errp);
    /* Must be set. */
    void (*end_list)(Visitor *v, void **list);

    /* Must be set by input and dealloc visitors; optional otherwise. */
    bool (*start_alternate)(Visitor *v, const char *name,
                            GenericAlternate **obj, size_t size,
                            Error **errp);
    /* Optional. */
    void (*end_alternate)(Visitor *v, void **obj);

    /* Must be set. */
    bool (*type_int64)(Visitor *v, const char *name, int64_t *obj,
                       Error **errp);
    /* Must be set. */
    bool (*type_uint64)(Visitor *v, const char *name, uint64_t *obj,
                        Error **errp);
    /* Optional; the core falls back to type_uint64. */
    bool (*type_size)(Visitor *v, const char *name, uint64_t *obj,
                      Error **errp);
    /* Must be set. */
    bool (*type_bool)(Visitor *v, const char *name, bool *obj, Error **errp);
    /* Must be set. */
    bool (*type_str)(Visitor *v, const char *name, char **obj, Error **errp);
    /* Must be set. */
    bool (*type_number)(Visitor *v, const char *name, double *obj,
                        Error **errp);
    /* Optional; without it visit_type_any() fails (no QObject model). */
    bool (*type_any)(Visitor *v, const char *name, QObject **obj,
                     Error **errp);
    /* Must be set. */
    bool (*type_null)(Visitor *v, const char *name, QNull **obj,
                      Error **errp);

    /* Optional; without it an optional member counts as present as given. */
    bool (*optional)(Visitor *v, const char *name, bool *present);

    /* Optional; see visit_policy_reject(). */
    bool (*policy_reject)(Visitor *v, const char *name, uint64_t features,
                          Error **errp);
    /* Optional; see visit_policy_skip(). */
    bool (*policy_skip)(Visitor *v, const char *name, uint64_t features);

    /*
     * Extension, should be set: a variable-length byte string (see
     * visit_type_bytes()). Without it visit_type_bytes() fails.
     */
    bool (*type_bytes)(Visitor *v, const char *name, uint8_t **buf,
                       size_t *len, Error **errp);
    /*
     * Extension, optional: exactly @len bytes in caller-owned memory.
     * Input fills @buf and fails, leaving @buf unchanged, unless the
     * encoded length is @len; output writes @buf. Without it the core goes through type_bytes (input then
     * allocates a temporary). Byte-order conversion is the core's job.
     */
    bool (*type_fixed_bytes)(Visitor *v, const char *name, uint8_t *buf,
                             size_t len, Error **errp);
    /*
     * Extension, optional: enums as their integer value (BER ENUMERATED).
     * Output gets a value of @lookup; input must check 0 <= value <
     * lookup->size and fail with "Parameter '<name>' does not accept value
     * '<n>'" otherwise. Without it the core maps enums to strings.
     */
    bool (*type_enum)(Visitor *v, const char *name, int *obj,
                      const QEnumLookup *lookup, Error **errp);

    /* Must be set. */
    VisitorType type;

    /* Set by visit_set_policy(); read by the policy helpers. */
    CompatPolicy compat_policy;

    /* Must be set for output and clone visitors. */
    void (*complete)(Visitor *v, void *opaque);

    /* Must be set. */
    void (*free)(Visitor *v);
};

/*
 * Helpers for implementations of policy_reject/policy_skip that follow
 * v->compat_policy as QEMU's QObject visitors do.
 */
bool visit_policy_reject_by_compat(Visitor *v, const char *name,
                                   uint64_t features, Error **errp);
bool visit_policy_skip_by_compat(Visitor *v, const char *name,
                                 uint64_t features);

#ifdef __cplusplus
}
#endif

#endif /* QAPI_VISITOR_IMPL_H */
