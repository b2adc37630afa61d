/*
 * tests/fault-storage.c: the crash and fault-injection storage layer of the
 * reliability tests (see fault-storage.h).
 */
#include "config.h"

#include <glib.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fault-storage.h"

/* A write accepted since the last flush, not yet on the disk. */
typedef struct PendingWrite {
    uint64_t offset;
    size_t len;
    uint8_t *data;
} PendingWrite;

typedef struct FaultStorage {
    NVRAMStorage common;
    NVRAMStorageOps ops;         /* per instance: resize only if inner has it */
    NVRAMStorage *inner;
    bool own_inner;
    FaultConfig config;
    GMutex lock;
    GArray *pending;             /* of PendingWrite, in issue order */
    uint64_t rng;
    FaultStats stats;
} FaultStorage;

uint64_t fault_rand_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t fault_rand_below(uint64_t *state, uint64_t n)
{
    g_assert(n > 0);
    return fault_rand_next(state) % n;
}

uint64_t fault_seed_mix(uint64_t a, uint64_t b)
{
    uint64_t state = a ^ (b * 0xD6E8FEB86659FD93ull);

    fault_rand_next(&state);
    return fault_rand_next(&state);
}

unsigned fault_test_scale(void)
{
    const char *soak = g_getenv("QVISIT_SOAK");
    char *end;
    unsigned long n;

    if (!soak || !*soak || g_str_equal(soak, "0")) {
        return 1;
    }
    n = strtoul(soak, &end, 10);
    if (*end || n <= 1) {
        return 20;
    }
    return n > 100000 ? 100000 : (unsigned)n;
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FAULT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FAULT_ASAN 1
#endif

bool fault_under_sanitizer(void)
{
#ifdef FAULT_ASAN
    return true;
#else
    return false;
#endif
}

static FaultStorage *fault_of(NVRAMStorage *s)
{
    return (FaultStorage *)s;
}

static uint32_t sector_size_of(FaultStorage *fs)
{
    return fs->config.sector_size ? fs->config.sector_size : 512;
}

static void pending_clear(FaultStorage *fs)
{
    for (guint i = 0; i < fs->pending->len; i++) {
        g_free(g_array_index(fs->pending, PendingWrite, i).data);
    }
    g_array_set_size(fs->pending, 0);
}

static void pending_add(FaultStorage *fs, const void *buf, size_t len,
                        uint64_t offset)
{
    PendingWrite pw = {
        .offset = offset,
        .len = len,
        .data = g_malloc(len ? len : 1),
    };

    if (len) {
        memcpy(pw.data, buf, len);
    }
    g_array_append_val(fs->pending, pw);
}

/*
 * Write straight to the disk, ignoring failures: at a crash there is no one
 * left to report them to, and the test checks the result anyway.
 */
static void disk_write(FaultStorage *fs, const void *buf, size_t len,
                       uint64_t offset)
{
    if (!nvram_storage_pwrite(fs->inner, buf, len, offset, NULL)) {
        fprintf(stderr, "fault storage: disk write of %zu bytes at %" PRIu64
                       " failed\n", len, offset);
    }
}

/* Fill the sector starting at @start with random bytes (clipped to the disk). */
static void disk_garble_sector(FaultStorage *fs, uint64_t start,
                               uint64_t disk_size)
{
    uint32_t sector = sector_size_of(fs);
    uint64_t len;
    uint8_t *junk;

    if (start >= disk_size) {
        return;
    }
    len = MIN((uint64_t)sector, disk_size - start);
    junk = g_malloc(len);
    for (uint64_t i = 0; i < len; i += 8) {
        uint64_t r = fault_rand_next(&fs->rng);
        memcpy(junk + i, &r, MIN(8, len - i));
    }
    disk_write(fs, junk, len, start);
    g_free(junk);
}

/*
 * Decide the fate of every pending write, apply it to the disk and forget
 * the pending writes. Used at a crash and at a failed flush, after which
 * the contents of the unflushed writes are unknown.
 */
static void pending_resolve(FaultStorage *fs)
{
    uint32_t sector = sector_size_of(fs);
    uint64_t disk_size = 0;

    if (!nvram_storage_get_size(fs->inner, &disk_size, NULL)) {
        disk_size = 0;
    }
    for (guint i = 0; i < fs->pending->len; i++) {
        PendingWrite *pw = &g_array_index(fs->pending, PendingWrite, i);
        uint64_t first, end;

        if (!pw->len) {
            continue;
        }
        first = pw->offset / sector * sector;
        end = pw->offset + pw->len;
        if (!fs->config.per_sector) {
            FaultFate fate = fault_rand_below(&fs->rng, FAULT_FATE__MAX);

            switch (fate) {
            case FAULT_FATE_APPLY:
                disk_write(fs, pw->data, pw->len, pw->offset);
                fs->stats.applied++;
                break;
            case FAULT_FATE_DROP:
                fs->stats.dropped++;
                break;
            default:
                for (uint64_t s = first; s < end; s += sector) {
                    disk_garble_sector(fs, s, disk_size);
                }
                fs->stats.garbled++;
                break;
            }
            continue;
        }
        for (uint64_t s = first; s < end; s += sector) {
            FaultFate fate = fault_rand_below(&fs->rng, FAULT_FATE__MAX);
            uint64_t lo = MAX(s, pw->offset);
            uint64_t hi = MIN(s + sector, end);

            switch (fate) {
            case FAULT_FATE_APPLY:
                disk_write(fs, pw->data + (lo - pw->offset), hi - lo, lo);
                fs->stats.applied++;
                break;
            case FAULT_FATE_DROP:
                fs->stats.dropped++;
                break;
            default:
                disk_garble_sector(fs, s, disk_size);
                fs->stats.garbled++;
                break;
            }
        }
    }
    pending_clear(fs);
}

static void crash_locked(FaultStorage *fs)
{
    if (fs->stats.crashed) {
        return;
    }
    pending_resolve(fs);
    fs->stats.crashed = true;
}

static bool fail_crashed(FaultStorage *fs, const char *what, Error **errp)
{
    error_setg(errp, "%s: %s after a simulated crash (power lost)",
               fs->common.description, what);
    return false;
}

static bool fault_pread(NVRAMStorage *s, void *buf, size_t len,
                        uint64_t offset, Error **errp)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);
    uint64_t end;

    fs->stats.reads++;
    if (fs->stats.crashed) {
        return fail_crashed(fs, "read", errp);
    }
    if (fs->config.fail_read_at && fs->stats.reads == fs->config.fail_read_at) {
        fs->stats.faults++;
        error_setg(errp, "%s: injected I/O error on read #%" PRIu64
                   " (%zu bytes at offset %" PRIu64 ")", fs->common.description,
                   fs->stats.reads, len, offset);
        return false;
    }
    if (!nvram_storage_pread(fs->inner, buf, len, offset, errp)) {
        return false;
    }
    /* The cache holds the newest bytes: overlay the pending writes. */
    end = offset + len;
    for (guint i = 0; i < fs->pending->len; i++) {
        PendingWrite *pw = &g_array_index(fs->pending, PendingWrite, i);
        uint64_t lo = MAX(offset, pw->offset);
        uint64_t hi = MIN(end, pw->offset + pw->len);

        if (lo < hi) {
            memcpy((uint8_t *)buf + (lo - offset), pw->data + (lo - pw->offset),
                   hi - lo);
        }
    }
    return true;
}

