/*
 * The engine: context setup, operation start, the step loop and the state
 * dispatch. Each operation is a sequence of states (see engine.h); the
 * modules account.c, order.c, cert.c and renew.c run them.
 *
 *   every operation:  DIRECTORY -> ACCT_KEY_READ [-> KEY_GEN -> KEY_WRITE]
 *                     -> ACCT_READ [-> LOOKUP | NEW -> ACCT_WRITE] -> ACCT_READY
 *   issue:   STATE_READ [-> CERT_READ] -> ORDER_READ [-> ORDERS_LIST -> ORDERS_CHECK]
 *            [-> CERT_KEY_GEN -> ORDER_INTENT_WRITE -> NEW_ORDER -> ORDER_WRITE]
 *            -> ORDER_FETCH -> AUTHZ_FETCH* -> PUBLISH* -> SETTLE -> ANSWER*
 *            -> POLL_WAIT/POLL* -> UNPUBLISH* -> CSR_SIGN -> FINALIZE -> POLL_WAIT/POLL*
 *            -> CERT_DOWNLOAD* -> CERT_COMMIT -> ORDER_REMOVE -> STATE_WRITE
 *   renew:   STATE_READ -> CERT_READ [-> ARI_GET] -> RENEW_DECIDE -> (issue from ORDER_READ)
 *   revoke:  CERT_READ -> REVOKE_POST
 *   rollover: ROLL_KEY_GEN -> ROLL_INTENT_WRITE -> ROLL_SIGN -> ROLL_POST
 *            -> ROLL_KEY_WRITE -> ROLL_ACCT_WRITE
 *   update, deactivate: ACCT_POST
 *   failure: FAIL_UNPUBLISH* -> FAIL_DEACTIVATE* -> FAIL_STATE_WRITE -> FAILED
 */
#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "nacme_ip.h"

/* Transitions per nacme_step() before it yields to keep a superloop responsive. */
#define MAX_TRANSITIONS 48u
#define DEFAULT_OP_TIMEOUT_S 900u
#define DEFAULT_IO_TIMEOUT_MS 30000u

uint64_t nacme_now_ms(const nacme_t *c)
{
    return c->port->clock.monotonic_ms(c->port->clock.ctx);
}

int nacme_unix_now(nacme_t *c, int64_t *now)
{
    int rc = c->port->clock.unix_time(c->port->clock.ctx, now);
    if (rc == NACME_OK) return NACME_OK;
    if (c->time_known) {
        *now = (int64_t)(nacme_now_ms(c) / 1000u) + c->time_offset;
        return NACME_OK;
    }
    return NACME_ERR_TIME_UNKNOWN;
}

int nacme_wait_until(nacme_t *c, uint64_t when)
{
    c->wait.handle = -1;
    c->wait.events = 0;
    c->wait.until_ms = when;
    c->wait_kind = NACME_STEP_WAIT;
    return NACME_PENDING;
}

int nacme_wait_ms(nacme_t *c, uint32_t ms)
{
    return nacme_wait_until(c, nacme_now_ms(c) + ms);
}

int nacme_port_rc(nacme_t *c, int rc)
{
    return rc == NACME_PENDING ? nacme_wait_ms(c, 10u) : rc;
}

int nacme_set_state(nacme_t *c, uint8_t state)
{
    c->state = state;
    c->cursor = 0;
    c->cursor_req = 0;
    return NACME_OK;
}

void nacme_emit(nacme_t *c, nacme_event_t ev, const char *detail)
{
    if (c->cfg->event != NULL) c->cfg->event(c->cfg->event_ctx, ev, detail);
}

void nacme_emit_ref(nacme_t *c, nacme_event_t ev, uint16_t ref)
{
    nacme_emit(c, ev, nacme_str(c, ref));
}

const char *nacme_cert_name(const nacme_t *c)
{
    const nacme_order_req_t *r = c->order_req;
    if (c->op == OP_REVOKE) return c->revoke_name;
    if (r == NULL) return "";
    return r->name != NULL ? r->name : r->ids[0].value;
}

