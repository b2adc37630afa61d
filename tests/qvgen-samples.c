/*
 * Sample values of every type of tests/qapi-schema/qvisit-test.json, built
 * on the code qvisit-gen generates for it, with the ASN.1 type of the
 * module (qvisit-gen --asn1) that decodes each. Shared by the visitor
 * round trips (test-qvisit-gen.c) and the ASN.1 cross-checks
 * (qvgen-dump.c).
 */
#include "config.h"

#include <string.h>

#include "qapi/clone-visitor.h"
#include "qobject/qnull.h"
#include "tests/qvgen-samples.h"
#include "qv-qapi-types.h"
#include "qv-qapi-visit.h"

#define SAMPLE_TYPE(T)                                                      \
static bool visit_##T##_native(Visitor *v, void **native, Error **errp)     \
{                                                                           \
    return visit_type_##T(v, NULL, (T **)native, errp);                     \
}                                                                           \
static void *clone_##T(void *obj)                                           \
{                                                                           \
    return QAPI_CLONE(T, (T *)obj);                                         \
}                                                                           \
static void free_##T(void *obj)                                             \
{                                                                           \
    qapi_free_##T(obj);                                                     \
}                                                                           \
static const QvSampleType sample_##T = {                                    \
    #T, visit_##T##_native, clone_##T, free_##T                             \
};

SAMPLE_TYPE(Scalars)
SAMPLE_TYPE(Reals)
SAMPLE_TYPE(Optionals)
SAMPLE_TYPE(Lists)
SAMPLE_TYPE(Keywords)
SAMPLE_TYPE(Empty)
SAMPLE_TYPE(__org_qvisit_x_Struct)
SAMPLE_TYPE(MoreDerived)
SAMPLE_TYPE(Figure)
SAMPLE_TYPE(AltAll)
SAMPLE_TYPE(AltStr)
SAMPLE_TYPE(AltEnumNum)
SAMPLE_TYPE(AltReal)
SAMPLE_TYPE(AltUnion)
SAMPLE_TYPE(Holder)
SAMPLE_TYPE(Featured)
SAMPLE_TYPE(CondStruct)
SAMPLE_TYPE(CondAlt)
SAMPLE_TYPE(Leveled)
SAMPLE_TYPE(ScalarsList)
SAMPLE_TYPE(Blobs)
SAMPLE_TYPE(BlobHolder)
SAMPLE_TYPE(BlobUnion)

/* Add a sample of QAPI type T, decoded by the ASN.1 type of the same name. */
#define ADD(T, value) add(samples, &sample_##T, NULL, (value))
/* The same, for a union value decoded by its branch type @asn1. */
#define ADD_AS(T, asn1, value) add(samples, &sample_##T, (asn1), (value))

static void add(GArray *samples, const QvSampleType *type, const char *asn1,
                void *value)
{
    QvSample s = { type, asn1, value };

    g_array_append_val(samples, s);
}

static Scalars *scalars(int k)
{
    Scalars *s = g_new0(Scalars, 1);

    s->i = k ? INT64_MIN : -1;
    s->i8 = k ? INT8_MIN : INT8_MAX;
    s->i16 = k ? INT16_MIN : INT16_MAX;
    s->i32 = k ? INT32_MIN : INT32_MAX;
    s->i64 = k ? INT64_MAX : 0;
    s->u8 = k ? UINT8_MAX : 0;
    s->u16 = k ? UINT16_MAX : 1;
    s->u32 = k ? UINT32_MAX : 2;
    s->u64 = k ? UINT64_MAX : 3;
    s->sz = k ? UINT64_MAX - 1 : 4096;
    s->b = k;
    s->s = g_strdup(k ? "" : "caf\xc3\xa9 \"quoted\"\n");
    s->c = k ? COLOUR_3D : COLOUR_BLUE_ISH;
    return s;
}

