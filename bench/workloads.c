/*
 * bench/workloads.c: W4, W5 and W6 as programs of their own, run once per
 * pass, their report lines collected into the harness's goals.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <glib.h>

#include "bench/harness.h"
#include "bench/workloads.h"

/* The goals of WORKLOAD.md, stated once: the programs print these names. */
static const char *const w4_peers[] = { "swtpm", NULL };
static const BenchWorkloadGoal w4_goals[] = {
    { "W4 state-changing commands with exactly one flush", "%", true, 100 },
    { "W4 read-only commands with no flush", "%", true, 100 },
    { "W4 NV_Write time / (swtpm NV_Write + floor)", "x", false, 1.3 },
    { "W4 NV_Read time / swtpm", "x", false, 1.1 },
    { "W4 PCR_Extend time / swtpm", "x", false, 1.1 },
};

static const char *const w5_peers[] = {
    "qemu-system-x86_64", "qemu-img", NULL
};
static const BenchWorkloadGoal w5_goals[] = {
    { "W5 to DER time / cp", "x", false, 2 },
    { "W5 from DER time / cp", "x", false, 2 },
    { "W5 to CER time / cp", "x", false, 2 },
    { "W5 from CER time / cp", "x", false, 2 },
    { "W5 DER size / native stream", "x", false, 1.01 },
    { "W5 CER size / native stream", "x", false, 1.01 },
    { "W5 peak RSS", "MiB", false, 64 },
    { "W5 peak RSS on a 1 GiB stream", "MiB", false, 64 },
};

static const char *const w6_peers[] = { "qemu-nbd", "qemu-img", NULL };
static const BenchWorkloadGoal w6_goals[] = {
    { "W6 commits with exactly one flush", "%", true, 100 },
    { "W6 commit time / floor", "x", false, 1.3 },
};

const BenchWorkload bench_workloads[] = {
    {
        "w4", "W4 vtpm against swtpm", "bench/bench-w4", "BENCH_W4",
        "vtpm (issue 13)", w4_peers, w4_goals, G_N_ELEMENTS(w4_goals),
    },
    {
        "w5", "W5 migration stream convert", "bench/bench-w5", "BENCH_W5",
        "bench/bench-w5.py over migstream (issue 15)", w5_peers, w5_goals,
        G_N_ELEMENTS(w5_goals),
    },
    {
        "w6", "W6 NVRAM commit over NBD", "bench/bench-nbd", "BENCH_W6",
        "the NBD backend (issue 14)", w6_peers, w6_goals,
        G_N_ELEMENTS(w6_goals),
    },
};
const size_t bench_n_workloads = G_N_ELEMENTS(bench_workloads);

/* What one pass of a program reported. */
typedef struct Report {
    const BenchWorkload *w;
    bool *reported;             /* per goal of @w */
    int lines_ignored;
} Report;

static const BenchWorkloadGoal *find_goal(const BenchWorkload *w,
                                          const char *name, size_t *index)
{
    for (size_t i = 0; i < w->n_goals; i++) {
        if (!strcmp(w->goals[i].name, name)) {
            *index = i;
            return &w->goals[i];
        }
    }
    return NULL;
}

/*
 * Split "NAME: REST" (the name up to the last ": " before the value, so
 * names may contain colons but not ": "). Returns false if there is none.
 */
static bool split_name(char *line, char **name, char **rest)
{
    char *sep = strstr(line, ": ");

    if (!sep || sep == line) {
        return false;
    }
    *sep = '\0';
    *name = line;
    *rest = sep + 2;
    return true;
}

/* "VALUE" -> number; "n/a" -> NaN. Returns false if neither. */
static bool parse_value(const char *text, double *value)
{
    char *end;

    if (!strcmp(text, "n/a")) {
        *value = NAN;
        return true;
    }
    *value = g_ascii_strtod(text, &end);
    return end != text && *end == '\0';
}

