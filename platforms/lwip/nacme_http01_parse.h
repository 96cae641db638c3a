/*
 * The request reader of the lwIP http-01 responder: consumes an HTTP/1.x
 * request head in pieces of any size (as TCP delivers it), keeps only its
 * request line and decides the answer. No lwIP dependency: the host tests
 * and the fuzzer build it natively.
 */
#ifndef NACME_HTTP01_PARSE_H
#define NACME_HTTP01_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Longest request line kept, without its line end: "GET " + the challenge
 * path (28) + a 128-character token + " HTTP/1.1" is 169; an absolute-form
 * target adds "http://host". Longer lines are answered 414.
 */
#ifndef NACME_HTTP01_LINE_MAX
#define NACME_HTTP01_LINE_MAX 200
#endif

/* Longest request head (request line and headers), bytes; more is answered 431. */
#ifndef NACME_HTTP01_HEAD_MAX
#define NACME_HTTP01_HEAD_MAX 2048
#endif

/* Longest token served (RFC 8555 sets no maximum; CAs use 43 characters). */
#define NACME_HTTP01_TOKEN_MAX 128

/* The path prefix of http-01 (RFC 8555 section 8.3). */
#define NACME_HTTP01_PREFIX "/.well-known/acme-challenge/"

typedef struct nacme_http01_req {
    /* results, when nacme_http01_req_feed() answered NACME_OK */
    uint16_t status;   /* 0: serve the token; else the status to answer (400, 404, 405, 414, 431) */
    bool head;         /* a HEAD request (no body in the answer) */
    const char *token; /* status 0: the token, in line[] (not NUL-terminated) */
    size_t token_len;
    /* private */
    uint8_t state;
    bool line_start;   /* in the headers: at the start of a line (an empty one ends the head) */
    uint16_t line_len;
    uint32_t head_len;
    char line[NACME_HTTP01_LINE_MAX];
} nacme_http01_req_t;

/* nacme_http01_req_init() - start reading a request. */
void nacme_http01_req_init(nacme_http01_req_t *r);

/*
 * nacme_http01_req_feed() - consume data[0..len) up to the end of the head;
 * *used gets the bytes taken (the rest belongs to a request body or a next
 * request, which the responder ignores). Return NACME_PENDING while the
 * head is incomplete (all of data used), NACME_OK once the answer is known
 * (r->status, r->head, r->token), also at once for a request line that is
 * too long (414) or a head beyond NACME_HTTP01_HEAD_MAX (431). After
 * NACME_OK further calls use nothing and answer NACME_OK again.
 * NACME_ERR_ARG for NULL r or used, or NULL data with len > 0.
 *
 * The answer: 400 for a request line that is not "METHOD SP TARGET SP
 * HTTP/1.0|1.1" (single spaces, no control characters) or a target that is
 * neither origin form ("/...") nor absolute form ("http://host/..."); 405
 * for a method other than GET and HEAD; 404 for a path (the query cut off)
 * that is not NACME_HTTP01_PREFIX followed by 1..NACME_HTTP01_TOKEN_MAX
 * base64url characters; otherwise 0 with the token. Line ends are CRLF or
 * LF; empty lines before the request line are skipped (RFC 9112 section
 * 2.2). Header lines are counted, not interpreted.
 */
int nacme_http01_req_feed(nacme_http01_req_t *r, const uint8_t *data, size_t len, size_t *used);

#ifdef __cplusplus
}
#endif

#endif /* NACME_HTTP01_PARSE_H */
