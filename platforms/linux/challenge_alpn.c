/*
 * tls-alpn-01 (RFC 8737; RFC 8738 for IP identifiers): a wolfSSL server
 * that presents the validation certificate of the name the client asks for
 * (see nacme_linux_challenge.h).
 *
 * wolfSSL must have a certificate before its handshake starts, so the
 * responder first reads the ClientHello record itself, takes the SNI and
 * the ALPN offer from it, refuses with an alert what it cannot serve, and
 * only then creates the wolfSSL session with the chosen certificate; its I/O
 * callbacks hand wolfSSL the bytes already read before the socket's.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/ssl.h>

#include "challenge_internal.h"
#include "nacme_ip.h"
#include "nacme_x509.h"

#if !defined(HAVE_SNI) || !defined(HAVE_ALPN) || defined(NO_WOLFSSL_SERVER)
#error "the tls-alpn-01 responder needs wolfSSL with HAVE_SNI, HAVE_ALPN and the server side"
#endif

enum { ST_HELLO = 1, ST_HANDSHAKE, ST_DRAIN };

#define ACME_TLS_1 NACME_LINUX_ACME_TLS_1
#define ALERT_UNRECOGNIZED_NAME 112
#define ALERT_NO_APPLICATION_PROTOCOL 120
#define ALERT_DECODE_ERROR 50
#define DRAIN_MS 1000u

static void on_conn(void *ctx, int fd, short revents);
static void tick(void *ctx, uint64_t now);

/* ---- connections ------------------------------------------------------------------ */

static nacme_linux_alpn_conn_t *conn_of(nacme_linux_alpn_t *a, int fd)
{
    for (size_t i = 0; i < NACME_LINUX_ALPN_CONNS; i++) {
        if (a->conns[i].fd == fd) return &a->conns[i];
    }
    return NULL;
}

static void conn_close(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c)
{
    if (c->ssl != NULL) wolfSSL_free(c->ssl);
    c->ssl = NULL;
    nacme_linux_loop_remove(a->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    c->state = 0;
    if (a->listen_fd >= 0) nacme_linux_loop_events(a->loop, a->listen_fd, POLLIN);
}

/* Close our side, then wait (bounded) for the client to close first. */
static void conn_finish(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c)
{
    if (c->ssl != NULL) wolfSSL_free(c->ssl);
    c->ssl = NULL;
    shutdown(c->fd, SHUT_WR);
    c->state = ST_DRAIN;
    uint64_t until = nacme_linux_now_ms() + DRAIN_MS;
    if (until < c->deadline) c->deadline = until;
    nacme_linux_loop_events(a->loop, c->fd, POLLIN);
}

/* A fatal alert in a plaintext record, as a server sends before any key exists. */
static void refuse(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c, uint8_t desc)
{
    const uint8_t alert[7] = {21, 3, 3, 0, 2, 2, desc};
    (void)send(c->fd, alert, sizeof alert, MSG_NOSIGNAL);
    conn_finish(a, c);
}

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    nacme_linux_alpn_conn_t *c = ctx;
    (void)ssl;
    if (sz <= 0) return 0;
    if (c->hello_off < c->hello_len) {
        size_t n = (size_t)(c->hello_len - c->hello_off);
        if (n > (size_t)sz) n = (size_t)sz;
        memcpy(buf, c->hello + c->hello_off, n);
        c->hello_off = (uint16_t)(c->hello_off + n);
        return (int)n;
    }
    ssize_t n = recv(c->fd, buf, (size_t)sz, 0);
    if (n > 0) return (int)n;
    if (n == 0) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_WANT_READ;
    if (errno == EINTR) return WOLFSSL_CBIO_ERR_ISR;
    return errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST : WOLFSSL_CBIO_ERR_GENERAL;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    nacme_linux_alpn_conn_t *c = ctx;
    (void)ssl;
    if (sz <= 0) return 0;
    ssize_t n = send(c->fd, buf, (size_t)sz, MSG_NOSIGNAL);
    if (n >= 0) return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_WANT_WRITE;
    if (errno == EINTR) return WOLFSSL_CBIO_ERR_ISR;
    return errno == EPIPE ? WOLFSSL_CBIO_ERR_CONN_CLOSE
           : errno == ECONNRESET ? WOLFSSL_CBIO_ERR_CONN_RST
                                 : WOLFSSL_CBIO_ERR_GENERAL;
}

