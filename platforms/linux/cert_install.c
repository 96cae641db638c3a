/*
 * Installing the NACME_OBJ_CERT object as DIR/certs/NAME/{privkey,cert,
 * chain,fullchain}.pem, atomically per directory (see nacme_linux.h):
 * build the complete new directory beside the current one, then swap the
 * two with renameat2(RENAME_EXCHANGE), or with two renames where the file
 * system cannot exchange.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_internal.h"

/* PEM blocks kept: the key, the leaf and up to 30 more certificates. */
#define MAX_BLOCKS 32u
/* Entries of a certificate directory looked at (copied or skipped). */
#define MAX_ENTRIES 256u
/* Largest other file copied along (order.json, state.json, meta.json, ...). */
#define MAX_COPY (16u * 1024u * 1024u)

static const char *const cert_files[] = {"privkey.pem", "cert.pem", "chain.pem", "fullchain.pem"};

typedef struct span {
    const uint8_t *p;
    size_t len;
} span_t;

static const uint8_t *find(const uint8_t *from, const uint8_t *end, const char *needle)
{
    size_t n = strlen(needle);
    if ((size_t)(end - from) < n) return NULL;
    return memmem(from, (size_t)(end - from), needle, n);
}

/* Does the label (between "BEGIN " and "-----") of block b end with suffix? */
static bool label_ends_with(span_t b, const char *suffix)
{
    const uint8_t *lab = b.p + strlen("-----BEGIN ");
    const uint8_t *end = find(lab, b.p + b.len, "-----");
    size_t n = strlen(suffix);
    return end != NULL && (size_t)(end - lab) >= n && memcmp(end - n, suffix, n) == 0;
}

/*
 * Split the object into PEM blocks, each from its "-----BEGIN " line start
 * to the end of its "-----END ...-----" (line terminator excluded). Text
 * between blocks is dropped. The first block must be a private key, every
 * other one a certificate, and there must be a leaf.
 */
static int split(const uint8_t *data, size_t len, span_t *blocks, size_t *n)
{
    const uint8_t *p = data, *end = data + len;
    *n = 0;
    for (unsigned guard = 0; guard <= MAX_BLOCKS; guard++) {
        const uint8_t *b = find(p, end, "-----BEGIN ");
        if (b == NULL) break;
        if (b != data && b[-1] != '\n') return NACME_ERR_PEM; /* must start a line */
        const uint8_t *e = find(b, end, "\n-----END ");
        if (e == NULL) return NACME_ERR_PEM;
        const uint8_t *close = find(e + 10, end, "-----");
        const uint8_t *eol = memchr(e + 1, '\n', (size_t)(end - e - 1));
        if (close == NULL || (eol != NULL && close > eol)) return NACME_ERR_PEM;
        if (*n == MAX_BLOCKS) return NACME_ERR_TOO_LARGE;
        blocks[*n].p = b;
        blocks[*n].len = (size_t)(close + 5 - b);
        (*n)++;
        p = close + 5;
    }
    if (*n < 2 || !label_ends_with(blocks[0], "PRIVATE KEY")) return NACME_ERR_PEM;
    for (size_t i = 1; i < *n; i++) {
        if (!label_ends_with(blocks[i], "CERTIFICATE") || label_ends_with(blocks[i], "TRUSTED CERTIFICATE")) {
            return NACME_ERR_PEM;
        }
    }
    return NACME_OK;
}

static bool is_cert_file(const char *name)
{
    for (size_t i = 0; i < sizeof cert_files / sizeof cert_files[0]; i++) {
        if (strcmp(name, cert_files[i]) == 0) return true;
    }
    return false;
}

/* Write the blocks from..n-1 (each followed by "\n") as dir/name. */
static int write_blocks(const char *dir, const char *name, mode_t mode, const span_t *blocks, size_t from,
                        size_t n)
{
    static const uint8_t nl[1] = {'\n'};
    const uint8_t *parts[2 * MAX_BLOCKS];
    size_t lens[2 * MAX_BLOCKS];
    size_t k = 0;
    for (size_t i = from; i < n; i++) {
        parts[k] = blocks[i].p;
        lens[k++] = blocks[i].len;
        parts[k] = nl;
        lens[k++] = 1;
    }
    return nacme_linux_fs_write_file(dir, name, mode, parts, lens, k);
}

