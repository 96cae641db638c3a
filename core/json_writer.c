/*
 * JSON writer over the string builder: places commas and colons, escapes
 * strings (RFC 8259 section 7) and turns misuse into a sticky
 * NACME_ERR_STATE in the builder.
 *
 * State: bit d of is_object / need_comma describes nesting level d (0 = top
 * level, which holds exactly one value). after_key is 1 between a member
 * name and its value, IN_RAW between nacme_jw_raw_begin() and _end().
 */
#include "nacme_json.h"

#include <string.h>

#include "internal.h"

#define IN_RAW 2u
#define WRITER_MAX_DEPTH 31u

static void fail(nacme_jw_t *w, int err)
{
    if (w->sb->err == NACME_OK) w->sb->err = err;
}

static bool in_object(const nacme_jw_t *w)
{
    return (w->is_object >> w->depth) & 1u;
}

/* Before a value: check it may come here and write the separator. */
static bool value_ok(nacme_jw_t *w)
{
    uint32_t bit = 1u << w->depth;
    bool obj = in_object(w);
    /* in an object only right after a key; elsewhere never after one, and
     * only one value at top level */
    if (w->after_key != (obj ? 1u : 0u) || (w->depth == 0 && (w->need_comma & 1u))) {
        fail(w, NACME_ERR_STATE);
        return false;
    }
    if (!obj && (w->need_comma & bit)) nacme_sb_putc(w->sb, ',');
    w->need_comma |= bit;
    w->after_key = 0;
    return true;
}

/* s[0..n) as a JSON string: '"', '\\' and control characters escaped,
 * everything else (UTF-8 included) as is. */
static void put_string(nacme_sb_t *sb, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    static const char short_in[] = "\"\\\b\f\n\r\t";
    static const char short_out[] = "\"\\bfnrt";
    size_t run = 0; /* start of the bytes not written yet */
    nacme_sb_putc(sb, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20u && c != '"' && c != '\\') continue;
        nacme_sb_put(sb, s + run, i - run);
        run = i + 1;
        /* 7 characters: a NUL byte is not a short escape */
        const char *e = memchr(short_in, c, 7);
        char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15u]};
        if (e != NULL) esc[1] = short_out[e - short_in];
        nacme_sb_put(sb, esc, e != NULL ? 2 : 6);
    }
    nacme_sb_put(sb, s + run, n - run);
    nacme_sb_putc(sb, '"');
}

void nacme_jw_init(nacme_jw_t *w, nacme_sb_t *sb)
{
    memset(w, 0, sizeof(*w));
    w->sb = sb;
}

static void begin(nacme_jw_t *w, char c)
{
    if (!value_ok(w)) return;
    if (w->depth >= WRITER_MAX_DEPTH) {
        fail(w, NACME_ERR_STATE);
        return;
    }
    w->depth++;
    uint32_t bit = 1u << w->depth;
    w->need_comma &= ~bit;
    if (c == '{') w->is_object |= bit;
    else w->is_object &= ~bit;
    nacme_sb_putc(w->sb, c);
}

static void end(nacme_jw_t *w, char c)
{
    if (w->depth == 0 || w->after_key != 0 || in_object(w) != (c == '}')) {
        fail(w, NACME_ERR_STATE);
        return;
    }
    w->depth--;
    nacme_sb_putc(w->sb, c);
}

void nacme_jw_object_begin(nacme_jw_t *w)
{
    begin(w, '{');
}

void nacme_jw_object_end(nacme_jw_t *w)
{
    end(w, '}');
}

void nacme_jw_array_begin(nacme_jw_t *w)
{
    begin(w, '[');
}

void nacme_jw_array_end(nacme_jw_t *w)
{
    end(w, ']');
}

void nacme_jw_key(nacme_jw_t *w, const char *key)
{
    uint32_t bit = 1u << w->depth;
    if (key == NULL) {
        fail(w, NACME_ERR_ARG);
        return;
    }
    if (!in_object(w) || w->after_key != 0) {
        fail(w, NACME_ERR_STATE);
        return;
    }
    if (w->need_comma & bit) nacme_sb_putc(w->sb, ',');
    w->need_comma |= bit;
    put_string(w->sb, key, strlen(key));
    nacme_sb_putc(w->sb, ':');
    w->after_key = 1;
}

void nacme_jw_stringn(nacme_jw_t *w, const char *s, size_t n)
{
    if (s == NULL) {
        fail(w, NACME_ERR_ARG);
        return;
    }
    if (value_ok(w)) put_string(w->sb, s, n);
}

void nacme_jw_string(nacme_jw_t *w, const char *s)
{
    nacme_jw_stringn(w, s, s != NULL ? strlen(s) : 0);
}

void nacme_jw_key_string(nacme_jw_t *w, const char *key, const char *s)
{
    nacme_jw_key(w, key);
    nacme_jw_string(w, s);
}

void nacme_jw_int(nacme_jw_t *w, int64_t v)
{
    if (value_ok(w)) nacme_sb_put_i64(w->sb, v);
}

void nacme_jw_bool(nacme_jw_t *w, bool v)
{
    if (value_ok(w)) nacme_sb_puts(w->sb, v ? "true" : "false");
}

void nacme_jw_null(nacme_jw_t *w)
{
    if (value_ok(w)) nacme_sb_puts(w->sb, "null");
}

void nacme_jw_raw_begin(nacme_jw_t *w)
{
    if (value_ok(w)) w->after_key = IN_RAW;
}

void nacme_jw_raw_end(nacme_jw_t *w)
{
    if (w->after_key != IN_RAW) {
        fail(w, NACME_ERR_STATE);
        return;
    }
    w->after_key = 0;
}

int nacme_jw_finish(const nacme_jw_t *w)
{
    /* the builder's error only: a document may sit inside an open base64url layer */
    int rc = w->sb->err;
    if (rc != NACME_OK) return rc;
    return (w->depth == 0 && w->after_key == 0 && (w->need_comma & 1u)) ? NACME_OK : NACME_ERR_STATE;
}
