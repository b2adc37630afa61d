/*
 * Damaged images: every bit of a small image flipped in turn, random bytes
 * of a larger one overwritten, truncated and extended drives, headers
 * edited to point outside the image, overlap or count too many entries,
 * and foreign files. Opening and reading must never crash and never return
 * a value that was not written; a damaged copy is reported (with its
 * offset) while the other copy serves; header damage is a clean error of
 * its own class; `vnvram check` (when built) exits 1 on damage.
 *
 * The bit flips run over NBD too (the storage interface is the same): the
 * small image in a qcow2 file served by qemu-nbd on a Unix socket, each
 * flip written through the export and the image inspected, read and
 * opened through it. Over NBD (round trips instead of memory accesses):
 * the even bits (under sanitizers bits 0 and 4) of the bytes that carry
 * structure (the first 256 of each 4 KiB region) and of every 8th filler
 * byte, a 16th of the API opens (a 32nd under sanitizers), no vnvram
 * check runs.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvram/image.h"
#include "nvram/nvram.h"
#include "tests/fault-storage.h"
#include "tests/fault-workload.h"
#include "tests/nbd-server.h"
#include "tests/check-main.h"

#define WHO "test-nvram-corruption"

/* Where a flipped image lives (test_flip_every_bit's loop index). */
typedef enum FlipBackend {
    FLIP_MEMORY,        /* nvram_storage_new_memory() */
    FLIP_NBD_QCOW2,     /* qemu-nbd serving a qcow2 image, through libnbd */
} FlipBackend;

/*** A one-entry image whose two copies hold two known values ***/

#define SMALL_ENTRY "state"
#define SMALL_MAX 200

/* The value a blob entry writes, and what its last read found. */
typedef struct Blob {
    uint8_t *data;
    size_t len;
    uint8_t *read;
    size_t read_len;
} Blob;

static int blob_rw(enum NVRAMRWOp op, Visitor *v,
                   const NVRAMEntryName *entry_name, void *opaque,
                   Error **errp)
{
    Blob *b = opaque;

    switch (op) {
    case NVRAM_OP_FORMAT:
        return SMALL_MAX;
    case NVRAM_OP_WRITE:
        return visit_type_bytes(v, NULL, &b->data, &b->len, errp) ? 0 : -1;
    case NVRAM_OP_READ:
        g_free(b->read);
        b->read = NULL;
        return visit_type_bytes(v, NULL, &b->read, &b->read_len, errp) ? 0 : -1;
    }
    return -1;
}

/* The pristine small image and the two (generation, payload) pairs in it. */
typedef struct SmallImage {
    uint8_t *bytes;
    size_t size;
    uint8_t values[2][SMALL_MAX / 2];   /* value of generation 1 and 2 */
    size_t value_len[2];
    uint8_t *payload[2];                /* encoded value of generation 1, 2 */
    size_t payload_len[2];
    uint64_t copy_offset[2];            /* which copy holds generation 1, 2 */
} SmallImage;

static SmallImage small;

static NVRAMStorage *storage_from_bytes(const uint8_t *bytes, size_t size)
{
    NVRAMStorage *s = nvram_storage_new_memory(size);

    memcpy(nvram_storage_memory_data(s, NULL), bytes, size);
    return s;
}

static void small_image_build(void)
{
    NVRAMEntrySpec spec = { SMALL_ENTRY, SMALL_MAX };
    NVRAMEntryName name;
    NVRAMStorage *s;
    NVRAMImageInfo *info;
    NVRAM *nvram;
    uint64_t size, gen;
    Blob blob = { 0 };

    if (small.bytes) {
        return;
    }
    ck_assert_int_eq(nvram_measure(&spec, 1, &size, &error_abort), 0);
    s = nvram_storage_new_memory(size);
    ck_assert_int_eq(nvram_format_storage(s, &spec, 1, false, &error_abort), 0);
    nvram = nvram_setup_with_storage(s, NULL, &error_abort);
    nvram_entry_name_init(&name, SMALL_ENTRY, &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, blob_rw, &blob,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    for (int g = 0; g < 2; g++) {
        small.value_len[g] = 40 + 30 * g;
        for (size_t i = 0; i < small.value_len[g]; i++) {
            small.values[g][i] = (uint8_t)(0x5A ^ (i * 13) ^ (g * 0x81));
        }
        blob.data = small.values[g];
        blob.len = small.value_len[g];
        ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_image_read_entry(nvram_get_storage(nvram),
                                                SMALL_ENTRY, &small.payload[g],
                                                &small.payload_len[g], NULL,
                                                &gen, &error_abort), 0);
        ck_assert_uint_eq(gen, g + 1);
    }
    ck_assert_int_eq(nvram_image_inspect(nvram_get_storage(nvram), &info,
                                         &error_abort), 0);
    ck_assert_uint_eq(info->n_entries, 1);
    for (int c = 0; c < 2; c++) {
        ck_assert(info->entries[0].copies[c].valid);
        small.copy_offset[info->entries[0].copies[c].generation - 1] =
            info->entries[0].copies[c].offset;
    }
    nvram_image_info_free(info);
    small.bytes = g_memdup2(nvram_storage_memory_data(nvram_get_storage(nvram),
                                                      &small.size),
                            size);
    small.size = size;
    g_free(blob.read);
    ck_assert_int_eq(nvram_delete(nvram), 0);
}

/* The header errors an image may legitimately be refused with. */
static bool is_header_error(int ret)
{
    return ret == -NVRAM_ERR_UNFORMATTED || ret == -NVRAM_ERR_CORRUPT_HEADER ||
           ret == -NVRAM_ERR_UNSUPPORTED_VERSION ||
           ret == -NVRAM_ERR_TOO_SMALL || ret == -NVRAM_ERR_ENCRYPTED;
}

