/*
 * tpm/vtpm-log.c: the log file of vtpm (see vtpm-log.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/time.h>
#include <libtpms/tpm_library.h>

#include "tpm/vtpm-log.h"

static FILE *log_file;
static unsigned log_level;
static bool errors_to_stderr = true;

void vtpm_log_errors_to_stderr(bool on)
{
    errors_to_stderr = on;
}

bool vtpm_log_open(const char *path, unsigned level, Error **errp)
{
    FILE *f;

    if (strcmp(path, "-") == 0) {
        f = stderr;
    } else {
        f = fopen(path, "ae");
        if (!f) {
            error_setg(errp, "cannot open log file '%s': %s", path,
                       strerror(errno));
            return false;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    vtpm_log_close();
    log_file = f;
    log_level = level;
    /* libtpms' own lines ("libtpms/tpm2: Entering failure mode") too, as
     * swtpm sends them to its log. */
    TPMLIB_SetDebugFD(fileno(f));
    return true;
}

void vtpm_log_close(void)
{
    if (log_file && log_file != stderr) {
        TPMLIB_SetDebugFD(STDERR_FILENO);
        fclose(log_file);
    }
    log_file = NULL;
    log_level = 0;
}

bool vtpm_log_enabled(unsigned level)
{
    if (!log_file) {
        return level == 0 && errors_to_stderr;
    }
    return level <= log_level;
}

void vtpm_log(unsigned level, const char *fmt, ...)
{
    FILE *f = log_file ? log_file : stderr;
    struct timeval tv;
    struct tm tm;
    char stamp[32];
    va_list ap;

    if (!vtpm_log_enabled(level)) {
        return;
    }
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(stamp, sizeof(stamp), "%H:%M:%S", &tm);
    fprintf(f, "%s.%03ld vtpm: ", stamp, (long)(tv.tv_usec / 1000));
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}
