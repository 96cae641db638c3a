/*
 * Tests for crypto/wolfcrypt: the crypto port on wolfCrypt.
 *
 * Known answers (FIPS 180 SHA-256, RFC 4231 HMAC, RFC 6979 A.2.5 ECDSA,
 * keys 1 and n-1), every error path, and independent verification: keys,
 * public points and signatures (edge cases included) are written to a temp
 * folder and checked by tests/crypto/verify_wolfcrypt.py with
 * python-cryptography and openssl; keys made by openssl
 * ($NACME_TEST_DATA/wolfcrypt, tests/data/gen-wolfcrypt-keys.sh) are
 * imported and their signatures checked the same way.
 */
#include "test_util.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_entropy.h"
#include "nacme_wolfcrypt.h"
#include "p256_key.h"

/* wolfSSL builds with the RFC 6979 "variant" skip the reduction of digests >= n (Debian's). */
#ifdef WOLFSSL_ECDSA_DETERMINISTIC_K_VARIANT
#define K_VARIANT 1
#else
#define K_VARIANT 0
#endif

#define MAX_KEYS NACME_WOLFCRYPT_MAX_KEYS
#define SEARCH_LIMIT 5000

typedef struct fixture {
    fake_entropy_t fe;
    nacme_entropy_t entropy;
    nacme_wolfcrypt_t wc;
    nacme_crypto_t c;
} fixture_t;

/* Artifacts for the independent verifier, shared by the tests of this file. */
static char g_dir[64];

static const uint8_t p256_n[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};
static const char g_xy_hex[] =
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
static const char neg_g_xy_hex[] =
    "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
    "b01cbd1c01e58065711814b583f061e9d431cca994cea1313449bf97c840ae0a";

/* ---- helpers ----------------------------------------------------------------- */

