/*
 * Issuance: order checkpoint and resume, newOrder, authorizations, challenge
 * publishing and answering, polling, finalize; and the cleanup after a
 * failure (unpublish, deactivate what is still pending, record backoff).
 */
#include <string.h>

#include "engine.h"
#include "nacme_certgen.h"
#include "nacme_jose.h"

/* Polling: first wait and cap (milliseconds); the wait doubles in between. */
#define POLL_FIRST_MS 50u
#define POLL_MAX_MS 8000u

static const nacme_challenge_type_t default_prefs[] = {
    NACME_CHALLENGE_HTTP_01, NACME_CHALLENGE_TLS_ALPN_01, NACME_CHALLENGE_DNS_01};

int nacme_parse_status(const nacme_t *c, int obj)
{
    /* ST_PENDING.. in order, NUL-separated */
    static const char names[] = "pending\0ready\0processing\0valid\0invalid\0deactivated\0expired\0revoked";
    int t = nacme_jget(c, obj, "status", NACME_JSON_STRING);
    if (t < 0) return ST_UNKNOWN;
    const char *n = names;
    for (int st = ST_PENDING; st <= ST_REVOKED; st++) {
        if (nacme_json_streq(&c->json, t, n)) return st;
        n += strlen(n) + 1u;
    }
    return ST_UNKNOWN;
}

static const nacme_order_req_t *R(const nacme_t *c)
{
    return c->order_req;
}

/*
 * Index of the requested identifier, or -1: an IP address as its 4 or 16
 * bytes, a DNS name as text. A wildcard order name "*.x" matches x with wildcard.
 */
int nacme_id_find(const nacme_t *c, bool ip, const char *value, size_t len, bool wildcard)
{
    for (size_t i = 0; i < R(c)->n_ids; i++) {
        const nacme_identifier_t *id = &R(c)->ids[i];
        if ((id->type == NACME_ID_IP) != ip) continue;
        const char *v = id->value;
        size_t vl = strlen(v);
        bool star = v[0] == '*';
        if (star != wildcard) continue;
        if (star) {
            v += 2;
            vl -= 2;
        }
        if (ip) {
            uint8_t a[16];
            size_t an;
            if (nacme_ip_parse(v, vl, a, &an) == NACME_OK && an == len && memcmp(a, value, an) == 0) return (int)i;
        } else if (vl == len && nacme_memeq_ci(v, value, len)) {
            return (int)i;
        }
    }
    return -1;
}

int nacme_id_find_name(const nacme_t *c, const char *v, size_t len, bool wildcard)
{
    if (!wildcard && len > 2 && v[0] == '*' && v[1] == '.') return nacme_id_find(c, false, v + 2, len - 2, true);
    return nacme_id_find(c, false, v, len, wildcard);
}

/* An identifier object {type, value}: index into the request, or -1 (also for a non-object or negative obj). */
static int json_identifier(const nacme_t *c, int obj, bool wildcard)
{
    int type = nacme_jget(c, obj, "type", NACME_JSON_STRING);
    int value = nacme_jget(c, obj, "value", NACME_JSON_STRING);
    if (type < 0 || value < 0) return -1;
    bool ip = nacme_json_streq(&c->json, type, "ip");
    if (!ip && !nacme_json_streq(&c->json, type, "dns")) return -1;
    char v[NACME_HOST_MAX + 3];
    if (nacme_json_string(&c->json, value, v, sizeof v, NULL) != NACME_OK) return -1;
    size_t len = strlen(v);
    if (ip) {
        uint8_t a[16];
        return nacme_ip_parse(v, len, a, &len) == NACME_OK ? nacme_id_find(c, true, (const char *)a, len, wildcard)
                                                         : -1;
    }
    return nacme_id_find_name(c, v, len, wildcard);
}

/* The "identifiers" of object obj are exactly the requested ones. */
static bool ids_match(const nacme_t *c, int obj)
{
    int ids = nacme_jget(c, obj, "identifiers", NACME_JSON_ARRAY);
    if (ids < 0 || nacme_json_count(&c->json, ids) != (int)R(c)->n_ids) return false;
    uint32_t seen = 0;
    for (int e = nacme_json_first(&c->json, ids); e >= 0; e = nacme_json_next(&c->json, ids, e)) {
        int i = json_identifier(c, e, false); /* -1 unless an identifier object */
        if (i < 0 || (seen & (1u << i))) return false;
        seen |= 1u << i;
    }
    return true;
}

