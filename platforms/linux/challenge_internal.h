/*
 * Helpers the challenge responders share (defined in challenge.c): log
 * lines, listening sockets, and the checks of material from the engine.
 */
#ifndef NACME_LINUX_CHALLENGE_INTERNAL_H
#define NACME_LINUX_CHALLENGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_linux_challenge.h"

/* One formatted line to log->write (cut at 255 bytes); nothing when write is NULL. */
void nacme_linux_log(const nacme_log_t *log, nacme_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Parse a listening address: an IPv4 or IPv6 literal, or NULL for "::"
 * dual-stack; port 0 means def_port. NACME_ERR_ARG when text is neither.
 */
int nacme_linux_addr_set(nacme_linux_addr_t *a, const char *text, uint16_t port, uint16_t def_port);

/*
 * A non-blocking listening TCP socket on a (dual-stack "::" falls back to
 * 0.0.0.0 on a host without IPv6). Return the descriptor, or
 * NACME_ERR_CHALLENGE with a log line naming what, the address and why.
 */
int nacme_linux_listen(const nacme_linux_addr_t *a, const nacme_log_t *log, const char *what);

/* 1..NACME_LINUX_TOKEN_MAX base64url characters (safe as a file name and URL path). */
bool nacme_linux_token_ok(const char *token);

/* The key authorization belongs to token: "TOKEN." then base64url, within bounds. */
bool nacme_linux_key_auth_ok(const char *token, const char *key_auth);

/* A DNS name: 1..NACME_LINUX_NAME_MAX of letters, digits, '-', '_', '.'. */
bool nacme_linux_name_ok(const char *name);

/* Compare two names ignoring ASCII case; lengths must match. */
bool nacme_linux_name_eq(const char *a, const char *b, size_t b_len);

/* ---- parsers of network input (challenge_parse.c) ------------------------------ */

#define NACME_LINUX_ACME_TLS_1 "acme-tls/1"

/* What a request for challenge material asks. */
typedef struct nacme_linux_http_req {
    bool head;         /* HEAD, else GET */
    const char *token; /* the path after /.well-known/acme-challenge/ (in the head), query cut */
    size_t token_len;
} nacme_linux_http_req_t;

/*
 * Bytes of the request head in b[0..n) through its empty line (CRLF or LF
 * line ends; an empty first line does not end it), 0 while incomplete.
 */
size_t nacme_linux_http_head_len(const char *b, size_t n);

/*
 * Check the request head b[0..n) (what nacme_linux_http_head_len() gave).
 * Return 0 for GET or HEAD of /.well-known/acme-challenge/TOKEN (origin or
 * absolute form) with TOKEN (non-empty, not checked further) in *req; else
 * the status to answer: 400 for a malformed request line or header line,
 * 405 for another method, 404 for another path.
 */
int nacme_linux_http_parse(const char *b, size_t n, nacme_linux_http_req_t *req);

/* What a ClientHello offers; sni points into the record. */
typedef struct nacme_linux_tls_hello {
    const uint8_t *sni; /* first host_name, not NUL-terminated; NULL: none */
    size_t sni_len;
    bool acme;          /* the ALPN list offers acme-tls/1 */
} nacme_linux_tls_hello_t;

/*
 * Parse the TLS record rec[0..n) (5-byte header, which the caller checked,
 * and its whole payload) as one complete ClientHello. false when it is
 * not one, is fragmented, or any length disagrees with what holds it.
 */
bool nacme_linux_tls_hello(const uint8_t *rec, size_t n, nacme_linux_tls_hello_t *out);

#endif
