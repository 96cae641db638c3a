/* The entropy port on Linux: getrandom(), never blocking (see nacme_linux.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <unistd.h>

#include "linux_internal.h"

/* Kernels without getrandom() (before 3.17): /dev/urandom. */
static int fill_urandom(uint8_t *buf, size_t len)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NACME_ERR_ENTROPY;
    size_t got = 0;
    int rc = nacme_linux_fs_pread(fd, buf, len, 0, &got);
    (void)close(fd);
    return rc == NACME_OK && got == len ? NACME_OK : NACME_ERR_ENTROPY;
}

static int fill(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    if (buf == NULL && len > 0) return NACME_ERR_ARG;
    size_t done = 0;
    /* bounded: each round gets at least one byte, EINTR rounds are capped */
    for (unsigned intr = 0; done < len && intr < 1000u;) {
        ssize_t n = getrandom(buf + done, len - done, GRND_NONBLOCK);
        if (n > 0) {
            done += (size_t)n; /* short reads above 256 bytes or on a signal */
            continue;
        }
        if (n == 0) return NACME_ERR_ENTROPY;
        if (errno == EINTR) {
            intr++;
            continue;
        }
        if (errno == EAGAIN) return NACME_PENDING; /* pool not initialized yet (early boot) */
        if (errno == ENOSYS) return fill_urandom(buf + done, len - done);
        return NACME_ERR_ENTROPY;
    }
    return done == len ? NACME_OK : NACME_ERR_ENTROPY;
}

void nacme_linux_entropy_port(nacme_entropy_t *out)
{
    if (out == NULL) return;
    *out = (nacme_entropy_t){.ctx = NULL, .fill = fill};
}