/* Take an order object: status, finalize, certificate, authorizations. */
static int take_order(nacme_t *c)
{
    if (nacme_json_type(&c->json, 0) != NACME_JSON_OBJECT) return NACME_ERR_JSON_TYPE;
    c->order_status = (uint8_t)nacme_parse_status(c, 0);
    if (c->order_status == ST_UNKNOWN) return NACME_ERR_JSON_MISSING;
    if (!ids_match(c, 0)) {
        NACME_LOG_ERROR(c, "order: identifiers differ");
        return NACME_ERR_ORDER_INVALID;
    }
    int rc;
    if (c->finalize_url == NACME_NOSTR &&
        (rc = nacme_json_add_url(c, 0, "finalize", &c->finalize_url)) != NACME_OK) {
        return rc;
    }
    if (c->order_status == ST_VALID && c->cert_url == NACME_NOSTR &&
        (rc = nacme_json_add_url(c, 0, "certificate", &c->cert_url)) != NACME_OK) {
        return rc;
    }
    if (c->order_status == ST_INVALID) {
        int err = nacme_jget(c, 0, "error", NACME_JSON_OBJECT);
        if (err >= 0) nacme_problem_type(c, err, c->problem.type, sizeof c->problem.type);
    }
    if (c->n_authz > 0) return NACME_OK; /* a poll: the authorizations are known */
    int az = nacme_jget(c, 0, "authorizations", NACME_JSON_ARRAY);
    if (az < 0) return az;
    int n = nacme_json_count(&c->json, az);
    if (n < 1 || n > NACME_MAX_IDENTIFIERS) return NACME_ERR_TOO_LARGE;
    for (int e = nacme_json_first(&c->json, az); e >= 0; e = nacme_json_next(&c->json, az, e)) {
        nacme_authz_slot_t *s = &c->authz[c->n_authz];
        memset(s, 0, sizeof *s);
        s->chall_url = s->token = NACME_NOSTR;
        if (nacme_json_tok_url(c, e, &s->url) != NACME_OK) return NACME_ERR_URL;
        c->n_authz++;
    }
    return NACME_OK;
}

/* Where an order in its current status goes next. */
static int follow_order(nacme_t *c)
{
    /* pending, ready, processing, valid */
    static const uint8_t next[] = {S_AUTHZ_FETCH, S_UNPUBLISH, S_POLL_WAIT, S_UNPUBLISH};
    _Static_assert(ST_READY == ST_PENDING + 1 && ST_PROCESSING == ST_PENDING + 2 && ST_VALID == ST_PENDING + 3,
                   "status order");
    unsigned k = (unsigned)c->order_status - ST_PENDING;
    if (k < sizeof next) return nacme_set_state(c, next[k]);
    NACME_LOG_ERROR(c, "the order is invalid%s%s", c->problem.type[0] ? ": " : "", c->problem.type);
    return NACME_ERR_ORDER_INVALID;
}

/* ---- checkpoint ------------------------------------------------------------------ */

static void write_identifiers(nacme_t *c, nacme_jw_t *w)
{
    nacme_jw_key(w, "identifiers");
    nacme_jw_array_begin(w);
    for (size_t i = 0; i < R(c)->n_ids; i++) {
        nacme_jw_object_begin(w);
        nacme_jw_key_string(w, "type", R(c)->ids[i].type == NACME_ID_IP ? "ip" : "dns");
        nacme_jw_key_string(w, "value", R(c)->ids[i].value);
        nacme_jw_object_end(w);
    }
    nacme_jw_array_end(w);
}

/* {"identifiers":[...],"key":base64url(SEC1 DER)[,"url":order URL]} into buf. */
static int write_checkpoint(nacme_t *c)
{
    size_t der_off = NACME_BUF_SIZE / 2u, der_len;
    const nacme_crypto_t *cr = &c->port->crypto;
    int rc = cr->key_export(cr->ctx, c->cert_key, NACME_KEY_SEC1_DER, c->buf + der_off,
                            NACME_BUF_SIZE - der_off, &der_len);
    if (rc != NACME_OK) return rc;
    nacme_sb_t sb;
    nacme_jw_t w;
    nacme_sb_init(&sb, (char *)c->buf, der_off);
    nacme_jw_init(&w, &sb);
    nacme_jw_object_begin(&w);
    write_identifiers(c, &w);
    nacme_jw_b64(&w, "key", c->buf + der_off, der_len);
    if (c->order_url != NACME_NOSTR) nacme_jw_url(c, &w, "url", c->order_url);
    nacme_jw_object_end(&w);
    rc = nacme_jw_finish(&w);
    memset(c->buf + der_off, 0, der_len);
    c->data_len = sb.len;
    return rc;
}

/* A stored checkpoint in buf[0..len): NACME_OK when it is for our identifiers (key imported). */
static int read_checkpoint(nacme_t *c, size_t len)
{
    nacme_json_init(&c->json, c->toks, NACME_JSON_TOKENS);
    if (nacme_json_parse(&c->json, (const char *)c->buf, len) != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
    if (!ids_match(c, 0)) return NACME_ERR_NOT_FOUND; /* another request's order: start afresh */
    int k = nacme_jget(c, 0, "key", NACME_JSON_STRING);
    if (k < 0) return NACME_ERR_STORAGE_CORRUPT;
    size_t raw_len, der_len;
    const char *raw = nacme_json_raw(&c->json, k, &raw_len);
    uint8_t *der = c->buf + NACME_BUF_SIZE / 2u;
    if (len > NACME_BUF_SIZE / 2u) return NACME_ERR_STORAGE_CORRUPT;
    int rc = nacme_b64url_decode(raw, raw_len, der, NACME_BUF_SIZE / 2u, &der_len);
    if (rc == NACME_OK) {
        if (c->cert_key.id != 0) c->port->crypto.key_release(c->port->crypto.ctx, c->cert_key);
        c->cert_key.id = 0;
        rc = c->port->crypto.key_import(c->port->crypto.ctx, der, der_len, &c->cert_key);
    }
    memset(der, 0, NACME_BUF_SIZE / 2u);
    if (rc != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
    (void)nacme_json_add_url(c, 0, "url", &c->order_url);
    return NACME_OK;
}

/* ---- authorizations and challenges --------------------------------------------------- */

static bool preferred(const nacme_t *c, nacme_challenge_type_t t, size_t *rank)
{
    const nacme_challenge_type_t *p = R(c)->challenges ? R(c)->challenges : default_prefs;
    size_t n = R(c)->challenges ? R(c)->n_challenges : NACME_ARRAY_LEN(default_prefs);
    if (t == NACME_CHALLENGE_TLS_ALPN_01 && !NACME_WITH_TLS_ALPN) return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == t && (c->port->challenge.supported & (unsigned)t)) {
            *rank = i;
            return true;
        }
    }
    return false;
}

