/*
 * libFuzzer harness: base64url and base64 decoders on arbitrary input, and
 * the encode/decode round trip of whatever decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t out[512];
    char enc[700];
    size_t n, m;
    if (size > 600) return 0;
    if (nacme_b64url_decode((const char *)data, size, out, sizeof out, &n) == NACME_OK) {
        /* canonical input re-encodes to itself */
        if (nacme_b64url_encode(out, n, enc, sizeof enc, &m) != NACME_OK) abort();
        if (m != size || memcmp(enc, data, size) != 0) abort();
    }
    if (nacme_b64_decode((const char *)data, size, out, sizeof out, &n) == NACME_OK) {
        if (nacme_b64_encode(out, n, enc, sizeof enc, &m) != NACME_OK) abort();
        if (m != size || memcmp(enc, data, size) != 0) abort();
    }
    return 0;
}
