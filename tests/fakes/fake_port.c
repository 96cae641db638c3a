/* In-memory clock, storage, challenge and log ports for engine tests. */
#include "fake_port.h"

#include <stdio.h>
#include <string.h>

/* ---- clock ---------------------------------------------------------------------- */

static uint64_t clock_mono(void *ctx)
{
    return ((fake_clock_t *)ctx)->mono_ms;
}

static int clock_unix(void *ctx, int64_t *now)
{
    fake_clock_t *fc = ctx;
    if (fc->unknown) return NACME_ERR_TIME_UNKNOWN;
    *now = fc->unix_base + (int64_t)(fc->mono_ms / 1000u);
    return NACME_OK;
}

nacme_clock_t fake_clock_port(fake_clock_t *fc)
{
    nacme_clock_t c = {.ctx = fc, .monotonic_ms = clock_mono, .unix_time = clock_unix};
    return c;
}

/* ---- storage -------------------------------------------------------------------- */

void fake_storage_init(fake_storage_t *fs)
{
    memset(fs, 0, sizeof *fs);
}

static fake_object_t *find(fake_storage_t *fs, nacme_object_t obj, const char *scope)
{
    for (size_t i = 0; i < FAKE_STORE_OBJECTS; i++) {
        fake_object_t *o = &fs->objects[i];
        if (o->used && o->obj == obj && strcmp(o->scope, scope) == 0) return o;
    }
    return NULL;
}

const fake_object_t *fake_storage_get(const fake_storage_t *fs, nacme_object_t obj, const char *scope)
{
    return find((fake_storage_t *)fs, obj, scope);
}

void fake_storage_put(fake_storage_t *fs, nacme_object_t obj, const char *scope, const void *data, size_t len)
{
    fake_object_t *o = find(fs, obj, scope);
    for (size_t i = 0; o == NULL && i < FAKE_STORE_OBJECTS; i++) {
        if (!fs->objects[i].used) o = &fs->objects[i];
    }
    if (o == NULL || len > FAKE_STORE_MAX) return;
    o->used = true;
    o->obj = obj;
    snprintf(o->scope, sizeof o->scope, "%s", scope);
    memcpy(o->data, data, len);
    o->len = len;
}

void fake_storage_reboot(fake_storage_t *fs)
{
    fs->open = false;
    fs->dead = false;
    fs->cut_at = 0;
}

/* Count a write; true when power is lost at this one (the caller then fails). */
static bool write_op(fake_storage_t *fs, bool *half)
{
    *half = false;
    if (fs->dead) return true;
    fs->writes++;
    if (fs->cut_at != 0 && fs->writes == fs->cut_at) {
        fs->dead = true;
        *half = fs->cut_mid;
        return true;
    }
    return false;
}

static bool pending(fake_storage_t *fs)
{
    fs->calls++;
    return fs->pending_every != 0 && fs->calls % fs->pending_every == 0;
}

static int st_begin(void *ctx, nacme_object_t obj, const char *scope)
{
    fake_storage_t *fs = ctx;
    bool half;
    if (pending(fs)) {
        fs->opening = true;
        return NACME_PENDING;
    }
    fs->opening = false;
    if (fs->open) return NACME_ERR_STATE;
    if (fs->cut_obj != 0 && obj == fs->cut_obj && ++fs->obj_begins == fs->cut_obj_nth) fs->dead = true;
    if (write_op(fs, &half)) return NACME_ERR_STORAGE;
    fs->open = true;
    fs->w_obj = obj;
    snprintf(fs->w_scope, sizeof fs->w_scope, "%s", scope);
    fs->w_len = 0;
    return NACME_OK;
}

static int st_append(void *ctx, const uint8_t *data, size_t len)
{
    fake_storage_t *fs = ctx;
    bool half;
    if (pending(fs)) return NACME_PENDING;
    if (!fs->open) return NACME_ERR_STATE;
    if (fs->w_len + len > FAKE_STORE_MAX) return NACME_ERR_STORAGE;
    if (write_op(fs, &half)) {
        if (half) { /* a torn write: half the bytes land in the open (uncommitted) version */
            memcpy(fs->w_data + fs->w_len, data, len / 2u);
            fs->w_len += len / 2u;
        }
        return NACME_ERR_STORAGE;
    }
    memcpy(fs->w_data + fs->w_len, data, len);
    fs->w_len += len;
    return NACME_OK;
}

static int st_commit(void *ctx)
{
    fake_storage_t *fs = ctx;
    bool half;
    if (pending(fs)) return NACME_PENDING;
    if (!fs->open) return NACME_ERR_STATE;
    if (write_op(fs, &half)) {
        /* in the middle of a commit: it is durable, but the caller never learns */
        if (half) {
            fake_storage_put(fs, fs->w_obj, fs->w_scope, fs->w_data, fs->w_len);
            if (fs->w_obj == NACME_OBJ_CERT) fs->cert_commits++;
        }
        fs->open = false;
        return NACME_ERR_STORAGE;
    }
    fake_storage_put(fs, fs->w_obj, fs->w_scope, fs->w_data, fs->w_len);
    fs->open = false;
    fs->commits++;
    if (fs->w_obj == NACME_OBJ_CERT) fs->cert_commits++;
    return NACME_OK;
}

static void st_abort(void *ctx)
{
    ((fake_storage_t *)ctx)->open = false;
    ((fake_storage_t *)ctx)->opening = false;
}

