/*
 * Tests for platforms/linux/challenge_webroot.c through the challenge port:
 * file content and modes whatever the umask, atomic replacement, removal of
 * the file and of the directories it created (only those), and every
 * failure as NACME_ERR_CHALLENGE with a log line.
 */
#include "ch_util.h"

#include <dirent.h>
#include <limits.h>

#define T1 "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define KA1 T1 ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define T2 "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KA2 T2 ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"

typedef struct fx {
    nacme_linux_challenge_t ch;
    nacme_challenge_port_t port;
    tlog_t log;
    char dir[64];
    char path[256];
} fx_t;

static nacme_challenge_t http_ch(const char *token, const char *ka)
{
    nacme_challenge_t c;
    memset(&c, 0, sizeof c);
    c.type = NACME_CHALLENGE_HTTP_01;
    c.id_type = NACME_ID_DNS;
    c.identifier = "www.example.test";
    c.token = token;
    c.key_authorization = ka;
    return c;
}

/* A port over root (NULL: a fresh temporary folder). */
static fx_t *fx_new(const char *root)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    if (root) snprintf(f->dir, sizeof f->dir, "%s", root);
    else make_tmpdir(f->dir, sizeof f->dir, "webroot");
    nacme_linux_challenge_cfg_t cfg = {.webroot = f->dir, .log = tlog_port(&f->log)};
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_HTTP_01);
    return f;
}

static void fx_free(fx_t *f, bool remove)
{
    nacme_linux_challenge_free(&f->ch);
    if (remove) remove_tree(f->dir);
    free(f);
}

static int publish(fx_t *f, const char *token, const char *ka)
{
    nacme_challenge_t c = http_ch(token, ka);
    return f->port.publish(f->port.ctx, &c);
}

static int unpublish(fx_t *f, const char *token)
{
    nacme_challenge_t c = http_ch(token, NULL);
    return f->port.unpublish(f->port.ctx, &c);
}

static const char *path(fx_t *f, const char *rel)
{
    snprintf(f->path, sizeof f->path, "%s%s", f->dir, rel);
    return f->path;
}

static bool exists(fx_t *f, const char *rel)
{
    struct stat st;
    return lstat(path(f, rel), &st) == 0;
}

static unsigned mode_of(fx_t *f, const char *rel)
{
    struct stat st;
    assert_int_equal(lstat(path(f, rel), &st), 0);
    return (unsigned)(st.st_mode & 07777);
}

