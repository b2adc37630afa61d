/*
 * nvram/format.c: header and entry layout of an NVRAM image, written and
 * read through the BER visitors (the format eats its own cooking).
 *
 * Only TLV headers (SEQUENCE and OCTET STRING framing of fixed regions)
 * and the header's check INTEGER are assembled here, from the shared X.690
 * codec's primitives: they frame byte ranges whose sizes are fixed by the
 * geometry. Everything with structure (the header body, copy metadata)
 * goes through the visitors, in the types and visit code that qvisit-gen
 * generates from nvram/format.json.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "nvram/crc32c.h"
#include "nvram/format.h"
#include "nvram/gen/format-qapi-visit.h"
#include "visitors/ber-codec.h"
#include "visitors/ber-visitor.h"

/*** TLV framing, through the shared X.690 codec ***/

/*
 * Write a DER identifier (universal class, @constructed, @tag) and the
 * minimal length @len at @out; returns the header size (at most
 * BER_IDENTIFIER_MAX + BER_LENGTH_MAX octets, 10 for universal tags).
 */
static size_t tlv_put_header(uint8_t *out, bool constructed, uint64_t tag,
                             uint64_t len)
{
    size_t n = ber_encode_identifier(out, BER_CLASS_UNIVERSAL, constructed,
                                     tag);

    return n + ber_encode_length(out + n, len);
}

/*
 * Find the content length of one TLV of exactly @total bytes (universal
 * tag below 31, so a one-octet identifier). Some totals (1, 130, 259,
 * 65540...) have none: the header grows by one byte just where the
 * content would reach them.
 */
static bool tlv_content_for_total(uint64_t total, uint64_t *content)
{
    for (size_t lsize = 1; lsize <= BER_LENGTH_MAX; lsize++) {
        if (total < 1 + lsize) {
            return false;
        }
        uint64_t c = total - 1 - lsize;
        if (ber_length_size(c) == lsize) {
            *content = c;
            return true;
        }
    }
    return false;
}

/*
 * Write the header(s) of a filler covering exactly @total bytes: one
 * OCTET STRING, or, when @total has no single-TLV form, an empty OCTET
 * STRING followed by one covering the rest. Returns the bytes written
 * (<= 12) at @out; the filler contents after them are not significant.
 * @total must be 0 or >= 2 (asserted).
 */
static size_t fill_put_headers(uint8_t *out, uint64_t total)
{
    uint64_t content;
    size_t n = 0;

    if (total == 0) {
        return 0;
    }
    g_assert(total >= 2);
    if (!tlv_content_for_total(total, &content)) {
        n = tlv_put_header(out, false, BER_TAG_OCTET_STRING, 0);
        total -= n;
        g_assert(tlv_content_for_total(total, &content));
    }
    return n + tlv_put_header(out + n, false, BER_TAG_OCTET_STRING, content);
}

/*
 * Say that *@errp, from decoding @what (at image offset @at) with a visitor
 * whose base offset was @at, is about @what. The input visitor's messages
 * name the image offset of the failing element; the visit core's range
 * checks ("Parameter 'x' expects uint32_t") name none, so those get @what's.
 */
static void error_prepend_decoded(Error **errp, const char *what, uint64_t at)
{
    if (g_str_has_prefix(error_get_pretty(*errp), "offset ")) {
        error_prepend(errp, "%s: ", what);
    } else {
        error_prepend(errp, "%s at offset %" PRIu64 ": ", what, at);
    }
}

/*
 * Parse a DER TLV header at @buf[@pos] within [@pos, @end) and require the
 * universal identifier (@constructed, @tag). @base is the image offset of
 * @buf[0], for messages.
 */
static bool tlv_get(const uint8_t *buf, size_t pos, size_t end, uint64_t base,
                    bool constructed, uint64_t tag, const char *what,
                    size_t *content_pos, uint64_t *content_len, Error **errp)
{
    BERHeader hdr;
    size_t err_offset = pos;
    BERStatus status;

    status = ber_read_header(buf, end, pos, BER_MODE_DER, &hdr, &err_offset);
    if (status != BER_OK) {
        error_setg(errp, "offset %" PRIu64 ": %s: %s", base + err_offset,
                   what, ber_status_message(status));
        return false;
    }
    if (hdr.tag_class != BER_CLASS_UNIVERSAL ||
        hdr.constructed != constructed || hdr.tag != tag) {
        char found[48];

        error_setg(errp, "offset %" PRIu64 ": %s: expected %s%s, found %s%s",
                   base + pos, what, ber_universal_tag_name(tag),
                   constructed ? "" : " (primitive)",
                   ber_describe_tag(hdr.tag_class, hdr.tag, found,
                                    sizeof(found)),
                   hdr.constructed ? " (constructed)" : " (primitive)");
        return false;
    }
    *content_pos = pos + hdr.header_length;
    *content_len = hdr.length;
    return true;
}

/* Check that [@pos, @end) holds only filler OCTET STRINGs. */
static bool fill_check(const uint8_t *buf, size_t pos, size_t end,
                       uint64_t base, Error **errp)
{
    while (pos < end) {
        size_t cpos;
        uint64_t clen;
        if (!tlv_get(buf, pos, end, base, false, BER_TAG_OCTET_STRING,
                     "filler", &cpos, &clen, errp)) {
            return false;
        }
        pos = cpos + (size_t)clen;
    }
    return true;
}

/* Encode @value as a DER INTEGER; returns bytes written (<= 11). */
static size_t der_put_uint(uint8_t *out, uint64_t value)
{
    uint8_t content[BER_INTEGER_MAX];
    size_t len = ber_encode_uint64(content, value);
    size_t n = tlv_put_header(out, false, BER_TAG_INTEGER, len);

    memcpy(out + n, content, len);
    return n + len;
}

/* Decode a DER INTEGER that must fit 32 bits unsigned. */
static bool der_get_uint32(const uint8_t *buf, size_t pos, size_t end,
                           uint64_t base, const char *what, uint32_t *value,
                           size_t *next, Error **errp)
{
    size_t cpos;
    uint64_t clen, v;
    BERStatus status;

    if (!tlv_get(buf, pos, end, base, false, BER_TAG_INTEGER, what, &cpos,
                 &clen, errp)) {
        return false;
    }
    status = ber_decode_uint64(buf + cpos, (size_t)clen, &v);
    if (status == BER_OK && v > UINT32_MAX) {
        status = BER_ERR_INTEGER_RANGE;
    }
    if (status != BER_OK) {
        error_setg(errp, "offset %" PRIu64 ": %s: %s (want an unsigned "
                   "32-bit INTEGER)", base + cpos, what,
                   ber_status_message(status));
        return false;
    }
    *value = (uint32_t)v;
    *next = cpos + (size_t)clen;
    return true;
}

