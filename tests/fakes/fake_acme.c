/* A scripted ACME server (RFC 8555, Pebble-like) behind an in-memory transport. */
#include "fake_acme.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/sha256.h>

#include "nacme_b64.h"
#include "nacme_certgen.h"
#include "nacme_der.h"
#include "nacme_json.h"
#include "nacme_pem.h"
#include "nacme_time.h"
#include "nanoacme.h"
#include "x509_write.h"

#define BASE "https://" FAKE_ACME_HOST
#define MAX_ACCOUNTS 48
#define MAX_ORDERS 32
#define MAX_AUTHZ 128
#define NONCES 64

struct account {
    bool used;
    uint8_t xy[64];
    bool deactivated;
};

struct order {
    bool used;
    unsigned account;
    unsigned n_ids;
    char type[4][4];
    char value[4][256];
    unsigned authz[4];
    int status; /* ST_* values of the engine are private: strings below */
    unsigned pending_left;
    unsigned processing_left;
    bool answered_all;
    uint8_t cert_xy[64];
    uint32_t serial;
    bool revoked;
    char replaces[128];
};

struct authz {
    bool used;
    unsigned order;
    unsigned id;
    bool wildcard;
    char status[12];
    char token[32];
    char chall_status[3][12];
    bool deactivated;
};

enum { O_PENDING, O_READY, O_PROCESSING, O_VALID, O_INVALID };
static const char *const order_status_names[] = {"pending", "ready", "processing", "valid", "invalid"};
static const char *const chall_names[3] = {"http-01", "dns-01", "tls-alpn-01"};

struct fake_acme {
    fake_acme_config_t cfg;
    const fake_clock_t *clock;
    char nonces[NONCES][16];
    unsigned nonce_counter;
    uint32_t rng;
    unsigned posts;
    struct account accounts[MAX_ACCOUNTS + 1];
    struct order orders[MAX_ORDERS + 1];
    struct authz authz[MAX_AUTHZ + 1];
    unsigned n_orders, n_authz, deactivated_authz;
    char log[FAKE_ACME_LOG][40];
    unsigned n_log;
    unsigned violations;
    char violation[200];
    unsigned bad_nonces;
    unsigned requests;
    char last_replaces[128];
};

/* A response under construction. */
struct resp {
    int status;
    char headers[2048];
    size_t hlen;
    char body[16384];
    size_t blen;
    const char *ctype;
};

static void hdr(struct resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->headers + r->hlen, sizeof r->headers - r->hlen, fmt, ap);
    va_end(ap);
    if (n > 0) r->hlen += (size_t)n;
    r->hlen += (size_t)snprintf(r->headers + r->hlen, sizeof r->headers - r->hlen, "\r\n");
}

static void body(struct resp *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(r->body + r->blen, sizeof r->body - r->blen, fmt, ap);
    va_end(ap);
    if (n > 0) r->blen += (size_t)n;
}

static void violation(fake_acme_t *a, const char *what)
{
    a->violations++;
    snprintf(a->violation, sizeof a->violation, "%s", what);
}

static void log_req(fake_acme_t *a, const char *entry)
{
    if (a->n_log < FAKE_ACME_LOG) snprintf(a->log[a->n_log++], sizeof a->log[0], "%s", entry);
}

static uint32_t rnd(fake_acme_t *a)
{
    a->rng = a->rng * 1103515245u + 12345u;
    return (a->rng >> 8) & 0xffffffu;
}

static int64_t now_s(const fake_acme_t *a)
{
    return a->clock->unix_base + (int64_t)(a->clock->mono_ms / 1000u);
}

static const char *new_nonce(fake_acme_t *a)
{
    char *n = a->nonces[a->nonce_counter % NONCES];
    snprintf(n, sizeof a->nonces[0], "N%uZ", ++a->nonce_counter);
    return n;
}

/* Consume a nonce; false when unknown or used. */
static bool use_nonce(fake_acme_t *a, const char *n)
{
    for (size_t i = 0; i < NONCES; i++) {
        if (a->nonces[i][0] != '\0' && strcmp(a->nonces[i], n) == 0) {
            a->nonces[i][0] = '\0';
            return true;
        }
    }
    return false;
}

static void problem(struct resp *r, int status, const char *type, const char *detail)
{
    r->status = status;
    r->ctype = "application/problem+json";
    r->blen = 0;
    body(r, "{\n   \"type\": \"urn:ietf:params:acme:error:%s\",\n   \"detail\": \"%s\",\n   \"status\": %d\n}", type,
         detail, status);
}

/* ---- JWS ----------------------------------------------------------------------------- */

struct jws {
    nacme_json_t hj, pj;
    jsmntok_t ht[64], pt[128];
    char header[1024];
    char payload[4096];
    size_t payload_len;
    char url[300];
    char nonce[100];
    char kid[300];
    bool has_jwk;
    uint8_t jwk_xy[64];
};

static int b64_field(nacme_json_t *j, int obj, const char *key, uint8_t *out, size_t cap, size_t *len)
{
    int t = nacme_json_get_typed(j, obj, key, NACME_JSON_STRING);
    if (t < 0) return -1;
    size_t rl;
    const char *raw = nacme_json_raw(j, t, &rl);
    return nacme_b64url_decode(raw, rl, out, cap, len) == NACME_OK ? 0 : -1;
}

static int jwk_xy(nacme_json_t *j, int jwk, uint8_t xy[64])
{
    size_t n;
    if (!nacme_json_streq(j, nacme_json_get(j, jwk, "kty"), "EC") || !nacme_json_streq(j, nacme_json_get(j, jwk, "crv"), "P-256"))
        return -1;
    if (b64_field(j, jwk, "x", xy, 32, &n) != 0 || n != 32) return -1;
    if (b64_field(j, jwk, "y", xy + 32, 32, &n) != 0 || n != 32) return -1;
    return 0;
}

static bool verify_es256(const uint8_t xy[64], const uint8_t *msg, size_t msg_len, const uint8_t rs[64])
{
    uint8_t hash[32];
    wc_Sha256Hash(msg, (word32)msg_len, hash);
    uint8_t der_buf[80];
    nacme_der_t d;
    nacme_der_init(&d, der_buf, sizeof der_buf);
    nacme_der_ecdsa_sig(&d, rs);
    ecc_key key;
    int ok = 0;
    if (wc_ecc_init(&key) != 0) return false;
    if (wc_ecc_import_unsigned(&key, xy, xy + 32, NULL, ECC_SECP256R1) == 0) {
        if (wc_ecc_verify_hash(nacme_der_data(&d), (word32)nacme_der_len(&d), hash, 32, &ok, &key) != 0) ok = 0;
    }
    wc_ecc_free(&key);
    return ok == 1;
}

/*
 * Check a flattened JWS body: structure, ES256 signature (jwk or the account
 * of kid), url. Fills j. Returns the account number (0 for jwk requests) or
 * -1 after writing an error response.
 */
