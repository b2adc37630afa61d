/*
 * visitors/ber-text.h: BER values as text, for people and for JSON.
 *
 * Renders what the inspector (ber-inspect.h) hands out: an element's tag
 * and its primitive value, escaped so that control octets, ESC, bidi
 * controls and invalid UTF-8 never appear raw, and so that the JSON form
 * is always valid JSON (and valid UTF-8). Also the one JSON string
 * escaper the printers use (ber_text_append_json()).
 */
#ifndef VISITORS_BER_TEXT_H
#define VISITORS_BER_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-oid-names.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * A growable text buffer the formatters append to: set it to zero before
 * first use, reset @len to reuse it, ber_text_free() at the end. Appends
 * never fail: out of memory aborts, as g_malloc() does everywhere in the
 * library. @data is NUL-terminated once anything was appended.
 */
typedef struct BERText {
    char *data;
    size_t len;
    size_t cap;
} BERText;

/* Release @t's memory and zero it. */
void ber_text_free(BERText *t);

/* Append @n octets of @s to @t (kept NUL-terminated). */
void ber_text_append(BERText *t, const char *s, size_t n);

/*
 * Append @s[0..@n) escaped for the inside of a JSON string: '"', '\\'
 * and control characters escaped, invalid UTF-8 octets as the text
 * "\\xNN", so the result is valid JSON and valid UTF-8 whatever @s holds.
 */
void ber_text_append_json(BERText *t, const char *s, size_t n);

/*
 * Append the human-readable value of primitive element @e to @t:
 * INTEGER/ENUMERATED in decimal (hex beyond 64 bits), BOOLEAN, NULL, REAL
 * (decimal, inf/NaN/-0, hex beyond a double), OBJECT IDENTIFIER dotted
 * with its name from @oids (NULL: the built-in names), strings escaped
 * (\xNN, \uNNNN), times followed by their reading ("2026-12-01 08:02:55
 * UTC"), BIT STRINGs of up to 32 bits as bits ('101'B), longer ones in
 * hex with their unused bits, OCTET STRING and others in hex. At most
 * @max_octets contents octets are shown (0: all), "..." marks the rest.
 * When @json, the text is escaped for inclusion inside a JSON string
 * (or, with BER_VALUE_LITERAL, is a JSON number/true/false/null), with
 * no OID name, time reading or bits form (JSON has fields for those).
 * Returns a set of BER_VALUE_* flags.
 */
unsigned ber_text_value(const BERInspectElement *e, BERText *t,
                        size_t max_octets, bool json,
                        const BEROidTable *oids);

/*
 * Append the joined value of a constructed UTCTime/GeneralizedTime @e and
 * its reading ("\"261126185609Z\" (2026-11-26 18:56:09 UTC)") to @t, from
 * the segments in @e's contents: the whole contents must be there (the
 * begin event of a definite-length value, the end event of an
 * indefinite one). Returns false and appends nothing when @e is no
 * constructed time, the segments are not OCTET STRINGs, the joined value
 * is over 64 octets or is not a valid time.
 */
bool ber_text_constructed_time(const BERInspectElement *e, BERText *t);

/* The value is shown in hexadecimal: too large for a machine type. */
#define BER_VALUE_BIG      1u
/* The text is a bare JSON literal (number, true, false, null). */
#define BER_VALUE_LITERAL  2u
/* The text is a quoted string in tree form (quotes included). */
#define BER_VALUE_QUOTED   4u
/* Contents were cut at @max_octets. */
#define BER_VALUE_CUT      8u

/*
 * Append the tag of @e: the universal name, "[APPLICATION n]", "[n]",
 * "[PRIVATE n]" (n in hex with 0x when beyond 63 bits).
 */
void ber_text_tag(const BERInspectElement *e, BERText *t);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_BER_TEXT_H */
