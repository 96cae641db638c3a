/*
 * nanoacme show: every stored certificate with its names, validity, next
 * renewal and why, and the last error; --json for a router's web UI.
 * Reads files only (no network, no lock needed: every file is replaced
 * atomically).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "nacme_linux.h"

struct cert_info {
    bool have_cert;
    int64_t not_before, not_after;
    int64_t renew_at;
    nacme_renew_reason_t reason;
    int64_t next_attempt;
    int64_t failures;
    int64_t last_error;
    char problem[64];
    char detail[256];
};

static int read_file(const char *path, uint8_t *buf, size_t cap, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t n = 0;
    for (unsigned i = 0; i < 4096u && n < cap; i++) {
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += (size_t)r;
    }
    close(fd);
    *len = n;
    return n < cap ? 0 : -1;
}

static int64_t json_i64(const nacme_json_t *j, const char *key)
{
    int64_t v = 0;
    int t = nacme_json_get_typed(j, 0, key, NACME_JSON_NUMBER);
    if (t < 0 || nacme_json_int(j, t, &v) != NACME_OK) return 0;
    return v;
}

static void load_info(const char *state_dir, const char *dir, const cert_meta_t *m, struct cert_info *ci)
{
    static uint8_t buf[65536];
    uint8_t der[4096];
    char path[4096];
    size_t len;
    memset(ci, 0, sizeof *ci);
    nacme_renew_input_t in;
    memset(&in, 0, sizeof in);
    snprintf(path, sizeof path, "%s/certs/%s/cert.pem", state_dir, dir);
    if (read_file(path, buf, sizeof buf, &len) == 0) {
        nacme_pem_splitter_t s;
        nacme_pem_splitter_init(&s, der, sizeof der);
        size_t used;
        nacme_pem_event_t ev;
        nacme_x509_t x;
        if (nacme_pem_split(&s, (const char *)buf, len, &used, &ev) == NACME_OK && ev == NACME_PEM_BLOCK &&
            nacme_x509_parse(s.der, s.der_len, &x) == NACME_OK) {
            ci->have_cert = true;
            ci->not_before = x.not_before;
            ci->not_after = x.not_after;
            nacme_renew_input_of(&in, &x);
        }
    }
    snprintf(path, sizeof path, "%s/certs/%s/state.json", state_dir, dir);
    if (read_file(path, buf, sizeof buf, &len) == 0) {
        jsmntok_t toks[32];
        nacme_json_t j;
        nacme_json_init(&j, toks, 32);
        if (nacme_json_parse(&j, (const char *)buf, len) == NACME_OK && nacme_json_type(&j, 0) == NACME_JSON_OBJECT) {
            in.ari_moment = json_i64(&j, "ari_moment");
            ci->next_attempt = json_i64(&j, "next_attempt");
            ci->failures = json_i64(&j, "failures");
            ci->last_error = json_i64(&j, "last_error");
            int t = nacme_json_get_typed(&j, 0, "problem", NACME_JSON_STRING);
            if (t >= 0) (void)nacme_json_string(&j, t, ci->problem, sizeof ci->problem, NULL);
            t = nacme_json_get_typed(&j, 0, "detail", NACME_JSON_STRING);
            if (t >= 0) (void)nacme_json_string(&j, t, ci->detail, sizeof ci->detail, NULL);
        }
    }
    in.days = m->days;
    if (ci->have_cert) ci->renew_at = nacme_renew_time(&in, &ci->reason);
}

static const char *reason_text(nacme_renew_reason_t r)
{
    switch (r) {
    case NACME_RENEW_ARI: return "the CA's renewal window (ARI)";
    case NACME_RENEW_DAYS: return "days before expiry";
    case NACME_RENEW_FRACTION: return "a third of the lifetime left";
    case NACME_RENEW_FORCED: return "forced";
    default: return "unknown";
    }
}

static const char *reason_key(nacme_renew_reason_t r)
{
    switch (r) {
    case NACME_RENEW_ARI: return "ari";
    case NACME_RENEW_DAYS: return "days";
    case NACME_RENEW_FRACTION: return "fraction";
    case NACME_RENEW_FORCED: return "forced";
    default: return "unknown";
    }
}

static void iso(int64_t t, char out[32])
{
    if (t == 0 || nacme_time_format_rfc3339(t, out, 32) != NACME_OK) snprintf(out, 32, "-");
}

static void print_text(const char *state_dir, const char *dir, const cert_meta_t *m, const struct cert_info *ci)
{
    char nb[32], na[32], ra[32], nx[32];
    iso(ci->not_before, nb);
    iso(ci->not_after, na);
    iso(ci->renew_at, ra);
    iso(ci->next_attempt, nx);
    printf("%s\n  names:     ", m->name);
    for (size_t i = 0; i < m->n_ids; i++) printf("%s%s", i ? ", " : "", m->id_text[i]);
    printf("\n  server:    %s\n", m->server);
    if (ci->have_cert) {
        printf("  valid:     %s .. %s\n  renewal:   from %s (%s)\n", nb, na, ra, reason_text(ci->reason));
    } else {
        printf("  valid:     no certificate stored\n");
    }
    printf("  files:     %s/certs/%s/{privkey,cert,chain,fullchain}.pem\n", state_dir, dir);
    if (ci->last_error != 0) {
        printf("  last error: %s", nacme_strerror((int)ci->last_error));
        if (ci->problem[0]) printf(" (%s%s%s)", ci->problem, ci->detail[0] ? ": " : "", ci->detail);
        printf("\n");
        printf("  next attempt not before %s (%lld failures in a row)\n", nx, (long long)ci->failures);
    }
}

static void print_json(bool first, const char *state_dir, const char *dir, const cert_meta_t *m,
                       const struct cert_info *ci)
{
    static char buf[8192];
    char nb[32], na[32], ra[32], nx[32], path[4096];
    nacme_sb_t sb;
    nacme_jw_t w;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_jw_init(&w, &sb);
    iso(ci->not_before, nb);
    iso(ci->not_after, na);
    iso(ci->renew_at, ra);
    iso(ci->next_attempt, nx);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "name");
    nacme_jw_string(&w, m->name);
    nacme_jw_key(&w, "names");
    nacme_jw_array_begin(&w);
    for (size_t i = 0; i < m->n_ids; i++) nacme_jw_string(&w, m->id_text[i]);
    nacme_jw_array_end(&w);
    nacme_jw_key(&w, "server");
    nacme_jw_string(&w, m->server);
    nacme_jw_key(&w, "certificate");
    nacme_jw_bool(&w, ci->have_cert);
    if (ci->have_cert) {
        nacme_jw_key(&w, "not_before");
        nacme_jw_string(&w, nb);
        nacme_jw_key(&w, "not_after");
        nacme_jw_string(&w, na);
        nacme_jw_key(&w, "renew_at");
        nacme_jw_string(&w, ra);
        nacme_jw_key(&w, "renew_reason");
        nacme_jw_string(&w, reason_key(ci->reason));
    }
    snprintf(path, sizeof path, "%s/certs/%s", state_dir, dir);
    nacme_jw_key(&w, "directory");
    nacme_jw_string(&w, path);
    nacme_jw_key(&w, "last_error");
    if (ci->last_error == 0) {
        nacme_jw_null(&w);
    } else {
        nacme_jw_object_begin(&w);
        nacme_jw_key(&w, "code");
        nacme_jw_int(&w, ci->last_error);
        nacme_jw_key(&w, "text");
        nacme_jw_string(&w, nacme_strerror((int)ci->last_error));
        nacme_jw_key(&w, "problem");
        nacme_jw_string(&w, ci->problem);
        nacme_jw_key(&w, "detail");
        nacme_jw_string(&w, ci->detail);
        nacme_jw_key(&w, "failures");
        nacme_jw_int(&w, ci->failures);
        nacme_jw_key(&w, "next_attempt");
        nacme_jw_string(&w, nx);
        nacme_jw_object_end(&w);
    }
    nacme_jw_object_end(&w);
    if (nacme_jw_finish(&w) != NACME_OK) return;
    printf("%s\n  %.*s", first ? "" : ",", (int)sb.len, buf);
}

int cmd_show(const options_t *o)
{
    char certs[4096];
    snprintf(certs, sizeof certs, "%s/certs", o->state_dir);
    DIR *d = opendir(certs);
    unsigned shown = 0;
    if (o->json) printf("{\"certificates\": [");
    if (d != NULL) {
        for (struct dirent *e; shown < 1000u && (e = readdir(d)) != NULL;) {
            if (e->d_name[0] == '.') continue;
            static cert_meta_t m;
            if (meta_load(o->state_dir, e->d_name, &m) != NACME_OK) continue;
            struct cert_info ci;
            load_info(o->state_dir, e->d_name, &m, &ci);
            if (o->json) print_json(shown == 0, o->state_dir, e->d_name, &m, &ci);
            else print_text(o->state_dir, e->d_name, &m, &ci);
            shown++;
        }
        closedir(d);
    }
    if (o->json) printf("\n]}\n");
    else if (shown == 0) printf("no certificates in %s\n", o->state_dir);
    return EXIT_OK;
}
