/*
 * Linked into every test binary: before any test runs, check that the binary
 * runs with the byte order and pointer width it was built for. A cross test
 * binary started on the wrong emulator (or natively by mistake) fails here
 * instead of passing tests that never ran where they should.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef NACME_TEST_EXPECT_BIG_ENDIAN
#error "build tests with -DNACME_TEST_EXPECT_BIG_ENDIAN=0|1"
#endif
#ifndef NACME_TEST_EXPECT_PTR_BITS
#error "build tests with -DNACME_TEST_EXPECT_PTR_BITS=32|64"
#endif

__attribute__((constructor)) static void nacme_test_arch_check(void)
{
    const uint32_t probe = 0x01020304u;
    const int big_endian = *(const unsigned char *)&probe == 0x01;
    const int ptr_bits = (int)(sizeof(void *) * 8u);
    if (big_endian != NACME_TEST_EXPECT_BIG_ENDIAN || ptr_bits != NACME_TEST_EXPECT_PTR_BITS) {
        printf("not ok - arch check: running %s-endian %d-bit, built for %s-endian %d-bit\n",
               big_endian ? "big" : "little", ptr_bits,
               NACME_TEST_EXPECT_BIG_ENDIAN ? "big" : "little", NACME_TEST_EXPECT_PTR_BITS);
        fflush(stdout);
        exit(1);
    }
    printf("ok - arch check: %s-endian, %d-bit\n", big_endian ? "big" : "little", ptr_bits);
    fflush(stdout);
}
