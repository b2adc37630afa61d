/*
 * tests/nvram-writer.h: the values of the nvram-writer program, shared with
 * test-nvram-kill, which checks them.
 */
#ifndef TESTS_NVRAM_WRITER_H
#define TESTS_NVRAM_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "nvram/nvram.h"

/* Largest value payload the writer stores in "permall". */
#define NVRAM_WRITER_MAX_VALUE (48 * 1024)

/* The state the callback writes or the last value it read. */
typedef struct NVRAMWriterState {
    uint64_t number;
    bool valid;       /* READ: the value's bytes are those of its number */
} NVRAMWriterState;

/* Length and byte @i of the value holding @number. */
uint64_t nvram_writer_value_len(uint64_t number);
uint8_t nvram_writer_value_byte(uint64_t number, uint64_t i);

/*
 * The device callback of "permall": SEQUENCE { number, data }. @opaque is a
 * NVRAMWriterState. FORMAT returns the maximum size.
 */
int nvram_writer_rw(enum NVRAMRWOp op, Visitor *v,
                    const NVRAMEntryName *entry_name, void *opaque,
                    Error **errp);

#endif /* TESTS_NVRAM_WRITER_H */
