/*
 * tests/test-vtpm-store.c: libtpms's NVRAM on libvnvram (tpm/vtpm-store.c)
 * under the real libtpms: manufacture on a new image, state that survives
 * a power cycle, the typed record in the image, and the refusals: a
 * damaged entry, a garbage or blank existing file, a wrong or missing key.
 * Each test forks (Check's default), so libtpms starts fresh in each.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "tpm/vtpm-device.h"
#include "tpm/vtpm-store.h"
#include "visitors/ber-visitor.h"
#include "tests/vtpm-test-cmds.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = g_dir_make_tmp("test-vtpm-store.XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void teardown(void)
{
    GDir *d = g_dir_open(tmpdir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(tmpdir, name, NULL);
        g_unlink(p);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(tmpdir);
    g_free(tmpdir);
}

static char *image_path(void)
{
    return g_build_filename(tmpdir, "tpm.img", NULL);
}

/* Run a raw TPM command; returns its response code. */
static uint32_t tpm_run(const uint8_t *cmd, size_t len)
{
    const uint8_t *rsp;
    uint32_t rsp_len;

    vtpm_device_process(cmd, len, &rsp, &rsp_len);
    ck_assert_uint_ge(rsp_len, 10);
    return vtpm_be32(rsp + 6);
}

#define TPM_RUN(cmd) tpm_run(cmd, sizeof(cmd))

static bool open_store(const char *path, bool create, const uint8_t *key,
                       Error **errp)
{
    VTPMStoreConfig cfg = {
        .version = VTPM_VERSION_2,
        .path = path,
        .create = create,
        .key = key,
        .key_len = key ? NVRAM_KEY_SIZE : 0,
    };
    return vtpm_store_open(&cfg, errp);
}

/* A new image: created, manufactured, NV index defined, powered off. */
static void make_tpm(const char *path, const uint8_t *key)
{
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, true, key, &error_abort));
    ck_assert(vtpm_device_init(false, &error_abort));
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0);
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_define), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
}

static GBytes *file_bytes(const char *path)
{
    gchar *data;
    gsize len;

    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

START_TEST(test_profile_tpm12_is_libtpms)
{
    NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
    static const enum TPMLIB_TPMProperty props[] = {
        TPMPROP_TPM_MAX_NV_SPACE, TPMPROP_TPM_MAX_VOLATILESTATE_SPACE,
        TPMPROP_TPM_MAX_SAVESTATE_SPACE,
    };

    ck_assert_int_eq(TPMLIB_ChooseTPMVersion(TPMLIB_TPM_VERSION_1_2), 0);
    vtpm_store_profile(VTPM_VERSION_1_2, specs, NULL);
    for (int i = 0; i < VTPM_STORE_N_ENTRIES; i++) {
        int v = 0;

        ck_assert_int_eq(TPMLIB_GetTPMProperty(props[i], &v), 0);
        /* The slot is libtpms's maximum plus the record around it. */
        ck_assert_uint_ge(specs[i].max_size, (uint64_t)v);
        ck_assert_uint_le(specs[i].max_size, (uint64_t)v + 64);
    }
    vtpm_store_profile(VTPM_VERSION_2, specs, NULL);
    ck_assert_str_eq(specs[0].name, "permall");
    ck_assert_str_eq(specs[1].name, "volatilestate");
    ck_assert_str_eq(specs[2].name, "savestate");
    /* libtpms 0.9's NV_MEMORY_SIZE for TPM 2.0 */
    ck_assert_uint_gt(specs[0].max_size, 128 * 1024 + 65 * 704);
}
END_TEST

/* vnvram create --profile makes vtpm's image: its sizes and policies. */
START_TEST(test_vnvram_profile_agrees)
{
    static const struct { const char *name; VTPMVersion v; } profiles[] = {
        { "tpm2", VTPM_VERSION_2 }, { "tpm12", VTPM_VERSION_1_2 },
    };
    const char *top = g_getenv("top_builddir");

    for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
        NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
        NVRAMEntryPolicy policies[VTPM_STORE_N_ENTRIES];
        g_autofree char *tool = g_build_filename(top ? top : ".", "tools",
                                                 "vnvram", NULL);
        g_autofree char *out = NULL, *want = NULL, *img = image_path();
        char *measure[] = { tool, (char *)"measure", (char *)"--profile",
                            (char *)profiles[i].name, NULL };
        char *create[] = { tool, (char *)"create", img, (char *)"--profile",
                           (char *)profiles[i].name, NULL };
        NVRAMImageInfo *info;
        NVRAMStorage *s;
        uint64_t size;
        int status;

        vtpm_store_profile(profiles[i].v, specs, policies);
        ck_assert_int_eq(nvram_measure(specs, VTPM_STORE_N_ENTRIES, &size,
                                       &error_abort), 0);
        want = g_strdup_printf("%" G_GUINT64_FORMAT "\n", size);
        ck_assert(g_spawn_sync(NULL, measure, NULL, 0, NULL, NULL, &out,
                               NULL, &status, NULL));
        ck_assert_int_eq(status, 0);
        ck_assert_str_eq(out, want);

        ck_assert(g_spawn_sync(NULL, create, NULL, G_SPAWN_STDOUT_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, NULL));
        ck_assert_int_eq(status, 0);
        s = nvram_storage_open(img, true, false, &error_abort);
        ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
        ck_assert_uint_eq(info->n_entries, VTPM_STORE_N_ENTRIES);
        for (size_t e = 0; e < VTPM_STORE_N_ENTRIES; e++) {
            ck_assert_str_eq(info->entries[e].name.name, specs[e].name);
            ck_assert_uint_ge(info->entries[e].capacity, specs[e].max_size);
            ck_assert_int_eq(info->entries[e].policy, policies[e]);
        }
        ck_assert_int_eq(info->entries[0].policy, NVRAM_POLICY_MIRROR);
        nvram_image_info_free(info);
        nvram_storage_close(s);
        g_unlink(img);
    }
}
END_TEST

