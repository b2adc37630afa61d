/*
 * examples/tpm-device.c: a TPM-like demo device keeping its state in a
 * vNVRAM image through libvnvram.
 *
 * The device has the three entries libtpms has (permall, volatilestate,
 * savestate). Its state is real structure (counters, NV indices with
 * attributes and data, key blobs, PCR banks) and goes to and from the image
 * only through the visitors handed to its NVRAMRWData callback, so the
 * same callback serializes to DER (the default) or JSON.
 *
 * Subcommands, each one "power cycle" (a new process) of the device:
 *   format     format IMG for the device's entries (NVRAM_OP_FORMAT)
 *   init       manufacture the TPM (seed, EK, first NV index) and store it
 *   run [N]    power on, execute N commands, shut down orderly; records the
 *              state's fingerprint next to the image (IMG.fingerprint)
 *   verify     power on and check the state equals the recorded one
 *   show       print the state
 *   show-json [ENTRY]  print the state (or one entry) as JSON
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "examples/tpm-state.h"
#include "nvram/nvram.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-output-visitor.h"

#define MAX_NV_INDICES 8
#define MAX_KEYS 12

static const struct {
    const char *name;
    uint32_t max_size;
} tpm_entries[] = {
    { "permall", 65536 },
    { "volatilestate", 16384 },
    { "savestate", 16384 },
};

enum { ENTRY_PERMALL, ENTRY_VOLATILE, ENTRY_SAVESTATE, ENTRY__COUNT };

/* The encryption key given with --key-file, if any. */
static uint8_t device_key[NVRAM_KEY_SIZE];
static bool device_has_key;

typedef struct TPMDevice {
    TPMPermanentState *perm;
    TPMVolatileState *vol;
    TPMSaveState *save;
    NVRAM *nvram;
    NVRAMEntryName names[ENTRY__COUNT];
    unsigned async_done;
} TPMDevice;

static void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("tpm-device: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

static int entry_index(const NVRAMEntryName *name)
{
    for (int i = 0; i < ENTRY__COUNT; i++) {
        if (strcmp(name->name, tpm_entries[i].name) == 0) {
            return i;
        }
    }
    return -1;
}

/* The device's NVRAMRWData callback for its three entries. */
static int tpm_nvram_rw(enum NVRAMRWOp op, Visitor *v,
                        const NVRAMEntryName *entry_name, void *opaque,
                        Error **errp)
{
    TPMDevice *d = opaque;
    int idx = entry_index(entry_name);
    bool ok = false;

    if (idx < 0) {
        error_setg(errp, "unknown entry '%s'", entry_name->name);
        return -1;
    }
    if (op == NVRAM_OP_FORMAT) {
        return (int)tpm_entries[idx].max_size;
    }
    if (op == NVRAM_OP_READ) {
        switch (idx) {
        case ENTRY_PERMALL: {
            TPMPermanentState *p = NULL;
            if ((ok = visit_type_TPMPermanentState(v, NULL, &p, errp))) {
                qapi_free_TPMPermanentState(d->perm);
                d->perm = p;
            }
            break;
        }
        case ENTRY_VOLATILE: {
            TPMVolatileState *p = NULL;
            if ((ok = visit_type_TPMVolatileState(v, NULL, &p, errp))) {
                qapi_free_TPMVolatileState(d->vol);
                d->vol = p;
            }
            break;
        }
        default: {
            TPMSaveState *p = NULL;
            if ((ok = visit_type_TPMSaveState(v, NULL, &p, errp))) {
                qapi_free_TPMSaveState(d->save);
                d->save = p;
            }
            break;
        }
        }
        return ok ? 0 : -1;
    }
    switch (idx) {
    case ENTRY_PERMALL:
        ok = visit_type_TPMPermanentState(v, NULL, &d->perm, errp);
        break;
    case ENTRY_VOLATILE:
        ok = visit_type_TPMVolatileState(v, NULL, &d->vol, errp);
        break;
    default:
        ok = visit_type_TPMSaveState(v, NULL, &d->save, errp);
        break;
    }
    return ok ? 0 : -1;
}

/*** Deterministic "crypto" for the demo (SHA-256 based) ***/

static void sha256(const void *a, size_t alen, const void *b, size_t blen,
                   uint8_t out[TPM_DIGEST_LEN])
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    gsize len = TPM_DIGEST_LEN;

    g_checksum_update(c, a, (gssize)alen);
    if (blen) {
        g_checksum_update(c, b, (gssize)blen);
    }
    g_checksum_get_digest(c, out, &len);
    g_checksum_free(c);
}

