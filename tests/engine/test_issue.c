/*
 * Engine tests: issuance against the scripted CA, from the exact request
 * sequence of a first issuance to names, wildcards, IP identifiers,
 * challenge types, nonce storms, Retry-After, framing and connection
 * trouble, and what the engine checks in the issued certificate.
 */
#include "test_util.h"

#include "engine_env.h"

static const char *const first_issuance[] = {
    "GET directory",   "HEAD newNonce", "POST newAccount", "POST newOrder",   "POST authorization",
    "POST challenge",  "POST order",    "POST finalize",   "POST order",      "POST certificate",
};

static void assert_log(const env_t *e, const char *const *want, size_t n)
{
    unsigned got = fake_acme_log_count(e->acme);
    bool same = got == n;
    for (unsigned i = 0; same && i < n; i++) same = strcmp(fake_acme_log(e->acme, i), want[i]) == 0;
    if (!same) {
        env_dump(e);
        fail_msg("request log differs (%u requests)", got);
    }
}

static void assert_clean(const env_t *e)
{
    if (fake_acme_violations(e->acme) != 0) {
        env_dump(e);
        fail_msg("the CA found a protocol violation: %s", fake_acme_last_violation(e->acme));
    }
    assert_int_equal(fake_challenge_live(&e->challenge), 0);
}

static nacme_identifier_t ids1[] = {{NACME_ID_DNS, "www.example.test"}};

/* The stored certificate object: key PEM then the chain. */
static const fake_object_t *stored_cert(const env_t *e, const char *name)
{
    return fake_storage_get(&e->storage, NACME_OBJ_CERT, name);
}

static void test_first_issuance_exact_requests(void **state)
{
    (void)state;
    env_t *e = malloc(sizeof *e);
    env_init(e, NULL);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    int rc = env_run(e);
    if (rc != NACME_STEP_DONE) env_dump(e);
    assert_int_equal(rc, NACME_STEP_DONE);
    assert_log(e, first_issuance, sizeof first_issuance / sizeof first_issuance[0]);
    assert_clean(e);
    assert_true(nacme_result(&e->c)->issued);
    const fake_object_t *o = stored_cert(e, "www.example.test");
    assert_non_null(o);
    assert_true(o->len > 200);
    assert_memory_equal(o->data, "-----BEGIN EC PRIVATE KEY-----", 30);
    assert_non_null(strstr((const char *)o->data, "-----BEGIN CERTIFICATE-----"));
    /* no order checkpoint is left, the account is stored */
    assert_null(fake_storage_get(&e->storage, NACME_OBJ_ORDER, "www.example.test"));
    assert_non_null(fake_storage_get(&e->storage, NACME_OBJ_ACCOUNT, FAKE_ACME_HOST));
    assert_non_null(fake_storage_get(&e->storage, NACME_OBJ_ACCOUNT_KEY, FAKE_ACME_HOST));
    assert_int_equal(e->challenge.publishes, 1);
    assert_int_equal(e->challenge.unpublishes, 1);
    assert_int_equal(e->events[NACME_EVENT_ACCOUNT_CREATED], 1);
    assert_int_equal(e->events[NACME_EVENT_CERT_INSTALLED], 1);
    env_free(e);
    free(e);
}


/* Run one issuance and return the engine status; the env stays for inspection. */
static int issue(env_t *e, nacme_order_req_t *r)
{
    int rc = nacme_start_issue(&e->c, r);
    if (rc != NACME_OK) return rc;
    return env_run(e);
}

static void done(env_t *e)
{
    env_free(e);
    free(e);
}

/* The second issuance of a run reuses account, directory and nonce: no GET directory, no HEAD. */
static void test_second_issuance_reuses_everything(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    fake_acme_log_clear(e->acme);
    nacme_identifier_t other[] = {{NACME_ID_DNS, "mail.example.test"}};
    nacme_order_req_t r2 = env_order(other, 1);
    assert_int_equal(issue(e, &r2), NACME_STEP_DONE);
    static const char *const want[] = {"POST newOrder", "POST authorization", "POST challenge", "POST order",
                                       "POST finalize", "POST order", "POST certificate"};
    assert_log(e, want, 7);
    assert_clean(e);
    /* a restart with the stored account: one HEAD for a nonce, no newAccount */
    env_restart(e);
    fake_acme_log_clear(e->acme);
    assert_int_equal(issue(e, &r2), NACME_STEP_DONE);
    static const char *const want2[] = {"GET directory", "HEAD newNonce", "POST newOrder", "POST authorization",
                                        "POST challenge", "POST order", "POST finalize", "POST order",
                                        "POST certificate"};
    assert_log(e, want2, 9);
    done(e);
}

