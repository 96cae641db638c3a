/*
 * A small X.509 reader: exactly what an ACME client checks in an issued
 * certificate. It validates the certificate's outer structure and finds the
 * fields; it does not verify signatures (the platform's TLS stack or a
 * verifier does that).
 */
#ifndef NACME_X509_H
#define NACME_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct nacme_span {
    const uint8_t *ptr;
    size_t len;
} nacme_span_t;

typedef struct nacme_x509 {
    nacme_span_t tbs;            /* TBSCertificate, whole TLV */
    nacme_span_t serial;         /* INTEGER content bytes as encoded (may start with 0x00) */
    nacme_span_t issuer;         /* issuer Name, whole TLV */
    nacme_span_t subject;        /* subject Name, whole TLV */
    int64_t not_before;          /* Unix seconds */
    int64_t not_after;
    nacme_span_t spki;           /* SubjectPublicKeyInfo, whole TLV */
    nacme_span_t public_key;     /* subjectPublicKey BIT STRING content without the unused-bits byte */
    bool key_is_p256;            /* id-ecPublicKey with prime256v1 */
    nacme_span_t san;            /* subjectAltName GeneralNames content (empty when absent) */
    nacme_span_t aki_key_id;     /* authorityKeyIdentifier keyIdentifier (empty when absent) */
    bool is_ca;                  /* basicConstraints cA */
} nacme_x509_t;

/*
 * nacme_x509_parse() - parse a DER certificate of exactly len bytes.
 * Every span in *cert points into der (which must outlive it). Times are
 * UTCTime YYMMDDHHMMSSZ (YY >= 50: 19YY, else 20YY) or GeneralizedTime
 * YYYYMMDDHHMMSSZ, fields range-checked (day within its month, seconds
 * 0..59). The SAN is walked once here, so nacme_x509_san_next() never meets
 * a malformed name later.
 * Return NACME_OK, NACME_ERR_ARG for NULL arguments, NACME_ERR_DER for
 * broken encoding (an element that is not minimal DER, truncation, bytes
 * left over after an element or inside a structure, an iPAddress SAN not of
 * 4 or 16 bytes), NACME_ERR_X509 for valid DER that is not a v3 certificate
 * as required (an element with the wrong tag or missing, a version other
 * than v3, a bad time, an empty serial, key bits not whole bytes, a
 * duplicate extension). An unknown critical extension is accepted: it is
 * not ours to judge. On error *cert is unspecified.
 */
int nacme_x509_parse(const uint8_t *der, size_t len, nacme_x509_t *cert);

typedef enum nacme_x509_name_type {
    NACME_X509_DNS = 2, /* dNSName ([2]) */
    NACME_X509_IP = 7   /* iPAddress ([7]), 4 or 16 bytes */
} nacme_x509_name_type_t;

typedef struct nacme_x509_name {
    nacme_x509_name_type_t type;
    const uint8_t *value; /* dNSName as IA5 text, iPAddress as raw bytes */
    size_t len;
} nacme_x509_name_t;

/*
 * nacme_x509_san_next() - the next dNSName or iPAddress of the
 * subjectAltName, starting with *pos = 0 (name->value points into the
 * certificate). Other name types are skipped.
 * Return NACME_OK, NACME_ERR_NOT_FOUND at the end (and after it),
 * NACME_ERR_DER if malformed, NACME_ERR_ARG for NULL arguments or *pos past
 * the SAN.
 *
 *   size_t pos = 0; nacme_x509_name_t n;
 *   while (nacme_x509_san_next(&cert, &pos, &n) == NACME_OK) use(n);
 */
int nacme_x509_san_next(const nacme_x509_t *cert, size_t *pos, nacme_x509_name_t *name);

/*
 * nacme_x509_ec_point() - the P-256 public point as x||y (64 bytes).
 * NACME_ERR_X509 when the key is not an uncompressed P-256 point,
 * NACME_ERR_ARG for NULL arguments.
 */
int nacme_x509_ec_point(const nacme_x509_t *cert, uint8_t xy[64]);

/*
 * nacme_x509_name_cn() - the (last) commonName attribute (2.5.4.3) of a
 * Name TLV (cert->issuer or cert->subject): pointer to its string bytes and
 * length. Only UTF8String, PrintableString, TeletexString and IA5String
 * values count; a commonName of another type (BMPString, ...) is passed over.
 * Return NACME_OK, NACME_ERR_NOT_FOUND when the name has none,
 * NACME_ERR_DER / NACME_ERR_X509 when the span is not a well-formed Name
 * (as for nacme_x509_parse()), NACME_ERR_ARG for NULL cn or cn_len.
 */
int nacme_x509_name_cn(nacme_span_t name, const uint8_t **cn, size_t *cn_len);

#ifdef __cplusplus
}
#endif

#endif /* NACME_X509_H */
