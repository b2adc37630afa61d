/*
 * migration/mig-stream.c: the walk of a QEMU 7.2 migration stream that
 * serves both directions (see migstream.h).
 *
 * Every piece is read the same way: when reading native bytes (to a
 * visitor), the value is read from the stream, then visited; when writing
 * native bytes (from a visitor), it is visited, then written. Decisions
 * (which record, which RAM entry, whether a list goes on) come from the
 * stream in the first case and from the visited values in the second, so
 * one function per piece keeps both directions the same shape.
 *
 * Facts of the format (QEMU 7.2 migration/savevm.c, vmstate.c, ram.c):
 * header "QEVM" + be32 3; records are one type byte, then
 * start/full: be32 section_id, u8 len + idstr, be32 instance_id, be32
 * version_id; part/end: be32 section_id; a footer 0x7e + be32 section_id
 * follows each section; the configuration record is be32 len + machine
 * name; after the EOF byte come 0x06, be32 len and the vmdesc JSON.
 * Subsections: 0x05, u8 len + name, be32 version_id, fields. RAM entries:
 * be64 (address | flags), then the block name unless CONTINUE, then one
 * fill byte (ZERO) or a page (PAGE); MEM_SIZE lists the blocks.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>

#include "migration/migstream.h"
#include "migration/mig-desc.h"

#define SUBSECTION_BYTE 0x05
#define VMDESC_BYTE 0x06
#define FOOTER_BYTE 0x7e

#define RAM_FLAG_ZERO 0x02
#define RAM_FLAG_MEM_SIZE 0x04
#define RAM_FLAG_PAGE 0x08
#define RAM_FLAG_EOS 0x10
#define RAM_FLAG_CONTINUE 0x20

/* Limits on claims that drive loops or allocations. */
#define MAX_ARRAY_LEN (1u << 24)
#define MAX_ZERO_RUN (1ull << 32)
#define MAX_BYTES (64u << 20)
#define MAX_MACHINE_NAME 4096

static const uint8_t record_bytes[MIG_RECORD__MAX] = { 0, 1, 2, 3, 4, 7 };
static const char *const record_names[MIG_RECORD__MAX] = {
    "eof", "start", "part", "end", "full", "configuration",
};
static const QEnumLookup record_lookup = { record_names, NULL,
                                           MIG_RECORD__MAX };

typedef enum RamEntryType { RAM_EOS, RAM_SIZE, RAM_PAGE, RAM_ZERO,
                            RAM__MAX } RamEntryType;
static const char *const ram_names[RAM__MAX] = { "eos", "size", "page",
                                                 "zero" };
static const QEnumLookup ram_lookup = { ram_names, NULL, RAM__MAX };

typedef struct Codec {
    Visitor *v;
    bool to_native;            /* values come from v, bytes go to w */
    MigReader *r;
    MigWriter *w;
    const MigHooks *hooks;
    char *vmdesc;              /* the JSON text, "" when absent */
    MigDesc *desc;
    uint64_t page_size;
    GHashTable *sections;      /* section_id -> idstr */
    char block[256];           /* RAM block of the last page, for CONTINUE */
    bool have_block;
    int footers;               /* -1 not yet known; else whether sections have them */
    MigRecordInfo info;        /* of the record being walked */
    bool replay;               /* walking a record the second time */
    char machine[MAX_MACHINE_NAME + 1];
} Codec;

uint8_t mig_record_byte(MigRecordType t)
{
    g_assert(t < MIG_RECORD__MAX);
    return record_bytes[t];
}

const char *mig_record_name(MigRecordType t)
{
    g_assert(t < MIG_RECORD__MAX);
    return record_names[t];
}

static uint64_t native_offset(const Codec *c)
{
    return c->to_native ? mig_writer_offset(c->w) : mig_reader_offset(c->r);
}

