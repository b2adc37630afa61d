/*
 * tests/test-nvram-tool.c: the vnvram tool and the tpm-device demo, run as
 * programs (each device command is a new process: a power cycle).
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nvram/nvram.h"
#include "tests/check-main.h"

static char *builddir;
static char *workdir;

/* In the child of run_limited(): the file size limit. */
static void limit_file_size(gpointer opaque)
{
    struct rlimit limit = { *(rlim_t *)opaque, *(rlim_t *)opaque };

    setrlimit(RLIMIT_FSIZE, &limit);
}

/*
 * Run @prog (relative to the build dir) with the arguments in @ap, under a
 * file size limit of *@fsize bytes when @fsize is not NULL; returns the
 * exit code, *@out (if not NULL) gets stdout and stderr.
 */
static int run_v(char **out, rlim_t *fsize, const char *prog, va_list ap)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
    char *std_out = NULL, *std_err = NULL;
    GError *gerr = NULL;
    const char *arg;
    int status = -1;

    g_ptr_array_add(argv, g_build_filename(builddir, prog, NULL));
    while ((arg = va_arg(ap, const char *))) {
        g_ptr_array_add(argv, g_strdup(arg));
    }
    g_ptr_array_add(argv, NULL);
    ck_assert_msg(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0,
                               fsize ? limit_file_size : NULL, fsize,
                               &std_out, &std_err, &status, &gerr),
                  "cannot run %s: %s", prog, gerr ? gerr->message : "?");
    if (out) {
        *out = g_strconcat(std_out, std_err, NULL);
    }
    if (!WIFEXITED(status)) {
        /* A crash must be visible in the log, whatever the test expects. */
        fprintf(stderr, "%s died (wait status %d); its output:\n%s%s\n",
                prog, status, std_out, std_err);
    }
    g_free(std_out);
    g_free(std_err);
    g_ptr_array_unref(argv);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Run @prog with the NULL-terminated arguments; returns the exit code. */
static int run(char **out, const char *prog, ...)
{
    va_list ap;
    int ret;

    va_start(ap, prog);
    ret = run_v(out, NULL, prog, ap);
    va_end(ap);
    return ret;
}

/*
 * Run @prog with the NULL-terminated arguments: it must exit with @status
 * and, unless @want is NULL, say @want (stdout or stderr).
 */
static void expect_run(int status, const char *want, const char *prog, ...)
{
    g_autofree char *out = NULL;
    va_list ap;
    int ret;

    va_start(ap, prog);
    ret = run_v(&out, NULL, prog, ap);
    va_end(ap);
    ck_assert_msg(ret == status, "%s exited with %d, not %d: %s", prog, ret,
                  status, out);
    ck_assert_msg(!want || strstr(out, want), "%s did not say \"%s\": %s",
                  prog, want, out);
}

/* As run(), under a file size limit of @fsize bytes. */
static int run_limited(char **out, rlim_t fsize, const char *prog, ...)
{
    va_list ap;
    int ret;

    va_start(ap, prog);
    ret = run_v(out, &fsize, prog, ap);
    va_end(ap);
    return ret;
}

static char *img_path(const char *name)
{
    return g_build_filename(workdir, name, NULL);
}

/* Damage the byte at @off of @img (flip its bits). */
static void flip_byte(const char *img, uint64_t off)
{
    int fd = open(img, O_RDWR);
    unsigned char byte;

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pread(fd, &byte, 1, (off_t)off), 1);
    byte ^= 0xff;
    ck_assert_int_eq(pwrite(fd, &byte, 1, (off_t)off), 1);
    close(fd);
}

/*
 * vnvram check of @img finds @want problems: as many lines as its summary
 * line counts, and as many elements of "problems" in --json.
 */
static void check_counts_agree(const char *img, int want)
{
    g_autofree char *out = NULL, *json = NULL, *summary = NULL;
    g_auto(GStrv) lines = NULL;
    const char *p;
    int n = 0;

    ck_assert_int_eq(run(&out, "tools/vnvram", "check", img, NULL), 1);
    lines = g_strsplit(g_strchomp(out), "\n", -1);
    ck_assert_int_eq(g_strv_length(lines), want + 1);
    summary = g_strdup_printf("%s: %d problem%s found", img, want,
                              want == 1 ? "" : "s");
    ck_assert_str_eq(lines[want], summary);
    ck_assert_int_eq(run(&json, "tools/vnvram", "check", "--json", img, NULL),
                     1);
    for (p = json; (p = strstr(p, "\"message\": ")); p++) {
        n++;
    }
    ck_assert_msg(n == want && strstr(json, "\"healthy\": false"),
                  "%d problems in --json, not %d: %s", n, want, json);
}

