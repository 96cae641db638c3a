/*
 * Tests for core/time.c: civil-to-Unix conversion against known values and
 * an independent day-by-day walk over years 0..9999, RFC 3339 and HTTP-date
 * parsing (valid forms, every truncation, every corrupted character), RFC
 * 3339 formatting and its round trip, 64-bit times beyond 2038 and before
 * 1970, and no read past the input.
 */
#include "test_util.h"

#include <stdbool.h>

#include "nacme_time.h"

#define MIN_T (-62167219200LL) /* 0000-01-01T00:00:00Z */
#define MAX_T 253402300799LL   /* 9999-12-31T23:59:59Z */

/* test_tight_copy() that also initializes the 1-byte block of an empty input. */
static char *tight(const char *s, size_t n)
{
    char *p = test_tight_copy(s, n);
    assert_non_null(p);
    if (n == 0) p[0] = '\0';
    return p;
}

/* Parse from a copy at the very end of a heap block (over-reads hit ASan). */
static int parse3339(const char *s, int64_t *t)
{
    size_t n = strlen(s);
    char *c = tight(s, n);
    int rc = nacme_time_parse_rfc3339(c, n, t);
    free(c);
    return rc;
}

static int parse_http(const char *s, int64_t *t)
{
    size_t n = strlen(s);
    char *c = tight(s, n);
    int rc = nacme_time_parse_http_date(c, n, t);
    free(c);
    return rc;
}

static void test_from_civil_known_values(void **state)
{
    (void)state;
    static const struct {
        int y, mo, d, h, mi, s;
        int64_t t;
    } v[] = {
        {1970, 1, 1, 0, 0, 0, 0},
        {1969, 12, 31, 23, 59, 59, -1},
        {1969, 12, 31, 0, 0, 0, -86400},
        {2000, 1, 1, 0, 0, 0, 946684800},
        {2000, 2, 29, 0, 0, 0, 951782400},
        {2000, 3, 1, 0, 0, 0, 951868800},
        {2009, 2, 13, 23, 31, 30, 1234567890},
        {2023, 11, 14, 22, 13, 20, 1700000000},
        {2024, 2, 29, 0, 0, 0, 1709164800},
        {2038, 1, 19, 3, 14, 7, 2147483647},
        {2038, 1, 19, 3, 14, 8, 2147483648LL},
        {2069, 12, 31, 0, 0, 0, 3155673600LL},
        {2100, 1, 1, 0, 0, 0, 4102444800LL},
        {2100, 3, 1, 0, 0, 0, 4107542400LL},
        {2106, 2, 7, 6, 28, 16, 4294967296LL},
        {1900, 1, 1, 0, 0, 0, -2208988800LL},
        {1600, 3, 1, 0, 0, 0, -11670912000LL},
        {1, 1, 1, 0, 0, 0, -62135596800LL},
        {0, 1, 1, 0, 0, 0, MIN_T},
        {0, 2, 29, 0, 0, 0, MIN_T + 59 * 86400},
        {0, 3, 1, 0, 0, 0, MIN_T + 60 * 86400},
        {9999, 12, 31, 23, 59, 59, MAX_T},
        {9999, 12, 31, 0, 0, 0, 253402214400LL},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_true(nacme_time_from_civil(v[i].y, v[i].mo, v[i].d, v[i].h, v[i].mi, v[i].s) == v[i].t);
    }
    /* fields are added linearly: day 0, hour 24, second 60 count on */
    assert_true(nacme_time_from_civil(2000, 3, 0, 0, 0, 0) == 951782400);
    assert_true(nacme_time_from_civil(2000, 2, 28, 24, 0, 0) == 951782400);
    assert_true(nacme_time_from_civil(1970, 1, 1, 0, 0, 60) == 60);
}

static bool ref_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int ref_days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && ref_leap(y) ? 29 : dim[m - 1];
}

