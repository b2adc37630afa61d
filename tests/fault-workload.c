/*
 * tests/fault-workload.c: the NVRAM workload of the reliability tests (see
 * fault-workload.h).
 */
#include "config.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qapi/visitor.h"
#include "tests/fault-storage.h"
#include "tests/fault-workload.h"

/* Bytes of a value's encoding around its data (SEQUENCE, INTEGERs, OCTET
 * STRING header, or JSON/base64 growth handled by the bound below). */
#define WORKLOAD_VALUE_OVERHEAD 64

static const struct {
    const char *name;
    uint64_t max_value;
} workload_entry_defs[WORKLOAD_N_ENTRIES] = {
    { "permall", 64 * 1024 },
    { "volatilestate", 16 * 1024 },
    { "savestate", 16 * 1024 },
};

/* The C form of a value; visited as SEQUENCE { seq, entry, data }. */
typedef struct WorkloadValue {
    uint64_t seq;
    uint32_t entry;
    uint8_t *data;
    size_t len;
} WorkloadValue;

/* An asynchronous request in flight. */
typedef struct WorkloadRequest {
    WorkloadEntry *entry;
    uint64_t seq;
} WorkloadRequest;

uint64_t workload_value_len(const WorkloadEntry *e, uint64_t seq)
{
    uint64_t h = fault_seed_mix(seq, 0x1E9u);
    uint64_t max = e->max_value;

    /* Sizes of every order, so that writes cover 1 to 17 sectors of 4 KiB. */
    switch (h % 5) {
    case 0:
        return (h >> 8) % 65;
    case 1:
        return (h >> 8) % 1025;
    case 2:
        return (h >> 8) % (max / 4 + 1);
    case 3:
        return max / 2 + (h >> 8) % (max / 2 + 1);
    default:
        return max - (h >> 8) % 16;
    }
}

uint8_t workload_value_byte(uint64_t seq, uint64_t i)
{
    uint64_t x = seq * 0x9E3779B97F4A7C15ull + (i / 8) * 0xC2B2AE3D27D4EB4Full;

    x ^= x >> 29;
    return (uint8_t)(x >> ((i % 8) * 8));
}

static bool visit_value(Visitor *v, WorkloadValue **obj, Error **errp)
{
    bool ok;

    if (!visit_start_struct(v, NULL, (void **)obj, sizeof(**obj), errp)) {
        return false;
    }
    ok = visit_type_uint64(v, "seq", &(*obj)->seq, errp) &&
         visit_type_uint32(v, "entry", &(*obj)->entry, errp) &&
         visit_type_bytes(v, "data", &(*obj)->data, &(*obj)->len, errp) &&
         visit_check_struct(v, errp);
    visit_end_struct(v, (void **)obj);
    return ok;
}

/* Whether @val is a value the workload wrote to @e (or could have). */
static char *value_problem(const WorkloadEntry *e, const WorkloadValue *val)
{
    uint64_t len;

    if (val->entry != e->index) {
        return g_strdup_printf("entry %s holds a value of entry #%" PRIu32
                               " (seq %" PRIu64 ")", e->name.name,
                               val->entry, val->seq);
    }
    if (val->seq == 0 || val->seq >= e->workload->next_seq) {
        return g_strdup_printf("entry %s holds seq %" PRIu64
                               ", never written (next is %" PRIu64 ")",
                               e->name.name, val->seq,
                               e->workload->next_seq);
    }
    len = workload_value_len(e, val->seq);
    if (val->len != len) {
        return g_strdup_printf("entry %s seq %" PRIu64 ": %zu bytes, "
                               "expected %" PRIu64, e->name.name, val->seq,
                               val->len, len);
    }
    for (uint64_t i = 0; i < len; i++) {
        if (val->data[i] != workload_value_byte(val->seq, i)) {
            return g_strdup_printf("entry %s seq %" PRIu64 ": byte %" PRIu64
                                   " is 0x%02x, expected 0x%02x",
                                   e->name.name, val->seq, i, val->data[i],
                                   workload_value_byte(val->seq, i));
        }
    }
    return NULL;
}

