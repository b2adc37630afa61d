/*
 * bench/peer-asn1c.c: the asn1c peer of W1, compiled together with the C
 * code asn1c generates from bench/devstate.asn at build time (see
 * bench/local.mk); only bench/bench.h's neutral interface leaks out, so the
 * driver never sees asn1c's headers.
 *
 * asn1c's native structure is DevState_t: a program using asn1c keeps its
 * state there, so the encode loop starts from a prepared DevState_t (its
 * strings point at our buffers, nothing copied), and the decode loop is
 * ber_decode() plus freeing the result. Conversion to our DevState happens
 * only outside the timed loops, to check the fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* asn1c's struct tags are ours too: rename them in this file only (tags
 * do not reach the object code, so asn1c's own files need no renaming) */
#define Entry Asn1cEntry
#define DevState Asn1cDevState
#include "DevState.h"
#undef Entry
#undef DevState
#include "bench/bench.h"

struct Asn1cPeer {
    DevState_t st;
    Entry_t entries[DEVSTATE_N_ENTRIES];
};

Asn1cPeer *asn1c_peer_new(const DevState *s)
{
    Asn1cPeer *p = calloc(1, sizeof(*p));
    const EntryList *node;
    int i = 0;

    if (!p) {
        return NULL;
    }
    p->st.id = (long)s->id;
    p->st.counter = (long)s->counter;
    p->st.enabled = s->enabled;
    p->st.name.buf = (uint8_t *)s->name;
    p->st.name.size = (int)strlen(s->name);
    p->st.regs.buf = (uint8_t *)s->regs;
    p->st.regs.size = DEVSTATE_REGS_LEN;
    for (node = s->entries; node && i < DEVSTATE_N_ENTRIES;
         node = node->next, i++) {
        p->entries[i].addr = (long)node->value->addr;
        p->entries[i].len = (long)node->value->len;
        p->entries[i].flags = (long)node->value->flags;
        p->entries[i].prio = (long)node->value->prio;
        if (ASN_SEQUENCE_ADD(&p->st.entries.list, &p->entries[i]) != 0) {
            asn1c_peer_free(p);
            return NULL;
        }
    }
    p->st.blob.buf = s->blob;
    p->st.blob.size = (int)s->blob_len;
    return p;
}

void asn1c_peer_free(Asn1cPeer *p)
{
    if (!p) {
        return;
    }
    /* only the list's pointer array is asn1c's; the rest is borrowed */
    free(p->st.entries.list.array);
    free(p);
}

long asn1c_peer_encode(Asn1cPeer *p, uint8_t *buf, size_t cap)
{
    asn_enc_rval_t rv = der_encode_to_buffer(&asn_DEF_DevState, &p->st, buf,
                                             cap);

    return rv.encoded < 0 ? -1 : (long)rv.encoded;
}

bool asn1c_peer_decode(const uint8_t *der, size_t len)
{
    DevState_t *st = NULL;
    asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_DevState, (void **)&st,
                                   der, len);
    bool ok = rv.code == RC_OK && rv.consumed == len;

    ASN_STRUCT_FREE(asn_DEF_DevState, st);
    return ok;
}

DevState *asn1c_peer_decode_to_native(const uint8_t *der, size_t len)
{
    DevState_t *st = NULL;
    asn_dec_rval_t rv = ber_decode(NULL, &asn_DEF_DevState, (void **)&st,
                                   der, len);
    DevState *s = NULL;
    EntryList **tail;

    if (rv.code != RC_OK || rv.consumed != len ||
        st->regs.size != DEVSTATE_REGS_LEN) {
        goto out;
    }
    s = calloc(1, sizeof(*s));
    s->id = (uint32_t)st->id;
    s->counter = st->counter;
    s->enabled = st->enabled != 0;
    s->name = calloc(1, (size_t)st->name.size + 1);
    memcpy(s->name, st->name.buf, (size_t)st->name.size);
    memcpy(s->regs, st->regs.buf, DEVSTATE_REGS_LEN);
    tail = &s->entries;
    for (int i = 0; i < st->entries.list.count; i++) {
        const Entry_t *e = st->entries.list.array[i];
        EntryList *node = calloc(1, sizeof(*node));

        node->value = calloc(1, sizeof(*node->value));
        node->value->addr = (uint64_t)e->addr;
        node->value->len = (uint32_t)e->len;
        node->value->flags = (uint16_t)e->flags;
        node->value->prio = (int8_t)e->prio;
        *tail = node;
        tail = &node->next;
    }
    s->blob_len = (size_t)st->blob.size;
    s->blob = malloc(s->blob_len ? s->blob_len : 1);
    memcpy(s->blob, st->blob.buf, s->blob_len);
out:
    ASN_STRUCT_FREE(asn_DEF_DevState, st);
    return s;
}

const char *asn1c_peer_version(void)
{
#ifdef ASN1C_PEER_VERSION
    return ASN1C_PEER_VERSION;
#else
    return "unknown";
#endif
}
