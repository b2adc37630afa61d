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
#include "visitors/ber-inspect.h"
#include "visitors/json-input-visitor.h"

/*** The header region ***/

int nvram_header_write(NVRAMStorage *storage, const NVRAMLayout *layout,
                       int copy, Error **errp)
{
    uint64_t offset;
    size_t len;
    uint8_t *bytes = nvram_header_encode(layout, copy, &offset, &len);
    bool ok = nvram_storage_pwrite(storage, bytes, len, offset, errp);

    g_free(bytes);
    return ok ? 0 : -NVRAM_ERR_IO;
}

int nvram_layout_write(NVRAMStorage *storage, const NVRAMLayout *layout,
                       Error **errp)
{
    uint64_t end = nvram_layout_end(layout);
    uint8_t tail[24];
    size_t n;

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
            bool ok;

            if (nvram_copy_build(layout, e, 0, NVRAM_ENCODING_DER, 0, NULL, 0,
                                 &copy, errp) < 0) {
                return -NVRAM_ERR_INVALID;
            }
            ok = nvram_storage_pwrite(storage, copy->data, copy->len,
                                      nvram_copy_offset(e, c), errp);
            g_byte_array_unref(copy);
            if (!ok) {
                return -NVRAM_ERR_IO;
            }
        }
    }
    if (layout->image_size > end) {
        n = nvram_filler_encode(tail, layout->image_size - end);
        if (!nvram_storage_pwrite(storage, tail, n, end, errp)) {
            return -NVRAM_ERR_IO;
        }
    }
    if (!nvram_storage_flush(storage, errp)) {
        return -NVRAM_ERR_IO;
    }
    for (int c = layout->version >= 2 ? 1 : 0; c >= 0; c--) {
        if (nvram_header_write(storage, layout, c, errp) < 0) {
            return -NVRAM_ERR_IO;
        }
    }
    return nvram_storage_flush(storage, errp) ? 0 : -NVRAM_ERR_IO;
}

/*
 * Read header copy @copy at image offset @base of a drive of @size bytes
 * (@have: the first @have_len bytes of the drive, already read). Returns
 * as nvram_header_parse(), or -NVRAM_ERR_IO.
 */
static int header_copy_read(NVRAMStorage *storage, uint64_t base, int copy,
                            uint64_t size, const uint8_t *have,
                            size_t have_len, NVRAMLayout **layout,
                            Error **errp)
{
    uint8_t first[64] = { 0 };
    NVRAMHeaderProbe probe;
    uint8_t *region;
    size_t n = (size_t)MIN(sizeof(first), size - MIN(size, base));
    int ret;

    if (base + n <= have_len) {
        memcpy(first, have + base, n);
    } else if (!nvram_storage_pread(storage, first, n, base, errp)) {
        return -NVRAM_ERR_IO;
    }
    ret = nvram_header_probe(first, n, base, copy, size, &probe, errp);
    if (ret < 0) {
        return ret;
    }
    if (base + probe.region_len <= have_len) {
        return nvram_header_parse(have + base, &probe, size, layout, errp);
    }
    region = g_malloc(probe.region_len);
    if (!nvram_storage_pread(storage, region, probe.region_len, base, errp)) {
        g_free(region);
        return -NVRAM_ERR_IO;
    }
    ret = nvram_header_parse(region, &probe, size, layout, errp);
    g_free(region);
    return ret;
}

/*
 * Copy A is damaged: find copy B, which starts on a 4096-byte boundary
 * right after A (whose size is unknown now). Returns 0 and *@layout, or
 * -1 when there is none.
 */
static int header_find_copy_b(NVRAMStorage *storage, uint64_t size,
                              const uint8_t *have, size_t have_len,
                              NVRAMLayout **layout)
{
    for (uint64_t off = NVRAM_ALIGN;
         off <= NVRAM_MAX_HEADER_SIZE && off < size; off += NVRAM_ALIGN) {
        NVRAMLayout *l = NULL;
        int ret = header_copy_read(storage, off, 1, size, have, have_len, &l,
                                   NULL);

        if (ret == -NVRAM_ERR_IO) {
            return -1;
        }
        if (ret == 0) {
            *layout = l;
            return 0;
        }
    }
    return -1;
}

void nvram_header_state_clear(NVRAMHeaderState *hs)
{
    g_free(hs->problem[0]);
    g_free(hs->problem[1]);
    memset(hs, 0, sizeof(*hs));
}