/* Fill @len bytes derived from the seed and @label (a KDF stand-in). */
static uint8_t *derive(const TPMPermanentState *p, const char *label,
                       uint64_t counter, size_t len)
{
    uint8_t *out = g_malloc(len);
    uint8_t block[TPM_DIGEST_LEN];
    char *info = g_strdup_printf("%s/%" PRIu64, label, counter);

    for (size_t off = 0; off < len; off += TPM_DIGEST_LEN) {
        char *ctr = g_strdup_printf("%s/%zu", info, off);
        sha256(p->endorsement_seed, TPM_SEED_LEN, ctr, strlen(ctr), block);
        memcpy(out + off, block, MIN(TPM_DIGEST_LEN, len - off));
        g_free(ctr);
    }
    g_free(info);
    return out;
}

static void add_key(TPMPermanentState *p, TPMKeyAlgorithm alg,
                    const char *label)
{
    static const size_t pub_len[] = { 256, 64, 32 };
    static const size_t priv_len[] = { 640, 96, 64 };
    TPMKeyBlobList **tail = &p->keys, *node;
    TPMKeyBlob *k = g_new0(TPMKeyBlob, 1);
    unsigned n = 0;

    for (node = p->keys; node; node = node->next) {
        n++;
    }
    if (n >= MAX_KEYS) {
        /* evict the oldest transient key (keep the EK, first) */
        TPMKeyBlobList *victim = p->keys->next;
        p->keys->next = victim->next;
        victim->next = NULL;
        qapi_free_TPMKeyBlob(victim->value);
        g_free(victim);
    }
    k->handle = 0x81000000u + (uint32_t)p->commands_executed;
    k->algorithm = alg;
    k->label = g_strdup(label);
    k->public_area_len = pub_len[alg];
    k->public_area = derive(p, "public", p->commands_executed,
                            k->public_area_len);
    k->private_blob_len = priv_len[alg];
    k->private_blob = derive(p, "private", p->commands_executed,
                             k->private_blob_len);
    while (*tail) {
        tail = &(*tail)->next;
    }
    *tail = g_new0(TPMKeyBlobList, 1);
    (*tail)->value = k;
}

static TPMNVIndex *find_nv(TPMPermanentState *p, uint32_t handle)
{
    for (TPMNVIndexList *l = p->nv_indices; l; l = l->next) {
        if (l->value->handle == handle) {
            return l->value;
        }
    }
    return NULL;
}

static void nv_write(TPMPermanentState *p, uint32_t handle, const char *text)
{
    TPMNVIndex *nv = find_nv(p, handle);

    if (!nv) {
        TPMNVIndexList **tail = &p->nv_indices;
        nv = g_new0(TPMNVIndex, 1);
        nv->handle = handle;
        nv->attributes = g_new0(TPMNVAttributes, 1);
        nv->attributes->owner_write = true;
        nv->attributes->auth_read = (handle & 1) != 0;
        while (*tail) {
            tail = &(*tail)->next;
        }
        *tail = g_new0(TPMNVIndexList, 1);
        (*tail)->value = nv;
    }
    g_free(nv->data);
    nv->data = (uint8_t *)g_strdup(text);
    nv->data_len = strlen(text);
    nv->attributes->written = true;
}

/*** Power cycle ***/

static void on_committed(int errcode, const NVRAMEntryName *name,
                         void *opaque, const Error *err)
{
    TPMDevice *d = opaque;

    d->async_done++;
    if (errcode < 0) {
        say("ERROR: %s not stored: %s", name->name, error_get_pretty(err));
    }
}

