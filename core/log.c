/*
 * The engine's log line formatter: a bounded subset of printf (no stdio,
 * which allocates on newlib). Lines longer than the buffer are cut with
 * "..." so a log line never overflows.
 */
#include <stdarg.h>
#include <string.h>

#include "engine.h"

#if NACME_LOG_LEVEL > 0

#define LINE_MAX 160

static void put_unsigned(nacme_sb_t *sb, unsigned long long v)
{
    nacme_sb_put_u64(sb, (uint64_t)v);
}

static void put_signed(nacme_sb_t *sb, long long v)
{
    nacme_sb_put_i64(sb, (int64_t)v);
}

/* Append what fits; the builder's overflow flag is ignored: the line is cut instead. */
static void append(nacme_sb_t *sb, const char *s, size_t n)
{
    size_t room = sb->cap - sb->len;
    nacme_sb_put(sb, s, n < room ? n : room);
}

void nacme_logf(const nacme_t *c, nacme_log_level_t level, const char *fmt, ...)
{
    if (c->port == NULL || c->port->log.write == NULL) return;
    char line[LINE_MAX];
    nacme_sb_t sb;
    nacme_sb_init(&sb, line, sizeof line - 4u); /* room for "...\0" */
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p != '\0' && sb.err == NACME_OK; p++) {
        if (*p != '%') {
            const char *q = p;
            while (*q != '\0' && *q != '%') q++;
            append(&sb, p, (size_t)(q - p));
            p = q - 1;
            continue;
        }
        p++;
        int longs = 0;
        bool size_t_arg = false;
        while (*p == 'l') {
            longs++;
            p++;
        }
        if (*p == 'z') {
            size_t_arg = true;
            p++;
        }
        if (*p == '\0') break;
        switch (*p) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (s == NULL) s = "(null)";
            append(&sb, s, strlen(s));
            break;
        }
        case 'd':
            if (longs >= 2) put_signed(&sb, va_arg(ap, long long));
            else if (longs == 1) put_signed(&sb, va_arg(ap, long));
            else put_signed(&sb, va_arg(ap, int));
            break;
        case 'u':
            if (size_t_arg) put_unsigned(&sb, va_arg(ap, size_t));
            else if (longs >= 2) put_unsigned(&sb, va_arg(ap, unsigned long long));
            else if (longs == 1) put_unsigned(&sb, va_arg(ap, unsigned long));
            else put_unsigned(&sb, va_arg(ap, unsigned));
            break;
        case '%':
            append(&sb, "%", 1);
            break;
        default: /* a conversion this formatter does not know */
            append(&sb, "?", 1);
            break;
        }
    }
    va_end(ap);
    if (sb.len == sb.cap || sb.err != NACME_OK) {
        memcpy(line + sb.len, "...", 3);
        sb.len += 3u;
    }
    line[sb.len] = '\0';
    c->port->log.write(c->port->log.ctx, level, line);
}

#endif
