/*
 * tests/test-nvram-pick.c: the pick rules, copy by copy: which copy a read
 * serves, what is damage (reported with its offset), what is a rollback
 * (reported, never silent), and a generation that cannot grow (refused,
 * never wrapped). Each test crafts copies with the format's own framing,
 * with valid check values, so that only the rule under test can refuse
 * them.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "nvram/image.h"
#include "test-nvram-common.h"
#include "visitors/ber-visitor.h"
#include "tests/check-main.h"

#define ENTRY "permall"

/*** Fixture: a formatted memory image with one entry, and its layout ***/

typedef struct PickFixture {
    NVRAMStorage *storage;
    NVRAMLayout *layout;
    const NVRAMLayoutEntry *entry;
    TestDevice dev;
    NVRAMEntryName name;
} PickFixture;

static PickFixture fx;

static void pick_setup(void)
{
    const NVRAMEntrySpec spec = { ENTRY, 2048 };
    uint64_t size;

    memset(&fx, 0, sizeof(fx));
    ck_assert_int_eq(nvram_measure(&spec, 1, &size, &error_abort), 0);
    fx.storage = nvram_storage_new_memory((size_t)size);
    ck_assert_int_eq(nvram_format_storage(fx.storage, &spec, 1, false,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_layout_read(fx.storage, &fx.layout, &error_abort),
                     0);
    fx.entry = nvram_layout_find(fx.layout, ENTRY);
    ck_assert_ptr_nonnull(fx.entry);
    test_name(&fx.name, ENTRY);
}

static void pick_teardown(void)
{
    test_state_clear(&fx.dev.state);
    nvram_layout_free(fx.layout);
    nvram_storage_close(fx.storage);
}

/* The DER encoding of a TestState with @counter (caller frees). */
static GByteArray *encode_state(uint32_t counter)
{
    TestState st = { 0 }, *p = &st;
    GByteArray *out = NULL;
    Visitor *v;

    test_state_set(&st, counter, 16);
    v = ber_output_visitor_new(BER_MODE_DER, &out);
    ck_assert(visit_type_TestState(v, NULL, &p, &error_abort));
    visit_complete(v, &out);
    visit_free(v);
    test_state_clear(&st);
    return out;
}

/* Write copy @c of the entry: @generation, @flags, the state @counter
 * (or no value when @counter is 0), with a valid check value. */
static void put_copy(int c, uint64_t generation, uint32_t flags,
                     uint32_t counter)
{
    GByteArray *value = counter ? encode_state(counter) : NULL;
    GByteArray *copy = NULL;

    ck_assert_int_eq(nvram_copy_build(fx.layout, fx.entry, generation,
                                      NVRAM_ENCODING_DER, flags,
                                      value ? value->data : NULL,
                                      value ? value->len : 0, &copy,
                                      &error_abort), 0);
    ck_assert(nvram_storage_pwrite(fx.storage, copy->data, copy->len,
                                   fx.entry->offset +
                                   (uint64_t)c * fx.entry->copy_size,
                                   &error_abort));
    g_byte_array_unref(copy);
    if (value) {
        g_byte_array_unref(value);
    }
}

/* An NVRAM over the fixture's storage (not owned), started. */
static NVRAM *open_fixture(void)
{
    NVRAM *nvram;

    nvram = nvram_setup_with_storage(test_storage_borrow(fx.storage), NULL,
                                     &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &fx.name, test_device_rw,
                                          &fx.dev, &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    return nvram;
}

/* Inspect the fixture; the caller frees the result. */
static NVRAMImageInfo *inspect(void)
{
    NVRAMImageInfo *info = NULL;

    ck_assert_int_eq(nvram_image_inspect(fx.storage, &info, &error_abort), 0);
    return info;
}

/*** The rules ***/

/* Generation 2^64-1: served, but a write is refused instead of wrapping to
 * 0 (after which every later write would lose to the old copy). */
START_TEST(test_generation_cannot_grow)
{
    NVRAMImageInfo *info;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    put_copy(0, UINT64_MAX, 0, 7);
    put_copy(1, UINT64_MAX - 1, 0, 6);
    nvram = open_fixture();
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 7);
    for (int i = 0; i < 3; i++) {
        test_state_set(&fx.dev.state, 100 + i, 8);
        ret = nvram_write_data(nvram, &fx.name, 0, NULL, NULL, &err);
        ck_assert_msg(ret == -NVRAM_ERR_INVALID && err &&
                      strstr(error_get_pretty(err), "cannot grow"),
                      "write %d returned %d", i, ret);
        error_free(err);
        err = NULL;
    }
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 7);
    nvram_delete(nvram);
    info = inspect();
    ck_assert(info->entries[0].generation_exhausted);
    nvram_image_info_free(info);
}
END_TEST

