/* The state directory lock: flock() on DIR/.lock. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "linux_internal.h"

int nacme_linux_lock(const char *dir, int *fd)
{
    if (dir == NULL || fd == NULL || dir[0] == '\0') return NACME_ERR_ARG;
    *fd = -1;
    if (strlen(dir) > NACME_LINUX_DIR_MAX) return NACME_ERR_TOO_LARGE;
    char path[NACME_LINUX_PATH_CAP];
    int rc = nacme_linux_fs_mkdir(dir);
    if (rc != NACME_OK) return rc;
    if ((rc = nacme_linux_fs_path(path, sizeof path, "%s/.lock", dir)) != NACME_OK) return rc;
    int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0) return NACME_ERR_STORAGE;
    for (unsigned intr = 0; intr < 100u; intr++) {
        if (flock(f, LOCK_EX | LOCK_NB) == 0) {
            *fd = f;
            return NACME_OK;
        }
        if (errno != EINTR) break;
    }
    int err = errno;
    (void)close(f);
    return err == EWOULDBLOCK ? NACME_ERR_LOCKED : NACME_ERR_STORAGE;
}

void nacme_linux_unlock(int fd)
{
    if (fd >= 0) (void)close(fd); /* closing the last descriptor releases the flock */
}
