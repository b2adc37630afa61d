/*
 * nvram/nvram.c: the entry registry, the request queue and its worker.
 *
 * Data path of a write: device callback -> output visitor -> buffer ->
 * nvram_commit_prepare() (seal, frame, which copy; nvram/image.c) -> one
 * gathered pwrite + one flush, on the worker. The copy is built at submission, in the caller's thread, so the
 * device state is captured when the request is made and the worker only
 * does I/O. Which copy and which generation a write gets is decided at
 * submission too (under the lock, in submission order): writes to an
 * entry alternate between its copies, each one going to the copy that
 * does not hold the newest value.
 *
 * Locks: @lock protects the registry, the queues and the counters;
 * @io_lock serializes storage access (worker, late registration);
 * @process_lock (recursive) makes completion delivery one at a time.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "nvram/crypto.h"
#include "nvram/image.h"
#include "nvram/nvram.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"

typedef struct NVRAMEntry {
    NVRAMEntryName name;
    NVRAMRWData cb;
    void *opaque;
    NVRAMEntryPolicy policy;        /* as set; the image may say mirror */
    const NVRAMLayoutEntry *slot;   /* set once started */
    /* Submission-side view of the copies: as they will be once every
     * submitted write is done. */
    NVRAMCopyState submitted;
    /* Requests submitted and not yet delivered. */
    unsigned pending;
    /*
     * Held from a write's encode to its generation being assigned, so that
     * concurrent writers of one entry get generations in the order their
     * states were captured: a state encoded earlier never wins.
     */
    GMutex write_order;
} NVRAMEntry;

static void entry_free(gpointer opaque)
{
    NVRAMEntry *e = opaque;

    g_mutex_clear(&e->write_order);
    g_free(e);
}

typedef struct NVRAMRequest {
    uint64_t seq;
    bool is_write;
    bool sync;
    NVRAMEntry *entry;
    NVRAMRWFinishCB cb;
    void *opaque;
    /* write: the prepared copy and where it goes */
    NVRAMCommit commit;
    /* result */
    int ret;
    Error *err;
    /* read: what the scan found */
    NVRAMCopyInfo scan_info[2];
    NVRAMPick scan_pick;
    uint8_t *payload;
    size_t payload_len;
    NVRAMEncoding encoding;
} NVRAMRequest;

struct NVRAM {
    NVRAMStorage *storage;
    NVRAMOptions opts;
    NVRAMLayout *layout;

    GMutex lock;
    /*
     * Two conditions on @lock: @work_cond wakes the worker (a request was
     * queued, or stop), @cond everybody waiting for progress (done_seq,
     * pending counts). Apart, so that finishing a request does not wake
     * an idle worker for nothing: a synchronous commit would pay for its
     * thread switch.
     */
    GCond cond;
    GCond work_cond;
    unsigned progress_waiters;    /* threads in wait_progress() */
    GMutex io_lock;
    GRecMutex process_lock;
    GHashTable *entries;          /* name -> NVRAMEntry* */
    GQueue queue;                 /* submitted, waiting for the worker */
    GQueue completions;           /* done asynchronous requests */
    uint64_t next_seq;            /* seq of the next submitted request */
    uint64_t done_seq;            /* every request with seq < this is done */
    GThread *worker;
    bool stopping;
    bool started;
    bool fatal;
    GMainContext *source_context; /* woken when completions arrive */
    bool has_source;
    bool has_key;
    uint8_t key[NVRAM_KEY_SIZE];
};

bool nvram_encryption_available(void)
{
    return nvram_crypto_available();
}

/* The key to open values with, or NULL. */
static const uint8_t *nvram_key(NVRAM *nvram)
{
    return nvram->has_key ? nvram->key : NULL;
}

static BERMode encoding_ber_mode(NVRAMEncoding encoding)
{
    switch (encoding) {
    case NVRAM_ENCODING_BER:
        return BER_MODE_BER;
    case NVRAM_ENCODING_CER:
        return BER_MODE_CER;
    default:
        return BER_MODE_DER;
    }
}

/*** Encoding and decoding through the device callback ***/

/*
 * Run the device callback @op (WRITE or FORMAT) with an output visitor of
 * @encoding. Returns the callback's value (< 0: failure with @errp set);
 * when it is 0, *@out holds the encoding.
 */
