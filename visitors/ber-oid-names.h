/*
 * visitors/ber-oid-names.h: names for OBJECT IDENTIFIERs.
 *
 * A table maps dotted OIDs ("2.5.4.3") to names ("commonName"): names
 * loaded from files in the format of dumpasn1's dumpasn1.cfg (Debian
 * installs one with thousands of OIDs at BER_OID_SYSTEM_FILE), then a
 * small built-in table of the arcs certificates, PKCS and CMS use, which
 * is what a NULL table means.
 */
#ifndef VISITORS_BER_OID_NAMES_H
#define VISITORS_BER_OID_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "qapi/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Where Debian's dumpasn1 package installs its OID table. */
#define BER_OID_SYSTEM_FILE "/etc/dumpasn1/dumpasn1.cfg"

typedef struct BEROidTable BEROidTable;

/* A new table with no file loaded (lookups see the built-in names). */
BEROidTable *ber_oid_table_new(void);

/* Free @t (NULL is fine). */
void ber_oid_table_free(BEROidTable *t);

/*
 * Load the dumpasn1.cfg-format file @path into @t: entries of
 * "OID = <arcs>" (decimal arcs separated by spaces, or the old form of
 * hex octets "06 03 55 04 03") followed by "Description = <name>";
 * "#" starts a comment line, other keys (Comment, Warning) are ignored.
 * A later file's name for an OID replaces an earlier one's. Returns true
 * with the number of names read in *@count (may be NULL); false with
 * @errp set ("FILE:LINE: reason") if the file cannot be read or an OID
 * line is malformed; the names read before the fault are kept.
 */
bool ber_oid_table_load(BEROidTable *t, const char *path, size_t *count,
                        Error **errp);

/* Names loaded into @t from files (0 for NULL). */
size_t ber_oid_table_size(const BEROidTable *t);

/* Number of names in the built-in table. */
size_t ber_oid_builtin_size(void);

/*
 * The name of dotted OID @dotted: from @t's files first, then the
 * built-in table; NULL if neither knows it. @t may be NULL.
 */
const char *ber_oid_name(const BEROidTable *t, const char *dotted);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_BER_OID_NAMES_H */
