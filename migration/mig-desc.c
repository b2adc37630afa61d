/*
 * migration/mig-desc.c: parse QEMU's vmdesc JSON (see mig-desc.h) with json-c.
 */
#include <inttypes.h>
#include <string.h>
#include <glib.h>
#include <json-c/json.h>

#include "migration/mig-desc.h"

/* Widths of the integer VMStateInfo types QEMU 7.2 writes big-endian. */
static const struct {
    const char *name;
    MigFieldKind kind;
    unsigned width;
} known_types[] = {
    { "bool", MIG_FIELD_BOOL, 1 },
    { "int8", MIG_FIELD_INT, 1 }, { "int16", MIG_FIELD_INT, 2 },
    { "int32", MIG_FIELD_INT, 4 }, { "int64", MIG_FIELD_INT, 8 },
    { "int32 equal", MIG_FIELD_INT, 4 }, { "int32 le", MIG_FIELD_INT, 4 },
    { "timer", MIG_FIELD_INT, 8 },
    { "uint8", MIG_FIELD_UINT, 1 }, { "uint16", MIG_FIELD_UINT, 2 },
    { "uint32", MIG_FIELD_UINT, 4 }, { "uint64", MIG_FIELD_UINT, 8 },
    { "uint8 equal", MIG_FIELD_UINT, 1 }, { "uint16 equal", MIG_FIELD_UINT, 2 },
    { "uint32 equal", MIG_FIELD_UINT, 4 }, { "uint64 equal", MIG_FIELD_UINT, 8 },
    { "int64 equal", MIG_FIELD_INT, 8 },
};

static bool fail(Error **errp, const char *path, const char *what)
{
    error_setg(errp, "vmdesc: %s: %s", path, what);
    return false;
}

static json_object *member(json_object *o, const char *key, json_type type)
{
    json_object *m;

    if (!json_object_object_get_ex(o, key, &m) || !json_object_is_type(m, type)) {
        return NULL;
    }
    return m;
}

static bool get_u64(json_object *o, const char *key, uint64_t max,
                    uint64_t *out)
{
    json_object *m = member(o, key, json_type_int);
    int64_t v;

    if (!m) {
        return false;
    }
    v = json_object_get_int64(m);
    if (v < 0 || (uint64_t)v > max) {
        return false;
    }
    *out = (uint64_t)v;
    return true;
}

static void vmsd_free(MigVmsd *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->nfields; i++) {
        g_free(s->fields[i].name);
        g_free(s->fields[i].type);
        vmsd_free(s->fields[i].vmsd);
    }
    for (size_t i = 0; i < s->nsubs; i++) {
        vmsd_free(s->subs[i]);
    }
    g_free(s->fields);
    g_free(s->subs);
    g_free(s->name);
    g_free(s);
}

static MigVmsd *parse_vmsd(json_object *o, const char *path, int depth,
                           Error **errp);

static bool name_taken(const MigVmsd *s, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(s->fields[i].name, name)) {
            return true;
        }
    }
    return false;
}

static bool parse_field(MigVmsd *s, size_t i, json_object *o,
                        const char *path, int depth, Error **errp)
{
    MigField *f = &s->fields[i];
    json_object *name = member(o, "name", json_type_string);
    json_object *type = member(o, "type", json_type_string);
    json_object *st;
    uint64_t index;
    g_autofree char *base = NULL;
    g_autofree char *fpath = NULL;

    if (!json_object_is_type(o, json_type_object) || !name || !type) {
        return fail(errp, path, "a field without a name or type");
    }
    base = json_object_object_get_ex(o, "index", NULL)
        ? (get_u64(o, "index", UINT32_MAX, &index)
           ? g_strdup_printf("%s[%" PRIu64 "]", json_object_get_string(name), index)
           : NULL)
        : g_strdup(json_object_get_string(name));
    if (!base) {
        return fail(errp, path, "a field index out of range");
    }
    /* VMSTATE_UNUSED fields all say "unused": member names must be unique. */
    f->name = g_strdup(base);
    for (unsigned k = 2; name_taken(s, i, f->name); k++) {
        g_free(f->name);
        f->name = g_strdup_printf("%s#%u", base, k);
    }
    fpath = g_strdup_printf("%s.%s", path, f->name);
    f->type = g_strdup(json_object_get_string(type));
    if (!get_u64(o, "size", UINT32_MAX, &f->size)) {
        return fail(errp, fpath, "no valid size");
    }
    f->count = 1;
    if (json_object_object_get_ex(o, "array_len", NULL)) {
        if (!get_u64(o, "array_len", UINT32_MAX, &f->count)) {
            return fail(errp, fpath, "array_len out of range");
        }
        f->is_array = true;
    }
    st = member(o, "struct", json_type_object);
    if (!strcmp(f->type, "struct")) {
        if (!st) {
            return fail(errp, fpath, "a struct field without its description");
        }
        f->kind = MIG_FIELD_STRUCT;
        f->vmsd = parse_vmsd(st, fpath, depth + 1, errp);
        return f->vmsd != NULL;
    }
    f->kind = MIG_FIELD_BYTES;
    for (size_t k = 0; k < G_N_ELEMENTS(known_types); k++) {
        if (!strcmp(f->type, known_types[k].name) &&
            f->size == known_types[k].width) {
            f->kind = known_types[k].kind;
        }
    }
    return true;
}

