/*
 * tools/vnvram.c: create, measure, inspect, check and dump NVRAM images.
 *
 * A thin shell over libvnvram: every decision (layout, validation, which
 * copy is current) is the library's, so a program linking it gets the same
 * answers as this tool.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "visitors/ber-inspect.h"
#include "visitors/ber-print.h"
#include "visitors/ber-text.h"

#define EXIT_DAMAGED 1
#define EXIT_UNUSABLE 2

static const char *prog = "vnvram";

/* Entry sets for --profile: sizes as libtpms needs them. */
typedef struct Profile {
    const char *name;
    const char *description;
    NVRAMEntrySpec entries[3];
} Profile;

static const Profile profiles[] = {
    /* The numbers of vtpm_store_profile() (tpm/vtpm-profile.c): libtpms's
     * largest blobs plus 64 bytes of record; tests/test-nvram-tool.c
     * checks them, tests/test-vtpm-store.c that they agree. */
    { "tpm2", "TPM 2.0 (libtpms): permall 188.75 KiB, volatilestate "
      "64 KiB, savestate 16 KiB (+ 64 bytes each)",
      { { "permall", 193280 }, { "volatilestate", 65600 },
        { "savestate", 16448 } } },
    { "tpm12", "TPM 1.2 (libtpms): permall 40 KiB, volatilestate and "
      "savestate 21 KiB (+ 64 bytes each)",
      { { "permall", 41024 }, { "volatilestate", 21383 },
        { "savestate", 21152 } } },
};

static void usage(FILE *f)
{
    fprintf(f,
"Usage: vnvram COMMAND [OPTIONS]\n"
"\n"
"Commands:\n"
"  create IMG (--entry NAME:SIZE... | --profile P) [--force] [--key-file F]\n"
"                       format IMG (created if missing) for these entries;\n"
"                       with --key-file, values are encrypted (AES-256-GCM)\n"
"  measure (--entry NAME:SIZE... | --profile P)\n"
"                       print the bytes an image with these entries needs\n"
"  info IMG [--json]    show the header, entries, slots, generations, health\n"
"  check IMG            verify every copy of every entry; exit 0 healthy,\n"
"                       1 damage found, 2 unusable\n"
"  dump IMG ENTRY [--raw | --hex | --tree | --json] [--key-file F]\n"
"                       show the current value of ENTRY: --raw bytes,\n"
"                       --hex, --tree (a checked BER tree), --json (JSON\n"
"                       entries as stored; BER entries as a JSON tree).\n"
"                       Default: --json for JSON entries, --tree for BER\n"
"                       ones; exit 1 if a BER value is not valid.\n"
"\n"
"Profiles: tpm2, tpm12. SIZE takes K, M suffixes (KiB, MiB).\n"
"A key file holds 32 bytes, raw or as 64 hexadecimal digits.\n"
"Exit status: 0 success, 1 damage found (check) or failure, 2 unusable\n"
"image or usage error.\n");
}

static bool parse_size(const char *s, uint64_t *out)
{
    char *end;
    uint64_t v, mult = 1;

    errno = 0;
    v = g_ascii_strtoull(s, &end, 10);
    if (errno || end == s) {
        return false;
    }
    if (*end == 'K' || *end == 'k') {
        mult = 1024;
        end++;
    } else if (*end == 'M' || *end == 'm') {
        mult = 1024 * 1024;
        end++;
    }
    if (*end || v > UINT64_MAX / mult) {
        return false;
    }
    *out = v * mult;
    return true;
}

/* Collect --entry and --profile options into a spec array. */
typedef struct SpecList {
    GArray *specs;      /* NVRAMEntrySpec */
    GPtrArray *names;   /* owned name strings */
} SpecList;

static bool spec_add_entry(SpecList *l, const char *arg)
{
    const char *colon = strrchr(arg, ':');
    NVRAMEntrySpec spec;
    char *name;

    if (!colon || colon == arg) {
        fprintf(stderr, "%s: --entry wants NAME:SIZE, not '%s'\n", prog, arg);
        return false;
    }
    name = g_strndup(arg, (gsize)(colon - arg));
    if (!parse_size(colon + 1, &spec.max_size)) {
        fprintf(stderr, "%s: --entry %s: bad size '%s'\n", prog, name,
                colon + 1);
        g_free(name);
        return false;
    }
    g_ptr_array_add(l->names, name);
    spec.name = name;
    g_array_append_val(l->specs, spec);
    return true;
}

