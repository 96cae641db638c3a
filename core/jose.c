/* JWK, thumbprint, flattened JWS (ES256, HS256 inner), challenge material. */
#include "nacme_jose.h"

#include <string.h>

#include "internal.h"
#include "nacme_b64.h"

/* ---- JWK ---------------------------------------------------------------------- */

void nacme_jwk_write(nacme_sb_t *sb, const uint8_t xy[64])
{
    /*
     * RFC 7638: required members only, lexicographic order, no whitespace.
     * x and y are encoded here, not through a base64url layer of the
     * builder: a JWK may already sit two layers deep (the jwk header or the
     * oldKey of a keyChange inner JWS, the EAB payload, inside the outer
     * payload) and needs none of its own.
     */
    static const char *const part[3] = {"{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"", "\",\"y\":\"", "\"}"};
    char b64[NACME_B64_SHA256_LEN + 1];
    for (size_t i = 0; i < 2; i++) {
        nacme_sb_puts(sb, part[i]);
        (void)nacme_b64url_encode(xy + 32 * i, 32, b64, sizeof b64, NULL); /* always fits */
        nacme_sb_put(sb, b64, NACME_B64_SHA256_LEN);
    }
    nacme_sb_puts(sb, part[2]);
}

int nacme_sha256(const nacme_crypto_t *crypto, nacme_sha256_t *st, const uint8_t *data, size_t len,
                 uint8_t digest[32])
{
    int rc = crypto->sha256_init(crypto->ctx, st);
    if (rc == NACME_OK) rc = crypto->sha256_update(crypto->ctx, st, data, len);
    if (rc == NACME_OK) rc = crypto->sha256_final(crypto->ctx, st, digest);
    return rc;
}

static int hash_b64(const nacme_crypto_t *crypto, const uint8_t *data, size_t len,
                    char out[NACME_B64_SHA256_LEN + 1])
{
    nacme_sha256_t sha;
    uint8_t digest[32];
    int rc = nacme_sha256(crypto, &sha, data, len, digest);
    if (rc != NACME_OK) return rc;
    return nacme_b64url_encode(digest, sizeof digest, out, NACME_B64_SHA256_LEN + 1, NULL);
}

int nacme_jwk_thumbprint(const nacme_crypto_t *crypto, const uint8_t xy[64],
                         char out[NACME_B64_SHA256_LEN + 1])
{
    char jwk[NACME_JWK_LEN];
    nacme_sb_t sb;
    nacme_sb_init(&sb, jwk, sizeof jwk);
    nacme_jwk_write(&sb, xy);
    int rc = nacme_sb_status(&sb);
    if (rc != NACME_OK) return rc;
    return hash_b64(crypto, (const uint8_t *)jwk, sb.len, out);
}

/* ---- JWS ---------------------------------------------------------------------- */

static int hash_tap(void *ctx, const uint8_t *data, size_t len)
{
    nacme_jws_t *jws = ctx;
    int rc = jws->crypto->sha256_update(jws->crypto->ctx, jws->sha, data, len);
    /* the builder keeps only negative answers; a hash cannot be resumed, so "pending" fails */
    return rc > 0 ? NACME_ERR_CRYPTO : rc;
}

/* The protected header JSON (inside the caller's base64url layer). */
static void write_header(nacme_sb_t *sb, const char *alg, const nacme_jws_header_t *hdr)
{
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key_string(&w, "alg", alg);
    if (hdr->jwk_xy != NULL) {
        nacme_jw_key(&w, "jwk");
        nacme_jw_raw_begin(&w);
        nacme_jwk_write(sb, hdr->jwk_xy);
        nacme_jw_raw_end(&w);
    } else if (hdr->kid != NULL) {
        nacme_jw_key_string(&w, "kid", hdr->kid);
    }
    if (hdr->nonce != NULL) {
        nacme_jw_key_string(&w, "nonce", hdr->nonce);
    }
    nacme_jw_key_string(&w, "url", hdr->url);
    nacme_jw_object_end(&w);
}

static void set_tap(nacme_jws_t *jws, bool on)
{
    if (jws->crypto != NULL) nacme_sb_set_tap(jws->sb, on ? hash_tap : NULL, jws);
}

/* Write `{"protected":"..","payload":"` and open the payload layer. */
static void jws_open(nacme_jws_t *jws, const char *alg, const nacme_jws_header_t *hdr)
{
    nacme_sb_t *sb = jws->sb;
    /* exactly one of jwk and kid (a NULL url is refused by the JSON writer) */
    if ((hdr->jwk_xy == NULL) == (hdr->kid == NULL) && sb->err == NACME_OK) sb->err = NACME_ERR_ARG;
    nacme_sb_puts(sb, "{\"protected\":\"");
    set_tap(jws, true);
    nacme_sb_b64_begin(sb);
    write_header(sb, alg, hdr);
    nacme_sb_b64_end(sb);
    set_tap(jws, false);
    if (jws->crypto != NULL && jws->err == NACME_OK) jws->err = hash_tap(jws, (const uint8_t *)".", 1);
    nacme_sb_puts(sb, "\",\"payload\":\"");
    set_tap(jws, true);
    nacme_sb_b64_begin(sb);
}

void nacme_jws_begin(nacme_jws_t *jws, nacme_sb_t *sb, const nacme_crypto_t *crypto,
                     nacme_sha256_t *sha, const nacme_jws_header_t *hdr)
{
    jws->sb = sb;
    jws->crypto = crypto;
    jws->sha = sha;
    jws->err = crypto->sha256_init(crypto->ctx, sha);
    jws_open(jws, "ES256", hdr);
}

