/*
 * Tests for platforms/linux/challenge.c: the dispatcher's supported mask
 * and routing with every mode configured at once, configuration errors,
 * settle() with and without dns-01, clean-up; and the loop's tick removal
 * the responders rely on.
 */
#include "ch_util.h"

#include "fake_entropy.h"
#include "nacme_certgen.h"
#include "nacme_wolfcrypt.h"

#define T1 "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define KA1 T1 ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define V1 "HRV3PS5sRDyV-ous4HJk4z24s2JjmUTjcCaUjFt28-8"

typedef struct fx {
    nacme_linux_loop_t loop;
    nacme_linux_challenge_t ch;
    nacme_challenge_port_t port;
    nacme_linux_challenge_cfg_t cfg;
    tlog_t log;
    fake_entropy_t fe;
    nacme_entropy_t entropy;
    nacme_wolfcrypt_t wc;
    nacme_crypto_t crypto;
    char dir[64];
    char hook[128];
    char buf[4096];
} fx_t;

static fx_t *fx_alloc(void)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nacme_linux_loop_init(&f->loop);
    fake_entropy_init(&f->fe, 1);
    f->entropy = fake_entropy_port(&f->fe);
    assert_int_equal(nacme_wolfcrypt_init(&f->wc, &f->entropy), NACME_OK);
    nacme_wolfcrypt_port(&f->wc, &f->crypto);
    make_tmpdir(f->dir, sizeof f->dir, "port");
    snprintf(f->hook, sizeof f->hook, "%s/hook", f->dir);
    FILE *o = fopen(f->hook, "w");
    assert_non_null(o);
    fputs("#!/bin/sh\necho \"$*\" >> \"$(dirname \"$0\")/calls\"\n", o);
    fclose(o);
    assert_int_equal(chmod(f->hook, 0755), 0);
    f->cfg.loop = &f->loop;
    f->cfg.crypto = &f->crypto;
    f->cfg.log = tlog_port(&f->log);
    return f;
}

static void fx_free(fx_t *f)
{
    nacme_linux_challenge_free(&f->ch);
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(f->loop.n_ticks, 0);
    nacme_wolfcrypt_free(&f->wc);
    remove_tree(f->dir);
    free(f);
}

static nacme_challenge_t chal(nacme_challenge_type_t type)
{
    nacme_challenge_t c;
    memset(&c, 0, sizeof c);
    c.type = type;
    c.id_type = NACME_ID_DNS;
    c.identifier = "www.example.test";
    c.token = T1;
    c.key_authorization = KA1;
    c.dns_txt_value = V1;
    return c;
}

static int until_done(fx_t *f, const nacme_challenge_t *c, bool remove)
{
    int rc = NACME_PENDING;
    uint64_t end = nacme_linux_now_ms() + 10000;
    while (rc == NACME_PENDING && nacme_linux_now_ms() < end) {
        rc = remove ? f->port.unpublish(f->port.ctx, c) : f->port.publish(f->port.ctx, c);
        if (rc == NACME_PENDING) nacme_linux_loop_run_for(&f->loop, 10);
    }
    return rc;
}

/* A tls-alpn-01 certificate for www.example.test into c (key in *key). */
static size_t alpn_cert(fx_t *f, uint8_t *der, size_t cap, nacme_key_t *key)
{
    uint8_t xy[64];
    uint8_t rs[64];
    uint8_t digest[32];
    nacme_sha256_t st;
    assert_int_equal(f->crypto.key_generate(f->crypto.ctx, key), NACME_OK);
    assert_int_equal(f->crypto.key_public(f->crypto.ctx, *key, xy), NACME_OK);
    nacme_alpn_cert_params_t p;
    memset(&p, 0, sizeof p);
    p.id = (nacme_identifier_t){NACME_ID_DNS, "www.example.test"};
    p.xy = xy;
    memset(p.key_auth_hash, 7, sizeof p.key_auth_hash);
    p.serial[0] = 1;
    p.not_before = (int64_t)time(NULL) - 3600;
    p.not_after = p.not_before + 86400;
    uint8_t buf[1024];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
    f->crypto.sha256_init(f->crypto.ctx, &st);
    f->crypto.sha256_update(f->crypto.ctx, &st, nacme_der_data(&d), nacme_der_len(&d));
    f->crypto.sha256_final(f->crypto.ctx, &st, digest);
    assert_int_equal(f->crypto.sign_digest(f->crypto.ctx, *key, digest, rs), NACME_OK);
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert(&d, &p, rs), NACME_OK);
    assert_true(nacme_der_len(&d) <= cap);
    memcpy(der, nacme_der_data(&d), nacme_der_len(&d));
    return nacme_der_len(&d);
}