START_TEST(test_manufacture_and_power_cycle)
{
    g_autofree char *path = image_path();
    GDir *d;
    int files = 0;

    make_tpm(path, NULL);
    /* No temporary file left next to the image. */
    d = g_dir_open(tmpdir, 0, NULL);
    while (g_dir_read_name(d)) {
        files++;
    }
    g_dir_close(d);
    ck_assert_int_eq(files, 1);

    /* Power on again: the NV index is there, nothing re-manufactured. */
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, true, NULL, &error_abort));
    ck_assert(vtpm_device_init(true, &error_abort));
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0);
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_readpublic), 0);
    /* Defining it again is refused: the TPM is the same one. */
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_define), 0x14c); /* NV_DEFINED */
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
}
END_TEST

/* The record's DER, byte for byte (the bytes every stored TPM image holds). */
START_TEST(test_record_der)
{
    static const uint8_t der[] = {
        0x30, 0x13,
        0x02, 0x01, 0x01,               /* format-version */
        0x02, 0x01, 0x02,               /* tpm-version */
        0x02, 0x03, 0x09, 0x00, 0x01,   /* libtpms-version */
        0x01, 0x01, 0xff,               /* present */
        0x04, 0x03, 'a', 'b', 'c',      /* blob */
    };
    VTPMStateBlob rec = {
        .format_version = 1, .tpm_version = 2, .libtpms_version = 0x90001,
        .present = true, .blob = (uint8_t *)"abc", .blob_len = 3,
    };
    VTPMStateBlob *prec = &rec, *back = NULL;
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &out);

    ck_assert(visit_type_VTPMStateBlob(v, NULL, &prec, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    ck_assert_uint_eq(out->len, sizeof(der));
    ck_assert_mem_eq(out->data, der, sizeof(der));
    g_byte_array_unref(out);
    v = ber_input_visitor_new(der, sizeof(der), BER_MODE_DER);
    ck_assert(visit_type_VTPMStateBlob(v, NULL, &back, &error_abort));
    visit_free(v);
    ck_assert_uint_eq(back->libtpms_version, 0x90001);
    ck_assert(back->present);
    ck_assert_uint_eq(back->blob_len, 3);
    ck_assert_mem_eq(back->blob, "abc", 3);
    qapi_free_VTPMStateBlob(back);
}
END_TEST

/* The image holds each blob as the typed record. */
START_TEST(test_record_in_image)
{
    g_autofree char *path = image_path();
    NVRAMStorage *st;
    uint8_t *payload;
    size_t len;
    NVRAMEncoding enc;
    VTPMStateBlob *rec = NULL;
    Visitor *v;

    make_tpm(path, NULL);
    st = nvram_storage_open_file(path, true, false, &error_abort);
    ck_assert_int_eq(nvram_image_read_entry(st, "permall", &payload, &len,
                                            &enc, NULL, &error_abort), 0);
    ck_assert_int_eq(enc, NVRAM_ENCODING_DER);
    v = ber_input_visitor_new(payload, len, BER_MODE_DER);
    ck_assert(visit_type_VTPMStateBlob(v, NULL, &rec, &error_abort));
    visit_free(v);
    ck_assert_uint_eq(rec->format_version, VTPM_STATE_BLOB_FORMAT);
    ck_assert_uint_eq(rec->tpm_version, 2);
    ck_assert_uint_eq(rec->libtpms_version, TPMLIB_GetVersion());
    ck_assert(rec->present);
    ck_assert_uint_gt(rec->blob_len, 1000);
    qapi_free_VTPMStateBlob(rec);
    g_free(payload);
    /* Never written: the volatile state (the TPM was stopped without
     * CMD_STORE_VOLATILE). */
    ck_assert_int_eq(nvram_image_read_entry(st, "volatilestate", &payload,
                                            &len, NULL, NULL, NULL),
                     -NVRAM_ERR_ENTRY_ABSENT);
    nvram_storage_close(st);
}
END_TEST

/* Flip a byte in every copy of @entry (@only_newest: in its newest). */
static void damage_copies(const char *path, const char *entry,
                          bool only_newest)
{
    NVRAMStorage *st = nvram_storage_open_file(path, false, false,
                                               &error_abort);
    NVRAMImageInfo *info;
    bool found = false;

    ck_assert_int_eq(nvram_image_inspect(st, &info, &error_abort), 0);
    for (size_t i = 0; i < info->n_entries; i++) {
        if (strcmp(info->entries[i].name.name, entry) != 0) {
            continue;
        }
        for (int c = 0; c < 2; c++) {
            uint64_t off = info->entries[i].copies[c].offset + 40;
            uint8_t b;

            if (only_newest && c != info->entries[i].newest) {
                continue;
            }
            ck_assert(info->entries[i].copies[c].valid);

            ck_assert(nvram_storage_pread(st, &b, 1, off, &error_abort));
            b ^= 0x5a;
            ck_assert(nvram_storage_pwrite(st, &b, 1, off, &error_abort));
        }
        found = true;
    }
    ck_assert(found);
    nvram_image_info_free(info);
    ck_assert(nvram_storage_flush(st, &error_abort));
    nvram_storage_close(st);
}

START_TEST(test_damaged_permall_refuses)
{
    g_autofree char *path = image_path();
    g_autoptr(GBytes) before = NULL, after = NULL;
    Error *err = NULL;

    make_tpm(path, NULL);
    damage_copies(path, "permall", false);
    before = file_bytes(path);
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, true, NULL, &error_abort));
    ck_assert(!vtpm_device_init(false, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "permall"));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err),
                                 "never re-manufactured"));
    error_free(err);
    ck_assert(!vtpm_device_running());
    /* Commands get TPM_RC_FAILURE, nothing is written. */
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0x101);
    ck_assert(vtpm_store_close());
    after = file_bytes(path);
    ck_assert(g_bytes_equal(before, after));
}
END_TEST

