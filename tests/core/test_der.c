/*
 * Tests for core/der.c: the writer byte for byte against known DER and
 * against a structure openssl built (tests/data/gen-x509.sh), overflow,
 * and the TLV reader's acceptance and every rejection.
 */
#include "test_data.h"

#include "nacme_der.h"

/* Expect the writer's output to be exactly the given bytes. */
#define assert_der(d, ...)                                                 \
    do {                                                                   \
        const uint8_t want_[] = {__VA_ARGS__};                             \
        assert_int_equal(nacme_der_status(d), NACME_OK);                   \
        assert_int_equal(nacme_der_len(d), sizeof want_);                  \
        assert_memory_equal(nacme_der_data(d), want_, sizeof want_);       \
    } while (0)

static uint8_t buf[256];

static nacme_der_t *fresh(nacme_der_t *d)
{
    memset(buf, 0xee, sizeof buf);
    nacme_der_init(d, buf, sizeof buf);
    return d;
}

/* The example of nacme_der.h: SEQUENCE { 5, "b" }, written last element first. */
static void test_header_example(void **state)
{
    (void)state;
    nacme_der_t d;
    fresh(&d);
    size_t seq = nacme_der_mark(&d);
    assert_int_equal(seq, 0);
    nacme_der_ia5_string(&d, "b", 1);
    nacme_der_integer_u32(&d, 5);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, seq);
    assert_der(&d, 0x30, 0x06, 0x02, 0x01, 0x05, 0x16, 0x01, 'b');
    assert_ptr_equal(nacme_der_data(&d), buf + sizeof buf - 8);
}

static void test_integers(void **state)
{
    (void)state;
    nacme_der_t d;
    nacme_der_integer_u32(fresh(&d), 0);
    assert_der(&d, 0x02, 0x01, 0x00);
    nacme_der_integer_u32(fresh(&d), 127);
    assert_der(&d, 0x02, 0x01, 0x7f);
    nacme_der_integer_u32(fresh(&d), 128);
    assert_der(&d, 0x02, 0x02, 0x00, 0x80);
    nacme_der_integer_u32(fresh(&d), 256);
    assert_der(&d, 0x02, 0x02, 0x01, 0x00);
    nacme_der_integer_u32(fresh(&d), 0x12345678u);
    assert_der(&d, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78);
    nacme_der_integer_u32(fresh(&d), 0xffffffffu);
    assert_der(&d, 0x02, 0x05, 0x00, 0xff, 0xff, 0xff, 0xff);

    /* from big-endian magnitude bytes */
    nacme_der_integer(fresh(&d), NULL, 0);
    assert_der(&d, 0x02, 0x01, 0x00);
    const uint8_t zeros[3] = {0, 0, 0};
    nacme_der_integer(fresh(&d), zeros, sizeof zeros);
    assert_der(&d, 0x02, 0x01, 0x00);
    const uint8_t lead[4] = {0, 0, 0x80, 0x01};
    nacme_der_integer(fresh(&d), lead, sizeof lead);
    assert_der(&d, 0x02, 0x03, 0x00, 0x80, 0x01);
    const uint8_t small[3] = {0, 0x7f, 0xff};
    nacme_der_integer(fresh(&d), small, sizeof small);
    assert_der(&d, 0x02, 0x02, 0x7f, 0xff);
    /* a 32-byte scalar with its top bit set (an ECDSA r) gets 33 bytes */
    uint8_t r[32];
    memset(r, 0xa5, sizeof r);
    nacme_der_integer(fresh(&d), r, sizeof r);
    assert_int_equal(nacme_der_len(&d), 35);
    assert_memory_equal(nacme_der_data(&d), ((const uint8_t[]){0x02, 0x21, 0x00, 0xa5}), 4);
}

