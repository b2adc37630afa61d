/*
 * visitors/json-input-visitor.c: JSON text -> QAPI object.
 *
 * json-c parses the whole text into a tree first (so malformed text fails
 * before any C object is built); the visitor then walks that tree with a
 * stack of scopes, one per open object or array, much as QEMU's
 * qobject-input-visitor walks a QObject.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <limits.h>
#include <string.h>

#include <json-c/json.h>

#include "qapi/visitor-impl.h"
#include "visitors/json-input-visitor.h"

typedef struct JsonInputScope {
    json_object *obj;       /* the object or array being visited */
    const char *name;       /* the name it was visited under (for errors) */
    bool is_list;
    /* array: elements consumed so far, index of the last one fetched */
    size_t index;
    size_t current;
    size_t length;
    /*
     * object: the members consumed so far, for visit_check_struct(). The
     * buffer is kept when the scope is popped and reused by the next
     * scope at this depth, so a visit does not allocate per struct.
     */
    struct lh_entry **consumed;
    size_t consumed_count;
    size_t consumed_alloc;
} JsonInputScope;

typedef struct JsonInputVisitor {
    Visitor visitor;
    json_object *root;
    JsonInputScope *scopes;
    size_t depth;
    size_t scopes_alloc;
    GString *errname;       /* scratch for full_name() */
} JsonInputVisitor;

static JsonInputVisitor *to_jiv(Visitor *v)
{
    /* visitor is the first member */
    return (JsonInputVisitor *)v;
}

/* The innermost open scope, which must be a list (@is_list) or an object. */
static JsonInputScope *top_scope(JsonInputVisitor *jiv, bool is_list)
{
    assert(jiv->depth > 0);
    assert(jiv->scopes[jiv->depth - 1].is_list == is_list);
    return &jiv->scopes[jiv->depth - 1];
}

/*
 * The path of the value @name inside the innermost open scope, leaving
 * out the @skip innermost scopes: "a.b[3].c". Valid until the next call.
 */
static const char *full_name_nth(JsonInputVisitor *jiv, const char *name,
                                 size_t skip)
{
    size_t depth = jiv->depth - skip;
    GString *s = jiv->errname;

    assert(skip <= jiv->depth);
    if (skip) {
        name = jiv->scopes[depth].name;
    }
    g_string_truncate(s, 0);
    for (size_t i = 0; i < depth; i++) {
        const char *child = i + 1 < depth ? jiv->scopes[i + 1].name : name;

        if (jiv->scopes[i].is_list) {
            g_string_append_printf(s, "[%zu]", jiv->scopes[i].current);
        } else {
            if (s->len) {
                g_string_append_c(s, '.');
            }
            g_string_append(s, child ? child : "null");
        }
    }
    if (!s->len) {
        return name ? name : "<top-level>";
    }
    return s->str;
}

static const char *full_name(JsonInputVisitor *jiv, const char *name)
{
    return full_name_nth(jiv, name, 0);
}

/*
 * Find the value @name of the innermost scope (the element at the cursor
 * for an array, the whole text at the top level). Returns false if there
 * is none; a JSON null is found as *@value == NULL. @consume marks it
 * visited (objects) or moves the cursor past it (arrays).
 */
static bool lookup_value(JsonInputVisitor *jiv, const char *name,
                         bool consume, json_object **value)
{
    JsonInputScope *tos;

    if (!jiv->depth) {
        *value = jiv->root;
        return true;
    }
    tos = &jiv->scopes[jiv->depth - 1];
    if (tos->is_list) {
        if (tos->index >= tos->length) {
            return false;
        }
        tos->current = tos->index;
        *value = json_object_array_get_idx(tos->obj, tos->index);
        if (consume) {
            tos->index++;
        }
        return true;
    } else {
        struct lh_entry *entry;

        if (!name) {
            return false;
        }
        entry = lh_table_lookup_entry(json_object_get_object(tos->obj), name);
        if (!entry) {
            return false;
        }
        *value = (json_object *)lh_entry_v(entry);
        if (consume) {
            /* Linear, but structs are small and this keeps no hash set. */
            for (size_t i = 0; i < tos->consumed_count; i++) {
                if (tos->consumed[i] == entry) {
                    return true;
                }
            }
            if (tos->consumed_count == tos->consumed_alloc) {
                tos->consumed_alloc = tos->consumed_alloc * 2 + 8;
                tos->consumed = g_renew(struct lh_entry *, tos->consumed,
                                        tos->consumed_alloc);
            }
            tos->consumed[tos->consumed_count++] = entry;
        }
        return true;
    }
}

