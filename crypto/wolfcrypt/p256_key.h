/*
 * P-256 private keys in their standard encodings: a strict reader of RFC 5915
 * ECPrivateKey ("EC PRIVATE KEY", SEC1) and RFC 5208 PrivateKeyInfo
 * (PKCS#8, "PRIVATE KEY") DER, and the scalar range check.
 *
 * Internal to the crypto backends; no crypto library needed, so it is also
 * fuzzed on its own (tests/fuzz/fuzz_p256_key.c).
 */
#ifndef NACME_P256_KEY_H
#define NACME_P256_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

/* What a key file holds: the private scalar and, when present, the public point. */
typedef struct nacme_p256_key_der {
    uint8_t d[32];  /* private scalar, big-endian, left-padded */
    bool has_pub;   /* the file carries the public key */
    uint8_t xy[64]; /* its point x||y (uncompressed form) when has_pub */
} nacme_p256_key_der_t;

/*
 * nacme_p256_scalar_valid() - whether d (32 bytes, big-endian) is a valid
 * P-256 private scalar, 0 < d < n. Runs in time independent of d.
 */
bool nacme_p256_scalar_valid(const uint8_t d[32]);

/*
 * nacme_p256_key_parse() - read a P-256 private key from der[0..len):
 *  - SEC1 ECPrivateKey, version 1, with the named curve prime256v1 in its
 *    [0] parameters (required: without it the curve would be a guess);
 *  - PKCS#8 PrivateKeyInfo, version 0, algorithm id-ecPublicKey with
 *    prime256v1, wrapping an ECPrivateKey whose parameters, when present,
 *    also name prime256v1; attributes are ignored.
 * The private key octet string has 1..32 bytes; the optional public key must
 * be an uncompressed point (its value is not checked here). The DER must be
 * strict (minimal lengths) and span exactly len bytes.
 *
 * Return NACME_OK with *out filled, NACME_ERR_ARG for NULL pointers, or
 * NACME_ERR_KEY for anything else: malformed DER, another curve or key
 * type, explicit curve parameters, a compressed point, encrypted PKCS#8.
 * The scalar range is not checked (nacme_p256_scalar_valid()). On error
 * *out is wiped.
 */
int nacme_p256_key_parse(const uint8_t *der, size_t len, nacme_p256_key_der_t *out);

#endif /* NACME_P256_KEY_H */
