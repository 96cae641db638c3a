/* The nanoacme command line. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_ip.h"

enum {
    OPT_STATE_DIR = 256,
    OPT_SERVER,
    OPT_STAGING,
    OPT_CA_FILE,
    OPT_JSON,
    OPT_CHALLENGE,
    OPT_HTTP_PORT,
    OPT_HTTP_ADDRESS,
    OPT_WEBROOT,
    OPT_TLS_PORT,
    OPT_TLS_ADDRESS,
    OPT_DNS_HOOK,
    OPT_DNS_WAIT,
    OPT_CONTACT,
    OPT_AGREE_TOS,
    OPT_EAB_KID,
    OPT_EAB_KEY,
    OPT_EAB_KEY_FILE,
    OPT_PREFERRED_CHAIN,
    OPT_PROFILE,
    OPT_REUSE_KEY,
    OPT_DEPLOY_HOOK,
    OPT_FORCE,
    OPT_DAYS,
    OPT_REASON,
    OPT_WITH_CERT_KEY,
    OPT_VERSION
};

static const struct option long_opts[] = {
    {"domain", required_argument, NULL, 'd'},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"server", required_argument, NULL, OPT_SERVER},
    {"staging", no_argument, NULL, OPT_STAGING},
    {"ca-file", required_argument, NULL, OPT_CA_FILE},
    {"verbose", no_argument, NULL, 'v'},
    {"quiet", no_argument, NULL, 'q'},
    {"json", no_argument, NULL, OPT_JSON},
    {"challenge", required_argument, NULL, OPT_CHALLENGE},
    {"http-port", required_argument, NULL, OPT_HTTP_PORT},
    {"http-address", required_argument, NULL, OPT_HTTP_ADDRESS},
    {"webroot", required_argument, NULL, OPT_WEBROOT},
    {"tls-port", required_argument, NULL, OPT_TLS_PORT},
    {"tls-address", required_argument, NULL, OPT_TLS_ADDRESS},
    {"dns-hook", required_argument, NULL, OPT_DNS_HOOK},
    {"dns-wait", required_argument, NULL, OPT_DNS_WAIT},
    {"contact", required_argument, NULL, OPT_CONTACT},
    {"agree-tos", no_argument, NULL, OPT_AGREE_TOS},
    {"eab-kid", required_argument, NULL, OPT_EAB_KID},
    {"eab-hmac-key", required_argument, NULL, OPT_EAB_KEY},
    {"eab-hmac-key-file", required_argument, NULL, OPT_EAB_KEY_FILE},
    {"preferred-chain", required_argument, NULL, OPT_PREFERRED_CHAIN},
    {"profile", required_argument, NULL, OPT_PROFILE},
    {"reuse-key", no_argument, NULL, OPT_REUSE_KEY},
    {"deploy-hook", required_argument, NULL, OPT_DEPLOY_HOOK},
    {"force", no_argument, NULL, OPT_FORCE},
    {"days", required_argument, NULL, OPT_DAYS},
    {"reason", required_argument, NULL, OPT_REASON},
    {"with-cert-key", no_argument, NULL, OPT_WITH_CERT_KEY},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

void cli_usage(void)
{
    fputs("usage: nanoacme COMMAND [options]\n"
          "\n"
          "commands:\n"
          "  issue -d NAME [-d NAME ...]   obtain a certificate (NAME: DNS name, *.wildcard, IP address)\n"
          "  renew                         renew every stored certificate that is due\n"
          "  revoke -d NAME                revoke the stored certificate of NAME\n"
          "  account show|key-rollover|deactivate|update --contact URI\n"
          "  show [--json]                 stored certificates, expiry, next renewal, last error\n"
          "\n"
          "options of every command:\n"
          "  --state-dir DIR      state directory (default " DEFAULT_STATE_DIR ")\n"
          "  --server URL         ACME directory URL (default: remembered, else Let's Encrypt)\n"
          "  --staging            Let's Encrypt's staging server\n"
          "  --ca-file PEM        trust these CAs for the ACME server (default: system store)\n"
          "  -v, -vv, -q          more output (requests and statuses), less (errors only)\n"
          "\n"
          "issue:\n"
          "  --challenge http-01|tls-alpn-01|dns-01   (default http-01)\n"
          "  --http-address ADDR --http-port N        built-in http-01 server (default :: port 80)\n"
          "  --webroot DIR                            write .well-known/acme-challenge/ files instead\n"
          "  --tls-address ADDR --tls-port N          tls-alpn-01 responder (default :: port 443)\n"
          "  --dns-hook CMD [--dns-wait SECONDS]      dns-01: runs CMD add|del FQDN VALUE\n"
          "  --contact URI --agree-tos                account contact; agree to the CA's terms\n"
          "  --eab-kid KID --eab-hmac-key KEY | --eab-hmac-key-file FILE\n"
          "  --preferred-chain ISSUER_CN --profile NAME --reuse-key\n"
          "  --deploy-hook CMD    run CMD after a new certificate (paths in NANOACME_* variables)\n"
          "  --force              issue although a valid certificate is stored\n"
          "renew: --days N --force --deploy-hook CMD\n"
          "revoke: --reason N (RFC 5280 code) --with-cert-key\n"
          "\n"
          "See nanoacme(1).\n",
          stdout);
}

static int bad(const char *what, const char *arg)
{
    fprintf(stderr, "nanoacme: %s: %s\n", what, arg);
    return EXIT_USAGE;
}

static int parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max) return -1;
    *out = (uint32_t)v;
    return 0;
}

static int add_identifier(options_t *o, const char *name)
{
    if (o->n_ids >= NACME_MAX_IDENTIFIERS) return bad("too many names (at most " "4" ")", name);
    size_t len = strlen(name);
    if (len == 0 || len >= sizeof o->id_text[0]) return bad("invalid name", name);
    /* names are compared and stored in lower case */
    char *t = o->id_text[o->n_ids];
    for (size_t i = 0; i <= len; i++) t[i] = (char)((name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i]);
    uint8_t ip[16];
    size_t ip_len;
    o->ids[o->n_ids].type = nacme_ip_parse(t, len, ip, &ip_len) == NACME_OK ? NACME_ID_IP : NACME_ID_DNS;
    o->ids[o->n_ids].value = t;
    o->n_ids++;
    return 0;
}

