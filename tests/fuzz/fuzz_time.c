/*
 * libFuzzer harness: RFC 3339 and HTTP-date parsers on arbitrary input, and
 * the RFC 3339 formatter on the input's first 8 bytes as a time. Checks
 * that what parses formats back to the same date and time, and that what
 * formats parses back to the same time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_time.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN_T (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define MAX_T 253402300799LL   /* 9999-12-31T23:59:59Z */

static char upper(char c)
{
    return (c == 't' || c == 'z') ? (char)(c - 32) : c;
}

/* t formats, and the text parses back to t. */
static void round_trip(int64_t t, char out[NACME_RFC3339_LEN + 1])
{
    int64_t back = 0;
    if (nacme_time_format_rfc3339(t, out, NACME_RFC3339_LEN + 1) != NACME_OK) abort();
    if (strlen(out) != NACME_RFC3339_LEN) abort();
    if (nacme_time_parse_rfc3339(out, NACME_RFC3339_LEN, &back) != NACME_OK || back != t) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char out[NACME_RFC3339_LEN + 1];
    int64_t t = 0;

    int rc = nacme_time_parse_rfc3339(s, size, &t);
    if (rc != NACME_OK && rc != NACME_ERR_TIME) abort();
    if (rc == NACME_OK) {
        /* the date itself is within years 0..9999; an offset moves it by less than a day */
        if (t < MIN_T - 86400 || t > MAX_T + 86400) abort();
        if (t >= MIN_T && t <= MAX_T) round_trip(t, out);
        /* plain UTC without a fraction or leap second formats to the input */
        if (size == NACME_RFC3339_LEN && memcmp(s + 17, "60", 2) != 0) {
            for (size_t i = 0; i < NACME_RFC3339_LEN; i++) {
                if (upper(s[i]) != out[i]) abort();
            }
        }
    }

    rc = nacme_time_parse_http_date(s, size, &t);
    if (rc != NACME_OK && rc != NACME_ERR_TIME) abort();
    if (rc == NACME_OK) {
        if (t < MIN_T || t > MAX_T) abort();
        round_trip(t, out);
        /* IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT": the same fields */
        if (size == 29 && s[3] == ',' && memcmp(s + 23, "60", 2) != 0) {
            if (memcmp(out, s + 12, 4) != 0 || memcmp(out + 8, s + 5, 2) != 0 ||
                memcmp(out + 11, s + 17, 8) != 0) {
                abort();
            }
        }
    }

    if (size >= 8) {
        int64_t v;
        memcpy(&v, data, sizeof v);
        rc = nacme_time_format_rfc3339(v, out, sizeof out);
        if (v >= MIN_T && v <= MAX_T) {
            round_trip(v, out);
        } else if (rc != NACME_ERR_TIME) {
            abort();
        }
        /* also a time near the range, from the same bytes */
        round_trip(MIN_T + (int64_t)((uint64_t)v % (uint64_t)(MAX_T - MIN_T + 1)), out);
    }
    return 0;
}
