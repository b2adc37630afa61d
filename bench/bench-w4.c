/*
 * bench/bench-w4.c: WORKLOAD.md W4, vtpm against swtpm with raw TPM 2.0
 * commands over their TCP data channels (no tpm2-tools process per
 * command), interleaved command by command: TPM2_Startup, NV_DefineSpace of
 * a 1024-byte index, N x NV_Write of 1024 bytes, N x NV_Read, R rounds of
 * the firmware-like sequence of 24 PCR_Extend, then PCR_Read. Each peer
 * runs on its own fresh state in DIR.
 *
 * Stability on a shared machine: each command kind is first run a few
 * times untimed on both peers (warm-up: caches, libtpms' first-use paths);
 * the peers alternate which goes first from one command to the next, so
 * that a burst of load falls on both; latencies of 10-50 us are medians of
 * hundreds of samples (N = 1000, R = 20; --quick 200 and 4); both peers
 * are reached through the same client code with the same socket options
 * (TCP_NODELAY on the client's sockets; both servers answer each command
 * with one write, so Nagle's algorithm delays neither); and the client and
 * both servers run on one CPU (the client's, inherited by the servers it
 * starts). On this VM a round trip between two CPUs costs about 60 us more
 * than on one (waking the other vCPU), for either server, so the
 * scheduler's placement of each server alone decided a ratio: one server
 * placed beside the client and the other not made 0.2x or 5x.
 *
 * Reported (bench/workload-report.h): per command kind, the median latency
 * of each peer; vtpm's flushes and bytes written per command from its own
 * storage counters (the --log level-2 line per command of a second vtpm
 * that runs the same commands untimed: the timed one does not log); both
 * peers'
 * fsync/fdatasync calls and bytes written to files per command, counted
 * from outside with strace on a second, untimed run of each phase (when
 * strace is installed); and the floor: pwrite of the bytes vtpm writes per
 * NV_Write + fdatasync, on a file in DIR, interleaved with the NV_Writes.
 *
 * Usage: bench-w4 [--pass=K] [--passes=N] [--dir=DIR] [--quick]
 * (make bench gives the pass and the directory in BENCH_PASS, BENCH_PASSES
 * and BENCH_DIR instead; --dir wins over BENCH_DIR)
 */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "bench/workload-report.h"

#define NV_INDEX 0x01500030u
#define NV_BYTES 1024
#define N_EXTEND 24             /* one firmware-like sequence */
#define N_WARMUP 20

typedef struct Peer {
    const char *name;
    GPid pid;
    int port;
    int fd;
    char *dir;
    char *log;               /* vtpm only */
} Peer;

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = v >> 8;
    p[1] = v;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* Header and an owner password session (TPM_RS_PW, empty) after @handles
 * handles; returns the offset of the parameters. */
static size_t begin(uint8_t *c, uint32_t cc, const uint32_t *handles,
                    int n_handles, bool session)
{
    size_t o = 10;

    put16(c, session ? 0x8002 : 0x8001);
    put32(c + 6, cc);
    for (int i = 0; i < n_handles; i++, o += 4) {
        put32(c + o, handles[i]);
    }
    if (session) {
        static const uint8_t pw[13] = { 0, 0, 0, 9, 0x40, 0, 0, 0x09 };

        memcpy(c + o, pw, sizeof(pw));
        o += sizeof(pw);
    }
    return o;
}

static size_t finish(uint8_t *c, size_t len)
{
    put32(c + 2, len);
    return len;
}

static size_t cmd_startup(uint8_t *c)
{
    size_t o = begin(c, 0x144, NULL, 0, false);

    put16(c + o, 0);
    return finish(c, o + 2);
}

static size_t cmd_nv_define(uint8_t *c)
{
    uint32_t h[] = { 0x40000001 };
    size_t o = begin(c, 0x12a, h, 1, true);

    put16(c + o, 0);                     /* auth */
    put16(c + o + 2, 14);                /* TPM2B_NV_PUBLIC */
    put32(c + o + 4, NV_INDEX);
    put16(c + o + 8, 0x000b);
    put32(c + o + 10, 0x00060006);       /* owner/auth read/write */
    put16(c + o + 14, 0);
    put16(c + o + 16, NV_BYTES);
    return finish(c, o + 18);
}

