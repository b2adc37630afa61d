/*
 * Power-loss tests of the NVRAM: the workload of fault-workload.c runs over
 * the crash layer of fault-storage.c, which crashes at a chosen storage
 * operation (every write and every flush of the workload in turn, then
 * random ones) and leaves each unflushed write applied, dropped or turned
 * into garbage sector by sector (512- and 4096-byte sectors). After each
 * crash the image is reopened: every entry must hold its last acknowledged
 * value or the one being written, never garbage, never an older value,
 * never "absent" once written. Then a write on the recovered image must
 * commit (the recovery left a usable copy to write to).
 *
 * Every case replays from its numbers: set QVISIT_CRASH_REPLAY to
 * "SEED:SECTOR:PERSECTOR:OP" as printed by a failure. QVISIT_SOAK scales
 * the iteration counts (see docs/reliability.md).
 *
 * The tests run twice: over memory, and over a qcow2 image served by
 * qemu-nbd through the NBD backend (the crash layer wraps the NBD
 * storage; there a case explores one crash point in BACKEND_THINNING,
 * in twice as many under sanitizers).
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvram/nvram.h"
#include "tests/fault-storage.h"
#include "tests/fault-workload.h"
#include "tests/nbd-server.h"
#include "tests/check-main.h"

/* Steps of the workload: a few hundred writes of every size. */
#define CRASH_WORKLOAD_STEPS 160

/*
 * The backend of the current test: over NBD (set by the fixture of the
 * "nbd" test case), 1 crash point in backend_thinning is explored; a
 * missing server skips the case.
 */
#define BACKEND_THINNING 4
static unsigned backend_thinning = 1;
static bool backend_missing;
static NBDServer *nbd_disk;

/* Totals over the tests of this run, printed at the end of each test. */
typedef struct CrashTotals {
    uint64_t crash_points;
    uint64_t losses;
    uint64_t new_value_survived;
    uint64_t old_value_kept;
    uint64_t damaged_copies_reported;
    uint64_t sectors_garbled;
    uint64_t recovery_writes;
} CrashTotals;

static CrashTotals totals;

/* One crash case. */
typedef struct CrashCase {
    uint64_t seed;
    uint32_t sector_size;
    bool per_sector;
    uint64_t crash_at_op;
} CrashCase;

static char *case_name(const CrashCase *c)
{
    return g_strdup_printf("QVISIT_CRASH_REPLAY=%" PRIu64 ":%u:%d:%" PRIu64,
                           c->seed, c->sector_size, c->per_sector,
                           c->crash_at_op);
}

/* Count the copies that nvram_image_inspect() reports as damaged. */
static unsigned count_damaged_copies(NVRAMStorage *disk)
{
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    unsigned n = 0;

    ck_assert_msg(nvram_image_inspect(disk, &info, &err) == 0,
                  "inspect after crash: %s", error_get_pretty(err));
    for (size_t i = 0; i < info->n_entries; i++) {
        for (int c = 0; c < 2; c++) {
            if (!info->entries[i].copies[c].valid) {
                ck_assert_ptr_nonnull(info->entries[i].copies[c].problem);
                n++;
            }
        }
    }
    nvram_image_info_free(info);
    return n;
}

/*
 * Reopen @disk after a crash of workload @w and check every entry; then
 * commit one more value to every entry on the recovered image and check it
 * reads back. On return @w has adopted the recovered state. Returns NULL
 * or a description of the loss.
 */
