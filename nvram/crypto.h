/*
 * nvram/crypto.h: AES-256-GCM sealing of entry values (internal to
 * libvnvram; built on nettle when configure found it).
 *
 * A sealed value is nonce (12 random bytes) || ciphertext || tag (16). The
 * associated data binds the image id, the entry name and the generation,
 * so a copy cannot be moved to another image, entry or generation without
 * failing authentication. The header's key check is nonce || tag of an
 * empty message whose associated data is a fixed label and the image id:
 * it tells a wrong key apart from damaged data.
 */
#ifndef NVRAM_CRYPTO_H
#define NVRAM_CRYPTO_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/error.h"

#define NVRAM_KEY_LEN 32
#define NVRAM_NONCE_LEN 12
#define NVRAM_TAG_LEN 16
#define NVRAM_SEAL_OVERHEAD (NVRAM_NONCE_LEN + NVRAM_TAG_LEN)
#define NVRAM_KEY_CHECK_LEN (NVRAM_NONCE_LEN + NVRAM_TAG_LEN)

/* True if this build can encrypt (nettle was found). */
bool nvram_crypto_available(void);

/* Fill @buf with @len unpredictable bytes (getrandom). */
bool nvram_random_bytes(uint8_t *buf, size_t len, Error **errp);

/* Compute the key check of @key for @image_id into @out. */
bool nvram_key_check_make(const uint8_t *key, const uint8_t *image_id,
                          uint8_t out[NVRAM_KEY_CHECK_LEN], Error **errp);

/* True if @check (NVRAM_KEY_CHECK_LEN bytes) was made with @key. */
bool nvram_key_check_verify(const uint8_t *key, const uint8_t *image_id,
                            const uint8_t *check);

/*
 * Seal @len bytes at @plain for entry @name, generation @generation.
 * Returns the sealed bytes (len + NVRAM_SEAL_OVERHEAD), or NULL with @errp
 * set (no crypto in this build, no randomness).
 */
GByteArray *nvram_seal(const uint8_t *key, const uint8_t *image_id,
                       const char *name, uint64_t generation,
                       const uint8_t *plain, size_t len, Error **errp);

/*
 * Open a sealed value; on success *@plain is a g_malloc'd buffer of
 * *@plain_len bytes. False (with @errp) when it is too short or fails
 * authentication.
 */
bool nvram_unseal(const uint8_t *key, const uint8_t *image_id,
                  const char *name, uint64_t generation,
                  const uint8_t *sealed, size_t len, uint8_t **plain,
                  size_t *plain_len, Error **errp);

#endif /* NVRAM_CRYPTO_H */