typedef struct FlipTotals {
    uint64_t flips;
    uint64_t header_refused;
    uint64_t copy_reported;
    uint64_t older_served;
    uint64_t rollbacks_reported;   /* reads that said NVRAM_READ_ROLLED_BACK */
    uint64_t false_alarms;         /* ... while serving the newest value */
    uint64_t harmless;
    uint64_t header_copy_lost;     /* one header copy damaged, image usable */
    uint64_t api_opens;
    uint64_t tool_runs;
} FlipTotals;

/*
 * Check the (possibly damaged) small image in @s with the library's
 * inspection and read functions. Returns the inspection's result: 0 with
 * *@damaged the number of copies reported damaged, or a header error.
 */
static int check_small_image(NVRAMStorage *s, const char *what,
                             unsigned *damaged, bool *header_damaged,
                             FlipTotals *t)
{
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    uint8_t *payload = NULL;
    size_t len = 0;
    uint64_t gen = 0;
    int ret, newest;

    *damaged = 0;
    ret = nvram_image_inspect(s, &info, &err);
    if (ret < 0) {
        ck_assert_msg(is_header_error(ret), "%s: inspect returned %s", what,
                      nvram_strerror(ret));
        ck_assert_msg(err && *error_get_pretty(err), "%s: no message", what);
        error_free(err);
        t->header_refused++;
        return ret;
    }
    ck_assert_uint_eq(info->n_entries, 1);
    /* a damaged header copy: the other one serves, and it is reported */
    *header_damaged = info->header_problem[0] || info->header_problem[1];
    t->header_copy_lost += *header_damaged;
    for (int c = 0; c < 2; c++) {
        NVRAMCopyInfo *ci = &info->entries[0].copies[c];

        if (!ci->valid) {
            (*damaged)++;
            ck_assert_msg(ci->problem && strstr(ci->problem, "offset"),
                          "%s: copy %d damaged without an offset in its "
                          "problem: %s", what, c, ci->problem);
        } else {
            ck_assert_msg(ci->generation == 1 || ci->generation == 2,
                          "%s: copy %d claims generation %" PRIu64, what, c,
                          ci->generation);
            ck_assert_msg(ci->offset == small.copy_offset[ci->generation - 1],
                          "%s: generation %" PRIu64 " found in the wrong copy",
                          what, ci->generation);
        }
    }
    /* One flip damages one copy at most: the entry stays readable. */
    ck_assert_msg(*damaged < 2, "%s: a single flip damaged both copies", what);
    newest = info->entries[0].newest;
    ck_assert_int_ge(newest, 0);
    ret = nvram_image_read_entry(s, SMALL_ENTRY, &payload, &len, NULL, &gen,
                                 &err);
    ck_assert_msg(ret == 0 || ret == NVRAM_READ_ROLLED_BACK,
                  "%s: read returned %s: %s", what,
                  nvram_strerror(ret), err ? error_get_pretty(err) : "");
    ck_assert_msg((ret == NVRAM_READ_ROLLED_BACK) ==
                  info->entries[0].rolled_back, "%s: read and inspection "
                  "disagree on a rollback", what);
    /* the older value is never served without saying so */
    ck_assert_msg(gen == 2 || ret == NVRAM_READ_ROLLED_BACK,
                  "%s: generation 1 served without a rollback report", what);
    if (ret == NVRAM_READ_ROLLED_BACK) {
        ck_assert_msg(err && strstr(error_get_pretty(err), "offset"),
                      "%s: rollback reported without an offset", what);
        error_free(err);
        err = NULL;
        t->rollbacks_reported++;
        if (gen == 2) {
            t->false_alarms++;
        }
    }
    ck_assert_msg(gen == 1 || gen == 2, "%s: read generation %" PRIu64, what,
                  gen);
    ck_assert_uint_eq(gen, info->entries[0].copies[newest].generation);
    ck_assert_msg(len == small.payload_len[gen - 1] &&
                  memcmp(payload, small.payload[gen - 1], len) == 0,
                  "%s: generation %" PRIu64 " read back different bytes",
                  what, gen);
    if (*damaged) {
        t->copy_reported++;
        if (gen == 1) {
            t->older_served++;
        }
    } else {
        ck_assert_uint_eq(gen, 2);
        t->harmless++;
    }
    g_free(payload);
    nvram_image_info_free(info);
    return 0;
}

/*
 * The device's view: open @s (which the NVRAM owns) through the NVRAM API
 * and read the entry.
 */
