/*
 * libFuzzer harness: the X.509 reader on arbitrary DER. Checks that a
 * parsed certificate's spans, SANs, EC point and commonNames all lie inside
 * the input, that failures are DER or X509 errors, and that the DER reader
 * accepts only headers the writer would write byte for byte (minimal DER).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_der.h"
#include "nacme_x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const uint8_t *base, size_t len)
{
    return n == 0 || (p >= base && n <= len && p - base <= (ptrdiff_t)(len - n));
}

static void check_span(nacme_span_t s, const uint8_t *base, size_t len)
{
    if (!inside(s.ptr, s.len, base, len)) abort();
}

/* The commonName of a Name lies inside the Name. */
static void check_cn(nacme_span_t name)
{
    const uint8_t *cn;
    size_t cn_len;
    int rc = nacme_x509_name_cn(name, &cn, &cn_len);
    if (rc == NACME_OK) {
        if (!inside(cn, cn_len, name.ptr, name.len)) abort();
    } else if (rc != NACME_ERR_NOT_FOUND && rc != NACME_ERR_DER && rc != NACME_ERR_X509) {
        abort();
    }
}

/* A TLV the reader accepts has the header the writer makes for it. */
static void check_der_header(const uint8_t *data, size_t size)
{
    nacme_der_tlv_t t;
    if (nacme_der_read(data, size, &t) != NACME_OK) return;
    size_t hdr = t.total - t.len;
    if (t.total > size || t.value != data + hdr || hdr < 2 || hdr > 6) abort();
    uint8_t buf[8];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    nacme_der_header(&d, t.tag, t.len);
    if (nacme_der_status(&d) != NACME_OK || nacme_der_len(&d) != hdr) abort();
    if (memcmp(nacme_der_data(&d), data, hdr) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 8192) return 0;
    check_der_header(data, size);
    nacme_span_t whole = {data, size};
    check_cn(whole); /* the input read as a Name */

    nacme_x509_t x;
    int rc = nacme_x509_parse(data, size, &x);
    if (rc != NACME_OK) {
        if (rc != NACME_ERR_DER && rc != NACME_ERR_X509) abort();
        return 0;
    }
    check_span(x.tbs, data, size);
    check_span(x.serial, data, size);
    check_span(x.issuer, data, size);
    check_span(x.subject, data, size);
    check_span(x.spki, data, size);
    check_span(x.public_key, data, size);
    check_span(x.san, data, size);
    check_span(x.aki_key_id, data, size);
    if (x.serial.len == 0 || x.issuer.len < 2 || x.subject.len < 2 || x.spki.len < 2) abort();
    /* the key lies inside the SubjectPublicKeyInfo */
    if (!inside(x.public_key.ptr, x.public_key.len, x.spki.ptr, x.spki.len)) abort();

    size_t pos = 0, count = 0;
    nacme_x509_name_t n;
    while ((rc = nacme_x509_san_next(&x, &pos, &n)) == NACME_OK) {
        if (!inside(n.value, n.len, x.san.ptr, x.san.len)) abort();
        if (n.type != NACME_X509_DNS && !(n.type == NACME_X509_IP && (n.len == 4 || n.len == 16))) abort();
        if (pos > x.san.len || ++count > size) abort();
    }
    /* parse walked the SAN already: it cannot be malformed here */
    if (rc != NACME_ERR_NOT_FOUND || pos != x.san.len) abort();

    uint8_t xy[64];
    rc = nacme_x509_ec_point(&x, xy);
    if (rc == NACME_OK) {
        if (!x.key_is_p256 || x.public_key.len != 65 || x.public_key.ptr[0] != 0x04) abort();
        if (memcmp(xy, x.public_key.ptr + 1, 64) != 0) abort();
    } else if (rc != NACME_ERR_X509) {
        abort();
    }
    check_cn(x.issuer);
    check_cn(x.subject);

    /* deterministic: a second parse gives the same fields */
    nacme_x509_t y;
    if (nacme_x509_parse(data, size, &y) != NACME_OK || memcmp(&x, &y, sizeof x) != 0) abort();
    return 0;
}
