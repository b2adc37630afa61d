/*
 * migration/mig-io.c: buffered byte I/O for migration streams (see mig-io.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "migration/mig-io.h"

struct MigReader {
    int fd;                  /* -1 for memory */
    const uint8_t *mem;      /* memory source, or NULL */
    uint64_t size;           /* UINT64_MAX when unknown */
    uint64_t base;           /* stream offset of buf[0] */
    uint8_t *buf;
    size_t pos, len;         /* unread bytes are buf[pos..len) */
    bool eof;
    int error;               /* errno of a failed read, sticky */
};

MigReader *mig_reader_new_fd(int fd)
{
    MigReader *r = g_new0(MigReader, 1);
    struct stat st;

    r->fd = fd;
    r->size = UINT64_MAX;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
        off_t here = lseek(fd, 0, SEEK_CUR);
        if (here >= 0 && here <= st.st_size) {
            r->size = (uint64_t)(st.st_size - here);
            r->base = 0;
        }
    }
    r->buf = g_malloc(MIG_READER_BUFFER);
    return r;
}

MigReader *mig_reader_new_mem(const uint8_t *data, size_t len)
{
    MigReader *r = g_new0(MigReader, 1);

    r->fd = -1;
    r->mem = data;
    r->size = len;
    r->len = len;
    r->eof = true;
    return r;
}

void mig_reader_free(MigReader *r)
{
    if (r) {
        g_free(r->buf);
        g_free(r);
    }
}

uint64_t mig_reader_offset(const MigReader *r)
{
    return r->base + r->pos;
}

uint64_t mig_reader_size(const MigReader *r)
{
    return r->size;
}

uint64_t mig_reader_remaining(const MigReader *r)
{
    return r->size == UINT64_MAX ? UINT64_MAX : r->size - mig_reader_offset(r);
}

bool mig_reader_rewind(MigReader *r, uint64_t offset)
{
    if (offset > mig_reader_offset(r) || offset < r->base) {
        return false;
    }
    r->pos = (size_t)(offset - r->base);
    return true;
}

static const uint8_t *data_of(const MigReader *r)
{
    return r->mem ? r->mem : r->buf;
}

/* Make at least @n bytes available, unless the stream ends first. */
static size_t fill(MigReader *r, size_t n)
{
    if (r->len - r->pos >= n || r->mem) {
        return r->len - r->pos;
    }
    if (r->pos) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->base += r->pos;
        r->len -= r->pos;
        r->pos = 0;
    }
    while (r->len < n && !r->eof && !r->error) {
        ssize_t got = read(r->fd, r->buf + r->len, MIG_READER_BUFFER - r->len);
        if (got < 0) {
            if (errno != EINTR) {
                r->error = errno;
            }
        } else if (got == 0) {
            r->eof = true;
        } else {
            r->len += (size_t)got;
        }
    }
    return r->len - r->pos;
}

static bool short_read(MigReader *r, size_t n, size_t have, Error **errp)
{
    if (r->error) {
        error_setg(errp, "offset %" PRIu64 ": read error: %s",
                   mig_reader_offset(r), g_strerror(r->error));
    } else {
        error_setg(errp, "offset %" PRIu64 ": truncated stream: %zu bytes "
                   "wanted, %zu left", mig_reader_offset(r), n, have);
    }
    return false;
}

const uint8_t *mig_read_ptr(MigReader *r, size_t n, Error **errp)
{
    size_t have;
    const uint8_t *p;

    g_assert(n <= MIG_READER_BUFFER);
    have = fill(r, n);
    if (have < n) {
        short_read(r, n, have, errp);
        return NULL;
    }
    p = data_of(r) + r->pos;
    r->pos += n;
    return p;
}

bool mig_read(MigReader *r, void *buf, size_t n, Error **errp)
{
    uint8_t *out = buf;

    while (n) {
        size_t chunk = MIN(n, (size_t)MIG_READER_BUFFER);
        const uint8_t *p = mig_read_ptr(r, chunk, errp);

        if (!p) {
            return false;
        }
        memcpy(out, p, chunk);
        out += chunk;
        n -= chunk;
    }
    return true;
}

int mig_peek(MigReader *r, uint8_t *buf, size_t n)
{
    size_t have;

    g_assert(n <= 64);
    have = MIN(fill(r, n), n);
    if (have < n && r->error) {
        return -1;
    }
    memcpy(buf, data_of(r) + r->pos, have);
    return (int)have;
}

bool mig_read_u8(MigReader *r, uint8_t *v, Error **errp)
{
    const uint8_t *p = mig_read_ptr(r, 1, errp);

    if (p) {
        *v = p[0];
    }
    return p != NULL;
}

bool mig_read_be16(MigReader *r, uint16_t *v, Error **errp)
{
    const uint8_t *p = mig_read_ptr(r, 2, errp);

    if (p) {
        *v = (uint16_t)(p[0] << 8 | p[1]);
    }
    return p != NULL;
}

bool mig_read_be32(MigReader *r, uint32_t *v, Error **errp)
{
    const uint8_t *p = mig_read_ptr(r, 4, errp);

    if (p) {
        *v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
             (uint32_t)p[2] << 8 | p[3];
    }
    return p != NULL;
}

