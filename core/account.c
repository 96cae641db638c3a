/*
 * Directory and account: fetch the directory once per context, load or
 * create the account key and the account (newAccount with terms agreement,
 * contact and External Account Binding; onlyReturnExisting to recover the
 * URL of a stored key), and the account operations: contact update,
 * deactivation and key rollover (RFC 8555 sections 7.3.2, 7.3.6, 7.3.5).
 */
#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "nacme_jose.h"

/* ---- directory ------------------------------------------------------------------- */

/* Keep the names of meta.profiles as "\nname1\nname2\n" in the pool. */
static int keep_profiles(nacme_t *c, int meta)
{
    int prof = nacme_jget(c, meta, "profiles", NACME_JSON_OBJECT);
    if (prof < 0) return NACME_OK;
    char list[256];
    nacme_sb_t sb;
    nacme_sb_init(&sb, list, sizeof list);
    nacme_sb_putc(&sb, '\n');
    for (int k = nacme_json_first(&c->json, prof); k >= 0; k = nacme_json_next(&c->json, prof, k)) {
        size_t len;
        const char *name = nacme_json_raw(&c->json, k, &len);
        if (name == NULL || memchr(name, '\\', len) != NULL) continue; /* escaped names: not ours */
        nacme_sb_put(&sb, name, len);
        nacme_sb_putc(&sb, '\n');
    }
    if (nacme_sb_status(&sb) != NACME_OK) return NACME_ERR_TOO_LARGE;
    c->url_profiles = nacme_str_add(c, list, sb.len);
    return c->url_profiles == NACME_NOSTR ? NACME_ERR_TOO_LARGE : NACME_OK;
}

static int parse_directory(nacme_t *c)
{
    if (nacme_json_type(&c->json, 0) != NACME_JSON_OBJECT) return NACME_ERR_DIRECTORY;
    /* the first three are required; renewalInfo is read only with ARI */
    static const char *const names[] = {"newNonce", "newAccount", "newOrder", "revokeCert", "keyChange",
                                        "renewalInfo"};
    static const uint16_t refs[] = {offsetof(nacme_t, url_new_nonce), offsetof(nacme_t, url_new_account),
                                    offsetof(nacme_t, url_new_order),  offsetof(nacme_t, url_revoke),
                                    offsetof(nacme_t, url_key_change), offsetof(nacme_t, url_renewal_info)};
    for (size_t i = 0; i < NACME_ARRAY_LEN(names) - (NACME_WITH_ARI ? 0u : 1u); i++) {
        int rc = nacme_json_add_url(c, 0, names[i], (uint16_t *)(void *)((char *)c + refs[i]));
        if (rc == NACME_ERR_TOO_LARGE) return rc;
        if (rc != NACME_OK && i < 3u) {
            NACME_LOG_ERROR(c, "directory: %s missing or not https", names[i]);
            return NACME_ERR_DIRECTORY;
        }
    }
    int meta = nacme_jget(c, 0, "meta", NACME_JSON_OBJECT);
    if (meta >= 0) {
        c->tos_present = nacme_jget(c, meta, "termsOfService", NACME_JSON_STRING) >= 0;
        int ext = nacme_jget(c, meta, "externalAccountRequired", NACME_JSON_TRUE);
        c->eab_required = ext >= 0;
        int rc = keep_profiles(c, meta);
        if (rc != NACME_OK) return rc;
    }
    c->dir_loaded = true;
    c->strings_order_mark = c->strings_account_mark = c->strings_len;
    return NACME_OK;
}

int nacme_state_directory(nacme_t *c)
{
    uint16_t ref = c->req.url;
    if (c->cursor_req == 0) {
        const char *url = c->cfg->directory_url;
        ref = nacme_url_add(c, url, strlen(url));
        if (ref == NACME_NOSTR) return NACME_ERR_TOO_LARGE;
    }
    int rc = nacme_exchange(c, ref, P_EMPTY, RQ_HOW(M_GET, A_KID, B_JSON));
    if (rc != NACME_OK) return rc;
    c->strings_len = c->strings_order_mark; /* the directory URL itself is not kept */
    if (c->req.body_len == 0) return NACME_ERR_DIRECTORY;
    if ((rc = parse_directory(c)) != NACME_OK) return rc;
    return nacme_set_state(c, S_ACCT_KEY_READ);
}

