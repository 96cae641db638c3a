/*
 * Settings the command remembers: per certificate in DIR/certs/NAME/meta.json
 * (so renew needs no options), and the state directory's server and CA file
 * in DIR/config.json (so revoke and account need none either). Written with
 * nanoacme's own JSON writer, read with its reader.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nacme_ip.h"
#include "nacme_linux.h"

#define META_MAX 8192

int cert_dir_name(const char *name, char *out, size_t cap)
{
    return nacme_linux_storage_name(name, true, out, cap);
}

static int read_small_file(const char *path, char *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? NACME_ERR_NOT_FOUND : NACME_ERR_STORAGE;
    size_t n = 0;
    for (unsigned i = 0; i < 1024u && n < cap; i++) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n >= cap) return NACME_ERR_TOO_LARGE;
    *len = n;
    return NACME_OK;
}

static const char *challenge_name(nacme_challenge_type_t t)
{
    return t == NACME_CHALLENGE_DNS_01 ? "dns-01" : t == NACME_CHALLENGE_TLS_ALPN_01 ? "tls-alpn-01" : "http-01";
}

static void put_str(nacme_jw_t *w, const char *key, const char *value)
{
    if (value == NULL || value[0] == '\0') return;
    nacme_jw_key(w, key);
    nacme_jw_string(w, value);
}

static void put_int(nacme_jw_t *w, const char *key, int64_t v)
{
    nacme_jw_key(w, key);
    nacme_jw_int(w, v);
}

int meta_save(const char *state_dir, const cert_meta_t *m)
{
    static char buf[META_MAX];
    nacme_sb_t sb;
    nacme_jw_t w;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_jw_init(&w, &sb);
    nacme_jw_object_begin(&w);
    put_str(&w, "server", m->server);
    put_str(&w, "ca_file", m->ca_file);
    nacme_jw_key(&w, "names");
    nacme_jw_array_begin(&w);
    for (size_t i = 0; i < m->n_ids; i++) nacme_jw_string(&w, m->id_text[i]);
    nacme_jw_array_end(&w);
    put_str(&w, "challenge", challenge_name(m->challenge));
    put_str(&w, "http_address", m->http_address);
    if (m->http_port) put_int(&w, "http_port", m->http_port);
    put_str(&w, "webroot", m->webroot);
    put_str(&w, "tls_address", m->tls_address);
    if (m->tls_port) put_int(&w, "tls_port", m->tls_port);
    put_str(&w, "dns_hook", m->dns_hook);
    if (m->dns_wait) put_int(&w, "dns_wait", m->dns_wait);
    put_str(&w, "preferred_chain", m->preferred_chain);
    put_str(&w, "profile", m->profile);
    if (m->reuse_key) {
        nacme_jw_key(&w, "reuse_key");
        nacme_jw_bool(&w, true);
    }
    put_str(&w, "deploy_hook", m->deploy_hook);
    if (m->days) put_int(&w, "days", m->days);
    nacme_jw_object_end(&w);
    nacme_sb_putc(&sb, '\n');
    if (nacme_jw_finish(&w) != NACME_OK) return NACME_ERR_TOO_LARGE;
    char dir[4096], name[NACME_LINUX_NAME_MAX + 1];
    int rc = cert_dir_name(m->name, name, sizeof name);
    if (rc != NACME_OK) return rc;
    if ((size_t)snprintf(dir, sizeof dir, "%s/certs/%s", state_dir, name) >= sizeof dir) return NACME_ERR_TOO_LARGE;
    return nacme_linux_write_file_atomic(dir, "meta.json", buf, sb.len, 0600);
}

static void get_str(const nacme_json_t *j, const char *key, char *out, size_t cap)
{
    out[0] = '\0';
    int t = nacme_json_get_typed(j, 0, key, NACME_JSON_STRING);
    if (t >= 0 && nacme_json_string(j, t, out, cap, NULL) != NACME_OK) out[0] = '\0';
}

static int64_t get_int(const nacme_json_t *j, const char *key)
{
    int64_t v = 0;
    int t = nacme_json_get_typed(j, 0, key, NACME_JSON_NUMBER);
    if (t < 0 || nacme_json_int(j, t, &v) != NACME_OK) return 0;
    return v;
}

int meta_load(const char *state_dir, const char *dir_name, cert_meta_t *m)
{
    static char buf[META_MAX];
    char path[4096];
    size_t len;
    memset(m, 0, sizeof *m);
    if ((size_t)snprintf(path, sizeof path, "%s/certs/%s/meta.json", state_dir, dir_name) >= sizeof path) {
        return NACME_ERR_TOO_LARGE;
    }
    int rc = read_small_file(path, buf, sizeof buf, &len);
    if (rc != NACME_OK) return rc;
    jsmntok_t toks[128];
    nacme_json_t j;
    nacme_json_init(&j, toks, 128);
    if (nacme_json_parse(&j, buf, len) != NACME_OK || nacme_json_type(&j, 0) != NACME_JSON_OBJECT) {
        return NACME_ERR_STORAGE_CORRUPT;
    }
    get_str(&j, "server", m->server, sizeof m->server);
    get_str(&j, "ca_file", m->ca_file, sizeof m->ca_file);
    int names = nacme_json_get_typed(&j, 0, "names", NACME_JSON_ARRAY);
    for (int e = names >= 0 ? nacme_json_first(&j, names) : -1; e >= 0 && m->n_ids < NACME_MAX_IDENTIFIERS;
         e = nacme_json_next(&j, names, e)) {
        char *t = m->id_text[m->n_ids];
        if (nacme_json_string(&j, e, t, sizeof m->id_text[0], NULL) != NACME_OK) return NACME_ERR_STORAGE_CORRUPT;
        uint8_t ip[16];
        size_t ip_len;
        m->ids[m->n_ids].type = nacme_ip_parse(t, strlen(t), ip, &ip_len) == NACME_OK ? NACME_ID_IP : NACME_ID_DNS;
        m->ids[m->n_ids].value = t;
        m->n_ids++;
    }
    if (m->n_ids == 0 || m->server[0] == '\0') return NACME_ERR_STORAGE_CORRUPT;
    snprintf(m->name, sizeof m->name, "%s", m->id_text[0]);
    char ch[16];
    get_str(&j, "challenge", ch, sizeof ch);
    m->challenge = strcmp(ch, "dns-01") == 0       ? NACME_CHALLENGE_DNS_01
                   : strcmp(ch, "tls-alpn-01") == 0 ? NACME_CHALLENGE_TLS_ALPN_01
                                                    : NACME_CHALLENGE_HTTP_01;
    get_str(&j, "http_address", m->http_address, sizeof m->http_address);
    m->http_port = (uint16_t)get_int(&j, "http_port");
    get_str(&j, "webroot", m->webroot, sizeof m->webroot);
    get_str(&j, "tls_address", m->tls_address, sizeof m->tls_address);
    m->tls_port = (uint16_t)get_int(&j, "tls_port");
    get_str(&j, "dns_hook", m->dns_hook, sizeof m->dns_hook);
    m->dns_wait = (uint32_t)get_int(&j, "dns_wait");
    get_str(&j, "preferred_chain", m->preferred_chain, sizeof m->preferred_chain);
    get_str(&j, "profile", m->profile, sizeof m->profile);
    m->reuse_key = nacme_json_get_typed(&j, 0, "reuse_key", NACME_JSON_TRUE) >= 0;
    get_str(&j, "deploy_hook", m->deploy_hook, sizeof m->deploy_hook);
    m->days = (uint32_t)get_int(&j, "days");
    return NACME_OK;
}

static void copy(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src != NULL ? src : "");
}

void meta_from_options(const options_t *o, const char *server, cert_meta_t *m)
{
    memset(m, 0, sizeof *m);
    copy(m->server, sizeof m->server, server);
    copy(m->ca_file, sizeof m->ca_file, o->ca_file);
    for (size_t i = 0; i < o->n_ids; i++) {
        copy(m->id_text[i], sizeof m->id_text[0], o->id_text[i]);
        m->ids[i].type = o->ids[i].type;
        m->ids[i].value = m->id_text[i];
    }
    m->n_ids = o->n_ids;
    copy(m->name, sizeof m->name, o->id_text[0]);
    m->challenge = o->challenge;
    copy(m->http_address, sizeof m->http_address, o->http_address);
    m->http_port = o->http_port;
    copy(m->webroot, sizeof m->webroot, o->webroot);
    copy(m->tls_address, sizeof m->tls_address, o->tls_address);
    m->tls_port = o->tls_port;
    copy(m->dns_hook, sizeof m->dns_hook, o->dns_hook);
    m->dns_wait = o->dns_wait;
    copy(m->preferred_chain, sizeof m->preferred_chain, o->preferred_chain);
    copy(m->profile, sizeof m->profile, o->profile);
    m->reuse_key = o->reuse_key;
    copy(m->deploy_hook, sizeof m->deploy_hook, o->deploy_hook);
    m->days = o->days;
}

int config_save(const char *state_dir, const char *server, const char *ca_file)
{
    char buf[2048];
    nacme_sb_t sb;
    nacme_jw_t w;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_jw_init(&w, &sb);
    nacme_jw_object_begin(&w);
    put_str(&w, "server", server);
    put_str(&w, "ca_file", ca_file);
    nacme_jw_object_end(&w);
    nacme_sb_putc(&sb, '\n');
    if (nacme_jw_finish(&w) != NACME_OK) return NACME_ERR_TOO_LARGE;
    return nacme_linux_write_file_atomic(state_dir, "config.json", buf, sb.len, 0600);
}

int config_load(const char *state_dir, char *server, size_t server_cap, char *ca_file, size_t ca_cap)
{
    char buf[2048], path[4096];
    size_t len;
    server[0] = ca_file[0] = '\0';
    if ((size_t)snprintf(path, sizeof path, "%s/config.json", state_dir) >= sizeof path) return NACME_ERR_TOO_LARGE;
    int rc = read_small_file(path, buf, sizeof buf, &len);
    if (rc != NACME_OK) return rc;
    jsmntok_t toks[16];
    nacme_json_t j;
    nacme_json_init(&j, toks, 16);
    if (nacme_json_parse(&j, buf, len) != NACME_OK || nacme_json_type(&j, 0) != NACME_JSON_OBJECT) {
        return NACME_ERR_STORAGE_CORRUPT;
    }
    get_str(&j, "server", server, server_cap);
    get_str(&j, "ca_file", ca_file, ca_cap);
    return NACME_OK;
}
