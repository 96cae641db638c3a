/*
 * The storage port on a flash region: two slots per object, header last,
 * the newest valid slot wins (layout and guarantees in nacme_flash_storage.h).
 */
#include "nacme_flash_storage.h"

#include <string.h>

#define HDR NACME_FLASH_HEADER_SIZE
/* Bytes read at a time while checking a slot's data CRC. */
#define CHUNK 64u

static const uint8_t magic[4] = {'n', 'A', 'c', '1'};

/* What a slot's header says. */
typedef struct header {
    uint8_t obj;
    uint16_t scope_len;
    uint32_t scope_hash;
    uint32_t seq;
    uint32_t len;
    uint32_t crc;
} header_t;

/* What a slot holds. */
enum { SLOT_EMPTY = 0, SLOT_VALID, SLOT_CORRUPT };

/* The flash operation that answered NACME_PENDING (s->busy). */
enum { BUSY_NONE = 0, BUSY_RUNNING, BUSY_FINISHED };

/* CRC-32 (IEEE 802.3, reflected), four bits at a time: a 64-byte table. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static const uint32_t t[16] = {0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
                                   0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
                                   0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
                                   0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu};
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ t[crc & 15u];
        crc = (crc >> 4) ^ t[crc & 15u];
    }
    return ~crc;
}

static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 0x811c9dc5u;
    for (size_t i = 0; i < n; i++) {
        h ^= (uint8_t)s[i];
        h *= 0x01000193u;
    }
    return h;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static void header_encode(const header_t *h, uint8_t out[HDR])
{
    memset(out, 0, HDR);
    memcpy(out, magic, sizeof magic);
    out[4] = h->obj;
    out[6] = (uint8_t)h->scope_len;
    out[7] = (uint8_t)(h->scope_len >> 8);
    put32(out + 8, h->scope_hash);
    put32(out + 12, h->seq);
    put32(out + 16, h->len);
    put32(out + 20, h->crc);
    put32(out + 28, crc32_update(0, out, 28));
}

/* A complete header of ours: magic, zero fields and its own CRC. */
static bool header_decode(const uint8_t in[HDR], header_t *h)
{
    if (memcmp(in, magic, sizeof magic) != 0 || in[5] != 0 || get32(in + 24) != 0 ||
        get32(in + 28) != crc32_update(0, in, 28)) {
        return false;
    }
    h->obj = in[4];
    h->scope_len = (uint16_t)(in[6] | (in[7] << 8));
    h->scope_hash = get32(in + 8);
    h->seq = get32(in + 12);
    h->len = get32(in + 16);
    h->crc = get32(in + 20);
    return true;
}

static uint32_t slot_addr(const nacme_flash_storage_t *s, unsigned idx, unsigned slot)
{
    const nacme_flash_area_t *a = &s->area[idx];
    return (a->first + slot * a->sectors) * s->flash.sector_size;
}

static uint32_t cap_of(const nacme_flash_storage_t *s, unsigned idx)
{
    return s->area[idx].sectors * s->flash.sector_size - HDR;
}

/* NACME_OBJ_x -> 0..4, or -1. */
static int index_of(nacme_object_t obj)
{
    int i = (int)obj - 1;
    return i >= 0 && i < NACME_FLASH_OBJECTS ? i : -1;
}

/* ---- flash operations that may take a while ------------------------------------------ */

/* One driver call (a start or a poll), counted: busy answers, and erases or bytes programmed once done. */
static int call(nacme_flash_storage_t *s, bool erase, uint32_t addr, const uint8_t *data, size_t len)
{
    int rc = erase ? s->flash.erase(s->flash.ctx, addr) : s->flash.program(s->flash.ctx, addr, data, len);
    if (rc == NACME_PENDING) {
        s->stats.busy++;
    } else if (rc == NACME_OK && erase) {
        s->stats.erases++;
    } else if (rc == NACME_OK) {
        s->stats.programmed += (uint32_t)len;
    }
    return rc;
}

