/*
 * nanoacme transport over lwIP's raw TCP API and wolfSSL (TLS 1.3 client),
 * for NO_SYS superloops. See nacme_lwip.h.
 *
 * The glue follows lwIP's altcp_tls_mbedtls: lwIP's callbacks only queue
 * pbufs and set flags; wolfSSL's recv callback copies from the queue, frees
 * what it consumed with pbuf_free_header() and only then reopens the window
 * with tcp_recved(); its send callback writes what fits (tcp_sndbuf),
 * treats ERR_MEM from tcp_write() as "want write" and pushes with
 * tcp_output().
 */
#include "nacme_lwip.h"

#include <limits.h>
#include <string.h>

#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/sys.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>
#include <wolfssl/error-ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/wolfcrypt/memory.h>

#if !defined(WOLFSSL_USER_IO) || !defined(WOLFSSL_STATIC_MEMORY) || !defined(XMALLOC_OVERRIDE)
#error "the lwIP transport needs wolfSSL with WOLFSSL_USER_IO, WOLFSSL_STATIC_MEMORY and XMALLOC routed here"
#endif

/*
 * The transport's header at the start of the pool, just before wolfSSL's
 * heap descriptor (wolfSSL_CTX_load_static_memory() puts that at the start
 * of the memory it is given). Every heap hint wolfSSL passes to XMALLOC
 * points to that descriptor, so the allocator finds the record buffer from
 * the hint alone, without a global.
 */
typedef union {
    struct {
        uint8_t *buf;
        size_t size;
    } record;
    uint8_t bytes[16];
} pool_header_t;

_Static_assert(sizeof(pool_header_t) == 16u, "pool header is 16 bytes (NACME_LWIP_TLS_POOL_SIZE)");

enum {
    ST_IDLE = 0,
    ST_RESOLVING,
    ST_CONNECTING, /* TCP */
    ST_HANDSHAKE,  /* TLS */
    ST_OPEN,
    ST_CLOSED,     /* the peer closed: recv() answers NACME_ERR_IO_CLOSED */
    ST_FAILED      /* t->error sticks until close() */
};

/* TLS 1.3 record overhead: header, inner content type, AEAD tag. */
#define RECORD_OVERHEAD 22u
#define TLS_HEADER_LEN 5u

static uint32_t now(const nacme_lwip_tls_t *t)
{
    return t->now_ms != NULL ? t->now_ms() : sys_now();
}

/* ---- lwIP callbacks: queue and flag only ---- */

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    nacme_lwip_tls_t *t = arg;
    (void)pcb;
    if (t == NULL) {
        if (p != NULL) {
            pbuf_free(p);
        }
        return ERR_OK;
    }
    (void)err; /* lwIP 2.1 always passes ERR_OK */
    t->progress = true;
    if (p == NULL) {
        t->peer_fin = true;
        return ERR_OK;
    }
    if (t->rx == NULL) {
        t->rx = p;
    } else {
        pbuf_cat(t->rx, p);
    }
    return ERR_OK;
}

static err_t on_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    nacme_lwip_tls_t *t = arg;
    (void)pcb;
    (void)len;
    if (t != NULL) {
        t->progress = true;
    }
    return ERR_OK;
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    nacme_lwip_tls_t *t = arg;
    (void)pcb;
    if (t != NULL && err == ERR_OK) {
        t->tcp_connected = true;
        t->progress = true;
    }
    return ERR_OK;
}

/* The pcb is already freed when this runs. */
static void on_error(void *arg, err_t err)
{
    nacme_lwip_tls_t *t = arg;
    if (t != NULL) {
        t->pcb = NULL;
        t->tcp_err = (int8_t)(err != ERR_OK ? err : ERR_ABRT);
        t->progress = true;
    }
}

static void on_dns(const char *name, const ip_addr_t *addr, void *arg)
{
    nacme_lwip_tls_t *t = arg;
    if (t->state != ST_RESOLVING || strcmp(name, t->host) != 0) {
        return; /* an answer for a connection closed meanwhile */
    }
    t->dns_done = true;
    t->dns_found = addr != NULL;
    if (addr != NULL) {
        ip_addr_copy(t->addr, *addr);
    }
    t->progress = true;
}

/* ---- wolfSSL I/O callbacks ---- */

