/*
 * Tests for core/jose.c: JWK and RFC 7638 thumbprint, the flattened ES256
 * JWS (jwk and kid headers, payloads written through the JSON writer,
 * POST-as-GET), the keyChange inner JWS nested in its outer request, the
 * External Account Binding inner JWS (HS256), key authorizations and dns-01
 * values, every error path; with the real wolfCrypt backend and
 * deterministic keys.
 *
 * Exact values are asserted in C (texts, digests of the signing input);
 * signatures and everything else are checked independently by
 * tests/core/verify_jose.py (python-cryptography): each test leaves files and
 * a manifest line in a temp folder, test_verify_artifacts runs the verifier
 * on it, and test_verifier_can_fail shows it refuses planted faults.
 */
#include "test_artifacts.h"

#include "nacme_b64.h"
#include "nacme_jose.h"
#include "nacme_json.h"

#define SEARCH_LIMIT 5000

static char g_dir[64];

static const char g_jwk[] = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpY\","
                            "\"y\":\"T-NC4v4af5uO5-tKfA-eFivOM1drMV7Oy7ZAaDe_UfU\"}";
/* RFC 7638 thumbprints of the keys with scalar 1 (the generator) and 2, computed with python. */
static const char g_thumb1[] = "xx0BcA-wMohw8atYDJOe6peGModklG2wRHBlXHMvl0M";
static const char g_thumb2[] = "AhqHzaYXA5MzmDCrsseUsVBGKyfhDhvekx0THjH_xIE";
static const char g_token[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA";
static const char g_dns01_1[] = "lhY3jTCZrD2A91f9GXXahiVSdiBOnlptwTdjJnnYJsQ";
/* Pebble's example EAB credentials */
static const char g_eab_kid[] = "kid-1";
static const char g_eab_key[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

#define URL_NEW_ACCOUNT "https://ca.example/acme/new-acct"
#define URL_NEW_ORDER "https://ca.example/acme/new-order"
#define URL_KEY_CHANGE "https://ca.example/acme/key-change"
#define URL_ORDER "https://ca.example/acme/order/7"
#define ACCOUNT_URL "https://ca.example/acme/acct/42"

/* k1 is the key with scalar 1, k2 the one with scalar 2 */
typedef test_two_keys_t fixture_t;
TEST_TWO_KEYS_FIXTURES(7, 1, 2, g_dir, "jose")

/* ---- helpers ------------------------------------------------------------------- */

/* The string value of member "name" in the flat JSON text (no escapes inside), NUL-terminated. */
static const char *member(const char *text, const char *name, char *out, size_t cap)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":\"", name);
    const char *p = strstr(text, pat);
    if (p == NULL) fail_msg("no member %s", name);
    p += strlen(pat);
    const char *e = strchr(p, '"');
    assert_non_null(e);
    size_t n = (size_t)(e - p);
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

/* base64url text -> NUL-terminated bytes. */
static size_t unb64(const char *in, char *out, size_t cap)
{
    size_t n = 0;
    assert_int_equal(nacme_b64url_decode(in, strlen(in), (uint8_t *)out, cap - 1, &n), NACME_OK);
    out[n] = '\0';
    return n;
}

/* The decoded protected header and payload of a flat JWS text. */
static void jws_parts(const char *jws, char *prot, char *payload, size_t cap)
{
    char *b = malloc(8192);
    assert_non_null(b);
    unb64(member(jws, "protected", b, 8192), prot, cap);
    unb64(member(jws, "payload", b, 8192), payload, cap);
    free(b);
}

/* SHA-256 of protected "." payload as they appear in the text. */
static void signing_input_digest(test_crypto_t *t, const char *jws, uint8_t digest[32])
{
    char *p = malloc(8192), *l = malloc(8192), *si = malloc(16400);
    assert_true(p && l && si);
    member(jws, "protected", p, 8192);
    member(jws, "payload", l, 8192);
    snprintf(si, 16400, "%s.%s", p, l);
    test_sha256(t, si, strlen(si), digest);
    free(p);
    free(l);
    free(si);
}

typedef void (*payload_fn)(void *ctx, nacme_sb_t *sb);

/*
 * A whole JWS into buf: begin, payload, finish, sign with key, put the
 * signature. Return the first error; *rs gets the signature.
 */
static int make_jws(test_crypto_t *t, nacme_key_t key, const nacme_jws_header_t *hdr, payload_fn fn, void *ctx,
                    char *buf, size_t cap, size_t *len, uint8_t rs[64])
{
    nacme_sb_t sb;
    nacme_jws_t jws;
    nacme_sha256_t sha;
    uint8_t digest[32];
    nacme_sb_init(&sb, buf, cap);
    nacme_jws_begin(&jws, &sb, &t->c, &sha, hdr);
    if (fn != NULL) fn(ctx, &sb);
    int rc = nacme_jws_finish_payload(&jws, digest);
    if (rc != NACME_OK) return rc;
    test_sign(t, key, digest, rs);
    rc = nacme_jws_put_signature(&sb, rs);
    if (rc != NACME_OK) return rc;
    *len = sb.len;
    /* the digest is the one of the text as written */
    uint8_t again[32];
    if (nacme_sb_cstr(&sb) != NULL) {
        signing_input_digest(t, buf, again);
        assert_memory_equal(again, digest, 32);
    }
    return NACME_OK;
}

/* Write the JWS as NAME.jws and a "jws" line for the verifier; also NAME.payload when want_payload. */
static void art_jws(const char *dir, const char *name, const char *jws, size_t len, const char *nonce, const char *url,
                    const char *signer, const char *kid, const char *want_payload)
{
    char file[96];
    snprintf(file, sizeof file, "%s.jws", name);
    art_write(dir, file, jws, len);
    if (want_payload != NULL) {
        snprintf(file, sizeof file, "%s.payload", name);
        art_write(dir, file, want_payload, strlen(want_payload));
    }
    art_line(dir, "jws %s %s %s %s %s %s", name, nonce ? nonce : "-", url, kid ? "kid" : "jwk", signer,
             kid ? kid : "-");
}

/* Payload writers for the tests. */
static void payload_new_account(void *ctx, nacme_sb_t *sb)
{
    (void)ctx;
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "termsOfServiceAgreed");
    nacme_jw_bool(&w, true);
    nacme_jw_key(&w, "contact");
    nacme_jw_array_begin(&w);
    nacme_jw_string(&w, "mailto:admin@example.com");
    nacme_jw_array_end(&w);
    nacme_jw_object_end(&w);
}
static const char g_new_account_payload[] = "{\"termsOfServiceAgreed\":true,\"contact\":[\"mailto:admin@example.com\"]}";

