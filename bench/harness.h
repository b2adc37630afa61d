/*
 * bench/harness.h: timing, figures and goals of the benchmark driver.
 *
 * Every figure is a median over repetitions, and the cases compared by a
 * goal run interleaved (one repetition of each in turn), so drift in a
 * noisy shared machine hits all of them alike. The whole bench runs in
 * passes (three by default); each goal's ratio is recorded once per pass
 * and judged on its median over the passes, so one noisy phase of the host
 * neither meets nor misses a goal.
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One timed operation. Returns false when it failed (the case is then
 * reported as failed). It may add to *@excluded_ns the time it spent on
 * work that must not count (e.g. freeing a W2 result).
 */
typedef bool (*BenchOp)(void *ctx, uint64_t *excluded_ns);

typedef struct BenchCase {
    const char *name;       /* for messages and --loop */
    BenchOp op;
    void *ctx;
    uint64_t iters;         /* per repetition, set by calibration */
    double *samples;        /* ns per operation, one per repetition */
    size_t n_samples;
    double median;          /* ns per operation; < 0: failed or missing */
    bool failed;
} BenchCase;

typedef struct BenchConfig {
    int reps;               /* repetitions (>= 5) */
    double target_ns;       /* minimum duration of one repetition */
    bool json;              /* --json: figures go to the JSON document */
    const char *loop;       /* --loop NAME: only run that case, for perf */
    double loop_seconds;
    uint64_t loop_count;    /* --count: run --loop exactly this often */
    bool wall;              /* --wall: time loops by the wall clock */
    int passes;             /* passes of the whole bench (>= 1) */
    int pass;               /* the current pass, 1-based; 0 before the first */
} BenchConfig;

/* The number of passes when neither --passes nor BENCH_PASSES says. */
#define BENCH_DEFAULT_PASSES 3

extern BenchConfig bench_config;

/* Monotonic (wall-clock) nanoseconds. */
uint64_t bench_now_ns(void);

/*
 * The clock of the timed loops: this thread's CPU time (so that time spent
 * descheduled on a shared, overloaded machine does not count), or the wall
 * clock with --wall.
 */
uint64_t bench_op_ns(void);

/*
 * Calibrate and run the @n cases interleaved; fill each case's median.
 * Cases with a NULL op are skipped (missing peer). With --loop, a case of
 * that name is run alone for the requested time and the process exits.
 */
void bench_run_group(BenchCase *cases, size_t n);

/* Free the samples of @n cases. */
void bench_cases_clear(BenchCase *cases, size_t n);

/* Median of @n values (sorted in place); NAN when @n is 0. */
double bench_median(double *v, size_t n);

/*
 * Record one figure: printed as one line in text mode, collected for the
 * JSON document otherwise. @value < 0 with @unit "ns/..." prints "failed";
 * @note may be NULL.
 */
void bench_figure(const char *name, double value, const char *unit,
                  const char *note);
/* A figure that could not be measured (missing peer, failed case). */
void bench_figure_missing(const char *name, const char *why);
/*
 * Note that @peer (a program or library a workload compares with, or the
 * workload's own program) is missing, and @why. Printed once now and
 * listed again, once per peer, before the goal summary.
 */
void bench_missing(const char *peer, const char *why);
/* A comment line ("# ...") in text mode, a "notes" entry in JSON. */
void bench_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A key/value of the machine and build header. */
void bench_info(const char *key, const char *value);

/*
 * Start pass @pass (1-based) of bench_config.passes: prints a header line.
 * Figures and goals recorded afterwards belong to this pass.
 */
void bench_pass_begin(int pass);

/*
 * Record this pass's value of a goal: @value compared with @limit
 * (@at_least: value >= limit, else value <= limit). A NaN value (not
 * measurable) counts as the worst value for the goal. Goals are keyed by
 * @name: every pass records the same names, and bench_finish() judges each
 * on the median of its values over the passes (a goal recorded in fewer
 * passes than run gets NaN for the others). The summary shows the @note
 * of the latest pass with a finite value (or, without one, the latest);
 * @unit, @at_least and @limit must not change between passes.
 */
void bench_goal(const char *name, double value, const char *unit,
                bool at_least, double limit, const char *note);

/*
 * printf into a string the harness keeps (and frees in bench_finish()),
 * for figure names and notes.
 */
const char *bench_fmt(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/*
 * Print the goal summary: per goal min / median / max over the passes and
 * the verdict from the median, then the last line "goals met: N/M" (and
 * the JSON document in --json mode). Returns the exit status (0).
 */
int bench_finish(void);

#endif /* BENCH_HARNESS_H */
