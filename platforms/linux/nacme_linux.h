/*
 * The Linux platform: the port parts nanoacme needs on a Linux system.
 *
 *   transport  TCP (IPv4, IPv6) + wolfSSL TLS 1.2/1.3 client  tls_transport.c
 *   entropy    getrandom()                                     entropy.c
 *   clock      CLOCK_MONOTONIC, CLOCK_REALTIME                  clock.c
 *   log        stderr, with a minimum level                     log.c
 *   storage    files under a state directory                    file_storage.c, cert_install.c
 *   lock       flock() on DIR/.lock                             lock.c
 *   the port   all of it wired together                         port.c
 *
 * Typical use (error checks left out):
 *
 *   nacme_linux_tls_t tls;       nacme_linux_tls_init(&tls, NULL);
 *   nacme_linux_storage_t st;    nacme_linux_storage_init(&st, "/var/lib/nanoacme");
 *   nacme_linux_log_t log;       nacme_linux_log_init(&log, NACME_LOG_LEVEL_INFO);
 *   nacme_entropy_t ent;         nacme_linux_entropy_port(&ent);
 *   nacme_wolfcrypt_t wc;        nacme_wolfcrypt_init(&wc, &ent);
 *   nacme_crypto_t crypto;       nacme_wolfcrypt_port(&wc, &crypto);
 *   int lock_fd;                 nacme_linux_lock("/var/lib/nanoacme", &lock_fd);
 *   nacme_port_t port;           nacme_wait_fn wait;
 *   nacme_linux_port_init(&port, &tls, &st, &log, &crypto, &challenge, &wait);
 *   nacme_linux_loop_t loop;     nacme_linux_loop_init(&loop);
 *   nacme_init(&c, &port, &cfg); nacme_start_issue(&c, &req);
 *   nacme_run(&c, wait, &loop);
 *
 * Every call is non-blocking except where its comment says otherwise
 * (DNS resolution in connect(), fsync() in storage commits). Nothing here
 * keeps global state: each part lives in a struct the caller owns.
 */
#ifndef NACME_LINUX_H
#define NACME_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_linux_loop.h"
#include "nacme_port.h"
#include "nacme_run.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- TLS transport --------------------------------------------------------- */

/* The CA bundle used when nacme_linux_tls_init() gets no file. */
#define NACME_LINUX_SYSTEM_CA "/etc/ssl/certs/ca-certificates.crt"
/* Longest host name connect() accepts (a DNS name has at most 253 characters). */
#define NACME_LINUX_HOST_MAX 253

struct WOLFSSL_CTX;
struct WOLFSSL;
struct addrinfo;

/*
 * One TLS client connection at a time (the engine keeps one). Caller-owned;
 * every field is private. The wolfSSL context (trusted CAs, settings) lives
 * as long as the struct; a connection lives from connect() to close().
 */
typedef struct nacme_linux_tls {
    /* statistics: TLS bytes through the socket since init (for -v and benchmarks) */
    uint64_t wire_sent;
    uint64_t wire_received;
    unsigned connections;
    /* private */
    struct WOLFSSL_CTX *ctx;
    struct WOLFSSL *ssl;
    struct addrinfo *addrs;    /* getaddrinfo() answer of the connection in progress */
    struct addrinfo *next;     /* the next address to try */
    int fd;                    /* socket, -1 when none */
    uint8_t stage;             /* idle, TCP connect, TLS handshake, ready, closed */
    unsigned want;             /* NACME_WANT_* the last call waits for */
    int closed_err;            /* after close or a failure: what send/recv answer */
    bool ip_literal;           /* host is an IPv4/IPv6 literal */
    uint8_t ip[16];
    uint8_t ip_len;
    uint16_t port;
    char host[NACME_LINUX_HOST_MAX + 1];
    nacme_log_t log;           /* details of failures (write may be NULL) */
} nacme_linux_tls_t;

/*
 * nacme_linux_tls_init() - prepare the TLS client: wolfSSL, TLS 1.2 or 1.3,
 * server certificates verified against the PEM bundle ca_file, or
 * NACME_LINUX_SYSTEM_CA when ca_file is NULL.
 * Return NACME_OK; NACME_ERR_ARG for a NULL t; NACME_ERR_NOT_FOUND when the
 * CA file cannot be read; NACME_ERR_TLS when wolfSSL fails to start or the
 * file holds no usable certificate. On error nothing needs freeing.
 */