static uint64_t align_up(uint64_t v)
{
    return (v + NVRAM_ALIGN - 1) / NVRAM_ALIGN * NVRAM_ALIGN;
}

/*** Header and metadata: nvram/format.json's types and visitors ***/

/*
 * In memory a header body and copy metadata are always in format 2's
 * shape; format 1's types (the same members less those format 2 added)
 * are converted to and from it at the visit.
 */

/*
 * The members both versions of a header body have, from @src to @dst
 * (pointers shared, not copied).
 */
#define HEADER_BODY_COPY_COMMON(dst, src)                                  \
    do {                                                                  \
        (dst)->magic = (src)->magic;                                      \
        (dst)->version = (src)->version;                                  \
        (dst)->flags = (src)->flags;                                      \
        memcpy((dst)->image_id, (src)->image_id, NVRAM_IMAGE_ID_LEN);     \
        (dst)->image_size = (src)->image_size;                            \
        (dst)->header_size = (src)->header_size;                          \
        (dst)->key_check = (src)->key_check;                              \
        (dst)->key_check_len = (src)->key_check_len;                      \
    } while (0)

/* Format 1's header body @b1, taken over into format 2's shape. */
static NVRAMHeaderBodyV2 *header_body_widen(NVRAMHeaderBodyV1 *b1)
{
    NVRAMHeaderBodyV2 *body = g_new0(NVRAMHeaderBodyV2, 1);
    NVRAMHeaderEntryV2List **tail = &body->entries;

    HEADER_BODY_COPY_COMMON(body, b1);
    b1->magic = NULL;
    b1->key_check = NULL;
    for (NVRAMHeaderEntryV1List *e = b1->entries; e; e = e->next) {
        NVRAMHeaderEntryV2 *he = g_new0(NVRAMHeaderEntryV2, 1);

        *qapi_NVRAMHeaderEntryV2_base(he) = *e->value;
        e->value->name = NULL;
        QAPI_LIST_APPEND(tail, he);
    }
    qapi_free_NVRAMHeaderBodyV1(b1);
    return body;
}

/*
 * The format version the header body encoded in @buf (@len bytes) claims,
 * read as the prefix both versions share; 0 when it is unreadable (the
 * visit of the whole body then fails there, with the message it gives).
 */
static uint32_t header_body_version(const uint8_t *buf, size_t len)
{
    NVRAMHeaderPrefix prefix = { 0 };
    Visitor *v = ber_input_visitor_new(buf, len, BER_MODE_DER);

    if (visit_start_struct(v, NULL, NULL, 0, NULL)) {
        if (!visit_type_NVRAMHeaderPrefix_members(v, &prefix, NULL)) {
            prefix.version = 0;
        }
        visit_end_struct(v, NULL);
    }
    visit_free(v);
    g_free(prefix.magic);
    return prefix.version;
}

/*
 * Decode the header body in @buf (@len bytes, at image offset @at) with
 * the type of the version it claims: format 2's from version 2 on (a
 * later version is refused once decoded, layout_from_body()), else
 * format 1's. Errors name image offsets.
 */
static bool header_body_decode(const uint8_t *buf, size_t len, uint64_t at,
                               NVRAMHeaderBodyV2 **body, Error **errp)
{
    BEROptions opts = { .base_offset = at };
    Visitor *v = ber_input_visitor_new_opts(buf, len, BER_MODE_DER, &opts);
    NVRAMHeaderBodyV1 *b1 = NULL;
    bool ok;

    if (header_body_version(buf, len) >= 2) {
        ok = visit_type_NVRAMHeaderBodyV2(v, NULL, body, errp);
    } else if ((ok = visit_type_NVRAMHeaderBodyV1(v, NULL, &b1, errp))) {
        *body = header_body_widen(b1);
    }
    ok = ok && ber_input_visitor_finish(v, errp);
    visit_free(v);
    return ok;
}

/*
 * Visit the copy metadata *@meta in format @version's type (format 1's
 * has no meta-check); on input *@meta is NULL and gets a new one.
 */
static bool visit_copy_meta(Visitor *v, uint32_t version,
                            NVRAMCopyMetaV2 **meta, Error **errp)
{
    NVRAMCopyMetaV1 *m1;

    if (version >= 2) {
        return visit_type_NVRAMCopyMetaV2(v, NULL, meta, errp);
    }
    m1 = *meta ? qapi_NVRAMCopyMetaV2_base(*meta) : NULL;
    if (!visit_type_NVRAMCopyMetaV1(v, NULL, &m1, errp)) {
        return false;
    }
    if (!*meta) {
        *meta = g_new0(NVRAMCopyMetaV2, 1);
        *qapi_NVRAMCopyMetaV2_base(*meta) = *m1;
        qapi_free_NVRAMCopyMetaV1(m1);
    }
    return true;
}

/*** Geometry ***/

uint64_t nvram_copy_capacity(uint64_t copy_size)
{
    return copy_size > NVRAM_COPY_OVERHEAD ? copy_size - NVRAM_COPY_OVERHEAD
                                           : 0;
}

void nvram_layout_free(NVRAMLayout *layout)
{
    if (layout) {
        g_free(layout->entries);
        g_free(layout);
    }
}

const NVRAMLayoutEntry *nvram_layout_find(const NVRAMLayout *layout,
                                          const char *name)
{
    for (size_t i = 0; i < layout->n_entries; i++) {
        if (strcmp(layout->entries[i].name.name, name) == 0) {
            return &layout->entries[i];
        }
    }
    return NULL;
}

/* The DER encoding of the header body of @layout. */
static GByteArray *header_body_encode(const NVRAMLayout *layout)
{
    NVRAMHeaderBodyV2 body = {
        .magic = (char *)NVRAM_MAGIC,
        .version = layout->version,
        .flags = layout->flags,
        .image_size = layout->image_size,
        .header_size = layout->header_size,
        .layout_generation = layout->layout_generation,
        .key_check = (uint8_t *)layout->key_check,
        .key_check_len = layout->key_check_len,
    };
    NVRAMHeaderBodyV1 b1;
    size_t n = layout->n_entries;
    NVRAMHeaderEntryV2 *items = g_new0(NVRAMHeaderEntryV2, n);
    NVRAMHeaderEntryV2List *nodes = g_new0(NVRAMHeaderEntryV2List, n);
    NVRAMHeaderEntryV1List *nodes1 = g_new0(NVRAMHeaderEntryV1List, n);
    GByteArray *out = NULL;
    Visitor *v;

    memcpy(body.image_id, layout->image_id, NVRAM_IMAGE_ID_LEN);
    for (size_t i = 0; i < n; i++) {
        items[i].name = (char *)layout->entries[i].name.name;
        items[i].id = layout->entries[i].id;
        items[i].offset = layout->entries[i].offset;
        items[i].copy_size = layout->entries[i].copy_size;
        items[i].policy = layout->entries[i].policy;
        nodes[i].value = &items[i];
        nodes[i].next = i + 1 < n ? &nodes[i + 1] : NULL;
        nodes1[i].value = qapi_NVRAMHeaderEntryV2_base(&items[i]);
        nodes1[i].next = i + 1 < n ? &nodes1[i + 1] : NULL;
    }
    body.entries = n ? nodes : NULL;
    v = ber_output_visitor_new(BER_MODE_DER, &out);
    if (layout->version >= 2) {
        NVRAMHeaderBodyV2 *pbody = &body;

        visit_type_NVRAMHeaderBodyV2(v, NULL, &pbody, &error_abort);
    } else {
        NVRAMHeaderBodyV1 *pb1 = &b1;

        HEADER_BODY_COPY_COMMON(&b1, &body);
        b1.entries = n ? nodes1 : NULL;
        visit_type_NVRAMHeaderBodyV1(v, NULL, &pb1, &error_abort);
    }
    visit_complete(v, &out);
    visit_free(v);
    g_free(nodes1);
    g_free(nodes);
    g_free(items);
    return out;
}

