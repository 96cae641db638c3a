/*
 * Tests for core/x509.c: certificates made by openssl (tests/data/gen-x509.sh)
 * parsed and compared with the values openssl reads from them; malformed
 * variants (every truncation, flipped bytes, trailing data, wrong version,
 * bad times); and synthetic certificates built with the DER writer for the
 * cases openssl will not make (duplicate extensions, odd SAN types, keys).
 */
#include "test_data.h"

#include "nacme_der.h"
#include "nacme_x509.h"

/* ---- helpers ------------------------------------------------------------------ */

/* Every span of a parsed certificate lies inside der[0..len). */
static void assert_spans_inside(const nacme_x509_t *x, const uint8_t *der, size_t len)
{
    const nacme_span_t *spans[] = {&x->tbs,  &x->serial,     &x->issuer, &x->subject,
                                   &x->spki, &x->public_key, &x->san,    &x->aki_key_id};
    for (size_t i = 0; i < sizeof spans / sizeof spans[0]; i++) {
        if (spans[i]->len == 0) continue;
        assert_true(spans[i]->ptr >= der && spans[i]->ptr + spans[i]->len <= der + len);
    }
}

/* Parse from a tight copy; on success also walk every accessor. */
static int parse_tight(const uint8_t *der, size_t len)
{
    uint8_t *copy = test_tight_copy(der, len);
    nacme_x509_t x;
    int rc = nacme_x509_parse(copy, len, &x);
    if (rc == NACME_OK) {
        assert_spans_inside(&x, copy, len);
        size_t pos = 0;
        nacme_x509_name_t n;
        while (nacme_x509_san_next(&x, &pos, &n) == NACME_OK) {
            assert_true(n.value >= copy && n.value + n.len <= copy + len);
        }
        uint8_t xy[64];
        (void)nacme_x509_ec_point(&x, xy);
        const uint8_t *cn;
        size_t cn_len;
        if (nacme_x509_name_cn(x.issuer, &cn, &cn_len) == NACME_OK) {
            assert_true(cn >= x.issuer.ptr && cn + cn_len <= x.issuer.ptr + x.issuer.len);
        }
        if (nacme_x509_name_cn(x.subject, &cn, &cn_len) == NACME_OK) {
            assert_true(cn >= x.subject.ptr && cn + cn_len <= x.subject.ptr + x.subject.len);
        }
    }
    free(copy);
    return rc;
}

/* Offset of the first occurrence of pat in data (fails the test if absent). */
static size_t find(const uint8_t *data, size_t len, const void *pat, size_t plen)
{
    for (size_t i = 0; i + plen <= len; i++) {
        if (memcmp(data + i, pat, plen) == 0) return i;
    }
    fail_msg("%s", "pattern not found");
    return 0;
}

/* ---- certificates made by openssl ------------------------------------------------ */

static void check_against_openssl(const char *name)
{
    char file[64], want[256], hex[1024];
    size_t der_len, exp_len, spki_len;
    snprintf(file, sizeof file, "%s.der", name);
    uint8_t *der = test_data_read(file, &der_len);
    snprintf(file, sizeof file, "%s.expect", name);
    uint8_t *exp = test_data_read(file, &exp_len);
    snprintf(file, sizeof file, "%s.spki", name);
    uint8_t *spki = test_data_read(file, &spki_len);
#define EXPECT(key) test_data_value(exp, exp_len, key, 0, want, sizeof want)
    nacme_x509_t x;
    assert_int_equal(nacme_x509_parse(der, der_len, &x), NACME_OK);
    assert_spans_inside(&x, der, der_len);

    /* tbs is the first element of the certificate */
    nacme_der_tlv_t outer;
    assert_int_equal(nacme_der_read(der, der_len, &outer), NACME_OK);
    assert_ptr_equal(x.tbs.ptr, outer.value);
    assert_int_equal(x.tbs.ptr[0], 0x30);

    /* serial: INTEGER content as encoded, with the 0x00 a set top bit needs */
    assert_non_null(EXPECT("serial"));
    char serial[300];
    snprintf(serial, sizeof serial, "%s%s", strchr("89abcdef", want[0]) ? "00" : "", want);
    assert_string_equal(test_hex(x.serial.ptr, x.serial.len, hex), serial);

    assert_int_equal(x.not_before, strtoll(EXPECT("not_before"), NULL, 10));
    assert_int_equal(x.not_after, strtoll(EXPECT("not_after"), NULL, 10));

    const uint8_t *cn;
    size_t cn_len;
    assert_int_equal(nacme_x509_name_cn(x.issuer, &cn, &cn_len), NACME_OK);
    EXPECT("issuer_cn");
    assert_int_equal(cn_len, strlen(want));
    assert_memory_equal(cn, want, cn_len);
    assert_int_equal(nacme_x509_name_cn(x.subject, &cn, &cn_len), NACME_OK);
    EXPECT("subject_cn");
    assert_int_equal(cn_len, strlen(want));
    assert_memory_equal(cn, want, cn_len);

    assert_string_equal(test_hex(x.aki_key_id.ptr, x.aki_key_id.len, hex), EXPECT("aki"));
    assert_int_equal(x.is_ca, strcmp(EXPECT("is_ca"), "1") == 0);

    assert_int_equal(x.spki.len, spki_len);
    assert_memory_equal(x.spki.ptr, spki, spki_len);
    uint8_t xy[64];
    if (EXPECT("point")[0] != '\0') {
        assert_true(x.key_is_p256);
        assert_int_equal(x.public_key.len, 65);
        assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_OK);
        assert_string_equal(test_hex(xy, 64, hex), want);
    } else {
        assert_false(x.key_is_p256); /* RSA */
        assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_ERR_X509);
    }

    /* SANs: DNS and IP names in order, others skipped */
    size_t pos = 0;
    unsigned i = 0;
    nacme_x509_name_t n;
    while (nacme_x509_san_next(&x, &pos, &n) == NACME_OK) {
        char got[1100];
        if (n.type == NACME_X509_DNS) {
            snprintf(got, sizeof got, "DNS:%.*s", (int)n.len, (const char *)n.value);
        } else {
            assert_int_equal(n.type, NACME_X509_IP);
            snprintf(got, sizeof got, "IP:%s", test_hex(n.value, n.len, hex));
        }
        const char *w = test_data_value(exp, exp_len, "san", i++, want, sizeof want);
        if (w == NULL) fail_msg("%s: unexpected SAN %s", name, got);
        assert_string_equal(got, w);
    }
    assert_null(test_data_value(exp, exp_len, "san", i, want, sizeof want));
    assert_int_equal(pos, x.san.len);
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_ERR_NOT_FOUND); /* and again */
    if (i == 0) assert_int_equal(x.san.len, 0);
