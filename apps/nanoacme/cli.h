/*
 * The nanoacme command: its options, the settings remembered per
 * certificate, and the pieces each subcommand uses.
 */
#ifndef NANOACME_CLI_H
#define NANOACME_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "nanoacme.h"

/* Exit codes (documented in nanoacme.1). */
enum {
    EXIT_OK = 0,         /* done (renew: also when nothing was due) */
    EXIT_FAILED = 1,     /* the operation failed: CA, network, storage, ... */
    EXIT_USAGE = 2,      /* bad command line */
    EXIT_LOCKED = 3,     /* another run holds the state directory */
    EXIT_DEPLOY = 4      /* the certificate was installed, the deploy hook failed */
};

#define LE_PRODUCTION "https://acme-v02.api.letsencrypt.org/directory"
#define LE_STAGING "https://acme-staging-v02.api.letsencrypt.org/directory"
#define DEFAULT_STATE_DIR "/var/lib/nanoacme"
#define MAX_CONTACTS 4

typedef enum { CMD_NONE, CMD_ISSUE, CMD_RENEW, CMD_REVOKE, CMD_ACCOUNT, CMD_SHOW } command_t;

/* Everything the command line can say. */
typedef struct options {
    command_t cmd;
    const char *account_action;    /* show, key-rollover, deactivate, update */
    const char *state_dir;
    const char *server;            /* NULL: remembered or Let's Encrypt */
    bool staging;
    const char *ca_file;
    int verbose;                   /* -1 quiet, 0 normal, 1 -v, 2 -vv */
    bool json;
    /* issue */
    nacme_identifier_t ids[NACME_MAX_IDENTIFIERS];
    size_t n_ids;
    char id_text[NACME_MAX_IDENTIFIERS][256];
    nacme_challenge_type_t challenge;
    const char *http_address;
    uint16_t http_port;
    const char *webroot;
    uint16_t tls_port;
    const char *tls_address;
    const char *dns_hook;
    uint32_t dns_wait;
    const char *contact[MAX_CONTACTS + 1];
    size_t n_contact;
    bool agree_tos;
    const char *eab_kid;
    const char *eab_hmac_key;
    const char *eab_hmac_key_file;
    const char *preferred_chain;
    const char *profile;
    bool reuse_key;
    const char *deploy_hook;
    bool force;
    uint32_t days;
    bool days_set;
    /* revoke */
    int reason;
    bool with_cert_key;
} options_t;

/* Parse argv; on error print the reason and return EXIT_USAGE (EXIT_OK after --help/--version). */
int cli_parse(int argc, char **argv, options_t *o, bool *exit_now);

void cli_usage(void);

/* ---- remembered settings (DIR/certs/NAME/meta.json, DIR/config.json) ----------------- */

/* What renew needs to order the same certificate again with no options given. */
typedef struct cert_meta {
    char name[256];
    char server[NACME_URL_MAX + 1];
    char ca_file[1024];
    nacme_identifier_t ids[NACME_MAX_IDENTIFIERS];
    size_t n_ids;
    char id_text[NACME_MAX_IDENTIFIERS][256];
    nacme_challenge_type_t challenge;
    char http_address[64];
    uint16_t http_port;
    char webroot[1024];
    char tls_address[64];
    uint16_t tls_port;
    char dns_hook[1024];
    uint32_t dns_wait;
    char preferred_chain[256];
    char profile[64];
    bool reuse_key;
    char deploy_hook[1024];
    uint32_t days;
} cert_meta_t;

/* Write meta as DIR/certs/NAME/meta.json (atomically). */
int meta_save(const char *state_dir, const cert_meta_t *m);
/* Read DIR/certs/<dir_name>/meta.json. */
int meta_load(const char *state_dir, const char *dir_name, cert_meta_t *m);
/* Fill meta from the options (an issue). */
void meta_from_options(const options_t *o, const char *server, cert_meta_t *m);

/* The state directory's remembered server and CA file (DIR/config.json). */
int config_save(const char *state_dir, const char *server, const char *ca_file);
int config_load(const char *state_dir, char *server, size_t server_cap, char *ca_file, size_t ca_cap);

/* ---- running operations -------------------------------------------------------------- */

/* One engine run with the Linux platform; defined in run.c. */
typedef struct run_setup {
    const options_t *opts;
    const char *server;
    const char *ca_file;
    const cert_meta_t *meta;       /* challenge settings (issue, renew) or NULL */
} run_setup_t;

/* The operation: called with an initialised engine; starts one operation. */
typedef int (*start_fn)(nacme_t *c, void *arg);

/* Run one operation to its end; prints the error in one line. Returns the engine status. */
int run_operation(const run_setup_t *s, start_fn start, void *arg, nacme_t *c);

/* ---- subcommands ---------------------------------------------------------------------- */
int cmd_issue(const options_t *o);
int cmd_renew(const options_t *o);
int cmd_revoke(const options_t *o);
int cmd_account(const options_t *o);
int cmd_show(const options_t *o);

/* Run the deploy hook for the certificate in DIR/certs/NAME; EXIT_OK or EXIT_DEPLOY. */
int run_deploy_hook(const char *hook, const char *state_dir, const char *name, const cert_meta_t *m);

/* Print an engine failure in one line (status text, ACME problem type and detail). */
void print_failure(const char *what, int rc, const nacme_t *c);

/* The file name of a certificate's directory ("*" becomes "_wildcard_"). */
int cert_dir_name(const char *name, char *out, size_t cap);

#endif
