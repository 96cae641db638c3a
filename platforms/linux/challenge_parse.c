/*
 * What the responders read from the network, parsed without I/O: the head
 * of an HTTP request (http-01) and a TLS ClientHello (tls-alpn-01). Every
 * read is bounds-checked; tests/fuzz/fuzz_responders.c fuzzes both.
 */
#include <string.h>

#include "challenge_internal.h"

#define PREFIX "/.well-known/acme-challenge/"
#define PREFIX_LEN (sizeof PREFIX - 1)

/* ---- HTTP request head ------------------------------------------------------------ */

static bool tchar(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
           (ch != '\0' && strchr("!#$%&'*+-.^_`|~", ch) != NULL);
}

/* Length of the line at b[0..n) without its "\n" or "\r\n"; its end (after "\n") in *next. */
static size_t line_at(const char *b, size_t n, size_t *next)
{
    const char *e = memchr(b, '\n', n);
    size_t l = e ? (size_t)(e - b) : n;
    *next = e ? l + 1 : n;
    if (l > 0 && b[l - 1] == '\r') l--;
    return l;
}

size_t nacme_linux_http_head_len(const char *b, size_t n)
{
    size_t p = 0;
    while (p < n) {
        size_t next;
        size_t l = line_at(b + p, n - p, &next);
        if (p + next == n && b[n - 1] != '\n') return 0; /* a line still arriving */
        if (l == 0 && p > 0) return p + next;
        p += next;
    }
    return 0;
}

int nacme_linux_http_parse(const char *b, size_t n, nacme_linux_http_req_t *req)
{
    memset(req, 0, sizeof *req);
    size_t next;
    size_t ll = line_at(b, n, &next);
    /* request line: METHOD SP target SP HTTP/1.x */
    size_t i = 0;
    while (i < ll && tchar(b[i])) i++;
    size_t mlen = i;
    if (mlen == 0 || i >= ll || b[i] != ' ') return 400;
    size_t ts = ++i;
    while (i < ll && b[i] > ' ' && b[i] < 0x7f) i++;
    size_t te = i;
    if (te == ts || i >= ll || b[i] != ' ') return 400;
    i++;
    if (ll - i != 8 || memcmp(b + i, "HTTP/1.", 7) != 0 || (b[i + 7] != '0' && b[i + 7] != '1')) return 400;
    /* header lines: a token name, a colon, a value without control characters */
    for (size_t p = next; p < n;) {
        size_t l = line_at(b + p, n - p, &next);
        if (l == 0) break;
        size_t k = 0;
        while (k < l && tchar(b[p + k])) k++;
        if (k == 0 || k >= l || b[p + k] != ':') return 400;
        for (size_t j = k + 1; j < l; j++) {
            unsigned char ch = (unsigned char)b[p + j];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) return 400;
        }
        p += next;
    }
    req->head = mlen == 4 && memcmp(b, "HEAD", 4) == 0;
    if (!req->head && !(mlen == 3 && memcmp(b, "GET", 3) == 0)) return 405;
    const char *t = b + ts;
    size_t tl = te - ts;
    if (tl > 7 && (memcmp(t, "http://", 7) == 0 || memcmp(t, "HTTP://", 7) == 0)) {
        /* absolute form: the path after the authority */
        const char *slash = memchr(t + 7, '/', tl - 7);
        if (slash == NULL) return 404;
        tl -= (size_t)(slash - t);
        t = slash;
    } else if (t[0] != '/') {
        return 400;
    }
    const char *q = memchr(t, '?', tl);
    if (q != NULL) tl = (size_t)(q - t);
    if (tl <= PREFIX_LEN || memcmp(t, PREFIX, PREFIX_LEN) != 0) return 404;
    req->token = t + PREFIX_LEN;
    req->token_len = tl - PREFIX_LEN;
    return 0;
}

/* ---- TLS ClientHello ------------------------------------------------------------------ */

/* A bounds-checked reader: a short read sets bad and stops at the end. */
typedef struct rd {
    const uint8_t *p;
    size_t n;
    size_t off;
    bool bad;
} rd_t;

static const uint8_t *take(rd_t *r, size_t len)
{
    if (r->bad || r->n - r->off < len) {
        r->bad = true;
        r->off = r->n;
        return NULL;
    }
    const uint8_t *s = r->p + r->off;
    r->off += len;
    return s;
}

static size_t get(rd_t *r, size_t bytes)
{
    const uint8_t *s = take(r, bytes);
    size_t v = 0;
    for (size_t i = 0; s != NULL && i < bytes; i++) v = (v << 8) | s[i];
    return v;
}

/* A sub-reader over the next len bytes of r. */
static rd_t sub(rd_t *r, size_t len)
{
    const uint8_t *s = take(r, len);
    return (rd_t){.p = s, .n = s ? len : 0, .off = 0, .bad = s == NULL};
}

bool nacme_linux_tls_hello(const uint8_t *rec, size_t n, nacme_linux_tls_hello_t *out)
{
    memset(out, 0, sizeof *out);
    rd_t r = {.p = rec, .n = n};
    take(&r, 5); /* record header, checked by the caller */
    if (get(&r, 1) != 1) return false; /* client_hello */
    size_t hlen = get(&r, 3);
    rd_t b = sub(&r, hlen); /* a ClientHello split over records is refused */
    take(&b, 2 + 32);      /* legacy_version, random */
    take(&b, get(&b, 1));  /* session id */
    take(&b, get(&b, 2));  /* cipher suites */
    take(&b, get(&b, 1));  /* compression methods */
    if (b.bad) return false;
    if (b.off == b.n) return true; /* no extensions */
    rd_t e = sub(&b, get(&b, 2));
    if (b.bad || b.off != b.n) return false;
    /* bounded: every round consumes at least the 4 bytes of an extension header */
    while (e.off < e.n && !e.bad) {
        size_t type = get(&e, 2);
        rd_t x = sub(&e, get(&e, 2));
        if (type == 0 || type == 16) { /* server_name, ALPN */
            rd_t list = sub(&x, get(&x, 2));
            if (x.off != x.n) x.bad = true;
            while (list.off < list.n && !list.bad) {
                size_t name_type = type == 0 ? get(&list, 1) : 0;
                size_t len = get(&list, type == 0 ? 2 : 1);
                const uint8_t *name = take(&list, len);
                if (name == NULL) break;
                if (type == 0 && name_type == 0 && out->sni == NULL) {
                    out->sni = name;
                    out->sni_len = len;
                }
                if (type == 16 && len == strlen(NACME_LINUX_ACME_TLS_1) &&
                    memcmp(name, NACME_LINUX_ACME_TLS_1, len) == 0)
                    out->acme = true;
            }
            if (list.bad) x.bad = true;
        }
        if (x.bad) return false;
    }
    return !e.bad;
}
