/*
 * tools/ber-dump.c: show what is inside a BER, CER or DER stream, and check it.
 *
 * The walking and checking is the library's (visitors/ber-inspect.h);
 * this program only gets bytes in (files, stdin, PEM armour, hex text,
 * --offset/--length windows, mmap so a huge file is never read into
 * memory at once), prints what the walker reports (an indented tree or
 * one JSON document, colour on a terminal) and, with --schema, labels
 * elements with the field names of an ASN.1 module parsed by libtasn1.
 *
 * Output goes through one large buffer written with write(2): no stdio
 * per line, no allocation per element once the buffers have grown.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glib.h>
#include <inttypes.h>
#include <libtasn1.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "visitors/ber-inspect.h"
#include "visitors/ber-oid-names.h"
#include "visitors/ber-print.h"

#define DEFAULT_CAP 64          /* octets of a value shown without --all */

enum { INPUT_AUTO, INPUT_RAW, INPUT_PEM, INPUT_HEX };

/* ---- output ------------------------------------------------------------- */

static BERPrinter *printer;
static int write_errno;

/* The printer's sink: standard output, short writes and EINTR retried. */
static bool write_stdout(void *opaque, const char *buf, size_t len)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = write(STDOUT_FILENO, buf + done, len - done);

        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            write_errno = errno;
            return false;
        }
        done += (size_t)n;
    }
    return true;
}

/* ---- options ------------------------------------------------------------ */

typedef struct Options {
    BERMode mode;
    bool json;
    bool json_flat;             /* --json=flat */
    bool color;
    bool all;
    bool encapsulation;
    bool single;
    bool quiet;
    bool flat;
    const char **oid_files;     /* --oid-file, in order */
    size_t n_oid_files;
    int input;
    uint64_t offset;
    uint64_t length;
    bool have_length;
    const char *schema;
    const char *type;
} Options;

static Options opt;

