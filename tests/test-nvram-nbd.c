/*
 * The NBD backend against real servers: qemu-nbd on qcow2 and raw images,
 * qemu-storage-daemon with an NBD export, nbdkit (memory and file plugins,
 * error, delay and blocksize-policy filters, TLS), each started by the test
 * on a Unix socket in a temporary directory and stopped by PID. The SIGKILL
 * tests of the server and of the writer over NBD are in test-nvram-kill,
 * the same test as for files.
 */
#include "config.h"

#include <check.h>
#include <fcntl.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "nvram/storage.h"
#include "tests/fault-storage.h"
#include "tests/nbd-server.h"
#include "tests/nvram-writer.h"
#include "tests/check-main.h"

#define WHO "test-nvram-nbd"

/* nbdkit in the foreground on nbd_server_new()'s socket and PID file. */
#define NBDKIT_UNIX "nbdkit", "--foreground", "-P", "@PID@", "--unix", "@SOCK@"

/*** The image: "permall" (the writer's numbered values) and "savestate" ***/

static const NVRAMEntrySpec specs[] = {
    { "permall", NVRAM_WRITER_MAX_VALUE + 64 },
    { "savestate", 4096 },
};

static void format_uri(const char *uri)
{
    Error *err = NULL;
    NVRAMStorage *s = nvram_storage_open(uri, false, false, &err);
    int ret;

    ck_assert_msg(s != NULL, "open %s: %s", uri, error_get_pretty(err));
    ret = nvram_format_storage(s, specs, G_N_ELEMENTS(specs), true, &err);
    ck_assert_msg(ret == 0, "format %s: %s", uri, error_get_pretty(err));
    nvram_storage_close(s);
}

/* A started NVRAM on @uri with "permall" registered on @st; NULL + errp. */
static NVRAM *open_nvram(const char *uri, bool read_only,
                         NVRAMWriterState *st, Error **errp)
{
    NVRAMOptions opts = { .read_only = read_only };
    NVRAMEntryName name;
    NVRAM *nvram = nvram_setup(uri, &opts, errp);

    if (!nvram) {
        return NULL;
    }
    nvram_entry_name_init(&name, "permall", &error_abort);
    ck_assert_int_eq(nvram_register_entry(nvram, &name, nvram_writer_rw, st,
                                          &error_abort), 0);
    if (nvram_start(nvram, true, errp) < 0) {
        nvram_delete(nvram);
        return NULL;
    }
    return nvram;
}

static int commit(NVRAM *nvram, NVRAMWriterState *st, uint64_t number,
                  Error **errp)
{
    NVRAMEntryName name;

    nvram_entry_name_init(&name, "permall", &error_abort);
    st->number = number;
    return nvram_write_data(nvram, &name, 0, NULL, NULL, errp);
}

/* Read "permall" through @nvram: its number, 0 when absent; fails the test
 * on any other error or wrong bytes. */
static int read_permall(NVRAM *nvram, NVRAMWriterState *st, uint64_t *number,
                        Error **errp)
{
    NVRAMEntryName name;
    int ret;

    nvram_entry_name_init(&name, "permall", &error_abort);
    st->valid = false;
    ret = nvram_read_data(nvram, &name, 0, NULL, NULL, errp);
    if (ret == -NVRAM_ERR_ENTRY_ABSENT) {
        error_free(*errp);
        *errp = NULL;
        *number = 0;
        return 0;
    }
    if (ret == 0) {
        ck_assert_msg(st->valid, "value %" PRIu64 " holds wrong bytes",
                      st->number);
        *number = st->number;
    }
    return ret;
}

/* @err is set and its message has @what; frees it (NULL afterwards). */
static void assert_error_has(Error **err, const char *what)
{
    ck_assert_msg(*err && strstr(error_get_pretty(*err), what),
                  "expected an error with \"%s\", got: %s", what,
                  *err ? error_get_pretty(*err) : "no error");
    error_free(*err);
    *err = NULL;
}

/* Format @uri and open a writable NVRAM on it with @st registered. */
static NVRAM *format_and_open(const char *uri, NVRAMWriterState *st)
{
    format_uri(uri);
    return open_nvram(uri, false, st, &error_abort);
}

/* Commit the values @first to @last through @nvram: each must succeed. */
static void commit_range(NVRAM *nvram, NVRAMWriterState *st, uint64_t first,
                         uint64_t last)
{
    for (uint64_t n = first; n <= last; n++) {
        Error *err = NULL;

        ck_assert_msg(commit(nvram, st, n, &err) == 0, "commit %" PRIu64
                      ": %s", n, err ? error_get_pretty(err) : "");
    }
}

/* Format @uri and commit the values @first to @last in one NVRAM. */
static void format_and_commit(const char *uri, uint64_t first, uint64_t last)
{
    NVRAMWriterState st = { 0 };
    NVRAM *nvram = format_and_open(uri, &st);

    commit_range(nvram, &st, first, last);
    ck_assert_int_eq(nvram_delete(nvram), 0);
}

