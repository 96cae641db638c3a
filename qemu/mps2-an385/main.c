/*
 * Demo firmware for QEMU's mps2-an385: boot, DHCP, TLS 1.3 to the CA (the
 * host's Pebble through the slirp gateway), GET /dir twice on the one
 * connection (as the engine reuses it), print each status line and body
 * length, then the measurements (TLS records, pool peaks, stack), and exit
 * through semihosting with 0 (1 on any failure).
 *
 * Configuration: the semihosting arguments
 * (-semihosting-config ...,arg=firmware,arg=HOST,arg=PORT,arg=PATH,arg=PAD):
 * the server's HOST (default 10.0.2.2; an IPv4 address, a name resolved
 * with lwIP's DNS resolver through the DHCP-given server, or NAME=ADDRESS
 * to resolve NAME to ADDRESS from lwIP's local host list), PORT (default
 * 14000), the PATH to GET (default /dir) and PAD, a number of bytes of
 * padding header to add to the request (default 0; tests use it to make
 * requests span several TLS records).
 */
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "board.h"
#include "console.h"
#include "lan9118.h"
#include "lwip/dns.h"
#include "nacme_http.h"
#include "nacme_lwip.h"
#include "nacme_sb.h"
#include "net.h"
#include "pool_probe.h"

#define DEFAULT_HOST "10.0.2.2"
#define DEFAULT_PORT 14000u
#define DHCP_TIMEOUT_MS 15000u
#define EXCHANGE_TIMEOUT_MS 20000u
#define STATUS_LINE_MAX 80u
#define MAX_PAD 8000u

/* The trust anchor: the test CA's certificate, generated into the build folder. */
extern const uint8_t fw_trust_anchor[];
extern const size_t fw_trust_anchor_len;

/* wolfSSL's static memory for the buckets of user_settings.h. */
#define FW_TLS_POOL_SIZE NACME_LWIP_TLS_POOL_SIZE(FW_TLS_POOL_BUCKET_BYTES)
/* Records of any size: Go's TLS sends full-size ones for large responses. */
#define FW_TLS_RECORD_SIZE NACME_LWIP_TLS_RECORD_FULL

static struct netif nif;
static nacme_lwip_tls_t tls;
static uint8_t tls_pool[FW_TLS_POOL_SIZE] __attribute__((aligned(16)));
static uint8_t tls_record[FW_TLS_RECORD_SIZE] __attribute__((aligned(16)));
static uint8_t io_buf[1024];
/* The request's head while it is sent. */
static char request[512];
static char http_line[256];
static char status_line[STATUS_LINE_MAX];
static char cmdline[160];

typedef struct {
    char *host;
    uint16_t port;
    const char *path;
    uint32_t pad;
} config_t;

static int fail(const char *what, int err)
{
    console_put_str("error: ");
    console_put_str(what);
    console_put_str(" (");
    console_put_sdec(err);
    console_put_str(")\r\n");
    return BOARD_EXIT_FAIL;
}

static uint32_t parse_u32(const char *s, uint32_t max)
{
    uint32_t v = 0;
    for (; *s >= '0' && *s <= '9' && v <= max; s++) {
        v = v * 10u + (uint32_t)(*s - '0');
    }
    return v <= max ? v : 0u;
}

/* Split the semihosting command line: program HOST PORT PATH PAD. */
static void read_config(config_t *cfg)
{
    static char default_host[] = DEFAULT_HOST;
    cfg->host = default_host;
    cfg->port = DEFAULT_PORT;
    cfg->path = "/dir";
    cfg->pad = 0;
    size_t len = board_cmdline(cmdline, sizeof(cmdline));
    char *args[5] = {NULL, NULL, NULL, NULL, NULL};
    unsigned n = 0;
    for (size_t i = 0; i < len && n < 5u; i++) {
        if (cmdline[i] == ' ') {
            cmdline[i] = '\0';
        } else if (i == 0 || cmdline[i - 1] == '\0') {
            args[n++] = &cmdline[i];
        }
    }
    if (args[1] != NULL) {
        cfg->host = args[1];
    }
    if (args[2] != NULL && parse_u32(args[2], 65535u) != 0u) {
        cfg->port = (uint16_t)parse_u32(args[2], 65535u);
    }
    if (args[3] != NULL && args[3][0] == '/') {
        cfg->path = args[3];
    }
    if (args[4] != NULL) {
        cfg->pad = parse_u32(args[4], MAX_PAD);
    }
}