static int check_jws(fake_acme_t *a, const char *path, const uint8_t *data, size_t len, struct jws *j,
                     struct resp *r)
{
    nacme_json_t outer;
    jsmntok_t ot[16];
    nacme_json_init(&outer, ot, 16);
    if (nacme_json_parse(&outer, (const char *)data, len) != NACME_OK) {
        violation(a, "body is not JSON");
        problem(r, 400, "malformed", "body is not JSON");
        return -1;
    }
    int tp = nacme_json_get_typed(&outer, 0, "protected", NACME_JSON_STRING);
    int tl = nacme_json_get_typed(&outer, 0, "payload", NACME_JSON_STRING);
    int ts = nacme_json_get_typed(&outer, 0, "signature", NACME_JSON_STRING);
    if (tp < 0 || tl < 0 || ts < 0 || nacme_json_count(&outer, 0) != 3) {
        violation(a, "not a flattened JWS");
        problem(r, 400, "malformed", "not a flattened JWS");
        return -1;
    }
    size_t pl, ll, sl, n;
    const char *p64 = nacme_json_raw(&outer, tp, &pl);
    const char *l64 = nacme_json_raw(&outer, tl, &ll);
    const char *s64 = nacme_json_raw(&outer, ts, &sl);
    uint8_t sig[80];
    if (nacme_b64url_decode(p64, pl, (uint8_t *)j->header, sizeof j->header - 1, &n) != NACME_OK) return -1;
    j->header[n] = '\0';
    if (nacme_b64url_decode(l64, ll, (uint8_t *)j->payload, sizeof j->payload - 1, &j->payload_len) != NACME_OK) return -1;
    j->payload[j->payload_len] = '\0';
    if (nacme_b64url_decode(s64, sl, sig, sizeof sig, &n) != NACME_OK || n != 64) {
        violation(a, "signature is not 64 bytes of r||s");
        problem(r, 400, "malformed", "bad signature encoding");
        return -1;
    }
    nacme_json_init(&j->hj, j->ht, 64);
    if (nacme_json_parse(&j->hj, j->header, strlen(j->header)) != NACME_OK ||
        !nacme_json_streq(&j->hj, nacme_json_get(&j->hj, 0, "alg"), "ES256")) {
        violation(a, "protected header invalid or alg not ES256");
        problem(r, 400, "badSignatureAlgorithm", "ES256 only");
        return -1;
    }
    int tu = nacme_json_get_typed(&j->hj, 0, "url", NACME_JSON_STRING);
    int tn = nacme_json_get_typed(&j->hj, 0, "nonce", NACME_JSON_STRING);
    int tk = nacme_json_get_typed(&j->hj, 0, "kid", NACME_JSON_STRING);
    int tj = nacme_json_get_typed(&j->hj, 0, "jwk", NACME_JSON_OBJECT);
    if (tu < 0 || tn < 0 || (tk >= 0) == (tj >= 0)) {
        violation(a, "protected header needs url, nonce and exactly one of jwk, kid");
        problem(r, 400, "malformed", "header members");
        return -1;
    }
    nacme_json_string(&j->hj, tu, j->url, sizeof j->url, NULL);
    nacme_json_string(&j->hj, tn, j->nonce, sizeof j->nonce, NULL);
    char want[300];
    snprintf(want, sizeof want, BASE "%s", path);
    if (strcmp(want, j->url) != 0) {
        violation(a, "JWS url differs from the request URL");
        problem(r, 401, "unauthorized", "url mismatch");
        return -1;
    }
    /* the signing input as sent */
    char input[8192];
    if (pl + ll + 2 > sizeof input) return -1;
    memcpy(input, p64, pl);
    input[pl] = '.';
    memcpy(input + pl + 1, l64, ll);
    int account = 0;
    uint8_t xy[64];
    if (tj >= 0) {
        if (jwk_xy(&j->hj, tj, xy) != 0) {
            violation(a, "jwk is not a P-256 JWK");
            problem(r, 400, "malformed", "jwk");
            return -1;
        }
        j->has_jwk = true;
        memcpy(j->jwk_xy, xy, 64);
    } else {
        nacme_json_string(&j->hj, tk, j->kid, sizeof j->kid, NULL);
        unsigned id = 0;
        if (sscanf(j->kid, BASE "/acct/%u", &id) != 1 || id == 0 || id > MAX_ACCOUNTS || !a->accounts[id].used) {
            problem(r, 400, "accountDoesNotExist", "unknown kid");
            return -1;
        }
        if (a->accounts[id].deactivated) {
            problem(r, 401, "unauthorized", "account deactivated");
            return -1;
        }
        memcpy(xy, a->accounts[id].xy, 64);
        account = (int)id;
    }
    if (!verify_es256(xy, (const uint8_t *)input, pl + 1 + ll, sig)) {
        violation(a, "JWS signature does not verify");
        problem(r, 403, "unauthorized", "bad signature");
        return -1;
    }
    /* nonce last, as Pebble does: a request with a used nonce is badNonce */
    bool reject = a->posts <= a->cfg.reject_first_nonces ||
                  (a->cfg.nonce_reject_pct && rnd(a) % 100u < a->cfg.nonce_reject_pct);
    if (!use_nonce(a, j->nonce) || reject) {
        a->bad_nonces++;
        problem(r, 400, "badNonce", "JWS has an invalid anti-replay nonce");
        return -1;
    }
    if (j->payload_len > 0) {
        nacme_json_init(&j->pj, j->pt, 128);
        if (nacme_json_parse(&j->pj, j->payload, j->payload_len) != NACME_OK) {
            violation(a, "payload is not JSON");
            problem(r, 400, "malformed", "payload");
            return -1;
        }
    }
    return account;
}

/* ---- objects --------------------------------------------------------------------------- */

static void write_order(fake_acme_t *a, struct resp *r, unsigned id)
{
    struct order *o = &a->orders[id];
    r->ctype = "application/json; charset=utf-8";
    body(r, "{\n   \"status\": \"%s\",\n   \"expires\": \"2099-01-01T00:00:00Z\",\n   \"identifiers\": [", order_status_names[o->status]);
    for (unsigned i = 0; i < o->n_ids; i++) {
        body(r, "%s\n      {\n         \"type\": \"%s\",\n         \"value\": \"%s\"\n      }", i ? "," : "", o->type[i], o->value[i]);
    }
    body(r, "\n   ],\n   \"finalize\": \"" BASE "/finalize/%u\",\n   \"authorizations\": [", id);
    for (unsigned i = 0; i < o->n_ids; i++) body(r, "%s\n      \"" BASE "/authz/%u\"", i ? "," : "", o->authz[i]);
    body(r, "\n   ]");
    if (o->status == O_VALID) body(r, ",\n   \"certificate\": \"" BASE "/cert/%u\"", id);
    if (o->status == O_INVALID) body(r, ",\n   \"error\": {\"type\": \"urn:ietf:params:acme:error:unauthorized\", \"detail\": \"validation failed\"}");
    if (a->cfg.big_body) {
        body(r, ",\n   \"padding\": \"");
        for (int i = 0; i < 9000; i++) body(r, "x");
        body(r, "\"");
    }
    body(r, "\n}");
}

