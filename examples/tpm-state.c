/*
 * examples/tpm-state.c: visitors of the demo TPM state, in the shape the
 * QAPI generator emits (visit_type_T_members, visit_type_T, the list
 * walker, qapi_free_T through the dealloc visitor). The struct and list
 * wrappers are identical for every type, so a macro stamps them out the
 * way the generator's template would; the members functions are the
 * per-type part.
 */
#include "config.h"

#include <assert.h>

#include "examples/tpm-state.h"
#include "qapi/dealloc-visitor.h"

static const char *const TPMKeyAlgorithm_names[] = {
    [TPM_KEY_ALGORITHM_RSA2048] = "rsa2048",
    [TPM_KEY_ALGORITHM_ECC_P256] = "ecc-p256",
    [TPM_KEY_ALGORITHM_HMAC_SHA256] = "hmac-sha256",
};

const QEnumLookup TPMKeyAlgorithm_lookup = {
    .array = TPMKeyAlgorithm_names,
    .size = TPM_KEY_ALGORITHM__MAX,
};

bool visit_type_TPMKeyAlgorithm(Visitor *v, const char *name,
                                TPMKeyAlgorithm *obj, Error **errp)
{
    int value = *obj;
    bool ok = visit_type_enum(v, name, &value, &TPMKeyAlgorithm_lookup, errp);

    *obj = value;
    return ok;
}

/* visit_type_T() and qapi_free_T() of a struct type T. */
#define DEFINE_STRUCT_VISITOR(T)                                            \
    bool visit_type_##T(Visitor *v, const char *name, T **obj,              \
                        Error **errp)                                       \
    {                                                                       \
        bool ok = false;                                                    \
                                                                            \
        if (!visit_start_struct(v, name, (void **)obj, sizeof(T), errp)) {  \
            return false;                                                   \
        }                                                                   \
        if (!*obj) {                                                        \
            assert(visit_is_dealloc(v));                                    \
            ok = true;                                                      \
            goto out_obj;                                                   \
        }                                                                   \
        if (!visit_type_##T##_members(v, *obj, errp)) {                     \
            goto out_obj;                                                   \
        }                                                                   \
        ok = visit_check_struct(v, errp);                                   \
    out_obj:                                                                \
        visit_end_struct(v, (void **)obj);                                  \
        if (!ok && visit_is_input(v)) {                                     \
            qapi_free_##T(*obj);                                            \
            *obj = NULL;                                                    \
        }                                                                   \
        return ok;                                                          \
    }                                                                       \
                                                                            \
    void qapi_free_##T(T *obj)                                              \
    {                                                                       \
        Visitor *v;                                                         \
                                                                            \
        if (!obj) {                                                         \
            return;                                                         \
        }                                                                   \
        v = qapi_dealloc_visitor_new();                                     \
        visit_type_##T(v, NULL, &obj, NULL);                                \
        visit_free(v);                                                      \
    }

/* visit_type_TList() of a list of struct type T (freed with its owner). */
#define DEFINE_LIST_VISITOR(T)                                              \
    static void qapi_free_##T##List(T##List *obj);                          \
                                                                            \
    bool visit_type_##T##List(Visitor *v, const char *name, T##List **obj,  \
                              Error **errp)                                 \
    {                                                                       \
        bool ok = false;                                                    \
        T##List *tail;                                                      \
        size_t size = sizeof(**obj);                                        \
                                                                            \
        if (!visit_start_list(v, name, (GenericList **)obj, size, errp)) {  \
            return false;                                                   \
        }                                                                   \
        for (tail = *obj; tail;                                             \
             tail = (T##List *)visit_next_list(v, (GenericList *)tail,      \
                                               size)) {                     \
            if (!visit_type_##T(v, NULL, &tail->value, errp)) {             \
                goto out_obj;                                               \
            }                                                               \
        }                                                                   \
        ok = visit_check_list(v, errp);                                     \
    out_obj:                                                                \
        visit_end_list(v, (void **)obj);                                    \
        if (!ok && visit_is_input(v)) {                                     \
            qapi_free_##T##List(*obj);                                      \
            *obj = NULL;                                                    \
        }                                                                   \
        return ok;                                                          \
    }                                                                       \
                                                                            \
    static void qapi_free_##T##List(T##List *obj)                           \
    {                                                                       \
        Visitor *v;                                                         \
                                                                            \
        if (!obj) {                                                         \
            return;                                                         \
        }                                                                   \
        v = qapi_dealloc_visitor_new();                                     \
        visit_type_##T##List(v, NULL, &obj, NULL);                          \
        visit_free(v);                                                      \
    }

