/* Dates: RFC 3339 and HTTP-date to 64-bit Unix seconds, and RFC 3339 output. */
#include "nacme_time.h"

#include <string.h>

#include "internal.h"

/*
 * Day numbers. A computing year starts on March 1, so the leap day is the
 * last day of its year, and month m (March = 0 .. February = 11) starts
 * (153 m + 2) / 5 days in: the month lengths from March repeat 31 30 31 30 31
 * (153 days per 5 months). Years are shifted by +400 (one Gregorian cycle of
 * 146097 days) so that every value for years 0..9999 is positive and plain
 * unsigned division floors. Day number 0 is March 1 of the computing year 0,
 * i.e. -0400-03-01; 1970-01-01 has day number EPOCH_DAY.
 */
#define EPOCH_DAY 865565u
#define DAY_SECONDS 86400
/* Unix seconds of 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z. */
#define MIN_T (-62167219200LL)
#define MAX_T 253402300799LL

/* Days from day number 0 to March 1 of computing year ys. */
static uint32_t year_start(uint32_t ys)
{
    return 365u * ys + ys / 4u - ys / 100u + ys / 400u;
}

/* Day number of the first day of a month (year 0..10000, month 1..12). */
static uint32_t month_start(int year, int month)
{
    uint32_t m = (uint32_t)(month + 9) % 12u;
    return year_start((uint32_t)(year + 400 - (month <= 2))) + (153u * m + 2u) / 5u;
}

int64_t nacme_time_from_civil(int year, int month, int day, int hour, int minute, int second)
{
    int64_t days = (int64_t)month_start(year, month) - EPOCH_DAY + day - 1;
    return days * DAY_SECONDS + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
}

/* Day names double as the short names (their first three letters). */
static const char day_names[] = "Sunday Monday Tuesday Wednesday Thursday Friday Saturday ";
static const char month_names[] = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec ";

/*
 * Index of the word of tbl (space-separated) that s starts with: its first
 * `fixed` letters, or the whole word when fixed is 0. -1 when none.
 */
static int name_index(const char *s, size_t avail, const char *tbl, size_t fixed, size_t *used)
{
    for (int k = 0; *tbl != '\0'; k++) {
        size_t w = 0;
        while (tbl[w] != ' ') w++;
        size_t n = fixed ? fixed : w;
        if (n <= avail && memcmp(s, tbl, n) == 0) {
            *used = n;
            return k;
        }
        tbl += w + 1u;
    }
    return -1;
}

#define NO_MATCH ((size_t)-1)

/*
 * Fields filled by scan(): year, month, day, hour, minute, second, the
 * hours and minutes of an RFC 3339 offset, weekday.
 */
enum { F_YEAR, F_MON, F_DAY, F_HOUR, F_MIN, F_SEC, F_OFF_HOUR, F_OFF_MIN, F_WDAY, F_COUNT };

/*
 * Match the start of s[0..len) against a template, in which '0'..'7' is one
 * digit of the field of that index, '#' a space or a digit of the day
 * (asctime), '&' a month name, '%' a short and '*' a long day name, and any
 * other character itself (letters in either case when ci). Return the bytes
 * matched, or NO_MATCH.
 */
static size_t scan(const char *s, size_t len, const char *tpl, int ci, int v[F_COUNT])
{
    size_t i = 0;
    for (; *tpl != '\0'; tpl++) {
        char c = *tpl;
        if (i >= len) return NO_MATCH;
        char x = s[i];
        if (c == '&' || c == '%' || c == '*') {
            size_t used = 0;
            int k = name_index(s + i, len - i, c == '&' ? month_names : day_names,
                               c == '*' ? 0u : 3u, &used);
            if (k < 0) return NO_MATCH;
            if (c == '&') v[F_MON] = k + 1;
            else v[F_WDAY] = k;
            i += used;
            continue;
        }
        if (c == '#') {
            if (x == ' ') {
                i++;
                continue;
            }
            c = '0' + F_DAY;
        }
        if (c >= '0' && c <= '7') {
            if (x < '0' || x > '9') return NO_MATCH;
            v[c - '0'] = v[c - '0'] * 10 + (x - '0');
        } else if (x != c && !(ci && nacme_lower(x) == nacme_lower(c))) {
            return NO_MATCH;
        }
        i++;
    }
    return i;
}

/*
 * Check the fields and convert them. check_wday: the day name parsed into
 * v[F_WDAY] must be the date's weekday. Leap second 60 counts as 59.
 */
static int finish(int v[F_COUNT], int check_wday, int64_t *out)
{
    int y = v[F_YEAR], m = v[F_MON], d = v[F_DAY];
    if (m < 1 || m > 12 || d < 1 || v[F_HOUR] > 23 || v[F_MIN] > 59 || v[F_SEC] > 60) {
        return NACME_ERR_TIME;
    }
    uint32_t first = month_start(y, m);
    /* days in the month: up to the next month's start */
    if ((uint32_t)d > month_start(y + m / 12, m % 12 + 1) - first) return NACME_ERR_TIME;
    /* day number 0 (-0400-03-01) was a Wednesday (3, counting from Sunday) */
    if (check_wday && (first + (uint32_t)d - 1u + 3u) % 7u != (uint32_t)v[F_WDAY]) {
        return NACME_ERR_TIME;
    }
    if (v[F_SEC] == 60) v[F_SEC] = 59;
    *out = nacme_time_from_civil(y, m, d, v[F_HOUR], v[F_MIN], v[F_SEC]);
    return NACME_OK;
}

