/*
 * The Linux TLS transport (platforms/linux/tls_transport.c) against local
 * servers on 127.0.0.1 and ::1: a wolfSSL server in a forked child (its
 * behaviour scripted per connection, reporting the SNI and TLS version it
 * saw through a pipe) and one `openssl s_server`. Every server is stopped
 * by PID; every wait is bounded.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>

#include "linux_test_util.h"
#include "nacme_linux.h"

/* Generous: the cross builds run under qemu-user. */
#define WAIT_MS 30000u

typedef enum mode {
    M_ECHO = 1,   /* echo until the client closes */
    M_NOTIFY,     /* read once, answer "bye", close_notify, close */
    M_TCP_CLOSE,  /* read once, answer "bye", close the socket without close_notify */
    M_SLOW,       /* wait 500 ms before the handshake, then echo */
    M_PLAIN       /* no TLS: an HTTP answer in clear text */
} mode_t_;

#define MAX_CONNS 4

typedef struct server {
    pid_t pid;
    uint16_t port;
    int report; /* read end of the child's report pipe */
} server_t;

typedef struct srv_opts {
    int family;
    const char *chain; /* data file names */
    const char *key;
    bool tls12_only;
    int n;
    mode_t_ modes[MAX_CONNS];
} srv_opts_t;

static void child_report(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void child_report(int fd, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0) (void)!write(fd, line, (size_t)n);
}

static void serve_one(WOLFSSL_CTX *ctx, int fd, mode_t_ mode, int report)
{
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    if (mode == M_PLAIN) {
        static const char ans[] = "HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        (void)!write(fd, ans, sizeof ans - 1);
        struct timespec d = {0, 200 * 1000000L};
        nanosleep(&d, NULL);
        child_report(report, "plain\n");
        return;
    }
    if (mode == M_SLOW) {
        struct timespec d = {0, 500 * 1000000L};
        nanosleep(&d, NULL);
    }
    WOLFSSL *ssl = wolfSSL_new(ctx);
    wolfSSL_set_fd(ssl, fd);
    if (wolfSSL_accept(ssl) != WOLFSSL_SUCCESS) {
        child_report(report, "fail\n");
        wolfSSL_free(ssl);
        return;
    }
    void *sni = NULL;
    unsigned short sni_len = wolfSSL_SNI_GetRequest(ssl, WOLFSSL_SNI_HOST_NAME, &sni);
    char name[300] = "-";
    if (sni_len > 0 && sni_len < sizeof name) {
        memcpy(name, sni, sni_len);
        name[sni_len] = '\0';
    }
    child_report(report, "sni=%s ver=%s\n", name, wolfSSL_get_version(ssl));
    char buf[16384];
    if (mode == M_ECHO || mode == M_SLOW) {
        for (int i = 0; i < 100000; i++) {
            int n = wolfSSL_read(ssl, buf, sizeof buf);
            if (n <= 0) break;
            if (wolfSSL_write(ssl, buf, n) != n) break;
        }
    } else {
        (void)wolfSSL_read(ssl, buf, sizeof buf);
        (void)wolfSSL_write(ssl, "bye", 3);
        if (mode == M_NOTIFY) (void)wolfSSL_shutdown(ssl);
    }
    wolfSSL_free(ssl);
}