static int device_encode(NVRAMEntry *e, enum NVRAMRWOp op,
                         NVRAMEncoding encoding, GByteArray **out,
                         Error **errp)
{
    Error *local_err = NULL;
    GByteArray *ber = NULL;
    char *json = NULL;
    Visitor *v;
    int ret;

    if (encoding == NVRAM_ENCODING_JSON) {
        v = json_output_visitor_new(false, &json);
    } else {
        v = ber_output_visitor_new(encoding_ber_mode(encoding), &ber);
    }
    ret = e->cb(op, v, &e->name, e->opaque, &local_err);
    if (ret < 0) {
        visit_free(v);
        if (local_err) {
            error_propagate_prepend(errp, local_err, "entry '%s': device "
                                    "failed to encode: ", e->name.name);
        } else {
            error_setg(errp, "entry '%s': device failed to encode (%d)",
                       e->name.name, ret);
        }
        return ret;
    }
    error_free(local_err);
    if (ret > 0) {
        visit_free(v);
        return ret;
    }
    if (encoding == NVRAM_ENCODING_JSON) {
        visit_complete(v, &json);
        visit_free(v);
        *out = g_byte_array_new_take((guint8 *)json, strlen(json));
    } else {
        visit_complete(v, &ber);
        visit_free(v);
        *out = ber;
    }
    return 0;
}

/* Decode a read value into the device through its callback. */
static int device_decode(NVRAMEntry *e, const uint8_t *payload, size_t len,
                         NVRAMEncoding encoding, Error **errp)
{
    Error *local_err = NULL;
    char *text = NULL;
    Visitor *v;
    int ret;

    if (encoding == NVRAM_ENCODING_JSON) {
        if (memchr(payload, 0, len)) {
            error_setg(errp, "entry '%s': JSON value holds a NUL byte",
                       e->name.name);
            return -NVRAM_ERR_DEVICE;
        }
        text = g_strndup((const char *)payload, len);
        v = json_input_visitor_new(text, &local_err);
        if (!v) {
            g_free(text);
            error_propagate_prepend(errp, local_err, "entry '%s': ",
                                    e->name.name);
            return -NVRAM_ERR_DEVICE;
        }
    } else {
        v = ber_input_visitor_new(payload, len, encoding_ber_mode(encoding));
    }
    ret = e->cb(NVRAM_OP_READ, v, &e->name, e->opaque, &local_err);
    if (ret >= 0 && encoding != NVRAM_ENCODING_JSON &&
        !ber_input_visitor_finish(v, &local_err)) {
        ret = -1;
    }
    visit_free(v);
    g_free(text);
    if (ret < 0) {
        if (local_err) {
            error_propagate_prepend(errp, local_err, "entry '%s': device "
                                    "failed to decode: ", e->name.name);
        } else {
            error_setg(errp, "entry '%s': device failed to decode (%d)",
                       e->name.name, ret);
        }
        return -NVRAM_ERR_DEVICE;
    }
    error_free(local_err);
    return 0;
}

/*** The worker ***/

static void request_free(NVRAMRequest *req)
{
    nvram_commit_clear(&req->commit);
    error_free(req->err);
    g_free(req->scan_info[0].problem);
    g_free(req->scan_info[1].problem);
    g_free(req->payload);
    g_free(req);
}

static void mark_fatal(NVRAM *nvram)
{
    g_mutex_lock(&nvram->lock);
    nvram->fatal = true;
    g_mutex_unlock(&nvram->lock);
}

/*
 * Refuse a write once the NVRAM has failed; with @lock held. Returns true
 * (with @req's result set) when refused.
 */
static bool write_refused(NVRAM *nvram, NVRAMRequest *req)
{
    if (!nvram->fatal) {
        return false;
    }
    req->ret = -NVRAM_ERR_FAILED;
    error_setg(&req->err, "entry '%s': the NVRAM failed earlier and "
               "refuses writes", req->entry->name.name);
    return true;
}

/* The storage access of @req; with @io_lock held and @lock not held. */
static void request_io(NVRAM *nvram, NVRAMRequest *req)
{
    if (!req->is_write) {
        req->ret = nvram_entry_scan(nvram->storage, nvram->layout,
                                    req->entry->slot, nvram_key(nvram),
                                    req->scan_info, &req->scan_pick,
                                    &req->payload, &req->payload_len,
                                    &req->err);
        return;
    }
    req->ret = nvram_commit_write(nvram->storage, &req->commit,
                                  req->entry->name.name, &req->err);
}

/*
 * Turn the outcome of request_io() into @req's result; with neither lock
 * held (marking the NVRAM failed takes @lock, which is never taken after
 * @io_lock).
 */
