/* The blocking loop over nacme_step(). */
#include "nacme_run.h"

/* A safety bound: far more steps than any operation within its deadline takes. */
#define MAX_STEPS 1000000u

int nacme_run(nacme_t *c, nacme_wait_fn wait, void *ctx)
{
    for (unsigned long i = 0; i < MAX_STEPS; i++) {
        nacme_wait_t w;
        int rc = nacme_step(c, &w);
        if (rc == NACME_STEP_DONE) return NACME_OK;
        if (rc < 0) return rc;
        if (wait(ctx, &w) != NACME_OK) nacme_cancel(c);
    }
    nacme_cancel(c);
    return NACME_ERR_TIMEOUT;
}
