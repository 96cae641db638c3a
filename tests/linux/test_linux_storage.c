/*
 * The Linux file storage (platforms/linux/file_storage.c, cert_install.c):
 * layout, modes, atomic replacement, the certificate directory install on
 * both swap paths, sanitized names, limits and every error code.
 */
#include <fcntl.h>
#include <sys/wait.h>

#include "linux_test_util.h"
#include "nacme_linux.h"

typedef struct fixture {
    char dir[512];
    nacme_linux_storage_t st;
    nacme_storage_t port;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    char base[400];
    lt_scratch(base, sizeof base);
    snprintf(f->dir, sizeof f->dir, "%s/state", base); /* created by the storage */
    assert_int_equal(nacme_linux_storage_init(&f->st, f->dir), NACME_OK);
    nacme_linux_storage_port(&f->st, &f->port);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    nacme_linux_storage_free(&f->st);
    char base[512];
    snprintf(base, sizeof base, "%s", f->dir);
    *strrchr(base, '/') = '\0';
    lt_rm_rf(base);
    free(f);
    return 0;
}

static int put(fixture_t *f, nacme_object_t obj, const char *scope, const void *data, size_t len)
{
    int rc = f->port.begin(f->port.ctx, obj, scope);
    if (rc != NACME_OK) return rc;
    /* in pieces of 100 bytes, as the engine streams */
    for (size_t off = 0; off < len; off += 100) {
        rc = f->port.append(f->port.ctx, (const uint8_t *)data + off, len - off < 100 ? len - off : 100);
        if (rc != NACME_OK) {
            f->port.abort(f->port.ctx);
            return rc;
        }
    }
    return f->port.commit(f->port.ctx);
}

/* Read the whole object in chunks of `chunk` bytes; returns malloc'd bytes or NULL with *rc set. */
static uint8_t *get(fixture_t *f, nacme_object_t obj, const char *scope, size_t chunk, size_t *len, int *rc)
{
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (int guard = 0; guard < 1 << 20; guard++) {
        size_t got = 99999;
        *rc = f->port.read(f->port.ctx, obj, scope, (uint32_t)n, buf + n, chunk, &got);
        if (*rc != NACME_OK) {
            free(buf);
            return NULL;
        }
        if (got == 0) break;
        assert_true(got <= chunk);
        n += got;
        assert_true(n + chunk <= cap);
    }
    *len = n;
    return buf;
}

static void assert_object(fixture_t *f, nacme_object_t obj, const char *scope, const void *exp, size_t exp_len)
{
    static const size_t chunks[] = {1, 7, 100, 65536};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        size_t len;
        int rc;
        uint8_t *got = get(f, obj, scope, chunks[i], &len, &rc);
        assert_int_equal(rc, NACME_OK);
        assert_int_equal(len, exp_len);
        assert_memory_equal(got, exp, exp_len);
        free(got);
    }
}

static void path_of(const fixture_t *f, char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s/%s", f->dir, rel);
}

static void assert_file(const fixture_t *f, const char *rel, const void *exp, size_t exp_len, int mode)
{
    char path[1024];
    path_of(f, path, sizeof path, rel);
    size_t len;
    uint8_t *got = lt_slurp(path, &len);
    if (got == NULL) fail_msg("missing %s", path);
    assert_int_equal(len, exp_len);
    assert_memory_equal(got, exp, exp_len);
    assert_int_equal(lt_mode(path), mode);
    free(got);
}

/* ---- file objects ------------------------------------------------------------------ */