static int workload_rw(enum NVRAMRWOp op, Visitor *v,
                       const NVRAMEntryName *entry_name, void *opaque,
                       Error **errp)
{
    WorkloadEntry *e = opaque;
    WorkloadValue value = { 0 };
    WorkloadValue *obj;
    char *problem;
    bool ok;

    switch (op) {
    case NVRAM_OP_FORMAT:
        return (int)(e->max_value + WORKLOAD_VALUE_OVERHEAD);
    case NVRAM_OP_WRITE:
        value.seq = e->to_write;
        value.entry = e->index;
        value.len = workload_value_len(e, value.seq);
        value.data = g_malloc(value.len ? value.len : 1);
        for (uint64_t i = 0; i < value.len; i++) {
            value.data[i] = workload_value_byte(value.seq, i);
        }
        obj = &value;
        ok = visit_value(v, &obj, errp);
        g_free(value.data);
        return ok ? 0 : -1;
    case NVRAM_OP_READ:
        obj = NULL;
        if (!visit_value(v, &obj, errp)) {
            /* A value that passed the check value yet does not decode. */
            if (!e->workload->bad_value) {
                e->workload->bad_value = g_strdup_printf(
                    "entry %s: stored value does not decode", e->name.name);
            }
            if (obj) {
                g_free(obj->data);
                g_free(obj);
            }
            return -1;
        }
        problem = value_problem(e, obj);
        if (problem) {
            error_setg(errp, "%s", problem);
            if (!e->workload->bad_value) {
                e->workload->bad_value = problem;
            } else {
                g_free(problem);
            }
            g_free(obj->data);
            g_free(obj);
            return -1;
        }
        e->read_done = true;
        e->read_seq = obj->seq;
        g_free(obj->data);
        g_free(obj);
        return 0;
    }
    error_setg(errp, "unknown operation %d", op);
    return -1;
}

static NVRAMOptions workload_opts;

void workload_use_key(const uint8_t *key)
{
    workload_opts.key = key;
    workload_opts.key_len = key ? NVRAM_KEY_SIZE : 0;
}

/* The export workload_new_image() writes its images to; NULL: memory. */
static char *backend_uri;

void workload_use_backend(const char *uri)
{
    g_free(backend_uri);
    backend_uri = g_strdup(uri);
}

const NVRAMOptions *workload_options(void)
{
    return &workload_opts;
}

void workload_specs(NVRAMEntrySpec specs[WORKLOAD_N_ENTRIES])
{
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        specs[i].name = workload_entry_defs[i].name;
        specs[i].max_size = workload_entry_defs[i].max_value +
                            WORKLOAD_VALUE_OVERHEAD;
    }
}

void workload_init(Workload *w, uint64_t seed, uint64_t first_seq)
{
    memset(w, 0, sizeof(*w));
    w->rng = fault_seed_mix(seed, 0x3091u);
    w->next_seq = first_seq ? first_seq : 1;
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        WorkloadEntry *e = &w->entries[i];

        e->workload = w;
        e->index = i;
        g_assert(nvram_entry_name_init(&e->name, workload_entry_defs[i].name,
                                       NULL));
        e->max_value = workload_entry_defs[i].max_value;
    }
}

void workload_cleanup(Workload *w)
{
    g_free(w->first_error_msg);
    g_free(w->bad_value);
    w->first_error_msg = NULL;
    w->bad_value = NULL;
}

