/*
 * Challenge responders of the Linux platform: one nacme_challenge_port_t
 * (port/nacme_port.h) over four modes, each in its own file:
 *
 *   http-01      built-in HTTP server (challenge_http.c), or
 *                files under a web server's document root (challenge_webroot.c)
 *   tls-alpn-01  built-in wolfSSL responder (challenge_alpn.c)
 *   dns-01       an external hook program (challenge_dns.c)
 *
 * and the dispatcher (challenge.c) that routes each call by challenge type.
 * The servers are served from the platform's poll loop (nacme_linux_loop.h):
 * they register their sockets and a tick there, so they answer while
 * nacme_run() waits through nacme_linux_loop_wait(). Nothing blocks: a
 * publish that waits for a hook program answers NACME_PENDING.
 *
 *   nacme_linux_loop_t loop;
 *   nacme_linux_challenge_t ch;          // large (~36 KiB): static or heap
 *   nacme_linux_challenge_cfg_t cfg = {.loop = &loop, .http = true,
 *                                      .alpn = true, .crypto = &port.crypto,
 *                                      .log = port.log};
 *   nacme_linux_loop_init(&loop);
 *   if (nacme_linux_challenge_init(&ch, &cfg) != NACME_OK) ...;
 *   nacme_linux_challenge_port(&ch, &port.challenge);
 *   ... nacme_run(&engine, nacme_linux_loop_wait, &loop) ...
 *   nacme_linux_challenge_free(&ch);
 *
 * Material is copied at publish() (the engine's pointers are valid during
 * the call only) and checked: tokens must be base64url (they become file
 * names and URL paths), identifiers DNS names or IP addresses. Every failure
 * to publish is NACME_ERR_CHALLENGE with a line in the log saying why.
 */
#ifndef NACME_LINUX_CHALLENGE_H
#define NACME_LINUX_CHALLENGE_H

#include <stdbool.h>
#include <stdint.h>

#include "nacme_linux_loop.h"
#include "nacme_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- limits ------------------------------------------------------------------ */

/* Challenges published at once per mode (one per identifier of an order). */
#ifndef NACME_LINUX_CH_MAX
#define NACME_LINUX_CH_MAX NACME_MAX_IDENTIFIERS
#endif
/* Longest token accepted (CAs use 43 base64url characters). */
#define NACME_LINUX_TOKEN_MAX 128
/* Longest key authorization: token "." base64url(SHA-256 thumbprint). */
#define NACME_LINUX_KEY_AUTH_MAX (NACME_LINUX_TOKEN_MAX + 1 + 43)
/* Longest DNS name (RFC 1035) and so longest SNI accepted. */
#define NACME_LINUX_DNS_NAME_MAX 253
/* http-01: connections served at once, and the size bound of a request head. */
#ifndef NACME_LINUX_HTTP_CONNS
#define NACME_LINUX_HTTP_CONNS 8
#endif
#define NACME_LINUX_HTTP_REQ_MAX 2048
/* tls-alpn-01: handshakes at once, ClientHello bound, certificate and key sizes. */
#ifndef NACME_LINUX_ALPN_CONNS
#define NACME_LINUX_ALPN_CONNS 4
#endif
#define NACME_LINUX_ALPN_HELLO_MAX 4096
#define NACME_LINUX_ALPN_CERT_MAX 1024
#define NACME_LINUX_ALPN_KEY_MAX 160

/* Defaults of the configuration's zero values. */
#define NACME_LINUX_HTTP_PORT 80
#define NACME_LINUX_ALPN_PORT 443
#define NACME_LINUX_CONN_TIMEOUT_MS 10000u
#define NACME_LINUX_HOOK_TIMEOUT_MS 120000u

/* ---- configuration ------------------------------------------------------------- */

/*
 * What the responders do. Strings belong to the caller and must stay valid
 * until nacme_linux_challenge_free(). Zero values mean the defaults.
 */
