/*
 * nvram/image.c: the copy protocol over a storage, write side next to
 * pick side: reading and writing the header region, scanning an entry's
 * two copies (which one a read serves, what is absent, damaged or a
 * rollback: the rules are nvram_copy_pick()'s), the commit (seal, frame,
 * which copy, write, flush), formatting and inspection. The byte layout
 * itself is nvram/format.c's; the registry and the queue nvram/nvram.c's.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "nvram/crypto.h"
#include "nvram/format.h"
#include "nvram/image.h"

/*** The header region ***/

int nvram_layout_write(NVRAMStorage *storage, const NVRAMLayout *layout,
                       Error **errp)
{
    size_t len, n;
    uint8_t *region = nvram_header_encode(layout, &len);
    uint64_t end = nvram_layout_end(layout);
    uint8_t tail[24];
    int ret = -NVRAM_ERR_IO;

    /*
     * Copies first, header last, each phase flushed: a header on disk
     * then always describes copies that are on disk too, so a crash
     * during formatting leaves an unformatted (or the old) image, never
     * a header over garbage slots.
     */
    for (size_t i = 0; i < layout->n_entries; i++) {
        const NVRAMLayoutEntry *e = &layout->entries[i];
        for (int c = 0; c < 2; c++) {
            GByteArray *copy = NULL;
            if (nvram_copy_build(layout, e, 0, NVRAM_ENCODING_DER, 0, NULL, 0,
                                 &copy, errp) < 0) {
                ret = -NVRAM_ERR_INVALID;
                goto out;
            }
            if (!nvram_storage_pwrite(storage, copy->data, copy->len,
                                      nvram_copy_offset(e, c), errp)) {
                g_byte_array_unref(copy);
                goto out;
            }
            g_byte_array_unref(copy);
        }
    }
    if (layout->image_size > end) {
        n = nvram_filler_encode(tail, layout->image_size - end);
        if (!nvram_storage_pwrite(storage, tail, n, end, errp)) {
            goto out;
        }
    }
    if (!nvram_storage_flush(storage, errp) ||
        !nvram_storage_pwrite(storage, region, len, 0, errp) ||
        !nvram_storage_flush(storage, errp)) {
        goto out;
    }
    ret = 0;
out:
    g_free(region);
    return ret;
}

int nvram_layout_read(NVRAMStorage *storage, NVRAMLayout **layout,
                      Error **errp)
{
    NVRAMHeaderProbe probe;
    uint8_t *buf;
    size_t len;
    uint64_t size;
    int ret;

    if (!nvram_storage_get_size(storage, &size, errp)) {
        return -NVRAM_ERR_IO;
    }
    if (size == 0) {
        error_setg(errp, "the drive is empty: the NVRAM is unformatted");
        return -NVRAM_ERR_UNFORMATTED;
    }
    /* Blank: the start of the drive (up to 1 MiB) is all 00 or all FF. */
    len = (size_t)MIN(size, 1u << 20);
    buf = g_malloc(len);
    if (!nvram_storage_pread(storage, buf, len, 0, errp)) {
        g_free(buf);
        return -NVRAM_ERR_IO;
    }
    if (nvram_bytes_blank(buf, len)) {
        g_free(buf);
        error_setg(errp, "the drive is blank: the NVRAM is unformatted");
        return -NVRAM_ERR_UNFORMATTED;
    }
    ret = nvram_header_probe(buf, len, size, &probe, errp);
    if (ret == 0 && probe.region_len > len) {
        g_free(buf);
        buf = g_malloc(probe.region_len);
        if (!nvram_storage_pread(storage, buf, probe.region_len, 0, errp)) {
            g_free(buf);
            return -NVRAM_ERR_IO;
        }
    }
    if (ret == 0) {
        ret = nvram_header_parse(buf, &probe, size, layout, errp);
    }
    g_free(buf);
    return ret;
}

/*** An entry's copies: the read side ***/

