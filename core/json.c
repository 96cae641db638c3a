/*
 * JSON reader: jsmn (strict mode) builds the tokens, an incremental scanner
 * of our own validates the same bytes against RFC 8259, and accessors read
 * values out of the tokens without recursion.
 *
 * jsmn 1.1.0 is compiled here with static functions (no symbol leaves this
 * object). Even in strict mode it accepts {"a":1,} [1 2] {"a"} {}{} "\x"
 * and more, so its verdict is never trusted: the scanner runs first over
 * every new byte, and jsmn only sees text the scanner accepted.
 */
#define JSMN_STATIC
#define JSMN_STRICT
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <jsmn.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "nacme_json.h"

#include <limits.h>
#include <string.h>

#include "internal.h"

/* NACME_JSON_OBJECT/ARRAY/STRING are jsmn's type values (nacme_json_type()). */
_Static_assert((int)NACME_JSON_OBJECT == (int)JSMN_OBJECT && (int)NACME_JSON_ARRAY == (int)JSMN_ARRAY &&
                   (int)NACME_JSON_STRING == (int)JSMN_STRING,
               "type values");
_Static_assert(NACME_JSON_MAX_DEPTH <= 32, "the validator stack has 32 bits");

/* ---- validating scanner --------------------------------------------------- */

/* Scanner states (vstate). The first four sit between tokens. */
enum {
    S_VALUE,   /* a value is due (F_EMPTY: or the ']' of an empty array) */
    S_KEY,     /* a member name is due (F_EMPTY: or the '}' of an empty object) */
    S_COLON,   /* after a member name */
    S_AFTER,   /* after a value: ',' or the container's end; at top level only whitespace */
    S_STRING,  /* inside a string */
    S_ESCAPE,  /* after a backslash */
    S_HEX,     /* in \uXXXX: sub digits read, cp their value */
    S_UTF8,    /* sub continuation bytes due, the next within lo..hi */
    S_NUMBER,  /* sub: N_* */
    S_LITERAL  /* sub: index in literals[] of the next character */
};

#define F_KEY 1u   /* the string being scanned is a member name */
#define F_EMPTY 2u /* the container was just opened */
#define F_LOW 4u   /* a high surrogate was read: \uDC00..\uDFFF must follow */

/* Number phases; the terminal ones may end the number. */
enum { N_MINUS, N_ZERO, N_INT, N_DOT, N_FRAC, N_E, N_ESIGN, N_EXP, N_END = 0xff };
#define N_TERMINAL ((1u << N_ZERO) | (1u << N_INT) | (1u << N_FRAC) | (1u << N_EXP))

/* Next phase by character class: '0', '1'-'9', '.', 'e'/'E', '+'/'-'. */
static const uint8_t num_next[8][5] = {
    {N_ZERO, N_INT, N_END, N_END, N_END},   /* N_MINUS */
    {N_END, N_END, N_DOT, N_E, N_END},      /* N_ZERO: no digit after a leading 0 */
    {N_INT, N_INT, N_DOT, N_E, N_END},      /* N_INT */
    {N_FRAC, N_FRAC, N_END, N_END, N_END},  /* N_DOT */
    {N_FRAC, N_FRAC, N_END, N_E, N_END},    /* N_FRAC */
    {N_EXP, N_EXP, N_END, N_END, N_ESIGN},  /* N_E */
    {N_EXP, N_EXP, N_END, N_END, N_END},    /* N_ESIGN */
    {N_EXP, N_EXP, N_END, N_END, N_END},    /* N_EXP */
};

/* true, false, null after their first letter. */
static const char literals[] = "rue\0alse\0ull";

static unsigned num_class(unsigned c)
{
    if (c == '0') return 0;
    if (c - '1' < 9u) return 1;
    if (c == '.') return 2;
    if ((c | 0x20u) == 'e') return 3;
    if (c == '+' || c == '-') return 4;
    return 5;
}

/* A byte >= 0x80 in a string: the lead of a well-formed UTF-8 sequence (no
 * overlong form, no surrogate, nothing above U+10FFFF). */