/* The number in "permall" of a fresh NVRAM on @uri. */
static uint64_t read_uri(const char *uri)
{
    NVRAMWriterState st = { 0 };
    Error *err = NULL;
    NVRAM *nvram = open_nvram(uri, true, &st, &err);
    uint64_t number;

    ck_assert_msg(nvram != NULL, "reopen %s: %s", uri, error_get_pretty(err));
    ck_assert_msg(read_permall(nvram, &st, &number, &err) == 0, "read: %s",
                  error_get_pretty(err));
    nvram_delete(nvram);
    return number;
}

/* Every copy of every entry of @uri verifies. */
static void assert_healthy(const char *uri)
{
    NVRAMStorage *s = nvram_storage_open(uri, true, false, &error_abort);
    NVRAMImageInfo *info;
    Error *err = NULL;

    ck_assert_msg(nvram_image_inspect(s, &info, &err) == 0, "inspect: %s",
                  error_get_pretty(err));
    for (size_t i = 0; i < info->n_entries; i++) {
        for (int c = 0; c < 2; c++) {
            ck_assert_msg(info->entries[i].copies[c].valid,
                          "%s: entry %zu copy %d damaged", uri, i, c);
        }
    }
    nvram_image_info_free(info);
    nvram_storage_close(s);
}

/* Run @argv, which must exit 0; returns its output (g_free it). */
static char *run_ok(const char *const *argv)
{
    char *out = NULL;
    int status = nbd_run(argv, &out);

    ck_assert_msg(status == 0, "%s exited with %d: %s", argv[0], status, out);
    return out;
}

static void make_image(NBDServer *srv, const char *fmt, const char *name,
                       const char *size)
{
    g_autofree char *path = nbd_server_path(srv, name);
    const char *argv[] = { "qemu-img", "create", "-q", "-f", fmt, path, size,
                           NULL };

    g_free(run_ok(argv));
}

/* qemu-img check of the image @name of @srv (stopped) is clean. */
static void assert_qemu_img_clean(NBDServer *srv, const char *name)
{
    g_autofree char *path = nbd_server_path(srv, name);
    const char *argv[] = { "qemu-img", "check", "-q", path, NULL };
    g_autofree char *out = NULL;
    int status = nbd_run(argv, &out);

    ck_assert_msg(status == 0, "qemu-img check %s: status %d: %s", name,
                  status, out);
}

/* Create the (empty) trigger file @name in @srv's directory; its path. */
static char *touch(NBDServer *srv, const char *name)
{
    char *path = nbd_server_path(srv, name);

    ck_assert(g_file_set_contents(path, "", 0, NULL));
    return path;
}

static bool have_qemu(void)
{
    return nbd_server_have(WHO, "qemu-nbd", "qemu-utils") &&
           nbd_server_have(WHO, "qemu-img", "qemu-utils");
}

static bool have_nbdkit(void)
{
    return nbd_server_have(WHO, "nbdkit", "nbdkit");
}

/*** Each server ***/

/* Commits, reads, a restart of the server (unless it keeps no data), a
 * read through a connection that broke in between. */
static void exercise(NBDServer *srv, bool persistent)
{
    NVRAMWriterState st = { 0 };
    Error *err = NULL;
    uint64_t number;
    NVRAM *nvram;

    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    for (uint64_t n = 1; n <= 40; n++) {
        ck_assert_msg(commit(nvram, &st, n, &err) == 0, "commit %" PRIu64
                      ": %s", n, error_get_pretty(err));
        if (n % 8 == 0) {
            ck_assert_int_eq(read_permall(nvram, &st, &number, &error_abort),
                             0);
            ck_assert_uint_eq(number, n);
        }
    }
    ck_assert_int_eq(nvram_delete(nvram), 0);
    assert_healthy(srv->uri);
    ck_assert_uint_eq(read_uri(srv->uri), 40);
    if (persistent) {
        nbd_server_stop(srv, SIGTERM);
        nbd_server_start(srv);
        ck_assert_uint_eq(read_uri(srv->uri), 40);
        assert_healthy(srv->uri);
    }
}

/* qemu-nbd on a qcow2 (qemu-img check clean afterwards) and a raw image. */
static const char *const qemu_nbd_formats[] = { "qcow2", "raw" };

START_TEST(test_qemu_nbd)
{
    const char *format = qemu_nbd_formats[_i];
    NBDServer *srv;

    srv = nbd_server_new_qemu_nbd(WHO, format);
    if (!srv) {
        return;
    }
    exercise(srv, true);
    nbd_server_stop(srv, SIGTERM);
    if (strcmp(format, "qcow2") == 0) {
        assert_qemu_img_clean(srv, "vm.qcow2");
    }
    nbd_server_free(srv);
}
END_TEST