static unsigned offered(const fake_acme_t *a)
{
    return a->cfg.offer ? a->cfg.offer : (NACME_CHALLENGE_HTTP_01 | NACME_CHALLENGE_DNS_01 | NACME_CHALLENGE_TLS_ALPN_01);
}

static void write_authz(fake_acme_t *a, struct resp *r, unsigned id)
{
    struct authz *z = &a->authz[id];
    struct order *o = &a->orders[z->order];
    const char *v = o->value[z->id];
    if (z->wildcard) v += 2;
    r->ctype = "application/json; charset=utf-8";
    body(r, "{\n   \"status\": \"%s\",\n   \"identifier\": {\n      \"type\": \"%s\",\n      \"value\": \"%s\"\n   },\n   \"challenges\": [",
         z->status, o->type[z->id], v);
    bool first = true;
    for (unsigned k = 0; k < 3; k++) {
        if (!(offered(a) & (1u << k))) continue;
        if (z->wildcard && k != 1) continue;
        if (strcmp(o->type[z->id], "ip") == 0 && k == 1) continue;
        body(r, "%s\n      {\n         \"type\": \"%s\",\n         \"url\": \"" BASE "/chall/%u/%u\",\n         \"token\": \"%s\",\n         \"status\": \"%s\"",
             first ? "" : ",", chall_names[k], id, k, z->token, z->chall_status[k]);
        if (strcmp(z->chall_status[k], "invalid") == 0) {
            body(r, ",\n         \"error\": {\"type\": \"urn:ietf:params:acme:error:connection\", \"detail\": \"could not connect\"}");
        }
        body(r, "\n      }");
        first = false;
    }
    body(r, "\n   ],\n   \"expires\": \"2099-01-01T00:00:00Z\"%s\n}", z->wildcard ? ",\n   \"wildcard\": true" : "");
}

/* The certificate (and chain k) for order id, PEM. */
static void write_chain(fake_acme_t *a, struct resp *r, unsigned id, unsigned k)
{
    struct order *o = &a->orders[id];
    static uint8_t der[4096];
    nacme_der_t d;
    nacme_sb_t sb;
    nacme_sb_init(&sb, r->body, sizeof r->body);
    const uint8_t fake_sig[64] = {0x11, 0x22};
    int64_t now = now_s(a);
    uint32_t life = a->cfg.lifetime_s ? a->cfg.lifetime_s : 90u * 86400u;
    nacme_identifier_t ids[5];
    size_t n = o->n_ids;
    for (unsigned i = 0; i < o->n_ids; i++) {
        ids[i].type = strcmp(o->type[i], "ip") == 0 ? NACME_ID_IP : NACME_ID_DNS;
        ids[i].value = o->value[i];
    }
    if (a->cfg.extra_san) {
        ids[n].type = NACME_ID_DNS;
        ids[n++].value = "extra.example";
    }
    uint8_t xy[64];
    memcpy(xy, o->cert_xy, 64);
    if (a->cfg.wrong_key_cert) xy[5] ^= 1;
    /* leaf */
    nacme_der_init(&d, der, sizeof der);
    size_t cert = nacme_der_mark(&d);
    nacme_der_signature_tail(&d, fake_sig);
    size_t tbs = nacme_der_mark(&d);
    size_t e3 = nacme_der_mark(&d);
    size_t exts = nacme_der_mark(&d);
    size_t aki = nacme_der_mark(&d);
    static const uint8_t aki_oid[] = {0x55, 0x1d, 0x23};
    static const uint8_t keyid[20] = {0xaa, 0xbb, 0xcc, 0xdd, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    size_t akiseq = nacme_der_mark(&d);
    nacme_der_primitive(&d, NACME_DER_CONTEXT(0), keyid, sizeof keyid);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, akiseq);
    nacme_der_extension(&d, aki_oid, sizeof aki_oid, false, aki);
    size_t san = nacme_der_mark(&d);
    nacme_der_general_names(&d, ids, n);
    nacme_der_extension(&d, nacme_oid_subject_alt_name, 3, false, san);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, exts);
    nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(3), e3);
    nacme_der_p256_spki(&d, xy);
    nacme_der_name_cn(&d, ids[0].type == NACME_ID_DNS ? ids[0].value : NULL, strlen(ids[0].value));
    size_t val = nacme_der_mark(&d);
    nacme_der_time(&d, now + (int64_t)life);
    nacme_der_time(&d, now - 60);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, val);
    nacme_der_name_cn(&d, "Fake Intermediate", 17);
    nacme_der_ecdsa_sha256_alg(&d);
    uint8_t serial[4] = {0x10, (uint8_t)(o->serial >> 16), (uint8_t)(o->serial >> 8), (uint8_t)o->serial};
    nacme_der_integer(&d, serial, 4);
    size_t v = nacme_der_mark(&d);
    nacme_der_integer_u32(&d, 2);
    nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(0), v);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, tbs);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, cert);
    nacme_sb_puts(&sb, "-----BEGIN CERTIFICATE-----\n");
    sb.len = 0;
    nacme_pem_encode(&sb, "CERTIFICATE", nacme_der_data(&d), nacme_der_len(&d));
    /* intermediate, issued by the chain's root */
    const char *root = fake_acme_root_name(k);
    nacme_der_init(&d, der, sizeof der);
    cert = nacme_der_mark(&d);
    nacme_der_signature_tail(&d, fake_sig);
    tbs = nacme_der_mark(&d);
    uint8_t ca_xy[64];
    memset(ca_xy, 0x42, sizeof ca_xy);
    nacme_der_p256_spki(&d, ca_xy);
    nacme_der_name_cn(&d, "Fake Intermediate", 17);
    val = nacme_der_mark(&d);
    nacme_der_time(&d, now + 10 * 365 * 86400);
    nacme_der_time(&d, now - 86400);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, val);
    nacme_der_name_cn(&d, root, strlen(root));
    nacme_der_ecdsa_sha256_alg(&d);
    uint8_t iserial[2] = {0x01, (uint8_t)k};
    nacme_der_integer(&d, iserial, 2);
    v = nacme_der_mark(&d);
    nacme_der_integer_u32(&d, 2);
    nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(0), v);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, tbs);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, cert);
    nacme_sb_puts(&sb, "\n");
    nacme_pem_encode(&sb, "CERTIFICATE", nacme_der_data(&d), nacme_der_len(&d));
    r->blen = sb.len;
    r->ctype = "application/pem-certificate-chain";
}

const char *fake_acme_root_name(unsigned k)
{
    static const char *const names[] = {"Fake Root A", "Fake Root B", "Fake Root C", "Fake Root D", "Fake Root E"};
    return names[k < 5 ? k : 4];
}

