/* The clock port from the board's millisecond counter and optional RTC (see nacme_lwip.h). */
#include "nacme_lwip.h"

static uint64_t monotonic_ms(void *ctx)
{
    const nacme_lwip_clock_t *c = ctx;
    return c->ms();
}

static int unix_time(void *ctx, int64_t *now)
{
    const nacme_lwip_clock_t *c = ctx;
    if (now == NULL) return NACME_ERR_ARG;
    if (c->set) {
        *now = (int64_t)(c->ms() / 1000u) + c->offset;
        return NACME_OK;
    }
    if (c->rtc != NULL) return c->rtc(now);
    return NACME_ERR_TIME_UNKNOWN;
}

void nacme_lwip_clock_init(nacme_lwip_clock_t *c, uint64_t (*ms)(void), int (*rtc)(int64_t *now))
{
    if (c == NULL) return;
    *c = (nacme_lwip_clock_t){.ms = ms, .rtc = rtc};
}

void nacme_lwip_clock_set(nacme_lwip_clock_t *c, int64_t unix_now)
{
    if (c == NULL) return;
    c->offset = unix_now - (int64_t)(c->ms() / 1000u);
    c->set = true;
}

void nacme_lwip_clock_port(nacme_lwip_clock_t *c, nacme_clock_t *out)
{
    if (out == NULL) return;
    *out = (nacme_clock_t){.ctx = c, .monotonic_ms = monotonic_ms, .unix_time = unix_time};
}