static int utf8_lead(nacme_json_t *j, unsigned c)
{
    j->lo = 0x80;
    j->hi = 0xbf;
    if (c < 0xc2u || c > 0xf4u) return NACME_ERR_JSON;
    if (c < 0xe0u) {
        j->sub = 1;
    } else if (c < 0xf0u) {
        j->sub = 2;
        if (c == 0xe0u) j->lo = 0xa0;
        if (c == 0xedu) j->hi = 0x9f;
    } else {
        j->sub = 3;
        if (c == 0xf0u) j->lo = 0x90;
        if (c == 0xf4u) j->hi = 0x8f;
    }
    j->vstate = S_UTF8;
    return NACME_OK;
}

/* The first character of a value. */
static int value_begin(nacme_json_t *j, unsigned c)
{
    j->flags = 0;
    if (c == '"') {
        j->vstate = S_STRING;
    } else if (c == '{' || c == '[') {
        if (j->depth >= NACME_JSON_MAX_DEPTH) return NACME_ERR_TOO_LARGE;
        j->depth++;
        j->stack = (j->stack << 1) | (c == '{');
        j->vstate = (c == '{') ? S_KEY : S_VALUE;
        j->flags = F_EMPTY;
    } else if (c == 't' || c == 'f' || c == 'n') {
        j->vstate = S_LITERAL;
        j->sub = (c == 't') ? 0 : (c == 'f') ? 4 : 9;
    } else if (c == '-' || c - '0' < 10u) {
        j->vstate = S_NUMBER;
        j->sub = (c == '-') ? N_MINUS : num_next[N_MINUS][num_class(c)];
    } else {
        return NACME_ERR_JSON;
    }
    return NACME_OK;
}

/* Advance the scanner by one byte. */
static int scan(nacme_json_t *j, unsigned c)
{
    int v;
    switch (j->vstate) {
    case S_STRING:
        if ((j->flags & F_LOW) && c != '\\') return NACME_ERR_JSON;
        if (c == '"') {
            j->vstate = (j->flags & F_KEY) ? S_COLON : S_AFTER;
        } else if (c == '\\') {
            j->vstate = S_ESCAPE;
        } else if (c < 0x20u) {
            return NACME_ERR_JSON; /* control characters must be escaped */
        } else if (c >= 0x80u) {
            return utf8_lead(j, c);
        }
        return NACME_OK;
    case S_ESCAPE:
        if (c == 'u') {
            j->vstate = S_HEX;
            j->sub = 0;
            j->cp = 0;
            return NACME_OK;
        }
        /* the 8 characters, not the NUL after them */
        if ((j->flags & F_LOW) || memchr("\"\\/bfnrt", (int)c, 8) == NULL) return NACME_ERR_JSON;
        j->vstate = S_STRING;
        return NACME_OK;
    case S_HEX:
        v = nacme_hex_value(c);
        if (v < 0) return NACME_ERR_JSON;
        j->cp = (uint16_t)((unsigned)j->cp << 4 | (unsigned)v);
        if (++j->sub < 4u) return NACME_OK;
        j->vstate = S_STRING;
        /* surrogates only as a high + low pair (a lone one is no character):
         * a low one exactly when due; a high one makes one due, a low one
         * settles it */
        if (((j->cp & 0xfc00u) == 0xdc00u) != ((j->flags & F_LOW) != 0)) return NACME_ERR_JSON;
        if ((j->cp & 0xf800u) == 0xd800u) j->flags ^= F_LOW;
        return NACME_OK;
    case S_UTF8:
        if (c < j->lo || c > j->hi) return NACME_ERR_JSON;
        j->lo = 0x80;
        j->hi = 0xbf;
        if (--j->sub == 0) j->vstate = S_STRING;
        return NACME_OK;
    case S_LITERAL:
        if (c != (unsigned char)literals[j->sub]) return NACME_ERR_JSON;
        if (literals[++j->sub] == '\0') j->vstate = S_AFTER;
        return NACME_OK;
    case S_NUMBER: {
        unsigned k = num_class(c);
        uint8_t next = k < 5u ? num_next[j->sub][k] : (uint8_t)N_END;
        if (next != N_END) {
            j->sub = next;
            return NACME_OK;
        }
        if (!(N_TERMINAL & (1u << j->sub))) return NACME_ERR_JSON;
        j->vstate = S_AFTER; /* c ends the number: scan it as a separator */
        break;
    }
    default:
        break;
    }

    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') return NACME_OK;
    if (c == '}' || c == ']') {
        if (j->depth == 0 || (j->vstate != S_AFTER && !(j->flags & F_EMPTY))) return NACME_ERR_JSON;
        if ((c == '}') != (j->stack & 1u)) return NACME_ERR_JSON;
        j->stack >>= 1;
        j->depth--;
        j->vstate = S_AFTER;
        j->flags = 0;
        return NACME_OK;
    }
    switch (j->vstate) {
    case S_AFTER:
        if (c != ',' || j->depth == 0) return NACME_ERR_JSON;
        j->vstate = (j->stack & 1u) ? S_KEY : S_VALUE;
        j->flags = 0;
        return NACME_OK;
    case S_COLON:
        if (c != ':') return NACME_ERR_JSON;
        j->vstate = S_VALUE;
        return NACME_OK;
    case S_KEY:
        if (c != '"') return NACME_ERR_JSON;
        j->vstate = S_STRING;
        j->flags = F_KEY;
        return NACME_OK;
    default:
        return value_begin(j, c);
    }
}