static void request_io_done(NVRAM *nvram, NVRAMRequest *req)
{
    const NVRAMLayoutEntry *slot = req->entry->slot;
    NVRAMCopyInfo *info = req->scan_info;

    if (req->is_write) {
        if (req->ret < 0) {
            mark_fatal(nvram);
        }
        return;
    }
    if (req->ret < 0) {
        mark_fatal(nvram);
        return;
    }
    if (!info[0].valid || !info[1].valid) {
        /* the next write repairs the damage by filling both copies */
        g_mutex_lock(&nvram->lock);
        req->entry->submitted.both_good = false;
        g_mutex_unlock(&nvram->lock);
    }
    req->ret = nvram_pick_result(&req->scan_pick, slot->name.name, info,
                                 &req->err);
    if (req->ret >= 0) {
        req->encoding = info[req->scan_pick.newest].encoding;
    }
    g_free(info[0].problem);
    g_free(info[1].problem);
    info[0].problem = info[1].problem = NULL;
}

/*
 * Wait on @cond for progress (done_seq, pending counts); with @lock held.
 * Callers loop on their condition: wake-ups may be spurious.
 */
static void wait_progress(NVRAM *nvram)
{
    nvram->progress_waiters++;
    g_cond_wait(&nvram->cond, &nvram->lock);
    nvram->progress_waiters--;
}

/*
 * Wake every wait_progress(); with @lock held. Free when nobody waits,
 * which is the common case of a synchronous commit: a broadcast is a
 * system call each time.
 */
static void notify_progress(NVRAM *nvram)
{
    if (nvram->progress_waiters) {
        g_cond_broadcast(&nvram->cond);
    }
}

/* Execute @req on the worker; with no lock held. */
static void execute(NVRAM *nvram, NVRAMRequest *req)
{
    if (req->is_write) {
        bool refused;

        g_mutex_lock(&nvram->lock);
        refused = write_refused(nvram, req);
        g_mutex_unlock(&nvram->lock);
        if (refused) {
            return;
        }
    }
    g_mutex_lock(&nvram->io_lock);
    request_io(nvram, req);
    g_mutex_unlock(&nvram->io_lock);
    request_io_done(nvram, req);
}

static gpointer worker_main(gpointer opaque)
{
    NVRAM *nvram = opaque;

    g_mutex_lock(&nvram->lock);
    for (;;) {
        NVRAMRequest *req = g_queue_pop_head(&nvram->queue);
        if (!req) {
            if (nvram->stopping) {
                break;
            }
            g_cond_wait(&nvram->work_cond, &nvram->lock);
            continue;
        }
        g_mutex_unlock(&nvram->lock);
        execute(nvram, req);
        g_mutex_lock(&nvram->lock);
        nvram->done_seq = req->seq + 1;
        if (!req->sync) {
            g_queue_push_tail(&nvram->completions, req);
            if (nvram->source_context) {
                g_main_context_wakeup(nvram->source_context);
            }
        }
        notify_progress(nvram);
    }
    g_mutex_unlock(&nvram->lock);
    return NULL;
}

/*** Setup and teardown ***/

NVRAM *nvram_setup_with_storage(NVRAMStorage *storage,
                                const NVRAMOptions *opts, Error **errp)
{
    NVRAM *nvram;

    if (opts && (unsigned)opts->encoding >= NVRAM_ENCODING__MAX) {
        error_setg(errp, "unknown NVRAM encoding %d", opts->encoding);
        nvram_storage_close(storage);
        return NULL;
    }
    if (opts && opts->key && opts->key_len != NVRAM_KEY_SIZE) {
        error_setg(errp, "an NVRAM key has %d bytes, not %zu", NVRAM_KEY_SIZE,
                   opts->key_len);
        nvram_storage_close(storage);
        return NULL;
    }
    nvram = g_new0(NVRAM, 1);
    nvram->storage = storage;
    if (opts) {
        nvram->opts = *opts;
        if (opts->key) {
            memcpy(nvram->key, opts->key, NVRAM_KEY_SIZE);
            nvram->has_key = true;
        }
        /* the caller's key buffer is not kept */
        nvram->opts.key = NULL;
        nvram->opts.key_len = 0;
    }
    g_mutex_init(&nvram->lock);
    g_cond_init(&nvram->cond);
    g_cond_init(&nvram->work_cond);
    g_mutex_init(&nvram->io_lock);
    g_rec_mutex_init(&nvram->process_lock);
    nvram->entries = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                           entry_free);
    g_queue_init(&nvram->queue);
    g_queue_init(&nvram->completions);
    return nvram;
}

