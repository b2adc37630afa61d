/*
 * nvram/storage-nbd.c: the NBD backend, on libnbd.
 *
 * An NVRAM image can live in any export of qemu-nbd, qemu-storage-daemon
 * (qcow2 and every format QEMU opens) or nbdkit. The backend keeps the
 * storage contracts of storage.h over a connection that may break: a
 * broken connection fails the operation that met it, the next operation
 * reconnects, and writes sent on a lost connection are never covered by a
 * flush on the new one (the server may have died with them in its cache).
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <libnbd.h>
#include <string.h>

#include "nvram/storage.h"

/* The NVRAM format aligns every copy to this; see nvram-format.md. */
#define NBD_COPY_ALIGN 4096
/* What NBD servers take without a maximum advertised (the protocol's
 * recommendation: 32 MiB). */
#define NBD_DEFAULT_MAX_REQUEST (32u * 1024 * 1024)

typedef struct NBDStorage {
    NVRAMStorage common;
    char *uri;
    struct nbd_handle *h;     /* NULL after the connection was lost */
    bool read_only;
    bool connected;           /* once: later connections must match */
    uint64_t size;            /* the export's size at the first connection */
    uint64_t min_block;       /* every request's offset and length align */
    uint64_t max_request;     /* the longest request, a multiple of min */
    bool can_flush;
    bool unflushed;           /* writes since the last flush */
    bool lost_unflushed;      /* ...of which some went on a lost connection */
    uint8_t *buf;             /* gathered and read-modify-write blocks */
    size_t buf_size;
} NBDStorage;

/* libnbd's message of the last failed call of this thread. */
static const char *nbd_message(void)
{
    const char *msg = nbd_get_error();

    return msg ? msg : "unknown libnbd error";
}

/* Connect a new handle to ns->uri and check what the server offers. */
static struct nbd_handle *nbd_storage_connect(NBDStorage *ns, Error **errp)
{
    struct nbd_handle *h = nbd_create();
    int64_t size, min, max;
    int ro, flush;

    if (!h) {
        error_setg(errp, "%s: %s", ns->common.description, nbd_message());
        return NULL;
    }
    /*
     * The URI is the caller's configuration, as a path would be: let it
     * name a TLS PSK file or certificate directory.
     */
    if (nbd_set_uri_allow_local_file(h, true) < 0 ||
        nbd_connect_uri(h, ns->uri) < 0) {
        error_setg(errp, "%s: cannot connect: %s", ns->common.description,
                   nbd_message());
        nbd_close(h);
        return NULL;
    }
    size = nbd_get_size(h);
    ro = nbd_is_read_only(h);
    flush = nbd_can_flush(h);
    min = nbd_get_block_size(h, LIBNBD_SIZE_MINIMUM);
    max = nbd_get_block_size(h, LIBNBD_SIZE_MAXIMUM);
    if (size < 0 || ro < 0 || flush < 0 || min < 0 || max < 0) {
        error_setg(errp, "%s: %s", ns->common.description, nbd_message());
        goto fail;
    }
    if (!ns->read_only && ro) {
        error_setg(errp, "%s: the server exports it read-only",
                   ns->common.description);
        goto fail;
    }
    if (min > NBD_COPY_ALIGN) {
        error_setg(errp, "%s: the server's minimum block size %" PRId64
                   " exceeds the NVRAM's copy alignment (%d bytes): a "
                   "write to one copy would rewrite the other",
                   ns->common.description, min, NBD_COPY_ALIGN);
        goto fail;
    }
    if (ns->connected && (uint64_t)size != ns->size) {
        error_setg(errp, "%s: the export was %" PRIu64 " bytes and is now %"
                   PRId64 " after reconnecting", ns->common.description,
                   ns->size, size);
        goto fail;
    }
    ns->size = (uint64_t)size;
    /* a server without a minimum takes any alignment in practice */
    ns->min_block = min ? (uint64_t)min : 1;
    ns->max_request = max ? (uint64_t)max : NBD_DEFAULT_MAX_REQUEST;
    if (ns->max_request > 64u * 1024 * 1024) {
        ns->max_request = 64u * 1024 * 1024;      /* libnbd's own limit */
    }
    ns->max_request -= ns->max_request % ns->min_block;
    /*
     * A server that does not advertise NBD_CMD_FLUSH offers no way to ask
     * for durability: its completed writes are taken as durable, as
     * QEMU's own NBD client takes them (docs/backends.md says so).
     */
    ns->can_flush = flush;
    ns->connected = true;
    return h;

fail:
    nbd_close(h);
    return NULL;
}