static void payload_new_order(void *ctx, nacme_sb_t *sb)
{
    (void)ctx;
    static const char *const names[] = {"example.com", "*.example.com", "192.0.2.7"};
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "identifiers");
    nacme_jw_array_begin(&w);
    for (size_t i = 0; i < 3; i++) {
        nacme_jw_object_begin(&w);
        nacme_jw_key(&w, "type");
        nacme_jw_string(&w, i == 2 ? "ip" : "dns");
        nacme_jw_key(&w, "value");
        nacme_jw_string(&w, names[i]);
        nacme_jw_object_end(&w);
    }
    nacme_jw_array_end(&w);
    nacme_jw_object_end(&w);
}
static const char g_new_order_payload[] =
    "{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.com\"},{\"type\":\"dns\",\"value\":\"*.example.com\"},"
    "{\"type\":\"ip\",\"value\":\"192.0.2.7\"}]}";

/* The keyChange inner payload, as core/account.c writes it. */
typedef struct keychange_ctx {
    const char *account;
    const uint8_t *old_xy;
} keychange_ctx_t;

static void payload_keychange(void *ctx, nacme_sb_t *sb)
{
    const keychange_ctx_t *k = ctx;
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "account");
    nacme_jw_string(&w, k->account);
    nacme_jw_key(&w, "oldKey");
    nacme_jw_raw_begin(&w);
    nacme_jwk_write(sb, k->old_xy);
    nacme_jw_raw_end(&w);
    nacme_jw_object_end(&w);
}

/* ---- a crypto port that fails on request -------------------------------------- */

typedef struct failing {
    const nacme_crypto_t *real;
    int fail_at;   /* the fail_at-th call (counting from 1) of the chosen function fails; 0: none */
    int calls;
    int which;     /* 0 init, 1 update, 2 final, 3 hmac */
    int rc;        /* the answer of the failing call */
} failing_t;

static int fail_now(failing_t *x, int which)
{
    if (x->which != which) return 0;
    return ++x->calls == x->fail_at;
}

static int f_init(void *ctx, nacme_sha256_t *st)
{
    failing_t *x = ctx;
    if (fail_now(x, 0)) return x->rc;
    return x->real->sha256_init(x->real->ctx, st);
}

static int f_update(void *ctx, nacme_sha256_t *st, const uint8_t *d, size_t n)
{
    failing_t *x = ctx;
    if (fail_now(x, 1)) return x->rc;
    return x->real->sha256_update(x->real->ctx, st, d, n);
}

static int f_final(void *ctx, nacme_sha256_t *st, uint8_t out[32])
{
    failing_t *x = ctx;
    if (fail_now(x, 2)) return x->rc;
    return x->real->sha256_final(x->real->ctx, st, out);
}

static int f_hmac(void *ctx, const uint8_t *key, size_t kl, const uint8_t *d, size_t n, uint8_t mac[32])
{
    failing_t *x = ctx;
    if (fail_now(x, 3)) return x->rc;
    return x->real->hmac_sha256(x->real->ctx, key, kl, d, n, mac);
}

static nacme_crypto_t failing_port(failing_t *x, const nacme_crypto_t *real, int which, int fail_at)
{
    x->real = real;
    x->which = which;
    x->fail_at = fail_at;
    x->calls = 0;
    x->rc = NACME_ERR_CRYPTO;
    nacme_crypto_t c = *real;
    c.ctx = x;
    c.sha256_init = f_init;
    c.sha256_update = f_update;
    c.sha256_final = f_final;
    c.hmac_sha256 = f_hmac;
    return c;
}

/* ---- JWK and thumbprint ---------------------------------------------------------- */

static void test_jwk_exact(void **state)
{
    fixture_t *f = *state;
    char buf[200];
    nacme_sb_t sb;
    assert_int_equal(strlen(g_jwk), NACME_JWK_LEN);
    nacme_sb_init(&sb, buf, NACME_JWK_LEN);
    nacme_jwk_write(&sb, f->xy1);
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    assert_int_equal(sb.len, NACME_JWK_LEN);
    assert_memory_equal(buf, g_jwk, NACME_JWK_LEN);
    /* every shorter buffer overflows, and nothing is stored past it */
    for (size_t cap = 0; cap < NACME_JWK_LEN; cap++) {
        char *tight = malloc(cap ? cap : 1);
        nacme_sb_init(&sb, tight, cap);
        nacme_jwk_write(&sb, f->xy1);
        assert_int_equal(nacme_sb_status(&sb), NACME_ERR_TOO_LARGE);
        assert_true(sb.len <= cap);
        free(tight);
    }
}

/*
 * A JWK goes where base64url layers are open: inside a protected header
 * (one layer) that is itself inside an outer payload (two layers): the EAB
 * and keyChange inner JWS. It needs no layer of its own: it is written
 * inside as many layers as the builder has (NACME_SB_B64_DEPTH).
 */
