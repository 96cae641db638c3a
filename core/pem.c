/* PEM (RFC 7468): encoder and a streaming splitter that decodes each block to DER. */
#include "nacme_pem.h"

#include <string.h>

#include "internal.h"
#include "nacme_b64.h"

static const char begin_line[] = "-----BEGIN ";
static const char end_line[] = "-----END ";
static const char dashes[] = "-----";
#define BEGIN_LEN (sizeof(begin_line) - 1u)
#define END_LEN (sizeof(end_line) - 1u)
#define DASHES_LEN (sizeof(dashes) - 1u)

static void boundary(nacme_sb_t *sb, const char *what, const char *label)
{
    nacme_sb_puts(sb, what);
    nacme_sb_puts(sb, label);
    nacme_sb_puts(sb, "-----\n");
}

int nacme_pem_encode(nacme_sb_t *sb, const char *label, const uint8_t *der, size_t len)
{
    if (sb == NULL || label == NULL || (der == NULL && len > 0)) return NACME_ERR_ARG;
    boundary(sb, begin_line, label);
    for (size_t i = 0; i < len; i += 48u) {
        char line[65]; /* 48 bytes: 64 characters and the NUL */
        size_t n;
        (void)nacme_b64_encode(der + i, len - i < 48u ? len - i : 48u, line, sizeof line, &n);
        line[n++] = '\n';
        nacme_sb_put(sb, line, n);
    }
    boundary(sb, end_line, label);
    return sb->err;
}

enum {
    ST_LINE,  /* outside a block, matching "-----BEGIN " at a line start (pos: matched) */
    ST_SKIP,  /* outside a block, skipping a text line */
    ST_LABEL, /* the rest of a BEGIN line, collected into label (pos: collected) */
    ST_DATA,  /* inside a block (pos: base64 characters on this line) */
    ST_END,   /* matching "-----END label-----" (pos: matched) */
    ST_TAIL   /* after an END line: only whitespace until the line ends */
};

void nacme_pem_splitter_init(nacme_pem_splitter_t *s, uint8_t *out, size_t cap)
{
    memset(s, 0, sizeof(*s));
    s->out = out;
    s->cap = cap;
    s->state = ST_LINE;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* A complete BEGIN line is in label[0..pos): keep the label, open the block. */
static int open_block(nacme_pem_splitter_t *s)
{
    size_t n = s->pos;
    while (n > 0 && is_space(s->label[n - 1])) n--;
    if (n < DASHES_LEN || memcmp(s->label + n - DASHES_LEN, dashes, DASHES_LEN) != 0) {
        return NACME_ERR_PEM;
    }
    n -= DASHES_LEN;
    s->label[n] = '\0';
    s->label_len = (uint8_t)n;
    s->out_len = 0;
    s->quad_len = 0;
    s->pad = 0;
    s->pos = 0;
    s->state = ST_DATA;
    return NACME_OK;
}

/* One base64 character of a block; every 4 are decoded by core/b64.c. */
static int data_char(nacme_pem_splitter_t *s, char c)
{
    if (s->pad) return NACME_ERR_PEM; /* data after the '=' padding */
    s->quad[s->quad_len++] = c;
    if (s->quad_len < 4u) return NACME_OK;
    size_t n;
    int rc = nacme_b64_decode(s->quad, 4, s->out + s->out_len, s->cap - s->out_len, &n);
    if (rc != NACME_OK) return rc == NACME_ERR_TOO_LARGE ? rc : NACME_ERR_PEM;
    s->out_len += n;
    s->quad_len = 0;
    s->pad = n < 3u;
    return NACME_OK;
}

/* Character pos of "-----END " label "-----". */
static char end_char(const nacme_pem_splitter_t *s, size_t pos)
{
    if (pos < END_LEN) return end_line[pos];
    pos -= END_LEN;
    return pos < s->label_len ? s->label[pos] : '-';
}

/* Feed one character; *block set when it completed a block. */
static int step(nacme_pem_splitter_t *s, char c, bool *block)
{
    switch (s->state) {
    case ST_LINE:
        if (c == begin_line[s->pos]) {
            if (++s->pos == BEGIN_LEN) {
                s->state = ST_LABEL;
                s->pos = 0;
            }
        } else if (c == '\n') {
            s->pos = 0;
        } else {
            s->state = ST_SKIP;
        }
        return NACME_OK;
    case ST_SKIP:
        break;
    case ST_LABEL:
        if (c == '\n') return open_block(s);
        /* labels are printable ASCII (RFC 7468 section 3) */
        if (s->pos >= sizeof(s->label) - 1u || ((c < ' ' || c > '~') && !is_space(c))) {
            return NACME_ERR_PEM;
        }
        s->label[s->pos++] = c;
        return NACME_OK;
    case ST_DATA:
        if (c == '\n') {
            s->pos = 0;
        } else if (c == '-' && s->pos == 0) {
            s->state = ST_END;
            s->pos = 1;
        } else if (!is_space(c)) {
            s->pos++;
            return data_char(s, c);
        }
        return NACME_OK;
    case ST_END:
        if (c != end_char(s, s->pos)) return NACME_ERR_PEM;
        if (++s->pos < END_LEN + s->label_len + DASHES_LEN) return NACME_OK;
        if (s->quad_len != 0) return NACME_ERR_PEM; /* base64 not a multiple of 4 */
        s->der = s->out;
        s->der_len = s->out_len;
        s->blocks++;
        s->state = ST_TAIL;
        *block = true;
        return NACME_OK;
    default: /* ST_TAIL */
        if (c != '\n' && !is_space(c)) return NACME_ERR_PEM;
        break;
    }
    /* ST_SKIP and ST_TAIL: a new line starts after '\n' */
    if (c == '\n') {
        s->state = ST_LINE;
        s->pos = 0;
    }
    return NACME_OK;
}

int nacme_pem_split(nacme_pem_splitter_t *s, const char *data, size_t len, size_t *used,
                    nacme_pem_event_t *event)
{
    if (s == NULL || used == NULL || event == NULL || (data == NULL && len > 0)) {
        return NACME_ERR_ARG;
    }
    *used = 0;
    *event = NACME_PEM_NEED_MORE;
    if (s->err != NACME_OK) return s->err;
    bool block = false;
    size_t i = 0;
    while (i < len && !block) {
        int rc = step(s, data[i++], &block);
        if (rc != NACME_OK) {
            s->err = rc;
            return rc;
        }
    }
    *used = i;
    if (block) *event = NACME_PEM_BLOCK;
    return NACME_OK;
}

int nacme_pem_splitter_finish(const nacme_pem_splitter_t *s)
{
    if (s->err != NACME_OK) return s->err;
    return (s->state == ST_LABEL || s->state == ST_DATA || s->state == ST_END) ? NACME_ERR_PEM
                                                                               : NACME_OK;
}
