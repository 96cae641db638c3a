/*
 * Tests for platforms/linux/challenge_http.c through the challenge port:
 * real loopback connections (plain sockets served by the poll loop in this
 * process, and curl), every status the server answers, bounds of size and
 * time, concurrency, the listener's lifetime and bind errors.
 */
#include "ch_util.h"

#define T1 "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"
#define KA1 T1 ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define T2 "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"
#define KA2 T2 ".9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"
#define PATH1 "/.well-known/acme-challenge/" T1
#define PATH2 "/.well-known/acme-challenge/" T2

typedef struct fx {
    nacme_linux_loop_t loop;
    nacme_linux_challenge_t ch;
    nacme_challenge_port_t port;
    nacme_linux_challenge_cfg_t cfg;
    tlog_t log;
    uint16_t portno;
    char buf[8192];
} fx_t;

static nacme_challenge_t http_ch(const char *token, const char *ka)
{
    nacme_challenge_t c;
    memset(&c, 0, sizeof c);
    c.type = NACME_CHALLENGE_HTTP_01;
    c.id_type = NACME_ID_DNS;
    c.identifier = "www.example.test";
    c.token = token;
    c.key_authorization = ka;
    return c;
}

static fx_t *fx_new(const char *addr, uint32_t timeout_ms)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nacme_linux_loop_init(&f->loop);
    f->portno = free_port(addr && strchr(addr, ':') ? AF_INET6 : AF_INET);
    f->cfg.loop = &f->loop;
    f->cfg.log = tlog_port(&f->log);
    f->cfg.http = true;
    f->cfg.http_addr = addr;
    f->cfg.http_port = f->portno;
    f->cfg.http_timeout_ms = timeout_ms;
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &f->cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    return f;
}

static void fx_free(fx_t *f)
{
    nacme_linux_challenge_free(&f->ch);
    assert_int_equal(f->loop.n, 0);       /* every socket left the loop */
    assert_int_equal(f->loop.n_ticks, 0); /* and the tick */
    free(f);
}

static int publish(fx_t *f, const char *token, const char *ka)
{
    nacme_challenge_t c = http_ch(token, ka);
    return f->port.publish(f->port.ctx, &c);
}

static int unpublish(fx_t *f, const char *token)
{
    nacme_challenge_t c = http_ch(token, "unused");
    return f->port.unpublish(f->port.ctx, &c);
}

static const char *get(fx_t *f, const char *req)
{
    http_exchange(&f->loop, AF_INET, f->portno, req, f->buf, sizeof f->buf);
    return f->buf;
}

/* The response's status code (0 when not an HTTP/1.1 status line). */
static int status_of(const char *resp)
{
    int code = 0;
    if (sscanf(resp, "HTTP/1.1 %d ", &code) != 1) return 0;
    return code;
}

static const char *body_of(const char *resp)
{
    const char *b = strstr(resp, "\r\n\r\n");
    assert_non_null(b);
    return b + 4;
}