/* "offset N: ..." at the native position, in either direction. */
static bool refuse(Codec *c, Error **errp, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
static bool refuse(Codec *c, Error **errp, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    error_setg(errp, "%s %" PRIu64 ": %s",
               c->to_native ? "native offset" : "offset", native_offset(c), msg);
    return false;
}

/*** Scalars ***/

static bool put_be(Codec *c, uint64_t x, unsigned width, Error **errp)
{
    uint8_t b[8];

    for (unsigned i = 0; i < width; i++) {
        b[i] = (uint8_t)(x >> (8 * (width - 1 - i)));
    }
    return mig_write(c->w, b, width, errp);
}

static bool get_be(Codec *c, uint64_t *x, unsigned width, Error **errp)
{
    const uint8_t *p = mig_read_ptr(c->r, width, errp);

    if (!p) {
        return false;
    }
    *x = 0;
    for (unsigned i = 0; i < width; i++) {
        *x = *x << 8 | p[i];
    }
    return true;
}

/* An unsigned integer of @width bytes, big-endian in the native stream. */
static bool c_uint(Codec *c, const char *name, unsigned width, uint64_t *val,
                   Error **errp)
{
    bool ok;

    if (!c->to_native && !get_be(c, val, width, errp)) {
        return false;
    }
    switch (width) {
    case 1: { uint8_t t = (uint8_t)*val;
        ok = visit_type_uint8(c->v, name, &t, errp); *val = t; break; }
    case 2: { uint16_t t = (uint16_t)*val;
        ok = visit_type_uint16(c->v, name, &t, errp); *val = t; break; }
    case 4: { uint32_t t = (uint32_t)*val;
        ok = visit_type_uint32(c->v, name, &t, errp); *val = t; break; }
    default:
        g_assert(width == 8);
        ok = visit_type_uint64(c->v, name, val, errp);
    }
    return ok && (!c->to_native || put_be(c, *val, width, errp));
}

static bool c_u32(Codec *c, const char *name, uint32_t *val, Error **errp)
{
    uint64_t x = *val;
    bool ok = c_uint(c, name, 4, &x, errp);

    *val = (uint32_t)x;
    return ok;
}

/* A signed integer of @width bytes (two's complement, big-endian). */
static bool c_int(Codec *c, const char *name, unsigned width, Error **errp)
{
    uint64_t raw = 0;
    bool ok;

    if (!c->to_native && !get_be(c, &raw, width, errp)) {
        return false;
    }
    switch (width) {
    case 1: { int8_t t = (int8_t)raw;
        ok = visit_type_int8(c->v, name, &t, errp); raw = (uint64_t)t; break; }
    case 2: { int16_t t = (int16_t)raw;
        ok = visit_type_int16(c->v, name, &t, errp); raw = (uint64_t)t; break; }
    case 4: { int32_t t = (int32_t)raw;
        ok = visit_type_int32(c->v, name, &t, errp); raw = (uint64_t)t; break; }
    default: { int64_t t = (int64_t)raw;
        g_assert(width == 8);
        ok = visit_type_int64(c->v, name, &t, errp); raw = (uint64_t)t; }
    }
    return ok && (!c->to_native || put_be(c, raw, width, errp));
}

static bool c_bool(Codec *c, const char *name, Error **errp)
{
    uint64_t raw = 0;
    bool b;

    if (!c->to_native) {
        if (!get_be(c, &raw, 1, errp)) {
            return false;
        }
        if (raw > 1) {
            return refuse(c, errp, "bool '%s' is byte 0x%02x, not 0 or 1",
                          name ? name : "", (unsigned)raw);
        }
    }
    b = raw;
    if (!visit_type_bool(c->v, name, &b, errp)) {
        return false;
    }
    return !c->to_native || put_be(c, b, 1, errp);
}

/*
 * A name: u8 length + bytes natively (@len_width 1), or be32 length +
 * bytes (@len_width 4, the configuration's machine). Visited as a string,
 * so it must be UTF-8 without NUL: anything else is refused, not mangled.
 * The value is left in @out (at least @max + 1 bytes).
 */
static bool c_name(Codec *c, const char *name, unsigned len_width,
                   char *out, size_t max, Error **errp)
{
    char *s = out;
    uint64_t len = 0;

    if (!c->to_native) {
        uint64_t at = mig_reader_offset(c->r);
        if (!get_be(c, &len, len_width, errp)) {
            return false;
        }
        if (len > max) {
            return refuse(c, errp, "%s of %" PRIu64 " bytes (at most %zu)",
                          name, len, max);
        }
        if (!mig_read(c->r, out, len, errp)) {
            return false;
        }
        out[len] = 0;
        if (memchr(out, 0, len) || !g_utf8_validate(out, (gssize)len, NULL)) {
            error_setg(errp, "offset %" PRIu64 ": %s is not UTF-8 text "
                       "without NUL", at, name);
            return false;
        }
    }
    if (!visit_type_str(c->v, name, &s, errp)) {
        return false;
    }
    if (c->to_native) {
        len = strlen(s);
        if (len > max) {
            refuse(c, errp, "%s of %" PRIu64 " bytes (at most %zu)", name,
                   len, max);
            g_free(s);
            return false;
        }
        memcpy(out, s, len + 1);
        g_free(s);
        return put_be(c, len, len_width, errp) && mig_write(c->w, out, len, errp);
    }
    return true;
}

/* Exactly @size bytes, visited as a byte string. */
static bool c_bytes(Codec *c, const char *name, uint64_t size, Error **errp)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    bool ok;

    if (!c->to_native) {
        uint8_t *owned = NULL;
        if (size > MAX_BYTES || size > mig_reader_remaining(c->r)) {
            return refuse(c, errp, "'%s' claims %" PRIu64 " bytes, %" PRIu64
                          " left", name ? name : "", size,
                          mig_reader_remaining(c->r));
        }
        if (size <= MIG_READER_BUFFER) {
            buf = (uint8_t *)mig_read_ptr(c->r, size, errp);
            if (!buf) {
                return false;
            }
        } else {
            buf = owned = g_malloc(size);
            if (!mig_read(c->r, owned, size, errp)) {
                g_free(owned);
                return false;
            }
        }
        len = size;
        ok = visit_type_bytes(c->v, name, &buf, &len, errp);
        g_free(owned);
        return ok;
    }
    if (!visit_type_bytes(c->v, name, &buf, &len, errp)) {
        return false;
    }
    if (len != size) {
        refuse(c, errp, "'%s' has %zu bytes, the vmdesc says %" PRIu64,
               name ? name : "", len, size);
        g_free(buf);
        return false;
    }
    ok = mig_write(c->w, buf, len, errp);
    g_free(buf);
    return ok;
}