/*
 * The port functions that must be set, as indexes of pointer-sized slots: a
 * table and a loop instead of 23 tests. PORT_FN fails to compile (negative
 * array size) if a member does not start a slot.
 */
typedef void (*any_fn_t)(void);
#define PORT_FN(m)                                                                                   \
    (uint8_t)(offsetof(nacme_port_t, m) / sizeof(any_fn_t) +                                         \
              0u * sizeof(char[offsetof(nacme_port_t, m) % sizeof(any_fn_t) == 0 ? 1 : -1]))
static const uint8_t required_fns[] = {
    PORT_FN(transport.connect),   PORT_FN(transport.send),        PORT_FN(transport.recv),
    PORT_FN(transport.close),     PORT_FN(entropy.fill),          PORT_FN(clock.monotonic_ms),
    PORT_FN(clock.unix_time),     PORT_FN(storage.begin),         PORT_FN(storage.append),
    PORT_FN(storage.commit),      PORT_FN(storage.abort),         PORT_FN(storage.read),
    PORT_FN(storage.remove),      PORT_FN(crypto.sha256_init),    PORT_FN(crypto.sha256_update),
    PORT_FN(crypto.sha256_final), PORT_FN(crypto.hmac_sha256),    PORT_FN(crypto.key_generate),
    PORT_FN(crypto.key_public),   PORT_FN(crypto.sign_digest),    PORT_FN(crypto.key_export),
    PORT_FN(crypto.key_import),   PORT_FN(crypto.key_release)};
_Static_assert(sizeof(nacme_port_t) / sizeof(any_fn_t) <= 255, "port slots fit a byte");

static bool port_complete(const nacme_port_t *p)
{
    for (size_t i = 0; i < NACME_ARRAY_LEN(required_fns); i++) {
        any_fn_t f;
        memcpy(&f, (const char *)p + required_fns[i] * sizeof(any_fn_t), sizeof f);
        if (f == NULL) return false;
    }
    return true;
}

int nacme_init(nacme_t *c, const nacme_port_t *port, const nacme_config_t *cfg)
{
    if (c == NULL || port == NULL || cfg == NULL || cfg->directory_url == NULL || !port_complete(port)) {
        return NACME_ERR_ARG;
    }
    if (!NACME_WITH_EAB && cfg->eab_kid != NULL) return NACME_ERR_UNSUPPORTED; /* never drop asked-for EAB */
    memset(c, 0, sizeof *c);
    c->port = port;
    c->cfg = cfg;
    nacme_url_t u;
    int rc = nacme_url_parse(cfg->directory_url, strlen(cfg->directory_url), &u);
    if (rc != NACME_OK) return rc;
    c->dir_host_len = (uint16_t)(u.path - cfg->directory_url);
    c->account_url = c->orders_url = NACME_NOSTR;
    c->url_new_nonce = c->url_new_account = c->url_new_order = NACME_NOSTR;
    c->url_revoke = c->url_key_change = c->url_renewal_info = c->url_profiles = NACME_NOSTR;
    /* the account's storage scope: the configured one, else the CA's host[:port] */
    if (cfg->account_scope != NULL) {
        c->scope = nacme_str_add(c, cfg->account_scope, strlen(cfg->account_scope));
    } else {
        char scope[NACME_HOST_MAX + 7];
        nacme_sb_t sb;
        nacme_sb_init(&sb, scope, sizeof scope);
        nacme_sb_put(&sb, u.host, u.host_len);
        if (u.port != 443) {
            nacme_sb_putc(&sb, ':');
            nacme_sb_put_u64(&sb, u.port);
        }
        c->scope = nacme_str_add(c, scope, sb.len);
    }
    if (c->scope == NACME_NOSTR) return NACME_ERR_TOO_LARGE;
    c->strings_order_mark = c->strings_account_mark = c->strings_len;
    return NACME_OK;
}

/* The timeouts in effect (the config may leave them 0). */
static uint32_t op_timeout_s(const nacme_t *c)
{
    return c->cfg->op_timeout_s ? c->cfg->op_timeout_s : DEFAULT_OP_TIMEOUT_S;
}

