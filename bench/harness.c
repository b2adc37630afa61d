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
};

static GPtrArray *kept;
static json_object *doc_info, *doc_figures, *doc_goals, *doc_notes;
static int goals_met, goals_total;

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
        json_object_array_add(doc_figures, f);
        return;
    }
    printf("%-46s %14s (%s)\n", name, "missing", why);
}

void bench_goal(const char *name, double value, const char *unit,
                bool at_least, double limit, const char *note)
{
    bool met = isfinite(value) &&
               (at_least ? value >= limit : value <= limit);

    ensure_doc();
    goals_total++;
    goals_met += met;
    if (bench_config.json) {
        json_object *g = json_object_new_object();

        json_object_object_add(g, "name", json_object_new_string(name));
        json_object_object_add(g, "value", isfinite(value) ?
                               json_object_new_double(value) : NULL);
        json_object_object_add(g, "unit", json_object_new_string(unit));
        json_object_object_add(g, "goal", json_object_new_string(
                                   at_least ? ">=" : "<="));
        json_object_object_add(g, "limit", json_object_new_double(limit));
        json_object_object_add(g, "met", json_object_new_boolean(met));
        if (note) {
            json_object_object_add(g, "note", json_object_new_string(note));
        }
        json_object_array_add(doc_goals, g);
        return;
    }
    if (isfinite(value)) {
        printf("goal %-41s %14.2f %-12s %s %g: %s%s%s\n", name, value, unit,
               at_least ? ">=" : "<=", limit, met ? "met" : "MISSED",
               note ? " " : "", note ? note : "");
    } else {
        printf("goal %-41s %14s %-12s %s %g: MISSED%s%s\n", name,
               "n/a", unit, at_least ? ">=" : "<=", limit,
               note ? " " : "", note ? note : "");
    }
    fflush(stdout);
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
    ensure_doc();
    if (bench_config.json) {
        json_object *doc = json_object_new_object();

        json_object_object_add(doc, "info", doc_info);
        json_object_object_add(doc, "notes", doc_notes);
        json_object_object_add(doc, "figures", doc_figures);
        json_object_object_add(doc, "goals", doc_goals);
        json_object_object_add(doc, "goals_met",
                               json_object_new_int(goals_met));
        json_object_object_add(doc, "goals_total",
                               json_object_new_int(goals_total));
        printf("%s\n", json_object_to_json_string_ext(
                   doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                   JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(doc);
        doc_info = NULL;
    }
    /* the last line; in --json mode on stderr, so stdout stays one
     * JSON document (which holds the same counts) */
    fprintf(bench_config.json ? stderr : stdout, "goals met: %d/%d\n",
            goals_met, goals_total);
    if (kept) {
        g_ptr_array_free(kept, TRUE);
        kept = NULL;
    }
    return 0;
}
