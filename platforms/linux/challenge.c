/*
 * The Linux challenge port: routes each call to its mode by challenge type
 * (see nacme_linux_challenge.h), and the helpers the modes share.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "challenge_internal.h"

/* ---- shared helpers ------------------------------------------------------------- */

void nacme_linux_log(const nacme_log_t *log, nacme_log_level_t level, const char *fmt, ...)
{
    if (log == NULL || log->write == NULL) return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    log->write(log->ctx, level, line);
}

int nacme_linux_addr_set(nacme_linux_addr_t *a, const char *text, uint16_t port, uint16_t def_port)
{
    memset(a, 0, sizeof *a);
    a->port = port ? port : def_port;
    if (text == NULL) text = "::";
    if (strlen(text) >= sizeof a->text) return NACME_ERR_ARG;
    if (inet_pton(AF_INET6, text, a->ip) == 1) {
        a->len = 16;
        a->dual = strcmp(text, "::") == 0;
    } else if (inet_pton(AF_INET, text, a->ip) == 1) {
        a->len = 4;
    } else {
        return NACME_ERR_ARG;
    }
    memcpy(a->text, text, strlen(text) + 1);
    return NACME_OK;
}

static int bind_listen(const nacme_linux_addr_t *a, bool v4_any, int *err)
{
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    struct sockaddr *sa;
    socklen_t sl;
    int family;
    if (a->len == 16 && !v4_any) {
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        s6.sin6_port = htons(a->port);
        memcpy(&s6.sin6_addr, a->ip, 16);
        sa = (struct sockaddr *)&s6;
        sl = sizeof s6;
        family = AF_INET6;
    } else {
        memset(&s4, 0, sizeof s4);
        s4.sin_family = AF_INET;
        s4.sin_port = htons(a->port);
        if (!v4_any) memcpy(&s4.sin_addr, a->ip, 4);
        sa = (struct sockaddr *)&s4;
        sl = sizeof s4;
        family = AF_INET;
    }
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        *err = errno;
        return -1;
    }
    int one = 1;
    int v6only = a->dual ? 0 : 1;
    /* SO_REUSEADDR: a restart binds despite old connections in TIME_WAIT (a
     * socket still listening there fails all the same) */
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (family == AF_INET6) (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
    if (bind(fd, sa, sl) != 0 || listen(fd, 16) != 0) {
        *err = errno;
        close(fd);
        return -1;
    }
    return fd;
}

int nacme_linux_listen(const nacme_linux_addr_t *a, const nacme_log_t *log, const char *what)
{
    int err = 0;
    int fd = bind_listen(a, false, &err);
    if (fd < 0 && a->dual && err == EAFNOSUPPORT) fd = bind_listen(a, true, &err);
    if (fd < 0) {
        nacme_linux_log(log, NACME_LOG_LEVEL_ERROR, "%s: cannot listen on %s%s%s port %u: %s", what,
                        a->len == 16 ? "[" : "", a->text, a->len == 16 ? "]" : "", (unsigned)a->port,
                        strerror(err));
        return NACME_ERR_CHALLENGE;
    }
    return fd;
}

static bool b64url_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
           ch == '_';
}

static bool b64url_run(const char *s, size_t max)
{
    size_t n = 0;
    for (; s[n] != '\0'; n++) {
        if (n >= max || !b64url_char(s[n])) return false;
    }
    return n > 0;
}

bool nacme_linux_token_ok(const char *token)
{
    return token != NULL && b64url_run(token, NACME_LINUX_TOKEN_MAX);
}

bool nacme_linux_key_auth_ok(const char *token, const char *key_auth)
{
    if (!nacme_linux_token_ok(token) || key_auth == NULL) return false;
    size_t n = strlen(token);
    if (strncmp(key_auth, token, n) != 0 || key_auth[n] != '.') return false;
    return b64url_run(key_auth + n + 1, NACME_LINUX_KEY_AUTH_MAX - n - 1);
}

bool nacme_linux_name_ok(const char *name)
{
    if (name == NULL) return false;
    size_t n = 0;
    for (; name[n] != '\0'; n++) {
        char ch = name[n];
        bool ok = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                  ch == '_' || ch == '.';
        if (n >= NACME_LINUX_DNS_NAME_MAX || !ok) return false;
    }
    return n > 0;
}

bool nacme_linux_name_eq(const char *a, const char *b, size_t b_len)
{
    if (strlen(a) != b_len) return false;
    for (size_t i = 0; i < b_len; i++) {
        char x = a[i];
        char y = b[i];
        if (x >= 'A' && x <= 'Z') x = (char)(x - 'A' + 'a');
        if (y >= 'A' && y <= 'Z') y = (char)(y - 'A' + 'a');
        if (x != y) return false;
    }
    return true;
}

