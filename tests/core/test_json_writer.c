/*
 * Tests for core/json_writer.c: exact output (separators, escapes,
 * integers), misuse detection, overflow at every capacity, raw values through
 * a base64url layer, and the reader reading back what the writer wrote.
 */
#include "test_util.h"

#include "nacme_json.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static char out[1024];
static nacme_sb_t sb;
static nacme_jw_t w;

static void start(size_t cap)
{
    nacme_sb_init(&sb, out, cap);
    nacme_jw_init(&w, &sb);
}

static void assert_output(const char *want)
{
    assert_int_equal(nacme_jw_finish(&w), NACME_OK);
    const char *got = nacme_sb_cstr(&sb);
    assert_non_null(got);
    assert_string_equal(got, want);
}

static void test_structure(void **state)
{
    (void)state;
    start(sizeof out);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "a");
    nacme_jw_int(&w, 1);
    nacme_jw_key(&w, "b");
    nacme_jw_array_begin(&w);
    nacme_jw_bool(&w, true);
    nacme_jw_bool(&w, false);
    nacme_jw_null(&w);
    nacme_jw_string(&w, "x");
    nacme_jw_int(&w, -5);
    nacme_jw_array_end(&w);
    nacme_jw_key(&w, "c");
    nacme_jw_object_begin(&w);
    nacme_jw_object_end(&w);
    nacme_jw_key(&w, "d");
    nacme_jw_array_begin(&w);
    nacme_jw_array_end(&w);
    nacme_jw_key(&w, "e");
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "f");
    nacme_jw_array_begin(&w);
    nacme_jw_array_begin(&w);
    nacme_jw_array_end(&w);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "g");
    nacme_jw_null(&w);
    nacme_jw_object_end(&w);
    nacme_jw_array_end(&w);
    nacme_jw_object_end(&w);
    nacme_jw_object_end(&w);
    assert_output("{\"a\":1,\"b\":[true,false,null,\"x\",-5],\"c\":{},\"d\":[],\"e\":{\"f\":[[],{\"g\":null}]}}");
}

/* A newOrder payload as the engine writes it, read back by the reader. */
static void test_new_order_round_trip(void **state)
{
    (void)state;
    static const char *const names[] = {"example.org", "*.example.org", "xn--bcher-kva.example"};
    start(sizeof out);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "identifiers");
    nacme_jw_array_begin(&w);
    for (size_t i = 0; i < ARRAY_LEN(names); i++) {
        nacme_jw_object_begin(&w);
        nacme_jw_key(&w, "type");
        nacme_jw_string(&w, "dns");
        nacme_jw_key(&w, "value");
        nacme_jw_string(&w, names[i]);
        nacme_jw_object_end(&w);
    }
    nacme_jw_array_end(&w);
    nacme_jw_key(&w, "profile");
    nacme_jw_string(&w, "shortlived");
    nacme_jw_object_end(&w);
    assert_output("{\"identifiers\":[{\"type\":\"dns\",\"value\":\"example.org\"},{\"type\":\"dns\",\"value\":"
                  "\"*.example.org\"},{\"type\":\"dns\",\"value\":\"xn--bcher-kva.example\"}],\"profile\":\"shortlived\"}");

    nacme_json_t j;
    jsmntok_t toks[32];
    nacme_json_init(&j, toks, 32);
    assert_int_equal(nacme_json_parse(&j, out, sb.len), NACME_OK);
    int ids = nacme_json_get_typed(&j, 0, "identifiers", NACME_JSON_ARRAY);
    size_t n = 0;
    for (int e = nacme_json_first(&j, ids); e >= 0; e = nacme_json_next(&j, ids, e), n++) {
        assert_true(nacme_json_streq(&j, nacme_json_get(&j, e, "value"), names[n]));
    }
    assert_int_equal(n, 3);
    assert_true(nacme_json_streq(&j, nacme_json_get(&j, 0, "profile"), "shortlived"));
}

