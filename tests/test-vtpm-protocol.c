/*
 * tests/test-vtpm-protocol.c: the vtpm daemon's two channels under bad
 * and good input, as a real process on loopback and a Unix socket: each
 * test starts tools/vtpm in a temporary directory and stops it by PID.
 *
 * Control channel: capabilities, unknown codes, truncated requests, a
 * length field that lies, SET_STATEBLOB with garbage and with a state
 * taken by GET_STATEBLOB, SET_DATAFD with a socket passed over the Unix
 * socket. Data channel: truncated, undersized and oversized commands, a
 * length field that lies, a client that disconnects mid-command, garbage
 * with a valid length. After each the daemon answers (or drops the
 * connection), the image is unchanged and the next client is served.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <swtpm/tpm_ioctl.h>

#include "tests/vtpm-test-cmds.h"
#include "tests/check-main.h"

#define TPM_SUCCESS 0
#define TPM_BAD_PARAMETER 3
#define TPM_FAIL 9
#define TPM_BAD_ORDINAL 10
#define TPM_IOERROR 31
#define RC_COMMAND_SIZE 0x142

static char *dir;
static int port;
static pid_t vtpm_pid;

static char *path_in(const char *name)
{
    return g_build_filename(dir, name, NULL);
}

/* A failed check ends the test process without its teardown: vtpm runs
 * as our child (not --daemon) and dies with us. */
static void die_with_parent(gpointer data)
{
    (void)data;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/* Wait (10 s at most) for vtpm to exit; true if it did. */
static bool wait_exit(int *status)
{
    for (int i = 0; i < 1000; i++) {
        if (waitpid(vtpm_pid, status, WNOHANG) == vtpm_pid) {
            return true;
        }
        g_usleep(10000);
    }
    return false;
}

static void start_vtpm(void)
{
    const char *top = g_getenv("top_builddir");
    g_autofree char *tool = g_build_filename(top ? top : ".", "tools",
                                             "vtpm", NULL);
    g_autofree char *pidfile = path_in("pid");
    g_autofree char *ctrl = path_in("ctrl");

    for (int attempt = 0; attempt < 20; attempt++) {
        g_autofree char *state = g_strdup_printf("dir=%s", dir);
        g_autofree char *server = NULL, *ctrlopt = NULL, *log = NULL;
        g_autofree char *pidopt = g_strdup_printf("file=%s", pidfile);
        int status;

        port = g_random_int_range(20000, 32000);   /* below ephemeral ports */
        server = g_strdup_printf("type=tcp,port=%d", port);
        ctrlopt = g_strdup_printf("type=unixio,path=%s", ctrl);
        log = g_strdup_printf("file=%s/log,level=2", dir);
        char *argv[] = { tool, (char *)"socket", (char *)"--tpm2",
                         (char *)"--tpmstate", state, (char *)"--server",
                         server, (char *)"--ctrl", ctrlopt,
                         (char *)"--flags",
                         (char *)"not-need-init,startup-clear",
                         (char *)"--log", log, (char *)"--pid", pidopt,
                         NULL };

        g_unlink(pidfile);
        ck_assert(g_spawn_async(NULL, argv, NULL,
                                G_SPAWN_DO_NOT_REAP_CHILD |
                                G_SPAWN_STDERR_TO_DEV_NULL, die_with_parent,
                                NULL, &vtpm_pid, NULL));
        /* Ready once the pid file is there; an exit means the port was
         * taken (most likely): try another. */
        for (int i = 0; i < 1000; i++) {
            if (g_file_test(pidfile, G_FILE_TEST_EXISTS)) {
                return;
            }
            if (waitpid(vtpm_pid, &status, WNOHANG) == vtpm_pid) {
                break;
            }
            g_usleep(10000);
        }
        if (waitpid(vtpm_pid, &status, WNOHANG) == 0) {
            kill(vtpm_pid, SIGKILL);
            waitpid(vtpm_pid, &status, 0);
            ck_abort_msg("vtpm did not get ready in 10 s");
        }
    }
    ck_abort_msg("vtpm did not start");
}

/* SIGTERM, then wait (up to 10 s) for it to exit. */
static void stop_vtpm(void)
{
    int status;

    if (vtpm_pid <= 0) {
        return;
    }
    kill(vtpm_pid, SIGTERM);
    if (!wait_exit(&status)) {
        kill(vtpm_pid, SIGKILL);
        waitpid(vtpm_pid, &status, 0);
        vtpm_pid = 0;
        ck_abort_msg("vtpm did not stop on SIGTERM");
    }
    vtpm_pid = 0;
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "vtpm ended with status 0x%x", status);
}

