/* Base64url and standard base64 (RFC 4648), one-shot, over caller buffers. */
#include "nacme_b64.h"

#include "internal.h"

static const char url_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char std_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t nacme_b64url_encoded_len(size_t n)
{
    return (n / 3u) * 4u + ((n % 3u) ? (n % 3u) + 1u : 0u);
}

size_t nacme_b64_encoded_len(size_t n)
{
    return ((n + 2u) / 3u) * 4u;
}

size_t nacme_b64_group(const uint8_t *g, size_t n, char *out, int url)
{
    const char *alphabet = url ? url_alphabet : std_alphabet;
    uint32_t v = ((uint32_t)g[0] << 16) | ((uint32_t)(n > 1 ? g[1] : 0) << 8) | (n > 2 ? g[2] : 0);
    out[0] = alphabet[(v >> 18) & 63u];
    out[1] = alphabet[(v >> 12) & 63u];
    if (n == 1) return 2;
    out[2] = alphabet[(v >> 6) & 63u];
    if (n == 2) return 3;
    out[3] = alphabet[v & 63u];
    return 4;
}

static int encode(int url, const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len)
{
    size_t need = url ? nacme_b64url_encoded_len(n) : nacme_b64_encoded_len(n);
    if ((in == NULL && n > 0) || out == NULL) return NACME_ERR_ARG;
    if (need > cap) return NACME_ERR_TOO_LARGE;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3u) {
        o += nacme_b64_group(in + i, n - i < 3u ? n - i : 3u, out + o, url);
    }
    while (!url && (o & 3u)) out[o++] = '='; /* standard base64 pads the last group */
    if (o < cap) out[o] = '\0';
    if (out_len) *out_len = o;
    return NACME_OK;
}

int nacme_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len)
{
    return encode(1, in, n, out, cap, out_len);
}

int nacme_b64_encode(const uint8_t *in, size_t n, char *out, size_t cap, size_t *out_len)
{
    return encode(0, in, n, out, cap, out_len);
}

int nacme_b64_value(char c, int url)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

/* Decode n characters with no padding; n % 4 != 1; trailing bits must be 0. */
static int decode(int url, const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if ((in == NULL && n > 0) || (out == NULL && cap > 0)) return NACME_ERR_ARG;
    if (n % 4u == 1u) return NACME_ERR_BASE64;
    size_t need = (n / 4u) * 3u + (n % 4u ? n % 4u - 1u : 0u);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int v = nacme_b64_value(in[i], url);
        if (v < 0) return NACME_ERR_BASE64;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6u;
        if (bits >= 8u) {
            bits -= 8u;
            if (o >= cap) return NACME_ERR_TOO_LARGE;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1u;
        }
    }
    if (acc != 0) return NACME_ERR_BASE64; /* non-canonical trailing bits */
    if (o != need) return NACME_ERR_INTERNAL;
    if (out_len) *out_len = o;
    return NACME_OK;
}

int nacme_b64url_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    return decode(1, in, n, out, cap, out_len);
}

int nacme_b64_decode(const char *in, size_t n, uint8_t *out, size_t cap, size_t *out_len)
{
    if (in == NULL && n > 0) return NACME_ERR_ARG;
    if (n % 4u != 0) return NACME_ERR_BASE64;
    size_t pads = 0;
    if (n >= 1 && in[n - 1] == '=') pads++;
    if (n >= 2 && in[n - 2] == '=') pads++;
    return decode(0, in, n - pads, out, cap, out_len);
}