static void test_escapes(void **state)
{
    (void)state;
    start(sizeof out);
    nacme_jw_array_begin(&w);
    nacme_jw_string(&w, "q\"b\\s/");
    nacme_jw_string(&w, "\b\f\n\r\t");
    nacme_jw_string(&w, "\x01\x02\x1f\x7f");
    nacme_jw_stringn(&w, "a\0b", 3);
    nacme_jw_string(&w, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"); /* UTF-8 kept as is */
    nacme_jw_string(&w, "");
    nacme_jw_stringn(&w, "cut", 2);
    nacme_jw_array_end(&w);
    assert_output("[\"q\\\"b\\\\s/\",\"\\b\\f\\n\\r\\t\",\"\\u0001\\u0002\\u001f\x7f\",\"a\\u0000b\","
                  "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\",\"\",\"cu\"]");

    /* keys are escaped the same way */
    start(sizeof out);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "k\"\n\x1b");
    nacme_jw_int(&w, 0);
    nacme_jw_object_end(&w);
    assert_output("{\"k\\\"\\n\\u001b\":0}");
}

/* Every control character, each alone, has its exact escape. */
static void test_every_control_character(void **state)
{
    (void)state;
    static const char hex[] = "0123456789abcdef";
    for (unsigned c = 0; c < 0x20; c++) {
        char in = (char)c, want[16];
        const char *shortesc = c == '\b' ? "b" : c == '\f' ? "f" : c == '\n' ? "n" : c == '\r' ? "r" : c == '\t' ? "t" : NULL;
        if (shortesc != NULL) snprintf(want, sizeof want, "\"\\%s\"", shortesc);
        else snprintf(want, sizeof want, "\"\\u00%c%c\"", hex[c >> 4], hex[c & 15]);
        start(sizeof out);
        nacme_jw_stringn(&w, &in, 1);
        assert_output(want);
    }
}

/* Strings of every byte value the reader accepts come back unchanged. */
static void test_string_round_trip(void **state)
{
    (void)state;
    char s[200];
    size_t n = 0;
    for (unsigned c = 1; c < 0x80; c++) s[n++] = (char)c;
    memcpy(s + n, "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf", 18);
    n += 18;
    s[n] = '\0';
    start(sizeof out);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, s);
    nacme_jw_string(&w, s);
    nacme_jw_object_end(&w);
    assert_int_equal(nacme_jw_finish(&w), NACME_OK);

    nacme_json_t j;
    jsmntok_t toks[4];
    char back[256];
    size_t m;
    nacme_json_init(&j, toks, 4);
    assert_int_equal(nacme_json_parse(&j, out, sb.len), NACME_OK);
    assert_int_equal(nacme_json_string(&j, 1, back, sizeof back, &m), NACME_OK);
    assert_int_equal(m, n);
    assert_memory_equal(back, s, n);
    int v = nacme_json_get(&j, 0, s);
    assert_int_equal(v, 2);
    assert_int_equal(nacme_json_string(&j, v, back, sizeof back, &m), NACME_OK);
    assert_int_equal(m, n);
    assert_memory_equal(back, s, n);
}

static void test_integers(void **state)
{
    (void)state;
    start(sizeof out);
    nacme_jw_array_begin(&w);
    nacme_jw_int(&w, 0);
    nacme_jw_int(&w, -1);
    nacme_jw_int(&w, 400);
    nacme_jw_int(&w, INT64_MAX);
    nacme_jw_int(&w, INT64_MIN);
    nacme_jw_array_end(&w);
    assert_output("[0,-1,400,9223372036854775807,-9223372036854775808]");

    nacme_json_t j;
    jsmntok_t toks[8];
    int64_t v;
    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_parse(&j, out, sb.len), NACME_OK);
    assert_int_equal(nacme_json_int(&j, 4, &v), NACME_OK);
    assert_true(v == INT64_MAX);
    assert_int_equal(nacme_json_int(&j, 5, &v), NACME_OK);
    assert_true(v == INT64_MIN);
}

/* A single scalar is a complete document. */
static void test_top_level_scalars(void **state)
{
    (void)state;
    start(sizeof out);
    nacme_jw_string(&w, "alone");
    assert_output("\"alone\"");
    start(sizeof out);
    nacme_jw_int(&w, 7);
    assert_output("7");
    start(sizeof out);
    nacme_jw_null(&w);
    assert_output("null");
    start(sizeof out);
    nacme_jw_bool(&w, true);
    assert_output("true");
}

