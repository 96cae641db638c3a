/*
 * DER pieces shared by the certificate builders, and the PKCS#10 CSR.
 * The DER writer works backwards: every structure below is written from its
 * last element to its first.
 */
#include <string.h>

#include "internal.h"
#include "nacme_certgen.h"
#include "nacme_time.h"
#include "x509_write.h"

static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};
const uint8_t nacme_oid_common_name[3] = {0x55, 0x04, 0x03};
const uint8_t nacme_oid_subject_alt_name[3] = {0x55, 0x1d, 0x11};
const uint8_t nacme_oid_ec_public_key[7] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
const uint8_t nacme_oid_prime256v1[8] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_extension_request[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x0e};

void nacme_der_p256_spki(nacme_der_t *d, const uint8_t xy[64])
{
    uint8_t point[65];
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, xy, 64);
    size_t spki = nacme_der_mark(d);
    nacme_der_bit_string(d, point, sizeof point);
    size_t alg = nacme_der_mark(d);
    nacme_der_oid(d, nacme_oid_prime256v1, sizeof nacme_oid_prime256v1);
    nacme_der_oid(d, nacme_oid_ec_public_key, sizeof nacme_oid_ec_public_key);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, alg);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, spki);
}

void nacme_der_ecdsa_sig(nacme_der_t *d, const uint8_t rs[64])
{
    size_t seq = nacme_der_mark(d);
    nacme_der_integer(d, rs + 32, 32);
    nacme_der_integer(d, rs, 32);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, seq);
}

/* AlgorithmIdentifier ecdsa-with-SHA256 (no parameters, RFC 5758). */
void nacme_der_ecdsa_sha256_alg(nacme_der_t *d)
{
    size_t alg = nacme_der_mark(d);
    nacme_der_oid(d, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, alg);
}

/* signatureAlgorithm and signatureValue after a to-be-signed structure. */
void nacme_der_signature_tail(nacme_der_t *d, const uint8_t rs[64])
{
    size_t bits = nacme_der_mark(d);
    nacme_der_ecdsa_sig(d, rs);
    /* BIT STRING header: the unused-bits byte, then the tag and length */
    uint8_t zero = 0;
    nacme_der_raw(d, &zero, 1);
    nacme_der_wrap(d, NACME_DER_BIT_STRING, bits);
    nacme_der_ecdsa_sha256_alg(d);
}

int nacme_der_general_names(nacme_der_t *d, const nacme_identifier_t *ids, size_t n)
{
    size_t seq = nacme_der_mark(d);
    for (size_t i = n; i-- > 0;) {
        const char *v = ids[i].value;
        if (v == NULL) return NACME_ERR_ARG;
        size_t len = strlen(v);
        if (ids[i].type == NACME_ID_IP) {
            uint8_t ip[16];
            size_t ip_len;
            if (nacme_ip_parse(v, len, ip, &ip_len) != NACME_OK) return NACME_ERR_ARG;
            nacme_der_primitive(d, NACME_DER_CONTEXT(7), ip, ip_len);
        } else if (ids[i].type == NACME_ID_DNS) {
            nacme_der_primitive(d, NACME_DER_CONTEXT(2), (const uint8_t *)v, len);
        } else {
            return NACME_ERR_ARG;
        }
    }
    nacme_der_wrap(d, NACME_DER_SEQUENCE, seq);
    return nacme_der_status(d);
}

/* Name: CN=value when given, else the empty RDNSequence. */
void nacme_der_name_cn(nacme_der_t *d, const char *cn, size_t len)
{
    size_t name = nacme_der_mark(d);
    if (cn != NULL) {
        size_t set = nacme_der_mark(d);
        size_t atv = nacme_der_mark(d);
        nacme_der_utf8_string(d, cn, len);
        nacme_der_oid(d, nacme_oid_common_name, sizeof nacme_oid_common_name);
        nacme_der_wrap(d, NACME_DER_SEQUENCE, atv);
        nacme_der_wrap(d, NACME_DER_SET, set);
    }
    nacme_der_wrap(d, NACME_DER_SEQUENCE, name);
}

