/*
 * migration/mig-diff.c: values by path and stream comparison (see
 * mig-diff.h). The values come from an output visitor that prints every
 * scalar with its path: the same walk that feeds DER or JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <string.h>
#include <glib.h>

#include "migration/mig-diff.h"
#include "qapi/visitor-impl.h"

/*** The path visitor ***/

typedef struct PathFrame {
    char *name;          /* component of this scope ("records[3]", "state") */
    bool is_list;
    uint64_t index;      /* list: next element */
} PathFrame;

typedef struct PathVisitor {
    Visitor visitor;
    GArray *stack;       /* of PathFrame */
    void (*emit)(void *opaque, const char *relpath, const char *value);
    void *opaque;
} PathVisitor;

static PathVisitor *to_pv(Visitor *v)
{
    return (PathVisitor *)v;     /* visitor is the first member */
}

/* The component for a value named @name in the current scope. */
static char *component(PathVisitor *pv, const char *name)
{
    PathFrame *top;

    if (!pv->stack->len) {
        return g_strdup("");
    }
    top = &g_array_index(pv->stack, PathFrame, pv->stack->len - 1);
    if (top->is_list) {
        return g_strdup_printf("[%" PRIu64 "]", top->index++);
    }
    return g_strdup(name ? name : "");
}

static char *full_path(PathVisitor *pv, const char *last)
{
    GString *s = g_string_new("");

    for (guint i = 0; i < pv->stack->len; i++) {
        const char *n = g_array_index(pv->stack, PathFrame, i).name;
        if (*n && *n != '[' && s->len) {
            g_string_append_c(s, '.');
        }
        g_string_append(s, n);
    }
    if (*last && *last != '[' && s->len) {
        g_string_append_c(s, '.');
    }
    g_string_append(s, last);
    return g_string_free(s, FALSE);
}

static void emit(PathVisitor *pv, const char *name, char *value)
{
    g_autofree char *c = component(pv, name);
    g_autofree char *p = full_path(pv, c);

    pv->emit(pv->opaque, p, value);
    g_free(value);
}

static void push(PathVisitor *pv, const char *name, bool is_list)
{
    PathFrame f = { component(pv, name), is_list, 0 };

    g_array_append_val(pv->stack, f);
}

static void pop(PathVisitor *pv)
{
    g_free(g_array_index(pv->stack, PathFrame, pv->stack->len - 1).name);
    g_array_set_size(pv->stack, pv->stack->len - 1);
}

static bool pv_start_struct(Visitor *v, const char *name, void **obj,
                            size_t size, Error **errp)
{
    push(to_pv(v), name, false);
    return true;
}

static void pv_end(Visitor *v, void **obj)
{
    pop(to_pv(v));
}

static bool pv_start_list(Visitor *v, const char *name, GenericList **list,
                          size_t size, Error **errp)
{
    push(to_pv(v), name, true);
    return true;
}

static GenericList *pv_next_list(Visitor *v, GenericList *tail, size_t size)
{
    return tail->next;
}

static bool pv_int64(Visitor *v, const char *name, int64_t *obj, Error **errp)
{
    emit(to_pv(v), name, g_strdup_printf("%" PRId64, *obj));
    return true;
}

static bool pv_uint64(Visitor *v, const char *name, uint64_t *obj,
                      Error **errp)
{
    emit(to_pv(v), name, g_strdup_printf("%" PRIu64, *obj));
    return true;
}

static bool pv_bool(Visitor *v, const char *name, bool *obj, Error **errp)
{
    emit(to_pv(v), name, g_strdup(*obj ? "true" : "false"));
    return true;
}

static bool pv_str(Visitor *v, const char *name, char **obj, Error **errp)
{
    g_autofree char *esc = g_strescape(*obj ? *obj : "", NULL);

    emit(to_pv(v), name, g_strdup_printf("\"%s\"", esc));
    return true;
}

static bool pv_number(Visitor *v, const char *name, double *obj, Error **errp)
{
    emit(to_pv(v), name, g_strdup_printf("%.17g", *obj));
    return true;
}

static bool pv_null(Visitor *v, const char *name, QNull **obj, Error **errp)
{
    emit(to_pv(v), name, g_strdup("null"));
    return true;
}

static char *show_bytes(const uint8_t *buf, size_t len)
{
    GString *s;
    g_autofree char *sum = NULL;

    if (len > 32) {
        sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, len);
        return g_strdup_printf("<%zu bytes, sha256 %.16s>", len, sum);
    }
    s = g_string_new("0x");
    for (size_t i = 0; i < len; i++) {
        g_string_append_printf(s, "%02x", buf[i]);
    }
    return g_string_free(s, FALSE);
}

static bool pv_bytes(Visitor *v, const char *name, uint8_t **buf, size_t *len,
                     Error **errp)
{
    emit(to_pv(v), name, show_bytes(*buf, *len));
    return true;
}

static void pv_free(Visitor *v)
{
    PathVisitor *pv = to_pv(v);

    while (pv->stack->len) {
        pop(pv);
    }
    g_array_free(pv->stack, TRUE);
    g_free(pv);
}

