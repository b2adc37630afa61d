/*
 * qemu/error-report.h: stands for QEMU's include/qemu/error-report.h:
 * printing messages to stderr as "prog: message". libqvisit has no
 * monitor and no location stack, so these always print to stderr.
 */
#ifndef QEMU_ERROR_REPORT_H
#define QEMU_ERROR_REPORT_H

#include <glib.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Print a printf-style message to stderr as "prog: message\n". */
void error_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* As error_report(), labelled "warning: ". */
void warn_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
/* As error_report(), labelled "info: ". */
void info_report(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

#ifdef __cplusplus
}
#endif

#endif /* QEMU_ERROR_REPORT_H */