/* Several names, a wildcard with its base name (two dns-01 values on one name), an IP. */
static void test_names_wildcard_and_ip(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    nacme_identifier_t ids[] = {{NACME_ID_DNS, "example.test"},
                                {NACME_ID_DNS, "*.example.test"},
                                {NACME_ID_IP, "192.0.2.7"},
                                {NACME_ID_IP, "2001:db8::7"}};
    nacme_challenge_type_t prefs[] = {NACME_CHALLENGE_HTTP_01, NACME_CHALLENGE_DNS_01};
    nacme_order_req_t r = env_order(ids, 4);
    r.challenges = prefs;
    r.n_challenges = 2;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_clean(e);
    assert_int_equal(fake_acme_count(e->acme, "POST authorization"), 4);
    assert_int_equal(fake_acme_count(e->acme, "POST challenge"), 4);
    /* all four published before any was answered (the settle hook saw them live) */
    assert_int_equal(e->challenge.settles, 1);
    assert_int_equal(e->challenge.live_at_settle, 4);
    assert_int_equal(e->challenge.publishes, 4);
    assert_int_equal(e->challenge.unpublishes, 4);
    /* the wildcard used dns-01 on the base name, the others http-01 */
    unsigned dns = 0;
    for (size_t i = 0; i < FAKE_CHALLENGES; i++) {
        const fake_published_t *p = &e->challenge.items[i];
        if (p->type == NACME_CHALLENGE_DNS_01) {
            dns++;
            assert_true(p->wildcard);
            assert_string_equal(p->identifier, "example.test");
            assert_int_equal(strlen(p->dns_value), 43);
        }
    }
    assert_int_equal(dns, 1);
    assert_non_null(stored_cert(e, "example.test"));
    done(e);
}

/* The preference list picks among offered types; tls-alpn-01 gets an RFC 8737 certificate. */
static void test_challenge_preferences(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    env_t *e = env_new(&cfg);
    nacme_challenge_type_t prefs[] = {NACME_CHALLENGE_TLS_ALPN_01, NACME_CHALLENGE_HTTP_01};
    nacme_order_req_t r = env_order(ids1, 1);
    r.challenges = prefs;
    r.n_challenges = 2;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_clean(e);
    const fake_published_t *p = &e->challenge.items[0];
    assert_int_equal(p->type, NACME_CHALLENGE_TLS_ALPN_01);
    assert_true(p->alpn_len > 200);
    nacme_x509_t x;
    assert_int_equal(nacme_x509_parse(p->alpn_der, p->alpn_len, &x), NACME_OK);
    size_t pos = 0;
    nacme_x509_name_t n;
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_OK);
    assert_int_equal(n.len, strlen("www.example.test"));
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_ERR_NOT_FOUND);
    done(e);

    /* the CA offers only dns-01 and the port cannot publish it: a clear error, nothing left behind */
    cfg.offer = NACME_CHALLENGE_DNS_01;
    e = env_new(&cfg);
    fake_challenge_init(&e->challenge, NACME_CHALLENGE_HTTP_01);
    e->port.challenge = fake_challenge_port(&e->challenge);
    assert_int_equal(issue(e, &r), NACME_ERR_NO_CHALLENGE);
    assert_int_equal(fake_challenge_live(&e->challenge), 0);
    /* its pending authorization was deactivated, the order forgotten */
    assert_int_equal(fake_acme_deactivated_authz(e->acme), 1);
    assert_null(fake_storage_get(&e->storage, NACME_OBJ_ORDER, "www.example.test"));
    done(e);
}

