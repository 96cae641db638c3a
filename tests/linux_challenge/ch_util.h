/*
 * Helpers for the tests of the Linux challenge responders: a log that keeps
 * its lines, free loopback ports, plain-socket clients that let the poll
 * loop serve while they wait, and background commands (curl, openssl)
 * waited for with a bound while the loop serves.
 *
 * Every wait here is bounded; every child is killed and reaped at its bound.
 */
#ifndef NACME_TEST_CH_UTIL_H
#define NACME_TEST_CH_UTIL_H

#include "test_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nacme_linux_challenge.h"

extern char **environ;

/* ---- log ---------------------------------------------------------------------- */

#define TLOG_LINES 64

typedef struct tlog {
    char lines[TLOG_LINES][256];
    unsigned n;
} tlog_t;

static inline void tlog_write(void *ctx, nacme_log_level_t level, const char *line)
{
    tlog_t *l = ctx;
    (void)level;
    if (getenv("NACME_TEST_VERBOSE")) fprintf(stderr, "log: %s\n", line);
    snprintf(l->lines[l->n % TLOG_LINES], sizeof l->lines[0], "%s", line);
    l->n++;
}

static inline nacme_log_t tlog_port(tlog_t *l)
{
    return (nacme_log_t){.ctx = l, .write = tlog_write};
}

/* Whether a kept line contains text. */
static inline bool tlog_has(const tlog_t *l, const char *text)
{
    unsigned n = l->n < TLOG_LINES ? l->n : TLOG_LINES;
    for (unsigned i = 0; i < n; i++) {
        if (strstr(l->lines[i], text) != NULL) return true;
    }
    return false;
}

static inline void tlog_dump(const tlog_t *l)
{
    unsigned n = l->n < TLOG_LINES ? l->n : TLOG_LINES;
    for (unsigned i = 0; i < n; i++) printf("# log: %s\n", l->lines[i]);
}

/* ---- time and ports ---------------------------------------------------------------- */

static inline void sleep_ms(unsigned ms)
{
    struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    nanosleep(&ts, NULL);
}

/* A loopback port nobody listens on now (the kernel's choice of a free one). */
static inline uint16_t free_port(int family)
{
    int fd = socket(family, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    socklen_t sl;
    if (family == AF_INET6) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
        s6->sin6_family = AF_INET6;
        s6->sin6_addr = in6addr_loopback;
        sl = sizeof *s6;
    } else {
        struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
        s4->sin_family = AF_INET;
        s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        sl = sizeof *s4;
    }
    assert_int_equal(bind(fd, (struct sockaddr *)&ss, sl), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&ss, &sl), 0);
    uint16_t port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    close(fd);
    return port;
}

/* ---- plain-socket clients ------------------------------------------------------------ */

/*
 * Connect to the loopback address of family at port: the descriptor
 * (non-blocking once connected), or -errno when refused. A loopback connect
 * completes in the kernel, so it needs no served loop.
 */
static inline int client_connect(int family, uint16_t port)
{
    int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    int rc;
    if (family == AF_INET6) {
        struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = in6addr_loopback};
        rc = connect(fd, (struct sockaddr *)&s6, sizeof s6);
    } else {
        struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
        s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = connect(fd, (struct sockaddr *)&s4, sizeof s4);
    }
    if (rc != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Send all of data (small amounts: the socket buffer takes them at once). */
static inline void client_send(int fd, const char *data, size_t len)
{
    size_t off = 0;
    for (int tries = 0; off < len && tries < 1000; tries++) {
        ssize_t n = send(fd, data + off, len - off, MSG_NOSIGNAL);
        if (n > 0) off += (size_t)n;
        else sleep_ms(1);
    }
    assert_int_equal(off, len);
}

/*
 * Read what the server answers until it closes, serving the loop between
 * reads, for at most timeout_ms. Return the bytes read (NUL-terminated in
 * buf); *closed tells whether the server closed (EOF or reset).
 */
static inline size_t client_read(nacme_linux_loop_t *loop, int fd, char *buf, size_t cap, unsigned timeout_ms,
                                 bool *closed)
{
    size_t len = 0;
    *closed = false;
    uint64_t end = nacme_linux_now_ms() + timeout_ms;
    while (nacme_linux_now_ms() < end) {
        nacme_linux_loop_run_for(loop, 5);
        for (;;) {
            ssize_t n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
            if (n > 0) {
                len += (size_t)n;
                if (len == cap - 1) break;
                continue;
            }
            if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) *closed = true;
            break;
        }
        if (*closed || len == cap - 1) break;
    }
    buf[len] = '\0';
    return len;
}

/* One whole exchange on a fresh connection: the response, and that the server closed. */
static inline size_t http_exchange(nacme_linux_loop_t *loop, int family, uint16_t port, const char *req, char *buf,
                                   size_t cap)
{
    int fd = client_connect(family, port);
    assert_true(fd >= 0);
    client_send(fd, req, strlen(req));
    bool closed = false;
    size_t n = client_read(loop, fd, buf, cap, 5000, &closed);
    close(fd);
    assert_true(closed);
    return n;
}

/* ---- background commands ------------------------------------------------------------ */

/* Start `/bin/sh -c cmd` with stdin from /dev/null; its pid. */
static inline pid_t bg_start(const char *cmd)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char *argv[] = {"/bin/sh", "-c", (char *)cmd, NULL};
    pid_t pid = 0;
    int err = posix_spawn(&pid, "/bin/sh", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    assert_int_equal(err, 0);
    return pid;
}

/*
 * Serve the loop until the command exits, at most timeout_ms (then it is
 * killed). Return its exit status, or -1 when it was killed or crashed.
 */
static inline int bg_wait(nacme_linux_loop_t *loop, pid_t pid, unsigned timeout_ms)
{
    uint64_t end = nacme_linux_now_ms() + timeout_ms;
    int st = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (nacme_linux_now_ms() >= end) break;
        if (loop) nacme_linux_loop_run_for(loop, 10);
        else sleep_ms(10);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

/* Whole file into a malloc'd, NUL-terminated buffer (NULL when absent); its size in *len. */
static inline char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    char *buf = malloc(65537);
    assert_non_null(buf);
    size_t n = fread(buf, 1, 65536, f);
    fclose(f);
    buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* A fresh private folder under /tmp for one test. */
static inline void make_tmpdir(char *out, size_t cap, const char *tag)
{
    snprintf(out, cap, "/tmp/nacme-%s-XXXXXX", tag);
    assert_non_null(mkdtemp(out));
}

static inline void remove_tree(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

#endif