/* Every mode at once: each challenge type reaches its own responder. */
static void test_all_modes(void **state)
{
    (void)state;
    fx_t *f = fx_alloc();
    uint16_t http_port = free_port(AF_INET);
    uint16_t alpn_port = free_port(AF_INET);
    f->cfg.http = true;
    f->cfg.http_addr = "127.0.0.1";
    f->cfg.http_port = http_port;
    f->cfg.alpn = true;
    f->cfg.alpn_addr = "127.0.0.1";
    f->cfg.alpn_port = alpn_port;
    f->cfg.dns_hook = f->hook;
    f->cfg.dns_wait_ms = 100;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported,
                     NACME_CHALLENGE_HTTP_01 | NACME_CHALLENGE_DNS_01 | NACME_CHALLENGE_TLS_ALPN_01);
    assert_ptr_equal(f->port.ctx, &f->ch);
    assert_non_null(f->port.settle);

    nacme_challenge_t h = chal(NACME_CHALLENGE_HTTP_01);
    assert_int_equal(f->port.publish(f->port.ctx, &h), NACME_OK);
    nacme_challenge_t a = chal(NACME_CHALLENGE_TLS_ALPN_01);
    uint8_t der[1024];
    a.alpn_cert_der = der;
    a.alpn_cert_len = alpn_cert(f, der, sizeof der, &a.alpn_key);
    assert_int_equal(f->port.publish(f->port.ctx, &a), NACME_OK);
    nacme_challenge_t d = chal(NACME_CHALLENGE_DNS_01);
    assert_int_equal(until_done(f, &d, false), NACME_OK);
    /* settle waits for DNS */
    assert_int_equal(f->port.settle(f->port.ctx), NACME_PENDING);
    uint64_t t0 = nacme_linux_now_ms();
    int rc = NACME_PENDING;
    while (rc == NACME_PENDING && nacme_linux_now_ms() - t0 < 3000) {
        nacme_linux_loop_run_for(&f->loop, 10);
        rc = f->port.settle(f->port.ctx);
    }
    assert_int_equal(rc, NACME_OK);

    /* http-01 answered by the server */
    http_exchange(&f->loop, AF_INET, http_port, "GET /.well-known/acme-challenge/" T1 " HTTP/1.1\r\n\r\n", f->buf,
                  sizeof f->buf);
    assert_non_null(strstr(f->buf, "\r\n\r\n" KA1));
    /* tls-alpn-01 by the responder */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl s_client -connect 127.0.0.1:%u -alpn acme-tls/1 -servername www.example.test > %s/out 2>&1",
             alpn_port, f->dir);
    assert_int_equal(bg_wait(&f->loop, bg_start(cmd), 30000), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/out", f->dir);
    char *out = read_whole(path, NULL);
    assert_non_null(out);
    assert_non_null(strstr(out, "ALPN protocol: acme-tls/1"));
    free(out);

    assert_int_equal(f->port.unpublish(f->port.ctx, &h), NACME_OK);
    assert_int_equal(f->port.unpublish(f->port.ctx, &a), NACME_OK);
    assert_int_equal(until_done(f, &d, true), NACME_OK);
    assert_int_equal(f->loop.n, 0);
    snprintf(path, sizeof path, "%s/calls", f->dir);
    char *calls = read_whole(path, NULL);
    assert_non_null(calls);
    assert_string_equal(calls, "add _acme-challenge.www.example.test " V1 "\ndel _acme-challenge.www.example.test " V1 "\n");
    free(calls);
    fx_free(f);
}

/* With a webroot, http-01 goes to files; nothing listens. */
static void test_webroot_routing(void **state)
{
    (void)state;
    fx_t *f = fx_alloc();
    f->cfg.webroot = f->dir;
    f->cfg.dns_hook = f->hook;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_HTTP_01 | NACME_CHALLENGE_DNS_01);
    nacme_challenge_t h = chal(NACME_CHALLENGE_HTTP_01);
    assert_int_equal(f->port.publish(f->port.ctx, &h), NACME_OK);
    assert_int_equal(f->loop.n, 0);
    char path[160];
    snprintf(path, sizeof path, "%s/.well-known/acme-challenge/" T1, f->dir);
    char *data = read_whole(path, NULL);
    assert_non_null(data);
    assert_string_equal(data, KA1);
    free(data);
    nacme_challenge_t a = chal(NACME_CHALLENGE_TLS_ALPN_01);
    assert_int_equal(f->port.publish(f->port.ctx, &a), NACME_ERR_UNSUPPORTED);
    /* settle: nothing added to DNS, nothing to wait for */
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    assert_int_equal(f->port.unpublish(f->port.ctx, &h), NACME_OK);
    assert_null(read_whole(path, NULL));
    fx_free(f);
}

