/*
 * qemu/compiler.h: stands for QEMU's include/qemu/compiler.h, the compiler
 * helpers that QEMU code (and code copied from it) uses without including
 * anything but qemu/osdep.h. GCC and Clang only, as QEMU.
 */
#ifndef QEMU_COMPILER_H
#define QEMU_COMPILER_H

#include <stddef.h>

#define QEMU_PACKED __attribute__((packed))
#define QEMU_ALWAYS_INLINE __attribute__((always_inline))
#define QEMU_WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define QEMU_SENTINEL __attribute__((sentinel))
#define QEMU_FALLTHROUGH __attribute__((fallthrough))

#ifndef likely
#define likely(x)   __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#endif

#ifndef container_of
#define container_of(ptr, type, member) ({                      \
        const typeof(((type *)0)->member) *__mptr = (ptr);      \
        (type *)((char *)__mptr - offsetof(type, member)); })
#endif

#define xglue(x, y) x ## y
#define glue(x, y) xglue(x, y)
#define stringify(s) tostring(s)
#define tostring(s) #s

/* A compile-time assertion usable as a statement or at file scope. */
#define QEMU_BUILD_BUG_MSG(x, msg) _Static_assert(!(x), msg)
#define QEMU_BUILD_BUG_ON(x) QEMU_BUILD_BUG_MSG(x, "not expecting: " #x)

/* typeof() of an expression without its const/volatile qualifiers. */
#ifndef typeof_strip_qual
#define typeof_strip_qual(expr) typeof(                         \
    __builtin_choose_expr(                                      \
        __builtin_types_compatible_p(typeof(expr), bool) ||     \
        __builtin_types_compatible_p(typeof(expr), const bool) || \
        __builtin_types_compatible_p(typeof(expr), volatile bool) || \
        __builtin_types_compatible_p(typeof(expr), const volatile bool), \
        (bool)1,                                                \
        ((expr) + 0)))
#endif

#endif /* QEMU_COMPILER_H */
