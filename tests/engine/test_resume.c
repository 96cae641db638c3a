/*
 * Engine tests: persistence. Power lost at every storage write (and in the
 * middle of each), processes killed at fixed points, backoff across
 * restarts, stale checkpoints, and two contexts in one program.
 */
#include "test_util.h"

#include "engine_env.h"

static nacme_identifier_t ids1[] = {{NACME_ID_DNS, "dev.example.test"}};

static fake_acme_config_t cfg_short_lived(void)
{
    fake_acme_config_t c = env_acme_defaults();
    c.lifetime_s = 10u * 86400u;
    return c;
}

/* Step until done, failed, or the storage lost power (the device stops at once). */
static int run_until_cut(env_t *e)
{
    for (unsigned i = 0; i < 200000u; i++) {
        nacme_wait_t w;
        int rc = nacme_step(&e->c, &w);
        if (rc <= 0) return rc;
        if (e->storage.dead) return NACME_ERR_STORAGE;
        if (rc == NACME_STEP_WAIT && w.until_ms > e->clock.mono_ms) e->clock.mono_ms = w.until_ms;
        else e->clock.mono_ms += 1;
    }
    return NACME_ERR_TIMEOUT;
}

/*
 * A device with a stored account and a certificate that is due (issued
 * 8 days ago, 10-day lifetime). The renewal about to run is what power
 * cuts interrupt.
 */
static env_t *device_with_due_cert(nacme_order_req_t *r, uint8_t *old, size_t *old_len)
{
    env_t *e = malloc(sizeof *e);
    fake_acme_config_t cfg = cfg_short_lived();
    env_init(e, &cfg);
    assert_int_equal(nacme_start_issue(&e->c, r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    const fake_object_t *o = fake_storage_get(&e->storage, NACME_OBJ_CERT, "dev.example.test");
    assert_non_null(o);
    memcpy(old, o->data, o->len);
    *old_len = o->len;
    e->clock.mono_ms += 8u * 86400u * 1000u;
    env_restart(e); /* a reboot since */
    fake_acme_log_clear(e->acme);
    e->storage.writes = 0;
    e->storage.cert_commits = 0;
    return e;
}

static void test_power_loss_at_every_write(void **state)
{
    (void)state;
    nacme_order_req_t r = env_order(ids1, 1);
    uint8_t old[FAKE_STORE_MAX];
    size_t old_len;
    /* count the writes of an uninterrupted renewal */
    env_t *e = device_with_due_cert(&r, old, &old_len);
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->due && nacme_result(&e->c)->issued);
    unsigned n = e->storage.writes;
    assert_true(n >= 8u);
    env_free(e);
    free(e);

    unsigned cuts = 0;
    for (unsigned k = 1; k <= n; k++) {
        for (int mid = 0; mid <= 1; mid++) {
            e = device_with_due_cert(&r, old, &old_len);
            e->storage.cut_at = k;
            e->storage.cut_mid = mid;
            assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
            int rc = run_until_cut(e);
            assert_int_equal(rc, NACME_ERR_STORAGE);
            cuts++;
            /* the old certificate and key are untouched until the one commit that replaces them */
            const fake_object_t *o = fake_storage_get(&e->storage, NACME_OBJ_CERT, "dev.example.test");
            assert_non_null(o);
            if (e->storage.cert_commits == 0) {
                assert_int_equal(o->len, old_len);
                assert_memory_equal(o->data, old, old_len);
            }
            /* power back: the next run completes the job */
            env_restart(e);
            assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
            rc = env_run(e);
            if (rc != NACME_STEP_DONE) {
                env_dump(e);
                fail_msg("cut at write %u%s: restart ended with %d", k, mid ? " (middle)" : "", rc);
            }
            /* ... with one new order at most over the whole sequence */
            if (fake_acme_count(e->acme, "POST newOrder") > 1) {
                env_dump(e);
                fail_msg("cut at write %u%s: %u newOrder", k, mid ? " (middle)" : "",
                         fake_acme_count(e->acme, "POST newOrder"));
            }
            o = fake_storage_get(&e->storage, NACME_OBJ_CERT, "dev.example.test");
            assert_true(o->len != old_len || memcmp(o->data, old, old_len) != 0); /* renewed */
            assert_null(fake_storage_get(&e->storage, NACME_OBJ_ORDER, "dev.example.test"));
            assert_int_equal(fake_acme_violations(e->acme), 0);
            env_free(e);
            free(e);
        }
    }
    assert_int_equal(cuts, 2u * n);
}

/* Killed after newOrder, after answering, after finalize: each rerun resumes, no new order. */
static void test_killed_at_fixed_points(void **state)
{
    (void)state;
    const nacme_event_t points[] = {NACME_EVENT_ORDER_CREATED, NACME_EVENT_CHALLENGES_ANSWERED,
                                    NACME_EVENT_FINALIZED};
    for (size_t p = 0; p < 3; p++) {
        env_t *e = malloc(sizeof *e);
        env_init(e, NULL);
        nacme_order_req_t r = env_order(ids1, 1);
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
        for (unsigned i = 0; i < 100000u && e->events[points[p]] == 0; i++) {
            nacme_wait_t w;
            int rc = nacme_step(&e->c, &w);
            assert_true(rc > 0);
            if (rc == NACME_STEP_WAIT && w.until_ms > e->clock.mono_ms) e->clock.mono_ms = w.until_ms;
        }
        assert_int_equal(e->events[points[p]], 1);
        env_restart(e); /* the process is gone; its challenge material is gone too */
        fake_challenge_init(&e->challenge, e->challenge.supported);
        e->port.challenge = fake_challenge_port(&e->challenge);
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
        int rc = env_run(e);
        assert_int_equal(rc, NACME_STEP_DONE);
        assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 1);
        assert_int_equal(e->events[NACME_EVENT_ORDER_RESUMED], 1);
        assert_true(nacme_result(&e->c)->issued);
        assert_int_equal(fake_acme_violations(e->acme), 0);
        env_free(e);
        free(e);
    }
}

