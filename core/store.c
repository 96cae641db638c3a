/*
 * The storage sub-machine: whole-object reads and writes through the
 * storage port, each step of which may answer "pending". One storage
 * operation runs at a time per context (c->st_stage, c->st_off).
 */
#include <string.h>

#include "engine.h"

/* How soon to ask a port again after it said "pending". */
#ifndef NACME_PENDING_RETRY_MS
#define NACME_PENDING_RETRY_MS 10u
#endif

static int pending(nacme_t *c)
{
    return nacme_wait_ms(c, NACME_PENDING_RETRY_MS);
}

static void reset(nacme_t *c)
{
    c->st_stage = 0;
    c->st_off = 0;
}

int nacme_store_read(nacme_t *c, nacme_object_t obj, const char *scope, uint8_t *buf, size_t cap,
                     size_t *len)
{
    const nacme_storage_t *st = &c->port->storage;
    /* Each round reads at least one byte or ends, so cap + 2 rounds bound the loop. */
    for (size_t round = 0; round < cap + 2u; round++) {
        size_t got = 0;
        uint8_t probe;
        bool full = c->st_off >= cap;
        int rc = st->read(st->ctx, obj, scope, c->st_off, full ? &probe : buf + c->st_off,
                          full ? 1u : cap - c->st_off, &got);
        if (rc == NACME_PENDING) return pending(c);
        if (rc != NACME_OK) {
            reset(c);
            return rc;
        }
        if (got == 0) {
            *len = c->st_off;
            reset(c);
            return NACME_OK;
        }
        if (full) {
            reset(c);
            NACME_LOG_ERROR(c, "object %d of %s too large", (int)obj, scope);
            return NACME_ERR_TOO_LARGE;
        }
        c->st_off += (uint32_t)got;
    }
    reset(c);
    return NACME_ERR_STORAGE;
}

int nacme_store_load(nacme_t *c, nacme_object_t obj, const char *scope, size_t *len)
{
    return nacme_store_read(c, obj, scope, c->buf, NACME_BUF_SIZE, len);
}

int nacme_store_write(nacme_t *c, nacme_object_t obj, const char *scope)
{
    const uint8_t *data = c->buf;
    size_t len = c->data_len;
    const nacme_storage_t *st = &c->port->storage;
    int rc;
    /* stages: 0 idle, 1 begin called (maybe pending: abort() drops it too), 2 appending, 3 committing */
    switch (c->st_stage) {
    case 0:
        c->st_stage = 1;
        /* fall through */
    case 1:
        rc = st->begin(st->ctx, obj, scope);
        if (rc == NACME_PENDING) return pending(c);
        if (rc != NACME_OK) break;
        c->st_stage = 2;
        /* fall through */
    case 2:
        rc = len > 0 ? st->append(st->ctx, data, len) : NACME_OK;
        if (rc == NACME_PENDING) return pending(c);
        if (rc != NACME_OK) break;
        c->st_stage = 3;
        /* fall through */
    case 3:
        rc = st->commit(st->ctx);
        if (rc == NACME_PENDING) return pending(c);
        break;
    default:
        rc = NACME_ERR_INTERNAL;
        break;
    }
    if (rc != NACME_OK && c->st_stage > 0) st->abort(st->ctx);
    reset(c);
    return rc;
}

void nacme_store_abandon(nacme_t *c)
{
    if (c->st_stage > 0) c->port->storage.abort(c->port->storage.ctx);
    reset(c);
}

const char *nacme_account_scope(const nacme_t *c)
{
    return nacme_str(c, c->scope);
}

int nacme_store_remove(nacme_t *c, nacme_object_t obj, const char *scope)
{
    int rc = c->port->storage.remove(c->port->storage.ctx, obj, scope);
    if (rc == NACME_PENDING) return pending(c);
    return rc;
}
