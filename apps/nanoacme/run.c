/*
 * One engine operation on the Linux platform: TLS transport, file storage,
 * wolfCrypt, the challenge responders, the poll loop; signals cancel the
 * operation (so published challenge material is removed).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nacme_linux.h"
#include "nacme_linux_challenge.h"
#include "nacme_wolfcrypt.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns and the loop sees the flag */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static int wait_or_stop(void *ctx, const nacme_wait_t *w)
{
    if (stop_requested) return NACME_ERR_CANCELLED;
    return nacme_linux_loop_wait(ctx, w);
}

static const char *event_name(nacme_event_t ev)
{
    switch (ev) {
    case NACME_EVENT_ACCOUNT_CREATED: return "account-created";
    case NACME_EVENT_ORDER_CREATED: return "order-created";
    case NACME_EVENT_ORDER_RESUMED: return "order-resumed";
    case NACME_EVENT_CHALLENGES_ANSWERED: return "challenges-answered";
    case NACME_EVENT_FINALIZED: return "finalized";
    case NACME_EVENT_CERT_INSTALLED: return "certificate-installed";
    case NACME_EVENT_REVOKED: return "revoked";
    case NACME_EVENT_ACCOUNT_UPDATED: return "account-updated";
    case NACME_EVENT_ACCOUNT_DEACTIVATED: return "account-deactivated";
    case NACME_EVENT_KEY_ROLLED_OVER: return "key-rolled-over";
    default: return "event";
    }
}

/*
 * Progress: with -v each event is printed. NANOACME_TEST_KILL_AT=EVENT makes
 * the process die at that point without any cleanup (SIGKILL), for the tests
 * that show a rerun resumes instead of ordering anew.
 */
static void on_event(void *ctx, nacme_event_t ev, const char *detail)
{
    const options_t *o = ctx;
    if (o->verbose > 0) fprintf(stderr, "nanoacme: %s: %s\n", event_name(ev), detail);
    const char *kill_at = getenv("NANOACME_TEST_KILL_AT");
    if (kill_at != NULL && strcmp(kill_at, event_name(ev)) == 0) raise(SIGKILL);
}

/* The EAB MAC key: the option, or the first line of the file. */
static int eab_key(const options_t *o, char *out, size_t cap)
{
    if (o->eab_hmac_key_file == NULL) {
        snprintf(out, cap, "%s", o->eab_hmac_key != NULL ? o->eab_hmac_key : "");
        return 0;
    }
    int fd = open(o->eab_hmac_key_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "nanoacme: cannot read --eab-hmac-key-file %s: %s\n", o->eab_hmac_key_file, strerror(errno));
        return -1;
    }
    ssize_t n = read(fd, out, cap - 1);
    close(fd);
    if (n <= 0) {
        fprintf(stderr, "nanoacme: --eab-hmac-key-file %s is empty\n", o->eab_hmac_key_file);
        return -1;
    }
    out[n] = '\0';
    out[strcspn(out, "\r\n \t")] = '\0';
    return 0;
}

void print_failure(const char *what, int rc, const nacme_t *c)
{
    const nacme_problem_t *p = c != NULL ? nacme_problem(c) : NULL;
    if (p != NULL && p->status != 0 && p->type[0] != '\0') {
        fprintf(stderr, "nanoacme: %s failed: %s (%s: %s)\n", what, nacme_strerror(rc), p->type,
                p->detail[0] ? p->detail : "no detail");
        if (p->instance[0] != '\0') fprintf(stderr, "nanoacme: see %s\n", p->instance);
    } else {
        fprintf(stderr, "nanoacme: %s failed: %s\n", what, nacme_strerror(rc));
    }
    const nacme_result_t *r = c != NULL ? nacme_result(c) : NULL;
    if (r != NULL && r->retry_at > 0) {
        char when[32];
        if (nacme_time_format_rfc3339(r->retry_at, when, sizeof when) == NACME_OK) {
            fprintf(stderr, "nanoacme: next attempt not before %s\n", when);
        }
    }
}

/* Large objects of one run: static, the command runs one operation at a time. */
static nacme_linux_tls_t tls;
static nacme_linux_storage_t storage;
static nacme_linux_log_t logger;
static nacme_wolfcrypt_t wc;
static nacme_linux_challenge_t challenge;
static nacme_linux_loop_t loop;

static nacme_log_level_t log_level(int verbose)
{
    return verbose < 0 ? NACME_LOG_LEVEL_ERROR
           : verbose == 0 ? NACME_LOG_LEVEL_WARN
           : verbose == 1 ? NACME_LOG_LEVEL_INFO
                          : NACME_LOG_LEVEL_DEBUG;
}

