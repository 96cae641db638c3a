/*
 * The lwIP platform of nanoacme: the parts of port/nacme_port.h for a
 * bare-metal device with lwIP (NO_SYS, raw API) and wolfSSL, one file each:
 *
 *   transport  wolfSSL TLS 1.3 client over lwIP's raw TCP     tls_transport.c
 *   challenge  http-01 responder on lwIP's raw TCP listener    http01.c, http01_parse.c
 *   storage    two slots per object on a flash region          flash_storage.c, flash_ram.c
 *              (nacme_flash_storage.h: no lwIP dependency)
 *   entropy    Hash-DRBG seeded from the board's entropy hook  entropy.c
 *   clock      the board's millisecond counter and RTC          clock.c
 *   log        lines to the board's console                    log.c
 *
 * docs/porting.md walks through this port (qemu/mps2-an385/main.c wires it
 * to the engine in a superloop).
 *
 * Everything runs in lwIP's context: the superloop polls the network driver
 * and lwIP's timers, and calls the engine (which calls these parts); no
 * call blocks and nothing is called from an interrupt.
 *
 * The TLS transport: lwIP's callbacks only queue received pbufs and set
 * flags; wolfSSL reads the queue through its I/O callbacks, and the TCP
 * window is reopened (tcp_recved) only for bytes wolfSSL has consumed, so
 * lwIP never holds more than TCP_WND unread bytes.
 *
 * wolfSSL must be built with WOLFSSL_USER_IO, WOLFSSL_STATIC_MEMORY and its
 * XMALLOC/XFREE/XREALLOC routed to nacme_lwip_tls_xmalloc/_xfree/_xrealloc
 * below (see qemu/mps2-an385/user_settings.h): every wolfSSL allocation
 * comes from the memory given at init, and nothing calls malloc. The
 * crypto backend and the entropy DRBG allocate from the same pool through
 * its heap hint (nacme_lwip_tls_heap()).
 *
 * Memory: wolfSSL's static pool (fixed buckets, sized by the build's
 * WOLFMEM_BUCKETS/WOLFMEM_DIST) holds everything but the TLS input buffer,
 * which is a separate record buffer: wolfSSL grows its input buffer by
 * allocating the larger one before freeing the smaller, so with buckets
 * alone two large records in a row would need two large buckets. The
 * record buffer is handed out for every input-buffer request (growing in
 * place), so one buffer of the largest record size is enough.
 *
 * One connection at a time (the engine keeps one). The host given to
 * connect() is an IPv4 literal (used as is, no SNI) or a name resolved with
 * lwIP's DNS resolver (sent as SNI); the server certificate must carry it
 * (an iPAddress or dNSName subjectAltName) and chain to one of the trust
 * anchors.
 */
#ifndef NACME_LWIP_H
#define NACME_LWIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lwip/ip_addr.h"
#include "nacme_flash_storage.h"
#include "nacme_http01_parse.h"
#include "nacme_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest CA host name accepted by connect(), in bytes. Default 128. */
#ifndef NACME_LWIP_HOST_MAX
#define NACME_LWIP_HOST_MAX 128
#endif

/*
 * Plaintext bytes per TLS record written. Each write asks wolfSSL for an
 * output buffer of this size plus 22 bytes (header, content type, tag)
 * from the pool, so it bounds the pool's largest output allocation; a
 * record of up to 1438 bytes fits one TCP segment of 1460. Default 1024.
 */
#ifndef NACME_LWIP_TLS_CHUNK
#define NACME_LWIP_TLS_CHUNK 1024
#endif

/* DNS, TCP connect and TLS handshake together, when the config gives 0. */
#ifndef NACME_LWIP_CONNECT_TIMEOUT_MS
#define NACME_LWIP_CONNECT_TIMEOUT_MS 30000u
#endif

/*
 * Record buffer size that takes any TLS 1.3 record: 2^14 plaintext + 256
 * bytes of expansion allowed by RFC 8446, plus wolfSSL's alignment slack.
 * A smaller buffer saves RAM but fails (NACME_ERR_TLS) on larger records;
 * the server decides their size (Go's TLS, Pebble's, sends up to ~4 KB for
 * responses under 8 KB and full-size records for larger ones).
 */
