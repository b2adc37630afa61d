/*
 * migration/mig-io.h: buffered byte I/O for QEMU migration streams.
 *
 * A MigReader reads a stream sequentially through a fixed buffer (bounded
 * memory whatever the stream size), counts the offset of every byte, and
 * can read the stream's tail out of order when the source is seekable (a
 * regular file or memory): QEMU puts the JSON description of the devices
 * after the sections it describes. A MigWriter gathers small writes into
 * a fixed buffer for a callback or a file descriptor.
 *
 * Every read error names the byte offset where the wanted item starts and
 * the reason ("offset 4096: truncated stream: 8 bytes wanted, 3 left").
 */
#ifndef MIGRATION_MIG_IO_H
#define MIGRATION_MIG_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The reader's buffer: the largest span mig_read_ptr() can return. */
#define MIG_READER_BUFFER (256 * 1024)

typedef struct MigReader MigReader;

/*
 * A reader over the file descriptor @fd (which stays the caller's). If @fd
 * is a regular file its size is known and the tail can be read. Never fails.
 */
MigReader *mig_reader_new_fd(int fd);

/* A reader over @len bytes at @data, which must outlive the reader. */
MigReader *mig_reader_new_mem(const uint8_t *data, size_t len);

/* Free @r and its buffer; the fd it reads stays open (the caller's). NULL
 * is accepted. */
void mig_reader_free(MigReader *r);

/* The offset of the next byte to be read. */
uint64_t mig_reader_offset(const MigReader *r);

/* The total size, or UINT64_MAX when unknown (a pipe). */
uint64_t mig_reader_size(const MigReader *r);

/*
 * Bytes left before the end when the size is known, else UINT64_MAX.
 * Decoders compare claimed lengths with it before allocating.
 */
uint64_t mig_reader_remaining(const MigReader *r);

/*
 * Go back to @offset, at or before the current offset: always possible for
 * a reader over memory, for a reader over a file descriptor only within
 * its buffer. Returns false (nothing changed) when not possible.
 */
bool mig_reader_rewind(MigReader *r, uint64_t offset);

/* Read exactly @n bytes into @buf; fails (offset, reason) at the end. */
bool mig_read(MigReader *r, void *buf, size_t n, Error **errp);

/*
 * Read @n <= MIG_READER_BUFFER bytes and return a pointer to them, valid
 * until the next call on @r; NULL with @errp set if truncated.
 */
const uint8_t *mig_read_ptr(MigReader *r, size_t n, Error **errp);

/*
 * Look at the next @n <= 64 bytes without consuming them. Returns how many
 * are available (fewer only at the end of the stream; -1 on a read error).
 */
int mig_peek(MigReader *r, uint8_t *buf, size_t n);

/* Big-endian integer reads, as QEMU's qemu_get_be*(). */
bool mig_read_u8(MigReader *r, uint8_t *v, Error **errp);
bool mig_read_be16(MigReader *r, uint16_t *v, Error **errp);
bool mig_read_be32(MigReader *r, uint32_t *v, Error **errp);
bool mig_read_be64(MigReader *r, uint64_t *v, Error **errp);

/*
 * Read the last min(@max, size) bytes of a seekable source without moving
 * the sequential position. Returns a new buffer (g_free) and its length in
 * *@len, or NULL with @errp set (unseekable source, I/O error).
 */
uint8_t *mig_reader_tail(MigReader *r, size_t max, size_t *len, Error **errp);

/* The write callback of a MigWriter; the same contract as BERWriteFunc. */
typedef bool (*MigWriteFunc)(void *opaque, const uint8_t *buf, size_t len,
                             Error **errp);

typedef struct MigWriter MigWriter;

/* The writer's buffer: its callback gets chunks of up to this size. */
#define MIG_WRITER_BUFFER (256 * 1024)

/* A writer passing its bytes to @write in chunks of up to 256 KiB. */
MigWriter *mig_writer_new(MigWriteFunc write, void *opaque);

/* A writer to @fd (short writes and EINTR retried; the fd stays the caller's). */
MigWriter *mig_writer_new_fd(int fd);

/* Free @w without flushing (call mig_writer_flush() first to keep the tail). */
void mig_writer_free(MigWriter *w);

/* Bytes written so far (flushed or not). */
uint64_t mig_writer_offset(const MigWriter *w);

/* Has a write failed (the sticky error of mig_write())? */
bool mig_writer_failed(const MigWriter *w);

/* Queue @n bytes. A write failure is sticky: later calls fail with it. */
bool mig_write(MigWriter *w, const void *buf, size_t n, Error **errp);
/*
 * Queue @n <= MIG_WRITER_BUFFER bytes that the caller fills in place: a
 * pointer to them, valid until the next call on @w; NULL with @errp set
 * after a write failure. For decoders that can write straight into it.
 */
uint8_t *mig_write_reserve(MigWriter *w, size_t n, Error **errp);

/* Big-endian integer writes, as QEMU's qemu_put_be*(); as mig_write(). */
bool mig_write_u8(MigWriter *w, uint8_t v, Error **errp);
bool mig_write_be32(MigWriter *w, uint32_t v, Error **errp);
bool mig_write_be64(MigWriter *w, uint64_t v, Error **errp);

/* Pass everything queued to the callback; false with @errp on failure. */
bool mig_writer_flush(MigWriter *w, Error **errp);

/* A MigWriteFunc that writes to the fd (int) that @opaque points at. */
bool mig_write_fd(void *opaque, const uint8_t *buf, size_t len, Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIG_IO_H */
