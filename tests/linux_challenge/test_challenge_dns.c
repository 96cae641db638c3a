/*
 * Tests for platforms/linux/challenge_dns.c through the challenge port: a
 * hook script written here records its arguments, so the tests see every
 * add and del, their order, how the hook is started, failures by exit
 * status and signal, the time bound (the hook and its children killed), one
 * hook at a time, and the propagation wait of settle().
 */
#include "ch_util.h"

#include <sys/prctl.h>

#define V1 "HRV3PS5sRDyV-ous4HJk4z24s2JjmUTjcCaUjFt28-8"
#define V2 "Qb9Uz1wV1DFRvBE2Q3xXqSjDTGR-XVwTqU5L8DY2Yx4"

typedef struct fx {
    nacme_linux_loop_t loop;
    nacme_linux_challenge_t ch;
    nacme_challenge_port_t port;
    tlog_t log;
    char dir[64];
    char hook[128];
    char calls[128];
} fx_t;

/*
 * The hook: appends its arguments to DIR/calls; by the value's first word:
 * fail -> exit 3, sig -> killed by SIGTERM, hang -> a child sleeps 30 s
 * (its pid in DIR/sleeper) and the hook waits for it, slow -> 0.2 s, info ->
 * records its stdin, stdout, process id and group.
 */
static const char hook_script[] =
    "#!/bin/sh\n"
    "echo \"$*\" >> \"$(dirname \"$0\")/calls\"\n"
    "case \"$3\" in\n"
    "fail*) exit 3 ;;\n"
    "sig*) kill -TERM $$ ;;\n"
    "hang*) sleep 30 & echo $! > \"$(dirname \"$0\")/sleeper\"; wait ;;\n"
    "slow*) sleep 0.2 ;;\n"
    "info*) read -r _ _ _ _ pgid _ < /proc/$$/stat;\n"
    "       echo \"$(readlink /proc/$$/fd/0) $(readlink /proc/$$/fd/1) $$ $pgid\" > \"$(dirname \"$0\")/info\" ;;\n"
    "esac\n"
    "exit 0\n";

static fx_t *fx_new(uint32_t timeout_ms, uint32_t wait_ms)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nacme_linux_loop_init(&f->loop);
    make_tmpdir(f->dir, sizeof f->dir, "dns");
    snprintf(f->hook, sizeof f->hook, "%s/hook", f->dir);
    snprintf(f->calls, sizeof f->calls, "%s/calls", f->dir);
    FILE *o = fopen(f->hook, "w");
    assert_non_null(o);
    fputs(hook_script, o);
    fclose(o);
    assert_int_equal(chmod(f->hook, 0755), 0);
    nacme_linux_challenge_cfg_t cfg = {
        .loop = &f->loop,
        .log = tlog_port(&f->log),
        .dns_hook = f->hook,
        .dns_hook_timeout_ms = timeout_ms,
        .dns_wait_ms = wait_ms,
    };
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_DNS_01);
    return f;
}

static void fx_free(fx_t *f)
{
    nacme_linux_challenge_free(&f->ch);
    assert_int_equal(f->loop.n_ticks, 0);
    remove_tree(f->dir);
    free(f);
}

static nacme_challenge_t dns_ch(const char *id, bool wildcard, const char *value)
{
    nacme_challenge_t c;
    memset(&c, 0, sizeof c);
    c.type = NACME_CHALLENGE_DNS_01;
    c.id_type = NACME_ID_DNS;
    c.identifier = id;
    c.wildcard = wildcard;
    c.token = "tok";
    c.key_authorization = "tok.ka";
    c.dns_txt_value = value;
    return c;
}

/* Ask as the engine does: again every 10 ms (the loop served) until not pending, at most 10 s. */
static int until_done(fx_t *f, const nacme_challenge_t *c, bool remove, int *first)
{
    uint64_t end = nacme_linux_now_ms() + 10000;
    int rc = NACME_PENDING;
    for (int i = 0; rc == NACME_PENDING && nacme_linux_now_ms() < end; i++) {
        rc = remove ? f->port.unpublish(f->port.ctx, c) : f->port.publish(f->port.ctx, c);
        if (i == 0 && first) *first = rc;
        if (rc == NACME_PENDING) nacme_linux_loop_run_for(&f->loop, 10);
    }
    return rc;
}