/* lookup_value() that consumes, and reports a missing value. */
static bool get_value(JsonInputVisitor *jiv, const char *name,
                      json_object **value, Error **errp)
{
    if (!lookup_value(jiv, name, true, value)) {
        error_setg(errp, "Parameter '%s' is missing", full_name(jiv, name));
        return false;
    }
    return true;
}

static void invalid_type(JsonInputVisitor *jiv, const char *name,
                         const char *expected, Error **errp)
{
    error_setg(errp, "Invalid parameter type for '%s', expected: %s",
               full_name(jiv, name), expected);
}

/* get_value() of JSON type @type (error "expected: @expected" if not). */
static bool get_typed_value(JsonInputVisitor *jiv, const char *name,
                            json_type type, const char *expected,
                            json_object **value, Error **errp)
{
    if (!get_value(jiv, name, value, errp)) {
        return false;
    }
    if (!json_object_is_type(*value, type)) {
        invalid_type(jiv, name, expected, errp);
        return false;
    }
    return true;
}

static JsonInputScope *push_scope(JsonInputVisitor *jiv, json_object *obj,
                                  const char *name, bool is_list)
{
    JsonInputScope *scope;

    if (jiv->depth == jiv->scopes_alloc) {
        size_t old = jiv->scopes_alloc;

        jiv->scopes_alloc = old ? old * 2 : 16;
        jiv->scopes = g_renew(JsonInputScope, jiv->scopes,
                              jiv->scopes_alloc);
        memset(jiv->scopes + old, 0,
               (jiv->scopes_alloc - old) * sizeof(*jiv->scopes));
    }
    scope = &jiv->scopes[jiv->depth++];
    scope->obj = obj;
    scope->name = name;
    scope->is_list = is_list;
    scope->index = 0;
    scope->current = 0;
    scope->length = is_list ? json_object_array_length(obj) : 0;
    scope->consumed_count = 0;
    return scope;
}

static void pop_scope(JsonInputVisitor *jiv, bool is_list)
{
    top_scope(jiv, is_list);
    jiv->depth--;
}

static bool json_input_start_struct(Visitor *v, const char *name,
                                    void **obj, size_t size, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;

    if (obj) {
        *obj = NULL;
    }
    if (!get_typed_value(jiv, name, json_type_object, "object", &value,
                         errp)) {
        return false;
    }
    push_scope(jiv, value, name, false);
    if (obj) {
        *obj = g_malloc0(size);
    }
    return true;
}

static bool json_input_check_struct(Visitor *v, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    JsonInputScope *tos = top_scope(jiv, false);
    struct lh_entry *entry;

    if (tos->consumed_count == (size_t)json_object_object_length(tos->obj)) {
        return true;
    }
    lh_foreach(json_object_get_object(tos->obj), entry) {
        size_t i;

        for (i = 0; i < tos->consumed_count; i++) {
            if (tos->consumed[i] == entry) {
                break;
            }
        }
        if (i == tos->consumed_count) {
            error_setg(errp, "Parameter '%s' is unexpected",
                       full_name(jiv, (const char *)lh_entry_k(entry)));
            return false;
        }
    }
    return true;
}

static void json_input_end_struct(Visitor *v, void **obj)
{
    pop_scope(to_jiv(v), false);
}

