/*
 * The subcommands that talk to the CA: issue, renew, revoke, account.
 * Each takes the state directory's lock first, so a cron run and a manual
 * run never interleave.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "nacme_linux.h"

/* The server: given, --staging, remembered for this state directory, else Let's Encrypt. */
static void choose_server(const options_t *o, char *server, size_t scap, char *ca_file, size_t ccap)
{
    char saved_server[NACME_URL_MAX + 1], saved_ca[1024];
    bool have = config_load(o->state_dir, saved_server, sizeof saved_server, saved_ca, sizeof saved_ca) == NACME_OK &&
                saved_server[0] != '\0';
    const char *s = o->server != NULL ? o->server : o->staging ? LE_STAGING : have ? saved_server : LE_PRODUCTION;
    snprintf(server, scap, "%s", s);
    /* the remembered CA file goes with the remembered server only */
    const char *ca = o->ca_file != NULL ? o->ca_file : (have && strcmp(s, saved_server) == 0 && saved_ca[0]) ? saved_ca : NULL;
    snprintf(ca_file, ccap, "%s", ca != NULL ? ca : "");
}

static int take_lock(const options_t *o, int *fd)
{
    int rc = nacme_linux_lock(o->state_dir, fd);
    if (rc == NACME_ERR_LOCKED) {
        fprintf(stderr, "nanoacme: the state directory %s is in use by another nanoacme run\n", o->state_dir);
        return EXIT_LOCKED;
    }
    if (rc != NACME_OK) {
        fprintf(stderr, "nanoacme: cannot lock the state directory %s: %s\n", o->state_dir, nacme_strerror(rc));
        return EXIT_FAILED;
    }
    return EXIT_OK;
}

/* An order request from remembered settings plus the command line's overrides. */
static void request_of(const cert_meta_t *m, const options_t *o, nacme_order_req_t *r,
                       nacme_challenge_type_t *pref)
{
    memset(r, 0, sizeof *r);
    r->name = m->name;
    r->ids = m->ids;
    r->n_ids = m->n_ids;
    *pref = m->challenge;
    r->challenges = pref;
    r->n_challenges = 1;
    r->profile = m->profile[0] ? m->profile : NULL;
    r->preferred_chain = m->preferred_chain[0] ? m->preferred_chain : NULL;
    r->reuse_key = m->reuse_key;
    r->force = o->force;
    r->renew_days = o->days_set ? o->days : m->days;
}

static int start_issue(nacme_t *c, void *arg)
{
    return nacme_start_issue(c, arg);
}

static int start_renew(nacme_t *c, void *arg)
{
    return nacme_start_renew(c, arg);
}

static void print_cert(const char *state_dir, const char *name, const nacme_result_t *res)
{
    char dir[NACME_LINUX_NAME_MAX + 1], exp[32] = "?", next[32] = "?";
    (void)cert_dir_name(name, dir, sizeof dir);
    (void)nacme_time_format_rfc3339(res->not_after, exp, sizeof exp);
    (void)nacme_time_format_rfc3339(res->renew_at, next, sizeof next);
    printf("%s: new certificate, valid until %s, renewal from %s\n  files in %s/certs/%s/\n", name, exp, next,
           state_dir, dir);
}

/* Is a valid certificate with exactly these names stored? */
static bool have_same_cert(const options_t *o, const cert_meta_t *want)
{
    char dir[NACME_LINUX_NAME_MAX + 1];
    cert_meta_t old;
    if (cert_dir_name(want->name, dir, sizeof dir) != NACME_OK) return false;
    if (meta_load(o->state_dir, dir, &old) != NACME_OK || old.n_ids != want->n_ids) return false;
    for (size_t i = 0; i < want->n_ids; i++) {
        bool found = false;
        for (size_t j = 0; j < old.n_ids; j++) found |= strcmp(want->id_text[i], old.id_text[j]) == 0;
        if (!found) return false;
    }
    return true;
}

