/*
 * tests/nbd-server.c: real NBD servers for the tests (see nbd-server.h).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/nbd-server.h"

static GPtrArray *live_servers;

bool nbd_server_have(const char *who, const char *program,
                     const char *package)
{
    g_autofree char *found = g_find_program_in_path(program);
    const char *ci = g_getenv("CI");
    const char *req = g_getenv("QVISIT_REQUIRE_PEERS");

    if (found) {
        return true;
    }
    if ((ci && g_str_equal(ci, "true")) || (req && g_str_equal(req, "1"))) {
        fprintf(stderr, "%s: %s not found (Debian package %s), required "
                "here (CI=true or QVISIT_REQUIRE_PEERS=1)\n", who, program,
                package);
        exit(1);
    }
    printf("%s: %s not found (Debian package %s): skipped\n", who, program,
           package);
    fflush(stdout);
    return false;
}

/* Remove @dir and the files in it (no subdirectories are made). */
static void remove_dir(const char *dir)
{
    GDir *d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (d) {
        while ((name = g_dir_read_name(d))) {
            g_autofree char *path = g_build_filename(dir, name, NULL);
            g_unlink(path);
        }
        g_dir_close(d);
    }
    g_rmdir(dir);
}

/* @s with every @from replaced by @to (g_string_replace is glib 2.68). */
static char *replace(const char *s, const char *from, const char *to)
{
    g_auto(GStrv) parts = g_strsplit(s, from, -1);

    return g_strjoinv(to, parts);
}

static char *replace_free(char *s, const char *from, const char *to)
{
    char *r = replace(s, from, to);

    g_free(s);
    return r;
}

static void nbd_server_cleanup_all(void)
{
    while (live_servers && live_servers->len) {
        nbd_server_free(g_ptr_array_index(live_servers, 0));
    }
}

NBDServer *nbd_server_new(const char *export, const char *const *argv)
{
    NBDServer *srv = g_new0(NBDServer, 1);
    g_autofree char *escaped = NULL;

    if (!live_servers) {
        live_servers = g_ptr_array_new();
        atexit(nbd_server_cleanup_all);
    }
    srv->dir = g_dir_make_tmp("test-nbd-XXXXXX", NULL);
    ck_assert_ptr_nonnull(srv->dir);
    srv->socket = g_build_filename(srv->dir, "nbd.sock", NULL);
    srv->pidfile = g_build_filename(srv->dir, "nbd.pid", NULL);
    srv->log = g_build_filename(srv->dir, "server.log", NULL);
    escaped = g_uri_escape_string(srv->socket, "/", false);
    srv->uri = g_strdup_printf("nbd+unix:///%s?socket=%s", export, escaped);
    srv->argv = g_new0(char *, g_strv_length((char **)argv) + 1);
    srv->tcp = true;
    for (size_t i = 0; argv[i]; i++) {
        char *arg = replace(argv[i], "@SOCK@", srv->socket);

        srv->tcp = srv->tcp && !strstr(argv[i], "@SOCK@");

        arg = replace_free(arg, "@PID@", srv->pidfile);
        srv->argv[i] = replace_free(arg, "@DIR@", srv->dir);
    }
    g_ptr_array_add(live_servers, srv);
    return srv;
}

char *nbd_server_path(const NBDServer *srv, const char *name)
{
    return g_build_filename(srv->dir, name, NULL);
}

void nbd_server_start(NBDServer *srv)
{
    gint64 deadline = g_get_monotonic_time() + 20 * G_USEC_PER_SEC;
    pid_t parent = getpid();
    int status;

    ck_assert_int_eq(srv->pid, 0);
    g_unlink(srv->pidfile);
    g_unlink(srv->socket);
    srv->pid = fork();
    ck_assert_int_ge(srv->pid, 0);
    if (srv->pid == 0) {
        /* never outlive the test, whatever way it ends */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) {
            _exit(126);
        }
        int log = open(srv->log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                       0600);

        /* the server's messages (injected errors...) go to its log */
        if (log >= 0) {
            dup2(log, STDOUT_FILENO);
            dup2(log, STDERR_FILENO);
        }
        execvp(srv->argv[0], srv->argv);
        fprintf(stderr, "cannot run %s: %s\n", srv->argv[0],
                g_strerror(errno));
        _exit(127);
    }
    for (;;) {
        g_autofree char *text = NULL;
        pid_t got = waitpid(srv->pid, &status, WNOHANG);

        if (got == srv->pid) {
            g_autofree char *log = NULL;

            srv->pid = 0;
            g_file_get_contents(srv->log, &log, NULL, NULL);
            ck_abort_msg("%s exited while starting (status 0x%x): %s",
                         srv->argv[0], status, log ? log : "");
        }
        if (g_file_get_contents(srv->pidfile, &text, NULL, NULL) &&
            text[0] != '\0' &&
            (srv->tcp || g_file_test(srv->socket, G_FILE_TEST_EXISTS))) {
            return;
        }
        ck_assert_msg(g_get_monotonic_time() < deadline,
                      "%s did not start listening in 20 s", srv->argv[0]);
        g_usleep(2000);
    }
}

void nbd_server_stop(NBDServer *srv, int sig)
{
    int status;

    if (srv->pid <= 0) {
        return;
    }
    kill(srv->pid, sig);
    while (waitpid(srv->pid, &status, 0) < 0 && errno == EINTR) {
    }
    srv->pid = 0;
}

void nbd_server_free(NBDServer *srv)
{
    if (!srv) {
        return;
    }
    nbd_server_stop(srv, SIGTERM);
    g_ptr_array_remove(live_servers, srv);
    remove_dir(srv->dir);
    g_free(srv->dir);
    g_free(srv->socket);
    g_free(srv->pidfile);
    g_free(srv->log);
    g_free(srv->uri);
    g_strfreev(srv->argv);
    g_free(srv);
}

int nbd_run(const char *const *argv, char **output)
{
    g_autofree char *out = NULL, *err = NULL;
    g_autoptr(GError) gerr = NULL;
    int status;

    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL,
                      NULL, &out, &err, &status, &gerr)) {
        if (output) {
            *output = g_strdup(gerr->message);
        }
        return -1;
    }
    if (output) {
        *output = g_strconcat(out, err, NULL);
    }
    if (!WIFEXITED(status)) {
        return -1;
    }
    return WEXITSTATUS(status);
}

NBDServer *nbd_server_new_qemu_nbd(const char *who, const char *fmt)
{
    g_autofree char *image = g_strdup_printf("@DIR@/vm.%s", fmt);
    const char *argv[] = { "qemu-nbd", "--persistent", "--shared=1",
                           "--pid-file=@PID@", "--socket=@SOCK@",
                           "--format", fmt, image, NULL };
    g_autofree char *path = NULL, *out = NULL;
    NBDServer *srv;

    if (!nbd_server_have(who, "qemu-nbd", "qemu-utils") ||
        !nbd_server_have(who, "qemu-img", "qemu-utils")) {
        return NULL;
    }
    srv = nbd_server_new("", argv);
    path = g_strdup_printf("%s/vm.%s", srv->dir, fmt);
    {
        const char *create[] = { "qemu-img", "create", "-q", "-f", fmt, path,
                                 "8M", NULL };

        ck_assert_msg(nbd_run(create, &out) == 0, "qemu-img create: %s", out);
    }
    return srv;
}
