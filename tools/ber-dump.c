/*
 * tools/ber-dump.c: show what is inside a BER, CER or DER stream, and check it.
 *
 * The walking and checking is the library's (visitors/ber-inspect.h),
 * so is the printing (visitors/ber-print.h: tree, flat, JSON); this
 * program gets bytes in (files, stdin, PEM armour with a note where each
 * block starts, hex text, --offset/--length windows, mmap so a huge file
 * is never read into memory at once), parses the options, and with
 * --schema labels and checks elements against an ASN.1 module
 * (tools/ber-dump-schema.c, on libtasn1).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-oid-names.h"
#include "visitors/ber-print.h"
#include "tools/ber-dump-schema.h"

#define DEFAULT_CAP 64          /* octets of a value shown without --all */

enum { INPUT_AUTO, INPUT_RAW, INPUT_PEM, INPUT_HEX };

/* ---- output ------------------------------------------------------------- */

static BERPrinter *printer;
static int write_errno;

/* The printer's sink: standard output, short writes and EINTR retried. */
static bool write_stdout(void *opaque, const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            write_errno = errno;
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

/* ---- options ------------------------------------------------------------ */

typedef struct Options {
    BERMode mode;
    bool json;
    bool json_flat;             /* --json=flat */
    bool color;
    bool all;
    bool encapsulation;
    bool single;
    bool quiet;
    bool flat;
    const char **oid_files;     /* --oid-file, in order */
    size_t n_oid_files;
    int input;
    uint64_t offset;
    uint64_t length;
    bool have_length;
    const char *schema;
    const char *type;
} Options;

static Options opt;

/* ---- printing the walk ------------------------------------------------- */

/*
 * A mapped file is only read forward: pages far behind the walk are
 * handed back (they are clean file pages, re-read if ever needed), so
 * resident memory stays bounded whatever the file size.
 */
#define DROP_BEHIND (64u << 20)
static uint8_t *drop_map;           /* the mapping, or NULL when not mapped */
static size_t drop_done;            /* octets from its start already dropped */

static void drop_behind(uint64_t offset)
{
    if (drop_map && offset > drop_done + 2 * (uint64_t)DROP_BEHIND) {
        size_t upto = (size_t)(offset - DROP_BEHIND) &
                      ~((size_t)sysconf(_SC_PAGESIZE) - 1);

        madvise(drop_map + drop_done, upto - drop_done, MADV_DONTNEED);
        drop_done = upto;
    }
}

/* PEM blocks of the input being dumped: a note where each one starts. */
typedef struct PemBlock {
    uint64_t offset;            /* in the decoded data */
    size_t line;                /* of its BEGIN line */
    char label[64];             /* "CERTIFICATE" */
    bool encrypted;             /* Proc-Type: 4,ENCRYPTED: not decoded */
} PemBlock;

static PemBlock *pem_blocks;
static size_t pem_count;
static size_t pem_next;
static char pem_note_buf[128];

static const char *pem_note(const BERInspectElement *e)
{
    if (e->depth || pem_count < 2) {
        return NULL;
    }
    while (pem_next < pem_count &&
           (pem_blocks[pem_next].encrypted ||
            pem_blocks[pem_next].offset < e->offset)) {
        pem_next++;
    }
    if (pem_next == pem_count || pem_blocks[pem_next].offset != e->offset) {
        return NULL;
    }
    snprintf(pem_note_buf, sizeof(pem_note_buf), "PEM block %zu of %zu: %s "
             "(line %zu)", pem_next + 1, pem_count, pem_blocks[pem_next].label,
             pem_blocks[pem_next].line);
    pem_next++;
    return pem_note_buf;
}

static bool on_begin(void *opaque, const BERInspectElement *e)
{
    BERPrintExtra x = { .value_tag = -1 };

    drop_behind(e->offset);
    if (dump_schema_active()) {
        dump_schema_begin(e, opt.mode, &x);
    }
    x.note = pem_note(e);
    return ber_printer_begin(printer, e, &x);
}

static bool on_end(void *opaque, const BERInspectElement *e)
{
    BERPrintExtra x = { .value_tag = -1 };

    if (dump_schema_active()) {
        dump_schema_end(e, &x);
    }
    return ber_printer_end(printer, e, &x);
}

static bool on_stream(void *opaque, const BERInspectDiagnostic *d)
{
    return ber_printer_diagnostic(printer, d);
}

/* ---- input --------------------------------------------------------------- */

typedef struct Input {
    const uint8_t *data;
    size_t len;
    void *map;
    size_t map_len;
    uint8_t *heap;
    int spool_fd;
} Input;

/*
 * An input that cannot be read: one line on stderr naming it, and, in
 * JSON, an entry in "inputs" saying why.
 */
static void input_error(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void input_error(const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ber_printer_input_error(printer, name, msg);
    ber_printer_flush(printer);
    fprintf(stderr, "ber-dump: %s: %s\n", name, msg);
}

static void input_release(Input *in)
{
    if (in->map) {
        munmap(in->map, in->map_len);
    }
    g_free(in->heap);
    if (in->spool_fd >= 0) {
        close(in->spool_fd);
    }
    memset(in, 0, sizeof(*in));
    in->spool_fd = -1;
}

/* Copy a pipe into an unlinked temporary file so it can be mapped. */
static int spool(int fd, const char *name)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl = g_strdup_printf("%s/ber-dump-XXXXXX",
                                 dir && *dir ? dir : "/tmp");
    int tfd = mkstemp(tmpl);
    char *buf;

    if (tfd < 0) {
        input_error(name, "cannot create a temporary file in %s: %s",
                    dir && *dir ? dir : "/tmp", strerror(errno));
        g_free(tmpl);
        return -1;
    }
    unlink(tmpl);
    g_free(tmpl);
    buf = g_malloc(1 << 20);
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 20);
        ssize_t done = 0;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            input_error(name, "%s", strerror(errno));
            g_free(buf);
            close(tfd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        while (done < n) {
            ssize_t w = write(tfd, buf + done, (size_t)(n - done));

            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0) {
                input_error(name, "spooling: %s", strerror(errno));
                g_free(buf);
                close(tfd);
                return -1;
            }
            done += w;
        }
    }
    g_free(buf);
    return tfd;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static bool looks_like_pem(const uint8_t *s, size_t n)
{
    size_t probe = n < 65536 ? n : 65536;

    return memmem(s, probe, "-----BEGIN ", 11) != NULL;
}

