/*
 * One exchange with the CA: build (JWS for POST), sign (may be pending),
 * connect or reuse the connection, send, receive and parse the response,
 * keep its nonce, retry on badNonce and on a stale keep-alive connection.
 *
 * Buffer use (c->buf, minus a reserved tail that holds a CSR or certificate
 * needed again on retries):
 *   building:   [ JWS body | HTTP head ]            sent head first, then body
 *   headers:    [ line | received bytes ... ]       (PEM mode: [ DER | line | rx ])
 *   JSON body:  [ body so far | received bytes ]    body bytes move down, contiguous for jsmn
 *   PEM body:   [ DER of one certificate | received bytes ]
 * and the last CHUNK_LINE bytes before the tail hold chunk-size lines.
 */
#include <string.h>

#include "engine.h"
#include "nacme_jose.h"

enum { RS_IDLE = 0, RS_BUILD, RS_SIGN, RS_CONNECT, RS_SEND, RS_RECV, RS_WAIT_RETRY };

/* parse_received(): all input used, the message is not complete yet */
#define NEED_MORE 2

#define CHUNK_LINE 80u
#define MAX_503_RETRIES 3u

static const char problem_prefix[] = "urn:ietf:params:acme:error:";

void nacme_req_reserve_tail(nacme_t *c, size_t bytes)
{
    c->tail = bytes;
}

size_t nacme_req_tail(const nacme_t *c)
{
    return c->tail;
}

static size_t usable(const nacme_t *c)
{
    return NACME_BUF_SIZE - c->tail;
}

static size_t line_cap(const nacme_t *c)
{
    size_t cap = usable(c) / 4u;
    return cap < NACME_HTTP_LINE_MAX ? cap : NACME_HTTP_LINE_MAX;
}

/* The body is collected in the buffer (JSON, or an error answer to a certificate request). */
static bool accumulates(const nacme_t *c)
{
    return c->req.body_mode == B_JSON ||
           (c->req.body_mode == B_PEM_TO_STORAGE && c->req.status != 200);
}

/* Where received bytes go in the current phase. */
static size_t rx_start(const nacme_t *c)
{
    bool headers = (c->req.flags & RQ_HEADERS_DONE) == 0;
    size_t base = c->req.body_mode == B_PEM_TO_STORAGE ? NACME_CERT_DER_MAX : 0;
    if (headers) return base + line_cap(c);
    return accumulates(c) ? c->req.body_len : base;
}

static size_t rx_limit(const nacme_t *c)
{
    return usable(c) - CHUNK_LINE;
}

void nacme_conn_close(nacme_t *c)
{
    /*
     * An attempt that answered pending or failed is closed too: left alone it
     * outlives the operation in the port (a socket, or lwIP's error that
     * sticks until close(), failing every later connect of the context).
     */
    if (c->connected || c->conn_opening) c->port->transport.close(c->port->transport.ctx);
    c->connected = false;
    c->conn_opening = false;
}

void nacme_req_start(nacme_t *c, uint16_t url, uint8_t payload, unsigned how)
{
    memset(&c->req, 0, sizeof c->req);
    c->req.state = RS_BUILD;
    c->req.method = (uint8_t)(how & 3u);
    c->req.url = url;
    c->req.payload = payload;
    c->req.auth = (uint8_t)(how >> 2 & 3u);
    c->req.body_mode = (uint8_t)(how >> 4 & 3u);
    c->req.location = NACME_NOSTR;
    c->req.retry_after = -1;
    c->req.deadline = nacme_now_ms(c) + nacme_io_timeout_ms(c);
}

/* FNV-1a of "host:port", lower case: which connection a URL needs. */
static uint32_t conn_id_of(const nacme_url_t *u)
{
    uint32_t h = NACME_FNV_INIT;
    for (size_t i = 0; i < u->host_len; i++) {
        uint8_t ch = (uint8_t)nacme_lower(u->host[i]);
        h = nacme_fnv1a(h, &ch, 1);
    }
    const uint8_t port[2] = {(uint8_t)(u->port >> 8), (uint8_t)u->port};
    return nacme_fnv1a(h, port, sizeof port);
}