static void server_main(int lfd, const srv_opts_t *o, int report)
{
    alarm(60); /* a forgotten child never outlives the test by much */
    signal(SIGPIPE, SIG_IGN);
    char chain[1024], key[1024];
    lt_data_path(o->chain, chain, sizeof chain);
    lt_data_path(o->key, key, sizeof key);
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(o->tls12_only ? wolfTLSv1_2_server_method() : wolfSSLv23_server_method());
    if (ctx == NULL || wolfSSL_CTX_use_certificate_chain_file(ctx, chain) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_use_PrivateKey_file(ctx, key, WOLFSSL_FILETYPE_PEM) != WOLFSSL_SUCCESS) {
        child_report(report, "setup failed\n");
        _exit(2);
    }
    /* accept any SNI, so the test can see what the client sent */
    wolfSSL_CTX_UseSNI(ctx, WOLFSSL_SNI_HOST_NAME, "localhost", 9);
    wolfSSL_CTX_SNI_SetOptions(ctx, WOLFSSL_SNI_HOST_NAME,
                               WOLFSSL_SNI_CONTINUE_ON_MISMATCH | WOLFSSL_SNI_ANSWER_ON_MISMATCH);
    for (int i = 0; i < o->n; i++) {
        struct pollfd p = {.fd = lfd, .events = POLLIN};
        if (poll(&p, 1, (int)WAIT_MS) <= 0) break;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) break;
        serve_one(ctx, fd, o->modes[i], report);
        close(fd);
    }
    wolfSSL_CTX_free(ctx);
    _exit(0);
}

static int listener(int family, uint16_t *port, bool listening)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t len;
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof *a;
    } else {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        len = sizeof *a;
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, len), 0);
    if (listening) assert_int_equal(listen(fd, 8), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
    *port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port);
    return fd;
}

static void server_start(server_t *s, const srv_opts_t *o)
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    int lfd = listener(o->family, &s->port, true);
    fflush(stdout);
    fflush(stderr);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        close(pipefd[0]);
        server_main(lfd, o, pipefd[1]);
    }
    close(pipefd[1]);
    close(lfd);
    s->report = pipefd[0];
}

