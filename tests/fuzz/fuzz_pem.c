/*
 * libFuzzer harness: the streaming PEM splitter. The first two input bytes
 * give a cut offset; the rest is PEM text fed one-shot, in two pieces cut
 * there, and in pieces of (cut % 7 + 1) bytes. All three runs must give the
 * same blocks (DER and label) and the same final status. Every block found
 * must come back identical through nacme_pem_encode() and a new split.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nacme_pem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CAP 1024
#define MAX_BLOCKS 8

typedef struct {
    int rc;
    unsigned n;
    size_t len[MAX_BLOCKS];
    uint8_t der[MAX_BLOCKS][CAP];
    char label[MAX_BLOCKS][NACME_PEM_LINE_MAX];
} result_t;

static void run(const char *text, size_t len, size_t cut, size_t piece, result_t *r)
{
    uint8_t out[CAP];
    nacme_pem_splitter_t s;
    nacme_pem_splitter_init(&s, out, sizeof out);
    memset(r, 0, sizeof(*r));
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (cut > off && cut - off < n) n = cut - off; /* first piece ends at cut */
        if (piece != 0 && piece < n) n = piece;
        size_t at = 0;
        while (at < n) {
            size_t used;
            nacme_pem_event_t ev;
            r->rc = nacme_pem_split(&s, text + off + at, n - at, &used, &ev);
            if (r->rc != NACME_OK) {
                if (r->rc != NACME_ERR_PEM && r->rc != NACME_ERR_TOO_LARGE) abort();
                return;
            }
            if (used == 0 || used > n - at) abort();
            if (ev == NACME_PEM_BLOCK) {
                if (s.der != out || s.der_len > CAP) abort();
                if (memchr(s.label, '\0', sizeof s.label) == NULL) abort();
                if (s.blocks != r->n + 1) abort();
                if (r->n < MAX_BLOCKS) {
                    memcpy(r->der[r->n], s.der, s.der_len);
                    r->len[r->n] = s.der_len;
                    memcpy(r->label[r->n], s.label, sizeof s.label);
                }
                r->n++;
            } else if (ev != NACME_PEM_NEED_MORE || used != n - at) {
                abort();
            }
            at += used;
        }
        off += n;
    }
    r->rc = nacme_pem_splitter_finish(&s);
}

static void same(const result_t *a, const result_t *b)
{
    if (a->rc != b->rc || a->n != b->n) abort();
    for (unsigned i = 0; i < a->n && i < MAX_BLOCKS; i++) {
        if (a->len[i] != b->len[i] || memcmp(a->der[i], b->der[i], a->len[i]) != 0) abort();
        if (strcmp(a->label[i], b->label[i]) != 0) abort();
    }
}

static result_t ra, rb, rc_, rt;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 8192) return 0;
    const char *text = (const char *)data + 2;
    size_t len = size - 2;
    size_t cut = ((size_t)data[0] | (size_t)data[1] << 8) % (len + 1);
    run(text, len, 0, 0, &ra);
    run(text, len, cut, 0, &rb);
    same(&ra, &rb);
    run(text, len, 0, cut % 7 + 1, &rc_);
    same(&ra, &rc_);

    /* round trip of every block found */
    static char pem[2 * CAP + 2 * NACME_PEM_LINE_MAX + 64];
    for (unsigned i = 0; i < ra.n && i < MAX_BLOCKS; i++) {
        nacme_sb_t sb;
        nacme_sb_init(&sb, pem, sizeof pem);
        if (nacme_pem_encode(&sb, ra.label[i], ra.der[i], ra.len[i]) != NACME_OK) abort();
        run(pem, sb.len, 0, 0, &rt);
        if (rt.rc != NACME_OK || rt.n != 1 || rt.len[0] != ra.len[i]) abort();
        if (memcmp(rt.der[0], ra.der[i], ra.len[i]) != 0 || strcmp(rt.label[0], ra.label[i]) != 0) abort();
    }
    return 0;
}
