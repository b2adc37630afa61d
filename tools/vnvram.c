/*
 * tools/vnvram.c: create, measure, inspect, check, repair, dump, export,
 * import, add, resize and upgrade NVRAM images.
 *
 * A thin shell over libvnvram: every decision (layout, validation, which
 * copy is current, what a rollback is, how a relayout stays crash-safe)
 * is the library's, so a program linking it gets the same answers as this
 * tool. Exit status: 0 healthy, 1 problems found (damage, a rollback, a
 * never-written entry), 2 unusable image or usage error.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "tpm/vtpm-store.h"
#include "visitors/ber-inspect.h"
#include "visitors/ber-print.h"
#include "visitors/ber-text.h"

#define EXIT_PROBLEMS 1
#define EXIT_UNUSABLE 2

static const char *prog = "vnvram";

/* Entry sets for --profile: vtpm's images, sized and with the policies
 * that vtpm_store_profile() (tpm/vtpm-profile.c) gives them. */
typedef struct Profile {
    const char *name;
    VTPMVersion version;
} Profile;

static const Profile profiles[] = {
    { "tpm2", VTPM_VERSION_2 },
    { "tpm12", VTPM_VERSION_1_2 },
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: vnvram COMMAND [OPTIONS]\n"
"\n"
"Commands:\n"
"  create IMG (--entry NAME:SIZE[:mirror]... | --profile P) [--force]\n"
"         [--key-file F]   format IMG (created if missing); with --key-file\n"
"                          values are encrypted (AES-256-GCM)\n"
"  measure (--entry NAME:SIZE... | --profile P)\n"
"                          print the bytes an image with these entries needs\n"
"  info IMG                show the header, entries, slots, generations,\n"
"                          health\n"
"  check IMG [--repair]    verify both header copies and every copy of every\n"
"                          entry; --repair rewrites what can be rewritten\n"
"                          from a good copy and reports what cannot\n"
"  dump IMG ENTRY [--raw | --hex | --tree | --json] [--key-file F]\n"
"                          show the current value of ENTRY\n"
"  export IMG ENTRY [FILE] [--key-file F]\n"
"                          write the value's bytes as the device stored them\n"
"                          (to stdout without FILE)\n"
"  import IMG ENTRY FILE [--encoding E] [--key-file F]\n"
"                          commit FILE's bytes (one BER/CER/DER/JSON element\n"
"                          in the entry's encoding) as the entry's next value\n"
"  add IMG --entry NAME:SIZE[:mirror]...\n"
"                          add entries, keeping every value (crash-safe)\n"
"  resize IMG --entry NAME:SIZE\n"
"                          give an entry a new slot size, keeping the values\n"
"  upgrade IMG             convert a format-1 image to format 2 in place\n"
"  --version               print the version\n"
"\n"
"Options: --json (a JSON document instead of text; every command that\n"
"prints), --entry, --profile (tpm2, tpm12), --force, --key-file F (32 bytes,\n"
"raw or as 64 hexadecimal digits), --repair, --encoding (der, ber, cer,\n"
"json; default: the entry's current encoding, else der), --raw, --hex,\n"
"--tree.\n"
"SIZE: a number of bytes, with K, M, G or KiB, MiB, GiB (powers of 1024).\n"
"IMG: a file or block device, or a URI: nbd://HOST[:PORT]/EXPORT,\n"
"nbd+unix:///EXPORT?socket=PATH, nbds:// (TLS), file://PATH; e.g.\n"
"  vnvram create 'nbd+unix:///?socket=/tmp/nbd.sock' --profile tpm2\n"
"Exit status: 0 healthy, 1 problems found (damage, a rollback, a\n"
"never-written entry), 2 unusable image or usage error.\n");
}

/* A usage error: one line naming what is wrong, then "try --help". */
static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; try '%s --help'\n", prog);
    return EXIT_UNUSABLE;
}

/* Parse a SIZE: digits, then nothing or K, M, G, KiB, MiB, GiB. */
static bool parse_size(const char *s, uint64_t *out)
{
    static const struct { const char *suffix; uint64_t mult; } units[] = {
        { "", 1 }, { "K", 1ull << 10 }, { "M", 1ull << 20 },
        { "G", 1ull << 30 }, { "KiB", 1ull << 10 }, { "MiB", 1ull << 20 },
        { "GiB", 1ull << 30 }, { "k", 1ull << 10 },
    };
    char *end;
    uint64_t v;

    if (!g_ascii_isdigit(s[0])) {
        return false;       /* no sign, no blank: "-5" is not a size */
    }
    errno = 0;
    v = g_ascii_strtoull(s, &end, 10);
    if (errno) {
        return false;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
        if (strcmp(end, units[i].suffix) == 0) {
            if (v > UINT64_MAX / units[i].mult) {
                return false;
            }
            *out = v * units[i].mult;
            return true;
        }
    }
    return false;
}

/* Collect --entry and --profile options into a spec array. */
typedef struct SpecList {
    GArray *specs;      /* NVRAMEntrySpec */
    GArray *policies;   /* NVRAMEntryPolicy, one per spec */
    GPtrArray *names;   /* owned name strings */
    bool has_profile, has_entry, has_policy;
} SpecList;