static size_t cmd_nv_write(uint8_t *c, unsigned k)
{
    uint32_t h[] = { 0x40000001, NV_INDEX };
    size_t o = begin(c, 0x137, h, 2, true);

    put16(c + o, NV_BYTES);
    for (unsigned i = 0; i < NV_BYTES; i++) {
        c[o + 2 + i] = (uint8_t)(i * 7 + k);
    }
    put16(c + o + 2 + NV_BYTES, 0);
    return finish(c, o + 4 + NV_BYTES);
}

static size_t cmd_nv_read(uint8_t *c)
{
    uint32_t h[] = { 0x40000001, NV_INDEX };
    size_t o = begin(c, 0x14e, h, 2, true);

    put16(c + o, NV_BYTES);
    put16(c + o + 2, 0);
    return finish(c, o + 4);
}

static size_t cmd_pcr_extend(uint8_t *c, unsigned k)
{
    uint32_t h[] = { 0 };                /* PCR 0, as firmware */
    size_t o = begin(c, 0x182, h, 1, true);

    put32(c + o, 1);
    put16(c + o + 4, 0x000b);
    memset(c + o + 6, (int)k, 32);
    return finish(c, o + 38);
}

static size_t cmd_pcr_read(uint8_t *c)
{
    size_t o = begin(c, 0x17e, NULL, 0, false);
    static const uint8_t sel[] = { 0, 0, 0, 1, 0, 0x0b, 3, 1, 0, 0 };

    memcpy(c + o, sel, sizeof(sel));
    return finish(c, o + sizeof(sel));
}

static bool io_all(int fd, uint8_t *buf, size_t len, bool out)
{
    while (len) {
        ssize_t n = out ? send(fd, buf, len, MSG_NOSIGNAL)
                        : recv(fd, buf, len, 0);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

/* Run one command on @p; returns its latency in µs (NaN on failure, with
 * the response code printed). */
static double run(Peer *p, uint8_t *cmd, size_t len)
{
    uint8_t rsp[4096];
    double t0 = now_us(), t;
    uint32_t size;

    if (!io_all(p->fd, cmd, len, true) || !io_all(p->fd, rsp, 10, false)) {
        fprintf(stderr, "bench-w4: %s: connection lost\n", p->name);
        return NAN;
    }
    size = get32(rsp + 2);
    if (size < 10 || size > sizeof(rsp) ||
        !io_all(p->fd, rsp + 10, size - 10, false)) {
        fprintf(stderr, "bench-w4: %s: bad response\n", p->name);
        return NAN;
    }
    t = now_us() - t0;
    if (get32(rsp + 6) != 0) {
        fprintf(stderr, "bench-w4: %s: command 0x%x -> 0x%x\n", p->name,
                get32(cmd + 6), get32(rsp + 6));
        return NAN;
    }
    return t;
}

/*
 * Whether @port can be bound on loopback now. A server that cannot bind its
 * port exits, and a connect to that port would then reach whoever holds
 * it (once, the other peer: the bench waited on it forever).
 */
static bool port_is_free(int port)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(port) };
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bool ok;

    if (fd < 0) {
        return false;
    }
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    close(fd);
    return ok;
}

/* Whether @p's server process has exited (reaped here if so). */
static bool peer_exited(Peer *p)
{
    if (waitpid(p->pid, NULL, WNOHANG) == p->pid) {
        p->pid = 0;
        return true;
    }
    return false;
}

