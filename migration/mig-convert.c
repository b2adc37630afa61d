/*
 * migration/mig-convert.c: whole-file conversions (see mig-convert.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>

#include "migration/mig-convert.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"

static const char *const format_names[MIG_FORMAT__MAX] = {
    "qemu", "der", "cer", "ber", "json",
};

const char *mig_format_name(MigFormat f)
{
    g_assert(f < MIG_FORMAT__MAX);
    return format_names[f];
}

bool mig_format_parse(const char *name, MigFormat *f)
{
    for (int i = 0; i < MIG_FORMAT__MAX; i++) {
        if (!strcmp(name, format_names[i])) {
            *f = i;
            return true;
        }
    }
    return false;
}

bool mig_format_detect(const uint8_t *head, size_t len, MigFormat *f)
{
    size_t i = 0;

    if (len >= 4 && !memcmp(head, "QEVM", 4)) {
        *f = MIG_FORMAT_QEMU;
        return true;
    }
    if (len >= 2 && head[0] == 0x30) {
        *f = head[1] == 0x80 ? MIG_FORMAT_CER : MIG_FORMAT_DER;
        return true;
    }
    while (i < len && strchr(" \t\r\n", head[i])) {
        i++;
    }
    if (i < len && head[i] == '{') {
        *f = MIG_FORMAT_JSON;
        return true;
    }
    return false;
}

bool mig_format_detect_fd(int fd, MigFormat *f, Error **errp)
{
    uint8_t head[64];
    ssize_t n = pread(fd, head, sizeof(head), 0);

    if (n < 0) {
        error_setg(errp, "read error: %s", g_strerror(errno));
        return false;
    }
    if (!mig_format_detect(head, (size_t)n, f)) {
        error_setg(errp, "offset 0: neither a QEMU migration stream nor "
                   "its DER, CER, BER or JSON encoding");
        return false;
    }
    return true;
}

static bool discard(void *opaque, const uint8_t *buf, size_t len, Error **errp)
{
    return true;
}

/* The encoded input of @fd, mapped (or read, for an empty file). */
typedef struct Mapped {
    uint8_t *data;
    size_t len;
    bool mapped;
} Mapped;

static bool map_fd(int fd, Mapped *m, bool nul_terminated, Error **errp)
{
    struct stat st;

    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        error_setg(errp, "the input is not a regular file");
        return false;
    }
    m->len = (size_t)st.st_size;
    m->mapped = false;
    if (nul_terminated || !m->len) {
        /* json-c wants NUL-terminated text: read it. */
        size_t done = 0;
        m->data = g_malloc(m->len + 1);
        while (done < m->len) {
            ssize_t got = pread(fd, m->data + done, m->len - done, (off_t)done);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got <= 0) {
                error_setg(errp, "read error: %s",
                           got < 0 ? g_strerror(errno) : "file shrank");
                g_free(m->data);
                return false;
            }
            done += (size_t)got;
        }
        m->data[m->len] = 0;
        return true;
    }
    m->data = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m->data == MAP_FAILED) {
        error_setg(errp, "cannot map the input: %s", g_strerror(errno));
        return false;
    }
    madvise(m->data, m->len, MADV_SEQUENTIAL);
    m->mapped = true;
    return true;
}

static void unmap(Mapped *m)
{
    if (m->mapped) {
        munmap(m->data, m->len);
    } else {
        g_free(m->data);
    }
}

/*
 * The mapped input of the way back is read once, front to back. Its pages
 * are clean and file-backed, so dropping them all now and then (every
 * DROP_PAGES RAM pages passed) is always safe: what the decoder still
 * needs is read in again. It keeps the resident set bounded, not only
 * reclaimable.
 */
#define DROP_PAGES 4096

typedef struct Dropper {
    const MigHooks *user;
    MigHooks hooks;
    Mapped *m;
    uint64_t pages;
} Dropper;

static void drop_record(void *opaque, const MigRecordInfo *info)
{
    Dropper *d = opaque;

    if (d->user && d->user->record) {
        d->user->record(d->user->opaque, info);
    }
}

static void drop_page(void *opaque, const char *block, uint64_t addr,
                      const uint8_t *data, uint64_t page_size, uint8_t fill,
                      uint64_t count)
{
    Dropper *d = opaque;

    if (d->user && d->user->page) {
        d->user->page(d->user->opaque, block, addr, data, page_size, fill,
                      count);
    }
    if (data && ++d->pages % DROP_PAGES == 0 && d->m->mapped) {
        madvise(d->m->data, d->m->len, MADV_DONTNEED);
    }
}