static void check_small_via_api(NVRAMStorage *s, int inspect_ret,
                                const char *what)
{
    NVRAM *nvram = nvram_setup_with_storage(s, NULL, &error_abort);
    NVRAMEntryName name;
    Blob blob = { 0 };
    Error *err = NULL;
    int ret;

    nvram_entry_name_init(&name, SMALL_ENTRY, &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, blob_rw, &blob,
                                          &error_abort), 0);
    ret = nvram_start(nvram, true, &err);
    if (inspect_ret < 0) {
        ck_assert_msg(ret < 0 && is_header_error(ret), "%s: start returned %s"
                      " where inspection found %s", what, nvram_strerror(ret),
                      nvram_strerror(inspect_ret));
        error_free(err);
        nvram_delete(nvram);
        return;
    }
    if (ret == -NVRAM_ERR_ENCRYPTED) {
        /* A flip of the flags' encryption bit: refused, as documented. */
        error_free(err);
        nvram_delete(nvram);
        return;
    }
    ck_assert_msg(ret == 0, "%s: start failed: %s", what,
                  err ? error_get_pretty(err) : "");
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_msg(ret == 0 || ret == NVRAM_READ_ROLLED_BACK,
                  "%s: read failed: %s", what,
                  err ? error_get_pretty(err) : "");
    ck_assert_msg(ret == NVRAM_READ_ROLLED_BACK ||
                  (blob.read_len == small.value_len[1] &&
                   memcmp(blob.read, small.values[1], blob.read_len) == 0),
                  "%s: the older value served without a rollback", what);
    ck_assert_msg((blob.read_len == small.value_len[1] &&
                   memcmp(blob.read, small.values[1], blob.read_len) == 0) ||
                  (blob.read_len == small.value_len[0] &&
                   memcmp(blob.read, small.values[0], blob.read_len) == 0),
                  "%s: the device read a value never written", what);
    g_free(blob.read);
    nvram_delete(nvram);
}

/* The vnvram tool, if it was built: its path, else NULL. */
static char *vnvram_tool(void)
{
    const char *top = g_getenv("top_builddir");
    char *path = g_build_filename(top ? top : ".", "tools", "vnvram", NULL);

    if (!g_file_test(path, G_FILE_TEST_IS_EXECUTABLE)) {
        g_free(path);
        return NULL;
    }
    return path;
}

/* Run `vnvram check` on @bytes; returns its exit status. */
static int run_vnvram_check(const char *tool, const uint8_t *bytes,
                            size_t size)
{
    g_autofree char *dir = g_dir_make_tmp("nvram-corrupt-XXXXXX", NULL);
    g_autofree char *img = g_build_filename(dir, "image", NULL);
    char *argv[] = { (char *)tool, (char *)"check", img, NULL };
    g_autofree char *out = NULL, *errout = NULL;
    GError *gerr = NULL;
    int status;

    ck_assert_ptr_nonnull(dir);
    ck_assert(g_file_set_contents(img, (const char *)bytes, size, NULL));
    ck_assert_msg(g_spawn_sync(NULL, argv, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, &errout, &status, &gerr),
                  "spawn %s: %s", tool, gerr ? gerr->message : "");
    unlink(img);
    rmdir(dir);
    ck_assert_msg(WIFEXITED(status), "vnvram check died");
    return WEXITSTATUS(status);
}

/* Whether the flip of @bit is also checked through the (slower) NVRAM API. */
static bool flip_is_sampled(uint64_t bit)
{
    uint64_t byte = bit / 8;

    /*
     * Metadata at the start of each 4 KiB region, and a stride elsewhere;
     * under sanitizers (where starting a worker thread is slow) a quarter.
     */
    if (fault_under_sanitizer() && fault_test_scale() == 1 && bit % 4) {
        return false;
    }
    return byte % 4096 < 160 || bit % 61 == 0;
}

/*
 * Flip bit @bit of @bytes, the image in @s: in memory @bytes is @s's data,
 * over NBD the byte is written through the export.
 */