/* Run the network until progress, sleeping when nothing happened. */
static void service(void)
{
    net_poll(&nif);
    if (!nacme_lwip_tls_progress(&tls)) {
        board_idle();
        net_poll(&nif);
    }
}

static void print_ip(const ip4_addr_t *a)
{
    uint32_t v = lwip_ntohl(ip4_addr_get_u32(a));
    for (int shift = 24; shift >= 0; shift -= 8) {
        console_put_dec((v >> shift) & 0xFFu);
        if (shift > 0) {
            console_put_char('.');
        }
    }
}

static int send_all(const nacme_transport_t *tr, const uint8_t *data, size_t len)
{
    uint32_t t0 = board_ms();
    size_t off = 0;
    while (off < len) {
        int32_t n = tr->send(tr->ctx, data + off, len - off);
        if (n < 0) {
            return (int)n;
        }
        off += (size_t)n;
        if (n == 0) {
            if (board_ms() - t0 > EXCHANGE_TIMEOUT_MS) {
                return NACME_ERR_TIMEOUT;
            }
            service();
        }
    }
    return NACME_OK;
}

/* Receive one HTTP response: keep the status line, count the body. */
static int read_response(const nacme_transport_t *tr, nacme_http_parser_t *p, uint32_t *body)
{
    uint32_t t0 = board_ms();
    size_t status_len = 0;
    bool status_done = false;
    *body = 0;
    for (;;) {
        int32_t n = tr->recv(tr->ctx, io_buf, sizeof(io_buf));
        nacme_http_event_t ev;
        if (n == NACME_ERR_IO_CLOSED) {
            int rc = nacme_http_parse_eof(p, &ev);
            return rc < 0 ? rc : NACME_OK;
        }
        if (n < 0) {
            return (int)n;
        }
        if (n == 0) {
            if (board_ms() - t0 > EXCHANGE_TIMEOUT_MS) {
                return NACME_ERR_TIMEOUT;
            }
            service();
            continue;
        }
        for (int32_t i = 0; i < n && !status_done; i++) {
            char c = (char)io_buf[i];
            if (c == '\r' || c == '\n') {
                status_done = true;
            } else if (status_len + 1u < sizeof(status_line)) {
                status_line[status_len++] = c;
                status_line[status_len] = '\0';
            }
        }
        /* Parse until the input is used up (NEED_MORE); DONE may follow the last body span. */
        size_t off = 0;
        for (;;) {
            size_t used = 0;
            int rc = nacme_http_parse(p, io_buf + off, (size_t)n - off, &used, &ev);
            if (rc < 0) {
                return rc;
            }
            off += used;
            if (ev.type == NACME_HTTP_BODY) {
                *body += (uint32_t)ev.len;
            } else if (ev.type == NACME_HTTP_DONE) {
                return NACME_OK;
            } else if (ev.type == NACME_HTTP_NEED_MORE) {
                break;
            }
        }
    }
}