NVRAM *nvram_setup(const char *path, const NVRAMOptions *opts, Error **errp)
{
    NVRAMStorage *storage;

    storage = nvram_storage_open(path, opts && opts->read_only,
                                 opts && opts->create, errp);
    if (!storage) {
        return NULL;
    }
    return nvram_setup_with_storage(storage, opts, errp);
}

NVRAMStorage *nvram_get_storage(NVRAM *nvram)
{
    return nvram->storage;
}

int nvram_delete(NVRAM *nvram)
{
    bool fatal;

    if (!nvram) {
        return 0;
    }
    if (nvram->worker) {
        g_mutex_lock(&nvram->lock);
        nvram->stopping = true;
        g_cond_signal(&nvram->work_cond);
        g_mutex_unlock(&nvram->lock);
        g_thread_join(nvram->worker);
        nvram->worker = NULL;
    }
    nvram_process_requests(nvram);
    g_assert(g_queue_is_empty(&nvram->queue));
    fatal = nvram->fatal;
    if (nvram->source_context) {
        g_main_context_unref(nvram->source_context);
    }
    g_hash_table_destroy(nvram->entries);
    nvram_layout_free(nvram->layout);
    nvram_storage_close(nvram->storage);
    g_rec_mutex_clear(&nvram->process_lock);
    g_mutex_clear(&nvram->io_lock);
    g_cond_clear(&nvram->cond);
    g_cond_clear(&nvram->work_cond);
    g_mutex_clear(&nvram->lock);
    memset(nvram->key, 0, sizeof(nvram->key));
    g_free(nvram);
    return fatal ? -NVRAM_ERR_IO : 0;
}

/*
 * Find the slot of @e in the image and learn which copy is newest. Called
 * with @lock held (and no worker I/O racing: @io_lock is taken).
 */
static int entry_attach(NVRAM *nvram, NVRAMEntry *e, Error **errp)
{
    NVRAMCopyInfo info[2];
    NVRAMPick pick;
    int ret;

    e->slot = nvram_layout_find(nvram->layout, e->name.name);
    if (!e->slot) {
        error_setg(errp, "entry '%s' is registered but the NVRAM image has no "
                   "slot for it (format the image with this entry)",
                   e->name.name);
        return -NVRAM_ERR_ENTRY_MISSING;
    }
    g_mutex_lock(&nvram->io_lock);
    ret = nvram_entry_scan(nvram->storage, nvram->layout, e->slot,
                           nvram_key(nvram), info, &pick, NULL, NULL, errp);
    g_mutex_unlock(&nvram->io_lock);
    if (ret < 0) {
        nvram->fatal = true;
        return ret;
    }
    nvram_copy_state_init(&e->submitted, &pick, info);
    /* the stronger of what the device asks and what the image records */
    e->submitted.mirror = e->policy == NVRAM_POLICY_MIRROR ||
                          e->slot->policy == NVRAM_POLICY_MIRROR;
    for (int c = 0; c < 2; c++) {
        g_free(info[c].problem);
    }
    return 0;
}

int nvram_register_entry(NVRAM *nvram, const NVRAMEntryName *entry_name,
                         NVRAMRWData cb, void *opaque, Error **errp)
{
    NVRAMEntryName checked;
    NVRAMEntry *e;
    int ret;

    if (!cb || !nvram_entry_name_init(&checked, entry_name->name, errp)) {
        if (!cb) {
            error_setg(errp, "entry '%s': no callback given",
                       entry_name->name);
        }
        return -NVRAM_ERR_INVALID;
    }
    g_mutex_lock(&nvram->lock);
    if (g_hash_table_contains(nvram->entries, checked.name)) {
        g_mutex_unlock(&nvram->lock);
        error_setg(errp, "entry '%s' is already registered", checked.name);
        return -NVRAM_ERR_INVALID;
    }
    e = g_new0(NVRAMEntry, 1);
    e->name = checked;
    e->cb = cb;
    e->opaque = opaque;
    e->submitted.newest = -1;
    g_mutex_init(&e->write_order);
    if (nvram->started) {
        ret = entry_attach(nvram, e, errp);
        if (ret < 0) {
            g_mutex_unlock(&nvram->lock);
            entry_free(e);
            return ret;
        }
    }
    g_hash_table_insert(nvram->entries, e->name.name, e);
    g_mutex_unlock(&nvram->lock);
    return 0;
}

