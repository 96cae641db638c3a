/*
 * The flash storage of the lwIP platform (platforms/lwip/flash_storage.c,
 * flash_ram.c) over a RAM flash: the port contract with every error code,
 * the on-flash format byte for byte, and power cuts at every programmed
 * byte and every erase of a replace and of a remove, each leaving the old
 * or the new version readable and CRC-valid; and a flash that stays busy
 * (erase and program answering NACME_PENDING) behind every call.
 */
#include "test_util.h"

#include "nacme_flash_storage.h"

#define SECTOR 256u
#define SECTORS 24u

/* A RAM flash with a power budget: each programmed byte and each erase costs one unit. */
typedef struct test_flash {
    uint8_t mem[SECTOR * SECTORS];
    nacme_flash_ram_t ram;
    nacme_flash_t inner;
    nacme_flash_t outer;
    long budget; /* units left; -1: no limit */
    long used;
    bool dead;   /* the power was cut: every call fails */
    bool torn;   /* the byte being programmed at the cut keeps only some of its cleared bits */
    int fail_program_after; /* > 0: that many program calls succeed, then they fail (no cut) */
} test_flash_t;

/* Spend one unit: 0 done, 1 the power goes now (this call is cut), 2 it was already gone. */
static int spend(test_flash_t *f)
{
    if (f->dead) return 2;
    if (f->budget == 0) {
        f->dead = true;
        return 1;
    }
    if (f->budget > 0) f->budget--;
    f->used++;
    return 0;
}

static int tf_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    test_flash_t *f = ctx;
    if (f->dead) return NACME_ERR_STORAGE;
    return f->inner.read(f->inner.ctx, addr, buf, len);
}

static int tf_erase(void *ctx, uint32_t sector)
{
    test_flash_t *f = ctx;
    int st = spend(f);
    if (st != 0) {
        if (st == 1 && sector < SECTORS) {
            /* cut in the middle of the erase: half the sector erased, the rest as it was */
            memset(f->mem + sector * SECTOR, 0xff, SECTOR / 2);
        }
        return NACME_ERR_STORAGE;
    }
    return f->inner.erase(f->inner.ctx, sector);
}

static int tf_program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    test_flash_t *f = ctx;
    if (f->fail_program_after > 0 && --f->fail_program_after == 0) return NACME_ERR_STORAGE;
    for (size_t i = 0; i < len; i++) {
        int st = spend(f);
        if (st != 0) {
            if (st == 1 && f->torn && addr + i < sizeof f->mem) {
                /* the cut byte: only the cleared bits of its high nibble made it */
                f->mem[addr + i] &= (uint8_t)(data[i] | 0x0fu);
            }
            return NACME_ERR_STORAGE;
        }
        int rc = f->inner.program(f->inner.ctx, addr + (uint32_t)i, data + i, 1);
        if (rc != NACME_OK) return rc;
    }
    return NACME_OK;
}

/* Slots: ACCOUNT_KEY 1, ACCOUNT 1, ORDER 2, CERT 4, STATE 1 sectors: 18 of 24 used. */
static const uint8_t layout[NACME_FLASH_OBJECTS] = {1, 1, 2, 4, 1};

typedef struct fixture {
    test_flash_t fl;
    nacme_flash_storage_t st;
    nacme_storage_t port;
} fixture_t;

static void attach(fixture_t *f)
{
    nacme_flash_ram_init(&f->fl.ram, f->fl.mem, SECTOR, SECTORS, &f->fl.inner);
    f->fl.outer = f->fl.inner;
    f->fl.outer.ctx = &f->fl;
    f->fl.outer.read = tf_read;
    f->fl.outer.erase = tf_erase;
    f->fl.outer.program = tf_program;
    assert_int_equal(nacme_flash_storage_init(&f->st, &f->fl.outer, layout), NACME_OK);
    nacme_flash_storage_port(&f->st, &f->port);
}

/* A power cycle: the flash keeps its bytes, the storage starts from nothing. */
static void reboot(fixture_t *f)
{
    f->fl.budget = -1;
    f->fl.dead = false;
    f->fl.torn = false;
    f->fl.fail_program_after = 0;
    memset(&f->st, 0x5a, sizeof f->st); /* nothing may survive in RAM */
    assert_int_equal(nacme_flash_storage_init(&f->st, &f->fl.outer, layout), NACME_OK);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    memset(f->fl.mem, 0, sizeof f->fl.mem); /* as QEMU's RAM starts: not erased */
    f->fl.budget = -1;
    attach(f);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

/* Write an object in pieces of `piece` bytes; the first error is returned (after abort). */
static int put_pieces(fixture_t *f, nacme_object_t obj, const char *scope, const void *data, size_t len,
                      size_t piece)
{
    int rc = f->port.begin(f->port.ctx, obj, scope);
    if (rc != NACME_OK) return rc;
    for (size_t off = 0; off < len; off += piece) {
        rc = f->port.append(f->port.ctx, (const uint8_t *)data + off, len - off < piece ? len - off : piece);
        if (rc != NACME_OK) {
            f->port.abort(f->port.ctx);
            return rc;
        }
    }
    return f->port.commit(f->port.ctx);
}

static int put(fixture_t *f, nacme_object_t obj, const char *scope, const void *data, size_t len)
{
    return put_pieces(f, obj, scope, data, len, 100);
}

/* Read the whole object in chunks; returns the status, the bytes in out (cap 2048). */
static int get_chunked(fixture_t *f, nacme_object_t obj, const char *scope, size_t chunk, uint8_t *out,
                       size_t *len)
{
    size_t n = 0;
    for (int guard = 0; guard < 5000; guard++) {
        size_t got = 12345;
        int rc = f->port.read(f->port.ctx, obj, scope, (uint32_t)n, out + n, chunk, &got);
        if (rc != NACME_OK) {
            assert_int_equal(got, 0);
            return rc;
        }
        if (got == 0) break;
        assert_true(got <= chunk);
        n += got;
        assert_true(n + chunk <= 2048);
    }
    *len = n;
    return NACME_OK;
}

static void assert_object(fixture_t *f, nacme_object_t obj, const char *scope, const void *exp, size_t exp_len)
{
    static const size_t chunks[] = {1, 7, 100, 1024};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        uint8_t got[2048];
        size_t len = 0;
        assert_int_equal(get_chunked(f, obj, scope, chunks[i], got, &len), NACME_OK);
        assert_int_equal(len, exp_len);
        assert_memory_equal(got, exp, exp_len);
    }
}

