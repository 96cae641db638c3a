/*
 * nanoacme compile-time configuration.
 *
 * A build that wants other values defines NACME_CONFIG_FILE as the name of
 * its own header (e.g. -DNACME_CONFIG_FILE='"my_nacme_config.h"'), which is
 * included first; every option it leaves out gets the default below. (Like
 * mbedTLS's MBEDTLS_CONFIG_FILE: a build without a config header still works,
 * which FreeRTOS's "always include nacme_config.h" pattern does not allow.)
 *
 * All buffers of the engine live in the caller-owned context (nacme_t), so
 * these options set its size; `make size` prints it. Each option says what it
 * trades: RAM against what a server may send.
 */
#ifndef NACME_CONFIG_DEFAULTS_H
#define NACME_CONFIG_DEFAULTS_H

#ifdef NACME_CONFIG_FILE
#include NACME_CONFIG_FILE
#endif

/* Version string (User-Agent: nanoacme/VERSION). */
#ifndef NACME_VERSION
#define NACME_VERSION "0.1.0"
#endif

/*
 * NACME_BUF_SIZE: the one I/O buffer (bytes). Holds a request while it is
 * sent, then the response body (JSON) while it is parsed; during certificate
 * download it holds one certificate in DER. A response body larger than this
 * is NACME_ERR_TOO_LARGE. 1024..65535, default 4096 (a Let's Encrypt
 * authorization is about 1 KB, a finalize request about 1.5 KB).
 */
#ifndef NACME_BUF_SIZE
#define NACME_BUF_SIZE 4096
#endif

/*
 * NACME_JSON_TOKENS: JSON tokens per document (each 16 bytes on 32-bit).
 * A document with more values is NACME_ERR_TOO_LARGE. 16..1024, default 64
 * (an authorization with three challenges needs about 45, a problem
 * document with four subproblems about 60).
 */
#ifndef NACME_JSON_TOKENS
#define NACME_JSON_TOKENS 64
#endif

/* NACME_MAX_IDENTIFIERS: identifiers per order. 1..100, default 4. */
#ifndef NACME_MAX_IDENTIFIERS
#define NACME_MAX_IDENTIFIERS 4
#endif

/*
 * NACME_STRINGS_SIZE: the pool holding the URLs and tokens learnt during a
 * run (directory resources, account, order, authorizations, challenges).
 * URLs on the directory's origin are kept as paths. 512..16384, default 1024
 * (an order of four names at Let's Encrypt needs about 600).
 */
#ifndef NACME_STRINGS_SIZE
#define NACME_STRINGS_SIZE 1024
#endif

/*
 * NACME_CERT_DER_MAX: largest certificate of a chain (DER bytes). Each one is
 * decoded into the I/O buffer to be checked while the chain streams to
 * storage. 1024..NACME_BUF_SIZE/2, default 2048 (an RSA-4096 CA is ~1.9 KB).
 */
#ifndef NACME_CERT_DER_MAX
#define NACME_CERT_DER_MAX 2048
#endif

/* NACME_NONCE_MAX: longest Replay-Nonce kept (bytes, without NUL). Default 96. */
#ifndef NACME_NONCE_MAX
#define NACME_NONCE_MAX 96
#endif

/* NACME_URL_MAX: longest URL accepted from a server or the caller. Default 256. */
#ifndef NACME_URL_MAX
#define NACME_URL_MAX 256
#endif

/*
 * NACME_HTTP_LINE_MAX: longest HTTP status or header line (bytes). Longer is
 * NACME_ERR_HTTP_LINE_TOO_LONG. 128..4096, default 512.
 */
#ifndef NACME_HTTP_LINE_MAX
#define NACME_HTTP_LINE_MAX 512
#endif

/* NACME_HTTP_MAX_HEADERS: headers per response. Default 64. */
#ifndef NACME_HTTP_MAX_HEADERS
#define NACME_HTTP_MAX_HEADERS 64
#endif

/* NACME_MAX_ALTERNATES: Link rel="alternate" chains remembered. Default 4. */
#ifndef NACME_MAX_ALTERNATES
#define NACME_MAX_ALTERNATES 4
#endif

/*
 * NACME_BADNONCE_RETRIES: times one request is re-sent after badNonce.
 * Each retry uses the nonce of the error response. Default 20: at a 50 %
 * rejection rate one request then fails with probability 1e-6.
 */
#ifndef NACME_BADNONCE_RETRIES
#define NACME_BADNONCE_RETRIES 20
#endif

