/*
 * nvram/format.h: the on-disk format of an NVRAM image, as pure byte work
 * (internal to libvnvram; docs/nvram-format.md describes the bytes): the
 * geometry, the header region and copy framing, and the pick rules. No
 * I/O: nvram/image.h runs the copy protocol over a storage.
 *
 * The whole image is one DER SEQUENCE: a header region, then two copies of
 * each entry, then a filler up to the end of the drive. Each region is
 * itself a TLV, and every region that is rewritten ends with a filler
 * OCTET STRING whose contents are not significant, so a write of a copy
 * rewrites only its headers, metadata and value.
 */
#ifndef NVRAM_FORMAT_H
#define NVRAM_FORMAT_H

#include <glib.h>

#include "nvram/crypto.h"
#include "nvram/nvram.h"

/* "qemu-nvram", the magic string first in the header. */
#define NVRAM_MAGIC "qemu-nvram"
/*
 * The format version this library writes; it reads 1 and 2. Version 2:
 * two header copies, a layout generation, entry policies, regions in any
 * order, a check of each copy's metadata.
 */
#define NVRAM_FORMAT_VERSION 2
/* Header flag: entry values are encrypted (AES-256-GCM). */
#define NVRAM_FLAG_ENCRYPTED 1u
/* Copy flag: the value is sealed (nonce || ciphertext || tag). */
#define NVRAM_COPY_FLAG_ENCRYPTED 1u
/*
 * Copy flag (format 2): written by a mirror commit, so the same generation
 * went to both copies before the commit was acknowledged: a damaged other
 * copy, whatever generation it claims, held no acknowledged later commit.
 */
#define NVRAM_COPY_FLAG_MIRROR 2u
/* Regions (header, copies) start and end on this boundary. */
#define NVRAM_ALIGN 4096u
/*
 * Bytes of a copy that are not value: copy SEQUENCE header, metadata,
 * value OCTET STRING header and filler headers, with room to spare.
 */
#define NVRAM_COPY_OVERHEAD 128u
/* Largest copy and header region this library accepts (sanity bound). */
#define NVRAM_MAX_COPY_SIZE (1ull << 30)
#define NVRAM_MAX_HEADER_SIZE (16ull << 20)
/* Largest number of entries in an image. */
#define NVRAM_MAX_ENTRIES 4096u
/* Length of the image id. */
#define NVRAM_IMAGE_ID_LEN 16

/* One entry of the geometry. */
typedef struct NVRAMLayoutEntry {
    NVRAMEntryName name;
    uint32_t id;
    uint64_t offset;      /* first byte of copy 0; copy 1 follows it */
    uint64_t copy_size;
    NVRAMEntryPolicy policy;
} NVRAMLayoutEntry;

/* The header of an image: version, identity and geometry. */
typedef struct NVRAMLayout {
    uint32_t version;
    uint32_t flags;
    uint8_t image_id[NVRAM_IMAGE_ID_LEN];
    uint64_t image_size;      /* bytes covered by the image SEQUENCE */
    /* the header region: [0, header_size); in version 2 two copies of
     * header_size / 2 bytes */
    uint64_t header_size;
    /* version 2: grows with each relayout; the newer header copy wins */
    uint64_t layout_generation;
    /* NVRAM_KEY_CHECK_LEN bytes when encrypted, else empty */
    uint8_t key_check[NVRAM_KEY_CHECK_LEN];
    size_t key_check_len;
    size_t n_entries;
    NVRAMLayoutEntry *entries;
    /*
     * 0, or the size of a drive shorter than image_size that the header
     * was read from: the image is truncated, only the copies that lie
     * within the drive are read, and nothing may be written (see
     * nvram_layout_check_whole()).
     */
    uint64_t truncated_to;
} NVRAMLayout;

/* A parsed copy: views into the buffer it was parsed from. */
typedef struct NVRAMCopyView {
    /*
     * Structure and check value hold (the copy may still fail
     * authentication or the pick rules): @generation can be believed.
     */
    bool verified;
    /*
     * The metadata's own check holds (version 2; in version 1, only as
     * part of the whole): @generation can be believed even when the value
     * is damaged.
     */
    bool meta_verified;
    uint64_t generation;
    uint32_t flags;
    NVRAMEncoding encoding;
    const uint8_t *payload;
    size_t payload_len;
} NVRAMCopyView;

/* The guaranteed value capacity of a copy of @copy_size bytes. */
uint64_t nvram_copy_capacity(uint64_t copy_size);

