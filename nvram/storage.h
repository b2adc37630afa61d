/*
 * nvram/storage.h: the block-I/O interface under the NVRAM layer.
 *
 * The NVRAM layer never touches a file descriptor: it reads, writes and
 * flushes through an NVRAMStorage, a small table of operations. The file
 * backend (regular files and block devices), the NBD backend (any export
 * of qemu-nbd, qemu-storage-daemon or nbdkit), the in-memory backend of the
 * tests and a fault-injection layer (which wraps another storage and fails,
 * drops or tears chosen operations) are interchangeable.
 *
 * Contracts every backend keeps:
 * - pread/pwrite transfer all @len bytes or fail; a short transfer is an
 *   error, never a success.
 * - flush makes every pwrite that returned before it durable (fdatasync for
 *   files). A failed flush is reported as a failure, never retried silently:
 *   after it the contents of every write since the previous flush are
 *   unknown.
 * - Operations on one storage are called from one thread at a time (the
 *   NVRAM layer serializes them); distinct storages are independent.
 * The helpers nvram_storage_*() below call the operations and keep the
 * counters (operations, bytes, flushes) that tests and benchmarks read.
 */
#ifndef NVRAM_STORAGE_H
#define NVRAM_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "qapi/error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NVRAMStorage NVRAMStorage;

/* The operations a backend implements; all but the optional ones are set. */
typedef struct NVRAMStorageOps {
    /* Read exactly @len bytes at @offset into @buf. */
    bool (*pread)(NVRAMStorage *s, void *buf, size_t len, uint64_t offset,
                  Error **errp);
    /* Write exactly @len bytes from @buf at @offset. */
    bool (*pwrite)(NVRAMStorage *s, const void *buf, size_t len,
                   uint64_t offset, Error **errp);
    /* Make all completed writes durable. */
    bool (*flush)(NVRAMStorage *s, Error **errp);
    /* Store the size of the storage in bytes in *@size. */
    bool (*get_size)(NVRAMStorage *s, uint64_t *size, Error **errp);
    /* Release the backend and free @s (no flush implied). */
    void (*close)(NVRAMStorage *s);
    /*
     * Optional (NULL when the size is fixed, e.g. a block device): set
     * the size of the storage to @size bytes (grow it, or shrink it back
     * after a failed grow); new bytes read as zero. A grow that fails
     * (no space, a file size limit) leaves the size as it was.
     */
    bool (*resize)(NVRAMStorage *s, uint64_t size, Error **errp);
    /*
     * Optional: write the @count (<= NVRAM_STORAGE_IOV_MAX) pieces of @iov
     * one after another from
     * @offset, all bytes or fail, as pwrite of their concatenation would.
     * Without it, nvram_storage_pwritev() concatenates and calls pwrite.
     */
    bool (*pwritev)(NVRAMStorage *s, const struct iovec *iov, int count,
                    uint64_t offset, Error **errp);
} NVRAMStorageOps;

/* I/O counters, updated by the nvram_storage_*() helpers. */
typedef struct NVRAMStorageStats {
    uint64_t reads;          /* successful pread calls */
    uint64_t writes;         /* successful pwrite calls */
    uint64_t flushes;        /* flush calls issued, failed ones included */
    uint64_t bytes_read;
    uint64_t bytes_written;
} NVRAMStorageStats;

/*
 * The common head of every backend: embed it as the first member of the
 * backend's own struct and set @ops.
 */
struct NVRAMStorage {
    const NVRAMStorageOps *ops;
    NVRAMStorageStats stats;
    /* A description for messages ("file 'x.img'"); owned by the backend. */
    char *description;
};

/*
 * Open the file or block device at @path. Read-only when @read_only; else
 * read-write, and when @create is true the file is created if missing (with
 * mode 0600; the parent directory is then fsync'ed so the new name is
 * durable). A read-write open takes an exclusive advisory lock (a
 * read-only one a shared lock) so that two processes never write one image.
 * Returns the storage, or NULL with @errp set (errno text included; a lock
 * held by another process is reported as such).
 */
NVRAMStorage *nvram_storage_open_file(const char *path, bool read_only,
                                      bool create, Error **errp);

