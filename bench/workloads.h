/*
 * bench/workloads.h: the workloads that run as programs of their own
 * (W4 vtpm against swtpm, W5 migration convert, W6 NBD commit), and how
 * the bench runs them once per pass and records what they report
 * (protocol: bench/workload-report.h).
 *
 * The goals of each workload are stated here, once, as in WORKLOAD.md: a
 * goal the program does not report in a pass (program not built, peer not
 * installed, program failed) is recorded as not measured, so the count M
 * of "goals met: N/M" is the same whatever is installed.
 */
#ifndef BENCH_WORKLOADS_H
#define BENCH_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct BenchWorkloadGoal {
    const char *name;           /* as the program prints it */
    const char *unit;
    bool at_least;              /* met when value >= limit, else <= */
    double limit;
} BenchWorkloadGoal;

typedef struct BenchWorkload {
    const char *key;            /* the --only section: "w4" */
    const char *title;
    const char *program;        /* relative to the build directory */
    const char *env;            /* an environment variable naming another
                                 * program path instead */
    const char *origin;         /* who provides the program */
    const char *const *peers;   /* programs that must be in PATH; NULL-ended */
    const BenchWorkloadGoal *goals;
    size_t n_goals;
} BenchWorkload;

/* The external workloads, in the order a pass runs them. */
extern const BenchWorkload bench_workloads[];
extern const size_t bench_n_workloads;

/*
 * Run @w for the current pass (bench_config.pass of .passes): find its
 * program (@w->env, else @builddir/@w->program) and its peers, run it
 * (with --quick when @quick; BENCH_PASS, BENCH_PASSES and BENCH_DIR=@dir
 * in its environment), and record
 * its figures, goals and missing peers with the harness. Every goal of
 * @w is recorded for this pass, as not measured (NaN) when the program
 * did not report it. A pass may take at most BENCH_WORKLOAD_TIMEOUT
 * seconds (default 1800); then the program is killed.
 */
void bench_workload_run(const BenchWorkload *w, const char *builddir,
                        const char *dir, bool quick);

#endif /* BENCH_WORKLOADS_H */
