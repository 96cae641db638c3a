/*
 * Private helpers shared by the core's files. Not installed, not API.
 */
#ifndef NACME_INTERNAL_H
#define NACME_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_config_defaults.h"
#include "nacme_error.h"

#define NACME_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Keep a function with big stack buffers out of its caller, so the buffers
 * of sibling branches are not added up in one frame (the step's stack budget).
 */
#if defined(__GNUC__)
#define NACME_NOINLINE __attribute__((noinline))
#else
#define NACME_NOINLINE
#endif

/* Value of a base64 (url != 0: base64url) character, or -1. */
int nacme_b64_value(char c, int url);

/* One group of n (1..3) bytes at g as 2..4 base64 (url != 0: base64url) characters, unpadded; returns how many. */
size_t nacme_b64_group(const uint8_t *g, size_t n, char *out, int url);

/*
 * An X.509 time of exactly len bytes: GeneralizedTime YYYYMMDDHHMMSSZ, or
 * with utc UTCTime YYMMDDHHMMSSZ (years 1950..2049). NACME_ERR_TIME when
 * malformed or not a real date (no leap second).
 */
int nacme_time_parse_asn1(const uint8_t *s, size_t len, bool utc, int64_t *out);

/* ASCII lower case of c (locale independent). */
static inline char nacme_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive ASCII comparison of a[0..n) and b[0..n). */
static inline bool nacme_memeq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (nacme_lower(a[i]) != nacme_lower(b[i])) return false;
    }
    return true;
}

/* True when needle occurs in haystack, ignoring ASCII case. */
static inline bool nacme_contains_ci(const char *haystack, const char *needle)
{
    size_t n = 0;
    while (needle[n] != '\0') n++;
    for (const char *h = haystack; *h != '\0'; h++) {
        size_t i = 0;
        while (i < n && h[i] != '\0' && nacme_lower(h[i]) == nacme_lower(needle[i])) i++;
        if (i == n) return true;
    }
    return n == 0;
}

/* FNV-1a hash, continued from h (start with NACME_FNV_INIT): stable small fingerprints. */
#define NACME_FNV_INIT 2166136261u
static inline uint32_t nacme_fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}

/* Length of a NUL-terminated string, at most max (no dependency on strnlen). */
static inline size_t nacme_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') n++;
    return n;
}

#endif /* NACME_INTERNAL_H */