/* Bytes of the header of the image SEQUENCE covering @image_size bytes. */
static size_t image_header_size(uint64_t image_size)
{
    uint64_t content;

    g_assert(tlv_content_for_total(image_size, &content));
    return (size_t)(image_size - content);
}

/*
 * Bytes of the header region before its filler: image SEQUENCE header,
 * header SEQUENCE header, body, check INTEGER (upper bound).
 */
static uint64_t header_used_bound(size_t body_len)
{
    return 10 + 10 + body_len + 7;
}

/*
 * The bytes the image SEQUENCE covers on a drive of @storage_size bytes
 * when the regions end at @end: as much of the drive as one TLV can cover
 * with a fillable tail (a gap size leaves one byte outside).
 */
static uint64_t image_cover(uint64_t end, uint64_t storage_size)
{
    uint64_t content;

    if (storage_size <= end) {
        return end;
    }
    for (uint64_t size = storage_size; size > end; size--) {
        if (size - end >= 2 && tlv_content_for_total(size, &content)) {
            return size;
        }
    }
    return end;
}

/*
 * The size of one header copy of @l (version 2; version 1 has one copy of
 * header_size bytes): enough for the body, and a size both copies can
 * fill as one TLV (copy A after the image SEQUENCE's header).
 */
static uint64_t header_copy_need(const NVRAMLayout *l)
{
    GByteArray *body = header_body_encode(l);
    uint64_t content, hsize = align_up(header_used_bound(body->len) + 2);

    g_byte_array_unref(body);
    while (!tlv_content_for_total(hsize - image_header_size(l->image_size),
                                  &content) ||
           !tlv_content_for_total(hsize, &content)) {
        hsize += NVRAM_ALIGN;
    }
    return hsize;
}

uint64_t nvram_header_copy_size(const NVRAMLayout *layout)
{
    return layout->version >= 2 ? layout->header_size / 2
                                : layout->header_size;
}

void nvram_layout_place(NVRAMLayout *l, uint64_t min_header,
                        uint64_t storage_size)
{
    unsigned copies = l->version >= 2 ? 2 : 1;

    /*
     * The header encodes the offsets, which depend on the header size:
     * iterate until the size is stable (offsets only grow the encoding,
     * so this ends after a few rounds).
     */
    l->header_size = MAX((min_header + copies * NVRAM_ALIGN - 1) /
                         (copies * NVRAM_ALIGN) * (copies * NVRAM_ALIGN),
                         copies * NVRAM_ALIGN);
    for (;;) {
        uint64_t offset = l->header_size, hsize;

        for (size_t i = 0; i < l->n_entries; i++) {
            l->entries[i].offset = offset;
            offset += 2 * l->entries[i].copy_size;
        }
        l->image_size = image_cover(offset, storage_size);
        hsize = copies * header_copy_need(l);
        if (hsize <= l->header_size) {
            break;
        }
        l->header_size = hsize;
    }
}

/* The entry of @l with id @id, or NULL. */
static const NVRAMLayoutEntry *layout_find_id(const NVRAMLayout *l,
                                              uint32_t id)
{
    for (size_t i = 0; i < l->n_entries; i++) {
        if (l->entries[i].id == id) {
            return &l->entries[i];
        }
    }
    return NULL;
}

bool nvram_layout_keeps(const NVRAMLayout *l, const NVRAMLayout *old,
                        const NVRAMLayoutEntry *e)
{
    const NVRAMLayoutEntry *o = layout_find_id(old, e->id);

    return old->version == l->version && o && o->offset == e->offset &&
           o->copy_size == e->copy_size;
}

void nvram_layout_place_relayout(NVRAMLayout *l, const NVRAMLayout *old,
                                 uint64_t storage_size)
{
    uint64_t hsize = MAX(old->header_size, 2 * NVRAM_ALIGN);
    uint64_t old_end = MAX(nvram_layout_end(old), old->header_size);

    hsize = (hsize + 2 * NVRAM_ALIGN - 1) / (2 * NVRAM_ALIGN) *
            (2 * NVRAM_ALIGN);
    for (;;) {
        uint64_t free = align_up(MAX(old_end, hsize)), need;

        for (size_t i = 0; i < l->n_entries; i++) {
            NVRAMLayoutEntry *e = &l->entries[i];
            const NVRAMLayoutEntry *o = layout_find_id(old, e->id);

            /*
             * A slot stays where it is when its copies need no rewrite
             * (same format, same size) and the header region does not
             * reach it; any other goes past everything @old uses, so the
             * old layout stays intact until the new header is flushed.
             */
            if (o && old->version == l->version &&
                o->copy_size == e->copy_size && o->offset >= hsize) {
                e->offset = o->offset;
            } else {
                e->offset = free;
                free += 2 * e->copy_size;
            }
        }
        l->header_size = hsize;
        l->image_size = image_cover(nvram_layout_end(l), storage_size);
        need = 2 * header_copy_need(l);
        if (need <= hsize) {
            break;
        }
        hsize = need;
    }
}

int nvram_layout_compute(const NVRAMEntrySpec *specs, size_t n,
                         uint64_t storage_size, NVRAMLayout **layout,
                         Error **errp)
{
    return nvram_layout_compute_full(specs, NULL, n, storage_size, false,
                                     layout, errp);
}

