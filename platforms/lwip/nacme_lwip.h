/*
 * The lwIP platform of nanoacme: a TLS transport (wolfSSL over lwIP's raw
 * TCP API) implementing nacme_transport_t of port/nacme_port.h, for NO_SYS
 * superloops.
 *
 * Everything runs in lwIP's context: the superloop polls the network driver
 * and lwIP's timers, and calls the engine (which calls this transport); no
 * call blocks and nothing is called from an interrupt. lwIP's callbacks only
 * queue received pbufs and set flags; wolfSSL reads the queue through its
 * I/O callbacks, and the TCP window is reopened (tcp_recved) only for bytes
 * wolfSSL has consumed, so lwIP never holds more than TCP_WND unread bytes.
 *
 * wolfSSL must be built with WOLFSSL_USER_IO, WOLFSSL_STATIC_MEMORY and its
 * XMALLOC/XFREE/XREALLOC routed to nacme_lwip_tls_xmalloc/_xfree/_xrealloc
 * below (see qemu/mps2-an385/user_settings.h): every wolfSSL allocation
 * comes from the memory given at init, and nothing calls malloc.
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
 * wolfSSL's allocator (XMALLOC, XFREE, XREALLOC of the build): input-buffer
 * requests get the transport's record buffer (NULL when larger), everything
 * else goes to wolfSSL's static pool behind heap. A NULL heap gets NULL
 * (there is no malloc).
 */
void *nacme_lwip_tls_xmalloc(size_t size, void *heap, int type);
void nacme_lwip_tls_xfree(void *ptr, void *heap, int type);
void *nacme_lwip_tls_xrealloc(void *ptr, size_t size, void *heap, int type);

#ifdef __cplusplus
}
#endif

#endif /* NACME_LWIP_H */