/* The handle to use, reconnecting after a lost connection. */
static struct nbd_handle *nbd_storage_handle(NBDStorage *ns, Error **errp)
{
    if (!ns->h) {
        ns->h = nbd_storage_connect(ns, errp);
        if (!ns->h) {
            error_prepend(errp, "the connection was lost and reconnecting "
                          "failed: ");
        }
    }
    return ns->h;
}

/*
 * After a failed libnbd call (reported in @errp): when the connection is
 * gone, say so and drop the handle so that the next call reconnects.
 */
static void nbd_storage_check_lost(NBDStorage *ns, Error **errp)
{
    if (nbd_aio_is_dead(ns->h) || nbd_aio_is_closed(ns->h)) {
        error_append_hint(errp, "the connection to the server was lost\n");
        nbd_close(ns->h);
        ns->h = NULL;
        if (ns->unflushed) {
            ns->lost_unflushed = true;
        }
    }
}

/* Report the failed @what (a read or write request) and check the link. */
static void nbd_storage_failed(NBDStorage *ns, const char *what,
                               uint64_t offset, uint64_t len, Error **errp)
{
    error_setg(errp, "%s: %s of %" PRIu64 " bytes at offset %" PRIu64
               " failed: %s", ns->common.description, what, len, offset,
               nbd_message());
    nbd_storage_check_lost(ns, errp);
}

static bool nbd_storage_range_ok(NBDStorage *ns, size_t len, uint64_t offset,
                                 Error **errp)
{
    if (offset > ns->size || len > ns->size - offset) {
        error_setg(errp, "%s: access of %zu bytes at offset %" PRIu64
                   " is past the end (%" PRIu64 " bytes)",
                   ns->common.description, len, offset, ns->size);
        return false;
    }
    return true;
}

/* Make ns->buf at least @size bytes. */
static uint8_t *nbd_storage_buffer(NBDStorage *ns, size_t size)
{
    if (ns->buf_size < size) {
        g_free(ns->buf);
        ns->buf = g_malloc(size);
        ns->buf_size = size;
    }
    return ns->buf;
}

/* Read the aligned range [@offset, @offset + @len) into @buf in requests
 * the server takes. */
static bool nbd_storage_read_aligned(NBDStorage *ns, struct nbd_handle *h,
                                     uint8_t *buf, uint64_t len,
                                     uint64_t offset, Error **errp)
{
    while (len) {
        uint64_t n = MIN(len, ns->max_request);

        if (nbd_pread(h, buf, n, offset, 0) < 0) {
            nbd_storage_failed(ns, "read", offset, n, errp);
            return false;
        }
        buf += n;
        len -= n;
        offset += n;
    }
    return true;
}

static bool nbd_storage_pread(NVRAMStorage *s, void *buf, size_t len,
                              uint64_t offset, Error **errp)
{
    NBDStorage *ns = (NBDStorage *)s;
    struct nbd_handle *h = nbd_storage_handle(ns, errp);
    uint64_t start, end;
    uint8_t *blocks;

    if (!h || !nbd_storage_range_ok(ns, len, offset, errp)) {
        return false;
    }
    if (len == 0) {
        return true;
    }
    start = offset - offset % ns->min_block;
    end = offset + len;
    end += (ns->min_block - end % ns->min_block) % ns->min_block;
    if (start == offset && end == offset + len) {
        return nbd_storage_read_aligned(ns, h, buf, len, offset, errp);
    }
    blocks = nbd_storage_buffer(ns, end - start);
    if (!nbd_storage_read_aligned(ns, h, blocks, end - start, start, errp)) {
        return false;
    }
    memcpy(buf, blocks + (offset - start), len);
    return true;
}

