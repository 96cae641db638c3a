/*
 * Engine tests: accounts. External Account Binding, terms of service,
 * recovering an account from its key, contact update, deactivation, key
 * rollover (and its recovery after a power loss), revocation.
 */
#include "test_util.h"

#include "engine_env.h"

static nacme_identifier_t ids1[] = {{NACME_ID_DNS, "acct.example.test"}};

static void done(env_t *e)
{
    assert_int_equal(fake_acme_violations(e->acme), 0);
    env_free(e);
    free(e);
}

static int run_op(env_t *e, int start_rc)
{
    assert_int_equal(start_rc, NACME_OK);
    return env_run(e);
}

/* Pebble's example EAB key (docs of the pebble package), as the CA hands it out. */
static const char eab_key_b64[] = "zWNDZM6eQGHWpSRTPal5eIUYFTu7EajVIoguysqZ9wG44nMEtx3MUAsUDkMTQ12W";

static void test_external_account_binding(void **state)
{
    (void)state;
    static uint8_t eab_key_raw[64];
    size_t eab_key_len;
    assert_int_equal(nacme_b64url_decode(eab_key_b64, strlen(eab_key_b64), eab_key_raw, sizeof eab_key_raw, &eab_key_len),
                     NACME_OK);
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.eab_required = true;
    cfg.eab_kid = "kid-1";
    cfg.eab_key = eab_key_raw;
    cfg.eab_key_len = eab_key_len;
    /* required but not configured: refused before any account request */
    env_t *e = env_new(&cfg);
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_ERR_EAB_REQUIRED);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 0);
    done(e);
    /* configured: the CA checks the MAC over our JWK */
    e = env_new(&cfg);
    e->cfg.eab_kid = "kid-1";
    e->cfg.eab_hmac_key = eab_key_b64;
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
    assert_string_equal(nacme_account_url(&e->c), "https://ca.test/acct/1");
    assert_int_equal(e->events[NACME_EVENT_ACCOUNT_CREATED], 1);
    done(e);
    /* a key that is not base64url: a clear error */
    e = env_new(&cfg);
    e->cfg.eab_kid = "kid-1";
    e->cfg.eab_hmac_key = "not base64!";
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_ERR_BASE64);
    done(e);
    /* a wrong key: the CA refuses */
    e = env_new(&cfg);
    e->cfg.eab_kid = "kid-1";
    e->cfg.eab_hmac_key = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_ERR_PROBLEM);
    assert_string_equal(nacme_problem(&e->c)->type, "unauthorized");
    env_free(e);
    free(e);
}

static void test_terms_of_service(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.tos = true;
    env_t *e = env_new(&cfg);
    e->cfg.agree_tos = false;
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_ERR_TOS_REQUIRED);
    /* the key was kept: agreeing later creates the account for it (lookup first) */
    e->cfg.agree_tos = true;
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 2); /* onlyReturnExisting, then new */
    done(e);
}

/* The account URL lost, the key kept: onlyReturnExisting finds the account again. */
static void test_account_recovered_from_key(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
    fake_storage_t *fs = &e->storage;
    for (size_t i = 0; i < FAKE_STORE_OBJECTS; i++) {
        if (fs->objects[i].used && fs->objects[i].obj == NACME_OBJ_ACCOUNT) fs->objects[i].used = false;
    }
    env_restart(e);
    fake_acme_log_clear(e->acme);
    memset(e->events, 0, sizeof e->events);
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
    assert_string_equal(nacme_account_url(&e->c), "https://ca.test/acct/1");
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 1);
    assert_int_equal(e->events[NACME_EVENT_ACCOUNT_CREATED], 0);
    assert_non_null(fake_storage_get(fs, NACME_OBJ_ACCOUNT, FAKE_ACME_HOST));
    done(e);
}

static void test_update_and_deactivate(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    static const char *const contact[] = {"mailto:ops@example.test", NULL};
    assert_int_equal(run_op(e, nacme_start_account_update(&e->c, contact)), NACME_STEP_DONE);
    assert_int_equal(e->events[NACME_EVENT_ACCOUNT_UPDATED], 1);
    assert_int_equal(run_op(e, nacme_start_account_deactivate(&e->c)), NACME_STEP_DONE);
    assert_true(fake_acme_account_deactivated(e->acme, 1));
    assert_null(fake_storage_get(&e->storage, NACME_OBJ_ACCOUNT, FAKE_ACME_HOST));
    assert_null(fake_storage_get(&e->storage, NACME_OBJ_ACCOUNT_KEY, FAKE_ACME_HOST));
    /* a new issuance makes a new account with a new key */
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    assert_string_equal(nacme_account_url(&e->c), "https://ca.test/acct/2");
    done(e);
}

/* Accounts deactivated and made again on one context: the old accounts' strings do not fill the pool. */
static void test_deactivate_and_new_account_repeatedly(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    for (unsigned round = 1; round <= 40u; round++) {
        int rc = run_op(e, nacme_start_account(&e->c));
        if (rc != NACME_STEP_DONE) {
            env_dump(e);
            fail_msg("round %u: account: %s", round, nacme_strerror(rc));
        }
        assert_int_equal(run_op(e, nacme_start_account_deactivate(&e->c)), NACME_STEP_DONE);
        assert_true(fake_acme_account_deactivated(e->acme, round));
    }
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    done(e);
}