/*
 * Open the NBD export named by @uri (libnbd's URI forms: nbd://host[:port]/
 * export, nbd+unix:///export?socket=PATH, nbds:// and nbds+unix:// with
 * TLS, tls-psk-file=... and tls-certificates=... in the query). The
 * export's size is fixed (no resize). Read-only when @read_only; a
 * read-write open of an export the server marks read-only fails.
 * Requests follow the server's block size limits (an unaligned write is a
 * read-modify-write of its first and last blocks; a server minimum above
 * 4096 bytes, the NVRAM copy alignment, is refused). flush is NBD_CMD_FLUSH
 * (FUA writes measured no cheaper; nothing is sent to a server that does
 * not advertise flush). A connection that breaks fails the operation that
 * met it; the next operation reconnects once (same export size required)
 * or fails saying it cannot, and a flush after writes sent on a lost
 * connection fails, as after a failed flush.
 * Exclusive use is the caller's to arrange (docs/backends.md). Returns the
 * storage, or NULL with @errp set (libnbd's message included).
 */
NVRAMStorage *nvram_storage_open_nbd(const char *uri, bool read_only,
                                     Error **errp);

/*
 * True when @name is a storage URI (scheme "://" ...) rather than a path;
 * a path that looks like one can be written "./name".
 */
bool nvram_storage_name_is_uri(const char *name);

/*
 * Open @name, a path (nvram_storage_open_file(), with @create), a
 * file://PATH URI (the same; PATH taken as it is, as swtpm's backend-uri
 * takes it: file:///abs/path or file://relative/path) or an NBD URI
 * (nvram_storage_open_nbd(); @create is ignored, an export exists or not).
 * Other URI schemes are refused. This is what nvram_setup() and the
 * vnvram tool open images with.
 */
NVRAMStorage *nvram_storage_open(const char *name, bool read_only,
                                 bool create, Error **errp);

/*
 * Create an in-memory storage of @size zero bytes (for tests and tools).
 * Never fails. Its contents can be inspected with
 * nvram_storage_memory_data().
 */
NVRAMStorage *nvram_storage_new_memory(size_t size);

/*
 * Return the bytes of a storage created by nvram_storage_new_memory() and
 * store their count in *@size (when @size is not NULL). The pointer stays
 * valid until the storage is closed.
 */
uint8_t *nvram_storage_memory_data(NVRAMStorage *s, size_t *size);

/* Counted wrappers of the operations: same contracts as NVRAMStorageOps. */
bool nvram_storage_pread(NVRAMStorage *s, void *buf, size_t len,
                         uint64_t offset, Error **errp);
bool nvram_storage_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                          uint64_t offset, Error **errp);
bool nvram_storage_flush(NVRAMStorage *s, Error **errp);

/* The most pieces nvram_storage_pwritev() takes. */
#define NVRAM_STORAGE_IOV_MAX 8

/*
 * Write the @count (1 to NVRAM_STORAGE_IOV_MAX) pieces of @iov back to
 * back at @offset: one write as far as the counters and the backend see it
 * (ops->pwritev, or ops->pwrite of the pieces gathered into one buffer).
 * An NVRAM copy is a small header, the device's encoded value and a filler
 * header; writing them gathered spares one more copy of the value per
 * commit. Same failure contract as pwrite.
 */
bool nvram_storage_pwritev(NVRAMStorage *s, const struct iovec *iov,
                           int count, uint64_t offset, Error **errp);

/* The storage's size in bytes in *@size: ops->get_size, same contract. */
bool nvram_storage_get_size(NVRAMStorage *s, uint64_t *size, Error **errp);

/*
 * Set the size of @s to @size bytes (see NVRAMStorageOps.resize). Fails
 * (with @errp set) when the backend has no resize operation or it fails.
 */
bool nvram_storage_resize(NVRAMStorage *s, uint64_t size, Error **errp);

/* Close @s (NULL allowed): calls ops->close. */
void nvram_storage_close(NVRAMStorage *s);

/* Return a snapshot of the counters of @s. */
NVRAMStorageStats nvram_storage_get_stats(NVRAMStorage *s);

#ifdef __cplusplus
}
#endif

#endif /* NVRAM_STORAGE_H */