static void test_primitives(void **state)
{
    (void)state;
    nacme_der_t d;
    nacme_der_boolean(fresh(&d), true);
    assert_der(&d, 0x01, 0x01, 0xff);
    nacme_der_boolean(fresh(&d), false);
    assert_der(&d, 0x01, 0x01, 0x00);
    nacme_der_null(fresh(&d));
    assert_der(&d, 0x05, 0x00);
    /* prime256v1 */
    const uint8_t p256[] = {0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    nacme_der_oid(fresh(&d), p256, sizeof p256);
    assert_der(&d, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07);
    const uint8_t two[] = {0xaa, 0xbb};
    nacme_der_bit_string(fresh(&d), two, 2);
    assert_der(&d, 0x03, 0x03, 0x00, 0xaa, 0xbb);
    nacme_der_bit_string(fresh(&d), NULL, 0);
    assert_der(&d, 0x03, 0x01, 0x00);
    nacme_der_octet_string(fresh(&d), two, 2);
    assert_der(&d, 0x04, 0x02, 0xaa, 0xbb);
    nacme_der_octet_string(fresh(&d), NULL, 0);
    assert_der(&d, 0x04, 0x00);
    nacme_der_utf8_string(fresh(&d), "caf\xc3\xa9", 5);
    assert_der(&d, 0x0c, 0x05, 'c', 'a', 'f', 0xc3, 0xa9);
    nacme_der_ia5_string(fresh(&d), "a.b", 3);
    assert_der(&d, 0x16, 0x03, 'a', '.', 'b');
    /* dNSName [2] IMPLICIT IA5String, and an explicit [0] around an INTEGER */
    nacme_der_primitive(fresh(&d), NACME_DER_CONTEXT(2), (const uint8_t *)"x.y", 3);
    assert_der(&d, 0x82, 0x03, 'x', '.', 'y');
    size_t m = nacme_der_mark(fresh(&d));
    nacme_der_integer_u32(&d, 2);
    nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(0), m);
    assert_der(&d, 0xa0, 0x03, 0x02, 0x01, 0x02);
    /* SET, raw pre-encoded bytes, an empty SEQUENCE */
    m = nacme_der_mark(fresh(&d));
    nacme_der_raw(&d, two, 2);
    nacme_der_wrap(&d, NACME_DER_SET, m);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, nacme_der_mark(&d));
    assert_der(&d, 0x30, 0x00, 0x31, 0x02, 0xaa, 0xbb);
}

/* Header bytes for content lengths at every length-of-length boundary. */
static void test_length_forms(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        uint8_t hdr[6];
        size_t hdr_len;
    } cases[] = {
        {0, {0x04, 0x00}, 2},
        {1, {0x04, 0x01}, 2},
        {127, {0x04, 0x7f}, 2},
        {128, {0x04, 0x81, 0x80}, 3},
        {255, {0x04, 0x81, 0xff}, 3},
        {256, {0x04, 0x82, 0x01, 0x00}, 4},
        {65535, {0x04, 0x82, 0xff, 0xff}, 4},
        {65536, {0x04, 0x83, 0x01, 0x00, 0x00}, 5},
        {0xffffffu, {0x04, 0x83, 0xff, 0xff, 0xff}, 5},
        {0x1000000u, {0x04, 0x84, 0x01, 0x00, 0x00, 0x00}, 6},
        {0xffffffffu, {0x04, 0x84, 0xff, 0xff, 0xff, 0xff}, 6},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        nacme_der_t d;
        nacme_der_header(fresh(&d), NACME_DER_OCTET_STRING, cases[i].len);
        assert_int_equal(nacme_der_status(&d), NACME_OK);
        assert_int_equal(nacme_der_len(&d), cases[i].hdr_len);
        assert_memory_equal(nacme_der_data(&d), cases[i].hdr, cases[i].hdr_len);
    }
#if SIZE_MAX > 0xffffffffu
    /* more than 4 length bytes cannot be written */
    nacme_der_t big;
    nacme_der_header(fresh(&big), NACME_DER_OCTET_STRING, (size_t)0xffffffffu + 1u);
    assert_int_equal(nacme_der_status(&big), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_der_len(&big), 0);