START_TEST(test_tool_lifecycle)
{
    char *img = img_path("tool.img"), *out = NULL;
    NVRAMEntrySpec specs[3] = {
        { "permall", 193280 }, { "volatilestate", 65600 },
        { "savestate", 16448 },
    };
    uint64_t needed;
    char *needed_str;

    unlink(img);
    ck_assert_int_eq(nvram_measure(specs, 3, &needed, NULL), 0);
    needed_str = g_strdup_printf("%" G_GUINT64_FORMAT "\n", needed);
    ck_assert_int_eq(run(&out, "tools/vnvram", "measure", "--profile", "tpm2",
                         NULL), 0);
    ck_assert_str_eq(out, needed_str);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "measure", "--entry",
                         "permall:193280", "--entry", "volatilestate:65600",
                         "--entry", "savestate:16448", NULL), 0);
    ck_assert_str_eq(out, needed_str);
    g_free(out);
    g_free(needed_str);

    /* info on a missing or blank image: unusable */
    expect_run(2, NULL, "tools/vnvram", "info", img, NULL);
    ck_assert(g_file_set_contents(img, "", 0, NULL));
    expect_run(2, "unformatted", "tools/vnvram", "check", img, NULL);

    expect_run(0, NULL, "tools/vnvram", "create", img, "--profile", "tpm2",
               NULL);
    expect_run(2, "--force", "tools/vnvram", "create", img, "--profile",
               "tpm2", NULL);
    expect_run(0, NULL, "tools/vnvram", "create", img, "--profile", "tpm2",
               "--force", NULL);

    ck_assert_int_eq(run(&out, "tools/vnvram", "info", img, NULL), 0);
    ck_assert_msg(strstr(out, "permall") && strstr(out, "never-written"),
                  "%s", out);
    g_free(out);
    expect_run(0, "\"name\": \"savestate\"", "tools/vnvram", "info", "--json",
               img, NULL);
    expect_run(0, NULL, "tools/vnvram", "check", img, NULL);
    /* dump of a never-written entry (a problem found: 1), of a missing
     * entry (a usage error: 2) */
    expect_run(1, "never written", "tools/vnvram", "dump", img, "permall",
               NULL);
    expect_run(2, NULL, "tools/vnvram", "dump", img, "nope", NULL);
    expect_run(2, NULL, "tools/vnvram", "frobnicate", img, NULL);
    unlink(img);
    g_free(img);
}
END_TEST

START_TEST(test_device_power_cycles)
{
    char *img = img_path("device.img"), *out = NULL, *fp;

    unlink(img);
    expect_run(1, NULL, "examples/tpm-device", img, "run", NULL);
    expect_run(0, NULL, "tools/vnvram", "create", img, "--profile", "tpm2",
               NULL);
    expect_run(0, "manufacturing", "examples/tpm-device", img, "init", NULL);
    ck_assert_int_eq(run(&out, "examples/tpm-device", img, "run", "12",
                         NULL), 0);
    g_free(out);
    ck_assert_int_eq(run(&out, "examples/tpm-device", img, "verify", NULL), 0);
    ck_assert_msg(strstr(out, "power cycle OK"), "%s", out);
    ck_assert_msg(strstr(out, "commands 12"), "%s", out);
    g_free(out);
    expect_run(0, NULL, "examples/tpm-device", img, "run", "3", NULL);
    ck_assert_int_eq(run(&out, "examples/tpm-device", img, "verify", NULL), 0);
    ck_assert_msg(strstr(out, "restarts 1") && strstr(out, "commands 15"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "examples/tpm-device", img, "show-json",
                         "permall", NULL), 0);
    ck_assert_msg(strstr(out, "\"manufacturer\": \"QVIS\""), "%s", out);
    ck_assert_msg(strstr(out, "\"algorithm\": \"rsa2048\""), "%s", out);
    g_free(out);
    expect_run(0, NULL, "tools/vnvram", "check", img, NULL);
    expect_run(0, "00000000 ", "tools/vnvram", "dump", "--hex", img,
               "savestate", NULL);
    /* a DER entry as a tree and as JSON, through the inspector */
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", img, "permall", NULL),
                     0);
    ck_assert_msg(strstr(out, "SEQUENCE") &&
                  strstr(out, "UTF8String \"QVIS\""), "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", "--json", img,
                         "permall", NULL), 0);
    /* the document ber-dump --json prints, the entry as its input */
    ck_assert_msg(strstr(out, "{\"inputs\":[{\"name\":\"permall\","
                              "\"mode\":\"DER\"") &&
                  strstr(out, "\"value\":\"QVIS\"") &&
                  strstr(out, "\"errors\":0}"), "%s", out);
    g_free(out);

    /* a changed state is detected */
    fp = g_strconcat(img, ".fingerprint", NULL);
    ck_assert(g_file_set_contents(fp, "00", -1, NULL));
    expect_run(1, "MISMATCH", "examples/tpm-device", img, "verify", NULL);
    unlink(fp);
    g_free(fp);
    unlink(img);
    g_free(img);
}
END_TEST

START_TEST(test_device_json_entries_and_damage)
{
    char *img = img_path("json.img"), *out = NULL, *fp;
    NVRAMStorage *s;
    NVRAMImageInfo *info = NULL;
    uint64_t off;
    char byte;
    FILE *f;

    unlink(img);
    expect_run(0, NULL, "examples/tpm-device", img, "format", NULL);
    expect_run(0, NULL, "examples/tpm-device", img, "init", "--json-entries",
               NULL);
    expect_run(0, NULL, "examples/tpm-device", img, "run", "5",
               "--json-entries", NULL);
    /* a DER-configured device reads the JSON entries back */
    expect_run(0, NULL, "examples/tpm-device", img, "verify", NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", img, "permall", NULL),
                     0);
    ck_assert_msg(out[0] == '{' && strstr(out, "\"manufacturer\":\"QVIS\""),
                  "%s", out);
    g_free(out);

    /* damage the current copy of permall: check finds it (exit 1), the
     * device still powers on from the other copy */
    s = nvram_storage_open_file(img, true, false, &error_abort);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    off = info->entries[0].copies[info->entries[0].newest].offset + 200;
    nvram_image_info_free(info);
    nvram_storage_close(s);
    f = fopen(img, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, (long)off, SEEK_SET), 0);
    ck_assert_int_eq(fread(&byte, 1, 1, f), 1);
    byte ^= 0x55;
    ck_assert_int_eq(fseek(f, (long)off, SEEK_SET), 0);
    ck_assert_int_eq(fwrite(&byte, 1, 1, f), 1);
    fclose(f);
    ck_assert_int_eq(run(&out, "tools/vnvram", "check", img, NULL), 1);
    ck_assert_msg(strstr(out, "permall: copy") && strstr(out, "check value"),
                  "%s", out);
    g_free(out);
    /* the newest copy is damaged: dump shows the previous value and says
     * that it is a rollback (exit 1), naming the damaged copy's offset */
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", img, "permall", NULL),
                     1);
    ck_assert_msg(strstr(out, "rollback") && strstr(out, "offset"), "%s",
                  out);
    g_free(out);
    expect_run(1, "permall: rollback", "tools/vnvram", "check", img, NULL);
    /* the damaged copy and its rollback: two lines, two problems, in the
     * text and in --json */
    check_counts_agree(img, 2);
    expect_run(0, NULL, "examples/tpm-device", img, "show", NULL);
    /* both copies damaged: each copy's line and the lost value's, three */
    s = nvram_storage_open_file(img, true, false, &error_abort);
    ck_assert_int_eq(nvram_image_inspect(s, &info, &error_abort), 0);
    for (int c = 0; c < 2; c++) {
        if (info->entries[0].copies[c].valid) {
            flip_byte(img, info->entries[0].copies[c].offset + 200);
        }
    }
    nvram_image_info_free(info);
    nvram_storage_close(s);
    check_counts_agree(img, 3);
    fp = g_strconcat(img, ".fingerprint", NULL);
    unlink(fp);
    g_free(fp);
    unlink(img);
    g_free(img);
}
END_TEST