int nvram_entry_scan(NVRAMStorage *storage, const NVRAMLayout *layout,
                     const NVRAMLayoutEntry *entry, const uint8_t *key,
                     NVRAMCopyInfo info[2], NVRAMPick *pick,
                     uint8_t **payload, size_t *payload_len, Error **errp)
{
    uint8_t *bufs[2] = { NULL, NULL };
    NVRAMCopyView views[2];
    uint8_t *plain[2] = { NULL, NULL };
    size_t plain_len[2] = { 0, 0 };
    int ret = 0;

    memset(views, 0, sizeof(views));
    memset(pick, 0, sizeof(*pick));
    pick->newest = -1;
    for (int c = 0; c < 2; c++) {
        memset(&info[c], 0, sizeof(info[c]));
        info[c].offset = nvram_copy_offset(entry, c);
    }
    for (int c = 0; c < 2; c++) {
        Error *local_err = NULL;
        uint64_t off = info[c].offset;

        bufs[c] = g_malloc((size_t)entry->copy_size);
        if (!nvram_storage_pread(storage, bufs[c], (size_t)entry->copy_size,
                                 off, errp)) {
            ret = -NVRAM_ERR_IO;
            goto out;
        }
        if (nvram_copy_parse(layout, entry, bufs[c], off, &views[c],
                             &local_err) &&
            (!key || !(views[c].flags & NVRAM_COPY_FLAG_ENCRYPTED) ||
             nvram_unseal(key, layout->image_id, entry->name.name,
                          views[c].generation, views[c].payload,
                          views[c].payload_len, &plain[c], &plain_len[c],
                          &local_err))) {
            if (key && (layout->flags & NVRAM_FLAG_ENCRYPTED) &&
                views[c].generation > 0 &&
                !(views[c].flags & NVRAM_COPY_FLAG_ENCRYPTED)) {
                /* a CRC is no MAC: never accept plaintext here */
                info[c].problem = g_strdup_printf("offset %" PRIu64 ": value "
                                                  "not encrypted in an "
                                                  "encrypted image", off);
                continue;
            }
            if (plain[c]) {
                views[c].payload = plain[c];
                views[c].payload_len = plain_len[c];
            }
            info[c].valid = true;
            info[c].encrypted =
                (views[c].flags & NVRAM_COPY_FLAG_ENCRYPTED) != 0;
            info[c].generation = views[c].generation;
            info[c].payload_length = views[c].payload_len;
            info[c].encoding = views[c].encoding;
        } else {
            info[c].problem = g_strdup(error_get_pretty(local_err));
            error_free(local_err);
        }
    }
    nvram_copy_pick(views, info, pick);
    if (payload && pick->newest >= 0) {
        *payload = g_memdup2(views[pick->newest].payload,
                             views[pick->newest].payload_len);
        *payload_len = views[pick->newest].payload_len;
    }

out:
    /* One exit: decrypted values never outlive the call, even on error. */
    for (int c = 0; c < 2; c++) {
        if (plain[c]) {
            memset(plain[c], 0, plain_len[c]);
            g_free(plain[c]);
        }
        g_free(bufs[c]);
        if (ret < 0) {
            g_free(info[c].problem);
            info[c].problem = NULL;
        }
    }
    return ret;
}

/*** Commits: the write side of the copy protocol ***/

void nvram_copy_state_init(NVRAMCopyState *st, const NVRAMPick *pick,
                           const NVRAMCopyInfo info[2])
{
    st->newest = pick->newest;
    /* above every generation a copy claims, so that the new one wins */
    st->generation = pick->generation;
    st->both_good = pick->status == 0 && info[0].valid && info[1].valid;
}