static bool spec_add_entry(SpecList *l, const char *arg)
{
    char **parts = g_strsplit(arg, ":", 0);
    guint n = g_strv_length(parts);
    NVRAMEntryPolicy policy = NVRAM_POLICY_ALTERNATE;
    NVRAMEntrySpec spec;
    bool ok = false;

    if (n < 2 || n > 3 || !parts[0][0]) {
        usage_error("--entry wants NAME:SIZE[:mirror], not '%s'", arg);
    } else if (!parse_size(parts[1], &spec.max_size)) {
        usage_error("--entry %s: bad size '%s' (a number of bytes, with K, "
                    "M, G or KiB, MiB, GiB)", parts[0], parts[1]);
    } else if (n == 3 && strcmp(parts[2], "mirror") &&
               strcmp(parts[2], "alternate")) {
        usage_error("--entry %s: unknown policy '%s' (mirror or alternate)",
                    parts[0], parts[2]);
    } else {
        if (n == 3 && !strcmp(parts[2], "mirror")) {
            policy = NVRAM_POLICY_MIRROR;
        }
        l->has_policy |= n == 3;
        spec.name = g_strdup(parts[0]);
        g_ptr_array_add(l->names, (char *)spec.name);
        g_array_append_val(l->specs, spec);
        g_array_append_val(l->policies, policy);
        ok = true;
    }
    g_strfreev(parts);
    return ok;
}

static bool spec_add_profile(SpecList *l, const char *arg)
{
    for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
        if (strcmp(profiles[i].name, arg) == 0) {
            NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
            NVRAMEntryPolicy policies[VTPM_STORE_N_ENTRIES];

            vtpm_store_profile(profiles[i].version, specs, policies);
            g_array_append_vals(l->specs, specs, VTPM_STORE_N_ENTRIES);
            g_array_append_vals(l->policies, policies, VTPM_STORE_N_ENTRIES);
            return true;
        }
    }
    usage_error("unknown profile '%s' (known: tpm2, tpm12)", arg);
    return false;
}

enum {
    OPT_ENTRY = 'e',
    OPT_PROFILE = 'p',
    OPT_FORCE = 'f',
    OPT_JSON = 'j',
    OPT_RAW = 'r',
    OPT_HEX = 'x',
    OPT_TREE = 't',
    OPT_HELP = 'h',
    OPT_KEY_FILE = 'k',
    OPT_REPAIR = 'R',
    OPT_ENCODING = 'E',
    OPT_VERSION = 'V',
};

static const struct option long_options[] = {
    { "entry", required_argument, NULL, OPT_ENTRY },
    { "profile", required_argument, NULL, OPT_PROFILE },
    { "force", no_argument, NULL, OPT_FORCE },
    { "json", no_argument, NULL, OPT_JSON },
    { "raw", no_argument, NULL, OPT_RAW },
    { "hex", no_argument, NULL, OPT_HEX },
    { "tree", no_argument, NULL, OPT_TREE },
    { "help", no_argument, NULL, OPT_HELP },
    { "key-file", required_argument, NULL, OPT_KEY_FILE },
    { "repair", no_argument, NULL, OPT_REPAIR },
    { "encoding", required_argument, NULL, OPT_ENCODING },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

typedef struct Options {
    SpecList list;
    bool force, json, raw, hex, tree, repair;
    bool has_key;
    uint8_t key[NVRAM_KEY_SIZE];
    bool has_encoding;
    NVRAMEncoding encoding;
} Options;

/* Read a key: NVRAM_KEY_SIZE raw bytes or as many hex digit pairs. */
static bool load_key(const char *path, uint8_t key[NVRAM_KEY_SIZE])
{
    GError *gerr = NULL;
    char *data = NULL;
    gsize len = 0;
    bool ok = false;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        /* GLib's message names the file and the reason */
        fprintf(stderr, "%s: cannot read key file: %s\n", prog,
                gerr->message);
        g_error_free(gerr);
        return false;
    }
    if (len == NVRAM_KEY_SIZE) {
        memcpy(key, data, NVRAM_KEY_SIZE);
        ok = true;
    } else {
        char *hex = g_strstrip(data);
        if (strlen(hex) == 2 * NVRAM_KEY_SIZE) {
            ok = true;
            for (int i = 0; i < NVRAM_KEY_SIZE && ok; i++) {
                int hi = g_ascii_xdigit_value(hex[2 * i]);
                int lo = g_ascii_xdigit_value(hex[2 * i + 1]);
                ok = hi >= 0 && lo >= 0;
                key[i] = (uint8_t)(hi << 4 | lo);
            }
        }
    }
    if (!ok) {
        fprintf(stderr, "%s: key file '%s' must hold %d bytes or %d hex "
                "digits\n", prog, path, NVRAM_KEY_SIZE, 2 * NVRAM_KEY_SIZE);
    }
    memset(data, 0, len);
    g_free(data);
    return ok;
}

/* The exit status for a library failure @code. */
static int status_of(int code)
{
    switch (-code) {
    case NVRAM_ERR_ENTRY_ABSENT:
    case NVRAM_ERR_ENTRY_CORRUPT:
        return EXIT_PROBLEMS;
    default:
        return EXIT_UNUSABLE;
    }
}

/*
 * Report @err (one line) and return the exit status for @code. @img (may
 * be NULL) is the image the failure concerns: the line names it first,
 * unless the message quotes it already (the storage layer's messages do).
 */