START_TEST(test_qemu_storage_daemon)
{
    const char *argv[] = {
        "qemu-storage-daemon", "--pidfile", "@PID@",
        "--blockdev", "driver=file,node-name=file0,filename=@DIR@/vm.qcow2",
        "--blockdev", "driver=qcow2,node-name=disk0,file=file0",
        "--nbd-server", "addr.type=unix,addr.path=@SOCK@,max-connections=1",
        "--export", "type=nbd,id=export0,node-name=disk0,name=tpm,"
        "writable=on",
        NULL,
    };
    NBDServer *srv;

    if (!have_qemu() ||
        !nbd_server_have(WHO, "qemu-storage-daemon", "qemu-system-common")) {
        return;
    }
    srv = nbd_server_new("tpm", argv);
    make_image(srv, "qcow2", "vm.qcow2", "8M");
    exercise(srv, true);
    nbd_server_stop(srv, SIGTERM);
    assert_qemu_img_clean(srv, "vm.qcow2");
    nbd_server_free(srv);
}
END_TEST

START_TEST(test_nbdkit_memory)
{
    const char *argv[] = { NBDKIT_UNIX, "memory", "4M", NULL };
    NBDServer *srv;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    exercise(srv, false);
    nbd_server_free(srv);
}
END_TEST

/*
 * The vnvram tool's verbs take a URI where they take an image path:
 * create, import, export, add, resize, info, check.
 */
START_TEST(test_tool_verbs)
{
    const char *argv[] = { NBDKIT_UNIX, "memory", "2M", NULL };
    const char *top = g_getenv("top_builddir");
    g_autofree char *tool = g_build_filename(top ? top : ".", "tools",
                                             "vnvram", NULL);
    g_autofree char *out = NULL;
    NBDServer *srv;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    nbd_server_start(srv);
    {
        g_autofree char *value = nbd_server_path(srv, "value.der");
        const char *create[] = { tool, "create", srv->uri, "--profile", "tpm2",
                                 NULL };
        const char *info[] = { tool, "info", srv->uri, NULL };
        const char *check[] = { tool, "check", srv->uri, NULL };
        const char *import[] = { tool, "import", srv->uri, "permall", value,
                                 NULL };
        const char *export[] = { tool, "export", srv->uri, "permall", NULL };
        const char *add[] = { tool, "add", srv->uri, "--entry", "extra:4K",
                              NULL };
        const char *resize[] = { tool, "resize", srv->uri, "--entry",
                                 "extra:8K", NULL };
        g_autofree char *exported = NULL;

        g_free(run_ok(create));
        ck_assert(g_file_set_contents(value, "\x04\x03" "abc", 5, NULL));
        g_free(run_ok(import));
        exported = run_ok(export);
        ck_assert_mem_eq(exported, "\x04\x03" "abc", 5);
        g_free(run_ok(add));
        g_free(run_ok(resize));
        out = run_ok(info);
        ck_assert_msg(strstr(out, "permall") && strstr(out, "extra"),
                      "info: %s", out);
        g_free(run_ok(check));
    }
    nbd_server_free(srv);
}
END_TEST

/*** What the server allows ***/

START_TEST(test_read_only_export)
{
    g_autofree char *image = NULL;
    Error *err = NULL;
    NBDServer *srv, *ro;

    srv = nbd_server_new_qemu_nbd(WHO, "raw");
    if (!srv) {
        return;
    }
    nbd_server_start(srv);
    format_and_commit(srv->uri, 7, 7);
    nbd_server_stop(srv, SIGTERM);
    image = nbd_server_path(srv, "vm.raw");
    {
        const char *argv[] = { "qemu-nbd", "--persistent", "--read-only",
                               "--pid-file=@PID@", "--socket=@SOCK@",
                               "--format", "raw", image, NULL };
        ro = nbd_server_new("", argv);
    }
    nbd_server_start(ro);
    ck_assert_ptr_null(nvram_setup(ro->uri, NULL, &err));
    assert_error_has(&err, "read-only");
    ck_assert_uint_eq(read_uri(ro->uri), 7);
    nbd_server_free(ro);
    nbd_server_free(srv);
}
END_TEST

/*
 * A server that takes only whole 512-byte blocks and requests of at most
 * 4 KiB (and fails any other request): every commit length works (read-
 * modify-write of the edges, split requests). A minimum above the copy
 * alignment is refused.
 */
START_TEST(test_block_size_limits)
{
    const char *argv[] = { NBDKIT_UNIX, "--filter=blocksize-policy", "memory",
                           "1M", "blocksize-minimum=512",
                           "blocksize-preferred=4096",
                           "blocksize-maximum=4096",
                           "blocksize-error-policy=error", NULL };
    const char *big[] = { NBDKIT_UNIX, "--filter=blocksize-policy", "memory",
                          "1M", "blocksize-minimum=8192",
                          "blocksize-preferred=8192",
                          "blocksize-maximum=65536",
                          "blocksize-error-policy=error", NULL };
    NVRAMWriterState st = { 0 };
    NBDServer *srv;
    Error *err = NULL;
    uint64_t number;
    NVRAM *nvram;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    for (uint64_t n = 1; n <= 60; n++) {
        ck_assert_msg(commit(nvram, &st, n, &err) == 0, "commit %" PRIu64
                      " (%" PRIu64 " bytes): %s", n,
                      nvram_writer_value_len(n), error_get_pretty(err));
        ck_assert_int_eq(read_permall(nvram, &st, &number, &error_abort), 0);
        ck_assert_uint_eq(number, n);
    }
    nvram_delete(nvram);
    assert_healthy(srv->uri);
    nbd_server_free(srv);

    srv = nbd_server_new("", big);
    nbd_server_start(srv);
    ck_assert_ptr_null(nvram_storage_open(srv->uri, false, false, &err));
    assert_error_has(&err, "minimum block size");
    nbd_server_free(srv);
}
END_TEST