/*
 * Compute the geometry for @specs (names validated, ids 1..n, a fresh
 * image id). image_size covers a drive of @storage_size bytes when it is
 * large enough, else it is the minimum needed (0: always the minimum; the
 * caller compares it with the drive). Returns 0 or -NVRAM_ERR_INVALID.
 */
int nvram_layout_compute(const NVRAMEntrySpec *specs, size_t n,
                         uint64_t storage_size, NVRAMLayout **layout,
                         Error **errp);

/*
 * As nvram_layout_compute(), with the entries' @policies (NULL: all
 * alternate); when @encrypted, the header flags say so and room is kept
 * for the key check (key_check_len set, bytes zero: the caller fills
 * them, they depend on the image id).
 */
int nvram_layout_compute_full(const NVRAMEntrySpec *specs,
                              const NVRAMEntryPolicy *policies, size_t n,
                              uint64_t storage_size, bool encrypted,
                              NVRAMLayout **layout, Error **errp);

/*
 * Header copy @copy (0: A, 1: B, version 2 only) of @layout, g_malloc'd:
 * it goes at *@offset; *@len gets the bytes that matter (the rest is
 * filler contents, not written).
 */
uint8_t *nvram_header_encode(const NVRAMLayout *layout, int copy,
                             uint64_t *offset, size_t *len);

/* True if @a and @b describe the same image (their header bodies match). */
bool nvram_layout_equal(const NVRAMLayout *a, const NVRAMLayout *b);

/*
 * 0 when the drive @layout was read from holds the whole image, else
 * -NVRAM_ERR_TOO_SMALL with @errp saying how many bytes it needs: what
 * writes (commits, repairs, relayouts) must check first.
 */
int nvram_layout_check_whole(const NVRAMLayout *layout, Error **errp);

/*
 * True when copy @copy of @entry lies (partly) beyond the end of the
 * truncated drive of @layout; *@problem then gets a g_malloc'd
 * description naming the offset and the size the image needs.
 */
bool nvram_copy_beyond_drive(const NVRAMLayout *layout,
                             const NVRAMLayoutEntry *entry, int copy,
                             char **problem);

/* Bytes of one header copy of @layout. */
uint64_t nvram_header_copy_size(const NVRAMLayout *layout);

/*
 * Place the entries of @l one after another after a header region of at
 * least @min_header bytes (big enough for the header copies), the image
 * covering a drive of @storage_size bytes (0: the minimum); sets
 * header_size, the offsets and image_size.
 */
void nvram_layout_place(NVRAMLayout *l, uint64_t min_header,
                        uint64_t storage_size);

/*
 * Place the entries of @l (a version 2 layout; entries matched to @old's
 * by id) for a relayout from @old on a drive of @storage_size bytes: a
 * slot keeps its offset when @l and @old share the format, its copy size
 * is unchanged and the (possibly larger) header region does not reach
 * it; every other slot goes past all that @old uses, so that @old stays
 * intact until the new header is written. Sets header_size, the offsets
 * and image_size.
 */
void nvram_layout_place_relayout(NVRAMLayout *l, const NVRAMLayout *old,
                                 uint64_t storage_size);

/* True if entry @e of @l keeps @old's slot and copies as they are. */
bool nvram_layout_keeps(const NVRAMLayout *l, const NVRAMLayout *old,
                        const NVRAMLayoutEntry *e);

/* Where the parts of a header copy are, from its first bytes. */
typedef struct NVRAMHeaderProbe {
    int copy;             /* 0: A (inside the image SEQUENCE), 1: B */
    uint64_t base;        /* the image offset of the copy */
    uint64_t image_end;   /* end of the image SEQUENCE (copy A) */
    size_t body_pos;      /* the header body TLV, from @base */
    size_t region_len;    /* bytes to read from @base */
} NVRAMHeaderProbe;

/*
 * Recognize header copy @copy in the @avail bytes at @first, read from
 * image offset @base of a drive of @storage_size bytes. Returns 0 and
 * fills @p, or
 * -NVRAM_ERR_CORRUPT_HEADER (foreign data, or a length out of range) or
 * -NVRAM_ERR_TOO_SMALL (the header copy itself is truncated), with @errp
 * set. An image SEQUENCE longer than the drive is no failure here: see
 * NVRAMLayout.truncated_to.
 */
int nvram_header_probe(const uint8_t *first, size_t avail, uint64_t base,
                       int copy, uint64_t storage_size, NVRAMHeaderProbe *p,
                       Error **errp);

