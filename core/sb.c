/* Bounded string builder: sticky overflow, nested base64url layers, a tap. */
#include "nacme_sb.h"

#include <string.h>

#include "internal.h"


/*
 * Bytes per round through the layers: 3 input bytes at the top give at most
 * 4, 8, 12, 16 characters after 1..4 layers (each layer may hold 2 bytes back).
 */
#define ROUND_IN 3u
#define ROUND_MAX 24u

void nacme_sb_init(nacme_sb_t *sb, char *buf, size_t cap)
{
    memset(sb, 0, sizeof(*sb));
    sb->buf = buf;
    sb->cap = cap;
}

/* Store bytes below all layers and show them to the tap. */
static void store(nacme_sb_t *sb, const uint8_t *data, size_t len)
{
    if (sb->err != NACME_OK || len == 0) return;
    if (len > sb->cap - sb->len) {
        sb->err = NACME_ERR_TOO_LARGE;
        return;
    }
    memcpy(sb->buf + sb->len, data, len);
    if (sb->tap != NULL) {
        int rc = sb->tap(sb->tap_ctx, (const uint8_t *)sb->buf + sb->len, len);
        if (rc < 0) sb->err = rc;
    }
    sb->len += len;
}

/* Encode in[0..n) through layer k's carry into out; return characters made. */
static size_t encode_layer(nacme_sb_t *sb, unsigned k, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t made = 0;
    for (size_t i = 0; i < n; i++) {
        sb->carry[k][sb->carry_len[k]++] = in[i];
        if (sb->carry_len[k] == 3u) {
            made += nacme_b64_group(sb->carry[k], 3, (char *)out + made, 1);
            sb->carry_len[k] = 0;
        }
    }
    return made;
}

/* Pass in[0..n) (n <= ROUND_MAX) through layers top-1 .. 0 and store the result. */
static void pass_down(nacme_sb_t *sb, unsigned top, const uint8_t *in, size_t n)
{
    uint8_t a[ROUND_MAX], b[ROUND_MAX];
    const uint8_t *cur = in;
    uint8_t *next = a;
    for (unsigned level = top; level > 0 && n > 0; level--) {
        n = encode_layer(sb, level - 1u, cur, n, next);
        cur = next;
        next = (next == a) ? b : a;
    }
    store(sb, cur, n);
}

void nacme_sb_put(nacme_sb_t *sb, const void *data, size_t len)
{
    const uint8_t *p = data;
    if (sb->err != NACME_OK || len == 0) return;
    if (sb->depth == 0) {
        store(sb, p, len);
        return;
    }
    while (len > 0 && sb->err == NACME_OK) {
        size_t n = len < ROUND_IN ? len : ROUND_IN;
        pass_down(sb, sb->depth, p, n);
        p += n;
        len -= n;
    }
}

void nacme_sb_puts(nacme_sb_t *sb, const char *s)
{
    nacme_sb_put(sb, s, strlen(s));
}

void nacme_sb_putc(nacme_sb_t *sb, char c)
{
    nacme_sb_put(sb, &c, 1);
}

void nacme_sb_put_u64(nacme_sb_t *sb, uint64_t v)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1u - n] = (char)('0' + (v % 10u));
        v /= 10u;
        n++;
    } while (v != 0);
    nacme_sb_put(sb, digits + sizeof(digits) - n, n);
}

void nacme_sb_put_i64(nacme_sb_t *sb, int64_t v)
{
    if (v < 0) {
        nacme_sb_putc(sb, '-');
        /* negate in unsigned arithmetic: INT64_MIN has no positive twin */
        nacme_sb_put_u64(sb, (uint64_t)0 - (uint64_t)v);
    } else {
        nacme_sb_put_u64(sb, (uint64_t)v);
    }
}

void nacme_sb_b64_begin(nacme_sb_t *sb)
{
    if (sb->err != NACME_OK) return;
    if (sb->depth >= NACME_SB_B64_DEPTH) {
        sb->err = NACME_ERR_STATE;
        return;
    }
    sb->carry_len[sb->depth] = 0;
    sb->depth++;
}

void nacme_sb_b64_end(nacme_sb_t *sb)
{
    if (sb->err != NACME_OK) return;
    if (sb->depth == 0) {
        sb->err = NACME_ERR_STATE;
        return;
    }
    unsigned k = sb->depth - 1u;
    uint8_t tail[4];
    size_t n = sb->carry_len[k] ? nacme_b64_group(sb->carry[k], sb->carry_len[k], (char *)tail, 1) : 0;
    sb->carry_len[k] = 0;
    sb->depth--;
    if (n > 0) pass_down(sb, sb->depth, tail, n);
}

void nacme_sb_set_tap(nacme_sb_t *sb, nacme_sb_tap_fn tap, void *ctx)
{
    sb->tap = tap;
    sb->tap_ctx = ctx;
}

int nacme_sb_status(const nacme_sb_t *sb)
{
    if (sb->err != NACME_OK) return sb->err;
    return sb->depth == 0 ? NACME_OK : NACME_ERR_STATE;
}

const char *nacme_sb_cstr(nacme_sb_t *sb)
{
    if (sb->err != NACME_OK || sb->len >= sb->cap) return NULL;
    sb->buf[sb->len] = '\0';
    return sb->buf;
}
