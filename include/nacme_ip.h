/*
 * IP addresses in text and bytes: parsing (IP identifiers, URLs, SAN
 * comparison) and the reverse-DNS names tls-alpn-01 uses for them.
 */
#ifndef NACME_IP_H
#define NACME_IP_H

#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * nacme_ip_parse() - a textual IPv4 (dotted quad, no leading zeros) or IPv6
 * (RFC 4291 text, "::" and a trailing dotted quad allowed, no zone) address
 * into out: 4 or 16 bytes, the count into *out_len. NACME_ERR_ARG otherwise.
 */
int nacme_ip_parse(const char *text, size_t len, uint8_t out[16], size_t *out_len);

/*
 * nacme_ip_reverse_name() - the reverse-DNS name of an address (4 or 16
 * bytes): "4.3.2.1.in-addr.arpa" or the 32 nibbles ".ip6.arpa" form, the
 * SNI a CA sends when validating an IP identifier with tls-alpn-01
 * (RFC 8738 section 6). NUL-terminated; NACME_ERR_TOO_LARGE if cap is short
 * (73 bytes always suffice).
 */
int nacme_ip_reverse_name(const uint8_t *ip, size_t ip_len, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* NACME_IP_H */
