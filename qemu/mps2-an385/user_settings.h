/*
 * wolfSSL settings of the nanoacme firmware (Cortex-M3, no OS, no heap):
 * a TLS 1.3 client only, ECDHE and ECDSA on P-256, SHA-256,
 * ChaCha20-Poly1305, certificates checked against compiled-in trust
 * anchors, I/O through the lwIP transport's callbacks
 * (platforms/lwip/tls_transport.c).
 *
 * Every allocation comes from memory the transport owns (WOLFSSL_STATIC_MEMORY
 * with WOLFSSL_NO_MALLOC: nothing falls back to malloc, and the image links
 * no heap): a bucket pool sized below from measured peaks, and the record
 * buffer for the TLS input buffer.
 */
#ifndef FW_USER_SETTINGS_H
#define FW_USER_SETTINGS_H

/* ---- platform ---- */
#define SINGLE_THREADED
#define WOLFSSL_GENERAL_ALIGNMENT 4
#define SIZEOF_LONG_LONG 8
#define WOLFSSL_USER_IO      /* recv/send callbacks, no sockets */
#define WOLFSSL_NO_SOCK
#define NO_FILESYSTEM
#define NO_WRITEV
#define NO_DEV_RANDOM
#define NO_MAIN_DRIVER
#define NO_ERROR_STRINGS
#define WOLFSSL_IGNORE_FILE_WARN
#define WOLFSSL_NO_ATOMICS

/* ---- memory: static pool, no malloc ---- */
#define WOLFSSL_STATIC_MEMORY
#define WOLFSSL_NO_MALLOC
/*
 * Allocations go through the lwIP transport (platforms/lwip/nacme_lwip.h):
 * the TLS input buffer is its record buffer, the rest wolfSSL's static pool.
 */
#define XMALLOC_OVERRIDE
#define USE_WOLFSSL_MEMORY /* still build wolfSSL's static allocator */
#include <stddef.h>
void *nacme_lwip_tls_xmalloc(size_t size, void *heap, int type);
void nacme_lwip_tls_xfree(void *ptr, void *heap, int type);
void *nacme_lwip_tls_xrealloc(void *ptr, size_t size, void *heap, int type);
#define XMALLOC(s, h, t) nacme_lwip_tls_xmalloc((s), (h), (t))
#define XFREE(p, h, t) nacme_lwip_tls_xfree((p), (h), (t))
#define XREALLOC(p, n, h, t) nacme_lwip_tls_xrealloc((p), (n), (h), (t))
/*
 * The pool's buckets: (size in bytes, count) for one pass of the pool, in
 * increasing size; exactly WOLFMEM_MAX_BUCKETS of them (a count may be 0).
 * A request takes the smallest free bucket that fits. The lists wolfSSL
 * wants and the pool size (FW_TLS_POOL_BUCKET_BYTES: each block carries a
 * 16-byte header) all come from this one table. Counts are the measured
 * peaks of a handshake and an exchange (the demo prints them) plus a
 * margin. The TLS input buffer is not here (it is the transport's record
 * buffer); the largest bucket in use is the output buffer of one record of
 * NACME_LWIP_TLS_CHUNK (960) bytes. nanoacme's crypto backend and the
 * entropy DRBG allocate here too (their DRBG states, signing temporaries).
 * Peaks measured over an issuance and a renewal against Pebble (the
 * firmware prints them): 23, 13, 6, 3 and 2 blocks, 8.2 KB in all.
 */
#define FW_TLS_BUCKETS(X) \
    X(64, 26) X(128, 16) X(256, 8) X(512, 5) X(1024, 3) X(1152, 0) X(1536, 0) X(2432, 0) X(4544, 0)
#define FW_TLS_BUCKET_SIZE(size, count) size,
#define FW_TLS_BUCKET_COUNT(size, count) count,
#define FW_TLS_BUCKET_BYTES(size, count) + (count) * ((size) + 16)
#define WOLFMEM_MAX_BUCKETS 9
#define WOLFMEM_BUCKETS FW_TLS_BUCKETS(FW_TLS_BUCKET_SIZE)
#define WOLFMEM_DIST FW_TLS_BUCKETS(FW_TLS_BUCKET_COUNT)
#define FW_TLS_POOL_BUCKET_BYTES (0 FW_TLS_BUCKETS(FW_TLS_BUCKET_BYTES))

