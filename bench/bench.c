/*
 * bench/bench.c: the benchmark of WORKLOAD.md (`make bench`).
 *
 * Runs W1 (one device record, 4 KiB and 1 MiB blobs) through our BER
 * visitors (DER and CER), our JSON visitors, libtasn1, asn1c, json-c and a
 * memcpy floor, a CER copy floor (the same segment copies CER's
 * fragmentation imposes) and a native-build floor (building the QAPI
 * object by copying fields); W2 (n small structs, n = 10^3..10^6) for
 * per-element time and peak heap; W3 (NVRAM commits) against an
 * image-shaped floor (the same gathered writes alternately at the two
 * copies' offsets, each + fdatasync); and ber-dump against dumpasn1 and
 * openssl asn1parse. Everything
 * is measured side by side in this one process, and every goal is a ratio
 * between figures of the same run. The last line says "goals met: N/M".
 *
 * W4, W5 and W6 are programs of their own (bench/workloads.h), run once
 * per pass when built, their goals counted in the same summary.
 *
 * Usage: bench [--quick] [--json] [--only=w1-4k,w1-1m,w2,w3,w4,w5,w6,dump]
 *              [--reps=N] [--dir=DIR] [--ber-dump=PATH] [--asn=FILE]
 *              [--loop=CASE [--seconds=S | --count=N]]
 * --loop runs one case (e.g. "w1-1m.der.encode") alone, for perf/callgrind.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <inttypes.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <json-c/json.h>

#include "qapi/error.h"
#include "visitors/ber-visitor.h"
#include "visitors/json-input-visitor.h"
#include "visitors/json-output-visitor.h"
#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "bench/bench.h"
#include "bench/harness.h"
#include "bench/malloc-count.h"
#include "bench/workloads.h"

extern char **environ;

#ifndef BENCH_CFLAGS
#define BENCH_CFLAGS "unknown"
#endif
#ifndef BENCH_ASN_FILE
#define BENCH_ASN_FILE "bench/devstate.asn"
#endif
#ifndef BENCH_TOP_BUILDDIR
#define BENCH_TOP_BUILDDIR "."
#endif

static struct {
    bool quick;
    const char *only;
    const char *dir;
    const char *ber_dump;
    const char *asn_file;
} opt = {
    .dir = ".",
    .asn_file = BENCH_ASN_FILE,
};

static bool section_enabled(const char *name)
{
    gchar **parts;
    bool found = false;

    if (!opt.only) {
        return true;
    }
    parts = g_strsplit(opt.only, ",", -1);
    for (gchar **p = parts; *p; p++) {
        found |= g_ascii_strcasecmp(*p, name) == 0;
    }
    g_strfreev(parts);
    return found;
}

static G_NORETURN void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(2);
}

/* Keep the compiler from dropping a copy nobody reads. */
static inline void clobber(void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}

/*** Encoding and decoding with our visitors (used in and out of loops) ***/

static GByteArray *ber_encode_devstate(DevState *s, BERMode mode)
{
    GByteArray *out = NULL;
    Visitor *v = ber_output_visitor_new(mode, &out);

    if (visit_type_DevState(v, NULL, &s, NULL)) {
        visit_complete(v, &out);
    }
    visit_free(v);
    return out;
}

static DevState *ber_decode_devstate(const GByteArray *in, BERMode mode,
                                     Error **errp)
{
    DevState *s = NULL;
    Visitor *v = ber_input_visitor_new(in->data, in->len, mode);

    if (visit_type_DevState(v, NULL, &s, errp) &&
        !ber_input_visitor_finish(v, errp)) {
        qapi_free_DevState(s);
        s = NULL;
    }
    visit_free(v);
    return s;
}

static char *json_encode_devstate(DevState *s)
{
    char *text = NULL;
    Visitor *v = json_output_visitor_new(false, &text);

    if (visit_type_DevState(v, NULL, &s, NULL)) {
        visit_complete(v, &text);
    }
    visit_free(v);
    return text;
}

static DevState *json_decode_devstate(const char *text, Error **errp)
{
    DevState *s = NULL;
    Visitor *v = json_input_visitor_new(text, errp);

    if (!v) {
        return NULL;
    }
    visit_type_DevState(v, NULL, &s, errp);
    visit_free(v);
    return s;
}

/*** W1 ***/

typedef struct W1 {
    const char *label;          /* "W1-4K" */
    const char *key;            /* "w1-4k" */
    size_t blob_len;
    DevState *s;
    GByteArray *der, *cer;
    char *json, *jsonc;
    uint8_t *scratch;
    /* the CER copy floor: where the CER encoding holds each fragment of
     * the blob, and a buffer shaped like the encoding to copy into */
    size_t n_segs;
    size_t *seg_off, *seg_len;
    uint8_t *cer_scratch;
    Tasn1Peer *tasn1;
    size_t tasn1_cap;
    Asn1cPeer *asn1c;
    size_t asn1c_cap;
} W1;

static bool w1_der_encode(void *ctx, uint64_t *ex)
{
    GByteArray *out = ber_encode_devstate(((W1 *)ctx)->s, BER_MODE_DER);

    if (!out) {
        return false;
    }
    g_byte_array_unref(out);
    return true;
}

static bool w1_cer_encode(void *ctx, uint64_t *ex)
{
    GByteArray *out = ber_encode_devstate(((W1 *)ctx)->s, BER_MODE_CER);

    if (!out) {
        return false;
    }
    g_byte_array_unref(out);
    return true;
}

static bool w1_der_decode(void *ctx, uint64_t *ex)
{
    DevState *s = ber_decode_devstate(((W1 *)ctx)->der, BER_MODE_DER, NULL);

    qapi_free_DevState(s);
    return s != NULL;
}

static bool w1_cer_decode(void *ctx, uint64_t *ex)
{
    DevState *s = ber_decode_devstate(((W1 *)ctx)->cer, BER_MODE_CER, NULL);

    qapi_free_DevState(s);
    return s != NULL;
}

static bool w1_json_encode(void *ctx, uint64_t *ex)
{
    char *text = json_encode_devstate(((W1 *)ctx)->s);

    g_free(text);
    return text != NULL;
}

static bool w1_json_decode(void *ctx, uint64_t *ex)
{
    DevState *s = json_decode_devstate(((W1 *)ctx)->json, NULL);

    qapi_free_DevState(s);
    return s != NULL;
}

static bool w1_tasn1_encode(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;

    return tasn1_peer_encode(w->tasn1, w->s, w->tasn1_cap, NULL) > 0;
}

static bool w1_tasn1_decode(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;
    DevState *s = tasn1_peer_decode(w->tasn1, w->der->data, w->der->len);

    devstate_free_plain(s);
    return s != NULL;
}

static bool w1_asn1c_encode(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;
    uint8_t *buf = malloc(w->asn1c_cap);
    long n = asn1c_peer_encode(w->asn1c, buf, w->asn1c_cap);

    free(buf);
    return n > 0;
}

static bool w1_asn1c_decode(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;

    return asn1c_peer_decode(w->der->data, w->der->len);
}

static bool w1_jsonc_encode(void *ctx, uint64_t *ex)
{
    return jsonc_peer_encode(((W1 *)ctx)->s, NULL) > 0;
}

static bool w1_jsonc_decode(void *ctx, uint64_t *ex)
{
    DevState *s = jsonc_peer_decode(((W1 *)ctx)->jsonc);

    devstate_free_plain(s);
    return s != NULL;
}

/*
 * The floor of decoding into the QAPI shape: build the same native record
 * (35 allocations for W1: the struct, the name, 16 list nodes and 16
 * entries, the blob) by copying fields; w1_native_build() then frees it
 * field by field. No parsing at all.
 */
static DevState *native_build(const DevState *src)
{
    DevState *d = g_new0(DevState, 1);
    EntryList **tail = &d->entries;

    d->id = src->id;
    d->counter = src->counter;
    d->enabled = src->enabled;
    d->name = g_strdup(src->name);
    memcpy(d->regs, src->regs, DEVSTATE_REGS_LEN);
    for (const EntryList *e = src->entries; e; e = e->next) {
        EntryList *node = g_new0(EntryList, 1);

        node->value = g_memdup2(e->value, sizeof(Entry));
        *tail = node;
        tail = &node->next;
    }
    d->blob = g_memdup2(src->blob, src->blob_len);
    d->blob_len = src->blob_len;
    clobber(d);
    return d;
}

