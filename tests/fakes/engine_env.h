/*
 * A complete test environment for the engine: the scripted CA and its
 * transport, wolfCrypt with deterministic entropy, the fake clock, storage,
 * challenge port and log, wired into one nacme_port_t.
 */
#ifndef NACME_ENGINE_ENV_H
#define NACME_ENGINE_ENV_H

#include "fake_acme.h"
#include "fake_entropy.h"
#include "fake_port.h"
#include "nacme_wolfcrypt.h"
#include "nanoacme.h"

/* 2026-11-23T00:00:00Z */
#define ENV_NOW 1795392000

typedef struct env {
    fake_clock_t clock;
    fake_entropy_t entropy;
    fake_storage_t storage;
    fake_challenge_t challenge;
    fake_log_t log;
    fake_net_t net;
    fake_acme_t *acme;
    nacme_wolfcrypt_t wc;
    nacme_port_t port;
    nacme_config_t cfg;
    nacme_t c;
    /* crypto port wrapper: answer PENDING to the first n calls of each signing */
    nacme_crypto_t real_crypto;
    unsigned sign_pending;
    unsigned sign_pending_left;
    unsigned signs;
    /* events seen */
    unsigned events[16];
} env_t;

/* Set up everything; the CA gets acme_cfg (NULL: defaults). */
void env_init(env_t *e, const fake_acme_config_t *acme_cfg);
/* env_init() on a new heap block (free it with env_free() and free()); aborts when out of memory. */
env_t *env_new(const fake_acme_config_t *acme_cfg);
/* A fresh engine context over the same storage, CA and clock (a restart). */
void env_restart(env_t *e);
void env_free(env_t *e);
/* The scripted CA's defaults for engine tests: no Retry-After on polls or ARI answers. */
fake_acme_config_t env_acme_defaults(void);
/* An order request for ids[0..n) with every option at its default. */
nacme_order_req_t env_order(const nacme_identifier_t *ids, size_t n);
/* Run the current operation to its end. */
int env_run(env_t *e);
/* Print the request log and engine log (for a failing test). */
void env_dump(const env_t *e);

#endif
