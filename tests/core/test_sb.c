/* Tests for core/sb.c: bounds, sticky errors, nested base64url layers, the tap. */
#include "test_util.h"

#include "nacme_b64.h"
#include "nacme_sb.h"

static void test_put_and_overflow_is_sticky(void **state)
{
    (void)state;
    char buf[8];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_puts(&sb, "abc");
    nacme_sb_putc(&sb, 'd');
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    assert_int_equal(sb.len, 4);
    nacme_sb_puts(&sb, "efghi"); /* does not fit: dropped whole */
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_TOO_LARGE);
    assert_int_equal(sb.len, 4);
    nacme_sb_puts(&sb, "x"); /* would fit, but the error sticks */
    assert_int_equal(sb.len, 4);
    assert_null(nacme_sb_cstr(&sb));
}

static void test_exact_fit_and_cstr(void **state)
{
    (void)state;
    char buf[4];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_puts(&sb, "abcd");
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    assert_null(nacme_sb_cstr(&sb)); /* no room for the NUL */
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_puts(&sb, "abc");
    assert_string_equal(nacme_sb_cstr(&sb), "abc");
}

static void test_numbers(void **state)
{
    (void)state;
    char buf[96];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_put_u64(&sb, 0);
    nacme_sb_putc(&sb, ' ');
    nacme_sb_put_u64(&sb, UINT64_MAX);
    nacme_sb_putc(&sb, ' ');
    nacme_sb_put_i64(&sb, INT64_MIN);
    nacme_sb_putc(&sb, ' ');
    nacme_sb_put_i64(&sb, -7);
    nacme_sb_putc(&sb, ' ');
    nacme_sb_put_i64(&sb, 42);
    assert_string_equal(nacme_sb_cstr(&sb), "0 18446744073709551615 -9223372036854775808 -7 42");
}

/* One layer: equal to one-shot base64url for every length and every split. */
static void test_b64_layer_matches_one_shot(void **state)
{
    (void)state;
    uint8_t data[40];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 73u + 5u);
    for (size_t len = 0; len <= sizeof data; len++) {
        char want[64];
        size_t wn;
        assert_int_equal(nacme_b64url_encode(data, len, want, sizeof want, &wn), 0);
        for (size_t split = 0; split <= len; split++) {
            char buf[80];
            nacme_sb_t sb;
            nacme_sb_init(&sb, buf, sizeof buf);
            nacme_sb_putc(&sb, '"');
            nacme_sb_b64_begin(&sb);
            nacme_sb_put(&sb, data, split);
            nacme_sb_put(&sb, data + split, len - split);
            nacme_sb_b64_end(&sb);
            nacme_sb_putc(&sb, '"');
            assert_int_equal(nacme_sb_status(&sb), NACME_OK);
            assert_int_equal(sb.len, wn + 2);
            assert_memory_equal(buf + 1, want, wn);
        }
    }
}

/* Two nested layers equal base64url(base64url(x)), fed byte by byte. */
static void test_nested_layers(void **state)
{
    (void)state;
    const char *inner_text = "{\"protected\":\"x\",\"payload\":\"y\"}";
    for (size_t len = 0; len <= strlen(inner_text); len++) {
        char once[64], twice[96];
        size_t n1, n2;
        assert_int_equal(nacme_b64url_encode((const uint8_t *)inner_text, len, once, sizeof once, &n1), 0);
        assert_int_equal(nacme_b64url_encode((const uint8_t *)once, n1, twice, sizeof twice, &n2), 0);
        char buf[128];
        nacme_sb_t sb;
        nacme_sb_init(&sb, buf, sizeof buf);
        nacme_sb_b64_begin(&sb);
        nacme_sb_b64_begin(&sb);
        for (size_t i = 0; i < len; i++) nacme_sb_putc(&sb, inner_text[i]);
        nacme_sb_b64_end(&sb);
        nacme_sb_b64_end(&sb);
        assert_int_equal(nacme_sb_status(&sb), NACME_OK);
        assert_int_equal(sb.len, n2);
        assert_memory_equal(buf, twice, n2);
    }
}

/* Mixed: plain text in the outer layer around an inner layer. */
static void test_layer_with_plain_parts(void **state)
{
    (void)state;
    char buf[128];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_b64_begin(&sb);
    nacme_sb_puts(&sb, "{\"a\":\"");
    nacme_sb_b64_begin(&sb);
    nacme_sb_puts(&sb, "hi");
    nacme_sb_b64_end(&sb);
    nacme_sb_puts(&sb, "\"}");
    nacme_sb_b64_end(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    /* inner: base64url("hi") = "aGk"; outer: base64url("{\"a\":\"aGk\"}") */
    char want[64];
    size_t n;
    assert_int_equal(nacme_b64url_encode((const uint8_t *)"{\"a\":\"aGk\"}", 11, want, sizeof want, &n), 0);
    assert_int_equal(sb.len, n);
    assert_memory_equal(buf, want, n);
}

static void test_layer_misuse(void **state)
{
    (void)state;
    char buf[16];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_b64_end(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_STATE);
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_b64_begin(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_STATE); /* still open */
    for (int i = 0; i < NACME_SB_B64_DEPTH; i++) nacme_sb_b64_begin(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_STATE); /* too deep */
}

/* Overflow inside a layer is reported, not silently truncated. */
static void test_layer_overflow(void **state)
{
    (void)state;
    char buf[10];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_b64_begin(&sb);
    nacme_sb_puts(&sb, "0123456789"); /* 14 characters encoded */
    nacme_sb_b64_end(&sb);
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_TOO_LARGE);
    assert_true(sb.len <= sizeof buf);
}

struct tap_log {
    char seen[128];
    size_t n;
    int fail_after;
};

static int tap(void *ctx, const uint8_t *data, size_t len)
{
    struct tap_log *t = ctx;
    if (t->fail_after >= 0 && t->n + len > (size_t)t->fail_after) return NACME_ERR_CRYPTO;
    memcpy(t->seen + t->n, data, len);
    t->n += len;
    return 0;
}

/* The tap sees exactly the stored bytes while it is set, after encoding. */
static void test_tap(void **state)
{
    (void)state;
    char buf[64];
    nacme_sb_t sb;
    struct tap_log t = {.n = 0, .fail_after = -1};
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_puts(&sb, "before,");
    nacme_sb_set_tap(&sb, tap, &t);
    nacme_sb_b64_begin(&sb);
    nacme_sb_puts(&sb, "foob");
    nacme_sb_b64_end(&sb);
    nacme_sb_set_tap(&sb, NULL, NULL);
    nacme_sb_puts(&sb, ",after");
    assert_int_equal(nacme_sb_status(&sb), NACME_OK);
    assert_int_equal(t.n, 6);
    assert_memory_equal(t.seen, "Zm9vYg", 6);
    assert_string_equal(nacme_sb_cstr(&sb), "before,Zm9vYg,after");

    /* a failing tap becomes the builder's sticky error */
    struct tap_log f = {.n = 0, .fail_after = 2};
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_set_tap(&sb, tap, &f);
    nacme_sb_puts(&sb, "abc");
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_CRYPTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_and_overflow_is_sticky),
        cmocka_unit_test(test_exact_fit_and_cstr),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_b64_layer_matches_one_shot),
        cmocka_unit_test(test_nested_layers),
        cmocka_unit_test(test_layer_with_plain_parts),
        cmocka_unit_test(test_layer_misuse),
        cmocka_unit_test(test_layer_overflow),
        cmocka_unit_test(test_tap),
    };
    return cmocka_run_group_tests_name("sb", tests, NULL, NULL);
}