/* Half the nonces rejected: every request still goes through, retried with the error's nonce. */
static void test_bad_nonce_storm(void **state)
{
    (void)state;
    for (uint32_t seed = 1; seed <= 8; seed++) {
        fake_acme_config_t cfg = env_acme_defaults();
        cfg.nonce_reject_pct = 50;
        cfg.seed = seed;
        env_t *e = env_new(&cfg);
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(issue(e, &r), NACME_STEP_DONE);
        assert_clean(e);
        assert_true(fake_acme_bad_nonces(e->acme) > 0);
        /* HEAD newNonce only once: retries use the nonce of the badNonce answer */
        assert_int_equal(fake_acme_count(e->acme, "HEAD newNonce"), 1);
        assert_true(fake_log_has(&e->log, "badNonce: retrying"));
        done(e);
    }
    /* more rejections in a row than allowed: a clear error */
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.reject_first_nonces = 1000;
    env_t *e = env_new(&cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_BAD_NONCE_LIMIT);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), NACME_BADNONCE_RETRIES + 1);
    done(e);
}

/* Retry-After as seconds and as an HTTP-date spaces the polls; without it the backoff doubles. */
static void test_retry_after(void **state)
{
    (void)state;
    for (int as_date = 0; as_date <= 1; as_date++) {
        fake_acme_config_t cfg = env_acme_defaults();
        cfg.pending_polls = 2;
        cfg.processing_polls = 1;
        cfg.retry_after = 7;
        cfg.retry_after_date = as_date;
        env_t *e = env_new(&cfg);
        nacme_order_req_t r = env_order(ids1, 1);
        uint64_t t0 = e->clock.mono_ms;
        assert_int_equal(issue(e, &r), NACME_STEP_DONE);
        assert_clean(e);
        /*
         * 3 polls while pending (2 pending + ready) and 2 while processing; the answers
         * to the challenge and to finalize carry no Retry-After (short waits), the 3
         * pending/processing polls do: 3 waits of about 7 s
         */
        assert_int_equal(fake_acme_count(e->acme, "POST order"), 5);
        uint64_t elapsed = e->clock.mono_ms - t0;
        assert_true(elapsed >= 3u * 6000u);
        assert_true(elapsed <= 3u * 8000u + 2000u);
        done(e);
    }
    /* no Retry-After: short waits growing */
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.pending_polls = 5;
    env_t *e = env_new(&cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    uint64_t t0 = e->clock.mono_ms;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    uint64_t elapsed = e->clock.mono_ms - t0;
    /* 50+100+200+400+800+1600 ms (each +-20 %) while pending, then one more after finalize */
    assert_true(elapsed >= 2000u && elapsed <= 6000u);
    done(e);
}

/* Chunked bodies delivered one byte at a time, with would-block pauses and pending connects. */
static void test_framing_and_slow_transport(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.chunked = true;
    env_t *e = env_new(&cfg);
    e->net.chunk = 1;
    e->net.would_block = 3;
    e->net.connect_pending = 2;
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_clean(e);
    assert_int_equal(e->net.connects, 1); /* one kept-alive connection for everything */
    done(e);
    /* the CA closes after every response: a new connection each time, all fine */
    cfg = env_acme_defaults();
    cfg.close_each = true;
    e = env_new(&cfg);
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_int_equal(e->net.connects, 10);
    done(e);
}

/* A connection that dies in the middle of a body: the exchange is retried on a new connection. */
static void test_connection_cut_mid_body(void **state)
{
    (void)state;
    for (unsigned cut = 1; cut <= 10; cut++) {
        env_t *e = env_new(NULL);
        e->net.cut_next_response = cut;
        nacme_order_req_t r = env_order(ids1, 1);
        int rc = issue(e, &r);
        /* a cut answer to a POST that changes state is an error; a read is asked again */
        if (rc != NACME_STEP_DONE) {
            assert_int_equal(rc, NACME_ERR_HTTP_TRUNCATED);
            assert_null(stored_cert(e, "www.example.test"));
            assert_true(nacme_result(&e->c)->retry_at > ENV_NOW);
            /* a restart before the backoff ends does nothing; after it, the run finishes the job */
            env_restart(e);
            assert_int_equal(issue(e, &r), NACME_ERR_BACKOFF);
            e->clock.mono_ms += 301000u;
            assert_int_equal(issue(e, &r), NACME_STEP_DONE);
            assert_int_equal(fake_acme_orders(e->acme), 1); /* the stored order was resumed */
        } else {
            assert_true(e->net.connects >= 2); /* the read was asked again on a new connection */
        }
        assert_non_null(stored_cert(e, "www.example.test"));
        assert_int_equal(fake_challenge_live(&e->challenge), 0);
        done(e);
    }
}

/* A CA that stops answering: the operation times out, challenge material is removed. */
/*
 * An answer sent before a restart is validated between reading the
 * authorization and answering again: the CA refuses the second answer
 * (Pebble: 400 malformed); the engine reads the authorization again, finds
 * it valid and goes on. A refusal of a challenge still pending is an error.
 */
static void test_answer_refused_after_validation(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.answer_race = 1;
    env_t *e = env_new(&cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    int rc = issue(e, &r);
    if (rc != NACME_STEP_DONE) env_dump(e);
    assert_int_equal(rc, NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    assert_int_equal(fake_acme_count(e->acme, "POST challenge"), 1);
    assert_int_equal(fake_acme_count(e->acme, "POST authorization"), 2);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 1);
    assert_clean(e);
    done(e);

    /* refused while the challenge stays pending: answered once more, then the error */
    cfg = env_acme_defaults();
    cfg.refuse_answers = true;
    e = env_new(&cfg);
    r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_PROBLEM);
    assert_int_equal(fake_acme_count(e->acme, "POST challenge"), 2);
    assert_int_equal(fake_acme_count(e->acme, "POST authorization"), 2);
    assert_string_equal(nacme_problem(&e->c)->type, "malformed");
    assert_int_equal(fake_challenge_live(&e->challenge), 0);
    done(e);
}

static void test_timeout(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    e->net.silent_after = 5; /* answers up to the challenge, then nothing */
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_TIMEOUT);
    assert_int_equal(fake_challenge_live(&e->challenge), 0);
    assert_null(stored_cert(e, "www.example.test"));
    done(e);
}

