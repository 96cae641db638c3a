/*
 * nanoacme storage on a flash-like region (the storage part of
 * port/nacme_port.h for devices without a file system).
 *
 * It has no lwIP dependency (the host tests build it natively, for armhf
 * and for big-endian MIPS); nacme_lwip.h includes it.
 *
 * The flash abstraction (nacme_flash_t) has NOR semantics: a region of
 * `sectors` sectors of `sector_size` bytes each; erase() sets a whole sector
 * to 0xFF; program() can only clear bits (1 -> 0) of erased bytes; read()
 * copies bytes out. A driver for memory-mapped or emulated flash is
 * nacme_flash_ram_*() below; a real device supplies its own three functions.
 *
 * Layout: each object type (NACME_OBJ_*) owns two slots of a fixed number of
 * sectors. A slot is a 32-byte header followed by the data:
 *
 *   offset  size  field
 *   0       4     magic "nAc1"
 *   4       1     object (NACME_OBJ_*)
 *   5       1     0
 *   6       2     scope length
 *   8       4     scope hash (FNV-1a 32)
 *   12      4     sequence number (the newer version has the larger one)
 *   16      4     data length
 *   20      4     CRC-32 (IEEE) of the data
 *   24      4     0
 *   28      4     CRC-32 of bytes 0..27
 *
 * every number little-endian, whatever the CPU. A write goes to the slot
 * that does not hold the current version: begin() erases it, append()
 * programs the data, commit() programs the header last. A read takes the
 * newest slot whose header and data CRCs check. So a power cut at any byte
 * leaves either the previous version (the new header is incomplete, its CRC
 * fails) or the new one, never a mix. remove() clears the headers to zero,
 * the older slot's first, so a cut never brings an older version back.
 *
 * One version per object type: the scope (the CA's host for account
 * objects, the certificate name for the others) is recorded as its length
 * and 32-bit hash, and a read or remove with another scope finds nothing;
 * writing another scope replaces the object. A device keeping one account
 * and one certificate needs no more; two scopes whose hash and length agree
 * would alias (probability 2^-32 for two given names).
 *
 * Flash wear: each commit erases the sectors of one slot. The engine
 * writes an object only when its content changes (a renewal check that
 * finds the certificate not due writes nothing), so a device erases a slot
 * a few times per issuance, far inside NOR flash's 10^4..10^5 cycles per
 * sector.
 *
 * Nothing blocks: erasing a NOR sector takes 20-400 ms and programming a
 * page about a millisecond, so a driver may start an erase or a program and
 * answer NACME_PENDING while the part is busy. The storage then answers
 * NACME_PENDING too, and the engine calls again later; the storage polls the
 * operation with the same arguments until it is done, and makes no other
 * flash call (not even a read) while one is running.
 *
 * Flash with a program unit larger than a byte (many MCU flashes program
 * 4, 8 or 16 bytes at once, and only once) needs a driver that buffers a
 * partial unit until the next program() or the header: this module
 * programs the data in append order and the header in one call.
 */
#ifndef NACME_FLASH_STORAGE_H
#define NACME_FLASH_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Object types handled (NACME_OBJ_ACCOUNT_KEY .. NACME_OBJ_STATE). */
#define NACME_FLASH_OBJECTS 5

/* Bytes of the slot header; a slot holds sectors * sector_size - this of data. */
#define NACME_FLASH_HEADER_SIZE 32u

/*
 * A flash region with NOR semantics. read() is synchronous; erase() and
 * program() may be: a driver for a part that is busy for a while starts the
 * operation, answers NACME_PENDING, and is then called again with the same
 * arguments (the poll) until it answers NACME_OK or an error. program()
 * takes its data on the call that starts it (later polls may pass a pointer
 * whose bytes have changed). While an operation runs, the storage makes no
 * other call of the driver.
 */
