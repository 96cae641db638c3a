/*
 * Console output on UART0 without stdio (newlib's printf family allocates):
 * strings, decimal and hexadecimal numbers.
 */
#ifndef FW_CONSOLE_H
#define FW_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

/* console_init() - enable the UART transmitter. */
void console_init(void);

void console_put_char(char c);
void console_put_str(const char *s);
/* console_put_mem() - len bytes, non-printable ones as '.'. */
void console_put_mem(const char *s, size_t len);
void console_put_dec(uint32_t v);
void console_put_sdec(int32_t v);
/* console_put_hex() - "0x" and exactly digits hex digits (1..8). */
void console_put_hex(uint32_t v, unsigned digits);

#endif /* FW_CONSOLE_H */
