/*
 * tpm/vtpm-ctrl.c: the control commands (see vtpm-ctrl.h). The request
 * and response layouts are those of swtpm/tpm_ioctl.h, which this file
 * takes its codes and constants from.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_nvfilename.h>
#include <libtpms/tpm_tis.h>
#include <swtpm/tpm_ioctl.h>

#include "tpm/vtpm-ctrl.h"
#include "tpm/vtpm-device.h"
#include "tpm/vtpm-log.h"
#include "tpm/vtpm-store.h"

#define CODE_SIZE 4
/* Request parts of the variable-length commands (after the code). */
#define STATEBLOB_REQ_SIZE 12      /* state_flags, type, offset/length */
#define HASHDATA_REQ_SIZE 4        /* length */
#define HASHDATA_MAX 4096          /* sizeof(ptm_hdata.u.req.data) */
#define GETINFO_REQ_SIZE 16        /* flags (64 bits), offset, pad */

static const char *const ctrl_names[] = {
    [CMD_GET_CAPABILITY] = "CMD_GET_CAPABILITY",
    [CMD_INIT] = "CMD_INIT",
    [CMD_SHUTDOWN] = "CMD_SHUTDOWN",
    [CMD_GET_TPMESTABLISHED] = "CMD_GET_TPMESTABLISHED",
    [CMD_SET_LOCALITY] = "CMD_SET_LOCALITY",
    [CMD_HASH_START] = "CMD_HASH_START",
    [CMD_HASH_DATA] = "CMD_HASH_DATA",
    [CMD_HASH_END] = "CMD_HASH_END",
    [CMD_CANCEL_TPM_CMD] = "CMD_CANCEL_TPM_CMD",
    [CMD_STORE_VOLATILE] = "CMD_STORE_VOLATILE",
    [CMD_RESET_TPMESTABLISHED] = "CMD_RESET_TPMESTABLISHED",
    [CMD_GET_STATEBLOB] = "CMD_GET_STATEBLOB",
    [CMD_SET_STATEBLOB] = "CMD_SET_STATEBLOB",
    [CMD_STOP] = "CMD_STOP",
    [CMD_GET_CONFIG] = "CMD_GET_CONFIG",
    [CMD_SET_DATAFD] = "CMD_SET_DATAFD",
    [CMD_SET_BUFFERSIZE] = "CMD_SET_BUFFERSIZE",
    [CMD_GET_INFO] = "CMD_GET_INFO",
};

const char *vtpm_ctrl_name(uint32_t code)
{
    return code < G_N_ELEMENTS(ctrl_names) ? ctrl_names[code] : NULL;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

static uint64_t get_be64(const uint8_t *p)
{
    return (uint64_t)get_be32(p) << 32 | get_be32(p + 4);
}

static void append_be32(GByteArray *a, uint32_t v)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    g_byte_array_append(a, b, sizeof(b));
}

size_t vtpm_ctrl_request_size(const uint8_t *buf, size_t len)
{
    uint32_t n;

    if (len < CODE_SIZE) {
        return CODE_SIZE;
    }
    switch (get_be32(buf)) {
    case CMD_INIT:
    case CMD_SET_BUFFERSIZE:
        return CODE_SIZE + 4;
    case CMD_SET_LOCALITY:
    case CMD_RESET_TPMESTABLISHED:
        return CODE_SIZE + 1;
    case CMD_GET_STATEBLOB:
        return CODE_SIZE + STATEBLOB_REQ_SIZE;
    case CMD_GET_INFO:
        return CODE_SIZE + GETINFO_REQ_SIZE;
    case CMD_SET_STATEBLOB:
        if (len < CODE_SIZE + STATEBLOB_REQ_SIZE) {
            return CODE_SIZE + STATEBLOB_REQ_SIZE;
        }
        n = get_be32(buf + CODE_SIZE + 8);
        return CODE_SIZE + STATEBLOB_REQ_SIZE +
               (n <= VTPM_CTRL_STATEBLOB_MAX ? n : 0);
    case CMD_HASH_DATA:
        if (len < CODE_SIZE + HASHDATA_REQ_SIZE) {
            return CODE_SIZE + HASHDATA_REQ_SIZE;
        }
        n = get_be32(buf + CODE_SIZE);
        return CODE_SIZE + HASHDATA_REQ_SIZE + (n <= HASHDATA_MAX ? n : 0);
    default:
        return CODE_SIZE;
    }
}

