/*
 * Engine tests: the renewal decision (pure function), renew operations with
 * and without ACME Renewal Information, "replaces" and its fallback,
 * profiles, and the preferred chain among alternates.
 */
#include "test_util.h"

#include "engine_env.h"

#define DAY 86400

static nacme_identifier_t ids1[] = {{NACME_ID_DNS, "renew.example.test"}};

/* ---- the decision ---------------------------------------------------------------- */

static void test_renew_time_rules(void **state)
{
    (void)state;
    nacme_renew_reason_t why;
    /* 90 days: a third left = 30 days before expiry, minus at most a day of jitter */
    nacme_renew_input_t in = {.not_before = 0, .not_after = 90 * DAY, .jitter_seed = 0};
    assert_int_equal(nacme_renew_time(&in, &why), 60 * DAY);
    assert_int_equal(why, NACME_RENEW_FRACTION);
    in.jitter_seed = 0xffffffffu;
    int64_t t = nacme_renew_time(&in, &why);
    assert_true(t <= 60 * DAY && t >= 59 * DAY);
    /* 6 days: 2 days before expiry, jitter at most a tenth of the margin (4.8 h) */
    nacme_renew_input_t six = {.not_before = 1000, .not_after = 1000 + 6 * DAY};
    for (uint32_t seed = 0; seed < 2000; seed += 7) {
        six.jitter_seed = seed * 2654435761u;
        t = nacme_renew_time(&six, &why);
        assert_true(t <= 1000 + 6 * DAY - 2 * DAY);
        assert_true(t >= 1000 + 6 * DAY - 2 * DAY - (2 * DAY) / 10);
    }
    /* a fleet spreads: different seeds give many different moments */
    int64_t seen[64];
    unsigned distinct = 0;
    for (uint32_t i = 0; i < 64; i++) {
        in.jitter_seed = i * 2654435761u;
        int64_t v = nacme_renew_time(&in, &why);
        bool dup = false;
        for (unsigned j = 0; j < distinct; j++) dup |= seen[j] == v;
        if (!dup) seen[distinct++] = v;
    }
    assert_true(distinct > 56);
    /* days before expiry, a percentage, ARI, force: in that order of precedence */
    in.jitter_seed = 0;
    in.days = 10;
    assert_int_equal(nacme_renew_time(&in, &why), 80 * DAY);
    assert_int_equal(why, NACME_RENEW_DAYS);
    in.days = 0;
    in.percent = 50;
    assert_int_equal(nacme_renew_time(&in, &why), 45 * DAY);
    in.ari_moment = 77 * DAY;
    assert_int_equal(nacme_renew_time(&in, &why), 77 * DAY);
    assert_int_equal(why, NACME_RENEW_ARI);
    in.force = true;
    assert_int_equal(nacme_renew_time(&in, &why), INT64_MIN);
    assert_int_equal(why, NACME_RENEW_FORCED);
}

/* ---- renew operations -------------------------------------------------------------- */

