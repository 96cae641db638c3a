/* The Linux platform's poll() loop (see nacme_linux_loop.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "nacme_linux_loop.h"

uint64_t nacme_linux_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void nacme_linux_loop_init(nacme_linux_loop_t *l)
{
    memset(l, 0, sizeof *l);
}

int nacme_linux_loop_add(nacme_linux_loop_t *l, int fd, short events, nacme_linux_fd_cb cb, void *ctx)
{
    if (l->n >= NACME_LINUX_MAX_WATCHES) return NACME_ERR_TOO_LARGE;
    l->watches[l->n++] = (nacme_linux_watch_t){.fd = fd, .events = events, .cb = cb, .ctx = ctx};
    return NACME_OK;
}

void nacme_linux_loop_events(nacme_linux_loop_t *l, int fd, short events)
{
    for (unsigned i = 0; i < l->n; i++) {
        if (l->watches[i].fd == fd) l->watches[i].events = events;
    }
}

void nacme_linux_loop_remove(nacme_linux_loop_t *l, int fd)
{
    for (unsigned i = 0; i < l->n; i++) {
        if (l->watches[i].fd == fd) {
            l->watches[i] = l->watches[--l->n];
            return;
        }
    }
}

int nacme_linux_loop_tick(nacme_linux_loop_t *l, nacme_linux_tick_cb cb, void *ctx)
{
    if (l->n_ticks >= 8u) return NACME_ERR_TOO_LARGE;
    l->ticks[l->n_ticks].cb = cb;
    l->ticks[l->n_ticks].ctx = ctx;
    l->n_ticks++;
    return NACME_OK;
}

void nacme_linux_loop_untick(nacme_linux_loop_t *l, nacme_linux_tick_cb cb, void *ctx)
{
    for (unsigned i = 0; i < l->n_ticks; i++) {
        if (l->ticks[i].cb == cb && l->ticks[i].ctx == ctx) {
            l->ticks[i] = l->ticks[--l->n_ticks];
            return;
        }
    }
}

/* One poll() round over the watches and (optionally) the engine's handle. */
static int round_once(nacme_linux_loop_t *l, int handle, unsigned events, int timeout_ms, bool *engine_ready)
{
    struct pollfd fds[NACME_LINUX_MAX_WATCHES + 1];
    nacme_linux_watch_t copy[NACME_LINUX_MAX_WATCHES];
    unsigned n = l->n;
    memcpy(copy, l->watches, n * sizeof copy[0]); /* callbacks may add or remove watches */
    for (unsigned i = 0; i < n; i++) fds[i] = (struct pollfd){.fd = copy[i].fd, .events = copy[i].events};
    unsigned nfds = n;
    if (handle >= 0 && events != 0) {
        short ev = (short)(((events & NACME_WANT_READ) ? POLLIN : 0) | ((events & NACME_WANT_WRITE) ? POLLOUT : 0));
        fds[nfds++] = (struct pollfd){.fd = handle, .events = ev};
    }
    int rc = poll(fds, nfds, timeout_ms);
    if (rc < 0) return errno == EINTR ? NACME_OK : NACME_ERR_IO;
    for (unsigned i = 0; i < n; i++) {
        if (fds[i].revents != 0) copy[i].cb(copy[i].ctx, copy[i].fd, fds[i].revents);
    }
    if (nfds > n && fds[n].revents != 0) *engine_ready = true;
    uint64_t now = nacme_linux_now_ms();
    /* backwards: a tick may remove itself (the last one moves into its place) */
    for (unsigned i = l->n_ticks; i-- > 0;) {
        if (i < l->n_ticks) l->ticks[i].cb(l->ticks[i].ctx, now);
    }
    return NACME_OK;
}

int nacme_linux_loop_wait(void *ctx, const nacme_wait_t *w)
{
    nacme_linux_loop_t *l = ctx;
    /* bounded: each round waits up to 100 ms and the deadline is finite */
    for (unsigned rounds = 0; rounds < 10000000u; rounds++) {
        uint64_t now = nacme_linux_now_ms();
        if (now >= w->until_ms && rounds > 0) return NACME_OK;
        uint64_t left = w->until_ms > now ? w->until_ms - now : 0;
        int timeout = left > 100u ? 100 : (int)left;
        bool ready = false;
        int rc = round_once(l, w->handle, w->events, timeout, &ready);
        if (rc != NACME_OK) return rc;
        if (ready) return NACME_OK;
    }
    return NACME_OK;
}

void nacme_linux_loop_run_for(nacme_linux_loop_t *l, uint32_t ms)
{
    uint64_t end = nacme_linux_now_ms() + ms;
    for (unsigned rounds = 0; rounds < 1000000u; rounds++) {
        uint64_t now = nacme_linux_now_ms();
        if (now >= end) return;
        bool ready = false;
        uint64_t left = end - now;
        (void)round_once(l, -1, 0, left > 100u ? 100 : (int)left, &ready);
    }
}
