/*
 * qemu/typedefs.h: stands for QEMU's include/qemu/typedefs.h, the forward
 * declarations every QEMU file sees through qemu/osdep.h. Only the types
 * libqvisit defines are declared; QObject stays incomplete on purpose
 * (there is no QObject model, see docs/qapi-compat.md).
 */
#ifndef QEMU_TYPEDEFS_H
#define QEMU_TYPEDEFS_H

typedef struct Error Error;
typedef struct Visitor Visitor;
typedef struct QObject QObject;
typedef struct QNull QNull;

#endif /* QEMU_TYPEDEFS_H */
