/*
 * libFuzzer harness: the lwIP http-01 responder's request reader
 * (platforms/lwip/http01_parse.c) on network input. The first byte picks
 * where the input is split in two pieces. Invariants: the answer does not
 * depend on the split; only documented statuses come out; a served token
 * is 1..128 base64url characters inside the kept request line, right after
 * the challenge path; HEAD is reported exactly for "HEAD " lines; consumed
 * bytes stay within the input and a complete head ends with its line feed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* the platform file is compiled into the harness (fuzz builds link core/ only) */
#include "../../platforms/lwip/http01_parse.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct outcome {
    int rc;
    size_t used;
    uint16_t status;
    bool head;
    char token[NACME_HTTP01_TOKEN_MAX];
    size_t token_len;
} outcome_t;

static outcome_t run(const uint8_t *d, size_t n, size_t split)
{
    nacme_http01_req_t r;
    nacme_http01_req_init(&r);
    outcome_t o = {.rc = NACME_PENDING};
    size_t bounds[3] = {0, split, n};
    for (int k = 0; k < 2 && o.rc == NACME_PENDING; k++) {
        size_t len = bounds[k + 1] - bounds[k], used = 0;
        o.rc = nacme_http01_req_feed(&r, d + bounds[k], len, &used);
        if (used > len) abort();
        if (o.rc == NACME_PENDING && used != len) abort();
        if (o.rc != NACME_PENDING && o.rc != NACME_OK) abort();
        o.used += used;
    }
    if (r.head_len > NACME_HTTP01_HEAD_MAX + 1u || r.line_len > NACME_HTTP01_LINE_MAX) abort();
    if (o.rc != NACME_OK) return o;
    o.status = r.status;
    o.head = r.head;
    switch (r.status) {
    case 0: case 400: case 404: case 405: case 414: case 431: break;
    default: abort();
    }
    if (r.status != 414 && r.status != 431 && (o.used == 0 || d[o.used - 1] != '\n')) abort();
    if (r.status == 0) {
        size_t plen = strlen(NACME_HTTP01_PREFIX);
        if (r.token == NULL || r.token_len == 0 || r.token_len > NACME_HTTP01_TOKEN_MAX) abort();
        if (r.token < r.line + plen || r.token + r.token_len > r.line + r.line_len) abort();
        if (memcmp(r.token - plen, NACME_HTTP01_PREFIX, plen) != 0) abort();
        for (size_t i = 0; i < r.token_len; i++) {
            if (!b64url_char(r.token[i])) abort();
        }
        if (r.head != (r.line_len >= 5 && memcmp(r.line, "HEAD ", 5) == 0)) abort();
        if (!r.head && memcmp(r.line, "GET ", 4) != 0) abort();
        memcpy(o.token, r.token, r.token_len);
        o.token_len = r.token_len;
    }
    return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 4096) return 0;
    size_t n = size - 1;
    const uint8_t *d = data + 1;
    outcome_t whole = run(d, n, n);
    outcome_t split = run(d, n, n > 0 ? data[0] % (n + 1) : 0);
    if (whole.rc != split.rc || whole.used != split.used || whole.status != split.status ||
        whole.head != split.head || whole.token_len != split.token_len ||
        memcmp(whole.token, split.token, whole.token_len) != 0) {
        abort();
    }
    return 0;
}
