/*
 * Private declarations of the engine: states, sub-machines and helpers shared
 * by engine.c (dispatch), request.c (one HTTP exchange), store.c (storage
 * sub-machine), account.c, order.c, cert.c, renew.c.
 *
 * Conventions of the state functions: they return NACME_OK when the state
 * finished (the caller moves on), NACME_PENDING when the engine must yield
 * (c->wait describes why), or a negative error.
 */
#ifndef NACME_ENGINE_H
#define NACME_ENGINE_H

#include "internal.h"
#include "nanoacme.h"

/* String pool reference meaning "none". */
#define NACME_NOSTR 0xffffu

/* Operations */
enum {
    OP_NONE = 0,
    OP_ACCOUNT,
    OP_ISSUE,
    OP_RENEW,
    OP_REVOKE,
    OP_ROLLOVER,
    OP_UPDATE,
    OP_DEACTIVATE
};

/* States (one sequence per operation; see engine.c for the order). */
enum {
    S_START = 0,
    /* common: directory and account */
    S_DIRECTORY,
    S_ACCT_KEY_READ,
    S_ACCT_KEY_GEN,
    S_ACCT_KEY_WRITE,
    S_ACCT_READ,
    S_ACCT_LOOKUP,        /* newAccount onlyReturnExisting (key without URL) */
    S_ACCT_NEW,
    S_ACCT_WRITE,
    S_ACCT_READY,
    /* issue / renew */
    S_STATE_READ,
    S_CERT_READ,
    S_ARI_GET,
    S_RENEW_DECIDE,
    S_STALE_ORDER_REMOVE,
    S_ORDER_READ,
    S_ORDERS_LIST,
    S_ORDERS_CHECK,
    S_CERT_KEY_GEN,
    S_ORDER_INTENT_WRITE,
    S_NEW_ORDER,
    S_ORDER_WRITE,
    S_ORDER_FETCH,
    S_AUTHZ_FETCH,
    S_PUBLISH,
    S_SETTLE,
    S_ANSWER,
    S_POLL_WAIT,
    S_POLL,
    S_UNPUBLISH,
    S_CSR_SIGN,
    S_FINALIZE,
    S_CERT_DOWNLOAD,
    S_CERT_COMMIT,
    S_ORDER_REMOVE,
    S_STATE_WRITE,
    /* revoke */
    S_REVOKE_POST,
    /* key rollover */
    S_ROLL_KEY_GEN,
    S_ROLL_INTENT_WRITE,
    S_ROLL_SIGN,
    S_ROLL_POST,
    S_ROLL_KEY_WRITE,
    S_ROLL_ACCT_WRITE,
    /* account update / deactivate */
    S_ACCT_POST,
    /* end */
    S_FINISHED,
    /* failure cleanup */
    S_FAIL_UNPUBLISH,
    S_FAIL_DEACTIVATE,
    S_FAIL_STATE_WRITE,
    S_FAILED
};

/* HTTP methods of the request sub-machine */
enum { M_GET = 1, M_HEAD, M_POST };

/* What a POST carries (request.c asks the operation's writer). */
enum {
    P_EMPTY = 0,          /* POST-as-GET */
    P_NEW_ACCOUNT,
    P_ACCOUNT_LOOKUP,     /* onlyReturnExisting */
    P_NEW_ORDER,
    P_CHALLENGE,          /* {} */
    P_DEACTIVATE,         /* {"status":"deactivated"} */
    P_FINALIZE,
    P_REVOKE,
    P_KEY_CHANGE,
    P_ACCOUNT_UPDATE
};

/* How a POST is signed. */
enum { A_KID = 0, A_JWK_ACCOUNT, A_JWK_CERT, A_JWK_NEW };

/* What happens to the response body. */
enum { B_JSON = 0, B_PEM_TO_STORAGE, B_DISCARD };

/* Response Content-Type classes */
enum { CT_NONE = 0, CT_JSON, CT_PROBLEM, CT_PEM, CT_OTHER };

/* Request flags */
#define RQ_NONCE_FETCH 0x01u  /* a HEAD newNonce runs before the POST */
#define RQ_HEAD_SENT 0x02u
#define RQ_HEADERS_DONE 0x04u
#define RQ_GOT_NONCE 0x08u
#define RQ_ALLOW_ERROR 0x10u  /* the state handles a problem itself: log it as info only */
#define RQ_TOS_LINK 0x20u     /* an error response linked to terms of service */

/* Authorization slot flags */
#define AZ_PUBLISHED 0x01u
#define AZ_ANSWERED 0x02u
#define AZ_SKIP 0x04u         /* already valid */
#define AZ_UNPUBLISHED 0x08u
#define AZ_DEACTIVATED 0x10u
#define AZ_RECHECKED 0x20u    /* read again after its answer was refused */
#define AZ_PUBLISHING 0x40u   /* publish() called: it may have answered pending, the material may be live */

/* Status values of orders and authorizations */
enum {
    ST_UNKNOWN = 0,
    ST_PENDING,
    ST_READY,
    ST_PROCESSING,
    ST_VALID,
    ST_INVALID,
    ST_DEACTIVATED,
    ST_EXPIRED,
    ST_REVOKED
};

