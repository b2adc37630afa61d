/*
 * tpm/vtpm-log.h: vtpm's log, as swtpm's --log file=F,level=N.
 *
 * Level 0 logs errors only; level 1 (the default of --log) also names every
 * TPM command with its response code and every control command; level 2
 * adds storage detail (bytes and flushes per write). Without a log file,
 * errors go to stderr and nothing else is written.
 */
#ifndef TPM_VTPM_LOG_H
#define TPM_VTPM_LOG_H

#include <stdbool.h>
#include "qapi/error.h"

/*
 * Send the log, and libtpms' own lines, to @path (appended; "-" means
 * stderr) at @level. Returns false with @errp set when the file cannot be
 * opened.
 */
bool vtpm_log_open(const char *path, unsigned level, Error **errp);

/* Close the log file; later messages, and libtpms', go to stderr (errors
 * only). */
void vtpm_log_close(void);

/*
 * Without a log file, whether errors go to stderr (the default). A
 * program that reports its own startup failure on stderr turns this off
 * until it serves, so that one failure is not printed twice.
 */
void vtpm_log_errors_to_stderr(bool on);

/* True if messages of @level are written. */
bool vtpm_log_enabled(unsigned level);

/* Write one line (a newline is added) when @level is enabled. Level 0 is
 * for errors, which are always written. */
void vtpm_log(unsigned level, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

#define vtpm_log_error(...) vtpm_log(0, __VA_ARGS__)

#endif /* TPM_VTPM_LOG_H */
