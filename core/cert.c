/*
 * The certificate: stream the chain into storage while checking it, pick the
 * preferred chain among the alternates, install it (one atomic commit of key
 * and chain); read the stored one back; revoke it.
 *
 * The stored object (NACME_OBJ_CERT) is the certificate key in PEM followed
 * by the chain in PEM as the CA sent it.
 */
#include <string.h>

#include "engine.h"
#include "nacme_certgen.h"
#include "nacme_jose.h"

/* Accept a notBefore this far in the future (clock skew between device and CA). */
#define CLOCK_SKEW_S 300

void nacme_cert_abort(nacme_t *c)
{
    if (c->cert_flags & (CF_STARTED | CF_OPENING)) c->port->storage.abort(c->port->storage.ctx);
    c->cert_flags &= (uint8_t)~(CF_STARTED | CF_OPENING | CF_KEY_WRITTEN);
}

static int sha256(nacme_t *c, const uint8_t *data, size_t len, uint8_t out[32])
{
    return nacme_sha256(&c->port->crypto, &c->sha, data, len, out);
}

/* Is (type, value) of a SAN one of the ordered identifiers? Index or -1. */
static int san_index(const nacme_t *c, const nacme_x509_name_t *n)
{
    const char *v = (const char *)n->value;
    if (n->type == NACME_X509_IP) return nacme_id_find(c, true, v, n->len, false);
    return n->type == NACME_X509_DNS ? nacme_id_find_name(c, v, n->len, false) : -1;
}

/* The leaf: our key, exactly our identifiers, valid now. */
static int check_leaf(nacme_t *c, const nacme_x509_t *x)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    uint8_t ours[64], theirs[64];
    int rc = cr->key_public(cr->ctx, c->cert_key, ours);
    if (rc != NACME_OK) return rc;
    if (nacme_x509_ec_point(x, theirs) != NACME_OK || memcmp(ours, theirs, 64) != 0) {
        NACME_LOG_ERROR(c, "cert: not our key");
        return NACME_ERR_CERT_MISMATCH;
    }
    uint32_t seen = 0;
    size_t pos = 0;
    nacme_x509_name_t n;
    for (unsigned guard = 0; guard < 256u && (rc = nacme_x509_san_next(x, &pos, &n)) == NACME_OK; guard++) {
        int i = san_index(c, &n);
        if (i < 0) {
            NACME_LOG_ERROR(c, "cert: identifier not ordered");
            return NACME_ERR_CERT_MISMATCH;
        }
        seen |= 1u << i;
    }
    if (rc != NACME_ERR_NOT_FOUND) return rc;
    if (seen != (1u << c->order_req->n_ids) - 1u) {
        NACME_LOG_ERROR(c, "cert: ordered identifier missing");
        return NACME_ERR_CERT_MISMATCH;
    }
    int64_t now;
    if ((rc = nacme_unix_now(c, &now)) != NACME_OK) return rc;
    if (x->not_before > now + CLOCK_SKEW_S || x->not_after <= now) {
        NACME_LOG_ERROR(c, "cert: not valid now");
        return NACME_ERR_CERT_VALIDITY;
    }
    nacme_renew_input_t in;
    nacme_renew_input_of(&in, x);
    c->leaf_not_before = in.not_before;
    c->leaf_not_after = in.not_after;
    c->jitter_seed = in.jitter_seed;
    return NACME_OK;
}

