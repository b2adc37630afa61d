/*
 * tools/migstream.c: convert, dump, diff and measure QEMU migration
 * streams (the work is in migration/; this is options and printing).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "migration/mig-convert.h"
#include "migration/mig-diff.h"
#include "migration/mig-stats.h"

#define EXIT_BAD 1       /* refused input, or (diff) the streams differ */
#define EXIT_USAGE 2     /* usage, I/O, or (diff) an error */

static void usage(FILE *f)
{
    fprintf(f,
"Usage: migstream convert IN OUT --to der|cer|ber|json|qemu\n"
"       migstream dump [--json] [--fields] IN\n"
"       migstream diff A B\n"
"       migstream stats [--json] [--gzip] IN\n"
"QEMU 7.2 migration streams and their DER, CER, BER and JSON encodings.\n"
"The format of each input is detected.\n"
"\n"
"  convert   write IN in another format; QEMU loads '--to qemu' output,\n"
"            byte-identical to the stream it came from\n"
"  dump      the records (devices, versions, sizes) as a tree, or --json;\n"
"            --fields adds every field with its value\n"
"  diff      compare two streams by field path and RAM page\n"
"  stats     bytes per device natively and in DER, CER and JSON\n"
"            (--gzip: the whole encodings compressed by gzip(1) too)\n"
"  -h, --help     this help\n"
"  -V, --version  version\n"
"\n"
"Exit status: 0 success (diff: same), 1 refused input (diff: different),\n"
"2 usage or I/O errors (diff: any error).\n");
}

/* A usage error: one line naming what is wrong, then "try --help". */
static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("migstream: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("; try 'migstream --help'\n", stderr);
    return EXIT_USAGE;
}

/*
 * Open @path and detect its format: the fd, or -EXIT_USAGE if it cannot
 * be opened (I/O) or -EXIT_BAD if it is not a stream (refused input),
 * with the message printed.
 */
static int open_input(const char *path, MigFormat *f)
{
    Error *err = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) {
        fprintf(stderr, "migstream: %s: %s\n", path, g_strerror(errno));
        return -EXIT_USAGE;
    }
    if (!mig_format_detect_fd(fd, f, &err)) {
        fprintf(stderr, "migstream: %s: %s\n", path, error_get_pretty(err));
        error_free(err);
        close(fd);
        return -EXIT_BAD;
    }
    return fd;
}

static int cmd_convert(const char *in, const char *out, MigFormat to)
{
    MigFormat from;
    Error *err = NULL;
    g_autofree char *tmp = g_strdup_printf("%s.XXXXXX", out);
    int ifd, ofd;
    bool ok, write_failed;

    ifd = open_input(in, &from);
    if (ifd < 0) {
        return -ifd;
    }
    ofd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0644);
    if (ofd < 0) {
        fprintf(stderr, "migstream: %s: %s\n", tmp, g_strerror(errno));
        close(ifd);
        return EXIT_USAGE;
    }
    /* Into a temporary name: a refused stream leaves no output at all. */
    ok = mig_convert_fd(ifd, from, ofd, to, NULL, &write_failed, &err);
    close(ifd);
    if (!ok) {
        close(ofd);
        unlink(tmp);
        /* a full disk is an I/O error (2), not a refused input (1) */
        fprintf(stderr, "migstream: %s: %s\n", write_failed ? out : in,
                error_get_pretty(err));
        error_free(err);
        return write_failed ? EXIT_USAGE : EXIT_BAD;
    }
    if (close(ofd) < 0 || rename(tmp, out) < 0) {
        fprintf(stderr, "migstream: %s: %s\n", out, g_strerror(errno));
        unlink(tmp);
        return EXIT_USAGE;
    }
    return 0;
}

/* @s as the inside of a JSON string (RFC 8259: '"', '\\', controls). */
static char *json_escape(const char *s)
{
    GString *out = g_string_new("");

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            g_string_append_c(out, '\\');
            g_string_append_c(out, (char)c);
        } else if (c < 0x20) {
            g_string_append_printf(out, "\\u%04x", c);
        } else {
            g_string_append_c(out, (char)c);
        }
    }
    return g_string_free(out, FALSE);
}

