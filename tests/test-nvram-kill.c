/*
 * Real crashes: the nvram-writer program commits numbered states to a
 * file-backed NVRAM in a loop and reports each number through a pipe once
 * nvram_write_data() returned; the test kills it with SIGKILL at random
 * moments, hundreds of times (bounded in total time), and checks after each
 * kill that the image holds the last reported number or the next one (the
 * write in flight), never garbage, never an older number, never "absent"
 * once a number was reported. A SIGKILL keeps the page cache, so this tests
 * the process side (torn user-space state, locks, partial writes between
 * system calls); power loss is test-nvram-crash's subject.
 *
 * The same test runs over NBD (a qcow2 image served by qemu-nbd, started
 * by the test): with the writer killed, and with the server killed
 * (SIGKILL, then restarted), where the writer's commit in flight fails
 * and every acknowledged number, or the one in flight, must read back;
 * qemu-img check must find the image clean after all the kills.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "tests/fault-storage.h"
#include "tests/nbd-server.h"
#include "tests/nvram-writer.h"
#include "tests/check-main.h"

static char *writer_path(void)
{
    const char *top = g_getenv("top_builddir");

    return g_build_filename(top ? top : ".", "tests", "nvram-writer", NULL);
}

/*
 * Format @path (a file or an NBD URI) for the writer: "permall" and
 * "savestate" (never written).
 */
static void format_image(const char *path)
{
    NVRAMEntrySpec specs[] = {
        { "permall", NVRAM_WRITER_MAX_VALUE + 64 },
        { "savestate", 4096 },
    };
    NVRAMStorage *s;
    uint64_t size;
    Error *err = NULL;

    ck_assert_int_eq(nvram_measure(specs, 2, &size, &error_abort), 0);
    s = nvram_storage_open(path, false, true, &err);
    ck_assert_msg(s != NULL, "create %s: %s", path,
                  err ? error_get_pretty(err) : "");
    if (!nvram_storage_name_is_uri(path)) {
        ck_assert(nvram_storage_resize(s, size, &error_abort));
    }
    ck_assert_int_eq(nvram_format_storage(s, specs, 2, false, &error_abort),
                     0);
    nvram_storage_close(s);
}

/*
 * Read the number in "permall" of @path: returns 0 and *@number (0 when
 * absent), or fails the test.
 */
static void read_number(const char *path, uint64_t *number, bool *absent)
{
    NVRAMWriterState st = { 0 };
    NVRAMEntryName name;
    Error *err = NULL;
    NVRAM *nvram;
    int ret;

    nvram = nvram_setup(path, NULL, &err);
    ck_assert_msg(nvram != NULL, "reopen after kill: %s",
                  err ? error_get_pretty(err) : "");
    nvram_entry_name_init(&name, "permall", &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, nvram_writer_rw, &st,
                                          &error_abort), 0);
    ret = nvram_start(nvram, true, &err);
    ck_assert_msg(ret == 0, "start after kill: %s", error_get_pretty(err));
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, &err);
    *absent = ret == -NVRAM_ERR_ENTRY_ABSENT;
    if (*absent) {
        error_free(err);
        *number = 0;
    } else {
        /* a write killed midway leaves a torn copy: the previous value,
         * reported as a rollback */
        ck_assert_msg(ret == 0 || ret == NVRAM_READ_ROLLED_BACK,
                      "read after kill: %s", err ? error_get_pretty(err) : "");
        ck_assert_msg(st.valid, "value %" PRIu64 " holds wrong bytes",
                      st.number);
        *number = st.number;
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
}

/*
 * Wait up to 20 s for @pid to end; the writer that met a killed server
 * exits by itself, promptly.
 */
static int wait_exit(pid_t pid)
{
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    int status;

    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (g_get_monotonic_time() > deadline) {
            kill(-pid, SIGKILL);
            ck_assert_int_eq(waitpid(pid, &status, 0), pid);
            ck_abort_msg("the writer hangs after the server was killed");
        }
        g_usleep(1000);
    }
    return status;
}

/*
 * Kill the writer committing to @image (or, with @srv, the NBD server
 * under it: then restart the server) at random moments, up to @target
 * times within @budget seconds (both scaled by QVISIT_SOAK), checking the
 * image after each kill.
 */
