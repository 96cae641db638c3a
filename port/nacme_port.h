/*
 * The nanoacme port: what a platform supplies.
 *
 * Every part is a struct of function pointers with its own `ctx`, passed to
 * the engine at init. Fakes in tests swap in without linker tricks, and two
 * engine contexts may use two different ports in one program.
 *
 * Contract shared by every part:
 *  - No call blocks. A call that cannot finish now answers NACME_PENDING and
 *    the engine asks again later with the same arguments (transport send/recv
 *    answer 0 bytes instead, like coreMQTT's transport interface).
 *  - Unless the operation ends first (an error elsewhere, a timeout,
 *    nacme_cancel()): then the engine does not ask again, and tidies up what
 *    the part can be told to drop: storage abort(), transport close(),
 *    challenge unpublish(). The crypto part has no such call: a port that
 *    signs or makes keys in the background (a secure element) must give up
 *    the abandoned work when the next call comes with other arguments.
 *  - Errors are negative nacme_err_t values (nacme_error.h).
 *  - Pointers passed in are valid only during the call; a port copies what it
 *    keeps.
 *  - The engine calls a port from the thread that calls nacme_step() only.
 *
 * docs/porting.md walks through a port; platforms/linux and platforms/lwip
 * are complete examples.
 */
#ifndef NACME_PORT_H
#define NACME_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- transport: a secure byte stream to the CA ------------------------- */

/* Event bits: what a transport (or the engine) waits for on its handle. */
#define NACME_WANT_READ 0x1u
#define NACME_WANT_WRITE 0x2u

typedef struct nacme_transport {
    void *ctx;
    /*
     * connect() - open (or continue opening) a TLS connection to host:port,
     * with host as SNI and as the name (or IP address) the server
     * certificate must carry. Return NACME_OK when the stream is ready,
     * NACME_PENDING while in progress (the engine calls again with the same
     * arguments), or NACME_ERR_RESOLVE / _CONNECT / _TLS / _TLS_VERIFY /
     * _TIMEOUT.
     */
    int (*connect)(void *ctx, const char *host, uint16_t port);
    /*
     * send() - write up to len bytes. Return the count written (> 0), 0 when
     * nothing can be written now, or a negative error (NACME_ERR_IO_CLOSED
     * when the peer closed).
     */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    /*
     * recv() - read up to len bytes. Return the count read (> 0), 0 when
     * nothing is available now, NACME_ERR_IO_CLOSED after an orderly close,
     * or another negative error. Never 0 after the peer closed.
     */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
    /* close() - drop the connection (idempotent, never fails). */
    void (*close)(void *ctx);
    /*
     * poll_info() - after connect/send/recv could not progress: the handle
     * the caller can poll (a socket fd; any id on platforms without one) and
     * the NACME_WANT_* events that would let it progress (TLS may need to
     * write while the engine reads). May be NULL: the engine then reports
     * handle -1 and the events it asked for.
     */
    void (*poll_info)(void *ctx, int *handle, unsigned *events);
} nacme_transport_t;

/* ---- entropy ------------------------------------------------------------ */

typedef struct nacme_entropy {
    void *ctx;
    /*
     * fill() - len bytes from a cryptographically secure source. Return
     * NACME_OK, NACME_PENDING, or NACME_ERR_ENTROPY. Used for private keys
     * (through the crypto backend), jitter and the ARI renewal moment.
     */
    int (*fill)(void *ctx, uint8_t *buf, size_t len);
} nacme_entropy_t;

/* ---- clock -------------------------------------------------------------- */

typedef struct nacme_clock {
    void *ctx;
    /* monotonic_ms() - milliseconds from any fixed origin; never goes back. */
    uint64_t (*monotonic_ms)(void *ctx);
    /*
     * unix_time() - seconds since 1970-01-01 UTC into *now. Return NACME_OK,
     * or NACME_ERR_TIME_UNKNOWN when the device has no wall time yet (the
     * engine then uses the CA's HTTP Date header and says so in the log).
     */
    int (*unix_time)(void *ctx, int64_t *now);
} nacme_clock_t;

/* ---- storage: named objects, each replaced atomically ------------------- */

/*
 * What the engine stores. A platform maps (object, scope) to its own layout:
 * files in a state directory, slots in flash. `scope` is the account scope
 * (the CA's host[:port]) for the ACCOUNT objects and the certificate name
 * (its first identifier) for the others.
 */