static bool fault_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);
    uint64_t size;

    fs->stats.writes++;
    fs->stats.ops++;
    if (fs->stats.crashed) {
        return fail_crashed(fs, "write", errp);
    }
    if (!nvram_storage_get_size(fs->inner, &size, errp)) {
        return false;
    }
    if (offset > size || len > size - offset) {
        error_setg(errp, "%s: write of %zu bytes at offset %" PRIu64
                   " is past the end (%" PRIu64 " bytes)",
                   fs->common.description, len, offset, size);
        return false;
    }
    if (fs->config.crash_at_op && fs->stats.ops == fs->config.crash_at_op) {
        /* The write was in flight when the power went. */
        pending_add(fs, buf, len, offset);
        crash_locked(fs);
        return fail_crashed(fs, "write", errp);
    }
    if (fs->config.fail_write_at &&
        fs->stats.writes == fs->config.fail_write_at) {
        fs->stats.faults++;
        if (fs->config.failed_write_lands_randomly) {
            pending_add(fs, buf, len, offset);
        }
        error_setg(errp, "%s: injected I/O error on write #%" PRIu64
                   " (%zu bytes at offset %" PRIu64 ")", fs->common.description,
                   fs->stats.writes, len, offset);
        return false;
    }
    pending_add(fs, buf, len, offset);
    return true;
}