static void test_every_file_object_round_trips(void **state)
{
    fixture_t *f = *state;
    static const struct {
        nacme_object_t obj;
        const char *scope;
        const char *file;
    } cases[] = {
        {NACME_OBJ_ACCOUNT_KEY, "acme.example:14000", "accounts/acme.example:14000/account.key"},
        {NACME_OBJ_ACCOUNT, "acme.example:14000", "accounts/acme.example:14000/account.json"},
        {NACME_OBJ_ORDER, "www.example.com", "certs/www.example.com/order.json"},
        {NACME_OBJ_STATE, "www.example.com", "certs/www.example.com/state.json"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char data[700];
        for (size_t k = 0; k < sizeof data; k++) data[k] = (char)('a' + (k * 7 + i) % 26);
        assert_int_equal(put(f, cases[i].obj, cases[i].scope, data, sizeof data), NACME_OK);
        assert_object(f, cases[i].obj, cases[i].scope, data, sizeof data);
        assert_file(f, cases[i].file, data, sizeof data, 0600);
        /* a read past the end gives nothing */
        uint8_t b[4];
        size_t got = 9;
        assert_int_equal(f->port.read(f->port.ctx, cases[i].obj, cases[i].scope, 700, b, 4, &got), NACME_OK);
        assert_int_equal(got, 0);
        assert_int_equal(f->port.read(f->port.ctx, cases[i].obj, cases[i].scope, 5000, b, 4, &got), NACME_OK);
        assert_int_equal(got, 0);
        /* the same from the other objects' point of view: every object is separate */
        char path[1024];
        assert_int_equal(nacme_linux_storage_path(&f->st, cases[i].obj, cases[i].scope, path, sizeof path),
                         NACME_OK);
        char exp[1024];
        path_of(f, exp, sizeof exp, cases[i].file);
        assert_string_equal(path, exp);
    }
    /* an empty object */
    assert_int_equal(put(f, NACME_OBJ_STATE, "empty.example", "", 0), NACME_OK);
    assert_object(f, NACME_OBJ_STATE, "empty.example", "", 0);
}

static void test_modes_despite_umask(void **state)
{
    fixture_t *f = *state;
    mode_t old = umask(0277); /* would give 0500 folders and 0400 files */
    int rc = put(f, NACME_OBJ_ACCOUNT_KEY, "ca.example", "KEY", 3);
    int rc2 = put(f, NACME_OBJ_ORDER, "a.example", "{}", 2);
    umask(old);
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(rc2, NACME_OK);
    char p[1024];
    assert_int_equal(lt_mode(f->dir), 0700);
    path_of(f, p, sizeof p, "accounts");
    assert_int_equal(lt_mode(p), 0700);
    path_of(f, p, sizeof p, "accounts/ca.example");
    assert_int_equal(lt_mode(p), 0700);
    path_of(f, p, sizeof p, "accounts/ca.example/account.key");
    assert_int_equal(lt_mode(p), 0600);
    path_of(f, p, sizeof p, "certs");
    assert_int_equal(lt_mode(p), 0700);
    path_of(f, p, sizeof p, "certs/a.example");
    assert_int_equal(lt_mode(p), 0700);
    path_of(f, p, sizeof p, "certs/a.example/order.json");
    assert_int_equal(lt_mode(p), 0600);
}

static void test_replacement_is_atomic(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ORDER, "x.example", "version 1", 9), NACME_OK);
    /* an open write is invisible until commit */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ORDER, "x.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)"version 2!", 10), NACME_OK);
    assert_object(f, NACME_OBJ_ORDER, "x.example", "version 1", 9);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_OK);
    assert_object(f, NACME_OBJ_ORDER, "x.example", "version 2!", 10);
    /* abort keeps the old version and leaves no temporary behind */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ORDER, "x.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)"three", 5), NACME_OK);
    f->port.abort(f->port.ctx);
    f->port.abort(f->port.ctx); /* harmless */
    assert_object(f, NACME_OBJ_ORDER, "x.example", "version 2!", 10);
    char p[1024];
    path_of(f, p, sizeof p, "certs/x.example");
    assert_int_equal(lt_count_entries(p), 1);
}

