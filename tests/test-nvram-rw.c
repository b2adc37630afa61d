/*
 * tests/test-nvram-rw.c: libvnvram: synchronous reads and writes, flushes per commit,
 * alternating copies, damaged copies, sizes, device failures, I/O errors
 * and torn writes.
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

/*** Reads and writes ***/

START_TEST(test_roundtrip_and_absent)
{
    Error *err = NULL;
    int ret;

    ret = nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
    for (uint32_t i = 1; i <= 5; i++) {
        test_state_set(&fx.dev.state, i, 1000 * i);
        ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                          &error_abort), 0);
    }
    test_state_clear(&fx.dev.state);
    ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 5);
    ck_assert_str_eq(fx.dev.state.label, "state-5");
    ck_assert_uint_eq(fx.dev.state.blob_len, 5000);
    ck_assert_uint_eq(fx.dev.state.blob[4999], (uint8_t)(4999 * 31 + 5));
    ck_assert_int_eq(fx_nvram_close(), 0);

    /* a second NVRAM over the same bytes sees the value */
    test_state_clear(&fx.dev.state);
    fx_nvram_reopen();
    ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 5);
    fx_nvram_close();
    test_state_clear(&fx.dev.state);
    assert_image_is_der(fx.s);
}
END_TEST

START_TEST(test_one_flush_per_write)
{
    NVRAMStorageStats before, after;

    test_state_set(&fx.dev.state, 1, 6000);
    /* The first write fills both copies: two writes, two flushes. */
    before = nvram_storage_get_stats(fx.s);
    ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                      &error_abort), 0);
    after = nvram_storage_get_stats(fx.s);
    ck_assert_uint_eq(after.flushes - before.flushes, 2);
    ck_assert_uint_eq(after.writes - before.writes, 2);
    for (int i = 0; i < 10; i++) {
        before = nvram_storage_get_stats(fx.s);
        ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                          &error_abort), 0);
        after = nvram_storage_get_stats(fx.s);
        ck_assert_uint_eq(after.flushes - before.flushes, 1);
        ck_assert_uint_eq(after.writes - before.writes, 1);
        ck_assert_uint_eq(after.reads - before.reads, 0);
        /* value + a small, bounded overhead */
        ck_assert_uint_ge(after.bytes_written - before.bytes_written, 6000);
        ck_assert_uint_le(after.bytes_written - before.bytes_written,
                          6000 + 100);
    }
}
END_TEST

START_TEST(test_alternating_copies)
{
    NVRAMImageInfo *info = NULL;

    for (uint32_t i = 1; i <= 4; i++) {
        test_state_set(&fx.dev.state, i, 10);
        ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_image_inspect(fx.s, &info, &error_abort), 0);
        ck_assert_int_eq(info->entries[0].status, 0);
        ck_assert_uint_eq(info->entries[0].copies[info->entries[0].newest]
                          .generation, i);
        /* the other copy keeps the previous value (the first write fills
         * both copies, so no generation-0 copy survives it) */
        ck_assert_uint_eq(info->entries[0].copies[1 - info->entries[0].newest]
                          .generation, i == 1 ? 1 : i - 1);
        nvram_image_info_free(info);
    }
}
END_TEST

START_TEST(test_corrupt_copies)
{
    NVRAMImageInfo *info = NULL;
    uint8_t *data = nvram_storage_memory_data(fx.s, NULL);
    uint64_t newest_off, older_off;
    Error *err = NULL;
    int ret;

    test_state_set(&fx.dev.state, 1, 100);
    nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &error_abort);
    test_state_set(&fx.dev.state, 2, 100);
    nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &error_abort);
    ck_assert_int_eq(nvram_image_inspect(fx.s, &info, &error_abort), 0);
    newest_off = info->entries[0].copies[info->entries[0].newest].offset;
    older_off = info->entries[0].copies[1 - info->entries[0].newest].offset;
    nvram_image_info_free(info);

    /* damage the newest value's payload: the older value is read, and
     * the read says that it is a rollback */
    data[newest_off + 60] ^= 1;
    ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), NVRAM_READ_ROLLED_BACK);
    ck_assert_uint_eq(fx.dev.state.counter, 1);
    ck_assert_int_eq(nvram_image_inspect(fx.s, &info, &error_abort), 0);
    ck_assert(!info->entries[0].copies[info->entries[0].newest == 0 ? 1 : 0]
              .valid || !info->entries[0].copies[0].valid ||
              !info->entries[0].copies[1].valid);
    ck_assert_ptr_nonnull(info->entries[0].copies[newest_off ==
                          info->entries[0].copies[0].offset ? 0 : 1].problem);
    nvram_image_info_free(info);

    /* damage both: corrupt, not absent */
    data[older_off + 3] ^= 0x40;
    ret = nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
    ck_assert_int_eq(nvram_image_inspect(fx.s, &info, &error_abort), 0);
    ck_assert_int_eq(info->entries[0].status, -NVRAM_ERR_ENTRY_CORRUPT);
    nvram_image_info_free(info);

    /* a write repairs the entry (it goes to one of the damaged copies) */
    test_state_set(&fx.dev.state, 3, 100);
    assert_write_read(fx.nvram, &fx.name, &fx.dev);
    ck_assert_uint_eq(fx.dev.state.counter, 3);
}
END_TEST

