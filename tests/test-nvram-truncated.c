/*
 * tests/test-nvram-truncated.c: a truncated image (format 1 and 2), cut
 * at every 512-byte boundary and a few odd sizes. Once a header copy fits,
 * the image opens read-only for what fits: an entry whose copies lie
 * within the drive reads its value, a copy beyond the end is reported
 * with its offset and the bytes the image needs (a possibly lost newer
 * commit as a rollback), and an entry with no copy left reads as corrupt,
 * saying why. Every write (a commit, an import, a repair, add, resize,
 * upgrade, a read-write start) is refused with NVRAM_ERR_TOO_SMALL and
 * leaves the drive as it was.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "nvram/format.h"
#include "nvram/image.h"
#include "nvram/nvram.h"
#include "test-nvram-common.h"
#include "tests/check-main.h"

#define N_ENTRIES 3

static const char *const names[N_ENTRIES] = {
    "permall", "volatilestate", "savestate",
};
static const uint32_t slot_sizes[N_ENTRIES] = { 9000, 1500, 700 };
static const size_t blob_lens[N_ENTRIES] = { 5000, 900, 300 };

/* An image with commits 1 and 2 of every entry, and what they stored. */
typedef struct Image {
    uint8_t *bytes;
    size_t size;
    uint64_t header_copy_end;   /* the end of header copy A */
    uint8_t *payload[N_ENTRIES][2];
    size_t payload_len[N_ENTRIES][2];
} Image;

