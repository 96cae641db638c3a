/* wolfSSL static pool probe (see pool_probe.h). */
#include "pool_probe.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "console.h"

void *__real_wolfSSL_Malloc(size_t size, void *heap, int type);
void *__wrap_wolfSSL_Malloc(size_t size, void *heap, int type);

static const uint32_t bucket_size[WOLFMEM_MAX_BUCKETS] = {WOLFMEM_BUCKETS};
static const uint32_t bucket_count[WOLFMEM_MAX_BUCKETS] = {WOLFMEM_DIST};
static uint32_t min_free[WOLFMEM_MAX_BUCKETS];
static uint32_t max_request[WOLFMEM_MAX_BUCKETS];
static uint32_t failures;
static uint32_t failed_size;
static uint32_t peak_bytes;
static int seen;

void *__wrap_wolfSSL_Malloc(size_t size, void *heap, int type)
{
    void *p = __real_wolfSSL_Malloc(size, heap, type);
    if (!seen) {
        for (unsigned i = 0; i < WOLFMEM_MAX_BUCKETS; i++) {
            min_free[i] = UINT32_MAX;
        }
        seen = 1;
    }
    if (p == NULL) {
        failures++;
        failed_size = (uint32_t)size;
    }
    for (unsigned i = 0; i < WOLFMEM_MAX_BUCKETS; i++) {
        if (size <= bucket_size[i]) {
            if (size > max_request[i]) {
                max_request[i] = (uint32_t)size;
            }
            break;
        }
    }
    if (heap != NULL) {
        WOLFSSL_MEM_STATS st;
        if (wolfSSL_GetMemStats(((WOLFSSL_HEAP_HINT *)heap)->memory, &st) == 1) {
            uint32_t in_use = 0;
            for (unsigned i = 0; i < WOLFMEM_MAX_BUCKETS; i++) {
                if (st.avaBlock[i] < min_free[i]) {
                    min_free[i] = st.avaBlock[i];
                }
                if (st.avaBlock[i] <= bucket_count[i]) {
                    in_use += (bucket_count[i] - st.avaBlock[i]) * (bucket_size[i] + (uint32_t)wolfSSL_MemoryPaddingSz());
                }
            }
            if (in_use > peak_bytes) {
                peak_bytes = in_use;
            }
        }
    }
    return p;
}

uint32_t pool_probe_failures(void)
{
    return failures;
}

uint32_t pool_probe_peak_bytes(void)
{
    return peak_bytes;
}

void pool_probe_report(void)
{
    console_put_str("pool: bucket blocks peak largest-request\r\n");
    for (unsigned i = 0; i < WOLFMEM_MAX_BUCKETS; i++) {
        uint32_t peak = (seen && min_free[i] <= bucket_count[i]) ? bucket_count[i] - min_free[i] : 0u;
        console_put_str("pool: ");
        console_put_dec(bucket_size[i]);
        console_put_char(' ');
        console_put_dec(bucket_count[i]);
        console_put_char(' ');
        console_put_dec(peak);
        console_put_char(' ');
        console_put_dec(max_request[i]);
        console_put_str("\r\n");
    }
    if (failures != 0u) {
        console_put_str("pool: ");
        console_put_dec(failures);
        console_put_str(" failed allocations, last of ");
        console_put_dec(failed_size);
        console_put_str(" bytes\r\n");
    }
}