/* Digits of v into out[0..n) (test-side reference). */
static void put_digits(char *out, int v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/*
 * Walk every day from 0000-01-01 to 9999-12-31 with a plain calendar
 * counter: from_civil advances by exactly 86400 per day, formatting gives
 * the counter's date, and parsing gives the time back (one time of day per
 * date, varied). 3.65 million days, so kept cheap for qemu-user.
 */
static void test_every_day_years_0_to_9999(void **state)
{
    (void)state;
    int y = 0, m = 1, d = 1;
    int64_t day_t = MIN_T;
    unsigned long count = 0;
    char got[NACME_RFC3339_LEN + 1];
    char want[] = "0000-00-00T00:00:00Z";
    for (;;) {
        int64_t t0 = nacme_time_from_civil(y, m, d, 0, 0, 0);
        if (t0 != day_t) fail_msg("from_civil(%04d-%02d-%02d) = %lld, want %lld", y, m, d, (long long)t0, (long long)day_t);
        int sod = (int)((count * 7919u) % 86400u);
        int64_t t = t0 + sod;
        put_digits(want, y, 4);
        put_digits(want + 5, m, 2);
        put_digits(want + 8, d, 2);
        put_digits(want + 11, sod / 3600, 2);
        put_digits(want + 14, sod / 60 % 60, 2);
        put_digits(want + 17, sod % 60, 2);
        if (nacme_time_format_rfc3339(t, got, sizeof got) != 0 || memcmp(got, want, sizeof want) != 0) {
            fail_msg("format %lld: got %s, want %s", (long long)t, got, want);
        }
        /* parsing is from_civil (checked every day) plus the scanner: every 8th day */
        int64_t back = 0;
        if (count % 8u == 0 && (nacme_time_parse_rfc3339(got, NACME_RFC3339_LEN, &back) != 0 || back != t)) {
            fail_msg("parse %s", got);
        }
        count++;
        day_t += 86400;
        if (y == 9999 && m == 12 && d == 31) break;
        if (++d > ref_days_in_month(y, m)) {
            d = 1;
            if (++m > 12) {
                m = 1;
                y++;
            }
        }
    }
    assert_int_equal(count, 3652425u); /* 10000 years of 365.2425 days */
}

static void test_format_known_values(void **state)
{
    (void)state;
    static const struct {
        int64_t t;
        const char *s;
    } v[] = {
        {0, "1970-01-01T00:00:00Z"},
        {-1, "1969-12-31T23:59:59Z"},
        {951782400, "2000-02-29T00:00:00Z"},
        {1234567890, "2009-02-13T23:31:30Z"},
        {2147483647, "2038-01-19T03:14:07Z"},
        {2147483648LL, "2038-01-19T03:14:08Z"},
        {4102444800LL, "2100-01-01T00:00:00Z"},
        {4107542400LL, "2100-03-01T00:00:00Z"},
        {4107542399LL, "2100-02-28T23:59:59Z"},
        {-2208988800LL, "1900-01-01T00:00:00Z"},
        {-2203891201LL, "1900-02-28T23:59:59Z"},
        {-2203891200LL, "1900-03-01T00:00:00Z"},
        {MIN_T, "0000-01-01T00:00:00Z"},
        {MAX_T, "9999-12-31T23:59:59Z"},
    };
    char out[NACME_RFC3339_LEN + 1];
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        memset(out, 'x', sizeof out);
        assert_int_equal(nacme_time_format_rfc3339(v[i].t, out, sizeof out), NACME_OK);
        assert_string_equal(out, v[i].s);
        int64_t back = 0;
        assert_int_equal(parse3339(v[i].s, &back), NACME_OK);
        assert_true(back == v[i].t);
    }
}

static void test_format_errors(void **state)
{
    (void)state;
    char out[32];
    memset(out, 'x', sizeof out);
    assert_int_equal(nacme_time_format_rfc3339(0, out, NACME_RFC3339_LEN), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_time_format_rfc3339(0, out, 0), NACME_ERR_TOO_LARGE);
    assert_int_equal(out[0], 'x'); /* nothing written */
    assert_int_equal(nacme_time_format_rfc3339(MIN_T - 1, out, sizeof out), NACME_ERR_TIME);
    assert_int_equal(nacme_time_format_rfc3339(MAX_T + 1, out, sizeof out), NACME_ERR_TIME);
    assert_int_equal(nacme_time_format_rfc3339(INT64_MIN, out, sizeof out), NACME_ERR_TIME);
    assert_int_equal(nacme_time_format_rfc3339(INT64_MAX, out, sizeof out), NACME_ERR_TIME);
    assert_int_equal(out[0], 'x');
    assert_int_equal(nacme_time_format_rfc3339(0, NULL, 21), NACME_ERR_ARG);
    /* a tight 21-byte heap buffer: exactly 20 characters and the NUL */
    char *tight = malloc(NACME_RFC3339_LEN + 1);
    assert_int_equal(nacme_time_format_rfc3339(MAX_T, tight, NACME_RFC3339_LEN + 1), NACME_OK);
    assert_string_equal(tight, "9999-12-31T23:59:59Z");
    free(tight);
}

