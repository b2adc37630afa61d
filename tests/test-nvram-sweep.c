/*
 * tests/test-nvram-sweep.c: one bad sector, anywhere. After three commits
 * of every entry, each 512-byte sector of the image in turn is overwritten
 * with garbage and, separately, with zeros; the image is then opened
 * through the API. The property (docs/reliability.md): the image is never
 * unusable and never serves a wrong value; every entry reads its newest
 * value, or its previous one *and says so* (NVRAM_READ_ROLLED_BACK); a
 * mirror entry always reads its newest value. Several layouts, plain and
 * encrypted, alternate and mirror entries. The counts are printed for the
 * record.
 *
 * The same sweep runs over NBD (the storage interface is the same): the
 * image in a qcow2 file served by qemu-nbd on a Unix socket, each damaged
 * sector written through the export, the image opened through the export.
 * Over NBD the sweep covers the same: every sector of every layout.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "test-nvram-common.h"
#include "tests/nbd-server.h"
#include "tests/check-main.h"

#define WHO "test-nvram-sweep"

#define SECTOR 512
#define COMMITS 3        /* the newest value has counter 3, the previous 2 */
#define MAX_ENTRIES 24

static const uint8_t sweep_key[NVRAM_KEY_SIZE] = {
    0x5e, 0xc7, 0x0a, 0x11, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
    0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15,
    0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
};

typedef struct SweepLayout {
    const char *what;
    size_t n;
    uint32_t sizes[MAX_ENTRIES];      /* bytes of each entry's slot */
    size_t blob_len[MAX_ENTRIES];     /* bytes of each entry's value blob */
    bool mirror[MAX_ENTRIES];
    bool encrypted;
} SweepLayout;

typedef struct SweepCounts {
    uint64_t sectors;         /* sector overwrites tried */
    uint64_t entry_reads;
    uint64_t newest;          /* reads that served the newest value */
    uint64_t rollbacks;       /* ... the previous one, reported */
    uint64_t false_alarms;    /* the newest, with a rollback report */
    uint64_t damage_seen;     /* images where inspection reported damage */
    uint64_t header_repaired; /* ... served from the other header copy */
    uint64_t mirror_rollbacks;
    uint64_t wrong;           /* must stay 0 */
    uint64_t unusable;        /* must stay 0 */
} SweepCounts;

static SweepCounts total, total_nbd;

/* Where the swept image lives. */
typedef enum SweepBackend {
    SWEEP_MEMORY,        /* nvram_storage_new_memory() */
    SWEEP_NBD_QCOW2,     /* qemu-nbd serving a qcow2 image, through libnbd */
} SweepBackend;

/*
 * A storage of at least @size bytes on @backend; *@srv is the NBD server
 * behind it (NULL in memory). NULL when the server's programs are missing
 * (nbd_server_have() said so, and failed the test under CI).
 */
static NVRAMStorage *sweep_storage(SweepBackend backend, uint64_t size,
                                   NBDServer **srv)
{
    *srv = NULL;
    if (backend == SWEEP_MEMORY) {
        return nvram_storage_new_memory((size_t)size);
    }
    *srv = nbd_server_new_qemu_nbd(WHO, "qcow2");
    if (!*srv) {
        return NULL;
    }
    nbd_server_start(*srv);
    return nvram_storage_open_nbd((*srv)->uri, false, &error_abort);
}

/*
 * The image of @l, formatted on @backend: its size in *@size. NULL when
 * the backend is unavailable.
 */