/* ---- account key and account ---------------------------------------------------- */

/* The account key is known: keep its public point and thumbprint. */
static int account_key_ready(nacme_t *c)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    int rc = cr->key_public(cr->ctx, c->account_key, c->account_xy);
    if (rc == NACME_OK) rc = nacme_jwk_thumbprint(cr, c->account_xy, c->thumbprint);
    return rc;
}

/* Export a key as storable text into buf (c->data_len). */
static int export_key(nacme_t *c, nacme_key_t key)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    return cr->key_export(cr->ctx, key, NACME_KEY_SEC1_PEM, c->buf, NACME_BUF_SIZE, &c->data_len);
}

/* The ACCOUNT object: {"url":..,"orders":..[,"next_key":base64url(DER)]} into buf. */
static int write_account_object(nacme_t *c, bool with_next_key)
{
    nacme_sb_t sb;
    nacme_jw_t w;
    size_t der_len = 0;
    size_t der_off = NACME_BUF_SIZE / 2u;
    if (with_next_key) {
        const nacme_crypto_t *cr = &c->port->crypto;
        int rc = cr->key_export(cr->ctx, c->new_key, NACME_KEY_SEC1_DER, c->buf + der_off,
                                NACME_BUF_SIZE - der_off, &der_len);
        if (rc != NACME_OK) return rc;
    }
    nacme_sb_init(&sb, (char *)c->buf, der_off);
    nacme_jw_init(&w, &sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key_string(&w, "url", nacme_str(c, c->account_url));
    if (c->orders_url != NACME_NOSTR) nacme_jw_url(c, &w, "orders", c->orders_url);
    if (with_next_key) nacme_jw_b64(&w, "next_key", c->buf + der_off, der_len);
    nacme_jw_object_end(&w);
    int rc = nacme_jw_finish(&w);
    memset(c->buf + der_off, 0, der_len); /* no key material left behind */
    c->data_len = sb.len;
    return rc;
}

/* Parse the stored ACCOUNT object in buf[0..len). */
static int read_account_object(nacme_t *c, size_t len)
{
    nacme_json_init(&c->json, c->toks, NACME_JSON_TOKENS);
    int rc = nacme_json_parse(&c->json, (const char *)c->buf, len);
    if (rc != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
    char url[NACME_URL_MAX + 1];
    int t = nacme_jget(c, 0, "url", NACME_JSON_STRING);
    if (t < 0 || nacme_json_string(&c->json, t, url, sizeof url, NULL) != NACME_OK) {
        return NACME_ERR_STORAGE_CORRUPT;
    }
    c->account_url = nacme_str_add(c, url, strlen(url));
    if (c->account_url == NACME_NOSTR) return NACME_ERR_TOO_LARGE;
    (void)nacme_json_add_url(c, 0, "orders", &c->orders_url);
    int nk = nacme_jget(c, 0, "next_key", NACME_JSON_STRING);
    if (NACME_WITH_ACCOUNT_ADMIN && nk >= 0) {
        /* a key rollover was under way: find out whether the CA took the new key */
        size_t raw_len, der_len;
        const char *raw = nacme_json_raw(&c->json, nk, &raw_len);
        uint8_t *der = c->buf + NACME_BUF_SIZE / 2u;
        rc = nacme_b64url_decode(raw, raw_len, der, NACME_BUF_SIZE / 2u, &der_len);
        if (rc == NACME_OK) rc = c->port->crypto.key_import(c->port->crypto.ctx, der, der_len, &c->new_key);
        memset(der, 0, NACME_BUF_SIZE / 2u);
        if (rc != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
        c->roll_recover = true;
    }
    return NACME_OK;
}

static int post_new_account(nacme_t *c, uint8_t payload, uint8_t auth)
{
    return nacme_exchange(c, c->url_new_account, payload, RQ_HOW(M_POST, auth, B_JSON));
}

/* Keep the account URL and orders URL of a newAccount answer. */
static int take_account(nacme_t *c)
{
    if (c->req.location == NACME_NOSTR) return NACME_ERR_NO_LOCATION;
    /* the kid is used whole in every JWS: keep the absolute URL */
    char url[NACME_URL_MAX + 1];
    nacme_sb_t sb;
    nacme_sb_init(&sb, url, sizeof url);
    nacme_url_write(c, &sb, c->req.location);
    if (nacme_sb_cstr(&sb) == NULL) return NACME_ERR_TOO_LARGE;
    c->account_url = nacme_str_add(c, url, sb.len);
    if (c->account_url == NACME_NOSTR) return NACME_ERR_TOO_LARGE;
    if (c->req.body_len > 0 && nacme_json_type(&c->json, 0) == NACME_JSON_OBJECT) {
        int st = nacme_jget(c, 0, "status", NACME_JSON_STRING);
        if (st >= 0 && !nacme_json_streq(&c->json, st, "valid")) {
            NACME_LOG_ERROR(c, "account not valid (deactivated?)");
            return NACME_ERR_ACCOUNT;
        }
        (void)nacme_json_add_url(c, 0, "orders", &c->orders_url);
    }
    return NACME_OK;
}

static bool problem_is(const nacme_t *c, const char *type)
{
    return strcmp(c->problem.type, type) == 0;
}

int nacme_state_account(nacme_t *c)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    const char *scope = nacme_account_scope(c);
    size_t len = 0;
    int rc;
    switch (c->state) {
    case S_ACCT_KEY_READ:
        rc = nacme_store_load(c, NACME_OBJ_ACCOUNT_KEY, scope, &len);
        if (rc == NACME_ERR_NOT_FOUND) {
            return nacme_set_state(c, S_ACCT_KEY_GEN);
        }
        if (rc != NACME_OK) return rc;
        rc = cr->key_import(cr->ctx, c->buf, len, &c->account_key);
        memset(c->buf, 0, len);
        if (rc != NACME_OK) {
            NACME_LOG_ERROR(c, "account key of %s unusable", scope);
            return rc;
        }
        if ((rc = account_key_ready(c)) != NACME_OK) return rc;
        return nacme_set_state(c, S_ACCT_READ);

    case S_ACCT_KEY_GEN:
        rc = cr->key_generate(cr->ctx, &c->account_key);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        if ((rc = account_key_ready(c)) != NACME_OK) return rc;
        if ((rc = export_key(c, c->account_key)) != NACME_OK) return rc;
        NACME_LOG_INFO(c, "new account key generated");
        return nacme_set_state(c, S_ACCT_KEY_WRITE);

    case S_ACCT_KEY_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ACCOUNT_KEY, scope);
        if (rc != NACME_OK) return rc;
        memset(c->buf, 0, c->data_len);
        nacme_set_state(c, S_ACCT_NEW); /* a new key has no account yet */
        return NACME_OK;

    case S_ACCT_READ:
        rc = nacme_store_load(c, NACME_OBJ_ACCOUNT, scope, &len);
        if (rc == NACME_ERR_NOT_FOUND) {
            return nacme_set_state(c, S_ACCT_LOOKUP);
        }
        if (rc != NACME_OK) return rc;
        if ((rc = read_account_object(c, len)) != NACME_OK) return rc;
        return nacme_set_state(c, c->roll_recover ? S_ACCT_LOOKUP : S_ACCT_READY);

    case S_ACCT_LOOKUP:
        /* onlyReturnExisting: signed by the stored key, or by the rollover's new key */
        rc = post_new_account(c, P_ACCOUNT_LOOKUP, c->roll_recover ? A_JWK_NEW : A_JWK_ACCOUNT);
        if (rc == NACME_PENDING) return rc;
        if (rc == NACME_ERR_PROBLEM && problem_is(c, "accountDoesNotExist")) {
            memset(&c->problem, 0, sizeof c->problem); /* an expected answer, not a failure */
            if (c->roll_recover) {
                NACME_LOG_INFO(c, "key rollover had not happened: keeping the current key");
                c->port->crypto.key_release(c->port->crypto.ctx, c->new_key);
                c->new_key.id = 0;
                c->roll_recover = false;
                nacme_set_state(c, S_ACCT_WRITE);
                return write_account_object(c, false);
            }
            return nacme_set_state(c, S_ACCT_NEW);
        }
        if (rc != NACME_OK) return rc;
        if (c->roll_recover) {
            /* the CA knows the new key: the rollover happened; finish it */
            NACME_LOG_INFO(c, "completing an interrupted key rollover");
            return nacme_set_state(c, S_ROLL_KEY_WRITE);
        }
        if ((rc = take_account(c)) != NACME_OK) return rc;
        NACME_LOG_INFO(c, "account recovered from its key: %s", nacme_str(c, c->account_url));
        nacme_set_state(c, S_ACCT_WRITE);
        return write_account_object(c, false);

    case S_ACCT_NEW:
        if (c->cursor_req == 0) {
            if (c->tos_present && !c->cfg->agree_tos) {
                NACME_LOG_ERROR(c, "CA terms of service not agreed");
                return NACME_ERR_TOS_REQUIRED;
            }
            bool eab = NACME_WITH_EAB && c->cfg->eab_kid != NULL && c->cfg->eab_hmac_key != NULL;
            if (c->eab_required && !eab) {
                NACME_LOG_ERROR(c, "CA requires external account binding");
                return NACME_ERR_EAB_REQUIRED;
            }
            if (eab && (rc = nacme_eab_prepare(c)) != NACME_OK) return rc;
        }
        rc = post_new_account(c, P_NEW_ACCOUNT, A_JWK_ACCOUNT);
        if (rc != NACME_OK) return rc;
        if ((rc = take_account(c)) != NACME_OK) return rc;
        c->acct_created = c->req.status == 201;
        NACME_LOG_INFO(c, "account %s: %s", c->acct_created ? "created" : "exists", nacme_str(c, c->account_url));
        nacme_set_state(c, S_ACCT_WRITE);
        return write_account_object(c, false);

    case S_ACCT_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ACCOUNT, scope);
        if (rc != NACME_OK) return rc;
        if (c->acct_created) nacme_emit_ref(c, NACME_EVENT_ACCOUNT_CREATED, c->account_url);
        return nacme_set_state(c, S_ACCT_READY);

    default:
        return NACME_ERR_INTERNAL;
    }
}