typedef struct nacme_linux_challenge_cfg {
    nacme_linux_loop_t *loop;     /* serves the servers' sockets; required for http and alpn */
    const nacme_crypto_t *crypto; /* exports the tls-alpn-01 key; required for alpn (copied) */
    nacme_log_t log;              /* error and progress lines; write may be NULL */

    bool http;                    /* http-01 by the built-in server */
    const char *http_addr;        /* IPv4 or IPv6 literal; NULL: "::", dual-stack */
    uint16_t http_port;           /* 0: 80 */
    uint32_t http_timeout_ms;     /* bound of one connection; 0: 10 s */

    const char *webroot;          /* http-01 by files under this existing directory
                                     (not together with http) */

    bool alpn;                    /* tls-alpn-01 by the built-in responder */
    const char *alpn_addr;        /* as http_addr */
    uint16_t alpn_port;           /* 0: 443 */
    uint32_t alpn_timeout_ms;     /* bound of one handshake; 0: 10 s */

    const char *dns_hook;         /* dns-01 by this program (path, or name in PATH) */
    uint32_t dns_hook_timeout_ms; /* a hook running longer is killed; 0: 120 s */
    uint32_t dns_wait_ms;         /* propagation wait in settle() after dns-01 publishes; 0: none */
} nacme_linux_challenge_cfg_t;

/* ---- state (every field private) ------------------------------------------------------ */

/* A listening address: 4 or 16 bytes, port, dual-stack for the default "::". */
typedef struct nacme_linux_addr {
    uint8_t ip[16];
    uint8_t len;
    bool dual;
    uint16_t port;
    char text[48];
} nacme_linux_addr_t;

typedef struct nacme_linux_http_token {
    bool used;
    char token[NACME_LINUX_TOKEN_MAX + 1];
    char key_auth[NACME_LINUX_KEY_AUTH_MAX + 1];
} nacme_linux_http_token_t;

typedef struct nacme_linux_http_conn {
    int fd;                       /* -1: free slot */
    uint8_t state;
    uint16_t len;                 /* request bytes, then response bytes */
    uint16_t off;                 /* response bytes sent */
    uint64_t deadline;            /* monotonic ms */
    char buf[NACME_LINUX_HTTP_REQ_MAX];
} nacme_linux_http_conn_t;

typedef struct nacme_linux_http {
    nacme_linux_loop_t *loop;
    nacme_log_t log;
    nacme_linux_addr_t addr;
    uint32_t timeout_ms;
    int listen_fd;                /* -1 while nothing is published */
    bool ticking;
    nacme_linux_http_token_t tokens[NACME_LINUX_CH_MAX];
    nacme_linux_http_conn_t conns[NACME_LINUX_HTTP_CONNS];
} nacme_linux_http_t;

typedef struct nacme_linux_webroot {
    nacme_log_t log;
    const char *dir;
    bool made_well_known;         /* we created DIR/.well-known */
    bool made_acme;               /* we created DIR/.well-known/acme-challenge */
} nacme_linux_webroot_t;

typedef struct nacme_linux_alpn_entry {
    bool used;
    char name[NACME_LINUX_DNS_NAME_MAX + 1]; /* SNI served: the DNS name, or the reverse name of an IP */
    void *ctx;                    /* WOLFSSL_CTX * with its certificate and key */
} nacme_linux_alpn_entry_t;

typedef struct nacme_linux_alpn_conn {
    int fd;                       /* -1: free slot */
    uint8_t state;
    uint16_t hello_len;           /* ClientHello bytes read */
    uint16_t hello_off;           /* of them, handed to wolfSSL */
    uint64_t deadline;
    void *ssl;                    /* WOLFSSL * once the certificate is chosen */
    uint8_t hello[NACME_LINUX_ALPN_HELLO_MAX];
} nacme_linux_alpn_conn_t;

typedef struct nacme_linux_alpn {
    nacme_linux_loop_t *loop;
    nacme_log_t log;
    nacme_crypto_t crypto;
    nacme_linux_addr_t addr;
    uint32_t timeout_ms;
    int listen_fd;
    bool ticking;
    nacme_linux_alpn_entry_t entries[NACME_LINUX_CH_MAX];
    nacme_linux_alpn_conn_t conns[NACME_LINUX_ALPN_CONNS];
} nacme_linux_alpn_t;