static void test_serves_two_tokens(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_HTTP_01);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    const char *r = get(f, "GET " PATH1 " HTTP/1.1\r\nHost: www.example.test\r\nUser-Agent: t\r\n\r\n");
    assert_int_equal(status_of(r), 200);
    assert_string_equal(body_of(r), KA1);
    assert_non_null(strstr(r, "\r\nContent-Type: application/octet-stream\r\n"));
    assert_non_null(strstr(r, "\r\nContent-Length: 87\r\n"));
    assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
    r = get(f, "GET " PATH2 " HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
    assert_int_equal(status_of(r), 200);
    assert_string_equal(body_of(r), KA2);
    /* HEAD: the headers, no body */
    r = get(f, "HEAD " PATH2 " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_int_equal(status_of(r), 200);
    assert_non_null(strstr(r, "\r\nContent-Length: 87\r\n"));
    assert_string_equal(body_of(r), "");
    /* HTTP/1.0, bare LF line ends, a query, the absolute form */
    r = get(f, "GET " PATH1 " HTTP/1.0\n\n");
    assert_int_equal(status_of(r), 200);
    assert_string_equal(body_of(r), KA1);
    r = get(f, "GET " PATH1 "?x=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_string_equal(body_of(r), KA1);
    r = get(f, "GET http://www.example.test:80" PATH2 " HTTP/1.1\r\nHost: www.example.test\r\n\r\n");
    assert_int_equal(status_of(r), 200);
    assert_string_equal(body_of(r), KA2);
    assert_true(tlog_has(&f->log, "http-01: served token " T1));
    /* publishing a token again replaces its key authorization */
    assert_int_equal(publish(f, T1, T1 ".replaced"), NACME_OK);
    r = get(f, "GET " PATH1 " HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_string_equal(body_of(r), T1 ".replaced");
    fx_free(f);
}

static void test_not_found(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    static const char *const targets[] = {
        "/",
        "/.well-known/acme-challenge/",
        "/.well-known/acme-challenge/unknown",
        "/.well-known/acme-challenge/" T1 "x",
        "/.well-known/acme-challenge/LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX",
        "/.well-known/acme-challenge/" T1 "/",
        "/.well-known/acme-challenge//" T1,
        "/.well-known/acme-challengeX" T1,
        "/.well-known/ACME-challenge/" T1,
        "/.well-known/acme-challenge/" T2,
        "http://www.example.test",
    };
    for (size_t i = 0; i < sizeof targets / sizeof targets[0]; i++) {
        char req[512];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", targets[i]);
        const char *r = get(f, req);
        if (status_of(r) != 404) fail_msg("%s: %s", targets[i], r);
        assert_non_null(strstr(r, "\r\nContent-Length: 0\r\n"));
        assert_non_null(strstr(r, "\r\nConnection: close\r\n"));
        assert_string_equal(body_of(r), "");
    }
    assert_int_equal(status_of(get(f, "HEAD /nothing HTTP/1.1\r\n\r\n")), 404);
    fx_free(f);
}

static void test_other_methods(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    static const char *const methods[] = {"POST", "PUT", "DELETE", "OPTIONS", "get", "PATCH", "X-CUSTOM"};
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        char req[512];
        snprintf(req, sizeof req, "%s " PATH1 " HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", methods[i]);
        const char *r = get(f, req);
        if (status_of(r) != 405) fail_msg("%s: %s", methods[i], r);
        assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
        assert_null(strstr(r, KA1));
    }
    fx_free(f);
}

static void test_malformed(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    static const char *const reqs[] = {
        "GET\r\n\r\n",
        "GET " PATH1 "\r\n\r\n",
        "GET " PATH1 " HTTP/2.0\r\n\r\n",
        "GET " PATH1 " HTTP/1.1 \r\n\r\n",
        "GET " PATH1 " http/1.1\r\n\r\n",
        "GET  " PATH1 " HTTP/1.1\r\n\r\n",
        " GET " PATH1 " HTTP/1.1\r\n\r\n",
        "GET " PATH1 "  HTTP/1.1\r\n\r\n",
        "G(T " PATH1 " HTTP/1.1\r\n\r\n",
        "GET * HTTP/1.1\r\n\r\n",
        "GET www.example.test:80 HTTP/1.1\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\nHost x\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\n: empty-name\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\nHost : x\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\nHost: a\x01z\r\n\r\n",
        "GET " PATH1 " HTTP/1.1\r\nHost: a\rz\r\n\r\n",
        "\r\nGET " PATH1 " HTTP/1.1\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof reqs / sizeof reqs[0]; i++) {
        const char *r = get(f, reqs[i]);
        if (status_of(r) != 400) fail_msg("request %zu: %s", i, r);
        assert_null(strstr(r, KA1));
    }
    /* a request with a NUL byte in its line */
    static const char nul_req[] = "GET /\0x HTTP/1.1\r\n\r\n";
    int fd = client_connect(AF_INET, f->portno);
    assert_true(fd >= 0);
    client_send(fd, nul_req, sizeof nul_req - 1);
    bool closed;
    client_read(&f->loop, fd, f->buf, sizeof f->buf, 5000, &closed);
    close(fd);
    assert_true(closed);
    assert_int_equal(status_of(f->buf), 400);
    fx_free(f);
}

/* A request head over NACME_LINUX_HTTP_REQ_MAX: 431 and the connection closed. */
static void test_oversized(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    for (size_t total = NACME_LINUX_HTTP_REQ_MAX - 1; total <= 3 * NACME_LINUX_HTTP_REQ_MAX; total += 1024) {
        char *req = malloc(total + 1);
        assert_non_null(req);
        /* a valid request line, then one long header, no end yet */
        size_t n = (size_t)snprintf(req, total + 1, "GET " PATH1 " HTTP/1.1\r\nX-Fill: ");
        memset(req + n, 'a', total - n);
        req[total] = '\0';
        int fd = client_connect(AF_INET, f->portno);
        assert_true(fd >= 0);
        client_send(fd, req, total);
        bool closed;
        client_read(&f->loop, fd, f->buf, sizeof f->buf, total < NACME_LINUX_HTTP_REQ_MAX ? 200 : 5000, &closed);
        close(fd);
        free(req);
        if (total < NACME_LINUX_HTTP_REQ_MAX) {
            assert_false(closed); /* still within the bound: the server waits for more */
            assert_int_equal(f->buf[0], '\0');
        } else {
            assert_true(closed);
            assert_int_equal(status_of(f->buf), 431);
        }
    }
    /* exactly at the bound with its end: served; one byte more: 431 */
    for (size_t total = NACME_LINUX_HTTP_REQ_MAX; total <= NACME_LINUX_HTTP_REQ_MAX + 1; total++) {
        char req[NACME_LINUX_HTTP_REQ_MAX + 2];
        size_t n = (size_t)snprintf(req, sizeof req, "GET " PATH1 " HTTP/1.1\r\nX-Fill: ");
        memset(req + n, 'a', total - n - 4);
        memcpy(req + total - 4, "\r\n\r\n", 5);
        const char *r = get(f, req);
        assert_int_equal(status_of(r), total == NACME_LINUX_HTTP_REQ_MAX ? 200 : 431);
    }
    fx_free(f);
}

/* Three validation connections at once, each request arriving in pieces. */
static void test_concurrent(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    static const char *const reqs[3] = {
        "GET " PATH1 " HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET " PATH2 " HTTP/1.1\r\nHost: b\r\n\r\n",
        "HEAD " PATH1 " HTTP/1.1\r\nHost: c\r\n\r\n",
    };
    int fds[3];
    for (int i = 0; i < 3; i++) {
        fds[i] = client_connect(AF_INET, f->portno);
        assert_true(fds[i] >= 0);
        client_send(fds[i], reqs[i], 10);
    }
    nacme_linux_loop_run_for(&f->loop, 50);
    /* all three are held open by the server at the same time */
    unsigned open_conns = 0;
    for (int i = 0; i < NACME_LINUX_HTTP_CONNS; i++) open_conns += f->ch.http.conns[i].fd >= 0;
    assert_int_equal(open_conns, 3);
    for (int i = 2; i >= 0; i--) client_send(fds[i], reqs[i] + 10, strlen(reqs[i]) - 10);
    for (int i = 0; i < 3; i++) {
        bool closed;
        client_read(&f->loop, fds[i], f->buf, sizeof f->buf, 5000, &closed);
        close(fds[i]);
        assert_true(closed);
        assert_int_equal(status_of(f->buf), 200);
        assert_string_equal(body_of(f->buf), i == 0 ? KA1 : i == 1 ? KA2 : "");
    }
    fx_free(f);
}

/* More clients than connection slots: the rest wait in the backlog and are served later. */
static void test_more_clients_than_slots(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    enum { N = NACME_LINUX_HTTP_CONNS + 4 };
    int fds[N];
    for (int i = 0; i < N; i++) {
        fds[i] = client_connect(AF_INET, f->portno);
        assert_true(fds[i] >= 0);
    }
    nacme_linux_loop_run_for(&f->loop, 50);
    for (int i = 0; i < N; i++) client_send(fds[i], "GET " PATH1 " HTTP/1.1\r\n\r\n", strlen("GET " PATH1 " HTTP/1.1\r\n\r\n"));
    for (int i = 0; i < N; i++) {
        bool closed;
        client_read(&f->loop, fds[i], f->buf, sizeof f->buf, 5000, &closed);
        close(fds[i]);
        assert_true(closed);
        assert_int_equal(status_of(f->buf), 200);
        assert_string_equal(body_of(f->buf), KA1);
    }
    fx_free(f);
}

/* A request sent one byte per loop round is served. */
static void test_byte_at_a_time(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    const char *req = "GET " PATH2 " HTTP/1.1\r\nHost: www.example.test\r\n\r\n";
    int fd = client_connect(AF_INET, f->portno);
    assert_true(fd >= 0);
    for (size_t i = 0; req[i] != '\0'; i++) {
        client_send(fd, req + i, 1);
        nacme_linux_loop_run_for(&f->loop, 1);
    }
    bool closed;
    client_read(&f->loop, fd, f->buf, sizeof f->buf, 5000, &closed);
    close(fd);
    assert_true(closed);
    assert_int_equal(status_of(f->buf), 200);
    assert_string_equal(body_of(f->buf), KA2);
    fx_free(f);
}

/* A client that never finishes its request is dropped at the time bound, not before. */
static void test_slow_client_dropped(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 400);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    int fd = client_connect(AF_INET, f->portno);
    assert_true(fd >= 0);
    uint64_t t0 = nacme_linux_now_ms();
    client_send(fd, "GET " PATH1, 10);
    bool closed;
    client_read(&f->loop, fd, f->buf, sizeof f->buf, 100, &closed);
    assert_false(closed);
    client_read(&f->loop, fd, f->buf, sizeof f->buf, 5000, &closed);
    uint64_t dt = nacme_linux_now_ms() - t0;
    close(fd);
    assert_true(closed);
    assert_int_equal(f->buf[0], '\0'); /* closed without an answer */
    assert_true(dt >= 400);
    assert_true(dt < 3000);
    assert_true(tlog_has(&f->log, "timed out"));
    /* the server still answers others */
    assert_int_equal(status_of(get(f, "GET " PATH1 " HTTP/1.1\r\n\r\n")), 200);
    fx_free(f);
}

/* A client that sends nothing at all is dropped too; a client that leaves early costs nothing. */
static void test_idle_and_vanishing_clients(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 300);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    int idle = client_connect(AF_INET, f->portno);
    int gone = client_connect(AF_INET, f->portno);
    assert_true(idle >= 0 && gone >= 0);
    client_send(gone, "GET /", 5);
    close(gone);
    bool closed;
    client_read(&f->loop, idle, f->buf, sizeof f->buf, 5000, &closed);
    close(idle);
    assert_true(closed);
    for (int i = 0; i < NACME_LINUX_HTTP_CONNS; i++) assert_int_equal(f->ch.http.conns[i].fd, -1);
    fx_free(f);
}

