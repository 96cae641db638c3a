/*
 * Incremental HTTP/1.1 response parser: one event per call, lines held in
 * the caller's line buffer, body bytes handed out in place (zero copy).
 */
#include "nacme_http.h"

#include <string.h>

#include "http_internal.h"
#include "internal.h"

/* States. Line states come first: they read bytes into the line buffer. */
enum {
    ST_STATUS,     /* status line */
    ST_HEADER,     /* header lines up to the empty line */
    ST_CHUNK_SIZE, /* chunk-size [chunk-ext] */
    ST_CHUNK_END,  /* the CRLF after chunk data */
    ST_TRAILER,    /* trailer lines up to the empty line */
    ST_BODY,       /* Content-Length body: remaining bytes due */
    ST_CHUNK_DATA, /* chunk data: remaining bytes due */
    ST_CLOSE,      /* close-delimited body: everything up to EOF */
    ST_END,        /* message complete: DONE is the next event */
    ST_FINISHED,   /* DONE delivered */
    ST_ERROR       /* an error was returned */
};

void nacme_http_parser_init(nacme_http_parser_t *p, bool head, char *line, size_t line_cap)
{
    memset(p, 0, sizeof(*p));
    p->head = head;
    p->line = line;
    p->line_cap = (line == NULL) ? 0 : (line_cap < NACME_HTTP_LINE_MAX ? line_cap : NACME_HTTP_LINE_MAX);
}

/* The error for a malformed line in state st. */
static int line_error(uint8_t st)
{
    if (st == ST_STATUS) return NACME_ERR_HTTP_STATUS;
    if (st == ST_HEADER || st == ST_TRAILER) return NACME_ERR_HTTP_HEADER;
    return NACME_ERR_HTTP_CHUNK;
}

/* "HTTP/1.x SP 3DIGIT [SP reason]"; the SP before an empty reason may be missing. */
static int status_line(nacme_http_parser_t *p, const char *s, size_t n)
{
    unsigned code = 0;
    if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || (s[7] != '0' && s[7] != '1') || s[8] != ' ' ||
        (n > 12 && s[12] != ' '))
        return NACME_ERR_HTTP_STATUS;
    for (size_t k = 9; k < 12; k++) {
        if (s[k] < '0' || s[k] > '9') return NACME_ERR_HTTP_STATUS;
        code = code * 10u + (unsigned)(s[k] - '0');
    }
    /* 101 would switch protocols: never asked for, so never acceptable */
    if (code < 100 || code > 599 || code == 101) return NACME_ERR_HTTP_STATUS;
    p->status = (uint16_t)code;
    p->http_minor = (uint8_t)(s[7] - '0');
    p->state = ST_HEADER;
    return NACME_OK;
}

/* Content-Length, Transfer-Encoding and Connection decide the framing. */
static int framing(nacme_http_parser_t *p, const char *name, size_t name_len, const char *v, size_t n)
{
    uint64_t x;
    if (nacme_http_name_is(name, name_len, "content-length")) {
        if (!nacme_http_parse_u64(v, n, &x) || (p->has_length && x != p->content_length))
            return NACME_ERR_HTTP_LENGTH;
        p->has_length = true;
        p->content_length = x;
    } else if (nacme_http_name_is(name, name_len, "transfer-encoding")) {
        /* chunked is the only coding we asked for (no TE header); twice is invalid */
        if (p->chunked || !nacme_http_name_is(v, n, "chunked")) return NACME_ERR_HTTP_LENGTH;
        p->chunked = true;
    } else if (nacme_http_name_is(name, name_len, "connection")) {
        while (n > 0) {
            const char *comma = memchr(v, ',', n);
            size_t k = comma ? (size_t)(comma - v) : n;
            const char *t = v;
            size_t tn = k;
            nacme_http_trim(&t, &tn);
            if (nacme_http_name_is(t, tn, "close")) p->saw_close = true;
            if (nacme_http_name_is(t, tn, "keep-alive")) p->saw_keep_alive = true;
            v += k;
            n -= k;
            if (n > 0) {
                v++;
                n--;
            }
        }
    }
    return NACME_OK;
}

/*
 * A header or trailer line: token ":" OWS value OWS. Only headers of the
 * final response become events and count for framing; interim (1xx)
 * headers and trailers are checked and dropped.
 */
static int header_line(nacme_http_parser_t *p, size_t n, nacme_http_event_t *ev)
{
    const char *s = p->line;
    size_t k = nacme_http_token_len(s, n);
    if (++p->headers > NACME_HTTP_MAX_HEADERS) return NACME_ERR_HTTP_TOO_MANY_HEADERS;
    /* rejects obs-fold (leading SP/HTAB), an empty name, SP before ':' */
    if (k == 0 || k == n || s[k] != ':') return NACME_ERR_HTTP_HEADER;
    const char *v = s + k + 1;
    size_t vn = n - k - 1;
    nacme_http_trim(&v, &vn);
    if (p->state != ST_HEADER || p->status < 200) return NACME_OK;
    ev->type = NACME_HTTP_HEADER;
    ev->name = s;
    ev->name_len = k;
    ev->value = v;
    ev->value_len = vn;
    return framing(p, s, k, v, vn);
}

