/*
 * bench/malloc-count.c: heap accounting for W2's peak-memory figures.
 *
 * The benchmark executable defines malloc and friends, which the dynamic
 * linker then uses for every library in the process (glib's g_malloc,
 * json-c, libqvisit), and forwards them to glibc's own implementation.
 * While accounting is on, it tracks the bytes in use (as reported by
 * malloc_usable_size(), so allocator rounding counts) and their peak. When
 * it is off each call is one extra jump, so the timed loops stay honest.
 *
 * Sanitizer builds replace malloc themselves: there this file compiles to
 * stubs and the peak figures are reported as unavailable.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bench/malloc-count.h"

#if defined(__SANITIZE_ADDRESS__)
#define BENCH_NO_MALLOC_COUNT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(memory_sanitizer)
#define BENCH_NO_MALLOC_COUNT 1
#endif
#endif

#if !defined(BENCH_NO_MALLOC_COUNT) && defined(__GLIBC__)

#include <errno.h>
#include <malloc.h>
#include <string.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void *__libc_valloc(size_t size);
extern void *__libc_pvalloc(size_t size);

/* Relaxed atomics: W3 runs the NVRAM worker thread. */
static bool counting;
static int64_t in_use;
static int64_t peak;

static inline void count_alloc(void *p)
{
    if (p && __atomic_load_n(&counting, __ATOMIC_RELAXED)) {
        int64_t now = __atomic_add_fetch(&in_use,
                                         (int64_t)malloc_usable_size(p),
                                         __ATOMIC_RELAXED);
        if (now > __atomic_load_n(&peak, __ATOMIC_RELAXED)) {
            __atomic_store_n(&peak, now, __ATOMIC_RELAXED);
        }
    }
}

static inline void count_free(void *p)
{
    if (p && __atomic_load_n(&counting, __ATOMIC_RELAXED)) {
        __atomic_sub_fetch(&in_use, (int64_t)malloc_usable_size(p),
                           __ATOMIC_RELAXED);
    }
}

/* Replacements of the allocator entry points (hence no prototypes here). */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
void *memalign(size_t alignment, size_t size);
int posix_memalign(void **out, size_t alignment, size_t size);
void *aligned_alloc(size_t alignment, size_t size);
void *valloc(size_t size);
void *pvalloc(size_t size);

void *malloc(size_t size)
{
    void *p = __libc_malloc(size);

    count_alloc(p);
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);

    count_alloc(p);
    return p;
}

void *realloc(void *ptr, size_t size)
{
    size_t old = ptr ? malloc_usable_size(ptr) : 0;
    void *p = __libc_realloc(ptr, size);

    if (!p) {
        return NULL;        /* the old block, if any, is unchanged */
    }
    /* a moving realloc holds both blocks for a moment: count the new one
     * before releasing the old one, so the peak sees both */
    count_alloc(p);
    if (ptr && __atomic_load_n(&counting, __ATOMIC_RELAXED)) {
        __atomic_sub_fetch(&in_use, (int64_t)old, __ATOMIC_RELAXED);
    }
    return p;
}

void free(void *ptr)
{
    count_free(ptr);
    __libc_free(ptr);
}

void *memalign(size_t alignment, size_t size)
{
    void *p = __libc_memalign(alignment, size);

    count_alloc(p);
    return p;
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p;

    if (alignment < sizeof(void *) || (alignment & (alignment - 1))) {
        return EINVAL;
    }
    p = __libc_memalign(alignment, size);
    if (!p) {
        return ENOMEM;
    }
    count_alloc(p);
    *out = p;
    return 0;
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

void *valloc(size_t size)
{
    void *p = __libc_valloc(size);

    count_alloc(p);
    return p;
}

void *pvalloc(size_t size)
{
    void *p = __libc_pvalloc(size);

    count_alloc(p);
    return p;
}

bool malloc_count_available(void)
{
    return true;
}

void malloc_count_start(void)
{
    __atomic_store_n(&in_use, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&peak, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&counting, true, __ATOMIC_SEQ_CST);
}

MallocCount malloc_count_stop(void)
{
    MallocCount c;

    __atomic_store_n(&counting, false, __ATOMIC_SEQ_CST);
    c.peak = __atomic_load_n(&peak, __ATOMIC_RELAXED);
    c.end = __atomic_load_n(&in_use, __ATOMIC_RELAXED);
    return c;
}

#else /* no accounting */

bool malloc_count_available(void)
{
    return false;
}

void malloc_count_start(void)
{
}

MallocCount malloc_count_stop(void)
{
    MallocCount c = { 0, 0 };
    return c;
}

#endif