/* TLS with a pre-shared key: nbds+unix works, plain nbd+unix is refused. */
START_TEST(test_tls_psk)
{
    const char *argv[] = { NBDKIT_UNIX, "--tls=require",
                           "--tls-psk=@DIR@/keys.psk", "memory", "1M", NULL };
    g_autofree char *psk = NULL, *uri = NULL;
    Error *err = NULL;
    NBDServer *srv;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    psk = nbd_server_path(srv, "keys.psk");
    ck_assert(g_file_set_contents(psk, "alice:"
                                  "0123456789abcdef0123456789abcdef\n", -1,
                                  NULL));
    nbd_server_start(srv);
    ck_assert_ptr_null(nvram_storage_open(srv->uri, false, false, &err));
    error_free_or_abort(&err);
    uri = g_strdup_printf("nbds+unix://alice@/?socket=%s&tls-psk-file=%s",
                          srv->socket, psk);
    format_and_commit(uri, 3, 3);
    ck_assert_uint_eq(read_uri(uri), 3);
    nbd_server_free(srv);
}
END_TEST

/* A free TCP port on the loopback interface (bound, then released). */
static unsigned free_loopback_port(void)
{
    struct sockaddr_in sa = { .sin_family = AF_INET };
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    ck_assert_int_ge(fd, 0);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* nbd://host:port/export over loopback TCP, to a named export. */
START_TEST(test_tcp_uri)
{
    unsigned port = free_loopback_port();
    g_autofree char *portopt = g_strdup_printf("--port=%u", port);
    const char *argv[] = { "nbdkit", "--foreground", "-P", "@PID@",
                           "--ipaddr=127.0.0.1", portopt,
                           "--filter=exportname", "memory", "1M",
                           "exportname=tpm", "exportname-strict=true", NULL };
    g_autofree char *uri = g_strdup_printf("nbd://127.0.0.1:%u/tpm", port);
    g_autofree char *wrong = g_strdup_printf("nbd://127.0.0.1:%u/other",
                                             port);
    Error *err = NULL;
    NBDServer *srv;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("tpm", argv);
    nbd_server_start(srv);
    format_and_commit(uri, 9, 9);
    ck_assert_uint_eq(read_uri(uri), 9);
    ck_assert_ptr_null(nvram_storage_open(wrong, true, false, &err));
    error_free_or_abort(&err);
    nbd_server_free(srv);
}
END_TEST

/*** Faults ***/

/*
 * nbdkit's error filter fails reads and writes at a rate, switched on by a
 * trigger file once the first value is committed (a first commit that
 * fails between its two copies counts as done). Each failed commit is an
 * error naming the export; a reopened NVRAM holds the last acknowledged
 * value, or the failed one when its write reached the server: never older.
 */
START_TEST(test_error_filter_rate)
{
    const char *argv[] = { NBDKIT_UNIX, "--filter=error", "memory", "1M",
                           "error=EIO", "error-pwrite-rate=15%",
                           "error-pread-rate=5%", "error-file=@DIR@/inject",
                           NULL };
    unsigned write_fails = 0, read_fails = 0, open_fails = 0, commits = 0;
    g_autofree char *inject = NULL;
    NVRAMWriterState st = { 0 };
    uint64_t acked = 1, next = 2;
    NBDServer *srv;
    NVRAM *nvram;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    inject = nbd_server_path(srv, "inject");
    nbd_server_start(srv);
    format_and_commit(srv->uri, 1, 1);
    ck_assert(g_file_set_contents(inject, "", 0, NULL));

    nvram = NULL;
    while (commits < 300) {
        Error *err = NULL;
        uint64_t number;
        int ret;

        if (!nvram) {
            nvram = open_nvram(srv->uri, false, &st, &err);
            if (!nvram) {
                /* the first read of an open may fail too */
                assert_error_has(&err, "NBD export");
                open_fails++;
                continue;
            }
            ret = read_permall(nvram, &st, &number, &err);
            if (ret < 0) {
                /* a failed read fails the NVRAM too: open it again */
                ck_assert_int_eq(ret, -NVRAM_ERR_IO);
                assert_error_has(&err, "read of");
                read_fails++;
                nvram_delete(nvram);
                nvram = NULL;
                continue;
            }
            ck_assert_msg(number == acked || number == next - 1,
                          "after reopening: %" PRIu64 ", acknowledged %"
                          PRIu64, number, acked);
            acked = number;
        }
        ret = commit(nvram, &st, next++, &err);
        commits++;
        if (ret == 0) {
            acked = next - 1;
            continue;
        }
        ck_assert_int_eq(ret, -NVRAM_ERR_IO);
        ck_assert_msg(strstr(error_get_pretty(err), "not written") &&
                      strstr(error_get_pretty(err), "write of"),
                      "%s", error_get_pretty(err));
        error_free(err);
        err = NULL;
        write_fails++;
        /* refused from now on */
        ck_assert_int_eq(commit(nvram, &st, next, &err), -NVRAM_ERR_FAILED);
        error_free(err);
        nvram_delete(nvram);
        nvram = NULL;
        /* the write failed before the memory plugin: exactly the old one */
        next--;
    }
    if (nvram) {
        nvram_delete(nvram);
    }
    g_unlink(inject);
    ck_assert_uint_eq(read_uri(srv->uri), acked);
    assert_healthy(srv->uri);
    printf("error filter: %u commits, %u failed writes, %u failed reads, "
           "%u failed opens\n", commits, write_fails, read_fails, open_fails);
    ck_assert_uint_gt(write_fails, 10);
    ck_assert_uint_gt(read_fails + open_fails, 0);
    nbd_server_free(srv);
}
END_TEST

/*
 * Errors at chosen points: the Nth commit's write (error filter), the Nth
 * commit's flush (nbdkit's error filter has no flush errors: the eval
 * plugin serves a file and fails its flush while a trigger file exists),
 * a read.
 */
START_TEST(test_error_points)
{
    const char *filter[] = { NBDKIT_UNIX, "--filter=error", "memory", "1M",
                             "error=EIO", "error-pwrite-rate=100%",
                             "error-pwrite-file=@DIR@/wfail",
                             "error-pread-rate=100%",
                             "error-pread-file=@DIR@/rfail", NULL };
    const char *eval[] = {
        NBDKIT_UNIX, "eval",
        "get_size=stat -c %s @DIR@/disk",
        "pread=dd if=@DIR@/disk skip=$4 count=$3 iflag=skip_bytes,count_bytes "
        "status=none",
        "pwrite=dd of=@DIR@/disk seek=$4 oflag=seek_bytes conv=notrunc "
        "status=none",
        "can_write=exit 0", "can_flush=exit 0",
        "flush=if [ -e @DIR@/ffail ]; then echo EIO injected >&2; exit 1; fi",
        NULL,
    };
    NVRAMWriterState st = { 0 };
    g_autofree char *trigger = NULL, *disk = NULL;
    Error *err = NULL;
    uint64_t number;
    NBDServer *srv;
    NVRAM *nvram;
    int ret;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", filter);
    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    commit_range(nvram, &st, 1, 5);
    /* a failed read: a clear error, then the next read works */
    trigger = touch(srv, "rfail");
    ret = read_permall(nvram, &st, &number, &err);
    ck_assert_int_eq(ret, -NVRAM_ERR_IO);
    assert_error_has(&err, "read of");
    g_unlink(trigger);
    g_free(trigger);
    ck_assert_int_eq(read_permall(nvram, &st, &number, &error_abort), 0);
    ck_assert_uint_eq(number, 5);
    /* a failed read fails the NVRAM (its policy): writes are refused */
    ck_assert_int_eq(commit(nvram, &st, 6, &err), -NVRAM_ERR_FAILED);
    error_free(err);
    err = NULL;
    nvram_delete(nvram);
    nvram = open_nvram(srv->uri, false, &st, &error_abort);
    /* the 6th commit's write fails: not acknowledged, 5 kept */
    trigger = touch(srv, "wfail");
    ck_assert_int_eq(commit(nvram, &st, 6, &err), -NVRAM_ERR_IO);
    assert_error_has(&err, "not written");
    g_unlink(trigger);
    ck_assert_int_eq(read_permall(nvram, &st, &number, &error_abort), 0);
    ck_assert_uint_eq(number, 5);
    nvram_delete(nvram);
    ck_assert_uint_eq(read_uri(srv->uri), 5);
    nbd_server_free(srv);

    if (!nbd_server_have(WHO, "dd", "coreutils")) {
        return;
    }
    srv = nbd_server_new("", eval);
    disk = nbd_server_path(srv, "disk");
    {
        int fd = open(disk, O_CREAT | O_WRONLY, 0600);

        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 1024 * 1024), 0);
        close(fd);
    }
    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    commit_range(nvram, &st, 1, 3);
    g_free(trigger);
    trigger = touch(srv, "ffail");
    ck_assert_int_eq(commit(nvram, &st, 4, &err), -NVRAM_ERR_IO);
    assert_error_has(&err, "flush failed");
    nvram_delete(nvram);
    g_unlink(trigger);
    /* the write reached the file before the failed flush: 3 or 4 */
    number = read_uri(srv->uri);
    ck_assert_msg(number == 3 || number == 4, "after a failed flush: %"
                  PRIu64, number);
    assert_healthy(srv->uri);
    nbd_server_free(srv);
}
END_TEST

