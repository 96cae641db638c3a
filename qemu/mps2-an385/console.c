/* Console on the CMSDK APB UART0 of the mps2-an385. */
#include "console.h"

#define UART0_BASE 0x40004000u
#define UART_DATA (*(volatile uint32_t *)(UART0_BASE + 0x00u))
#define UART_STATE (*(volatile uint32_t *)(UART0_BASE + 0x04u))
#define UART_CTRL (*(volatile uint32_t *)(UART0_BASE + 0x08u))
#define UART_BAUDDIV (*(volatile uint32_t *)(UART0_BASE + 0x10u))

#define UART_STATE_TX_FULL 0x1u
#define UART_CTRL_TX_EN 0x1u

void console_init(void)
{
    /* 25 MHz / 115200; QEMU ignores the rate but the TX enable is required. */
    UART_BAUDDIV = 217u;
    UART_CTRL = UART_CTRL_TX_EN;
}

void console_put_char(char c)
{
    while (UART_STATE & UART_STATE_TX_FULL) {
    }
    UART_DATA = (uint8_t)c;
}

void console_put_str(const char *s)
{
    while (*s != '\0') {
        console_put_char(*s++);
    }
}

void console_put_mem(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        console_put_char((c >= ' ' && c <= '~') ? c : '.');
    }
}

void console_put_dec(uint32_t v)
{
    char digits[10];
    unsigned n = 0;
    do {
        digits[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v != 0u);
    while (n > 0u) {
        console_put_char(digits[--n]);
    }
}

void console_put_sdec(int32_t v)
{
    if (v < 0) {
        console_put_char('-');
        console_put_dec(0u - (uint32_t)v);
    } else {
        console_put_dec((uint32_t)v);
    }
}

void console_put_hex(uint32_t v, unsigned digits)
{
    static const char hex[] = "0123456789abcdef";
    if (digits < 1u || digits > 8u) {
        digits = 8u;
    }
    console_put_str("0x");
    while (digits > 0u) {
        digits--;
        console_put_char(hex[(v >> (digits * 4u)) & 0xfu]);
    }
}
