/*
 * temporary: replaced by the time codec branch.
 *
 * Only nacme_time_from_civil(), so the X.509 reader links on this branch.
 */
#include "nacme_time.h"

int64_t nacme_time_from_civil(int year, int month, int day, int hour, int minute, int second)
{
    /* Years start in March, so the leap day is the last day of its year. */
    int y = year - (month <= 2);
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;                                /* 0..399 */
    int doy = (153 * ((month + 9) % 12) + 2) / 5 + day - 1; /* 0..365 from March 1 */
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* 0..146096 */
    int64_t days = (int64_t)era * 146097 + doe - 719468;    /* 719468: 0000-03-01 .. 1970-01-01 */
    return days * 86400 + (int64_t)hour * 3600 + minute * 60 + second;
}