int nvram_layout_compute_full(const NVRAMEntrySpec *specs,
                              const NVRAMEntryPolicy *policies, size_t n,
                              uint64_t storage_size, bool encrypted,
                              NVRAMLayout **layout, Error **errp)
{
    NVRAMLayout *l;

    if (n == 0 || n > NVRAM_MAX_ENTRIES) {
        error_setg(errp, "an image needs 1 to %u entries, not %zu",
                   NVRAM_MAX_ENTRIES, n);
        return -NVRAM_ERR_INVALID;
    }
    l = g_new0(NVRAMLayout, 1);
    l->version = NVRAM_FORMAT_VERSION;
    l->layout_generation = 1;
    if (encrypted) {
        l->flags = NVRAM_FLAG_ENCRYPTED;
        l->key_check_len = NVRAM_KEY_CHECK_LEN;
    }
    l->n_entries = n;
    l->entries = g_new0(NVRAMLayoutEntry, n);
    for (size_t i = 0; i < n; i++) {
        uint64_t copy;
        if (!nvram_entry_name_init(&l->entries[i].name, specs[i].name, errp)) {
            goto fail;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(l->entries[j].name.name, specs[i].name) == 0) {
                error_setg(errp, "entry '%s' is listed twice", specs[i].name);
                goto fail;
            }
        }
        if (specs[i].max_size == 0 ||
            specs[i].max_size > NVRAM_MAX_COPY_SIZE - NVRAM_COPY_OVERHEAD -
                                NVRAM_ALIGN) {
            error_setg(errp, "entry '%s': size %" PRIu64 " is out of range "
                       "(1 to %llu bytes)", specs[i].name, specs[i].max_size,
                       NVRAM_MAX_COPY_SIZE - NVRAM_COPY_OVERHEAD -
                       NVRAM_ALIGN);
            goto fail;
        }
        if (policies && (unsigned)policies[i] > NVRAM_POLICY_MIRROR) {
            error_setg(errp, "entry '%s': unknown policy %d", specs[i].name,
                       policies[i]);
            goto fail;
        }
        copy = align_up(specs[i].max_size + NVRAM_COPY_OVERHEAD);
        l->entries[i].id = (uint32_t)(i + 1);
        l->entries[i].copy_size = copy;
        l->entries[i].policy = policies ? policies[i] : NVRAM_POLICY_ALTERNATE;
    }
    for (size_t i = 0; i < NVRAM_IMAGE_ID_LEN; i += 4) {
        uint32_t r = g_random_int();
        memcpy(l->image_id + i, &r, 4);
    }
    nvram_layout_place(l, 0, storage_size);
    *layout = l;
    return 0;

fail:
    nvram_layout_free(l);
    return -NVRAM_ERR_INVALID;
}

/*
 * Version 2's check of the metadata alone: CRC-32C of the image id and
 * the five fields and the value's check, each 8 bytes big-endian. It lets
 * a reader believe the generation of a copy whose value is damaged, and
 * so tell the older copy damaged (no loss) from the newest (a rollback).
 */
static uint32_t copy_meta_check_value(const NVRAMLayout *layout,
                                      const NVRAMCopyMetaV2 *meta)
{
    uint8_t fixed[NVRAM_IMAGE_ID_LEN + 6 * 8];
    uint64_t fields[6] = {
        meta->entry_id, meta->generation, meta->encoding, meta->flags,
        meta->payload_length, meta->check
    };

    memcpy(fixed, layout->image_id, NVRAM_IMAGE_ID_LEN);
    for (int f = 0; f < 6; f++) {
        for (int i = 0; i < 8; i++) {
            fixed[NVRAM_IMAGE_ID_LEN + f * 8 + i] =
                (uint8_t)(fields[f] >> (56 - 8 * i));
        }
    }
    return nvram_crc32c(0, fixed, sizeof(fixed));
}

static uint32_t copy_check_value(const NVRAMLayout *layout,
                                 const NVRAMCopyMetaV2 *meta,
                                 const uint8_t *payload, size_t len)
{
    uint8_t fixed[NVRAM_IMAGE_ID_LEN + 5 * 8];
    uint64_t fields[5] = {
        meta->entry_id, meta->generation, meta->encoding, meta->flags,
        meta->payload_length
    };
    uint32_t crc;

    memcpy(fixed, layout->image_id, NVRAM_IMAGE_ID_LEN);
    for (int f = 0; f < 5; f++) {
        for (int i = 0; i < 8; i++) {
            fixed[NVRAM_IMAGE_ID_LEN + f * 8 + i] =
                (uint8_t)(fields[f] >> (56 - 8 * i));
        }
    }
    crc = nvram_crc32c(0, fixed, sizeof(fixed));
    return nvram_crc32c(crc, payload, len);
}

int nvram_copy_frame(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                     uint64_t generation, NVRAMEncoding encoding,
                     uint32_t flags,
                     const uint8_t *payload, size_t payload_len,
                     NVRAMCopyFrame *frame, Error **errp)
{
    NVRAMCopyMetaV2 meta = {
        .entry_id = entry->id,
        .generation = generation,
        .encoding = encoding,
        .flags = flags,
        .payload_length = payload_len,
    };
    NVRAMCopyMetaV2 *pmeta = &meta;
    GByteArray *enc = NULL;
    uint64_t content, used, rest;
    size_t n;
    Visitor *v;

    meta.check = copy_check_value(layout, &meta, payload, payload_len);
    meta.meta_check = copy_meta_check_value(layout, &meta);
    v = ber_output_visitor_new(BER_MODE_DER, &enc);
    visit_copy_meta(v, layout->version, &pmeta, &error_abort);
    visit_complete(v, &enc);
    visit_free(v);

    g_assert(tlv_content_for_total(entry->copy_size, &content));
    used = enc->len + 1 + ber_length_size(payload_len);
    rest = content;
    if (payload_len > rest || used > rest - payload_len ||
        rest - payload_len - used == 1) {
        error_setg(errp, "entry '%s': the value (%zu bytes) does not fit its "
                   "slot (%" PRIu64 " bytes guaranteed)", entry->name.name,
                   payload_len, nvram_copy_capacity(entry->copy_size));
        g_byte_array_unref(enc);
        return -NVRAM_ERR_PAYLOAD_TOO_LARGE;
    }
    rest -= payload_len + used;

    /* seven INTEGERs of at most 11 octets each, three headers */
    g_assert(enc->len + 3 * (1 + BER_LENGTH_MAX) <= NVRAM_COPY_HEAD_MAX);
    n = tlv_put_header(frame->head, true, BER_TAG_SEQUENCE, content);
    memcpy(frame->head + n, enc->data, enc->len);
    n += enc->len;
    n += tlv_put_header(frame->head + n, false, BER_TAG_OCTET_STRING,
                        payload_len);
    frame->head_len = n;
    frame->tail_len = fill_put_headers(frame->tail, rest);
    g_byte_array_unref(enc);
    return 0;
}

