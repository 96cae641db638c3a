/* Private DER helpers shared by the CSR and the tls-alpn-01 certificate. */
#ifndef NACME_X509_WRITE_H
#define NACME_X509_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_der.h"

extern const uint8_t nacme_oid_subject_alt_name[3];

/* AlgorithmIdentifier ecdsa-with-SHA256 (no parameters, RFC 5758). */
void nacme_der_ecdsa_sha256_alg(nacme_der_t *d);

/* signatureAlgorithm (ecdsa-with-SHA256) and signatureValue BIT STRING after a TBS. */
void nacme_der_signature_tail(nacme_der_t *d, const uint8_t rs[64]);

/* Name with a single CN, or the empty Name when cn is NULL. */
void nacme_der_name_cn(nacme_der_t *d, const char *cn, size_t len);

/*
 * Wrap the extension value written since value_mark into
 * Extension { extnID, [critical TRUE], extnValue OCTET STRING }.
 */
void nacme_der_extension(nacme_der_t *d, const uint8_t *oid, size_t oid_len, bool critical,
                         size_t value_mark);

/* A certificate time: UTCTime for 1950..2049, else GeneralizedTime. */
int nacme_der_time(nacme_der_t *d, int64_t t);

#endif
