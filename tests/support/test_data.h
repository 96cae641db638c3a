/*
 * Reading files made by tests/data/gen-*.sh from $NACME_TEST_DATA (plain
 * fopen/fread: the same host folder serves native and qemu-user runs).
 */
#ifndef NACME_TEST_DATA_H
#define NACME_TEST_DATA_H

#include "test_util.h"

/*
 * Read $NACME_TEST_DATA/name into a malloc'd block of exactly its size (so
 * ASan sees reads past the end); *len gets the size. Fails the test when
 * the variable is unset or the file cannot be read.
 */
static inline uint8_t *test_data_read(const char *name, size_t *len)
{
    const char *dir = getenv("NACME_TEST_DATA");
    char path[512];
    if (dir == NULL) fail_msg("%s", "NACME_TEST_DATA is not set (run make testdata)");
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("cannot open %s", path);
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        cap *= 2;
        buf = realloc(buf, cap);
    }
    fclose(f);
    uint8_t *tight = test_tight_copy(buf, n);
    free(buf);
    *len = n;
    return tight;
}

/*
 * Value of the index-th line "key=value" of a .expect file (NUL-terminated
 * copy in out), or NULL when there is no such line.
 */
static inline const char *test_data_value(const uint8_t *text, size_t len, const char *key,
                                          unsigned index, char *out, size_t cap)
{
    size_t klen = strlen(key);
    const char *p = (const char *)text, *end = p + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL) eol = end;
        if ((size_t)(eol - p) > klen && memcmp(p, key, klen) == 0 && p[klen] == '=' && index-- == 0) {
            size_t n = (size_t)(eol - p) - klen - 1;
            if (n >= cap) fail_msg("value of %s too long", key);
            memcpy(out, p + klen + 1, n);
            out[n] = '\0';
            return out;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Lower-case hex of data[0..len) into out (2 * len + 1 bytes). */
static inline const char *test_hex(const uint8_t *data, size_t len, char *out)
{
    for (size_t i = 0; i < len; i++) snprintf(out + 2 * i, 3, "%02x", data[i]);
    out[2 * len] = '\0';
    return out;
}

#endif