static env_t *with_cert(const fake_acme_config_t *cfg, nacme_order_req_t *r)
{
    env_t *e = malloc(sizeof *e);
    env_init(e, cfg);
    assert_int_equal(nacme_start_issue(&e->c, r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    fake_acme_log_clear(e->acme);
    return e;
}

static void done(env_t *e)
{
    assert_int_equal(fake_acme_violations(e->acme), 0);
    env_free(e);
    free(e);
}

static void test_renew_not_due_then_due(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.lifetime_s = 6u * DAY;
    nacme_order_req_t r = env_order(ids1, 1);
    env_t *e = with_cert(&cfg, &r);
    /* a day later: not due, no order, the decision explained */
    e->clock.mono_ms += (uint64_t)DAY * 1000u;
    const fake_object_t *st = fake_storage_get(&e->storage, NACME_OBJ_STATE, "renew.example.test");
    assert_non_null(st);
    char stored[512];
    assert_true(st->len < sizeof stored);
    memcpy(stored, st->data, st->len);
    size_t stored_len = st->len;
    unsigned commits = e->storage.commits;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    /* a check that changed nothing wrote nothing (flash wear on devices) */
    assert_int_equal(e->storage.commits, commits);
    st = fake_storage_get(&e->storage, NACME_OBJ_STATE, "renew.example.test");
    assert_non_null(st);
    assert_int_equal(st->len, stored_len);
    assert_memory_equal(st->data, stored, stored_len);
    /* a stored state that differs (an older version) is rewritten */
    fake_storage_put(&e->storage, NACME_OBJ_STATE, "renew.example.test", "{}", 2);
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_int_equal(e->storage.commits, commits + 1);
    st = fake_storage_get(&e->storage, NACME_OBJ_STATE, "renew.example.test");
    assert_int_equal(st->len, stored_len);
    assert_memory_equal(st->data, stored, stored_len);
    const nacme_result_t *res = nacme_result(&e->c);
    assert_false(res->due);
    assert_false(res->issued);
    assert_int_equal(res->reason, NACME_RENEW_FRACTION);
    int64_t now = e->clock.unix_base + (int64_t)(e->clock.mono_ms / 1000u);
    assert_true(res->renew_at > now);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 0);
    /* past the moment: renewed */
    e->clock.mono_ms += (uint64_t)(res->renew_at - now + 1) * 1000u;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->due);
    assert_true(nacme_result(&e->c)->issued);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 1);
    assert_string_equal(fake_acme_last_replaces(e->acme), ""); /* no ARI: no replaces */
    /* forced: renewed although not due */
    r.force = true;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_int_equal(nacme_result(&e->c)->reason, NACME_RENEW_FORCED);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 2);
    done(e);
    /* nothing stored: a clear error */
    e = malloc(sizeof *e);
    env_init(e, NULL);
    r.force = false;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_NO_CERT);
    done(e);
}

static void test_renew_with_ari(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.ari = true;
    cfg.ari_start = ENV_NOW + 10 * DAY;
    cfg.ari_end = ENV_NOW + 12 * DAY;
    cfg.ari_retry_after = 3600;
    nacme_order_req_t r = env_order(ids1, 1);
    env_t *e = with_cert(&cfg, &r);
    /* the first check asks ARI and draws a moment inside the window */
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_false(nacme_result(&e->c)->due);
    assert_int_equal(nacme_result(&e->c)->reason, NACME_RENEW_ARI);
    int64_t moment = nacme_result(&e->c)->renew_at;
    assert_true(moment >= cfg.ari_start && moment < cfg.ari_end);
    assert_int_equal(fake_acme_count(e->acme, "GET renewalInfo"), 1);
    /* a reboot does not re-draw it, and ARI is not asked again before its Retry-After */
    env_restart(e);
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_int_equal(nacme_result(&e->c)->renew_at, moment);
    assert_int_equal(fake_acme_count(e->acme, "GET renewalInfo"), 1);
    /* after the Retry-After it asks again: same window, same moment */
    e->clock.mono_ms += 3601u * 1000u;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_int_equal(fake_acme_count(e->acme, "GET renewalInfo"), 2);
    assert_int_equal(nacme_result(&e->c)->renew_at, moment);
    /* at the moment: renewed, with "replaces" naming the old certificate (AKI "." serial) */
    int64_t now = e->clock.unix_base + (int64_t)(e->clock.mono_ms / 1000u);
    e->clock.mono_ms += (uint64_t)(moment - now + 1) * 1000u;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    assert_string_equal(fake_acme_last_replaces(e->acme), "qrvM3QECAwQFBgcICQoLDA0ODxA.EAAQAQ");
    done(e);
}

