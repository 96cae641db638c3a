/*
 * A scripted ACME server and the in-memory transport that reaches it, for
 * engine tests. The server follows RFC 8555 the way Pebble does (URL shapes,
 * headers, pretty-printed JSON), checks every JWS it receives (ES256
 * signature with wolfCrypt, nonce, url, jwk/kid), and can be told to
 * misbehave: reject nonces, answer Retry-After, chunk bodies, close
 * connections, refuse "replaces", fail validation, offer alternate chains.
 *
 * Every request is logged as "METHOD resource" (e.g. "POST newOrder"), so a
 * test can assert the exact sequence a client sent.
 */
#ifndef NACME_FAKE_ACME_H
#define NACME_FAKE_ACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_port.h"
#include "nacme_port.h"

#define FAKE_ACME_HOST "ca.test"
#define FAKE_ACME_DIR "https://ca.test/dir"

typedef struct fake_acme_config {
    bool tos;                  /* meta.termsOfService */
    bool eab_required;         /* meta.externalAccountRequired */
    const char *eab_kid;       /* the EAB key the server knows */
    const uint8_t *eab_key;
    size_t eab_key_len;
    bool ari;                  /* renewalInfo in the directory */
    int64_t ari_start, ari_end; /* the window ARI suggests */
    int ari_retry_after;       /* Retry-After on ARI answers (-1: none) */
    const char *profiles[4];   /* meta.profiles names (NULL-terminated) */
    bool no_orders_list;       /* the account has no "orders" URL (like Boulder) */
    unsigned nonce_reject_pct; /* badNonce for this percentage of valid nonces */
    unsigned reject_first_nonces; /* and always for the first n POSTs */
    uint32_t seed;             /* for the rejections */
    unsigned pending_polls;    /* order polls still "pending" after every challenge was answered */
    unsigned processing_polls; /* order polls still "processing" after finalize */
    int retry_after;           /* Retry-After seconds on order polls (-1: none) */
    bool retry_after_date;     /* ... given as an HTTP-date */
    bool chunked;              /* bodies in chunked transfer encoding */
    bool close_each;           /* Connection: close after every response */
    unsigned offer;            /* NACME_CHALLENGE_* bits offered (0: all three) */
    unsigned valid_authz;      /* bit i: the authorization of identifier i starts valid */
    bool fail_validation;      /* answered challenges become invalid */
    unsigned answer_race;      /* the next n answers find their challenge validated meanwhile: 400 malformed */
    bool refuse_answers;       /* every answer gets 400 malformed, the challenge stays pending */
    unsigned alternates;       /* alternate chains, each under its own root name */
    uint32_t lifetime_s;       /* certificate lifetime (0: 90 days) */
    bool reject_replaces;      /* newOrder with "replaces" gets alreadyReplaced */
    bool no_date;              /* no Date header */
    bool wrong_key_cert;       /* issue the certificate for another key */
    bool extra_san;            /* issue the certificate with one more name */
    bool finalize_valid;       /* finalize answers "valid" at once */
    unsigned http503;          /* the first n requests get 503 with Retry-After 1 */
    bool big_body;             /* the order answers carry a body larger than any buffer */
    bool problem_html;         /* errors come as text/html */
    bool drop_after_newnonce;  /* never answer the next request after HEAD newNonce... */
} fake_acme_config_t;

#define FAKE_ACME_LOG 512

typedef struct fake_acme fake_acme_t;

/* The transport: the engine's connection to the fake server. */
typedef struct fake_net {
    fake_acme_t *acme;
    bool connected;
    bool opening;              /* a connect() answered pending or failed, and was neither completed nor closed */
    unsigned connects;
    unsigned connect_pending;  /* connect() answers PENDING this many times first */
    bool refuse_connect;       /* connect() fails */
    uint8_t in[16384];
    size_t in_len;
    uint8_t out[65536];
    size_t out_len, out_pos;
    bool close_after;          /* close once out is delivered */
    size_t chunk;              /* recv gives at most this many bytes (0: all) */
    unsigned would_block;      /* every n-th send/recv answers 0 (0: never) */
    unsigned calls;
    unsigned cut_next_response; /* close halfway through response number n (1-based count of responses) */
    unsigned responses;
    unsigned silent_after;     /* stop answering after this many requests (0: never): a hung CA */
} fake_net_t;

fake_acme_t *fake_acme_new(const fake_acme_config_t *cfg, const fake_clock_t *clock);
void fake_acme_free(fake_acme_t *a);
/* Change the configuration (the server state stays). */
fake_acme_config_t *fake_acme_cfg(fake_acme_t *a);

void fake_net_init(fake_net_t *n, fake_acme_t *a);
nacme_transport_t fake_net_port(fake_net_t *n);

/* The request log: "GET directory", "HEAD newNonce", "POST newAccount", ... */
unsigned fake_acme_log_count(const fake_acme_t *a);
const char *fake_acme_log(const fake_acme_t *a, unsigned i);
/* How many logged requests equal entry. */
unsigned fake_acme_count(const fake_acme_t *a, const char *entry);
void fake_acme_log_clear(fake_acme_t *a);
/* Print the log (for failing tests). */
void fake_acme_log_dump(const fake_acme_t *a);

/* Problems the server found in client requests (bad signature, wrong url, ...): 0 when none. */
unsigned fake_acme_violations(const fake_acme_t *a);
const char *fake_acme_last_violation(const fake_acme_t *a);

/* What the server knows. */
unsigned fake_acme_orders(const fake_acme_t *a);
unsigned fake_acme_bad_nonces(const fake_acme_t *a);
bool fake_acme_cert_revoked(const fake_acme_t *a, unsigned order);
bool fake_acme_account_deactivated(const fake_acme_t *a, unsigned account);
/* The public key (x||y) of account n (1-based); false when none. */
bool fake_acme_account_key(const fake_acme_t *a, unsigned account, uint8_t xy[64]);
/* The "replaces" of the last newOrder ("" when none). */
const char *fake_acme_last_replaces(const fake_acme_t *a);
/* The root common name of chain k (0: default). */
const char *fake_acme_root_name(unsigned k);
/* Authorizations deactivated by clients. */
unsigned fake_acme_deactivated_authz(const fake_acme_t *a);

/* ---- test driver ------------------------------------------------------------------- */

/*
 * Step the engine until it finishes, advancing the fake clock to each
 * wake-up time (simulated time: no real waiting). Return the final status
 * (NACME_STEP_DONE or an error), or NACME_ERR_TIMEOUT after max_steps.
 */
struct nacme;
int fake_run(struct nacme *c, fake_clock_t *clock, unsigned max_steps);

#endif
