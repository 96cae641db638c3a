/*
 * nanoacme configuration of the firmware (NACME_CONFIG_FILE): what a
 * device that renews one certificate with http-01 needs, and no more.
 * The core, the port and the platform are all built with it (the structs
 * they share depend on it).
 */
#ifndef FW_NACME_CONFIG_H
#define FW_NACME_CONFIG_H

/* Operations the device never runs: key rollover, contact updates, revocation. */
#define NACME_WITH_ACCOUNT_ADMIN 0
#define NACME_WITH_REVOKE 0
/* The device answers http-01 only (its own lwIP listener). */
#define NACME_WITH_TLS_ALPN 0
/* One chain: the CA's default. */
#define NACME_WITH_PREFERRED_CHAIN 0
#define NACME_MAX_ALTERNATES 1
/* No external account binding (Let's Encrypt and Pebble need none; ZeroSSL would). */
#define NACME_WITH_EAB 0
/* Error texts cost 2 KB; the firmware prints the numeric code (nacme_error.h names it). */
#define NACME_WITH_ERROR_TEXT 0
/* Errors and warnings reach the UART; progress is printed by the firmware's event hook. */
#define NACME_LOG_LEVEL 2
/* One name per certificate (two leave room for "www."). */
#define NACME_MAX_IDENTIFIERS 2
/* JWS payload base64url inside nothing else: two layers (no EAB, no keyChange). */
#define NACME_SB_B64_DEPTH 2

/* ---- the port's parts (they include this file through nacme_port.h) ---- */

/* The crypto backend's key pool: the account key and the certificate key. */
#define NACME_WOLFCRYPT_MAX_KEYS 2

/*
 * Plaintext per TLS record written: 960 keeps wolfSSL's output buffer
 * (record, header, tag, alignment) within the pool's 1024-byte bucket.
 */
#define NACME_LWIP_TLS_CHUNK 960

#endif /* FW_NACME_CONFIG_H */