static void flip_bit(NVRAMStorage *s, FlipBackend backend, uint8_t *bytes,
                     uint64_t bit)
{
    bytes[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    if (backend == FLIP_NBD_QCOW2) {
        ck_assert(nvram_storage_pwrite(s, &bytes[bit / 8], 1, bit / 8,
                                       &error_abort));
    }
}

/* Loop test: _i is the FlipBackend. */
START_TEST(test_flip_every_bit)
{
    FlipBackend backend = (FlipBackend)_i;
    bool nbd = backend == FLIP_NBD_QCOW2;
    gint64 t0 = g_get_monotonic_time();
    FlipTotals t = { 0 };
    NVRAMStorage *s;
    NBDServer *srv = NULL;
    uint8_t *bytes;
    g_autofree uint8_t *copy = NULL;
    g_autofree char *tool = nbd ? NULL : vnvram_tool();
    uint64_t tool_stride = fault_under_sanitizer() ? 4999 : 997;
    bool subset = nbd || (fault_under_sanitizer() && fault_test_scale() == 1);
    /* over NBD, an API open costs two connections and a rewrite */
    uint64_t api_stride = fault_under_sanitizer() ? 32 : 16;

    small_image_build();
    if (nbd) {
        srv = nbd_server_new_qemu_nbd(WHO, "qcow2");
        if (!srv) {
            return;
        }
        nbd_server_start(srv);
        s = nvram_storage_open_nbd(srv->uri, false, &error_abort);
        ck_assert(nvram_storage_pwrite(s, small.bytes, small.size, 0,
                                       &error_abort));
        bytes = copy = g_memdup2(small.bytes, small.size);
    } else {
        s = storage_from_bytes(small.bytes, small.size);
        bytes = nvram_storage_memory_data(s, NULL);
    }
    if (tool) {
        ck_assert_int_eq(run_vnvram_check(tool, bytes, small.size), 0);
    } else if (!nbd) {
        printf("vnvram tool not built: checking nvram_image_inspect() only\n");
    }
    for (uint64_t bit = 0; bit < (uint64_t)small.size * 8; bit++) {
        char what[64];
        unsigned damaged;
        bool header_damaged = false;
        int ret;

        /*
         * Under sanitizers (8 times slower) and over NBD, every bit of the
         * bytes that carry structure (the first 256 of each 4 KiB region:
         * header body, copy metadata and values) and every 8th byte of the
         * filler.
         */
        if (subset && (bit / 8) % 4096 >= 256 && (bit / 8) % 8 != 0) {
            continue;
        }
        /* over NBD: the even bits (under sanitizers bits 0 and 4) */
        if (nbd && bit % (fault_under_sanitizer() &&
                          fault_test_scale() == 1 ? 4 : 2) != 0) {
            continue;
        }

        snprintf(what, sizeof(what), "bit %" PRIu64 " (byte %" PRIu64 ")%s",
                 bit, bit / 8, nbd ? " over NBD" : "");
        flip_bit(s, backend, bytes, bit);
        ret = check_small_image(s, what, &damaged, &header_damaged, &t);
        if (flip_is_sampled(bit) && (!nbd || bit % api_stride == 0)) {
            if (nbd) {
                /*
                 * qemu-nbd serves one client: the NVRAM connects on its own,
                 * and the image is written again afterwards (opening it may
                 * have repaired it).
                 */
                nvram_storage_close(s);
                check_small_via_api(nvram_storage_open_nbd(srv->uri, false,
                                                           &error_abort),
                                    ret, what);
                s = nvram_storage_open_nbd(srv->uri, false, &error_abort);
                ck_assert(nvram_storage_pwrite(s, bytes, small.size, 0,
                                               &error_abort));
            } else {
                check_small_via_api(storage_from_bytes(bytes, small.size),
                                    ret, what);
            }
            t.api_opens++;
        }
        if (tool && (bit % tool_stride == 0 || (damaged && t.tool_runs < 48 &&
                                                bit % 7 == 0))) {
            int status = run_vnvram_check(tool, bytes, small.size);
            int expect = ret < 0 ? 2 : damaged || header_damaged ? 1 : 0;

            ck_assert_msg(status == expect || (ret < 0 && status != 0),
                          "%s: vnvram check exited %d, expected %d", what,
                          status, expect);
            t.tool_runs++;
        }
        flip_bit(s, backend, bytes, bit);
        t.flips++;
    }
    nvram_storage_close(s);
    if (srv) {
        nbd_server_free(srv);
    }
    printf("bit flips%s: %" PRIu64 " tried on a %zu-byte image, 0 wrong "
           "values; "
           "%" PRIu64 " refused the header cleanly, %" PRIu64 " lost one "
           "header copy (served from the other), %" PRIu64 " reported a "
           "damaged copy (%" PRIu64 " served the older copy), %" PRIu64
           " harmless (filler); %" PRIu64 " rollbacks reported (%" PRIu64
           " of them while serving the newest value); %" PRIu64 " also opened "
           "through the NVRAM API, %" PRIu64 " checked with vnvram check "
           "(%.1f s)\n", nbd ? " over NBD (qcow2 behind qemu-nbd)" : "",
           t.flips,
           small.size, t.header_refused, t.header_copy_lost, t.copy_reported,
           t.older_served,
           t.harmless, t.rollbacks_reported, t.false_alarms, t.api_opens,
           t.tool_runs,
           (g_get_monotonic_time() - t0) / 1e6);
    fflush(stdout);
    ck_assert_uint_gt(t.copy_reported, 0);
    /* format 2: one flip costs at most one header copy, never the image */
    ck_assert_uint_eq(t.header_refused, 0);
    ck_assert_uint_gt(t.header_copy_lost, 0);
}
END_TEST

/*
 * An encrypted image: every bit of its structure flipped in turn (and every
 * 8th byte of filler) is read with the right key: a damaged copy is never
 * served (the AES-GCM tag fails), the other copy is, and damage is never
 * mistaken for a wrong key; a wrong key is reported as such, never as
 * damage.
 */
START_TEST(test_flip_encrypted)
{
    static const uint8_t key[NVRAM_KEY_SIZE] = "fedcba9876543210fedcba987654321";
    static const uint8_t wrong[NVRAM_KEY_SIZE] = "fedcba9876543210fedcba987654320";
    NVRAMEntrySpec spec = { SMALL_ENTRY, SMALL_MAX };
    NVRAMOptions opts = { .key = key, .key_len = NVRAM_KEY_SIZE };
    uint8_t values[2][64], *payloads[2], *bytes;
    size_t payload_lens[2], size;
    uint64_t size64, gen, flips = 0, served_other = 0, refused = 0;
    NVRAMEntryName name;
    NVRAMStorage *s;
    NVRAM *nvram;
    Blob blob = { 0 };
    Error *err = NULL;
    int ret;

    if (!nvram_encryption_available()) {
        printf("encryption not built (no nettle): encrypted flips skipped\n");
        return;
    }
    ck_assert_int_eq(nvram_measure(&spec, 1, &size64, &error_abort), 0);
    s = nvram_storage_new_memory(size64);
    ck_assert_int_eq(nvram_format_storage_with_key(s, &spec, 1, key,
                                                   NVRAM_KEY_SIZE, false,
                                                   &error_abort), 0);
    nvram = nvram_setup_with_storage(s, &opts, &error_abort);
    nvram_entry_name_init(&name, SMALL_ENTRY, &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, blob_rw, &blob,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    for (int g = 0; g < 2; g++) {
        memset(values[g], 0x30 + g, sizeof(values[g]));
        blob.data = values[g];
        blob.len = sizeof(values[g]) - 10 * g;
        ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_image_read_entry_with_key(
                             nvram_get_storage(nvram), SMALL_ENTRY, key,
                             NVRAM_KEY_SIZE, &payloads[g], &payload_lens[g],
                             NULL, &gen, &error_abort), 0);
        ck_assert_uint_eq(gen, g + 1);
    }
    bytes = g_memdup2(nvram_storage_memory_data(nvram_get_storage(nvram),
                                                &size), size64);
    g_free(blob.read);
    ck_assert_int_eq(nvram_delete(nvram), 0);

    s = storage_from_bytes(bytes, size);
    {
        uint8_t *p = NULL;
        size_t n = 0;

        ret = nvram_image_read_entry_with_key(s, SMALL_ENTRY, wrong,
                                              NVRAM_KEY_SIZE, &p, &n, NULL,
                                              NULL, &err);
        ck_assert_msg(ret == -NVRAM_ERR_WRONG_KEY, "wrong key: %s",
                      nvram_strerror(ret));
        g_free(p);
        error_free(err);
        err = NULL;
    }
    for (uint64_t bit = 0; bit < (uint64_t)size * 8; bit++) {
        uint8_t *b = nvram_storage_memory_data(s, NULL);
        uint8_t *payload = NULL;
        size_t len = 0;

        if ((bit / 8) % 4096 >= 256 && (bit / 8) % 8 != 0) {
            continue;
        }
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        ret = nvram_image_read_entry_with_key(s, SMALL_ENTRY, key,
                                              NVRAM_KEY_SIZE, &payload, &len,
                                              NULL, &gen, &err);
        if (ret == 0 || ret == NVRAM_READ_ROLLED_BACK) {
            ck_assert_msg(gen == 2 || ret == NVRAM_READ_ROLLED_BACK,
                          "bit %" PRIu64 ": generation 1 served without a "
                          "rollback report", bit);
            ck_assert_msg((gen == 1 || gen == 2) &&
                          len == payload_lens[gen - 1] &&
                          memcmp(payload, payloads[gen - 1], len) == 0,
                          "bit %" PRIu64 ": a value never written was "
                          "served (generation %" PRIu64 ")", bit, gen);
            served_other += gen == 1;
        } else {
            ck_assert_msg(is_header_error(ret) && ret != -NVRAM_ERR_ENCRYPTED,
                          "bit %" PRIu64 ": %s: %s", bit, nvram_strerror(ret),
                          err ? error_get_pretty(err) : "");
            refused++;
        }
        error_free(err);
        err = NULL;
        g_free(payload);
        b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        flips++;
    }
    printf("encrypted bit flips: %" PRIu64 " tried, 0 wrong values, 0 taken "
           "for a wrong key; %" PRIu64 " served the other copy, %" PRIu64
           " refused the header cleanly\n", flips, served_other, refused);
    fflush(stdout);
    ck_assert_uint_gt(served_other, 0);
    g_free(payloads[0]);
    g_free(payloads[1]);
    g_free(bytes);
    nvram_storage_close(s);
}
END_TEST

/*** Random damage to a larger image (the workload's three entries) ***/

START_TEST(test_random_bytes_large_image)
{
    unsigned scale = fault_test_scale();
    NVRAMStorage *base = workload_new_image();
    uint64_t rng = 0xB17E5u, trials = 0, refused = 0, corrupt_entries = 0;
    uint64_t reads_ok = 0, rollbacks = 0;
    uint64_t valid[WORKLOAD_N_ENTRIES][2];
    size_t size;
    uint8_t *pristine;
    Workload w;
    NVRAM *nvram;

    /* Two values per entry, one in each copy. */
    workload_init(&w, 5, 1);
    nvram = nvram_setup_with_storage(fault_storage_new(base, false, NULL),
                                     NULL, &error_abort);
    ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    for (int round = 0; round < 2; round++) {
        for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
            WorkloadEntry *e = &w.entries[i];

            e->to_write = w.next_seq++;
            valid[i][round] = e->to_write;
            ck_assert_int_eq(nvram_write_data(nvram, &e->name, 0, NULL, NULL,
                                              &error_abort), 0);
        }
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    pristine = nvram_storage_memory_data(base, &size);

    for (unsigned i = 0; i < 400 * scale; i++) {
        g_autofree uint8_t *bytes = g_memdup2(pristine, size);
        unsigned n = 1 + fault_rand_below(&rng, 16);
        NVRAMStorage *s;
        Error *err = NULL;
        int ret;

        for (unsigned k = 0; k < n; k++) {
            uint64_t at = fault_rand_below(&rng, size);
            if (fault_rand_below(&rng, 4) == 0) {
                /* Concentrate some damage on the header and copy starts. */
                at = at / 4096 * 4096 + fault_rand_below(&rng, 128);
            }
            bytes[at] = (uint8_t)fault_rand_next(&rng);
        }
        s = storage_from_bytes(bytes, size);
        nvram = nvram_setup_with_storage(s, NULL, &error_abort);
        ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
        ret = nvram_start(nvram, true, &err);
        trials++;
        if (ret < 0) {
            ck_assert_msg(is_header_error(ret), "trial %u: start returned %s",
                          i, nvram_strerror(ret));
            error_free(err);
            refused++;
            nvram_delete(nvram);
            continue;
        }
        for (unsigned e = 0; e < WORKLOAD_N_ENTRIES; e++) {
            WorkloadEntry *we = &w.entries[e];

            we->read_done = false;
            ret = nvram_read_data(nvram, &we->name, 0, NULL, NULL, &err);
            ck_assert_msg(w.bad_value == NULL, "trial %u: %s", i, w.bad_value);
            if (ret == -NVRAM_ERR_ENTRY_CORRUPT) {
                corrupt_entries++;
                error_free(err);
                err = NULL;
                continue;
            }
            ck_assert_msg(ret == 0 || ret == NVRAM_READ_ROLLED_BACK,
                          "trial %u: entry %s: %s", i,
                          we->name.name, err ? error_get_pretty(err) : "");
            ck_assert_msg(we->read_seq == valid[e][1] ||
                          (we->read_seq == valid[e][0] &&
                           ret == NVRAM_READ_ROLLED_BACK),
                          "trial %u: entry %s read seq %" PRIu64 " (%s)", i,
                          we->name.name, we->read_seq,
                          ret ? "rollback reported" : "no rollback reported");
            rollbacks += ret == NVRAM_READ_ROLLED_BACK;
            reads_ok++;
        }
        nvram_delete(nvram);
    }
    printf("random damage: %" PRIu64 " images of %zu bytes, 0 wrong values; "
           "%" PRIu64 " refused cleanly, %" PRIu64 " entries reported corrupt "
           "(both copies hit), %" PRIu64 " entries read a true value (%"
           PRIu64 " with a rollback reported)\n",
           trials, size, refused, corrupt_entries, reads_ok, rollbacks);
    fflush(stdout);
    workload_cleanup(&w);
    nvram_storage_close(base);
}
END_TEST

/*** Truncated, extended, foreign ***/

/* Open @bytes through the NVRAM API; returns nvram_start()'s result. */
static int start_on(const uint8_t *bytes, size_t size, char **msg)
{
    NVRAMStorage *s = storage_from_bytes(bytes, size);
    NVRAM *nvram = nvram_setup_with_storage(s, NULL, &error_abort);
    NVRAMEntryName name;
    Blob blob = { 0 };
    Error *err = NULL;
    int ret;

    nvram_entry_name_init(&name, SMALL_ENTRY, &error_abort);
    nvram_register_entry(nvram, &name, blob_rw, &blob, &error_abort);
    ret = nvram_start(nvram, true, &err);
    /* Opening never writes: the drive is as it was. */
    ck_assert(memcmp(nvram_storage_memory_data(s, NULL), bytes, size) == 0);
    if (msg) {
        *msg = g_strdup(err ? error_get_pretty(err) : "");
    }
    ck_assert_msg(ret == 0 || (err && *error_get_pretty(err)),
                  "error %s without a message", nvram_strerror(ret));
    error_free(err);
    if (ret == 0) {
        ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                         &error_abort), 0);
        ck_assert_uint_eq(blob.read_len, small.value_len[1]);
    }
    g_free(blob.read);
    nvram_delete(nvram);
    return ret;
}