/* Stepping through the whole range with odd steps hits every second of day and many dates. */
static void test_format_parse_round_trip_steps(void **state)
{
    (void)state;
    char out[NACME_RFC3339_LEN + 1];
    unsigned n = 0;
    for (int64_t t = MIN_T; t <= MAX_T; t += 86400LL * 997 + 3607) {
        int64_t back = 0;
        assert_int_equal(nacme_time_format_rfc3339(t, out, sizeof out), NACME_OK);
        assert_int_equal(nacme_time_parse_rfc3339(out, NACME_RFC3339_LEN, &back), NACME_OK);
        assert_true(back == t);
        n++;
    }
    assert_true(n > 3000);
    /* every second of one day around the 2038 boundary */
    for (int64_t t = 2147472000; t < 2147472000LL + 86400; t++) {
        int64_t back = 0;
        assert_int_equal(nacme_time_format_rfc3339(t, out, sizeof out), NACME_OK);
        assert_int_equal(nacme_time_parse_rfc3339(out, NACME_RFC3339_LEN, &back), NACME_OK);
        assert_true(back == t);
    }
}

static void test_rfc3339_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t t;
    } v[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"2025-01-02T03:04:05Z", 1735787045},
        {"2025-01-02t03:04:05z", 1735787045},
        {"2025-01-02T03:04:05.1Z", 1735787045},
        {"2025-01-02T03:04:05.999999999999999999999Z", 1735787045},
        {"2025-01-02T05:04:05+02:00", 1735787045},
        {"2025-01-02T05:04:05.5+02:00", 1735787045},
        {"2025-01-01T21:34:05-05:30", 1735787045},
        {"2025-01-02T03:04:05+00:00", 1735787045},
        {"2025-01-02T03:04:05-00:00", 1735787045},
        {"2025-01-03T03:03:05+23:59", 1735787045},
        {"2016-12-31T23:59:60Z", 1483228799}, /* leap second counted as :59 */
        {"2016-12-31T23:59:59Z", 1483228799},
        {"2000-02-29T00:00:00Z", 951782400},
        {"2024-02-29T12:00:00Z", 1709164800 + 43200},
        {"2100-03-01T00:00:00Z", 4107542400LL},
        {"2100-01-01T00:00:00Z", 4102444800LL},
        {"1969-12-31T23:59:59Z", -1},
        {"1900-01-01T00:00:00Z", -2208988800LL},
        {"0000-01-01T00:00:00Z", MIN_T},
        {"0000-01-01T00:00:00+01:00", MIN_T - 3600}, /* an offset may leave years 0..9999 */
        {"9999-12-31T23:59:59Z", MAX_T},
        {"9999-12-31T23:59:59-23:59", MAX_T + 86340},
        /* Let's Encrypt order and ARI window values */
        {"2025-06-14T10:21:32Z", 1749896492},
        {"2025-06-14T10:21:32.123456789Z", 1749896492},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t t = 42;
        int rc = parse3339(v[i].s, &t);
        if (rc != NACME_OK || t != v[i].t) fail_msg("%s: rc %d t %lld", v[i].s, rc, (long long)t);
    }
}

