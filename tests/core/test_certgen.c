/*
 * Tests for core/certgen.c, core/alpn_cert.c and core/ip.c: the PKCS#10 CSR
 * (one name, several, a wildcard, IPv4 and IPv6, a first name too long for
 * the CN, mixed), the RFC 8737 tls-alpn-01 certificate (DNS, IPv4, IPv6
 * identifiers, UTCTime and GeneralizedTime validity), the IP parser and
 * reverse names, and every error path; signed with the real wolfCrypt
 * backend in two passes as core/order.c does.
 *
 * Two DER vectors each for the CSR info and the certificate TBS were made
 * by python-cryptography's builders (an independent encoder); everything
 * built here is also checked by tests/core/verify_jose.py with
 * python-cryptography and openssl (strict DER, signatures, subject, SANs,
 * the critical acmeIdentifier, validity, the same TBS rebuilt by
 * cryptography) and the ipaddress module.
 */
#include "test_artifacts.h"

#include "nacme_certgen.h"
#include "nacme_jose.h"
#include "nacme_pem.h"

#define SEARCH_LIMIT 5000
#define BUF 4096

static char g_dir[64];

/* python-cryptography's CertificationRequestInfo for key 1 (the generator) and CN=SAN=example.com */
static const char g_csr_info_1[] =
    "3081a102010030163114301206035504030c0b6578616d706c652e636f6d3059301306072a8648ce3d020106082a8648ce3d0301"
    "07034200046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e16"
    "2bce33576b315ececbb6406837bf51f5a029302706092a864886f70d01090e311a301830160603551d11040f300d820b6578616d70"
    "6c652e636f6d";
/* ... and for 192.0.2.7, www.example.com, 2001:db8::1: an empty subject */
static const char g_csr_info_2[] =
    "3081a702010030003059301306072a8648ce3d020106082a8648ce3d030107034200046b17d1f2e12c4247f8bce6e563a440f27703"
    "7d812deb33a0f4a13945d898c2964fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5a045304306092a"
    "864886f70d01090e3136303430320603551d11042b30298704c0000207820f7777772e6578616d706c652e636f6d87102001"
    "0db8000000000000000000000001";
/* python-cryptography's TBSCertificate for key 3, serial 40 01 02 .. 0f, g_ka, example.com, 2023-11-14 + 7 days */
static const char g_alpn_tbs_1[] =
    "3082012fa0030201020210400102030405060708090a0b0c0d0e0f300a06082a8648ce3d040302301f311d301b06035504030c146e"
    "616e6f61636d6520746c732d616c706e2d3031301e170d3233313131343232313332305a170d3233313132313232313332305a301f"
    "311d301b06035504030c146e616e6f61636d6520746c732d616c706e2d30313059301306072a8648ce3d020106082a8648ce3d0301"
    "07034200045ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c8734640c4998ff7e374b06ce1a64a2ec"
    "d82ab036384fb83d9a79b127a27d5032a34d304b30160603551d11040f300d820b6578616d706c652e636f6d303106082b06010505"
    "07011f0101ff042204209616378d3099ac3d80f757fd1975da86255276204e9e5a6dc137632679d826c4";
/* ... for 2001:db8::1 from 2049-12-31T23:59:59Z (UTCTime) to 2050-01-01T00:00:00Z (GeneralizedTime) */
static const char g_alpn_tbs_2[] =
    "30820136a0030201020210400102030405060708090a0b0c0d0e0f300a06082a8648ce3d040302301f311d301b06035504030c146e"
    "616e6f61636d6520746c732d616c706e2d30313020170d3439313233313233353935395a180f32303530303130313030303030305a"
    "301f311d301b06035504030c146e616e6f61636d6520746c732d616c706e2d30313059301306072a8648ce3d020106082a8648ce3d"
    "030107034200045ecbe4d1a6330a44c8f7ef951d4bf165e6c6b721efada985fb41661bc6e7fd6c8734640c4998ff7e374b06ce1a64"
    "a2ecd82ab036384fb83d9a79b127a27d5032a3523050301b0603551d1104143012871020010db8000000000000000000000001303106"
    "082b0601050507011f0101ff042204209616378d3099ac3d80f757fd1975da86255276204e9e5a6dc137632679d826c4";
static const char g_ka[] = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.xx0BcA-wMohw8atYDJOe6peGModklG2wRHBlXHMvl0M";

/* k1 is the key with scalar 1 ("k1" in the artifacts), k2 the one with scalar 3 ("k3", "key 3") */
typedef test_two_keys_t fixture_t;
TEST_TWO_KEYS_FIXTURES(11, 1, 3, g_dir, "certgen")

/* ---- helpers ----------------------------------------------------------------------- */

static void tohex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) sprintf(out + 2 * i, "%02x", d[i]);
    out[2 * n] = '\0';
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
    for (size_t i = 0; i + m <= n; i++) {
        if (memcmp(hay + i, needle, m) == 0) return true;
    }
    return false;
}

/* KEY.xy and KEY.sec1.der (so the verifier can rebuild the CSR with cryptography). */
static void art_keypair(test_crypto_t *t, nacme_key_t k, const char *name)
{
    uint8_t xy[64], der[200];
    size_t len = 0;
    test_pub(t, k, xy);
    art_key(g_dir, name, xy);
    assert_int_equal(t->c.key_export(t->c.ctx, k, NACME_KEY_SEC1_DER, der, sizeof der, &len), NACME_OK);
    char file[96];
    snprintf(file, sizeof file, "%s.sec1.der", name);
    art_write(g_dir, file, der, len);
}