static nacme_key_t signing_key(const nacme_t *c)
{
    if (c->req.auth == A_JWK_CERT) return c->cert_key;
    if (c->req.auth == A_JWK_NEW) return c->new_key;
    return c->account_key;
}

/* The JWS body at buf[0..out_len), up to the signature. */
static NACME_NOINLINE int build_post(nacme_t *c)
{
    const nacme_crypto_t *crypto = &c->port->crypto;
    char url[NACME_URL_MAX + 1];
    nacme_sb_t sb;
    nacme_sb_init(&sb, url, sizeof url);
    nacme_url_write(c, &sb, c->req.url);
    if (nacme_sb_cstr(&sb) == NULL) return NACME_ERR_TOO_LARGE;

    uint8_t xy[64];
    nacme_jws_header_t hdr = {.nonce = c->nonce, .url = url, .jwk_xy = NULL, .kid = NULL};
    if (c->req.auth == A_KID) {
        hdr.kid = nacme_str(c, c->account_url);
    } else if (c->req.auth == A_JWK_ACCOUNT) {
        hdr.jwk_xy = c->account_xy;
    } else {
        int rc = crypto->key_public(crypto->ctx, signing_key(c), xy);
        if (rc != NACME_OK) return rc;
        hdr.jwk_xy = xy;
    }
    nacme_jws_t jws;
    nacme_sb_init(&sb, (char *)c->buf, usable(c));
    nacme_jws_begin(&jws, &sb, crypto, &c->sha, &hdr);
    c->build_url = url;
    int rc = nacme_write_payload(c, &sb);
    c->build_url = NULL;
    int frc = nacme_jws_finish_payload(&jws, c->req_digest);
    if (rc == NACME_OK) rc = frc;
    if (rc != NACME_OK) return rc;
    c->req.out_len = sb.len;
    c->nonce[0] = '\0'; /* a nonce is used once */
    return NACME_OK;
}

/* The HTTP head after the body, at buf[out_len..]. */
static NACME_NOINLINE int build_head(nacme_t *c, uint16_t url_ref, const char *method)
{
    nacme_url_t u;
    int rc = nacme_url_parts(c, url_ref, &u);
    if (rc != NACME_OK) return rc;
    nacme_http_request_t hr = {
        .method = method,
        .host = u.host,
        .host_len = u.host_len,
        .port = u.port,
        .path = u.path,
        .path_len = u.path_len,
        .content_type = c->req.method == M_POST ? "application/jose+json" : NULL,
        .accept = c->req.body_mode == B_PEM_TO_STORAGE ? "application/pem-certificate-chain"
                                                      : NULL,
        .content_length = c->req.out_len,
    };
    nacme_sb_t sb;
    nacme_sb_init(&sb, (char *)c->buf + c->req.out_len, usable(c) - c->req.out_len);
    rc = nacme_http_write_request(&sb, &hr);
    if (rc != NACME_OK) return rc;
    c->req.head_len = sb.len;
    c->req.conn_id = conn_id_of(&u);
    return NACME_OK;
}

static int yield_io(nacme_t *c, unsigned events)
{
    int handle = -1;
    unsigned ev = events;
    if (c->port->transport.poll_info != NULL) {
        c->port->transport.poll_info(c->port->transport.ctx, &handle, &ev);
    }
    c->wait.handle = handle;
    c->wait.events = ev;
    c->wait.until_ms = c->req.deadline;
    c->wait_kind = NACME_STEP_AGAIN;
    return NACME_PENDING;
}