/* The child's report so far (waits until n lines or the deadline). */
static const char *server_report(server_t *s, int lines)
{
    static char buf[2048];
    size_t n = 0;
    uint64_t end = nacme_linux_now_ms() + WAIT_MS;
    int seen = 0;
    while (seen < lines && nacme_linux_now_ms() < end && n < sizeof buf - 1) {
        struct pollfd p = {.fd = s->report, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        ssize_t r = read(s->report, buf + n, 1);
        if (r <= 0) break;
        if (buf[n] == '\n') seen++;
        n++;
    }
    buf[n] = '\0';
    return buf;
}

static void server_stop(server_t *s)
{
    kill(s->pid, SIGTERM);
    int st;
    (void)waitpid(s->pid, &st, 0); /* SIGTERM ends it: its default action */
    close(s->report);
}

/* ---- client helpers ---------------------------------------------------------------------- */

typedef struct client {
    nacme_linux_tls_t tls;
    nacme_transport_t tr;
} client_t;

static void client_init(client_t *c, const char *ca_name)
{
    char ca[1024];
    assert_int_equal(nacme_linux_tls_init(&c->tls, lt_data_path(ca_name, ca, sizeof ca)), NACME_OK);
    nacme_linux_tls_port(&c->tls, &c->tr);
}

static void client_free(client_t *c)
{
    c->tr.close(c->tr.ctx);
    nacme_linux_tls_free(&c->tls);
}

static short to_poll(unsigned ev)
{
    return (short)(((ev & NACME_WANT_READ) ? POLLIN : 0) | ((ev & NACME_WANT_WRITE) ? POLLOUT : 0));
}

/* Wait for what poll_info() names, checking it is sensible. */
static void wait_io(client_t *c, int timeout_ms)
{
    int h = -2;
    unsigned ev = 99;
    c->tr.poll_info(c->tr.ctx, &h, &ev);
    assert_true(h >= 0);
    assert_true(ev == NACME_WANT_READ || ev == NACME_WANT_WRITE);
    struct pollfd p = {.fd = h, .events = to_poll(ev)};
    (void)poll(&p, 1, timeout_ms);
}

static int drive_connect(client_t *c, const char *host, uint16_t port)
{
    uint64_t end = nacme_linux_now_ms() + WAIT_MS;
    for (;;) {
        int rc = c->tr.connect(c->tr.ctx, host, port);
        if (rc != NACME_PENDING) return rc;
        if (nacme_linux_now_ms() > end) return NACME_ERR_TIMEOUT;
        wait_io(c, 100);
    }
}

/* Send all of buf (bounded by the deadline). */
static void send_all(client_t *c, const void *buf, size_t len)
{
    size_t done = 0;
    uint64_t end = nacme_linux_now_ms() + WAIT_MS;
    while (done < len) {
        int32_t n = c->tr.send(c->tr.ctx, (const uint8_t *)buf + done, len - done);
        assert_true(n >= 0);
        assert_true((size_t)n <= len - done);
        done += (size_t)n;
        if (n == 0) wait_io(c, 100);
        assert_true(nacme_linux_now_ms() < end);
    }
}

/* Receive exactly len bytes, or until an error (returned; 0 when all arrived). */
static int32_t recv_n(client_t *c, uint8_t *buf, size_t len, size_t *got)
{
    *got = 0;
    uint64_t end = nacme_linux_now_ms() + WAIT_MS;
    while (*got < len) {
        int32_t n = c->tr.recv(c->tr.ctx, buf + *got, len - *got);
        if (n < 0) return n;
        assert_true((size_t)n <= len - *got);
        *got += (size_t)n;
        if (n == 0) wait_io(c, 100);
        if (nacme_linux_now_ms() > end) return NACME_ERR_TIMEOUT;
    }
    return 0;
}

/* The next result of recv() that is not "try later". */
static int32_t recv_next(client_t *c, uint8_t *buf, size_t len)
{
    uint64_t end = nacme_linux_now_ms() + WAIT_MS;
    for (;;) {
        int32_t n = c->tr.recv(c->tr.ctx, buf, len);
        if (n != 0) return n;
        if (nacme_linux_now_ms() > end) return NACME_ERR_TIMEOUT;
        wait_io(c, 100);
    }
}

static void echo_check(client_t *c, const char *msg)
{
    size_t len = strlen(msg), got;
    uint8_t buf[256];
    send_all(c, msg, len);
    assert_int_equal(recv_n(c, buf, len, &got), 0);
    assert_memory_equal(buf, msg, len);
}

/* ---- tests ---------------------------------------------------------------------------------- */

static void test_ipv4_name_and_literal(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 2,
                    .modes = {M_ECHO, M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK);
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK); /* already there */
    echo_check(&c, "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n");
    c.tr.close(c.tr.ctx);
    c.tr.close(c.tr.ctx); /* idempotent */
    assert_int_equal(drive_connect(&c, "127.0.0.1", s.port), NACME_OK);
    echo_check(&c, "to an IP literal");
    client_free(&c);
    /* SNI for the name, none for the address; TLS 1.3 by default */
    assert_string_equal(server_report(&s, 2), "sni=localhost ver=TLSv1.3\nsni=- ver=TLSv1.3\n");
    server_stop(&s);
}

static void test_ipv6_literal(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET6, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .modes = {M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "::1", s.port), NACME_OK);
    echo_check(&c, "over IPv6");
    client_free(&c);
    assert_string_equal(server_report(&s, 1), "sni=- ver=TLSv1.3\n");
    server_stop(&s);
}

static void test_tls12_server(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .tls12_only = true, .modes = {M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK);
    echo_check(&c, "TLS 1.2");
    client_free(&c);
    assert_string_equal(server_report(&s, 1), "sni=localhost ver=TLSv1.2\n");
    server_stop(&s);
}

/* 300 KB of random bytes through the echo server, sending and receiving as each can. */
static void test_round_trip_byte_exact(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .modes = {M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "127.0.0.1", s.port), NACME_OK);
    const size_t total = 300000;
    uint8_t *out = malloc(total), *in = malloc(total);
    nacme_entropy_t e;
    nacme_linux_entropy_port(&e);
    assert_int_equal(e.fill(e.ctx, out, total), NACME_OK);
    size_t sent = 0, rcvd = 0;
    uint64_t end = nacme_linux_now_ms() + 4 * WAIT_MS;
    while (rcvd < total && nacme_linux_now_ms() < end) {
        bool progress = false;
        if (sent < total) {
            int32_t n = c.tr.send(c.tr.ctx, out + sent, total - sent);
            assert_true(n >= 0 && n <= 16384);
            sent += (size_t)n;
            progress |= n > 0;
        }
        int32_t r = c.tr.recv(c.tr.ctx, in + rcvd, total - rcvd);
        assert_true(r >= 0);
        rcvd += (size_t)r;
        progress |= r > 0;
        if (!progress) wait_io(&c, 50);
    }
    assert_int_equal(rcvd, total);
    assert_memory_equal(in, out, total);
    free(out);
    free(in);
    client_free(&c);
    server_stop(&s);
}

