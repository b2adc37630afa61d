/*
 * migration/mig-diff.h: a migration stream as named values, and two
 * streams compared by field path.
 *
 * Device fields are named "<section>[<instance>]/<path>" (e.g.
 * "mc146818rtc[0]/state.fields.cmos_index"), stream-level values by their
 * path; RAM is compared as the guest memory the stream leaves behind:
 * the last content sent for each page, keyed by block and address.
 */
#ifndef MIGRATION_MIG_DIFF_H
#define MIGRATION_MIG_DIFF_H

#include <stdbool.h>
#include <stdio.h>

#include "migration/mig-convert.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Called for each named value: @path as above, @value printed (integers
 * in decimal, strings quoted, short byte strings in hex, longer ones as
 * their length and SHA-256 prefix).
 */
typedef void (*MigValueFunc)(void *opaque, const char *path,
                             const char *value);

/*
 * Walk the stream in @fd (format @f) and pass every device and stream
 * value (not the RAM pages) to @emit. Returns false with @errp set.
 */
bool mig_list_values_fd(int fd, MigFormat f, MigValueFunc emit, void *opaque,
                        Error **errp);

/*
 * Compare the streams in @a_fd and @b_fd (any formats) and print each
 * difference to @out, one line each: "~ PATH: A -> B", "- PATH: A" (only
 * in A), "+ PATH: B" (only in B), and "~ ram BLOCK 0xFIRST-0xLAST: N
 * pages differ" for ranges of RAM. Returns 0 when the streams carry the
 * same values and memory, 1 when they differ, -1 with @errp set on error.
 */
int mig_diff_fds(int a_fd, MigFormat a, int b_fd, MigFormat b, FILE *out,
                 Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIG_DIFF_H */
