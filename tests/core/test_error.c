/* Tests for core/error.c: every code has its own text. */
#include "test_util.h"

#include "nacme_error.h"

static void test_every_code_has_distinct_text(void **state)
{
    (void)state;
    const char *unknown = nacme_strerror(-12345);
    assert_string_equal(unknown, "unknown error");
    const char *seen[256];
    size_t n = 0;
    for (int code = -130; code <= 1; code++) {
        const char *t = nacme_strerror(code);
        assert_non_null(t);
        if (t == unknown) continue;
        for (size_t i = 0; i < n; i++) assert_string_not_equal(seen[i], t);
        seen[n++] = t;
    }
    assert_true(n >= 60); /* every defined code is described */
    assert_string_equal(nacme_strerror(NACME_OK), "success");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_distinct_text),
    };
    return cmocka_run_group_tests_name("error", tests, NULL, NULL);
}