/* ---- the dispatcher -------------------------------------------------------------- */

int nacme_linux_challenge_init(nacme_linux_challenge_t *c, const nacme_linux_challenge_cfg_t *cfg)
{
    if (c == NULL || cfg == NULL) return NACME_ERR_ARG;
    memset(c, 0, sizeof *c);
    c->http.listen_fd = -1;
    c->alpn.listen_fd = -1;
    if (cfg->http && cfg->webroot != NULL) {
        nacme_linux_log(&cfg->log, NACME_LOG_LEVEL_ERROR, "http-01: choose the built-in server or a webroot, not both");
        return NACME_ERR_ARG;
    }
    int rc = NACME_OK;
    if (cfg->http) rc = nacme_linux_http_init(&c->http, cfg);
    if (rc == NACME_OK && cfg->webroot != NULL) {
        rc = nacme_linux_webroot_init(&c->webroot, cfg);
        c->http_webroot = true;
    }
    if (rc == NACME_OK && (cfg->http || cfg->webroot != NULL)) c->supported |= NACME_CHALLENGE_HTTP_01;
    if (rc == NACME_OK && cfg->alpn) {
        rc = nacme_linux_alpn_init(&c->alpn, cfg);
        if (rc == NACME_OK) c->supported |= NACME_CHALLENGE_TLS_ALPN_01;
    }
    if (rc == NACME_OK && cfg->dns_hook != NULL) {
        rc = nacme_linux_dns_init(&c->dns, cfg);
        if (rc == NACME_OK) c->supported |= NACME_CHALLENGE_DNS_01;
    }
    if (rc == NACME_OK && c->supported == 0) rc = NACME_ERR_ARG;
    if (rc != NACME_OK) memset(c, 0, sizeof *c);
    return rc;
}

static int route(nacme_linux_challenge_t *c, const nacme_challenge_t *ch, bool remove)
{
    if (c == NULL || ch == NULL) return NACME_ERR_ARG;
    if ((c->supported & (unsigned)ch->type) == 0) return NACME_ERR_UNSUPPORTED;
    switch (ch->type) {
    case NACME_CHALLENGE_HTTP_01:
        if (c->http_webroot) {
            return remove ? nacme_linux_webroot_unpublish(&c->webroot, ch) : nacme_linux_webroot_publish(&c->webroot, ch);
        }
        return remove ? nacme_linux_http_unpublish(&c->http, ch) : nacme_linux_http_publish(&c->http, ch);
    case NACME_CHALLENGE_TLS_ALPN_01:
        return remove ? nacme_linux_alpn_unpublish(&c->alpn, ch) : nacme_linux_alpn_publish(&c->alpn, ch);
    case NACME_CHALLENGE_DNS_01:
        return remove ? nacme_linux_dns_unpublish(&c->dns, ch) : nacme_linux_dns_publish(&c->dns, ch);
    }
    return NACME_ERR_UNSUPPORTED;
}

static int port_publish(void *ctx, const nacme_challenge_t *ch)
{
    return route(ctx, ch, false);
}

static int port_unpublish(void *ctx, const nacme_challenge_t *ch)
{
    return route(ctx, ch, true);
}

static int port_settle(void *ctx)
{
    nacme_linux_challenge_t *c = ctx;
    if (c == NULL) return NACME_ERR_ARG;
    /* the servers answer as soon as publish() returned; only DNS needs time */
    if (c->supported & NACME_CHALLENGE_DNS_01) return nacme_linux_dns_settle(&c->dns);
    return NACME_OK;
}

void nacme_linux_challenge_port(nacme_linux_challenge_t *c, nacme_challenge_port_t *out)
{
    if (c == NULL || out == NULL) return;
    out->ctx = c;
    out->supported = c->supported;
    out->publish = port_publish;
    out->settle = port_settle;
    out->unpublish = port_unpublish;
}

void nacme_linux_challenge_free(nacme_linux_challenge_t *c)
{
    if (c == NULL || c->supported == 0) return;
    if ((c->supported & NACME_CHALLENGE_HTTP_01) && !c->http_webroot) nacme_linux_http_free(&c->http);
    if (c->supported & NACME_CHALLENGE_TLS_ALPN_01) nacme_linux_alpn_free(&c->alpn);
    if (c->supported & NACME_CHALLENGE_DNS_01) nacme_linux_dns_free(&c->dns);
    memset(c, 0, sizeof *c);
}
