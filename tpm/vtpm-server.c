/*
 * tpm/vtpm-server.c: the sockets and the serving loop (see vtpm-server.h).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "tpm/vtpm-ctrl.h"
#include "tpm/vtpm-device.h"
#include "tpm/vtpm-log.h"
#include "tpm/vtpm-server.h"

#define TPM2_RC_COMMAND_SIZE 0x142
#define MAX_CONNS 16
/* The first read of a control request (larger requests read on). */
#define CTRL_FIRST_READ 8192

typedef enum ConnKind { CONN_DATA, CONN_CTRL } ConnKind;

typedef struct Conn {
    int fd;
    ConnKind kind;
    bool from_datafd;    /* the data socket of CMD_SET_DATAFD */
} Conn;

struct VTPMServer {
    int data_listen;
    int ctrl_listen;
    char *data_path;     /* Unix socket files to remove at the end */
    char *ctrl_path;
    int sig_fd;
    sigset_t old_mask;
    Conn conns[MAX_CONNS];
    int n_conns;
    VTPMCtrl ctrl;
    uint8_t *cmd;        /* one TPM command */
    uint32_t cmd_size;
};

static int listen_tcp(const VTPMEndpoint *ep, Error **errp)
{
    struct addrinfo hints = {
        .ai_family = AF_UNSPEC,
        .ai_socktype = SOCK_STREAM,
        .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV | AI_PASSIVE,
    };
    struct addrinfo *res;
    const char *addr = ep->bindaddr ? ep->bindaddr : "127.0.0.1";
    char port[16];
    int fd, one = 1, rc;

    snprintf(port, sizeof(port), "%d", ep->port);
    rc = getaddrinfo(addr, port, &hints, &res);
    if (rc != 0) {
        error_setg(errp, "bad bind address '%s': %s", addr, gai_strerror(rc));
        return -1;
    }
    fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
        bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 8) < 0) {
        error_setg(errp, "cannot listen on %s port %d: %s", addr, ep->port,
                   strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        freeaddrinfo(res);
        return -1;
    }
    freeaddrinfo(res);
    return fd;
}

static int listen_unix(const VTPMEndpoint *ep, Error **errp)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    struct stat sb;
    int fd;

    /* Replace a stale socket file, never anything else. */
    if (lstat(ep->path, &sb) == 0 && S_ISSOCK(sb.st_mode)) {
        unlink(ep->path);
    }
    strcpy(sa.sun_path, ep->path);     /* length checked by the parser */
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, 8) < 0) {
        error_setg(errp, "cannot listen on %s: %s", ep->path,
                   strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -1;
    }
    return fd;
}

static int listen_endpoint(const VTPMEndpoint *ep, char **path, Error **errp)
{
    switch (ep->type) {
    case VTPM_ENDPOINT_TCP:
        return listen_tcp(ep, errp);
    case VTPM_ENDPOINT_UNIX:
        *path = g_strdup(ep->path);
        return listen_unix(ep, errp);
    default:
        return -1;
    }
}

static void stop_signals(sigset_t *mask)
{
    sigemptyset(mask);
    sigaddset(mask, SIGTERM);
    sigaddset(mask, SIGINT);
    sigaddset(mask, SIGHUP);
}

void vtpm_server_block_signals(void)
{
    sigset_t mask;

    stop_signals(&mask);
    pthread_sigmask(SIG_BLOCK, &mask, NULL);
}

VTPMServer *vtpm_server_new(const VTPMEndpoint *data,
                            const VTPMEndpoint *ctrl, bool has_key,
                            Error **errp)
{
    VTPMServer *s = g_new0(VTPMServer, 1);
    sigset_t mask;
    uint32_t min_size, max_size;

    s->data_listen = s->ctrl_listen = s->sig_fd = -1;
    s->ctrl.has_key = has_key;
    s->ctrl.new_data_fd = -1;
    if (data->type != VTPM_ENDPOINT_NONE &&
        (s->data_listen = listen_endpoint(data, &s->data_path, errp)) < 0) {
        goto fail;
    }
    if (ctrl->type != VTPM_ENDPOINT_NONE &&
        (s->ctrl_listen = listen_endpoint(ctrl, &s->ctrl_path, errp)) < 0) {
        goto fail;
    }
    stop_signals(&mask);
    pthread_sigmask(SIG_BLOCK, &mask, &s->old_mask);
    s->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC);
    if (s->sig_fd < 0) {
        error_setg(errp, "signalfd: %s", strerror(errno));
        goto fail;
    }
    signal(SIGPIPE, SIG_IGN);
    vtpm_device_buffer_size(0, &min_size, &max_size);
    s->cmd = g_malloc(max_size);
    return s;

fail:
    vtpm_server_free(s);
    return NULL;
}