static bool json_input_start_list(Visitor *v, const char *name,
                                  GenericList **list, size_t size,
                                  Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    JsonInputScope *scope;
    json_object *value;

    if (list) {
        *list = NULL;
    }
    if (!get_typed_value(jiv, name, json_type_array, "array", &value, errp)) {
        return false;
    }
    scope = push_scope(jiv, value, name, true);
    if (list && scope->length) {
        *list = g_malloc0(size);
    }
    return true;
}

static GenericList *json_input_next_list(Visitor *v, GenericList *tail,
                                         size_t size)
{
    JsonInputVisitor *jiv = to_jiv(v);
    JsonInputScope *tos = top_scope(jiv, true);

    if (tos->index >= tos->length) {
        return NULL;
    }
    tail->next = g_malloc0(size);
    return tail->next;
}

static bool json_input_check_list(Visitor *v, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    JsonInputScope *tos = top_scope(jiv, true);

    if (tos->index < tos->length) {
        error_setg(errp, "Only %zu list elements expected in %s",
                   tos->index, full_name_nth(jiv, NULL, 1));
        return false;
    }
    return true;
}

static void json_input_end_list(Visitor *v, void **list)
{
    pop_scope(to_jiv(v), true);
}

static bool json_input_start_alternate(Visitor *v, const char *name,
                                       GenericAlternate **obj, size_t size,
                                       Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;
    QType type = QTYPE_NONE;

    *obj = NULL;
    /* Only peek: the branch's own visit consumes the value. */
    if (!lookup_value(jiv, name, false, &value)) {
        error_setg(errp, "Parameter '%s' is missing", full_name(jiv, name));
        return false;
    }
    switch (json_object_get_type(value)) {
    case json_type_null:
        type = QTYPE_QNULL;
        break;
    case json_type_boolean:
        type = QTYPE_QBOOL;
        break;
    case json_type_double:
    case json_type_int:
        type = QTYPE_QNUM;
        break;
    case json_type_string:
        type = QTYPE_QSTRING;
        break;
    case json_type_object:
        type = QTYPE_QDICT;
        break;
    case json_type_array:
        type = QTYPE_QLIST;
        break;
    }
    *obj = g_malloc0(size);
    (*obj)->type = type;
    return true;
}

static bool json_input_optional(Visitor *v, const char *name, bool *present)
{
    json_object *value;

    *present = lookup_value(to_jiv(v), name, false, &value);
    return *present;
}

static bool json_input_type_int64(Visitor *v, const char *name,
                                  int64_t *obj, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;
    int64_t i;

    if (!get_value(jiv, name, &value, errp)) {
        return false;
    }
    switch (json_object_get_type(value)) {
    case json_type_int:
        i = json_object_get_int64(value);
        /* json-c clamps a uint64 above INT64_MAX to INT64_MAX. */
        if (i == INT64_MAX && json_object_get_uint64(value) != INT64_MAX) {
            break;
        }
        *obj = i;
        return true;
    case json_type_double:
        break;
    default:
        invalid_type(jiv, name, "integer", errp);
        return false;
    }
    error_setg(errp, "Parameter '%s' expects integer", full_name(jiv, name));
    return false;
}

static bool json_input_type_uint64(Visitor *v, const char *name,
                                   uint64_t *obj, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;
    int64_t i;

    if (!get_value(jiv, name, &value, errp)) {
        return false;
    }
    switch (json_object_get_type(value)) {
    case json_type_int:
        i = json_object_get_int64(value);
        if (i < 0) {
            break;
        }
        *obj = json_object_get_uint64(value);
        return true;
    case json_type_double:
        break;
    default:
        invalid_type(jiv, name, "integer", errp);
        return false;
    }
    error_setg(errp, "Parameter '%s' expects uint64", full_name(jiv, name));
    return false;
}

static bool json_input_type_bool(Visitor *v, const char *name, bool *obj,
                                 Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;

    if (!get_typed_value(jiv, name, json_type_boolean, "boolean", &value,
                         errp)) {
        return false;
    }
    *obj = json_object_get_boolean(value);
    return true;
}

