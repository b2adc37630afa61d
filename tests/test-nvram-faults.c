/*
 * I/O-error injection under the NVRAM: the workload of fault-workload.c
 * runs with the Nth read, write or flush failing, for every N the workload
 * reaches (and during formatting). The failing call must report the error
 * (NVRAM_ERR_IO, to the caller or the completion callback); after a failed
 * write or flush nvram_had_fatal_error() must say so and later writes are
 * refused; reads in the same session and a reopen show the last committed
 * state (or, where the failure left its fate unknown, the value being
 * written), never garbage.
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
#include "tests/check-main.h"

#define FAULT_WORKLOAD_STEPS 120

typedef enum FaultKind { FAULT_READ, FAULT_WRITE, FAULT_FLUSH } FaultKind;

static const char *const kind_names[] = { "read", "write", "flush" };

static uint64_t faults_injected;
static uint64_t runs;

/* Check that every entry of a NVRAM over a copy of @disk is as @w expects. */
static void check_reopen(Workload *w, NVRAMStorage *disk, bool strict,
                         const char *what)
{
    uint64_t seq[WORKLOAD_N_ENTRIES];
    Error *err = NULL;
    NVRAM *nvram;
    char *problem;
    int code;

    nvram = workload_open_copy(w, disk, &code, &err);
    ck_assert_msg(nvram != NULL, "%s: reopen failed (%s): %s", what,
                  nvram_strerror(code), err ? error_get_pretty(err) : "");
    code = workload_read_all(w, nvram, seq, &err);
    ck_assert_msg(code == 0, "%s: read after reopen failed (%s): %s", what,
                  nvram_strerror(code), err ? error_get_pretty(err) : "");
    problem = workload_check(w, seq);
    ck_assert_msg(problem == NULL, "%s: %s", what, problem);
    if (strict) {
        for (unsigned i = 0; i < WORKLOAD_N_ENTRIES; i++) {
            /*
             * The first commit of an entry also mirrors its value into
             * the other copy, after a first flush: a failure there leaves
             * the flushed value, in flight but durable.
             */
            if (w->entries[i].acked == 0 && seq[i] == w->entries[i].inflight) {
                continue;
            }
            ck_assert_msg(seq[i] == w->entries[i].acked,
                          "%s: entry %s holds %" PRIu64 ", the failed write "
                          "never reached the disk, expected %" PRIu64, what,
                          w->entries[i].name.name, seq[i],
                          w->entries[i].acked);
        }
    }
    nvram_delete(nvram);
}

/*
 * Run the workload with @config's fault. Returns the fault layer's counts
 * (for a dry run without a fault: how many operations of each kind there
 * are to fail).
 */
