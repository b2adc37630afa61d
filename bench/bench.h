/*
 * bench/bench.h: the records of WORKLOAD.md as QAPI types, and the
 * interface between the benchmark driver and its peers.
 *
 * The types and visit functions have the shape QEMU's qapi-gen emits, so
 * the benchmark exercises our visitors exactly as device code would.
 * Equivalent schema:
 *   { 'struct': 'Entry', 'data': { 'addr': 'uint64', 'len': 'uint32',
 *     'flags': 'uint16', 'prio': 'int8' } }
 *   { 'struct': 'DevState', 'data': { 'id': 'uint32', 'counter': 'int64',
 *     'enabled': 'bool', 'name': 'str', 'regs': 32 bytes (sized buffer),
 *     'entries': ['Entry'], 'blob': bytes } }
 *   { 'struct': 'Item', 'data': { 'num': 'int64', 'flag': 'bool',
 *     'label': 'str' } }                                 (W2 "scale")
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/visitor.h"

#define DEVSTATE_REGS_LEN 32
#define DEVSTATE_N_ENTRIES 16

typedef struct Entry {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    int8_t prio;
} Entry;

typedef struct EntryList {
    struct EntryList *next;
    Entry *value;
} EntryList;

typedef struct DevState {
    uint32_t id;
    int64_t counter;
    bool enabled;
    char *name;
    uint8_t regs[DEVSTATE_REGS_LEN];
    EntryList *entries;
    uint8_t *blob;
    size_t blob_len;
} DevState;

typedef struct Item {
    int64_t num;
    bool flag;
    char *label;
} Item;

typedef struct ItemList {
    struct ItemList *next;
    Item *value;
} ItemList;

/* Generated-code shape (bench/devstate.c). */
bool visit_type_Entry_members(Visitor *v, Entry *obj, Error **errp);
bool visit_type_Entry(Visitor *v, const char *name, Entry **obj, Error **errp);
bool visit_type_EntryList(Visitor *v, const char *name, EntryList **obj,
                          Error **errp);
bool visit_type_DevState_members(Visitor *v, DevState *obj, Error **errp);
bool visit_type_DevState(Visitor *v, const char *name, DevState **obj,
                         Error **errp);
bool visit_type_Item_members(Visitor *v, Item *obj, Error **errp);
bool visit_type_Item(Visitor *v, const char *name, Item **obj, Error **errp);
bool visit_type_ItemList(Visitor *v, const char *name, ItemList **obj,
                         Error **errp);
void qapi_free_DevState(DevState *obj);
void qapi_free_ItemList(ItemList *obj);

/*
 * Build the W1 record of WORKLOAD.md with a blob of @blob_len bytes.
 * Never fails; free with qapi_free_DevState().
 */
DevState *devstate_build(size_t blob_len);

/*
 * Check every field of @s against the W1 record with a blob of @blob_len
 * bytes. Returns NULL when they match, else a static text naming the
 * first field that differs.
 */
const char *devstate_check(const DevState *s, size_t blob_len);

/* Build the W2 list of @n items. Never fails; free with qapi_free_ItemList(). */
ItemList *itemlist_build(size_t n);

/* As devstate_check() for the W2 list of @n items. */
const char *itemlist_check(const ItemList *list, size_t n);

/* Free a DevState built field by field (by a peer), without a visitor. */
void devstate_free_plain(DevState *s);

/*
 * The asn1c peer (bench/peer-asn1c.c, compiled with the code asn1c
 * generates from bench/devstate.asn at build time). Absent when configure
 * found no asn1c: then the driver reports the peer as missing.
 */
typedef struct Asn1cPeer Asn1cPeer;

/*
 * Prepare asn1c's own structure for @s (pointing at @s's buffers; @s
 * must outlive the peer). Returns NULL if asn1c rejects the record.
 */
Asn1cPeer *asn1c_peer_new(const DevState *s);
void asn1c_peer_free(Asn1cPeer *p);
/*
 * Encode the prepared record as DER into @buf (@cap bytes). Returns the
 * encoded length, or -1 if it failed or did not fit.
 */
long asn1c_peer_encode(Asn1cPeer *p, uint8_t *buf, size_t cap);
/*
 * Decode @len bytes of DER/BER at @der into asn1c's structure and free it.
 * Returns true if the decoder consumed the whole input without error.
 */
bool asn1c_peer_decode(const uint8_t *der, size_t len);
/*
 * Decode @len bytes into a new DevState of ours (outside the timed loops,
 * to check the fields). Returns NULL on failure.
 */
DevState *asn1c_peer_decode_to_native(const uint8_t *der, size_t len);
/* The asn1c version string, e.g. "0.9.28". */
const char *asn1c_peer_version(void);

/*
 * The libtasn1 peer (bench/peers.c): the schema is parsed once by
 * tasn1_peer_new() from the module file @asn_file; returns NULL with
 * *@why set (static text or libtasn1's message, g_free it) on failure.
 */
typedef struct Tasn1Peer Tasn1Peer;
Tasn1Peer *tasn1_peer_new(const char *asn_file, char **why);
void tasn1_peer_free(Tasn1Peer *p);
/*
 * Encode @s (asn1_write_value per field, then asn1_der_coding into a
 * buffer of @cap bytes allocated per call). Returns the encoded length or
 * -1; when @out is not NULL the buffer is handed over in *@out (free()),
 * else freed.
 */
long tasn1_peer_encode(Tasn1Peer *p, const DevState *s, size_t cap,
                       uint8_t **out);
/* Decode @len bytes (asn1_der_decoding, asn1_read_value per field) into a
 * new DevState (devstate_free_plain()), or NULL. */
DevState *tasn1_peer_decode(Tasn1Peer *p, const uint8_t *der, size_t len);
/* libtasn1's version string. */
const char *tasn1_peer_version(void);

/*
 * The json-c peer: a json_object tree (blobs as base64 strings) printed
 * with JSON_C_TO_STRING_PLAIN. Returns the text length, or -1; when @copy
 * is not NULL a g_malloc'd copy of the text is stored there.
 */
long jsonc_peer_encode(const DevState *s, char **copy);
/* Parse @text with json_tokener_parse into a new DevState, or NULL. */
DevState *jsonc_peer_decode(const char *text);

#endif /* BENCH_BENCH_H */