typedef struct DumpState {
    bool json;
    bool fields;
    unsigned n;
    GString *pending;    /* --fields: the record's values, printed after it */
} DumpState;

static void dump_value(void *opaque, const char *path, const char *value)
{
    DumpState *d = opaque;
    g_autofree char *esc = NULL;
    g_autofree char *p = NULL;

    if (!d->json) {
        printf("    %s = %s\n", path, value);
        return;
    }
    esc = json_escape(value);
    p = json_escape(path);
    printf("%s\n  {\"path\": \"%s\", \"value\": \"%s\"}", d->n++ ? "," : "",
           p, esc);
}

static void dump_record(void *opaque, const MigRecordInfo *info)
{
    DumpState *d = opaque;
    g_autofree char *name = d->json ? json_escape(info->name ? info->name : "")
                                    : g_strescape(info->name ? info->name : "", NULL);

    if (d->json) {
        printf("%s\n  {\"record\": \"%s\", \"section_id\": %" PRIu32
               ", \"name\": \"%s\", \"instance_id\": %" PRIu32
               ", \"version_id\": %" PRIu32 ", \"offset\": %" PRIu64
               ", \"bytes\": %" PRIu64 ", \"pages\": %" PRIu64
               ", \"zero_pages\": %" PRIu64 "}", d->n++ ? "," : "",
               mig_record_name(info->type), info->section_id, name,
               info->instance_id, info->version_id, info->native_offset,
               info->native_len, info->pages, info->zero_pages);
        return;
    }
    switch (info->type) {
    case MIG_RECORD_EOF:
        printf("eof  (offset %" PRIu64 ")\n", info->native_offset);
        break;
    case MIG_RECORD_CONFIGURATION:
        printf("configuration  machine %s  (%" PRIu64 " bytes)\n", name,
               info->native_len);
        break;
    default:
        printf("%-5s %3" PRIu32 " %s", mig_record_name(info->type),
               info->section_id, name);
        if (info->type == MIG_RECORD_START || info->type == MIG_RECORD_FULL) {
            printf(" instance %" PRIu32 " version %" PRIu32, info->instance_id,
                   info->version_id);
        }
        printf("  (%" PRIu64 " byte%s", info->native_len,
               info->native_len == 1 ? "" : "s");
        if (info->pages || info->zero_pages) {
            printf(", %" PRIu64 " page%s, %" PRIu64 " zero page%s",
                   info->pages, info->pages == 1 ? "" : "s", info->zero_pages,
                   info->zero_pages == 1 ? "" : "s");
        }
        printf(")\n");
    }
}

static int cmd_dump(const char *in, bool json, bool fields)
{
    DumpState d = { .json = json, .fields = fields };
    MigHooks hooks = { .opaque = &d, .record = dump_record };
    Error *err = NULL;
    MigFormat f;
    int fd = open_input(in, &f);
    bool ok;

    if (fd < 0) {
        return -fd;
    }
    if (json) {
        printf("[");
    }
    ok = mig_walk_fd(fd, f, &hooks, &err);
    if (ok && fields) {
        if (lseek(fd, 0, SEEK_SET) < 0) {
            error_setg(&err, "cannot rewind: %s", g_strerror(errno));
            ok = false;
        } else {
            if (!json) {
                printf("fields:\n");
            }
            ok = mig_list_values_fd(fd, f, dump_value, &d, &err);
        }
    }
    if (json) {
        printf("\n]\n");
    }
    close(fd);
    if (!ok) {
        fprintf(stderr, "migstream: %s: %s\n", in, error_get_pretty(err));
        error_free(err);
        return EXIT_BAD;
    }
    return 0;
}

static int cmd_diff(const char *a, const char *b)
{
    MigFormat fa, fb;
    Error *err = NULL;
    int afd, bfd, rc;

    /* diff: any error is 2, 1 meaning "they differ" */
    afd = open_input(a, &fa);
    if (afd < 0) {
        return EXIT_USAGE;
    }
    bfd = open_input(b, &fb);
    if (bfd < 0) {
        close(afd);
        return EXIT_USAGE;
    }
    rc = mig_diff_fds(afd, fa, bfd, fb, stdout, &err);
    close(afd);
    close(bfd);
    if (rc < 0) {
        fprintf(stderr, "migstream: %s\n", error_get_pretty(err));
        error_free(err);
        return EXIT_USAGE;
    }
    return rc;
}