/* Follow the TLS record headers of the incoming stream, for the statistics. */
static void track_records(nacme_lwip_tls_t *t, const uint8_t *p, size_t n)
{
    while (n > 0u) {
        if (t->rec_left > 0u) {
            size_t k = n < t->rec_left ? n : t->rec_left;
            t->rec_left -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        t->rec_hdr[t->rec_hdr_len++] = *p++;
        n--;
        if (t->rec_hdr_len == TLS_HEADER_LEN) {
            uint32_t len = ((uint32_t)t->rec_hdr[3] << 8) | t->rec_hdr[4];
            t->stats.records_in++;
            if (len > t->stats.record_max) {
                t->stats.record_max = len;
            }
            t->rec_left = len;
            t->rec_hdr_len = 0;
        }
    }
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    nacme_lwip_tls_t *t = ctx;
    (void)ssl;
    if (t->rx == NULL) {
        if (t->tcp_err != 0 || t->pcb == NULL) {
            return WOLFSSL_CBIO_ERR_CONN_RST;
        }
        if (t->peer_fin) {
            return WOLFSSL_CBIO_ERR_CONN_CLOSE;
        }
        t->want = NACME_WANT_READ;
        return WOLFSSL_CBIO_ERR_WANT_READ;
    }
    u16_t want = t->rx->tot_len;
    if (sz >= 0 && (unsigned)sz < want) {
        want = (u16_t)sz;
    }
    u16_t n = pbuf_copy_partial(t->rx, buf, want, 0);
    t->rx = pbuf_free_header(t->rx, n);
    /* Reopen the window only for what TLS has taken. */
    if (t->pcb != NULL) {
        tcp_recved(t->pcb, n);
    }
    track_records(t, (const uint8_t *)buf, n);
    t->stats.bytes_in += n;
    return n;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    nacme_lwip_tls_t *t = ctx;
    (void)ssl;
    if (t->pcb == NULL || t->tcp_err != 0) {
        return WOLFSSL_CBIO_ERR_CONN_RST;
    }
    u16_t n = tcp_sndbuf(t->pcb);
    if (sz >= 0 && (unsigned)sz < n) {
        n = (u16_t)sz;
    }
    if (n == 0u) {
        t->want = NACME_WANT_WRITE;
        return WOLFSSL_CBIO_ERR_WANT_WRITE;
    }
    err_t err = tcp_write(t->pcb, buf, n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) {
        /* Out of segments or heap for now: push what is queued and wait for acks. */
        (void)tcp_output(t->pcb);
        t->want = NACME_WANT_WRITE;
        return WOLFSSL_CBIO_ERR_WANT_WRITE;
    }
    if (err != ERR_OK) {
        return WOLFSSL_CBIO_ERR_CONN_RST;
    }
    (void)tcp_output(t->pcb);
    t->stats.bytes_out += n;
    return n;
}

/* ---- connection ---- */

static int fail(nacme_lwip_tls_t *t, int err)
{
    t->state = ST_FAILED;
    t->error = err;
    return err;
}

/* Certificate problems the caller should see as NACME_ERR_TLS_VERIFY. */
static bool is_verify_error(int e)
{
    switch (e) {
    case ASN_NO_SIGNER_E:
    case ASN_SIG_CONFIRM_E:
    case ASN_SIG_OID_E:
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
    case VERIFY_CERT_ERROR:
    case NO_PEER_CERT:
    case ASN_SELF_SIGNED_E:
        return true;
    default:
        return false;
    }
}

static void drop_pcb(nacme_lwip_tls_t *t)
{
    if (t->pcb != NULL) {
        struct tcp_pcb *pcb = t->pcb;
        t->pcb = NULL;
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_sent(pcb, NULL);
        tcp_err(pcb, NULL);
        if (tcp_close(pcb) != ERR_OK) {
            tcp_abort(pcb);
        }
    }
    if (t->rx != NULL) {
        pbuf_free(t->rx);
        t->rx = NULL;
    }
}

static int start_tcp(nacme_lwip_tls_t *t)
{
    t->pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (t->pcb == NULL) {
        return fail(t, NACME_ERR_CONNECT);
    }
    tcp_arg(t->pcb, t);
    tcp_recv(t->pcb, on_recv);
    tcp_sent(t->pcb, on_sent);
    tcp_err(t->pcb, on_error);
    /* Whole TLS records go out at once: no waiting for acks (Nagle). */
    tcp_nagle_disable(t->pcb);
    if (tcp_connect(t->pcb, &t->addr, t->port, on_connected) != ERR_OK) {
        drop_pcb(t);
        return fail(t, NACME_ERR_CONNECT);
    }
    t->state = ST_CONNECTING;
    t->want = NACME_WANT_WRITE;
    return NACME_PENDING;
}

static int start_tls(nacme_lwip_tls_t *t)
{
    t->ssl = wolfSSL_new(t->ctx);
    if (t->ssl == NULL) {
        return fail(t, NACME_ERR_TLS);
    }
    wolfSSL_SetIOReadCtx(t->ssl, t);
    wolfSSL_SetIOWriteCtx(t->ssl, t);
    /* The certificate must name the host (an IP address matches an iPAddress SAN). */
    if (wolfSSL_check_domain_name(t->ssl, t->host) != WOLFSSL_SUCCESS) {
        return fail(t, NACME_ERR_TLS);
    }
    /* SNI carries names only, never address literals (RFC 6066 section 3). */
    if (!t->host_is_ip &&
        wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, t->host, (unsigned short)strlen(t->host)) !=
            WOLFSSL_SUCCESS) {
        return fail(t, NACME_ERR_TLS);
    }
    t->tcp_up_ms = now(t);
    t->state = ST_HANDSHAKE;
    return NACME_PENDING;
}