static void handshake(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c)
{
    int r = wolfSSL_accept(c->ssl);
    if (r == WOLFSSL_SUCCESS) {
        char *proto = NULL;
        unsigned short plen = 0;
        bool ok = wolfSSL_ALPN_GetProtocol(c->ssl, &proto, &plen) == WOLFSSL_SUCCESS &&
                  plen == strlen(ACME_TLS_1) && memcmp(proto, ACME_TLS_1, plen) == 0;
        nacme_linux_log(&a->log, ok ? NACME_LOG_LEVEL_INFO : NACME_LOG_LEVEL_WARN,
                        ok ? "tls-alpn-01: validation handshake completed"
                           : "tls-alpn-01: handshake completed without acme-tls/1");
        (void)wolfSSL_shutdown(c->ssl); /* close_notify, once; no wait for the answer */
        conn_finish(a, c);
        return;
    }
    int err = wolfSSL_get_error(c->ssl, r);
    if (err == WOLFSSL_ERROR_WANT_READ || err == WOLFSSL_ERROR_WANT_WRITE) {
        nacme_linux_loop_events(a->loop, c->fd, err == WOLFSSL_ERROR_WANT_READ ? POLLIN : POLLOUT);
        return;
    }
    char text[80];
    wolfSSL_ERR_error_string_n((unsigned long)err, text, sizeof text);
    nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: handshake failed: %s (%d)", text, err);
    conn_close(a, c);
}

/* The SNI as a checked, NUL-terminated name into name; false when absent or not a name. */
static bool sni_text(const nacme_linux_tls_hello_t *h, char name[NACME_LINUX_DNS_NAME_MAX + 1])
{
    if (h->sni == NULL || h->sni_len == 0 || h->sni_len > NACME_LINUX_DNS_NAME_MAX) return false;
    memcpy(name, h->sni, h->sni_len);
    name[h->sni_len] = '\0';
    return nacme_linux_name_ok(name); /* also refuses a NUL inside */
}

static const nacme_linux_alpn_entry_t *lookup(const nacme_linux_alpn_t *a, const char *name)
{
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) {
        if (a->entries[i].used && nacme_linux_name_eq(a->entries[i].name, name, strlen(name))) return &a->entries[i];
    }
    return NULL;
}

/* The whole first record is in: choose the certificate or refuse. */
static void choose(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c, size_t rec_len)
{
    nacme_linux_tls_hello_t h;
    if (!nacme_linux_tls_hello(c->hello, rec_len, &h)) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: malformed or fragmented ClientHello refused");
        refuse(a, c, ALERT_DECODE_ERROR);
        return;
    }
    if (!h.acme) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: handshake without ALPN acme-tls/1 refused");
        refuse(a, c, ALERT_NO_APPLICATION_PROTOCOL);
        return;
    }
    char name[NACME_LINUX_DNS_NAME_MAX + 1];
    bool named = sni_text(&h, name);
    const nacme_linux_alpn_entry_t *e = named ? lookup(a, name) : NULL;
    if (e == NULL) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: SNI %s is not published, refused",
                        named ? name : h.sni ? "(not a name)" : "(none)");
        refuse(a, c, ALERT_UNRECOGNIZED_NAME);
        return;
    }
    WOLFSSL *ssl = wolfSSL_new(e->ctx);
    char proto[] = ACME_TLS_1;
    if (ssl == NULL || wolfSSL_UseALPN(ssl, proto, (unsigned)strlen(proto), WOLFSSL_ALPN_FAILED_ON_MISMATCH) !=
                           WOLFSSL_SUCCESS) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: no wolfSSL session for %s", e->name);
        if (ssl != NULL) wolfSSL_free(ssl);
        conn_close(a, c);
        return;
    }
    wolfSSL_SetIOReadCtx(ssl, c);
    wolfSSL_SetIOWriteCtx(ssl, c);
    c->ssl = ssl;
    c->hello_off = 0;
    c->state = ST_HANDSHAKE;
    handshake(a, c);
}

