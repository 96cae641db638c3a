/*
 * nanoacme: an ACME (RFC 8555) client for constrained devices.
 *
 * The engine is a non-blocking, resumable state machine in one caller-owned
 * context (nacme_t) whose size is fixed at compile time by the options in
 * nacme_config_defaults.h. It never allocates, keeps no globals, and does
 * all I/O through the port (nacme_port.h).
 *
 * Use:
 *
 *   nacme_t c;                             // ~7 KiB; static, or on a task stack
 *   nacme_init(&c, &port, &config);
 *   nacme_start_issue(&c, &order);         // or any nacme_start_*()
 *   for (;;) {
 *       nacme_wait_t w;
 *       int rc = nacme_step(&c, &w);
 *       if (rc == NACME_STEP_DONE) break;  // nacme_result(&c) tells what happened
 *       if (rc < 0) { ... nacme_strerror(rc), nacme_problem(&c) ... break; }
 *       // NACME_STEP_AGAIN: poll w.handle for w.events until w.until_ms
 *       // NACME_STEP_WAIT: come back at w.until_ms (monotonic)
 *   }
 *
 * nacme_run() (nacme_run.h) is that loop for callers that may block.
 * Strings and arrays passed to nacme_init() and the start functions belong
 * to the caller and must stay valid until the operation ends.
 */
#ifndef NANOACME_H
#define NANOACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_b64.h"
#include "nacme_config_defaults.h"
#include "nacme_der.h"
#include "nacme_error.h"
#include "nacme_http.h"
#include "nacme_json.h"
#include "nacme_pem.h"
#include "nacme_port.h"
#include "nacme_sb.h"
#include "nacme_time.h"
#include "nacme_url.h"
#include "nacme_x509.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration ------------------------------------------------------------ */

/* Progress events, for a UI or a supervisor (and the command's test hooks). */
typedef enum nacme_event {
    NACME_EVENT_ACCOUNT_CREATED = 1, /* newAccount answered; account stored */
    NACME_EVENT_ORDER_CREATED,       /* newOrder answered; checkpoint stored */
    NACME_EVENT_ORDER_RESUMED,       /* a stored order is continued */
    NACME_EVENT_CHALLENGES_ANSWERED, /* every challenge of the order answered */
    NACME_EVENT_FINALIZED,           /* finalize answered */
    NACME_EVENT_CERT_INSTALLED,      /* new certificate and key committed */
    NACME_EVENT_REVOKED,
    NACME_EVENT_ACCOUNT_UPDATED,
    NACME_EVENT_ACCOUNT_DEACTIVATED,
    NACME_EVENT_KEY_ROLLED_OVER
} nacme_event_t;

typedef struct nacme_config {
    const char *directory_url;     /* https URL of the CA's directory (required) */
    const char *const *contact;    /* NULL-terminated list of URIs ("mailto:..."), or NULL */
    bool agree_tos;                /* agree to the CA's meta.termsOfService */
    const char *eab_kid;           /* External Account Binding key id, or NULL */
    const char *eab_hmac_key;      /* its MAC key, base64url as CAs hand it out */
    const char *account_scope;     /* storage scope of the account; NULL: host[:port] of the directory */
    uint32_t op_timeout_s;         /* deadline of a whole operation; 0: 900 s */
    uint32_t io_timeout_ms;        /* deadline of one exchange with the CA; 0: 30000 ms */
    void (*event)(void *ctx, nacme_event_t event, const char *detail); /* may be NULL */
    void *event_ctx;
} nacme_config_t;

/* What to order. */
typedef struct nacme_order_req {
    const char *name;                  /* certificate's storage name; NULL: first identifier */
    const nacme_identifier_t *ids;     /* identifiers, 1..NACME_MAX_IDENTIFIERS */
    size_t n_ids;
    const nacme_challenge_type_t *challenges; /* preference order; NULL: http-01, tls-alpn-01, dns-01 */
    size_t n_challenges;
    const char *profile;               /* meta.profiles name, or NULL */
    const char *preferred_chain;       /* common name of the chain's top issuer, or NULL */
    bool reuse_key;                    /* keep the stored certificate's key */
    bool force;                        /* renew although not due; ignore stored backoff */
    uint32_t renew_days;               /* renew this many days before expiry; 0: by fraction */
    uint8_t renew_percent;             /* renew when less than this % of the lifetime is left; 0: a third */
} nacme_order_req_t;

/* ---- renewal decision (pure; used by the engine and by callers to display) ---- */