static unsigned keys_held(const env_t *e)
{
    unsigned n = 0;
    for (size_t i = 0; i < NACME_WOLFCRYPT_MAX_KEYS; i++) n += e->wc.used[i];
    return n;
}

/*
 * Runs that fail before the account is ready (the CA hangs at newAccount)
 * keep no key in the crypto port's pool: more of them than the pool holds,
 * then a run that completes.
 */
static void test_failed_runs_hold_no_keys(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    nacme_order_req_t r = env_order(ids1, 1);
    r.force = true; /* past the backoff each failure records */
    for (unsigned run = 0; run < NACME_WOLFCRYPT_MAX_KEYS + 2u; run++) {
        e->net.silent_after = 2; /* the directory and a nonce, then nothing */
        assert_int_equal(issue(e, &r), NACME_ERR_TIMEOUT);
        assert_true(keys_held(e) <= 1u); /* the account key at most, as after any run */
    }
    e->net.silent_after = 0;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_non_null(stored_cert(e, "www.example.test"));
    done(e);
}

/* A response larger than the buffer is an error, not an overflow. */
static void test_oversized_response(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.big_body = true;
    env_t *e = env_new(&cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_TOO_LARGE);
    done(e);
}

/* A signer and a challenge port that answer "pending" several times. */
static void test_pending_signer_and_challenge_port(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    e->sign_pending = 3;
    e->sign_pending_left = 3;
    e->challenge.pending_left = 2;
    e->storage.pending_every = 4;
    nacme_identifier_t ids[] = {{NACME_ID_DNS, "a.example.test"}, {NACME_ID_DNS, "b.example.test"}};
    nacme_challenge_type_t prefs[] = {NACME_CHALLENGE_TLS_ALPN_01};
    nacme_order_req_t r = env_order(ids, 2);
    r.challenges = prefs;
    r.n_challenges = 1;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_clean(e);
    assert_log(e, (const char *const[]){"GET directory", "HEAD newNonce", "POST newAccount", "POST newOrder",
                                        "POST authorization", "POST authorization", "POST challenge",
                                        "POST challenge", "POST order", "POST finalize", "POST order",
                                        "POST certificate"},
               12);
    done(e);
}