static void test_unpublish_and_listener_lifetime(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    /* nothing published: nothing listens */
    assert_int_equal(client_connect(AF_INET, f->portno), -ECONNREFUSED);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    assert_int_equal(f->loop.n, 1);
    assert_int_equal(f->loop.n_ticks, 1);
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_int_equal(status_of(get(f, "GET " PATH1 " HTTP/1.1\r\n\r\n")), 404);
    assert_int_equal(status_of(get(f, "GET " PATH2 " HTTP/1.1\r\n\r\n")), 200);
    /* an unknown token, or one removed already: fine */
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_int_equal(unpublish(f, "never"), NACME_OK);
    assert_int_equal(unpublish(f, T2), NACME_OK);
    assert_int_equal(client_connect(AF_INET, f->portno), -ECONNREFUSED);
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(f->loop.n_ticks, 0);
    assert_true(tlog_has(&f->log, "server stopped"));
    /* publishing again listens again */
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    assert_string_equal(body_of(get(f, "GET " PATH2 " HTTP/1.1\r\n\r\n")), KA2);
    fx_free(f);
}

/* Removing the last token closes connections still open. */
static void test_unpublish_closes_connections(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    int fd = client_connect(AF_INET, f->portno);
    assert_true(fd >= 0);
    client_send(fd, "GET /", 5);
    nacme_linux_loop_run_for(&f->loop, 30);
    assert_int_equal(f->loop.n, 2);
    assert_int_equal(unpublish(f, T1), NACME_OK);
    assert_int_equal(f->loop.n, 0);
    bool closed;
    client_read(&f->loop, fd, f->buf, sizeof f->buf, 2000, &closed);
    close(fd);
    assert_true(closed);
    fx_free(f);
}