static void unhex(const char *h, uint8_t *out, size_t n)
{
    assert_int_equal(strlen(h), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void tohex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha256_of(const void *data, size_t len, uint8_t out[32]);

static int setup_seed(void **state, uint64_t seed)
{
    fixture_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    fake_entropy_init(&f->fe, seed);
    f->entropy = fake_entropy_port(&f->fe);
    assert_int_equal(nacme_wolfcrypt_init(&f->wc, &f->entropy), NACME_OK);
    nacme_wolfcrypt_port(&f->wc, &f->c);
    *state = f;
    return 0;
}

static int setup(void **state)
{
    return setup_seed(state, 1);
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    nacme_wolfcrypt_free(&f->wc);
    free(f);
    return 0;
}

static int gen(fixture_t *f, nacme_key_t *k)
{
    return f->c.key_generate(f->c.ctx, k);
}

static void pub_of(fixture_t *f, nacme_key_t k, uint8_t xy[64])
{
    assert_int_equal(f->c.key_public(f->c.ctx, k, xy), NACME_OK);
}

static void sign(fixture_t *f, nacme_key_t k, const uint8_t digest[32], uint8_t rs[64])
{
    assert_int_equal(f->c.sign_digest(f->c.ctx, k, digest, rs), NACME_OK);
}

static size_t export_key(fixture_t *f, nacme_key_t k, nacme_key_format_t fmt, uint8_t *buf, size_t cap)
{
    size_t len = 0;
    assert_int_equal(f->c.key_export(f->c.ctx, k, fmt, buf, cap, &len), NACME_OK);
    assert_true(len > 0 && len <= cap);
    return len;
}

static int import_key(fixture_t *f, const void *data, size_t len, nacme_key_t *k)
{
    return f->c.key_import(f->c.ctx, data, len, k);
}

/* Import data placed at the very end of a heap block (ASan catches over-reads). */
static int import_tight(fixture_t *f, const uint8_t *data, size_t len, nacme_key_t *k)
{
    uint8_t *copy = test_tight_copy(data, len);
    assert_non_null(copy);
    int rc = import_key(f, copy, len, k);
    free(copy);
    return rc;
}

/* Generate a key from a scripted scalar (hex, 32 bytes). */
static nacme_key_t key_from_scalar(fixture_t *f, const uint8_t d[32])
{
    nacme_key_t k = {0};
    fake_entropy_script(&f->fe, d, 32);
    assert_int_equal(gen(f, &k), NACME_OK);
    return k;
}

/*
 * A SEC1 ECPrivateKey built by hand: scalar d[0..dlen), the prime256v1
 * parameters when params, the public point when xy != NULL.
 */
static size_t build_sec1(const uint8_t *d, size_t dlen, bool params, const uint8_t *xy, uint8_t out[160])
{
    static const uint8_t curve[] = {0xa0, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    size_t n = 2;
    out[n++] = 0x02;
    out[n++] = 0x01;
    out[n++] = 0x01;
    out[n++] = 0x04;
    out[n++] = (uint8_t)dlen;
    memcpy(out + n, d, dlen);
    n += dlen;
    if (params) {
        memcpy(out + n, curve, sizeof curve);
        n += sizeof curve;
    }
    if (xy) {
        static const uint8_t hdr[] = {0xa1, 0x44, 0x03, 0x42, 0x00, 0x04};
        memcpy(out + n, hdr, sizeof hdr);
        memcpy(out + n + sizeof hdr, xy, 64);
        n += sizeof hdr + 64;
    }
    out[0] = 0x30;
    out[1] = (uint8_t)(n - 2);
    return n;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL) fail_msg("cannot open %s (run through make: it sets NACME_TEST_DATA)", path);
    char *buf = malloc(8192);
    assert_non_null(buf);
    *len = fread(buf, 1, 8192, fp);
    fclose(fp);
    return buf;
}

static const char *testdata_path(const char *name, char *buf, size_t cap)
{
    const char *dir = getenv("NACME_TEST_DATA");
    if (dir == NULL) fail_msg("%s", "NACME_TEST_DATA is not set (run the tests through make)");
    snprintf(buf, cap, "%s/wolfcrypt/%s", dir, name);
    return buf;
}

/* ---- artifacts for verify_wolfcrypt.py ------------------------------------------ */

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void manifest(const char *dir, const char *line)
{
    char path[256];
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fprintf(fp, "%s\n", line);
    assert_int_equal(fclose(fp), 0);
}

/* NAME.xy and the four exports of k, and a "key NAME" check. */
static void artifact_key(fixture_t *f, nacme_key_t k, const char *dir, const char *name)
{
    static const struct {
        nacme_key_format_t fmt;
        const char *suffix;
    } fmts[] = {{NACME_KEY_SEC1_DER, "sec1.der"},
                {NACME_KEY_SEC1_PEM, "sec1.pem"},
                {NACME_KEY_PKCS8_DER, "pkcs8.der"},
                {NACME_KEY_PKCS8_PEM, "pkcs8.pem"}};
    char file[128];
    uint8_t xy[64];
    pub_of(f, k, xy);
    snprintf(file, sizeof file, "%s.xy", name);
    write_file(dir, file, xy, sizeof xy);
    for (size_t i = 0; i < 4; i++) {
        uint8_t buf[512];
        size_t len = export_key(f, k, fmts[i].fmt, buf, sizeof buf);
        snprintf(file, sizeof file, "%s.%s", name, fmts[i].suffix);
        write_file(dir, file, buf, len);
    }
    char line[160];
    snprintf(line, sizeof line, "key %s", name);
    manifest(dir, line);
}

static bool digest_ge_n(const uint8_t digest[32])
{
    return memcmp(digest, p256_n, 32) >= 0;
}

/*
 * A "sig NAME DIGEST RS MODE" check. The nonce is RFC 6979's except that
 * wolfSSL's variant builds never reduce the digest mod n, and the others
 * (5.5.4) reduce it only when above n: a digest equal to n gives the
 * variant nonce everywhere. Either way a valid signature; a real SHA-256
 * digest is >= n with probability about 2^-32.
 */
static void artifact_sig(const char *dir, const char *name, const uint8_t digest[32], const uint8_t rs[64])
{
    char line[300];
    char dh[65];
    char rh[129];
    tohex(digest, 32, dh);
    tohex(rs, 64, rh);
    snprintf(line, sizeof line, "sig %s %s %s %s", name, dh, rh,
             ((K_VARIANT && digest_ge_n(digest)) || memcmp(digest, p256_n, 32) == 0) ? "variant"
                                                                                     : "rfc6979");
    manifest(dir, line);
}

/* Run the verifier on dir (its output dropped when quiet); its exit status (-1 when it did not run). */
static int run_verifier(const char *dir, bool quiet)
{
    const char *python = getenv("NACME_PYTHON");
    const char *script = getenv("NACME_WOLFCRYPT_VERIFY");
    if (python == NULL) python = "python3";
    if (script == NULL) script = "tests/crypto/verify_wolfcrypt.py";
    if (access(script, R_OK) != 0) fail_msg("%s not found: run from the repository root", script);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s %s %s%s", python, script, dir, quiet ? " >/dev/null" : "");
    fflush(stdout);
    int st = system(cmd);
    fflush(stdout);
    if (st == -1 || !WIFEXITED(st)) return -1;
    return WEXITSTATUS(st);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/nacme-wolfcrypt-XXXXXX");
    if (mkdtemp(g_dir) == NULL) return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (getenv("NACME_KEEP_ARTIFACTS") == NULL && g_dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
        if (system(cmd) != 0) return -1;
    } else {
        printf("# artifacts kept in %s\n", g_dir);
    }
    return 0;
}

/* ---- SHA-256 --------------------------------------------------------------------- */

static void sha256_of(const void *data, size_t len, uint8_t out[32])
{
    /* through a scratch backend: the SHA functions need an initialized ctx */
    fake_entropy_t fe;
    fake_entropy_init(&fe, 0);
    nacme_entropy_t e = fake_entropy_port(&fe);
    nacme_wolfcrypt_t *wc = malloc(sizeof *wc);
    assert_non_null(wc);
    assert_int_equal(nacme_wolfcrypt_init(wc, &e), NACME_OK);
    nacme_crypto_t c;
    nacme_wolfcrypt_port(wc, &c);
    nacme_sha256_t st;
    assert_int_equal(c.sha256_init(c.ctx, &st), NACME_OK);
    assert_int_equal(c.sha256_update(c.ctx, &st, data, len), NACME_OK);
    assert_int_equal(c.sha256_final(c.ctx, &st, out), NACME_OK);
    nacme_wolfcrypt_free(wc);
    free(wc);
}

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

static void test_sha256_fips180(void **state)
{
    fixture_t *f = *state;
    static const struct {
        const char *msg;
        const char *hex;
    } v[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {msg448, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
    };
    for (size_t i = 0; i < 3; i++) {
        uint8_t want[32];
        uint8_t got[32];
        unhex(v[i].hex, want, 32);
        nacme_sha256_t st;
        assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, (const uint8_t *)v[i].msg, strlen(v[i].msg)),
                         NACME_OK);
        assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
        assert_memory_equal(got, want, 32);
    }
}

/* The 448-bit message split at every offset, and one byte at a time. */
static void test_sha256_every_split(void **state)
{
    fixture_t *f = *state;
    uint8_t want[32];
    unhex("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", want, 32);
    size_t len = strlen(msg448);
    uint8_t *msg = test_tight_copy(msg448, len);
    for (size_t cut = 0; cut <= len; cut++) {
        nacme_sha256_t st;
        uint8_t got[32];
        assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, msg, cut), NACME_OK);
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, msg + cut, len - cut), NACME_OK);
        assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
        assert_memory_equal(got, want, 32);
    }
    nacme_sha256_t st;
    uint8_t got[32];
    assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
    for (size_t i = 0; i < len; i++) assert_int_equal(f->c.sha256_update(f->c.ctx, &st, msg + i, 1), NACME_OK);
    assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
    assert_memory_equal(got, want, 32);
    free(msg);
}

/* One million 'a' fed in uneven chunks (1, 2, ... 199 bytes, repeating). */
static void test_sha256_million_a(void **state)
{
    fixture_t *f = *state;
    uint8_t want[32];
    uint8_t got[32];
    unhex("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", want, 32);
    uint8_t chunk[199];
    memset(chunk, 'a', sizeof chunk);
    nacme_sha256_t st;
    assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
    size_t done = 0;
    size_t n = 1;
    while (done < 1000000) {
        size_t take = n < 1000000 - done ? n : 1000000 - done;
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, chunk, take), NACME_OK);
        done += take;
        n = n % sizeof chunk + 1;
    }
    assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
    assert_memory_equal(got, want, 32);
}

