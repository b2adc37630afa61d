/*
 * bench/bench-nbd.c: WORKLOAD.md's W6, a commit into a qcow2 image over
 * NBD against the floor on the same server and connection.
 *
 * qemu-nbd serves a new qcow2 image on a Unix socket in a temporary
 * directory (or --uri names an export to use instead). W3's commit loop
 * (permall rewritten with a 48 KiB state; volatilestate and savestate
 * 16 KiB slots) runs over the NBD backend; interleaved with the commits,
 * the floor writes the same number of bytes alternately at the two copy
 * offsets of permall and flushes, through the same storage and so the
 * same libnbd connection (qemu-nbd --shared=1 admits no second one; the
 * backend's pwrite is one nbd_pwrite, its flush one nbd_flush). Prints
 * the medians, the flushes per commit, and the W6 goals, as the report
 * lines of bench/workload-report.h (make bench runs it in every pass).
 *
 * Usage: bench-nbd [--quick] [--uri URI] (the export is formatted and
 * overwritten)
 * Not built by make all or make check: `make bench/bench-nbd`.
 */
#include "config.h"

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "bench/workload-report.h"

#define W6_PERMALL_MAX (64 * 1024)
#define W6_SLOT_MAX (16 * 1024)
#define W6_STATE_LEN (48 * 1024)

static G_NORETURN void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2);

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fprintf(stderr, "bench-nbd: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct Entry {
    size_t max;
    uint8_t *state;
    size_t len;
} Entry;

