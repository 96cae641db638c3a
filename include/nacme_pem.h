/*
 * PEM (RFC 7468): an encoder, and a streaming splitter that turns a
 * certificate chain arriving in chunks of any size into DER certificates.
 */
#ifndef NACME_PEM_H
#define NACME_PEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"
#include "nacme_sb.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * nacme_pem_encode() - append "-----BEGIN label-----", the base64 of der in
 * 64-character lines, and "-----END label-----", each line ending in '\n'.
 * Return NACME_OK or the builder's error.
 */
int nacme_pem_encode(nacme_sb_t *sb, const char *label, const uint8_t *der, size_t len);

/* Longest label line kept by the splitter ("-----BEGIN " label "-----"). */
#define NACME_PEM_LINE_MAX 64

typedef enum nacme_pem_event {
    NACME_PEM_NEED_MORE = 0, /* all input used */
    NACME_PEM_BLOCK          /* one block complete: see der/der_len and label */
} nacme_pem_event_t;

typedef struct nacme_pem_splitter {
    /* results, valid after NACME_PEM_BLOCK until the next call */
    const uint8_t *der;
    size_t der_len;
    char label[NACME_PEM_LINE_MAX]; /* e.g. "CERTIFICATE" */
    unsigned blocks;                /* blocks completed so far */
    /* private */
    uint8_t *out;
    size_t cap;
    size_t out_len;
    uint8_t state;
    uint8_t quad_len;
    uint8_t pad;
    char quad[4];
    size_t line_len;
    char line[NACME_PEM_LINE_MAX + 8];
} nacme_pem_splitter_t;

/* nacme_pem_splitter_init() - DER of each block is decoded into out[0..cap). */
void nacme_pem_splitter_init(nacme_pem_splitter_t *s, uint8_t *out, size_t cap);

/*
 * nacme_pem_split() - consume text from data[0..len) up to the end of the
 * next block; *used gets the bytes consumed, *event what happened. Text
 * outside blocks (explanatory lines) is skipped, as RFC 7468 allows; CRLF
 * and LF line ends both work. Return NACME_OK, NACME_ERR_PEM (bad base64,
 * END label not matching BEGIN, BEGIN inside a block), NACME_ERR_TOO_LARGE
 * when a block's DER exceeds cap.
 */
int nacme_pem_split(nacme_pem_splitter_t *s, const char *data, size_t len, size_t *used,
                    nacme_pem_event_t *event);

/*
 * nacme_pem_splitter_finish() - the input ended: NACME_OK when no block is
 * half read, else NACME_ERR_PEM.
 */
int nacme_pem_splitter_finish(const nacme_pem_splitter_t *s);

#ifdef __cplusplus
}
#endif

#endif /* NACME_PEM_H */
