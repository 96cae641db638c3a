/*
 * lwIP compiler/platform glue for the mps2-an385 firmware (arm-none-eabi-gcc,
 * newlib-nano, no stdio).
 */
#ifndef FW_ARCH_CC_H
#define FW_ARCH_CC_H

#include <stddef.h>
#include <stdint.h>

/* Cortex-M3 here is little-endian. */
#define BYTE_ORDER LITTLE_ENDIAN

/* No ctype table from newlib: lwIP's own character helpers. */
#define LWIP_NO_CTYPE_H 1

/* lwIP's diagnostics would need printf: none (LWIP_DEBUG is off). */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)

/*
 * Assertions stay on; a failed one prints its file and line on the console
 * and stops the board. The message texts are left out: they would cost
 * about 10 KB of flash.
 */
void board_assert_failed(const char *msg, const char *file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) board_assert_failed(NULL, __FILE__, __LINE__)

/*
 * Random numbers for DHCP transaction ids, DNS query ids and source ports
 * and TCP initial sequence numbers: the board's demo generator, which is NOT
 * a secure source (see board.h).
 */
uint32_t board_rand32(void);
#define LWIP_RAND() board_rand32()

#endif /* FW_ARCH_CC_H */
