/*
 * nvram/image.h: the copy protocol over a storage (internal to
 * libvnvram): the header region, an entry's two copies, commits. The
 * public inspection and formatting functions of nvram.h are built on it.
 */
#ifndef NVRAM_IMAGE_H
#define NVRAM_IMAGE_H

#include "nvram/format.h"
#include "nvram/storage.h"

/*
 * Write the image of @layout to @storage: an empty pair of copies
 * (generation 0) per entry and the tail filler, a flush, then the header
 * and a second flush (so a header never describes unwritten slots). The
 * caller made sure the storage holds layout->image_size bytes. Returns 0
 * or -NVRAM_ERR_IO / -NVRAM_ERR_INVALID.
 */
int nvram_layout_write(NVRAMStorage *storage, const NVRAMLayout *layout,
                       Error **errp);

/* Write header copy @copy (0: A, 1: B) of @layout; no flush. */
int nvram_header_write(NVRAMStorage *storage, const NVRAMLayout *layout,
                       int copy, Error **errp);

/* What reading the header found about its copies. */
typedef struct NVRAMHeaderState {
    int copies;          /* 1 (version 1) or 2 */
    int used;            /* the copy the layout was read from */
    /* why a copy was not used (damaged, or an older layout), or NULL */
    char *problem[2];
} NVRAMHeaderState;

void nvram_header_state_clear(NVRAMHeaderState *hs);

/*
 * As nvram_layout_read(), telling in @hs (cleared by the caller with
 * nvram_header_state_clear(), also on failure) which header copies are
 * damaged: one damaged copy is reported there, not a failure. A
 * truncated image is returned too (layout->truncated_to set).
 */
int nvram_layout_read_full(NVRAMStorage *storage, NVRAMLayout **layout,
                           NVRAMHeaderState *hs, Error **errp);

/*
 * As nvram_layout_read(), also returning the layout of a truncated image
 * (layout->truncated_to set: for readers only).
 */
int nvram_layout_read_truncated(NVRAMStorage *storage, NVRAMLayout **layout,
                                Error **errp);

/*
 * Read and validate the header of @storage. Returns 0 and *@layout, or
 * -NVRAM_ERR_UNFORMATTED, -NVRAM_ERR_CORRUPT_HEADER,
 * -NVRAM_ERR_UNSUPPORTED_VERSION, -NVRAM_ERR_TOO_SMALL (truncated: what
 * writes, and so this function, refuse), -NVRAM_ERR_IO. Encrypted images
 * are returned (flags say so).
 */
int nvram_layout_read(NVRAMStorage *storage, NVRAMLayout **layout,
                      Error **errp);

/*
 * Read both copies of @entry and verify them (a copy beyond the end of
 * a truncated drive is not read: its problem says so). With @key (NULL: none), an
 * encrypted copy is also authenticated and its value decrypted; without,
 * its value is returned sealed. @info[0..1] get their state, @pick what
 * the pick rules decided. If @payload is not NULL and a copy is picked,
 * *@payload gets a g_malloc'd copy of its value (*@payload_len its
 * length). Returns 0 (whatever the copies' state; the caller then frees
 * @info[0..1].problem) or -NVRAM_ERR_IO, with @info[0..1] zeroed but for
 * their offsets (no problem strings to free).
 */
int nvram_entry_scan(NVRAMStorage *storage, const NVRAMLayout *layout,
                     const NVRAMLayoutEntry *entry, const uint8_t *key,
                     NVRAMCopyInfo info[2], NVRAMPick *pick,
                     uint8_t **payload, size_t *payload_len, Error **errp);

/*
 * What the writer of an entry knows of its copies once every commit
 * prepared so far is done: which copy holds the newest value, its
 * generation, and whether both copies hold committed values.
 */
typedef struct NVRAMCopyState {
    int newest;          /* -1: no valid copy */
    uint64_t generation;
    bool both_good;      /* false: the next commit fills both copies */
    bool mirror;         /* the mirror policy: every commit fills both */
} NVRAMCopyState;

/* The state after a scan found @pick and @info. */
void nvram_copy_state_init(NVRAMCopyState *st, const NVRAMPick *pick,
                           const NVRAMCopyInfo info[2]);

/* A prepared commit: the bytes of a copy and where they go. */
typedef struct NVRAMCommit {
    NVRAMCopyFrame frame;
    GByteArray *value;       /* the value as stored (sealed when encrypted) */
    uint64_t offset;         /* the copy written and flushed first */
    bool both;               /* then the other copy too, flushed again */
    uint64_t other_offset;
} NVRAMCommit;

/*
 * Prepare the commit of @value (consumed, also on failure; wiped when it
 * is sealed) as the next generation of @slot: seal it with @key in an
 * encrypted image, frame it, choose the copy (the one not holding the
 * newest value), and advance @st as if the commit were done. Returns 0,
 * or -NVRAM_ERR_INVALID (the generation cannot grow: never wrapped),
 * -NVRAM_ERR_ENCRYPTED (sealing failed), -NVRAM_ERR_PAYLOAD_TOO_LARGE,
 * with @st unchanged.
 */
int nvram_commit_prepare(const NVRAMLayout *layout,
                         const NVRAMLayoutEntry *slot, const uint8_t *key,
                         NVRAMCopyState *st, NVRAMEncoding encoding,
                         GByteArray *value, NVRAMCommit *commit, Error **errp);

/*
 * Write @commit to @storage: one gathered write and one flush (two of each
 * when commit->both). Returns 0 or -NVRAM_ERR_IO with @errp naming entry
 * @name and saying whether the value is committed.
 */
int nvram_commit_write(NVRAMStorage *storage, const NVRAMCommit *commit,
                       const char *name, Error **errp);

/* Release what @commit holds. */
void nvram_commit_clear(NVRAMCommit *commit);

#endif /* NVRAM_IMAGE_H */