/* ---- parsing ---------------------------------------------------------------- */

void nacme_json_init(nacme_json_t *j, jsmntok_t *toks, unsigned cap)
{
    memset(j, 0, sizeof(*j));
    j->toks = toks;
    j->cap = toks != NULL ? cap : 0;
    jsmn_init(&j->parser);
}

/* Let jsmn tokenize what the scanner accepted. It stops before a string or
 * primitive that is not complete yet and starts it again on the next call. */
static int tokenize(nacme_json_t *j)
{
    int r = jsmn_parse(&j->parser, j->text, j->len, j->toks, j->cap);
    if (r == JSMN_ERROR_NOMEM) return NACME_ERR_TOO_LARGE;
    if (r == JSMN_ERROR_INVAL) return NACME_ERR_JSON; /* not reached: the scanner is stricter */
    return NACME_OK;
}

int nacme_json_feed(nacme_json_t *j, const char *text, size_t len)
{
    int rc = NACME_OK;
    if (j->err != NACME_OK) return j->err;
    if (j->ntoks != 0) return NACME_ERR_STATE;
    if (len < j->len || (text == NULL && len > 0)) {
        rc = NACME_ERR_ARG;
    } else if (len > (size_t)INT_MAX) {
        rc = NACME_ERR_TOO_LARGE; /* token offsets are int */
    } else {
        j->text = text;
        while (rc == NACME_OK && j->len < len) {
            rc = scan(j, (unsigned char)text[j->len]);
            if (rc == NACME_OK) j->len++;
        }
        /* inside a string jsmn would only rescan it from its quote */
        if (rc == NACME_OK && j->vstate < S_STRING) rc = tokenize(j);
    }
    j->err = rc;
    return rc;
}

int nacme_json_finish(nacme_json_t *j)
{
    int rc = NACME_OK;
    if (j->err != NACME_OK || j->ntoks != 0) return j->err;
    if (j->vstate == S_NUMBER) rc = scan(j, ' '); /* the end of text ends a number */
    if (rc == NACME_OK && (j->vstate != S_AFTER || j->depth != 0)) rc = NACME_ERR_JSON;
    if (rc == NACME_OK) rc = tokenize(j);
    if (rc == NACME_OK && j->parser.toknext == 0) {
        /* a lone number or literal: strict jsmn waits for a delimiter after it
         * forever and left pos at its start */
        unsigned end = j->parser.pos;
        while (end < j->len && (unsigned char)j->text[end] > ' ') end++;
        if (j->cap == 0) {
            rc = NACME_ERR_TOO_LARGE;
        } else {
            j->toks[0].type = JSMN_PRIMITIVE;
            j->toks[0].start = (int)j->parser.pos;
            j->toks[0].end = (int)end;
            j->toks[0].size = 0;
            j->parser.toknext = 1;
        }
    }
    j->err = rc;
    if (rc == NACME_OK) j->ntoks = (int)j->parser.toknext;
    return rc;
}

int nacme_json_parse(nacme_json_t *j, const char *text, size_t len)
{
    int rc = nacme_json_feed(j, text, len);
    return rc != NACME_OK ? rc : nacme_json_finish(j);
}

/* ---- accessors ---------------------------------------------------------------- */

