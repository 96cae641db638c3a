/*
 * Renewal: the stored renewal state (ARI moment, backoff), reading the
 * stored certificate back, ACME Renewal Information (RFC 9773), and the
 * decision of when a certificate is due.
 */
#include <stddef.h>
#include <string.h>

#include "engine.h"

/* Ask ARI again after this long when the CA gives no Retry-After (RFC 9773 suggests hours). */
#define ARI_DEFAULT_RECHECK_S (6 * 3600)
#define ARI_MIN_RECHECK_S 60
#define ARI_MAX_RECHECK_S (7 * 86400)

int64_t nacme_renew_time(const nacme_renew_input_t *in, nacme_renew_reason_t *why)
{
    if (in->force) {
        *why = NACME_RENEW_FORCED;
        return INT64_MIN;
    }
    if (in->ari_moment > 0) {
        *why = NACME_RENEW_ARI;
        return in->ari_moment;
    }
    int64_t lifetime = in->not_after - in->not_before;
    if (lifetime < 1) lifetime = 1;
    int64_t margin;
    if (in->days > 0) {
        *why = NACME_RENEW_DAYS;
        margin = (int64_t)in->days * 86400;
    } else {
        *why = NACME_RENEW_FRACTION;
        margin = in->percent ? lifetime * in->percent / 100 : lifetime / 3;
    }
    /* up to a tenth of the margin earlier (at most a day), fixed per device and certificate */
    int64_t span = margin / 10 < 86400 ? margin / 10 : 86400;
    int64_t jitter = span > 0 ? (int64_t)(in->jitter_seed % (uint64_t)(span + 1)) : 0;
    return in->not_after - margin - jitter;
}


void nacme_renew_input_of(nacme_renew_input_t *in, const nacme_x509_t *leaf)
{
    in->not_before = leaf->not_before;
    in->not_after = leaf->not_after;
    in->jitter_seed = nacme_fnv1a(NACME_FNV_INIT, leaf->public_key.ptr, leaf->public_key.len);
}

/* ---- state object -------------------------------------------------------------- */

/* The STATE object's numbers: five times (fields of nacme_t), then failures and last_error. */
static const char *const state_keys[] = {"ari_moment",   "ari_start", "ari_end",   "ari_check",
                                         "next_attempt", "failures",  "last_error"};
static const uint16_t state_times[] = {offsetof(nacme_t, ari_moment), offsetof(nacme_t, ari_start),
                                       offsetof(nacme_t, ari_end), offsetof(nacme_t, ari_next_check),
                                       offsetof(nacme_t, next_attempt)};

static int64_t *state_time(nacme_t *c, size_t i)
{
    return (int64_t *)(void *)((char *)c + state_times[i]);
}

static int64_t json_i64(const nacme_t *c, const char *key)
{
    int64_t v = 0;
    int t = nacme_jget(c, 0, key, NACME_JSON_NUMBER);
    if (t >= 0 && nacme_json_int(&c->json, t, &v) != NACME_OK) v = 0;
    return v;
}

int nacme_state_load(nacme_t *c)
{
    size_t len;
    int rc = nacme_store_load(c, NACME_OBJ_STATE, nacme_cert_name(c), &len);
    if (rc == NACME_PENDING) return rc;
    c->state_loaded = true;
    if (rc == NACME_ERR_NOT_FOUND) return NACME_OK;
    if (rc != NACME_OK) return rc;
    nacme_json_init(&c->json, c->toks, NACME_JSON_TOKENS);
    if (nacme_json_parse(&c->json, (const char *)c->buf, len) != NACME_OK ||
        nacme_json_type(&c->json, 0) != NACME_JSON_OBJECT) {
        NACME_LOG_WARN(c, "state of %s unreadable: reset", nacme_cert_name(c));
        return NACME_OK;
    }
    for (size_t i = 0; i < NACME_ARRAY_LEN(state_times); i++) *state_time(c, i) = json_i64(c, state_keys[i]);
    int64_t f = json_i64(c, "failures");
    c->failures = (uint16_t)(f < 0 ? 0 : f > 1000 ? 1000 : f);
    return NACME_OK;
}

int nacme_state_object(nacme_t *c)
{
    nacme_sb_t sb;
    nacme_jw_t w;
    nacme_sb_init(&sb, (char *)c->buf, NACME_BUF_SIZE);
    nacme_jw_init(&w, &sb);
    nacme_jw_object_begin(&w);
    for (size_t i = 0; i < NACME_ARRAY_LEN(state_keys); i++) {
        nacme_jw_key(&w, state_keys[i]);
        nacme_jw_int(&w, i < NACME_ARRAY_LEN(state_times) ? *state_time(c, i) : i == 5u ? c->failures : c->err);
    }
    nacme_jw_key_string(&w, "problem", c->err != NACME_OK ? c->problem.type : "");
    nacme_jw_key_string(&w, "detail", c->err != NACME_OK ? c->problem.detail : "");
    nacme_jw_object_end(&w);
    c->data_len = sb.len;
    return nacme_jw_finish(&w);
}