typedef enum nacme_renew_reason {
    NACME_RENEW_FORCED = 1,   /* the caller forced it */
    NACME_RENEW_ARI,          /* the moment drawn in the CA's ARI window */
    NACME_RENEW_DAYS,         /* the configured days before expiry */
    NACME_RENEW_FRACTION      /* less than the configured fraction of the lifetime left */
} nacme_renew_reason_t;

typedef struct nacme_renew_input {
    int64_t not_before;       /* the certificate's validity */
    int64_t not_after;
    int64_t ari_moment;       /* 0: no ARI moment */
    uint32_t days;            /* 0: unset */
    uint8_t percent;          /* 0: a third */
    bool force;
    uint32_t jitter_seed;     /* per device and certificate: spreads a fleet's renewals */
} nacme_renew_input_t;

/*
 * nacme_renew_input_of() - fill the certificate part of *in (validity and
 * the per-certificate jitter seed, from its public key) from a parsed leaf;
 * the policy fields (ari_moment, days, percent, force) are left as they are.
 */
void nacme_renew_input_of(nacme_renew_input_t *in, const nacme_x509_t *leaf);

/*
 * nacme_renew_time() - when a certificate is due for renewal, and why.
 * Precedence: forced (now: returns INT64_MIN), the ARI moment, `days` before
 * notAfter, else when less than `percent` of the lifetime remains. The days
 * and fraction times move earlier by a deterministic jitter of up to a tenth
 * of the renewal margin (at most one day) taken from jitter_seed.
 */
int64_t nacme_renew_time(const nacme_renew_input_t *in, nacme_renew_reason_t *why);

/* ---- results ----------------------------------------------------------------- */

/* The last ACME problem document (RFC 7807 / RFC 8555 section 6.7). */
typedef struct nacme_problem {
    uint16_t status;                 /* HTTP status, 0 when no problem */
    char type[40];                   /* "badNonce" for urn:ietf:params:acme:error:badNonce; other URNs whole */
    char detail[128];                /* truncated to fit */
    char instance[96];               /* userActionRequired: the page to visit (or the terms' URL) */
    uint8_t n_sub;                   /* subproblems kept */
    struct {
        uint8_t id;                  /* index of the order identifier it names (0xff: none) */
        char type[24];
    } sub[NACME_MAX_IDENTIFIERS];
} nacme_problem_t;

typedef struct nacme_result {
    bool issued;                     /* a new certificate was installed */
    bool due;                        /* renew: the certificate was due */
    nacme_renew_reason_t reason;     /* renew: why it was due */
    int64_t not_after;               /* the (new or current) certificate's notAfter */
    int64_t renew_at;                /* when it is due for renewal next */
    int64_t retry_at;                /* after a failure: earliest next attempt (0: none) */
} nacme_result_t;

/* ---- the step API ----------------------------------------------------------- */

typedef enum nacme_step_result {
    NACME_STEP_DONE = 0,   /* the operation finished: see nacme_result() */
    NACME_STEP_AGAIN = 1,  /* call again when the handle is ready for events (or at until_ms) */
    NACME_STEP_WAIT = 2    /* call again at until_ms */
} nacme_step_result_t;

typedef struct nacme_wait {
    int handle;            /* transport handle to poll; -1 for none */
    unsigned events;       /* NACME_WANT_READ | NACME_WANT_WRITE; 0: just call again */
    uint64_t until_ms;     /* monotonic time of the deadline or the wake-up */
} nacme_wait_t;

/* ---- the context ------------------------------------------------------------- */

/* One authorization of the order being processed (private). */
typedef struct nacme_authz_slot {
    uint16_t url;          /* string pool references */
    uint16_t chall_url;
    uint16_t token;
    uint8_t id;            /* index into the order's identifiers */
    uint8_t type;          /* chosen nacme_challenge_type_t */
    uint8_t status;        /* authorization status */
    uint8_t flags;
} nacme_authz_slot_t;

/*
 * The engine context. Allocate it (statically, on a task stack, anywhere);
 * every field is private. Its size is what `make size` reports as
 * "context: N bytes". Several contexts may run in one program.
 *
 * Field order is chosen for code size on Thumb-2: the most used fields
 * (port, state bytes, the request sub-machine, storage) sit in the first
 * 128 bytes, where 16-bit loads and stores reach them (bytes below 32), and
 * the buffer starts below 4 KiB (one instruction for its address). The
 * span from order_url to problem is cleared as one block when an operation
 * starts (engine.c). Move fields only while measuring
 * (scripts/core-size.sh).
 */