/* Copy one regular file (mode kept) from src_dir to dst_dir. */
static int copy_file(const char *src_dir, const char *dst_dir, const char *name)
{
    char path[NACME_LINUX_PATH_CAP];
    int rc = nacme_linux_fs_path(path, sizeof path, "%s/%s", src_dir, name);
    if (rc != NACME_OK) return rc;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return NACME_ERR_STORAGE;
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;
    rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? NACME_OK : NACME_ERR_STORAGE;
    if (rc == NACME_OK && (uint64_t)st.st_size > MAX_COPY) rc = NACME_ERR_TOO_LARGE;
    if (rc == NACME_OK && (buf = malloc((size_t)st.st_size + 1u)) == NULL) rc = NACME_ERR_STORAGE;
    if (rc == NACME_OK) rc = nacme_linux_fs_pread(fd, buf, (size_t)st.st_size, 0, &got);
    if (close(fd) != 0 && rc == NACME_OK) rc = NACME_ERR_STORAGE;
    if (rc == NACME_OK) {
        const uint8_t *parts[1] = {buf};
        rc = nacme_linux_fs_write_file(dst_dir, name, st.st_mode & 07777, parts, &got, 1);
    }
    free(buf);
    return rc;
}

/* Copy every other file of the current directory into the new one. */
static int copy_others(const char *cur, const char *tmp)
{
    DIR *d = opendir(cur);
    if (d == NULL) return errno == ENOENT ? NACME_OK : NACME_ERR_STORAGE;
    int rc = NACME_OK;
    unsigned i;
    for (i = 0; i < MAX_ENTRIES && rc == NACME_OK; i++) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) {
            if (errno != 0) rc = NACME_ERR_STORAGE;
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || is_cert_file(e->d_name)) continue;
        if (e->d_name[0] == '.') continue; /* a temporary of an interrupted write */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) {
            rc = NACME_ERR_STORAGE; /* it would be lost in the swap: refuse */
            break;
        }
        rc = copy_file(cur, tmp, e->d_name);
    }
    if (i == MAX_ENTRIES) rc = NACME_ERR_STORAGE;
    if (closedir(d) != 0 && rc == NACME_OK) rc = NACME_ERR_STORAGE;
    return rc;
}

static int build(const char *cur, const char *tmp, const span_t *blocks, size_t n)
{
    int rc = nacme_linux_fs_remove_dir(tmp); /* a leftover of ours */
    if (rc == NACME_OK) rc = nacme_linux_fs_mkdir(tmp);
    if (rc == NACME_OK) rc = write_blocks(tmp, "privkey.pem", 0600, blocks, 0, 1);
    if (rc == NACME_OK) rc = write_blocks(tmp, "cert.pem", 0644, blocks, 1, 2);
    if (rc == NACME_OK) rc = write_blocks(tmp, "chain.pem", 0644, blocks, 2, n);
    if (rc == NACME_OK) rc = write_blocks(tmp, "fullchain.pem", 0644, blocks, 1, n);
    if (rc == NACME_OK) rc = copy_others(cur, tmp);
    if (rc == NACME_OK) rc = nacme_linux_fs_sync_dir(tmp);
    return rc;
}

/* Put tmp in the place of cur; *old_at gets where the old directory now is ("" if none). */
static int swap(const char *cur, const char *tmp, const char *old, bool no_exchange, const char **old_at)
{
    struct stat st;
    *old_at = "";
    if (lstat(cur, &st) != 0) {
        if (errno != ENOENT) return NACME_ERR_STORAGE;
        return rename(tmp, cur) == 0 ? NACME_OK : NACME_ERR_STORAGE; /* first install */
    }
    if (!S_ISDIR(st.st_mode)) return NACME_ERR_STORAGE;
    if (!no_exchange) {
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, cur, RENAME_EXCHANGE) == 0) {
            *old_at = tmp;
            return NACME_OK;
        }
        if (errno != ENOSYS && errno != EINVAL) return NACME_ERR_STORAGE;
    }
    /* no exchange here: two renames, with a moment where cur is missing */
    if (rename(cur, old) != 0) return NACME_ERR_STORAGE;
    if (rename(tmp, cur) != 0) {
        (void)rename(old, cur); /* put the old one back */
        return NACME_ERR_STORAGE;
    }
    *old_at = old;
    return NACME_OK;
}