static int poll_busy(nacme_flash_storage_t *s)
{
    return call(s, s->busy_erase, s->busy_addr, s->busy_data, s->busy_len);
}

/*
 * Let a running operation finish before another flash call: NACME_OK when
 * the flash is idle, else NACME_PENDING. A finished operation's result is
 * kept for its owner, unless its write was aborted.
 */
static int settle(nacme_flash_storage_t *s)
{
    if (s->busy == BUSY_RUNNING) {
        int rc = poll_busy(s);
        if (rc == NACME_PENDING) return rc;
        s->busy = BUSY_FINISHED;
        s->busy_rc = rc;
    }
    if (s->busy == BUSY_FINISHED && s->busy_orphan) s->busy = BUSY_NONE;
    return NACME_OK;
}

/*
 * Erase a sector (erase) or program bytes: NACME_OK, NACME_PENDING (call
 * again with the same arguments), or an error. The same operation seen
 * again is polled, or its kept result handed over; another one waits
 * until the running one is done.
 */
static int flash_op(nacme_flash_storage_t *s, bool erase, uint32_t addr, const uint8_t *data, size_t len)
{
    bool same = s->busy != BUSY_NONE && !s->busy_orphan && s->busy_erase == erase && s->busy_addr == addr &&
                s->busy_len == len;
    if (!same) {
        if (settle(s) == NACME_PENDING) return NACME_PENDING;
        s->busy = BUSY_NONE; /* a finished result nobody asked for again */
    }
    int rc;
    if (same && s->busy == BUSY_FINISHED) {
        rc = s->busy_rc;
    } else if (same) {
        rc = poll_busy(s);
    } else {
        rc = call(s, erase, addr, data, len);
    }
    if (rc == NACME_PENDING) {
        s->busy = BUSY_RUNNING;
        s->busy_orphan = false;
        s->busy_erase = erase;
        s->busy_addr = addr;
        s->busy_data = data;
        s->busy_len = len;
        return rc;
    }
    s->busy = BUSY_NONE;
    return rc;
}

/* ---- slots ---------------------------------------------------------------------------- */

/* SLOT_EMPTY / SLOT_VALID / SLOT_CORRUPT, with *h filled for the last two; or NACME_ERR_STORAGE. */
static int check_slot(nacme_flash_storage_t *s, unsigned idx, unsigned slot, header_t *h)
{
    uint8_t b[CHUNK];
    uint32_t addr = slot_addr(s, idx, slot);
    if (s->flash.read(s->flash.ctx, addr, b, HDR) != NACME_OK) return NACME_ERR_STORAGE;
    if (!header_decode(b, h)) return SLOT_EMPTY; /* blank, cleared, or cut while written */
    if (h->obj != idx + 1u || h->len > cap_of(s, idx)) return SLOT_CORRUPT;
    uint32_t crc = 0;
    for (uint32_t off = 0; off < h->len;) { /* bounded by the slot's capacity */
        uint32_t n = h->len - off < CHUNK ? h->len - off : CHUNK;
        if (s->flash.read(s->flash.ctx, addr + HDR + off, b, n) != NACME_OK) return NACME_ERR_STORAGE;
        crc = crc32_update(crc, b, n);
        off += n;
    }
    return crc == h->crc ? SLOT_VALID : SLOT_CORRUPT;
}

