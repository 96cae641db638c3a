/*
 * Small ASCII and hashing helpers shared by the codecs and the engine (one
 * copy each in the firmware instead of one per caller).
 */
#include "internal.h"

bool nacme_memeq_ci(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (nacme_lower(a[i]) != nacme_lower(b[i])) return false;
    }
    return true;
}

bool nacme_contains_ci(const char *haystack, const char *needle)
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

int nacme_hex_value(unsigned c)
{
    if (c - '0' < 10u) return (int)(c - '0');
    c |= 0x20u;
    if (c - 'a' < 6u) return (int)(c - 'a' + 10u);
    return -1;
}

uint32_t nacme_fnv1a(uint32_t h, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    return h;
}