static void test_jwk_inside_layers(void **state)
{
    fixture_t *f = *state;
    char buf[1000], a[800], b[800];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    for (int i = 0; i < NACME_SB_B64_DEPTH; i++) nacme_sb_b64_begin(&sb);
    nacme_jwk_write(&sb, f->xy1);
    for (int i = 0; i < NACME_SB_B64_DEPTH; i++) nacme_sb_b64_end(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    assert_non_null(nacme_sb_cstr(&sb));
    strcpy(a, buf);
    for (int i = 0; i < NACME_SB_B64_DEPTH; i++) {
        unb64(a, b, sizeof b);
        strcpy(a, b);
    }
    assert_string_equal(a, g_jwk);
}

static void test_thumbprint_known(void **state)
{
    fixture_t *f = *state;
    char tp[NACME_B64_SHA256_LEN + 1];
    memset(tp, 'x', sizeof tp);
    assert_int_equal(nacme_jwk_thumbprint(&f->t->c, f->xy1, tp), NACME_OK);
    assert_string_equal(tp, g_thumb1);
    assert_int_equal(nacme_jwk_thumbprint(&f->t->c, f->xy2, tp), NACME_OK);
    assert_string_equal(tp, g_thumb2);
    art_key(g_dir, "k1", f->xy1);
    art_key(g_dir, "k2", f->xy2);
    art_line(g_dir, "thumb k1 %s", g_thumb1);
    art_line(g_dir, "thumb k2 %s", g_thumb2);
    /* the crypto port's errors come back */
    for (int which = 0; which < 3; which++) {
        failing_t x;
        nacme_crypto_t c = failing_port(&x, &f->t->c, which, 1);
        assert_int_equal(nacme_jwk_thumbprint(&c, f->xy1, tp), NACME_ERR_CRYPTO);
    }
}

/* nacme_sha256(): FIPS 180 vectors and the port's errors. */
static void test_sha256_helper(void **state)
{
    fixture_t *f = *state;
    nacme_sha256_t st;
    uint8_t got[32], want[32];
    test_unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
    assert_int_equal(nacme_sha256(&f->t->c, &st, (const uint8_t *)"abc", 3, got), NACME_OK);
    assert_memory_equal(got, want, 32);
    test_unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
    assert_int_equal(nacme_sha256(&f->t->c, &st, NULL, 0, got), NACME_OK);
    assert_memory_equal(got, want, 32);
    for (int which = 0; which < 3; which++) {
        failing_t x;
        nacme_crypto_t c = failing_port(&x, &f->t->c, which, 1);
        assert_int_equal(nacme_sha256(&c, &st, (const uint8_t *)"abc", 3, got), NACME_ERR_CRYPTO);
    }
}

/* ---- JWS ------------------------------------------------------------------------- */

static void test_jws_jwk_header(void **state)
{
    fixture_t *f = *state;
    char buf[2048], prot[1024], payload[1024];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "nonce-AbC_1", .url = URL_NEW_ACCOUNT, .jwk_xy = f->xy1, .kid = NULL};
    assert_int_equal(make_jws(f->t, f->k1, &hdr, payload_new_account, NULL, buf, sizeof buf, &len, rs), NACME_OK);
    buf[len] = '\0';
    assert_int_equal(strncmp(buf, "{\"protected\":\"", 14), 0);
    assert_null(strchr(buf, '='));
    assert_null(strchr(buf, ' '));
    jws_parts(buf, prot, payload, sizeof prot);
    char want[512];
    snprintf(want, sizeof want, "{\"alg\":\"ES256\",\"jwk\":%s,\"nonce\":\"nonce-AbC_1\",\"url\":\"%s\"}", g_jwk,
             URL_NEW_ACCOUNT);
    assert_string_equal(prot, want);
    assert_string_equal(payload, g_new_account_payload);
    char sig[128];
    member(buf, "signature", sig, sizeof sig);
    assert_int_equal(strlen(sig), 86);
    /* the text ends with the signature member */
    char tail[160];
    snprintf(tail, sizeof tail, "\",\"signature\":\"%s\"}", sig);
    assert_string_equal(buf + len - strlen(tail), tail);
    uint8_t raw[64];
    size_t n;
    assert_int_equal(nacme_b64url_decode(sig, 86, raw, sizeof raw, &n), NACME_OK);
    assert_memory_equal(raw, rs, 64);
    art_jws(g_dir, "newacct", buf, len, "nonce-AbC_1", URL_NEW_ACCOUNT, "k1", NULL, g_new_account_payload);
}

static void test_jws_kid_header(void **state)
{
    fixture_t *f = *state;
    char buf[2048], prot[1024], payload[1024];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "n2", .url = URL_NEW_ORDER, .jwk_xy = NULL, .kid = ACCOUNT_URL};
    assert_int_equal(make_jws(f->t, f->k2, &hdr, payload_new_order, NULL, buf, sizeof buf, &len, rs), NACME_OK);
    buf[len] = '\0';
    jws_parts(buf, prot, payload, sizeof prot);
    assert_string_equal(prot, "{\"alg\":\"ES256\",\"kid\":\"" ACCOUNT_URL "\",\"nonce\":\"n2\",\"url\":\"" URL_NEW_ORDER
                              "\"}");
    assert_string_equal(payload, g_new_order_payload);
    art_key(g_dir, "k2", f->xy2);
    art_jws(g_dir, "neworder", buf, len, "n2", URL_NEW_ORDER, "k2", ACCOUNT_URL, g_new_order_payload);
}

/* POST-as-GET: the payload is the empty string. */
static void test_jws_post_as_get(void **state)
{
    fixture_t *f = *state;
    char buf[2048], prot[1024], payload[1024];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "n3", .url = URL_ORDER, .jwk_xy = NULL, .kid = ACCOUNT_URL};
    assert_int_equal(make_jws(f->t, f->k2, &hdr, NULL, NULL, buf, sizeof buf, &len, rs), NACME_OK);
    buf[len] = '\0';
    assert_non_null(strstr(buf, "\",\"payload\":\"\",\"signature\":\""));
    jws_parts(buf, prot, payload, sizeof prot);
    assert_string_equal(payload, "");
    art_jws(g_dir, "postasget", buf, len, "n3", URL_ORDER, "k2", ACCOUNT_URL, "");
}

/* Header strings are JSON-escaped inside the protected header. */
static void test_jws_header_escapes(void **state)
{
    fixture_t *f = *state;
    char buf[2048], prot[1024], payload[1024];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "q\"b\\s", .url = URL_ORDER "?a=\"1\"", .jwk_xy = NULL, .kid = ACCOUNT_URL};
    assert_int_equal(make_jws(f->t, f->k2, &hdr, NULL, NULL, buf, sizeof buf, &len, rs), NACME_OK);
    buf[len] = '\0';
    assert_null(strchr(buf, '='));
    jws_parts(buf, prot, payload, sizeof prot);
    assert_string_equal(prot, "{\"alg\":\"ES256\",\"kid\":\"" ACCOUNT_URL
                              "\",\"nonce\":\"q\\\"b\\\\s\",\"url\":\"" URL_ORDER "?a=\\\"1\\\"\"}");
}

