/*
 * https URL parser (RFC 3986 subset ACME needs).
 */
#ifndef NACME_URL_H
#define NACME_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest host accepted (a DNS name is at most 253 characters). */
#define NACME_HOST_MAX 253

typedef struct nacme_url {
    const char *host;   /* points into the input; brackets of an IPv6 literal removed */
    size_t host_len;
    uint16_t port;      /* 443 when absent */
    bool host_is_ipv6;  /* host was a bracketed IPv6 literal */
    bool host_is_ipv4;  /* host is a dotted-quad IPv4 address */
    const char *path;   /* from the first '/' (query included, fragment dropped); "/" when empty */
    size_t path_len;
} nacme_url_t;

/*
 * nacme_url_parse() - split an absolute https URL of len bytes.
 * @url: the URL (need not be NUL-terminated; exactly len bytes are read).
 * @out: the parts, pointing into url; written only on success.
 *
 * Accepted: scheme "https" in any case; host a name (labels of 1..63
 * letters, digits or '-', no empty label, no trailing dot, no
 * percent-encoding), a dotted-quad IPv4 address (four parts 0..255, no
 * leading zeros) or a bracketed RFC 3986 IPv6 literal (hex groups, one
 * "::" at most, an optional embedded IPv4 at the end; no zone ID, no
 * IPvFuture); a decimal port 1..65535, 443 when absent. The path runs from
 * the first '/' after the host, query included, fragment dropped; an
 * absent path is "/" (a static string). A name whose last label starts
 * with a digit must be an IPv4 address ("1.2.3", "0x7f.1", "01.2.3.4" are
 * rejected: resolvers would read them as other addresses).
 *
 * Return: NACME_OK;
 * NACME_ERR_ARG when url or out is NULL;
 * NACME_ERR_TOO_LARGE when len exceeds NACME_URL_MAX (checked before the bytes) or the
 * host NACME_HOST_MAX;
 * NACME_ERR_URL for a control character, space, DEL, non-ASCII byte or '\\'
 * anywhere (checked before the scheme), "https:" not followed by "//", or a
 * malformed host, IP literal or port (empty, 0, above 65535, not digits), or
 * a query without a path ("https://host?q": the path points into the input,
 * so it cannot become "/?q");
 * NACME_ERR_URL_SCHEME for any other scheme or an '@' (userinfo) in the
 * authority.
 */
int nacme_url_parse(const char *url, size_t len, nacme_url_t *out);

/*
 * nacme_url_same_origin() - true when both URLs have the same host (ASCII
 * case-insensitive, compared as text: "[::1]" and "[0::1]" differ) and
 * port. False when either is NULL.
 */
bool nacme_url_same_origin(const nacme_url_t *a, const nacme_url_t *b);

#ifdef __cplusplus
}
#endif

#endif /* NACME_URL_H */
