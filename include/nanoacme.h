/*
 * nanoacme: an ACME (RFC 8555) client for constrained devices.
 *
 * The engine is a non-blocking, resumable state machine in one caller-owned
 * context (nacme_t) whose size is fixed at compile time by the options in
 * nacme_config_defaults.h. It never allocates, keeps no globals, and does
 * all I/O through the port (nacme_port.h). docs/design.md explains the
 * layers; the engine API arrives with the engine itself.
 */
#ifndef NANOACME_H
#define NANOACME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nacme_b64.h"
#include "nacme_config_defaults.h"
#include "nacme_der.h"
#include "nacme_error.h"
#include "nacme_http.h"
#include "nacme_json.h"
#include "nacme_pem.h"
#include "nacme_port.h"
#include "nacme_sb.h"
#include "nacme_time.h"
#include "nacme_url.h"
#include "nacme_x509.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The engine context. Allocate it (statically, on a task stack, anywhere);
 * every field is private. Its size is what `make size` reports as
 * "context: N bytes".
 */
typedef struct nacme {
    /* private */
    const nacme_port_t *port;
    uint8_t buf[NACME_BUF_SIZE];          /* request, then response body */
    jsmntok_t toks[NACME_JSON_TOKENS];    /* JSON tokens of the body */
    nacme_json_t json;
    nacme_http_parser_t http;
    nacme_sha256_t sha;                   /* JWS signing-input hash */
    char strings[NACME_STRINGS_SIZE];     /* URLs and tokens of this run */
    char nonce[NACME_NONCE_MAX + 1];
} nacme_t;

#ifdef __cplusplus
}
#endif

#endif /* NANOACME_H */
