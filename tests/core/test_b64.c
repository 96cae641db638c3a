/* Tests for core/b64.c: RFC 4648 vectors, every length 0..64, bad input. */
#include "test_util.h"

#include "nacme_b64.h"

/* RFC 4648 section 10 vectors (base64, padded). */
static const char *const rfc_in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
static const char *const rfc_b64[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
static const char *const rfc_b64url[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};

static void test_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rfc_in) / sizeof(rfc_in[0]); i++) {
        char out[16];
        size_t n = 99;
        size_t inlen = strlen(rfc_in[i]);
        assert_int_equal(nacme_b64_encode((const uint8_t *)rfc_in[i], inlen, out, sizeof out, &n), 0);
        assert_string_equal(out, rfc_b64[i]);
        assert_int_equal(n, strlen(rfc_b64[i]));
        assert_int_equal(nacme_b64url_encode((const uint8_t *)rfc_in[i], inlen, out, sizeof out, &n), 0);
        assert_string_equal(out, rfc_b64url[i]);

        uint8_t dec[16];
        assert_int_equal(nacme_b64_decode(rfc_b64[i], strlen(rfc_b64[i]), dec, sizeof dec, &n), 0);
        assert_int_equal(n, inlen);
        assert_memory_equal(dec, rfc_in[i], inlen);
        assert_int_equal(nacme_b64url_decode(rfc_b64url[i], strlen(rfc_b64url[i]), dec, sizeof dec, &n), 0);
        assert_int_equal(n, inlen);
        assert_memory_equal(dec, rfc_in[i], inlen);
    }
}

/* The characters that differ between the alphabets: bytes fb ff bf. */
static void test_url_alphabet(void **state)
{
    (void)state;
    const uint8_t in[] = {0xfb, 0xff, 0xbf};
    char out[8];
    size_t n;
    assert_int_equal(nacme_b64url_encode(in, 3, out, sizeof out, &n), 0);
    assert_string_equal(out, "-_-_");
    assert_int_equal(nacme_b64_encode(in, 3, out, sizeof out, &n), 0);
    assert_string_equal(out, "+/+/");
    uint8_t dec[3];
    assert_int_equal(nacme_b64url_decode("-_-_", 4, dec, 3, &n), 0);
    assert_memory_equal(dec, in, 3);
    assert_int_equal(nacme_b64url_decode("+/+/", 4, dec, 3, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64_decode("-_-_", 4, dec, 3, &n), NACME_ERR_BASE64);
}

/* Every length 0..64 round-trips, with the exact encoded length and a tight output buffer. */
static void test_all_lengths_round_trip(void **state)
{
    (void)state;
    uint8_t data[64];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 37u + 11u);
    for (size_t len = 0; len <= 64; len++) {
        size_t want = (len * 4 + 2) / 3; /* ceil(4n/3) */
        assert_int_equal(nacme_b64url_encoded_len(len), want);
        char *enc = malloc(want + 1);
        size_t n;
        assert_int_equal(nacme_b64url_encode(data, len, enc, want, &n), 0); /* no room for NUL is fine */
        assert_int_equal(n, want);
        if (want > 0) assert_int_equal(nacme_b64url_encode(data, len, enc, want - 1, &n), NACME_ERR_TOO_LARGE);
        uint8_t *dec = malloc(len ? len : 1);
        assert_int_equal(nacme_b64url_decode(enc, want, dec, len, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(dec, data, len);
        if (len > 0) assert_int_equal(nacme_b64url_decode(enc, want, dec, len - 1, &n), NACME_ERR_TOO_LARGE);
        free(dec);
        free(enc);

        size_t pwant = ((len + 2) / 3) * 4;
        assert_int_equal(nacme_b64_encoded_len(len), pwant);
        char *penc = malloc(pwant + 1);
        assert_int_equal(nacme_b64_encode(data, len, penc, pwant + 1, &n), 0);
        assert_int_equal(n, pwant);
        assert_int_equal(penc[pwant], '\0');
        uint8_t *pdec = malloc(len ? len : 1);
        assert_int_equal(nacme_b64_decode(penc, pwant, pdec, len, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(pdec, data, len);
        free(pdec);
        free(penc);
    }
}

static void test_invalid_input(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    /* a length of 4k+1 cannot be base64 */
    assert_int_equal(nacme_b64url_decode("Zm9vY", 5, out, sizeof out, &n), NACME_ERR_BASE64);
    /* padding, whitespace, other characters are not base64url */
    assert_int_equal(nacme_b64url_decode("Zg==", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64url_decode("Zm 9", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64url_decode("Zm9\n", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64url_decode("Z\0g", 3, out, sizeof out, &n), NACME_ERR_BASE64);
    /* non-zero trailing bits: "Zh" would decode to 'f' with leftover bits */
    assert_int_equal(nacme_b64url_decode("Zh", 2, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64url_decode("Zm9", 3, out, sizeof out, &n), NACME_ERR_BASE64);
    /* standard base64: misplaced or excess padding, wrong length */
    assert_int_equal(nacme_b64_decode("Zg=", 3, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64_decode("Z===", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64_decode("Zg=a", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64_decode("=Zg=", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    assert_int_equal(nacme_b64_decode("Zh==", 4, out, sizeof out, &n), NACME_ERR_BASE64);
    /* NULL arguments */
    assert_int_equal(nacme_b64url_encode(NULL, 3, (char *)out, sizeof out, &n), NACME_ERR_ARG);
    assert_int_equal(nacme_b64url_decode(NULL, 4, out, sizeof out, &n), NACME_ERR_ARG);
}

/* Decoding reads exactly the given length: the input sits at the end of its allocation. */
static void test_no_overread(void **state)
{
    (void)state;
    char *in = test_tight_copy("Zm9vYmFy", 8);
    uint8_t out[6];
    size_t n;
    for (size_t len = 0; len <= 8; len++) {
        int rc = nacme_b64url_decode(in + 8 - len, len, out, sizeof out, &n);
        assert_true(rc == 0 || rc == NACME_ERR_BASE64);
    }
    free(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc4648_vectors),
        cmocka_unit_test(test_url_alphabet),
        cmocka_unit_test(test_all_lengths_round_trip),
        cmocka_unit_test(test_invalid_input),
        cmocka_unit_test(test_no_overread),
    };
    return cmocka_run_group_tests_name("b64", tests, NULL, NULL);
}
