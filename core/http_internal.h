/*
 * Private helpers shared by the HTTP files (http_parser.c, http_request.c,
 * http_headers.c). Not installed, not API.
 */
#ifndef NACME_HTTP_INTERNAL_H
#define NACME_HTTP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the leading run of token characters (RFC 9110 tchar) of s[0..n). */
size_t nacme_http_token_len(const char *s, size_t n);

/* Remove leading and trailing optional whitespace (SP, HTAB) from *s and *n. */
void nacme_http_trim(const char **s, size_t *n);

/* Decimal digits only (at least one), no overflow: true with *out. */
bool nacme_http_parse_u64(const char *s, size_t n, uint64_t *out);

#endif /* NACME_HTTP_INTERNAL_H */
