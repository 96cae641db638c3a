/*
 * A blocking convenience loop over nacme_step(), for callers that may block
 * (a Linux process, an RTOS task). The platform supplies how to wait.
 */
#ifndef NACME_RUN_H
#define NACME_RUN_H

#include "nanoacme.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Wait until w->handle is ready for w->events (when events != 0) or until
 * the monotonic time w->until_ms, whichever comes first. Return NACME_OK,
 * or a negative error to abandon the operation (it is then cancelled, so
 * published challenge material is removed).
 */
typedef int (*nacme_wait_fn)(void *ctx, const nacme_wait_t *w);

/*
 * nacme_run() - drive the operation started on c to its end, calling wait()
 * whenever nacme_step() asks to wait. Return NACME_OK when it finished, or
 * its error.
 */
int nacme_run(nacme_t *c, nacme_wait_fn wait, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* NACME_RUN_H */
