/*
 * tests/test-nvram-fixture.c: the fixtures of tests/test-nvram-fixture.h.
 */
#include "config.h"

#include <unistd.h>

#include "test-nvram-fixture.h"
#include "visitors/ber-inspect.h"

/*** A storage layer with failures, over an in-memory storage ***/

static bool fault_pread(NVRAMStorage *s, void *buf, size_t len,
                        uint64_t offset, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (++fs->reads == fs->fail_read_at) {
        error_setg(errp, "injected read error");
        return false;
    }
    return nvram_storage_pread(fs->inner, buf, len, offset, errp);
}

static bool fault_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (fs->tear_write >= 0) {
        size_t n = MIN(len, (size_t)fs->tear_write);
        fs->tear_write = -1;
        nvram_storage_pwrite(fs->inner, buf, n, offset, &error_abort);
        error_setg(errp, "injected torn write");
        return false;
    }
    if (fs->fail_write) {
        error_setg(errp, "injected write error");
        return false;
    }
    if (fs->drop_out_of_range) {
        uint64_t size;

        nvram_storage_get_size(fs->inner, &size, &error_abort);
        if (offset >= size || len > size - offset) {
            return true;
        }
    }
    return nvram_storage_pwrite(fs->inner, buf, len, offset, errp);
}

static bool fault_flush(NVRAMStorage *s, Error **errp)
{
    FaultStorage *fs = (FaultStorage *)s;

    if (fs->fail_flush) {
        error_setg(errp, "injected flush error");
        return false;
    }
    return nvram_storage_flush(fs->inner, errp);
}

static bool fault_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    return nvram_storage_get_size(((FaultStorage *)s)->inner, size, errp);
}

static void fault_close(NVRAMStorage *s)
{
    /* The inner storage belongs to the test. */
    g_free(s);
}

static const NVRAMStorageOps fault_ops = {
    .pread = fault_pread,
    .pwrite = fault_pwrite,
    .flush = fault_flush,
    .get_size = fault_get_size,
    .close = fault_close,
};

FaultStorage *fault_new(NVRAMStorage *inner)
{
    FaultStorage *fs = g_new0(FaultStorage, 1);

    fs->common.ops = &fault_ops;
    fs->inner = inner;
    fs->tear_write = -1;
    return fs;
}

/*** Fixtures ***/

const NVRAMEntrySpec three_specs[3] = {
    { ENTRY_A, 8192 }, { ENTRY_B, 2048 }, { ENTRY_C, 2048 },
};

/* A formatted in-memory storage with the three entries. */
NVRAMStorage *formatted_memory(void)
{
    uint64_t size;
    NVRAMStorage *s;

    ck_assert_int_eq(nvram_measure(three_specs, 3, &size, &error_abort), 0);
    s = nvram_storage_new_memory((size_t)size);
    ck_assert_int_eq(nvram_format_storage(s, three_specs, 3, false,
                                          &error_abort), 0);
    return s;
}

/* An NVRAM over @storage (not owned) with entry A registered to @dev. */
NVRAM *open_with(NVRAMStorage *storage, TestDevice *dev,
                        const NVRAMOptions *opts, FaultStorage **fault)
{
    FaultStorage *fs = fault_new(storage);
    NVRAMEntryName name;
    NVRAM *nvram;

    nvram = nvram_setup_with_storage(&fs->common, opts, &error_abort);
    test_name(&name, ENTRY_A);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, test_device_rw, dev,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_start(nvram, true, &error_abort), 0);
    if (fault) {
        *fault = fs;
    }
    return nvram;
}

NVRAMStorage *memory_clone(NVRAMStorage *s)
{
    size_t size;
    uint8_t *data = nvram_storage_memory_data(s, &size);
    NVRAMStorage *c = nvram_storage_new_memory(size);

    memcpy(nvram_storage_memory_data(c, NULL), data, size);
    return c;
}