typedef struct nacme_linux_dns {
    nacme_linux_loop_t *loop;
    nacme_log_t log;
    const char *hook;
    uint32_t timeout_ms;
    uint32_t wait_ms;
    bool ticking;
    /* the hook run in progress or finished but not yet collected */
    int pid;                      /* 0: none */
    bool is_del;
    bool done;                    /* exited; status holds waitpid()'s status */
    bool killed;                  /* killed at the time bound */
    int status;
    uint64_t started;
    char fqdn[NACME_LINUX_DNS_NAME_MAX + 1];
    char value[64];
    /* settle(): a publish happened since the last settle, and since when it waits */
    bool unsettled;
    bool settling;
    uint64_t settle_from;
} nacme_linux_dns_t;

typedef struct nacme_linux_challenge {
    unsigned supported;           /* NACME_CHALLENGE_* bits configured */
    bool http_webroot;            /* http-01 goes to the webroot, not the server */
    nacme_linux_http_t http;
    nacme_linux_webroot_t webroot;
    nacme_linux_alpn_t alpn;
    nacme_linux_dns_t dns;
} nacme_linux_challenge_t;

/* ---- the port ------------------------------------------------------------------------ */

/*
 * nacme_linux_challenge_init() - set up the modes cfg enables. Nothing
 * listens yet: each server opens its socket when its first challenge is
 * published and closes it when the last one is removed.
 * @c:   caller-owned state, overwritten.
 * @cfg: the configuration (copied; its strings are kept by pointer).
 *
 * Return: NACME_OK; NACME_ERR_ARG when c or cfg is NULL, no mode is
 * enabled, both http and webroot are set, an address is not an IPv4 or
 * IPv6 literal, the loop is missing for http or alpn, or the crypto port is
 * missing for alpn. After a failure nothing needs freeing.
 */
int nacme_linux_challenge_init(nacme_linux_challenge_t *c, const nacme_linux_challenge_cfg_t *cfg);

/*
 * nacme_linux_challenge_port() - fill *out with the port over c: supported
 * is the configured NACME_CHALLENGE_* mask; publish(), settle() and
 * unpublish() route each challenge to its mode by type, and answer
 * NACME_ERR_UNSUPPORTED for a type that is not configured.
 */
void nacme_linux_challenge_port(nacme_linux_challenge_t *c, nacme_challenge_port_t *out);

/*
 * nacme_linux_challenge_free() - close every socket and connection, kill a
 * hook still running (and reap it, waiting at most about 100 ms), remove
 * the loop's registrations, wipe the keys. Files a webroot publish wrote
 * stay (the engine unpublishes them). NULL and a second call are harmless.
 */
void nacme_linux_challenge_free(nacme_linux_challenge_t *c);

/* ---- the modes (what the dispatcher calls; each usable alone) --------------------------- */

/*
 * http-01 built-in server. init takes http_addr, http_port,
 * http_timeout_ms, loop and log from cfg (NACME_ERR_ARG for a bad address
 * or no loop). publish() stores (token, key authorization), replacing an
 * entry of the same token, and starts listening on the first one
 * (NACME_ERR_CHALLENGE when the token is not 1..128 base64url characters,
 * the key authorization does not start with "TOKEN.", all
 * NACME_LINUX_CH_MAX entries are in use, or the socket cannot be bound:
 * the log names the address and the reason, e.g. "Address already in
 * use"). unpublish() drops the token (NACME_OK also when it was not
 * published) and, with none left, closes the listener and its
 * connections.
 *
 * The server answers GET and HEAD of /.well-known/acme-challenge/TOKEN
 * (origin or absolute form, a query ignored) with 200 and the key
 * authorization as an application/octet-stream body; 404 for any other
 * path or token, 405 (Allow: GET, HEAD) for other methods, 400 for a
 * malformed request head, 431 when the head exceeds
 * NACME_LINUX_HTTP_REQ_MAX bytes. Every response carries Connection: close;
 * a connection lives at most the timeout from accept to close.
 */
int nacme_linux_http_init(nacme_linux_http_t *h, const nacme_linux_challenge_cfg_t *cfg);
int nacme_linux_http_publish(nacme_linux_http_t *h, const nacme_challenge_t *ch);
int nacme_linux_http_unpublish(nacme_linux_http_t *h, const nacme_challenge_t *ch);
void nacme_linux_http_free(nacme_linux_http_t *h);