static bool device_open(TPMDevice *d, const char *img, bool json_entries,
                        bool do_start)
{
    NVRAMOptions opts = {
        .encoding = json_entries ? NVRAM_ENCODING_JSON : NVRAM_ENCODING_DER,
        .key = device_has_key ? device_key : NULL,
        .key_len = device_has_key ? NVRAM_KEY_SIZE : 0,
    };
    Error *err = NULL;
    int ret;

    d->nvram = nvram_setup(img, &opts, &err);
    if (!d->nvram) {
        error_report_err(err);
        return false;
    }
    for (int i = 0; i < ENTRY__COUNT; i++) {
        nvram_entry_name_init(&d->names[i], tpm_entries[i].name, &error_abort);
        ret = nvram_register_entry(d->nvram, &d->names[i], tpm_nvram_rw, d,
                                   &err);
        if (ret < 0) {
            error_report_err(err);
            return false;
        }
    }
    if (do_start) {
        ret = nvram_start(d->nvram, true, &err);
        if (ret < 0) {
            error_reportf_err(err, "%s: cannot start the NVRAM: ", img);
            return false;
        }
    }
    return true;
}

static void device_close(TPMDevice *d)
{
    nvram_delete(d->nvram);
    qapi_free_TPMPermanentState(d->perm);
    qapi_free_TPMVolatileState(d->vol);
    qapi_free_TPMSaveState(d->save);
}

/* Load the three entries; false if the TPM is not manufactured. */
static bool device_load(TPMDevice *d)
{
    for (int i = 0; i < ENTRY__COUNT; i++) {
        Error *err = NULL;
        int ret = nvram_read_data(d->nvram, &d->names[i], 0, NULL, NULL, &err);

        if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
            error_free(err);
            say("%s: never written", tpm_entries[i].name);
            if (i == ENTRY_PERMALL) {
                return false;
            }
            continue;
        }
        if (ret < 0) {
            error_reportf_err(err, "reading %s: ", tpm_entries[i].name);
            return false;
        }
        if (ret == NVRAM_READ_ROLLED_BACK) {
            /* usable, but the last commit may be lost: say so */
            say("%s: rolled back to the previous commit (its newest copy is "
                "damaged)", tpm_entries[i].name);
        }
    }
    if (!d->vol) {
        d->vol = g_new0(TPMVolatileState, 1);
    }
    if (!d->save) {
        d->save = g_new0(TPMSaveState, 1);
    }
    return true;
}

static bool store(TPMDevice *d, int idx, int flags)
{
    Error *err = NULL;
    int ret = nvram_write_data(d->nvram, &d->names[idx], flags,
                               (flags & VNVRAM_ASYNC_F) ? on_committed : NULL,
                               d, &err);

    if (ret < 0) {
        error_reportf_err(err, "storing %s (%s): ", tpm_entries[idx].name,
                          nvram_strerror(ret));
        return false;
    }
    return true;
}

/* SHA-256 over the DER encoding of the whole state. */
static char *fingerprint(TPMDevice *d)
{
    GChecksum *c = g_checksum_new(G_CHECKSUM_SHA256);
    GByteArray *enc = NULL;
    Visitor *v;
    char *hex;

    v = ber_output_visitor_new(BER_MODE_DER, &enc);
    visit_type_TPMPermanentState(v, NULL, &d->perm, &error_abort);
    visit_complete(v, &enc);
    visit_free(v);
    g_checksum_update(c, enc->data, enc->len);
    g_byte_array_unref(enc);
    enc = NULL;
    v = ber_output_visitor_new(BER_MODE_DER, &enc);
    visit_type_TPMVolatileState(v, NULL, &d->vol, &error_abort);
    visit_complete(v, &enc);
    visit_free(v);
    g_checksum_update(c, enc->data, enc->len);
    g_byte_array_unref(enc);
    enc = NULL;
    v = ber_output_visitor_new(BER_MODE_DER, &enc);
    visit_type_TPMSaveState(v, NULL, &d->save, &error_abort);
    visit_complete(v, &enc);
    visit_free(v);
    g_checksum_update(c, enc->data, enc->len);
    g_byte_array_unref(enc);
    hex = g_strdup(g_checksum_get_string(c));
    g_checksum_free(c);
    return hex;
}

