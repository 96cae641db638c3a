/*
 * Print the certificate the engine stored (object NACME_OBJ_CERT: the key
 * PEM, then the chain PEM) on the console: the leaf's subject common name,
 * subjectAltNames, serial number and validity, then the chain exactly as
 * stored between the lines "chain N begin" and "chain N end". The private
 * key is never printed.
 */
#ifndef FW_CERT_PRINT_H
#define FW_CERT_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "nacme_port.h"

/* Longest serial number kept (RFC 5280 allows 20 octets, plus a leading zero). */
#define CERT_SERIAL_MAX 21

typedef struct cert_info {
    uint8_t serial[CERT_SERIAL_MAX];
    size_t serial_len;
    int64_t not_before;
    int64_t not_after;
    size_t stored_len;  /* bytes of the stored object (key and chain) */
    unsigned blocks;    /* PEM blocks stored (the key and each certificate) */
    bool names_ok;      /* the SANs are exactly the one DNS name expected */
} cert_info_t;

/*
 * cert_print() - read (NACME_OBJ_CERT, name) through st and print it as
 * number `index`; fill *info. Return NACME_OK, the storage's error, or
 * NACME_ERR_CHAIN / NACME_ERR_X509 / NACME_ERR_DER when the stored chain
 * does not parse.
 */
int cert_print(const nacme_storage_t *st, const char *name, unsigned index, cert_info_t *info);

#endif /* FW_CERT_PRINT_H */