static NVRAMStorage *sweep_image(const SweepLayout *l, SweepBackend backend,
                                 TestDevice *devs, NVRAMEntryName *names,
                                 uint64_t *psize, NBDServer **srv)
{
    NVRAMEntrySpec specs[MAX_ENTRIES];
    NVRAMStorage *s;
    uint64_t size;

    for (size_t i = 0; i < l->n; i++) {
        g_snprintf(names[i].name, sizeof(names[i].name), "entry-%zu", i);
        specs[i] = (NVRAMEntrySpec) { names[i].name, l->sizes[i] };
        devs[i] = (TestDevice) { .format_size = l->sizes[i] };
    }
    ck_assert_int_eq(nvram_measure(specs, l->n, &size, &error_abort), 0);
    *psize = size;
    s = sweep_storage(backend, size, srv);
    if (!s) {
        return NULL;
    }
    {
        NVRAMEntryPolicy policies[MAX_ENTRIES];

        for (size_t i = 0; i < l->n; i++) {
            policies[i] = l->mirror[i] ? NVRAM_POLICY_MIRROR
                                       : NVRAM_POLICY_ALTERNATE;
        }
        ck_assert_int_eq(nvram_image_format(s, specs, policies, l->n,
                                            l->encrypted ? sweep_key : NULL,
                                            l->encrypted ? NVRAM_KEY_SIZE : 0,
                                            false, &error_abort), 0);
    }
    return s;
}

static NVRAM *sweep_open(const SweepLayout *l, NVRAMStorage *s,
                         TestDevice *devs, const NVRAMEntryName *names,
                         Error **errp)
{
    NVRAMOptions opts = { .key = sweep_key, .key_len = NVRAM_KEY_SIZE };
    NVRAM *nvram;

    nvram = nvram_setup_with_storage(test_storage_borrow(s),
                                     l->encrypted ? &opts : NULL,
                                     &error_abort);
    for (size_t i = 0; i < l->n; i++) {
        ck_assert_int_eq(nvram_register_entry(nvram, &names[i],
                                              test_device_rw, &devs[i],
                                              &error_abort), 0);
    }
    if (nvram_start(nvram, true, errp) < 0) {
        nvram_delete(nvram);
        return NULL;
    }
    return nvram;
}

/* The device state holds the value of commit @counter, intact. */
static bool state_is(const TestState *st, uint32_t counter, size_t blob_len)
{
    char label[32];

    g_snprintf(label, sizeof(label), "state-%u", counter);
    if (st->counter != counter || !st->label || strcmp(st->label, label) ||
        st->blob_len != blob_len) {
        return false;
    }
    for (size_t i = 0; i < blob_len; i++) {
        if (st->blob[i] != (uint8_t)(i * 31 + counter)) {
            return false;
        }
    }
    return true;
}

