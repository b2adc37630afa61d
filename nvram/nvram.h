/*
 * nvram/nvram.h: libvnvram, a crash-safe virtual NVRAM for device models.
 *
 * The design is the vNVRAM of the 2013 QEMU proposal: a device (first user:
 * a software TPM) registers named entries, the NVRAM layer lays them out in
 * one formatted image on a drive (an image file or a block device) and
 * reads and writes each entry by handing the device's NVRAMRWData callback
 * a Visitor: an input visitor to read, an output visitor to write.
 *
 * Life cycle:
 *     nvram = nvram_setup("tpm.img", NULL, &err);
 *     nvram_register_entry(nvram, &permall, tpm_rw, tpm, &err);  // ...
 *     nvram_start(nvram, true, &err);        // or nvram_format() first
 *     nvram_write_data(nvram, &permall, 0, NULL, NULL, &err);   // sync
 *     nvram_write_data(nvram, &permall, VNVRAM_ASYNC_F, done, ctx, &err);
 *     nvram_process_requests(nvram);         // runs done() when finished
 *     nvram_delete(nvram);
 *
 * Return values: functions returning int return 0 (or a count, where said)
 * on success and a negative NVRAMErrorCode on failure, and then also set
 * @errp with a message saying why. nvram_strerror() names each code.
 *
 * Durability: every entry has two copies in the image. A write goes to the
 * older copy and is committed by exactly one flush (fdatasync; an entry's
 * first write fills both copies, one flush each); a read takes the newest
 * valid copy. A crash at any instant leaves each entry readable
 * as its old or its new value. docs/nvram-format.md describes the bytes.
 *
 * Threads: the API is thread-safe. Asynchronous requests run on one worker
 * thread in submission order; their completion callbacks run in the
 * caller's context, from nvram_process_requests() or from the GSource of
 * nvram_create_source(). Requests on one entry complete in submission
 * order, synchronous and asynchronous ones alike.
 */
#ifndef NVRAM_NVRAM_H
#define NVRAM_NVRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <glib.h>

#include "qapi/error.h"
#include "qapi/visitor.h"
#include "nvram/storage.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct NVRAM NVRAM;

/* Longest entry name, in bytes, without the terminating NUL. */
#define NVRAM_ENTRY_NAME_MAX 63

/*
 * The name of an entry: 1 to NVRAM_ENTRY_NAME_MAX characters from
 * [A-Za-z0-9._-], NUL-terminated. A struct (as in the original design) so
 * that it is passed by pointer with a fixed size.
 */
typedef struct NVRAMEntryName {
    char name[NVRAM_ENTRY_NAME_MAX + 1];
} NVRAMEntryName;

/*
 * Fill @entry_name from the C string @name. Returns false, with @errp set,
 * when @name is empty, too long or holds a character outside
 * [A-Za-z0-9._-].
 */
bool nvram_entry_name_init(NVRAMEntryName *entry_name, const char *name,
                           Error **errp);

