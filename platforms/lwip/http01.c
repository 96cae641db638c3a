/*
 * http-01 responder on lwIP's raw TCP API (see nacme_lwip.h): a listener
 * while something is published, a few connections each answered once and
 * closed. Everything runs from lwIP's callbacks in the superloop.
 */
#include "nacme_lwip.h"

#include <string.h>

#include "lwip/tcp.h"

enum { C_FREE = 0, C_READING, C_ANSWER }; /* C_ANSWER: answer known, not yet queued (lwIP out of memory) */

/* Poll callback interval in lwIP's coarse ticks (0.5 s). */
#define POLL_TICKS 2u

static bool b64url_run(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) {
            return false;
        }
    }
    return n > 0;
}

static void log_line(const nacme_lwip_http01_t *h, nacme_log_level_t level, const char *a, const char *b,
                     size_t b_len)
{
    if (h->log.write == NULL) return;
    char line[64 + NACME_HTTP01_TOKEN_MAX];
    size_t n = strlen(a);
    if (n > 60) n = 60;
    memcpy(line, a, n);
    if (b_len > NACME_HTTP01_TOKEN_MAX) b_len = NACME_HTTP01_TOKEN_MAX;
    memcpy(line + n, b, b_len);
    line[n + b_len] = '\0';
    h->log.write(h->log.ctx, level, line);
}