START_TEST(test_tool_encrypted)
{
    char *img = img_path("enc.img"), *key = img_path("key.hex");
    char *wrong = img_path("wrong.bin"), *fp;

    if (!nvram_encryption_available()) {
        printf("test_tool_encrypted: skipped (built without nettle)\n");
        return;
    }
    unlink(img);
    ck_assert(g_file_set_contents(key, "000102030405060708090a0b0c0d0e0f"
                                  "101112131415161718191a1b1c1d1e1f\n", -1,
                                  NULL));
    ck_assert(g_file_set_contents(wrong, "0123456789abcdef0123456789abcdef",
                                  32, NULL));
    expect_run(0, "encrypted", "tools/vnvram", "create", img, "--profile",
               "tpm2", "--key-file", key, NULL);
    expect_run(1, "wrong key", "examples/tpm-device", img, "init",
               "--key-file", wrong, NULL);
    ck_assert(g_file_set_contents(wrong, "\x00\x01\x02\x03\x04\x05\x06\x07"
                                  "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
                                  "\x10\x11\x12\x13\x14\x15\x16\x17"
                                  "\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f", 32,
                                  NULL));
    /* the same key, raw: it opens the image */
    expect_run(0, NULL, "examples/tpm-device", img, "init", "--key-file",
               wrong, NULL);
    expect_run(1, "a key is needed", "examples/tpm-device", img, "verify",
               NULL);
    expect_run(0, NULL, "tools/vnvram", "check", img, NULL);
    expect_run(2, NULL, "tools/vnvram", "dump", img, "permall", NULL);
    expect_run(0, "QVIS", "tools/vnvram", "dump", "--hex", img, "permall",
               "--key-file", key, NULL);
    fp = g_strconcat(img, ".fingerprint", NULL);
    unlink(fp);
    g_free(fp);
    unlink(img);
    unlink(key);
    unlink(wrong);
    g_free(img);
    g_free(key);
    g_free(wrong);
}
END_TEST

/* A FIFO: refused at once with a clear message, never a hang. */
START_TEST(test_tool_fifo)
{
    char *fifo = img_path("fifo");
    const char *cmds[] = { "info", "check" };
    char *out = NULL;

    unlink(fifo);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
        ck_assert_int_eq(run(&out, "tools/vnvram", cmds[i], fifo, NULL), 2);
        ck_assert_msg(strstr(out, "not a regular file or block device") &&
                      strstr(out, fifo), "%s", out);
        g_free(out);
    }
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", fifo, "permall",
                         NULL), 2);
    ck_assert_msg(strstr(out, "not a regular file"), "%s", out);
    g_free(out);
    unlink(fifo);
    g_free(fifo);
}
END_TEST

/*
 * Under a file size limit the tool is not killed by SIGXFSZ: it reports
 * EFBIG with the file and the size, and the failed create leaves no file
 * behind; a create over an existing image that fails is reported too.
 */
START_TEST(test_tool_file_size_limit)
{
    char *img = img_path("limited.img"), *out = NULL;
    struct stat st;

    unlink(img);
    ck_assert_int_eq(run_limited(&out, 16384, "tools/vnvram", "create", img,
                                 "--profile", "tpm2", NULL), 2);
    ck_assert_msg(strstr(out, img) && strstr(out, g_strerror(EFBIG)) &&
                  strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    ck_assert_msg(strstr(out, "bytes"), "%s", out);
    g_free(out);
    ck_assert_int_eq(stat(img, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    g_free(img);
}
END_TEST

/*
 * A truncated image: check reports it (exit 1), what fits is exported,
 * an entry beyond the end is reported lost (exit 1), writes are refused
 * (exit 2) and change nothing.
 */
START_TEST(test_tool_truncated)
{
    char *img = img_path("truncated.img"), *der = img_path("trunc.der");
    char *back = img_path("trunc-back.der"), *out = NULL, *contents = NULL;
    struct stat st;
    gsize len;

    unlink(img);
    ck_assert(g_file_set_contents(der, "\x04\x02\xab\xcd", 4, NULL));
    /* header 0..8192, "a" 8192..16384, "b" 16384..24576 */
    expect_run(0, NULL, "tools/vnvram", "create", img, "--entry", "a:100",
               "--entry", "b:100", NULL);
    for (int i = 0; i < 2; i++) {
        expect_run(0, NULL, "tools/vnvram", "import", img, i ? "b" : "a", der,
                   NULL);
    }
    ck_assert_int_eq(truncate(img, 16384), 0);
    ck_assert_int_eq(run(&out, "tools/vnvram", "check", img, NULL), 1);
    ck_assert_msg(strstr(out, "truncated: the image needs 24576 bytes, the "
                              "drive has 16384") &&
                  strstr(out, "offset 16384: the copy lies beyond the end"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "a", back,
                         NULL), 0);
    g_free(out);
    ck_assert(g_file_get_contents(back, &contents, &len, NULL));
    ck_assert(len == 4 && memcmp(contents, "\x04\x02\xab\xcd", 4) == 0);
    g_free(contents);
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "b", back,
                         NULL), 1);
    ck_assert_msg(strstr(out, "beyond the end"), "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "a", der,
                         NULL), 2);
    ck_assert_msg(strstr(out, "24576 bytes") && strstr(out, "truncated"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "check", "--repair", img,
                         NULL), 2);
    g_free(out);
    ck_assert_int_eq(stat(img, &st), 0);
    ck_assert_int_eq(st.st_size, 16384);
    /* cut inside header copy A: nothing to read, unusable */
    ck_assert_int_eq(truncate(img, 2048), 0);
    expect_run(2, "header copy at offset 0 needs 4096 bytes", "tools/vnvram",
               "check", img, NULL);
    unlink(img);
    unlink(der);
    unlink(back);
    g_free(img);
    g_free(der);
    g_free(back);
}
END_TEST