static void kill_loop(const char *what, const char *image, NBDServer *srv,
                      unsigned target, unsigned budget_s)
{
    unsigned scale = fault_test_scale();
    gint64 budget = (gint64)budget_s * scale * G_USEC_PER_SEC;
    gint64 start = g_get_monotonic_time();
    g_autofree char *writer = writer_path();
    uint64_t rng = 0x5161u, verified = 0, kills = 0, in_flight_seen = 0;
    uint64_t acks_total = 0, early_kills = 0;
    bool ever_acked = false;

    target *= scale;
    ck_assert_msg(g_file_test(writer, G_FILE_TEST_IS_EXECUTABLE),
                  "%s is not built", writer);
    format_image(image);
    while (kills < target && g_get_monotonic_time() - start < budget) {
        int fds[2];
        pid_t pid;
        int status;
        uint64_t last = verified, n, found;
        unsigned acks = 0;
        bool absent;
        ssize_t got;

        ck_assert_int_eq(pipe(fds), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            setpgid(0, 0);
            dup2(fds[1], STDOUT_FILENO);
            close(fds[0]);
            close(fds[1]);
            if (srv) {
                /* its one-line "connection lost" at each kill */
                int null = open("/dev/null", O_WRONLY);

                dup2(null, STDERR_FILENO);
            }
            execl(writer, writer, image, (char *)NULL);
            _exit(127);
        }
        setpgid(pid, pid);
        close(fds[1]);
        if (fault_rand_below(&rng, 5) == 0) {
            /* Sometimes while it starts (opening, reading, first write). */
            g_usleep(fault_rand_below(&rng, 30000));
        } else {
            /* Mostly in the commit loop: after its first report. */
            struct pollfd pfd = { .fd = fds[0], .events = POLLIN };

            ck_assert_int_eq(poll(&pfd, 1, 20000), 1);
            g_usleep(fault_rand_below(&rng, 15000));
        }
        if (srv) {
            nbd_server_stop(srv, SIGKILL);
            status = wait_exit(pid);
            ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0 &&
                          WEXITSTATUS(status) != 3,
                          "the writer did not fail cleanly when the server "
                          "was killed (status 0x%x)", status);
            nbd_server_start(srv);
        } else {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            ck_assert_int_eq(waitpid(pid, &status, 0), pid);
            ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                          "the writer exited by itself (status 0x%x)",
                          status);
        }
        /*
         * Every number in the pipe was reported after its write returned;
         * they arrive in order.
         */
        while ((got = read(fds[0], &n, sizeof(n))) == sizeof(n)) {
            ck_assert_uint_eq(n, last + 1);
            last = n;
            acks++;
        }
        ck_assert_int_eq(got, 0);
        close(fds[0]);
        kills++;
        if (acks == 0) {
            early_kills++;
        }
        acks_total += acks;
        ever_acked |= acks > 0;

        read_number(image, &found, &absent);
        ck_assert_msg(!absent || !ever_acked,
                      "kill #%" PRIu64 ": permall absent after %" PRIu64
                      " was acknowledged", kills, last);
        ck_assert_msg(found == last || found == last + 1,
                      "kill #%" PRIu64 ": image holds %" PRIu64 ", last "
                      "acknowledged %" PRIu64, kills, found, last);
        if (found == last + 1) {
            in_flight_seen++;
        }
        verified = found;
    }
    printf("kills (%s): %" PRIu64 " SIGKILLs survived in %.1f s (%" PRIu64
           " before any commit), %" PRIu64 " commits acknowledged, %" PRIu64
           " times the write in flight had landed, 0 losses\n", what, kills,
           (g_get_monotonic_time() - start) / 1e6, early_kills, acks_total,
           in_flight_seen);
    fflush(stdout);
    ck_assert_uint_ge(kills, 20);
    ck_assert_uint_gt(acks_total, 0);
}

START_TEST(test_kill_writer)
{
    g_autofree char *dir = g_dir_make_tmp("nvram-kill-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "tpm.img", NULL);

    kill_loop("file, writer killed", path, NULL, 200, 40);
    unlink(path);
    rmdir(dir);
}
END_TEST

/* qemu-nbd serving a new qcow2 image, started; NULL if missing. */
static NBDServer *qcow2_server(void)
{
    NBDServer *srv = nbd_server_new_qemu_nbd("test-nvram-kill", "qcow2");

    if (srv) {
        nbd_server_start(srv);
    }
    return srv;
}

static void assert_qcow2_clean(NBDServer *srv)
{
    g_autofree char *image = nbd_server_path(srv, "vm.qcow2");
    const char *check[] = { "qemu-img", "check", "-q", image, NULL };
    g_autofree char *out = NULL;
    int status;

    nbd_server_stop(srv, SIGTERM);
    status = nbd_run(check, &out);
    ck_assert_msg(status == 0, "qemu-img check after the kills: status %d: "
                  "%s", status, out);
}

START_TEST(test_kill_writer_nbd)
{
    NBDServer *srv = qcow2_server();

    if (srv) {
        kill_loop("qcow2 over qemu-nbd, writer killed", srv->uri, NULL, 200,
                  20);
        assert_qcow2_clean(srv);
        nbd_server_free(srv);
    }
}
END_TEST

START_TEST(test_kill_server_nbd)
{
    NBDServer *srv = qcow2_server();

    if (srv) {
        kill_loop("qcow2 over qemu-nbd, qemu-nbd killed", srv->uri, srv, 200,
                  25);
        assert_qcow2_clean(srv);
        nbd_server_free(srv);
    }
}
END_TEST

static Suite *kill_suite(void)
{
    Suite *s = suite_create("nvram-kill");
    TCase *tc = tcase_create("kill");

    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_kill_writer);
    tcase_add_test(tc, test_kill_writer_nbd);
    tcase_add_test(tc, test_kill_server_nbd);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(kill_suite());
}