static bool connect_peer(Peer *p)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(p->port) };
    int one = 1;

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    p->fd = -1;
    for (int i = 0; i < 200 && !peer_exited(p); i++) {
        p->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (connect(p->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
            if (peer_exited(p)) {
                break;
            }
            /* a server that stops answering fails the pass, not hangs it */
            struct timeval limit = { .tv_sec = 30 };

            setsockopt(p->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
            setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
            return true;
        }
        close(p->fd);
        p->fd = -1;
        g_usleep(20000);
    }
    if (p->fd >= 0) {
        close(p->fd);
    }
    p->fd = -1;
    return false;
}

/* Start @p (vtpm or swtpm) in the foreground as our child. */
static bool start_peer(Peer *p, const char *program)
{
    for (int attempt = 0; attempt < 10; attempt++) {
        g_autofree char *state = g_strdup_printf("dir=%s", p->dir);
        g_autofree char *server = NULL, *ctrl = NULL, *log = NULL;
        GPtrArray *argv = g_ptr_array_new();
        g_autoptr(GError) gerr = NULL;
        bool ok;

        p->port = 20000 + 2 * g_random_int_range(0, 6000);  /* not ephemeral */
        if (!port_is_free(p->port) || !port_is_free(p->port + 1)) {
            continue;
        }
        server = g_strdup_printf("type=tcp,port=%d", p->port);
        ctrl = g_strdup_printf("type=tcp,port=%d", p->port + 1);
        g_ptr_array_add(argv, (char *)program);
        g_ptr_array_add(argv, (char *)"socket");
        g_ptr_array_add(argv, (char *)"--tpm2");
        g_ptr_array_add(argv, (char *)"--tpmstate");
        g_ptr_array_add(argv, state);
        g_ptr_array_add(argv, (char *)"--server");
        g_ptr_array_add(argv, server);
        g_ptr_array_add(argv, (char *)"--ctrl");
        g_ptr_array_add(argv, ctrl);
        g_ptr_array_add(argv, (char *)"--flags");
        g_ptr_array_add(argv, (char *)"not-need-init");
        if (p->log) {
            log = g_strdup_printf("file=%s,level=2", p->log);
            g_ptr_array_add(argv, (char *)"--log");
            g_ptr_array_add(argv, log);
        }
        g_ptr_array_add(argv, NULL);
        ok = g_spawn_async(NULL, (char **)argv->pdata, NULL,
                           G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &p->pid,
                           &gerr);
        g_ptr_array_free(argv, true);
        if (!ok) {
            fprintf(stderr, "bench-w4: %s: %s\n", program, gerr->message);
            return false;
        }
        if (connect_peer(p)) {
            return true;
        }
        if (p->pid > 0) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, NULL, 0);
            p->pid = 0;
        }
    }
    return false;
}

static void stop_peer(Peer *p)
{
    if (p->pid > 0) {
        if (p->fd >= 0) {
            close(p->fd);
        }
        kill(p->pid, SIGTERM);
        waitpid(p->pid, NULL, 0);
        p->pid = 0;
    }
}

/*
 * Pin this process to the CPU it runs on; the servers it starts inherit
 * the mask. Returns the CPU, or -errno.
 */
static int pin_to_one_cpu(void)
{
    cpu_set_t set;
    int cpu = sched_getcpu();

    if (cpu < 0) {
        return -errno;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) < 0) {
        return -errno;
    }
    return cpu;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(GArray *a)
{
    if (a->len == 0) {
        return NAN;
    }
    g_array_sort(a, cmp_double);
    return g_array_index(a, double, a->len / 2);
}

/* vtpm's per-command storage counters, from its level-2 log:
 * "TPM2_CC_X -> 0x000 ... (flushes F, bytes written B)". */
typedef struct LogCounts {
    unsigned commands, exactly_one, none;
    double flushes, bytes;
} LogCounts;

static void count_log(const char *log, const char *name, LogCounts *c)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autofree char *key = g_strdup_printf("%s -> ", name);

    memset(c, 0, sizeof(*c));
    if (!g_file_get_contents(log, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *f = strstr(*l, "(flushes ");
        unsigned long flushes, bytes;

        if (!strstr(*l, key) || !f ||
            sscanf(f, "(flushes %lu, bytes written %lu)", &flushes,
                   &bytes) != 2) {
            continue;
        }
        c->commands++;
        c->exactly_one += flushes == 1;
        c->none += flushes == 0;
        c->flushes += flushes;
        c->bytes += bytes;
    }
}

/*
 * strace counting: attach to @pid, run @fn, detach; store the fsync-family
 * calls and the bytes written to regular files (strace -y names them).
 * Returns false when strace is not usable.
 */
typedef struct StraceCounts {
    double flushes, bytes;
} StraceCounts;