static bool w1_native_build(void *ctx, uint64_t *ex)
{
    devstate_free_plain(native_build(((W1 *)ctx)->s));
    return true;
}

/*
 * Informational: the same floor, freed the QAPI way (qapi_free_DevState(),
 * the dealloc visitor walking the generated code), as our decode case
 * frees its result: shows how much of the gap is that walk.
 */
static bool w1_native_build_qfree(void *ctx, uint64_t *ex)
{
    qapi_free_DevState(native_build(((W1 *)ctx)->s));
    return true;
}

static bool w1_memcpy(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;

    memcpy(w->scratch, w->der->data, w->der->len);
    clobber(w->scratch);
    return true;
}

/*
 * The CER copy floors: the copies CER's fragmentation imposes on any
 * encoder or decoder, and nothing else. Encode side: the blob's 1,000-octet
 * pieces copied to where the encoding holds them (a preallocated buffer of
 * the encoding's size); decode side: the fragments' contents copied back
 * into one preallocated buffer.
 */
/*
 * The lengths come from an array so that the compiler cannot bound them
 * and inline a copy loop: the floor calls memcpy() per segment as the
 * visitors do.
 */
static bool w1_cer_copy_in(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;
    const uint8_t *src = w->s->blob;

    for (size_t i = 0; i < w->n_segs; i++) {
        memcpy(w->cer_scratch + w->seg_off[i], src, w->seg_len[i]);
        src += w->seg_len[i];
    }
    clobber(w->cer_scratch);
    return true;
}

static bool w1_cer_copy_out(void *ctx, uint64_t *ex)
{
    W1 *w = ctx;
    const uint8_t *cer = w->cer->data;
    uint8_t *dst = w->scratch;

    for (size_t i = 0; i < w->n_segs; i++) {
        memcpy(dst, cer + w->seg_off[i], w->seg_len[i]);
        dst += w->seg_len[i];
    }
    clobber(w->scratch);
    return true;
}

/*
 * Find the fragments of the blob in our CER encoding: the first one by
 * its contents, each next one after the primitive OCTET STRING header in
 * front of it; every fragment's contents are checked against the blob, so
 * the floor copies exactly the segments the encoding has.
 */
static void w1_find_cer_segments(W1 *w)
{
    const uint8_t *cer = w->cer->data, *blob = w->s->blob;
    size_t len = w->cer->len, first = MIN(BER_DEFAULT_CER_FRAGMENT, w->blob_len);
    const uint8_t *p = memmem(cer, len, blob, first);
    size_t off;

    if (!p) {
        die("%s: the blob's first CER fragment is not in the encoding",
            w->label);
    }
    w->n_segs = (w->blob_len + BER_DEFAULT_CER_FRAGMENT - 1) / BER_DEFAULT_CER_FRAGMENT;
    w->seg_off = g_new(size_t, w->n_segs);
    w->seg_len = g_new(size_t, w->n_segs);
    off = (size_t)(p - cer);
    for (size_t i = 0; i < w->n_segs; i++) {
        size_t at = i * BER_DEFAULT_CER_FRAGMENT;
        size_t n = MIN(BER_DEFAULT_CER_FRAGMENT, w->blob_len - at);

        if (i > 0) {
            /* 04 LL or 04 8N L...: X.690 8.1.2, 8.1.3 */
            size_t hdr = off + 1 < len && cer[off] == 0x04 ?
                         (cer[off + 1] < 0x80 ? 2 : 2 + (cer[off + 1] & 0x7f)) :
                         0;

            if (!hdr) {
                die("%s: no CER fragment header at offset %zu", w->label,
                    off);
            }
            off += hdr;
        }
        if (off + n > len || memcmp(cer + off, blob + at, n)) {
            die("%s: CER fragment %zu does not hold the blob's bytes at "
                "offset %zu", w->label, i, off);
        }
        w->seg_off[i] = off;
        w->seg_len[i] = n;
        off += n;
    }
    w->cer_scratch = g_malloc(len);
    memcpy(w->cer_scratch, cer, len);
}

/* Set up W1, check every codec once outside the timed loops. */
static void w1_prepare(W1 *w, Tasn1Peer *tasn1)
{
    Error *err = NULL;
    DevState *d;
    const char *bad;
    uint8_t *tasn1_der = NULL;
    long n;

    w->s = devstate_build(w->blob_len);
    w->der = ber_encode_devstate(w->s, BER_MODE_DER);
    w->cer = ber_encode_devstate(w->s, BER_MODE_CER);
    w->json = json_encode_devstate(w->s);
    if (!w->der || !w->cer || !w->json) {
        die("%s: our output visitors failed", w->label);
    }
    w->scratch = g_malloc(w->der->len);
    w1_find_cer_segments(w);

    d = ber_decode_devstate(w->der, BER_MODE_DER, &err);
    if ((bad = devstate_check(d, w->blob_len))) {
        die("%s: DER round trip: %s %s", w->label, bad,
            err ? error_get_pretty(err) : "");
    }
    qapi_free_DevState(d);
    d = ber_decode_devstate(w->cer, BER_MODE_CER, &err);
    if ((bad = devstate_check(d, w->blob_len))) {
        die("%s: CER round trip: %s %s", w->label, bad,
            err ? error_get_pretty(err) : "");
    }
    qapi_free_DevState(d);
    d = json_decode_devstate(w->json, &err);
    if ((bad = devstate_check(d, w->blob_len))) {
        die("%s: JSON round trip: %s %s", w->label, bad,
            err ? error_get_pretty(err) : "");
    }
    qapi_free_DevState(d);

    /* json-c */
    if (jsonc_peer_encode(w->s, &w->jsonc) < 0) {
        die("%s: json-c encode failed", w->label);
    }
    d = jsonc_peer_decode(w->jsonc);
    if ((bad = devstate_check(d, w->blob_len))) {
        die("%s: json-c round trip: %s", w->label, bad);
    }
    devstate_free_plain(d);

    /* libtasn1: its DER must be ours, byte for byte */
    w->tasn1 = tasn1;
    w->tasn1_cap = w->der->len;
    if (tasn1) {
        n = tasn1_peer_encode(tasn1, w->s, w->tasn1_cap, &tasn1_der);
        if (n < 0) {
            die("%s: libtasn1 encode failed", w->label);
        }
        bench_figure(bench_fmt("%s size libtasn1", w->label), (double)n,
                     "bytes", (size_t)n == w->der->len &&
                     !memcmp(tasn1_der, w->der->data, w->der->len) ?
                     "identical to our DER" : "DIFFERS from our DER");
        free(tasn1_der);
        d = tasn1_peer_decode(tasn1, w->der->data, w->der->len);
        if ((bad = devstate_check(d, w->blob_len))) {
            die("%s: libtasn1 decode of our DER: %s", w->label, bad);
        }
        devstate_free_plain(d);
    }

#ifdef HAVE_ASN1C_PEER
    w->asn1c = asn1c_peer_new(w->s);
    w->asn1c_cap = w->der->len;
    if (w->asn1c) {
        uint8_t *buf = g_malloc(w->asn1c_cap);

        n = asn1c_peer_encode(w->asn1c, buf, w->asn1c_cap);
        if (n < 0) {
            die("%s: asn1c encode failed", w->label);
        }
        bench_figure(bench_fmt("%s size asn1c", w->label), (double)n,
                     "bytes", (size_t)n == w->der->len &&
                     !memcmp(buf, w->der->data, w->der->len) ?
                     "identical to our DER" : "DIFFERS from our DER");
        g_free(buf);
        d = asn1c_peer_decode_to_native(w->der->data, w->der->len);
        if ((bad = devstate_check(d, w->blob_len))) {
            die("%s: asn1c decode of our DER: %s", w->label, bad);
        }
        devstate_free_plain(d);
    }
#endif
}

static void w1_free(W1 *w)
{
    qapi_free_DevState(w->s);
    g_byte_array_unref(w->der);
    g_byte_array_unref(w->cer);
    g_free(w->json);
    g_free(w->jsonc);
    g_free(w->scratch);
    g_free(w->seg_off);
    g_free(w->seg_len);
    g_free(w->cer_scratch);
#ifdef HAVE_ASN1C_PEER
    asn1c_peer_free(w->asn1c);
#endif
}

