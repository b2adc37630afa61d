/*
 * tpm/vtpm-options.h: the parts of swtpm's option values that vtpm
 * shares (--tpmstate, --key, --flags, --log, --pid), parsed into structs
 * so that tools/vtpm.c stays option parsing over these calls and the
 * rules are tested on their own.
 */
#ifndef TPM_VTPM_OPTIONS_H
#define TPM_VTPM_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "nvram/nvram.h"
#include "qapi/error.h"

/* Image file name inside --tpmstate dir=DIR (swtpm's tpm2-00.permall and
 * tpm-00.permall, for TPM 2.0 and 1.2). */
#define VTPM_STATE_FILE "tpm2-00.vnvram"
#define VTPM12_STATE_FILE "tpm-00.vnvram"

/* --tpmstate dir=DIR | backend-uri=URI */
typedef struct VTPMStateOption {
    char *path;          /* the image (DIR/VTPM_STATE_FILE or the URI's) */
    bool create;         /* dir=: create the image at first start */
} VTPMStateOption;

/*
 * Parse --tpmstate. backend-uri takes file://PATH (absolute or relative
 * path after the scheme); other schemes are refused by name. Returns
 * false with @errp set.
 */
bool vtpm_parse_tpmstate(const char *value, VTPMStateOption *out,
                         Error **errp);

/* A TPM 1.2's image in dir=DIR is DIR/VTPM12_STATE_FILE: call once the
 * version is known; backend-uri= paths are left alone. */
void vtpm_tpmstate_use_tpm12(VTPMStateOption *state);

/*
 * Map a backend URI to what nvram_setup() opens: file://PATH -> PATH; an
 * NBD URI (nbd://, nbds://, nbd+unix://, ...) as it is, for the NVRAM's
 * NBD backend (docs/backends.md). Other schemes are refused. Returns NULL
 * with @errp set.
 */
char *vtpm_backend_uri_to_path(const char *uri, Error **errp);

/*
 * Parse --key file=F[,format=hex|binary][,mode=aes-256-gcm][,remove]
 * or --key pwdfile=F[,kdf=pbkdf2|sha512][,mode=aes-256-gcm][,remove]
 * and read the key into @key (NVRAM_KEY_SIZE bytes). hex (the default, as
 * in swtpm) is 64 hex digits, surrounding white space allowed; binary is
 * exactly 32 bytes. pwdfile= derives the key from the file's passphrase
 * as swtpm does (PBKDF2-HMAC-SHA512, salt "swtpm", 1000 iterations, by
 * default; kdf=sha512: the first 32 bytes of its SHA-512); an empty file
 * is refused. Returns false with @errp naming the problem.
 */
bool vtpm_parse_key(const char *value, uint8_t key[NVRAM_KEY_SIZE],
                    Error **errp);

typedef enum VTPMEndpointType {
    VTPM_ENDPOINT_NONE,
    VTPM_ENDPOINT_TCP,
    VTPM_ENDPOINT_UNIX,
} VTPMEndpointType;

/* A listening socket as swtpm's --server / --ctrl describe it. */
typedef struct VTPMEndpoint {
    VTPMEndpointType type;
    char *bindaddr;      /* TCP: address (NULL: 127.0.0.1) */
    int port;            /* TCP: port */
    char *path;          /* Unix: socket path */
} VTPMEndpoint;

/*
 * Parse swtpm's endpoint option value, e.g. "type=tcp,port=2321",
 * "type=tcp,port=2321,bindaddr=::1", "type=unixio,path=/run/x.sock" (the
 * type defaults to tcp; port= alone works). Unknown keys are errors.
 * Returns false with @errp naming the bad part.
 */
bool vtpm_endpoint_parse(const char *value, VTPMEndpoint *ep, Error **errp);

void vtpm_endpoint_clear(VTPMEndpoint *ep);

/* --flags not-need-init,startup-clear */
typedef struct VTPMFlags {
    bool not_need_init;
    bool startup_clear;
} VTPMFlags;

bool vtpm_parse_flags(const char *value, VTPMFlags *out, Error **errp);

/* --log file=F[,level=N] (level defaults to 1) */
bool vtpm_parse_log(const char *value, char **file, unsigned *level,
                    Error **errp);

/* --pid file=F */
bool vtpm_parse_pid(const char *value, char **file, Error **errp);

#endif /* TPM_VTPM_OPTIONS_H */