int nvram_copy_build(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                     uint64_t generation, NVRAMEncoding encoding,
                     uint32_t flags,
                     const uint8_t *payload, size_t payload_len,
                     GByteArray **out, Error **errp)
{
    NVRAMCopyFrame frame;
    GByteArray *buf;
    int ret;

    ret = nvram_copy_frame(layout, entry, generation, encoding, flags,
                           payload, payload_len, &frame, errp);
    if (ret < 0) {
        return ret;
    }
    buf = g_byte_array_sized_new((guint)(frame.head_len + payload_len +
                                         frame.tail_len));
    g_byte_array_append(buf, frame.head, (guint)frame.head_len);
    if (payload_len) {
        g_byte_array_append(buf, payload, (guint)payload_len);
    }
    g_byte_array_append(buf, frame.tail, (guint)frame.tail_len);
    *out = buf;
    return 0;
}

bool nvram_copy_parse(const NVRAMLayout *layout, const NVRAMLayoutEntry *entry,
                      const uint8_t *buf, uint64_t offset, NVRAMCopyView *view,
                      Error **errp)
{
    size_t size = (size_t)entry->copy_size;
    size_t cpos, meta_pos, ppos;
    uint64_t clen, mlen, plen;
    NVRAMCopyMetaV2 *meta = NULL;
    BEROptions opts = { 0 };
    Error *local_err = NULL;
    Visitor *v;
    bool ok = false;

    memset(view, 0, sizeof(*view));
    if (!tlv_get(buf, 0, size, offset, true, BER_TAG_SEQUENCE, "copy", &cpos,
                 &clen, errp)) {
        return false;
    }
    if (cpos + clen != size) {
        error_setg(errp, "offset %" PRIu64 ": copy: length %" PRIu64
                   " does not fill its %zu-byte slot", offset, clen, size);
        return false;
    }
    meta_pos = cpos;
    if (!tlv_get(buf, meta_pos, size, offset, true, BER_TAG_SEQUENCE,
                 "copy metadata", &cpos, &mlen, errp)) {
        return false;
    }
    opts.base_offset = offset + meta_pos;
    v = ber_input_visitor_new_opts(buf + meta_pos,
                                   cpos + (size_t)mlen - meta_pos,
                                   BER_MODE_DER, &opts);
    if (!visit_copy_meta(v, layout->version, &meta, &local_err) ||
        !ber_input_visitor_finish(v, &local_err)) {
        visit_free(v);
        error_prepend_decoded(&local_err, "copy metadata", opts.base_offset);
        error_propagate(errp, local_err);
        goto out;
    }
    visit_free(v);
    ppos = cpos + (size_t)mlen;
    if (!tlv_get(buf, ppos, size, offset, false, BER_TAG_OCTET_STRING,
                 "value", &cpos, &plen, errp)) {
        goto out;
    }
    if (meta->entry_id != entry->id) {
        error_setg(errp, "offset %" PRIu64 ": copy belongs to entry id %"
                   PRIu32 ", not %" PRIu32 " ('%s')", offset + meta_pos,
                   meta->entry_id, entry->id, entry->name.name);
        goto out;
    }
    if (layout->version >= 2) {
        if (copy_meta_check_value(layout, meta) != meta->meta_check) {
            error_setg(errp, "offset %" PRIu64 ": metadata check value "
                       "mismatch", offset + meta_pos);
            goto out;
        }
        /* the metadata holds, whatever happened to the value */
        view->meta_verified = true;
        view->generation = meta->generation;
    }
    if (meta->generation == 0 && (meta->payload_length || meta->flags)) {
        error_setg(errp, "offset %" PRIu64 ": generation 0 (never written) "
                   "with a %" PRIu64 "-byte value or flags 0x%" PRIx32,
                   offset + meta_pos, meta->payload_length, meta->flags);
        goto out;
    }
    if ((meta->flags & NVRAM_COPY_FLAG_ENCRYPTED) &&
        !(layout->flags & NVRAM_FLAG_ENCRYPTED)) {
        error_setg(errp, "offset %" PRIu64 ": sealed value in an image that "
                   "is not encrypted", offset + meta_pos);
        goto out;
    }
    if (meta->payload_length != plen) {
        error_setg(errp, "offset %" PRIu64 ": value length %" PRIu64
                   " differs from the metadata's %" PRIu64, offset + ppos,
                   plen, meta->payload_length);
        goto out;
    }
    if (meta->encoding >= NVRAM_ENCODING__MAX) {
        error_setg(errp, "offset %" PRIu64 ": unknown value encoding %" PRIu32,
                   offset + meta_pos, meta->encoding);
        goto out;
    }
    if (meta->flags & ~(NVRAM_COPY_FLAG_ENCRYPTED |
                        (layout->version >= 2 ? NVRAM_COPY_FLAG_MIRROR : 0))) {
        error_setg(errp, "offset %" PRIu64 ": unknown copy flags 0x%" PRIx32,
                   offset + meta_pos, meta->flags);
        goto out;
    }
    if (copy_check_value(layout, meta, buf + cpos, (size_t)plen) !=
        meta->check) {
        error_setg(errp, "offset %" PRIu64 ": check value mismatch (torn "
                   "write or damaged data)", offset);
        goto out;
    }
    if (!fill_check(buf, cpos + (size_t)plen, size, offset, errp)) {
        goto out;
    }
    view->verified = true;
    view->meta_verified = true;
    view->generation = meta->generation;
    view->flags = meta->flags;
    view->encoding = (NVRAMEncoding)meta->encoding;
    view->payload = buf + cpos;
    view->payload_len = (size_t)plen;
    ok = true;
out:
    qapi_free_NVRAMCopyMetaV2(meta);
    return ok;
}

/* True if the valid copies @a and @b hold the same commit. */
static bool copy_views_equal(const NVRAMCopyView *a, const NVRAMCopyView *b)
{
    return a->generation == b->generation && a->flags == b->flags &&
           a->encoding == b->encoding && a->payload_len == b->payload_len &&
           (a->payload_len == 0 ||
            memcmp(a->payload, b->payload, a->payload_len) == 0);
}