/* One certificate of the chain, decoded in the splitter's buffer. */
static int check_block(nacme_t *c)
{
    const nacme_pem_splitter_t *s = &c->pem;
    if (strcmp(s->label, "CERTIFICATE") != 0) return NACME_ERR_CHAIN;
    nacme_x509_t x;
    int rc = nacme_x509_parse(s->der, s->der_len, &x);
    if (rc != NACME_OK) return rc == NACME_ERR_DER ? NACME_ERR_CHAIN : rc;
    uint8_t h[32];
    if (s->blocks == 1) {
        if ((rc = check_leaf(c, &x)) != NACME_OK) return rc;
        c->cert_flags |= CF_LEAF_OK;
    } else {
        /* each certificate must be the issuer of the one before it */
        if ((rc = sha256(c, x.subject.ptr, x.subject.len, h)) != NACME_OK) return rc;
        if (memcmp(h, c->issuer_hash, 32) != 0) {
            NACME_LOG_ERROR(c, "chain: cert %u is not the issuer", s->blocks);
            return NACME_ERR_CHAIN;
        }
    }
    if ((rc = sha256(c, x.issuer.ptr, x.issuer.len, c->issuer_hash)) != NACME_OK) return rc;
    const char *want = c->order_req->preferred_chain;
    if (NACME_WITH_PREFERRED_CHAIN && want != NULL) {
        const uint8_t *cn;
        size_t cn_len;
        bool match = nacme_x509_name_cn(x.issuer, &cn, &cn_len) == NACME_OK && cn_len == strlen(want) &&
                     memcmp(cn, want, cn_len) == 0;
        c->cert_flags = (uint8_t)(match ? (c->cert_flags | CF_ISSUER_MATCH) : (c->cert_flags & ~CF_ISSUER_MATCH));
    }
    return NACME_OK;
}

int nacme_cert_stream_begin(nacme_t *c)
{
    nacme_cert_abort(c);
    c->cert_flags &= (uint8_t)CF_LAST;
    nacme_pem_splitter_init(&c->pem, c->buf, NACME_CERT_DER_MAX);
    return NACME_OK;
}

int nacme_cert_stream_data(nacme_t *c, const uint8_t *data, size_t len)
{
    const nacme_storage_t *st = &c->port->storage;
    int rc;
    if ((c->cert_flags & CF_STARTED) == 0) {
        c->cert_flags |= CF_OPENING;
        rc = st->begin(st->ctx, NACME_OBJ_CERT, nacme_cert_name(c));
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        c->cert_flags |= CF_STARTED;
    }
    if ((c->cert_flags & CF_KEY_WRITTEN) == 0) {
        /* the key goes first, exported into the (still unused) DER area */
        size_t klen;
        const nacme_crypto_t *cr = &c->port->crypto;
        rc = cr->key_export(cr->ctx, c->cert_key, NACME_KEY_SEC1_PEM, c->buf, NACME_CERT_DER_MAX, &klen);
        if (rc == NACME_OK) rc = st->append(st->ctx, c->buf, klen);
        memset(c->buf, 0, NACME_CERT_DER_MAX);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        c->cert_flags |= CF_KEY_WRITTEN;
    }
    rc = st->append(st->ctx, data, len);
    if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
    /* now check what arrived, certificate by certificate */
    size_t off = 0;
    for (unsigned guard = 0; guard < 64u && off < len; guard++) {
        size_t used = 0;
        nacme_pem_event_t ev;
        rc = nacme_pem_split(&c->pem, (const char *)data + off, len - off, &used, &ev);
        if (rc != NACME_OK) return rc == NACME_ERR_PEM ? NACME_ERR_CHAIN : rc;
        off += used;
        if (ev == NACME_PEM_BLOCK && (rc = check_block(c)) != NACME_OK) return rc;
    }
    return off == len ? NACME_OK : NACME_ERR_CHAIN;
}

int nacme_cert_stream_end(nacme_t *c)
{
    if (nacme_pem_splitter_finish(&c->pem) != NACME_OK || (c->cert_flags & CF_LEAF_OK) == 0) {
        NACME_LOG_ERROR(c, "chain empty or truncated");
        return NACME_ERR_CHAIN;
    }
    return NACME_OK;
}

/* ---- states -------------------------------------------------------------------- */

static uint16_t download_url(const nacme_t *c)
{
    return c->alt_index == 0 ? c->cert_url : c->alternates[c->alt_index - 1u];
}

