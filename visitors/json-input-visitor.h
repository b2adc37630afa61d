/*
 * visitors/json-input-visitor.h: a visitor that builds a QAPI object from
 * JSON text (RFC 8259), parsed with json-c.
 *
 * Accepted input (the inverse of json-output-visitor.h):
 * - struct <- object; members are looked up by name, in any order. A
 *   member the C type lacks fails visit_check_struct() with "Parameter
 *   'a.b' is unexpected"; a missing mandatory one fails with "Parameter
 *   'a.b' is missing". Duplicate keys: json-c keeps the last one.
 * - list <- array; alternate <- any value, its JSON type choosing the
 *   branch (null: QTYPE_QNULL, number: QTYPE_QNUM, string: QTYPE_QSTRING,
 *   object: QTYPE_QDICT, array: QTYPE_QLIST, true/false: QTYPE_QBOOL).
 * - intN/uintN <- an integer number (no fraction, no exponent) within the
 *   64-bit range of the C type: the whole int64 and uint64 ranges are
 *   exact; anything else fails ("Parameter 'x' expects integer" for int64,
 *   "... expects uint64" for uint64; the core checks narrower widths).
 * - number <- any JSON number, or one of the strings "NaN", "Infinity",
 *   "-Infinity" (how the output visitor writes those values). A number
 *   too large for a double (1e400) fails rather than becoming infinity.
 * - str <- string: valid UTF-8 without NUL characters (U+0000).
 * - bytes and sized buffers <- a base64 string (RFC 4648, padded,
 *   canonical, no whitespace), validated strictly.
 * - enum <- its name as a string; null <- null.
 * - visit_type_any() is not supported (fails).
 * Type mismatches fail with QEMU's "Invalid parameter type for 'a.b[2]',
 * expected: <type>"; names are full paths from the top-level value.
 */
#ifndef VISITORS_JSON_INPUT_VISITOR_H
#define VISITORS_JSON_INPUT_VISITOR_H

#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The deepest nesting of arrays and objects json_input_visitor_new() takes. */
#define JSON_INPUT_MAX_DEPTH 128

/*
 * Parse the NUL-terminated text @json (exactly one JSON value, optionally
 * surrounded by whitespace) and return an input visitor over it, or NULL
 * with @errp set when the text is not valid JSON: "JSON parse error at
 * line L, column C (byte offset O): <reason>", lines and columns counting
 * from 1, columns in bytes. Strict JSON only: no comments, trailing
 * commas, single quotes, NaN/Infinity literals, invalid UTF-8, or nesting
 * deeper than JSON_INPUT_MAX_DEPTH.
 *
 * The visitor does not keep @json. Visit one top-level value, then
 * visit_free() it (also after a failed visit, with scopes still open).
 */
Visitor *json_input_visitor_new(const char *json, Error **errp);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_JSON_INPUT_VISITOR_H */
