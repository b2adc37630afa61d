/*
 * tools/ber-dump-schema.c: ber-dump's --schema: labels from an ASN.1
 * module and the errors of a value that does not match it (see
 * ber-dump-schema.h).
 */
#include "config.h"

#include <inttypes.h>
#include <libtasn1.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/ber-dump-schema.h"

static const char *schema_file;     /* --schema */
static const char *schema_type;     /* --type Module.Type */

/*
 * libtasn1 has no public way to iterate a definition's children, but it
 * prints any definition with asn1_print_structure(); we read that print
 * (name, type, value, attributes, two spaces of indent per level) into
 * our own small tree, resolving type references lazily by name so that
 * recursive types cost nothing until the data goes there.
 */
typedef struct SchemaNode {
    char *name;                 /* NULL for an unnamed element type */
    char *type;                 /* SEQUENCE, SEQ_OF, INTEGER, IDENTIFIER, ... */
    char *value;                /* referenced type name for IDENTIFIER */
    bool optional;              /* OPTION or DEFAULT */
    bool named_bits;            /* BIT STRING with a named bit list */
    int ntags;
    int tag_class[4];           /* BERClass of each tag, outermost first */
    uint64_t tag_number[4];
    bool tag_explicit[4];
    struct SchemaNode **child;
    size_t nchild;
    struct SchemaNode *resolved;    /* IDENTIFIER target */
    bool resolving;
    struct SchemaNode *next_alloc;
} SchemaNode;

typedef struct Schema {
    asn1_node defs;
    char module[128];
    SchemaNode *all;
    SchemaNode *root;
} Schema;

static Schema schema;

/* The state of one open element: which definition its children follow. */
typedef struct SchemaFrame {
    SchemaNode *node;           /* container type, or NULL: unlabelled */
    size_t next;                /* next SEQUENCE field */
    bool *seen;                 /* SET: the members present so far */
    uint64_t count;             /* SEQUENCE OF items seen */
    int skip_tags;              /* explicit tags of @node already consumed */
    const char *label;
    char *path;                 /* schema path of this element, for errors */
    bool failed;                /* a mismatch inside was reported */
} SchemaFrame;

/*
 * A value that does not match the schema is an error, like libtasn1's
 * asn1_der_decoding() tag errors: one diagnostic naming the schema path,
 * for the element being labelled (or the SEQUENCE missing a field).
 */
static BERInspectDiagnostic schema_diag;
static bool schema_diag_set;
static uint64_t schema_errors;
static uint64_t schema_warnings;
/* The element just labelled is a BIT STRING with named bits. */
static bool schema_named_bits;

