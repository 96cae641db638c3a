/* ARM semihosting: the few calls the firmware uses. */
#include "semihost.h"

#define SYS_TIME 0x11
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t call(uint32_t op, uintptr_t arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register uintptr_t r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void semihost_exit(int status)
{
    if (status == 0) {
        /* On 32-bit ARM the reason is passed directly, not in a block. */
        (void)call(SYS_EXIT, ADP_STOPPED_APPLICATION_EXIT);
    } else {
        uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)status};
        (void)call(SYS_EXIT_EXTENDED, (uintptr_t)block);
    }
    for (;;) {
        /* Not under a semihosting host: stop here. */
        __asm__ volatile("bkpt 0");
    }
}

uint32_t semihost_time(void)
{
    return call(SYS_TIME, 0);
}

size_t semihost_cmdline(char *buf, size_t cap)
{
    if (buf == NULL || cap < 2u) {
        return 0;
    }
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)cap};
    if (call(SYS_GET_CMDLINE, (uintptr_t)block) != 0u || block[1] >= cap) {
        buf[0] = '\0';
        return 0;
    }
    buf[block[1]] = '\0';
    return block[1];
}
