/* The http-01 responder's request reader (nacme_http01_parse.h). */
#include "nacme_http01_parse.h"

#include <string.h>

enum { ST_LINE = 0, ST_HEADERS, ST_DONE };

void nacme_http01_req_init(nacme_http01_req_t *r)
{
    if (r == NULL) return;
    memset(r, 0, sizeof *r);
}

static bool b64url_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

static bool starts_with_ci(const char *s, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    if (n < p) return false;
    for (size_t i = 0; i < p; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

/* Decide the answer from the request line r->line[0..line_len). */
static uint16_t judge(nacme_http01_req_t *r)
{
    const char *l = r->line;
    size_t n = r->line_len;
    const char *sp1 = memchr(l, ' ', n);
    if (sp1 == NULL) return 400;
    const char *target = sp1 + 1;
    const char *sp2 = memchr(target, ' ', n - (size_t)(target - l));
    if (sp2 == NULL) return 400;
    const char *version = sp2 + 1;
    size_t method_len = (size_t)(sp1 - l);
    size_t target_len = (size_t)(sp2 - target);
    size_t version_len = n - (size_t)(version - l);
    if (method_len == 0 || target_len == 0 || memchr(version, ' ', version_len) != NULL) return 400;
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)l[i] < 0x21u && l[i] != ' ') return 400; /* control characters, tabs */
        if ((unsigned char)l[i] == 0x7fu) return 400;
    }
    if (version_len != 8 || (memcmp(version, "HTTP/1.1", 8) != 0 && memcmp(version, "HTTP/1.0", 8) != 0)) {
        return 400;
    }
    /* absolute form: drop "http://authority" */
    if (target[0] != '/') {
        if (!starts_with_ci(target, target_len, "http://")) return 400;
        const char *path = memchr(target + 7, '/', target_len - 7);
        if (path == NULL) return 400;
        target_len -= (size_t)(path - target);
        target = path;
    }
    if (method_len == 4 && memcmp(l, "HEAD", 4) == 0) {
        r->head = true;
    } else if (method_len != 3 || memcmp(l, "GET", 3) != 0) {
        return 405;
    }
    const char *q = memchr(target, '?', target_len);
    if (q != NULL) target_len = (size_t)(q - target);
    const size_t plen = sizeof NACME_HTTP01_PREFIX - 1u;
    if (target_len <= plen || target_len - plen > NACME_HTTP01_TOKEN_MAX ||
        memcmp(target, NACME_HTTP01_PREFIX, plen) != 0) {
        return 404;
    }
    for (size_t i = plen; i < target_len; i++) {
        if (!b64url_char(target[i])) return 404;
    }
    r->token = target + plen;
    r->token_len = target_len - plen;
    return 0;
}

static int finish(nacme_http01_req_t *r, uint16_t status)
{
    r->status = status;
    r->state = ST_DONE;
    return NACME_OK;
}

int nacme_http01_req_feed(nacme_http01_req_t *r, const uint8_t *data, size_t len, size_t *used)
{
    if (r == NULL || used == NULL || (data == NULL && len > 0)) return NACME_ERR_ARG;
    *used = 0;
    if (r->state == ST_DONE) return NACME_OK;
    for (size_t i = 0; i < len; i++) {
        char c = (char)data[i];
        *used = i + 1u;
        if (++r->head_len > NACME_HTTP01_HEAD_MAX) return finish(r, 431);
        if (r->state == ST_LINE) {
            if (c == '\n') {
                if (r->line_len > 0 && r->line[r->line_len - 1u] == '\r') r->line_len--;
                if (r->line_len == 0) continue; /* an empty line before the request line */
                r->state = ST_HEADERS;
                r->line_start = true;
                continue;
            }
            if (r->line_len >= NACME_HTTP01_LINE_MAX) return finish(r, 414);
            r->line[r->line_len++] = c;
            continue;
        }
        /* headers: an empty line (LF or CRLF right after a line end) ends the head */
        if (c == '\n') {
            if (r->line_start) return finish(r, judge(r));
            r->line_start = true;
        } else if (c != '\r' || !r->line_start) {
            r->line_start = false;
        }
    }
    return NACME_PENDING;
}
