/*
 * The dealloc visitor: frees what it visits. It must cope with objects an
 * input visitor left half-built (NULL pointers, a list cut short), because
 * generated code frees those with it after an input error.
 */
#include "config.h"

#include "qapi/dealloc-visitor.h"
#include "qapi/visitor-impl.h"

static bool dealloc_start_struct(Visitor *v, const char *name, void **obj,
                                 size_t unused, Error **errp)
{
    return true;
}

/* Structs, alternates: the memory goes after its members were visited. */
static void dealloc_end(Visitor *v, void **obj)
{
    if (obj) {
        g_free(*obj);
    }
}

static bool dealloc_start_list(Visitor *v, const char *name,
                               GenericList **list, size_t size,
                               Error **errp)
{
    return true;
}

static GenericList *dealloc_next_list(Visitor *v, GenericList *tail,
                                      size_t size)
{
    GenericList *next = tail->next;

    g_free(tail);
    return next;
}

static void dealloc_end_list(Visitor *v, void **obj)
{
}

static bool dealloc_start_alternate(Visitor *v, const char *name,
                                    GenericAlternate **obj, size_t size,
                                    Error **errp)
{
    return true;
}

static bool dealloc_type_str(Visitor *v, const char *name, char **obj,
                             Error **errp)
{
    if (obj) {
        g_free(*obj);
        *obj = NULL;
    }
    return true;
}

static bool dealloc_type_int64(Visitor *v, const char *name, int64_t *obj,
                               Error **errp)
{
    return true;
}

static bool dealloc_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                                Error **errp)
{
    return true;
}

static bool dealloc_type_bool(Visitor *v, const char *name, bool *obj,
                              Error **errp)
{
    return true;
}

static bool dealloc_type_number(Visitor *v, const char *name, double *obj,
                                Error **errp)
{
    return true;
}

static bool dealloc_type_null(Visitor *v, const char *name, QNull **obj,
                              Error **errp)
{
    if (obj) {
        qobject_unref(*obj);
        *obj = NULL;
    }
    return true;
}

static bool dealloc_type_bytes(Visitor *v, const char *name, uint8_t **buf,
                               size_t *len, Error **errp)
{
    g_free(*buf);
    *buf = NULL;
    *len = 0;
    return true;
}

static void dealloc_free(Visitor *v)
{
    g_free(v);
}

Visitor *qapi_dealloc_visitor_new(void)
{
    Visitor *v = g_new0(Visitor, 1);

    v->type = VISITOR_DEALLOC;
    v->start_struct = dealloc_start_struct;
    v->end_struct = dealloc_end;
    v->start_alternate = dealloc_start_alternate;
    v->end_alternate = dealloc_end;
    v->start_list = dealloc_start_list;
    v->next_list = dealloc_next_list;
    v->end_list = dealloc_end_list;
    v->type_int64 = dealloc_type_int64;
    v->type_uint64 = dealloc_type_uint64;
    v->type_bool = dealloc_type_bool;
    v->type_str = dealloc_type_str;
    v->type_number = dealloc_type_number;
    v->type_null = dealloc_type_null;
    v->type_bytes = dealloc_type_bytes;
    v->free = dealloc_free;
    return v;
}