static bool spec_add_profile(SpecList *l, const char *arg)
{
    for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
        if (strcmp(profiles[i].name, arg) == 0) {
            g_array_append_vals(l->specs, profiles[i].entries, 3);
            return true;
        }
    }
    fprintf(stderr, "%s: unknown profile '%s' (known:", prog, arg);
    for (size_t i = 0; i < G_N_ELEMENTS(profiles); i++) {
        fprintf(stderr, " %s", profiles[i].name);
    }
    fprintf(stderr, ")\n");
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
    { NULL, 0, NULL, 0 },
};

typedef struct Options {
    SpecList list;
    bool force, json, raw, hex, tree;
    bool has_key;
    uint8_t key[NVRAM_KEY_SIZE];
} Options;

/* Read a key: NVRAM_KEY_SIZE raw bytes or as many hex digit pairs. */
static bool load_key(const char *path, uint8_t key[NVRAM_KEY_SIZE])
{
    char *data = NULL;
    gsize len = 0;
    bool ok = false;

    if (!g_file_get_contents(path, &data, &len, NULL)) {
        fprintf(stderr, "%s: cannot read key file '%s'\n", prog, path);
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

/* Report @err with the library's code; return the exit status to use. */
static int fail(int code, Error *err)
{
    fprintf(stderr, "%s: %s\n", prog, err ? error_get_pretty(err)
                                          : nvram_strerror(code));
    error_free(err);
    return EXIT_UNUSABLE;
}

static int cmd_measure(Options *o)
{
    Error *err = NULL;
    uint64_t size;
    int ret;

    if (o->list.specs->len == 0) {
        fprintf(stderr, "%s: measure needs --entry or --profile\n", prog);
        return EXIT_UNUSABLE;
    }
    ret = nvram_measure((NVRAMEntrySpec *)o->list.specs->data,
                        o->list.specs->len, &size, &err);
    if (ret < 0) {
        return fail(ret, err);
    }
    printf("%" PRIu64 "\n", size);
    return 0;
}

static int cmd_create(const char *img, Options *o)
{
    NVRAMStorage *s;
    Error *err = NULL;
    uint64_t size = 0;
    bool created;
    int ret;

    if (o->list.specs->len == 0) {
        fprintf(stderr, "%s: create needs --entry or --profile\n", prog);
        return EXIT_UNUSABLE;
    }
    /* A create that fails must not leave a file that looks like an image. */
    created = access(img, F_OK) < 0 && errno == ENOENT;
    s = nvram_storage_open_file(img, false, true, &err);
    if (!s) {
        return fail(-NVRAM_ERR_IO, err);
    }
    ret = nvram_format_storage_with_key(s,
                                        (NVRAMEntrySpec *)o->list.specs->data,
                                        o->list.specs->len,
                                        o->has_key ? o->key : NULL,
                                        o->has_key ? NVRAM_KEY_SIZE : 0,
                                        o->force, &err);
    if (ret == 0) {
        nvram_storage_get_size(s, &size, NULL);
    }
    nvram_storage_close(s);
    if (ret < 0 && created) {
        unlink(img);
    }
    if (ret < 0) {
        if (ret == -NVRAM_ERR_ALREADY_FORMATTED) {
            fprintf(stderr, "%s: %s (use --force to overwrite it)\n", prog,
                    error_get_pretty(err));
            error_free(err);
            return EXIT_UNUSABLE;
        }
        return fail(ret, err);
    }
    printf("formatted %s: %u entr%s, %" PRIu64 " bytes%s\n", img,
           o->list.specs->len, o->list.specs->len == 1 ? "y" : "ies", size,
           o->has_key ? ", encrypted" : "");
    return 0;
}

static NVRAMStorage *open_image(const char *img, Error **errp)
{
    return nvram_storage_open_file(img, true, false, errp);
}

/* Open @img, describe it into *@info and close it: as nvram_image_inspect(). */
static int inspect_image(const char *img, NVRAMImageInfo **info, Error **errp)
{
    NVRAMStorage *s = open_image(img, errp);
    int ret;

    if (!s) {
        return -NVRAM_ERR_IO;
    }
    ret = nvram_image_inspect(s, info, errp);
    nvram_storage_close(s);
    return ret;
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

/* @s as a JSON string: the library's one escaper (visitors/ber-text.h). */
static void print_json_string(const char *s)
{
    BERText t = { 0 };

    ber_text_append_json(&t, s, strlen(s));
    printf("\"%s\"", t.data ? t.data : "");
    ber_text_free(&t);
}

static void print_info_json(const char *img, const NVRAMImageInfo *info)
{
    printf("{\"image\": ");
    print_json_string(img);
    printf(", \"version\": %u, \"flags\": %u, \"image-id\": \"",
           info->version, info->flags);
    for (int i = 0; i < 16; i++) {
        printf("%02x", info->image_id[i]);
    }
    printf("\", \"image-size\": %" PRIu64 ", \"drive-size\": %" PRIu64
           ", \"header-size\": %" PRIu64 ", \"entries\": [",
           info->image_size, info->storage_size, info->header_size);
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        printf("%s\n  {\"name\": ", i ? "," : "");
        print_json_string(e->name.name);
        printf(", \"id\": %u, \"offset\": %" PRIu64 ", \"copy-size\": %" PRIu64
               ", \"capacity\": %" PRIu64 ", \"health\": \"%s\", "
               "\"current-copy\": %d, \"copies\": [", e->id, e->offset,
               e->copy_size, e->capacity, entry_health(e), e->newest);
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
    for (int i = 0; i < 16; i++) {
        printf("%02x", info->image_id[i]);
    }
    printf("\nimage size:   %" PRIu64 " bytes (drive: %" PRIu64 ")\n",
           info->image_size, info->storage_size);
    printf("header size:  %" PRIu64 " bytes\n", info->header_size);
    printf("entries:      %zu\n", info->n_entries);
    printf("\n%-20s %10s %10s %10s  %-13s %s\n", "ENTRY", "OFFSET",
           "SLOT", "CAPACITY", "HEALTH", "COPIES (generation/length/encoding)");
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        printf("%-20s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "  %-13s",
               e->name.name, e->offset, e->copy_size, e->capacity,
               entry_health(e));
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
        return fail(ret, err);
    }
    if (o->json) {
        print_info_json(img, info);
    } else {
        print_info_text(img, info);
    }
    nvram_image_info_free(info);
    return 0;
}

static int cmd_check(const char *img)
{
    NVRAMImageInfo *info = NULL;
    Error *err = NULL;
    int problems = 0, ret;

    ret = inspect_image(img, &info, &err);
    if (ret < 0) {
        fprintf(stderr, "%s: %s: unusable: %s\n", prog, img,
                error_get_pretty(err));
        error_free(err);
        return EXIT_UNUSABLE;
    }
    for (size_t i = 0; i < info->n_entries; i++) {
        const NVRAMEntryInfo *e = &info->entries[i];
        for (int c = 0; c < 2; c++) {
            if (!e->copies[c].valid) {
                printf("%s: copy %d damaged: %s\n", e->name.name, c,
                       e->copies[c].problem);
                problems++;
            }
        }
        if (e->generation_exhausted) {
            printf("%s: generation %" PRIu64 " cannot grow: writes are "
                   "refused\n", e->name.name, UINT64_MAX);
            problems++;
        }
        if (e->status == -NVRAM_ERR_ENTRY_CORRUPT) {
            printf("%s: both copies damaged: the value is lost\n",
                   e->name.name);
        } else if (e->rolled_back) {
            printf("%s: rollback: the newest copy is damaged; reads serve "
                   "copy %d (generation %" PRIu64 "), a later commit may be "
                   "lost\n", e->name.name, e->newest,
                   e->copies[e->newest].generation);
        } else if (!e->copies[0].valid || !e->copies[1].valid) {
            printf("%s: still readable from copy %d (generation %" PRIu64
                   ")%s\n", e->name.name, e->newest,
                   e->copies[e->newest].generation,
                   e->copies[e->newest].generation == 0 ?
                   " (never written)" : "");
        }
    }
    if (problems) {
        printf("%s: %d problem%s found\n", img, problems,
               problems == 1 ? "" : "s");
    } else {
        printf("%s: healthy (%zu entr%s, every copy verified)\n", img,
               info->n_entries, info->n_entries == 1 ? "y" : "ies");
    }
    nvram_image_info_free(info);
    return problems ? EXIT_DAMAGED : 0;
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

static int cmd_dump(const char *img, const char *entry, Options *o)
{
    NVRAMStorage *s;
    NVRAMEncoding enc;
    uint8_t *payload = NULL;
    uint64_t gen;
    size_t len;
    Error *err = NULL;
    bool rolled_back = false;
    int ret;

    s = open_image(img, &err);
    if (!s) {
        return fail(-NVRAM_ERR_IO, err);
    }
    ret = nvram_image_read_entry_with_key(s, entry,
                                          o->has_key ? o->key : NULL,
                                          o->has_key ? NVRAM_KEY_SIZE : 0,
                                          &payload, &len, &enc, &gen, &err);
    nvram_storage_close(s);
    if (ret < 0) {
        fprintf(stderr, "%s: %s\n", prog, error_get_pretty(err));
        error_free(err);
        return ret == -NVRAM_ERR_ENTRY_CORRUPT ? EXIT_DAMAGED : EXIT_UNUSABLE;
    }
    if (ret == NVRAM_READ_ROLLED_BACK) {
        /* the value is shown, and the user told it may not be the latest */
        fprintf(stderr, "%s: rollback: %s\n", prog, error_get_pretty(err));
        error_free(err);
        err = NULL;
        rolled_back = true;
    }
    if (!o->has_key && !o->raw && !o->hex) {
        NVRAMImageInfo *info = NULL;
        bool sealed = false;
        if (inspect_image(img, &info, NULL) == 0) {
            sealed = info->flags & 1;
        }
        nvram_image_info_free(info);
        if (sealed) {
            fprintf(stderr, "%s: the image is encrypted: give --key-file "
                    "(or use --raw/--hex for the sealed bytes)\n", prog);
            g_free(payload);
            return EXIT_UNUSABLE;
        }
    }
    if (o->raw) {
        fwrite(payload, 1, len, stdout);
    } else if (o->hex) {
        print_hex(payload, len);
    } else if (enc == NVRAM_ENCODING_JSON && !o->tree) {
        fwrite(payload, 1, len, stdout);
        putchar('\n');
    } else if (enc == NVRAM_ENCODING_JSON) {
        fprintf(stderr, "%s: entry '%s' is stored as JSON, not BER: use "
                "--json\n", prog, entry);
        ret = EXIT_UNUSABLE;
    } else {
        fprintf(stderr, "%s: entry '%s', generation %" PRIu64 ", %zu bytes "
                "of %s\n", prog, entry, gen, len, nvram_encoding_name(enc));
        if (show_ber_tree(entry, payload, len, enc, o->json)) {
            fprintf(stderr, "%s: entry '%s' is not valid %s\n", prog, entry,
                    nvram_encoding_name(enc));
            ret = EXIT_DAMAGED;
        }
    }
    g_free(payload);
    if (ret == NVRAM_READ_ROLLED_BACK) {
        ret = 0;
    }
    if (ret == 0 && rolled_back) {
        ret = EXIT_DAMAGED;
    }
    return ret < 0 ? 0 : ret;
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    const char *cmd;
    int c, ret;

    g_set_prgname(prog);
    /* Past a file size limit, a write fails with EFBIG and is reported. */
    signal(SIGXFSZ, SIG_IGN);
    o.list.specs = g_array_new(false, false, sizeof(NVRAMEntrySpec));
    o.list.names = g_ptr_array_new_with_free_func(g_free);
    if (argc < 2) {
        usage(stderr);
        return EXIT_UNUSABLE;
    }
    cmd = argv[1];
    if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        usage(stdout);
        return 0;
    }
    optind = 2;
    while ((c = getopt_long(argc, argv, "e:p:fjrxthk:", long_options,
                            NULL)) != -1) {
        switch (c) {
        case OPT_ENTRY:
            if (!spec_add_entry(&o.list, optarg)) {
                return EXIT_UNUSABLE;
            }
            break;
        case OPT_PROFILE:
            if (!spec_add_profile(&o.list, optarg)) {
                return EXIT_UNUSABLE;
            }
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
        case OPT_HELP:
            usage(stdout);
            return 0;
        case OPT_KEY_FILE:
            if (!load_key(optarg, o.key)) {
                return EXIT_UNUSABLE;
            }
            o.has_key = true;
            break;
        default:
            usage(stderr);
            return EXIT_UNUSABLE;
        }
    }
    if (!strcmp(cmd, "measure") && optind == argc) {
        ret = cmd_measure(&o);
    } else if (!strcmp(cmd, "create") && optind + 1 == argc) {
        ret = cmd_create(argv[optind], &o);
    } else if (!strcmp(cmd, "info") && optind + 1 == argc) {
        ret = cmd_info(argv[optind], &o);
    } else if (!strcmp(cmd, "check") && optind + 1 == argc) {
        ret = cmd_check(argv[optind]);
    } else if (!strcmp(cmd, "dump") && optind + 2 == argc) {
        ret = cmd_dump(argv[optind], argv[optind + 1], &o);
    } else {
        fprintf(stderr, "%s: bad command or arguments: %s\n", prog, cmd);
        usage(stderr);
        ret = EXIT_UNUSABLE;
    }
    g_array_unref(o.list.specs);
    g_ptr_array_unref(o.list.names);
    return ret;
}
