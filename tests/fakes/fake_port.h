/*
 * In-memory port parts for engine tests: a manual clock, a storage that
 * counts its writes and can lose power at any of them, and a challenge port
 * that records what was published (and can answer "pending").
 */
#ifndef NACME_FAKE_PORT_H
#define NACME_FAKE_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_port.h"

/* ---- clock ---------------------------------------------------------------------- */

typedef struct fake_clock {
    uint64_t mono_ms;   /* advanced by the test loop (simulated time) */
    int64_t unix_base;  /* unix time at mono 0 */
    bool unknown;       /* unix_time() answers NACME_ERR_TIME_UNKNOWN */
} fake_clock_t;

nacme_clock_t fake_clock_port(fake_clock_t *fc);

/* ---- storage -------------------------------------------------------------------- */

#define FAKE_STORE_OBJECTS 16
#define FAKE_STORE_MAX 8192

typedef struct fake_object {
    bool used;
    nacme_object_t obj;
    char scope[128];
    uint8_t data[FAKE_STORE_MAX];
    size_t len;
} fake_object_t;

typedef struct fake_storage {
    fake_object_t objects[FAKE_STORE_OBJECTS];
    /* the open write */
    bool open;
    bool opening; /* a begin() answered pending and was neither called again to the end nor aborted */
    nacme_object_t w_obj;
    char w_scope[128];
    uint8_t w_data[FAKE_STORE_MAX];
    size_t w_len;
    /* counting and power loss: write operations are begin, append, commit, remove */
    unsigned writes;       /* write operations so far */
    unsigned cut_at;       /* lose power at this write (1-based); 0: never */
    bool cut_mid;          /* at the cut, the operation half happens (append: half the bytes; commit: done) */
    bool dead;             /* power is lost: every call fails */
    unsigned pending_every; /* answer NACME_PENDING to every n-th call (0: never) */
    unsigned calls;
    unsigned commits;
    unsigned cert_commits;  /* commits of NACME_OBJ_CERT (counting one cut mid-commit) */
    nacme_object_t cut_obj; /* lose power at the cut_obj_nth begin() of this object (0: off) */
    unsigned cut_obj_nth;
    unsigned obj_begins;
} fake_storage_t;

void fake_storage_init(fake_storage_t *fs);
nacme_storage_t fake_storage_port(fake_storage_t *fs);
/* The committed contents of an object, or NULL. */
const fake_object_t *fake_storage_get(const fake_storage_t *fs, nacme_object_t obj, const char *scope);
/* Put an object as if committed earlier. */
void fake_storage_put(fake_storage_t *fs, nacme_object_t obj, const char *scope, const void *data, size_t len);
/* After a power loss: the open write is gone, power is back. */
void fake_storage_reboot(fake_storage_t *fs);

/* ---- challenge port ------------------------------------------------------------ */

#define FAKE_CHALLENGES 8

typedef struct fake_published {
    bool live;
    nacme_challenge_type_t type;
    char identifier[256];
    bool wildcard;
    char token[128];
    char key_authorization[256];
    char dns_value[64];
    uint8_t alpn_der[1024];
    size_t alpn_len;
} fake_published_t;

typedef struct fake_challenge {
    unsigned supported;
    fake_published_t items[FAKE_CHALLENGES];
    unsigned publishes, unpublishes, settles;
    unsigned pending_left;   /* answer NACME_PENDING this many times before each success (publish: material live already) */
    unsigned pending_now;
    bool fail_publish;
    unsigned live_max;       /* most items live at once */
    /* checked at settle: every item of the order was published before any answer */
    unsigned live_at_settle;
} fake_challenge_t;

void fake_challenge_init(fake_challenge_t *fc, unsigned supported);
nacme_challenge_port_t fake_challenge_port(fake_challenge_t *fc);
unsigned fake_challenge_live(const fake_challenge_t *fc);

/* ---- log -------------------------------------------------------------------------- */

typedef struct fake_log {
    char text[32768];
    size_t len;
    bool echo;
} fake_log_t;

nacme_log_t fake_log_port(fake_log_t *fl);
bool fake_log_has(const fake_log_t *fl, const char *needle);

#endif