static bool fault_flush(NVRAMStorage *s, Error **errp)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);

    fs->stats.flushes++;
    fs->stats.ops++;
    if (fs->stats.crashed) {
        return fail_crashed(fs, "flush", errp);
    }
    if (fs->config.crash_at_op && fs->stats.ops == fs->config.crash_at_op) {
        crash_locked(fs);
        return fail_crashed(fs, "flush", errp);
    }
    if (fs->config.fail_flush_at &&
        fs->stats.flushes == fs->config.fail_flush_at) {
        /* As after a failed fdatasync: the unflushed writes may be anywhere. */
        fs->stats.faults++;
        pending_resolve(fs);
        error_setg(errp, "%s: injected I/O error on flush #%" PRIu64,
                   fs->common.description, fs->stats.flushes);
        return false;
    }
    if (fs->config.lying_flush) {
        return true;
    }
    for (guint i = 0; i < fs->pending->len; i++) {
        PendingWrite *pw = &g_array_index(fs->pending, PendingWrite, i);

        if (!nvram_storage_pwrite(fs->inner, pw->data, pw->len, pw->offset,
                                  errp)) {
            pending_clear(fs);
            return false;
        }
    }
    pending_clear(fs);
    return nvram_storage_flush(fs->inner, errp);
}

static bool fault_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);

    if (fs->stats.crashed) {
        return fail_crashed(fs, "size query", errp);
    }
    return nvram_storage_get_size(fs->inner, size, errp);
}

static bool fault_resize(NVRAMStorage *s, uint64_t size, Error **errp)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);

    if (fs->stats.crashed) {
        return fail_crashed(fs, "resize", errp);
    }
    return nvram_storage_resize(fs->inner, size, errp);
}

static void fault_close(NVRAMStorage *s)
{
    FaultStorage *fs = fault_of(s);

    /*
     * Closing without a crash is a clean shutdown: the operating system
     * still writes the cached data back.
     */
    if (!fs->stats.crashed) {
        for (guint i = 0; i < fs->pending->len; i++) {
            PendingWrite *pw = &g_array_index(fs->pending, PendingWrite, i);
            disk_write(fs, pw->data, pw->len, pw->offset);
        }
    }
    pending_clear(fs);
    g_array_free(fs->pending, true);
    if (fs->own_inner) {
        nvram_storage_close(fs->inner);
    }
    g_mutex_clear(&fs->lock);
    g_free(s->description);
    g_free(fs);
}

NVRAMStorage *fault_storage_new(NVRAMStorage *inner, bool own_inner,
                                const FaultConfig *config)
{
    FaultStorage *fs = g_new0(FaultStorage, 1);

    fs->ops = (NVRAMStorageOps) {
        .pread = fault_pread,
        .pwrite = fault_pwrite,
        .flush = fault_flush,
        .get_size = fault_get_size,
        .close = fault_close,
        .resize = inner->ops->resize ? fault_resize : NULL,
    };
    fs->common.ops = &fs->ops;
    fs->common.description = g_strdup_printf("fault layer over %s",
                                             inner->description);
    fs->inner = inner;
    fs->own_inner = own_inner;
    if (config) {
        fs->config = *config;
    }
    g_assert(fs->config.sector_size == 0 || fs->config.sector_size == 512 ||
             fs->config.sector_size == 4096);
    fs->rng = fault_seed_mix(fs->config.seed, 0x5EC7012u);
    g_mutex_init(&fs->lock);
    fs->pending = g_array_new(false, false, sizeof(PendingWrite));
    return &fs->common;
}

void fault_storage_crash(NVRAMStorage *s)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);

    crash_locked(fs);
}

FaultStats fault_storage_get_stats(NVRAMStorage *s)
{
    FaultStorage *fs = fault_of(s);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&fs->lock);

    return fs->stats;
}

NVRAMStorage *fault_storage_inner(NVRAMStorage *s)
{
    return fault_of(s)->inner;
}