/* goal NAME: VALUE UNIT OP LIMIT[ NOTE] */
static bool parse_goal(Report *r, char *body)
{
    char *name, *rest, **tok;
    const BenchWorkloadGoal *g;
    double value, limit;
    bool at_least, ok = false;
    size_t index;

    if (!split_name(body, &name, &rest)) {
        return false;
    }
    tok = g_strsplit(rest, " ", 5);
    if (g_strv_length(tok) >= 4 && parse_value(tok[0], &value) &&
        (!strcmp(tok[2], "<=") || !strcmp(tok[2], ">=")) &&
        parse_value(tok[3], &limit) && isfinite(limit)) {
        const char *note = tok[4];

        at_least = tok[2][0] == '>';
        g = find_goal(r->w, name, &index);
        if (!g) {
            bench_goal(bench_fmt("%s", name), value, bench_fmt("%s", tok[1]),
                       at_least, limit, bench_fmt(
                           "%s%s(reported by %s, not stated in "
                           "bench/workloads.c)", note ? note : "",
                           note ? " " : "", r->w->program));
        } else if (g->at_least != at_least || g->limit != limit ||
                   strcmp(g->unit, tok[1])) {
            /* the goal is the one stated here; say what differed */
            bench_goal(g->name, value, g->unit, g->at_least, g->limit,
                       bench_fmt("%s%s(the program states %s %s %g)",
                                 note ? note : "", note ? " " : "", tok[1],
                                 tok[2], limit));
            r->reported[index] = true;
        } else {
            bench_goal(g->name, value, g->unit, g->at_least, g->limit,
                       note ? bench_fmt("%s", note) : NULL);
            r->reported[index] = true;
        }
        ok = true;
    }
    g_strfreev(tok);
    return ok;
}

/* figure NAME: VALUE[ UNIT[ NOTE]] */
static bool parse_figure(char *body)
{
    char *name, *rest, **tok;
    double value;
    bool ok = false;

    if (!split_name(body, &name, &rest)) {
        return false;
    }
    tok = g_strsplit(rest, " ", 3);
    /* a count has no unit: bench_report_figure() with "" prints none */
    if (g_strv_length(tok) >= 1 && parse_value(tok[0], &value)) {
        bench_figure(bench_fmt("%s", name), isfinite(value) ? value : -1,
                     bench_fmt("%s", tok[1] ? tok[1] : ""),
                     tok[1] && tok[2] ? bench_fmt("%s", tok[2]) : NULL);
        ok = true;
    }
    g_strfreev(tok);
    return ok;
}

static void parse_line(Report *r, char *line)
{
    char *name, *rest;

    g_strchomp(line);
    if (g_str_has_prefix(line, "goal ") && parse_goal(r, line + 5)) {
        return;
    }
    if (g_str_has_prefix(line, "figure ") && parse_figure(line + 7)) {
        return;
    }
    if (g_str_has_prefix(line, "missing ") &&
        split_name(line + 8, &name, &rest)) {
        bench_missing(name, bench_fmt("%s, for %s", rest, r->w->key));
        return;
    }
    if (line[0] == '#') {
        bench_note("%s: %s", r->w->key, g_strstrip(line + 1));
        return;
    }
    if (line[0]) {
        r->lines_ignored++;
    }
}

/*
 * Run @argv in @envp with stdout read line by line into @r; stderr
 * inherited.
 * Returns a static text saying how it failed, or NULL if it exited 0.
 */