/* Two valid copies of one generation with different values: neither is
 * served (either would be a guess), both are reported with offsets. */
START_TEST(test_equal_generations_differ)
{
    NVRAMImageInfo *info;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    put_copy(0, 5, 0, 1);
    put_copy(1, 5, 0, 2);
    info = inspect();
    ck_assert_int_eq(info->entries[0].status, -NVRAM_ERR_ENTRY_CORRUPT);
    for (int c = 0; c < 2; c++) {
        ck_assert(!info->entries[0].copies[c].valid);
        ck_assert_msg(strstr(info->entries[0].copies[c].problem, "offset") &&
                      strstr(info->entries[0].copies[c].problem,
                             "different value"), "%s",
                      info->entries[0].copies[c].problem);
    }
    nvram_image_info_free(info);
    nvram = open_fixture();
    ret = nvram_read_data(nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
    ck_assert_int_eq(fx.dev.reads, 0);
    /* a new write wins over both: its generation is above theirs */
    test_state_set(&fx.dev.state, 9, 8);
    ck_assert_int_eq(nvram_write_data(nvram, &fx.name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&fx.dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 9);
    nvram_delete(nvram);

    /* equal generations with equal values are one commit in two copies */
    put_copy(0, 6, 0, 3);
    put_copy(1, 6, 0, 3);
    info = inspect();
    ck_assert_int_eq(info->entries[0].status, 0);
    ck_assert(info->entries[0].copies[0].valid &&
              info->entries[0].copies[1].valid);
    ck_assert(!info->entries[0].rolled_back);
    nvram_image_info_free(info);
}
END_TEST

/* Generation 0 is "never written" and carries no value: one that does is
 * damage, not an empty entry and not a value. */
START_TEST(test_generation_zero_with_value)
{
    NVRAMImageInfo *info;
    const char *problem;

    put_copy(0, 0, 0, 4);
    info = inspect();
    problem = info->entries[0].copies[0].problem;
    ck_assert(!info->entries[0].copies[0].valid);
    ck_assert_msg(problem && strstr(problem, "offset") &&
                  strstr(problem, "generation 0"), "%s", problem);
    /* copy 1 is the formatted generation-0 copy: never written */
    ck_assert_int_eq(info->entries[0].status, -NVRAM_ERR_ENTRY_ABSENT);
    nvram_image_info_free(info);
}
END_TEST

/* A sealed copy in an image that is not encrypted would reach the device
 * decoder as plaintext: damage. */
START_TEST(test_sealed_copy_in_plain_image)
{
    NVRAMImageInfo *info;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    put_copy(0, 3, NVRAM_COPY_FLAG_ENCRYPTED, 4);
    put_copy(1, 3, NVRAM_COPY_FLAG_ENCRYPTED, 4);
    info = inspect();
    for (int c = 0; c < 2; c++) {
        const char *problem = info->entries[0].copies[c].problem;
        ck_assert_msg(problem && strstr(problem, "offset") &&
                      strstr(problem, "not encrypted"), "%s", problem);
    }
    ck_assert_int_eq(info->entries[0].status, -NVRAM_ERR_ENTRY_CORRUPT);
    nvram_image_info_free(info);
    nvram = open_fixture();
    ret = nvram_read_data(nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_ENTRY_CORRUPT, err);
    ck_assert_int_eq(fx.dev.reads, 0);
    nvram_delete(nvram);
}
END_TEST

/* A header whose entry has id 0 is a damaged header, refused with the
 * offset of that entry, not an entry whose copies are blamed later. */
START_TEST(test_entry_id_zero)
{
    NVRAMStorage *s = nvram_storage_new_memory(fx.layout->image_size);
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int ret;

    fx.layout->entries[0].id = 0;
    ck_assert_int_eq(nvram_layout_write(s, fx.layout, &error_abort), 0);
    ret = nvram_image_inspect(s, &info, &err);
    ck_assert_ptr_null(info);
    ck_assert_msg(ret == -NVRAM_ERR_CORRUPT_HEADER && err &&
                  strstr(error_get_pretty(err), "offset ") &&
                  strstr(error_get_pretty(err), "id 0") &&
                  !strstr(error_get_pretty(err), "offset 0:"),
                  "%d: %s", ret, err ? error_get_pretty(err) : "");
    error_free(err);
    nvram_storage_close(s);
}
END_TEST

typedef struct Done {
    int errcode;
    char *message;
    int calls;
} Done;

static void on_done(int errcode, const NVRAMEntryName *name, void *opaque,
                    const Error *err)
{
    Done *d = opaque;

    d->errcode = errcode;
    g_free(d->message);
    d->message = g_strdup(err ? error_get_pretty(err) : "");
    d->calls++;
}

/* The newest copy damaged: the previous value is served and the read says
 * so, synchronously (the return value) and asynchronously (errcode and
 * message); a write then repairs both copies. */
START_TEST(test_rollback_reported)
{
    NVRAMImageInfo *info;
    uint8_t byte;
    Done done = { 0 };
    Error *err = NULL;
    NVRAM *nvram;
    uint64_t at;

    put_copy(0, 4, 0, 40);
    put_copy(1, 5, 0, 50);
    at = fx.entry->offset + fx.entry->copy_size + 64;
    ck_assert(nvram_storage_pread(fx.storage, &byte, 1, at, &error_abort));
    byte ^= 0x10;
    ck_assert(nvram_storage_pwrite(fx.storage, &byte, 1, at, &error_abort));

    info = inspect();
    ck_assert(info->entries[0].rolled_back);
    ck_assert_int_eq(info->entries[0].newest, 0);
    nvram_image_info_free(info);

    nvram = open_fixture();
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, 0, NULL, NULL, &err),
                     NVRAM_READ_ROLLED_BACK);
    ck_assert_ptr_null(err);
    ck_assert_uint_eq(fx.dev.state.counter, 40);
    test_state_clear(&fx.dev.state);
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, VNVRAM_ASYNC_F |
                                     VNVRAM_WAIT_COMPLETION_F, on_done, &done,
                                     &error_abort), 0);
    nvram_process_requests(nvram);
    ck_assert_int_eq(done.calls, 1);
    ck_assert_int_eq(done.errcode, NVRAM_READ_ROLLED_BACK);
    ck_assert_msg(strstr(done.message, "offset") &&
                  strstr(done.message, "generation 4"), "%s", done.message);
    ck_assert_uint_eq(fx.dev.state.counter, 40);

    /* the next write fills both copies: no damage and no rollback left */
    test_state_set(&fx.dev.state, 60, 8);
    ck_assert_int_eq(nvram_write_data(nvram, &fx.name, 0, NULL, NULL,
                                      &error_abort), 0);
    ck_assert_int_eq(nvram_read_data(nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 60);
    nvram_delete(nvram);
    info = inspect();
    ck_assert(info->entries[0].copies[0].valid &&
              info->entries[0].copies[1].valid);
    ck_assert(!info->entries[0].rolled_back);
    nvram_image_info_free(info);
    g_free(done.message);
}
END_TEST