#undef EXPECT
    free(spki);
    free(exp);
    free(der);
}

static void test_leaf(void **state)
{
    (void)state;
    check_against_openssl("leaf");
}

static void test_leaf_ec(void **state)
{
    (void)state;
    check_against_openssl("leaf-ec");
}

static void test_ca_rsa(void **state)
{
    (void)state;
    check_against_openssl("ca-rsa");
}

static void test_ca_ec(void **state)
{
    (void)state;
    check_against_openssl("ca-ec");
}

static void test_nosan(void **state)
{
    (void)state;
    check_against_openssl("nosan");
}

/* Each certificate's issuer Name is byte for byte its issuer's subject Name. */
static void test_issuer_links(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"leaf.der", "ca-rsa.der"}, {"ca-ec.der", "ca-rsa.der"}, {"ca-rsa.der", "ca-rsa.der"},
        {"leaf-ec.der", "ca-ec.der"}, {"nosan.der", "ca-ec.der"}};
    for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        size_t a_len, b_len;
        uint8_t *a = test_data_read(pairs[i][0], &a_len);
        uint8_t *b = test_data_read(pairs[i][1], &b_len);
        nacme_x509_t xa, xb;
        assert_int_equal(nacme_x509_parse(a, a_len, &xa), NACME_OK);
        assert_int_equal(nacme_x509_parse(b, b_len, &xb), NACME_OK);
        assert_int_equal(xa.issuer.len, xb.subject.len);
        assert_memory_equal(xa.issuer.ptr, xb.subject.ptr, xa.issuer.len);
        free(a);
        free(b);
    }
}

/* ---- malformed variants of openssl's certificate ----------------------------------- */

static void test_truncated_at_every_length(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf.der", &len);
    for (size_t n = 0; n < len; n++) assert_int_equal(parse_tight(der, n), NACME_ERR_DER);
    assert_int_equal(parse_tight(der, len), NACME_OK);
    free(der);
}

static void test_trailing_data(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf.der", &len);
    uint8_t *more = malloc(2 * len);
    memcpy(more, der, len);
    more[len] = 0;
    assert_int_equal(parse_tight(more, len + 1), NACME_ERR_DER);
    memcpy(more + len, der, len); /* a second certificate after the first */
    assert_int_equal(parse_tight(more, 2 * len), NACME_ERR_DER);
    free(more);
    free(der);
}

/* The outer length one more or one less than the real one. */
static void test_flipped_length(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf.der", &len);
    assert_int_equal(der[1], 0x82); /* 30 82 hi lo */
    der[3] ^= 0x01;
    assert_int_equal(parse_tight(der, len), NACME_ERR_DER);
    der[3] ^= 0x01;
    der[3] = (uint8_t)(der[3] - 1);
    assert_int_equal(parse_tight(der, len), NACME_ERR_DER);
    der[3] = (uint8_t)(der[3] + 1);
    /* a length in the middle (validity one byte longer): bytes left over inside it */
    size_t v = find(der, len, "\x17\x0d" "000229235959Z", 15) - 2;
    assert_int_equal(der[v], 0x30);
    der[v + 1]++;
    assert_int_equal(parse_tight(der, len), NACME_ERR_DER);
    der[v + 1]--;
    assert_int_equal(parse_tight(der, len), NACME_OK);
    free(der);
}