static FaultStats run_with_fault(const FaultConfig *config, FaultKind kind,
                                 bool strict, uint64_t workload_seed)
{
    NVRAMStorage *disk = workload_new_image();
    NVRAMStorage *faulty = fault_storage_new(disk, false, config);
    bool expect_fault = config->fail_read_at || config->fail_write_at ||
                        config->fail_flush_at;
    g_autofree char *what = g_strdup_printf(
        "%s #%" PRIu64 " fails (seed %" PRIu64 "%s)", kind_names[kind],
        config->fail_read_at + config->fail_write_at + config->fail_flush_at,
        config->seed, config->failed_write_lands_randomly ?
        ", lands randomly" : "");
    uint64_t seq[WORKLOAD_N_ENTRIES];
    Error *err = NULL;
    FaultStats stats;
    NVRAM *nvram;
    Workload w;
    int ret;

    workload_init(&w, workload_seed, 1);
    nvram = nvram_setup_with_storage(faulty, workload_options(),
                                     &error_abort);
    ck_assert_int_eq(workload_register(&w, nvram, &error_abort), 0);
    ret = nvram_start(nvram, true, &err);
    if (ret < 0) {
        /* Only a read can fail while opening; it must say so. */
        ck_assert_msg(expect_fault && kind == FAULT_READ,
                      "%s: start failed: %s", what, error_get_pretty(err));
        ck_assert_msg(ret == -NVRAM_ERR_IO, "%s: start failed with %s: %s",
                      what, nvram_strerror(ret), error_get_pretty(err));
        error_free(err);
        stats = fault_storage_get_stats(faulty);
        nvram_delete(nvram);
        check_reopen(&w, disk, true, what);
        faults_injected += stats.faults;
        runs++;
        nvram_storage_close(disk);
        workload_cleanup(&w);
        return stats;
    }
    workload_run(&w, nvram, FAULT_WORKLOAD_STEPS);
    stats = fault_storage_get_stats(faulty);
    ck_assert_msg(w.bad_value == NULL, "%s: %s", what, w.bad_value);
    if (!expect_fault) {
        ck_assert_msg(!w.stopped, "%s: %s", what, w.first_error_msg);
    } else {
        ck_assert_msg(stats.faults == 1, "%s: the fault was not reached",
                      what);
        ck_assert_msg(w.stopped && w.first_error == -NVRAM_ERR_IO,
                      "%s: the failure was not reported as an I/O error "
                      "(first error: %s)", what,
                      w.first_error ? w.first_error_msg : "none");
        if (kind != FAULT_READ) {
            WorkloadEntry *e = &w.entries[0];

            ck_assert_msg(nvram_had_fatal_error(nvram),
                          "%s: nvram_had_fatal_error() is false", what);
            /* A failed NVRAM refuses writes. */
            e->to_write = w.next_seq++;
            ret = nvram_write_data(nvram, &e->name, 0, NULL, NULL, &err);
            ck_assert_msg(ret == -NVRAM_ERR_FAILED, "%s: write after a fatal "
                          "error returned %s", what, nvram_strerror(ret));
            error_free(err);
            err = NULL;
        }
        /* Reads in the same session still serve the committed state. */
        ret = workload_read_all(&w, nvram, seq, &err);
        ck_assert_msg(ret == 0, "%s: read in the failed session: %s", what,
                      err ? error_get_pretty(err) : "");
        {
            g_autofree char *problem = workload_check(&w, seq);
            ck_assert_msg(problem == NULL, "%s: in session: %s", what,
                          problem);
        }
    }
    nvram_delete(nvram);
    check_reopen(&w, disk, strict, what);
    faults_injected += stats.faults;
    runs++;
    workload_cleanup(&w);
    nvram_storage_close(disk);
    return stats;
}

/*
 * Fail each operation of @kind in turn, over one workload (QVISIT_SOAK:
 * over as many different workloads as its scale).
 */
static void fail_every(FaultKind kind, bool lands_randomly)
{
    static const char *const plural[] = { "reads", "writes", "flushes" };
    unsigned scale = fault_test_scale();
    uint64_t before = faults_injected, total = 0;

    for (unsigned round = 0; round < scale; round++) {
        uint64_t wseed = fault_seed_mix(0xFA17u, round);
        FaultConfig config = { .seed = 1 };
        FaultStats dry = run_with_fault(&config, kind, false, wseed);
        uint64_t count = kind == FAULT_READ ? dry.reads :
                         kind == FAULT_WRITE ? dry.writes : dry.flushes;

        ck_assert_uint_gt(count, 0);
        total += count;
        for (uint64_t n = 1; n <= count; n++) {
            memset(&config, 0, sizeof(config));
            config.seed = fault_seed_mix(kind, n + round * 100000);
            config.failed_write_lands_randomly = lands_randomly;
            config.sector_size = n % 2 ? 512 : 4096;
            switch (kind) {
            case FAULT_READ:
                config.fail_read_at = n;
                break;
            case FAULT_WRITE:
                config.fail_write_at = n;
                break;
            case FAULT_FLUSH:
                config.fail_flush_at = n;
                break;
            }
            /* A failed write that wrote nothing must leave the old value. */
            run_with_fault(&config, kind,
                           kind == FAULT_WRITE && !lands_randomly, wseed);
        }
    }
    printf("%s faults%s: %" PRIu64 " injected (every one of the workload's %"
           PRIu64 " %s), 0 losses\n", kind_names[kind],
           lands_randomly ? " (write lands randomly)" : "",
           faults_injected - before, total, plural[kind]);
    fflush(stdout);
    ck_assert_uint_eq(faults_injected - before, total);
}