static int fail(const char *img, int code, Error *err)
{
    const char *msg = err ? error_get_pretty(err) : nvram_strerror(code);
    char *quoted = img ? g_strdup_printf("'%s'", img) : NULL;

    if (img && !strstr(msg, quoted)) {
        fprintf(stderr, "%s: %s: %s\n", prog, img, msg);
    } else {
        fprintf(stderr, "%s: %s\n", prog, msg);
    }
    g_free(quoted);
    error_free(err);
    return status_of(code);
}

/* @s as a JSON string, through the library's one escaper. */
static void print_json_string(const char *s)
{
    BERText t = { 0 };

    ber_text_append_json(&t, s, strlen(s));
    printf("\"%s\"", t.data ? t.data : "");
    ber_text_free(&t);
}

static void print_hex(const uint8_t *p, size_t len)
{
    for (size_t off = 0; off < len; off += 16) {
        printf("%08zx ", off);
        for (size_t i = off; i < off + 16; i++) {
            if (i < len) {
                printf(" %02x", p[i]);
            } else {
                printf("   ");
            }
        }
        printf("  |");
        for (size_t i = off; i < off + 16 && i < len; i++) {
            putchar(g_ascii_isprint(p[i]) ? p[i] : '.');
        }
        printf("|\n");
    }
}

/*** Showing a BER value: the inspector and ber-dump's printer ***/

static bool write_stdout(void *opaque, const char *buf, size_t len)
{
    return fwrite(buf, 1, len, stdout) == len;
}

/*
 * Print @p[0..@len), entry @entry, as one BER/CER/DER value (@enc),
 * checked under its rules, as ber-dump prints it: an indented tree or,
 * with @json, the same JSON document as ber-dump --json (one input, named
 * after the entry). Returns the number of errors the inspector found
 * (a failed write counts as one).
 */
static uint64_t show_ber_tree(const char *entry, const uint8_t *p,
                              size_t len, NVRAMEncoding enc, bool json)
{
    BERPrintOptions po = { .format = json ? BER_PRINT_JSON : BER_PRINT_TREE,
                           .write = write_stdout };
    BERPrinter *printer = ber_printer_new(&po);
    BERInspectOptions opts;
    BERInspectSummary summary = { 0 };

    ber_inspect_options_init(&opts);
    opts.mode = enc == NVRAM_ENCODING_DER ? BER_MODE_DER :
                enc == NVRAM_ENCODING_CER ? BER_MODE_CER : BER_MODE_BER;
    opts.single = true;
    ber_printer_begin_input(printer, entry, opts.mode, 0, len, false);
    ber_inspect(p, len, &opts, &ber_printer_callbacks, printer, &summary);
    ber_printer_end_input(printer, &summary);
    if (!ber_printer_finish(printer)) {
        fprintf(stderr, "%s: write error: %s\n", prog, strerror(errno));
        summary.errors++;
    }
    ber_printer_free(printer);
    return summary.errors;
}


static NVRAMStorage *open_image(const char *img, bool writable, Error **errp)
{
    return nvram_storage_open(img, !writable, false, errp);
}

/* Open @img, describe it into *@info and close it: as nvram_image_inspect(). */
static int inspect_image(const char *img, NVRAMImageInfo **info, Error **errp)
{
    NVRAMStorage *s = open_image(img, false, errp);
    int ret;

    if (!s) {
        return -NVRAM_ERR_IO;
    }
    ret = nvram_image_inspect(s, info, errp);
    nvram_storage_close(s);
    return ret;
}

/*
 * --key-file applies to encrypted images only, and an encrypted image
 * needs it (@need) to show plaintext: check against @img's header.
 */
static int check_key_applies(const char *img, const Options *o, bool need)
{
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    bool encrypted;
    int ret = inspect_image(img, &info, &err);

    if (ret < 0) {
        return fail(img, ret, err);
    }
    encrypted = info->flags & 1;
    nvram_image_info_free(info);
    if (o->has_key && !encrypted) {
        return usage_error("%s is not encrypted: --key-file does not apply",
                           img);
    }
    if (need && encrypted && !o->has_key) {
        fprintf(stderr, "%s: %s is encrypted: give --key-file\n", prog, img);
        return EXIT_UNUSABLE;
    }
    return 0;
}

static const char *entry_health(const NVRAMEntryInfo *e)
{
    if (e->status == -NVRAM_ERR_ENTRY_CORRUPT) {
        return "corrupt";
    }
    if (e->rolled_back) {
        return "rolled-back";
    }
    if (e->generation_exhausted) {
        return "stuck";
    }
    if (!e->copies[0].valid || !e->copies[1].valid) {
        return "degraded";
    }
    return e->status == -NVRAM_ERR_ENTRY_ABSENT ? "never-written" : "ok";
}

static const char *policy_name(NVRAMEntryPolicy p)
{
    return p == NVRAM_POLICY_MIRROR ? "mirror" : "alternate";
}

static void print_hex_id(const uint8_t *id)
{
    for (int i = 0; i < 16; i++) {
        printf("%02x", id[i]);
    }
}