int start_on(NVRAMStorage *inner, const char *entry, Error **errp)
{
    FaultStorage *fs = fault_new(inner);
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    int ret;

    test_name(&name, entry);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_start(nvram, true, errp);
    nvram_delete(nvram);
    return ret;
}

void assert_write_read(NVRAM *nvram, const NVRAMEntryName *name,
                       TestDevice *dev)
{
    ck_assert_int_eq(nvram_write_data(nvram, name, 0, NULL, NULL,
                                      &error_abort), 0);
    test_state_clear(&dev->state);
    ck_assert_int_eq(nvram_read_data(nvram, name, 0, NULL, NULL,
                                     &error_abort), 0);
}

/* The path of file @name in a new temporary directory. */
char *temp_image_new(const char *name)
{
    char *dir = g_dir_make_tmp("test-nvram-XXXXXX", NULL);
    char *path;

    ck_assert_ptr_nonnull(dir);
    path = g_build_filename(dir, name, NULL);
    g_free(dir);
    return path;
}

/* Delete the file of temp_image_new() and its directory; free @path. */
void temp_image_remove(char *path)
{
    char *dir = g_path_get_dirname(path);

    unlink(path);
    rmdir(dir);
    g_free(dir);
    g_free(path);
}

const uint8_t test_key[NVRAM_KEY_SIZE] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

NVRAMStorage *encrypted_memory(void)
{
    uint64_t size;
    NVRAMStorage *s;

    ck_assert_int_eq(nvram_measure(three_specs, 3, &size, &error_abort), 0);
    s = nvram_storage_new_memory((size_t)size);
    ck_assert_int_eq(nvram_format_storage_with_key(s, three_specs, 3,
                                                   test_key, NVRAM_KEY_SIZE,
                                                   false, &error_abort), 0);
    return s;
}

int start_with_key(NVRAMStorage *inner, const uint8_t *key,
                          Error **errp)
{
    NVRAMOptions opts = { .key = key, .key_len = NVRAM_KEY_SIZE };
    FaultStorage *fs = fault_new(inner);
    TestDevice dev = { 0 };
    NVRAMEntryName name;
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, &opts, &error_abort);
    int ret;

    test_name(&name, ENTRY_A);
    nvram_register_entry(nvram, &name, test_device_rw, &dev, &error_abort);
    ret = nvram_start(nvram, true, errp);
    nvram_delete(nvram);
    return ret;
}

/* Walk the whole image with the inspector: it must be one clean DER value. */
void assert_image_is_der(NVRAMStorage *s)
{
    size_t size;
    uint8_t *data = nvram_storage_memory_data(s, &size);
    BERInspectOptions opts;
    BERInspectSummary sum;

    ber_inspect_options_init(&opts);
    opts.mode = BER_MODE_DER;
    opts.single = true;
    opts.encapsulation = false;
    ck_assert(ber_inspect(data, size, &opts, NULL, NULL, &sum));
    ck_assert_uint_eq(sum.errors, 0);
    ck_assert_uint_eq(sum.warnings, 0);
    ck_assert_uint_eq(sum.top_level, 1);
    ck_assert_uint_eq(sum.consumed, size);
}

/*** The checked fixture ***/

NVRAMFixture fx;

void fx_setup(void)
{
    memset(&fx, 0, sizeof(fx));
    fx.s = formatted_memory();
    test_name(&fx.name, ENTRY_A);
    fx.nvram = open_with(fx.s, &fx.dev, NULL, &fx.fault);
}

int fx_nvram_close(void)
{
    int ret = fx.nvram ? nvram_delete(fx.nvram) : 0;

    fx.nvram = NULL;
    fx.fault = NULL;
    return ret;
}

void fx_nvram_reopen(void)
{
    fx_nvram_close();
    fx.nvram = open_with(fx.s, &fx.dev, NULL, &fx.fault);
}

void fx_teardown(void)
{
    fx_nvram_close();
    test_state_clear(&fx.dev.state);
    nvram_storage_close(fx.s);
    fx.s = NULL;
}