enum {
    W1_DER, W1_CER, W1_JSON, W1_TASN1, W1_ASN1C, W1_JSONC, W1_MEMCPY,
    W1_CERCOPY, W1_BUILD, W1_BUILD_QFREE, W1_N
};
static const char *const w1_codec[W1_N] = {
    "der", "cer", "json", "libtasn1", "asn1c", "json-c", "memcpy",
    "cer-copy", "native-build", "native-build-qapi-free",
};

/* The faster (smaller ns) of two medians, ignoring failed ones (< 0). */
static double faster(double a, double b, const char **which,
                     const char *na, const char *nb)
{
    if (a < 0 && b < 0) {
        *which = "none";
        return NAN;
    }
    if (b < 0 || (a >= 0 && a <= b)) {
        *which = na;
        return a;
    }
    *which = nb;
    return b;
}

static double ratio(double num, double den)
{
    return num < 0 || den <= 0 ? NAN : num / den;
}

static void run_w1(size_t blob_len, const char *label, const char *key,
                   Tasn1Peer *tasn1)
{
    W1 w = { .label = label, .key = key, .blob_len = blob_len };
    BenchCase enc[W1_N], dec[W1_N];
    BenchOp enc_op[W1_N] = {
        w1_der_encode, w1_cer_encode, w1_json_encode, w1_tasn1_encode,
        w1_asn1c_encode, w1_jsonc_encode, w1_memcpy, w1_cer_copy_in, NULL,
        NULL,
    };
    BenchOp dec_op[W1_N] = {
        w1_der_decode, w1_cer_decode, w1_json_decode, w1_tasn1_decode,
        w1_asn1c_decode, w1_jsonc_decode, NULL, w1_cer_copy_out,
        w1_native_build, w1_native_build_qfree,
    };
    /* the CER copy floor is a goal's floor for the large blob only */
    bool cer_floor = blob_len > 4096;
    const char *which;
    double best, jc;
    char name[128];

    w1_prepare(&w, tasn1);
    bench_figure(bench_fmt("%s size der", label), w.der->len, "bytes",
                 NULL);
    bench_figure(bench_fmt("%s size cer", label), w.cer->len, "bytes",
                 NULL);
    bench_figure(bench_fmt("%s size json", label), strlen(w.json),
                 "bytes", NULL);
    bench_figure(bench_fmt("%s size json-c", label), strlen(w.jsonc),
                 "bytes", NULL);

    for (int i = 0; i < W1_N; i++) {
        enc[i] = (BenchCase) {
            .name = bench_fmt("%s.%s.encode", key, w1_codec[i]),
            .op = enc_op[i], .ctx = &w,
        };
        dec[i] = (BenchCase) {
            .name = bench_fmt("%s.%s.decode", key, w1_codec[i]),
            .op = dec_op[i], .ctx = &w,
        };
    }
    if (!tasn1) {
        enc[W1_TASN1].op = dec[W1_TASN1].op = NULL;
    }
    if (!w.asn1c) {
        enc[W1_ASN1C].op = dec[W1_ASN1C].op = NULL;
    }
    if (!cer_floor) {
        enc[W1_CERCOPY].op = dec[W1_CERCOPY].op = NULL;
    }
    /* the decode group borrows the memcpy floor so it is measured twice,
     * once beside each group */
    dec[W1_MEMCPY].op = w1_memcpy;
    bench_run_group(enc, W1_N);
    bench_run_group(dec, W1_N);

    for (int i = 0; i < W1_N; i++) {
        for (int d = 0; d < 2; d++) {
            BenchCase *c = d ? &dec[i] : &enc[i];

            snprintf(name, sizeof(name), "%s %s %s", label,
                     d ? "decode" : "encode", w1_codec[i]);
            if (((i == W1_BUILD || i == W1_BUILD_QFREE) && !d) ||
                (i == W1_CERCOPY && !cer_floor)) {
                continue;       /* decode-side floors only; 1 MiB only */
            }
            if (!c->op) {
                bench_figure_missing(name, i == W1_ASN1C ?
                                     "asn1c not found at configure time" :
                                     "peer unavailable");
            } else {
                bench_figure(name, c->median, "ns/record",
                             c->failed ? "(failed)" : NULL);
            }
        }
    }
    /* the floor: the median of its samples from both groups */
    if (!bench_config.loop) {
        size_t ne = enc[W1_MEMCPY].n_samples, nd = dec[W1_MEMCPY].n_samples;
        double *all = g_new(double, ne + nd);
        double floor_ns;

        memcpy(all, enc[W1_MEMCPY].samples, ne * sizeof(double));
        memcpy(all + ne, dec[W1_MEMCPY].samples, nd * sizeof(double));
        floor_ns = bench_median(all, ne + nd);
        g_free(all);
        enc[W1_MEMCPY].median = dec[W1_MEMCPY].median = floor_ns;
        bench_figure(bench_fmt("%s floor memcpy", label), floor_ns,
                     "ns/record", "(median of both groups' samples)");
    }

    if (blob_len <= 4096) {
        best = faster(enc[W1_TASN1].median, enc[W1_ASN1C].median, &which,
                      "libtasn1", "asn1c");
        snprintf(name, sizeof(name), "(faster peer: %s)", which);
        bench_goal(bench_fmt("%s DER encode speedup vs ASN.1 peers",
                                   label),
                   ratio(best, enc[W1_DER].median), "x", true, 15,
                   bench_fmt("%s", name));
        best = faster(dec[W1_TASN1].median, dec[W1_ASN1C].median, &which,
                      "libtasn1", "asn1c");
        snprintf(name, sizeof(name), "(faster peer: %s)", which);
        bench_goal(bench_fmt("%s DER decode speedup vs ASN.1 peers",
                                   label),
                   ratio(best, dec[W1_DER].median), "x", true, 4,
                   bench_fmt("%s", name));
        jc = enc[W1_JSONC].median;
        bench_goal(bench_fmt("%s DER encode speedup vs json-c", label),
                   ratio(jc, enc[W1_DER].median), "x", true, 10, NULL);
        jc = dec[W1_JSONC].median;
        bench_goal(bench_fmt("%s DER decode speedup vs json-c", label),
                   ratio(jc, dec[W1_DER].median), "x", true, 10, NULL);
        bench_goal(bench_fmt("%s JSON encode time / json-c", label),
                   ratio(enc[W1_JSON].median, enc[W1_JSONC].median), "x",
                   false, 1.5, NULL);
        bench_goal(bench_fmt("%s JSON decode time / json-c", label),
                   ratio(dec[W1_JSON].median, dec[W1_JSONC].median), "x",
                   false, 1.5, NULL);
        bench_goal(bench_fmt("%s DER decode time / native-build floor",
                             label),
                   ratio(dec[W1_DER].median, dec[W1_BUILD].median), "x",
                   false, 2.5, "(building the QAPI object alone, no parsing)");
        bench_figure(bench_fmt("%s DER decode time / native-build floor "
                               "freed by qapi_free", label),
                     ratio(dec[W1_DER].median, dec[W1_BUILD_QFREE].median),
                     "x", "(informational: both free through the dealloc "
                     "visitor)");
        /* informational: CER beside the peers */
        best = faster(enc[W1_TASN1].median, enc[W1_ASN1C].median, &which,
                      "libtasn1", "asn1c");
        bench_figure(bench_fmt("%s CER encode speedup vs %s", label,
                                     which),
                     ratio(best, enc[W1_CER].median), "x", NULL);
        best = faster(dec[W1_TASN1].median, dec[W1_ASN1C].median, &which,
                      "libtasn1", "asn1c");
        bench_figure(bench_fmt("%s CER decode speedup vs %s", label,
                                     which),
                     ratio(best, dec[W1_CER].median), "x", NULL);
    } else {
        double floor_ns = enc[W1_MEMCPY].median;

        bench_goal(bench_fmt("%s DER encode time / memcpy", label),
                   ratio(enc[W1_DER].median, floor_ns), "x", false, 1.3,
                   NULL);
        bench_goal(bench_fmt("%s DER decode time / memcpy", label),
                   ratio(dec[W1_DER].median, floor_ns), "x", false, 1.3,
                   NULL);
        bench_goal(bench_fmt("%s CER encode time / CER copy floor", label),
                   ratio(enc[W1_CER].median, enc[W1_CERCOPY].median), "x",
                   false, 1.3, bench_fmt("(%zu segment copies)", w.n_segs));
        bench_goal(bench_fmt("%s CER decode time / CER copy floor", label),
                   ratio(dec[W1_CER].median, dec[W1_CERCOPY].median), "x",
                   false, 1.3, bench_fmt("(%zu segment copies)", w.n_segs));
        bench_figure(bench_fmt("%s CER copy floor / memcpy", label),
                     ratio(dec[W1_CERCOPY].median, floor_ns), "x",
                     "(decode side: the cost of fragmenting alone)");
        bench_figure(bench_fmt("%s CER encode time / memcpy", label),
                     ratio(enc[W1_CER].median, floor_ns), "x", NULL);
        bench_figure(bench_fmt("%s CER decode time / memcpy", label),
                     ratio(dec[W1_CER].median, floor_ns), "x", NULL);
        for (int i = W1_TASN1; i <= W1_JSONC; i++) {
            if (enc[i].median >= 0) {
                bench_figure(bench_fmt("%s %s encode time / memcpy",
                                             label, w1_codec[i]),
                             ratio(enc[i].median, floor_ns), "x", NULL);
                bench_figure(bench_fmt("%s %s decode time / memcpy",
                                             label, w1_codec[i]),
                             ratio(dec[i].median, floor_ns), "x", NULL);
            }
        }
        bench_figure(bench_fmt("%s JSON encode time / memcpy", label),
                     ratio(enc[W1_JSON].median, floor_ns), "x", NULL);
        bench_figure(bench_fmt("%s JSON decode time / memcpy", label),
                     ratio(dec[W1_JSON].median, floor_ns), "x", NULL);
    }
    bench_cases_clear(enc, W1_N);
    bench_cases_clear(dec, W1_N);
    w1_free(&w);
}

