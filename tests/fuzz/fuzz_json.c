/*
 * libFuzzer harness for core/json.c:
 *  - the verdict (OK / NACME_ERR_JSON / NACME_ERR_TOO_LARGE for depth) must
 *    match an independent recursive-descent RFC 8259 validator written here;
 *  - the input fed in three pieces (cut points derived from the data) and,
 *    for small inputs, one byte at a time, must give the same result and
 *    the same tokens as a one-shot parse;
 *  - a small token array must give NACME_ERR_TOO_LARGE exactly when the
 *    document has more tokens than it holds;
 *  - on an accepted document every accessor runs over every token and its
 *    results must agree with each other (iteration vs count, get vs key
 *    order, unescaped length <= raw length, streq of what string gave,
 *    int against strtoll).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 4096
#define SMALL_TOKS 8

/* ---- oracle: a plain recursive validator ------------------------------------ */

typedef struct {
    const uint8_t *p, *end;
    bool too_deep;
} oracle_t;

static void ows(oracle_t *o)
{
    while (o->p < o->end && (*o->p == ' ' || *o->p == '\t' || *o->p == '\n' || *o->p == '\r')) o->p++;
}

static int ohex(oracle_t *o)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (o->p >= o->end) return -1;
        int c = *o->p++, d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = v * 16 + d;
    }
    return v;
}

/* One UTF-8 encoded code point: decode, then reject overlong, surrogate, too large. */
static bool outf8(oracle_t *o)
{
    unsigned c = *o->p++, n, cp;
    if (c >= 0xf0 && c <= 0xf7) n = 3, cp = c & 7;
    else if (c >= 0xe0 && c <= 0xef) n = 2, cp = c & 15;
    else if (c >= 0xc0 && c <= 0xdf) n = 1, cp = c & 31;
    else return false;
    static const unsigned min[4] = {0, 0x80, 0x800, 0x10000};
    for (unsigned i = 0; i < n; i++) {
        if (o->p >= o->end || (*o->p & 0xc0) != 0x80) return false;
        cp = (cp << 6) | (*o->p++ & 0x3fu);
    }
    return cp >= min[n] && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
}

static bool ostring(oracle_t *o)
{
    o->p++; /* quote */
    while (o->p < o->end) {
        unsigned c = *o->p;
        if (c == '"') {
            o->p++;
            return true;
        }
        if (c < 0x20) return false;
        if (c >= 0x80) {
            if (!outf8(o)) return false;
            continue;
        }
        o->p++;
        if (c != '\\') continue;
        if (o->p >= o->end) return false;
        c = *o->p++;
        if (c == 'u') {
            int v = ohex(o);
            if (v < 0 || (v >= 0xdc00 && v <= 0xdfff)) return false;
            if (v >= 0xd800 && v <= 0xdbff) {
                if (o->end - o->p < 2 || o->p[0] != '\\' || o->p[1] != 'u') return false;
                o->p += 2;
                int lo = ohex(o);
                if (lo < 0xdc00 || lo > 0xdfff) return false;
            }
        } else if (!strchr("\"\\/bfnrt", (int)c) || c == 0) {
            return false;
        }
    }
    return false;
}

static bool odigits(oracle_t *o)
{
    const uint8_t *s = o->p;
    while (o->p < o->end && *o->p >= '0' && *o->p <= '9') o->p++;
    return o->p > s;
}

static bool onumber(oracle_t *o)
{
    if (*o->p == '-') o->p++;
    if (o->p < o->end && *o->p == '0') {
        o->p++;
    } else if (!odigits(o)) {
        return false;
    }
    if (o->p < o->end && *o->p == '.') {
        o->p++;
        if (!odigits(o)) return false;
    }
    if (o->p < o->end && (*o->p == 'e' || *o->p == 'E')) {
        o->p++;
        if (o->p < o->end && (*o->p == '+' || *o->p == '-')) o->p++;
        if (!odigits(o)) return false;
    }
    return true;
}

static bool ovalue(oracle_t *o, int depth)
{
    ows(o);
    if (o->p >= o->end) return false;
    unsigned c = *o->p;
    if (c == '"') return ostring(o);
    if (c == '-' || (c >= '0' && c <= '9')) return onumber(o);
    static const char *const lits[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(lits[i]);
        if ((size_t)(o->end - o->p) >= n && memcmp(o->p, lits[i], n) == 0) {
            o->p += n;
            return true;
        }
    }
    if (c != '{' && c != '[') return false;
    if (depth == NACME_JSON_MAX_DEPTH) {
        o->too_deep = true;
        return false;
    }
    o->p++;
    ows(o);
    unsigned close = c == '{' ? '}' : ']';
    if (o->p < o->end && *o->p == close) {
        o->p++;
        return true;
    }
    for (;;) {
        if (c == '{') {
            ows(o);
            if (o->p >= o->end || *o->p != '"' || !ostring(o)) return false;
            ows(o);
            if (o->p >= o->end || *o->p++ != ':') return false;
        }
        if (!ovalue(o, depth + 1)) return false;
        ows(o);
        if (o->p >= o->end) return false;
        if (*o->p == close) {
            o->p++;
            return true;
        }
        if (*o->p++ != ',') return false;
    }
}

