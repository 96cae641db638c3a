/*
 * nanoacme firmware for QEMU's mps2-an385: boot, DHCP, obtain a certificate
 * from the CA with the real engine (http-01 answered by its own lwIP
 * listener), store it in the flash region, print it, then keep checking for
 * renewal (nacme_start_renew()) until the engine decides the certificate is
 * due and replaces it; print the second one and exit through semihosting
 * with 0 (1 on any failure, with the reason on the UART).
 *
 * Everything runs in one superloop: lwIP is polled, the engine is stepped
 * when its wait is over or the transport made progress, and the CPU sleeps
 * (WFI) otherwise. Nothing blocks; nacme_run() is not used.
 *
 * Configuration: the semihosting arguments
 * (-semihosting-config enable=on,...,arg=firmware,arg=URL,arg=NAME,arg=OPTION...):
 *   URL       the CA's directory (default https://10.0.2.2:14000/dir)
 *   NAME      the certificate's DNS name (default fw.example.test)
 *   options:  renewals=N  certificates to obtain after the first (default 1; 0: issue only)
 *             check=S     seconds between renewal checks at most (default 10)
 *             limit=S     give up after S seconds (default 600)
 *             notime      no wall clock: the engine takes the time from the CA's Date header
 *             host=N=A    resolve the name N to the IPv4 address A (lwIP's local host list)
 */
#include <string.h>

#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/memory.h>

#include "board.h"
#include "cert_print.h"
#include "console.h"
#include "cost.h"
#include "lan9118.h"
#include "lwip/dns.h"
#include "nacme_lwip.h"
#include "nacme_wolfcrypt.h"
#include "nanoacme.h"
#include "net.h"
#include "pool_probe.h"

#define DEFAULT_URL "https://10.0.2.2:14000/dir"
#define DEFAULT_NAME "fw.example.test"
#define DHCP_TIMEOUT_MS 15000u
#define HTTP01_PORT 80u

/* The trust anchor: the test CA's certificate, generated into the build folder. */
extern const uint8_t fw_trust_anchor[];
extern const size_t fw_trust_anchor_len;

/* The storage region and the end of the image in flash (mps2.ld). */
extern uint8_t __storage_start[];
extern uint8_t __storage_end[];
extern uint8_t __flash_end[];

/* wolfSSL's static memory for the buckets of user_settings.h. */
#define FW_TLS_POOL_SIZE NACME_LWIP_TLS_POOL_SIZE(FW_TLS_POOL_BUCKET_BYTES)
/*
 * The TLS input buffer: one record of up to 4 KB of plaintext. Go's TLS
 * (Pebble's) writes an HTTP response through a 4 KB buffer, so its records
 * stay at 4113 bytes for bodies up to 8 KB (tests/firmware/pebble-records.py),
 * and the engine takes no body over NACME_BUF_SIZE (4 KB). A CA that sends
 * full 16 KB records needs NACME_LWIP_TLS_RECORD_FULL (12 KB more RAM); a
 * larger record fails the connection with NACME_ERR_TLS, never overflows.
 */
#define FW_TLS_RECORD_SIZE (4096u + 256u + 16u)

/* Flash layout: 4 KiB sectors; one sector per slot (the CERT object measured at about 3.2 KB with Pebble). */
#define FLASH_SECTOR 4096u
static const uint8_t slot_sectors[NACME_FLASH_OBJECTS] = {1, 1, 1, 1, 1};

static struct netif nif;
static uint8_t tls_pool[FW_TLS_POOL_SIZE] __attribute__((aligned(16)));
static uint8_t tls_record[FW_TLS_RECORD_SIZE] __attribute__((aligned(16)));
static char cmdline[256];

/*
 * Everything nanoacme keeps: the engine context and each part of the port,
 * in one object (section .bss.fw_nacme) so `make size` can count it.
 */
static struct {
    nacme_t engine;
    nacme_port_t port;
    nacme_wolfcrypt_t crypto;
    nacme_lwip_tls_t tls;
    nacme_lwip_http01_t http01;
    nacme_flash_storage_t storage;
    nacme_flash_ram_t flash;
    nacme_lwip_entropy_t entropy;
    nacme_lwip_clock_t clock;
    nacme_lwip_log_t log;
    nacme_config_t config;
    nacme_identifier_t ids[1];
    nacme_order_req_t order;
} fw_nacme;