/*
 * A CSR in two passes (core/order.c S_CSR_SIGN): the info alone, its hash
 * signed, then the whole request. The DER lands at the end of buf.
 */
static int make_csr(test_crypto_t *t, nacme_key_t k, const nacme_identifier_t *ids, size_t n, uint8_t *buf,
                    size_t cap, const uint8_t **der, size_t *len, uint8_t rs[64])
{
    uint8_t xy[64], digest[32];
    nacme_der_t d;
    test_pub(t, k, xy);
    nacme_der_init(&d, buf, cap);
    int rc = nacme_csr_info(&d, ids, n, xy);
    if (rc != NACME_OK) return rc;
    test_sha256(t, nacme_der_data(&d), nacme_der_len(&d), digest);
    test_sign(t, k, digest, rs);
    nacme_der_init(&d, buf, cap);
    rc = nacme_csr(&d, ids, n, xy, rs);
    if (rc != NACME_OK) return rc;
    *der = nacme_der_data(&d);
    *len = nacme_der_len(&d);
    return NACME_OK;
}

/* NAME.der, NAME.pem and a "csr" line: key name, CN ('-' for none), identifiers. */
static void art_csr(const char *name, const uint8_t *der, size_t len, const char *key, const uint8_t rs[64],
                    const char *cn, const nacme_identifier_t *ids, size_t n)
{
    char file[96], rsh[129];
    snprintf(file, sizeof file, "%s.der", name);
    art_write(g_dir, file, der, len);
    char *pem = malloc(2 * len + 200);
    nacme_sb_t sb;
    nacme_sb_init(&sb, pem, 2 * len + 200);
    assert_int_equal(nacme_pem_encode(&sb, "CERTIFICATE REQUEST", der, len), NACME_OK);
    snprintf(file, sizeof file, "%s.pem", name);
    art_write(g_dir, file, pem, sb.len);
    free(pem);
    char line[4096];
    tohex(rs, 64, rsh);
    int at = snprintf(line, sizeof line, "csr %s %s %s %s", name, key, rsh, cn ? cn : "-");
    for (size_t i = 0; i < n; i++) {
        at += snprintf(line + at, sizeof line - (size_t)at, " %s:%s", ids[i].type == NACME_ID_IP ? "ip" : "dns",
                       ids[i].value);
    }
    assert_true((size_t)at < sizeof line);
    art_line(g_dir, "%s", line);
}

static void csr_case(fixture_t *f, const char *name, const nacme_identifier_t *ids, size_t n, const char *cn)
{
    uint8_t *buf = malloc(BUF);
    const uint8_t *der;
    size_t len;
    uint8_t rs[64];
    assert_int_equal(make_csr(f->t, f->k1, ids, n, buf, BUF, &der, &len, rs), NACME_OK);
    art_keypair(f->t, f->k1, "k1");
    art_csr(name, der, len, "k1", rs, cn, ids, n);
    /* the CN, when there is one, is a UTF8String in the DER */
    if (cn != NULL) {
        uint8_t atv[80] = {0x06, 0x03, 0x55, 0x04, 0x03, 0x0c};
        atv[6] = (uint8_t)strlen(cn);
        memcpy(atv + 7, cn, strlen(cn));
        assert_true(contains(der, len, atv, 7 + strlen(cn)));
    }
    free(buf);
}

/* ---- CSR ------------------------------------------------------------------------------- */

static void test_csr_one_name(void **state)
{
    fixture_t *f = *state;
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "example.com"}};
    uint8_t buf[BUF], want[256];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, ids, 1, f->xy1), NACME_OK);
    size_t n = strlen(g_csr_info_1) / 2;
    test_unhex(g_csr_info_1, want, n);
    assert_int_equal(nacme_der_len(&d), n);
    assert_memory_equal(nacme_der_data(&d), want, n);
    csr_case(f, "csr-one", ids, 1, "example.com");
}

static void test_csr_ip_first(void **state)
{
    fixture_t *f = *state;
    static const nacme_identifier_t ids[] = {
        {NACME_ID_IP, "192.0.2.7"}, {NACME_ID_DNS, "www.example.com"}, {NACME_ID_IP, "2001:db8::1"}};
    uint8_t buf[BUF], want[256];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, ids, 3, f->xy1), NACME_OK);
    size_t n = strlen(g_csr_info_2) / 2;
    test_unhex(g_csr_info_2, want, n);
    assert_int_equal(nacme_der_len(&d), n);
    assert_memory_equal(nacme_der_data(&d), want, n);
    csr_case(f, "csr-ipfirst", ids, 3, NULL);
}

static void test_csr_several_names(void **state)
{
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "a.example.com"},
                                             {NACME_ID_DNS, "b.example.com"},
                                             {NACME_ID_DNS, "example.net"},
                                             {NACME_ID_DNS, "xn--bcher-kva.example"},
                                             {NACME_ID_DNS, "very.deep.sub.domain.example.org"}};
    csr_case(*state, "csr-several", ids, 5, "a.example.com");
}

static void test_csr_wildcard(void **state)
{
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "*.example.com"}, {NACME_ID_DNS, "example.com"}};
    csr_case(*state, "csr-wildcard", ids, 2, "*.example.com");
}

