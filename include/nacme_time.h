/*
 * Dates: RFC 3339 (ACME "expires", ARI windows) and HTTP-date (Date,
 * Retry-After), as 64-bit Unix seconds on every target.
 */
#ifndef NACME_TIME_H
#define NACME_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Length of the text nacme_time_format_rfc3339() writes, without NUL. */
#define NACME_RFC3339_LEN 20

/*
 * nacme_time_from_civil() - seconds since 1970-01-01T00:00:00Z of a UTC date
 * and time (proleptic Gregorian, year 0..9999). No range checks on fields.
 */
int64_t nacme_time_from_civil(int year, int month, int day, int hour, int minute, int second);

/*
 * nacme_time_parse_rfc3339() - parse an RFC 3339 date-time ("2025-01-02T03:04:05Z",
 * "...05.123456+02:00", 't'/'z' lower case accepted; fractions dropped; leap
 * second 60 counted as 59). Return NACME_OK with *out, or NACME_ERR_TIME.
 */
int nacme_time_parse_rfc3339(const char *s, size_t len, int64_t *out);

/*
 * nacme_time_parse_http_date() - parse an HTTP-date (RFC 9110 section
 * 5.6.7): IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", and the obsolete
 * RFC 850 and asctime forms recipients must accept. Return NACME_OK or
 * NACME_ERR_TIME.
 */
int nacme_time_parse_http_date(const char *s, size_t len, int64_t *out);

/*
 * nacme_time_format_rfc3339() - write t as "YYYY-MM-DDTHH:MM:SSZ" and a NUL
 * into out (at least NACME_RFC3339_LEN + 1 bytes). NACME_ERR_TIME when the
 * year is outside 0..9999.
 */
int nacme_time_format_rfc3339(int64_t t, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* NACME_TIME_H */
