/* Deterministic entropy port for tests (see fake_entropy.h). */
#include "fake_entropy.h"

#include <string.h>

static uint64_t splitmix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

uint8_t fake_entropy_stream_byte(uint64_t seed, uint64_t i)
{
    uint64_t block = splitmix64(seed + (i / 8u + 1u) * 0x9e3779b97f4a7c15u);
    return (uint8_t)(block >> (8u * (7u - (unsigned)(i % 8u))));
}

static int fill(void *ctx, uint8_t *buf, size_t len)
{
    fake_entropy_t *fe = ctx;
    fe->calls++;
    if (fe->fail_count > 0) {
        if (fe->fail_count != FAKE_ENTROPY_FOREVER) fe->fail_count--;
        return fe->fail_rc;
    }
    for (size_t i = 0; i < len; i++) {
        if (fe->script_pos < fe->script_len) {
            buf[i] = fe->script[fe->script_pos++];
        } else {
            buf[i] = fake_entropy_stream_byte(fe->seed, fe->pos++);
        }
    }
    fe->bytes += len;
    return NACME_OK;
}

void fake_entropy_init(fake_entropy_t *fe, uint64_t seed)
{
    memset(fe, 0, sizeof *fe);
    fe->seed = seed;
}

void fake_entropy_script(fake_entropy_t *fe, const uint8_t *bytes, size_t len)
{
    /* a new script replaces what is left of the old one */
    fe->script = bytes;
    fe->script_len = len;
    fe->script_pos = 0;
}

void fake_entropy_fail(fake_entropy_t *fe, int rc, uint32_t count)
{
    fe->fail_rc = rc;
    fe->fail_count = count;
}

nacme_entropy_t fake_entropy_port(fake_entropy_t *fe)
{
    nacme_entropy_t port = {fe, fill};
    return port;
}