static void test_csr_ipv4_ipv6(void **state)
{
    static const nacme_identifier_t v4[] = {{NACME_ID_IP, "192.0.2.1"}};
    static const nacme_identifier_t v6[] = {{NACME_ID_IP, "2001:db8::42"}, {NACME_ID_IP, "::ffff:198.51.100.7"}};
    csr_case(*state, "csr-ipv4", v4, 1, NULL);
    csr_case(*state, "csr-ipv6", v6, 2, NULL);
}

/* A first name of 64 characters is the CN; of 65 it leaves the subject empty (RFC 5280 ub-common-name). */
static void test_csr_long_first_name(void **state)
{
    char n64[65], n65[66], n200[201];
    memset(n64, 'a', sizeof n64);
    memcpy(n64 + 64 - 12, ".example.com", 13);
    memset(n65, 'b', sizeof n65);
    memcpy(n65 + 65 - 12, ".example.com", 13);
    memset(n200, 'c', sizeof n200);
    for (size_t i = 60; i < 200; i += 61) n200[i] = '.';
    memcpy(n200 + 200 - 12, ".example.com", 13);
    assert_int_equal(strlen(n64), 64);
    assert_int_equal(strlen(n65), 65);
    assert_int_equal(strlen(n200), 200);
    nacme_identifier_t a[] = {{NACME_ID_DNS, n64}, {NACME_ID_DNS, "example.com"}};
    nacme_identifier_t b[] = {{NACME_ID_DNS, n65}, {NACME_ID_DNS, "example.com"}};
    nacme_identifier_t c[] = {{NACME_ID_DNS, n200}};
    csr_case(*state, "csr-cn64", a, 2, n64);
    csr_case(*state, "csr-cn65", b, 2, NULL);
    csr_case(*state, "csr-cn200", c, 1, NULL);
}

static void test_csr_mixed(void **state)
{
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "example.com"},
                                             {NACME_ID_IP, "203.0.113.9"},
                                             {NACME_ID_DNS, "*.example.com"},
                                             {NACME_ID_IP, "fe80::1:2:3:4"},
                                             {NACME_ID_IP, "0.0.0.0"},
                                             {NACME_ID_IP, "::"}};
    csr_case(*state, "csr-mixed", ids, 6, "example.com");
}

/* Many identifiers: the SAN and attribute lengths take the long DER form. */
static void test_csr_many_names(void **state)
{
    enum { N = 40 };
    static char names[N][40];
    nacme_identifier_t ids[N];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "host%02d.example.com", i);
        ids[i].type = (i % 5 == 4) ? NACME_ID_IP : NACME_ID_DNS;
        if (ids[i].type == NACME_ID_IP) snprintf(names[i], sizeof names[i], "2001:db8::%x", i);
        ids[i].value = names[i];
    }
    csr_case(*state, "csr-many", ids, N, "host00.example.com");
}

static void test_csr_errors(void **state)
{
    fixture_t *f = *state;
    uint8_t buf[BUF], rs[64] = {1};
    nacme_der_t d;
    static const nacme_identifier_t ok[] = {{NACME_ID_DNS, "example.com"}, {NACME_ID_IP, "192.0.2.1"}};
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, ok, 0, f->xy1), NACME_ERR_ARG);
    assert_int_equal(nacme_csr_info(&d, NULL, 1, f->xy1), NACME_ERR_ARG);
    assert_int_equal(nacme_csr_info(&d, ok, 1, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_csr(&d, ok, 0, f->xy1, rs), NACME_ERR_ARG);
    static const char *const bad_ips[] = {"1.2.3.256", "example.com", "", "1::2::3", "fe80::1%eth0"};
    for (size_t i = 0; i < sizeof bad_ips / sizeof bad_ips[0]; i++) {
        nacme_identifier_t ids[] = {{NACME_ID_DNS, "example.com"}, {NACME_ID_IP, bad_ips[i]}};
        nacme_der_init(&d, buf, sizeof buf);
        assert_int_equal(nacme_csr_info(&d, ids, 2, f->xy1), NACME_ERR_ARG);
        nacme_der_init(&d, buf, sizeof buf);
        assert_int_equal(nacme_csr(&d, ids, 2, f->xy1, rs), NACME_ERR_ARG);
    }
    nacme_identifier_t unknown[] = {{NACME_ID_DNS, "example.com"}, {(nacme_id_type_t)3, "x"}};
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, unknown, 2, f->xy1), NACME_ERR_ARG);
    nacme_identifier_t null_value[] = {{NACME_ID_DNS, "example.com"}, {NACME_ID_DNS, NULL}};
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, null_value, 2, f->xy1), NACME_ERR_ARG);
    nacme_identifier_t null_first[] = {{NACME_ID_DNS, NULL}};
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, null_first, 1, f->xy1), NACME_ERR_ARG);

    /* every buffer size below the need, for the info and for the whole request */
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr_info(&d, ok, 2, f->xy1), NACME_OK);
    size_t info_len = nacme_der_len(&d);
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_csr(&d, ok, 2, f->xy1, rs), NACME_OK);
    size_t csr_len = nacme_der_len(&d);
    uint8_t ref[BUF];
    memcpy(ref, nacme_der_data(&d), csr_len);
    for (size_t cap = 0; cap < csr_len; cap++) {
        uint8_t *tight = malloc(cap ? cap : 1);
        if (cap < info_len) {
            nacme_der_init(&d, tight, cap);
            assert_int_equal(nacme_csr_info(&d, ok, 2, f->xy1), NACME_ERR_TOO_LARGE);
        }
        nacme_der_init(&d, tight, cap);
        assert_int_equal(nacme_csr(&d, ok, 2, f->xy1, rs), NACME_ERR_TOO_LARGE);
        free(tight);
    }
    uint8_t *tight = malloc(csr_len);
    nacme_der_init(&d, tight, csr_len);
    assert_int_equal(nacme_csr(&d, ok, 2, f->xy1, rs), NACME_OK);
    assert_memory_equal(tight, ref, csr_len);
    free(tight);
}