/* Every single byte changed three ways: a clear result, no out-of-bounds access. */
static void test_every_byte_mutated(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf-ec.der", &len);
    static const uint8_t deltas[] = {0x01, 0x80, 0xff};
    for (size_t i = 0; i < len; i++) {
        for (size_t k = 0; k < sizeof deltas; k++) {
            uint8_t keep = der[i];
            der[i] = (uint8_t)(keep ^ deltas[k]);
            int rc = parse_tight(der, len);
            if (rc != NACME_OK && rc != NACME_ERR_DER && rc != NACME_ERR_X509) fail_msg("byte %zu: %d", i, rc);
            der[i] = keep;
        }
    }
    free(der);
}

static void test_wrong_version(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf.der", &len);
    size_t v = find(der, len, "\xa0\x03\x02\x01\x02", 5);
    assert_int_equal(v, 8); /* 30 82 .. .. 30 82 .. .. a0 */
    der[v + 4] = 1; /* v2 */
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    der[v + 4] = 0; /* v1 written explicitly */
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    der[v + 4] = 2;
    der[v] = 0xa1; /* [1] instead of [0] */
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    free(der);
}

static void test_bad_time(void **state)
{
    (void)state;
    size_t len;
    uint8_t *der = test_data_read("leaf.der", &len);
    size_t u = find(der, len, "000229235959Z", 13);
    size_t g = find(der, len, "20500301000000Z", 15);
    static const struct {
        bool utc;
        const char *text;
    } bad[] = {
        {true, "001329235959Z"},   /* month 13 */
        {true, "000029235959Z"},   /* month 0 */
        {true, "990229235959Z"},   /* 1999 is no leap year */
        {true, "000230235959Z"},   /* February 30 */
        {true, "000431000000Z"},   /* April 31 */
        {true, "000100000000Z"},   /* day 0 */
        {true, "000229245959Z"},   /* hour 24 */
        {true, "000229236059Z"},   /* minute 60 */
        {true, "000229235960Z"},   /* second 60 */
        {true, "000229235959z"},   /* lower-case zone */
        {true, "000229235959+"},   /* not Z */
        {true, "0002292359 9Z"},   /* not a digit */
        {true, "-00229235959Z"},   /* sign */
        {false, "21000229000000Z"}, /* 2100 is no leap year */
        {false, "2050030100000.Z"}, /* not a digit */
        {false, "20500301000000+"}, /* not Z */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t at = bad[i].utc ? u : g, n = bad[i].utc ? 13 : 15;
        uint8_t keep[15];
        memcpy(keep, der + at, n);
        memcpy(der + at, bad[i].text, n);
        if (parse_tight(der, len) != NACME_ERR_X509) fail_msg("accepted %s", bad[i].text);
        memcpy(der + at, keep, n);
    }
    /* the tag decides the form: a UTCTime body under the GeneralizedTime tag, and back */
    der[u - 2] = NACME_DER_GENERALIZED_TIME;
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    der[u - 2] = NACME_DER_UTC_TIME;
    der[g - 2] = NACME_DER_UTC_TIME;
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    der[g - 2] = NACME_DER_OCTET_STRING; /* not a time */
    assert_int_equal(parse_tight(der, len), NACME_ERR_X509);
    der[g - 2] = NACME_DER_GENERALIZED_TIME;
    /* valid edge values are accepted: 2000 is a leap year */
    memcpy(der + g, "20000229000000Z", 15);
    nacme_x509_t x;
    assert_int_equal(nacme_x509_parse(der, len, &x), NACME_OK);
    assert_int_equal(x.not_after, 951782400);
    memcpy(der + u, "491231235959Z", 13); /* 49: 2049 */
    assert_int_equal(nacme_x509_parse(der, len, &x), NACME_OK);
    assert_int_equal(x.not_before, 2524607999);
    memcpy(der + u, "500101000000Z", 13); /* 50: 1950 */
    assert_int_equal(nacme_x509_parse(der, len, &x), NACME_OK);
    assert_int_equal(x.not_before, -631152000);
    free(der);
}

/* ---- synthetic certificates --------------------------------------------------------- */

static const uint8_t oid_cn[] = {0x55, 0x04, 0x03};
static const uint8_t oid_o[] = {0x55, 0x04, 0x0a};
static const uint8_t oid_ec[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01};
static const uint8_t oid_p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const uint8_t oid_p384[] = {0x2b, 0x81, 0x04, 0x00, 0x22};
static const uint8_t oid_ecdsa_sha256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02};

typedef struct {
    int version;                 /* INTEGER in [0]; -1: no [0] field */
    const char *not_before;      /* 13 characters: UTCTime, else GeneralizedTime */
    const char *not_after;
    const uint8_t *name;         /* issuer and subject Name TLV; NULL: CN=test */
    size_t name_len;
    const uint8_t *spki;         /* NULL: a P-256 key */
    size_t spki_len;
    const uint8_t *exts;         /* Extension TLVs in [3] { SEQUENCE { ... } }; NULL: none */
    size_t exts_len;
    bool exts_trailing;          /* a NULL after the SEQUENCE inside [3] */
    bool unique_ids;             /* issuerUniqueID and subjectUniqueID */
    bool tbs_trailing;           /* a NULL after the last TBS field */
    bool empty_serial;
} spec_t;