#define NACME_LWIP_TLS_RECORD_FULL (16384u + 256u + 16u)

/*
 * Pool size for a bucket total (bytes of all blocks with their 16-byte
 * headers): the transport's header, wolfSSL's heap descriptor and hint,
 * alignment slack. Needs <wolfssl/wolfcrypt/memory.h>.
 */
#define NACME_LWIP_TLS_POOL_SIZE(bucket_bytes) \
    (16u + sizeof(WOLFSSL_HEAP) + sizeof(WOLFSSL_HEAP_HINT) + 16u + (bucket_bytes))

/* A trust anchor: one DER certificate (may live in flash; wolfSSL keeps its key, not the DER). */
typedef struct nacme_lwip_cert {
    const uint8_t *der;
    size_t len;
} nacme_lwip_cert_t;

typedef struct nacme_lwip_tls_config {
    /*
     * wolfSSL's static memory: every allocation of wolfSSL but the input
     * buffer (its context, the session, handshake state, the output buffer)
     * comes from here. Size it with NACME_LWIP_TLS_POOL_SIZE() for the
     * buckets of the build, 16-byte aligned. Owned by the transport until
     * nacme_lwip_tls_deinit().
     */
    uint8_t *pool;
    size_t pool_size;
    /*
     * The TLS input buffer: holds one whole received record.
     * NACME_LWIP_TLS_RECORD_FULL bytes take any server's records.
     */
    uint8_t *record_buf;
    size_t record_buf_size;
    const nacme_lwip_cert_t *anchors; /* trust anchors, at least one */
    size_t anchor_count;
    uint32_t connect_timeout_ms;      /* 0: NACME_LWIP_CONNECT_TIMEOUT_MS */
    /* Milliseconds from any origin; NULL: lwIP's sys_now(). */
    uint32_t (*now_ms)(void);
} nacme_lwip_tls_config_t;

/* What the transport has measured (for sizing the pool and the report). */
typedef struct nacme_lwip_tls_stats {
    uint32_t bytes_in;      /* TCP payload bytes read by TLS */
    uint32_t bytes_out;     /* TCP payload bytes written by TLS */
    uint32_t records_in;    /* TLS records received */
    uint32_t record_max;    /* largest TLS record received (bytes after the 5-byte header) */
    uint32_t handshake_ms;  /* TCP connected to TLS established, last connection */
    uint32_t connect_ms;    /* connect() first call to established, last connection */
    int32_t tls_error;      /* wolfSSL's error code behind the last failure, 0 if none */
} nacme_lwip_tls_stats_t;

/* The transport's state; fields are private. */
typedef struct nacme_lwip_tls {
    struct WOLFSSL_CTX *ctx;
    struct WOLFSSL *ssl;
    struct tcp_pcb *pcb;
    struct pbuf *rx;        /* received, not yet read by wolfSSL */
    uint32_t (*now_ms)(void);
    uint32_t timeout_ms;
    uint32_t started_ms;
    uint32_t tcp_up_ms;
    ip_addr_t addr;
    uint16_t port;
    uint8_t state;
    bool host_is_ip;
    bool dns_done;          /* the resolver answered (addr set when found) */
    bool dns_found;
    bool tcp_connected;
    bool peer_fin;          /* the peer closed its side */
    bool progress;          /* an lwIP callback delivered something */
    int8_t tcp_err;         /* lwIP's error from the error callback, 0 if none */
    unsigned want;          /* NACME_WANT_* the last call waits for */
    int error;              /* sticky error of a failed connection */
    size_t tx_pending;      /* plaintext bytes of a write wolfSSL still owes (retry with them) */
    uint8_t rec_hdr[5];     /* TLS record header being read */
    uint8_t rec_hdr_len;
    uint32_t rec_left;      /* bytes of the current record still to come */
    nacme_lwip_tls_stats_t stats;
    char host[NACME_LWIP_HOST_MAX];
} nacme_lwip_tls_t;

