/*
 * libFuzzer harness: the strict P-256 private key reader
 * (crypto/wolfcrypt/p256_key.c, which needs no crypto library, so it is
 * compiled in here directly). Invariants:
 *  - the result is NACME_OK or NACME_ERR_KEY, and a refusal leaves *out zero;
 *  - an accepted key re-encoded canonically as SEC1 and as PKCS#8 reads
 *    back to the same scalar and point;
 *  - an accepted input loses its acceptance when its last byte is cut;
 *  - nacme_p256_scalar_valid() agrees with a plain comparison against n.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../crypto/wolfcrypt/p256_key.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t oid_curve[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

/* ECPrivateKey SEQUENCE: version 1, 32-byte scalar, [0] curve when params, [1] point when present. */
static size_t encode_ec_key(const nacme_p256_key_der_t *k, int params, uint8_t *out)
{
    size_t n = 2;
    static const uint8_t head[] = {0x02, 0x01, 0x01, 0x04, 0x20};
    memcpy(out + n, head, sizeof head);
    n += sizeof head;
    memcpy(out + n, k->d, 32);
    n += 32;
    if (params) {
        out[n++] = 0xa0;
        out[n++] = sizeof oid_curve;
        memcpy(out + n, oid_curve, sizeof oid_curve);
        n += sizeof oid_curve;
    }
    if (k->has_pub) {
        static const uint8_t pub[] = {0xa1, 0x44, 0x03, 0x42, 0x00, 0x04};
        memcpy(out + n, pub, sizeof pub);
        n += sizeof pub;
        memcpy(out + n, k->xy, 64);
        n += 64;
    }
    out[0] = 0x30;
    out[1] = (uint8_t)(n - 2);
    return n;
}

static size_t encode_pkcs8(const nacme_p256_key_der_t *k, uint8_t *out)
{
    static const uint8_t head[] = {0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce,
                                   0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                   0x01, 0x07};
    uint8_t inner[160];
    size_t ilen = encode_ec_key(k, 0, inner);
    size_t n = 3;
    memcpy(out + n, head, sizeof head);
    n += sizeof head;
    out[n++] = 0x04;
    out[n++] = (uint8_t)ilen;
    memcpy(out + n, inner, ilen);
    n += ilen;
    out[0] = 0x30;
    out[1] = 0x81; /* the content is 128..255 bytes either way */
    out[2] = (uint8_t)(n - 3);
    if (n - 3 < 0x80) { /* without the public key it is short: use the short form */
        memmove(out + 2, out + 3, n - 3);
        out[1] = (uint8_t)(n - 3);
        n -= 1;
    }
    return n;
}

static void check_same(const nacme_p256_key_der_t *a, const uint8_t *der, size_t len)
{
    nacme_p256_key_der_t b;
    if (nacme_p256_key_parse(der, len, &b) != NACME_OK) abort();
    if (memcmp(a->d, b.d, 32) != 0 || a->has_pub != b.has_pub) abort();
    if (a->has_pub && memcmp(a->xy, b.xy, 64) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096) return 0;
    uint8_t *copy = malloc(size ? size : 1); /* exact-size block: ASan sees over-reads */
    if (copy == NULL) return 0;
    if (size) memcpy(copy, data, size);
    nacme_p256_key_der_t k;
    memset(&k, 0xa5, sizeof k);
    int rc = nacme_p256_key_parse(copy, size, &k);
    if (rc == NACME_ERR_KEY) {
        const uint8_t *p = (const uint8_t *)&k;
        for (size_t i = 0; i < sizeof k; i++) {
            if (p[i] != 0) abort();
        }
    } else if (rc == NACME_OK) {
        uint8_t der[200];
        check_same(&k, der, encode_ec_key(&k, 1, der));
        check_same(&k, der, encode_pkcs8(&k, der));
        nacme_p256_key_der_t cut;
        if (nacme_p256_key_parse(copy, size - 1, &cut) != NACME_ERR_KEY) abort();
    } else {
        abort();
    }
    if (size >= 32) {
        int any = 0;
        for (size_t i = 0; i < 32; i++) any |= data[i];
        bool want = any != 0 && memcmp(data, p256_order, 32) < 0;
        if (nacme_p256_scalar_valid(data) != want) abort();
    }
    free(copy);
    return 0;
}