/* The CSR of an edge key (see test_edge_keys) for test_csr_edge_keys. */
static void csr_edge_key(void *ctx, nacme_key_t k, const uint8_t xy[64], int which)
{
    fixture_t *f = ctx;
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "edge.example.com"}};
    const char *name = which == 0 ? "x0" : "y0";
    uint8_t *buf = malloc(BUF);
    const uint8_t *der;
    size_t len;
    uint8_t rs[64];
    assert_int_equal(make_csr(f->t, k, ids, 1, buf, BUF, &der, &len, rs), NACME_OK);
    uint8_t point[66] = {0x03, 0x42, 0x00, 0x04};
    memcpy(point + 4, xy, 62);
    assert_true(contains(der, len, point, 66));
    art_keypair(f->t, k, name);
    char cname[16];
    snprintf(cname, sizeof cname, "csr-%s", name);
    art_csr(cname, der, len, name, rs, "edge.example.com", ids, 1);
    free(buf);
}

/* Keys whose x, and y, start with zero bytes: the point keeps 65 bytes in the SPKI. */
static void test_csr_edge_keys(void **state)
{
    fixture_t *f = *state;
    test_edge_keys(f->t, SEARCH_LIMIT, csr_edge_key, f);
}

/*
 * CSR signatures whose r or s is below 2^248 (a shorter INTEGER), and
 * whose r or s has its top bit set (a 0x00 prefix) or not.
 */
static void test_csr_edge_signatures(void **state)
{
    fixture_t *f = *state;
    enum { R_SHORT, S_SHORT, R_HIGH, R_LOW, S_HIGH, S_LOW, KINDS };
    static const char *const kind_name[KINDS] = {"r0", "s0", "rhigh", "rlow", "shigh", "slow"};
    bool found[KINDS] = {false};
    int i = 0, have = 0;
    for (; i < SEARCH_LIMIT && have < KINDS; i++) {
        char host[40];
        snprintf(host, sizeof host, "h%d.example.com", i);
        nacme_identifier_t ids[] = {{NACME_ID_DNS, host}};
        uint8_t *buf = malloc(BUF);
        const uint8_t *der;
        size_t len;
        uint8_t rs[64];
        assert_int_equal(make_csr(f->t, f->k1, ids, 1, buf, BUF, &der, &len, rs), NACME_OK);
        bool is[KINDS] = {rs[0] == 0, rs[32] == 0, rs[0] >= 0x80, rs[0] != 0 && rs[0] < 0x80, rs[32] >= 0x80,
                          rs[32] != 0 && rs[32] < 0x80};
        for (int k = 0; k < KINDS; k++) {
            if (!is[k] || found[k]) continue;
            found[k] = true;
            have++;
            char name[32];
            snprintf(name, sizeof name, "csr-sig-%s", kind_name[k]);
            art_keypair(f->t, f->k1, "k1");
            art_csr(name, der, len, "k1", rs, host, ids, 1);
            /* the signature SEQUENCE's length follows from r and s */
            size_t rlen = 32, slen = 32;
            const uint8_t *r = rs, *s = rs + 32;
            while (rlen > 0 && *r == 0) r++, rlen--;
            while (slen > 0 && *s == 0) s++, slen--;
            rlen += (*r & 0x80) ? 1 : 0;
            slen += (*s & 0x80) ? 1 : 0;
            size_t seq = 2 + rlen + 2 + slen;
            assert_int_equal(der[len - seq - 2], 0x30);
            assert_int_equal(der[len - seq - 1], seq);
            assert_int_equal(der[len - seq - 3], 0x00); /* no unused bits */
        }
        free(buf);
    }
    printf("# CSR signatures of every INTEGER shape found within %d\n", i);
    assert_int_equal(have, KINDS);
}

/* ---- tls-alpn-01 certificate ----------------------------------------------------------- */

static void alpn_params(nacme_alpn_cert_params_t *p, nacme_id_type_t type, const char *value, const uint8_t *xy,
                        const char *ka, int64_t nb, int64_t na, test_crypto_t *t)
{
    memset(p, 0, sizeof *p);
    p->id.type = type;
    p->id.value = value;
    p->xy = xy;
    test_sha256(t, ka, strlen(ka), p->key_auth_hash);
    p->not_before = nb;
    p->not_after = na;
    for (int i = 0; i < 16; i++) p->serial[i] = (uint8_t)i;
}

/* The certificate in two passes (core/order.c alpn_cert), at the end of buf. */
static int make_alpn(test_crypto_t *t, nacme_key_t k, const nacme_alpn_cert_params_t *p, uint8_t *buf, size_t cap,
                     const uint8_t **der, size_t *len, uint8_t rs[64])
{
    uint8_t digest[32];
    nacme_der_t d;
    nacme_der_init(&d, buf, cap);
    int rc = nacme_alpn_cert_tbs(&d, p);
    if (rc != NACME_OK) return rc;
    test_sha256(t, nacme_der_data(&d), nacme_der_len(&d), digest);
    test_sign(t, k, digest, rs);
    nacme_der_init(&d, buf, cap);
    rc = nacme_alpn_cert(&d, p, rs);
    if (rc != NACME_OK) return rc;
    *der = nacme_der_data(&d);
    *len = nacme_der_len(&d);
    return NACME_OK;
}