static void print_info_json(const char *img, const NVRAMImageInfo *info)
{
    printf("{\"image\": ");
    print_json_string(img);
    printf(", \"version\": %u, \"flags\": %u, \"encrypted\": %s, "
           "\"image_id\": \"", info->version, info->flags,
           info->flags & 1 ? "true" : "false");
    print_hex_id(info->image_id);
    printf("\", \"image_size\": %" PRIu64 ", \"drive_size\": %" PRIu64
           ", \"header_size\": %" PRIu64 ", \"layout_generation\": %" PRIu64
           ", \"header_copies\": [", info->image_size, info->storage_size,
           info->header_size, info->layout_generation);
    for (unsigned c = 0; c < info->header_copies; c++) {
        printf("%s{\"offset\": %" PRIu64 ", \"valid\": %s", c ? ", " : "",
               c ? info->header_size / 2 : 0,
               info->header_problem[c] ? "false" : "true");
        if (info->header_problem[c]) {
            printf(", \"problem\": ");
            print_json_string(info->header_problem[c]);
        }
        printf("}");
    }
    printf("], \"entries\": [");
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        printf("%s\n  {\"name\": ", i ? "," : "");
        print_json_string(e->name.name);
        printf(", \"id\": %u, \"policy\": \"%s\", \"offset\": %" PRIu64
               ", \"copy_size\": %" PRIu64 ", \"capacity\": %" PRIu64
               ", \"health\": \"%s\", \"current_copy\": %d, "
               "\"rolled_back\": %s, \"copies\": [", e->id,
               policy_name(e->policy), e->offset, e->copy_size, e->capacity,
               entry_health(e), e->newest,
               e->rolled_back ? "true" : "false");
        for (int c = 0; c < 2; c++) {
            const NVRAMCopyInfo *ci = &e->copies[c];
            printf("%s{\"offset\": %" PRIu64 ", \"valid\": %s", c ? ", " : "",
                   ci->offset, ci->valid ? "true" : "false");
            if (ci->valid) {
                printf(", \"generation\": %" PRIu64 ", \"length\": %" PRIu64
                       ", \"encoding\": \"%s\", \"encrypted\": %s",
                       ci->generation, ci->payload_length,
                       nvram_encoding_name(ci->encoding),
                       ci->encrypted ? "true" : "false");
            } else {
                printf(", \"problem\": ");
                print_json_string(ci->problem);
            }
            printf("}");
        }
        printf("]}");
    }
    printf("\n]}\n");
}

static void print_info_text(const char *img, const NVRAMImageInfo *info)
{
    printf("image:        %s\n", img);
    printf("format:       qemu-nvram version %u%s\n", info->version,
           info->flags & 1 ? ", encrypted" : "");
    printf("image id:     ");
    print_hex_id(info->image_id);
    printf("\nimage size:   %" PRIu64 " bytes (drive: %" PRIu64 ")\n",
           info->image_size, info->storage_size);
    printf("header size:  %" PRIu64 " bytes (%u cop%s", info->header_size,
           info->header_copies, info->header_copies == 1 ? "y" : "ies");
    if (info->version >= 2) {
        printf(", layout generation %" PRIu64, info->layout_generation);
    }
    printf(")\n");
    for (unsigned c = 0; c < info->header_copies; c++) {
        if (info->header_problem[c]) {
            printf("header copy %u: DAMAGED: %s\n", c, info->header_problem[c]);
        }
    }
    printf("entries:      %zu\n", info->n_entries);
    printf("\n%-20s %-9s %10s %10s %10s  %-13s %s\n", "ENTRY", "POLICY",
           "OFFSET", "SLOT", "CAPACITY", "HEALTH",
           "COPIES (generation/length/encoding)");
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        printf("%-20s %-9s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "  %-13s",
               e->name.name, policy_name(e->policy), e->offset, e->copy_size,
               e->capacity, entry_health(e));
        for (int c = 0; c < 2; c++) {
            const NVRAMCopyInfo *ci = &e->copies[c];
            if (ci->valid) {
                printf(" %c%d: gen %" PRIu64 "/%" PRIu64 " B/%s",
                       c == e->newest ? '*' : ' ', c, ci->generation,
                       ci->payload_length, nvram_encoding_name(ci->encoding));
            } else {
                printf("  %d: CORRUPT", c);
            }
        }
        printf("\n");
    }
}

static int cmd_info(const char *img, Options *o)
{
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int ret;

    ret = inspect_image(img, &info, &err);
    if (ret < 0) {
        return fail(img, ret, err);
    }
    if (o->json) {
        print_info_json(img, info);
    } else {
        print_info_text(img, info);
    }
    nvram_image_info_free(info);
    return 0;
}

/*
 * One problem found by check: a text line or a JSON array element, and
 * one more in *@count (what the summary line counts).
 */
static void check_report(const Options *o, int *count, const char *entry,
                         const char *fmt, ...) G_GNUC_PRINTF(4, 5);
static void check_report(const Options *o, int *count, const char *entry,
                         const char *fmt, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (o->json) {
        printf("%s\n  {\"entry\": ", *count ? "," : "");
        if (entry) {
            print_json_string(entry);
        } else {
            printf("null");
        }
        printf(", \"message\": ");
        print_json_string(msg);
        printf("}");
    } else if (entry) {
        printf("%s: %s\n", entry, msg);
    } else {
        printf("%s\n", msg);
    }
    (*count)++;
    g_free(msg);
}