/* The public key in a CSR (after checking the CSR's own signature). */
static int csr_key(fake_acme_t *a, const uint8_t *der, size_t len, uint8_t xy[64])
{
    const uint8_t *p = der;
    size_t n = len;
    nacme_der_tlv_t csr, cri, t;
    if (nacme_der_expect(&p, &n, NACME_DER_SEQUENCE, &csr) != NACME_OK || n != 0) return -1;
    const uint8_t *q = csr.value;
    size_t m = csr.len;
    const uint8_t *cri_start = q;
    if (nacme_der_expect(&q, &m, NACME_DER_SEQUENCE, &cri) != NACME_OK) return -1;
    size_t cri_total = cri.total;
    nacme_der_tlv_t alg, sigbits;
    if (nacme_der_expect(&q, &m, NACME_DER_SEQUENCE, &alg) != NACME_OK) return -1;
    if (nacme_der_expect(&q, &m, NACME_DER_BIT_STRING, &sigbits) != NACME_OK || m != 0) return -1;
    const uint8_t *r = cri.value;
    size_t rl = cri.len;
    if (nacme_der_expect(&r, &rl, NACME_DER_INTEGER, &t) != NACME_OK) return -1;
    if (nacme_der_expect(&r, &rl, NACME_DER_SEQUENCE, &t) != NACME_OK) return -1; /* subject */
    nacme_der_tlv_t spki;
    if (nacme_der_expect(&r, &rl, NACME_DER_SEQUENCE, &spki) != NACME_OK) return -1;
    const uint8_t *s = spki.value;
    size_t sl = spki.len;
    if (nacme_der_expect(&s, &sl, NACME_DER_SEQUENCE, &t) != NACME_OK) return -1;
    if (nacme_der_expect(&s, &sl, NACME_DER_BIT_STRING, &t) != NACME_OK || t.len != 66 || t.value[1] != 4) return -1;
    memcpy(xy, t.value + 2, 64);
    /* verify the CSR signature over the CertificationRequestInfo */
    uint8_t hash[32];
    wc_Sha256Hash(cri_start, (word32)cri_total, hash);
    ecc_key key;
    int ok = 0;
    wc_ecc_init(&key);
    if (wc_ecc_import_unsigned(&key, xy, xy + 32, NULL, ECC_SECP256R1) == 0 && sigbits.len > 1) {
        if (wc_ecc_verify_hash(sigbits.value + 1, (word32)(sigbits.len - 1), hash, 32, &ok, &key) != 0) ok = 0;
    }
    wc_ecc_free(&key);
    if (ok != 1) {
        violation(a, "CSR signature does not verify");
        return -1;
    }
    return 0;
}

/* ---- request handling ------------------------------------------------------------------- */

static void directory(fake_acme_t *a, struct resp *r)
{
    r->ctype = "application/json; charset=utf-8";
    body(r, "{\n   \"keyChange\": \"" BASE "/key-change\",\n   \"meta\": {\n      \"externalAccountRequired\": %s",
         a->cfg.eab_required ? "true" : "false");
    if (a->cfg.tos) body(r, ",\n      \"termsOfService\": \"data:text/plain,Do%%20what%%20thou%%20wilt\"");
    if (a->cfg.profiles[0] != NULL) {
        body(r, ",\n      \"profiles\": {");
        for (int i = 0; i < 4 && a->cfg.profiles[i]; i++) body(r, "%s\"%s\": \"about %s\"", i ? ", " : "", a->cfg.profiles[i], a->cfg.profiles[i]);
        body(r, "}");
    }
    body(r, "\n   },\n   \"newAccount\": \"" BASE "/new-acct\",\n   \"newNonce\": \"" BASE "/nonce\",\n   \"newOrder\": \"" BASE
            "/new-order\",\n   \"revokeCert\": \"" BASE "/revoke\",\n   \"xGzBrDUabbq4\": \"https://community.example/t/33417\"");
    if (a->cfg.ari) body(r, ",\n   \"renewalInfo\": \"" BASE "/renewal-info\"");
    body(r, "\n}");
}

static int find_account(fake_acme_t *a, const uint8_t xy[64])
{
    for (unsigned i = 1; i <= MAX_ACCOUNTS; i++) {
        if (a->accounts[i].used && memcmp(a->accounts[i].xy, xy, 64) == 0) return (int)i;
    }
    return 0;
}

static void account_body(fake_acme_t *a, struct resp *r, unsigned id)
{
    r->ctype = "application/json; charset=utf-8";
    body(r, "{\n   \"status\": \"%s\"", a->accounts[id].deactivated ? "deactivated" : "valid");
    if (!a->cfg.no_orders_list) body(r, ",\n   \"orders\": \"" BASE "/acct/%u/orders\"", id);
    body(r, "\n}");
    hdr(r, "Location: " BASE "/acct/%u", id);
}

static void new_account(fake_acme_t *a, struct jws *j, struct resp *r)
{
    if (!j->has_jwk) {
        violation(a, "newAccount must carry jwk");
        problem(r, 400, "malformed", "jwk required");
        return;
    }
    int id = find_account(a, j->jwk_xy);
    bool only_existing = j->payload_len > 0 && nacme_json_get_typed(&j->pj, 0, "onlyReturnExisting", NACME_JSON_TRUE) >= 0;
    if (id > 0) {
        r->status = 200;
        account_body(a, r, (unsigned)id);
        return;
    }
    if (only_existing) {
        problem(r, 400, "accountDoesNotExist", "no account for this key");
        return;
    }
    if (a->cfg.tos && nacme_json_get_typed(&j->pj, 0, "termsOfServiceAgreed", NACME_JSON_TRUE) < 0) {
        problem(r, 403, "userActionRequired", "must agree to terms of service");
        return;
    }
    int eab = nacme_json_get_typed(&j->pj, 0, "externalAccountBinding", NACME_JSON_OBJECT);
    if (a->cfg.eab_required && eab < 0) {
        problem(r, 401, "externalAccountRequired", "no EAB");
        return;
    }
    if (eab >= 0) {
        /* the inner JWS: HS256 by the EAB key over the account JWK */
        size_t pl, ll, sl, n;
        const char *p64 = nacme_json_raw(&j->pj, nacme_json_get(&j->pj, eab, "protected"), &pl);
        const char *l64 = nacme_json_raw(&j->pj, nacme_json_get(&j->pj, eab, "payload"), &ll);
        const char *s64 = nacme_json_raw(&j->pj, nacme_json_get(&j->pj, eab, "signature"), &sl);
        char input[2048];
        uint8_t mac[32], want[32];
        if (!p64 || !l64 || !s64 || pl + ll + 2 > sizeof input ||
            nacme_b64url_decode(s64, sl, mac, sizeof mac, &n) != NACME_OK || n != 32) {
            violation(a, "EAB JWS malformed");
            problem(r, 400, "malformed", "eab");
            return;
        }
        memcpy(input, p64, pl);
        input[pl] = '.';
        memcpy(input + pl + 1, l64, ll);
        Hmac h;
        wc_HmacInit(&h, NULL, INVALID_DEVID);
        wc_HmacSetKey(&h, WC_SHA256, a->cfg.eab_key, (word32)a->cfg.eab_key_len);
        wc_HmacUpdate(&h, (const byte *)input, (word32)(pl + 1 + ll));
        wc_HmacFinal(&h, want);
        wc_HmacFree(&h);
        if (memcmp(mac, want, 32) != 0) {
            violation(a, "EAB MAC does not verify");
            problem(r, 400, "unauthorized", "eab mac");
            return;
        }
    }
    for (unsigned i = 1; i <= MAX_ACCOUNTS; i++) {
        if (!a->accounts[i].used) {
            a->accounts[i].used = true;
            memcpy(a->accounts[i].xy, j->jwk_xy, 64);
            r->status = 201;
            account_body(a, r, i);
            return;
        }
    }
    problem(r, 500, "serverInternal", "too many accounts");
}