static void sweep_layout(const SweepLayout *l, SweepBackend backend)
{
    TestDevice devs[MAX_ENTRIES];
    NVRAMEntryName names[MAX_ENTRIES];
    SweepCounts c = { 0 };
    SweepCounts *sum = backend == SWEEP_MEMORY ? &total : &total_nbd;
    const char *over = backend == SWEEP_MEMORY ? "" : " over NBD (qcow2)";
    uint64_t rng = 0x5EC7012u;
    NBDServer *srv = NULL;
    uint64_t size64;
    NVRAMStorage *base = sweep_image(l, backend, devs, names, &size64, &srv);
    size_t size = (size_t)size64;
    uint8_t *pristine, *d;
    NVRAM *nvram;

    if (!base) {
        printf("sector sweep, %s%s: skipped\n", l->what, over);
        return;
    }

    /* COMMITS commits of every entry */
    nvram = sweep_open(l, base, devs, names, &error_abort);
    for (uint32_t k = 1; k <= COMMITS; k++) {
        for (size_t i = 0; i < l->n; i++) {
            test_state_set(&devs[i].state, k, l->blob_len[i]);
            ck_assert_int_eq(nvram_write_data(nvram, &names[i], 0, NULL, NULL,
                                              &error_abort), 0);
        }
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    pristine = g_malloc(size);
    d = g_malloc(size);
    ck_assert(nvram_storage_pread(base, pristine, size, 0, &error_abort));

    /*
     * Each damaged image is written whole through the storage (over NBD,
     * through the export), as opening it may have repaired the last one.
     */
    for (size_t sector = 0; sector * SECTOR < size; sector++) {
        for (int zeros = 0; zeros < 2; zeros++) {
            size_t at = sector * SECTOR, n = MIN(SECTOR, size - at);
            NVRAMImageInfo *info = NULL;
            Error *err = NULL;

            memcpy(d, pristine, size);
            for (size_t j = 0; j < n; j++) {
                rng = rng * 6364136223846793005ull + 1442695040888963407ull;
                d[at + j] = zeros ? 0 : (uint8_t)(rng >> 33);
            }
            ck_assert(nvram_storage_pwrite(base, d, size, 0, &error_abort));
            c.sectors++;
            if (nvram_image_inspect(base, &info, NULL) == 0) {
                bool damage = info->header_problem[0] ||
                              info->header_problem[1];

                c.header_repaired += damage;
                for (size_t i = 0; i < info->n_entries; i++) {
                    damage |= !info->entries[i].copies[0].valid ||
                              !info->entries[i].copies[1].valid;
                }
                c.damage_seen += damage;
            }
            nvram_image_info_free(info);
            nvram = sweep_open(l, base, devs, names, &err);
            if (!nvram) {
                fprintf(stderr, "%s%s: sector %zu (%s): unusable: %s\n",
                        l->what, over, sector, zeros ? "zeros" : "garbage",
                        err ? error_get_pretty(err) : "?");
                error_free(err);
                c.unusable++;
                continue;
            }
            for (size_t i = 0; i < l->n; i++) {
                int ret;

                test_state_clear(&devs[i].state);
                ret = nvram_read_data(nvram, &names[i], 0, NULL, NULL, &err);
                c.entry_reads++;
                if (ret == 0 && state_is(&devs[i].state, COMMITS,
                                         l->blob_len[i])) {
                    c.newest++;
                } else if (ret == NVRAM_READ_ROLLED_BACK &&
                           state_is(&devs[i].state, COMMITS,
                                    l->blob_len[i])) {
                    c.false_alarms++;
                    c.mirror_rollbacks += l->mirror[i];
                } else if (ret == NVRAM_READ_ROLLED_BACK &&
                           state_is(&devs[i].state, COMMITS - 1,
                                    l->blob_len[i])) {
                    c.rollbacks++;
                    c.mirror_rollbacks += l->mirror[i];
                } else {
                    fprintf(stderr, "%s%s: sector %zu (%s): entry %zu: "
                            "wrong: %d (%s), counter %u\n", l->what, over,
                            sector,
                            zeros ? "zeros" : "garbage", i, ret,
                            err ? error_get_pretty(err) : "no error",
                            devs[i].state.counter);
                    c.wrong++;
                }
                error_free(err);
                err = NULL;
            }
            nvram_delete(nvram);
        }
    }
    printf("sector sweep, %s%s: %zu-byte image, %" PRIu64 " sectors tried "
           "(garbage and zeros), %" PRIu64 " entry reads: %" PRIu64
           " newest, %" PRIu64 " rollbacks reported (previous value), %"
           PRIu64 " rollback reports while serving the newest; %" PRIu64
           " wrong values, %" PRIu64 " unusable; damage reported in %"
           PRIu64 " images (%" PRIu64 " header copies); mirror-entry "
           "rollbacks %" PRIu64 "\n", l->what, over, size, c.sectors,
           c.entry_reads, c.newest, c.rollbacks, c.false_alarms, c.wrong,
           c.unusable, c.damage_seen, c.header_repaired, c.mirror_rollbacks);
    fflush(stdout);
    sum->sectors += c.sectors;
    sum->entry_reads += c.entry_reads;
    sum->newest += c.newest;
    sum->rollbacks += c.rollbacks;
    sum->false_alarms += c.false_alarms;
    sum->wrong += c.wrong;
    sum->unusable += c.unusable;
    sum->mirror_rollbacks += c.mirror_rollbacks;
    for (size_t i = 0; i < l->n; i++) {
        test_state_clear(&devs[i].state);
    }
    g_free(pristine);
    g_free(d);
    nvram_storage_close(base);
    if (srv) {
        nbd_server_free(srv);
    }
    ck_assert_uint_eq(c.wrong, 0);
    ck_assert_uint_eq(c.unusable, 0);
    ck_assert_uint_eq(c.mirror_rollbacks, 0);
    ck_assert_uint_gt(c.header_repaired, 0);
}

static const SweepLayout tpm_like = {
    "tpm-like (alternate)", 3, { 8192, 2048, 2048 }, { 3000, 600, 100 },
    { false, false, false }, false,
};

static const SweepLayout tpm_like_encrypted = {
    "tpm-like encrypted (alternate)", 3, { 8192, 2048, 2048 },
    { 3000, 600, 100 }, { false, false, false }, true,
};

static const SweepLayout mirror_mixed = {
    "mirror and alternate", 3, { 4096, 8192, 1024 }, { 900, 5000, 10 },
    { true, false, true }, false,
};

static const SweepLayout mirror_encrypted = {
    "mirror encrypted", 2, { 4000, 100 }, { 3500, 20 }, { true, true }, true,
};

/* Loop tests: _i is the SweepBackend. */
START_TEST(test_sweep_tpm_like)
{
    sweep_layout(&tpm_like, (SweepBackend)_i);
}
END_TEST

START_TEST(test_sweep_tpm_like_encrypted)
{
    if (!nvram_encryption_available()) {
        printf("test_sweep_tpm_like_encrypted: skipped (no nettle)\n");
        return;
    }
    sweep_layout(&tpm_like_encrypted, (SweepBackend)_i);
}
END_TEST

START_TEST(test_sweep_mirror_mixed)
{
    sweep_layout(&mirror_mixed, (SweepBackend)_i);
}
END_TEST

START_TEST(test_sweep_mirror_encrypted)
{
    if (!nvram_encryption_available()) {
        printf("test_sweep_mirror_encrypted: skipped (no nettle)\n");
        return;
    }
    sweep_layout(&mirror_encrypted, (SweepBackend)_i);
}
END_TEST

/* Many small entries: a header of several sectors, copies of one block. */
START_TEST(test_sweep_many_entries)
{
    SweepLayout l = { "20 entries (alternate, every 4th mirror)", 20 };

    for (size_t i = 0; i < l.n; i++) {
        l.sizes[i] = 200;
        l.blob_len[i] = 40 + i;
        l.mirror[i] = i % 4 == 3;
    }
    sweep_layout(&l, (SweepBackend)_i);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-sweep");
    TCase *tc = tcase_create("sweep");
    TCase *tc_nbd = tcase_create("sweep-nbd");
    SRunner *sr;
    int status;

    tcase_set_timeout(tc, 240);
    tcase_set_timeout(tc_nbd, 240);
    for (SweepBackend b = SWEEP_MEMORY; b <= SWEEP_NBD_QCOW2; b++) {
        TCase *t = b == SWEEP_MEMORY ? tc : tc_nbd;

        tcase_add_loop_test(t, test_sweep_tpm_like, b, b + 1);
        tcase_add_loop_test(t, test_sweep_tpm_like_encrypted, b, b + 1);
        tcase_add_loop_test(t, test_sweep_mirror_mixed, b, b + 1);
        tcase_add_loop_test(t, test_sweep_mirror_encrypted, b, b + 1);
        tcase_add_loop_test(t, test_sweep_many_entries, b, b + 1);
    }
    suite_add_tcase(s, tc);
    suite_add_tcase(s, tc_nbd);
    sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    status = check_run_srunner(sr);
    printf("sector sweep, all layouts: %" PRIu64 " sectors tried, %" PRIu64
           " entry reads: %" PRIu64 " newest, %" PRIu64 " rollbacks reported,"
           " %" PRIu64 " rollback reports while serving the newest, %" PRIu64
           " wrong values, %" PRIu64 " unusable, %" PRIu64 " mirror-entry "
           "rollbacks\n", total.sectors, total.entry_reads, total.newest,
           total.rollbacks, total.false_alarms, total.wrong, total.unusable,
           total.mirror_rollbacks);
    printf("sector sweep over NBD (qcow2 behind qemu-nbd): %" PRIu64
           " sectors tried, %" PRIu64 " entry reads: %" PRIu64 " newest, %"
           PRIu64 " rollbacks reported, %" PRIu64 " rollback reports while "
           "serving the newest, %" PRIu64 " wrong values, %" PRIu64
           " unusable, %" PRIu64 " mirror-entry rollbacks\n",
           total_nbd.sectors, total_nbd.entry_reads, total_nbd.newest,
           total_nbd.rollbacks, total_nbd.false_alarms, total_nbd.wrong,
           total_nbd.unusable, total_nbd.mirror_rollbacks);
    return status;
}