static NACME_NOINLINE int do_connect(nacme_t *c)
{
    nacme_url_t u;
    int rc = nacme_url_parts(c, c->req.url, &u);
    if (rc != NACME_OK) return rc;
    if (c->connected && c->conn_id == c->req.conn_id) {
        c->conn_reused = true;
        return NACME_OK;
    }
    /* our attempt to this host that answered pending goes on; any other connection is dropped first */
    if (!c->conn_opening || c->conn_id != c->req.conn_id) nacme_conn_close(c);
    c->conn_opening = true; /* until connect() succeeds (a failure leaves it for nacme_conn_close()) */
    c->conn_id = c->req.conn_id;
    char host[NACME_HOST_MAX + 1];
    memcpy(host, u.host, u.host_len);
    host[u.host_len] = '\0';
    rc = c->port->transport.connect(c->port->transport.ctx, host, u.port);
    if (rc == NACME_PENDING) return yield_io(c, NACME_WANT_READ | NACME_WANT_WRITE);
    if (rc != NACME_OK) {
        NACME_LOG_ERROR(c, "connecting to %s failed: %s", host, nacme_strerror(rc));
        return rc;
    }
    c->conn_opening = false;
    c->connected = true;
    c->conn_reused = false;
    return NACME_OK;
}

/* Replay-Nonce must be base64url (RFC 8555 section 6.5.1). */
static void keep_nonce(nacme_t *c, const char *v, size_t n)
{
    if (n == 0 || n > NACME_NONCE_MAX) return;
    for (size_t i = 0; i < n; i++) {
        if (nacme_b64_value(v[i], 1) < 0) return;
    }
    memcpy(c->nonce, v, n);
    c->nonce[n] = '\0';
    c->req.flags |= RQ_GOT_NONCE;
}

static uint8_t classify(const char *v, size_t n)
{
    if (nacme_http_media_type_is(v, n, "application/json")) return CT_JSON;
    if (nacme_http_media_type_is(v, n, "application/problem+json")) return CT_PROBLEM;
    if (nacme_http_media_type_is(v, n, "application/pem-certificate-chain")) return CT_PEM;
    return CT_OTHER;
}

static void keep_links(nacme_t *c, const char *v, size_t n)
{
    size_t pos = 0;
    nacme_http_link_t link;
    for (unsigned i = 0; i < 32u && nacme_http_link_next(v, n, &pos, &link) == NACME_OK; i++) {
        if (NACME_WITH_PREFERRED_CHAIN && c->req.body_mode == B_PEM_TO_STORAGE &&
            nacme_http_link_has_rel(&link, "alternate")) {
            if (c->n_alternates >= NACME_MAX_ALTERNATES) {
                NACME_LOG_WARN(c, "alternates over NACME_MAX_ALTERNATES ignored");
                continue;
            }
            uint16_t ref = nacme_url_add(c, link.url, link.url_len);
            if (ref != NACME_NOSTR) c->alternates[c->n_alternates++] = ref;
        } else if (nacme_http_link_has_rel(&link, "terms-of-service") && c->http.status >= 400 &&
                   c->err == NACME_OK && link.url_len < sizeof c->problem.instance) {
            /* userActionRequired points at new terms with this link */
            memcpy(c->problem.instance, link.url, link.url_len);
            c->problem.instance[link.url_len] = '\0';
            c->req.flags |= RQ_TOS_LINK;
        }
    }
}

static bool clock_unknown(const nacme_t *c)
{
    int64_t t;
    return c->port->clock.unix_time(c->port->clock.ctx, &t) == NACME_ERR_TIME_UNKNOWN;
}

static void on_header(nacme_t *c, const nacme_http_event_t *ev)
{
    const char *n = ev->name;
    size_t nl = ev->name_len;
    if (nacme_http_name_is(n, nl, "Replay-Nonce")) {
        keep_nonce(c, ev->value, ev->value_len);
    } else if (nacme_http_name_is(n, nl, "Location")) {
        c->req.location = nacme_url_add(c, ev->value, ev->value_len);
        if (c->req.location == NACME_NOSTR) {
            NACME_LOG_WARN(c, "Location unusable");
        }
    } else if (nacme_http_name_is(n, nl, "Content-Type")) {
        c->req.ctype = classify(ev->value, ev->value_len);
    } else if (nacme_http_name_is(n, nl, "Retry-After")) {
        int64_t now = 0, secs;
        (void)nacme_unix_now(c, &now);
        if (nacme_http_retry_after(ev->value, ev->value_len, now, &secs) == NACME_OK) {
            c->req.retry_after = secs;
        }
    } else if (nacme_http_name_is(n, nl, "Link")) {
        keep_links(c, ev->value, ev->value_len);
    } else if (nacme_http_name_is(n, nl, "Date") && !c->time_known && clock_unknown(c)) {
        int64_t date;
        if (nacme_time_parse_http_date(ev->value, ev->value_len, &date) == NACME_OK) {
            c->time_offset = date - (int64_t)(nacme_now_ms(c) / 1000u);
            c->time_known = true;
            c->time_from_server = true;
            NACME_LOG_WARN(c, "clock unknown: using the CA's Date header");
        }
    }
}

