/*
 * The storage port on files under a state directory (layout and guarantees
 * in nacme_linux.h). File objects: temporary file, fsync, rename, fsync of
 * the directory. The CERT object is collected in memory and installed as
 * a directory by cert_install.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux_internal.h"

static bool in_accounts(nacme_object_t obj)
{
    return obj == NACME_OBJ_ACCOUNT_KEY || obj == NACME_OBJ_ACCOUNT;
}

static const char *file_of(nacme_object_t obj)
{
    switch (obj) {
    case NACME_OBJ_ACCOUNT_KEY: return "account.key";
    case NACME_OBJ_ACCOUNT: return "account.json";
    case NACME_OBJ_ORDER: return "order.json";
    case NACME_OBJ_STATE: return "state.json";
    case NACME_OBJ_CERT: return NULL;
    }
    return NULL;
}

static bool known(nacme_object_t obj)
{
    return obj == NACME_OBJ_CERT || file_of(obj) != NULL;
}

int nacme_linux_storage_name(const char *scope, bool cert_name, char *out, size_t cap)
{
    static const char wild[] = "_wildcard_";
    if (scope == NULL || out == NULL || scope[0] == '\0') return NACME_ERR_ARG;
    if (scope[0] == '.') return NACME_ERR_ARG;
    if (cap == 0) return NACME_ERR_TOO_LARGE;
    size_t n = 0, limit = cap - 1u < NACME_LINUX_NAME_MAX ? cap - 1u : NACME_LINUX_NAME_MAX;
    /* bounded by the output limit: every character adds at least one byte */
    for (const char *p = scope; *p != '\0'; p++) {
        char ch = *p;
        if (cert_name && ch == '*') {
            if (n + sizeof wild - 1u > limit) return NACME_ERR_TOO_LARGE;
            memcpy(out + n, wild, sizeof wild - 1u);
            n += sizeof wild - 1u;
            continue;
        }
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                  ch == '.' || ch == '_' || ch == ':' || ch == '-';
        if (n + 1u > limit) return NACME_ERR_TOO_LARGE;
        out[n++] = ok ? ch : '_';
    }
    out[n] = '\0';
    return NACME_OK;
}

/* DIR/accounts/SCOPE or DIR/certs/NAME into out; the sanitized name into name. */
static int object_dir(const nacme_linux_storage_t *s, nacme_object_t obj, const char *scope, char *out,
                      size_t cap, char *name)
{
    if (!known(obj)) return NACME_ERR_ARG;
    int rc = nacme_linux_storage_name(scope, !in_accounts(obj), name, NACME_LINUX_NAME_MAX + 1u);
    if (rc != NACME_OK) return rc;
    return nacme_linux_fs_path(out, cap, "%s/%s/%s", s->dir, in_accounts(obj) ? "accounts" : "certs", name);
}

int nacme_linux_storage_path(const nacme_linux_storage_t *s, nacme_object_t obj, const char *scope,
                             char *out, size_t cap)
{
    char name[NACME_LINUX_NAME_MAX + 1];
    char dir[NACME_LINUX_PATH_CAP];
    if (s == NULL || out == NULL) return NACME_ERR_ARG;
    int rc = object_dir(s, obj, scope, dir, sizeof dir, name);
    if (rc != NACME_OK) return rc;
    if (obj == NACME_OBJ_CERT) return nacme_linux_fs_path(out, cap, "%s", dir);
    return nacme_linux_fs_path(out, cap, "%s/%s", dir, file_of(obj));
}

int nacme_linux_storage_init(nacme_linux_storage_t *s, const char *dir)
{
    if (s == NULL || dir == NULL || dir[0] == '\0') return NACME_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->max_object = NACME_LINUX_OBJECT_MAX;
    size_t n = strlen(dir);
    if (n > NACME_LINUX_DIR_MAX) return NACME_ERR_TOO_LARGE;
    while (n > 1u && dir[n - 1u] == '/') n--; /* "state/" and "state" name one place */
    memcpy(s->dir, dir, n);
    s->dir[n] = '\0';
    return NACME_OK;
}

/* The temporary file of a file object: DIR/.../.FILE.tmp-PID */
static int tmp_path(const nacme_linux_storage_t *s, char *out, size_t cap)
{
    char dir[NACME_LINUX_PATH_CAP];
    char name[NACME_LINUX_NAME_MAX + 1];
    int rc = object_dir(s, s->obj, s->name, dir, sizeof dir, name);
    if (rc != NACME_OK) return rc;
    return nacme_linux_fs_path(out, cap, "%s/.%s.tmp-%ld", dir, file_of(s->obj), (long)getpid());
}

static void close_write(nacme_linux_storage_t *s)
{
    if (s->fd >= 0) {
        char tmp[NACME_LINUX_PATH_CAP];
        (void)close(s->fd);
        if (tmp_path(s, tmp, sizeof tmp) == NACME_OK) (void)unlink(tmp);
    }
    free(s->cert);
    s->cert = NULL;
    s->fd = -1;
    s->open = false;
    s->size = 0;
}

