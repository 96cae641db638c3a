/* File system helpers of the Linux storage (linux_internal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_internal.h"

int nacme_linux_fs_path(char *out, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(out, cap, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= cap) return NACME_ERR_TOO_LARGE;
    return NACME_OK;
}

int nacme_linux_fs_sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return NACME_ERR_STORAGE;
    int rc = fsync(fd) == 0 ? NACME_OK : NACME_ERR_STORAGE;
    if (close(fd) != 0) rc = NACME_ERR_STORAGE;
    return rc;
}

/* The parent folder of path ("." for a bare name). */
static int parent_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL) return nacme_linux_fs_path(out, cap, ".");
    size_t n = slash == path ? 1u : (size_t)(slash - path);
    if (n >= cap) return NACME_ERR_TOO_LARGE;
    memcpy(out, path, n);
    out[n] = '\0';
    return NACME_OK;
}

int nacme_linux_fs_mkdir(const char *path)
{
    if (mkdir(path, 0700) != 0) {
        struct stat st;
        if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return NACME_OK;
        return NACME_ERR_STORAGE;
    }
    /* the umask may have taken bits away; 0700 is what we promise */
    if (chmod(path, 0700) != 0) return NACME_ERR_STORAGE;
    char parent[NACME_LINUX_PATH_CAP];
    int rc = parent_of(path, parent, sizeof parent);
    return rc == NACME_OK ? nacme_linux_fs_sync_dir(parent) : rc;
}

int nacme_linux_fs_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    size_t done = 0;
    /* bounded: every round writes at least one byte, and EINTR rounds are capped */
    for (unsigned intr = 0; done < len && intr < 1000u;) {
        size_t n = len - done > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : len - done;
        ssize_t w = write(fd, p + done, n);
        if (w < 0) {
            if (errno == EINTR) {
                intr++;
                continue;
            }
            return NACME_ERR_STORAGE;
        }
        if (w == 0) return NACME_ERR_STORAGE;
        done += (size_t)w;
    }
    return done == len ? NACME_OK : NACME_ERR_STORAGE;
}

int nacme_linux_fs_pread(int fd, void *buf, size_t len, uint64_t offset, size_t *got)
{
    uint8_t *p = buf;
    size_t done = 0;
    *got = 0;
    if (offset > (uint64_t)INT64_MAX) return NACME_ERR_ARG;
    for (unsigned intr = 0; done < len && intr < 1000u;) {
        size_t n = len - done > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : len - done;
        ssize_t r = pread(fd, p + done, n, (off_t)(offset + done));
        if (r < 0) {
            if (errno == EINTR) {
                intr++;
                continue;
            }
            return NACME_ERR_STORAGE;
        }
        if (r == 0) break; /* end of file */
        done += (size_t)r;
    }
    *got = done;
    return NACME_OK;
}

int nacme_linux_fs_write_file(const char *dir, const char *name, mode_t mode, const uint8_t *const *data,
                              const size_t *len, size_t n)
{
    char path[NACME_LINUX_PATH_CAP];
    int rc = nacme_linux_fs_path(path, sizeof path, "%s/%s", dir, name);
    if (rc != NACME_OK) return rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) return NACME_ERR_STORAGE;
    rc = fchmod(fd, mode) == 0 ? NACME_OK : NACME_ERR_STORAGE;
    for (size_t i = 0; i < n && rc == NACME_OK; i++) rc = nacme_linux_fs_write_all(fd, data[i], len[i]);
    if (rc == NACME_OK && fsync(fd) != 0) rc = NACME_ERR_STORAGE;
    if (close(fd) != 0) rc = NACME_ERR_STORAGE;
    if (rc != NACME_OK) (void)unlink(path);
    return rc;
}

int nacme_linux_fs_remove_dir(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL) return errno == ENOENT ? NACME_OK : NACME_ERR_STORAGE;
    int dfd = dirfd(d);
    for (unsigned i = 0; i < 1024u; i++) {
        errno = 0;
        struct dirent *e = readdir(d);
        if (e == NULL) break;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        (void)unlinkat(dfd, e->d_name, 0); /* a non-file stays and makes rmdir fail */
    }
    if (closedir(d) != 0) return NACME_ERR_STORAGE;
    if (rmdir(path) != 0 && errno != ENOENT) return NACME_ERR_STORAGE;
    return NACME_OK;
}

int nacme_linux_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                                  unsigned mode)
{
    char tmp[NACME_LINUX_NAME_MAX + 32];
    int rc = nacme_linux_fs_path(tmp, sizeof tmp, ".%s.tmp-%ld", name, (long)getpid());
    if (rc != NACME_OK) return rc;
    if ((rc = nacme_linux_fs_mkdir(dir)) != NACME_OK) return rc;
    const uint8_t *parts[1] = {data};
    size_t lens[1] = {len};
    char from[NACME_LINUX_PATH_CAP], to[NACME_LINUX_PATH_CAP];
    if ((rc = nacme_linux_fs_path(from, sizeof from, "%s/%s", dir, tmp)) != NACME_OK) return rc;
    if ((rc = nacme_linux_fs_path(to, sizeof to, "%s/%s", dir, name)) != NACME_OK) return rc;
    (void)unlink(from); /* a leftover of a crashed run of this pid */
    if ((rc = nacme_linux_fs_write_file(dir, tmp, (mode_t)mode, parts, lens, 1)) != NACME_OK) return rc;
    if (rename(from, to) != 0) {
        (void)unlink(from);
        return NACME_ERR_STORAGE;
    }
    return nacme_linux_fs_sync_dir(dir);
}
