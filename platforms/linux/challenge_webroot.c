/*
 * http-01 through another web server: the key authorization as a file in
 * its document root (see nacme_linux_challenge.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "challenge_internal.h"

#define WELL_KNOWN "/.well-known"
#define ACME_DIR WELL_KNOWN "/acme-challenge"

static int fail(const nacme_linux_webroot_t *w, const char *what, const char *path, int err)
{
    nacme_linux_log(&w->log, NACME_LOG_LEVEL_ERROR, "http-01 webroot: cannot %s %s: %s", what, path, strerror(err));
    return NACME_ERR_CHALLENGE;
}

/* Create dir (0755, whatever the umask) unless it exists as a directory; *made tells it was created. */
static int make_dir(const nacme_linux_webroot_t *w, const char *dir, bool *made)
{
    if (mkdir(dir, 0755) == 0) {
        *made = true;
        (void)chmod(dir, 0755);
        return NACME_OK;
    }
    int err = errno;
    struct stat st;
    if (err == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return NACME_OK;
    return fail(w, "create directory", dir, err == EEXIST ? ENOTDIR : err);
}

static bool paths(const nacme_linux_webroot_t *w, const char *token, char *dir, char *file, char *tmp)
{
    int a = snprintf(dir, PATH_MAX, "%s" ACME_DIR, w->dir);
    int b = snprintf(file, PATH_MAX, "%s/%s", dir, token);
    int c = tmp ? snprintf(tmp, PATH_MAX, "%s/.%s.%ld.tmp", dir, token, (long)getpid()) : 0;
    return a > 0 && a < PATH_MAX && b > 0 && b < PATH_MAX && c >= 0 && c < PATH_MAX;
}

/* Write data to a new file tmp (mode 0644) and rename it to file. */
static int write_file(const nacme_linux_webroot_t *w, const char *tmp, const char *file, const char *data)
{
    (void)unlink(tmp); /* left by a crashed run of this process id */
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) return fail(w, "create", tmp, errno);
    size_t len = strlen(data);
    size_t done = 0;
    int err = 0;
    if (fchmod(fd, 0644) != 0) err = errno;
    /* bounded: every round writes at least one byte or stops */
    while (err == 0 && done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            err = n < 0 ? errno : EIO;
            break;
        }
        done += (size_t)n;
    }
    if (close(fd) != 0 && err == 0) err = errno;
    if (err == 0 && rename(tmp, file) != 0) err = errno;
    if (err != 0) {
        (void)unlink(tmp);
        return fail(w, "write", file, err);
    }
    return NACME_OK;
}

int nacme_linux_webroot_init(nacme_linux_webroot_t *w, const nacme_linux_challenge_cfg_t *cfg)
{
    if (w == NULL || cfg == NULL || cfg->webroot == NULL || cfg->webroot[0] == '\0') return NACME_ERR_ARG;
    memset(w, 0, sizeof *w);
    w->log = cfg->log;
    w->dir = cfg->webroot;
    return NACME_OK;
}

int nacme_linux_webroot_publish(nacme_linux_webroot_t *w, const nacme_challenge_t *ch)
{
    if (w == NULL || ch == NULL || w->dir == NULL) return NACME_ERR_ARG;
    if (!nacme_linux_key_auth_ok(ch->token, ch->key_authorization)) {
        nacme_linux_log(&w->log, NACME_LOG_LEVEL_ERROR, "http-01 webroot: token or key authorization malformed");
        return NACME_ERR_CHALLENGE;
    }
    char dir[PATH_MAX];
    char file[PATH_MAX];
    char tmp[PATH_MAX];
    char well_known[PATH_MAX];
    int n = snprintf(well_known, sizeof well_known, "%s" WELL_KNOWN, w->dir);
    if (n < 0 || (size_t)n >= sizeof well_known || !paths(w, ch->token, dir, file, tmp)) {
        nacme_linux_log(&w->log, NACME_LOG_LEVEL_ERROR, "http-01 webroot: path too long under %s", w->dir);
        return NACME_ERR_CHALLENGE;
    }
    struct stat st;
    if (stat(w->dir, &st) != 0) return fail(w, "use webroot", w->dir, errno);
    if (!S_ISDIR(st.st_mode)) return fail(w, "use webroot", w->dir, ENOTDIR);
    int rc = make_dir(w, well_known, &w->made_well_known);
    if (rc == NACME_OK) rc = make_dir(w, dir, &w->made_acme);
    if (rc == NACME_OK) rc = write_file(w, tmp, file, ch->key_authorization);
    return rc;
}

int nacme_linux_webroot_unpublish(nacme_linux_webroot_t *w, const nacme_challenge_t *ch)
{
    if (w == NULL || ch == NULL || w->dir == NULL) return NACME_ERR_ARG;
    if (!nacme_linux_token_ok(ch->token)) return NACME_ERR_CHALLENGE;
    char dir[PATH_MAX];
    char file[PATH_MAX];
    if (!paths(w, ch->token, dir, file, NULL)) return NACME_ERR_CHALLENGE;
    if (unlink(file) != 0 && errno != ENOENT) return fail(w, "remove", file, errno);
    /* the directories we made go when empty (rmdir refuses otherwise) */
    if (w->made_acme && rmdir(dir) == 0) w->made_acme = false;
    if (w->made_well_known && !w->made_acme) {
        char well_known[PATH_MAX];
        snprintf(well_known, sizeof well_known, "%s" WELL_KNOWN, w->dir);
        if (rmdir(well_known) == 0) w->made_well_known = false;
    }
    return NACME_OK;
}