/*
 * The image at @img must be exactly @bytes (@len bytes), check healthy,
 * and entry "a" export the 4-byte value of make_grow_image().
 */
static void assert_image_kept(const char *img, const char *bytes, gsize len)
{
    char *back = img_path("kept.der"), *contents = NULL, *out = NULL;
    gsize now;

    ck_assert(g_file_get_contents(img, &contents, &now, NULL));
    ck_assert_msg(now == len && memcmp(contents, bytes, len) == 0,
                  "%s changed (%zu bytes, was %zu)", img, (size_t)now,
                  (size_t)len);
    g_free(contents);
    expect_run(0, NULL, "tools/vnvram", "check", img, NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "a", back,
                         NULL), 0);
    g_free(out);
    ck_assert(g_file_get_contents(back, &contents, &now, NULL));
    ck_assert(now == 4 && memcmp(contents, "\x04\x02\xab\xcd", 4) == 0);
    g_free(contents);
    unlink(back);
    g_free(back);
}

/* A 24 KiB image at @img (entries a and b), "a" written; its bytes. */
static char *make_grow_image(const char *img, gsize *len)
{
    char *der = img_path("grow.der"), *out = NULL, *bytes = NULL;

    unlink(img);
    ck_assert(g_file_set_contents(der, "\x04\x02\xab\xcd", 4, NULL));
    expect_run(0, NULL, "tools/vnvram", "create", img, "--entry", "a:100",
               "--entry", "b:100", NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "a", der,
                         NULL), 0);
    g_free(out);
    unlink(der);
    g_free(der);
    ck_assert(g_file_get_contents(img, &bytes, len, NULL));
    return bytes;
}

/*
 * add (of a 64 KiB entry) and resize (to 64 KiB) of the image at @img,
 * under a file size limit of @fsize bytes, fail with exit 2 and a message
 * naming the file and the error @err; the image stays @bytes (@len).
 */
static void expect_grows_refused(const char *img, rlim_t fsize, int err,
                                 const char *bytes, gsize len)
{
    static const char *const grows[2][2] = {
        { "add", "c:64K" }, { "resize", "b:64K" },
    };

    for (int i = 0; i < 2; i++) {
        char *out = NULL;

        ck_assert_int_eq(run_limited(&out, fsize, "tools/vnvram",
                                     grows[i][0], img, "--entry",
                                     grows[i][1], NULL), 2);
        ck_assert_msg(strstr(out, img) && strstr(out, g_strerror(err)),
                      "%s: %s", grows[i][0], out);
        g_free(out);
        assert_image_kept(img, bytes, len);
    }
}

/*
 * add and resize under a file size limit: EFBIG is an error naming the
 * file, and the image is left exactly as it was.
 */
START_TEST(test_tool_grow_size_limit)
{
    char *img = img_path("grow-limited.img");
    gsize len;
    char *bytes = make_grow_image(img, &len);

    expect_grows_refused(img, len, EFBIG, bytes, len);
    g_free(bytes);
    unlink(img);
    g_free(img);
}
END_TEST

/*** A full file system: a small tmpfs, mounted for these tests ***/

/* The mount point while a tmpfs is mounted there, else NULL. */
static char *fulldir;

/* Unchecked fixture (runs in the test runner, not in the test's child). */
static void full_fs_mount(void)
{
    char *dir = g_build_filename(workdir, "full", NULL);

    ck_assert_int_eq(mkdir(dir, 0700), 0);
    if (geteuid() != 0 ||
        mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "size=256k,mode=0700") < 0) {
        fprintf(stderr, "full-disk tests: cannot mount a 256 KiB tmpfs at "
                "%s: %s\n", dir, geteuid() != 0 ? "not root"
                                                 : g_strerror(errno));
        rmdir(dir);
        g_free(dir);
        return;
    }
    fulldir = dir;
}

static void full_fs_unmount(void)
{
    if (fulldir) {
        if (umount2(fulldir, MNT_DETACH) < 0) {
            fprintf(stderr, "cannot unmount %s: %s\n", fulldir,
                    g_strerror(errno));
        }
        rmdir(fulldir);
        g_free(fulldir);
        fulldir = NULL;
    }
}

