/* A flash driver over RAM or memory-mapped flash contents, with NOR semantics (nacme_flash_storage.h). */
#include "nacme_flash_storage.h"

#include <string.h>

static bool in_range(const nacme_flash_ram_t *r, uint32_t addr, size_t len)
{
    uint64_t size = (uint64_t)r->sector_size * r->sectors;
    return (uint64_t)addr <= size && len <= size - addr;
}

static int ram_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    const nacme_flash_ram_t *r = ctx;
    if (buf == NULL || !in_range(r, addr, len)) return NACME_ERR_STORAGE;
    memcpy(buf, r->base + addr, len);
    return NACME_OK;
}

static int ram_erase(void *ctx, uint32_t sector)
{
    const nacme_flash_ram_t *r = ctx;
    if (sector >= r->sectors) return NACME_ERR_STORAGE;
    memset(r->base + (size_t)sector * r->sector_size, 0xff, r->sector_size);
    return NACME_OK;
}

static int ram_program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    const nacme_flash_ram_t *r = ctx;
    if (data == NULL || !in_range(r, addr, len)) return NACME_ERR_STORAGE;
    int rc = NACME_OK;
    uint8_t *p = r->base + addr;
    for (size_t i = 0; i < len; i++) {
        /* programming clears bits only; a bit that had to be set is a write error */
        if ((uint8_t)(p[i] & data[i]) != data[i]) rc = NACME_ERR_STORAGE;
        p[i] &= data[i];
    }
    return rc;
}

void nacme_flash_ram_init(nacme_flash_ram_t *r, uint8_t *base, uint32_t sector_size, uint32_t sectors,
                          nacme_flash_t *out)
{
    if (r == NULL || out == NULL) return;
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