/*
 * Verify and decode the header region @region (p->region_len bytes found
 * by nvram_header_probe()). Returns 0 and a new *@layout (truncated_to
 * set when the image is longer than the drive), or
 * -NVRAM_ERR_CORRUPT_HEADER or -NVRAM_ERR_UNSUPPORTED_VERSION with @errp
 * naming the offset and the reason.
 */
int nvram_header_parse(const uint8_t *region, const NVRAMHeaderProbe *p,
                       uint64_t storage_size, NVRAMLayout **layout,
                       Error **errp);

/*
 * Write at @out the header(s) of a filler covering exactly @total bytes
 * (0 or >= 2); returns their size (at most 12 bytes).
 */
size_t nvram_filler_encode(uint8_t *out, uint64_t total);

/* True when @buf is empty or all 00 or all FF (a blank drive). */
bool nvram_bytes_blank(const uint8_t *buf, size_t len);

/* The end of the last region of @layout (where the tail filler starts). */
uint64_t nvram_layout_end(const NVRAMLayout *layout);

/* The image offset of copy @copy (0 or 1) of @entry. */
uint64_t nvram_copy_offset(const NVRAMLayoutEntry *entry, int copy);

/* Free @layout; NULL allowed. */
void nvram_layout_free(NVRAMLayout *layout);

/* The entry named @name in @layout, or NULL. */
const NVRAMLayoutEntry *nvram_layout_find(const NVRAMLayout *layout,
                                          const char *name);

/*
 * What surrounds the value in a copy: @head (copy header, metadata, the
 * value's OCTET STRING header) before it, @tail (filler headers) after.
 */
#define NVRAM_COPY_HEAD_MAX 128
#define NVRAM_COPY_TAIL_MAX 24

typedef struct NVRAMCopyFrame {
    uint8_t head[NVRAM_COPY_HEAD_MAX];
    size_t head_len;
    uint8_t tail[NVRAM_COPY_TAIL_MAX];
    size_t tail_len;
} NVRAMCopyFrame;

/*
 * Frame @payload as a copy of @entry with @generation, @encoding and
 * @flags (the check value covers the payload): the bytes written at the
 * start of the copy's slot are frame->head, @payload, frame->tail.
 * Returns 0, or -NVRAM_ERR_PAYLOAD_TOO_LARGE with @errp set.
 */
int nvram_copy_frame(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                     uint64_t generation, NVRAMEncoding encoding,
                     uint32_t flags,
                     const uint8_t *payload, size_t payload_len,
                     NVRAMCopyFrame *frame, Error **errp);

/*
 * As nvram_copy_frame(), with the three parts joined into a new *@out.
 */
int nvram_copy_build(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                     uint64_t generation, NVRAMEncoding encoding,
                     uint32_t flags,
                     const uint8_t *payload, size_t payload_len,
                     GByteArray **out, Error **errp);

/*
 * Parse and verify the copy of @entry held in @buf (entry->copy_size bytes,
 * read from image offset @offset): structure, entry id, check value.
 * Returns true and fills @view, or false with @errp saying what is wrong
 * and at which offset.
 */
bool nvram_copy_parse(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                      const uint8_t *buf, uint64_t offset, NVRAMCopyView *view,
                      Error **errp);

/* What the pick rules decided from the two copies of an entry. */
typedef struct NVRAMPick {
    int newest;           /* the copy to serve, or -1 */
    /* 0, -NVRAM_ERR_ENTRY_ABSENT (newest is generation 0) or
     * -NVRAM_ERR_ENTRY_CORRUPT (no valid copy) */
    int status;
    /*
     * The other copy is damaged and may have held a later commit than the
     * one served: a rollback, which callers report.
     */
    bool rolled_back;
    /* The highest generation any copy claims: the next commit's is one more. */
    uint64_t generation;
} NVRAMPick;

/*
 * The pick rules, on two parsed copies (@views, @info[c].valid set by
 * nvram_copy_parse() and authentication): the valid copy with the highest
 * generation wins; two valid copies of one generation with different
 * contents are both damage (@info's problems are set); see NVRAMPick.
 */
void nvram_copy_pick(const NVRAMCopyView views[2], NVRAMCopyInfo info[2],
                     NVRAMPick *pick);

/*
 * The result of a read decided by @pick for entry @name: 0, or
 * NVRAM_READ_ROLLED_BACK with @errp describing the rollback, or
 * pick->status with @errp saying why.
 */
int nvram_pick_result(const NVRAMPick *pick, const char *name,
                      const NVRAMCopyInfo info[2], Error **errp);

#endif /* NVRAM_FORMAT_H */
