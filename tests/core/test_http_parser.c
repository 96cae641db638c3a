/*
 * Tests for core/http_parser.c: every response is fed whole, one byte at a
 * time and cut at every offset (each piece in its own tight heap block), and
 * all ways must give the same events. Recorded Pebble responses, framing
 * (Content-Length, chunked, close-delimited, HEAD, 1xx, 204/304),
 * keep-alive, line limits, and every error with its exact code.
 */
#include "test_util.h"

#include <strings.h>

#include "nacme_http.h"

/* ---- driver ------------------------------------------------------------------ */

typedef struct opts {
    bool head;       /* the request was HEAD */
    bool eof;        /* call nacme_http_parse_eof() when the input ends before DONE */
    size_t line_cap; /* line buffer size; 0: NACME_HTTP_LINE_MAX */
} opts_t;

typedef struct text {
    char *buf;
    size_t len;
    size_t cap;
} text_t;

static void tput(text_t *t, const void *data, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->buf = realloc(t->buf, t->cap);
        assert_non_null(t->buf);
    }
    memcpy(t->buf + t->len, data, n);
    t->len += n;
    t->buf[t->len] = '\0';
}

static void tputs(text_t *t, const char *s)
{
    tput(t, s, strlen(s));
}

static void tdone(text_t *t, const nacme_http_parser_t *p)
{
    char s[64];
    snprintf(s, sizeof s, "<DONE %u %s>", p->status, p->keep_alive ? "keep" : "close");
    tputs(t, s);
}

static void terr(text_t *t, int rc)
{
    char s[32];
    snprintf(s, sizeof s, "<ERR %d>", rc);
    tputs(t, s);
}

/*
 * Parse in[0..len): a first piece of `first` bytes, then pieces of `step`
 * bytes. Each piece is a tight heap copy. Checks the per-call invariants.
 */
static char *feed(const void *in_, size_t len, const opts_t *o, size_t first, size_t step,
                  size_t *consumed)
{
    const uint8_t *in = in_;
    size_t cap = o->line_cap ? o->line_cap : NACME_HTTP_LINE_MAX;
    char *line = malloc(cap);
    nacme_http_parser_t p;
    text_t t = {0};
    size_t off = 0;
    bool finished = false;
    tputs(&t, "");
    nacme_http_parser_init(&p, o->head, line, cap);
    assert_true(step > 0);
    for (size_t start = 0, n = first; !finished; start += n, n = step) {
        if (n > len - start) n = len - start;
        uint8_t *piece = test_tight_copy(in + start, n);
        size_t pos = 0;
        while (!finished) {
            nacme_http_event_t ev;
            size_t used = 12345;
            int rc = nacme_http_parse(&p, piece + pos, n - pos, &used, &ev);
            assert_true(used <= n - pos);
            if (rc != NACME_OK) {
                assert_true(rc < 0);
                off += used;
                terr(&t, rc);
                finished = true;
                /* errors stick */
                assert_int_equal(nacme_http_parse(&p, piece, n, &used, &ev), NACME_ERR_STATE);
                assert_int_equal(used, 0);
                break;
            }
            if (ev.type == NACME_HTTP_NEED_MORE) {
                assert_int_equal(used, n - pos); /* need more only when all was used */
                off += used;
                break;
            }
            switch (ev.type) {
            case NACME_HTTP_HEADER:
                assert_true(used > 0);
                assert_true(ev.name_len > 0);
                tput(&t, ev.name, ev.name_len);
                tputs(&t, ": ");
                tput(&t, ev.value, ev.value_len);
                tputs(&t, "\n");
                break;
            case NACME_HTTP_HEADERS_DONE:
                assert_true(used > 0);
                tputs(&t, "\n");
                break;
            case NACME_HTTP_BODY:
                /* zero copy: the span lies in the input, ending where the parser stopped */
                assert_true(ev.len > 0 && ev.len <= used);
                assert_ptr_equal(ev.data + ev.len, piece + pos + used);
                tput(&t, ev.data, ev.len);
                break;
            case NACME_HTTP_DONE:
                tdone(&t, &p);
                finished = true;
                size_t again;
                assert_int_equal(nacme_http_parse(&p, piece, n, &again, &ev), NACME_ERR_STATE);
                break;
            default:
                fail();
            }
            pos += used;
            off += used;
        }
        free(piece);
        if (start + n == len) break;
    }
    if (!finished && o->eof) {
        nacme_http_event_t ev;
        int rc = nacme_http_parse_eof(&p, &ev);
        if (rc == NACME_OK) {
            assert_int_equal(ev.type, NACME_HTTP_DONE);
            tdone(&t, &p);
        } else {
            terr(&t, rc);
        }
        assert_int_equal(nacme_http_parse_eof(&p, &ev), NACME_ERR_STATE);
    }
    free(line);
    *consumed = off;
    return t.buf;
}