void vtpm_server_free(VTPMServer *s)
{
    if (!s) {
        return;
    }
    for (int i = 0; i < s->n_conns; i++) {
        close(s->conns[i].fd);
    }
    if (s->data_listen >= 0) {
        close(s->data_listen);
    }
    if (s->ctrl_listen >= 0) {
        close(s->ctrl_listen);
    }
    if (s->data_path) {
        unlink(s->data_path);
    }
    if (s->ctrl_path) {
        unlink(s->ctrl_path);
    }
    if (s->sig_fd >= 0) {
        close(s->sig_fd);
        pthread_sigmask(SIG_SETMASK, &s->old_mask, NULL);
    }
    if (s->ctrl.new_data_fd >= 0) {
        close(s->ctrl.new_data_fd);
    }
    g_free(s->data_path);
    g_free(s->ctrl_path);
    g_free(s->cmd);
    g_free(s);
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Read into @buf until *@have reaches @want, waiting at most until
 * @deadline (ms, CLOCK_MONOTONIC). Returns 1 when complete, 0 at end of
 * stream, -1 on timeout or error (errno ETIMEDOUT for a timeout).
 */
static int read_until(int fd, uint8_t *buf, size_t want, size_t *have,
                      int64_t deadline)
{
    while (*have < want) {
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int64_t left;
        ssize_t n;
        int rc;

        /*
         * What has arrived is taken without waiting: the main loop's poll
         * found the connection readable, and a client sends a command in
         * one piece, so the common case costs one recv() per read and no
         * poll() (as in swtpm, which reads without polling again).
         */
        n = recv(fd, buf + *have, want - *have, MSG_DONTWAIT);
        if (n > 0) {
            *have += n;
            continue;
        }
        if (n == 0) {
            return 0;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR &&
            errno != ENOTSOCK) {
            return -1;
        }
        left = deadline - now_ms();
        if (left <= 0) {
            errno = ETIMEDOUT;
            return -1;
        }
        rc = poll(&pfd, 1, (int)left);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            continue;
        }
        n = read(fd, buf + *have, want - *have);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            continue;
        }
        if (n < 0) {
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        *have += n;
    }
    return 1;
}

static bool write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

        if (n < 0 && errno == ENOTSOCK) {
            n = write(fd, buf, len);
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            vtpm_log_error("cannot send a response: %s", strerror(errno));
            return false;
        }
        buf += n;
        len -= n;
    }
    return true;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | p[3];
}

/* Answer a framing error on a data connection (it is closed after). */
static void refuse_command(int fd, const char *why, size_t have,
                           uint32_t size)
{
    uint8_t rsp[VTPM_HEADER_SIZE];

    vtpm_log_error("TPM command refused (%s: %zu bytes received, header "
                   "size %u); closing the connection", why, have, size);
    vtpm_device_error_response(rsp, TPM2_RC_COMMAND_SIZE);
    write_all(fd, rsp, sizeof(rsp));
}

/* One TPM command on a data connection; false: close the connection. */
static bool serve_data(VTPMServer *s, int fd)
{
    uint32_t min_size, max_size, size;
    int64_t deadline = now_ms() + VTPM_SERVER_READ_TIMEOUT_MS;
    const uint8_t *rsp;
    uint32_t rsp_len;
    size_t have = 0;
    int rc;

    max_size = vtpm_device_buffer_size(0, &min_size, &max_size);
    rc = read_until(fd, s->cmd, VTPM_HEADER_SIZE, &have, deadline);
    if (rc == 0 && have == 0) {
        return false;                       /* orderly close */
    }
    if (rc <= 0) {
        vtpm_log_error("TPM command dropped: %s after %zu bytes of its "
                       "header", rc == 0 ? "client disconnected"
                       : strerror(errno), have);
        if (rc < 0 && errno == ETIMEDOUT) {
            refuse_command(fd, "incomplete header", have, 0);
        }
        return false;
    }
    size = get_be32(s->cmd + 2);
    if (size < VTPM_HEADER_SIZE || size > max_size) {
        refuse_command(fd, size < VTPM_HEADER_SIZE ? "size below 10"
                       : "size over the buffer size", have, size);
        return false;
    }
    rc = read_until(fd, s->cmd, size, &have, deadline);
    if (rc == 0) {
        vtpm_log_error("TPM command dropped: client disconnected after %zu "
                       "of %u bytes", have, size);
        return false;
    }
    if (rc < 0) {
        refuse_command(fd, errno == ETIMEDOUT ? "shorter than its header "
                       "says" : strerror(errno), have, size);
        return false;
    }
    vtpm_device_process(s->cmd, size, &rsp, &rsp_len);
    return write_all(fd, rsp, rsp_len);
}

/* Receive the first part of a control request and a passed descriptor. */
static ssize_t recv_with_fd(int fd, uint8_t *buf, size_t len, int *passed)
{
    union {
        char buf[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    ssize_t n;

    *passed = -1;
    do {
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno == ENOTSOCK) {
        return read(fd, buf, len);
    }
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); n >= 0 && c;
         c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len >= CMSG_LEN(sizeof(int))) {
            int nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            int *fds = (int *)CMSG_DATA(c);

            for (int i = 0; i < nfds; i++) {
                if (*passed < 0) {
                    *passed = fds[i];
                } else {
                    close(fds[i]);
                }
            }
        }
    }
    return n;
}

