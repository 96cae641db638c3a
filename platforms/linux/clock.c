/* The clock port on Linux: CLOCK_MONOTONIC and CLOCK_REALTIME. */
#include <time.h>

#include "nacme_linux.h"

static uint64_t monotonic_ms(void *ctx)
{
    (void)ctx;
    return nacme_linux_now_ms(); /* the event loop's clock: one time base for waits */
}

static int unix_time(void *ctx, int64_t *now)
{
    (void)ctx;
    struct timespec ts;
    if (now == NULL) return NACME_ERR_ARG;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return NACME_ERR_TIME_UNKNOWN;
    *now = (int64_t)ts.tv_sec;
    return NACME_OK;
}

void nacme_linux_clock_port(nacme_clock_t *out)
{
    if (out == NULL) return;
    *out = (nacme_clock_t){.ctx = NULL, .monotonic_ms = monotonic_ms, .unix_time = unix_time};
}
