/* Tests for core/http_headers.c: names, media types, Retry-After, Link (RFC 8288). */
#include "test_util.h"

#include "nacme_http.h"
#include "nacme_time.h"

/* Helpers take (pointer, length): give them tight copies so ASan sees over-reads. */
#define TIGHT(s) ((const char *)test_tight_copy((s), strlen(s)))

static bool media_is(const char *value, const char *expected)
{
    char *v = (char *)TIGHT(value);
    bool r = nacme_http_media_type_is(v, strlen(value), expected);
    free(v);
    return r;
}

static void test_name_is(void **state)
{
    (void)state;
    assert_true(nacme_http_name_is("Replay-Nonce", 12, "replay-nonce"));
    assert_true(nacme_http_name_is("REPLAY-NONCE", 12, "Replay-Nonce"));
    assert_false(nacme_http_name_is("Replay-Nonc", 11, "replay-nonce"));
    assert_false(nacme_http_name_is("Replay-Nonces", 13, "replay-nonce"));
    assert_false(nacme_http_name_is("Replay_Nonce", 12, "replay-nonce"));
    /* the length counts, not a NUL */
    assert_true(nacme_http_name_is("Location: x", 8, "location"));
    assert_true(nacme_http_name_is("", 0, ""));
    assert_false(nacme_http_name_is(NULL, 0, "x"));
    assert_false(nacme_http_name_is("x", 1, NULL));
    /* '@' and '`' differ from letters by the case bit only: not equal */
    assert_false(nacme_http_name_is("@", 1, "`"));
    assert_false(nacme_http_name_is("[", 1, "{"));
}

static void test_media_type(void **state)
{
    (void)state;
    assert_true(media_is("application/json", "application/json"));
    assert_true(media_is("application/json; charset=utf-8", "application/json"));
    assert_true(media_is("Application/JSON;charset=utf-8", "application/json"));
    assert_true(media_is(" application/json \t; charset=\"utf-8\"", "application/json"));
    assert_true(media_is("application/problem+json", "application/problem+json"));
    assert_true(media_is("application/problem+json; charset=utf-8", "application/problem+json"));
    assert_true(media_is("application/pem-certificate-chain", "application/pem-certificate-chain"));
    assert_true(media_is("application/pem-certificate-chain; charset=utf-8", "application/pem-certificate-chain"));
    assert_false(media_is("application/jsonx", "application/json"));
    assert_false(media_is("application/json+x", "application/json"));
    assert_false(media_is("application/jso", "application/json"));
    assert_false(media_is("application/problem+json", "application/json"));
    assert_false(media_is("text/json", "application/json"));
    assert_false(media_is("", "application/json"));
    assert_false(media_is("; application/json", "application/json"));
    assert_false(media_is("application/ json", "application/json"));
    assert_false(nacme_http_media_type_is(NULL, 0, "application/json"));
}

static int retry(const char *v, int64_t now, int64_t *s)
{
    char *c = (char *)TIGHT(v);
    int rc = nacme_http_retry_after(c, strlen(v), now, s);
    free(c);
    return rc;
}

static void test_retry_after(void **state)
{
    (void)state;
    int64_t s = -1;
    const int64_t y2k_eve = 946684799; /* Fri, 31 Dec 1999 23:59:59 GMT */
    assert_int_equal(nacme_time_from_civil(1999, 12, 31, 23, 59, 59), y2k_eve);
    assert_int_equal(retry("120", 0, &s), NACME_OK);
    assert_int_equal(s, 120);
    assert_int_equal(retry(" 120\t", 5, &s), NACME_OK); /* OWS around the value */
    assert_int_equal(s, 120);
    assert_int_equal(retry("0", 0, &s), NACME_OK);
    assert_int_equal(s, 0);
    assert_int_equal(retry("9223372036854775807", 0, &s), NACME_OK);
    assert_int_equal(s, INT64_MAX);
    /* an HTTP-date: seconds after now, 0 once past */
    assert_int_equal(retry("Fri, 31 Dec 1999 23:59:59 GMT", y2k_eve - 120, &s), NACME_OK);
    assert_int_equal(s, 120);
    assert_int_equal(retry("Fri, 31 Dec 1999 23:59:59 GMT", y2k_eve, &s), NACME_OK);
    assert_int_equal(s, 0);
    assert_int_equal(retry("Fri, 31 Dec 1999 23:59:59 GMT", y2k_eve + 3600, &s), NACME_OK);
    assert_int_equal(s, 0);
    assert_int_equal(retry("Sun, 06 Nov 1994 08:49:37 GMT", 0, &s), NACME_OK);
    assert_int_equal(s, 784111777);
    /* now far in the past: no overflow */
    assert_int_equal(retry("Sun, 06 Nov 1994 08:49:37 GMT", INT64_MIN, &s), NACME_OK);
    assert_int_equal(s, INT64_MAX);
    assert_int_equal(retry("Sun, 06 Nov 1994 08:49:37 GMT", INT64_MAX, &s), NACME_OK);
    assert_int_equal(s, 0);

    static const char *const bad[] = {"",       " ",     "-5",    "+5",   "12a",  "1 2", "1.5",
                                      "0x10",   "9223372036854775808", "18446744073709551616",
                                      "Fri, 31 Dec 1999 23:59:59 UTC", "Fri, 31 Dec 1999 24:00:00 GMT",
                                      "Fri, 32 Dec 1999 23:59:59 GMT", "tomorrow"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s = 77;
        assert_int_equal(retry(bad[i], 0, &s), NACME_ERR_TIME);
        assert_int_equal(s, 77); /* untouched on error */
    }
    assert_int_equal(nacme_http_retry_after(NULL, 0, 0, &s), NACME_ERR_ARG);
    assert_int_equal(nacme_http_retry_after("1", 1, 0, NULL), NACME_ERR_ARG);
}

