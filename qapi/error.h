/*
 * qapi/error.h: the Error API, source-compatible with QEMU's include/qapi/error.h.
 *
 * Conventions (the same as QEMU's):
 * - A function that can fail takes "Error **errp" as its last parameter and, on
 *   failure, sets *errp exactly once; on success it leaves *errp untouched.
 *   Functions returning bool return false on failure, those returning a
 *   pointer return NULL.
 * - Callers may pass NULL (ignore the error), &error_abort (a failure is a
 *   programming error: print and abort()), &error_fatal (print and exit(1)),
 *   or the address of an "Error *" initialised to NULL (receive it).
 * - Never set an error through an errp that already holds one: that is a bug
 *   and aborts.
 */
#ifndef QAPI_ERROR_H
#define QAPI_ERROR_H

#include <stdarg.h>
#include <stdbool.h>
#include <glib.h>

/*
 * As QEMU's qapi/error.h (through qapi-types-error.h): code that includes
 * only this header sees QType, QEnumLookup and qapi_enum_parse() too.
 */
#include "qapi/qapi-builtin-types.h"
#include "qemu/error-report.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Error Error;

/* The class of an error; QEMU keeps this only for QMP compatibility. */
typedef enum ErrorClass {
    ERROR_CLASS_GENERIC_ERROR = 0,
    ERROR_CLASS_COMMAND_NOT_FOUND,
    ERROR_CLASS_DEVICE_NOT_ACTIVE,
    ERROR_CLASS_DEVICE_NOT_FOUND,
    ERROR_CLASS_KVM_MISSING_CAP,
    ERROR_CLASS__MAX
} ErrorClass;

/* Special destinations: an error set through them aborts, or exits(1). */
extern Error *error_abort;
extern Error *error_fatal;

/*
 * Return the human-readable message of @err (never NULL). The string belongs
 * to @err.
 */
const char *error_get_pretty(const Error *err);

/* Return the class of @err. */
ErrorClass error_get_class(const Error *err);

/* Return a deep copy of @err (message, hint, location). */
Error *error_copy(const Error *err);

/* Free @err; NULL is allowed. */
void error_free(Error *err);

/*
 * Assert that *@errp holds an error, free it and set *@errp to NULL.
 * For tests that expect a failure.
 */
void error_free_or_abort(Error **errp);

/*
 * Create an error from a printf-style message and store it through @errp,
 * recording the source location for &error_abort reports.
 * @errp must not already hold an error.
 */
#define error_setg(errp, fmt, ...)                                  \
    error_setg_internal((errp), __FILE__, __LINE__, __func__,       \
                        (fmt), ## __VA_ARGS__)
void error_setg_internal(Error **errp, const char *src, int line,
                         const char *func, const char *fmt, ...)
    G_GNUC_PRINTF(5, 6);

/* As error_setg(), appending ": " and strerror(@os_errno) to the message. */
#define error_setg_errno(errp, os_errno, fmt, ...)                       \
    error_setg_errno_internal((errp), __FILE__, __LINE__, __func__,      \
                              (os_errno), (fmt), ## __VA_ARGS__)
void error_setg_errno_internal(Error **errp, const char *src, int line,
                               const char *func, int os_errno,
                               const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);

/*
 * As error_setg_errno() with the message "Could not open '@filename'",
 * QEMU's wording for a failed open().
 */
#define error_setg_file_open(errp, os_errno, filename)                  \
    error_setg_file_open_internal((errp), __FILE__, __LINE__, __func__, \
                                  (os_errno), (filename))
void error_setg_file_open_internal(Error **errp, const char *src, int line,
                                   const char *func, int os_errno,
                                   const char *filename);

/* As error_setg(), with an explicit class. */
#define error_set(errp, err_class, fmt, ...)                        \
    error_set_internal((errp), __FILE__, __LINE__, __func__,        \
                       (err_class), (fmt), ## __VA_ARGS__)
void error_set_internal(Error **errp, const char *src, int line,
                        const char *func, ErrorClass err_class,
                        const char *fmt, ...)
    G_GNUC_PRINTF(6, 7);

/*
 * Move @local_err to @dst_errp. If @dst_errp is NULL, @local_err is freed;
 * if *@dst_errp already holds an error, the first error wins and
 * @local_err is freed. @local_err may be NULL (nothing happens).
 * &error_abort and &error_fatal act on @local_err as error_setg() would.
 */
void error_propagate(Error **dst_errp, Error *local_err);

/* error_prepend(), then error_propagate(). */
void error_propagate_prepend(Error **dst_errp, Error *local_err,
                             const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/*
 * Prepend a printf-style prefix to the message of the error in *@errp.
 * Does nothing if @errp is NULL. *@errp must hold an error.
 */
void error_prepend(Error *const *errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);
void error_vprepend(Error *const *errp, const char *fmt, va_list ap)
    G_GNUC_PRINTF(2, 0);

/*
 * Append a printf-style hint (shown by error_report_err() after the
 * message) to the error in *@errp. Does nothing if @errp is NULL. Must not be
 * used with &error_fatal or &error_abort directly: use ERRP_GUARD() in the
 * function so the hint reaches the report.
 */
void error_append_hint(Error *const *errp, const char *fmt, ...)
    G_GNUC_PRINTF(2, 3);

/* Print "prog: message\n" and the hint to stderr, then free @err. */
void error_report_err(Error *err);

/* As error_report_err(), with a printf-style prefix before the message. */
void error_reportf_err(Error *err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* As error_report_err(), labelled as a warning. */
void warn_report_err(Error *err);

/* As warn_report_err(), with a printf-style prefix before the message. */
void warn_reportf_err(Error *err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/*
 * If *@printed is false, warn_report_err(@err) and set it; otherwise just
 * free @err. Returns true if it printed. Use warn_report_err_once().
 */
bool warn_report_err_once_cond(bool *printed, Error *err);

/* warn_report_err(), but only the first time this call site runs. */
#define warn_report_err_once(err)                               \
    ({                                                          \
        static bool print_once_;                                \
        warn_report_err_once_cond(&print_once_, (err));         \
    })

/*
 * ERRP_GUARD(): put it first in a function that dereferences errp (to test
 * *errp after a call, or to append hints). It makes errp always point to a
 * local Error * when the caller passed NULL or &error_fatal, and propagates
 * that error back when the function returns, so hints survive and
 * "if (*errp)" is always safe.
 */
typedef struct ErrorPropagator {
    Error *local_err;
    Error **errp;
} ErrorPropagator;

static inline void error_propagator_cleanup(ErrorPropagator *prop)
{
    error_propagate(prop->errp, prop->local_err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ErrorPropagator, error_propagator_cleanup)

#define ERRP_GUARD()                                                    \
    g_auto(ErrorPropagator) _auto_errp_prop = { .errp = errp };         \
    do {                                                                \
        if (!errp || errp == &error_fatal) {                            \
            errp = &_auto_errp_prop.local_err;                          \
        }                                                               \
    } while (0)

#ifdef __cplusplus
}
#endif

#endif /* QAPI_ERROR_H */