/* The formatter's template; the parser scans the same up to the seconds. */
static const char rfc3339_tpl[] = "0000-11-22T33:44:55Z";

int nacme_time_parse_rfc3339(const char *s, size_t len, int64_t *out)
{
    int v[F_COUNT] = {0};
    int64_t t;
    if (s == NULL || out == NULL) return NACME_ERR_ARG;
    size_t i = scan(s, len, "0000-11-22T33:44:55", 1, v);
    if (i == NO_MATCH) return NACME_ERR_TIME;
    if (i < len && s[i] == '.') { /* time-secfrac: one digit or more, dropped */
        size_t start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9') i++;
        if (i == start) return NACME_ERR_TIME;
    }
    if (i >= len) return NACME_ERR_TIME;
    int offset = 0;
    if (nacme_lower(s[i]) == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        size_t n = scan(s + i + 1, len - i - 1u, "66:77", 0, v);
        if (n == NO_MATCH || v[F_OFF_HOUR] > 23 || v[F_OFF_MIN] > 59) return NACME_ERR_TIME;
        offset = (v[F_OFF_HOUR] * 60 + v[F_OFF_MIN]) * 60;
        if (s[i] == '+') offset = -offset; /* local time is ahead of UTC */
        i += n + 1u;
    }
    if (i != len || finish(v, 0, &t) != NACME_OK) return NACME_ERR_TIME;
    *out = t + offset;
    return NACME_OK;
}

int nacme_time_parse_asn1(const uint8_t *s, size_t len, bool utc, int64_t *out)
{
    /* GeneralizedTime YYYYMMDDHHMMSSZ; UTCTime drops the century */
    static const char tpl[] = "00001122334455Z";
    int v[F_COUNT] = {0};
    if (scan((const char *)s, len, tpl + (utc ? 2 : 0), 0, v) != len || v[F_SEC] > 59) return NACME_ERR_TIME;
    if (utc) v[F_YEAR] += v[F_YEAR] >= 50 ? 1900 : 2000;
    return finish(v, 0, out);
}

int nacme_time_parse_http_date(const char *s, size_t len, int64_t *out)
{
    /* IMF-fixdate, obsolete RFC 850 and asctime forms (RFC 9110 section 5.6.7) */
    static const char *const forms[] = {
        "%, 22 & 0000 33:44:55 GMT",
        "*, 22-&-00 33:44:55 GMT",
        "% & #2 33:44:55 0000",
    };
    if (s == NULL || out == NULL) return NACME_ERR_ARG;
    for (size_t k = 0; k < NACME_ARRAY_LEN(forms); k++) {
        int v[F_COUNT] = {0};
        if (scan(s, len, forms[k], 0, v) != len) continue;
        /* two-digit year: without a clock, 70..99 is 19xx and 00..69 is 20xx */
        if (k == 1) v[F_YEAR] += v[F_YEAR] < 70 ? 2000 : 1900;
        return finish(v, 1, out);
    }
    return NACME_ERR_TIME;
}

int nacme_time_format_rfc3339(int64_t t, char *out, size_t cap)
{
    if (out == NULL) return NACME_ERR_ARG;
    if (cap < NACME_RFC3339_LEN + 1u) return NACME_ERR_TOO_LARGE;
    if (t < MIN_T || t > MAX_T) return NACME_ERR_TIME;
    /*
     * u counts seconds from day number 0 and is below 2^39 here; since
     * 86400 = 128 * 675, dividing by 128 first keeps the rest in 32 bits
     * (no 64-bit division, which Cortex-M3 does in a library call).
     */
    uint64_t u = (uint64_t)(t + (int64_t)EPOCH_DAY * DAY_SECONDS);
    uint32_t q = (uint32_t)(u >> 7);
    uint32_t n = q / 675u;
    uint32_t sec = (q % 675u) * 128u + (uint32_t)(u & 127u);
    /*
     * Computing year: n / 365.2425 is it or one below (year_start(ys) is
     * never above ceil(365.2425 ys); the pattern repeats every 400 years and
     * the tests walk every day of 0..9999).
     */
    uint32_t ys = n * 400u / 146097u;
    if (year_start(ys + 1u) <= n) ys++;
    uint32_t doy = n - year_start(ys);
    uint32_t m = (5u * doy + 2u) / 153u; /* inverse of (153 m + 2) / 5 */
    uint32_t mon = m < 10u ? m + 3u : m - 9u;
    uint32_t f[6] = {ys - 400u + (mon <= 2u), mon, doy - (153u * m + 2u) / 5u + 1u,
                     sec / 3600u, sec / 60u % 60u, sec % 60u};
    /* fill the template from the right, one digit of a field at a time */
    for (size_t i = NACME_RFC3339_LEN; i-- > 0;) {
        char c = rfc3339_tpl[i];
        if (c >= '0' && c <= '5') {
            out[i] = (char)('0' + f[c - '0'] % 10u);
            f[c - '0'] /= 10u;
        } else {
            out[i] = c;
        }
    }
    out[NACME_RFC3339_LEN] = '\0';
    return NACME_OK;
}