static void add_structs(GArray *samples)
{
    Optionals *o = g_new0(Optionals, 1);
    Keywords *kw = g_new0(Keywords, 1);
    __org_qvisit_x_Struct *x = g_new0(__org_qvisit_x_Struct, 1);
    MoreDerived *md = g_new0(MoreDerived, 1);
    Leveled *lv = g_new0(Leveled, 1);

    ADD(Scalars, scalars(0));
    ADD(Scalars, scalars(1));
    ADD(Optionals, g_new0(Optionals, 1));
    o->has_oi = o->has_ob = o->has_oc = true;
    o->oi = -7;
    o->ob = true;
    o->os = g_strdup("present");
    o->oc = COLOUR_GREEN;
    o->has_ol = true;           /* present and empty */
    o->ost = scalars(1);
    o->has_ostrs = true;
    QAPI_LIST_PREPEND(o->ostrs, g_strdup("only"));
    ADD(Optionals, o);

    kw->q_if = 1;
    kw->q_default = g_strdup("d");
    kw->q_case = true;
    kw->a_b = 2;
    kw->__org_qvisit_x_m = 3;
    ADD(Keywords, kw);
    ADD(Empty, g_new0(Empty, 1));

    x->id = 9;
    x->__org_qvisit_x_member = COLOUR_RED;
    ADD(__org_qvisit_x_Struct, x);

    md->id = UINT32_MAX;
    md->name = g_strdup("base name");
    md->extra = g_strdup("derived");
    md->has_more = true;
    md->more = 5;
    ADD(MoreDerived, md);

    lv->level = LEVEL_HIGH;
    QAPI_LIST_PREPEND(lv->levels, LEVEL_LOW);
    QAPI_LIST_PREPEND(lv->levels, LEVEL_HIGH);
    ADD(Leveled, lv);
}

static void add_lists(GArray *samples)
{
    Lists *l = g_new0(Lists, 1);
    ScalarsList *sl = NULL;
    Reals *r;
    int i;

    ADD(Lists, g_new0(Lists, 1));
    for (i = 0; i < 4; i++) {
        Optionals *o = g_new0(Optionals, 1);

        QAPI_LIST_PREPEND(l->ints, INT64_MIN + i);
        QAPI_LIST_PREPEND(l->u8s, 255 - i);
        QAPI_LIST_PREPEND(l->strs, g_strdup_printf("s%d", i));
        QAPI_LIST_PREPEND(l->bools, i & 1);
        QAPI_LIST_PREPEND(l->colours, (Colour)(i % COLOUR__MAX));
        QAPI_LIST_PREPEND(l->structs, scalars(i & 1));
        o->has_oi = i & 1;
        o->oi = i;
        QAPI_LIST_PREPEND(l->nested, o);
        QAPI_LIST_PREPEND(l->sizes, (uint64_t)i << 40);
        QAPI_LIST_PREPEND(sl, scalars(i & 1));
    }
    ADD(Lists, l);
    ADD(ScalarsList, sl);

    r = g_new0(Reals, 1);
    ADD(Reals, r);
    r = g_new0(Reals, 1);
    r->n = -1.5e300;
    r->has_on = true;
    r->on = 4.9e-324;           /* the smallest denormal */
    QAPI_LIST_PREPEND(r->ns, 0.1);
    QAPI_LIST_PREPEND(r->ns, -0.0);
    QAPI_LIST_PREPEND(r->ns, 1e308);
    ADD(Reals, r);
}