/* Whole, one byte at a time, cut at every offset: all must agree. */
static char *feed_all(const void *in_, size_t len, const opts_t *o, size_t *consumed)
{
    const uint8_t *in = in_;
    char *ref = feed(in, len, o, len, 1, consumed);
    size_t c;
    char *s = feed(in, len, o, 0, 1, &c); /* an empty first call, then bytes */
    assert_string_equal(s, ref);
    assert_int_equal(c, *consumed);
    free(s);
    for (size_t k = 1; k < len; k++) {
        s = feed(in, len, o, k, len, &c);
        assert_string_equal(s, ref);
        assert_int_equal(c, *consumed);
        free(s);
    }
    return ref;
}

/* Also every cut into three pieces. */
static char *feed_all3(const void *in_, size_t len, const opts_t *o, size_t *consumed)
{
    const uint8_t *in = in_;
    char *ref = feed_all(in, len, o, consumed);
    for (size_t i = 1; i < len; i++) {
        for (size_t j = 1; i + j < len; j++) {
            size_t c;
            /* a first piece of i bytes, then pieces of j bytes */
            char *s = feed(in, len, o, i, j, &c);
            assert_string_equal(s, ref);
            assert_int_equal(c, *consumed);
            free(s);
        }
    }
    return ref;
}

static const opts_t plain = {false, false, 0};
static const opts_t at_eof = {false, true, 0};
static const opts_t head_req = {true, false, 0};

/* Transcript of a NUL-terminated response (all cuts); its consumed length in *c when c. */
static char *run(const char *resp, const opts_t *o, size_t *c)
{
    size_t dummy;
    return feed_all(resp, strlen(resp), o, c ? c : &dummy);
}

static void expect(const char *resp, const opts_t *o, const char *want)
{
    size_t c;
    char *got = run(resp, o, &c);
    assert_string_equal(got, want);
    free(got);
}

/* The response ends in the error rc (all cuts agree); the transcript before it is checked elsewhere. */
static void expect_err(const char *resp, const opts_t *o, int rc)
{
    char want[32];
    char *got = run(resp, o, NULL);
    snprintf(want, sizeof want, "<ERR %d>", rc);
    size_t gl = strlen(got), wl = strlen(want);
    if (gl < wl || strcmp(got + gl - wl, want) != 0) {
        print_error("response: %s\ntranscript: %s\nwanted error %d\n", resp, got, rc);
        fail();
    }
    free(got);
}

/* ---- recorded Pebble 2.4 responses ------------------------------------------------ */