static bool looks_like_hex(const uint8_t *s, size_t n)
{
    size_t probe = n < 4096 ? n : 4096;
    size_t digits = 0;
    size_t i;

    for (i = 0; i < probe; i++) {
        if (hexval(s[i]) >= 0) {
            digits++;
        } else if (!strchr(" \t\r\n:,", s[i]) &&
                   !(s[i] == 'x' && i > 0 && s[i - 1] == '0')) {
            return false;
        }
    }
    return digits >= 2;
}

/* Decode hex text (whitespace, ':' and ',' and 0x prefixes ignored). */
static bool decode_hex(const uint8_t *s, size_t n, Input *in, const char *name)
{
    uint8_t *o = g_malloc(n / 2 + 1);
    size_t len = 0, hi_at = 0;
    int hi = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        int v;

        if (s[i] == '0' && i + 1 < n && (s[i + 1] | 0x20) == 'x' && hi < 0) {
            i++;
            continue;
        }
        v = hexval(s[i]);
        if (v < 0 && strchr(" \t\r\n:,", s[i]) && hi < 0) {
            continue;
        }
        if (v < 0 && strchr(" \t\r\n:,", s[i])) {
            break;              /* a lone digit: reported below, at its offset */
        }
        if (v < 0) {
            input_error(name, "not hex text at offset %zu", i);
            g_free(o);
            return false;
        }
        if (hi < 0) {
            hi = v;
            hi_at = i;
        } else {
            o[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        input_error(name, "odd number of hex digits: the digit at offset %zu "
                    "has no second digit", hi_at);
        g_free(o);
        return false;
    }
    in->heap = o;
    in->data = o;
    in->len = len;
    return true;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

static size_t line_of(const uint8_t *s, size_t at)
{
    size_t line = 1, i;

    for (i = 0; i < at; i++) {
        line += s[i] == '\n';
    }
    return line;
}

/*
 * Decode every PEM block (text outside the armour is ignored), noting
 * where each starts in the decoded data. An encrypted block (RFC 1421
 * "Proc-Type: 4,ENCRYPTED") is not BER: it is noted, not decoded.
 */
static bool decode_pem(const uint8_t *s, size_t n, Input *in, const char *name)
{
    uint8_t *o = g_malloc(n / 4 * 3 + 4);
    size_t len = 0;
    size_t pos = 0, line = 1, line_pos = 0;

    pem_count = 0;
    while (pos < n) {
        const uint8_t *b = memmem(s + pos, n - pos, "-----BEGIN ", 11);
        const uint8_t *e;
        size_t p, label_end;
        uint32_t acc = 0;
        int bits = 0;
        PemBlock *blk;

        if (!b) {
            break;
        }
        p = (size_t)(b - s);
        line += line_of(s + line_pos, p - line_pos) - 1;
        line_pos = p;
        pem_blocks = g_renew(PemBlock, pem_blocks, pem_count + 1);
        blk = &pem_blocks[pem_count++];
        memset(blk, 0, sizeof(*blk));
        blk->offset = len;
        blk->line = line;
        label_end = p + 11;
        while (label_end < n && s[label_end] != '-' && s[label_end] != '\n' &&
               label_end - (p + 11) < sizeof(blk->label) - 1) {
            label_end++;
        }
        memcpy(blk->label, s + p + 11, label_end - (p + 11));
        while (p < n && s[p] != '\n') {
            p++;
        }
        e = memmem(s + p, n - p, "-----END ", 9);
        if (!e) {
            input_error(name, "PEM block at offset %zu (line %zu) has no END "
                        "line", (size_t)(b - s), blk->line);
            g_free(o);
            return false;
        }
        while (p < (size_t)(e - s)) {
            /* RFC 1421 header lines ("Proc-Type: ...") are not base64 */
            size_t eol = p;

            while (eol < (size_t)(e - s) && s[eol] != '\n') {
                eol++;
            }
            if (memchr(s + p, ':', eol - p)) {
                if (eol - p >= 10 && !memcmp(s + p, "Proc-Type:", 10) &&
                    memmem(s + p, eol - p, "ENCRYPTED", 9)) {
                    blk->encrypted = true;
                }
                p = eol;
                continue;
            }
            for (; p < eol && !blk->encrypted; p++) {
                int v = b64val(s[p]);

                if (v < 0) {
                    if (s[p] == '=' || s[p] == ' ' || s[p] == '\t' || s[p] == '\r') {
                        continue;
                    }
                    input_error(name, "bad base64 at offset %zu", p);
                    g_free(o);
                    return false;
                }
                acc = acc << 6 | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    o[len++] = (uint8_t)(acc >> bits);
                }
            }
            p = eol + 1;
        }
        pos = (size_t)(e - s) + 9;
    }
    if (!pem_count) {
        input_error(name, "no PEM block");
        g_free(o);
        return false;
    }
    in->heap = o;
    in->data = o;
    in->len = len;
    return true;
}

/* Load @name ("-" for stdin) into @in. Returns false on I/O failure. */
static bool input_load(const char *name, Input *in)
{
    int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
    struct stat st;
    int kind = opt.input;

    memset(in, 0, sizeof(*in));
    in->spool_fd = -1;
    pem_count = 0;
    pem_next = 0;
    if (fd < 0) {
        input_error(name, "%s", strerror(errno));
        return false;
    }
    if (fstat(fd, &st) < 0) {
        input_error(name, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        input_error(name, "is a directory");
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        int tfd = spool(fd, name);

        if (tfd < 0) {
            goto fail;
        }
        if (fd != 0) {
            close(fd);
        }
        fd = tfd;
        in->spool_fd = tfd;
        if (fstat(fd, &st) < 0) {
            input_error(name, "%s", strerror(errno));
            goto fail;
        }
    }
    if (st.st_size > 0) {
        in->map_len = (size_t)st.st_size;
        in->map = mmap(NULL, in->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (in->map == MAP_FAILED) {
            in->map = NULL;
            input_error(name, "mmap: %s", strerror(errno));
            goto fail;
        }
        madvise(in->map, in->map_len, MADV_SEQUENTIAL);
        in->data = in->map;
        in->len = in->map_len;
    } else {
        in->data = (const uint8_t *)"";
        in->len = 0;
    }
    if (fd != 0 && fd != in->spool_fd) {
        close(fd);
    }
    fd = -1;
    if (kind == INPUT_AUTO) {
        kind = looks_like_pem(in->data, in->len) ? INPUT_PEM :
               looks_like_hex(in->data, in->len) ? INPUT_HEX : INPUT_RAW;
    }
    if (kind == INPUT_PEM || kind == INPUT_HEX) {
        const uint8_t *text = in->data;
        size_t n = in->len;
        bool ok = kind == INPUT_PEM ? decode_pem(text, n, in, name) :
                  decode_hex(text, n, in, name);

        if (in->map) {
            munmap(in->map, in->map_len);
            in->map = NULL;
        }
        if (!ok) {
            input_release(in);
            return false;
        }
    }
    return true;
fail:
    if (fd > 0) {
        close(fd);
    }
    input_release(in);
    return false;
}

/* ---- main ---------------------------------------------------------------- */

static const char *mode_name(BERMode mode)
{
    return mode == BER_MODE_DER ? "DER" : mode == BER_MODE_CER ? "CER" : "BER";
}

/* Dump one input. Returns 0, 1 (errors found) or 2 (I/O or usage). */
static int dump(const char *name, bool header)
{
    Input in;
    BERInspectOptions io;
    BERInspectCallbacks cb = { on_begin, on_end, on_stream };
    BERInspectSummary sum;
    const uint8_t *data;
    size_t len, i;

    if (!input_load(name, &in)) {
        return 2;
    }
    if (opt.offset > in.len) {
        input_error(name, "--offset %" PRIu64 " is past the end (%zu octet%s)",
                    opt.offset, in.len, in.len == 1 ? "" : "s");
        input_release(&in);
        return 2;
    }
    data = in.data + opt.offset;
    len = in.len - (size_t)opt.offset;
    if (opt.have_length) {
        if (opt.length > len) {
            input_error(name, "--length %" PRIu64 " runs past the end (%zu "
                        "octet%s from the offset)", opt.length, len,
                        len == 1 ? "" : "s");
            input_release(&in);
            return 2;
        }
        len = (size_t)opt.length;
    }
    ber_inspect_options_init(&io);
    io.mode = opt.mode;
    io.encapsulation = opt.encapsulation;
    io.single = opt.single;
    io.base_offset = opt.offset;

    ber_printer_begin_input(printer, name, opt.mode, opt.offset, len, header);
    memset(&sum, 0, sizeof(sum));
    for (i = 0; i < pem_count; i++) {
        if (pem_blocks[i].encrypted) {
            BERInspectDiagnostic d = { .offset = pem_blocks[i].offset,
                                       .severity = BER_INSPECT_ERROR,
                                       .code = "pem-encrypted" };

            snprintf(d.message, sizeof(d.message), "PEM block %zu (%s, line "
                     "%zu) is encrypted (Proc-Type: 4,ENCRYPTED): not shown",
                     i + 1, pem_blocks[i].label, pem_blocks[i].line);
            on_stream(NULL, &d);
            sum.errors++;
        }
    }
    if (len == 0 && sum.errors) {
        /* only encrypted PEM blocks, each reported: no second finding */
    } else if (len == 0) {
        BERInspectDiagnostic d = { .offset = opt.offset,
                                   .severity = BER_INSPECT_ERROR,
                                   .code = "empty", .message = "no data" };

        on_stream(NULL, &d);
        sum.errors++;
    } else {
        uint64_t pem_errors = sum.errors;

        drop_map = in.map && in.data == (const uint8_t *)in.map ? in.map : NULL;
        drop_done = 0;
        uint64_t schema_errors, schema_warnings;

        ber_inspect(data, len, &io, &cb, NULL, &sum);
        dump_schema_take_counts(&schema_errors, &schema_warnings);
        sum.errors += schema_errors + pem_errors;
        sum.warnings += schema_warnings;
        drop_map = NULL;
    }
    ber_printer_end_input(printer, &sum);
    if (sum.errors || sum.warnings) {
        ber_printer_flush(printer);
        fprintf(stderr, "ber-dump: %s: %" PRIu64 " error%s, %" PRIu64
                " warning%s (%s)\n", name, sum.errors, sum.errors == 1 ? "" : "s",
                sum.warnings, sum.warnings == 1 ? "" : "s",
                mode_name(opt.mode));
    }
    input_release(&in);
    return sum.errors ? 1 : 0;
}

/* The OID tables: the system's dumpasn1.cfg if present, then --oid-file. */
static BEROidTable *oids;
static size_t system_oid_names;
static bool system_oids;

static bool load_oids(void)
{
    Error *err = NULL;
    size_t i;

    oids = ber_oid_table_new();
    if (access(BER_OID_SYSTEM_FILE, R_OK) == 0) {
        if (ber_oid_table_load(oids, BER_OID_SYSTEM_FILE, &system_oid_names,
                               &err)) {
            system_oids = true;
        } else {
            /* a broken system file is not the user's fault: say so, go on */
            fprintf(stderr, "ber-dump: warning: %s\n", error_get_pretty(err));
            error_free(err);
            err = NULL;
        }
    }
    for (i = 0; i < opt.n_oid_files; i++) {
        if (!ber_oid_table_load(oids, opt.oid_files[i], NULL, &err)) {
            fprintf(stderr, "ber-dump: --oid-file: %s\n",
                    error_get_pretty(err));
            error_free(err);
            return false;
        }
    }
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: ber-dump [OPTION]... [FILE]...\n"
"Show and check the BER, CER or DER values in each FILE (stdin if none or -).\n"
"\n"
"  -b, --ber               check against BER (default)\n"
"  -c, --cer               check against the CER rules\n"
"  -d, --der               check against the DER rules\n"
"  -j, --json[=FORM]       one JSON document instead of the tree; FORM\n"
"                          tree (default: nested like the data) or flat\n"
"                          (one object per element, for deep inputs)\n"
"  -a, --all               show whole values (default: first %d octets)\n"
"  -e, --no-encapsulated   do not look for BER inside OCTET/BIT STRINGs\n"
"  -1, --single            one top-level value per input; more is an error\n"
"  -q, --quiet             print diagnostics only\n"
"      --flat              one line per element: offset depth header-length\n"
"                          length form class+tag (for scripts)\n"
"  -i, --input=FORMAT      auto (default), raw, pem, hex\n"
"  -o, --offset=N          start N octets into the (decoded) input\n"
"  -l, --length=N          walk only N octets\n"
"      --color[=WHEN]      auto (default: on a terminal), always, never\n"
"  -s, --schema=FILE.asn   label elements with fields of this ASN.1 module;\n"
"                          a value that does not match it is an error\n"
"  -t, --type=Module.Type  the type the data is (with --schema)\n"
"      --oid-file=FILE     OID names from FILE (dumpasn1.cfg format); may be\n"
"                          repeated, later files win\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n", DEFAULT_CAP);
    if (system_oids) {
        fprintf(f, "OID names: %zu from %s, %zu from --oid-file, then %zu "
                "built in.\n", system_oid_names, BER_OID_SYSTEM_FILE,
                ber_oid_table_size(oids) > system_oid_names ?
                ber_oid_table_size(oids) - system_oid_names : 0,
                ber_oid_builtin_size());
    } else {
        fprintf(f, "OID names: %zu from --oid-file, then %zu built in (%s "
                "not found; Debian package dumpasn1).\n",
                ber_oid_table_size(oids), ber_oid_builtin_size(),
                BER_OID_SYSTEM_FILE);
    }
    fprintf(f, "Exit status: 0 no errors (warnings allowed), 1 errors found, "
            "2 usage or I/O.\n");
}

/* A usage error: one line, and where to look. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("ber-dump: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("; try 'ber-dump --help'\n", stderr);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;

    errno = 0;
    if (!*s || *s == '-') {
        return false;
    }
    *v = strtoull(s, &end, 0);
    return !errno && !*end;
}

enum { OPT_FLAT = 256, OPT_COLOR, OPT_OID_FILE };

static int run(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ber", no_argument, NULL, 'b' },
        { "cer", no_argument, NULL, 'c' },
        { "der", no_argument, NULL, 'd' },
        { "json", optional_argument, NULL, 'j' },
        { "all", no_argument, NULL, 'a' },
        { "no-encapsulated", no_argument, NULL, 'e' },
        { "single", no_argument, NULL, '1' },
        { "quiet", no_argument, NULL, 'q' },
        { "flat", no_argument, NULL, OPT_FLAT },
        { "input", required_argument, NULL, 'i' },
        { "offset", required_argument, NULL, 'o' },
        { "length", required_argument, NULL, 'l' },
        { "color", optional_argument, NULL, OPT_COLOR },
        { "colour", optional_argument, NULL, OPT_COLOR },
        { "schema", required_argument, NULL, 's' },
        { "type", required_argument, NULL, 't' },
        { "oid-file", required_argument, NULL, OPT_OID_FILE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    BERPrintOptions po = { 0 };
    int color_when = 0;     /* 0 auto, 1 always, 2 never */
    int mode_option = 0;    /* the -b/-c/-d given, to refuse two */
    bool help = false;
    int status = 0;
    int c;
    int i;

    opt.mode = BER_MODE_BER;
    opt.encapsulation = true;
    opt.oid_files = g_new0(const char *, argc);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":bcdjae1qi:o:l:s:t:hV", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'b':
        case 'c':
        case 'd':
            if (mode_option && mode_option != c) {
                return usage_error("-%c and -%c: choose one of --ber, --cer "
                                   "and --der", mode_option, c);
            }
            mode_option = c;
            opt.mode = c == 'b' ? BER_MODE_BER : c == 'c' ? BER_MODE_CER :
                       BER_MODE_DER;
            break;
        case 'j':
            opt.json = true;
            if (optarg && !strcmp(optarg, "flat")) {
                opt.json_flat = true;
            } else if (optarg && strcmp(optarg, "tree")) {
                return usage_error("--json=%s: tree or flat", optarg);
            }
            break;
        case 'a': opt.all = true; break;
        case 'e': opt.encapsulation = false; break;
        case '1': opt.single = true; break;
        case 'q': opt.quiet = true; break;
        case OPT_FLAT: opt.flat = true; break;
        case 'i':
            if (!strcmp(optarg, "auto")) {
                opt.input = INPUT_AUTO;
            } else if (!strcmp(optarg, "raw") || !strcmp(optarg, "der") ||
                       !strcmp(optarg, "binary")) {
                opt.input = INPUT_RAW;
            } else if (!strcmp(optarg, "pem")) {
                opt.input = INPUT_PEM;
            } else if (!strcmp(optarg, "hex")) {
                opt.input = INPUT_HEX;
            } else {
                return usage_error("--input=%s: auto, raw, pem or hex", optarg);
            }
            break;
        case 'o':
            if (!parse_u64(optarg, &opt.offset)) {
                return usage_error("--offset: not a number: %s", optarg);
            }
            break;
        case 'l':
            if (!parse_u64(optarg, &opt.length)) {
                return usage_error("--length: not a number: %s", optarg);
            }
            opt.have_length = true;
            break;
        case OPT_COLOR:
            if (!optarg || !strcmp(optarg, "auto")) {
                color_when = 0;
            } else if (!strcmp(optarg, "always")) {
                color_when = 1;
            } else if (!strcmp(optarg, "never")) {
                color_when = 2;
            } else {
                return usage_error("--color=%s: auto, always or never", optarg);
            }
            break;
        case 's': opt.schema = optarg; break;
        case 't': opt.type = optarg; break;
        case OPT_OID_FILE: opt.oid_files[opt.n_oid_files++] = optarg; break;
        case 'h': help = true; break;
        case 'V': printf("ber-dump (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
        case ':':
            return usage_error("%s needs an argument", argv[optind - 1]);
        default:
            if (optopt) {
                return usage_error("unknown option -%c", optopt);
            }
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (!opt.schema != !opt.type) {
        return usage_error("--schema and --type go together");
    }
    if (opt.json && opt.flat) {
        return usage_error("--json and --flat: choose one (flat JSON is "
                           "--json=flat)");
    }
    if (opt.quiet && (opt.json || opt.flat)) {
        return usage_error("--quiet and --%s: choose one",
                           opt.json ? "json" : "flat");
    }
    if (!load_oids()) {
        return 2;
    }
    if (help) {
        usage(stdout);
        ber_oid_table_free(oids);
        return 0;
    }
    po.format = opt.json ? (opt.json_flat ? BER_PRINT_JSON_FLAT :
                            BER_PRINT_JSON) :
                opt.flat ? BER_PRINT_FLAT : opt.quiet ? BER_PRINT_QUIET :
                BER_PRINT_TREE;
    po.color = !opt.json && (color_when == 1 ||
                             (color_when == 0 && isatty(STDOUT_FILENO) &&
                              !getenv("NO_COLOR")));
    po.max_octets = opt.all ? 0 : DEFAULT_CAP;
    po.oids = oids;
    po.write = write_stdout;
    printer = ber_printer_new(&po);
    if (opt.schema && !dump_schema_open(opt.schema, opt.type)) {
        dump_schema_close();
        ber_printer_free(printer);
        ber_oid_table_free(oids);
        return 2;
    }
    if (optind >= argc) {
        status = dump("-", false);
    }
    for (i = optind; i < argc; i++) {
        int s = dump(argv[i], argc - optind > 1);

        if (s > status) {
            status = s;
        }
    }
    if (!ber_printer_finish(printer)) {
        fprintf(stderr, "ber-dump: writing to standard output: %s\n",
                strerror(write_errno));
        status = 2;
    }
    ber_printer_free(printer);
    dump_schema_close();
    ber_oid_table_free(oids);
    g_free(pem_blocks);
    g_free(opt.oid_files);
    return status;
}

int main(int argc, char **argv)
{
    int status = run(argc, argv);

    /* --help and --version go through stdio: a full disk shows only here. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "ber-dump: writing to standard output: %s\n",
                strerror(errno));
        status = 2;
    }
    return status;
}
