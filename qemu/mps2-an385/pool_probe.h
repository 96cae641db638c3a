/*
 * Measurement of wolfSSL's static pool: the firmware is linked with
 * --wrap=wolfSSL_Malloc, so every allocation passes here; the probe keeps,
 * per bucket, the fewest blocks left free and the largest request, and
 * counts failed requests. The demo prints them to size WOLFMEM_DIST.
 */
#ifndef FW_POOL_PROBE_H
#define FW_POOL_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* pool_probe_report() - print bucket sizes, blocks, peak in use, largest request, failures. */
void pool_probe_report(void);

/* pool_probe_failures() - allocations the pool could not satisfy so far. */
uint32_t pool_probe_failures(void);

#endif /* FW_POOL_PROBE_H */
