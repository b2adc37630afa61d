/*
 * tpm/vtpm-options.c: swtpm-style option values (see vtpm-options.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/un.h>

#ifdef HAVE_NETTLE
#include <nettle/pbkdf2.h>
#include <nettle/sha2.h>
#endif

#include "tpm/vtpm-options.h"

/*
 * Split "k1=v1,k2=v2" and call @fn for each pair; @fn returns false
 * with @errp set to stop.
 */
typedef bool (*KVFunc)(const char *key, const char *val, void *opaque,
                       Error **errp);

static bool parse_kv(const char *option, const char *value, KVFunc fn,
                     void *opaque, Error **errp)
{
    g_auto(GStrv) parts = g_strsplit(value, ",", -1);

    for (char **p = parts; *p; p++) {
        const char *eq = strchr(*p, '=');
        g_autofree char *key = eq ? g_strndup(*p, eq - *p) : g_strdup(*p);

        if (!**p) {
            error_setg(errp, "%s '%s': empty parameter", option, value);
            return false;
        }
        if (!fn(key, eq ? eq + 1 : NULL, opaque, errp)) {
            error_prepend(errp, "%s '%s': ", option, value);
            return false;
        }
    }
    return true;
}

char *vtpm_backend_uri_to_path(const char *uri, Error **errp)
{
    if (g_str_has_prefix(uri, "file://") && uri[7]) {
        return g_strdup(uri + 7);
    }
    if (g_str_has_prefix(uri, "nbd")) {
        /* an NBD export: nvram_setup() opens the URI itself */
        return g_strdup(uri);
    }
    error_setg(errp, "backend-uri '%s': only file://PATH and NBD URIs "
               "(nbd+unix:///?socket=S, nbd://HOST/EXPORT...) are "
               "supported", uri);
    return NULL;
}

static bool tpmstate_kv(const char *key, const char *val, void *opaque,
                        Error **errp)
{
    VTPMStateOption *out = opaque;

    if (!val || !*val) {
        error_setg(errp, "'%s' needs a value", key);
        return false;
    }
    if (out->path) {
        error_setg(errp, "give one of dir= and backend-uri=");
        return false;
    }
    if (strcmp(key, "dir") == 0) {
        out->path = g_build_filename(val, VTPM_STATE_FILE, NULL);
        out->create = true;
        return true;
    }
    if (strcmp(key, "backend-uri") == 0) {
        out->path = vtpm_backend_uri_to_path(val, errp);
        out->create = false;
        return out->path != NULL;
    }
    error_setg(errp, "unknown parameter '%s' (dir=, backend-uri=)", key);
    return false;
}

bool vtpm_parse_tpmstate(const char *value, VTPMStateOption *out,
                         Error **errp)
{
    g_free(out->path);
    out->path = NULL;
    if (!parse_kv("--tpmstate", value, tpmstate_kv, out, errp)) {
        g_free(out->path);
        out->path = NULL;
        return false;
    }
    if (!out->path) {
        error_setg(errp, "--tpmstate '%s': needs dir= or backend-uri=",
                   value);
        return false;
    }
    return true;
}

void vtpm_tpmstate_use_tpm12(VTPMStateOption *state)
{
    if (state->path && state->create) {
        g_autofree char *dir = g_path_get_dirname(state->path);

        g_free(state->path);
        state->path = g_build_filename(dir, VTPM12_STATE_FILE, NULL);
    }
}

typedef struct KeyOption {
    char *file;
    char *pwdfile;
    bool binary, has_format;
    bool sha512;        /* kdf=sha512; pbkdf2 is the default */
    bool remove;
} KeyOption;

static bool key_kv(const char *key, const char *val, void *opaque,
                   Error **errp)
{
    KeyOption *k = opaque;

    if (strcmp(key, "file") == 0 && val && *val) {
        g_free(k->file);
        k->file = g_strdup(val);
    } else if (strcmp(key, "format") == 0 && val &&
               (strcmp(val, "hex") == 0 || strcmp(val, "binary") == 0)) {
        k->binary = strcmp(val, "binary") == 0;
        k->has_format = true;
    } else if (strcmp(key, "pwdfile") == 0 && val && *val) {
        g_free(k->pwdfile);
        k->pwdfile = g_strdup(val);
    } else if (strcmp(key, "kdf") == 0 && val &&
               (strcmp(val, "pbkdf2") == 0 || strcmp(val, "sha512") == 0)) {
        k->sha512 = strcmp(val, "sha512") == 0;
    } else if (strcmp(key, "mode") == 0 && val) {
        if (strcmp(val, "aes-256-gcm") != 0) {
            error_setg(errp, "mode=%s: vtpm encrypts with the image's "
                       "AES-256-GCM (mode=aes-256-gcm)", val);
            return false;
        }
    } else if (strcmp(key, "remove") == 0 &&
               (!val || strcmp(val, "true") == 0 ||
                strcmp(val, "false") == 0)) {
        k->remove = !val || strcmp(val, "true") == 0;
    } else {
        error_setg(errp, "bad parameter '%s%s%s' (file=F, format=hex|binary, "
                   "pwdfile=F, kdf=pbkdf2|sha512, mode=aes-256-gcm, remove)",
                   key, val ? "=" : "", val ? val : "");
        return false;
    }
    return true;
}