typedef enum nacme_object {
    NACME_OBJ_ACCOUNT_KEY = 1, /* account private key, as exported by the crypto port */
    NACME_OBJ_ACCOUNT = 2,     /* account URL and orders URL */
    NACME_OBJ_ORDER = 3,       /* checkpoint of an order in progress */
    NACME_OBJ_CERT = 4,        /* certificate key then the PEM chain, installed as one */
    NACME_OBJ_STATE = 5        /* renewal state: ARI moment, backoff, last error */
} nacme_object_t;

typedef struct nacme_storage {
    void *ctx;
    /*
     * begin() - start writing a new version of (obj, scope). Only one write
     * is open at a time. Nothing is visible until commit(); the previous
     * version stays readable and intact until then, and after a power loss
     * at any point either the old or the new version is found whole.
     */
    int (*begin)(void *ctx, nacme_object_t obj, const char *scope);
    /* append() - add bytes to the open write. NACME_OK, PENDING or error. */
    int (*append)(void *ctx, const uint8_t *data, size_t len);
    /* commit() - make the open write the current version, atomically. */
    int (*commit)(void *ctx);
    /*
     * abort() - drop the open write, or a begin() that answered
     * NACME_PENDING (the engine aborts when an operation fails or is
     * cancelled in the middle of a write); the previous version stays.
     * Never fails; harmless when no write is open.
     */
    void (*abort)(void *ctx);
    /*
     * read() - copy up to len bytes of the current version of (obj, scope)
     * from offset into buf, the count into *got (0 at the end). Return
     * NACME_OK, NACME_PENDING, NACME_ERR_NOT_FOUND when absent, or an error
     * (NACME_ERR_STORAGE_CORRUPT when an integrity check fails).
     */
    int (*read)(void *ctx, nacme_object_t obj, const char *scope, uint32_t offset,
                uint8_t *buf, size_t len, size_t *got);
    /* remove() - delete (obj, scope); NACME_OK also when it was absent. */
    int (*remove)(void *ctx, nacme_object_t obj, const char *scope);
} nacme_storage_t;

/* ---- crypto: hashes, MAC and P-256 keys that may live in hardware -------- */

/* An opaque key reference given out by the crypto port; id 0 means none. */
typedef struct nacme_key {
    uint32_t id;
} nacme_key_t;

/*
 * Caller-provided storage for the port's SHA-256 state (opaque to the core).
 * Aligned like max_align_t, so a backend can keep its own state type in it
 * (wolfCrypt's wc_Sha256 wants 16-byte alignment on x86-64).
 */
typedef struct nacme_sha256 {
    union {
        max_align_t align;
        uint8_t bytes[NACME_SHA256_CTX_SIZE];
    } u;
} nacme_sha256_t;

/* Formats for key_export()/key_import(). */
typedef enum nacme_key_format {
    NACME_KEY_SEC1_DER = 1,  /* RFC 5915 ECPrivateKey */
    NACME_KEY_SEC1_PEM = 2,  /* "EC PRIVATE KEY" */
    NACME_KEY_PKCS8_DER = 3, /* RFC 5208 PrivateKeyInfo */
    NACME_KEY_PKCS8_PEM = 4  /* "PRIVATE KEY" */
} nacme_key_format_t;

typedef struct nacme_crypto {
    void *ctx;
    /* SHA-256 in three steps, so data is hashed as it is written. */
    int (*sha256_init)(void *ctx, nacme_sha256_t *st);
    int (*sha256_update)(void *ctx, nacme_sha256_t *st, const uint8_t *data, size_t len);
    int (*sha256_final)(void *ctx, nacme_sha256_t *st, uint8_t digest[32]);
    /* HMAC-SHA256 of data under key (External Account Binding). */
    int (*hmac_sha256)(void *ctx, const uint8_t *key, size_t key_len, const uint8_t *data,
                       size_t len, uint8_t mac[32]);
    /*
     * key_generate() - a new ECDSA P-256 key, its secret drawn from the
     * entropy port. NACME_OK with *key set, NACME_PENDING, or an error.
     */
    int (*key_generate)(void *ctx, nacme_key_t *key);
    /* key_public() - the public point: x then y, 32 bytes each, big-endian. */
    int (*key_public)(void *ctx, nacme_key_t key, uint8_t xy[64]);
    /*
     * sign_digest() - ECDSA P-256 signature of a 32-byte digest as raw r||s
     * (32 bytes each, left-padded; not DER). May answer NACME_PENDING (a
     * secure element at work): the engine asks again with the same digest.
     */
    int (*sign_digest)(void *ctx, nacme_key_t key, const uint8_t digest[32], uint8_t rs[64]);
    /*
     * key_export() - the key in a storable form into buf, its size into
     * *len. Software keys give the requested standard format; a hardware
     * key may give a reference that only key_import() understands.
     */
    int (*key_export)(void *ctx, nacme_key_t key, nacme_key_format_t fmt, uint8_t *buf,
                      size_t cap, size_t *len);
    /* key_import() - a key from what key_export() gave (any format it knows). */
    int (*key_import)(void *ctx, const uint8_t *data, size_t len, nacme_key_t *key);
    /* key_release() - forget a key handle (the stored key is not touched). */
    void (*key_release)(void *ctx, nacme_key_t key);
} nacme_crypto_t;

