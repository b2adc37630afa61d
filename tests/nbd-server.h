/*
 * tests/nbd-server.h: real NBD servers (qemu-nbd, qemu-storage-daemon,
 * nbdkit) started by the tests, on a Unix socket in a private temporary
 * directory, stopped by PID.
 *
 * A server is described by its command line, in which "@SOCK@", "@PID@"
 * and "@DIR@" stand for the socket, the pid file and the directory. nbd_server_start() runs
 * it and waits until the pid file exists (all three servers write it once
 * they listen); the server gets SIGKILL when the test process dies
 * (PR_SET_PDEATHSIG), and nbd_server_cleanup_all() (registered with
 * atexit) kills what is left and removes the directories, so a failing or
 * timed-out test leaves no server behind.
 */
#ifndef TESTS_NBD_SERVER_H
#define TESTS_NBD_SERVER_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct NBDServer {
    char *dir;           /* the temporary directory, removed at cleanup */
    char *socket;        /* dir/nbd.sock */
    char *pidfile;       /* dir/nbd.pid */
    char *log;           /* dir/server.log: the server's stdout, stderr */
    char *uri;           /* nbd+unix:///EXPORT?socket=... */
    char **argv;         /* the command line, placeholders replaced */
    pid_t pid;           /* 0 while stopped */
    bool tcp;            /* no @SOCK@: listens on TCP (uri is the caller's) */
} NBDServer;

/*
 * True if @program is in PATH. Otherwise prints "@who: @program not found
 * (Debian package @package)" and: fails (exit status 1) when CI=true or
 * QVISIT_REQUIRE_PEERS=1 is set, else returns false so that the caller
 * skips.
 */
bool nbd_server_have(const char *who, const char *program,
                     const char *package);

/*
 * A server in a new temporary directory, not started: @argv (NULL
 * terminated, with @SOCK@, @PID@ and @DIR@ placeholders) and the export name
 * @export ("" for the default export) of its URI.
 */
NBDServer *nbd_server_new(const char *export, const char *const *argv);

/* The path of file @name in @srv's directory (g_free it). */
char *nbd_server_path(const NBDServer *srv, const char *name);

/*
 * Start @srv and wait (up to 20 s) until it listens; aborts the test on
 * failure (with the server's exit status).
 */
void nbd_server_start(NBDServer *srv);

/* Send @sig to @srv and reap it (no-op when stopped). */
void nbd_server_stop(NBDServer *srv, int sig);

/* Stop @srv (SIGTERM), remove its directory and free it. */
void nbd_server_free(NBDServer *srv);

/*
 * qemu-nbd serving a new 8 MiB image "vm.@fmt" (qcow2 or raw, made by
 * qemu-img) to one client at a time, persistent across clients; not
 * started. NULL (after nbd_server_have()'s message) when qemu-nbd or
 * qemu-img is missing.
 */
NBDServer *nbd_server_new_qemu_nbd(const char *who, const char *fmt);

/*
 * Run @argv (NULL terminated) to completion; returns its exit status (-1
 * if it could not run or died by a signal), its stdout and stderr joined
 * in *@output when @output is not NULL.
 */
int nbd_run(const char *const *argv, char **output);

#endif /* TESTS_NBD_SERVER_H */