static uint8_t *load_vector(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/vectors/http/%s", name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        print_error("cannot open %s (run the tests from the source root)\n", path);
        fail();
    }
    uint8_t *buf = malloc(16384);
    *len = fread(buf, 1, 16383, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

/*
 * An independent, naive reading of a well-formed recorded response (CRLF
 * lines, one status line, Content-Length or a chunked body): the transcript
 * the parser must produce.
 */
static char *naive_transcript(const uint8_t *in, size_t len, bool head)
{
    text_t t = {0};
    const char *s = (const char *)in;
    const char *end = s + len;
    const char *eol = strstr(s, "\r\n");
    long clen = -1;
    bool chunked = false, close = false;
    unsigned status = (unsigned)atoi(s + 9);
    tputs(&t, "");
    for (s = eol + 2;; s = eol + 2) {
        eol = strstr(s, "\r\n");
        if (eol == s) break;
        const char *colon = memchr(s, ':', (size_t)(eol - s));
        const char *v = colon + 1;
        while (*v == ' ') v++;
        tput(&t, s, (size_t)(colon - s));
        tputs(&t, ": ");
        tput(&t, v, (size_t)(eol - v));
        tputs(&t, "\n");
        if (strncasecmp(s, "content-length:", 15) == 0) clen = atol(v);
        if (strncasecmp(s, "transfer-encoding:", 18) == 0) chunked = true;
        if (strncasecmp(s, "connection:", 11) == 0 && strncasecmp(v, "close", 5) == 0) close = true;
    }
    tputs(&t, "\n");
    s += 2;
    if (!head && chunked) {
        for (;;) {
            long n = strtol(s, NULL, 16);
            s = strstr(s, "\r\n") + 2;
            if (n == 0) break;
            tput(&t, s, (size_t)n);
            s += n + 2;
        }
        s += 2;
    } else if (!head && clen > 0) {
        tput(&t, s, (size_t)clen);
        s += clen;
    }
    assert_ptr_equal(s, end); /* the recording holds exactly one response */
    char d[64];
    snprintf(d, sizeof d, "<DONE %u %s>", status, close ? "close" : "keep");
    tputs(&t, d);
    return t.buf;
}

static void check_vector(const char *name, bool head)
{
    size_t len, c;
    uint8_t *in = load_vector(name, &len);
    opts_t o = {head, false, 0};
    char *got = feed_all(in, len, &o, &c);
    char *want = naive_transcript(in, len, head);
    assert_string_equal(got, want);
    assert_int_equal(c, len);
    free(want);
    free(got);
    free(in);
}

static void test_pebble_vectors(void **state)
{
    (void)state;
    static const char *const names[] = {
        "pebble-directory.http",     "pebble-newaccount-201.http",  "pebble-badnonce-400.http",
        "pebble-neworder-201.http",  "pebble-authz-200.http",       "pebble-challenge-200.http",
        "pebble-authz-valid-200.http", "pebble-finalize-200.http",  "pebble-order-valid-200.http",
        "pebble-cert-200.http",
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) check_vector(names[i], false);
    check_vector("pebble-newnonce-head.http", true);
}

/* The newAccount answer, checked line by line, including the values the engine keeps. */
static void test_pebble_new_account(void **state)
{
    (void)state;
    size_t len, c;
    uint8_t *in = load_vector("pebble-newaccount-201.http", &len);
    char *got = feed_all(in, len, &plain, &c);
    const char *want_head =
        "Cache-Control: public, max-age=0, no-cache\n"
        "Content-Type: application/json; charset=utf-8\n"
        "Link: <https://127.0.0.1:14700/dir>;rel=\"index\"\n"
        "Location: https://127.0.0.1:14700/my-account/7f1dc0df14361389\n"
        "Replay-Nonce: O5Yt8lS_ZVFDEH1H4k-zCw\n"
        "Date: Mon, 23 Nov 2026 16:54:37 GMT\n"
        "Content-Length: 322\n"
        "\n"
        "{\n   \"status\": \"valid\",\n";
    assert_memory_equal(got, want_head, strlen(want_head));
    assert_string_equal(got + strlen(got) - strlen("}<DONE 201 keep>"), "}<DONE 201 keep>");
    free(got);

    /* one pass by hand: the parser's results */
    char line[NACME_HTTP_LINE_MAX];
    nacme_http_parser_t p;
    nacme_http_event_t ev;
    size_t used, pos = 0, body = 0;
    nacme_http_parser_init(&p, false, line, sizeof line);
    do {
        assert_int_equal(nacme_http_parse(&p, in + pos, len - pos, &used, &ev), NACME_OK);
        pos += used;
        if (ev.type == NACME_HTTP_HEADERS_DONE) {
            assert_int_equal(p.status, 201);
            assert_true(p.has_length);
            assert_false(p.chunked);
            assert_int_equal(p.content_length, 322);
        }
        if (ev.type == NACME_HTTP_BODY) body += ev.len;
    } while (ev.type != NACME_HTTP_DONE);
    assert_int_equal(body, 322);
    assert_int_equal(pos, len);
    assert_true(p.keep_alive);
    free(in);
}

/* The certificate chain comes chunked: check the chunk framing results. */
static void test_pebble_cert_chunked(void **state)
{
    (void)state;
    size_t len, c;
    uint8_t *in = load_vector("pebble-cert-200.http", &len);
    char *got = feed_all(in, len, &plain, &c);
    assert_non_null(strstr(got, "Transfer-Encoding: chunked\n\n-----BEGIN CERTIFICATE-----\nMIIC"));
    assert_non_null(strstr(got, "Link: <https://127.0.0.1:14700/certZ/58c7792c8286c2b5/alternate/1>;"
                                "rel=\"alternate\"\n"));
    assert_non_null(strstr(got, "-----END CERTIFICATE-----\n<DONE 200 keep>"));
    assert_null(strstr(got, "\r\n")); /* no chunk framing leaked into the body */
    free(got);
    free(in);
}

/* ---- hand-written ACME responses ---------------------------------------------------- */

static void test_acme_problem_retry_after(void **state)
{
    (void)state;
    expect("HTTP/1.1 429 Too Many Requests\r\n"
           "Content-Type: application/problem+json\r\n"
           "Link: <https://example.com/acme/directory>;rel=\"index\"\r\n"
           "Replay-Nonce: oFvnlFP1wIhRlYS2jTaXbA\r\n"
           "Retry-After: 120\r\n"
           "Content-Length: 18\r\n"
           "\r\n"
           "{\"type\":\"x\",\"s\":1}",
           &plain,
           "Content-Type: application/problem+json\n"
           "Link: <https://example.com/acme/directory>;rel=\"index\"\n"
           "Replay-Nonce: oFvnlFP1wIhRlYS2jTaXbA\n"
           "Retry-After: 120\n"
           "Content-Length: 18\n"
           "\n"
           "{\"type\":\"x\",\"s\":1}<DONE 429 keep>");
    expect("HTTP/1.1 503 Service Unavailable\r\n"
           "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\n"
           "Content-Length: 0\r\n"
           "\r\n",
           &plain,
           "Retry-After: Fri, 31 Dec 1999 23:59:59 GMT\nContent-Length: 0\n\n<DONE 503 keep>");
}

static void test_acme_certificate_links(void **state)
{
    (void)state;
    expect("HTTP/1.1 200 OK\r\n"
           "Content-Type: application/pem-certificate-chain\r\n"
           "Link: <https://example.com/acme/directory>;rel=\"index\"\r\n"
           "Link: <https://example.com/acme/cert/mAt3xBGaobw/1>;rel=\"alternate\", "
           "<https://example.com/acme/some-directory>;rel=\"index\"\r\n"
           "Transfer-Encoding: chunked\r\n"
           "\r\n"
           "b\r\n-----BEGIN \r\n"
           "C;name=\"v;al\"\r\nCERTIFICATE-\r\n"
           "5\r\n----\n\r\n"
           "0\r\n"
           "\r\n",
           &plain,
           "Content-Type: application/pem-certificate-chain\n"
           "Link: <https://example.com/acme/directory>;rel=\"index\"\n"
           "Link: <https://example.com/acme/cert/mAt3xBGaobw/1>;rel=\"alternate\", "
           "<https://example.com/acme/some-directory>;rel=\"index\"\n"
           "Transfer-Encoding: chunked\n"
           "\n"
           "-----BEGIN CERTIFICATE-----\n<DONE 200 keep>");
}

/* ---- status line ----------------------------------------------------------------- */

static void test_status_line(void **state)
{
    (void)state;
    expect("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", &plain, "Content-Length: 2\n\nhi<DONE 200 keep>");
    /* empty reason, with and without its SP; a reason with spaces and obs-text */
    expect("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", &plain, "Content-Length: 0\n\n<DONE 200 keep>");
    expect("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", &plain, "Content-Length: 0\n\n<DONE 200 keep>");
    expect("HTTP/1.1 404 Not  Found \xe9\t!\r\nContent-Length: 0\r\n\r\n", &plain,
           "Content-Length: 0\n\n<DONE 404 keep>");
    expect("HTTP/1.1 599 x\r\nContent-Length: 0\r\n\r\n", &plain, "Content-Length: 0\n\n<DONE 599 keep>");
    /* no headers at all: close-delimited */
    expect("HTTP/1.1 200 OK\r\n\r\nabc", &at_eof, "\nabc<DONE 200 close>");
    /* HTTP/1.0: close unless keep-alive was asked for */
    expect("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", &plain, "Content-Length: 1\n\nx<DONE 200 close>");

    static const char *const bad[] = {
        "HTTP/1.2 200 OK\r\n\r\n", "HTTP/2 200 OK\r\n\r\n",    "HTTP/2.0 200 OK\r\n\r\n",
        "http/1.1 200 OK\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",   "HTTP/1.1 2000 OK\r\n\r\n",
        "HTTP/1.1 200OK\r\n\r\n",  "HTTP/1.1  200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n",
        "HTTP/1.1 099 x\r\n\r\n",  "HTTP/1.1 600 x\r\n\r\n",   "HTTP/1.1 101 Switching Protocols\r\n\r\n",
        "HTTP/1.1\r\n\r\n",        "\r\nHTTP/1.1 200 OK\r\n\r\n", " HTTP/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 O\rK\r\n\r\n", "HTTP/1.1 200 O\x01K\r\n\r\n", "HTTP/1.1 200 O\x7fK\r\n\r\n",
        "HTTP/1.1 200 \r\r\n\r\n", "SSH-2.0-OpenSSH_9.2\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_err(bad[i], &plain, NACME_ERR_HTTP_STATUS);
    /* a NUL (strlen would stop there: build it by hand) */
    size_t c;
    char *got = feed_all("HTTP/1.1 200 O\0K\r\n\r\n", 20, &plain, &c);
    assert_string_equal(got, "<ERR -24>");
    assert_int_equal(c, 15);
    free(got);
}

/* ---- headers ---------------------------------------------------------------------------- */

static void test_headers(void **state)
{
    (void)state;
    /* names keep their case, values lose OWS on both sides, framing names are case-insensitive */
    expect("HTTP/1.1 200 OK\r\n"
           "replay-NONCE:abc\r\n"
           "X-Empty:\r\n"
           "X-Spaces: \t \r\n"
           "Location: \t https://example.com/a b \t\r\n"
           "!#$%&'*+-.^_`|~09azAZ: token-chars\r\n"
           "X-Obs: caf\xc3\xa9\r\n"
           "cOnTeNt-LeNgTh: 3\r\n"
           "\r\n"
           "abc",
           &plain,
           "replay-NONCE: abc\nX-Empty: \nX-Spaces: \nLocation: https://example.com/a b\n"
           "!#$%&'*+-.^_`|~09azAZ: token-chars\nX-Obs: caf\xc3\xa9\ncOnTeNt-LeNgTh: 3\n\nabc<DONE 200 keep>");
    /* bare LF line ends, and mixed with CRLF */
    expect("HTTP/1.1 200 OK\nA: 1\r\nB: 2\n\nxy", &at_eof, "A: 1\nB: 2\n\nxy<DONE 200 close>");
    expect("HTTP/1.1 204 No Content\n\n", &plain, "\n<DONE 204 keep>");

    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\n folded: x\r\n\r\n",        /* obs-fold as first line */
        "HTTP/1.1 200 OK\r\nA: 1\r\n continued\r\n\r\n", /* obs-fold */
        "HTTP/1.1 200 OK\r\nA: 1\r\n\tcontinued\r\n\r\n",
        "HTTP/1.1 200 OK\r\nName : x\r\n\r\n", /* whitespace before the colon */
        "HTTP/1.1 200 OK\r\nName\t: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\n: x\r\n\r\n",      /* empty name */
        "HTTP/1.1 200 OK\r\nNa@me: x\r\n\r\n", /* not a token */
        "HTTP/1.1 200 OK\r\nNa(me: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nN\xc3\xa4me: x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nNoColon\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: x\ry\r\n\r\n",   /* CR alone inside */
        "HTTP/1.1 200 OK\r\nA: x\r\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: x\x01y\r\n\r\n", /* other controls */
        "HTTP/1.1 200 OK\r\nA: x\x7f\r\n\r\n",
        "HTTP/1.1 200 OK\r\nA: x\x1b[0m\r\n\r\n",
        "HTTP/1.1 200 OK\r\n\r\r\n",            /* CR CR LF as the empty line */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_err(bad[i], &plain, NACME_ERR_HTTP_HEADER);
    size_t c;
    char *got = feed_all("HTTP/1.1 200 OK\r\nA: x\0y\r\n\r\n", 27, &plain, &c);
    assert_string_equal(got, "<ERR -25>");
    assert_int_equal(c, 22);
    free(got);
    /* events before the error were delivered */
    expect("HTTP/1.1 200 OK\r\nA: 1\r\nB : 2\r\n\r\n", &plain, "A: 1\n<ERR -25>");
}

/* ---- Content-Length ----------------------------------------------------------------------- */

static void test_content_length(void **state)
{
    (void)state;
    expect("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1", &plain, "Content-Length: 0\n\n<DONE 200 keep>");
    /* duplicates with one value are fine, leading zeros too */
    expect("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length:003\r\n\r\nabcdef", &plain,
           "Content-Length: 3\ncontent-length: 003\n\nabc<DONE 200 keep>");
    /* the bytes after the body belong to the next response: not consumed */
    size_t c;
    char *got = run("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n", &plain, &c);
    assert_string_equal(got, "Content-Length: 3\n\nabc<DONE 200 keep>");
    assert_int_equal(c, 41);
    free(got);
    /* the largest length is accepted (then the connection ends early) */
    expect("HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab", &at_eof,
           "Content-Length: 18446744073709551615\n\nab<ERR -30>");

    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "HTTP/1.1 200 OK\r\nContent-Length: 12a\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        /* checked even when the response has no body */
        "HTTP/1.1 204 No Content\r\nContent-Length: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) expect_err(bad[i], &plain, NACME_ERR_HTTP_LENGTH);
    expect("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", &plain,
           "Content-Length: 3\n<ERR -29>"); /* the offending header is not delivered */
}

/* ---- chunked -------------------------------------------------------------------------------- */

static const char chunked_resp[] = "HTTP/1.1 200 OK\r\n"
                                   "Transfer-Encoding: chunked\r\n"
                                   "\r\n"
                                   "5\r\nhello\r\n"
                                   "1;ext=1 ; other=\"q;\"\r\n,\r\n"
                                   "009 \r\n world!!!\r\n"
                                   "1\n\n\n"
                                   "0\r\n"
                                   "Trailer-One: 1\r\n"
                                   "Expires: never\r\n"
                                   "\r\n";

static void test_chunked(void **state)
{
    (void)state;
    size_t c;
    char *got = feed_all3(chunked_resp, strlen(chunked_resp), &plain, &c);
    /* trailers are checked but not delivered as headers */
    assert_string_equal(got, "Transfer-Encoding: chunked\n\nhello, world!!!\n<DONE 200 keep>");
    assert_int_equal(c, strlen(chunked_resp));
    free(got);
    /* upper-case hex, leading zeros, Transfer-Encoding's case, 16 hex digits */
    expect("HTTP/1.1 200 OK\r\ntransfer-encoding: CHUNKED\r\n\r\n0000000000000002\r\nab\r\n0\r\n\r\n", &plain,
           "transfer-encoding: CHUNKED\n\nab<DONE 200 keep>");
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFF\r\nab", &at_eof,
           "Transfer-Encoding: chunked\n\nab<ERR -30>");
    /* chunked and Content-Length: chunked wins, the connection is not reused */
    expect("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n",
           &plain, "Content-Length: 100\nTransfer-Encoding: chunked\n\nab<DONE 200 close>");
    /* HTTP/1.0 with chunked: faulty framing, close */
    expect("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &plain,
           "Connection: keep-alive\nTransfer-Encoding: chunked\n\n<DONE 200 close>");

    static const char *const bad[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",             /* empty size */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\ng\r\n",            /* not hex */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n",  /* leading space */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", /* 65 bits */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n",  /* no CRLF after data */
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello \r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\rX",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\rx\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_err(bad[i], &plain, NACME_ERR_HTTP_CHUNK);
    }
    size_t cn;
    char *nul = feed_all("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\0\n", 57, &plain, &cn);
    assert_string_equal(nul, "Transfer-Encoding: chunked\n\nhello<ERR -28>");
    assert_int_equal(cn, 56);
    free(nul);
    /* the data before the error was delivered */
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX", &plain,
           "Transfer-Encoding: chunked\n\nhello<ERR -28>");
    /* a malformed trailer line */
    expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nBad Trailer\r\n\r\n", &plain,
               NACME_ERR_HTTP_HEADER);
    expect_err("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n folded\r\n\r\n", &plain,
               NACME_ERR_HTTP_HEADER);
    /* other codings, or chunked twice, are framing errors */
    static const char *const bad_te[] = {
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad_te / sizeof bad_te[0]; i++)
        expect_err(bad_te[i], &plain, NACME_ERR_HTTP_LENGTH);
}