static void put_time(nacme_der_t *d, const char *t)
{
    size_t n = strlen(t);
    nacme_der_primitive(d, n == 13 ? NACME_DER_UTC_TIME : NACME_DER_GENERALIZED_TIME, (const uint8_t *)t, n);
}

/* An EC SubjectPublicKeyInfo with this curve OID and point (0x04 || x || y of 0x11.. bytes by default). */
static void put_ec_spki(nacme_der_t *d, const uint8_t *curve, size_t curve_len, const uint8_t *point,
                        size_t point_len, uint8_t unused_bits)
{
    size_t m = nacme_der_mark(d);
    nacme_der_raw(d, point, point_len);
    nacme_der_raw(d, &unused_bits, 1);
    nacme_der_header(d, NACME_DER_BIT_STRING, point_len + 1);
    size_t a = nacme_der_mark(d);
    nacme_der_oid(d, curve, curve_len);
    nacme_der_oid(d, oid_ec, sizeof oid_ec);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, a);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, m);
}

static uint8_t default_point[65];

/* Build the certificate of spec into buf; return its DER (at the end of buf). */
static const uint8_t *build(const spec_t *s, uint8_t *buf, size_t cap, size_t *len)
{
    nacme_der_t d;
    nacme_der_init(&d, buf, cap);
    size_t cert = nacme_der_mark(&d);
    nacme_der_bit_string(&d, (const uint8_t *)"\x30\x00", 2); /* signature (not checked) */
    size_t alg = nacme_der_mark(&d);
    nacme_der_oid(&d, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, alg);
    size_t tbs = nacme_der_mark(&d);
    if (s->tbs_trailing) nacme_der_null(&d);
    if (s->exts != NULL) {
        size_t e = nacme_der_mark(&d);
        if (s->exts_trailing) nacme_der_null(&d);
        size_t list = nacme_der_mark(&d);
        nacme_der_raw(&d, s->exts, s->exts_len);
        nacme_der_wrap(&d, NACME_DER_SEQUENCE, list);
        nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(3), e);
    }
    if (s->unique_ids) {
        nacme_der_primitive(&d, NACME_DER_CONTEXT(2), (const uint8_t *)"\x00\x22", 2);
        nacme_der_primitive(&d, NACME_DER_CONTEXT(1), (const uint8_t *)"\x00\x11", 2);
    }
    if (s->spki != NULL) {
        nacme_der_raw(&d, s->spki, s->spki_len);
    } else {
        memset(default_point, 0x11, sizeof default_point);
        default_point[0] = 0x04;
        put_ec_spki(&d, oid_p256, sizeof oid_p256, default_point, sizeof default_point, 0);
    }
    /* subject, validity, issuer */
    for (int k = 0; k < 3; k++) {
        if (k == 1) {
            size_t v = nacme_der_mark(&d);
            put_time(&d, s->not_after ? s->not_after : "300101000000Z");
            put_time(&d, s->not_before ? s->not_before : "200101000000Z");
            nacme_der_wrap(&d, NACME_DER_SEQUENCE, v);
        } else if (s->name != NULL) {
            nacme_der_raw(&d, s->name, s->name_len);
        } else {
            size_t n = nacme_der_mark(&d);
            nacme_der_utf8_string(&d, "test", 4);
            nacme_der_oid(&d, oid_cn, sizeof oid_cn);
            nacme_der_wrap(&d, NACME_DER_SEQUENCE, n);
            nacme_der_wrap(&d, NACME_DER_SET, n);
            nacme_der_wrap(&d, NACME_DER_SEQUENCE, n);
        }
    }
    alg = nacme_der_mark(&d);
    nacme_der_oid(&d, oid_ecdsa_sha256, sizeof oid_ecdsa_sha256);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, alg);
    if (s->empty_serial) {
        nacme_der_header(&d, NACME_DER_INTEGER, 0);
    } else {
        nacme_der_integer_u32(&d, 0x01020304u);
    }
    if (s->version >= 0) {
        size_t v = nacme_der_mark(&d);
        nacme_der_integer_u32(&d, (uint32_t)s->version);
        nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(0), v);
    }
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, tbs);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, cert);
    assert_int_equal(nacme_der_status(&d), NACME_OK);
    *len = nacme_der_len(&d);
    return nacme_der_data(&d);
}

static int parse_spec(const spec_t *s, nacme_x509_t *x, uint8_t **copy)
{
    static uint8_t buf[2048];
    size_t len;
    const uint8_t *der = build(s, buf, sizeof buf, &len);
    *copy = test_tight_copy(der, len);
    int rc = nacme_x509_parse(*copy, len, x);
    if (rc == NACME_OK) assert_spans_inside(x, *copy, len);
    return rc;
}

/* Result of parsing spec (the copy freed). */
static int parse_rc(const spec_t *s)
{
    nacme_x509_t x;
    uint8_t *copy;
    int rc = parse_spec(s, &x, &copy);
    free(copy);
    return rc;
}