/* Copy a JSON string member into a fixed field (truncating), "" when absent. */
void nacme_json_copy(const nacme_t *c, int obj, const char *key, char *out, size_t cap)
{
    int t = nacme_jget(c, obj, key, NACME_JSON_STRING);
    out[0] = '\0';
    if (t < 0) return;
    size_t raw_len;
    const char *raw = nacme_json_raw(&c->json, t, &raw_len);
    if (nacme_json_string(&c->json, t, out, cap, NULL) != NACME_OK && raw != NULL) {
        /* too long (or odd escapes): keep what fits of the raw text */
        size_t n = raw_len < cap - 1u ? raw_len : cap - 1u;
        memcpy(out, raw, n);
        out[n] = '\0';
    }
}

/* A problem type: the ACME URN prefix dropped before it is cut to fit. */
void nacme_problem_type(const nacme_t *c, int obj, char *out, size_t cap)
{
    char full[128];
    nacme_json_copy(c, obj, "type", full, sizeof full);
    const char *t = full;
    size_t p = sizeof problem_prefix - 1u;
    if (strncmp(full, problem_prefix, p) == 0) t += p;
    size_t n = strlen(t) < cap - 1u ? strlen(t) : cap - 1u;
    memcpy(out, t, n);
    out[n] = '\0';
}

/* Match a subproblem's identifier to the order's identifiers. */
static uint8_t subproblem_id(const nacme_t *c, int sub)
{
    int id = nacme_jget(c, sub, "identifier", NACME_JSON_OBJECT);
    int v = nacme_jget(c, id, "value", NACME_JSON_STRING);
    if (v < 0 || c->order_req == NULL) return 0xffu;
    for (size_t i = 0; i < c->order_req->n_ids; i++) {
        if (nacme_json_streq(&c->json, v, c->order_req->ids[i].value)) return (uint8_t)i;
    }
    return 0xffu;
}

/*
 * The problem document of an error response into *p. The engine keeps the
 * one that made an operation fail: problems met while cleaning up after a
 * failure go to a scratch copy instead.
 */
static void parse_problem(nacme_t *c, nacme_problem_t *p)
{
    char tos[sizeof p->instance];
    tos[0] = '\0';
    if (c->req.flags & RQ_TOS_LINK) memcpy(tos, p->instance, sizeof tos);
    memset(p, 0, sizeof *p);
    p->status = c->req.status;
    memcpy(p->instance, tos, sizeof tos);
    if (c->req.body_len == 0 || (c->req.ctype != CT_PROBLEM && c->req.ctype != CT_JSON) ||
        nacme_json_type(&c->json, 0) != NACME_JSON_OBJECT) {
        return;
    }
    nacme_problem_type(c, 0, p->type, sizeof p->type);
    nacme_json_copy(c, 0, "detail", p->detail, sizeof p->detail);
    nacme_json_copy(c, 0, "instance", p->instance, sizeof p->instance);
    if (p->instance[0] == '\0') memcpy(p->instance, tos, sizeof tos);
    int subs = nacme_jget(c, 0, "subproblems", NACME_JSON_ARRAY);
    for (int s = nacme_json_first(&c->json, subs);
         s >= 0 && p->n_sub < NACME_MAX_IDENTIFIERS; s = nacme_json_next(&c->json, subs, s)) {
        if (nacme_json_type(&c->json, s) != NACME_JSON_OBJECT) continue;
        p->sub[p->n_sub].id = subproblem_id(c, s);
        nacme_problem_type(c, s, p->sub[p->n_sub].type, sizeof p->sub[0].type);
        p->n_sub++;
    }
}