static void assert_absent(fixture_t *f, nacme_object_t obj, const char *scope)
{
    uint8_t b[8];
    size_t got = 99;
    assert_int_equal(f->port.read(f->port.ctx, obj, scope, 0, b, sizeof b, &got), NACME_ERR_NOT_FOUND);
    assert_int_equal(got, 0);
}

/* Deterministic test bytes: seed picks the pattern. */
static void fill(uint8_t *p, size_t n, unsigned seed)
{
    uint32_t x = 0x9e3779b9u * (seed + 1u);
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 16);
    }
}

static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* ---- contract ------------------------------------------------------------------------ */

static void test_round_trip_every_object(void **state)
{
    fixture_t *f = *state;
    uint8_t data[NACME_FLASH_OBJECTS][1000];
    const size_t lens[NACME_FLASH_OBJECTS] = {224, 1, 400, 990, 0};
    for (int i = 0; i < NACME_FLASH_OBJECTS; i++) {
        fill(data[i], sizeof data[i], (unsigned)i);
        assert_absent(f, (nacme_object_t)(i + 1), "scope");
        assert_int_equal(put(f, (nacme_object_t)(i + 1), "scope", data[i], lens[i]), NACME_OK);
    }
    for (int i = 0; i < NACME_FLASH_OBJECTS; i++) assert_object(f, (nacme_object_t)(i + 1), "scope", data[i], lens[i]);
    reboot(f);
    for (int i = 0; i < NACME_FLASH_OBJECTS; i++) assert_object(f, (nacme_object_t)(i + 1), "scope", data[i], lens[i]);
    /* reading past the end gives 0 bytes, also with a zero-length buffer */
    size_t got = 7;
    uint8_t b[4];
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "scope", 400, b, 4, &got), NACME_OK);
    assert_int_equal(got, 0);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "scope", 5000, b, 4, &got), NACME_OK);
    assert_int_equal(got, 0);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "scope", 0, NULL, 0, &got), NACME_OK);
    assert_int_equal(got, 0);
    /* a read from an offset inside */
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ORDER, "scope", 398, b, 4, &got), NACME_OK);
    assert_int_equal(got, 2);
    assert_memory_equal(b, data[2] + 398, 2);
}

static void test_capacity_and_too_large(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(nacme_flash_storage_capacity(&f->st, NACME_OBJ_ACCOUNT_KEY), SECTOR - 32u);
    assert_int_equal(nacme_flash_storage_capacity(&f->st, NACME_OBJ_ORDER), 2u * SECTOR - 32u);
    assert_int_equal(nacme_flash_storage_capacity(&f->st, NACME_OBJ_CERT), 4u * SECTOR - 32u);
    assert_int_equal(nacme_flash_storage_capacity(&f->st, (nacme_object_t)0), 0);
    assert_int_equal(nacme_flash_storage_capacity(&f->st, (nacme_object_t)6), 0);
    uint8_t big[4 * SECTOR];
    fill(big, sizeof big, 3);
    /* exactly full fits; one byte more does not */
    assert_int_equal(put(f, NACME_OBJ_CERT, "n", big, 4 * SECTOR - 32), NACME_OK);
    assert_object(f, NACME_OBJ_CERT, "n", big, 4 * SECTOR - 32);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_CERT, "n"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, 4 * SECTOR - 32), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, 1), NACME_ERR_TOO_LARGE);
    f->port.abort(f->port.ctx);
    assert_int_equal(f->port.begin(f->port.ctx, NACME_OBJ_STATE, "n"), NACME_OK);
    assert_int_equal(f->port.append(f->port.ctx, big, SECTOR), NACME_ERR_TOO_LARGE);
    f->port.abort(f->port.ctx);
    /* the old version is untouched */
    assert_object(f, NACME_OBJ_CERT, "n", big, 4 * SECTOR - 32);
    assert_absent(f, NACME_OBJ_STATE, "n");
}

static void test_replace_alternates_slots(void **state)
{
    fixture_t *f = *state;
    uint8_t v[300];
    for (unsigned i = 0; i < 20; i++) {
        fill(v, sizeof v, i);
        size_t len = 50 + i * 5;
        assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "ca:14000", v, len), NACME_OK);
        assert_object(f, NACME_OBJ_ACCOUNT, "ca:14000", v, len);
        if (i % 3 == 0) {
            reboot(f);
            assert_object(f, NACME_OBJ_ACCOUNT, "ca:14000", v, len);
        }
        /* the version lives in slot i % 2, with sequence number i + 1 */
        const uint8_t *h = f->fl.mem + (2u + (i % 2u)) * SECTOR;
        assert_int_equal(le32(h + 12), i + 1);
        assert_int_equal(le32(h + 16), len);
    }
    nacme_flash_stats_t stats;
    nacme_flash_storage_stats(&f->st, &stats);
    assert_true(stats.commits >= 1);
}

/* The header, byte for byte: the format does not depend on the CPU's byte order. */
static void test_format_bytes(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_STATE, "fw.example.test", "123456789", 9), NACME_OK);
    const uint8_t *h = f->fl.mem + 16u * SECTOR; /* STATE: slots at sectors 16 and 17 */
    static const uint8_t magic[4] = {'n', 'A', 'c', '1'};
    assert_memory_equal(h, magic, 4);
    assert_int_equal(h[4], NACME_OBJ_STATE);
    assert_int_equal(h[5], 0);
    assert_int_equal(h[6], 15);
    assert_int_equal(h[7], 0);
    /* FNV-1a 32 of the scope */
    uint32_t fnv = 0x811c9dc5u;
    for (const char *p = "fw.example.test"; *p; p++) fnv = (fnv ^ (uint8_t)*p) * 0x01000193u;
    assert_int_equal(le32(h + 8), fnv);
    assert_int_equal(le32(h + 12), 1);
    assert_int_equal(le32(h + 16), 9);
    assert_int_equal(le32(h + 20), 0xcbf43926u); /* the CRC-32 check value */
    assert_int_equal(le32(h + 24), 0);
    assert_int_equal(le32(h + 28), crc32_ref(h, 28));
    assert_memory_equal(h + 32, "123456789", 9);
    assert_int_equal(h[32 + 9], 0xff); /* the rest of the slot stays erased */
    /* slot 1 was never erased: still the zeros it started with */
    assert_int_equal(f->fl.mem[17u * SECTOR], 0);
}

