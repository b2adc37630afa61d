/*
 * visitors/json-output-visitor.c: QAPI object -> JSON text.
 *
 * Writes straight into one GString instead of building a json-c object
 * tree first: the tree would cost an allocation per value and a second
 * pass to print it, and the output must keep the members in visit order
 * anyway. The only state is one small frame per open struct or list.
 */
#include "config.h"

#include <assert.h>
#include <math.h>
#include <string.h>

#include "qapi/visitor-impl.h"
#include "visitors/json-output-visitor.h"

typedef struct JsonOutputFrame {
    bool is_struct;     /* an object (members have names) or an array */
    bool has_content;   /* a member or element was written: next needs ',' */
} JsonOutputFrame;

typedef struct JsonOutputVisitor {
    Visitor visitor;
    GString *out;
    char **result;
    bool pretty;
    JsonOutputFrame *frames;
    size_t depth;
    size_t frames_alloc;
} JsonOutputVisitor;

static JsonOutputVisitor *to_jov(Visitor *v)
{
    /* visitor is the first member */
    return (JsonOutputVisitor *)v;
}

static void append_indent(JsonOutputVisitor *jov, size_t depth)
{
    g_string_append_c(jov->out, '\n');
    for (size_t i = 0; i < depth; i++) {
        g_string_append_len(jov->out, "    ", 4);
    }
}

/*
 * Characters that cannot appear raw inside a JSON string: 1 for the
 * ASCII ones that need an escape, 2 for bytes that start (or are
 * invalid in) a multi-byte UTF-8 sequence and need validating.
 */
