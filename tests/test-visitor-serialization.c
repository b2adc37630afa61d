/*
 * tests/test-visitor-serialization.c: run the round-trip cases of
 * serialization.c through every registered visitor implementation.
 * To register one, see the instructions in tests/serialization.h.
 * SERIALIZATION_OPS=JSON,DER (a comma-separated list of entry names) in
 * the environment runs only those entries.
 */
#include "config.h"

#include <stdlib.h>

#include "tests/serialization.h"
#include "tests/check-main.h"

static const SerializeOps *const ops_tables[] = {
    serialization_json_ops,
#ifdef HAVE_SERIALIZATION_BER_OPS
    serialization_ber_ops,
#endif
};

static bool selected(const char *name)
{
    const char *filter = g_getenv("SERIALIZATION_OPS");
    g_auto(GStrv) names = NULL;

    if (!filter || !*filter) {
        return true;
    }
    names = g_strsplit(filter, ",", -1);
    return g_strv_contains((const char *const *)names, name);
}

int main(void)
{
    GPtrArray *ops = g_ptr_array_new();
    int status;

    for (size_t t = 0; t < G_N_ELEMENTS(ops_tables); t++) {
        for (const SerializeOps *o = ops_tables[t]; o->name; o++) {
            if (selected(o->name)) {
                g_ptr_array_add(ops, (gpointer)o);
            }
        }
    }
    status = check_run_suite(serialization_suite(
        (const SerializeOps *const *)ops->pdata, ops->len));
    g_ptr_array_free(ops, TRUE);
    return status;
}