START_TEST(test_truncated_images)
{
    uint64_t n = 0;
    char *msg;
    int ret;

    small_image_build();
    ck_assert_int_eq(start_on(small.bytes, 0, NULL), -NVRAM_ERR_UNFORMATTED);
    for (size_t len = 1; len < small.size; len += (len < 200 ? 1 : 97)) {
        ret = start_on(small.bytes, len, &msg);
        if (len >= 64) {
            /*
             * The header is recognized: the error says how much is
             * missing (the header copy's end, or once that fits, the
             * image's: read-write, a truncated image is refused;
             * tests/test-nvram-truncated reads one read-only).
             */
            g_autofree char *need = g_strdup_printf(
                "%zu", len >= 4096 ? small.size : (size_t)4096);

            ck_assert_msg(ret == -NVRAM_ERR_TOO_SMALL, "truncated to %zu: %s"
                          " (%s)", len, nvram_strerror(ret), msg);
            ck_assert_msg(strstr(msg, need), "truncated to %zu: '%s' does not"
                          " say %s bytes are needed", len, msg, need);
        } else {
            ck_assert_msg(ret == -NVRAM_ERR_TOO_SMALL ||
                          ret == -NVRAM_ERR_CORRUPT_HEADER,
                          "truncated to %zu: %s (%s)", len,
                          nvram_strerror(ret), msg);
        }
        g_free(msg);
        n++;
    }
    /* A grown drive is fine: the image keeps its size. */
    {
        g_autofree uint8_t *big = g_malloc0(small.size + 12345);

        memcpy(big, small.bytes, small.size);
        ck_assert_int_eq(start_on(big, small.size + 12345, NULL), 0);
    }
    printf("truncation: %" PRIu64 " truncated images refused cleanly\n", n);
}
END_TEST

