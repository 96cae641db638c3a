/*
 * JSON reader on jsmn, with strict validation, and a JSON writer.
 *
 * Reader: the document is parsed from a bounded buffer as it fills. Call
 * nacme_json_feed() each time more bytes were appended to the buffer (jsmn
 * resumes where it stopped), then nacme_json_finish() at the end of the
 * body. jsmn alone accepts some invalid documents ({"a":1,} [1 2] {"a"}
 * {}{} ...); a validating scanner of our own runs over the same bytes, so
 * only RFC 8259 documents get through. Accessors take token indices and copy
 * nothing unless asked to (nacme_json_string() unescapes into a buffer).
 *
 * Writer: nacme_jw_* append to a string builder and insert commas and
 * escapes; structure errors and overflow are sticky in the builder.
 */
#ifndef NACME_JSON_H
#define NACME_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"
#include "nacme_sb.h"

/* jsmn's types only (no implementation): core/json.c holds the parser. */
#ifndef JSMN_H
#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Maximum nesting depth of a document (validator stack bits). */
#define NACME_JSON_MAX_DEPTH 32

/* Value types reported by nacme_json_type(). */
typedef enum nacme_json_type {
    NACME_JSON_INVALID = 0,
    NACME_JSON_OBJECT,
    NACME_JSON_ARRAY,
    NACME_JSON_STRING,
    NACME_JSON_NUMBER,
    NACME_JSON_TRUE,
    NACME_JSON_FALSE,
    NACME_JSON_NULL
} nacme_json_type_t;

typedef struct nacme_json {
    const char *text;  /* the document (the caller's buffer) */
    size_t len;        /* bytes seen so far */
    jsmntok_t *toks;   /* caller's token array */
    unsigned cap;      /* its size */
    int ntoks;         /* tokens, valid after nacme_json_finish() returned NACME_OK */
    /* private: jsmn state and the validating scanner */
    jsmn_parser parser;
    uint32_t stack;    /* 1 bit per open container, innermost in bit 0: 1 = object */
    uint16_t cp;       /* \uXXXX value being read */
    uint8_t depth;     /* open containers */
    uint8_t vstate;    /* scanner state */
    uint8_t sub;       /* position inside a literal, \u escape, UTF-8 sequence or number */
    uint8_t flags;     /* string is a key, container just opened, low surrogate due */
    uint8_t lo, hi;    /* allowed range of the next UTF-8 continuation byte */
    int err;           /* first error (sticky) */
} nacme_json_t;

/* nacme_json_init() - prepare to parse into toks[0..cap). */
void nacme_json_init(nacme_json_t *j, jsmntok_t *toks, unsigned cap);

/*
 * nacme_json_feed() - the document is now text[0..len) (the same buffer,
 * grown; earlier bytes unchanged). Parses and validates the new bytes.
 * Return NACME_OK (more may follow), NACME_ERR_JSON as soon as the text
 * cannot be JSON (this includes a \u escape of a lone surrogate and bytes
 * that are not UTF-8), NACME_ERR_TOO_LARGE when the tokens run out or the
 * nesting exceeds NACME_JSON_MAX_DEPTH, NACME_ERR_ARG when len shrinks,
 * NACME_ERR_STATE after a successful nacme_json_finish(). Errors are sticky.
 */
int nacme_json_feed(nacme_json_t *j, const char *text, size_t len);

/*
 * nacme_json_finish() - the document is complete. Return NACME_OK when it is
 * exactly one valid JSON value (surrounding whitespace allowed; any type at
 * top level), else NACME_ERR_JSON (empty, truncated, trailing data),
 * NACME_ERR_TOO_LARGE or the error of an earlier feed. Token 0 is then the
 * top-level value.
 */
int nacme_json_finish(nacme_json_t *j);

/*
 * nacme_json_parse() - feed + finish for a document already complete in
 * text[0..len). Same returns.
 */
int nacme_json_parse(nacme_json_t *j, const char *text, size_t len);

/*
 * Accessors. Token indices come from a parse that finished with NACME_OK.
 * Every accessor taking a token returns a negative tok unchanged (so calls
 * chain: nacme_json_int(j, nacme_json_get(j, 0, "n"), &v) gives
 * NACME_ERR_JSON_MISSING when "n" is absent) and NACME_ERR_ARG for an index
 * out of range. None recurses.
 */

/* nacme_json_type() - the type of token tok, NACME_JSON_INVALID when out of range. */
nacme_json_type_t nacme_json_type(const nacme_json_t *j, int tok);

/*
 * nacme_json_get() - the value of member key (compared after unescaping) in
 * object tok. Return its token index, NACME_ERR_JSON_MISSING when absent, or
 * NACME_ERR_JSON_TYPE when tok is not an object. With duplicate keys the
 * first wins. Unknown members are simply never asked for.
 */
int nacme_json_get(const nacme_json_t *j, int tok, const char *key);

/*
 * nacme_json_get_typed() - nacme_json_get() that also requires the member's
 * type; NACME_ERR_JSON_TYPE when it differs. (A boolean is NACME_JSON_TRUE
 * or _FALSE: read it with nacme_json_bool(nacme_json_get(...)).)
 */