static void print_state(TPMDevice *d)
{
    TPMPermanentState *p = d->perm;
    unsigned n = 0;

    say("manufacturer %s, firmware %u.%u, owner %s", p->manufacturer,
        p->firmware_version >> 16, p->firmware_version & 0xffff,
        p->owner_set ? "set" : "not set");
    say("counters: resets %" PRIu64 ", restarts %u, commands %" PRIu64,
        p->reset_count, p->restart_count, p->commands_executed);
    for (TPMNVIndexList *l = p->nv_indices; l; l = l->next) {
        TPMNVIndex *nv = l->value;
        say("NV index 0x%08x [%s%s%s] %zu bytes: \"%.*s\"", nv->handle,
            nv->attributes->owner_write ? "ownerwrite " : "",
            nv->attributes->auth_read ? "authread " : "",
            nv->attributes->written ? "written" : "empty", nv->data_len,
            (int)MIN(nv->data_len, 40), (const char *)nv->data);
    }
    for (TPMKeyBlobList *l = p->keys; l; l = l->next) {
        n++;
    }
    say("%u key blobs:", n);
    for (TPMKeyBlobList *l = p->keys; l; l = l->next) {
        TPMKeyBlob *k = l->value;
        say("  key 0x%08x %-11s %-16s public %zu B, private %zu B",
            k->handle, qapi_enum_lookup(&TPMKeyAlgorithm_lookup, k->algorithm),
            k->label, k->public_area_len, k->private_blob_len);
    }
    say("clock %" PRIu64 " ms, %u sessions, orderly shutdown: %s, PCR0 %02x%02x"
        "%02x%02x..., PCR update counter %u", d->vol->clock_ms,
        d->vol->active_sessions, d->save->orderly ? "yes" : "no",
        d->vol->pcrs[0][0], d->vol->pcrs[0][1], d->vol->pcrs[0][2],
        d->vol->pcrs[0][3], d->save->pcr_update_counter);
}

/*** Subcommands ***/

static int cmd_format(const char *img, bool json)
{
    TPMDevice d = { 0 };
    NVRAMOptions opts = {
        .create = true,
        .key = device_has_key ? device_key : NULL,
        .key_len = device_has_key ? NVRAM_KEY_SIZE : 0,
    };
    Error *err = NULL;
    int i, ret;

    d.nvram = nvram_setup(img, &opts, &err);
    if (!d.nvram) {
        error_report_err(err);
        return 1;
    }
    for (i = 0; i < ENTRY__COUNT; i++) {
        nvram_entry_name_init(&d.names[i], tpm_entries[i].name, &error_abort);
        nvram_register_entry(d.nvram, &d.names[i], tpm_nvram_rw, &d,
                             &error_abort);
    }
    ret = nvram_format(d.nvram, false, &err);
    if (ret < 0) {
        error_reportf_err(err, "%s: cannot format (%s): ", img,
                          nvram_strerror(ret));
        device_close(&d);
        return 1;
    }
    say("formatted %s for permall (64 KiB), volatilestate and savestate "
        "(16 KiB)%s", img, device_has_key ? ", encrypted" : "");
    device_close(&d);
    return 0;
}