NVRAMStorage *workload_new_image(void)
{
    /* One template per mode: plain and encrypted. */
    static uint8_t *templates[2];
    static size_t template_sizes[2];
    static GMutex lock;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    int mode = workload_opts.key != NULL;
    NVRAMStorage *s;

    if (!templates[mode]) {
        NVRAMEntrySpec specs[WORKLOAD_N_ENTRIES];
        Error *err = NULL;
        const uint8_t *bytes;
        uint64_t size;

        workload_specs(specs);
        if (nvram_measure(specs, WORKLOAD_N_ENTRIES, &size, &err) < 0) {
            g_error("measure: %s", error_get_pretty(err));
        }
        s = nvram_storage_new_memory(size);
        if (nvram_format_storage_with_key(s, specs, WORKLOAD_N_ENTRIES,
                                          workload_opts.key,
                                          workload_opts.key_len, false,
                                          &err) < 0) {
            g_error("format: %s", error_get_pretty(err));
        }
        bytes = nvram_storage_memory_data(s, &template_sizes[mode]);
        templates[mode] = g_malloc(template_sizes[mode]);
        memcpy(templates[mode], bytes, template_sizes[mode]);
        nvram_storage_close(s);
    }
    if (backend_uri) {
        Error *err = NULL;

        s = nvram_storage_open(backend_uri, false, false, &err);
        if (!s || !nvram_storage_pwrite(s, templates[mode],
                                        template_sizes[mode], 0, &err) ||
            !nvram_storage_flush(s, &err)) {
            g_error("image on %s: %s", backend_uri, error_get_pretty(err));
        }
        return s;
    }
    s = nvram_storage_new_memory(template_sizes[mode]);
    memcpy(nvram_storage_memory_data(s, NULL), templates[mode],
           template_sizes[mode]);
    return s;
}

int workload_register(Workload *w, NVRAM *nvram, Error **errp)
{
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        int ret = nvram_register_entry(nvram, &w->entries[i].name, workload_rw,
                                       &w->entries[i], errp);
        if (ret < 0) {
            return ret;
        }
    }
    return 0;
}

static void record_error(Workload *w, int code, const char *msg)
{
    /*
     * A request refused because the NVRAM already failed may be seen
     * before the completion of the request that failed it: the cause is
     * what the tests want to see.
     */
    if (w->first_error == -NVRAM_ERR_FAILED && code != -NVRAM_ERR_FAILED) {
        g_free(w->first_error_msg);
        w->first_error = 0;
    }
    if (!w->first_error) {
        w->first_error = code;
        w->first_error_msg = g_strdup(msg ? msg : nvram_strerror(code));
    }
    w->stopped = true;
}

static void write_done(int errcode, const NVRAMEntryName *entry_name,
                       void *opaque, const Error *err)
{
    WorkloadRequest *req = opaque;
    WorkloadEntry *e = req->entry;
    Workload *w = e->workload;

    g_assert_cmpstr(entry_name->name, ==, e->name.name);
    if (errcode == 0) {
        g_assert_cmpuint(req->seq, >, e->acked);
        e->acked = req->seq;
        if (e->inflight == req->seq) {
            e->inflight = 0;
        }
        w->writes_acked++;
    } else {
        g_assert_cmpint(errcode, <, 0);
        record_error(w, errcode, err ? error_get_pretty(err) : NULL);
    }
    g_assert_cmpuint(w->outstanding, >, 0);
    w->outstanding--;
    g_free(req);
}

static void drain(Workload *w, NVRAM *nvram)
{
    gint64 deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;

    while (w->outstanding) {
        if (nvram_process_requests(nvram) == 0) {
            if (g_get_monotonic_time() > deadline) {
                g_error("workload: %u requests never completed",
                        w->outstanding);
            }
            g_usleep(50);
        }
    }
}