static int handshake(nacme_lwip_tls_t *t)
{
    int ret = wolfSSL_connect(t->ssl);
    if (ret == WOLFSSL_SUCCESS) {
        uint32_t ms = now(t);
        t->stats.handshake_ms = ms - t->tcp_up_ms;
        t->stats.connect_ms = ms - t->started_ms;
        t->state = ST_OPEN;
        t->want = 0;
        return NACME_OK;
    }
    int e = wolfSSL_get_error(t->ssl, ret);
    if (e == WOLFSSL_ERROR_WANT_READ) {
        t->want = NACME_WANT_READ;
        return NACME_PENDING;
    }
    if (e == WOLFSSL_ERROR_WANT_WRITE) {
        t->want = NACME_WANT_WRITE;
        return NACME_PENDING;
    }
    t->stats.tls_error = e;
    if (t->tcp_err != 0 || e == SOCKET_PEER_CLOSED_E || e == SOCKET_ERROR_E) {
        return fail(t, NACME_ERR_CONNECT);
    }
    return fail(t, is_verify_error(e) ? NACME_ERR_TLS_VERIFY : NACME_ERR_TLS);
}

static int tls_connect(void *ctx, const char *host, uint16_t port)
{
    nacme_lwip_tls_t *t = ctx;
    if (host == NULL || host[0] == '\0' || port == 0u) {
        return NACME_ERR_ARG;
    }
    size_t hlen = strlen(host);
    if (hlen >= sizeof(t->host)) {
        return NACME_ERR_TOO_LARGE;
    }
    if (t->state != ST_IDLE && (port != t->port || strcmp(host, t->host) != 0)) {
        return NACME_ERR_STATE; /* close() the other connection first */
    }
    switch (t->state) {
    case ST_IDLE: {
        memcpy(t->host, host, hlen + 1u);
        t->port = port;
        t->started_ms = now(t);
        t->dns_done = false;
        t->dns_found = false;
        t->tcp_connected = false;
        t->peer_fin = false;
        t->tcp_err = 0;
        t->error = 0;
        t->tx_pending = 0;
        t->rec_hdr_len = 0;
        t->rec_left = 0;
        ip_addr_t lit;
        if (ipaddr_aton(host, &lit) && IP_IS_V4(&lit)) {
            t->host_is_ip = true;
            ip_addr_copy(t->addr, lit);
            return start_tcp(t);
        }
        t->host_is_ip = false;
        t->state = ST_RESOLVING;
        err_t err = dns_gethostbyname(t->host, &t->addr, on_dns, t);
        if (err == ERR_OK) {
            return start_tcp(t);
        }
        if (err != ERR_INPROGRESS) {
            return fail(t, NACME_ERR_RESOLVE);
        }
        t->want = NACME_WANT_READ;
        return NACME_PENDING;
    }
    case ST_OPEN:
        return NACME_OK;
    case ST_CLOSED:
        return NACME_ERR_IO_CLOSED;
    case ST_FAILED:
        return t->error;
    default:
        break;
    }

    if (now(t) - t->started_ms > t->timeout_ms) {
        return fail(t, NACME_ERR_TIMEOUT);
    }
    if (t->state == ST_RESOLVING) {
        if (!t->dns_done) {
            return NACME_PENDING;
        }
        if (!t->dns_found) {
            return fail(t, NACME_ERR_RESOLVE);
        }
        return start_tcp(t);
    }
    if (t->state == ST_CONNECTING) {
        if (t->tcp_err != 0) {
            return fail(t, NACME_ERR_CONNECT);
        }
        if (!t->tcp_connected) {
            return NACME_PENDING;
        }
        int r = start_tls(t);
        if (r != NACME_PENDING) {
            return r;
        }
    }
    return handshake(t);
}

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len)
{
    nacme_lwip_tls_t *t = ctx;
    if (t->state != ST_OPEN) {
        return t->state == ST_FAILED ? t->error
               : t->state == ST_CLOSED ? NACME_ERR_IO_CLOSED : NACME_ERR_STATE;
    }
    if (buf == NULL && len > 0u) {
        return NACME_ERR_ARG;
    }
    if (len == 0u) {
        return 0;
    }
    size_t n = len < NACME_LWIP_TLS_CHUNK ? len : NACME_LWIP_TLS_CHUNK;
    if (t->tx_pending != 0u) {
        /* wolfSSL holds these bytes encrypted: they must be offered again. */
        if (len < t->tx_pending) {
            return NACME_ERR_STATE;
        }
        n = t->tx_pending;
    } else if (t->pcb != NULL && tcp_sndbuf(t->pcb) < n + RECORD_OVERHEAD) {
        /* Encrypt only what TCP can take now; wait when that is little. */
        u16_t room = tcp_sndbuf(t->pcb);
        if (room < RECORD_OVERHEAD + 256u) {
            t->want = NACME_WANT_WRITE;
            return 0;
        }
        n = room - RECORD_OVERHEAD;
    }
    int ret = wolfSSL_write(t->ssl, buf, (int)n);
    if (ret > 0) {
        t->tx_pending = 0;
        t->want = 0;
        return ret;
    }
    int e = wolfSSL_get_error(t->ssl, ret);
    if (e == WOLFSSL_ERROR_WANT_WRITE || e == WOLFSSL_ERROR_WANT_READ) {
        t->tx_pending = n;
        t->want = e == WOLFSSL_ERROR_WANT_WRITE ? NACME_WANT_WRITE : NACME_WANT_READ;
        return 0;
    }
    t->stats.tls_error = e;
    if (t->peer_fin && t->rx == NULL) {
        return fail(t, NACME_ERR_IO_CLOSED);
    }
    return fail(t, NACME_ERR_IO);
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len)
{
    nacme_lwip_tls_t *t = ctx;
    if (t->state != ST_OPEN) {
        return t->state == ST_FAILED ? t->error
               : t->state == ST_CLOSED ? NACME_ERR_IO_CLOSED : NACME_ERR_STATE;
    }
    if (buf == NULL || len == 0u) {
        return NACME_ERR_ARG;
    }
    int n = len > (size_t)INT_MAX ? INT_MAX : (int)len;
    int ret = wolfSSL_read(t->ssl, buf, n);
    if (ret > 0) {
        t->want = 0;
        return ret;
    }
    int e = wolfSSL_get_error(t->ssl, ret);
    if (e == WOLFSSL_ERROR_WANT_READ) {
        t->want = NACME_WANT_READ;
        return 0;
    }
    if (e == WOLFSSL_ERROR_WANT_WRITE) {
        t->want = NACME_WANT_WRITE;
        return 0;
    }
    /* A reset or abort (lwIP's error callback) is an error, also when wolfSSL reports it as a close. */
    if (t->tcp_err != 0) {
        t->stats.tls_error = e;
        return fail(t, NACME_ERR_IO);
    }
    /* 0: close_notify, or the peer's FIN (SOCKET_PEER_CLOSED_E). */
    if (ret == 0 || e == WOLFSSL_ERROR_ZERO_RETURN || e == SOCKET_PEER_CLOSED_E) {
        t->state = ST_CLOSED;
        return NACME_ERR_IO_CLOSED;
    }
    t->stats.tls_error = e;
    return fail(t, e == SOCKET_ERROR_E ? NACME_ERR_IO : NACME_ERR_TLS);
}