static void new_order(fake_acme_t *a, unsigned account, struct jws *j, struct resp *r)
{
    int ids = nacme_json_get_typed(&j->pj, 0, "identifiers", NACME_JSON_ARRAY);
    int n = ids >= 0 ? nacme_json_count(&j->pj, ids) : 0;
    if (n < 1 || n > 4 || a->n_orders >= MAX_ORDERS || a->n_authz + 4u > MAX_AUTHZ) {
        problem(r, 400, "malformed", "identifiers");
        return;
    }
    int rep = nacme_json_get_typed(&j->pj, 0, "replaces", NACME_JSON_STRING);
    a->last_replaces[0] = '\0';
    if (rep >= 0) nacme_json_string(&j->pj, rep, a->last_replaces, sizeof a->last_replaces, NULL);
    if (rep >= 0 && a->cfg.reject_replaces) {
        problem(r, 409, "alreadyReplaced", "the certificate was already replaced");
        return;
    }
    int prof = nacme_json_get_typed(&j->pj, 0, "profile", NACME_JSON_STRING);
    if (prof >= 0) {
        bool known = false;
        for (int i = 0; i < 4 && a->cfg.profiles[i]; i++) known |= nacme_json_streq(&j->pj, prof, a->cfg.profiles[i]);
        if (!known) {
            problem(r, 400, "invalidProfile", "unknown profile");
            return;
        }
    }
    unsigned id = ++a->n_orders;
    struct order *o = &a->orders[id];
    memset(o, 0, sizeof *o);
    o->used = true;
    o->account = account;
    o->serial = 0x1000u + id;
    o->pending_left = a->cfg.pending_polls;
    o->processing_left = a->cfg.processing_polls;
    unsigned i = 0;
    bool all_valid = true;
    for (int e = nacme_json_first(&j->pj, ids); e >= 0; e = nacme_json_next(&j->pj, ids, e), i++) {
        nacme_json_string(&j->pj, nacme_json_get(&j->pj, e, "type"), o->type[i], sizeof o->type[i], NULL);
        nacme_json_string(&j->pj, nacme_json_get(&j->pj, e, "value"), o->value[i], sizeof o->value[i], NULL);
        unsigned z = ++a->n_authz;
        struct authz *az = &a->authz[z];
        memset(az, 0, sizeof *az);
        az->used = true;
        az->order = id;
        az->id = i;
        az->wildcard = o->value[i][0] == '*';
        bool valid = (a->cfg.valid_authz >> i) & 1u;
        all_valid &= valid;
        snprintf(az->status, sizeof az->status, "%s", valid ? "valid" : "pending");
        snprintf(az->token, sizeof az->token, "tok%04uAbCdEfGhIjKlMnOpQrStU", z);
        for (int k = 0; k < 3; k++) snprintf(az->chall_status[k], sizeof az->chall_status[0], "%s", valid ? "valid" : "pending");
        o->authz[i] = z;
    }
    o->n_ids = i;
    o->status = all_valid ? O_READY : O_PENDING;
    r->status = 201;
    hdr(r, "Location: " BASE "/order/%u", id);
    write_order(a, r, id);
}

/* Order progress when it is looked at. */
static void advance_order(fake_acme_t *a, unsigned id)
{
    struct order *o = &a->orders[id];
    if (o->status == O_PENDING) {
        bool all = true, failed = false;
        for (unsigned i = 0; i < o->n_ids; i++) {
            struct authz *z = &a->authz[o->authz[i]];
            all &= strcmp(z->status, "valid") == 0;
            failed |= strcmp(z->status, "invalid") == 0;
        }
        if (failed) {
            o->status = O_INVALID;
        } else if (all) {
            if (o->pending_left > 0) o->pending_left--;
            else o->status = O_READY;
        }
    } else if (o->status == O_PROCESSING) {
        if (o->processing_left > 0) o->processing_left--;
        else o->status = O_VALID;
    }
}

static void answer_challenge(fake_acme_t *a, unsigned z, unsigned k, struct resp *r)
{
    struct authz *az = &a->authz[z];
    bool race = a->cfg.answer_race > 0;
    if (a->cfg.refuse_answers || (!race && strcmp(az->chall_status[k], "pending") != 0)) {
        /* as Pebble: only a pending challenge can be answered */
        problem(r, 400, "malformed", "Cannot update challenge with status valid, only status pending");
        return;
    }
    snprintf(az->chall_status[k], sizeof az->chall_status[0], "%s", a->cfg.fail_validation ? "invalid" : "valid");
    snprintf(az->status, sizeof az->status, "%s", a->cfg.fail_validation ? "invalid" : "valid");
    if (race) {
        /* validated by an answer sent before a restart, just after the client read the authorization */
        a->cfg.answer_race--;
        problem(r, 400, "malformed", "Cannot update challenge with status valid, only status pending");
        return;
    }
    r->ctype = "application/json; charset=utf-8";
    hdr(r, "Link: <" BASE "/authz/%u>;rel=\"up\"", z);
    body(r, "{\n   \"type\": \"%s\",\n   \"url\": \"" BASE "/chall/%u/%u\",\n   \"token\": \"%s\",\n   \"status\": \"processing\"\n}",
         chall_names[k], z, k, az->token);
}