static void test_crash_before_commit_keeps_old(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "ca.example", "old", 3), NACME_OK);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ACCOUNT, "ca.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)"new!", 4), NACME_OK);
    /* the process dies: its descriptor goes, the temporary stays */
    close(f->st.fd);
    nacme_linux_storage_t again;
    nacme_storage_t port;
    assert_int_equal(nacme_linux_storage_init(&again, f->dir), NACME_OK);
    nacme_linux_storage_port(&again, &port);
    uint8_t buf[16];
    size_t got;
    assert_int_equal(port.read(port.ctx, NACME_OBJ_ACCOUNT, "ca.example", 0, buf, sizeof buf, &got), NACME_OK);
    assert_int_equal(got, 3);
    assert_memory_equal(buf, "old", 3);
    char p[1024];
    path_of(f, p, sizeof p, "accounts/ca.example");
    assert_int_equal(lt_count_entries(p), 2); /* account.json and the temporary */
    /* the next write (same PID, so the same temporary name) replaces the leftover */
    assert_int_equal(port.begin(port.ctx, NACME_OBJ_ACCOUNT, "ca.example"), NACME_OK);
    assert_int_equal(port.append(port.ctx, (const uint8_t *)"newer", 5), NACME_OK);
    assert_int_equal(port.commit(port.ctx), NACME_OK);
    assert_int_equal(port.read(port.ctx, NACME_OBJ_ACCOUNT, "ca.example", 0, buf, sizeof buf, &got), NACME_OK);
    assert_int_equal(got, 5);
    assert_memory_equal(buf, "newer", 5);
    assert_int_equal(lt_count_entries(p), 1);
    f->st.open = false; /* its write died with the "process" */
    f->st.fd = -1;
}

static void test_call_order_errors(void **state)
{
    fixture_t *f = *state;
    uint8_t b[4] = {0};
    size_t got;
    assert_int_equal(f->port.append(f->port.ctx, b, 1), NACME_ERR_STATE);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_ERR_STATE);
    f->port.abort(f->port.ctx);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "none.example", 0, b, 4, &got),
                     NACME_ERR_NOT_FOUND);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_CERT, "none.example", 0, b, 4, &got),
                     NACME_ERR_NOT_FOUND);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ACCOUNT_KEY, "none.example", 0, b, 4, &got),
                     NACME_ERR_NOT_FOUND);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "none.example", 0, b, 4, NULL), NACME_ERR_ARG);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "none.example"), NACME_OK);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_CERT, "none.example"), NACME_OK);
    assert_int_equal(f->port.begin(f->port.ctx, (nacme_object_t)99, "x"), NACME_ERR_ARG);
    assert_int_equal(f->port.begin(f->port.ctx, (nacme_object_t)0, "x"), NACME_ERR_ARG);
    assert_int_equal(f->port.read(f->port.ctx, (nacme_object_t)99, "x", 0, b, 4, &got), NACME_ERR_ARG);
    assert_int_equal(f->port.remove(f->port.ctx, (nacme_object_t)6, "x"), NACME_ERR_ARG);
    /* one write at a time */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ORDER, "a.example"), NACME_OK);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_STATE, "a.example"), NACME_ERR_STATE);
    assert_int_equal(f->port.append(f->port.ctx, NULL, 3), NACME_ERR_ARG);
    assert_int_equal(f->port.append(f->port.ctx, NULL, 0), NACME_OK);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_OK);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_ERR_STATE);
    assert_object(f, NACME_OBJ_ORDER, "a.example", "", 0);
}

static void test_size_limit(void **state)
{
    fixture_t *f = *state;
    uint8_t big[NACME_LINUX_OBJECT_MAX + 1];
    memset(big, 'x', sizeof big);
    /* the default limit: 64 KiB fits, one more byte does not */
    assert_int_equal(put(f, NACME_OBJ_STATE, "big.example", big, NACME_LINUX_OBJECT_MAX), NACME_OK);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_STATE, "big.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, sizeof big), NACME_ERR_TOO_LARGE);
    f->port.abort(f->port.ctx);
    f->st.max_object = 10;
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ORDER, "small.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, 6), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, 5), NACME_ERR_TOO_LARGE);
    assert_int_equal(f->port.append(f->port.ctx, big, 4), NACME_OK); /* still open, at 10 */
    assert_int_equal(f->port.append(f->port.ctx, big, 1), NACME_ERR_TOO_LARGE);
    assert_int_equal(f->port.append(f->port.ctx, big, SIZE_MAX), NACME_ERR_TOO_LARGE);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_OK);
    assert_object(f, NACME_OBJ_ORDER, "small.example", big, 10);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "small.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, 11), NACME_ERR_TOO_LARGE);
    f->port.abort(f->port.ctx);
    assert_object(f, NACME_OBJ_STATE, "big.example", big, NACME_LINUX_OBJECT_MAX);
}