/* Counting flushes under an NVRAM: the storage's own counters. */
static uint64_t flushes_of(NVRAM *nvram)
{
    return nvram_storage_get_stats(nvram_get_storage(nvram)).flushes;
}

/*
 * The policies: alternate commits cost one flush, mirror commits two (both
 * copies); the policy set before format is recorded in the image, and set
 * after start is refused.
 */
START_TEST(test_policy_flushes)
{
    const NVRAMEntrySpec spec = { ENTRY, 2048 };
    NVRAMStorage *s;
    NVRAMImageInfo *info;
    Error *err = NULL;
    NVRAM *nvram;
    uint64_t size, before;

    for (int mirror = 0; mirror < 2; mirror++) {
        ck_assert_int_eq(nvram_measure(&spec, 1, &size, &error_abort), 0);
        s = nvram_storage_new_memory((size_t)size);
        nvram = nvram_setup_with_storage(s, NULL, &error_abort);
        ck_assert_int_eq(nvram_register_entry(nvram, &fx.name,
                                              test_device_rw, &fx.dev,
                                              &error_abort), 0);
        fx.dev.format_size = 2048;
        ck_assert_int_eq(nvram_set_entry_policy(nvram, &fx.name,
                                                mirror ? NVRAM_POLICY_MIRROR
                                                : NVRAM_POLICY_ALTERNATE,
                                                &error_abort), 0);
        ck_assert_int_eq(nvram_format(nvram, false, &error_abort), 0);
        ck_assert_int_eq(nvram_set_entry_policy(nvram, &fx.name,
                                                NVRAM_POLICY_MIRROR, &err),
                         -NVRAM_ERR_INVALID);
        error_free(err);
        err = NULL;
        for (uint32_t k = 1; k <= 5; k++) {
            test_state_set(&fx.dev.state, k, 100);
            before = flushes_of(nvram);
            ck_assert_int_eq(nvram_write_data(nvram, &fx.name, 0, NULL, NULL,
                                              &error_abort), 0);
            /* the first commit fills both copies either way */
            ck_assert_uint_eq(flushes_of(nvram) - before,
                              mirror || k == 1 ? 2 : 1);
        }
        ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
        ck_assert_int_eq(info->entries[0].policy,
                         mirror ? NVRAM_POLICY_MIRROR
                                : NVRAM_POLICY_ALTERNATE);
        if (mirror) {
            /* both copies hold the last commit */
            ck_assert_uint_eq(info->entries[0].copies[0].generation, 5);
            ck_assert_uint_eq(info->entries[0].copies[1].generation, 5);
        }
        nvram_image_info_free(info);
        nvram_delete(nvram);
    }
    {
        NVRAMEntryName other;

        test_name(&other, "nope");
        nvram = nvram_setup_with_storage(nvram_storage_new_memory(4096), NULL,
                                         &error_abort);
        ck_assert_int_eq(nvram_set_entry_policy(nvram, &other,
                                                NVRAM_POLICY_MIRROR, &err),
                         -NVRAM_ERR_NOT_REGISTERED);
        error_free(err);
        nvram_delete(nvram);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-pick");
    TCase *tc = tcase_create("pick");

    tcase_add_checked_fixture(tc, pick_setup, pick_teardown);
    tcase_add_test(tc, test_generation_cannot_grow);
    tcase_add_test(tc, test_equal_generations_differ);
    tcase_add_test(tc, test_generation_zero_with_value);
    tcase_add_test(tc, test_sealed_copy_in_plain_image);
    tcase_add_test(tc, test_entry_id_zero);
    tcase_add_test(tc, test_rollback_reported);
    tcase_add_test(tc, test_policy_flushes);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