static int cmd_check(const char *img, Options *o)
{
    NVRAMImageInfo *info = NULL;
    GPtrArray *log = NULL;
    Error *err = NULL;
    int problems = 0, left = 0, ret;

    if (o->repair) {
        NVRAMStorage *s = open_image(img, true, &err);

        if (!s) {
            return fail(img, -NVRAM_ERR_IO, err);
        }
        log = g_ptr_array_new_with_free_func(g_free);
        left = nvram_image_repair(s, log, &err);
        nvram_storage_close(s);
        if (left < 0) {
            g_ptr_array_unref(log);
            fail(img, left, err);
            return EXIT_UNUSABLE;
        }
    }
    ret = inspect_image(img, &info, &err);
    if (ret < 0) {
        fail(img, ret, err);
        if (log) {
            g_ptr_array_unref(log);
        }
        return EXIT_UNUSABLE;
    }
    if (o->json) {
        printf("{\"image\": ");
        print_json_string(img);
        printf(", \"repaired\": [");
        for (guint i = 0; log && i < log->len; i++) {
            printf("%s", i ? ", " : "");
            print_json_string(g_ptr_array_index(log, i));
        }
        printf("], \"problems\": [");
    } else {
        for (guint i = 0; log && i < log->len; i++) {
            printf("repair: %s\n", (char *)g_ptr_array_index(log, i));
        }
    }
    for (unsigned c = 0; c < info->header_copies; c++) {
        if (info->header_problem[c]) {
            check_report(o, &problems, NULL, "header copy %u damaged: %s",
                         c, info->header_problem[c]);
        }
    }
    if (info->storage_size < info->image_size) {
        check_report(o, &problems, NULL, "truncated: the image needs %"
                     PRIu64 " bytes, the drive has %" PRIu64 "; the copies "
                     "within it are read, writes are refused", info->image_size,
                     info->storage_size);
    }
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        for (int c = 0; c < 2; c++) {
            if (!e->copies[c].valid) {
                check_report(o, &problems, e->name.name, "copy %d damaged: "
                             "%s", c, e->copies[c].problem);
            }
        }
        if (e->generation_exhausted) {
            check_report(o, &problems, e->name.name, "generation %" PRIu64
                         " cannot grow: writes are refused", UINT64_MAX);
        }
        if (e->status == -NVRAM_ERR_ENTRY_CORRUPT) {
            check_report(o, &problems, e->name.name, "both copies damaged: "
                         "the value is lost");
        } else if (e->rolled_back) {
            check_report(o, &problems, e->name.name, "rollback: the newest "
                         "copy is damaged; reads serve copy %d (generation %"
                         PRIu64 "), a later commit may be lost", e->newest,
                         e->copies[e->newest].generation);
        }
    }
    if (o->json) {
        printf("\n], \"healthy\": %s, \"entries\": %zu}\n",
               problems ? "false" : "true", info->n_entries);
    } else if (problems) {
        printf("%s: %d problem%s found\n", img, problems,
               problems == 1 ? "" : "s");
    } else {
        printf("%s: healthy (%zu entr%s, every copy verified)\n", img,
               info->n_entries, info->n_entries == 1 ? "y" : "ies");
    }
    nvram_image_info_free(info);
    if (log) {
        g_ptr_array_unref(log);
    }
    return problems ? EXIT_PROBLEMS : 0;
}

static int cmd_measure(Options *o)
{
    Error *err = NULL;
    uint64_t size;
    int ret;

    ret = nvram_measure((NVRAMEntrySpec *)o->list.specs->data,
                        o->list.specs->len, &size, &err);
    if (ret < 0) {
        return fail(NULL, ret, err);
    }
    if (o->json) {
        printf("{\"size\": %" PRIu64 ", \"entries\": %u}\n", size,
               o->list.specs->len);
    } else {
        printf("%" PRIu64 "\n", size);
    }
    return 0;
}

static int cmd_create(const char *img, Options *o)
{
    NVRAMStorage *s;
    Error *err = NULL;
    uint64_t size = 0;
    bool created;
    int ret;

    /* A create that fails must not leave a file that looks like an image. */
    created = !nvram_storage_name_is_uri(img) && access(img, F_OK) < 0 &&
              errno == ENOENT;
    s = nvram_storage_open(img, false, true, &err);
    if (!s) {
        return fail(img, -NVRAM_ERR_IO, err);
    }
    ret = nvram_image_format(s, (NVRAMEntrySpec *)o->list.specs->data,
                             (NVRAMEntryPolicy *)o->list.policies->data,
                             o->list.specs->len, o->has_key ? o->key : NULL,
                             o->has_key ? NVRAM_KEY_SIZE : 0, o->force, &err);
    if (ret == 0) {
        nvram_storage_get_size(s, &size, NULL);
    }
    nvram_storage_close(s);
    if (ret < 0 && created) {
        unlink(img);
    }
    if (ret < 0) {
        if (ret == -NVRAM_ERR_ALREADY_FORMATTED) {
            char *msg = g_strdup_printf("%s (use --force to overwrite it)",
                                        error_get_pretty(err));

            error_free(err);
            err = NULL;
            error_setg(&err, "%s", msg);
            g_free(msg);
        }
        return fail(img, ret, err);
    }
    if (o->json) {
        printf("{\"image\": ");
        print_json_string(img);
        printf(", \"entries\": %u, \"image_size\": %" PRIu64
               ", \"encrypted\": %s}\n", o->list.specs->len, size,
               o->has_key ? "true" : "false");
    } else {
        printf("formatted %s: %u entr%s, %" PRIu64 " bytes%s\n", img,
               o->list.specs->len, o->list.specs->len == 1 ? "y" : "ies",
               size, o->has_key ? ", encrypted" : "");
    }
    return 0;
}