typedef struct nacme {
    /* private */
    const nacme_port_t *port;
    const nacme_config_t *cfg;
    const nacme_order_req_t *order_req;

    /* operation */
    uint8_t op;
    uint8_t state;
    uint8_t cursor;              /* index within the current state's loop */
    uint8_t cursor_req;          /* 1 while the current state's request runs */
    /* request sub-machine */
    struct {
        uint8_t state;
        uint8_t method;
        uint8_t payload;
        uint8_t auth;
        uint8_t body_mode;
        uint8_t ctype;
        uint8_t badnonce;
        uint8_t retries;
        uint8_t flags;
        uint16_t url;
        uint16_t status;
        uint16_t location;
        int64_t retry_after;     /* seconds, -1: none */
        size_t head_len;         /* request head at buf[body_len_out..] */
        size_t out_len;          /* request body at buf[0..out_len) */
        size_t sent;
        size_t rx_pos;
        size_t rx_end;
        size_t body_len;
        size_t pend_off;         /* body span waiting for storage (PEM mode) */
        size_t pend_len;
        uint64_t deadline;
        uint32_t conn_id;        /* hash of host:port of the request */
    } req;
    uint8_t cleanup;             /* cleanup stage after an error or cancel */
    int err;                     /* first error of the operation (sticky) */
    bool cancelled;
    bool done;
    /* storage sub-machine */
    uint8_t st_stage;
    uint32_t st_off;
    size_t data_len;             /* bytes prepared in buf for the next storage write */
    size_t tail;                 /* bytes at the end of buf kept across requests (CSR, certificate) */
    uint64_t op_deadline;        /* monotonic ms */
    nacme_wait_t wait;           /* what the step waits for when it yields */
    uint8_t wait_kind;           /* NACME_STEP_AGAIN or NACME_STEP_WAIT */
    uint32_t poll_delay_ms;      /* current polling backoff */
    uint16_t polls;
    int64_t time_offset;         /* unix time = mono_s + offset, when known */
    bool time_known;
    bool time_from_server;
    uint8_t req_digest[32];      /* JWS signing input digest, kept while the signer is pending */

    nacme_http_parser_t http;
    nacme_json_t json;

    const char *build_url;       /* absolute URL of the request being built (valid while building) */

    /* connection */
    bool connected;
    bool conn_reused;
    bool conn_opening;           /* connect() called and not yet succeeded: close() must drop the attempt */
    uint32_t conn_id;            /* hash of the connected (or connecting) host:port */

    /* crypto */
    nacme_sha256_t sha;
    nacme_key_t account_key;
    nacme_key_t cert_key;
    nacme_key_t new_key;         /* key rollover */
    uint8_t account_xy[64];
    char thumbprint[44];
    uint8_t sig[64];             /* a signature made before its request (CSR, inner JWS, EAB MAC) */
    bool sig_ready;

    /* directory and account (string pool references) */
    uint16_t dir_host_len;       /* the directory URL's origin ("https://host:port") length */
    uint16_t url_new_nonce, url_new_account, url_new_order, url_revoke, url_key_change,
             url_renewal_info, url_profiles, account_url, orders_url;
    bool dir_loaded;
    bool eab_required;
    bool tos_present;
    bool profile_ok;
    uint16_t scope;              /* account storage scope (string pool) */

    /* order (from here to problem: reset when an operation starts) */
    uint16_t order_url, finalize_url, cert_url;
    uint16_t alternates[NACME_MAX_ALTERNATES];
    uint8_t n_alternates;
    uint8_t alt_index;
    uint8_t order_status;
    uint8_t n_authz;
    nacme_authz_slot_t authz[NACME_MAX_IDENTIFIERS];
    bool replaces_sent;

    /* certificate download and checks */
    nacme_pem_splitter_t pem;
    uint8_t cert_flags;
    uint8_t issuer_hash[32];     /* SHA-256 of the previous certificate's issuer Name */
    int64_t leaf_not_before, leaf_not_after;

    /* revoke, account update */
    const char *revoke_name;
    int8_t revoke_reason;
    bool revoke_with_cert_key;
    const char *const *contact;

    /* renewal and state */
    uint16_t certid;             /* ARI certificate identifier of the stored certificate */
    bool roll_recover;           /* a key rollover may have happened before a power loss */
    bool acct_created;
    int64_t ari_moment;          /* drawn in the ARI window; persisted so a reboot keeps it */
    int64_t ari_start, ari_end;  /* the window it was drawn in */
    int64_t ari_next_check;
    int64_t next_attempt;
    uint32_t jitter_seed;
    uint16_t failures;
    bool state_loaded;
    nacme_result_t result;
    nacme_problem_t problem;

    /* memory */
    char nonce[NACME_NONCE_MAX + 1];
    uint16_t strings_len;
    uint16_t strings_order_mark;  /* strings from here on belong to the current order */
    uint16_t strings_account_mark; /* and from here on to the account (after the scope and directory) */
    jsmntok_t toks[NACME_JSON_TOKENS];
    char strings[NACME_STRINGS_SIZE];
    uint8_t buf[NACME_BUF_SIZE];  /* request, then response body */
} nacme_t;