/* Certificate download flags */
#define CF_STARTED 0x01u      /* storage write open */
#define CF_OPENING 0x20u      /* storage begin() called (it may have answered pending) */
#define CF_KEY_WRITTEN 0x02u
#define CF_LEAF_OK 0x04u
#define CF_ISSUER_MATCH 0x08u /* last certificate's issuer CN matches the preferred chain */
#define CF_LAST 0x10u         /* no more alternates to try: commit whatever verifies */

/* ---- engine.c ---------------------------------------------------------------- */
/* Enter a state (its loop cursor and request restart); returns NACME_OK. */
int nacme_set_state(nacme_t *c, uint8_t state);
int nacme_wait_until(nacme_t *c, uint64_t when);
/* Wait ms from now (NACME_PENDING). */
int nacme_wait_ms(nacme_t *c, uint32_t ms);
/* A port call's answer: "pending" becomes a 10 ms wait (NACME_PENDING), anything else comes back. */
int nacme_port_rc(nacme_t *c, int rc);
uint64_t nacme_now_ms(const nacme_t *c);
uint32_t nacme_io_timeout_ms(const nacme_t *c);
/* Unix time now: the clock port's, or the CA's Date kept as an offset. */
int nacme_unix_now(nacme_t *c, int64_t *now);
void nacme_emit(nacme_t *c, nacme_event_t ev, const char *detail);
/* nacme_emit() with a string pool reference as the detail. */
void nacme_emit_ref(nacme_t *c, nacme_event_t ev, uint16_t ref);
/* Identifier helpers */
const char *nacme_cert_name(const nacme_t *c);

/* ---- log.c ------------------------------------------------------------------- */
#if NACME_LOG_LEVEL > 0
/* Format (%s %d %u %ld %lu %llu %lld and %%) into a bounded line and send it to the log port. */
void nacme_logf(const nacme_t *c, nacme_log_level_t level, const char *fmt, ...);
#define NACME_LOG_AT(c, lvl, ...)                                                       \
    do {                                                                                \
        if ((lvl) <= NACME_LOG_LEVEL) nacme_logf((c), (lvl), __VA_ARGS__);              \
    } while (0)
#else
#define NACME_LOG_AT(c, lvl, ...) ((void)(c))
#endif
#define NACME_LOG_ERROR(c, ...) NACME_LOG_AT(c, NACME_LOG_LEVEL_ERROR, __VA_ARGS__)
#define NACME_LOG_WARN(c, ...) NACME_LOG_AT(c, NACME_LOG_LEVEL_WARN, __VA_ARGS__)
#define NACME_LOG_INFO(c, ...) NACME_LOG_AT(c, NACME_LOG_LEVEL_INFO, __VA_ARGS__)
#define NACME_LOG_DEBUG(c, ...) NACME_LOG_AT(c, NACME_LOG_LEVEL_DEBUG, __VA_ARGS__)

/* ---- strpool.c ------------------------------------------------------------------ */
/* Add a string; returns its reference or NACME_NOSTR when the pool is full. */
uint16_t nacme_str_add(nacme_t *c, const char *s, size_t len);
/* Add a URL: kept as a path when it is on the directory's origin. */
uint16_t nacme_url_add(nacme_t *c, const char *url, size_t len);
const char *nacme_str(const nacme_t *c, uint16_t ref);
/* Write the absolute URL of a reference (origin + path when stored as a path). */
void nacme_url_write(const nacme_t *c, nacme_sb_t *sb, uint16_t ref);
/* Host, port and path of a URL reference. */
int nacme_url_parts(const nacme_t *c, uint16_t ref, nacme_url_t *u);
/* Forget the strings of the current order. */
void nacme_str_drop_order(nacme_t *c);
/* JSON writer members "key":"<absolute URL of ref>" and "key":"<base64url of data>". */
void nacme_jw_url(const nacme_t *c, nacme_jw_t *w, const char *key, uint16_t ref);
void nacme_jw_b64(nacme_jw_t *w, const char *key, const uint8_t *data, size_t len);
/* nacme_json_get_typed() on the context's parsed document (one call site instead of 30). */
int nacme_jget(const nacme_t *c, int obj, const char *key, nacme_json_type_t type);
/*
 * A string member of a parsed JSON object into the pool (as a URL: must be
 * https; as text). NACME_ERR_JSON_MISSING / _TYPE when absent or not a
 * string, NACME_ERR_URL, NACME_ERR_TOO_LARGE.
 */
int nacme_json_add_url(nacme_t *c, int obj, const char *key, uint16_t *ref);
int nacme_json_add_str(nacme_t *c, int obj, const char *key, uint16_t *ref);
/* String token tok as a URL into the pool (errors as nacme_json_add_url()). */
int nacme_json_tok_url(nacme_t *c, int tok, uint16_t *ref);

