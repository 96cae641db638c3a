/*
 * Startup of the mps2-an385 firmware (linked with -nostartfiles): the vector
 * table, the reset handler (.data copy, .bss clear, stack paint, C runtime
 * init, main) and the fault handlers.
 */
#include <stdint.h>

#include "board.h"
#include "console.h"

int main(void);
void fw_reset_handler(void);
void fw_default_handler(void);
void fw_hardfault_handler(void);
void fw_fault_report(const uint32_t *frame, uint32_t exc_return);
void fw_systick_handler(void);
void __libc_init_array(void);
void _init(void);
void _fini(void);

extern uint32_t __stack_start[];
extern uint32_t __stack_top[];
extern uint32_t __data_start[];
extern uint32_t __data_end[];
extern const uint32_t __data_load[];
extern uint32_t __bss_start[];
extern uint32_t __bss_end[];

/* A vector is the initial stack pointer or a handler. */
typedef union {
    void (*handler)(void);
    uint32_t *sp;
} vector_t;

#define EXTERNAL_IRQS 32
#define DEFAULT1 {.handler = fw_default_handler}
#define DEFAULT8 DEFAULT1, DEFAULT1, DEFAULT1, DEFAULT1, DEFAULT1, DEFAULT1, DEFAULT1, DEFAULT1

__attribute__((section(".vectors"), used)) static const vector_t vectors[16 + EXTERNAL_IRQS] = {
    [0] = {.sp = __stack_top},
    [1] = {.handler = fw_reset_handler},
    [2] = {.handler = fw_default_handler},   /* NMI */
    [3] = {.handler = fw_hardfault_handler},
    [4] = {.handler = fw_hardfault_handler}, /* MemManage */
    [5] = {.handler = fw_hardfault_handler}, /* BusFault */
    [6] = {.handler = fw_hardfault_handler}, /* UsageFault */
    [11] = {.handler = fw_default_handler},  /* SVCall */
    [12] = {.handler = fw_default_handler},  /* DebugMonitor */
    [14] = {.handler = fw_default_handler},  /* PendSV */
    [15] = {.handler = fw_systick_handler},
    [16] = DEFAULT8, DEFAULT8, DEFAULT8, DEFAULT8,
};

void fw_reset_handler(void)
{
    const uint32_t *src = __data_load;
    for (uint32_t *dst = __data_start; dst < __data_end;) {
        *dst++ = *src++;
    }
    for (uint32_t *dst = __bss_start; dst < __bss_end;) {
        *dst++ = 0;
    }

    /* Paint the free stack below this frame, so the peak can be measured. */
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    for (uint32_t *p = __stack_start; p < sp - 16; p++) {
        *p = BOARD_STACK_PAINT;
    }

    /* Enable the MemManage, BusFault and UsageFault handlers (SHCSR). */
    *(volatile uint32_t *)0xE000ED24u |= 0x70000u;

    __libc_init_array();
    board_exit(main());
}

/* newlib-nano's __libc_init_array calls these; nothing to do here. */
void _init(void)
{
}

void _fini(void)
{
}

void fw_default_handler(void)
{
    console_put_str("\r\nunexpected interrupt, IPSR ");
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    console_put_dec(ipsr);
    console_put_str("\r\n");
    board_exit(BOARD_EXIT_FAULT);
}

/* Find the stacked exception frame (MSP or PSP) and report it. */
__attribute__((naked)) void fw_hardfault_handler(void)
{
    __asm__ volatile("tst lr, #4\n"
                     "ite eq\n"
                     "mrseq r0, msp\n"
                     "mrsne r0, psp\n"
                     "mov r1, lr\n"
                     "b fw_fault_report\n");
}

void fw_fault_report(const uint32_t *frame, uint32_t exc_return)
{
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    console_put_str("\r\nfault ");
    console_put_dec(ipsr);
    console_put_str(" pc ");
    console_put_hex(frame[6], 8);
    console_put_str(" lr ");
    console_put_hex(frame[5], 8);
    console_put_str(" cfsr ");
    console_put_hex(*(volatile uint32_t *)0xE000ED28u, 8);
    console_put_str(" hfsr ");
    console_put_hex(*(volatile uint32_t *)0xE000ED2Cu, 8);
    console_put_str(" bfar ");
    console_put_hex(*(volatile uint32_t *)0xE000ED38u, 8);
    console_put_str(" exc_return ");
    console_put_hex(exc_return, 8);
    console_put_str("\r\n");
    board_exit(BOARD_EXIT_FAULT);
}