static nacme_challenge_type_t challenge_type(const nacme_t *c, int ch)
{
    static const char names[] = "http-01\0dns-01\0tls-alpn-01";
    static const uint8_t types[] = {NACME_CHALLENGE_HTTP_01, NACME_CHALLENGE_DNS_01, NACME_CHALLENGE_TLS_ALPN_01};
    int t = nacme_jget(c, ch, "type", NACME_JSON_STRING);
    const char *n = names;
    for (size_t i = 0; t >= 0 && i < sizeof types; i++, n += strlen(n) + 1u) {
        if (nacme_json_streq(&c->json, t, n)) return (nacme_challenge_type_t)types[i];
    }
    return (nacme_challenge_type_t)0;
}

/* Copy the problem of a failed challenge ("error") so the caller sees why. */
static void challenge_problem(nacme_t *c, int ch, int id)
{
    int err = nacme_jget(c, ch, "error", NACME_JSON_OBJECT);
    if (err < 0) return;
    memset(&c->problem, 0, sizeof c->problem);
    c->problem.status = 403;
    nacme_problem_type(c, err, c->problem.type, sizeof c->problem.type);
    nacme_json_copy(c, err, "detail", c->problem.detail, sizeof c->problem.detail);
    c->problem.n_sub = 1;
    c->problem.sub[0].id = (uint8_t)id;
    memcpy(c->problem.sub[0].type, c->problem.type, sizeof c->problem.sub[0].type - 1u);
}

/* An authorization object for slot s: match it, choose and remember a challenge. */
static int take_authz(nacme_t *c, nacme_authz_slot_t *s)
{
    if (nacme_json_type(&c->json, 0) != NACME_JSON_OBJECT) return NACME_ERR_JSON_TYPE;
    int ident = nacme_jget(c, 0, "identifier", NACME_JSON_OBJECT);
    bool wildcard = nacme_jget(c, 0, "wildcard", NACME_JSON_TRUE) >= 0;
    int id = json_identifier(c, ident, wildcard); /* -1 when ident is absent */
    if (id < 0) {
        NACME_LOG_ERROR(c, "authz: identifier not ordered");
        return NACME_ERR_AUTHZ_INVALID;
    }
    s->id = (uint8_t)id;
    s->status = (uint8_t)nacme_parse_status(c, 0);
    int chs = nacme_jget(c, 0, "challenges", NACME_JSON_ARRAY);
    if (s->status == ST_VALID) {
        s->flags |= AZ_SKIP;
        NACME_LOG_INFO(c, "%s: already authorized", R(c)->ids[id].value);
        return NACME_OK;
    }
    if (s->status != ST_PENDING) {
        for (int e = nacme_json_first(&c->json, chs); e >= 0; e = nacme_json_next(&c->json, chs, e)) {
            challenge_problem(c, e, id);
        }
        NACME_LOG_ERROR(c, "%s: authorization failed%s%s", R(c)->ids[id].value,
                        c->problem.detail[0] ? ": " : "", c->problem.detail);
        return NACME_ERR_AUTHZ_INVALID;
    }
    int best = -1;
    size_t best_rank = 0;
    for (int e = nacme_json_first(&c->json, chs); e >= 0; e = nacme_json_next(&c->json, chs, e)) {
        size_t rank;
        nacme_challenge_type_t t = challenge_type(c, e);
        if (t == 0 || !preferred(c, t, &rank)) continue;
        if (wildcard && t != NACME_CHALLENGE_DNS_01) continue;
        if (best < 0 || rank < best_rank) {
            best = e;
            best_rank = rank;
            s->type = (uint8_t)t;
        }
    }
    if (best < 0) {
        NACME_LOG_ERROR(c, "%s: no usable challenge", R(c)->ids[id].value);
        return NACME_ERR_NO_CHALLENGE;
    }
    int rc = nacme_json_add_url(c, best, "url", &s->chall_url);
    if (rc == NACME_OK) rc = nacme_json_add_str(c, best, "token", &s->token);
    if (rc != NACME_OK) return rc;
    int cst = nacme_parse_status(c, best);
    if (cst == ST_PROCESSING || cst == ST_VALID) s->flags |= AZ_ANSWERED; /* answered before a restart */
    return NACME_OK;
}

