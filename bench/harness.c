/*
 * bench/harness.c: timing loop, calibration, figures, goals and output.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include <json-c/json.h>

#include "bench/harness.h"

BenchConfig bench_config = {
    .reps = 11,
    .target_ns = 50e6,
    .passes = BENCH_DEFAULT_PASSES,
};

/* One goal: its value in each pass (NaN where none was recorded). */
typedef struct Goal {
    char *name;
    char *unit;
    char *note;
    bool at_least;
    double limit;
    double *values;             /* bench_config.passes entries */
    bool measured;              /* some pass recorded a finite value */
} Goal;

static GPtrArray *kept;
static GPtrArray *goals;        /* Goal *, in the order first recorded */
static GHashTable *missing;     /* peer -> why, for the summary */
static GPtrArray *missing_order;
static json_object *doc_info, *doc_figures, *doc_goals, *doc_notes;

uint64_t bench_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t bench_op_ns(void)
{
    struct timespec ts;

    clock_gettime(bench_config.wall ? CLOCK_MONOTONIC :
                  CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double bench_median(double *v, size_t n)
{
    if (n == 0) {
        return NAN;
    }
    qsort(v, n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Run @iters operations; return ns spent per operation, < 0 on failure. */
static double run_iters(BenchCase *c, uint64_t iters)
{
    uint64_t excluded = 0;
    uint64_t t0 = bench_op_ns();

    for (uint64_t i = 0; i < iters; i++) {
        if (!c->op(c->ctx, &excluded)) {
            return -1;
        }
    }
    return (double)(bench_op_ns() - t0 - excluded) / (double)iters;
}

/* Choose iters so that one repetition lasts about target_ns. */
static void calibrate(BenchCase *c)
{
    uint64_t iters = 1;

    for (;;) {
        uint64_t t0 = bench_op_ns();
        double per = run_iters(c, iters);
        uint64_t spent = bench_op_ns() - t0;

        if (per < 0) {
            c->failed = true;
            return;
        }
        if (spent >= bench_config.target_ns / 8 || iters >= (1u << 30)) {
            double want = bench_config.target_ns / (per > 1 ? per : 1);

            c->iters = want < 1 ? 1 : (uint64_t)want;
            return;
        }
        iters *= 4;
    }
}

static void loop_case(BenchCase *c)
{
    uint64_t end, n = 0;

    if (bench_config.loop_count) {
        /* exactly N operations, no calibration: for instruction counts */
        c->failed = run_iters(c, bench_config.loop_count) < 0;
        fprintf(stderr, "loop %s: %" G_GUINT64_FORMAT " operations%s\n",
                c->name, bench_config.loop_count,
                c->failed ? " (FAILED)" : "");
        exit(c->failed ? 1 : 0);
    }
    calibrate(c);
    end = bench_now_ns() + (uint64_t)(bench_config.loop_seconds * 1e9);
    while (!c->failed && bench_now_ns() < end) {
        c->failed = run_iters(c, c->iters) < 0;
        n += c->iters;
    }
    fprintf(stderr, "loop %s: %" G_GUINT64_FORMAT " operations%s\n", c->name,
            n, c->failed ? " (FAILED)" : "");
    exit(c->failed ? 1 : 0);
}

/*
 * Before each repetition of a case, untimed: let glibc finish the work
 * that earlier cases left in its heap. Freed small blocks wait on glibc's
 * fast bins until a malloc() of 1 KiB or more coalesces them all. After a
 * case that freed a decoded list of 10^6 elements (3 million blocks) or a
 * json-c tree, that is tens of milliseconds, and without this it lands in
 * whichever case runs next and allocates a visitor or a buffer (a 10^6
 * element DER encode measured 760-873 ns per element instead of about 70).
 * A repetition then pays only for what its own iterations allocate and free.
 */
static void settle_heap(void)
{
    /* above the per-thread cache, below the mmap threshold */
    void *volatile p = malloc(4096);

    free(p);
}

void bench_run_group(BenchCase *cases, size_t n)
{
    int reps = bench_config.reps;

    if (bench_config.loop) {
        for (size_t i = 0; i < n; i++) {
            if (cases[i].op && !strcmp(cases[i].name, bench_config.loop)) {
                loop_case(&cases[i]);
            }
        }
        for (size_t i = 0; i < n; i++) {
            cases[i].median = -1;
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        cases[i].median = -1;
        cases[i].failed = false;
        cases[i].n_samples = 0;
        cases[i].samples = g_new0(double, reps);
        if (cases[i].op) {
            calibrate(&cases[i]);
        }
    }
    for (int r = 0; r < reps; r++) {
        for (size_t i = 0; i < n; i++) {
            BenchCase *c = &cases[i];
            double per;

            if (!c->op || c->failed) {
                continue;
            }
            settle_heap();
            per = run_iters(c, c->iters);
            if (per < 0) {
                c->failed = true;
                continue;
            }
            c->samples[c->n_samples++] = per;
        }
    }
    for (size_t i = 0; i < n; i++) {
        BenchCase *c = &cases[i];

        if (c->op && !c->failed) {
            double *copy = g_memdup2(c->samples,
                                     c->n_samples * sizeof(double));

            c->median = bench_median(copy, c->n_samples);
            g_free(copy);
        }
    }
}

void bench_cases_clear(BenchCase *cases, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        g_free(cases[i].samples);
        cases[i].samples = NULL;
    }
}

static void ensure_doc(void)
{
    if (!doc_info) {
        doc_info = json_object_new_object();
        doc_figures = json_object_new_array();
        doc_goals = json_object_new_array();
        doc_notes = json_object_new_array();
    }
}

void bench_info(const char *key, const char *value)
{
    ensure_doc();
    if (bench_config.json) {
        json_object_object_add(doc_info, key, json_object_new_string(value));
    } else {
        printf("# %-10s %s\n", key, value);
    }
}

void bench_note(const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    ensure_doc();
    if (bench_config.json) {
        json_object_array_add(doc_notes, json_object_new_string(text));
    } else {
        printf("# %s\n", text);
    }
    g_free(text);
}

void bench_missing(const char *peer, const char *why)
{
    if (!missing) {
        missing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        g_free);
        missing_order = g_ptr_array_new();
    }
    if (g_hash_table_contains(missing, peer)) {
        return;
    }
    g_hash_table_insert(missing, g_strdup(peer), g_strdup(why));
    g_ptr_array_add(missing_order, g_strdup(peer));
    bench_note("missing: %s (%s)", peer, why);
}

void bench_figure(const char *name, double value, const char *unit,
                  const char *note)
{
    ensure_doc();
    if (bench_config.json) {
        json_object *f = json_object_new_object();

        json_object_object_add(f, "name", json_object_new_string(name));
        json_object_object_add(f, "value", isfinite(value) && value >= 0 ?
                               json_object_new_double(value) : NULL);
        json_object_object_add(f, "unit", json_object_new_string(unit));
        if (note) {
            json_object_object_add(f, "note", json_object_new_string(note));
        }
        json_object_object_add(f, "pass", json_object_new_int(
                                   bench_config.pass));
        json_object_array_add(doc_figures, f);
        return;
    }
    if (!isfinite(value) || value < 0) {
        printf("%-46s %14s %s", name, "failed", unit);
    } else if (value >= 100 || value == floor(value)) {
        printf("%-46s %14.0f %s", name, value, unit);
    } else {
        printf("%-46s %14.3f %s", name, value, unit);
    }
    if (note) {
        int pad = 12 - (int)strlen(unit);

        printf("%*s %s", pad > 0 ? pad : 0, "", note);
    }
    printf("\n");
    fflush(stdout);
}

void bench_figure_missing(const char *name, const char *why)
{
    ensure_doc();
    if (bench_config.json) {
        json_object *f = json_object_new_object();

        json_object_object_add(f, "name", json_object_new_string(name));
        json_object_object_add(f, "value", NULL);
        json_object_object_add(f, "missing", json_object_new_string(why));
        json_object_object_add(f, "pass", json_object_new_int(
                                   bench_config.pass));
        json_object_array_add(doc_figures, f);
        return;
    }
    printf("%-46s %14s (%s)\n", name, "missing", why);
}

void bench_pass_begin(int pass)
{
    bench_config.pass = pass;
    if (bench_config.json) {
        return;
    }
    printf("## pass %d/%d\n", pass, bench_config.passes);
    fflush(stdout);
}

static Goal *find_goal(const char *name)
{
    for (guint i = 0; goals && i < goals->len; i++) {
        Goal *g = goals->pdata[i];

        if (!strcmp(g->name, name)) {
            return g;
        }
    }
    return NULL;
}

static bool goal_met(const Goal *g, double value)
{
    return isfinite(value) &&
           (g->at_least ? value >= g->limit : value <= g->limit);
}

void bench_goal(const char *name, double value, const char *unit,
                bool at_least, double limit, const char *note)
{
    int pass = bench_config.pass > 0 ? bench_config.pass : 1;
    Goal *g = find_goal(name);

    ensure_doc();
    if (!g) {
        g = g_new0(Goal, 1);
        g->name = g_strdup(name);
        g->unit = g_strdup(unit);
        g->at_least = at_least;
        g->limit = limit;
        g->values = g_new(double, bench_config.passes);
        for (int i = 0; i < bench_config.passes; i++) {
            g->values[i] = NAN;
        }
        if (!goals) {
            goals = g_ptr_array_new();
        }
        g_ptr_array_add(goals, g);
    }
    if (pass <= bench_config.passes) {
        g->values[pass - 1] = value;
    }
    /* the note of the latest measured value; a "why not" only until then */
    if (isfinite(value) || !g->measured) {
        g_free(g->note);
        g->note = g_strdup(note);
        g->measured |= isfinite(value);
    }
    if (bench_config.json) {
        return;
    }
    /* this pass's value only; the verdict comes from the median at the end */
    if (isfinite(value)) {
        printf("pass %d: %-50s %10.2f %-12s %s %g%s%s\n", pass, name, value,
               unit, at_least ? ">=" : "<=", limit, note ? " " : "",
               note ? note : "");
    } else {
        printf("pass %d: %-50s %10s %-12s %s %g%s%s\n", pass, name, "n/a",
               unit, at_least ? ">=" : "<=", limit, note ? " " : "",
               note ? note : "");
    }
    fflush(stdout);
}

/*
 * Order for the median: a NaN (not measured in that pass) is the worst
 * value a goal can have, so it moves the median toward missing, and one
 * failed pass out of three neither meets nor misses a goal.
 */
static bool goal_at_least;

static int cmp_goal_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    double worst = goal_at_least ? -INFINITY : INFINITY;

    x = isnan(x) ? worst : x;
    y = isnan(y) ? worst : y;
    return x < y ? -1 : x > y;
}

/* Sort the passes' values of @g into @v; return the median (NaN if it is
 * a pass without a value). */
static double goal_stats(const Goal *g, double *v)
{
    int n = bench_config.passes;
    double m;

    memcpy(v, g->values, n * sizeof(double));
    goal_at_least = g->at_least;
    qsort(v, n, sizeof(double), cmp_goal_value);
    if (n % 2) {
        m = v[n / 2];
    } else {
        m = (v[n / 2 - 1] + v[n / 2]) / 2;   /* NaN stays NaN */
    }
    return isinf(m) ? NAN : m;
}

static void print_value(double x)
{
    if (isfinite(x)) {
        printf("%8.2f", x);
    } else {
        printf("%8s", "n/a");
    }
}

static void goal_free(gpointer p)
{
    Goal *g = p;

    g_free(g->name);
    g_free(g->unit);
    g_free(g->note);
    g_free(g->values);
    g_free(g);
}

const char *bench_fmt(const char *fmt, ...)
{
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (!kept) {
        kept = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(kept, text);
    return text;
}

int bench_finish(void)
{
    int n = bench_config.passes, met = 0, total = goals ? (int)goals->len : 0;
    double *v = g_new(double, n);

    ensure_doc();
    /* in JSON the notes hold them already */
    for (guint i = 0; !bench_config.json && missing_order &&
         i < missing_order->len; i++) {
        const char *peer = missing_order->pdata[i];

        printf("# missing: %s (%s)\n", peer,
               (const char *)g_hash_table_lookup(missing, peer));
    }
    if (!bench_config.json) {
        printf("## goals: median of %d pass%s (min / median / max), verdict "
               "from the median\n", n, n == 1 ? "" : "es");
    }
    for (int i = 0; i < total; i++) {
        Goal *g = goals->pdata[i];
        double median = goal_stats(g, v);
        bool ok = goal_met(g, median);
        double lo = v[0], hi = v[n - 1];     /* NaN shows as n/a */

        met += ok;
        if (bench_config.json) {
            json_object *o = json_object_new_object();
            json_object *vals = json_object_new_array();

            for (int k = 0; k < n; k++) {
                json_object_array_add(vals, isfinite(g->values[k]) ?
                                      json_object_new_double(g->values[k]) :
                                      NULL);
            }
            json_object_object_add(o, "name", json_object_new_string(g->name));
            json_object_object_add(o, "values", vals);
            json_object_object_add(o, "min", isfinite(lo) ?
                                   json_object_new_double(lo) : NULL);
            json_object_object_add(o, "median", isfinite(median) ?
                                   json_object_new_double(median) : NULL);
            json_object_object_add(o, "max", isfinite(hi) ?
                                   json_object_new_double(hi) : NULL);
            json_object_object_add(o, "unit", json_object_new_string(g->unit));
            json_object_object_add(o, "goal", json_object_new_string(
                                       g->at_least ? ">=" : "<="));
            json_object_object_add(o, "limit", json_object_new_double(g->limit));
            json_object_object_add(o, "met", json_object_new_boolean(ok));
            if (g->note) {
                json_object_object_add(o, "note",
                                       json_object_new_string(g->note));
            }
            json_object_array_add(doc_goals, o);
            continue;
        }
        printf("goal %-50s ", g->name);
        print_value(lo);
        printf(" /");
        print_value(median);
        printf(" /");
        print_value(hi);
        printf(" %-10s %s %g: %s%s%s\n", g->unit, g->at_least ? ">=" : "<=",
               g->limit, ok ? "met" : "MISSED", g->note ? " " : "",
               g->note ? g->note : "");
    }
    g_free(v);
    if (bench_config.json) {
        json_object *doc = json_object_new_object();

        json_object_object_add(doc, "info", doc_info);
        json_object_object_add(doc, "notes", doc_notes);
        json_object_object_add(doc, "figures", doc_figures);
        json_object_object_add(doc, "goals", doc_goals);
        json_object_object_add(doc, "passes", json_object_new_int(n));
        json_object_object_add(doc, "goals_met", json_object_new_int(met));
        json_object_object_add(doc, "goals_total",
                               json_object_new_int(total));
        printf("%s\n", json_object_to_json_string_ext(
                   doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        doc_info = NULL;
    }
    /* the last line; in --json mode on stderr, so stdout stays one
     * JSON document (which holds the same counts) */
    fprintf(bench_config.json ? stderr : stdout, "goals met: %d/%d\n",
            met, total);
    if (missing) {
        g_ptr_array_set_free_func(missing_order, g_free);
        g_ptr_array_free(missing_order, TRUE);
        g_hash_table_destroy(missing);
        missing = NULL;
        missing_order = NULL;
    }
    if (goals) {
        g_ptr_array_set_free_func(goals, goal_free);
        g_ptr_array_free(goals, TRUE);
        goals = NULL;
    }
    if (kept) {
        g_ptr_array_free(kept, TRUE);
        kept = NULL;
    }
    return 0;
}