static void add_conn(VTPMServer *s, int fd, ConnKind kind, bool from_datafd)
{
    if (s->n_conns == MAX_CONNS) {
        vtpm_log_error("too many connections (%d); refusing one",
                       MAX_CONNS);
        close(fd);
        return;
    }
    s->conns[s->n_conns++] = (Conn){ .fd = fd, .kind = kind,
                                     .from_datafd = from_datafd };
}

static void drop_conn(VTPMServer *s, int i)
{
    if (s->conns[i].from_datafd) {
        s->ctrl.data_fd_in_use = false;
    }
    close(s->conns[i].fd);
    s->conns[i] = s->conns[--s->n_conns];
}

/* One control request; false: close the connection. */
static bool serve_ctrl(VTPMServer *s, int fd)
{
    g_autoptr(GByteArray) rsp = g_byte_array_new();
    int64_t deadline = now_ms() + VTPM_SERVER_READ_TIMEOUT_MS;
    uint8_t *buf = g_malloc(CTRL_FIRST_READ);
    size_t have, need, cap = CTRL_FIRST_READ;
    int passed, rc = 1;
    ssize_t n;
    bool keep;

    n = recv_with_fd(fd, buf, cap, &passed);
    if (n <= 0) {
        if (passed >= 0) {
            close(passed);
        }
        g_free(buf);
        return false;
    }
    have = n;
    /* The size is known in steps (code, then a length field). */
    while ((need = vtpm_ctrl_request_size(buf, have)) > have) {
        if (need > cap) {
            cap = need;
            buf = g_realloc(buf, cap);
        }
        rc = read_until(fd, buf, need, &have, deadline);
        if (rc <= 0) {
            vtpm_log_error("control request incomplete (%zu of %zu bytes): "
                           "%s", have, need, rc == 0 ? "client disconnected"
                           : strerror(errno));
            break;
        }
    }
    /* Answered even when the peer stopped sending (it may have only shut
     * down its write side); the connection is then closed. */
    keep = vtpm_ctrl_handle(&s->ctrl, buf, have, &passed, rsp) && rc > 0;
    keep = write_all(fd, rsp->data, rsp->len) && keep;
    if (passed >= 0) {
        close(passed);
    }
    if (s->ctrl.new_data_fd >= 0) {
        add_conn(s, s->ctrl.new_data_fd, CONN_DATA, true);
        s->ctrl.data_fd_in_use = true;
        s->ctrl.new_data_fd = -1;
    }
    g_free(buf);
    return keep;
}

static void accept_conn(VTPMServer *s, int listen_fd, ConnKind kind)
{
    int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

    if (fd < 0) {
        if (errno != EINTR && errno != EAGAIN) {
            vtpm_log_error("accept: %s", strerror(errno));
        }
        return;
    }
    add_conn(s, fd, kind, false);
}

bool vtpm_server_run(VTPMServer *s, Error **errp)
{
    while (!s->ctrl.terminate) {
        struct pollfd pfds[MAX_CONNS + 3];
        int n = 0, base, rc;

        pfds[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
        pfds[n++] = (struct pollfd){ .fd = s->data_listen, .events = POLLIN };
        pfds[n++] = (struct pollfd){ .fd = s->ctrl_listen, .events = POLLIN };
        base = n;
        for (int i = 0; i < s->n_conns; i++) {
            pfds[n++] = (struct pollfd){ .fd = s->conns[i].fd,
                                         .events = POLLIN };
        }
        rc = poll(pfds, n, -1);
        if (rc < 0 && errno == EINTR) {
            continue;
        }
        if (rc < 0) {
            error_setg(errp, "poll: %s", strerror(errno));
            return false;
        }
        if (pfds[0].revents) {
            struct signalfd_siginfo si;

            if (read(s->sig_fd, &si, sizeof(si)) == sizeof(si)) {
                vtpm_log(1, "signal %u: stopping", si.ssi_signo);
            }
            return true;
        }
        /* Connections first, from the last, so that dropping one (which
         * moves the last into its place) leaves the others' indices. */
        for (int i = n - 1; i >= base; i--) {
            Conn *c = &s->conns[i - base];
            bool keep;

            if (!pfds[i].revents) {
                continue;
            }
            keep = c->kind == CONN_DATA ? serve_data(s, c->fd)
                                        : serve_ctrl(s, c->fd);
            if (!keep) {
                drop_conn(s, i - base);
            }
            if (s->ctrl.terminate) {
                return true;
            }
        }
        if (pfds[1].revents & POLLIN) {
            accept_conn(s, s->data_listen, CONN_DATA);
        }
        if (pfds[2].revents & POLLIN) {
            accept_conn(s, s->ctrl_listen, CONN_CTRL);
        }
    }
    return true;
}
