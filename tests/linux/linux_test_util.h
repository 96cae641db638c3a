/* Helpers shared by the Linux platform tests: scratch folders and files. */
#ifndef NACME_LINUX_TEST_UTIL_H
#define NACME_LINUX_TEST_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_data.h"

static int lt_rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    (void)remove(path);
    return 0;
}

/* Delete a folder tree (bounded by nftw's own walk). */
static inline void lt_rm_rf(const char *path)
{
    (void)nftw(path, lt_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh scratch folder under $TMPDIR (or /tmp); out gets its path. */
static inline void lt_scratch(char *out, size_t cap)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(out, cap, "%s/nacme-linux-XXXXXX", tmp != NULL ? tmp : "/tmp");
    if (mkdtemp(out) == NULL) fail_msg("mkdtemp: %s", strerror(errno));
}

/* The whole file at path into a malloc'd block (NUL added after *len bytes), NULL if absent. */
static inline uint8_t *lt_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) return NULL;
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
    }
    fclose(f);
    buf[n] = 0;
    *len = n;
    return buf;
}

/* Test data file linux/NAME as a NUL-terminated malloc'd string. */
static inline char *lt_data(const char *name, size_t *len)
{
    const char *dir = getenv("NACME_TEST_DATA");
    char path[1024];
    if (dir == NULL) fail_msg("%s", "NACME_TEST_DATA is not set (run make testdata)");
    snprintf(path, sizeof path, "%s/linux/%s", dir, name);
    size_t n;
    uint8_t *d = lt_slurp(path, &n);
    if (d == NULL) fail_msg("cannot read %s", path);
    if (len != NULL) *len = n;
    return (char *)d;
}

/* Path of test data file linux/NAME. */
static inline const char *lt_data_path(const char *name, char *out, size_t cap)
{
    const char *dir = getenv("NACME_TEST_DATA");
    if (dir == NULL) fail_msg("%s", "NACME_TEST_DATA is not set (run make testdata)");
    snprintf(out, cap, "%s/linux/%s", dir, name);
    return out;
}

/* Permission bits of path (-1 when absent). */
static inline int lt_mode(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    return (int)(st.st_mode & 07777);
}

static inline bool lt_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Number of entries of a folder (without . and ..), -1 if it cannot be read. */
static inline int lt_count_entries(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) n++;
    }
    closedir(d);
    return n;
}

#endif
