/*
 * tools/vtpm.c: a TPM 2.0 or 1.2 (libtpms) whose state lives in a vNVRAM image,
 * with swtpm's socket interface and option names (docs/vtpm.md).
 *
 *   vtpm socket [--tpm2] --tpmstate dir=DIR|backend-uri=file://IMAGE
 *        [--server type=tcp,port=P[,bindaddr=A] | type=unixio,path=S]
 *        [--ctrl type=tcp,port=P2 | type=unixio,path=S2]
 *        [--flags not-need-init,startup-clear] [--pid file=F]
 *        [--log file=F[,level=N]] [--key file=F[,format=hex|binary]
 *        | --key pwdfile=F[,kdf=pbkdf2|sha512]]
 *        [--daemon]
 *
 * Option parsing and process plumbing only: the TPM is tpm/vtpm-device.c,
 * its storage tpm/vtpm-store.c, the channels tpm/vtpm-server.c.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "tpm/vtpm-device.h"
#include "tpm/vtpm-log.h"
#include "tpm/vtpm-options.h"
#include "tpm/vtpm-server.h"
#include "tpm/vtpm-store.h"

static const char *prog = "vtpm";

static void usage(FILE *f)
{
    fprintf(f,
"Usage: %s socket [--tpm2] --tpmstate dir=DIR|backend-uri=file://IMAGE\n"
"            [--server type=tcp,port=P[,bindaddr=A] | type=unixio,path=S]\n"
"            [--ctrl type=tcp,port=P | type=unixio,path=S]\n"
"            [--flags not-need-init,startup-clear] [--pid file=F]\n"
"            [--log file=F[,level=N]] [--key file=F[,format=hex|binary]\n"
"            | --key pwdfile=F[,kdf=pbkdf2|sha512]] [--daemon]\n"
"       %s --version\n"
"A TPM 2.0 (--tpm2) or 1.2 (libtpms) with swtpm's socket interface whose\n"
"state is kept in a crash-safe vNVRAM image. With dir=DIR the image\n"
"DIR/%s (TPM 1.2: DIR/%s) is created at the first start;\n"
"backend-uri= needs an image made by\n"
"'vnvram create IMAGE --profile tpm2|tpm12'; IMAGE may also be an NBD URI\n"
"(backend-uri=nbd+unix:///?socket=S: a qcow2 image through qemu-nbd).\n"
"An existing image that is not healthy is never formatted: vtpm refuses\n"
"to start and says why.\n",
            prog, prog, VTPM_STATE_FILE, VTPM12_STATE_FILE);
}

static void print_version(void)
{
    printf("%s (%s) %s\n", prog, PACKAGE_NAME, PACKAGE_VERSION);
}

static G_GNUC_PRINTF(1, 2) int fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

static int fail_err(Error *err)
{
    fail("%s", error_get_pretty(err));
    error_free(err);
    return 1;
}

/*
 * Write our pid to @path: a regular file, or a new one, through a temporary
 * file and a rename; anything else (a device, a FIFO, a symbolic link) is
 * written through, since a rename would replace the node itself.
 */
static bool write_pid_file(const char *path, Error **errp)
{
    g_autofree char *text = g_strdup_printf("%d\n", (int)getpid());
    g_autoptr(GError) gerr = NULL;
    size_t len = strlen(text);
    struct stat st;
    int fd;

    if (lstat(path, &st) < 0 || S_ISREG(st.st_mode)) {
        if (!g_file_set_contents(path, text, -1, &gerr)) {
            error_setg(errp, "--pid: %s", gerr->message);
            return false;
        }
        return true;
    }
    fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) {
        error_setg_errno(errp, errno, "--pid: cannot open %s", path);
        return false;
    }
    /* A pid line is far below PIPE_BUF: one write or none. */
    if (write(fd, text, len) != (ssize_t)len) {
        error_setg_errno(errp, errno ? errno : EIO, "--pid: cannot write %s",
                         path);
        close(fd);
        return false;
    }
    if (close(fd) < 0) {
        error_setg_errno(errp, errno, "--pid: cannot write %s", path);
        return false;
    }
    return true;
}

/* Flush what --help or --version printed: 0, or 2 if it was not written. */
static int stdout_status(void)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "%s: writing to standard output: %s\n", prog,
                strerror(errno));
        return 2;
    }
    return 0;
}