/* Bytes of @path compressed by gzip -c, or -1 if gzip cannot be run. */
static int64_t gzip_size_of(const char *path)
{
    const char *argv[] = { "gzip", "-c", path, NULL };
    GPid pid;
    gint out;
    int status = 0;
    int64_t n = 0;
    char buf[65536];
    ssize_t got;

    if (!g_spawn_async_with_pipes(NULL, (char **)argv, NULL,
                                  G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                                  G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid,
                                  NULL, &out, NULL, NULL)) {
        return -1;
    }
    while ((got = read(out, buf, sizeof(buf))) != 0) {
        if (got > 0) {
            n += got;
        } else if (errno != EINTR) {
            n = -1;
            break;
        }
    }
    close(out);
    waitpid(pid, &status, 0);
    g_spawn_close_pid(pid);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? n : -1;
}

/*
 * gzip'ed sizes of the whole stream natively and in each encoding, in
 * @sizes (native first); false with a message printed on failure.
 */
static bool gzip_sizes(const char *in, int64_t sizes[1 + MIG_STATS_ENCODINGS])
{
    g_autoptr(GError) gerr = NULL;
    g_autofree char *dir = g_dir_make_tmp("migstream-XXXXXX", &gerr);
    bool ok = dir != NULL;

    if (!dir) {
        fprintf(stderr, "migstream: %s\n", gerr->message);
        return false;
    }
    for (int i = 0; ok && i <= MIG_STATS_ENCODINGS; i++) {
        MigFormat to = i ? mig_stats_format(i - 1) : MIG_FORMAT_QEMU;
        g_autofree char *path = g_strdup_printf("%s/stream.%s", dir,
                                                mig_format_name(to));
        ok = cmd_convert(in, path, to) == 0;
        sizes[i] = ok ? gzip_size_of(path) : -1;
        unlink(path);
    }
    rmdir(dir);
    return ok;
}

