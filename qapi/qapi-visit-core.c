/*
 * The visitor core: checks the contracts of qapi/visitor.h, then dispatches
 * to the visitor's callbacks. Integer widths, enums and byte order are
 * handled here once, so that no visitor implements them.
 */
#include "config.h"

#include <assert.h>
#include <string.h>

#include "qapi/visitor-impl.h"

void visit_complete(Visitor *v, void *opaque)
{
    assert(v->type != VISITOR_OUTPUT || v->complete);
    if (v->complete) {
        v->complete(v, opaque);
    }
}

void visit_free(Visitor *v)
{
    if (v) {
        v->free(v);
    }
}

bool visit_start_struct(Visitor *v, const char *name, void **obj,
                        size_t size, Error **errp)
{
    bool ok;

    if (obj) {
        assert(size);
        assert(!(v->type & VISITOR_OUTPUT) || *obj);
    }
    ok = v->start_struct(v, name, obj, size, errp);
    if (obj && (v->type & VISITOR_INPUT)) {
        assert(ok != !*obj);
    }
    return ok;
}

bool visit_check_struct(Visitor *v, Error **errp)
{
    return v->check_struct ? v->check_struct(v, errp) : true;
}

void visit_end_struct(Visitor *v, void **obj)
{
    v->end_struct(v, obj);
}

bool visit_start_list(Visitor *v, const char *name, GenericList **list,
                      size_t size, Error **errp)
{
    bool ok;

    assert(!list || size >= sizeof(GenericList));
    ok = v->start_list(v, name, list, size, errp);
    if (list && (v->type & VISITOR_INPUT)) {
        assert(ok || !*list);
    }
    return ok;
}

GenericList *visit_next_list(Visitor *v, GenericList *tail, size_t size)
{
    assert(tail && size >= sizeof(GenericList));
    return v->next_list(v, tail, size);
}

bool visit_check_list(Visitor *v, Error **errp)
{
    return v->check_list ? v->check_list(v, errp) : true;
}

void visit_end_list(Visitor *v, void **obj)
{
    v->end_list(v, obj);
}

bool visit_start_alternate(Visitor *v, const char *name,
                           GenericAlternate **obj, size_t size,
                           Error **errp)
{
    bool ok;

    assert(obj && size >= sizeof(GenericAlternate));
    assert(!(v->type & VISITOR_OUTPUT) || *obj);
    if (!v->start_alternate) {
        assert(!(v->type & (VISITOR_INPUT | VISITOR_DEALLOC)));
        return true;
    }
    ok = v->start_alternate(v, name, obj, size, errp);
    if (v->type & VISITOR_INPUT) {
        assert(ok != !*obj);
    }
    return ok;
}

void visit_end_alternate(Visitor *v, void **obj)
{
    if (v->end_alternate) {
        v->end_alternate(v, obj);
    }
}

bool visit_optional(Visitor *v, const char *name, bool *present)
{
    if (v->optional) {
        v->optional(v, name, present);
    }
    return *present;
}

bool visit_policy_reject(Visitor *v, const char *name, uint64_t features,
                         Error **errp)
{
    return v->policy_reject ? v->policy_reject(v, name, features, errp)
                            : false;
}

bool visit_policy_skip(Visitor *v, const char *name, uint64_t features)
{
    return v->policy_skip ? v->policy_skip(v, name, features) : false;
}

void visit_set_policy(Visitor *v, CompatPolicy *policy)
{
    v->compat_policy = *policy;
}

static bool compat_policy_input_ok1(const char *adjective,
                                    CompatPolicyInput policy,
                                    ErrorClass error_class,
                                    const char *kind, const char *name,
                                    Error **errp)
{
    switch (policy) {
    case COMPAT_POLICY_INPUT_ACCEPT:
        return true;
    case COMPAT_POLICY_INPUT_REJECT:
        error_set(errp, error_class, "%s %s %s disabled by policy",
                  adjective, kind, name ? name : "null");
        return false;
    case COMPAT_POLICY_INPUT_CRASH:
    default:
        abort();
    }
}

