/*
 * Base64url (RFC 4648 section 5, no padding) and standard base64 (section 4,
 * padded, for PEM). One-shot functions over caller buffers; the incremental
 * encoder lives in the string builder (nacme_sb.h).
 */
#ifndef NACME_B64_H
#define NACME_B64_H

#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* nacme_b64url_encoded_len() - characters base64url needs for n bytes (no padding). */
size_t nacme_b64url_encoded_len(size_t n);

/*
 * nacme_b64url_encode() - encode in[0..n) as base64url without padding into
 * out[0..cap), NUL-terminated when room is left. *out_len gets the length
 * without NUL. Return NACME_OK, or NACME_ERR_TOO_LARGE when cap is smaller
 * than nacme_b64url_encoded_len(n) (nothing written then).
 */
int nacme_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len);

/*
 * nacme_b64url_decode() - decode base64url text (no padding, no whitespace)
 * into out[0..cap). Return NACME_OK, NACME_ERR_BASE64 for a character outside
 * the alphabet, padding, a length of 4k+1, or non-zero trailing bits, and
 * NACME_ERR_TOO_LARGE when the result does not fit.
 */
int nacme_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len);

/* nacme_b64_encoded_len() - characters padded standard base64 needs for n bytes. */
size_t nacme_b64_encoded_len(size_t n);

/* nacme_b64_encode() - like nacme_b64url_encode() with the standard alphabet and '=' padding. */
int nacme_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len);

/*
 * nacme_b64_decode() - decode padded standard base64 (length a multiple of
 * 4, '=' only at the end). Errors as nacme_b64url_decode().
 */
int nacme_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len);

#ifdef __cplusplus
}
#endif

#endif /* NACME_B64_H */