int nvram_commit_prepare(const NVRAMLayout *layout,
                         const NVRAMLayoutEntry *slot, const uint8_t *key,
                         NVRAMCopyState *st, NVRAMEncoding encoding,
                         GByteArray *value, NVRAMCommit *commit, Error **errp)
{
    uint64_t generation;
    uint32_t flags = 0;
    int target, ret;

    memset(commit, 0, sizeof(*commit));
    if (st->generation == UINT64_MAX) {
        /* Wrapping to 0 would make every later write lose to the old copy. */
        g_byte_array_unref(value);
        error_setg(errp, "entry '%s': generation %" PRIu64 " cannot grow: "
                   "write refused (the image is damaged; see vnvram check)",
                   slot->name.name, UINT64_MAX);
        return -NVRAM_ERR_INVALID;
    }
    generation = st->generation + 1;
    if (layout->flags & NVRAM_FLAG_ENCRYPTED) {
        GByteArray *sealed = nvram_seal(key, layout->image_id,
                                        slot->name.name, generation,
                                        value->data, value->len, errp);

        memset(value->data, 0, value->len);
        g_byte_array_unref(value);
        if (!sealed) {
            return -NVRAM_ERR_ENCRYPTED;
        }
        value = sealed;
        flags = NVRAM_COPY_FLAG_ENCRYPTED;
    }
    ret = nvram_copy_frame(layout, slot, generation, encoding, flags,
                           value->data, value->len, &commit->frame, errp);
    if (ret < 0) {
        g_byte_array_unref(value);
        return ret;
    }
    /* the copy that does not hold the newest value (copy 0 if none does) */
    target = st->newest < 0 ? 0 : 1 - st->newest;
    commit->value = value;
    commit->offset = nvram_copy_offset(slot, target);
    /*
     * Until both copies hold committed values (before the first write,
     * after damage), fill both, so that once a write is acknowledged no
     * copy is left that reads as "never written" or as damage.
     */
    commit->both = !st->both_good;
    commit->other_offset = nvram_copy_offset(slot, 1 - target);
    st->newest = target;
    st->generation = generation;
    st->both_good = true;
    return 0;
}

int nvram_commit_write(NVRAMStorage *storage, const NVRAMCommit *commit,
                       const char *name, Error **errp)
{
    struct iovec copy[3] = {
        { (void *)commit->frame.head, commit->frame.head_len },
        { commit->value->data, commit->value->len },
        { (void *)commit->frame.tail, commit->frame.tail_len },
    };

    if (!nvram_storage_pwritev(storage, copy, 3, commit->offset, errp) ||
        !nvram_storage_flush(storage, errp)) {
        error_prepend(errp, "entry '%s' not written: ", name);
        return -NVRAM_ERR_IO;
    }
    if (commit->both &&
        (!nvram_storage_pwritev(storage, copy, 3, commit->other_offset,
                                errp) ||
         !nvram_storage_flush(storage, errp))) {
        /* The value is committed in one copy: say so, the device may care. */
        error_prepend(errp, "entry '%s' written, but its second copy "
                      "failed: ", name);
        return -NVRAM_ERR_IO;
    }
    return 0;
}

void nvram_commit_clear(NVRAMCommit *commit)
{
    if (commit->value) {
        g_byte_array_unref(commit->value);
        commit->value = NULL;
    }
}

/*** Formatting ***/

/* Refuse to format over anything but a blank drive unless @force. */
static int check_overwrite(NVRAMStorage *storage, bool force, Error **errp)
{
    NVRAMLayout *existing = NULL;
    Error *local_err = NULL;
    int ret;

    if (force) {
        return 0;
    }
    ret = nvram_layout_read(storage, &existing, &local_err);
    nvram_layout_free(existing);
    if (ret == -NVRAM_ERR_UNFORMATTED) {
        error_free(local_err);
        return 0;
    }
    if (ret == -NVRAM_ERR_IO) {
        error_propagate(errp, local_err);
        return ret;
    }
    error_free(local_err);
    if (ret == 0) {
        error_setg(errp, "the drive already holds an NVRAM image; refusing "
                   "to format it without force");
    } else {
        error_setg(errp, "the drive is not blank (it holds data that is not "
                   "a valid NVRAM image); refusing to format it without "
                   "force");
    }
    return -NVRAM_ERR_ALREADY_FORMATTED;
}