/*** Lists of unknown length without a C list ***/

/*
 * The visitor API walks lists through GenericList nodes. The walk has no
 * C list: output visitors are shown one node that links to itself while
 * more elements follow; input visitors allocate nodes that are freed as
 * soon as the next one exists.
 */
typedef struct ListWalk {
    GenericList *head, *cur;
    GenericList node;
} ListWalk;

static bool list_start(Codec *c, const char *name, ListWalk *l, bool nonempty,
                       Error **errp)
{
    l->node.next = NULL;
    l->head = (!c->to_native && nonempty) ? &l->node : NULL;
    if (!visit_start_list(c->v, name, &l->head, sizeof(GenericList), errp)) {
        return false;
    }
    l->cur = l->head;
    return true;
}

/* Is there a current element? */
static bool list_has(const ListWalk *l)
{
    return l->cur != NULL;
}

static void list_next(Codec *c, ListWalk *l, bool more)
{
    if (c->to_native) {
        GenericList *next = visit_next_list(c->v, l->cur, sizeof(GenericList));
        g_free(l->cur);
        l->cur = next;
    } else {
        l->node.next = more ? &l->node : NULL;
        l->cur = visit_next_list(c->v, l->cur, sizeof(GenericList));
    }
}

static bool list_end(Codec *c, ListWalk *l, bool ok, Error **errp)
{
    if (c->to_native) {
        g_free(l->cur);
        l->cur = NULL;
    }
    ok = ok && visit_check_list(c->v, errp);
    l->head = NULL;
    visit_end_list(c->v, (void **)&l->head);
    return ok;
}

static bool struct_start(Codec *c, const char *name, Error **errp)
{
    return visit_start_struct(c->v, name, NULL, 0, errp);
}

static bool struct_end(Codec *c, bool ok, Error **errp)
{
    ok = ok && visit_check_struct(c->v, errp);
    visit_end_struct(c->v, NULL);
    return ok;
}

/*** Device state, driven by the vmdesc ***/

static bool c_vmsd(Codec *c, const MigVmsd *d, Error **errp);

static bool c_element(Codec *c, const MigField *f, const char *name,
                      Error **errp)
{
    uint64_t start = native_offset(c);
    bool ok;

    switch (f->kind) {
    case MIG_FIELD_INT:
        return c_int(c, name, (unsigned)f->size, errp);
    case MIG_FIELD_UINT: {
        uint64_t x = 0;
        return c_uint(c, name, (unsigned)f->size, &x, errp);
    }
    case MIG_FIELD_BOOL:
        return c_bool(c, name, errp);
    case MIG_FIELD_BYTES:
        return c_bytes(c, name, f->size, errp);
    case MIG_FIELD_STRUCT:
        ok = struct_start(c, name, errp);
        if (ok) {
            ok = struct_end(c, c_vmsd(c, f->vmsd, errp), errp);
        }
        if (ok && native_offset(c) - start != f->size) {
            return refuse(c, errp, "struct '%s' took %" PRIu64 " bytes, the "
                          "vmdesc says %" PRIu64, f->name,
                          native_offset(c) - start, f->size);
        }
        return ok;
    }
    g_assert_not_reached();
}

static bool c_array(Codec *c, const MigField *f, Error **errp)
{
    ListWalk l;
    uint64_t i = 0;
    bool ok = true;

    if (!c->to_native && (f->count > MAX_ARRAY_LEN ||
                          (f->size && f->count > mig_reader_remaining(c->r) /
                                                 f->size))) {
        return refuse(c, errp, "array '%s' of %" PRIu64 " elements of %"
                      PRIu64 " bytes does not fit in what is left",
                      f->name, f->count, f->size);
    }
    if (!list_start(c, f->name, &l, f->count > 0, errp)) {
        return false;
    }
    for (; ok && list_has(&l); i++) {
        if (i == f->count) {
            ok = refuse(c, errp, "array '%s' has more than the %" PRIu64
                        " elements of the vmdesc", f->name, f->count);
            break;
        }
        ok = c_element(c, f, NULL, errp);
        if (ok) {
            list_next(c, &l, i + 1 < f->count);
        }
    }
    if (ok && i != f->count) {
        ok = refuse(c, errp, "array '%s' has %" PRIu64 " elements, the "
                    "vmdesc says %" PRIu64, f->name, i, f->count);
    }
    return list_end(c, &l, ok, errp);
}