/* The distinct failures; functions return them negated. */
typedef enum NVRAMErrorCode {
    NVRAM_OK = 0,
    /* Bad argument, or call in the wrong state (e.g. read before start). */
    NVRAM_ERR_INVALID = 1,
    /* The drive is blank (empty, all zero or all 0xFF): format it first. */
    NVRAM_ERR_UNFORMATTED = 2,
    /* The drive holds something else, or a damaged NVRAM header. */
    NVRAM_ERR_CORRUPT_HEADER = 3,
    /* An NVRAM image of a format version this library does not know. */
    NVRAM_ERR_UNSUPPORTED_VERSION = 4,
    /* The drive is smaller than the layout needs (the message says how
     * many bytes are needed). */
    NVRAM_ERR_TOO_SMALL = 5,
    /* A registered entry has no slot in the image. */
    NVRAM_ERR_ENTRY_MISSING = 6,
    /* The entry exists but was never written (not the same as corrupt). */
    NVRAM_ERR_ENTRY_ABSENT = 7,
    /* Both copies of the entry are damaged. */
    NVRAM_ERR_ENTRY_CORRUPT = 8,
    /* The encoded value is larger than the entry's slot; nothing written,
     * the old value stays. */
    NVRAM_ERR_PAYLOAD_TOO_LARGE = 9,
    /* An I/O error or a failed flush; the NVRAM is now failed
     * (nvram_had_fatal_error()), committed data is intact. */
    NVRAM_ERR_IO = 10,
    /* The NVRAM failed earlier and refuses further writes. */
    NVRAM_ERR_FAILED = 11,
    /* The image is encrypted and cannot (or may not) be used. */
    NVRAM_ERR_ENCRYPTED = 12,
    /* Formatting refused: the drive holds an NVRAM image (use force). */
    NVRAM_ERR_ALREADY_FORMATTED = 13,
    /* The device callback failed to encode or decode its state. */
    NVRAM_ERR_DEVICE = 14,
    /* The entry name is not registered. */
    NVRAM_ERR_NOT_REGISTERED = 15,
    /* The key does not open this encrypted image (not data damage). */
    NVRAM_ERR_WRONG_KEY = 16,
    NVRAM_ERR__MAX
} NVRAMErrorCode;

/*
 * A read that served the previous committed value because the newest copy
 * is damaged: nvram_read_data() returns this positive value (the device
 * callback did decode the value; @errp is left unset), and asynchronous
 * completions receive it as @errcode, with @err describing what was
 * rolled back. Not a failure: the entry is usable, but its last commit may
 * be lost, and whoever relies on it being current should be told.
 */
#define NVRAM_READ_ROLLED_BACK 1

/* A short description of @code (either sign); never NULL. */
const char *nvram_strerror(int code);

/*
 * The encoding of an entry's value in the image. Reads follow the encoding
 * stored with each copy, so an image may mix them.
 */
typedef enum NVRAMEncoding {
    NVRAM_ENCODING_DER = 0,   /* BER visitors, DER mode (the default) */
    NVRAM_ENCODING_BER = 1,   /* BER visitors, BER mode */
    NVRAM_ENCODING_CER = 2,   /* BER visitors, CER mode */
    NVRAM_ENCODING_JSON = 3,  /* JSON visitors (compact UTF-8 text) */
    NVRAM_ENCODING__MAX
} NVRAMEncoding;

/* "der", "ber", "cer", "json"; NULL for a value out of range. */
const char *nvram_encoding_name(NVRAMEncoding encoding);

/* Bytes of an encryption key (AES-256). */
#define NVRAM_KEY_SIZE 32

/* Options of nvram_setup(); a zeroed struct (or NULL) means the defaults. */
typedef struct NVRAMOptions {
    NVRAMEncoding encoding;   /* encoding of values written from now on */
    bool read_only;           /* refuse writes and formatting */
    bool create;              /* create the image file if missing */
    /*
     * Encryption key (NVRAM_KEY_SIZE bytes, copied at setup) or NULL.
     * nvram_format() with a key makes an encrypted image (AES-256-GCM);
     * nvram_start() needs the same key for an encrypted image.
     */
    const uint8_t *key;
    size_t key_len;
} NVRAMOptions;

/* True if this build of libvnvram can encrypt (it was built with nettle). */
bool nvram_encryption_available(void);

/* The operation a device callback is asked to perform. */
enum NVRAMRWOp {
    NVRAM_OP_READ,    /* @v is an input visitor: load the state from it */
    NVRAM_OP_WRITE,   /* @v is an output visitor: store the state into it */
    NVRAM_OP_FORMAT,  /* state the entry's maximum size (see below) */
};