/*** W2 ***/

enum { W2_DER, W2_CER, W2_JSON, W2_MODES };
static const char *const w2_mode[W2_MODES] = { "der", "cer", "json" };
static const BERMode w2_ber_mode[2] = { BER_MODE_DER, BER_MODE_CER };

typedef struct W2 {
    size_t n;
    int mode;
    ItemList *list;
    GByteArray *enc;     /* BER modes */
    char *text;          /* JSON */
    size_t enc_len;
} W2;

static void *w2_encode(W2 *w)
{
    if (w->mode == W2_JSON) {
        char *text = NULL;
        Visitor *v = json_output_visitor_new(false, &text);

        if (visit_type_ItemList(v, NULL, &w->list, NULL)) {
            visit_complete(v, &text);
        }
        visit_free(v);
        return text;
    } else {
        GByteArray *out = NULL;
        Visitor *v = ber_output_visitor_new(w2_ber_mode[w->mode], &out);

        if (visit_type_ItemList(v, NULL, &w->list, NULL)) {
            visit_complete(v, &out);
        }
        visit_free(v);
        return out;
    }
}

static void w2_free_encoding(W2 *w, void *enc)
{
    if (w->mode == W2_JSON) {
        g_free(enc);
    } else if (enc) {
        g_byte_array_unref(enc);
    }
}

static ItemList *w2_decode(W2 *w, Error **errp)
{
    ItemList *list = NULL;
    Visitor *v;

    if (w->mode == W2_JSON) {
        v = json_input_visitor_new(w->text, errp);
        if (!v) {
            return NULL;
        }
        visit_type_ItemList(v, NULL, &list, errp);
    } else {
        v = ber_input_visitor_new(w->enc->data, w->enc->len,
                                  w2_ber_mode[w->mode]);
        if (visit_type_ItemList(v, NULL, &list, errp) &&
            !ber_input_visitor_finish(v, errp)) {
            qapi_free_ItemList(list);
            list = NULL;
        }
    }
    visit_free(v);
    return list;
}

static bool w2_encode_op(void *ctx, uint64_t *ex)
{
    W2 *w = ctx;
    void *enc = w2_encode(w);
    uint64_t t0 = bench_op_ns();

    w2_free_encoding(w, enc);
    *ex += bench_op_ns() - t0;
    return enc != NULL;
}

static bool w2_decode_op(void *ctx, uint64_t *ex)
{
    W2 *w = ctx;
    ItemList *list = w2_decode(w, NULL);
    uint64_t t0 = bench_op_ns();

    qapi_free_ItemList(list);
    *ex += bench_op_ns() - t0;
    return list != NULL;
}

/* The floor of W2: read every field of the native list once. */
static bool w2_walk_op(void *ctx, uint64_t *ex)
{
    W2 *w = ctx;
    uint64_t sum = 0;

    for (ItemList *node = w->list; node; node = node->next) {
        sum += (uint64_t)node->value->num + node->value->flag +
               strlen(node->value->label);
    }
    clobber(&sum);
    return true;
}

typedef struct W2Result {
    double enc_ns[4], dec_ns[4];      /* per element */
    double walk_ns[4];
    double enc_len[4];
    double enc_peak[4], dec_peak[4], dec_result[4];
} W2Result;