/* Exactly one of jwk and kid, and a URL: else NACME_ERR_ARG from finish_payload. */
static void test_jws_header_errors(void **state)
{
    fixture_t *f = *state;
    const nacme_jws_header_t bad[] = {
        {.nonce = "n", .url = URL_ORDER, .jwk_xy = f->xy1, .kid = ACCOUNT_URL},
        {.nonce = "n", .url = URL_ORDER, .jwk_xy = NULL, .kid = NULL},
        {.nonce = "n", .url = NULL, .jwk_xy = NULL, .kid = ACCOUNT_URL},
        {.nonce = "n", .url = NULL, .jwk_xy = f->xy1, .kid = NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[2048];
        size_t len = 0;
        uint8_t rs[64];
        assert_int_equal(make_jws(f->t, f->k1, &bad[i], NULL, NULL, buf, sizeof buf, &len, rs), NACME_ERR_ARG);
        nacme_sha256_t sha;
        uint8_t digest[32];
        assert_int_equal(nacme_jws_digest(&f->t->c, &sha, &bad[i], NULL, NULL, buf, sizeof buf, digest),
                         NACME_ERR_ARG);
        nacme_sb_t sb;
        nacme_sb_init(&sb, buf, sizeof buf);
        nacme_jws_write(&sb, &bad[i], NULL, NULL, rs);
        assert_int_equal(nacme_sb_status(&sb), NACME_ERR_ARG);
    }
}

/*
 * Every buffer size below the JWS's: finish_payload fails while the text
 * up to the signature does not fit, put_signature after that; nothing is
 * stored beyond the buffer (tight heap blocks).
 */
static void test_jws_every_short_buffer(void **state)
{
    fixture_t *f = *state;
    char full[2048];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "n4", .url = URL_NEW_ACCOUNT, .jwk_xy = f->xy1, .kid = NULL};
    assert_int_equal(make_jws(f->t, f->k1, &hdr, payload_new_account, NULL, full, sizeof full, &len, rs), NACME_OK);
    size_t sig_at = len - 88; /* 86 signature characters and `"}` */
    for (size_t cap = 0; cap < len; cap++) {
        char *buf = malloc(cap ? cap : 1);
        nacme_sb_t sb;
        nacme_jws_t jws;
        nacme_sha256_t sha;
        uint8_t digest[32];
        nacme_sb_init(&sb, buf, cap);
        nacme_jws_begin(&jws, &sb, &f->t->c, &sha, &hdr);
        payload_new_account(NULL, &sb);
        int rc = nacme_jws_finish_payload(&jws, digest);
        if (cap < sig_at) {
            assert_int_equal(rc, NACME_ERR_TOO_LARGE);
        } else {
            assert_int_equal(rc, NACME_OK);
            assert_int_equal(nacme_jws_put_signature(&sb, rs), NACME_ERR_TOO_LARGE);
        }
        assert_true(sb.len <= cap);
        assert_memory_equal(buf, full, sb.len);
        free(buf);
    }
}

/* Errors of the crypto port (init, every update, final) come back from finish_payload. */
static void test_jws_crypto_errors(void **state)
{
    fixture_t *f = *state;
    nacme_jws_header_t hdr = {.nonce = "n5", .url = URL_NEW_ACCOUNT, .jwk_xy = f->xy1, .kid = NULL};
    /* count the updates of a good run */
    failing_t x;
    nacme_crypto_t c = failing_port(&x, &f->t->c, 1, 0);
    char buf[2048];
    nacme_sb_t sb;
    nacme_jws_t jws;
    nacme_sha256_t sha;
    uint8_t digest[32], want[32];
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_jws_begin(&jws, &sb, &c, &sha, &hdr);
    payload_new_account(NULL, &sb);
    assert_int_equal(nacme_jws_finish_payload(&jws, want), NACME_OK);
    int updates = x.calls;
    assert_true(updates > 3);
    for (int which = 0; which < 3; which++) {
        int n = which == 1 ? updates : 1;
        for (int at = 1; at <= n; at++) {
            c = failing_port(&x, &f->t->c, which, at);
            nacme_sb_init(&sb, buf, sizeof buf);
            nacme_jws_begin(&jws, &sb, &c, &sha, &hdr);
            payload_new_account(NULL, &sb);
            assert_int_equal(nacme_jws_finish_payload(&jws, digest), NACME_ERR_CRYPTO);
        }
    }
    /*
     * An update answering "pending" cannot be resumed inside the builder's
     * tap: it fails instead of being lost (which would give a wrong digest).
     */
    for (int at = 1; at <= updates; at++) {
        c = failing_port(&x, &f->t->c, 1, at);
        x.rc = NACME_PENDING;
        nacme_sb_init(&sb, buf, sizeof buf);
        nacme_jws_begin(&jws, &sb, &c, &sha, &hdr);
        payload_new_account(NULL, &sb);
        assert_int_equal(nacme_jws_finish_payload(&jws, digest), NACME_ERR_CRYPTO);
    }
    /* and a good run again gives the same digest */
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_jws_begin(&jws, &sb, &f->t->c, &sha, &hdr);
    payload_new_account(NULL, &sb);
    assert_int_equal(nacme_jws_finish_payload(&jws, digest), NACME_OK);
    assert_memory_equal(digest, want, 32);
}

