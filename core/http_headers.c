/* HTTP header value helpers: names, media types, Retry-After, Link (RFC 8288). */
#include "nacme_http.h"

#include <string.h>

#include "http_internal.h"
#include "internal.h"
#include "nacme_time.h"

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

size_t nacme_http_token_len(const char *s, size_t n)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t k = 0;
    for (; k < n; k++) {
        char c = s[k];
        char l = (char)(c | 0x20);
        if (!((l >= 'a' && l <= 'z') || (c >= '0' && c <= '9') ||
              (c != '\0' && memchr(extra, c, sizeof(extra) - 1u) != NULL)))
            break;
    }
    return k;
}

void nacme_http_trim(const char **s, size_t *n)
{
    while (*n > 0 && is_ows(**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_ows((*s)[*n - 1u])) (*n)--;
}

bool nacme_http_parse_u64(const char *s, size_t n, uint64_t *out)
{
    uint64_t x = 0;
    if (n == 0) return false;
    for (size_t k = 0; k < n; k++) {
        unsigned d = (unsigned)(s[k] - '0');
        if (d > 9u || x > (UINT64_MAX - d) / 10u) return false;
        x = x * 10u + d;
    }
    *out = x;
    return true;
}

bool nacme_http_name_is(const char *name, size_t name_len, const char *expected)
{
    return name != NULL && expected != NULL && strlen(expected) == name_len &&
           nacme_memeq_ci(name, expected, name_len);
}

bool nacme_http_media_type_is(const char *value, size_t len, const char *expected)
{
    const char *semi;
    if (value == NULL) return false;
    semi = memchr(value, ';', len);
    if (semi != NULL) len = (size_t)(semi - value);
    nacme_http_trim(&value, &len);
    return nacme_http_name_is(value, len, expected);
}

int nacme_http_retry_after(const char *value, size_t len, int64_t now, int64_t *seconds)
{
    uint64_t x;
    int64_t t;
    if (value == NULL || seconds == NULL) return NACME_ERR_ARG;
    nacme_http_trim(&value, &len);
    if (nacme_http_parse_u64(value, len, &x)) {
        if (x > (uint64_t)INT64_MAX) return NACME_ERR_TIME;
        *seconds = (int64_t)x;
        return NACME_OK;
    }
    if (nacme_time_parse_http_date(value, len, &t) != NACME_OK) return NACME_ERR_TIME;
    /* t - now in unsigned arithmetic: it cannot overflow there */
    x = (uint64_t)t - (uint64_t)now;
    *seconds = (t <= now) ? 0 : (x > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)x);
    return NACME_OK;
}

static size_t skip_ows(const char *s, size_t len, size_t i)
{
    while (i < len && is_ows(s[i])) i++;
    return i;
}

/*
 * A parameter value at s[*i]: a token or a quoted-string (backslash escapes
 * kept as they are). Sets *v and *vn to it (inside the quotes) and advances *i.
 */
static int param_value(const char *s, size_t len, size_t *i, const char **v, size_t *vn)
{
    size_t k = *i;
    if (k < len && s[k] == '"') {
        size_t start = ++k;
        while (k < len && s[k] != '"') k += (s[k] == '\\') ? 2u : 1u;
        if (k >= len) return NACME_ERR_HTTP_HEADER; /* unterminated */
        *v = s + start;
        *vn = k - start;
        *i = k + 1u;
        return NACME_OK;
    }
    *vn = nacme_http_token_len(s + k, len - k);
    if (*vn == 0) return NACME_ERR_HTTP_HEADER;
    *v = s + k;
    *i = k + *vn;
    return NACME_OK;
}

int nacme_http_link_next(const char *value, size_t len, size_t *pos, nacme_http_link_t *link)
{
    size_t i;
    const char *end;
    if (value == NULL || pos == NULL || link == NULL || *pos > len) return NACME_ERR_ARG;
    memset(link, 0, sizeof(*link));
    i = *pos;
    while (i < len && (is_ows(value[i]) || value[i] == ',')) i++; /* empty list elements */
    *pos = i;
    if (i == len) return NACME_ERR_NOT_FOUND;
    if (value[i] != '<' || (end = memchr(value + i, '>', len - i)) == NULL) return NACME_ERR_HTTP_HEADER;
    link->url = value + i + 1u;
    link->url_len = (size_t)(end - link->url);
    i = (size_t)(end - value) + 1u;
    /* each round consumes at least the ';' and a name: bounded by len */
    for (;;) {
        const char *name, *v = NULL;
        size_t name_len, vn = 0;
        i = skip_ows(value, len, i);
        if (i == len || value[i] == ',') break;
        if (value[i] != ';') return NACME_ERR_HTTP_HEADER;
        i = skip_ows(value, len, i + 1u);
        name = value + i;
        name_len = nacme_http_token_len(name, len - i);
        if (name_len == 0) return NACME_ERR_HTTP_HEADER;
        i = skip_ows(value, len, i + name_len);
        if (i < len && value[i] == '=') {
            i = skip_ows(value, len, i + 1u);
            if (param_value(value, len, &i, &v, &vn) != NACME_OK) return NACME_ERR_HTTP_HEADER;
        }
        /* only the first rel counts (RFC 8288 section 3.3) */
        if (link->rel == NULL && v != NULL && nacme_http_name_is(name, name_len, "rel")) {
            link->rel = v;
            link->rel_len = vn;
        }
    }
    *pos = i;
    return NACME_OK;
}

bool nacme_http_link_has_rel(const nacme_http_link_t *link, const char *relation)
{
    size_t i = 0;
    if (link == NULL || link->rel == NULL || relation == NULL) return false;
    while (i < link->rel_len) {
        size_t k = i;
        while (k < link->rel_len && !is_ows(link->rel[k])) k++;
        if (k > i && nacme_http_name_is(link->rel + i, k - i, relation)) return true;
        i = k + 1u;
    }
    return false;
}