/* Each misuse is NACME_ERR_STATE (or NACME_ERR_ARG), sticky, and nothing is written after it. */
static void test_misuse(void **state)
{
    (void)state;
    enum { OB, OE, AB, AE, K, S, I, RB, RE, NUL_S, NUL_K, END };
    static const struct {
        int ops[8];
        int err;
    } cases[] = {
        {{OB, S, END}, NACME_ERR_STATE},           /* value without a key */
        {{OB, I, END}, NACME_ERR_STATE},
        {{OB, AB, END}, NACME_ERR_STATE},
        {{AB, K, END}, NACME_ERR_STATE},           /* key in an array */
        {{K, END}, NACME_ERR_STATE},               /* key at top level */
        {{OB, K, K, END}, NACME_ERR_STATE},        /* two keys */
        {{OB, K, OE, END}, NACME_ERR_STATE},       /* key without value */
        {{OB, END}, NACME_ERR_STATE},              /* unbalanced at finish */
        {{AB, AB, AE, END}, NACME_ERR_STATE},
        {{OE, END}, NACME_ERR_STATE},              /* end without begin */
        {{AE, END}, NACME_ERR_STATE},
        {{OB, AE, END}, NACME_ERR_STATE},          /* mismatched end */
        {{AB, OE, END}, NACME_ERR_STATE},
        {{AB, AE, AE, END}, NACME_ERR_STATE},
        {{I, I, END}, NACME_ERR_STATE},            /* two top-level values */
        {{OB, OE, AB, AE, END}, NACME_ERR_STATE},
        {{END}, NACME_ERR_STATE},                  /* nothing written */
        {{RE, END}, NACME_ERR_STATE},              /* raw end without begin */
        {{RB, END}, NACME_ERR_STATE},              /* raw not ended */
        {{AB, RB, I, RE, AE, END}, NACME_ERR_STATE}, /* a value inside raw */
        {{OB, K, RB, K, END}, NACME_ERR_STATE},
        {{AB, RB, AE, END}, NACME_ERR_STATE},
        {{OB, RB, END}, NACME_ERR_STATE},          /* raw value without a key */
        {{AB, NUL_S, AE, END}, NACME_ERR_ARG},
        {{OB, NUL_K, END}, NACME_ERR_ARG},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        start(sizeof out);
        size_t len_at_error = 0;
        bool failed = false;
        for (const int *op = cases[i].ops; *op != END; op++) {
            switch (*op) {
            case OB: nacme_jw_object_begin(&w); break;
            case OE: nacme_jw_object_end(&w); break;
            case AB: nacme_jw_array_begin(&w); break;
            case AE: nacme_jw_array_end(&w); break;
            case K: nacme_jw_key(&w, "k"); break;
            case S: nacme_jw_string(&w, "s"); break;
            case I: nacme_jw_int(&w, 1); break;
            case RB: nacme_jw_raw_begin(&w); break;
            case RE: nacme_jw_raw_end(&w); break;
            case NUL_S: nacme_jw_string(&w, NULL); break;
            case NUL_K: nacme_jw_key(&w, NULL); break;
            default: break;
            }
            if (!failed && sb.err != NACME_OK) {
                failed = true;
                len_at_error = sb.len;
            }
        }
        if (nacme_jw_finish(&w) != cases[i].err) fail_msg("misuse case %zu: %d", i, nacme_jw_finish(&w));
        if (!failed) continue; /* found by nacme_jw_finish() only (incomplete document) */
        /* sticky: the calls after the misuse wrote nothing, nor do further ones */
        assert_int_equal(sb.len, len_at_error);
        nacme_jw_array_begin(&w);
        nacme_jw_int(&w, 5);
        assert_int_equal(sb.len, len_at_error);
        assert_int_equal(nacme_jw_finish(&w), cases[i].err);
    }
}

/* 31 levels of nesting are written, a 32nd is misuse. */
static void test_depth(void **state)
{
    (void)state;
    char want[64];
    start(sizeof out);
    for (int i = 0; i < 31; i++) nacme_jw_array_begin(&w);
    for (int i = 0; i < 31; i++) nacme_jw_array_end(&w);
    memset(want, '[', 31);
    memset(want + 31, ']', 31);
    want[62] = '\0';
    assert_output(want);
    start(sizeof out);
    for (int i = 0; i < 32; i++) nacme_jw_array_begin(&w);
    for (int i = 0; i < 32; i++) nacme_jw_array_end(&w);
    assert_int_equal(nacme_jw_finish(&w), NACME_ERR_STATE);
}

