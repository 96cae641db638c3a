/*
 * libFuzzer harness: the HTTP response parser fed in three pieces (cut
 * points derived from the data) must give exactly the events of a
 * one-byte-at-a-time parse; every call keeps its contract (need more only
 * when all input was used, body spans inside the input, header names are
 * tokens and values trimmed, keep-alive only with sound framing). The
 * header value helpers (media type, Retry-After, Link) and the request
 * writer run on every header value seen, with their own invariants.
 * The input is a raw response, so recorded responses are seeds as they are.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 16384

#define CHECK(c)                                                                                         \
    do {                                                                                                 \
        if (!(c)) abort();                                                                               \
    } while (0)

typedef struct out {
    uint8_t *buf;
    size_t len, cap;
    uint64_t body; /* body bytes seen */
    int rc;        /* final status: 0 (DONE / input ended) or an error */
    bool done;
    bool keep_alive;
    size_t used;   /* bytes consumed */
} out_t;

static void put(out_t *o, const void *p, size_t n)
{
    CHECK(o->len + n <= o->cap);
    memcpy(o->buf + o->len, p, n);
    o->len += n;
}

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Helpers and the request writer on one header value. */
static void check_value(const char *v, size_t n)
{
    /* media type: a match means the value starts with the type (after OWS), then OWS or ';' */
    if (nacme_http_media_type_is(v, n, "application/json")) {
        size_t i = 0;
        while (i < n && is_ows(v[i])) i++;
        CHECK(n - i >= 16);
        for (size_t k = 0; k < 16; k++) CHECK((v[i + k] | 0x20) == "application/json"[k]);
        for (i += 16; i < n && v[i] != ';'; i++) CHECK(is_ows(v[i]));
    }
    int64_t s = -1;
    if (nacme_http_retry_after(v, n, 1700000000, &s) == NACME_OK) CHECK(s >= 0);

    size_t pos = 0, rounds = 0;
    nacme_http_link_t l;
    int rc;
    while ((rc = nacme_http_link_next(v, n, &pos, &l)) == NACME_OK) {
        CHECK(++rounds <= n);
        CHECK(pos <= n);
        CHECK(l.url > v && l.url + l.url_len < v + n && l.url[-1] == '<' && l.url[l.url_len] == '>');
        CHECK(memchr(l.url, '>', l.url_len) == NULL);
        if (l.rel != NULL) CHECK(l.rel >= v && l.rel + l.rel_len <= v + n);
        bool up = nacme_http_link_has_rel(&l, "up");
        if (up) CHECK(l.rel != NULL && l.rel_len >= 2);
    }
    CHECK(rc == NACME_ERR_NOT_FOUND || rc == NACME_ERR_HTTP_HEADER);

    /* the request writer: accepted fields never add a line */
    char field[NACME_HTTP_LINE_MAX + 2], req[3 * NACME_HTTP_LINE_MAX + 256];
    if (n > NACME_HTTP_LINE_MAX) return;
    field[0] = '/';
    memcpy(field + 1, v, n);
    field[n + 1] = '\0';
    nacme_http_request_t r = {.method = "POST", .host = field + 1, .port = 8443, .path = field,
                              .content_type = "application/jose+json", .accept = field + 1, .content_length = 7};
    nacme_sb_t sb;
    nacme_sb_init(&sb, req, sizeof req);
    if (nacme_http_write_request(&sb, &r) == NACME_OK) {
        size_t lines = 0;
        for (size_t i = 0; i < sb.len; i++) {
            if (req[i] == '\n') {
                CHECK(i > 0 && req[i - 1] == '\r');
                lines++;
            }
            CHECK(req[i] != '\r' || (i + 1 < sb.len && req[i + 1] == '\n'));
        }
        CHECK(lines == 7);
    }
}

