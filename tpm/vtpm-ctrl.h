/*
 * tpm/vtpm-ctrl.h: swtpm's control channel (swtpm/tpm_ioctl.h, the
 * socket form used by QEMU's -tpmdev emulator and tpm2-tss's swtpm TCTI).
 *
 * A request is a big-endian 32-bit command code (CMD_*) and the request
 * part of its ptm_* struct, big-endian; the response is the response part
 * (first a ptm_res, a TPM 1.2-style result: 0, TPM_BAD_PARAMETER, ...).
 * Unknown codes get TPM_BAD_ORDINAL, malformed requests
 * TPM_BAD_PARAMETER, as swtpm answers them.
 */
#ifndef TPM_VTPM_CTRL_H
#define TPM_VTPM_CTRL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

/* Largest state blob SET_STATEBLOB accepts (swtpm's limit too). */
#define VTPM_CTRL_STATEBLOB_MAX (512 * 1024)

/* What the control channel tells the server it belongs to. */
typedef struct VTPMCtrl {
    bool has_key;        /* the image is encrypted (GET_CONFIG) */
    bool data_fd_in_use; /* the server has a data channel from SET_DATAFD */
    bool terminate;      /* set by CMD_SHUTDOWN: exit after the response */
    int new_data_fd;     /* set by CMD_SET_DATAFD (-1: none): take it */
} VTPMCtrl;

/*
 * The total size of the request that starts with the @len bytes @buf:
 * at least 4 (the code), more once the code (and for SET_STATEBLOB and
 * HASH_DATA the length field) is known. A request whose length field
 * is over the limit reports only its header, so that the caller stops
 * reading and the handler answers the error.
 */
size_t vtpm_ctrl_request_size(const uint8_t *buf, size_t len);

/*
 * Handle the request @req (@len bytes; the caller read
 * vtpm_ctrl_request_size() bytes, or fewer if the peer stopped sending)
 * and append its response to @rsp. @fd is a descriptor that came with
 * the request (SCM_RIGHTS) or -1: SET_DATAFD takes it (sets *@fd to -1
 * and @c->new_data_fd); otherwise the caller closes it. Each request is
 * logged at level 1 with its result. Returns false when the request was
 * truncated or announced more bytes than allowed: the stream is out of
 * step, so the caller closes the connection after sending the response.
 */
bool vtpm_ctrl_handle(VTPMCtrl *c, const uint8_t *req, size_t len, int *fd,
                      GByteArray *rsp);

/* "CMD_INIT" etc., or NULL for an unknown code. */
const char *vtpm_ctrl_name(uint32_t code);

#endif /* TPM_VTPM_CTRL_H */
