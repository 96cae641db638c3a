/*
 * DER: a writer that fills a caller buffer from its end backwards (so every
 * length is known when its header is written, with no second pass and no
 * moving of bytes), and a minimal TLV reader.
 *
 * Writing backwards means writing the last element first:
 *
 *   nacme_der_t d; nacme_der_init(&d, buf, sizeof buf);
 *   size_t seq = nacme_der_mark(&d);
 *   nacme_der_ia5_string(&d, "b", 1);   // second element
 *   nacme_der_integer_u32(&d, 5);        // first element
 *   nacme_der_wrap(&d, NACME_DER_SEQUENCE, seq);
 *   // nacme_der_data(&d) .. + nacme_der_len(&d) is SEQUENCE { 5, "b" }
 *
 * Overflow is sticky (NACME_ERR_TOO_LARGE from nacme_der_status()).
 */
#ifndef NACME_DER_H
#define NACME_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Tags */
#define NACME_DER_BOOLEAN 0x01u
#define NACME_DER_INTEGER 0x02u
#define NACME_DER_BIT_STRING 0x03u
#define NACME_DER_OCTET_STRING 0x04u
#define NACME_DER_NULL 0x05u
#define NACME_DER_OID 0x06u
#define NACME_DER_UTF8_STRING 0x0cu
#define NACME_DER_PRINTABLE_STRING 0x13u
#define NACME_DER_IA5_STRING 0x16u
#define NACME_DER_UTC_TIME 0x17u
#define NACME_DER_GENERALIZED_TIME 0x18u
#define NACME_DER_SEQUENCE 0x30u
#define NACME_DER_SET 0x31u
/* Context-specific: [n] primitive and [n] constructed. */
#define NACME_DER_CONTEXT(n) (0x80u | (n))
#define NACME_DER_CONTEXT_CONSTRUCTED(n) (0xa0u | (n))

typedef struct nacme_der {
    uint8_t *buf;
    size_t cap;
    size_t len; /* bytes written, at buf + cap - len */
    int err;
} nacme_der_t;

/* nacme_der_init() - start an empty writer over buf[0..cap); output ends at buf + cap. */
void nacme_der_init(nacme_der_t *d, uint8_t *buf, size_t cap);
/* nacme_der_mark() - position to give nacme_der_wrap() later (the current length). */
size_t nacme_der_mark(const nacme_der_t *d);
/*
 * nacme_der_wrap() - prefix tag and length to everything written since mark.
 * A mark beyond the current length sets NACME_ERR_ARG.
 */
void nacme_der_wrap(nacme_der_t *d, unsigned tag, size_t mark);
/* nacme_der_raw() - prefix bytes as they are (pre-encoded DER). */
void nacme_der_raw(nacme_der_t *d, const uint8_t *data, size_t len);
/*
 * nacme_der_header() - prefix a tag and a length for content_len bytes already
 * written: short form below 128, else the minimal long form of up to 4 length
 * bytes (a longer length sets NACME_ERR_TOO_LARGE).
 */
void nacme_der_header(nacme_der_t *d, unsigned tag, size_t content_len);
/* nacme_der_primitive() - prefix tag, length and content. */
void nacme_der_primitive(nacme_der_t *d, unsigned tag, const uint8_t *data, size_t len);
/*
 * nacme_der_integer() - a non-negative INTEGER from big-endian magnitude
 * bytes: leading zero bytes are dropped and 0x00 is added when the top bit
 * is set, as DER requires. An empty or all-zero input encodes 0.
 */
void nacme_der_integer(nacme_der_t *d, const uint8_t *be, size_t len);
/* nacme_der_integer_u32() - a non-negative INTEGER of value v. */
void nacme_der_integer_u32(nacme_der_t *d, uint32_t v);
/* nacme_der_oid() - an OBJECT IDENTIFIER from its encoded content bytes. */
void nacme_der_oid(nacme_der_t *d, const uint8_t *content, size_t len);
/* nacme_der_bit_string() - a BIT STRING with no unused bits. */
void nacme_der_bit_string(nacme_der_t *d, const uint8_t *data, size_t len);
/* nacme_der_octet_string() - an OCTET STRING of data[0..len). */
void nacme_der_octet_string(nacme_der_t *d, const uint8_t *data, size_t len);
/* nacme_der_utf8_string() - a UTF8String of s[0..len) (not checked to be UTF-8). */
void nacme_der_utf8_string(nacme_der_t *d, const char *s, size_t len);
/* nacme_der_ia5_string() - an IA5String of s[0..len). */
void nacme_der_ia5_string(nacme_der_t *d, const char *s, size_t len);
/* nacme_der_boolean() - a BOOLEAN: 0xff for true, 0x00 for false (DER). */
void nacme_der_boolean(nacme_der_t *d, bool v);
/* nacme_der_null() - a NULL (05 00). */
void nacme_der_null(nacme_der_t *d);
/* nacme_der_data() - the encoding written so far (buf + cap - len). */
const uint8_t *nacme_der_data(const nacme_der_t *d);
/* nacme_der_len() - bytes written so far (what nacme_der_data() points to). */
size_t nacme_der_len(const nacme_der_t *d);
/* nacme_der_status() - NACME_OK or the first error (NACME_ERR_TOO_LARGE). */
int nacme_der_status(const nacme_der_t *d);

/* ---- reader ------------------------------------------------------------------ */

typedef struct nacme_der_tlv {
    unsigned tag;           /* single-byte tags only (all X.509 needs) */
    const uint8_t *value;   /* content */
    size_t len;             /* content length */
    size_t total;           /* header + content */
} nacme_der_tlv_t;

/*
 * nacme_der_read() - read one TLV at the start of data[0..len) (bytes after
 * it are allowed: tlv->total says where it ends). Return NACME_OK, or
 * NACME_ERR_DER for truncation, a multi-byte tag, an indefinite or
 * non-minimal length, more than 4 length bytes, or a length beyond the input.
 */
int nacme_der_read(const uint8_t *data, size_t len, nacme_der_tlv_t *tlv);

/*
 * nacme_der_expect() - nacme_der_read() that also requires the tag and
 * advances *data / *len past the element. NACME_ERR_DER when the tag differs.
 */
int nacme_der_expect(const uint8_t **data, size_t *len, unsigned tag, nacme_der_tlv_t *tlv);

#ifdef __cplusplus
}
#endif

#endif /* NACME_DER_H */