/* The string @value as bytes, or NULL (error set) if it is no string. */
static const char *get_string(JsonInputVisitor *jiv, const char *name,
                              const char *expected, size_t *len,
                              Error **errp)
{
    json_object *value;

    if (!get_typed_value(jiv, name, json_type_string, expected, &value,
                         errp)) {
        return NULL;
    }
    *len = json_object_get_string_len(value);
    return json_object_get_string(value);
}

static bool json_input_type_str(Visitor *v, const char *name, char **obj,
                                Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    const char *s;
    size_t len;

    *obj = NULL;
    s = get_string(jiv, name, "string", &len, errp);
    if (!s) {
        return false;
    }
    /* A "\u0000" escape would silently truncate the C string. */
    if (memchr(s, '\0', len)) {
        error_setg(errp, "Parameter '%s' expects a string without NUL "
                   "characters", full_name(jiv, name));
        return false;
    }
    *obj = g_memdup2(s, len + 1);
    return true;
}

static bool json_input_type_number(Visitor *v, const char *name,
                                   double *obj, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;
    const char *s;
    double d;

    if (!get_value(jiv, name, &value, errp)) {
        return false;
    }
    switch (json_object_get_type(value)) {
    case json_type_int:
        if (json_object_get_int64(value) == INT64_MAX) {
            *obj = (double)json_object_get_uint64(value);
        } else {
            *obj = (double)json_object_get_int64(value);
        }
        return true;
    case json_type_double:
        d = json_object_get_double(value);
        if (!isfinite(d)) {
            /* Only an overflow gets here: NaN literals fail to parse. */
            error_setg(errp, "Parameter '%s' is out of range for a double",
                       full_name(jiv, name));
            return false;
        }
        *obj = d;
        return true;
    case json_type_string:
        /* The encoding json-output-visitor.h documents for non-finite. */
        s = json_object_get_string(value);
        if (!strcmp(s, "NaN")) {
            *obj = NAN;
            return true;
        } else if (!strcmp(s, "Infinity")) {
            *obj = INFINITY;
            return true;
        } else if (!strcmp(s, "-Infinity")) {
            *obj = -INFINITY;
            return true;
        }
        break;
    default:
        break;
    }
    invalid_type(jiv, name, "number", errp);
    return false;
}

static bool json_input_type_null(Visitor *v, const char *name, QNull **obj,
                                 Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    json_object *value;

    *obj = NULL;
    if (!get_typed_value(jiv, name, json_type_null, "null", &value, errp)) {
        return false;
    }
    *obj = qnull();
    return true;
}

/*** Strict base64 (RFC 4648 section 4, padded, canonical) ***/

/* Each base64 digit's value plus one; 0 marks a byte outside the alphabet. */
static const uint8_t base64_digit[256] = {
    ['A'] = 1, ['B'] = 2, ['C'] = 3, ['D'] = 4, ['E'] = 5, ['F'] = 6,
    ['G'] = 7, ['H'] = 8, ['I'] = 9, ['J'] = 10, ['K'] = 11, ['L'] = 12,
    ['M'] = 13, ['N'] = 14, ['O'] = 15, ['P'] = 16, ['Q'] = 17, ['R'] = 18,
    ['S'] = 19, ['T'] = 20, ['U'] = 21, ['V'] = 22, ['W'] = 23, ['X'] = 24,
    ['Y'] = 25, ['Z'] = 26, ['a'] = 27, ['b'] = 28, ['c'] = 29, ['d'] = 30,
    ['e'] = 31, ['f'] = 32, ['g'] = 33, ['h'] = 34, ['i'] = 35, ['j'] = 36,
    ['k'] = 37, ['l'] = 38, ['m'] = 39, ['n'] = 40, ['o'] = 41, ['p'] = 42,
    ['q'] = 43, ['r'] = 44, ['s'] = 45, ['t'] = 46, ['u'] = 47, ['v'] = 48,
    ['w'] = 49, ['x'] = 50, ['y'] = 51, ['z'] = 52, ['0'] = 53, ['1'] = 54,
    ['2'] = 55, ['3'] = 56, ['4'] = 57, ['5'] = 58, ['6'] = 59, ['7'] = 60,
    ['8'] = 61, ['9'] = 62, ['+'] = 63, ['/'] = 64,
};

