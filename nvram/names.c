/*
 * nvram/names.c: entry names, error strings and encoding names: the leaf
 * every other file of libvnvram may use (it uses nothing of theirs).
 */
#include "config.h"

#include <string.h>

#include "nvram/nvram.h"

bool nvram_entry_name_init(NVRAMEntryName *entry_name, const char *name,
                           Error **errp)
{
    size_t len = name ? strlen(name) : 0;

    if (len == 0 || len > NVRAM_ENTRY_NAME_MAX) {
        error_setg(errp, "entry name '%s' must have 1 to %d characters",
                   name ? name : "", NVRAM_ENTRY_NAME_MAX);
        return false;
    }
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!g_ascii_isalnum(c) && c != '.' && c != '_' && c != '-') {
            error_setg(errp, "entry name '%s': character %zu is not one of "
                       "[A-Za-z0-9._-]", name, i);
            return false;
        }
    }
    memset(entry_name, 0, sizeof(*entry_name));
    memcpy(entry_name->name, name, len);
    return true;
}

const char *nvram_strerror(int code)
{
    static const char *const messages[NVRAM_ERR__MAX] = {
        [NVRAM_OK] = "success",
        [NVRAM_ERR_INVALID] = "invalid argument or state",
        [NVRAM_ERR_UNFORMATTED] = "the NVRAM is unformatted",
        [NVRAM_ERR_CORRUPT_HEADER] = "foreign data or corrupt NVRAM header",
        [NVRAM_ERR_UNSUPPORTED_VERSION] = "unsupported NVRAM format version",
        [NVRAM_ERR_TOO_SMALL] = "the drive is too small for the NVRAM image",
        [NVRAM_ERR_ENTRY_MISSING] = "the entry is not in the NVRAM image",
        [NVRAM_ERR_ENTRY_ABSENT] = "the entry was never written",
        [NVRAM_ERR_ENTRY_CORRUPT] = "both copies of the entry are corrupt",
        [NVRAM_ERR_PAYLOAD_TOO_LARGE] = ("the value is larger than the "
                                         "entry's slot"),
        [NVRAM_ERR_IO] = "I/O error",
        [NVRAM_ERR_FAILED] = "the NVRAM failed earlier and refuses writes",
        [NVRAM_ERR_ENCRYPTED] = "the NVRAM image is encrypted",
        [NVRAM_ERR_ALREADY_FORMATTED] = "the drive already holds data",
        [NVRAM_ERR_DEVICE] = "the device callback failed",
        [NVRAM_ERR_NOT_REGISTERED] = "the entry is not registered",
        [NVRAM_ERR_WRONG_KEY] = "the key does not open the encrypted image",
    };
    int c = code < 0 ? -code : code;

    if (c >= NVRAM_ERR__MAX || !messages[c]) {
        return "unknown NVRAM error";
    }
    return messages[c];
}

const char *nvram_encoding_name(NVRAMEncoding encoding)
{
    static const char *const names[NVRAM_ENCODING__MAX] = {
        [NVRAM_ENCODING_DER] = "der",
        [NVRAM_ENCODING_BER] = "ber",
        [NVRAM_ENCODING_CER] = "cer",
        [NVRAM_ENCODING_JSON] = "json",
    };

    if ((unsigned)encoding >= NVRAM_ENCODING__MAX) {
        return NULL;
    }
    return names[encoding];
}
