/*
 * qemu/osdep.h: stands for QEMU's include/qemu/osdep.h, the header every
 * QEMU .c file includes first (qapi-gen's output does). It provides what
 * QEMU's does and generated or device code relies on: the C library headers
 * (assert, errno, limits, stdio, stdlib, string, stdint, stdbool, inttypes,
 * sys/types), GLib, the compiler helpers of qemu/compiler.h, the forward
 * typedefs of qemu/typedefs.h, and the arithmetic helpers below. It does
 * not provide QEMU's host abstraction (qemu_* I/O, threads, CONFIG_*).
 */
#ifndef QEMU_OSDEP_H
#define QEMU_OSDEP_H

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <unistd.h>
#include <glib.h>

#include "qemu/compiler.h"
#include "qemu/typedefs.h"

#ifndef MIN
#define MIN(a, b) (((a) < (b)) ? (a) : (b))
#endif
#ifndef MAX
#define MAX(a, b) (((a) > (b)) ? (a) : (b))
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(x) (sizeof(x) / sizeof((x)[0]))
#endif
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
/* @m must be a power of two for ROUND_UP/ROUND_DOWN, as in QEMU. */
#define ROUND_DOWN(n, m) ((n) & -(0 ? (n) : (m)))
#define ROUND_UP(n, m) ROUND_DOWN((n) + (m) - 1, (m))
#define QEMU_ALIGN_DOWN(n, m) ((n) / (m) * (m))
#define QEMU_ALIGN_UP(n, m) QEMU_ALIGN_DOWN((n) + (m) - 1, (m))
#define QEMU_IS_ALIGNED(n, m) (((n) % (m)) == 0)

#endif /* QEMU_OSDEP_H */