/* Problems: rateLimited records when to retry; userActionRequired shows the terms; HTML errors. */
static void test_problems(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.tos = true;
    env_t *e = env_new(&cfg);
    e->cfg.agree_tos = false;
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_TOS_REQUIRED);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 0);
    done(e);

    cfg = env_acme_defaults();
    cfg.problem_html = true;
    cfg.reject_replaces = true;
    e = env_new(&cfg);
    fake_acme_cfg(e->acme)->eab_required = false;
    e->net.silent_after = 0;
    /* an error page that is not JSON: a clean error naming the status */
    fake_acme_cfg(e->acme)->http503 = 10;
    assert_int_equal(issue(e, &r), NACME_ERR_HTTP_UNEXPECTED);
    assert_int_equal(fake_acme_count(e->acme, "503"), 4); /* first try and three retries after Retry-After */
    done(e);
}

/* The issued certificate must carry our key and exactly our names; else nothing is installed. */
static void test_result_verification(void **state)
{
    (void)state;
    static const char old_cert[] = "-----BEGIN EC PRIVATE KEY-----\nold\n-----END EC PRIVATE KEY-----\n";
    for (int which = 0; which < 2; which++) {
        fake_acme_config_t cfg = env_acme_defaults();
        if (which == 0) cfg.wrong_key_cert = true;
        else cfg.extra_san = true;
        env_t *e = env_new(&cfg);
        fake_storage_put(&e->storage, NACME_OBJ_CERT, "www.example.test", old_cert, sizeof old_cert - 1);
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(issue(e, &r), NACME_ERR_CERT_MISMATCH);
        const fake_object_t *o = stored_cert(e, "www.example.test");
        assert_non_null(o);
        assert_int_equal(o->len, sizeof old_cert - 1);
        assert_memory_equal(o->data, old_cert, o->len);
        assert_false(e->storage.open);
        done(e);
    }
}

/* Cancel at any moment: material removed, the stored certificate untouched. */
static void test_cancel(void **state)
{
    (void)state;
    for (unsigned after = 1; after < 40; after += 3) {
        env_t *e = env_new(NULL);
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
        int rc = NACME_STEP_AGAIN;
        for (unsigned i = 0; i < after && rc > 0; i++) {
            nacme_wait_t w;
            rc = nacme_step(&e->c, &w);
            if (rc == NACME_STEP_WAIT && w.until_ms > e->clock.mono_ms) e->clock.mono_ms = w.until_ms;
        }
        nacme_cancel(&e->c);
        rc = env_run(e);
        assert_true(rc == NACME_ERR_CANCELLED || rc == NACME_STEP_DONE);
        assert_int_equal(fake_challenge_live(&e->challenge), 0);
        assert_false(e->storage.open);
        done(e);
    }
}

/* Each stored object holds its own kind of content (a write cut short never lands in another object). */
static void assert_objects_in_place(const env_t *e)
{
    for (size_t i = 0; i < FAKE_STORE_OBJECTS; i++) {
        const fake_object_t *o = &e->storage.objects[i];
        if (!o->used) continue;
        const char *d = (const char *)o->data;
        bool state_like = memmem(d, o->len, "\"next_attempt\"", 14) != NULL;
        assert_true(state_like == (o->obj == NACME_OBJ_STATE));
        if (o->obj == NACME_OBJ_ORDER) assert_non_null(memmem(d, o->len, "\"identifiers\"", 13));
        if (o->obj == NACME_OBJ_ACCOUNT) assert_non_null(memmem(d, o->len, "\"url\"", 5));
    }
}

/* Faults put into the first of two issuances on one context (see test_faults_leave_nothing_behind). */
enum {
    FAULT_CANCEL,            /* plain cancel */
    FAULT_CA_SILENT,         /* the CA stops answering: the operation times out */
    FAULT_STORAGE_PENDING,   /* storage answers pending, then cancel */
    FAULT_CONNECT_PENDING,   /* connect() stays pending, then cancel */
    FAULT_SIGNER_PENDING,    /* the signer stays pending, then cancel */
    FAULT_CHALLENGE_PENDING, /* the challenge port answers pending, then cancel */
    FAULT_SLOW_NET,          /* send/recv would block now and then, then cancel */
    FAULTS,
    FAULT_PENDING_STORAGE_CANCEL = FAULTS /* test_cancel_with_pending_storage: storage pending throughout */
};