/* Find the current version of object idx (once; later calls use the cache). */
static int scan(nacme_flash_storage_t *s, unsigned idx, bool *corrupt)
{
    nacme_flash_current_t *c = &s->cur[idx];
    *corrupt = false;
    if (c->scanned) return NACME_OK;
    header_t h[2];
    int st[2];
    for (unsigned slot = 0; slot < 2u; slot++) {
        st[slot] = check_slot(s, idx, slot, &h[slot]);
        if (st[slot] < 0) return st[slot];
    }
    int best = -1;
    for (int slot = 0; slot < 2; slot++) {
        if (st[slot] != SLOT_VALID) continue;
        /* serial number arithmetic: the newer of two sequence numbers, wrap included */
        if (best < 0 || (int32_t)(h[slot].seq - h[best].seq) > 0) best = slot;
    }
    if (best < 0) {
        /* not cached: a corrupt slot is reported on every read until rewritten */
        *corrupt = st[0] == SLOT_CORRUPT || st[1] == SLOT_CORRUPT;
        *c = (nacme_flash_current_t){.scanned = !*corrupt, .slot = -1};
        return NACME_OK;
    }
    *c = (nacme_flash_current_t){.scanned = true,
                                 .slot = (int8_t)best,
                                 .scope_len = h[best].scope_len,
                                 .scope_hash = h[best].scope_hash,
                                 .seq = h[best].seq,
                                 .len = h[best].len};
    return NACME_OK;
}

static bool scope_matches(const nacme_flash_current_t *c, const char *scope, size_t n)
{
    return c->slot >= 0 && c->scope_len == n && c->scope_hash == fnv1a(scope, n);
}

/* Check (obj, scope): the object's index, or a negative error. */
static int check_args(nacme_flash_storage_t *s, nacme_object_t obj, const char *scope, size_t *scope_len)
{
    int idx = index_of(obj);
    if (s == NULL || idx < 0 || scope == NULL) return NACME_ERR_ARG;
    *scope_len = strlen(scope);
    if (*scope_len > 0xffffu) return NACME_ERR_ARG;
    return idx;
}

/*
 * Clear a slot's header to zeros, so the slot can no longer be read. A
 * header that does not check is left alone: it never becomes valid again
 * without an erase.
 */
static int clear_header(nacme_flash_storage_t *s, unsigned idx, unsigned slot)
{
    header_t h;
    uint32_t addr = slot_addr(s, idx, slot);
    if (s->flash.read(s->flash.ctx, addr, s->hdr, HDR) != NACME_OK) return NACME_ERR_STORAGE;
    if (!header_decode(s->hdr, &h)) return NACME_OK;
    memset(s->hdr, 0, HDR);
    int rc = flash_op(s, false, addr, s->hdr, HDR);
    if (rc == NACME_PENDING) return rc;
    return rc == NACME_OK ? NACME_OK : NACME_ERR_STORAGE;
}

/* ---- the port ---------------------------------------------------------------------- */

static int st_begin(void *ctx, nacme_object_t obj, const char *scope)
{
    nacme_flash_storage_t *s = ctx;
    size_t scope_len;
    int idx = check_args(s, obj, scope, &scope_len);
    if (idx < 0) return idx;
    if (s->open) return NACME_ERR_STATE;
    uint32_t hash = fnv1a(scope, scope_len);
    if (s->erasing && (s->obj != (uint8_t)idx || s->scope_len != scope_len || s->scope_hash != hash)) {
        return NACME_ERR_STATE; /* another begin is under way */
    }
    int rc;
    if (!s->erasing) {
        if (settle(s) == NACME_PENDING) return NACME_PENDING;
        bool corrupt;
        if ((rc = scan(s, (unsigned)idx, &corrupt)) != NACME_OK) return rc;
        const nacme_flash_current_t *c = &s->cur[idx];
        bool have = c->scanned && c->slot >= 0;
        /* the other slot holds nothing we need: an older version, a cut write, or nothing */
        s->erasing = true;
        s->erased = 0;
        s->obj = (uint8_t)idx;
        s->slot = (uint8_t)(have ? 1u - (unsigned)c->slot : 0u);
        s->scope_len = (uint16_t)scope_len;
        s->scope_hash = hash;
        s->seq = have ? c->seq + 1u : 1u;
    }
    const nacme_flash_area_t *a = &s->area[idx];
    while (s->erased < a->sectors) { /* bounded: one sector more per NACME_OK */
        rc = flash_op(s, true, a->first + s->slot * a->sectors + s->erased, NULL, 0);
        if (rc == NACME_PENDING) return rc;
        if (rc != NACME_OK) {
            s->erasing = false;
            return NACME_ERR_STORAGE;
        }
        s->erased++;
    }
    s->erasing = false;
    s->open = true;
    s->broken = false;
    s->len = 0;
    s->crc = 0;
    return NACME_OK;
}