typedef struct Committer {
    NVRAM *nvram;
    NVRAMWriterState *st;
    uint64_t number;
    int ret;
    char *msg;
} Committer;

static gpointer commit_thread(gpointer opaque)
{
    Committer *c = opaque;
    Error *err = NULL;

    c->ret = commit(c->nvram, c->st, c->number, &err);
    c->msg = g_strdup(err ? error_get_pretty(err) : "");
    error_free(err);
    return NULL;
}

/*
 * nbdkit's delay filter holds every write 1.5 s; the server is killed
 * (SIGKILL) while a commit waits: the commit fails at once, is not
 * acknowledged, and the old value is kept. The same NVRAM reports that it
 * cannot reconnect while the server is down, and reads again (through a
 * new connection) once it is back.
 */
START_TEST(test_delay_and_kill_mid_commit)
{
    const char *argv[] = { NBDKIT_UNIX, "--filter=delay", "file", "@DIR@/disk",
                           "delay-write=1500ms", NULL };
    NVRAMWriterState st = { 0 };
    g_autofree char *disk = NULL;
    Committer c = { 0 };
    Error *err = NULL;
    uint64_t number;
    gint64 t0;
    GThread *th;
    NBDServer *srv;
    NVRAM *nvram;

    if (!have_nbdkit()) {
        return;
    }
    srv = nbd_server_new("", argv);
    disk = nbd_server_path(srv, "disk");
    ck_assert(g_file_set_contents(disk, "", 0, NULL));
    ck_assert_int_eq(truncate(disk, 1024 * 1024), 0);
    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    t0 = g_get_monotonic_time();
    ck_assert_int_eq(commit(nvram, &st, 1, &error_abort), 0);
    /* the first write fills both copies: two delayed writes */
    ck_assert_int_ge(g_get_monotonic_time() - t0, 3000 * 1000 - 50000);

    c.nvram = nvram;
    c.st = &st;
    c.number = 2;
    th = g_thread_new("commit", commit_thread, &c);
    g_usleep(300 * 1000);
    t0 = g_get_monotonic_time();
    nbd_server_stop(srv, SIGKILL);
    g_thread_join(th);
    ck_assert_int_lt(g_get_monotonic_time() - t0, 1000 * 1000);
    ck_assert_int_eq(c.ret, -NVRAM_ERR_IO);
    ck_assert_msg(strstr(c.msg, "not written"), "%s", c.msg);
    g_free(c.msg);

    /* down: the read says it cannot reconnect */
    ck_assert_int_eq(read_permall(nvram, &st, &number, &err), -NVRAM_ERR_IO);
    assert_error_has(&err, "reconnecting failed");
    /* back: the same NVRAM reconnects and reads the committed value */
    nbd_server_start(srv);
    ck_assert_int_eq(read_permall(nvram, &st, &number, &error_abort), 0);
    ck_assert_uint_eq(number, 1);
    nvram_delete(nvram);
    ck_assert_uint_eq(read_uri(srv->uri), 1);
    nbd_server_free(srv);
}
END_TEST