static void setup(void)
{
    dir = g_dir_make_tmp("test-vtpm-protocol.XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    start_vtpm();
}

static void teardown(void)
{
    GDir *d;
    const char *name;

    stop_vtpm();
    d = g_dir_open(dir, 0, NULL);
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = path_in(name);
        g_unlink(p);
    }
    if (d) {
        g_dir_close(d);
    }
    g_rmdir(dir);
    g_free(dir);
}

static int connect_data(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET,
                              .sin_port = htons(port) };
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static int connect_ctrl(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    g_autofree char *p = path_in("ctrl");
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_strlcpy(sa.sun_path, p, sizeof(sa.sun_path));
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    return fd;
}

static void send_all(int fd, const void *buf, size_t len)
{
    ck_assert_int_eq(send(fd, buf, len, MSG_NOSIGNAL), (ssize_t)len);
}

/* Read @len bytes (10 s at most); returns how many came before EOF. */
static size_t recv_all(int fd, void *buf, size_t len)
{
    size_t have = 0;

    while (have < len) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        ssize_t n;

        ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
        n = read(fd, (uint8_t *)buf + have, len - have);
        if (n <= 0) {
            break;
        }
        have += n;
    }
    return have;
}

/* True if the peer closed @fd (EOF within 10 s, no more data). */
static bool closed_by_peer(int fd)
{
    uint8_t b;

    return recv_all(fd, &b, 1) == 0;
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = v >> 24;
    p[1] = v >> 16;
    p[2] = v >> 8;
    p[3] = v;
}

/* Send a control request (code + @body), return the first 4 bytes of the
 * response as the result; the rest (up to @rest_len) into @rest. */
static uint32_t ctrl_cmd_on(int fd, uint32_t code, const void *body,
                            size_t body_len, void *rest, size_t rest_len)
{
    uint8_t hdr[4], res[4];

    put_be32(hdr, code);
    send_all(fd, hdr, 4);
    if (body_len) {
        send_all(fd, body, body_len);
    }
    ck_assert_uint_eq(recv_all(fd, res, 4), 4);
    if (rest_len) {
        ck_assert_uint_eq(recv_all(fd, rest, rest_len), rest_len);
    }
    return vtpm_be32(res);
}

static uint32_t ctrl_cmd(uint32_t code, const void *body, size_t body_len,
                         void *rest, size_t rest_len)
{
    int fd = connect_ctrl();
    uint32_t r = ctrl_cmd_on(fd, code, body, body_len, rest, rest_len);

    close(fd);
    return r;
}

/* Run a TPM command on a new data connection; returns the response
 * code (and the response in @rsp, up to @rsp_size bytes). */
static uint32_t tpm_cmd_on(int fd, const uint8_t *cmd, size_t len,
                           uint8_t *rsp, size_t rsp_size)
{
    uint8_t buf[4096];
    uint32_t size;

    send_all(fd, cmd, len);
    ck_assert_uint_eq(recv_all(fd, buf, 10), 10);
    size = vtpm_be32(buf + 2);
    ck_assert_uint_ge(size, 10);
    ck_assert_uint_le(size, sizeof(buf));
    ck_assert_uint_eq(recv_all(fd, buf + 10, size - 10), size - 10);
    if (rsp) {
        memcpy(rsp, buf, MIN(size, rsp_size));
    }
    return vtpm_be32(buf + 6);
}

static uint32_t tpm_cmd(const uint8_t *cmd, size_t len)
{
    int fd = connect_data();
    uint32_t rc = tpm_cmd_on(fd, cmd, len, NULL, 0);

    close(fd);
    return rc;
}

#define TPM_CMD(c) tpm_cmd(c, sizeof(c))