/* Nothing of an ended operation is left open or live in the ports, and the CA saw nothing wrong. */
static void assert_nothing_left(const env_t *e, int fault, unsigned after)
{
    bool ok = !e->storage.open && !e->storage.opening && !e->net.opening && fake_challenge_live(&e->challenge) == 0 &&
              keys_held(e) <= 2u && fake_acme_violations(e->acme) == 0;
    assert_objects_in_place(e);
    if (!ok) {
        env_dump(e);
        fail_msg("fault %d at step %u: storage open %d opening %d, connect pending %d, live %u, keys %u, violations %u",
                 fault, after, e->storage.open, e->storage.opening, e->net.opening, fake_challenge_live(&e->challenge),
                 keys_held(e), fake_acme_violations(e->acme));
    }
}

/* After an issuance a fault ended: nothing left behind, and the next issuance on the context completes. */
static void assert_next_issuance_clean(env_t *e, nacme_order_req_t *r, int fault, unsigned after)
{
    assert_nothing_left(e, fault, after);
    r->force = true; /* past the backoff a failure records */
    int rc = issue(e, r);
    if (rc != NACME_STEP_DONE) {
        env_dump(e);
        fail_msg("fault %d at step %u: the next issuance on the context ended with %s", fault, after,
                 nacme_strerror(rc));
    }
    assert_nothing_left(e, fault, after);
    assert_non_null(stored_cert(e, "www.example.test"));
}

/*
 * Cancel while the storage answers "pending" (every second call): the write
 * in progress is aborted, so no write is left open in the port and the
 * failure's own state write does not land in the object being written, and
 * no begin() is left half-way; the next issuance on the same storage
 * completes.
 */
static void test_cancel_with_pending_storage(void **state)
{
    (void)state;
    for (unsigned after = 1; after < 80; after += 2) {
        env_t *e = env_new(NULL);
        e->storage.pending_every = 2;
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
        int rc = NACME_STEP_AGAIN;
        for (unsigned i = 0; i < after && rc > 0; i++) {
            nacme_wait_t w;
            rc = nacme_step(&e->c, &w);
            if (rc == NACME_STEP_WAIT && w.until_ms > e->clock.mono_ms) e->clock.mono_ms = w.until_ms;
        }
        nacme_cancel(&e->c);
        rc = env_run(e);
        assert_true(rc == NACME_ERR_CANCELLED || rc == NACME_STEP_DONE);
        assert_next_issuance_clean(e, &r, FAULT_PENDING_STORAGE_CANCEL, after);
        done(e);
    }
}

/*
 * A connect() that fails is followed by close(), so the next operation of
 * the context starts from a closed transport (lwIP's keeps a failed attempt's
 * error until close(): without it every later connect failed the same way).
 */
static void test_failed_connect_is_closed(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    e->net.refuse_connect = true;
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_ERR_CONNECT);
    assert_false(e->net.opening);
    e->net.refuse_connect = false;
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_false(e->net.opening);
    assert_clean(e);
    done(e);
}

static void arm_fault(env_t *e, int fault)
{
    switch (fault) {
    case FAULT_CA_SILENT:
        e->net.silent_after = fake_acme_log_count(e->acme) + 1u; /* the next request is the last answered */
        break;
    case FAULT_STORAGE_PENDING:
        e->storage.pending_every = 2;
        break;
    case FAULT_CONNECT_PENDING:
        e->net.connected = false; /* the CA closed the connection: the next request connects */
        e->net.connect_pending = 1000;
        break;
    case FAULT_SIGNER_PENDING:
        e->sign_pending = e->sign_pending_left = 1000;
        break;
    case FAULT_CHALLENGE_PENDING:
        e->challenge.pending_left = 2;
        break;
    case FAULT_SLOW_NET:
        e->net.would_block = 2;
        break;
    default:
        break;
    }
}

static void disarm_faults(env_t *e)
{
    e->net.silent_after = 0;
    e->storage.pending_every = 0;
    e->net.connect_pending = 0;
    e->sign_pending = e->sign_pending_left = 0;
    e->challenge.pending_left = 0;
    e->net.would_block = 0;
}