int nacme_json_get_typed(const nacme_json_t *j, int tok, const char *key, nacme_json_type_t type);

/*
 * nacme_json_count() - elements of an array or members of an object;
 * NACME_ERR_JSON_TYPE for other types.
 */
int nacme_json_count(const nacme_json_t *j, int tok);

/*
 * nacme_json_first() / nacme_json_next() - iterate an array's elements (or an
 * object's keys: the value is key + 1). first() gives the first child or
 * NACME_ERR_NOT_FOUND when empty; next() the sibling after child, or
 * NACME_ERR_NOT_FOUND after the last.
 *
 *   for (int e = nacme_json_first(j, arr); e >= 0; e = nacme_json_next(j, arr, e))
 */
int nacme_json_first(const nacme_json_t *j, int container);
int nacme_json_next(const nacme_json_t *j, int container, int child);

/*
 * nacme_json_raw() - pointer into the document at token tok and its length
 * (a string's raw text without quotes, still escaped; a container's text
 * with its brackets). NULL when tok is out of range.
 */
const char *nacme_json_raw(const nacme_json_t *j, int tok, size_t *len);

/*
 * nacme_json_string() - unescape string tok into out[0..cap) as UTF-8 and
 * NUL-terminate; *out_len (optional) gets the length. \uXXXX escapes
 * (surrogate pairs included) become UTF-8; a lone surrogate or an escaped
 * NUL is NACME_ERR_UTF8. NACME_ERR_JSON_TYPE when tok is not a string,
 * NACME_ERR_TOO_LARGE when it does not fit (with its NUL).
 */
int nacme_json_string(const nacme_json_t *j, int tok, char *out, size_t cap, size_t *out_len);

/* nacme_json_streq() - true when string tok, unescaped, equals s (false for any error). */
bool nacme_json_streq(const nacme_json_t *j, int tok, const char *s);

/*
 * nacme_json_int() - integer value of number tok (no fraction or exponent,
 * so 1.0 and 1e3 are not integers) into *out. NACME_ERR_JSON_TYPE when not
 * an integer, NACME_ERR_TOO_LARGE when outside int64_t.
 */
int nacme_json_int(const nacme_json_t *j, int tok, int64_t *out);

/* nacme_json_bool() - true/false token tok into *out; NACME_ERR_JSON_TYPE otherwise. */
int nacme_json_bool(const nacme_json_t *j, int tok, bool *out);

/* ---- writer ---------------------------------------------------------------- */

typedef struct nacme_jw {
    nacme_sb_t *sb;
    /* private */
    uint32_t need_comma; /* bit per depth: a value was written at this level */
    uint32_t is_object;  /* bit per depth */
    uint8_t depth;
    uint8_t after_key;
} nacme_jw_t;

/*
 * nacme_jw_init() - write one JSON value into sb. Misuse (a value without a
 * key in an object, a key outside an object, an unmatched end, a second
 * top-level value, nesting beyond 31 levels, a call between raw_begin and
 * raw_end) sets NACME_ERR_STATE in the builder; a NULL string or key sets
 * NACME_ERR_ARG. Later writes are then dropped; nacme_jw_finish() reports.
 */
void nacme_jw_init(nacme_jw_t *w, nacme_sb_t *sb);
void nacme_jw_object_begin(nacme_jw_t *w);
void nacme_jw_object_end(nacme_jw_t *w);
void nacme_jw_array_begin(nacme_jw_t *w);
void nacme_jw_array_end(nacme_jw_t *w);
/* nacme_jw_key() - a member name (escaped); the next value is its value. */
void nacme_jw_key(nacme_jw_t *w, const char *key);
/*
 * nacme_jw_string() / _stringn() - a string value, escaped per RFC 8259:
 * '"' and '\\' and control characters (\b \f \n \r \t, others as
 * \u00XX); other bytes, UTF-8 included, are copied as they are.
 */
void nacme_jw_string(nacme_jw_t *w, const char *s);
void nacme_jw_stringn(nacme_jw_t *w, const char *s, size_t n);
/* nacme_jw_key_string() - nacme_jw_key() then nacme_jw_string(): a string member. */
void nacme_jw_key_string(nacme_jw_t *w, const char *key, const char *s);
void nacme_jw_int(nacme_jw_t *w, int64_t v);
void nacme_jw_bool(nacme_jw_t *w, bool v);
void nacme_jw_null(nacme_jw_t *w);
/*
 * nacme_jw_raw_begin() / _end() - a value written directly to the builder
 * between the two calls (e.g. a base64url string built through a layer):
 * the writer only places the separator before it.
 */
void nacme_jw_raw_begin(nacme_jw_t *w);
void nacme_jw_raw_end(nacme_jw_t *w);

/*
 * nacme_jw_finish() - NACME_OK when the document is complete and balanced
 * and the builder has no error; NACME_ERR_STATE for misuse (value without
 * key in an object, unbalanced ends), else the builder's error. A base64url
 * layer the document was written into may still be open (a JWS payload).
 */
int nacme_jw_finish(const nacme_jw_t *w);

#ifdef __cplusplus
}
#endif

#endif /* NACME_JSON_H */
