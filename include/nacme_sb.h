/*
 * Bounded string builder with a sticky overflow flag, base64url layers and
 * an output tap.
 *
 * Everything nanoacme writes (HTTP requests, JSON, JWS) goes through one of
 * these over a caller buffer. Writes past the capacity set a sticky error and
 * are dropped, so a writer checks once at the end instead of after every
 * call. nacme_sb_b64_begin() makes the following bytes come out
 * base64url-encoded (layers nest: an EAB JWS inside a JWS payload), and a tap
 * sees every byte as it is stored, so a JWS signing input is hashed while it
 * is written without a second copy.
 */
#ifndef NACME_SB_H
#define NACME_SB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tap: sees stored bytes; a negative return becomes the builder's error. */
typedef int (*nacme_sb_tap_fn)(void *ctx, const uint8_t *data, size_t len);

typedef struct nacme_sb {
    char *buf;     /* caller's buffer */
    size_t cap;    /* its size */
    size_t len;    /* bytes stored */
    int err;       /* first error (sticky): NACME_ERR_TOO_LARGE or a tap's error */
    /* private */
    uint8_t depth; /* active base64url layers */
    uint8_t carry_len[NACME_SB_B64_DEPTH];
    uint8_t carry[NACME_SB_B64_DEPTH][3];
    nacme_sb_tap_fn tap;
    void *tap_ctx;
} nacme_sb_t;

/* nacme_sb_init() - start an empty builder over buf[0..cap). */
void nacme_sb_init(nacme_sb_t *sb, char *buf, size_t cap);

/* nacme_sb_put() - append len bytes (through the active base64url layers). */
void nacme_sb_put(nacme_sb_t *sb, const void *data, size_t len);

/* nacme_sb_puts() - append a NUL-terminated string (without the NUL). */
void nacme_sb_puts(nacme_sb_t *sb, const char *s);

/* nacme_sb_putc() - append one byte. */
void nacme_sb_putc(nacme_sb_t *sb, char c);

/* nacme_sb_put_u64() - append v in decimal. */
void nacme_sb_put_u64(nacme_sb_t *sb, uint64_t v);

/* nacme_sb_put_i64() - append v in decimal, with '-' when negative. */
void nacme_sb_put_i64(nacme_sb_t *sb, int64_t v);

/*
 * nacme_sb_b64_begin() - bytes appended from now on are base64url-encoded
 * (RFC 4648 section 5, no padding) before they reach the layer below. Up to
 * NACME_SB_B64_DEPTH layers nest; one more sets NACME_ERR_STATE.
 */
void nacme_sb_b64_begin(nacme_sb_t *sb);

/* nacme_sb_b64_end() - flush and close the innermost base64url layer. */
void nacme_sb_b64_end(nacme_sb_t *sb);

/*
 * nacme_sb_set_tap() - call tap(ctx, bytes) for every byte stored from now
 * on (after all encoding); NULL removes it. Bytes already stored are not
 * replayed. Typically the JWS signing input: set the tap before the
 * protected header's base64url, remove it after the payload's.
 */
void nacme_sb_set_tap(nacme_sb_t *sb, nacme_sb_tap_fn tap, void *ctx);

/*
 * nacme_sb_status() - NACME_OK, or the first error: NACME_ERR_TOO_LARGE when
 * something did not fit, NACME_ERR_STATE for unbalanced layers, or a tap's
 * error. Layers must all be closed for NACME_OK.
 */
int nacme_sb_status(const nacme_sb_t *sb);

/*
 * nacme_sb_cstr() - NUL-terminate the contents (the NUL is not counted in
 * len) and return the buffer, or NULL when there is no room or an error is set.
 */
const char *nacme_sb_cstr(nacme_sb_t *sb);

#ifdef __cplusplus
}
#endif

#endif /* NACME_SB_H */