/*
 * nacme_lwip_tls_init() - set up wolfSSL in the pool (a TLS 1.3 client
 * context that verifies the server against the anchors) and an idle
 * transport. Call once, after lwip_init(). Return NACME_OK, NACME_ERR_ARG
 * (a NULL or empty field), NACME_ERR_TLS (wolfSSL could not be set up: the
 * pool is too small, or an anchor is not a certificate wolfSSL accepts).
 */
int nacme_lwip_tls_init(nacme_lwip_tls_t *t, const nacme_lwip_tls_config_t *cfg);

/*
 * nacme_lwip_tls_transport() - the port's transport part over t: connect,
 * send, recv, close and poll_info as port/nacme_port.h describes.
 *  - connect() answers NACME_PENDING while resolving, connecting and
 *    handshaking; NACME_ERR_RESOLVE, _CONNECT (refused, unreachable),
 *    _TLS_VERIFY (certificate not trusted, expired or for another name),
 *    _TLS, _TIMEOUT, _TOO_LARGE (host longer than NACME_LWIP_HOST_MAX - 1),
 *    _ARG, or _STATE (another host:port while a connection is open). A
 *    failure sticks until close().
 *  - send() writes at most NACME_LWIP_TLS_CHUNK bytes per call; after it
 *    answered 0 it must be called again with the same bytes (wolfSSL has
 *    already encrypted them).
 *  - recv() answers NACME_ERR_IO_CLOSED after the peer's close_notify or
 *    FIN, NACME_ERR_IO on a reset, NACME_ERR_TLS on a record error.
 *  - poll_info() gives handle 0 and the events the last call waited for.
 */
void nacme_lwip_tls_transport(nacme_lwip_tls_t *t, nacme_transport_t *out);

/*
 * nacme_lwip_tls_progress() - true when an lwIP callback (data, acknowledged
 * data, connection, error, DNS answer) touched the transport since the last
 * call; clears the flag. A superloop calls the engine again when this is
 * true and may sleep (WFI) otherwise.
 */
bool nacme_lwip_tls_progress(nacme_lwip_tls_t *t);

/* nacme_lwip_tls_get_stats() - the measurements so far. */
void nacme_lwip_tls_get_stats(const nacme_lwip_tls_t *t, nacme_lwip_tls_stats_t *out);

/* nacme_lwip_tls_deinit() - close any connection and release wolfSSL's context. */
void nacme_lwip_tls_deinit(nacme_lwip_tls_t *t);

/*
 * nacme_lwip_tls_heap() - the heap hint of the transport's pool (after a
 * successful init; NULL before), for wolfCrypt users that must allocate
 * from it: nacme_wolfcrypt_init_ex(), nacme_lwip_entropy_init().
 */
void *nacme_lwip_tls_heap(const nacme_lwip_tls_t *t);

/*
 * wolfSSL's allocator (XMALLOC, XFREE, XREALLOC of the build): input-buffer
 * requests get the transport's record buffer (NULL when larger), everything
 * else goes to wolfSSL's static pool behind heap. A NULL heap gets NULL
 * (there is no malloc).
 */
void *nacme_lwip_tls_xmalloc(size_t size, void *heap, int type);
void nacme_lwip_tls_xfree(void *ptr, void *heap, int type);
void *nacme_lwip_tls_xrealloc(void *ptr, size_t size, void *heap, int type);

/* ---- http-01 responder ---------------------------------------------------- */

/* Challenges published at once (one per identifier of an order). Default 2. */
#ifndef NACME_LWIP_HTTP01_TOKENS
#define NACME_LWIP_HTTP01_TOKENS 2
#endif

/*
 * Validation connections served at once; more are refused (RST). CAs
 * validate from several network perspectives at about the same time
 * (Pebble sends three requests per challenge); each connection costs about
 * 230 bytes here and an lwIP TCP PCB. Default 4.
 */
#ifndef NACME_LWIP_HTTP01_CONNS
#define NACME_LWIP_HTTP01_CONNS 4
#endif

