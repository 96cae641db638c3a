/* The crypto port on wolfCrypt: SHA-256, HMAC-SHA256, P-256 keys and deterministic ECDSA. */
#include "nacme_wolfcrypt.h"

#include <stdint.h>
#include <string.h>

#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/sha256.h>
#include <wolfssl/wolfcrypt/wc_port.h>

#include "nacme_pem.h"
#include "nacme_sb.h"
#include "p256_key.h"

#if !defined(HAVE_ECC) || !defined(WOLFSSL_KEY_GEN) || !defined(WOLFSSL_PUBLIC_MP) || !defined(HAVE_PKCS8)
#error "the wolfCrypt backend needs HAVE_ECC, WOLFSSL_KEY_GEN, WOLFSSL_PUBLIC_MP and HAVE_PKCS8"
#endif
#if !defined(WOLFSSL_ECDSA_DETERMINISTIC_K) && !defined(WOLFSSL_ECDSA_DETERMINISTIC_K_VARIANT)
#error "the wolfCrypt backend needs WOLFSSL_ECDSA_DETERMINISTIC_K (RFC 6979 signatures)"
#endif

/* The caller's opaque SHA-256 storage holds a wc_Sha256 in place. */
_Static_assert(sizeof(wc_Sha256) <= sizeof(((nacme_sha256_t *)0)->u.bytes),
               "NACME_SHA256_CTX_SIZE is too small for wolfCrypt's wc_Sha256");
_Static_assert(_Alignof(wc_Sha256) <= _Alignof(nacme_sha256_t),
               "nacme_sha256_t is less aligned than wolfCrypt's wc_Sha256");

/*
 * Room for the DER of a P-256 key with its public key: SEC1 takes 121 bytes,
 * PKCS#8 138, but wolfCrypt's PKCS#8 writer may ask for up to 162.
 */
#define KEY_DER_MAX 224
/* Key import input beyond this cannot be a P-256 key in a supported format. */
#define KEY_IMPORT_MAX 4096
/* PEM of KEY_DER_MAX bytes: 300 base64 characters in 5 lines, the BEGIN and END lines. */
#define KEY_PEM_MAX 400

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    while (n-- > 0) *v++ = 0;
}

/* The context behind a port call, or NULL when it is not usable. */
static nacme_wolfcrypt_t *backend(void *ctx)
{
    nacme_wolfcrypt_t *wc = ctx;
    return (wc != NULL && wc->ready) ? wc : NULL;
}

/* The live key behind a handle, or NULL. */
static ecc_key *live_key(nacme_wolfcrypt_t *wc, nacme_key_t key)
{
    if (key.id == 0 || key.id > NACME_WOLFCRYPT_MAX_KEYS || !wc->used[key.id - 1]) return NULL;
    return &wc->keys[key.id - 1];
}

/* The first free slot, or -1. */
static int free_slot(const nacme_wolfcrypt_t *wc)
{
    for (int i = 0; i < NACME_WOLFCRYPT_MAX_KEYS; i++) {
        if (!wc->used[i]) return i;
    }
    return -1;
}

static void release_slot(nacme_wolfcrypt_t *wc, int slot)
{
    wc_ecc_free(&wc->keys[slot]); /* zeroes the private scalar */
    wipe(&wc->keys[slot], sizeof wc->keys[slot]);
    wc->used[slot] = false;
}

/*
 * Set up slot `slot` as the key with private scalar d (already checked to be
 * in range): import it, compute the public point, sign deterministically.
 */
static int load_scalar(nacme_wolfcrypt_t *wc, int slot, const uint8_t d[32])
{
    ecc_key *k = &wc->keys[slot];
    if (wc_ecc_init_ex(k, wc->heap, INVALID_DEVID) != 0) {
        wipe(k, sizeof *k);
        return NACME_ERR_CRYPTO;
    }
    wc->used[slot] = true;
    if (wc_ecc_import_private_key_ex(d, 32, NULL, 0, k, ECC_SECP256R1) != 0 ||
        wc_ecc_make_pub_ex(k, NULL, &wc->rng) != 0 || wc_ecc_set_deterministic(k, 1) != 0) {
        release_slot(wc, slot);
        return NACME_ERR_CRYPTO;
    }
    return NACME_OK;
}

/* x||y of a key, 32 bytes each, left-padded. */
static int export_public(ecc_key *k, uint8_t xy[64])
{
    word32 xlen = 32;
    word32 ylen = 32;
    if (wc_ecc_export_public_raw(k, xy, &xlen, xy + 32, &ylen) != 0 || xlen != 32 || ylen != 32) {
        return NACME_ERR_CRYPTO;
    }
    return NACME_OK;
}

