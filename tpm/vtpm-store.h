/*
 * tpm/vtpm-store.h: libtpms's NVRAM on libvnvram.
 *
 * libtpms keeps three named blobs (permall, volatilestate, savestate) and
 * loads, stores and deletes them through the callbacks of
 * TPMLIB_RegisterCallbacks(). Here each blob is one vNVRAM entry of the
 * same name, visited as the typed record VTPMStateBlob:
 *
 *     VTPMStateBlob ::= SEQUENCE {
 *         format-version   INTEGER,   -- of this record: 1
 *         tpm-version      INTEGER,   -- 2: TPM 2.0, 1: TPM 1.2
 *         libtpms-version  INTEGER,   -- TPMLIB_GetVersion() of the writer
 *         present          BOOLEAN,   -- FALSE: deleted by libtpms
 *         blob             OCTET STRING }  -- libtpms's bytes, as given
 *
 * Every store is one synchronous, committed vNVRAM write: when libtpms
 * returns from a command, whatever it stored is on the drive. permall is
 * written with the mirror policy (both copies, one flush each), whatever
 * policy the image was formatted with.
 *
 * Reading: an entry never written (or deleted) is TPM_RETRY, so libtpms
 * manufactures a new TPM. Anything else that stops the blob from being
 * read (both copies damaged, a wrong key, an image that reports it served
 * an older value, an unknown record) is a storage failure: the load fails,
 * vtpm_store_failed() turns true with the reason, and the TPM must not be
 * started; a TPM is never silently re-manufactured over lost state.
 *
 * libtpms is one TPM per process, and so is this store: the functions
 * work on a process-wide instance and are not thread-safe.
 */
#ifndef TPM_VTPM_STORE_H
#define TPM_VTPM_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvram/nvram.h"
#include "qapi/error.h"
#include "tpm/gen/vtpm-qapi-visit.h"

/* Version of the VTPMStateBlob record this code writes and reads. */
#define VTPM_STATE_BLOB_FORMAT 1

/*
 * The record of one blob, as shown above, is the type VTPMStateBlob with
 * visit_type_VTPMStateBlob() (input visitors allocate *obj, freed and NULL
 * on failure) and qapi_free_VTPMStateBlob(), which qvisit-gen generates
 * from tpm/vtpm-store.json into tpm/gen/vtpm-qapi-visit.h.
 */

/* The entries of a TPM image, in the order of vtpm_store_profile(). */
#define VTPM_STORE_N_ENTRIES 3

/* Which TPM the image is for. */
typedef enum VTPMVersion {
    VTPM_VERSION_1_2 = 1,
    VTPM_VERSION_2 = 2,
} VTPMVersion;

/*
 * Fill @specs (VTPM_STORE_N_ENTRIES elements) with the entries and slot
 * sizes a TPM of @version needs: libtpms's largest blob of each kind plus
 * the record around it. TPM 1.2 sizes are what TPMLIB_GetTPMProperty()
 * reports; libtpms reports none for TPM 2.0, so they are the maxima of its
 * build (NV_MEMORY_SIZE and the fixed state around it). Entry names point
 * to static strings. `vnvram create --profile tpm2` uses the same numbers.
 * @policies (NULL, or VTPM_STORE_N_ENTRIES elements) gets each entry's
 * policy: permall is NVRAM_POLICY_MIRROR (one bad sector must not roll
 * back NV counters), the others alternate.
 */
void vtpm_store_profile(VTPMVersion version, NVRAMEntrySpec *specs,
                        NVRAMEntryPolicy *policies);

/* How vtpm_store_open() finds the image. */
typedef struct VTPMStoreConfig {
    VTPMVersion version;
    /* The image: a file or block device, formatted (vnvram create). */
    const char *path;
    /* If @path does not exist, create and format it (swtpm's dir=): the
     * image is built under a temporary name and renamed into place, so a
     * crash never leaves a half-made file behind. An existing file is
     * never formatted. */
    bool create;
    /* AES-256-GCM key (NVRAM_KEY_SIZE bytes) or NULL. */
    const uint8_t *key;
    size_t key_len;
    /* An already open, formatted drive to use instead of opening @path
     * (which then only names it in messages; @create is ignored). The
     * store owns it from then on, also on failure. Tests put the crash
     * layer here. */
    NVRAMStorage *storage;
} VTPMStoreConfig;

/*
 * Open the image of @cfg, check that it is a healthy vNVRAM image with the
 * three entries, and register the libtpms NVRAM callbacks (call after
 * TPMLIB_ChooseTPMVersion() and before TPMLIB_MainInit()). Returns false
 * with @errp saying why: missing or unreadable file, not an image (never
 * formatted over), damaged header, wrong key, missing entry.
 */
bool vtpm_store_open(const VTPMStoreConfig *cfg, Error **errp);

/* Close the image (NULL-safe to call twice). Returns false if a write
 * or flush failed during its life. */
bool vtpm_store_close(void);

/* True once a load or store failed; vtpm_store_failure() says why. */
bool vtpm_store_failed(void);
const char *vtpm_store_failure(void);

/* Forget an earlier load failure (before a new TPMLIB_MainInit()). */
void vtpm_store_clear_failure(void);

/*
 * Store @blob (@len bytes) as entry @name (a libtpms blob name), committed
 * before returning; @blob NULL means "deleted". Used for blobs that the
 * daemon moves itself (SET_STATEBLOB, the volatile state). Returns false
 * with @errp set; the old value then stays.
 */
bool vtpm_store_put(const char *name, const uint8_t *blob, uint32_t len,
                    Error **errp);

/* The image's NVRAM (its storage counts reads, writes and flushes). */
NVRAM *vtpm_store_nvram(void);

#endif /* TPM_VTPM_STORE_H */