static int st_begin(void *ctx, nacme_object_t obj, const char *scope)
{
    nacme_linux_storage_t *s = ctx;
    char dir[NACME_LINUX_PATH_CAP], top[NACME_LINUX_PATH_CAP], tmp[NACME_LINUX_PATH_CAP];
    char name[NACME_LINUX_NAME_MAX + 1];
    if (s->open) return NACME_ERR_STATE;
    int rc = object_dir(s, obj, scope, dir, sizeof dir, name);
    if (rc != NACME_OK) return rc;
    if ((rc = nacme_linux_fs_path(top, sizeof top, "%s/%s", s->dir, in_accounts(obj) ? "accounts" : "certs")) !=
        NACME_OK) {
        return rc;
    }
    if ((rc = nacme_linux_fs_mkdir(s->dir)) != NACME_OK || (rc = nacme_linux_fs_mkdir(top)) != NACME_OK) return rc;
    if (!in_accounts(obj) && (rc = nacme_linux_cert_recover(top, name, obj == NACME_OBJ_CERT)) != NACME_OK) {
        return rc;
    }
    memcpy(s->name, name, sizeof name);
    s->obj = obj;
    s->size = 0;
    if (obj == NACME_OBJ_CERT) { /* the install builds its own directory */
        s->cert = malloc(s->max_object > 0 ? s->max_object : 1u);
        if (s->cert == NULL) return NACME_ERR_STORAGE;
        s->open = true;
        return NACME_OK;
    }
    if ((rc = nacme_linux_fs_mkdir(dir)) != NACME_OK || (rc = tmp_path(s, tmp, sizeof tmp)) != NACME_OK) return rc;
    int fd = -1;
    for (int attempt = 0; attempt < 2 && fd < 0; attempt++) {
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && (errno != EEXIST || unlink(tmp) != 0)) break; /* EEXIST: left by a crash */
    }
    if (fd < 0) return NACME_ERR_STORAGE;
    if (fchmod(fd, 0600) != 0) {
        (void)close(fd);
        (void)unlink(tmp);
        return NACME_ERR_STORAGE;
    }
    s->fd = fd;
    s->open = true;
    return NACME_OK;
}

static int st_append(void *ctx, const uint8_t *data, size_t len)
{
    nacme_linux_storage_t *s = ctx;
    if (!s->open) return NACME_ERR_STATE;
    if (len == 0) return NACME_OK;
    if (data == NULL) return NACME_ERR_ARG;
    if (len > s->max_object || s->size > s->max_object - len) return NACME_ERR_TOO_LARGE;
    if (s->obj == NACME_OBJ_CERT) {
        memcpy(s->cert + s->size, data, len);
    } else {
        int rc = nacme_linux_fs_write_all(s->fd, data, len);
        if (rc != NACME_OK) return rc;
    }
    s->size += len;
    return NACME_OK;
}

static int commit_file(nacme_linux_storage_t *s)
{
    char dir[NACME_LINUX_PATH_CAP], target[NACME_LINUX_PATH_CAP], tmp[NACME_LINUX_PATH_CAP];
    char name[NACME_LINUX_NAME_MAX + 1];
    int rc = object_dir(s, s->obj, s->name, dir, sizeof dir, name);
    if (rc == NACME_OK) rc = nacme_linux_fs_path(target, sizeof target, "%s/%s", dir, file_of(s->obj));
    if (rc == NACME_OK) rc = tmp_path(s, tmp, sizeof tmp);
    if (rc != NACME_OK) return rc;
    int fd = s->fd;
    s->fd = -1;
    rc = fsync(fd) == 0 ? NACME_OK : NACME_ERR_STORAGE;
    if (close(fd) != 0) rc = NACME_ERR_STORAGE;
    if (rc == NACME_OK && rename(tmp, target) != 0) rc = NACME_ERR_STORAGE;
    if (rc != NACME_OK) {
        (void)unlink(tmp);
        return rc;
    }
    return nacme_linux_fs_sync_dir(dir);
}

static int st_commit(void *ctx)
{
    nacme_linux_storage_t *s = ctx;
    if (!s->open) return NACME_ERR_STATE;
    int rc;
    if (s->obj == NACME_OBJ_CERT) {
        char top[NACME_LINUX_PATH_CAP];
        rc = nacme_linux_fs_path(top, sizeof top, "%s/certs", s->dir);
        if (rc == NACME_OK) rc = nacme_linux_cert_install(top, s->name, s->cert, s->size, s->no_exchange);
    } else {
        rc = commit_file(s);
    }
    close_write(s);
    return rc;
}

static void st_abort(void *ctx)
{
    nacme_linux_storage_t *s = ctx;
    if (s->open) close_write(s);
}

void nacme_linux_storage_free(nacme_linux_storage_t *s)
{
    if (s != NULL && s->open) close_write(s);
}

/* Read from fd at off into buf; returns bytes via *got; size is the file's. */
static int read_part(int fd, uint64_t size, uint64_t off, uint8_t *buf, size_t len, size_t *got)
{
    *got = 0;
    if (off >= size || len == 0) return NACME_OK;
    uint64_t left = size - off;
    return nacme_linux_fs_pread(fd, buf, left < len ? (size_t)left : len, off, got);
}