static int base64_value(unsigned char c)
{
    return base64_digit[c] - 1;
}

/*
 * The decoded length of the base64 text @s (@len bytes), or false with
 * the reason if its length or padding is wrong. Characters are checked
 * by base64_decode().
 */
static bool base64_decoded_length(const char *s, size_t len, size_t *out,
                                  const char **reason)
{
    size_t pad = 0;

    if (len % 4) {
        *reason = "length is not a multiple of 4";
        return false;
    }
    if (len && s[len - 1] == '=') {
        pad = len >= 2 && s[len - 2] == '=' ? 2 : 1;
    }
    *out = len / 4 * 3 - pad;
    return true;
}

/*
 * Decode @len bytes of base64 text @s (whose decoded length
 * base64_decoded_length() accepted) into @out, or only check it when @out
 * is NULL. On failure, *@bad_offset is the offset of the offending
 * character in @s.
 */
static bool base64_decode(const char *s, size_t len, uint8_t *out,
                          size_t *bad_offset, const char **reason)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t o = 0;

    for (size_t i = 0; i < len; i += 4) {
        int a = base64_value(p[i]);
        int b = base64_value(p[i + 1]);
        int c = base64_value(p[i + 2]);
        int d = base64_value(p[i + 3]);
        bool last = i + 4 == len;

        if (a < 0 || b < 0) {
            *bad_offset = i + (a < 0 ? 0 : 1);
            *reason = "invalid character";
            return false;
        }
        if (c < 0 && !(last && p[i + 2] == '=' && p[i + 3] == '=')) {
            *bad_offset = i + 2;
            *reason = "invalid character";
            return false;
        }
        if (d < 0 && !(last && p[i + 3] == '=')) {
            *bad_offset = i + 3;
            *reason = "invalid character";
            return false;
        }
        if (c < 0) {
            /* "xx==": one byte; the 4 low bits of b must be zero. */
            if (b & 0x0f) {
                *bad_offset = i + 1;
                *reason = "non-zero padding bits";
                return false;
            }
            if (out) {
                out[o] = (uint8_t)(a << 2 | b >> 4);
            }
            o += 1;
        } else if (d < 0) {
            if (c & 0x03) {
                *bad_offset = i + 2;
                *reason = "non-zero padding bits";
                return false;
            }
            if (out) {
                out[o] = (uint8_t)(a << 2 | b >> 4);
                out[o + 1] = (uint8_t)((b & 0x0f) << 4 | c >> 2);
            }
            o += 2;
        } else {
            if (out) {
                out[o] = (uint8_t)(a << 2 | b >> 4);
                out[o + 1] = (uint8_t)((b & 0x0f) << 4 | c >> 2);
                out[o + 2] = (uint8_t)((c & 0x03) << 6 | d);
            }
            o += 3;
        }
    }
    return true;
}

static void base64_error(JsonInputVisitor *jiv, const char *name,
                         size_t offset, const char *reason, Error **errp)
{
    error_setg(errp, "Parameter '%s' expects base64 data: %s at offset %zu",
               full_name(jiv, name), reason, offset);
}

static bool json_input_type_bytes(Visitor *v, const char *name,
                                  uint8_t **buf, size_t *len, Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    const char *s, *reason;
    size_t slen, n, bad;
    uint8_t *data;

    *buf = NULL;
    *len = 0;
    s = get_string(jiv, name, "string", &slen, errp);
    if (!s) {
        return false;
    }
    if (!base64_decoded_length(s, slen, &n, &reason)) {
        base64_error(jiv, name, slen, reason, errp);
        return false;
    }
    /* n <= slen: the allocation follows the text actually present. */
    data = g_malloc(n ? n : 1);
    if (!base64_decode(s, slen, data, &bad, &reason)) {
        g_free(data);
        base64_error(jiv, name, bad, reason, errp);
        return false;
    }
    *buf = data;
    *len = n;
    return true;
}

