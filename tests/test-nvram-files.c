/*
 * tests/test-nvram-files.c: libvnvram: JSON entries, device-less reads, image files
 * across processes, missing and read-only files, and encryption (keys,
 * tampering, swapped copies).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvram/crc32c.h"
#include "nvram/image.h"
#include "test-nvram-fixture.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-inspect.h"
#include "tests/check-main.h"

/*** Encodings ***/

START_TEST(test_json_entries)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMOptions json = { .encoding = NVRAM_ENCODING_JSON };
    NVRAMOptions cer = { .encoding = NVRAM_ENCODING_CER };
    NVRAMEncoding enc;
    uint8_t *payload = NULL;
    size_t len;
    uint64_t gen;
    NVRAM *nvram;

    test_name(&name, ENTRY_A);
    nvram = open_with(s, &dev, &json, NULL);
    test_state_set(&dev.state, 11, 3);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    nvram_delete(nvram);
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, &enc,
                                            &gen, &error_abort), 0);
    ck_assert_int_eq(enc, NVRAM_ENCODING_JSON);
    ck_assert_uint_eq(gen, 1);
    ck_assert_uint_gt(len, 10);
    ck_assert_uint_eq(payload[0], '{');
    ck_assert(g_strstr_len((char *)payload, (gssize)len, "\"counter\":11"));
    g_free(payload);

    /* a DER-writing NVRAM reads the JSON value (reads follow the copy) */
    test_state_clear(&dev.state);
    nvram = open_with(s, &dev, NULL, NULL);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 11);
    ck_assert_str_eq(dev.state.label, "state-11");
    ck_assert_uint_eq(dev.state.blob_len, 3);
    nvram_delete(nvram);

    /* and CER values too */
    nvram = open_with(s, &dev, &cer, NULL);
    test_state_set(&dev.state, 12, 2500);
    assert_write_read(nvram, &name, &dev);
    ck_assert_uint_eq(dev.state.counter, 12);
    ck_assert_uint_eq(dev.state.blob_len, 2500);
    nvram_delete(nvram);
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, &enc,
                                            NULL, &error_abort), 0);
    ck_assert_int_eq(enc, NVRAM_ENCODING_CER);
    g_free(payload);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_read_entry_errors)
{
    NVRAMStorage *s = formatted_memory();
    uint8_t *payload = NULL;
    size_t len;
    Error *err = NULL;
    int ret;

    ret = nvram_image_read_entry(s, "nope", &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_MISSING, err);
    ret = nvram_image_read_entry(s, ENTRY_B, &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    ck_assert_ptr_null(payload);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_file_across_processes)
{
    char *path = temp_image_new("nvram.img");
    NVRAMOptions opts = { .create = true };
    NVRAMStorage *fst;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    pid_t pid;
    int status;

    fst = nvram_storage_open_file(path, false, true, &error_abort);
    ck_assert_int_eq(nvram_format_storage(fst, three_specs, 3, false,
                                          &error_abort), 0);
    nvram_storage_close(fst);
    test_name(&name, ENTRY_A);

    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        nvram = nvram_setup(path, &opts, &error_abort);
        nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
        nvram_start(nvram, true, &error_abort);
        test_state_set(&dev.state, 4242, 1234);
        if (nvram_write_data(nvram, &name, 0, NULL, NULL, NULL) != 0 ||
            nvram_delete(nvram) != 0) {
            _exit(1);
        }
        _exit(0);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    nvram = nvram_setup(path, NULL, &error_abort);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    nvram_start(nvram, true, &error_abort);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 4242);
    ck_assert_uint_eq(dev.state.blob_len, 1234);
    /* a second writer is locked out while this one has the image */
    ck_assert_ptr_null(nvram_setup(path, NULL, &err));
    error_free_or_abort(&err);
    nvram_delete(nvram);

    test_state_clear(&dev.state);
    temp_image_remove(path);
}
END_TEST