int nacme_state_cert(nacme_t *c)
{
    int rc;
    switch (c->state) {
    case S_CERT_DOWNLOAD:
        if (c->cursor_req == 0 && c->alt_index == 0 && (c->cert_flags & CF_LAST) == 0) c->n_alternates = 0;
        rc = nacme_exchange(c, download_url(c), P_EMPTY, RQ_HOW(M_POST, A_KID, B_PEM_TO_STORAGE));
        if (rc != NACME_OK) return rc;
        if (NACME_WITH_PREFERRED_CHAIN && c->order_req->preferred_chain != NULL &&
            (c->cert_flags & (CF_ISSUER_MATCH | CF_LAST)) == 0) {
            nacme_cert_abort(c);
            if (c->alt_index < c->n_alternates) {
                c->alt_index++;
                NACME_LOG_INFO(c, "chain does not end at %s: trying alternate %u", c->order_req->preferred_chain,
                               (unsigned)c->alt_index);
            } else {
                NACME_LOG_WARN(c, "no chain ends at %s: default kept", c->order_req->preferred_chain);
                c->alt_index = 0;
                c->cert_flags |= CF_LAST;
            }
            return NACME_OK; /* download again */
        }
        return nacme_set_state(c, S_CERT_COMMIT);

    case S_CERT_COMMIT:
        rc = c->port->storage.commit(c->port->storage.ctx);
        if (rc == NACME_PENDING) return nacme_wait_ms(c, 10u);
        if (rc != NACME_OK) {
            nacme_cert_abort(c);
            return rc;
        }
        c->cert_flags &= (uint8_t)~(CF_STARTED | CF_OPENING | CF_KEY_WRITTEN);
        c->result.issued = true;
        c->result.not_after = c->leaf_not_after;
        NACME_LOG_INFO(c, "certificate for %s installed", nacme_cert_name(c));
        nacme_emit(c, NACME_EVENT_CERT_INSTALLED, nacme_cert_name(c));
        return nacme_set_state(c, S_ORDER_REMOVE);

    case S_ORDER_REMOVE:
        rc = nacme_store_remove(c, NACME_OBJ_ORDER, nacme_cert_name(c));
        if (rc != NACME_OK) return rc;
        /* a new certificate starts a fresh renewal state */
        c->failures = 0;
        c->next_attempt = 0;
        c->ari_moment = c->ari_start = c->ari_end = c->ari_next_check = 0;
        return nacme_set_state(c, S_STATE_WRITE);

    case S_REVOKE_POST:
        if (!NACME_WITH_REVOKE) return NACME_ERR_UNSUPPORTED;
        if (c->cursor_req == 0 && c->url_revoke == NACME_NOSTR) return NACME_ERR_DIRECTORY;
        rc = nacme_exchange(c, c->url_revoke, P_REVOKE,
                            RQ_HOW(M_POST, c->revoke_with_cert_key ? A_JWK_CERT : A_KID, B_JSON));
        if (rc != NACME_OK) return rc;
        nacme_req_reserve_tail(c, 0);
        NACME_LOG_INFO(c, "certificate of %s revoked", c->revoke_name);
        nacme_emit(c, NACME_EVENT_REVOKED, c->revoke_name);
        return nacme_set_state(c, S_FINISHED);

    default:
        return NACME_ERR_INTERNAL;
    }
}

void nacme_write_cert_payload(nacme_t *c, nacme_sb_t *sb)
{
    /* {"certificate": base64url(DER of the leaf kept at the buffer's end)[, "reason": n]} */
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_b64(&w, "certificate", c->buf + NACME_BUF_SIZE - nacme_req_tail(c), nacme_req_tail(c));
    if (c->revoke_reason >= 0) {
        nacme_jw_key(&w, "reason");
        nacme_jw_int(&w, c->revoke_reason);
    }
    nacme_jw_object_end(&w);
    if (nacme_jw_finish(&w) != NACME_OK && sb->err == NACME_OK) sb->err = NACME_ERR_INTERNAL;
}
