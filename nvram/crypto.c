/*
 * nvram/crypto.c: AES-256-GCM sealing of entry values with nettle.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "nvram/crypto.h"

#ifdef HAVE_NETTLE
#include <nettle/gcm.h>
#include <nettle/memops.h>
#endif

static const char key_check_label[] = "qemu-nvram key check";

bool nvram_random_bytes(uint8_t *buf, size_t len, Error **errp)
{
    while (len) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            error_setg_errno(errp, errno, "cannot get random bytes");
            return false;
        }
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

#ifdef HAVE_NETTLE

bool nvram_crypto_available(void)
{
    return true;
}

/*
 * Associated data of a value: image id || name || 0 || generation (BE).
 * One update call: nettle takes a partial block only in the last one.
 */
static void gcm_add_value_ad(struct gcm_aes256_ctx *ctx,
                             const uint8_t *image_id, const char *name,
                             uint64_t generation)
{
    size_t nlen = strlen(name) + 1;
    size_t len = 16 + nlen + 8;
    uint8_t *ad = g_malloc(len);

    memcpy(ad, image_id, 16);
    memcpy(ad + 16, name, nlen);
    for (int i = 0; i < 8; i++) {
        ad[16 + nlen + i] = (uint8_t)(generation >> (56 - 8 * i));
    }
    gcm_aes256_update(ctx, len, ad);
    g_free(ad);
}

/* Associated data of the key check: label || image id, in one call. */
static void gcm_add_key_check_ad(struct gcm_aes256_ctx *ctx,
                                 const uint8_t *image_id)
{
    uint8_t ad[sizeof(key_check_label) - 1 + 16];

    memcpy(ad, key_check_label, sizeof(key_check_label) - 1);
    memcpy(ad + sizeof(key_check_label) - 1, image_id, 16);
    gcm_aes256_update(ctx, sizeof(ad), ad);
}

bool nvram_key_check_make(const uint8_t *key, const uint8_t *image_id,
                          uint8_t out[NVRAM_KEY_CHECK_LEN], Error **errp)
{
    struct gcm_aes256_ctx ctx;

    if (!nvram_random_bytes(out, NVRAM_NONCE_LEN, errp)) {
        return false;
    }
    gcm_aes256_set_key(&ctx, key);
    gcm_aes256_set_iv(&ctx, NVRAM_NONCE_LEN, out);
    gcm_add_key_check_ad(&ctx, image_id);
    gcm_aes256_digest(&ctx, NVRAM_TAG_LEN, out + NVRAM_NONCE_LEN);
    return true;
}

bool nvram_key_check_verify(const uint8_t *key, const uint8_t *image_id,
                            const uint8_t *check)
{
    struct gcm_aes256_ctx ctx;
    uint8_t tag[NVRAM_TAG_LEN];

    gcm_aes256_set_key(&ctx, key);
    gcm_aes256_set_iv(&ctx, NVRAM_NONCE_LEN, check);
    gcm_add_key_check_ad(&ctx, image_id);
    gcm_aes256_digest(&ctx, NVRAM_TAG_LEN, tag);
    return memeql_sec(tag, check + NVRAM_NONCE_LEN, NVRAM_TAG_LEN);
}

GByteArray *nvram_seal(const uint8_t *key, const uint8_t *image_id,
                       const char *name, uint64_t generation,
                       const uint8_t *plain, size_t len, Error **errp)
{
    struct gcm_aes256_ctx ctx;
    GByteArray *out;

    if (len > G_MAXUINT - NVRAM_SEAL_OVERHEAD) {
        error_setg(errp, "value too large to encrypt");
        return NULL;
    }
    out = g_byte_array_sized_new((guint)(len + NVRAM_SEAL_OVERHEAD));
    g_byte_array_set_size(out, (guint)(len + NVRAM_SEAL_OVERHEAD));
    if (!nvram_random_bytes(out->data, NVRAM_NONCE_LEN, errp)) {
        g_byte_array_unref(out);
        return NULL;
    }
    gcm_aes256_set_key(&ctx, key);
    gcm_aes256_set_iv(&ctx, NVRAM_NONCE_LEN, out->data);
    gcm_add_value_ad(&ctx, image_id, name, generation);
    gcm_aes256_encrypt(&ctx, len, out->data + NVRAM_NONCE_LEN, plain);
    gcm_aes256_digest(&ctx, NVRAM_TAG_LEN,
                      out->data + NVRAM_NONCE_LEN + len);
    return out;
}

bool nvram_unseal(const uint8_t *key, const uint8_t *image_id,
                  const char *name, uint64_t generation,
                  const uint8_t *sealed, size_t len, uint8_t **plain,
                  size_t *plain_len, Error **errp)
{
    struct gcm_aes256_ctx ctx;
    uint8_t tag[NVRAM_TAG_LEN];
    size_t clen;
    uint8_t *out;

    if (len < NVRAM_SEAL_OVERHEAD) {
        error_setg(errp, "encrypted value of %zu byte%s is shorter than its "
                   "nonce and tag", len, len == 1 ? "" : "s");
        return false;
    }
    clen = len - NVRAM_SEAL_OVERHEAD;
    out = g_malloc(clen ? clen : 1);
    gcm_aes256_set_key(&ctx, key);
    gcm_aes256_set_iv(&ctx, NVRAM_NONCE_LEN, sealed);
    gcm_add_value_ad(&ctx, image_id, name, generation);
    gcm_aes256_decrypt(&ctx, clen, out, sealed + NVRAM_NONCE_LEN);
    gcm_aes256_digest(&ctx, NVRAM_TAG_LEN, tag);
    if (!memeql_sec(tag, sealed + NVRAM_NONCE_LEN + clen, NVRAM_TAG_LEN)) {
        g_free(out);
        error_setg(errp, "authentication of the encrypted value failed "
                   "(tampered or moved copy)");
        return false;
    }
    *plain = out;
    *plain_len = clen;
    return true;
}

#else /* !HAVE_NETTLE */

bool nvram_crypto_available(void)
{
    return false;
}

bool nvram_key_check_make(const uint8_t *key, const uint8_t *image_id,
                          uint8_t out[NVRAM_KEY_CHECK_LEN], Error **errp)
{
    error_setg(errp, "this libvnvram was built without encryption (nettle)");
    return false;
}

bool nvram_key_check_verify(const uint8_t *key, const uint8_t *image_id,
                            const uint8_t *check)
{
    return false;
}

GByteArray *nvram_seal(const uint8_t *key, const uint8_t *image_id,
                       const char *name, uint64_t generation,
                       const uint8_t *plain, size_t len, Error **errp)
{
    error_setg(errp, "this libvnvram was built without encryption (nettle)");
    return NULL;
}

bool nvram_unseal(const uint8_t *key, const uint8_t *image_id,
                  const char *name, uint64_t generation,
                  const uint8_t *sealed, size_t len, uint8_t **plain,
                  size_t *plain_len, Error **errp)
{
    error_setg(errp, "this libvnvram was built without encryption (nettle)");
    return false;
}

#endif /* HAVE_NETTLE */