int nvram_layout_read_full(NVRAMStorage *storage, NVRAMLayout **layout,
                           NVRAMHeaderState *hs, Error **errp)
{
    NVRAMLayout *a = NULL, *b = NULL;
    Error *err_a = NULL, *err_b = NULL;
    uint8_t *buf;
    size_t len;
    uint64_t size;
    int ret, ret_b;

    memset(hs, 0, sizeof(*hs));
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
    ret = header_copy_read(storage, 0, 0, size, buf, len, &a, &err_a);
    if (ret == 0 && a->version < 2) {
        /*
         * An upgrade writes the format-2 copy B right after the format-1
         * header, and flushes it, before it replaces that header: when B
         * is there (the same image), the upgrade is done.
         */
        if (header_copy_read(storage, a->header_size, 1, size, buf, len, &b,
                             NULL) == 0 &&
            memcmp(a->image_id, b->image_id, NVRAM_IMAGE_ID_LEN) == 0) {
            hs->copies = 2;
            hs->used = 1;
            hs->problem[0] = g_strdup("offset 0: the format 1 header of an "
                                      "interrupted upgrade");
            nvram_layout_free(a);
            *layout = b;
            goto out;
        }
        nvram_layout_free(b);
        hs->copies = 1;
        *layout = a;
        goto out;
    }
    if (ret == 0) {
        hs->copies = 2;
        ret_b = header_copy_read(storage, nvram_header_copy_size(a), 1, size,
                                 buf, len, &b, &err_b);
        if (ret_b == -NVRAM_ERR_IO) {
            error_propagate(errp, err_b);
            nvram_layout_free(a);
            ret = -NVRAM_ERR_IO;
            goto out;
        }
        if (ret_b < 0) {
            hs->problem[1] = g_strdup(error_get_pretty(err_b));
            error_free(err_b);
            *layout = a;
        } else if (b->layout_generation != a->layout_generation) {
            /* an interrupted relayout: the newer layout was flushed first */
            int older = b->layout_generation < a->layout_generation;

            hs->problem[older] = g_strdup_printf(
                "offset %" PRIu64 ": header copy of the older layout "
                "generation %" PRIu64, older ? nvram_header_copy_size(a) : 0,
                (older ? b : a)->layout_generation);
            hs->used = !older;
            *layout = older ? a : b;
            nvram_layout_free(older ? b : a);
        } else if (!nvram_layout_equal(a, b)) {
            error_setg(errp, "corrupt NVRAM header: the two header copies "
                       "(offsets 0 and %" PRIu64 ") of layout generation %"
                       PRIu64 " differ", nvram_header_copy_size(a),
                       a->layout_generation);
            nvram_layout_free(a);
            nvram_layout_free(b);
            ret = -NVRAM_ERR_CORRUPT_HEADER;
        } else {
            nvram_layout_free(b);
            *layout = a;
        }
        goto out;
    }
    /* a damaged length in copy A can also claim a drive too small */
    if ((ret == -NVRAM_ERR_CORRUPT_HEADER || ret == -NVRAM_ERR_TOO_SMALL) &&
        header_find_copy_b(storage, size, buf, len, &b) == 0) {
        hs->copies = 2;
        hs->used = 1;
        hs->problem[0] = g_strdup(error_get_pretty(err_a));
        error_free(err_a);
        err_a = NULL;
        *layout = b;
        ret = 0;
        goto out;
    }
    error_propagate(errp, err_a);
    err_a = NULL;
out:
    error_free(err_a);
    g_free(buf);
    return ret;
}

int nvram_layout_read_truncated(NVRAMStorage *storage, NVRAMLayout **layout,
                                Error **errp)
{
    NVRAMHeaderState hs;
    int ret = nvram_layout_read_full(storage, layout, &hs, errp);

    nvram_header_state_clear(&hs);
    return ret;
}