/* ---- close-delimited bodies and EOF ------------------------------------------------------- */

static void test_close_delimited_and_eof(void **state)
{
    (void)state;
    expect("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it\r\n\r\nuntil EOF", &at_eof,
           "Content-Type: text/plain\n\nall of it\r\n\r\nuntil EOF<DONE 200 close>");
    expect("HTTP/1.1 200 OK\r\n\r\n", &at_eof, "\n<DONE 200 close>");
    /* without EOF the close-delimited body just waits */
    expect("HTTP/1.1 200 OK\r\n\r\nab", &plain, "\nab");
    /* truncated anywhere else */
    expect("", &at_eof, "<ERR -30>");
    expect("HTTP/1.1 200", &at_eof, "<ERR -30>");
    expect("HTTP/1.1 200 OK\r\nA: 1\r\n", &at_eof, "A: 1\n<ERR -30>");
    expect("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc", &at_eof, "Content-Length: 5\n\nabc<ERR -30>");
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", &at_eof,
           "Transfer-Encoding: chunked\n\nhel<ERR -30>");
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", &at_eof,
           "Transfer-Encoding: chunked\n\nhello<ERR -30>");
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n", &at_eof,
           "Transfer-Encoding: chunked\n\n<ERR -30>");
    expect("HTTP/1.1 100 Continue\r\n\r\n", &at_eof, "<ERR -30>");

    /* the body is complete but DONE not yet asked for when the connection ends: DONE, not reusable */
    char line[64];
    nacme_http_parser_t p;
    nacme_http_event_t ev;
    size_t used;
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx";
    nacme_http_parser_init(&p, false, line, sizeof line);
    size_t pos = 0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(nacme_http_parse(&p, (const uint8_t *)r + pos, strlen(r) - pos, &used, &ev), 0);
        pos += used;
    }
    assert_int_equal(ev.type, NACME_HTTP_BODY);
    assert_int_equal(nacme_http_parse_eof(&p, &ev), NACME_OK);
    assert_int_equal(ev.type, NACME_HTTP_DONE);
    assert_false(p.keep_alive);
    assert_int_equal(nacme_http_parse_eof(&p, &ev), NACME_ERR_STATE);
    assert_int_equal(nacme_http_parse(&p, NULL, 0, &used, &ev), NACME_ERR_STATE);
}

