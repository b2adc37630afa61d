/*
 * tests/serialization-json.c: the JSON visitors as SerializeOps entries
 * (compact and pretty output, both read back by the one input visitor).
 */
#include "config.h"

#include "tests/serialization.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"

static void json_serialize(void *native_in, void **datap, VisitorFunc visit,
                           bool pretty, Error **errp)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(pretty, &text);

    if (visit(v, &native_in, errp)) {
        visit_complete(v, &text);
    }
    visit_free(v);
    *datap = text;
}

static void json_serialize_compact(void *native_in, void **datap,
                                   VisitorFunc visit, Error **errp)
{
    json_serialize(native_in, datap, visit, false, errp);
}

static void json_serialize_pretty(void *native_in, void **datap,
                                  VisitorFunc visit, Error **errp)
{
    json_serialize(native_in, datap, visit, true, errp);
}

static void json_deserialize(void **native_out, void *datap,
                             VisitorFunc visit, Error **errp)
{
    Visitor *v = json_input_visitor_new(datap, errp);

    if (v) {
        visit(v, native_out, errp);
    }
    visit_free(v);
}

static void json_cleanup(void *datap)
{
    g_free(datap);
}

const SerializeOps serialization_json_ops[] = {
    {
        .name = "JSON",
        .serialize = json_serialize_compact,
        .deserialize = json_deserialize,
        .cleanup = json_cleanup,
        .caps = VCAP_ALL,
    },
    {
        .name = "JSON-pretty",
        .serialize = json_serialize_pretty,
        .deserialize = json_deserialize,
        .cleanup = json_cleanup,
        .caps = VCAP_ALL,
    },
    { NULL }
};