/* Prefix Extension { OID 2.5.29.id, [critical], OCTET STRING value } (crit -1: absent). */
static void put_ext(nacme_der_t *d, uint8_t id, int crit, const uint8_t *value, size_t len)
{
    size_t m = nacme_der_mark(d);
    nacme_der_octet_string(d, value, len);
    if (crit >= 0) nacme_der_boolean(d, crit != 0);
    const uint8_t oid[3] = {0x55, 0x1d, id};
    nacme_der_oid(d, oid, 3);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, m);
}

static void test_minimal_certificate(void **state)
{
    (void)state;
    spec_t s = {.version = 2};
    nacme_x509_t x;
    uint8_t *copy;
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_int_equal(x.not_before, 1577836800);
    assert_int_equal(x.not_after, 1893456000);
    assert_int_equal(x.serial.len, 4);
    assert_memory_equal(x.serial.ptr, "\x01\x02\x03\x04", 4);
    assert_int_equal(x.san.len, 0);
    assert_int_equal(x.aki_key_id.len, 0);
    assert_false(x.is_ca);
    assert_true(x.key_is_p256);
    uint8_t xy[64];
    assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_OK);
    assert_memory_equal(xy, default_point + 1, 64);
    size_t pos = 0;
    nacme_x509_name_t n;
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_ERR_NOT_FOUND);
    pos = 1;
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_ERR_ARG);
    free(copy);

    s.unique_ids = true;
    assert_int_equal(parse_rc(&s), NACME_OK);
    s.unique_ids = false;
    s.not_before = "19991231235959Z"; /* GeneralizedTime before 2050 is accepted too */
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_int_equal(x.not_before, 946684799);
    free(copy);
    s.not_before = "99991231235959Z";
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_int_equal(x.not_before, 253402300799);
    free(copy);
}

static void test_structure_errors(void **state)
{
    (void)state;
    spec_t s = {.version = 2};
    s.version = -1; /* v1: no version field */
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    s.version = 3;
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    s.version = 258; /* INTEGER of two bytes */
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    s.version = 2;
    s.tbs_trailing = true;
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
    s.tbs_trailing = false;
    s.empty_serial = true;
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    s.empty_serial = false;
    s.not_before = "2001010000Z"; /* UTCTime without seconds */
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    s.not_before = "20200101000000.5Z"; /* fraction */
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
}

static void test_keys(void **state)
{
    (void)state;
    uint8_t spki[200];
    nacme_der_t d;
    spec_t s = {.version = 2};
    nacme_x509_t x;
    uint8_t *copy;
    uint8_t xy[64];
    uint8_t point[65];
    memset(point, 0x42, sizeof point);

    /* compressed point: P-256, but not an uncompressed point */
    point[0] = 0x02;
    nacme_der_init(&d, spki, sizeof spki);
    put_ec_spki(&d, oid_p256, sizeof oid_p256, point, 33, 0);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_true(x.key_is_p256);
    assert_int_equal(x.public_key.len, 33);
    assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_ERR_X509);
    free(copy);

    /* 65 bytes not starting with 0x04 */
    nacme_der_init(&d, spki, sizeof spki);
    put_ec_spki(&d, oid_p256, sizeof oid_p256, point, 65, 0);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_ERR_X509);
    free(copy);

    /* another curve */
    point[0] = 0x04;
    nacme_der_init(&d, spki, sizeof spki);
    put_ec_spki(&d, oid_p384, sizeof oid_p384, point, 65, 0);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_false(x.key_is_p256);
    assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_ERR_X509);
    free(copy);

    /* unused bits in the key BIT STRING */
    nacme_der_init(&d, spki, sizeof spki);
    put_ec_spki(&d, oid_p256, sizeof oid_p256, point, 65, 1);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);

    /* empty BIT STRING */
    nacme_der_init(&d, spki, sizeof spki);
    size_t m = nacme_der_mark(&d);
    nacme_der_header(&d, NACME_DER_BIT_STRING, 0);
    size_t a = nacme_der_mark(&d);
    nacme_der_oid(&d, oid_ec, sizeof oid_ec);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, a);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, m);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);

    /* something after the key inside SubjectPublicKeyInfo */
    nacme_der_init(&d, spki, sizeof spki);
    m = nacme_der_mark(&d);
    nacme_der_null(&d);
    nacme_der_bit_string(&d, point, 65);
    a = nacme_der_mark(&d);
    nacme_der_oid(&d, oid_p256, sizeof oid_p256);
    nacme_der_oid(&d, oid_ec, sizeof oid_ec);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, a);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, m);
    s.spki = nacme_der_data(&d);
    s.spki_len = nacme_der_len(&d);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
}