/* Encoded (@in) -> native, written by @w. */
static bool encoded_to_native(int in_fd, MigFormat in, MigWriter *w,
                              const MigHooks *hooks, Error **errp)
{
    Mapped m;
    Dropper d = { .user = hooks, .m = &m };
    Visitor *v;
    bool ok;

    if (!map_fd(in_fd, &m, in == MIG_FORMAT_JSON, errp)) {
        return false;
    }
    if (in == MIG_FORMAT_JSON) {
        v = json_input_visitor_new((char *)m.data, errp);
        unmap(&m);
        if (!v) {
            return false;
        }
        ok = mig_stream_from_visitor(v, w, hooks, errp);
        visit_free(v);
        return ok;
    }
    d.hooks = (MigHooks) { .opaque = &d, .record = drop_record,
                           .page = drop_page };
    v = ber_input_visitor_new(m.data, m.len,
                              in == MIG_FORMAT_CER ? BER_MODE_CER : BER_MODE_BER);
    ok = mig_stream_from_visitor(v, w, &d.hooks, errp) &&
         ber_input_visitor_finish(v, errp);
    visit_free(v);
    unmap(&m);
    return ok;
}

static BERMode ber_mode_of(MigFormat f)
{
    return f == MIG_FORMAT_CER ? BER_MODE_CER :
           f == MIG_FORMAT_DER ? BER_MODE_DER : BER_MODE_BER;
}

/*
 * DER (and BER, the same bytes) needs every length before its contents.
 * The stream is read mapped, and each record is walked twice: through a
 * measuring visitor into a length plan (ber-visitor.h), which reads only
 * the pages' headers and copies nothing, then through a planned visitor
 * that writes it, each length from the plan, streaming as CER does. The
 * record's pages are mapped by the first walk and still there for the
 * second: the stream is read once. The two outermost values (the stream
 * and its list of records) are written before their lengths are known:
 * their length octets are left for the number the native size predicts
 * and filled in at the end. Only when that prediction fails (the DER
 * length and the native size on two sides of 2^24 or 2^32) is the stream
 * converted again, in two whole passes: measured first, then written.
 * Memory is bounded by the plan (a few runs per record) and the mapped
 * pages (dropped after each record once 4096 have been read).
 */
typedef struct DerWalk {
    Mapped m;
    const MigHooks *user;
    MigHooks hooks;
    BERMode mode;
    BERPlan *plan;
    uint64_t pages;       /* mapped pages read since the last drop */
    bool out_failed;      /* writing the output failed (not the input) */
} DerWalk;

static void der_drop(DerWalk *d, uint64_t at_least)
{
    if (d->pages >= at_least && d->m.mapped) {
        madvise(d->m.data, d->m.len, MADV_DONTNEED);
        d->pages = 0;
    }
}

static void der_record(void *opaque, const MigRecordInfo *info)
{
    DerWalk *d = opaque;

    if (d->user && d->user->record) {
        d->user->record(d->user->opaque, info);
    }
    der_drop(d, DROP_PAGES);
}

static void der_page(void *opaque, const char *block, uint64_t addr,
                     const uint8_t *data, uint64_t page_size, uint8_t fill,
                     uint64_t count)
{
    DerWalk *d = opaque;

    if (d->user && d->user->page) {
        d->user->page(d->user->opaque, block, addr, data, page_size, fill,
                      count);
    }
    /* within a record only when it is very large */
    d->pages += data != NULL;
    der_drop(d, 4 * DROP_PAGES);
}

static Visitor *der_measure_record(void *opaque)
{
    DerWalk *d = opaque;

    return ber_output_visitor_new_measure(d->mode, NULL, d->plan);
}

static void der_measured(void *opaque, Visitor *v)
{
    visit_free(v);
}

/* One walk of the mapped stream from @start through @v (with @hooks). */
static bool der_walk(DerWalk *d, off_t start, Visitor *v,
                     const MigHooks *hooks, Error **errp)
{
    MigReader *r;
    bool ok;

    if ((uint64_t)start > d->m.len) {
        error_setg(errp, "the input is shorter than its start");
        return false;
    }
    r = mig_reader_new_mem(d->m.data + start, d->m.len - (size_t)start);
    ok = mig_stream_to_visitor(r, v, hooks, errp);
    mig_reader_free(r);
    d->pages = DROP_PAGES;
    der_drop(d, 0);
    return ok;
}

