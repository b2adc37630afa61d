/*
 * tpm/vtpm-store.c: libtpms's NVRAM callbacks on libvnvram (see
 * vtpm-store.h for the record and the failure rules).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <libtpms/tpm_error.h>
#include <libtpms/tpm_library.h>
#include <libtpms/tpm_memory.h>
#include <libtpms/tpm_nvfilename.h>

#include "tpm/vtpm-log.h"
#include "tpm/vtpm-store.h"
#include "tpm/vtpm-store-priv.h"

/* What the store knows of an entry without reading it. */
typedef enum EntryState {
    ENTRY_UNKNOWN,
    ENTRY_PRESENT,
    ENTRY_DELETED,        /* never written, or written as deleted */
} EntryState;

static struct {
    NVRAM *nvram;
    VTPMVersion version;
    NVRAMEntrySpec specs[VTPM_STORE_N_ENTRIES];
    NVRAMEntryPolicy policies[VTPM_STORE_N_ENTRIES];
    NVRAMEntryName names[VTPM_STORE_N_ENTRIES];
    EntryState state[VTPM_STORE_N_ENTRIES];
    /* The record being written (WRITE callback) or just read (READ). */
    const VTPMStateBlob *pending;
    VTPMStateBlob *loaded;
    char *failure;
    char *path;             /* the image, for the failure messages */
} store;

static int entry_index(const char *name)
{
    for (int i = 0; i < VTPM_STORE_N_ENTRIES; i++) {
        if (strcmp(store.specs[i].name, name) == 0) {
            return i;
        }
    }
    return -1;
}

/*
 * Record why the store failed. Not logged here: a load failure reaches
 * the log once, through the Error of vtpm_device_init() (libtpms asks
 * for a blob more than once); a store failure is logged by its caller.
 */