/*
 * NACME_SHA256_CTX_SIZE: bytes reserved for the crypto port's SHA-256 state
 * (opaque to the core; the backend checks at compile time that its state
 * fits). Default 192 (wolfCrypt needs 112 on Cortex-M, 144 on x86-64).
 */
#ifndef NACME_SHA256_CTX_SIZE
#define NACME_SHA256_CTX_SIZE 192
#endif

/*
 * NACME_LOG_LEVEL: messages at or below this level reach the log port:
 * 0 none, 1 error, 2 warning, 3 info, 4 debug. Default 3. Level 0 removes
 * the formatting code from the build.
 */
#ifndef NACME_LOG_LEVEL
#define NACME_LOG_LEVEL 3
#endif

/* NACME_SB_B64_DEPTH: nested base64url layers of the string builder. Default 3
 * (a JWK inside the EAB or keyChange JWS inside a JWS payload). */
#ifndef NACME_SB_B64_DEPTH
#define NACME_SB_B64_DEPTH 3
#endif

/*
 * Features. Each is 1 (default) or 0; 0 removes its code from the build
 * (the linker drops it) and trades capability for flash. A start function
 * of a removed operation answers NACME_ERR_UNSUPPORTED.
 */
/* Key rollover, contact update, account deactivation. */
#ifndef NACME_WITH_ACCOUNT_ADMIN
#define NACME_WITH_ACCOUNT_ADMIN 1
#endif
/* nacme_strerror() texts (about 2 KB); without them it says only "error". */
#ifndef NACME_WITH_ERROR_TEXT
#define NACME_WITH_ERROR_TEXT 1
#endif
/* Certificate revocation. */
#ifndef NACME_WITH_REVOKE
#define NACME_WITH_REVOKE 1
#endif
/* External Account Binding (CAs such as ZeroSSL require it). */
#ifndef NACME_WITH_EAB
#define NACME_WITH_EAB 1
#endif
/* ACME Renewal Information (RFC 9773) and "replaces". */
#ifndef NACME_WITH_ARI
#define NACME_WITH_ARI 1
#endif
/* tls-alpn-01: building the RFC 8737 validation certificate. */
#ifndef NACME_WITH_TLS_ALPN
#define NACME_WITH_TLS_ALPN 1
#endif
/* Choosing among alternate chains by the top issuer's name. */
#ifndef NACME_WITH_PREFERRED_CHAIN
#define NACME_WITH_PREFERRED_CHAIN 1
#endif
/* After a power loss between newOrder and storing its URL, find the order in the account's list. */
#ifndef NACME_WITH_ORDER_LOOKUP
#define NACME_WITH_ORDER_LOOKUP 1
#endif

/* ---- consistency checks ------------------------------------------------ */
#if NACME_BUF_SIZE < 1024 || NACME_BUF_SIZE > 65535
#error "NACME_BUF_SIZE must be within 1024..65535"
#endif
#if NACME_JSON_TOKENS < 16 || NACME_JSON_TOKENS > 1024
#error "NACME_JSON_TOKENS must be within 16..1024"
#endif
#if NACME_MAX_IDENTIFIERS < 1 || NACME_MAX_IDENTIFIERS > 100
#error "NACME_MAX_IDENTIFIERS must be within 1..100"
#endif
#if NACME_STRINGS_SIZE < 512 || NACME_STRINGS_SIZE > 16384
#error "NACME_STRINGS_SIZE must be within 512..16384"
#endif
#if NACME_HTTP_LINE_MAX < 128 || NACME_HTTP_LINE_MAX > 4096
#error "NACME_HTTP_LINE_MAX must be within 128..4096"
#endif
#if NACME_URL_MAX < 64 || NACME_URL_MAX > NACME_HTTP_LINE_MAX
#error "NACME_URL_MAX must be within 64..NACME_HTTP_LINE_MAX (a Location header must fit a line)"
#endif
#if NACME_NONCE_MAX < 16 || NACME_NONCE_MAX > 255
#error "NACME_NONCE_MAX must be within 16..255"
#endif
#if NACME_CERT_DER_MAX < 1024 || NACME_CERT_DER_MAX > NACME_BUF_SIZE / 2
#error "NACME_CERT_DER_MAX must be within 1024..NACME_BUF_SIZE/2"
#endif
#if NACME_SB_B64_DEPTH < 1 || NACME_SB_B64_DEPTH > 4
#error "NACME_SB_B64_DEPTH must be within 1..4"
#endif
#if NACME_BADNONCE_RETRIES < 0 || NACME_BADNONCE_RETRIES > 100
#error "NACME_BADNONCE_RETRIES must be within 0..100"
#endif

#endif /* NACME_CONFIG_DEFAULTS_H */