static char *check_after_crash(Workload *w, NVRAMStorage *disk)
{
    uint64_t seq[WORKLOAD_N_ENTRIES];
    Error *err = NULL;
    NVRAM *nvram;
    char *problem;
    int code;

    totals.damaged_copies_reported += count_damaged_copies(disk);
    nvram = workload_open_copy(w, disk, &code, &err);
    if (!nvram) {
        problem = g_strdup_printf("reopen failed (%s): %s",
                                  nvram_strerror(code),
                                  error_get_pretty(err));
        error_free(err);
        return problem;
    }
    code = workload_read_all(w, nvram, seq, &err);
    if (code < 0) {
        problem = g_strdup_printf("read after crash failed (%s): %s",
                                  nvram_strerror(code),
                                  error_get_pretty(err));
        error_free(err);
        nvram_delete(nvram);
        return problem;
    }
    problem = workload_check(w, seq);
    if (problem) {
        nvram_delete(nvram);
        return problem;
    }
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        if (w->entries[i].inflight && seq[i] == w->entries[i].inflight) {
            totals.new_value_survived++;
        } else {
            totals.old_value_kept++;
        }
    }
    nvram_delete(nvram);

    /*
     * Write to the disk itself (no copy): the next crash in a chain starts
     * from here. One more commit per entry must succeed and read back.
     */
    workload_adopt(w, seq);
    nvram = nvram_setup_with_storage(fault_storage_new(disk, false, NULL),
                                     workload_options(), &err);
    ck_assert_msg(nvram != NULL, "setup: %s", err ? error_get_pretty(err) : "");
    ck_assert_int_eq(workload_register(w, nvram, &error_abort), 0);
    ck_assert_msg(nvram_start(nvram, true, &err) == 0, "restart: %s",
                  error_get_pretty(err));
    for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
        WorkloadEntry *e = &w->entries[i];

        e->to_write = w->next_seq++;
        code = nvram_write_data(nvram, &e->name, 0, NULL, NULL, &err);
        if (code < 0) {
            problem = g_strdup_printf("write after recovery failed on %s: %s",
                                      e->name.name, error_get_pretty(err));
            error_free(err);
            nvram_delete(nvram);
            return problem;
        }
        e->acked = e->to_write;
        totals.recovery_writes++;
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    nvram = workload_open_copy(w, disk, &code, &err);
    ck_assert_msg(nvram != NULL, "reopen after recovery: %s",
                  err ? error_get_pretty(err) : "");
    code = workload_read_all(w, nvram, seq, &err);
    ck_assert_msg(code == 0, "read after recovery: %s",
                  err ? error_get_pretty(err) : "");
    nvram_delete(nvram);
    return workload_check(w, seq);
}

/*
 * Run the workload from a fresh image with @c's crash; returns the number
 * of mutating operations the workload issued (to plan crash points) and
 * fails the test on any loss.
 */
static uint64_t run_case(const CrashCase *c, unsigned steps)
{
    FaultConfig config = {
        /* One workload per seed; the fates differ at every crash point. */
        .seed = fault_seed_mix(c->seed, c->crash_at_op),
        .sector_size = c->sector_size,
        .per_sector = c->per_sector,
        .crash_at_op = c->crash_at_op,
    };
    NVRAMStorage *disk = workload_new_image();
    NVRAMStorage *faulty = fault_storage_new(disk, false, &config);
    Workload w;
    Error *err = NULL;
    NVRAM *nvram;
    FaultStats stats;
    char *problem;

    workload_init(&w, c->seed, 1);
    nvram = nvram_setup_with_storage(faulty, workload_options(), &err);
    ck_assert_msg(nvram != NULL, "setup: %s", err ? error_get_pretty(err) : "");
    ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
    ck_assert_msg(nvram_start(nvram, true, &err) == 0, "start: %s",
                  err ? error_get_pretty(err) : "");
    workload_run(&w, nvram, steps);
    stats = fault_storage_get_stats(nvram_get_storage(nvram));
    if (c->crash_at_op == 0) {
        ck_assert_msg(!w.stopped, "workload failed without a crash: %s",
                      w.bad_value ? w.bad_value : w.first_error_msg);
    } else if (stats.crashed) {
        /* The failure the crash caused must have been seen as fatal. */
        ck_assert_msg(w.bad_value == NULL, "%s", w.bad_value);
        ck_assert_msg(w.stopped && w.first_error < 0,
                      "storage crashed but no request failed");
        ck_assert_msg(nvram_had_fatal_error(nvram),
                      "storage crashed but no fatal error reported");
    }
    nvram_delete(nvram);
    totals.sectors_garbled += stats.garbled;
    if (stats.crashed) {
        char *name = case_name(c);

        totals.crash_points++;
        problem = check_after_crash(&w, disk);
        if (problem) {
            totals.losses++;
        }
        ck_assert_msg(problem == NULL, "crash at op %" PRIu64 " of %" PRIu64
                      ": %s [replay: %s]", c->crash_at_op, stats.ops,
                      problem, name);
        g_free(name);
    }
    workload_cleanup(&w);
    nvram_storage_close(disk);
    return stats.ops;
}

