/* Tests for core/http_request.c: exact request bytes, Host forms, injection, buffer bounds. */
#include "test_util.h"

#include "nacme_http.h"

static int write_req(const nacme_http_request_t *r, char *buf, size_t cap, size_t *len)
{
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, cap);
    int rc = nacme_http_write_request(&sb, r);
    *len = sb.len;
    return rc;
}

static void expect_request(const nacme_http_request_t *r, const char *want)
{
    char buf[1024];
    size_t len;
    assert_int_equal(write_req(r, buf, sizeof buf, &len), NACME_OK);
    buf[len] = '\0';
    assert_string_equal(buf, want);
}

static void test_post_jose(void **state)
{
    (void)state;
    nacme_http_request_t r = {
        .method = "POST",
        .host = "acme-v02.api.letsencrypt.org",
        .port = 443,
        .path = "/acme/new-order",
        .content_type = "application/jose+json",
        .content_length = 1234,
    };
    expect_request(&r, "POST /acme/new-order HTTP/1.1\r\n"
                       "Host: acme-v02.api.letsencrypt.org\r\n"
                       "User-Agent: nanoacme/" NACME_VERSION "\r\n"
                       "Content-Type: application/jose+json\r\n"
                       "Content-Length: 1234\r\n"
                       "\r\n");
    /* certificate download: Accept, and a zero length */
    r.path = "/acme/cert/mAt3xBGaobw";
    r.accept = "application/pem-certificate-chain";
    r.content_length = 0;
    expect_request(&r, "POST /acme/cert/mAt3xBGaobw HTTP/1.1\r\n"
                       "Host: acme-v02.api.letsencrypt.org\r\n"
                       "User-Agent: nanoacme/" NACME_VERSION "\r\n"
                       "Accept: application/pem-certificate-chain\r\n"
                       "Content-Type: application/jose+json\r\n"
                       "Content-Length: 0\r\n"
                       "\r\n");
}

static void test_get_head_and_host_forms(void **state)
{
    (void)state;
    nacme_http_request_t r = {.method = "GET", .host = "localhost", .port = 14000, .path = "/dir"};
    expect_request(&r, "GET /dir HTTP/1.1\r\nHost: localhost:14000\r\nUser-Agent: nanoacme/" NACME_VERSION
                       "\r\n\r\n");
    r.method = "HEAD";
    r.path = "/nonce-plz";
    r.host = "127.0.0.1";
    r.port = 80;
    expect_request(&r, "HEAD /nonce-plz HTTP/1.1\r\nHost: 127.0.0.1:80\r\nUser-Agent: nanoacme/" NACME_VERSION
                       "\r\n\r\n");
    /* IPv6 literals go in brackets, with or without a port */
    r.host = "::1";
    r.port = 14000;
    expect_request(&r, "HEAD /nonce-plz HTTP/1.1\r\nHost: [::1]:14000\r\nUser-Agent: nanoacme/" NACME_VERSION
                       "\r\n\r\n");
    r.host = "2001:db8::7";
    r.port = 443;
    r.path = "/renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE?x=1";
    expect_request(&r, "HEAD /renewal-info/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE?x=1 HTTP/1.1\r\n"
                       "Host: [2001:db8::7]\r\nUser-Agent: nanoacme/" NACME_VERSION "\r\n\r\n");
    /* the highest port; a content type with parameters and HTAB is a valid value */
    r.host = "ca.example";
    r.port = 65535;
    r.path = "/";
    r.method = "POST";
    r.content_type = "application/json;\tcharset=utf-8";
    r.content_length = 2;
    expect_request(&r, "POST / HTTP/1.1\r\nHost: ca.example:65535\r\nUser-Agent: nanoacme/" NACME_VERSION
                       "\r\nContent-Type: application/json;\tcharset=utf-8\r\nContent-Length: 2\r\n\r\n");
}

/* Host and path given as spans into a longer string (the engine's URL pool). */
static void test_host_and_path_spans(void **state)
{
    (void)state;
    const char *url = "https://[::1]:14000/order-plz#frag";
    nacme_http_request_t r = {.method = "GET", .host = url + 9, .host_len = 3, .port = 14000,
                              .path = url + 19, .path_len = 10};
    expect_request(&r, "GET /order-plz HTTP/1.1\r\nHost: [::1]:14000\r\nUser-Agent: nanoacme/" NACME_VERSION
                       "\r\n\r\n");
    /* a span that covers a forbidden character is still refused */
    r.path = "/a b";
    r.path_len = 4;
    char buf[256];
    size_t len;
    assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
}