/* ---- time: the board's clock ---- */
#include <time.h>
time_t fw_wolfssl_time(time_t *t);
#define XTIME(t) fw_wolfssl_time(t)
#define HAVE_GMTIME_R

/*
 * wolfSSL formats a few strings (the text of an iPAddress subjectAltName, a
 * time): newlib's snprintf would pull in malloc, so a small formatter of
 * the board does it (%d %u %x %X %s %c with 0-padding and width).
 */
#include <stddef.h>
int fw_wolfssl_snprintf(char *buf, size_t size, const char *fmt, ...);
#define XSNPRINTF fw_wolfssl_snprintf

/* ---- random: Hash-DRBG seeded from the board's entropy hook ---- */
/*
 * The seed comes from board_entropy(), which on this demo board is NOT a
 * secure source (see qemu/mps2-an385/board.h): a real device must feed a
 * true entropy source there.
 */
#define HAVE_HASHDRBG
int fw_wolfssl_seed(unsigned char *output, unsigned int sz);
#define CUSTOM_RAND_GENERATE_SEED fw_wolfssl_seed

/* ---- TLS: 1.3 client only ---- */
#define WOLFSSL_TLS13
#define WOLFSSL_NO_TLS12
#define NO_OLD_TLS
#define NO_WOLFSSL_SERVER
#define WOLFSSL_NO_CLIENT_AUTH
#define NO_SESSION_CACHE
#define NO_PSK
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_HKDF
#define WOLFSSL_AEAD_ONLY
#define WOLFSSL_IP_ALT_NAME /* the CA may be reached by an IP address */

/*
 * ---- public keys: ECC P-256 only, single-precision math in C ----
 * WOLFSSL_SP_ARM_CORTEX_M_ASM (with WOLFSSL_SP_ASM) would make a handshake
 * six times faster (2.05 s -> 0.33 s at 31 MIPS) for 8.6 KB more flash and
 * 2.8 KB more stack. A CA whose TLS chain uses RSA or P-384 (Let's Encrypt's
 * ISRG roots do) needs NO_RSA removed or HAVE_ECC384 added.
 */
#define HAVE_ECC
#define ECC_USER_CURVES     /* P-256 only */
#define ECC_TIMING_RESISTANT
#define WOLFSSL_ECDSA_DETERMINISTIC_K
/*
 * What nanoacme's crypto backend (crypto/wolfcrypt) calls: SEC1 and PKCS#8
 * key export (wc_EccKeyToDer, wc_EccKeyToPKCS8: WOLFSSL_KEY_GEN,
 * HAVE_PKCS8) and mp_ access to r and s (WOLFSSL_PUBLIC_MP). Keys are made
 * from a scalar of the entropy port (wc_ecc_import_private_key_ex,
 * wc_ecc_make_pub_ex); the PEM armour is nanoacme's own, so no
 * WOLFSSL_PEM_TO_DER / WOLFSSL_DER_TO_PEM.
 */
#define WOLFSSL_KEY_GEN
#define HAVE_PKCS8
#define WOLFSSL_PUBLIC_MP
#define WOLFSSL_SP_MATH     /* only the SP code: no generic big-number math */
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_SMALL
#define WOLFSSL_SP_NO_MALLOC
#define SP_INT_BITS 256
#define NO_RSA
#define NO_DH
#define NO_DSA

/*
 * ---- symmetric and hashes ----
 * TLS_CHACHA20_POLY1305_SHA256 only: 1.1 KB smaller here than AES-128-GCM
 * (GCM_SMALL, small AES tables) and constant-time without tables; Go (Pebble)
 * and OpenSSL servers accept it. RFC 8446 makes TLS_AES_128_GCM_SHA256 the
 * mandatory suite: for a server limited to AES-GCM (FIPS setups), replace
 * these four lines with HAVE_AESGCM, GCM_SMALL, WOLFSSL_AES_SMALL_TABLES,
 * NO_AES_CBC, NO_AES_192, NO_AES_256 (tested: it works with Pebble too).
 */
#define NO_AES
#define HAVE_CHACHA
#define HAVE_POLY1305
#define HAVE_ONE_TIME_AUTH
#define USE_SLOW_SHA256
#define NO_SHA
#define NO_MD5
#define NO_MD4
#define NO_RC4
#define NO_DES3
#define NO_PWDBASED
#define WOLFSSL_NO_SHAKE256

#endif /* FW_USER_SETTINGS_H */
