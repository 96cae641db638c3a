/*
 * Shared by tests/core/test_jose.c and test_certgen.c: a crypto port on the
 * real wolfCrypt backend with deterministic entropy, their fixture (that
 * backend and two keys), and artifacts (files plus a manifest of checks)
 * for the independent verifier tests/core/verify_jose.py, which the tests
 * run through system().
 *
 * Temp folders are absolute (/tmp/...) so qemu-user runs, whose system()
 * starts the host's shell and python, find them too.
 */
#ifndef NACME_TEST_ARTIFACTS_H
#define NACME_TEST_ARTIFACTS_H

#include "test_util.h"

#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_entropy.h"
#include "nacme_wolfcrypt.h"

typedef struct test_crypto {
    fake_entropy_t fe;
    nacme_entropy_t entropy;
    nacme_wolfcrypt_t wc;
    nacme_crypto_t c;
} test_crypto_t;

/* A heap-allocated backend over fake entropy seeded with seed. */
static inline test_crypto_t *test_crypto_new(uint64_t seed)
{
    test_crypto_t *t = calloc(1, sizeof *t);
    assert_non_null(t);
    fake_entropy_init(&t->fe, seed);
    t->entropy = fake_entropy_port(&t->fe);
    assert_int_equal(nacme_wolfcrypt_init(&t->wc, &t->entropy), NACME_OK);
    nacme_wolfcrypt_port(&t->wc, &t->c);
    return t;
}

static inline void test_crypto_free(test_crypto_t *t)
{
    nacme_wolfcrypt_free(&t->wc);
    free(t);
}

/* A key from a fixed 32-byte private scalar. */
static inline nacme_key_t test_key_from_scalar(test_crypto_t *t, const uint8_t d[32])
{
    nacme_key_t k = {0};
    fake_entropy_script(&t->fe, d, 32);
    assert_int_equal(t->c.key_generate(t->c.ctx, &k), NACME_OK);
    return k;
}

/* A key whose scalar is the small number v. */
static inline nacme_key_t test_key_small(test_crypto_t *t, uint32_t v)
{
    uint8_t d[32] = {0};
    d[28] = (uint8_t)(v >> 24);
    d[29] = (uint8_t)(v >> 16);
    d[30] = (uint8_t)(v >> 8);
    d[31] = (uint8_t)v;
    return test_key_from_scalar(t, d);
}

static inline void test_pub(test_crypto_t *t, nacme_key_t k, uint8_t xy[64])
{
    assert_int_equal(t->c.key_public(t->c.ctx, k, xy), NACME_OK);
}

static inline void test_sign(test_crypto_t *t, nacme_key_t k, const uint8_t digest[32], uint8_t rs[64])
{
    assert_int_equal(t->c.sign_digest(t->c.ctx, k, digest, rs), NACME_OK);
}

static inline void test_sha256(test_crypto_t *t, const void *data, size_t len, uint8_t out[32])
{
    nacme_sha256_t st;
    assert_int_equal(t->c.sha256_init(t->c.ctx, &st), NACME_OK);
    assert_int_equal(t->c.sha256_update(t->c.ctx, &st, data, len), NACME_OK);
    assert_int_equal(t->c.sha256_final(t->c.ctx, &st, out), NACME_OK);
}

/* What test_edge_keys calls with an edge key: which 0, its x starts with a zero byte, 1, its y. */
typedef void test_edge_key_fn(void *ctx, nacme_key_t k, const uint8_t xy[64], int which);

/*
 * Generate keys on t (at most limit) until one whose x starts with a zero
 * byte and one whose y does have come, each key released after; found sees
 * the first of each. Says how many keys it took, fails unless both came.
 */
static inline void test_edge_keys(test_crypto_t *t, int limit, test_edge_key_fn *found, void *ctx)
{
    bool seen[2] = {false, false};
    int tries = 0;
    for (; tries < limit && !(seen[0] && seen[1]); tries++) {
        nacme_key_t k = {0};
        uint8_t xy[64];
        assert_int_equal(t->c.key_generate(t->c.ctx, &k), NACME_OK);
        test_pub(t, k, xy);
        int which = xy[0] == 0 ? 0 : xy[32] == 0 ? 1 : -1;
        if (which >= 0 && !seen[which]) {
            seen[which] = true;
            found(ctx, k, xy, which);
        }
        t->c.key_release(t->c.ctx, k);
    }
    printf("# keys with x or y below 2^248 found within %d keys\n", tries);
    assert_true(seen[0] && seen[1]);
}