static void read_hello(nacme_linux_alpn_t *a, nacme_linux_alpn_conn_t *c)
{
    ssize_t n = recv(c->fd, c->hello + c->hello_len, sizeof c->hello - c->hello_len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        conn_close(a, c);
        return;
    }
    c->hello_len = (uint16_t)(c->hello_len + (size_t)n);
    if (c->hello_len < 5) return;
    size_t rec_len = 5u + (((size_t)c->hello[3] << 8) | c->hello[4]);
    if (c->hello[0] != 22 || c->hello[1] != 3 || rec_len > sizeof c->hello) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: not a TLS handshake or ClientHello too large");
        conn_close(a, c);
        return;
    }
    if (c->hello_len >= rec_len) choose(a, c, rec_len);
}

static void on_conn(void *ctx, int fd, short revents)
{
    nacme_linux_alpn_t *a = ctx;
    (void)revents;
    nacme_linux_alpn_conn_t *c = conn_of(a, fd);
    if (c == NULL) return;
    if (c->state == ST_HELLO) {
        read_hello(a, c);
    } else if (c->state == ST_HANDSHAKE) {
        handshake(a, c);
    } else {
        char scratch[512];
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) conn_close(a, c);
    }
}

static void on_listen(void *ctx, int fd, short revents)
{
    nacme_linux_alpn_t *a = ctx;
    (void)revents;
    if (fd != a->listen_fd) return;
    for (size_t i = 0; i < NACME_LINUX_ALPN_CONNS; i++) {
        nacme_linux_alpn_conn_t *c = &a->conns[i];
        if (c->fd >= 0) continue;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return;
        if (nacme_linux_loop_add(a->loop, cfd, POLLIN, on_conn, a) != NACME_OK) {
            nacme_linux_log(&a->log, NACME_LOG_LEVEL_WARN, "tls-alpn-01: event loop full, connection dropped");
            close(cfd);
            return;
        }
        c->fd = cfd;
        c->state = ST_HELLO;
        c->hello_len = 0;
        c->hello_off = 0;
        c->ssl = NULL;
        c->deadline = nacme_linux_now_ms() + a->timeout_ms;
    }
    nacme_linux_loop_events(a->loop, fd, 0); /* all slots busy: the backlog waits */
}

static void tick(void *ctx, uint64_t now)
{
    nacme_linux_alpn_t *a = ctx;
    for (size_t i = 0; i < NACME_LINUX_ALPN_CONNS; i++) {
        nacme_linux_alpn_conn_t *c = &a->conns[i];
        if (c->fd >= 0 && now >= c->deadline) {
            if (c->state != ST_DRAIN) nacme_linux_log(&a->log, NACME_LOG_LEVEL_DEBUG, "tls-alpn-01: connection timed out");
            conn_close(a, c);
        }
    }
}

/* ---- listener ----------------------------------------------------------------------- */

static void stop(nacme_linux_alpn_t *a)
{
    for (size_t i = 0; i < NACME_LINUX_ALPN_CONNS; i++) {
        if (a->conns[i].fd >= 0) conn_close(a, &a->conns[i]);
    }
    if (a->listen_fd >= 0) {
        nacme_linux_loop_remove(a->loop, a->listen_fd);
        close(a->listen_fd);
        a->listen_fd = -1;
    }
    if (a->ticking) nacme_linux_loop_untick(a->loop, tick, a);
    a->ticking = false;
}

static int start(nacme_linux_alpn_t *a)
{
    int fd = nacme_linux_listen(&a->addr, &a->log, "tls-alpn-01");
    if (fd < 0) return fd;
    a->listen_fd = fd;
    if (nacme_linux_loop_add(a->loop, fd, POLLIN, on_listen, a) != NACME_OK ||
        nacme_linux_loop_tick(a->loop, tick, a) != NACME_OK) {
        stop(a);
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: the event loop has no room for the responder");
        return NACME_ERR_CHALLENGE;
    }
    a->ticking = true;
    nacme_linux_log(&a->log, NACME_LOG_LEVEL_INFO, "tls-alpn-01: listening on %s%s%s port %u",
                    a->addr.len == 16 ? "[" : "", a->addr.text, a->addr.len == 16 ? "]" : "", (unsigned)a->addr.port);
    return NACME_OK;
}

/* ---- publishing ------------------------------------------------------------------------ */

