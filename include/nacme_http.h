/*
 * HTTP/1.1 for ACME: a request writer and an incremental response parser.
 *
 * The parser is a pull parser (picohttpparser/BearSSL style): feed it any
 * number of bytes, one at a time included; it consumes what it can up to the
 * next event and says how much it used. Events: each header line (name and
 * value, for the caller to keep what it needs), end of headers, a body span
 * (pointing into the caller's input: zero copy), end of message. Framing
 * (Content-Length, chunked, close-delimited, HEAD, 1xx/204/304) is handled
 * inside; the caller sees only body bytes. Line length and header count are
 * bounded by NACME_HTTP_LINE_MAX and NACME_HTTP_MAX_HEADERS.
 */
#ifndef NACME_HTTP_H
#define NACME_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"
#include "nacme_sb.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- request writer --------------------------------------------------------- */

typedef struct nacme_http_request {
    const char *method;       /* "GET", "HEAD", "POST" */
    const char *host;         /* Host header: name, IPv4, or IPv6 without brackets */
    size_t host_len;          /* its length; 0: host is NUL-terminated */
    uint16_t port;            /* added to Host when not 443 */
    const char *path;         /* origin-form path with query, starting with '/' */
    size_t path_len;          /* its length; 0: path is NUL-terminated */
    const char *content_type; /* e.g. "application/jose+json"; NULL for none */
    const char *accept;       /* Accept header value; NULL for none */
    size_t content_length;    /* body bytes that follow (sent when content_type is set) */
} nacme_http_request_t;

/*
 * nacme_http_write_request() - append the request line and headers (Host,
 * User-Agent nanoacme/NACME_VERSION, Accept, Content-Type, Content-Length,
 * the blank line) to sb. The body is not written. Host gets ":port" unless
 * the port is 443, and brackets when it holds a ':' (IPv6 literal).
 * Return NACME_OK, NACME_ERR_ARG (nothing written) for a missing field, port
 * 0, a method that is not a token, a path not starting with '/', a control
 * character (CR, LF, ...) or DEL in any field, or SP/HTAB in the method, host
 * or path (no header or request-line injection), or the builder's error
 * (NACME_ERR_TOO_LARGE).
 */
int nacme_http_write_request(nacme_sb_t *sb, const nacme_http_request_t *req);

/* ---- response parser -------------------------------------------------------- */

typedef enum nacme_http_event_type {
    NACME_HTTP_NEED_MORE = 0, /* all input used; feed more */
    NACME_HTTP_HEADER,        /* one header: name/value below */
    NACME_HTTP_HEADERS_DONE,  /* status and headers complete */
    NACME_HTTP_BODY,          /* body bytes: data/len below */
    NACME_HTTP_DONE           /* message complete */
} nacme_http_event_type_t;

typedef struct nacme_http_event {
    nacme_http_event_type_t type;
    /* NACME_HTTP_HEADER: valid until the next call (they point into the parser) */
    const char *name;
    size_t name_len;
    const char *value; /* leading/trailing whitespace removed */
    size_t value_len;
    /* NACME_HTTP_BODY: points into the input given to nacme_http_parse() */
    const uint8_t *data;
    size_t len;
} nacme_http_event_t;

typedef struct nacme_http_parser {
    /* results, valid from NACME_HTTP_HEADERS_DONE on */
    uint16_t status;          /* e.g. 200 */
    bool keep_alive;          /* connection can carry the next request (after DONE) */
    bool chunked;
    bool has_length;
    uint64_t content_length;
    /* private */
    uint8_t state;
    uint8_t http_minor;
    bool head;                /* response to HEAD: no body */
    bool saw_close;
    bool saw_keep_alive;
    bool cr;                  /* a CR ended the line so far: LF must follow */
    uint16_t headers;         /* header and trailer lines seen (1xx included) */
    char *line;               /* caller's line buffer */
    size_t line_cap;
    size_t line_len;
    uint64_t remaining;       /* body or chunk bytes still due */
} nacme_http_parser_t;