static void handle(fake_acme_t *a, const char *method, const char *path, const uint8_t *data, size_t len, struct resp *r)
{
    r->status = 200;
    unsigned id = 0, k = 0;
    struct jws *j = calloc(1, sizeof *j);
    if (strcmp(method, "GET") == 0 && strcmp(path, "/dir") == 0) {
        log_req(a, "GET directory");
        directory(a, r);
    } else if (strcmp(path, "/nonce") == 0) {
        log_req(a, strcmp(method, "HEAD") == 0 ? "HEAD newNonce" : "GET newNonce");
        r->status = strcmp(method, "HEAD") == 0 ? 200 : 204;
    } else if (strcmp(method, "GET") == 0 && strncmp(path, "/renewal-info/", 14) == 0) {
        log_req(a, "GET renewalInfo");
        char s[32], e[32];
        nacme_time_format_rfc3339(a->cfg.ari_start, s, sizeof s);
        nacme_time_format_rfc3339(a->cfg.ari_end, e, sizeof e);
        r->ctype = "application/json";
        body(r, "{\"suggestedWindow\": {\"start\": \"%s\", \"end\": \"%s\"}}", s, e);
        if (a->cfg.ari_retry_after >= 0) hdr(r, "Retry-After: %d", a->cfg.ari_retry_after);
    } else if (strcmp(method, "POST") != 0) {
        log_req(a, "other");
        problem(r, 405, "malformed", "method");
    } else {
        a->posts++;
        const char *what = strcmp(path, "/new-acct") == 0     ? "POST newAccount"
                           : strcmp(path, "/new-order") == 0  ? "POST newOrder"
                           : strncmp(path, "/authz/", 7) == 0 ? "POST authorization"
                           : strncmp(path, "/chall/", 7) == 0 ? "POST challenge"
                           : strncmp(path, "/order/", 7) == 0 ? "POST order"
                           : strncmp(path, "/finalize/", 10) == 0 ? "POST finalize"
                           : strncmp(path, "/cert/", 6) == 0  ? "POST certificate"
                           : strcmp(path, "/revoke") == 0     ? "POST revokeCert"
                           : strcmp(path, "/key-change") == 0 ? "POST keyChange"
                           : strstr(path, "/orders") != NULL  ? "POST orders"
                           : strncmp(path, "/acct/", 6) == 0  ? "POST account"
                                                              : "POST unknown";
        log_req(a, what);
        int account = check_jws(a, path, data, len, j, r);
        if (account < 0) goto out;
        bool as_get = j->payload_len == 0;
        if (strcmp(path, "/new-acct") == 0) {
            new_account(a, j, r);
        } else if (account == 0 && strcmp(path, "/revoke") != 0) {
            violation(a, "kid expected");
            problem(r, 400, "malformed", "kid expected");
        } else if (strcmp(path, "/new-order") == 0) {
            new_order(a, (unsigned)account, j, r);
        } else if (sscanf(path, "/order/%u", &id) == 1 && id <= a->n_orders && as_get) {
            advance_order(a, id);
            if (a->cfg.retry_after >= 0 && (a->orders[id].status == O_PENDING || a->orders[id].status == O_PROCESSING)) {
                if (a->cfg.retry_after_date) {
                    static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
                    static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
                    int64_t t = now_s(a) + a->cfg.retry_after;
                    char iso[32];
                    nacme_time_format_rfc3339(t, iso, sizeof iso);
                    int Y, M, D, h, m, s;
                    sscanf(iso, "%d-%d-%dT%d:%d:%d", &Y, &M, &D, &h, &m, &s);
                    hdr(r, "Retry-After: %s, %02d %s %d %02d:%02d:%02d GMT", days[(t / 86400) % 7], D, mons[M - 1], Y, h, m, s);
                } else {
                    hdr(r, "Retry-After: %d", a->cfg.retry_after);
                }
            }
            write_order(a, r, id);
        } else if (sscanf(path, "/authz/%u", &id) == 1 && id <= a->n_authz) {
            if (!as_get) {
                int st = nacme_json_get_typed(&j->pj, 0, "status", NACME_JSON_STRING);
                if (st >= 0 && nacme_json_streq(&j->pj, st, "deactivated")) {
                    snprintf(a->authz[id].status, sizeof a->authz[id].status, "deactivated");
                    a->deactivated_authz++;
                }
            }
            write_authz(a, r, id);
        } else if (sscanf(path, "/chall/%u/%u", &id, &k) == 2 && id <= a->n_authz && k < 3) {
            if (!as_get && (j->payload_len != 2 || strcmp(j->payload, "{}") != 0)) {
                violation(a, "challenge answer must be {}");
            }
            answer_challenge(a, id, k, r);
        } else if (sscanf(path, "/finalize/%u", &id) == 1 && id <= a->n_orders) {
            struct order *o = &a->orders[id];
            advance_order(a, id);
            int t = nacme_json_get_typed(&j->pj, 0, "csr", NACME_JSON_STRING);
            size_t rl, n;
            static uint8_t der[4096];
            const char *raw = t >= 0 ? nacme_json_raw(&j->pj, t, &rl) : NULL;
            if (o->status != O_READY) {
                problem(r, 403, "orderNotReady", "order not ready");
            } else if (raw == NULL || nacme_b64url_decode(raw, rl, der, sizeof der, &n) != NACME_OK ||
                       csr_key(a, der, n, o->cert_xy) != 0) {
                problem(r, 400, "badCSR", "bad CSR");
            } else {
                o->status = a->cfg.finalize_valid ? O_VALID : O_PROCESSING;
                hdr(r, "Location: " BASE "/order/%u", id);
                write_order(a, r, id);
            }
        } else if (sscanf(path, "/cert/%u/%u", &id, &k) == 2 && id <= a->n_orders && as_get) {
            write_chain(a, r, id, k);
        } else if (sscanf(path, "/cert/%u", &id) == 1 && id <= a->n_orders && as_get) {
            for (unsigned i = 1; i <= a->cfg.alternates; i++) hdr(r, "Link: <" BASE "/cert/%u/%u>;rel=\"alternate\"", id, i);
            write_chain(a, r, id, 0);
        } else if (strcmp(path, "/revoke") == 0) {
            r->ctype = NULL;
            int t = nacme_json_get_typed(&j->pj, 0, "certificate", NACME_JSON_STRING);
            if (t < 0) {
                problem(r, 400, "malformed", "certificate");
            } else {
                /* find the order by serial inside the certificate: revoke the latest valid one */
                bool done = false;
                for (unsigned i = a->n_orders; i >= 1 && !done; i--) {
                    if (a->orders[i].status == O_VALID && !a->orders[i].revoked) {
                        if (account == 0 && (!j->has_jwk || memcmp(j->jwk_xy, a->orders[i].cert_xy, 64) != 0)) continue;
                        a->orders[i].revoked = true;
                        done = true;
                    }
                }
                if (!done) problem(r, 403, "unauthorized", "nothing to revoke");
            }
        } else if (strcmp(path, "/key-change") == 0) {
            /* inner JWS signed by the new key, with jwk, url, no nonce; payload {account, oldKey} */
            nacme_json_t inner;
            jsmntok_t it[16];
            nacme_json_init(&inner, it, 16);
            uint8_t new_xy[64];
            char ih[1024], ip[1024];
            size_t n1, n2, pl, ll, sl, sn;
            bool ok = nacme_json_parse(&inner, j->payload, j->payload_len) == NACME_OK;
            const char *p64 = ok ? nacme_json_raw(&inner, nacme_json_get(&inner, 0, "protected"), &pl) : NULL;
            const char *l64 = ok ? nacme_json_raw(&inner, nacme_json_get(&inner, 0, "payload"), &ll) : NULL;
            const char *s64 = ok ? nacme_json_raw(&inner, nacme_json_get(&inner, 0, "signature"), &sl) : NULL;
            uint8_t sig[64];
            ok = p64 && l64 && s64 && nacme_b64url_decode(p64, pl, (uint8_t *)ih, sizeof ih - 1, &n1) == NACME_OK &&
                 nacme_b64url_decode(l64, ll, (uint8_t *)ip, sizeof ip - 1, &n2) == NACME_OK &&
                 nacme_b64url_decode(s64, sl, sig, 64, &sn) == NACME_OK && sn == 64;
            nacme_json_t hj, pj;
            jsmntok_t ht[32], pt[32];
            if (ok) {
                ih[n1] = ip[n2] = '\0';
                nacme_json_init(&hj, ht, 32);
                nacme_json_init(&pj, pt, 32);
                ok = nacme_json_parse(&hj, ih, n1) == NACME_OK && nacme_json_parse(&pj, ip, n2) == NACME_OK &&
                     nacme_json_get(&hj, 0, "nonce") < 0 && nacme_json_streq(&hj, nacme_json_get(&hj, 0, "url"), BASE "/key-change") &&
                     jwk_xy(&hj, nacme_json_get(&hj, 0, "jwk"), new_xy) == 0 &&
                     nacme_json_streq(&pj, nacme_json_get(&pj, 0, "account"), j->kid);
            }
            uint8_t old_xy[64];
            ok = ok && jwk_xy(&pj, nacme_json_get(&pj, 0, "oldKey"), old_xy) == 0 &&
                 memcmp(old_xy, a->accounts[account].xy, 64) == 0;
            if (ok) {
                char input[2048];
                memcpy(input, p64, pl);
                input[pl] = '.';
                memcpy(input + pl + 1, l64, ll);
                ok = verify_es256(new_xy, (const uint8_t *)input, pl + 1 + ll, sig);
            }
            if (!ok) {
                violation(a, "keyChange inner JWS invalid");
                problem(r, 400, "malformed", "keyChange");
            } else {
                memcpy(a->accounts[account].xy, new_xy, 64);
                r->ctype = "application/json";
                body(r, "{\"status\": \"valid\"}");
            }
        } else if (sscanf(path, "/acct/%u/orders", &id) == 1 && (int)id == account && as_get) {
            r->ctype = "application/json; charset=utf-8";
            body(r, "{\n   \"orders\": [");
            bool first = true;
            for (unsigned i = 1; i <= a->n_orders; i++) {
                if (a->orders[i].account != id) continue;
                body(r, "%s\n      \"" BASE "/order/%u\"", first ? "" : ",", i);
                first = false;
            }
            body(r, "\n   ]\n}");
        } else if (sscanf(path, "/acct/%u", &id) == 1 && (int)id == account) {
            if (!as_get) {
                int st = nacme_json_get_typed(&j->pj, 0, "status", NACME_JSON_STRING);
                if (st >= 0 && nacme_json_streq(&j->pj, st, "deactivated")) a->accounts[id].deactivated = true;
            }
            account_body(a, r, id);
        } else {
            problem(r, 404, "malformed", "no such resource");
        }
    }
out:
    free(j);
}