/*
 * A wolfSSL server context holding one name's certificate and key. One per
 * name, because wolfSSL creates a server session only from a context that
 * has a certificate already; sessions hold a reference, so removing a name
 * during a handshake is safe.
 */
static int entry_ctx(nacme_linux_alpn_t *a, const nacme_challenge_t *ch, const uint8_t *key, size_t key_len,
                     void **out)
{
    const char *what = NULL;
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: wolfSSL does not start");
        return NACME_ERR_CHALLENGE;
    }
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_server_method());
    if (ctx == NULL || wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS) {
        what = "a server context";
    } else if (wolfSSL_CTX_use_certificate_buffer(ctx, ch->alpn_cert_der, (long)ch->alpn_cert_len,
                                                  WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
        what = "the certificate";
    } else if (wolfSSL_CTX_use_PrivateKey_buffer(ctx, key, (long)key_len, WOLFSSL_FILETYPE_ASN1) != WOLFSSL_SUCCESS) {
        what = "the key";
    }
    if (what != NULL) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: wolfSSL refused %s of %s", what,
                        ch->identifier);
        if (ctx != NULL) wolfSSL_CTX_free(ctx);
        wolfSSL_Cleanup();
        return NACME_ERR_CHALLENGE;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    *out = ctx;
    return NACME_OK;
}

static void entry_clear(nacme_linux_alpn_entry_t *e)
{
    if (e->ctx != NULL) {
        wolfSSL_CTX_free(e->ctx); /* wipes the key it holds */
        wolfSSL_Cleanup();
    }
    memset(e, 0, sizeof *e);
}

/* The SNI a validation of ch arrives with, lower case, into name. */
static bool sni_name(const nacme_challenge_t *ch, char name[NACME_LINUX_DNS_NAME_MAX + 1])
{
    if (ch->identifier == NULL || ch->wildcard) return false;
    if (ch->id_type == NACME_ID_IP) {
        uint8_t ip[16];
        size_t len = 0;
        return nacme_ip_parse(ch->identifier, strlen(ch->identifier), ip, &len) == NACME_OK &&
               nacme_ip_reverse_name(ip, len, name, NACME_LINUX_DNS_NAME_MAX + 1) == NACME_OK;
    }
    if (ch->id_type != NACME_ID_DNS || !nacme_linux_name_ok(ch->identifier)) return false;
    size_t n = strlen(ch->identifier);
    for (size_t i = 0; i <= n; i++) {
        char x = ch->identifier[i];
        name[i] = (x >= 'A' && x <= 'Z') ? (char)(x - 'A' + 'a') : x;
    }
    return true;
}

static nacme_linux_alpn_entry_t *entry_of(nacme_linux_alpn_t *a, const char *name)
{
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) {
        if (a->entries[i].used && strcmp(a->entries[i].name, name) == 0) return &a->entries[i];
    }
    return NULL;
}

int nacme_linux_alpn_init(nacme_linux_alpn_t *a, const nacme_linux_challenge_cfg_t *cfg)
{
    if (a == NULL || cfg == NULL) return NACME_ERR_ARG;
    memset(a, 0, sizeof *a);
    a->listen_fd = -1;
    for (size_t i = 0; i < NACME_LINUX_ALPN_CONNS; i++) a->conns[i].fd = -1;
    a->log = cfg->log;
    if (cfg->loop == NULL || cfg->crypto == NULL || cfg->crypto->key_export == NULL || cfg->crypto->key_public == NULL)
        return NACME_ERR_ARG;
    if (nacme_linux_addr_set(&a->addr, cfg->alpn_addr, cfg->alpn_port, NACME_LINUX_ALPN_PORT) != NACME_OK) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: %s is not an IPv4 or IPv6 address", cfg->alpn_addr);
        return NACME_ERR_ARG;
    }
    a->loop = cfg->loop;
    a->crypto = *cfg->crypto;
    a->timeout_ms = cfg->alpn_timeout_ms ? cfg->alpn_timeout_ms : NACME_LINUX_CONN_TIMEOUT_MS;
    return NACME_OK;
}