START_TEST(test_payload_too_large)
{
    NVRAMStorageStats before, after;
    Error *err = NULL;
    int ret;

    test_state_set(&fx.dev.state, 1, 100);
    nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &error_abort);
    test_state_set(&fx.dev.state, 2, 13000);
    before = nvram_storage_get_stats(fx.s);
    ret = nvram_write_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_PAYLOAD_TOO_LARGE, err);
    after = nvram_storage_get_stats(fx.s);
    ck_assert_uint_eq(after.writes, before.writes);
    ck_assert_int_eq(nvram_process_requests(fx.nvram), 0);
    ck_assert(!nvram_had_fatal_error(fx.nvram));
    /* the old value stays */
    ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 1);
    /* exactly at the guaranteed capacity it fits */
    test_state_set(&fx.dev.state, 3, 8192 - 40);
    ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                      &error_abort), 0);
    fx_nvram_close();
    test_state_clear(&fx.dev.state);
    assert_image_is_der(fx.s);
}
END_TEST

START_TEST(test_every_value_size_is_valid_der)
{
    /* Around the filler's length boundaries, every value size leaves the
     * image a clean DER stream and reads back. */
    NVRAMEntrySpec spec = { ENTRY_A, 3000 };
    uint64_t size;
    NVRAMStorage *s;
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram;

    nvram_measure(&spec, 1, &size, NULL);
    s = nvram_storage_new_memory((size_t)size);
    nvram_format_storage(s, &spec, 1, false, &error_abort);
    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    for (size_t len = 0; len < 4096; len += (len < 200 || len > 3900) ? 1 : 61) {
        Error *err = NULL;
        int ret;

        test_state_set(&dev.state, (uint32_t)len, len);
        ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
        if (ret == -NVRAM_ERR_PAYLOAD_TOO_LARGE) {
            ck_assert_uint_gt(len, 3000);
            error_free(err);
            continue;
        }
        ck_assert_nvram_ok(ret, err);
        assert_image_is_der(s);
        test_state_clear(&dev.state);
        ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                         &error_abort), 0);
        ck_assert_uint_eq(dev.state.blob_len, len);
    }
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}
END_TEST

START_TEST(test_device_failure)
{
    Error *err = NULL;
    int ret;

    test_state_set(&fx.dev.state, 1, 10);
    fx.dev.fail_next = true;
    ret = nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_DEVICE, err);
    nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &error_abort);
    fx.dev.fail_next = true;
    ret = nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_DEVICE, err);
    ck_assert(!nvram_had_fatal_error(fx.nvram));
}
END_TEST

/*** I/O errors and crashes ***/

static void check_io_failure(bool flush)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    FaultStorage *fs;
    Error *err = NULL;
    NVRAM *nvram = open_with(s, &dev, NULL, &fs);
    int ret;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 500);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    if (flush) {
        fs->fail_flush = true;
    } else {
        fs->fail_write = true;
    }
    test_state_set(&dev.state, 2, 500);
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_IO, err);
    ck_assert(nvram_had_fatal_error(nvram));
    fs->fail_flush = fs->fail_write = false;
    /* failed: no more writes, even when the storage recovers */
    ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_FAILED, err);
    ck_assert_int_eq(nvram_delete(nvram), -NVRAM_ERR_IO);

    /* nothing committed is lost: the value reads as 1 (write error) or as
     * 1 or 2 (the flush failed after the data may have reached the disk) */
    test_state_clear(&dev.state);
    nvram = open_with(s, &dev, NULL, NULL);
    ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert(dev.state.counter == 1 || (flush && dev.state.counter == 2));
    nvram_delete(nvram);
    test_state_clear(&dev.state);
    nvram_storage_close(s);
}

START_TEST(test_write_error)
{
    check_io_failure(false);
}
END_TEST

START_TEST(test_flush_error)
{
    check_io_failure(true);
}
END_TEST