/*
 * The storage contract across a lost connection: a write acknowledged by a
 * server that then dies unflushed is never covered by a flush on the new
 * connection (that flush fails); the next write and flush go through the
 * new connection. Also: out-of-range and read-only writes fail before
 * any request, and an export cannot be resized.
 */
START_TEST(test_flush_after_lost_connection)
{
    uint8_t buf[1000], back[1000];
    NVRAMStorage *s;
    Error *err = NULL;
    NBDServer *srv;

    srv = nbd_server_new_qemu_nbd(WHO, "raw");
    if (!srv) {
        return;
    }
    nbd_server_start(srv);
    s = nvram_storage_open(srv->uri, false, false, &error_abort);
    memset(buf, 0x11, sizeof(buf));
    ck_assert(nvram_storage_pwrite(s, buf, sizeof(buf), 5000, &error_abort));
    nbd_server_stop(srv, SIGKILL);
    nbd_server_start(srv);
    ck_assert(!nvram_storage_flush(s, &err));
    assert_error_has(&err, "flush failed");
    /* the loss met by a read: the read after it reconnects, the flush
     * still fails, since the write it should cover went to the old one */
    ck_assert(nvram_storage_pwrite(s, buf, sizeof(buf), 5000, &error_abort));
    nbd_server_stop(srv, SIGKILL);
    nbd_server_start(srv);
    ck_assert(!nvram_storage_pread(s, back, sizeof(back), 5000, &err));
    error_free_or_abort(&err);
    ck_assert(nvram_storage_pread(s, back, sizeof(back), 5000, &error_abort));
    ck_assert(!nvram_storage_flush(s, &err));
    assert_error_has(&err, "connection was lost after writes");
    /* usable again */
    memset(buf, 0x22, sizeof(buf));
    ck_assert(nvram_storage_pwrite(s, buf, sizeof(buf), 5000, &error_abort));
    ck_assert(nvram_storage_flush(s, &error_abort));
    ck_assert(nvram_storage_pread(s, back, sizeof(back), 5000, &error_abort));
    ck_assert_mem_eq(back, buf, sizeof(buf));
    /* writes past the end and to a read-only storage fail, nothing sent */
    ck_assert(!nvram_storage_pwrite(s, buf, sizeof(buf), 8 * 1024 * 1024 - 10,
                                    &err));
    assert_error_has(&err, "past the end");
    nvram_storage_close(s);
    s = nvram_storage_open(srv->uri, true, false, &error_abort);
    ck_assert(!nvram_storage_pwrite(s, buf, sizeof(buf), 0, &err));
    assert_error_has(&err, "read-only");
    ck_assert(!nvram_storage_resize(s, 1 << 24, &err));
    error_free_or_abort(&err);
    nvram_storage_close(s);
    nbd_server_free(srv);
}
END_TEST

