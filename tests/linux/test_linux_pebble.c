/*
 * One end-to-end smoke test of the Linux port: the real engine over the
 * TLS transport, file storage, getrandom() and the poll loop, against a
 * local Pebble (127.0.0.1 only, validations switched off with
 * PEBBLE_VA_ALWAYS_VALID, stopped by PID). The integration suite proper
 * lives elsewhere; this checks that the parts fit: issue, the files it
 * installs, and a renewal check that reads the stored certificate back.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "linux_test_util.h"
#include "nacme_linux.h"
#include "nacme_wolfcrypt.h"
#include "nanoacme.h"

typedef struct pebble {
    pid_t pid;
    uint16_t port;
    char log[600];
} pebble_t;

static uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, len), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static bool port_open(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void pebble_start(pebble_t *p, const char *dir)
{
    char cert[1024], key[1024], cfg[600];
    lt_data_path("server-chain.pem", cert, sizeof cert);
    lt_data_path("server.key", key, sizeof key);
    p->port = free_port();
    uint16_t mgmt = free_port();
    snprintf(cfg, sizeof cfg, "%s/pebble.json", dir);
    snprintf(p->log, sizeof p->log, "%s/pebble.log", dir);
    FILE *f = fopen(cfg, "w");
    assert_non_null(f);
    fprintf(f,
            "{\"pebble\": {\"listenAddress\": \"127.0.0.1:%u\", \"managementListenAddress\": \"127.0.0.1:%u\","
            " \"certificate\": \"%s\", \"privateKey\": \"%s\", \"httpPort\": 5002, \"tlsPort\": 5001,"
            " \"ocspResponderURL\": \"\", \"externalAccountBindingRequired\": false}}\n",
            (unsigned)p->port, (unsigned)mgmt, cert, key);
    fclose(f);
    fflush(stdout);
    fflush(stderr);
    p->pid = fork();
    assert_true(p->pid >= 0);
    if (p->pid == 0) {
        int out = open(p->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        int null = open("/dev/null", O_RDONLY);
        dup2(null, 0);
        dup2(out, 1);
        dup2(out, 2);
        alarm(300);
        setenv("PEBBLE_VA_ALWAYS_VALID", "1", 1);
        setenv("PEBBLE_VA_NOSLEEP", "1", 1);
        setenv("PEBBLE_WFE_NONCEREJECT", "0", 1);
        setenv("PEBBLE_AUTHZREUSE", "0", 1);
        execlp("pebble", "pebble", "-config", cfg, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 400 && !port_open(p->port); i++) { /* up to 20 s */
        struct timespec d = {0, 50 * 1000000L};
        nanosleep(&d, NULL);
        int st;
        if (waitpid(p->pid, &st, WNOHANG) == p->pid) fail_msg("pebble exited (see %s)", p->log);
    }
    if (!port_open(p->port)) fail_msg("pebble does not listen (see %s)", p->log);
}

static void pebble_stop(pebble_t *p)
{
    kill(p->pid, SIGTERM);
    int st;
    (void)waitpid(p->pid, &st, 0);
}

/* A challenge port that publishes nothing: Pebble is told to find everything valid. */
static unsigned published;
static int pub(void *ctx, const nacme_challenge_t *ch)
{
    (void)ctx;
    /* http-01 preferred; the wildcard offers only dns-01 */
    assert_int_equal(ch->type, ch->wildcard ? NACME_CHALLENGE_DNS_01 : NACME_CHALLENGE_HTTP_01);
    published++;
    return NACME_OK;
}
static int unpub(void *ctx, const nacme_challenge_t *ch)
{
    (void)ctx;
    (void)ch;
    published--;
    return NACME_OK;
}

static pebble_t running = {.pid = -1};

static int stop_pebble(void **state)
{
    (void)state;
    if (running.pid > 0) pebble_stop(&running);
    running.pid = -1;
    return 0;
}