static GBytes *image_bytes(void)
{
    g_autofree char *p = path_in("tpm2-00.vnvram");
    gchar *data;
    gsize len;

    ck_assert(g_file_get_contents(p, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static bool log_has(const char *what)
{
    g_autofree char *p = path_in("log");
    g_autofree char *text = NULL;

    ck_assert(g_file_get_contents(p, &text, NULL, NULL));
    return strstr(text, what) != NULL;
}

START_TEST(test_ctrl_capabilities_and_unknown)
{
    uint8_t caps[4];
    uint8_t est[4];

    ck_assert_uint_eq(ctrl_cmd(CMD_GET_CAPABILITY, NULL, 0, caps, 4), 0);
    for (uint32_t c = PTM_CAP_INIT; c <= PTM_CAP_GET_INFO; c <<= 1) {
        if (c == PTM_CAP_GET_INFO || c == PTM_CAP_SET_DATAFD ||
            c == PTM_CAP_GET_STATEBLOB || c == PTM_CAP_SET_STATEBLOB ||
            c == PTM_CAP_INIT || c == PTM_CAP_STOP) {
            ck_assert_msg(vtpm_be32(caps) & c, "capability 0x%x missing", c);
        }
    }
    ck_assert_uint_eq(ctrl_cmd(0x99, NULL, 0, NULL, 0), TPM_BAD_ORDINAL);
    ck_assert_uint_eq(ctrl_cmd(0, NULL, 0, NULL, 0), TPM_BAD_ORDINAL);
    ck_assert(log_has("unknown control command 0x00000099"));
    ck_assert_uint_eq(ctrl_cmd(CMD_GET_TPMESTABLISHED, NULL, 0, est, 4), 0);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_LOCALITY, "\x05", 1, NULL, 0),
                      61 /* TPM_BAD_LOCALITY */);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_LOCALITY, "\x00", 1, NULL, 0), 0);
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_get_random), 0);
}
END_TEST

START_TEST(test_ctrl_truncated)
{
    int fd = connect_ctrl();
    uint8_t req[6] = { 0, 0, 0, CMD_INIT, 0, 0 };   /* 2 of 4 flag bytes */
    uint8_t res[4];
    int64_t t0 = g_get_monotonic_time();

    /* Nothing more comes: answered after the read deadline. */
    send_all(fd, req, sizeof(req));
    ck_assert_uint_eq(recv_all(fd, res, 4), 4);
    ck_assert_uint_eq(vtpm_be32(res), TPM_BAD_PARAMETER);
    ck_assert_int_ge(g_get_monotonic_time() - t0, 1000000);
    ck_assert(closed_by_peer(fd));
    close(fd);

    /* The peer shuts down its side mid-request. */
    fd = connect_ctrl();
    send_all(fd, req, sizeof(req));
    shutdown(fd, SHUT_WR);
    ck_assert_uint_eq(recv_all(fd, res, 4), 4);
    ck_assert_uint_eq(vtpm_be32(res), TPM_BAD_PARAMETER);
    close(fd);

    /* The TPM was not re-initialized and serves on. */
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_get_random), 0);
}
END_TEST

START_TEST(test_ctrl_stateblob_garbage)
{
    g_autoptr(GBytes) before = NULL, after = NULL;
    uint8_t req[12 + 64];
    int fd;

    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_define), 0);

    /* Refused while the TPM runs. */
    memset(req, 0, sizeof(req));
    put_be32(req + 4, PTM_BLOB_TYPE_PERMANENT);
    put_be32(req + 8, 64);
    memset(req + 12, 0xa5, 64);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_STATEBLOB, req, sizeof(req), NULL, 0),
                      TPM_BAD_ORDINAL);
    /* (stopping writes the orderly state: TPM2_Shutdown(SU_CLEAR)) */
    ck_assert_uint_eq(ctrl_cmd(CMD_STOP, NULL, 0, NULL, 0), 0);
    before = image_bytes();
    /* Garbage: libtpms refuses it, nothing is stored. */
    ck_assert_uint_ne(ctrl_cmd(CMD_SET_STATEBLOB, req, sizeof(req), NULL, 0),
                      0);
    /* An unknown blob type, an empty permanent state. */
    put_be32(req + 4, 7);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_STATEBLOB, req, sizeof(req), NULL, 0),
                      TPM_BAD_PARAMETER);
    put_be32(req + 4, PTM_BLOB_TYPE_PERMANENT);
    put_be32(req + 8, 0);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_STATEBLOB, req, 12, NULL, 0),
                      TPM_BAD_PARAMETER);
    /* A length over the limit: answered, connection closed. */
    put_be32(req + 8, 0x7fffffff);
    fd = connect_ctrl();
    ck_assert_uint_eq(ctrl_cmd_on(fd, CMD_SET_STATEBLOB, req, sizeof(req),
                                  NULL, 0), TPM_FAIL);
    ck_assert(closed_by_peer(fd));
    close(fd);
    /* A length that lies (more than is sent): answered at the deadline. */
    put_be32(req + 8, 1000);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_STATEBLOB, req, sizeof(req), NULL, 0),
                      TPM_BAD_PARAMETER);
    after = image_bytes();
    ck_assert(g_bytes_equal(before, after));

    /* The same TPM comes back. */
    ck_assert_uint_eq(ctrl_cmd(CMD_INIT, "\0\0\0\0", 4, NULL, 0), 0);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_LOCALITY, "\x00", 1, NULL, 0), 0);
    ck_assert_uint_eq(tpm_cmd(vtpm_cmd_startup_clear,
                              sizeof(vtpm_cmd_startup_clear)), 0);
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_readpublic), 0);
}
END_TEST