typedef struct config {
    const char *url;
    const char *name;
    uint32_t renewals;
    uint32_t check_s;
    uint32_t limit_s;
    bool no_time;
    char *host_entry;
} config_t;

static config_t cfg;
static const nacme_challenge_type_t http_only[] = {NACME_CHALLENGE_HTTP_01};

/* strlen bounded by max (strnlen is POSIX, not C11). */
static size_t bounded_len(const char *s, size_t max)
{
    const char *end = memchr(s, '\0', max);
    return end != NULL ? (size_t)(end - s) : max;
}

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
    return v <= max ? v : max;
}

static bool opt(const char *arg, const char *key, const char **value)
{
    size_t n = strlen(key);
    if (strncmp(arg, key, n) != 0) return false;
    *value = arg + n;
    return true;
}

/* The semihosting command line: program URL NAME OPTION... */
static void read_config(void)
{
    cfg = (config_t){.url = DEFAULT_URL, .name = DEFAULT_NAME, .renewals = 1, .check_s = 10, .limit_s = 600};
    size_t len = board_cmdline(cmdline, sizeof(cmdline));
    char *args[10] = {NULL};
    unsigned n = 0;
    for (size_t i = 0; i < len && n < 10u; i++) {
        if (cmdline[i] == ' ') {
            cmdline[i] = '\0';
        } else if (i == 0 || cmdline[i - 1] == '\0') {
            args[n++] = &cmdline[i];
        }
    }
    if (n > 1u) cfg.url = args[1];
    if (n > 2u) cfg.name = args[2];
    for (unsigned i = 3; i < n; i++) {
        const char *v;
        if (opt(args[i], "renewals=", &v)) cfg.renewals = parse_u32(v, 10);
        else if (opt(args[i], "check=", &v)) cfg.check_s = parse_u32(v, 86400);
        else if (opt(args[i], "limit=", &v)) cfg.limit_s = parse_u32(v, 86400);
        else if (strcmp(args[i], "notime") == 0) cfg.no_time = true;
        else if (opt(args[i], "host=", &v)) cfg.host_entry = args[i] + 5;
    }
    if (cfg.check_s == 0u) cfg.check_s = 1;
}

static void print_ip(const ip4_addr_t *a)
{
    uint32_t v = lwip_ntohl(ip4_addr_get_u32(a));
    for (int shift = 24; shift >= 0; shift -= 8) {
        console_put_dec((v >> shift) & 0xFFu);
        if (shift > 0) console_put_char('.');
    }
}

