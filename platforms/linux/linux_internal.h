/*
 * Private helpers shared by the Linux platform's files (not installed).
 * Every function returns NACME_OK or a negative nacme_err_t.
 */
#ifndef NACME_LINUX_INTERNAL_H
#define NACME_LINUX_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "nacme_linux.h"

/* A path buffer: DIR (NACME_LINUX_DIR_MAX) plus a few components of NAME_MAX. */
#define NACME_LINUX_PATH_CAP 4096u

/* snprintf into out; NACME_ERR_TOO_LARGE when it does not fit. */
int nacme_linux_fs_path(char *out, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Create directory path with mode 0700 unless it exists (as a directory);
 * when created, fsync its parent. NACME_ERR_STORAGE on failure (or when
 * path exists and is not a directory).
 */
int nacme_linux_fs_mkdir(const char *path);

/* fsync a directory (so renames and unlinks inside it are durable). */
int nacme_linux_fs_sync_dir(const char *path);

/* write all of buf to fd, retrying on EINTR and short writes. */
int nacme_linux_fs_write_all(int fd, const void *buf, size_t len);

/* read up to len bytes at offset (EINTR retried, short reads continued); *got = bytes read. */
int nacme_linux_fs_pread(int fd, void *buf, size_t len, uint64_t offset, size_t *got);

/*
 * Create dir/name exclusively with mode, write the parts (data[i], len[i]
 * for i < n), fsync and close it. NACME_ERR_STORAGE on any failure (the
 * partial file is removed).
 */
int nacme_linux_fs_write_file(const char *dir, const char *name, mode_t mode, const uint8_t *const *data,
                              const size_t *len, size_t n);

/*
 * Delete the regular files directly inside path (at most 1024 entries),
 * then path itself. NACME_ERR_STORAGE when something remains.
 * ENOENT for path is success.
 */
int nacme_linux_fs_remove_dir(const char *path);

/*
 * The certificate install (cert_install.c): split the CERT object and swap
 * a complete new certs_dir/name in place (see nacme_linux.h).
 */
int nacme_linux_cert_install(const char *certs_dir, const char *name, const uint8_t *data, size_t len,
                             bool no_exchange);

/*
 * Repair after a crash: when certs_dir/name is missing but a
 * .name.old-PID left by an interrupted two-rename swap exists, rename it
 * back. With cleanup, also delete leftover .name.new-* / .name.old-*
 * directories. NACME_OK when there was nothing to do.
 */
int nacme_linux_cert_recover(const char *certs_dir, const char *name, bool cleanup);

#endif
