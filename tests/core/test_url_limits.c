/*
 * core/url.c compiled into this test with NACME_URL_MAX 512: with the
 * default of 256, no URL can carry a host longer than NACME_HOST_MAX (253),
 * so the host limit is only reachable in a build that raises NACME_URL_MAX.
 * (This test's object defines the nacme_url_* symbols, so the library's copy
 * is not linked in.)
 */
#define NACME_URL_MAX 512
#include "url.c"

#include "test_util.h"

/* "https://" + host of host_len (labels of 50 and dots) + "/x", at the end of a heap block. */
static int parse_host(size_t host_len, char brackets, nacme_url_t *u)
{
    char buf[NACME_URL_MAX + 16];
    size_t o = 0;
    memcpy(buf, "https://", 8);
    o = 8;
    if (brackets) buf[o++] = '[';
    for (size_t i = 0; i < host_len; i++) buf[o++] = (i % 51 == 50) ? (brackets ? ':' : '.') : 'a';
    if (brackets) buf[o++] = ']';
    buf[o++] = '/';
    buf[o++] = 'x';
    char *c = test_tight_copy(buf, o);
    int rc = nacme_url_parse(c, o, u);
    free(c);
    return rc;
}

static void test_host_limit(void **state)
{
    (void)state;
    nacme_url_t u;
    assert_int_equal(parse_host(NACME_HOST_MAX, 0, &u), NACME_OK);
    assert_int_equal(u.host_len, NACME_HOST_MAX);
    assert_int_equal(u.path_len, 2);
    assert_int_equal(parse_host(NACME_HOST_MAX + 1, 0, &u), NACME_ERR_TOO_LARGE);
    assert_int_equal(parse_host(400, 0, &u), NACME_ERR_TOO_LARGE);
    /* too large is found before the host's characters are checked */
    assert_int_equal(parse_host(NACME_HOST_MAX + 1, 1, &u), NACME_ERR_TOO_LARGE);
    assert_int_equal(parse_host(NACME_HOST_MAX, 1, &u), NACME_ERR_URL);
    /* the URL limit itself */
    assert_int_equal(parse_host(NACME_URL_MAX - 10, 0, &u), NACME_ERR_TOO_LARGE);
    assert_int_equal(parse_host(NACME_URL_MAX - 9, 0, &u), NACME_ERR_TOO_LARGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_limit),
    };
    return cmocka_run_group_tests_name("url_limits", tests, NULL, NULL);
}