static void image_build(Image *im, bool v1)
{
    NVRAMEntrySpec specs[N_ENTRIES];
    TestDevice devs[N_ENTRIES] = { { { 0 } } };
    NVRAMLayout *l = NULL;
    NVRAMStorage *s;
    NVRAM *nvram;

    for (int i = 0; i < N_ENTRIES; i++) {
        specs[i] = (NVRAMEntrySpec) { names[i], slot_sizes[i] };
    }
    ck_assert_int_eq(nvram_layout_compute_full(specs, NULL, N_ENTRIES, 0,
                                               false, &l, &error_abort), 0);
    if (v1) {
        /* format-1 framing, through the internal layout functions */
        l->version = 1;
        l->layout_generation = 0;
        nvram_layout_place(l, 0, 0);
    }
    im->size = (size_t)l->image_size;
    im->header_copy_end = v1 ? l->header_size : l->header_size / 2;
    s = nvram_storage_new_memory(im->size);
    ck_assert_int_eq(nvram_layout_write(s, l, &error_abort), 0);
    nvram_layout_free(l);
    nvram = nvram_setup_with_storage(test_storage_borrow(s), NULL,
                                     &error_abort);
    for (int i = 0; i < N_ENTRIES; i++) {
        NVRAMEntryName n;

        test_name(&n, names[i]);
        ck_assert_int_eq(nvram_register_entry(nvram, &n, test_device_rw,
                                              &devs[i], &error_abort), 0);
    }
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    for (uint32_t k = 1; k <= 2; k++) {
        for (int i = 0; i < N_ENTRIES; i++) {
            NVRAMEntryName n;

            test_name(&n, names[i]);
            test_state_set(&devs[i].state, k, blob_lens[i]);
            ck_assert_int_eq(nvram_write_data(nvram, &n, 0, NULL, NULL,
                                              &error_abort), 0);
            ck_assert_int_eq(nvram_image_read_entry(s, names[i],
                                                    &im->payload[i][k - 1],
                                                    &im->payload_len[i][k - 1],
                                                    NULL, NULL, &error_abort),
                             0);
        }
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    for (int i = 0; i < N_ENTRIES; i++) {
        test_state_clear(&devs[i].state);
    }
    im->bytes = g_memdup2(nvram_storage_memory_data(s, NULL), im->size);
    nvram_storage_close(s);
}

static void image_free(Image *im)
{
    g_free(im->bytes);
    for (int i = 0; i < N_ENTRIES; i++) {
        g_free(im->payload[i][0]);
        g_free(im->payload[i][1]);
    }
}

typedef struct Counts {
    uint64_t cuts, refused, opened, values, rollbacks, lost, beyond;
} Counts;

/*
 * Read entry @i of the truncated @s (its copies as @e tells) and check the
 * answer: a value stored by commit 1 or 2, commit 1 only with a rollback
 * reported, or corrupt with the copies said to be beyond the drive.
 */
static void check_read(const Image *im, NVRAMStorage *s, int i,
                       const NVRAMEntryInfo *e, size_t len, Counts *n)
{
    uint8_t *payload = NULL;
    size_t plen = 0;
    uint64_t gen = 0;
    Error *err = NULL;
    int ret = nvram_image_read_entry(s, names[i], &payload, &plen, NULL, &gen,
                                     &err);

    if (!e->copies[0].valid && !e->copies[1].valid) {
        ck_assert_msg(ret == -NVRAM_ERR_ENTRY_CORRUPT && err &&
                      strstr(error_get_pretty(err), "beyond the end"),
                      "cut at %zu, %s: %d (%s)", len, names[i], ret,
                      err ? error_get_pretty(err) : "");
        n->lost++;
    } else {
        ck_assert_msg(ret == 0 || ret == NVRAM_READ_ROLLED_BACK,
                      "cut at %zu, %s: %d (%s)", len, names[i], ret,
                      err ? error_get_pretty(err) : "");
        ck_assert(gen == 1 || gen == 2);
        /* never a wrong value: the bytes commit @gen stored */
        ck_assert_uint_eq(plen, im->payload_len[i][gen - 1]);
        ck_assert(memcmp(payload, im->payload[i][gen - 1], plen) == 0);
        /* commit 2 was acknowledged: serving commit 1 is a rollback */
        ck_assert_msg(gen == 2 || ret == NVRAM_READ_ROLLED_BACK,
                      "cut at %zu, %s: silent rollback", len, names[i]);
        n->values++;
        n->rollbacks += ret == NVRAM_READ_ROLLED_BACK;
    }
    g_free(payload);
    error_free(err);
}

/* Every write on the truncated @s is refused, the drive left as it was. */
static void check_writes_refused(const Image *im, NVRAMStorage *s, bool v1,
                                 size_t len)
{
    static const uint8_t value[] = { 0x04, 0x02, 0xAB, 0xCD };
    NVRAMEntrySpec spec = { "extra", 100 };
    GPtrArray *log = g_ptr_array_new_with_free_func(g_free);
    Error *err = NULL;
    int ret;

    ret = nvram_image_write_entry(s, names[1], NULL, 0, value, sizeof(value),
                                  NVRAM_ENCODING_DER, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
    ret = nvram_image_repair(s, log, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
    if (v1) {
        ret = nvram_image_upgrade(s, &err);
        ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
    } else {
        ret = nvram_image_add_entries(s, &spec, NULL, 1, &err);
        ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
        ret = nvram_image_resize_entry(s, names[2], 20000, &err);
        ck_assert_nvram_error(ret, NVRAM_ERR_TOO_SMALL, err);
    }
    ck_assert_uint_eq(log->len, 0);
    g_ptr_array_unref(log);
    {
        size_t now;
        uint8_t *d = nvram_storage_memory_data(s, &now);

        ck_assert_uint_eq(now, len);
        ck_assert_msg(memcmp(d, im->bytes, len) == 0,
                      "cut at %zu: a refused write changed the drive", len);
    }
}

/* An NVRAM opened read-only serves the entries that fit; read-write not. */
static void check_start(const Image *im, NVRAMStorage *s, size_t len,
                        const NVRAMImageInfo *info)
{
    NVRAMOptions ro = { .read_only = true };
    TestDevice devs[N_ENTRIES] = { { { 0 } } };
    g_autofree char *need = g_strdup_printf("%zu bytes", im->size);
    Error *err = NULL;

    for (int pass = 0; pass < 2; pass++) {
        NVRAM *nvram = nvram_setup_with_storage(test_storage_borrow(s),
                                                pass ? NULL : &ro,
                                                &error_abort);
        int ret;

        for (int i = 0; i < N_ENTRIES; i++) {
            NVRAMEntryName n;

            test_name(&n, names[i]);
            ck_assert_int_eq(nvram_register_entry(nvram, &n, test_device_rw,
                                                  &devs[i], &error_abort), 0);
        }
        ret = nvram_start(nvram, true, &err);
        if (pass) {
            /* read-write: refused, saying what the image needs */
            ck_assert_msg(ret == -NVRAM_ERR_TOO_SMALL && err &&
                          strstr(error_get_pretty(err), need),
                          "cut at %zu: %d (%s)", len, ret,
                          err ? error_get_pretty(err) : "");
            error_free(err);
            err = NULL;
        } else {
            ck_assert_nvram_ok(ret, err);
            for (int i = 0; i < N_ENTRIES; i++) {
                const NVRAMEntryInfo *e = &info->entries[i];
                NVRAMEntryName n;

                test_name(&n, names[i]);
                ret = nvram_read_data(nvram, &n, 0, NULL, NULL, &err);
                if (e->status == -NVRAM_ERR_ENTRY_CORRUPT) {
                    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
                    continue;
                }
                ck_assert_msg(ret == (e->rolled_back ? NVRAM_READ_ROLLED_BACK
                                                     : 0),
                              "cut at %zu, %s: %d", len, names[i], ret);
                ck_assert_uint_eq(devs[i].state.counter,
                                  e->copies[e->newest].generation);
                ck_assert_uint_eq(devs[i].state.blob_len, blob_lens[i]);
                ret = nvram_write_data(nvram, &n, 0, NULL, NULL, &err);
                ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
            }
        }
        nvram_delete(nvram);
    }
    for (int i = 0; i < N_ENTRIES; i++) {
        test_state_clear(&devs[i].state);
    }
}

static void cut_at(const Image *im, bool v1, size_t len, Counts *n)
{
    NVRAMStorage *s = nvram_storage_new_memory(len);
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int ret;

    memcpy(nvram_storage_memory_data(s, NULL), im->bytes, len);
    n->cuts++;
    ret = nvram_image_inspect(s, &info, &err);
    if (len < im->header_copy_end) {
        /* not even a header copy: refused, with the reason */
        ck_assert_msg(ret == -NVRAM_ERR_TOO_SMALL ||
                      ret == -NVRAM_ERR_CORRUPT_HEADER ||
                      ret == -NVRAM_ERR_UNFORMATTED,
                      "cut at %zu: %d", len, ret);
        ck_assert(err && *error_get_pretty(err));
        error_free(err);
        n->refused++;
        nvram_storage_close(s);
        return;
    }
    ck_assert_msg(ret == 0, "cut at %zu: %s", len,
                  err ? error_get_pretty(err) : "");
    n->opened++;
    ck_assert_uint_eq(info->storage_size, len);
    ck_assert_uint_eq(info->image_size, im->size);
    for (int i = 0; i < N_ENTRIES; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];

        for (int c = 0; c < 2; c++) {
            const NVRAMCopyInfo *ci = &e->copies[c];
            g_autofree char *end = g_strdup_printf(
                "needs %" PRIu64 " bytes", ci->offset + e->copy_size);

            if (ci->offset + e->copy_size <= len) {
                ck_assert_msg(ci->valid, "cut at %zu: %s copy %d: %s", len,
                              names[i], c, ci->problem);
                continue;
            }
            /* the copy beyond the end: where, and what the image needs */
            ck_assert(!ci->valid);
            ck_assert_msg(strstr(ci->problem, "beyond the end") &&
                          strstr(ci->problem, end), "%s", ci->problem);
            n->beyond++;
        }
        check_read(im, s, i, e, len, n);
    }
    check_start(im, s, len, info);
    check_writes_refused(im, s, v1, len);
    nvram_image_info_free(info);
    nvram_storage_close(s);
}

static void sweep_cuts(bool v1)
{
    Image im = { 0 };
    Counts n = { 0 };

    image_build(&im, v1);
    for (size_t len = 0; len < im.size; len += 512) {
        cut_at(&im, v1, len, &n);
    }
    /* odd sizes: inside a sector, one byte short */
    cut_at(&im, v1, 1, &n);
    cut_at(&im, v1, (size_t)im.header_copy_end + 77, &n);
    cut_at(&im, v1, im.size - 1, &n);
    ck_assert_uint_gt(n.opened, 0);
    ck_assert_uint_gt(n.lost, 0);
    ck_assert_uint_gt(n.rollbacks, 0);
    printf("truncated format %d (%zu bytes): %" PRIu64 " cuts, %" PRIu64
           " refused (no header copy), %" PRIu64 " opened read-only: %"
           PRIu64 " copies beyond the end reported, %" PRIu64 " values read "
           "(%" PRIu64 " with a rollback reported), %" PRIu64 " entries "
           "lost, 0 wrong values, every write refused\n", v1 ? 1 : 2,
           im.size, n.cuts, n.refused, n.opened, n.beyond, n.values,
           n.rollbacks, n.lost);
    image_free(&im);
}

START_TEST(test_truncated_format2)
{
    sweep_cuts(false);
}
END_TEST

START_TEST(test_truncated_format1)
{
    sweep_cuts(true);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-truncated");
    TCase *tc = tcase_create("truncated");

    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_truncated_format2);
    tcase_add_test(tc, test_truncated_format1);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