static int entry_rw(enum NVRAMRWOp op, Visitor *v,
                    const NVRAMEntryName *entry_name, void *opaque,
                    Error **errp)
{
    Entry *e = opaque;

    switch (op) {
    case NVRAM_OP_FORMAT:
        return (int)e->max;
    case NVRAM_OP_WRITE:
        return visit_type_bytes(v, NULL, &e->state, &e->len, errp) ? 0 : -1;
    case NVRAM_OP_READ:
        return 0;
    }
    return -1;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* Start qemu-nbd on a new qcow2 image in @dir; returns its pid. */
static pid_t start_qemu_nbd(const char *dir, char **uri)
{
    g_autofree char *image = g_build_filename(dir, "w6.qcow2", NULL);
    g_autofree char *sock = g_build_filename(dir, "w6.sock", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "w6.pid", NULL);
    g_autofree char *pidopt = g_strdup_printf("--pid-file=%s", pidfile);
    g_autofree char *sockopt = g_strdup_printf("--socket=%s", sock);
    const char *create[] = { "qemu-img", "create", "-q", "-f", "qcow2", image,
                             "8M", NULL };
    const char *serve[] = { "qemu-nbd", "--persistent", "--shared=1",
                            "--format=qcow2", pidopt, sockopt, image, NULL };
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    GError *gerr = NULL;
    int status;
    GPid pid;

    if (!g_spawn_sync(NULL, (char **)create, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, NULL, NULL, &status, &gerr) || status != 0) {
        die("qemu-img create failed: %s", gerr ? gerr->message : "status");
    }
    if (!g_spawn_async(NULL, (char **)serve, NULL,
                       G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, NULL,
                       NULL, &pid, &gerr)) {
        die("cannot run qemu-nbd: %s", gerr->message);
    }
    while (!g_file_test(pidfile, G_FILE_TEST_EXISTS) ||
           !g_file_test(sock, G_FILE_TEST_EXISTS)) {
        if (waitpid(pid, &status, WNOHANG) == pid) {
            die("qemu-nbd exited while starting (status 0x%x)", status);
        }
        if (g_get_monotonic_time() > deadline) {
            kill(pid, SIGKILL);
            die("qemu-nbd did not start in 20 s");
        }
        g_usleep(2000);
    }
    *uri = g_strdup_printf("nbd+unix:///?socket=%s", sock);
    return pid;
}

int main(int argc, char **argv)
{
    static const char *const names[3] = {
        "permall", "volatilestate", "savestate"
    };
    Entry entries[3] = {
        { W6_PERMALL_MAX }, { W6_SLOT_MAX }, { W6_SLOT_MAX },
    };
    g_autofree char *dir = NULL, *uri = NULL;
    bool quick = false;
    int commits, exact = 0;
    uint64_t *t_commit, *t_floor, offsets[2], bytes, flushes = 0;
    uint64_t floor_flushes = 0;
    NVRAMStorageStats s0, s1;
    NVRAMEntrySpec specs[3];
    NVRAMEntryName en[3];
    NVRAMImageInfo *info;
    NVRAMStorage *st;
    Error *err = NULL;
    uint8_t *fbuf;
    pid_t server = 0;
    NVRAM *nv;
    double commit_med, floor_med;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            quick = true;
        } else if (strcmp(argv[i], "--uri") == 0 && i + 1 < argc) {
            uri = g_strdup(argv[++i]);
        } else {
            fprintf(stderr, "usage: bench-nbd [--quick] [--uri URI]\n");
            return 2;
        }
    }
    if (!uri) {
        dir = g_dir_make_tmp("bench-nbd-XXXXXX", NULL);
        if (!dir) {
            die("cannot make a temporary directory");
        }
        server = start_qemu_nbd(dir, &uri);
    }
    commits = quick ? 100 : 500;
    t_commit = g_new(uint64_t, commits);
    t_floor = g_new(uint64_t, commits);

    for (int i = 0; i < 3; i++) {
        specs[i] = (NVRAMEntrySpec) { names[i], entries[i].max };
        nvram_entry_name_init(&en[i], names[i], &error_abort);
        entries[i].len = i == 0 ? W6_STATE_LEN : entries[i].max / 2;
        entries[i].state = g_malloc(entries[i].len);
        for (size_t k = 0; k < entries[i].len; k++) {
            entries[i].state[k] = (uint8_t)(k * 131 + i);
        }
    }
    st = nvram_storage_open(uri, false, false, &err);
    if (!st || nvram_format_storage(st, specs, 3, true, &err) < 0 ||
        nvram_image_inspect(st, &info, &err) < 0) {
        die("setting up %s: %s", uri, error_get_pretty(err));
    }
    offsets[0] = info->entries[0].copies[0].offset;
    offsets[1] = info->entries[0].copies[1].offset;
    nvram_image_info_free(info);
    nv = nvram_setup_with_storage(st, NULL, &err);
    if (!nv) {
        die("setup: %s", error_get_pretty(err));
    }
    for (int i = 0; i < 3; i++) {
        if (nvram_register_entry(nv, &en[i], entry_rw, &entries[i], &err) < 0 ||
            (i == 2 && nvram_start(nv, true, &err) < 0)) {
            die("start: %s", error_get_pretty(err));
        }
    }
    for (int i = 0; i < 3; i++) {
        if (nvram_write_data(nv, &en[i], 0, NULL, NULL, &err) < 0) {
            die("first write of %s: %s", names[i], error_get_pretty(err));
        }
    }
    /* one commit's bytes, for the floor */
    s0 = nvram_storage_get_stats(st);
    if (nvram_write_data(nv, &en[0], 0, NULL, NULL, &err) < 0) {
        die("write: %s", error_get_pretty(err));
    }
    s1 = nvram_storage_get_stats(st);
    bytes = s1.bytes_written - s0.bytes_written;
    fbuf = g_malloc(bytes);
    memcpy(fbuf, entries[0].state, MIN(bytes, entries[0].len));

    /*
     * Commits and floors alternate, on one connection. The floor's writes
     * land on permall's copies, which the next commit rewrites whole: the
     * image stays valid for the commits (each writes the copy it does not
     * read from, and reads nothing between commits).
     */
    for (int i = 0; i < commits; i++) {
        uint64_t t0;

        entries[0].state[i % W6_STATE_LEN]++;
        s0 = nvram_storage_get_stats(st);
        t0 = now_ns();
        if (nvram_write_data(nv, &en[0], 0, NULL, NULL, &err) < 0) {
            die("write: %s", error_get_pretty(err));
        }
        t_commit[i] = now_ns() - t0;
        s1 = nvram_storage_get_stats(st);
        flushes += s1.flushes - s0.flushes;
        exact += s1.flushes - s0.flushes == 1;

        fbuf[i % bytes]++;
        s0 = s1;
        t0 = now_ns();
        if (!nvram_storage_pwrite(st, fbuf, bytes, offsets[i % 2], &err) ||
            !nvram_storage_flush(st, &err)) {
            die("floor: %s", error_get_pretty(err));
        }
        t_floor[i] = now_ns() - t0;
        floor_flushes += nvram_storage_get_stats(st).flushes - s0.flushes;
    }
    qsort(t_commit, commits, sizeof(uint64_t), cmp_u64);
    qsort(t_floor, commits, sizeof(uint64_t), cmp_u64);
    commit_med = (double)t_commit[commits / 2];
    floor_med = (double)t_floor[commits / 2];

    /* the report lines of bench/workload-report.h, read by make bench */
    {
        char note[64];

        printf("# W6 server: %s\n",
               server ? "qemu-nbd, qcow2, Unix socket" : uri);
        bench_report_figure("W6 commits measured", commits, "commits", NULL);
        snprintf(note, sizeof(note), "(state %d bytes)", W6_STATE_LEN);
        bench_report_figure("W6 bytes written per commit", (double)bytes,
                            "bytes", note);
        snprintf(note, sizeof(note), "(floor: %.3f)",
                 (double)floor_flushes / commits);
        bench_report_figure("W6 flushes per commit",
                            (double)flushes / commits, "flushes", note);
        bench_report_figure("W6 commit time", commit_med, "ns/commit",
                            "(median)");
        bench_report_figure("W6 commit time p90",
                            (double)t_commit[commits * 9 / 10], "ns/commit",
                            NULL);
        bench_report_figure("W6 floor nbd_pwrite+nbd_flush", floor_med,
                            "ns/op", "(median)");
        bench_report_figure("W6 floor p90", (double)t_floor[commits * 9 / 10],
                            "ns/op", NULL);
        bench_report_goal("W6 commits with exactly one flush",
                          100.0 * exact / commits, "%", true, 100, NULL);
        bench_report_goal("W6 commit time / floor", commit_med / floor_med,
                          "x", false, 1.3, NULL);
    }

    nvram_delete(nv);
    for (int i = 0; i < 3; i++) {
        g_free(entries[i].state);
    }
    g_free(fbuf);
    g_free(t_commit);
    g_free(t_floor);
    if (server) {
        g_autofree char *image = g_build_filename(dir, "w6.qcow2", NULL);
        g_autofree char *sock = g_build_filename(dir, "w6.sock", NULL);
        g_autofree char *pidfile = g_build_filename(dir, "w6.pid", NULL);
        int status;

        kill(server, SIGTERM);
        waitpid(server, &status, 0);
        g_unlink(image);
        g_unlink(sock);
        g_unlink(pidfile);
        g_rmdir(dir);
    }
    return 0;
}
