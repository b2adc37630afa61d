/*
 * Enum lookup, bool parsing, QType's names and the shared QNull.
 */
#include "config.h"

#include <assert.h>
#include <string.h>
#include <glib.h>

#include "qapi/error.h"
#include "qapi/util.h"
#include "qapi/qapi-builtin-types.h"
#include "qobject/qnull.h"

static bool name_char(char c, const char *extra)
{
    return g_ascii_isalnum(c) || (c && strchr(extra, c));
}

int parse_qapi_name(const char *str, bool complete)
{
    const char *p = str;

    if (p[0] == '_') {
        if (p[1] != '_') {
            return -1;
        }
        for (p += 2; name_char(*p, "-."); p++) {
        }
        if (*p++ != '_') {
            return -1;
        }
    }
    if (!g_ascii_isalpha(*p)) {
        return -1;
    }
    for (p++; name_char(*p, "-_"); p++) {
    }
    if (complete && *p) {
        return -1;
    }
    return p - str;
}

const char *qapi_enum_lookup(const QEnumLookup *lookup, int val)
{
    assert(val >= 0 && val < lookup->size);
    return lookup->array[val];
}

int qapi_enum_parse(const QEnumLookup *lookup, const char *buf,
                    int def, Error **errp)
{
    int i;

    if (!buf) {
        return def;
    }
    for (i = 0; i < lookup->size; i++) {
        if (!strcmp(buf, lookup->array[i])) {
            return i;
        }
    }
    error_setg(errp, "Parameter 'null' does not accept value '%s'", buf);
    return def;
}

bool qapi_bool_parse(const char *name, const char *value, bool *obj,
                     Error **errp)
{
    if (g_str_equal(value, "on") || g_str_equal(value, "yes")
        || g_str_equal(value, "true") || g_str_equal(value, "y")) {
        *obj = true;
        return true;
    }
    if (g_str_equal(value, "off") || g_str_equal(value, "no")
        || g_str_equal(value, "false") || g_str_equal(value, "n")) {
        *obj = false;
        return true;
    }
    error_setg(errp, "Parameter '%s' expects 'on' or 'off'", name);
    return false;
}

/*
 * Null carries no state, so one immutable object serves every reference;
 * that keeps qnull() and qnull_unref() free of locking.
 */
struct QNull {
    char unused;
};

static QNull qnull_singleton;

QNull *qnull(void)
{
    return &qnull_singleton;
}

void qnull_unref(QNull *obj)
{
    assert(!obj || obj == &qnull_singleton);
}
