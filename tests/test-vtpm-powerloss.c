/*
 * tests/test-vtpm-powerloss.c: power loss at every I/O point of a TPM
 * command, with the crash layer (tests/fault-storage.c) under vtpm's
 * storage and the real libtpms above it.
 *
 * The TPM holds an NV index with value A. A power-on runs TPM2_Startup and
 * TPM2_NV_Write(B), then powers off (TPM2_Shutdown); the crash layer cuts
 * the power at the Nth write or flush of that run, each pending write
 * applied, dropped or garbled (whole, or per sector) as a seeded generator
 * decides. Then the power comes back on the surviving bytes:
 * - the TPM starts and the index reads A or B, B if the write was
 *   acknowledged; it is never garbage and the TPM is not in failure mode;
 * - it never reports a rollback: permall, the only entry the run writes,
 *   is mirrored, so a torn copy sits next to one that a mirror commit
 *   wrote (copy flag bit 1) and holds at most an unacknowledged commit.
 *   A refusal would be a false alarm that leaves the TPM unusable after
 *   an ordinary power cut: the test counts them (VTPM_POWERLOSS_VERBOSE=1
 *   lists them; the image must be left as it was) and fails if any.
 * The log gets the counts: old value, new value, refused.
 * QVISIT_SOAK scales the number of seeds.
 */
#include "config.h"

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "nvram/nvram.h"
#include "tests/fault-storage.h"
#include "tests/vtpm-test-cmds.h"
#include "tpm/vtpm-device.h"
#include "tpm/vtpm-store.h"
#include "tests/check-main.h"

static const uint8_t value_a[VTPM_TEST_NV_SIZE] = "value-A";
static const uint8_t value_b[VTPM_TEST_NV_SIZE] = "value-B";

static uint32_t tpm_run(const uint8_t *cmd, size_t len, uint8_t *out,
                        size_t out_len)
{
    const uint8_t *rsp;
    uint32_t rsp_len;

    vtpm_device_process(cmd, len, &rsp, &rsp_len);
    ck_assert_uint_ge(rsp_len, 10);
    if (out) {
        memset(out, 0, out_len);
        memcpy(out, rsp, MIN(rsp_len, out_len));
    }
    return vtpm_be32(rsp + 6);
}

static bool open_on(NVRAMStorage *storage, Error **errp)
{
    VTPMStoreConfig cfg = {
        .version = VTPM_VERSION_2,
        .path = "(crash layer)",
        .storage = storage,
    };
    return vtpm_store_open(&cfg, errp);
}

static uint32_t nv_write(const uint8_t *value)
{
    uint8_t cmd[VTPM_CMD_NV_WRITE_SIZE];

    vtpm_cmd_nv_write(cmd, value);
    return tpm_run(cmd, sizeof(cmd), NULL, 0);
}

/* The disk: a formatted memory image with a manufactured TPM whose
 * index holds value A, powered off orderly. */
