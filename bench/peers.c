/*
 * bench/peers.c: the libtasn1 and json-c peers of W1, used the way their
 * documentation shows (and given every documented fast path: exact-size
 * output buffers for libtasn1, constant new keys for json-c), so that our
 * ratios against them are conservative.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <json-c/json.h>
#include <libtasn1.h>

#include "bench/bench.h"

/*** libtasn1 ***/

struct Tasn1Peer {
    asn1_node defs;
};

Tasn1Peer *tasn1_peer_new(const char *asn_file, char **why)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    Tasn1Peer *p = g_new0(Tasn1Peer, 1);
    int rc = asn1_parser2tree(asn_file, &p->defs, err);

    if (rc != ASN1_SUCCESS) {
        *why = g_strdup_printf("asn1_parser2tree(%s): %s %s", asn_file,
                               asn1_strerror(rc), err);
        g_free(p);
        return NULL;
    }
    return p;
}

void tasn1_peer_free(Tasn1Peer *p)
{
    if (p) {
        asn1_delete_structure(&p->defs);
        g_free(p);
    }
}

const char *tasn1_peer_version(void)
{
    return asn1_check_version(NULL);
}

/* Two's complement big-endian, 9 octets (libtasn1 strips the redundant). */
static void int_to_be9(uint8_t out[9], uint64_t v, bool negative)
{
    out[0] = negative ? 0xff : 0;
    for (int i = 8; i >= 1; i--) {
        out[i] = (uint8_t)v;
        v >>= 8;
    }
}

static bool write_int(asn1_node el, const char *name, int64_t v)
{
    uint8_t be[9];

    int_to_be9(be, (uint64_t)v, v < 0);
    return asn1_write_value(el, name, be, 9) == ASN1_SUCCESS;
}

static bool write_uint(asn1_node el, const char *name, uint64_t v)
{
    uint8_t be[9];

    int_to_be9(be, v, false);
    return asn1_write_value(el, name, be, 9) == ASN1_SUCCESS;
}

/* Read an INTEGER into a signed 64-bit value (wider ones: failure). */
static bool read_int(asn1_node el, const char *name, int64_t *v)
{
    uint8_t be[16];
    int len = sizeof(be);
    uint64_t acc;

    if (asn1_read_value(el, name, be, &len) != ASN1_SUCCESS || len < 1 ||
        len > 9) {
        return false;
    }
    acc = (be[0] & 0x80) ? UINT64_MAX : 0;
    for (int i = 0; i < len; i++) {
        acc = (acc << 8) | be[i];
    }
    if (len == 9 && be[0] != ((acc >> 63) ? 0xff : 0)) {
        return false;
    }
    *v = (int64_t)acc;
    return true;
}

static bool read_uint(asn1_node el, const char *name, uint64_t *v)
{
    uint8_t be[16];
    int len = sizeof(be);
    uint64_t acc = 0;

    if (asn1_read_value(el, name, be, &len) != ASN1_SUCCESS || len < 1 ||
        len > 9 || (be[0] & 0x80) || (len == 9 && be[0] != 0)) {
        return false;
    }
    for (int i = 0; i < len; i++) {
        acc = (acc << 8) | be[i];
    }
    *v = acc;
    return true;
}

long tasn1_peer_encode(Tasn1Peer *p, const DevState *s, size_t cap,
                       uint8_t **out)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
    asn1_node el = NULL;
    const EntryList *node;
    uint8_t *buf = NULL;
    int len = (int)cap;
    long ret = -1;

    if (asn1_create_element(p->defs, "Bench.DevState", &el) != ASN1_SUCCESS) {
        return -1;
    }
    if (!write_uint(el, "id", s->id) ||
        !write_int(el, "counter", s->counter) ||
        asn1_write_value(el, "enabled", s->enabled ? "TRUE" : "FALSE", 1) !=
            ASN1_SUCCESS ||
        asn1_write_value(el, "name", s->name, (int)strlen(s->name)) !=
            ASN1_SUCCESS ||
        asn1_write_value(el, "regs", s->regs, DEVSTATE_REGS_LEN) !=
            ASN1_SUCCESS) {
        goto out;
    }
    for (node = s->entries; node; node = node->next) {
        if (asn1_write_value(el, "entries", "NEW", 1) != ASN1_SUCCESS ||
            !write_uint(el, "entries.?LAST.addr", node->value->addr) ||
            !write_uint(el, "entries.?LAST.len", node->value->len) ||
            !write_uint(el, "entries.?LAST.flags", node->value->flags) ||
            !write_int(el, "entries.?LAST.prio", node->value->prio)) {
            goto out;
        }
    }
    if (asn1_write_value(el, "blob", s->blob, (int)s->blob_len) !=
        ASN1_SUCCESS) {
        goto out;
    }
    buf = malloc(cap ? cap : 1);
    if (asn1_der_coding(el, "", buf, &len, err) != ASN1_SUCCESS) {
        goto out;
    }
    ret = len;
    if (out) {
        *out = buf;
        buf = NULL;
    }