/*
 * Detach (--daemon): the parent exits 0 once the child is serving, or
 * with the child's status if it failed before that. Returns, in the
 * child, the pipe to write the ready byte to.
 */
static int daemonize(void)
{
    int pfd[2];
    pid_t pid;
    char c;

    if (pipe2(pfd, O_CLOEXEC) < 0) {
        exit(fail("pipe: %s", strerror(errno)));
    }
    pid = fork();
    if (pid < 0) {
        exit(fail("fork: %s", strerror(errno)));
    }
    if (pid > 0) {
        int status = 0;

        close(pfd[1]);
        if (read(pfd[0], &c, 1) == 1 && c == 0) {
            _exit(0);
        }
        /* The child failed before serving: its status is ours. */
        waitpid(pid, &status, 0);
        _exit(WIFEXITED(status) && WEXITSTATUS(status) ? WEXITSTATUS(status)
                                                        : 1);
    }
    close(pfd[0]);
    setsid();
    return pfd[1];
}

static void detach_stdio(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
}

enum {
    OPT_TPM2 = 256, OPT_TPMSTATE, OPT_SERVER, OPT_CTRL, OPT_FLAGS, OPT_PID,
    OPT_LOG, OPT_KEY, OPT_DAEMON, OPT_HELP, OPT_VERSION,
};

static const struct option long_options[] = {
    { "tpm2", no_argument, NULL, OPT_TPM2 },
    { "tpmstate", required_argument, NULL, OPT_TPMSTATE },
    { "server", required_argument, NULL, OPT_SERVER },
    { "ctrl", required_argument, NULL, OPT_CTRL },
    { "flags", required_argument, NULL, OPT_FLAGS },
    { "pid", required_argument, NULL, OPT_PID },
    { "log", required_argument, NULL, OPT_LOG },
    { "key", required_argument, NULL, OPT_KEY },
    { "daemon", no_argument, NULL, OPT_DAEMON },
    { "help", no_argument, NULL, OPT_HELP },
    { "version", no_argument, NULL, OPT_VERSION },
    { NULL, 0, NULL, 0 },
};

typedef struct Options {
    bool tpm2, daemon, have_key;
    VTPMStateOption state;
    VTPMEndpoint server, ctrl;
    VTPMFlags flags;
    char *pid_file, *log_file;
    unsigned log_level;
    uint8_t key[NVRAM_KEY_SIZE];
} Options;

static int parse_options(int argc, char **argv, Options *o)
{
    Error *err = NULL;
    int c;

    if (argc < 2 || strcmp(argv[1], "socket") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 ||
                          strcmp(argv[1], "-h") == 0)) {
            usage(stdout);
            exit(stdout_status());
        }
        if (argc >= 2 && strcmp(argv[1], "--version") == 0) {
            print_version();
            exit(stdout_status());
        }
        fail("the first argument must be 'socket' (try --help)");
        return 2;
    }
    optind = 2;
    opterr = 0;     /* getopt's own messages take two lines: ours take one */
    while ((c = getopt_long(argc, argv, ":h", long_options, NULL)) != -1) {
        bool ok = true;

        switch (c) {
        case OPT_TPM2: o->tpm2 = true; break;
        case OPT_DAEMON: o->daemon = true; break;
        case OPT_TPMSTATE:
            ok = vtpm_parse_tpmstate(optarg, &o->state, &err);
            break;
        case OPT_SERVER:
            ok = vtpm_endpoint_parse(optarg, &o->server, &err);
            break;
        case OPT_CTRL:
            ok = vtpm_endpoint_parse(optarg, &o->ctrl, &err);
            break;
        case OPT_FLAGS: ok = vtpm_parse_flags(optarg, &o->flags, &err); break;
        case OPT_PID: ok = vtpm_parse_pid(optarg, &o->pid_file, &err); break;
        case OPT_LOG:
            ok = vtpm_parse_log(optarg, &o->log_file, &o->log_level, &err);
            break;
        case OPT_KEY:
            ok = o->have_key = vtpm_parse_key(optarg, o->key, &err);
            break;
        case OPT_HELP:
        case 'h':
            usage(stdout);
            exit(stdout_status());
        case OPT_VERSION:
            print_version();
            exit(stdout_status());
        case ':':
            fail("option '%s' needs a value (try --help)", argv[optind - 1]);
            return 2;
        default:
            fail("unknown option '%s' (try --help)", argv[optind - 1]);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "%s: %s (try --help)\n", prog,
                    error_get_pretty(err));
            error_free(err);
            return 2;
        }
    }
    if (optind < argc) {
        fail("unexpected argument '%s' (try --help)", argv[optind]);
        return 2;
    }
    if (!o->tpm2) {
        vtpm_tpmstate_use_tpm12(&o->state);
    }
    if (!o->state.path) {
        fail("--tpmstate dir=DIR or backend-uri=file://IMAGE is needed "
             "(try --help)");
        return 2;
    }
    if (o->server.type == VTPM_ENDPOINT_NONE &&
        o->ctrl.type == VTPM_ENDPOINT_NONE) {
        fail("give --server and/or --ctrl (try --help)");
        return 2;
    }
    return 0;
}