static void test_address_in_use(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    int blocker = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->portno)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int one = 1;
    setsockopt(blocker, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    assert_int_equal(bind(blocker, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(blocker, 1), 0);
    assert_int_equal(publish(f, T1, KA1), NACME_ERR_CHALLENGE);
    char want[96];
    snprintf(want, sizeof want, "http-01: cannot listen on 127.0.0.1 port %u: Address already in use", f->portno);
    if (!tlog_has(&f->log, want)) {
        tlog_dump(&f->log);
        fail_msg("no log line \"%s\"", want);
    }
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(f->loop.n_ticks, 0);
    /* nothing was kept: once the port is free, publishing works */
    close(blocker);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    assert_string_equal(body_of(get(f, "GET " PATH1 " HTTP/1.1\r\n\r\n")), KA1);
    fx_free(f);
}

static void test_ipv6_and_dual_stack(void **state)
{
    (void)state;
    fx_t *f = fx_new("::1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    http_exchange(&f->loop, AF_INET6, f->portno, "GET " PATH1 " HTTP/1.1\r\nHost: [::1]\r\n\r\n", f->buf, sizeof f->buf);
    assert_string_equal(body_of(f->buf), KA1);
    assert_int_equal(client_connect(AF_INET, f->portno), -ECONNREFUSED); /* ::1 only */
    fx_free(f);

    /* no address: "::" dual-stack, reached over IPv4 and IPv6 */
    f = fx_new(NULL, 0);
    assert_int_equal(publish(f, T2, KA2), NACME_OK);
    http_exchange(&f->loop, AF_INET6, f->portno, "GET " PATH2 " HTTP/1.1\r\n\r\n", f->buf, sizeof f->buf);
    assert_string_equal(body_of(f->buf), KA2);
    http_exchange(&f->loop, AF_INET, f->portno, "GET " PATH2 " HTTP/1.1\r\n\r\n", f->buf, sizeof f->buf);
    assert_string_equal(body_of(f->buf), KA2);
    assert_true(tlog_has(&f->log, "listening on [::] port"));
    fx_free(f);
}

/* curl, a real HTTP client, fetches the key authorization. */
static void test_curl(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    assert_int_equal(publish(f, T1, KA1), NACME_OK);
    char dir[64];
    make_tmpdir(dir, sizeof dir, "curl");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "curl -s --max-time 10 -o %s/body -w '%%{http_code}' http://127.0.0.1:%u" PATH1 " > %s/code", dir,
             f->portno, dir);
    assert_int_equal(bg_wait(&f->loop, bg_start(cmd), 15000), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/body", dir);
    size_t n = 0;
    char *body = read_whole(path, &n);
    assert_non_null(body);
    assert_int_equal(n, strlen(KA1));
    assert_string_equal(body, KA1);
    free(body);
    snprintf(path, sizeof path, "%s/code", dir);
    char *code = read_whole(path, NULL);
    assert_non_null(code);
    assert_string_equal(code, "200");
    free(code);
    /* and a 404 for another token */
    snprintf(cmd, sizeof cmd, "curl -s --max-time 10 -o /dev/null -w '%%{http_code}' http://127.0.0.1:%u" PATH2 " > %s/code",
             f->portno, dir);
    assert_int_equal(bg_wait(&f->loop, bg_start(cmd), 15000), 0);
    code = read_whole(path, NULL);
    assert_non_null(code);
    assert_string_equal(code, "404");
    free(code);
    remove_tree(dir);
    fx_free(f);
}

static void test_bad_material(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    char long_token[NACME_LINUX_TOKEN_MAX + 2];
    memset(long_token, 'a', sizeof long_token - 1);
    long_token[sizeof long_token - 1] = '\0';
    static const char *const tokens[] = {"", "../etc", "a/b", "a.b", "a b", "a%2f", "\xc3\xa9"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++) {
        char ka[64];
        snprintf(ka, sizeof ka, "%s.abc", tokens[i]);
        assert_int_equal(publish(f, tokens[i], ka), NACME_ERR_CHALLENGE);
    }
    assert_int_equal(publish(f, long_token, "x"), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, T1, NULL), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, NULL, KA1), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, T1, KA2), NACME_ERR_CHALLENGE); /* another token's */
    assert_int_equal(publish(f, T1, T1), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, T1, T1 "."), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, T1, T1 ".a/b"), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "http-01: token or key authorization malformed"));
    assert_int_equal(f->loop.n, 0); /* nothing listens */
    /* the longest token is fine */
    long_token[NACME_LINUX_TOKEN_MAX] = '\0';
    char ka[NACME_LINUX_KEY_AUTH_MAX + 8];
    snprintf(ka, sizeof ka, "%s.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI", long_token);
    assert_int_equal(strlen(ka), NACME_LINUX_KEY_AUTH_MAX);
    assert_int_equal(publish(f, long_token, ka), NACME_OK);
    char req[512];
    snprintf(req, sizeof req, "GET /.well-known/acme-challenge/%s HTTP/1.1\r\n\r\n", long_token);
    assert_string_equal(body_of(get(f, req)), ka);
    fx_free(f);
}