/*
 * The device callback of an entry.
 * READ: visit the entry's state with the input visitor @v (build the device
 * state from it); WRITE: visit the current state with the output visitor
 * @v. Return 0 on success; a negative value (with @errp set when useful)
 * fails the request with NVRAM_ERR_DEVICE.
 * FORMAT (called by nvram_format()): return the maximum size in bytes of
 * the entry's encoded value (> 0). Alternatively return 0 after visiting
 * the largest state the device can have with the output visitor @v: its
 * encoded size is then the maximum.
 * @opaque is the pointer given to nvram_register_entry(). WRITE and FORMAT
 * run in the thread that submitted the request; READ of an asynchronous
 * request runs where its completion is delivered.
 */
typedef int (*NVRAMRWData)(enum NVRAMRWOp op, Visitor *v,
                           const NVRAMEntryName *entry_name, void *opaque,
                           Error **errp);

/*
 * Completion callback of a request: @errcode is 0 or a negative
 * NVRAMErrorCode, @err its message (NULL on success; owned by the layer,
 * valid during the call). @opaque is the pointer given with the request.
 */
typedef void (*NVRAMRWFinishCB)(int errcode, const NVRAMEntryName *entry_name,
                                void *opaque, const Error *err);

/* Request flags of nvram_read_data() and nvram_write_data(). */
#define VNVRAM_ASYNC_F            (1 << 0)
#define VNVRAM_WAIT_COMPLETION_F  (1 << 1)

/*
 * Open the NVRAM on the drive @path (an image file or a block device, or
 * an NBD URI such as nbd+unix:///?socket=S: see nvram_storage_open()) with
 * @opts (NULL: defaults). Nothing is read yet: register entries, then call
 * nvram_start() or nvram_format(). Returns NULL with @errp set when the
 * drive cannot be opened (or connected) or is locked by another process.
 */
NVRAM *nvram_setup(const char *path, const NVRAMOptions *opts, Error **errp);

/*
 * As nvram_setup(), over an already opened @storage, which the NVRAM owns
 * from now on (also on failure). Tests use it to put a fault-injection or
 * counting layer under the NVRAM.
 */
NVRAM *nvram_setup_with_storage(NVRAMStorage *storage,
                                const NVRAMOptions *opts, Error **errp);

/* The storage under @nvram (owned by it), e.g. to read its I/O counters. */
NVRAMStorage *nvram_get_storage(NVRAM *nvram);

/*
 * Stop and free @nvram: waits for every queued request, delivers the
 * completions not yet delivered (in the calling thread), stops the worker,
 * closes the drive. NULL is allowed. Returns 0, or NVRAM_ERR_IO negated if
 * a fatal error happened during the NVRAM's life.
 */
int nvram_delete(NVRAM *nvram);

/*
 * Register the entry @entry_name with its device callback @cb and @opaque.
 * Before nvram_start(); or after it, when the entry must exist in the image
 * (else NVRAM_ERR_ENTRY_MISSING). Fails with NVRAM_ERR_INVALID for a
 * duplicate name or a NULL callback.
 */
int nvram_register_entry(NVRAM *nvram, const NVRAMEntryName *entry_name,
                         NVRAMRWData cb, void *opaque, Error **errp);

/*
 * How an entry's two copies are written.
 * ALTERNATE (the default): each commit writes the copy that does not hold
 * the newest value, with one flush. One bad sector in the newest copy
 * rolls the entry back to its previous commit (reported, see
 * NVRAM_READ_ROLLED_BACK).
 * MIRROR: each commit writes both copies, one after the other, each with
 * its own flush (twice the bytes and flushes), so that one bad sector can
 * never roll the entry back. For state where a rollback is a security
 * problem, such as TPM NV counters.
 */
typedef enum NVRAMEntryPolicy {
    NVRAM_POLICY_ALTERNATE = 0,
    NVRAM_POLICY_MIRROR = 1,
} NVRAMEntryPolicy;

/*
 * Set the policy of the registered entry @entry_name: after
 * nvram_register_entry(), before nvram_format() (which records it in the
 * image) or nvram_start(). An entry the image records as mirror stays
 * mirror whatever is set here. Fails with NVRAM_ERR_NOT_REGISTERED, or
 * NVRAM_ERR_INVALID (unknown policy, or the NVRAM is already started).
 */