/* nacme_jws_digest() hashes exactly the text nacme_jws_write() writes later. */
static void test_jws_digest_then_write(void **state)
{
    fixture_t *f = *state;
    keychange_ctx_t kc = {.account = ACCOUNT_URL, .old_xy = f->xy1};
    nacme_jws_header_t hdr = {.nonce = NULL, .url = URL_KEY_CHANGE, .jwk_xy = f->xy2, .kid = NULL};
    for (int with_payload = 0; with_payload < 2; with_payload++) {
        payload_fn fn = with_payload ? payload_keychange : NULL;
        char scratch[2048];
        nacme_sha256_t sha;
        uint8_t digest[32], rs[64], again[32];
        assert_int_equal(nacme_jws_digest(&f->t->c, &sha, &hdr, fn, &kc, scratch, sizeof scratch, digest), NACME_OK);
        test_sign(f->t, f->k2, digest, rs);
        char buf[2048];
        nacme_sb_t sb;
        nacme_sb_init(&sb, buf, sizeof buf);
        nacme_jws_write(&sb, &hdr, fn, &kc, rs);
        assert_non_null(nacme_sb_cstr(&sb));
        signing_input_digest(f->t, buf, again);
        assert_memory_equal(again, digest, 32);
        /* the scratch text is the same JWS up to the signature */
        char *sig = strstr(buf, "\"signature\":\"");
        assert_non_null(sig);
        assert_memory_equal(scratch, buf, (size_t)(sig - buf));
        char prot[1024], payload[1024];
        jws_parts(buf, prot, payload, sizeof prot);
        char want[512];
        snprintf(want, sizeof want, "{\"alg\":\"ES256\",\"jwk\":{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"fPJ7GI0DT36KUjgDBLUaw8CJaeJ38hs1pgtI_EdmmXg\","
                 "\"y\":\"B3dVENuO0EApPZrGn3Qw27p9reY86YIpngS3nSJ4c9E\"},\"url\":\"%s\"}", URL_KEY_CHANGE);
        assert_string_equal(prot, want);
        if (with_payload) {
            snprintf(want, sizeof want, "{\"account\":\"%s\",\"oldKey\":%s}", ACCOUNT_URL, g_jwk);
            assert_string_equal(payload, want);
        } else {
            assert_string_equal(payload, "");
        }
        /* every scratch size too small */
        size_t need = (size_t)(sig - buf) + strlen("\"signature\":\"");
        for (size_t cap = 0; cap < need; cap++) {
            char *tight = malloc(cap ? cap : 1);
            assert_int_equal(nacme_jws_digest(&f->t->c, &sha, &hdr, fn, &kc, tight, cap, digest),
                             NACME_ERR_TOO_LARGE);
            free(tight);
        }
        char *tight = malloc(need);
        assert_int_equal(nacme_jws_digest(&f->t->c, &sha, &hdr, fn, &kc, tight, need, again), NACME_OK);
        free(tight);
        /* and the output buffer of nacme_jws_write() at every short size */
        size_t len = sb.len;
        for (size_t cap = 0; cap < len; cap++) {
            char *out = malloc(cap ? cap : 1);
            nacme_sb_init(&sb, out, cap);
            nacme_jws_write(&sb, &hdr, fn, &kc, rs);
            assert_int_equal(nacme_sb_status(&sb), NACME_ERR_TOO_LARGE);
            assert_memory_equal(out, buf, sb.len);
            free(out);
        }
    }
}

/*
 * keyChange (RFC 8555 section 7.3.5): the inner JWS (new key, jwk header, no
 * nonce) is signed first, as core/account.c S_ROLL_SIGN does, then written
 * as the payload of the outer JWS (old key, kid header).
 */
static void build_keychange(fixture_t *f, nacme_key_t old_key, const uint8_t *old_xy, nacme_key_t new_key,
                            const uint8_t *new_xy, const char *nonce, char *buf, size_t cap, size_t *len)
{
    keychange_ctx_t kc = {.account = ACCOUNT_URL, .old_xy = old_xy};
    nacme_jws_header_t inner = {.nonce = NULL, .url = URL_KEY_CHANGE, .jwk_xy = new_xy, .kid = NULL};
    char scratch[2048];
    nacme_sha256_t sha;
    uint8_t digest[32], inner_rs[64], outer_rs[64];
    assert_int_equal(nacme_jws_digest(&f->t->c, &sha, &inner, payload_keychange, &kc, scratch, sizeof scratch, digest),
                     NACME_OK);
    test_sign(f->t, new_key, digest, inner_rs);

    nacme_jws_header_t outer = {.nonce = nonce, .url = URL_KEY_CHANGE, .jwk_xy = NULL, .kid = ACCOUNT_URL};
    nacme_sb_t sb;
    nacme_jws_t jws;
    nacme_sb_init(&sb, buf, cap);
    nacme_jws_begin(&jws, &sb, &f->t->c, &sha, &outer);
    nacme_jws_write(&sb, &inner, payload_keychange, &kc, inner_rs);
    assert_int_equal(nacme_jws_finish_payload(&jws, digest), NACME_OK);
    test_sign(f->t, old_key, digest, outer_rs);
    assert_int_equal(nacme_jws_put_signature(&sb, outer_rs), NACME_OK);
    assert_non_null(nacme_sb_cstr(&sb));
    *len = sb.len;
    uint8_t again[32];
    signing_input_digest(f->t, buf, again);
    assert_memory_equal(again, digest, 32);
}

static void test_keychange(void **state)
{
    fixture_t *f = *state;
    char buf[4096], prot[2048], payload[2048];
    size_t len;
    build_keychange(f, f->k1, f->xy1, f->k2, f->xy2, "n6", buf, sizeof buf, &len);
    jws_parts(buf, prot, payload, sizeof prot);
    assert_string_equal(prot, "{\"alg\":\"ES256\",\"kid\":\"" ACCOUNT_URL "\",\"nonce\":\"n6\",\"url\":\"" URL_KEY_CHANGE
                              "\"}");
    /* the payload is itself a flattened JWS whose payload names the account and the old key */
    char iprot[1024], ipayload[1024], want[512];
    jws_parts(payload, iprot, ipayload, sizeof iprot);
    snprintf(want, sizeof want, "{\"account\":\"%s\",\"oldKey\":%s}", ACCOUNT_URL, g_jwk);
    assert_string_equal(ipayload, want);
    art_key(g_dir, "k1", f->xy1);
    art_key(g_dir, "k2", f->xy2);
    art_jws(g_dir, "keychange", buf, len, "n6", URL_KEY_CHANGE, "k1", ACCOUNT_URL, NULL);
    art_line(g_dir, "keychange keychange k1 k2 %s %s", URL_KEY_CHANGE, ACCOUNT_URL);
}

/* ---- External Account Binding --------------------------------------------------- */

typedef struct eab_ctx {
    const uint8_t *xy;
    const uint8_t *mac;
} eab_ctx_t;