uint32_t nacme_io_timeout_ms(const nacme_t *c)
{
    return c->cfg->io_timeout_ms ? c->cfg->io_timeout_ms : DEFAULT_IO_TIMEOUT_MS;
}

static void release_key(nacme_t *c, nacme_key_t *k)
{
    if (k->id != 0) c->port->crypto.key_release(c->port->crypto.ctx, *k);
    k->id = 0;
}

static int start(nacme_t *c, uint8_t op)
{
    if (c == NULL || c->port == NULL) return NACME_ERR_ARG;
    if (c->op != OP_NONE && !c->done) return NACME_ERR_STATE;
    bool roll_failed = c->op == OP_ROLLOVER && c->err != NACME_OK;
    release_key(c, &c->cert_key);
    release_key(c, &c->new_key);
    c->op = op;
    c->err = NACME_OK;
    c->done = false;
    c->cancelled = false;
    c->order_req = NULL;
    nacme_set_state(c, S_START);
    c->op_deadline = nacme_now_ms(c) + (uint64_t)op_timeout_s(c) * 1000u;
    /* the order, certificate, revocation and renewal fields, the result and the problem */
    memset(&c->order_url, 0, offsetof(nacme_t, problem) + sizeof c->problem - offsetof(nacme_t, order_url));
    nacme_str_drop_order(c);
    /*
     * The account is ready for this run only if an earlier run got past it
     * (its strings were kept) and no rollover failed since (its answer lost,
     * the CA may hold the new key: the stored next_key tells). Otherwise this
     * run reads (or makes) it again: its key leaves the crypto port's pool,
     * its strings the string pool.
     */
    bool kept = (c->account_url == NACME_NOSTR || c->account_url < c->strings_len) &&
                (c->orders_url == NACME_NOSTR || c->orders_url < c->strings_len);
    if (roll_failed || !kept || c->account_url == NACME_NOSTR) {
        c->account_url = c->orders_url = NACME_NOSTR;
        release_key(c, &c->account_key);
        c->roll_recover = false;
        c->strings_order_mark = c->strings_account_mark;
        nacme_str_drop_order(c);
    }
    c->order_url = c->finalize_url = c->cert_url = NACME_NOSTR;
    c->sig_ready = false;
    c->certid = NACME_NOSTR;
    c->polls = 0;
    c->poll_delay_ms = 0;
    c->st_stage = 0;
    c->st_off = 0;
    nacme_req_reserve_tail(c, 0);
    c->data_len = 0;
    return NACME_OK;
}

int nacme_start_account(nacme_t *c)
{
    return start(c, OP_ACCOUNT);
}

/* A wildcard is "*." followed by a name; nothing else may hold '*'. */
static bool identifier_ok(const nacme_identifier_t *id)
{
    if (id->value == NULL) return false;
    size_t len = strlen(id->value);
    if (len == 0 || len > NACME_HOST_MAX) return false;
    if (id->type == NACME_ID_IP) {
        uint8_t ip[16];
        size_t n;
        return nacme_ip_parse(id->value, len, ip, &n) == NACME_OK;
    }
    if (id->type != NACME_ID_DNS) return false;
    const char *star = memchr(id->value, '*', len);
    if (star == NULL) return true;
    return star == id->value && len > 2 && id->value[1] == '.' && memchr(id->value + 1, '*', len - 1) == NULL;
}

static int check_order_req(const nacme_order_req_t *r)
{
    if (r == NULL || r->ids == NULL || r->n_ids == 0 || r->n_ids > NACME_MAX_IDENTIFIERS) return NACME_ERR_ARG;
    for (size_t i = 0; i < r->n_ids; i++) {
        if (!identifier_ok(&r->ids[i])) return NACME_ERR_ARG;
        for (size_t j = 0; j < i; j++) {
            if (r->ids[i].type == r->ids[j].type && strlen(r->ids[i].value) == strlen(r->ids[j].value) &&
                nacme_memeq_ci(r->ids[i].value, r->ids[j].value, strlen(r->ids[i].value))) {
                return NACME_ERR_ARG;
            }
        }
    }
    if (r->challenges != NULL && r->n_challenges == 0) return NACME_ERR_ARG;
    if (!NACME_WITH_PREFERRED_CHAIN && r->preferred_chain != NULL) return NACME_ERR_UNSUPPORTED;
    return NACME_OK;
}