static void schema_note(uint64_t offset, BERInspectSeverity severity,
                        const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void schema_note(uint64_t offset, BERInspectSeverity severity,
                        const char *code, const char *fmt, ...)
{
    va_list ap;

    schema_diag.offset = offset;
    schema_diag.severity = severity;
    schema_diag.code = code;
    va_start(ap, fmt);
    vsnprintf(schema_diag.message, sizeof(schema_diag.message), fmt, ap);
    va_end(ap);
    schema_diag_set = true;
    if (severity == BER_INSPECT_ERROR) {
        schema_errors++;
    } else {
        schema_warnings++;
    }
}

#define schema_fail(offset, ...) \
    schema_note(offset, BER_INSPECT_ERROR, "schema", __VA_ARGS__)

static SchemaFrame *sframes;
static size_t sframe_cap;
static BERText pr_found;        /* the tag of the element being matched */

static char *xstrndup(const char *s, size_t n)
{
    char *r = strndup(s, n);

    if (!r) {
        abort();
    }
    return r;
}

static SchemaNode *schema_new_node(void)
{
    SchemaNode *n = calloc(1, sizeof(*n));

    if (!n) {
        abort();
    }
    n->next_alloc = schema.all;
    schema.all = n;
    return n;
}

static void schema_add_child(SchemaNode *p, SchemaNode *c)
{
    SchemaNode **n = realloc(p->child, (p->nchild + 1) * sizeof(*n));

    if (!n) {
        abort();
    }
    p->child = n;
    p->child[p->nchild++] = c;
}

/* Value of " key:" in @line (up to two spaces or the end), or NULL. */
static char *field(const char *line, const char *key)
{
    const char *p = strstr(line, key);
    const char *e;

    if (!p) {
        return NULL;
    }
    p += strlen(key);
    e = strstr(p, "  ");
    if (!e) {
        e = p + strcspn(p, "\n");
    }
    return xstrndup(p, (size_t)(e - p));
}

/* Load definition @qualified ("Module.Type") into our tree, or NULL. */
static SchemaNode *schema_load(const char *qualified)
{
    char *text = NULL;
    size_t size = 0;
    FILE *fp = open_memstream(&text, &size);
    SchemaNode *stack[64];
    int depth = -1;
    SchemaNode *root = NULL;
    char *line;
    char *save = NULL;

    if (!fp) {
        return NULL;
    }
    if (!asn1_find_node(schema.defs, qualified)) {
        fclose(fp);
        free(text);
        return NULL;
    }
    asn1_print_structure(fp, schema.defs, qualified, ASN1_PRINT_ALL);
    fclose(fp);
    for (line = strtok_r(text, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        int indent = (int)strspn(line, " ") / 2;
        char *name = field(line, "name:");
        char *type = field(line, "type:");
        char *value = field(line, "value:");
        char *attr = field(line, "attr:");
        SchemaNode *n;

        if (!type || indent >= 64 || (indent > 0 && indent - 1 > depth)) {
            free(name); free(type); free(value); free(attr);
            continue;
        }
        if (indent > 0 && !strcmp(type, "TAG")) {
            SchemaNode *p = stack[indent - 1];

            if (p->ntags < 4 && value) {
                int k = p->ntags++;

                p->tag_number[k] = strtoull(value, NULL, 10);
                p->tag_class[k] = attr && strstr(attr, "APPLICATION") ?
                    BER_CLASS_APPLICATION : attr && strstr(attr, "PRIVATE") ?
                    BER_CLASS_PRIVATE : attr && strstr(attr, "UNIVERSAL") ?
                    BER_CLASS_UNIVERSAL : BER_CLASS_CONTEXT;
                p->tag_explicit[k] = attr && strstr(attr, "EXPLICIT");
            }
            free(name); free(type); free(value); free(attr);
            continue;
        }
        if (indent > 0 && (!strcmp(type, "SIZE") || !strcmp(type, "DEFAULT") ||
                           !strcmp(type, "CONSTANT"))) {
            free(name); free(type); free(value); free(attr);
            continue;
        }
        n = schema_new_node();
        n->name = name && strcmp(name, "NULL") ? name : (free(name), NULL);
        n->type = type;
        n->value = value;
        n->optional = attr && (strstr(attr, "OPTION") || strstr(attr, "DEFAULT"));
        n->named_bits = !strcmp(type, "BIT_STR") && attr && strstr(attr, "LIST");
        free(attr);
        if (indent == 0) {
            if (root) {
                break;
            }
            root = n;
        } else {
            schema_add_child(stack[indent - 1], n);
        }
        stack[indent] = n;
        depth = indent;
    }
    free(text);
    return root;
}

/* The definition an IDENTIFIER names, loaded on first use. */
static SchemaNode *schema_target(SchemaNode *n)
{
    if (!n->resolved && !n->resolving && n->value) {
        char q[512];

        n->resolving = true;
        if (strchr(n->value, '.')) {
            snprintf(q, sizeof(q), "%s", n->value);
        } else {
            snprintf(q, sizeof(q), "%s.%s", schema.module, n->value);
        }
        n->resolved = schema_load(q);
        n->resolving = false;
    }
    return n->resolved;
}

/*
 * A position in the definitions: the next encoding expected is tag
 * @skip of @node, or, once its tags are used up, the type of @node.
 */
typedef struct Cursor {
    SchemaNode *node;
    int skip;
} Cursor;

/* Step through references whose tags are used up. */
static Cursor normalize(Cursor c)
{
    int guard = 0;

    while (c.node && c.skip >= c.node->ntags &&
           !strcmp(c.node->type, "IDENTIFIER") && guard++ < 32) {
        SchemaNode *t = schema_target(c.node);
        /* an IMPLICIT tag on the reference replaces the target's first tag */
        bool replaced = c.node->ntags > 0 &&
                        !c.node->tag_explicit[c.node->ntags - 1];

        c.node = t;
        c.skip = t && replaced && t->ntags > 0 ? 1 : 0;
    }
    if (guard >= 32) {
        c.node = NULL;
    }
    return c;
}

static int universal_of(const char *type)
{
    static const struct { const char *t; int u; } map[] = {
        { "INTEGER", 2 }, { "BOOLEAN", 1 }, { "SEQUENCE", 16 },
        { "SEQ_OF", 16 }, { "SET", 17 }, { "SET_OF", 17 }, { "BIT_STR", 3 },
        { "OCT_STR", 4 }, { "OBJ_ID", 6 }, { "NULL", 5 }, { "ENUMERATED", 10 },
        { "UTF8_STR", 12 }, { "NUMERIC_STR", 18 }, { "PRINTABLE_STR", 19 },
        { "TELETEX_STR", 20 }, { "IA5_STR", 22 }, { "UTC_TIME", 23 },
        { "GENERALIZED_TIME", 24 }, { "VISIBLE_STR", 26 }, { "GENERAL_STR", 27 },
        { "UNIVERSAL_STR", 28 }, { "BMP_STR", 30 }, { "GENERALSTRING", 27 },
    };
    size_t i;

    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        if (!strcmp(map[i].t, type)) {
            return map[i].u;
        }
    }
    return -1;
}

/*
 * Whether element @e is the next encoding at @c; for an untagged CHOICE,
 * *@alt gets the alternative that matched.
 */
static bool schema_match(Cursor c, const BERInspectElement *e,
                         SchemaNode **alt, int depth)
{
    size_t i;
    int u;

    c = normalize(c);
    if (!c.node || depth > 16) {
        return false;
    }
    if (c.skip < c.node->ntags) {
        return e->tag_class == (BERClass)c.node->tag_class[c.skip] &&
               !e->tag_too_large && e->tag == c.node->tag_number[c.skip];
    }
    if (!strcmp(c.node->type, "ANY")) {
        return true;
    }
    if (!strcmp(c.node->type, "CHOICE")) {
        for (i = 0; i < c.node->nchild; i++) {
            SchemaNode *dummy;
            Cursor a = { c.node->child[i], 0 };

            if (schema_match(a, e, &dummy, depth + 1)) {
                *alt = c.node->child[i];
                return true;
            }
        }
        return false;
    }
    u = universal_of(c.node->type);
    return u >= 0 && e->tag_class == BER_CLASS_UNIVERSAL && !e->tag_too_large &&
           e->tag == (uint64_t)u;
}

/* What @c expects, for an error message: a tag or a type name. */
static const char *schema_expected(Cursor c, char *buf, size_t size)
{
    int u;

    c = normalize(c);
    if (!c.node) {
        return "?";
    }
    if (c.skip < c.node->ntags) {
        return ber_describe_tag((BERClass)c.node->tag_class[c.skip],
                                c.node->tag_number[c.skip], buf, size);
    }
    u = universal_of(c.node->type);
    if (u >= 0) {
        return ber_universal_tag_name((uint64_t)u);
    }
    snprintf(buf, size, "%s", c.node->type);
    return buf;
}

/* @base.@name (or @base[@index] when @name is NULL) in a new string. */
static char *schema_path(const char *base, const char *name, int64_t index)
{
    char *p;

    int n;

    if (name) {
        n = asprintf(&p, "%s.%s", base ? base : schema_type, name);
    } else {
        n = asprintf(&p, "%s[%" PRId64 "]", base ? base : schema_type, index);
    }
    if (n < 0) {
        abort();
    }
    return p;
}

static char label_buf[512];
/* The universal type behind the IMPLICIT tag of the element just labelled, or -1. */
static int schema_universal = -1;

/* Decide the label of @e and what its children follow. */
static const char *schema_begin(const BERInspectElement *e)
{
    SchemaFrame *parent;
    SchemaFrame *self;
    SchemaNode *alt = NULL;
    Cursor at = { NULL, 0 };
    const char *label = NULL;
    char want[64];

    if (e->depth + 1 > sframe_cap) {
        size_t cap = sframe_cap ? sframe_cap * 2 : 64;
        SchemaFrame *f;

        while (cap < e->depth + 1) {
            cap *= 2;
        }
        f = realloc(sframes, cap * sizeof(*f));
        if (!f) {
            abort();
        }
        memset(f + sframe_cap, 0, (cap - sframe_cap) * sizeof(*f));
        sframes = f;
        sframe_cap = cap;
    }
    /* after the array may have moved */
    parent = e->depth ? &sframes[e->depth - 1] : NULL;
    self = &sframes[e->depth];
    free(self->path);
    free(self->seen);
    memset(self, 0, sizeof(*self));
    schema_universal = -1;
    schema_diag_set = false;
    schema_named_bits = false;
    if (e->end_of_contents) {
        return NULL;
    }
    pr_found.len = 0;
    ber_text_tag(e, &pr_found);
    if (!parent) {
        Cursor c = { schema.root, 0 };

        if (schema_match(c, e, &alt, 0)) {
            at = c;
            label = schema_type;
            self->path = xstrndup(schema_type, strlen(schema_type));
        } else {
            schema_fail(e->offset, "schema: %s: expected %s, found %s",
                        schema_type, schema_expected(c, want, sizeof(want)),
                        pr_found.data);
        }
    } else if (parent->node) {
        SchemaNode *c = parent->node;

        if (parent->skip_tags) {
            /* the single element inside an explicit tag */
            Cursor k = { c, parent->skip_tags };

            if (parent->count++ == 0 && schema_match(k, e, &alt, 0)) {
                at = k;
                label = NULL;
                self->path = (parent->path ? xstrndup(parent->path, strlen(parent->path)) : NULL);
            } else {
                schema_fail(e->offset, "schema: %s: %s inside the explicit "
                            "tag, found %s", parent->path,
                            parent->count > 1 ? "nothing more expected" :
                            schema_expected(k, want, sizeof(want)),
                            pr_found.data);
            }
        } else if (!strcmp(c->type, "SEQ_OF") || !strcmp(c->type, "SET_OF")) {
            Cursor k = { c->nchild ? c->child[0] : NULL, 0 };

            if (schema_match(k, e, &alt, 0)) {
                at = k;
                snprintf(label_buf, sizeof(label_buf), "%s[%" PRIu64 "]",
                         parent->label ? parent->label : "", parent->count);
                label = label_buf;
                self->path = schema_path(parent->path, NULL,
                                         (int64_t)parent->count);
            } else {
                char *p = schema_path(parent->path, NULL,
                                      (int64_t)parent->count);

                schema_fail(e->offset, "schema: %s: expected %s, found %s", p,
                            schema_expected(k, want, sizeof(want)),
                            pr_found.data);
                free(p);
            }
            parent->count++;
        } else if (!strcmp(c->type, "SEQUENCE") || !strcmp(c->type, "SET")) {
            size_t i;
            bool seq = !strcmp(c->type, "SEQUENCE");
            size_t expected = c->nchild;

            for (i = seq ? parent->next : 0; i < c->nchild; i++) {
                Cursor k = { c->child[i], 0 };

                if (schema_match(k, e, &alt, 0)) {
                    label = c->child[i]->name;
                    if (!seq) {
                        /* SET members come in any order (BER; CER/DER
                         * order is the inspector's), each at most once */
                        if (!parent->seen) {
                            parent->seen = calloc(c->nchild, sizeof(bool));
                            if (!parent->seen) {
                                abort();
                            }
                        }
                        if (parent->seen[i]) {
                            char *p = schema_path(parent->path, label, 0);

                            schema_fail(e->offset, "schema: %s: the SET "
                                        "has this member already", p);
                            free(p);
                            alt = NULL;
                            break;
                        }
                        parent->seen[i] = true;
                    }
                    at = k;
                    self->path = schema_path(parent->path, label, 0);
                    if (seq) {
                        parent->next = i + 1;
                    }
                    break;
                }
                if (seq && !c->child[i]->optional) {
                    expected = i;
                    break;
                }
            }
            if (schema_diag_set) {
                /* a duplicate SET member, reported */
            } else if (!at.node && expected < c->nchild) {
                char *p = schema_path(parent->path, c->child[expected]->name,
                                      0);
                Cursor k = { c->child[expected], 0 };

                schema_fail(e->offset, "schema: %s: expected %s, found %s", p,
                            schema_expected(k, want, sizeof(want)),
                            pr_found.data);
                free(p);
                parent->next = c->nchild;
            } else if (!at.node) {
                schema_fail(e->offset, "schema: %s: no %sfield for %s",
                            parent->path, seq ? "further " : "",
                            pr_found.data);
            }
        }
    }
    if (!at.node) {
        if (schema_diag_set && parent) {
            parent->failed = true;
        }
        return NULL;
    }
    at = normalize(at);
    if (alt) {
        if (label && alt->name) {
            size_t l = strlen(label);
            size_t k = strlen(alt->name);

            if (l > sizeof(label_buf) / 2) {
                l = sizeof(label_buf) / 2;
            }
            if (k > sizeof(label_buf) / 2 - 2) {
                k = sizeof(label_buf) / 2 - 2;
            }
            memmove(label_buf, label, l);
            label_buf[l] = '.';
            memcpy(label_buf + l + 1, alt->name, k);
            label_buf[l + 1 + k] = 0;
            label = label_buf;
        } else if (alt->name) {
            label = alt->name;
        }
        at.node = alt;
        at.skip = 0;
        at = normalize(at);
    }
    /* what the children follow */
    if (at.node && at.skip < at.node->ntags) {
        if (at.node->tag_explicit[at.skip]) {
            self->node = at.node;
            self->skip_tags = at.skip + 1;
        } else {
            Cursor inner = { at.node, at.node->ntags };

            inner = normalize(inner);
            if (inner.node && inner.skip >= inner.node->ntags) {
                self->node = inner.node;
                schema_universal = universal_of(inner.node->type);
            } else if (inner.node) {
                self->node = inner.node;
                self->skip_tags = inner.skip;
            }
        }
    } else if (at.node) {
        self->node = at.node;
    }
    schema_named_bits = self->node && !self->skip_tags &&
                        self->node->named_bits;
    if (label && label != label_buf) {
        snprintf(label_buf, sizeof(label_buf), "%s", label);
    }
    return label ? label_buf : NULL;
}

/* Keep the label of an open element for its children's labels. */
static void schema_keep_label(const BERInspectElement *e, const char *label)
{
    sframes[e->depth].label = strdup(label);
}

/* @e is complete: a SEQUENCE or SET must have had its required fields. */
static void schema_end(const BERInspectElement *e)
{
    SchemaFrame *f;

    schema_diag_set = false;
    if (e->depth >= sframe_cap) {
        return;
    }
    f = &sframes[e->depth];
    if (f->node && !f->failed && !f->skip_tags && e->constructed &&
        (!strcmp(f->node->type, "SEQUENCE") || !strcmp(f->node->type, "SET"))) {
        bool set = !strcmp(f->node->type, "SET");
        size_t i;

        for (i = set ? 0 : f->next; i < f->node->nchild; i++) {
            if (!f->node->child[i]->optional &&
                !(set && f->seen && f->seen[i])) {
                char *p = schema_path(f->path, f->node->child[i]->name, 0);

                schema_fail(e->offset, "schema: %s: missing", p);
                free(p);
                break;
            }
        }
    }
    free((char *)f->label);
    f->label = NULL;
    free(f->path);
    f->path = NULL;
    free(f->seen);
    f->seen = NULL;
}

bool dump_schema_open(const char *file, const char *type)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    const char *dot;
    int rc;

    schema_file = file;
    schema_type = type;
    rc = asn1_parser2tree(schema_file, &schema.defs, err);

    if (rc != ASN1_SUCCESS) {
        fprintf(stderr, "ber-dump: %s: %s %s\n", schema_file, asn1_strerror(rc),
                err);
        return false;
    }
    dot = strchr(schema_type, '.');
    if (!dot || (size_t)(dot - schema_type) >= sizeof(schema.module)) {
        fprintf(stderr, "ber-dump: --type must be Module.Type\n");
        return false;
    }
    memcpy(schema.module, schema_type, (size_t)(dot - schema_type));
    schema.module[dot - schema_type] = 0;
    schema.root = schema_load(schema_type);
    if (!schema.root) {
        fprintf(stderr, "ber-dump: %s: no type %s\n", schema_file, schema_type);
        return false;
    }
    return true;
}

