/* The log port on Linux: one line per write() to a descriptor (stderr). */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "nacme_linux.h"

/* Longest line written, newline included. */
#define LINE_MAX_BYTES 1000u

void nacme_linux_log_init(nacme_linux_log_t *l, nacme_log_level_t min_level)
{
    if (l == NULL) return;
    l->min_level = min_level;
    l->fd = STDERR_FILENO;
}

static const char *level_tag(nacme_log_level_t level)
{
    switch (level) {
    case NACME_LOG_LEVEL_ERROR: return "error: ";
    case NACME_LOG_LEVEL_WARN: return "warning: ";
    case NACME_LOG_LEVEL_INFO: return "";
    case NACME_LOG_LEVEL_DEBUG: return "debug: ";
    }
    return "";
}

static void write_line(void *ctx, nacme_log_level_t level, const char *line)
{
    const nacme_linux_log_t *l = ctx;
    if (l == NULL || line == NULL || level > l->min_level || l->fd < 0) return;
    char out[LINE_MAX_BYTES];
    static const char prefix[] = "nanoacme: ";
    const char *tag = level_tag(level);
    size_t n = sizeof prefix - 1u, tl = strlen(tag);
    memcpy(out, prefix, n);
    memcpy(out + n, tag, tl);
    n += tl;
    const size_t room = sizeof out - 4u; /* "..." and the newline */
    size_t i = 0;
    for (; line[i] != '\0' && n < room; i++) {
        unsigned char ch = (unsigned char)line[i];
        /* server text reaches the log (problem details): no terminal control */
        out[n++] = (ch < 0x20u || ch == 0x7fu) ? '?' : (char)ch;
    }
    if (line[i] != '\0') {
        memcpy(out + n, "...", 3);
        n += 3;
    }
    out[n++] = '\n';
    for (unsigned intr = 0; intr < 100u; intr++) { /* one write: lines stay whole */
        if (write(l->fd, out, n) >= 0 || errno != EINTR) return;
    }
}

void nacme_linux_log_port(nacme_linux_log_t *l, nacme_log_t *out)
{
    if (out == NULL) return;
    *out = (nacme_log_t){.ctx = l, .write = l != NULL ? write_line : NULL};
}