int nacme_start_issue(nacme_t *c, const nacme_order_req_t *req)
{
    int rc = check_order_req(req);
    if (rc != NACME_OK) return rc;
    if ((rc = start(c, OP_ISSUE)) != NACME_OK) return rc;
    c->order_req = req;
    return NACME_OK;
}

int nacme_start_renew(nacme_t *c, const nacme_order_req_t *req)
{
    int rc = check_order_req(req);
    if (rc != NACME_OK) return rc;
    if ((rc = start(c, OP_RENEW)) != NACME_OK) return rc;
    c->order_req = req;
    return NACME_OK;
}

int nacme_start_revoke(nacme_t *c, const char *name, int reason, bool with_cert_key)
{
    if (!NACME_WITH_REVOKE) return NACME_ERR_UNSUPPORTED;
    if (name == NULL || name[0] == '\0' || reason < -1 || reason > 10 || reason == 7) return NACME_ERR_ARG;
    int rc = start(c, OP_REVOKE);
    if (rc != NACME_OK) return rc;
    c->revoke_name = name;
    c->revoke_reason = (int8_t)reason;
    c->revoke_with_cert_key = with_cert_key;
    return NACME_OK;
}

int nacme_start_key_rollover(nacme_t *c)
{
    if (!NACME_WITH_ACCOUNT_ADMIN) return NACME_ERR_UNSUPPORTED;
    return start(c, OP_ROLLOVER);
}

int nacme_start_account_update(nacme_t *c, const char *const *contact)
{
    if (!NACME_WITH_ACCOUNT_ADMIN) return NACME_ERR_UNSUPPORTED;
    int rc = start(c, OP_UPDATE);
    if (rc == NACME_OK) c->contact = contact;
    return rc;
}

int nacme_start_account_deactivate(nacme_t *c)
{
    if (!NACME_WITH_ACCOUNT_ADMIN) return NACME_ERR_UNSUPPORTED;
    return start(c, OP_DEACTIVATE);
}

void nacme_cancel(nacme_t *c)
{
    if (c->op != OP_NONE && !c->done) c->cancelled = true;
}

const nacme_problem_t *nacme_problem(const nacme_t *c)
{
    return &c->problem;
}

const nacme_result_t *nacme_result(const nacme_t *c)
{
    return &c->result;
}

const char *nacme_account_url(const nacme_t *c)
{
    return c->account_url == NACME_NOSTR ? "" : nacme_str(c, c->account_url);
}

int nacme_write_payload(nacme_t *c, nacme_sb_t *sb)
{
    switch (c->req.payload) {
    case P_EMPTY: /* POST-as-GET: the empty payload */
        break;
    case P_CHALLENGE:
        nacme_sb_puts(sb, "{}");
        break;
    case P_DEACTIVATE:
        nacme_sb_puts(sb, "{\"status\":\"deactivated\"}");
        break;
    case P_NEW_ACCOUNT:
    case P_ACCOUNT_LOOKUP:
    case P_ACCOUNT_UPDATE:
    case P_KEY_CHANGE:
        nacme_write_account_payload(c, sb);
        break;
    case P_NEW_ORDER:
    case P_FINALIZE:
        nacme_write_order_payload(c, sb);
        break;
    case P_REVOKE:
        if (NACME_WITH_REVOKE) nacme_write_cert_payload(c, sb);
        break;
    default:
        return NACME_ERR_INTERNAL;
    }
    return sb->err; /* the payload's base64url layer is still open here */
}

