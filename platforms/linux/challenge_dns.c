/*
 * dns-01 through a hook program that adds and removes the TXT record (see
 * nacme_linux_challenge.h). One hook runs at a time; the caller is answered
 * NACME_PENDING until it exits, and a hook over its time bound is killed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "challenge_internal.h"

extern char **environ;

#define FQDN_PREFIX "_acme-challenge."

static void tick(void *ctx, uint64_t now);

/* Look at the running hook: reap it when it exited, kill it past the bound. */
static void poll_child(nacme_linux_dns_t *d, uint64_t now)
{
    if (d->pid <= 0 || d->done) return;
    int st = 0;
    pid_t r = waitpid(d->pid, &st, WNOHANG);
    if (r == d->pid || (r < 0 && errno == ECHILD)) {
        /* ECHILD: someone else reaped it (a SIGCHLD handler set to ignore) */
        d->done = true;
        d->status = r == d->pid ? st : -1;
        return;
    }
    if (!d->killed && now - d->started >= d->timeout_ms) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: %s %s still running after %u ms, killed",
                        d->is_del ? "del" : "add", d->fqdn, (unsigned)d->timeout_ms);
        kill(-d->pid, SIGKILL); /* the whole process group: a shell's children too */
        kill(d->pid, SIGKILL);
        d->killed = true;
        /* usually dead already; otherwise a later poll reaps it */
        if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
            d->done = true;
            d->status = st;
        }
    }
}

static void set_ticking(nacme_linux_dns_t *d, bool on)
{
    if (d->loop == NULL || d->ticking == on) return;
    if (on) {
        d->ticking = nacme_linux_loop_tick(d->loop, tick, d) == NACME_OK; /* without: polled by the calls */
    } else {
        nacme_linux_loop_untick(d->loop, tick, d);
        d->ticking = false;
    }
}

static void tick(void *ctx, uint64_t now)
{
    poll_child(ctx, now);
}

static void clear(nacme_linux_dns_t *d)
{
    d->pid = 0;
    d->done = false;
    d->killed = false;
    set_ticking(d, false);
}

/* The outcome of a finished hook, logged. */
static int outcome(nacme_linux_dns_t *d)
{
    const char *what = d->is_del ? "del" : "add";
    int st = d->status;
    int rc = NACME_ERR_CHALLENGE;
    if (d->killed) {
        rc = NACME_ERR_CHALLENGE; /* already logged */
    } else if (st == -1) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: %s %s: exit status unknown", what, d->fqdn);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 0) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_INFO, "dns-01 hook: %s %s done", what, d->fqdn);
        rc = NACME_OK;
    } else if (WIFEXITED(st)) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: %s %s failed with exit status %d", what, d->fqdn,
                        WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: %s %s killed by signal %d", what, d->fqdn,
                        WTERMSIG(st));
    }
    clear(d);
    return rc;
}

static int spawn(nacme_linux_dns_t *d, bool is_del, const char *fqdn, const char *value)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none;
    sigset_t def;
    sigemptyset(&none);
    sigemptyset(&def);
    sigaddset(&def, SIGPIPE);
    sigaddset(&def, SIGCHLD);
    char *argv[] = {(char *)d->hook, is_del ? "del" : "add", (char *)fqdn, (char *)value, NULL};
    int err = posix_spawn_file_actions_init(&fa);
    if (err == 0) {
        err = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        if (err == 0) err = posix_spawn_file_actions_adddup2(&fa, 2, 1); /* keep our stdout clean */
        if (err == 0) err = posix_spawnattr_init(&attr);
        if (err == 0) {
            /* own process group (killed as one); signals as a fresh program sees them */
            err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
            if (err == 0) err = posix_spawnattr_setpgroup(&attr, 0);
            if (err == 0) err = posix_spawnattr_setsigmask(&attr, &none);
            if (err == 0) err = posix_spawnattr_setsigdefault(&attr, &def);
            pid_t pid = 0;
            if (err == 0) err = posix_spawnp(&pid, d->hook, &fa, &attr, argv, environ);
            if (err == 0) d->pid = pid;
            posix_spawnattr_destroy(&attr);
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    if (err != 0) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: cannot run %s: %s", d->hook, strerror(err));
        return NACME_ERR_CHALLENGE;
    }
    d->is_del = is_del;
    d->done = false;
    d->killed = false;
    d->started = nacme_linux_now_ms();
    memcpy(d->fqdn, fqdn, strlen(fqdn) + 1);
    memcpy(d->value, value, strlen(value) + 1);
    set_ticking(d, true);
    return NACME_PENDING;
}