static void run_w2(void)
{
    static const size_t ns[4] = { 1000, 10000, 100000, 1000000 };
    W2Result r[W2_MODES];
    bool counted = malloc_count_available();
    char name[128];

    for (int k = 0; k < 4; k++) {
        size_t n = ns[k];
        ItemList *list = itemlist_build(n);
        W2 w[W2_MODES];
        BenchCase cases[2 * W2_MODES + 1];

        for (int m = 0; m < W2_MODES; m++) {
            Error *err = NULL;
            ItemList *back;
            const char *bad;
            MallocCount mc;
            void *enc;

            w[m] = (W2) { .n = n, .mode = m, .list = list };
            /* peak heap of one encode and one decode, counted apart */
            malloc_count_start();
            enc = w2_encode(&w[m]);
            mc = malloc_count_stop();
            if (!enc) {
                die("W2 n=%zu %s: encode failed", n, w2_mode[m]);
            }
            r[m].enc_peak[k] = (double)mc.peak;
            if (m == W2_JSON) {
                w[m].text = enc;
                w[m].enc_len = strlen(enc);
            } else {
                w[m].enc = enc;
                w[m].enc_len = w[m].enc->len;
            }
            r[m].enc_len[k] = (double)w[m].enc_len;
            malloc_count_start();
            back = w2_decode(&w[m], &err);
            mc = malloc_count_stop();
            r[m].dec_peak[k] = (double)mc.peak;
            r[m].dec_result[k] = (double)mc.end;
            if ((bad = itemlist_check(back, n))) {
                die("W2 n=%zu %s: round trip: %s %s", n, w2_mode[m], bad,
                    err ? error_get_pretty(err) : "");
            }
            qapi_free_ItemList(back);
            cases[2 * m] = (BenchCase) {
                .name = bench_fmt("w2-%zu.%s.encode", n, w2_mode[m]),
                .op = w2_encode_op, .ctx = &w[m],
            };
            cases[2 * m + 1] = (BenchCase) {
                .name = bench_fmt("w2-%zu.%s.decode", n, w2_mode[m]),
                .op = w2_decode_op, .ctx = &w[m],
            };
        }
        cases[2 * W2_MODES] = (BenchCase) {
            .name = bench_fmt("w2-%zu.walk", n),
            .op = w2_walk_op, .ctx = &w[0],
        };
        bench_run_group(cases, 2 * W2_MODES + 1);
        r[0].walk_ns[k] = cases[2 * W2_MODES].median < 0 ? NAN :
                          cases[2 * W2_MODES].median / (double)n;
        snprintf(name, sizeof(name), "W2 n=%-7zu walk of the native list", n);
        bench_figure(name, r[0].walk_ns[k], "ns/element",
                     "(floor: reads every field once)");
        for (int m = 0; m < W2_MODES; m++) {
            r[m].enc_ns[k] = cases[2 * m].median < 0 ? NAN :
                             cases[2 * m].median / (double)n;
            r[m].dec_ns[k] = cases[2 * m + 1].median < 0 ? NAN :
                             cases[2 * m + 1].median / (double)n;
            snprintf(name, sizeof(name), "W2 n=%-7zu %-4s size", n,
                     w2_mode[m]);
            bench_figure(name, r[m].enc_len[k], "bytes", NULL);
            snprintf(name, sizeof(name), "W2 n=%-7zu %-4s encode", n,
                     w2_mode[m]);
            bench_figure(name, r[m].enc_ns[k], "ns/element", NULL);
            snprintf(name, sizeof(name), "W2 n=%-7zu %-4s decode", n,
                     w2_mode[m]);
            bench_figure(name, r[m].dec_ns[k], "ns/element",
                         "(freeing the result not counted)");
            if (counted) {
                snprintf(name, sizeof(name), "W2 n=%-7zu %-4s encode peak", n,
                         w2_mode[m]);
                bench_figure(name, r[m].enc_peak[k], "bytes",
                             bench_fmt("(%.2f x encoded size, output "
                                             "included)", r[m].enc_peak[k] /
                                             r[m].enc_len[k]));
                snprintf(name, sizeof(name), "W2 n=%-7zu %-4s decode peak", n,
                         w2_mode[m]);
                bench_figure(name, r[m].dec_peak[k], "bytes",
                             bench_fmt("(result %.0f bytes; beyond it "
                                             "%.2f x encoded size)",
                                             r[m].dec_result[k],
                                             (r[m].dec_peak[k] -
                                              r[m].dec_result[k]) /
                                             r[m].enc_len[k]));
            }
            w2_free_encoding(&w[m], m == W2_JSON ? (void *)w[m].text :
                             (void *)w[m].enc);
        }
        bench_cases_clear(cases, 2 * W2_MODES + 1);
        qapi_free_ItemList(list);
    }

    if (!counted) {
        bench_note("W2 peak memory: not available in this build "
                   "(sanitizers replace malloc)");
    }
    {
        double wmin = INFINITY, wmax = 0;

        for (int k = 0; k < 4; k++) {
            wmin = fmin(wmin, r[0].walk_ns[k]);
            wmax = fmax(wmax, r[0].walk_ns[k]);
        }
        bench_figure("W2 walk time/element max/min", wmax / wmin, "x",
                     "(the memory hierarchy's share of any growth)");
    }
    for (int m = 0; m < W2_MODES; m++) {
        double emin = INFINITY, emax = 0, dmin = INFINITY, dmax = 0;
        double slope_e, slope_d;

        for (int k = 0; k < 4; k++) {
            emin = fmin(emin, r[m].enc_ns[k]);
            emax = fmax(emax, r[m].enc_ns[k]);
            dmin = fmin(dmin, r[m].dec_ns[k]);
            dmax = fmax(dmax, r[m].dec_ns[k]);
        }
        /* memory over encoded size beyond a constant: the slope between
         * the smallest and the largest n */
        slope_e = counted ? (r[m].enc_peak[3] - r[m].enc_peak[0]) /
                            (r[m].enc_len[3] - r[m].enc_len[0]) : NAN;
        slope_d = counted ? ((r[m].dec_peak[3] - r[m].dec_result[3]) -
                             (r[m].dec_peak[0] - r[m].dec_result[0])) /
                            (r[m].enc_len[3] - r[m].enc_len[0]) : NAN;
        if (m == W2_JSON) {
            bench_figure("W2 json encode time/element max/min", emax / emin,
                         "x", "(informational)");
            bench_figure("W2 json decode time/element max/min", dmax / dmin,
                         "x", "(informational)");
            bench_figure("W2 json encode peak slope", slope_e,
                         "x encoded", "(informational)");
            bench_figure("W2 json decode working-memory slope", slope_d,
                         "x encoded", "(informational)");
            continue;
        }
        snprintf(name, sizeof(name), "W2 %s encode time/element max/min",
                 w2_mode[m]);
        bench_goal(bench_fmt("%s", name), emax / emin, "x", false, 1.5, NULL);
        snprintf(name, sizeof(name), "W2 %s decode time/element max/min",
                 w2_mode[m]);
        bench_goal(bench_fmt("%s", name), dmax / dmin, "x", false, 1.5, NULL);
        snprintf(name, sizeof(name), "W2 %s encode peak heap slope",
                 w2_mode[m]);
        bench_goal(bench_fmt("%s", name), slope_e, "x encoded", false, 3,
                   "(bytes per encoded byte, 10^3 -> 10^6)");
        snprintf(name, sizeof(name), "W2 %s decode working heap slope",
                 w2_mode[m]);
        bench_goal(bench_fmt("%s", name), slope_d, "x encoded", false, 3,
                   "(peak minus the decoded result)");
    }
}

/*** W3 ***/

#define W3_PERMALL_MAX (64 * 1024)
#define W3_VOLATILE_MAX (16 * 1024)
#define W3_SAVESTATE_MAX (16 * 1024)
#define W3_STATE_LEN (48 * 1024)

typedef struct W3Entry {
    size_t max;
    uint8_t *state;
    size_t len;
} W3Entry;