static int bring_up_network(void)
{
    if (!net_init(&nif)) return fail("no network interface", 0);
    uint32_t t0 = board_ms();
    while (!net_ready(&nif)) {
        if (board_ms() - t0 > DHCP_TIMEOUT_MS) return fail("no DHCP lease", NACME_ERR_TIMEOUT);
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
    if (cfg.host_entry != NULL) {
        /* NAME=ADDRESS: a local host entry, as /etc/hosts would give */
        char *eq = strchr(cfg.host_entry, '=');
        ip_addr_t addr;
        if (eq == NULL) return fail("bad host=NAME=ADDRESS option", NACME_ERR_ARG);
        *eq = '\0';
        if (!ipaddr_aton(eq + 1, &addr) || dns_local_addhost(cfg.host_entry, &addr) != ERR_OK) {
            return fail("bad host=NAME=ADDRESS option", NACME_ERR_ARG);
        }
    }
    return BOARD_EXIT_OK;
}

/* The board's RTC: the host time read at boot by semihosting plus the time since. */
static int board_rtc(int64_t *now)
{
    *now = board_unix_time();
    return NACME_OK;
}

static void on_event(void *ctx, nacme_event_t event, const char *detail)
{
    static const char *const names[] = {"", "account created", "order created", "order resumed",
                                        "challenges answered", "finalized", "certificate installed"};
    (void)ctx;
    console_put_str("event: ");
    console_put_str((unsigned)event < sizeof names / sizeof names[0] ? names[event] : "other");
    if (detail != NULL && detail[0] != '\0') {
        console_put_str(" (");
        console_put_mem(detail, bounded_len(detail, 120));
        console_put_str(")");
    }
    console_put_str(" at ");
    console_put_dec(board_ms());
    console_put_str(" ms\r\n");
}

/* Every part of the port, and the engine. */
static int setup(void)
{
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
    int rc = nacme_lwip_tls_init(&fw_nacme.tls, &tcfg);
    if (rc != NACME_OK) {
        pool_probe_report();
        return fail("TLS setup", rc);
    }
    nacme_lwip_tls_transport(&fw_nacme.tls, &fw_nacme.port.transport);
    /* wolfCrypt has no malloc here: the DRBG and signing draw from the TLS pool */
    void *heap = nacme_lwip_tls_heap(&fw_nacme.tls);
    if ((rc = nacme_lwip_entropy_init(&fw_nacme.entropy, heap)) != NACME_OK) return fail("entropy setup", rc);
    nacme_lwip_entropy_port(&fw_nacme.entropy, &fw_nacme.port.entropy);
    if ((rc = nacme_wolfcrypt_init_ex(&fw_nacme.crypto, &fw_nacme.port.entropy, heap)) != NACME_OK) {
        return fail("crypto setup", rc);
    }
    nacme_wolfcrypt_port(&fw_nacme.crypto, &fw_nacme.port.crypto);
    nacme_flash_t flash;
    uint32_t sectors = (uint32_t)(__storage_end - __storage_start) / FLASH_SECTOR;
    nacme_flash_ram_init(&fw_nacme.flash, __storage_start, FLASH_SECTOR, sectors, &flash);
    /*
     * Stay busy like NOR flash: each erase and program answers "pending" to
     * the call that starts it and to the next poll, so this run goes through
     * the storage's and the engine's non-blocking path as a real part would.
     */
    fw_nacme.flash.busy_polls = 2;
    if ((rc = nacme_flash_storage_init(&fw_nacme.storage, &flash, slot_sectors)) != NACME_OK) {
        return fail("storage setup", rc);
    }
    nacme_flash_storage_port(&fw_nacme.storage, &fw_nacme.port.storage);
    fw_nacme.log = (nacme_lwip_log_t){.put_char = console_put_char, .max_level = NACME_LOG_LEVEL_INFO};
    nacme_lwip_log_port(&fw_nacme.log, &fw_nacme.port.log);
    if ((rc = nacme_lwip_http01_init(&fw_nacme.http01, HTTP01_PORT, &fw_nacme.port.log)) != NACME_OK) {
        return fail("http-01 setup", rc);
    }
    nacme_lwip_http01_port(&fw_nacme.http01, &fw_nacme.port.challenge);
    nacme_lwip_clock_init(&fw_nacme.clock, board_ms64, cfg.no_time ? NULL : board_rtc);
    nacme_lwip_clock_port(&fw_nacme.clock, &fw_nacme.port.clock);
    cost_wrap(&fw_nacme.port);

    fw_nacme.config = (nacme_config_t){
        .directory_url = cfg.url,
        .agree_tos = true,
        .op_timeout_s = 300,
        .io_timeout_ms = 30000,
        .event = on_event,
    };
    fw_nacme.ids[0] = (nacme_identifier_t){.type = NACME_ID_DNS, .value = cfg.name};
    fw_nacme.order = (nacme_order_req_t){.ids = fw_nacme.ids, .n_ids = 1, .challenges = http_only, .n_challenges = 1};
    if ((rc = nacme_init(&fw_nacme.engine, &fw_nacme.port, &fw_nacme.config)) != NACME_OK) return fail("engine setup", rc);
    console_put_str("setup: engine context ");
    console_put_dec((uint32_t)sizeof(fw_nacme.engine));
    console_put_str(" bytes, storage ");
    console_put_dec(sectors);
    console_put_str(" sectors of ");
    console_put_dec(FLASH_SECTOR);
    console_put_str(" bytes, http-01 on port ");
    console_put_dec(HTTP01_PORT);
    console_put_str(cfg.no_time ? ", no wall clock" : "");
    console_put_str("\r\n");
    return BOARD_EXIT_OK;
}

/*
 * Drive the running operation to its end: step the engine when its wait is
 * over (or at once for NACME_STEP_AGAIN without events), or when the
 * transport saw progress while the engine waits for I/O; poll lwIP in
 * between (the http-01 responder answers from its callbacks) and sleep
 * with WFI when there is nothing to do. Returns NACME_STEP_DONE or the
 * operation's error.
 */
static int drive(void)
{
    uint64_t wake = 0;
    bool io_wait = false;
    for (;;) {
        net_poll(&nif);
        uint64_t now = board_ms64();
        bool progress = nacme_lwip_tls_progress(&fw_nacme.tls);
        if (now >= wake || (io_wait && progress)) {
            nacme_wait_t w;
            uint64_t t0 = board_us();
            int rc = nacme_step(&fw_nacme.engine, &w);
            cost_add_step(board_us() - t0);
            if (rc <= 0) return rc;
            io_wait = rc == NACME_STEP_AGAIN && w.events != 0u;
            wake = (rc == NACME_STEP_AGAIN && w.events == 0u) ? now : w.until_ms;
            continue;
        }
        board_idle();
    }
}

/* Keep the network serviced until the monotonic time `until` (ms). */
static void idle_until(uint64_t until)
{
    while (board_ms64() < until) {
        net_poll(&nif);
        board_idle();
    }
}

static void print_problem(void)
{
    const nacme_problem_t *p = nacme_problem(&fw_nacme.engine);
    if (p->status == 0u) return;
    console_put_str("problem: ");
    console_put_dec(p->status);
    console_put_char(' ');
    console_put_str(p->type);
    console_put_char(' ');
    console_put_mem(p->detail, bounded_len(p->detail, sizeof p->detail));
    console_put_str("\r\n");
}

static void report(void)
{
    nacme_lwip_tls_stats_t st;
    nacme_lwip_tls_get_stats(&fw_nacme.tls, &st);
    console_put_str("tls: last connect ");
    console_put_dec(st.connect_ms);
    console_put_str(" ms (handshake ");
    console_put_dec(st.handshake_ms);
    console_put_str(" ms), ");
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
    nacme_lwip_http01_stats_t hs;
    nacme_lwip_http01_get_stats(&fw_nacme.http01, &hs);
    console_put_str("http-01: ");
    console_put_dec(hs.connections);
    console_put_str(" connections, ");
    console_put_dec(hs.served);
    console_put_str(" served, ");
    console_put_dec(hs.not_found);
    console_put_str(" not found, ");
    console_put_dec(hs.rejected);
    console_put_str(" rejected, ");
    console_put_dec(hs.refused);
    console_put_str(" refused, ");
    console_put_dec(hs.timeouts);
    console_put_str(" timed out\r\n");
    nacme_flash_stats_t fs;
    nacme_flash_storage_stats(&fw_nacme.storage, &fs);
    console_put_str("flash: ");
    console_put_dec(fs.commits);
    console_put_str(" commits, ");
    console_put_dec(fs.erases);
    console_put_str(" sector erases, ");
    console_put_dec(fs.programmed);
    console_put_str(" bytes programmed, largest object ");
    console_put_dec(fs.largest);
    console_put_str(" of ");
    console_put_dec(nacme_flash_storage_capacity(&fw_nacme.storage, NACME_OBJ_CERT));
    console_put_str(" bytes, ");
    console_put_dec(fs.busy);
    console_put_str(" busy answers\r\n");
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
    console_put_str("memory: pool ");
    console_put_dec((uint32_t)sizeof(tls_pool));
    console_put_str(" bytes, peak ");
    console_put_dec(pool_probe_peak_bytes());
    console_put_str(" bytes in use; record buffer ");
    console_put_dec((uint32_t)sizeof(tls_record));
    console_put_str(" bytes, largest record ");
    console_put_dec(st.record_max + 5u);
    console_put_str("; stack peak ");
    console_put_dec((uint32_t)board_stack_peak());
    console_put_str(" of ");
    console_put_dec((uint32_t)board_stack_size());
    console_put_str(" bytes\r\n");
}

/* One operation, started by `start`; prints its cost. */
static int run(const char *what, int (*start)(nacme_t *, const nacme_order_req_t *))
{
    int rc = start(&fw_nacme.engine, &fw_nacme.order);
    if (rc == NACME_OK) rc = drive();
    cost_t c;
    cost_take(&c);
    cost_print(what, &c);
    if (rc != NACME_STEP_DONE) {
        print_problem();
        return fail(what, rc);
    }
    return BOARD_EXIT_OK;
}

static int show(unsigned index, cert_info_t *info)
{
    int rc = cert_print(&fw_nacme.port.storage, cfg.name, index, info);
    if (rc != NACME_OK) return fail("reading the stored certificate", rc);
    console_put_str("cert ");
    console_put_dec(index);
    console_put_str(": stored ");
    console_put_dec((uint32_t)info->stored_len);
    console_put_str(" bytes (key and ");
    console_put_dec(info->blocks - 1u);
    console_put_str(" certificates)\r\n");
    int64_t now = 0;
    if (!info->names_ok) return fail("the certificate does not name exactly the requested name", NACME_ERR_CERT_MISMATCH);
    if (fw_nacme.port.clock.unix_time(fw_nacme.port.clock.ctx, &now) == NACME_OK &&
        (now < info->not_before - 300 || now >= info->not_after)) {
        return fail("the certificate is not valid now", NACME_ERR_CERT_VALIDITY);
    }
    return BOARD_EXIT_OK;
}

static int job(void)
{
    uint64_t limit = board_ms64() + (uint64_t)cfg.limit_s * 1000u;
    int rc = run("issue", nacme_start_issue);
    if (rc != BOARD_EXIT_OK) return rc;
    cert_info_t prev;
    if ((rc = show(1, &prev)) != BOARD_EXIT_OK) return rc;
    for (unsigned n = 2; n <= cfg.renewals + 1u;) {
        /* the next check: when the engine said the certificate is due, at most check_s from now */
        uint64_t now = board_ms64();
        int64_t unix_now = 0;
        uint64_t wait_ms = (uint64_t)cfg.check_s * 1000u;
        const nacme_result_t *res = nacme_result(&fw_nacme.engine);
        if (fw_nacme.port.clock.unix_time(fw_nacme.port.clock.ctx, &unix_now) == NACME_OK && res->renew_at > unix_now &&
            (uint64_t)(res->renew_at - unix_now) * 1000u < wait_ms) {
            wait_ms = (uint64_t)(res->renew_at - unix_now) * 1000u + 200u;
        }
        if (now + wait_ms > limit) return fail("no renewal before the time limit", NACME_ERR_TIMEOUT);
        idle_until(now + wait_ms);
        if ((rc = run("renewal check", nacme_start_renew)) != BOARD_EXIT_OK) return rc;
        res = nacme_result(&fw_nacme.engine);
        if (!res->issued) {
            console_put_str("renewal: not due, due in ");
            console_put_sdec((int32_t)(res->renew_at - (fw_nacme.port.clock.unix_time(fw_nacme.port.clock.ctx, &unix_now) ==
                                                                NACME_OK ? unix_now : res->renew_at)));
            console_put_str(" s\r\n");
            continue;
        }
        console_put_str("renewal: a new certificate was installed\r\n");
        cert_info_t cur;
        if ((rc = show(n, &cur)) != BOARD_EXIT_OK) return rc;
        if (cur.serial_len == prev.serial_len && memcmp(cur.serial, prev.serial, cur.serial_len) == 0) {
            return fail("the renewed certificate has the old serial number", NACME_ERR_CERT_MISMATCH);
        }
        prev = cur;
        n++;
    }
    return BOARD_EXIT_OK;
}

int main(void)
{
    board_init();
    console_put_str("\r\nnanoacme firmware (mps2-an385), image of ");
    /* the flash end identifies the build for scripts/fw-size.sh (the trust anchor may differ) */
    console_put_dec((uint32_t)(uintptr_t)__flash_end);
    console_put_str(" bytes\r\n");
    read_config();
    int rc = bring_up_network();
    if (rc == BOARD_EXIT_OK) rc = setup();
    if (rc == BOARD_EXIT_OK) rc = job();
    report();
    if (rc == BOARD_EXIT_OK && pool_probe_failures() != 0u) {
        rc = fail("the TLS pool ran out", (int)pool_probe_failures());
    }
    if (rc == BOARD_EXIT_OK) console_put_str("result: ok\r\n");
    return rc;
}