static void test_key_rollover(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
    uint8_t before[64], after[64];
    assert_true(fake_acme_account_key(e->acme, 1, before));
    assert_int_equal(run_op(e, nacme_start_key_rollover(&e->c)), NACME_STEP_DONE);
    assert_true(fake_acme_account_key(e->acme, 1, after));
    assert_memory_not_equal(before, after, 64);
    /* the stored key is the new one: a restart issues with it (the CA checks the signatures) */
    env_restart(e);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 1);
    done(e);
}

/* Power lost between the CA accepting the new key and storing it: the next run completes it. */
static void test_key_rollover_interrupted(void **state)
{
    (void)state;
    for (int ca_took_it = 0; ca_took_it <= 1; ca_took_it++) {
        env_t *e = env_new(NULL);
        assert_int_equal(run_op(e, nacme_start_account(&e->c)), NACME_STEP_DONE);
        uint8_t before[64], after[64];
        assert_true(fake_acme_account_key(e->acme, 1, before));
        /* lose power at the account key write (after keyChange) or before keyChange is sent */
        e->storage.cut_obj = ca_took_it ? NACME_OBJ_ACCOUNT_KEY : NACME_OBJ_ACCOUNT;
        e->storage.cut_obj_nth = ca_took_it ? 1 : 1;
        e->storage.obj_begins = 0;
        if (!ca_took_it) e->storage.cut_obj_nth = 2; /* the intent was stored, then nothing */
        assert_int_equal(nacme_start_key_rollover(&e->c), NACME_OK);
        for (unsigned i = 0; i < 100000u && !e->storage.dead; i++) {
            nacme_wait_t w;
            int rc = nacme_step(&e->c, &w);
            if (rc <= 0) break;
        }
        env_restart(e);
        e->storage.cut_obj = 0;
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
        assert_true(fake_acme_account_key(e->acme, 1, after));
        if (ca_took_it) assert_memory_not_equal(before, after, 64);
        assert_int_equal(fake_acme_violations(e->acme), 0);
        done(e);
    }
}

/*
 * A key rollover whose keyChange answer is lost (the CA took the new key)
 * fails; the next operation on the SAME context must not go on signing with
 * the old key: they read the stored account again, whose next_key makes
 * them ask the CA which key it knows and finish the rollover. Many times over,
 * so the account strings read again each time must not pile up in the pool.
 */
static void test_key_rollover_answer_lost(void **state)
{
    (void)state;
    env_t *e = env_new(NULL);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    for (unsigned round = 0; round < 40u; round++) {
        uint8_t before[64], after[64];
        assert_true(fake_acme_account_key(e->acme, 1, before));
        e->net.cut_next_response = e->net.responses + 1u; /* keyChange is the next request */
        assert_int_equal(run_op(e, nacme_start_key_rollover(&e->c)), NACME_ERR_HTTP_TRUNCATED);
        assert_true(fake_acme_account_key(e->acme, 1, after));
        assert_memory_not_equal(before, after, 64); /* the CA took the new key */
        e->net.cut_next_response = 0;
        static const char *const contact[] = {"mailto:ops@example.test", NULL};
        int rc = run_op(e, nacme_start_account_update(&e->c, contact));
        if (rc != NACME_STEP_DONE || fake_acme_violations(e->acme) != 0) {
            env_dump(e);
            fail_msg("round %u: an account update after a lost keyChange answer: %s", round, nacme_strerror(rc));
        }
        assert_string_equal(nacme_account_url(&e->c), "https://ca.test/acct/1");
    }
    r.force = true;
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    /* what is stored is the key the CA knows: a restart issues with it */
    env_restart(e);
    assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
    assert_int_equal(fake_acme_count(e->acme, "POST newAccount"), 1u + 40u); /* and a lookup per lost answer */
    done(e);
}

static void test_revoke(void **state)
{
    (void)state;
    for (int with_cert_key = 0; with_cert_key <= 1; with_cert_key++) {
        env_t *e = env_new(NULL);
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(run_op(e, nacme_start_issue(&e->c, &r)), NACME_STEP_DONE);
        env_restart(e);
        assert_int_equal(run_op(e, nacme_start_revoke(&e->c, "acct.example.test", 4, with_cert_key)), NACME_STEP_DONE);
        assert_true(fake_acme_cert_revoked(e->acme, 1));
        assert_int_equal(e->events[NACME_EVENT_REVOKED], 1);
        done(e);
    }
    env_t *e = env_new(NULL);
    assert_int_equal(run_op(e, nacme_start_revoke(&e->c, "nothing.example.test", -1, false)), NACME_ERR_NO_CERT);
    assert_int_equal(nacme_start_revoke(&e->c, "x", 7, false), NACME_ERR_ARG);
    assert_int_equal(nacme_start_revoke(&e->c, "x", 11, false), NACME_ERR_ARG);
    done(e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_external_account_binding),
        cmocka_unit_test(test_terms_of_service),
        cmocka_unit_test(test_account_recovered_from_key),
        cmocka_unit_test(test_update_and_deactivate),
        cmocka_unit_test(test_deactivate_and_new_account_repeatedly),
        cmocka_unit_test(test_key_rollover),
        cmocka_unit_test(test_key_rollover_interrupted),
        cmocka_unit_test(test_key_rollover_answer_lost),
        cmocka_unit_test(test_revoke),
    };
    return cmocka_run_group_tests_name("engine-account", tests, NULL, NULL);
}