static int oracle(const uint8_t *data, size_t size)
{
    oracle_t o = {data, data + size, false};
    bool ok = ovalue(&o, 0);
    if (ok) {
        ows(&o);
        ok = o.p == o.end;
    }
    return ok ? NACME_OK : o.too_deep ? NACME_ERR_TOO_LARGE : NACME_ERR_JSON;
}

/* ---- parser runs ---------------------------------------------------------------- */

static int run(nacme_json_t *j, jsmntok_t *toks, unsigned cap, const char *text, size_t size, size_t cut1,
               size_t cut2, size_t step)
{
    nacme_json_init(j, toks, cap);
    int rc = nacme_json_feed(j, text, cut1);
    if (rc == NACME_OK) rc = nacme_json_feed(j, text, cut2);
    for (size_t n = cut2; rc == NACME_OK && n < size;) {
        n = (step == 0 || size - n < step) ? size : n + step;
        rc = nacme_json_feed(j, text, n);
    }
    if (rc == NACME_OK) rc = nacme_json_finish(j);
    return rc;
}

static void same_tokens(const nacme_json_t *a, const nacme_json_t *b)
{
    if (a->ntoks != b->ntoks) abort();
    for (int i = 0; i < a->ntoks; i++) {
        if (a->toks[i].type != b->toks[i].type || a->toks[i].start != b->toks[i].start ||
            a->toks[i].end != b->toks[i].end || a->toks[i].size != b->toks[i].size) {
            abort();
        }
    }
}

/* ---- accessor consistency ---------------------------------------------------------- */

static void check_string(const nacme_json_t *j, int t)
{
    size_t raw_len, n;
    const char *raw = nacme_json_raw(j, t, &raw_len);
    char small[16];
    char *big = malloc(raw_len + 1);
    /* unescaping never makes a string longer: raw length + NUL always fits */
    int rc = nacme_json_string(j, t, big, raw_len + 1, &n);
    if (rc == NACME_OK) {
        if (n > raw_len || strlen(big) != n) abort();
        if (!nacme_json_streq(j, t, big)) abort();
        int rs = nacme_json_string(j, t, small, sizeof small, NULL);
        if (n < sizeof small ? (rs != NACME_OK || memcmp(small, big, n + 1) != 0) : rs != NACME_ERR_TOO_LARGE) abort();
        if (n > 0) {
            big[n - 1] ^= 1; /* any other string differs */
            if (nacme_json_streq(j, t, big)) abort();
        }
    } else if (rc == NACME_ERR_UTF8) {
        /* only an escaped NUL makes a valid document's string unreadable */
        bool nul = false;
        for (size_t i = 0; i + 6 <= raw_len; i++) {
            if (memcmp(raw + i, "\\u0000", 6) == 0) nul = true;
        }
        if (!nul) abort();
    } else {
        abort();
    }
    free(big);
}

static void check_number(const nacme_json_t *j, int t)
{
    size_t raw_len;
    const char *raw = nacme_json_raw(j, t, &raw_len);
    int64_t v;
    int rc = nacme_json_int(j, t, &v);
    bool integer = memchr(raw, '.', raw_len) == NULL && memchr(raw, 'e', raw_len) == NULL &&
                   memchr(raw, 'E', raw_len) == NULL;
    char buf[64];
    if (!integer) {
        if (rc != NACME_ERR_JSON_TYPE) abort();
        return;
    }
    if (raw_len >= sizeof buf) {
        if (rc != NACME_ERR_TOO_LARGE) abort(); /* 64 digits cannot fit int64_t */
        return;
    }
    memcpy(buf, raw, raw_len);
    buf[raw_len] = '\0';
    errno = 0;
    long long ref = strtoll(buf, NULL, 10);
    if (errno == ERANGE) {
        if (rc != NACME_ERR_TOO_LARGE) abort();
    } else if (rc != NACME_OK || v != ref) {
        abort();
    }
}