out:
    free(buf);
    asn1_delete_structure(&el);
    return ret;
}

DevState *tasn1_peer_decode(Tasn1Peer *p, const uint8_t *der, size_t len)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE];
    asn1_node el = NULL;
    DevState *s = calloc(1, sizeof(*s));
    EntryList **tail = &s->entries;
    char name[256], tf[8], path[64];
    int n, count = 0;
    int64_t i64;
    uint64_t u64;

    if (asn1_create_element(p->defs, "Bench.DevState", &el) != ASN1_SUCCESS ||
        asn1_der_decoding(&el, der, (int)len, err) != ASN1_SUCCESS) {
        goto fail;
    }
    if (!read_uint(el, "id", &u64) || u64 > UINT32_MAX) {
        goto fail;
    }
    s->id = (uint32_t)u64;
    if (!read_int(el, "counter", &s->counter)) {
        goto fail;
    }
    n = sizeof(tf);
    if (asn1_read_value(el, "enabled", tf, &n) != ASN1_SUCCESS) {
        goto fail;
    }
    s->enabled = tf[0] == 'T';
    n = sizeof(name) - 1;
    if (asn1_read_value(el, "name", name, &n) != ASN1_SUCCESS) {
        goto fail;
    }
    s->name = strndup(name, (size_t)n);
    n = DEVSTATE_REGS_LEN;
    if (asn1_read_value(el, "regs", s->regs, &n) != ASN1_SUCCESS ||
        n != DEVSTATE_REGS_LEN) {
        goto fail;
    }
    if (asn1_number_of_elements(el, "entries", &count) != ASN1_SUCCESS) {
        goto fail;
    }
    for (int i = 1; i <= count; i++) {
        EntryList *node = calloc(1, sizeof(*node));

        node->value = calloc(1, sizeof(*node->value));
        *tail = node;
        tail = &node->next;
        snprintf(path, sizeof(path), "entries.?%d.addr", i);
        if (!read_uint(el, path, &node->value->addr)) {
            goto fail;
        }
        snprintf(path, sizeof(path), "entries.?%d.len", i);
        if (!read_uint(el, path, &u64) || u64 > UINT32_MAX) {
            goto fail;
        }
        node->value->len = (uint32_t)u64;
        snprintf(path, sizeof(path), "entries.?%d.flags", i);
        if (!read_uint(el, path, &u64) || u64 > UINT16_MAX) {
            goto fail;
        }
        node->value->flags = (uint16_t)u64;
        snprintf(path, sizeof(path), "entries.?%d.prio", i);
        if (!read_int(el, path, &i64) || i64 < INT8_MIN || i64 > INT8_MAX) {
            goto fail;
        }
        node->value->prio = (int8_t)i64;
    }
    /* the length first, then the contents */
    n = 0;
    if (asn1_read_value(el, "blob", NULL, &n) != ASN1_MEM_ERROR) {
        goto fail;
    }
    s->blob = malloc(n ? (size_t)n : 1);
    s->blob_len = (size_t)n;
    if (asn1_read_value(el, "blob", s->blob, &n) != ASN1_SUCCESS) {
        goto fail;
    }
    asn1_delete_structure(&el);
    return s;

fail:
    asn1_delete_structure(&el);
    devstate_free_plain(s);
    return NULL;
}

/*** json-c ***/

static void add(json_object *obj, const char *key, json_object *val)
{
    json_object_object_add_ex(obj, key, val, JSON_C_OBJECT_ADD_KEY_IS_NEW |
                              JSON_C_OBJECT_KEY_IS_CONSTANT);
}

static json_object *new_base64(const uint8_t *data, size_t len)
{
    gchar *b64 = g_base64_encode(data, len);
    json_object *s = json_object_new_string(b64);

    g_free(b64);
    return s;
}