static void test_issue_and_renew_check_against_pebble(void **state)
{
    (void)state;
    char base[400], dir[512], ca[1024];
    lt_scratch(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/state", base);
    pebble_t p;
    pebble_start(&p, base);
    running = p;

    nacme_linux_tls_t tls;
    assert_int_equal(nacme_linux_tls_init(&tls, lt_data_path("ca.pem", ca, sizeof ca)), NACME_OK);
    nacme_linux_storage_t st;
    assert_int_equal(nacme_linux_storage_init(&st, dir), NACME_OK);
    int lock = -1;
    assert_int_equal(nacme_linux_lock(dir, &lock), NACME_OK);
    nacme_linux_log_t log;
    nacme_linux_log_init(&log, NACME_LOG_LEVEL_WARN);
    nacme_entropy_t ent;
    nacme_linux_entropy_port(&ent);
    static nacme_wolfcrypt_t wc;
    assert_int_equal(nacme_wolfcrypt_init(&wc, &ent), NACME_OK);
    nacme_crypto_t crypto;
    nacme_wolfcrypt_port(&wc, &crypto);
    nacme_challenge_port_t ch = {.supported = NACME_CHALLENGE_HTTP_01 | NACME_CHALLENGE_DNS_01, .publish = pub, .unpublish = unpub};
    nacme_port_t port;
    nacme_wait_fn wait;
    assert_int_equal(nacme_linux_port_init(&port, &tls, &st, &log, &crypto, &ch, &wait), NACME_OK);
    nacme_linux_loop_t loop;
    nacme_linux_loop_init(&loop);

    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%u/dir", (unsigned)p.port);
    nacme_config_t cfg = {.directory_url = url, .agree_tos = true, .op_timeout_s = 240};
    static nacme_t c;
    assert_int_equal(nacme_init(&c, &port, &cfg), NACME_OK);
    nacme_identifier_t ids[] = {{NACME_ID_DNS, "*.smoke.test"}, {NACME_ID_DNS, "smoke.test"}};
    nacme_order_req_t req = {.ids = ids, .n_ids = 2};
    assert_int_equal(nacme_start_issue(&c, &req), NACME_OK);
    int rc = nacme_run(&c, wait, &loop);
    if (rc != NACME_OK) {
        const nacme_problem_t *pr = nacme_problem(&c);
        fail_msg("issue: %s; problem %u %s %s (pebble log %s)", nacme_strerror(rc), pr->status, pr->type,
                 pr->detail, p.log);
    }
    assert_true(nacme_result(&c)->issued);
    assert_int_equal(published, 0);

    /* the installed files: openssl reads them, the key matches, the chain has Pebble's intermediate */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd '%s/certs/_wildcard_.smoke.test' && test ! -e order.json && "
             "openssl pkey -in privkey.pem -pubout -out /tmp/nacme-k.$$ 2>/dev/null && "
             "openssl x509 -in cert.pem -noout -pubkey -out /tmp/nacme-c.$$ 2>/dev/null && "
             "cmp -s /tmp/nacme-k.$$ /tmp/nacme-c.$$ && "
             "openssl x509 -in cert.pem -noout -ext subjectAltName | grep -q 'DNS:\\*.smoke.test' && "
             "openssl x509 -in chain.pem -noout -subject | grep -qi pebble && "
             "cat cert.pem chain.pem | cmp -s - fullchain.pem; rc=$?; rm -f /tmp/nacme-k.$$ /tmp/nacme-c.$$; "
             "exit $rc",
             dir);
    int sys = system(cmd);
    assert_true(WIFEXITED(sys));
    assert_int_equal(WEXITSTATUS(sys), 0);
    char acct[700];
    snprintf(acct, sizeof acct, "%s/accounts/127.0.0.1:%u/account.key", dir, (unsigned)p.port);
    assert_int_equal(lt_mode(acct), 0600);

    /* renew: the engine reads the installed certificate back and finds it not due */
    assert_int_equal(nacme_start_renew(&c, &req), NACME_OK);
    rc = nacme_run(&c, wait, &loop);
    if (rc != NACME_OK) fail_msg("renew: %s (pebble log %s)", nacme_strerror(rc), p.log);
    assert_false(nacme_result(&c)->due);
    assert_false(nacme_result(&c)->issued);
    assert_true(nacme_result(&c)->not_after > (int64_t)time(NULL));

    port.transport.close(port.transport.ctx);
    nacme_linux_unlock(lock);
    nacme_wolfcrypt_free(&wc);
    nacme_linux_storage_free(&st);
    nacme_linux_tls_free(&tls);
    stop_pebble(NULL);
    lt_rm_rf(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_issue_and_renew_check_against_pebble, stop_pebble),
    };
    return cmocka_run_group_tests_name("linux-pebble", tests, NULL, NULL);
}
