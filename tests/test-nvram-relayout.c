/*
 * tests/test-nvram-relayout.c: offline changes of an image (upgrade from
 * format 1, adding an entry, resizing one, repair), each proven with the
 * crash layer (tests/fault-storage.c): the operation is crashed at every
 * one of its writes and flushes, with every pending write applied,
 * dropped or garbled sector by sector (seeded), and the image must then
 * open with the old or the new layout and every committed value intact.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fault-storage.h"
#include "nvram/image.h"
#include "test-nvram-common.h"
#include "tests/check-main.h"

#define N_ENTRIES 3
#define SEEDS 6

static const char *const names[N_ENTRIES] = {
    "permall", "volatilestate", "savestate",
};
static const uint32_t slot_sizes[N_ENTRIES] = { 9000, 1500, 700 };
static const size_t blob_lens[N_ENTRIES] = { 5000, 900, 0 };

typedef struct Fixture {
    NVRAMStorage *disk;       /* the pristine image, before the operation */
    uint64_t drive_size;
    bool v1;
} Fixture;

static NVRAMStorage *image_clone(NVRAMStorage *s)
{
    size_t size;
    uint8_t *d = nvram_storage_memory_data(s, &size);
    NVRAMStorage *c = nvram_storage_new_memory(size);

    memcpy(nvram_storage_memory_data(c, NULL), d, size);
    return c;
}

/* Open @s, register the entries (and "extra" when @extra), start. */
static NVRAM *open_image(NVRAMStorage *s, TestDevice *devs, bool extra,
                         Error **errp)
{
    NVRAM *nvram = nvram_setup_with_storage(test_storage_borrow(s), NULL,
                                            &error_abort);
    NVRAMEntryName n;

    for (int i = 0; i < N_ENTRIES + extra; i++) {
        test_name(&n, i < N_ENTRIES ? names[i] : "extra");
        ck_assert_int_eq(nvram_register_entry(nvram, &n, test_device_rw,
                                              &devs[i], &error_abort), 0);
    }
    if (nvram_start(nvram, true, errp) < 0) {
        nvram_delete(nvram);
        return NULL;
    }
    return nvram;
}

/*
 * A drive of four times the image, formatted (format 1 when @v1, written
 * with the format-1 framing through the internal layout functions), with
 * commits 1 and 2 of the first two entries; the third is never written.
 */