#endif
    /* real content across the 127/128 boundary, written and read back */
    for (size_t len = 120; len <= 200; len++) {
        nacme_der_t d;
        uint8_t content[200];
        memset(content, (int)len, len);
        nacme_der_octet_string(fresh(&d), content, len);
        assert_int_equal(nacme_der_len(&d), len + (len < 128 ? 2 : 3));
        nacme_der_tlv_t t;
        assert_int_equal(nacme_der_read(nacme_der_data(&d), nacme_der_len(&d), &t), NACME_OK);
        assert_int_equal(t.tag, NACME_DER_OCTET_STRING);
        assert_int_equal(t.len, len);
        assert_int_equal(t.total, nacme_der_len(&d));
        assert_memory_equal(t.value, content, len);
    }
}

/* Write SEQUENCE { INTEGER 300, OCTET STRING (130 bytes), NULL } into d. */
static void write_sample(nacme_der_t *d)
{
    uint8_t content[130];
    memset(content, 0x5a, sizeof content);
    size_t m = nacme_der_mark(d);
    nacme_der_null(d);
    nacme_der_octet_string(d, content, sizeof content);
    nacme_der_integer_u32(d, 300);
    nacme_der_wrap(d, NACME_DER_SEQUENCE, m);
}

/* Every capacity below the size needed fails sticky; the exact size works. */
static void test_overflow_sticky(void **state)
{
    (void)state;
    uint8_t *big = malloc(512);
    nacme_der_t d;
    nacme_der_init(&d, big, 512);
    write_sample(&d);
    assert_int_equal(nacme_der_status(&d), NACME_OK);
    size_t need = nacme_der_len(&d);
    assert_int_equal(need, 3 + 4 + 3 + 130 + 2);
    uint8_t *want = malloc(need);
    memcpy(want, nacme_der_data(&d), need);
    for (size_t cap = 0; cap <= need; cap++) {
        uint8_t *b = malloc(cap ? cap : 1);
        nacme_der_init(&d, b, cap);
        write_sample(&d);
        if (cap < need) {
            assert_int_equal(nacme_der_status(&d), NACME_ERR_TOO_LARGE);
            assert_true(nacme_der_len(&d) <= cap);
            size_t before = nacme_der_len(&d);
            nacme_der_null(&d); /* the error sticks even when this would fit */
            assert_int_equal(nacme_der_len(&d), before);
            assert_int_equal(nacme_der_status(&d), NACME_ERR_TOO_LARGE);
        } else {
            assert_int_equal(nacme_der_status(&d), NACME_OK);
            assert_ptr_equal(nacme_der_data(&d), b);
            assert_memory_equal(b, want, need);
        }
        free(b);
    }
    free(want);
    free(big);
}

static void test_wrap_bad_mark(void **state)
{
    (void)state;
    nacme_der_t d;
    fresh(&d);
    nacme_der_null(&d);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, 3);
    assert_int_equal(nacme_der_status(&d), NACME_ERR_ARG);
    assert_int_equal(nacme_der_len(&d), 2);
}

/*
 * The structure of tests/data/gen-x509.sh's der-writer.cnf, built by
 * `openssl asn1parse -genconf`: the writer must produce the same bytes.
 */