static bool c_subsection(Codec *c, const MigVmsd *s, Error **errp)
{
    char name[256];
    uint64_t marker = SUBSECTION_BYTE;
    uint32_t version = s->version;
    bool ok;

    if (!c->to_native) {
        uint8_t peek;
        if (mig_peek(c->r, &peek, 1) != 1 || peek != SUBSECTION_BYTE) {
            return refuse(c, errp, "subsection '%s' expected (the vmdesc "
                          "lists it)", s->name);
        }
        if (!get_be(c, &marker, 1, errp)) {
            return false;
        }
        uint64_t len;
        if (!get_be(c, &len, 1, errp) || !mig_read(c->r, name, len, errp)) {
            return false;
        }
        name[len] = 0;
        if (strlen(s->name) != len || memcmp(name, s->name, len)) {
            g_autofree char *shown = g_strescape(name, NULL);
            return refuse(c, errp, "subsection '%s' where the vmdesc lists '%s'",
                          shown, s->name);
        }
    }
    if (!struct_start(c, s->name, errp)) {
        return false;
    }
    if (c->to_native) {
        size_t len = strlen(s->name);
        ok = len < 256 && put_be(c, SUBSECTION_BYTE, 1, errp) &&
             put_be(c, len, 1, errp) && mig_write(c->w, s->name, len, errp);
        if (len >= 256) {
            refuse(c, errp, "subsection name '%s' too long", s->name);
        }
    } else {
        ok = true;
    }
    ok = ok && c_u32(c, "version_id", &version, errp) && c_vmsd(c, s, errp);
    return struct_end(c, ok, errp);
}

/* The members "fields" and (if described) "subsections" of a vmsd. */
static bool c_vmsd(Codec *c, const MigVmsd *d, Error **errp)
{
    bool ok;

    if (!struct_start(c, "fields", errp)) {
        return false;
    }
    ok = true;
    for (size_t i = 0; ok && i < d->nfields; i++) {
        const MigField *f = &d->fields[i];
        ok = f->is_array ? c_array(c, f, errp) : c_element(c, f, f->name, errp);
    }
    if (!struct_end(c, ok, errp)) {
        return false;
    }
    if (!d->nsubs) {
        return true;
    }
    if (!struct_start(c, "subsections", errp)) {
        return false;
    }
    for (size_t i = 0; ok && i < d->nsubs; i++) {
        ok = c_subsection(c, d->subs[i], errp);
    }
    return struct_end(c, ok, errp);
}

/*** RAM ***/

static bool c_block(Codec *c, uint64_t flags, Error **errp)
{
    char name[256] = "";
    char *s = name;

    if (flags & RAM_FLAG_CONTINUE) {
        if (!c->have_block) {
            return refuse(c, errp, "RAM page continues a block, but none "
                          "was named before");
        }
        if (!visit_type_str(c->v, "block", &s, errp)) {
            return false;
        }
        if (c->to_native) {
            bool empty = !*s;
            g_free(s);
            if (!empty) {
                return refuse(c, errp, "a RAM page with CONTINUE names a block");
            }
        }
        return true;
    }
    if (!c_name(c, "block", 1, name, 255, errp)) {
        return false;
    }
    memcpy(c->block, name, sizeof(name));
    c->have_block = true;
    return true;
}

static bool c_ram_blocks(Codec *c, uint64_t total, Error **errp)
{
    ListWalk l;
    uint64_t sum = 0;
    bool ok = true;

    if (!list_start(c, "blocks", &l, total > 0, errp)) {
        return false;
    }
    while (ok && list_has(&l)) {
        char id[256];
        uint64_t len = 0;

        ok = struct_start(c, NULL, errp);
        if (ok) {
            ok = struct_end(c, c_name(c, "id", 1, id, 255, errp) &&
                               c_uint(c, "length", 8, &len, errp), errp);
        }
        if (ok && len > total - sum) {
            ok = refuse(c, errp, "RAM block '%s' of %" PRIu64 " bytes "
                        "exceeds the total of %" PRIu64, id, len, total);
        }
        if (ok) {
            sum += len;
            list_next(c, &l, sum < total);
            if (!c->to_native && sum < total && !len) {
                ok = refuse(c, errp, "an empty RAM block before the total");
            }
        }
    }
    if (ok && sum != total) {
        ok = refuse(c, errp, "RAM blocks total %" PRIu64 " bytes, the "
                    "stream says %" PRIu64, sum, total);
    }
    return list_end(c, &l, ok, errp);
}

/* Native: extend a zero page at @addr into a run of continuing ones. */
static uint64_t zero_run(Codec *c, uint64_t addr, uint8_t fill)
{
    uint64_t count = 1;
    uint8_t next[9];

    while (count < MAX_ZERO_RUN && mig_peek(c->r, next, 9) == 9) {
        uint64_t hdr = 0;
        for (int i = 0; i < 8; i++) {
            hdr = hdr << 8 | next[i];
        }
        if (hdr != ((addr + count * c->page_size) |
                    RAM_FLAG_ZERO | RAM_FLAG_CONTINUE) || next[8] != fill) {
            break;
        }
        mig_read_ptr(c->r, 9, NULL);
        count++;
    }
    return count;
}