static void test_untrusted_and_wrong_names(void **state)
{
    (void)state;
    server_t s;
    /* the wrong CA */
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 2,
                    .modes = {M_ECHO, M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "other-ca.pem");
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_ERR_TLS_VERIFY);
    assert_int_equal(drive_connect(&c, "127.0.0.1", s.port), NACME_ERR_TLS_VERIFY);
    client_free(&c);
    server_stop(&s);
    /* a trusted certificate for another name, and without the IP address */
    srv_opts_t w = {.family = AF_INET, .chain = "wrong.pem", .key = "wrong.key", .n = 2,
                    .modes = {M_ECHO, M_ECHO}};
    server_start(&s, &w);
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_ERR_TLS_VERIFY);
    assert_int_equal(drive_connect(&c, "127.0.0.1", s.port), NACME_ERR_TLS_VERIFY);
    /* after a failure nothing is left open */
    int h = 5;
    unsigned ev;
    c.tr.poll_info(c.tr.ctx, &h, &ev);
    assert_int_equal(h, -1);
    assert_int_equal(c.tr.send(c.tr.ctx, (const uint8_t *)"x", 1), NACME_ERR_STATE);
    client_free(&c);
    server_stop(&s);
    /* an expired certificate */
    srv_opts_t x = {.family = AF_INET6, .chain = "expired.pem", .key = "expired.key", .n = 1,
                    .modes = {M_ECHO}};
    server_start(&s, &x);
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "::1", s.port), NACME_ERR_TLS_VERIFY);
    client_free(&c);
    server_stop(&s);
}

static void test_refused_and_unresolvable(void **state)
{
    (void)state;
    uint16_t p4, p6;
    int f4 = listener(AF_INET, &p4, false); /* bound, not listening: connections are refused */
    int f6 = listener(AF_INET6, &p6, false);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "127.0.0.1", p4), NACME_ERR_CONNECT);
    assert_int_equal(drive_connect(&c, "::1", p6), NACME_ERR_CONNECT);
    assert_int_equal(drive_connect(&c, "localhost", p4), NACME_ERR_CONNECT);
    assert_int_equal(drive_connect(&c, "nonexistent.invalid", 443), NACME_ERR_RESOLVE);
    assert_int_equal(c.tr.connect(c.tr.ctx, "", 443), NACME_ERR_ARG);
    assert_int_equal(c.tr.connect(c.tr.ctx, NULL, 443), NACME_ERR_ARG);
    assert_int_equal(c.tr.connect(c.tr.ctx, "localhost", 0), NACME_ERR_ARG);
    char longhost[NACME_LINUX_HOST_MAX + 2];
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    assert_int_equal(c.tr.connect(c.tr.ctx, longhost, 443), NACME_ERR_ARG);
    client_free(&c);
    close(f4);
    close(f6);
}