int nvram_set_entry_policy(NVRAM *nvram, const NVRAMEntryName *entry_name,
                           NVRAMEntryPolicy policy, Error **errp)
{
    NVRAMEntry *e;
    int ret = 0;

    if ((unsigned)policy > NVRAM_POLICY_MIRROR) {
        error_setg(errp, "entry '%s': unknown policy %d", entry_name->name,
                   policy);
        return -NVRAM_ERR_INVALID;
    }
    g_mutex_lock(&nvram->lock);
    e = g_hash_table_lookup(nvram->entries, entry_name->name);
    if (!e) {
        error_setg(errp, "entry '%s' is not registered", entry_name->name);
        ret = -NVRAM_ERR_NOT_REGISTERED;
    } else if (nvram->started) {
        error_setg(errp, "entry '%s': the policy is set before the NVRAM is "
                   "started or formatted", entry_name->name);
        ret = -NVRAM_ERR_INVALID;
    } else {
        e->policy = policy;
    }
    g_mutex_unlock(&nvram->lock);
    return ret;
}

int nvram_deregister_entry(NVRAM *nvram, const NVRAMEntryName *entry_name,
                           Error **errp)
{
    NVRAMEntry *e;

    g_mutex_lock(&nvram->lock);
    e = g_hash_table_lookup(nvram->entries, entry_name->name);
    if (!e) {
        g_mutex_unlock(&nvram->lock);
        error_setg(errp, "entry '%s' is not registered", entry_name->name);
        return -NVRAM_ERR_NOT_REGISTERED;
    }
    while (e->pending) {
        if (!g_queue_is_empty(&nvram->completions)) {
            g_mutex_unlock(&nvram->lock);
            nvram_process_requests(nvram);
            g_mutex_lock(&nvram->lock);
        } else {
            wait_progress(nvram);
        }
    }
    g_hash_table_remove(nvram->entries, entry_name->name);
    g_mutex_unlock(&nvram->lock);
    return 0;
}

int nvram_start(NVRAM *nvram, bool fail_on_encrypted_drive, Error **errp)
{
    GHashTableIter iter;
    gpointer value;
    NVRAMLayout *layout = NULL;
    int ret;

    g_mutex_lock(&nvram->lock);
    if (nvram->started) {
        g_mutex_unlock(&nvram->lock);
        error_setg(errp, "the NVRAM is already started");
        return -NVRAM_ERR_INVALID;
    }
    g_mutex_lock(&nvram->io_lock);
    /* read-only, a truncated image serves the entries that fit */
    ret = nvram->opts.read_only
          ? nvram_layout_read_truncated(nvram->storage, &layout, errp)
          : nvram_layout_read(nvram->storage, &layout, errp);
    g_mutex_unlock(&nvram->io_lock);
    if (ret < 0) {
        if (ret == -NVRAM_ERR_IO) {
            nvram->fatal = true;
        }
        goto out;
    }
    if (layout->flags & NVRAM_FLAG_ENCRYPTED) {
        if (!nvram_crypto_available()) {
            error_setg(errp, "the NVRAM image is encrypted and this "
                       "libvnvram was built without encryption (nettle)");
            ret = -NVRAM_ERR_ENCRYPTED;
        } else if (!nvram->has_key) {
            /* Unusable without its key, whatever the caller accepts. */
            error_setg(errp, "the NVRAM image is encrypted: a key is needed");
            ret = -NVRAM_ERR_ENCRYPTED;
        } else if (!nvram_key_check_verify(nvram->key, layout->image_id,
                                           layout->key_check)) {
            error_setg(errp, "the key does not open this encrypted NVRAM "
                       "image (wrong key)");
            ret = -NVRAM_ERR_WRONG_KEY;
        }
        if (ret < 0) {
            nvram_layout_free(layout);
            goto out;
        }
    } else if (nvram->has_key) {
        error_setg(errp, "a key was given but the NVRAM image is not "
                   "encrypted");
        nvram_layout_free(layout);
        ret = -NVRAM_ERR_INVALID;
        goto out;
    }
    nvram->layout = layout;
    g_hash_table_iter_init(&iter, nvram->entries);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        ret = entry_attach(nvram, value, errp);
        if (ret < 0) {
            nvram->layout = NULL;
            nvram_layout_free(layout);
            goto out;
        }
    }
    nvram->started = true;
    nvram->worker = g_thread_new("vnvram-worker", worker_main, nvram);
    ret = 0;
