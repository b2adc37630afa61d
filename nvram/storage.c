/*
 * nvram/storage.c: the counted storage helpers, the file backend, opening a
 * path or URI, and the in-memory backend (the NBD one is storage-nbd.c).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#ifdef __linux__
#include <linux/fs.h>
#endif

#include "nvram/storage.h"

/* Counters may be read by another thread while the worker does I/O. */
static void stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

bool nvram_storage_pread(NVRAMStorage *s, void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    if (!s->ops->pread(s, buf, len, offset, errp)) {
        return false;
    }
    stat_add(&s->stats.reads, 1);
    stat_add(&s->stats.bytes_read, len);
    return true;
}

bool nvram_storage_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                          uint64_t offset, Error **errp)
{
    if (!s->ops->pwrite(s, buf, len, offset, errp)) {
        return false;
    }
    stat_add(&s->stats.writes, 1);
    stat_add(&s->stats.bytes_written, len);
    return true;
}

bool nvram_storage_pwritev(NVRAMStorage *s, const struct iovec *iov,
                           int count, uint64_t offset, Error **errp)
{
    size_t total = 0;
    bool ok;

    g_assert(count >= 1 && count <= NVRAM_STORAGE_IOV_MAX);
    for (int i = 0; i < count; i++) {
        g_assert(iov[i].iov_len <= SIZE_MAX - total);
        total += iov[i].iov_len;
    }
    if (s->ops->pwritev) {
        ok = s->ops->pwritev(s, iov, count, offset, errp);
    } else if (count == 1) {
        ok = s->ops->pwrite(s, iov[0].iov_base, total, offset, errp);
    } else {
        uint8_t *buf = g_malloc(total ? total : 1);
        size_t pos = 0;

        for (int i = 0; i < count; i++) {
            if (iov[i].iov_len) {
                memcpy(buf + pos, iov[i].iov_base, iov[i].iov_len);
                pos += iov[i].iov_len;
            }
        }
        ok = s->ops->pwrite(s, buf, total, offset, errp);
        g_free(buf);
    }
    if (!ok) {
        return false;
    }
    stat_add(&s->stats.writes, 1);
    stat_add(&s->stats.bytes_written, total);
    return true;
}

bool nvram_storage_flush(NVRAMStorage *s, Error **errp)
{
    stat_add(&s->stats.flushes, 1);
    return s->ops->flush(s, errp);
}

bool nvram_storage_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    return s->ops->get_size(s, size, errp);
}

bool nvram_storage_resize(NVRAMStorage *s, uint64_t size, Error **errp)
{
    if (!s->ops->resize) {
        error_setg(errp, "%s cannot be resized", s->description);
        return false;
    }
    return s->ops->resize(s, size, errp);
}

void nvram_storage_close(NVRAMStorage *s)
{
    if (s) {
        s->ops->close(s);
    }
}

NVRAMStorageStats nvram_storage_get_stats(NVRAMStorage *s)
{
    NVRAMStorageStats st;

    st.reads = __atomic_load_n(&s->stats.reads, __ATOMIC_RELAXED);
    st.writes = __atomic_load_n(&s->stats.writes, __ATOMIC_RELAXED);
    st.flushes = __atomic_load_n(&s->stats.flushes, __ATOMIC_RELAXED);
    st.bytes_read = __atomic_load_n(&s->stats.bytes_read, __ATOMIC_RELAXED);
    st.bytes_written = __atomic_load_n(&s->stats.bytes_written,
                                       __ATOMIC_RELAXED);
    return st;
}

/*** File backend ***/

typedef struct FileStorage {
    NVRAMStorage common;
    int fd;
    bool is_block_device;
} FileStorage;

static bool file_pread(NVRAMStorage *s, void *buf, size_t len,
                       uint64_t offset, Error **errp)
{
    FileStorage *fs = (FileStorage *)s;
    uint8_t *p = buf;

    if (offset > INT64_MAX || len > INT64_MAX - offset) {
        error_setg(errp, "%s: read of %zu bytes at %" PRIu64 " is out of range",
                   s->description, len, offset);
        return false;
    }
    while (len) {
        ssize_t n = pread(fs->fd, p, len, (off_t)offset);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "%s: read at offset %" PRIu64
                             " failed", s->description, offset);
            return false;
        }
        if (n == 0) {
            error_setg(errp, "%s: unexpected end of file at offset %" PRIu64,
                       s->description, offset);
            return false;
        }
        p += n;
        len -= (size_t)n;
        offset += (uint64_t)n;
    }
    return true;
}