/* ---- External Account Binding ------------------------------------------------------ */

int nacme_eab_prepare(nacme_t *c)
{
    uint8_t key[128];
    size_t key_len;
    const char *k = c->cfg->eab_hmac_key;
    int rc = nacme_b64url_decode(k, strlen(k), key, sizeof key, &key_len);
    if (rc != NACME_OK) {
        NACME_LOG_ERROR(c, "EAB key: not base64url or > 128 bytes");
        return rc;
    }
    char url[NACME_URL_MAX + 1];
    nacme_sb_t sb;
    nacme_sb_init(&sb, url, sizeof url);
    nacme_url_write(c, &sb, c->url_new_account);
    if (nacme_sb_cstr(&sb) == NULL) return NACME_ERR_TOO_LARGE;
    rc = nacme_eab_mac(&c->port->crypto, c->cfg->eab_kid, url, c->account_xy, key, key_len,
                       (char *)c->buf, NACME_BUF_SIZE, c->sig);
    memset(key, 0, sizeof key);
    c->sig_ready = rc == NACME_OK;
    return rc;
}

/* ---- payloads --------------------------------------------------------------------- */

static void write_contact(nacme_jw_t *w, const char *const *contact)
{
    nacme_jw_key(w, "contact");
    nacme_jw_array_begin(w);
    for (size_t i = 0; contact != NULL && contact[i] != NULL && i < 16u; i++) {
        nacme_jw_string(w, contact[i]);
    }
    nacme_jw_array_end(w);
}