static void test_remove(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ORDER, "r.example", "o", 1), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_STATE, "r.example", "s", 1), NACME_OK);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "r.example"), NACME_OK);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "r.example"), NACME_OK);
    uint8_t b[4];
    size_t got;
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "r.example", 0, b, 4, &got), NACME_ERR_NOT_FOUND);
    assert_object(f, NACME_OBJ_STATE, "r.example", "s", 1);
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT_KEY, "ca", "k", 1), NACME_OK);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ACCOUNT_KEY, "ca"), NACME_OK);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ACCOUNT_KEY, "ca", 0, b, 4, &got), NACME_ERR_NOT_FOUND);
}

/* ---- names ------------------------------------------------------------------------------ */

static void test_name_sanitation(void **state)
{
    (void)state;
    static const struct {
        const char *in;
        bool cert;
        int rc;
        const char *out;
    } cases[] = {
        {"*.example.com", true, NACME_OK, "_wildcard_.example.com"},
        {"*.example.com", false, NACME_OK, "_.example.com"},
        {"a*b", true, NACME_OK, "a_wildcard_b"},
        {"example.com", true, NACME_OK, "example.com"},
        {"Ex-am_ple.COM:8443", false, NACME_OK, "Ex-am_ple.COM:8443"},
        {"[::1]:14000", false, NACME_OK, "_::1_:14000"},
        {"a/b", true, NACME_OK, "a_b"},
        {"x/../../etc", true, NACME_OK, "x_.._.._etc"},
        {"/etc/passwd", true, NACME_OK, "_etc_passwd"},
        {"sp ace\ttab\nnl", true, NACME_OK, "sp_ace_tab_nl"},
        {"\xc3\xbc.example", true, NACME_OK, "__.example"},
        {"..", true, NACME_ERR_ARG, NULL},
        {".", false, NACME_ERR_ARG, NULL},
        {"../x", true, NACME_ERR_ARG, NULL},
        {".hidden", true, NACME_ERR_ARG, NULL},
        {"", true, NACME_ERR_ARG, NULL},
    };
    char out[NACME_LINUX_NAME_MAX + 1];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memset(out, 0, sizeof out);
        assert_int_equal(nacme_linux_storage_name(cases[i].in, cases[i].cert, out, sizeof out), cases[i].rc);
        if (cases[i].out != NULL) assert_string_equal(out, cases[i].out);
    }
    assert_int_equal(nacme_linux_storage_name(NULL, true, out, sizeof out), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_storage_name("a", true, NULL, 4), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_storage_name("a", true, out, 0), NACME_ERR_TOO_LARGE);
    /* length limits: NACME_LINUX_NAME_MAX characters, or the buffer */
    char longname[NACME_LINUX_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname);
    longname[NACME_LINUX_NAME_MAX] = '\0';
    assert_int_equal(nacme_linux_storage_name(longname, true, out, sizeof out), NACME_OK);
    assert_int_equal(strlen(out), NACME_LINUX_NAME_MAX);
    longname[NACME_LINUX_NAME_MAX] = 'a';
    longname[NACME_LINUX_NAME_MAX + 1] = '\0';
    assert_int_equal(nacme_linux_storage_name(longname, true, out, sizeof out), NACME_ERR_TOO_LARGE);
    longname[NACME_LINUX_NAME_MAX - 5] = '*'; /* "_wildcard_" pushes it over */
    longname[NACME_LINUX_NAME_MAX] = '\0';
    assert_int_equal(nacme_linux_storage_name(longname, true, out, sizeof out), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_linux_storage_name(longname, false, out, sizeof out), NACME_OK);
    assert_int_equal(nacme_linux_storage_name("abcd", true, out, 4), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_linux_storage_name("abc", true, out, 4), NACME_OK);
}