START_TEST(test_file_missing_and_readonly)
{
    char *path = temp_image_new("nvram.img");
    NVRAMOptions ro = { .read_only = true };
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAMStorage *fst;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    ck_assert_ptr_null(nvram_setup(path, NULL, &err));
    error_free_or_abort(&err);
    fst = nvram_storage_open_file(path, false, true, &error_abort);
    nvram_format_storage(fst, three_specs, 3, false, &error_abort);
    nvram_storage_close(fst);

    nvram = nvram_setup(path, &ro, &error_abort);
    test_name(&name, ENTRY_A);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    nvram_delete(nvram);
    temp_image_remove(path);
}
END_TEST

/*** Encryption ***/
START_TEST(test_encrypted_roundtrip)
{
    NVRAMStorage *s;
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMImageInfo *info = NULL;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    uint8_t *payload = NULL;
    const uint8_t *image;
    size_t size, len;
    NVRAM *nvram;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_roundtrip: skipped (built without nettle)\n");
        return;
    }
    s = encrypted_memory();
    nvram = open_with(s, &dev, &opts, NULL);
    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 31337, 700);
    ck_assert_int_eq(nvram_write_data(nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_set(&dev.state, 31338, 700);
    assert_write_read(nvram, &name, &dev);
    ck_assert_uint_eq(dev.state.counter, 31338);
    ck_assert_str_eq(dev.state.label, "state-31338");
    nvram_delete(nvram);

    /* the label is nowhere in the image in clear */
    /* size is set by the call: read it only after (argument order) */
    image = nvram_storage_memory_data(s, &size);
    ck_assert_ptr_null(memmem(image, size, "state-3133", 10));
    assert_image_is_der(s);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    ck_assert_uint_eq(info->flags, 1);
    ck_assert(info->entries[0].copies[0].encrypted);
    ck_assert_int_eq(info->entries[0].status, 0);
    nvram_image_info_free(info);
    ck_assert_int_eq(nvram_image_read_entry_with_key(s, ENTRY_A, test_key,
                                                     NVRAM_KEY_SIZE, &payload,
                                                     &len, NULL, NULL,
                                                     &error_abort), 0);
    ck_assert_uint_eq(payload[0], 0x30);   /* DER SEQUENCE in clear */
    g_free(payload);
    /* without the key: sealed bytes */
    ck_assert_int_eq(nvram_image_read_entry(s, ENTRY_A, &payload, &len, NULL,
                                            NULL, &error_abort), 0);
    ck_assert_ptr_null(memmem(payload, len, "state-3133", 10));
    g_free(payload);
    /*
     * An I/O error at each read in turn, copy 1 included (after copy 0
     * was decrypted): a clean failure, nothing leaked (sanitizer builds).
     */
    for (unsigned n = 1; n <= 6; n++) {
        FaultStorage *fs = fault_new(s);
        Error *err = NULL;
        int ret;

        fs->fail_read_at = n;
        payload = NULL;
        ret = nvram_image_read_entry_with_key(&fs->common, ENTRY_A, test_key,
                                              NVRAM_KEY_SIZE, &payload, &len,
                                              NULL, NULL, &err);
        ck_assert_msg(ret == 0 || ret == -NVRAM_ERR_IO, "read %u failing: %d",
                      n, ret);
        ck_assert((ret < 0) == (err != NULL));
        ck_assert((ret < 0) == (payload == NULL));
        error_free(err);
        g_free(payload);
        nvram_storage_close(&fs->common);
    }
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_wrong_or_missing_key)
{
    uint8_t wrong[NVRAM_KEY_SIZE];
    NVRAMStorage *s, *plain;
    uint8_t *payload = NULL;
    size_t len;
    Error *err = NULL;
    int ret;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_wrong_or_missing_key: skipped\n");
        return;
    }
    s = encrypted_memory();
    memcpy(wrong, test_key, sizeof(wrong));
    wrong[31] ^= 1;
    ck_assert_int_eq(start_with_key(s, test_key, &error_abort), 0);
    ret = start_with_key(s, wrong, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_WRONG_KEY, err);
    ret = start_on(s, ENTRY_A, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENCRYPTED, err);
    ret = nvram_image_read_entry_with_key(s, ENTRY_A, wrong, NVRAM_KEY_SIZE,
                                          &payload, &len, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_WRONG_KEY, err);
    /* a key for a plain image is a mistake, not silently ignored */
    plain = formatted_memory();
    ret = start_with_key(plain, test_key, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_INVALID, err);
    /* a key of the wrong size */
    {
        NVRAMOptions bad = { .key = test_key, .key_len = 16 };
        ck_assert_ptr_null(nvram_setup_with_storage(
            nvram_storage_new_memory(10), &bad, &err));
        error_free_or_abort(&err);
    }
    nvram_storage_close(plain);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_tamper_and_swap)
{
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMImageInfo *info = NULL;
    TestDevice dev = { 0 }, devb = { 0 };
    NVRAMEntryName name, nameb;
    NVRAMStorage *s;
    uint8_t *data;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    if (!nvram_encryption_available()) {
        printf("test_encrypted_tamper_and_swap: skipped\n");
        return;
    }
    s = encrypted_memory();
    data = nvram_storage_memory_data(s, NULL);
    nvram = open_with(s, &dev, &opts, NULL);
    test_name(&name, ENTRY_A);
    test_name(&nameb, ENTRY_B);
    nvram_register_entry(nvram, &nameb, test_device_rw, &devb, &error_abort);
    test_state_set(&dev.state, 1, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&dev.state, 2, 100);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    test_state_set(&devb.state, 9, 100);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_image_inspect(s, &info, &error_abort);

    /* swap: put entry B's copies into entry A's slots; the entry id check
     * and the associated data (name) both refuse them */
    {
        uint64_t a = info->entries[0].offset, b = info->entries[1].offset;
        uint64_t n = MIN(info->entries[0].copy_size,
                         info->entries[1].copy_size);
        uint64_t a1 = a + info->entries[0].copy_size;
        uint8_t *saved = g_malloc(2 * n);

        memcpy(saved, data + a, n);
        memcpy(saved + n, data + a1, n);
        memcpy(data + a, data + b, n);
        memcpy(data + a + info->entries[0].copy_size, data + b + n, n);
        ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
        ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
        memcpy(data + a, saved, n);
        memcpy(data + a + info->entries[0].copy_size, saved + n, n);
        g_free(saved);
    }
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(dev.state.counter, 2);
    nvram_image_info_free(info);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    test_state_clear(&devb.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_encrypted_format_via_nvram)
{
    NVRAMOptions opts = { .key = test_key, .key_len = NVRAM_KEY_SIZE };
    NVRAMStorage *s = nvram_storage_new_memory(300 * 1024);
    FaultStorage *fs = fault_new(s);
    TestDevice dev = { .format_size = 4000 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    nvram = nvram_setup_with_storage(&fs->common, &opts, &error_abort);
    test_name(&name, "dev0");
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_format(nvram, false, &err);
    if (!nvram_encryption_available()) {
        ck_assert_nvram_error(ret, NVRAM_ERR_ENCRYPTED, err);
        nvram_delete(nvram);
        nvram_storage_close(s);
        return;
    }
    ck_assert_nvram_ok(ret, err);
    /* the value fits although sealing adds 28 bytes */
    test_state_set(&dev.state, 5, 4000 - 40);
    assert_write_read(nvram, &name, &dev);
    ck_assert_uint_eq(dev.state.counter, 5);
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-files");
    TCase *tc;

    tc = tcase_create("encodings-files");
    tcase_add_test(tc, test_json_entries);
    tcase_add_test(tc, test_read_entry_errors);
    tcase_add_test(tc, test_file_across_processes);
    tcase_add_test(tc, test_file_missing_and_readonly);
    suite_add_tcase(s, tc);

    tc = tcase_create("encryption");
    tcase_add_test(tc, test_encrypted_roundtrip);
    tcase_add_test(tc, test_encrypted_wrong_or_missing_key);
    tcase_add_test(tc, test_encrypted_tamper_and_swap);
    tcase_add_test(tc, test_encrypted_format_via_nvram);
    suite_add_tcase(s, tc);

    return check_run_suite(s);
}