static bool visit_type_TPMNVAttributes_members(Visitor *v,
                                               TPMNVAttributes *obj,
                                               Error **errp)
{
    return visit_type_bool(v, "owner-write", &obj->owner_write, errp) &&
           visit_type_bool(v, "auth-read", &obj->auth_read, errp) &&
           visit_type_bool(v, "write-locked", &obj->write_locked, errp) &&
           visit_type_bool(v, "written", &obj->written, errp);
}
DEFINE_STRUCT_VISITOR(TPMNVAttributes)

static bool visit_type_TPMNVIndex_members(Visitor *v, TPMNVIndex *obj,
                                          Error **errp)
{
    return visit_type_uint32(v, "handle", &obj->handle, errp) &&
           visit_type_TPMNVAttributes(v, "attributes", &obj->attributes,
                                      errp) &&
           visit_type_bytes(v, "data", &obj->data, &obj->data_len, errp);
}
DEFINE_STRUCT_VISITOR(TPMNVIndex)
DEFINE_LIST_VISITOR(TPMNVIndex)

static bool visit_type_TPMKeyBlob_members(Visitor *v, TPMKeyBlob *obj,
                                          Error **errp)
{
    return visit_type_uint32(v, "handle", &obj->handle, errp) &&
           visit_type_TPMKeyAlgorithm(v, "algorithm", &obj->algorithm,
                                      errp) &&
           visit_type_str(v, "label", &obj->label, errp) &&
           visit_type_bytes(v, "public-area", &obj->public_area,
                            &obj->public_area_len, errp) &&
           visit_type_bytes(v, "private-blob", &obj->private_blob,
                            &obj->private_blob_len, errp);
}
DEFINE_STRUCT_VISITOR(TPMKeyBlob)
DEFINE_LIST_VISITOR(TPMKeyBlob)

static bool visit_type_TPMPermanentState_members(Visitor *v,
                                                 TPMPermanentState *obj,
                                                 Error **errp)
{
    return visit_type_str(v, "manufacturer", &obj->manufacturer, errp) &&
           visit_type_uint32(v, "firmware-version", &obj->firmware_version,
                             errp) &&
           visit_type_sized_buffer(v, "endorsement-seed",
                                   obj->endorsement_seed, TPM_SEED_LEN, 1,
                                   errp) &&
           visit_type_uint64(v, "reset-count", &obj->reset_count, errp) &&
           visit_type_uint32(v, "restart-count", &obj->restart_count, errp) &&
           visit_type_uint64(v, "commands-executed", &obj->commands_executed,
                             errp) &&
           visit_type_bool(v, "owner-set", &obj->owner_set, errp) &&
           visit_type_TPMNVIndexList(v, "nv-indices", &obj->nv_indices,
                                     errp) &&
           visit_type_TPMKeyBlobList(v, "keys", &obj->keys, errp);
}
DEFINE_STRUCT_VISITOR(TPMPermanentState)

static bool visit_type_TPMVolatileState_members(Visitor *v,
                                                TPMVolatileState *obj,
                                                Error **errp)
{
    return visit_type_uint64(v, "clock-ms", &obj->clock_ms, errp) &&
           visit_type_uint32(v, "active-sessions", &obj->active_sessions,
                             errp) &&
           visit_type_uint32List(v, "loaded-handles", &obj->loaded_handles,
                                 errp) &&
           visit_type_sized_buffer(v, "pcrs", obj->pcrs,
                                   TPM_PCR_COUNT * TPM_DIGEST_LEN, 1, errp);
}
DEFINE_STRUCT_VISITOR(TPMVolatileState)

static bool visit_type_TPMSaveState_members(Visitor *v, TPMSaveState *obj,
                                            Error **errp)
{
    return visit_type_bool(v, "orderly", &obj->orderly, errp) &&
           visit_type_uint32(v, "pcr-update-counter",
                             &obj->pcr_update_counter, errp) &&
           visit_type_uint64(v, "clock-at-shutdown-ms",
                             &obj->clock_at_shutdown_ms, errp) &&
           visit_type_sized_buffer(v, "pcrs", obj->pcrs,
                                   TPM_PCR_COUNT * TPM_DIGEST_LEN, 1, errp);
}
DEFINE_STRUCT_VISITOR(TPMSaveState)
