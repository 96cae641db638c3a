/*
 * libFuzzer harness: nacme_ip_parse() against a reference parser written
 * differently (split on "::", then on ':' and '.'), and round trips:
 *  - text -> bytes: both parsers accept the same texts, with the same bytes;
 *    an accepted IPv4 text is the canonical dotted quad of its bytes;
 *  - bytes -> text -> bytes: the input's first 4 and 16 bytes formatted as
 *    a dotted quad, as eight full groups, with the longest zero run as "::"
 *    (RFC 5952), and with a trailing dotted quad, parse back to themselves;
 *  - bytes -> reverse name -> bytes with nacme_ip_reverse_name().
 * Any violation aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_ip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Reference IPv4: exactly four decimal parts 0..255, no leading zeros, no other characters. */
static int ref_v4(const char *s, size_t n, uint8_t out[4])
{
    size_t parts = 0, start = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '.') continue;
        size_t len = i - start;
        if (len == 0 || len > 3 || parts == 4) return -1;
        unsigned v = 0;
        for (size_t k = start; k < i; k++) {
            if (!digit(s[k])) return -1;
            v = v * 10 + (unsigned)(s[k] - '0');
        }
        if ((len > 1 && s[start] == '0') || v > 255) return -1;
        out[parts++] = (uint8_t)v;
        start = i + 1;
    }
    return parts == 4 ? 0 : -1;
}

/*
 * Reference groups: s[0..n) split on ':' into 16-bit words (1..4 hex
 * digits each; the last one may be a dotted quad when last_v4). Return the
 * word count, -1 when malformed. An empty s has no groups.
 */
static int ref_groups(const char *s, size_t n, int last_v4, uint16_t *w, int max)
{
    int count = 0;
    size_t start = 0;
    if (n == 0) return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != ':') continue;
        size_t len = i - start;
        if (i == n && last_v4 && memchr(s + start, '.', len) != NULL) {
            uint8_t q[4];
            if (ref_v4(s + start, len, q) != 0 || count + 2 > max) return -1;
            w[count++] = (uint16_t)(q[0] << 8 | q[1]);
            w[count++] = (uint16_t)(q[2] << 8 | q[3]);
            return count;
        }
        if (len == 0 || len > 4 || count == max) return -1;
        unsigned v = 0;
        for (size_t k = start; k < i; k++) {
            int h = hexval(s[k]);
            if (h < 0) return -1;
            v = v << 4 | (unsigned)h;
        }
        w[count++] = (uint16_t)v;
        start = i + 1;
    }
    return count;
}

static int ref_v6(const char *s, size_t n, uint8_t out[16])
{
    uint16_t head[8], tail[8], words[8];
    const char *dc = NULL;
    for (size_t i = 0; i + 1 < n; i++) {
        if (s[i] == ':' && s[i + 1] == ':') {
            if (dc != NULL) return -1; /* a second "::" (or ":::") */
            dc = s + i;
        }
    }
    int nh, nt;
    if (dc == NULL) {
        nh = ref_groups(s, n, 1, head, 8);
        if (nh != 8) return -1;
        memcpy(words, head, sizeof words);
    } else {
        size_t hl = (size_t)(dc - s);
        nh = ref_groups(s, hl, 0, head, 8);
        nt = ref_groups(dc + 2, n - hl - 2, 1, tail, 8);
        if (nh < 0 || nt < 0 || nh + nt > 7) return -1;
        memset(words, 0, sizeof words);
        memcpy(words, head, (size_t)nh * 2);
        memcpy(words + 8 - nt, tail, (size_t)nt * 2);
    }
    for (int i = 0; i < 8; i++) {
        out[2 * i] = (uint8_t)(words[i] >> 8);
        out[2 * i + 1] = (uint8_t)words[i];
    }
    return 0;
}