/* GET_STATEBLOB, then SET_STATEBLOB of the same bytes: accepted. */
START_TEST(test_ctrl_stateblob_roundtrip)
{
    uint8_t req[12] = { 0 }, hdr[12];
    g_autofree uint8_t *blob = NULL, *set = NULL;
    uint32_t len;
    int fd;

    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_define), 0);
    put_be32(req + 4, PTM_BLOB_TYPE_PERMANENT);
    fd = connect_ctrl();
    ck_assert_uint_eq(ctrl_cmd_on(fd, CMD_GET_STATEBLOB, req, 12, hdr, 12),
                      0);
    len = vtpm_be32(hdr + 8);
    ck_assert_uint_gt(len, 1000);
    blob = g_malloc(len);
    ck_assert_uint_eq(recv_all(fd, blob, len), len);
    close(fd);
    ck_assert_uint_eq(ctrl_cmd(CMD_STOP, NULL, 0, NULL, 0), 0);
    set = g_malloc(12 + len);
    memset(set, 0, 12);
    put_be32(set + 4, PTM_BLOB_TYPE_PERMANENT);
    put_be32(set + 8, len);
    memcpy(set + 12, blob, len);
    ck_assert_uint_eq(ctrl_cmd(CMD_SET_STATEBLOB, set, 12 + len, NULL, 0), 0);
    ck_assert(log_has("CMD_SET_STATEBLOB permall"));
    ck_assert_uint_eq(ctrl_cmd(CMD_INIT, "\0\0\0\0", 4, NULL, 0), 0);
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_readpublic),
                      0x100 /* TPM_RC_INITIALIZE: needs Startup */);
}
END_TEST

/* SET_DATAFD: the data channel is a socket passed over the Unix socket. */
START_TEST(test_ctrl_set_datafd)
{
    int sv[2], fd = connect_ctrl(), fd2;
    uint8_t code[4], res[4];
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = { .iov_base = code, .iov_len = 4 };
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = cbuf,
                          .msg_controllen = sizeof(cbuf) };
    struct cmsghdr *c;

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
                     0);
    /* Without a descriptor: refused. */
    ck_assert_uint_eq(ctrl_cmd_on(fd, CMD_SET_DATAFD, NULL, 0, NULL, 0),
                      TPM_BAD_PARAMETER);
    put_be32(code, CMD_SET_DATAFD);
    memset(cbuf, 0, sizeof(cbuf));
    c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &sv[1], sizeof(int));
    ck_assert_int_eq(sendmsg(fd, &msg, 0), 4);
    close(sv[1]);
    ck_assert_uint_eq(recv_all(fd, res, 4), 4);
    ck_assert_uint_eq(vtpm_be32(res), 0);
    ck_assert_uint_eq(tpm_cmd_on(sv[0], vtpm_cmd_get_random,
                                 sizeof(vtpm_cmd_get_random),
                                 NULL, 0), 0);
    /* A second one while the first is in use: TPM_IOERROR, as swtpm. */
    fd2 = dup(sv[0]);
    memcpy(CMSG_DATA(c), &fd2, sizeof(int));
    ck_assert_int_eq(sendmsg(fd, &msg, 0), 4);
    ck_assert_uint_eq(recv_all(fd, res, 4), 4);
    ck_assert_uint_eq(vtpm_be32(res), TPM_IOERROR);
    close(fd2);
    ck_assert_uint_eq(tpm_cmd_on(sv[0], vtpm_cmd_get_random,
                                 sizeof(vtpm_cmd_get_random),
                                 NULL, 0), 0);
    close(sv[0]);
    close(fd);
}
END_TEST

