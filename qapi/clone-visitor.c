/*
 * The clone visitor: a deep copy made by walking the source. Every
 * struct, list node and alternate is duplicated whole with g_memdup2() when
 * it is entered, so scalars are already copied and only the pointers it
 * holds (strings, byte strings, nested objects) need fresh copies.
 */
#include "config.h"

#include <assert.h>
#include <string.h>

#include "qapi/clone-visitor.h"
#include "qapi/visitor-impl.h"

typedef struct CloneVisitor {
    Visitor visitor;
    size_t depth;
} CloneVisitor;

static CloneVisitor *to_clone_visitor(Visitor *v)
{
    return (CloneVisitor *)v;
}

static bool clone_start_struct(Visitor *v, const char *name, void **obj,
                               size_t size, Error **errp)
{
    CloneVisitor *cv = to_clone_visitor(v);

    if (!obj) {
        /* A virtual walk inside an alternate: its memory is copied already. */
        assert(cv->depth);
        return true;
    }
    *obj = g_memdup2(*obj, size);
    cv->depth++;
    return true;
}

static void clone_end(Visitor *v, void **obj)
{
    CloneVisitor *cv = to_clone_visitor(v);

    assert(cv->depth);
    if (obj) {
        cv->depth--;
    }
}

static bool clone_start_list(Visitor *v, const char *name,
                             GenericList **list, size_t size, Error **errp)
{
    return clone_start_struct(v, name, (void **)list, size, errp);
}

static GenericList *clone_next_list(Visitor *v, GenericList *tail,
                                    size_t size)
{
    assert(to_clone_visitor(v)->depth);
    /* tail was copied whole, so tail->next still points into the source. */
    tail->next = g_memdup2(tail->next, size);
    return tail->next;
}

static bool clone_start_alternate(Visitor *v, const char *name,
                                  GenericAlternate **obj, size_t size,
                                  Error **errp)
{
    return clone_start_struct(v, name, (void **)obj, size, errp);
}

static bool clone_type_int64(Visitor *v, const char *name, int64_t *obj,
                             Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    return true;
}

static bool clone_type_uint64(Visitor *v, const char *name, uint64_t *obj,
                              Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    return true;
}

static bool clone_type_bool(Visitor *v, const char *name, bool *obj,
                            Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    return true;
}

static bool clone_type_number(Visitor *v, const char *name, double *obj,
                              Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    return true;
}

static bool clone_type_str(Visitor *v, const char *name, char **obj,
                           Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    /* Output visitors read NULL as "", so the clone may normalise it. */
    *obj = g_strdup(*obj ? *obj : "");
    return true;
}

static bool clone_type_null(Visitor *v, const char *name, QNull **obj,
                            Error **errp)
{
    assert(to_clone_visitor(v)->depth);
    *obj = qnull();
    return true;
}

static bool clone_type_bytes(Visitor *v, const char *name, uint8_t **buf,
                             size_t *len, Error **errp)
{
    uint8_t *copy;

    assert(to_clone_visitor(v)->depth);
    if (!*buf) {
        assert(*len == 0);
        return true;
    }
    /* Keep "empty but allocated" distinct from NULL, as input visitors do. */
    copy = g_malloc(*len ? *len : 1);
    memcpy(copy, *buf, *len);
    *buf = copy;
    return true;
}

static void clone_complete(Visitor *v, void *opaque)
{
    /* qapi_clone() reads the result from the object it passed in. */
}

static void clone_free(Visitor *v)
{
    g_free(v);
}

Visitor *qapi_clone_visitor_new(void)
{
    CloneVisitor *cv = g_new0(CloneVisitor, 1);
    Visitor *v = &cv->visitor;

    v->type = VISITOR_CLONE;
    v->start_struct = clone_start_struct;
    v->end_struct = clone_end;
    v->start_list = clone_start_list;
    v->next_list = clone_next_list;
    v->end_list = clone_end;
    v->start_alternate = clone_start_alternate;
    v->end_alternate = clone_end;
    v->type_int64 = clone_type_int64;
    v->type_uint64 = clone_type_uint64;
    v->type_bool = clone_type_bool;
    v->type_str = clone_type_str;
    v->type_number = clone_type_number;
    v->type_null = clone_type_null;
    v->type_bytes = clone_type_bytes;
    v->complete = clone_complete;
    v->free = clone_free;
    return v;
}

Visitor *qapi_clone_members_visitor_new(void)
{
    Visitor *v = qapi_clone_visitor_new();

    /* The caller copied the top-level struct: start inside it. */
    to_clone_visitor(v)->depth++;
    return v;
}