static void test_names_stay_inside_the_state_dir(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ORDER, "*.example.com", "w", 1), NACME_OK);
    char p[1024];
    path_of(f, p, sizeof p, "certs/_wildcard_.example.com/order.json");
    assert_true(lt_exists(p));
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "[2001:db8::1]:443", "a", 1), NACME_OK);
    path_of(f, p, sizeof p, "accounts/_2001:db8::1_:443/account.json");
    assert_true(lt_exists(p));
    /* traversal attempts: refused or flattened into one harmless name */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ORDER, ".."), NACME_ERR_ARG);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_ACCOUNT_KEY, "."), NACME_ERR_ARG);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "../../outside"), NACME_ERR_ARG);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_STATE, ""), NACME_ERR_ARG);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_STATE, NULL), NACME_ERR_ARG);
    assert_int_equal(put(f, NACME_OBJ_STATE, "a/../../../outside", "t", 1), NACME_OK);
    path_of(f, p, sizeof p, "certs/a_.._.._.._outside/state.json");
    assert_true(lt_exists(p));
    /* nothing was created next to the state folder */
    char base[512];
    snprintf(base, sizeof base, "%s", f->dir);
    *strrchr(base, '/') = '\0';
    assert_int_equal(lt_count_entries(base), 1);
    path_of(f, p, sizeof p, "");
    assert_int_equal(lt_count_entries(p), 2); /* accounts, certs */
    uint8_t b[2];
    size_t got;
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "..", 0, b, 2, &got), NACME_ERR_ARG);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, ".."), NACME_ERR_ARG);
}