/* ---- SHA-256 and HMAC ------------------------------------------------------ */

static wc_Sha256 *sha_state(nacme_sha256_t *st)
{
    return (wc_Sha256 *)(void *)st->u.bytes;
}

static int sha256_init(void *ctx, nacme_sha256_t *st)
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || st == NULL) return NACME_ERR_ARG;
    return wc_InitSha256_ex(sha_state(st), wc->heap, INVALID_DEVID) == 0 ? NACME_OK : NACME_ERR_CRYPTO;
}

static int sha256_update(void *ctx, nacme_sha256_t *st, const uint8_t *data, size_t len)
{
    if (backend(ctx) == NULL || st == NULL || (data == NULL && len > 0)) return NACME_ERR_ARG;
    /* wolfCrypt takes 32-bit lengths: feed larger inputs in pieces */
    while (len > 0) {
        word32 n = len > 0x40000000u ? 0x40000000u : (word32)len;
        if (wc_Sha256Update(sha_state(st), data, n) != 0) return NACME_ERR_CRYPTO;
        data += n;
        len -= n;
    }
    return NACME_OK;
}

static int sha256_final(void *ctx, nacme_sha256_t *st, uint8_t digest[32])
{
    if (backend(ctx) == NULL || st == NULL || digest == NULL) return NACME_ERR_ARG;
    int ret = wc_Sha256Final(sha_state(st), digest);
    wc_Sha256Free(sha_state(st));
    return ret == 0 ? NACME_OK : NACME_ERR_CRYPTO;
}

static int hmac_sha256(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *data,
                       size_t len, uint8_t mac[32])
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || mac == NULL || (key == NULL && key_len > 0) || (data == NULL && len > 0) ||
        key_len > UINT32_MAX || len > UINT32_MAX) {
        return NACME_ERR_ARG;
    }
    Hmac h;
    if (wc_HmacInit(&h, wc->heap, INVALID_DEVID) != 0) return NACME_ERR_CRYPTO;
    int ret = wc_HmacSetKey(&h, WC_SHA256, key, (word32)key_len);
    if (ret == 0 && len > 0) ret = wc_HmacUpdate(&h, data, (word32)len);
    if (ret == 0) ret = wc_HmacFinal(&h, mac);
    wc_HmacFree(&h);
    wipe(&h, sizeof h); /* it holds the keyed pads */
    return ret == 0 ? NACME_OK : NACME_ERR_CRYPTO;
}

/* ---- keys ------------------------------------------------------------------- */

static int key_generate(void *ctx, nacme_key_t *key)
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || key == NULL) return NACME_ERR_ARG;
    int slot = free_slot(wc);
    if (slot < 0) return NACME_ERR_KEY;
    uint8_t d[32];
    int rc = NACME_ERR_ENTROPY;
    for (int draw = 0; draw < NACME_WOLFCRYPT_KEYGEN_DRAWS; draw++) {
        int got = wc->entropy.fill(wc->entropy.ctx, d, sizeof d);
        if (got != NACME_OK) {
            rc = (got == NACME_PENDING || got < 0) ? got : NACME_ERR_ENTROPY;
            break;
        }
        /* rejection sampling keeps the scalar uniform in 1..n-1 */
        if (nacme_p256_scalar_valid(d)) {
            rc = load_scalar(wc, slot, d);
            break;
        }
    }
    wipe(d, sizeof d);
    if (rc == NACME_OK) key->id = (uint32_t)slot + 1u;
    return rc;
}

static int key_public(void *ctx, nacme_key_t key, uint8_t xy[64])
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || xy == NULL) return NACME_ERR_ARG;
    ecc_key *k = live_key(wc, key);
    if (k == NULL) return NACME_ERR_ARG;
    return export_public(k, xy);
}

static int sign_digest(void *ctx, nacme_key_t key, const uint8_t digest[32], uint8_t rs[64])
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || digest == NULL || rs == NULL) return NACME_ERR_ARG;
    ecc_key *k = live_key(wc, key);
    if (k == NULL) return NACME_ERR_ARG;
    mp_int r;
    mp_int s;
    if (mp_init_multi(&r, &s, NULL, NULL, NULL, NULL) != MP_OKAY) return NACME_ERR_CRYPTO;
    int ret = wc_ecc_sign_hash_ex(digest, 32, &wc->rng, k, &r, &s);
    /* fixed width: r and s below 2^248 still take 32 bytes each */
    if (ret == 0) ret = mp_to_unsigned_bin_len(&r, rs, 32);
    if (ret == 0) ret = mp_to_unsigned_bin_len(&s, rs + 32, 32);
    mp_free(&r);
    mp_free(&s);
    if (ret != 0) {
        wipe(rs, 64);
        return NACME_ERR_CRYPTO;
    }
    return NACME_OK;
}