static int cmd_init(const char *img, bool json)
{
    TPMDevice d = { 0 };
    TPMPermanentState *p;
    int ok = 1;

    if (!device_open(&d, img, json, true)) {
        device_close(&d);
        return 1;
    }
    if (device_load(&d)) {
        say("already manufactured (resets %" PRIu64 "); nothing to do",
            d.perm->reset_count);
        device_close(&d);
        return 0;
    }
    say("manufacturing a new TPM");
    p = d.perm = g_new0(TPMPermanentState, 1);
    p->manufacturer = g_strdup("QVIS");
    p->firmware_version = (2u << 16) | 1;
    for (int i = 0; i < TPM_SEED_LEN; i++) {
        p->endorsement_seed[i] = (uint8_t)g_random_int();
    }
    add_key(p, TPM_KEY_ALGORITHM_RSA2048, "endorsement-key");
    nv_write(p, 0x01c00002, "EK certificate (demo)");
    d.vol = g_new0(TPMVolatileState, 1);
    d.save = g_new0(TPMSaveState, 1);
    if (store(&d, ENTRY_PERMALL, 0) && store(&d, ENTRY_VOLATILE, 0) &&
        store(&d, ENTRY_SAVESTATE, 0)) {
        say("stored permall, volatilestate, savestate (%s%s)",
            json ? "JSON" : "DER", device_has_key ? ", encrypted" : "");
        ok = 0;
    }
    device_close(&d);
    return ok;
}

static int cmd_run(const char *img, bool json, unsigned commands)
{
    TPMDevice d = { 0 };
    TPMPermanentState *p;
    char *fp, *fp_path;
    unsigned async_sent = 0;
    int ret = 1;

    if (!device_open(&d, img, json, true)) {
        device_close(&d);
        return 1;
    }
    if (!device_load(&d)) {
        say("the TPM is not manufactured: run 'init' first");
        device_close(&d);
        return 1;
    }
    p = d.perm;
    if (d.save->orderly) {
        /* TPM2_Startup(STATE) after TPM2_Shutdown(STATE): resume */
        p->restart_count++;
        memcpy(d.vol->pcrs, d.save->pcrs, sizeof(d.vol->pcrs));
        say("power on: resumed after an orderly shutdown (restart %u)",
            p->restart_count);
    } else {
        p->reset_count++;
        memset(d.vol->pcrs, 0, sizeof(d.vol->pcrs));
        say("power on: TPM reset %" PRIu64, p->reset_count);
    }
    d.save->orderly = false;
    /* the first NV-changing act after power on records the startup */
    if (!store(&d, ENTRY_SAVESTATE, 0) || !store(&d, ENTRY_PERMALL, 0)) {
        goto out;
    }
    for (unsigned i = 0; i < commands; i++) {
        uint64_t n = ++p->commands_executed;
        char *text;

        d.vol->clock_ms += 250;
        switch (n % 4) {
        case 0: {
            uint8_t digest[TPM_DIGEST_LEN], *pcr = d.vol->pcrs[n % 8];
            char *event = g_strdup_printf("event %" PRIu64, n);
            sha256(pcr, TPM_DIGEST_LEN, event, strlen(event), digest);
            memcpy(pcr, digest, TPM_DIGEST_LEN);
            d.save->pcr_update_counter++;
            say("command %" PRIu64 ": PCR_Extend(%u, \"%s\")", n,
                (unsigned)(n % 8), event);
            g_free(event);
            continue;   /* volatile only: nothing to store now */
        }
        case 1:
            text = g_strdup_printf("counter value %" PRIu64, n);
            nv_write(p, 0x01500000u + (uint32_t)(n / 4 % MAX_NV_INDICES),
                     text);
            say("command %" PRIu64 ": NV_Write(0x%08x, \"%s\")", n,
                0x01500000u + (uint32_t)(n / 4 % MAX_NV_INDICES), text);
            g_free(text);
            break;
        case 2:
            text = g_strdup_printf("app-key-%" PRIu64, n);
            add_key(p, n % 8 == 2 ? TPM_KEY_ALGORITHM_ECC_P256
                                  : TPM_KEY_ALGORITHM_HMAC_SHA256, text);
            say("command %" PRIu64 ": Create(%s)", n, text);
            g_free(text);
            break;
        default:
            p->owner_set = !p->owner_set;
            say("command %" PRIu64 ": %s", n,
                p->owner_set ? "TakeOwnership" : "Clear owner");
            break;
        }
        /* like libtpms: the whole permanent state after every NV change */
        if (!store(&d, ENTRY_PERMALL, VNVRAM_ASYNC_F)) {
            goto out;
        }
        async_sent++;
    }
    while (d.async_done < async_sent) {
        nvram_process_requests(d.nvram);
        g_usleep(1000);
    }
    say("%u asynchronous permall writes committed", async_sent);
    /* TPM2_Shutdown(STATE) */
    d.save->orderly = true;
    d.save->clock_at_shutdown_ms = d.vol->clock_ms;
    memcpy(d.save->pcrs, d.vol->pcrs, sizeof(d.save->pcrs));
    if (!store(&d, ENTRY_PERMALL, 0) || !store(&d, ENTRY_VOLATILE, 0) ||
        !store(&d, ENTRY_SAVESTATE, 0)) {
        goto out;
    }
    fp = fingerprint(&d);
    fp_path = g_strconcat(img, ".fingerprint", NULL);
    if (!g_file_set_contents(fp_path, fp, -1, NULL)) {
        say("cannot write %s", fp_path);
    } else {
        say("orderly shutdown; state fingerprint %.16s... saved in %s", fp,
            fp_path);
        ret = 0;
    }
    g_free(fp);
    g_free(fp_path);
out:
    device_close(&d);
    return ret;
}

