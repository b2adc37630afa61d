/*
 * fuzz/fuzz-nvram-image.c: libFuzzer target for opening NVRAM images.
 *
 * The input is a whole drive. It is inspected (header, geometry, every
 * copy), every entry is read without a device, then the drive is opened
 * through the NVRAM API with the entries it names registered, and each
 * entry is read through a device callback that decodes the value with the
 * input visitor of the copy's encoding. Invariants checked (abort on
 * violation): a successful inspection describes entries that lie inside
 * the image and valid copies that lie inside the drive (a truncated image
 * is inspected for what fits); a read never returns more bytes than the entry's
 * copy holds and returns exactly the newest valid copy's generation and
 * length; opening never writes to the drive; an error always has a code
 * and a message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nvram/nvram.h"

/* The value layout of the reliability tests' workload (and the seeds). */
static int fuzz_rw(enum NVRAMRWOp op, Visitor *v,
                   const NVRAMEntryName *entry_name, void *opaque,
                   Error **errp)
{
    uint64_t seq = 0;
    uint32_t entry = 0;
    uint8_t *data = NULL;
    size_t len = 0;
    bool ok;

    if (op != NVRAM_OP_READ) {
        return -1;
    }
    ok = visit_start_struct(v, NULL, NULL, 0, errp);
    if (ok) {
        ok = visit_type_uint64(v, "seq", &seq, errp) &&
             visit_type_uint32(v, "entry", &entry, errp) &&
             visit_type_bytes(v, "data", &data, &len, errp) &&
             visit_check_struct(v, errp);
        visit_end_struct(v, NULL);
    }
    g_free(data);
    return ok ? 0 : -1;
}

static void check_error(int ret, Error *err)
{
    if (ret < 0 && (ret <= -NVRAM_ERR__MAX || !err ||
                    !*error_get_pretty(err))) {
        abort();
    }
    error_free(err);
}

static void read_through_api(const uint8_t *data, size_t size,
                             const NVRAMImageInfo *info)
{
    NVRAMStorage *s = nvram_storage_new_memory(size);
    NVRAMOptions opts = { .read_only = true };
    NVRAM *nvram;
    Error *err = NULL;
    size_t n = MIN(info->n_entries, 8);
    int ret;

    memcpy(nvram_storage_memory_data(s, NULL), data, size);
    nvram = nvram_setup_with_storage(s, &opts, &err);
    if (!nvram) {
        abort();
    }
    for (size_t i = 0; i < n; i++) {
        ret = nvram_register_entry(nvram, &info->entries[i].name, fuzz_rw,
                                   NULL, &err);
        check_error(ret, err);
        err = NULL;
    }
    ret = nvram_start(nvram, true, &err);
    check_error(ret, err);
    err = NULL;
    if (ret == 0) {
        for (size_t i = 0; i < n; i++) {
            ret = nvram_read_data(nvram, &info->entries[i].name, 0, NULL,
                                  NULL, &err);
            check_error(ret, err);
            err = NULL;
        }
    }
    /* Opening and reading never write. */
    if (memcmp(nvram_storage_memory_data(nvram_get_storage(nvram), NULL), data,
               size) != 0) {
        abort();
    }
    nvram_delete(nvram);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    NVRAMStorage *s = nvram_storage_new_memory(size);
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int ret;

    memcpy(nvram_storage_memory_data(s, NULL), data, size);
    ret = nvram_image_inspect(s, &info, &err);
    check_error(ret, err);
    err = NULL;
    if (ret == 0) {
        if (info->storage_size != size || info->n_entries == 0) {
            abort();
        }
        for (size_t i = 0; i < info->n_entries; i++) {
            const NVRAMEntryInfo *e = &info->entries[i];
            uint8_t *payload = NULL;
            size_t len = 0;
            uint64_t generation = 0;
            NVRAMEncoding encoding;

            if (e->offset > info->image_size ||
                e->copy_size > (info->image_size - e->offset) / 2) {
                abort();
            }
            for (int c = 0; c < 2; c++) {
                if (e->copies[c].valid &&
                    e->copies[c].offset + e->copy_size > size) {
                    abort();
                }
            }
            ret = nvram_image_read_entry(s, e->name.name, &payload, &len,
                                         &encoding, &generation, &err);
            if (ret == NVRAM_READ_ROLLED_BACK) {
                /* a rollback is said so, with a message, as inspect does */
                if (!e->rolled_back || !err || !*error_get_pretty(err)) {
                    abort();
                }
                error_free(err);
                err = NULL;
            } else if (ret == 0 && e->rolled_back) {
                abort();
            }
            check_error(ret, err);
            err = NULL;
            if (ret == 0 || ret == NVRAM_READ_ROLLED_BACK) {
                const NVRAMCopyInfo *c;

                if (e->newest < 0 || e->newest > 1) {
                    abort();
                }
                c = &e->copies[e->newest];
                if (!c->valid || c->generation == 0 || len > e->copy_size ||
                    len != c->payload_length || generation != c->generation ||
                    encoding >= NVRAM_ENCODING__MAX) {
                    abort();
                }
            } else if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
                /* Never written: the newest valid copy is format's empty one. */
                if (e->newest < 0 || e->copies[e->newest].generation != 0) {
                    abort();
                }
            } else if (ret == -NVRAM_ERR_ENTRY_CORRUPT) {
                if (e->newest >= 0) {
                    abort();
                }
            } else {
                abort();
            }
            g_free(payload);
        }
        read_through_api(data, size, info);
    }
    nvram_image_info_free(info);
    nvram_storage_close(s);
    return 0;
}
