/*
 * The string pool: URLs and tokens learnt during a run, NUL-terminated and
 * referenced by 16-bit offsets. URLs on the directory's origin are stored as
 * their path, which roughly halves what an order needs.
 */
#include <string.h>

#include "engine.h"

uint16_t nacme_str_add(nacme_t *c, const char *s, size_t len)
{
    if (len + 1u > (size_t)(NACME_STRINGS_SIZE - c->strings_len) || memchr(s, '\0', len) != NULL) {
        return NACME_NOSTR;
    }
    uint16_t ref = c->strings_len;
    memcpy(c->strings + ref, s, len);
    c->strings[ref + len] = '\0';
    c->strings_len = (uint16_t)(ref + len + 1u);
    return ref;
}

const char *nacme_str(const nacme_t *c, uint16_t ref)
{
    return ref < c->strings_len ? c->strings + ref : "";
}

uint16_t nacme_url_add(nacme_t *c, const char *url, size_t len)
{
    nacme_url_t u;
    if (nacme_url_parse(url, len, &u) != NACME_OK) return NACME_NOSTR;
    size_t origin = c->dir_host_len;
    if (len > origin && memcmp(url, c->cfg->directory_url, origin) == 0 && url[origin] == '/') {
        return nacme_str_add(c, url + origin, len - origin);
    }
    return nacme_str_add(c, url, len);
}

void nacme_url_write(const nacme_t *c, nacme_sb_t *sb, uint16_t ref)
{
    const char *s = nacme_str(c, ref);
    if (s[0] == '/') nacme_sb_put(sb, c->cfg->directory_url, c->dir_host_len);
    nacme_sb_puts(sb, s);
}

int nacme_url_parts(const nacme_t *c, uint16_t ref, nacme_url_t *u)
{
    const char *s = nacme_str(c, ref);
    if (s[0] == '/') {
        int rc = nacme_url_parse(c->cfg->directory_url, strlen(c->cfg->directory_url), u);
        u->path = s;
        u->path_len = strlen(s);
        return rc;
    }
    return nacme_url_parse(s, strlen(s), u);
}

/* "key":"value" with the value written raw by the builder, quoted. */
static void quote(nacme_jw_t *w, const char *key, bool open)
{
    if (open) {
        nacme_jw_key(w, key);
        nacme_jw_raw_begin(w);
    }
    nacme_sb_putc(w->sb, '"');
    if (!open) nacme_jw_raw_end(w);
}

void nacme_jw_url(const nacme_t *c, nacme_jw_t *w, const char *key, uint16_t ref)
{
    quote(w, key, true);
    nacme_url_write(c, w->sb, ref);
    quote(w, key, false);
}

void nacme_jw_b64(nacme_jw_t *w, const char *key, const uint8_t *data, size_t len)
{
    quote(w, key, true);
    nacme_sb_b64_begin(w->sb);
    nacme_sb_put(w->sb, data, len);
    nacme_sb_b64_end(w->sb);
    quote(w, key, false);
}

void nacme_str_drop_order(nacme_t *c)
{
    c->strings_len = c->strings_order_mark;
}

int nacme_jget(const nacme_t *c, int obj, const char *key, nacme_json_type_t type)
{
    return nacme_json_get_typed(&c->json, obj, key, type);
}

/* String token t (or an error from the lookup) into the pool, as a URL or as text. */
static int take_string(nacme_t *c, int t, bool url, uint16_t *ref)
{
    char text[NACME_URL_MAX + 1];
    *ref = NACME_NOSTR;
    if (t < 0) return t;
    int rc = nacme_json_string(&c->json, t, text, sizeof text, NULL);
    if (rc != NACME_OK) return rc;
    size_t n = strlen(text);
    *ref = url ? nacme_url_add(c, text, n) : nacme_str_add(c, text, n);
    if (*ref != NACME_NOSTR) return NACME_OK;
    return url ? NACME_ERR_URL : NACME_ERR_TOO_LARGE;
}

int nacme_json_tok_url(nacme_t *c, int tok, uint16_t *ref)
{
    return take_string(c, tok, true, ref);
}

int nacme_json_add_url(nacme_t *c, int obj, const char *key, uint16_t *ref)
{
    return take_string(c, nacme_jget(c, obj, key, NACME_JSON_STRING), true, ref);
}

int nacme_json_add_str(nacme_t *c, int obj, const char *key, uint16_t *ref)
{
    return take_string(c, nacme_jget(c, obj, key, NACME_JSON_STRING), false, ref);
}
