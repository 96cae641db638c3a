/* The RFC 8737 tls-alpn-01 validation certificate, self-signed through the port. */
#include <string.h>

#include "internal.h"
#include "nacme_certgen.h"
#include "x509_write.h"

/* id-pe-acmeIdentifier 1.3.6.1.5.5.7.1.31 */
static const uint8_t oid_acme_identifier[] = {0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x1f};
static const char issuer_cn[] = "nanoacme tls-alpn-01";

int nacme_alpn_cert_tbs(nacme_der_t *d, const nacme_alpn_cert_params_t *p)
{
    if (p->xy == NULL || p->id.value == NULL || p->not_after < p->not_before) return NACME_ERR_ARG;
    size_t tbs = nacme_der_mark(d);

    /* [3] Extensions: subjectAltName, then the critical acmeIdentifier */
    size_t explicit3 = nacme_der_mark(d);
    size_t exts = nacme_der_mark(d);
    size_t acme = nacme_der_mark(d);
    nacme_der_octet_string(d, p->key_auth_hash, 32); /* Authorization ::= OCTET STRING (SIZE (32)) */
    nacme_der_extension(d, oid_acme_identifier, sizeof oid_acme_identifier, true, acme);
    size_t san = nacme_der_mark(d);
    int rc = nacme_der_general_names(d, &p->id, 1);
    if (rc != NACME_OK) return rc;
    nacme_der_extension(d, nacme_oid_subject_alt_name, sizeof nacme_oid_subject_alt_name, false, san);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, exts);
    nacme_der_wrap(d, NACME_DER_CONTEXT_CONSTRUCTED(3), explicit3);

    nacme_der_p256_spki(d, p->xy);
    nacme_der_name_cn(d, issuer_cn, sizeof issuer_cn - 1u); /* subject = issuer: self-signed */
    size_t validity = nacme_der_mark(d);
    if ((rc = nacme_der_time(d, p->not_after)) != NACME_OK) return rc;
    if ((rc = nacme_der_time(d, p->not_before)) != NACME_OK) return rc;
    nacme_der_wrap(d, NACME_DER_SEQUENCE, validity);
    nacme_der_name_cn(d, issuer_cn, sizeof issuer_cn - 1u);
    nacme_der_ecdsa_sha256_alg(d); /* signature algorithm, repeated inside the TBS */
    uint8_t serial[16];
    memcpy(serial, p->serial, sizeof serial);
    serial[0] &= 0x7fu; /* positive */
    serial[0] |= 0x40u; /* and exactly 16 bytes long */
    nacme_der_integer(d, serial, sizeof serial);
    size_t version = nacme_der_mark(d);
    nacme_der_integer_u32(d, 2); /* v3 */
    nacme_der_wrap(d, NACME_DER_CONTEXT_CONSTRUCTED(0), version);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, tbs);
    return nacme_der_status(d);
}

int nacme_alpn_cert(nacme_der_t *d, const nacme_alpn_cert_params_t *p, const uint8_t rs[64])
{
    size_t cert = nacme_der_mark(d);
    nacme_der_signature_tail(d, rs);
    int rc = nacme_alpn_cert_tbs(d, p);
    if (rc != NACME_OK) return rc;
    nacme_der_wrap(d, NACME_DER_SEQUENCE, cert);
    return nacme_der_status(d);
}