static void test_scopes(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_CERT, "a.example", "AAAA", 4), NACME_OK);
    assert_absent(f, NACME_OBJ_CERT, "b.example");
    assert_absent(f, NACME_OBJ_CERT, "a.exampl");
    assert_absent(f, NACME_OBJ_CERT, "");
    /* removing another scope leaves the object */
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_CERT, "b.example"), NACME_OK);
    assert_object(f, NACME_OBJ_CERT, "a.example", "AAAA", 4);
    /* writing another scope replaces it (one version per object type) */
    assert_int_equal(put(f, NACME_OBJ_CERT, "b.example", "BB", 2), NACME_OK);
    assert_absent(f, NACME_OBJ_CERT, "a.example");
    assert_object(f, NACME_OBJ_CERT, "b.example", "BB", 2);
    /* an empty scope is a scope */
    assert_int_equal(put(f, NACME_OBJ_ORDER, "", "x", 1), NACME_OK);
    assert_object(f, NACME_OBJ_ORDER, "", "x", 1);
    /* objects do not see each other */
    assert_absent(f, NACME_OBJ_STATE, "b.example");
}

static void test_remove(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "n"), NACME_OK); /* absent */
    assert_int_equal(put(f, NACME_OBJ_ORDER, "n", "one", 3), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_ORDER, "n", "two", 3), NACME_OK);
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "n"), NACME_OK);
    assert_absent(f, NACME_OBJ_ORDER, "n");
    reboot(f);
    assert_absent(f, NACME_OBJ_ORDER, "n"); /* neither version comes back */
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ORDER, "n"), NACME_OK);
    assert_int_equal(put(f, NACME_OBJ_ORDER, "n", "three", 5), NACME_OK);
    assert_object(f, NACME_OBJ_ORDER, "n", "three", 5);
    reboot(f);
    assert_object(f, NACME_OBJ_ORDER, "n", "three", 5);
}

static void test_errors(void **state)
{
    fixture_t *f = *state;
    const nacme_storage_t *p = &f->port;
    uint8_t b[4];
    size_t got;
    assert_int_equal(p->append(p->ctx, (const uint8_t *)"x", 1), NACME_ERR_STATE);
    assert_int_equal(p->commit(p->ctx), NACME_ERR_STATE);
    p->abort(p->ctx); /* harmless without a write */
    assert_int_equal(p->begin(p->ctx, (nacme_object_t)0, "s"), NACME_ERR_ARG);
    assert_int_equal(p->begin(p->ctx, (nacme_object_t)6, "s"), NACME_ERR_ARG);
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_CERT, NULL), NACME_ERR_ARG);
    assert_int_equal(p->read(p->ctx, (nacme_object_t)9, "s", 0, b, 4, &got), NACME_ERR_ARG);
    assert_int_equal(p->read(p->ctx, NACME_OBJ_CERT, NULL, 0, b, 4, &got), NACME_ERR_ARG);
    assert_int_equal(p->read(p->ctx, NACME_OBJ_CERT, "s", 0, NULL, 4, &got), NACME_ERR_ARG);
    assert_int_equal(p->read(p->ctx, NACME_OBJ_CERT, "s", 0, b, 4, NULL), NACME_ERR_ARG);
    assert_int_equal(p->remove(p->ctx, (nacme_object_t)0, "s"), NACME_ERR_ARG);
    assert_int_equal(p->remove(p->ctx, NACME_OBJ_CERT, NULL), NACME_ERR_ARG);
    char *long_scope = malloc(70000);
    memset(long_scope, 'a', 69999);
    long_scope[69999] = '\0';
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_CERT, long_scope), NACME_ERR_ARG);
    free(long_scope);

    assert_int_equal(put(f, NACME_OBJ_CERT, "s", "old", 3), NACME_OK);
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_CERT, "s"), NACME_OK);
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_CERT, "s"), NACME_ERR_STATE);
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_STATE, "s"), NACME_ERR_STATE);
    assert_int_equal(p->append(p->ctx, NULL, 1), NACME_ERR_ARG);
    assert_int_equal(p->append(p->ctx, NULL, 0), NACME_OK);
    assert_int_equal(p->append(p->ctx, (const uint8_t *)"new", 3), NACME_OK);
    /* during the write: the old version reads; the object cannot be removed, others can */
    assert_object(f, NACME_OBJ_CERT, "s", "old", 3);
    assert_int_equal(p->remove(p->ctx, NACME_OBJ_CERT, "s"), NACME_ERR_STATE);
    assert_int_equal(p->remove(p->ctx, NACME_OBJ_ORDER, "s"), NACME_OK);
    p->abort(p->ctx);
    assert_object(f, NACME_OBJ_CERT, "s", "old", 3);
    reboot(f);
    assert_object(f, NACME_OBJ_CERT, "s", "old", 3);
    /* a write can start again after abort */
    assert_int_equal(put(f, NACME_OBJ_CERT, "s", "new", 3), NACME_OK);
    assert_object(f, NACME_OBJ_CERT, "s", "new", 3);
}

static void test_init_errors(void **state)
{
    fixture_t *f = *state;
    nacme_flash_storage_t s;
    nacme_flash_t fl = f->fl.outer;
    static const uint8_t too_many[NACME_FLASH_OBJECTS] = {2, 2, 2, 4, 3}; /* 26 > 24 sectors */
    static const uint8_t exact[NACME_FLASH_OBJECTS] = {2, 2, 2, 4, 2};    /* 24 */
    static const uint8_t zeros[NACME_FLASH_OBJECTS] = {0, 0, 0, 0, 0};    /* 1 each */
    assert_int_equal(nacme_flash_storage_init(&s, &fl, too_many), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_flash_storage_init(&s, &fl, exact), NACME_OK);
    assert_int_equal(nacme_flash_storage_init(&s, &fl, zeros), NACME_OK);
    assert_int_equal(nacme_flash_storage_capacity(&s, NACME_OBJ_CERT), SECTOR - 32u);
    assert_int_equal(nacme_flash_storage_init(NULL, &fl, exact), NACME_ERR_ARG);
    assert_int_equal(nacme_flash_storage_init(&s, NULL, exact), NACME_ERR_ARG);
    assert_int_equal(nacme_flash_storage_init(&s, &fl, NULL), NACME_ERR_ARG);
    nacme_flash_t bad = fl;
    bad.sector_size = 63;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, exact), NACME_ERR_ARG);
    bad = fl;
    bad.read = NULL;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, exact), NACME_ERR_ARG);
    bad = fl;
    bad.erase = NULL;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, exact), NACME_ERR_ARG);
    bad = fl;
    bad.program = NULL;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, exact), NACME_ERR_ARG);
    bad = fl;
    bad.sectors = 9;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, zeros), NACME_ERR_TOO_LARGE);
    bad.sectors = 10;
    assert_int_equal(nacme_flash_storage_init(&s, &bad, zeros), NACME_OK);
}