/* A CA without an orders list: a lost order URL means one more order, nothing worse. */
static void test_resume_without_orders_list(void **state)
{
    (void)state;
    fake_acme_config_t cfg = cfg_short_lived();
    cfg.no_orders_list = true;
    env_t *e = malloc(sizeof *e);
    env_init(e, &cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    /* lose power when the order URL is to be stored (the second ORDER write) */
    e->storage.cut_obj = NACME_OBJ_ORDER;
    e->storage.cut_obj_nth = 2;
    assert_int_equal(run_until_cut(e), NACME_ERR_STORAGE);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 1);
    env_restart(e);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 2);
    assert_true(fake_log_has(&e->log, "orders list is not available") || fake_acme_count(e->acme, "POST orders") == 0);
    env_free(e);
    free(e);
}

/* A failure records a backoff that a restart honours; force overrides it. */
static void test_backoff_survives_restart(void **state)
{
    (void)state;
    fake_acme_config_t cfg = cfg_short_lived();
    cfg.fail_validation = true;
    env_t *e = malloc(sizeof *e);
    env_init(e, &cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_ORDER_INVALID);
    int64_t retry = nacme_result(&e->c)->retry_at;
    assert_true(retry >= ENV_NOW + 290);
    /* the problem document says why: the challenge's error */
    assert_string_equal(nacme_problem(&e->c)->type, "unauthorized");
    /* the dead order is forgotten and its authorizations released */
    assert_null(fake_storage_get(&e->storage, NACME_OBJ_ORDER, "dev.example.test"));
    const fake_object_t *st = fake_storage_get(&e->storage, NACME_OBJ_STATE, "dev.example.test");
    assert_non_null(st);
    env_restart(e);
    fake_acme_cfg(e->acme)->fail_validation = false;
    fake_acme_log_clear(e->acme);
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_BACKOFF);
    assert_int_equal(nacme_result(&e->c)->retry_at, retry);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 0);
    /* a second failure doubles the wait */
    r.force = true;
    fake_acme_cfg(e->acme)->fail_validation = true;
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_ORDER_INVALID);
    int64_t retry2 = nacme_result(&e->c)->retry_at;
    int64_t now = e->clock.unix_base + (int64_t)(e->clock.mono_ms / 1000u);
    assert_true(retry2 - now >= 590 && retry2 - now <= 610);
    /* success clears it */
    fake_acme_cfg(e->acme)->fail_validation = false;
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    r.force = false;
    e->clock.mono_ms += 1000;
    nacme_order_req_t r2 = env_order(ids1, 1);
    assert_int_equal(nacme_start_issue(&e->c, &r2), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    env_free(e);
    free(e);
}

/* Two contexts interleaved in one program, each with its own port and CA. */
static void test_two_contexts_interleaved(void **state)
{
    (void)state;
    env_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    env_init(a, NULL);
    env_init(b, NULL);
    nacme_identifier_t ida[] = {{NACME_ID_DNS, "a.example.test"}};
    nacme_identifier_t idb[] = {{NACME_ID_DNS, "b.example.test"}, {NACME_ID_IP, "10.0.0.2"}};
    nacme_order_req_t ra = env_order(ida, 1), rb = env_order(idb, 2);
    assert_int_equal(nacme_start_issue(&a->c, &ra), NACME_OK);
    assert_int_equal(nacme_start_issue(&b->c, &rb), NACME_OK);
    int rca = NACME_STEP_AGAIN, rcb = NACME_STEP_AGAIN;
    for (unsigned i = 0; i < 100000u && (rca > 0 || rcb > 0); i++) {
        nacme_wait_t w;
        if (rca > 0) {
            rca = nacme_step(&a->c, &w);
            if (rca == NACME_STEP_WAIT && w.until_ms > a->clock.mono_ms) a->clock.mono_ms = w.until_ms;
        }
        if (rcb > 0) {
            rcb = nacme_step(&b->c, &w);
            if (rcb == NACME_STEP_WAIT && w.until_ms > b->clock.mono_ms) b->clock.mono_ms = w.until_ms;
        }
    }
    assert_int_equal(rca, NACME_STEP_DONE);
    assert_int_equal(rcb, NACME_STEP_DONE);
    assert_non_null(fake_storage_get(&a->storage, NACME_OBJ_CERT, "a.example.test"));
    assert_non_null(fake_storage_get(&b->storage, NACME_OBJ_CERT, "b.example.test"));
    assert_int_equal(fake_acme_violations(a->acme) + fake_acme_violations(b->acme), 0);
    env_free(a);
    env_free(b);
    free(a);
    free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_power_loss_at_every_write),
        cmocka_unit_test(test_killed_at_fixed_points),
        cmocka_unit_test(test_resume_without_orders_list),
        cmocka_unit_test(test_backoff_survives_restart),
        cmocka_unit_test(test_two_contexts_interleaved),
    };
    return cmocka_run_group_tests_name("engine-resume", tests, NULL, NULL);
}
