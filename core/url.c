/* https URL parsing: host (name, IPv4, bracketed IPv6), port and path. */
#include "nacme_url.h"

#include <string.h>

#include "internal.h"
#include "nacme_ip.h"

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A dotted quad (exactly) or an RFC 4291 IPv6 text address: the IP parser decides. */
static bool ip_literal(const char *s, size_t n, size_t want_len)
{
    uint8_t ip[16];
    size_t len;
    return nacme_ip_parse(s, n, ip, &len) == NACME_OK && len == want_len;
}

/*
 * Host name: labels of 1..63 letters, digits or '-' separated by '.' (no
 * empty label, so no trailing dot; no percent-encoding). A name whose last
 * label starts with a digit must be a dotted-quad IPv4 address: resolvers
 * read "1.2.3", "0x7f.1" or "010.0.0.1" as addresses too, differently.
 */
static int host_name(const char *s, size_t n, bool *is_ipv4)
{
    size_t label = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        char l = nacme_lower(c);
        if (c == '.') {
            if (label == 0) return NACME_ERR_URL;
            label = 0;
        } else if ((is_digit(c) || (l >= 'a' && l <= 'z') || c == '-') && label < 63u) {
            label++;
        } else {
            return NACME_ERR_URL;
        }
    }
    if (label == 0) return NACME_ERR_URL;
    *is_ipv4 = is_digit(s[n - label]);
    return (*is_ipv4 && !ip_literal(s, n, 4)) ? NACME_ERR_URL : NACME_OK;
}

int nacme_url_parse(const char *url, size_t len, nacme_url_t *out)
{
    nacme_url_t u;
    if (url == NULL || out == NULL) return NACME_ERR_ARG;
    if (len > NACME_URL_MAX) return NACME_ERR_TOO_LARGE;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= ' ' || c >= 0x7fu || c == '\\') return NACME_ERR_URL;
    }
    if (len < 6u || !nacme_memeq_ci(url, "https:", 6)) return NACME_ERR_URL_SCHEME;
    if (len < 8u || url[6] != '/' || url[7] != '/') return NACME_ERR_URL;

    const char *end = url + len;
    const char *auth = url + 8;
    const char *p = auth; /* end of the authority */
    while (p < end && *p != '/' && *p != '?' && *p != '#') p++;
    size_t auth_len = (size_t)(p - auth);
    if (memchr(auth, '@', auth_len) != NULL) return NACME_ERR_URL_SCHEME;

    memset(&u, 0, sizeof u);
    const char *host_end;
    const char *rest; /* after the host: ':' port, or the end of the authority */
    if (auth_len > 0 && *auth == '[') {
        host_end = memchr(auth, ']', auth_len);
        if (host_end == NULL) return NACME_ERR_URL;
        u.host = auth + 1;
        u.host_is_ipv6 = true;
        rest = host_end + 1;
    } else {
        host_end = memchr(auth, ':', auth_len);
        if (host_end == NULL) host_end = p;
        u.host = auth;
        rest = host_end;
    }
    u.host_len = (size_t)(host_end - u.host);
    if (u.host_len > NACME_HOST_MAX) return NACME_ERR_TOO_LARGE;
    if (u.host_is_ipv6 ? !ip_literal(u.host, u.host_len, 16)
                       : host_name(u.host, u.host_len, &u.host_is_ipv4) != NACME_OK) {
        return NACME_ERR_URL;
    }

    u.port = 443;
    if (rest < p) {
        if (*rest != ':' || ++rest == p) return NACME_ERR_URL; /* junk after ']', empty port */
        uint32_t v = 0;
        for (; rest < p; rest++) {
            if (!is_digit(*rest)) return NACME_ERR_URL;
            v = v * 10u + (uint32_t)(*rest - '0');
            if (v > 65535u) return NACME_ERR_URL;
        }
        if (v == 0) return NACME_ERR_URL;
        u.port = (uint16_t)v;
    }

    /* The path points into the input, so "https://host?q" (a query without
     * a path) cannot become "/?q": it is rejected. */
    if (p < end && *p == '?') return NACME_ERR_URL;
    const char *frag = p;
    while (frag < end && *frag != '#') frag++;
    if (frag == p) {
        u.path = "/";
        u.path_len = 1;
    } else {
        u.path = p;
        u.path_len = (size_t)(frag - p);
    }
    *out = u;
    return NACME_OK;
}

bool nacme_url_same_origin(const nacme_url_t *a, const nacme_url_t *b)
{
    return a != NULL && b != NULL && a->port == b->port && a->host_len == b->host_len &&
           nacme_memeq_ci(a->host, b->host, a->host_len);
}