static int run(nacme_linux_dns_t *d, const nacme_challenge_t *ch, bool is_del)
{
    if (d == NULL || ch == NULL || d->hook == NULL) return NACME_ERR_ARG;
    char fqdn[NACME_LINUX_DNS_NAME_MAX + 1];
    const char *id = ch->identifier;
    if (id != NULL && id[0] == '*' && id[1] == '.') id += 2;
    const char *value = ch->dns_txt_value;
    size_t vlen = value ? strlen(value) : 0;
    bool value_ok = vlen > 0 && vlen < sizeof d->value && nacme_linux_token_ok(value);
    if (ch->id_type != NACME_ID_DNS || !nacme_linux_name_ok(id) || !value_ok ||
        strlen(FQDN_PREFIX) + strlen(id) > NACME_LINUX_DNS_NAME_MAX) {
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_ERROR, "dns-01 hook: identifier or TXT value unusable");
        return NACME_ERR_CHALLENGE;
    }
    snprintf(fqdn, sizeof fqdn, FQDN_PREFIX "%s", id);
    if (d->pid > 0) {
        poll_child(d, nacme_linux_now_ms());
        bool same = d->is_del == is_del && strcmp(d->fqdn, fqdn) == 0 && strcmp(d->value, value) == 0;
        if (!d->done) return NACME_PENDING; /* this run, or another one ahead of it */
        if (same) return outcome(d);
        /* a run nobody asked about again (its operation ended); this one goes next */
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_WARN, "dns-01 hook: result of %s %s dropped", d->is_del ? "del" : "add",
                        d->fqdn);
        clear(d);
    }
    return spawn(d, is_del, fqdn, value);
}

int nacme_linux_dns_init(nacme_linux_dns_t *d, const nacme_linux_challenge_cfg_t *cfg)
{
    if (d == NULL || cfg == NULL || cfg->dns_hook == NULL || cfg->dns_hook[0] == '\0') return NACME_ERR_ARG;
    memset(d, 0, sizeof *d);
    d->loop = cfg->loop;
    d->log = cfg->log;
    d->hook = cfg->dns_hook;
    d->timeout_ms = cfg->dns_hook_timeout_ms ? cfg->dns_hook_timeout_ms : NACME_LINUX_HOOK_TIMEOUT_MS;
    d->wait_ms = cfg->dns_wait_ms;
    return NACME_OK;
}

int nacme_linux_dns_publish(nacme_linux_dns_t *d, const nacme_challenge_t *ch)
{
    int rc = run(d, ch, false);
    if (rc == NACME_OK) {
        d->unsettled = true;
        d->settling = false;
    }
    return rc;
}

int nacme_linux_dns_unpublish(nacme_linux_dns_t *d, const nacme_challenge_t *ch)
{
    return run(d, ch, true);
}

int nacme_linux_dns_settle(nacme_linux_dns_t *d)
{
    if (d == NULL) return NACME_ERR_ARG;
    if (!d->unsettled || d->wait_ms == 0) {
        d->unsettled = false;
        return NACME_OK;
    }
    uint64_t now = nacme_linux_now_ms();
    if (!d->settling) {
        d->settling = true;
        d->settle_from = now;
        nacme_linux_log(&d->log, NACME_LOG_LEVEL_INFO, "dns-01: waiting %u ms for the records to propagate",
                        (unsigned)d->wait_ms);
    }
    if (now - d->settle_from < d->wait_ms) return NACME_PENDING;
    d->unsettled = false;
    d->settling = false;
    return NACME_OK;
}

void nacme_linux_dns_free(nacme_linux_dns_t *d)
{
    if (d == NULL || d->hook == NULL) return;
    if (d->pid > 0) {
        if (!d->done) {
            kill(-d->pid, SIGKILL);
            kill(d->pid, SIGKILL);
            /* a killed process dies at once; give it up to ~100 ms to be reaped */
            for (int i = 0; i < 100; i++) {
                pid_t r = waitpid(d->pid, NULL, WNOHANG);
                if (r == d->pid || (r < 0 && errno == ECHILD)) break;
                struct timespec ms = {0, 1000000};
                nanosleep(&ms, NULL);
            }
        }
        clear(d);
    }
    set_ticking(d, false);
    d->hook = NULL;
}
