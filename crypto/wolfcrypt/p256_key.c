/* Strict reader of P-256 private keys (SEC1 and PKCS#8 DER) and the scalar range check. */
#include "p256_key.h"

#include <string.h>

#define TAG_INTEGER 0x02u
#define TAG_BIT_STRING 0x03u
#define TAG_OCTET_STRING 0x04u
#define TAG_OID 0x06u
#define TAG_SEQUENCE 0x30u
#define TAG_CTX0 0xa0u /* [0] constructed */
#define TAG_CTX1 0xa1u /* [1] constructed */

/* The group order n of P-256, big-endian. */
static const uint8_t p256_order[32] = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

/* OID contents: id-ecPublicKey (1.2.840.10045.2.1), prime256v1 (1.2.840.10045.3.1.7). */
static const uint8_t oid_ec_public_key[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_prime256v1[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

bool nacme_p256_scalar_valid(const uint8_t d[32])
{
    /* d < n: the final borrow of d - n; d != 0: an OR of all bytes. No branch on d. */
    unsigned borrow = 0;
    unsigned any = 0;
    for (size_t i = 32; i-- > 0;) {
        unsigned diff = (unsigned)d[i] - (unsigned)p256_order[i] - borrow;
        borrow = (diff >> 8) & 1u;
        any |= d[i];
    }
    return borrow == 1u && any != 0u;
}

/* A window into the input: n bytes from p. */
typedef struct cursor {
    const uint8_t *p;
    size_t n;
} cursor_t;

/*
 * Read one element with the given tag from the start of c into *val and
 * advance c past it. DER lengths only: short form, or 0x81/0x82 with a
 * minimal value (a P-256 key never needs more); false otherwise.
 */
static bool read_tlv(cursor_t *c, unsigned tag, cursor_t *val)
{
    if (c->n < 2 || c->p[0] != tag) return false;
    size_t len = c->p[1];
    size_t hdr = 2;
    if (len == 0x81u) {
        if (c->n < 3 || c->p[2] < 0x80u) return false;
        len = c->p[2];
        hdr = 3;
    } else if (len == 0x82u) {
        if (c->n < 4) return false;
        len = ((size_t)c->p[2] << 8) | c->p[3];
        if (len < 0x100u) return false;
        hdr = 4;
    } else if (len > 0x7fu) {
        return false;
    }
    if (c->n - hdr < len) return false;
    val->p = c->p + hdr;
    val->n = len;
    c->p += hdr + len;
    c->n -= hdr + len;
    return true;
}

static bool next_is(const cursor_t *c, unsigned tag)
{
    return c->n > 0 && c->p[0] == tag;
}

static bool equals(const cursor_t *c, const uint8_t *bytes, size_t n)
{
    return c->n == n && memcmp(c->p, bytes, n) == 0;
}

/* An OID element naming prime256v1 read from c. */
static bool read_p256_oid(cursor_t *c)
{
    cursor_t oid;
    return read_tlv(c, TAG_OID, &oid) && equals(&oid, oid_prime256v1, sizeof oid_prime256v1);
}

/*
 * The contents of an ECPrivateKey SEQUENCE (RFC 5915):
 *   version INTEGER 1, privateKey OCTET STRING,
 *   [0] parameters (named curve) OPTIONAL, [1] publicKey BIT STRING OPTIONAL
 */
static bool parse_ec_private_key(cursor_t c, bool need_curve, nacme_p256_key_der_t *out)
{
    static const uint8_t version1[] = {1};
    cursor_t v;
    if (!read_tlv(&c, TAG_INTEGER, &v) || !equals(&v, version1, 1)) return false;
    if (!read_tlv(&c, TAG_OCTET_STRING, &v) || v.n == 0 || v.n > sizeof out->d) return false;
    memcpy(out->d + sizeof out->d - v.n, v.p, v.n);
    if (next_is(&c, TAG_CTX0)) {
        if (!read_tlv(&c, TAG_CTX0, &v) || !read_p256_oid(&v) || v.n != 0) return false;
        need_curve = false;
    }
    if (need_curve) return false;
    if (next_is(&c, TAG_CTX1)) {
        cursor_t bits;
        /* BIT STRING: no unused bits, then 0x04 x y */
        if (!read_tlv(&c, TAG_CTX1, &v) || !read_tlv(&v, TAG_BIT_STRING, &bits) || v.n != 0) {
            return false;
        }
        if (bits.n != 2 + sizeof out->xy || bits.p[0] != 0 || bits.p[1] != 0x04u) return false;
        memcpy(out->xy, bits.p + 2, sizeof out->xy);
        out->has_pub = true;
    }
    return c.n == 0;
}

/*
 * The contents of a PrivateKeyInfo SEQUENCE after its version (RFC 5208):
 *   AlgorithmIdentifier { id-ecPublicKey, prime256v1 },
 *   privateKey OCTET STRING (an ECPrivateKey), [0] attributes OPTIONAL
 */
static bool parse_pkcs8(cursor_t c, nacme_p256_key_der_t *out)
{
    cursor_t alg, oid, inner, ec_key, attrs;
    if (!read_tlv(&c, TAG_SEQUENCE, &alg) || !read_tlv(&alg, TAG_OID, &oid) ||
        !equals(&oid, oid_ec_public_key, sizeof oid_ec_public_key) || !read_p256_oid(&alg) ||
        alg.n != 0) {
        return false;
    }
    if (!read_tlv(&c, TAG_OCTET_STRING, &inner) || !read_tlv(&inner, TAG_SEQUENCE, &ec_key) ||
        inner.n != 0) {
        return false;
    }
    if (next_is(&c, TAG_CTX0) && !read_tlv(&c, TAG_CTX0, &attrs)) return false;
    return c.n == 0 && parse_ec_private_key(ec_key, false, out);
}

int nacme_p256_key_parse(const uint8_t *der, size_t len, nacme_p256_key_der_t *out)
{
    if (out == NULL || (der == NULL && len > 0)) return NACME_ERR_ARG;
    memset(out, 0, sizeof *out);
    cursor_t c = {der, len};
    cursor_t body, v;
    bool ok = false;
    if (read_tlv(&c, TAG_SEQUENCE, &body) && c.n == 0) {
        cursor_t rest = body;
        if (read_tlv(&rest, TAG_INTEGER, &v) && v.n == 1) {
            /* version 1: SEC1 (the ECPrivateKey itself); version 0: PKCS#8 */
            if (v.p[0] == 1) ok = parse_ec_private_key(body, true, out);
            else if (v.p[0] == 0) ok = parse_pkcs8(rest, out);
        }
    }
    if (ok) return NACME_OK;
    /* wipe what a partial parse copied (the scalar) */
    volatile uint8_t *w = (volatile uint8_t *)out;
    for (size_t i = 0; i < sizeof *out; i++) w[i] = 0;
    return NACME_ERR_KEY;
}