out:
    g_mutex_unlock(&nvram->lock);
    return ret;
}

int nvram_format(NVRAM *nvram, bool force, Error **errp)
{
    GHashTableIter iter;
    gpointer value;
    NVRAMEntry **entries;
    NVRAMEntrySpec *specs;
    NVRAMEntryPolicy *policies;
    size_t n = 0;
    int ret = 0;

    g_mutex_lock(&nvram->lock);
    if (nvram->started || nvram->opts.read_only) {
        g_mutex_unlock(&nvram->lock);
        error_setg(errp, "cannot format: the NVRAM is %s",
                   nvram->started ? "started" : "read-only");
        return -NVRAM_ERR_INVALID;
    }
    /*
     * Ask the devices for their sizes with the lock dropped, as writes do
     * (a callback may take its own locks or call back into the API); the
     * pending count keeps each entry registered meanwhile.
     */
    entries = g_new0(NVRAMEntry *, g_hash_table_size(nvram->entries) + 1);
    g_hash_table_iter_init(&iter, nvram->entries);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        entries[n] = value;
        entries[n]->pending++;
        n++;
    }
    g_mutex_unlock(&nvram->lock);

    specs = g_new0(NVRAMEntrySpec, n + 1);
    policies = g_new0(NVRAMEntryPolicy, n + 1);
    for (size_t i = 0; i < n && ret == 0; i++) {
        GByteArray *largest = NULL;
        Error *local_err = NULL;
        int size = device_encode(entries[i], NVRAM_OP_FORMAT,
                                 nvram->opts.encoding, &largest, &local_err);

        if (size < 0) {
            error_propagate(errp, local_err);
            ret = -NVRAM_ERR_DEVICE;
            break;
        }
        specs[i].name = entries[i]->name.name;
        policies[i] = entries[i]->policy;
        if (size > 0) {
            specs[i].max_size = (uint64_t)size;
        } else {
            specs[i].max_size = largest->len ? largest->len : 1;
            g_byte_array_unref(largest);
        }
    }

    g_mutex_lock(&nvram->lock);
    if (ret == 0 && nvram->started) {
        error_setg(errp, "cannot format: the NVRAM was started meanwhile");
        ret = -NVRAM_ERR_INVALID;
    }
    if (ret == 0) {
        ret = nvram_image_format(nvram->storage, specs, policies, n,
                                 nvram_key(nvram),
                                 nvram->has_key ? NVRAM_KEY_SIZE : 0, force,
                                 errp);
    }
    for (size_t i = 0; i < n; i++) {
        entries[i]->pending--;
    }
    notify_progress(nvram);
    g_mutex_unlock(&nvram->lock);
    g_free(specs);
    g_free(policies);
    g_free(entries);
    if (ret == 0) {
        ret = nvram_start(nvram, true, errp);
    }
    return ret;
}

/*** Requests ***/

static void deliver(NVRAM *nvram, NVRAMRequest *req)
{
    NVRAMEntryName name = req->entry->name;

    if (!req->is_write && req->ret >= 0) {
        /* a rollback is decoded too: it is the value, just not the latest */
        Error *local_err = NULL;
        int ret = device_decode(req->entry, req->payload, req->payload_len,
                                req->encoding, &local_err);

        if (ret < 0) {
            error_free(req->err);
            req->err = local_err;
            req->ret = ret;
        }
    }
    /*
     * Release the entry before the completion callback, so that the
     * callback may deregister it (deregistration waits for pending
     * requests); the callback gets a copy of the name for the same reason.
     */
    g_mutex_lock(&nvram->lock);
    req->entry->pending--;
    notify_progress(nvram);
    g_mutex_unlock(&nvram->lock);
    if (req->cb) {
        req->cb(req->ret, &name, req->opaque, req->err);
    }
}

int nvram_process_requests(NVRAM *nvram)
{
    int count = 0;

    g_rec_mutex_lock(&nvram->process_lock);
    for (;;) {
        NVRAMRequest *req;

        g_mutex_lock(&nvram->lock);
        req = g_queue_pop_head(&nvram->completions);
        g_mutex_unlock(&nvram->lock);
        if (!req) {
            break;
        }
        deliver(nvram, req);
        request_free(req);
        count++;
    }
    g_rec_mutex_unlock(&nvram->process_lock);
    return count;
}

