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
#include "tests/nvram-writer.h"

static char *writer_path(void)
{
    const char *top = g_getenv("top_builddir");

    return g_build_filename(top ? top : ".", "tests", "nvram-writer", NULL);
}

/* Format @path for the writer: "permall" and "savestate" (never written). */
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
    s = nvram_storage_open_file(path, false, true, &err);
    ck_assert_msg(s != NULL, "create %s: %s", path,
                  err ? error_get_pretty(err) : "");
    ck_assert(nvram_storage_resize(s, size, &error_abort));
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

START_TEST(test_kill_writer)
{
    unsigned scale = fault_test_scale();
    unsigned target = 200 * scale;
    gint64 budget = (gint64)40 * scale * G_USEC_PER_SEC;
    gint64 start = g_get_monotonic_time();
    g_autofree char *writer = writer_path();
    g_autofree char *dir = g_dir_make_tmp("nvram-kill-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "tpm.img", NULL);
    uint64_t rng = 0x5161u, verified = 0, kills = 0, in_flight_seen = 0;
    uint64_t acks_total = 0, early_kills = 0;
    bool ever_acked = false;

    ck_assert_msg(g_file_test(writer, G_FILE_TEST_IS_EXECUTABLE),
                  "%s is not built", writer);
    format_image(path);
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
            execl(writer, writer, path, (char *)NULL);
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
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
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
        ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
                      "the writer exited by itself (status 0x%x)", status);
        kills++;
        if (acks == 0) {
            early_kills++;
        }
        acks_total += acks;
        ever_acked |= acks > 0;

        read_number(path, &found, &absent);
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
    printf("kills: %" PRIu64 " SIGKILLs survived in %.1f s (%" PRIu64
           " before any commit), %" PRIu64 " commits acknowledged, %" PRIu64
           " times the write in flight had landed, 0 losses\n", kills,
           (g_get_monotonic_time() - start) / 1e6, early_kills, acks_total,
           in_flight_seen);
    fflush(stdout);
    ck_assert_uint_ge(kills, 20);
    ck_assert_uint_gt(acks_total, 0);
    unlink(path);
    rmdir(dir);
}
END_TEST

static Suite *kill_suite(void)
{
    Suite *s = suite_create("nvram-kill");
    TCase *tc = tcase_create("kill");

    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_kill_writer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(kill_suite());
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