/* Fill the material of slot s into ch (key authorization in ka). */
static int material(nacme_t *c, const nacme_authz_slot_t *s, nacme_challenge_t *ch, char *ka,
                    size_t ka_cap, char *dns)
{
    const nacme_identifier_t *id = &R(c)->ids[s->id];
    memset(ch, 0, sizeof *ch);
    ch->type = (nacme_challenge_type_t)s->type;
    ch->id_type = id->type;
    ch->wildcard = id->value[0] == '*';
    ch->identifier = ch->wildcard ? id->value + 2 : id->value;
    ch->token = nacme_str(c, s->token);
    int rc = nacme_key_authorization(ch->token, c->thumbprint, ka, ka_cap);
    if (rc != NACME_OK) return rc;
    ch->key_authorization = ka;
    if (ch->type == NACME_CHALLENGE_DNS_01) {
        if ((rc = nacme_dns01_value(&c->port->crypto, ka, dns)) != NACME_OK) return rc;
        ch->dns_txt_value = dns;
    }
    return NACME_OK;
}

/*
 * The tls-alpn-01 certificate of slot s, in the buffer's end: first the TBS
 * is signed by the certificate key (c->sig, may be pending), then the whole
 * certificate is written.
 */
static int alpn_cert(nacme_t *c, const nacme_challenge_t *ch, nacme_challenge_t *out)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    nacme_alpn_cert_params_t p;
    uint8_t xy[64];
    int rc = cr->key_public(cr->ctx, c->cert_key, xy);
    if (rc != NACME_OK) return rc;
    memset(&p, 0, sizeof p);
    p.id.type = ch->id_type;
    p.id.value = ch->identifier;
    p.xy = xy;
    int64_t now;
    if (nacme_unix_now(c, &now) != NACME_OK) now = 0;
    p.not_before = now - 86400;
    p.not_after = now + 7 * 86400;
    /* hash of the key authorization; its first bytes also make the serial */
    rc = nacme_sha256(cr, &c->sha, (const uint8_t *)ch->key_authorization, strlen(ch->key_authorization),
                      p.key_auth_hash);
    if (rc != NACME_OK) return rc;
    memcpy(p.serial, p.key_auth_hash, sizeof p.serial);
    nacme_der_t d;
    if (!c->sig_ready) {
        uint8_t digest[32];
        nacme_der_init(&d, c->buf, NACME_BUF_SIZE);
        if ((rc = nacme_alpn_cert_tbs(&d, &p)) != NACME_OK) return rc;
        rc = nacme_sha256(cr, &c->sha, nacme_der_data(&d), nacme_der_len(&d), digest);
        if (rc == NACME_OK) rc = cr->sign_digest(cr->ctx, c->cert_key, digest, c->sig);
        if (rc != NACME_OK) return rc;
        c->sig_ready = true;
    }
    nacme_der_init(&d, c->buf, NACME_BUF_SIZE);
    if ((rc = nacme_alpn_cert(&d, &p, c->sig)) != NACME_OK) return rc;
    out->alpn_cert_der = nacme_der_data(&d);
    out->alpn_cert_len = nacme_der_len(&d);
    out->alpn_key = c->cert_key;
    return NACME_OK;
}

static int publish(nacme_t *c, nacme_authz_slot_t *s, bool remove)
{
    char ka[NACME_URL_MAX + NACME_B64_SHA256_LEN + 2];
    char dns[NACME_B64_SHA256_LEN + 1];
    nacme_challenge_t ch;
    int rc = material(c, s, &ch, ka, sizeof ka, dns);
    if (rc != NACME_OK) return rc;
    const nacme_challenge_port_t *cp = &c->port->challenge;
    if (remove) {
        rc = cp->unpublish(cp->ctx, &ch);
    } else {
        if (NACME_WITH_TLS_ALPN && ch.type == NACME_CHALLENGE_TLS_ALPN_01) {
            rc = alpn_cert(c, &ch, &ch);
            if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        }
        /* a publish cut short (pending, then a cancel or timeout) may have made it live: cleanup removes it */
        s->flags |= AZ_PUBLISHING;
        rc = cp->publish(cp->ctx, &ch);
    }
    if (rc == NACME_PENDING) return nacme_wait_ms(c, 10u);
    if (rc == NACME_OK) {
        c->sig_ready = false;
        NACME_LOG_INFO(c, "%s: %s %s material", ch.identifier, remove ? "removed" : "published",
                       ch.type == NACME_CHALLENGE_HTTP_01 ? "http-01"
                       : ch.type == NACME_CHALLENGE_DNS_01 ? "dns-01" : "tls-alpn-01");
    }
    return rc;
}

/* Remove the material of every published challenge (cursor: the next slot). */
static int unpublish_all(nacme_t *c)
{
    for (; c->cursor < c->n_authz; c->cursor++) {
        nacme_authz_slot_t *s = &c->authz[c->cursor];
        if ((s->flags & (AZ_PUBLISHED | AZ_PUBLISHING)) == 0 || (s->flags & AZ_UNPUBLISHED)) continue;
        int rc = publish(c, s, true);
        if (rc == NACME_PENDING) return rc;
        if (rc != NACME_OK) NACME_LOG_WARN(c, "unpublish failed: %s", nacme_strerror(rc));
        s->flags |= AZ_UNPUBLISHED;
    }
    return NACME_OK;
}