static void add_unions(GArray *samples)
{
    Figure *f = g_new0(Figure, 1);

    f->kind = SHAPE_CIRCLE;
    f->label = g_strdup("c");
    f->u.circle.radius = 10;
    ADD_AS(Figure, "Figure-circle", f);

    f = g_new0(Figure, 1);
    f->kind = SHAPE_RECT;
    f->label = g_strdup("r");
    f->u.rect.w = 3;
    f->u.rect.h = UINT32_MAX;
    ADD_AS(Figure, "Figure-rect", f);

    f = g_new0(Figure, 1);         /* a value without a branch */
    f->kind = SHAPE_POINT;
    f->label = g_strdup("p");
    ADD_AS(Figure, "Figure-point", f);

    f = g_new0(Figure, 1);         /* a union inside a union */
    f->kind = SHAPE_NESTED;
    f->label = g_strdup("n");
    f->u.nested.inner = INNER_KIND_A;
    f->u.nested.note = g_strdup("inner note");
    f->u.nested.u.a.radius = 1;
    ADD_AS(Figure, "Figure-nested-a", f);

    f = g_new0(Figure, 1);
    f->kind = SHAPE_NESTED;
    f->label = g_strdup("");
    f->u.nested.inner = INNER_KIND_B;
    ADD_AS(Figure, "Figure-nested-b", f);
}

