/*
 * wolfSSL features for the cross-compiled Linux targets (armhf, big-endian
 * MIPS), built from Debian's wolfssl source package. They match what the
 * Linux platform uses from Debian's native libwolfssl: a TLS 1.3 (and 1.2)
 * client and server with SNI and ALPN, ECC P-256 keys with deterministic
 * ECDSA, RSA to verify the certificate chains public CAs serve, SHA-2, HMAC.
 */
#ifndef NACME_USER_SETTINGS_LINUX_H
#define NACME_USER_SETTINGS_LINUX_H

/*
 * Byte order. wolfSSL's configure defines WORDS_BIGENDIAN on big-endian
 * targets; without configure, types.h falls back to little-endian and every
 * hash (and the RNG's self-test) is wrong on big-endian MIPS.
 */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define BIG_ENDIAN_ORDER
#endif
/*
 * Big-endian sp_int otherwise loads whole digits straight from byte buffers;
 * on MIPS an unaligned buffer (a DER signature inside a larger one) is then
 * a bus error. Byte-wise loads on every target.
 */
#define WOLFSSL_SP_INT_DIGIT_ALIGN

#define WOLFSSL_TLS13
#define HAVE_TLS_EXTENSIONS
#define HAVE_SUPPORTED_CURVES
#define HAVE_SNI
#define HAVE_ALPN
#define HAVE_HKDF
#define HAVE_ENCRYPT_THEN_MAC
#define HAVE_EXTENDED_MASTER
/*
 * The tls-alpn-01 responder is a TLS 1.2 server too: answer the
 * renegotiation_info extension (RFC 5746; no renegotiation is ever done).
 * OpenSSL 3 clients refuse a TLS 1.2 server without it.
 */
#define HAVE_SERVER_RENEGOTIATION_INFO
#define WOLFSSL_NO_ATOMICS
#define NO_SESSION_CACHE_REF

/* Public keys: ECC P-256 for our keys, RSA to verify CA chains. */
#define HAVE_ECC
#define ECC_TIMING_RESISTANT
#define ECC_SHAMIR
#define WOLFSSL_ECDSA_DETERMINISTIC_K
#define WOLFSSL_KEY_GEN
#define WOLFSSL_PUBLIC_MP
#define WC_RSA_BLINDING
#define WC_RSA_PSS
#define WOLFSSL_SP_MATH_ALL
/*
 * P-256 with wolfSSL's single-precision code: in C on every target, with
 * its assembly on x86-64 (the command's own build) - several times faster
 * than the generic big-number code.
 */
#define WOLFSSL_HAVE_SP_ECC
#define WOLFSSL_SP_NO_MALLOC
#if defined(__x86_64__)
#define WOLFSSL_SP_X86_64
#define WOLFSSL_SP_X86_64_ASM
#endif
#define SP_INT_BITS 4096
#define TFM_TIMING_RESISTANT

/* Symmetric and hashes. */
#define HAVE_AESGCM
#define GCM_TABLE_4BIT
#define HAVE_CHACHA
#define HAVE_POLY1305
#define WOLFSSL_SHA384
#define WOLFSSL_SHA512
#define HAVE_HASHDRBG

/* Host name and IP checks of the server certificate. */
#define WOLFSSL_IP_ALT_NAME
#define WOLFSSL_ALT_NAMES
/*
 * The platform reads the server's leaf (wolfSSL_get_peer_certificate) to
 * check an IP literal against its iPAddress SANs itself.
 */
#define KEEP_PEER_CERT

#define NO_DSA
#define NO_DH
#define NO_RC4
#define NO_MD4
#define NO_DES3
#define NO_PSK
#define NO_OLD_TLS
#define WOLFSSL_IGNORE_FILE_WARN

#endif