/* The RAM flash refuses what NOR flash cannot do. */
static void test_ram_flash(void **state)
{
    (void)state;
    uint8_t mem[128];
    nacme_flash_ram_t r;
    nacme_flash_t fl;
    nacme_flash_ram_init(&r, mem, 64, 2, &fl);
    assert_int_equal(fl.sector_size, 64);
    assert_int_equal(fl.sectors, 2);
    assert_int_equal(fl.erase(fl.ctx, 1), NACME_OK);
    assert_int_equal(fl.erase(fl.ctx, 2), NACME_ERR_STORAGE);
    assert_int_equal(mem[64], 0xff);
    assert_int_equal(mem[127], 0xff);
    assert_int_equal(fl.program(fl.ctx, 64, (const uint8_t *)"\xf0", 1), NACME_OK);
    assert_int_equal(fl.program(fl.ctx, 64, (const uint8_t *)"\x30", 1), NACME_OK); /* clears more bits */
    assert_int_equal(mem[64], 0x30);
    assert_int_equal(fl.program(fl.ctx, 64, (const uint8_t *)"\x70", 1), NACME_ERR_STORAGE); /* 0 -> 1 */
    assert_int_equal(fl.program(fl.ctx, 127, (const uint8_t *)"ab", 2), NACME_ERR_STORAGE);
    assert_int_equal(fl.program(fl.ctx, 128, (const uint8_t *)"a", 1), NACME_ERR_STORAGE);
    assert_int_equal(fl.program(fl.ctx, 128, (const uint8_t *)"a", 0), NACME_OK);
    uint8_t b[2];
    assert_int_equal(fl.read(fl.ctx, 127, b, 2), NACME_ERR_STORAGE);
    assert_int_equal(fl.read(fl.ctx, 126, b, 2), NACME_OK);
    assert_int_equal(fl.read(fl.ctx, 0xffffffffu, b, 2), NACME_ERR_STORAGE);
}

/* A program failure (not a power cut) during append fails the write; the old version stays. */
static void test_program_failure(void **state)
{
    fixture_t *f = *state;
    uint8_t v[600];
    fill(v, sizeof v, 1);
    assert_int_equal(put(f, NACME_OBJ_CERT, "n", v, 500), NACME_OK);
    const nacme_storage_t *p = &f->port;
    f->fl.fail_program_after = 2;
    assert_int_equal(p->begin(p->ctx, NACME_OBJ_CERT, "n"), NACME_OK);
    assert_int_equal(p->append(p->ctx, (const uint8_t *)"abc", 3), NACME_OK);
    assert_int_equal(p->append(p->ctx, (const uint8_t *)"def", 3), NACME_ERR_STORAGE);
    assert_int_equal(p->append(p->ctx, (const uint8_t *)"ghi", 3), NACME_ERR_STORAGE); /* stays failed */
    assert_int_equal(p->commit(p->ctx), NACME_ERR_STORAGE);
    assert_int_equal(p->commit(p->ctx), NACME_ERR_STATE); /* the write is closed */
    assert_object(f, NACME_OBJ_CERT, "n", v, 500);
    /* the header program failing */
    f->fl.fail_program_after = 2;
    assert_int_equal(put(f, NACME_OBJ_CERT, "n", v + 1, 50), NACME_ERR_STORAGE);
    assert_object(f, NACME_OBJ_CERT, "n", v, 500);
    reboot(f);
    assert_object(f, NACME_OBJ_CERT, "n", v, 500);
}

/* Flipped bits: a corrupt newest version falls back to a valid older one; alone it reads as corrupt. */
static void test_corruption(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "version-1", 9), NACME_OK); /* slot 0 */
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "version-2", 9), NACME_OK); /* slot 1 */
    f->fl.mem[3u * SECTOR + 32u + 4u] ^= 0x01u;                                /* data of slot 1 */
    reboot(f);
    assert_object(f, NACME_OBJ_ACCOUNT, "s", "version-1", 9);
    f->fl.mem[2u * SECTOR + 32u] ^= 0x80u; /* and slot 0 */
    reboot(f);
    uint8_t b[16];
    size_t got = 5;
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ACCOUNT, "s", 0, b, sizeof b, &got),
                     NACME_ERR_STORAGE_CORRUPT);
    assert_int_equal(got, 0);
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_ACCOUNT, "s", 0, b, sizeof b, &got),
                     NACME_ERR_STORAGE_CORRUPT);
    /* a header field changed under its CRC: the slot is no longer a version at all */
    f->fl.mem[2u * SECTOR + 16u] ^= 0x01u;
    f->fl.mem[3u * SECTOR + 16u] ^= 0x01u;
    reboot(f);
    assert_absent(f, NACME_OBJ_ACCOUNT, "s");
    f->fl.mem[2u * SECTOR + 16u] ^= 0x01u;
    f->fl.mem[3u * SECTOR + 16u] ^= 0x01u;
    reboot(f);
    /* remove clears the corrupt versions */
    assert_int_equal(f->port.remove(f->port.ctx, NACME_OBJ_ACCOUNT, "other"), NACME_OK);
    assert_absent(f, NACME_OBJ_ACCOUNT, "s");
    reboot(f);
    assert_absent(f, NACME_OBJ_ACCOUNT, "s");
    /* and a write works again */
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "version-3", 9), NACME_OK);
    reboot(f);
    assert_object(f, NACME_OBJ_ACCOUNT, "s", "version-3", 9);
}

/* A write after corruption (no valid version) succeeds and reads back. */
static void test_write_over_corrupt(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_STATE, "s", "abcdef", 6), NACME_OK);
    f->fl.mem[16u * SECTOR + 33u] ^= 0x10u;
    reboot(f);
    uint8_t b[8];
    size_t got;
    assert_int_equal(f->port.read(f->port.ctx, NACME_OBJ_STATE, "s", 0, b, 8, &got), NACME_ERR_STORAGE_CORRUPT);
    assert_int_equal(put(f, NACME_OBJ_STATE, "s", "ghij", 4), NACME_OK);
    assert_object(f, NACME_OBJ_STATE, "s", "ghij", 4);
    reboot(f);
    assert_object(f, NACME_OBJ_STATE, "s", "ghij", 4);
}

