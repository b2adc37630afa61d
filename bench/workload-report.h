/*
 * bench/workload-report.h: what an external workload program prints so
 * that `make bench` collects its goals into the same "goals met: N/M".
 *
 * The protocol (docs/performance.md, "W4-W6"): the bench runs the program
 * once per pass as
 *     BENCH_PASS=K BENCH_PASSES=N BENCH_DIR=DIR PROGRAM [--quick]
 * (the pass, the number of passes and a directory for its files in the
 * environment) and reads its standard output line by line:
 *     goal NAME: VALUE UNIT OP LIMIT[ NOTE]    OP is <= or >=; VALUE may be
 *                                              n/a (not measurable)
 *     figure NAME: VALUE[ UNIT[ NOTE]]         a figure, printed as is
 *     missing PEER: WHY                        a peer could not be run
 *     # TEXT                                   a comment
 * NAME must not contain ": "; UNIT is one word ("x", "%", "MiB"). Other
 * lines are ignored, stderr is passed through. The exit status is 0 when
 * the pass ran (goals may still be missed), non-zero when it could not.
 * A program may be written in any language; these helpers are for C.
 */
#ifndef BENCH_WORKLOAD_REPORT_H
#define BENCH_WORKLOAD_REPORT_H

#include <math.h>
#include <stdbool.h>
#include <stdio.h>

/*
 * This pass's value of goal @name (@at_least: met when @value >= @limit,
 * else when @value <= @limit). A NaN @value reports "n/a". @note may be
 * NULL.
 */
static inline void bench_report_goal(const char *name, double value,
                                     const char *unit, bool at_least,
                                     double limit, const char *note)
{
    if (isfinite(value)) {
        printf("goal %s: %.17g %s %s %.17g%s%s\n", name, value, unit,
               at_least ? ">=" : "<=", limit, note ? " " : "",
               note ? note : "");
    } else {
        printf("goal %s: n/a %s %s %.17g%s%s\n", name, unit,
               at_least ? ">=" : "<=", limit, note ? " " : "",
               note ? note : "");
    }
    fflush(stdout);
}

/* A figure of this pass (@note may be NULL). */
static inline void bench_report_figure(const char *name, double value,
                                       const char *unit, const char *note)
{
    printf("figure %s: %.17g %s%s%s\n", name, value, unit, note ? " " : "",
           note ? note : "");
    fflush(stdout);
}

/* Peer @peer (a program, a package) could not be run, and why. */
static inline void bench_report_missing(const char *peer, const char *why)
{
    printf("missing %s: %s\n", peer, why);
    fflush(stdout);
}

#endif /* BENCH_WORKLOAD_REPORT_H */