static unsigned entries(fx_t *f, const char *rel)
{
    DIR *d = opendir(path(f, rel));
    assert_non_null(d);
    unsigned n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void assert_file(fx_t *f, const char *token, const char *ka)
{
    char rel[200];
    snprintf(rel, sizeof rel, "/.well-known/acme-challenge/%s", token);
    size_t n = 0;
    char *data = read_whole(path(f, rel), &n);
    assert_non_null(data);
    assert_int_equal(n, strlen(ka));
    assert_string_equal(data, ka);
    free(data);
    assert_int_equal(mode_of(f, rel), 0644);
}

static void test_publish_writes_files(void **state)
{
    (void)state;
    /* a strict umask must not make the files unreadable for the web server */
    mode_t old = umask(077);
    fx_t *f = fx_new(NULL);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    umask(old);
    assert_file(f, T1, KA1);
    assert_file(f, T2, KA2);
    assert_int_equal(mode_of(f, "/.well-known"), 0755);
    assert_int_equal(mode_of(f, "/.well-known/acme-challenge"), 0755);
    assert_int_equal(entries(f, "/.well-known/acme-challenge"), 2); /* no temporary left */
    /* publishing again replaces the content */
    assert_int_equal(publish(f, T1, T1 ".other"), NACME_OK);
    assert_file(f, T1, T1 ".other");
    assert_int_equal(entries(f, "/.well-known/acme-challenge"), 2);
    fx_free(f, true);
}

static void test_unpublish_removes_what_it_made(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_false(exists(f, "/.well-known/acme-challenge/" T1));
    assert_true(exists(f, "/.well-known/acme-challenge/" T2)); /* the other stays, so does its folder */
    assert_int_equal(unpublish(f, T2), NACME_OK);
    assert_false(exists(f, "/.well-known"));                  /* both folders were ours and are empty */
    assert_int_equal(entries(f, ""), 0);
    assert_int_equal(unpublish(f, T2), NACME_OK);              /* already gone: fine */
    fx_free(f, true);
}

/* Folders that existed before stay, and so does anything else in them. */
static void test_existing_folders_kept(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL);
    assert_int_equal(mkdir(path(f, "/.well-known"), 0700), 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(mode_of(f, "/.well-known"), 0700); /* not ours: untouched */
    assert_int_equal(mode_of(f, "/.well-known/acme-challenge"), 0755);
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_true(exists(f, "/.well-known"));
    assert_false(exists(f, "/.well-known/acme-challenge"));
    /* both existing, with another file inside: only our file goes */
    assert_int_equal(mkdir(path(f, "/.well-known/acme-challenge"), 0755), 0);
    FILE *o = fopen(path(f, "/.well-known/acme-challenge/other"), "w");
    assert_non_null(o);
    fclose(o);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    assert_file(f, T2, KA2);
    assert_int_equal(unpublish(f, T2), NACME_OK);
    assert_int_equal(entries(f, "/.well-known/acme-challenge"), 1);
    assert_true(exists(f, "/.well-known/acme-challenge/other"));
    fx_free(f, true);
}

/* A file we made that someone filled with more: our folder stays while not empty. */
static void test_made_folder_not_empty(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    FILE *o = fopen(path(f, "/.well-known/acme-challenge/foreign"), "w");
    assert_non_null(o);
    fclose(o);
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_true(exists(f, "/.well-known/acme-challenge/foreign"));
    fx_free(f, true);
}

static void expect_failure(fx_t *f, const char *log_text)
{
    assert_int_equal(publish(f, T1, KA1), NACME_ERR_CHALLENGE);
    if (!tlog_has(&f->log, log_text)) {
        tlog_dump(&f->log);
        fail_msg("no log line with \"%s\"", log_text);
    }
}

/* The same, with the effective user "nobody" when the test runs as root. */
static void expect_failure_as_user(fx_t *f, const char *log_text)
{
    bool root = geteuid() == 0;
    if (root) assert_int_equal(seteuid(65534), 0);
    int rc = publish(f, T1, KA1);
    if (root) assert_int_equal(seteuid(0), 0);
    assert_int_equal(rc, NACME_ERR_CHALLENGE);
    if (!tlog_has(&f->log, log_text)) {
        tlog_dump(&f->log);
        fail_msg("no log line with \"%s\"", log_text);
    }
}

static void test_unusable_webroot(void **state)
{
    (void)state;
    char base[64];
    make_tmpdir(base, sizeof base, "webroot-bad");
    char p[128];

    /* missing */
    snprintf(p, sizeof p, "%s/missing", base);
    fx_t *f = fx_new(p);
    expect_failure(f, "No such file or directory");
    fx_free(f, false);

    /* a file, not a folder */
    snprintf(p, sizeof p, "%s/file", base);
    FILE *o = fopen(p, "w");
    assert_non_null(o);
    fclose(o);
    f = fx_new(p);
    expect_failure(f, "Not a directory");
    fx_free(f, false);

    /* .well-known/acme-challenge is a file */
    snprintf(p, sizeof p, "%s/root", base);
    assert_int_equal(mkdir(p, 0755), 0);
    f = fx_new(p);
    assert_int_equal(mkdir(path(f, "/.well-known"), 0755), 0);
    o = fopen(path(f, "/.well-known/acme-challenge"), "w");
    assert_non_null(o);
    fclose(o);
    expect_failure(f, "cannot create directory");
    fx_free(f, false);

    /* a folder that cannot be written (root is made an ordinary user for the call) */
    snprintf(p, sizeof p, "%s/ro", base);
    assert_int_equal(mkdir(p, 0555), 0);
    assert_int_equal(chmod(base, 0755), 0);
    f = fx_new(p);
    expect_failure_as_user(f, "cannot create directory");
    assert_true(tlog_has(&f->log, "Permission denied"));
    fx_free(f, false);
    chmod(p, 0755);
    remove_tree(base);
}

/* The file cannot be written: its name is taken by a folder, or its folder is read-only. */
static void test_file_not_writable(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL);
    assert_int_equal(mkdir(path(f, "/.well-known"), 0755), 0);
    assert_int_equal(mkdir(path(f, "/.well-known/acme-challenge"), 0755), 0);
    assert_int_equal(mkdir(path(f, "/.well-known/acme-challenge/" T1), 0755), 0);
    FILE *o = fopen(path(f, "/.well-known/acme-challenge/" T1 "/x"), "w");
    assert_non_null(o);
    fclose(o);
    expect_failure(f, "cannot write");
    assert_true(tlog_has(&f->log, "Is a directory"));
    assert_int_equal(entries(f, "/.well-known/acme-challenge"), 1); /* the temporary was removed */
    fx_free(f, true);

    f = fx_new(NULL);
    assert_int_equal(chmod(f->dir, 0755), 0);
    assert_int_equal(mkdir(path(f, "/.well-known"), 0755), 0);
    assert_int_equal(mkdir(path(f, "/.well-known/acme-challenge"), 0555), 0);
    expect_failure_as_user(f, "cannot create");
    assert_true(tlog_has(&f->log, "Permission denied"));
    assert_int_equal(entries(f, "/.well-known/acme-challenge"), 0);
    fx_free(f, true);
}

static void test_bad_material(void **state)
{
    (void)state;
    fx_t *f = fx_new(NULL);
    static const char *const tokens[] = {"", "..", "../x", "a/b", ".hidden", "a b"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        char ka[64];
        snprintf(ka, sizeof ka, "%s.x", tokens[i]);
        assert_int_equal(publish(f, tokens[i], ka), NACME_ERR_CHALLENGE);
        assert_int_equal(unpublish(f, tokens[i]), NACME_ERR_CHALLENGE);
    }
    assert_int_equal(publish(f, T1, KA2), NACME_ERR_CHALLENGE);
    assert_int_equal(entries(f, ""), 0); /* nothing created */
    fx_free(f, true);
}

static void test_path_too_long(void **state)
{
    (void)state;
    static char root[PATH_MAX];
    memset(root, 'a', sizeof root - 1);
    root[0] = '/';
    root[sizeof root - 1] = '\0';
    fx_t *f = calloc(1, sizeof *f);
    nacme_linux_challenge_cfg_t cfg = {.webroot = root, .log = tlog_port(&f->log)};
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(publish(f, T1, KA1), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "path too long"));
    assert_int_equal(unpublish(f, T1), NACME_ERR_CHALLENGE);
    nacme_linux_challenge_free(&f->ch);
    free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_publish_writes_files),
        cmocka_unit_test(test_unpublish_removes_what_it_made),
        cmocka_unit_test(test_existing_folders_kept),
        cmocka_unit_test(test_made_folder_not_empty),
        cmocka_unit_test(test_unusable_webroot),
        cmocka_unit_test(test_file_not_writable),
        cmocka_unit_test(test_bad_material),
        cmocka_unit_test(test_path_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