static bool json_input_type_fixed_bytes(Visitor *v, const char *name,
                                        uint8_t *buf, size_t len,
                                        Error **errp)
{
    JsonInputVisitor *jiv = to_jiv(v);
    const char *s, *reason;
    size_t slen, n, bad;

    s = get_string(jiv, name, "string", &slen, errp);
    if (!s) {
        return false;
    }
    if (!base64_decoded_length(s, slen, &n, &reason)) {
        base64_error(jiv, name, slen, reason, errp);
        return false;
    }
    if (n != len) {
        error_setg(errp, "Parameter '%s' expects %zu bytes, got %zu",
                   full_name(jiv, name), len, n);
        return false;
    }
    /* Check everything first: @buf stays unchanged on failure. */
    if (!base64_decode(s, slen, NULL, &bad, &reason)) {
        base64_error(jiv, name, bad, reason, errp);
        return false;
    }
    base64_decode(s, slen, buf, &bad, &reason);
    return true;
}

static void json_input_free(Visitor *v)
{
    JsonInputVisitor *jiv = to_jiv(v);

    for (size_t i = 0; i < jiv->scopes_alloc; i++) {
        g_free(jiv->scopes[i].consumed);
    }
    g_free(jiv->scopes);
    json_object_put(jiv->root);
    g_string_free(jiv->errname, TRUE);
    g_free(jiv);
}

/*** Parsing ***/

/*
 * What json-c does not check itself, found in one pass over the text: it
 * accepts NaN/Infinity literals, single-quoted strings, raw control
 * characters and overlong or surrogate UTF-8 sequences inside strings,
 * and silently clamps integers beyond the 64-bit ranges to INT64_MIN or
 * UINT64_MAX. The first offending offset is kept, to be reported unless
 * json-c finds an earlier error.
 */
typedef struct JsonPrescan {
    size_t bad_offset;          /* SIZE_MAX if none */
    const char *bad_reason;
    GArray *big_integers;       /* size_t offsets just past each one */
} JsonPrescan;

static bool integer_overflows(const char *digits, size_t n, bool negative)
{
    if (negative) {
        return n > 19 || (n == 19 && memcmp(digits, "9223372036854775808",
                                            19) > 0);
    }
    return n > 20 || (n == 20 && memcmp(digits, "18446744073709551615",
                                        20) > 0);
}

/* Inside a string: 0 plain byte, 1 '"', 2 '\\', 3 control, 4 non-ASCII. */
static const uint8_t string_byte_class[256] = {
    [0x00 ... 0x1f] = 3, ['"'] = 1, ['\\'] = 2, [0x80 ... 0xff] = 4,
};

static void prescan_fail(JsonPrescan *scan, size_t offset, const char *why)
{
    if (scan->bad_offset == SIZE_MAX) {
        scan->bad_offset = offset;
        scan->bad_reason = why;
    }
}

/* The value of the 4 hex digits at @p, or -1. */
static int hex4(const char *p)
{
    int value = 0;

    for (int i = 0; i < 4; i++) {
        int d = g_ascii_xdigit_value(p[i]);

        if (d < 0) {
            return -1;
        }
        value = value << 4 | d;
    }
    return value;
}

/*
 * Check the escape "\uXXXX" at @p and return what follows it. json-c
 * would turn a lone UTF-16 surrogate into U+FFFD without a word; it is
 * an error here, as in QEMU's parser. Malformed hex is json-c's to report.
 */
static const char *prescan_unicode_escape(const char *text, const char *p,
                                          JsonPrescan *scan)
{
    int unit = hex4(p + 2);

    if (unit < 0) {
        return p + 2;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) {
        prescan_fail(scan, p - text, "lone UTF-16 surrogate in \\u escape");
    } else if (unit >= 0xd800 && unit <= 0xdbff) {
        int low = p[6] == '\\' && p[7] == 'u' ? hex4(p + 8) : -1;

        if (low < 0xdc00 || low > 0xdfff) {
            prescan_fail(scan, p - text,
                         "lone UTF-16 surrogate in \\u escape");
        } else {
            return p + 12;
        }
    }
    return p + 6;
}