static void test_init_and_path(void **state)
{
    (void)state;
    nacme_linux_storage_t s;
    assert_int_equal(nacme_linux_storage_init(NULL, "/x"), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_storage_init(&s, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_storage_init(&s, ""), NACME_ERR_ARG);
    char *longdir = malloc(NACME_LINUX_DIR_MAX + 2);
    memset(longdir, 'd', NACME_LINUX_DIR_MAX + 1);
    longdir[NACME_LINUX_DIR_MAX + 1] = '\0';
    assert_int_equal(nacme_linux_storage_init(&s, longdir), NACME_ERR_TOO_LARGE);
    free(longdir);
    assert_int_equal(nacme_linux_storage_init(&s, "/var/lib/nanoacme//"), NACME_OK);
    assert_int_equal(s.max_object, NACME_LINUX_OBJECT_MAX);
    char p[256];
    assert_int_equal(nacme_linux_storage_path(&s, NACME_OBJ_CERT, "*.example.org", p, sizeof p), NACME_OK);
    assert_string_equal(p, "/var/lib/nanoacme/certs/_wildcard_.example.org");
    assert_int_equal(nacme_linux_storage_path(&s, NACME_OBJ_ACCOUNT_KEY, "ca:1", p, sizeof p), NACME_OK);
    assert_string_equal(p, "/var/lib/nanoacme/accounts/ca:1/account.key");
    assert_int_equal(nacme_linux_storage_path(&s, NACME_OBJ_STATE, "n", p, sizeof p), NACME_OK);
    assert_string_equal(p, "/var/lib/nanoacme/certs/n/state.json");
    assert_int_equal(nacme_linux_storage_path(&s, NACME_OBJ_STATE, "n", p, 20), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_linux_storage_path(&s, NACME_OBJ_STATE, "..", p, sizeof p), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_storage_path(&s, (nacme_object_t)9, "n", p, sizeof p), NACME_ERR_ARG);
    nacme_linux_storage_free(&s);
    nacme_linux_storage_free(NULL);
}

/* ---- the certificate object -------------------------------------------------------------- */

typedef struct cert_material {
    char *key, *leaf, *inter, *root;
    size_t key_len, leaf_len, inter_len, root_len;
    char *object; /* key, then the chain with text around the blocks */
    size_t object_len;
} cert_material_t;

static void material(cert_material_t *m, const char *key, const char *leaf)
{
    m->key = lt_data(key, &m->key_len);
    m->leaf = lt_data(leaf, &m->leaf_len);
    m->inter = lt_data("inter.pem", &m->inter_len);
    m->root = lt_data("ca.pem", &m->root_len);
    size_t cap = m->key_len + m->leaf_len + m->inter_len + m->root_len + 200;
    m->object = malloc(cap);
    int n = snprintf(m->object, cap, "%s%s\nsubject=intermediate\n%s# root, no newline at the end\n%.*s", m->key,
                     m->leaf, m->inter, (int)m->root_len - 1, m->root);
    m->object_len = (size_t)n;
}

static void material_free(cert_material_t *m)
{
    free(m->key);
    free(m->leaf);
    free(m->inter);
    free(m->root);
    free(m->object);
}

static void assert_installed(fixture_t *f, const char *name, const cert_material_t *m)
{
    char rel[512];
    snprintf(rel, sizeof rel, "certs/%s/privkey.pem", name);
    assert_file(f, rel, m->key, m->key_len, 0600);
    snprintf(rel, sizeof rel, "certs/%s/cert.pem", name);
    assert_file(f, rel, m->leaf, m->leaf_len, 0644);
    size_t chain_len = m->inter_len + m->root_len;
    char *chain = malloc(chain_len);
    memcpy(chain, m->inter, m->inter_len);
    memcpy(chain + m->inter_len, m->root, m->root_len);
    snprintf(rel, sizeof rel, "certs/%s/chain.pem", name);
    assert_file(f, rel, chain, chain_len, 0644);
    size_t full_len = m->leaf_len + chain_len;
    char *full = malloc(full_len);
    memcpy(full, m->leaf, m->leaf_len);
    memcpy(full + m->leaf_len, chain, chain_len);
    snprintf(rel, sizeof rel, "certs/%s/fullchain.pem", name);
    assert_file(f, rel, full, full_len, 0644);
    /* read back: privkey.pem then fullchain.pem */
    size_t obj_len = m->key_len + full_len;
    char *obj = malloc(obj_len);
    memcpy(obj, m->key, m->key_len);
    memcpy(obj + m->key_len, full, full_len);
    assert_object(f, NACME_OBJ_CERT, name, obj, obj_len);
    /* nothing else left in certs/ (temporaries, old directories) */
    char certs[1024];
    path_of(f, certs, sizeof certs, "certs");
    DIR *d = opendir(certs);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) assert_true(e->d_name[0] != '.' || e->d_name[1] == '\0' || e->d_name[1] == '.');
    closedir(d);
    free(chain);
    free(full);
    free(obj);
}

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cert_install_files(void **state)
{
    fixture_t *f = *state;
    cert_material_t m;
    material(&m, "server-sec1.key", "server.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "*.example.com", m.object, m.object_len), NACME_OK);
    assert_installed(f, "_wildcard_.example.com", &m);
    char p[1024];
    path_of(f, p, sizeof p, "certs/_wildcard_.example.com");
    assert_int_equal(lt_mode(p), 0700);
    assert_int_equal(lt_count_entries(p), 4);
    /* openssl reads the key and the certificate, they match, and the chain verifies */
    char cmd[4096], ca[1024];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && openssl pkey -in privkey.pem -pubout -out k.pub 2>/dev/null && "
             "openssl x509 -in cert.pem -noout -pubkey -out c.pub 2>/dev/null && cmp -s k.pub c.pub && "
             "openssl verify -CAfile '%s' -untrusted chain.pem cert.pem >/dev/null 2>&1 && "
             "openssl verify -CAfile '%s' -untrusted fullchain.pem fullchain.pem >/dev/null 2>&1; "
             "rc=$?; rm -f k.pub c.pub; exit $rc",
             p, lt_data_path("ca.pem", ca, sizeof ca), ca);
    assert_int_equal(run(cmd), 0);
    material_free(&m);
}

