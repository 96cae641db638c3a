/*
 * libFuzzer harness: nacme_url_parse() on arbitrary input. Checks that a
 * result points inside the input, respects the limits and forbidden
 * characters, and that the URL rebuilt from it ("https://" host port path)
 * parses to the same origin and path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int has_byte(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++) {
        if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f || strchr(set, s[i]) != NULL) return 1;
    }
    return 0;
}

/* Append the decimal port. */
static size_t put_port(char *out, unsigned v)
{
    char d[5];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0);
    for (size_t i = 0; i < n; i++) out[i] = d[n - 1 - i];
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    nacme_url_t u;
    memset(&u, 0, sizeof u);
    int rc = nacme_url_parse(s, size, &u);
    if (rc != NACME_OK) {
        if (rc != NACME_ERR_URL && rc != NACME_ERR_URL_SCHEME && rc != NACME_ERR_TOO_LARGE) abort();
        if (rc == NACME_ERR_TOO_LARGE && size <= NACME_URL_MAX) abort(); /* host limit is unreachable by default */
        if (size > NACME_URL_MAX && rc != NACME_ERR_TOO_LARGE) abort();
        return 0;
    }
    if (size > NACME_URL_MAX || size < 9) abort();
    if (u.host < s + 8 || u.host + u.host_len > s + size || u.host_len == 0 || u.host_len > NACME_HOST_MAX) abort();
    if (u.port == 0) abort();
    if (u.host_is_ipv4 && u.host_is_ipv6) abort();
    if (has_byte(u.host, u.host_len, u.host_is_ipv6 ? "@/?#[]%" : "@/?#[]%:_")) abort();
    if (u.path_len == 0 || u.path[0] != '/' || memchr(u.path, '#', u.path_len) != NULL) abort();
    if (!(u.path_len == 1 && u.path[0] == '/') && (u.path < s || u.path + u.path_len > s + size)) abort();
    if (has_byte(u.path, u.path_len, "\\")) abort();
    if (!nacme_url_same_origin(&u, &u)) abort();

    /* rebuild: https://host:port/path (brackets around IPv6) and parse again */
    char buf[NACME_URL_MAX + 16];
    size_t o = 0;
    memcpy(buf, "https://", 8);
    o = 8;
    if (u.host_is_ipv6) buf[o++] = '[';
    memcpy(buf + o, u.host, u.host_len);
    o += u.host_len;
    if (u.host_is_ipv6) buf[o++] = ']';
    buf[o++] = ':';
    o += put_port(buf + o, u.port);
    if (o + u.path_len > sizeof buf) abort();
    memcpy(buf + o, u.path, u.path_len);
    o += u.path_len;
    nacme_url_t v;
    rc = nacme_url_parse(buf, o, &v);
    if (o > NACME_URL_MAX) {
        /* an explicit ":443" or "/" may push it over the limit */
        if (rc != NACME_ERR_TOO_LARGE) abort();
        return 0;
    }
    if (rc != NACME_OK) abort();
    if (!nacme_url_same_origin(&u, &v) || v.port != u.port || v.host_len != u.host_len ||
        memcmp(v.host, u.host, u.host_len) != 0 || v.host_is_ipv4 != u.host_is_ipv4 ||
        v.host_is_ipv6 != u.host_is_ipv6 || v.path_len != u.path_len || memcmp(v.path, u.path, u.path_len) != 0) {
        abort();
    }
    return 0;
}
