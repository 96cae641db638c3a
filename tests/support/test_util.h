/* Shared includes and helpers for the cmocka unit tests. */
#ifndef NACME_TEST_UTIL_H
#define NACME_TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* Compare a byte buffer with an expected one of known length. */
#define assert_bytes_equal(got, exp, n) assert_memory_equal((got), (exp), (n))

/*
 * Copy data into a heap block that ends exactly at the end of the
 * allocation, so ASan reports any read past the input (picohttpparser's
 * unmapped-page trick, done with the sanitizer's redzone).
 */
static inline void *test_tight_copy(const void *data, size_t len)
{
    void *p = malloc(len ? len : 1);
    if (p && len) memcpy(p, data, len);
    return p;
}

#endif