/* Submit a write of the next value to @e; false if the call failed. */
static bool submit_write(Workload *w, NVRAM *nvram, WorkloadEntry *e,
                         int flags)
{
    uint64_t seq = w->next_seq++;
    Error *err = NULL;
    WorkloadRequest *req = NULL;
    int ret;

    g_assert_cmpuint(e->inflight, ==, 0);
    e->to_write = seq;
    e->inflight = seq;
    if (flags & VNVRAM_ASYNC_F) {
        req = g_new0(WorkloadRequest, 1);
        req->entry = e;
        req->seq = seq;
        w->outstanding++;
        w->async_submitted++;
    }
    ret = nvram_write_data(nvram, &e->name, flags, req ? write_done : NULL,
                           req, &err);
    if (ret < 0) {
        if (req) {
            /* Refused at submission: never queued, never completed. */
            w->outstanding--;
            g_free(req);
            e->inflight = 0;
        }
        record_error(w, ret, err ? error_get_pretty(err) : NULL);
        error_free(err);
        return false;
    }
    g_assert_null(err);
    if (!req) {
        e->acked = seq;
        e->inflight = 0;
        w->writes_acked++;
    }
    return true;
}

/* Read @e synchronously and check it holds @expected. */
static bool checked_read(Workload *w, NVRAM *nvram, WorkloadEntry *e,
                         uint64_t expected)
{
    Error *err = NULL;
    int ret;

    e->read_done = false;
    ret = nvram_read_data(nvram, &e->name, 0, NULL, NULL, &err);
    if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
        /* Never written: read as sequence number 0. */
        error_free(err);
        err = NULL;
        ret = 0;
        e->read_done = true;
        e->read_seq = 0;
    }
    if (ret < 0) {
        record_error(w, ret, err ? error_get_pretty(err) : NULL);
        error_free(err);
        return false;
    }
    g_assert_true(e->read_done);
    w->reads_checked++;
    if (e->read_seq != expected && !w->bad_value) {
        if (e->inflight && e->read_seq == e->acked) {
            /* The caller decides once the queued write completed. */
            return false;
        }
        w->bad_value = g_strdup_printf("entry %s read seq %" PRIu64
                                       " in session, expected %" PRIu64,
                                       e->name.name, e->read_seq, expected);
    }
    return e->read_seq == expected;
}

bool workload_run(Workload *w, NVRAM *nvram, unsigned steps)
{
    for (unsigned step = 0; step < steps && !w->stopped; step++) {
        uint64_t r = fault_rand_below(&w->rng, 100);
        WorkloadEntry *e = &w->entries[fault_rand_below(&w->rng,
                                                        WORKLOAD_N_ENTRIES)];

        if (r < 65) {
            submit_write(w, nvram, e, 0);
        } else if (r < 90) {
            /* A batch of asynchronous writes in flight together. */
            unsigned order[WORKLOAD_N_ENTRIES] = { 0, 1, 2 };
            unsigned k = 1 + fault_rand_below(&w->rng, WORKLOAD_N_ENTRIES);

            for (unsigned i = WORKLOAD_N_ENTRIES - 1; i > 0; i--) {
                unsigned j = fault_rand_below(&w->rng, i + 1);
                unsigned t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            for (unsigned i = 0; i < k && !w->stopped; i++) {
                int flags = VNVRAM_ASYNC_F;

                if (i == k - 1 && fault_rand_below(&w->rng, 2)) {
                    flags |= VNVRAM_WAIT_COMPLETION_F;
                }
                submit_write(w, nvram, &w->entries[order[i]], flags);
            }
            if (!w->stopped && fault_rand_below(&w->rng, 3) == 0) {
                /*
                 * Requests on one entry complete in order, sync ones too:
                 * the read sees the queued write, unless that write fails.
                 */
                WorkloadEntry *q = &w->entries[order[0]];
                uint64_t queued = q->inflight, old = q->acked;

                if (!checked_read(w, nvram, q, queued ? queued : old) &&
                    queued && q->read_done && q->read_seq == old &&
                    !w->bad_value) {
                    drain(w, nvram);
                    if (q->acked == queued) {
                        w->bad_value = g_strdup_printf(
                            "entry %s: a read queued after the write of seq %"
                            PRIu64 " returned the older %" PRIu64,
                            q->name.name, queued, old);
                    }
                }
            }
            drain(w, nvram);
        } else {
            checked_read(w, nvram, e, e->acked);
        }
        if (w->bad_value) {
            w->stopped = true;
        }
    }
    drain(w, nvram);
    return !w->stopped;
}

int workload_read_all(Workload *w, NVRAM *nvram,
                      uint64_t seq[WORKLOAD_N_ENTRIES], Error **errp)
{
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        WorkloadEntry *e = &w->entries[i];
        Error *err = NULL;
        int ret;

        e->read_done = false;
        seq[i] = 0;
        ret = nvram_read_data(nvram, &e->name, 0, NULL, NULL, &err);
        if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
            error_free(err);
            continue;
        }
        if (ret < 0) {
            error_propagate_prepend(errp, err, "entry %s: ", e->name.name);
            return ret;
        }
        if (!e->read_done) {
            error_setg(errp, "entry %s: read succeeded without a value",
                       e->name.name);
            return -NVRAM_ERR_DEVICE;
        }
        seq[i] = e->read_seq;
    }
    if (w->bad_value) {
        error_setg(errp, "%s", w->bad_value);
        return -NVRAM_ERR_DEVICE;
    }
    return 0;
}

