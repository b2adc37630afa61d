/*
 * tests/test-nvram-async.c: libvnvram: asynchronous requests, completion order, waits,
 * delivery at delete, deregistration, re-entrant callbacks, concurrent
 * callers, the GSource.
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

/*** Asynchronous requests ***/

typedef struct Completion {
    GMutex lock;
    GArray *order;      /* opaque values, as ints, in completion order */
    GArray *codes;
    GArray *counters;   /* device counter seen at a read completion */
    TestDevice *dev;
} Completion;

static void completion_init(Completion *c, TestDevice *dev)
{
    g_mutex_init(&c->lock);
    c->order = g_array_new(false, false, sizeof(int));
    c->codes = g_array_new(false, false, sizeof(int));
    c->counters = g_array_new(false, false, sizeof(uint32_t));
    c->dev = dev;
}

static void completion_clear(Completion *c)
{
    g_array_unref(c->order);
    g_array_unref(c->codes);
    g_array_unref(c->counters);
    g_mutex_clear(&c->lock);
}

typedef struct CompletionArg {
    Completion *c;
    int tag;
} CompletionArg;

static void on_done(int errcode, const NVRAMEntryName *name, void *opaque,
                    const Error *err)
{
    CompletionArg *a = opaque;

    g_mutex_lock(&a->c->lock);
    g_array_append_val(a->c->order, a->tag);
    g_array_append_val(a->c->codes, errcode);
    g_array_append_val(a->c->counters, a->c->dev->state.counter);
    g_mutex_unlock(&a->c->lock);
    ck_assert((errcode == 0) == (err == NULL));
}

START_TEST(test_async_order)
{
    Completion comp;
    CompletionArg args[40];
    int delivered = 0;

    completion_init(&comp, &fx.dev);
    for (int i = 0; i < 40; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        if (i % 4 == 3) {
            ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F,
                                             on_done, &args[i],
                                             &error_abort), 0);
        } else {
            test_state_set(&fx.dev.state, (uint32_t)i + 1000, 50);
            ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F,
                                              on_done, &args[i],
                                              &error_abort), 0);
        }
    }
    while (delivered < 40) {
        delivered += nvram_process_requests(fx.nvram);
        g_usleep(100);
    }
    ck_assert_uint_eq(comp.order->len, 40);
    for (int i = 0; i < 40; i++) {
        ck_assert_int_eq(g_array_index(comp.order, int, i), i);
        ck_assert_int_eq(g_array_index(comp.codes, int, i), 0);
        if (i % 4 == 3) {
            /* a read sees the write submitted just before it */
            ck_assert_uint_eq(g_array_index(comp.counters, uint32_t, i),
                              (uint32_t)i - 1 + 1000);
        }
    }
    fx_nvram_close();
    completion_clear(&comp);
}
END_TEST

START_TEST(test_async_wait_completion)
{
    Completion comp;
    CompletionArg arg;
    NVRAMStorageStats st;

    completion_init(&comp, &fx.dev);
    arg.c = &comp;
    arg.tag = 1;
    test_state_set(&fx.dev.state, 9, 10);
    ck_assert_int_eq(nvram_write_data(fx.nvram, &fx.name,
                                      VNVRAM_ASYNC_F | VNVRAM_WAIT_COMPLETION_F,
                                      on_done, &arg, &error_abort), 0);
    /* the I/O is done when the call returns, the callback is not yet run */
    st = nvram_storage_get_stats(fx.s);
    ck_assert_uint_eq(st.flushes, 4);   /* format (2) + a first write (2) */
    ck_assert_uint_eq(comp.order->len, 0);
    ck_assert_int_eq(nvram_process_requests(fx.nvram), 1);
    ck_assert_uint_eq(comp.order->len, 1);
    fx_nvram_close();
    completion_clear(&comp);
}
END_TEST

START_TEST(test_delete_delivers_pending)
{
    Completion comp;
    CompletionArg args[10];

    completion_init(&comp, &fx.dev);
    test_state_set(&fx.dev.state, 5, 10);
    for (int i = 0; i < 10; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        nvram_write_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F, on_done, &args[i],
                         &error_abort);
    }
    ck_assert_int_eq(fx_nvram_close(), 0);
    ck_assert_uint_eq(comp.order->len, 10);
    completion_clear(&comp);
}
END_TEST

START_TEST(test_sync_async_equivalence)
{
    NVRAMStorage *base = formatted_memory();
    NVRAMStorage *s1 = memory_clone(base), *s2 = memory_clone(base);
    TestDevice d1 = { 0 }, d2 = { 0 };
    NVRAMEntryName name;
    NVRAM *n1 = open_with(s1, &d1, NULL, NULL);
    NVRAM *n2 = open_with(s2, &d2, NULL, NULL);
    size_t size;

    test_name(&name, ENTRY_A);
    for (uint32_t i = 0; i < 7; i++) {
        test_state_set(&d1.state, i, 100 + i * 300);
        test_state_set(&d2.state, i, 100 + i * 300);
        ck_assert_int_eq(nvram_write_data(n1, &name, 0, NULL, NULL,
                                          &error_abort), 0);
        ck_assert_int_eq(nvram_write_data(n2, &name, VNVRAM_ASYNC_F, NULL,
                                          NULL, &error_abort), 0);
    }
    nvram_delete(n1);
    nvram_delete(n2);
    nvram_storage_memory_data(s1, &size);
    ck_assert(memcmp(nvram_storage_memory_data(s1, NULL),
                     nvram_storage_memory_data(s2, NULL), size) == 0);
    test_state_clear(&d1.state);
    test_state_clear(&d2.state);
    nvram_storage_close(s1);
    nvram_storage_close(s2);
    nvram_storage_close(base);
}
END_TEST

