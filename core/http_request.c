/* HTTP/1.1 request line and headers, written into a string builder. */
#include "nacme_http.h"

#include <string.h>

#include "http_internal.h"

/*
 * True when s has no control character (CR, LF, ...) nor DEL, and no SP or
 * HTAB unless spaces is set: nothing that could end a line or a field early.
 */
static bool clean(const char *s, size_t n, bool spaces)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c == 0x7f || (c < 0x20 && !(spaces && c == '\t')) || (c == ' ' && !spaces)) return false;
    }
    return true;
}

int nacme_http_write_request(nacme_sb_t *sb, const nacme_http_request_t *req)
{
    if (sb == NULL || req == NULL || req->method == NULL || req->host == NULL || req->path == NULL)
        return NACME_ERR_ARG;
    size_t mlen = strlen(req->method);
    size_t hlen = req->host_len ? req->host_len : strlen(req->host);
    size_t plen = req->path_len ? req->path_len : strlen(req->path);
    if (mlen == 0 || nacme_http_token_len(req->method, mlen) != mlen || hlen == 0 ||
        !clean(req->host, hlen, false) || plen == 0 || req->path[0] != '/' || !clean(req->path, plen, false) ||
        req->port == 0 || (req->accept != NULL && !clean(req->accept, strlen(req->accept), true)) ||
        (req->content_type != NULL && !clean(req->content_type, strlen(req->content_type), true)))
        return NACME_ERR_ARG;

    nacme_sb_puts(sb, req->method);
    nacme_sb_putc(sb, ' ');
    nacme_sb_put(sb, req->path, plen);
    nacme_sb_puts(sb, " HTTP/1.1\r\nHost: ");
    if (memchr(req->host, ':', hlen) != NULL) { /* IPv6 literal */
        nacme_sb_putc(sb, '[');
        nacme_sb_put(sb, req->host, hlen);
        nacme_sb_putc(sb, ']');
    } else {
        nacme_sb_put(sb, req->host, hlen);
    }
    if (req->port != 443) {
        nacme_sb_putc(sb, ':');
        nacme_sb_put_u64(sb, req->port);
    }
    nacme_sb_puts(sb, "\r\nUser-Agent: nanoacme/" NACME_VERSION "\r\n");
    if (req->accept != NULL) {
        nacme_sb_puts(sb, "Accept: ");
        nacme_sb_puts(sb, req->accept);
        nacme_sb_puts(sb, "\r\n");
    }
    if (req->content_type != NULL) {
        nacme_sb_puts(sb, "Content-Type: ");
        nacme_sb_puts(sb, req->content_type);
        nacme_sb_puts(sb, "\r\nContent-Length: ");
        nacme_sb_put_u64(sb, req->content_length);
        nacme_sb_puts(sb, "\r\n");
    }
    nacme_sb_puts(sb, "\r\n");
    return nacme_sb_status(sb);
}