/* True if the tmpfs is there; else says so, and fails under CI. */
static bool full_fs_ready(void)
{
    if (fulldir) {
        return true;
    }
    if (!g_strcmp0(g_getenv("CI"), "true") ||
        !g_strcmp0(g_getenv("QVISIT_REQUIRE_PEERS"), "1")) {
        ck_abort_msg("the full-disk tests need root to mount a tmpfs "
                     "(required under CI)");
    }
    printf("full-disk tests skipped: no tmpfs (they need root)\n");
    return false;
}

/* Fill the file system of @dir up: the bytes written to @dir/filler. */
static size_t full_fs_fill(const char *dir)
{
    char *path = g_build_filename(dir, "filler", NULL);
    char block[4096] = { 0 };
    FILE *f = fopen(path, "w");
    size_t n = 0;

    ck_assert_ptr_nonnull(f);
    setvbuf(f, NULL, _IONBF, 0);
    while (fwrite(block, 1, sizeof(block), f) == sizeof(block)) {
        n += sizeof(block);
    }
    ck_assert_int_eq(errno, ENOSPC);
    fclose(f);
    g_free(path);
    return n;
}

static void full_fs_unfill(const char *dir)
{
    char *path = g_build_filename(dir, "filler", NULL);

    ck_assert_int_eq(unlink(path), 0);
    g_free(path);
}

/* A create that fails for want of space leaves nothing like an image. */
START_TEST(test_tool_full_disk_create)
{
    char *big, *pre, *out = NULL;
    struct stat st;

    if (!full_fs_ready()) {
        return;
    }
    big = g_build_filename(fulldir, "big.img", NULL);
    pre = g_build_filename(fulldir, "pre.img", NULL);
    /* a new file: removed */
    ck_assert_int_eq(run(&out, "tools/vnvram", "create", big, "--entry",
                         "big:1M", NULL), 2);
    ck_assert_msg(strstr(out, big) && strstr(out, g_strerror(ENOSPC)) &&
                  strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    g_free(out);
    ck_assert_int_eq(stat(big, &st), -1);
    ck_assert_int_eq(errno, ENOENT);
    /* a file that was there (empty): left as it was, not a blank image */
    ck_assert(g_file_set_contents(pre, "", 0, NULL));
    ck_assert_int_eq(run(&out, "tools/vnvram", "create", pre, "--entry",
                         "big:1M", NULL), 2);
    ck_assert_msg(strstr(out, g_strerror(ENOSPC)), "%s", out);
    g_free(out);
    ck_assert_int_eq(stat(pre, &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    /* and the space is all free again: a create that fits succeeds */
    expect_run(0, NULL, "tools/vnvram", "create", big, "--entry", "big:100K",
               NULL);
    unlink(big);
    unlink(pre);
    g_free(big);
    g_free(pre);
}
END_TEST

/* add and resize on a full file system: refused, the image intact. */
START_TEST(test_tool_full_disk_grow)
{
    char *img, *bytes;
    gsize len;
    size_t filled;

    if (!full_fs_ready()) {
        return;
    }
    img = g_build_filename(fulldir, "grow.img", NULL);
    bytes = make_grow_image(img, &len);
    filled = full_fs_fill(fulldir);
    ck_assert_uint_gt(filled, 0);
    expect_grows_refused(img, RLIM_INFINITY, ENOSPC, bytes, len);
    /* with the space back, the same add succeeds and keeps the value */
    full_fs_unfill(fulldir);
    expect_run(0, NULL, "tools/vnvram", "add", img, "--entry", "c:64K", NULL);
    expect_run(0, NULL, "tools/vnvram", "check", img, NULL);
    printf("full disk: create, add and resize refused with ENOSPC on a "
           "256 KiB tmpfs (%zu bytes filled), nothing left behind\n", filled);
    unlink(img);
    g_free(img);
    g_free(bytes);
}
END_TEST

/* The verbs of a complete tool, on one image. */
START_TEST(test_tool_verbs)
{
    char *img = img_path("verbs.img"), *out = NULL;
    char *der = img_path("value.der"), *back = img_path("back.der");
    char *bad = img_path("bad.der"), *json = img_path("value.json");
    char *contents = NULL;
    gsize len;

    unlink(img);
    ck_assert(g_file_set_contents(der, "\x30\x06\x02\x01\x05\x0c\x01x", 8,
                                  NULL));
    ck_assert(g_file_set_contents(bad, "\x30\x06\x02\x01", 4, NULL));
    ck_assert(g_file_set_contents(json, "{\"a\": [1, 2]}", -1, NULL));
    ck_assert_int_eq(run(&out, "tools/vnvram", "create", img, "--entry",
                         "permall:64KiB", "--entry", "counters:1K:mirror",
                         NULL), 0);
    g_free(out);
    /* import: one valid element of the entry's encoding, else refused
     * with the image, the entry, and the first error's offset and reason */
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "permall", bad,
                         NULL), 2);
    ck_assert_msg(g_str_has_prefix(out, "vnvram: ") &&
                  strstr(out, img) && strstr(out, "entry 'permall'") &&
                  strstr(out, "not one valid der element: offset 2: "
                              "contents of 6 octets run past the end") &&
                  strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    g_free(out);
    expect_run(2, "entry 'permall': the value is empty", "tools/vnvram",
               "import", img, "permall", "/dev/null", NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "permall", der,
                         "--encoding", "cer", NULL), 2);
    ck_assert_msg(strstr(out, "not one valid cer element: offset 1: "
                              "definite length on a constructed value"),
                  "%s", out);
    g_free(out);
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "permall", der,
                         NULL), 0);
    g_free(out);
    expect_run(0, NULL, "tools/vnvram", "import", img, "counters", json,
               "--encoding", "json", NULL);
    expect_run(0, NULL, "tools/vnvram", "export", img, "permall", back, NULL);
    ck_assert(g_file_get_contents(back, &contents, &len, NULL));
    ck_assert_uint_eq(len, 8);
    ck_assert(memcmp(contents, "\x30\x06\x02\x01\x05\x0c\x01x", 8) == 0);
    g_free(contents);
    /* dump --json: the element fields of ber-dump --json */
    ck_assert_int_eq(run(&out, "tools/vnvram", "dump", "--json", img,
                         "permall", NULL), 0);
    ck_assert_msg(strstr(out, "\"class\":\"universal\",\"constructed\":"
                              "true,\"tag\":16,\"name\":\"SEQUENCE\""),
                  "%s", out);
    g_free(out);
    expect_run(0, "{\"a\": [1, 2]}", "tools/vnvram", "dump", img, "counters",
               NULL);
    /* add and resize keep every value */
    expect_run(0, NULL, "tools/vnvram", "add", img, "--entry", "extra:100",
               NULL);
    expect_run(0, NULL, "tools/vnvram", "resize", img, "--entry", "permall:8K",
               NULL);
    expect_run(0, NULL, "tools/vnvram", "export", img, "permall", back, NULL);
    ck_assert(g_file_get_contents(back, &contents, &len, NULL));
    ck_assert(len == 8 && memcmp(contents, "\x30\x06\x02\x01\x05\x0c\x01x",
                                 8) == 0);
    g_free(contents);
    ck_assert_int_eq(run(&out, "tools/vnvram", "info", "--json", img, NULL),
                     0);
    ck_assert_msg(strstr(out, "\"name\": \"extra\"") &&
                  strstr(out, "\"policy\": \"mirror\"") &&
                  strstr(out, "\"copy_size\": 12288") &&
                  strstr(out, "\"layout_generation\": 3"), "%s", out);
    g_free(out);
    expect_run(0, "already format 2", "tools/vnvram", "upgrade", img, NULL);
    expect_run(0, "\"healthy\": true", "tools/vnvram", "check", "--json", img,
               NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "--version", NULL), 0);
    ck_assert_msg(strstr(out, "vnvram") && strstr(out, "format 2"), "%s",
                  out);
    g_free(out);
    unlink(img);
    unlink(der);
    unlink(back);
    unlink(bad);
    unlink(json);
    g_free(img);
    g_free(der);
    g_free(back);
    g_free(bad);
    g_free(json);
}
END_TEST