START_TEST(test_foreign_files)
{
    static const struct {
        const char *what;
        const char *bytes;
        size_t len;
        int expect;
    } cases[] = {
        { "text", "hello, world\n", 13, -NVRAM_ERR_CORRUPT_HEADER },
        { "swtpm linear image", "swtpmlin\x01\x00\x00\x00", 12,
          -NVRAM_ERR_CORRUPT_HEADER },
        { "qcow2", "QFI\xfb\x00\x00\x00\x03", 8, -NVRAM_ERR_CORRUPT_HEADER },
        { "ELF", "\x7f" "ELF\x02\x01\x01", 7, -NVRAM_ERR_CORRUPT_HEADER },
        { "another DER SEQUENCE", "\x30\x03\x02\x01\x05", 5,
          -NVRAM_ERR_CORRUPT_HEADER },
        { "nested SEQUENCEs, other magic",
          "\x30\x80\x30\x80\x30\x0c\x0c\x0aqemu-nvrax", 18,
          -NVRAM_ERR_CORRUPT_HEADER },
        { "magic with lengths past the drive",
          "\x30\x84\x7f\xff\xff\xff\x30\x84\x7f\xff\xff\xf0\x30\x0c\x0c\x0a"
          "qemu-nvram", 26, -NVRAM_ERR_CORRUPT_HEADER },
        /* a length past the drive alone is not damage: the body is */
        { "magic with a 2^62-byte image",
          "\x30\x88\x40\x00\x00\x00\x00\x00\x00\x00\x30\x82\x10\x00\x30\x0c"
          "\x0c\x0aqemu-nvram", 28, -NVRAM_ERR_CORRUPT_HEADER },
    };
    uint64_t rng = 0xF0E1u;

    small_image_build();
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree uint8_t *img = g_malloc0(small.size);
        char *msg;
        int ret;

        /* Pad with non-zero bytes so that no case looks blank. */
        memset(img, 0x20, small.size);
        memcpy(img, cases[i].bytes, cases[i].len);
        ret = start_on(img, small.size, &msg);
        ck_assert_msg(ret == cases[i].expect, "%s: %s (%s), expected %s",
                      cases[i].what, nvram_strerror(ret), msg,
                      nvram_strerror(cases[i].expect));
        g_free(msg);
    }
    {
        g_autofree uint8_t *img = g_malloc(small.size);

        memset(img, 0, small.size);
        ck_assert_int_eq(start_on(img, small.size, NULL),
                         -NVRAM_ERR_UNFORMATTED);
        memset(img, 0xff, small.size);
        ck_assert_int_eq(start_on(img, small.size, NULL),
                         -NVRAM_ERR_UNFORMATTED);
        for (int k = 0; k < 200; k++) {
            for (size_t j = 0; j < small.size; j++) {
                img[j] = (uint8_t)fault_rand_next(&rng);
            }
            ck_assert_int_eq(start_on(img, small.size, NULL),
                             -NVRAM_ERR_CORRUPT_HEADER);
        }
    }
}
END_TEST