/* SubjectAltName with every GeneralName type: only dNSName and iPAddress are returned. */
static void test_san_types(void **state)
{
    (void)state;
    uint8_t sanbuf[300], extbuf[400];
    nacme_der_t d;
    nacme_der_init(&d, sanbuf, sizeof sanbuf);
    size_t m = nacme_der_mark(&d);
    nacme_der_raw(&d, (const uint8_t *)"\x87\x10" "0123456789abcdef", 18);   /* IPv6 */
    nacme_der_primitive(&d, NACME_DER_CONTEXT(2), (const uint8_t *)"b.example", 9);
    nacme_der_raw(&d, (const uint8_t *)"\x87\x04\xc0\x00\x02\x01", 6);   /* IPv4 */
    nacme_der_primitive(&d, NACME_DER_CONTEXT(6), (const uint8_t *)"https://x/", 10);
    nacme_der_raw(&d, (const uint8_t *)"\xa2\x03\x16\x01x", 5);          /* constructed [2]: skipped */
    nacme_der_primitive(&d, NACME_DER_CONTEXT(2), (const uint8_t *)"a.example", 9);
    nacme_der_primitive(&d, NACME_DER_CONTEXT(1), (const uint8_t *)"a@b", 3);
    nacme_der_raw(&d, (const uint8_t *)"\xa0\x05\x06\x01\x01\xa0\x00", 7); /* otherName */
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, m);
    nacme_der_t e;
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 17, 0, nacme_der_data(&d), nacme_der_len(&d));
    spec_t s = {.version = 2, .exts = nacme_der_data(&e), .exts_len = nacme_der_len(&e)};
    nacme_x509_t x;
    uint8_t *copy;
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    static const struct {
        nacme_x509_name_type_t type;
        const char *value;
        size_t len;
    } want[] = {
        {NACME_X509_DNS, "a.example", 9},
        {NACME_X509_IP, "\xc0\x00\x02\x01", 4},
        {NACME_X509_DNS, "b.example", 9},
        {NACME_X509_IP, "0123456789abcdef", 16},
    };
    size_t pos = 0;
    nacme_x509_name_t n;
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_OK);
        assert_int_equal(n.type, want[i].type);
        assert_int_equal(n.len, want[i].len);
        assert_memory_equal(n.value, want[i].value, n.len);
    }
    assert_int_equal(nacme_x509_san_next(&x, &pos, &n), NACME_ERR_NOT_FOUND);
    assert_int_equal(pos, x.san.len);
    free(copy);

    /* an iPAddress of 5 bytes is malformed: the parse fails */
    nacme_der_init(&d, sanbuf, sizeof sanbuf);
    m = nacme_der_mark(&d);
    nacme_der_raw(&d, (const uint8_t *)"\x87\x05\xc0\x00\x02\x01\x01", 7);
    nacme_der_primitive(&d, NACME_DER_CONTEXT(2), (const uint8_t *)"a.example", 9);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, m);
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 17, -1, nacme_der_data(&d), nacme_der_len(&d));
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);

    /* a broken GeneralName TLV inside the SAN */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 17, -1, (const uint8_t *)"\x30\x03\x82\x05x", 5);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);

    /* the SAN value is not a SEQUENCE, or has bytes after it */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 17, -1, (const uint8_t *)"\x31\x00", 2);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 17, -1, (const uint8_t *)"\x30\x00\x00", 3);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
}

