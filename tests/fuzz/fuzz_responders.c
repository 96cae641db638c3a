/*
 * libFuzzer harness: the parsers the Linux challenge responders run on
 * network input (platforms/linux/challenge_parse.c). The first byte picks
 * the parser: even, an HTTP request head; odd, a ClientHello handshake
 * message (wrapped here in its record header, as the responder sees it).
 * Invariants: results stay inside the input, the head ends where its empty
 * line ends whatever follows, only GET/HEAD of the challenge path is
 * accepted, and the token found is what follows that path.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the platform file is compiled into the harness (fuzz builds link core/ only) */
#include "../../platforms/linux/challenge_parse.c"

#define CHALLENGE_PATH "/.well-known/acme-challenge/"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_http(const char *b, size_t n)
{
    size_t h = nacme_linux_http_head_len(b, n);
    if (h > n) abort();
    if (h == 0) return;
    if (b[h - 1] != '\n') abort();
    if (nacme_linux_http_head_len(b, h) != h || nacme_linux_http_head_len(b, h - 1) != 0) abort();
    nacme_linux_http_req_t req;
    int st = nacme_linux_http_parse(b, h, &req);
    if (st != 0 && st != 400 && st != 404 && st != 405) abort();
    if (st != 0) return;
    size_t plen = strlen(CHALLENGE_PATH);
    if (req.token == NULL || req.token_len == 0) abort();
    if (req.token < b + plen || req.token + req.token_len > b + h) abort();
    if (memcmp(req.token - plen, CHALLENGE_PATH, plen) != 0) abort();
    for (size_t i = 0; i < req.token_len; i++) {
        if (req.token[i] == '?' || (unsigned char)req.token[i] <= ' ' || req.token[i] == 0x7f) abort();
    }
    if (req.head != (memcmp(b, "HEAD ", 5) == 0)) abort();
    if (!req.head && memcmp(b, "GET ", 4) != 0) abort();
}

static void check_tls(const uint8_t *d, size_t n)
{
    if (n > 0xffff) return;
    /* the record ends exactly where the allocation does */
    uint8_t *rec = malloc(n + 5);
    if (rec == NULL) abort();
    rec[0] = 22, rec[1] = 3, rec[2] = 1, rec[3] = (uint8_t)(n >> 8), rec[4] = (uint8_t)n;
    memcpy(rec + 5, d, n);
    nacme_linux_tls_hello_t h, h2;
    bool ok = nacme_linux_tls_hello(rec, n + 5, &h);
    if (h.sni != NULL && (h.sni < rec + 5 || h.sni_len > n || h.sni + h.sni_len > rec + n + 5)) abort();
    if (nacme_linux_tls_hello(rec, n + 5, &h2) != ok || memcmp(&h, &h2, sizeof h) != 0) abort();
    if (ok && n < 4 + 34) abort(); /* a handshake header and the fixed fields at least */
    free(rec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 8192) return 0;
    if ((data[0] & 1) == 0) {
        char *b = malloc(size - 1 ? size - 1 : 1);
        if (b == NULL) abort();
        memcpy(b, data + 1, size - 1);
        check_http(b, size - 1);
        free(b);
    } else {
        check_tls(data + 1, size - 1);
    }
    return 0;
}