/* Read the current value of @entry (with the key): 0, or an exit status. */
static int read_value(const char *img, const char *entry, const Options *o,
                      uint8_t **payload, size_t *len, NVRAMEncoding *enc,
                      uint64_t *gen, bool *rolled_back)
{
    NVRAMStorage *s;
    Error *err = NULL;
    int ret;

    s = open_image(img, false, &err);
    if (!s) {
        return fail(img, -NVRAM_ERR_IO, err);
    }
    ret = nvram_image_read_entry_with_key(s, entry,
                                          o->has_key ? o->key : NULL,
                                          o->has_key ? NVRAM_KEY_SIZE : 0,
                                          payload, len, enc, gen, &err);
    nvram_storage_close(s);
    if (ret < 0) {
        return fail(img, ret, err);
    }
    *rolled_back = ret == NVRAM_READ_ROLLED_BACK;
    if (*rolled_back) {
        /* the value is shown, and the user told it may not be the latest */
        fprintf(stderr, "%s: rollback: %s\n", prog, error_get_pretty(err));
        error_free(err);
    }
    return 0;
}

static int cmd_dump(const char *img, const char *entry, Options *o)
{
    NVRAMEncoding enc;
    uint8_t *payload = NULL;
    uint64_t gen;
    size_t len;
    bool rolled_back = false;
    int ret;

    if (o->raw + o->hex + o->tree + o->json > 1) {
        return usage_error("dump takes one of --raw, --hex, --tree, --json");
    }
    ret = check_key_applies(img, o, !o->raw && !o->hex);
    if (ret) {
        return ret;
    }
    ret = read_value(img, entry, o, &payload, &len, &enc, &gen, &rolled_back);
    if (ret) {
        return ret;
    }
    if (o->raw) {
        fwrite(payload, 1, len, stdout);
    } else if (o->hex) {
        print_hex(payload, len);
    } else if (enc == NVRAM_ENCODING_JSON && !o->tree) {
        fwrite(payload, 1, len, stdout);
        putchar('\n');
    } else if (enc == NVRAM_ENCODING_JSON) {
        fprintf(stderr, "%s: %s: entry '%s' is stored as JSON, not BER: "
                "use --json\n", prog, img, entry);
        ret = EXIT_UNUSABLE;
    } else {
        fprintf(stderr, "%s: entry '%s', generation %" PRIu64 ", %zu byte%s "
                "of %s\n", prog, entry, gen, len, len == 1 ? "" : "s",
                nvram_encoding_name(enc));
        if (show_ber_tree(entry, payload, len, enc, o->json)) {
            fprintf(stderr, "%s: %s: entry '%s' is not valid %s\n", prog,
                    img, entry, nvram_encoding_name(enc));
            ret = EXIT_PROBLEMS;
        }
    }
    g_free(payload);
    return ret ? ret : rolled_back ? EXIT_PROBLEMS : 0;
}

/*
 * Write @data[0..@len) to @path. A regular file, or a new one, is replaced
 * whole (GLib writes a temporary file and renames it over @path); anything
 * else that is there (a device, a FIFO, a symbolic link such as
 * /dev/stdout) is written through, since a rename would replace the node
 * itself. False with @errp set on any failure.
 */
static bool write_file(const char *path, const uint8_t *data, size_t len,
                       Error **errp)
{
    GError *gerr = NULL;
    struct stat st;
    int fd;

    if (lstat(path, &st) < 0 || S_ISREG(st.st_mode)) {
        if (!g_file_set_contents(path, (const char *)data, (gssize)len,
                                 &gerr)) {
            error_setg(errp, "cannot write %s: %s", path, gerr->message);
            g_error_free(gerr);
            return false;
        }
        return true;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        error_setg_errno(errp, errno, "cannot open %s", path);
        return false;
    }
    while (len > 0) {
        ssize_t n = write(fd, data, len);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            error_setg_errno(errp, n < 0 ? errno : EIO, "cannot write %s",
                             path);
            close(fd);
            return false;
        }
        data += n;
        len -= (size_t)n;
    }
    if (close(fd) < 0) {
        error_setg_errno(errp, errno, "cannot write %s", path);
        return false;
    }
    return true;
}

static int cmd_export(const char *img, const char *entry, const char *file,
                      Options *o)
{
    NVRAMEncoding enc;
    uint8_t *payload = NULL;
    uint64_t gen;
    size_t len;
    bool rolled_back = false;
    Error *err = NULL;
    int ret;

    ret = check_key_applies(img, o, true);
    if (ret) {
        return ret;
    }
    ret = read_value(img, entry, o, &payload, &len, &enc, &gen, &rolled_back);
    if (ret) {
        return ret;
    }
    if (!file) {
        ret = fwrite(payload, 1, len, stdout) == len && fflush(stdout) == 0
              ? 0 : EXIT_UNUSABLE;
        if (ret) {
            fprintf(stderr, "%s: writing to standard output: %s\n", prog,
                    g_strerror(errno));
            clearerr(stdout);   /* reported: not again at exit */
        }
    } else if (!write_file(file, payload, len, &err)) {
        fprintf(stderr, "%s: %s\n", prog, error_get_pretty(err));
        error_free(err);
        ret = EXIT_UNUSABLE;
    } else {
        fprintf(stderr, "%s: exported entry '%s' (generation %" PRIu64
                ", %zu byte%s of %s) to %s\n", prog, entry, gen, len,
                len == 1 ? "" : "s", nvram_encoding_name(enc), file);
    }
    if (payload) {
        memset(payload, 0, len);
    }
    g_free(payload);
    return ret ? ret : rolled_back ? EXIT_PROBLEMS : 0;
}