static void check_container(const nacme_json_t *j, int t)
{
    const jsmntok_t *c = &j->toks[t];
    bool obj = nacme_json_type(j, t) == NACME_JSON_OBJECT;
    int n = 0, prev = t;
    for (int e = nacme_json_first(j, t); e >= 0; e = nacme_json_next(j, t, e)) {
        if (e <= prev || e >= j->ntoks) abort();
        if (j->toks[e].start <= c->start || j->toks[e].end >= c->end) abort();
        if (obj) {
            if (nacme_json_type(j, e) != NACME_JSON_STRING) abort();
            /* get() by this key finds this member or an earlier one with the same name */
            char key[64];
            if (nacme_json_string(j, e, key, sizeof key, NULL) == NACME_OK) {
                int v = nacme_json_get(j, t, key);
                if (v < 0 || v > e + 1 || !nacme_json_streq(j, v - 1, key)) abort();
            }
        }
        prev = e;
        if (++n > j->ntoks) abort();
    }
    if (n != nacme_json_count(j, t)) abort();
    if (nacme_json_first(j, t) != (n > 0 ? t + 1 : NACME_ERR_NOT_FOUND)) abort();
    if (obj) {
        static const char *const keys[] = {"type", "status", "url", "token", "detail", ""};
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            int v = nacme_json_get(j, t, keys[i]);
            if (v != NACME_ERR_JSON_MISSING && (v <= t || v >= j->ntoks || !nacme_json_streq(j, v - 1, keys[i])))
                abort();
        }
    } else if (nacme_json_get(j, t, "type") != NACME_ERR_JSON_TYPE) {
        abort();
    }
}

static void check_accessors(const nacme_json_t *j, size_t size)
{
    if (j->ntoks < 1) abort();
    for (int t = 0; t < j->ntoks; t++) {
        const jsmntok_t *k = &j->toks[t];
        if (k->start < 0 || k->start > k->end || (size_t)k->end > size) abort();
        nacme_json_type_t type = nacme_json_type(j, t);
        bool b;
        int rb = nacme_json_bool(j, t, &b);
        switch (type) {
        case NACME_JSON_OBJECT:
        case NACME_JSON_ARRAY:
            check_container(j, t);
            break;
        case NACME_JSON_STRING:
            check_string(j, t);
            break;
        case NACME_JSON_NUMBER:
            check_number(j, t);
            break;
        case NACME_JSON_TRUE:
        case NACME_JSON_FALSE:
            if (rb != NACME_OK || b != (type == NACME_JSON_TRUE)) abort();
            break;
        case NACME_JSON_NULL:
            break;
        default:
            abort();
        }
        if ((type == NACME_JSON_TRUE || type == NACME_JSON_FALSE) != (rb == NACME_OK)) abort();
        if (type != NACME_JSON_OBJECT && type != NACME_JSON_ARRAY && nacme_json_count(j, t) != NACME_ERR_JSON_TYPE)
            abort();
    }
    if (nacme_json_type(j, j->ntoks) != NACME_JSON_INVALID || nacme_json_raw(j, -1, NULL) != NULL) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_INPUT) return 0;
    const char *text = (const char *)data;
    /* as many tokens as bytes never run out: the verdict is the validator's */
    unsigned cap = (unsigned)size + 1;
    jsmntok_t *t1 = malloc(sizeof(jsmntok_t) * cap);
    jsmntok_t *t2 = malloc(sizeof(jsmntok_t) * cap);
    jsmntok_t small[SMALL_TOKS];
    nacme_json_t a, b;

    int want = oracle(data, size);
    int rc = run(&a, t1, cap, text, size, size, size, 0);
    if (rc != want) abort();

    /* three pieces, cut where the data says */
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++) h = (h ^ data[i]) * 16777619u;
    size_t cut1 = size ? h % (size + 1) : 0;
    size_t cut2 = cut1 + (size ? (h >> 16) % (size - cut1 + 1) : 0);
    if (run(&b, t2, cap, text, size, cut1, cut2, 0) != rc) abort();
    if (rc == NACME_OK) same_tokens(&a, &b);
    if (size <= 512) {
        if (run(&b, t2, cap, text, size, 0, 0, 1) != rc) abort();
        if (rc == NACME_OK) same_tokens(&a, &b);
    }

    /* few tokens */
    int rs = run(&b, small, SMALL_TOKS, text, size, cut1, cut2, 0);
    if (rc == NACME_OK) {
        if (a.ntoks <= SMALL_TOKS ? rs != NACME_OK : rs != NACME_ERR_TOO_LARGE) abort();
        if (rs == NACME_OK) same_tokens(&a, &b);
        check_accessors(&a, size);
    } else if (rs != rc && rs != NACME_ERR_TOO_LARGE) {
        abort();
    }
    free(t1);
    free(t2);
    return 0;
}