/* Extension { extnID, [critical], extnValue OCTET STRING { content written since mark } } */
void nacme_der_extension(nacme_der_t *d, const uint8_t *oid, size_t oid_len, bool critical,
                         size_t value_mark)
{
    /* the caller wrote the extension's value content since value_mark */
    nacme_der_wrap(d, NACME_DER_OCTET_STRING, value_mark);
    if (critical) nacme_der_boolean(d, true);
    nacme_der_oid(d, oid, oid_len);
    /* the Extension SEQUENCE starts where the value started */
    nacme_der_wrap(d, NACME_DER_SEQUENCE, value_mark);
}

int nacme_csr_info(nacme_der_t *d, const nacme_identifier_t *ids, size_t n, const uint8_t xy[64])
{
    if (ids == NULL || n == 0 || xy == NULL) return NACME_ERR_ARG;
    size_t cri = nacme_der_mark(d);
    /* attributes [0] { Attribute { extensionRequest, SET { Extensions { SAN } } } } */
    size_t attrs = nacme_der_mark(d);
    size_t attr = nacme_der_mark(d);
    size_t values = nacme_der_mark(d);
    size_t exts = nacme_der_mark(d);
    size_t ext = nacme_der_mark(d);
    int rc = nacme_der_general_names(d, ids, n);
    if (rc != NACME_OK) return rc;
    nacme_der_extension(d, nacme_oid_subject_alt_name, sizeof nacme_oid_subject_alt_name, false, ext);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, exts);
    nacme_der_wrap(d, NACME_DER_SET, values);
    nacme_der_oid(d, oid_extension_request, sizeof oid_extension_request);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, attr);
    nacme_der_wrap(d, NACME_DER_CONTEXT_CONSTRUCTED(0), attrs);
    nacme_der_p256_spki(d, xy);
    size_t cn_len = strlen(ids[0].value);
    bool use_cn = ids[0].type == NACME_ID_DNS && cn_len <= 64;
    nacme_der_name_cn(d, use_cn ? ids[0].value : NULL, cn_len);
    nacme_der_integer_u32(d, 0);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, cri);
    return nacme_der_status(d);
}

int nacme_csr(nacme_der_t *d, const nacme_identifier_t *ids, size_t n, const uint8_t xy[64],
              const uint8_t rs[64])
{
    size_t csr = nacme_der_mark(d);
    nacme_der_signature_tail(d, rs);
    int rc = nacme_csr_info(d, ids, n, xy);
    if (rc != NACME_OK) return rc;
    nacme_der_wrap(d, NACME_DER_SEQUENCE, csr);
    return nacme_der_status(d);
}

/* UTCTime for 1950..2049, GeneralizedTime otherwise (RFC 5280 section 4.1.2.5). */
int nacme_der_time(nacme_der_t *d, int64_t t)
{
    char iso[NACME_RFC3339_LEN + 1]; /* YYYY-MM-DDTHH:MM:SSZ */
    int rc = nacme_time_format_rfc3339(t, iso, sizeof iso);
    if (rc != NACME_OK) return rc;
    char digits[16];
    size_t n = 0;
    for (size_t i = 0; i < NACME_RFC3339_LEN - 1u; i++) {
        if (iso[i] >= '0' && iso[i] <= '9') digits[n++] = iso[i];
    }
    digits[n++] = 'Z'; /* YYYYMMDDHHMMSSZ */
    int year = (iso[0] - '0') * 1000 + (iso[1] - '0') * 100 + (iso[2] - '0') * 10 + (iso[3] - '0');
    if (year >= 1950 && year < 2050) {
        nacme_der_primitive(d, NACME_DER_UTC_TIME, (const uint8_t *)digits + 2, n - 2u);
    } else {
        nacme_der_primitive(d, NACME_DER_GENERALIZED_TIME, (const uint8_t *)digits, n);
    }
    return nacme_der_status(d);
}