/* Body bytes of a JSON response: move them down to the end of the body so far. */
static int body_json(nacme_t *c, const uint8_t *data, size_t len)
{
    if (len > rx_limit(c) - c->req.body_len) {
        NACME_LOG_ERROR(c, "response over NACME_BUF_SIZE");
        return NACME_ERR_TOO_LARGE;
    }
    memmove(c->buf + c->req.body_len, data, len);
    c->req.body_len += len;
    int rc = nacme_json_feed(&c->json, (const char *)c->buf, c->req.body_len);
    /* a non-JSON body (an HTML error page) is judged by its Content-Type later */
    return (rc == NACME_ERR_JSON || c->req.ctype == CT_OTHER) ? NACME_OK : rc;
}

static int on_body(nacme_t *c, const uint8_t *data, size_t len)
{
    switch (c->req.body_mode) {
    case B_JSON:
        return body_json(c, data, len);
    case B_PEM_TO_STORAGE:
        if (accumulates(c)) return body_json(c, data, len);
        c->req.pend_off = (size_t)(data - c->buf);
        c->req.pend_len = len;
        return nacme_cert_stream_data(c, data, len);
    default:
        return NACME_OK;
    }
}

static int on_headers_done(nacme_t *c)
{
    c->req.status = c->http.status;
    c->req.flags |= RQ_HEADERS_DONE;
    c->req.body_len = 0;
    nacme_json_init(&c->json, c->toks, NACME_JSON_TOKENS);
    /* chunk-size lines from now on use the small area before the tail */
    c->http.line = (char *)c->buf + rx_limit(c);
    c->http.line_cap = CHUNK_LINE;
    if (c->req.body_mode == B_PEM_TO_STORAGE && c->req.status == 200) {
        if (c->req.ctype != CT_PEM) return NACME_ERR_CONTENT_TYPE;
        return nacme_cert_stream_begin(c);
    }
    return NACME_OK;
}

/* The response is complete: decide what it means. */
static NACME_NOINLINE int on_done(nacme_t *c)
{
    if (!c->http.keep_alive) nacme_conn_close(c);
    if (c->req.body_mode != B_PEM_TO_STORAGE || c->req.status != 200) {
        if (c->req.body_len > 0 && (c->req.ctype == CT_JSON || c->req.ctype == CT_PROBLEM)) {
            int rc = nacme_json_finish(&c->json);
            if (rc != NACME_OK) {
                NACME_LOG_ERROR(c, "invalid JSON (HTTP %u)", (unsigned)c->req.status);
                return rc;
            }
        }
    }
    uint16_t status = c->req.status;
    if (c->cfg != NULL && (c->req.flags & RQ_NONCE_FETCH) == 0) {
        NACME_LOG_INFO(c, "%s %s -> %u", c->req.method == M_POST ? "POST" : (c->req.method == M_HEAD ? "HEAD" : "GET"),
                       nacme_str(c, c->req.url), (unsigned)status);
    }
    if (status >= 200 && status < 300) {
        if (c->req.flags & RQ_NONCE_FETCH) {
            if ((c->req.flags & RQ_GOT_NONCE) == 0) return NACME_ERR_NO_NONCE;
            c->req.flags &= (uint8_t)~RQ_NONCE_FETCH;
            c->req.state = RS_BUILD;
            return NACME_PENDING; /* loop on: build the POST now */
        }
        if (c->req.body_mode == B_PEM_TO_STORAGE) return nacme_cert_stream_end(c);
        if (c->req.body_mode == B_JSON && c->req.body_len > 0 && c->req.ctype != CT_JSON) {
            NACME_LOG_ERROR(c, "unexpected Content-Type (HTTP %u)", (unsigned)status);
            return NACME_ERR_CONTENT_TYPE;
        }
        return NACME_OK;
    }
    /* the problem that failed an operation is kept: cleanup requests only look at the type */
    char type[sizeof c->problem.type];
    if (c->err == NACME_OK) {
        parse_problem(c, &c->problem);
        memcpy(type, c->problem.type, sizeof type);
    } else {
        type[0] = '\0';
        if (c->req.body_len > 0 && nacme_json_type(&c->json, 0) == NACME_JSON_OBJECT) {
            nacme_problem_type(c, 0, type, sizeof type);
        }
    }
    if (strcmp(type, "badNonce") == 0 && c->req.method == M_POST) {
        if (c->req.badnonce >= NACME_BADNONCE_RETRIES) return NACME_ERR_BAD_NONCE_LIMIT;
        c->req.badnonce++;
        NACME_LOG_INFO(c, "badNonce: retrying with the new nonce (%u of %u)", (unsigned)c->req.badnonce,
                       (unsigned)NACME_BADNONCE_RETRIES);
        c->req.state = RS_BUILD;
        return NACME_PENDING;
    }
    if (status == 503 && c->req.retries < MAX_503_RETRIES) {
        c->req.retries++;
        int64_t secs = c->req.retry_after >= 0 ? c->req.retry_after : 5;
        if (secs > 300) secs = 300;
        NACME_LOG_WARN(c, "HTTP 503: retry in %ld s", (long)secs);
        c->req.state = RS_WAIT_RETRY;
        c->req.deadline = nacme_now_ms(c) + (uint64_t)secs * 1000u;
        return NACME_PENDING;
    }
    if (c->req.flags & RQ_NONCE_FETCH) return NACME_ERR_NO_NONCE;
    if (type[0] == '\0') {
        NACME_LOG_ERROR(c, "unexpected HTTP status %u", (unsigned)status);
        return NACME_ERR_HTTP_UNEXPECTED;
    }
    if ((c->req.flags & RQ_ALLOW_ERROR) == 0) {
        NACME_LOG_ERROR(c, "CA problem %s (HTTP %u): %s", type, (unsigned)status,
                        c->err == NACME_OK ? c->problem.detail : "");
    }
    if (strcmp(type, "rateLimited") == 0) return NACME_ERR_RATE_LIMITED;
    if (strcmp(type, "userActionRequired") == 0) return NACME_ERR_USER_ACTION;
    return NACME_ERR_PROBLEM;
}