/* permall is mirrored: a damaged newest copy leaves the other, which
 * holds the same commit; the TPM starts with its newest state. */
START_TEST(test_mirrored_permall_survives_a_bad_copy)
{
    g_autofree char *path = image_path();

    make_tpm(path, NULL);
    damage_copies(path, "permall", true);
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, true, NULL, &error_abort));
    ck_assert(vtpm_device_init(false, &error_abort));
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0);
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_readpublic), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
}
END_TEST

/* An alternating entry (the volatile state) whose newest copy is damaged
 * reads as its previous commit, reported as a rollback: the TPM refuses
 * to start and the image stays as it is. */
START_TEST(test_rolled_back_entry_refuses)
{
    g_autofree char *path = image_path();
    g_autoptr(GBytes) before = NULL, after = NULL;
    static const uint8_t old_blob[] = "older volatile state";
    static const uint8_t new_blob[] = "newer volatile state";
    Error *err = NULL;

    make_tpm(path, NULL);
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, false, NULL, &error_abort));
    ck_assert(vtpm_store_put("volatilestate", old_blob, sizeof(old_blob),
                             &error_abort));
    ck_assert(vtpm_store_put("volatilestate", new_blob, sizeof(new_blob),
                             &error_abort));
    ck_assert(vtpm_store_close());
    damage_copies(path, "volatilestate", true);
    before = file_bytes(path);
    ck_assert(open_store(path, true, NULL, &error_abort));
    ck_assert(!vtpm_device_init(false, &err));
    ck_assert_msg(strstr(error_get_pretty(err), "volatilestate rolled back"),
                  "%s", error_get_pretty(err));
    error_free(err);
    ck_assert(!vtpm_device_running());
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0x101);
    ck_assert(vtpm_store_close());
    after = file_bytes(path);
    ck_assert(g_bytes_equal(before, after));
}
END_TEST

