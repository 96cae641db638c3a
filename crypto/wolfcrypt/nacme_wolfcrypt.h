/*
 * The crypto port (nacme_crypto_t, port/nacme_port.h) on wolfCrypt.
 *
 *   nacme_wolfcrypt_t wc;                       // caller-owned, e.g. static
 *   int rc = nacme_wolfcrypt_init(&wc, &port.entropy);
 *   // or, where wolfSSL has no malloc (WOLFSSL_STATIC_MEMORY), with a heap hint:
 *   // nacme_wolfcrypt_init_ex(&wc, &port.entropy, heap);
 *   nacme_wolfcrypt_port(&wc, &port.crypto);    // fills the function table
 *   ...                                          // run the engine
 *   nacme_wolfcrypt_free(&wc);
 *
 * - SHA-256 keeps its wolfCrypt state in the caller's nacme_sha256_t (the
 *   size and alignment are checked at compile time); HMAC-SHA256 is one-shot.
 * - Keys are ECDSA P-256, held in a fixed pool of NACME_WOLFCRYPT_MAX_KEYS
 *   slots inside the context; a key handle's id is its slot number + 1.
 * - Private scalars come from the entropy port (not from wolfCrypt's own
 *   random generator), so a deterministic entropy source gives reproducible
 *   keys. Signatures are deterministic ECDSA (RFC 6979 with SHA-256), raw
 *   r||s. wolfCrypt's RNG (seeded by wolfCrypt from the OS) only blinds the
 *   scalar multiplications.
 * - Keys export to SEC1 and PKCS#8, DER or PEM, always with the public key;
 *   import reads any of the four. DER comes from wolfCrypt; the PEM armour
 *   is nanoacme's own codec (nacme_pem.h), so wolfSSL needs neither
 *   WOLFSSL_PEM_TO_DER nor WOLFSSL_DER_TO_PEM and PEM costs no allocation.
 * - Every wolfCrypt allocation (the RNG's DRBG, signing temporaries) uses
 *   the heap hint given to nacme_wolfcrypt_init_ex(): NULL is wolfSSL's
 *   default allocator (malloc), a WOLFSSL_HEAP_HINT a static pool.
 * - No function logs or prints key material; secrets on the stack are wiped.
 * - Calls never answer NACME_PENDING, except key_generate() when the entropy
 *   port does.
 *
 * This header includes wolfSSL's headers and so must not be included by
 * core/ or port/ (nor by anything built without wolfSSL).
 */
#ifndef NACME_WOLFCRYPT_H
#define NACME_WOLFCRYPT_H

#include <stdbool.h>

/* wolfSSL's build options first (a stub under WOLFSSL_USER_SETTINGS builds). */
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/settings.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>

#include "nacme_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * NACME_WOLFCRYPT_MAX_KEYS: keys held at once (1..255, default 4: the account
 * key, a certificate key, a tls-alpn-01 key, one spare). Each slot is a
 * wolfCrypt ecc_key (about 4.2 KB on 32-bit Linux builds with 4096-bit
 * math, less with a P-256-only SP_INT_BITS).
 */
#ifndef NACME_WOLFCRYPT_MAX_KEYS
#define NACME_WOLFCRYPT_MAX_KEYS 4
#endif
#if NACME_WOLFCRYPT_MAX_KEYS < 1 || NACME_WOLFCRYPT_MAX_KEYS > 255
#error "NACME_WOLFCRYPT_MAX_KEYS must be within 1..255"
#endif

/*
 * Redraws of a private scalar that falls outside 1..n-1 before
 * key_generate() gives up with NACME_ERR_ENTROPY. A working source needs a
 * redraw with probability about 2^-32.
 */
#define NACME_WOLFCRYPT_KEYGEN_DRAWS 16

/* The backend context: caller-owned; fields are private. */
typedef struct nacme_wolfcrypt {
    ecc_key keys[NACME_WOLFCRYPT_MAX_KEYS];
    bool used[NACME_WOLFCRYPT_MAX_KEYS];
    WC_RNG rng;              /* blinding only */
    nacme_entropy_t entropy; /* private scalars */
    void *heap;              /* wolfCrypt heap hint (NULL: malloc) */
    bool ready;              /* init succeeded and free not yet called */
} nacme_wolfcrypt_t;