static void test_replaces_refused_then_retried_without(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.ari = true;
    cfg.ari_start = ENV_NOW - 2 * DAY; /* due now */
    cfg.ari_end = ENV_NOW - DAY;
    nacme_order_req_t r = env_order(ids1, 1);
    env_t *e = with_cert(&cfg, &r);
    fake_acme_cfg(e->acme)->reject_replaces = true;
    assert_int_equal(nacme_start_renew(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    assert_true(nacme_result(&e->c)->issued);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 2);
    assert_string_equal(fake_acme_last_replaces(e->acme), "");
    done(e);
}

static void test_profiles(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.profiles[0] = "classic";
    cfg.profiles[1] = "shortlived";
    env_t *e = malloc(sizeof *e);
    env_init(e, &cfg);
    nacme_order_req_t r = env_order(ids1, 1);
    r.profile = "shortlived";
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_STEP_DONE);
    /* a profile the directory does not list is refused before any order */
    fake_acme_log_clear(e->acme);
    r.profile = "short";
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_PROFILE);
    assert_int_equal(fake_acme_count(e->acme, "POST newOrder"), 0);
    done(e);
    /* a CA without profiles: any profile is refused */
    e = malloc(sizeof *e);
    env_init(e, NULL);
    r.profile = "classic";
    assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
    assert_int_equal(env_run(e), NACME_ERR_PROFILE);
    done(e);
}

/* The chain whose top issuer is the preferred name is stored; else the default chain. */
static void test_preferred_chain(void **state)
{
    (void)state;
    fake_acme_config_t cfg = env_acme_defaults();
    cfg.alternates = 3;
    for (unsigned want = 0; want <= 4; want++) {
        env_t *e = malloc(sizeof *e);
        env_init(e, &cfg);
        nacme_order_req_t r = env_order(ids1, 1);
        r.preferred_chain = want <= 3 ? fake_acme_root_name(want) : "No Such Root";
        assert_int_equal(nacme_start_issue(&e->c, &r), NACME_OK);
        assert_int_equal(env_run(e), NACME_STEP_DONE);
        const fake_object_t *o = fake_storage_get(&e->storage, NACME_OBJ_CERT, "renew.example.test");
        assert_non_null(o);
        /* find the intermediate's issuer CN in the stored chain */
        nacme_pem_splitter_t s;
        uint8_t der[2048];
        nacme_pem_splitter_init(&s, der, sizeof der);
        size_t off = 0;
        unsigned blocks = 0;
        const char *expect = fake_acme_root_name(want <= 3 ? want : 0);
        bool found = false;
        while (off < o->len) {
            size_t used;
            nacme_pem_event_t ev;
            assert_int_equal(nacme_pem_split(&s, (const char *)o->data + off, o->len - off, &used, &ev), NACME_OK);
            off += used;
            if (ev != NACME_PEM_BLOCK) continue;
            if (++blocks == 3) {
                nacme_x509_t x;
                assert_int_equal(nacme_x509_parse(s.der, s.der_len, &x), NACME_OK);
                const uint8_t *cn;
                size_t cn_len;
                assert_int_equal(nacme_x509_name_cn(x.issuer, &cn, &cn_len), NACME_OK);
                found = cn_len == strlen(expect) && memcmp(cn, expect, cn_len) == 0;
            }
        }
        assert_int_equal(blocks, 3); /* key, leaf, intermediate */
        assert_true(found);
        /* downloads: the default, then alternates until one matches (or all, then the default again) */
        unsigned downloads = fake_acme_count(e->acme, "POST certificate");
        assert_int_equal(downloads, want == 0 ? 1u : want <= 3 ? want + 1u : 5u);
        done(e);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_renew_time_rules),
        cmocka_unit_test(test_renew_not_due_then_due),
        cmocka_unit_test(test_renew_with_ari),
        cmocka_unit_test(test_replaces_refused_then_retried_without),
        cmocka_unit_test(test_profiles),
        cmocka_unit_test(test_preferred_chain),
    };
    return cmocka_run_group_tests_name("engine-renew", tests, NULL, NULL);
}