static void test_token_table_full(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    char tokens[NACME_LINUX_CH_MAX + 1][16];
    for (int i = 0; i <= NACME_LINUX_CH_MAX; i++) {
        char ka[32];
        snprintf(tokens[i], sizeof tokens[i], "tok%d", i);
        snprintf(ka, sizeof ka, "tok%d.ka%d", i, i);
        assert_int_equal(publish(f, tokens[i], ka), i < NACME_LINUX_CH_MAX ? NACME_OK : NACME_ERR_CHALLENGE);
    }
    assert_true(tlog_has(&f->log, "tokens at once"));
    /* the last one served; after removing one there is room again */
    char req[128];
    snprintf(req, sizeof req, "GET /.well-known/acme-challenge/tok%d HTTP/1.1\r\n\r\n", NACME_LINUX_CH_MAX - 1);
    assert_int_equal(status_of(get(f, req)), 200);
    assert_int_equal(unpublish(f, "tok0"), NACME_OK);
    assert_int_equal(publish(f, "new", "new.x"), NACME_OK);
    assert_string_equal(body_of(get(f, "GET /.well-known/acme-challenge/new HTTP/1.1\r\n\r\n")), "new.x");
    fx_free(f);
}

static void test_init_errors(void **state)
{
    (void)state;
    nacme_linux_loop_t loop;
    nacme_linux_loop_init(&loop);
    nacme_linux_challenge_t *c = calloc(1, sizeof *c);
    tlog_t log;
    memset(&log, 0, sizeof log);
    nacme_linux_challenge_cfg_t cfg = {.loop = &loop, .http = true, .log = tlog_port(&log)};
    static const char *const bad[] = {"localhost", "127.0.0.256", "[::1]", "::1%lo", "", "1.2.3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg.http_addr = bad[i];
        assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG);
    }
    assert_true(tlog_has(&log, "http-01: localhost is not an IPv4 or IPv6 address"));
    cfg.http_addr = NULL;
    cfg.loop = NULL;
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG);
    nacme_linux_challenge_free(c); /* after a failed init: harmless */
    /* defaults: port 80 */
    cfg.loop = &loop;
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_OK);
    assert_int_equal(c->http.addr.port, 80);
    assert_true(c->http.addr.dual);
    assert_int_equal(c->http.timeout_ms, 10000);
    nacme_linux_challenge_free(c);
    nacme_linux_challenge_free(c);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serves_two_tokens),
        cmocka_unit_test(test_not_found),
        cmocka_unit_test(test_other_methods),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_oversized),
        cmocka_unit_test(test_concurrent),
        cmocka_unit_test(test_more_clients_than_slots),
        cmocka_unit_test(test_byte_at_a_time),
        cmocka_unit_test(test_slow_client_dropped),
        cmocka_unit_test(test_idle_and_vanishing_clients),
        cmocka_unit_test(test_unpublish_and_listener_lifetime),
        cmocka_unit_test(test_unpublish_closes_connections),
        cmocka_unit_test(test_address_in_use),
        cmocka_unit_test(test_ipv6_and_dual_stack),
        cmocka_unit_test(test_curl),
        cmocka_unit_test(test_bad_material),
        cmocka_unit_test(test_token_table_full),
        cmocka_unit_test(test_init_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