int nvram_layout_read(NVRAMStorage *storage, NVRAMLayout **layout,
                      Error **errp)
{
    NVRAMHeaderState hs;
    int ret = nvram_layout_read_full(storage, layout, &hs, errp);

    nvram_header_state_clear(&hs);
    if (ret == 0 && (ret = nvram_layout_check_whole(*layout, errp)) < 0) {
        nvram_layout_free(*layout);
        *layout = NULL;
    }
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

        if (nvram_copy_beyond_drive(layout, entry, c, &info[c].problem)) {
            continue;
        }
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
    st->mirror = false;
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
    if (st->mirror && layout->version >= 2) {
        flags |= NVRAM_COPY_FLAG_MIRROR;
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
    commit->both = !st->both_good || st->mirror;
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
    return nvram_image_format(storage, specs, NULL, n, key, key_len, force,
                              errp);
}

int nvram_image_format(NVRAMStorage *storage, const NVRAMEntrySpec *specs,
                       const NVRAMEntryPolicy *policies, size_t n,
                       const uint8_t *key, size_t key_len, bool force,
                       Error **errp)
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
    ret = nvram_layout_compute_full(specs, policies, n, 0, key != NULL,
                                    &layout, errp);
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
    ret = nvram_layout_compute_full(specs, policies, n, size, key != NULL,
                                    &layout, errp);
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
    if (ret < 0 && layout->image_size > size) {
        /* a failed create (no space) leaves no grown blank file behind */
        nvram_storage_resize(storage, size, NULL);
    }
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
    g_free(info->header_problem[0]);
    g_free(info->header_problem[1]);
    g_free(info);
}