static int cmd_verify(const char *img, bool json)
{
    TPMDevice d = { 0 };
    char *fp, *fp_path, *expected = NULL;
    int ret = 1;

    if (!device_open(&d, img, json, true)) {
        device_close(&d);
        return 1;
    }
    if (!device_load(&d)) {
        say("the TPM is not manufactured");
        device_close(&d);
        return 1;
    }
    fp = fingerprint(&d);
    fp_path = g_strconcat(img, ".fingerprint", NULL);
    if (!g_file_get_contents(fp_path, &expected, NULL, NULL)) {
        say("no recorded fingerprint (%s): run 'run' first", fp_path);
    } else if (strcmp(g_strstrip(expected), fp) != 0) {
        say("MISMATCH: the state read back differs from the state saved");
        say("  saved %s", expected);
        say("  read  %s", fp);
    } else {
        say("power cycle OK: the state read back equals the state saved "
            "(fingerprint %.16s...)", fp);
        print_state(&d);
        ret = 0;
    }
    g_free(expected);
    g_free(fp);
    g_free(fp_path);
    device_close(&d);
    return ret;
}

static int cmd_show(const char *img, bool json)
{
    TPMDevice d = { 0 };
    int ret = 1;

    if (device_open(&d, img, json, true) && device_load(&d)) {
        print_state(&d);
        ret = 0;
    }
    device_close(&d);
    return ret;
}

/* Print the state as JSON: the device's own visitors, a JSON visitor. */
static int cmd_show_json(const char *img, bool json, const char *only)
{
    TPMDevice d = { 0 };
    bool first = true;
    int ret = 1;

    if (!device_open(&d, img, json, true) || !device_load(&d)) {
        device_close(&d);
        return 1;
    }
    printf("{");
    for (int i = 0; i < ENTRY__COUNT; i++) {
        char *text = NULL;
        Visitor *v;

        if (only && strcmp(only, tpm_entries[i].name) != 0) {
            continue;
        }
        v = json_output_visitor_new(true, &text);
        tpm_nvram_rw(NVRAM_OP_WRITE, v, &d.names[i], &d, &error_abort);
        visit_complete(v, &text);
        visit_free(v);
        printf("%s\n\"%s\": %s", first ? "" : ",", tpm_entries[i].name, text);
        g_free(text);
        first = false;
        ret = 0;
    }
    printf("\n}\n");
    if (ret) {
        fprintf(stderr, "tpm-device: no entry '%s' (permall, volatilestate, "
                "savestate)\n", only);
    }
    device_close(&d);
    return ret;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: tpm-device IMG COMMAND [ARG] [--json-entries] [--key-file F]\n"
"A TPM-like demo device keeping its state in the vNVRAM image IMG.\n"
"Each command is one power cycle of the device (a new process).\n"
"  format         format IMG for the device's three entries\n"
"  init           manufacture the TPM (seed, EK, NV index) and store it\n"
"  run [N]        power on, execute N commands (default 8), shut down\n"
"                 orderly; records the state fingerprint in IMG.fingerprint\n"
"  verify         power on and check the state equals the recorded one\n"
"  show           print the state\n"
"  show-json [E]  print the state, or entry E, as JSON\n"
"  --json-entries store entries as JSON instead of DER\n"
"  --key-file F   encryption key (a file of 32 raw bytes)\n");
}