int nvram_set_entry_policy(NVRAM *nvram, const NVRAMEntryName *entry_name,
                           NVRAMEntryPolicy policy, Error **errp);

/*
 * Forget the entry @entry_name: first waits for the I/O of its queued
 * requests and delivers their completions (call it from the thread that
 * processes completions). Its data stays in the image. Fails with
 * NVRAM_ERR_NOT_REGISTERED for an unknown name.
 */
int nvram_deregister_entry(NVRAM *nvram, const NVRAMEntryName *entry_name,
                           Error **errp);

/*
 * Open the image: read and validate its header and geometry, check that
 * every registered entry has a slot, and find each entry's newest valid
 * copy. Never formats. Fails with NVRAM_ERR_UNFORMATTED,
 * NVRAM_ERR_CORRUPT_HEADER, NVRAM_ERR_UNSUPPORTED_VERSION,
 * NVRAM_ERR_TOO_SMALL (image truncated: opened only with
 * NVRAMOptions.read_only, for the entries whose copies fit),
 * NVRAM_ERR_ENTRY_MISSING,
 * NVRAM_ERR_ENCRYPTED (the image is encrypted and no key was given, or this
 * build has no encryption; @fail_on_encrypted_drive is kept from the
 * original API: such an image can never be used without its key, so it is
 * refused either way), NVRAM_ERR_WRONG_KEY (a key that does not open it),
 * NVRAM_ERR_INVALID (a key for an image that is not encrypted) or
 * NVRAM_ERR_IO. Entries in the image that no
 * device registered are preserved untouched. Starts the worker thread.
 */
int nvram_start(NVRAM *nvram, bool fail_on_encrypted_drive, Error **errp);

/*
 * Format the drive for the registered entries (before nvram_start()): asks
 * each callback for its maximum size (NVRAM_OP_FORMAT), lays the entries
 * out, writes an empty ("never written") pair of copies per entry, flushes,
 * then writes the header and flushes again. The drive may be larger than
 * needed (the image covers it all). A regular file too small is grown; any
 * other drive too small fails with NVRAM_ERR_TOO_SMALL saying how many
 * bytes are needed. Refuses (NVRAM_ERR_ALREADY_FORMATTED) to overwrite
 * anything but a blank drive unless @force. With NVRAMOptions.key the
 * image is encrypted. On success the NVRAM is started as by nvram_start().
 */
int nvram_format(NVRAM *nvram, bool force, Error **errp);

/*
 * Read the entry @entry_name: the newest valid copy is decoded by calling
 * the entry's callback with NVRAM_OP_READ and an input visitor.
 * Without VNVRAM_ASYNC_F the call is synchronous: it returns the result
 * (and, if @cb is not NULL, calls it before returning).
 * With VNVRAM_ASYNC_F it queues the request and returns 0; @cb (may be
 * NULL) is called later from nvram_process_requests() or the GSource, in
 * submission order, after the device callback decoded the value. Adding
 * VNVRAM_WAIT_COMPLETION_F makes the call block until the request's I/O is
 * done (the completion is still delivered by nvram_process_requests()).
 * When the call itself returns an error, @cb is never called.
 * Errors: NVRAM_ERR_NOT_REGISTERED, NVRAM_ERR_INVALID (not started),
 * NVRAM_ERR_ENTRY_ABSENT (never written), NVRAM_ERR_ENTRY_CORRUPT (both
 * copies damaged), NVRAM_ERR_DEVICE, NVRAM_ERR_IO. A read that had to
 * serve the previous commit returns NVRAM_READ_ROLLED_BACK (see there).
 */
int nvram_read_data(NVRAM *nvram, const NVRAMEntryName *entry_name,
                    int flags, NVRAMRWFinishCB cb, void *opaque,
                    Error **errp);