static void test_server_close_then_reconnect(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 3,
                    .modes = {M_NOTIFY, M_TCP_CLOSE, M_ECHO}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    uint8_t buf[64];
    size_t got;
    for (int round = 0; round < 2; round++) { /* close_notify, then a bare TCP close */
        assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK);
        send_all(&c, "ping", 4);
        assert_int_equal(recv_n(&c, buf, 3, &got), 0);
        assert_memory_equal(buf, "bye", 3);
        assert_int_equal(recv_next(&c, buf, sizeof buf), NACME_ERR_IO_CLOSED);
        /* never 0 after the close: the error sticks for recv and send */
        assert_int_equal(c.tr.recv(c.tr.ctx, buf, sizeof buf), NACME_ERR_IO_CLOSED);
        assert_int_equal(c.tr.send(c.tr.ctx, buf, 1), NACME_ERR_IO_CLOSED);
        c.tr.close(c.tr.ctx);
        assert_int_equal(c.tr.recv(c.tr.ctx, buf, sizeof buf), NACME_ERR_STATE);
    }
    /* the engine reconnects to the same host after the server closed */
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK);
    echo_check(&c, "again");
    client_free(&c);
    server_stop(&s);
}

static void test_not_a_tls_server(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .modes = {M_PLAIN}};
    server_start(&s, &o);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_ERR_TLS);
    client_free(&c);
    server_stop(&s);
}

static void test_non_blocking(void **state)
{
    (void)state;
    client_t c;
    client_init(&c, "ca.pem");
    uint8_t buf[16];
    int h = 7;
    unsigned ev = 0;
    /* nothing open yet */
    c.tr.poll_info(c.tr.ctx, &h, &ev);
    assert_int_equal(h, -1);
    assert_int_equal(c.tr.send(c.tr.ctx, buf, 1), NACME_ERR_STATE);
    assert_int_equal(c.tr.recv(c.tr.ctx, buf, 1), NACME_ERR_STATE);
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .modes = {M_SLOW}};
    server_start(&s, &o);
    /* the server waits 500 ms before its handshake: connect must not block meanwhile */
    uint64_t t0 = nacme_linux_now_ms();
    int rc = c.tr.connect(c.tr.ctx, "127.0.0.1", s.port);
    assert_int_equal(rc, NACME_PENDING);
    assert_true(nacme_linux_now_ms() - t0 < 400);
    bool saw_read = false;
    for (int i = 0; i < 3 && rc == NACME_PENDING; i++) {
        c.tr.poll_info(c.tr.ctx, &h, &ev);
        assert_true(h >= 0);
        if (ev == NACME_WANT_READ) { /* waiting for the ServerHello: not readable yet */
            struct pollfd p = {.fd = h, .events = POLLIN};
            assert_int_equal(poll(&p, 1, 0), 0);
            saw_read = true;
            break;
        }
        assert_int_equal(ev, NACME_WANT_WRITE); /* TCP connect in progress */
        wait_io(&c, 100);
        rc = c.tr.connect(c.tr.ctx, "127.0.0.1", s.port);
        assert_int_equal(rc, NACME_PENDING);
    }
    assert_true(saw_read);
    assert_int_equal(drive_connect(&c, "127.0.0.1", s.port), NACME_OK);
    /* nothing to read: 0 at once, and poll_info says read on the socket */
    int fd = h;
    t0 = nacme_linux_now_ms();
    for (int i = 0; i < 3; i++) assert_int_equal(c.tr.recv(c.tr.ctx, buf, sizeof buf), 0);
    assert_true(nacme_linux_now_ms() - t0 < 400);
    c.tr.poll_info(c.tr.ctx, &h, &ev);
    assert_int_equal(h, fd);
    assert_int_equal(ev, NACME_WANT_READ);
    echo_check(&c, "slow");
    client_free(&c);
    server_stop(&s);
}

/* A connect() for another host drops the attempt in progress. */
static void test_connect_to_another_host_restarts(void **state)
{
    (void)state;
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 2,
                    .modes = {M_SLOW, M_ECHO}};
    server_start(&s, &o);
    uint16_t refused;
    int f = listener(AF_INET6, &refused, false);
    client_t c;
    client_init(&c, "ca.pem");
    assert_int_equal(c.tr.connect(c.tr.ctx, "localhost", s.port), NACME_PENDING);
    assert_int_equal(drive_connect(&c, "::1", refused), NACME_ERR_CONNECT);
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_OK);
    echo_check(&c, "fresh");
    client_free(&c);
    server_stop(&s);
    close(f);
}