static int st_read(void *ctx, nacme_object_t obj, const char *scope, uint32_t offset, uint8_t *buf,
                   size_t len, size_t *got)
{
    fake_storage_t *fs = ctx;
    if (pending(fs)) return NACME_PENDING;
    if (fs->dead) return NACME_ERR_STORAGE;
    const fake_object_t *o = find(fs, obj, scope);
    if (o == NULL) return NACME_ERR_NOT_FOUND;
    size_t n = offset >= o->len ? 0 : o->len - offset;
    if (n > len) n = len;
    memcpy(buf, o->data + offset, n);
    *got = n;
    return NACME_OK;
}

static int st_remove(void *ctx, nacme_object_t obj, const char *scope)
{
    fake_storage_t *fs = ctx;
    bool half;
    if (pending(fs)) return NACME_PENDING;
    if (write_op(fs, &half)) {
        fake_object_t *o = half ? find(fs, obj, scope) : NULL;
        if (o != NULL) o->used = false;
        return NACME_ERR_STORAGE;
    }
    fake_object_t *o = find(fs, obj, scope);
    if (o != NULL) o->used = false;
    return NACME_OK;
}

nacme_storage_t fake_storage_port(fake_storage_t *fs)
{
    nacme_storage_t s = {.ctx = fs, .begin = st_begin, .append = st_append, .commit = st_commit,
                         .abort = st_abort, .read = st_read, .remove = st_remove};
    return s;
}

/* ---- challenge ------------------------------------------------------------------ */

void fake_challenge_init(fake_challenge_t *fc, unsigned supported)
{
    memset(fc, 0, sizeof *fc);
    fc->supported = supported;
}

unsigned fake_challenge_live(const fake_challenge_t *fc)
{
    unsigned n = 0;
    for (size_t i = 0; i < FAKE_CHALLENGES; i++) n += fc->items[i].live;
    return n;
}

static bool take_pending(fake_challenge_t *fc)
{
    if (fc->pending_now < fc->pending_left) {
        fc->pending_now++;
        return true;
    }
    fc->pending_now = 0;
    return false;
}

static fake_published_t *item_for(fake_challenge_t *fc, const nacme_challenge_t *ch, bool create)
{
    for (size_t i = 0; i < FAKE_CHALLENGES; i++) {
        fake_published_t *p = &fc->items[i];
        if (p->live && p->type == ch->type && strcmp(p->identifier, ch->identifier) == 0 &&
            p->wildcard == ch->wildcard) {
            return p;
        }
    }
    for (size_t i = 0; create && i < FAKE_CHALLENGES; i++) {
        if (!fc->items[i].live) return &fc->items[i];
    }
    return NULL;
}

static int ch_publish(void *ctx, const nacme_challenge_t *ch)
{
    fake_challenge_t *fc = ctx;
    /* like a DNS hook still running: a publish that answers pending may have made the material live already */
    bool pending = take_pending(fc);
    if (!pending && fc->fail_publish) return NACME_ERR_CHALLENGE;
    fake_published_t *p = item_for(fc, ch, true);
    if (p == NULL) return NACME_ERR_CHALLENGE;
    memset(p, 0, sizeof *p);
    p->live = true;
    p->type = ch->type;
    p->wildcard = ch->wildcard;
    snprintf(p->identifier, sizeof p->identifier, "%s", ch->identifier);
    snprintf(p->token, sizeof p->token, "%s", ch->token);
    snprintf(p->key_authorization, sizeof p->key_authorization, "%s", ch->key_authorization);
    if (ch->dns_txt_value) snprintf(p->dns_value, sizeof p->dns_value, "%s", ch->dns_txt_value);
    if (ch->alpn_cert_der && ch->alpn_cert_len <= sizeof p->alpn_der) {
        memcpy(p->alpn_der, ch->alpn_cert_der, ch->alpn_cert_len);
        p->alpn_len = ch->alpn_cert_len;
    }
    if (pending) return NACME_PENDING;
    fc->publishes++;
    unsigned live = fake_challenge_live(fc);
    if (live > fc->live_max) fc->live_max = live;
    return NACME_OK;
}

static int ch_settle(void *ctx)
{
    fake_challenge_t *fc = ctx;
    if (take_pending(fc)) return NACME_PENDING;
    fc->settles++;
    fc->live_at_settle = fake_challenge_live(fc);
    return NACME_OK;
}

static int ch_unpublish(void *ctx, const nacme_challenge_t *ch)
{
    fake_challenge_t *fc = ctx;
    if (take_pending(fc)) return NACME_PENDING;
    fake_published_t *p = item_for(fc, ch, false);
    if (p != NULL) p->live = false;
    fc->unpublishes++;
    return NACME_OK;
}

nacme_challenge_port_t fake_challenge_port(fake_challenge_t *fc)
{
    nacme_challenge_port_t p = {.ctx = fc, .supported = fc->supported, .publish = ch_publish,
                                .settle = ch_settle, .unpublish = ch_unpublish};
    return p;
}

/* ---- log -------------------------------------------------------------------------- */

static void log_write(void *ctx, nacme_log_level_t level, const char *line)
{
    fake_log_t *fl = ctx;
    int n = snprintf(fl->text + fl->len, sizeof fl->text - fl->len, "[%d] %s\n", (int)level, line);
    if (n > 0 && (size_t)n < sizeof fl->text - fl->len) fl->len += (size_t)n;
    if (fl->echo) fprintf(stderr, "# log[%d] %s\n", (int)level, line);
}

nacme_log_t fake_log_port(fake_log_t *fl)
{
    nacme_log_t l = {.ctx = fl, .write = log_write};
    return l;
}

bool fake_log_has(const fake_log_t *fl, const char *needle)
{
    return strstr(fl->text, needle) != NULL;
}
