/*
 * Board support of the nanoacme demo firmware on QEMU's mps2-an385
 * (Cortex-M3, 25 MHz): console on UART0, 1 ms SysTick time base, WFI idle,
 * semihosting for the exit status, the host's clock and the command line,
 * a demo entropy source and the stack high-water mark.
 */
#ifndef FW_BOARD_H
#define FW_BOARD_H

#include <stddef.h>
#include <stdint.h>

/* Exit statuses of the firmware (seen as qemu-system-arm's exit status). */
#define BOARD_EXIT_OK 0
#define BOARD_EXIT_FAIL 1
#define BOARD_EXIT_ASSERT 2
#define BOARD_EXIT_FAULT 3

/* The word the startup code paints the stack with (board_stack_peak() looks for it). */
#define BOARD_STACK_PAINT 0xA5C3A5C3u

/* board_init() - console, SysTick (1 ms) and the wall clock from the host. */
void board_init(void);

/* board_ms() - milliseconds since boot (wraps after 49 days). */
uint32_t board_ms(void);

/* board_ms64() - milliseconds since boot, never wrapping. */
uint64_t board_ms64(void);

/*
 * board_us() - microseconds since boot from the SysTick counter (25 MHz
 * core clock), for cost measurements. Under QEMU's -icount the clock
 * follows the instructions executed, so a difference of two readings
 * around busy code is its emulated CPU time.
 */
uint64_t board_us(void);

/*
 * board_unix_time() - seconds since 1970 UTC: the host's time read by
 * semihosting SYS_TIME at boot plus the time since (the demo board's RTC).
 */
int64_t board_unix_time(void);

/* board_idle() - sleep until the next interrupt (at most 1 ms: SysTick). */
void board_idle(void);

/* board_exit() - stop QEMU with this exit status (semihosting). */
void board_exit(int status) __attribute__((noreturn));

/*
 * board_cmdline() - the semihosting command line (program name and the
 * arguments given with -semihosting-config arg=...), NUL-terminated, into
 * buf. Return its length, or 0 when there is none or it does not fit.
 */
size_t board_cmdline(char *buf, size_t cap);

/*
 * board_entropy() - len bytes for seeding random generators.
 *
 * NOT SECURE. This board has no hardware random source: the bytes are mixed
 * from what the demo has (the SysTick counter, the host time, the boot
 * time in ms, a call counter), all guessable by an attacker. It keeps the
 * demo working; a real device must read a true entropy source here (a TRNG
 * peripheral, or a seed provisioned at manufacture and kept in flash).
 */
void board_entropy(uint8_t *buf, size_t len);

/* board_rand32() - a 32-bit value from the same (insecure) generator. */
uint32_t board_rand32(void);

/* board_stack_size() / board_stack_peak() - the stack region and the most of it used so far. */
size_t board_stack_size(void);
size_t board_stack_peak(void);

/* board_assert_failed() - print an assertion (msg may be NULL) and exit BOARD_EXIT_ASSERT. */
void board_assert_failed(const char *msg, const char *file, int line) __attribute__((noreturn));

#endif /* FW_BOARD_H */