typedef struct nacme_flash {
    void *ctx;
    uint32_t sector_size; /* bytes per erase sector, >= 64 */
    uint32_t sectors;     /* sectors in the region */
    /* read() - copy len bytes at addr (0 = the region's start). NACME_OK or NACME_ERR_STORAGE. */
    int (*read)(void *ctx, uint32_t addr, uint8_t *buf, size_t len);
    /* erase() - set sector `sector` to 0xFF. NACME_OK, NACME_PENDING or NACME_ERR_STORAGE. */
    int (*erase)(void *ctx, uint32_t sector);
    /*
     * program() - clear bits: each byte becomes old & data. NACME_OK,
     * NACME_PENDING, or NACME_ERR_STORAGE (write failure or power lost).
     */
    int (*program)(void *ctx, uint32_t addr, const uint8_t *data, size_t len);
} nacme_flash_t;

/* Where each object lives; filled by nacme_flash_storage_init(). */
typedef struct nacme_flash_area {
    uint32_t first;   /* first sector of slot 0; slot 1 follows it */
    uint32_t sectors; /* sectors per slot */
} nacme_flash_area_t;

/* The current version of an object, as found by the last scan (private). */
typedef struct nacme_flash_current {
    bool scanned;       /* the fields below are known */
    int8_t slot;        /* 0 or 1, -1: none */
    uint16_t scope_len;
    uint32_t scope_hash;
    uint32_t seq;
    uint32_t len;
} nacme_flash_current_t;

/* Counters, for a report (flash wear, what a run wrote). */
typedef struct nacme_flash_stats {
    uint32_t erases;     /* sectors erased */
    uint32_t programmed; /* bytes programmed */
    uint32_t commits;
    uint32_t largest;    /* largest object committed, bytes */
    uint32_t busy;       /* flash calls that answered NACME_PENDING (the part was busy) */
} nacme_flash_stats_t;

/* The storage state; caller-owned, fields private. */
typedef struct nacme_flash_storage {
    nacme_flash_t flash;
    nacme_flash_area_t area[NACME_FLASH_OBJECTS];
    nacme_flash_current_t cur[NACME_FLASH_OBJECTS];
    /*
     * A flash operation that answered NACME_PENDING: polled until done.
     * An orphan belongs to a write that was aborted (finished, then forgotten);
     * a finished one's result waits for its owner's next call.
     */
    uint8_t busy;   /* 0 none, 1 running, 2 finished */
    bool busy_orphan;
    bool busy_erase; /* erase (else program) */
    int busy_rc;
    uint32_t busy_addr; /* sector (erase) or address (program) */
    const uint8_t *busy_data;
    size_t busy_len;
    /* begin() in progress: the target slot's sectors erased so far */
    bool erasing;
    uint32_t erased;
    uint8_t hdr[NACME_FLASH_HEADER_SIZE]; /* the header being programmed (outlives a pending call) */
    /* the open write */
    bool open;
    bool broken;        /* a program failed: commit refuses */
    uint8_t obj;        /* index 0..4 */
    uint8_t slot;
    uint16_t scope_len;
    uint32_t scope_hash;
    uint32_t seq;
    uint32_t len;
    uint32_t crc;
    nacme_flash_stats_t stats;
} nacme_flash_storage_t;

/*
 * nacme_flash_storage_init() - lay the objects out over the flash region:
 * object NACME_OBJ_x gets two slots of slot_sectors[x - 1] sectors each
 * (0 counts as 1), in object order from sector 0. Nothing is written or
 * read yet (a new region needs no formatting: slots without a valid header
 * are empty). The flash struct is copied; its ctx must outlive s.
 * Return NACME_OK, NACME_ERR_ARG (NULL, no function, sector_size below 64
 * or above 2^24), NACME_ERR_TOO_LARGE (the slots need more sectors than the
 * region has).
 */
