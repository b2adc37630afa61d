/*
 * migration/mig-stats.c: per-device sizes (see mig-stats.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>

#include "migration/mig-stats.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-output-visitor.h"

static const MigFormat columns[MIG_STATS_ENCODINGS] = {
    MIG_FORMAT_DER, MIG_FORMAT_CER, MIG_FORMAT_JSON,
};

MigFormat mig_stats_format(int i)
{
    g_assert(i >= 0 && i < MIG_STATS_ENCODINGS);
    return columns[i];
}

typedef struct Pass {
    MigStats *s;
    int column;          /* -1: the native pass */
    GHashTable *by_name; /* name -> MigStatsRow * */
    GByteArray *der;
    char *json;
    uint64_t count;      /* bytes through the counting sink */
} Pass;

static void row_free(gpointer p)
{
    MigStatsRow *row = p;

    g_free(row->name);
    g_free(row);
}

void mig_stats_free(MigStats *s)
{
    if (s) {
        g_ptr_array_free(s->rows, TRUE);
        g_free(s);
    }
}

static char *row_name(const MigRecordInfo *info)
{
    switch (info->type) {
    case MIG_RECORD_CONFIGURATION:
        return g_strdup("configuration");
    case MIG_RECORD_EOF:
        return g_strdup("eof");
    default:
        return !strcmp(info->name, "ram") ? g_strdup("ram")
               : g_strdup_printf("%s[%" PRIu32 "]", info->name,
                                 info->instance_id);
    }
}

static MigStatsRow *row_of(Pass *p, const MigRecordInfo *info)
{
    g_autofree char *name = row_name(info);
    MigStatsRow *row = g_hash_table_lookup(p->by_name, name);

    if (!row) {
        row = g_new0(MigStatsRow, 1);
        row->name = g_strdup(name);
        g_ptr_array_add(p->s->rows, row);
        g_hash_table_insert(p->by_name, row->name, row);
    }
    return row;
}

static void native_record(void *opaque, const MigRecordInfo *info)
{
    Pass *p = opaque;
    MigStatsRow *row = row_of(p, info);

    row->records++;
    row->native += info->native_len;
    p->s->pages += info->pages;
    p->s->zero_pages += info->zero_pages;
}

static Visitor *record_visitor(void *opaque)
{
    Pass *p = opaque;

    if (columns[p->column] == MIG_FORMAT_JSON) {
        return json_output_visitor_new(false, &p->json);
    }
    return ber_output_visitor_new(columns[p->column] == MIG_FORMAT_CER
                                  ? BER_MODE_CER : BER_MODE_DER, &p->der);
}

static void record_done(void *opaque, Visitor *v, const MigRecordInfo *info)
{
    Pass *p = opaque;

    if (info) {
        MigStatsRow *row = row_of(p, info);
        if (columns[p->column] == MIG_FORMAT_JSON) {
            visit_complete(v, &p->json);
            row->encoded[p->column] += strlen(p->json);
            g_free(p->json);
            p->json = NULL;
        } else {
            visit_complete(v, &p->der);
            row->encoded[p->column] += p->der->len;
            g_byte_array_unref(p->der);
            p->der = NULL;
        }
    }
    visit_free(v);
}

static bool count_sink(void *opaque, const uint8_t *buf, size_t len,
                       Error **errp)
{
    *(uint64_t *)opaque += len;
    return true;
}

/* One walk of the native stream in @fd through @v with @hooks. */
static bool walk(int fd, Visitor *v, const MigHooks *hooks, Error **errp)
{
    MigReader *r;
    bool ok;

    if (lseek(fd, 0, SEEK_SET) < 0) {
        error_setg(errp, "cannot rewind: %s", g_strerror(errno));
        return false;
    }
    r = mig_reader_new_fd(fd);
    ok = mig_stream_to_visitor(r, v, hooks, errp);
    mig_reader_free(r);
    return ok;
}

MigStats *mig_stats_fd(int fd, MigFormat f, Error **errp)
{
    MigStats *s = g_new0(MigStats, 1);
    Pass p = { .s = s, .column = -1 };
    MigHooks hooks = { .opaque = &p, .record = native_record };
    int tmp = -1;
    bool ok;

    s->rows = g_ptr_array_new_with_free_func(row_free);
    p.by_name = g_hash_table_new(g_str_hash, g_str_equal);
    if (f != MIG_FORMAT_QEMU) {
        fd = tmp = mig_native_tmpfile(fd, f, errp);
        if (tmp < 0) {
            goto fail;
        }
    }
    s->native_size = (uint64_t)lseek(fd, 0, SEEK_END);
    /* Native sizes, and the whole encodings through counting sinks. */
    for (int i = 0; i < MIG_STATS_ENCODINGS; i++) {
        Visitor *v;
        char *text = NULL;
        BERPlan *plan = NULL;

        p.count = 0;
        if (columns[i] == MIG_FORMAT_JSON) {
            v = json_output_visitor_new(false, &text);
        } else if (columns[i] == MIG_FORMAT_CER) {
            v = ber_output_visitor_new_sink(BER_MODE_CER, NULL, count_sink,
                                            &p.count);
        } else {
            /* DER's size, measured: no DER of the whole stream in memory */
            plan = ber_plan_new();
            v = ber_output_visitor_new_measure(BER_MODE_DER, NULL, plan);
        }
        ok = walk(fd, v, i == 0 ? &hooks : NULL, errp);
        if (ok && columns[i] == MIG_FORMAT_JSON) {
            visit_complete(v, &text);
            p.count = strlen(text);
            g_free(text);
        } else if (ok) {
            ok = ber_output_visitor_finish(v, errp);
            if (plan) {
                p.count = ber_plan_encoded_size(plan);
            }
        }
        ber_plan_free(plan);
        visit_free(v);
        if (!ok) {
            goto fail;
        }
        s->encoded_size[i] = p.count;
    }
    /* Each record alone, per encoding. */
    for (p.column = 0; p.column < MIG_STATS_ENCODINGS; p.column++) {
        MigHooks split = { .opaque = &p, .record_visitor = record_visitor,
                           .record_done = record_done };
        Visitor *v = ber_output_visitor_new_sink(BER_MODE_CER, NULL,
                                                 count_sink, &p.count);
        ok = walk(fd, v, &split, errp);
        visit_free(v);
        if (!ok) {
            goto fail;
        }
    }
    g_hash_table_destroy(p.by_name);
    if (tmp >= 0) {
        close(tmp);
    }
    return s;

fail:
    g_hash_table_destroy(p.by_name);
    if (tmp >= 0) {
        close(tmp);
    }
    mig_stats_free(s);
    return NULL;
}
