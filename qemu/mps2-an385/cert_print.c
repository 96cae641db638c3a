/* Printing the stored certificate (see cert_print.h). */
#include "cert_print.h"

#include <string.h>

#include "console.h"
#include "nacme_pem.h"
#include "nacme_time.h"
#include "nacme_x509.h"

/* Bytes read from storage at a time. */
#define CHUNK 256u
/* Largest certificate decoded (as the engine's NACME_CERT_DER_MAX). */
#define DER_MAX 2048u

static void prefix(unsigned index, const char *what)
{
    console_put_str("cert ");
    console_put_dec(index);
    console_put_str(": ");
    console_put_str(what);
}

static void put_time(int64_t t)
{
    char text[NACME_RFC3339_LEN + 1];
    if (nacme_time_format_rfc3339(t, text, sizeof text) == NACME_OK) {
        console_put_str(text);
    } else {
        console_put_str("(out of range)");
    }
}

static void put_hex_bytes(const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        console_put_char(hex[p[i] >> 4]);
        console_put_char(hex[p[i] & 15u]);
    }
}

/* The leaf: subject CN, SANs, serial, validity. */
static int show_leaf(const uint8_t *der, size_t len, const char *name, unsigned index, cert_info_t *info)
{
    nacme_x509_t x;
    int rc = nacme_x509_parse(der, len, &x);
    if (rc != NACME_OK) return rc;
    const uint8_t *cn;
    size_t cn_len;
    prefix(index, "subject ");
    if (nacme_x509_name_cn(x.subject, &cn, &cn_len) == NACME_OK) {
        console_put_str("CN=");
        console_put_mem((const char *)cn, cn_len);
    } else {
        console_put_str("(no common name)");
    }
    console_put_str("\r\n");
    size_t pos = 0;
    nacme_x509_name_t san;
    unsigned n_names = 0;
    bool match = false;
    while (nacme_x509_san_next(&x, &pos, &san) == NACME_OK) {
        prefix(index, "san ");
        n_names++;
        if (san.type == NACME_X509_DNS) {
            console_put_str("DNS:");
            console_put_mem((const char *)san.value, san.len);
            match = match || (san.len == strlen(name) && memcmp(san.value, name, san.len) == 0);
        } else {
            console_put_str("IP:");
            put_hex_bytes(san.value, san.len);
        }
        console_put_str("\r\n");
    }
    info->names_ok = match && n_names == 1u;
    /* the serial's content bytes without a leading zero, as openssl prints it */
    const uint8_t *sp = x.serial.ptr;
    size_t sl = x.serial.len;
    while (sl > 1u && sp[0] == 0u) {
        sp++;
        sl--;
    }
    info->serial_len = sl < CERT_SERIAL_MAX ? sl : CERT_SERIAL_MAX;
    memcpy(info->serial, sp, info->serial_len);
    prefix(index, "serial ");
    put_hex_bytes(sp, sl);
    console_put_str("\r\n");
    info->not_before = x.not_before;
    info->not_after = x.not_after;
    prefix(index, "not before ");
    put_time(x.not_before);
    console_put_str(", not after ");
    put_time(x.not_after);
    console_put_str(" (");
    console_put_sdec((int32_t)(x.not_after - x.not_before));
    console_put_str(" s)\r\n");
    return NACME_OK;
}

/* Print text, LF line ends as CR LF (the UART's terminal). */
static void put_text(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n') console_put_char('\r');
        if (p[i] == '\n' || (p[i] >= ' ' && p[i] <= '~')) console_put_char((char)p[i]);
    }
}

int cert_print(const nacme_storage_t *st, const char *name, unsigned index, cert_info_t *info)
{
    uint8_t der[DER_MAX];
    uint8_t chunk[CHUNK];
    nacme_pem_splitter_t sp;
    memset(info, 0, sizeof *info);
    nacme_pem_splitter_init(&sp, der, sizeof der);
    uint32_t off = 0;
    uint32_t chain_at = 0; /* where the chain starts: after the key block */
    int rc = NACME_OK;
    /* first pass: find the blocks, check the leaf (bounded by the object's size) */
    for (unsigned guard = 0; guard < 1024u; guard++) {
        size_t got = 0;
        rc = st->read(st->ctx, NACME_OBJ_CERT, name, off, chunk, sizeof chunk, &got);
        if (rc != NACME_OK || got == 0) break;
        size_t pos = 0;
        while (pos < got && rc == NACME_OK) {
            size_t used = 0;
            nacme_pem_event_t ev;
            rc = nacme_pem_split(&sp, (const char *)chunk + pos, got - pos, &used, &ev);
            pos += used;
            if (rc != NACME_OK || ev != NACME_PEM_BLOCK) continue;
            if (sp.blocks == 1u) chain_at = off + (uint32_t)pos;
            if (sp.blocks == 2u) rc = show_leaf(sp.der, sp.der_len, name, index, info);
        }
        off += (uint32_t)got;
        if (rc != NACME_OK) break;
    }
    if (rc == NACME_OK) rc = nacme_pem_splitter_finish(&sp);
    info->stored_len = off;
    info->blocks = sp.blocks;
    if (rc != NACME_OK) return rc;
    if (sp.blocks < 2u) return NACME_ERR_CHAIN;
    /* second pass: the chain as stored */
    console_put_str("chain ");
    console_put_dec(index);
    console_put_str(" begin\r\n");
    for (uint32_t at = chain_at; at < off;) {
        size_t got = 0;
        rc = st->read(st->ctx, NACME_OBJ_CERT, name, at, chunk, sizeof chunk, &got);
        if (rc != NACME_OK || got == 0) break;
        put_text(chunk, got);
        at += (uint32_t)got;
    }
    console_put_str("chain ");
    console_put_dec(index);
    console_put_str(" end\r\n");
    return rc;
}
