/*
 * tpm/vtpm-store-priv.h: what the TPM device needs from the store to
 * register it with libtpms.
 */
#ifndef TPM_VTPM_STORE_PRIV_H
#define TPM_VTPM_STORE_PRIV_H

#include <libtpms/tpm_library.h>

/* Set the tpm_nvram_* members of @cbs to the store's callbacks. */
void vtpm_store_fill_callbacks(struct libtpms_callbacks *cbs);

#endif /* TPM_VTPM_STORE_PRIV_H */
