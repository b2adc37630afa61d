/*
 * migration/mig-stats.h: bytes per device in the native stream and in
 * each encoding (migstream stats).
 */
#ifndef MIGRATION_MIG_STATS_H
#define MIGRATION_MIG_STATS_H

#include <stdint.h>
#include <glib.h>

#include "migration/mig-convert.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The encodings measured, in columns: DER, CER, JSON. */
#define MIG_STATS_ENCODINGS 3

typedef struct MigStatsRow {
    char *name;          /* "<idstr>[<instance>]", "ram", "configuration" */
    uint64_t records;
    uint64_t native;     /* bytes in the native stream */
    uint64_t encoded[MIG_STATS_ENCODINGS];  /* each record encoded alone */
} MigStatsRow;

typedef struct MigStats {
    GPtrArray *rows;     /* of MigStatsRow *, in stream order */
    uint64_t native_size;                   /* the whole native stream */
    uint64_t encoded_size[MIG_STATS_ENCODINGS];  /* each whole encoding */
    uint64_t pages, zero_pages;
} MigStats;

/* The format of encoding column @i (0 <= i < MIG_STATS_ENCODINGS). */
MigFormat mig_stats_format(int i);

/*
 * Measure the stream in @fd (any format). Each record is encoded alone
 * (in memory: a large RAM record costs its encoding's size); the whole
 * encodings are measured through counting sinks. Returns NULL with @errp
 * set. Free with mig_stats_free().
 */
MigStats *mig_stats_fd(int fd, MigFormat f, Error **errp);

/* Free @s and its rows; NULL is accepted. */
void mig_stats_free(MigStats *s);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIG_STATS_H */