static void test_rfc3339_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "Z",
        "2025-01-02",
        "2025-01-02T03:04:05",       /* no offset */
        "2025-01-02T03:04Z",         /* no seconds */
        "2025-01-02 03:04:05Z",      /* space instead of T */
        "2025-01-02_03:04:05Z",
        "2025-01-02T03:04:05ZZ",
        "2025-01-02T03:04:05Z ",
        " 2025-01-02T03:04:05Z",
        "2025-01-02T03:04:05.Z",     /* fraction without digits */
        "2025-01-02T03:04:05,5Z",
        "2025-01-02T03:04:05.5",
        "2025-01-02T03:04:05+02",
        "2025-01-02T03:04:05+0200",
        "2025-01-02T03:04:05+2:00",
        "2025-01-02T03:04:05+02:00:00",
        "2025-01-02T03:04:05+02:00Z",
        "2025-01-02T03:04:05+24:00",
        "2025-01-02T03:04:05-24:00",
        "2025-01-02T03:04:05+02:60",
        "2025-01-02T03:04:05*02:00",
        "2025-01-02T03:04:05UTC",
        "2025-1-02T03:04:05Z",
        "25-01-02T03:04:05Z",
        "+2025-01-02T03:04:05Z",
        "12025-01-02T03:04:05Z",
        "2025-00-01T00:00:00Z",
        "2025-13-01T00:00:00Z",
        "2025-01-00T00:00:00Z",
        "2025-01-32T00:00:00Z",
        "2025-02-29T00:00:00Z",
        "1900-02-29T00:00:00Z",
        "2100-02-29T00:00:00Z",
        "2024-02-30T00:00:00Z",
        "2025-04-31T00:00:00Z",
        "2025-06-31T00:00:00Z",
        "2025-09-31T00:00:00Z",
        "2025-11-31T00:00:00Z",
        "2025-01-02T24:00:00Z",
        "2025-01-02T23:60:00Z",
        "2025-01-02T23:59:61Z",
        "2025-01-02T99:99:99Z",
        "2025/01/02T03:04:05Z",
        "2025-01-02T03.04.05Z",
        "Sun, 06 Nov 1994 08:49:37 GMT",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        int rc = parse3339(bad[i], &t);
        if (rc != NACME_ERR_TIME || t != 42) fail_msg("'%s' gave %d", bad[i], rc);
    }
    int64_t t;
    assert_int_equal(nacme_time_parse_rfc3339(NULL, 20, &t), NACME_ERR_ARG);
    assert_int_equal(nacme_time_parse_rfc3339("1970-01-01T00:00:00Z", 20, NULL), NACME_ERR_ARG);
    /* an embedded NUL */
    assert_int_equal(nacme_time_parse_rfc3339("1970-01-01T00:00:00Z\0", 21, &t), NACME_ERR_TIME);
    assert_int_equal(nacme_time_parse_rfc3339("1970-01-01T00:00\0:00Z", 20, &t), NACME_ERR_TIME);
}

/*
 * Every proper prefix fails, and so does every single-character corruption
 * (a digit into a letter, a separator into a digit, ...), for inputs at the
 * end of their allocation.
 */
static void check_prefixes_and_corruptions(int (*parse)(const char *, size_t, int64_t *), const char *s,
                                           int64_t want)
{
    size_t n = strlen(s);
    int64_t t = 0;
    char *c = tight(s, n);
    assert_int_equal(parse(c, n, &t), NACME_OK);
    assert_true(t == want);
    for (size_t len = 0; len < n; len++) {
        char *p = tight(s, len);
        if (parse(p, len, &t) != NACME_ERR_TIME) fail_msg("prefix %zu of '%s' accepted", len, s);
        free(p);
    }
    static const char repl[] = "x:- 0/.Z+9";
    for (size_t i = 0; i < n; i++) {
        for (const char *r = repl; *r; r++) {
            char saved = c[i];
            if (*r == saved) continue;
            c[i] = *r;
            int64_t t2 = 0;
            int rc = parse(c, n, &t2);
            /* A changed digit may stay valid; then it must be another time, except in a
             * fraction (dropped) and for asctime's space before a one-digit day ('0'). */
            const char *dot = strchr(s, '.');
            bool same_ok = (dot != NULL && s + i > dot && saved >= '0' && saved <= '9' && *r >= '0' && *r <= '9') ||
                           (saved == ' ' && *r == '0' && i + 1 < n && s[i + 1] != ' ' && i > 0 && s[i - 1] == ' ');
            if (rc == NACME_OK && t2 == want && !same_ok) fail_msg("'%s' with [%zu]='%c' gave the same time", s, i, *r);
            if (rc != NACME_OK && rc != NACME_ERR_TIME) fail_msg("'%s': rc %d", s, rc);
            c[i] = saved;
        }
    }
    free(c);
}