/* All links of a header value as "url|rel;" (rel "-" when absent), or "ERR" after an error. */
static void links_of(const char *value, char *out, size_t cap)
{
    char *v = (char *)TIGHT(value);
    size_t len = strlen(value), pos = 0;
    nacme_http_link_t l;
    int rc;
    out[0] = '\0';
    for (int guard = 0; guard < 100 && (rc = nacme_http_link_next(v, len, &pos, &l)) == NACME_OK; guard++) {
        assert_true(pos <= len);
        snprintf(out + strlen(out), cap - strlen(out), "%.*s|%.*s;", (int)l.url_len, l.url,
                 l.rel ? (int)l.rel_len : 1, l.rel ? l.rel : "-");
    }
    if (rc == NACME_ERR_HTTP_HEADER) snprintf(out + strlen(out), cap - strlen(out), "ERR");
    else assert_int_equal(rc, NACME_ERR_NOT_FOUND);
    free(v);
}

static void expect_links(const char *value, const char *want)
{
    char got[512];
    links_of(value, got, sizeof got);
    assert_string_equal(got, want);
}

static void test_link_next(void **state)
{
    (void)state;
    /* ACME headers */
    expect_links("<https://example.com/acme/directory>;rel=\"index\"", "https://example.com/acme/directory|index;");
    expect_links("<https://example.com/acme/cert/mAt3xBGaobw/1>;rel=\"alternate\"",
                 "https://example.com/acme/cert/mAt3xBGaobw/1|alternate;");
    expect_links("<https://example.com/acme/authz/1234>;rel=up", "https://example.com/acme/authz/1234|up;");
    expect_links("<https://example.com/acme/terms/2017-5-30>;rel=\"terms-of-service\"",
                 "https://example.com/acme/terms/2017-5-30|terms-of-service;");
    /* several per header, OWS, empty list elements */
    expect_links("<https://a/1>;rel=\"alternate\", <https://a/2> ; rel = alternate ,,<https://a/3>;rel=index",
                 "https://a/1|alternate;https://a/2|alternate;https://a/3|index;");
    expect_links(" , <u>; rel=up ,", "u|up;");
    /* other parameters are skipped: quoted strings with commas, semicolons and escaped quotes */
    expect_links("<u1>; title=\"a, b; c\"; rel=\"next\", <u2>; title=\"say \\\"hi\\\", ok\"; rel=prev",
                 "u1|next;u2|prev;");
    expect_links("<u>; anchor=\"#x\"; rel=\"up\"; type=\"text/html\"", "u|up;");
    expect_links("<u>; crossorigin; rel=up", "u|up;"); /* a parameter without a value */
    expect_links("<u>; title*=UTF-8'de'n%c3%a4chstes; rel=next", "u|next;");
    /* several relations; the first rel only; REL's case; an empty rel; no rel */
    expect_links("<u>; rel=\"alternate up\"", "u|alternate up;");
    expect_links("<u>; rel=up; rel=index", "u|up;");
    expect_links("<u>; REL=up", "u|up;");
    expect_links("<u>; rel=\"\"", "u|;");
    expect_links("<u>", "u|-;");
    expect_links("<>;rel=self", "|self;");
    expect_links("", "");
    expect_links("  ,  ", "");

    /* malformed: each reported, after the good links before it */
    expect_links("https://a/1; rel=up", "ERR");
    expect_links("<https://a/1; rel=up", "ERR");
    expect_links("<u1>;rel=up, u2", "u1|up;ERR");
    expect_links("<u>; rel=\"up", "ERR");          /* unterminated quote */
    expect_links("<u>; rel=\"up\\\"", "ERR");      /* the closing quote is escaped */
    expect_links("<u>; rel=\"up\\", "ERR");        /* a backslash at the very end */
    expect_links("<u>; rel=", "ERR");
    expect_links("<u>; rel=, <v>", "ERR");
    expect_links("<u>; =up", "ERR");
    expect_links("<u>;", "ERR");
    expect_links("<u> rel=up", "ERR");
    expect_links("<u>; rel=up x", "ERR");
    expect_links("<u>; rel=\"up\"x", "ERR");
    expect_links("<u>; r@l=up", "ERR");

    nacme_http_link_t l;
    size_t pos = 0;
    assert_int_equal(nacme_http_link_next(NULL, 0, &pos, &l), NACME_ERR_ARG);
    assert_int_equal(nacme_http_link_next("<u>", 3, NULL, &l), NACME_ERR_ARG);
    assert_int_equal(nacme_http_link_next("<u>", 3, &pos, NULL), NACME_ERR_ARG);
    pos = 4;
    assert_int_equal(nacme_http_link_next("<u>", 3, &pos, &l), NACME_ERR_ARG);
    /* pos walks the value */
    pos = 0;
    const char *v = "<a>;rel=x, <b>";
    assert_int_equal(nacme_http_link_next(v, strlen(v), &pos, &l), NACME_OK);
    assert_int_equal(pos, 9);
    assert_int_equal(nacme_http_link_next(v, strlen(v), &pos, &l), NACME_OK);
    assert_int_equal(pos, strlen(v));
    assert_ptr_equal(l.url, v + 12);
    assert_null(l.rel);
    assert_int_equal(nacme_http_link_next(v, strlen(v), &pos, &l), NACME_ERR_NOT_FOUND);
}