static void print_totals(const char *test)
{
    printf("%s: %" PRIu64 " crash points explored, %" PRIu64 " losses; "
           "%" PRIu64 " entries kept the old value, %" PRIu64
           " got the new one; %" PRIu64 " damaged copies reported, %" PRIu64
           " writes/sectors garbled; %" PRIu64 " writes after recovery\n",
           test, totals.crash_points, totals.losses, totals.old_value_kept,
           totals.new_value_survived, totals.damaged_copies_reported,
           totals.sectors_garbled, totals.recovery_writes);
    fflush(stdout);
}

/* Replay one case named by QVISIT_CRASH_REPLAY, if set. */
static bool replay_requested(void)
{
    const char *spec = g_getenv("QVISIT_CRASH_REPLAY");
    CrashCase c = { 0 };
    unsigned ss, ps;

    if (!spec) {
        return false;
    }
    ck_assert_msg(sscanf(spec, "%" SCNu64 ":%u:%u:%" SCNu64, &c.seed, &ss, &ps,
                         &c.crash_at_op) == 4, "bad QVISIT_CRASH_REPLAY");
    c.sector_size = ss;
    c.per_sector = ps;
    run_case(&c, CRASH_WORKLOAD_STEPS);
    print_totals("replay");
    return true;
}

/*
 * Every mutating operation of the workload is a crash point, for each
 * sector size and tearing mode.
 */
static void crash_every_op(uint32_t sector_size, bool per_sector,
                           uint64_t seed, uint64_t stride)
{
    CrashCase c = {
        .seed = seed,
        .sector_size = sector_size,
        .per_sector = per_sector,
    };
    unsigned scale = fault_test_scale();
    uint64_t ops;

    if (backend_missing || replay_requested()) {
        return;
    }
    stride *= backend_thinning;
    for (unsigned round = 0; round < scale; round++) {
        c.seed = fault_seed_mix(seed, round);
        c.crash_at_op = 0;
        ops = run_case(&c, CRASH_WORKLOAD_STEPS);
        ck_assert_uint_gt(ops, CRASH_WORKLOAD_STEPS);
        for (uint64_t op = 1 + round % stride; op <= ops; op += stride) {
            c.crash_at_op = op;
            run_case(&c, CRASH_WORKLOAD_STEPS);
        }
    }
}

START_TEST(test_crash_every_op_512)
{
    crash_every_op(512, false, 512, 1);
    print_totals("crash every op, 512-byte sectors, whole writes");
}
END_TEST

/* The other two combinations; every other op under sanitizers. */
START_TEST(test_crash_every_op_512_torn)
{
    crash_every_op(512, true, 5120, fault_under_sanitizer() ? 2 : 1);
    print_totals("crash every op, 512-byte sectors, torn writes");
}
END_TEST

START_TEST(test_crash_every_op_4096)
{
    crash_every_op(4096, false, 40960, fault_under_sanitizer() ? 2 : 1);
    print_totals("crash every op, 4096-byte sectors, whole writes");
}
END_TEST

START_TEST(test_crash_every_op_4096_torn)
{
    crash_every_op(4096, true, 4096, 1);
    print_totals("crash every op, 4096-byte sectors, torn writes");
}
END_TEST

