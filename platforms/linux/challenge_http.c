/*
 * http-01: a small HTTP/1.1 server answering the CA's validation requests
 * (see nacme_linux_challenge.h). One request per connection, every
 * connection bounded in size and time, all from the poll loop.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "challenge_internal.h"

enum { ST_READ = 1, ST_WRITE, ST_DRAIN };

/* After the response: wait this long at most for the client to close first. */
#define DRAIN_MS 1000u

static void on_conn(void *ctx, int fd, short revents);

static void tick(void *ctx, uint64_t now);

static nacme_linux_http_conn_t *conn_of(nacme_linux_http_t *h, int fd)
{
    for (size_t i = 0; i < NACME_LINUX_HTTP_CONNS; i++) {
        if (h->conns[i].fd == fd) return &h->conns[i];
    }
    return NULL;
}

static void conn_close(nacme_linux_http_t *h, nacme_linux_http_conn_t *c)
{
    nacme_linux_loop_remove(h->loop, c->fd);
    close(c->fd);
    c->fd = -1;
    c->state = 0;
    /* a slot is free: accept again if the listener was paused */
    if (h->listen_fd >= 0) nacme_linux_loop_events(h->loop, h->listen_fd, POLLIN);
}

static void on_listen(void *ctx, int fd, short revents)
{
    nacme_linux_http_t *h = ctx;
    (void)revents;
    if (fd != h->listen_fd) return;
    for (size_t i = 0; i < NACME_LINUX_HTTP_CONNS; i++) {
        nacme_linux_http_conn_t *c = &h->conns[i];
        if (c->fd >= 0) continue;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) return; /* EAGAIN: nothing more waits; other errors: the client gave up */
        if (nacme_linux_loop_add(h->loop, cfd, POLLIN, on_conn, h) != NACME_OK) {
            nacme_linux_log(&h->log, NACME_LOG_LEVEL_WARN, "http-01: event loop full, connection dropped");
            close(cfd);
            return;
        }
        memset(c, 0, sizeof *c);
        c->fd = cfd;
        c->state = ST_READ;
        c->deadline = nacme_linux_now_ms() + h->timeout_ms;
    }
    /* every slot busy: leave further connections in the backlog until one frees */
    nacme_linux_loop_events(h->loop, fd, 0);
}

static const nacme_linux_http_token_t *lookup(const nacme_linux_http_t *h, const char *token, size_t len)
{
    for (size_t k = 0; k < NACME_LINUX_CH_MAX; k++) {
        const nacme_linux_http_token_t *e = &h->tokens[k];
        if (e->used && strlen(e->token) == len && memcmp(e->token, token, len) == 0) return e;
    }
    return NULL;
}

static void conn_write(nacme_linux_http_t *h, nacme_linux_http_conn_t *c)
{
    while (c->off < c->len) {
        ssize_t n = send(c->fd, c->buf + c->off, (size_t)(c->len - c->off), MSG_NOSIGNAL);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            nacme_linux_loop_events(h->loop, c->fd, POLLOUT);
            return;
        }
        if (n <= 0) {
            conn_close(h, c);
            return;
        }
        c->off = (uint16_t)(c->off + (size_t)n);
    }
    /* all sent: close our side, then let the client close first so unread
     * request bytes do not turn our close into a reset that loses the answer */
    shutdown(c->fd, SHUT_WR);
    c->state = ST_DRAIN;
    uint64_t until = nacme_linux_now_ms() + DRAIN_MS;
    if (until < c->deadline) c->deadline = until;
    nacme_linux_loop_events(h->loop, c->fd, POLLIN);
}

static void respond(nacme_linux_http_t *h, nacme_linux_http_conn_t *c, int status, const nacme_linux_http_token_t *hit,
                    bool head)
{
    char out[512];
    int n;
    if (status == 200) {
        size_t body = strlen(hit->key_auth);
        n = snprintf(out, sizeof out,
                     "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %zu\r\n"
                     "Cache-Control: no-store\r\nConnection: close\r\n\r\n%s",
                     body, head ? "" : hit->key_auth);
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_INFO, "http-01: served token %s", hit->token);
    } else {
        const char *reason = status == 400 ? "Bad Request"
                             : status == 404 ? "Not Found"
                             : status == 405 ? "Method Not Allowed"
                                             : "Request Header Fields Too Large";
        n = snprintf(out, sizeof out, "HTTP/1.1 %d %s\r\n%sContent-Length: 0\r\nConnection: close\r\n\r\n", status,
                     reason, status == 405 ? "Allow: GET, HEAD\r\n" : "");
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_DEBUG, "http-01: answered %d", status);
    }
    if (n < 0 || (size_t)n >= sizeof out) {
        conn_close(h, c);
        return;
    }
    memcpy(c->buf, out, (size_t)n);
    c->len = (uint16_t)n;
    c->off = 0;
    c->state = ST_WRITE;
    conn_write(h, c);
}

static void conn_read(nacme_linux_http_t *h, nacme_linux_http_conn_t *c)
{
    ssize_t n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
    if (n <= 0) {
        conn_close(h, c); /* the client closed or failed before a whole request */
        return;
    }
    c->len = (uint16_t)(c->len + (size_t)n);
    size_t hl = nacme_linux_http_head_len(c->buf, c->len);
    if (hl > 0) {
        nacme_linux_http_req_t req;
        const nacme_linux_http_token_t *hit = NULL;
        int status = nacme_linux_http_parse(c->buf, hl, &req);
        if (status == 0) {
            hit = lookup(h, req.token, req.token_len);
            status = hit ? 200 : 404;
        }
        respond(h, c, status, hit, req.head);
    } else if (c->len == sizeof c->buf) {
        respond(h, c, 431, NULL, false);
    }
}