static const uint8_t json_char_class[256] = {
    [0x00 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1,
    [0x80 ... 0xff] = 2,
};

static void append_string(GString *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    const unsigned char *run = s;

    g_string_append_c(out, '"');
    for (;;) {
        while (*s && !json_char_class[*s]) {
            s++;
        }
        g_string_append_len(out, (const char *)run, s - run);
        if (!*s) {
            break;
        }
        if (json_char_class[*s] == 2) {
            gunichar c = g_utf8_get_char_validated((const char *)s, -1);

            if (c == (gunichar)-1 || c == (gunichar)-2) {
                /* Keep the text valid JSON: U+FFFD for a bad byte. */
                g_string_append_len(out, "\xef\xbf\xbd", 3);
                s++;
            } else {
                int n = g_utf8_skip[*s];

                g_string_append_len(out, (const char *)s, n);
                s += n;
            }
        } else {
            switch (*s) {
            case '"':
                g_string_append_len(out, "\\\"", 2);
                break;
            case '\\':
                g_string_append_len(out, "\\\\", 2);
                break;
            case '\b':
                g_string_append_len(out, "\\b", 2);
                break;
            case '\f':
                g_string_append_len(out, "\\f", 2);
                break;
            case '\n':
                g_string_append_len(out, "\\n", 2);
                break;
            case '\r':
                g_string_append_len(out, "\\r", 2);
                break;
            case '\t':
                g_string_append_len(out, "\\t", 2);
                break;
            default:
                g_string_append_printf(out, "\\u%04x", *s);
                break;
            }
            s++;
        }
        run = s;
    }
    g_string_append_c(out, '"');
}

/* Separator, indentation and member name that precede every value. */
static void begin_value(JsonOutputVisitor *jov, const char *name)
{
    JsonOutputFrame *frame;

    if (!jov->depth) {
        return;
    }
    frame = &jov->frames[jov->depth - 1];
    if (frame->has_content) {
        g_string_append_c(jov->out, ',');
    }
    frame->has_content = true;
    if (jov->pretty) {
        append_indent(jov, jov->depth);
    }
    if (frame->is_struct) {
        append_string(jov->out, name);
        if (jov->pretty) {
            g_string_append_len(jov->out, ": ", 2);
        } else {
            g_string_append_c(jov->out, ':');
        }
    }
}

static void push_frame(JsonOutputVisitor *jov, bool is_struct)
{
    if (jov->depth == jov->frames_alloc) {
        jov->frames_alloc = jov->frames_alloc ? jov->frames_alloc * 2 : 16;
        jov->frames = g_renew(JsonOutputFrame, jov->frames,
                              jov->frames_alloc);
    }
    jov->frames[jov->depth].is_struct = is_struct;
    jov->frames[jov->depth].has_content = false;
    jov->depth++;
}

static void pop_frame(JsonOutputVisitor *jov, char close)
{
    assert(jov->depth > 0);
    jov->depth--;
    if (jov->pretty && jov->frames[jov->depth].has_content) {
        append_indent(jov, jov->depth);
    }
    g_string_append_c(jov->out, close);
}

static bool json_output_start_struct(Visitor *v, const char *name,
                                     void **obj, size_t size, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    g_string_append_c(jov->out, '{');
    push_frame(jov, true);
    return true;
}

static void json_output_end_struct(Visitor *v, void **obj)
{
    JsonOutputVisitor *jov = to_jov(v);

    assert(jov->depth && jov->frames[jov->depth - 1].is_struct);
    pop_frame(jov, '}');
}

static bool json_output_start_list(Visitor *v, const char *name,
                                   GenericList **list, size_t size,
                                   Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    g_string_append_c(jov->out, '[');
    push_frame(jov, false);
    return true;
}

static GenericList *json_output_next_list(Visitor *v, GenericList *tail,
                                          size_t size)
{
    return tail->next;
}

static void json_output_end_list(Visitor *v, void **list)
{
    JsonOutputVisitor *jov = to_jov(v);

    assert(jov->depth && !jov->frames[jov->depth - 1].is_struct);
    pop_frame(jov, ']');
}

static void append_decimal(GString *out, uint64_t magnitude, bool negative)
{
    char buf[24];
    char *p = buf + sizeof(buf);

    do {
        *--p = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude);
    if (negative) {
        *--p = '-';
    }
    g_string_append_len(out, p, buf + sizeof(buf) - p);
}

static bool json_output_type_int64(Visitor *v, const char *name,
                                   int64_t *obj, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    if (*obj < 0) {
        /* Negate in unsigned arithmetic: -INT64_MIN overflows int64_t. */
        append_decimal(jov->out, -(uint64_t)*obj, true);
    } else {
        append_decimal(jov->out, (uint64_t)*obj, false);
    }
    return true;
}

static bool json_output_type_uint64(Visitor *v, const char *name,
                                    uint64_t *obj, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    append_decimal(jov->out, *obj, false);
    return true;
}

static bool json_output_type_bool(Visitor *v, const char *name, bool *obj,
                                  Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    if (*obj) {
        g_string_append_len(jov->out, "true", 4);
    } else {
        g_string_append_len(jov->out, "false", 5);
    }
    return true;
}

static bool json_output_type_str(Visitor *v, const char *name, char **obj,
                                 Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    append_string(jov->out, *obj);
    return true;
}

/*
 * The shortest of %.15g, %.16g, %.17g that reads back as @d (%.17g always
 * does), so 0.1 prints as "0.1" and not "0.10000000000000001".
 */
static void append_double(GString *out, double d)
{
    static const char *const formats[] = { "%.15g", "%.16g", "%.17g" };
    char buf[G_ASCII_DTOSTR_BUF_SIZE];

    if (isnan(d)) {
        g_string_append_len(out, "\"NaN\"", 5);
        return;
    }
    if (isinf(d)) {
        if (d < 0) {
            g_string_append_len(out, "\"-Infinity\"", 11);
        } else {
            g_string_append_len(out, "\"Infinity\"", 10);
        }
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
        g_ascii_formatd(buf, sizeof(buf), formats[i], d);
        if (g_ascii_strtod(buf, NULL) == d) {
            break;
        }
    }
    g_string_append(out, buf);
    /*
     * Keep it a JSON real ("1.0", "-0.0"), so a reader tells it from an
     * integer and the sign of zero survives.
     */
    if (!strpbrk(buf, ".e")) {
        g_string_append_len(out, ".0", 2);
    }
}

static bool json_output_type_number(Visitor *v, const char *name,
                                    double *obj, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    append_double(jov->out, *obj);
    return true;
}

static bool json_output_type_null(Visitor *v, const char *name,
                                  QNull **obj, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    g_string_append_len(jov->out, "null", 4);
    return true;
}

static void append_base64(GString *out, const uint8_t *buf, size_t len)
{
    size_t start;
    gint state = 0;
    gint save = 0;
    size_t n;

    g_string_append_c(out, '"');
    start = out->len;
    /* The bound g_base64_encode_step() documents, without line breaks. */
    g_string_set_size(out, start + (len / 3 + 1) * 4 + 4);
    n = g_base64_encode_step(buf, len, FALSE, out->str + start,
                             &state, &save);
    n += g_base64_encode_close(FALSE, out->str + start + n, &state, &save);
    g_string_truncate(out, start + n);
    g_string_append_c(out, '"');
}

static bool json_output_type_bytes(Visitor *v, const char *name,
                                   uint8_t **buf, size_t *len, Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    append_base64(jov->out, *buf, *len);
    return true;
}

static bool json_output_type_fixed_bytes(Visitor *v, const char *name,
                                         uint8_t *buf, size_t len,
                                         Error **errp)
{
    JsonOutputVisitor *jov = to_jov(v);

    begin_value(jov, name);
    append_base64(jov->out, buf, len);
    return true;
}

static void json_output_complete(Visitor *v, void *opaque)
{
    JsonOutputVisitor *jov = to_jov(v);

    assert(opaque == jov->result);
    assert(jov->depth == 0 && jov->out);
    *jov->result = g_string_free(jov->out, FALSE);
    jov->out = NULL;
}

static void json_output_free(Visitor *v)
{
    JsonOutputVisitor *jov = to_jov(v);

    if (jov->out) {
        g_string_free(jov->out, TRUE);
    }
    g_free(jov->frames);
    g_free(jov);
}

Visitor *json_output_visitor_new(bool pretty, char **result)
{
    JsonOutputVisitor *jov = g_new0(JsonOutputVisitor, 1);

    jov->out = g_string_sized_new(256);
    jov->result = result;
    jov->pretty = pretty;

    jov->visitor.type = VISITOR_OUTPUT;
    jov->visitor.start_struct = json_output_start_struct;
    jov->visitor.end_struct = json_output_end_struct;
    jov->visitor.start_list = json_output_start_list;
    jov->visitor.next_list = json_output_next_list;
    jov->visitor.end_list = json_output_end_list;
    jov->visitor.type_int64 = json_output_type_int64;
    jov->visitor.type_uint64 = json_output_type_uint64;
    jov->visitor.type_bool = json_output_type_bool;
    jov->visitor.type_str = json_output_type_str;
    jov->visitor.type_number = json_output_type_number;
    jov->visitor.type_null = json_output_type_null;
    jov->visitor.type_bytes = json_output_type_bytes;
    jov->visitor.type_fixed_bytes = json_output_type_fixed_bytes;
    jov->visitor.policy_skip = visit_policy_skip_by_compat;
    jov->visitor.complete = json_output_complete;
    jov->visitor.free = json_output_free;
    return &jov->visitor;
}