static void test_rfc3339_truncations_and_corruptions(void **state)
{
    (void)state;
    check_prefixes_and_corruptions(nacme_time_parse_rfc3339, "2025-01-02T03:04:05Z", 1735787045);
    check_prefixes_and_corruptions(nacme_time_parse_rfc3339, "2025-01-02T05:04:05.25+02:00", 1735787045);
}

static void test_http_date_valid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int64_t t;
    } v[] = {
        /* RFC 9110's three forms of one time */
        {"Sun, 06 Nov 1994 08:49:37 GMT", 784111777},
        {"Sunday, 06-Nov-94 08:49:37 GMT", 784111777},
        {"Sun Nov  6 08:49:37 1994", 784111777},
        {"Sun Nov 06 08:49:37 1994", 784111777},
        {"Wed, 21 Oct 2015 07:28:00 GMT", 1445412480},
        {"Thu, 01 Jan 1970 00:00:00 GMT", 0},
        {"Wed, 31 Dec 1969 23:59:59 GMT", -1},
        {"Tue, 29 Feb 2000 00:00:00 GMT", 951782400},
        {"Thu, 29 Feb 2024 00:00:00 GMT", 1709164800},
        {"Mon, 01 Mar 2100 00:00:00 GMT", 4107542400LL},
        {"Mon, 01 Jan 1900 00:00:00 GMT", -2208988800LL},
        {"Fri, 31 Dec 9999 23:59:59 GMT", MAX_T},
        {"Sat, 01 Jan 0000 00:00:00 GMT", MIN_T},
        {"Sat, 31 Dec 2016 23:59:60 GMT", 1483228799},
        /* RFC 850: two-digit years are 1970..2069 */
        {"Thursday, 01-Jan-70 00:00:00 GMT", 0},
        {"Tuesday, 31-Dec-69 00:00:00 GMT", 3155673600LL},
        {"Tuesday, 29-Feb-00 00:00:00 GMT", 951782400},
        {"Monday, 01-Mar-99 12:00:00 GMT", 920246400 + 43200},
        {"Saturday, 01-Jan-00 00:00:00 GMT", 946684800},
        {"Friday, 01-Jan-99 00:00:00 GMT", 915148800},
        /* asctime */
        {"Thu Jan  1 00:00:00 1970", 0},
        {"Tue Feb 29 00:00:00 2000", 951782400},
        {"Fri Dec 31 23:59:59 9999", MAX_T},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        int64_t t = 42;
        int rc = parse_http(v[i].s, &t);
        if (rc != NACME_OK || t != v[i].t) fail_msg("%s: rc %d t %lld", v[i].s, rc, (long long)t);
    }
}

static void test_http_date_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "GMT",
        "Mon, 06 Nov 1994 08:49:37 GMT",   /* 1994-11-06 was a Sunday */
        "Monday, 06-Nov-94 08:49:37 GMT",
        "Mon Nov  6 08:49:37 1994",
        "sun, 06 Nov 1994 08:49:37 GMT",   /* names are case-sensitive */
        "SUN, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 06 Nov 1994 08:49:37 +0000",
        "Sun, 06 Nov 1994 08:49:37",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        " Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun,  06 Nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Sun,  6 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sun, 06-Nov-1994 08:49:37 GMT",
        "Sun, 06 November 1994 08:49:37 GMT",
        "Sunday, 06 Nov 1994 08:49:37 GMT",
        "Sun 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 8:49:37 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 31 Nov 1994 08:49:37 GMT",   /* November has 30 days */
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 23:60:00 GMT",
        "Sun, 06 Nov 1994 23:59:61 GMT",
        "Mon, 29 Feb 1900 00:00:00 GMT",   /* no 1900-02-29 */
        "Sun, 29 Feb 2100 00:00:00 GMT",
        "Sun., 06 Nov 1994 08:49:37 GMT",
        "Sund, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT\r\n",
        "Sunday, 06-Nov-94 08:49:37 UTC",
        "Sunday, 06-Nov-94 08:49:37",
        "Sunday, 6-Nov-94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sunday 06-Nov-94 08:49:37 GMT",
        "Sun Nov 6 08:49:37 1994",
        "Sun Nov  6 08:49:37 94",
        "Sun Nov  6 08:49:37 1994 GMT",
        "Sun, Nov  6 08:49:37 1994",
        "Sun Nov 6  08:49:37 1994",
        "1994-11-06T08:49:37Z",
        "120",                              /* Retry-After delay-seconds is not a date */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t t = 42;
        int rc = parse_http(bad[i], &t);
        if (rc != NACME_ERR_TIME || t != 42) fail_msg("'%s' gave %d", bad[i], rc);
    }
    int64_t t;
    assert_int_equal(nacme_time_parse_http_date(NULL, 29, &t), NACME_ERR_ARG);
    assert_int_equal(nacme_time_parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT", 29, NULL), NACME_ERR_ARG);
}