static void art_alpn(const char *name, const uint8_t *der, size_t len, const char *key, const uint8_t rs[64],
                     const nacme_alpn_cert_params_t *p, const char *ka)
{
    char file[96], rsh[129];
    snprintf(file, sizeof file, "%s.der", name);
    art_write(g_dir, file, der, len);
    tohex(rs, 64, rsh);
    art_line(g_dir, "alpn %s %s %s %s:%s %s %lld %lld", name, key, rsh, p->id.type == NACME_ID_IP ? "ip" : "dns",
             p->id.value, ka, (long long)p->not_before, (long long)p->not_after);
}

static void alpn_case(fixture_t *f, const char *name, nacme_id_type_t type, const char *value, int64_t nb,
                      int64_t na)
{
    nacme_alpn_cert_params_t p;
    alpn_params(&p, type, value, f->xy2, g_ka, nb, na, f->t);
    uint8_t *buf = malloc(BUF);
    const uint8_t *der;
    size_t len;
    uint8_t rs[64];
    assert_int_equal(make_alpn(f->t, f->k2, &p, buf, BUF, &der, &len, rs), NACME_OK);
    art_key(g_dir, "k3", f->xy2);
    art_alpn(name, der, len, "k3", rs, &p, g_ka);
    free(buf);
}

static void test_alpn_dns(void **state)
{
    fixture_t *f = *state;
    nacme_alpn_cert_params_t p;
    alpn_params(&p, NACME_ID_DNS, "example.com", f->xy2, g_ka, 1700000000, 1700604800, f->t);
    uint8_t buf[BUF], want[400];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
    size_t n = strlen(g_alpn_tbs_1) / 2;
    test_unhex(g_alpn_tbs_1, want, n);
    assert_int_equal(nacme_der_len(&d), n);
    assert_memory_equal(nacme_der_data(&d), want, n);
    alpn_case(f, "alpn-dns", NACME_ID_DNS, "example.com", 1700000000, 1700604800);
    alpn_case(f, "alpn-wild", NACME_ID_DNS, "www.example.org", 1700000000, 1700000000);
}

/* IPv6, with validity across the UTCTime / GeneralizedTime boundary. */
static void test_alpn_ipv6(void **state)
{
    fixture_t *f = *state;
    nacme_alpn_cert_params_t p;
    alpn_params(&p, NACME_ID_IP, "2001:db8::1", f->xy2, g_ka, 2524607999, 2524608000, f->t);
    uint8_t buf[BUF], want[400];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
    size_t n = strlen(g_alpn_tbs_2) / 2;
    test_unhex(g_alpn_tbs_2, want, n);
    assert_int_equal(nacme_der_len(&d), n);
    assert_memory_equal(nacme_der_data(&d), want, n);
    alpn_case(f, "alpn-ipv6", NACME_ID_IP, "2001:db8::1", 2524607999, 2524608000);
    alpn_case(f, "alpn-ipv6b", NACME_ID_IP, "::ffff:192.0.2.1", 1700000000, 1800000000);
}

static void test_alpn_ipv4(void **state)
{
    fixture_t *f = *state;
    alpn_case(f, "alpn-ipv4", NACME_ID_IP, "192.0.2.1", 1700000000, 1700604800);
    alpn_case(f, "alpn-ipv4b", NACME_ID_IP, "255.255.255.255", 1700000000, 1700604800);
}

/* Time encodings at the boundaries (RFC 5280 section 4.1.2.5). */
static void test_alpn_times(void **state)
{
    fixture_t *f = *state;
    static const struct {
        int64_t t;
        const char *enc; /* tag, length, text */
    } v[] = {
        {-631152000, "\x17\x0d" "500101000000Z"},         /* 1950-01-01 */
        {-631152001, "\x18\x0f" "19491231235959Z"},       /* 1949-12-31T23:59:59 */
        {-86400, "\x17\x0d" "691231000000Z"},             /* the engine's clock-unknown not_before */
        {0, "\x17\x0d" "700101000000Z"},
        {951782400, "\x17\x0d" "000229000000Z"},          /* 2000-02-29 */
        {2524607999, "\x17\x0d" "491231235959Z"},         /* 2049-12-31T23:59:59 */
        {2524608000, "\x18\x0f" "20500101000000Z"},       /* 2050-01-01 */
        {4102444800, "\x18\x0f" "21000101000000Z"},       /* 2100-01-01 */
        {253402300799, "\x18\x0f" "99991231235959Z"},     /* the last second of 9999 */
        {-62167219200, "\x18\x0f" "00000101000000Z"},     /* the first second of year 0 */
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        nacme_alpn_cert_params_t p;
        alpn_params(&p, NACME_ID_DNS, "example.com", f->xy2, g_ka, v[i].t, v[i].t, f->t);
        uint8_t buf[BUF];
        nacme_der_t d;
        nacme_der_init(&d, buf, sizeof buf);
        assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
        size_t m = 2 + (size_t)v[i].enc[1];
        /* notBefore and notAfter, one after the other */
        uint8_t pair[40];
        memcpy(pair, v[i].enc, m);
        memcpy(pair + m, v[i].enc, m);
        assert_true(contains(nacme_der_data(&d), nacme_der_len(&d), pair, 2 * m));
    }
    /* certificates the verifier checks: from before 1950 to after 2049 */
    alpn_case(f, "alpn-t1", NACME_ID_DNS, "example.com", -631152001, -631152000);
    alpn_case(f, "alpn-t2", NACME_ID_DNS, "example.com", -86400, 604800);
    alpn_case(f, "alpn-t3", NACME_ID_DNS, "example.com", 2524607999, 4102444800);
    alpn_case(f, "alpn-t4", NACME_ID_DNS, "example.com", 2524608000, 253402300799);
}