int cmd_issue(const options_t *o)
{
    char server[NACME_URL_MAX + 1], ca_file[1024];
    choose_server(o, server, sizeof server, ca_file, sizeof ca_file);
    int lock_fd, rc = take_lock(o, &lock_fd);
    if (rc != EXIT_OK) return rc;
    static cert_meta_t m;
    meta_from_options(o, server, &m);
    snprintf(m.ca_file, sizeof m.ca_file, "%s", ca_file);
    nacme_order_req_t req;
    nacme_challenge_type_t pref;
    request_of(&m, o, &req, &pref);
    /* the same names already issued: only when due (or forced), like renew */
    bool as_renewal = !o->force && have_same_cert(o, &m);
    run_setup_t s = {.opts = o, .server = server, .ca_file = ca_file[0] ? ca_file : NULL, .meta = &m};
    static nacme_t c;
    rc = run_operation(&s, as_renewal ? start_renew : start_issue, &req, &c);
    int exit_code = EXIT_OK;
    if (rc != NACME_OK) {
        print_failure(m.name, rc, &c);
        exit_code = EXIT_FAILED;
    } else if (!nacme_result(&c)->issued) {
        char exp[32] = "?", next[32] = "?";
        (void)nacme_time_format_rfc3339(nacme_result(&c)->not_after, exp, sizeof exp);
        (void)nacme_time_format_rfc3339(nacme_result(&c)->renew_at, next, sizeof next);
        printf("%s: the stored certificate is valid until %s and not due before %s (--force to replace it)\n",
               m.name, exp, next);
    } else {
        print_cert(o->state_dir, m.name, nacme_result(&c));
    }
    if (rc == NACME_OK) {
        if (meta_save(o->state_dir, &m) != NACME_OK || config_save(o->state_dir, server, ca_file) != NACME_OK) {
            fprintf(stderr, "nanoacme: warning: cannot remember the settings in %s\n", o->state_dir);
        }
        if (nacme_result(&c)->issued && m.deploy_hook[0]) {
            exit_code = run_deploy_hook(m.deploy_hook, o->state_dir, m.name, &m);
        }
    }
    nacme_linux_unlock(lock_fd);
    return exit_code;
}

int cmd_renew(const options_t *o)
{
    int lock_fd, rc = take_lock(o, &lock_fd);
    if (rc != EXIT_OK) return rc;
    char certs[4096];
    snprintf(certs, sizeof certs, "%s/certs", o->state_dir);
    DIR *d = opendir(certs);
    if (d == NULL) {
        printf("no certificates in %s\n", o->state_dir);
        nacme_linux_unlock(lock_fd);
        return EXIT_OK;
    }
    /* collect the names first: renewals swap directories under certs/ */
    static char names[256][NACME_LINUX_NAME_MAX + 1];
    unsigned n = 0;
    for (struct dirent *e; n < 256u && (e = readdir(d)) != NULL;) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len >= sizeof names[0]) continue; /* ours are short: not ours */
        memcpy(names[n++], e->d_name, len + 1);
    }
    closedir(d);
    int exit_code = EXIT_OK;
    unsigned renewed = 0, failed = 0;
    for (unsigned i = 0; i < n; i++) {
        static cert_meta_t m;
        if (meta_load(o->state_dir, names[i], &m) != NACME_OK) {
            fprintf(stderr, "nanoacme: %s: no usable meta.json; skipped\n", names[i]);
            continue;
        }
        if (o->deploy_hook != NULL) snprintf(m.deploy_hook, sizeof m.deploy_hook, "%s", o->deploy_hook);
        nacme_order_req_t req;
        nacme_challenge_type_t pref;
        request_of(&m, o, &req, &pref);
        run_setup_t s = {.opts = o, .server = m.server, .ca_file = m.ca_file[0] ? m.ca_file : NULL, .meta = &m};
        static nacme_t c;
        rc = run_operation(&s, start_renew, &req, &c);
        if (rc != NACME_OK) {
            print_failure(m.name, rc, &c);
            failed++;
            exit_code = EXIT_FAILED;
            continue;
        }
        const nacme_result_t *res = nacme_result(&c);
        if (!res->issued) {
            char next[32] = "?";
            (void)nacme_time_format_rfc3339(res->renew_at, next, sizeof next);
            if (o->verbose >= 0) printf("%s: not due (renewal from %s)\n", m.name, next);
            continue;
        }
        renewed++;
        print_cert(o->state_dir, m.name, res);
        if (m.deploy_hook[0] && run_deploy_hook(m.deploy_hook, o->state_dir, m.name, &m) != EXIT_OK &&
            exit_code == EXIT_OK) {
            exit_code = EXIT_DEPLOY;
        }
    }
    if (o->verbose >= 0) printf("%u certificates checked, %u renewed, %u failed\n", n, renewed, failed);
    nacme_linux_unlock(lock_fd);
    return exit_code;
}

struct revoke_args {
    const char *name;
    int reason;
    bool with_cert_key;
};