/* Framing errors on the data channel get TPM_RC_COMMAND_SIZE and the
 * connection is closed; the next client is served. */
static void check_refused_command(const uint8_t *cmd, size_t len)
{
    int fd = connect_data();
    uint8_t rsp[10];

    send_all(fd, cmd, len);
    ck_assert_uint_eq(recv_all(fd, rsp, 10), 10);
    ck_assert_uint_eq(vtpm_be32(rsp + 6), RC_COMMAND_SIZE);
    ck_assert(closed_by_peer(fd));
    close(fd);
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_get_random), 0);
}

START_TEST(test_data_bad_framing)
{
    g_autoptr(GBytes) before = NULL, after = NULL;
    uint8_t cmd[64];
    int fd;

    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_define), 0);
    before = image_bytes();
    /* size below the header */
    memcpy(cmd, vtpm_cmd_get_random, sizeof(vtpm_cmd_get_random));
    put_be32(cmd + 2, 6);
    check_refused_command(cmd, 10);
    /* size over the buffer (4096) */
    put_be32(cmd + 2, 100000);
    check_refused_command(cmd, 12);
    /* size says more than is sent: answered at the deadline */
    put_be32(cmd + 2, 40);
    check_refused_command(cmd, 12);
    /* an incomplete header */
    check_refused_command(cmd, 5);
    /* a client that disconnects mid-command: dropped, nothing run */
    fd = connect_data();
    send_all(fd, vtpm_cmd_nv_define, 20);
    close(fd);
    /* garbage of a valid length: an error code from the TPM, not
     * failure mode */
    for (size_t i = 10; i < sizeof(cmd); i++) {
        cmd[i] = (uint8_t)(i * 37);
    }
    put_be32(cmd + 2, sizeof(cmd));
    put_be32(cmd + 6, 0x0000012a);
    {
        uint32_t rc = tpm_cmd(cmd, sizeof(cmd));
        ck_assert_uint_ne(rc, 0);
        ck_assert_uint_ne(rc, 0x101);
    }
    /* the lying length field with extra bytes after a whole command:
     * they are the next command, refused by the TPM */
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_get_random), 0);
    after = image_bytes();
    ck_assert(g_bytes_equal(before, after));
    ck_assert_uint_eq(TPM_CMD(vtpm_cmd_nv_readpublic), 0);
    /* A state-changing command commits permall, mirrored: two copies,
     * one flush each; a read-only command writes nothing. */
    ck_assert(log_has("TPM2_CC_GetRandom -> 0x000 TPM2_RC_SUCCESS "
                      "(flushes 0, bytes written 0)"));
    ck_assert(log_has("TPM2_CC_NV_DefineSpace -> 0x000 TPM2_RC_SUCCESS "
                      "(flushes 2, bytes written "));
    ck_assert(!log_has("flushes 3"));
    ck_assert(log_has("client disconnected"));
}
END_TEST

/* CMD_SHUTDOWN ends the daemon after its response. */
START_TEST(test_ctrl_shutdown)
{
    int status;

    ck_assert_uint_eq(ctrl_cmd(CMD_SHUTDOWN, NULL, 0, NULL, 0), 0);
    ck_assert(wait_exit(&status));
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    vtpm_pid = 0;
    ck_assert(log_has("CMD_SHUTDOWN -> 0x0"));
}
END_TEST

static Suite *vtpm_protocol_suite(void)
{
    Suite *s = suite_create("vtpm-protocol");
    TCase *tc = tcase_create("channels");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_ctrl_capabilities_and_unknown);
    tcase_add_test(tc, test_ctrl_truncated);
    tcase_add_test(tc, test_ctrl_stateblob_garbage);
    tcase_add_test(tc, test_ctrl_stateblob_roundtrip);
    tcase_add_test(tc, test_ctrl_set_datafd);
    tcase_add_test(tc, test_data_bad_framing);
    tcase_add_test(tc, test_ctrl_shutdown);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    return check_run_suite(vtpm_protocol_suite());
}