/*
 * Write the entry @entry_name: the entry's callback is called at once, in
 * the calling thread, with NVRAM_OP_WRITE and an output visitor (so the
 * state is captured at submission); the encoding is then written to the
 * older copy and committed with one flush (the entry's first write: both
 * copies, two flushes). Flags and @cb as for
 * nvram_read_data(). Errors: NVRAM_ERR_NOT_REGISTERED, NVRAM_ERR_INVALID
 * (not started, read-only), NVRAM_ERR_DEVICE, NVRAM_ERR_PAYLOAD_TOO_LARGE
 * (refused at submission, the old value stays), NVRAM_ERR_FAILED (an
 * earlier fatal error), NVRAM_ERR_INVALID also when the entry's generation
 * cannot grow (2^64 - 1 in the image: never wrapped), NVRAM_ERR_IO (write
 * or flush failed: the NVRAM
 * becomes failed; the entry still reads as its previous value, except when
 * the failure hits the second copy of an entry's first write, after the
 * first copy was flushed: then it reads as the new value).
 */
int nvram_write_data(NVRAM *nvram, const NVRAMEntryName *entry_name,
                     int flags, NVRAMRWFinishCB cb, void *opaque,
                     Error **errp);

/*
 * Deliver the completions of finished asynchronous requests: for each, in
 * submission order, decode a read through the device callback, then call
 * the finish callback. Does not wait for unfinished requests. Returns the
 * number of completions delivered. Thread-safe; callbacks run in the
 * calling thread, one at a time.
 */
int nvram_process_requests(NVRAM *nvram);

/*
 * Create a GSource that delivers completions (as nvram_process_requests())
 * whenever some are ready; attach it to the caller's GMainContext with
 * g_source_attach(). The worker wakes that context. The source holds no
 * reference to @nvram: destroy it (g_source_destroy + g_source_unref)
 * before nvram_delete(). At most one source per NVRAM.
 */
GSource *nvram_create_source(NVRAM *nvram);

/*
 * True once a write or flush failed (or an I/O error happened): the NVRAM
 * refuses writes from then on. Thread-safe.
 */
bool nvram_had_fatal_error(NVRAM *nvram);

/*** Image inspection and formatting without a device (tools, tests) ***/

/* An entry to format: its name and the maximum size of its value. */
typedef struct NVRAMEntrySpec {
    const char *name;
    uint64_t max_size;
} NVRAMEntrySpec;

/*
 * Store in *@size the bytes an image with the @n entries @specs needs.
 * Fails with NVRAM_ERR_INVALID for a bad or duplicate name, a zero size or
 * an impossible total.
 */
int nvram_measure(const NVRAMEntrySpec *specs, size_t n, uint64_t *size,
                  Error **errp);

/*
 * Format @storage for the @n entries @specs (see nvram_format(); the same
 * checks and errors). The storage stays owned by the caller.
 */
int nvram_format_storage(NVRAMStorage *storage, const NVRAMEntrySpec *specs,
                         size_t n, bool force, Error **errp);

/*
 * As nvram_format_storage(), making an encrypted image when @key is not
 * NULL (@key_len must be NVRAM_KEY_SIZE; NVRAM_ERR_ENCRYPTED when this
 * build cannot encrypt).
 */
int nvram_format_storage_with_key(NVRAMStorage *storage,
                                  const NVRAMEntrySpec *specs, size_t n,
                                  const uint8_t *key, size_t key_len,
                                  bool force, Error **errp);

/*
 * As nvram_format_storage_with_key(), with the policy of each entry:
 * @policies[i] for @specs[i] (@policies NULL: all NVRAM_POLICY_ALTERNATE).
 * NVRAM_ERR_INVALID also for an unknown policy.
 */
int nvram_image_format(NVRAMStorage *storage, const NVRAMEntrySpec *specs,
                       const NVRAMEntryPolicy *policies, size_t n,
                       const uint8_t *key, size_t key_len, bool force,
                       Error **errp);