/* Feed received bytes to the parser, event by event (DONE may follow the last byte). */
static int parse_received(nacme_t *c)
{
    /* bounded: every event consumes input or ends the message */
    for (unsigned guard = 0; guard < 4096u; guard++) {
        size_t used = 0;
        nacme_http_event_t ev;
        int rc = nacme_http_parse(&c->http, c->buf + c->req.rx_pos, c->req.rx_end - c->req.rx_pos,
                                  &used, &ev);
        if (rc != NACME_OK) return rc;
        c->req.rx_pos += used;
        switch (ev.type) {
        case NACME_HTTP_NEED_MORE:
            c->req.rx_pos = c->req.rx_end = rx_start(c);
            return NEED_MORE;
        case NACME_HTTP_HEADER:
            on_header(c, &ev);
            break;
        case NACME_HTTP_HEADERS_DONE:
            rc = on_headers_done(c);
            break;
        case NACME_HTTP_BODY:
            rc = on_body(c, ev.data, ev.len);
            if (rc == NACME_OK) c->req.pend_len = 0;
            break;
        case NACME_HTTP_DONE:
            return on_done(c);
        default:
            break;
        }
        if (rc != NACME_OK) return rc;
    }
    return NACME_ERR_INTERNAL;
}

static int start_receive(nacme_t *c)
{
    /* the newNonce fetch of a POST is a HEAD too: its answer has no body whatever it says */
    bool head = c->req.method == M_HEAD || (c->req.flags & RQ_NONCE_FETCH) != 0;
    nacme_http_parser_init(&c->http, head, (char *)c->buf +
                           (c->req.body_mode == B_PEM_TO_STORAGE ? NACME_CERT_DER_MAX : 0), line_cap(c));
    c->req.rx_pos = c->req.rx_end = rx_start(c);
    c->req.state = RS_RECV;
    return NACME_OK;
}