static bool any_published(const nacme_t *c)
{
    for (size_t i = 0; i < c->n_authz; i++) {
        if (c->authz[i].flags & AZ_PUBLISHED) return true;
    }
    return false;
}

/* ---- polling ---------------------------------------------------------------------- */

/* Next poll: the CA's Retry-After, else a doubling wait with jitter, within the op deadline. */
static int schedule_poll(nacme_t *c)
{
    uint64_t delay;
    if (c->req.retry_after >= 0) {
        delay = (uint64_t)c->req.retry_after * 1000u;
        if (delay == 0) delay = POLL_FIRST_MS;
    } else {
        delay = c->poll_delay_ms ? c->poll_delay_ms : POLL_FIRST_MS;
        c->poll_delay_ms = (uint32_t)(delay * 2u > POLL_MAX_MS ? POLL_MAX_MS : delay * 2u);
        uint8_t r = 0;
        (void)c->port->entropy.fill(c->port->entropy.ctx, &r, 1);
        delay = delay * (80u + (r % 41u)) / 100u; /* +-20 % */
    }
    uint64_t when = nacme_now_ms(c) + delay;
    if (when > c->op_deadline) when = c->op_deadline;
    c->req.retry_after = -1;
    nacme_set_state(c, S_POLL);
    c->polls++;
    return nacme_wait_until(c, when);
}

/* ---- the states -------------------------------------------------------------------- */

static int post(nacme_t *c, uint16_t url, uint8_t payload)
{
    return nacme_exchange(c, url, payload, RQ_HOW(M_POST, A_KID, B_JSON));
}

static bool profile_offered(const nacme_t *c, const char *name)
{
    if (c->url_profiles == NACME_NOSTR) return false;
    const char *list = nacme_str(c, c->url_profiles);
    size_t n = strlen(name);
    for (const char *p = list; *p != '\0'; p++) {
        if (p[0] == '\n' && strncmp(p + 1, name, n) == 0 && p[n + 1] == '\n') return true;
    }
    return false;
}