/* Sequence numbers wrap: 0 is newer than 0xffffffff. */
static void test_sequence_wrap(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "older", 5), NACME_OK); /* slot 0 */
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "newer", 5), NACME_OK); /* slot 1 */
    /* rewrite the sequence numbers (and header CRCs) by hand: slot 0 0xffffffff, slot 1 0 */
    const uint32_t seqs[2] = {0xffffffffu, 0};
    for (unsigned slot = 0; slot < 2; slot++) {
        uint8_t *h = f->fl.mem + (2u + slot) * SECTOR;
        for (int k = 0; k < 4; k++) h[12 + k] = (uint8_t)(seqs[slot] >> (8 * k));
        uint32_t c = crc32_ref(h, 28);
        for (int k = 0; k < 4; k++) h[28 + k] = (uint8_t)(c >> (8 * k));
    }
    reboot(f);
    assert_object(f, NACME_OBJ_ACCOUNT, "s", "newer", 5);
    /* the next write goes to slot 0 with sequence number 1 */
    assert_int_equal(put(f, NACME_OBJ_ACCOUNT, "s", "next!", 5), NACME_OK);
    assert_int_equal(le32(f->fl.mem + 2u * SECTOR + 12u), 1);
    reboot(f);
    assert_object(f, NACME_OBJ_ACCOUNT, "s", "next!", 5);
}

/* Garbage in the region (never formatted): nothing reads, everything can be written. */
static void test_garbage_region(void **state)
{
    fixture_t *f = *state;
    fill(f->fl.mem, sizeof f->fl.mem, 77);
    reboot(f);
    for (int i = 1; i <= NACME_FLASH_OBJECTS; i++) assert_absent(f, (nacme_object_t)i, "s");
    memset(f->fl.mem, 0xff, sizeof f->fl.mem); /* erased flash */
    reboot(f);
    for (int i = 1; i <= NACME_FLASH_OBJECTS; i++) assert_absent(f, (nacme_object_t)i, "s");
    fill(f->fl.mem, sizeof f->fl.mem, 78);
    reboot(f);
    for (int i = 1; i <= NACME_FLASH_OBJECTS; i++) {
        char v[16];
        snprintf(v, sizeof v, "obj%d", i);
        assert_int_equal(put(f, (nacme_object_t)i, "s", v, strlen(v)), NACME_OK);
    }
    reboot(f);
    for (int i = 1; i <= NACME_FLASH_OBJECTS; i++) {
        char v[16];
        snprintf(v, sizeof v, "obj%d", i);
        assert_object(f, (nacme_object_t)i, "s", v, strlen(v));
    }
}

/* ---- power cuts ----------------------------------------------------------------------------- */

typedef struct version {
    const uint8_t *data; /* NULL: absent */
    size_t len;
} version_t;

static void assert_one_of(fixture_t *f, nacme_object_t obj, const char *scope, version_t a, version_t b, long cut)
{
    uint8_t got[2048];
    size_t len = 0;
    int rc = get_chunked(f, obj, scope, 64, got, &len);
    bool is_a = a.data == NULL ? rc == NACME_ERR_NOT_FOUND : rc == NACME_OK && len == a.len && memcmp(got, a.data, len) == 0;
    bool is_b = b.data == NULL ? rc == NACME_ERR_NOT_FOUND : rc == NACME_OK && len == b.len && memcmp(got, b.data, len) == 0;
    if (!is_a && !is_b) fail_msg("cut after %ld units: read gave %d, %zu bytes: neither version", cut, rc, len);
}

/*
 * Cut the power after every unit (programmed byte or erase) of writing `next`
 * over what the flash holds now, then reboot: the object reads as before or
 * as next, the other objects as before; a later write works. Returns the
 * units a whole write took.
 */
static long cut_everywhere(fixture_t *f, nacme_object_t obj, version_t before, version_t next, bool torn,
                           bool remove)
{
    static uint8_t snapshot[SECTOR * SECTORS];
    memcpy(snapshot, f->fl.mem, sizeof snapshot);
    /* the whole operation once, counting its units */
    reboot(f);
    f->fl.used = 0;
    int rc = remove ? f->port.remove(f->port.ctx, obj, "name")
                    : put_pieces(f, obj, "name", next.data, next.len, 37);
    assert_int_equal(rc, NACME_OK);
    long total = f->fl.used;
    assert_true(total > 0);
    uint8_t other[200];
    fill(other, sizeof other, 99);
    nacme_object_t neighbour = obj == NACME_OBJ_STATE ? NACME_OBJ_ACCOUNT : NACME_OBJ_STATE;
    for (long cut = 0; cut <= total; cut++) {
        memcpy(f->fl.mem, snapshot, sizeof snapshot);
        reboot(f);
        f->fl.budget = cut;
        f->fl.torn = torn;
        if (remove) {
            (void)f->port.remove(f->port.ctx, obj, "name");
        } else {
            (void)put_pieces(f, obj, "name", next.data, next.len, 37);
        }
        bool cut_happened = f->fl.dead;
        reboot(f);
        if (cut == total) {
            assert_false(cut_happened);
            assert_one_of(f, obj, "name", next, next, cut);
        } else {
            assert_one_of(f, obj, "name", before, next, cut);
        }
        assert_object(f, neighbour, "name", other, 200);
        /* recovery: the next write works and reads back, also after a reboot */
        uint8_t fresh[200];
        fill(fresh, sizeof fresh, (unsigned)cut);
        assert_int_equal(put(f, obj, "name", fresh, sizeof fresh), NACME_OK);
        assert_object(f, obj, "name", fresh, sizeof fresh);
        reboot(f);
        assert_object(f, obj, "name", fresh, sizeof fresh);
    }
    memcpy(f->fl.mem, snapshot, sizeof snapshot);
    reboot(f);
    return total;
}

static void prepare_neighbour(fixture_t *f, nacme_object_t obj)
{
    uint8_t other[200];
    fill(other, sizeof other, 99);
    assert_int_equal(put(f, obj == NACME_OBJ_STATE ? NACME_OBJ_ACCOUNT : NACME_OBJ_STATE, "name", other, 200), NACME_OK);
}

static void test_power_cut_first_write(void **state)
{
    fixture_t *f = *state;
    uint8_t v[900];
    fill(v, sizeof v, 5);
    prepare_neighbour(f, NACME_OBJ_CERT);
    long units = cut_everywhere(f, NACME_OBJ_CERT, (version_t){NULL, 0}, (version_t){v, sizeof v}, false, false);
    /* 4 erases, 900 data bytes, 32 header bytes */
    assert_int_equal(units, 4 + 900 + 32);
    cut_everywhere(f, NACME_OBJ_CERT, (version_t){NULL, 0}, (version_t){v, sizeof v}, true, false);
}