START_TEST(test_deregistration)
{
    Completion comp;
    CompletionArg args[5];
    Error *err = NULL;
    int ret;

    completion_init(&comp, &fx.dev);
    test_state_set(&fx.dev.state, 77, 10);
    for (int i = 0; i < 5; i++) {
        args[i].c = &comp;
        args[i].tag = i;
        nvram_write_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F, on_done, &args[i],
                         &error_abort);
    }
    ck_assert_int_eq(nvram_deregister_entry(fx.nvram, &fx.name, &error_abort), 0);
    /* pending completions were delivered before it returned */
    ck_assert_uint_eq(comp.order->len, 5);
    ret = nvram_write_data(fx.nvram, &fx.name, 0, NULL, NULL, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_NOT_REGISTERED, err);
    ret = nvram_deregister_entry(fx.nvram, &fx.name, &err);
    ck_assert_nvram_error(ret, NVRAM_ERR_NOT_REGISTERED, err);
    /* register again: the data is still there */
    test_state_clear(&fx.dev.state);
    ck_assert_int_eq(nvram_register_entry(fx.nvram, &fx.name, test_device_rw, &fx.dev,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_read_data(fx.nvram, &fx.name, 0, NULL, NULL,
                                     &error_abort), 0);
    ck_assert_uint_eq(fx.dev.state.counter, 77);
    fx_nvram_close();
    completion_clear(&comp);
}
END_TEST

typedef struct ThreadArg {
    NVRAM *nvram;
    const char *entry;
    TestDevice dev;
    GMutex *dev_lock;
    int rounds;
} ThreadArg;

/* A device callback whose state another thread also changes. */
static int locked_rw(enum NVRAMRWOp op, Visitor *v, const NVRAMEntryName *n,
                     void *opaque, Error **errp)
{
    ThreadArg *a = opaque;
    int ret;

    g_mutex_lock(a->dev_lock);
    ret = test_device_rw(op, v, n, &a->dev, errp);
    g_mutex_unlock(a->dev_lock);
    return ret;
}

static gpointer writer_thread(gpointer opaque)
{
    ThreadArg *a = opaque;
    NVRAMEntryName name;

    test_name(&name, a->entry);
    for (int i = 1; i <= a->rounds; i++) {
        g_mutex_lock(a->dev_lock);
        test_state_set(&a->dev.state, (uint32_t)i, (size_t)(i % 50) * 20);
        g_mutex_unlock(a->dev_lock);
        ck_assert_int_eq(nvram_write_data(a->nvram, &name,
                                          i % 2 ? VNVRAM_ASYNC_F : 0, NULL,
                                          NULL, &error_abort), 0);
    }
    return NULL;
}

START_TEST(test_concurrent_callers)
{
    NVRAMStorage *s = formatted_memory();
    FaultStorage *fs = fault_new(s);
    GMutex locks[3];
    ThreadArg args[3] = {
        { .entry = ENTRY_A, .rounds = 60 },
        { .entry = ENTRY_B, .rounds = 60 },
        { .entry = ENTRY_C, .rounds = 60 },
    };
    GThread *threads[3];
    NVRAM *nvram = nvram_setup_with_storage(&fs->common, NULL, &error_abort);
    NVRAMStorageStats st;
    gint stop = 0;

    for (int i = 0; i < 3; i++) {
        NVRAMEntryName name;
        g_mutex_init(&locks[i]);
        args[i].nvram = nvram;
        args[i].dev_lock = &locks[i];
        test_name(&name, args[i].entry);
        nvram_register_entry(nvram, &name, locked_rw, &args[i], &error_abort);
    }
    nvram_start(nvram, true, &error_abort);
    for (int i = 0; i < 3; i++) {
        threads[i] = g_thread_new("writer", writer_thread, &args[i]);
    }
    for (int i = 0; i < 3; i++) {
        g_thread_join(threads[i]);
        nvram_process_requests(nvram);
    }
    (void)stop;
    while (nvram_process_requests(nvram)) {
    }
    st = nvram_storage_get_stats(s);
    /* format: 2; each entry's first write: 2 */
    ck_assert_uint_eq(st.flushes, 2 + 3 + 3 * 60);
    for (int i = 0; i < 3; i++) {
        NVRAMEntryName name;
        test_name(&name, args[i].entry);
        test_state_clear(&args[i].dev.state);
        ck_assert_int_eq(nvram_read_data(nvram, &name, 0, NULL, NULL,
                                         &error_abort), 0);
        ck_assert_uint_eq(args[i].dev.state.counter, 60);
    }
    nvram_delete(nvram);
    for (int i = 0; i < 3; i++) {
        test_state_clear(&args[i].dev.state);
        g_mutex_clear(&locks[i]);
    }
    nvram_storage_close(s);
}
END_TEST