static MigVmsd *parse_vmsd(json_object *o, const char *path, int depth,
                           Error **errp)
{
    MigVmsd *s = g_new0(MigVmsd, 1);
    json_object *name = member(o, "vmsd_name", json_type_string);
    json_object *fields = member(o, "fields", json_type_array);
    json_object *subs = member(o, "subsections", json_type_array);
    uint64_t version = 0;

    if (depth > MIG_DESC_MAX_DEPTH) {
        fail(errp, path, "structs nested too deeply");
        goto err;
    }
    if (!name || !get_u64(o, "version", UINT32_MAX, &version)) {
        fail(errp, path, "no vmsd_name or version");
        goto err;
    }
    s->name = g_strdup(json_object_get_string(name));
    s->version = (uint32_t)version;
    if (fields) {
        s->nfields = json_object_array_length(fields);
        s->fields = g_new0(MigField, s->nfields);
        for (size_t i = 0; i < s->nfields; i++) {
            if (!parse_field(s, i, json_object_array_get_idx(fields, i), path,
                             depth, errp)) {
                s->nfields = i + 1;
                goto err;
            }
        }
    }
    if (subs) {
        s->nsubs = json_object_array_length(subs);
        s->subs = g_new0(MigVmsd *, s->nsubs);
        for (size_t i = 0; i < s->nsubs; i++) {
            json_object *so = json_object_array_get_idx(subs, i);
            g_autofree char *spath = g_strdup_printf("%s/%zu", path, i);
            if (!json_object_is_type(so, json_type_object)) {
                fail(errp, spath, "a subsection that is not an object");
                goto err;
            }
            if (!(s->subs[i] = parse_vmsd(so, spath, depth + 1, errp))) {
                goto err;
            }
            for (size_t k = 0; k < i; k++) {
                if (!strcmp(s->subs[k]->name, s->subs[i]->name)) {
                    fail(errp, spath, "the same subsection twice");
                    goto err;
                }
            }
        }
    }
    return s;

err:
    vmsd_free(s);
    return NULL;
}

void mig_desc_free(MigDesc *d)
{
    if (!d) {
        return;
    }
    for (size_t i = 0; i < d->ndevices; i++) {
        g_free(d->devices[i].name);
        vmsd_free(d->devices[i].vmsd);
    }
    g_free(d->devices);
    g_free(d);
}

MigDesc *mig_desc_parse(const char *json, size_t len, Error **errp)
{
    json_tokener *tok;
    json_object *root, *devices;
    MigDesc *d = NULL;
    enum json_tokener_error jerr;

    if (len > MIG_DESC_MAX_LEN) {
        error_setg(errp, "vmdesc: %zu bytes, more than the %u accepted",
                   len, MIG_DESC_MAX_LEN);
        return NULL;
    }
    /* Names become member names of every encoding: text, exactly kept. */
    if (memchr(json, 0, len) || !g_utf8_validate(json, (gssize)len, NULL)) {
        error_setg(errp, "vmdesc: not UTF-8 text without NUL");
        return NULL;
    }
    tok = json_tokener_new_ex(4 * MIG_DESC_MAX_DEPTH + 8);
    root = json_tokener_parse_ex(tok, json, (int)len);
    jerr = json_tokener_get_error(tok);
    if (!root || jerr != json_tokener_success ||
        json_tokener_get_parse_end(tok) != len) {
        error_setg(errp, "vmdesc: not JSON at byte %zu: %s",
                   json_tokener_get_parse_end(tok),
                   jerr == json_tokener_success ? "trailing bytes"
                                                : json_tokener_error_desc(jerr));
        goto out;
    }
    devices = member(root, "devices", json_type_array);
    if (!devices) {
        error_setg(errp, "vmdesc: no \"devices\" array");
        goto out;
    }
    d = g_new0(MigDesc, 1);
    if (json_object_object_get_ex(root, "page_size", NULL) &&
        !get_u64(root, "page_size", 1u << 24, &d->page_size)) {
        error_setg(errp, "vmdesc: page_size out of range");
        goto err;
    }
    d->ndevices = json_object_array_length(devices);
    d->devices = g_new0(MigDevice, d->ndevices);
    for (size_t i = 0; i < d->ndevices; i++) {
        json_object *o = json_object_array_get_idx(devices, i);
        json_object *name = member(o, "name", json_type_string);
        uint64_t inst;
        g_autofree char *path = NULL;

        if (!json_object_is_type(o, json_type_object) || !name ||
            !get_u64(o, "instance_id", UINT32_MAX, &inst)) {
            error_setg(errp, "vmdesc: device %zu: no name or instance_id", i);
            goto err;
        }
        d->devices[i].name = g_strdup(json_object_get_string(name));
        d->devices[i].instance_id = (uint32_t)inst;
        path = g_strdup_printf("%s[%" PRIu64 "]", d->devices[i].name, inst);
        if (json_object_object_get_ex(o, "vmsd_name", NULL) &&
            !(d->devices[i].vmsd = parse_vmsd(o, path, 0, errp))) {
            goto err;
        }
    }
    goto out;

err:
    mig_desc_free(d);
    d = NULL;
out:
    json_object_put(root);
    json_tokener_free(tok);
    return d;
}

const MigDevice *mig_desc_find(const MigDesc *d, const char *name,
                               uint32_t instance_id)
{
    for (size_t i = 0; d && i < d->ndevices; i++) {
        if (d->devices[i].instance_id == instance_id &&
            !strcmp(d->devices[i].name, name)) {
            return &d->devices[i];
        }
    }
    return NULL;
}