int nacme_state_order(nacme_t *c)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    const char *name = nacme_cert_name(c);
    size_t len = 0;
    int rc;
    switch (c->state) {
    case S_ORDER_READ:
        if (R(c)->profile != NULL && !profile_offered(c, R(c)->profile)) {
            NACME_LOG_ERROR(c, "profile %s not offered", R(c)->profile);
            return NACME_ERR_PROFILE;
        }
        rc = nacme_store_load(c, NACME_OBJ_ORDER, name, &len);
        if (rc == NACME_OK) rc = read_checkpoint(c, len);
        if (rc == NACME_ERR_NOT_FOUND || rc == NACME_ERR_STORAGE_CORRUPT) {
            if (rc == NACME_ERR_STORAGE_CORRUPT) NACME_LOG_WARN(c, "order checkpoint unreadable: new order");
            return nacme_set_state(c, S_CERT_KEY_GEN);
        }
        if (rc != NACME_OK) return rc;
        if (c->order_url != NACME_NOSTR) {
            NACME_LOG_INFO(c, "resuming order %s", nacme_str(c, c->order_url));
            nacme_emit_ref(c, NACME_EVENT_ORDER_RESUMED, c->order_url);
            nacme_set_state(c, S_ORDER_FETCH);
        } else {
            /* newOrder may have been sent before a power loss: look for it first */
            nacme_set_state(c, NACME_WITH_ORDER_LOOKUP && c->orders_url != NACME_NOSTR ? S_ORDERS_LIST : S_NEW_ORDER);
        }
        return NACME_OK;

#if NACME_WITH_ORDER_LOOKUP
    case S_ORDERS_LIST:
        rc = post(c, c->orders_url, P_EMPTY);
        if (rc == NACME_PENDING) return rc;
        c->n_alternates = 0; /* the alternates array holds the candidates until the download */
        if (rc == NACME_OK) {
            int list = nacme_jget(c, 0, "orders", NACME_JSON_ARRAY);
            int n = list >= 0 ? nacme_json_count(&c->json, list) : 0;
            int skip = n > NACME_MAX_ALTERNATES ? n - NACME_MAX_ALTERNATES : 0; /* the newest are last */
            for (int e = nacme_json_first(&c->json, list); e >= 0;
                 e = nacme_json_next(&c->json, list, e)) {
                uint16_t ref;
                if (skip-- > 0 || nacme_json_tok_url(c, e, &ref) != NACME_OK) continue;
                c->alternates[c->n_alternates++] = ref;
            }
        } else {
            NACME_LOG_WARN(c, "orders list is not available: new order");
        }
        nacme_set_state(c, S_ORDERS_CHECK);
        c->cursor = c->n_alternates; /* newest first */
        return NACME_OK;

    case S_ORDERS_CHECK:
        if (c->cursor == 0) {
            c->n_alternates = 0;
            return nacme_set_state(c, S_NEW_ORDER);
        }
        rc = post(c, c->alternates[c->cursor - 1u], P_EMPTY);
        if (rc == NACME_PENDING) return rc;
        if (rc == NACME_OK && nacme_json_type(&c->json, 0) == NACME_JSON_OBJECT && ids_match(c, 0)) {
            /*
             * Only an order not finalized yet can be the one sent before the
             * restart: ours was never finalized, its URL was never stored.
             */
            int st = nacme_parse_status(c, 0);
            if (st == ST_PENDING || st == ST_READY) {
                c->order_url = c->alternates[c->cursor - 1u];
                c->n_alternates = 0;
                if ((rc = take_order(c)) != NACME_OK) return rc;
                NACME_LOG_INFO(c, "found the order sent before a restart: %s", nacme_str(c, c->order_url));
                nacme_set_state(c, S_ORDER_WRITE);
                return write_checkpoint(c);
            }
        }
        c->cursor--;
        return NACME_OK;
#endif

    case S_CERT_KEY_GEN:
        if (c->cert_key.id == 0) { /* a reused key was imported by S_CERT_READ */
            rc = cr->key_generate(cr->ctx, &c->cert_key);
            if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        }
        c->order_url = NACME_NOSTR;
        if ((rc = write_checkpoint(c)) != NACME_OK) return rc;
        return nacme_set_state(c, S_ORDER_INTENT_WRITE);

    case S_ORDER_INTENT_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ORDER, name);
        if (rc != NACME_OK) return rc;
        return nacme_set_state(c, S_NEW_ORDER);

    case S_NEW_ORDER:
        if (c->cursor_req == 0) c->replaces_sent = c->certid != NACME_NOSTR;
        rc = post(c, c->url_new_order, P_NEW_ORDER);
        if (rc == NACME_PENDING) return rc;
        if (NACME_WITH_ARI && rc == NACME_ERR_PROBLEM && c->replaces_sent &&
            (strcmp(c->problem.type, "alreadyReplaced") == 0 || nacme_contains_ci(c->problem.detail, "replace"))) {
            NACME_LOG_WARN(c, "\"replaces\" refused: ordering without");
            c->certid = NACME_NOSTR;
            return NACME_OK; /* same state, without replaces */
        }
        if (rc != NACME_OK) return rc;
        if (c->req.location == NACME_NOSTR) return NACME_ERR_NO_LOCATION;
        c->order_url = c->req.location;
        c->n_authz = 0;
        if ((rc = take_order(c)) != NACME_OK) return rc;
        NACME_LOG_INFO(c, "order created: %s", nacme_str(c, c->order_url));
        if ((rc = write_checkpoint(c)) != NACME_OK) return rc;
        nacme_set_state(c, S_ORDER_WRITE);
        c->cursor = 1; /* emit ORDER_CREATED once stored */
        return NACME_OK;

    case S_ORDER_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ORDER, name);
        if (rc != NACME_OK) return rc;
        if (c->cursor == 1) nacme_emit_ref(c, NACME_EVENT_ORDER_CREATED, c->order_url);
        return follow_order(c);

    case S_ORDER_FETCH:
        rc = post(c, c->order_url, P_EMPTY);
        if (rc == NACME_PENDING) return rc;
        if ((rc == NACME_ERR_PROBLEM || rc == NACME_ERR_HTTP_UNEXPECTED) && c->req.status == 404) {
            rc = NACME_ERR_ORDER_INVALID; /* gone: the CA dropped it */
        } else if (rc == NACME_OK) {
            rc = take_order(c);
            if (rc == NACME_OK && c->order_status != ST_INVALID) return follow_order(c);
            if (rc == NACME_OK) rc = NACME_ERR_ORDER_INVALID;
        }
        if (rc == NACME_ERR_ORDER_INVALID) {
            /* a stored order that cannot complete: forget it and order anew */
            NACME_LOG_WARN(c, "stored order unusable: new order");
            memset(&c->problem, 0, sizeof c->problem);
            c->order_url = c->finalize_url = c->cert_url = NACME_NOSTR;
            c->n_authz = 0;
            return nacme_set_state(c, S_CERT_KEY_GEN);
        }
        return rc;

    case S_AUTHZ_FETCH:
        if (c->cursor >= c->n_authz) {
            return nacme_set_state(c, S_PUBLISH);
        }
        rc = post(c, c->authz[c->cursor].url, P_EMPTY);
        if (rc != NACME_OK) return rc;
        if ((rc = take_authz(c, &c->authz[c->cursor])) != NACME_OK) return rc;
        c->cursor++;
        return NACME_OK;

    case S_PUBLISH:
        for (; c->cursor < c->n_authz; c->cursor++) {
            nacme_authz_slot_t *s = &c->authz[c->cursor];
            if (s->flags & (AZ_SKIP | AZ_PUBLISHED)) continue;
            if ((rc = publish(c, s, false)) != NACME_OK) return rc;
            s->flags |= AZ_PUBLISHED;
        }
        return nacme_set_state(c, S_SETTLE);

    case S_SETTLE:
        if (c->port->challenge.settle != NULL && any_published(c)) {
            rc = c->port->challenge.settle(c->port->challenge.ctx);
            if (rc == NACME_PENDING) return nacme_wait_ms(c, 100u);
            if (rc != NACME_OK) return rc;
        }
        return nacme_set_state(c, S_ANSWER);

    case S_ANSWER:
        while (c->cursor < c->n_authz && (c->authz[c->cursor].flags & (AZ_SKIP | AZ_ANSWERED))) c->cursor++;
        if (c->cursor >= c->n_authz) {
            nacme_emit_ref(c, NACME_EVENT_CHALLENGES_ANSWERED, c->order_url);
            c->poll_delay_ms = 0; /* a Retry-After of the last answer is honoured */
            return schedule_poll(c);
        }
        rc = post(c, c->authz[c->cursor].chall_url, P_CHALLENGE);
        if (rc == NACME_ERR_PROBLEM && !(c->authz[c->cursor].flags & AZ_RECHECKED)) {
            /*
             * An answer sent before a restart may have been validated since
             * the authorization was read (the CA then refuses a second one):
             * read the authorizations again, once; answered ones are skipped.
             */
            NACME_LOG_WARN(c, "answer refused (%s): reading the authorization again", c->problem.type);
            c->authz[c->cursor].flags |= AZ_RECHECKED;
            memset(&c->problem, 0, sizeof c->problem);
            return nacme_set_state(c, S_AUTHZ_FETCH);
        }
        if (rc != NACME_OK) return rc;
        c->authz[c->cursor].flags |= AZ_ANSWERED;
        c->cursor++;
        return NACME_OK;

    case S_POLL_WAIT:
        return schedule_poll(c);

    case S_POLL:
        rc = post(c, c->order_url, P_EMPTY);
        if (rc != NACME_OK) return rc;
        if ((rc = take_order(c)) != NACME_OK) return rc;
        if (c->order_status == ST_PENDING) {
            if (c->polls > 1000u) return NACME_ERR_TIMEOUT;
            return nacme_set_state(c, S_POLL_WAIT);
        }
        return follow_order(c);

    case S_UNPUBLISH:
        if (unpublish_all(c) == NACME_PENDING) return NACME_PENDING;
        return nacme_set_state(c, c->order_status == ST_VALID ? S_CERT_DOWNLOAD : S_CSR_SIGN);

    case S_CSR_SIGN: {
        /* the CSR is signed first, then written whole at the buffer's end, kept for retries */
        uint8_t xy[64], digest[32];
        nacme_der_t d;
        if ((rc = cr->key_public(cr->ctx, c->cert_key, xy)) != NACME_OK) return rc;
        nacme_req_reserve_tail(c, 0);
        nacme_der_init(&d, c->buf, NACME_BUF_SIZE);
        if ((rc = nacme_csr_info(&d, R(c)->ids, R(c)->n_ids, xy)) != NACME_OK) return rc;
        rc = nacme_sha256(cr, &c->sha, nacme_der_data(&d), nacme_der_len(&d), digest);
        if (rc == NACME_OK) rc = cr->sign_digest(cr->ctx, c->cert_key, digest, c->sig);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        nacme_der_init(&d, c->buf, NACME_BUF_SIZE);
        if ((rc = nacme_csr(&d, R(c)->ids, R(c)->n_ids, xy, c->sig)) != NACME_OK) return rc;
        nacme_req_reserve_tail(c, nacme_der_len(&d));
        return nacme_set_state(c, S_FINALIZE);
    }

    case S_FINALIZE:
        rc = post(c, c->finalize_url, P_FINALIZE);
        if (rc != NACME_OK) return rc;
        nacme_req_reserve_tail(c, 0);
        if ((rc = take_order(c)) != NACME_OK) return rc;
        nacme_emit_ref(c, NACME_EVENT_FINALIZED, c->order_url);
        c->poll_delay_ms = 0;
        if (c->order_status == ST_VALID) {
            return nacme_set_state(c, S_CERT_DOWNLOAD);
        }
        if (c->order_status == ST_PROCESSING) return schedule_poll(c);
        return follow_order(c);

    default:
        return NACME_ERR_INTERNAL;
    }
}