nacme_json_type_t nacme_json_type(const nacme_json_t *j, int tok)
{
    if (tok < 0 || tok >= j->ntoks) return NACME_JSON_INVALID;
    const jsmntok_t *t = &j->toks[tok];
    if (t->type != JSMN_PRIMITIVE) return (nacme_json_type_t)t->type;
    switch (j->text[t->start]) {
    case 't': return NACME_JSON_TRUE;
    case 'f': return NACME_JSON_FALSE;
    case 'n': return NACME_JSON_NULL;
    default: return NACME_JSON_NUMBER;
    }
}

/*
 * 0 when tok has type want (NACME_JSON_INVALID: object or array); a negative
 * tok (an error from nacme_json_get()) comes back as is.
 */
static int check(const nacme_json_t *j, int tok, nacme_json_type_t want)
{
    if (tok < 0) return tok;
    nacme_json_type_t t = nacme_json_type(j, tok);
    if (t == NACME_JSON_INVALID) return NACME_ERR_ARG;
    if (want == NACME_JSON_INVALID ? t > NACME_JSON_ARRAY : t != want) return NACME_ERR_JSON_TYPE;
    return NACME_OK;
}

/* The token after tok's subtree: tokens are in document order, so the
 * subtree is every following token that starts before tok ends. */
static int skip(const nacme_json_t *j, int tok)
{
    int end = j->toks[tok].end;
    do {
        tok++;
    } while (tok < j->ntoks && j->toks[tok].start < end);
    return tok;
}

int nacme_json_count(const nacme_json_t *j, int tok)
{
    int rc = check(j, tok, NACME_JSON_INVALID);
    return rc != NACME_OK ? rc : j->toks[tok].size;
}

int nacme_json_first(const nacme_json_t *j, int container)
{
    int rc = check(j, container, NACME_JSON_INVALID);
    if (rc != NACME_OK) return rc;
    return j->toks[container].size > 0 ? container + 1 : NACME_ERR_NOT_FOUND;
}

int nacme_json_next(const nacme_json_t *j, int container, int child)
{
    int rc = check(j, container, NACME_JSON_INVALID);
    if (rc != NACME_OK) return rc;
    if (j->toks[container].type == JSMN_OBJECT) child++; /* skip the key: the value's subtree follows */
    if (child <= container || child >= j->ntoks) return NACME_ERR_ARG;
    child = skip(j, child);
    return (child < j->ntoks && j->toks[child].start < j->toks[container].end) ? child : NACME_ERR_NOT_FOUND;
}

const char *nacme_json_raw(const nacme_json_t *j, int tok, size_t *len)
{
    if (tok < 0 || tok >= j->ntoks) return NULL;
    if (len != NULL) *len = (size_t)(j->toks[tok].end - j->toks[tok].start);
    return j->text + j->toks[tok].start;
}

/* Four hex digits at p (before end) as a value, or -1. */
static long hex4(const char *p, const char *end)
{
    long v = 0;
    if (end - p < 4) return -1;
    for (int i = 0; i < 4; i++) {
        int d = nacme_hex_value((unsigned char)p[i]);
        if (d < 0) return -1;
        v = (v << 4) | d;
    }
    return v;
}

/*
 * Unescape string tok. With out: into out[0..cap), NUL-terminated, length
 * in *out_len. Without: compare with cmp[0..cap) and give
 * NACME_ERR_NOT_FOUND on a difference.
 */
