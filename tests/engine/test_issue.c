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

static nacme_order_req_t order_of(const nacme_identifier_t *ids, size_t n)
{
    nacme_order_req_t r;
    memset(&r, 0, sizeof r);
    r.ids = ids;
    r.n_ids = n;
    return r;
}

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
    nacme_order_req_t r = order_of(ids1, 1);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_issuance_exact_requests),
    };
    return cmocka_run_group_tests_name("engine-issue", tests, NULL, NULL);
}