static void tls_close(void *ctx)
{
    nacme_lwip_tls_t *t = ctx;
    if (t->ssl != NULL) {
        if (t->state == ST_OPEN && t->pcb != NULL) {
            (void)wolfSSL_shutdown(t->ssl); /* one try at close_notify */
        }
        wolfSSL_free(t->ssl);
        t->ssl = NULL;
    }
    drop_pcb(t);
    t->state = ST_IDLE;
    t->want = 0;
    t->tx_pending = 0;
}

static void tls_poll_info(void *ctx, int *handle, unsigned *events)
{
    const nacme_lwip_tls_t *t = ctx;
    if (handle != NULL) {
        *handle = 0;
    }
    if (events != NULL) {
        *events = t->want;
    }
}

/* ---- wolfSSL's allocator ---- */

static pool_header_t *header_of(void *heap)
{
    WOLFSSL_HEAP_HINT *hint = heap;
    return (pool_header_t *)(void *)((uint8_t *)hint->memory - sizeof(pool_header_t));
}

void *nacme_lwip_tls_xmalloc(size_t size, void *heap, int type)
{
    if (heap == NULL) {
        return NULL;
    }
    if (type == DYNAMIC_TYPE_IN_BUFFER) {
        /*
         * Always the one record buffer, also while it holds the buffer being
         * grown: wolfSSL then grows in place. Safe because wolfSSL reads
         * exactly the bytes of one header or record body and grows only
         * when a new one starts (no unread bytes are left in front).
         */
        pool_header_t *h = header_of(heap);
        return size <= h->record.size ? h->record.buf : NULL;
    }
    return wolfSSL_Malloc(size, heap, type);
}