void nvram_copy_pick(const NVRAMCopyView views[2], NVRAMCopyInfo info[2],
                     NVRAMPick *pick)
{
    int best = -1;

    memset(pick, 0, sizeof(*pick));
    if (info[0].valid && info[1].valid &&
        views[0].generation == views[1].generation &&
        !copy_views_equal(&views[0], &views[1])) {
        /* Neither can be trusted over the other: serving one would guess. */
        for (int c = 0; c < 2; c++) {
            info[c].valid = false;
            info[c].problem = g_strdup_printf(
                "offset %" PRIu64 ": generation %" PRIu64 " is also at "
                "offset %" PRIu64 " with a different value", info[c].offset,
                views[c].generation, info[1 - c].offset);
        }
    }
    for (int c = 0; c < 2; c++) {
        if (info[c].valid &&
            (best < 0 || views[c].generation > views[best].generation)) {
            best = c;
        }
        if (views[c].meta_verified &&
            views[c].generation > pick->generation) {
            pick->generation = views[c].generation;
        }
    }
    pick->newest = best;
    if (best < 0) {
        pick->status = -NVRAM_ERR_ENTRY_CORRUPT;
        return;
    }
    if (views[best].generation == 0) {
        /*
         * The first write fills both copies before it is acknowledged, so
         * a generation-0 copy beside a damaged one means that no write of
         * the entry ever completed.
         */
        pick->status = -NVRAM_ERR_ENTRY_ABSENT;
        return;
    }
    /*
     * The other copy is damaged: it was the older one (no loss) only if
     * its check value still holds and its generation says so. Otherwise it
     * may have held the last commit (a generation read from a copy that
     * fails its check proves nothing), and the value served is the one
     * before it.
     */
    if (!info[1 - best].valid &&
        !(views[1 - best].meta_verified &&
          views[1 - best].generation <= views[best].generation) &&
        !(views[best].flags & NVRAM_COPY_FLAG_MIRROR)) {
        /*
         * A mirror commit is acknowledged once both copies hold it: next
         * to a copy a mirror commit wrote, a damaged copy held at most a
         * later commit that was never acknowledged (interrupted). (The
         * entry's policy alone would not do: its copies may have been
         * written under the other policy before.)
         */
        pick->rolled_back = true;
    }
}

int nvram_pick_result(const NVRAMPick *pick, const char *name,
                      const NVRAMCopyInfo info[2], Error **errp)
{
    if (pick->status == -NVRAM_ERR_ENTRY_CORRUPT) {
        error_setg(errp, "entry '%s': both copies are damaged (copy 0: %s; "
                   "copy 1: %s)", name, info[0].problem, info[1].problem);
    } else if (pick->status == -NVRAM_ERR_ENTRY_ABSENT) {
        error_setg(errp, "entry '%s' was never written", name);
    } else if (pick->rolled_back) {
        error_setg(errp, "entry '%s': the newest copy is damaged (%s); "
                   "served generation %" PRIu64 " from offset %" PRIu64
                   ", a later commit may be lost", name,
                   info[1 - pick->newest].problem,
                   info[pick->newest].generation, info[pick->newest].offset);
        return NVRAM_READ_ROLLED_BACK;
    }
    return pick->status;
}

/*** The header region ***/

uint8_t *nvram_header_encode(const NVRAMLayout *layout, int copy,
                             uint64_t *offset, size_t *len)
{
    GByteArray *body = header_body_encode(layout);
    uint64_t csize = nvram_header_copy_size(layout);
    uint8_t *region = g_malloc0((size_t)csize);
    uint64_t hcontent, icontent;
    size_t pos = 0;

    g_assert(copy == 0 || layout->version >= 2);
    if (copy == 0) {
        /* The image SEQUENCE covers exactly image_size bytes. */
        g_assert(tlv_content_for_total(layout->image_size, &icontent));
        pos = tlv_put_header(region, true, BER_TAG_SEQUENCE, icontent);
    }
    g_assert(tlv_content_for_total(csize - pos, &hcontent));
    pos += tlv_put_header(region + pos, true, BER_TAG_SEQUENCE, hcontent);
    memcpy(region + pos, body->data, body->len);
    pos += body->len;
    pos += der_put_uint(region + pos, nvram_crc32c(0, body->data, body->len));
    g_assert(csize - pos >= 2);
    pos += fill_put_headers(region + pos, csize - pos);
    g_byte_array_unref(body);
    *offset = copy == 0 ? 0 : csize;
    *len = pos;
    return region;
}

bool nvram_layout_equal(const NVRAMLayout *a, const NVRAMLayout *b)
{
    GByteArray *x = header_body_encode(a), *y = header_body_encode(b);
    bool equal = x->len == y->len && memcmp(x->data, y->data, x->len) == 0;

    g_byte_array_unref(x);
    g_byte_array_unref(y);
    return equal;
}

size_t nvram_filler_encode(uint8_t *out, uint64_t total)
{
    return fill_put_headers(out, total);
}

uint64_t nvram_layout_end(const NVRAMLayout *layout)
{
    uint64_t end = layout->header_size;

    for (size_t i = 0; i < layout->n_entries; i++) {
        const NVRAMLayoutEntry *e = &layout->entries[i];
        end = MAX(end, e->offset + 2 * e->copy_size);
    }
    return end;
}

int nvram_layout_check_whole(const NVRAMLayout *layout, Error **errp)
{
    if (!layout->truncated_to) {
        return 0;
    }
    error_setg(errp, "image too small: the NVRAM image needs %" PRIu64
               " bytes but the drive has %" PRIu64 " (truncated?); it can "
               "only be read", layout->image_size, layout->truncated_to);
    return -NVRAM_ERR_TOO_SMALL;
}

bool nvram_copy_beyond_drive(const NVRAMLayout *layout,
                             const NVRAMLayoutEntry *entry, int copy,
                             char **problem)
{
    uint64_t off = nvram_copy_offset(entry, copy);

    if (!layout->truncated_to ||
        off + entry->copy_size <= layout->truncated_to) {
        return false;
    }
    *problem = g_strdup_printf("offset %" PRIu64 ": the copy lies beyond the "
                               "end of the truncated drive (it needs %" PRIu64
                               " bytes, the drive has %" PRIu64 "; the image "
                               "needs %" PRIu64 ")", off,
                               off + entry->copy_size, layout->truncated_to,
                               layout->image_size);
    return true;
}

uint64_t nvram_copy_offset(const NVRAMLayoutEntry *entry, int copy)
{
    return entry->offset + (uint64_t)copy * entry->copy_size;
}

bool nvram_bytes_blank(const uint8_t *buf, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != buf[0]) {
            return false;
        }
    }
    return len == 0 || buf[0] == 0 || buf[0] == 0xff;
}

/*
 * The offset of the EntryDesc @he in the header @region (@len bytes): DER
 * is canonical, so its encoding occurs there as it was read. For messages.
 */
static uint64_t header_entry_offset(const uint8_t *region, size_t len,
                                    NVRAMHeaderEntryV2 *he, uint32_t version)
{
    GByteArray *enc = NULL;
    Visitor *v = ber_output_visitor_new(BER_MODE_DER, &enc);
    const uint8_t *at;

    if (version >= 2) {
        visit_type_NVRAMHeaderEntryV2(v, NULL, &he, &error_abort);
    } else {
        NVRAMHeaderEntryV1 *he1 = qapi_NVRAMHeaderEntryV2_base(he);

        visit_type_NVRAMHeaderEntryV1(v, NULL, &he1, &error_abort);
    }
    visit_complete(v, &enc);
    visit_free(v);
    at = memmem(region, len, enc->data, enc->len);
    g_byte_array_unref(enc);
    return at ? (uint64_t)(at - region) : 0;
}