/*
 * SEC1 or PKCS#8 DER of k into der[0..KEY_DER_MAX), its length into *len.
 * Always through this local-size buffer: some wolfCrypt builds ask for room
 * for an upper bound of the PKCS#8 size, not the exact one.
 */
static int encode_der(ecc_key *k, bool pkcs8, uint8_t der[KEY_DER_MAX], size_t *len)
{
    int ret;
    if (pkcs8) {
        word32 sz = KEY_DER_MAX;
        ret = wc_EccKeyToPKCS8(k, der, &sz);
    } else {
        ret = wc_EccKeyToDer(k, der, KEY_DER_MAX);
    }
    if (ret <= 0 || ret > KEY_DER_MAX) return NACME_ERR_CRYPTO;
    *len = (size_t)ret;
    return NACME_OK;
}

static int key_export(void *ctx, nacme_key_t key, nacme_key_format_t fmt, uint8_t *buf, size_t cap,
                      size_t *len)
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || len == NULL || (buf == NULL && cap > 0)) return NACME_ERR_ARG;
    ecc_key *k = live_key(wc, key);
    if (k == NULL) return NACME_ERR_ARG;
    if (fmt != NACME_KEY_SEC1_DER && fmt != NACME_KEY_SEC1_PEM && fmt != NACME_KEY_PKCS8_DER &&
        fmt != NACME_KEY_PKCS8_PEM) {
        return NACME_ERR_ARG;
    }
    bool pkcs8 = fmt == NACME_KEY_PKCS8_DER || fmt == NACME_KEY_PKCS8_PEM;
    bool pem = fmt == NACME_KEY_SEC1_PEM || fmt == NACME_KEY_PKCS8_PEM;
    uint8_t der[KEY_DER_MAX];
    size_t der_len = 0;
    int rc = encode_der(k, pkcs8, der, &der_len);
    if (rc == NACME_OK && !pem) {
        *len = der_len;
        if (cap < der_len) rc = NACME_ERR_TOO_LARGE;
        else memcpy(buf, der, der_len);
    } else if (rc == NACME_OK) {
        /* the PEM armour: 64-character lines, each ending in '\n' (what OpenSSL writes) */
        char text[KEY_PEM_MAX];
        nacme_sb_t sb;
        nacme_sb_init(&sb, text, sizeof text);
        rc = nacme_pem_encode(&sb, pkcs8 ? "PRIVATE KEY" : "EC PRIVATE KEY", der, der_len);
        if (rc != NACME_OK || nacme_sb_status(&sb) != NACME_OK) {
            rc = NACME_ERR_CRYPTO;
        } else {
            *len = sb.len;
            if (cap < sb.len) rc = NACME_ERR_TOO_LARGE;
            else memcpy(buf, text, sb.len);
        }
        wipe(text, sizeof text);
    }
    wipe(der, sizeof der);
    return rc;
}