int nacme_linux_cert_install(const char *certs_dir, const char *name, const uint8_t *data, size_t len,
                             bool no_exchange)
{
    span_t blocks[MAX_BLOCKS];
    size_t n;
    int rc = split(data, len, blocks, &n);
    if (rc != NACME_OK) return rc;
    char cur[NACME_LINUX_PATH_CAP], tmp[NACME_LINUX_PATH_CAP], old[NACME_LINUX_PATH_CAP];
    long pid = (long)getpid();
    if ((rc = nacme_linux_fs_path(cur, sizeof cur, "%s/%s", certs_dir, name)) != NACME_OK ||
        (rc = nacme_linux_fs_path(tmp, sizeof tmp, "%s/.%s.new-%ld", certs_dir, name, pid)) != NACME_OK ||
        (rc = nacme_linux_fs_path(old, sizeof old, "%s/.%s.old-%ld", certs_dir, name, pid)) != NACME_OK) {
        return rc;
    }
    rc = build(cur, tmp, blocks, n);
    const char *old_at = "";
    if (rc == NACME_OK) rc = swap(cur, tmp, old, no_exchange, &old_at);
    if (rc == NACME_OK) rc = nacme_linux_fs_sync_dir(certs_dir);
    if (rc != NACME_OK) {
        (void)nacme_linux_fs_remove_dir(tmp);
        return rc;
    }
    /* the new set is in place and durable; a failure to delete the old one is tidied later */
    if (old_at[0] != '\0') (void)nacme_linux_fs_remove_dir(old_at);
    return NACME_OK;
}

/* Is entry ".NAME" kind "PID" (kind ".new-" or ".old-", PID decimal)? */
static bool leftover_of(const char *entry, const char *name, const char *kind)
{
    size_t n = strlen(name), k = strlen(kind);
    if (entry[0] != '.' || strncmp(entry + 1, name, n) != 0 || strncmp(entry + 1 + n, kind, k) != 0) {
        return false;
    }
    const char *pid = entry + 1 + n + k;
    if (*pid == '\0') return false;
    for (; *pid != '\0'; pid++) {
        if (*pid < '0' || *pid > '9') return false;
    }
    return true;
}

int nacme_linux_cert_recover(const char *certs_dir, const char *name, bool cleanup)
{
    char cur[NACME_LINUX_PATH_CAP], path[NACME_LINUX_PATH_CAP];
    int rc = nacme_linux_fs_path(cur, sizeof cur, "%s/%s", certs_dir, name);
    if (rc != NACME_OK) return rc;
    struct stat st;
    bool missing = lstat(cur, &st) != 0 && errno == ENOENT;
    if (!missing && !cleanup) return NACME_OK;
    DIR *d = opendir(certs_dir);
    if (d == NULL) return errno == ENOENT ? NACME_OK : NACME_ERR_STORAGE;
    bool restored = false;
    for (unsigned i = 0; i < 4096u && rc == NACME_OK; i++) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) break;
        bool is_old = leftover_of(e->d_name, name, ".old-");
        if (!is_old && !leftover_of(e->d_name, name, ".new-")) continue;
        rc = nacme_linux_fs_path(path, sizeof path, "%s/%s", certs_dir, e->d_name);
        if (rc != NACME_OK) break;
        if (is_old && missing && !restored) {
            /* a two-rename swap was cut between its renames: the old set is whole */
            rc = rename(path, cur) == 0 ? nacme_linux_fs_sync_dir(certs_dir) : NACME_ERR_STORAGE;
            restored = true;
        } else if (cleanup) {
            (void)nacme_linux_fs_remove_dir(path);
        }
    }
    if (closedir(d) != 0 && rc == NACME_OK) rc = NACME_ERR_STORAGE;
    return rc;
}