static void add_alternates(GArray *samples)
{
    AltAll *a;
    AltStr *as;
    AltEnumNum *en;
    AltReal *ar;
    AltUnion *au;
    Holder *h;
    Scalars *s;

    a = g_new0(AltAll, 1);
    a->type = QTYPE_QNUM;
    a->u.i = INT64_MIN;
    ADD(AltAll, a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QBOOL;
    a->u.b = true;
    ADD(AltAll, a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QNULL;
    a->u.n = qnull();
    ADD(AltAll, a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QDICT;
    s = scalars(0);
    a->u.o = *s;                /* the branch is embedded: move its members */
    g_free(s);
    ADD(AltAll, a);
    a = g_new0(AltAll, 1);
    a->type = QTYPE_QLIST;
    QAPI_LIST_PREPEND(a->u.l, 42);
    ADD(AltAll, a);

    as = g_new0(AltStr, 1);
    as->type = QTYPE_QSTRING;
    as->u.s = g_strdup("a string");
    ADD(AltStr, as);
    as = g_new0(AltStr, 1);
    as->type = QTYPE_QDICT;
    as->u.o.radius = 7;
    ADD(AltStr, as);

    en = g_new0(AltEnumNum, 1);
    en->type = QTYPE_QSTRING;
    en->u.e = LEVEL_HIGH;
    ADD(AltEnumNum, en);
    en = g_new0(AltEnumNum, 1);
    en->type = QTYPE_QNUM;
    en->u.n = -12345;
    ADD(AltEnumNum, en);

    ar = g_new0(AltReal, 1);
    ar->type = QTYPE_QNUM;
    ar->u.n = -0.125;
    ADD(AltReal, ar);
    ar = g_new0(AltReal, 1);
    ar->type = QTYPE_QBOOL;
    ADD(AltReal, ar);

    au = g_new0(AltUnion, 1);
    au->type = QTYPE_QDICT;
    au->u.f.kind = SHAPE_RECT;
    au->u.f.label = g_strdup("in alt");
    au->u.f.u.rect.w = 1;
    ADD(AltUnion, au);
    au = g_new0(AltUnion, 1);
    au->type = QTYPE_QNUM;
    au->u.u = 200;
    ADD(AltUnion, au);

    h = g_new0(Holder, 1);
    h->a = g_new0(AltAll, 1);
    h->a->type = QTYPE_QBOOL;
    h->oa = g_new0(AltEnumNum, 1);
    h->oa->type = QTYPE_QNUM;
    h->oa->u.n = 1;
    QAPI_LIST_PREPEND(h->alts, g_new0(AltAll, 1));
    h->alts->value->type = QTYPE_QNUM;
    QAPI_LIST_PREPEND(h->alts, g_new0(AltAll, 1));
    h->alts->value->type = QTYPE_QNULL;
    h->alts->value->u.n = qnull();
    h->as = g_new0(AltStr, 1);
    h->as->type = QTYPE_QSTRING;
    h->as->u.s = g_strdup("");
    h->au = g_new0(AltUnion, 1);
    h->au->type = QTYPE_QNUM;
    ADD(Holder, h);
}

static void add_conditionals(GArray *samples)
{
    CondStruct *c = g_new0(CondStruct, 1);
    CondAlt *ca = g_new0(CondAlt, 1);

    c->always = 1;
    c->sometimes = 2;           /* QV_TEST_COND is defined for this test */
    c->unless = true;           /* QV_TEST_OFF is not */
    ADD(CondStruct, c);
    ca->type = QTYPE_QDICT;
    ca->u.p.radius = 4;
    ADD(CondAlt, ca);
}

/* A Blobs whose byte strings are filled from @seed; @data_len bytes of data. */
static Blobs *blobs(unsigned seed, size_t data_len)
{
    Blobs *b = g_new0(Blobs, 1);
    size_t i;

    b->data = data_len ? g_malloc(data_len) : NULL;
    b->data_len = data_len;
    for (i = 0; i < data_len; i++) {
        b->data[i] = (uint8_t)(seed + i * 7);
    }
    for (i = 0; i < sizeof(b->seed); i++) {
        b->seed[i] = (uint8_t)(0xf0 + seed + i);
    }
    for (i = 0; i < sizeof(b->grid); i++) {
        b->grid[i / 3][i % 3] = (uint8_t)(seed * 16 + i);
    }
    b->w16[0] = 0x0102;
    b->w16[1] = 0xfffe;
    b->w16[2] = (uint16_t)seed;
    b->w32[0] = 0x01020304u;
    b->w32[1] = UINT32_MAX - seed;
    b->w64[0] = 0x0102030405060708ull;
    b->w64[1] = UINT64_MAX - seed;
    b->after = -(int64_t)seed;
    return b;
}

static void add_bytes(GArray *samples)
{
    Blobs *full = blobs(1, 5), *big = blobs(2, 2500);
    BlobHolder *h = g_new0(BlobHolder, 1);
    BlobUnion *raw = g_new0(BlobUnion, 1), *fixed = g_new0(BlobUnion, 1);

    full->odata = g_malloc(1);          /* present and empty */
    full->odata_len = 0;
    full->has_oseed = true;
    full->oseed[0] = 0;
    full->oseed[1] = 0xff;
    ADD(Blobs, full);
    ADD(Blobs, blobs(0, 0));            /* data empty, optionals absent */
    ADD(Blobs, big);                    /* CER: fragmented OCTET STRING */
    QAPI_LIST_PREPEND(h->blobs, blobs(3, 1));
    QAPI_LIST_PREPEND(h->blobs, blobs(4, 0));
    h->one = blobs(5, 3);
    h->tail = g_memdup2("tail", 4);     /* QV_TEST_COND is defined */
    h->tail_len = 4;
    ADD(BlobHolder, h);
    raw->kind = BLOB_KIND_RAW;
    raw->u.raw.raw = g_memdup2("\0\1\2", 3);
    raw->u.raw.raw_len = 3;
    ADD_AS(BlobUnion, "BlobUnion-raw", raw);
    fixed->kind = BLOB_KIND_FIXED;
    memcpy(fixed->u.fixed.fixed, "abc", 3);
    ADD_AS(BlobUnion, "BlobUnion-fixed", fixed);
}

static Featured *featured(void)
{
    Featured *f = g_new0(Featured, 1);

    f->plain = 1;
    f->old = 2;
    f->fresh = g_strdup("new");
    f->has_both = true;
    f->both = true;
    f->custom = 3;
    return f;
}

Featured *qvgen_sample_featured(void)
{
    return featured();
}

QvSample *qvgen_samples_new(size_t *n)
{
    GArray *samples = g_array_new(FALSE, FALSE, sizeof(QvSample));

    add_structs(samples);
    add_lists(samples);
    add_unions(samples);
    add_alternates(samples);
    add_conditionals(samples);
    add_bytes(samples);
    ADD(Featured, featured());
    *n = samples->len;
    return (QvSample *)g_array_free(samples, FALSE);
}

void qvgen_samples_free(QvSample *samples, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        samples[i].type->free(samples[i].value);
    }
    g_free(samples);
}