static void test_matches_openssl(void **state)
{
    (void)state;
    size_t ref_len;
    uint8_t *ref = test_data_read("der-writer.der", &ref_len);
    size_t cap = ref_len + 64;
    uint8_t *out = malloc(cap);
    uint8_t *big = malloc(70000);
    nacme_der_t d;
    nacme_der_init(&d, out, cap);
    size_t top = nacme_der_mark(&d);
    memset(big, 0xaa, 70000);
    nacme_der_octet_string(&d, big, 70000);
    size_t set = nacme_der_mark(&d);
    nacme_der_oid(&d, (const uint8_t *)"\x55\x04\x03", 3);
    nacme_der_wrap(&d, NACME_DER_SET, set);
    size_t exp = nacme_der_mark(&d);
    nacme_der_integer_u32(&d, 2);
    nacme_der_wrap(&d, NACME_DER_CONTEXT_CONSTRUCTED(0), exp);
    nacme_der_primitive(&d, NACME_DER_CONTEXT(2), (const uint8_t *)"example.com", 11);
    nacme_der_null(&d);
    nacme_der_boolean(&d, false);
    nacme_der_boolean(&d, true);
    memset(big, 'a', 300);
    nacme_der_ia5_string(&d, (const char *)big, 300);
    nacme_der_utf8_string(&d, "caf\xc3\xa9", 5);
    memset(big, 0x55, 200);
    nacme_der_octet_string(&d, big, 200);
    nacme_der_bit_string(&d, (const uint8_t *)"\x04\xa1\xb2\xc3", 4);
    nacme_der_oid(&d, (const uint8_t *)"\x2a\x86\x48\xce\x3d\x03\x01\x07", 8);
    nacme_der_integer_u32(&d, 4294967295u);
    const uint8_t i4[] = {0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    nacme_der_integer(&d, i4, sizeof i4);
    nacme_der_integer_u32(&d, 256);
    nacme_der_integer_u32(&d, 128);
    nacme_der_integer_u32(&d, 127);
    nacme_der_integer_u32(&d, 0);
    nacme_der_wrap(&d, NACME_DER_SEQUENCE, top);
    assert_int_equal(nacme_der_status(&d), NACME_OK);
    assert_int_equal(nacme_der_len(&d), ref_len);
    assert_memory_equal(nacme_der_data(&d), ref, ref_len);
    /* the outer header uses a 3-byte long-form length (0x83) */
    assert_memory_equal(ref, ((const uint8_t[]){0x30, 0x83, 0x01}), 3);
    free(big);
    free(out);
    free(ref);
}

/* ---- reader ------------------------------------------------------------------ */

/* nacme_der_read() over a copy at the very end of a heap block. */
static int read_tight(const uint8_t *data, size_t len, nacme_der_tlv_t *t)
{
    uint8_t *copy = test_tight_copy(data, len);
    int rc = nacme_der_read(copy, len, t);
    if (rc == NACME_OK) {
        assert_true(t->value >= copy && t->value + t->len <= copy + len);
        t->value = data + (t->value - copy);
    }
    free(copy);
    return rc;
}

static void test_read_valid(void **state)
{
    (void)state;
    nacme_der_tlv_t t;
    const uint8_t a[] = {0x02, 0x01, 0x05, 0xff}; /* trailing byte is not part of it */
    assert_int_equal(read_tight(a, sizeof a, &t), NACME_OK);
    assert_int_equal(t.tag, 0x02);
    assert_int_equal(t.len, 1);
    assert_int_equal(t.total, 3);
    assert_ptr_equal(t.value, a + 2);
    const uint8_t empty[] = {0x05, 0x00};
    assert_int_equal(read_tight(empty, sizeof empty, &t), NACME_OK);
    assert_int_equal(t.len, 0);
    assert_int_equal(t.total, 2);
    uint8_t long1[3 + 200] = {0x04, 0x81, 200};
    assert_int_equal(read_tight(long1, sizeof long1, &t), NACME_OK);
    assert_int_equal(t.len, 200);
    assert_int_equal(t.total, 203);
    uint8_t long2[4 + 300] = {0x30, 0x82, 0x01, 0x2c};
    assert_int_equal(read_tight(long2, sizeof long2, &t), NACME_OK);
    assert_int_equal(t.len, 300);
    assert_ptr_equal(t.value, long2 + 4);
}

/* A 4-byte length (16 MiB of content): the longest form accepted. */
static void test_read_four_length_bytes(void **state)
{
    (void)state;
    size_t n = 6 + 0x1000000u;
    uint8_t *big = calloc(1, n);
    memcpy(big, "\x04\x84\x01\x00\x00\x00", 6);
    nacme_der_tlv_t t;
    assert_int_equal(nacme_der_read(big, n, &t), NACME_OK);
    assert_int_equal(t.len, 0x1000000u);
    assert_int_equal(t.total, n);
    assert_int_equal(nacme_der_read(big, n - 1, &t), NACME_ERR_DER); /* one byte short */
    free(big);
}

static void test_read_errors(void **state)
{
    (void)state;
    static const struct {
        const char *what;
        uint8_t data[8];
        size_t len;
    } bad[] = {
        {"empty", {0}, 0},
        {"tag only", {0x30}, 1},
        {"multi-byte tag", {0x1f, 0x01, 0x00}, 3},
        {"multi-byte context tag", {0xbf, 0x81, 0x01, 0x00}, 4},
        {"indefinite length", {0x30, 0x80, 0x00, 0x00}, 4},
        {"long form for a short length", {0x04, 0x81, 0x05, 1, 2, 3, 4, 5}, 8},
        {"leading zero length byte", {0x04, 0x82, 0x00, 0x05, 1, 2, 3, 4}, 8},
        {"five length bytes", {0x04, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00}, 7},
        {"length bytes truncated", {0x04, 0x82, 0x01}, 3},
        {"length beyond input", {0x04, 0x03, 0x01, 0x02}, 4},
        {"long length beyond input", {0x04, 0x81, 0x80, 0x00}, 4},
        {"4-byte length beyond input", {0x04, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00}, 7},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        nacme_der_tlv_t t;
        if (read_tight(bad[i].data, bad[i].len, &t) != NACME_ERR_DER) fail_msg("accepted: %s", bad[i].what);
    }
    nacme_der_tlv_t t;
    assert_int_equal(nacme_der_read(NULL, 4, &t), NACME_ERR_DER);
    /* a leading zero length byte even when the value needs the long form: 82 00 80 is 81 80 */
    uint8_t padded[4 + 128] = {0x04, 0x82, 0x00, 0x80};
    assert_int_equal(read_tight(padded, sizeof padded, &t), NACME_ERR_DER);
    uint8_t minimal[3 + 128] = {0x04, 0x81, 0x80};
    assert_int_equal(read_tight(minimal, sizeof minimal, &t), NACME_OK);
}

/* Every truncation of a valid TLV is rejected; every byte is in bounds (ASan). */
static void test_read_truncations(void **state)
{
    (void)state;
    nacme_der_t d;
    write_sample(fresh(&d));
    size_t n = nacme_der_len(&d);
    for (size_t len = 0; len < n; len++) {
        nacme_der_tlv_t t;
        assert_int_equal(read_tight(nacme_der_data(&d), len, &t), NACME_ERR_DER);
    }
}

static void test_expect(void **state)
{
    (void)state;
    const uint8_t data[] = {0x02, 0x01, 0x05, 0x05, 0x00};
    const uint8_t *p = data;
    size_t n = sizeof data;
    nacme_der_tlv_t t;
    assert_int_equal(nacme_der_expect(&p, &n, NACME_DER_INTEGER, &t), NACME_OK);
    assert_int_equal(t.value[0], 5);
    assert_ptr_equal(p, data + 3);
    assert_int_equal(n, 2);
    /* wrong tag: error, nothing consumed */
    assert_int_equal(nacme_der_expect(&p, &n, NACME_DER_INTEGER, &t), NACME_ERR_DER);
    assert_ptr_equal(p, data + 3);
    assert_int_equal(n, 2);
    assert_int_equal(nacme_der_expect(&p, &n, NACME_DER_NULL, &t), NACME_OK);
    assert_int_equal(n, 0);
    assert_int_equal(nacme_der_expect(&p, &n, NACME_DER_NULL, &t), NACME_ERR_DER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_example),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_primitives),
        cmocka_unit_test(test_length_forms),
        cmocka_unit_test(test_overflow_sticky),
        cmocka_unit_test(test_wrap_bad_mark),
        cmocka_unit_test(test_matches_openssl),
        cmocka_unit_test(test_read_valid),
        cmocka_unit_test(test_read_four_length_bytes),
        cmocka_unit_test(test_read_errors),
        cmocka_unit_test(test_read_truncations),
        cmocka_unit_test(test_expect),
    };
    return cmocka_run_group_tests_name("der", tests, NULL, NULL);
}