static bool has_rel(const char *value, const char *relation)
{
    char *v = (char *)TIGHT(value);
    size_t pos = 0;
    nacme_http_link_t l;
    assert_int_equal(nacme_http_link_next(v, strlen(value), &pos, &l), NACME_OK);
    bool r = nacme_http_link_has_rel(&l, relation);
    free(v);
    return r;
}

static void test_link_has_rel(void **state)
{
    (void)state;
    assert_true(has_rel("<u>;rel=\"alternate\"", "alternate"));
    assert_true(has_rel("<u>;rel=\"ALTERNATE\"", "alternate"));
    assert_true(has_rel("<u>;rel=\"index alternate  up\"", "alternate"));
    assert_true(has_rel("<u>;rel=\"index alternate  up\"", "up"));
    assert_true(has_rel("<u>;rel=\"index alternate  up\"", "index"));
    assert_true(has_rel("<u>;rel=\" up \"", "up"));
    assert_true(has_rel("<u>;rel=up", "UP"));
    assert_false(has_rel("<u>;rel=\"index alternate  up\"", "alt"));
    assert_false(has_rel("<u>;rel=\"alternates\"", "alternate"));
    assert_false(has_rel("<u>;rel=\"terms-of-service\"", "terms"));
    assert_true(has_rel("<u>;rel=\"terms-of-service\"", "terms-of-service"));
    assert_false(has_rel("<u>;rel=\"\"", "up"));
    assert_false(has_rel("<u>;rel=\"\"", ""));
    assert_false(has_rel("<u>;rel=\" up  index \"", "")); /* no empty relation between the spaces */
    assert_false(has_rel("<u>;title=up", "up"));
    assert_false(nacme_http_link_has_rel(NULL, "up"));
    nacme_http_link_t l = {"u", 1, "up", 2};
    assert_false(nacme_http_link_has_rel(&l, NULL));
    assert_true(nacme_http_link_has_rel(&l, "up"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_is),      cmocka_unit_test(test_media_type),
        cmocka_unit_test(test_retry_after),  cmocka_unit_test(test_link_next),
        cmocka_unit_test(test_link_has_rel),
    };
    return cmocka_run_group_tests_name("http_headers", tests, NULL, NULL);
}