static bool strace_phase(Peer *p, const char *dir, void (*fn)(Peer *, int),
                         int n, StraceCounts *out)
{
    g_autofree char *trace = g_strdup_printf("%s/strace-%s.txt", dir,
                                             p->name);
    g_autofree char *pid = g_strdup_printf("%d", (int)p->pid);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    char *argv[] = { (char *)"strace", (char *)"-f", (char *)"-y",
                     (char *)"-qq", (char *)"-e",
                     (char *)"trace=fsync,fdatasync,sync_file_range,"
                             "write,pwrite64,writev,pwritev,pwritev2",
                     (char *)"-o", trace, (char *)"-p", pid, NULL };
    GPid st;

    unlink(trace);
    if (!g_spawn_async(NULL, argv, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                       G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &st, NULL)) {
        return false;
    }
    /* strace writes nothing until a traced call; give it time to attach. */
    g_usleep(300000);
    fn(p, n);
    g_usleep(100000);
    kill(st, SIGINT);
    waitpid(st, NULL, 0);
    memset(out, 0, sizeof(*out));
    if (!g_file_get_contents(trace, &text, NULL, NULL)) {
        return false;
    }
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *eq = strrchr(*l, '=');
        const char *call = strchr(*l, ' ');

        if (!eq || !call) {
            continue;
        }
        call++;
        if (g_str_has_prefix(call, "fsync(") ||
            g_str_has_prefix(call, "fdatasync(") ||
            g_str_has_prefix(call, "sync_file_range(")) {
            out->flushes++;
        } else if (strstr(call, "</") && !strstr(call, "<socket:") &&
                   !strstr(call, "</dev/") &&
                   !(p->log && strstr(call, p->log))) {   /* its own log */
            long v = strtol(eq + 1, NULL, 10);

            out->bytes += v > 0 ? v : 0;
        }
    }
    out->flushes /= n;
    out->bytes /= n;
    return true;
}

static void phase_nv_write(Peer *p, int n)
{
    uint8_t cmd[NV_BYTES + 64];

    for (int i = 0; i < n; i++) {
        run(p, cmd, cmd_nv_write(cmd, 100 + i));
    }
}

static void phase_nv_read(Peer *p, int n)
{
    uint8_t cmd[64];

    for (int i = 0; i < n; i++) {
        run(p, cmd, cmd_nv_read(cmd));
    }
}

static void phase_pcr_extend(Peer *p, int n)
{
    uint8_t cmd[128];

    for (int i = 0; i < n; i++) {
        run(p, cmd, cmd_pcr_extend(cmd, i));
    }
}