/* A second install replaces the four files as one directory and keeps the other files. */
static void reinstall(fixture_t *f, bool no_exchange)
{
    f->st.no_exchange = no_exchange;
    cert_material_t m1, m2;
    material(&m1, "server-sec1.key", "server.pem");
    material(&m2, "wrong.key", "wrong.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "example.com", m1.object, m1.object_len), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_ORDER, "example.com", "order", 5), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_STATE, "example.com", "state", 5), NACME_OK);
    char meta[1024], dir[1024];
    path_of(f, meta, sizeof meta, "certs/example.com/meta.json");
    path_of(f, dir, sizeof dir, "certs/example.com");
    FILE *mf = fopen(meta, "w");
    fputs("{\"meta\":1}", mf);
    fclose(mf);
    chmod(meta, 0640);
    struct stat before, after;
    assert_int_equal(stat(dir, &before), 0);
    /* the old set stays readable while the new one streams in */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "example.com"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)m2.object, m2.object_len), NACME_OK);
    assert_installed(f, "example.com", &m1);
    assert_int_equal(f->port.commit(f->port.ctx), NACME_OK);
    assert_installed(f, "example.com", &m2);
    assert_int_equal(stat(dir, &after), 0);
    assert_true(before.st_ino != after.st_ino); /* a new directory took the place */
    assert_object(f, NACME_OBJ_ORDER, "example.com", "order", 5);
    assert_object(f, NACME_OBJ_STATE, "example.com", "state", 5);
    assert_file(f, "certs/example.com/meta.json", "{\"meta\":1}", 10, 0640);
    assert_int_equal(lt_count_entries(dir), 7);
    /* the engine removes the checkpoint after the install */
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "example.com"), NACME_OK);
    assert_int_equal(lt_count_entries(dir), 6);
    material_free(&m1);
    material_free(&m2);
}

static void test_cert_reinstall_exchange(void **state)
{
    reinstall(*state, false);
}

static void test_cert_reinstall_two_renames(void **state)
{
    reinstall(*state, true);
}

static void test_cert_abort_and_bad_objects_keep_old(void **state)
{
    fixture_t *f = *state;
    cert_material_t m;
    material(&m, "server-sec1.key", "server.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "k.example", m.object, m.object_len), NACME_OK);
    /* abort */
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "k.example"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)m.key, m.key_len), NACME_OK);
    f->port.abort(f->port.ctx);
    assert_installed(f, "k.example", &m);
    /* objects that are not key + certificates are refused at commit */
    char *bad = malloc(m.object_len * 2 + 100);
    static const char *const cases[] = {"key-only", "leaf-first", "unterminated", "mid-line", "empty", "trusted"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = 0;
        if (i == 0) n = (size_t)sprintf(bad, "%s", m.key);
        if (i == 1) n = (size_t)sprintf(bad, "%s%s", m.leaf, m.key);
        if (i == 2) n = (size_t)sprintf(bad, "%s%.*s", m.key, (int)m.leaf_len - 30, m.leaf);
        if (i == 3) n = (size_t)sprintf(bad, "%sx-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", m.key);
        if (i == 5) n = (size_t)sprintf(bad, "%s-----BEGIN TRUSTED CERTIFICATE-----\nAA\n-----END TRUSTED CERTIFICATE-----\n", m.key);
        assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "k.example"), NACME_OK);
        if (n > 0) assert_int_equal(f->port.append(f->port.ctx, (const uint8_t *)bad, n), NACME_OK);
        assert_int_equal(f->port.commit(f->port.ctx), NACME_ERR_PEM);
        assert_int_equal(f->st.open, false);
        assert_installed(f, "k.example", &m);
    }
    free(bad);
    material_free(&m);
}