static void report(void)
{
    console_put_str("report:\r\n");
    nacme_lwip_tls_stats_t st;
    nacme_lwip_tls_get_stats(&tls, &st);
    console_put_str("tls: connect ");
    console_put_dec(st.connect_ms);
    console_put_str(" ms, handshake ");
    console_put_dec(st.handshake_ms);
    console_put_str(" ms, ");
    console_put_dec(st.records_in);
    console_put_str(" records in, largest ");
    console_put_dec(st.record_max);
    console_put_str(" bytes, ");
    console_put_dec(st.bytes_in);
    console_put_str(" bytes in, ");
    console_put_dec(st.bytes_out);
    console_put_str(" bytes out");
    if (st.tls_error != 0) {
        console_put_str(", wolfSSL error ");
        console_put_sdec(st.tls_error);
    }
    console_put_str("\r\n");
    lan9118_stats_t ls;
    lan9118_get_stats(&ls);
    console_put_str("eth: rx ");
    console_put_dec(ls.rx_frames);
    console_put_str(" (dropped ");
    console_put_dec(ls.rx_dropped);
    console_put_str("), tx ");
    console_put_dec(ls.tx_frames);
    console_put_str(" (errors ");
    console_put_dec(ls.tx_errors);
    console_put_str(")\r\n");
    pool_probe_report();
    console_put_str("memory: tls pool ");
    console_put_dec((uint32_t)sizeof(tls_pool));
    console_put_str(" + record buffer ");
    console_put_dec((uint32_t)sizeof(tls_record));
    console_put_str(" bytes, stack peak ");
    console_put_dec((uint32_t)board_stack_peak());
    console_put_str(" of ");
    console_put_dec((uint32_t)board_stack_size());
    console_put_str(" bytes\r\n");
}

/* Send the request for cfg->path: its head, then the optional padding header, streamed. */
static int send_request(const nacme_transport_t *tr, const config_t *cfg)
{
    nacme_sb_t sb;
    nacme_sb_init(&sb, request, sizeof(request));
    const nacme_http_request_t req = {
        .method = "GET",
        .host = cfg->host,
        .port = cfg->port,
        .path = cfg->path,
        .accept = "application/json",
    };
    int rc = nacme_http_write_request(&sb, &req);
    if (rc == NACME_OK) {
        rc = nacme_sb_status(&sb);
    }
    if (rc != NACME_OK) {
        return rc;
    }
    console_put_str("http: GET ");
    console_put_str(cfg->path);
    console_put_str(", request ");
    console_put_dec((uint32_t)sb.len + (cfg->pad > 0u ? cfg->pad + 9u : 0u));
    console_put_str(" bytes\r\n");
    if (cfg->pad == 0u) {
        return send_all(tr, (const uint8_t *)request, sb.len);
    }
    /* One more header before the blank line: "X-Pad: xxx...". */
    rc = send_all(tr, (const uint8_t *)request, sb.len - 2u);
    if (rc == NACME_OK) {
        rc = send_all(tr, (const uint8_t *)"X-Pad: ", 7u);
    }
    memset(io_buf, 'x', sizeof(io_buf));
    for (uint32_t left = cfg->pad; rc == NACME_OK && left > 0u;) {
        uint32_t n = left < sizeof(io_buf) ? left : (uint32_t)sizeof(io_buf);
        rc = send_all(tr, io_buf, n);
        left -= n;
    }
    if (rc == NACME_OK) {
        rc = send_all(tr, (const uint8_t *)"\r\n\r\n", 4u);
    }
    return rc;
}

/* One request and its response; prints the status line and the body length. */
static int exchange(const nacme_transport_t *tr, const config_t *cfg, bool *keep_alive)
{
    int rc = send_request(tr, cfg);
    if (rc != NACME_OK) {
        return fail("send", rc);
    }
    nacme_http_parser_t parser;
    nacme_http_parser_init(&parser, false, http_line, sizeof(http_line));
    uint32_t body = 0;
    rc = read_response(tr, &parser, &body);
    if (rc != NACME_OK) {
        report();
        return fail("response", rc);
    }
    console_put_str("http: ");
    console_put_str(status_line);
    console_put_str("\r\nhttp: status ");
    console_put_dec(parser.status);
    console_put_str(", body ");
    console_put_dec(body);
    console_put_str(" bytes\r\n");
    if (parser.status != 200u || body == 0u) {
        return fail("unexpected response", parser.status);
    }
    *keep_alive = parser.keep_alive;
    return BOARD_EXIT_OK;
}