static int st_append(void *ctx, const uint8_t *data, size_t len)
{
    nacme_flash_storage_t *s = ctx;
    if (s == NULL || !s->open) return NACME_ERR_STATE;
    if (len == 0) return NACME_OK;
    if (data == NULL) return NACME_ERR_ARG;
    if (s->broken) return NACME_ERR_STORAGE;
    if (len > cap_of(s, s->obj) - s->len) return NACME_ERR_TOO_LARGE;
    int rc = flash_op(s, false, slot_addr(s, s->obj, s->slot) + HDR + s->len, data, len);
    if (rc == NACME_PENDING) return rc;
    if (rc != NACME_OK) {
        s->broken = true;
        return NACME_ERR_STORAGE;
    }
    s->crc = crc32_update(s->crc, data, len);
    s->len += (uint32_t)len;
    return NACME_OK;
}

static int st_commit(void *ctx)
{
    nacme_flash_storage_t *s = ctx;
    if (s == NULL || !s->open) return NACME_ERR_STATE;
    if (s->broken) {
        s->open = false;
        return NACME_ERR_STORAGE;
    }
    header_t h = {.obj = (uint8_t)(s->obj + 1u),
                  .scope_len = s->scope_len,
                  .scope_hash = s->scope_hash,
                  .seq = s->seq,
                  .len = s->len,
                  .crc = s->crc};
    header_encode(&h, s->hdr); /* the same bytes on every call */
    int rc = flash_op(s, false, slot_addr(s, s->obj, s->slot), s->hdr, HDR);
    if (rc == NACME_PENDING) return rc;
    s->open = false;
    if (rc != NACME_OK) {
        s->cur[s->obj].scanned = false; /* a half-written header: look again next time */
        return NACME_ERR_STORAGE;
    }
    s->stats.commits++;
    if (s->len > s->stats.largest) s->stats.largest = s->len;
    s->cur[s->obj] = (nacme_flash_current_t){.scanned = true,
                                             .slot = (int8_t)s->slot,
                                             .scope_len = s->scope_len,
                                             .scope_hash = s->scope_hash,
                                             .seq = s->seq,
                                             .len = s->len};
    return NACME_OK;
}

static void st_abort(void *ctx)
{
    nacme_flash_storage_t *s = ctx;
    /* the target slot has no header: it reads as empty; a running operation is finished later */
    if (s == NULL) return;
    /* a commit that answered NACME_PENDING may still land its header: look again */
    if (s->open) s->cur[s->obj].scanned = false;
    s->open = false;
    s->erasing = false;
    s->busy_orphan = true;
}

static int st_read(void *ctx, nacme_object_t obj, const char *scope, uint32_t offset, uint8_t *buf, size_t len,
                   size_t *got)
{
    nacme_flash_storage_t *s = ctx;
    if (got != NULL) *got = 0;
    size_t scope_len;
    int idx = check_args(s, obj, scope, &scope_len);
    if (idx < 0) return idx;
    if (got == NULL || (buf == NULL && len > 0)) return NACME_ERR_ARG;
    if (settle(s) == NACME_PENDING) return NACME_PENDING;
    bool corrupt;
    int rc = scan(s, (unsigned)idx, &corrupt);
    if (rc != NACME_OK) return rc;
    if (corrupt) return NACME_ERR_STORAGE_CORRUPT;
    const nacme_flash_current_t *c = &s->cur[idx];
    if (!scope_matches(c, scope, scope_len)) return NACME_ERR_NOT_FOUND;
    if (offset >= c->len || len == 0) return NACME_OK;
    size_t n = c->len - offset < len ? c->len - offset : len;
    if (s->flash.read(s->flash.ctx, slot_addr(s, (unsigned)idx, (unsigned)c->slot) + HDR + offset, buf, n) !=
        NACME_OK) {
        return NACME_ERR_STORAGE;
    }
    *got = n;
    return NACME_OK;
}