static int cmd_import(const char *img, const char *entry, const char *file,
                      Options *o)
{
    NVRAMImageInfo *info = NULL;
    NVRAMEncoding enc = NVRAM_ENCODING_DER;
    NVRAMStorage *s;
    GError *gerr = NULL;
    Error *err = NULL;
    char *data = NULL;
    gsize len = 0;
    int ret;

    ret = check_key_applies(img, o, true);
    if (ret) {
        return ret;
    }
    if (!g_file_get_contents(file, &data, &len, &gerr)) {
        fprintf(stderr, "%s: cannot read %s: %s\n", prog, file,
                gerr->message);
        g_error_free(gerr);
        return EXIT_UNUSABLE;
    }
    if (o->has_encoding) {
        enc = o->encoding;
    } else if (inspect_image(img, &info, NULL) == 0) {
        /* the entry's current encoding, when it has one */
        for (size_t i = 0; i < info->n_entries; i++) {
            const NVRAMEntryInfo *e = &info->entries[i];
            if (!strcmp(e->name.name, entry) && e->newest >= 0) {
                enc = e->copies[e->newest].encoding;
            }
        }
    }
    nvram_image_info_free(info);
    s = open_image(img, true, &err);
    if (!s) {
        g_free(data);
        return fail(img, -NVRAM_ERR_IO, err);
    }
    ret = nvram_image_write_entry(s, entry, o->has_key ? o->key : NULL,
                                  o->has_key ? NVRAM_KEY_SIZE : 0,
                                  (const uint8_t *)data, len, enc, &err);
    nvram_storage_close(s);
    memset(data, 0, len);
    g_free(data);
    if (ret < 0) {
        return fail(img, ret, err);
    }
    if (o->json) {
        printf("{\"image\": ");
        print_json_string(img);
        printf(", \"entry\": ");
        print_json_string(entry);
        printf(", \"length\": %zu, \"encoding\": \"%s\"}\n", (size_t)len,
               nvram_encoding_name(enc));
    } else {
        printf("imported %zu byte%s of %s into entry '%s' of %s\n",
               (size_t)len, len == 1 ? "" : "s", nvram_encoding_name(enc),
               entry, img);
    }
    return 0;
}

/* add, resize, upgrade: an offline relayout of @img. */
static int cmd_relayout(const char *cmd, const char *img, Options *o)
{
    NVRAMStorage *s;
    Error *err = NULL;
    int ret;

    s = open_image(img, true, &err);
    if (!s) {
        return fail(img, -NVRAM_ERR_IO, err);
    }
    if (!strcmp(cmd, "add")) {
        ret = nvram_image_add_entries(s,
                                      (NVRAMEntrySpec *)o->list.specs->data,
                                      (NVRAMEntryPolicy *)
                                      o->list.policies->data,
                                      o->list.specs->len, &err);
    } else if (!strcmp(cmd, "resize")) {
        NVRAMEntrySpec *spec = (NVRAMEntrySpec *)o->list.specs->data;

        ret = nvram_image_resize_entry(s, spec->name, spec->max_size, &err);
    } else {
        ret = nvram_image_upgrade(s, &err);
    }
    nvram_storage_close(s);
    if (ret < 0) {
        return fail(img, ret, err);
    }
    if (o->json) {
        printf("{\"image\": ");
        print_json_string(img);
        printf(", \"command\": \"%s\", \"changed\": %s}\n", cmd,
               !strcmp(cmd, "upgrade") && ret == 0 ? "false" : "true");
    } else if (!strcmp(cmd, "upgrade")) {
        printf(ret ? "%s: upgraded to format 2\n"
                   : "%s: already format 2, nothing to do\n", img);
    } else {
        printf("%s: %s done, every value kept\n", img, cmd);
    }
    return 0;
}

/*
 * Which options each command takes (letters of long_options) and how many
 * operands (min, max).
 */
typedef struct Command {
    const char *name;
    const char *options;
    int min_args, max_args;
    const char *args;
} Command;

static const Command commands[] = {
    { "measure", "epj", 0, 0, "" },
    { "create", "epfkj", 1, 1, "IMG" },
    { "info", "j", 1, 1, "IMG" },
    { "check", "jR", 1, 1, "IMG" },
    { "dump", "rxtjk", 2, 2, "IMG ENTRY" },
    { "export", "k", 2, 3, "IMG ENTRY [FILE]" },
    { "import", "kEj", 3, 3, "IMG ENTRY FILE" },
    { "add", "ej", 1, 1, "IMG" },
    { "resize", "ej", 1, 1, "IMG" },
    { "upgrade", "j", 1, 1, "IMG" },
};