/* Seconds a validation connection may last. Default 10. */
#ifndef NACME_LWIP_HTTP01_TIMEOUT_S
#define NACME_LWIP_HTTP01_TIMEOUT_S 10u
#endif

/* Longest key authorization: TOKEN "." base64url(SHA-256 thumbprint), 43 characters. */
#define NACME_LWIP_HTTP01_KA_MAX (NACME_HTTP01_TOKEN_MAX + 1u + 43u)

/* What the responder has done (for the report). */
typedef struct nacme_lwip_http01_stats {
    uint32_t connections; /* accepted */
    uint32_t refused;     /* every slot busy */
    uint32_t served;      /* 200 answers */
    uint32_t not_found;   /* 404 answers */
    uint32_t rejected;    /* 400, 405, 414, 431 answers */
    uint32_t timeouts;    /* connections aborted at their time bound */
} nacme_lwip_http01_stats_t;

struct nacme_lwip_http01;

/* One validation connection (private). */
typedef struct nacme_lwip_http01_conn {
    struct nacme_lwip_http01 *owner;
    struct tcp_pcb *pcb;
    uint8_t state;
    uint8_t ticks;                /* poll callbacks (one a second) since accepted */
    nacme_http01_req_t req;
} nacme_lwip_http01_conn_t;

/* The responder; caller-owned, fields private. */
typedef struct nacme_lwip_http01 {
    struct tcp_pcb *listener;     /* open while something is published */
    uint16_t port;
    struct {
        bool used;
        uint8_t token_len;
        char ka[NACME_LWIP_HTTP01_KA_MAX + 1];
    } tokens[NACME_LWIP_HTTP01_TOKENS];
    nacme_lwip_http01_conn_t conns[NACME_LWIP_HTTP01_CONNS];
    nacme_log_t log;
    nacme_lwip_http01_stats_t stats;
} nacme_lwip_http01_t;

/*
 * nacme_lwip_http01_init() - an idle responder for port `port` (0: 80);
 * log (copied, may be NULL) gets a line per request answered. Call after
 * lwip_init(). Return NACME_OK or NACME_ERR_ARG (NULL h).
 */
int nacme_lwip_http01_init(nacme_lwip_http01_t *h, uint16_t port, const nacme_log_t *log);

/*
 * nacme_lwip_http01_port() - the port's challenge part over h: supported is
 * NACME_CHALLENGE_HTTP_01; settle is NULL.
 *  - publish(): copies the token and key authorization (the token 1..128
 *    base64url characters, the key authorization TOKEN "." base64url of at
 *    most 43 characters); the first one opens the listener (tcp_bind +
 *    tcp_listen on any address). NACME_ERR_CHALLENGE for another challenge
 *    type, malformed material, a full table (NACME_LWIP_HTTP01_TOKENS) or
 *    a listener that cannot be opened (port in use, no PCB). Publishing a
 *    token again replaces its key authorization. Build lwIP with SO_REUSE
 *    so the listener can open again while the connections of the last
 *    order wait in TIME_WAIT on the port.
 *  - unpublish(): forgets the token (NACME_OK also when unknown); the last
 *    one closes the listener (connections being served finish).
 * GET and HEAD of /.well-known/acme-challenge/TOKEN answer 200
 * application/octet-stream with the key authorization, other paths 404,
 * other methods 405, malformed requests 400, too long ones 414/431; every
 * answer closes the connection. Connections beyond NACME_LWIP_HTTP01_CONNS
 * are refused, each is aborted after NACME_LWIP_HTTP01_TIMEOUT_S.
 */
void nacme_lwip_http01_port(nacme_lwip_http01_t *h, nacme_challenge_port_t *out);

/* nacme_lwip_http01_get_stats() - the counters so far. */
void nacme_lwip_http01_get_stats(const nacme_lwip_http01_t *h, nacme_lwip_http01_stats_t *out);

/* nacme_lwip_http01_stop() - close the listener and abort every connection; tokens are forgotten. */
void nacme_lwip_http01_stop(nacme_lwip_http01_t *h);