START_TEST(test_crash_random_points)
{
    unsigned scale = fault_test_scale();
    uint64_t rng = 0xC4A5u;

    if (backend_missing || replay_requested()) {
        return;
    }
    for (unsigned i = 0; i < 300 * scale / backend_thinning; i++) {
        CrashCase c = {
            .seed = fault_rand_next(&rng),
            .sector_size = fault_rand_below(&rng, 2) ? 4096 : 512,
            .per_sector = fault_rand_below(&rng, 2),
        };
        /* The workload issues about 2.3 operations per step. */
        c.crash_at_op = 1 + fault_rand_below(&rng, 2 * CRASH_WORKLOAD_STEPS);
        run_case(&c, CRASH_WORKLOAD_STEPS);
    }
    print_totals("crash at random points");
}
END_TEST

/* The same with an encrypted image (AES-256-GCM tags instead of CRCs). */
START_TEST(test_crash_every_op_encrypted)
{
    static const uint8_t key[NVRAM_KEY_SIZE] = "0123456789abcdef0123456789abcde";

    if (!nvram_encryption_available()) {
        printf("encryption not built (no nettle): encrypted crash test "
               "skipped\n");
        return;
    }
    workload_use_key(key);
    crash_every_op(4096, true, 0xE4C, fault_under_sanitizer() ? 3 : 1);
    workload_use_key(NULL);
    print_totals("crash every op, encrypted image, 4096-byte sectors, torn");
}
END_TEST

/*
 * Crash after crash on one image: each recovery must leave an image that
 * takes the next crash just as well (a wrong choice of the copy to
 * overwrite after a recovery would lose the only valid copy here).
 */
START_TEST(test_crash_chain)
{
    unsigned scale = fault_test_scale();
    NVRAMStorage *disk;
    uint64_t rng = 0xC4A1Bu;
    Workload w;

    if (backend_missing) {
        return;
    }
    disk = workload_new_image();
    workload_init(&w, 77, 1);
    for (unsigned i = 0; i < 300 * scale / backend_thinning; i++) {
        FaultConfig config = {
            .seed = fault_rand_next(&rng),
            .sector_size = fault_rand_below(&rng, 2) ? 4096 : 512,
            .per_sector = fault_rand_below(&rng, 2),
            .crash_at_op = 1 + fault_rand_below(&rng, 40),
        };
        Error *err = NULL;
        NVRAM *nvram;
        char *problem;

        nvram = nvram_setup_with_storage(fault_storage_new(disk, false,
                                                           &config),
                                         workload_options(), &err);
        ck_assert_ptr_nonnull(nvram);
        ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
        ck_assert_msg(nvram_start(nvram, true, &err) == 0, "start #%u: %s", i,
                      err ? error_get_pretty(err) : "");
        workload_run(&w, nvram, 40);
        ck_assert_msg(w.bad_value == NULL, "%s", w.bad_value);
        totals.sectors_garbled +=
            fault_storage_get_stats(nvram_get_storage(nvram)).garbled;
        nvram_delete(nvram);
        totals.crash_points++;
        problem = check_after_crash(&w, disk);
        ck_assert_msg(problem == NULL, "chain crash #%u (seed %" PRIu64
                      ", op %" PRIu64 "): %s", i, config.seed,
                      config.crash_at_op, problem);
        w.stopped = false;
        g_free(w.bad_value);
        w.bad_value = NULL;
    }
    workload_cleanup(&w);
    nvram_storage_close(disk);
    print_totals("crash chain");
}
END_TEST

/*
 * The test of the test: on a disk whose flush lies, a crash loses
 * acknowledged values, and the check must say so.
 */
START_TEST(test_checker_detects_lying_flush)
{
    unsigned detected = 0;

    if (backend_missing) {
        return;
    }
    for (uint64_t seed = 1; seed <= 20; seed++) {
        FaultConfig config = {
            .seed = seed,
            .lying_flush = true,
            .crash_at_op = 40 + seed,
        };
        NVRAMStorage *disk = workload_new_image();
        NVRAM *nvram;
        Workload w;
        char *problem;

        workload_init(&w, seed, 1);
        nvram = nvram_setup_with_storage(fault_storage_new(disk, false,
                                                           &config),
                                         NULL, &error_abort);
        ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
        ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
        workload_run(&w, nvram, 100);
        nvram_delete(nvram);
        problem = check_after_crash(&w, disk);
        if (problem) {
            detected++;
            g_free(problem);
        }
        workload_cleanup(&w);
        nvram_storage_close(disk);
    }
    printf("lying flush: %u of 20 crashes lost acknowledged data "
           "(detected)\n", detected);
    ck_assert_uint_gt(detected, 10);
}
END_TEST