/* A usage error: one line naming what is wrong, then "try --help". */
static int usage_error(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tpm-device: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "; try 'tpm-device --help'\n");
    return 2;
}

/* Read the --key-file @path: exactly NVRAM_KEY_SIZE raw bytes. */
static bool load_key(const char *path)
{
    GError *gerr = NULL;
    char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(path, &data, &len, &gerr)) {
        fprintf(stderr, "tpm-device: cannot read the key file: %s\n",
                gerr->message);
        g_error_free(gerr);
        return false;
    }
    if (len != NVRAM_KEY_SIZE) {
        fprintf(stderr, "tpm-device: key file '%s' holds %zu bytes, not %d\n",
                path, (size_t)len, NVRAM_KEY_SIZE);
    } else {
        memcpy(device_key, data, NVRAM_KEY_SIZE);
        device_has_key = true;
    }
    memset(data, 0, len);
    g_free(data);
    return device_has_key;
}

int main(int argc, char **argv)
{
    static const char *const commands[] = {
        "format", "init", "run", "verify", "show", "show-json",
    };
    const char *args[3] = { NULL, NULL, NULL };
    bool json = false, known = false;
    int n = 0;

    g_set_prgname("tpm-device");
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json-entries")) {
            json = true;
        } else if (!strcmp(argv[i], "--key-file")) {
            if (i + 1 == argc) {
                return usage_error("--key-file needs a file");
            }
            if (!load_key(argv[++i])) {
                return 2;
            }
        } else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] &&
                   !g_ascii_isdigit(argv[i][1])) {   /* -5: a bad count */
            return usage_error("unknown option '%s'", argv[i]);
        } else if (n < 3) {
            args[n++] = argv[i];
        } else {
            return usage_error("unexpected argument '%s'", argv[i]);
        }
    }
    if (n < 2) {
        return usage_error(n ? "a COMMAND is needed after IMG"
                             : "IMG and a COMMAND are needed");
    }
    for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
        known |= !strcmp(args[1], commands[i]);
    }
    if (!known) {
        return usage_error("unknown command '%s'", args[1]);
    }
    if (n == 3 && strcmp(args[1], "run") && strcmp(args[1], "show-json")) {
        return usage_error("%s: unexpected argument '%s'", args[1], args[2]);
    }
    if (!strcmp(args[1], "format") && n == 2) {
        return cmd_format(args[0], json);
    } else if (!strcmp(args[1], "init") && n == 2) {
        return cmd_init(args[0], json);
    } else if (!strcmp(args[1], "run")) {
        unsigned long count = 8;
        if (n == 3) {
            char *end;
            errno = 0;
            count = strtoul(args[2], &end, 10);
            if (!g_ascii_isdigit(args[2][0]) || errno || *end ||
                count > 100000) {
                return usage_error("run: bad count '%s' (0 to 100000)",
                                   args[2]);
            }
        }
        return cmd_run(args[0], json, (unsigned)count);
    } else if (!strcmp(args[1], "verify") && n == 2) {
        return cmd_verify(args[0], json);
    } else if (!strcmp(args[1], "show") && n == 2) {
        return cmd_show(args[0], json);
    } else if (!strcmp(args[1], "show-json")) {
        return cmd_show_json(args[0], json, n == 3 ? args[2] : NULL);
    }
    g_assert_not_reached();
}