/* ---- entropy ------------------------------------------------------------------ */

struct WC_RNG;

/*
 * The entropy port: wolfCrypt's Hash-DRBG (SP 800-90A), seeded through
 * wolfSSL's CUSTOM_RAND_GENERATE_SEED hook, which the board implements.
 * The DRBG is only as good as that seed: on the QEMU demo board the hook
 * mixes guessable values and is NOT secure (qemu/mps2-an385/board.h); a
 * real device must seed from a true entropy source (a TRNG peripheral, or a
 * seed provisioned at manufacture and kept in flash, mixed with a counter).
 */
typedef struct nacme_lwip_entropy {
    struct WC_RNG *rng;  /* allocated from the heap given at init */
    void *heap;
} nacme_lwip_entropy_t;

/*
 * nacme_lwip_entropy_init() - instantiate the DRBG (it draws its seed from
 * the board hook now), its state allocated from heap (a wolfSSL heap hint:
 * nacme_lwip_tls_heap()). Return NACME_OK, NACME_ERR_ARG (NULL e or heap),
 * NACME_ERR_ENTROPY (the seed or the DRBG's health test failed, or no
 * memory).
 */
int nacme_lwip_entropy_init(nacme_lwip_entropy_t *e, void *heap);

/*
 * nacme_lwip_entropy_port() - fill: DRBG output (reseeded by wolfCrypt when
 * due); NACME_ERR_ENTROPY when the DRBG fails. Never NACME_PENDING.
 */
void nacme_lwip_entropy_port(nacme_lwip_entropy_t *e, nacme_entropy_t *out);

/* nacme_lwip_entropy_free() - wipe and release the DRBG. */
void nacme_lwip_entropy_free(nacme_lwip_entropy_t *e);

/* ---- clock ---------------------------------------------------------------------- */

/*
 * The clock port from the board's time sources: a monotonic millisecond
 * counter (SysTick) and, when the board has one, a real-time clock. Without
 * an RTC the wall time is unknown until nacme_lwip_clock_set() (from SNTP,
 * a GPS, the user): unix_time() then answers NACME_ERR_TIME_UNKNOWN and the
 * engine takes the time from the CA's Date header.
 */
typedef struct nacme_lwip_clock {
    uint64_t (*ms)(void);      /* milliseconds since boot, never wrapping */
    int (*rtc)(int64_t *now);  /* the RTC: NACME_OK or NACME_ERR_TIME_UNKNOWN; NULL: none */
    int64_t offset;            /* unix time = ms / 1000 + offset, once set */
    bool set;
} nacme_lwip_clock_t;

/* nacme_lwip_clock_init() - ms is required; rtc may be NULL. */
void nacme_lwip_clock_init(nacme_lwip_clock_t *c, uint64_t (*ms)(void), int (*rtc)(int64_t *now));

/* nacme_lwip_clock_set() - the wall time is now `unix_now` (it then overrides the RTC). */
void nacme_lwip_clock_set(nacme_lwip_clock_t *c, int64_t unix_now);

/*
 * nacme_lwip_clock_port() - monotonic_ms: c->ms(); unix_time: the time set,
 * else the RTC's answer, else NACME_ERR_TIME_UNKNOWN.
 */
void nacme_lwip_clock_port(nacme_lwip_clock_t *c, nacme_clock_t *out);

/* ---- log ------------------------------------------------------------------------- */

/* Log lines to a console, one character at a time. */
typedef struct nacme_lwip_log {
    void (*put_char)(char c);      /* the console (a polling UART) */
    nacme_log_level_t max_level;   /* lines of a less severe level are dropped */
} nacme_lwip_log_t;

/*
 * nacme_lwip_log_port() - write(): "nanoacme: " (and "error: " or
 * "warning: "), the line with control characters shown as '?' (CA text
 * reaches the log), then CR LF.
 */
void nacme_lwip_log_port(nacme_lwip_log_t *l, nacme_log_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NACME_LWIP_H */