/* ---- schema labels (libtasn1) ------------------------------------------ */

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
        n = asprintf(&p, "%s.%s", base ? base : opt.type, name);
    } else {
        n = asprintf(&p, "%s[%" PRId64 "]", base ? base : opt.type, index);
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
    memset(self, 0, sizeof(*self));
    schema_universal = -1;
    schema_diag_set = false;
    schema_named_bits = false;
    if (e->end_of_contents) {
        return NULL;
    }
    pr_found.len = 0;
    ber_inspect_format_tag(e, &pr_found);
    if (!parent) {
        Cursor c = { schema.root, 0 };

        if (schema_match(c, e, &alt, 0)) {
            at = c;
            label = opt.type;
            self->path = xstrndup(opt.type, strlen(opt.type));
        } else {
            schema_fail(e->offset, "schema: %s: expected %s, found %s",
                        opt.type, schema_expected(c, want, sizeof(want)),
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
                    at = k;
                    label = c->child[i]->name;
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
            if (!at.node && expected < c->nchild) {
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

/* @e is complete: a SEQUENCE must have had its required fields. */
static void schema_end(const BERInspectElement *e)
{
    SchemaFrame *f;

    schema_diag_set = false;
    if (e->depth >= sframe_cap) {
        return;
    }
    f = &sframes[e->depth];
    if (f->node && !f->failed && !f->skip_tags && e->constructed &&
        !strcmp(f->node->type, "SEQUENCE")) {
        size_t i;

        for (i = f->next; i < f->node->nchild; i++) {
            if (!f->node->child[i]->optional) {
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
}

static bool schema_open(void)
{
    char err[ASN1_MAX_ERROR_DESCRIPTION_SIZE] = "";
    const char *dot;
    int rc = asn1_parser2tree(opt.schema, &schema.defs, err);

    if (rc != ASN1_SUCCESS) {
        fprintf(stderr, "ber-dump: %s: %s %s\n", opt.schema, asn1_strerror(rc),
                err);
        return false;
    }
    dot = strchr(opt.type, '.');
    if (!dot || (size_t)(dot - opt.type) >= sizeof(schema.module)) {
        fprintf(stderr, "ber-dump: --type must be Module.Type\n");
        return false;
    }
    memcpy(schema.module, opt.type, (size_t)(dot - opt.type));
    schema.module[dot - opt.type] = 0;
    schema.root = schema_load(opt.type);
    if (!schema.root) {
        fprintf(stderr, "ber-dump: %s: no type %s\n", opt.schema, opt.type);
        return false;
    }
    return true;
}

static void schema_close(void)
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
    }
    free(sframes);
    ber_text_free(&pr_found);
}

/* ---- printing the walk ------------------------------------------------- */

/*
 * A mapped file is only read forward: pages far behind the walk are
 * handed back (they are clean file pages, re-read if ever needed), so
 * resident memory stays bounded whatever the file size.
 */
#define DROP_BEHIND (64u << 20)
static uint8_t *drop_map;           /* the mapping, or NULL when not mapped */
static size_t drop_done;            /* octets from its start already dropped */

static void drop_behind(uint64_t offset)
{
    if (drop_map && offset > drop_done + 2 * (uint64_t)DROP_BEHIND) {
        size_t upto = (size_t)(offset - DROP_BEHIND) &
                      ~((size_t)sysconf(_SC_PAGESIZE) - 1);

        madvise(drop_map + drop_done, upto - drop_done, MADV_DONTNEED);
        drop_done = upto;
    }
}

/* PEM blocks of the input being dumped: a note where each one starts. */
typedef struct PemBlock {
    uint64_t offset;            /* in the decoded data */
    size_t line;                /* of its BEGIN line */
    char label[64];             /* "CERTIFICATE" */
    bool encrypted;             /* Proc-Type: 4,ENCRYPTED: not decoded */
} PemBlock;

static PemBlock *pem_blocks;
static size_t pem_count;
static size_t pem_next;
static char pem_note_buf[128];

static const char *pem_note(const BERInspectElement *e)
{
    if (e->depth || pem_count < 2) {
        return NULL;
    }
    while (pem_next < pem_count &&
           (pem_blocks[pem_next].encrypted ||
            pem_blocks[pem_next].offset < e->offset)) {
        pem_next++;
    }
    if (pem_next == pem_count || pem_blocks[pem_next].offset != e->offset) {
        return NULL;
    }
    snprintf(pem_note_buf, sizeof(pem_note_buf), "PEM block %zu of %zu: %s "
             "(line %zu)", pem_next + 1, pem_count, pem_blocks[pem_next].label,
             pem_blocks[pem_next].line);
    pem_next++;
    return pem_note_buf;
}

static bool on_begin(void *opaque, const BERInspectElement *e)
{
    BERPrintExtra x = { .value_tag = -1 };
    const char *label = schema.root ? schema_begin(e) : NULL;
    bool ok;

    drop_behind(e->offset);
    if (schema.root && schema_named_bits && !e->constructed && !e->truncated &&
        ber_check_bit_string(e->content, e->content_available, BER_MODE_BER,
                             NULL) == BER_OK &&
        ber_check_named_bits(e->content, e->content_available) != BER_OK) {
        /* a canonical-form rule: tolerated by BER */
        schema_note(e->offset + e->header_length + e->content_available - 1,
                    opt.mode == BER_MODE_BER ? BER_INSPECT_WARNING :
                    BER_INSPECT_ERROR, "bit-string-trailing-zero", "%s: %s",
                    label ? label : "value",
                    ber_status_message(BER_ERR_BITSTRING_TRAILING_ZERO));
    }
    x.label = label;
    if (label && schema_universal >= 0) {
        x.value_tag = schema_universal;
    }
    if (schema_diag_set) {
        x.diagnostics = &schema_diag;
        x.diagnostic_count = 1;
    }
    x.note = pem_note(e);
    ok = ber_printer_begin(printer, e, &x);
    if (label && e->constructed) {
        schema_keep_label(e, label);
    }
    return ok;
}

static bool on_end(void *opaque, const BERInspectElement *e)
{
    BERPrintExtra x = { .value_tag = -1 };

    if (schema.root) {
        schema_end(e);
    }
    if (schema_diag_set) {
        x.diagnostics = &schema_diag;
        x.diagnostic_count = 1;
    }
    return ber_printer_end(printer, e, &x);
}

static bool on_stream(void *opaque, const BERInspectDiagnostic *d)
{
    return ber_printer_diagnostic(printer, d);
}

/* ---- input --------------------------------------------------------------- */

typedef struct Input {
    const uint8_t *data;
    size_t len;
    void *map;
    size_t map_len;
    uint8_t *heap;
    int spool_fd;
} Input;

/*
 * An input that cannot be read: one line on stderr naming it, and, in
 * JSON, an entry in "inputs" saying why.
 */
static void input_error(const char *name, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void input_error(const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ber_printer_input_error(printer, name, msg);
    ber_printer_flush(printer);
    fprintf(stderr, "ber-dump: %s: %s\n", name, msg);
}

static void input_release(Input *in)
{
    if (in->map) {
        munmap(in->map, in->map_len);
    }
    g_free(in->heap);
    if (in->spool_fd >= 0) {
        close(in->spool_fd);
    }
    memset(in, 0, sizeof(*in));
    in->spool_fd = -1;
}

/* Copy a pipe into an unlinked temporary file so it can be mapped. */
static int spool(int fd, const char *name)
{
    const char *dir = getenv("TMPDIR");
    char *tmpl = g_strdup_printf("%s/ber-dump-XXXXXX",
                                 dir && *dir ? dir : "/tmp");
    int tfd = mkstemp(tmpl);
    char *buf;

    if (tfd < 0) {
        input_error(name, "cannot create a temporary file in %s: %s",
                    dir && *dir ? dir : "/tmp", strerror(errno));
        g_free(tmpl);
        return -1;
    }
    unlink(tmpl);
    g_free(tmpl);
    buf = g_malloc(1 << 20);
    for (;;) {
        ssize_t n = read(fd, buf, 1 << 20);
        ssize_t done = 0;

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            input_error(name, "%s", strerror(errno));
            g_free(buf);
            close(tfd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        while (done < n) {
            ssize_t w = write(tfd, buf + done, (size_t)(n - done));

            if (w < 0 && errno == EINTR) {
                continue;
            }
            if (w < 0) {
                input_error(name, "spooling: %s", strerror(errno));
                g_free(buf);
                close(tfd);
                return -1;
            }
            done += w;
        }
    }
    g_free(buf);
    return tfd;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c |= 0x20;
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

static bool looks_like_pem(const uint8_t *s, size_t n)
{
    size_t probe = n < 65536 ? n : 65536;

    return memmem(s, probe, "-----BEGIN ", 11) != NULL;
}

static bool looks_like_hex(const uint8_t *s, size_t n)
{
    size_t probe = n < 4096 ? n : 4096;
    size_t digits = 0;
    size_t i;

    for (i = 0; i < probe; i++) {
        if (hexval(s[i]) >= 0) {
            digits++;
        } else if (!strchr(" \t\r\n:,", s[i]) &&
                   !(s[i] == 'x' && i > 0 && s[i - 1] == '0')) {
            return false;
        }
    }
    return digits >= 2;
}

/* Decode hex text (whitespace, ':' and ',' and 0x prefixes ignored). */
static bool decode_hex(const uint8_t *s, size_t n, Input *in, const char *name)
{
    uint8_t *o = g_malloc(n / 2 + 1);
    size_t len = 0, hi_at = 0;
    int hi = -1;
    size_t i;

    for (i = 0; i < n; i++) {
        int v;

        if (s[i] == '0' && i + 1 < n && (s[i + 1] | 0x20) == 'x' && hi < 0) {
            i++;
            continue;
        }
        v = hexval(s[i]);
        if (v < 0 && strchr(" \t\r\n:,", s[i]) && hi < 0) {
            continue;
        }
        if (v < 0 && strchr(" \t\r\n:,", s[i])) {
            break;              /* a lone digit: reported below, at its offset */
        }
        if (v < 0) {
            input_error(name, "not hex text at offset %zu", i);
            g_free(o);
            return false;
        }
        if (hi < 0) {
            hi = v;
            hi_at = i;
        } else {
            o[len++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        input_error(name, "odd number of hex digits: the digit at offset %zu "
                    "has no second digit", hi_at);
        g_free(o);
        return false;
    }
    in->heap = o;
    in->data = o;
    in->len = len;
    return true;
}

static int b64val(int c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+' || c == '-') {
        return 62;
    }
    if (c == '/' || c == '_') {
        return 63;
    }
    return -1;
}

static size_t line_of(const uint8_t *s, size_t at)
{
    size_t line = 1, i;

    for (i = 0; i < at; i++) {
        line += s[i] == '\n';
    }
    return line;
}

/*
 * Decode every PEM block (text outside the armour is ignored), noting
 * where each starts in the decoded data. An encrypted block (RFC 1421
 * "Proc-Type: 4,ENCRYPTED") is not BER: it is noted, not decoded.
 */
static bool decode_pem(const uint8_t *s, size_t n, Input *in, const char *name)
{
    uint8_t *o = g_malloc(n / 4 * 3 + 4);
    size_t len = 0;
    size_t pos = 0, line = 1, line_pos = 0;

    pem_count = 0;
    while (pos < n) {
        const uint8_t *b = memmem(s + pos, n - pos, "-----BEGIN ", 11);
        const uint8_t *e;
        size_t p, label_end;
        uint32_t acc = 0;
        int bits = 0;
        PemBlock *blk;

        if (!b) {
            break;
        }
        p = (size_t)(b - s);
        line += line_of(s + line_pos, p - line_pos) - 1;
        line_pos = p;
        pem_blocks = g_renew(PemBlock, pem_blocks, pem_count + 1);
        blk = &pem_blocks[pem_count++];
        memset(blk, 0, sizeof(*blk));
        blk->offset = len;
        blk->line = line;
        label_end = p + 11;
        while (label_end < n && s[label_end] != '-' && s[label_end] != '\n' &&
               label_end - (p + 11) < sizeof(blk->label) - 1) {
            label_end++;
        }
        memcpy(blk->label, s + p + 11, label_end - (p + 11));
        while (p < n && s[p] != '\n') {
            p++;
        }
        e = memmem(s + p, n - p, "-----END ", 9);
        if (!e) {
            input_error(name, "PEM block at offset %zu (line %zu) has no END "
                        "line", (size_t)(b - s), blk->line);
            g_free(o);
            return false;
        }
        while (p < (size_t)(e - s)) {
            /* RFC 1421 header lines ("Proc-Type: ...") are not base64 */
            size_t eol = p;

            while (eol < (size_t)(e - s) && s[eol] != '\n') {
                eol++;
            }
            if (memchr(s + p, ':', eol - p)) {
                if (eol - p >= 10 && !memcmp(s + p, "Proc-Type:", 10) &&
                    memmem(s + p, eol - p, "ENCRYPTED", 9)) {
                    blk->encrypted = true;
                }
                p = eol;
                continue;
            }
            for (; p < eol && !blk->encrypted; p++) {
                int v = b64val(s[p]);

                if (v < 0) {
                    if (s[p] == '=' || s[p] == ' ' || s[p] == '\t' || s[p] == '\r') {
                        continue;
                    }
                    input_error(name, "bad base64 at offset %zu", p);
                    g_free(o);
                    return false;
                }
                acc = acc << 6 | (uint32_t)v;
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    o[len++] = (uint8_t)(acc >> bits);
                }
            }
            p = eol + 1;
        }
        pos = (size_t)(e - s) + 9;
    }
    if (!pem_count) {
        input_error(name, "no PEM block");
        g_free(o);
        return false;
    }
    in->heap = o;
    in->data = o;
    in->len = len;
    return true;
}

/* Load @name ("-" for stdin) into @in. Returns false on I/O failure. */
static bool input_load(const char *name, Input *in)
{
    int fd = strcmp(name, "-") ? open(name, O_RDONLY) : 0;
    struct stat st;
    int kind = opt.input;

    memset(in, 0, sizeof(*in));
    in->spool_fd = -1;
    pem_count = 0;
    pem_next = 0;
    if (fd < 0) {
        input_error(name, "%s", strerror(errno));
        return false;
    }
    if (fstat(fd, &st) < 0) {
        input_error(name, "%s", strerror(errno));
        goto fail;
    }
    if (S_ISDIR(st.st_mode)) {
        input_error(name, "is a directory");
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        int tfd = spool(fd, name);

        if (tfd < 0) {
            goto fail;
        }
        if (fd != 0) {
            close(fd);
        }
        fd = tfd;
        in->spool_fd = tfd;
        if (fstat(fd, &st) < 0) {
            input_error(name, "%s", strerror(errno));
            goto fail;
        }
    }
    if (st.st_size > 0) {
        in->map_len = (size_t)st.st_size;
        in->map = mmap(NULL, in->map_len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (in->map == MAP_FAILED) {
            in->map = NULL;
            input_error(name, "mmap: %s", strerror(errno));
            goto fail;
        }
        madvise(in->map, in->map_len, MADV_SEQUENTIAL);
        in->data = in->map;
        in->len = in->map_len;
    } else {
        in->data = (const uint8_t *)"";
        in->len = 0;
    }
    if (fd != 0 && fd != in->spool_fd) {
        close(fd);
    }
    fd = -1;
    if (kind == INPUT_AUTO) {
        kind = looks_like_pem(in->data, in->len) ? INPUT_PEM :
               looks_like_hex(in->data, in->len) ? INPUT_HEX : INPUT_RAW;
    }
    if (kind == INPUT_PEM || kind == INPUT_HEX) {
        const uint8_t *text = in->data;
        size_t n = in->len;
        bool ok = kind == INPUT_PEM ? decode_pem(text, n, in, name) :
                  decode_hex(text, n, in, name);

        if (in->map) {
            munmap(in->map, in->map_len);
            in->map = NULL;
        }
        if (!ok) {
            input_release(in);
            return false;
        }
    }
    return true;
fail:
    if (fd > 0) {
        close(fd);
    }
    input_release(in);
    return false;
}

/* ---- main ---------------------------------------------------------------- */

static const char *mode_name(BERMode mode)
{
    return mode == BER_MODE_DER ? "DER" : mode == BER_MODE_CER ? "CER" : "BER";
}

/* Dump one input. Returns 0, 1 (errors found) or 2 (I/O or usage). */
static int dump(const char *name, bool header)
{
    Input in;
    BERInspectOptions io;
    BERInspectCallbacks cb = { on_begin, on_end, on_stream };
    BERInspectSummary sum;
    const uint8_t *data;
    size_t len, i;

    if (!input_load(name, &in)) {
        return 2;
    }
    if (opt.offset > in.len) {
        input_error(name, "--offset %" PRIu64 " is past the end (%zu octets)",
                    opt.offset, in.len);
        input_release(&in);
        return 2;
    }
    data = in.data + opt.offset;
    len = in.len - (size_t)opt.offset;
    if (opt.have_length) {
        if (opt.length > len) {
            input_error(name, "--length %" PRIu64 " runs past the end (%zu "
                        "octets from the offset)", opt.length, len);
            input_release(&in);
            return 2;
        }
        len = (size_t)opt.length;
    }
    ber_inspect_options_init(&io);
    io.mode = opt.mode;
    io.encapsulation = opt.encapsulation;
    io.single = opt.single;
    io.base_offset = opt.offset;

    ber_printer_begin_input(printer, name, opt.mode, opt.offset, len, header);
    memset(&sum, 0, sizeof(sum));
    for (i = 0; i < pem_count; i++) {
        if (pem_blocks[i].encrypted) {
            BERInspectDiagnostic d = { .offset = pem_blocks[i].offset,
                                       .severity = BER_INSPECT_ERROR,
                                       .code = "pem-encrypted" };

            snprintf(d.message, sizeof(d.message), "PEM block %zu (%s, line "
                     "%zu) is encrypted (Proc-Type: 4,ENCRYPTED): not shown",
                     i + 1, pem_blocks[i].label, pem_blocks[i].line);
            on_stream(NULL, &d);
            sum.errors++;
        }
    }
    if (len == 0) {
        BERInspectDiagnostic d = { .offset = opt.offset,
                                   .severity = BER_INSPECT_ERROR,
                                   .code = "empty", .message = "no data" };

        on_stream(NULL, &d);
        sum.errors++;
    } else {
        uint64_t pem_errors = sum.errors;

        drop_map = in.map && in.data == (const uint8_t *)in.map ? in.map : NULL;
        drop_done = 0;
        schema_errors = 0;
        schema_warnings = 0;
        ber_inspect(data, len, &io, &cb, NULL, &sum);
        sum.errors += schema_errors + pem_errors;
        sum.warnings += schema_warnings;
        drop_map = NULL;
    }
    ber_printer_end_input(printer, &sum);
    if (sum.errors || sum.warnings) {
        ber_printer_flush(printer);
        fprintf(stderr, "ber-dump: %s: %" PRIu64 " error%s, %" PRIu64
                " warning%s (%s)\n", name, sum.errors, sum.errors == 1 ? "" : "s",
                sum.warnings, sum.warnings == 1 ? "" : "s",
                mode_name(opt.mode));
    }
    input_release(&in);
    return sum.errors ? 1 : 0;
}

/* The OID tables: the system's dumpasn1.cfg if present, then --oid-file. */
static BEROidTable *oids;
static size_t system_oid_names;
static bool system_oids;

static bool load_oids(void)
{
    Error *err = NULL;
    size_t i;

    oids = ber_oid_table_new();
    if (access(BER_OID_SYSTEM_FILE, R_OK) == 0) {
        if (ber_oid_table_load(oids, BER_OID_SYSTEM_FILE, &system_oid_names,
                               &err)) {
            system_oids = true;
        } else {
            /* a broken system file is not the user's fault: say so, go on */
            fprintf(stderr, "ber-dump: warning: %s\n", error_get_pretty(err));
            error_free(err);
            err = NULL;
        }
    }
    for (i = 0; i < opt.n_oid_files; i++) {
        if (!ber_oid_table_load(oids, opt.oid_files[i], NULL, &err)) {
            fprintf(stderr, "ber-dump: --oid-file: %s\n",
                    error_get_pretty(err));
            error_free(err);
            return false;
        }
    }
    return true;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: ber-dump [OPTION]... [FILE]...\n"
"Show and check the BER, CER or DER values in each FILE (stdin if none or -).\n"
"\n"
"  -b, --ber               check against BER (default)\n"
"  -c, --cer               check against the CER rules\n"
"  -d, --der               check against the DER rules\n"
"  -j, --json[=FORM]       one JSON document instead of the tree; FORM\n"
"                          tree (default: nested like the data) or flat\n"
"                          (one object per element, for deep inputs)\n"
"  -a, --all               show whole values (default: first %d octets)\n"
"  -e, --no-encapsulated   do not look for BER inside OCTET/BIT STRINGs\n"
"  -1, --single            one top-level value per input; more is an error\n"
"  -q, --quiet             print diagnostics only\n"
"      --flat              one line per element: offset depth header-length\n"
"                          length form class+tag (for scripts)\n"
"  -i, --input=FORMAT      auto (default), raw, pem, hex\n"
"  -o, --offset=N          start N octets into the (decoded) input\n"
"  -l, --length=N          walk only N octets\n"
"      --color[=WHEN]      auto (default: on a terminal), always, never\n"
"  -s, --schema=FILE.asn   label elements with fields of this ASN.1 module;\n"
"                          a value that does not match it is an error\n"
"  -t, --type=Module.Type  the type the data is (with --schema)\n"
"      --oid-file=FILE     OID names from FILE (dumpasn1.cfg format); may be\n"
"                          repeated, later files win\n"
"  -h, --help              this help\n"
"  -V, --version           version\n"
"\n", DEFAULT_CAP);
    if (system_oids) {
        fprintf(f, "OID names: %zu from %s, %zu from --oid-file, then %zu "
                "built in.\n", system_oid_names, BER_OID_SYSTEM_FILE,
                ber_oid_table_size(oids) > system_oid_names ?
                ber_oid_table_size(oids) - system_oid_names : 0,
                ber_oid_builtin_size());
    } else {
        fprintf(f, "OID names: %zu from --oid-file, then %zu built in (%s "
                "not found; Debian package dumpasn1).\n",
                ber_oid_table_size(oids), ber_oid_builtin_size(),
                BER_OID_SYSTEM_FILE);
    }
    fprintf(f, "Exit status: 0 no errors (warnings allowed), 1 errors found, "
            "2 usage or I/O.\n");
}

/* A usage error: one line, and where to look. */
static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;

    fputs("ber-dump: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs("; try 'ber-dump --help'\n", stderr);
    return 2;
}

static bool parse_u64(const char *s, uint64_t *v)
{
    char *end;

    errno = 0;
    if (!*s || *s == '-') {
        return false;
    }
    *v = strtoull(s, &end, 0);
    return !errno && !*end;
}

enum { OPT_FLAT = 256, OPT_COLOR, OPT_OID_FILE };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "ber", no_argument, NULL, 'b' },
        { "cer", no_argument, NULL, 'c' },
        { "der", no_argument, NULL, 'd' },
        { "json", optional_argument, NULL, 'j' },
        { "all", no_argument, NULL, 'a' },
        { "no-encapsulated", no_argument, NULL, 'e' },
        { "single", no_argument, NULL, '1' },
        { "quiet", no_argument, NULL, 'q' },
        { "flat", no_argument, NULL, OPT_FLAT },
        { "input", required_argument, NULL, 'i' },
        { "offset", required_argument, NULL, 'o' },
        { "length", required_argument, NULL, 'l' },
        { "color", optional_argument, NULL, OPT_COLOR },
        { "colour", optional_argument, NULL, OPT_COLOR },
        { "schema", required_argument, NULL, 's' },
        { "type", required_argument, NULL, 't' },
        { "oid-file", required_argument, NULL, OPT_OID_FILE },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    BERPrintOptions po = { 0 };
    int color_when = 0;     /* 0 auto, 1 always, 2 never */
    int mode_option = 0;    /* the -b/-c/-d given, to refuse two */
    bool help = false;
    int status = 0;
    int c;
    int i;

    opt.mode = BER_MODE_BER;
    opt.encapsulation = true;
    opt.oid_files = g_new0(const char *, argc);
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":bcdjae1qi:o:l:s:t:hV", longopts,
                            NULL)) != -1) {
        switch (c) {
        case 'b':
        case 'c':
        case 'd':
            if (mode_option && mode_option != c) {
                return usage_error("-%c and -%c: choose one of --ber, --cer "
                                   "and --der", mode_option, c);
            }
            mode_option = c;
            opt.mode = c == 'b' ? BER_MODE_BER : c == 'c' ? BER_MODE_CER :
                       BER_MODE_DER;
            break;
        case 'j':
            opt.json = true;
            if (optarg && !strcmp(optarg, "flat")) {
                opt.json_flat = true;
            } else if (optarg && strcmp(optarg, "tree")) {
                return usage_error("--json=%s: tree or flat", optarg);
            }
            break;
        case 'a': opt.all = true; break;
        case 'e': opt.encapsulation = false; break;
        case '1': opt.single = true; break;
        case 'q': opt.quiet = true; break;
        case OPT_FLAT: opt.flat = true; break;
        case 'i':
            if (!strcmp(optarg, "auto")) {
                opt.input = INPUT_AUTO;
            } else if (!strcmp(optarg, "raw") || !strcmp(optarg, "der") ||
                       !strcmp(optarg, "binary")) {
                opt.input = INPUT_RAW;
            } else if (!strcmp(optarg, "pem")) {
                opt.input = INPUT_PEM;
            } else if (!strcmp(optarg, "hex")) {
                opt.input = INPUT_HEX;
            } else {
                return usage_error("--input=%s: auto, raw, pem or hex", optarg);
            }
            break;
        case 'o':
            if (!parse_u64(optarg, &opt.offset)) {
                return usage_error("--offset: not a number: %s", optarg);
            }
            break;
        case 'l':
            if (!parse_u64(optarg, &opt.length)) {
                return usage_error("--length: not a number: %s", optarg);
            }
            opt.have_length = true;
            break;
        case OPT_COLOR:
            if (!optarg || !strcmp(optarg, "auto")) {
                color_when = 0;
            } else if (!strcmp(optarg, "always")) {
                color_when = 1;
            } else if (!strcmp(optarg, "never")) {
                color_when = 2;
            } else {
                return usage_error("--color=%s: auto, always or never", optarg);
            }
            break;
        case 's': opt.schema = optarg; break;
        case 't': opt.type = optarg; break;
        case OPT_OID_FILE: opt.oid_files[opt.n_oid_files++] = optarg; break;
        case 'h': help = true; break;
        case 'V': printf("ber-dump (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION); return 0;
        case ':':
            return usage_error("%s needs an argument", argv[optind - 1]);
        default:
            if (optopt) {
                return usage_error("unknown option -%c", optopt);
            }
            return usage_error("unknown option %s", argv[optind - 1]);
        }
    }
    if (!opt.schema != !opt.type) {
        return usage_error("--schema and --type go together");
    }
    if (opt.json && opt.flat) {
        return usage_error("--json and --flat: choose one (flat JSON is "
                           "--json=flat)");
    }
    if (opt.quiet && (opt.json || opt.flat)) {
        return usage_error("--quiet and --%s: choose one",
                           opt.json ? "json" : "flat");
    }
    if (!load_oids()) {
        return 2;
    }
    if (help) {
        usage(stdout);
        ber_oid_table_free(oids);
        return 0;
    }
    po.format = opt.json ? (opt.json_flat ? BER_PRINT_JSON_FLAT :
                            BER_PRINT_JSON) :
                opt.flat ? BER_PRINT_FLAT : opt.quiet ? BER_PRINT_QUIET :
                BER_PRINT_TREE;
    po.color = !opt.json && (color_when == 1 ||
                             (color_when == 0 && isatty(STDOUT_FILENO) &&
                              !getenv("NO_COLOR")));
    po.max_octets = opt.all ? 0 : DEFAULT_CAP;
    po.oids = oids;
    po.write = write_stdout;
    printer = ber_printer_new(&po);
    if (opt.schema && !schema_open()) {
        schema_close();
        ber_printer_free(printer);
        ber_oid_table_free(oids);
        return 2;
    }
    if (optind >= argc) {
        status = dump("-", false);
    }
    for (i = optind; i < argc; i++) {
        int s = dump(argv[i], argc - optind > 1);

        if (s > status) {
            status = s;
        }
    }
    if (!ber_printer_finish(printer)) {
        fprintf(stderr, "ber-dump: write error: %s\n", strerror(write_errno));
        status = 2;
    }
    ber_printer_free(printer);
    schema_close();
    ber_oid_table_free(oids);
    g_free(pem_blocks);
    g_free(opt.oid_files);
    return status;
}