/* The serial: 16 bytes, positive, the top bits forced to 01. */
static void test_alpn_serial(void **state)
{
    fixture_t *f = *state;
    static const uint8_t firsts[] = {0x00, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xff};
    for (size_t i = 0; i < sizeof firsts; i++) {
        nacme_alpn_cert_params_t p;
        alpn_params(&p, NACME_ID_DNS, "example.com", f->xy2, g_ka, 0, 1, f->t);
        memset(p.serial, 0xff, 16);
        p.serial[0] = firsts[i];
        uint8_t buf[BUF];
        nacme_der_t d;
        nacme_der_init(&d, buf, sizeof buf);
        assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
        const uint8_t *der = nacme_der_data(&d);
        /* TBS: 30 82 LL LL, version a0 03 02 01 02, then the serial */
        assert_int_equal(der[9], 0x02);
        assert_int_equal(der[10], 16);
        assert_int_equal(der[11], (firsts[i] & 0x3f) | 0x40);
        for (int j = 1; j < 16; j++) assert_int_equal(der[11 + j], 0xff);
    }
}

static void test_alpn_errors(void **state)
{
    fixture_t *f = *state;
    uint8_t buf[BUF], rs[64] = {1};
    nacme_der_t d;
    nacme_alpn_cert_params_t p;
    alpn_params(&p, NACME_ID_DNS, "example.com", f->xy2, g_ka, 100, 99, f->t);
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_ARG); /* ends before it starts */
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert(&d, &p, rs), NACME_ERR_ARG);
    p.not_after = 100;
    p.xy = NULL;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_ARG);
    p.xy = f->xy2;
    p.id.value = NULL;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_ARG);
    p.id.type = NACME_ID_IP;
    static const char *const bad_ips[] = {"example.com", "1.2.3", "::1::", ""};
    for (size_t i = 0; i < sizeof bad_ips / sizeof bad_ips[0]; i++) {
        p.id.value = bad_ips[i];
        nacme_der_init(&d, buf, sizeof buf);
        assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_ARG);
    }
    p.id.type = (nacme_id_type_t)0;
    p.id.value = "example.com";
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_ARG);
    /* times outside years 0..9999 */
    p.id.type = NACME_ID_DNS;
    p.not_after = 253402300800;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_TIME);
    p.not_before = -62167219201;
    p.not_after = 0;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_TIME);
    /* every buffer size below the need */
    p.not_before = 0;
    p.not_after = 10;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
    size_t tbs_len = nacme_der_len(&d);
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert(&d, &p, rs), NACME_OK);
    size_t len = nacme_der_len(&d);
    for (size_t cap = 0; cap < len; cap++) {
        uint8_t *tight = malloc(cap ? cap : 1);
        if (cap < tbs_len) {
            nacme_der_init(&d, tight, cap);
            assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_ERR_TOO_LARGE);
        }
        nacme_der_init(&d, tight, cap);
        assert_int_equal(nacme_alpn_cert(&d, &p, rs), NACME_ERR_TOO_LARGE);
        free(tight);
    }
}

/* ---- IP addresses ----------------------------------------------------------------------- */

