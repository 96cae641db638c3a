/*
 * Certificate structures nanoacme builds with the DER writer: the PKCS#10
 * CSR sent at finalize and the RFC 8737 tls-alpn-01 validation certificate,
 * plus the IP address helpers both need.
 *
 * Both are signed through the crypto port (the key may be in a secure
 * element that answers "pending"), so each is built in two passes with
 * identical bytes: first the to-be-signed part alone (hash it, sign it), then
 * the whole structure with the signature.
 */
#ifndef NACME_CERTGEN_H
#define NACME_CERTGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_der.h"
#include "nacme_error.h"
#include "nacme_ip.h"
#include "nacme_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shared pieces ----------------------------------------------------------- */

/* nacme_der_p256_spki() - SubjectPublicKeyInfo of a P-256 point x||y. */
void nacme_der_p256_spki(nacme_der_t *d, const uint8_t xy[64]);

/* nacme_der_ecdsa_sig() - ECDSA-Sig-Value SEQUENCE { r, s } from raw r||s. */
void nacme_der_ecdsa_sig(nacme_der_t *d, const uint8_t rs[64]);

/*
 * nacme_der_general_names() - GeneralNames SEQUENCE of dNSName / iPAddress
 * for ids[0..n). Return NACME_OK, NACME_ERR_ARG for an IP identifier that
 * does not parse, or the writer's error.
 */
int nacme_der_general_names(nacme_der_t *d, const nacme_identifier_t *ids, size_t n);

/* ---- CSR (PKCS#10, RFC 2986) ----------------------------------------------------- */

/*
 * nacme_csr_info() - write the CertificationRequestInfo: version 0; subject
 * CN = the first identifier when it is a DNS name of at most 64 characters,
 * else an empty subject; the P-256 public key; an extensionRequest with a
 * subjectAltName of every identifier (dNSName, iPAddress). The SHA-256 of
 * these bytes is what the certificate key signs.
 */
int nacme_csr_info(nacme_der_t *d, const nacme_identifier_t *ids, size_t n, const uint8_t xy[64]);

/*
 * nacme_csr() - write the whole CertificationRequest with the raw signature
 * rs over the info: SEQUENCE { info, ecdsa-with-SHA256, BIT STRING(DER sig) }.
 */
int nacme_csr(nacme_der_t *d, const nacme_identifier_t *ids, size_t n, const uint8_t xy[64],
              const uint8_t rs[64]);

/* ---- tls-alpn-01 certificate (RFC 8737) -------------------------------------------- */

typedef struct nacme_alpn_cert_params {
    nacme_identifier_t id;       /* the one identifier being validated */
    const uint8_t *xy;           /* public point of the certificate key */
    uint8_t key_auth_hash[32];   /* SHA-256 of the key authorization */
    int64_t not_before;          /* validity, Unix seconds */
    int64_t not_after;
    uint8_t serial[16];          /* positive serial number bytes */
} nacme_alpn_cert_params_t;

/*
 * nacme_alpn_cert_tbs() - the TBSCertificate of a self-signed certificate
 * whose subjectAltName holds exactly the identifier, with the critical
 * id-pe-acmeIdentifier extension (1.3.6.1.5.5.7.1.31) whose extnValue is the
 * DER of OCTET STRING (SHA-256 of the key authorization).
 */
int nacme_alpn_cert_tbs(nacme_der_t *d, const nacme_alpn_cert_params_t *p);

/* nacme_alpn_cert() - the whole Certificate with the raw signature over the TBS. */
int nacme_alpn_cert(nacme_der_t *d, const nacme_alpn_cert_params_t *p, const uint8_t rs[64]);

#ifdef __cplusplus
}
#endif

#endif /* NACME_CERTGEN_H */