/*** Edited headers (written with a valid check value) ***/

/*
 * A layout for @n entries "e0".."e{n-1}" (with @long_names:
 * "entry-00000000"...) of one 4 KiB copy each.
 */
static NVRAMLayout *layout_for_names(size_t n, bool long_names)
{
    NVRAMEntrySpec *specs = g_new0(NVRAMEntrySpec, n);
    char **names = g_new0(char *, n + 1);
    NVRAMLayout *layout = NULL;

    for (size_t i = 0; i < n; i++) {
        names[i] = long_names ? g_strdup_printf("entry-%08zu", i) :
                                g_strdup_printf("e%zu", i);
        specs[i].name = names[i];
        specs[i].max_size = 64;
    }
    ck_assert_int_eq(nvram_layout_compute(specs, n, 0, &layout, &error_abort),
                     0);
    g_strfreev(names);
    g_free(specs);
    return layout;
}

/* A layout for @n entries "e0".."e{n-1}". */
static NVRAMLayout *layout_for(size_t n)
{
    return layout_for_names(n, false);
}

/*
 * A storage that drops the writes falling outside its memory drive, so
 * that the header of an edited layout whose copies lie outside the drive
 * is still written.
 */
typedef struct ClipStorage {
    NVRAMStorage common;
    NVRAMStorage *inner;
} ClipStorage;

static bool clip_pread(NVRAMStorage *s, void *buf, size_t len, uint64_t off,
                       Error **errp)
{
    return nvram_storage_pread(((ClipStorage *)s)->inner, buf, len, off, errp);
}

static bool clip_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                        uint64_t off, Error **errp)
{
    NVRAMStorage *inner = ((ClipStorage *)s)->inner;
    uint64_t size;

    nvram_storage_get_size(inner, &size, &error_abort);
    if (off > size || len > size - off) {
        return true;
    }
    return nvram_storage_pwrite(inner, buf, len, off, errp);
}

static bool clip_flush(NVRAMStorage *s, Error **errp)
{
    return true;
}

static bool clip_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    return nvram_storage_get_size(((ClipStorage *)s)->inner, size, errp);
}

static void clip_close(NVRAMStorage *s)
{
    g_free(s);
}

static const NVRAMStorageOps clip_ops = {
    .pread = clip_pread,
    .pwrite = clip_pwrite,
    .flush = clip_flush,
    .get_size = clip_get_size,
    .close = clip_close,
};

/*
 * Write @layout (possibly edited) to a drive of @drive_size bytes and open
 * it: returns nvram_image_inspect()'s result and its message in @msg.
 */
static int open_edited(const NVRAMLayout *layout, uint64_t drive_size,
                       char **msg)
{
    NVRAMStorage *s = nvram_storage_new_memory(drive_size);
    ClipStorage *clip = g_new0(ClipStorage, 1);
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int ret;

    clip->common.ops = &clip_ops;
    clip->common.description = (char *)"clip storage";
    clip->inner = s;
    ck_assert_int_eq(nvram_layout_write(&clip->common, layout, &error_abort),
                     0);
    nvram_storage_close(&clip->common);
    ret = nvram_image_inspect(s, &info, &err);
    *msg = g_strdup(err ? error_get_pretty(err) : "");
    error_free(err);
    nvram_image_info_free(info);
    nvram_storage_close(s);
    /* The header was recognized: the error is about its contents. */
    ck_assert_msg(!strstr(*msg, "not an NVRAM image"), "edit not seen: %s",
                  *msg);
    return ret;
}

/* Open the edited @l and check it is refused with @code (and @needle). */
static void expect_refused(NVRAMLayout *l, uint64_t drive_size, int code,
                           const char *needle, const char *what)
{
    char *msg;
    int ret = open_edited(l, drive_size, &msg);

    ck_assert_msg(ret == code && (!needle || strstr(msg, needle)),
                  "%s: %s (%s), expected %s", what, nvram_strerror(ret), msg,
                  nvram_strerror(code));
    printf("  %s: %s\n", what, msg);
    g_free(msg);
}