static const struct {
    const char *text;
    const char *hex;
} g_ip_good[] = {
    {"0.0.0.0", "00000000"},
    {"255.255.255.255", "ffffffff"},
    {"192.0.2.7", "c0000207"},
    {"10.0.100.9", "0a006409"},
    {"::", "00000000000000000000000000000000"},
    {"::1", "00000000000000000000000000000001"},
    {"1::", "00010000000000000000000000000000"},
    {"2001:db8::1", "20010db8000000000000000000000001"},
    {"2001:DB8::aBc", "20010db8000000000000000000000abc"},
    {"1:2:3:4:5:6:7:8", "00010002000300040005000600070008"},
    {"1:2:3:4:5:6:7::", "00010002000300040005000600070000"},
    {"::2:3:4:5:6:7:8", "00000002000300040005000600070008"},
    {"1::8", "00010000000000000000000000000008"},
    {"1:2::7:8", "00010002000000000000000000070008"},
    {"0001:0002:0003:0004:0005:0006:0007:0008", "00010002000300040005000600070008"},
    {"0000:0000:0000:0000:0000:0000:0000:0000", "00000000000000000000000000000000"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffffffffffffffffffffffffffffffff"},
    {"::ffff:192.0.2.7", "00000000000000000000ffffc0000207"},
    {"::192.0.2.7", "000000000000000000000000c0000207"},
    {"64:ff9b::192.0.2.33", "0064ff9b0000000000000000c0000221"},
    {"1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"},
    {"1:2:3:4:5::1.2.3.4", "00010002000300040005000001020304"},
    {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", "ffffffffffffffffffffffffffffffff"},
    {"fe80::1:2", "fe800000000000000000000000010002"},
};

static const char *const g_ip_bad[] = {
    "", "1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "01.2.3.4", "1.2.3.04", "00.0.0.0", "256.0.0.0", "1.2.3.256",
    "1234.1.1.1", "1..2.3", " 1.2.3.4", "1.2.3.4 ", "+1.2.3.4", "1.2.3.-4", "0x1.2.3.4", "1.2.3.4/24", "a.b.c.d",
    "1.2.3.\xd9\xa4", "\xff", ":", ":::", "::1::", "1::2::3", ":1::", "1:", "1::2:", "12345::", "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7::8", "g::", "::1.2.3", "::1.2.3.4.5",
    "::01.2.3.4", "::1.2.3.4:5", "1.2.3.4::", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:6::1.2.3.4", "fe80::1%eth0",
    "[::1]", "::1 ", "1:2:3:4:5:6:7:8.", "::ffff:1.2.3", ":::1", "1:::2", "::-1", "0000:0000:0000:0000:0000:0000:255.255.255.2555",
    "00000:0:0:0:0:0:0:0",
};

static void test_ip_parse_good(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_ip_good / sizeof g_ip_good[0]; i++) {
        size_t n = strlen(g_ip_good[i].text);
        char *tight = test_tight_copy(g_ip_good[i].text, n); /* no NUL after it */
        uint8_t out[16], want[16];
        size_t out_len = 0;
        size_t want_len = strlen(g_ip_good[i].hex) / 2;
        test_unhex(g_ip_good[i].hex, want, want_len);
        int rc = nacme_ip_parse(tight, n, out, &out_len);
        if (rc != NACME_OK) fail_msg("%s: %d", g_ip_good[i].text, rc);
        assert_int_equal(out_len, want_len);
        assert_memory_equal(out, want, want_len);
        /* every proper prefix is either another address or refused, never read past */
        for (size_t cut = 0; cut < n; cut++) {
            rc = nacme_ip_parse(tight, cut, out, &out_len);
            assert_true(rc == NACME_OK || rc == NACME_ERR_ARG);
        }
        free(tight);
        char hex[128];
        tohex((const uint8_t *)g_ip_good[i].text, n, hex);
        art_line(g_dir, "ip %s %s", hex, g_ip_good[i].hex);
    }
}

static void test_ip_parse_bad(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof g_ip_bad / sizeof g_ip_bad[0]; i++) {
        size_t n = strlen(g_ip_bad[i]);
        char *tight = test_tight_copy(g_ip_bad[i], n);
        uint8_t out[16];
        size_t out_len;
        int rc = nacme_ip_parse(tight, n, out, &out_len);
        if (rc != NACME_ERR_ARG) fail_msg("\"%s\": %d, expected NACME_ERR_ARG", g_ip_bad[i], rc);
        free(tight);
        char hex[128];
        tohex((const uint8_t *)g_ip_bad[i], n, hex);
        art_line(g_dir, "ip %s err", n ? hex : "-"); /* "-": the empty text */
    }
    /* an embedded NUL, NULL text, an over-long text */
    uint8_t out[16];
    size_t out_len;
    assert_int_equal(nacme_ip_parse("1.2.3.4\0", 8, out, &out_len), NACME_ERR_ARG);
    assert_int_equal(nacme_ip_parse("::1\0", 4, out, &out_len), NACME_ERR_ARG);
    assert_int_equal(nacme_ip_parse(NULL, 4, out, &out_len), NACME_ERR_ARG);
    static const char long6[] = "0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000";
    assert_int_equal(nacme_ip_parse(long6, strlen(long6), out, &out_len), NACME_ERR_ARG);
}