static int unescape(const nacme_json_t *j, int tok, char *out, const char *cmp, size_t cap, size_t *out_len)
{
    static const char esc_in[] = "\"\\/bfnrt";
    static const char esc_out[] = "\"\\/\b\f\n\r\t";
    int rc = check(j, tok, NACME_JSON_STRING);
    if (rc != NACME_OK) return rc;
    if (out != NULL) {
        if (cap == 0) return NACME_ERR_TOO_LARGE;
        cap--; /* room for the NUL */
    }
    const char *p = j->text + j->toks[tok].start;
    const char *end = j->text + j->toks[tok].end;
    size_t o = 0;
    while (p < end) {
        char u[4];
        size_t n = 1;
        u[0] = *p++;
        if (u[0] == '\\') {
            const char *e;
            if (p < end && *p == 'u') {
                long cp = hex4(p + 1, end);
                p += 5;
                if (cp >= 0xd800 && cp < 0xdc00) {
                    long lo = (end - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2, end) : -1;
                    if (lo < 0xdc00 || lo > 0xdfff) return NACME_ERR_UTF8;
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    p += 6;
                }
                if (cp <= 0 || (cp >= 0xdc00 && cp <= 0xdfff)) return NACME_ERR_UTF8;
                /* UTF-8: n bytes, 6 bits per continuation byte */
                n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
                for (size_t i = n - 1; i > 0; i--) {
                    u[i] = (char)(0x80 | (cp & 0x3f));
                    cp >>= 6;
                }
                u[0] = (char)((n == 1 ? 0 : (0xf00 >> n) & 0xff) | cp);
            } else if (p < end && (e = memchr(esc_in, *p, 8)) != NULL) {
                u[0] = esc_out[e - esc_in];
                p++;
            } else {
                return NACME_ERR_UTF8;
            }
        }
        if (n > cap - o) return out != NULL ? NACME_ERR_TOO_LARGE : NACME_ERR_NOT_FOUND;
        if (out != NULL) {
            memcpy(out + o, u, n);
        } else if (memcmp(cmp + o, u, n) != 0) {
            return NACME_ERR_NOT_FOUND;
        }
        o += n;
    }
    if (out == NULL) return o == cap ? NACME_OK : NACME_ERR_NOT_FOUND;
    out[o] = '\0';
    if (out_len != NULL) *out_len = o;
    return NACME_OK;
}

int nacme_json_string(const nacme_json_t *j, int tok, char *out, size_t cap, size_t *out_len)
{
    if (out == NULL) return NACME_ERR_ARG;
    return unescape(j, tok, out, NULL, cap, out_len);
}

bool nacme_json_streq(const nacme_json_t *j, int tok, const char *s)
{
    return s != NULL && unescape(j, tok, NULL, s, strlen(s), NULL) == NACME_OK;
}

int nacme_json_get(const nacme_json_t *j, int tok, const char *key)
{
    int rc = check(j, tok, NACME_JSON_OBJECT);
    if (rc != NACME_OK) return rc;
    if (key == NULL) return NACME_ERR_ARG;
    for (int k = nacme_json_first(j, tok); k >= 0; k = nacme_json_next(j, tok, k)) {
        if (nacme_json_streq(j, k, key)) return k + 1;
    }
    return NACME_ERR_JSON_MISSING;
}

int nacme_json_get_typed(const nacme_json_t *j, int tok, const char *key, nacme_json_type_t type)
{
    int v = nacme_json_get(j, tok, key);
    if (v >= 0 && nacme_json_type(j, v) != type) return NACME_ERR_JSON_TYPE;
    return v;
}

int nacme_json_int(const nacme_json_t *j, int tok, int64_t *out)
{
    int rc = check(j, tok, NACME_JSON_NUMBER);
    if (rc != NACME_OK) return rc;
    const char *p = j->text + j->toks[tok].start;
    const char *end = j->text + j->toks[tok].end;
    const uint64_t tenth = (uint64_t)INT64_MAX / 10u; /* also 2^63 / 10 */
    bool neg = *p == '-';
    bool big = false;
    uint64_t v = 0;
    for (p += neg; p < end; p++) {
        unsigned d = (unsigned)(unsigned char)*p - '0';
        if (d > 9u) return NACME_ERR_JSON_TYPE; /* fraction or exponent */
        /* past INT64_MAX (...807) or, negative, 2^63 (...808); no 64-bit division */
        if (v > tenth || (v == tenth && d > 7u + neg)) big = true;
        else v = v * 10u + d;
    }
    if (big) return NACME_ERR_TOO_LARGE;
    /* -2^63 has no positive twin: negate v - 1 */
    *out = (neg && v > 0) ? -(int64_t)(v - 1u) - 1 : (int64_t)v;
    return NACME_OK;
}

int nacme_json_bool(const nacme_json_t *j, int tok, bool *out)
{
    if (tok < 0) return tok;
    nacme_json_type_t t = nacme_json_type(j, tok);
    if (t == NACME_JSON_INVALID) return NACME_ERR_ARG;
    if (t != NACME_JSON_TRUE && t != NACME_JSON_FALSE) return NACME_ERR_JSON_TYPE;
    *out = t == NACME_JSON_TRUE;
    return NACME_OK;
}
