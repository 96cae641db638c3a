/* nacme_linux_port_init(): the Linux parts wired into one nacme_port_t. */
#include <string.h>

#include "nacme_linux.h"

/* The challenge port of a build that publishes nothing (account operations). */
static int no_publish(void *ctx, const nacme_challenge_t *ch)
{
    (void)ctx;
    (void)ch;
    return NACME_ERR_CHALLENGE;
}

static int no_unpublish(void *ctx, const nacme_challenge_t *ch)
{
    (void)ctx;
    (void)ch;
    return NACME_OK;
}

int nacme_linux_port_init(nacme_port_t *port, nacme_linux_tls_t *tls, nacme_linux_storage_t *storage,
                          nacme_linux_log_t *log, const nacme_crypto_t *crypto,
                          const nacme_challenge_port_t *challenge, nacme_wait_fn *wait)
{
    if (port == NULL || tls == NULL || storage == NULL || crypto == NULL) return NACME_ERR_ARG;
    memset(port, 0, sizeof *port);
    nacme_linux_tls_port(tls, &port->transport);
    nacme_linux_entropy_port(&port->entropy);
    nacme_linux_clock_port(&port->clock);
    nacme_linux_storage_port(storage, &port->storage);
    port->crypto = *crypto;
    if (challenge != NULL) {
        port->challenge = *challenge;
    } else {
        port->challenge = (nacme_challenge_port_t){
            .ctx = NULL, .supported = 0, .publish = no_publish, .settle = NULL, .unpublish = no_unpublish};
    }
    if (log != NULL) nacme_linux_log_port(log, &port->log);
    tls->log = port->log;
    if (wait != NULL) *wait = nacme_linux_loop_wait;
    return NACME_OK;
}