static void test_ip_reverse_name(void **state)
{
    (void)state;
    static const struct {
        const char *hex;
        const char *name;
    } v[] = {
        {"c0000201", "1.2.0.192.in-addr.arpa"},
        {"00000000", "0.0.0.0.in-addr.arpa"},
        {"ffffffff", "255.255.255.255.in-addr.arpa"},
        {"0a1464c8", "200.100.20.10.in-addr.arpa"},
        {"01020a63", "99.10.2.1.in-addr.arpa"},
        /* 2001:db8::1, the example of RFC 3596 / RFC 8738 */
        {"20010db8000000000000000000000001", "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"},
        {"00000000000000000000000000000000", "0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa"},
        {"fedcba9876543210ffffffffffffffff", "f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.f.0.1.2.3.4.5.6.7.8.9.a.b.c.d.e.f.ip6.arpa"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t ip[16];
        size_t n = strlen(v[i].hex) / 2;
        test_unhex(v[i].hex, ip, n);
        uint8_t *tight = test_tight_copy(ip, n);
        char out[80];
        memset(out, 'x', sizeof out);
        assert_int_equal(nacme_ip_reverse_name(tight, n, out, sizeof out), NACME_OK);
        assert_string_equal(out, v[i].name);
        size_t len = strlen(v[i].name);
        char *exact = malloc(len + 1);
        assert_int_equal(nacme_ip_reverse_name(tight, n, exact, len + 1), NACME_OK);
        assert_string_equal(exact, v[i].name);
        assert_int_equal(nacme_ip_reverse_name(tight, n, exact, len), NACME_ERR_TOO_LARGE);
        assert_int_equal(nacme_ip_reverse_name(tight, n, exact, 0), NACME_ERR_TOO_LARGE);
        free(exact);
        free(tight);
        art_line(g_dir, "rev %s %s", v[i].hex, v[i].name);
    }
    uint8_t ip[16] = {0};
    char out[80];
    for (size_t n = 0; n <= 17; n++) {
        if (n == 4 || n == 16) continue;
        assert_int_equal(nacme_ip_reverse_name(ip, n, out, sizeof out), NACME_ERR_ARG);
    }
    /* 73 bytes always suffice */
    memset(ip, 0xff, 16);
    assert_int_equal(nacme_ip_reverse_name(ip, 16, out, 73), NACME_OK);
    assert_int_equal(strlen(out), 72);
}

/* ---- the verifier ------------------------------------------------------------------------- */

static void test_verify_artifacts(void **state)
{
    (void)state;
    assert_int_equal(art_verify(g_dir, false), 0);
}

/* A planted fault in a copy of a good artifact must make the verifier fail. */
static void planted(const char *what, const uint8_t *der, size_t len, const char *line, fixture_t *f)
{
    char dir[64];
    assert_int_equal(art_mkdir(dir, "certgen-bad"), 0);
    art_key(dir, "k1", f->xy1);
    art_key(dir, "k3", f->xy2);
    art_write(dir, "t.der", der, len);
    char *pem = malloc(2 * len + 200);
    nacme_sb_t sb;
    nacme_sb_init(&sb, pem, 2 * len + 200);
    assert_int_equal(nacme_pem_encode(&sb, "CERTIFICATE REQUEST", der, len), NACME_OK);
    art_write(dir, "t.pem", pem, sb.len);
    free(pem);
    art_line(dir, "%s", line);
    int rc = art_verify(dir, true);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    if (rc != 1) fail_msg("%s: verifier exit %d, expected 1", what, rc);
    printf("# verifier refused the planted %s\n", what);
}

static void test_verifier_can_fail(void **state)
{
    fixture_t *f = *state;
    static const nacme_identifier_t ids[] = {{NACME_ID_DNS, "example.com"}, {NACME_ID_IP, "192.0.2.1"}};
    uint8_t *buf = malloc(BUF), *bad = malloc(BUF);
    const uint8_t *der;
    size_t len;
    uint8_t rs[64];
    char rsh[129], line[512];
    assert_int_equal(make_csr(f->t, f->k1, ids, 2, buf, BUF, &der, &len, rs), NACME_OK);
    tohex(rs, 64, rsh);
    memcpy(bad, der, len);
    bad[len - 1] ^= 1; /* s changes: the signature breaks */
    snprintf(line, sizeof line, "csr t k1 %s example.com dns:example.com ip:192.0.2.1", rsh);
    planted("CSR with a flipped signature bit", bad, len, line, f);
    snprintf(line, sizeof line, "csr t k1 %s example.com dns:example.com ip:192.0.2.2", rsh);
    planted("CSR with another SAN expected", der, len, line, f);
    snprintf(line, sizeof line, "csr t k1 %s - dns:example.com ip:192.0.2.1", rsh);
    planted("CSR with an empty subject expected", der, len, line, f);
    snprintf(line, sizeof line, "csr t k3 %s example.com dns:example.com ip:192.0.2.1", rsh);
    planted("CSR with another key expected", der, len, line, f);

    nacme_alpn_cert_params_t p;
    alpn_params(&p, NACME_ID_DNS, "example.com", f->xy2, g_ka, 1700000000, 1700604800, f->t);
    assert_int_equal(make_alpn(f->t, f->k2, &p, buf, BUF, &der, &len, rs), NACME_OK);
    tohex(rs, 64, rsh);
    snprintf(line, sizeof line, "alpn t k3 %s dns:example.com %s.x 1700000000 1700604800", rsh, g_ka);
    planted("certificate for another key authorization", der, len, line, f);
    snprintf(line, sizeof line, "alpn t k3 %s dns:example.org %s 1700000000 1700604800", rsh, g_ka);
    planted("certificate for another name", der, len, line, f);
    snprintf(line, sizeof line, "alpn t k3 %s dns:example.com %s 1700000000 1700604801", rsh, g_ka);
    planted("certificate with another validity", der, len, line, f);
    /* the acmeIdentifier made non-critical: its BOOLEAN TRUE becomes FALSE */
    memcpy(bad, der, len);
    static const uint8_t crit[] = {0x01, 0x01, 0xff, 0x04, 0x22, 0x04, 0x20};
    bool flipped = false;
    for (size_t i = 0; i + sizeof crit <= len; i++) {
        if (memcmp(bad + i, crit, sizeof crit) == 0) {
            bad[i + 2] = 0x00;
            flipped = true;
        }
    }
    assert_true(flipped);
    snprintf(line, sizeof line, "alpn t k3 %s dns:example.com %s 1700000000 1700604800", rsh, g_ka);
    planted("certificate with a non-critical acmeIdentifier", bad, len, line, f);
    planted("IP parse result the ipaddress module disagrees with", der, len, "ip 3031322e302e302e31 0c000001", f);
    free(buf);
    free(bad);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_csr_one_name),
        T(test_csr_ip_first),
        T(test_csr_several_names),
        T(test_csr_wildcard),
        T(test_csr_ipv4_ipv6),
        T(test_csr_long_first_name),
        T(test_csr_mixed),
        T(test_csr_many_names),
        T(test_csr_errors),
        T(test_csr_edge_keys),
        T(test_csr_edge_signatures),
        T(test_alpn_dns),
        T(test_alpn_ipv6),
        T(test_alpn_ipv4),
        T(test_alpn_times),
        T(test_alpn_serial),
        T(test_alpn_errors),
        T(test_ip_parse_good),
        T(test_ip_parse_bad),
        T(test_ip_reverse_name),
        T(test_verify_artifacts),
        T(test_verifier_can_fail),
    };
#undef T
    return cmocka_run_group_tests_name("certgen", tests, group_setup, group_teardown);
}