static int add(fx_t *f, const char *id, bool wildcard, const char *value)
{
    nacme_challenge_t c = dns_ch(id, wildcard, value);
    int first = 0;
    int rc = until_done(f, &c, false, &first);
    assert_int_equal(first, NACME_PENDING); /* the hook never finishes within the call */
    return rc;
}

static int del(fx_t *f, const char *id, bool wildcard, const char *value)
{
    nacme_challenge_t c = dns_ch(id, wildcard, value);
    return until_done(f, &c, true, NULL);
}

static void assert_calls(fx_t *f, const char *want)
{
    char *got = read_whole(f->calls, NULL);
    if (want == NULL) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void assert_logged(const fx_t *f, const char *text)
{
    if (!tlog_has(&f->log, text)) {
        tlog_dump(&f->log);
        fail_msg("no log line with \"%s\"", text);
    }
}

/* A name and its wildcard: two TXT values on one name, both added before either is removed. */
static void test_add_del_order(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    assert_int_equal(add(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(add(f, "example.org", true, V2), NACME_OK);
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK); /* no wait configured */
    assert_int_equal(del(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(del(f, "example.org", true, V2), NACME_OK);
    assert_calls(f, "add _acme-challenge.example.org " V1 "\n"
                    "add _acme-challenge.example.org " V2 "\n"
                    "del _acme-challenge.example.org " V1 "\n"
                    "del _acme-challenge.example.org " V2 "\n");
    assert_logged(f, "dns-01 hook: add _acme-challenge.example.org done");
    assert_logged(f, "dns-01 hook: del _acme-challenge.example.org done");
    /* a wildcard spelled whole is reduced to its base name as well */
    assert_int_equal(add(f, "*.sub.example.org", true, V1), NACME_OK);
    char *got = read_whole(f->calls, NULL);
    assert_non_null(strstr(got, "add _acme-challenge.sub.example.org " V1 "\n"));
    free(got);
    fx_free(f);
}

static void test_exit_status_failure(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    assert_int_equal(add(f, "example.org", false, "fail_1"), NACME_ERR_CHALLENGE);
    assert_logged(f, "dns-01 hook: add _acme-challenge.example.org failed with exit status 3");
    assert_int_equal(del(f, "example.org", false, "fail_2"), NACME_ERR_CHALLENGE);
    assert_logged(f, "dns-01 hook: del _acme-challenge.example.org failed with exit status 3");
    /* a failed run leaves nothing behind: the next one runs */
    assert_int_equal(add(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    fx_free(f);
}

static void test_killed_by_signal(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    assert_int_equal(add(f, "example.org", false, "sig"), NACME_ERR_CHALLENGE);
    assert_logged(f, "killed by signal 15");
    fx_free(f);
}

/* A hook over its time bound is killed with its children, and fails. */
static void test_hanging_hook_killed(void **state)
{
    (void)state;
    /* orphans of the killed hook come to this process, so the test can see them die */
    bool subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;
    fx_t *f = fx_new(300, 0);
    uint64_t t0 = nacme_linux_now_ms();
    assert_int_equal(add(f, "example.org", false, "hang"), NACME_ERR_CHALLENGE);
    uint64_t dt = nacme_linux_now_ms() - t0;
    assert_true(dt >= 300);
    assert_true(dt < 5000);
    assert_logged(f, "dns-01 hook: add _acme-challenge.example.org still running after 300 ms, killed");
    assert_int_equal(f->ch.dns.pid, 0); /* reaped */
    char path[128];
    snprintf(path, sizeof path, "%s/sleeper", f->dir);
    char *sleeper = read_whole(path, NULL);
    assert_non_null(sleeper);
    pid_t sp = (pid_t)atoi(sleeper);
    free(sleeper);
    assert_true(sp > 0);
    if (subreaper) {
        /* the hook's child (same process group) was killed too: it ends at once, not in 30 s */
        int st = 0;
        pid_t r = 0;
        for (int i = 0; i < 200 && r == 0; i++) {
            r = waitpid(sp, &st, WNOHANG);
            if (r == 0) sleep_ms(10);
        }
        if (r != sp) {
            kill(sp, SIGKILL);
            waitpid(sp, &st, 0);
            fail_msg("the hook's child %d was not killed", (int)sp);
        }
        assert_true(WIFSIGNALED(st));
        assert_int_equal(WTERMSIG(st), SIGKILL);
        prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
    } else {
        kill(sp, SIGKILL);
    }
    /* the next hook runs normally */
    assert_int_equal(add(f, "example.org", false, V1), NACME_OK);
    fx_free(f);
}

/* The time bound holds without anyone asking: the loop's tick kills the hook. */
static void test_bound_kept_by_tick(void **state)
{
    (void)state;
    fx_t *f = fx_new(200, 0);
    nacme_challenge_t c = dns_ch("example.org", false, "hang_tick");
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_PENDING);
    assert_int_equal(f->loop.n_ticks, 1);
    uint64_t end = nacme_linux_now_ms() + 5000;
    while (!f->ch.dns.done && nacme_linux_now_ms() < end) nacme_linux_loop_run_for(&f->loop, 20);
    assert_true(f->ch.dns.done);
    assert_true(f->ch.dns.killed);
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
    assert_int_equal(f->loop.n_ticks, 0);
    char path[128];
    snprintf(path, sizeof path, "%s/sleeper", f->dir);
    char *sleeper = read_whole(path, NULL);
    if (sleeper) kill((pid_t)atoi(sleeper), SIGKILL); /* killed already; in case */
    free(sleeper);
    fx_free(f);
}

/* How the hook is started: stdin /dev/null, its own process group, stdout kept off ours. */
static void test_hook_environment(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    assert_int_equal(add(f, "example.org", false, "info"), NACME_OK);
    char path[128];
    snprintf(path, sizeof path, "%s/info", f->dir);
    char *info = read_whole(path, NULL);
    assert_non_null(info);
    char in[64];
    char out[128];
    long pid = 0;
    long pgid = -1;
    assert_int_equal(sscanf(info, "%63s %127s %ld %ld", in, out, &pid, &pgid), 4);
    free(info);
    assert_string_equal(in, "/dev/null");
    assert_int_equal(pid, pgid);
    /* its stdout is our stderr */
    char err[128];
    ssize_t n = readlink("/proc/self/fd/2", err, sizeof err - 1);
    assert_true(n > 0);
    err[n] = '\0';
    assert_string_equal(out, err);
    fx_free(f);
}

static void test_missing_hook(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    f->ch.dns.hook = "/nonexistent/nacme-hook";
    nacme_challenge_t c = dns_ch("example.org", false, V1);
    int rc = until_done(f, &c, false, NULL);
    assert_int_equal(rc, NACME_ERR_CHALLENGE);
    /* glibc reports the failed exec; where exec is emulated (qemu-user), the child exits 127 */
    if (!tlog_has(&f->log, "dns-01 hook: cannot run /nonexistent/nacme-hook: No such file or directory"))
        assert_logged(f, "failed with exit status 127");
    fx_free(f);
}

static void test_settle_waits(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 300);
    /* nothing published: nothing to wait for */
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    assert_int_equal(add(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(add(f, "example.org", true, V2), NACME_OK);
    uint64_t t0 = nacme_linux_now_ms();
    int rc = NACME_PENDING;
    unsigned pendings = 0;
    while (rc == NACME_PENDING && nacme_linux_now_ms() - t0 < 5000) {
        rc = f->port.settle(f->port.ctx);
        if (rc == NACME_PENDING) {
            pendings++;
            sleep_ms(10);
        }
    }
    uint64_t dt = nacme_linux_now_ms() - t0;
    assert_int_equal(rc, NACME_OK);
    assert_true(pendings > 0);
    assert_true(dt >= 300);
    assert_true(dt < 2000);
    assert_logged(f, "dns-01: waiting 300 ms for the records to propagate");
    /* settled: no second wait until another add */
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    /* a removal needs no wait */
    assert_int_equal(del(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(f->port.settle(f->port.ctx), NACME_OK);
    /* a new add: the wait again */
    assert_int_equal(add(f, "example.org", false, V1), NACME_OK);
    assert_int_equal(f->port.settle(f->port.ctx), NACME_PENDING);
    fx_free(f);
}

/* One hook at a time: a call for other material waits until the running hook ends. */
static void test_one_hook_at_a_time(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    nacme_challenge_t a = dns_ch("a.example.org", false, "slow_a");
    nacme_challenge_t b = dns_ch("b.example.org", false, V2);
    assert_int_equal(f->port.publish(f->port.ctx, &a), NACME_PENDING);
    assert_int_equal(f->port.publish(f->port.ctx, &b), NACME_PENDING); /* a still runs */
    assert_int_equal(until_done(f, &b, false, NULL), NACME_OK);
    assert_calls(f, "add _acme-challenge.a.example.org slow_a\n"
                    "add _acme-challenge.b.example.org " V2 "\n");
    assert_logged(f, "dns-01 hook: result of add _acme-challenge.a.example.org dropped");
    fx_free(f);
}

static void test_bad_material(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    nacme_challenge_t c = dns_ch("192.0.2.1", false, V1);
    c.id_type = NACME_ID_IP;
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
    char long_name[NACME_LINUX_DNS_NAME_MAX + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    long_name[NACME_LINUX_DNS_NAME_MAX - 16 + 1] = '\0'; /* one over with the prefix */
    static const char *const names[] = {"", "a b", "a/b", "-x;rm", "ex\xc3\xa9.org", "*.", NULL};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        c = dns_ch(names[i], false, V1);
        assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
    }
    c = dns_ch(long_name, false, V1);
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
    static const char *const values[] = {"", "a b", "a/b", "$(x)", NULL,
                                         "0123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        c = dns_ch("example.org", false, values[i]);
        assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
        assert_int_equal(f->port.unpublish(f->port.ctx, &c), NACME_ERR_CHALLENGE);
    }
    assert_logged(f, "dns-01 hook: identifier or TXT value unusable");
    assert_calls(f, NULL); /* the hook never ran */
    /* the longest name that fits runs */
    long_name[NACME_LINUX_DNS_NAME_MAX - 16] = '\0';
    assert_int_equal(add(f, long_name, false, V1), NACME_OK);
    fx_free(f);
}

/* free() kills a hook still running and reaps it. */
static void test_free_kills_hook(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    nacme_challenge_t c = dns_ch("example.org", false, "hang_free");
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_PENDING);
    pid_t pid = f->ch.dns.pid;
    assert_true(pid > 0);
    /* wait until the hook started its sleeper */
    char path[128];
    snprintf(path, sizeof path, "%s/sleeper", f->dir);
    for (int i = 0; i < 300 && access(path, F_OK) != 0; i++) sleep_ms(10);
    char *sleeper = read_whole(path, NULL);
    nacme_linux_challenge_free(&f->ch);
    assert_int_equal(kill(pid, 0), -1); /* gone and reaped */
    assert_int_equal(errno, ESRCH);
    if (sleeper) kill((pid_t)atoi(sleeper), SIGKILL);
    free(sleeper);
    remove_tree(f->dir);
    free(f);
}

static void test_port_routing(void **state)
{
    (void)state;
    fx_t *f = fx_new(0, 0);
    nacme_challenge_t c = dns_ch("example.org", false, V1);
    c.type = NACME_CHALLENGE_HTTP_01;
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_UNSUPPORTED);
    assert_int_equal(f->port.unpublish(f->port.ctx, &c), NACME_ERR_UNSUPPORTED);
    c.type = NACME_CHALLENGE_TLS_ALPN_01;
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_UNSUPPORTED);
    c.type = (nacme_challenge_type_t)3;
    assert_int_equal(f->port.publish(f->port.ctx, &c), NACME_ERR_UNSUPPORTED);
    assert_int_equal(f->port.publish(f->port.ctx, NULL), NACME_ERR_ARG);
    assert_calls(f, NULL);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_del_order),
        cmocka_unit_test(test_exit_status_failure),
        cmocka_unit_test(test_killed_by_signal),
        cmocka_unit_test(test_hanging_hook_killed),
        cmocka_unit_test(test_bound_kept_by_tick),
        cmocka_unit_test(test_hook_environment),
        cmocka_unit_test(test_missing_hook),
        cmocka_unit_test(test_settle_waits),
        cmocka_unit_test(test_one_hook_at_a_time),
        cmocka_unit_test(test_bad_material),
        cmocka_unit_test(test_free_kills_hook),
        cmocka_unit_test(test_port_routing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