START_TEST(test_fail_every_read)
{
    fail_every(FAULT_READ, false);
}
END_TEST

START_TEST(test_fail_every_write)
{
    fail_every(FAULT_WRITE, false);
}
END_TEST

START_TEST(test_fail_every_write_landing_randomly)
{
    fail_every(FAULT_WRITE, true);
}
END_TEST

START_TEST(test_fail_every_flush)
{
    fail_every(FAULT_FLUSH, false);
}
END_TEST

/*
 * Formatting under faults and crashes: it reports the failure, and what is
 * left is either cleanly refused (unformatted, corrupt header) or a valid
 * image whose entries are all absent.
 */
START_TEST(test_format_under_faults)
{
    NVRAMEntrySpec specs[WORKLOAD_N_ENTRIES];
    uint64_t size, ops_total, cases = 0, valid = 0, refused = 0, faults = 0;
    FaultStats dry;
    NVRAMStorage *disk, *s;
    Error *err = NULL;

    workload_specs(specs);
    ck_assert_int_eq(nvram_measure(specs, WORKLOAD_N_ENTRIES, &size,
                                   &error_abort), 0);
    disk = nvram_storage_new_memory(size);
    s = fault_storage_new(disk, true, NULL);
    ck_assert_int_eq(nvram_format_storage(s, specs, WORKLOAD_N_ENTRIES, false,
                                          &error_abort), 0);
    dry = fault_storage_get_stats(s);
    nvram_storage_close(s);
    ops_total = dry.ops;

    for (uint64_t n = 1; n <= ops_total + dry.writes + dry.flushes; n++) {
        FaultConfig config = { .seed = n, .sector_size = 512 };
        NVRAMImageInfo *info = NULL;
        int ret;

        if (n <= ops_total) {
            config.crash_at_op = n;
        } else if (n <= ops_total + dry.writes) {
            config.fail_write_at = n - ops_total;
        } else {
            config.fail_flush_at = n - ops_total - dry.writes;
        }
        disk = nvram_storage_new_memory(size);
        s = fault_storage_new(disk, false, &config);
        ret = nvram_format_storage(s, specs, WORKLOAD_N_ENTRIES, false, &err);
        ck_assert_msg(ret == -NVRAM_ERR_IO, "format with fault %" PRIu64
                      " returned %s", n, nvram_strerror(ret));
        error_free(err);
        err = NULL;
        if (!config.crash_at_op) {
            faults_injected++;
            faults++;
        }
        nvram_storage_close(s);
        ret = nvram_image_inspect(disk, &info, &err);
        if (ret == 0) {
            valid++;
            for (size_t i = 0; i < info->n_entries; i++) {
                ck_assert_msg(info->entries[i].status == -NVRAM_ERR_ENTRY_ABSENT
                              || info->entries[i].status ==
                              -NVRAM_ERR_ENTRY_CORRUPT,
                              "entry of an interrupted format holds data");
            }
            nvram_image_info_free(info);
        } else {
            ck_assert_msg(ret == -NVRAM_ERR_UNFORMATTED ||
                          ret == -NVRAM_ERR_CORRUPT_HEADER,
                          "interrupted format left %s: %s",
                          nvram_strerror(ret), error_get_pretty(err));
            refused++;
            error_free(err);
            err = NULL;
        }
        nvram_storage_close(disk);
        cases++;
    }
    printf("format: %" PRIu64 " crash points and %" PRIu64 " I/O faults, %"
           PRIu64 " left a valid empty image, %" PRIu64 " a cleanly refused "
           "one\n", cases - faults, faults, valid, refused);
    fflush(stdout);
}
END_TEST

static Suite *faults_suite(void)
{
    Suite *s = suite_create("nvram-faults");
    TCase *tc = tcase_create("faults");

    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_fail_every_read);
    tcase_add_test(tc, test_fail_every_write);
    tcase_add_test(tc, test_fail_every_write_landing_randomly);
    tcase_add_test(tc, test_fail_every_flush);
    tcase_add_test(tc, test_format_under_faults);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(faults_suite());
}