/* Parse data in pieces ending at cut[0], cut[1], ... size (one byte at a time when bytewise). */
static void run(const uint8_t *data, size_t size, bool head, size_t cap, const size_t *cuts, size_t ncuts,
                bool bytewise, out_t *o, bool helpers)
{
    char *line = malloc(cap ? cap : 1);
    nacme_http_parser_t p;
    size_t start = 0, k = 0;
    nacme_http_parser_init(&p, head, line, cap);
    o->rc = 0;
    while (!o->done && o->rc == 0) {
        size_t end = bytewise ? (start < size ? start + 1 : size) : (k < ncuts ? cuts[k++] : size);
        /* each piece in its own block, so ASan catches any read past it */
        uint8_t *piece = malloc(end - start ? end - start : 1);
        memcpy(piece, data + start, end - start);
        size_t n = end - start, pos = 0;
        for (;;) {
            nacme_http_event_t ev;
            size_t used = 0;
            int rc = nacme_http_parse(&p, piece + pos, n - pos, &used, &ev);
            CHECK(used <= n - pos);
            o->used += used;
            if (rc != NACME_OK) {
                CHECK(rc == NACME_ERR_HTTP_STATUS || rc == NACME_ERR_HTTP_HEADER ||
                      rc == NACME_ERR_HTTP_LINE_TOO_LONG || rc == NACME_ERR_HTTP_TOO_MANY_HEADERS ||
                      rc == NACME_ERR_HTTP_CHUNK || rc == NACME_ERR_HTTP_LENGTH);
                CHECK(nacme_http_parse(&p, piece, n, &used, &ev) == NACME_ERR_STATE);
                o->rc = rc;
                put(o, "E", 1);
                put(o, &rc, sizeof rc);
                break;
            }
            if (ev.type == NACME_HTTP_NEED_MORE) {
                CHECK(pos + used == n);
                break;
            }
            if (ev.type == NACME_HTTP_HEADER) {
                CHECK(ev.name_len > 0 && ev.name_len + ev.value_len < cap);
                CHECK(ev.name >= line && ev.name + ev.name_len <= line + cap);
                CHECK(ev.value >= ev.name + ev.name_len + 1 && ev.value + ev.value_len <= line + cap);
                for (size_t i = 0; i < ev.name_len; i++) CHECK(is_tchar(ev.name[i]));
                CHECK(ev.value_len == 0 || (!is_ows(ev.value[0]) && !is_ows(ev.value[ev.value_len - 1])));
                for (size_t i = 0; i < ev.value_len; i++) {
                    unsigned char c = (unsigned char)ev.value[i];
                    CHECK(c >= 0x20 || c == '\t');
                    CHECK(c != 0x7f);
                }
                put(o, "H", 1);
                put(o, ev.name, ev.name_len);
                put(o, ":", 1);
                put(o, ev.value, ev.value_len);
                put(o, "\n", 1);
                if (helpers) check_value(ev.value, ev.value_len);
            } else if (ev.type == NACME_HTTP_HEADERS_DONE) {
                CHECK(p.status >= 200 && p.status <= 599);
                CHECK(!(p.chunked && p.has_length));
                put(o, "D", 1);
            } else if (ev.type == NACME_HTTP_BODY) {
                CHECK(ev.len > 0 && ev.len <= used);
                CHECK(ev.data >= piece + pos && ev.data + ev.len == piece + pos + used);
                CHECK(!head && p.status != 204 && p.status != 304);
                o->body += ev.len;
                if (p.has_length) CHECK(o->body <= p.content_length);
                put(o, ev.data, ev.len);
            } else {
                CHECK(ev.type == NACME_HTTP_DONE);
                o->done = true;
                o->keep_alive = p.keep_alive;
                bool no_body = head || p.status == 204 || p.status == 304;
                if (p.has_length && !no_body) CHECK(o->body == p.content_length);
                if (no_body) CHECK(o->body == 0);
                if (p.keep_alive) CHECK(p.has_length || p.chunked || no_body);
                CHECK(nacme_http_parse(&p, piece, n, &used, &ev) == NACME_ERR_STATE);
                put(o, "Z", 1);
                put(o, &p.keep_alive, 1);
                break;
            }
            pos += used;
        }
        free(piece);
        if (end == size) break;
        start = end;
    }
    if (!o->done && o->rc == 0) {
        nacme_http_event_t ev;
        int rc = nacme_http_parse_eof(&p, &ev);
        CHECK(rc == NACME_OK || rc == NACME_ERR_HTTP_TRUNCATED);
        if (rc == NACME_OK) {
            CHECK(ev.type == NACME_HTTP_DONE && !p.keep_alive);
            if (p.has_length && !head && p.status != 204 && p.status != 304)
                CHECK(o->body == p.content_length);
        }
        put(o, "F", 1);
        put(o, &rc, sizeof rc);
    }
    free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT) return 0;
    /* cut points and options from an FNV-1a hash of the input */
    uint64_t h = 1469598103934665603u;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 1099511628211u;
    size_t cuts[2];
    cuts[0] = (size_t)(h % (size + 1));
    cuts[1] = cuts[0] + (size_t)((h >> 24) % (size - cuts[0] + 1));
    bool head = ((h >> 56) & 7) == 0;
    size_t cap = ((h >> 59) & 3) == 0 ? 12 + (size_t)((h >> 40) & 63) : NACME_HTTP_LINE_MAX;

    size_t obuf = 2 * size + 64;
    out_t a = {0}, b = {0};
    a.buf = malloc(obuf);
    a.cap = obuf;
    b.buf = malloc(obuf);
    b.cap = obuf;
    run(data, size, head, cap, cuts, 2, false, &a, true);
    run(data, size, head, cap, NULL, 0, true, &b, false);
    CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
    CHECK(a.used == b.used && a.rc == b.rc && a.done == b.done && a.keep_alive == b.keep_alive);
    CHECK(a.used <= size);
    free(a.buf);
    free(b.buf);
    return 0;
}