static void set_failure(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void set_failure(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_free(store.failure);
    store.failure = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

/* The device callback of the three entries. */
static int store_rw(enum NVRAMRWOp op, Visitor *v,
                    const NVRAMEntryName *entry_name, void *opaque,
                    Error **errp)
{
    int idx = entry_index(entry_name->name);
    VTPMStateBlob *rec = NULL;

    (void)opaque;
    if (idx < 0) {
        error_setg(errp, "vtpm: unknown entry '%s'", entry_name->name);
        return -1;
    }
    switch (op) {
    case NVRAM_OP_FORMAT:
        return (int)store.specs[idx].max_size;
    case NVRAM_OP_WRITE:
        rec = (VTPMStateBlob *)store.pending;
        return visit_type_VTPMStateBlob(v, NULL, &rec, errp) ? 0 : -1;
    case NVRAM_OP_READ:
        if (!visit_type_VTPMStateBlob(v, NULL, &rec, errp)) {
            return -1;
        }
        if (rec->format_version != VTPM_STATE_BLOB_FORMAT) {
            error_setg(errp, "record format version %u (this vtpm knows %u)",
                       rec->format_version, VTPM_STATE_BLOB_FORMAT);
            qapi_free_VTPMStateBlob(rec);
            return -1;
        }
        if (rec->tpm_version != store.version) {
            error_setg(errp, "a TPM %s blob, this is a TPM %s",
                       rec->tpm_version == VTPM_VERSION_1_2 ? "1.2" : "2.0",
                       store.version == VTPM_VERSION_1_2 ? "1.2" : "2.0");
            qapi_free_VTPMStateBlob(rec);
            return -1;
        }
        if (rec->blob_len > UINT32_MAX) {
            error_setg(errp, "a blob of %zu bytes", rec->blob_len);
            qapi_free_VTPMStateBlob(rec);
            return -1;
        }
        qapi_free_VTPMStateBlob(store.loaded);
        store.loaded = rec;
        return 0;
    }
    return -1;
}

bool vtpm_store_put(const char *name, const uint8_t *blob, uint32_t len,
                    Error **errp)
{
    VTPMStateBlob rec = {
        .format_version = VTPM_STATE_BLOB_FORMAT,
        .tpm_version = store.version,
        .libtpms_version = TPMLIB_GetVersion(),
        .present = blob != NULL,
        .blob = (uint8_t *)blob,
        .blob_len = blob ? len : 0,
    };
    int idx = entry_index(name);
    int ret;

    if (!store.nvram || idx < 0) {
        error_setg(errp, "no TPM image is open for '%s'", name);
        return false;
    }
    store.pending = &rec;
    ret = nvram_write_data(store.nvram, &store.names[idx], 0, NULL, NULL,
                           errp);
    store.pending = NULL;
    if (ret < 0) {
        /* Uncertain now: a failed write may or may not have landed. */
        store.state[idx] = ENTRY_UNKNOWN;
        return false;
    }
    store.state[idx] = blob ? ENTRY_PRESENT : ENTRY_DELETED;
    vtpm_log(2, "stored %s: %s%u bytes", name, blob ? "" : "deleted, ",
             rec.present ? len : 0);
    return true;
}

/* libtpms: tpm_nvram_init. The image is opened before libtpms starts. */
static TPM_RESULT cb_nvram_init(void)
{
    return store.nvram ? TPM_SUCCESS : TPM_FAIL;
}

static TPM_RESULT cb_nvram_loaddata(unsigned char **data, uint32_t *length,
                                    uint32_t tpm_number, const char *name)
{
    Error *err = NULL;
    int idx = entry_index(name);
    int ret;

    (void)tpm_number;
    *data = NULL;
    *length = 0;
    if (!store.nvram || idx < 0) {
        set_failure("libtpms asked for an unknown blob '%s'", name);
        return TPM_FAIL;
    }
    ret = nvram_read_data(store.nvram, &store.names[idx], 0, NULL, NULL,
                          &err);
    if (ret >= 0 || ret == -NVRAM_ERR_ENTRY_ABSENT) {
        error_free(err);          /* not a failure here */
        err = NULL;
    }
    if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
        store.state[idx] = ENTRY_DELETED;
        vtpm_log(2, "loaded %s: never written", name);
        return TPM_RETRY;
    }
    if (ret > 0) {
        /* The image served an older copy than the newest it has. */
        qapi_free_VTPMStateBlob(store.loaded);
        store.loaded = NULL;
        set_failure("entry %s rolled back in the TPM image %s: the image "
                    "could read only an older copy; refusing to run a TPM "
                    "whose state went back in time (restore the image or "
                    "start from a new one)", name, store.path);
        return TPM_FAIL;
    }
    if (ret < 0) {
        set_failure("cannot load the TPM's %s from the image %s: %s; the "
                    "TPM is not started (it is never re-manufactured over "
                    "state it cannot read)", name, store.path,
                    error_get_pretty(err));
        error_free(err);
        return TPM_FAIL;
    }
    if (!store.loaded->present) {
        store.state[idx] = ENTRY_DELETED;
        qapi_free_VTPMStateBlob(store.loaded);
        store.loaded = NULL;
        vtpm_log(2, "loaded %s: deleted", name);
        return TPM_RETRY;
    }
    store.state[idx] = ENTRY_PRESENT;
    if (TPM_Malloc(data, store.loaded->blob_len ? store.loaded->blob_len : 1)
        != TPM_SUCCESS) {
        qapi_free_VTPMStateBlob(store.loaded);
        store.loaded = NULL;
        set_failure("out of memory loading %s", name);
        return TPM_FAIL;
    }
    memcpy(*data, store.loaded->blob, store.loaded->blob_len);
    *length = store.loaded->blob_len;
    qapi_free_VTPMStateBlob(store.loaded);
    store.loaded = NULL;
    vtpm_log(2, "loaded %s: %u bytes", name, *length);
    return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_storedata(const unsigned char *data,
                                     uint32_t length, uint32_t tpm_number,
                                     const char *name)
{
    Error *err = NULL;

    (void)tpm_number;
    if (!vtpm_store_put(name, data, length, &err)) {
        set_failure("cannot store the TPM's %s in the image %s: %s", name,
                    store.path, error_get_pretty(err));
        vtpm_log_error("%s", store.failure);
        error_free(err);
        return TPM_FAIL;
    }
    return TPM_SUCCESS;
}

static TPM_RESULT cb_nvram_deletename(uint32_t tpm_number, const char *name,
                                      TPM_BOOL must_exist)
{
    Error *err = NULL;
    int idx = entry_index(name);

    (void)tpm_number;
    if (idx < 0) {
        return TPM_FAIL;
    }
    if (store.state[idx] == ENTRY_DELETED) {
        return must_exist ? TPM_FAIL : TPM_SUCCESS;
    }
    if (!vtpm_store_put(name, NULL, 0, &err)) {
        set_failure("cannot delete the TPM's %s in the image %s: %s", name,
                    store.path, error_get_pretty(err));
        vtpm_log_error("%s", store.failure);
        error_free(err);
        return TPM_FAIL;
    }
    return TPM_SUCCESS;
}

void vtpm_store_fill_callbacks(struct libtpms_callbacks *cbs)
{
    cbs->tpm_nvram_init = cb_nvram_init;
    cbs->tpm_nvram_loaddata = cb_nvram_loaddata;
    cbs->tpm_nvram_storedata = cb_nvram_storedata;
    cbs->tpm_nvram_deletename = cb_nvram_deletename;
}

/* Register the three entries of the profile on @nvram. */
static bool register_entries(NVRAM *nvram, Error **errp)
{
    for (int i = 0; i < VTPM_STORE_N_ENTRIES; i++) {
        if (!nvram_entry_name_init(&store.names[i], store.specs[i].name,
                                   errp) ||
            nvram_register_entry(nvram, &store.names[i], store_rw, NULL,
                                 errp) < 0 ||
            nvram_set_entry_policy(nvram, &store.names[i],
                                   store.policies[i], errp) < 0) {
            return false;
        }
    }
    return true;
}

/* fsync the directory holding @path, so that a rename in it is durable. */
static bool sync_parent_dir(const char *path, Error **errp)
{
    g_autofree char *dir = g_path_get_dirname(path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0 || fsync(fd) < 0) {
        error_setg(errp, "cannot sync directory '%s': %s", dir,
                   strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return false;
    }
    close(fd);
    return true;
}

/*
 * Make a formatted image at @cfg->path that did not exist: format a
 * temporary file next to it, then rename it into place (and sync the
 * directory), so the path only ever names a complete image.
 */
static bool create_image(const VTPMStoreConfig *cfg, Error **errp)
{
    g_autofree char *tmp = g_strdup_printf("%s.new-XXXXXX", cfg->path);
    NVRAMOptions opts = { .key = cfg->key, .key_len = cfg->key_len };
    NVRAM *nvram;
    int fd, ret;
    bool ok;

    fd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        /* the temporary name means nothing to the user: the image's does */
        error_setg(errp, "cannot create the TPM image '%s': %s", cfg->path,
                   strerror(errno));
        return false;
    }
    close(fd);
    nvram = nvram_setup(tmp, &opts, errp);
    ok = nvram && register_entries(nvram, errp) &&
         nvram_format(nvram, false, errp) == 0;
    ret = nvram_delete(nvram);
    if (ok && ret < 0) {
        error_setg(errp, "I/O error while formatting '%s'", tmp);
        ok = false;
    }
    if (ok && rename(tmp, cfg->path) < 0) {
        error_setg(errp, "cannot rename '%s' to '%s': %s", tmp, cfg->path,
                   strerror(errno));
        ok = false;
    }
    if (!ok) {
        error_prepend(errp, "cannot create the TPM image '%s': ", cfg->path);
        unlink(tmp);
        return false;
    }
    vtpm_log(1, "created the TPM image %s", cfg->path);
    return sync_parent_dir(cfg->path, errp);
}

/* Prefix @err with what a refused image means for the user. */
static void explain_start_error(int ret, const VTPMStoreConfig *cfg,
                                Error *err, Error **errp)
{
    const char *why = error_get_pretty(err);
    const char *profile = cfg->version == VTPM_VERSION_2 ? "tpm2" : "tpm12";

    switch (-ret) {
    case NVRAM_ERR_UNFORMATTED:
        error_setg(errp, "%s is not formatted (%s); vtpm formats only an "
                   "image it creates (--tpmstate dir=); format this one "
                   "with 'vnvram create %s --profile %s'", cfg->path, why,
                   cfg->path, profile);
        break;
    case NVRAM_ERR_CORRUPT_HEADER:
    case NVRAM_ERR_UNSUPPORTED_VERSION:
    case NVRAM_ERR_TOO_SMALL:
        error_setg(errp, "%s is not a healthy vNVRAM image (%s); refusing "
                   "to start: vtpm never formats an existing file, check "
                   "it with 'vnvram check %s'", cfg->path, why, cfg->path);
        break;
    case NVRAM_ERR_ENTRY_MISSING:
        error_setg(errp, "%s is not a TPM image (%s); create one with "
                   "'vnvram create IMAGE --profile %s'", cfg->path, why,
                   profile);
        break;
    case NVRAM_ERR_WRONG_KEY:
        error_setg(errp, "the key does not open %s (a wrong key, not "
                   "damage): %s", cfg->path, why);
        break;
    case NVRAM_ERR_ENCRYPTED:
        error_setg(errp, "%s is encrypted: give its key with --key "
                   "file=F (%s)", cfg->path, why);
        break;
    default:
        error_setg(errp, "cannot open the TPM image %s: %s", cfg->path, why);
        break;
    }
}

bool vtpm_store_open(const VTPMStoreConfig *cfg, Error **errp)
{
    NVRAMOptions opts = { .key = cfg->key, .key_len = cfg->key_len };
    Error *err = NULL;
    struct stat sb;
    NVRAM *nvram;
    int ret;

    if (store.nvram) {
        if (cfg->storage) {
            nvram_storage_close(cfg->storage);
        }
        error_setg(errp, "a TPM image is already open");
        return false;
    }
    store.version = cfg->version;
    vtpm_store_profile(cfg->version, store.specs, store.policies);
    if (!cfg->storage && cfg->create && stat(cfg->path, &sb) < 0 &&
        errno == ENOENT && !create_image(cfg, errp)) {
        return false;
    }
    nvram = cfg->storage ? nvram_setup_with_storage(cfg->storage, &opts, &err)
                         : nvram_setup(cfg->path, &opts, &err);
    if (!nvram) {
        error_propagate_prepend(errp, err, "cannot open the TPM image: ");
        return false;
    }
    if (!register_entries(nvram, errp)) {
        nvram_delete(nvram);
        return false;
    }
    ret = nvram_start(nvram, true, &err);
    if (ret < 0) {
        explain_start_error(ret, cfg, err, errp);
        error_free(err);
        nvram_delete(nvram);
        return false;
    }
    store.nvram = nvram;
    store.path = g_strdup(cfg->path);
    for (int i = 0; i < VTPM_STORE_N_ENTRIES; i++) {
        store.state[i] = ENTRY_UNKNOWN;
    }
    return true;
}

bool vtpm_store_close(void)
{
    int ret = nvram_delete(store.nvram);

    store.nvram = NULL;
    qapi_free_VTPMStateBlob(store.loaded);
    store.loaded = NULL;
    g_free(store.failure);
    store.failure = NULL;
    g_free(store.path);
    store.path = NULL;
    return ret == 0;
}

bool vtpm_store_failed(void)
{
    return store.failure != NULL;
}

const char *vtpm_store_failure(void)
{
    return store.failure;
}

void vtpm_store_clear_failure(void)
{
    g_free(store.failure);
    store.failure = NULL;
}

NVRAM *vtpm_store_nvram(void)
{
    return store.nvram;
}