/* The state of one copy of an entry, as found by nvram_image_inspect(). */
typedef struct NVRAMCopyInfo {
    uint64_t offset;          /* where the copy starts in the image */
    bool valid;               /* structure and check value are correct */
    uint64_t generation;      /* 0: the "never written" copy of format */
    uint64_t payload_length;
    NVRAMEncoding encoding;
    bool encrypted;           /* the value is sealed with AES-256-GCM */
    char *problem;            /* why it is invalid (NULL when valid) */
} NVRAMCopyInfo;

/* One entry of the image. */
typedef struct NVRAMEntryInfo {
    NVRAMEntryName name;
    uint32_t id;
    NVRAMEntryPolicy policy;
    uint64_t offset;          /* first byte of copy 0 */
    uint64_t copy_size;       /* bytes of each copy */
    uint64_t capacity;        /* largest value that always fits */
    NVRAMCopyInfo copies[2];
    int newest;               /* index of the newest valid copy, or -1 */
    /* 0 (written), or -NVRAM_ERR_ENTRY_ABSENT / -NVRAM_ERR_ENTRY_CORRUPT */
    int status;
    /*
     * The other copy is damaged and may have held a later commit: a read
     * serves copy @newest and reports NVRAM_READ_ROLLED_BACK.
     */
    bool rolled_back;
    /* The generation cannot grow (2^64 - 1): writes are refused. */
    bool generation_exhausted;
} NVRAMEntryInfo;

/* The header and entries of an image. */
typedef struct NVRAMImageInfo {
    uint32_t version;
    uint32_t flags;           /* bit 0: encrypted */
    uint8_t image_id[16];
    uint64_t image_size;      /* bytes covered by the image */
    uint64_t storage_size;    /* bytes of the drive */
    uint64_t header_size;
    size_t n_entries;
    NVRAMEntryInfo *entries;
    /* version 2: the layout generation (each relayout adds one) */
    uint64_t layout_generation;
    unsigned header_copies;   /* 1 (version 1) or 2 */
    /*
     * Why header copy 0 (offset 0) or 1 (offset header_size / 2) was not
     * used, or NULL: one damaged copy leaves the image usable.
     */
    char *header_problem[2];
} NVRAMImageInfo;

/*
 * Read the header of @storage and verify every copy of every entry. On
 * success *@info holds the result (free with nvram_image_info_free()).
 * Fails with the header errors of nvram_start() (then *@info is NULL).
 * Damaged copies are not failures: see each entry's status and copies.
 * A truncated image (storage_size < image_size, the header intact) is
 * inspected for what fits: a copy beyond the end of the drive is invalid,
 * its problem naming its offset and the bytes it needs.
 */
int nvram_image_inspect(NVRAMStorage *storage, NVRAMImageInfo **info,
                        Error **errp);

/* Free @info; NULL is allowed. */
void nvram_image_info_free(NVRAMImageInfo *info);

/*
 * Read the newest valid copy of entry @name from @storage without a
 * device: *@payload gets a g_malloc'd copy of the encoded value, *@len its
 * length, *@encoding and *@generation (each may be NULL) its metadata.
 * Errors as nvram_image_inspect(), plus NVRAM_ERR_ENTRY_MISSING,
 * NVRAM_ERR_ENTRY_ABSENT and NVRAM_ERR_ENTRY_CORRUPT (also for an entry
 * of a truncated image with no copy within the drive). Returns
 * NVRAM_READ_ROLLED_BACK when the value is the previous commit because the
 * newest copy is damaged; then *@payload is set and @errp describes the
 * rollback (the caller frees it).
 */
int nvram_image_read_entry(NVRAMStorage *storage, const char *name,
                           uint8_t **payload, size_t *len,
                           NVRAMEncoding *encoding, uint64_t *generation,
                           Error **errp);

/*
 * As nvram_image_read_entry(), for an encrypted image: with @key
 * (NVRAM_KEY_SIZE bytes) the value is authenticated and decrypted
 * (NVRAM_ERR_WRONG_KEY if the key does not open the image); with a NULL
 * @key an encrypted value is returned sealed (nonce, ciphertext, tag).
 */