static void on_conn(void *ctx, int fd, short revents)
{
    nacme_linux_http_t *h = ctx;
    (void)revents;
    nacme_linux_http_conn_t *c = conn_of(h, fd);
    if (c == NULL) return;
    if (c->state == ST_READ) {
        conn_read(h, c);
    } else if (c->state == ST_WRITE) {
        conn_write(h, c);
    } else {
        char scratch[512];
        ssize_t n = recv(fd, scratch, sizeof scratch, 0);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) conn_close(h, c);
    }
}

static void tick(void *ctx, uint64_t now)
{
    nacme_linux_http_t *h = ctx;
    for (size_t i = 0; i < NACME_LINUX_HTTP_CONNS; i++) {
        nacme_linux_http_conn_t *c = &h->conns[i];
        if (c->fd >= 0 && now >= c->deadline) {
            if (c->state != ST_DRAIN) nacme_linux_log(&h->log, NACME_LOG_LEVEL_DEBUG, "http-01: connection timed out");
            conn_close(h, c);
        }
    }
}

static void stop(nacme_linux_http_t *h)
{
    for (size_t i = 0; i < NACME_LINUX_HTTP_CONNS; i++) {
        if (h->conns[i].fd >= 0) conn_close(h, &h->conns[i]);
    }
    if (h->listen_fd >= 0) {
        nacme_linux_loop_remove(h->loop, h->listen_fd);
        close(h->listen_fd);
        h->listen_fd = -1;
    }
    if (h->ticking) nacme_linux_loop_untick(h->loop, tick, h);
    h->ticking = false;
}

static int start(nacme_linux_http_t *h)
{
    int fd = nacme_linux_listen(&h->addr, &h->log, "http-01");
    if (fd < 0) return fd;
    h->listen_fd = fd;
    if (nacme_linux_loop_add(h->loop, fd, POLLIN, on_listen, h) != NACME_OK ||
        nacme_linux_loop_tick(h->loop, tick, h) != NACME_OK) {
        nacme_linux_loop_remove(h->loop, fd);
        close(fd);
        h->listen_fd = -1;
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_ERROR, "http-01: the event loop has no room for the server");
        return NACME_ERR_CHALLENGE;
    }
    h->ticking = true;
    nacme_linux_log(&h->log, NACME_LOG_LEVEL_INFO, "http-01: listening on %s%s%s port %u", h->addr.len == 16 ? "[" : "",
                    h->addr.text, h->addr.len == 16 ? "]" : "", (unsigned)h->addr.port);
    return NACME_OK;
}

int nacme_linux_http_init(nacme_linux_http_t *h, const nacme_linux_challenge_cfg_t *cfg)
{
    if (h == NULL || cfg == NULL) return NACME_ERR_ARG;
    memset(h, 0, sizeof *h);
    h->listen_fd = -1;
    for (size_t i = 0; i < NACME_LINUX_HTTP_CONNS; i++) h->conns[i].fd = -1;
    h->log = cfg->log;
    if (cfg->loop == NULL) return NACME_ERR_ARG;
    if (nacme_linux_addr_set(&h->addr, cfg->http_addr, cfg->http_port, NACME_LINUX_HTTP_PORT) != NACME_OK) {
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_ERROR, "http-01: %s is not an IPv4 or IPv6 address", cfg->http_addr);
        return NACME_ERR_ARG;
    }
    h->loop = cfg->loop;
    h->timeout_ms = cfg->http_timeout_ms ? cfg->http_timeout_ms : NACME_LINUX_CONN_TIMEOUT_MS;
    return NACME_OK;
}

int nacme_linux_http_publish(nacme_linux_http_t *h, const nacme_challenge_t *ch)
{
    if (h == NULL || ch == NULL || h->loop == NULL) return NACME_ERR_ARG;
    if (!nacme_linux_key_auth_ok(ch->token, ch->key_authorization)) {
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_ERROR, "http-01: token or key authorization malformed");
        return NACME_ERR_CHALLENGE;
    }
    nacme_linux_http_token_t *slot = NULL;
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) {
        nacme_linux_http_token_t *e = &h->tokens[i];
        if (e->used && strcmp(e->token, ch->token) == 0) {
            slot = e;
            break;
        }
        if (!e->used && slot == NULL) slot = e;
    }
    if (slot == NULL) {
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_ERROR, "http-01: more than %u tokens at once", (unsigned)NACME_LINUX_CH_MAX);
        return NACME_ERR_CHALLENGE;
    }
    if (h->listen_fd < 0) {
        int rc = start(h);
        if (rc != NACME_OK) return rc;
    }
    slot->used = true;
    memcpy(slot->token, ch->token, strlen(ch->token) + 1);
    memcpy(slot->key_auth, ch->key_authorization, strlen(ch->key_authorization) + 1);
    return NACME_OK;
}

int nacme_linux_http_unpublish(nacme_linux_http_t *h, const nacme_challenge_t *ch)
{
    if (h == NULL || ch == NULL || ch->token == NULL) return NACME_ERR_ARG;
    bool any = false;
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) {
        nacme_linux_http_token_t *e = &h->tokens[i];
        if (e->used && strcmp(e->token, ch->token) == 0) memset(e, 0, sizeof *e);
        any = any || e->used;
    }
    if (!any && h->listen_fd >= 0) {
        stop(h);
        nacme_linux_log(&h->log, NACME_LOG_LEVEL_INFO, "http-01: nothing published, server stopped");
    }
    return NACME_OK;
}

void nacme_linux_http_free(nacme_linux_http_t *h)
{
    if (h == NULL || h->loop == NULL) return;
    stop(h);
    memset(h->tokens, 0, sizeof h->tokens);
}