/* The fallback: measure the whole stream, then write it. */
static bool der_two_passes(DerWalk *d, off_t start, int out_fd, Error **errp)
{
    Visitor *v = ber_output_visitor_new_measure(d->mode, NULL, d->plan);
    MigHooks drop = { .opaque = d, .page = der_page };
    const MigHooks *user = d->user;
    bool ok;

    d->user = NULL;
    ok = der_walk(d, start, v, &drop, errp);
    d->user = user;
    visit_free(v);
    if (!ok) {
        return false;
    }
    v = ber_output_visitor_new_planned_fd(d->mode, NULL, d->plan, out_fd);
    ok = der_walk(d, start, v, &d->hooks, errp) &&
         ber_output_visitor_finish(v, errp);
    d->out_failed = !ok && ber_output_visitor_write_failed(v);
    visit_free(v);
    return ok;
}

static bool native_to_der(int in_fd, int out_fd, BERMode mode,
                          const MigHooks *hooks, bool *out_failed,
                          Error **errp)
{
    DerWalk d = { .user = hooks, .mode = mode };
    off_t start = lseek(in_fd, 0, SEEK_CUR);
    /* O_APPEND: pwrite() and ftruncate() would not do what is meant */
    off_t out_start = (fcntl(out_fd, F_GETFL) & O_APPEND) ? -1
                      : lseek(out_fd, 0, SEEK_CUR);
    Error *err = NULL;
    unsigned octets;
    Visitor *v;
    bool ok;

    if (start < 0) {
        error_setg(errp, "the input is not seekable");
        return false;
    }
    if (!map_fd(in_fd, &d.m, false, errp)) {
        return false;
    }
    d.hooks = (MigHooks) { .opaque = &d, .record = der_record,
                           .page = der_page };
    d.plan = ber_plan_new();
    if (out_start < 0) {
        /* not a file: its lengths cannot be filled in afterwards */
        ok = der_two_passes(&d, start, out_fd, errp);
        goto out;
    }
    octets = (unsigned)ber_length_size(d.m.len - (uint64_t)start);
    ber_plan_defer(d.plan, octets);         /* the stream */
    ber_plan_defer(d.plan, octets);         /* its records */
    d.hooks.prewalk_visitor = der_measure_record;
    d.hooks.prewalk_done = der_measured;
    v = ber_output_visitor_new_planned_fd(mode, NULL, d.plan, out_fd);
    ok = der_walk(&d, start, v, &d.hooks, &err) &&
         ber_output_visitor_finish(v, &err);
    d.out_failed = !ok && ber_output_visitor_write_failed(v);
    visit_free(v);
    if (!ok && ber_plan_misfit(d.plan)) {
        error_free(err);
        err = NULL;
        ber_plan_free(d.plan);
        d.plan = ber_plan_new();
        d.hooks.prewalk_visitor = NULL;
        d.hooks.prewalk_done = NULL;
        if (ftruncate(out_fd, out_start) < 0 ||
            lseek(out_fd, out_start, SEEK_SET) < 0) {
            error_setg(errp, "cannot rewind the output: %s",
                       g_strerror(errno));
            d.out_failed = true;
        } else {
            d.user = NULL;      /* the walk just done gave them every record */
            ok = der_two_passes(&d, start, out_fd, errp);
        }
    } else if (!ok) {
        error_propagate(errp, err);
    }
out:
    *out_failed = d.out_failed;
    ber_plan_free(d.plan);
    unmap(&d.m);
    return ok;
}

/*
 * Native in @r -> @out (not native), written to @out_fd (or, if -1,
 * encoded as CER and discarded); *@out_failed tells a failed write.
 */