static const char *run_program(char *const argv[], char *const envp[],
                               Report *r, int timeout_s)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    int fds[2];
    pid_t pid;
    GString *buf = g_string_new(NULL);
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_s * 1000000;
    bool timed_out = false;
    int status = 0;

    if (pipe2(fds, O_CLOEXEC) < 0) {
        g_string_free(buf, TRUE);
        return bench_fmt("pipe: %s", strerror(errno));
    }
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    /* its own process group, so that a timeout stops its children too */
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);
    if (posix_spawn(&pid, argv[0], &fa, &attr, argv, envp) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        close(fds[0]);
        close(fds[1]);
        g_string_free(buf, TRUE);
        return bench_fmt("cannot start %s: %s", argv[0], strerror(errno));
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(fds[1]);
    for (;;) {
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        gint64 left = (deadline - g_get_monotonic_time()) / 1000;
        char chunk[4096];
        ssize_t n;
        char *nl;

        if (left <= 0) {
            timed_out = true;
            kill(-pid, SIGKILL);    /* the group of the program we started */
            break;
        }
        if (poll(&p, 1, left > 60000 ? 60000 : (int)left) < 0) {
            if (errno == EINTR) {
                continue;
            }
            break;
        }
        if (!p.revents) {
            continue;
        }
        n = read(fds[0], chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        g_string_append_len(buf, chunk, n);
        while ((nl = memchr(buf->str, '\n', buf->len))) {
            *nl = '\0';
            parse_line(r, buf->str);
            g_string_erase(buf, 0, nl - buf->str + 1);
        }
    }
    if (buf->len && !timed_out) {
        parse_line(r, buf->str);
    }
    g_string_free(buf, TRUE);
    close(fds[0]);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (timed_out) {
        return bench_fmt("killed after %d s (BENCH_WORKLOAD_TIMEOUT)",
                         timeout_s);
    }
    if (WIFSIGNALED(status)) {
        return bench_fmt("killed by signal %d", WTERMSIG(status));
    }
    if (WEXITSTATUS(status)) {
        return bench_fmt("exit status %d", WEXITSTATUS(status));
    }
    return NULL;
}

void bench_workload_run(const BenchWorkload *w, const char *builddir,
                        const char *dir, bool quick)
{
    const char *override = getenv(w->env);
    char *prog = override && *override ? g_strdup(override) :
                 g_build_filename(builddir, w->program, NULL);
    const char *why = NULL;
    Report r = { .w = w, .reported = g_new0(bool, w->n_goals) };
    const char *t = getenv("BENCH_WORKLOAD_TIMEOUT");
    int timeout_s = t && atoi(t) > 0 ? atoi(t) : 1800;

    bench_note("%s: %s", w->key, w->title);
    for (const char *const *p = w->peers; *p; p++) {
        char *found = g_find_program_in_path(*p);

        if (!found) {
            bench_missing(*p, bench_fmt("not installed, for %s", w->key));
            why = bench_fmt("peer %s not installed", *p);
        }
        g_free(found);
    }
    if (!g_file_test(prog, G_FILE_TEST_IS_EXECUTABLE)) {
        const char *shown = override && *override ? prog : w->program;

        bench_missing(bench_fmt("%s", shown),
                      bench_fmt("not built: %s provides it, for %s",
                                w->origin, w->key));
        why = bench_fmt("%s not built", shown);
    }
    if (!why) {
        char *argv[] = { prog, quick ? (char *)"--quick" : NULL, NULL };
        char **envp = g_get_environ();

        /* in the environment, so a program needs no option for them */
        envp = g_environ_setenv(envp, "BENCH_PASS", bench_fmt(
                                    "%d", bench_config.pass), TRUE);
        envp = g_environ_setenv(envp, "BENCH_PASSES", bench_fmt(
                                    "%d", bench_config.passes), TRUE);
        envp = g_environ_setenv(envp, "BENCH_DIR", dir, TRUE);
        why = run_program(argv, envp, &r, timeout_s);
        g_strfreev(envp);
        if (why) {
            bench_note("%s: %s failed: %s", w->key, prog, why);
        }
        if (r.lines_ignored) {
            bench_note("%s: %d line(s) of %s not in the report format "
                       "(bench/workload-report.h)", w->key, r.lines_ignored,
                       prog);
        }
    }
    for (size_t i = 0; i < w->n_goals; i++) {
        if (!r.reported[i]) {
            const BenchWorkloadGoal *g = &w->goals[i];

            bench_goal(g->name, NAN, g->unit, g->at_least, g->limit,
                       bench_fmt("(not measured: %s)",
                                 why ? why : "not reported"));
        }
    }
    g_free(r.reported);
    g_free(prog);
}