bool compat_policy_input_ok(uint64_t features, const CompatPolicy *policy,
                            ErrorClass error_class, const char *kind,
                            const char *name, Error **errp)
{
    if ((features & (1u << QAPI_DEPRECATED))
        && !compat_policy_input_ok1("Deprecated", policy->deprecated_input,
                                    error_class, kind, name, errp)) {
        return false;
    }
    if ((features & (1u << QAPI_UNSTABLE))
        && !compat_policy_input_ok1("Unstable", policy->unstable_input,
                                    error_class, kind, name, errp)) {
        return false;
    }
    return true;
}

bool visit_policy_reject_by_compat(Visitor *v, const char *name,
                                   uint64_t features, Error **errp)
{
    return !compat_policy_input_ok(features, &v->compat_policy,
                                   ERROR_CLASS_GENERIC_ERROR, "parameter",
                                   name, errp);
}

bool visit_policy_skip_by_compat(Visitor *v, const char *name,
                                 uint64_t features)
{
    const CompatPolicy *policy = &v->compat_policy;

    return ((features & (1u << QAPI_DEPRECATED))
            && policy->deprecated_output == COMPAT_POLICY_OUTPUT_HIDE)
        || ((features & (1u << QAPI_UNSTABLE))
            && policy->unstable_output == COMPAT_POLICY_OUTPUT_HIDE);
}

bool visit_is_input(Visitor *v)
{
    return v->type == VISITOR_INPUT;
}

bool visit_is_dealloc(Visitor *v)
{
    return v->type == VISITOR_DEALLOC;
}

/*** Integers: every width goes through type_int64 / type_uint64 ***/

bool visit_type_int(Visitor *v, const char *name, int64_t *obj, Error **errp)
{
    assert(obj);
    return v->type_int64(v, name, obj, errp);
}

/*
 * A decoded value outside the member's range: the error path of the
 * narrow integer wrappers, out of line so that their common path keeps
 * no frame of its own.
 */
static G_GNUC_NO_INLINE bool integer_range_error(Visitor *v, const char *name,
                                                 const char *type,
                                                 Error **errp)
{
    assert(v->type == VISITOR_INPUT);
    error_setg(errp, "Parameter '%s' expects %s", name ? name : "null",
               type);
    return false;
}

/*
 * The narrow wrappers: @name_ (u)int@bits_t through the 64-bit callback
 * @cb (of @wide values), out of range when @out_of_range(value). A scalar
 * owns no memory: freeing a struct skips its integer members before
 * anything else (the dealloc callbacks do nothing), and *@obj is written
 * only on success.
 */