static void test_power_cut_replace(void **state)
{
    fixture_t *f = *state;
    uint8_t v1[700], v2[400], v3[990];
    fill(v1, sizeof v1, 1);
    fill(v2, sizeof v2, 2);
    fill(v3, sizeof v3, 3);
    prepare_neighbour(f, NACME_OBJ_CERT);
    /* old version in slot 0, the new one goes to slot 1 */
    assert_int_equal(put(f, NACME_OBJ_CERT, "name", v1, sizeof v1), NACME_OK);
    for (int torn = 0; torn < 2; torn++) {
        cut_everywhere(f, NACME_OBJ_CERT, (version_t){v1, sizeof v1}, (version_t){v2, sizeof v2}, torn, false);
    }
    /* two versions stored (slot 1 newest): the new one goes to slot 0 */
    assert_int_equal(put(f, NACME_OBJ_CERT, "name", v2, sizeof v2), NACME_OK);
    for (int torn = 0; torn < 2; torn++) {
        cut_everywhere(f, NACME_OBJ_CERT, (version_t){v2, sizeof v2}, (version_t){v3, sizeof v3}, torn, false);
    }
    /* an empty new version */
    cut_everywhere(f, NACME_OBJ_CERT, (version_t){v2, sizeof v2}, (version_t){(const uint8_t *)"", 0}, false, false);
}

static void test_power_cut_small_objects(void **state)
{
    fixture_t *f = *state;
    uint8_t a[120], b[200];
    fill(a, sizeof a, 11);
    fill(b, sizeof b, 12);
    prepare_neighbour(f, NACME_OBJ_ORDER);
    assert_int_equal(put(f, NACME_OBJ_ORDER, "name", a, sizeof a), NACME_OK);
    cut_everywhere(f, NACME_OBJ_ORDER, (version_t){a, sizeof a}, (version_t){b, sizeof b}, false, false);
    prepare_neighbour(f, NACME_OBJ_STATE);
    assert_int_equal(put(f, NACME_OBJ_STATE, "name", a, sizeof a), NACME_OK);
    cut_everywhere(f, NACME_OBJ_STATE, (version_t){a, sizeof a}, (version_t){b, sizeof b}, true, false);
}

static void test_power_cut_remove(void **state)
{
    fixture_t *f = *state;
    uint8_t a[150], b[250];
    fill(a, sizeof a, 21);
    fill(b, sizeof b, 22);
    prepare_neighbour(f, NACME_OBJ_ORDER);
    /* one version */
    assert_int_equal(put(f, NACME_OBJ_ORDER, "name", a, sizeof a), NACME_OK);
    for (int torn = 0; torn < 2; torn++) {
        long units = cut_everywhere(f, NACME_OBJ_ORDER, (version_t){a, sizeof a}, (version_t){NULL, 0}, torn, true);
        assert_int_equal(units, 32); /* the other slot was never written: only the current header */
    }
    /* two versions: the older must not come back at any cut */
    assert_int_equal(put(f, NACME_OBJ_ORDER, "name", b, sizeof b), NACME_OK);
    for (int torn = 0; torn < 2; torn++) {
        long units = cut_everywhere(f, NACME_OBJ_ORDER, (version_t){b, sizeof b}, (version_t){NULL, 0}, torn, true);
        assert_int_equal(units, 64);
    }
}

/* ---- a flash that stays busy: erase and program answer NACME_PENDING ------------------- */

#define BUSY 3

/* A RAM flash that is busy BUSY polls per operation, with its calls counted. */
typedef struct busy_flash {
    uint8_t mem[SECTOR * SECTORS];
    nacme_flash_ram_t ram;
    nacme_flash_t inner;
    nacme_flash_t outer;
    nacme_flash_storage_t st;
    nacme_storage_t port;
    unsigned erase_calls, program_calls, read_calls;
    uint32_t last_program_addr;
} busy_flash_t;

static int bf_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    busy_flash_t *b = ctx;
    b->read_calls++;
    return b->inner.read(b->inner.ctx, addr, buf, len);
}

static int bf_erase(void *ctx, uint32_t sector)
{
    busy_flash_t *b = ctx;
    b->erase_calls++;
    return b->inner.erase(b->inner.ctx, sector);
}

static int bf_program(void *ctx, uint32_t addr, const uint8_t *data, size_t len)
{
    busy_flash_t *b = ctx;
    b->program_calls++;
    b->last_program_addr = addr;
    return b->inner.program(b->inner.ctx, addr, data, len);
}

static busy_flash_t *busy_new(uint8_t polls)
{
    busy_flash_t *b = calloc(1, sizeof *b);
    assert_non_null(b);
    nacme_flash_ram_init(&b->ram, b->mem, SECTOR, SECTORS, &b->inner);
    b->ram.busy_polls = polls;
    b->outer = b->inner;
    b->outer.ctx = b;
    b->outer.read = bf_read;
    b->outer.erase = bf_erase;
    b->outer.program = bf_program;
    assert_int_equal(nacme_flash_storage_init(&b->st, &b->outer, layout), NACME_OK);
    nacme_flash_storage_port(&b->st, &b->port);
    return b;
}

/* Repeat a storage call while it answers NACME_PENDING (at most 1000 times); *pendings counts them. */
#define DRIVE(rc, pendings, call)                                                     \
    do {                                                                              \
        (pendings) = 0;                                                               \
        while (((rc) = (call)) == NACME_PENDING && (pendings) < 1000) (pendings)++;   \
    } while (0)

static int busy_put(busy_flash_t *b, nacme_object_t obj, const char *scope, const uint8_t *data, size_t len,
                    unsigned *pendings)
{
    int rc;
    unsigned p;
    *pendings = 0;
    DRIVE(rc, p, b->port.begin(b->port.ctx, obj, scope));
    *pendings += p;
    if (rc != NACME_OK) return rc;
    for (size_t off = 0; off < len; off += 100) {
        DRIVE(rc, p, b->port.append(b->port.ctx, data + off, len - off < 100 ? len - off : 100));
        *pendings += p;
        if (rc != NACME_OK) return rc;
    }
    DRIVE(rc, p, b->port.commit(b->port.ctx));
    *pendings += p;
    return rc;
}

