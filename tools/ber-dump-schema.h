/*
 * tools/ber-dump-schema.h: ber-dump's --schema, on libtasn1.
 *
 * libtasn1 parses the ASN.1 module; this module follows the walk through
 * the definitions to label each element with its field name, to say
 * which universal type an IMPLICIT tag hides, and to report, as error
 * diagnostics naming the schema path, a value the schema does not allow
 * (wrong type, missing required field, element after the last field),
 * and in CER/DER a named bit list with trailing 0 bits (a BER warning).
 * One schema at a time (the tool's state).
 */
#ifndef TOOLS_BER_DUMP_SCHEMA_H
#define TOOLS_BER_DUMP_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-print.h"

/*
 * Parse the module @file and find @type ("Module.Type"). Returns false
 * with a one-line message on stderr if either fails.
 */
bool dump_schema_open(const char *file, const char *type);

/* Free what dump_schema_open() built (also after it failed). */
void dump_schema_close(void);

/* Whether a schema is open. */
bool dump_schema_active(void);

/*
 * Element @e begins (checked under @mode): fill @x's label, value_tag
 * and diagnostics (pointers valid until the next call).
 */
void dump_schema_begin(const BERInspectElement *e, BERMode mode,
                       BERPrintExtra *x);

/* Constructed element @e ends: @x gets a missing-field diagnostic. */
void dump_schema_end(const BERInspectElement *e, BERPrintExtra *x);

/* The errors and warnings reported since the last call, then reset. */
void dump_schema_take_counts(uint64_t *errors, uint64_t *warnings);

#endif /* TOOLS_BER_DUMP_SCHEMA_H */