#define VISIT_TYPE_NARROW(name_, bits, wide, cb, out_of_range)             \
bool visit_type_##name_##bits(Visitor *v, const char *name,                 \
                              name_##bits##_t *obj, Error **errp)           \
{                                                                           \
    wide value;                                                             \
                                                                            \
    if (v->type == VISITOR_DEALLOC) {                                       \
        return true;                                                        \
    }                                                                       \
    value = *obj;                                                           \
    if (!v->cb(v, name, &value, errp)) {                                    \
        return false;                                                       \
    }                                                                       \
    if (G_UNLIKELY(out_of_range(value))) {                                  \
        return integer_range_error(v, name, #name_ #bits "_t", errp);       \
    }                                                                       \
    *obj = value;                                                           \
    return true;                                                            \
}
#define UINT8_OUT(x) ((x) > UINT8_MAX)
#define UINT16_OUT(x) ((x) > UINT16_MAX)
#define UINT32_OUT(x) ((x) > UINT32_MAX)
#define INT8_OUT(x) ((x) < INT8_MIN || (x) > INT8_MAX)
#define INT16_OUT(x) ((x) < INT16_MIN || (x) > INT16_MAX)
#define INT32_OUT(x) ((x) < INT32_MIN || (x) > INT32_MAX)
#define VISIT_TYPE_UINT(bits) \
    VISIT_TYPE_NARROW(uint, bits, uint64_t, type_uint64, UINT##bits##_OUT)
#define VISIT_TYPE_INT(bits) \
    VISIT_TYPE_NARROW(int, bits, int64_t, type_int64, INT##bits##_OUT)

VISIT_TYPE_UINT(8)
VISIT_TYPE_UINT(16)
VISIT_TYPE_UINT(32)

bool visit_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                       Error **errp)
{
    assert(obj);
    if (v->type == VISITOR_DEALLOC) {
        return true;
    }
    return v->type_uint64(v, name, obj, errp);
}

VISIT_TYPE_INT(8)
VISIT_TYPE_INT(16)
VISIT_TYPE_INT(32)

bool visit_type_int64(Visitor *v, const char *name, int64_t *obj,
                      Error **errp)
{
    assert(obj);
    if (v->type == VISITOR_DEALLOC) {
        return true;
    }
    return v->type_int64(v, name, obj, errp);
}

bool visit_type_size(Visitor *v, const char *name, uint64_t *obj,
                     Error **errp)
{
    assert(obj);
    if (v->type_size) {
        return v->type_size(v, name, obj, errp);
    }
    return v->type_uint64(v, name, obj, errp);
}

/*** Other scalars ***/

bool visit_type_bool(Visitor *v, const char *name, bool *obj, Error **errp)
{
    assert(obj);
    return v->type_bool(v, name, obj, errp);
}

bool visit_type_str(Visitor *v, const char *name, char **obj, Error **errp)
{
    bool ok;

    assert(obj);
    ok = v->type_str(v, name, obj, errp);
    if (v->type & VISITOR_INPUT) {
        assert(ok != !*obj);
    }
    return ok;
}

bool visit_type_number(Visitor *v, const char *name, double *obj,
                       Error **errp)
{
    assert(obj);
    return v->type_number(v, name, obj, errp);
}

bool visit_type_any(Visitor *v, const char *name, QObject **obj,
                    Error **errp)
{
    assert(obj);
    if (v->type_any) {
        return v->type_any(v, name, obj, errp);
    }
    if (v->type & VISITOR_DEALLOC) {
        return true;
    }
    if (v->type & VISITOR_INPUT) {
        *obj = NULL;
    }
    error_setg(errp, "Parameter '%s': visit_type_any is not supported",
               name ? name : "null");
    return false;
}

bool visit_type_null(Visitor *v, const char *name, QNull **obj,
                     Error **errp)
{
    return v->type_null(v, name, obj, errp);
}

/*** Enums: strings, unless the visitor encodes them natively ***/

static bool output_type_enum(Visitor *v, const char *name, int *obj,
                             const QEnumLookup *lookup, Error **errp)
{
    char *enum_str;

    /* An out-of-range enum is a bug in the caller, not bad input. */
    assert(*obj >= 0 && *obj < lookup->size);
    if (v->type_enum) {
        return v->type_enum(v, name, obj, lookup, errp);
    }
    enum_str = (char *)qapi_enum_lookup(lookup, *obj);
    return visit_type_str(v, name, &enum_str, errp);
}

static bool input_type_enum(Visitor *v, const char *name, int *obj,
                            const QEnumLookup *lookup, Error **errp)
{
    int value;

    if (v->type_enum) {
        value = *obj;
        if (!v->type_enum(v, name, &value, lookup, errp)) {
            return false;
        }
        assert(value >= 0 && value < lookup->size);
    } else {
        char *enum_str = NULL;

        if (!visit_type_str(v, name, &enum_str, errp)) {
            return false;
        }
        value = qapi_enum_parse(lookup, enum_str, -1, NULL);
        if (value < 0) {
            error_setg(errp, "Parameter '%s' does not accept value '%s'",
                       name ? name : "null", enum_str);
            g_free(enum_str);
            return false;
        }
        g_free(enum_str);
    }
    if (lookup->features
        && !compat_policy_input_ok(lookup->features[value],
                                   &v->compat_policy,
                                   ERROR_CLASS_GENERIC_ERROR, "value",
                                   lookup->array[value], errp)) {
        return false;
    }
    *obj = value;
    return true;
}

bool visit_type_enum(Visitor *v, const char *name, int *obj,
                     const QEnumLookup *lookup, Error **errp)
{
    assert(obj && lookup);
    switch (v->type) {
    case VISITOR_INPUT:
        return input_type_enum(v, name, obj, lookup, errp);
    case VISITOR_OUTPUT:
        return output_type_enum(v, name, obj, lookup, errp);
    case VISITOR_CLONE:
    case VISITOR_DEALLOC:
        /* The value was copied with its struct; nothing is owned. */
        return true;
    }
    abort();
}

/*** Byte strings (qvisit extension) ***/

bool visit_type_bytes(Visitor *v, const char *name, uint8_t **buf,
                      size_t *len, Error **errp)
{
    bool ok;

    assert(buf && len);
    assert(!(v->type & VISITOR_OUTPUT) || *buf || *len == 0);
    if (!v->type_bytes) {
        if (v->type & VISITOR_INPUT) {
            *buf = NULL;
            *len = 0;
        }
        error_setg(errp, "Parameter '%s': byte strings are not supported "
                   "by this visitor", name ? name : "null");
        return false;
    }
    ok = v->type_bytes(v, name, buf, len, errp);
    if (v->type & VISITOR_INPUT) {
        assert(ok != !*buf);
    }
    return ok;
}

/* Reverse the byte order of each element: host order <-> big-endian. */
static void swap_elements(uint8_t *dst, const uint8_t *src,
                          size_t elem_count, size_t elem_size)
{
    size_t i, j;

    for (i = 0; i < elem_count; i++) {
        uint8_t tmp[8];

        memcpy(tmp, src + i * elem_size, elem_size);
        for (j = 0; j < elem_size; j++) {
            dst[i * elem_size + j] = tmp[elem_size - 1 - j];
        }
    }
}

static bool output_fixed_bytes(Visitor *v, const char *name,
                               const uint8_t *buf, size_t len, Error **errp)
{
    uint8_t *p = (uint8_t *)buf;
    size_t n = len;

    if (v->type_fixed_bytes) {
        return v->type_fixed_bytes(v, name, p, len, errp);
    }
    return visit_type_bytes(v, name, &p, &n, errp);
}

static bool input_fixed_bytes(Visitor *v, const char *name, uint8_t *buf,
                              size_t len, Error **errp)
{
    uint8_t *tmp = NULL;
    size_t tmp_len = 0;

    if (v->type_fixed_bytes) {
        return v->type_fixed_bytes(v, name, buf, len, errp);
    }
    if (!visit_type_bytes(v, name, &tmp, &tmp_len, errp)) {
        return false;
    }
    if (tmp_len != len) {
        error_setg(errp, "Parameter '%s' expects %zu bytes, got %zu",
                   name ? name : "null", len, tmp_len);
        g_free(tmp);
        return false;
    }
    memcpy(buf, tmp, len);
    g_free(tmp);
    return true;
}

bool visit_type_sized_buffer(Visitor *v, const char *name, void *buf,
                             size_t elem_count, size_t elem_size,
                             Error **errp)
{
    bool swap = elem_size > 1 && G_BYTE_ORDER != G_BIG_ENDIAN;
    size_t len;
    bool ok;

    assert(elem_size == 1 || elem_size == 2 || elem_size == 4
           || elem_size == 8);
    assert(elem_count <= SIZE_MAX / elem_size);
    assert(buf || elem_count == 0);
    len = elem_count * elem_size;

    switch (v->type) {
    case VISITOR_CLONE:
    case VISITOR_DEALLOC:
        /* The array lives inside its struct: copied or freed with it. */
        return true;
    case VISITOR_OUTPUT:
        if (!swap) {
            return output_fixed_bytes(v, name, buf, len, errp);
        } else {
            uint8_t small[256];
            uint8_t *tmp = len <= sizeof(small) ? small : g_malloc(len);

            swap_elements(tmp, buf, elem_count, elem_size);
            ok = output_fixed_bytes(v, name, tmp, len, errp);
            if (tmp != small) {
                g_free(tmp);
            }
            return ok;
        }
    case VISITOR_INPUT:
        ok = input_fixed_bytes(v, name, buf, len, errp);
        if (ok && swap) {
            swap_elements(buf, buf, elem_count, elem_size);
        }
        return ok;
    }
    abort();
}