/*
 * http-01 into a webroot. publish() writes the key authorization to
 * DIR/.well-known/acme-challenge/TOKEN: directories it creates get 0755,
 * the file 0644, written to a temporary name in the same directory and
 * renamed (a web server never serves half a file). NACME_ERR_CHALLENGE
 * (with a log line) for a bad token or key authorization, a path longer
 * than PATH_MAX, or any file system error (DIR missing or not writable).
 * unpublish() removes the file (NACME_OK when it is already gone) and
 * then the directories publish() created, when they are empty.
 */
int nacme_linux_webroot_init(nacme_linux_webroot_t *w, const nacme_linux_challenge_cfg_t *cfg);
int nacme_linux_webroot_publish(nacme_linux_webroot_t *w, const nacme_challenge_t *ch);
int nacme_linux_webroot_unpublish(nacme_linux_webroot_t *w, const nacme_challenge_t *ch);

/*
 * tls-alpn-01 responder (RFC 8737, RFC 8738 for IP identifiers). init
 * takes alpn_addr, alpn_port, alpn_timeout_ms, loop, crypto (key_public
 * and key_export required) and log. publish() checks that the certificate
 * (ch->alpn_cert_der, at most NACME_LINUX_ALPN_CERT_MAX bytes) is a P-256
 * certificate of ch->alpn_key's public key, exports that key through the
 * crypto port as SEC1 DER (a crypto port answering NACME_PENDING is passed
 * through) and loads both into a wolfSSL server context of its own, kept
 * under the SNI name it is served for: the identifier, or for an IP
 * identifier its reverse-DNS name (nacme_ip_reverse_name()). Publishing a
 * name again replaces it. The first name starts the listener
 * (NACME_ERR_CHALLENGE on a bind error, as http; also for a wildcard or an
 * unusable identifier, and when the key does not export or wolfSSL refuses
 * the certificate or key). unpublish() removes the name of ch->identifier
 * (NACME_OK when absent) and closes the listener with the last one.
 *
 * A connection's first record must be a whole ClientHello (at most
 * NACME_LINUX_ALPN_HELLO_MAX bytes, not fragmented; else a decode_error
 * alert) offering ALPN "acme-tls/1" (else no_application_protocol) with an
 * SNI that is published (else unrecognized_name); wolfSSL then completes a
 * TLS 1.2 or 1.3 handshake with that name's certificate and key,
 * negotiating "acme-tls/1", and the connection is closed.
 */
int nacme_linux_alpn_init(nacme_linux_alpn_t *a, const nacme_linux_challenge_cfg_t *cfg);
int nacme_linux_alpn_publish(nacme_linux_alpn_t *a, const nacme_challenge_t *ch);
int nacme_linux_alpn_unpublish(nacme_linux_alpn_t *a, const nacme_challenge_t *ch);
void nacme_linux_alpn_free(nacme_linux_alpn_t *a);

/*
 * dns-01 by a hook. publish() runs `HOOK add FQDN VALUE` and unpublish()
 * `HOOK del FQDN VALUE` (FQDN = "_acme-challenge." + ch->identifier, the
 * base name for a wildcard; VALUE = ch->dns_txt_value) with posix_spawnp:
 * no shell, stdin /dev/null, stdout onto stderr, its own process group.
 * The call answers NACME_PENDING while the hook runs (one hook at a time:
 * a call for other material waits for the running one), then NACME_OK for
 * exit status 0, else NACME_ERR_CHALLENGE with a log line naming the exit
 * status or signal. A hook still running at the time bound is killed with
 * its process group and fails. NACME_ERR_CHALLENGE also for an IP
 * identifier, a name or value with unexpected characters, or a hook that
 * cannot be started.
 *
 * settle() answers NACME_PENDING until dns_wait_ms passed since its first
 * call after a successful add (NACME_OK at once when nothing was added or
 * the wait is 0); a new add restarts the wait.
 */
int nacme_linux_dns_init(nacme_linux_dns_t *d, const nacme_linux_challenge_cfg_t *cfg);
int nacme_linux_dns_publish(nacme_linux_dns_t *d, const nacme_challenge_t *ch);
int nacme_linux_dns_unpublish(nacme_linux_dns_t *d, const nacme_challenge_t *ch);
int nacme_linux_dns_settle(nacme_linux_dns_t *d);
void nacme_linux_dns_free(nacme_linux_dns_t *d);

#ifdef __cplusplus
}
#endif

#endif /* NACME_LINUX_CHALLENGE_H */
