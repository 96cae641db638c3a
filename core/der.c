/* DER: a writer filling a caller buffer from its end, and a minimal TLV reader. */
#include "nacme_der.h"

#include <string.h>

#include "internal.h"

void nacme_der_init(nacme_der_t *d, uint8_t *buf, size_t cap)
{
    d->buf = buf;
    d->cap = cap;
    d->len = 0;
    d->err = NACME_OK;
}

size_t nacme_der_mark(const nacme_der_t *d)
{
    return d->len;
}

/* Reserve n bytes in front of what is written; NULL (and the sticky error) when they do not fit. */
static uint8_t *front(nacme_der_t *d, size_t n)
{
    if (d->err != NACME_OK) return NULL;
    if (n > d->cap - d->len) {
        d->err = NACME_ERR_TOO_LARGE;
        return NULL;
    }
    d->len += n;
    return d->buf + d->cap - d->len;
}

void nacme_der_raw(nacme_der_t *d, const uint8_t *data, size_t len)
{
    uint8_t *p = front(d, len);
    if (p != NULL && len > 0) memcpy(p, data, len);
}

void nacme_der_header(nacme_der_t *d, unsigned tag, size_t content_len)
{
    uint8_t h[6];
    size_t n = 0;
    /* Length bytes, least significant first into the end of h (minimal long form). */
    for (size_t v = content_len; v > 0 && n < 5; v >>= 8) h[5 - n++] = (uint8_t)v;
    if (content_len < 0x80u) {
        n = 1;
        h[5] = (uint8_t)content_len;
    } else if (n > 4) {
        /* more than 4 length bytes: not representable here (64-bit size_t only) */
        if (d->err == NACME_OK) d->err = NACME_ERR_TOO_LARGE;
        return;
    } else {
        h[5 - n] = (uint8_t)(0x80u | n);
        n++;
    }
    h[5 - n] = (uint8_t)tag;
    nacme_der_raw(d, h + 5 - n, n + 1);
}

void nacme_der_wrap(nacme_der_t *d, unsigned tag, size_t mark)
{
    if (d->err != NACME_OK) return;
    if (mark > d->len) {
        d->err = NACME_ERR_ARG;
        return;
    }
    nacme_der_header(d, tag, d->len - mark);
}

void nacme_der_primitive(nacme_der_t *d, unsigned tag, const uint8_t *data, size_t len)
{
    nacme_der_raw(d, data, len);
    nacme_der_header(d, tag, len);
}

void nacme_der_integer(nacme_der_t *d, const uint8_t *be, size_t len)
{
    while (len > 0 && be[0] == 0) {
        be++;
        len--;
    }
    size_t mark = d->len;
    nacme_der_raw(d, be, len);
    /* a zero byte keeps the value non-negative (and encodes 0 itself) */
    if (len == 0 || (be[0] & 0x80u)) nacme_der_raw(d, (const uint8_t *)"", 1);
    nacme_der_wrap(d, NACME_DER_INTEGER, mark);
}

void nacme_der_integer_u32(nacme_der_t *d, uint32_t v)
{
    uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    nacme_der_integer(d, be, sizeof be);
}

void nacme_der_oid(nacme_der_t *d, const uint8_t *content, size_t len)
{
    nacme_der_primitive(d, NACME_DER_OID, content, len);
}

void nacme_der_bit_string(nacme_der_t *d, const uint8_t *data, size_t len)
{
    nacme_der_raw(d, data, len);
    nacme_der_raw(d, (const uint8_t *)"", 1); /* no unused bits */
    nacme_der_header(d, NACME_DER_BIT_STRING, len + 1u);
}

void nacme_der_octet_string(nacme_der_t *d, const uint8_t *data, size_t len)
{
    nacme_der_primitive(d, NACME_DER_OCTET_STRING, data, len);
}

void nacme_der_utf8_string(nacme_der_t *d, const char *s, size_t len)
{
    nacme_der_primitive(d, NACME_DER_UTF8_STRING, (const uint8_t *)s, len);
}

void nacme_der_ia5_string(nacme_der_t *d, const char *s, size_t len)
{
    nacme_der_primitive(d, NACME_DER_IA5_STRING, (const uint8_t *)s, len);
}

void nacme_der_boolean(nacme_der_t *d, bool v)
{
    uint8_t b = v ? 0xffu : 0x00u;
    nacme_der_primitive(d, NACME_DER_BOOLEAN, &b, 1);
}

void nacme_der_null(nacme_der_t *d)
{
    nacme_der_header(d, NACME_DER_NULL, 0);
}

const uint8_t *nacme_der_data(const nacme_der_t *d)
{
    return d->buf + d->cap - d->len;
}

size_t nacme_der_len(const nacme_der_t *d)
{
    return d->len;
}

int nacme_der_status(const nacme_der_t *d)
{
    return d->err;
}

/* ---- reader ------------------------------------------------------------------ */

int nacme_der_read(const uint8_t *data, size_t len, nacme_der_tlv_t *tlv)
{
    if (data == NULL || len < 2 || (data[0] & 0x1fu) == 0x1fu) return NACME_ERR_DER;
    size_t hdr = 2;
    uint32_t n = data[1];
    if (n & 0x80u) {
        size_t k = n & 0x7fu;
        /* indefinite (0x80), over 4 bytes, truncated, or a leading zero byte */
        if (k == 0 || k > 4 || k > len - 2 || data[2] == 0) return NACME_ERR_DER;
        n = 0;
        for (size_t i = 0; i < k; i++) n = (n << 8) | data[2 + i];
        if (n < 0x80u) return NACME_ERR_DER; /* short form was required */
        hdr += k;
    }
    if (n > len - hdr) return NACME_ERR_DER;
    tlv->tag = data[0];
    tlv->value = data + hdr;
    tlv->len = n;
    tlv->total = hdr + n;
    return NACME_OK;
}

int nacme_der_expect(const uint8_t **data, size_t *len, unsigned tag, nacme_der_tlv_t *tlv)
{
    int rc = nacme_der_read(*data, *len, tlv);
    if (rc != NACME_OK) return rc;
    if (tlv->tag != tag) return NACME_ERR_DER;
    *data += tlv->total;
    *len -= tlv->total;
    return NACME_OK;
}