/* Hex of "name" bytes into out (2 * n + 1). */
static inline void test_unhex(const char *h, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(h), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* ---- the two-key fixture ----------------------------------------------------- */

/* A test's fixture: a backend and two keys with small scalars, with their public points (x||y). */
typedef struct test_two_keys {
    test_crypto_t *t;
    nacme_key_t k1, k2;
    uint8_t xy1[64], xy2[64];
} test_two_keys_t;

/* cmocka setup: *state = a new test_two_keys_t, its backend seeded with seed, k1 of scalar a, k2 of scalar b. */
static inline int test_two_keys_setup(void **state, uint64_t seed, uint32_t a, uint32_t b)
{
    test_two_keys_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    f->t = test_crypto_new(seed);
    f->k1 = test_key_small(f->t, a);
    f->k2 = test_key_small(f->t, b);
    test_pub(f->t, f->k1, f->xy1);
    test_pub(f->t, f->k2, f->xy2);
    *state = f;
    return 0;
}

/* cmocka teardown: free what test_two_keys_setup made. */
static inline int test_two_keys_teardown(void **state)
{
    test_two_keys_t *f = *state;
    test_crypto_free(f->t);
    free(f);
    return 0;
}

/*
 * Defines a suite's cmocka fixture functions: setup and teardown, a
 * test_two_keys_t on a backend seeded with seed, k1 and k2 of the small
 * scalars a and b; group_setup and group_teardown, the suite's artifacts
 * folder made into dir (char[64], /tmp/nacme-TAG-XXXXXX) and removed.
 */
#define TEST_TWO_KEYS_FIXTURES(seed, a, b, dir, tag)                                \
    static int setup(void **state)                                                  \
    {                                                                               \
        return test_two_keys_setup(state, seed, a, b);                              \
    }                                                                               \
    static int teardown(void **state)                                               \
    {                                                                               \
        return test_two_keys_teardown(state);                                       \
    }                                                                               \
    static int group_setup(void **state)                                            \
    {                                                                               \
        (void)state;                                                                \
        return art_mkdir(dir, tag);                                                 \
    }                                                                               \
    static int group_teardown(void **state)                                         \
    {                                                                               \
        (void)state;                                                                \
        return art_rmdir(dir);                                                      \
    }

/* ---- artifacts -------------------------------------------------------------- */

/* Make an empty folder /tmp/nacme-TAG-XXXXXX into dir (64 bytes). */
static inline int art_mkdir(char dir[64], const char *tag)
{
    snprintf(dir, 64, "/tmp/nacme-%s-XXXXXX", tag);
    return mkdtemp(dir) != NULL ? 0 : -1;
}

/* Remove dir, unless NACME_KEEP_ARTIFACTS is set (then say where it is). */
static inline int art_rmdir(const char *dir)
{
    if (dir[0] == '\0') return 0;
    if (getenv("NACME_KEEP_ARTIFACTS") != NULL) {
        printf("# artifacts kept in %s\n", dir);
        return 0;
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static inline void art_write(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    if (fp == NULL) fail_msg("cannot write %s", path);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

/* Append one line (printf format) to dir/manifest.txt. */
__attribute__((format(printf, 2, 3))) static inline void art_line(const char *dir, const char *fmt, ...)
{
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *fp = fopen(path, "a");
    if (fp == NULL) fail_msg("cannot write %s", path);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(fp, fmt, ap);
    va_end(ap);
    fputc('\n', fp);
    assert_int_equal(fclose(fp), 0);
}

/* NAME.xy: a public key for the verifier. */
static inline void art_key(const char *dir, const char *name, const uint8_t xy[64])
{
    char file[96];
    snprintf(file, sizeof file, "%s.xy", name);
    art_write(dir, file, xy, 64);
}

/*
 * Run tests/core/verify_jose.py on dir (output dropped when quiet); its exit
 * status, -1 when it did not run. $NACME_PYTHON picks the interpreter
 * (python3 with the cryptography module), $NACME_JOSE_VERIFY the script.
 */
static inline int art_verify(const char *dir, bool quiet)
{
    const char *python = getenv("NACME_PYTHON");
    const char *script = getenv("NACME_JOSE_VERIFY");
    if (python == NULL) python = "python3";
    if (script == NULL) script = "tests/core/verify_jose.py";
    if (access(script, R_OK) != 0) fail_msg("%s not found: run from the repository root", script);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s %s%s", python, script, dir, quiet ? " >/dev/null 2>&1" : "");
    fflush(stdout);
    int st = system(cmd);
    fflush(stdout);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

#endif
