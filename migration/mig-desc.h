/*
 * migration/mig-desc.h: the device description ("vmdesc") QEMU appends to
 * a migration stream: JSON naming every field of every device section,
 * with its VMStateInfo type and the size QEMU wrote for it.
 *
 * The description is what makes field-by-field decoding possible: QEMU's
 * stream carries no names and no lengths for device fields.
 */
#ifndef MIGRATION_MIG_DESC_H
#define MIGRATION_MIG_DESC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "qapi/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest description accepted, and deepest nesting of structs in it. */
#define MIG_DESC_MAX_LEN (16u << 20)
#define MIG_DESC_MAX_DEPTH 24

/* How a field's bytes are read: by its VMStateInfo name and size. */
typedef enum MigFieldKind {
    MIG_FIELD_INT,       /* "int8".."int64", "int32 equal", "timer"...: BE signed */
    MIG_FIELD_UINT,      /* "uint8".."uint64", "uint8 equal"...: BE unsigned */
    MIG_FIELD_BOOL,      /* "bool": one byte, 0 or 1 */
    MIG_FIELD_STRUCT,    /* a nested VMStateDescription */
    MIG_FIELD_BYTES,     /* "buffer", "unused_buffer", and every other type:
                            kept as a byte string of the described size */
} MigFieldKind;

typedef struct MigVmsd MigVmsd;

typedef struct MigField {
    char *name;          /* unique in its struct: "x", "x[3]" (index), "x#2" */
    char *type;          /* the VMStateInfo name as described */
    MigFieldKind kind;
    uint64_t size;       /* bytes of one element (struct: as described) */
    bool is_array;       /* "array_len" given: a list of @count elements */
    uint64_t count;
    MigVmsd *vmsd;       /* MIG_FIELD_STRUCT only */
} MigField;

struct MigVmsd {
    char *name;          /* vmsd_name */
    uint32_t version;
    size_t nfields;
    MigField *fields;
    size_t nsubs;
    MigVmsd **subs;      /* subsections, in stream order */
};

typedef struct MigDevice {
    char *name;          /* section idstr */
    uint32_t instance_id;
    MigVmsd *vmsd;       /* NULL: old-style (save_state) device */
} MigDevice;

typedef struct MigDesc {
    uint64_t page_size;  /* 0 when not described */
    size_t ndevices;
    MigDevice *devices;
} MigDesc;

/*
 * Parse the @len bytes of JSON at @json. Returns a new description
 * (mig_desc_free()) or NULL with @errp set ("vmdesc: <reason>"): not
 * JSON, a member of the wrong type, a size or count out of range,
 * nesting deeper than MIG_DESC_MAX_DEPTH.
 */
MigDesc *mig_desc_parse(const char *json, size_t len, Error **errp);

/* Free @d and everything it owns; NULL is accepted. */
void mig_desc_free(MigDesc *d);

/* The device described for section @name instance @instance_id, or NULL. */
const MigDevice *mig_desc_find(const MigDesc *d, const char *name,
                               uint32_t instance_id);

#ifdef __cplusplus
}
#endif

#endif /* MIGRATION_MIG_DESC_H */