static uint32_t supported_caps(void)
{
    return PTM_CAP_INIT | PTM_CAP_SHUTDOWN | PTM_CAP_GET_TPMESTABLISHED |
           PTM_CAP_SET_LOCALITY | PTM_CAP_HASHING | PTM_CAP_CANCEL_TPM_CMD |
           PTM_CAP_STORE_VOLATILE | PTM_CAP_RESET_TPMESTABLISHED |
           PTM_CAP_GET_STATEBLOB | PTM_CAP_SET_STATEBLOB | PTM_CAP_STOP |
           PTM_CAP_GET_CONFIG | PTM_CAP_SET_DATAFD | PTM_CAP_SET_BUFFERSIZE |
           PTM_CAP_GET_INFO;
}

/* The libtpms state type and blob name of a PTM_BLOB_TYPE_*. */
static bool blob_type(uint32_t type, enum TPMLIB_StateType *st,
                      const char **name)
{
    switch (type) {
    case PTM_BLOB_TYPE_PERMANENT:
        *st = TPMLIB_STATE_PERMANENT;
        *name = TPM_PERMANENT_ALL_NAME;
        return true;
    case PTM_BLOB_TYPE_VOLATILE:
        *st = TPMLIB_STATE_VOLATILE;
        *name = TPM_VOLATILESTATE_NAME;
        return true;
    case PTM_BLOB_TYPE_SAVESTATE:
        *st = TPMLIB_STATE_SAVE_STATE;
        *name = TPM_SAVESTATE_NAME;
        return true;
    }
    return false;
}

/* GET_STATEBLOB: the running TPM's blob, from the requested offset. */
static void get_stateblob(const uint8_t *req, GByteArray *rsp)
{
    uint32_t type = get_be32(req + 4), offset = get_be32(req + 8);
    enum TPMLIB_StateType st;
    const char *name;
    unsigned char *blob = NULL;
    uint32_t blob_len = 0, n;
    TPM_RESULT res;

    if (!blob_type(type, &st, &name)) {
        vtpm_log_error("CMD_GET_STATEBLOB: unknown blob type %u", type);
        res = TPM_BAD_PARAMETER;
    } else {
        res = TPMLIB_GetState(st, &blob, &blob_len);
        if (res != TPM_SUCCESS && st != TPMLIB_STATE_PERMANENT) {
            /* No volatile or save state: an empty blob, as swtpm sends. */
            res = TPM_SUCCESS;
            blob_len = 0;
        }
    }
    n = res == TPM_SUCCESS && offset < blob_len ? blob_len - offset : 0;
    append_be32(rsp, res);
    append_be32(rsp, 0);              /* state_flags: never encrypted */
    append_be32(rsp, n);              /* totlength */
    append_be32(rsp, n);              /* length */
    if (n) {
        g_byte_array_append(rsp, blob + offset, n);
    }
    free(blob);
    vtpm_log(1, "CMD_GET_STATEBLOB %s: %u bytes -> 0x%x",
             res == TPM_SUCCESS ? name : "?", n, res);
}

/*
 * SET_STATEBLOB: accepted only if libtpms accepts the blob
 * (TPMLIB_SetState), then committed to the image before the response.
 */
static TPM_RESULT set_stateblob(const uint8_t *req, size_t body_len)
{
    uint32_t flags = get_be32(req), type = get_be32(req + 4);
    uint32_t len = get_be32(req + 8);
    const uint8_t *data = req + STATEBLOB_REQ_SIZE;
    enum TPMLIB_StateType st;
    const char *name;
    Error *err = NULL;
    TPM_RESULT res;

    if (vtpm_device_running()) {
        vtpm_log_error("CMD_SET_STATEBLOB refused: the TPM is running "
                       "(send CMD_STOP first)");
        return TPM_BAD_ORDINAL;
    }
    if (!blob_type(type, &st, &name)) {
        vtpm_log_error("CMD_SET_STATEBLOB: unknown blob type %u", type);
        return TPM_BAD_PARAMETER;
    }
    if (len > VTPM_CTRL_STATEBLOB_MAX) {
        vtpm_log_error("CMD_SET_STATEBLOB: a %s blob of %u bytes is over "
                       "the limit of %u", name, len, VTPM_CTRL_STATEBLOB_MAX);
        return TPM_FAIL;
    }
    if (body_len != STATEBLOB_REQ_SIZE + (size_t)len) {
        vtpm_log_error("CMD_SET_STATEBLOB: %s blob truncated: %zu of %u "
                       "bytes", name, body_len - STATEBLOB_REQ_SIZE, len);
        return TPM_BAD_PARAMETER;
    }
    if (flags & PTM_STATE_FLAG_ENCRYPTED) {
        vtpm_log_error("CMD_SET_STATEBLOB: encrypted blobs (swtpm's "
                       "--migration-key) are not supported");
        return TPM_BAD_PARAMETER;
    }
    if (len == 0 && st == TPMLIB_STATE_PERMANENT) {
        vtpm_log_error("CMD_SET_STATEBLOB: an empty permanent state");
        return TPM_BAD_PARAMETER;
    }
    res = TPMLIB_SetState(st, len ? data : NULL, len);
    if (res != TPM_SUCCESS) {
        vtpm_log_error("CMD_SET_STATEBLOB: libtpms refuses the %s blob "
                       "(0x%x); nothing stored", name, res);
        return res;
    }
    if (!vtpm_store_put(name, len ? data : NULL, len, &err)) {
        vtpm_log_error("CMD_SET_STATEBLOB: cannot store %s: %s", name,
                       error_get_pretty(err));
        error_free(err);
        return TPM_FAIL;
    }
    vtpm_log(1, "CMD_SET_STATEBLOB %s: %u bytes stored", name, len);
    return TPM_SUCCESS;
}