/* The table slot publishing a token, or -1. */
static int find(const nacme_lwip_http01_t *h, const char *token, size_t len)
{
    for (size_t i = 0; i < NACME_LWIP_HTTP01_TOKENS; i++) {
        if (h->tokens[i].used && h->tokens[i].token_len == len && memcmp(h->tokens[i].ka, token, len) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* The published key authorization of a token, or NULL. */
static const char *lookup(const nacme_lwip_http01_t *h, const char *token, size_t len)
{
    int i = find(h, token, len);
    return i >= 0 ? h->tokens[i].ka : NULL;
}

/* Forget the connection; the pcb is closed (or aborted if lwIP cannot close it now). */
static err_t conn_end(nacme_lwip_http01_conn_t *c, bool abort)
{
    struct tcp_pcb *pcb = c->pcb;
    c->pcb = NULL;
    c->state = C_FREE;
    if (pcb == NULL) return ERR_OK;
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    if (!abort && tcp_close(pcb) == ERR_OK) return ERR_OK;
    tcp_abort(pcb);
    return ERR_ABRT;
}

static void put_str(char *buf, size_t *n, const char *s)
{
    size_t l = strlen(s);
    memcpy(buf + *n, s, l);
    *n += l;
}

static void put_dec(char *buf, size_t *n, size_t v)
{
    char d[10];
    size_t k = 0;
    do {
        d[k++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u && k < sizeof d);
    while (k > 0) buf[(*n)++] = d[--k];
}

/*
 * Queue the answer and close. ERR_OK when done (the connection is gone),
 * ERR_MEM when lwIP has no room yet (try again from the poll callback),
 * ERR_ABRT when the pcb was aborted.
 */
static err_t answer(nacme_lwip_http01_conn_t *c)
{
    nacme_lwip_http01_t *h = c->owner;
    const nacme_http01_req_t *r = &c->req;
    const char *ka = r->status == 0 ? lookup(h, r->token, r->token_len) : NULL;
    uint16_t status = r->status != 0 ? r->status : ka != NULL ? 200u : 404u;
    const char *reason = status == 200 ? "200 OK"
                         : status == 404 ? "404 Not Found"
                         : status == 405 ? "405 Method Not Allowed\r\nAllow: GET, HEAD"
                         : status == 414 ? "414 URI Too Long"
                         : status == 431 ? "431 Request Header Fields Too Large"
                                         : "400 Bad Request";
    size_t body = ka != NULL ? strlen(ka) : 0;
    char buf[160 + NACME_LWIP_HTTP01_KA_MAX];
    size_t n = 0;
    put_str(buf, &n, "HTTP/1.1 ");
    put_str(buf, &n, reason);
    if (ka != NULL) put_str(buf, &n, "\r\nContent-Type: application/octet-stream");
    put_str(buf, &n, "\r\nContent-Length: ");
    put_dec(buf, &n, body);
    put_str(buf, &n, "\r\nConnection: close\r\n\r\n");
    if (ka != NULL && !r->head) {
        memcpy(buf + n, ka, body);
        n += body;
    }
    if (tcp_sndbuf(c->pcb) < n) return ERR_MEM;
    err_t err = tcp_write(c->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) return ERR_MEM;
    if (err != ERR_OK) return conn_end(c, true);
    (void)tcp_output(c->pcb);
    if (status == 200) {
        h->stats.served++;
        log_line(h, NACME_LOG_LEVEL_INFO, "http-01: served ", r->token, r->token_len);
    } else if (status == 404) {
        h->stats.not_found++;
        log_line(h, NACME_LOG_LEVEL_WARN, "http-01: 404 for ", r->token, r->token_len);
    } else {
        h->stats.rejected++;
        log_line(h, NACME_LOG_LEVEL_WARN, "http-01: rejected a request, status ", reason, 3);
    }
    /* the FIN follows the queued answer */
    return conn_end(c, false);
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    nacme_lwip_http01_conn_t *c = arg;
    (void)err;
    if (c == NULL || c->pcb != pcb) {
        if (p != NULL) {
            tcp_recved(pcb, p->tot_len);
            pbuf_free(p);
        }
        return ERR_OK;
    }
    if (p == NULL) { /* the client closed before its request was complete or answered */
        return conn_end(c, false);
    }
    /* take everything (so a close sends FIN, not RST); only the head is read */
    for (struct pbuf *q = p; q != NULL && c->state == C_READING; q = q->next) {
        size_t used = 0;
        if (nacme_http01_req_feed(&c->req, q->payload, q->len, &used) == NACME_OK) c->state = C_ANSWER;
    }
    tcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    if (c->state == C_ANSWER) {
        err_t e = answer(c);
        return e == ERR_ABRT ? ERR_ABRT : ERR_OK;
    }
    return ERR_OK;
}

static err_t on_poll(void *arg, struct tcp_pcb *pcb)
{
    nacme_lwip_http01_conn_t *c = arg;
    if (c == NULL || c->pcb != pcb) return ERR_OK;
    if (c->ticks < 255u) c->ticks++;
    if ((uint32_t)c->ticks * POLL_TICKS >= 2u * NACME_LWIP_HTTP01_TIMEOUT_S) {
        c->owner->stats.timeouts++;
        return conn_end(c, true);
    }
    if (c->state == C_ANSWER) {
        err_t e = answer(c);
        return e == ERR_ABRT ? ERR_ABRT : ERR_OK;
    }
    return ERR_OK;
}

/* The pcb is already freed when this runs. */
static void on_err(void *arg, err_t err)
{
    nacme_lwip_http01_conn_t *c = arg;
    (void)err;
    if (c != NULL) {
        c->pcb = NULL;
        c->state = C_FREE;
    }
}

static err_t on_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    nacme_lwip_http01_t *h = arg;
    if (err != ERR_OK || pcb == NULL || h == NULL) return ERR_VAL;
    for (size_t i = 0; i < NACME_LWIP_HTTP01_CONNS; i++) {
        nacme_lwip_http01_conn_t *c = &h->conns[i];
        if (c->state != C_FREE) continue;
        c->owner = h;
        c->pcb = pcb;
        c->state = C_READING;
        c->ticks = 0;
        nacme_http01_req_init(&c->req);
        tcp_arg(pcb, c);
        tcp_recv(pcb, on_recv);
        tcp_err(pcb, on_err);
        tcp_poll(pcb, on_poll, POLL_TICKS);
        h->stats.connections++;
        return ERR_OK;
    }
    h->stats.refused++;
    tcp_abort(pcb);
    return ERR_ABRT;
}

static int open_listener(nacme_lwip_http01_t *h)
{
    struct tcp_pcb *pcb = tcp_new();
    if (pcb == NULL) return NACME_ERR_CHALLENGE;
#if SO_REUSE
    /* connections of an earlier listener may still be in TIME_WAIT on the port */
    ip_set_option(pcb, SOF_REUSEADDR);
#endif
    if (tcp_bind(pcb, IP_ADDR_ANY, h->port) != ERR_OK) {
        (void)tcp_close(pcb);
        log_line(h, NACME_LOG_LEVEL_ERROR, "http-01: cannot bind the listening port", "", 0);
        return NACME_ERR_CHALLENGE;
    }
    struct tcp_pcb *l = tcp_listen(pcb); /* frees pcb on success */
    if (l == NULL) {
        (void)tcp_close(pcb);
        return NACME_ERR_CHALLENGE;
    }
    tcp_arg(l, h);
    tcp_accept(l, on_accept);
    h->listener = l;
    return NACME_OK;
}

static void close_listener(nacme_lwip_http01_t *h)
{
    if (h->listener == NULL) return;
    tcp_arg(h->listener, NULL);
    tcp_accept(h->listener, NULL);
    (void)tcp_close(h->listener); /* a listening pcb always closes */
    h->listener = NULL;
}

/* ---- the challenge port -------------------------------------------------------------- */

static int publish(void *ctx, const nacme_challenge_t *ch)
{
    nacme_lwip_http01_t *h = ctx;
    if (h == NULL || ch == NULL || ch->type != NACME_CHALLENGE_HTTP_01 || ch->token == NULL ||
        ch->key_authorization == NULL) {
        return NACME_ERR_CHALLENGE;
    }
    size_t tl = strlen(ch->token);
    size_t kl = strlen(ch->key_authorization);
    if (tl > NACME_HTTP01_TOKEN_MAX || !b64url_run(ch->token, tl) || kl <= tl + 1u ||
        kl > NACME_LWIP_HTTP01_KA_MAX || memcmp(ch->key_authorization, ch->token, tl) != 0 ||
        ch->key_authorization[tl] != '.' || !b64url_run(ch->key_authorization + tl + 1u, kl - tl - 1u)) {
        return NACME_ERR_CHALLENGE;
    }
    int slot = find(h, ch->token, tl); /* publishing a token again replaces it */
    for (size_t i = 0; i < NACME_LWIP_HTTP01_TOKENS && slot < 0; i++) {
        if (!h->tokens[i].used) slot = (int)i;
    }
    if (slot < 0) return NACME_ERR_CHALLENGE;
    if (h->listener == NULL) {
        int rc = open_listener(h);
        if (rc != NACME_OK) return rc;
    }
    memcpy(h->tokens[slot].ka, ch->key_authorization, kl + 1u);
    h->tokens[slot].token_len = (uint8_t)tl;
    h->tokens[slot].used = true;
    return NACME_OK;
}

static int unpublish(void *ctx, const nacme_challenge_t *ch)
{
    nacme_lwip_http01_t *h = ctx;
    if (h == NULL || ch == NULL) return NACME_ERR_CHALLENGE;
    if (ch->type != NACME_CHALLENGE_HTTP_01 || ch->token == NULL) return NACME_OK;
    int slot = find(h, ch->token, strlen(ch->token));
    if (slot >= 0) memset(&h->tokens[slot], 0, sizeof h->tokens[slot]);
    bool any = false;
    for (size_t i = 0; i < NACME_LWIP_HTTP01_TOKENS; i++) any = any || h->tokens[i].used;
    if (!any) close_listener(h);
    return NACME_OK;
}

int nacme_lwip_http01_init(nacme_lwip_http01_t *h, uint16_t port, const nacme_log_t *log)
{
    if (h == NULL) return NACME_ERR_ARG;
    memset(h, 0, sizeof *h);
    h->port = port != 0 ? port : 80u;
    if (log != NULL) h->log = *log;
    return NACME_OK;
}

void nacme_lwip_http01_port(nacme_lwip_http01_t *h, nacme_challenge_port_t *out)
{
    if (out == NULL) return;
    *out = (nacme_challenge_port_t){.ctx = h,
                                    .supported = NACME_CHALLENGE_HTTP_01,
                                    .publish = publish,
                                    .settle = NULL,
                                    .unpublish = unpublish};
}

void nacme_lwip_http01_get_stats(const nacme_lwip_http01_t *h, nacme_lwip_http01_stats_t *out)
{
    if (h != NULL && out != NULL) *out = h->stats;
}

void nacme_lwip_http01_stop(nacme_lwip_http01_t *h)
{
    if (h == NULL) return;
    close_listener(h);
    for (size_t i = 0; i < NACME_LWIP_HTTP01_CONNS; i++) {
        if (h->conns[i].state != C_FREE) (void)conn_end(&h->conns[i], true);
    }
    memset(h->tokens, 0, sizeof h->tokens);
}