static int open_at(int dfd, const char *name, int *fd, uint64_t *size)
{
    struct stat st;
    *fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
    if (*fd < 0) return errno == ENOENT ? NACME_ERR_NOT_FOUND : NACME_ERR_STORAGE;
    if (fstat(*fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        (void)close(*fd);
        *fd = -1;
        return NACME_ERR_STORAGE;
    }
    *size = (uint64_t)st.st_size;
    return NACME_OK;
}

/* CERT: privkey.pem then fullchain.pem, both from one directory descriptor. */
static int read_cert(int dfd, uint32_t offset, uint8_t *buf, size_t len, size_t *got)
{
    int kfd = -1, ffd = -1;
    uint64_t ksize = 0, fsize = 0;
    int krc = open_at(dfd, "privkey.pem", &kfd, &ksize);
    int frc = open_at(dfd, "fullchain.pem", &ffd, &fsize);
    int rc = NACME_OK;
    if (krc == NACME_ERR_NOT_FOUND && frc == NACME_ERR_NOT_FOUND) {
        rc = NACME_ERR_NOT_FOUND;
    } else if (krc == NACME_ERR_NOT_FOUND || frc == NACME_ERR_NOT_FOUND) {
        rc = NACME_ERR_STORAGE_CORRUPT;
    } else if (krc != NACME_OK || frc != NACME_OK) {
        rc = NACME_ERR_STORAGE;
    }
    size_t a = 0, b = 0;
    if (rc == NACME_OK) rc = read_part(kfd, ksize, offset, buf, len, &a);
    if (rc == NACME_OK && a == len) {
        *got = a;
    } else if (rc == NACME_OK) {
        uint64_t foff = (uint64_t)offset + a >= ksize ? (uint64_t)offset + a - ksize : 0;
        rc = read_part(ffd, fsize, foff, buf + a, len - a, &b);
        *got = a + b;
    }
    if (kfd >= 0) (void)close(kfd);
    if (ffd >= 0) (void)close(ffd);
    return rc;
}

static int st_read(void *ctx, nacme_object_t obj, const char *scope, uint32_t offset, uint8_t *buf, size_t len,
                   size_t *got)
{
    nacme_linux_storage_t *s = ctx;
    char dir[NACME_LINUX_PATH_CAP], top[NACME_LINUX_PATH_CAP];
    char name[NACME_LINUX_NAME_MAX + 1];
    if (got == NULL || (buf == NULL && len > 0)) return NACME_ERR_ARG;
    *got = 0;
    int rc = object_dir(s, obj, scope, dir, sizeof dir, name);
    if (rc != NACME_OK) return rc;
    if (!in_accounts(obj)) {
        if ((rc = nacme_linux_fs_path(top, sizeof top, "%s/certs", s->dir)) != NACME_OK) return rc;
        if ((rc = nacme_linux_cert_recover(top, name, false)) != NACME_OK) return rc;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return errno == ENOENT ? NACME_ERR_NOT_FOUND : NACME_ERR_STORAGE;
    if (obj == NACME_OBJ_CERT) {
        rc = read_cert(dfd, offset, buf, len, got);
    } else {
        int fd;
        uint64_t size;
        rc = open_at(dfd, file_of(obj), &fd, &size);
        if (rc == NACME_OK) {
            rc = read_part(fd, size, offset, buf, len, got);
            (void)close(fd);
        }
    }
    (void)close(dfd);
    return rc;
}

static int st_remove(void *ctx, nacme_object_t obj, const char *scope)
{
    static const char *const cert_order[] = {"fullchain.pem", "chain.pem", "cert.pem", "privkey.pem"};
    nacme_linux_storage_t *s = ctx;
    char dir[NACME_LINUX_PATH_CAP], path[NACME_LINUX_PATH_CAP];
    char name[NACME_LINUX_NAME_MAX + 1];
    int rc = object_dir(s, obj, scope, dir, sizeof dir, name);
    if (rc != NACME_OK) return rc;
    size_t n = obj == NACME_OBJ_CERT ? 4u : 1u;
    for (size_t i = 0; i < n; i++) {
        const char *f = obj == NACME_OBJ_CERT ? cert_order[i] : file_of(obj);
        if ((rc = nacme_linux_fs_path(path, sizeof path, "%s/%s", dir, f)) != NACME_OK) return rc;
        if (unlink(path) != 0 && errno != ENOENT) return NACME_ERR_STORAGE;
    }
    rc = nacme_linux_fs_sync_dir(dir);
    if (rc != NACME_OK) {
        struct stat st;
        if (stat(dir, &st) != 0 && errno == ENOENT) return NACME_OK; /* nothing was there */
    }
    return rc;
}

void nacme_linux_storage_port(nacme_linux_storage_t *s, nacme_storage_t *out)
{
    if (s == NULL || out == NULL) return;
    *out = (nacme_storage_t){
        .ctx = s,
        .begin = st_begin,
        .append = st_append,
        .commit = st_commit,
        .abort = st_abort,
        .read = st_read,
        .remove = st_remove,
    };
}