/*
 * Look up a started entry for a request; with @lock held. Returns NULL
 * with @errp and *@ret set on failure.
 */
static NVRAMEntry *request_entry(NVRAM *nvram, const NVRAMEntryName *name,
                                 int *ret, Error **errp)
{
    NVRAMEntry *e;

    if (!nvram->started) {
        error_setg(errp, "the NVRAM is not started");
        *ret = -NVRAM_ERR_INVALID;
        return NULL;
    }
    e = g_hash_table_lookup(nvram->entries, name->name);
    if (!e) {
        error_setg(errp, "entry '%s' is not registered", name->name);
        *ret = -NVRAM_ERR_NOT_REGISTERED;
        return NULL;
    }
    return e;
}

/*
 * Queue @req (with @lock held) and, for a synchronous request or
 * VNVRAM_WAIT_COMPLETION_F, wait until its I/O is done. Returns with
 * @lock held.
 */
static void submit(NVRAM *nvram, NVRAMRequest *req, int flags)
{
    req->seq = nvram->next_seq++;
    req->entry->pending++;
    if (req->sync && nvram->done_seq == req->seq) {
        /*
         * Nothing is queued or running: do the I/O here and spare the two
         * thread switches of a hand-off to the worker. @io_lock is taken
         * before @lock is dropped, so a request submitted meanwhile (with a
         * later seq) waits for ours on the worker: order is kept and the
         * worker and this thread never do I/O at the same time.
         */
        if (!req->is_write || !write_refused(nvram, req)) {
            g_mutex_lock(&nvram->io_lock);
            g_mutex_unlock(&nvram->lock);
            request_io(nvram, req);
            g_mutex_unlock(&nvram->io_lock);
            request_io_done(nvram, req);
            g_mutex_lock(&nvram->lock);
        }
        /* The worker may already have finished a later request. */
        if (nvram->done_seq <= req->seq) {
            nvram->done_seq = req->seq + 1;
        }
        notify_progress(nvram);
        return;
    }
    g_queue_push_tail(&nvram->queue, req);
    g_cond_signal(&nvram->work_cond);
    if (req->sync || (flags & VNVRAM_WAIT_COMPLETION_F)) {
        uint64_t seq = req->seq;
        while (nvram->done_seq <= seq) {
            wait_progress(nvram);
        }
    }
}

/* Finish a synchronous request in the caller's thread. */
static int finish_sync(NVRAM *nvram, NVRAMRequest *req, Error **errp)
{
    int ret;

    deliver(nvram, req);
    ret = req->ret;
    if (ret < 0) {
        error_propagate(errp, req->err);
        req->err = NULL;
    }
    request_free(req);
    return ret;
}

/* A new request on @e for @cb, synchronous unless @flags say otherwise. */
static NVRAMRequest *request_new(NVRAMEntry *e, int flags,
                                 NVRAMRWFinishCB cb, void *opaque)
{
    NVRAMRequest *req = g_new0(NVRAMRequest, 1);

    req->entry = e;
    req->cb = cb;
    req->opaque = opaque;
    req->sync = !(flags & VNVRAM_ASYNC_F);
    return req;
}

/*
 * submit() @req with @lock held, then release @lock. Returns the result
 * of a synchronous @req (finished here), 0 for an asynchronous one.
 */
static int submit_unlock(NVRAM *nvram, NVRAMRequest *req, int flags,
                         Error **errp)
{
    bool sync = req->sync;

    submit(nvram, req, flags);
    g_mutex_unlock(&nvram->lock);
    /* An asynchronous @req may already be delivered and freed by now. */
    return sync ? finish_sync(nvram, req, errp) : 0;
}

int nvram_read_data(NVRAM *nvram, const NVRAMEntryName *entry_name,
                    int flags, NVRAMRWFinishCB cb, void *opaque,
                    Error **errp)
{
    NVRAMEntry *e;
    int ret;

    g_mutex_lock(&nvram->lock);
    e = request_entry(nvram, entry_name, &ret, errp);
    if (!e) {
        g_mutex_unlock(&nvram->lock);
        return ret;
    }
    return submit_unlock(nvram, request_new(e, flags, cb, opaque), flags,
                         errp);
}