int nvram_measure(const NVRAMEntrySpec *specs, size_t n, uint64_t *size,
                  Error **errp)
{
    NVRAMLayout *layout;
    int ret = nvram_layout_compute(specs, n, 0, &layout, errp);

    if (ret == 0) {
        *size = layout->image_size;
        nvram_layout_free(layout);
    }
    return ret;
}

int nvram_format_storage(NVRAMStorage *storage, const NVRAMEntrySpec *specs,
                         size_t n, bool force, Error **errp)
{
    return nvram_format_storage_with_key(storage, specs, n, NULL, 0, force,
                                         errp);
}

int nvram_format_storage_with_key(NVRAMStorage *storage,
                                  const NVRAMEntrySpec *specs, size_t n,
                                  const uint8_t *key, size_t key_len,
                                  bool force, Error **errp)
{
    NVRAMLayout *layout = NULL;
    uint64_t size;
    int ret;

    if (key && key_len != NVRAM_KEY_SIZE) {
        error_setg(errp, "an NVRAM key has %d bytes, not %zu", NVRAM_KEY_SIZE,
                   key_len);
        return -NVRAM_ERR_INVALID;
    }
    if (key && !nvram_crypto_available()) {
        error_setg(errp, "cannot make an encrypted image: this libvnvram was "
                   "built without encryption (nettle)");
        return -NVRAM_ERR_ENCRYPTED;
    }
    ret = nvram_layout_compute_full(specs, n, 0, key != NULL, &layout, errp);
    if (ret < 0) {
        return ret;
    }
    nvram_layout_free(layout);
    ret = check_overwrite(storage, force, errp);
    if (ret < 0) {
        return ret;
    }
    if (!nvram_storage_get_size(storage, &size, errp)) {
        return -NVRAM_ERR_IO;
    }
    ret = nvram_layout_compute_full(specs, n, size, key != NULL, &layout,
                                    errp);
    if (ret < 0) {
        return ret;
    }
    if (key && !nvram_key_check_make(key, layout->image_id, layout->key_check,
                                     errp)) {
        nvram_layout_free(layout);
        return -NVRAM_ERR_ENCRYPTED;
    }
    if (layout->image_size > size) {
        if (!storage->ops->resize) {
            error_setg(errp, "image too small: the NVRAM needs %" PRIu64
                       " bytes, the drive has %" PRIu64, layout->image_size,
                       size);
            nvram_layout_free(layout);
            return -NVRAM_ERR_TOO_SMALL;
        }
        if (!nvram_storage_resize(storage, layout->image_size, errp)) {
            nvram_layout_free(layout);
            return -NVRAM_ERR_IO;
        }
    }
    ret = nvram_layout_write(storage, layout, errp);
    nvram_layout_free(layout);
    return ret;
}

/*** Inspection ***/

void nvram_image_info_free(NVRAMImageInfo *info)
{
    if (!info) {
        return;
    }
    for (size_t i = 0; i < info->n_entries; i++) {
        g_free(info->entries[i].copies[0].problem);
        g_free(info->entries[i].copies[1].problem);
    }
    g_free(info->entries);
    g_free(info);
}