/* ---- Connection --------------------------------------------------------------------------- */

static void test_connection(void **state)
{
    (void)state;
    expect("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", &plain,
           "Connection: close\nContent-Length: 0\n\n<DONE 200 close>");
    expect("HTTP/1.1 200 OK\r\nConnection: Upgrade, CLOSE \r\nContent-Length: 0\r\n\r\n", &plain,
           "Connection: Upgrade, CLOSE\nContent-Length: 0\n\n<DONE 200 close>");
    expect("HTTP/1.1 200 OK\r\nConnection: closed\r\nContent-Length: 0\r\n\r\n", &plain,
           "Connection: closed\nContent-Length: 0\n\n<DONE 200 keep>");
    expect("HTTP/1.1 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n", &plain,
           "Connection: keep-alive, close\nContent-Length: 0\n\n<DONE 200 close>");
    expect("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", &plain,
           "Connection: Keep-Alive\nContent-Length: 0\n\n<DONE 200 keep>");
    expect("HTTP/1.0 200 OK\r\nconnection: ,, keep-alive ,\r\nContent-Length: 0\r\n\r\n", &plain,
           "connection: ,, keep-alive ,\nContent-Length: 0\n\n<DONE 200 keep>");
    expect("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", &plain, "Content-Length: 0\n\n<DONE 200 close>");
    expect("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nxyz", &at_eof,
           "Connection: keep-alive\n\nxyz<DONE 200 close>");
    /* keep-alive is false until DONE */
    char line[128];
    nacme_http_parser_t p;
    nacme_http_event_t ev;
    size_t used;
    const char *r = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    nacme_http_parser_init(&p, false, line, sizeof line);
    size_t pos = 0;
    do {
        assert_false(p.keep_alive);
        assert_int_equal(nacme_http_parse(&p, (const uint8_t *)r + pos, strlen(r) - pos, &used, &ev), 0);
        pos += used;
    } while (ev.type != NACME_HTTP_DONE);
    assert_true(p.keep_alive);
}

