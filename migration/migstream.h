/*
 * migration/migstream.h: QEMU 7.2 migration streams through the visitors.
 *
 * One walk serves both directions. mig_stream_to_visitor() reads QEMU's
 * native stream and visits it through an output visitor (DER, CER, BER,
 * JSON); mig_stream_from_visitor() takes the same tree from an input
 * visitor and writes the native stream, byte for byte the one it came
 * from. The tree (docs/migration.md has the full schema):
 *
 *   stream  { magic, version, vmdesc (the JSON text), records [...] }
 *   record  { type: eof|start|part|end|full|configuration,
 *             configuration: machine;
 *             start/full: section_id, name, instance_id, version_id;
 *             part/end: section_id;
 *             then "ram" [entries] (the RAM section) or "state" (a device:
 *             { fields {...}, subsections { <vmsd_name> { version_id,
 *             fields, subsections } } }), then footer (bool) }
 *   ram entry { type: eos|size|page|zero, addr, flags,
 *               size: blocks [{ id, length }];
 *               page: block ("" when it continues the last), data;
 *               zero: block, fill, count (a run of consecutive pages) }
 *
 * Device fields are decoded from the stream's own vmdesc: integers of
 * their width, bools, nested structs, arrays as lists, and every other
 * VMStateInfo (buffers, "pci config", "virtio"...) as a byte string of the
 * size QEMU described. Memory stays bounded: the reader keeps a fixed
 * buffer and RAM pages pass through one at a time (whether the encoding
 * is bounded too depends on the visitor: CER streams, see ber-visitor.h).
 *
 * Errors: a stream that cannot be parsed fails with "offset N: reason"
 * (N counts bytes of the native stream); a tree that cannot be written
 * back fails with the record number and the reason.
 */
#ifndef MIGRATION_MIGSTREAM_H
#define MIGRATION_MIGSTREAM_H

#include <stdbool.h>
#include <stdint.h>

#include "qapi/visitor.h"
#include "migration/mig-io.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIG_FILE_MAGIC 0x5145564du     /* "QEVM" */
#define MIG_FILE_VERSION 3u

/* Record types, with the byte QEMU writes for each (mig_record_byte()). */
typedef enum MigRecordType {
    MIG_RECORD_EOF,
    MIG_RECORD_START,
    MIG_RECORD_PART,
    MIG_RECORD_END,
    MIG_RECORD_FULL,
    MIG_RECORD_CONFIGURATION,
    MIG_RECORD__MAX,
} MigRecordType;

/* What a hook learns about one record after it was walked. */
typedef struct MigRecordInfo {
    MigRecordType type;
    uint32_t section_id;
    const char *name;          /* section idstr; machine for configuration */
    uint32_t instance_id;
    uint32_t version_id;
    uint64_t native_offset;    /* where the record starts in the native stream */
    uint64_t native_len;       /* its bytes there, footer included */
    uint64_t pages;            /* RAM pages with data in it */
    uint64_t zero_pages;       /* RAM zero pages in it */
} MigRecordInfo;

/* Optional callbacks; every member may be NULL. */
typedef struct MigHooks {
    void *opaque;
    /* After each record. */
    void (*record)(void *opaque, const MigRecordInfo *info);
    /*
     * For each RAM page with data (@data, page_size bytes) or each run of
     * @count zero pages filled with @fill (@data NULL), at @addr in @block.
     */
    void (*page)(void *opaque, const char *block, uint64_t addr,
                 const uint8_t *data, uint64_t page_size, uint8_t fill,
                 uint64_t count);
    /*
     * If set, each record is visited as its own top-level value through
     * the visitor this returns (and then passed to record_done, which
     * frees it); the main visitor then sees an empty records list. For
     * measuring each record's encoding (migstream stats).
     */
    Visitor *(*record_visitor)(void *opaque);
    void (*record_done)(void *opaque, Visitor *v, const MigRecordInfo *info);
    /*
     * If set, each record is walked twice over the same bytes: first
     * through the visitor prewalk_visitor returns, as a top-level value of
     * its own and with no other hook called (then passed to prewalk_done,
     * which frees it), then as usual. The reader must be able to go back
     * a record (mig_reader_rewind(): a reader over memory). For measuring
     * each record's encoding just before it is written.
     */
    Visitor *(*prewalk_visitor)(void *opaque);
    void (*prewalk_done)(void *opaque, Visitor *v);
} MigHooks;

/*
 * Read the native stream from @r (a seekable source: the vmdesc at its
 * end is read first) and visit it through the output visitor @v as one
 * top-level struct; the caller then completes or finishes @v. @hooks may
 * be NULL. Returns false with @errp set ("offset N: reason") if the
 * stream is not one this module can take apart losslessly.
 */
bool mig_stream_to_visitor(MigReader *r, Visitor *v, const MigHooks *hooks,
                           Error **errp);

/*
 * Visit the tree through the input visitor @v and write the native stream
 * to @w (flushed on success). Returns false with @errp set when the tree
 * is malformed or inconsistent (e.g. a field list whose length is not the
 * vmdesc's); what was written by then is incomplete.
 */
bool mig_stream_from_visitor(Visitor *v, MigWriter *w, const MigHooks *hooks,
                             Error **errp);

/* The byte QEMU writes for record type @t. */
uint8_t mig_record_byte(MigRecordType t);

/* The name of record type @t in the tree ("full", "eof"...). */
const char *mig_record_name(MigRecordType t);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIGSTREAM_H */