/* ---- API ------------------------------------------------------------------- */

/*
 * nacme_init() - prepare a context. port and cfg must outlive it.
 * Return NACME_OK, NACME_ERR_ARG (missing port function, no directory URL),
 * NACME_ERR_URL / NACME_ERR_URL_SCHEME / NACME_ERR_TOO_LARGE for a bad
 * directory URL.
 */
int nacme_init(nacme_t *c, const nacme_port_t *port, const nacme_config_t *cfg);

/*
 * nacme_start_account() - make sure an account exists: load its key and URL
 * from storage, or create key and account (newAccount, with EAB when
 * configured; onlyReturnExisting recovers the URL of a stored key).
 * Return NACME_OK (drive with nacme_step()) or NACME_ERR_STATE when an
 * operation is running.
 */
int nacme_start_account(nacme_t *c);

/*
 * nacme_start_issue() - obtain a certificate for req->ids and install it
 * with its key (storage object NACME_OBJ_CERT of req->name), resuming a
 * stored order of the same identifiers if one exists. Honours the stored
 * backoff of an earlier failure unless req->force.
 * Return NACME_OK, NACME_ERR_STATE, or NACME_ERR_ARG for a bad request
 * (no identifiers, too many, empty value, wildcard not leftmost, IP that
 * does not parse, duplicate).
 */
int nacme_start_issue(nacme_t *c, const nacme_order_req_t *req);

/*
 * nacme_start_renew() - read the stored certificate, decide with
 * nacme_renew_time() (asking the CA's ARI when it offers it) whether it is
 * due, and issue a replacement if so (with "replaces" when ARI is used).
 * Finishes with NACME_STEP_DONE either way: nacme_result()->due and ->issued
 * tell what happened. NACME_ERR_NO_CERT when nothing is stored.
 */
int nacme_start_renew(nacme_t *c, const nacme_order_req_t *req);

/*
 * nacme_start_revoke() - revoke the stored certificate of `name`, signed by
 * the account key or, with with_cert_key, by the certificate's own key.
 * reason is an RFC 5280 CRLReason code (0..10 except 7), or -1 to omit it.
 */
int nacme_start_revoke(nacme_t *c, const char *name, int reason, bool with_cert_key);

/* nacme_start_key_rollover() - replace the account key (RFC 8555 section 7.3.5). */
int nacme_start_key_rollover(nacme_t *c);

/* nacme_start_account_update() - set the account's contact URIs (NULL-terminated). */
int nacme_start_account_update(nacme_t *c, const char *const *contact);

/* nacme_start_account_deactivate() - deactivate the account for good. */
int nacme_start_account_deactivate(nacme_t *c);

/*
 * nacme_step() - advance the running operation as far as it can go without
 * blocking. Return NACME_STEP_DONE, NACME_STEP_AGAIN or NACME_STEP_WAIT
 * (with *w filled), or a negative nacme_err_t when the operation failed
 * (after it removed published challenge material and recorded the backoff).
 * Calling again after DONE or an error returns the same value.
 */
int nacme_step(nacme_t *c, nacme_wait_t *w);

/*
 * nacme_cancel() - stop the running operation: the next nacme_step() calls
 * remove published challenge material and then return NACME_ERR_CANCELLED.
 */
void nacme_cancel(nacme_t *c);

/* nacme_problem() - the last ACME problem document (status 0 when none). */
const nacme_problem_t *nacme_problem(const nacme_t *c);

/* nacme_result() - what the finished operation did. */
const nacme_result_t *nacme_result(const nacme_t *c);

/* nacme_account_url() - the account URL once known ("" before). */
const char *nacme_account_url(const nacme_t *c);

#ifdef __cplusplus
}
#endif

#endif /* NANOACME_H */
