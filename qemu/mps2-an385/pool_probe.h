/*
 * Measurement of wolfSSL's static pool: the firmware is linked with
 * --wrap=wolfSSL_Malloc, so every allocation passes here; the probe keeps,
 * per bucket, the fewest blocks left free and the largest request, the
 * largest total in use, and counts failed requests. The demo prints them to size WOLFMEM_DIST.
 */
#ifndef FW_POOL_PROBE_H
#define FW_POOL_PROBE_H

#include <stddef.h>
#include <stdint.h>

/* pool_probe_report() - print bucket sizes, blocks, peak in use, largest request, failures. */
void pool_probe_report(void);

/* pool_probe_failures() - allocations the pool could not satisfy so far. */
uint32_t pool_probe_failures(void);

/*
 * pool_probe_peak_bytes() - the most pool memory in use at once so far:
 * blocks with their headers, summed over the buckets right after each
 * allocation (the heap high-water mark of the firmware).
 */
uint32_t pool_probe_peak_bytes(void);

#endif /* FW_POOL_PROBE_H */