int main(int argc, char **argv)
{
    const char *dir_opt = NULL;
    bool quick = false;
    int n;
    g_autofree char *dir = NULL, *vtpm_prog = NULL, *swtpm_prog = NULL;
    g_autofree char *floor_path = NULL;
    Peer peers[2] = { { .name = "vtpm" }, { .name = "swtpm" } };
    /* A second vtpm, untimed, whose level-2 log counts each command's
     * flushes and bytes (the timed one does not log). */
    Peer counted = { .name = "vtpm-counted" };
    GArray *t[2][4];            /* per peer: NV_Write, NV_Read, PCR_Extend,
                                 * PCR_Read */
    g_autoptr(GArray) floor = g_array_new(false, false, sizeof(double));
    uint8_t cmd[NV_BYTES + 64];
    LogCounts lw, lr, le, lp, ls, ld;
    double floor_bytes;
    int ffd, rc = 1, rounds, cpu;

    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "--dir=")) {
            dir_opt = argv[i] + 6;
        } else if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (!g_str_has_prefix(argv[i], "--pass=") &&
                   !g_str_has_prefix(argv[i], "--passes=")) {
            fprintf(stderr, "bench-w4: unknown argument '%s' (usage: "
                    "bench-w4 [--pass=K] [--passes=N] [--dir=DIR] "
                    "[--quick])\n", argv[i]);
            return 2;
        }
    }
    if (!dir_opt && getenv("BENCH_DIR") && *getenv("BENCH_DIR")) {
        dir_opt = getenv("BENCH_DIR");
    }
    n = quick ? 200 : 1000;
    cpu = pin_to_one_cpu();
    rounds = quick ? 4 : 20;
    vtpm_prog = g_build_filename(BENCH_TOP_BUILDDIR, "tools", "vtpm", NULL);
    swtpm_prog = g_find_program_in_path("swtpm");
    if (!swtpm_prog) {
        bench_report_missing("swtpm", "not installed");
        return 0;
    }
    dir = g_build_filename(dir_opt ? dir_opt : g_get_tmp_dir(),
                           "bench-w4.XXXXXX", NULL);
    if (!g_mkdtemp(dir)) {
        fprintf(stderr, "bench-w4: cannot create %s: %s\n", dir,
                strerror(errno));
        return 1;
    }
    for (int p = 0; p < 2; p++) {
        peers[p].dir = g_build_filename(dir, peers[p].name, NULL);
        g_mkdir(peers[p].dir, 0700);
        for (int k = 0; k < 4; k++) {
            t[p][k] = g_array_new(false, false, sizeof(double));
        }
    }
    counted.dir = g_build_filename(dir, counted.name, NULL);
    g_mkdir(counted.dir, 0700);
    counted.log = g_build_filename(dir, "vtpm.log", NULL);
    if (!start_peer(&peers[0], vtpm_prog) ||
        !start_peer(&peers[1], swtpm_prog) ||
        !start_peer(&counted, vtpm_prog)) {
        fprintf(stderr, "bench-w4: the peers did not start\n");
        goto out;
    }
    for (int p = 0; p < 2; p++) {
        if (isnan(run(&peers[p], cmd, cmd_startup(cmd))) ||
            isnan(run(&peers[p], cmd, cmd_nv_define(cmd)))) {
            goto out;
        }
    }
    /* The counted run: the same commands, one by one, untimed. */
    if (isnan(run(&counted, cmd, cmd_startup(cmd))) ||
        isnan(run(&counted, cmd, cmd_nv_define(cmd)))) {
        goto out;
    }
    phase_nv_write(&counted, n);
    phase_nv_read(&counted, n);
    for (int r = 0; r < rounds; r++) {
        phase_pcr_extend(&counted, N_EXTEND);
    }
    run(&counted, cmd, cmd_pcr_read(cmd));
    stop_peer(&counted);

    /* Warm-up, untimed, interleaved as the timed runs. */
    for (int i = 0; i < N_WARMUP; i++) {
        for (int j = 0; j < 2; j++) {
            Peer *p = &peers[(i + j) % 2];

            if (i < 5) {
                run(p, cmd, cmd_nv_write(cmd, i));
            }
            run(p, cmd, cmd_nv_read(cmd));
            run(p, cmd, cmd_pcr_extend(cmd, i));
        }
    }

    /* Timed, interleaved command by command (the first peer alternates). */
    floor_path = g_build_filename(dir, "floor.bin", NULL);
    ffd = open(floor_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    count_log(counted.log, "TPM2_CC_NV_Write", &lw);
    floor_bytes = lw.commands ? lw.bytes / lw.commands : NV_BYTES;
    for (int i = 0; i < n; i++) {
        g_autofree uint8_t *buf = g_malloc0((size_t)floor_bytes);
        double t0;

        for (int j = 0; j < 2; j++) {
            int p = (i + j) % 2;
            double v = run(&peers[p], cmd, cmd_nv_write(cmd, i));

            g_array_append_val(t[p][0], v);
        }
        t0 = now_us();
        if (pwrite(ffd, buf, (size_t)floor_bytes,
                   (i % 2) * 2 * (off_t)floor_bytes) < 0 ||
            fdatasync(ffd) < 0) {
            fprintf(stderr, "bench-w4: floor: %s\n", strerror(errno));
        }
        t0 = now_us() - t0;
        g_array_append_val(floor, t0);
    }
    close(ffd);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < 2; j++) {
            int p = (i + j) % 2;
            double v = run(&peers[p], cmd, cmd_nv_read(cmd));

            g_array_append_val(t[p][1], v);
        }
    }
    for (int i = 0; i < rounds * N_EXTEND; i++) {
        for (int j = 0; j < 2; j++) {
            int p = (i + j) % 2;
            double v = run(&peers[p], cmd,
                           cmd_pcr_extend(cmd, i % N_EXTEND));

            g_array_append_val(t[p][2], v);
        }
    }
    for (int j = 0; j < 2; j++) {
        double v = run(&peers[j], cmd, cmd_pcr_read(cmd));

        g_array_append_val(t[j][3], v);
    }

    /* vtpm's own counters, command by command (the counted run). */
    count_log(counted.log, "TPM2_CC_Startup", &ls);
    count_log(counted.log, "TPM2_CC_NV_DefineSpace", &ld);
    count_log(counted.log, "TPM2_CC_NV_Write", &lw);
    count_log(counted.log, "TPM2_CC_NV_Read", &lr);
    count_log(counted.log, "TPM2_CC_PCR_Extend", &le);
    count_log(counted.log, "TPM2_CC_PCR_Read", &lp);
    {
        unsigned changing = ls.commands + ld.commands + lw.commands;
        unsigned one = ls.exactly_one + ld.exactly_one + lw.exactly_one;
        unsigned ro = lr.commands + le.commands + lp.commands;
        unsigned none = lr.none + le.none + lp.none;

        g_autofree char *why = g_strdup_printf(
            "(vtpm's storage counters per command; NV_Write: %.2g flushes "
            "each, as permall is a mirror entry: both copies are written and "
            "flushed in turn so that one bad copy cannot roll the TPM back, "
            "and with two copies an acknowledged write cannot be durable in "
            "both with one flush)",
            lw.commands ? lw.flushes / lw.commands : NAN);

        bench_report_goal("W4 state-changing commands with exactly one flush",
                          changing ? 100.0 * one / changing : NAN, "%", true,
                          100, why);
        bench_report_goal("W4 read-only commands with no flush",
                          ro ? 100.0 * none / ro : NAN, "%", true, 100,
                          "(NV_Read, PCR_Extend, PCR_Read)");
        bench_report_figure("W4 vtpm bytes written per NV_Write",
                            lw.commands ? lw.bytes / lw.commands : NAN,
                            "B", NULL);
    }
    {
        double vw = median(t[0][0]), sw = median(t[1][0]);
        double fl = median(floor);

        bench_report_goal("W4 NV_Write time / (swtpm NV_Write + floor)",
                          vw / (sw + fl), "x", false, 1.3, NULL);
        bench_report_goal("W4 NV_Read time / swtpm",
                          median(t[0][1]) / median(t[1][1]), "x", false,
                          1.1, NULL);
        bench_report_goal("W4 PCR_Extend time / swtpm",
                          median(t[0][2]) / median(t[1][2]), "x", false,
                          1.1, NULL);
        g_autofree char *note = g_strdup_printf("(%.0f bytes)",
                                                floor_bytes);

        bench_report_figure("W4 floor pwrite+fdatasync", fl, "us", note);
        for (int p = 0; p < 2; p++) {
            static const char *const kinds[] = { "NV_Write", "NV_Read",
                                                 "PCR_Extend", "PCR_Read" };

            for (int k = 0; k < 4; k++) {
                g_autofree char *name = g_strdup_printf("W4 %s %s median",
                                                        peers[p].name,
                                                        kinds[k]);
                bench_report_figure(name, median(t[p][k]), "us", NULL);
            }
        }
    }

    /* Counted from outside, the same way for both (untimed). */
    for (int p = 0; p < 2; p++) {
        static const struct {
            const char *kind;
            void (*fn)(Peer *, int);
        } phases[] = {
            { "NV_Write", phase_nv_write },
            { "NV_Read", phase_nv_read },
            { "PCR_Extend", phase_pcr_extend },
        };

        for (size_t k = 0; k < G_N_ELEMENTS(phases); k++) {
            StraceCounts c;
            g_autofree char *fname = NULL, *bname = NULL;

            if (!strace_phase(&peers[p], dir, phases[k].fn, quick ? 10 : 50,
                              &c)) {
                bench_report_missing("strace", "not installed (no external "
                                     "flush counts)");
                p = 2;
                break;
            }
            fname = g_strdup_printf("W4 %s flushes per %s (strace)",
                                    peers[p].name, phases[k].kind);
            bname = g_strdup_printf("W4 %s file bytes written per %s "
                                    "(strace)", peers[p].name,
                                    phases[k].kind);
            bench_report_figure(fname, c.flushes, "", NULL);
            bench_report_figure(bname, c.bytes, "B", NULL);
        }
    }
    if (cpu >= 0) {
        printf("# client, vtpm and swtpm pinned to CPU %d\n", cpu);
    } else {
        printf("# client and servers not pinned to one CPU (%s): a server "
               "placed on another CPU than the client pays the wake-up\n",
               strerror(-cpu));
    }
    printf("# swtpm 0.7.1's dir backend renames a temporary file without "
           "fsync: its writes are not durable across power loss\n");
    rc = 0;
out:
    for (int p = 0; p < 2; p++) {
        stop_peer(&peers[p]);
        for (int k = 0; k < 4; k++) {
            g_array_free(t[p][k], true);
        }
        g_free(peers[p].dir);
    }
    stop_peer(&counted);
    g_free(counted.dir);
    g_free(counted.log);
    if (rc == 0) {
        g_autofree char *cmdline = g_strdup_printf("rm -rf '%s'", dir);
        if (system(cmdline) != 0) {
            fprintf(stderr, "bench-w4: could not remove %s\n", dir);
        }
    }
    return rc;
}
