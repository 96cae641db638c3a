/* IP address text <-> bytes, and reverse-DNS names (RFC 8738 tls-alpn-01 SNI). */
#include <string.h>

#include "internal.h"
#include "nacme_ip.h"

/* Dotted quad, each part 0..255 without leading zeros. */
static int parse_ipv4(const char *s, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || s[i] != '.') return NACME_ERR_ARG;
            i++;
        }
        size_t start = i;
        unsigned v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3) {
            v = v * 10u + (unsigned)(s[i] - '0');
            i++;
        }
        size_t digits = i - start;
        if (digits == 0 || v > 255u || (digits > 1 && s[start] == '0')) return NACME_ERR_ARG;
        out[part] = (uint8_t)v;
    }
    return i == len ? NACME_OK : NACME_ERR_ARG;
}

static int parse_ipv6(const char *s, size_t len, uint8_t out[16])
{
    uint8_t words[16];
    size_t n = 0;        /* bytes filled */
    int gap = -1;        /* byte index where "::" stands */
    size_t i = 0;
    if (len >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        i = 2;
    } else if (len >= 1 && s[0] == ':') {
        return NACME_ERR_ARG;
    }
    while (i < len) {
        if (n >= 16) return NACME_ERR_ARG;
        /* a trailing dotted quad takes the last 4 bytes */
        size_t j = i;
        while (j < len && s[j] != ':' && s[j] != '.') j++;
        if (j < len && s[j] == '.') {
            if (n > 12 || parse_ipv4(s + i, len - i, words + n) != NACME_OK) return NACME_ERR_ARG;
            n += 4;
            i = len;
            break;
        }
        unsigned v = 0;
        size_t start = i;
        while (i < len && i - start < 4) {
            int h = nacme_hex_value((unsigned char)s[i]);
            if (h < 0) break;
            v = (v << 4) | (unsigned)h;
            i++;
        }
        if (i == start) return NACME_ERR_ARG;
        words[n++] = (uint8_t)(v >> 8);
        words[n++] = (uint8_t)v;
        if (i == len) break;
        if (s[i] != ':') return NACME_ERR_ARG;
        i++;
        if (i < len && s[i] == ':') {
            if (gap >= 0) return NACME_ERR_ARG; /* a second "::" */
            gap = (int)n;
            i++;
        } else if (i == len) {
            return NACME_ERR_ARG; /* trailing single ':' */
        }
    }
    if (gap < 0) {
        if (n != 16) return NACME_ERR_ARG;
        memcpy(out, words, 16);
        return NACME_OK;
    }
    if (n > 14) return NACME_ERR_ARG; /* "::" must stand for at least one group */
    size_t g = (size_t)gap;
    size_t zeros = 16u - n;
    memcpy(out, words, g);
    memset(out + g, 0, zeros);
    memcpy(out + g + zeros, words + g, n - g);
    return NACME_OK;
}

int nacme_ip_parse(const char *text, size_t len, uint8_t out[16], size_t *out_len)
{
    if (text == NULL || len == 0 || len > 45) return NACME_ERR_ARG;
    if (memchr(text, ':', len) != NULL) {
        *out_len = 16;
        return parse_ipv6(text, len, out);
    }
    *out_len = 4;
    return parse_ipv4(text, len, out);
}

int nacme_ip_reverse_name(const uint8_t *ip, size_t ip_len, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    char buf[73];
    size_t n = 0;
    if (ip_len == 4) {
        for (size_t i = 4; i-- > 0;) {
            unsigned v = ip[i];
            if (v >= 100u) buf[n++] = (char)('0' + v / 100u);
            if (v >= 10u) buf[n++] = (char)('0' + (v / 10u) % 10u);
            buf[n++] = (char)('0' + v % 10u);
            buf[n++] = '.';
        }
        memcpy(buf + n, "in-addr.arpa", 12);
        n += 12;
    } else if (ip_len == 16) {
        for (size_t i = 16; i-- > 0;) {
            buf[n++] = hex[ip[i] & 15u];
            buf[n++] = '.';
            buf[n++] = hex[ip[i] >> 4];
            buf[n++] = '.';
        }
        memcpy(buf + n, "ip6.arpa", 8);
        n += 8;
    } else {
        return NACME_ERR_ARG;
    }
    if (n + 1u > cap) return NACME_ERR_TOO_LARGE;
    memcpy(out, buf, n);
    out[n] = '\0';
    return NACME_OK;
}