static bool native_to_encoded(MigReader *r, int out_fd, MigFormat out,
                              const MigHooks *hooks, bool *out_failed,
                              Error **errp)
{
    Visitor *v;
    bool ok;

    if (out == MIG_FORMAT_JSON) {
        char *text = NULL;
        v = json_output_visitor_new(false, &text);
        ok = mig_stream_to_visitor(r, v, hooks, errp);
        if (ok) {
            visit_complete(v, &text);
            ok = mig_write_fd(&out_fd, (uint8_t *)text, strlen(text), errp) &&
                 mig_write_fd(&out_fd, (const uint8_t *)"\n", 1, errp);
            *out_failed = !ok;
        }
        visit_free(v);
        g_free(text);
        return ok;
    }
    v = out_fd >= 0 ? ber_output_visitor_new_fd(ber_mode_of(out), NULL, out_fd)
                    : ber_output_visitor_new_sink(BER_MODE_CER, NULL, discard,
                                                  NULL);
    ok = mig_stream_to_visitor(r, v, hooks, errp) &&
         ber_output_visitor_finish(v, errp);
    *out_failed = !ok && ber_output_visitor_write_failed(v);
    visit_free(v);
    return ok;
}

int mig_native_tmpfile(int in_fd, MigFormat in, Error **errp)
{
    FILE *tmp = tmpfile();
    int fd;
    MigWriter *w;
    bool ok;

    if (!tmp) {
        error_setg(errp, "cannot create a temporary file: %s",
                   g_strerror(errno));
        return -1;
    }
    fd = dup(fileno(tmp));
    fclose(tmp);
    w = mig_writer_new_fd(fd);
    ok = encoded_to_native(in_fd, in, w, NULL, errp);
    mig_writer_free(w);
    if (!ok || lseek(fd, 0, SEEK_SET) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool mig_convert_fd(int in_fd, MigFormat in, int out_fd, MigFormat out,
                    const MigHooks *hooks, bool *write_failed, Error **errp)
{
    bool out_failed = false, ignored;
    MigReader *r;
    bool ok;

    if (!write_failed) {
        write_failed = &ignored;
    }
    *write_failed = false;
    if (in != MIG_FORMAT_QEMU && out == MIG_FORMAT_QEMU) {
        MigWriter *w = mig_writer_new_fd(out_fd);
        ok = encoded_to_native(in_fd, in, w, hooks, errp);
        *write_failed = !ok && mig_writer_failed(w);
        mig_writer_free(w);
        return ok;
    }
    if (in != MIG_FORMAT_QEMU) {
        int tmp = mig_native_tmpfile(in_fd, in, errp);
        if (tmp < 0) {
            return false;
        }
        ok = mig_convert_fd(tmp, MIG_FORMAT_QEMU, out_fd, out, hooks,
                            write_failed, errp);
        close(tmp);
        return ok;
    }
    if (out == MIG_FORMAT_QEMU) {
        /* Native -> native: check it all, then copy the checked bytes. */
        r = mig_reader_new_fd(in_fd);
        ok = native_to_encoded(r, -1, MIG_FORMAT_CER, hooks, &out_failed,
                               errp);
        mig_reader_free(r);
        if (ok) {
            MigWriter *w = mig_writer_new_fd(out_fd);
            uint8_t buf[65536];
            ssize_t got;
            off_t at = 0;
            while (ok && (got = pread(in_fd, buf, sizeof(buf), at)) != 0) {
                if (got < 0) {
                    if (errno == EINTR) {
                        continue;
                    }
                    error_setg(errp, "read error: %s", g_strerror(errno));
                    ok = false;
                    break;
                }
                ok = mig_write(w, buf, (size_t)got, errp);
                at += got;
            }
            ok = ok && mig_writer_flush(w, errp);
            *write_failed = !ok && mig_writer_failed(w);
            mig_writer_free(w);
        }
        return ok;
    }
    if (out == MIG_FORMAT_DER || out == MIG_FORMAT_BER) {
        return native_to_der(in_fd, out_fd, ber_mode_of(out), hooks,
                             write_failed, errp);
    }
    r = mig_reader_new_fd(in_fd);
    ok = native_to_encoded(r, out_fd, out, hooks, write_failed, errp);
    mig_reader_free(r);
    return ok;
}

bool mig_walk_fd(int in_fd, MigFormat in, const MigHooks *hooks, Error **errp)
{
    bool out_failed;
    MigReader *r;
    bool ok;

    if (in != MIG_FORMAT_QEMU) {
        int tmp = mig_native_tmpfile(in_fd, in, errp);
        if (tmp < 0) {
            return false;
        }
        ok = mig_walk_fd(tmp, MIG_FORMAT_QEMU, hooks, errp);
        close(tmp);
        return ok;
    }
    r = mig_reader_new_fd(in_fd);
    ok = native_to_encoded(r, -1, MIG_FORMAT_CER, hooks, &out_failed, errp);
    mig_reader_free(r);
    return ok;
}