static void test_extensions(void **state)
{
    (void)state;
    uint8_t extbuf[400];
    nacme_der_t e;
    nacme_x509_t x;
    uint8_t *copy;
    spec_t s = {.version = 2};

    /* basicConstraints cA TRUE with pathLen, AKI with keyIdentifier and issuer/serial, unknown ones */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 15, 1, (const uint8_t *)"\x03\x02\x05\xa0", 4);                  /* keyUsage */
    put_ext(&e, 35, -1, (const uint8_t *)"\x30\x0a\x80\x03\xaa\xbb\xcc\x82\x03\x01\x02\x03", 12);
    put_ext(&e, 19, 1, (const uint8_t *)"\x30\x06\x01\x01\xff\x02\x01\x00", 8);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
    assert_true(x.is_ca);
    assert_int_equal(x.aki_key_id.len, 3);
    assert_memory_equal(x.aki_key_id.ptr, "\xaa\xbb\xcc", 3);
    free(copy);

    /* basicConstraints {} and {FALSE}; AKI without keyIdentifier */
    static const char *const not_ca[] = {"\x30\x00", "\x30\x03\x01\x01\x00"};
    for (int i = 0; i < 2; i++) {
        nacme_der_init(&e, extbuf, sizeof extbuf);
        put_ext(&e, 35, -1, (const uint8_t *)"\x30\x05\x82\x03\x01\x02\x03", 7);
        put_ext(&e, 19, -1, (const uint8_t *)not_ca[i], i == 0 ? 2 : 5);
        s.exts = nacme_der_data(&e);
        s.exts_len = nacme_der_len(&e);
        assert_int_equal(parse_spec(&s, &x, &copy), NACME_OK);
        assert_false(x.is_ca);
        assert_int_equal(x.aki_key_id.len, 0);
        free(copy);
    }

    /* an empty extension list is tolerated */
    s.exts = (const uint8_t *)"";
    s.exts_len = 0;
    assert_int_equal(parse_rc(&s), NACME_OK);

    /* duplicates: of an extension we read and of one we do not */
    static const uint8_t dup_ids[] = {17, 19, 35, 15};
    for (size_t i = 0; i < sizeof dup_ids; i++) {
        nacme_der_init(&e, extbuf, sizeof extbuf);
        put_ext(&e, dup_ids[i], -1, (const uint8_t *)"\x30\x00", 2);
        put_ext(&e, 14, -1, (const uint8_t *)"\x04\x01\x01", 3);
        put_ext(&e, dup_ids[i], 1, (const uint8_t *)"\x30\x00", 2);
        s.exts = nacme_der_data(&e);
        s.exts_len = nacme_der_len(&e);
        assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    }

    /* malformed: critical not one byte, BOOLEAN cA of two bytes, value not an OCTET STRING */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    size_t m = nacme_der_mark(&e);
    nacme_der_octet_string(&e, (const uint8_t *)"\x30\x00", 2);
    nacme_der_primitive(&e, NACME_DER_BOOLEAN, (const uint8_t *)"\xff\xff", 2);
    nacme_der_oid(&e, (const uint8_t *)"\x55\x1d\x0f", 3);
    nacme_der_wrap(&e, NACME_DER_SEQUENCE, m);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 19, -1, (const uint8_t *)"\x30\x04\x01\x02\xff\xff", 6);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    nacme_der_init(&e, extbuf, sizeof extbuf);
    m = nacme_der_mark(&e);
    nacme_der_null(&e);
    nacme_der_oid(&e, (const uint8_t *)"\x55\x1d\x0f", 3);
    nacme_der_wrap(&e, NACME_DER_SEQUENCE, m);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    /* bytes after extnValue, and after the AKI / basicConstraints SEQUENCE */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    m = nacme_der_mark(&e);
    nacme_der_null(&e);
    nacme_der_octet_string(&e, (const uint8_t *)"\x30\x00", 2);
    nacme_der_oid(&e, (const uint8_t *)"\x55\x1d\x0f", 3);
    nacme_der_wrap(&e, NACME_DER_SEQUENCE, m);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
    nacme_der_init(&e, extbuf, sizeof extbuf);
    put_ext(&e, 35, -1, (const uint8_t *)"\x30\x00\x00", 3);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
    /* an element of the list that is not an Extension */
    nacme_der_init(&e, extbuf, sizeof extbuf);
    nacme_der_null(&e);
    put_ext(&e, 15, -1, (const uint8_t *)"\x03\x01\x00", 3);
    s.exts = nacme_der_data(&e);
    s.exts_len = nacme_der_len(&e);
    assert_int_equal(parse_rc(&s), NACME_ERR_X509);
    /* extensions [3] holding something after its SEQUENCE */
    s.exts_trailing = true;
    s.exts_len -= 2;
    assert_int_equal(parse_rc(&s), NACME_ERR_DER);
}