/* ---- challenge publishing ----------------------------------------------- */

typedef enum nacme_id_type {
    NACME_ID_DNS = 1, /* a DNS name, or a wildcard "*.example.com" */
    NACME_ID_IP = 2   /* an IPv4 or IPv6 address in text form (RFC 8738) */
} nacme_id_type_t;

/* One identifier of an order; the strings belong to the caller. */
typedef struct nacme_identifier {
    nacme_id_type_t type;
    const char *value;
} nacme_identifier_t;

typedef enum nacme_challenge_type {
    NACME_CHALLENGE_HTTP_01 = 1,
    NACME_CHALLENGE_DNS_01 = 2,
    NACME_CHALLENGE_TLS_ALPN_01 = 4
} nacme_challenge_type_t;

/* The material one challenge needs published; valid during the call only. */
typedef struct nacme_challenge {
    nacme_challenge_type_t type;
    nacme_id_type_t id_type;
    const char *identifier;        /* as in the authorization: "example.com" for a wildcard */
    bool wildcard;                 /* the order named "*.identifier" */
    const char *token;             /* http-01 path: /.well-known/acme-challenge/TOKEN */
    const char *key_authorization; /* http-01 body: TOKEN "." thumbprint */
    const char *dns_txt_value;     /* dns-01 TXT at _acme-challenge.identifier */
    const uint8_t *alpn_cert_der;  /* tls-alpn-01 certificate (RFC 8737) */
    size_t alpn_cert_len;
    nacme_key_t alpn_key;          /* its key, in the crypto port */
} nacme_challenge_t;

typedef struct nacme_challenge_port {
    void *ctx;
    /* NACME_CHALLENGE_* bits this port can publish. */
    unsigned supported;
    /*
     * publish() - make the material reachable by the CA. NACME_OK,
     * NACME_PENDING (asked again), or NACME_ERR_CHALLENGE.
     */
    int (*publish)(void *ctx, const nacme_challenge_t *ch);
    /*
     * settle() - called once after every challenge of the order was
     * published and before any is answered: NACME_OK when the CA can see
     * it all (e.g. DNS propagation waited for), NACME_PENDING to be asked
     * again. May be NULL.
     */
    int (*settle)(void *ctx);
    /* unpublish() - remove the material again; NACME_OK, PENDING or error. */
    int (*unpublish)(void *ctx, const nacme_challenge_t *ch);
} nacme_challenge_port_t;

/* ---- log ----------------------------------------------------------------- */

typedef enum nacme_log_level {
    NACME_LOG_LEVEL_ERROR = 1,
    NACME_LOG_LEVEL_WARN = 2,
    NACME_LOG_LEVEL_INFO = 3,
    NACME_LOG_LEVEL_DEBUG = 4
} nacme_log_level_t;

typedef struct nacme_log {
    void *ctx;
    /* write() - one finished line, without newline. May be NULL. Secrets never reach it. */
    void (*write)(void *ctx, nacme_log_level_t level, const char *line);
} nacme_log_t;

/* ---- the whole port -------------------------------------------------------- */

typedef struct nacme_port {
    nacme_transport_t transport;
    nacme_entropy_t entropy;
    nacme_clock_t clock;
    nacme_storage_t storage;
    nacme_crypto_t crypto;
    nacme_challenge_port_t challenge;
    nacme_log_t log;
} nacme_port_t;

#ifdef __cplusplus
}
#endif

#endif /* NACME_PORT_H */