static int w3_rw(enum NVRAMRWOp op, Visitor *v,
                 const NVRAMEntryName *entry_name, void *opaque, Error **errp)
{
    W3Entry *e = opaque;

    switch (op) {
    case NVRAM_OP_FORMAT:
        return (int)e->max;
    case NVRAM_OP_WRITE:
        return visit_type_bytes(v, NULL, &e->state, &e->len, errp) ? 0 : -1;
    case NVRAM_OP_READ: {
        uint8_t *buf = NULL;
        size_t len = 0;

        if (!visit_type_bytes(v, NULL, &buf, &len, errp)) {
            return -1;
        }
        g_free(e->state);
        e->state = buf;
        e->len = len;
        return 0;
    }
    }
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/*
 * A storage that passes everything to the image's file storage and, while
 * @recording, notes where and in which pieces each gathered write goes:
 * the image-shaped floor replays exactly those writes.
 */
typedef struct W3Write {
    uint64_t offset;
    int count;
    size_t len[NVRAM_STORAGE_IOV_MAX];
} W3Write;

typedef struct W3Recorder {
    NVRAMStorage head;          /* first: the NVRAM layer's view */
    NVRAMStorage *inner;
    bool recording;
    int n_writes;
    W3Write writes[2];          /* the two copies' writes */
    bool other;                 /* a write that is not a 1-piece-or-more copy */
} W3Recorder;

static NVRAMStorage *w3_inner(NVRAMStorage *s)
{
    return ((W3Recorder *)s)->inner;
}

static bool w3_rec_pread(NVRAMStorage *s, void *buf, size_t len,
                         uint64_t offset, Error **errp)
{
    return nvram_storage_pread(w3_inner(s), buf, len, offset, errp);
}

static void w3_record(W3Recorder *r, const struct iovec *iov, int count,
                      uint64_t offset)
{
    W3Write *w;

    if (!r->recording) {
        return;
    }
    if (r->n_writes >= 2) {
        r->other = true;
        return;
    }
    w = &r->writes[r->n_writes++];
    w->offset = offset;
    w->count = count;
    for (int i = 0; i < count; i++) {
        w->len[i] = iov[i].iov_len;
    }
}

static bool w3_rec_pwrite(NVRAMStorage *s, const void *buf, size_t len,
                          uint64_t offset, Error **errp)
{
    struct iovec iov = { (void *)buf, len };

    w3_record((W3Recorder *)s, &iov, 1, offset);
    return nvram_storage_pwrite(w3_inner(s), buf, len, offset, errp);
}

static bool w3_rec_pwritev(NVRAMStorage *s, const struct iovec *iov,
                           int count, uint64_t offset, Error **errp)
{
    w3_record((W3Recorder *)s, iov, count, offset);
    return nvram_storage_pwritev(w3_inner(s), iov, count, offset, errp);
}

static bool w3_rec_flush(NVRAMStorage *s, Error **errp)
{
    return nvram_storage_flush(w3_inner(s), errp);
}

static bool w3_rec_get_size(NVRAMStorage *s, uint64_t *size, Error **errp)
{
    return nvram_storage_get_size(w3_inner(s), size, errp);
}

static bool w3_rec_resize(NVRAMStorage *s, uint64_t size, Error **errp)
{
    return nvram_storage_resize(w3_inner(s), size, errp);
}

static void w3_rec_close(NVRAMStorage *s)
{
    nvram_storage_close(w3_inner(s));
    g_free(s->description);
    g_free(s);
}

static const NVRAMStorageOps w3_recorder_ops = {
    .pread = w3_rec_pread,
    .pwrite = w3_rec_pwrite,
    .flush = w3_rec_flush,
    .get_size = w3_rec_get_size,
    .close = w3_rec_close,
    .resize = w3_rec_resize,
    .pwritev = w3_rec_pwritev,
};

static W3Recorder *w3_recorder_new(NVRAMStorage *inner)
{
    W3Recorder *r = g_new0(W3Recorder, 1);

    r->head.ops = &w3_recorder_ops;
    r->head.description = g_strdup(inner->description);
    r->inner = inner;
    return r;
}

/* One floor operation: the recorded write @w of a commit, then fdatasync. */
static bool w3_floor_op(int fd, const W3Write *w, uint8_t *buf)
{
    struct iovec iov[NVRAM_STORAGE_IOV_MAX];
    size_t total = 0, at = 0;

    for (int i = 0; i < w->count; i++) {
        iov[i].iov_base = buf + at;
        iov[i].iov_len = w->len[i];
        at += w->len[i];
        total += w->len[i];
    }
    return pwritev(fd, iov, w->count, (off_t)w->offset) == (ssize_t)total &&
           fdatasync(fd) == 0;
}

static void run_w3(void)
{
    static const char *const names[3] = {
        "permall", "volatilestate", "savestate"
    };
    W3Entry entries[3] = {
        { W3_PERMALL_MAX }, { W3_VOLATILE_MAX }, { W3_SAVESTATE_MAX },
    };
    NVRAMEntrySpec specs[3];
    NVRAMEntryName en[3];
    char *img = g_build_filename(opt.dir, "bench-w3.img", NULL);
    char *flr = g_build_filename(opt.dir, "bench-w3-floor.img", NULL);
    int commits = opt.quick ? 100 : 500;
    uint64_t *t_commit = g_new(uint64_t, commits);
    uint64_t *t_floor = g_new(uint64_t, commits);
    uint64_t flushes = 0, bytes_total = 0, size, bytes;
    NVRAMStorage *st;
    W3Recorder *rec;
    NVRAMStorageStats s0, s1;
    NVRAM *nv;
    Error *err = NULL;
    uint8_t *fbuf;
    int fd, done;
    double commit_med, floor_med;
    int exact = 0;

    for (int i = 0; i < 3; i++) {
        specs[i] = (NVRAMEntrySpec) { names[i], entries[i].max };
        nvram_entry_name_init(&en[i], names[i], &error_abort);
        entries[i].len = i == 0 ? W3_STATE_LEN : entries[i].max / 2;
        entries[i].state = g_malloc(entries[i].len);
        for (size_t k = 0; k < entries[i].len; k++) {
            entries[i].state[k] = (uint8_t)(k * 131 + i);
        }
    }
    unlink(img);
    if (nvram_measure(specs, 3, &size, &err) < 0 ||
        !(st = nvram_storage_open_file(img, false, true, &err)) ||
        !nvram_storage_resize(st, size, &err)) {
        die("W3: setting up %s: %s", img, error_get_pretty(err));
    }
    rec = w3_recorder_new(st);
    if (!(nv = nvram_setup_with_storage(&rec->head, NULL, &err))) {
        die("W3: setting up %s: %s", img, error_get_pretty(err));
    }
    for (int i = 0; i < 3; i++) {
        if (nvram_register_entry(nv, &en[i], w3_rw, &entries[i], &err) < 0) {
            die("W3: register %s: %s", names[i], error_get_pretty(err));
        }
    }
    if (nvram_format(nv, true, &err) < 0) {
        die("W3: format: %s", error_get_pretty(err));
    }
    for (int i = 0; i < 3; i++) {
        if (nvram_write_data(nv, &en[i], 0, NULL, NULL, &err) < 0) {
            die("W3: first write of %s: %s", names[i], error_get_pretty(err));
        }
    }

    /* two commits show where each copy's write goes, in which pieces */
    rec->recording = true;
    for (int i = 0; i < 2; i++) {
        if (nvram_write_data(nv, &en[0], 0, NULL, NULL, &err) < 0) {
            die("W3: write: %s", error_get_pretty(err));
        }
    }
    rec->recording = false;
    if (rec->n_writes != 2 || rec->other ||
        rec->writes[0].offset == rec->writes[1].offset) {
        die("W3: two commits did not write the two copies once each");
    }
    bytes = 0;
    for (int i = 0; i < rec->writes[0].count; i++) {
        bytes += rec->writes[0].len[i];
    }

    /*
     * The floor file looks like the image: the same size, every block
     * written once and flushed before the loop, so each floor write is an
     * overwrite as a commit is.
     */
    fd = open(flr, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        die("W3: %s: %s", flr, strerror(errno));
    }
    fbuf = g_malloc0(size);
    if (pwrite(fd, fbuf, size, 0) != (ssize_t)size || fsync(fd) < 0) {
        die("W3: %s: %s", flr, strerror(errno));
    }
    memset(fbuf, 0x5a, bytes);

    /*
     * Commits and floor operations alternate, so both see the same device
     * state; the floor alternates between the two copies' offsets as the
     * commits do.
     */
    for (int i = 0; i < commits; i++) {
        uint64_t t0;

        entries[0].state[i % W3_STATE_LEN]++;
        s0 = nvram_storage_get_stats(nvram_get_storage(nv));
        t0 = bench_now_ns();
        if (nvram_write_data(nv, &en[0], 0, NULL, NULL, &err) < 0) {
            die("W3: write: %s", error_get_pretty(err));
        }
        t_commit[i] = bench_now_ns() - t0;
        s1 = nvram_storage_get_stats(nvram_get_storage(nv));
        flushes += s1.flushes - s0.flushes;
        exact += s1.flushes - s0.flushes == 1;
        bytes_total += s1.bytes_written - s0.bytes_written;

        fbuf[i % bytes]++;
        t0 = bench_now_ns();
        if (!w3_floor_op(fd, &rec->writes[i % 2], fbuf)) {
            die("W3: floor: %s", strerror(errno));
        }
        t_floor[i] = bench_now_ns() - t0;
    }
    done = commits;
    qsort(t_commit, done, sizeof(uint64_t), cmp_u64);
    qsort(t_floor, done, sizeof(uint64_t), cmp_u64);
    commit_med = (double)t_commit[done / 2];
    floor_med = (double)t_floor[done / 2];

    bench_figure("W3 commits measured", done, "commits", NULL);
    bench_figure("W3 flushes per commit", (double)flushes / done,
                 "flushes", NULL);
    bench_figure("W3 bytes written per commit", (double)bytes_total / done,
                 "bytes",
                 bench_fmt("(state %d bytes)", W3_STATE_LEN));
    bench_figure("W3 commit time", commit_med, "ns/commit", "(median)");
    bench_figure("W3 floor pwritev+fdatasync", floor_med, "ns/op",
                 bench_fmt("(median; %" PRIu64 " bytes in %d pieces, "
                           "alternately at offsets %" PRIu64 " and %" PRIu64
                           ")", bytes, rec->writes[0].count,
                           rec->writes[0].offset, rec->writes[1].offset));
    bench_figure("W3 commit time p90", (double)t_commit[done * 9 / 10],
                 "ns/commit", NULL);
    bench_figure("W3 floor p90", (double)t_floor[done * 9 / 10], "ns/op",
                 NULL);
    bench_goal("W3 commits with exactly one flush", 100.0 * exact / done,
               "%", true, 100, bench_fmt("(%.3f flushes per commit)",
                                         (double)flushes / done));
    bench_goal("W3 commit time / image-shaped floor", commit_med / floor_med,
               "x", false, 1.3, NULL);

    /* the same commits on memory storage: the cost above the I/O */
    {
        NVRAMStorage *mem = nvram_storage_new_memory(size);
        NVRAM *mv = nvram_setup_with_storage(mem, NULL, &err);

        if (!mv) {
            die("W3: memory storage: %s", error_get_pretty(err));
        }
        for (int i = 0; i < 3; i++) {
            if (nvram_register_entry(mv, &en[i], w3_rw, &entries[i],
                                     &err) < 0) {
                die("W3: register %s: %s", names[i], error_get_pretty(err));
            }
        }
        if (nvram_format(mv, true, &err) < 0) {
            die("W3: format (memory): %s", error_get_pretty(err));
        }
        for (int i = 0; i < commits; i++) {
            uint64_t t0 = bench_now_ns();

            if (nvram_write_data(mv, &en[0], 0, NULL, NULL, &err) < 0) {
                die("W3: write (memory): %s", error_get_pretty(err));
            }
            t_floor[i] = bench_now_ns() - t0;
        }
        qsort(t_floor, commits, sizeof(uint64_t), cmp_u64);
        bench_figure("W3 commit on memory storage", (double)t_floor[commits / 2],
                     "ns/commit", "(median: encode, check value, copy, "
                     "worker hand-off; no I/O)");
        nvram_delete(mv);
    }

    close(fd);
    if (nvram_delete(nv) < 0) {
        die("W3: nvram_delete reported an I/O error");
    }
    unlink(img);
    unlink(flr);
    for (int i = 0; i < 3; i++) {
        g_free(entries[i].state);
    }
    g_free(t_commit);
    g_free(t_floor);
    g_free(fbuf);
    g_free(img);
    g_free(flr);
}

/*** ber-dump against dumpasn1 and openssl asn1parse ***/

static char *find_in_path(const char *prog)
{
    return g_find_program_in_path(prog);
}

/*
 * Whole-process wall time of @argv with stdout/stderr to /dev/null; < 0
 * on failure to start. *@status gets the exit status, *@cpu_ns the
 * child's user + system CPU time.
 */
static double run_process(char *const argv[], char *const envp[], int *status,
                          double *cpu_ns)
{
    struct rusage ru;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    uint64_t t0;
    int st = 0;

    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    t0 = bench_now_ns();
    if (posix_spawn(&pid, argv[0], &fa, NULL, argv, envp) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return -1;
    }
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR) {
    }
    *cpu_ns = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e9 +
              (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e3;
    posix_spawn_file_actions_destroy(&fa);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return (double)(bench_now_ns() - t0);
}

/*
 * The real executable behind a libtool wrapper script, so that we time
 * ber-dump and not a shell: tools/.libs/lt-ber-dump, or tools/.libs/ber-dump
 * with the uninstalled libraries on LD_LIBRARY_PATH.
 */
static char *resolve_libtool(const char *path, char ***envp)
{
    char *dir = g_path_get_dirname(path);
    char *base = g_path_get_basename(path);
    char *lt = g_strdup_printf("%s/.libs/lt-%s", dir, base);
    char *real = g_strdup_printf("%s/.libs/%s", dir, base);
    char *ret;

    *envp = g_get_environ();
    if (g_file_test(lt, G_FILE_TEST_IS_EXECUTABLE)) {
        ret = g_strdup(lt);
    } else if (g_file_test(real, G_FILE_TEST_IS_EXECUTABLE)) {
        const char *old = g_environ_getenv(*envp, "LD_LIBRARY_PATH");
        char *libs = g_strdup_printf("%s/.libs%s%s", BENCH_TOP_BUILDDIR,
                                     old ? ":" : "", old ? old : "");

        *envp = g_environ_setenv(*envp, "LD_LIBRARY_PATH", libs, TRUE);
        g_free(libs);
        ret = g_strdup(real);
    } else {
        ret = g_strdup(path);
    }
    g_free(dir);
    g_free(base);
    g_free(lt);
    g_free(real);
    return ret;
}

static void run_dump(void)
{
    enum { T_BERDUMP, T_DUMPASN1, T_OPENSSL, T_N };
    static const char *const tool[T_N] = {
        "ber-dump", "dumpasn1", "openssl asn1parse"
    };
    char *file = g_build_filename(opt.dir, "bench-dump.der", NULL);
    char *bin[T_N] = { NULL };
    char **envp[T_N] = { NULL };
    GPtrArray *argv[T_N];
    double *times[T_N], *cpu[T_N];
    int status[T_N] = { 0 };
    int reps = opt.quick ? 3 : 7;
    size_t n = 100000;
    ItemList *list = itemlist_build(n);
    W2 w = { .n = n, .mode = W2_DER, .list = list };
    GByteArray *der = w2_encode(&w);
    GError *gerr = NULL;
    char name[128];
    double t[T_N], tc[T_N];

    if (!der || !g_file_set_contents(file, (const char *)der->data,
                                     der->len, &gerr)) {
        die("dump: cannot write %s", file);
    }
    bench_figure("dump input (W2 n=100000, DER)", der->len, "bytes", NULL);

    if (opt.ber_dump && g_file_test(opt.ber_dump, G_FILE_TEST_IS_EXECUTABLE)) {
        bin[T_BERDUMP] = resolve_libtool(opt.ber_dump, &envp[T_BERDUMP]);
    } else if (!opt.ber_dump && g_file_test("tools/ber-dump",
                                            G_FILE_TEST_IS_EXECUTABLE)) {
        bin[T_BERDUMP] = resolve_libtool("tools/ber-dump", &envp[T_BERDUMP]);
    }
    bin[T_DUMPASN1] = find_in_path("dumpasn1");
    bin[T_OPENSSL] = find_in_path("openssl");
    for (int i = 0; i < T_N; i++) {
        argv[i] = g_ptr_array_new();
        g_ptr_array_add(argv[i], bin[i]);
        if (i == T_OPENSSL) {
            g_ptr_array_add(argv[i], (char *)"asn1parse");
            g_ptr_array_add(argv[i], (char *)"-inform");
            g_ptr_array_add(argv[i], (char *)"DER");
            g_ptr_array_add(argv[i], (char *)"-in");
        }
        g_ptr_array_add(argv[i], file);
        g_ptr_array_add(argv[i], NULL);
        if (!envp[i]) {
            envp[i] = g_get_environ();
        }
        times[i] = g_new0(double, reps);
        cpu[i] = g_new0(double, reps);
    }
    /* interleaved repetitions, as everywhere */
    for (int r = 0; r < reps; r++) {
        for (int i = 0; i < T_N; i++) {
            if (bin[i]) {
                times[i][r] = run_process((char *const *)argv[i]->pdata,
                                          envp[i], &status[i], &cpu[i][r]);
            }
        }
    }
    for (int i = 0; i < T_N; i++) {
        snprintf(name, sizeof(name), "dump whole-process %s", tool[i]);
        if (!bin[i]) {
            t[i] = NAN;
            bench_figure_missing(name, "not installed / not built");
            continue;
        }
        t[i] = bench_median(times[i], reps);
        tc[i] = bench_median(cpu[i], reps);
        bench_figure(name, t[i] / 1e6, "ms",
                     bench_fmt("(wall; exit status %d)", status[i]));
        snprintf(name, sizeof(name), "dump whole-process CPU %s", tool[i]);
        bench_figure(name, tc[i] / 1e6, "ms", "(user + system)");
    }
    if (bin[T_BERDUMP]) {
        for (int i = T_DUMPASN1; i < T_N; i++) {
            if (bin[i]) {
                snprintf(name, sizeof(name), "dump %s time / ber-dump",
                         tool[i]);
                bench_figure(name, t[i] / t[T_BERDUMP], "x",
                             "(wall; > 1: ber-dump faster)");
                snprintf(name, sizeof(name), "dump %s CPU / ber-dump",
                         tool[i]);
                bench_figure(name, tc[i] / tc[T_BERDUMP], "x",
                             "(> 1: ber-dump faster)");
            }
        }
    }
    for (int i = 0; i < T_N; i++) {
        g_ptr_array_free(argv[i], TRUE);
        g_strfreev(envp[i]);
        g_free(bin[i]);
        g_free(times[i]);
        g_free(cpu[i]);
    }
    unlink(file);
    g_free(file);
    g_byte_array_unref(der);
    qapi_free_ItemList(list);
}

/*** Machine and build information ***/

static void print_info(void)
{
    char *cpuinfo = NULL, *model = NULL, *load = NULL;
    int cpus = 0;
    struct utsname u;
    time_t now = time(NULL);
    char date[64];

    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    bench_info("program", "qvisit bench " PACKAGE_VERSION);
    bench_info("date", date);
    if (g_file_get_contents("/proc/cpuinfo", &cpuinfo, NULL, NULL)) {
        gchar **lines = g_strsplit(cpuinfo, "\n", -1);

        for (gchar **l = lines; *l; l++) {
            if (g_str_has_prefix(*l, "model name") && !model) {
                const char *colon = strchr(*l, ':');

                model = g_strdup(colon ? g_strstrip((char *)colon + 1) : *l);
            }
            cpus += g_str_has_prefix(*l, "processor");
        }
        g_strfreev(lines);
    }
    bench_info("cpu", bench_fmt("%s, %d logical CPUs",
                                      model ? model : "unknown", cpus));
    if (uname(&u) == 0) {
        bench_info("os", bench_fmt("%s %s %s", u.sysname, u.release,
                                         u.machine));
    }
    if (g_file_get_contents("/proc/loadavg", &load, NULL, NULL)) {
        bench_info("loadavg", g_strstrip(load));
    }
    bench_info("compiler", "gcc-compatible " __VERSION__);
    bench_info("cflags", BENCH_CFLAGS);
    bench_info("libraries", bench_fmt(
                   "libqvisit %s (shared/static per configure), glib %u.%u.%u, "
                   "json-c %s, libtasn1 %s, asn1c %s",
                   PACKAGE_VERSION, glib_major_version, glib_minor_version,
                   glib_micro_version, json_c_version(), tasn1_peer_version(),
#ifdef HAVE_ASN1C_PEER
                   asn1c_peer_version()
#else
                   "missing (not found at configure time)"
#endif
                   ));
    bench_info("mode", bench_fmt(
                   "%s: %d pass%s of the whole bench, goals judged on the "
                   "median over the passes; per figure the median of %d "
                   "repetitions, >= %.0f ms each, cases interleaved; W1/W2 "
                   "clock: %s; W3 and dump: wall clock",
                   opt.quick ? "quick" : "full", bench_config.passes,
                   bench_config.passes == 1 ? "" : "es", bench_config.reps,
                   bench_config.target_ns / 1e6, bench_config.wall ?
                   "wall" : "thread CPU time"));
    bench_info("heap", malloc_count_available() ?
               "counted by malloc interposition (bench/malloc-count.c)" :
               "not counted (sanitizer build)");
    g_free(cpuinfo);
    g_free(model);
    g_free(load);
}

/*
 * glibc gives the top of its heap back to the kernel when a free leaves
 * more than the trim threshold there, and the next allocations fault the
 * pages in again. The bench frees every result between operations (W2:
 * 72 MB of decoded list at n = 10^6), so without this a large case paid
 * for the kernel zeroing and mapping its heap again on every repetition:
 * about 30 ns of the 166 ns per element of a 10^6-element DER decode, and
 * time per element "grew" with n for that reason alone. A long-running
 * process keeps its heap; so does the bench, for every case alike: no trim,
 * and allocations up to 32 MiB from the heap (setting the trim threshold
 * would otherwise freeze glibc's mmap threshold at 128 KiB, and every 1 MiB
 * W1 buffer would be mapped and unmapped per operation).
 */
static void keep_heap_pages(void)
{
    if (!mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) ||
        !mallopt(M_TRIM_THRESHOLD, INT_MAX)) {
        bench_note("mallopt failed: the heap is trimmed between cases");
    }
}