/* The keyChange inner payload {"account": kid, "oldKey": JWK}. */
static void keychange_payload(void *ctx, nacme_sb_t *sb)
{
    nacme_t *c = ctx;
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    nacme_jw_object_begin(&w);
    nacme_jw_key_string(&w, "account", nacme_str(c, c->account_url));
    nacme_jw_key(&w, "oldKey");
    nacme_jw_raw_begin(&w);
    nacme_jwk_write(sb, c->account_xy);
    nacme_jw_raw_end(&w);
    nacme_jw_object_end(&w);
}

void nacme_write_account_payload(nacme_t *c, nacme_sb_t *sb)
{
    nacme_jw_t w;
    nacme_jw_init(&w, sb);
    switch (c->req.payload) {
    case P_NEW_ACCOUNT:
        nacme_jw_object_begin(&w);
        if (c->cfg->agree_tos) {
            nacme_jw_key(&w, "termsOfServiceAgreed");
            nacme_jw_bool(&w, true);
        }
        if (c->cfg->contact != NULL && c->cfg->contact[0] != NULL) write_contact(&w, c->cfg->contact);
        if (NACME_WITH_EAB && c->sig_ready && c->cfg->eab_kid != NULL) {
            nacme_jw_key(&w, "externalAccountBinding");
            nacme_jw_raw_begin(&w);
            nacme_eab_write(sb, c->cfg->eab_kid, c->build_url, c->account_xy, c->sig);
            nacme_jw_raw_end(&w);
        }
        nacme_jw_object_end(&w);
        break;
    case P_ACCOUNT_LOOKUP:
        nacme_jw_object_begin(&w);
        nacme_jw_key(&w, "onlyReturnExisting");
        nacme_jw_bool(&w, true);
        nacme_jw_object_end(&w);
        break;
    case P_ACCOUNT_UPDATE:
        nacme_jw_object_begin(&w);
        write_contact(&w, c->contact);
        nacme_jw_object_end(&w);
        break;
    case P_KEY_CHANGE: {
        if (!NACME_WITH_ACCOUNT_ADMIN) break;
        uint8_t xy[64];
        if (c->port->crypto.key_public(c->port->crypto.ctx, c->new_key, xy) != NACME_OK) {
            sb->err = NACME_ERR_KEY;
            return;
        }
        nacme_jws_header_t hdr = {.nonce = NULL, .url = c->build_url, .jwk_xy = xy, .kid = NULL};
        nacme_jws_write(sb, &hdr, keychange_payload, c, c->sig);
        return; /* the inner JWS is the whole payload */
    }
    default:
        sb->err = NACME_ERR_INTERNAL;
        return;
    }
    if (nacme_jw_finish(&w) != NACME_OK && sb->err == NACME_OK) sb->err = NACME_ERR_INTERNAL;
}