static void parse_must(const char *text, const uint8_t *want, size_t want_len)
{
    uint8_t out[16];
    size_t out_len = 0;
    if (nacme_ip_parse(text, strlen(text), out, &out_len) != NACME_OK) abort();
    if (out_len != want_len || memcmp(out, want, want_len) != 0) abort();
}

/* Format 16 bytes: mode 0 eight full groups, 1 RFC 5952 "::", 2 six groups and a dotted quad. */
static void format_v6(const uint8_t b[16], int mode, char *out)
{
    int best = -1, best_len = 0;
    if (mode == 1) {
        for (int i = 0; i < 8;) {
            int j = i;
            while (j < 8 && b[2 * j] == 0 && b[2 * j + 1] == 0) j++;
            if (j - i > best_len && j - i >= 2) best = i, best_len = j - i;
            i = j > i ? j : i + 1;
        }
    }
    size_t o = 0;
    int groups = mode == 2 ? 6 : 8;
    for (int i = 0; i < groups; i++) {
        if (i == best) {
            o += (size_t)sprintf(out + o, i == 0 ? "::" : ":");
            i += best_len - 1;
            continue;
        }
        o += (size_t)sprintf(out + o, "%x%s", b[2 * i] << 8 | b[2 * i + 1], i + 1 < groups ? ":" : "");
    }
    if (mode == 2) sprintf(out + o, ":%u.%u.%u.%u", b[12], b[13], b[14], b[15]);
}

/* The reverse name decodes back to the address. */
static void reverse_must(const uint8_t *ip, size_t len)
{
    char name[73];
    if (nacme_ip_reverse_name(ip, len, name, sizeof name) != NACME_OK) abort();
    uint8_t back[16];
    if (len == 4) {
        unsigned a, b, c, d;
        char tail[16];
        if (sscanf(name, "%u.%u.%u.%u.%15s", &d, &c, &b, &a, tail) != 5 || strcmp(tail, "in-addr.arpa") != 0) abort();
        back[0] = (uint8_t)a, back[1] = (uint8_t)b, back[2] = (uint8_t)c, back[3] = (uint8_t)d;
    } else {
        if (strlen(name) != 72 || strcmp(name + 64, "ip6.arpa") != 0) abort();
        for (size_t i = 0; i < 16; i++) {
            int lo = hexval(name[4 * (15 - i)]), hi = hexval(name[4 * (15 - i) + 2]);
            if (lo < 0 || hi < 0 || name[4 * (15 - i) + 1] != '.' || name[4 * (15 - i) + 3] != '.') abort();
            back[i] = (uint8_t)(hi << 4 | lo);
        }
    }
    if (memcmp(back, ip, len) != 0) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64) return 0;
    const char *text = (const char *)data;
    uint8_t got[16], want[16];
    size_t got_len = 0;
    int rc = nacme_ip_parse(text, size, got, &got_len);
    if (rc != NACME_OK && rc != NACME_ERR_ARG) abort();
    int is6 = memchr(text, ':', size) != NULL;
    int ref = size == 0 ? -1 : is6 ? ref_v6(text, size, want) : ref_v4(text, size, want);
    if ((rc == NACME_OK) != (ref == 0)) abort();
    if (rc == NACME_OK) {
        if (got_len != (is6 ? 16u : 4u) || memcmp(got, want, got_len) != 0) abort();
        if (!is6) {
            char canon[16];
            snprintf(canon, sizeof canon, "%u.%u.%u.%u", got[0], got[1], got[2], got[3]);
            if (strlen(canon) != size || memcmp(canon, text, size) != 0) abort();
        }
        reverse_must(got, got_len);
    }

    /* the input's bytes as an address */
    uint8_t b[16] = {0};
    memcpy(b, data, size < 16 ? size : 16);
    char t[64];
    snprintf(t, sizeof t, "%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
    parse_must(t, b, 4);
    reverse_must(b, 4);
    for (int mode = 0; mode < 3; mode++) {
        format_v6(b, mode, t);
        parse_must(t, b, 16);
    }
    reverse_must(b, 16);
    return 0;
}