/* ---- the stored certificate ------------------------------------------------------ */

static bool wants_key(const nacme_t *c)
{
    if (c->op == OP_REVOKE) return c->revoke_with_cert_key;
    return c->order_req != NULL && c->order_req->reuse_key;
}

/* The leaf of the stored chain: dates, ARI identifier, jitter seed; kept for revocation. */
static int take_leaf(nacme_t *c)
{
    nacme_x509_t x;
    int rc = nacme_x509_parse(c->pem.der, c->pem.der_len, &x);
    if (rc != NACME_OK) {
        NACME_LOG_ERROR(c, "stored cert of %s unreadable", nacme_cert_name(c));
        return NACME_ERR_STORAGE_CORRUPT;
    }
    nacme_renew_input_t in;
    nacme_renew_input_of(&in, &x);
    c->leaf_not_before = in.not_before;
    c->leaf_not_after = in.not_after;
    c->jitter_seed = in.jitter_seed;
    c->result.not_after = x.not_after;
    c->certid = NACME_NOSTR;
    if (NACME_WITH_ARI && x.aki_key_id.len > 0) {
        /* RFC 9773: base64url(keyIdentifier) "." base64url(serial content bytes) */
        char id[160];
        nacme_sb_t sb;
        nacme_sb_init(&sb, id, sizeof id);
        nacme_sb_b64_begin(&sb);
        nacme_sb_put(&sb, x.aki_key_id.ptr, x.aki_key_id.len);
        nacme_sb_b64_end(&sb);
        nacme_sb_putc(&sb, '.');
        nacme_sb_b64_begin(&sb);
        nacme_sb_put(&sb, x.serial.ptr, x.serial.len);
        nacme_sb_b64_end(&sb);
        if (nacme_sb_status(&sb) == NACME_OK) c->certid = nacme_str_add(c, id, sb.len);
    }
    if (NACME_WITH_REVOKE && c->op == OP_REVOKE) {
        /* keep the DER at the buffer's end: the revocation request carries it, retries too */
        memmove(c->buf + NACME_BUF_SIZE - c->pem.der_len, c->pem.der, c->pem.der_len);
        nacme_req_reserve_tail(c, c->pem.der_len);
    }
    return NACME_OK;
}

/*
 * Stream the stored NACME_OBJ_CERT through the PEM splitter: block 1 is the
 * key, block 2 the leaf. cursor: 0 reading, 1 key import pending.
 */
