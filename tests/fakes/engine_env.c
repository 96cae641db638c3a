/* The engine test environment (see engine_env.h). */
#include "engine_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int sign_shim(void *ctx, nacme_key_t key, const uint8_t digest[32], uint8_t rs[64])
{
    env_t *e = ctx;
    if (e->sign_pending_left > 0) {
        e->sign_pending_left--;
        return NACME_PENDING;
    }
    e->sign_pending_left = e->sign_pending;
    e->signs++;
    return e->real_crypto.sign_digest(e->real_crypto.ctx, key, digest, rs);
}

/* Every other crypto call goes straight through. */
static int sha_init(void *ctx, nacme_sha256_t *st)
{
    env_t *e = ctx;
    return e->real_crypto.sha256_init(e->real_crypto.ctx, st);
}
static int sha_update(void *ctx, nacme_sha256_t *st, const uint8_t *d, size_t n)
{
    env_t *e = ctx;
    return e->real_crypto.sha256_update(e->real_crypto.ctx, st, d, n);
}
static int sha_final(void *ctx, nacme_sha256_t *st, uint8_t out[32])
{
    env_t *e = ctx;
    return e->real_crypto.sha256_final(e->real_crypto.ctx, st, out);
}
static int hmac(void *ctx, const uint8_t *k, size_t kl, const uint8_t *d, size_t n, uint8_t out[32])
{
    env_t *e = ctx;
    return e->real_crypto.hmac_sha256(e->real_crypto.ctx, k, kl, d, n, out);
}
static int keygen(void *ctx, nacme_key_t *key)
{
    env_t *e = ctx;
    return e->real_crypto.key_generate(e->real_crypto.ctx, key);
}
static int keypub(void *ctx, nacme_key_t key, uint8_t xy[64])
{
    env_t *e = ctx;
    return e->real_crypto.key_public(e->real_crypto.ctx, key, xy);
}
static int keyexp(void *ctx, nacme_key_t key, nacme_key_format_t f, uint8_t *b, size_t cap, size_t *len)
{
    env_t *e = ctx;
    return e->real_crypto.key_export(e->real_crypto.ctx, key, f, b, cap, len);
}
static int keyimp(void *ctx, const uint8_t *d, size_t n, nacme_key_t *key)
{
    env_t *e = ctx;
    return e->real_crypto.key_import(e->real_crypto.ctx, d, n, key);
}
static void keyrel(void *ctx, nacme_key_t key)
{
    env_t *e = ctx;
    e->real_crypto.key_release(e->real_crypto.ctx, key);
}

static void on_event(void *ctx, nacme_event_t ev, const char *detail)
{
    env_t *e = ctx;
    (void)detail;
    if ((unsigned)ev < 16u) e->events[ev]++;
}

static void wire(env_t *e)
{
    e->port.transport = fake_net_port(&e->net);
    e->port.entropy = fake_entropy_port(&e->entropy);
    e->port.clock = fake_clock_port(&e->clock);
    e->port.storage = fake_storage_port(&e->storage);
    nacme_wolfcrypt_port(&e->wc, &e->real_crypto);
    nacme_crypto_t c = {.ctx = e, .sha256_init = sha_init, .sha256_update = sha_update, .sha256_final = sha_final,
                        .hmac_sha256 = hmac, .key_generate = keygen, .key_public = keypub, .sign_digest = sign_shim,
                        .key_export = keyexp, .key_import = keyimp, .key_release = keyrel};
    e->port.crypto = c;
    e->port.challenge = fake_challenge_port(&e->challenge);
    e->port.log = fake_log_port(&e->log);
}

void env_init(env_t *e, const fake_acme_config_t *acme_cfg)
{
    memset(e, 0, sizeof *e);
    e->clock.unix_base = ENV_NOW;
    e->clock.mono_ms = 1000;
    fake_entropy_init(&e->entropy, 7);
    fake_storage_init(&e->storage);
    fake_challenge_init(&e->challenge, NACME_CHALLENGE_HTTP_01 | NACME_CHALLENGE_DNS_01 | NACME_CHALLENGE_TLS_ALPN_01);
    fake_acme_config_t def = {.retry_after = -1, .ari_retry_after = -1};
    e->acme = fake_acme_new(acme_cfg ? acme_cfg : &def, &e->clock);
    fake_net_init(&e->net, e->acme);
    nacme_entropy_t ent = fake_entropy_port(&e->entropy);
    if (nacme_wolfcrypt_init(&e->wc, &ent) != NACME_OK) abort();
    e->log.echo = getenv("NACME_TEST_ECHO") != NULL;
    wire(e);
    e->cfg.directory_url = FAKE_ACME_DIR;
    e->cfg.agree_tos = true;
    e->cfg.event = on_event;
    e->cfg.event_ctx = e;
    if (nacme_init(&e->c, &e->port, &e->cfg) != NACME_OK) abort();
}

void env_restart(env_t *e)
{
    nacme_wolfcrypt_free(&e->wc);
    nacme_entropy_t ent = fake_entropy_port(&e->entropy);
    if (nacme_wolfcrypt_init(&e->wc, &ent) != NACME_OK) abort();
    fake_net_init(&e->net, e->acme);
    fake_storage_reboot(&e->storage);
    wire(e);
    memset(&e->c, 0xa5, sizeof e->c); /* nothing survives in the old context */
    if (nacme_init(&e->c, &e->port, &e->cfg) != NACME_OK) abort();
}

void env_free(env_t *e)
{
    nacme_wolfcrypt_free(&e->wc);
    fake_acme_free(e->acme);
}

fake_acme_config_t env_acme_defaults(void)
{
    fake_acme_config_t c;
    memset(&c, 0, sizeof c);
    c.retry_after = -1;
    c.ari_retry_after = -1;
    return c;
}

env_t *env_new(const fake_acme_config_t *acme_cfg)
{
    env_t *e = malloc(sizeof *e);
    if (e == NULL) abort();
    env_init(e, acme_cfg);
    return e;
}

nacme_order_req_t env_order(const nacme_identifier_t *ids, size_t n)
{
    nacme_order_req_t r;
    memset(&r, 0, sizeof r);
    r.ids = ids;
    r.n_ids = n;
    return r;
}

int env_run(env_t *e)
{
    int rc = fake_run(&e->c, &e->clock, 200000u);
    if (rc != NACME_STEP_DONE && getenv("NACME_TEST_ECHO") != NULL) env_dump(e);
    return rc;
}

void env_dump(const env_t *e)
{
    fprintf(stderr, "# requests:\n");
    fake_acme_log_dump(e->acme);
    fprintf(stderr, "# engine log:\n%s", e->log.text);
    if (fake_acme_violations(e->acme)) fprintf(stderr, "# CA saw: %s\n", fake_acme_last_violation(e->acme));
}
