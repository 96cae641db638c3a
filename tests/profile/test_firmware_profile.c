/*
 * The engine as the firmware builds it (qemu/mps2-an385/nacme_config.h:
 * no revocation, account administration, EAB, tls-alpn-01 or preferred
 * chain; two identifiers; no error texts): issuance and renewal work the
 * same, and everything switched off is refused with NACME_ERR_UNSUPPORTED
 * (or NACME_ERR_NO_CHALLENGE) before anything is sent, never done halfway.
 */
#include "test_util.h"

#include "engine_env.h"

/* This file means nothing unless it really is built with the firmware's switches. */
_Static_assert(!NACME_WITH_REVOKE && !NACME_WITH_ACCOUNT_ADMIN && !NACME_WITH_EAB && !NACME_WITH_TLS_ALPN &&
                   !NACME_WITH_PREFERRED_CHAIN && !NACME_WITH_ERROR_TEXT && NACME_MAX_IDENTIFIERS == 2,
               "tests/profile must be built with the firmware configuration");

#define DAY 86400

static const char *const first_issuance[] = {
    "GET directory",   "HEAD newNonce", "POST newAccount", "POST newOrder",   "POST authorization",
    "POST challenge",  "POST order",    "POST finalize",   "POST order",      "POST certificate",
};

static nacme_identifier_t ids1[] = {{NACME_ID_DNS, "device.example.test"}};

static void env_done(env_t *e)
{
    if (fake_acme_violations(e->acme) != 0) {
        env_dump(e);
        fail_msg("the CA found a protocol violation: %s", fake_acme_last_violation(e->acme));
    }
    assert_int_equal(fake_challenge_live(&e->challenge), 0);
    env_free(e);
    free(e);
}

static void test_issue_then_renew(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.lifetime_s = 6u * DAY;
    env_t *e = env_new(&cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    int rc = env_run(e);
    if (rc != NACME_STEP_DONE) env_dump(e);
    assert_int_equal(rc, NACME_STEP_DONE);
    unsigned n = fake_acme_log_count(e->acme);
    assert_int_equal(n, sizeof first_issuance / sizeof first_issuance[0]);
    for (unsigned i = 0; i < n; i++) assert_string_equal(fake_acme_log(e->acme, i), first_issuance[i]);
    assert_true(nacme_result(&e->c)->issued);
    assert_non_null(fake_storage_get(&e->storage, NACME_OBJ_CERT, "device.example.test"));

    /* a day later: not due, nothing sent beyond the directory, nothing written */
    fake_acme_log_clear(e->acme);
    unsigned writes = e->storage.commits;
    e->clock.mono_ms += (uint64_t)DAY * 1000u;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_false(nacme_result(&e->c)->due);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 0);
    assert_int_equal(e->storage.commits, writes);

    /* five days later: renewed, a second certificate */
    e->clock.mono_ms += 4ull * DAY * 1000u;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 1);
    env_done(e);
}

/*
 * With the firmware's two-key pool: a first enrollment that loses the CA
 * after the account key was made, then a retry on the same context that
 * issues (a leaked key left no room for the certificate key).
 */
static void test_enrollment_retry_after_lost_network(void **state)
{
    (void)state;
    _Static_assert(NACME_WOLFCRYPT_MAX_KEYS == 2, "the firmware's key pool");
    env_t *e = env_new(NULL);
    nacme_order_req_t r = env_order(ids1, 1);
    e->net.silent_after = 2; /* the directory and a nonce, then nothing */
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_TIMEOUT);
    e->net.silent_after = 0;
    r.force = true; /* past the backoff the hung CA earned */
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    int rc = env_run(e);
    if (rc != NACME_STEP_DONE) env_dump(e);
    assert_int_equal(rc, NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    env_done(e);
}

static void test_switched_off_operations_refused(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    static const char *const contact[] = {"mailto:ops@example.test", NULL};
    assert_int_equal(nacme_start_revoke(&e->c, "device.example.test", 0, false), NACME_ERR_UNSUPPORTED);
    assert_int_equal(nacme_start_revoke(&e->c, "device.example.test", 1, true), NACME_ERR_UNSUPPORTED);
    assert_int_equal(nacme_start_key_rollover(&e->c), NACME_ERR_UNSUPPORTED);
    assert_int_equal(nacme_start_account_update(&e->c, contact), NACME_ERR_UNSUPPORTED);
    assert_int_equal(nacme_start_account_deactivate(&e->c), NACME_ERR_UNSUPPORTED);
    nacme_order_req_t r = env_order(ids1, 1);
    r.preferred_chain = "Some Root";
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_UNSUPPORTED);
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_ERR_UNSUPPORTED);
    /* more names than the build holds: an argument error, not a cut order */
    static nacme_identifier_t three[] = {
        {NACME_ID_DNS, "a.example.test"}, {NACME_ID_DNS, "b.example.test"}, {NACME_ID_DNS, "c.example.test"}};
    r = env_order(three, 3);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_ERR_ARG);
    assert_int_equal(fake_acme_log_count(e->acme), 0);
    /* the context still works after the refusals */
    r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    env_done(e);
}

static void test_eab_refused(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    e->cfg.eab_kid = "kid-1";
    e->cfg.eab_hmac_key = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";
    nacme_t fresh;
    assert_int_equal(nacme_init(&fresh, &e->port, &e->cfg), NACME_ERR_UNSUPPORTED);
    e->cfg.eab_kid = NULL;
    e->cfg.eab_hmac_key = NULL;
    env_done(e);
}

static void test_tls_alpn_not_chosen(void **state)
{
    (void)state;
    /* asked for tls-alpn-01 only: no challenge this build can answer */
    env_t *e = env_new(NULL);
    static const nacme_challenge_type_t alpn_only[] = {NACME_CHALLENGE_TLS_ALPN_01};
    nacme_order_req_t r = env_order(ids1, 1);
    r.challenges = alpn_only;
    r.n_challenges = 1;
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_NO_CHALLENGE);
    assert_int_equal(e->challenge.publishes, 0);
    assert_int_equal(fake_acme_count(e->acme, "POST challenge"), 0);
    env_done(e);

    /* the CA offers only tls-alpn-01: the same, under the default preference */
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.offer = NACME_CHALLENGE_TLS_ALPN_01;
    e = env_new(&cfg);
    r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_NO_CHALLENGE);
    assert_int_equal(e->challenge.publishes, 0);
    assert_int_equal(fake_acme_count(e->acme, "POST challenge"), 0);
    env_done(e);
}

static void test_error_codes_without_texts(void **state)
{
    (void)state;
    /* the firmware prints numbers; nacme_error.h names them */
    assert_string_equal(nacme_strerror(NACME_OK), "success");
    assert_string_equal(nacme_strerror(NACME_ERR_UNSUPPORTED), "error (see the code)");
    assert_string_equal(nacme_strerror(NACME_ERR_NO_CHALLENGE), "error (see the code)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_then_renew),
        cmocka_unit_test(test_enrollment_retry_after_lost_network),
        cmocka_unit_test(test_switched_off_operations_refused),
        cmocka_unit_test(test_eab_refused),
        cmocka_unit_test(test_tls_alpn_not_chosen),
        cmocka_unit_test(test_error_codes_without_texts),
    };
    return cmocka_run_group_tests_name("firmware-profile", tests, NULL, NULL);
}