/*** qcow2 ***/

/*
 * Thousands of commits (bounded by count and time; QVISIT_SOAK scales
 * them) to a qcow2 image through qemu-nbd: qemu-img check stays clean.
 */
START_TEST(test_qcow2_many_commits)
{
    unsigned scale = fault_test_scale();
    unsigned target = 2000 * scale, done = 0;
    gint64 budget = (gint64)25 * scale * G_USEC_PER_SEC;
    gint64 start = g_get_monotonic_time();
    NVRAMWriterState st = { 0 };
    NBDServer *srv;
    NVRAM *nvram;

    srv = nbd_server_new_qemu_nbd(WHO, "qcow2");
    if (!srv) {
        return;
    }
    nbd_server_start(srv);
    nvram = format_and_open(srv->uri, &st);
    while (done < target && g_get_monotonic_time() - start < budget) {
        done++;
        ck_assert_int_eq(commit(nvram, &st, done, &error_abort), 0);
    }
    nvram_delete(nvram);
    nbd_server_stop(srv, SIGTERM);
    assert_qemu_img_clean(srv, "vm.qcow2");
    nbd_server_start(srv);
    ck_assert_uint_eq(read_uri(srv->uri), done);
    nbd_server_free(srv);
    printf("qcow2: %u commits in %.1f s, qemu-img check clean\n", done,
           (g_get_monotonic_time() - start) / 1e6);
    ck_assert_uint_ge(done, 500);
}
END_TEST

/* Every byte of the export @uri (g_free it); its size in *@size. */
static uint8_t *export_bytes(const char *uri, uint64_t *size)
{
    NVRAMStorage *s = nvram_storage_open(uri, true, false, &error_abort);
    uint8_t *bytes;

    ck_assert(nvram_storage_get_size(s, size, &error_abort));
    bytes = g_malloc(*size);
    ck_assert(nvram_storage_pread(s, bytes, *size, 0, &error_abort));
    nvram_storage_close(s);
    return bytes;
}

/*
 * A qcow2 internal snapshot taken with the NVRAM at value 10 and applied
 * after more commits brings back value 10, with the headers and both
 * copies of every entry exactly as they were at the snapshot (every byte
 * of the export compared).
 */
START_TEST(test_qcow2_snapshot_revert)
{
    NVRAMWriterState st = { 0 };
    g_autofree uint8_t *at_snap = NULL, *reverted = NULL, *later = NULL;
    uint64_t size_snap, size_now;
    g_autofree char *image = NULL;
    NBDServer *srv;
    NVRAM *nvram;

    srv = nbd_server_new_qemu_nbd(WHO, "qcow2");
    if (!srv) {
        return;
    }
    image = nbd_server_path(srv, "vm.qcow2");
    nbd_server_start(srv);
    format_and_commit(srv->uri, 1, 10);
    at_snap = export_bytes(srv->uri, &size_snap);
    nbd_server_stop(srv, SIGTERM);
    {
        const char *snap[] = { "qemu-img", "snapshot", "-c", "tpm-10", image,
                               NULL };
        g_free(run_ok(snap));
    }
    nbd_server_start(srv);
    nvram = open_nvram(srv->uri, false, &st, &error_abort);
    commit_range(nvram, &st, 11, 25);
    nvram_delete(nvram);
    ck_assert_uint_eq(read_uri(srv->uri), 25);
    later = export_bytes(srv->uri, &size_now);
    ck_assert(memcmp(later, at_snap, size_snap) != 0);
    nbd_server_stop(srv, SIGTERM);
    {
        const char *apply[] = { "qemu-img", "snapshot", "-a", "tpm-10", image,
                                NULL };
        g_free(run_ok(apply));
    }
    assert_qemu_img_clean(srv, "vm.qcow2");
    nbd_server_start(srv);
    ck_assert_uint_eq(read_uri(srv->uri), 10);
    assert_healthy(srv->uri);
    reverted = export_bytes(srv->uri, &size_now);
    ck_assert_uint_eq(size_now, size_snap);
    ck_assert_msg(memcmp(reverted, at_snap, size_snap) == 0,
                  "the reverted NVRAM differs from the snapshot's");
    nbd_server_free(srv);
}
END_TEST

/*** A region of a bigger disk ***/

/* The bytes of @path outside [@start, @end) are all @fill. */
static void assert_outside(const char *path, size_t start, size_t end,
                           uint8_t fill)
{
    g_autofree char *data = NULL;
    size_t len;

    ck_assert(g_file_get_contents(path, &data, &len, NULL));
    ck_assert_uint_ge(len, end);
    for (size_t i = 0; i < len; i++) {
        if (i == start) {
            i = end - 1;
        } else if ((uint8_t)data[i] != fill) {
            ck_abort_msg("byte %zu outside the NVRAM region changed", i);
        }
    }
}