static void test_cert_refuses_to_lose_a_subdirectory(void **state)
{
    fixture_t *f = *state;
    cert_material_t m;
    material(&m, "server-sec1.key", "server.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "s.example", m.object, m.object_len), NACME_OK);
    char p[1024];
    path_of(f, p, sizeof p, "certs/s.example/keep");
    assert_int_equal(mkdir(p, 0700), 0);
    assert_int_equal(put(f, NACME_OBJ_CERT, "s.example", m.object, m.object_len), NACME_ERR_STORAGE);
    assert_true(lt_exists(p));
    assert_installed(f, "s.example", &m);
    rmdir(p);
    material_free(&m);
}

static void test_cert_crash_recovery(void **state)
{
    fixture_t *f = *state;
    cert_material_t m;
    material(&m, "server-sec1.key", "server.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "c.example", m.object, m.object_len), NACME_OK);
    char cur[1024], old[1024], stale[1024], other[1024];
    path_of(f, cur, sizeof cur, "certs/c.example");
    path_of(f, old, sizeof old, "certs/.c.example.old-4242");
    path_of(f, stale, sizeof stale, "certs/.c.example.new-4243");
    path_of(f, other, sizeof other, "certs/.c.example.old-x"); /* not ours: no PID */
    /* a two-rename swap cut after its first rename: the old set is found again */
    assert_int_equal(rename(cur, old), 0);
    assert_int_equal(mkdir(stale, 0700), 0);
    assert_int_equal(mkdir(other, 0700), 0);
    char junkfile[1100];
    snprintf(junkfile, sizeof junkfile, "%s/privkey.pem", stale);
    FILE *junk = fopen(junkfile, "w");
    fputs("half", junk);
    fclose(junk);
    {
        size_t len;
        int rc;
        uint8_t *got = get(f, NACME_OBJ_CERT, "c.example", 4096, &len, &rc);
        assert_int_equal(rc, NACME_OK);
        assert_int_equal(len, m.key_len + m.leaf_len + m.inter_len + m.root_len);
        free(got);
    }
    assert_true(lt_exists(cur));
    assert_false(lt_exists(old));
    assert_true(lt_exists(stale)); /* reads only restore */
    /* the next install clears the leftovers */
    assert_int_equal(put(f, NACME_OBJ_CERT, "c.example", m.object, m.object_len), NACME_OK);
    assert_false(lt_exists(stale));
    assert_true(lt_exists(other));
    rmdir(other);
    assert_installed(f, "c.example", &m);
    material_free(&m);
}

static void test_cert_half_present_is_corrupt_and_remove(void **state)
{
    fixture_t *f = *state;
    cert_material_t m;
    material(&m, "server-sec1.key", "server.pem");
    assert_int_equal(put(f, NACME_OBJ_CERT, "h.example", m.object, m.object_len), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_STATE, "h.example", "st", 2), NACME_OK);
    char p[1024];
    path_of(f, p, sizeof p, "certs/h.example/fullchain.pem");
    char moved[1100];
    snprintf(moved, sizeof moved, "%s.away", p);
    assert_int_equal(rename(p, moved), 0);
    uint8_t b[8];
    size_t got;
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_CERT, "h.example", 0, b, 8, &got),
                     NACME_ERR_STORAGE_CORRUPT);
    assert_int_equal(rename(moved, p), 0);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_CERT, "h.example"), NACME_OK);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_CERT, "h.example", 0, b, 8, &got), NACME_ERR_NOT_FOUND);
    path_of(f, p, sizeof p, "certs/h.example");
    assert_int_equal(lt_count_entries(p), 1); /* state.json stays */
    assert_object(f, NACME_OBJ_STATE, "h.example", "st", 2);
    material_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_file_object_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modes_despite_umask, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replacement_is_atomic, setup, teardown),
        cmocka_unit_test_setup_teardown(test_crash_before_commit_keeps_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_order_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test(test_name_sanitation),
        cmocka_unit_test_setup_teardown(test_names_stay_inside_the_state_dir, setup, teardown),
        cmocka_unit_test(test_init_and_path),
        cmocka_unit_test_setup_teardown(test_cert_install_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_reinstall_exchange, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_reinstall_two_renames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_abort_and_bad_objects_keep_old, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_refuses_to_lose_a_subdirectory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_crash_recovery, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cert_half_present_is_corrupt_and_remove, setup, teardown),
    };
    return cmocka_run_group_tests_name("linux-storage", tests, NULL, NULL);
}