/* ---- account operations -------------------------------------------------------- */

/* The keyChange inner JWS, signed by the new key before the outer request is written (c->sig). */
static NACME_NOINLINE int sign_keychange(nacme_t *c)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    uint8_t xy[64], digest[32];
    char url[NACME_URL_MAX + 1];
    nacme_sb_t sb;
    nacme_sb_init(&sb, url, sizeof url);
    nacme_url_write(c, &sb, c->url_key_change);
    if (nacme_sb_cstr(&sb) == NULL) return NACME_ERR_TOO_LARGE;
    int rc = cr->key_public(cr->ctx, c->new_key, xy);
    if (rc != NACME_OK) return rc;
    nacme_jws_header_t hdr = {.nonce = NULL, .url = url, .jwk_xy = xy, .kid = NULL};
    rc = nacme_jws_digest(cr, &c->sha, &hdr, keychange_payload, c, (char *)c->buf, NACME_BUF_SIZE, digest);
    if (rc == NACME_OK) rc = cr->sign_digest(cr->ctx, c->new_key, digest, c->sig);
    return rc;
}

int nacme_state_account_ops(nacme_t *c)
{
    const nacme_crypto_t *cr = &c->port->crypto;
    const char *scope = nacme_account_scope(c);
    int rc;
    switch (c->state) {
    case S_ROLL_KEY_GEN:
        if (c->url_key_change == NACME_NOSTR) return NACME_ERR_DIRECTORY;
        rc = cr->key_generate(cr->ctx, &c->new_key);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        /* the new key is stored before the CA learns of it (see read_account_object) */
        if ((rc = write_account_object(c, true)) != NACME_OK) return rc;
        return nacme_set_state(c, S_ROLL_INTENT_WRITE);

    case S_ROLL_INTENT_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ACCOUNT, scope);
        if (rc != NACME_OK) return rc;
        return nacme_set_state(c, S_ROLL_SIGN);

    case S_ROLL_SIGN:
        rc = sign_keychange(c);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        return nacme_set_state(c, S_ROLL_POST);

    case S_ROLL_POST:
        rc = nacme_exchange(c, c->url_key_change, P_KEY_CHANGE, RQ_HOW(M_POST, A_KID, B_JSON));
        if (rc != NACME_OK) return rc;
        return nacme_set_state(c, S_ROLL_KEY_WRITE);

    case S_ROLL_KEY_WRITE:
        if (c->cursor == 0) {
            if ((rc = cr->key_export(cr->ctx, c->new_key, NACME_KEY_SEC1_PEM, c->buf, NACME_BUF_SIZE,
                                     &c->data_len)) != NACME_OK) {
                return rc;
            }
            c->cursor = 1;
        }
        rc = nacme_store_write(c, NACME_OBJ_ACCOUNT_KEY, scope);
        if (rc != NACME_OK) return rc;
        memset(c->buf, 0, c->data_len);
        /* the new key is the account key from now on */
        cr->key_release(cr->ctx, c->account_key);
        c->account_key = c->new_key;
        c->new_key.id = 0;
        if ((rc = account_key_ready(c)) != NACME_OK) return rc;
        if ((rc = write_account_object(c, false)) != NACME_OK) return rc;
        return nacme_set_state(c, S_ROLL_ACCT_WRITE);

    case S_ROLL_ACCT_WRITE:
        rc = nacme_store_write(c, NACME_OBJ_ACCOUNT, scope);
        if (rc != NACME_OK) return rc;
        if (c->roll_recover) {
            c->roll_recover = false;
            nacme_set_state(c, S_ACCT_READY); /* recovery done: on with the operation */
            return NACME_OK;
        }
        NACME_LOG_INFO(c, "account key rolled over");
        nacme_emit_ref(c, NACME_EVENT_KEY_ROLLED_OVER, c->account_url);
        return nacme_set_state(c, S_FINISHED);

    case S_ACCT_POST:
        if (c->cursor == 0) {
            rc = nacme_exchange(c, c->account_url, c->op == OP_UPDATE ? P_ACCOUNT_UPDATE : P_DEACTIVATE,
                                RQ_HOW(M_POST, A_KID, B_JSON));
            if (rc != NACME_OK) return rc;
            if (c->op == OP_UPDATE) {
                NACME_LOG_INFO(c, "account contact updated");
                nacme_emit_ref(c, NACME_EVENT_ACCOUNT_UPDATED, c->account_url);
                return nacme_set_state(c, S_FINISHED);
            }
            NACME_LOG_INFO(c, "account deactivated: %s", nacme_str(c, c->account_url));
            c->cursor = 2;
        }
        /* a deactivated account is gone for good: forget it and its key */
        if (c->cursor == 2) {
            if ((rc = nacme_store_remove(c, NACME_OBJ_ACCOUNT, scope)) != NACME_OK) return rc;
            c->cursor = 3;
        }
        if ((rc = nacme_store_remove(c, NACME_OBJ_ACCOUNT_KEY, scope)) != NACME_OK) return rc;
        nacme_emit_ref(c, NACME_EVENT_ACCOUNT_DEACTIVATED, c->account_url);
        cr->key_release(cr->ctx, c->account_key);
        c->account_key.id = 0;
        c->account_url = NACME_NOSTR;
        return nacme_set_state(c, S_FINISHED);

    default:
        return NACME_ERR_INTERNAL;
    }
}
