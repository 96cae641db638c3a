/*
 * The transport port on Linux: a non-blocking TCP connection (IPv4 or IPv6,
 * each resolved address in turn) carrying a wolfSSL TLS 1.2/1.3 client
 * whose peer is verified against the configured CAs and the host name or
 * IP address (contract in nacme_linux.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/error-crypt.h>
#include <wolfssl/error-ssl.h>

#include "nacme_linux.h"
#include "nacme_x509.h"

enum { ST_IDLE = 0, ST_TCP, ST_TLS, ST_READY, ST_CLOSED };

/* Addresses tried per connect (a getaddrinfo answer is rarely longer). */
#define MAX_ADDRS 16u

static void logf_tls(const nacme_linux_tls_t *t, nacme_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void logf_tls(const nacme_linux_tls_t *t, nacme_log_level_t level, const char *fmt, ...)
{
    if (t->log.write == NULL) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n >= 0) t->log.write(t->log.ctx, level, line);
}

/* ---- socket I/O for wolfSSL ------------------------------------------------ */

static int io_recv(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    nacme_linux_tls_t *t = ctx;
    for (unsigned intr = 0; intr < 100u; intr++) {
        ssize_t n = recv(t->fd, buf, (size_t)sz, 0);
        if (n > 0) {
            t->wire_received += (uint64_t)n;
            return (int)n;
        }
        if (n == 0) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_WANT_READ;
        if (errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_RST;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    return WOLFSSL_CBIO_ERR_WANT_READ;
}

static int io_send(WOLFSSL *ssl, char *buf, int sz, void *ctx)
{
    (void)ssl;
    nacme_linux_tls_t *t = ctx;
    for (unsigned intr = 0; intr < 100u; intr++) {
        /* MSG_NOSIGNAL: a peer that went away is an error, not a SIGPIPE */
        ssize_t n = send(t->fd, buf, (size_t)sz, MSG_NOSIGNAL);
        if (n >= 0) {
            t->wire_sent += (uint64_t)n;
            return (int)n;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return WOLFSSL_CBIO_ERR_WANT_WRITE;
        if (errno == ECONNRESET) return WOLFSSL_CBIO_ERR_CONN_RST;
        if (errno == EPIPE) return WOLFSSL_CBIO_ERR_CONN_CLOSE;
        return WOLFSSL_CBIO_ERR_GENERAL;
    }
    return WOLFSSL_CBIO_ERR_WANT_WRITE;
}

/* ---- setup ------------------------------------------------------------------- */

int nacme_linux_tls_init(nacme_linux_tls_t *t, const char *ca_file)
{
    if (t == NULL) return NACME_ERR_ARG;
    memset(t, 0, sizeof *t);
    t->fd = -1;
    const char *path = ca_file != NULL ? ca_file : NACME_LINUX_SYSTEM_CA;
    if (access(path, R_OK) != 0) return NACME_ERR_NOT_FOUND;
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) return NACME_ERR_TLS;
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(wolfSSLv23_client_method());
    if (ctx == NULL) {
        wolfSSL_Cleanup();
        return NACME_ERR_TLS;
    }
    if (wolfSSL_CTX_SetMinVersion(ctx, WOLFSSL_TLSV1_2) != WOLFSSL_SUCCESS ||
        wolfSSL_CTX_load_verify_locations(ctx, path, NULL) != WOLFSSL_SUCCESS) {
        wolfSSL_CTX_free(ctx);
        wolfSSL_Cleanup();
        return NACME_ERR_TLS;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    wolfSSL_CTX_SetIORecv(ctx, io_recv);
    wolfSSL_CTX_SetIOSend(ctx, io_send);
    t->ctx = ctx;
    return NACME_OK;
}

/* Drop the connection (or the attempt) and go idle. */
static void drop(nacme_linux_tls_t *t)
{
    if (t->ssl != NULL) {
        if (t->stage == ST_READY || t->stage == ST_CLOSED) (void)wolfSSL_shutdown(t->ssl);
        wolfSSL_free(t->ssl);
        t->ssl = NULL;
    }
    if (t->fd >= 0) (void)close(t->fd);
    t->fd = -1;
    if (t->addrs != NULL) freeaddrinfo(t->addrs);
    t->addrs = NULL;
    t->next = NULL;
    t->stage = ST_IDLE;
    t->want = 0;
    t->closed_err = 0;
}

void nacme_linux_tls_free(nacme_linux_tls_t *t)
{
    if (t == NULL) return;
    drop(t);
    if (t->ctx != NULL) {
        wolfSSL_CTX_free(t->ctx);
        t->ctx = NULL;
        wolfSSL_Cleanup();
    }
}

static int fail(nacme_linux_tls_t *t, int rc)
{
    drop(t);
    return rc;
}

/* ---- connect -------------------------------------------------------------------- */

static int resolve(nacme_linux_tls_t *t, const char *host, uint16_t port)
{
    size_t n = strlen(host);
    if (n == 0 || n > NACME_LINUX_HOST_MAX || port == 0) return NACME_ERR_ARG;
    memcpy(t->host, host, n + 1u);
    t->port = port;
    t->ip_literal = false;
    t->ip_len = 0;
    if (inet_pton(AF_INET, host, t->ip) == 1) {
        t->ip_literal = true;
        t->ip_len = 4;
    } else if (inet_pton(AF_INET6, host, t->ip) == 1) {
        t->ip_literal = true;
        t->ip_len = 16;
    }
    char service[8];
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | (t->ip_literal ? AI_NUMERICHOST : AI_ADDRCONFIG);
    int rc = getaddrinfo(host, service, &hints, &t->addrs); /* blocks for names (see nacme_linux.h) */
    if (rc != 0 || t->addrs == NULL) {
        t->addrs = NULL;
        logf_tls(t, NACME_LOG_LEVEL_WARN, "cannot resolve %s: %s", host, gai_strerror(rc));
        return NACME_ERR_RESOLVE;
    }
    t->next = t->addrs;
    t->stage = ST_TCP;
    return NACME_OK;
}

static void describe(const struct addrinfo *ai, char *out, size_t cap)
{
    const void *a = ai->ai_family == AF_INET6 ? (const void *)&((const struct sockaddr_in6 *)ai->ai_addr)->sin6_addr
                                               : (const void *)&((const struct sockaddr_in *)ai->ai_addr)->sin_addr;
    if (inet_ntop(ai->ai_family, a, out, (socklen_t)cap) == NULL) (void)snprintf(out, cap, "?");
}

/*
 * Advance the TCP connection: NACME_OK when connected, NACME_PENDING while
 * the current address is in progress, NACME_ERR_CONNECT when none is left.
 */
static int tcp_step(nacme_linux_tls_t *t)
{
    for (unsigned i = 0; i < MAX_ADDRS; i++) {
        if (t->fd >= 0) { /* an attempt in progress: done yet? */
            struct pollfd p = {.fd = t->fd, .events = POLLOUT};
            int r = poll(&p, 1, 0);
            if (r < 0 && errno != EINTR) return NACME_ERR_CONNECT;
            if (r <= 0) {
                t->want = NACME_WANT_WRITE;
                return NACME_PENDING;
            }
            int err = 0;
            socklen_t len = sizeof err;
            if (getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
            if (err == 0) return NACME_OK;
            char addr[INET6_ADDRSTRLEN];
            describe(t->next, addr, sizeof addr);
            logf_tls(t, NACME_LOG_LEVEL_DEBUG, "connect to %s port %u: %s", addr, (unsigned)t->port, strerror(err));
            (void)close(t->fd);
            t->fd = -1;
            t->next = t->next->ai_next;
            continue;
        }
        if (t->next == NULL) {
            logf_tls(t, NACME_LOG_LEVEL_WARN, "cannot connect to %s port %u", t->host, (unsigned)t->port);
            return NACME_ERR_CONNECT;
        }
        const struct addrinfo *ai = t->next;
        t->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
        if (t->fd < 0) { /* e.g. no IPv6 on this host */
            t->next = ai->ai_next;
            continue;
        }
        int one = 1;
        (void)setsockopt(t->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one); /* small requests */
        if (connect(t->fd, ai->ai_addr, ai->ai_addrlen) == 0) return NACME_OK;
        if (errno == EINPROGRESS || errno == EINTR) {
            t->want = NACME_WANT_WRITE;
            return NACME_PENDING;
        }
        char addr[INET6_ADDRSTRLEN];
        describe(ai, addr, sizeof addr);
        logf_tls(t, NACME_LOG_LEVEL_DEBUG, "connect to %s port %u: %s", addr, (unsigned)t->port, strerror(errno));
        (void)close(t->fd);
        t->fd = -1;
        t->next = ai->ai_next;
    }
    return NACME_ERR_CONNECT;
}

static int tls_setup(nacme_linux_tls_t *t)
{
    t->ssl = wolfSSL_new(t->ctx);
    if (t->ssl == NULL) return NACME_ERR_TLS;
    wolfSSL_SetIOReadCtx(t->ssl, t);
    wolfSSL_SetIOWriteCtx(t->ssl, t);
    if (!t->ip_literal) {
        /* SNI, and wolfSSL checks the name against the certificate's SANs (or CN) */
        if (wolfSSL_UseSNI(t->ssl, WOLFSSL_SNI_HOST_NAME, t->host, (unsigned short)strlen(t->host)) !=
                WOLFSSL_SUCCESS ||
            wolfSSL_check_domain_name(t->ssl, t->host) != WOLFSSL_SUCCESS) {
            return NACME_ERR_TLS;
        }
    }
    t->stage = ST_TLS;
    return NACME_OK;
}

/* wolfSSL errors that mean "the server's certificate is not acceptable". */
static bool verify_error(int err)
{
    switch (err) {
    case ASN_NO_SIGNER_E:
    case ASN_SELF_SIGNED_E:
    case ASN_AFTER_DATE_E:
    case ASN_BEFORE_DATE_E:
    case ASN_SIG_CONFIRM_E:
    case ASN_SIG_OID_E:
    case ASN_SIG_HASH_E:
    case ASN_SIG_KEY_E:
    case ASN_PATHLEN_INV_E:
    case ASN_PATHLEN_SIZE_E:
    case ASN_NAME_INVALID_E:
    case ASN_CRIT_EXT_E:
    case EXTKEYUSAGE_E:
    case DOMAIN_NAME_MISMATCH:
    case IPADDR_MISMATCH:
    case VERIFY_CERT_ERROR:
    case NO_PEER_CERT:
    case MAX_CHAIN_ERROR:
    case CRL_CERT_REVOKED:
    case OCSP_CERT_REVOKED:
        return true;
    default:
        return false;
    }
}

/* For an IP literal: the leaf must carry an iPAddress SAN equal to it (RFC 6125, RFC 8738). */
static int check_ip_san(nacme_linux_tls_t *t)
{
    WOLFSSL_X509 *x = wolfSSL_get_peer_certificate(t->ssl);
    if (x == NULL) return NACME_ERR_TLS_VERIFY;
    int der_len = 0;
    const unsigned char *der = wolfSSL_X509_get_der(x, &der_len);
    int rc = NACME_ERR_TLS_VERIFY;
    nacme_x509_t cert;
    if (der != NULL && der_len > 0 && nacme_x509_parse(der, (size_t)der_len, &cert) == NACME_OK) {
        size_t pos = 0;
        nacme_x509_name_t name;
        /* bounded: every name advances pos through a SAN of finite length */
        for (unsigned i = 0; i < 1024u && nacme_x509_san_next(&cert, &pos, &name) == NACME_OK; i++) {
            if (name.type == NACME_X509_IP && name.len == t->ip_len && memcmp(name.value, t->ip, t->ip_len) == 0) {
                rc = NACME_OK;
                break;
            }
        }
    }
    wolfSSL_X509_free(x);
    if (rc != NACME_OK) logf_tls(t, NACME_LOG_LEVEL_WARN, "the certificate of %s does not name that address", t->host);
    return rc;
}

static int handshake_step(nacme_linux_tls_t *t)
{
    int ret = wolfSSL_connect(t->ssl);
    if (ret == WOLFSSL_SUCCESS) {
        if (t->ip_literal) {
            int rc = check_ip_san(t);
            if (rc != NACME_OK) return rc;
        }
        t->stage = ST_READY;
        t->want = 0;
        t->connections++;
        return NACME_OK;
    }
    int err = wolfSSL_get_error(t->ssl, ret);
    if (err == WOLFSSL_ERROR_WANT_READ) {
        t->want = NACME_WANT_READ;
        return NACME_PENDING;
    }
    if (err == WOLFSSL_ERROR_WANT_WRITE) {
        t->want = NACME_WANT_WRITE;
        return NACME_PENDING;
    }
    char text[WOLFSSL_MAX_ERROR_SZ];
    wolfSSL_ERR_error_string_n((unsigned long)err, text, sizeof text);
    logf_tls(t, NACME_LOG_LEVEL_WARN, "TLS handshake with %s failed: %s (%d)", t->host, text, err);
    return verify_error(err) ? NACME_ERR_TLS_VERIFY : NACME_ERR_TLS;
}

static int tr_connect(void *ctx, const char *host, uint16_t port)
{
    nacme_linux_tls_t *t = ctx;
    if (host == NULL) return NACME_ERR_ARG;
    if (t->ctx == NULL) return NACME_ERR_STATE;
    bool same = t->port == port && strcmp(t->host, host) == 0;
    if (t->stage == ST_READY && same) return NACME_OK;
    if (t->stage != ST_IDLE && !(same && (t->stage == ST_TCP || t->stage == ST_TLS))) drop(t);
    int rc;
    if (t->stage == ST_IDLE && (rc = resolve(t, host, port)) != NACME_OK) return fail(t, rc);
    if (t->stage == ST_TCP) {
        rc = tcp_step(t);
        if (rc == NACME_PENDING) return rc;
        if (rc != NACME_OK) return fail(t, rc);
        freeaddrinfo(t->addrs);
        t->addrs = NULL;
        t->next = NULL;
        if ((rc = tls_setup(t)) != NACME_OK) return fail(t, rc);
    }
    rc = handshake_step(t);
    if (rc == NACME_PENDING || rc == NACME_OK) return rc;
    return fail(t, rc);
}

/* ---- data ------------------------------------------------------------------------ */

/* Map a failed wolfSSL_read/write: 0 (try later) or a sticky error. */
static int32_t io_result(nacme_linux_tls_t *t, int ret)
{
    int err = wolfSSL_get_error(t->ssl, ret);
    if (err == WOLFSSL_ERROR_WANT_READ) {
        t->want = NACME_WANT_READ;
        return 0;
    }
    if (err == WOLFSSL_ERROR_WANT_WRITE) {
        t->want = NACME_WANT_WRITE;
        return 0;
    }
    int rc;
    if (err == WOLFSSL_ERROR_ZERO_RETURN || err == SOCKET_PEER_CLOSED_E) {
        rc = NACME_ERR_IO_CLOSED; /* close_notify, or TCP FIN (HTTP framing catches truncation) */
    } else if (err == SOCKET_ERROR_E) {
        rc = NACME_ERR_IO;
    } else {
        char text[WOLFSSL_MAX_ERROR_SZ];
        wolfSSL_ERR_error_string_n((unsigned long)err, text, sizeof text);
        logf_tls(t, NACME_LOG_LEVEL_WARN, "TLS connection to %s failed: %s (%d)", t->host, text, err);
        rc = NACME_ERR_TLS;
    }
    t->stage = ST_CLOSED;
    t->closed_err = rc;
    t->want = 0;
    return rc;
}

static int32_t tr_send(void *ctx, const uint8_t *buf, size_t len)
{
    nacme_linux_tls_t *t = ctx;
    if (t->stage == ST_CLOSED) return t->closed_err;
    if (t->stage != ST_READY) return NACME_ERR_STATE;
    if (buf == NULL || len == 0) return NACME_ERR_ARG;
    int n = len > 16384u ? 16384 : (int)len; /* one record at a time */
    int ret = wolfSSL_write(t->ssl, buf, n);
    if (ret > 0) return ret;
    return io_result(t, ret);
}

static int32_t tr_recv(void *ctx, uint8_t *buf, size_t len)
{
    nacme_linux_tls_t *t = ctx;
    if (t->stage == ST_CLOSED) return t->closed_err;
    if (t->stage != ST_READY) return NACME_ERR_STATE;
    if (buf == NULL || len == 0) return NACME_ERR_ARG;
    int n = len > 65536u ? 65536 : (int)len;
    int ret = wolfSSL_read(t->ssl, buf, n);
    if (ret > 0) return ret;
    return io_result(t, ret);
}

static void tr_close(void *ctx)
{
    drop(ctx);
}

static void tr_poll_info(void *ctx, int *handle, unsigned *events)
{
    const nacme_linux_tls_t *t = ctx;
    if (handle != NULL) *handle = t->fd;
    if (events != NULL) *events = t->want != 0 ? t->want : NACME_WANT_READ;
}

void nacme_linux_tls_port(nacme_linux_tls_t *t, nacme_transport_t *out)
{
    if (t == NULL || out == NULL) return;
    *out = (nacme_transport_t){
        .ctx = t,
        .connect = tr_connect,
        .send = tr_send,
        .recv = tr_recv,
        .close = tr_close,
        .poll_info = tr_poll_info,
    };
}