static void test_invalid_fields(void **state)
{
    (void)state;
    const nacme_http_request_t good = {.method = "POST",
                                       .host = "example.com",
                                       .port = 443,
                                       .path = "/acme/x",
                                       .content_type = "application/jose+json",
                                       .accept = "application/json",
                                       .content_length = 5};
    char buf[512];
    size_t len;
    assert_int_equal(write_req(&good, buf, sizeof buf, &len), NACME_OK);

    static const char *const bad_method[] = {"", "GE T", "GET\r\n", "GET\n", "G(T", "G\x01T", "GET/"};
    static const char *const bad_host[] = {"", "exa mple.com", "example.com\r\nX-Injected: 1", "a\nb",
                                           "a\rb", "a\tb", "a\x7f"};
    static const char *const bad_path[] = {"", "acme/x", "/a b", "/a\r\nX: y", "/a\n", "/a\r",
                                           "/\t", "/\x1b", "http://example.com/"};
    static const char *const bad_value[] = {"application/json\r\nX-Injected: 1", "a\nb", "a\rb",
                                            "a\x01", "a\x7f"};
    for (size_t i = 0; i < sizeof bad_method / sizeof bad_method[0]; i++) {
        nacme_http_request_t r = good;
        r.method = bad_method[i];
        assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
        assert_int_equal(len, 0); /* nothing written */
    }
    for (size_t i = 0; i < sizeof bad_host / sizeof bad_host[0]; i++) {
        nacme_http_request_t r = good;
        r.host = bad_host[i];
        assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    }
    for (size_t i = 0; i < sizeof bad_path / sizeof bad_path[0]; i++) {
        nacme_http_request_t r = good;
        r.path = bad_path[i];
        assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    }
    for (size_t i = 0; i < sizeof bad_value / sizeof bad_value[0]; i++) {
        nacme_http_request_t r = good;
        r.accept = bad_value[i];
        assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
        r = good;
        r.content_type = bad_value[i];
        assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    }
    /* missing fields, port 0 */
    nacme_http_request_t r = good;
    r.method = NULL;
    assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    r = good;
    r.host = NULL;
    assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    r = good;
    r.path = NULL;
    assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    r = good;
    r.port = 0;
    assert_int_equal(write_req(&r, buf, sizeof buf, &len), NACME_ERR_ARG);
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    assert_int_equal(nacme_http_write_request(&sb, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_http_write_request(NULL, &good), NACME_ERR_ARG);
}

/* A buffer of exactly the request's size works; one byte less is NACME_ERR_TOO_LARGE, never an overflow. */
static void test_buffer_bounds(void **state)
{
    (void)state;
    const nacme_http_request_t r = {.method = "POST",
                                    .host = "::1",
                                    .port = 14000,
                                    .path = "/my-order/abc",
                                    .content_type = "application/jose+json",
                                    .accept = "application/json",
                                    .content_length = 987654321};
    char ref[512];
    size_t need;
    assert_int_equal(write_req(&r, ref, sizeof ref, &need), NACME_OK);
    for (size_t cap = 0; cap <= need; cap++) {
        char *buf = malloc(cap ? cap : 1);
        size_t len;
        int rc = write_req(&r, buf, cap, &len);
        if (cap == need) {
            assert_int_equal(rc, NACME_OK);
            assert_memory_equal(buf, ref, need);
        } else {
            assert_int_equal(rc, NACME_ERR_TOO_LARGE);
            assert_true(len <= cap);
        }
        free(buf);
    }
    /* appended after what the builder already holds */
    char buf[512];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    nacme_sb_puts(&sb, "prefix|");
    assert_int_equal(nacme_http_write_request(&sb, &r), NACME_OK);
    assert_int_equal(sb.len, 7 + need);
    assert_memory_equal(buf + 7, ref, need);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_jose),
        cmocka_unit_test(test_get_head_and_host_forms),
        cmocka_unit_test(test_host_and_path_spans),
        cmocka_unit_test(test_invalid_fields),
        cmocka_unit_test(test_buffer_bounds),
    };
    return cmocka_run_group_tests_name("http_request", tests, NULL, NULL);
}