static int bring_up_network(void)
{
    if (!net_init(&nif)) {
        return fail("no network interface", 0);
    }
    uint32_t t0 = board_ms();
    while (!net_ready(&nif)) {
        if (board_ms() - t0 > DHCP_TIMEOUT_MS) {
            return fail("no DHCP lease", NACME_ERR_TIMEOUT);
        }
        net_poll(&nif);
        board_idle();
    }
    console_put_str("dhcp: ");
    print_ip(netif_ip4_addr(&nif));
    console_put_str(" gateway ");
    print_ip(netif_ip4_gw(&nif));
    console_put_str(" after ");
    console_put_dec(board_ms() - t0);
    console_put_str(" ms\r\n");
    return BOARD_EXIT_OK;
}

static int connect_server(const nacme_transport_t *tr, config_t *cfg)
{
    /* NAME=ADDRESS: a local host entry, then connect by NAME. */
    char *eq = strchr(cfg->host, '=');
    if (eq != NULL) {
        ip_addr_t addr;
        *eq = '\0';
        if (!ipaddr_aton(eq + 1, &addr) || dns_local_addhost(cfg->host, &addr) != ERR_OK) {
            return fail("bad NAME=ADDRESS host", NACME_ERR_ARG);
        }
    }
    console_put_str("tls: connecting to ");
    console_put_str(cfg->host);
    console_put_char(':');
    console_put_dec(cfg->port);
    console_put_str("\r\n");
    int rc;
    do {
        rc = tr->connect(tr->ctx, cfg->host, cfg->port);
        if (rc == NACME_PENDING) {
            service();
        }
    } while (rc == NACME_PENDING);
    if (rc != NACME_OK) {
        report();
        return fail("TLS connect", rc);
    }
    console_put_str("tls: established\r\n");
    return BOARD_EXIT_OK;
}

int main(void)
{
    board_init();
    console_put_str("\r\nnanoacme firmware demo (mps2-an385)\r\n");
    config_t cfg;
    read_config(&cfg);
    int rc = bring_up_network();
    if (rc != BOARD_EXIT_OK) {
        return rc;
    }

    const nacme_lwip_cert_t anchor = {fw_trust_anchor, fw_trust_anchor_len};
    const nacme_lwip_tls_config_t tcfg = {
        .pool = tls_pool,
        .pool_size = sizeof(tls_pool),
        .record_buf = tls_record,
        .record_buf_size = sizeof(tls_record),
        .anchors = &anchor,
        .anchor_count = 1,
        .connect_timeout_ms = 0,
        .now_ms = board_ms,
    };
    if (wolfSSL_MemoryPaddingSz() != 16) {
        return fail("wolfSSL's bucket header is not 16 bytes: the pool size is wrong", 0);
    }
    rc = nacme_lwip_tls_init(&tls, &tcfg);
    if (rc != NACME_OK) {
        pool_probe_report();
        return fail("TLS setup", rc);
    }
    nacme_transport_t tr;
    nacme_lwip_tls_transport(&tls, &tr);
    rc = connect_server(&tr, &cfg);
    if (rc != BOARD_EXIT_OK) {
        return rc;
    }

    /* Twice on the one connection, as the engine keeps it while the server allows. */
    bool keep_alive = true;
    for (unsigned round = 0; round < 2u && keep_alive; round++) {
        rc = exchange(&tr, &cfg, &keep_alive);
        if (rc != BOARD_EXIT_OK) {
            return rc;
        }
    }
    tr.close(tr.ctx);
    report();
    if (pool_probe_failures() != 0u) {
        return fail("the TLS pool ran out", (int)pool_probe_failures());
    }
    console_put_str("result: ok\r\n");
    return BOARD_EXIT_OK;
}