static int busy_get(busy_flash_t *b, nacme_object_t obj, const char *scope, uint8_t *out, size_t cap, size_t *len)
{
    int rc;
    unsigned p;
    *len = 0;
    for (int guard = 0; guard < 100; guard++) {
        size_t got = 0;
        DRIVE(rc, p, b->port.read(b->port.ctx, obj, scope, (uint32_t)*len, out + *len, cap - *len, &got));
        if (rc != NACME_OK || got == 0) return rc;
        *len += got;
    }
    return NACME_ERR_STORAGE;
}

/*
 * Every operation of the port over a flash that is busy 3 polls per erase
 * and program: each answers NACME_PENDING exactly as often as its flash
 * operations take polls, never breaks the driver contract (the RAM driver
 * fails any other call while busy), and leaves the flash byte for byte as
 * a synchronous flash would.
 */
static void test_busy_flash_same_bytes(void **state)
{
    (void)state;
    busy_flash_t *busy = busy_new(BUSY), *sync = busy_new(0);
    memset(busy->mem, 0, sizeof busy->mem);
    memset(sync->mem, 0, sizeof sync->mem);
    uint8_t v[NACME_FLASH_OBJECTS][900];
    const size_t lens[NACME_FLASH_OBJECTS] = {200, 150, 300, 900, 0};
    const unsigned sectors[NACME_FLASH_OBJECTS] = {1, 1, 2, 4, 1};
    unsigned busy_answers = 0;
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < NACME_FLASH_OBJECTS; i++) {
            nacme_object_t obj = (nacme_object_t)(i + 1);
            fill(v[i], lens[i] > 0 ? lens[i] : 1, (unsigned)(i + 10 * round));
            unsigned pendings, none;
            assert_int_equal(busy_put(busy, obj, "dev", v[i], lens[i], &pendings), NACME_OK);
            assert_int_equal(busy_put(sync, obj, "dev", v[i], lens[i], &none), NACME_OK);
            assert_int_equal(none, 0);
            /* erases, 100-byte appends and the header: BUSY pendings each */
            unsigned ops = sectors[i] + (unsigned)((lens[i] + 99) / 100) + 1u;
            assert_int_equal(pendings, ops * BUSY);
            busy_answers += pendings;
            uint8_t got[1024];
            size_t len;
            assert_int_equal(busy_get(busy, obj, "dev", got, sizeof got, &len), NACME_OK);
            assert_int_equal(len, lens[i]);
            assert_memory_equal(got, v[i], lens[i]);
        }
    }
    unsigned pendings;
    int rc;
    DRIVE(rc, pendings, busy->port.remove(busy->port.ctx, NACME_OBJ_ORDER, "dev"));
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(pendings, 2 * BUSY); /* two headers cleared */
    busy_answers += pendings;
    assert_int_equal(sync->port.remove(sync->port.ctx, NACME_OBJ_ORDER, "dev"), NACME_OK);
    assert_memory_equal(busy->mem, sync->mem, sizeof busy->mem);
    nacme_flash_stats_t a, b;
    nacme_flash_storage_stats(&busy->st, &a);
    nacme_flash_storage_stats(&sync->st, &b);
    assert_int_equal(b.busy, 0);
    assert_int_equal(a.busy, busy_answers);
    a.busy = 0;
    assert_memory_equal(&a, &b, sizeof a);
    /* after a reboot the busy flash reads the same */
    assert_int_equal(nacme_flash_storage_init(&busy->st, &busy->inner, layout), NACME_OK);
    nacme_flash_storage_port(&busy->st, &busy->port);
    uint8_t got[1024];
    size_t len;
    assert_int_equal(busy_get(busy, NACME_OBJ_CERT, "dev", got, sizeof got, &len), NACME_OK);
    assert_int_equal(len, 900);
    assert_memory_equal(got, v[3], 900);
    assert_int_equal(busy_get(busy, NACME_OBJ_ORDER, "dev", got, sizeof got, &len), NACME_ERR_NOT_FOUND);
    free(busy);
    free(sync);
}

/*
 * A read of another object while a write's erase or program runs: the read
 * waits for the flash (NACME_PENDING), and the write then goes on without
 * erasing or programming anything twice.
 */
static void test_busy_flash_read_between(void **state)
{
    (void)state;
    busy_flash_t *b = busy_new(BUSY);
    uint8_t acct[50], cert[300], got[512];
    fill(acct, sizeof acct, 1);
    fill(cert, sizeof cert, 2);
    unsigned p;
    int rc;
    assert_int_equal(busy_put(b, NACME_OBJ_ACCOUNT, "ca", acct, sizeof acct, &p), NACME_OK);
    /* begin of CERT erases 4 sectors: read ACCOUNT when the second erase has started */
    unsigned erases_at_begin = b->erase_calls;
    assert_int_equal(b->port.begin(b->port.ctx, NACME_OBJ_CERT, "dev"), NACME_PENDING);
    for (int i = 0; i < BUSY; i++) assert_int_equal(b->port.begin(b->port.ctx, NACME_OBJ_CERT, "dev"), NACME_PENDING);
    unsigned erases_before = b->erase_calls;
    size_t len;
    size_t got_n = 0;
    assert_int_equal(b->port.read(b->port.ctx, NACME_OBJ_ACCOUNT, "ca", 0, got, sizeof got, &got_n), NACME_PENDING);
    assert_int_equal(got_n, 0);
    assert_int_equal(busy_get(b, NACME_OBJ_ACCOUNT, "ca", got, sizeof got, &len), NACME_OK);
    assert_int_equal(len, sizeof acct);
    assert_memory_equal(got, acct, sizeof acct);
    /* the read polled the erase to its end: the begin takes its result, no erase again */
    assert_int_equal(b->erase_calls - erases_before, BUSY);
    DRIVE(rc, p, b->port.begin(b->port.ctx, NACME_OBJ_CERT, "dev"));
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(b->erase_calls - erases_at_begin, 4u * (BUSY + 1u));
    /* an append's program interrupted by a read: programmed once (start + BUSY polls) */
    unsigned programs_before = b->program_calls;
    assert_int_equal(b->port.append(b->port.ctx, cert, sizeof cert), NACME_PENDING);
    assert_int_equal(busy_get(b, NACME_OBJ_ACCOUNT, "ca", got, sizeof got, &len), NACME_OK);
    DRIVE(rc, p, b->port.append(b->port.ctx, cert, sizeof cert));
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(b->program_calls - programs_before, BUSY + 1u);
    DRIVE(rc, p, b->port.commit(b->port.ctx));
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(busy_get(b, NACME_OBJ_CERT, "dev", got, sizeof got, &len), NACME_OK);
    assert_int_equal(len, sizeof cert);
    assert_memory_equal(got, cert, sizeof cert);
    free(b);
}