/*
 * Every failure of a command on an image is one line that names the
 * image: the library's reasons ("no entry", "never written", "wrong key",
 * "already holds an image") do not, so the tool puts the image first;
 * the storage layer's do (quoted), and are not named twice.
 */
START_TEST(test_tool_errors_name_the_image)
{
    char *img = img_path("named.img"), *junk = img_path("junk.img");
    char *key = img_path("named.key"), *enc = img_path("named-enc.img");
    char *wrong = img_path("wrong.key"), *missing = img_path("missing.img");
    char *quoted = g_strdup_printf("'%s'", missing);
    char *out = NULL;
    struct {
        const char *args[8];
        int status;
        const char *image, *needle;
    } cases[] = {
        { { "create", img, "--entry", "a:100" }, 2, img,
          "already holds an NVRAM image" },
        { { "dump", img, "nothere" }, 2, img, "no entry 'nothere'" },
        { { "dump", img, "a" }, 1, img, "entry 'a' was never written" },
        { { "export", img, "a" }, 1, img, "entry 'a' was never written" },
        { { "resize", img, "--entry", "nothere:8K" }, 2, img,
          "no entry 'nothere'" },
        { { "add", img, "--entry", "a:8K" }, 2, img, "entry 'a'" },
        { { "info", junk }, 2, junk, "not an NVRAM image" },
        { { "check", junk }, 2, junk, "not an NVRAM image" },
        { { "check", "--repair", junk }, 2, junk, "not an NVRAM image" },
        { { "upgrade", junk }, 2, junk, "not an NVRAM image" },
        { { "dump", enc, "a", "--key-file", wrong }, 2, enc,
          "the key does not open" },
        { { "import", enc, "a", key, "--key-file", wrong }, 2, enc,
          "the key does not open" },
        { { "info", missing }, 2, quoted, "No such file or directory" },
        { { "dump", img, "j", "--tree" }, 2, img,
          "entry 'j' is stored as JSON, not BER" },
    };

    unlink(img);
    unlink(enc);
    ck_assert(g_file_set_contents(junk, "not an image at all", -1, NULL));
    ck_assert(g_file_set_contents(key, "0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef", -1,
                                  NULL));
    ck_assert(g_file_set_contents(wrong, "1123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef", -1,
                                  NULL));
    expect_run(0, NULL, "tools/vnvram", "create", img, "--entry", "a:100",
               "--entry", "j:100", NULL);
    ck_assert(g_file_set_contents(junk, "[1, 2]", -1, NULL));
    expect_run(0, NULL, "tools/vnvram", "import", img, "j", junk, "--encoding",
               "json", NULL);
    ck_assert(g_file_set_contents(junk, "not an image at all", -1, NULL));
    expect_run(0, NULL, "tools/vnvram", "create", enc, "--entry", "a:100",
               "--key-file", key, NULL);
    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char **a = cases[i].args;
        char *first = g_strdup_printf("vnvram: %s: ", cases[i].image);
        int ret = run(&out, "tools/vnvram", a[0], a[1], a[2], a[3], a[4],
                      a[5], a[6], a[7], NULL);

        ck_assert_msg(ret == cases[i].status &&
                      strstr(out, cases[i].needle) &&
                      (g_str_has_prefix(out, first) ||
                       /* quoted by the storage layer, named once */
                       (cases[i].image[0] == '\'' &&
                        strstr(out, cases[i].image) &&
                        !strstr(strstr(out, cases[i].image) +
                                strlen(cases[i].image), missing))) &&
                      strchr(out, '\n') == out + strlen(out) - 1,
                      "case %zu: exit %d: %s", i, ret, out);
        g_free(first);
        g_free(out);
    }
    unlink(img);
    unlink(enc);
    unlink(junk);
    unlink(key);
    unlink(wrong);
    g_free(img);
    g_free(enc);
    g_free(junk);
    g_free(key);
    g_free(wrong);
    g_free(missing);
    g_free(quoted);
}
END_TEST