static bool file_pwritev(NVRAMStorage *s, const struct iovec *iov,
                         int count, uint64_t offset, Error **errp)
{
    FileStorage *fs = (FileStorage *)s;
    struct iovec pieces[NVRAM_STORAGE_IOV_MAX];
    struct iovec *v = pieces;
    size_t len = 0;

    memcpy(pieces, iov, sizeof(*iov) * (size_t)count);
    for (int i = 0; i < count; i++) {
        len += iov[i].iov_len;
    }
    if (offset > INT64_MAX || len > INT64_MAX - offset) {
        error_setg(errp, "%s: write of %zu bytes at %" PRIu64
                   " is out of range", s->description, len, offset);
        return false;
    }
    while (len) {
        ssize_t n = pwritev(fs->fd, v, count, (off_t)offset);
        size_t done;

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "%s: write of %zu bytes at "
                             "offset %" PRIu64 " failed", s->description, len,
                             offset);
            return false;
        }
        if (n == 0) {
            error_setg(errp, "%s: write at offset %" PRIu64 " made no progress",
                       s->description, offset);
            return false;
        }
        /* a short write: skip what went out, go on with the rest */
        done = (size_t)n;
        len -= done;
        offset += done;
        while (count && done >= v->iov_len) {
            done -= v->iov_len;
            v++;
            count--;
        }
        if (count) {
            v->iov_base = (uint8_t *)v->iov_base + done;
            v->iov_len -= done;
        }
    }
    return true;
}

static bool file_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                        uint64_t offset, Error **errp)
{
    struct iovec one = { (void *)buf, len };

    return file_pwritev(s, &one, 1, offset, errp);
}

static bool file_flush(NVRAMStorage *s, Error **errp)
{
    FileStorage *fs = (FileStorage *)s;
    int ret;

    /*
     * No retry on failure: after a failed fdatasync the kernel may have
     * dropped the dirty pages, so a second call could "succeed" without
     * the data being on disk.
     */
    do {
        ret = fdatasync(fs->fd);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        error_setg_errno(errp, errno, "%s: flush (fdatasync) failed",
                         s->description);
        return false;
    }
    return true;
}

static bool file_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    FileStorage *fs = (FileStorage *)s;
    struct stat st;

    if (fstat(fs->fd, &st) < 0) {
        error_setg_errno(errp, errno, "%s: fstat failed", s->description);
        return false;
    }
    if (S_ISBLK(st.st_mode)) {
#ifdef BLKGETSIZE64
        uint64_t bytes;
        if (ioctl(fs->fd, BLKGETSIZE64, &bytes) < 0) {
            error_setg_errno(errp, errno, "%s: cannot get the device size",
                             s->description);
            return false;
        }
        *size = bytes;
        return true;
#else
        off_t end = lseek(fs->fd, 0, SEEK_END);
        if (end < 0) {
            error_setg_errno(errp, errno, "%s: cannot get the device size",
                             s->description);
            return false;
        }
        *size = (uint64_t)end;
        return true;
#endif
    }
    *size = st.st_size < 0 ? 0 : (uint64_t)st.st_size;
    return true;
}

static void file_close(NVRAMStorage *s)
{
    FileStorage *fs = (FileStorage *)s;

    close(fs->fd);
    g_free(s->description);
    g_free(fs);
}

