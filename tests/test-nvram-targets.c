/*
 * tests/test-nvram-targets.c: drives that are not drives. A FIFO, a socket
 * or a character device is refused at once, before anything is read or
 * the open can block, read-only or not; a file size limit makes writes
 * fail with EFBIG, reported with the file and the size.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test-nvram-common.h"
#include "tests/check-main.h"

static char *dir;

static void targets_setup(void)
{
    dir = g_dir_make_tmp("test-nvram-targets-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    /* a blocking open fails the test instead of hanging it */
    alarm(20);
}

static void targets_teardown(void)
{
    alarm(0);
    rmdir(dir);
    g_free(dir);
}

/* Every way of opening @path is refused as "not a regular file". */
static void assert_refused(const char *path)
{
    for (int ro = 0; ro < 2; ro++) {
        NVRAMOptions opts = { .read_only = ro, .create = !ro };
        Error *err = NULL;
        NVRAMStorage *s;
        NVRAM *nvram;

        s = nvram_storage_open_file(path, ro, !ro, &err);
        ck_assert_ptr_null(s);
        ck_assert_msg(err && strstr(error_get_pretty(err),
                                    "not a regular file or block device"),
                      "%s: %s", path, err ? error_get_pretty(err) : "");
        error_free(err);
        err = NULL;
        nvram = nvram_setup(path, &opts, &err);
        ck_assert_ptr_null(nvram);
        ck_assert_msg(err && strstr(error_get_pretty(err), path), "%s",
                      err ? error_get_pretty(err) : "");
        error_free(err);
    }
}

START_TEST(test_fifo_refused)
{
    char *path = g_build_filename(dir, "fifo", NULL);

    ck_assert_int_eq(mkfifo(path, 0600), 0);
    assert_refused(path);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_socket_refused)
{
    char *path = g_build_filename(dir, "sock", NULL);
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_uint_lt(strlen(path), sizeof(addr.sun_path));
    strcpy(addr.sun_path, path);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    /* a socket cannot be open()ed at all: ENXIO, reported as such */
    {
        Error *err = NULL;
        NVRAMStorage *s = nvram_storage_open_file(path, true, false, &err);

        ck_assert_ptr_null(s);
        ck_assert_msg(err && strstr(error_get_pretty(err), path), "%s",
                      err ? error_get_pretty(err) : "");
        error_free(err);
    }
    close(fd);
    unlink(path);
    g_free(path);
}
END_TEST

START_TEST(test_char_device_refused)
{
    /* /dev/zero would read as a blank drive of size 0 forever */
    assert_refused("/dev/zero");
    assert_refused("/dev/null");
}
END_TEST

/* Past RLIMIT_FSIZE a write fails with EFBIG (SIGXFSZ ignored, as the
 * tools do), and the message names the file and the size. */
START_TEST(test_file_size_limit)
{
    char *path = g_build_filename(dir, "limited.img", NULL);
    pid_t pid = fork();
    int status;

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit limit = { 8192, 8192 };
        Error *err = NULL;
        NVRAMStorage *s;
        bool ok;

        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &limit) < 0) {
            _exit(3);
        }
        s = nvram_storage_open_file(path, false, true, &error_abort);
        ok = nvram_storage_resize(s, 1 << 20, &err);
        nvram_storage_close(s);
        _exit(!ok && err && strstr(error_get_pretty(err), path) &&
              strstr(error_get_pretty(err), "1048576") &&
              strstr(error_get_pretty(err), g_strerror(EFBIG)) ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "wait status %d", status);
    unlink(path);
    g_free(path);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nvram-targets");
    TCase *tc = tcase_create("targets");

    tcase_add_checked_fixture(tc, targets_setup, targets_teardown);
    tcase_add_test(tc, test_fifo_refused);
    tcase_add_test(tc, test_socket_refused);
    tcase_add_test(tc, test_char_device_refused);
    tcase_add_test(tc, test_file_size_limit);
    suite_add_tcase(s, tc);
    return check_run_suite(s);
}
