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
 * and time (proleptic Gregorian). year must be 0..9999 and month 1..12
 * (other values give a meaningless result); day, hour, minute and second are
 * not range-checked but added linearly, so day 0 is the last day of the
 * previous month and hour 24 the next day. Example:
 * nacme_time_from_civil(2000, 2, 29, 0, 0, 0) == 951782400.
 */
int64_t nacme_time_from_civil(int year, int month, int day, int hour, int minute, int second);

/*
 * nacme_time_parse_rfc3339() - parse an RFC 3339 date-time of exactly len
 * bytes: "2025-01-02T03:04:05Z", "...05.123456+02:00". 't' and 'z' may be
 * lower case; the fraction (one digit or more) is dropped; the offset
 * (Z, or +hh:mm / -hh:mm with hh 00..23 and mm 00..59) is applied, so the
 * result may lie just outside years 0..9999; a leap second 60 counts as 59.
 * Month, day (leap years included), hour 0..23 and minute 0..59 are checked.
 * Return NACME_OK with *out, NACME_ERR_ARG when s or out is NULL, or
 * NACME_ERR_TIME for anything else (*out unchanged).
 */
int nacme_time_parse_rfc3339(const char *s, size_t len, int64_t *out);

/*
 * nacme_time_parse_http_date() - parse an HTTP-date (RFC 9110 section
 * 5.6.7) of exactly len bytes: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT",
 * and the obsolete forms recipients must accept, RFC 850 "Sunday,
 * 06-Nov-94 08:49:37 GMT" (with no clock to compare to, two-digit years
 * are 1970..2069) and asctime "Sun Nov  6 08:49:37 1994". Names and "GMT"
 * are case-sensitive; the day name must be the date's weekday; a leap
 * second 60 counts as 59. Return NACME_OK with *out, NACME_ERR_ARG when s
 * or out is NULL, or NACME_ERR_TIME (*out unchanged).
 */
int nacme_time_parse_http_date(const char *s, size_t len, int64_t *out);

/*
 * nacme_time_format_rfc3339() - write t as "YYYY-MM-DDTHH:MM:SSZ" and a NUL
 * into out[0..cap). Return NACME_OK, NACME_ERR_ARG when out is NULL,
 * NACME_ERR_TOO_LARGE when cap < NACME_RFC3339_LEN + 1, NACME_ERR_TIME when
 * t is outside years 0..9999 (-62167219200 .. 253402300799). Nothing is
 * written on error.
 */
int nacme_time_format_rfc3339(int64_t t, char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif /* NACME_TIME_H */