/*
 * nacme_wolfcrypt_init() - prepare the backend: wolfCrypt, its RNG, an
 * empty key pool.
 * @wc:      the context to set up.
 * @entropy: the entropy port private keys are drawn from; the struct is
 *           copied (its ctx must outlive wc).
 *
 * Return: NACME_OK; NACME_ERR_ARG when wc, entropy or entropy->fill is NULL;
 * NACME_ERR_CRYPTO when wolfCrypt or its RNG cannot start (wc is then
 * left unusable and needs no nacme_wolfcrypt_free()). wc is overwritten:
 * call nacme_wolfcrypt_free() first on a context that holds keys.
 */
int nacme_wolfcrypt_init(nacme_wolfcrypt_t *wc, const nacme_entropy_t *entropy);

/*
 * nacme_wolfcrypt_init_ex() - nacme_wolfcrypt_init() with a wolfCrypt heap
 * hint: every allocation wolfCrypt makes for this context (the RNG's DRBG,
 * ECC temporaries while signing) comes from heap. NULL is the default
 * allocator (what nacme_wolfcrypt_init() uses). A firmware built with
 * WOLFSSL_STATIC_MEMORY and no malloc passes the hint of its static pool
 * (on lwIP: nacme_lwip_tls_heap()); the hint must outlive wc. Returns as
 * nacme_wolfcrypt_init() (NACME_ERR_CRYPTO also when the pool has no room
 * for the DRBG).
 */
int nacme_wolfcrypt_init_ex(nacme_wolfcrypt_t *wc, const nacme_entropy_t *entropy, void *heap);

/*
 * nacme_wolfcrypt_free() - release every key (wiping it) and the RNG.
 * @wc: an initialized context, or one whose init failed; NULL is ignored.
 * Calling it twice is harmless.
 */
void nacme_wolfcrypt_free(nacme_wolfcrypt_t *wc);

/*
 * nacme_wolfcrypt_port() - fill *out with this backend's functions and wc
 * as their ctx. The functions behave as port/nacme_port.h describes, with:
 *  - every function: NACME_ERR_ARG for a NULL pointer argument (data may be
 *    NULL when its length is 0), NACME_ERR_CRYPTO when wolfCrypt fails;
 *  - sha256_*: the state is set up by sha256_init() and consumed by
 *    sha256_final() (init again to reuse it); an abandoned state holds no
 *    resources. Lengths above 4 GiB are hashed in pieces.
 *  - hmac_sha256: key_len and len up to 4 GiB - 1 (else NACME_ERR_ARG);
 *  - key_generate: NACME_ERR_KEY when the pool is full; the entropy port's
 *    NACME_PENDING or error as it answered (an answer that is neither OK,
 *    PENDING nor an error gives NACME_ERR_ENTROPY); NACME_ERR_ENTROPY when
 *    NACME_WOLFCRYPT_KEYGEN_DRAWS draws in a row were out of range.
 *  - key_public, sign_digest, key_export: NACME_ERR_ARG for a handle that
 *    is not a live key of this pool (0, out of range, released).
 *  - key_export: NACME_ERR_ARG for an unknown format; NACME_ERR_TOO_LARGE
 *    when cap is below the size needed, which is then stored in *len
 *    (buf may be NULL with cap 0 to ask for the size); PEM output is the
 *    text without a terminating NUL, each line ending in '\n'.
 *  - key_import: PEM is recognized by "-----BEGIN" after optional leading
 *    whitespace (text before the key block, like openssl's EC PARAMETERS
 *    block, is skipped); anything else is read as DER. NACME_ERR_KEY for
 *    anything but a P-256 private key with a named curve in one of the four
 *    formats (other curves, RSA, encrypted PKCS#8, explicit parameters, a
 *    scalar out of range, a public key that does not match the private one,
 *    malformed or oversized input), and when the pool is full.
 *  - key_release: ignores handles that are not live keys.
 * Nothing is written to out when wc or out is NULL.
 */
void nacme_wolfcrypt_port(nacme_wolfcrypt_t *wc, nacme_crypto_t *out);

#ifdef __cplusplus
}
#endif

#endif /* NACME_WOLFCRYPT_H */
