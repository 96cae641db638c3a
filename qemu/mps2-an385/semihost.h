/*
 * ARM semihosting calls (BKPT 0xAB on M-profile), as QEMU implements them
 * with -semihosting-config enable=on,target=native.
 */
#ifndef FW_SEMIHOST_H
#define FW_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* semihost_exit() - SYS_EXIT (status 0) or SYS_EXIT_EXTENDED (any status). */
void semihost_exit(int status) __attribute__((noreturn));

/* semihost_time() - SYS_TIME: the host's time in seconds since 1970. */
uint32_t semihost_time(void);

/*
 * semihost_cmdline() - SYS_GET_CMDLINE into buf (NUL-terminated). Return
 * the length, or 0 on failure.
 */
size_t semihost_cmdline(char *buf, size_t cap);

#endif /* FW_SEMIHOST_H */