static void free_options(Options *o)
{
    vtpm_endpoint_clear(&o->server);
    vtpm_endpoint_clear(&o->ctrl);
    g_free(o->state.path);
    g_free(o->pid_file);
    g_free(o->log_file);
    memset(o->key, 0, sizeof(o->key));
}

int main(int argc, char **argv)
{
    Options o = { 0 };
    VTPMStoreConfig cfg;
    VTPMServer *server = NULL;
    Error *err = NULL;
    bool store_open = false;
    int ready_fd = -1, rc;

    vtpm_server_block_signals();
    rc = parse_options(argc, argv, &o);
    if (rc) {
        free_options(&o);
        return rc;
    }
    if (o.log_file && !vtpm_log_open(o.log_file, o.log_level, &err)) {
        rc = fail_err(err);
        goto out;
    }
    /* Until it serves, a failure is told once, by fail_err() on stderr. */
    vtpm_log_errors_to_stderr(false);
    /* Detach first: the image's worker thread must start in the process
     * that serves it. The child reports errors on the inherited stderr
     * until it is ready. */
    if (o.daemon) {
        ready_fd = daemonize();
    }
    cfg = (VTPMStoreConfig){
        .version = o.tpm2 ? VTPM_VERSION_2 : VTPM_VERSION_1_2,
        .path = o.state.path,
        .create = o.state.create,
        .key = o.have_key ? o.key : NULL,
        .key_len = o.have_key ? NVRAM_KEY_SIZE : 0,
    };
    if (!vtpm_device_setup(cfg.version, &err) ||
        !(store_open = vtpm_store_open(&cfg, &err))) {
        vtpm_log(1, "not started: %s", error_get_pretty(err));
        rc = fail_err(err);
        goto out;
    }
    memset(o.key, 0, sizeof(o.key));
    server = vtpm_server_new(&o.server, &o.ctrl, o.have_key, &err);
    if (!server) {
        rc = fail_err(err);
        goto out;
    }
    if (o.flags.not_need_init &&
        (!vtpm_device_init(false, &err) ||
         (o.flags.startup_clear && !vtpm_device_startup_clear(&err)))) {
        vtpm_log_error("%s", error_get_pretty(err));
        rc = fail_err(err);
        goto out;
    }
    if (o.pid_file && !write_pid_file(o.pid_file, &err)) {
        rc = fail_err(err);
        goto out;
    }
    vtpm_log(1, "serving the TPM image %s", o.state.path);
    vtpm_log_errors_to_stderr(true);
    if (ready_fd >= 0) {
        char ok = 0;

        detach_stdio();
        if (write(ready_fd, &ok, 1) != 1) {
            rc = 1;
            goto out;
        }
        close(ready_fd);
        ready_fd = -1;
    }
    if (!vtpm_server_run(server, &err)) {
        rc = fail_err(err);
    }
out:
    vtpm_device_stop();
    vtpm_server_free(server);
    if (store_open && !vtpm_store_close() && rc == 0) {
        rc = fail("an I/O error hit the TPM image %s during the run",
                  o.state.path);
    }
    if (rc == 0) {
        vtpm_log(1, "stopped");
    }
    vtpm_log_close();
    free_options(&o);
    return rc;
}