int run_operation(const run_setup_t *s, start_fn start, void *arg, nacme_t *c)
{
    const options_t *o = s->opts;
    int rc;
    bool tls_ok = false, wc_ok = false, ch_ok = false, st_ok = false;
    catch_signals();
    nacme_linux_log_init(&logger, log_level(o->verbose));
    nacme_linux_loop_init(&loop);
    if ((rc = nacme_linux_tls_init(&tls, s->ca_file)) != NACME_OK) {
        fprintf(stderr, "nanoacme: cannot use the CA file %s: %s\n",
                s->ca_file ? s->ca_file : NACME_LINUX_SYSTEM_CA, nacme_strerror(rc));
        goto out;
    }
    tls_ok = true;
    if ((rc = nacme_linux_storage_init(&storage, o->state_dir)) != NACME_OK) {
        fprintf(stderr, "nanoacme: cannot use the state directory %s: %s\n", o->state_dir, nacme_strerror(rc));
        goto out;
    }
    st_ok = true;
    nacme_entropy_t entropy;
    nacme_linux_entropy_port(&entropy);
    if ((rc = nacme_wolfcrypt_init(&wc, &entropy)) != NACME_OK) {
        fprintf(stderr, "nanoacme: crypto initialization failed: %s\n", nacme_strerror(rc));
        goto out;
    }
    wc_ok = true;
    nacme_crypto_t crypto;
    nacme_wolfcrypt_port(&wc, &crypto);
    nacme_log_t log_port;
    nacme_linux_log_port(&logger, &log_port);

    nacme_challenge_port_t ch_port;
    const cert_meta_t *m = s->meta;
    if (m != NULL) {
        nacme_linux_challenge_cfg_t cc;
        memset(&cc, 0, sizeof cc);
        cc.loop = &loop;
        cc.crypto = &crypto;
        cc.log = log_port;
        if (m->challenge == NACME_CHALLENGE_HTTP_01) {
            if (m->webroot[0] != '\0') {
                cc.webroot = m->webroot;
            } else {
                cc.http = true;
                cc.http_addr = m->http_address[0] ? m->http_address : NULL;
                cc.http_port = m->http_port;
            }
        } else if (m->challenge == NACME_CHALLENGE_TLS_ALPN_01) {
            cc.alpn = true;
            cc.alpn_addr = m->tls_address[0] ? m->tls_address : NULL;
            cc.alpn_port = m->tls_port;
        } else {
            cc.dns_hook = m->dns_hook;
            cc.dns_wait_ms = m->dns_wait * 1000u;
        }
        if ((rc = nacme_linux_challenge_init(&challenge, &cc)) != NACME_OK) {
            fprintf(stderr, "nanoacme: cannot set up the %s responder: %s\n",
                    m->challenge == NACME_CHALLENGE_DNS_01 ? "dns-01" : m->challenge == NACME_CHALLENGE_TLS_ALPN_01 ? "tls-alpn-01" : "http-01",
                    nacme_strerror(rc));
            goto out;
        }
        ch_ok = true;
        nacme_linux_challenge_port(&challenge, &ch_port);
    }

    static nacme_port_t port;
    nacme_wait_fn wait;
    if ((rc = nacme_linux_port_init(&port, &tls, &storage, &logger, &crypto, m ? &ch_port : NULL, &wait)) != NACME_OK) {
        goto out;
    }
    (void)wait;
    static char eab[512];
    if (eab_key(o, eab, sizeof eab) != 0) {
        rc = NACME_ERR_ARG;
        goto out;
    }
    static nacme_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.directory_url = s->server;
    cfg.contact = o->n_contact ? o->contact : NULL;
    cfg.agree_tos = o->agree_tos;
    cfg.eab_kid = o->eab_kid;
    cfg.eab_hmac_key = o->eab_kid ? eab : NULL;
    cfg.event = on_event;
    cfg.event_ctx = (void *)o;
    if ((rc = nacme_init(c, &port, &cfg)) != NACME_OK) {
        fprintf(stderr, "nanoacme: bad server URL %s: %s\n", s->server, nacme_strerror(rc));
        goto out;
    }
    if ((rc = start(c, arg)) != NACME_OK) {
        fprintf(stderr, "nanoacme: cannot start: %s\n", nacme_strerror(rc));
        goto out;
    }
    rc = nacme_run(c, wait_or_stop, &loop);
    if (rc == NACME_ERR_CANCELLED && stop_requested) fprintf(stderr, "nanoacme: interrupted\n");
    if (o->verbose > 0) {
        fprintf(stderr, "nanoacme: wire: %llu bytes sent, %llu received, %u TLS connections\n",
                (unsigned long long)tls.wire_sent, (unsigned long long)tls.wire_received, tls.connections);
    }
out:
    if (ch_ok) nacme_linux_challenge_free(&challenge);
    if (wc_ok) nacme_wolfcrypt_free(&wc);
    if (st_ok) nacme_linux_storage_free(&storage);
    if (tls_ok) nacme_linux_tls_free(&tls);
    memset(eab, 0, sizeof eab);
    return rc;
}