/* After the account is ready: where each operation goes. */
static int dispatch_op(nacme_t *c)
{
    /* the first state of each operation, by OP_* */
    static const uint8_t first[] = {0,           S_FINISHED,     S_STATE_READ, S_STATE_READ,
                                    S_CERT_READ, S_ROLL_KEY_GEN, S_ACCT_POST,  S_ACCT_POST};
    _Static_assert(OP_DEACTIVATE == 7 && OP_ROLLOVER == 5 && OP_REVOKE == 4, "operation numbers");
    c->strings_order_mark = c->strings_len;
    if (c->op == OP_NONE || c->op >= NACME_ARRAY_LEN(first)) return NACME_ERR_INTERNAL;
    return nacme_set_state(c, first[c->op]);
}

static int run_state(nacme_t *c)
{
    uint8_t s = c->state;
    if (s == S_START) {
        nacme_set_state(c, c->dir_loaded ? S_ACCT_KEY_READ : S_DIRECTORY);
        if (c->dir_loaded && c->account_key.id != 0 && c->account_url != NACME_NOSTR) {
            nacme_set_state(c, S_ACCT_READY);
        }
        return NACME_OK;
    }
    if (s == S_DIRECTORY) return nacme_state_directory(c);
    if (s >= S_ACCT_KEY_READ && s < S_ACCT_READY) return nacme_state_account(c);
    if (s == S_ACCT_READY) return dispatch_op(c);
    if ((s >= S_STATE_READ && s <= S_STALE_ORDER_REMOVE) || s == S_STATE_WRITE) {
        return nacme_state_renew(c);
    }
    if (s >= S_ORDER_READ && s <= S_FINALIZE) return nacme_state_order(c);
    if (s == S_CERT_DOWNLOAD || s == S_CERT_COMMIT || s == S_ORDER_REMOVE || s == S_REVOKE_POST) {
        return nacme_state_cert(c);
    }
    if (s >= S_ROLL_KEY_GEN && s <= S_ACCT_POST) {
        return NACME_WITH_ACCOUNT_ADMIN ? nacme_state_account_ops(c) : NACME_ERR_UNSUPPORTED;
    }
    if (s >= S_FAIL_UNPUBLISH && s < S_FAILED) return nacme_state_fail(c);
    return NACME_ERR_INTERNAL;
}

/* An operation failed: record the first error and enter the cleanup states. */
static void fail(nacme_t *c, int rc)
{
    nacme_store_abandon(c); /* a write cut short by the failure never lands in the next one */
    if (c->err == NACME_OK) {
        c->err = rc;
        NACME_LOG_ERROR(c, "operation failed: %s", nacme_strerror(rc));
        nacme_set_state(c, S_FAIL_UNPUBLISH);
    } else {
        /* an error while cleaning up: go on with the next cleanup stage */
        nacme_set_state(c, (uint8_t)(c->state + 1u));
    }
    nacme_req_reserve_tail(c, 0);
}

int nacme_step(nacme_t *c, nacme_wait_t *w)
{
    if (c == NULL || w == NULL || c->op == OP_NONE) return NACME_ERR_STATE;
    for (unsigned i = 0; i < MAX_TRANSITIONS; i++) {
        if (c->done) return c->err;
        if (c->state == S_FINISHED) {
            c->done = true;
            nacme_conn_close(c);
            return NACME_STEP_DONE;
        }
        if (c->state == S_FAILED) {
            c->done = true;
            nacme_conn_close(c);
            return c->err;
        }
        bool cleaning = c->state >= S_FAIL_UNPUBLISH;
        int rc;
        if (!cleaning && c->cancelled) {
            rc = NACME_ERR_CANCELLED;
        } else if (!cleaning && nacme_now_ms(c) > c->op_deadline) {
            rc = NACME_ERR_TIMEOUT;
        } else {
            rc = run_state(c);
        }
        if (rc == NACME_OK) continue;
        if (rc == NACME_PENDING) {
            *w = c->wait;
            return c->wait_kind;
        }
        fail(c, rc);
    }
    /* many transitions in one call: yield, to be called again at once */
    w->handle = -1;
    w->events = 0;
    w->until_ms = nacme_now_ms(c);
    return NACME_STEP_AGAIN;
}
