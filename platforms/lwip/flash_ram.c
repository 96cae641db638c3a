/* A flash driver over RAM or memory-mapped flash contents, with NOR semantics (nacme_flash_storage.h). */
#include "nacme_flash_storage.h"

#include <string.h>

static bool in_range(const nacme_flash_ram_t *r, uint32_t addr, size_t len)
{
    uint64_t size = (uint64_t)r->sector_size * r->sectors;
    return (uint64_t)addr <= size && len <= size - addr;
}

/*
 * Busy-time emulation around an operation whose effect `rc` is already in
 * memory: NACME_PENDING while polls are left, then rc. A call for anything
 * else while busy is a contract breach: NACME_ERR_STORAGE.
 */
static int busy_start(nacme_flash_ram_t *r, bool erase, uint32_t addr, size_t len, int rc)
{
    if (r->busy_polls == 0) return rc;
    r->busy_left = r->busy_polls;
    r->busy_erase = erase;
    r->busy_addr = addr;
    r->busy_len = len;
    r->busy_rc = rc;
    return NACME_PENDING;
}

/* A call while an operation runs (true, *rc set): its poll, or a breach of the contract. */
static bool busy_poll(nacme_flash_ram_t *r, bool erase, uint32_t addr, size_t len, int *rc)
{
    if (r->busy_left == 0) return false;
    if (erase != r->busy_erase || addr != r->busy_addr || len != r->busy_len) {
        *rc = NACME_ERR_STORAGE;
        return true;
    }
    *rc = --r->busy_left > 0 ? NACME_PENDING : r->busy_rc;
    return true;
}

static int ram_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    const nacme_flash_ram_t *r = ctx;
    if (r->busy_left > 0 || buf == NULL || !in_range(r, addr, len)) return NACME_ERR_STORAGE;
    memcpy(buf, r->base + addr, len);
    return NACME_OK;
}

static int ram_erase(void *ctx, uint32_t sector)
{
    nacme_flash_ram_t *r = ctx;
    int rc;
    if (busy_poll(r, true, sector, 0, &rc)) return rc;
    if (sector >= r->sectors) return NACME_ERR_STORAGE;
    memset(r->base + (size_t)sector * r->sector_size, 0xff, r->sector_size);
    return busy_start(r, true, sector, 0, NACME_OK);
}

static int ram_program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    nacme_flash_ram_t *r = ctx;
    int rc = NACME_OK;
    if (busy_poll(r, false, addr, len, &rc)) return rc;
    if (data == NULL || !in_range(r, addr, len)) return NACME_ERR_STORAGE;
    uint8_t *p = r->base + addr;
    for (size_t i = 0; i < len; i++) {
        /* programming clears bits only; a bit that had to be set is a write error */
        if ((uint8_t)(p[i] & data[i]) != data[i]) rc = NACME_ERR_STORAGE;
        p[i] &= data[i];
    }
    return busy_start(r, false, addr, len, rc);
}

void nacme_flash_ram_init(nacme_flash_ram_t *r, uint8_t *base, uint32_t sector_size, uint32_t sectors,
                          nacme_flash_t *out)
{
    if (r == NULL || out == NULL) return;
    memset(r, 0, sizeof *r);
    r->base = base;
    r->sector_size = sector_size;
    r->sectors = sectors;
    *out = (nacme_flash_t){.ctx = r,
                           .sector_size = sector_size,
                           .sectors = sectors,
                           .read = ram_read,
                           .erase = ram_erase,
                           .program = ram_program};
}