int nacme_linux_alpn_publish(nacme_linux_alpn_t *a, const nacme_challenge_t *ch)
{
    if (a == NULL || ch == NULL || a->loop == NULL) return NACME_ERR_ARG;
    char name[NACME_LINUX_DNS_NAME_MAX + 1];
    if (!sni_name(ch, name)) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: identifier unusable");
        return NACME_ERR_CHALLENGE;
    }
    if (ch->alpn_cert_der == NULL || ch->alpn_cert_len == 0 || ch->alpn_cert_len > NACME_LINUX_ALPN_CERT_MAX) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: certificate of %zu bytes unusable (at most %u)",
                        ch->alpn_cert_len, (unsigned)NACME_LINUX_ALPN_CERT_MAX);
        return NACME_ERR_CHALLENGE;
    }
    nacme_linux_alpn_entry_t *e = entry_of(a, name);
    for (size_t i = 0; e == NULL && i < NACME_LINUX_CH_MAX; i++) {
        if (!a->entries[i].used) e = &a->entries[i];
    }
    if (e == NULL) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: more than %u names at once", (unsigned)NACME_LINUX_CH_MAX);
        return NACME_ERR_CHALLENGE;
    }
    /* the certificate must carry the key's public point (wolfSSL would only
     * find out during a handshake, and this wolfSSL cannot check it: it
     * refuses to parse a certificate with the critical acmeIdentifier) */
    nacme_x509_t x;
    uint8_t cert_xy[64];
    uint8_t key_xy[64];
    if (nacme_x509_parse(ch->alpn_cert_der, ch->alpn_cert_len, &x) != NACME_OK ||
        nacme_x509_ec_point(&x, cert_xy) != NACME_OK) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: the certificate of %s is not a P-256 certificate",
                        name);
        return NACME_ERR_CHALLENGE;
    }
    int rc = a->crypto.key_public(a->crypto.ctx, ch->alpn_key, key_xy);
    if (rc == NACME_OK && memcmp(cert_xy, key_xy, sizeof key_xy) != 0) rc = NACME_ERR_KEY;
    if (rc != NACME_OK) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: the key is not the certificate's key (%s)",
                        nacme_strerror(rc));
        return rc == NACME_PENDING ? rc : NACME_ERR_CHALLENGE;
    }
    uint8_t key[NACME_LINUX_ALPN_KEY_MAX];
    size_t key_len = 0;
    rc = a->crypto.key_export(a->crypto.ctx, ch->alpn_key, NACME_KEY_SEC1_DER, key, sizeof key, &key_len);
    if (rc == NACME_PENDING) return rc;
    void *ctx = NULL;
    if (rc != NACME_OK || key_len == 0 || key_len > sizeof key) {
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_ERROR, "tls-alpn-01: cannot export the certificate key: %s",
                        nacme_strerror(rc != NACME_OK ? rc : NACME_ERR_KEY));
        rc = NACME_ERR_CHALLENGE;
    } else {
        rc = entry_ctx(a, ch, key, key_len, &ctx);
    }
    memset(key, 0, sizeof key);
    if (rc == NACME_OK && a->listen_fd < 0) rc = start(a);
    if (rc != NACME_OK) {
        if (ctx != NULL) {
            wolfSSL_CTX_free(ctx);
            wolfSSL_Cleanup();
        }
        return rc;
    }
    entry_clear(e);
    e->used = true;
    e->ctx = ctx;
    memcpy(e->name, name, strlen(name) + 1);
    return NACME_OK;
}

int nacme_linux_alpn_unpublish(nacme_linux_alpn_t *a, const nacme_challenge_t *ch)
{
    if (a == NULL || ch == NULL) return NACME_ERR_ARG;
    char name[NACME_LINUX_DNS_NAME_MAX + 1];
    if (!sni_name(ch, name)) return NACME_ERR_CHALLENGE;
    nacme_linux_alpn_entry_t *e = entry_of(a, name);
    bool others = false;
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) others = others || (a->entries[i].used && &a->entries[i] != e);
    /* the last name: sessions go first, so wolfSSL's last cleanup finds none alive */
    if (!others && a->listen_fd >= 0) {
        stop(a);
        nacme_linux_log(&a->log, NACME_LOG_LEVEL_INFO, "tls-alpn-01: nothing published, responder stopped");
    }
    if (e != NULL) entry_clear(e);
    return NACME_OK;
}

void nacme_linux_alpn_free(nacme_linux_alpn_t *a)
{
    if (a == NULL || a->loop == NULL) return;
    stop(a);
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) entry_clear(&a->entries[i]);
}
