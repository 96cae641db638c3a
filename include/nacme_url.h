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
 * Return NACME_OK, NACME_ERR_URL_SCHEME for any other scheme or userinfo,
 * NACME_ERR_URL for a malformed authority (bad port, bad IP literal, empty
 * or invalid host, control characters or spaces anywhere), NACME_ERR_TOO_LARGE
 * when the URL is longer than NACME_URL_MAX or the host than NACME_HOST_MAX.
 */
int nacme_url_parse(const char *url, size_t len, nacme_url_t *out);

/*
 * nacme_url_same_origin() - true when both URLs have the same host (case
 * insensitive) and port.
 */
bool nacme_url_same_origin(const nacme_url_t *a, const nacme_url_t *b);

#ifdef __cplusplus
}
#endif

#endif /* NACME_URL_H */
