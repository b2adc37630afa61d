/*
 * migration/mig-convert.h: whole-file conversions between QEMU's native
 * migration stream and its encodings (DER, CER, BER, JSON), on file
 * descriptors, with format detection: the layer under tools/migstream.
 */
#ifndef MIGRATION_MIG_CONVERT_H
#define MIGRATION_MIG_CONVERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "migration/migstream.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum MigFormat {
    MIG_FORMAT_QEMU,
    MIG_FORMAT_DER,
    MIG_FORMAT_CER,
    MIG_FORMAT_BER,
    MIG_FORMAT_JSON,
    MIG_FORMAT__MAX,
} MigFormat;

/* "qemu", "der", "cer", "ber", "json". */
const char *mig_format_name(MigFormat f);

/* Parse a format name; false if unknown. */
bool mig_format_parse(const char *name, MigFormat *f);

/*
 * Detect the format of a stream from its first @len bytes: the "QEVM"
 * magic; a SEQUENCE with an indefinite length (CER) or a definite one
 * (DER; BER input is read as BER, which DER is a case of); '{' after
 * optional whitespace (JSON). Returns false when none matches.
 */
bool mig_format_detect(const uint8_t *head, size_t len, MigFormat *f);

/*
 * Convert the stream in the regular file @in_fd (format @in) to @out,
 * written to @out_fd. Native input is read in one pass through a fixed
 * buffer; CER output streams, so qemu -> cer runs in bounded memory.
 * DER and BER output stream too: the input is mapped and each record
 * measured, then written (see mig-convert.c; memory: the largest record's
 * pages and a few runs of lengths per record); JSON
 * output and input are built in memory; encoded input is mapped. Other
 * pairs go through a temporary native file. @hooks (may be NULL) see the
 * native side. Returns false with @errp set; what was written to @out_fd
 * is then incomplete: callers write to a temporary name and rename.
 * *@write_failed (may be NULL) tells why: true when writing @out_fd
 * failed (an I/O error, a full disk; the input may be good), false when
 * the input was refused.
 */
bool mig_convert_fd(int in_fd, MigFormat in, int out_fd, MigFormat out,
                    const MigHooks *hooks, bool *write_failed, Error **errp);

/*
 * Walk the stream in @in_fd (format @in) for its hooks only, encoding
 * nothing (what dump, diff and stats need). Returns false with @errp set.
 */
bool mig_walk_fd(int in_fd, MigFormat in, const MigHooks *hooks,
                 Error **errp);

/*
 * Write the encoded stream in @in_fd (format @in, not MIG_FORMAT_QEMU) to
 * an unlinked temporary file as the native stream; return its descriptor,
 * rewound (the caller closes it), or -1 with @errp set.
 */
int mig_native_tmpfile(int in_fd, MigFormat in, Error **errp);

/* Detect the format of @fd's first bytes (pread, position unchanged). */
bool mig_format_detect_fd(int fd, MigFormat *f, Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIG_CONVERT_H */
