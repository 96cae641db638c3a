/*
 * The small Linux port parts: entropy (getrandom), clocks, the stderr log
 * and nacme_linux_port_init().
 */
#include <fcntl.h>
#include <time.h>

#include "linux_test_util.h"
#include "nacme_linux.h"
#include "nacme_wolfcrypt.h"
#include "nanoacme.h"

static void test_entropy(void **state)
{
    (void)state;
    nacme_entropy_t e;
    memset(&e, 0, sizeof e);
    nacme_linux_entropy_port(&e);
    assert_non_null(e.fill);
    assert_int_equal(e.fill(e.ctx, NULL, 0), NACME_OK);
    assert_int_equal(e.fill(e.ctx, NULL, 1), NACME_ERR_ARG);
    /* larger than one getrandom() call may give (short reads above 256 bytes are possible) */
    static uint8_t a[100000], b[100000];
    assert_int_equal(e.fill(e.ctx, a, sizeof a), NACME_OK);
    assert_int_equal(e.fill(e.ctx, b, sizeof b), NACME_OK);
    assert_memory_not_equal(a, b, sizeof a);
    /* every byte value shows up; no long zero tail left unfilled */
    unsigned seen[256] = {0};
    for (size_t i = 0; i < sizeof a; i++) seen[a[i]]++;
    for (int v = 0; v < 256; v++) assert_true(seen[v] > 200 && seen[v] < 600);
    uint8_t zero[64] = {0};
    assert_memory_not_equal(a + sizeof a - 64, zero, 64);
    nacme_linux_entropy_port(NULL); /* ignored */
}

static void test_clock(void **state)
{
    (void)state;
    nacme_clock_t c;
    nacme_linux_clock_port(&c);
    uint64_t m1 = c.monotonic_ms(c.ctx);
    struct timespec d = {0, 30 * 1000000L};
    nanosleep(&d, NULL);
    uint64_t m2 = c.monotonic_ms(c.ctx);
    assert_true(m2 >= m1 + 25 && m2 < m1 + 5000);
    assert_true(m2 - nacme_linux_now_ms() < 1000 || nacme_linux_now_ms() - m2 < 1000);
    int64_t now = 0;
    /* the same clock as the port: time() reads a coarse clock that may lag a tick behind */
    struct timespec before, after;
    clock_gettime(CLOCK_REALTIME, &before);
    assert_int_equal(c.unix_time(c.ctx, &now), NACME_OK);
    clock_gettime(CLOCK_REALTIME, &after);
    assert_true(now >= (int64_t)before.tv_sec && now <= (int64_t)after.tv_sec);
    assert_true(now > 1700000000); /* 2023: the clock is set */
    assert_int_equal(c.unix_time(c.ctx, NULL), NACME_ERR_ARG);
}

/* Run the log port into a pipe and return what came out. */
static char *log_capture(nacme_log_level_t min, void (*body)(nacme_log_t *))
{
    int p[2];
    assert_int_equal(pipe(p), 0);
    nacme_linux_log_t l;
    nacme_linux_log_init(&l, min);
    assert_int_equal(l.fd, 2);
    l.fd = p[1];
    nacme_log_t port;
    nacme_linux_log_port(&l, &port);
    body(&port);
    close(p[1]);
    static char buf[8192];
    size_t n = 0;
    ssize_t r;
    while ((r = read(p[0], buf + n, sizeof buf - 1 - n)) > 0) n += (size_t)r;
    close(p[0]);
    buf[n] = '\0';
    return buf;
}

static void every_level(nacme_log_t *p)
{
    p->write(p->ctx, NACME_LOG_LEVEL_ERROR, "e");
    p->write(p->ctx, NACME_LOG_LEVEL_WARN, "w");
    p->write(p->ctx, NACME_LOG_LEVEL_INFO, "i");
    p->write(p->ctx, NACME_LOG_LEVEL_DEBUG, "d");
    p->write(p->ctx, NACME_LOG_LEVEL_INFO, NULL);
}

static void odd_lines(nacme_log_t *p)
{
    p->write(p->ctx, NACME_LOG_LEVEL_ERROR, "detail: \x1b[31mred\x1b[0m\r\nforged line\x7f");
    static char big[3000];
    memset(big, 'x', sizeof big - 1);
    p->write(p->ctx, NACME_LOG_LEVEL_INFO, big);
    p->write(p->ctx, NACME_LOG_LEVEL_INFO, "");
}

