/*
 * Cost measurement of the firmware: wrappers around the port's signing,
 * key generation and transport calls that add up the time spent inside
 * them (board_us()), and the time inside nacme_step(). Run under QEMU with
 * -icount, the figures are emulated CPU time (the instruction count at
 * about 31 MIPS with shift=5); without it they are host-dependent.
 */
#ifndef FW_COST_H
#define FW_COST_H

#include <stdint.h>

#include "nacme_port.h"

typedef struct cost {
    uint64_t step_us;     /* inside nacme_step(): everything the engine does, port calls included */
    uint64_t sign_us;     /* ECDSA signatures (JWS, CSR) */
    uint64_t keygen_us;   /* key generation (scalar draw, public point) */
    uint64_t connect_us;  /* transport connect(): TCP and the TLS handshake */
    uint64_t io_us;       /* transport send() and recv(): TLS record encryption and decryption */
    uint32_t steps;
    uint32_t signs;
    uint32_t keygens;
    uint32_t handshakes;  /* connect() calls that completed */
} cost_t;

/* cost_wrap() - route port's sign_digest, key_generate and transport calls through the timers. */
void cost_wrap(nacme_port_t *port);

/* cost_add_step() - account one nacme_step() call of us microseconds. */
void cost_add_step(uint64_t us);

/* cost_take() - the counters since the last take (then zeroed). */
void cost_take(cost_t *out);

/* cost_print() - one "cost: LABEL ..." line with the counters. */
void cost_print(const char *label, const cost_t *c);

#endif /* FW_COST_H */