/* The data of a RAM page: passed to the page hook before it goes. */
static bool c_page_data(Codec *c, uint64_t addr, Error **errp)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    bool ok;

    if (!c->to_native) {
        buf = (uint8_t *)mig_read_ptr(c->r, c->page_size, errp);
        len = c->page_size;
        if (!buf || !visit_type_bytes(c->v, "data", &buf, &len, errp)) {
            return false;
        }
    } else if (c->page_size <= MIG_WRITER_BUFFER) {
        /* decoded straight into the writer's buffer: no copy of its own */
        buf = mig_write_reserve(c->w, c->page_size, errp);
        if (!buf || !visit_type_sized_buffer(c->v, "data", buf, c->page_size,
                                             1, errp)) {
            return false;
        }
        if (c->hooks && c->hooks->page) {
            c->hooks->page(c->hooks->opaque, c->block, addr, buf,
                           c->page_size, 0, 1);
        }
        return true;
    } else {
        if (!visit_type_bytes(c->v, "data", &buf, &len, errp)) {
            return false;
        }
        if (len != c->page_size) {
            refuse(c, errp, "a RAM page of %zu bytes, not %" PRIu64, len,
                   c->page_size);
            g_free(buf);
            return false;
        }
    }
    if (c->hooks && c->hooks->page) {
        c->hooks->page(c->hooks->opaque, c->block, addr, buf, c->page_size,
                       0, 1);
    }
    ok = !c->to_native || mig_write(c->w, buf, len, errp);
    if (c->to_native) {
        g_free(buf);
    }
    return ok;
}

/* A run of zero pages: native is one entry per page, the tree one per run. */
static bool c_zero_run(Codec *c, uint64_t addr, uint64_t flags, Error **errp)
{
    uint64_t fill = 0, count = 1;

    if (!c_block(c, flags, errp)) {
        return false;
    }
    if (!c->to_native) {
        if (!get_be(c, &fill, 1, errp)) {
            return false;
        }
        count = zero_run(c, addr, (uint8_t)fill);
    }
    {
        uint8_t f = (uint8_t)fill;
        if (!visit_type_uint8(c->v, "fill", &f, errp) ||
            !visit_type_uint64(c->v, "count", &count, errp)) {
            return false;
        }
        fill = f;
    }
    if (c->to_native) {
        if (count < 1 || count > MAX_ZERO_RUN ||
            (count - 1) > (UINT64_MAX - addr) / c->page_size) {
            return refuse(c, errp, "a run of %" PRIu64 " zero pages", count);
        }
        if (!put_be(c, fill, 1, errp)) {
            return false;
        }
        for (uint64_t i = 1; i < count; i++) {
            uint64_t hdr = (addr + i * c->page_size) | RAM_FLAG_ZERO |
                           RAM_FLAG_CONTINUE;
            if (!put_be(c, hdr, 8, errp) || !put_be(c, fill, 1, errp)) {
                return false;
            }
        }
    }
    c->info.zero_pages += count;
    if (c->hooks && c->hooks->page) {
        c->hooks->page(c->hooks->opaque, c->block, addr, NULL, c->page_size,
                       (uint8_t)fill, count);
    }
    return true;
}

static bool c_ram_entry(Codec *c, bool *eos, Error **errp)
{
    static const uint64_t type_flags[RAM__MAX] = {
        RAM_FLAG_EOS, RAM_FLAG_MEM_SIZE, RAM_FLAG_PAGE, RAM_FLAG_ZERO };
    uint64_t hdr = 0, addr = 0, flags = 0;
    int type = RAM_EOS;
    uint64_t at = native_offset(c);
    bool ok;

    if (!c->to_native) {
        if (!get_be(c, &hdr, 8, errp)) {
            return false;
        }
        addr = hdr & ~(c->page_size - 1);
        flags = hdr & (c->page_size - 1);
        for (type = 0; type < RAM__MAX; type++) {
            if ((flags & ~(uint64_t)RAM_FLAG_CONTINUE) == type_flags[type]) {
                break;
            }
        }
        if (type == RAM__MAX) {
            error_setg(errp, "offset %" PRIu64 ": RAM flags 0x%" PRIx64
                       " are not supported (compressed, XBZRLE, RDMA or "
                       "multifd pages)", at, flags);
            return false;
        }
    }
    if (!struct_start(c, NULL, errp)) {
        return false;
    }
    ok = visit_type_enum(c->v, "type", &type, &ram_lookup, errp) &&
         visit_type_uint64(c->v, "addr", &addr, errp) &&
         visit_type_uint64(c->v, "flags", &flags, errp);
    if (ok && c->to_native) {
        if ((addr & (c->page_size - 1)) || flags >= c->page_size ||
            (flags & ~(uint64_t)RAM_FLAG_CONTINUE) != type_flags[type]) {
            ok = refuse(c, errp, "RAM entry of type %s with address 0x%"
                        PRIx64 " and flags 0x%" PRIx64, ram_names[type],
                        addr, flags);
        } else {
            ok = put_be(c, addr | flags, 8, errp);
        }
    }
    if (ok) {
        switch (type) {
        case RAM_EOS:
            *eos = true;
            break;
        case RAM_SIZE:
            ok = c_ram_blocks(c, addr, errp);
            break;
        case RAM_PAGE:
            ok = c_block(c, flags, errp) && c_page_data(c, addr, errp);
            c->info.pages += ok;
            break;
        case RAM_ZERO:
            ok = c_zero_run(c, addr, flags, errp);
            break;
        }
    }
    return struct_end(c, ok, errp);
}