int nvram_image_read_entry_with_key(NVRAMStorage *storage, const char *name,
                                    const uint8_t *key, size_t key_len,
                                    uint8_t **payload, size_t *len,
                                    NVRAMEncoding *encoding,
                                    uint64_t *generation, Error **errp);

/*** Offline changes of an image (no NVRAM may have it open) ***/

/*
 * Commit @value (@len bytes, the device's encoding @encoding of its
 * state) as the next generation of entry @name on @storage, as a device's
 * write would (sealed with @key in an encrypted image, which needs it).
 * The value must be exactly one element of @encoding (one BER/CER/DER
 * TLV passing the inspector in that mode, or one JSON value) and fit the
 * slot. Errors: NVRAM_ERR_INVALID (not one valid element; the message
 * gives the first error's offset and reason), NVRAM_ERR_PAYLOAD_TOO_LARGE, NVRAM_ERR_ENTRY_MISSING,
 * NVRAM_ERR_ENCRYPTED, NVRAM_ERR_WRONG_KEY, the header errors of
 * nvram_image_inspect(), NVRAM_ERR_IO. Nothing is written on failure but
 * for NVRAM_ERR_IO (then the previous value still reads).
 */
int nvram_image_write_entry(NVRAMStorage *storage, const char *name,
                            const uint8_t *key, size_t key_len,
                            const uint8_t *value, size_t len,
                            NVRAMEncoding encoding, Error **errp);

/*
 * Convert a format-1 image on @storage to format 2 in place, keeping every
 * value: the slots are written anew past the old image (the drive grows
 * when it is a file), then the two header copies. A crash at any point
 * leaves the old or the new image readable. Returns 1 when converted, 0
 * when it already was format 2, or a negative code (the header errors of
 * nvram_image_inspect(), NVRAM_ERR_ENTRY_CORRUPT for an entry whose value
 * is lost, NVRAM_ERR_TOO_SMALL for a drive that cannot grow, NVRAM_ERR_IO).
 */
int nvram_image_upgrade(NVRAMStorage *storage, Error **errp);

/*
 * Add the @n entries @specs (policies as for nvram_image_format()) to the
 * format-2 image on @storage, never written; every value is kept, and a
 * crash leaves the old or the new layout. NVRAM_ERR_INVALID for a name the
 * image has, NVRAM_ERR_UNSUPPORTED_VERSION for a format-1 image (upgrade
 * it first), else as nvram_image_upgrade().
 */
int nvram_image_add_entries(NVRAMStorage *storage,
                            const NVRAMEntrySpec *specs,
                            const NVRAMEntryPolicy *policies, size_t n,
                            Error **errp);

/*
 * Give entry @name of the format-2 image on @storage a slot for values of
 * up to @max_size bytes, keeping its value (NVRAM_ERR_PAYLOAD_TOO_LARGE
 * when it would not fit, nothing changed) and every other. Crash-safe as
 * nvram_image_add_entries(); NVRAM_ERR_ENTRY_MISSING for an unknown name.
 */
int nvram_image_resize_entry(NVRAMStorage *storage, const char *name,
                             uint64_t max_size, Error **errp);

/*
 * Repair the image on @storage: a damaged or stale header copy is
 * rewritten from the good one, a damaged copy of an entry from its other
 * copy when that one holds the newest commit. It never guesses: an entry
 * whose copies are both damaged, or whose damaged copy may hold a later
 * commit (a rollback), is left alone and reported. Appends one line per
 * action or refusal to @log (g_strdup'd strings). Returns the number of
 * problems left unrepaired (0: the image is healthy now), or a negative
 * code (header errors as nvram_image_inspect(), NVRAM_ERR_IO).
 */
int nvram_image_repair(NVRAMStorage *storage, GPtrArray *log, Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* NVRAM_NVRAM_H */