/* Convert the visited header body into a validated layout. */
/* Compare two entries by offset, for the overlap check. */
static int entry_offset_cmp(const void *a, const void *b)
{
    const NVRAMLayoutEntry *x = *(NVRAMLayoutEntry *const *)a;
    const NVRAMLayoutEntry *y = *(NVRAMLayoutEntry *const *)b;

    return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int layout_from_body(NVRAMHeaderBodyV2 *body, uint64_t storage_size,
                            const uint8_t *region, const NVRAMHeaderProbe *p,
                            NVRAMLayout **out, Error **errp)
{
    size_t header_end = p->region_len;
    NVRAMLayoutEntry **order = NULL;
    NVRAMLayout *l;
    size_t n = 0;
    uint64_t offset, end;
    bool v2 = body->version >= 2;

    if (strcmp(body->magic, NVRAM_MAGIC) != 0) {
        error_setg(errp, "not an NVRAM image: bad magic");
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    if (body->version < 1 || body->version > NVRAM_FORMAT_VERSION) {
        error_setg(errp, "NVRAM format version %" PRIu32 " is not supported "
                   "(this library reads versions 1 to %d)", body->version,
                   NVRAM_FORMAT_VERSION);
        return -NVRAM_ERR_UNSUPPORTED_VERSION;
    }
    if (body->flags & ~NVRAM_FLAG_ENCRYPTED) {
        error_setg(errp, "NVRAM header has unknown flags 0x%" PRIx32,
                   body->flags);
        return -NVRAM_ERR_UNSUPPORTED_VERSION;
    }
    /*
     * Version 1: one header copy of header-size bytes. Version 2: two
     * copies of header-size / 2 bytes each, A at 0 and B right after it.
     */
    if (v2 ? (body->header_size % (2 * NVRAM_ALIGN) ||
              p->base + header_end != (p->copy + 1) * (body->header_size / 2))
           : (p->copy != 0 || body->header_size != header_end ||
              body->header_size % NVRAM_ALIGN)) {
        error_setg(errp, "corrupt NVRAM header: offset %" PRIu64 ": header "
                   "size %" PRIu64 " does not match its encoding (%zu bytes "
                   "of copy %d)", p->base, body->header_size, header_end,
                   p->copy);
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    if (v2 && body->layout_generation == 0) {
        error_setg(errp, "corrupt NVRAM header: offset %" PRIu64 ": layout "
                   "generation 0", p->base);
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    for (NVRAMHeaderEntryV2List *e = body->entries; e; e = e->next) {
        n++;
    }
    if (n == 0 || n > NVRAM_MAX_ENTRIES) {
        error_setg(errp, "corrupt NVRAM header: %zu entries", n);
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    if ((body->flags & NVRAM_FLAG_ENCRYPTED) ?
        body->key_check_len != NVRAM_KEY_CHECK_LEN : body->key_check_len) {
        error_setg(errp, "corrupt NVRAM header: key check of %zu bytes for "
                   "an image that is %sencrypted", body->key_check_len,
                   (body->flags & NVRAM_FLAG_ENCRYPTED) ? "" : "not ");
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    l = g_new0(NVRAMLayout, 1);
    l->version = body->version;
    l->flags = body->flags;
    l->key_check_len = body->key_check_len;
    if (body->key_check_len) {
        memcpy(l->key_check, body->key_check, body->key_check_len);
    }
    memcpy(l->image_id, body->image_id, NVRAM_IMAGE_ID_LEN);
    l->image_size = body->image_size;
    l->header_size = body->header_size;
    l->layout_generation = body->layout_generation;
    l->n_entries = n;
    l->entries = g_new0(NVRAMLayoutEntry, n);
    offset = body->header_size;
    n = 0;
    for (NVRAMHeaderEntryV2List *e = body->entries; e; e = e->next, n++) {
        NVRAMHeaderEntryV2 *he = e->value;
        NVRAMLayoutEntry *le = &l->entries[n];
        Error *local_err = NULL;

        if (he->id == 0) {
            error_setg(errp, "corrupt NVRAM header: offset %" PRIu64
                       ": entry '%s' has id 0 (ids start at 1)",
                       p->base + header_entry_offset(region, header_end, he,
                                                     body->version),
                       he->name);
            goto corrupt;
        }
        if (!nvram_entry_name_init(&le->name, he->name, &local_err)) {
            error_propagate_prepend(errp, local_err,
                                    "corrupt NVRAM header: entry %zu: ", n);
            goto corrupt;
        }
        for (size_t j = 0; j < n; j++) {
            if (strcmp(l->entries[j].name.name, le->name.name) == 0 ||
                l->entries[j].id == he->id) {
                error_setg(errp, "corrupt NVRAM header: entry '%s' duplicates "
                           "the name or id of entry %zu", he->name, j);
                goto corrupt;
            }
        }
        /*
         * Version 1: regions tile the image in order, each copy starting
         * where the previous one ends. Version 2: aligned regions in any
         * order (a relayout moves one), not overlapping (checked below).
         */
        if ((v2 ? he->offset < body->header_size ||
                  he->offset % NVRAM_ALIGN
                : he->offset != offset) ||
            he->copy_size < NVRAM_ALIGN ||
            he->copy_size % NVRAM_ALIGN ||
            he->copy_size > NVRAM_MAX_COPY_SIZE ||
            he->offset > UINT64_MAX - 2 * he->copy_size ||
            he->offset + 2 * he->copy_size > body->image_size) {
            error_setg(errp, "corrupt NVRAM header: entry '%s' has a bad "
                       "geometry (offset %" PRIu64 ", copy size %" PRIu64
                       ", image size %" PRIu64 ")", he->name, he->offset,
                       he->copy_size, body->image_size);
            goto corrupt;
        }
        if (he->policy > NVRAM_POLICY_MIRROR) {
            error_setg(errp, "corrupt NVRAM header: entry '%s' has an unknown "
                       "policy %" PRIu32, he->name, he->policy);
            goto corrupt;
        }
        le->id = he->id;
        le->offset = he->offset;
        le->copy_size = he->copy_size;
        le->policy = (NVRAMEntryPolicy)he->policy;
        offset += 2 * he->copy_size;
    }
    /* the end of the last region; no two regions overlap */
    order = g_new(NVRAMLayoutEntry *, l->n_entries);
    for (size_t i = 0; i < l->n_entries; i++) {
        order[i] = &l->entries[i];
    }
    qsort(order, l->n_entries, sizeof(*order), entry_offset_cmp);
    end = body->header_size;
    for (size_t i = 0; i < l->n_entries; i++) {
        if (order[i]->offset < end) {
            error_setg(errp, "corrupt NVRAM header: entry '%s' at offset %"
                       PRIu64 " overlaps the region before it (ending at %"
                       PRIu64 ")", order[i]->name.name, order[i]->offset, end);
            g_free(order);
            goto corrupt;
        }
        end = order[i]->offset + 2 * order[i]->copy_size;
    }
    g_free(order);
    offset = end;
    if (body->image_size > offset) {
        /* a filler needs two bytes at least (one or two OCTET STRINGs) */
        if (body->image_size - offset < 2) {
            error_setg(errp, "corrupt NVRAM header: the tail of %" PRIu64
                       " bytes cannot be filled", body->image_size - offset);
            goto corrupt;
        }
    }
    if (body->image_size > storage_size) {
        /* readable for what fits; writers refuse it */
        l->truncated_to = storage_size;
    }
    *out = l;
    return 0;

corrupt:
    nvram_layout_free(l);
    return -NVRAM_ERR_CORRUPT_HEADER;
}

/*
 * Read a DER header of a universal constructed SEQUENCE at @buf (of @avail
 * bytes) whose contents may lie beyond it. Returns the header size, or 0
 * when it is not such a header.
 */
static size_t tlv_peek_sequence(const uint8_t *buf, size_t avail,
                                uint64_t *len)
{
    BERHeader hdr;
    BERStatus status;

    status = ber_read_header(buf, avail, 0, BER_MODE_DER, &hdr, NULL);
    if (status == BER_ERR_LENGTH_PAST_END) {
        /*
         * The contents-fit check is the codec's last one, so the header
         * octets themselves are valid and lie within @avail: reading them
         * again without a limit on the contents touches nothing more.
         */
        status = ber_read_header(buf, SIZE_MAX, 0, BER_MODE_DER, &hdr, NULL);
    }
    if (status != BER_OK || hdr.tag_class != BER_CLASS_UNIVERSAL ||
        !hdr.constructed || hdr.tag != BER_TAG_SEQUENCE) {
        return 0;
    }
    *len = hdr.length;
    return hdr.header_length;
}

int nvram_header_probe(const uint8_t *first, size_t avail, uint64_t base,
                       int copy, uint64_t storage_size, NVRAMHeaderProbe *p,
                       Error **errp)
{
    const size_t magic_len = strlen(NVRAM_MAGIC);
    uint8_t buf[64];
    uint64_t ilen, hlen, blen;
    size_t ipos, hpos, n, mpos;
    BERHeader magic;

    memset(buf, 0, sizeof(buf));
    memcpy(buf, first, MIN(avail, sizeof(buf)));
    /* Recognize the magic before judging anything finer. */
    if (copy == 0) {
        /* copy A is the first thing in the image SEQUENCE */
        ipos = tlv_peek_sequence(buf, sizeof(buf), &ilen);
        if (!ipos) {
            goto foreign;
        }
    } else {
        ipos = 0;
        ilen = 0;
    }
    n = tlv_peek_sequence(buf + ipos, sizeof(buf) - ipos, &hlen);
    if (!n) {
        goto foreign;
    }
    hpos = ipos + n;
    n = tlv_peek_sequence(buf + hpos, sizeof(buf) - hpos, &blen);
    if (!n) {
        goto foreign;
    }
    mpos = hpos + n;
    if (ber_read_header(buf, sizeof(buf), mpos, BER_MODE_DER, &magic,
                        NULL) != BER_OK ||
        magic.tag_class != BER_CLASS_UNIVERSAL || magic.constructed ||
        magic.tag != BER_TAG_UTF8STRING || magic.length != magic_len ||
        memcmp(buf + mpos + magic.header_length, NVRAM_MAGIC,
               magic_len) != 0) {
        goto foreign;
    }

    /* It is ours: from here on a failure means a damaged header. */
    if (hlen > NVRAM_MAX_HEADER_SIZE || ilen > UINT64_MAX - ipos ||
        (copy == 0 && hlen > ilen)) {
        error_setg(errp, "corrupt NVRAM header: header length %" PRIu64
                   " at offset %" PRIu64 " is out of range", hlen,
                   base + ipos);
        return -NVRAM_ERR_CORRUPT_HEADER;
    }
    /*
     * Only the header copy itself must fit: an image longer than the drive
     * (truncated) is read for the copies that do (NVRAMLayout.truncated_to).
     */
    if (base + hpos + hlen > storage_size) {
        error_setg(errp, "image too small: the NVRAM header copy at offset %"
                   PRIu64 " needs %" PRIu64 " bytes but the drive has %"
                   PRIu64 " (truncated?)", base, base + hpos + hlen,
                   storage_size);
        return -NVRAM_ERR_TOO_SMALL;
    }
    p->copy = copy;
    p->base = base;
    p->image_end = ipos + ilen;
    p->body_pos = hpos;
    p->region_len = hpos + (size_t)hlen;
    return 0;

foreign:
    error_setg(errp, "not an NVRAM image (no '%s' header at offset %" PRIu64
               ")", NVRAM_MAGIC, base);
    return -NVRAM_ERR_CORRUPT_HEADER;
}

int nvram_header_parse(const uint8_t *region, const NVRAMHeaderProbe *p,
                       uint64_t storage_size, NVRAMLayout **layout,
                       Error **errp)
{
    size_t bpos = p->body_pos, hend = p->region_len, cpos, body_end, next;
    uint64_t base = p->base;
    NVRAMHeaderBodyV2 *body = NULL;
    Error *local_err = NULL;
    uint64_t blen;
    uint32_t check;
    int ret = -NVRAM_ERR_CORRUPT_HEADER;

    if (!tlv_get(region, bpos, hend, base, true, BER_TAG_SEQUENCE,
                 "header body", &cpos, &blen, &local_err)) {
        goto corrupt;
    }
    body_end = cpos + (size_t)blen;
    if (!der_get_uint32(region, body_end, hend, base, "header check", &check,
                        &next, &local_err)) {
        goto corrupt;
    }
    if (nvram_crc32c(0, region + bpos, body_end - bpos) != check) {
        error_setg(&local_err, "offset %" PRIu64 ": header check value "
                   "mismatch", base + body_end);
        goto corrupt;
    }
    if (!header_body_decode(region + bpos, body_end - bpos, base + bpos,
                            &body, &local_err)) {
        error_prepend_decoded(&local_err, "header body", base + bpos);
        goto corrupt;
    }
    if (!fill_check(region, next, hend, base, &local_err)) {
        goto corrupt;
    }
    if (p->copy == 0 && body->image_size != p->image_end) {
        error_setg(&local_err, "offset 0: image size %" PRIu64 " differs "
                   "from the image SEQUENCE (%" PRIu64 " bytes)",
                   body->image_size, p->image_end);
        goto corrupt;
    }
    ret = layout_from_body(body, storage_size, region, p, layout, errp);
    qapi_free_NVRAMHeaderBodyV2(body);
    return ret;

corrupt:
    error_propagate_prepend(errp, local_err, "corrupt NVRAM header: ");
    qapi_free_NVRAMHeaderBodyV2(body);
    return ret;
}