static int read_cert(nacme_t *c)
{
    const nacme_storage_t *st = &c->port->storage;
    const nacme_crypto_t *cr = &c->port->crypto;
    uint8_t *rx = c->buf + NACME_CERT_DER_MAX;
    const size_t rx_cap = NACME_BUF_SIZE - NACME_CERT_DER_MAX;
    if (c->st_off == 0 && c->cursor == 0) nacme_pem_splitter_init(&c->pem, c->buf, NACME_CERT_DER_MAX);
    for (unsigned round = 0; round < 256u; round++) {
        if (c->cursor == 1) { /* the key block waits for the crypto port */
            int rc = cr->key_import(cr->ctx, c->pem.der, c->pem.der_len, &c->cert_key);
            if (rc == NACME_PENDING) return nacme_wait_ms(c, 10u);
            if (rc != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
            c->cursor = 0; /* go on after the key block (req.pend_off/pend_len) */
        }
        /* the rest of the last chunk, then the next one */
        size_t have = c->req.pend_len, off = c->req.pend_off;
        if (have == 0) {
            int rc = st->read(st->ctx, NACME_OBJ_CERT, nacme_cert_name(c), c->st_off, rx, rx_cap, &have);
            if (rc == NACME_PENDING) return nacme_wait_ms(c, 10u);
            if (rc != NACME_OK) {
                c->st_off = 0;
                return rc;
            }
            if (have == 0) break;
            c->st_off += (uint32_t)have;
            off = 0;
        }
        while (have > 0) {
            size_t used = 0;
            nacme_pem_event_t ev;
            int rc = nacme_pem_split(&c->pem, (const char *)rx + off, have, &used, &ev);
            if (rc != NACME_OK) {
                c->st_off = 0;
                return NACME_ERR_STORAGE_CORRUPT;
            }
            off += used;
            have -= used;
            if (ev != NACME_PEM_BLOCK) continue;
            if (c->pem.blocks == 1) {
                if (!wants_key(c)) continue;
                c->req.pend_off = off; /* resume after the key block */
                c->req.pend_len = have;
                c->cursor = 1;
                break;
            }
            c->st_off = 0;
            c->req.pend_len = 0;
            return take_leaf(c); /* the leaf: all we need */
        }
        if (c->cursor == 0) c->req.pend_len = 0;
    }
    c->st_off = 0;
    return NACME_ERR_STORAGE_CORRUPT; /* ended before the leaf */
}

/* An ARI answer: {"suggestedWindow":{"start":..,"end":..}}; draw our moment in it once. */
static int take_ari(nacme_t *c, int64_t now)
{
    int w = nacme_jget(c, 0, "suggestedWindow", NACME_JSON_OBJECT);
    int ts = nacme_jget(c, w, "start", NACME_JSON_STRING);
    int te = nacme_jget(c, w, "end", NACME_JSON_STRING);
    if (ts < 0 || te < 0) return NACME_ERR_JSON_MISSING;
    size_t ls, le;
    const char *s = nacme_json_raw(&c->json, ts, &ls);
    const char *e = nacme_json_raw(&c->json, te, &le);
    int64_t start, end;
    int rc = nacme_time_parse_rfc3339(s, ls, &start);
    if (rc == NACME_OK) rc = nacme_time_parse_rfc3339(e, le, &end);
    if (rc != NACME_OK) return rc;
    if (end <= start) return NACME_ERR_TIME;
    if (c->ari_moment == 0 || start != c->ari_start || end != c->ari_end) {
        /* a new window: draw a moment in it, kept across restarts */
        uint8_t r[4];
        if ((rc = c->port->entropy.fill(c->port->entropy.ctx, r, sizeof r)) != NACME_OK) return rc;
        uint32_t v = ((uint32_t)r[0] << 24) | ((uint32_t)r[1] << 16) | ((uint32_t)r[2] << 8) | r[3];
        c->ari_moment = start + (int64_t)(v % (uint64_t)(end - start));
        c->ari_start = start;
        c->ari_end = end;
        NACME_LOG_INFO(c, "ARI window %ld..%ld: renewing at %ld", (long)start, (long)end, (long)c->ari_moment);
    }
    int64_t recheck = c->req.retry_after >= 0 ? c->req.retry_after : ARI_DEFAULT_RECHECK_S;
    if (recheck < ARI_MIN_RECHECK_S) recheck = ARI_MIN_RECHECK_S;
    if (recheck > ARI_MAX_RECHECK_S) recheck = ARI_MAX_RECHECK_S;
    c->ari_next_check = now + recheck;
    return NACME_OK;
}

/* ---- states ----------------------------------------------------------------------- */

int nacme_state_renew(nacme_t *c)
{
    int64_t now = 0;
    int rc;
    switch (c->state) {
    case S_STATE_READ:
        if ((rc = nacme_state_load(c)) != NACME_OK) return rc;
        if ((rc = nacme_unix_now(c, &now)) != NACME_OK) return rc;
        if (!c->order_req->force && c->next_attempt > now) {
            c->result.retry_at = c->next_attempt;
            NACME_LOG_WARN(c, "backoff: next attempt in %ld s", (long)(c->next_attempt - now));
            return NACME_ERR_BACKOFF;
        }
        return nacme_set_state(c, (c->op == OP_RENEW || wants_key(c)) ? S_CERT_READ : S_ORDER_READ);

    case S_CERT_READ:
        rc = read_cert(c);
        if (rc == NACME_ERR_NOT_FOUND && c->op == OP_ISSUE) {
            nacme_set_state(c, S_ORDER_READ); /* nothing to reuse: a new key */
            return NACME_OK;
        }
        if (rc == NACME_ERR_NOT_FOUND) {
            NACME_LOG_ERROR(c, "no stored certificate for %s", nacme_cert_name(c));
            return NACME_ERR_NO_CERT;
        }
        if (rc != NACME_OK) return rc;
        if (c->op == OP_REVOKE) nacme_set_state(c, S_REVOKE_POST);
        else if (c->op == OP_ISSUE) nacme_set_state(c, S_ORDER_READ);
        else nacme_set_state(c, S_ARI_GET);
        if (c->op == OP_ISSUE) c->certid = NACME_NOSTR; /* replaces only for renewals */
        return NACME_OK;

    case S_ARI_GET:
        if ((rc = nacme_unix_now(c, &now)) != NACME_OK) return rc;
        if (!NACME_WITH_ARI || c->url_renewal_info == NACME_NOSTR || c->certid == NACME_NOSTR || c->order_req->force ||
            (c->ari_moment > 0 && now < c->ari_next_check)) {
            return nacme_set_state(c, S_RENEW_DECIDE);
        }
        if (c->cursor_req == 0) {
            char url[NACME_URL_MAX + 1];
            nacme_sb_t sb;
            nacme_sb_init(&sb, url, sizeof url);
            nacme_url_write(c, &sb, c->url_renewal_info);
            nacme_sb_putc(&sb, '/');
            nacme_sb_puts(&sb, nacme_str(c, c->certid));
            if (nacme_sb_cstr(&sb) == NULL) return NACME_ERR_TOO_LARGE;
            c->req.url = nacme_url_add(c, url, sb.len);
            if (c->req.url == NACME_NOSTR) return NACME_ERR_TOO_LARGE;
        }
        rc = nacme_exchange(c, c->req.url, P_EMPTY, RQ_HOW(M_GET, A_KID, B_JSON));
        if (rc == NACME_PENDING) return rc;
        if (rc == NACME_OK) rc = take_ari(c, now);
        if (rc != NACME_OK) {
            NACME_LOG_WARN(c, "ARI unavailable (%s)", nacme_strerror(rc));
            memset(&c->problem, 0, sizeof c->problem);
        }
        return nacme_set_state(c, S_RENEW_DECIDE);

    case S_RENEW_DECIDE: {
        if ((rc = nacme_unix_now(c, &now)) != NACME_OK) return rc;
        const nacme_order_req_t *r = c->order_req;
        nacme_renew_input_t in = {
            .not_before = c->leaf_not_before,
            .not_after = c->leaf_not_after,
            .ari_moment = c->url_renewal_info != NACME_NOSTR ? c->ari_moment : 0,
            .days = r->renew_days,
            .percent = r->renew_percent,
            .force = r->force,
            .jitter_seed = c->jitter_seed,
        };
        nacme_renew_reason_t why;
        int64_t at = nacme_renew_time(&in, &why);
        c->result.reason = why;
        c->result.renew_at = at == INT64_MIN ? now : at;
        if (now < at) {
            NACME_LOG_INFO(c, "%s: not due for renewal for %ld s", nacme_cert_name(c), (long)(at - now));
            return nacme_set_state(c, S_STALE_ORDER_REMOVE);
        }
        c->result.due = true;
        if (c->url_renewal_info == NACME_NOSTR) c->certid = NACME_NOSTR; /* replaces is ARI's */
        NACME_LOG_INFO(c, "%s: due for renewal", nacme_cert_name(c));
        return nacme_set_state(c, S_ORDER_READ);
    }

    case S_STALE_ORDER_REMOVE:
        /* not due: a checkpoint left by a power loss after the install is stale */
        if ((rc = nacme_store_remove(c, NACME_OBJ_ORDER, nacme_cert_name(c))) != NACME_OK) return rc;
        return nacme_set_state(c, S_STATE_WRITE);

    case S_STATE_WRITE:
        if (c->cursor == 0) {
            if (c->result.issued) {
                /* the new certificate's next renewal, for the caller to show */
                nacme_renew_input_t in = {.not_before = c->leaf_not_before, .not_after = c->leaf_not_after,
                                          .days = c->order_req->renew_days, .percent = c->order_req->renew_percent,
                                          .jitter_seed = c->jitter_seed};
                nacme_renew_reason_t why;
                c->result.renew_at = nacme_renew_time(&in, &why);
            }
            if ((rc = nacme_state_object(c)) != NACME_OK) return rc;
            c->cursor = 1;
        }
        if (c->cursor == 1) {
            /*
             * A check that changed nothing writes nothing: on a device polled
             * every few hours for years, each write would erase a flash sector.
             * The stored copy is read after the new one, in the buffer's rest.
             */
            size_t len = 0;
            rc = nacme_store_read(c, NACME_OBJ_STATE, nacme_cert_name(c), c->buf + c->data_len,
                                  NACME_BUF_SIZE - c->data_len, &len);
            if (rc == NACME_PENDING) return rc;
            if (rc == NACME_OK && len == c->data_len && memcmp(c->buf, c->buf + len, len) == 0) {
                return nacme_set_state(c, S_FINISHED);
            }
            c->cursor = 2;
        }
        rc = nacme_store_write(c, NACME_OBJ_STATE, nacme_cert_name(c));
        if (rc != NACME_OK) return rc;
        return nacme_set_state(c, S_FINISHED);

    default:
        return NACME_ERR_INTERNAL;
    }
}