static void test_log(void **state)
{
    (void)state;
    assert_string_equal(log_capture(NACME_LOG_LEVEL_DEBUG, every_level),
                        "nanoacme: error: e\nnanoacme: warning: w\nnanoacme: i\nnanoacme: debug: d\n");
    assert_string_equal(log_capture(NACME_LOG_LEVEL_INFO, every_level),
                        "nanoacme: error: e\nnanoacme: warning: w\nnanoacme: i\n");
    assert_string_equal(log_capture(NACME_LOG_LEVEL_ERROR, every_level), "nanoacme: error: e\n");
    char *out = log_capture(NACME_LOG_LEVEL_INFO, odd_lines);
    const char *first = "nanoacme: error: detail: ?[31mred?[0m??forged line?\n";
    assert_memory_equal(out, first, strlen(first));
    const char *second = out + strlen(first);
    const char *nl = strchr(second, '\n');
    assert_non_null(nl);
    assert_int_equal(nl - second + 1, 1000); /* cut at 1000 bytes with the newline */
    assert_memory_equal(nl - 3, "...", 3);
    assert_memory_equal(second, "nanoacme: xxx", 13);
    assert_string_equal(nl + 1, "nanoacme: \n");
    nacme_log_t none;
    nacme_linux_log_port(NULL, &none);
    assert_null(none.write);
    nacme_linux_log_init(NULL, NACME_LOG_LEVEL_INFO); /* ignored */
}

static void test_port_init(void **state)
{
    (void)state;
    char ca[1024];
    nacme_linux_tls_t tls;
    assert_int_equal(nacme_linux_tls_init(&tls, lt_data_path("ca.pem", ca, sizeof ca)), NACME_OK);
    nacme_linux_storage_t st;
    assert_int_equal(nacme_linux_storage_init(&st, "/nonexistent-nacme-state"), NACME_OK);
    nacme_linux_log_t log;
    nacme_linux_log_init(&log, NACME_LOG_LEVEL_WARN);
    nacme_entropy_t ent;
    nacme_linux_entropy_port(&ent);
    nacme_wolfcrypt_t wc;
    assert_int_equal(nacme_wolfcrypt_init(&wc, &ent), NACME_OK);
    nacme_crypto_t crypto;
    nacme_wolfcrypt_port(&wc, &crypto);

    nacme_port_t port;
    nacme_wait_fn wait = NULL;
    assert_int_equal(nacme_linux_port_init(&port, &tls, &st, &log, &crypto, NULL, &wait), NACME_OK);
    assert_ptr_equal(wait, nacme_linux_loop_wait);
    assert_ptr_equal(port.transport.ctx, &tls);
    assert_non_null(port.transport.poll_info);
    assert_ptr_equal(port.storage.ctx, &st);
    assert_ptr_equal(port.log.ctx, &log);
    assert_non_null(port.log.write);
    assert_ptr_equal(tls.log.ctx, &log);
    assert_ptr_equal(port.crypto.ctx, &wc);
    assert_ptr_equal(port.crypto.sign_digest, crypto.sign_digest);
    assert_int_equal(port.challenge.supported, 0);
    nacme_challenge_t ch;
    memset(&ch, 0, sizeof ch);
    assert_int_equal(port.challenge.publish(port.challenge.ctx, &ch), NACME_ERR_CHALLENGE);
    assert_int_equal(port.challenge.unpublish(port.challenge.ctx, &ch), NACME_OK);
    /* the engine takes it as complete */
    static nacme_t c;
    nacme_config_t cfg = {.directory_url = "https://127.0.0.1:14000/dir"};
    assert_int_equal(nacme_init(&c, &port, &cfg), NACME_OK);
    /* a given challenge port and no log */
    nacme_challenge_port_t mine = {.ctx = &c, .supported = NACME_CHALLENGE_DNS_01, .publish = NULL};
    assert_int_equal(nacme_linux_port_init(&port, &tls, &st, NULL, &crypto, &mine, NULL), NACME_OK);
    assert_int_equal(port.challenge.supported, NACME_CHALLENGE_DNS_01);
    assert_ptr_equal(port.challenge.ctx, &c);
    assert_null(port.log.write);
    assert_null(tls.log.write);
    assert_int_equal(nacme_linux_port_init(NULL, &tls, &st, NULL, &crypto, NULL, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_port_init(&port, NULL, &st, NULL, &crypto, NULL, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_port_init(&port, &tls, NULL, NULL, &crypto, NULL, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_port_init(&port, &tls, &st, NULL, NULL, NULL, NULL), NACME_ERR_ARG);
    nacme_wolfcrypt_free(&wc);
    nacme_linux_tls_free(&tls);
    nacme_linux_tls_free(&tls); /* idempotent */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entropy),
        cmocka_unit_test(test_clock),
        cmocka_unit_test(test_log),
        cmocka_unit_test(test_port_init),
    };
    return cmocka_run_group_tests_name("linux-port", tests, NULL, NULL);
}
