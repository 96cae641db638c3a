/*
 * The http-01 responder's request reader (platforms/lwip/http01_parse.c):
 * every answer with its exact status, requests split at every offset and
 * fed one byte at a time, the limits, what is left unconsumed.
 */
#include "test_util.h"

#include "nacme_http01_parse.h"

#define TOKEN "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"

typedef struct result {
    int rc;
    uint16_t status;
    bool head;
    char token[NACME_HTTP01_TOKEN_MAX + 1];
    size_t used; /* bytes consumed in all */
} result_t;

static void take(const nacme_http01_req_t *r, result_t *out)
{
    out->status = r->status;
    out->head = r->head;
    out->token[0] = '\0';
    if (r->status == 0 && r->token != NULL) {
        assert_true(r->token_len <= NACME_HTTP01_TOKEN_MAX);
        memcpy(out->token, r->token, r->token_len);
        out->token[r->token_len] = '\0';
    }
}

/* Feed text split at `split` (0: whole), each part from a tight heap copy. */
static result_t feed_split(const char *text, size_t split)
{
    size_t n = strlen(text);
    nacme_http01_req_t r;
    nacme_http01_req_init(&r);
    result_t res = {.rc = NACME_PENDING};
    size_t parts[2][2] = {{0, split ? split : n}, {split ? split : n, n}};
    for (int k = 0; k < 2 && res.rc == NACME_PENDING; k++) {
        size_t off = parts[k][0], len = parts[k][1] - parts[k][0];
        uint8_t *copy = test_tight_copy(text + off, len);
        size_t used = 999;
        res.rc = nacme_http01_req_feed(&r, len ? copy : NULL, len, &used);
        free(copy);
        assert_true(used <= len);
        if (res.rc == NACME_PENDING) assert_int_equal(used, len);
        res.used += used;
    }
    take(&r, &res);
    return res;
}

static result_t feed_bytes(const char *text)
{
    nacme_http01_req_t r;
    nacme_http01_req_init(&r);
    result_t res = {.rc = NACME_PENDING};
    for (size_t i = 0; text[i] != '\0' && res.rc == NACME_PENDING; i++) {
        uint8_t *copy = test_tight_copy(text + i, 1);
        size_t used = 9;
        res.rc = nacme_http01_req_feed(&r, copy, 1, &used);
        free(copy);
        assert_int_equal(used, 1);
        res.used++;
    }
    take(&r, &res);
    return res;
}

/* The same answer whole, at every split and byte by byte. */
static void expect(const char *text, int rc, uint16_t status, bool head, const char *token, size_t used)
{
    size_t n = strlen(text);
    for (size_t split = 0; split <= n; split++) {
        result_t r = feed_split(text, split);
        if (r.rc != rc || (rc == NACME_OK && (r.status != status || r.head != head || strcmp(r.token, token) != 0 ||
                                              r.used != used))) {
            fail_msg("split %zu of %s: rc %d status %u head %d token '%s' used %zu", split, text, r.rc,
                     (unsigned)r.status, r.head, r.token, r.used);
        }
    }
    result_t r = feed_bytes(text);
    assert_int_equal(r.rc, rc);
    if (rc == NACME_OK) {
        assert_int_equal(r.status, status);
        assert_int_equal(r.used, used);
    }
}

static void test_pebble_request(void **state)
{
    (void)state;
    const char *req = "GET /.well-known/acme-challenge/" TOKEN " HTTP/1.1\r\n"
                      "Host: fw.example.test:5002\r\nUser-Agent: Go-http-client/1.1\r\n"
                      "Accept-Encoding: gzip\r\nConnection: close\r\n\r\n";
    expect(req, NACME_OK, 0, false, TOKEN, strlen(req));
}