static int cmd_stats(const char *in, bool json, bool gzip)
{
    Error *err = NULL;
    MigFormat f;
    MigStats *s;
    int64_t gz[1 + MIG_STATS_ENCODINGS];
    int fd = open_input(in, &f);

    if (fd < 0) {
        return -fd;
    }
    s = mig_stats_fd(fd, f, &err);
    close(fd);
    if (!s) {
        fprintf(stderr, "migstream: %s: %s\n", in, error_get_pretty(err));
        error_free(err);
        return EXIT_BAD;
    }
    if (gzip && !gzip_sizes(in, gz)) {
        mig_stats_free(s);
        return EXIT_BAD;
    }
    if (json) {
        printf("{\"native\": %" PRIu64, s->native_size);
        for (int i = 0; i < MIG_STATS_ENCODINGS; i++) {
            printf(", \"%s\": %" PRIu64, mig_format_name(mig_stats_format(i)),
                   s->encoded_size[i]);
        }
        if (gzip) {
            printf(", \"gzip\": {\"qemu\": %" PRId64, gz[0]);
            for (int i = 0; i < MIG_STATS_ENCODINGS; i++) {
                printf(", \"%s\": %" PRId64,
                       mig_format_name(mig_stats_format(i)), gz[i + 1]);
            }
            printf("}");
        }
        printf(", \"pages\": %" PRIu64 ", \"zero_pages\": %" PRIu64
               ", \"devices\": [", s->pages, s->zero_pages);
        for (guint r = 0; r < s->rows->len; r++) {
            MigStatsRow *row = s->rows->pdata[r];
            g_autofree char *name = json_escape(row->name);
            printf("%s\n  {\"name\": \"%s\", \"records\": %" PRIu64
                   ", \"native\": %" PRIu64, r ? "," : "", name, row->records,
                   row->native);
            for (int i = 0; i < MIG_STATS_ENCODINGS; i++) {
                printf(", \"%s\": %" PRIu64,
                       mig_format_name(mig_stats_format(i)), row->encoded[i]);
            }
            printf("}");
        }
        printf("\n]}\n");
    } else {
        printf("%-40s %7s %12s %12s %12s %12s\n", "device", "records",
               "native", "der", "cer", "json");
        for (guint r = 0; r < s->rows->len; r++) {
            MigStatsRow *row = s->rows->pdata[r];
            printf("%-40s %7" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12" PRIu64
                   " %12" PRIu64 "\n", row->name, row->records, row->native,
                   row->encoded[0], row->encoded[1], row->encoded[2]);
        }
        printf("%-40s %7s %12" PRIu64 " %12" PRIu64 " %12" PRIu64 " %12"
               PRIu64 "\n", "whole stream", "", s->native_size,
               s->encoded_size[0], s->encoded_size[1], s->encoded_size[2]);
        if (gzip) {
            printf("%-40s %7s %12" PRId64 " %12" PRId64 " %12" PRId64 " %12"
                   PRId64 "\n", "whole stream, gzip -c", "", gz[0], gz[1],
                   gz[2], gz[3]);
        }
        printf("RAM: %" PRIu64 " page%s with data, %" PRIu64 " zero page%s\n",
               s->pages, s->pages == 1 ? "" : "s", s->zero_pages,
               s->zero_pages == 1 ? "" : "s");
    }
    mig_stats_free(s);
    return 0;
}

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "to", required_argument, NULL, 't' },
        { "json", no_argument, NULL, 'j' },
        { "fields", no_argument, NULL, 'f' },
        { "gzip", no_argument, NULL, 'z' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *cmd;
    bool json = false, fields = false, gzip = false, have_to = false;
    MigFormat to = MIG_FORMAT_QEMU;
    int c;

    opterr = 0;
    while ((c = getopt_long(argc, argv, ":hV", longopts, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!mig_format_parse(optarg, &to)) {
                return usage_error("--to %s: der, cer, ber, json or qemu",
                                   optarg);
            }
            have_to = true;
            break;
        case 'j': json = true; break;
        case 'f': fields = true; break;
        case 'z': gzip = true; break;
        case 'h': usage(stdout); return 0;
        case 'V': printf("migstream (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
            return 0;
        case ':':
            return usage_error("option '%s' needs a value", argv[optind - 1]);
        default:
            if (optopt) {
                return usage_error("unknown option '-%c'", optopt);
            }
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind >= argc) {
        return usage_error("a command is needed: convert, dump, diff or stats");
    }
    cmd = argv[optind++];
    argc -= optind;
    argv += optind;
    if (strcmp(cmd, "convert") && strcmp(cmd, "dump") && strcmp(cmd, "diff") &&
        strcmp(cmd, "stats")) {
        return usage_error("unknown command '%s' (convert, dump, diff or "
                           "stats)", cmd);
    }
    if (!strcmp(cmd, "convert")) {
        if (argc != 2 || !have_to) {
            return usage_error("convert needs IN OUT --to FORMAT");
        }
        return cmd_convert(argv[0], argv[1], to);
    }
    if (have_to) {
        return usage_error("%s: --to goes with convert", cmd);
    }
    if (!strcmp(cmd, "dump") && argc == 1) {
        return cmd_dump(argv[0], json, fields);
    }
    if (!strcmp(cmd, "diff") && argc == 2) {
        return cmd_diff(argv[0], argv[1]);
    }
    if (!strcmp(cmd, "stats") && argc == 1) {
        return cmd_stats(argv[0], json, gzip);
    }
    return usage_error("%s needs %s", cmd,
                       !strcmp(cmd, "diff") ? "two inputs, A B" : "one input, IN");
}

int main(int argc, char **argv)
{
    int rc = run(argc, argv);

    /* Output is buffered: a full disk or a closed pipe shows only here. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "migstream: writing to standard output: %s\n",
                g_strerror(errno));
        rc = EXIT_USAGE;
    }
    return rc;
}