/* commonName: the last one, of the text string types; others passed over. */
static void test_name_cn(void **state)
{
    (void)state;
    uint8_t buf[300];
    nacme_der_t d;
    const uint8_t *cn;
    size_t cn_len;
    /* SEQUENCE { SET { O, CN "first" }, SET { CN PrintableString "second" }, SET { CN BMPString } } */
    nacme_der_init(&d, buf, sizeof buf);
    size_t name = nacme_der_mark(&d);
    size_t set = nacme_der_mark(&d);
    size_t atv = nacme_der_mark(&d);
    nacme_der_primitive(&d, 0x1e, (const uint8_t *)"\x00x", 2); /* BMPString */
    nacme_der_oid(&d, oid_cn, sizeof oid_cn);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, atv);
    nacme_der_wrap(&d, NACME_DER_SET, set);
    set = nacme_der_mark(&d);
    atv = nacme_der_mark(&d);
    nacme_der_primitive(&d, NACME_DER_PRINTABLE_STRING, (const uint8_t *)"second", 6);
    nacme_der_oid(&d, oid_cn, sizeof oid_cn);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, atv);
    nacme_der_wrap(&d, NACME_DER_SET, set);
    set = nacme_der_mark(&d);
    atv = nacme_der_mark(&d);
    nacme_der_utf8_string(&d, "first", 5);
    nacme_der_oid(&d, oid_cn, sizeof oid_cn);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, atv);
    atv = nacme_der_mark(&d);
    nacme_der_utf8_string(&d, "org", 3);
    nacme_der_oid(&d, oid_o, sizeof oid_o);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, atv);
    nacme_der_wrap(&d, NACME_DER_SET, set);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, name);
    assert_int_equal(nacme_der_status(&d), NACME_OK);
    uint8_t *copy = test_tight_copy(nacme_der_data(&d), nacme_der_len(&d));
    nacme_span_t span = {copy, nacme_der_len(&d)};
    assert_int_equal(nacme_x509_name_cn(span, &cn, &cn_len), NACME_OK);
    assert_int_equal(cn_len, 6);
    assert_memory_equal(cn, "second", 6);
    /* the same Name inside a certificate, as issuer and subject */
    spec_t s = {.version = 2, .name = copy, .name_len = span.len};
    nacme_x509_t x;
    uint8_t *cert;
    assert_int_equal(parse_spec(&s, &x, &cert), NACME_OK);
    assert_int_equal(nacme_x509_name_cn(x.issuer, &cn, &cn_len), NACME_OK);
    assert_memory_equal(cn, "second", 6);
    assert_int_equal(nacme_x509_name_cn(x.subject, &cn, &cn_len), NACME_OK);
    assert_true(cn > x.subject.ptr && cn + cn_len <= x.subject.ptr + x.subject.len);
    free(cert);
    /* every truncation of the span is malformed DER */
    for (size_t n = 0; n < span.len; n++) {
        uint8_t *cut = test_tight_copy(copy, n);
        nacme_span_t part = {cut, n};
        assert_int_equal(nacme_x509_name_cn(part, &cn, &cn_len), NACME_ERR_DER);
        free(cut);
    }
    free(copy);

    static const struct {
        const char *what;
        const char *der;
        size_t len;
        int rc;
        const char *cn;
    } cases[] = {
        {"empty Name", "\x30\x00", 2, NACME_ERR_NOT_FOUND, NULL},
        {"O only", "\x30\x0b\x31\x09\x30\x07\x06\x03\x55\x04\x0a\x0c\x00", 13, NACME_ERR_NOT_FOUND, NULL},
        {"IA5String CN", "\x30\x0c\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x16\x01x", 14, NACME_OK, "x"},
        {"TeletexString CN", "\x30\x0c\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x14\x01y", 14, NACME_OK, "y"},
        {"OCTET STRING CN", "\x30\x0c\x31\x0a\x30\x08\x06\x03\x55\x04\x03\x04\x01z", 14, NACME_ERR_NOT_FOUND,
         NULL},
        {"not a SEQUENCE", "\x31\x00", 2, NACME_ERR_X509, NULL},
        {"bytes after the Name", "\x30\x00\x00", 3, NACME_ERR_DER, NULL},
        {"RDN not a SET", "\x30\x02\x30\x00", 4, NACME_ERR_X509, NULL},
        {"attribute not a SEQUENCE", "\x30\x04\x31\x02\x31\x00", 6, NACME_ERR_X509, NULL},
        {"type not an OID", "\x30\x08\x31\x06\x30\x04\x05\x00\x05\x00", 10, NACME_ERR_X509, NULL},
        {"no value", "\x30\x09\x31\x07\x30\x05\x06\x03\x55\x04\x03", 11, NACME_ERR_DER, NULL},
        {"two values", "\x30\x0e\x31\x0c\x30\x0a\x06\x03\x55\x04\x03\x16\x01x\x05\x00", 16, NACME_ERR_DER,
         NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t *c = test_tight_copy(cases[i].der, cases[i].len);
        nacme_span_t sp = {c, cases[i].len};
        int rc = nacme_x509_name_cn(sp, &cn, &cn_len);
        if (rc != cases[i].rc) fail_msg("%s: %d", cases[i].what, rc);
        if (cases[i].cn != NULL) {
            assert_int_equal(cn_len, strlen(cases[i].cn));
            assert_memory_equal(cn, cases[i].cn, cn_len);
        }
        free(c);
    }
    nacme_span_t none = {NULL, 0};
    assert_int_equal(nacme_x509_name_cn(none, &cn, &cn_len), NACME_ERR_DER);
    assert_int_equal(nacme_x509_name_cn(none, NULL, &cn_len), NACME_ERR_ARG);
}

static void test_arguments(void **state)
{
    (void)state;
    nacme_x509_t x;
    uint8_t xy[64];
    size_t pos = 0;
    nacme_x509_name_t n;
    assert_int_equal(nacme_x509_parse(NULL, 10, &x), NACME_ERR_ARG);
    assert_int_equal(nacme_x509_parse((const uint8_t *)"\x30\x00", 2, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_x509_parse((const uint8_t *)"\x30\x00", 2, &x), NACME_ERR_DER);
    assert_int_equal(nacme_x509_parse((const uint8_t *)"\x31\x00", 2, &x), NACME_ERR_X509);
    assert_int_equal(nacme_x509_ec_point(NULL, xy), NACME_ERR_ARG);
    assert_int_equal(nacme_x509_san_next(NULL, &pos, &n), NACME_ERR_ARG);
    memset(&x, 0, sizeof x);
    assert_int_equal(nacme_x509_san_next(&x, NULL, &n), NACME_ERR_ARG);
    assert_int_equal(nacme_x509_san_next(&x, &pos, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_x509_ec_point(&x, xy), NACME_ERR_X509);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf),
        cmocka_unit_test(test_leaf_ec),
        cmocka_unit_test(test_ca_rsa),
        cmocka_unit_test(test_ca_ec),
        cmocka_unit_test(test_nosan),
        cmocka_unit_test(test_issuer_links),
        cmocka_unit_test(test_truncated_at_every_length),
        cmocka_unit_test(test_trailing_data),
        cmocka_unit_test(test_flipped_length),
        cmocka_unit_test(test_every_byte_mutated),
        cmocka_unit_test(test_wrong_version),
        cmocka_unit_test(test_bad_time),
        cmocka_unit_test(test_minimal_certificate),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_san_types),
        cmocka_unit_test(test_extensions),
        cmocka_unit_test(test_name_cn),
        cmocka_unit_test(test_arguments),
    };
    return cmocka_run_group_tests_name("x509", tests, NULL, NULL);
}