static int do_send(nacme_t *c)
{
    size_t total = c->req.head_len + c->req.out_len;
    /* bounded: each round sends at least one byte or yields */
    for (unsigned round = 0; round < 1024u && c->req.sent < total; round++) {
        const uint8_t *p;
        size_t n;
        if (c->req.sent < c->req.head_len) {
            p = c->buf + c->req.out_len + c->req.sent;
            n = c->req.head_len - c->req.sent;
        } else {
            p = c->buf + (c->req.sent - c->req.head_len);
            n = total - c->req.sent;
        }
        int32_t rc = c->port->transport.send(c->port->transport.ctx, p, n);
        if (rc == 0) return yield_io(c, NACME_WANT_WRITE);
        if (rc < 0) return (int)rc;
        c->req.sent += (size_t)rc;
    }
    return c->req.sent < total ? NACME_ERR_IO : start_receive(c);
}

static int do_recv(nacme_t *c)
{
    if (c->req.pend_len > 0) { /* a body span storage could not take yet */
        int rc = nacme_cert_stream_data(c, c->buf + c->req.pend_off, c->req.pend_len);
        if (rc != NACME_OK) return rc;
        c->req.pend_len = 0;
    }
    for (unsigned round = 0; round < 1024u; round++) {
        if (c->req.rx_pos < c->req.rx_end || (c->req.flags & RQ_HEADERS_DONE)) {
            int rc = parse_received(c);
            if (rc != NEED_MORE) return rc;
        }
        size_t room = rx_limit(c) - c->req.rx_end;
        if (room == 0) return NACME_ERR_TOO_LARGE;
        int32_t n = c->port->transport.recv(c->port->transport.ctx, c->buf + c->req.rx_end, room);
        if (n == 0) return yield_io(c, NACME_WANT_READ);
        if (n == NACME_ERR_IO_CLOSED) {
            nacme_conn_close(c);
            nacme_http_event_t ev;
            if (nacme_http_parse_eof(&c->http, &ev) == NACME_OK && ev.type == NACME_HTTP_DONE) {
                return on_done(c);
            }
            return NACME_ERR_HTTP_TRUNCATED;
        }
        if (n < 0) return (int)n;
        c->req.rx_end += (size_t)n;
    }
    return NACME_ERR_IO;
}

/* A failure on a kept-alive connection before any response byte: the CA closed it. */
static bool stale_connection(const nacme_t *c, int rc)
{
    return c->conn_reused && c->req.retries == 0 && (c->req.flags & RQ_HEADERS_DONE) == 0 &&
           (rc == NACME_ERR_IO_CLOSED || rc == NACME_ERR_HTTP_TRUNCATED || rc == NACME_ERR_IO) &&
           c->http.status == 0;
}

/* A read (GET, POST-as-GET) that broke off: safe to ask again on a new connection. */
static bool retryable_read(const nacme_t *c, int rc)
{
    return (c->req.method == M_GET || c->req.payload == P_EMPTY || (c->req.flags & RQ_NONCE_FETCH)) &&
           c->req.retries < 2u &&
           (rc == NACME_ERR_IO_CLOSED || rc == NACME_ERR_HTTP_TRUNCATED || rc == NACME_ERR_IO);
}