long jsonc_peer_encode(const DevState *s, char **copy)
{
    json_object *obj = json_object_new_object();
    json_object *list = json_object_new_array_ext(DEVSTATE_N_ENTRIES);
    const EntryList *node;
    const char *text;
    size_t len;

    add(obj, "id", json_object_new_int64(s->id));
    add(obj, "counter", json_object_new_int64(s->counter));
    add(obj, "enabled", json_object_new_boolean(s->enabled));
    add(obj, "name", json_object_new_string(s->name));
    add(obj, "regs", new_base64(s->regs, DEVSTATE_REGS_LEN));
    for (node = s->entries; node; node = node->next) {
        json_object *e = json_object_new_object();

        add(e, "addr", json_object_new_uint64(node->value->addr));
        add(e, "len", json_object_new_int64(node->value->len));
        add(e, "flags", json_object_new_int64(node->value->flags));
        add(e, "prio", json_object_new_int64(node->value->prio));
        json_object_array_add(list, e);
    }
    add(obj, "entries", list);
    add(obj, "blob", new_base64(s->blob, s->blob_len));
    text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN,
                                             &len);
    if (copy) {
        *copy = g_strndup(text, len);
    }
    json_object_put(obj);
    return text ? (long)len : -1;
}

static json_object *member(json_object *obj, const char *key,
                           json_type type)
{
    json_object *val;

    if (!json_object_object_get_ex(obj, key, &val) ||
        !json_object_is_type(val, type)) {
        return NULL;
    }
    return val;
}

static bool get_int(json_object *obj, const char *key, int64_t min,
                    int64_t max, int64_t *out)
{
    json_object *val = member(obj, key, json_type_int);
    int64_t v;

    if (!val) {
        return false;
    }
    v = json_object_get_int64(val);
    if (v < min || v > max) {
        return false;
    }
    *out = v;
    return true;
}

DevState *jsonc_peer_decode(const char *text)
{
    json_object *root = json_tokener_parse(text);
    DevState *s = calloc(1, sizeof(*s));
    EntryList **tail = &s->entries;
    json_object *val, *list;
    gsize n;
    guchar *bytes;
    int64_t v;

    if (!root || !json_object_is_type(root, json_type_object)) {
        goto fail;
    }
    if (!get_int(root, "id", 0, UINT32_MAX, &v)) {
        goto fail;
    }
    s->id = (uint32_t)v;
    if (!get_int(root, "counter", INT64_MIN, INT64_MAX, &s->counter)) {
        goto fail;
    }
    if (!(val = member(root, "enabled", json_type_boolean))) {
        goto fail;
    }
    s->enabled = json_object_get_boolean(val);
    if (!(val = member(root, "name", json_type_string))) {
        goto fail;
    }
    s->name = strdup(json_object_get_string(val));
    if (!(val = member(root, "regs", json_type_string))) {
        goto fail;
    }
    bytes = g_base64_decode(json_object_get_string(val), &n);
    if (n != DEVSTATE_REGS_LEN) {
        g_free(bytes);
        goto fail;
    }
    memcpy(s->regs, bytes, DEVSTATE_REGS_LEN);
    g_free(bytes);
    if (!(list = member(root, "entries", json_type_array))) {
        goto fail;
    }
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *e = json_object_array_get_idx(list, i);
        EntryList *node = calloc(1, sizeof(*node));

        node->value = calloc(1, sizeof(*node->value));
        *tail = node;
        tail = &node->next;
        if (!json_object_is_type(e, json_type_object) ||
            !(val = member(e, "addr", json_type_int))) {
            goto fail;
        }
        node->value->addr = json_object_get_uint64(val);
        if (!get_int(e, "len", 0, UINT32_MAX, &v)) {
            goto fail;
        }
        node->value->len = (uint32_t)v;
        if (!get_int(e, "flags", 0, UINT16_MAX, &v)) {
            goto fail;
        }
        node->value->flags = (uint16_t)v;
        if (!get_int(e, "prio", INT8_MIN, INT8_MAX, &v)) {
            goto fail;
        }
        node->value->prio = (int8_t)v;
    }
    if (!(val = member(root, "blob", json_type_string))) {
        goto fail;
    }
    s->blob = g_base64_decode(json_object_get_string(val), &n);
    s->blob_len = n;
    json_object_put(root);
    return s;

fail:
    json_object_put(root);
    devstate_free_plain(s);
    return NULL;
}
