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

/*
 * Size of the splitter's label buffer: what follows "-----BEGIN " on a BEGIN
 * line (the label, "-----" and any trailing whitespace) must fit in
 * NACME_PEM_LINE_MAX - 1 characters, else NACME_ERR_PEM.
 */
#define NACME_PEM_LINE_MAX 64

typedef enum nacme_pem_event {
    NACME_PEM_NEED_MORE = 0, /* all input used */
    NACME_PEM_BLOCK          /* one block complete: see der/der_len and label */
} nacme_pem_event_t;

typedef struct nacme_pem_splitter {
    /* results, valid after NACME_PEM_BLOCK until the next call */
    const uint8_t *der;
    size_t der_len;
    char label[NACME_PEM_LINE_MAX]; /* e.g. "CERTIFICATE", NUL-terminated */
    unsigned blocks;                /* blocks completed so far */
    /* private */
    uint8_t *out;
    size_t cap;
    size_t out_len;
    size_t pos;       /* characters matched or seen on the current line */
    int err;          /* first error (sticky) */
    uint8_t state;
    uint8_t quad_len; /* base64 characters waiting for a group of 4 */
    uint8_t pad;      /* the block's base64 ended with '=' */
    uint8_t label_len;
    char quad[4];
} nacme_pem_splitter_t;

/* nacme_pem_splitter_init() - DER of each block is decoded into out[0..cap). */
void nacme_pem_splitter_init(nacme_pem_splitter_t *s, uint8_t *out, size_t cap);

/*
 * nacme_pem_split() - consume text from data[0..len) up to the end of the
 * next block; *used gets the bytes consumed, *event what happened
 * (NACME_PEM_BLOCK as soon as the END line's final "-----" arrives; the rest
 * of that line may only be whitespace). Text outside blocks (explanatory
 * lines) is skipped, as RFC 7468 allows; a line starting "-----BEGIN " opens
 * a block and must be a well-formed BEGIN line. CRLF and LF line ends both
 * work; spaces, tabs and CR inside a block are ignored. Return NACME_OK,
 * NACME_ERR_PEM (bad base64, END label not matching BEGIN, BEGIN inside a
 * block, text after END on its line), NACME_ERR_TOO_LARGE when a block's DER
 * exceeds cap, NACME_ERR_ARG for NULL arguments. Errors are sticky: later
 * calls return the same error until nacme_pem_splitter_init().
 *
 * Typical loop over a chunk:
 *
 *   while (len > 0) {
 *       rc = nacme_pem_split(&s, data, len, &used, &ev);
 *       if (rc < 0) return rc;
 *       if (ev == NACME_PEM_BLOCK) check(s.der, s.der_len);
 *       data += used; len -= used;
 *   }
 */
int nacme_pem_split(nacme_pem_splitter_t *s, const char *data, size_t len, size_t *used,
                    nacme_pem_event_t *event);

/*
 * nacme_pem_splitter_finish() - the input ended: NACME_OK when no block is
 * half read (a BEGIN line, base64 or an unfinished END line), else
 * NACME_ERR_PEM, or the splitter's sticky error.
 */
int nacme_pem_splitter_finish(const nacme_pem_splitter_t *s);

#ifdef __cplusplus
}
#endif

#endif /* NACME_PEM_H */
