/*
 * visitors/json-output-visitor.h: a visitor that writes a QAPI object as
 * JSON text (RFC 8259).
 *
 * Mapping (see docs/json-visitors.md):
 * - struct -> object (members in visit order), list -> array,
 *   intN/uintN -> integer number (exact, 64 bits), bool -> true/false,
 *   str -> string (UTF-8; control characters, '"' and '\' escaped;
 *   invalid UTF-8 bytes are replaced by U+FFFD so the text is always
 *   valid JSON), enum -> its name as a string, null -> null,
 *   alternate -> the JSON of its current branch.
 * - number (double): finite values in the shortest form that reads back
 *   to the same double, always with a '.' or an exponent ("1.0", "1e+300");
 *   -0.0 as "-0.0". NaN and the infinities are not JSON numbers: they are
 *   written as the strings "NaN", "Infinity" and "-Infinity", which
 *   json_input_visitor_new() accepts back for a number.
 * - byte strings (visit_type_bytes(), visit_type_sized_buffer()): a
 *   base64 string (RFC 4648, with padding, no line breaks).
 * - visit_type_any() is not supported (fails).
 */
#ifndef VISITORS_JSON_OUTPUT_VISITOR_H
#define VISITORS_JSON_OUTPUT_VISITOR_H

#include <stdbool.h>
#include "qapi/visitor.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Create a JSON output visitor. @pretty selects an indented layout (four
 * spaces per level, one member or element per line) instead of the
 * compact one (no whitespace at all). @result is where visit_complete()
 * stores the text: pass the same char ** to visit_complete(), which sets
 * *@result to a new NUL-terminated string; free it with g_free() (or
 * free(): it comes from g_malloc). Until visit_complete() runs, *@result
 * is not touched.
 *
 * Visit exactly one top-level value, then call visit_complete() once and
 * visit_free(). Never fails; visit_free() alone (e.g. after the caller
 * gave up mid-visit) releases everything.
 */
Visitor *json_output_visitor_new(bool pretty, char **result);

#ifdef __cplusplus
}
#endif

#endif /* VISITORS_JSON_OUTPUT_VISITOR_H */