int nacme_linux_tls_init(nacme_linux_tls_t *t, const char *ca_file);

/* nacme_linux_tls_free() - close any connection and release wolfSSL. Idempotent. */
void nacme_linux_tls_free(nacme_linux_tls_t *t);

/*
 * nacme_linux_tls_port() - fill *out with the transport functions over t.
 * They follow port/nacme_port.h, and:
 *  - connect(host, port): host is a DNS name or an IPv4/IPv6 literal
 *    (without brackets). Names are resolved with getaddrinfo(), which
 *    BLOCKS until the resolver answers (the only blocking call here; a
 *    literal needs no lookup). Each address is tried in turn with a
 *    non-blocking connect(): while one is in progress connect() answers
 *    NACME_PENDING and poll_info() gives the socket and NACME_WANT_WRITE;
 *    an address that fails at once or is refused moves on to the next (one
 *    that never answers uses up the engine's I/O deadline). Then the TLS
 *    handshake: SNI and wolfSSL's name check for names; for IP literals no
 *    SNI and the leaf must carry an iPAddress SAN equal to the address.
 *    Errors: NACME_ERR_RESOLVE (no address), NACME_ERR_CONNECT (every
 *    address failed), NACME_ERR_TLS_VERIFY (untrusted, expired or wrong
 *    name/IP), NACME_ERR_TLS (any other handshake failure), NACME_ERR_ARG
 *    (empty or too long host, port 0). A call with another host or port
 *    than the attempt in progress drops that attempt and starts anew.
 *  - send/recv: count, 0 when wolfSSL waits for the socket (poll_info()
 *    tells for what: TLS may need to read while sending), then
 *    NACME_ERR_IO_CLOSED once the peer closed (close_notify or TCP FIN),
 *    NACME_ERR_IO on a reset or socket error, NACME_ERR_TLS on a TLS
 *    protocol error; the error sticks until close(). Without a connection:
 *    NACME_ERR_STATE.
 *  - close(): sends close_notify (best effort, non-blocking) and frees the
 *    connection; a later connect() starts a new one.
 *  - poll_info(): the socket (-1 when none) and what the last call waits for.
 */
void nacme_linux_tls_port(nacme_linux_tls_t *t, nacme_transport_t *out);

/* ---- entropy, clock, log ----------------------------------------------------- */

/*
 * nacme_linux_entropy_port() - entropy from getrandom(): retried on EINTR and
 * short reads; NACME_PENDING while the kernel's pool is not yet initialized
 * (early boot), so it never blocks; /dev/urandom when the kernel has no
 * getrandom(); NACME_ERR_ENTROPY on any other failure. ctx is unused (NULL).
 */
void nacme_linux_entropy_port(nacme_entropy_t *out);

/*
 * nacme_linux_clock_port() - monotonic_ms from CLOCK_MONOTONIC and
 * unix_time from CLOCK_REALTIME: a Linux system is taken to know the wall
 * time (its TLS date checks rely on it too), so unix_time answers
 * NACME_ERR_TIME_UNKNOWN only if clock_gettime() fails. ctx is unused.
 */
void nacme_linux_clock_port(nacme_clock_t *out);

/* Log lines to a file descriptor, from min_level up (ERROR is the most severe). */
typedef struct nacme_linux_log {
    nacme_log_level_t min_level; /* lines above this level (less severe) are dropped */
    int fd;                      /* 2 (stderr) after init */
} nacme_linux_log_t;

/* nacme_linux_log_init() - log to stderr everything at min_level or more severe. */
void nacme_linux_log_init(nacme_linux_log_t *l, nacme_log_level_t min_level);

/*
 * nacme_linux_log_port() - fill *out: each line is written with one write()
 * as "nanoacme: " + ("error: " | "warning: " | "" | "debug: ") + line + "\n",
 * control characters replaced by '?', cut at 1000 bytes (ending in "...").
 */
void nacme_linux_log_port(nacme_linux_log_t *l, nacme_log_t *out);

/* ---- storage -------------------------------------------------------------------- */