static bool c_ram(Codec *c, Error **errp)
{
    ListWalk l;
    bool ok = true, eos = false;

    if (!list_start(c, "ram", &l, true, errp)) {
        return false;
    }
    while (ok && list_has(&l)) {
        ok = c_ram_entry(c, &eos, errp);
        if (ok) {
            list_next(c, &l, !eos);
        }
    }
    return list_end(c, &l, ok, errp);
}

/*** Records ***/

static bool c_footer(Codec *c, uint32_t section_id, Error **errp)
{
    bool footer = false;
    uint8_t peek;

    if (!c->to_native && mig_peek(c->r, &peek, 1) == 1 && peek == FOOTER_BYTE) {
        uint64_t id;
        uint64_t at = mig_reader_offset(c->r);
        if (!get_be(c, &id, 1, errp) || !get_be(c, &id, 4, errp)) {
            return false;
        }
        if (id != section_id) {
            error_setg(errp, "offset %" PRIu64 ": footer of section %" PRIu64
                       " ends section %" PRIu32, at, id, section_id);
            return false;
        }
        footer = true;
    }
    if (!visit_type_bool(c->v, "footer", &footer, errp)) {
        return false;
    }
    /* QEMU writes a footer after every section or after none. */
    if (c->footers >= 0 && footer != c->footers) {
        uint8_t b = 0;
        if (!c->to_native) {
            mig_peek(c->r, &b, 1);
        }
        if (footer) {
            return refuse(c, errp, "a footer after section %" PRIu32
                          ", where earlier sections have none", section_id);
        }
        return refuse(c, errp, "no footer after section %" PRIu32 " (byte "
                      "0x%02x), where earlier sections have one", section_id, b);
    }
    c->footers = footer;
    return !c->to_native || !footer ||
           (put_be(c, FOOTER_BYTE, 1, errp) && put_be(c, section_id, 4, errp));
}

static bool c_section(Codec *c, int type, Error **errp)
{
    char name[256];
    uint32_t id = 0, instance = 0, version = 0;
    const char *known;

    if (!c_u32(c, "section_id", &id, errp)) {
        return false;
    }
    c->info.section_id = id;
    if (type == MIG_RECORD_START || type == MIG_RECORD_FULL) {
        if (!c_name(c, "name", 1, name, 255, errp) ||
            !c_u32(c, "instance_id", &instance, errp) ||
            !c_u32(c, "version_id", &version, errp)) {
            return false;
        }
        if (!c->replay &&
            g_hash_table_contains(c->sections, GUINT_TO_POINTER(id))) {
            return refuse(c, errp, "section id %" PRIu32 " starts twice", id);
        }
        g_hash_table_insert(c->sections, GUINT_TO_POINTER(id), g_strdup(name));
        c->info.instance_id = instance;
        c->info.version_id = version;
    }
    known = g_hash_table_lookup(c->sections, GUINT_TO_POINTER(id));
    if (!known) {
        return refuse(c, errp, "section id %" PRIu32 " was never started", id);
    }
    c->info.name = known;
    if (!strcmp(known, "ram")) {
        if (!c_ram(c, errp)) {
            return false;
        }
    } else if (type == MIG_RECORD_FULL) {
        const MigDevice *dev = mig_desc_find(c->desc, known, instance);
        if (!dev || !dev->vmsd) {
            return refuse(c, errp, "section '%s' instance %" PRIu32 " has no "
                          "field description in the vmdesc", known, instance);
        }
        if (!struct_start(c, "state", errp) ||
            !struct_end(c, c_vmsd(c, dev->vmsd, errp), errp)) {
            return false;
        }
    } else {
        return refuse(c, errp, "iterative section '%s' is not supported "
                      "(only RAM is)", known);
    }
    return c_footer(c, id, errp);
}

static bool c_record(Codec *c, bool *eof, Error **errp)
{
    char *machine = c->machine;
    int type = 0;
    bool ok;

    memset(&c->info, 0, sizeof(c->info));
    c->info.native_offset = native_offset(c);
    if (!c->to_native) {
        uint64_t byte;
        if (!get_be(c, &byte, 1, errp)) {
            return false;
        }
        for (type = 0; type < MIG_RECORD__MAX; type++) {
            if (record_bytes[type] == byte) {
                break;
            }
        }
        if (type == MIG_RECORD__MAX) {
            error_setg(errp, "offset %" PRIu64 ": byte 0x%02" PRIx64 " is "
                       "not a record type this reader supports",
                       c->info.native_offset, byte);
            return false;
        }
    }
    if (!struct_start(c, NULL, errp)) {
        return false;
    }
    ok = visit_type_enum(c->v, "type", &type, &record_lookup, errp);
    if (ok && c->to_native) {
        ok = put_be(c, record_bytes[type], 1, errp);
    }
    c->info.type = type;
    if (ok) {
        switch (type) {
        case MIG_RECORD_EOF:
            *eof = true;
            break;
        case MIG_RECORD_CONFIGURATION: {
            uint8_t peek;
            ok = c_name(c, "machine", 4, machine, MAX_MACHINE_NAME, errp);
            c->info.name = machine;
            if (ok && !c->to_native && mig_peek(c->r, &peek, 1) == 1 &&
                peek == SUBSECTION_BYTE) {
                ok = refuse(c, errp, "configuration subsections (capabilities, "
                            "uuid, target page bits) are not supported");
            }
            break;
        }
        default:
            ok = c_section(c, type, errp);
        }
    }
    ok = struct_end(c, ok, errp);
    c->info.native_len = native_offset(c) - c->info.native_offset;
    return ok;
}