char *workload_check(const Workload *w, const uint64_t seq[WORKLOAD_N_ENTRIES])
{
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        const WorkloadEntry *e = &w->entries[i];

        if (seq[i] == e->acked || (e->inflight && seq[i] == e->inflight)) {
            continue;
        }
        if (seq[i] == 0) {
            return g_strdup_printf("entry %s is absent, but seq %" PRIu64
                                   " was acknowledged", e->name.name,
                                   e->acked);
        }
        if (e->inflight) {
            return g_strdup_printf("entry %s holds seq %" PRIu64 ", expected %"
                                   PRIu64 " (acknowledged) or %" PRIu64
                                   " (in flight)", e->name.name, seq[i],
                                   e->acked, e->inflight);
        }
        return g_strdup_printf("entry %s holds seq %" PRIu64 ", expected %"
                               PRIu64 " (acknowledged)", e->name.name,
                               seq[i], e->acked);
    }
    return NULL;
}

void workload_adopt(Workload *w, const uint64_t seq[WORKLOAD_N_ENTRIES])
{
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        w->entries[i].acked = seq[i];
        w->entries[i].inflight = 0;
    }
    w->stopped = false;
    w->first_error = 0;
    g_free(w->first_error_msg);
    w->first_error_msg = NULL;
}

NVRAM *workload_open_copy(Workload *w, NVRAMStorage *disk, int *code,
                          Error **errp)
{
    NVRAMStorage *copy;
    NVRAM *nvram;
    uint64_t size;
    int ret;

    *code = 0;
    if (backend_uri) {
        /* the export's bytes, read as the NVRAM would read them */
        if (!nvram_storage_get_size(disk, &size, errp)) {
            *code = -NVRAM_ERR_IO;
            return NULL;
        }
        copy = nvram_storage_new_memory((size_t)size);
        if (!nvram_storage_pread(disk, nvram_storage_memory_data(copy, NULL),
                                 (size_t)size, 0, errp)) {
            nvram_storage_close(copy);
            *code = -NVRAM_ERR_IO;
            return NULL;
        }
    } else {
        size_t len;
        const uint8_t *bytes = nvram_storage_memory_data(disk, &len);

        copy = nvram_storage_new_memory(len);
        memcpy(nvram_storage_memory_data(copy, NULL), bytes, len);
    }
    nvram = nvram_setup_with_storage(copy, &workload_opts, errp);
    if (!nvram) {
        *code = -NVRAM_ERR_INVALID;
        return NULL;
    }
    ret = workload_register(w, nvram, errp);
    if (ret == 0) {
        ret = nvram_start(nvram, true, errp);
    }
    if (ret < 0) {
        *code = ret;
        nvram_delete(nvram);
        return NULL;
    }
    return nvram;
}