int nvram_image_inspect(NVRAMStorage *storage, NVRAMImageInfo **info,
                        Error **errp)
{
    NVRAMLayout *layout = NULL;
    NVRAMHeaderState hs;
    NVRAMImageInfo *out;
    uint64_t size;
    int ret;

    *info = NULL;
    ret = nvram_layout_read_full(storage, &layout, &hs, errp);
    if (ret < 0) {
        nvram_header_state_clear(&hs);
        return ret;
    }
    if (!nvram_storage_get_size(storage, &size, errp)) {
        nvram_header_state_clear(&hs);
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
    out->layout_generation = layout->layout_generation;
    out->header_copies = (unsigned)hs.copies;
    out->header_problem[0] = hs.problem[0];
    out->header_problem[1] = hs.problem[1];
    hs.problem[0] = hs.problem[1] = NULL;
    out->n_entries = layout->n_entries;
    out->entries = g_new0(NVRAMEntryInfo, layout->n_entries);
    for (size_t i = 0; i < layout->n_entries; i++) {
        const NVRAMLayoutEntry *le = &layout->entries[i];
        NVRAMEntryInfo *ei = &out->entries[i];

        ei->name = le->name;
        ei->id = le->id;
        ei->policy = le->policy;
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

/*
 * Read the layout of @storage and find entry @name, checking @key (NULL:
 * none) against an encrypted image: *@use_key gets the key to open values
 * with (NULL for a plain image). With @need_key, an encrypted image
 * without a key is refused (a write must seal).
 */
static int image_open_entry(NVRAMStorage *storage, const char *name,
                            const uint8_t *key, size_t key_len, bool need_key,
                            NVRAMLayout **layout, const NVRAMLayoutEntry **le,
                            const uint8_t **use_key, Error **errp)
{
    bool encrypted;
    int ret;

    if (key && key_len != NVRAM_KEY_SIZE) {
        error_setg(errp, "an NVRAM key has %d bytes, not %zu", NVRAM_KEY_SIZE,
                   key_len);
        return -NVRAM_ERR_INVALID;
    }
    /* a truncated image is read for the copies that fit, never written */
    ret = need_key ? nvram_layout_read(storage, layout, errp)
                   : nvram_layout_read_truncated(storage, layout, errp);
    if (ret < 0) {
        return ret;
    }
    encrypted = (*layout)->flags & NVRAM_FLAG_ENCRYPTED;
    *use_key = encrypted ? key : NULL;  /* a plain image: nothing to open */
    if (encrypted && key && (!nvram_crypto_available() ||
                             !nvram_key_check_verify(key, (*layout)->image_id,
                                                     (*layout)->key_check))) {
        error_setg(errp, nvram_crypto_available() ?
                   "the key does not open this encrypted NVRAM image" :
                   "this libvnvram was built without encryption (nettle)");
        ret = nvram_crypto_available() ? -NVRAM_ERR_WRONG_KEY
                                       : -NVRAM_ERR_ENCRYPTED;
    } else if (encrypted && !key && need_key) {
        error_setg(errp, "the NVRAM image is encrypted: a key is needed");
        ret = -NVRAM_ERR_ENCRYPTED;
    } else if (!(*le = nvram_layout_find(*layout, name))) {
        error_setg(errp, "the NVRAM image has no entry '%s'", name);
        ret = -NVRAM_ERR_ENTRY_MISSING;
    }
    if (ret < 0) {
        nvram_layout_free(*layout);
        *layout = NULL;
    }
    return ret;
}

int nvram_image_read_entry_with_key(NVRAMStorage *storage, const char *name,
                                    const uint8_t *key, size_t key_len,
                                    uint8_t **payload, size_t *len,
                                    NVRAMEncoding *encoding,
                                    uint64_t *generation, Error **errp)
{
    NVRAMLayout *layout = NULL;
    const NVRAMLayoutEntry *le = NULL;
    NVRAMCopyInfo info[2];
    NVRAMPick pick;
    int ret;

    ret = image_open_entry(storage, name, key, key_len, false, &layout, &le,
                           &key, errp);
    if (ret < 0) {
        return ret;
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

/*** Offline relayout: upgrade, add, resize ***/

/* A copy of @old as the start of a version-2 relayout of it. */
static NVRAMLayout *layout_next(const NVRAMLayout *old)
{
    NVRAMLayout *l = g_memdup2(old, sizeof(*old));

    l->entries = g_memdup2(old->entries,
                           sizeof(*old->entries) * old->n_entries);
    l->version = NVRAM_FORMAT_VERSION;
    l->layout_generation = old->layout_generation + 1;
    return l;
}

/*
 * The copy of entry @e of the new layout @l that carries @old's newest
 * value of it (the bytes as stored, sealed when encrypted: the check value
 * and the associated data cover neither the offset nor the copy size), or
 * a never-written copy for a new entry. Fails when the value is lost
 * (both copies damaged) or does not fit the new slot.
 */
static int relayout_copy(NVRAMStorage *storage, const NVRAMLayout *old,
                         const NVRAMLayout *l, const NVRAMLayoutEntry *e,
                         GByteArray **out, Error **errp)
{
    const NVRAMLayoutEntry *o = nvram_layout_find(old, e->name.name);
    NVRAMCopyInfo info[2];
    NVRAMPick pick;
    uint8_t *payload = NULL;
    size_t len = 0;
    int ret;

    if (!o) {
        return nvram_copy_build(l, e, 0, NVRAM_ENCODING_DER, 0, NULL, 0, out,
                                errp);
    }
    ret = nvram_entry_scan(storage, old, o, NULL, info, &pick, &payload, &len,
                           errp);
    if (ret < 0) {
        return ret;
    }
    if (pick.status == -NVRAM_ERR_ENTRY_CORRUPT) {
        error_setg(errp, "entry '%s': both copies are damaged (copy 0: %s; "
                   "copy 1: %s): nothing to carry over", o->name.name,
                   info[0].problem, info[1].problem);
        ret = -NVRAM_ERR_ENTRY_CORRUPT;
    } else {
        const NVRAMCopyInfo *ci = &info[pick.newest];

        ret = nvram_copy_build(l, e, ci->generation, ci->encoding,
                               ci->encrypted ? NVRAM_COPY_FLAG_ENCRYPTED : 0,
                               payload, len, out, errp);
    }
    g_free(payload);
    g_free(info[0].problem);
    g_free(info[1].problem);
    return ret;
}

static void byte_array_free(gpointer p)
{
    if (p) {
        g_byte_array_unref(p);
    }
}

/*
 * Header copy B of the new layout @l is about to overwrite what @old has
 * there: an old slot whose newest copy lies in that range first gets the
 * same bytes in its other copy (flushed), so that @old still reads every
 * value whole if the write of B tears before it is flushed.
 */
static int relayout_protect(NVRAMStorage *storage, const NVRAMLayout *old,
                            const NVRAMLayout *l, Error **errp)
{
    uint64_t start, end;
    size_t len;
    bool wrote = false;
    int ret = 0;

    g_free(nvram_header_encode(l, 1, &start, &len));
    end = start + len;
    for (size_t i = 0; i < old->n_entries && ret == 0; i++) {
        const NVRAMLayoutEntry *o = &old->entries[i];
        NVRAMCopyInfo info[2];
        NVRAMPick pick;
        uint64_t at, other;
        uint8_t *bytes;

        if (o->offset >= end || o->offset + 2 * o->copy_size <= start) {
            continue;
        }
        ret = nvram_entry_scan(storage, old, o, NULL, info, &pick, NULL, NULL,
                               errp);
        if (ret < 0) {
            break;
        }
        g_free(info[0].problem);
        g_free(info[1].problem);
        if (pick.newest < 0) {
            continue;
        }
        at = info[pick.newest].offset;
        other = info[1 - pick.newest].offset;
        if (at >= end || at + o->copy_size <= start ||
            !(other >= end || other + o->copy_size <= start)) {
            continue;   /* the newest copy is not hit, or both are */
        }
        bytes = g_malloc((size_t)o->copy_size);
        if (!nvram_storage_pread(storage, bytes, (size_t)o->copy_size, at,
                                 errp) ||
            !nvram_storage_pwrite(storage, bytes, (size_t)o->copy_size, other,
                                  errp)) {
            ret = -NVRAM_ERR_IO;
        }
        g_free(bytes);
        wrote = true;
    }
    if (ret == 0 && wrote && !nvram_storage_flush(storage, errp)) {
        ret = -NVRAM_ERR_IO;
    }
    return ret;
}

/*
 * Change the image on @storage from layout @old to @l (placed by
 * nvram_layout_place_relayout()), keeping every value:
 * 1. every moved or new slot is written (both copies) where @old has
 *    nothing, and flushed: @old is untouched; an old slot that header
 *    copy B will overwrite gets its newest value into its other copy;
 * 2. header copy B of @l (a higher layout generation) is written and
 *    flushed: from here @l is the image;
 * 3. header copy A of @l is written and flushed.
 * A crash before 2 completes leaves @old readable (its header copy A and
 * its slots are intact), after it @l (the newer valid header copy wins).
 */
static int relayout(NVRAMStorage *storage, const NVRAMLayout *old,
                    const NVRAMLayout *l, Error **errp)
{
    GPtrArray *copies = g_ptr_array_new_with_free_func(byte_array_free);
    uint64_t size, end = nvram_layout_end(l);
    uint8_t tail[24];
    int ret = 0;

    /* every copy first, so that a value that does not fit changes nothing */
    for (size_t i = 0; i < l->n_entries && ret == 0; i++) {
        GByteArray *copy = NULL;

        if (!nvram_layout_keeps(l, old, &l->entries[i])) {
            ret = relayout_copy(storage, old, l, &l->entries[i], &copy, errp);
        }
        g_ptr_array_add(copies, copy);
    }
    if (ret < 0) {
        goto out;
    }
    if (!nvram_storage_get_size(storage, &size, errp)) {
        ret = -NVRAM_ERR_IO;
        goto out;
    }
    if (l->image_size > size &&
        !nvram_storage_resize(storage, l->image_size, errp)) {
        error_prepend(errp, "the new layout needs %" PRIu64 " bytes: ",
                      l->image_size);
        ret = storage->ops->resize ? -NVRAM_ERR_IO : -NVRAM_ERR_TOO_SMALL;
        goto out;
    }
    ret = -NVRAM_ERR_IO;
    for (size_t i = 0; i < l->n_entries; i++) {
        GByteArray *copy = g_ptr_array_index(copies, i);

        for (int c = 0; copy && c < 2; c++) {
            if (!nvram_storage_pwrite(storage, copy->data, copy->len,
                                      nvram_copy_offset(&l->entries[i], c),
                                      errp)) {
                goto shrink;
            }
        }
    }
    if (l->image_size > end &&
        !nvram_storage_pwrite(storage, tail,
                              nvram_filler_encode(tail, l->image_size - end),
                              end, errp)) {
        goto shrink;
    }
    if (!nvram_storage_flush(storage, errp)) {
        goto shrink;
    }
    if (relayout_protect(storage, old, l, errp) < 0 ||
        nvram_header_write(storage, l, 1, errp) < 0 ||
        !nvram_storage_flush(storage, errp) ||
        nvram_header_write(storage, l, 0, errp) < 0 ||
        !nvram_storage_flush(storage, errp)) {
        goto out;
    }
    ret = 0;
    goto out;
shrink:
    /*
     * No header has been touched: the old layout, which lies within the
     * old size, is the image; the grown part (written or not, e.g. on a
     * full file system without fallocate) goes again.
     */
    if (l->image_size > size) {
        nvram_storage_resize(storage, size, NULL);
    }
out:
    g_ptr_array_unref(copies);
    return ret;
}

/* Read the layout of @storage for a relayout; refuses what it cannot do. */
static int relayout_begin(NVRAMStorage *storage, NVRAMLayout **old,
                          uint64_t *size, Error **errp)
{
    int ret = nvram_layout_read(storage, old, errp);

    if (ret < 0) {
        return ret;
    }
    if (!nvram_storage_get_size(storage, size, errp)) {
        nvram_layout_free(*old);
        return -NVRAM_ERR_IO;
    }
    return 0;
}

int nvram_image_upgrade(NVRAMStorage *storage, Error **errp)
{
    NVRAMLayout *old = NULL, *l;
    uint64_t size;
    int ret = relayout_begin(storage, &old, &size, errp);

    if (ret < 0) {
        return ret;
    }
    if (old->version >= NVRAM_FORMAT_VERSION) {
        nvram_layout_free(old);
        return 0;
    }
    l = layout_next(old);
    nvram_layout_place_relayout(l, old, size);
    ret = relayout(storage, old, l, errp);
    nvram_layout_free(l);
    nvram_layout_free(old);
    return ret < 0 ? ret : 1;
}

/* Refuse a relayout of a format-1 image: it is upgraded first. */
static int relayout_needs_v2(const NVRAMLayout *old, Error **errp)
{
    if (old->version < 2) {
        error_setg(errp, "the image is in format %" PRIu32 ": upgrade it "
                   "first (vnvram upgrade)", old->version);
        return -NVRAM_ERR_UNSUPPORTED_VERSION;
    }
    return 0;
}

int nvram_image_add_entries(NVRAMStorage *storage,
                            const NVRAMEntrySpec *specs,
                            const NVRAMEntryPolicy *policies, size_t n,
                            Error **errp)
{
    NVRAMLayout *old = NULL, *l, *added = NULL;
    uint32_t next_id = 0;
    uint64_t size;
    int ret = relayout_begin(storage, &old, &size, errp);

    if (ret < 0) {
        return ret;
    }
    ret = relayout_needs_v2(old, errp);
    if (ret == 0) {
        /* the new entries' names, sizes and policies, checked as by format */
        ret = nvram_layout_compute_full(specs, policies, n, 0, false, &added,
                                        errp);
    }
    for (size_t i = 0; ret == 0 && i < n; i++) {
        if (nvram_layout_find(old, specs[i].name)) {
            error_setg(errp, "the image already has an entry '%s'",
                       specs[i].name);
            ret = -NVRAM_ERR_INVALID;
        }
    }
    if (ret == 0 && old->n_entries + n > NVRAM_MAX_ENTRIES) {
        error_setg(errp, "an image holds at most %u entries",
                   NVRAM_MAX_ENTRIES);
        ret = -NVRAM_ERR_INVALID;
    }
    if (ret < 0) {
        nvram_layout_free(added);
        nvram_layout_free(old);
        return ret;
    }
    for (size_t i = 0; i < old->n_entries; i++) {
        next_id = MAX(next_id, old->entries[i].id);
    }
    l = layout_next(old);
    l->entries = g_renew(NVRAMLayoutEntry, l->entries, old->n_entries + n);
    for (size_t i = 0; i < n; i++) {
        l->entries[old->n_entries + i] = added->entries[i];
        l->entries[old->n_entries + i].id = ++next_id;
    }
    l->n_entries = old->n_entries + n;
    nvram_layout_place_relayout(l, old, size);
    ret = relayout(storage, old, l, errp);
    nvram_layout_free(l);
    nvram_layout_free(added);
    nvram_layout_free(old);
    return ret;
}

int nvram_image_resize_entry(NVRAMStorage *storage, const char *name,
                             uint64_t max_size, Error **errp)
{
    NVRAMEntrySpec spec = { name, max_size };
    NVRAMLayout *old = NULL, *l, *sized = NULL;
    NVRAMLayoutEntry *e;
    uint64_t size;
    int ret = relayout_begin(storage, &old, &size, errp);

    if (ret < 0) {
        return ret;
    }
    ret = relayout_needs_v2(old, errp);
    if (ret == 0) {
        ret = nvram_layout_compute_full(&spec, NULL, 1, 0, false, &sized,
                                        errp);
    }
    if (ret == 0 && !nvram_layout_find(old, name)) {
        error_setg(errp, "the NVRAM image has no entry '%s'", name);
        ret = -NVRAM_ERR_ENTRY_MISSING;
    }
    if (ret < 0) {
        nvram_layout_free(sized);
        nvram_layout_free(old);
        return ret;
    }
    l = layout_next(old);
    e = (NVRAMLayoutEntry *)nvram_layout_find(l, name);
    e->copy_size = sized->entries[0].copy_size;
    nvram_layout_place_relayout(l, old, size);
    ret = relayout(storage, old, l, errp);
    nvram_layout_free(l);
    nvram_layout_free(sized);
    nvram_layout_free(old);
    return ret;
}

/*** Repair ***/

int nvram_image_repair(NVRAMStorage *storage, GPtrArray *log, Error **errp)
{
    NVRAMLayout *layout = NULL;
    NVRAMHeaderState hs;
    int unrepaired = 0, ret;
    bool wrote = false;

    ret = nvram_layout_read_full(storage, &layout, &hs, errp);
    if (ret == 0 && (ret = nvram_layout_check_whole(layout, errp)) < 0) {
        /* what lies beyond the drive cannot be repaired from what fits */
        nvram_layout_free(layout);
    }
    if (ret < 0) {
        nvram_header_state_clear(&hs);
        return ret;
    }
    /* a header copy: rewritten from the one the layout was read from */
    for (int c = 0; c < hs.copies; c++) {
        if (!hs.problem[c]) {
            continue;
        }
        if (nvram_header_write(storage, layout, c, errp) < 0) {
            ret = -NVRAM_ERR_IO;
            goto out;
        }
        wrote = true;
        g_ptr_array_add(log, g_strdup_printf("header copy %d rewritten from "
                                             "copy %d (was: %s)", c, 1 - c,
                                             hs.problem[c]));
    }
    for (size_t i = 0; i < layout->n_entries; i++) {
        const NVRAMLayoutEntry *e = &layout->entries[i];
        NVRAMCopyInfo info[2];
        NVRAMPick pick;
        uint8_t *good;
        int bad;

        ret = nvram_entry_scan(storage, layout, e, NULL, info, &pick, NULL,
                               NULL, errp);
        if (ret < 0) {
            goto out;
        }
        bad = !info[0].valid ? 0 : !info[1].valid ? 1 : -1;
        if (bad < 0) {
            /* healthy */
        } else if (pick.status == -NVRAM_ERR_ENTRY_CORRUPT) {
            g_ptr_array_add(log, g_strdup_printf(
                "entry '%s': not repaired: both copies are damaged (copy 0: "
                "%s; copy 1: %s)", e->name.name, info[0].problem,
                info[1].problem));
            unrepaired++;
        } else if (pick.rolled_back) {
            /*
             * The damaged copy may hold the last commit: copying the older
             * one over it would make the rollback silent. Left as is.
             */
            g_ptr_array_add(log, g_strdup_printf(
                "entry '%s': not repaired: copy %d (%s) may hold a later "
                "commit than copy %d (generation %" PRIu64 "); the device's "
                "next write replaces it", e->name.name, bad,
                info[bad].problem, 1 - bad, info[1 - bad].generation));
            unrepaired++;
        } else {
            /* the slot's bytes are valid in the other slot as they are */
            good = g_malloc((size_t)e->copy_size);
            if (!nvram_storage_pread(storage, good, (size_t)e->copy_size,
                                     info[1 - bad].offset, errp) ||
                !nvram_storage_pwrite(storage, good, (size_t)e->copy_size,
                                      info[bad].offset, errp)) {
                g_free(good);
                g_free(info[0].problem);
                g_free(info[1].problem);
                ret = -NVRAM_ERR_IO;
                goto out;
            }
            g_free(good);
            wrote = true;
            g_ptr_array_add(log, g_strdup_printf(
                "entry '%s': copy %d at offset %" PRIu64 " rewritten from "
                "copy %d (generation %" PRIu64 "; was: %s)", e->name.name,
                bad, info[bad].offset, 1 - bad, info[1 - bad].generation,
                info[bad].problem));
        }
        g_free(info[0].problem);
        g_free(info[1].problem);
    }
    if (wrote && !nvram_storage_flush(storage, errp)) {
        ret = -NVRAM_ERR_IO;
        goto out;
    }
    ret = unrepaired;
out:
    nvram_header_state_clear(&hs);
    nvram_layout_free(layout);
    return ret;
}

/*** Offline writes ***/

/* The first error an inspection found: where and why. */
typedef struct FirstError {
    bool found;
    uint64_t offset;
    char message[sizeof(((BERInspectDiagnostic *)0)->message)];
} FirstError;

static void first_error_note(FirstError *fe, const BERInspectDiagnostic *d,
                             size_t n)
{
    for (size_t i = 0; i < n && !fe->found; i++) {
        if (d[i].severity == BER_INSPECT_ERROR) {
            fe->found = true;
            fe->offset = d[i].offset;
            g_strlcpy(fe->message, d[i].message, sizeof(fe->message));
        }
    }
}

static bool first_error_element(void *opaque, const BERInspectElement *e)
{
    first_error_note(opaque, e->diagnostics, e->diagnostic_count);
    return true;
}

static bool first_error_stream(void *opaque, const BERInspectDiagnostic *d)
{
    first_error_note(opaque, d, 1);
    return true;
}

static const BERInspectCallbacks first_error_callbacks = {
    .begin = first_error_element,
    .end = first_error_element,
    .stream = first_error_stream,
};

/* True if @value is exactly one element of @encoding; else @errp says why. */
static bool value_check(const uint8_t *value, size_t len,
                        NVRAMEncoding encoding, Error **errp)
{
    if (encoding == NVRAM_ENCODING_JSON) {
        char *text;
        Visitor *v;

        if (memchr(value, 0, len)) {
            error_setg(errp, "the value holds a NUL byte: not JSON text");
            return false;
        }
        text = g_strndup((const char *)value, len);
        v = json_input_visitor_new(text, errp);
        g_free(text);
        if (!v) {
            error_prepend(errp, "not one JSON value: ");
            return false;
        }
        visit_free(v);
        return true;
    } else {
        const char *name = nvram_encoding_name(encoding);
        BERInspectOptions opts;
        BERInspectSummary sum;
        FirstError fe = { 0 };

        if (len == 0) {
            error_setg(errp, "the value is empty: not one %s element", name);
            return false;
        }
        ber_inspect_options_init(&opts);
        opts.mode = encoding == NVRAM_ENCODING_BER ? BER_MODE_BER :
                    encoding == NVRAM_ENCODING_CER ? BER_MODE_CER :
                    BER_MODE_DER;
        opts.single = true;
        opts.encapsulation = false;
        if (!ber_inspect(value, len, &opts, &first_error_callbacks, &fe,
                         &sum) || sum.errors || sum.top_level != 1) {
            if (fe.found) {
                error_setg(errp, "not one valid %s element: offset %" PRIu64
                           ": %s (%" PRIu64 " error%s; see ber-dump --%s)",
                           name, fe.offset, fe.message, sum.errors,
                           sum.errors == 1 ? "" : "s", name);
            } else {
                error_setg(errp, "not one valid %s element (%" PRIu64
                           " top-level values; see ber-dump --%s)", name,
                           sum.top_level, name);
            }
            return false;
        }
        return true;
    }
}

int nvram_image_write_entry(NVRAMStorage *storage, const char *name,
                            const uint8_t *key, size_t key_len,
                            const uint8_t *value, size_t len,
                            NVRAMEncoding encoding, Error **errp)
{
    NVRAMLayout *layout = NULL;
    const NVRAMLayoutEntry *le = NULL;
    NVRAMCopyInfo info[2];
    NVRAMCopyState st;
    NVRAMCommit commit;
    NVRAMPick pick;
    int ret;

    if ((unsigned)encoding >= NVRAM_ENCODING__MAX) {
        error_setg(errp, "unknown encoding %d", encoding);
        return -NVRAM_ERR_INVALID;
    }
    ret = image_open_entry(storage, name, key, key_len, true, &layout, &le,
                           &key, errp);
    if (ret < 0) {
        return ret;
    }
    if (!value_check(value, len, encoding, errp)) {
        error_prepend(errp, "entry '%s': ", name);
        ret = -NVRAM_ERR_INVALID;
        goto out;
    }
    ret = nvram_entry_scan(storage, layout, le, key, info, &pick, NULL, NULL,
                           errp);
    if (ret < 0) {
        goto out;
    }
    nvram_copy_state_init(&st, &pick, info);
    st.mirror = le->policy == NVRAM_POLICY_MIRROR;
    g_free(info[0].problem);
    g_free(info[1].problem);
    ret = nvram_commit_prepare(layout, le, key, &st, encoding,
                               g_byte_array_new_take(g_memdup2(value, len),
                                                     len),
                               &commit, errp);
    if (ret == 0) {
        ret = nvram_commit_write(storage, &commit, name, errp);
        nvram_commit_clear(&commit);
    }
out:
    nvram_layout_free(layout);
    return ret;
}
