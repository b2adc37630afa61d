/*
 * tests/nvram-writer.c: the victim of test-nvram-kill.
 *
 * Usage: nvram-writer IMAGE
 * Opens the NVRAM image IMAGE (formatted by the test with the entries
 * "permall" and "savestate"), reads the number N held by "permall" (0 when
 * absent), then commits N+1, N+2, ... to "permall" in a loop, forever (at
 * most a minute). After each nvram_write_data() returns success it writes
 * the number just committed to stdout as 8 raw bytes (one atomic pipe
 * write): the test kills the process with SIGKILL at a random moment and
 * checks that the image holds the last number reported or the next one.
 * The size of each value varies with its number (up to 48 KiB, several
 * sectors). Exit status: 2 usage or open error, 3 the value found at start
 * is not a value this program writes.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "tests/nvram-writer.h"

uint64_t nvram_writer_value_len(uint64_t number)
{
    return (number * 7919) % NVRAM_WRITER_MAX_VALUE;
}

uint8_t nvram_writer_value_byte(uint64_t number, uint64_t i)
{
    return (uint8_t)(number * 131 + i * 31 + (i >> 8));
}

int nvram_writer_rw(enum NVRAMRWOp op, Visitor *v,
                    const NVRAMEntryName *entry_name, void *opaque,
                    Error **errp)
{
    NVRAMWriterState *st = opaque;
    uint64_t number;
    uint8_t *data = NULL;
    size_t len;
    bool ok;

    switch (op) {
    case NVRAM_OP_FORMAT:
        return NVRAM_WRITER_MAX_VALUE + 64;
    case NVRAM_OP_WRITE:
        number = st->number;
        len = nvram_writer_value_len(number);
        data = g_malloc(len + 1);
        for (size_t i = 0; i < len; i++) {
            data[i] = nvram_writer_value_byte(number, i);
        }
        break;
    case NVRAM_OP_READ:
        number = 0;
        len = 0;
        break;
    default:
        return -1;
    }
    ok = visit_start_struct(v, NULL, NULL, 0, errp);
    if (ok) {
        ok = visit_type_uint64(v, "number", &number, errp) &&
             visit_type_bytes(v, "data", &data, &len, errp) &&
             visit_check_struct(v, errp);
        visit_end_struct(v, NULL);
    }
    if (ok && op == NVRAM_OP_READ) {
        st->valid = len == nvram_writer_value_len(number);
        for (size_t i = 0; st->valid && i < len; i++) {
            st->valid = data[i] == nvram_writer_value_byte(number, i);
        }
        st->number = number;
    }
    g_free(data);
    return ok ? 0 : -1;
}

#ifndef NVRAM_WRITER_NO_MAIN
/*
 * Report @err, release everything (an NBD server killed under the writer
 * ends it this way, under LeakSanitizer too) and return @status.
 */
static int writer_fail(NVRAM *nvram, Error *err, const char *what,
                       int status)
{
    fprintf(stderr, "nvram-writer: %s%s\n", what,
            err ? error_get_pretty(err) : "");
    error_free(err);
    nvram_delete(nvram);
    return status;
}

/*
 * Exit status: 0 after 60 s of commits, 1 a commit failed, 2 the image
 * could not be opened or read, 3 it held a wrong value.
 */
int main(int argc, char **argv)
{
    NVRAMWriterState st = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    gint64 deadline;
    int ret;

    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    nvram = nvram_setup(argv[1], NULL, &err);
    if (!nvram) {
        return writer_fail(NULL, err, "", 2);
    }
    nvram_entry_name_init(&name, "permall", &error_abort);
    nvram_register_entry(nvram, &name, nvram_writer_rw, &st, &error_abort);
    if (nvram_start(nvram, true, &err) < 0) {
        return writer_fail(nvram, err, "", 2);
    }
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
        error_free(err);
        err = NULL;
        st.number = 0;
    } else if (ret < 0) {
        return writer_fail(nvram, err, "read at start: ", 2);
    } else if (!st.valid) {
        return writer_fail(nvram, NULL, "bad value at start: wrong contents",
                           3);
    }
    deadline = g_get_monotonic_time() + 60 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
        st.number++;
        if (nvram_write_data(nvram, &name, 0, NULL, NULL, &err) < 0) {
            return writer_fail(nvram, err, "", 1);
        }
        /* Acknowledged only now: the test may count on this number. */
        if (write(STDOUT_FILENO, &st.number, sizeof(st.number)) !=
            sizeof(st.number)) {
            return writer_fail(nvram, NULL, "cannot report to the test", 1);
        }
    }
    nvram_delete(nvram);
    return 0;
}
#endif