int nacme_flash_storage_init(nacme_flash_storage_t *s, const nacme_flash_t *flash,
                             const uint8_t slot_sectors[NACME_FLASH_OBJECTS]);

/*
 * nacme_flash_storage_port() - the storage part of the port over s:
 *  - begin(obj, scope): NACME_ERR_STATE while a write is open (or while
 *    another begin is erasing), NACME_ERR_ARG for an unknown object or a
 *    NULL scope or one longer than 65535 bytes, NACME_ERR_STORAGE when the
 *    erase fails. Erases the target slot (the one not holding the current
 *    version); a begin that answered NACME_PENDING is continued by calling
 *    it again with the same arguments, or dropped with abort().
 *  - append(): NACME_ERR_STATE without an open write, NACME_ERR_TOO_LARGE
 *    beyond the slot (the write stays open; abort() it),
 *    NACME_ERR_STORAGE when programming fails.
 *  - commit(): programs the header; NACME_ERR_STORAGE if an append or the
 *    header failed (the write is dropped, the previous version stays).
 *  - read(): the newest valid version of obj if its scope matches; else
 *    NACME_ERR_NOT_FOUND. NACME_ERR_STORAGE_CORRUPT when a slot has a valid
 *    header but its data fails the CRC and no other version is valid.
 *  - remove(): NACME_OK also when absent or stored under another scope;
 *    NACME_ERR_STATE while a write of the same object is open.
 * Every call answers NACME_PENDING while a flash operation it waits for is
 * running (only with a driver that answers NACME_PENDING itself); the
 * caller calls again with the same arguments. abort() never waits: an
 * operation still running is finished by the next call. An abort() after a
 * commit() that answered NACME_PENDING leaves either version current (the
 * header may already be on its way into the flash), each whole.
 */
void nacme_flash_storage_port(nacme_flash_storage_t *s, nacme_storage_t *out);

/* nacme_flash_storage_capacity() - data bytes one slot of obj holds (0 for an unknown obj). */
uint32_t nacme_flash_storage_capacity(const nacme_flash_storage_t *s, nacme_object_t obj);

/* nacme_flash_storage_stats() - the counters since init. */
void nacme_flash_storage_stats(const nacme_flash_storage_t *s, nacme_flash_stats_t *out);

/* ---- flash in RAM or memory-mapped (emulated on QEMU, tests) ------------------ */

typedef struct nacme_flash_ram {
    uint8_t *base;
    uint32_t sector_size;
    uint32_t sectors;
    /*
     * Busy time, as a count of polls: 0 (set by init) completes erase() and
     * program() in the call; N > 0 makes each answer NACME_PENDING to the
     * call that starts it and to the next N - 1 polls, as a NOR part that is
     * busy erasing or programming. Set it after init.
     */
    uint8_t busy_polls;
    /* the operation in progress (private) */
    uint8_t busy_left;
    bool busy_erase;
    int busy_rc;
    uint32_t busy_addr;
    size_t busy_len;
} nacme_flash_ram_t;

/*
 * nacme_flash_ram_init() - a flash driver over base[0..sector_size * sectors)
 * (plain RAM standing in for flash, as on QEMU's mps2-an385), filling *out
 * with its functions. program() ANDs the bytes in and answers
 * NACME_ERR_STORAGE when a bit would have to go from 0 to 1 (writing
 * without erasing first, which real NOR flash cannot do); out-of-range
 * addresses are NACME_ERR_STORAGE too. The memory's initial content does
 * not matter: the storage erases a slot before writing it. With busy_polls
 * set, the bytes change on the call that starts an operation; any other
 * call while it runs (a read, another operation, a poll with other
 * arguments) is NACME_ERR_STORAGE, so a caller that breaks the driver
 * contract above is caught.
 */
void nacme_flash_ram_init(nacme_flash_ram_t *r, uint8_t *base, uint32_t sector_size, uint32_t sectors,
                          nacme_flash_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NACME_FLASH_STORAGE_H */