static void pv_complete(Visitor *v, void *opaque)
{
}

static Visitor *path_visitor_new(void (*fn)(void *, const char *, const char *),
                                 void *opaque)
{
    PathVisitor *pv = g_new0(PathVisitor, 1);

    pv->stack = g_array_new(FALSE, FALSE, sizeof(PathFrame));
    pv->emit = fn;
    pv->opaque = opaque;
    pv->visitor.type = VISITOR_OUTPUT;
    pv->visitor.start_struct = pv_start_struct;
    pv->visitor.end_struct = pv_end;
    pv->visitor.start_list = pv_start_list;
    pv->visitor.next_list = pv_next_list;
    pv->visitor.end_list = pv_end;
    pv->visitor.type_int64 = pv_int64;
    pv->visitor.type_uint64 = pv_uint64;
    pv->visitor.type_bool = pv_bool;
    pv->visitor.type_str = pv_str;
    pv->visitor.type_number = pv_number;
    pv->visitor.type_null = pv_null;
    pv->visitor.type_bytes = pv_bytes;
    pv->visitor.complete = pv_complete;
    pv->visitor.free = pv_free;
    return &pv->visitor;
}

/*** Values by device ***/

/*
 * A record's values arrive before the record hook names its device, so
 * they wait in @pending; RAM entries are left to the page hook.
 */
typedef struct Collect {
    MigValueFunc emit;
    void *opaque;
    GPtrArray *pending;  /* "relpath\0value" pairs as two strings */
    GHashTable *pages;   /* "block@addr" -> content key (diff only) */
    GPtrArray *page_order;
    uint64_t page_size;
} Collect;

static void collect_value(void *opaque, const char *path, const char *value)
{
    Collect *c = opaque;
    const char *rel;

    if (g_str_has_prefix(path, "records[")) {
        rel = strchr(path, ']');
        rel = rel && rel[1] == '.' ? rel + 2 : "";
        if (g_str_has_prefix(rel, "ram")) {
            return;
        }
        g_ptr_array_add(c->pending, g_strdup(rel));
        g_ptr_array_add(c->pending, g_strdup(value));
        return;
    }
    if (!strcmp(path, "vmdesc")) {
        return;          /* what it describes is compared field by field */
    }
    c->emit(c->opaque, path, value);
}

static void collect_record(void *opaque, const MigRecordInfo *info)
{
    Collect *c = opaque;
    g_autofree char *prefix = NULL;

    if (info->type == MIG_RECORD_CONFIGURATION) {
        prefix = g_strdup("configuration");
    } else if (info->type == MIG_RECORD_EOF) {
        prefix = g_strdup("eof");
    } else if (info->type == MIG_RECORD_START || info->type == MIG_RECORD_FULL) {
        prefix = g_strdup_printf("%s[%" PRIu32 "]", info->name,
                                 info->instance_id);
    }
    for (guint i = 0; prefix && i + 1 < c->pending->len; i += 2) {
        const char *rel = c->pending->pdata[i];
        g_autofree char *p = NULL;
        /* type and section ids are bookkeeping of the stream, not state */
        if (!strcmp(rel, "type") || !strcmp(rel, "section_id") ||
            !strcmp(rel, "footer")) {
            continue;
        }
        p = g_strdup_printf("%s/%s", prefix, rel);
        c->emit(c->opaque, p, c->pending->pdata[i + 1]);
    }
    g_ptr_array_set_size(c->pending, 0);
}

static void collect_page(void *opaque, const char *block, uint64_t addr,
                         const uint8_t *data, uint64_t page_size, uint8_t fill,
                         uint64_t count)
{
    Collect *c = opaque;

    c->page_size = page_size;
    for (uint64_t i = 0; c->pages && i < count; i++) {
        char *key = g_strdup_printf("%s@%016" PRIx64, block,
                                    addr + i * page_size);
        char *val = data ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, data,
                                                       page_size)
                         : g_strdup_printf("zero:%02x", fill);
        if (!g_hash_table_contains(c->pages, key)) {
            g_ptr_array_add(c->page_order, g_strdup(key));
        }
        g_hash_table_replace(c->pages, key, val);
    }
}

static bool collect_fd(int fd, MigFormat f, Collect *c, Error **errp)
{
    MigReader *r;
    Visitor *v;
    MigHooks hooks = { .opaque = c, .record = collect_record,
                       .page = collect_page };
    bool ok;
    int tmp = -1;

    if (f != MIG_FORMAT_QEMU) {
        /* Encoded input: take it back to native first, then walk that. */
        fd = tmp = mig_native_tmpfile(fd, f, errp);
        if (tmp < 0) {
            return false;
        }
    }
    c->pending = g_ptr_array_new_with_free_func(g_free);
    r = mig_reader_new_fd(fd);
    v = path_visitor_new(collect_value, c);
    ok = mig_stream_to_visitor(r, v, &hooks, errp);
    visit_free(v);
    mig_reader_free(r);
    if (tmp >= 0) {
        close(tmp);
    }
    g_ptr_array_free(c->pending, TRUE);
    return ok;
}