/* Run "vnvram ARGS > /dev/full"; returns its exit code, *@err its stderr. */
static int run_to_full(char **err, const char *args)
{
    char *errfile = img_path("full.err");
    char *cmd = g_strdup_printf("'%s/tools/vnvram' %s > /dev/full 2> '%s'",
                                builddir, args, errfile);
    int status = system(cmd);

    ck_assert(g_file_get_contents(errfile, err, NULL, NULL));
    unlink(errfile);
    g_free(errfile);
    g_free(cmd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/*
 * export FILE where FILE is not a regular file: written through, never
 * replaced (a rename over /dev/full made it a regular file); a full
 * device is an error. Output to a full standard output is an error too,
 * for every command, not a silent exit 0.
 */
START_TEST(test_tool_export_targets)
{
    char *img = img_path("export.img"), *der = img_path("export.der");
    char *link = img_path("full.link"), *dangling = img_path("dangling.link");
    char *target = img_path("dangling.der"), *fifo = img_path("export.fifo");
    char *out = NULL, *contents = NULL, *args;
    const char *cmds[] = { "info", "check", "check --json", "dump",
                           "dump --hex", "dump --raw", "export" };
    char buf[16];
    struct stat st;
    gsize len;
    int fd;

    unlink(img);
    ck_assert(g_file_set_contents(der, "\x30\x03\x02\x01\x05", 5, NULL));
    expect_run(0, NULL, "tools/vnvram", "create", img, "--entry", "e:100",
               NULL);
    ck_assert_int_eq(run(&out, "tools/vnvram", "import", img, "e", der,
                         NULL), 0);
    g_free(out);
    /* a FIFO: the bytes go through it */
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    fd = open(fifo, O_RDWR | O_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "e", fifo,
                         NULL), 0);
    g_free(out);
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 5);
    ck_assert(memcmp(buf, "\x30\x03\x02\x01\x05", 5) == 0);
    close(fd);
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    /* a dangling symbolic link: its target is made, the link stays */
    ck_assert_int_eq(symlink(target, dangling), 0);
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "e", dangling,
                         NULL), 0);
    g_free(out);
    ck_assert_int_eq(lstat(dangling, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert(g_file_get_contents(target, &contents, &len, NULL));
    ck_assert(len == 5 && memcmp(contents, "\x30\x03\x02\x01\x05", 5) == 0);
    g_free(contents);
    /* a directory: refused by name */
    ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "e", workdir,
                         NULL), 2);
    ck_assert_msg(strstr(out, workdir) && strstr(out, "Is a directory") &&
                  strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    g_free(out);
    if (stat("/dev/full", &st) == 0 && S_ISCHR(st.st_mode)) {
        /* a link to a full device: ENOSPC, the link and the device kept */
        ck_assert_int_eq(symlink("/dev/full", link), 0);
        ck_assert_int_eq(run(&out, "tools/vnvram", "export", img, "e", link,
                             NULL), 2);
        ck_assert_msg(strstr(out, link) &&
                      strstr(out, g_strerror(ENOSPC)), "%s", out);
        g_free(out);
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
        ck_assert_int_eq(stat("/dev/full", &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
        /* standard output on a full device: one line, exit 2 */
        for (size_t i = 0; i < G_N_ELEMENTS(cmds); i++) {
            const char *entry = g_str_has_prefix(cmds[i], "check") ||
                                !strcmp(cmds[i], "info") ? "" : " e";
            char *err = NULL;

            args = g_strdup_printf("%s '%s'%s", cmds[i], img, entry);
            ck_assert_int_eq(run_to_full(&err, args), 2);
            /* said once (export reports it itself, not again at exit) */
            ck_assert_msg(strstr(err, "writing to standard output: ") &&
                          strstr(err, g_strerror(ENOSPC)) &&
                          strstr(err, "standard output") ==
                          g_strrstr(err, "standard output"),
                          "%s: %s", args, err);
            g_free(err);
            g_free(args);
        }
        unlink(link);
    }
    unlink(dangling);
    unlink(target);
    unlink(fifo);
    unlink(img);
    unlink(der);
    g_free(img);
    g_free(der);
    g_free(link);
    g_free(dangling);
    g_free(target);
    g_free(fifo);
}
END_TEST

/*
 * The demo device's usage errors: one line naming what is wrong and
 * "try --help", exit 2 (not the whole usage text); a failure to open its
 * image names the image.
 */
START_TEST(test_device_usage_errors)
{
    char *img = img_path("device-usage.img"), *junk = img_path("junk2.img");
    char *key = img_path("device.key"), *out = NULL;
    struct {
        const char *args[5];
        const char *needle;
    } cases[] = {
        { { NULL }, "IMG and a COMMAND are needed" },
        { { img }, "a COMMAND is needed" },
        { { img, "frobnicate" }, "unknown command 'frobnicate'" },
        { { img, "run", "abc" }, "bad count 'abc'" },
        { { img, "run", "-5" }, "bad count '-5'" },
        { { img, "run", "100001" }, "bad count '100001'" },
        { { img, "show", "extra" }, "show: unexpected argument 'extra'" },
        { { img, "format", "--bogus" }, "unknown option '--bogus'" },
        { { img, "show", "--key-file" }, "--key-file needs a file" },
        { { img, "run", "1", "2" }, "unexpected argument '2'" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char **a = cases[i].args;
        int ret = run(&out, "examples/tpm-device", a[0], a[1], a[2], a[3],
                      a[4], NULL);

        ck_assert_msg(ret == 2 && strstr(out, cases[i].needle) &&
                      strstr(out, "try 'tpm-device --help'") &&
                      strchr(out, '\n') == out + strlen(out) - 1,
                      "case %zu: exit %d: %s", i, ret, out);
        g_free(out);
    }
    /* a key file: what it holds, against what is needed */
    ck_assert(g_file_set_contents(key, "0123456789abcdef0123456789abcdef"
                                  "0123456789abcdef0123456789abcdef", -1,
                                  NULL));
    expect_run(2, "holds 64 bytes, not 32", "examples/tpm-device", img,
               "format", "--key-file", key, NULL);
    /* an image it cannot use: named */
    ck_assert(g_file_set_contents(junk, "not an image at all", -1, NULL));
    ck_assert_int_eq(run(&out, "examples/tpm-device", junk, "show", NULL), 1);
    ck_assert_msg(strstr(out, junk) && strstr(out, "not an NVRAM image") &&
                  strchr(out, '\n') == out + strlen(out) - 1, "%s", out);
    g_free(out);
    expect_run(0, "Usage: tpm-device IMG COMMAND", "examples/tpm-device",
               "--help", NULL);
    unlink(junk);
    unlink(key);
    g_free(img);
    g_free(junk);
    g_free(key);
}
END_TEST

/*
 * Rough edges: every usage error is one line naming what is wrong and
 * "try --help", exit 2; options that do not apply are refused.
 */
START_TEST(test_tool_usage_errors)
{
    char *img = img_path("usage.img"), *out = NULL;
    struct {
        const char *args[6];
        const char *needle;
    } cases[] = {
        { { "info" }, "info needs IMG" },
        { { "frobnicate", "x" }, "unknown command" },
        { { "create", "x.img", "--entry", "a:-5" }, "bad size '-5'" },
        { { "create", "x.img", "--entry", "a:1T" }, "KiB, MiB, GiB" },
        { { "create", "x.img", "--entry", "a:1:fast" }, "unknown policy" },
        { { "create", "x.img" }, "needs --entry or --profile" },
        { { "measure", "--profile", "tpm2", "--entry", "a:1" },
          "do not go together" },
        { { "check", "--force", "x.img" }, "--force does not apply" },
        { { "measure", "--force", "--profile", "tpm2" },
          "--force does not apply" },
        { { "dump", "x.img", "e", "--raw", "--hex" }, "one of --raw" },
        { { "info", "x.img", "y" }, "unexpected argument 'y'" },
        { { "resize", "x.img", "--entry", "a:1", "--entry" },
          "needs a value" },
    };

    for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
        const char **a = cases[i].args;
        int ret = run(&out, "tools/vnvram", a[0], a[1], a[2], a[3], a[4],
                      a[5], NULL);

        ck_assert_msg(ret == 2 && strstr(out, cases[i].needle) &&
                      strstr(out, "try 'vnvram --help'") &&
                      strchr(out, '\n') == out + strlen(out) - 1,
                      "case %zu: exit %d: %s", i, ret, out);
        g_free(out);
    }
    /* sizes with G, KiB, MiB */
    expect_run(0, NULL, "tools/vnvram", "measure", "--entry", "a:1KiB",
               "--entry", "b:1MiB", "--entry", "c:1k", NULL);
    /* a key file: the reason it cannot be read; a key for a plain image */
    unlink(img);
    expect_run(0, NULL, "tools/vnvram", "create", img, "--entry", "a:100",
               NULL);
    expect_run(2, "No such file or directory", "tools/vnvram", "dump", img,
               "a", "--key-file", "/nonexistent-key", NULL);
    {
        char *key = img_path("usage.key");

        ck_assert(g_file_set_contents(key, "0123456789abcdef0123456789abcdef"
                                      "0123456789abcdef0123456789abcdef", -1,
                                      NULL));
        expect_run(2, "--key-file does not apply", "tools/vnvram", "dump", img,
                   "a", "--key-file", key, NULL);
        unlink(key);
        g_free(key);
    }
    unlink(img);
    g_free(img);
}
END_TEST

int main(void)
{
    const char *b = g_getenv("top_builddir");
    Suite *s = suite_create("nvram-tool");
    TCase *tc = tcase_create("tool");
    int status;

    builddir = g_strdup(b ? b : ".");
    workdir = g_dir_make_tmp("test-nvram-tool-XXXXXX", NULL);
    if (!workdir) {
        return EXIT_FAILURE;
    }
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_tool_lifecycle);
    tcase_add_test(tc, test_device_power_cycles);
    tcase_add_test(tc, test_device_json_entries_and_damage);
    tcase_add_test(tc, test_tool_encrypted);
    tcase_add_test(tc, test_tool_fifo);
    tcase_add_test(tc, test_tool_verbs);
    tcase_add_test(tc, test_tool_usage_errors);
    tcase_add_test(tc, test_tool_errors_name_the_image);
    tcase_add_test(tc, test_device_usage_errors);
    tcase_add_test(tc, test_tool_export_targets);
    tcase_add_test(tc, test_tool_file_size_limit);
    tcase_add_test(tc, test_tool_truncated);
    tcase_add_test(tc, test_tool_grow_size_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("full-disk");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, full_fs_mount, full_fs_unmount);
    tcase_add_test(tc, test_tool_full_disk_create);
    tcase_add_test(tc, test_tool_full_disk_grow);
    suite_add_tcase(s, tc);
    status = check_run_suite(s);
    rmdir(workdir);
    g_free(workdir);
    g_free(builddir);
    return status;
}