static void test_single_modes(void **state)
{
    (void)state;
    fx_t *f = fx_alloc();
    f->cfg.http = true;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_HTTP_01);
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    nacme_challenge_t d = chal(NACME_CHALLENGE_DNS_01);
    assert_int_equal(f->port.publish(f->port.ctx, &d), NACME_ERR_UNSUPPORTED);
    assert_int_equal(f->port.unpublish(f->port.ctx, &d), NACME_ERR_UNSUPPORTED);
    nacme_linux_challenge_free(&f->ch);

    f->cfg.http = false;
    f->cfg.alpn = true;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_TLS_ALPN_01);
    nacme_challenge_t h = chal(NACME_CHALLENGE_HTTP_01);
    assert_int_equal(f->port.publish(f->port.ctx, &h), NACME_ERR_UNSUPPORTED);
    fx_free(f);
}

static void test_config_errors(void **state)
{
    (void)state;
    fx_t *f = fx_alloc();
    /* nothing enabled */
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_ERR_ARG);
    /* server and webroot together */
    f->cfg.http = true;
    f->cfg.webroot = f->dir;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_ERR_ARG);
    assert_true(tlog_has(&f->log, "http-01: choose the built-in server or a webroot, not both"));
    /* an empty webroot or hook */
    f->cfg.http = false;
    f->cfg.webroot = "";
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_ERR_ARG);
    f->cfg.webroot = NULL;
    f->cfg.dns_hook = "";
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_ERR_ARG);
    /* one bad mode fails the whole init, and leaves nothing to free */
    f->cfg.dns_hook = f->hook;
    f->cfg.alpn = true;
    f->cfg.alpn_addr = "not-an-address";
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_ERR_ARG);
    assert_int_equal(f->ch.supported, 0);
    assert_int_equal(nacme_linux_challenge_init(NULL, &f->cfg), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_challenge_init(&f->ch, NULL), NACME_ERR_ARG);
    nacme_linux_challenge_port(NULL, &f->port);
    nacme_linux_challenge_port(&f->ch, NULL);
    nacme_linux_challenge_free(NULL);
    fx_free(f);
}

/* ---- the loop's ticks ---------------------------------------------------------- */

typedef struct ticker {
    nacme_linux_loop_t *loop;
    unsigned calls;
    bool remove_self;
} ticker_t;

static void tick_cb(void *ctx, uint64_t now)
{
    ticker_t *t = ctx;
    (void)now;
    t->calls++;
    if (t->remove_self) nacme_linux_loop_untick(t->loop, tick_cb, t);
}

static void test_loop_untick(void **state)
{
    (void)state;
    nacme_linux_loop_t loop;
    nacme_linux_loop_init(&loop);
    ticker_t t[3] = {{&loop, 0, false}, {&loop, 0, true}, {&loop, 0, false}};
    for (int i = 0; i < 3; i++) assert_int_equal(nacme_linux_loop_tick(&loop, tick_cb, &t[i]), NACME_OK);
    nacme_linux_loop_run_for(&loop, 1);
    /* every tick ran once in the round where one removed itself */
    assert_int_equal(t[0].calls, 1);
    assert_int_equal(t[1].calls, 1);
    assert_int_equal(t[2].calls, 1);
    assert_int_equal(loop.n_ticks, 2);
    nacme_linux_loop_untick(&loop, tick_cb, &t[1]); /* not registered: nothing happens */
    assert_int_equal(loop.n_ticks, 2);
    nacme_linux_loop_untick(&loop, tick_cb, &t[0]);
    nacme_linux_loop_run_for(&loop, 1);
    assert_int_equal(t[0].calls, 1);
    assert_int_equal(t[1].calls, 1);
    assert_true(t[2].calls >= 2);
    nacme_linux_loop_untick(&loop, tick_cb, &t[2]);
    assert_int_equal(loop.n_ticks, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_all_modes),
        cmocka_unit_test(test_webroot_routing),
        cmocka_unit_test(test_single_modes),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_loop_untick),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