/* Skip the string starting after the opening quote at @p; return its end. */
static const char *prescan_string(const char *text, const char *p,
                                  JsonPrescan *scan)
{
    for (;;) {
        const unsigned char *u = (const unsigned char *)p;

        while (!string_byte_class[*u]) {
            u++;
        }
        p = (const char *)u;
        switch (string_byte_class[*u]) {
        case 1:
            return p + 1;
        case 2:
            if (!p[1]) {
                return p + 1;
            }
            if (p[1] == 'u') {
                p = prescan_unicode_escape(text, p, scan);
            } else {
                p += 2;
            }
            break;
        case 3:
            if (!*p) {
                return p;   /* unterminated: json-c reports it */
            }
            prescan_fail(scan, p - text, "control character in string");
            p++;
            break;
        default: {
            gunichar c = g_utf8_get_char_validated(p, -1);

            if (c == (gunichar)-1 || c == (gunichar)-2) {
                prescan_fail(scan, p - text, "invalid UTF-8");
                p++;
            } else {
                p += g_utf8_skip[*u];
            }
            break;
        }
        }
    }
}

static void json_prescan(const char *text, JsonPrescan *scan)
{
    const char *p = text;

    scan->bad_offset = SIZE_MAX;
    scan->bad_reason = NULL;
    scan->big_integers = NULL;
    while (*p) {
        char c = *p;

        if (c == '"') {
            p = prescan_string(text, p + 1, scan);
        } else if (c == '-' || g_ascii_isdigit(c)) {
            bool negative = c == '-';
            const char *digits = negative ? p + 1 : p;
            const char *end = digits;

            while (g_ascii_isdigit(*end)) {
                end++;
            }
            if (*end == '.' || *end == 'e' || *end == 'E') {
                end++;
                while (g_ascii_isdigit(*end) || *end == '.' || *end == 'e' ||
                       *end == 'E' || *end == '+' || *end == '-') {
                    end++;
                }
            } else if (end > digits &&
                       integer_overflows(digits, end - digits, negative)) {
                size_t offset = end - text;

                if (!scan->big_integers) {
                    scan->big_integers = g_array_new(FALSE, FALSE,
                                                     sizeof(size_t));
                }
                g_array_append_val(scan->big_integers, offset);
            }
            p = end > p ? end : p + 1;
        } else if (g_ascii_isalpha(c)) {
            const char *end = p;

            while (g_ascii_isalnum(*end)) {
                end++;
            }
            if (!((end - p == 4 && !memcmp(p, "true", 4)) ||
                  (end - p == 5 && !memcmp(p, "false", 5)) ||
                  (end - p == 4 && !memcmp(p, "null", 4)))) {
                prescan_fail(scan, p - text,
                             "invalid literal (only true, false and null)");
            }
            p = end;
        } else if (c == '\'') {
            prescan_fail(scan, p - text, "single quotes are not JSON");
            p++;
        } else {
            p++;
        }
    }
}

/*
 * Append ".0" to each integer literal json-c would clamp, so that it
 * parses as a double instead: then the integer visits reject it ("expects
 * integer") and a number visit reads its real value. Offsets in the
 * result map back through map_offset().
 */
static char *widen_big_integers(const char *text, size_t len, GArray *ends)
{
    GString *s = g_string_sized_new(len + ends->len * 2 + 1);
    size_t from = 0;

    for (guint i = 0; i < ends->len; i++) {
        size_t end = g_array_index(ends, size_t, i);

        g_string_append_len(s, text + from, end - from);
        g_string_append_len(s, ".0", 2);
        from = end;
    }
    g_string_append_len(s, text + from, len - from);
    return g_string_free(s, FALSE);
}

static size_t map_offset(size_t offset, GArray *ends)
{
    size_t inserted = 0;

    for (guint i = 0; ends && i < ends->len; i++) {
        size_t end = g_array_index(ends, size_t, i) + inserted;

        if (offset < end) {
            break;
        }
        /* Inside the added ".0" counts as its literal's end. */
        inserted += offset < end + 2 ? offset - end : 2;
    }
    return offset - inserted;
}