bool mig_list_values_fd(int fd, MigFormat f, MigValueFunc emit, void *opaque,
                        Error **errp)
{
    Collect c = { .emit = emit, .opaque = opaque };

    return collect_fd(fd, f, &c, errp);
}

/*** Diff ***/

typedef struct Side {
    GHashTable *values;  /* path -> value */
    GPtrArray *order;    /* paths in stream order */
} Side;

static void side_add(void *opaque, const char *path, const char *value)
{
    Side *s = opaque;

    if (!g_hash_table_contains(s->values, path)) {
        g_ptr_array_add(s->order, g_strdup(path));
    }
    g_hash_table_replace(s->values, g_strdup(path), g_strdup(value));
}

typedef struct PageRange {
    char *block;
    uint64_t first, last, n;
} PageRange;

static void flush_range(FILE *out, PageRange *pr)
{
    if (pr->n) {
        fprintf(out, "~ ram %s 0x%" PRIx64 "-0x%" PRIx64 ": %" PRIu64
                " page%s differ\n", pr->block, pr->first, pr->last, pr->n,
                pr->n == 1 ? "" : "s");
    }
    g_free(pr->block);
    memset(pr, 0, sizeof(*pr));
}

/* Report page @key (block@addr) as changed, merging neighbours. */
static void page_changed(FILE *out, PageRange *pr, const char *key,
                         uint64_t page_size)
{
    const char *at = strrchr(key, '@');
    g_autofree char *block = g_strndup(key, (gsize)(at - key));
    uint64_t addr = g_ascii_strtoull(at + 1, NULL, 16);

    if (pr->n && !strcmp(pr->block, block) && addr == pr->last + page_size) {
        pr->last = addr;
        pr->n++;
        return;
    }
    flush_range(out, pr);
    pr->block = g_strdup(block);
    pr->first = pr->last = addr;
    pr->n = 1;
}

static gint cmp_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mig_diff_fds(int a_fd, MigFormat a, int b_fd, MigFormat b, FILE *out,
                 Error **errp)
{
    Side sa = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
                g_ptr_array_new_with_free_func(g_free) };
    Side sb = { g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free),
                g_ptr_array_new_with_free_func(g_free) };
    Collect ca = { side_add, &sa,
                   .pages = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  g_free, g_free),
                   .page_order = g_ptr_array_new_with_free_func(g_free) };
    Collect cb = { side_add, &sb,
                   .pages = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                  g_free, g_free),
                   .page_order = g_ptr_array_new_with_free_func(g_free) };
    PageRange pr = { 0 };
    GPtrArray *keys;
    int rc = -1, differ = 0;

    if (!collect_fd(a_fd, a, &ca, errp)) {
        error_prepend(errp, "A: ");
        goto out;
    }
    if (!collect_fd(b_fd, b, &cb, errp)) {
        error_prepend(errp, "B: ");
        goto out;
    }
    for (guint i = 0; i < sa.order->len; i++) {
        const char *p = sa.order->pdata[i];
        const char *va = g_hash_table_lookup(sa.values, p);
        const char *vb = g_hash_table_lookup(sb.values, p);
        if (!vb) {
            fprintf(out, "- %s: %s\n", p, va);
            differ = 1;
        } else if (strcmp(va, vb)) {
            fprintf(out, "~ %s: %s -> %s\n", p, va, vb);
            differ = 1;
        }
    }
    for (guint i = 0; i < sb.order->len; i++) {
        const char *p = sb.order->pdata[i];
        if (!g_hash_table_contains(sa.values, p)) {
            fprintf(out, "+ %s: %s\n", p,
                    (char *)g_hash_table_lookup(sb.values, p));
            differ = 1;
        }
    }
    /* Pages: every page either side has, in block and address order. */
    keys = g_ptr_array_new();
    for (guint i = 0; i < ca.page_order->len; i++) {
        g_ptr_array_add(keys, ca.page_order->pdata[i]);
    }
    for (guint i = 0; i < cb.page_order->len; i++) {
        if (!g_hash_table_contains(ca.pages, cb.page_order->pdata[i])) {
            g_ptr_array_add(keys, cb.page_order->pdata[i]);
        }
    }
    g_ptr_array_sort(keys, cmp_str);
    for (guint i = 0; i < keys->len; i++) {
        const char *va = g_hash_table_lookup(ca.pages, keys->pdata[i]);
        const char *vb = g_hash_table_lookup(cb.pages, keys->pdata[i]);
        if (!va || !vb || strcmp(va, vb)) {
            page_changed(out, &pr, keys->pdata[i],
                         ca.page_size ? ca.page_size : cb.page_size);
            differ = 1;
        }
    }
    flush_range(out, &pr);
    g_ptr_array_free(keys, TRUE);
    rc = differ;
out:
    g_hash_table_destroy(sa.values);
    g_hash_table_destroy(sb.values);
    g_ptr_array_free(sa.order, TRUE);
    g_ptr_array_free(sb.order, TRUE);
    g_hash_table_destroy(ca.pages);
    g_hash_table_destroy(cb.pages);
    g_ptr_array_free(ca.page_order, TRUE);
    g_ptr_array_free(cb.page_order, TRUE);
    return rc;
}