static int parse_passes(const char *text, const char *what)
{
    char *end;
    long n = strtol(text, &end, 10);

    if (end == text || *end || n < 1 || n > 99) {
        die("%s: '%s' is not a number of passes from 1 to 99", what, text);
    }
    return (int)n;
}

static void usage(FILE *f)
{
    fprintf(f,
"Usage: bench [OPTION]...\n"
"Run the WORKLOAD.md benchmarks side by side; print figures, ratios and\n"
"goals; the last line is \"goals met: N/M\".\n"
"  --quick            fewer and shorter repetitions\n"
"  --json             one JSON document on stdout (summary on stderr)\n"
"  --only=LIST        sections: w1-4k,w1-1m,w2,w3,w4,w5,w6,dump\n"
"  --reps=N           repetitions per figure (>= 5)\n"
"  --dir=DIR          where W3, W4-W6 and dump write their files\n"
"                     (default .)\n"
"  --ber-dump=PATH    the ber-dump to time (default tools/ber-dump)\n"
"  --asn=FILE         the ASN.1 module for libtasn1 (bench/devstate.asn)\n"
"  --loop=CASE        run one case (e.g. w1-1m.der.encode) for profiling\n"
"  --seconds=S        duration of --loop (default 5)\n"
"  --count=N          run --loop exactly N times (for callgrind)\n"
"  --wall             time W1/W2 by the wall clock (default: thread CPU\n"
"                     time, robust on a shared machine)\n"
"  --passes=N         passes of the whole bench (default 3, or the\n"
"                     environment's BENCH_PASSES); each goal is judged on\n"
"                     the median of its N values\n");
}