static const char *option_name(int c)
{
    for (const struct option *opt = long_options; opt->name; opt++) {
        if (opt->val == c) {
            return opt->name;
        }
    }
    return "?";
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    const Command *cmd = NULL;
    int c, nargs, ret;

    g_set_prgname(prog);
    /* Past a file size limit, a write fails with EFBIG and is reported. */
    signal(SIGXFSZ, SIG_IGN);
    o.list.specs = g_array_new(false, false, sizeof(NVRAMEntrySpec));
    o.list.policies = g_array_new(false, false, sizeof(NVRAMEntryPolicy));
    o.list.names = g_ptr_array_new_with_free_func(g_free);
    if (argc < 2) {
        ret = usage_error("a command is needed");
        goto out;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        ret = 0;
        goto out;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("vnvram (%s) %s; NVRAM image format %d (reads 1 and 2)\n",
               PACKAGE_NAME, PACKAGE_VERSION, 2);
        ret = 0;
        goto out;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (!strcmp(argv[1], commands[i].name)) {
            cmd = &commands[i];
        }
    }
    if (!cmd) {
        ret = usage_error("unknown command '%s'", argv[1]);
        goto out;
    }
    optind = 2;
    opterr = 0;
    ret = -1;
    while (ret < 0 && (c = getopt_long(argc, argv, ":e:p:fjrxthk:RE:V",
                                       long_options, NULL)) != -1) {
        if (c == '?' || c == ':') {
            ret = usage_error(c == ':' ? "%s: option '%s' needs a value"
                                       : "%s: unknown option '%s'",
                              cmd->name, argv[optind - 1]);
            break;
        }
        if (c == OPT_HELP) {
            usage(stdout);
            ret = 0;
            break;
        }
        if (c == OPT_VERSION || !strchr(cmd->options, c)) {
            ret = usage_error("%s: --%s does not apply", cmd->name,
                              option_name(c));
            break;
        }
        switch (c) {
        case OPT_ENTRY:
            if (o.list.has_profile) {
                ret = usage_error("--entry and --profile do not go together");
            } else if (!spec_add_entry(&o.list, optarg)) {
                ret = EXIT_UNUSABLE;
            }
            o.list.has_entry = true;
            break;
        case OPT_PROFILE:
            if (o.list.has_entry || o.list.has_profile) {
                ret = usage_error("--profile takes one profile and no "
                                  "--entry");
            } else if (!spec_add_profile(&o.list, optarg)) {
                ret = EXIT_UNUSABLE;
            }
            o.list.has_profile = true;
            break;
        case OPT_FORCE:
            o.force = true;
            break;
        case OPT_JSON:
            o.json = true;
            break;
        case OPT_RAW:
            o.raw = true;
            break;
        case OPT_HEX:
            o.hex = true;
            break;
        case OPT_TREE:
            o.tree = true;
            break;
        case OPT_REPAIR:
            o.repair = true;
            break;
        case OPT_ENCODING:
            o.has_encoding = false;
            for (int e = 0; e < NVRAM_ENCODING__MAX; e++) {
                if (!strcmp(optarg, nvram_encoding_name(e))) {
                    o.encoding = e;
                    o.has_encoding = true;
                }
            }
            if (!o.has_encoding) {
                ret = usage_error("--encoding: unknown encoding '%s' (der, "
                                  "ber, cer, json)", optarg);
            }
            break;
        case OPT_KEY_FILE:
            if (!load_key(optarg, o.key)) {
                ret = EXIT_UNUSABLE;
            }
            o.has_key = true;
            break;
        }
    }
    if (ret >= 0) {
        goto out;
    }
    nargs = argc - optind;
    if (nargs < cmd->min_args || nargs > cmd->max_args) {
        ret = nargs < cmd->min_args
              ? usage_error("%s needs %s", cmd->name, cmd->args)
              : usage_error("%s: unexpected argument '%s'", cmd->name,
                            argv[optind + cmd->max_args]);
        goto out;
    }
    if (strchr(cmd->options, OPT_ENTRY) && o.list.specs->len == 0) {
        ret = usage_error("%s needs --entry%s", cmd->name,
                          strchr(cmd->options, OPT_PROFILE) ? " or --profile"
                                                            : "");
        goto out;
    }
    if (!strcmp(cmd->name, "resize") &&
        (o.list.specs->len != 1 || o.list.has_policy)) {
        ret = usage_error("resize takes one --entry NAME:SIZE (a policy is "
                          "set when the entry is made)");
        goto out;
    }
    if (!strcmp(cmd->name, "measure")) {
        ret = cmd_measure(&o);
    } else if (!strcmp(cmd->name, "create")) {
        ret = cmd_create(argv[optind], &o);
    } else if (!strcmp(cmd->name, "info")) {
        ret = cmd_info(argv[optind], &o);
    } else if (!strcmp(cmd->name, "check")) {
        ret = cmd_check(argv[optind], &o);
    } else if (!strcmp(cmd->name, "dump")) {
        ret = cmd_dump(argv[optind], argv[optind + 1], &o);
    } else if (!strcmp(cmd->name, "export")) {
        ret = cmd_export(argv[optind], argv[optind + 1],
                         nargs > 2 ? argv[optind + 2] : NULL, &o);
    } else if (!strcmp(cmd->name, "import")) {
        ret = cmd_import(argv[optind], argv[optind + 1], argv[optind + 2],
                         &o);
    } else {
        ret = cmd_relayout(cmd->name, argv[optind], &o);
    }
out:
    /* Output is buffered: a full disk or a closed pipe shows only here. */
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: writing to standard output: %s\n", prog,
                g_strerror(errno));
        ret = EXIT_UNUSABLE;
    }
    memset(o.key, 0, sizeof(o.key));
    g_array_unref(o.list.specs);
    g_array_unref(o.list.policies);
    g_ptr_array_unref(o.list.names);
    return ret;
}
