/*
 * examples/tpm-state.h: the state of a TPM-like demo device, as the QAPI
 * generator would declare it, and its visitors.
 *
 * Three entries, as libtpms keeps them:
 *   permall        TPMPermanentState: identity, counters, NV indices, keys
 *   volatilestate  TPMVolatileState: clock, sessions, PCR banks
 *   savestate      TPMSaveState: what TPM2_Shutdown(STATE) preserves
 */
#ifndef EXAMPLES_TPM_STATE_H
#define EXAMPLES_TPM_STATE_H

#include "qapi/qapi-builtin-visit.h"
#include "qapi/visitor.h"

#define TPM_SEED_LEN 32
#define TPM_PCR_COUNT 24
#define TPM_DIGEST_LEN 32

typedef enum TPMKeyAlgorithm {
    TPM_KEY_ALGORITHM_RSA2048,
    TPM_KEY_ALGORITHM_ECC_P256,
    TPM_KEY_ALGORITHM_HMAC_SHA256,
    TPM_KEY_ALGORITHM__MAX,
} TPMKeyAlgorithm;

extern const QEnumLookup TPMKeyAlgorithm_lookup;

/* NV index attributes (a subset of TPMA_NV). */
typedef struct TPMNVAttributes {
    bool owner_write;
    bool auth_read;
    bool write_locked;
    bool written;
} TPMNVAttributes;

typedef struct TPMNVIndex {
    uint32_t handle;
    TPMNVAttributes *attributes;
    uint8_t *data;
    size_t data_len;
} TPMNVIndex;

typedef struct TPMNVIndexList {
    struct TPMNVIndexList *next;
    TPMNVIndex *value;
} TPMNVIndexList;

typedef struct TPMKeyBlob {
    uint32_t handle;
    TPMKeyAlgorithm algorithm;
    char *label;
    uint8_t *public_area;
    size_t public_area_len;
    uint8_t *private_blob;
    size_t private_blob_len;
} TPMKeyBlob;

typedef struct TPMKeyBlobList {
    struct TPMKeyBlobList *next;
    TPMKeyBlob *value;
} TPMKeyBlobList;

typedef struct TPMPermanentState {
    char *manufacturer;
    uint32_t firmware_version;
    uint8_t endorsement_seed[TPM_SEED_LEN];
    uint64_t reset_count;
    uint32_t restart_count;
    uint64_t commands_executed;
    bool owner_set;
    TPMNVIndexList *nv_indices;
    TPMKeyBlobList *keys;
} TPMPermanentState;

typedef struct TPMVolatileState {
    uint64_t clock_ms;
    uint32_t active_sessions;
    uint32List *loaded_handles;
    uint8_t pcrs[TPM_PCR_COUNT][TPM_DIGEST_LEN];
} TPMVolatileState;

typedef struct TPMSaveState {
    bool orderly;
    uint32_t pcr_update_counter;
    uint64_t clock_at_shutdown_ms;
    uint8_t pcrs[TPM_PCR_COUNT][TPM_DIGEST_LEN];
} TPMSaveState;

bool visit_type_TPMKeyAlgorithm(Visitor *v, const char *name,
                                TPMKeyAlgorithm *obj, Error **errp);
bool visit_type_TPMNVAttributes(Visitor *v, const char *name,
                                TPMNVAttributes **obj, Error **errp);
bool visit_type_TPMNVIndex(Visitor *v, const char *name, TPMNVIndex **obj,
                           Error **errp);
bool visit_type_TPMNVIndexList(Visitor *v, const char *name,
                               TPMNVIndexList **obj, Error **errp);
bool visit_type_TPMKeyBlob(Visitor *v, const char *name, TPMKeyBlob **obj,
                           Error **errp);
bool visit_type_TPMKeyBlobList(Visitor *v, const char *name,
                               TPMKeyBlobList **obj, Error **errp);
bool visit_type_TPMPermanentState(Visitor *v, const char *name,
                                  TPMPermanentState **obj, Error **errp);
bool visit_type_TPMVolatileState(Visitor *v, const char *name,
                                 TPMVolatileState **obj, Error **errp);
bool visit_type_TPMSaveState(Visitor *v, const char *name,
                             TPMSaveState **obj, Error **errp);

void qapi_free_TPMNVAttributes(TPMNVAttributes *obj);
void qapi_free_TPMNVIndex(TPMNVIndex *obj);
void qapi_free_TPMKeyBlob(TPMKeyBlob *obj);
void qapi_free_TPMPermanentState(TPMPermanentState *obj);
void qapi_free_TPMVolatileState(TPMVolatileState *obj);
void qapi_free_TPMSaveState(TPMSaveState *obj);

#endif /* EXAMPLES_TPM_STATE_H */