static void test_methods_and_forms(void **state)
{
    (void)state;
    const char *head = "HEAD /.well-known/acme-challenge/abc HTTP/1.0\n\n";
    expect(head, NACME_OK, 0, true, "abc", strlen(head));
    const char *abs = "GET http://fw.example.test/.well-known/acme-challenge/a-b_c HTTP/1.1\r\nHost: x\r\n\r\n";
    expect(abs, NACME_OK, 0, false, "a-b_c", strlen(abs));
    const char *abs_upper = "GET HTTP://Host:80/.well-known/acme-challenge/Zz9 HTTP/1.1\r\n\r\n";
    expect(abs_upper, NACME_OK, 0, false, "Zz9", strlen(abs_upper));
    const char *query = "GET /.well-known/acme-challenge/tok?x=1/2 HTTP/1.1\r\n\r\n";
    expect(query, NACME_OK, 0, false, "tok", strlen(query));
    /* empty lines before the request line are skipped */
    const char *lead = "\r\n\n\r\nGET /.well-known/acme-challenge/t HTTP/1.1\r\n\r\n";
    expect(lead, NACME_OK, 0, false, "t", strlen(lead));
    const char *post = "POST /.well-known/acme-challenge/t HTTP/1.1\r\n\r\n";
    expect(post, NACME_OK, 405, false, "", strlen(post));
    const char *lower = "get /.well-known/acme-challenge/t HTTP/1.1\r\n\r\n";
    expect(lower, NACME_OK, 405, false, "", strlen(lower));
}

static void test_not_found(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/", "/.well-known/acme-challenge/", "/.well-known/acme-challenge", "/.well-known/acme-challenge/a/b",
        "/.well-known/acme-challenge/a.b", "/.well-known/acme-challenge/a%41", "/.well-known/ACME-challenge/a",
        "/.well-known/acme-challenge/?a", "/index.html",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char req[200];
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n\r\n", paths[i]);
        expect(req, NACME_OK, 404, false, "", strlen(req));
    }
    /* the token's length limit */
    char tok[NACME_HTTP01_TOKEN_MAX + 2];
    memset(tok, 'A', sizeof tok);
    tok[NACME_HTTP01_TOKEN_MAX] = '\0';
    char req[300];
    snprintf(req, sizeof req, "GET /.well-known/acme-challenge/%s HTTP/1.1\r\n\r\n", tok);
    expect(req, NACME_OK, 0, false, tok, strlen(req));
    tok[NACME_HTTP01_TOKEN_MAX] = 'A';
    tok[NACME_HTTP01_TOKEN_MAX + 1] = '\0';
    snprintf(req, sizeof req, "GET /.well-known/acme-challenge/%s HTTP/1.1\r\n\r\n", tok);
    expect(req, NACME_OK, 404, false, "", strlen(req));
}

static void test_bad_requests(void **state)
{
    (void)state;
    static const char *const lines[] = {
        "GET",
        "GET /.well-known/acme-challenge/t",
        "GET  /.well-known/acme-challenge/t HTTP/1.1",
        "GET /.well-known/acme-challenge/t  HTTP/1.1",
        "GET /.well-known/acme-challenge/t HTTP/1.1 ",
        "GET /.well-known/acme-challenge/t HTTP/2.0",
        "GET /.well-known/acme-challenge/t http/1.1",
        "GET /.well-known/acme-challenge/t HTTP/1.10",
        " GET /.well-known/acme-challenge/t HTTP/1.1",
        "GET\t/.well-known/acme-challenge/t HTTP/1.1",
        "GET /.well-known/acme-challenge/\x01t HTTP/1.1",
        "GET /.well-known/acme-challenge/t\x7f HTTP/1.1",
        "GET /x\ry HTTP/1.1",
        "GET https://h/.well-known/acme-challenge/t HTTP/1.1",
        "GET http://h HTTP/1.1",
        "GET * HTTP/1.1",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++) {
        char req[200];
        snprintf(req, sizeof req, "%s\r\nHost: h\r\n\r\n", lines[i]);
        expect(req, NACME_OK, 400, false, "", strlen(req));
    }
}

/* Bytes after the head are left for the caller. */
static void test_used_stops_at_head_end(void **state)
{
    (void)state;
    const char *req = "GET /.well-known/acme-challenge/t HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n";
    expect(req, NACME_OK, 0, false, "t", 46);
    nacme_http01_req_t r;
    nacme_http01_req_init(&r);
    size_t used;
    assert_int_equal(nacme_http01_req_feed(&r, (const uint8_t *)req, strlen(req), &used), NACME_OK);
    assert_int_equal(used, 46);
    /* once done, nothing more is taken */
    assert_int_equal(nacme_http01_req_feed(&r, (const uint8_t *)req, 10, &used), NACME_OK);
    assert_int_equal(used, 0);
    assert_int_equal(r.status, 0);
}

