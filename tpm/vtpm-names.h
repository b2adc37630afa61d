/*
 * tpm/vtpm-names.h: names of TPM 2.0 command and response codes (the log
 * names each command, e.g. TPM2_CC_PCR_Extend).
 */
#ifndef TPM_VTPM_NAMES_H
#define TPM_VTPM_NAMES_H

#include <stdint.h>

/* "TPM2_CC_<Command>" for a TPM 2.0 command code, or NULL if unknown. */
const char *vtpm_cc_name(uint32_t cc);

/* "TPM2_RC_<NAME>" for common response codes, or NULL. */
const char *vtpm_rc_name(uint32_t rc);

#endif /* TPM_VTPM_NAMES_H */