/*
 * abort() while an erase or a program runs: nothing waits, the running
 * operation is finished by the next call, the previous version stays, and
 * a new write works. One begin at a time: another while one is erasing is
 * NACME_ERR_STATE, and so is removing the object being begun.
 */
static void test_busy_flash_abort(void **state)
{
    (void)state;
    busy_flash_t *b = busy_new(BUSY);
    uint8_t v1[400], v2[400], got[512];
    fill(v1, sizeof v1, 3);
    fill(v2, sizeof v2, 4);
    unsigned p;
    int rc;
    size_t len;
    assert_int_equal(busy_put(b, NACME_OBJ_CERT, "dev", v1, sizeof v1, &p), NACME_OK);

    assert_int_equal(b->port.begin(b->port.ctx, NACME_OBJ_CERT, "dev"), NACME_PENDING);
    assert_int_equal(b->port.begin(b->port.ctx, NACME_OBJ_STATE, "dev"), NACME_ERR_STATE);
    assert_int_equal(b->port.begin(b->port.ctx, NACME_OBJ_CERT, "other"), NACME_ERR_STATE);
    assert_int_equal(b->port.remove(b->port.ctx, NACME_OBJ_CERT, "dev"), NACME_ERR_STATE);
    b->port.abort(b->port.ctx);
    /* the next call first lets the running erase finish */
    DRIVE(rc, p, b->port.begin(b->port.ctx, NACME_OBJ_STATE, "dev"));
    assert_int_equal(rc, NACME_OK);
    assert_int_equal(p, BUSY - 1u + BUSY); /* the rest of the old erase, then the new one */
    b->port.abort(b->port.ctx);
    assert_int_equal(busy_get(b, NACME_OBJ_CERT, "dev", got, sizeof got, &len), NACME_OK);
    assert_int_equal(len, sizeof v1);
    assert_memory_equal(got, v1, sizeof v1);

    /* abort during an append's program, then during the header's */
    for (int stage = 0; stage < 2; stage++) {
        DRIVE(rc, p, b->port.begin(b->port.ctx, NACME_OBJ_CERT, "dev"));
        assert_int_equal(rc, NACME_OK);
        if (stage == 0) {
            assert_int_equal(b->port.append(b->port.ctx, v2, sizeof v2), NACME_PENDING);
        } else {
            DRIVE(rc, p, b->port.append(b->port.ctx, v2, sizeof v2));
            assert_int_equal(rc, NACME_OK);
            assert_int_equal(b->port.commit(b->port.ctx), NACME_PENDING);
            /* the header is programmed from the start: aborting now cannot stop it */
        }
        b->port.abort(b->port.ctx);
        /* an aborted append leaves v1; an aborted commit v1 or v2, whole, the same after a reboot */
        for (int boot = 0; boot < 2; boot++) {
            assert_int_equal(busy_get(b, NACME_OBJ_CERT, "dev", got, sizeof got, &len), NACME_OK);
            assert_int_equal(len, 400);
            bool is_v1 = memcmp(got, v1, len) == 0, is_v2 = memcmp(got, v2, len) == 0;
            assert_true(stage == 0 ? is_v1 : is_v1 || is_v2);
            if (stage == 1) assert_true(is_v2); /* this driver programs on the call that starts */
            assert_int_equal(nacme_flash_storage_init(&b->st, &b->outer, layout), NACME_OK);
        }
    }
    /* and a whole write after all that */
    assert_int_equal(busy_put(b, NACME_OBJ_CERT, "dev", v1, sizeof v1, &p), NACME_OK);
    assert_int_equal(busy_get(b, NACME_OBJ_CERT, "dev", got, sizeof got, &len), NACME_OK);
    assert_int_equal(len, sizeof v1);
    assert_memory_equal(got, v1, sizeof v1);
    free(b);
}

/* The RAM driver itself: a read or another operation while busy is refused; polls count down. */
static void test_busy_ram_driver(void **state)
{
    (void)state;
    uint8_t mem[4 * 64];
    nacme_flash_ram_t r;
    nacme_flash_t fl;
    nacme_flash_ram_init(&r, mem, 64, 4, &fl);
    r.busy_polls = 2;
    uint8_t b[4] = {0};
    assert_int_equal(fl.erase(fl.ctx, 1), NACME_PENDING);
    assert_int_equal(fl.read(fl.ctx, 64, b, 4), NACME_ERR_STORAGE);
    assert_int_equal(fl.erase(fl.ctx, 1), NACME_PENDING);
    assert_int_equal(fl.erase(fl.ctx, 1), NACME_OK);
    assert_int_equal(fl.read(fl.ctx, 64, b, 4), NACME_OK);
    assert_int_equal(b[0], 0xff);
    const uint8_t d[4] = {1, 2, 3, 4};
    assert_int_equal(fl.program(fl.ctx, 64, d, 4), NACME_PENDING);
    assert_int_equal(fl.program(fl.ctx, 68, d, 4), NACME_ERR_STORAGE); /* other arguments */
    assert_int_equal(fl.erase(fl.ctx, 1), NACME_ERR_STORAGE);
    assert_int_equal(fl.program(fl.ctx, 64, d, 4), NACME_PENDING);
    assert_int_equal(fl.program(fl.ctx, 64, d, 4), NACME_OK);
    assert_int_equal(fl.read(fl.ctx, 64, b, 4), NACME_OK);
    assert_memory_equal(b, d, 4);
    /* a failed program's error comes at the end of its busy time */
    const uint8_t ff[1] = {0xff};
    assert_int_equal(fl.program(fl.ctx, 64, ff, 1), NACME_PENDING);
    assert_int_equal(fl.program(fl.ctx, 64, ff, 1), NACME_PENDING);
    assert_int_equal(fl.program(fl.ctx, 64, ff, 1), NACME_ERR_STORAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_every_object, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capacity_and_too_large, setup, teardown),
        cmocka_unit_test_setup_teardown(test_replace_alternates_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scopes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_errors, setup, teardown),
        cmocka_unit_test(test_ram_flash),
        cmocka_unit_test_setup_teardown(test_program_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corruption, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_over_corrupt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sequence_wrap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_garbage_region, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_first_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_replace, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_small_objects, setup, teardown),
        cmocka_unit_test_setup_teardown(test_power_cut_remove, setup, teardown),
        cmocka_unit_test(test_busy_flash_same_bytes),
        cmocka_unit_test(test_busy_flash_read_between),
        cmocka_unit_test(test_busy_flash_abort),
        cmocka_unit_test(test_busy_ram_driver),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
