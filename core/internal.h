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

/* OID contents shared by the X.509 reader and writers (certgen.c). */
extern const uint8_t nacme_oid_ec_public_key[7];
extern const uint8_t nacme_oid_prime256v1[8];
extern const uint8_t nacme_oid_common_name[3];

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
bool nacme_memeq_ci(const char *a, const char *b, size_t n);

/* True when needle occurs in haystack, ignoring ASCII case. */
bool nacme_contains_ci(const char *haystack, const char *needle);

/* Value of a hex digit (either case), or -1. */
int nacme_hex_value(unsigned c);

/* FNV-1a hash, continued from h (start with NACME_FNV_INIT): stable small fingerprints. */
#define NACME_FNV_INIT 2166136261u
uint32_t nacme_fnv1a(uint32_t h, const uint8_t *p, size_t n);

/* Length of a NUL-terminated string, at most max (no dependency on strnlen). */
static inline size_t nacme_strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n] != '\0') n++;
    return n;
}

#endif /* NACME_INTERNAL_H */