/* Default size limit of one stored object. */
#define NACME_LINUX_OBJECT_MAX 65536u
/* Longest state directory path accepted. */
#define NACME_LINUX_DIR_MAX 3000u
/* Longest sanitized scope or certificate name (a file name, with room for temporaries). */
#define NACME_LINUX_NAME_MAX 200u

/*
 * Files under a state directory DIR, one write open at a time:
 *
 *   DIR/accounts/SCOPE/account.key   NACME_OBJ_ACCOUNT_KEY (0600)
 *   DIR/accounts/SCOPE/account.json  NACME_OBJ_ACCOUNT
 *   DIR/certs/NAME/order.json        NACME_OBJ_ORDER
 *   DIR/certs/NAME/state.json        NACME_OBJ_STATE
 *   DIR/certs/NAME/privkey.pem       NACME_OBJ_CERT: the key (0600),
 *   DIR/certs/NAME/cert.pem            the leaf (0644),
 *   DIR/certs/NAME/chain.pem           the rest of the chain (0644),
 *   DIR/certs/NAME/fullchain.pem       leaf + chain (0644)
 *
 * SCOPE and NAME: see nacme_linux_storage_name(). Directories are created
 * 0700. A file object is written to a temporary file in its directory,
 * fsync'ed, renamed over the old one, and the directory fsync'ed. The CERT
 * object is installed as a whole directory: a complete new DIR/certs/NAME
 * (the four files plus copies of every other file of the current one) is
 * built beside it and swapped in with renameat2(RENAME_EXCHANGE), so a
 * reader that opens DIR/certs/NAME/ (e.g. nginx reloading, or one open
 * directory descriptor) sees either the old set or the new set, never a
 * new key with an old certificate. That is atomic per directory path only:
 * a reader that opens DIR/certs/NAME/privkey.pem and later
 * DIR/certs/NAME/cert.pem by path may still straddle a swap. Where the
 * kernel or file system lacks RENAME_EXCHANGE (ENOSYS, EINVAL) the swap is
 * two renames (current -> .NAME.old-PID, new -> NAME): readers may then
 * briefly find no directory; after a crash in between, the next access
 * renames the old directory back.
 *
 * The storage assumes it is the only writer of DIR (hold
 * nacme_linux_lock()): it removes leftovers of crashed installs.
 * Commits block in fsync().
 */
typedef struct nacme_linux_storage {
    /* settings, may be changed after init */
    size_t max_object;        /* objects above this are NACME_ERR_TOO_LARGE (default 64 KiB) */
    bool no_exchange;         /* always use the two-rename fallback (for tests) */
    /* private */
    bool open;
    nacme_object_t obj;
    int fd;                   /* temporary file of the open write (file objects) */
    size_t size;              /* bytes appended so far */
    uint8_t *cert;            /* the open CERT object (max_object bytes, malloc'd) */
    char name[NACME_LINUX_NAME_MAX + 1];
    char dir[NACME_LINUX_DIR_MAX + 1];
} nacme_linux_storage_t;

/*
 * nacme_linux_storage_init() - use dir as the state directory (created 0700
 * on the first write if missing; its parent must exist).
 * Return NACME_OK, NACME_ERR_ARG (NULL, empty), NACME_ERR_TOO_LARGE (path
 * longer than NACME_LINUX_DIR_MAX).
 */
int nacme_linux_storage_init(nacme_linux_storage_t *s, const char *dir);

/* nacme_linux_storage_free() - abort an open write (its temporary is deleted). */
void nacme_linux_storage_free(nacme_linux_storage_t *s);

/*
 * nacme_linux_storage_port() - fill *out with the storage functions over s
 * (port/nacme_port.h), and:
 *  - begin(): NACME_ERR_STATE when a write is open, NACME_ERR_ARG for an
 *    unknown object or a scope nacme_linux_storage_name() refuses,
 *    NACME_ERR_TOO_LARGE for a too long scope, NACME_ERR_STORAGE when a
 *    directory or the temporary file cannot be created.
 *  - append(): NACME_ERR_TOO_LARGE past max_object (the write stays open for
 *    abort()), NACME_ERR_STORAGE on a write error, NACME_ERR_STATE without
 *    begin().
 *  - commit(): NACME_ERR_STORAGE on any file system error (the old version
 *    stays); for CERT NACME_ERR_PEM when the object is not a PEM key block
 *    then at least one CERTIFICATE block, NACME_ERR_STORAGE when the current
 *    certificate directory holds something other than regular files (it
 *    would be lost in the swap). The write is closed either way.
 *  - read(): any offset; NACME_ERR_NOT_FOUND when absent. CERT reads give
 *    privkey.pem followed by fullchain.pem (what the engine wrote, minus any
 *    text between PEM blocks), both opened from one directory descriptor;
 *    NACME_ERR_STORAGE_CORRUPT when only one of them exists.
 *  - remove(): ENOENT is fine. CERT removes the four PEM files (fullchain,
 *    chain, cert, then the key), leaving the other files of the directory.
 */
