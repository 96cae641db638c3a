/*
 * A deterministic entropy port for tests: a reproducible byte stream from a
 * 64-bit seed, optionally preceded by scripted bytes, with injectable
 * failures (an error or NACME_PENDING for the next N calls).
 *
 * The stream is byte i = byte (i mod 8) (big-endian) of
 * splitmix64(seed + (i / 8 + 1) * 0x9e3779b97f4a7c15), so it does not depend
 * on how the bytes are requested, and is the same on every architecture.
 * Not random: for tests only.
 *
 *   fake_entropy_t fe;
 *   fake_entropy_init(&fe, 42);
 *   nacme_entropy_t port = fake_entropy_port(&fe);
 */
#ifndef NACME_FAKE_ENTROPY_H
#define NACME_FAKE_ENTROPY_H

#include <stddef.h>
#include <stdint.h>

#include "nacme_port.h"

/* fail count meaning "every call from now on" */
#define FAKE_ENTROPY_FOREVER 0xffffffffu

typedef struct fake_entropy {
    uint64_t seed;
    uint64_t pos;          /* stream bytes served so far */
    const uint8_t *script; /* served before the stream; the caller keeps it alive */
    size_t script_len;
    size_t script_pos;
    int fail_rc;           /* answer while fail_count > 0 */
    uint32_t fail_count;
    uint32_t calls;        /* fill() calls so far, failed ones included */
    size_t bytes;          /* bytes handed out so far */
} fake_entropy_t;

/* fake_entropy_init() - a fresh source for seed: no script, no failures, counters 0. */
void fake_entropy_init(fake_entropy_t *fe, uint64_t seed);

/* fake_entropy_script() - serve bytes[0..len) before the stream (replaces an unfinished script). */
void fake_entropy_script(fake_entropy_t *fe, const uint8_t *bytes, size_t len);

/*
 * fake_entropy_fail() - the next count fill() calls answer rc (e.g.
 * NACME_ERR_ENTROPY or NACME_PENDING) and hand out nothing; count
 * FAKE_ENTROPY_FOREVER makes every call fail, 0 stops failing.
 */
void fake_entropy_fail(fake_entropy_t *fe, int rc, uint32_t count);

/* fake_entropy_port() - the nacme_entropy_t that draws from fe. */
nacme_entropy_t fake_entropy_port(fake_entropy_t *fe);

/* fake_entropy_stream_byte() - byte i of seed's stream (what fill() serves after any script). */
uint8_t fake_entropy_stream_byte(uint64_t seed, uint64_t i);

#endif /* NACME_FAKE_ENTROPY_H */