/*
 * nacme_http_parser_init() - ready for one response. head: the request was
 * HEAD, so the response has no body whatever its headers say. line: a
 * caller buffer of line_cap bytes (at most NACME_HTTP_LINE_MAX are used)
 * holding the status, header and chunk-size lines while they arrive; the
 * engine lends the free part of its I/O buffer, so the parser itself is small.
 * A line may hold min(line_cap, NACME_HTTP_LINE_MAX) bytes, its CRLF or LF
 * not counted.
 *
 * What the parser accepts: "HTTP/1.0" or "HTTP/1.1", a status 100..599
 * (101 is refused: we never ask to switch protocols), any reason (may be
 * empty); header lines "token: value" (no obs-fold, no space before the
 * colon); CRLF or bare LF line ends; no NUL, lone CR or other control
 * character inside a line (HTAB allowed). Framing: Transfer-Encoding must be
 * exactly "chunked" (other codings: NACME_ERR_HTTP_LENGTH); with both
 * chunked and Content-Length, chunked is used, has_length cleared, and the
 * connection not reused; no length at all means the body runs to EOF.
 * Interim 1xx responses are skipped with their headers; HEAD, 204 and 304
 * have no body. Trailers are checked and dropped. NACME_HTTP_MAX_HEADERS
 * counts every header line of the exchange (1xx and trailers included).
 */
void nacme_http_parser_init(nacme_http_parser_t *p, bool head, char *line, size_t line_cap);

/*
 * nacme_http_parse() - consume input from data[0..len) up to the next event.
 * *used gets the bytes consumed (they need not be given again), ev the
 * event. NEED_MORE comes only when all len bytes were used. A BODY span
 * ends exactly at data + *used (chunk framing before it is consumed in the
 * same call). After DONE the bytes not used belong to the next response.
 * keep_alive is set at DONE. Return NACME_OK, NACME_ERR_ARG, or a negative
 * error: NACME_ERR_HTTP_STATUS, _HEADER, _LINE_TOO_LONG, _TOO_MANY_HEADERS,
 * _CHUNK, _LENGTH (a header that breaks the framing is not delivered).
 * After an error or DONE, further calls return NACME_ERR_STATE.
 */
int nacme_http_parse(nacme_http_parser_t *p, const uint8_t *data, size_t len, size_t *used,
                     nacme_http_event_t *ev);

/*
 * nacme_http_parse_eof() - the connection ended. NACME_OK with ev DONE (and
 * keep_alive false) when the body was close-delimited, or complete with DONE
 * not yet delivered; NACME_ERR_HTTP_TRUNCATED when the message was
 * incomplete (no byte at all included); NACME_ERR_STATE after DONE or an error.
 */
int nacme_http_parse_eof(nacme_http_parser_t *p, nacme_http_event_t *ev);

/* ---- header value helpers --------------------------------------------------- */

/* nacme_http_name_is() - case-insensitive comparison of a header name. */
bool nacme_http_name_is(const char *name, size_t name_len, const char *expected);

/*
 * nacme_http_media_type_is() - true when a Content-Type value names the
 * media type expected, compared case-insensitively and without parameters:
 * "application/json; charset=utf-8" is "application/json",
 * "application/jsonx" is not.
 */
bool nacme_http_media_type_is(const char *value, size_t len, const char *expected);

/*
 * nacme_http_retry_after() - parse a Retry-After value: delta-seconds, or an
 * HTTP-date (nacme_time_parse_http_date) turned into seconds after now (0
 * when already past). OWS around the value is ignored. Return NACME_OK with
 * *seconds, NACME_ERR_TIME (malformed, or more than INT64_MAX seconds;
 * *seconds untouched), or NACME_ERR_ARG.
 */
int nacme_http_retry_after(const char *value, size_t len, int64_t now, int64_t *seconds);

/* One link of a Link header (RFC 8288). */
typedef struct nacme_http_link {
    const char *url; /* target, without the angle brackets */
    size_t url_len;
    const char *rel; /* rel parameter value, without quotes; may hold several relations */
    size_t rel_len;
} nacme_http_link_t;

/*
 * nacme_http_link_next() - parse the next link of a Link header value,
 * starting at *pos (0 first) and advancing it. Return NACME_OK with *link
 * set, NACME_ERR_NOT_FOUND when no links remain, NACME_ERR_HTTP_HEADER when
 * malformed (stop there: *pos is not advanced past the bad link),
 * NACME_ERR_ARG. Parameters other than rel are skipped (quoted strings with
 * commas and semicolons included); only the first rel counts; a quoted rel
 * is given without its quotes, backslash escapes left as they are. No rel:
 * link->rel is NULL.
 */
int nacme_http_link_next(const char *value, size_t len, size_t *pos, nacme_http_link_t *link);

/*
 * nacme_http_link_has_rel() - true when the link's rel lists relation
 * (case-insensitive; relations separated by spaces).
 */
bool nacme_http_link_has_rel(const nacme_http_link_t *link, const char *relation);

#ifdef __cplusplus
}
#endif

#endif /* NACME_HTTP_H */