int nvram_write_data(NVRAM *nvram, const NVRAMEntryName *entry_name,
                     int flags, NVRAMRWFinishCB cb, void *opaque,
                     Error **errp)
{
    GByteArray *value = NULL;
    NVRAMCommit commit;
    NVRAMRequest *req;
    NVRAMEntry *e;
    NVRAMEncoding encoding = nvram->opts.encoding;
    int ret;

    if (nvram->opts.read_only) {
        error_setg(errp, "entry '%s': the NVRAM is read-only",
                   entry_name->name);
        return -NVRAM_ERR_INVALID;
    }
    g_mutex_lock(&nvram->lock);
    e = request_entry(nvram, entry_name, &ret, errp);
    if (!e) {
        g_mutex_unlock(&nvram->lock);
        return ret;
    }
    if (nvram->fatal) {
        g_mutex_unlock(&nvram->lock);
        error_setg(errp, "entry '%s': the NVRAM failed earlier and refuses "
                   "writes", entry_name->name);
        return -NVRAM_ERR_FAILED;
    }
    /*
     * Encode with the lock dropped (the device may take its own locks);
     * @e stays valid because deregistration waits for pending requests,
     * and we hold one.
     */
    e->pending++;
    g_mutex_unlock(&nvram->lock);
    /* Lock order: write_order before lock; released before lock is. */
    g_mutex_lock(&e->write_order);
    ret = device_encode(e, NVRAM_OP_WRITE, encoding, &value, errp);
    g_mutex_lock(&nvram->lock);
    e->pending--;
    if (ret != 0) {
        notify_progress(nvram);
        g_mutex_unlock(&e->write_order);
        g_mutex_unlock(&nvram->lock);
        if (ret > 0) {
            error_setg(errp, "entry '%s': the device callback returned %d "
                       "for a write", entry_name->name, ret);
        }
        return -NVRAM_ERR_DEVICE;
    }
    ret = nvram_commit_prepare(nvram->layout, e->slot, nvram_key(nvram),
                               &e->submitted, encoding, value, &commit, errp);
    g_mutex_unlock(&e->write_order);
    if (ret < 0) {
        notify_progress(nvram);
        g_mutex_unlock(&nvram->lock);
        return ret;
    }
    req = request_new(e, flags, cb, opaque);
    req->is_write = true;
    req->commit = commit;
    return submit_unlock(nvram, req, flags, errp);
}

bool nvram_had_fatal_error(NVRAM *nvram)
{
    bool fatal;

    g_mutex_lock(&nvram->lock);
    fatal = nvram->fatal;
    g_mutex_unlock(&nvram->lock);
    return fatal;
}

/*** GSource ***/

typedef struct NVRAMSource {
    GSource source;
    NVRAM *nvram;
} NVRAMSource;

static bool source_ready(NVRAMSource *s)
{
    bool ready;

    g_mutex_lock(&s->nvram->lock);
    if (!s->nvram->source_context) {
        GMainContext *ctx = g_source_get_context(&s->source);
        if (ctx) {
            s->nvram->source_context = g_main_context_ref(ctx);
        }
    }
    ready = !g_queue_is_empty(&s->nvram->completions);
    g_mutex_unlock(&s->nvram->lock);
    return ready;
}

static gboolean source_prepare(GSource *source, gint *timeout)
{
    *timeout = -1;
    return source_ready((NVRAMSource *)source);
}

static gboolean source_check(GSource *source)
{
    return source_ready((NVRAMSource *)source);
}

static gboolean source_dispatch(GSource *source, GSourceFunc callback,
                                gpointer user_data)
{
    nvram_process_requests(((NVRAMSource *)source)->nvram);
    return G_SOURCE_CONTINUE;
}

static void source_finalize(GSource *source)
{
    NVRAM *nvram = ((NVRAMSource *)source)->nvram;

    g_mutex_lock(&nvram->lock);
    if (nvram->source_context) {
        g_main_context_unref(nvram->source_context);
        nvram->source_context = NULL;
    }
    nvram->has_source = false;
    g_mutex_unlock(&nvram->lock);
}

static GSourceFuncs source_funcs = {
    .prepare = source_prepare,
    .check = source_check,
    .dispatch = source_dispatch,
    .finalize = source_finalize,
};

GSource *nvram_create_source(NVRAM *nvram)
{
    NVRAMSource *s;

    g_mutex_lock(&nvram->lock);
    g_assert(!nvram->has_source);
    nvram->has_source = true;
    g_mutex_unlock(&nvram->lock);
    s = (NVRAMSource *)g_source_new(&source_funcs, sizeof(NVRAMSource));
    s->nvram = nvram;
    g_source_set_name(&s->source, "vnvram-completions");
    return &s->source;
}