/* ---- payloads ------------------------------------------------------------------- */

void nacme_write_order_payload(nacme_t *c, nacme_sb_t *sb)
{
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    if (c->req.payload == P_NEW_ORDER) {
        write_identifiers(c, &w);
        if (R(c)->profile != NULL) {
            nacme_jw_key_string(&w, "profile", R(c)->profile);
        }
        if (NACME_WITH_ARI && c->certid != NACME_NOSTR) {
            nacme_jw_key_string(&w, "replaces", nacme_str(c, c->certid));
        }
    } else { /* P_FINALIZE: the CSR kept at the end of the buffer */
        nacme_jw_b64(&w, "csr", c->buf + NACME_BUF_SIZE - nacme_req_tail(c), nacme_req_tail(c));
    }
    nacme_jw_object_end(&w);
    if (nacme_jw_finish(&w) != NACME_OK && sb->err == NACME_OK) sb->err = NACME_ERR_INTERNAL;
}

/* ---- failure cleanup ------------------------------------------------------------ */

/* Failures after which the order cannot complete (so it is abandoned). */
static bool order_dead(const nacme_t *c)
{
    return c->err == NACME_ERR_ORDER_INVALID || c->err == NACME_ERR_AUTHZ_INVALID ||
           c->err == NACME_ERR_NO_CHALLENGE;
}