static int start_revoke(nacme_t *c, void *arg)
{
    struct revoke_args *a = arg;
    return nacme_start_revoke(c, a->name, a->reason, a->with_cert_key);
}

int cmd_revoke(const options_t *o)
{
    int lock_fd, rc = take_lock(o, &lock_fd);
    if (rc != EXIT_OK) return rc;
    char server[NACME_URL_MAX + 1], ca_file[1024], dir[NACME_LINUX_NAME_MAX + 1];
    static cert_meta_t m;
    choose_server(o, server, sizeof server, ca_file, sizeof ca_file);
    if (cert_dir_name(o->id_text[0], dir, sizeof dir) == NACME_OK && meta_load(o->state_dir, dir, &m) == NACME_OK &&
        o->server == NULL && !o->staging) {
        snprintf(server, sizeof server, "%s", m.server); /* revoke where it was issued */
        if (o->ca_file == NULL) snprintf(ca_file, sizeof ca_file, "%s", m.ca_file);
    }
    struct revoke_args a = {.name = o->id_text[0], .reason = o->reason, .with_cert_key = o->with_cert_key};
    run_setup_t s = {.opts = o, .server = server, .ca_file = ca_file[0] ? ca_file : NULL, .meta = NULL};
    static nacme_t c;
    rc = run_operation(&s, start_revoke, &a, &c);
    nacme_linux_unlock(lock_fd);
    if (rc != NACME_OK) {
        print_failure("revoke", rc, &c);
        return EXIT_FAILED;
    }
    printf("%s: certificate revoked\n", o->id_text[0]);
    return EXIT_OK;
}

static int start_account_op(nacme_t *c, void *arg)
{
    const options_t *o = arg;
    const char *a = o->account_action;
    if (strcmp(a, "key-rollover") == 0) return nacme_start_key_rollover(c);
    if (strcmp(a, "deactivate") == 0) return nacme_start_account_deactivate(c);
    if (strcmp(a, "update") == 0) return nacme_start_account_update(c, o->contact);
    return nacme_start_account(c);
}

/* Is an account key stored for this server? (show must not create an account) */
static bool have_account(const options_t *o, const char *server)
{
    nacme_url_t u;
    char scope[NACME_HOST_MAX + 8], name[NACME_LINUX_NAME_MAX + 1], path[4400];
    if (nacme_url_parse(server, strlen(server), &u) != NACME_OK) return false;
    if (u.port != 443) snprintf(scope, sizeof scope, "%.*s:%u", (int)u.host_len, u.host, (unsigned)u.port);
    else snprintf(scope, sizeof scope, "%.*s", (int)u.host_len, u.host);
    if (nacme_linux_storage_name(scope, false, name, sizeof name) != NACME_OK) return false;
    snprintf(path, sizeof path, "%s/accounts/%s/account.key", o->state_dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

int cmd_account(const options_t *o)
{
    int lock_fd, rc = take_lock(o, &lock_fd);
    if (rc != EXIT_OK) return rc;
    char server[NACME_URL_MAX + 1], ca_file[1024];
    choose_server(o, server, sizeof server, ca_file, sizeof ca_file);
    if (strcmp(o->account_action, "update") != 0 && !have_account(o, server)) {
        fprintf(stderr, "nanoacme: no account for %s in %s\n", server, o->state_dir);
        nacme_linux_unlock(lock_fd);
        return EXIT_FAILED;
    }
    run_setup_t s = {.opts = o, .server = server, .ca_file = ca_file[0] ? ca_file : NULL, .meta = NULL};
    static nacme_t c;
    rc = run_operation(&s, start_account_op, (void *)o, &c);
    nacme_linux_unlock(lock_fd);
    if (rc != NACME_OK) {
        print_failure(o->account_action, rc, &c);
        return EXIT_FAILED;
    }
    const char *a = o->account_action;
    if (strcmp(a, "show") == 0) {
        printf("server:  %s\naccount: %s\n", server, nacme_account_url(&c));
    } else if (strcmp(a, "key-rollover") == 0) {
        printf("account key replaced: %s\n", nacme_account_url(&c));
    } else if (strcmp(a, "deactivate") == 0) {
        printf("account deactivated; its key and URL are forgotten\n");
    } else {
        printf("account contact updated: %s\n", nacme_account_url(&c));
    }
    if (config_save(o->state_dir, server, ca_file) != NACME_OK) {
        fprintf(stderr, "nanoacme: warning: cannot remember the server in %s\n", o->state_dir);
    }
    return EXIT_OK;
}