START_TEST(test_torn_write_every_length)
{
    /* A crash after any prefix of the copy write leaves old or new. */
    NVRAMStorage *base = formatted_memory();
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = open_with(base, &dev, NULL, NULL);
    size_t len;

    test_name(&name, ENTRY_A);
    test_state_set(&dev.state, 1, 300);
    nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    nvram_delete(nvram);

    for (len = 0; len < 420; len += 3) {
        NVRAMStorage *s = memory_clone(base);
        FaultStorage *fs;
        Error *err = NULL;
        int ret;

        nvram = open_with(s, &dev, NULL, &fs);
        fs->tear_write = (long)len;
        test_state_set(&dev.state, 2, 300);
        ret = nvram_write_data(nvram, &name, 0, NULL, NULL, &err);
        ck_assert_int_eq(ret, -NVRAM_ERR_IO);
        error_free(err);
        nvram_delete(nvram);

        test_state_clear(&dev.state);
        nvram = open_with(s, &dev, NULL, NULL);
        ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &error_abort);
        /* a complete write (len >= its size) may read as new; the old
         * value beside a torn copy is reported as a rollback */
        ck_assert(ret == 0 || ret == NVRAM_READ_ROLLED_BACK);
        ck_assert(dev.state.counter == 1 || dev.state.counter == 2);
        if (dev.state.counter == 1 && ret == 0) {
            /* then the tear left the old bytes: both copies are intact */
            NVRAMImageInfo *info = NULL;

            ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
            ck_assert(info->entries[0].copies[0].valid &&
                      info->entries[0].copies[1].valid);
            nvram_image_info_free(info);
        }
        ck_assert_uint_eq(dev.state.blob_len, 300);
        nvram_delete(nvram);
        nvram_storage_close(s);
    }
    test_state_clear(&dev.state);
    nvram_storage_close(base);
}
END_TEST

START_TEST(test_torn_first_write_is_absent)
{
    /* Tearing the very first write leaves the entry "never written". */
    Error *err = NULL;
    int ret;

    fx.fault->tear_write = 40;
    test_state_set(&fx.dev.state, 1, 100);
    ret = nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_IO, err);
    fx_nvram_close();
    fx_nvram_reopen();
    ret = nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_ABSENT, err);
}
END_TEST

START_TEST(test_unregistered_entries_preserved)
{
    NVRAMStorage *s = formatted_memory();
    TestDevice dev = { 0 }, devb = { 0 };
    NVRAMEntryName name, nameb;
    NVRAMImageInfo *info = NULL;
    uint8_t *before, *data;
    size_t size;
    uint64_t b_start, b_end;
    NVRAM *nvram;

    /* give B a value, then work on A alone */
    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&nameb, ENTRY_B);
    nvram_register_entry(nvram, &nameb, test_device_rw, &devb, &error_abort);
    test_state_set(&devb.state, 42, 64);
    nvram_write_data(nvram, &nameb, 0, NULL, NULL, &error_abort);
    nvram_delete(nvram);

    data = nvram_storage_memory_data(s, &size);
    before = g_memdup2(data, size);
    nvram_image_inspect(s, &info, &error_abort);
    b_start = info->entries[1].offset;
    b_end = info->entries[2].offset + 2 * info->entries[2].copy_size;
    nvram_image_info_free(info);

    nvram = open_with(s, &dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    for (uint32_t i = 0; i < 5; i++) {
        test_state_set(&dev.state, i, 200);
        nvram_write_data(nvram, &name, 0, NULL, NULL, &error_abort);
    }
    nvram_delete(nvram);
    ck_assert(memcmp(before, data, 4096) == 0);
    ck_assert(memcmp(before + b_start, data + b_start, b_end - b_start) == 0);
    g_free(before);
    test_state_clear(&dev.state);
    test_state_clear(&devb.state);
    nvram_storage_close(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-rw");
    TCase *tc;

    tc = tcase_create("rw");
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_add_test(tc, test_roundtrip_and_absent);
    tcase_add_test(tc, test_one_flush_per_write);
    tcase_add_test(tc, test_alternating_copies);
    tcase_add_test(tc, test_corrupt_copies);
    tcase_add_test(tc, test_payload_too_large);
    tcase_add_test(tc, test_every_value_size_is_valid_der);
    tcase_add_test(tc, test_device_failure);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_flush_error);
    tcase_add_test(tc, test_torn_write_every_length);
    tcase_add_test(tc, test_torn_first_write_is_absent);
    tcase_add_test(tc, test_unregistered_entries_preserved);
    suite_add_tcase(s, tc);

    return check_run_suite(s);
}
