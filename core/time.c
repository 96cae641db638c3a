/*
 * TEMPORARY: replaced by the time codec branch. Only what the http branch
 * needs (nacme_time_from_civil, IMF-fixdate in nacme_time_parse_http_date)
 * so that branch builds and tests on its own; the lead drops this file at
 * merge.
 */
#include "nacme_time.h"

#include <string.h>

int64_t nacme_time_from_civil(int year, int month, int day, int hour, int minute, int second)
{
    /* days from 0000-03-01 in 400-year eras, with years starting in March */
    int64_t y = (int64_t)year - (month <= 2 ? 1 : 0);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    int64_t days = era * 146097 + doe - 719468;
    return days * 86400 + (int64_t)hour * 3600 + (int64_t)minute * 60 + second;
}

static int num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int find3(const char *list, const char *s)
{
    for (int i = 0; list[i * 3] != '\0'; i++) {
        if (memcmp(list + i * 3, s, 3) == 0) return i;
    }
    return -1;
}

/* IMF-fixdate only: "Sun, 06 Nov 1994 08:49:37 GMT". */
int nacme_time_parse_http_date(const char *s, size_t len, int64_t *out)
{
    static const char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (s == NULL || out == NULL || len != 29) return NACME_ERR_TIME;
    int day = num(s + 5, 2), month = find3("JanFebMarAprMayJunJulAugSepOctNovDec", s + 8);
    int year = num(s + 12, 4), hour = num(s + 17, 2), minute = num(s + 20, 2), second = num(s + 23, 2);
    if (find3("MonTueWedThuFriSatSun", s) < 0 || memcmp(s + 3, ", ", 2) != 0 || s[7] != ' ' ||
        s[11] != ' ' || s[16] != ' ' || s[19] != ':' || s[22] != ':' || memcmp(s + 25, " GMT", 4) != 0 ||
        month < 0 || year < 0 || day < 1 || day > mdays[month] || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return NACME_ERR_TIME;
    if (month == 1 && day == 29 && !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)))
        return NACME_ERR_TIME;
    *out = nacme_time_from_civil(year, month + 1, day, hour, minute, second == 60 ? 59 : second);
    return NACME_OK;
}