/* ---- the server object ----------------------------------------------------------------- */

fake_acme_t *fake_acme_new(const fake_acme_config_t *cfg, const fake_clock_t *clock)
{
    fake_acme_t *a = calloc(1, sizeof *a);
    a->cfg = *cfg;
    a->clock = clock;
    a->rng = cfg->seed ? cfg->seed : 1;
    return a;
}

void fake_acme_free(fake_acme_t *a)
{
    free(a);
}

fake_acme_config_t *fake_acme_cfg(fake_acme_t *a)
{
    return &a->cfg;
}

unsigned fake_acme_log_count(const fake_acme_t *a)
{
    return a->n_log;
}

const char *fake_acme_log(const fake_acme_t *a, unsigned i)
{
    return i < a->n_log ? a->log[i] : "";
}

unsigned fake_acme_count(const fake_acme_t *a, const char *entry)
{
    unsigned n = 0;
    for (unsigned i = 0; i < a->n_log; i++) n += strcmp(a->log[i], entry) == 0;
    return n;
}

void fake_acme_log_clear(fake_acme_t *a)
{
    a->n_log = 0;
}

void fake_acme_log_dump(const fake_acme_t *a)
{
    for (unsigned i = 0; i < a->n_log; i++) fprintf(stderr, "#   %u: %s\n", i, a->log[i]);
}

unsigned fake_acme_violations(const fake_acme_t *a)
{
    return a->violations;
}

const char *fake_acme_last_violation(const fake_acme_t *a)
{
    return a->violation;
}

unsigned fake_acme_orders(const fake_acme_t *a)
{
    return a->n_orders;
}

unsigned fake_acme_bad_nonces(const fake_acme_t *a)
{
    return a->bad_nonces;
}

bool fake_acme_cert_revoked(const fake_acme_t *a, unsigned order)
{
    return order <= a->n_orders && a->orders[order].revoked;
}

bool fake_acme_account_deactivated(const fake_acme_t *a, unsigned account)
{
    return account <= MAX_ACCOUNTS && a->accounts[account].deactivated;
}

bool fake_acme_account_key(const fake_acme_t *a, unsigned account, uint8_t xy[64])
{
    if (account == 0 || account > MAX_ACCOUNTS || !a->accounts[account].used) return false;
    memcpy(xy, a->accounts[account].xy, 64);
    return true;
}

const char *fake_acme_last_replaces(const fake_acme_t *a)
{
    return a->last_replaces;
}

unsigned fake_acme_deactivated_authz(const fake_acme_t *a)
{
    return a->deactivated_authz;
}

/* ---- transport ------------------------------------------------------------------------- */

void fake_net_init(fake_net_t *n, fake_acme_t *a)
{
    memset(n, 0, sizeof *n);
    n->acme = a;
}

static bool block_now(fake_net_t *n)
{
    n->calls++;
    return n->would_block != 0 && n->calls % n->would_block == 0;
}

static int net_connect(void *ctx, const char *host, uint16_t port)
{
    fake_net_t *n = ctx;
    if (strcmp(host, FAKE_ACME_HOST) != 0 || port != 443) return NACME_ERR_RESOLVE;
    if (n->refuse_connect) {
        n->opening = true; /* a failed attempt is closed too (lwIP's transport keeps its error until close()) */
        return NACME_ERR_CONNECT;
    }
    if (n->connect_pending > 0) {
        n->connect_pending--;
        n->opening = true;
        return NACME_PENDING;
    }
    n->opening = false;
    n->connected = true;
    n->connects++;
    n->in_len = n->out_len = n->out_pos = 0;
    n->close_after = false;
    return NACME_OK;
}