/*
 * Failures that say nothing about the CA (it was not reached, or the device
 * or its configuration is at fault) record no backoff: the next run should
 * try as soon as the cause is fixed. Everything the CA answered does.
 */
static bool worth_backoff(int err)
{
#define E(e) (uint8_t)(-(e))
    static const uint8_t local[] = {
        E(NACME_ERR_CANCELLED),     E(NACME_ERR_BACKOFF),      E(NACME_ERR_ARG),          E(NACME_ERR_CONNECT),
        E(NACME_ERR_RESOLVE),       E(NACME_ERR_TLS),          E(NACME_ERR_TLS_VERIFY),   E(NACME_ERR_IO),
        E(NACME_ERR_STORAGE),       E(NACME_ERR_STORAGE_CORRUPT), E(NACME_ERR_ENTROPY),   E(NACME_ERR_CRYPTO),
        E(NACME_ERR_KEY),           E(NACME_ERR_CHALLENGE),    E(NACME_ERR_TIME_UNKNOWN), E(NACME_ERR_LOCKED),
        E(NACME_ERR_EAB_REQUIRED),  E(NACME_ERR_TOS_REQUIRED), E(NACME_ERR_PROFILE),      E(NACME_ERR_UNSUPPORTED)};
#undef E
    _Static_assert(NACME_ERR_BACKOFF >= -255 && NACME_ERR_EAB_REQUIRED >= -255, "codes fit a byte");
    return err >= 0 || err < -255 || memchr(local, -err, sizeof local) == NULL;
}

/* Backoff before the next attempt after `failures` failures: 5 min doubling, at most a day. */
static int64_t backoff_s(uint16_t failures)
{
    int64_t s = 300;
    for (uint16_t i = 1; i < failures && s < 86400; i++) s *= 2;
    return s < 86400 ? s : 86400;
}

int nacme_state_fail(nacme_t *c)
{
    int rc;
    switch (c->state) {
    case S_FAIL_UNPUBLISH:
        nacme_cert_abort(c); /* a half-written certificate never replaces the stored one */
        if (unpublish_all(c) == NACME_PENDING) return NACME_PENDING;
        return nacme_set_state(c, S_FAIL_DEACTIVATE);

    case S_FAIL_DEACTIVATE:
        /* an order that cannot complete: release its pending authorizations, forget it */
        if (!order_dead(c) || c->order_url == NACME_NOSTR) {
            return nacme_set_state(c, S_FAIL_STATE_WRITE);
        }
        while (c->cursor < 2u * c->n_authz) {
            nacme_authz_slot_t *s = &c->authz[c->cursor / 2u];
            bool fetch = (c->cursor & 1u) == 0;
            if (s->flags & (AZ_SKIP | AZ_DEACTIVATED)) {
                c->cursor = (uint8_t)(c->cursor + (fetch ? 2u : 1u));
                continue;
            }
            rc = post(c, s->url, fetch ? P_EMPTY : P_DEACTIVATE);
            if (rc == NACME_PENDING) return rc;
            if (fetch && (rc != NACME_OK || nacme_parse_status(c, 0) != ST_PENDING)) {
                c->cursor = (uint8_t)(c->cursor + 2u); /* valid, invalid or unknown: leave it */
                continue;
            }
            if (!fetch && rc == NACME_OK) {
                s->flags |= AZ_DEACTIVATED;
                NACME_LOG_INFO(c, "deactivated the pending authorization for %s", R(c)->ids[s->id].value);
            }
            c->cursor++;
        }
        if ((rc = nacme_store_remove(c, NACME_OBJ_ORDER, nacme_cert_name(c))) == NACME_PENDING) return rc;
        return nacme_set_state(c, S_FAIL_STATE_WRITE);

    case S_FAIL_STATE_WRITE:
        /* remember when the next attempt may start (survives restarts) */
        if ((c->op != OP_ISSUE && c->op != OP_RENEW) || !worth_backoff(c->err)) {
            return nacme_set_state(c, S_FAILED);
        }
        if (c->cursor == 0 && !c->state_loaded) {
            /* failed before the state was read: read it now, so nothing stored is lost */
            rc = nacme_state_load(c);
            if (rc == NACME_PENDING) return rc;
            if (rc != NACME_OK) {
                return nacme_set_state(c, S_FAILED);
            }
        }
        if (c->cursor == 0) {
            int64_t now;
            if (nacme_unix_now(c, &now) != NACME_OK) {
                return nacme_set_state(c, S_FAILED);
            }
            c->failures++;
            int64_t wait = backoff_s(c->failures);
            if (c->err == NACME_ERR_RATE_LIMITED && c->req.retry_after > wait) wait = c->req.retry_after;
            c->next_attempt = now + wait;
            c->result.retry_at = c->next_attempt;
            if ((rc = nacme_state_object(c)) != NACME_OK) {
                return nacme_set_state(c, S_FAILED);
            }
            c->cursor = 1;
        }
        rc = nacme_store_write(c, NACME_OBJ_STATE, nacme_cert_name(c));
        if (rc == NACME_PENDING) return rc;
        return nacme_set_state(c, S_FAILED);

    default:
        return NACME_ERR_INTERNAL;
    }
}
