/*
 * What wolfSSL asks of the board (see user_settings.h): the time for
 * certificate validity, the seed of its Hash-DRBG, and a small snprintf.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "board.h"

time_t fw_wolfssl_time(time_t *t);
int fw_wolfssl_seed(unsigned char *output, unsigned int sz);
int fw_wolfssl_snprintf(char *buf, size_t size, const char *fmt, ...);

time_t fw_wolfssl_time(time_t *t)
{
    time_t now = (time_t)board_unix_time();
    if (t != NULL) {
        *t = now;
    }
    return now;
}

/*
 * The DRBG's seed. NOT SECURE on this board: board_entropy() mixes guessable
 * values (board.h says which); a real device must give true entropy here.
 */
int fw_wolfssl_seed(unsigned char *output, unsigned int sz)
{
    board_entropy(output, sz);
    return 0;
}

/* The few conversions wolfSSL asks of XSNPRINTF; the return value is C99's (the untruncated length). */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} out_t;

static void out_char(out_t *o, char c)
{
    if (o->len + 1u < o->size) {
        o->buf[o->len] = c;
    }
    o->len++;
}

static void out_number(out_t *o, uint32_t v, unsigned base, bool upper, bool negative, unsigned width, char pad)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[11];
    unsigned n = 0;
    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0u);
    unsigned total = n + (negative ? 1u : 0u);
    if (negative && pad == '0') {
        out_char(o, '-');
    }
    for (; total < width; total++) {
        out_char(o, pad);
    }
    if (negative && pad != '0') {
        out_char(o, '-');
    }
    while (n > 0u) {
        out_char(o, tmp[--n]);
    }
}

int fw_wolfssl_snprintf(char *buf, size_t size, const char *fmt, ...)
{
    out_t o = {buf, size, 0};
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            out_char(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        unsigned width = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9') {
            width = width * 10u + (unsigned)(*p++ - '0');
        }
        switch (*p) {
        case 'd': {
            int v = va_arg(ap, int);
            out_number(&o, v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, false, v < 0, width, pad);
            break;
        }
        case 'u':
            out_number(&o, va_arg(ap, unsigned), 10, false, false, width, pad);
            break;
        case 'x':
        case 'X':
            out_number(&o, va_arg(ap, unsigned), 16, *p == 'X', false, width, pad);
            break;
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case 's':
            for (const char *s = va_arg(ap, const char *); *s != '\0'; s++) {
                out_char(&o, *s);
            }
            break;
        case '%':
            out_char(&o, '%');
            break;
        default:
            /* Unsupported conversion: stop (wolfSSL never asks for one). */
            va_end(ap);
            if (size > 0u) {
                buf[o.len < size ? o.len : size - 1u] = '\0';
            }
            return -1;
        }
    }
    va_end(ap);
    if (size > 0u) {
        buf[o.len < size ? o.len : size - 1u] = '\0';
    }
    return o.len > (size_t)INT32_MAX ? -1 : (int)o.len;
}