static void get_info(const uint8_t *req, GByteArray *rsp)
{
    uint64_t flags = get_be64(req);
    uint32_t offset = get_be32(req + 8);
    char *info = TPMLIB_GetInfo(flags);
    size_t total, n;

    if (!info || offset >= strlen(info)) {
        free(info);
        append_be32(rsp, info ? TPM_BAD_PARAMETER : TPM_SIZE);
        return;
    }
    total = strlen(info) + 1;
    n = MIN(total - offset, PTM_GETINFO_SIZE);
    append_be32(rsp, TPM_SUCCESS);
    append_be32(rsp, total);
    append_be32(rsp, n);
    g_byte_array_append(rsp, (uint8_t *)info + offset, n);
    free(info);
}

/* True if @req announces more data than vtpm_ctrl_request_size() reads:
 * the rest of it is still on the stream. */
static bool length_over_limit(const uint8_t *req, size_t len)
{
    uint32_t code = get_be32(req);

    if (code == CMD_SET_STATEBLOB && len >= CODE_SIZE + STATEBLOB_REQ_SIZE) {
        return get_be32(req + CODE_SIZE + 8) > VTPM_CTRL_STATEBLOB_MAX;
    }
    if (code == CMD_HASH_DATA && len >= CODE_SIZE + HASHDATA_REQ_SIZE) {
        return get_be32(req + CODE_SIZE) > HASHDATA_MAX;
    }
    return false;
}