void dump_schema_close(void)
{
    SchemaNode *n = schema.all;

    while (n) {
        SchemaNode *next = n->next_alloc;

        free(n->name);
        free(n->type);
        free(n->value);
        free(n->child);
        free(n);
        n = next;
    }
    if (schema.defs) {
        asn1_delete_structure(&schema.defs);
    }
    for (size_t i = 0; i < sframe_cap; i++) {
        free(sframes[i].path);
        free(sframes[i].seen);
    }
    free(sframes);
    ber_text_free(&pr_found);
}

bool dump_schema_active(void)
{
    return schema.root != NULL;
}

void dump_schema_begin(const BERInspectElement *e, BERMode mode,
                       BERPrintExtra *x)
{
    const char *label = schema_begin(e);

    if (schema_named_bits && !e->constructed && !e->truncated &&
        ber_check_bit_string(e->content, e->content_available, BER_MODE_BER,
                             NULL) == BER_OK &&
        ber_check_named_bits(e->content, e->content_available) != BER_OK) {
        /* a canonical-form rule: tolerated by BER */
        schema_note(e->offset + e->header_length + e->content_available - 1,
                    mode == BER_MODE_BER ? BER_INSPECT_WARNING :
                    BER_INSPECT_ERROR, "bit-string-trailing-zero", "%s: %s",
                    label ? label : "value",
                    ber_status_message(BER_ERR_BITSTRING_TRAILING_ZERO));
    }
    x->label = label;
    if (label && schema_universal >= 0) {
        x->value_tag = schema_universal;
    }
    if (schema_diag_set) {
        x->diagnostics = &schema_diag;
        x->diagnostic_count = 1;
    }
    if (label && e->constructed) {
        schema_keep_label(e, label);
    }
}

void dump_schema_end(const BERInspectElement *e, BERPrintExtra *x)
{
    schema_end(e);
    if (schema_diag_set) {
        x->diagnostics = &schema_diag;
        x->diagnostic_count = 1;
    }
}

void dump_schema_take_counts(uint64_t *errors, uint64_t *warnings)
{
    *errors = schema_errors;
    *warnings = schema_warnings;
    schema_errors = 0;
    schema_warnings = 0;
}