/* ---- request.c ----------------------------------------------------------------- */
/* How a request is made: method M_*, auth A_*, body mode B_* packed in one argument. */
#define RQ_HOW(method, auth, body_mode) ((unsigned)(method) | (unsigned)(auth) << 2 | (unsigned)(body_mode) << 4)
/* Start an exchange of payload P_* (how: RQ_HOW()). */
void nacme_req_start(nacme_t *c, uint16_t url, uint8_t payload, unsigned how);
/* Drive it: NACME_OK when the response is complete and parsed, PENDING, or an error. */
int nacme_req_run(nacme_t *c);
/*
 * Start the exchange when the current state has none running (c->cursor_req),
 * then drive it: what a state calls for each request it makes.
 */
int nacme_exchange(nacme_t *c, uint16_t url, uint8_t payload, unsigned how);
/* Bytes at the end of buf the request must not touch (a CSR or certificate kept for retries). */
extern const size_t nacme_req_line_reserve;
void nacme_req_reserve_tail(nacme_t *c, size_t bytes);
size_t nacme_req_tail(const nacme_t *c);
/* A string member into a fixed field, cut to fit (raw text when unescaping fails); "" when absent. */
void nacme_json_copy(const nacme_t *c, int obj, const char *key, char *out, size_t cap);
/* The "type" of problem object obj, its ACME URN prefix dropped, cut to fit out[cap]. */
void nacme_problem_type(const nacme_t *c, int obj, char *out, size_t cap);
/* The payload writer for P_* (order.c, account.c, cert.c provide the pieces). */
int nacme_write_payload(nacme_t *c, nacme_sb_t *sb);
/* Close the connection (after errors, at the end of an operation). */
void nacme_conn_close(nacme_t *c);

/* ---- store.c ------------------------------------------------------------------ */
/* Read a whole object into buf[0..cap); *len gets its size. NACME_ERR_NOT_FOUND if absent. */
int nacme_store_read(nacme_t *c, nacme_object_t obj, const char *scope, uint8_t *buf, size_t cap,
                     size_t *len);
/* nacme_store_read() into the whole buffer (c->buf). */
int nacme_store_load(nacme_t *c, nacme_object_t obj, const char *scope, size_t *len);
/* Write buf[0..data_len) as the new version of an object (begin, append, commit). */
int nacme_store_write(nacme_t *c, nacme_object_t obj, const char *scope);
int nacme_store_remove(nacme_t *c, nacme_object_t obj, const char *scope);
/*
 * Drop a storage read or write left unfinished (the operation failed or was
 * cancelled while the port answered pending): an open or opening write is
 * aborted, so the port is free for the next one.
 */
void nacme_store_abandon(nacme_t *c);
const char *nacme_account_scope(const nacme_t *c);

/* ---- account.c ----------------------------------------------------------------- */
int nacme_state_directory(nacme_t *c);
int nacme_state_account(nacme_t *c); /* S_ACCT_KEY_READ .. S_ACCT_WRITE */
int nacme_state_account_ops(nacme_t *c); /* rollover, update, deactivate states */
int nacme_eab_prepare(nacme_t *c);   /* the EAB MAC into c->sig */
void nacme_write_account_payload(nacme_t *c, nacme_sb_t *sb);

/* ---- order.c ---------------------------------------------------------------------- */
int nacme_state_order(nacme_t *c);   /* S_ORDER_READ .. S_FINALIZE */
int nacme_state_fail(nacme_t *c);    /* S_FAIL_* */
void nacme_write_order_payload(nacme_t *c, nacme_sb_t *sb);
int nacme_parse_status(const nacme_t *c, int tok);
/* Index of a requested identifier: an IP address as its bytes, or -1 (see order.c). */
int nacme_id_find(const nacme_t *c, bool ip, const char *value, size_t len, bool wildcard);
/* Index of a requested DNS name; "*.x" is the wildcard of x. */
int nacme_id_find_name(const nacme_t *c, const char *v, size_t len, bool wildcard);

/* ---- cert.c -------------------------------------------------------------------------- */
int nacme_state_cert(nacme_t *c);    /* S_CERT_DOWNLOAD .. S_CERT_COMMIT, S_REVOKE_POST */
/* Body sink for B_PEM_TO_STORAGE: begin at headers, data pieces, end. */
int nacme_cert_stream_begin(nacme_t *c);
int nacme_cert_stream_data(nacme_t *c, const uint8_t *data, size_t len);
int nacme_cert_stream_end(nacme_t *c);
void nacme_write_cert_payload(nacme_t *c, nacme_sb_t *sb);
/* Drop a certificate write in progress (storage abort); no-op when none. */
void nacme_cert_abort(nacme_t *c);

/* ---- renew.c ---------------------------------------------------------------------- */
int nacme_state_renew(nacme_t *c);   /* S_STATE_READ .. S_STALE_ORDER_REMOVE, S_STATE_WRITE */
/* Read and parse the STATE object of the certificate (absent: defaults). */
int nacme_state_load(nacme_t *c);
/* The STATE object into buf (c->data_len). */
int nacme_state_object(nacme_t *c);

#endif /* NACME_ENGINE_H */