int cli_parse(int argc, char **argv, options_t *o, bool *exit_now)
{
    memset(o, 0, sizeof *o);
    o->state_dir = DEFAULT_STATE_DIR;
    o->reason = -1;
    o->challenge = NACME_CHALLENGE_HTTP_01;
    *exit_now = false;
    const char *positional[3];
    int n_pos = 0;
    uint32_t v;
    opterr = 0;
    optind = 1;
    for (;;) {
        int opt = getopt_long(argc, argv, "-d:vqh", long_opts, NULL);
        if (opt == -1) break;
        switch (opt) {
        case 1:
            if (n_pos >= 3) return bad("unexpected argument", optarg);
            positional[n_pos++] = optarg;
            break;
        case 'd':
            if (add_identifier(o, optarg) != 0) return EXIT_USAGE;
            break;
        case 'v':
            o->verbose = o->verbose < 0 ? 1 : o->verbose + 1;
            break;
        case 'q':
            o->verbose = -1;
            break;
        case 'h':
            cli_usage();
            *exit_now = true;
            return EXIT_OK;
        case OPT_VERSION:
            printf("nanoacme %s\n", NACME_VERSION);
            *exit_now = true;
            return EXIT_OK;
        case OPT_STATE_DIR: o->state_dir = optarg; break;
        case OPT_SERVER: o->server = optarg; break;
        case OPT_STAGING: o->staging = true; break;
        case OPT_CA_FILE: o->ca_file = optarg; break;
        case OPT_JSON: o->json = true; break;
        case OPT_CHALLENGE:
            if (strcmp(optarg, "http-01") == 0) o->challenge = NACME_CHALLENGE_HTTP_01;
            else if (strcmp(optarg, "tls-alpn-01") == 0) o->challenge = NACME_CHALLENGE_TLS_ALPN_01;
            else if (strcmp(optarg, "dns-01") == 0) o->challenge = NACME_CHALLENGE_DNS_01;
            else return bad("unknown challenge type (http-01, tls-alpn-01, dns-01)", optarg);
            break;
        case OPT_HTTP_PORT:
            if (parse_u32(optarg, 65535, &v) != 0 || v == 0) return bad("invalid --http-port", optarg);
            o->http_port = (uint16_t)v;
            break;
        case OPT_HTTP_ADDRESS: o->http_address = optarg; break;
        case OPT_WEBROOT: o->webroot = optarg; break;
        case OPT_TLS_PORT:
            if (parse_u32(optarg, 65535, &v) != 0 || v == 0) return bad("invalid --tls-port", optarg);
            o->tls_port = (uint16_t)v;
            break;
        case OPT_TLS_ADDRESS: o->tls_address = optarg; break;
        case OPT_DNS_HOOK: o->dns_hook = optarg; break;
        case OPT_DNS_WAIT:
            if (parse_u32(optarg, 3600, &o->dns_wait) != 0) return bad("invalid --dns-wait (0..3600 s)", optarg);
            break;
        case OPT_CONTACT:
            if (o->n_contact >= MAX_CONTACTS) return bad("too many --contact (at most 4)", optarg);
            o->contact[o->n_contact++] = optarg;
            break;
        case OPT_AGREE_TOS: o->agree_tos = true; break;
        case OPT_EAB_KID: o->eab_kid = optarg; break;
        case OPT_EAB_KEY: o->eab_hmac_key = optarg; break;
        case OPT_EAB_KEY_FILE: o->eab_hmac_key_file = optarg; break;
        case OPT_PREFERRED_CHAIN: o->preferred_chain = optarg; break;
        case OPT_PROFILE: o->profile = optarg; break;
        case OPT_REUSE_KEY: o->reuse_key = true; break;
        case OPT_DEPLOY_HOOK: o->deploy_hook = optarg; break;
        case OPT_FORCE: o->force = true; break;
        case OPT_DAYS:
            if (parse_u32(optarg, 3650, &o->days) != 0 || o->days == 0) return bad("invalid --days (1..3650)", optarg);
            o->days_set = true;
            break;
        case OPT_REASON:
            if (parse_u32(optarg, 10, &v) != 0 || v == 7) return bad("invalid --reason (RFC 5280 CRLReason 0..10, not 7)", optarg);
            o->reason = (int)v;
            break;
        case OPT_WITH_CERT_KEY: o->with_cert_key = true; break;
        default:
            return bad("unknown or incomplete option", argv[optind - 1]);
        }
    }
    if (n_pos == 0) {
        cli_usage();
        return EXIT_USAGE;
    }
    const char *cmd = positional[0];
    if (strcmp(cmd, "issue") == 0) o->cmd = CMD_ISSUE;
    else if (strcmp(cmd, "renew") == 0) o->cmd = CMD_RENEW;
    else if (strcmp(cmd, "revoke") == 0) o->cmd = CMD_REVOKE;
    else if (strcmp(cmd, "account") == 0) o->cmd = CMD_ACCOUNT;
    else if (strcmp(cmd, "show") == 0) o->cmd = CMD_SHOW;
    else if (strcmp(cmd, "help") == 0) {
        cli_usage();
        *exit_now = true;
        return EXIT_OK;
    } else {
        return bad("unknown command", cmd);
    }
    if (o->cmd == CMD_ACCOUNT) {
        if (n_pos != 2) return bad("account needs one of", "show, key-rollover, deactivate, update");
        o->account_action = positional[1];
        if (strcmp(o->account_action, "show") != 0 && strcmp(o->account_action, "key-rollover") != 0 &&
            strcmp(o->account_action, "deactivate") != 0 && strcmp(o->account_action, "update") != 0) {
            return bad("unknown account action", o->account_action);
        }
        if (strcmp(o->account_action, "update") == 0 && o->n_contact == 0) {
            return bad("account update needs", "--contact URI");
        }
    } else if (n_pos != 1) {
        return bad("unexpected argument", positional[1]);
    }
    if ((o->cmd == CMD_ISSUE || o->cmd == CMD_REVOKE) && o->n_ids == 0) return bad(cmd, "needs -d NAME");
    if (o->cmd == CMD_REVOKE && o->n_ids != 1) return bad("revoke", "takes one -d NAME");
    if (o->server != NULL && o->staging) return bad("--server and --staging", "choose one");
    if (o->eab_hmac_key != NULL && o->eab_hmac_key_file != NULL) {
        return bad("--eab-hmac-key and --eab-hmac-key-file", "choose one");
    }
    if ((o->eab_hmac_key != NULL || o->eab_hmac_key_file != NULL) != (o->eab_kid != NULL)) {
        return bad("external account binding", "needs both --eab-kid and a --eab-hmac-key[-file]");
    }
    if (o->webroot != NULL && o->challenge != NACME_CHALLENGE_HTTP_01) {
        return bad("--webroot", "is for http-01");
    }
    if (o->challenge == NACME_CHALLENGE_DNS_01 && o->dns_hook == NULL && o->cmd == CMD_ISSUE) {
        return bad("--challenge dns-01", "needs --dns-hook CMD");
    }
    for (size_t i = 0; i < o->n_ids; i++) {
        if (o->ids[i].value[0] == '*' && o->challenge != NACME_CHALLENGE_DNS_01) {
            return bad("a wildcard needs --challenge dns-01", o->ids[i].value);
        }
        if (o->ids[i].type == NACME_ID_IP && o->challenge == NACME_CHALLENGE_DNS_01) {
            return bad("an IP address cannot use dns-01", o->ids[i].value);
        }
    }
    return EXIT_OK;
}