/* Whether data starts with "-----BEGIN" after ASCII whitespace. */
static bool looks_like_pem(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN";
    size_t i = 0;
    while (i < len && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n')) i++;
    return len - i >= sizeof begin - 1 && memcmp(data + i, begin, sizeof begin - 1) == 0;
}

/*
 * The DER of the first "EC PRIVATE KEY" or "PRIVATE KEY" block of a PEM
 * text (its BEGIN line at the start of a line; text and other blocks before
 * it are skipped, like OpenSSL's EC PARAMETERS block) into der, its length
 * into *n. Encrypted keys ("ENCRYPTED PRIVATE KEY", or Proc-Type headers
 * inside the block) fail: NACME_ERR_KEY.
 */
static int pem_key_block(const uint8_t *data, size_t len, uint8_t der[KEY_DER_MAX], size_t *n)
{
    static const char *const begins[] = {"-----BEGIN EC PRIVATE KEY-----", "-----BEGIN PRIVATE KEY-----"};
    size_t start = len;
    for (size_t i = 0; i < len && start == len; i++) {
        if (i > 0 && data[i - 1] != '\n') continue;
        for (size_t b = 0; b < 2; b++) {
            size_t bl = strlen(begins[b]);
            if (len - i >= bl && memcmp(data + i, begins[b], bl) == 0) start = i;
        }
    }
    if (start == len) return NACME_ERR_KEY;
    nacme_pem_splitter_t sp;
    nacme_pem_splitter_init(&sp, der, KEY_DER_MAX);
    size_t used = 0;
    nacme_pem_event_t ev = NACME_PEM_NEED_MORE;
    int rc = nacme_pem_split(&sp, (const char *)data + start, len - start, &used, &ev);
    int out = NACME_ERR_KEY;
    if (rc == NACME_OK && ev == NACME_PEM_BLOCK) {
        *n = sp.der_len;
        out = NACME_OK;
    }
    wipe(&sp, sizeof sp);
    return out;
}

static int key_import(void *ctx, const uint8_t *data, size_t len, nacme_key_t *key)
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || key == NULL || (data == NULL && len > 0)) return NACME_ERR_ARG;
    if (len > KEY_IMPORT_MAX) return NACME_ERR_KEY;
    int slot = free_slot(wc);
    if (slot < 0) return NACME_ERR_KEY;

    uint8_t der[KEY_DER_MAX];
    nacme_p256_key_der_t parsed;
    int rc = NACME_ERR_KEY;
    if (looks_like_pem(data, len)) {
        size_t n = 0;
        if (pem_key_block(data, len, der, &n) == NACME_OK) rc = nacme_p256_key_parse(der, n, &parsed);
    } else {
        rc = nacme_p256_key_parse(data, len, &parsed);
    }
    wipe(der, sizeof der);
    if (rc != NACME_OK) return NACME_ERR_KEY;

    if (!nacme_p256_scalar_valid(parsed.d)) {
        rc = NACME_ERR_KEY;
    } else {
        rc = load_scalar(wc, slot, parsed.d);
    }
    if (rc == NACME_OK && parsed.has_pub) {
        /* the stored public key must be the one the private key gives */
        uint8_t xy[64];
        rc = export_public(&wc->keys[slot], xy);
        if (rc == NACME_OK && memcmp(xy, parsed.xy, sizeof xy) != 0) rc = NACME_ERR_KEY;
        if (rc != NACME_OK) release_slot(wc, slot);
    }
    wipe(&parsed, sizeof parsed);
    if (rc == NACME_OK) key->id = (uint32_t)slot + 1u;
    return rc;
}

static void key_release(void *ctx, nacme_key_t key)
{
    nacme_wolfcrypt_t *wc = backend(ctx);
    if (wc == NULL || live_key(wc, key) == NULL) return;
    release_slot(wc, (int)key.id - 1);
}

/* ---- context ------------------------------------------------------------------ */

int nacme_wolfcrypt_init(nacme_wolfcrypt_t *wc, const nacme_entropy_t *entropy)
{
    return nacme_wolfcrypt_init_ex(wc, entropy, NULL);
}

int nacme_wolfcrypt_init_ex(nacme_wolfcrypt_t *wc, const nacme_entropy_t *entropy, void *heap)
{
    if (wc == NULL || entropy == NULL || entropy->fill == NULL) return NACME_ERR_ARG;
    memset(wc, 0, sizeof *wc);
    wc->heap = heap;
    if (wolfCrypt_Init() != 0) return NACME_ERR_CRYPTO;
    if (wc_InitRng_ex(&wc->rng, heap, INVALID_DEVID) != 0) {
        wolfCrypt_Cleanup();
        return NACME_ERR_CRYPTO;
    }
    wc->entropy = *entropy;
    wc->ready = true;
    return NACME_OK;
}

void nacme_wolfcrypt_free(nacme_wolfcrypt_t *wc)
{
    if (wc == NULL || !wc->ready) return;
    for (int i = 0; i < NACME_WOLFCRYPT_MAX_KEYS; i++) {
        if (wc->used[i]) release_slot(wc, i);
    }
    wc_FreeRng(&wc->rng);
    wolfCrypt_Cleanup();
    wipe(wc, sizeof *wc);
}

void nacme_wolfcrypt_port(nacme_wolfcrypt_t *wc, nacme_crypto_t *out)
{
    if (wc == NULL || out == NULL) return;
    out->ctx = wc;
    out->sha256_init = sha256_init;
    out->sha256_update = sha256_update;
    out->sha256_final = sha256_final;
    out->hmac_sha256 = hmac_sha256;
    out->key_generate = key_generate;
    out->key_public = key_public;
    out->sign_digest = sign_digest;
    out->key_export = key_export;
    out->key_import = key_import;
    out->key_release = key_release;
}