static void fill_disk(const char *path, size_t size, uint8_t fill)
{
    g_autofree char *data = g_malloc(size);

    memset(data, fill, size);
    ck_assert(g_file_set_contents(path, data, size, NULL));
}

/*
 * The NVRAM in 1 MiB at 1 MiB of a 4 MiB disk: exported by qemu-nbd
 * (raw driver's offset and size over the disk) and by nbdkit (offset
 * filter); the rest of the disk is untouched.
 */
START_TEST(test_disk_region)
{
    const char *qemu[] = { "qemu-nbd", "--persistent", "--shared=1",
                           "--pid-file=@PID@", "--socket=@SOCK@",
                           "--image-opts", "driver=raw,offset=1048576,"
                           "size=1048576,file.driver=file,"
                           "file.filename=@DIR@/disk.raw", NULL };
    const char *kit[] = { NBDKIT_UNIX, "--filter=offset", "file",
                          "@DIR@/disk.raw", "offset=1M", "range=1M", NULL };
    const char *const *servers[] = { qemu, kit };

    if (!have_qemu() || !have_nbdkit()) {
        return;
    }
    for (size_t i = 0; i < G_N_ELEMENTS(servers); i++) {
        NBDServer *srv = nbd_server_new("", servers[i]);
        g_autofree char *disk = nbd_server_path(srv, "disk.raw");
        uint64_t size;
        NVRAMStorage *s;

        fill_disk(disk, 4 << 20, 0xa5);
        nbd_server_start(srv);
        s = nvram_storage_open(srv->uri, true, false, &error_abort);
        ck_assert(nvram_storage_get_size(s, &size, &error_abort));
        ck_assert_uint_eq(size, 1 << 20);
        nvram_storage_close(s);
        format_and_commit(srv->uri, 1, 20);
        ck_assert_uint_eq(read_uri(srv->uri), 20);
        nbd_server_stop(srv, SIGTERM);
        assert_outside(disk, 1 << 20, 2 << 20, 0xa5);
        nbd_server_free(srv);
    }
}
END_TEST

/*** Paths and URIs ***/

START_TEST(test_uri_or_path)
{
    Error *err = NULL;

    ck_assert(nvram_storage_name_is_uri("nbd+unix:///?socket=/x"));
    ck_assert(nvram_storage_name_is_uri("nbds://host:10809/e"));
    ck_assert(!nvram_storage_name_is_uri("tpm.img"));
    ck_assert(!nvram_storage_name_is_uri("./nbd://x"));
    ck_assert(!nvram_storage_name_is_uri("/var/lib/a:b"));
    ck_assert(!nvram_storage_name_is_uri(""));
    ck_assert_ptr_null(nvram_storage_open("http://example/x", true, false,
                                          &err));
    assert_error_has(&err, "unsupported storage URI " "scheme 'http'");
    {
        g_autofree char *dir = g_dir_make_tmp("test-nbd-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "tpm.img", NULL);
        g_autofree char *uri = g_strdup_printf("file://%s", path);
        NVRAMStorage *s = nvram_storage_open(uri, false, true, &error_abort);

        ck_assert(g_file_test(path, G_FILE_TEST_IS_REGULAR));
        nvram_storage_close(s);
        g_unlink(path);
        g_rmdir(dir);
    }
    ck_assert_ptr_null(nvram_setup("nbd+unix:///?socket=/nonexistent/s",
                                   NULL, &err));
    assert_error_has(&err, "cannot connect");
}
END_TEST

static Suite *nbd_suite(void)
{
    Suite *s = suite_create("nvram-nbd");
    TCase *tc;

    tc = tcase_create("servers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_uri_or_path);
    tcase_add_loop_test(tc, test_qemu_nbd, 0, G_N_ELEMENTS(qemu_nbd_formats));
    tcase_add_test(tc, test_qemu_storage_daemon);
    tcase_add_test(tc, test_nbdkit_memory);
    tcase_add_test(tc, test_tool_verbs);
    tcase_add_test(tc, test_read_only_export);
    tcase_add_test(tc, test_block_size_limits);
    tcase_add_test(tc, test_tls_psk);
    tcase_add_test(tc, test_tcp_uri);
    tcase_add_test(tc, test_disk_region);
    suite_add_tcase(s, tc);

    tc = tcase_create("faults");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_error_filter_rate);
    tcase_add_test(tc, test_error_points);
    tcase_add_test(tc, test_delay_and_kill_mid_commit);
    tcase_add_test(tc, test_flush_after_lost_connection);
    suite_add_tcase(s, tc);

    tc = tcase_create("qcow2");
    tcase_set_timeout(tc, 1800);
    tcase_add_test(tc, test_qcow2_many_commits);
    tcase_add_test(tc, test_qcow2_snapshot_revert);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return check_run_suite(nbd_suite());
}