static NVRAMStorage *make_disk(void)
{
    NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
    NVRAMEntryPolicy policies[VTPM_STORE_N_ENTRIES];
    NVRAMStorage *disk;
    uint64_t size;

    vtpm_store_profile(VTPM_VERSION_2, specs, policies);
    ck_assert_int_eq(nvram_measure(specs, VTPM_STORE_N_ENTRIES, &size,
                                   &error_abort), 0);
    disk = nvram_storage_new_memory(size);
    ck_assert_int_eq(nvram_image_format(disk, specs, policies,
                                        VTPM_STORE_N_ENTRIES, NULL, 0, false,
                                        &error_abort), 0);
    ck_assert(open_on(fault_storage_new(disk, false, NULL), &error_abort));
    ck_assert(vtpm_device_init(false, &error_abort));
    ck_assert_uint_eq(tpm_run(vtpm_cmd_startup_clear,
                              sizeof(vtpm_cmd_startup_clear), NULL, 0), 0);
    ck_assert_uint_eq(tpm_run(vtpm_cmd_nv_define, sizeof(vtpm_cmd_nv_define),
                              NULL, 0), 0);
    ck_assert_uint_eq(nv_write(value_a), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
    return disk;
}

typedef struct Outcome {
    unsigned cases, old_value, new_value, refused_rollback, refused_acked;
    unsigned acked;
} Outcome;

/* One power loss; returns false when the run had no Nth operation. */
static bool run_case(NVRAMStorage *disk, const uint8_t *base, size_t size,
                     uint64_t seed, uint64_t op, bool per_sector,
                     Outcome *out)
{
    uint8_t *bytes = nvram_storage_memory_data(disk, NULL);
    FaultConfig config = {
        .seed = fault_seed_mix(seed, op),
        .crash_at_op = op,
        .per_sector = per_sector,
    };
    NVRAMStorage *faulty;
    uint8_t rsp[64], cmd[VTPM_CMD_NV_READ_SIZE];
    g_autofree uint8_t *after_crash = NULL;
    Error *err = NULL;
    bool acked = false, crashed;

    memcpy(bytes, base, size);
    faulty = fault_storage_new(disk, false, &config);
    /* The run the power cuts: open, start, write B, power off. */
    if (open_on(faulty, NULL)) {
        if (vtpm_device_init(false, NULL)) {
            tpm_run(vtpm_cmd_startup_clear, sizeof(vtpm_cmd_startup_clear),
                    NULL, 0);
            acked = nv_write(value_b) == 0;
            vtpm_device_stop();
        }
        crashed = fault_storage_get_stats(faulty).crashed;
        vtpm_store_close();
    } else {
        crashed = true;     /* the layer crashed while the image opened */
    }
    if (!crashed) {
        return false;
    }
    out->cases++;
    out->acked += acked;

    /* Power on again on what survived. */
    after_crash = g_memdup2(bytes, size);
    ck_assert(open_on(fault_storage_new(disk, false, NULL), &error_abort));
    if (!vtpm_device_init(false, &err)) {
        ck_assert_msg(strstr(error_get_pretty(err), "rolled back"),
                      "op %" PRIu64 " seed %" PRIu64 ": %s", op, seed,
                      error_get_pretty(err));
        /* An acknowledged write may be what the read serves here: the
         * torn copy was a later, unacknowledged one (e.g. Shutdown's). */
        out->refused_acked += acked;
        error_free(err);
        ck_assert(vtpm_store_close());
        ck_assert_int_eq(memcmp(bytes, after_crash, size), 0);
        out->refused_rollback++;
        if (g_getenv("VTPM_POWERLOSS_VERBOSE")) {
            fprintf(stderr, "# refused: op %" PRIu64 " seed %" PRIu64
                    " per-sector %d acked %d\n", op, seed, per_sector,
                    acked);
        }
        return true;
    }
    ck_assert_uint_eq(tpm_run(vtpm_cmd_startup_clear,
                              sizeof(vtpm_cmd_startup_clear), NULL, 0), 0);
    vtpm_cmd_nv_read(cmd);
    ck_assert_uint_eq(tpm_run(cmd, sizeof(cmd), rsp, sizeof(rsp)), 0);
    if (memcmp(rsp + VTPM_RSP_NV_READ_DATA, value_b, VTPM_TEST_NV_SIZE)
        == 0) {
        out->new_value++;
    } else {
        ck_assert_msg(memcmp(rsp + VTPM_RSP_NV_READ_DATA, value_a,
                             VTPM_TEST_NV_SIZE) == 0,
                      "op %" PRIu64 " seed %" PRIu64 ": garbage",
                      op, seed);
        ck_assert_msg(!acked, "op %" PRIu64 " seed %" PRIu64 ": an "
                      "acknowledged write was lost", op, seed);
        out->old_value++;
    }
    /* Not in failure mode: a command that works. */
    ck_assert_uint_eq(tpm_run(vtpm_cmd_get_random,
                              sizeof(vtpm_cmd_get_random), NULL, 0), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
    return true;
}

START_TEST(test_power_loss_at_every_io_point)
{
    NVRAMStorage *disk;
    g_autofree uint8_t *base = NULL;
    size_t size;
    Outcome out = { 0 };
    unsigned seeds = 32 * fault_test_scale();

    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    disk = make_disk();
    nvram_storage_memory_data(disk, &size);
    base = g_memdup2(nvram_storage_memory_data(disk, NULL), size);
    for (unsigned s = 0; s < seeds; s++) {
        for (uint64_t op = 1;
             run_case(disk, base, size, s, op, s % 2 == 1, &out); op++) {
        }
    }
    nvram_storage_close(disk);
    fprintf(stderr, "# %u power losses (%u seeds): old value %u, new value "
            "%u, refused (a reported rollback) %u, %u of them after the "
            "NV_Write was acknowledged; %u of the cut runs had their "
            "NV_Write acknowledged\n", out.cases, seeds,
            out.old_value, out.new_value, out.refused_rollback,
            out.refused_acked, out.acked);
    ck_assert_uint_gt(out.cases, 0);
    ck_assert_uint_gt(out.old_value, 0);
    ck_assert_uint_gt(out.new_value, 0);
    /* permall is a mirror entry: a power cut is never a rollback. */
    ck_assert_uint_eq(out.refused_rollback, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vtpm-powerloss");
    TCase *tc = tcase_create("crash");

    tcase_add_test(tc, test_power_loss_at_every_io_point);
    tcase_set_timeout(tc, 600);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
