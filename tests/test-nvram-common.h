/*
 * tests/test-nvram-common.h: a small device state and storage helpers
 * shared by the NVRAM tests.
 */
#ifndef TEST_NVRAM_COMMON_H
#define TEST_NVRAM_COMMON_H

#include <check.h>
#include <glib.h>
#include <string.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "qapi/dealloc-visitor.h"

/* The device state a test entry holds. */
typedef struct TestState {
    uint32_t counter;
    char *label;
    uint8_t *blob;
    size_t blob_len;
} TestState;

static inline bool visit_type_TestState_members(Visitor *v, TestState *obj,
                                                Error **errp)
{
    return visit_type_uint32(v, "counter", &obj->counter, errp) &&
           visit_type_str(v, "label", &obj->label, errp) &&
           visit_type_bytes(v, "blob", &obj->blob, &obj->blob_len, errp);
}

static inline bool visit_type_TestState(Visitor *v, const char *name,
                                        TestState **obj, Error **errp)
{
    bool ok = false;

    if (!visit_start_struct(v, name, (void **)obj, sizeof(TestState), errp)) {
        return false;
    }
    if (!*obj) {
        ok = true;
        goto out;
    }
    if (!visit_type_TestState_members(v, *obj, errp)) {
        goto out;
    }
    ok = visit_check_struct(v, errp);
out:
    visit_end_struct(v, (void **)obj);
    if (!ok && visit_is_input(v)) {
        Visitor *d = qapi_dealloc_visitor_new();
        visit_type_TestState(d, NULL, obj, NULL);
        visit_free(d);
        *obj = NULL;
    }
    return ok;
}

static inline void test_state_clear(TestState *s)
{
    g_free(s->label);
    g_free(s->blob);
    memset(s, 0, sizeof(*s));
}

static inline void test_state_set(TestState *s, uint32_t counter,
                                  size_t blob_len)
{
    test_state_clear(s);
    s->counter = counter;
    s->label = g_strdup_printf("state-%u", counter);
    s->blob_len = blob_len;
    s->blob = g_malloc(blob_len ? blob_len : 1);
    for (size_t i = 0; i < blob_len; i++) {
        s->blob[i] = (uint8_t)(i * 31 + counter);
    }
}

/* A device entry: its state plus what the callback saw. */
typedef struct TestDevice {
    TestState state;
    uint32_t format_size;   /* returned for NVRAM_OP_FORMAT */
    int reads, writes;
    bool fail_next;
} TestDevice;

static inline int test_device_rw(enum NVRAMRWOp op, Visitor *v,
                                 const NVRAMEntryName *name, void *opaque,
                                 Error **errp)
{
    TestDevice *d = opaque;
    TestState *s;

    if (d->fail_next) {
        d->fail_next = false;
        error_setg(errp, "device refused");
        return -1;
    }
    switch (op) {
    case NVRAM_OP_FORMAT:
        return (int)d->format_size;
    case NVRAM_OP_WRITE:
        s = &d->state;
        d->writes++;
        return visit_type_TestState(v, NULL, &s, errp) ? 0 : -1;
    case NVRAM_OP_READ:
        s = NULL;
        if (!visit_type_TestState(v, NULL, &s, errp)) {
            return -1;
        }
        test_state_clear(&d->state);
        d->state = *s;
        g_free(s);
        d->reads++;
        return 0;
    }
    return -1;
}

/*
 * A storage that forwards to @inner without owning it: an NVRAM closes the
 * storage it is given, and a test inspects @inner afterwards.
 */
typedef struct TestBorrowed {
    NVRAMStorage common;
    NVRAMStorage *inner;
} TestBorrowed;

static inline bool test_borrowed_pread(NVRAMStorage *s, void *b, size_t l,
                                       uint64_t o, Error **e)
{
    return nvram_storage_pread(((TestBorrowed *)s)->inner, b, l, o, e);
}

static inline bool test_borrowed_pwrite(NVRAMStorage *s, const void *b,
                                        size_t l, uint64_t o, Error **e)
{
    return nvram_storage_pwrite(((TestBorrowed *)s)->inner, b, l, o, e);
}

static inline bool test_borrowed_flush(NVRAMStorage *s, Error **e)
{
    return nvram_storage_flush(((TestBorrowed *)s)->inner, e);
}

static inline bool test_borrowed_size(NVRAMStorage *s, uint64_t *size,
                                      Error **e)
{
    return nvram_storage_get_size(((TestBorrowed *)s)->inner, size, e);
}

static inline void test_borrowed_close(NVRAMStorage *s)
{
    g_free(s);
}

static inline NVRAMStorage *test_storage_borrow(NVRAMStorage *inner)
{
    static const NVRAMStorageOps ops = {
        .pread = test_borrowed_pread, .pwrite = test_borrowed_pwrite,
        .flush = test_borrowed_flush, .get_size = test_borrowed_size,
        .close = test_borrowed_close,
    };
    TestBorrowed *b = g_new0(TestBorrowed, 1);

    b->common.ops = &ops;
    b->inner = inner;
    return &b->common;
}

static inline void test_name(NVRAMEntryName *n, const char *s)
{
    ck_assert(nvram_entry_name_init(n, s, NULL));
}

/* Assert that @ret is -@code and that @err holds a message; free it. */
#define ck_assert_nvram_error(ret, code, err) do {                        \
        ck_assert_msg((ret) == -(code), "expected %s, got %d (%s)",       \
                      nvram_strerror(code), (ret),                        \
                      (err) ? error_get_pretty(err) : "no error");        \
        ck_assert_ptr_nonnull(err);                                       \
        error_free(err);                                                  \
        (err) = NULL;                                                     \
    } while (0)

#define ck_assert_nvram_ok(ret, err) do {                                 \
        ck_assert_msg((ret) == 0, "expected success, got %d (%s)", (ret),  \
                      (err) ? error_get_pretty(err) : "no error");        \
    } while (0)

#endif /* TEST_NVRAM_COMMON_H */
