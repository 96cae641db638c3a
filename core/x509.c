/*
 * X.509 reader (RFC 5280): the fields an ACME client checks. Flat loops over
 * the DER, no recursion; every span points into the caller's certificate.
 *
 * Errors: an element that is not valid DER, or bytes left over inside or
 * after a structure, is NACME_ERR_DER; a valid element with the wrong tag or
 * a wrong value (version, time, duplicate extension) is NACME_ERR_X509.
 */
#include "nacme_x509.h"

#include <string.h>

#include "internal.h"
#include "nacme_der.h"
#include "nacme_time.h"

/* OID contents */
/* id-ce 2.5.29.x: 0x55 0x1d x */
#define ID_CE_SAN 17u
#define ID_CE_BASIC_CONSTRAINTS 19u
#define ID_CE_AKI 35u

/* A region of DER being read element by element. */
typedef struct {
    const uint8_t *p;
    size_t n;
} cursor_t;

/* Read the next element, which must have this tag. */
static int next(cursor_t *c, unsigned tag, nacme_der_tlv_t *t)
{
    int rc = nacme_der_read(c->p, c->n, t);
    if (rc != NACME_OK) return rc;
    if (t->tag != tag) return NACME_ERR_X509;
    c->p += t->total;
    c->n -= t->total;
    return NACME_OK;
}

/* Read the next element if it has this tag: 1 if read, 0 if not there, or an error. */
static int optional(cursor_t *c, unsigned tag, nacme_der_tlv_t *t)
{
    if (c->n == 0 || c->p[0] != tag) return 0;
    int rc = next(c, tag, t);
    return rc == NACME_OK ? 1 : rc;
}

static cursor_t inside(const nacme_der_tlv_t *t)
{
    cursor_t c = {t->value, t->len};
    return c;
}

static nacme_span_t whole(const nacme_der_tlv_t *t)
{
    nacme_span_t s = {t->value - (t->total - t->len), t->total};
    return s;
}

static bool oid_is(const nacme_der_tlv_t *t, const uint8_t *oid, size_t len)
{
    return t->len == len && memcmp(t->value, oid, len) == 0;
}