/* The empty line after the final response's headers: choose the body framing. */
static void headers_done(nacme_http_parser_t *p, nacme_http_event_t *ev)
{
    ev->type = NACME_HTTP_HEADERS_DONE;
    if (p->http_minor == 0 && !p->saw_keep_alive) p->saw_close = true;
    if (p->chunked && (p->has_length || p->http_minor == 0)) {
        /* conflicting or HTTP/1.0 framing: chunked wins, the connection is not reused */
        p->has_length = false;
        p->content_length = 0;
        p->saw_close = true;
    }
    if (p->head || p->status == 204 || p->status == 304) {
        p->state = ST_END;
    } else if (p->chunked) {
        p->state = ST_CHUNK_SIZE;
    } else if (p->has_length) {
        p->remaining = p->content_length;
        p->state = p->remaining ? ST_BODY : ST_END;
    } else {
        p->saw_close = true;
        p->state = ST_CLOSE;
    }
}

/* chunk-size BWS [";" chunk-ext]: 0 starts the trailers. */
static int chunk_size(nacme_http_parser_t *p, const char *s, size_t n)
{
    uint64_t x = 0;
    size_t k = 0;
    int d;
    for (; k < n && (d = nacme_hex_value((unsigned char)s[k])) >= 0; k++) {
        if (x >> 60) return NACME_ERR_HTTP_CHUNK; /* more than 64 bits */
        x = (x << 4) | (uint64_t)d;
    }
    if (k == 0) return NACME_ERR_HTTP_CHUNK;
    while (k < n && (s[k] == ' ' || s[k] == '\t')) k++;
    if (k < n && s[k] != ';') return NACME_ERR_HTTP_CHUNK;
    p->remaining = x;
    p->state = x ? ST_CHUNK_DATA : ST_TRAILER;
    return NACME_OK;
}

/* A complete line of n bytes (terminator removed) sits in p->line. */
static int line_done(nacme_http_parser_t *p, size_t n, nacme_http_event_t *ev)
{
    switch (p->state) {
    case ST_STATUS:
        return status_line(p, p->line, n);
    case ST_CHUNK_SIZE:
        return chunk_size(p, p->line, n);
    case ST_CHUNK_END: /* only an empty line gets here */
        p->state = ST_CHUNK_SIZE;
        return NACME_OK;
    default: /* ST_HEADER, ST_TRAILER */
        if (n > 0) return header_line(p, n, ev);
        if (p->state == ST_TRAILER) {
            p->state = ST_END;
        } else if (p->status < 200) {
            p->state = ST_STATUS; /* interim response skipped: the real one follows */
        } else {
            headers_done(p, ev);
        }
        return NACME_OK;
    }
}

int nacme_http_parse(nacme_http_parser_t *p, const uint8_t *data, size_t len, size_t *used,
                     nacme_http_event_t *ev)
{
    size_t i = 0;
    int rc = NACME_OK;
    if (p == NULL || used == NULL || ev == NULL || (data == NULL && len > 0)) return NACME_ERR_ARG;
    memset(ev, 0, sizeof(*ev));
    *used = 0;
    if (p->state >= ST_FINISHED) return NACME_ERR_STATE;
    /* each round consumes a byte or ends the call: bounded by len */
    while (rc == NACME_OK && ev->type == NACME_HTTP_NEED_MORE) {
        if (p->state == ST_END) {
            ev->type = NACME_HTTP_DONE;
            p->keep_alive = !p->saw_close;
            p->state = ST_FINISHED;
        } else if (p->state >= ST_BODY) {
            size_t n = len - i;
            if (p->state != ST_CLOSE && n > p->remaining) n = (size_t)p->remaining;
            if (n == 0) break;
            ev->type = NACME_HTTP_BODY;
            ev->data = data + i;
            ev->len = n;
            i += n;
            if (p->state != ST_CLOSE) {
                p->remaining -= n;
                if (p->remaining == 0) p->state = (p->state == ST_BODY) ? ST_END : ST_CHUNK_END;
            }
        } else if (i == len) {
            break;
        } else {
            uint8_t c = data[i++];
            if (c == '\n') {
                size_t n = p->line_len;
                p->line_len = 0; /* the line stays readable until the next call */
                p->cr = false;
                rc = line_done(p, n, ev);
            } else if (p->cr || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
                rc = line_error(p->state); /* CR not before LF, NUL, other controls */
            } else if (c == '\r') {
                p->cr = true;
            } else if (p->state == ST_CHUNK_END) {
                rc = NACME_ERR_HTTP_CHUNK; /* chunk data longer than its size */
            } else if (p->line_len >= p->line_cap) {
                rc = NACME_ERR_HTTP_LINE_TOO_LONG;
            } else {
                p->line[p->line_len++] = (char)c;
            }
        }
    }
    *used = i;
    if (rc != NACME_OK) {
        memset(ev, 0, sizeof(*ev));
        p->state = ST_ERROR;
    }
    return rc;
}

int nacme_http_parse_eof(nacme_http_parser_t *p, nacme_http_event_t *ev)
{
    if (p == NULL || ev == NULL) return NACME_ERR_ARG;
    memset(ev, 0, sizeof(*ev));
    if (p->state >= ST_FINISHED) return NACME_ERR_STATE;
    /* keep_alive stays false: it is only set when parse() delivers DONE */
    if (p->state == ST_CLOSE || p->state == ST_END) {
        ev->type = NACME_HTTP_DONE;
        p->state = ST_FINISHED;
        return NACME_OK;
    }
    p->state = ST_ERROR;
    return NACME_ERR_HTTP_TRUNCATED;
}