void nacme_lwip_tls_xfree(void *ptr, void *heap, int type)
{
    if (ptr == NULL || heap == NULL) {
        return;
    }
    if (ptr == header_of(heap)->record.buf) {
        return;
    }
    wolfSSL_Free(ptr, heap, type);
}

void *nacme_lwip_tls_xrealloc(void *ptr, size_t size, void *heap, int type)
{
    if (heap == NULL || type == DYNAMIC_TYPE_IN_BUFFER || ptr == header_of(heap)->record.buf) {
        return NULL;
    }
    return wolfSSL_Realloc(ptr, size, heap, type);
}

/* ---- setup ---- */

int nacme_lwip_tls_init(nacme_lwip_tls_t *t, const nacme_lwip_tls_config_t *cfg)
{
    if (t == NULL || cfg == NULL || cfg->pool == NULL || cfg->pool_size <= sizeof(pool_header_t) ||
        cfg->pool_size > UINT_MAX || ((uintptr_t)cfg->pool % 16u) != 0u ||
        cfg->record_buf == NULL || cfg->record_buf_size == 0u || cfg->anchors == NULL ||
        cfg->anchor_count == 0u) {
        return NACME_ERR_ARG;
    }
    memset(t, 0, sizeof(*t));
    t->now_ms = cfg->now_ms;
    t->timeout_ms = cfg->connect_timeout_ms != 0u ? cfg->connect_timeout_ms
                                                   : NACME_LWIP_CONNECT_TIMEOUT_MS;
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
        return NACME_ERR_TLS;
    }
    /* The context, and every later allocation, comes from the pool; one session at a time. */
    pool_header_t *h = (pool_header_t *)(void *)cfg->pool;
    memset(h, 0, sizeof(*h));
    h->record.buf = cfg->record_buf;
    h->record.size = cfg->record_buf_size;
    WOLFSSL_CTX *ctx = NULL;
    if (wolfSSL_CTX_load_static_memory(&ctx, wolfTLSv1_3_client_method_ex,
                                       cfg->pool + sizeof(pool_header_t),
                                       (unsigned)(cfg->pool_size - sizeof(pool_header_t)),
                                       WOLFMEM_GENERAL, 1) !=
        WOLFSSL_SUCCESS) {
        return NACME_ERR_TLS;
    }
    t->ctx = ctx;
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    for (size_t i = 0; i < cfg->anchor_count; i++) {
        const nacme_lwip_cert_t *a = &cfg->anchors[i];
        if (a->der == NULL || a->len == 0u || a->len > (size_t)LONG_MAX ||
            wolfSSL_CTX_load_verify_buffer(ctx, a->der, (long)a->len, WOLFSSL_FILETYPE_ASN1) !=
                WOLFSSL_SUCCESS) {
            nacme_lwip_tls_deinit(t);
            return NACME_ERR_TLS;
        }
    }
    return NACME_OK;
}

void nacme_lwip_tls_transport(nacme_lwip_tls_t *t, nacme_transport_t *out)
{
    out->ctx = t;
    out->connect = tls_connect;
    out->send = tls_send;
    out->recv = tls_recv;
    out->close = tls_close;
    out->poll_info = tls_poll_info;
}

bool nacme_lwip_tls_progress(nacme_lwip_tls_t *t)
{
    bool p = t->progress;
    t->progress = false;
    return p;
}

void nacme_lwip_tls_get_stats(const nacme_lwip_tls_t *t, nacme_lwip_tls_stats_t *out)
{
    *out = t->stats;
}

void nacme_lwip_tls_deinit(nacme_lwip_tls_t *t)
{
    tls_close(t);
    if (t->ctx != NULL) {
        wolfSSL_CTX_free(t->ctx);
        t->ctx = NULL;
    }
}

void *nacme_lwip_tls_heap(const nacme_lwip_tls_t *t)
{
    return t != NULL && t->ctx != NULL ? wolfSSL_CTX_GetHeap(t->ctx, NULL) : NULL;
}