/*
 * swtpm's key from a passphrase (its src/swtpm/key.c): the file's bytes as
 * they are (a trailing newline included), PBKDF2-HMAC-SHA512 with the salt
 * "swtpm" and 1000 iterations, or the first bytes of their SHA-512. The
 * same passphrase gives the key swtpm would use for a 256-bit mode.
 */
#define SWTPM_PBKDF2_SALT "swtpm"
#define SWTPM_PBKDF2_ITERATIONS 1000

static bool derive_key(const char *file, const uint8_t *pw, size_t len,
                       bool sha512, uint8_t key[NVRAM_KEY_SIZE],
                       Error **errp)
{
    if (len == 0) {
        error_setg(errp, "--key: %s is empty (pwdfile= wants a passphrase)",
                   file);
        return false;
    }
#ifdef HAVE_NETTLE
    if (sha512) {
        struct sha512_ctx ctx;

        sha512_init(&ctx);
        sha512_update(&ctx, len, pw);
        sha512_digest(&ctx, NVRAM_KEY_SIZE, key);
    } else {
        pbkdf2_hmac_sha512(len, pw, SWTPM_PBKDF2_ITERATIONS,
                           strlen(SWTPM_PBKDF2_SALT),
                           (const uint8_t *)SWTPM_PBKDF2_SALT,
                           NVRAM_KEY_SIZE, key);
    }
    return true;
#else
    (void)pw;
    (void)sha512;
    (void)key;
    error_setg(errp, "--key pwdfile=%s: this vtpm was built without nettle "
               "(no key derivation, no encryption)", file);
    return false;
#endif
}

bool vtpm_parse_key(const char *value, uint8_t key[NVRAM_KEY_SIZE],
                    Error **errp)
{
    KeyOption k = { 0 };
    g_autofree char *data = NULL;
    g_autoptr(GError) gerr = NULL;
    gsize len = 0;
    bool ok = false;

    if (!parse_kv("--key", value, key_kv, &k, errp)) {
        goto out;
    }
    if (!k.file == !k.pwdfile) {
        error_setg(errp, "--key '%s': needs file=F or pwdfile=F (one of "
                   "them)", value);
        goto out;
    }
    if (k.pwdfile && k.has_format) {
        error_setg(errp, "--key '%s': format= is for file=, a pwdfile= "
                   "holds a passphrase", value);
        goto out;
    }
    if (k.file && k.sha512) {
        error_setg(errp, "--key '%s': kdf= is for pwdfile=", value);
        goto out;
    }
    if (!g_file_get_contents(k.file ? k.file : k.pwdfile, &data, &len,
                             &gerr)) {
        error_setg(errp, "--key: %s", gerr->message);
        goto out;
    }
    if (k.pwdfile) {
        if (!derive_key(k.pwdfile, (const uint8_t *)data, len, k.sha512, key,
                        errp)) {
            goto out;
        }
    } else if (k.binary) {
        if (len != NVRAM_KEY_SIZE) {
            error_setg(errp, "--key: %s holds %zu bytes, a binary AES-256 "
                       "key is %d", k.file, (size_t)len, NVRAM_KEY_SIZE);
            goto out;
        }
        memcpy(key, data, NVRAM_KEY_SIZE);
    } else {
        g_strstrip(data);
        if (strlen(data) != 2 * NVRAM_KEY_SIZE) {
            error_setg(errp, "--key: %s holds %zu characters, a hex AES-256 "
                       "key is %d hex digits", k.file, strlen(data),
                       2 * NVRAM_KEY_SIZE);
            goto out;
        }
        for (int i = 0; i < NVRAM_KEY_SIZE; i++) {
            int hi = g_ascii_xdigit_value(data[2 * i]);
            int lo = g_ascii_xdigit_value(data[2 * i + 1]);

            if (hi < 0 || lo < 0) {
                error_setg(errp, "--key: %s: not a hex digit at offset %d",
                           k.file, hi < 0 ? 2 * i : 2 * i + 1);
                goto out;
            }
            key[i] = hi << 4 | lo;
        }
    }
    if (k.remove && unlink(k.file ? k.file : k.pwdfile) < 0) {
        error_setg(errp, "--key: cannot remove %s: %s",
                   k.file ? k.file : k.pwdfile, strerror(errno));
        goto out;
    }
    ok = true;
out:
    if (data) {
        memset(data, 0, len);
    }
    g_free(k.file);
    g_free(k.pwdfile);
    return ok;
}