static int st_remove(void *ctx, nacme_object_t obj, const char *scope)
{
    nacme_flash_storage_t *s = ctx;
    size_t scope_len;
    int idx = check_args(s, obj, scope, &scope_len);
    if (idx < 0) return idx;
    if ((s->open || s->erasing) && s->obj == (uint8_t)idx) return NACME_ERR_STATE;
    /* a header clear that answered pending is finished first; reading the header again tells whether it landed */
    if (settle(s) == NACME_PENDING) return NACME_PENDING;
    bool corrupt;
    int rc = scan(s, (unsigned)idx, &corrupt);
    if (rc != NACME_OK) return rc;
    nacme_flash_current_t *c = &s->cur[idx];
    if (!corrupt && (c->slot < 0 || !scope_matches(c, scope, scope_len))) return NACME_OK;
    /*
     * The other slot first: while the current one is intact it wins, and
     * once it is cleared no older version is left to come back.
     */
    unsigned first = c->slot >= 0 ? 1u - (unsigned)c->slot : 0u;
    c->scanned = false;
    if ((rc = clear_header(s, (unsigned)idx, first)) != NACME_OK) return rc;
    if ((rc = clear_header(s, (unsigned)idx, 1u - first)) != NACME_OK) return rc;
    *c = (nacme_flash_current_t){.scanned = true, .slot = -1};
    return NACME_OK;
}

/* ---- setup ------------------------------------------------------------------------- */

int nacme_flash_storage_init(nacme_flash_storage_t *s, const nacme_flash_t *flash,
                             const uint8_t slot_sectors[NACME_FLASH_OBJECTS])
{
    if (s == NULL || flash == NULL || slot_sectors == NULL || flash->read == NULL || flash->erase == NULL ||
        flash->program == NULL || flash->sector_size < 64u || flash->sector_size > (1u << 24)) {
        return NACME_ERR_ARG;
    }
    memset(s, 0, sizeof *s);
    s->flash = *flash;
    uint32_t next = 0;
    for (unsigned i = 0; i < NACME_FLASH_OBJECTS; i++) {
        uint32_t n = slot_sectors[i] != 0 ? slot_sectors[i] : 1u;
        /* n <= 255 and next <= 2 * 5 * 255: no overflow before this check */
        if (next + 2u * n > flash->sectors) return NACME_ERR_TOO_LARGE;
        s->area[i].first = next;
        s->area[i].sectors = n;
        next += 2u * n;
    }
    if ((uint64_t)next * flash->sector_size > 0xffffffffu) return NACME_ERR_TOO_LARGE;
    return NACME_OK;
}

void nacme_flash_storage_port(nacme_flash_storage_t *s, nacme_storage_t *out)
{
    if (out == NULL) return;
    *out = (nacme_storage_t){.ctx = s,
                             .begin = st_begin,
                             .append = st_append,
                             .commit = st_commit,
                             .abort = st_abort,
                             .read = st_read,
                             .remove = st_remove};
}

uint32_t nacme_flash_storage_capacity(const nacme_flash_storage_t *s, nacme_object_t obj)
{
    int idx = index_of(obj);
    return s != NULL && idx >= 0 ? cap_of(s, (unsigned)idx) : 0u;
}

void nacme_flash_storage_stats(const nacme_flash_storage_t *s, nacme_flash_stats_t *out)
{
    if (s != NULL && out != NULL) *out = s->stats;
}