START_TEST(test_edited_headers)
{
    gint64 t0 = g_get_monotonic_time();
    NVRAMLayout *l;
    char *msg;

    /* The unedited layout opens: the edits below are what breaks it. */
    l = layout_for(3);
    ck_assert_int_eq(open_edited(l, l->image_size, &msg), 0);
    g_free(msg);

    l->entries[1].offset = l->image_size + 8192;
    expect_refused(l, l->image_size + 65536, -NVRAM_ERR_CORRUPT_HEADER,
                   "geometry", "offset outside the image");
    nvram_layout_free(l);

    l = layout_for(3);
    l->entries[2].offset = l->entries[1].offset;
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "overlaps",
                   "overlapping entries");
    nvram_layout_free(l);

    l = layout_for(3);
    l->entries[0].copy_size = UINT64_MAX / 2 + 1;
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "geometry",
                   "copy size 2^63");
    nvram_layout_free(l);

    l = layout_for(3);
    l->entries[2].offset = UINT64_MAX - 4096;
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "geometry",
                   "offset + length wraps");
    nvram_layout_free(l);

    /* a header claiming more than the drive: a truncated image, read-only */
    l = layout_for(3);
    l->image_size += 1u << 20;
    ck_assert_int_eq(open_edited(l, l->image_size - (1u << 20), &msg), 0);
    g_free(msg);
    nvram_layout_free(l);

    l = layout_for(3);
    strcpy(l->entries[2].name.name, l->entries[0].name.name);
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "duplicate",
                   "duplicate names");
    nvram_layout_free(l);

    l = layout_for(3);
    l->entries[1].id = l->entries[0].id;
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "duplicate",
                   "duplicate ids");
    nvram_layout_free(l);

    l = layout_for(3);
    l->version = NVRAM_FORMAT_VERSION + 1;
    expect_refused(l, l->image_size, -NVRAM_ERR_UNSUPPORTED_VERSION, NULL,
                   "version");
    l->version = NVRAM_FORMAT_VERSION;
    l->flags = 0x80;
    expect_refused(l, l->image_size, -NVRAM_ERR_UNSUPPORTED_VERSION, NULL,
                   "unknown flags");
    nvram_layout_free(l);

    /*
     * More entries than the format allows: lay out the most it takes with
     * long names, shorten the names to make room for one more.
     */
    l = layout_for_names(NVRAM_MAX_ENTRIES, true);
    l->entries = g_renew(NVRAMLayoutEntry, l->entries, l->n_entries + 1);
    {
        NVRAMLayoutEntry *last = &l->entries[l->n_entries];

        *last = l->entries[l->n_entries - 1];
        last->offset += 2 * last->copy_size;
        last->id++;
        l->n_entries++;
        l->image_size += 2 * last->copy_size;
        for (size_t i = 0; i < l->n_entries; i++) {
            g_snprintf(l->entries[i].name.name, sizeof(l->entries[i].name.name),
                       "e%zu", i);
        }
    }
    expect_refused(l, l->image_size, -NVRAM_ERR_CORRUPT_HEADER, "entries",
                   "4097 entries");
    nvram_layout_free(l);
    printf("edited headers: 10 edits refused with their own errors (%.1f s)\n",
           (g_get_monotonic_time() - t0) / 1e6);
    fflush(stdout);
}
END_TEST

/* A copy whose length fields are edited: reported, the other copy serves. */
START_TEST(test_edited_copy_lengths)
{
    static const uint8_t edits[][9] = {
        { 0x88, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
        { 0x84, 0xff, 0xff, 0xff, 0xff },
        { 0x80 },
        { 0x89 },
        { 0x00 },
    };
    FlipTotals t = { 0 };

    small_image_build();
    for (size_t i = 0; i < G_N_ELEMENTS(edits); i++) {
        for (int copy = 0; copy < 2; copy++) {
            NVRAMStorage *s = storage_from_bytes(small.bytes, small.size);
            uint8_t *b = nvram_storage_memory_data(s, NULL);
            uint64_t at = small.copy_offset[copy] + 1;
            unsigned damaged;
            char what[64];

            /* The copy SEQUENCE's length, then the metadata SEQUENCE's. */
            for (int field = 0; field < 2; field++) {
                memcpy(b, small.bytes, small.size);
                if (field == 1) {
                    at = small.copy_offset[copy] + 1 +
                         (b[small.copy_offset[copy] + 1] & 0x80 ?
                          1 + (b[small.copy_offset[copy] + 1] & 0x7f) : 1) + 1;
                }
                memcpy(b + at, edits[i], edits[i][0] & 0x80 ?
                       1 + (edits[i][0] & 0x7f) : 1);
                snprintf(what, sizeof(what), "edit %zu of copy %d field %d", i,
                         copy, field);
                bool header_damaged;

                ck_assert_int_eq(check_small_image(s, what, &damaged,
                                                   &header_damaged, &t), 0);
                ck_assert_msg(damaged == 1, "%s: not reported", what);
            }
            nvram_storage_close(s);
        }
    }
}
END_TEST

static Suite *corruption_suite(void)
{
    Suite *s = suite_create("nvram-corruption");
    TCase *tc = tcase_create("corruption");

    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_foreign_files);
    tcase_add_test(tc, test_truncated_images);
    tcase_add_test(tc, test_edited_headers);
    tcase_add_test(tc, test_edited_copy_lengths);
    tcase_add_loop_test(tc, test_flip_every_bit, FLIP_MEMORY,
                        FLIP_NBD_QCOW2 + 1);
    tcase_add_test(tc, test_flip_encrypted);
    tcase_add_test(tc, test_random_bytes_large_image);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(corruption_suite());
}