static bool file_resize(NVRAMStorage *s, uint64_t size, Error **errp)
{
    FileStorage *fs = (FileStorage *)s;
    struct stat st;

    if (fs->is_block_device) {
        error_setg(errp, "%s is a block device and cannot be resized",
                   s->description);
        return false;
    }
    if (size > INT64_MAX) {
        error_setg(errp, "%s: size %" PRIu64 " is out of range",
                   s->description, size);
        return false;
    }
    if (fstat(fs->fd, &st) < 0) {
        error_setg_errno(errp, errno, "%s: fstat failed", s->description);
        return false;
    }
    if (ftruncate(fs->fd, (off_t)size) < 0) {
        error_setg_errno(errp, errno, "%s: cannot resize to %" PRIu64
                         " bytes", s->description, size);
        return false;
    }
    if (size > (uint64_t)st.st_size) {
        /*
         * Reserve the blocks now: a commit must not fail later for lack of
         * space, and blocks allocated together are contiguous, so a
         * commit's flush writes one extent (a sparse image gets its blocks
         * in the order of first writes, scattered). File systems without
         * fallocate keep the sparse file.
         */
        int err = posix_fallocate(fs->fd, 0, (off_t)size);

        if (err != 0 && err != EOPNOTSUPP && err != ENOSYS && err != EINVAL) {
            error_setg_errno(errp, err, "%s: cannot reserve %" PRIu64
                             " bytes", s->description, size);
            /* a full file system: the file as it was, no blank tail */
            if (ftruncate(fs->fd, st.st_size) < 0) {
                error_append_hint(errp, "and it could not be shrunk back to "
                                  "%lld bytes\n", (long long)st.st_size);
            }
            return false;
        }
    }
    return true;
}

static const NVRAMStorageOps file_ops = {
    .pread = file_pread,
    .pwrite = file_pwrite,
    .pwritev = file_pwritev,
    .flush = file_flush,
    .get_size = file_get_size,
    .close = file_close,
    .resize = file_resize,
};

/* Make the directory entry of a newly created file durable. */
static bool fsync_parent_dir(const char *path, Error **errp)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret;

    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot open directory '%s'", dir);
        return false;
    }
    do {
        ret = fsync(fd);
    } while (ret < 0 && errno == EINTR);
    if (ret < 0) {
        error_setg_errno(errp, errno, "fsync of directory '%s' failed", dir);
        close(fd);
        return false;
    }
    close(fd);
    return true;
}

NVRAMStorage *nvram_storage_open_file(const char *path, bool read_only,
                                      bool create, Error **errp)
{
    FileStorage *fs;
    struct stat st;
    bool created = false;
    int fd;

    /*
     * O_NONBLOCK: opening a FIFO (or some character devices) blocks until
     * a peer appears; the file type is checked first, then the flag is
     * dropped again (it means nothing for files and block devices).
     */
    if (read_only) {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    } else {
        fd = open(path, O_RDWR | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0 && errno == ENOENT && create) {
            fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NONBLOCK,
                      0600);
            created = fd >= 0;
        }
    }
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot open '%s'", path);
        return NULL;
    }
    if (fstat(fd, &st) < 0) {
        error_setg_errno(errp, errno, "cannot stat '%s'", path);
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) {
        error_setg(errp, "'%s' is not a regular file or block device", path);
        close(fd);
        return NULL;
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        error_setg_errno(errp, errno, "cannot set flags of '%s'", path);
        close(fd);
        return NULL;
    }
    if (flock(fd, (read_only ? LOCK_SH : LOCK_EX) | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK) {
            error_setg(errp, "'%s' is in use by another process (locked)",
                       path);
        } else {
            error_setg_errno(errp, errno, "cannot lock '%s'", path);
        }
        close(fd);
        return NULL;
    }
    if (created && !fsync_parent_dir(path, errp)) {
        close(fd);
        return NULL;
    }
    fs = g_new0(FileStorage, 1);
    fs->common.ops = &file_ops;
    fs->common.description = g_strdup_printf("'%s'", path);
    fs->fd = fd;
    fs->is_block_device = S_ISBLK(st.st_mode);
    return &fs->common;
}

/*** Paths and URIs ***/

bool nvram_storage_name_is_uri(const char *name)
{
    const char *p = name;

    if (!g_ascii_isalpha(*p)) {
        return false;
    }
    while (g_ascii_isalnum(*p) || *p == '+' || *p == '-' || *p == '.') {
        p++;
    }
    return g_str_has_prefix(p, "://");
}