/*
 * The generic check of "a failed operation leaves nothing behind": for each
 * kind of fault and each step at which it strikes, the issuance ends (failed,
 * or done if the fault came too late), nothing stays open or live in the
 * ports, and a second issuance on the SAME context completes cleanly.
 */
static void test_faults_leave_nothing_behind(void **state)
{
    (void)state;
    for (int fault = 0; fault < FAULTS; fault++) {
        for (unsigned after = 0; after < 40; after++) {
            env_t *e = env_new(NULL);
            nacme_order_req_t r = env_order(ids1, 1);
            assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
            int rc = NACME_STEP_AGAIN;
            /* the fault strikes at step `after`; a cancel follows two steps later */
            for (unsigned i = 0; i < after + 2u && rc > 0; i++) {
                if (i == after) arm_fault(e, fault);
                nacme_wait_t w;
                rc = nacme_step(&e->c, &w);
                if (rc == NACME_STEP_WAIT && w.until_ms > e->clock.mono_ms) e->clock.mono_ms = w.until_ms;
                else if (rc > 0) e->clock.mono_ms += 1;
            }
            if (rc > 0) {
                if (fault != FAULT_CA_SILENT) nacme_cancel(&e->c);
                rc = env_run(e);
            }
            assert_true(rc == NACME_STEP_DONE || rc == NACME_ERR_CANCELLED || rc == NACME_ERR_TIMEOUT);
            disarm_faults(e);
            assert_next_issuance_clean(e, &r, fault, after);
            done(e);
        }
    }
}

/* A device without a clock takes the time from the CA's Date header. */
static void test_unknown_clock(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    e->clock.unknown = true;
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(issue(e, &r), NACME_STEP_DONE);
    assert_true(fake_log_has(&e->log, "using the CA's Date header"));
    done(e);
    /* no clock and no Date: the certificate cannot be checked for validity */
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.no_date = true;
    e = env_new(&cfg);
    e->clock.unknown = true;
    assert_int_equal(issue(e, &r), NACME_ERR_TIME_UNKNOWN);
    done(e);
}

/* Bad requests are refused at start. */
static void test_bad_requests(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    nacme_identifier_t bad[][1] = {{{NACME_ID_DNS, ""}},
                                   {{NACME_ID_DNS, "a.*.example"}},
                                   {{NACME_ID_DNS, "*example"}},
                                   {{NACME_ID_IP, "300.1.1.1"}},
                                   {{NACME_ID_IP, "example.test"}},
                                   {{(nacme_id_type_t)9, "x"}}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nacme_order_req_t r = env_order(bad[i], 1);
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_ARG);
    }
    nacme_identifier_t dup[] = {{NACME_ID_DNS, "a.test"}, {NACME_ID_DNS, "A.TEST"}};
    nacme_order_req_t r = env_order(dup, 2);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_ARG);
    r = env_order(ids1, NACME_MAX_IDENTIFIERS + 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_ARG);
    r = env_order(ids1, 0);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_ARG);
    /* a step without an operation */
    nacme_wait_t w;
    assert_int_equal(nacme_step(&e->c, &w), NACME_ERR_STATE);
    done(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_issuance_exact_requests),
        cmocka_unit_test(test_second_issuance_reuses_everything),
        cmocka_unit_test(test_names_wildcard_and_ip),
        cmocka_unit_test(test_challenge_preferences),
        cmocka_unit_test(test_bad_nonce_storm),
        cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_framing_and_slow_transport),
        cmocka_unit_test(test_connection_cut_mid_body),
        cmocka_unit_test(test_answer_refused_after_validation),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_failed_runs_hold_no_keys),
        cmocka_unit_test(test_oversized_response),
        cmocka_unit_test(test_pending_signer_and_challenge_port),
        cmocka_unit_test(test_problems),
        cmocka_unit_test(test_result_verification),
        cmocka_unit_test(test_cancel),
        cmocka_unit_test(test_cancel_with_pending_storage),
        cmocka_unit_test(test_failed_connect_is_closed),
        cmocka_unit_test(test_faults_leave_nothing_behind),
        cmocka_unit_test(test_unknown_clock),
        cmocka_unit_test(test_bad_requests),
    };
    return cmocka_run_group_tests_name("engine-issue", tests, NULL, NULL);
}