/* Serialize r as an HTTP/1.1 response into the output queue. */
static void emit(fake_net_t *n, struct resp *r, bool head, bool with_nonce)
{
    fake_acme_t *a = n->acme;
    char date[64] = "";
    if (!a->cfg.no_date) {
        char iso[32];
        int Y, M, D, h, m, s;
        int64_t t = now_s(a);
        static const char *const days[] = {"Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"};
        static const char *const mons[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
        nacme_time_format_rfc3339(t, iso, sizeof iso);
        sscanf(iso, "%d-%d-%dT%d:%d:%d", &Y, &M, &D, &h, &m, &s);
        snprintf(date, sizeof date, "Date: %s, %02d %s %d %02d:%02d:%02d GMT\r\n", days[((t / 86400) % 7 + 7) % 7], D, mons[M - 1], Y, h, m, s);
    }
    if (a->cfg.problem_html && r->status >= 400) {
        r->ctype = "text/html";
        r->blen = (size_t)snprintf(r->body, sizeof r->body, "<html><body>error</body></html>");
    }
    char *o = (char *)n->out + n->out_len;
    size_t cap = sizeof n->out - n->out_len;
    char nonce[48] = "";
    if (with_nonce) snprintf(nonce, sizeof nonce, "Replay-Nonce: %s\r\n", new_nonce(a));
    int w = snprintf(o, cap, "HTTP/1.1 %d %s\r\nCache-Control: public, max-age=0, no-cache\r\n%s%s%s%s%sLink: <" BASE "/dir>;rel=\"index\"\r\n%.*s",
                     r->status, r->status < 300 ? "OK" : "Error", date, r->ctype ? "Content-Type: " : "", r->ctype ? r->ctype : "",
                     r->ctype ? "\r\n" : "", nonce, (int)r->hlen, r->headers);
    size_t used = (size_t)w;
    if (a->cfg.close_each) used += (size_t)snprintf(o + used, cap - used, "Connection: close\r\n");
    if (a->cfg.chunked && r->blen > 0 && !head) {
        used += (size_t)snprintf(o + used, cap - used, "Transfer-Encoding: chunked\r\n\r\n");
        size_t off = 0;
        while (off < r->blen) {
            size_t c = r->blen - off > 100 ? 100 : r->blen - off;
            used += (size_t)snprintf(o + used, cap - used, "%zx;ext=1\r\n", c);
            memcpy(o + used, r->body + off, c);
            used += c;
            used += (size_t)snprintf(o + used, cap - used, "\r\n");
            off += c;
        }
        used += (size_t)snprintf(o + used, cap - used, "0\r\n\r\n");
    } else if (head) {
        /* like Pebble (Go): a HEAD answer has no Content-Length at all */
        used += (size_t)snprintf(o + used, cap - used, "\r\n");
    } else {
        used += (size_t)snprintf(o + used, cap - used, "Content-Length: %zu\r\n\r\n", r->blen);
        if (!head) {
            memcpy(o + used, r->body, r->blen);
            used += r->blen;
        }
    }
    n->out_len += used;
    n->responses++;
    if (a->cfg.close_each) n->close_after = true;
    if (n->cut_next_response != 0 && n->responses == n->cut_next_response) {
        n->out_len -= r->blen / 2 + 1; /* the connection dies in the middle of the body */
        n->close_after = true;
    }
}

/* A complete request in the input queue: answer it. */
static void serve(fake_net_t *n)
{
    char *end = memmem(n->in, n->in_len, "\r\n\r\n", 4);
    if (end == NULL) return;
    size_t head = (size_t)(end - (char *)n->in) + 4;
    char method[8], path[400];
    if (sscanf((const char *)n->in, "%7s %399s HTTP/1.1", method, path) != 2) return;
    size_t clen = 0;
    const char *cl = memmem(n->in, head, "Content-Length: ", 16);
    if (cl != NULL) clen = strtoul(cl + 16, NULL, 10);
    if (n->in_len < head + clen) return;
    fake_acme_t *a = n->acme;
    a->requests++;
    if (n->silent_after != 0 && a->requests > n->silent_after) {
        n->in_len = 0;
        return; /* swallowed: the CA never answers */
    }
    struct resp *r = calloc(1, sizeof *r);
    if (a->cfg.http503 > 0) {
        a->cfg.http503--;
        log_req(a, "503");
        problem(r, 503, "serverInternal", "try again later");
        hdr(r, "Retry-After: 1");
    } else {
        handle(a, method, path, n->in + head, clen, r);
    }
    /* like Pebble: a nonce with every POST answer and newNonce, none with the directory */
    emit(n, r, strcmp(method, "HEAD") == 0, strcmp(method, "POST") == 0 || strcmp(path, "/nonce") == 0);
    free(r);
    memmove(n->in, n->in + head + clen, n->in_len - head - clen);
    n->in_len -= head + clen;
}

static int32_t net_send(void *ctx, const uint8_t *buf, size_t len)
{
    fake_net_t *n = ctx;
    if (!n->connected) return NACME_ERR_IO_CLOSED;
    if (block_now(n)) return 0;
    if (len > sizeof n->in - n->in_len) len = sizeof n->in - n->in_len;
    memcpy(n->in + n->in_len, buf, len);
    n->in_len += len;
    serve(n);
    return (int32_t)len;
}

static int32_t net_recv(void *ctx, uint8_t *buf, size_t len)
{
    fake_net_t *n = ctx;
    if (!n->connected) return NACME_ERR_IO_CLOSED;
    if (n->out_pos >= n->out_len) {
        if (n->close_after) {
            n->connected = false;
            return NACME_ERR_IO_CLOSED;
        }
        return 0;
    }
    if (block_now(n)) return 0;
    size_t avail = n->out_len - n->out_pos;
    if (n->chunk != 0 && avail > n->chunk) avail = n->chunk;
    if (avail > len) avail = len;
    memcpy(buf, n->out + n->out_pos, avail);
    n->out_pos += avail;
    if (n->out_pos == n->out_len) n->out_pos = n->out_len = 0;
    return (int32_t)avail;
}

static void net_close(void *ctx)
{
    fake_net_t *n = ctx;
    n->connected = false;
    n->opening = false;
    n->in_len = n->out_len = n->out_pos = 0;
}

static void net_poll_info(void *ctx, int *handle, unsigned *events)
{
    (void)ctx;
    *handle = 7;
    (void)events;
}

nacme_transport_t fake_net_port(fake_net_t *n)
{
    nacme_transport_t t = {.ctx = n, .connect = net_connect, .send = net_send, .recv = net_recv,
                           .close = net_close, .poll_info = net_poll_info};
    return t;
}

/* ---- driver ---------------------------------------------------------------------------- */

int fake_run(struct nacme *c, fake_clock_t *clock, unsigned max_steps)
{
    for (unsigned i = 0; i < max_steps; i++) {
        nacme_wait_t w;
        int rc = nacme_step(c, &w);
        if (rc <= 0) return rc;
        if (w.until_ms > clock->mono_ms && (rc == NACME_STEP_WAIT || w.events == 0)) {
            clock->mono_ms = w.until_ms;
        } else {
            clock->mono_ms += 1; /* waiting for I/O: a millisecond passes */
        }
    }
    return NACME_ERR_TIMEOUT;
}
