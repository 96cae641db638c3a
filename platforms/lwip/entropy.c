/*
 * The entropy port: wolfCrypt's Hash-DRBG seeded through the board's hook
 * (see nacme_lwip.h; NOT secure on the QEMU demo board, whose hook mixes
 * guessable values).
 */
#include "nacme_lwip.h"

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/random.h>

static int fill(void *ctx, uint8_t *buf, size_t len)
{
    nacme_lwip_entropy_t *e = ctx;
    if (e == NULL || e->rng == NULL || (buf == NULL && len > 0)) return NACME_ERR_ARG;
    /* the DRBG gives at most RNG_MAX_BLOCK_LEN bytes per request */
    while (len > 0) {
        word32 n = len > (size_t)RNG_MAX_BLOCK_LEN ? (word32)RNG_MAX_BLOCK_LEN : (word32)len;
        if (wc_RNG_GenerateBlock(e->rng, buf, n) != 0) return NACME_ERR_ENTROPY;
        buf += n;
        len -= n;
    }
    return NACME_OK;
}

int nacme_lwip_entropy_init(nacme_lwip_entropy_t *e, void *heap)
{
    if (e == NULL || heap == NULL) return NACME_ERR_ARG;
    e->heap = heap;
    /* wc_rng_new() seeds from CUSTOM_RAND_GENERATE_SEED: the board's hook */
    e->rng = wc_rng_new(NULL, 0, heap);
    return e->rng != NULL ? NACME_OK : NACME_ERR_ENTROPY;
}

void nacme_lwip_entropy_port(nacme_lwip_entropy_t *e, nacme_entropy_t *out)
{
    if (out == NULL) return;
    *out = (nacme_entropy_t){.ctx = e, .fill = fill};
}

void nacme_lwip_entropy_free(nacme_lwip_entropy_t *e)
{
    if (e == NULL || e->rng == NULL) return;
    wc_rng_free(e->rng); /* wipes the DRBG state */
    e->rng = NULL;
}