bool mig_read_be64(MigReader *r, uint64_t *v, Error **errp)
{
    const uint8_t *p = mig_read_ptr(r, 8, errp);

    if (p) {
        uint64_t x = 0;
        for (int i = 0; i < 8; i++) {
            x = x << 8 | p[i];
        }
        *v = x;
    }
    return p != NULL;
}

uint8_t *mig_reader_tail(MigReader *r, size_t max, size_t *len, Error **errp)
{
    uint8_t *out;
    uint64_t start;
    size_t n, done = 0;

    if (r->size == UINT64_MAX) {
        error_setg(errp, "the stream is not a regular file: its device "
                   "description (at the end) cannot be read first");
        return NULL;
    }
    n = (size_t)MIN((uint64_t)max, r->size);
    start = r->size - n;
    out = g_malloc(n ? n : 1);
    if (r->mem) {
        memcpy(out, r->mem + start, n);
    } else {
        off_t origin = lseek(r->fd, 0, SEEK_CUR) - (off_t)(r->base + r->len);
        while (done < n) {
            ssize_t got = pread(r->fd, out + done, n - done,
                                origin + (off_t)(start + done));
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                error_setg(errp, "offset %" PRIu64 ": cannot read the "
                           "stream's tail: %s", start + done,
                           got < 0 ? g_strerror(errno) : "file shrank");
                g_free(out);
                return NULL;
            }
            done += (size_t)got;
        }
    }
    *len = n;
    return out;
}

struct MigWriter {
    MigWriteFunc write;
    void *opaque;
    int fd;
    uint8_t *buf;
    size_t len;
    uint64_t flushed;
    Error *error;            /* sticky */
};

bool mig_write_fd(void *opaque, const uint8_t *buf, size_t len, Error **errp)
{
    int fd = *(int *)opaque;

    while (len) {
        ssize_t put = write(fd, buf, len);
        if (put < 0 && errno == EINTR) {
            continue;
        }
        if (put <= 0) {
            error_setg(errp, "write error: %s",
                       put < 0 ? g_strerror(errno) : "nothing written");
            return false;
        }
        buf += put;
        len -= (size_t)put;
    }
    return true;
}

MigWriter *mig_writer_new(MigWriteFunc write, void *opaque)
{
    MigWriter *w = g_new0(MigWriter, 1);

    w->write = write;
    w->opaque = opaque;
    w->fd = -1;
    w->buf = g_malloc(MIG_WRITER_BUFFER);
    return w;
}

MigWriter *mig_writer_new_fd(int fd)
{
    MigWriter *w = mig_writer_new(mig_write_fd, NULL);

    w->fd = fd;
    w->opaque = &w->fd;
    return w;
}

void mig_writer_free(MigWriter *w)
{
    if (w) {
        error_free(w->error);
        g_free(w->buf);
        g_free(w);
    }
}

uint64_t mig_writer_offset(const MigWriter *w)
{
    return w->flushed + w->len;
}

bool mig_writer_failed(const MigWriter *w)
{
    return w->error != NULL;
}

static bool sticky(MigWriter *w, Error **errp)
{
    if (w->error) {
        error_propagate(errp, error_copy(w->error));
        return false;
    }
    return true;
}

bool mig_writer_flush(MigWriter *w, Error **errp)
{
    if (!sticky(w, errp)) {
        return false;
    }
    if (w->len && !w->write(w->opaque, w->buf, w->len, &w->error)) {
        return sticky(w, errp);
    }
    w->flushed += w->len;
    w->len = 0;
    return true;
}

bool mig_write(MigWriter *w, const void *buf, size_t n, Error **errp)
{
    const uint8_t *p = buf;

    if (!sticky(w, errp)) {
        return false;
    }
    if (n >= MIG_WRITER_BUFFER) {
        if (!mig_writer_flush(w, errp)) {
            return false;
        }
        if (!w->write(w->opaque, p, n, &w->error)) {
            return sticky(w, errp);
        }
        w->flushed += n;
        return true;
    }
    if (w->len + n > MIG_WRITER_BUFFER && !mig_writer_flush(w, errp)) {
        return false;
    }
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return true;
}

uint8_t *mig_write_reserve(MigWriter *w, size_t n, Error **errp)
{
    uint8_t *p;

    g_assert(n <= MIG_WRITER_BUFFER);
    if (!sticky(w, errp)) {
        return NULL;
    }
    if (w->len + n > MIG_WRITER_BUFFER && !mig_writer_flush(w, errp)) {
        return NULL;
    }
    p = w->buf + w->len;
    w->len += n;
    return p;
}

bool mig_write_u8(MigWriter *w, uint8_t v, Error **errp)
{
    return mig_write(w, &v, 1, errp);
}

bool mig_write_be32(MigWriter *w, uint32_t v, Error **errp)
{
    uint8_t b[4] = { v >> 24, v >> 16, v >> 8, v };

    return mig_write(w, b, 4, errp);
}

bool mig_write_be64(MigWriter *w, uint64_t v, Error **errp)
{
    uint8_t b[8];

    for (int i = 0; i < 8; i++) {
        b[i] = (uint8_t)(v >> (56 - 8 * i));
    }
    return mig_write(w, b, 8, errp);
}