static int step_once(nacme_t *c)
{
    int rc;
    switch (c->req.state) {
    case RS_BUILD:
        c->req.flags &= (uint8_t)(RQ_NONCE_FETCH | RQ_ALLOW_ERROR);
        memset(&c->http, 0, sizeof c->http);
        c->req.sent = 0;
        c->req.out_len = 0;
        c->req.head_len = 0;
        c->req.location = NACME_NOSTR;
        c->req.retry_after = -1;
        c->req.ctype = CT_NONE;
        c->req.status = 0;
        c->req.pend_len = 0;
        if (c->req.method == M_POST && c->nonce[0] == '\0') c->req.flags |= RQ_NONCE_FETCH;
        if (c->req.flags & RQ_NONCE_FETCH) {
            if (c->url_new_nonce == NACME_NOSTR) return NACME_ERR_DIRECTORY;
            uint16_t url = c->req.url;
            c->req.url = c->url_new_nonce;
            rc = build_head(c, c->url_new_nonce, "HEAD");
            c->req.url = url;
            if (rc != NACME_OK) return rc;
            c->req.state = RS_CONNECT;
            return NACME_OK;
        }
        if (c->req.method == M_POST) {
            if ((rc = build_post(c)) != NACME_OK) return rc;
            c->req.state = RS_SIGN;
            return NACME_OK;
        }
        if ((rc = build_head(c, c->req.url, c->req.method == M_HEAD ? "HEAD" : "GET")) != NACME_OK) {
            return rc;
        }
        c->req.state = RS_CONNECT;
        return NACME_OK;
    case RS_SIGN: {
        uint8_t rs[64];
        const nacme_crypto_t *cr = &c->port->crypto;
        rc = cr->sign_digest(cr->ctx, signing_key(c), c->req_digest, rs);
        if ((rc = nacme_port_rc(c, rc)) != NACME_OK) return rc;
        nacme_sb_t sb;
        nacme_sb_init(&sb, (char *)c->buf, usable(c));
        sb.len = c->req.out_len;
        if ((rc = nacme_jws_put_signature(&sb, rs)) != NACME_OK) return rc;
        c->req.out_len = sb.len;
        if ((rc = build_head(c, c->req.url, "POST")) != NACME_OK) return rc;
        c->req.state = RS_CONNECT;
        return NACME_OK;
    }
    case RS_CONNECT:
        if (c->req.flags & RQ_NONCE_FETCH) {
            uint16_t url = c->req.url;
            c->req.url = c->url_new_nonce;
            rc = do_connect(c);
            c->req.url = url;
        } else {
            rc = do_connect(c);
        }
        if (rc != NACME_OK) return rc;
        c->req.state = RS_SEND;
        return NACME_OK;
    case RS_SEND:
        return do_send(c);
    case RS_RECV:
        return do_recv(c);
    case RS_WAIT_RETRY:
        if (nacme_now_ms(c) < c->req.deadline) return nacme_wait_until(c, c->req.deadline);
        c->req.deadline = nacme_now_ms(c) + nacme_io_timeout_ms(c);
        c->req.state = RS_BUILD;
        return NACME_OK;
    default:
        return NACME_ERR_STATE;
    }
}

int nacme_exchange(nacme_t *c, uint16_t url, uint8_t payload, unsigned how)
{
    if (c->cursor_req == 0) {
        nacme_req_start(c, url, payload, how);
        if (payload == P_ACCOUNT_LOOKUP || payload == P_NEW_ACCOUNT) c->req.flags |= RQ_ALLOW_ERROR;
        c->cursor_req = 1;
    }
    int rc = nacme_req_run(c);
    if (rc != NACME_PENDING) c->cursor_req = 0;
    return rc;
}

int nacme_req_run(nacme_t *c)
{
    /* bounded: a request passes through at most a handful of states per step */
    for (unsigned i = 0; i < 16u; i++) {
        if (c->req.state != RS_WAIT_RETRY && nacme_now_ms(c) > c->req.deadline) {
            nacme_conn_close(c);
            NACME_LOG_ERROR(c, "CA timeout");
            return NACME_ERR_TIMEOUT;
        }
        uint8_t before = c->req.state;
        int rc = step_once(c);
        if (rc == NACME_PENDING) {
            if (c->req.state != before) continue; /* badNonce, nonce fetched, 503: go on */
            return rc;                           /* a real wait: c->wait says for what */
        }
        if (rc < 0 && (stale_connection(c, rc) || retryable_read(c, rc))) {
            NACME_LOG_DEBUG(c, "connection lost (%s): asking again on a new one", nacme_strerror(rc));
            nacme_conn_close(c);
            c->req.retries++;
            c->req.state = RS_BUILD;
            continue;
        }
        if (rc < 0) {
            nacme_conn_close(c);
            c->req.state = RS_IDLE;
            return rc;
        }
        if (c->req.state == RS_RECV && before == RS_RECV) { /* response complete */
            c->req.state = RS_IDLE;
            return NACME_OK;
        }
    }
    return nacme_wait_ms(c, 0); /* yield, come back at once */
}