static void write_sample(void)
{
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "contact");
    nacme_jw_array_begin(&w);
    nacme_jw_string(&w, "mailto:ops@example.net");
    nacme_jw_array_end(&w);
    nacme_jw_key(&w, "termsOfServiceAgreed");
    nacme_jw_bool(&w, true);
    nacme_jw_key(&w, "n");
    nacme_jw_int(&w, -12345);
    nacme_jw_object_end(&w);
}

/* Overflow at every capacity short of the need is NACME_ERR_TOO_LARGE, never a partial success. */
static void test_overflow(void **state)
{
    (void)state;
    static const char want[] = "{\"contact\":[\"mailto:ops@example.net\"],\"termsOfServiceAgreed\":true,\"n\":-12345}";
    for (size_t cap = 0; cap < sizeof want - 1; cap++) {
        char *buf = malloc(cap ? cap : 1);
        nacme_sb_init(&sb, buf, cap);
        nacme_jw_init(&w, &sb);
        write_sample();
        assert_int_equal(nacme_jw_finish(&w), NACME_ERR_TOO_LARGE);
        assert_true(sb.len <= cap);
        free(buf);
    }
    char *buf = malloc(sizeof want - 1);
    nacme_sb_init(&sb, buf, sizeof want - 1);
    nacme_jw_init(&w, &sb);
    write_sample();
    assert_int_equal(nacme_jw_finish(&w), NACME_OK);
    assert_memory_equal(buf, want, sizeof want - 1);
    free(buf);
    /* the first error wins: overflow, then misuse */
    char small[4];
    nacme_sb_init(&sb, small, sizeof small);
    nacme_jw_init(&w, &sb);
    write_sample();
    nacme_jw_object_end(&w);
    assert_int_equal(nacme_jw_finish(&w), NACME_ERR_TOO_LARGE);
}

/* A raw value: a JWS member whose value is base64url of a JSON object written by a second writer. */
static void test_raw_value(void **state)
{
    (void)state;
    nacme_jw_t inner;
    start(sizeof out);
    nacme_jw_object_begin(&w);
    nacme_jw_key(&w, "protected");
    nacme_jw_raw_begin(&w);
    nacme_sb_putc(&sb, '"');
    nacme_sb_b64_begin(&sb);
    nacme_jw_init(&inner, &sb);
    nacme_jw_object_begin(&inner);
    nacme_jw_key(&inner, "alg");
    nacme_jw_string(&inner, "ES256");
    nacme_jw_object_end(&inner);
    /* complete inside the builder's open layer (a JWS payload is written this way) */
    assert_int_equal(nacme_jw_finish(&inner), NACME_OK);
    assert_int_equal(nacme_sb_status(&sb), NACME_ERR_STATE); /* the layer itself is still open */
    nacme_sb_b64_end(&sb);
    assert_int_equal(nacme_jw_finish(&inner), NACME_OK);
    nacme_sb_putc(&sb, '"');
    nacme_jw_raw_end(&w);
    nacme_jw_key(&w, "payload");
    nacme_jw_string(&w, "");
    nacme_jw_key(&w, "list");
    nacme_jw_array_begin(&w);
    nacme_jw_raw_begin(&w);
    nacme_sb_puts(&sb, "1");
    nacme_jw_raw_end(&w);
    nacme_jw_raw_begin(&w);
    nacme_sb_puts(&sb, "2");
    nacme_jw_raw_end(&w);
    nacme_jw_array_end(&w);
    nacme_jw_object_end(&w);
    /* base64url of {"alg":"ES256"} */
    assert_output("{\"protected\":\"eyJhbGciOiJFUzI1NiJ9\",\"payload\":\"\",\"list\":[1,2]}");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_new_order_round_trip),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_every_control_character),
        cmocka_unit_test(test_string_round_trip),
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_raw_value),
    };
    return cmocka_run_group_tests_name("json_writer", tests, NULL, NULL);
}