NVRAMStorage *nvram_storage_open(const char *name, bool read_only,
                                 bool create, Error **errp)
{
    static const char *const nbd_schemes[] = {
        "nbd", "nbds", "nbd+unix", "nbds+unix", "nbd+vsock", "nbds+vsock",
    };
    g_autofree char *scheme = NULL;

    if (!nvram_storage_name_is_uri(name)) {
        return nvram_storage_open_file(name, read_only, create, errp);
    }
    scheme = g_ascii_strdown(name, strcspn(name, ":"));
    if (strcmp(scheme, "file") == 0) {
        /* swtpm's backend-uri form: the rest is the path, as it is */
        return nvram_storage_open_file(name + strlen("file://"), read_only,
                                       create, errp);
    }
    for (size_t i = 0; i < G_N_ELEMENTS(nbd_schemes); i++) {
        if (strcmp(scheme, nbd_schemes[i]) == 0) {
            return nvram_storage_open_nbd(name, read_only, errp);
        }
    }
    error_setg(errp, "'%s': unsupported storage URI scheme '%s' (file, nbd, "
               "nbds, nbd+unix, nbds+unix, nbd+vsock, nbds+vsock; write a "
               "path that looks like a URI as ./%s)", name, scheme, name);
    return NULL;
}

/*** Memory backend ***/

typedef struct MemoryStorage {
    NVRAMStorage common;
    uint8_t *data;
    size_t size;
} MemoryStorage;

static bool memory_range_ok(MemoryStorage *ms, size_t len, uint64_t offset,
                            Error **errp)
{
    if (offset > ms->size || len > ms->size - offset) {
        error_setg(errp, "%s: access of %zu bytes at offset %" PRIu64
                   " is past the end (%zu bytes)", ms->common.description,
                   len, offset, ms->size);
        return false;
    }
    return true;
}

static bool memory_pread(NVRAMStorage *s, void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    MemoryStorage *ms = (MemoryStorage *)s;

    if (!memory_range_ok(ms, len, offset, errp)) {
        return false;
    }
    if (len) {
        memcpy(buf, ms->data + offset, len);
    }
    return true;
}

static bool memory_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                          uint64_t offset, Error **errp)
{
    MemoryStorage *ms = (MemoryStorage *)s;

    if (!memory_range_ok(ms, len, offset, errp)) {
        return false;
    }
    if (len) {
        memcpy(ms->data + offset, buf, len);
    }
    return true;
}

static bool memory_pwritev(NVRAMStorage *s, const struct iovec *iov,
                           int count, uint64_t offset, Error **errp)
{
    MemoryStorage *ms = (MemoryStorage *)s;
    size_t len = 0;

    for (int i = 0; i < count; i++) {
        len += iov[i].iov_len;
    }
    if (!memory_range_ok(ms, len, offset, errp)) {
        return false;
    }
    for (int i = 0; i < count; i++) {
        if (iov[i].iov_len) {
            memcpy(ms->data + offset, iov[i].iov_base, iov[i].iov_len);
            offset += iov[i].iov_len;
        }
    }
    return true;
}

static bool memory_flush(NVRAMStorage *s, Error **errp)
{
    return true;
}

static bool memory_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    *size = ((MemoryStorage *)s)->size;
    return true;
}

static void memory_close(NVRAMStorage *s)
{
    MemoryStorage *ms = (MemoryStorage *)s;

    g_free(ms->data);
    g_free(s->description);
    g_free(ms);
}

static const NVRAMStorageOps memory_ops = {
    .pread = memory_pread,
    .pwrite = memory_pwrite,
    .pwritev = memory_pwritev,
    .flush = memory_flush,
    .get_size = memory_get_size,
    .close = memory_close,
};

NVRAMStorage *nvram_storage_new_memory(size_t size)
{
    MemoryStorage *ms = g_new0(MemoryStorage, 1);

    ms->common.ops = &memory_ops;
    ms->common.description = g_strdup("memory storage");
    ms->data = g_malloc0(size ? size : 1);
    ms->size = size;
    return &ms->common;
}

uint8_t *nvram_storage_memory_data(NVRAMStorage *s, size_t *size)
{
    MemoryStorage *ms = (MemoryStorage *)s;

    g_assert(s->ops == &memory_ops);
    if (size) {
        *size = ms->size;
    }
    return ms->data;
}