/* Close the payload layer (and the hashing) and write `","signature":"`. */
static void close_payload(nacme_jws_t *jws)
{
    nacme_sb_b64_end(jws->sb);
    set_tap(jws, false);
    nacme_sb_puts(jws->sb, "\",\"signature\":\"");
}

/* base64url(sig) and `"}`. */
static void put_sig(nacme_sb_t *sb, const uint8_t *sig, size_t len)
{
    nacme_sb_b64_begin(sb);
    nacme_sb_put(sb, sig, len);
    nacme_sb_b64_end(sb);
    nacme_sb_puts(sb, "\"}");
}

int nacme_jws_finish_payload(nacme_jws_t *jws, uint8_t digest[32])
{
    close_payload(jws);
    if (jws->err != NACME_OK) return jws->err;
    int rc = nacme_sb_status(jws->sb);
    if (rc != NACME_OK) return rc;
    return jws->crypto->sha256_final(jws->crypto->ctx, jws->sha, digest);
}

int nacme_jws_put_signature(nacme_sb_t *sb, const uint8_t rs[64])
{
    put_sig(sb, rs, 64);
    return nacme_sb_status(sb);
}

int nacme_jws_digest(const nacme_crypto_t *crypto, nacme_sha256_t *sha, const nacme_jws_header_t *hdr,
                     nacme_jws_payload_fn payload_fn, void *payload_ctx, char *scratch,
                     size_t scratch_cap, uint8_t digest[32])
{
    nacme_sb_t sb;
    nacme_jws_t jws;
    nacme_sb_init(&sb, scratch, scratch_cap);
    nacme_jws_begin(&jws, &sb, crypto, sha, hdr);
    if (payload_fn != NULL) payload_fn(payload_ctx, &sb);
    return nacme_jws_finish_payload(&jws, digest);
}

void nacme_jws_write(nacme_sb_t *sb, const nacme_jws_header_t *hdr, nacme_jws_payload_fn payload_fn,
                     void *payload_ctx, const uint8_t rs[64])
{
    nacme_jws_t jws = {.sb = sb, .crypto = NULL, .sha = NULL, .err = NACME_OK};
    jws_open(&jws, "ES256", hdr);
    if (payload_fn != NULL) payload_fn(payload_ctx, sb);
    close_payload(&jws);
    put_sig(sb, rs, 64);
}

/* ---- External Account Binding ------------------------------------------------------ */

/* The EAB signing input: b64(protected) "." b64(JWK). */
static void eab_signing_input(nacme_sb_t *sb, const char *kid, const char *url, const uint8_t xy[64])
{
    nacme_jws_header_t hdr = {.nonce = NULL, .url = url, .jwk_xy = NULL, .kid = kid};
    nacme_sb_b64_begin(sb);
    write_header(sb, "HS256", &hdr);
    nacme_sb_b64_end(sb);
    nacme_sb_putc(sb, '.');
    nacme_sb_b64_begin(sb);
    nacme_jwk_write(sb, xy);
    nacme_sb_b64_end(sb);
}

int nacme_eab_mac(const nacme_crypto_t *crypto, const char *kid, const char *url,
                  const uint8_t xy[64], const uint8_t *mac_key, size_t mac_key_len, char *scratch,
                  size_t scratch_cap, uint8_t mac[32])
{
    nacme_sb_t sb;
    nacme_sb_init(&sb, scratch, scratch_cap);
    eab_signing_input(&sb, kid, url, xy);
    int rc = nacme_sb_status(&sb);
    if (rc != NACME_OK) return rc;
    return crypto->hmac_sha256(crypto->ctx, mac_key, mac_key_len, (const uint8_t *)scratch, sb.len,
                               mac);
}

void nacme_eab_write(nacme_sb_t *sb, const char *kid, const char *url, const uint8_t xy[64],
                     const uint8_t mac[32])
{
    nacme_jws_header_t hdr = {.nonce = NULL, .url = url, .jwk_xy = NULL, .kid = kid};
    nacme_jws_t jws = {.sb = sb, .crypto = NULL, .sha = NULL, .err = NACME_OK};
    jws_open(&jws, "HS256", &hdr);
    nacme_jwk_write(sb, xy);
    close_payload(&jws);
    put_sig(sb, mac, 32);
}

/* ---- challenge material ---------------------------------------------------------- */

int nacme_key_authorization(const char *token, const char *thumbprint, char *out, size_t cap)
{
    size_t tlen = strlen(token);
    if (tlen == 0) return NACME_ERR_ARG;
    for (size_t i = 0; i < tlen; i++) {
        if (nacme_b64_value(token[i], 1) < 0) return NACME_ERR_ARG;
    }
    nacme_sb_t sb;
    nacme_sb_init(&sb, out, cap);
    nacme_sb_put(&sb, token, tlen);
    nacme_sb_putc(&sb, '.');
    nacme_sb_puts(&sb, thumbprint);
    return nacme_sb_cstr(&sb) != NULL ? NACME_OK : NACME_ERR_TOO_LARGE;
}

int nacme_dns01_value(const nacme_crypto_t *crypto, const char *key_authorization,
                      char out[NACME_B64_SHA256_LEN + 1])
{
    return hash_b64(crypto, (const uint8_t *)key_authorization, strlen(key_authorization), out);
}