/* UTCTime YYMMDDHHMMSSZ (years 1950..2049) or GeneralizedTime YYYYMMDDHHMMSSZ. */
static int parse_time(cursor_t *c, int64_t *out)
{
    nacme_der_tlv_t t;
    int rc = nacme_der_read(c->p, c->n, &t);
    if (rc != NACME_OK) return rc;
    c->p += t.total;
    c->n -= t.total;
    if (t.tag != NACME_DER_UTC_TIME && t.tag != NACME_DER_GENERALIZED_TIME) return NACME_ERR_X509;
    if (nacme_time_parse_asn1(t.value, t.len, t.tag == NACME_DER_UTC_TIME, out) != NACME_OK) return NACME_ERR_X509;
    return NACME_OK;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { SEQUENCE { algorithm OID, parameters ANY }, BIT STRING } */
static int parse_spki(const nacme_der_tlv_t *spki, nacme_x509_t *cert)
{
    cursor_t c = inside(spki);
    nacme_der_tlv_t alg, oid, key, params;
    int rc = next(&c, NACME_DER_SEQUENCE, &alg);
    if (rc == NACME_OK) rc = next(&c, NACME_DER_BIT_STRING, &key);
    if (rc != NACME_OK) return rc;
    if (c.n != 0) return NACME_ERR_DER;
    cursor_t a = inside(&alg);
    rc = next(&a, NACME_DER_OID, &oid);
    if (rc != NACME_OK) return rc;
    if (key.len == 0 || key.value[0] != 0) return NACME_ERR_X509; /* whole bytes only */
    cert->public_key.ptr = key.value + 1;
    cert->public_key.len = key.len - 1u;
    cert->key_is_p256 = oid_is(&oid, nacme_oid_ec_public_key, sizeof nacme_oid_ec_public_key) &&
                        next(&a, NACME_DER_OID, &params) == NACME_OK &&
                        oid_is(&params, nacme_oid_prime256v1, sizeof nacme_oid_prime256v1) && a.n == 0;
    return NACME_OK;
}

/*
 * Next Extension ::= SEQUENCE { extnID OID, critical BOOLEAN DEFAULT FALSE,
 * extnValue OCTET STRING }: its OID and value.
 */
static int next_extension(cursor_t *c, nacme_der_tlv_t *oid, nacme_der_tlv_t *value)
{
    nacme_der_tlv_t ext, crit;
    int rc = next(c, NACME_DER_SEQUENCE, &ext);
    if (rc != NACME_OK) return rc;
    cursor_t e = inside(&ext);
    rc = next(&e, NACME_DER_OID, oid);
    if (rc == NACME_OK) rc = optional(&e, NACME_DER_BOOLEAN, &crit);
    if (rc == 1 && crit.len != 1) return NACME_ERR_X509;
    if (rc >= 0) rc = next(&e, NACME_DER_OCTET_STRING, value);
    if (rc != NACME_OK) return rc;
    return e.n == 0 ? NACME_OK : NACME_ERR_DER;
}

/* The extensions we read: subjectAltName, authorityKeyIdentifier, basicConstraints. */
static int parse_extension(const nacme_der_tlv_t *oid, const nacme_der_tlv_t *value,
                           nacme_x509_t *cert)
{
    if (oid->len != 3 || oid->value[0] != 0x55 || oid->value[1] != 0x1d) return NACME_OK;
    unsigned id = oid->value[2];
    if (id != ID_CE_SAN && id != ID_CE_AKI && id != ID_CE_BASIC_CONSTRAINTS) return NACME_OK;
    /* each of the three is a SEQUENCE filling the OCTET STRING */
    cursor_t v = inside(value);
    nacme_der_tlv_t seq, t;
    int rc = next(&v, NACME_DER_SEQUENCE, &seq);
    if (rc != NACME_OK) return rc;
    if (v.n != 0) return NACME_ERR_DER;
    cursor_t s = inside(&seq);
    switch (id) {
    case ID_CE_SAN: {
        cert->san.ptr = seq.value;
        cert->san.len = seq.len;
        /* walk the names once, so that nacme_x509_san_next() meets no malformed one later */
        size_t pos = 0;
        nacme_x509_name_t name;
        while ((rc = nacme_x509_san_next(cert, &pos, &name)) == NACME_OK) {
        }
        return rc == NACME_ERR_NOT_FOUND ? NACME_OK : rc;
    }
    case ID_CE_AKI:
        rc = optional(&s, NACME_DER_CONTEXT(0), &t);
        if (rc == 1) {
            cert->aki_key_id.ptr = t.value;
            cert->aki_key_id.len = t.len;
        }
        return rc < 0 ? rc : NACME_OK;
    default: /* basicConstraints */
        rc = optional(&s, NACME_DER_BOOLEAN, &t);
        if (rc == 1 && t.len != 1) return NACME_ERR_X509;
        cert->is_ca = rc == 1 && t.value[0] != 0;
        return rc < 0 ? rc : NACME_OK;
    }
}

/* Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension; each OID at most once. */
static int parse_extensions(const nacme_der_tlv_t *exts, nacme_x509_t *cert)
{
    cursor_t c = inside(exts);
    nacme_der_tlv_t oid, value, prev_oid, prev_value;
    while (c.n > 0) {
        const uint8_t *start = c.p;
        int rc = next_extension(&c, &oid, &value);
        if (rc != NACME_OK) return rc;
        /* compare with the OIDs before it (each already read once without error) */
        cursor_t prev = {exts->value, (size_t)(start - exts->value)};
        while (prev.n > 0) {
            rc = next_extension(&prev, &prev_oid, &prev_value);
            if (rc != NACME_OK) return rc;
            if (oid_is(&prev_oid, oid.value, oid.len)) return NACME_ERR_X509;
        }
        rc = parse_extension(&oid, &value, cert);
        if (rc != NACME_OK) return rc;
    }
    return NACME_OK;
}

int nacme_x509_parse(const uint8_t *der, size_t len, nacme_x509_t *cert)
{
    if (der == NULL || cert == NULL) return NACME_ERR_ARG;
    memset(cert, 0, sizeof(*cert));
    cursor_t top = {der, len};
    nacme_der_tlv_t t, tbs, alg, sig;
    int rc = next(&top, NACME_DER_SEQUENCE, &t);
    if (rc != NACME_OK) return rc;
    if (top.n != 0) return NACME_ERR_DER;
    cursor_t c = inside(&t);
    rc = next(&c, NACME_DER_SEQUENCE, &tbs);
    if (rc == NACME_OK) rc = next(&c, NACME_DER_SEQUENCE, &alg);
    if (rc == NACME_OK) rc = next(&c, NACME_DER_BIT_STRING, &sig);
    if (rc != NACME_OK) return rc;
    if (c.n != 0) return NACME_ERR_DER;
    cert->tbs = whole(&tbs);

    /* TBSCertificate: [0] { INTEGER 2 } (v3), serial, signature, issuer, validity, subject, spki */
    c = inside(&tbs);
    rc = next(&c, NACME_DER_CONTEXT_CONSTRUCTED(0), &t);
    if (rc != NACME_OK) return rc;
    cursor_t v = inside(&t);
    rc = next(&v, NACME_DER_INTEGER, &t);
    if (rc != NACME_OK) return rc;
    if (v.n != 0) return NACME_ERR_DER;
    if (t.len != 1 || t.value[0] != 2) return NACME_ERR_X509;
    rc = next(&c, NACME_DER_INTEGER, &t);
    if (rc != NACME_OK) return rc;
    if (t.len == 0) return NACME_ERR_X509;
    cert->serial.ptr = t.value;
    cert->serial.len = t.len;
    rc = next(&c, NACME_DER_SEQUENCE, &t);
    if (rc == NACME_OK) rc = next(&c, NACME_DER_SEQUENCE, &t);
    if (rc != NACME_OK) return rc;
    cert->issuer = whole(&t);
    rc = next(&c, NACME_DER_SEQUENCE, &t);
    if (rc != NACME_OK) return rc;
    v = inside(&t);
    rc = parse_time(&v, &cert->not_before);
    if (rc == NACME_OK) rc = parse_time(&v, &cert->not_after);
    if (rc != NACME_OK) return rc;
    if (v.n != 0) return NACME_ERR_DER;
    rc = next(&c, NACME_DER_SEQUENCE, &t);
    if (rc != NACME_OK) return rc;
    cert->subject = whole(&t);
    rc = next(&c, NACME_DER_SEQUENCE, &t);
    if (rc == NACME_OK) rc = parse_spki(&t, cert);
    if (rc != NACME_OK) return rc;
    cert->spki = whole(&t);

    /* issuerUniqueID [1], subjectUniqueID [2], extensions [3] { SEQUENCE OF Extension } */
    rc = optional(&c, NACME_DER_CONTEXT(1), &t);
    if (rc >= 0) rc = optional(&c, NACME_DER_CONTEXT(2), &t);
    if (rc >= 0) rc = optional(&c, NACME_DER_CONTEXT_CONSTRUCTED(3), &t);
    if (rc < 0) return rc;
    if (rc == 1) {
        v = inside(&t);
        rc = next(&v, NACME_DER_SEQUENCE, &t);
        if (rc != NACME_OK) return rc;
        if (v.n != 0) return NACME_ERR_DER;
        rc = parse_extensions(&t, cert);
        if (rc != NACME_OK) return rc;
    }
    return c.n == 0 ? NACME_OK : NACME_ERR_DER;
}

int nacme_x509_san_next(const nacme_x509_t *cert, size_t *pos, nacme_x509_name_t *name)
{
    if (cert == NULL || pos == NULL || name == NULL || *pos > cert->san.len) return NACME_ERR_ARG;
    while (*pos < cert->san.len) {
        nacme_der_tlv_t t;
        int rc = nacme_der_read(cert->san.ptr + *pos, cert->san.len - *pos, &t);
        if (rc != NACME_OK) return rc;
        *pos += t.total;
        if (t.tag == NACME_DER_CONTEXT(NACME_X509_DNS) || t.tag == NACME_DER_CONTEXT(NACME_X509_IP)) {
            if (t.tag == NACME_DER_CONTEXT(NACME_X509_IP) && t.len != 4 && t.len != 16) {
                return NACME_ERR_DER;
            }
            name->type = (nacme_x509_name_type_t)(t.tag & 0x1fu);
            name->value = t.value;
            name->len = t.len;
            return NACME_OK;
        }
    }
    return NACME_ERR_NOT_FOUND;
}

int nacme_x509_ec_point(const nacme_x509_t *cert, uint8_t xy[64])
{
    if (cert == NULL || xy == NULL) return NACME_ERR_ARG;
    if (!cert->key_is_p256 || cert->public_key.len != 65 || cert->public_key.ptr[0] != 0x04) {
        return NACME_ERR_X509;
    }
    memcpy(xy, cert->public_key.ptr + 1, 64);
    return NACME_OK;
}

/* Directory string types a commonName is read from. */
static bool is_text(unsigned tag)
{
    return tag == NACME_DER_UTF8_STRING || tag == NACME_DER_PRINTABLE_STRING ||
           tag == 0x14u /* TeletexString */ || tag == NACME_DER_IA5_STRING;
}

int nacme_x509_name_cn(nacme_span_t name, const uint8_t **cn, size_t *cn_len)
{
    if (cn == NULL || cn_len == NULL) return NACME_ERR_ARG;
    /* Name ::= SEQUENCE OF SET OF SEQUENCE { type OID, value ANY } */
    cursor_t top = {name.ptr, name.len};
    nacme_der_tlv_t seq, set, atv, oid, value;
    int rc = next(&top, NACME_DER_SEQUENCE, &seq);
    if (rc != NACME_OK) return rc;
    if (top.n != 0) return NACME_ERR_DER;
    bool found = false;
    cursor_t rdns = inside(&seq);
    while (rdns.n > 0) {
        rc = next(&rdns, NACME_DER_SET, &set);
        if (rc != NACME_OK) return rc;
        cursor_t atvs = inside(&set);
        while (atvs.n > 0) {
            rc = next(&atvs, NACME_DER_SEQUENCE, &atv);
            if (rc != NACME_OK) return rc;
            cursor_t a = inside(&atv);
            rc = next(&a, NACME_DER_OID, &oid);
            if (rc == NACME_OK) rc = nacme_der_read(a.p, a.n, &value);
            if (rc != NACME_OK) return rc;
            if (value.total != a.n) return NACME_ERR_DER;
            if (oid_is(&oid, nacme_oid_common_name, sizeof nacme_oid_common_name) && is_text(value.tag)) {
                *cn = value.value;
                *cn_len = value.len;
                found = true;
            }
        }
    }
    return found ? NACME_OK : NACME_ERR_NOT_FOUND;
}