static void record_hooks(Codec *c)
{
    if (c->hooks && c->hooks->record) {
        c->hooks->record(c->hooks->opaque, &c->info);
    }
}

/*
 * The first walk of a record (MigHooks.prewalk_visitor); then back to its
 * start, in the state it started from, for the walk that counts.
 */
static bool prewalk(Codec *c, Error **errp)
{
    const MigHooks *hooks = c->hooks;
    Visitor *outer = c->v;
    uint64_t at = mig_reader_offset(c->r);
    char block[sizeof(c->block)];
    bool have_block = c->have_block, eof = false, ok;
    int footers = c->footers;

    memcpy(block, c->block, sizeof(block));
    c->v = hooks->prewalk_visitor(hooks->opaque);
    c->hooks = NULL;
    ok = c_record(c, &eof, errp);
    c->hooks = hooks;
    hooks->prewalk_done(hooks->opaque, c->v);
    c->v = outer;
    if (!ok) {
        return false;
    }
    if (!mig_reader_rewind(c->r, at)) {
        return refuse(c, errp, "cannot go back to the record at offset %"
                      PRIu64 " (not a reader over memory)", at);
    }
    memcpy(c->block, block, sizeof(block));
    c->have_block = have_block;
    c->footers = footers;
    c->replay = true;
    return true;
}

static bool c_records(Codec *c, Error **errp)
{
    ListWalk l;
    bool ok = true, eof = false;
    Visitor *outer = c->v;
    bool split = c->hooks && c->hooks->record_visitor;
    size_t n = 0;

    if (!list_start(c, "records", &l, !split, errp)) {
        return false;
    }
    while (ok && (split ? !eof : list_has(&l))) {
        if (eof) {
            ok = refuse(c, errp, "a record after the EOF record");
            break;
        }
        if (c->hooks && c->hooks->prewalk_visitor && !c->to_native &&
            !prewalk(c, errp)) {
            ok = false;
            break;
        }
        if (split) {
            c->v = c->hooks->record_visitor(c->hooks->opaque);
        }
        ok = c_record(c, &eof, errp);
        c->replay = false;
        if (!ok && c->to_native) {
            error_prepend(errp, "record %zu: ", n);
        }
        if (split) {
            c->hooks->record_done(c->hooks->opaque, c->v, ok ? &c->info : NULL);
            c->v = outer;
        }
        if (ok) {
            record_hooks(c);
            n++;
            if (!split) {
                list_next(c, &l, !eof);
            }
        }
    }
    if (ok && !eof) {
        ok = refuse(c, errp, "the records end without an EOF record");
    }
    return list_end(c, &l, ok, errp);
}

/*
 * Find the vmdesc at the end of a seekable stream: ... 0x00 (EOF), 0x06,
 * be32 length, JSON. The JSON holds no NUL byte, so it starts at the first
 * '{' after the last NUL, which the five bytes before it confirm.
 */
static bool locate_vmdesc(Codec *c, Error **errp)
{
    size_t want = 1 << 20;

    for (;;) {
        size_t n, nul, j;
        g_autofree uint8_t *t = mig_reader_tail(c->r, want, &n, errp);
        uint8_t *p;

        if (!t) {
            return false;
        }
        p = memrchr(t, 0, n);
        if (p) {
            nul = (size_t)(p - t);
            for (j = nul + 1; j < n && t[j] != '{'; j++) {
            }
            if (j < n && j >= 5 && t[j - 5] == VMDESC_BYTE &&
                ((uint32_t)t[j - 4] << 24 | (uint32_t)t[j - 3] << 16 |
                 (uint32_t)t[j - 2] << 8 | t[j - 1]) == n - j) {
                c->vmdesc = g_strndup((char *)t + j, n - j);
                c->desc = mig_desc_parse(c->vmdesc, n - j, errp);
                if (!c->desc) {
                    error_prepend(errp, "offset %" PRIu64 ": ",
                                  mig_reader_size(c->r) - (n - j));
                    return false;
                }
                return true;
            }
            break;
        }
        if (n >= mig_reader_size(c->r) || want > MIG_DESC_MAX_LEN) {
            break;
        }
        want = MIG_DESC_MAX_LEN + 6;
    }
    c->vmdesc = g_strdup("");
    return true;
}