static void fixture_init(Fixture *f, bool v1)
{
    NVRAMEntrySpec specs[N_ENTRIES];
    TestDevice devs[N_ENTRIES + 1] = { { { 0 } } };
    NVRAMLayout *l = NULL;
    NVRAM *nvram;
    uint64_t size;

    for (int i = 0; i < N_ENTRIES; i++) {
        specs[i] = (NVRAMEntrySpec) { names[i], slot_sizes[i] };
    }
    ck_assert_int_eq(nvram_measure(specs, N_ENTRIES, &size, &error_abort), 0);
    f->drive_size = 4 * size;
    f->disk = nvram_storage_new_memory((size_t)f->drive_size);
    f->v1 = v1;
    ck_assert_int_eq(nvram_layout_compute_full(specs, NULL, N_ENTRIES, 0,
                                               false, &l, &error_abort), 0);
    if (v1) {
        l->version = 1;
        l->layout_generation = 0;
    }
    nvram_layout_place(l, 0, f->drive_size);
    ck_assert_int_eq(nvram_layout_write(f->disk, l, &error_abort), 0);
    nvram_layout_free(l);
    nvram = open_image(f->disk, devs, false, &error_abort);
    for (uint32_t k = 1; k <= 2; k++) {
        for (int i = 0; i < 2; i++) {
            NVRAMEntryName n;

            test_name(&n, names[i]);
            test_state_set(&devs[i].state, k, blob_lens[i]);
            ck_assert_int_eq(nvram_write_data(nvram, &n, 0, NULL, NULL,
                                              &error_abort), 0);
        }
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    for (int i = 0; i < N_ENTRIES; i++) {
        test_state_clear(&devs[i].state);
    }
}

static bool state_is(const TestState *st, uint32_t counter, size_t blob_len)
{
    if (st->counter != counter || st->blob_len != blob_len) {
        return false;
    }
    for (size_t i = 0; i < blob_len; i++) {
        if (st->blob[i] != (uint8_t)(i * 31 + counter)) {
            return false;
        }
    }
    return true;
}

typedef struct Outcome {
    uint64_t old_layout, new_layout, rollbacks;
} Outcome;

/*
 * @s must open, and every entry read its committed value (counter 2 for
 * the first two entries; the third and "extra" never written). A read of
 * the previous value (counter 1) must say so. Returns true when the image
 * has the new layout (as @is_new tells from @info).
 */
static void check_values(NVRAMStorage *s, const char *what, bool extra_ok,
                         Outcome *o)
{
    TestDevice devs[N_ENTRIES + 1] = { { { 0 } } };
    NVRAMImageInfo *info = NULL;
    bool has_extra;
    Error *err = NULL;
    NVRAM *nvram;

    ck_assert_msg(nvram_image_inspect(s, &info, &err) == 0, "%s: unusable: "
                  "%s", what, err ? error_get_pretty(err) : "");
    has_extra = info->n_entries > N_ENTRIES;
    ck_assert(extra_ok || !has_extra);
    nvram_image_info_free(info);
    nvram = open_image(s, devs, has_extra, &err);
    ck_assert_msg(nvram, "%s: cannot start: %s", what,
                  err ? error_get_pretty(err) : "");
    for (int i = 0; i < N_ENTRIES + has_extra; i++) {
        NVRAMEntryName n;
        int ret;

        test_name(&n, i < N_ENTRIES ? names[i] : "extra");
        ret = nvram_read_data(nvram, &n, 0, NULL, NULL, &err);
        if (i >= 2) {
            ck_assert_msg(ret == -NVRAM_ERR_ENTRY_ABSENT, "%s: entry %s: %d "
                          "(%s)", what, n.name, ret,
                          err ? error_get_pretty(err) : "");
            error_free(err);
            err = NULL;
            continue;
        }
        /* the newest value always: a relayout loses nothing */
        ck_assert_msg((ret == 0 || ret == NVRAM_READ_ROLLED_BACK) &&
                      state_is(&devs[i].state, 2, blob_lens[i]),
                      "%s: entry %s: %d (%s), counter %u", what, n.name, ret,
                      err ? error_get_pretty(err) : "",
                      devs[i].state.counter);
        o->rollbacks += ret == NVRAM_READ_ROLLED_BACK;
    }
    nvram_delete(nvram);
    for (int i = 0; i <= N_ENTRIES; i++) {
        test_state_clear(&devs[i].state);
    }
}

typedef int (*Operation)(NVRAMStorage *s, Error **errp);

static int op_upgrade(NVRAMStorage *s, Error **errp)
{
    int ret = nvram_image_upgrade(s, errp);

    return ret < 0 ? ret : 0;
}

static int op_add(NVRAMStorage *s, Error **errp)
{
    NVRAMEntrySpec spec = { "extra", 3000 };
    NVRAMEntryPolicy mirror = NVRAM_POLICY_MIRROR;

    return nvram_image_add_entries(s, &spec, &mirror, 1, errp);
}

static int op_grow(NVRAMStorage *s, Error **errp)
{
    return nvram_image_resize_entry(s, "volatilestate", 9000, errp);
}

static int op_shrink(NVRAMStorage *s, Error **errp)
{
    return nvram_image_resize_entry(s, "permall", 5200, errp);
}

/*
 * Run @op on a clone of @f's image under the crash layer, crashing at
 * every one of its mutating operations in turn (SEEDS fates each); the
 * image must then hold the old or the new layout with every value.
 */
static void crash_every_point(const Fixture *f, Operation op,
                              const char *what, bool adds)
{
    Outcome o = { 0 };
    uint64_t points = 0, total_ops;

    /* the operation once without a crash: how many operations it makes */
    {
        NVRAMStorage *disk = image_clone(f->disk);
        NVRAMStorage *fs = fault_storage_new(disk, false, NULL);

        ck_assert_int_eq(op(fs, &error_abort), 0);
        total_ops = fault_storage_get_stats(fs).ops;
        nvram_storage_close(fs);
        check_values(disk, what, adds, &o);
        nvram_storage_close(disk);
    }
    for (uint64_t at = 1; at <= total_ops; at++) {
        for (uint64_t seed = 0; seed < SEEDS; seed++) {
            FaultConfig cfg = {
                .seed = fault_seed_mix(at, seed),
                .crash_at_op = at,
                .per_sector = seed % 2 == 1,
            };
            NVRAMStorage *disk = image_clone(f->disk);
            NVRAMStorage *fs = fault_storage_new(disk, false, &cfg);
            NVRAMImageInfo *info = NULL;
            Error *err = NULL;
            char where[96];

            ck_assert_int_lt(op(fs, &err), 0);
            error_free(err);
            nvram_storage_close(fs);
            g_snprintf(where, sizeof(where), "%s, crash at operation %" PRIu64
                       " of %" PRIu64 ", seed %" PRIu64, what, at, total_ops,
                       seed);
            check_values(disk, where, adds, &o);
            ck_assert_int_eq(nvram_image_inspect(disk, &info, &error_abort),
                             0);
            if (info->version == (f->v1 ? 1 : 2) &&
                info->layout_generation == (f->v1 ? 0 : 1)) {
                o.old_layout++;
            } else {
                o.new_layout++;
            }
            nvram_image_info_free(info);
            points++;
            nvram_storage_close(disk);
        }
    }
    printf("%s: %" PRIu64 " crashes (%" PRIu64 " points x %d fates): %"
           PRIu64 " left the old layout, %" PRIu64 " the new one, 0 neither; "
           "0 values lost (every read the newest), %" PRIu64 " reads reported a "
           "possible rollback\n", what,
           points, total_ops, SEEDS, o.old_layout, o.new_layout, o.rollbacks);
    fflush(stdout);
    ck_assert_uint_gt(o.old_layout, 0);
    ck_assert_uint_gt(o.new_layout, 0);
}

START_TEST(test_upgrade_format_1)
{
    Fixture f;
    NVRAMImageInfo *info = NULL;
    Outcome o = { 0 };

    fixture_init(&f, true);
    ck_assert_int_eq(nvram_image_inspect(f.disk, &info, &error_abort), 0);
    ck_assert_uint_eq(info->version, 1);
    nvram_image_info_free(info);
    /* format 1 is read as it is */
    check_values(f.disk, "format 1", false, &o);
    ck_assert_uint_eq(o.rollbacks, 0);
    crash_every_point(&f, op_upgrade, "upgrade from format 1", false);
    /* done once: version 2, and a second upgrade does nothing */
    ck_assert_int_eq(nvram_image_upgrade(f.disk, &error_abort), 1);
    ck_assert_int_eq(nvram_image_upgrade(f.disk, &error_abort), 0);
    ck_assert_int_eq(nvram_image_inspect(f.disk, &info, &error_abort), 0);
    ck_assert_uint_eq(info->version, 2);
    ck_assert_ptr_null(info->header_problem[0]);
    ck_assert_ptr_null(info->header_problem[1]);
    nvram_image_info_free(info);
    nvram_storage_close(f.disk);
}
END_TEST

START_TEST(test_add_entry)
{
    Fixture f;
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    NVRAMEntrySpec dup = { "permall", 100 };

    fixture_init(&f, false);
    crash_every_point(&f, op_add, "add an entry", true);
    ck_assert_int_eq(op_add(f.disk, &error_abort), 0);
    ck_assert_int_eq(nvram_image_inspect(f.disk, &info, &error_abort), 0);
    ck_assert_uint_eq(info->n_entries, N_ENTRIES + 1);
    ck_assert_int_eq(info->entries[N_ENTRIES].policy, NVRAM_POLICY_MIRROR);
    nvram_image_info_free(info);
    ck_assert_int_eq(nvram_image_add_entries(f.disk, &dup, NULL, 1, &err),
                     -NVRAM_ERR_INVALID);
    error_free(err);
    nvram_storage_close(f.disk);
}
END_TEST

START_TEST(test_resize_entry)
{
    Fixture f;
    Error *err = NULL;
    Outcome o = { 0 };

    fixture_init(&f, false);
    crash_every_point(&f, op_grow, "grow an entry", false);
    crash_every_point(&f, op_shrink, "shrink an entry", false);
    /* too small for the value: refused, nothing changed */
    ck_assert_int_eq(nvram_image_resize_entry(f.disk, "permall", 1000, &err),
                     -NVRAM_ERR_PAYLOAD_TOO_LARGE);
    error_free(err);
    err = NULL;
    ck_assert_int_eq(nvram_image_resize_entry(f.disk, "nope", 1000, &err),
                     -NVRAM_ERR_ENTRY_MISSING);
    error_free(err);
    check_values(f.disk, "after refusals", false, &o);
    nvram_storage_close(f.disk);
}
END_TEST

/* Repair: a damaged header copy and a damaged older copy are rewritten;
 * a possible rollback and a lost entry are reported, never papered over;
 * a crash during repair leaves what was there. */
START_TEST(test_repair)
{
    Fixture f;
    NVRAMImageInfo *info = NULL;
    GPtrArray *log = g_ptr_array_new_with_free_func(g_free);
    uint8_t *d;
    uint64_t older, newest;
    Outcome o = { 0 };

    fixture_init(&f, false);
    ck_assert_int_eq(nvram_image_inspect(f.disk, &info, &error_abort), 0);
    d = nvram_storage_memory_data(f.disk, NULL);
    /* volatilestate's newest copy, damaged last */
    newest = info->entries[1].copies[info->entries[1].newest].offset;
    older = info->entries[0].copies[1 - info->entries[0].newest].offset;
    memset(d + info->header_size / 2 + 8, 0x55, 16);   /* header copy B */
    memset(d + older + 100, 0xAA, 64);                   /* permall, older */
    nvram_image_info_free(info);

    /* crashes during the repair: the image stays as usable as it was */
    for (uint64_t at = 1; at <= 3; at++) {
        for (uint64_t seed = 0; seed < SEEDS; seed++) {
            FaultConfig cfg = { .seed = seed, .crash_at_op = at,
                                .per_sector = true };
            NVRAMStorage *disk = image_clone(f.disk);
            NVRAMStorage *fs = fault_storage_new(disk, false, &cfg);
            GPtrArray *l2 = g_ptr_array_new_with_free_func(g_free);

            nvram_image_repair(fs, l2, NULL);
            nvram_storage_close(fs);
            check_values(disk, "repair crashed", false, &o);
            g_ptr_array_unref(l2);
            nvram_storage_close(disk);
        }
    }
    ck_assert_int_eq(nvram_image_repair(f.disk, log, &error_abort), 0);
    ck_assert_uint_eq(log->len, 2);
    ck_assert_int_eq(nvram_image_inspect(f.disk, &info, &error_abort), 0);
    ck_assert_ptr_null(info->header_problem[1]);
    ck_assert(info->entries[0].copies[0].valid &&
              info->entries[0].copies[1].valid);
    nvram_image_info_free(info);

    /* the newest copy damaged: a rollback, not repaired */
    g_ptr_array_set_size(log, 0);
    memset(d + newest + 100, 0xAA, 64);
    ck_assert_int_eq(nvram_image_repair(f.disk, log, &error_abort), 1);
    ck_assert_msg(log->len == 1 && strstr(g_ptr_array_index(log, 0),
                                          "not repaired"), "%s",
                  log->len ? (char *)g_ptr_array_index(log, 0) : "");
    printf("repair: %u line(s): %s\n", log->len,
           (char *)g_ptr_array_index(log, 0));
    g_ptr_array_unref(log);
    nvram_storage_close(f.disk);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-relayout");
    TCase *tc = tcase_create("relayout");

    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_upgrade_format_1);
    tcase_add_test(tc, test_add_entry);
    tcase_add_test(tc, test_resize_entry);
    tcase_add_test(tc, test_repair);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