static void test_limits(void **state)
{
    (void)state;
    /* the longest request line kept, and one byte more */
    char req[4000];
    char line[NACME_HTTP01_LINE_MAX + 2];
    const char *start = "GET /.well-known/acme-challenge/t?";
    size_t fixed = strlen(start) + strlen(" HTTP/1.1");
    memset(line, 0, sizeof line);
    memcpy(line, start, strlen(start));
    memset(line + strlen(start), 'q', NACME_HTTP01_LINE_MAX - fixed);
    memcpy(line + NACME_HTTP01_LINE_MAX - strlen(" HTTP/1.1"), " HTTP/1.1", 9);
    assert_int_equal(strlen(line), NACME_HTTP01_LINE_MAX);
    snprintf(req, sizeof req, "%s\n\n", line);
    expect(req, NACME_OK, 0, false, "t", strlen(req));
    snprintf(req, sizeof req, "%s\r\n\r\n", line); /* the CR does not count... */
    /* ...but it has to fit while the line is read: one byte short */
    expect(req, NACME_OK, 414, false, "", NACME_HTTP01_LINE_MAX + 1);
    line[4] = 'x';
    memmove(line + 5, line + 4, NACME_HTTP01_LINE_MAX - 4);
    line[NACME_HTTP01_LINE_MAX + 1] = '\0';
    snprintf(req, sizeof req, "%s\n\n", line);
    expect(req, NACME_OK, 414, false, "", NACME_HTTP01_LINE_MAX + 1);

    /* a head of exactly NACME_HTTP01_HEAD_MAX bytes is read; one more byte is 431 */
    const char *first = "GET /.well-known/acme-challenge/t HTTP/1.1\r\n";
    size_t n = strlen(first);
    memcpy(req, first, n);
    size_t pad = NACME_HTTP01_HEAD_MAX - n - 4 - 2; /* "X:" ... "\r\n" "\r\n" */
    req[n++] = 'X';
    req[n++] = ':';
    memset(req + n, 'p', pad);
    n += pad;
    memcpy(req + n, "\r\n\r\n", 5);
    assert_int_equal(strlen(req), NACME_HTTP01_HEAD_MAX);
    expect(req, NACME_OK, 0, false, "t", NACME_HTTP01_HEAD_MAX);
    memmove(req + 46, req + 45, strlen(req + 45) + 1);
    req[45] = 'p';
    expect(req, NACME_OK, 431, false, "", NACME_HTTP01_HEAD_MAX + 1);
    /* an endless stream of empty lines is bounded too */
    for (size_t i = 0; i < 3000; i++) req[i] = '\n';
    req[3000] = '\0';
    result_t r = feed_split(req, 0);
    assert_int_equal(r.rc, NACME_OK);
    assert_int_equal(r.status, 431);
}

static void test_incomplete_and_args(void **state)
{
    (void)state;
    static const char *const partial[] = {"", "GET /.well-known/acme-challenge/t HTTP/1.1",
                                          "GET /.well-known/acme-challenge/t HTTP/1.1\r\n",
                                          "GET /.well-known/acme-challenge/t HTTP/1.1\r\nHost: h\r\n",
                                          "GET /.well-known/acme-challenge/t HTTP/1.1\r\nHost: h\r\n\r",
                                          "\r\n\r\n"};
    for (size_t i = 0; i < sizeof partial / sizeof partial[0]; i++) {
        result_t r = feed_split(partial[i], 0);
        assert_int_equal(r.rc, NACME_PENDING);
        r = feed_bytes(partial[i]);
        assert_int_equal(r.rc, NACME_PENDING);
    }
    nacme_http01_req_t r;
    size_t used;
    nacme_http01_req_init(&r);
    nacme_http01_req_init(NULL);
    assert_int_equal(nacme_http01_req_feed(NULL, (const uint8_t *)"x", 1, &used), NACME_ERR_ARG);
    assert_int_equal(nacme_http01_req_feed(&r, (const uint8_t *)"x", 1, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_http01_req_feed(&r, NULL, 1, &used), NACME_ERR_ARG);
    assert_int_equal(nacme_http01_req_feed(&r, NULL, 0, &used), NACME_PENDING);
    assert_int_equal(used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pebble_request),  cmocka_unit_test(test_methods_and_forms),
        cmocka_unit_test(test_not_found),       cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_used_stops_at_head_end), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_incomplete_and_args),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