/* Native: after the EOF record, the vmdesc (if any) and then the end. */
static bool native_trailer(Codec *c, Error **errp)
{
    size_t len = strlen(c->vmdesc);

    if (!c->to_native) {
        uint8_t b;
        if (len) {
            uint64_t byte, n;
            if (!get_be(c, &byte, 1, errp) || !get_be(c, &n, 4, errp)) {
                return false;
            }
            if (byte != VMDESC_BYTE || n != len ||
                mig_reader_remaining(c->r) != len) {
                return refuse(c, errp, "the vmdesc found at the end does not "
                              "follow the EOF record");
            }
            for (size_t done = 0; done < len;) {
                size_t chunk = MIN(len - done, (size_t)MIG_READER_BUFFER);
                if (!mig_read_ptr(c->r, chunk, errp)) {
                    return false;
                }
                done += chunk;
            }
        }
        if (mig_peek(c->r, &b, 1) != 0) {
            return refuse(c, errp, "bytes after the end of the stream");
        }
        return true;
    }
    return !len || (put_be(c, VMDESC_BYTE, 1, errp) && put_be(c, len, 4, errp) &&
                    mig_write(c->w, c->vmdesc, len, errp));
}

/*
 * The vmdesc text, visited as a byte string: CER splits long strings into
 * OCTET STRING segments (X.690 8.23.6), which ber-dump --cer refuses
 * inside a UTF8String; a byte string is the same in every reader.
 */
static bool c_vmdesc_text(Codec *c, Error **errp)
{
    uint8_t *buf = (uint8_t *)c->vmdesc;
    size_t len = c->vmdesc ? strlen(c->vmdesc) : 0;

    if (!visit_type_bytes(c->v, "vmdesc", &buf, &len, errp)) {
        return false;
    }
    if (c->to_native) {
        bool nul = memchr(buf, 0, len) != NULL;
        c->vmdesc = g_strndup((char *)buf, len);
        g_free(buf);
        if (nul) {
            return refuse(c, errp, "a NUL byte in the vmdesc");
        }
    }
    return true;
}

static bool c_stream(Codec *c, Error **errp)
{
    uint32_t magic = MIG_FILE_MAGIC, version = MIG_FILE_VERSION;
    bool ok;

    if (!c->to_native) {
        uint64_t m, ver;
        if (!get_be(c, &m, 4, errp) || !get_be(c, &ver, 4, errp)) {
            return false;
        }
        if (m != MIG_FILE_MAGIC) {
            error_setg(errp, "offset 0: not a QEMU migration stream (magic "
                       "0x%08" PRIx64 ")", m);
            return false;
        }
        if (ver != MIG_FILE_VERSION) {
            error_setg(errp, "offset 4: stream version %" PRIu64 "; only 3 is "
                       "supported", ver);
            return false;
        }
        if (!locate_vmdesc(c, errp)) {
            return false;
        }
    }
    if (!struct_start(c, NULL, errp)) {
        return false;
    }
    ok = visit_type_uint32(c->v, "magic", &magic, errp) &&
         visit_type_uint32(c->v, "version", &version, errp) &&
         c_vmdesc_text(c, errp);
    if (ok && c->to_native) {
        size_t len = strlen(c->vmdesc);
        if (magic != MIG_FILE_MAGIC || version != MIG_FILE_VERSION) {
            ok = refuse(c, errp, "magic 0x%08" PRIx32 " version %" PRIu32
                        " (QEVM version 3 expected)", magic, version);
        } else if (len && !(c->desc = mig_desc_parse(c->vmdesc, len, errp))) {
            ok = false;
        } else {
            ok = put_be(c, magic, 4, errp) && put_be(c, version, 4, errp);
        }
    }
    if (ok) {
        c->page_size = c->desc && c->desc->page_size ? c->desc->page_size : 4096;
        if (c->page_size & (c->page_size - 1) || c->page_size < 512) {
            ok = refuse(c, errp, "page size %" PRIu64 " in the vmdesc",
                        c->page_size);
        }
    }
    ok = ok && c_records(c, errp) && native_trailer(c, errp);
    return struct_end(c, ok, errp);
}

static bool walk(Codec *c, Error **errp)
{
    bool ok;

    c->sections = g_hash_table_new_full(NULL, NULL, NULL, g_free);
    ok = c_stream(c, errp);
    if (ok && c->to_native) {
        ok = mig_writer_flush(c->w, errp);
    }
    g_hash_table_destroy(c->sections);
    mig_desc_free(c->desc);
    g_free(c->vmdesc);
    return ok;
}

bool mig_stream_to_visitor(MigReader *r, Visitor *v, const MigHooks *hooks,
                           Error **errp)
{
    Codec c = { .v = v, .r = r, .hooks = hooks, .footers = -1 };

    g_assert(!visit_is_input(v));
    return walk(&c, errp);
}

bool mig_stream_from_visitor(Visitor *v, MigWriter *w, const MigHooks *hooks,
                             Error **errp)
{
    Codec c = { .v = v, .w = w, .to_native = true, .hooks = hooks,
                .footers = -1 };

    g_assert(visit_is_input(v));
    return walk(&c, errp);
}