/* The layer itself: pending writes are visible, flushed ones durable. */
START_TEST(test_fault_layer_semantics)
{
    NVRAMStorage *disk = nvram_storage_new_memory(8192);
    FaultConfig config = { .seed = 1, .crash_at_op = 3 };
    NVRAMStorage *s = fault_storage_new(disk, false, &config);
    uint8_t buf[16], *bytes = nvram_storage_memory_data(disk, NULL);
    Error *err = NULL;

    memset(buf, 0xAB, sizeof(buf));
    ck_assert(nvram_storage_pwrite(s, buf, sizeof(buf), 100, &error_abort));
    ck_assert_int_eq(bytes[100], 0);            /* only in the cache */
    memset(buf, 0, sizeof(buf));
    ck_assert(nvram_storage_pread(s, buf, sizeof(buf), 96, &error_abort));
    ck_assert_int_eq(buf[3], 0);
    ck_assert_int_eq(buf[4], 0xAB);
    ck_assert(nvram_storage_flush(s, &error_abort));
    ck_assert_int_eq(bytes[100], 0xAB);         /* durable */
    ck_assert(!nvram_storage_pwrite(s, buf, sizeof(buf), 0, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "crash"));
    error_free(err);
    err = NULL;
    ck_assert(fault_storage_get_stats(s).crashed);
    ck_assert(!nvram_storage_flush(s, &err));
    error_free(err);
    nvram_storage_close(s);
    nvram_storage_close(disk);
}
END_TEST

/* The "nbd" case: each test's images live in a qcow2 image behind qemu-nbd. */
static void nbd_backend_setup(void)
{
    nbd_disk = nbd_server_new_qemu_nbd("test-nvram-crash", "qcow2");
    if (!nbd_disk) {
        backend_missing = true;
        return;
    }
    nbd_server_start(nbd_disk);
    workload_use_backend(nbd_disk->uri);
    backend_thinning = BACKEND_THINNING * (fault_under_sanitizer() ? 2 : 1);
    printf("over NBD (qcow2 via qemu-nbd), 1 crash point in %u:\n",
           backend_thinning);
}

static void nbd_backend_teardown(void)
{
    workload_use_backend(NULL);
    nbd_server_free(nbd_disk);
    nbd_disk = NULL;
    backend_thinning = 1;
    backend_missing = false;
}

static Suite *crash_suite(void)
{
    Suite *s = suite_create("nvram-crash");
    TCase *tc = tcase_create("crash");

    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_fault_layer_semantics);
    tcase_add_test(tc, test_checker_detects_lying_flush);
    tcase_add_test(tc, test_crash_every_op_512);
    tcase_add_test(tc, test_crash_every_op_4096_torn);
    tcase_add_test(tc, test_crash_every_op_512_torn);
    tcase_add_test(tc, test_crash_every_op_4096);
    tcase_add_test(tc, test_crash_every_op_encrypted);
    tcase_add_test(tc, test_crash_random_points);
    tcase_add_test(tc, test_crash_chain);
    suite_add_tcase(s, tc);

    /* The same tests over the NBD backend: the storage is all they see. */
    tc = tcase_create("nbd");
    tcase_set_timeout(tc, 1800);
    tcase_add_checked_fixture(tc, nbd_backend_setup, nbd_backend_teardown);
    tcase_add_test(tc, test_checker_detects_lying_flush);
    tcase_add_test(tc, test_crash_every_op_4096_torn);
    tcase_add_test(tc, test_crash_every_op_512_torn);
    tcase_add_test(tc, test_crash_random_points);
    tcase_add_test(tc, test_crash_chain);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(crash_suite());
}