static void on_done_quit(int errcode, const NVRAMEntryName *name,
                         void *opaque, const Error *err)
{
    GMainLoop *loop = opaque;

    ck_assert_int_eq(errcode, 0);
    g_main_loop_quit(loop);
}

START_TEST(test_gsource)
{
    GMainContext *ctx = g_main_context_new();
    GMainLoop *loop = g_main_loop_new(ctx, false);
    GSource *src = nvram_create_source(fx.nvram);

    g_source_attach(src, ctx);
    test_state_set(&fx.dev.state, 3, 10);
    /* let the context record itself first */
    g_main_context_iteration(ctx, false);
    nvram_write_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F, NULL, NULL, &error_abort);
    test_state_clear(&fx.dev.state);
    nvram_read_data(fx.nvram, &fx.name, VNVRAM_ASYNC_F, on_done_quit, loop,
                    &error_abort);
    g_main_loop_run(loop);
    ck_assert_uint_eq(fx.dev.state.counter, 3);
    g_source_destroy(src);
    g_source_unref(src);
    fx_nvram_close();
    g_main_loop_unref(loop);
    g_main_context_unref(ctx);
}
END_TEST

/* A device whose callbacks call back into the NVRAM API. */
typedef struct ReentrantDevice {
    TestDevice dev;
    NVRAM *nvram;
    int reentered;
    int deregistered;
} ReentrantDevice;

static int reentrant_rw(enum NVRAMRWOp op, Visitor *v,
                        const NVRAMEntryName *name, void *opaque, Error **errp)
{
    ReentrantDevice *d = opaque;

    /* Would deadlock if the layer held its lock around device callbacks. */
    ck_assert(!nvram_had_fatal_error(d->nvram));
    d->reentered++;
    return test_device_rw(op, v, name, &d->dev, errp);
}

START_TEST(test_format_callbacks_may_reenter)
{
    NVRAMStorage *s = nvram_storage_new_memory(1 << 20);
    ReentrantDevice d = { .dev.format_size = 4000 };
    NVRAMEntryName name;

    d.nvram = nvram_setup_with_storage(s, NULL, &error_abort);
    test_name(&name, ENTRY_A);
    ck_assert_int_eq(nvram_register_entry(d.nvram, &name, reentrant_rw, &d,
                                          &error_abort), 0);
    ck_assert_int_eq(nvram_format(d.nvram, false, &error_abort), 0);
    ck_assert_int_eq(d.reentered, 1);
    test_state_set(&d.dev.state, 3, 100);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name, 0, NULL, NULL,
                                      &error_abort), 0);
    ck_assert_int_eq(d.reentered, 2);
    nvram_delete(d.nvram);
    test_state_clear(&d.dev.state);
}
END_TEST

static void deregister_on_done(int errcode, const NVRAMEntryName *name,
                               void *opaque, const Error *err)
{
    ReentrantDevice *d = opaque;

    ck_assert_int_eq(errcode, 0);
    /* Would wait forever if the entry counted this request as pending. */
    ck_assert_int_eq(nvram_deregister_entry(d->nvram, name, &error_abort), 0);
    d->deregistered++;
}

START_TEST(test_deregister_from_completion)
{
    NVRAMStorage *s = formatted_memory();
    ReentrantDevice d = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;

    d.nvram = open_with(s, &d.dev, NULL, NULL);
    test_name(&name, ENTRY_A);
    test_state_set(&d.dev.state, 5, 64);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name,
                                      VNVRAM_ASYNC_F | VNVRAM_WAIT_COMPLETION_F,
                                      deregister_on_done, &d, &error_abort), 0);
    ck_assert_int_eq(nvram_process_requests(d.nvram), 1);
    ck_assert_int_eq(d.deregistered, 1);
    ck_assert_int_eq(nvram_write_data(d.nvram, &name, 0, NULL, NULL, &err),
                     -NVRAM_ERR_NOT_REGISTERED);
    error_free(err);
    nvram_delete(d.nvram);
    test_state_clear(&d.dev.state);
    nvram_storage_close(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-async");
    TCase *tc;

    tc = tcase_create("async");
    tcase_add_checked_fixture(tc, fx_setup, fx_teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_async_order);
    tcase_add_test(tc, test_async_wait_completion);
    tcase_add_test(tc, test_format_callbacks_may_reenter);
    tcase_add_test(tc, test_deregister_from_completion);
    tcase_add_test(tc, test_delete_delivers_pending);
    tcase_add_test(tc, test_sync_async_equivalence);
    tcase_add_test(tc, test_deregistration);
    tcase_add_test(tc, test_concurrent_callers);
    tcase_add_test(tc, test_gsource);
    suite_add_tcase(s, tc);

    return check_run_suite(s);
}
