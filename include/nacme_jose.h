/*
 * JOSE for ACME: the JWK of a P-256 key and its RFC 7638 thumbprint, the
 * flattened JWS of RFC 8555 section 6.2 (ES256 with raw r||s), the External
 * Account Binding inner JWS (HS256, section 7.3.4) and the keyChange inner
 * JWS (section 7.3.5), and the challenge material derived from the account
 * key (key authorization, dns-01 TXT value).
 *
 * A JWS is written straight into the request buffer through the string
 * builder, and its signing input is hashed by the crypto port while it is
 * written. Because a signer may answer "pending", writing a JWS is split in
 * two: nacme_jws_begin() .. payload .. nacme_jws_finish_payload() gives the
 * digest; once the signature exists, nacme_jws_put_signature() completes the
 * object. Nothing is written twice.
 */
#ifndef NACME_JOSE_H
#define NACME_JOSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"
#include "nacme_json.h"
#include "nacme_port.h"
#include "nacme_sb.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * nacme_sha256() - SHA-256 of data[0..len) through the crypto port, using
 * the caller's state st. Return NACME_OK or the port's error.
 */
int nacme_sha256(const nacme_crypto_t *crypto, nacme_sha256_t *st, const uint8_t *data, size_t len,
                 uint8_t digest[32]);

/* base64url of a 32-byte SHA-256 value (43 characters) plus NUL. */
#define NACME_B64_SHA256_LEN 43
/* A JWK of P-256: {"crv":"P-256","kty":"EC","x":"<43>","y":"<43>"} */
#define NACME_JWK_LEN 126

/*
 * nacme_jwk_write() - append the JWK of public point xy (x||y) to sb in the
 * RFC 7638 canonical form: members crv, kty, x, y in that order, no
 * whitespace. This text is both the "jwk" header value and the thumbprint
 * input.
 */
void nacme_jwk_write(nacme_sb_t *sb, const uint8_t xy[64]);

/*
 * nacme_jwk_thumbprint() - RFC 7638 thumbprint of the JWK of xy: SHA-256
 * through the crypto port, base64url-encoded into out (NACME_B64_SHA256_LEN
 * + 1 bytes, NUL-terminated). Return NACME_OK or the port's error.
 */
int nacme_jwk_thumbprint(const nacme_crypto_t *crypto, const uint8_t xy[64],
                         char out[NACME_B64_SHA256_LEN + 1]);

/* The JWS protected header: exactly one of jwk_xy and kid is set. */
typedef struct nacme_jws_header {
    const char *nonce;      /* Replay-Nonce; NULL for inner JWS that have none */
    const char *url;        /* the request URL */
    const uint8_t *jwk_xy;  /* public point for a "jwk" header (newAccount, revoke by cert key) */
    const char *kid;        /* account URL for a "kid" header */
} nacme_jws_header_t;

/* State of one JWS being written. */
typedef struct nacme_jws {
    nacme_sb_t *sb;
    const nacme_crypto_t *crypto;
    nacme_sha256_t *sha;
    int err;
} nacme_jws_t;

/*
 * nacme_jws_begin() - write `{"protected":"<b64 header>","payload":"` and
 * open the payload's base64url layer; the signing input is hashed as it is
 * written (sha is the caller's hash state). The caller then writes the
 * payload JSON into sb (nothing for POST-as-GET) and calls
 * nacme_jws_finish_payload(). Errors are reported by that call.
 */
void nacme_jws_begin(nacme_jws_t *jws, nacme_sb_t *sb, const nacme_crypto_t *crypto,
                     nacme_sha256_t *sha, const nacme_jws_header_t *hdr);

/*
 * nacme_jws_finish_payload() - close the payload, write `","signature":"`
 * and give the SHA-256 digest of the signing input. Return NACME_OK, the
 * builder's error (NACME_ERR_TOO_LARGE) or the crypto port's.
 */
int nacme_jws_finish_payload(nacme_jws_t *jws, uint8_t digest[32]);

/*
 * nacme_jws_put_signature() - write base64url(r||s) and `"}`. Return
 * NACME_OK or the builder's error.
 */
int nacme_jws_put_signature(nacme_sb_t *sb, const uint8_t rs[64]);

/*
 * nacme_jws_sign_digest_input() - the digest of the signing input of a JWS
 * with header hdr and the payload written by payload_fn, computed without
 * keeping the text: it is written into scratch (which must hold it) and
 * hashed. Used for inner JWS whose signature must exist before the outer
 * request is written (keyChange). payload_fn may be NULL (empty payload).
 */
typedef void (*nacme_jws_payload_fn)(void *ctx, nacme_sb_t *sb);
int nacme_jws_digest(const nacme_crypto_t *crypto, nacme_sha256_t *sha, const nacme_jws_header_t *hdr,
                     nacme_jws_payload_fn payload_fn, void *payload_ctx, char *scratch,
                     size_t scratch_cap, uint8_t digest[32]);

/*
 * nacme_jws_write() - write a complete JWS whose signature is already known
 * (an inner JWS written a second time, now inside the outer payload):
 * header, payload from payload_fn, signature. The text is identical to the
 * one nacme_jws_digest() hashed.
 */
void nacme_jws_write(nacme_sb_t *sb, const nacme_jws_header_t *hdr, nacme_jws_payload_fn payload_fn,
                     void *payload_ctx, const uint8_t rs[64]);

/* ---- External Account Binding (RFC 8555 section 7.3.4) -------------------- */

/*
 * nacme_eab_mac() - HMAC-SHA256 under mac_key of the EAB inner JWS signing
 * input: base64url({"alg":"HS256","kid":kid,"url":url}) "." base64url(JWK of
 * xy). scratch holds the text while it is hashed. Return NACME_OK, the
 * port's error or NACME_ERR_TOO_LARGE.
 */
int nacme_eab_mac(const nacme_crypto_t *crypto, const char *kid, const char *url,
                  const uint8_t xy[64], const uint8_t *mac_key, size_t mac_key_len, char *scratch,
                  size_t scratch_cap, uint8_t mac[32]);

/*
 * nacme_eab_write() - write the EAB inner JWS object
 * {"protected":...,"payload":...,"signature":base64url(mac)} into sb (the
 * value of "externalAccountBinding"); same text as nacme_eab_mac() hashed.
 */
void nacme_eab_write(nacme_sb_t *sb, const char *kid, const char *url, const uint8_t xy[64],
                     const uint8_t mac[32]);

/* ---- challenge material ---------------------------------------------------------- */

/*
 * nacme_key_authorization() - token "." thumbprint into out (NUL-terminated).
 * Return NACME_OK, NACME_ERR_TOO_LARGE, or NACME_ERR_ARG for a token with
 * characters outside base64url (a token is used in a URL path and a file
 * name: RFC 8555 section 8.1 requires base64url).
 */
int nacme_key_authorization(const char *token, const char *thumbprint, char *out, size_t cap);

/*
 * nacme_dns01_value() - base64url(SHA-256(key authorization)) into out
 * (NACME_B64_SHA256_LEN + 1 bytes).
 */
int nacme_dns01_value(const nacme_crypto_t *crypto, const char *key_authorization,
                      char out[NACME_B64_SHA256_LEN + 1]);

#ifdef __cplusplus
}
#endif

#endif /* NACME_JOSE_H */