static void test_init_errors_and_system_store(void **state)
{
    (void)state;
    nacme_linux_tls_t t;
    char path[1024];
    assert_int_equal(nacme_linux_tls_init(NULL, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_linux_tls_init(&t, "/nonexistent/ca.pem"), NACME_ERR_NOT_FOUND);
    assert_int_equal(nacme_linux_tls_init(&t, lt_data_path("garbage.pem", path, sizeof path)), NACME_ERR_TLS);
    nacme_linux_tls_free(&t); /* harmless after a failed init */
    nacme_linux_tls_free(NULL);
    if (!lt_exists(NACME_LINUX_SYSTEM_CA)) {
        skip();
    }
    /* the system store does not know the test CA */
    client_t c;
    assert_int_equal(nacme_linux_tls_init(&c.tls, NULL), NACME_OK);
    nacme_linux_tls_port(&c.tls, &c.tr);
    server_t s;
    srv_opts_t o = {.family = AF_INET, .chain = "server-chain.pem", .key = "server.key", .n = 1,
                    .modes = {M_ECHO}};
    server_start(&s, &o);
    assert_int_equal(drive_connect(&c, "localhost", s.port), NACME_ERR_TLS_VERIFY);
    client_free(&c);
    server_stop(&s);
}

/* Interoperation with OpenSSL's server (s_server -www answers a GET and closes). */
static void test_openssl_s_server(void **state)
{
    (void)state;
    uint16_t port;
    int probe = listener(AF_INET, &port, false);
    close(probe); /* the port is free for s_server (a small race, bounded below) */
    char cert[1024], key[1024], chain[1024], accept[64];
    lt_data_path("server.pem", cert, sizeof cert);
    lt_data_path("server.key", key, sizeof key);
    lt_data_path("inter.pem", chain, sizeof chain);
    snprintf(accept, sizeof accept, "127.0.0.1:%u", (unsigned)port);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        alarm(60);
        execlp("openssl", "openssl", "s_server", "-quiet", "-accept", accept, "-cert", cert, "-key", key,
               "-cert_chain", chain, "-www", "-naccept", "1", (char *)NULL);
        _exit(127);
    }
    client_t c;
    client_init(&c, "ca.pem");
    int rc = NACME_ERR_CONNECT;
    for (int i = 0; i < 300 && rc == NACME_ERR_CONNECT; i++) { /* until s_server listens */
        rc = drive_connect(&c, "127.0.0.1", port);
        if (rc == NACME_ERR_CONNECT) {
            struct timespec d = {0, 20 * 1000000L};
            nanosleep(&d, NULL);
        }
    }
    assert_int_equal(rc, NACME_OK);
    send_all(&c, "GET / HTTP/1.0\r\n\r\n", 18);
    static uint8_t page[65536];
    size_t n = 0;
    int32_t r;
    while ((r = recv_next(&c, page + n, sizeof page - n - 1)) > 0) n += (size_t)r;
    assert_int_equal(r, NACME_ERR_IO_CLOSED);
    page[n] = 0;
    assert_memory_equal(page, "HTTP/1.0 200 ok\r\n", 17);
    client_free(&c);
    kill(pid, SIGTERM);
    int st;
    waitpid(pid, &st, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_name_and_literal),
        cmocka_unit_test(test_ipv6_literal),
        cmocka_unit_test(test_tls12_server),
        cmocka_unit_test(test_round_trip_byte_exact),
        cmocka_unit_test(test_untrusted_and_wrong_names),
        cmocka_unit_test(test_refused_and_unresolvable),
        cmocka_unit_test(test_server_close_then_reconnect),
        cmocka_unit_test(test_not_a_tls_server),
        cmocka_unit_test(test_non_blocking),
        cmocka_unit_test(test_connect_to_another_host_restarts),
        cmocka_unit_test(test_init_errors_and_system_store),
        cmocka_unit_test(test_openssl_s_server),
    };
    return cmocka_run_group_tests_name("linux-tls", tests, NULL, NULL);
}