static bool flags_kv(const char *key, const char *val, void *opaque,
                     Error **errp)
{
    VTPMFlags *f = opaque;

    if (val) {
        error_setg(errp, "flag '%s' takes no value", key);
        return false;
    }
    if (strcmp(key, "not-need-init") == 0) {
        f->not_need_init = true;
    } else if (strcmp(key, "startup-clear") == 0) {
        f->startup_clear = true;
    } else {
        error_setg(errp, "unknown flag '%s' (not-need-init, startup-clear)",
                   key);
        return false;
    }
    return true;
}

bool vtpm_parse_flags(const char *value, VTPMFlags *out, Error **errp)
{
    return parse_kv("--flags", value, flags_kv, out, errp);
}

typedef struct LogOption {
    char *file;
    unsigned level;
} LogOption;

static bool log_kv(const char *key, const char *val, void *opaque,
                   Error **errp)
{
    LogOption *l = opaque;
    char *end;

    if (strcmp(key, "file") == 0 && val && *val) {
        g_free(l->file);
        l->file = g_strdup(val);
    } else if (strcmp(key, "level") == 0 && val && *val) {
        unsigned long n = strtoul(val, &end, 10);

        if (*end || n > 20) {
            error_setg(errp, "bad level '%s' (0 to 20)", val);
            return false;
        }
        l->level = n;
    } else {
        error_setg(errp, "bad parameter '%s' (file=F, level=N)", key);
        return false;
    }
    return true;
}

bool vtpm_parse_log(const char *value, char **file, unsigned *level,
                    Error **errp)
{
    LogOption l = { .level = 1 };

    if (!parse_kv("--log", value, log_kv, &l, errp)) {
        g_free(l.file);
        return false;
    }
    if (!l.file) {
        error_setg(errp, "--log '%s': needs file=F (file=- for stderr)",
                   value);
        return false;
    }
    g_free(*file);
    *file = l.file;
    *level = l.level;
    return true;
}

static bool pid_kv(const char *key, const char *val, void *opaque,
                   Error **errp)
{
    char **file = opaque;

    if (strcmp(key, "file") != 0 || !val || !*val) {
        error_setg(errp, "bad parameter '%s' (file=F)", key);
        return false;
    }
    g_free(*file);
    *file = g_strdup(val);
    return true;
}

bool vtpm_parse_pid(const char *value, char **file, Error **errp)
{
    char *f = NULL;

    if (!parse_kv("--pid", value, pid_kv, &f, errp)) {
        g_free(f);
        return false;
    }
    if (!f) {
        error_setg(errp, "--pid '%s': needs file=F", value);
        return false;
    }
    g_free(*file);
    *file = f;
    return true;
}

void vtpm_endpoint_clear(VTPMEndpoint *ep)
{
    g_free(ep->bindaddr);
    g_free(ep->path);
    memset(ep, 0, sizeof(*ep));
}

static bool endpoint_kv(const char *key, const char *val, void *opaque,
                        Error **errp)
{
    VTPMEndpoint *ep = opaque;
    char *end;

    if (!val || !*val) {
        error_setg(errp, "'%s' needs a value", key);
        return false;
    }
    if (strcmp(key, "type") == 0) {
        if (strcmp(val, "tcp") == 0) {
            ep->type = VTPM_ENDPOINT_TCP;
        } else if (strcmp(val, "unixio") == 0) {
            ep->type = VTPM_ENDPOINT_UNIX;
        } else {
            error_setg(errp, "type must be tcp or unixio");
            return false;
        }
    } else if (strcmp(key, "port") == 0) {
        long port = strtol(val, &end, 10);

        if (*end || port < 1 || port > 65535) {
            error_setg(errp, "bad port '%s'", val);
            return false;
        }
        ep->port = port;
    } else if (strcmp(key, "bindaddr") == 0) {
        g_free(ep->bindaddr);
        ep->bindaddr = g_strdup(val);
    } else if (strcmp(key, "path") == 0) {
        g_free(ep->path);
        ep->path = g_strdup(val);
    } else {
        error_setg(errp, "unknown parameter '%s' (type=, port=, bindaddr=, "
                   "path=)", key);
        return false;
    }
    return true;
}

bool vtpm_endpoint_parse(const char *value, VTPMEndpoint *ep, Error **errp)
{
    vtpm_endpoint_clear(ep);
    ep->type = VTPM_ENDPOINT_TCP;
    if (!parse_kv("--server/--ctrl", value, endpoint_kv, ep, errp)) {
        goto fail;
    }
    if (ep->type == VTPM_ENDPOINT_TCP && !ep->port) {
        error_setg(errp, "'%s': type=tcp needs port=P", value);
        goto fail;
    }
    if (ep->type == VTPM_ENDPOINT_UNIX && !ep->path) {
        error_setg(errp, "'%s': type=unixio needs path=S", value);
        goto fail;
    }
    if (ep->type == VTPM_ENDPOINT_UNIX &&
        strlen(ep->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
        error_setg(errp, "'%s': socket path too long", value);
        goto fail;
    }
    return true;

fail:
    vtpm_endpoint_clear(ep);
    return false;
}