static void payload_new_account_eab(void *ctx, nacme_sb_t *sb)
{
    const eab_ctx_t *e = ctx;
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "termsOfServiceAgreed");
    nacme_jw_bool(&w, true);
    nacme_jw_key(&w, "externalAccountBinding");
    nacme_jw_raw_begin(&w);
    nacme_eab_write(sb, g_eab_kid, URL_NEW_ACCOUNT, e->xy, e->mac);
    nacme_jw_raw_end(&w);
    nacme_jw_object_end(&w);
}

static size_t eab_key(uint8_t key[64])
{
    size_t n = 0;
    assert_int_equal(nacme_b64url_decode(g_eab_key, strlen(g_eab_key), key, 64, &n), NACME_OK);
    assert_int_equal(n, 48);
    return n;
}

static void test_eab(void **state)
{
    fixture_t *f = *state;
    uint8_t key[64], mac[32];
    size_t key_len = eab_key(key);
    char scratch[1024];
    assert_int_equal(nacme_eab_mac(&f->t->c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, scratch, sizeof scratch,
                                   mac),
                     NACME_OK);

    /* the inner JWS alone: its text, and the MAC over its signing input */
    char inner[1024];
    nacme_sb_t sb;
    nacme_sb_init(&sb, inner, sizeof inner);
    nacme_eab_write(&sb, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, mac);
    assert_non_null(nacme_sb_cstr(&sb));
    char prot[512], payload[512];
    jws_parts(inner, prot, payload, sizeof prot);
    assert_string_equal(prot, "{\"alg\":\"HS256\",\"kid\":\"kid-1\",\"url\":\"" URL_NEW_ACCOUNT "\"}");
    assert_string_equal(payload, g_jwk);
    char p64[512], l64[512], si[1024];
    snprintf(si, sizeof si, "%s.%s", member(inner, "protected", p64, sizeof p64), member(inner, "payload", l64, sizeof l64));
    assert_memory_equal(scratch, si, strlen(si));
    uint8_t want[32];
    assert_int_equal(f->t->c.hmac_sha256(f->t->c.ctx, key, key_len, (const uint8_t *)si, strlen(si), want), NACME_OK);
    assert_memory_equal(mac, want, 32);
    char sig[64];
    uint8_t raw[40];
    size_t n;
    member(inner, "signature", sig, sizeof sig);
    assert_int_equal(nacme_b64url_decode(sig, strlen(sig), raw, sizeof raw, &n), NACME_OK);
    assert_int_equal(n, 32);
    assert_memory_equal(raw, mac, 32);
    assert_string_equal(inner + sb.len - 2, "\"}");

    /* inside a newAccount request signed by the account key */
    eab_ctx_t e = {.xy = f->xy1, .mac = mac};
    char buf[4096];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "n7", .url = URL_NEW_ACCOUNT, .jwk_xy = f->xy1, .kid = NULL};
    assert_int_equal(make_jws(f->t, f->k1, &hdr, payload_new_account_eab, &e, buf, sizeof buf, &len, rs), NACME_OK);
    buf[len] = '\0';
    char oprot[1024], opayload[2048];
    jws_parts(buf, oprot, opayload, sizeof oprot);
    char wantp[2048];
    snprintf(wantp, sizeof wantp, "{\"termsOfServiceAgreed\":true,\"externalAccountBinding\":%s}", inner);
    assert_string_equal(opayload, wantp);
    art_jws(g_dir, "eab", buf, len, "n7", URL_NEW_ACCOUNT, "k1", NULL, wantp);
    art_line(g_dir, "eab eab %s %s %s", g_eab_kid, URL_NEW_ACCOUNT, g_eab_key);
}

static void test_eab_errors(void **state)
{
    fixture_t *f = *state;
    uint8_t key[64], mac[32], want[32];
    size_t key_len = eab_key(key);
    char full[1024];
    assert_int_equal(
        nacme_eab_mac(&f->t->c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, full, sizeof full, want), NACME_OK);
    size_t need = strlen("eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxlL2FjbWUvbmV3LWFjY3QifQ") +
                  1 + 168; /* b64(protected) "." b64(JWK of 126 bytes) */
    assert_memory_equal(full, "eyJhbGciOiJIUzI1NiIsImtpZCI6ImtpZC0xIiwidXJsIjoiaHR0cHM6Ly9jYS5leGFtcGxlL2FjbWUvbmV3LWFjY3QifQ.",
                        need - 168);
    for (size_t cap = 0; cap < need; cap++) {
        char *tight = malloc(cap ? cap : 1);
        assert_int_equal(nacme_eab_mac(&f->t->c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, tight, cap, mac),
                         NACME_ERR_TOO_LARGE);
        free(tight);
    }
    char *tight = malloc(need);
    assert_int_equal(nacme_eab_mac(&f->t->c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, tight, need, mac),
                     NACME_OK);
    assert_memory_equal(mac, want, 32);
    free(tight);
    failing_t x;
    nacme_crypto_t c = failing_port(&x, &f->t->c, 3, 1);
    assert_int_equal(nacme_eab_mac(&c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, full, sizeof full, mac),
                     NACME_ERR_CRYPTO);
    /* nacme_eab_write() at every short size */
    char ref[1024];
    nacme_sb_t sb;
    nacme_sb_init(&sb, ref, sizeof ref);
    nacme_eab_write(&sb, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, want);
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    size_t len = sb.len;
    for (size_t cap = 0; cap < len; cap++) {
        char *out = malloc(cap ? cap : 1);
        nacme_sb_init(&sb, out, cap);
        nacme_eab_write(&sb, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, want);
        assert_int_equal(nacme_sb_status(&sb), NACME_ERR_TOO_LARGE);
        assert_memory_equal(out, ref, sb.len);
        free(out);
    }
}

/* ---- challenge material ----------------------------------------------------------- */