void nacme_linux_storage_port(nacme_linux_storage_t *s, nacme_storage_t *out);

/*
 * nacme_linux_storage_name() - the file name used for a scope: every
 * character outside [A-Za-z0-9._:-] becomes '_', and for a certificate
 * name (cert_name true) each '*' becomes "_wildcard_" ("*.example.com" ->
 * "_wildcard_.example.com"). Names starting with '.' (".", "..", and the
 * storage's own hidden temporaries) are refused.
 * Return NACME_OK, NACME_ERR_ARG (NULL, empty, leading '.'),
 * NACME_ERR_TOO_LARGE (result longer than NACME_LINUX_NAME_MAX or than cap-1).
 */
int nacme_linux_storage_name(const char *scope, bool cert_name, char *out, size_t cap);

/*
 * nacme_linux_storage_path() - the path of (obj, scope) for display: the
 * file, or for NACME_OBJ_CERT the directory DIR/certs/NAME.
 * Return as nacme_linux_storage_name(), or NACME_ERR_TOO_LARGE when cap is short.
 */
int nacme_linux_storage_path(const nacme_linux_storage_t *s, nacme_object_t obj, const char *scope,
                             char *out, size_t cap);

/*
 * nacme_linux_write_file_atomic() - replace dir/name with data (mode, e.g.
 * 0600): a temporary file in dir, fsync, rename over, fsync dir; dir is
 * created 0700 when missing. For the command's own small files next to the
 * storage's. Return NACME_OK, NACME_ERR_TOO_LARGE (path), NACME_ERR_STORAGE.
 */
int nacme_linux_write_file_atomic(const char *dir, const char *name, const void *data, size_t len,
                                  unsigned mode);

/* ---- lock -------------------------------------------------------------------------- */

/*
 * nacme_linux_lock() - take an exclusive, non-blocking flock() on dir/.lock
 * (created 0600; dir created 0700 if missing), so two runs never share a
 * state directory. *fd gets the descriptor to pass to nacme_linux_unlock().
 * Return NACME_OK, NACME_ERR_LOCKED when another open file description
 * holds it (another process, or another nacme_linux_lock() in this one),
 * NACME_ERR_ARG (NULL, empty), NACME_ERR_TOO_LARGE (path too long),
 * NACME_ERR_STORAGE when the file cannot be opened.
 */
int nacme_linux_lock(const char *dir, int *fd);

/* nacme_linux_unlock() - release the lock (closes fd; negative fd ignored). */
void nacme_linux_unlock(int fd);

/* ---- the whole port ------------------------------------------------------------------ */

/*
 * nacme_linux_port_init() - fill *port from the Linux parts: transport over
 * tls, storage over storage, getrandom() entropy, the system clocks, log
 * over log (NULL: no log; the transport then logs nothing either),
 * the crypto port given (e.g. nacme_wolfcrypt_port()'s), and the challenge
 * port given (NULL: one that supports no challenge, enough for account
 * operations). tls gets the log for details of TLS failures. *wait (when
 * wait is not NULL) gets the loop's wait function for
 * nacme_run(c, wait, &loop).
 * Return NACME_OK, or NACME_ERR_ARG when port, tls, storage or crypto is NULL.
 */
int nacme_linux_port_init(nacme_port_t *port, nacme_linux_tls_t *tls, nacme_linux_storage_t *storage,
                          nacme_linux_log_t *log, const nacme_crypto_t *crypto,
                          const nacme_challenge_port_t *challenge, nacme_wait_fn *wait);

#ifdef __cplusplus
}
#endif

#endif /* NACME_LINUX_H */
