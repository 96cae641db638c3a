/* Timing wrappers around the port (see cost.h). */
#include "cost.h"

#include "board.h"
#include "console.h"

static cost_t acc;
static nacme_crypto_t crypto;       /* the wrapped functions */
static nacme_transport_t transport;

static int timed_sign(void *ctx, nacme_key_t key, const uint8_t digest[32], uint8_t rs[64])
{
    uint64_t t0 = board_us();
    int rc = crypto.sign_digest(ctx, key, digest, rs);
    acc.sign_us += board_us() - t0;
    acc.signs++;
    return rc;
}

static int timed_keygen(void *ctx, nacme_key_t *key)
{
    uint64_t t0 = board_us();
    int rc = crypto.key_generate(ctx, key);
    acc.keygen_us += board_us() - t0;
    acc.keygens++;
    return rc;
}

static int timed_connect(void *ctx, const char *host, uint16_t port)
{
    uint64_t t0 = board_us();
    int rc = transport.connect(ctx, host, port);
    acc.connect_us += board_us() - t0;
    if (rc == NACME_OK) acc.handshakes++;
    return rc;
}

static int32_t timed_send(void *ctx, const uint8_t *buf, size_t len)
{
    uint64_t t0 = board_us();
    int32_t n = transport.send(ctx, buf, len);
    acc.io_us += board_us() - t0;
    return n;
}

static int32_t timed_recv(void *ctx, uint8_t *buf, size_t len)
{
    uint64_t t0 = board_us();
    int32_t n = transport.recv(ctx, buf, len);
    acc.io_us += board_us() - t0;
    return n;
}

void cost_wrap(nacme_port_t *port)
{
    crypto = port->crypto;
    transport = port->transport;
    port->crypto.sign_digest = timed_sign;
    port->crypto.key_generate = timed_keygen;
    port->transport.connect = timed_connect;
    port->transport.send = timed_send;
    port->transport.recv = timed_recv;
}

void cost_add_step(uint64_t us)
{
    acc.step_us += us;
    acc.steps++;
}

void cost_take(cost_t *out)
{
    *out = acc;
    acc = (cost_t){0};
}

static void put_ms(uint64_t us)
{
    console_put_dec((uint32_t)(us / 1000u));
    console_put_char('.');
    uint32_t frac = (uint32_t)(us % 1000u);
    console_put_char((char)('0' + frac / 100u));
    console_put_char((char)('0' + frac / 10u % 10u));
    console_put_char((char)('0' + frac % 10u));
    console_put_str(" ms");
}

void cost_print(const char *label, const cost_t *c)
{
    console_put_str("cost: ");
    console_put_str(label);
    console_put_str(": steps ");
    put_ms(c->step_us);
    console_put_str(" in ");
    console_put_dec(c->steps);
    console_put_str(" calls; signing ");
    put_ms(c->sign_us);
    console_put_str(" for ");
    console_put_dec(c->signs);
    console_put_str(" signatures; key generation ");
    put_ms(c->keygen_us);
    console_put_str(" for ");
    console_put_dec(c->keygens);
    console_put_str("; TLS connect ");
    put_ms(c->connect_us);
    console_put_str(" for ");
    console_put_dec(c->handshakes);
    console_put_str(" handshakes; TLS send/recv ");
    put_ms(c->io_us);
    console_put_str("\r\n");
}