/* ---- HEAD, 1xx, 204, 304 ---------------------------------------------------------------- */

static void test_no_body_responses(void **state)
{
    (void)state;
    size_t c;
    /* HEAD: no body whatever the length says; the next bytes are not consumed */
    char *got = run("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200", &head_req, &c);
    assert_string_equal(got, "Content-Length: 1234\n\n<DONE 200 keep>");
    assert_int_equal(c, 41);
    free(got);
    expect("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", &head_req,
           "Transfer-Encoding: chunked\n\n<DONE 200 keep>");
    /* a HEAD answer without any length is complete too (Pebble's newNonce) */
    expect("HTTP/1.1 200 OK\r\nReplay-Nonce: abc\r\n\r\n", &head_req, "Replay-Nonce: abc\n\n<DONE 200 keep>");
    /* 204 and 304 */
    got = run("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\nnext", &plain, &c);
    assert_string_equal(got, "Content-Length: 10\n\n<DONE 204 keep>");
    assert_int_equal(c, 47);
    free(got);
    expect("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", &plain,
           "Transfer-Encoding: chunked\n\n<DONE 304 keep>");
    /* 1xx interim responses are skipped with their headers (100, 102, 103 with Link) */
    got = run("HTTP/1.1 100 Continue\r\n\r\n"
              "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
              "HTTP/1.1 102 Processing\n\n"
              "HTTP/1.1 201 Created\r\nLocation: /acct/1\r\nContent-Length: 2\r\n\r\n{}",
              &plain, &c);
    assert_string_equal(got, "Location: /acct/1\nContent-Length: 2\n\n{}<DONE 201 keep>");
    free(got);
    /* their headers are still checked, and their framing headers ignored */
    expect_err("HTTP/1.1 100 Continue\r\nBad Header\r\n\r\n", &plain, NACME_ERR_HTTP_HEADER);
    expect("HTTP/1.1 100 Continue\r\nConnection: close\r\nContent-Length: 5\r\n\r\n"
           "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
           &plain, "Content-Length: 1\n\nx<DONE 200 keep>");
    /* 101 is an error for us, interim or not */
    expect_err("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n", &plain,
               NACME_ERR_HTTP_STATUS);
}