static bool nbd_storage_pwritev(NVRAMStorage *s, const struct iovec *iov,
                                int count, uint64_t offset, Error **errp)
{
    NBDStorage *ns = (NBDStorage *)s;
    struct nbd_handle *h = nbd_storage_handle(ns, errp);
    uint64_t start, end, pos, block = ns->min_block;
    size_t len = 0;
    const uint8_t *data;
    bool head_read;
    uint8_t *p;

    for (int i = 0; i < count; i++) {
        len += iov[i].iov_len;
    }
    if (!h || !nbd_storage_range_ok(ns, len, offset, errp)) {
        return false;
    }
    if (ns->read_only) {
        error_setg(errp, "%s is open read-only", s->description);
        return false;
    }
    if (len == 0) {
        return true;
    }
    start = offset - offset % block;
    end = offset + len;
    end += (block - end % block) % block;
    if (count == 1 && start == offset && end == offset + len) {
        data = iov[0].iov_base;
    } else {
        /*
         * One request for the gathered pieces (libnbd has no vectored
         * write), widened to whole blocks with the bytes around them:
         * they lie in the same 4 KiB-aligned copy, so rewriting them
         * cannot reach another copy.
         */
        p = nbd_storage_buffer(ns, end - start);
        head_read = start != offset;
        if (head_read &&
            !nbd_storage_read_aligned(ns, h, p, block, start, errp)) {
            return false;
        }
        if (end != offset + len && !(head_read && end - block == start) &&
            !nbd_storage_read_aligned(ns, h, p + (end - block - start), block,
                                      end - block, errp)) {
            return false;
        }
        pos = offset - start;
        for (int i = 0; i < count; i++) {
            if (iov[i].iov_len) {
                memcpy(p + pos, iov[i].iov_base, iov[i].iov_len);
                pos += iov[i].iov_len;
            }
        }
        data = p;
    }
    ns->unflushed = true;
    for (pos = start; pos < end;) {
        uint64_t n = MIN(end - pos, ns->max_request);

        if (nbd_pwrite(h, data + (pos - start), n, pos, 0) < 0) {
            nbd_storage_failed(ns, "write", pos, n, errp);
            return false;
        }
        pos += n;
    }
    return true;
}

static bool nbd_storage_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                               uint64_t offset, Error **errp)
{
    struct iovec one = { (void *)buf, len };

    return nbd_storage_pwritev(s, &one, 1, offset, errp);
}

static bool nbd_storage_flush(NVRAMStorage *s, Error **errp)
{
    NBDStorage *ns = (NBDStorage *)s;
    struct nbd_handle *h;

    if (ns->lost_unflushed) {
        /* the contract of a failed flush: those writes are unknown now */
        ns->lost_unflushed = false;
        ns->unflushed = false;
        error_setg(errp, "%s: flush failed: the connection was lost after "
                   "writes that were not yet flushed", s->description);
        return false;
    }
    h = nbd_storage_handle(ns, errp);
    if (!h) {
        return false;
    }
    if (ns->can_flush && nbd_flush(h, 0) < 0) {
        /* never retried: the writes it covered are unknown now */
        ns->unflushed = false;
        error_setg(errp, "%s: flush failed: %s", s->description,
                   nbd_message());
        nbd_storage_check_lost(ns, errp);
        return false;
    }
    ns->unflushed = false;
    return true;
}

static bool nbd_storage_get_size(NVRAMStorage *s, uint64_t *size,
                                 Error **errp)
{
    *size = ((NBDStorage *)s)->size;
    return true;
}

static void nbd_storage_close(NVRAMStorage *s)
{
    NBDStorage *ns = (NBDStorage *)s;

    if (ns->h) {
        /* a clean NBD_CMD_DISC; the server decides about its cache */
        nbd_shutdown(ns->h, 0);
        nbd_close(ns->h);
    }
    g_free(ns->buf);
    g_free(ns->uri);
    g_free(s->description);
    g_free(ns);
}

static const NVRAMStorageOps nbd_storage_ops = {
    .pread = nbd_storage_pread,
    .pwrite = nbd_storage_pwrite,
    .pwritev = nbd_storage_pwritev,
    .flush = nbd_storage_flush,
    .get_size = nbd_storage_get_size,
    .close = nbd_storage_close,
};

NVRAMStorage *nvram_storage_open_nbd(const char *uri, bool read_only,
                                     Error **errp)
{
    NBDStorage *ns = g_new0(NBDStorage, 1);

    ns->common.ops = &nbd_storage_ops;
    ns->common.description = g_strdup_printf("NBD export '%s'", uri);
    ns->uri = g_strdup(uri);
    ns->read_only = read_only;
    ns->h = nbd_storage_connect(ns, errp);
    if (!ns->h) {
        nbd_storage_close(&ns->common);
        return NULL;
    }
    return &ns->common;
}
