/* mps2-an385 board support: SysTick time base, idle, wall clock, entropy, stack. */
#include "board.h"

#include "console.h"
#include "semihost.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE 0x4u /* the core clock: 25 MHz */

#define SYSCLK_HZ 25000000u

/* Written by the SysTick interrupt only. */
static volatile uint64_t ticks_ms;
static uint32_t boot_unix;
static uint32_t rand_state[4];
static uint32_t rand_calls;

extern uint32_t __stack_start[];
extern uint32_t __stack_top[];

void fw_systick_handler(void);

void fw_systick_handler(void)
{
    ticks_ms = ticks_ms + 1u;
}

void board_init(void)
{
    console_init();
    boot_unix = semihost_time();
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_ENABLE | SYST_CSR_TICKINT | SYST_CSR_CLKSOURCE;
}

uint64_t board_ms64(void)
{
    /* A 64-bit read is two loads: read again until no tick came between. */
    uint64_t a;
    uint64_t b;
    do {
        a = ticks_ms;
        b = ticks_ms;
    } while (a != b);
    return a;
}

uint64_t board_us(void)
{
    /* the counter counts down from the reload value within each millisecond */
    for (;;) {
        uint64_t ms = board_ms64();
        uint32_t left = SYST_CVR;
        if (board_ms64() == ms && left <= SYSCLK_HZ / 1000u - 1u) {
            return ms * 1000u + (SYSCLK_HZ / 1000u - 1u - left) / (SYSCLK_HZ / 1000000u);
        }
    }
}

uint32_t board_ms(void)
{
    return (uint32_t)board_ms64();
}

int64_t board_unix_time(void)
{
    return (int64_t)boot_unix + (int64_t)(board_ms64() / 1000u);
}

void board_idle(void)
{
    __asm__ volatile("wfi" ::: "memory");
}

void board_exit(int status)
{
    semihost_exit(status);
}

size_t board_cmdline(char *buf, size_t cap)
{
    return semihost_cmdline(buf, cap);
}

/*
 * The demo generator: xoshiro128** whose state absorbs the SysTick
 * counter, the time since boot, the host time and a call counter on every
 * call. NOT SECURE: every input is guessable (see board.h); it only keeps
 * DRBG health tests and protocol ids working on a board without a random
 * source.
 */
static uint32_t rotl(uint32_t x, unsigned k)
{
    return (x << k) | (x >> (32u - k));
}

static uint32_t rand_next(void)
{
    uint32_t *s = rand_state;
    uint32_t r = rotl(s[1] * 5u, 7) * 9u;
    uint32_t t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
}

static void rand_stir(void)
{
    uint64_t ms = board_ms64();
    rand_calls++;
    rand_state[0] ^= SYST_CVR * 0x9E3779B9u;
    rand_state[1] ^= (uint32_t)ms ^ rotl(rand_calls, 16);
    rand_state[2] ^= boot_unix ^ 0x85EBCA6Bu;
    rand_state[3] ^= (uint32_t)(ms >> 32) ^ rand_calls ^ 0xC2B2AE35u;
    if ((rand_state[0] | rand_state[1] | rand_state[2] | rand_state[3]) == 0u) {
        rand_state[0] = 1u;
    }
    for (unsigned i = 0; i < 8u; i++) {
        (void)rand_next();
    }
}

void board_entropy(uint8_t *buf, size_t len)
{
    rand_stir();
    while (len > 0u) {
        uint32_t r = rand_next() ^ SYST_CVR;
        for (unsigned i = 0; i < 4u && len > 0u; i++, len--) {
            *buf++ = (uint8_t)(r >> (8u * i));
        }
    }
}

uint32_t board_rand32(void)
{
    rand_stir();
    return rand_next();
}

size_t board_stack_size(void)
{
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)__stack_start);
}

size_t board_stack_peak(void)
{
    const uint32_t *p = __stack_start;
    while (p < __stack_top && *p == BOARD_STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)__stack_top - (uintptr_t)p);
}

void board_assert_failed(const char *msg, const char *file, int line)
{
    console_put_str("\r\nassertion failed: ");
    if (msg != NULL) {
        console_put_str(msg);
        console_put_char(' ');
    }
    console_put_str("at ");
    console_put_str(file);
    console_put_char(':');
    console_put_sdec(line);
    console_put_str("\r\n");
    board_exit(BOARD_EXIT_ASSERT);
}