static void test_key_authorization(void **state)
{
    fixture_t *f = *state;
    char ka[200];
    char want[200];
    snprintf(want, sizeof want, "%s.%s", g_token, g_thumb1);
    assert_int_equal(nacme_key_authorization(g_token, g_thumb1, ka, sizeof ka), NACME_OK);
    assert_string_equal(ka, want);
    size_t n = strlen(want);
    char *tight = malloc(n + 1);
    assert_int_equal(nacme_key_authorization(g_token, g_thumb1, tight, n + 1), NACME_OK);
    assert_string_equal(tight, want);
    assert_int_equal(nacme_key_authorization(g_token, g_thumb1, tight, n), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_key_authorization(g_token, g_thumb1, tight, 0), NACME_ERR_TOO_LARGE);
    free(tight);
    /* every base64url character is accepted */
    static const char all[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    assert_int_equal(nacme_key_authorization(all, g_thumb1, ka, sizeof ka), NACME_OK);
    /* anything else is refused */
    static const char *const bad[] = {"",     "abc=",  "ab+c", "ab/c", "a.b",  "a b",   "a\tb", "a%2F",
                                      "a\"b", "a\\b",  "\x80", "a\xff", "../x", "a\nb", "a:b",  "a~b"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(ka, 'x', sizeof ka);
        assert_int_equal(nacme_key_authorization(bad[i], g_thumb1, ka, sizeof ka), NACME_ERR_ARG);
    }
    char tp[NACME_B64_SHA256_LEN + 1];
    assert_int_equal(nacme_jwk_thumbprint(&f->t->c, f->xy2, tp), NACME_OK);
    assert_int_equal(nacme_key_authorization("t0k-_N", tp, ka, sizeof ka), NACME_OK);
    char dns[NACME_B64_SHA256_LEN + 1];
    assert_int_equal(nacme_dns01_value(&f->t->c, ka, dns), NACME_OK);
    art_key(g_dir, "k2", f->xy2);
    art_line(g_dir, "keyauth k2 t0k-_N %s %s", ka, dns);
}

static void test_dns01_value(void **state)
{
    fixture_t *f = *state;
    char ka[200], dns[NACME_B64_SHA256_LEN + 1];
    assert_int_equal(nacme_key_authorization(g_token, g_thumb1, ka, sizeof ka), NACME_OK);
    memset(dns, 'x', sizeof dns);
    assert_int_equal(nacme_dns01_value(&f->t->c, ka, dns), NACME_OK);
    assert_string_equal(dns, g_dns01_1);
    art_key(g_dir, "k1", f->xy1);
    art_line(g_dir, "keyauth k1 %s %s %s", g_token, ka, dns);
    for (int which = 0; which < 3; which++) {
        failing_t x;
        nacme_crypto_t c = failing_port(&x, &f->t->c, which, 1);
        assert_int_equal(nacme_dns01_value(&c, ka, dns), NACME_ERR_CRYPTO);
    }
}

/* ---- edge cases for the verifier --------------------------------------------------- */

/* The JWK, thumbprint and a JWS of an edge key (see test_edge_keys) for test_edge_keys_leading_zero. */
static void jose_edge_key(void *ctx, nacme_key_t k, const uint8_t xy[64], int which)
{
    fixture_t *f = ctx;
    const char *name = which == 0 ? "x0" : "y0";
    char jwk[NACME_JWK_LEN + 1], part[64];
    nacme_sb_t sb;
    nacme_sb_init(&sb, jwk, sizeof jwk);
    nacme_jwk_write(&sb, xy);
    assert_non_null(nacme_sb_cstr(&sb));
    assert_int_equal(sb.len, NACME_JWK_LEN);
    assert_int_equal(strlen(member(jwk, which == 0 ? "x" : "y", part, sizeof part)), 43);
    assert_int_equal(part[0], 'A'); /* six zero bits */
    char tp[NACME_B64_SHA256_LEN + 1];
    assert_int_equal(nacme_jwk_thumbprint(&f->t->c, xy, tp), NACME_OK);
    art_key(g_dir, name, xy);
    art_line(g_dir, "thumb %s %s", name, tp);
    char buf[2048], jname[16];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "nz", .url = URL_NEW_ACCOUNT, .jwk_xy = xy, .kid = NULL};
    assert_int_equal(make_jws(f->t, k, &hdr, payload_new_account, NULL, buf, sizeof buf, &len, rs), NACME_OK);
    snprintf(jname, sizeof jname, "jws-%s", name);
    art_jws(g_dir, jname, buf, len, "nz", URL_NEW_ACCOUNT, name, NULL, g_new_account_payload);
}

/*
 * Account keys whose x, and y, start with a zero byte: the JWK still holds
 * 43 characters for each (32 bytes), and their JWS verify.
 */
static void test_edge_keys_leading_zero(void **state)
{
    fixture_t *f = *state;
    test_edge_keys(f->t, SEARCH_LIMIT, jose_edge_key, f);
}

/* Signatures with r < 2^248 and with s < 2^248: still 64 bytes, 86 characters. */
static void test_edge_signatures(void **state)
{
    fixture_t *f = *state;
    bool found[2] = {false, false};
    int i = 0;
    for (; i < SEARCH_LIMIT && !(found[0] && found[1]); i++) {
        char nonce[16], buf[2048];
        size_t len = 0;
        uint8_t rs[64];
        snprintf(nonce, sizeof nonce, "e%d", i);
        nacme_jws_header_t hdr = {.nonce = nonce, .url = URL_ORDER, .jwk_xy = NULL, .kid = ACCOUNT_URL};
        assert_int_equal(make_jws(f->t, f->k1, &hdr, NULL, NULL, buf, sizeof buf, &len, rs), NACME_OK);
        int which = rs[0] == 0 ? 0 : rs[32] == 0 ? 1 : -1;
        if (which < 0 || found[which]) continue;
        found[which] = true;
        buf[len] = '\0';
        char sig[128];
        member(buf, "signature", sig, sizeof sig);
        assert_int_equal(strlen(sig), 86);
        if (which == 0) assert_int_equal(sig[0], 'A');
        art_key(g_dir, "k1", f->xy1);
        art_jws(g_dir, which == 0 ? "sig-r0" : "sig-s0", buf, len, nonce, URL_ORDER, "k1", ACCOUNT_URL, "");
    }
    printf("# signatures with r or s below 2^248 found within %d\n", i);
    assert_true(found[0] && found[1]);
}