/* Wall time of each section of a pass, for planning runs (no goal). */
static uint64_t section_begin(void)
{
    return bench_now_ns();
}

static void section_end(const char *key, uint64_t t0)
{
    if (!bench_config.loop) {
        bench_figure(bench_fmt("time %s", key), (bench_now_ns() - t0) / 1e9,
                     "s", "(wall, this pass)");
    }
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        { "quick", no_argument, NULL, 'q' },
        { "json", no_argument, NULL, 'j' },
        { "only", required_argument, NULL, 'o' },
        { "reps", required_argument, NULL, 'r' },
        { "dir", required_argument, NULL, 'd' },
        { "ber-dump", required_argument, NULL, 'b' },
        { "asn", required_argument, NULL, 'a' },
        { "loop", required_argument, NULL, 'l' },
        { "seconds", required_argument, NULL, 's' },
        { "count", required_argument, NULL, 'n' },
        { "wall", no_argument, NULL, 'w' },
        { "passes", required_argument, NULL, 'p' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    Tasn1Peer *tasn1;
    char *why = NULL;
    uint64_t t0, run_t0 = bench_now_ns();
    int c;

    bench_config.loop_seconds = 5;
    if (getenv("BENCH_PASSES") && *getenv("BENCH_PASSES")) {
        bench_config.passes = parse_passes(getenv("BENCH_PASSES"),
                                           "BENCH_PASSES");
    }
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'q':
            opt.quick = true;
            bench_config.reps = 5;
            bench_config.target_ns = 10e6;
            break;
        case 'j':
            bench_config.json = true;
            break;
        case 'o':
            opt.only = optarg;
            break;
        case 'r':
            bench_config.reps = atoi(optarg);
            if (bench_config.reps < 5) {
                die("--reps: at least 5");
            }
            break;
        case 'd':
            opt.dir = optarg;
            break;
        case 'b':
            opt.ber_dump = optarg;
            break;
        case 'a':
            opt.asn_file = optarg;
            break;
        case 'l':
            bench_config.loop = optarg;
            break;
        case 's':
            bench_config.loop_seconds = atof(optarg);
            break;
        case 'w':
            bench_config.wall = true;
            break;
        case 'n':
            bench_config.loop_count = g_ascii_strtoull(optarg, NULL, 10);
            break;
        case 'p':
            bench_config.passes = parse_passes(optarg, "--passes");
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return 2;
    }

    keep_heap_pages();
    print_info();
    tasn1 = tasn1_peer_new(opt.asn_file, &why);
    if (!tasn1) {
        bench_note("libtasn1 peer unavailable: %s", why);
    }
#ifndef HAVE_ASN1C_PEER
    bench_missing("asn1c", "not found at configure time, for W1");
#endif
    /* passes of the whole bench, one after the other: each goal's
     * ratios then come from phases of the host minutes apart */
    for (int pass = 1; pass <= bench_config.passes; pass++) {
        bench_pass_begin(pass);
        if (section_enabled("w1-4k")) {
            t0 = section_begin();
            run_w1(4096, "W1-4K", "w1-4k", tasn1);
            section_end("w1-4k", t0);
        }
        if (section_enabled("w1-1m")) {
            t0 = section_begin();
            run_w1(1048576, "W1-1M", "w1-1m", tasn1);
            section_end("w1-1m", t0);
        }
        if (section_enabled("w2")) {
            t0 = section_begin();
            run_w2();
            section_end("w2", t0);
        }
        if (section_enabled("w3")) {
            t0 = section_begin();
            run_w3();
            section_end("w3", t0);
        }
        for (size_t i = 0; i < bench_n_workloads; i++) {
            if (section_enabled(bench_workloads[i].key)) {
                t0 = section_begin();
                bench_workload_run(&bench_workloads[i], BENCH_TOP_BUILDDIR,
                                   opt.dir, opt.quick);
                section_end(bench_workloads[i].key, t0);
            }
        }
        /* no goals: once is enough */
        if (pass == 1 && section_enabled("dump")) {
            t0 = section_begin();
            run_dump();
            section_end("dump", t0);
        }
    }
    if (!bench_config.loop) {
        bench_note("total time: %.0f s (wall)",
                   (bench_now_ns() - run_t0) / 1e9);
    }
    tasn1_peer_free(tasn1);
    g_free(why);
    return bench_finish();
}