/* A state is reusable after init; NULL arguments are refused. */
static void test_sha256_reuse_and_args(void **state)
{
    fixture_t *f = *state;
    uint8_t want[32];
    uint8_t got[32];
    unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    nacme_sha256_t st;
    for (int round = 0; round < 2; round++) {
        assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, NULL, 0), NACME_OK);
        assert_int_equal(f->c.sha256_update(f->c.ctx, &st, (const uint8_t *)"abc", 3), NACME_OK);
        assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
        assert_memory_equal(got, want, 32);
    }
    assert_int_equal(f->c.sha256_init(f->c.ctx, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_init(NULL, &st), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_init(f->c.ctx, &st), NACME_OK);
    assert_int_equal(f->c.sha256_update(f->c.ctx, &st, NULL, 1), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_update(f->c.ctx, NULL, got, 1), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_update(NULL, &st, got, 1), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_final(f->c.ctx, &st, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_final(f->c.ctx, NULL, got), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_final(NULL, &st, got), NACME_ERR_ARG);
    assert_int_equal(f->c.sha256_final(f->c.ctx, &st, got), NACME_OK);
    /* the state fits the caller storage with its alignment */
    assert_true(sizeof(wc_Sha256) <= sizeof st.u.bytes);
    assert_int_equal((uintptr_t)&st % _Alignof(wc_Sha256), 0);
}

/* ---- HMAC-SHA256 (RFC 4231) -------------------------------------------------------- */

static void test_hmac_rfc4231(void **state)
{
    fixture_t *f = *state;
    uint8_t k1[20], k3[20], k4[25], k5[20], k6[131];
    uint8_t d3[50], d4[50];
    memset(k1, 0x0b, sizeof k1);
    memset(k3, 0xaa, sizeof k3);
    for (size_t i = 0; i < sizeof k4; i++) k4[i] = (uint8_t)(i + 1);
    memset(k5, 0x0c, sizeof k5);
    memset(k6, 0xaa, sizeof k6);
    memset(d3, 0xdd, sizeof d3);
    memset(d4, 0xcd, sizeof d4);
    static const char d6[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    static const char d7[] = "This is a test using a larger than block-size key and a larger than block-size "
                             "data. The key needs to be hashed before being used by the HMAC algorithm.";
    const struct {
        const uint8_t *key;
        size_t key_len;
        const uint8_t *data;
        size_t len;
        const char *mac; /* test case 5 keeps 128 bits */
    } v[] = {
        {k1, 20, (const uint8_t *)"Hi There", 8,
         "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
        {(const uint8_t *)"Jefe", 4, (const uint8_t *)"what do ya want for nothing?", 28,
         "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
        {k3, 20, d3, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
        {k4, 25, d4, 50, "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
        {k5, 20, (const uint8_t *)"Test With Truncation", 20, "a3b6167473100ee06e0c796c2955552b"},
        {k6, 131, (const uint8_t *)d6, strlen(d6),
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
        {k6, 131, (const uint8_t *)d7, strlen(d7),
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
        /* empty key and message (python's hmac module) */
        {NULL, 0, NULL, 0, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t want[32];
        uint8_t got[32];
        size_t n = strlen(v[i].mac) / 2;
        unhex(v[i].mac, want, n);
        uint8_t *key = v[i].key ? test_tight_copy(v[i].key, v[i].key_len) : NULL;
        uint8_t *data = v[i].data ? test_tight_copy(v[i].data, v[i].len) : NULL;
        assert_int_equal(f->c.hmac_sha256(f->c.ctx, key, v[i].key_len, data, v[i].len, got), NACME_OK);
        assert_memory_equal(got, want, n);
        free(key);
        free(data);
    }
    uint8_t mac[32];
    assert_int_equal(f->c.hmac_sha256(f->c.ctx, NULL, 1, k1, 1, mac), NACME_ERR_ARG);
    assert_int_equal(f->c.hmac_sha256(f->c.ctx, k1, 1, NULL, 1, mac), NACME_ERR_ARG);
    assert_int_equal(f->c.hmac_sha256(f->c.ctx, k1, 1, k1, 1, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.hmac_sha256(NULL, k1, 1, k1, 1, mac), NACME_ERR_ARG);
#if SIZE_MAX > UINT32_MAX
    assert_int_equal(f->c.hmac_sha256(f->c.ctx, k1, (size_t)UINT32_MAX + 1u, k1, 1, mac), NACME_ERR_ARG);
    assert_int_equal(f->c.hmac_sha256(f->c.ctx, k1, 1, k1, (size_t)UINT32_MAX + 1u, mac), NACME_ERR_ARG);
#endif
}

/* ---- key generation ------------------------------------------------------------------ */

/* The scalar is the first 32 bytes the entropy port gives: one draw, reproducible. */
static void test_key_from_entropy(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    assert_int_equal(k.id, 1);
    assert_int_equal(f->fe.calls, 1);
    assert_int_equal(f->fe.bytes, 32);
    uint8_t der[160];
    size_t len = export_key(f, k, NACME_KEY_SEC1_DER, der, sizeof der);
    assert_int_equal(len, 121);
    for (size_t i = 0; i < 32; i++) assert_int_equal(der[7 + i], fake_entropy_stream_byte(1, i));

    /* its point, computed independently (python: the same stream, then cryptography) */
    uint8_t xy1[64], xy2[64], xy3[64], want[64];
    unhex("ce094e4447ebdce54e56c54cf7ec24bbd6c3af66c3e077ba6457a4d6aa5e922a"
          "0f0dec649141f895acecd0311066650885d24840c459f7875ee47dab45ccd543",
          want, 64);
    assert_int_equal(der[7], 0x91); /* first stream byte of seed 1 */
    pub_of(f, k, xy1);
    assert_memory_equal(xy1, want, 64);

    /* the same seed gives the same key in another context, another seed another key */
    void *other;
    setup_seed(&other, 1);
    fixture_t *g = other;
    nacme_key_t k2 = {0};
    assert_int_equal(gen(g, &k2), NACME_OK);
    pub_of(g, k2, xy2);
    assert_memory_equal(xy1, xy2, 64);
    teardown(&other);
    setup_seed(&other, 2);
    g = other;
    assert_int_equal(gen(g, &k2), NACME_OK);
    pub_of(g, k2, xy3);
    assert_memory_not_equal(xy1, xy3, 64);
    teardown(&other);

    /* signatures are deterministic */
    uint8_t digest[32], rs1[64], rs2[64];
    sha256_of("x", 1, digest);
    sign(f, k, digest, rs1);
    sign(f, k, digest, rs2);
    assert_memory_equal(rs1, rs2, 64);
}

/* Scalars 1 and n-1 give G and -G; the SEC1 and PKCS#8 encodings are exact. */
static void test_key_known_answers(void **state)
{
    fixture_t *f = *state;
    uint8_t one[32] = {0};
    one[31] = 1;
    uint8_t n1[32];
    memcpy(n1, p256_n, 32);
    n1[31] -= 1;
    uint8_t g[64], neg_g[64], xy[64];
    unhex(g_xy_hex, g, 64);
    unhex(neg_g_xy_hex, neg_g, 64);

    nacme_key_t k1 = key_from_scalar(f, one);
    pub_of(f, k1, xy);
    assert_memory_equal(xy, g, 64);
    nacme_key_t kn = key_from_scalar(f, n1);
    pub_of(f, kn, xy);
    assert_memory_equal(xy, neg_g, 64);

    uint8_t want[160], got[512];
    size_t wlen = build_sec1(one, 32, true, g, want);
    assert_int_equal(wlen, 121);
    size_t len = export_key(f, k1, NACME_KEY_SEC1_DER, got, sizeof got);
    assert_int_equal(len, wlen);
    assert_memory_equal(got, want, wlen);

    /* PKCS#8: the algorithm names the curve, the inner ECPrivateKey does not */
    static const uint8_t p8_head[] = {0x30, 0x81, 0x87, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a,
                                      0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                      0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x6d};
    uint8_t inner[160];
    size_t ilen = build_sec1(one, 32, false, g, inner);
    assert_int_equal(ilen, 0x6d);
    len = export_key(f, k1, NACME_KEY_PKCS8_DER, got, sizeof got);
    assert_int_equal(len, sizeof p8_head + ilen);
    assert_memory_equal(got, p8_head, sizeof p8_head);
    assert_memory_equal(got + sizeof p8_head, inner, ilen);

    artifact_key(f, k1, g_dir, "one");
    artifact_key(f, kn, g_dir, "nminus1");
    uint8_t digest[32], rs[64];
    sha256_of("one", 3, digest);
    sign(f, k1, digest, rs);
    artifact_sig(g_dir, "one", digest, rs);
    sign(f, kn, digest, rs);
    artifact_sig(g_dir, "nminus1", digest, rs);
}

/* A scalar of 0, n or above is drawn again. */
static void test_key_redraw_out_of_range(void **state)
{
    fixture_t *f = *state;
    uint8_t script[4 * 32];
    memset(script, 0, 32);             /* 0 */
    memcpy(script + 32, p256_n, 32);   /* n */
    memset(script + 64, 0xff, 32);     /* 2^256 - 1 */
    memset(script + 96, 0, 32);
    script[127] = 1;                   /* 1: valid */
    fake_entropy_script(&f->fe, script, sizeof script);
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    assert_int_equal(f->fe.calls, 4);
    uint8_t xy[64], g[64];
    unhex(g_xy_hex, g, 64);
    pub_of(f, k, xy);
    assert_memory_equal(xy, g, 64);
}

/* A source stuck out of range fails after NACME_WOLFCRYPT_KEYGEN_DRAWS draws, using no slot. */
static void test_key_redraw_bounded(void **state)
{
    fixture_t *f = *state;
    static uint8_t ff[NACME_WOLFCRYPT_KEYGEN_DRAWS * 32];
    memset(ff, 0xff, sizeof ff);
    fake_entropy_script(&f->fe, ff, sizeof ff);
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_ERR_ENTROPY);
    assert_int_equal(k.id, 0);
    assert_int_equal(f->fe.calls, NACME_WOLFCRYPT_KEYGEN_DRAWS);
    /* one draw short of the limit still succeeds */
    fake_entropy_script(&f->fe, ff, sizeof ff - 32);
    f->fe.calls = 0;
    assert_int_equal(gen(f, &k), NACME_OK);
    assert_int_equal(f->fe.calls, NACME_WOLFCRYPT_KEYGEN_DRAWS);
    assert_int_equal(k.id, 1);
}

/* Entropy errors and PENDING reach the caller; no slot is used. */
static void test_key_entropy_failures(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    fake_entropy_fail(&f->fe, NACME_ERR_ENTROPY, 1);
    assert_int_equal(gen(f, &k), NACME_ERR_ENTROPY);
    fake_entropy_fail(&f->fe, NACME_PENDING, 2);
    assert_int_equal(gen(f, &k), NACME_PENDING);
    assert_int_equal(gen(f, &k), NACME_PENDING);
    fake_entropy_fail(&f->fe, NACME_ERR_IO, 1);
    assert_int_equal(gen(f, &k), NACME_ERR_IO);
    fake_entropy_fail(&f->fe, 7, 1); /* neither OK, PENDING nor an error */
    assert_int_equal(gen(f, &k), NACME_ERR_ENTROPY);
    assert_int_equal(k.id, 0);
    assert_int_equal(f->fe.bytes, 0);
    /* after the failures: the same key the seed gives at once */
    assert_int_equal(gen(f, &k), NACME_OK);
    assert_int_equal(k.id, 1);
    uint8_t der[160];
    export_key(f, k, NACME_KEY_SEC1_DER, der, sizeof der);
    for (size_t i = 0; i < 32; i++) assert_int_equal(der[7 + i], fake_entropy_stream_byte(1, i));
    /* a source failing forever */
    fake_entropy_fail(&f->fe, NACME_ERR_ENTROPY, FAKE_ENTROPY_FOREVER);
    assert_int_equal(gen(f, &k), NACME_ERR_ENTROPY);
    assert_int_equal(gen(f, &k), NACME_ERR_ENTROPY);
}

/* The pool: MAX keys, then NACME_ERR_KEY; a released slot is reused. */
static void test_key_pool(void **state)
{
    fixture_t *f = *state;
    nacme_key_t keys[MAX_KEYS];
    for (uint32_t i = 0; i < MAX_KEYS; i++) {
        assert_int_equal(gen(f, &keys[i]), NACME_OK);
        assert_int_equal(keys[i].id, i + 1);
    }
    uint8_t der[160];
    size_t len = export_key(f, keys[0], NACME_KEY_SEC1_DER, der, sizeof der);
    nacme_key_t extra = {0};
    uint32_t calls = f->fe.calls;
    assert_int_equal(gen(f, &extra), NACME_ERR_KEY);
    assert_int_equal(f->fe.calls, calls); /* no entropy wasted */
    assert_int_equal(import_key(f, der, len, &extra), NACME_ERR_KEY);
    assert_int_equal(extra.id, 0);

    uint8_t xy_last[64];
    pub_of(f, keys[MAX_KEYS - 1], xy_last);
    f->c.key_release(f->c.ctx, keys[0]);
    f->c.key_release(f->c.ctx, keys[0]); /* twice: harmless */
    uint8_t xy[64];
    assert_int_equal(f->c.key_public(f->c.ctx, keys[0], xy), NACME_ERR_ARG);
    assert_int_equal(import_key(f, der, len, &extra), NACME_OK);
    assert_int_equal(extra.id, 1);
    pub_of(f, keys[MAX_KEYS - 1], xy);
    assert_memory_equal(xy, xy_last, 64);
    for (uint32_t i = 0; i < MAX_KEYS; i++) f->c.key_release(f->c.ctx, keys[i]);
    for (uint32_t i = 0; i < MAX_KEYS; i++) assert_int_equal(gen(f, &keys[i]), NACME_OK);
}

/* Handles that are not live keys: NACME_ERR_ARG everywhere; release ignores them. */
static void test_bad_handles(void **state)
{
    fixture_t *f = *state;
    nacme_key_t live = {0};
    nacme_key_t released = {0};
    assert_int_equal(gen(f, &live), NACME_OK);
    assert_int_equal(gen(f, &released), NACME_OK);
    f->c.key_release(f->c.ctx, released);
    const nacme_key_t bad[] = {{0}, {MAX_KEYS + 1}, {1000}, {UINT32_MAX}, released};
    uint8_t digest[32] = {1};
    uint8_t xy[64], rs[64], buf[512];
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t len = 0;
        assert_int_equal(f->c.key_public(f->c.ctx, bad[i], xy), NACME_ERR_ARG);
        assert_int_equal(f->c.sign_digest(f->c.ctx, bad[i], digest, rs), NACME_ERR_ARG);
        assert_int_equal(f->c.key_export(f->c.ctx, bad[i], NACME_KEY_SEC1_DER, buf, sizeof buf, &len),
                         NACME_ERR_ARG);
        f->c.key_release(f->c.ctx, bad[i]);
    }
    pub_of(f, live, xy); /* untouched */
    sign(f, live, digest, rs);
}

/* NULL pointers and an uninitialized backend. */
static void test_null_args(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    uint8_t xy[64], rs[64], digest[32] = {0}, buf[256];
    size_t len;
    assert_int_equal(f->c.key_generate(f->c.ctx, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.key_generate(NULL, &k), NACME_ERR_ARG);
    assert_int_equal(f->c.key_public(f->c.ctx, k, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.key_public(NULL, k, xy), NACME_ERR_ARG);
    assert_int_equal(f->c.sign_digest(f->c.ctx, k, NULL, rs), NACME_ERR_ARG);
    assert_int_equal(f->c.sign_digest(f->c.ctx, k, digest, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.sign_digest(NULL, k, digest, rs), NACME_ERR_ARG);
    assert_int_equal(f->c.key_export(f->c.ctx, k, NACME_KEY_SEC1_DER, buf, sizeof buf, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.key_export(f->c.ctx, k, NACME_KEY_SEC1_DER, NULL, 10, &len), NACME_ERR_ARG);
    assert_int_equal(f->c.key_export(NULL, k, NACME_KEY_SEC1_DER, buf, sizeof buf, &len), NACME_ERR_ARG);
    assert_int_equal(f->c.key_import(f->c.ctx, NULL, 10, &k), NACME_ERR_ARG);
    assert_int_equal(f->c.key_import(f->c.ctx, buf, 10, NULL), NACME_ERR_ARG);
    assert_int_equal(f->c.key_import(NULL, buf, 10, &k), NACME_ERR_ARG);
    f->c.key_release(NULL, k);

    /* init arguments */
    nacme_wolfcrypt_t *wc = calloc(1, sizeof *wc);
    assert_non_null(wc);
    nacme_entropy_t no_fill = {NULL, NULL};
    assert_int_equal(nacme_wolfcrypt_init(NULL, &f->entropy), NACME_ERR_ARG);
    assert_int_equal(nacme_wolfcrypt_init(wc, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_wolfcrypt_init(wc, &no_fill), NACME_ERR_ARG);
    /* a backend that is not initialized (or was freed) refuses every call */
    nacme_crypto_t c;
    memset(&c, 0, sizeof c);
    nacme_wolfcrypt_port(wc, &c);
    assert_ptr_equal(c.ctx, wc);
    nacme_sha256_t st;
    assert_int_equal(c.sha256_init(c.ctx, &st), NACME_ERR_ARG);
    assert_int_equal(c.key_generate(c.ctx, &k), NACME_ERR_ARG);
    assert_int_equal(c.key_import(c.ctx, buf, 10, &k), NACME_ERR_ARG);
    assert_int_equal(nacme_wolfcrypt_init(wc, &f->entropy), NACME_OK);
    nacme_wolfcrypt_free(wc);
    nacme_wolfcrypt_free(wc); /* twice: harmless */
    nacme_wolfcrypt_free(NULL);
    assert_int_equal(c.key_generate(c.ctx, &k), NACME_ERR_ARG);
    nacme_wolfcrypt_port(NULL, &c);
    nacme_wolfcrypt_port(wc, NULL);
    free(wc);
}

/* ---- export ---------------------------------------------------------------------------- */

/* Sizes: a query with no buffer, one byte short (nothing written), exact, larger; bad formats. */
static void test_export_sizes(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    static const struct {
        nacme_key_format_t fmt;
        size_t need;
        const char *head;
    } v[] = {{NACME_KEY_SEC1_DER, 121, "\x30\x77\x02\x01\x01"},
             {NACME_KEY_PKCS8_DER, 138, "\x30\x81\x87\x02\x01\x00"},
             {NACME_KEY_SEC1_PEM, 227, "-----BEGIN EC PRIVATE KEY-----\n"},
             {NACME_KEY_PKCS8_PEM, 241, "-----BEGIN PRIVATE KEY-----\n"}};
    for (size_t i = 0; i < 4; i++) {
        uint8_t buf[400];
        size_t len = 0;
        assert_int_equal(f->c.key_export(f->c.ctx, k, v[i].fmt, NULL, 0, &len), NACME_ERR_TOO_LARGE);
        assert_int_equal(len, v[i].need);
        memset(buf, 0xa5, sizeof buf);
        len = 0;
        assert_int_equal(f->c.key_export(f->c.ctx, k, v[i].fmt, buf, v[i].need - 1, &len),
                         NACME_ERR_TOO_LARGE);
        assert_int_equal(len, v[i].need);
        for (size_t j = 0; j < sizeof buf; j++) assert_int_equal(buf[j], 0xa5);
        /* exact fit, in a heap block of that size */
        uint8_t *tight = malloc(v[i].need);
        assert_int_equal(f->c.key_export(f->c.ctx, k, v[i].fmt, tight, v[i].need, &len), NACME_OK);
        assert_int_equal(len, v[i].need);
        assert_memory_equal(tight, v[i].head, strlen(v[i].head));
        if (v[i].fmt == NACME_KEY_SEC1_PEM || v[i].fmt == NACME_KEY_PKCS8_PEM) {
            assert_int_equal(tight[len - 1], '\n');
            assert_null(memchr(tight, '\0', len));
        }
        assert_int_equal(f->c.key_export(f->c.ctx, k, v[i].fmt, buf, sizeof buf, &len), NACME_OK);
        assert_int_equal(len, v[i].need);
        assert_memory_equal(buf, tight, len);
        assert_int_equal(buf[len], 0xa5); /* nothing beyond */
        free(tight);
    }
    uint8_t buf[400];
    size_t len;
    assert_int_equal(f->c.key_export(f->c.ctx, k, (nacme_key_format_t)0, buf, sizeof buf, &len), NACME_ERR_ARG);
    assert_int_equal(f->c.key_export(f->c.ctx, k, (nacme_key_format_t)5, buf, sizeof buf, &len), NACME_ERR_ARG);
}

/* Every export imports back to the same key: same point, same deterministic signature. */
static void test_export_import_round_trip(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    uint8_t xy[64], digest[32], rs[64];
    pub_of(f, k, xy);
    sha256_of("round trip", 10, digest);
    sign(f, k, digest, rs);
    const nacme_key_format_t fmts[] = {NACME_KEY_SEC1_DER, NACME_KEY_SEC1_PEM, NACME_KEY_PKCS8_DER,
                                       NACME_KEY_PKCS8_PEM};
    for (size_t i = 0; i < 4; i++) {
        uint8_t buf[400];
        size_t len = export_key(f, k, fmts[i], buf, sizeof buf);
        nacme_key_t k2 = {0};
        assert_int_equal(import_tight(f, buf, len, &k2), NACME_OK);
        assert_int_equal(k2.id, 2);
        uint8_t xy2[64], rs2[64], buf2[400];
        pub_of(f, k2, xy2);
        assert_memory_equal(xy2, xy, 64);
        sign(f, k2, digest, rs2);
        assert_memory_equal(rs2, rs, 64);
        size_t len2 = export_key(f, k2, fmts[i], buf2, sizeof buf2);
        assert_int_equal(len2, len);
        assert_memory_equal(buf2, buf, len);
        f->c.key_release(f->c.ctx, k2);
    }
    artifact_key(f, k, g_dir, "seed1");
    artifact_sig(g_dir, "seed1", digest, rs);
}

/* ---- import ---------------------------------------------------------------------------- */

/* Every truncation and every single-bit change of a DER key is refused; PEM truncations too. */
static void test_import_truncated_and_flipped(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    const nacme_key_format_t fmts[] = {NACME_KEY_SEC1_DER, NACME_KEY_PKCS8_DER};
    for (size_t i = 0; i < 2; i++) {
        uint8_t der[200];
        size_t len = export_key(f, k, fmts[i], der, sizeof der);
        for (size_t cut = 0; cut < len; cut++) {
            nacme_key_t k2 = {0};
            assert_int_equal(import_tight(f, der, cut, &k2), NACME_ERR_KEY);
            assert_int_equal(k2.id, 0);
        }
        for (size_t pos = 0; pos < len; pos++) {
            for (unsigned bit = 0; bit < 8; bit += 7) { /* the lowest and the highest bit */
                nacme_key_t k2 = {0};
                der[pos] ^= (uint8_t)(1u << bit);
                int rc = import_tight(f, der, len, &k2);
                der[pos] ^= (uint8_t)(1u << bit);
                if (rc != NACME_ERR_KEY) fail_msg("format %d: flip of bit %u at %zu accepted (%d)", fmts[i], bit, pos, rc);
            }
        }
        /* a trailing byte */
        der[len] = 0;
        nacme_key_t k2 = {0};
        assert_int_equal(import_tight(f, der, len + 1, &k2), NACME_ERR_KEY);
    }
    const nacme_key_format_t pems[] = {NACME_KEY_SEC1_PEM, NACME_KEY_PKCS8_PEM};
    for (size_t i = 0; i < 2; i++) {
        uint8_t pem[300];
        size_t len = export_key(f, k, pems[i], pem, sizeof pem);
        /* up to the footer, every prefix fails; without the final newline it still reads */
        for (size_t cut = 0; cut + 1 < len; cut++) {
            nacme_key_t k2 = {0};
            assert_int_equal(import_tight(f, pem, cut, &k2), NACME_ERR_KEY);
        }
        nacme_key_t k2 = {0};
        assert_int_equal(import_tight(f, pem, len - 1, &k2), NACME_OK);
        f->c.key_release(f->c.ctx, k2);
        /* a changed base64 character changes the key: refused (public key mismatch or DER) */
        pem[40] = pem[40] == 'A' ? 'B' : 'A';
        assert_int_equal(import_tight(f, pem, len, &k2), NACME_ERR_KEY);
    }
}

/* Hand-made keys: each rule of the strict reader, with its exact result. */
static void test_import_hand_made(void **state)
{
    fixture_t *f = *state;
    uint8_t g[64], d[32], der[200], xy[64];
    unhex(g_xy_hex, g, 64);
    memset(d, 0, 32);
    d[31] = 1;
    nacme_key_t k = {0};
    size_t len;

    /* valid: with and without the public key; a scalar without its leading zeros */
    len = build_sec1(d, 32, true, g, der);
    assert_int_equal(import_tight(f, der, len, &k), NACME_OK);
    f->c.key_release(f->c.ctx, k);
    len = build_sec1(d, 32, true, NULL, der);
    assert_int_equal(import_tight(f, der, len, &k), NACME_OK);
    pub_of(f, k, xy);
    assert_memory_equal(xy, g, 64);
    f->c.key_release(f->c.ctx, k);
    len = build_sec1(d + 31, 1, true, g, der);
    assert_int_equal(import_tight(f, der, len, &k), NACME_OK);
    pub_of(f, k, xy);
    assert_memory_equal(xy, g, 64);
    f->c.key_release(f->c.ctx, k);

    /* refused, and k left alone */
    k.id = 0;
    len = build_sec1(d, 32, false, g, der); /* SEC1 without the curve */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    uint8_t zero[33] = {0};
    len = build_sec1(zero, 32, true, NULL, der); /* scalar 0 */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    len = build_sec1(p256_n, 32, true, NULL, der); /* scalar n */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    uint8_t d33[33] = {0};
    d33[32] = 1;
    len = build_sec1(d33, 33, true, NULL, der); /* 33-byte scalar */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    len = build_sec1(d, 0, true, NULL, der); /* empty scalar */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    uint8_t neg_g[64];
    unhex(neg_g_xy_hex, neg_g, 64);
    len = build_sec1(d, 32, true, neg_g, der); /* public key of another scalar */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    len = build_sec1(d, 32, true, g, der);
    der[4] = 2; /* version 2 */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    len = build_sec1(d, 32, true, g, der);
    der[len - 65] = 0x02; /* compressed point marker */
    assert_int_equal(import_tight(f, der, len, &k), NACME_ERR_KEY);
    len = build_sec1(d, 32, true, NULL, der);
    der[1] = 0x81; /* non-minimal long form length */
    memmove(der + 3, der + 2, len - 2);
    der[2] = (uint8_t)(len - 2);
    assert_int_equal(import_tight(f, der, len + 1, &k), NACME_ERR_KEY);

    /* not keys at all */
    assert_int_equal(import_key(f, "", 0, &k), NACME_ERR_KEY);
    assert_int_equal(import_key(f, NULL, 0, &k), NACME_ERR_KEY);
    static const char *const junk[] = {
        "hello",
        "-----BEGIN",
        "-----BEGIN EC PRIVATE KEY-----\n-----END EC PRIVATE KEY-----\n",
        "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----\n",
        "-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n",
        "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n",
        "\x30\x00",
        "\x30\x80\x00\x00",
    };
    for (size_t i = 0; i < sizeof junk / sizeof junk[0]; i++) {
        assert_int_equal(import_tight(f, (const uint8_t *)junk[i], strlen(junk[i]), &k), NACME_ERR_KEY);
    }
    uint8_t *big = calloc(1, 5000);
    memcpy(big, "-----BEGIN", 10);
    assert_int_equal(import_tight(f, big, 5000, &k), NACME_ERR_KEY);
    free(big);
    assert_int_equal(k.id, 0);
    /* none of the refusals used a slot */
    nacme_key_t keys[MAX_KEYS];
    for (size_t i = 0; i < MAX_KEYS; i++) assert_int_equal(gen(f, &keys[i]), NACME_OK);
}

/* RFC 6979 A.2.5: P-256 with SHA-256, messages "sample" and "test". */
static void test_rfc6979_vectors(void **state)
{
    fixture_t *f = *state;
    uint8_t d[32], want_xy[64], der[200], xy[64];
    unhex("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721", d, 32);
    unhex("60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6"
          "7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299",
          want_xy, 64);
    size_t len = build_sec1(d, 32, true, NULL, der);
    nacme_key_t k = {0};
    assert_int_equal(import_tight(f, der, len, &k), NACME_OK);
    pub_of(f, k, xy);
    assert_memory_equal(xy, want_xy, 64);
    static const struct {
        const char *msg;
        const char *rs;
    } v[] = {{"sample", "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716"
                        "f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8"},
             {"test", "f1abb023518351cd71d881567b1ea663ed3efcf6c5132b354f28d3b0b7d38367"
                      "019f4113742a2b14bd25926b49c649155f267e60d3814b4c0cc84250e46f0083"}};
    artifact_key(f, k, g_dir, "rfc6979");
    for (size_t i = 0; i < 2; i++) {
        uint8_t digest[32], want[64], rs[64];
        sha256_of(v[i].msg, strlen(v[i].msg), digest);
        unhex(v[i].rs, want, 64);
        sign(f, k, digest, rs);
        assert_memory_equal(rs, want, 64);
        artifact_sig(g_dir, "rfc6979", digest, rs);
    }
}

/* Keys made by openssl in each format import to the same key; the others are refused. */
static void test_import_openssl_keys(void **state)
{
    fixture_t *f = *state;
    char path[512];
    size_t len;
    char *spki = read_file(testdata_path("p256-pub.der", path, sizeof path), &len);
    assert_int_equal(len, 91);
    uint8_t want_xy[64];
    memcpy(want_xy, spki + 27, 64);
    free(spki);

    static const char *const good[] = {"p256-sec1.pem", "p256-sec1.der", "p256-pkcs8.pem", "p256-pkcs8.der",
                                       "p256-nopub.pem"};
    uint8_t digest[32], rs0[64];
    sha256_of("openssl", 7, digest);
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *data = read_file(testdata_path(good[i], path, sizeof path), &len);
        nacme_key_t k = {0};
        assert_int_equal(import_tight(f, (const uint8_t *)data, len, &k), NACME_OK);
        free(data);
        uint8_t xy[64], rs[64];
        pub_of(f, k, xy);
        assert_memory_equal(xy, want_xy, 64);
        sign(f, k, digest, rs);
        if (i == 0) {
            memcpy(rs0, rs, 64);
            artifact_key(f, k, g_dir, "openssl");
            char line[600];
            snprintf(line, sizeof line, "pub openssl %s", path);
            manifest(g_dir, line);
            for (size_t j = 1; j < sizeof good / sizeof good[0]; j++) {
                snprintf(line, sizeof line, "pub openssl %s", testdata_path(good[j], path, sizeof path));
                manifest(g_dir, line);
            }
            artifact_sig(g_dir, "openssl", digest, rs);
            uint8_t d2[32];
            sha256_of("openssl 2", 9, d2);
            sign(f, k, d2, rs);
            artifact_sig(g_dir, "openssl", d2, rs);
        } else {
            assert_memory_equal(rs, rs0, 64); /* same key, same deterministic signature */
        }
        f->c.key_release(f->c.ctx, k);
    }

    static const char *const refused[] = {"p256-encrypted.pem", "p256-explicit.pem", "p384-sec1.pem",
                                          "p384-pkcs8.pem",     "k256-pkcs8.der",    "k256-nopub-pkcs8.der",
                                          "rsa-pkcs8.pem",      "rsa-trad.pem",      "ed25519.pem"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        char *data = read_file(testdata_path(refused[i], path, sizeof path), &len);
        nacme_key_t k = {0};
        int rc = import_tight(f, (const uint8_t *)data, len, &k);
        free(data);
        if (rc != NACME_ERR_KEY) fail_msg("%s: import gave %d, not NACME_ERR_KEY", refused[i], rc);
        assert_int_equal(k.id, 0);
    }
}

/* ---- edge cases for the independent verifier ------------------------------------------ */

/* Keys whose public x, and y, start with a zero byte: still 32 bytes each everywhere. */
static void test_edge_public_leading_zero(void **state)
{
    fixture_t *f = *state;
    bool found_x = false;
    bool found_y = false;
    int tries = 0;
    for (; tries < SEARCH_LIMIT && !(found_x && found_y); tries++) {
        nacme_key_t k = {0};
        uint8_t xy[64];
        assert_int_equal(gen(f, &k), NACME_OK);
        pub_of(f, k, xy);
        if (!found_x && xy[0] == 0) {
            found_x = true;
            artifact_key(f, k, g_dir, "x0");
        } else if (!found_y && xy[32] == 0) {
            found_y = true;
            artifact_key(f, k, g_dir, "y0");
        } else {
            f->c.key_release(f->c.ctx, k);
            continue;
        }
        uint8_t der[200], digest[32], rs[64];
        assert_int_equal(export_key(f, k, NACME_KEY_SEC1_DER, der, sizeof der), 121);
        sha256_of(xy, 64, digest);
        sign(f, k, digest, rs);
        artifact_sig(g_dir, xy[0] == 0 ? "x0" : "y0", digest, rs);
        f->c.key_release(f->c.ctx, k);
    }
    printf("# leading-zero x and y found within %d keys\n", tries);
    assert_true(found_x);
    assert_true(found_y);
}

/* A private scalar with two leading zero bytes keeps 32 bytes in SEC1 and imports back. */
static void test_edge_scalar_leading_zero(void **state)
{
    fixture_t *f = *state;
    uint8_t d[32];
    for (size_t i = 0; i < 32; i++) d[i] = (uint8_t)(i * 7 + 3);
    d[0] = 0;
    d[1] = 0;
    nacme_key_t k = key_from_scalar(f, d);
    uint8_t der[200];
    size_t len = export_key(f, k, NACME_KEY_SEC1_DER, der, sizeof der);
    assert_int_equal(len, 121);
    assert_int_equal(der[6], 32);
    assert_memory_equal(der + 7, d, 32);
    nacme_key_t k2 = {0};
    assert_int_equal(import_tight(f, der, len, &k2), NACME_OK);
    uint8_t xy[64], xy2[64];
    pub_of(f, k, xy);
    pub_of(f, k2, xy2);
    assert_memory_equal(xy, xy2, 64);
    artifact_key(f, k, g_dir, "d0");
    uint8_t digest[32], rs[64];
    sha256_of("d0", 2, digest);
    sign(f, k, digest, rs);
    artifact_sig(g_dir, "d0", digest, rs);
}

/* Signatures with r < 2^248 and s < 2^248, and digests 0, n-1, n, 2^256-1. */
static void test_edge_signatures(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    artifact_key(f, k, g_dir, "signer");
    bool found_r = false;
    bool found_s = false;
    uint32_t i = 0;
    for (; i < SEARCH_LIMIT && !(found_r && found_s); i++) {
        uint8_t msg[4] = {(uint8_t)(i >> 24), (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i};
        uint8_t digest[32], rs[64];
        sha256_of(msg, 4, digest);
        sign(f, k, digest, rs);
        if ((!found_r && rs[0] == 0) || (!found_s && rs[32] == 0)) {
            found_r = found_r || rs[0] == 0;
            found_s = found_s || rs[32] == 0;
            artifact_sig(g_dir, "signer", digest, rs);
        }
    }
    printf("# r and s below 2^248 found within %u signatures\n", (unsigned)i);
    assert_true(found_r);
    assert_true(found_s);

    uint8_t edge[4][32];
    memset(edge[0], 0, 32);
    memcpy(edge[1], p256_n, 32);
    edge[1][31] -= 1;
    memcpy(edge[2], p256_n, 32);
    memset(edge[3], 0xff, 32);
    for (size_t j = 0; j < 4; j++) {
        uint8_t rs[64], rs2[64];
        sign(f, k, edge[j], rs);
        sign(f, k, edge[j], rs2);
        assert_memory_equal(rs, rs2, 64);
        artifact_sig(g_dir, "signer", edge[j], rs);
    }
}

/* ---- the verifier ------------------------------------------------------------------------ */

static void test_verify_artifacts(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/manifest.txt", g_dir);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(run_verifier(g_dir, false), 0);
}

/* The verifier catches a wrong signature, a wrong public key and a wrong nonce. */
static void test_verifier_can_fail(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    assert_int_equal(gen(f, &k), NACME_OK);
    uint8_t digest[32], rs[64];
    sha256_of("verifier", 8, digest);
    sign(f, k, digest, rs);
    const char *cases[] = {"bad-sig", "bad-xy", "bad-nonce"};
    for (size_t i = 0; i < 3; i++) {
        char dir[64];
        snprintf(dir, sizeof dir, "/tmp/nacme-wolfcrypt-XXXXXX");
        assert_non_null(mkdtemp(dir));
        artifact_key(f, k, dir, "k");
        uint8_t bad[64];
        memcpy(bad, rs, 64);
        if (i == 0) {
            bad[63] ^= 1;
            artifact_sig(dir, "k", digest, bad);
        } else if (i == 1) {
            uint8_t xy[64];
            pub_of(f, k, xy);
            xy[10] ^= 1;
            write_file(dir, "k.xy", xy, 64);
        } else {
            /* a valid signature with another nonce: (r, n - s) */
            unsigned borrow = 0;
            for (size_t j = 32; j-- > 0;) {
                unsigned v = (unsigned)p256_n[j] - rs[32 + j] - borrow;
                bad[32 + j] = (uint8_t)v;
                borrow = (v >> 8) & 1u;
            }
            artifact_sig(dir, "k", digest, bad);
        }
        int rc = run_verifier(dir, true);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
        if (rc != 1) fail_msg("%s: verifier exit %d, expected 1", cases[i], rc);
        printf("# verifier refused the planted %s\n", cases[i]);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_sha256_fips180),
        T(test_sha256_every_split),
        T(test_sha256_million_a),
        T(test_sha256_reuse_and_args),
        T(test_hmac_rfc4231),
        T(test_key_from_entropy),
        T(test_key_known_answers),
        T(test_key_redraw_out_of_range),
        T(test_key_redraw_bounded),
        T(test_key_entropy_failures),
        T(test_key_pool),
        T(test_bad_handles),
        T(test_null_args),
        T(test_export_sizes),
        T(test_export_import_round_trip),
        T(test_import_truncated_and_flipped),
        T(test_import_hand_made),
        T(test_rfc6979_vectors),
        T(test_import_openssl_keys),
        T(test_edge_public_leading_zero),
        T(test_edge_scalar_leading_zero),
        T(test_edge_signatures),
        T(test_verify_artifacts),
        T(test_verifier_can_fail),
    };
#undef T
    return cmocka_run_group_tests_name("wolfcrypt", tests, group_setup, group_teardown);
}