int nvram_image_inspect(NVRAMStorage *storage, NVRAMImageInfo **info,
                        Error **errp)
{
    NVRAMLayout *layout = NULL;
    NVRAMImageInfo *out;
    uint64_t size;
    int ret;

    *info = NULL;
    ret = nvram_layout_read(storage, &layout, errp);
    if (ret < 0) {
        return ret;
    }
    if (!nvram_storage_get_size(storage, &size, errp)) {
        nvram_layout_free(layout);
        return -NVRAM_ERR_IO;
    }
    out = g_new0(NVRAMImageInfo, 1);
    out->version = layout->version;
    out->flags = layout->flags;
    memcpy(out->image_id, layout->image_id, sizeof(out->image_id));
    out->image_size = layout->image_size;
    out->storage_size = size;
    out->header_size = layout->header_size;
    out->n_entries = layout->n_entries;
    out->entries = g_new0(NVRAMEntryInfo, layout->n_entries);
    for (size_t i = 0; i < layout->n_entries; i++) {
        const NVRAMLayoutEntry *le = &layout->entries[i];
        NVRAMEntryInfo *ei = &out->entries[i];

        ei->name = le->name;
        ei->id = le->id;
        ei->offset = le->offset;
        ei->copy_size = le->copy_size;
        ei->capacity = nvram_copy_capacity(le->copy_size);
        NVRAMPick pick;

        ret = nvram_entry_scan(storage, layout, le, NULL, ei->copies,
                               &pick, NULL, NULL, errp);
        if (ret < 0) {
            nvram_image_info_free(out);
            nvram_layout_free(layout);
            return ret;
        }
        ei->newest = pick.newest;
        ei->status = pick.status;
        ei->rolled_back = pick.rolled_back;
        ei->generation_exhausted = pick.generation == UINT64_MAX;
    }
    nvram_layout_free(layout);
    *info = out;
    return 0;
}

int nvram_image_read_entry(NVRAMStorage *storage, const char *name,
                           uint8_t **payload, size_t *len,
                           NVRAMEncoding *encoding, uint64_t *generation,
                           Error **errp)
{
    return nvram_image_read_entry_with_key(storage, name, NULL, 0, payload,
                                           len, encoding, generation, errp);
}

int nvram_image_read_entry_with_key(NVRAMStorage *storage, const char *name,
                                    const uint8_t *key, size_t key_len,
                                    uint8_t **payload, size_t *len,
                                    NVRAMEncoding *encoding,
                                    uint64_t *generation, Error **errp)
{
    NVRAMLayout *layout = NULL;
    const NVRAMLayoutEntry *le;
    NVRAMCopyInfo info[2];
    NVRAMPick pick;
    int ret;

    if (key && key_len != NVRAM_KEY_SIZE) {
        error_setg(errp, "an NVRAM key has %d bytes, not %zu", NVRAM_KEY_SIZE,
                   key_len);
        return -NVRAM_ERR_INVALID;
    }
    ret = nvram_layout_read(storage, &layout, errp);
    if (ret < 0) {
        return ret;
    }
    if (key && !(layout->flags & NVRAM_FLAG_ENCRYPTED)) {
        key = NULL;     /* nothing to decrypt */
    } else if (key && (!nvram_crypto_available() ||
                       !nvram_key_check_verify(key, layout->image_id,
                                               layout->key_check))) {
        error_setg(errp, nvram_crypto_available() ?
                   "the key does not open this encrypted NVRAM image" :
                   "this libvnvram was built without encryption (nettle)");
        nvram_layout_free(layout);
        return nvram_crypto_available() ? -NVRAM_ERR_WRONG_KEY
                                        : -NVRAM_ERR_ENCRYPTED;
    }
    le = nvram_layout_find(layout, name);
    if (!le) {
        error_setg(errp, "the NVRAM image has no entry '%s'", name);
        nvram_layout_free(layout);
        return -NVRAM_ERR_ENTRY_MISSING;
    }
    *payload = NULL;
    ret = nvram_entry_scan(storage, layout, le, key, info, &pick, payload,
                           len, errp);
    if (ret == 0) {
        ret = nvram_pick_result(&pick, name, info, errp);
        if (ret >= 0) {
            if (encoding) {
                *encoding = info[pick.newest].encoding;
            }
            if (generation) {
                *generation = info[pick.newest].generation;
            }
        }
        if (ret < 0) {
            g_free(*payload);
            *payload = NULL;
        }
        g_free(info[0].problem);
        g_free(info[1].problem);
    }
    nvram_layout_free(layout);
    return ret;
}
