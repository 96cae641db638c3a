/*
 * Helpers the challenge responders share (defined in challenge.c): log
 * lines, listening sockets, and the checks of material from the engine.
 */
#ifndef NACME_LINUX_CHALLENGE_INTERNAL_H
#define NACME_LINUX_CHALLENGE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