static void test_http_date_truncations_and_corruptions(void **state)
{
    (void)state;
    check_prefixes_and_corruptions(nacme_time_parse_http_date, "Sun, 06 Nov 1994 08:49:37 GMT", 784111777);
    check_prefixes_and_corruptions(nacme_time_parse_http_date, "Sunday, 06-Nov-94 08:49:37 GMT", 784111777);
    check_prefixes_and_corruptions(nacme_time_parse_http_date, "Sun Nov  6 08:49:37 1994", 784111777);
    check_prefixes_and_corruptions(nacme_time_parse_http_date, "Wednesday, 21-Oct-15 07:28:00 GMT", 1445412480);
}

/* Every day name and month name, through IMF-fixdate and RFC 850, for each day of 2023..2024. */
static void test_http_date_all_names(void **state)
{
    (void)state;
    static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int64_t t0 = nacme_time_from_civil(2023, 1, 1, 0, 0, 0); /* a Sunday */
    for (int i = 0; i < 731; i++) {
        int64_t t = t0 + (int64_t)i * 86400 + 3723;
        char iso[32], imf[40], r850[40], asc[40];
        assert_int_equal(nacme_time_format_rfc3339(t, iso, sizeof iso), NACME_OK);
        int y = atoi(iso), m = atoi(iso + 5), d = atoi(iso + 8);
        const char *wd = days[i % 7];
        snprintf(imf, sizeof imf, "%.3s, %02d %s %04d 01:02:03 GMT", wd, d, months[m - 1], y);
        snprintf(r850, sizeof r850, "%s, %02d-%s-%02d 01:02:03 GMT", wd, d, months[m - 1], y % 100);
        snprintf(asc, sizeof asc, "%.3s %s %2d 01:02:03 %04d", wd, months[m - 1], d, y);
        int64_t got = 0;
        assert_int_equal(parse_http(imf, &got), NACME_OK);
        assert_true(got == t);
        got = 0;
        assert_int_equal(parse_http(r850, &got), NACME_OK);
        assert_true(got == t);
        got = 0;
        assert_int_equal(parse_http(asc, &got), NACME_OK);
        assert_true(got == t);
        /* the next day's name is wrong */
        snprintf(imf, sizeof imf, "%.3s, %02d %s %04d 01:02:03 GMT", days[(i + 1) % 7], d, months[m - 1], y);
        assert_int_equal(parse_http(imf, &got), NACME_ERR_TIME);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_civil_known_values),
        cmocka_unit_test(test_every_day_years_0_to_9999),
        cmocka_unit_test(test_format_known_values),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_format_parse_round_trip_steps),
        cmocka_unit_test(test_rfc3339_valid),
        cmocka_unit_test(test_rfc3339_invalid),
        cmocka_unit_test(test_rfc3339_truncations_and_corruptions),
        cmocka_unit_test(test_http_date_valid),
        cmocka_unit_test(test_http_date_invalid),
        cmocka_unit_test(test_http_date_truncations_and_corruptions),
        cmocka_unit_test(test_http_date_all_names),
    };
    return cmocka_run_group_tests_name("time", tests, NULL, NULL);
}
