/*
 * The Linux platform's event loop: one poll() over the engine's transport
 * handle and every socket the platform's own servers watch (the http-01 and
 * tls-alpn-01 responders, DNS hook children). nacme_linux_loop_wait() is the
 * wait function nacme_run() calls, so challenge responders are served while
 * the engine waits.
 */
#ifndef NACME_LINUX_LOOP_H
#define NACME_LINUX_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#include "nanoacme.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Sockets watched at once besides the engine's (listeners and their connections). */
#ifndef NACME_LINUX_MAX_WATCHES
#define NACME_LINUX_MAX_WATCHES 64
#endif

/* Called when fd is ready; revents as poll() reports it. */
typedef void (*nacme_linux_fd_cb)(void *ctx, int fd, short revents);
/* Called once per loop round (timeouts of the watchers' own connections). */
typedef void (*nacme_linux_tick_cb)(void *ctx, uint64_t now_ms);

typedef struct nacme_linux_watch {
    int fd;
    short events;
    nacme_linux_fd_cb cb;
    void *ctx;
} nacme_linux_watch_t;

typedef struct nacme_linux_loop {
    nacme_linux_watch_t watches[NACME_LINUX_MAX_WATCHES];
    unsigned n;
    struct {
        nacme_linux_tick_cb cb;
        void *ctx;
    } ticks[8];
    unsigned n_ticks;
} nacme_linux_loop_t;

void nacme_linux_loop_init(nacme_linux_loop_t *l);

/*
 * nacme_linux_loop_add() - watch fd for events (POLLIN, POLLOUT). Return
 * NACME_OK, or NACME_ERR_TOO_LARGE when NACME_LINUX_MAX_WATCHES are in use.
 */
int nacme_linux_loop_add(nacme_linux_loop_t *l, int fd, short events, nacme_linux_fd_cb cb, void *ctx);

/* nacme_linux_loop_events() - change what fd is watched for. */
void nacme_linux_loop_events(nacme_linux_loop_t *l, int fd, short events);

/* nacme_linux_loop_remove() - stop watching fd (safe inside its callback). */
void nacme_linux_loop_remove(nacme_linux_loop_t *l, int fd);

/* nacme_linux_loop_tick() - call cb every round (at most 8). */
int nacme_linux_loop_tick(nacme_linux_loop_t *l, nacme_linux_tick_cb cb, void *ctx);

/*
 * nacme_linux_loop_untick() - stop calling (cb, ctx) (safe inside a tick;
 * nothing happens when it is not registered).
 */
void nacme_linux_loop_untick(nacme_linux_loop_t *l, nacme_linux_tick_cb cb, void *ctx);

/*
 * nacme_linux_loop_wait() - a nacme_wait_fn: poll the engine's handle
 * (w->handle, w->events) together with every watch, serving the watches,
 * until the engine's handle is ready or the monotonic time w->until_ms
 * comes. ctx is the loop. Return NACME_OK (or NACME_ERR_IO if poll fails).
 */
int nacme_linux_loop_wait(void *ctx, const nacme_wait_t *w);

/*
 * nacme_linux_loop_run_for() - serve the watches for ms milliseconds (no
 * engine), e.g. while waiting for DNS propagation outside an operation.
 */
void nacme_linux_loop_run_for(nacme_linux_loop_t *l, uint32_t ms);

/* nacme_linux_now_ms() - CLOCK_MONOTONIC in milliseconds. */
uint64_t nacme_linux_now_ms(void);

#ifdef __cplusplus
}
#endif

#endif