/* An existing file that is not an image is never formatted. */
static void check_refused(const uint8_t *fill, size_t len, const char *why)
{
    g_autofree char *path = image_path();
    g_autoptr(GBytes) after = NULL;
    Error *err = NULL;

    ck_assert(g_file_set_contents(path, (const char *)fill, len, NULL));
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(!open_store(path, true, NULL, &err));
    ck_assert_msg(strstr(error_get_pretty(err), why), "%s",
                  error_get_pretty(err));
    error_free(err);
    after = file_bytes(path);
    ck_assert_uint_eq(g_bytes_get_size(after), len);
    ck_assert_int_eq(memcmp(g_bytes_get_data(after, NULL), fill, len), 0);
}

START_TEST(test_garbage_file_refused)
{
    uint8_t junk[8192];

    for (size_t i = 0; i < sizeof(junk); i++) {
        junk[i] = (uint8_t)(i * 7 + 3);
    }
    check_refused(junk, sizeof(junk), "not a healthy vNVRAM image");
}
END_TEST

START_TEST(test_blank_file_refused)
{
    static uint8_t zeros[65536];

    check_refused(zeros, sizeof(zeros), "is not formatted");
}
END_TEST

START_TEST(test_missing_image_without_create)
{
    g_autofree char *path = image_path();
    Error *err = NULL;

    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(!open_store(path, false, NULL, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "tpm.img"));
    error_free(err);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_keys)
{
    g_autofree char *path = image_path();
    uint8_t key[NVRAM_KEY_SIZE], wrong[NVRAM_KEY_SIZE];
    Error *err = NULL;

    if (!nvram_encryption_available()) {
        return;
    }
    memset(key, 0x11, sizeof(key));
    memset(wrong, 0x22, sizeof(wrong));
    make_tpm(path, key);
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(!open_store(path, false, wrong, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "wrong key"));
    error_free(err);
    err = NULL;
    ck_assert(!open_store(path, false, NULL, &err));
    ck_assert_ptr_nonnull(strstr(error_get_pretty(err), "--key"));
    error_free(err);
    ck_assert(open_store(path, false, key, &error_abort));
    ck_assert(vtpm_device_init(false, &error_abort));
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0);
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_readpublic), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
}
END_TEST

/* A blob larger than its slot is refused and the old value stays. */
START_TEST(test_put_too_large)
{
    g_autofree char *path = image_path();
    NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
    g_autofree uint8_t *big = NULL;
    Error *err = NULL;

    make_tpm(path, NULL);
    vtpm_store_profile(VTPM_VERSION_2, specs, NULL);
    big = g_malloc0(2 * specs[0].max_size);
    ck_assert(vtpm_device_setup(VTPM_VERSION_2, &error_abort));
    ck_assert(open_store(path, false, NULL, &error_abort));
    ck_assert(!vtpm_store_put("permall", big, 2 * specs[0].max_size, &err));
    error_free(err);
    ck_assert(vtpm_device_init(false, &error_abort));
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_startup_clear), 0);
    ck_assert_uint_eq(TPM_RUN(vtpm_cmd_nv_readpublic), 0);
    vtpm_device_stop();
    ck_assert(vtpm_store_close());
}
END_TEST

static Suite *vtpm_store_suite(void)
{
    Suite *s = suite_create("vtpm-store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_profile_tpm12_is_libtpms);
    tcase_add_test(tc, test_vnvram_profile_agrees);
    tcase_add_test(tc, test_manufacture_and_power_cycle);
    tcase_add_test(tc, test_record_der);
    tcase_add_test(tc, test_record_in_image);
    tcase_add_test(tc, test_damaged_permall_refuses);
    tcase_add_test(tc, test_mirrored_permall_survives_a_bad_copy);
    tcase_add_test(tc, test_rolled_back_entry_refuses);
    tcase_add_test(tc, test_garbage_file_refused);
    tcase_add_test(tc, test_blank_file_refused);
    tcase_add_test(tc, test_missing_image_without_create);
    tcase_add_test(tc, test_keys);
    tcase_add_test(tc, test_put_too_large);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vtpm_store_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