static void parse_error(const char *text, size_t offset, const char *reason,
                        Error **errp)
{
    size_t line = 1;
    size_t column = 1;

    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            line++;
            column = 1;
        } else {
            column++;
        }
    }
    error_setg(errp, "JSON parse error at line %zu, column %zu "
               "(byte offset %zu): %s", line, column, offset, reason);
}

static json_object *json_parse(const char *json, Error **errp)
{
    size_t len = strlen(json);
    JsonPrescan scan;
    char *widened = NULL;
    const char *text = json;
    size_t text_len = len;
    struct json_tokener *tok;
    json_object *root;
    enum json_tokener_error err;
    size_t end;

    if (len >= INT_MAX) {
        /* json-c takes an int length. */
        error_setg(errp, "JSON input of %zu bytes is too large", len);
        return NULL;
    }
    json_prescan(json, &scan);
    if (scan.big_integers) {
        widened = widen_big_integers(json, len, scan.big_integers);
        text = widened;
        text_len = strlen(widened);
    }

    tok = json_tokener_new_ex(JSON_INPUT_MAX_DEPTH);
    if (!tok) {
        error_setg(errp, "JSON parse error: out of memory");
        root = NULL;
        goto out;
    }
    /* UTF-8 is validated (more strictly) by json_prescan(). */
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
    /* Include the NUL: it ends a top-level number such as "42". */
    root = json_tokener_parse_ex(tok, text, (int)(text_len + 1));
    err = json_tokener_get_error(tok);
    end = map_offset(json_tokener_get_parse_end(tok), scan.big_integers);
    if (err != json_tokener_success && end < scan.bad_offset) {
        json_object_put(root);
        root = NULL;
        parse_error(json, MIN(end, len),
                    err == json_tokener_continue ||
                    err == json_tokener_error_parse_eof
                    ? "unexpected end of input"
                    : json_tokener_error_desc(err), errp);
    } else if (scan.bad_offset != SIZE_MAX) {
        json_object_put(root);
        root = NULL;
        parse_error(json, scan.bad_offset, scan.bad_reason, errp);
    }
    json_tokener_free(tok);
out:
    g_free(widened);
    if (scan.big_integers) {
        g_array_free(scan.big_integers, TRUE);
    }
    return root;
}

Visitor *json_input_visitor_new(const char *json, Error **errp)
{
    JsonInputVisitor *jiv;
    json_object *root;
    Error *err = NULL;

    assert(json);
    root = json_parse(json, &err);
    if (err) {
        error_propagate(errp, err);
        return NULL;
    }

    jiv = g_new0(JsonInputVisitor, 1);
    jiv->root = root;
    jiv->errname = g_string_new(NULL);

    jiv->visitor.type = VISITOR_INPUT;
    jiv->visitor.start_struct = json_input_start_struct;
    jiv->visitor.check_struct = json_input_check_struct;
    jiv->visitor.end_struct = json_input_end_struct;
    jiv->visitor.start_list = json_input_start_list;
    jiv->visitor.next_list = json_input_next_list;
    jiv->visitor.check_list = json_input_check_list;
    jiv->visitor.end_list = json_input_end_list;
    jiv->visitor.start_alternate = json_input_start_alternate;
    jiv->visitor.type_int64 = json_input_type_int64;
    jiv->visitor.type_uint64 = json_input_type_uint64;
    jiv->visitor.type_bool = json_input_type_bool;
    jiv->visitor.type_str = json_input_type_str;
    jiv->visitor.type_number = json_input_type_number;
    jiv->visitor.type_null = json_input_type_null;
    jiv->visitor.type_bytes = json_input_type_bytes;
    jiv->visitor.type_fixed_bytes = json_input_type_fixed_bytes;
    jiv->visitor.optional = json_input_optional;
    jiv->visitor.policy_reject = visit_policy_reject_by_compat;
    jiv->visitor.free = json_input_free;
    return &jiv->visitor;
}