/* ---- limits -------------------------------------------------------------------------------- */

/* "HTTP/1.1 200 OK\r\n" + a header line of exactly n characters + CRLF or LF + "Content-Length: 0". */
static char *with_header_of(size_t n, const char *eol)
{
    char *s = malloc(n + 128);
    strcpy(s, "HTTP/1.1 200 OK\r\nX-Pad: ");
    size_t l = strlen(s);
    memset(s + l, 'p', n - 7);
    s[l + n - 7] = '\0';
    strcat(s, eol);
    strcat(s, "Content-Length: 0\r\n\r\n");
    return s;
}

static void test_line_limits(void **state)
{
    (void)state;
    for (size_t cap = 64; cap <= NACME_HTTP_LINE_MAX + 64; cap += NACME_HTTP_LINE_MAX) {
        size_t limit = cap < NACME_HTTP_LINE_MAX ? cap : NACME_HTTP_LINE_MAX;
        opts_t o = {false, false, cap};
        for (int lf = 0; lf < 2; lf++) {
            char *s = with_header_of(limit, lf ? "\n" : "\r\n");
            char *got = run(s, &o, NULL);
            assert_int_equal(strlen(got), limit + 1 + strlen("Content-Length: 0\n\n<DONE 200 keep>"));
            free(got);
            free(s);
            s = with_header_of(limit + 1, lf ? "\n" : "\r\n");
            expect_err(s, &o, NACME_ERR_HTTP_LINE_TOO_LONG);
            free(s);
        }
        /* the status line and chunk-size lines share the limit */
        char *s = malloc(limit + 128);
        strcpy(s, "HTTP/1.1 200 ");
        memset(s + 13, 'r', limit - 13);
        strcpy(s + limit, "\r\nContent-Length: 0\r\n\r\n");
        expect(s, &o, "Content-Length: 0\n\n<DONE 200 keep>");
        strcpy(s + 13, "r");
        memset(s + 13, 'r', limit + 1 - 13);
        strcpy(s + limit + 1, "\r\n\r\n");
        expect_err(s, &o, NACME_ERR_HTTP_LINE_TOO_LONG);
        strcpy(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
        size_t l = strlen(s), h = l - 2;
        memset(s + l, 'e', limit - 2);
        strcpy(s + h + limit, "\r\nx\r\n0\r\n\r\n");
        expect(s, &o, "Transfer-Encoding: chunked\n\nx<DONE 200 keep>");
        memset(s + l, 'e', limit - 1);
        strcpy(s + h + limit + 1, "\r\nx\r\n0\r\n\r\n");
        expect_err(s, &o, NACME_ERR_HTTP_LINE_TOO_LONG);
        free(s);
    }
    /* a buffer too small for any status line */
    opts_t tiny = {false, false, 11};
    expect_err("HTTP/1.1 200\r\n\r\n", &tiny, NACME_ERR_HTTP_LINE_TOO_LONG);
    opts_t twelve = {false, false, 12};
    expect("HTTP/1.1 200\r\n\r\n", &(opts_t){false, true, 12}, "\n<DONE 200 close>");
    expect_err("HTTP/1.1 200 \r\n\r\n", &twelve, NACME_ERR_HTTP_LINE_TOO_LONG);
    /* no buffer at all */
    char *none = NULL;
    nacme_http_parser_t p;
    nacme_http_event_t ev;
    size_t used;
    nacme_http_parser_init(&p, false, none, 100);
    assert_int_equal(nacme_http_parse(&p, (const uint8_t *)"H", 1, &used, &ev), NACME_ERR_HTTP_LINE_TOO_LONG);
}

static void test_too_many_headers(void **state)
{
    (void)state;
    for (int extra = 0; extra < 2; extra++) {
        size_t n = NACME_HTTP_MAX_HEADERS + (size_t)extra;
        char *s = malloc(32 + n * 16);
        strcpy(s, "HTTP/1.1 204 No Content\r\n");
        for (size_t i = 0; i < n; i++) sprintf(s + strlen(s), "X-H%zu: %zu\r\n", i, i);
        strcat(s, "\r\n");
        size_t c;
        char *got = feed(s, strlen(s), &plain, strlen(s), 1, &c);
        if (extra) {
            assert_non_null(strstr(got, "X-H63: 63\n<ERR -27>"));
        } else {
            assert_non_null(strstr(got, "X-H63: 63\n\n<DONE 204 keep>"));
        }
        free(got);
        got = feed(s, strlen(s), &plain, 0, 1, &c);
        assert_non_null(strstr(got, extra ? "<ERR -27>" : "<DONE 204 keep>"));
        free(got);
        free(s);
    }
    /* trailers count too */
    char *s = malloc(64 + NACME_HTTP_MAX_HEADERS * 16);
    strcpy(s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n");
    for (size_t i = 1; i < NACME_HTTP_MAX_HEADERS + 1; i++) sprintf(s + strlen(s), "T%zu: %zu\r\n", i, i);
    strcat(s, "\r\n");
    size_t c;
    char *got = feed(s, strlen(s), &plain, strlen(s), 1, &c);
    assert_string_equal(got, "Transfer-Encoding: chunked\n\n<ERR -27>");
    free(got);
    free(s);
}

/* ---- API -------------------------------------------------------------------------------------- */

static void test_api(void **state)
{
    (void)state;
    char line[128];
    nacme_http_parser_t p;
    nacme_http_event_t ev;
    size_t used = 7;
    nacme_http_parser_init(&p, false, line, sizeof line);
    assert_int_equal(p.line_cap, sizeof line);
    assert_int_equal(nacme_http_parse(NULL, (const uint8_t *)"x", 1, &used, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_http_parse(&p, NULL, 1, &used, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_http_parse(&p, (const uint8_t *)"x", 1, NULL, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_http_parse(&p, (const uint8_t *)"x", 1, &used, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_http_parse_eof(NULL, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_http_parse_eof(&p, NULL), NACME_ERR_ARG);
    /* no input: need more, nothing used */
    assert_int_equal(nacme_http_parse(&p, NULL, 0, &used, &ev), NACME_OK);
    assert_int_equal(ev.type, NACME_HTTP_NEED_MORE);
    assert_int_equal(used, 0);
    /* the buffer limit is the configured maximum */
    static char big[NACME_HTTP_LINE_MAX * 2];
    nacme_http_parser_init(&p, false, big, sizeof big);
    assert_int_equal(p.line_cap, NACME_HTTP_LINE_MAX);
    /* one event per call: the header line stops the call even with more input */
    const char *r = "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\n\r\n";
    assert_int_equal(nacme_http_parse(&p, (const uint8_t *)r, strlen(r), &used, &ev), NACME_OK);
    assert_int_equal(ev.type, NACME_HTTP_HEADER);
    assert_int_equal(used, 23);
    assert_int_equal(ev.name_len, 1);
    assert_memory_equal(ev.name, "A", 1);
    assert_ptr_equal(ev.name, big); /* header events point into the line buffer */
    assert_int_equal(p.status, 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pebble_vectors),
        cmocka_unit_test(test_pebble_new_account),
        cmocka_unit_test(test_pebble_cert_chunked),
        cmocka_unit_test(test_acme_problem_retry_after),
        cmocka_unit_test(test_acme_certificate_links),
        cmocka_unit_test(test_status_line),
        cmocka_unit_test(test_headers),
        cmocka_unit_test(test_content_length),
        cmocka_unit_test(test_chunked),
        cmocka_unit_test(test_close_delimited_and_eof),
        cmocka_unit_test(test_connection),
        cmocka_unit_test(test_no_body_responses),
        cmocka_unit_test(test_line_limits),
        cmocka_unit_test(test_too_many_headers),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests_name("http_parser", tests, NULL, NULL);
}