/* keyChange with the old and new keys swapped through the leading-zero keys too. */
static void test_edge_keychange(void **state)
{
    fixture_t *f = *state;
    nacme_key_t k = {0};
    uint8_t xy[64];
    for (int tries = 0; tries < SEARCH_LIMIT; tries++) {
        assert_int_equal(f->t->c.key_generate(f->t->c.ctx, &k), NACME_OK);
        test_pub(f->t, k, xy);
        if (xy[0] == 0) break;
        f->t->c.key_release(f->t->c.ctx, k);
        k.id = 0;
    }
    assert_int_not_equal(k.id, 0);
    char buf[4096];
    size_t len;
    build_keychange(f, k, xy, f->k1, f->xy1, "n8", buf, sizeof buf, &len);
    art_key(g_dir, "kc-old", xy);
    art_key(g_dir, "k1", f->xy1);
    art_jws(g_dir, "keychange2", buf, len, "n8", URL_KEY_CHANGE, "kc-old", ACCOUNT_URL, NULL);
    art_line(g_dir, "keychange keychange2 kc-old k1 %s %s", URL_KEY_CHANGE, ACCOUNT_URL);
}

/* ---- the verifier ------------------------------------------------------------------- */

static void test_verify_artifacts(void **state)
{
    (void)state;
    assert_int_equal(art_verify(g_dir, false), 0);
}

/* Copy the named files of g_dir into a new folder, with one JWS text replaced. */
static void planted(const char *dir, const char *jws_name, const char *jws_text, const char *line,
                    const char *const *keys)
{
    char file[96];
    for (size_t i = 0; keys[i] != NULL; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s.xy", g_dir, keys[i]);
        FILE *fp = fopen(path, "rb");
        assert_non_null(fp);
        uint8_t xy[64];
        assert_int_equal(fread(xy, 1, 64, fp), 64);
        fclose(fp);
        art_key(dir, keys[i], xy);
    }
    snprintf(file, sizeof file, "%s.jws", jws_name);
    art_write(dir, file, jws_text, strlen(jws_text));
    art_line(dir, "%s", line);
}

/* The verifier refuses a bad signature, padding, a wrong nonce, a wrong oldKey, a wrong EAB MAC. */
static void test_verifier_can_fail(void **state)
{
    fixture_t *f = *state;
    static const char *const keys[] = {"k1", "k2", NULL};
    char good[4096];
    size_t len = 0;
    uint8_t rs[64];
    nacme_jws_header_t hdr = {.nonce = "nf", .url = URL_ORDER, .jwk_xy = NULL, .kid = ACCOUNT_URL};
    assert_int_equal(make_jws(f->t, f->k1, &hdr, payload_new_order, NULL, good, sizeof good, &len, rs), NACME_OK);
    good[len] = '\0';
    art_key(g_dir, "k1", f->xy1);
    art_key(g_dir, "k2", f->xy2);

    char kc[4096];
    size_t kc_len;
    /* oldKey names k2 while the outer JWS is signed by k1 */
    build_keychange(f, f->k1, f->xy2, f->k2, f->xy2, "nk", kc, sizeof kc, &kc_len);

    uint8_t key[64], mac[32];
    size_t key_len = eab_key(key);
    key[0] ^= 1;
    char scratch[1024], eab[4096];
    assert_int_equal(nacme_eab_mac(&f->t->c, g_eab_kid, URL_NEW_ACCOUNT, f->xy1, key, key_len, scratch,
                                   sizeof scratch, mac),
                     NACME_OK);
    eab_ctx_t e = {.xy = f->xy1, .mac = mac};
    nacme_jws_header_t eh = {.nonce = "ne", .url = URL_NEW_ACCOUNT, .jwk_xy = f->xy1, .kid = NULL};
    assert_int_equal(make_jws(f->t, f->k1, &eh, payload_new_account_eab, &e, eab, sizeof eab, &len, rs), NACME_OK);
    eab[len] = '\0';

    enum { N = 7 };
    char text[N][4096];
    const char *line[N];
    const char *what[N] = {"flipped signature", "padding", "wrong nonce", "signed by another key",
                           "kid instead of jwk", "oldKey of another key", "EAB MAC under another key"};
    for (int i = 0; i < N; i++) strcpy(text[i], good);
    char *sig = strstr(text[0], "\"signature\":\"") + 13;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    char *end = strrchr(text[1], '"');
    memmove(end + 1, end, strlen(end) + 1);
    *end = '=';
    line[0] = line[1] = "jws t nf " URL_ORDER " kid k1 " ACCOUNT_URL;
    line[2] = "jws t nX " URL_ORDER " kid k1 " ACCOUNT_URL;
    line[3] = "jws t nf " URL_ORDER " kid k2 " ACCOUNT_URL;
    line[4] = "jws t nf " URL_ORDER " jwk k1 -";
    strcpy(text[5], kc);
    line[5] = "keychange t k1 k2 " URL_KEY_CHANGE " " ACCOUNT_URL;
    strcpy(text[6], eab);
    static char eab_line[256];
    snprintf(eab_line, sizeof eab_line, "eab t %s %s %s", g_eab_kid, URL_NEW_ACCOUNT, g_eab_key);
    line[6] = eab_line;
    for (int i = 0; i < N; i++) {
        char dir[64];
        assert_int_equal(art_mkdir(dir, "jose-bad"), 0);
        planted(dir, "t", text[i], line[i], keys);
        int rc = art_verify(dir, true);
        char cmd[128];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
        if (rc != 1) fail_msg("%s: verifier exit %d, expected 1", what[i], rc);
        printf("# verifier refused the planted %s\n", what[i]);
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_jwk_exact),
        T(test_jwk_inside_layers),
        T(test_thumbprint_known),
        T(test_sha256_helper),
        T(test_jws_jwk_header),
        T(test_jws_kid_header),
        T(test_jws_post_as_get),
        T(test_jws_header_escapes),
        T(test_jws_header_errors),
        T(test_jws_every_short_buffer),
        T(test_jws_crypto_errors),
        T(test_jws_digest_then_write),
        T(test_keychange),
        T(test_eab),
        T(test_eab_errors),
        T(test_key_authorization),
        T(test_dns01_value),
        T(test_edge_keys_leading_zero),
        T(test_edge_signatures),
        T(test_edge_keychange),
        T(test_verify_artifacts),
        T(test_verifier_can_fail),
    };
#undef T
    return cmocka_run_group_tests_name("jose", tests, group_setup, group_teardown);
}