bool vtpm_ctrl_handle(VTPMCtrl *c, const uint8_t *req, size_t len, int *fd,
                      GByteArray *rsp)
{
    uint32_t code, n32, minsize, maxsize;
    const uint8_t *body = req + CODE_SIZE;
    size_t body_len = len - CODE_SIZE;
    const char *name;
    TPM_RESULT res = TPM_SUCCESS;
    TPM_BOOL bit;
    Error *err = NULL;
    uint8_t loc;

    if (len < CODE_SIZE) {
        vtpm_log_error("control request of %zu bytes: no command code", len);
        append_be32(rsp, TPM_BAD_PARAMETER);
        return false;
    }
    code = get_be32(req);
    name = vtpm_ctrl_name(code);
    if (name && body_len < vtpm_ctrl_request_size(req, len) - CODE_SIZE) {
        vtpm_log_error("%s: request truncated (%zu bytes)", name, len);
        append_be32(rsp, TPM_BAD_PARAMETER);
        return false;
    }
    if (length_over_limit(req, len)) {
        vtpm_log_error("%s: length field over the limit; closing the "
                       "connection", name);
    }

    switch (code) {
    case CMD_GET_CAPABILITY:
        /* swtpm 0.7's ptm_cap is 64 bits: its high half reads as the
         * result code of later versions' ptm_cap_n. */
        append_be32(rsp, TPM_SUCCESS);
        append_be32(rsp, supported_caps());
        break;
    case CMD_INIT:
        if (!vtpm_device_init(get_be32(body) & PTM_INIT_FLAG_DELETE_VOLATILE,
                              &err)) {
            vtpm_log_error("CMD_INIT: %s", error_get_pretty(err));
            error_free(err);
            res = TPM_FAIL;
        }
        append_be32(rsp, res);
        break;
    case CMD_STOP:
    case CMD_SHUTDOWN:
        vtpm_device_stop();
        c->terminate = code == CMD_SHUTDOWN;
        append_be32(rsp, TPM_SUCCESS);
        break;
    case CMD_GET_TPMESTABLISHED:
        bit = 0;
        res = vtpm_device_running() ? TPM_IO_TpmEstablished_Get(&bit)
                                    : TPM_BAD_ORDINAL;
        append_be32(rsp, res);
        g_byte_array_append(rsp, &bit, 1);
        g_byte_array_append(rsp, (const uint8_t[3]){ 0 }, 3);
        break;
    case CMD_RESET_TPMESTABLISHED:
        if (!vtpm_device_running()) {
            res = TPM_BAD_ORDINAL;
        } else if (body[0] > 4) {
            res = TPM_BAD_LOCALITY;
        } else {
            loc = vtpm_device_locality();
            vtpm_device_set_locality(body[0]);
            res = TPM_IO_TpmEstablished_Reset();
            vtpm_device_set_locality(loc);
        }
        append_be32(rsp, res);
        break;
    case CMD_SET_LOCALITY:
        if (body[0] > 4) {
            res = TPM_BAD_LOCALITY;
        } else {
            vtpm_device_set_locality(body[0]);
        }
        append_be32(rsp, res);
        break;
    case CMD_HASH_START:
    case CMD_HASH_END:
        if (!vtpm_device_running()) {
            res = TPM_BAD_ORDINAL;
        } else {
            res = code == CMD_HASH_START ? TPM_IO_Hash_Start()
                                         : TPM_IO_Hash_End();
        }
        append_be32(rsp, res);
        break;
    case CMD_HASH_DATA:
        n32 = get_be32(body);
        if (!vtpm_device_running()) {
            res = TPM_BAD_ORDINAL;
        } else if (n32 > HASHDATA_MAX ||
                   body_len != HASHDATA_REQ_SIZE + (size_t)n32) {
            res = TPM_BAD_PARAMETER;
        } else {
            res = TPM_IO_Hash_Data(body + HASHDATA_REQ_SIZE, n32);
        }
        append_be32(rsp, res);
        break;
    case CMD_CANCEL_TPM_CMD:
        res = vtpm_device_running() ? TPMLIB_CancelCommand()
                                    : TPM_BAD_ORDINAL;
        append_be32(rsp, res);
        break;
    case CMD_STORE_VOLATILE: {
        unsigned char *blob = NULL;
        uint32_t blob_len = 0;

        res = vtpm_device_running() ? TPMLIB_VolatileAll_Store(&blob,
                                                               &blob_len)
                                    : TPM_BAD_ORDINAL;
        if (res == TPM_SUCCESS &&
            !vtpm_store_put(TPM_VOLATILESTATE_NAME, blob, blob_len, &err)) {
            vtpm_log_error("CMD_STORE_VOLATILE: %s", error_get_pretty(err));
            error_free(err);
            res = TPM_FAIL;
        }
        free(blob);
        append_be32(rsp, res);
        break;
    }
    case CMD_GET_STATEBLOB:
        if (!vtpm_device_running()) {
            append_be32(rsp, TPM_BAD_ORDINAL);
            break;
        }
        get_stateblob(body, rsp);
        return true;
    case CMD_SET_STATEBLOB:
        append_be32(rsp, set_stateblob(body, body_len));
        return !length_over_limit(req, len);
    case CMD_GET_CONFIG:
        append_be32(rsp, TPM_SUCCESS);
        append_be32(rsp, c->has_key ? PTM_CONFIG_FLAG_FILE_KEY : 0);
        break;
    case CMD_SET_DATAFD:
        if (c->data_fd_in_use) {
            res = TPM_IOERROR;
        } else if (*fd < 0) {
            vtpm_log_error("CMD_SET_DATAFD without a descriptor (it must "
                           "come with the request over a Unix socket)");
            res = TPM_BAD_PARAMETER;
        } else {
            c->new_data_fd = *fd;
            *fd = -1;
        }
        append_be32(rsp, res);
        break;
    case CMD_SET_BUFFERSIZE:
        n32 = get_be32(body);
        if (n32 > 0 && vtpm_device_running()) {
            append_be32(rsp, TPM_BAD_ORDINAL);
            break;
        }
        n32 = vtpm_device_buffer_size(n32, &minsize, &maxsize);
        append_be32(rsp, TPM_SUCCESS);
        append_be32(rsp, n32);
        append_be32(rsp, minsize);
        append_be32(rsp, maxsize);
        break;
    case CMD_GET_INFO:
        get_info(body, rsp);
        break;
    default:
        vtpm_log_error("unknown control command 0x%08x", code);
        append_be32(rsp, TPM_BAD_ORDINAL);
        return true;
    }
    vtpm_log(1, "%s -> 0x%x", name, get_be32(rsp->data));
    return !length_over_limit(req, len);
}
