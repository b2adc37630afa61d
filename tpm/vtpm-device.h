/*
 * tpm/vtpm-device.h: the TPM (libtpms) behind vtpm's two channels.
 *
 * One TPM per process (libtpms is a singleton). The store (vtpm-store.h)
 * must be open before vtpm_device_init(). Every TPM command runs to its
 * end, including the committed write of whatever state it changed, before
 * vtpm_device_process() returns its response.
 */
#ifndef TPM_VTPM_DEVICE_H
#define TPM_VTPM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include "qapi/error.h"
#include "tpm/vtpm-store.h"

/* Size of a TPM command/response header (tag, size, code). */
#define VTPM_HEADER_SIZE 10

/*
 * Choose the TPM version in libtpms and register the store's NVRAM and
 * the device's locality callbacks. Returns false with @errp set if
 * libtpms refuses.
 */
bool vtpm_device_setup(VTPMVersion version, Error **errp);

/*
 * Power the TPM on (TPMLIB_MainInit), after stopping it if it runs. With
 * @delete_volatile (PTM_INIT_FLAG_DELETE_VOLATILE) the stored volatile
 * state is deleted once it is loaded, so a later crash cannot resume
 * from it. Fails, with the TPM off and @errp saying why, when libtpms
 * fails or the store could not load a blob (see vtpm-store.h).
 */
bool vtpm_device_init(bool delete_volatile, Error **errp);

/*
 * Power the TPM off (TPMLIB_Terminate). A TPM 2.0 that ran commands and
 * whose last command was not TPM2_Shutdown first gets
 * TPM2_Shutdown(SU_CLEAR), as swtpm does, so its state is orderly.
 */
void vtpm_device_stop(void);

bool vtpm_device_running(void);

/* Send TPM2_Startup(SU_CLEAR), or TPM_Startup(ST_CLEAR) to a TPM 1.2
 * (--flags startup-clear). */
bool vtpm_device_startup_clear(Error **errp);

/*
 * Run the TPM command @cmd (@len bytes) and return its response in
 * *@rsp (valid until the next call) and *@rsp_len. When the TPM is off
 * the response is TPM_RC_FAILURE. Logs the command's name and response
 * code at level 1.
 */
void vtpm_device_process(const uint8_t *cmd, uint32_t len,
                         const uint8_t **rsp, uint32_t *rsp_len);

/*
 * A 10-byte error response with the TPM 2.0 code @rc, into @buf. For a
 * TPM 1.2 it is a TPM 1.2 response: TPM_BAD_PARAM_SIZE for
 * TPM_RC_COMMAND_SIZE, TPM_FAIL for any other code.
 */
void vtpm_device_error_response(uint8_t buf[VTPM_HEADER_SIZE], uint32_t rc);

/* The locality of the next commands (0 to 4). */
void vtpm_device_set_locality(uint8_t locality);
uint8_t vtpm_device_locality(void);

/*
 * The largest TPM command and response, as TPMLIB_SetBufferSize():
 * @wanted 0 queries; returns the size in use and stores the bounds.
 */
uint32_t vtpm_device_buffer_size(uint32_t wanted, uint32_t *min_size,
                                 uint32_t *max_size);

#endif /* TPM_VTPM_DEVICE_H */
