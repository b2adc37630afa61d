/*
 * tpm/vtpm-profile.c: the slot sizes of a TPM image (vtpm_store_profile()).
 *
 * Kept apart from the store so that tools which only size images (vnvram
 * measure/create --profile) need neither libtpms nor a TPM.
 */
#include "config.h"

#include "tpm/vtpm-store.h"

/*
 * Room for the VTPMStateBlob record around the blob: in DER at most
 * 4 + 6 + 6 + 6 + 3 + 6 bytes of tags and lengths and integers; JSON (a
 * base64 blob) does not fit and is not what vtpm writes.
 */
#define RECORD_OVERHEAD 64

/*
 * TPM 2.0 in libtpms 0.9: NV_MEMORY_SIZE is 128 KiB + 65 * 704 bytes (its
 * TpmProfile.h: 65 objects grown from RSA 2048 to 3072). permall marshals
 * that NV image plus PERSISTENT_DATA, ORDERLY_DATA, STATE_CLEAR_DATA and
 * STATE_RESET_DATA (a few KiB; 16 KiB is room for them). The volatile state
 * holds up to 3 loaded objects, 3 sessions and the PCR banks; 64 KiB is
 * room for them and for a libtpms that grows them. TPM 2.0 never writes
 * savestate, but swtpm's set of names has it, so the image does.
 */
#define TPM2_NV_MEMORY_SIZE (128 * 1024 + 65 * 704)
#define TPM2_PERMALL_MAX (TPM2_NV_MEMORY_SIZE + 16 * 1024)
#define TPM2_VOLATILE_MAX (64 * 1024)
#define TPM2_SAVESTATE_MAX (16 * 1024)

/*
 * TPM 1.2: TPMLIB_GetTPMProperty(TPMPROP_TPM_MAX_NV_SPACE,
 * TPMPROP_TPM_MAX_VOLATILESTATE_SPACE, TPMPROP_TPM_MAX_SAVESTATE_SPACE)
 * of libtpms 0.9 (tests/test-vtpm-store.c checks them against the library).
 */
#define TPM12_PERMALL_MAX 40960
#define TPM12_VOLATILE_MAX 21319
#define TPM12_SAVESTATE_MAX 21088

void vtpm_store_profile(VTPMVersion version, NVRAMEntrySpec *specs,
                        NVRAMEntryPolicy *policies)
{
    bool tpm2 = version == VTPM_VERSION_2;

    if (policies) {
        policies[0] = NVRAM_POLICY_MIRROR;
        policies[1] = NVRAM_POLICY_ALTERNATE;
        policies[2] = NVRAM_POLICY_ALTERNATE;
    }

    specs[0].name = "permall";
    specs[0].max_size = (tpm2 ? TPM2_PERMALL_MAX : TPM12_PERMALL_MAX) +
                        RECORD_OVERHEAD;
    specs[1].name = "volatilestate";
    specs[1].max_size = (tpm2 ? TPM2_VOLATILE_MAX : TPM12_VOLATILE_MAX) +
                        RECORD_OVERHEAD;
    specs[2].name = "savestate";
    specs[2].max_size = (tpm2 ? TPM2_SAVESTATE_MAX : TPM12_SAVESTATE_MAX) +
                        RECORD_OVERHEAD;
}
