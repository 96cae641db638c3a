/* The log port on a character console (see nacme_lwip.h). */
#include "nacme_lwip.h"

static void put_str(const nacme_lwip_log_t *l, const char *s)
{
    while (*s != '\0') l->put_char(*s++);
}

static void write_line(void *ctx, nacme_log_level_t level, const char *line)
{
    const nacme_lwip_log_t *l = ctx;
    if (l == NULL || l->put_char == NULL || line == NULL || level > l->max_level) return;
    put_str(l, "nanoacme: ");
    if (level == NACME_LOG_LEVEL_ERROR) put_str(l, "error: ");
    if (level == NACME_LOG_LEVEL_WARN) put_str(l, "warning: ");
    /* the engine's lines are bounded; server text may hold control characters */
    for (const char *p = line; *p != '\0'; p++) {
        unsigned char ch = (unsigned char)*p;
        l->put_char((ch < 0x20u || ch == 0x7fu) ? '?' : (char)ch);
    }
    put_str(l, "\r\n");
}

void nacme_lwip_log_port(nacme_lwip_log_t *l, nacme_log_t *out)
{
    if (out == NULL) return;
    *out = (nacme_log_t){.ctx = l, .write = l != NULL ? write_line : NULL};
}
