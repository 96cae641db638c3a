/*
 * Tests for core/json.c: the validating incremental parser (edge cases and
 * the corpus in tests/vectors/json, fed whole, one byte at a time and split
 * at every offset), the accessors, and the fields an ACME client reads from
 * RFC 8555, Let's Encrypt and Pebble documents.
 */
#include "test_util.h"

#include <dirent.h>
#include <limits.h>

#include "nacme_json.h"

/* Poison the not-yet-received part of the buffer, so reading past the fed
 * length (not only past the allocation) is an ASan error. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#ifdef TEST_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n) __asan_poison_memory_region((p), (n))
#define UNPOISON(p, n) __asan_unpoison_memory_region((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define VECTORS "tests/vectors/json"
#define TOKS 512

/* A document with embedded NULs: text and exact length. */
typedef struct {
    const char *s;
    size_t n;
} doc_t;
#define D(lit) {(lit), sizeof(lit) - 1}
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A parsed document that stays readable for the accessors. */
typedef struct {
    char *buf;
    nacme_json_t j;
    jsmntok_t toks[TOKS];
    int rc;
} parsed_t;

/*
 * Parse doc[0..len) fed first at `first` bytes, then `step` more bytes per
 * call, then finish. The input sits at the end of its allocation and the
 * part not yet fed is poisoned. Returns the first error (or NACME_OK);
 * p->buf is kept for the accessors (free with release()).
 */
static int parse_split(parsed_t *p, const char *doc, size_t len, unsigned cap, size_t first, size_t step)
{
    p->buf = test_tight_copy(doc, len);
    nacme_json_init(&p->j, p->toks, cap);
    size_t upto = first;
    int rc;
    for (;;) {
        if (upto > len) upto = len;
        POISON(p->buf + upto, len - upto);
        rc = nacme_json_feed(&p->j, p->buf, upto);
        UNPOISON(p->buf, len);
        if (rc != NACME_OK || upto == len) break;
        upto += step;
    }
    if (rc == NACME_OK) rc = nacme_json_finish(&p->j);
    p->rc = rc;
    return rc;
}

static void release(parsed_t *p)
{
    free(p->buf);
    p->buf = NULL;
}

static int parse_whole(parsed_t *p, const char *doc, size_t len, unsigned cap)
{
    return parse_split(p, doc, len, cap, len, 1);
}

static void assert_same_tokens(const parsed_t *a, const parsed_t *b, const char *name, const char *how)
{
    if (a->rc != b->rc) fail_msg("%s: %s gives %d, one-shot %d", name, how, b->rc, a->rc);
    if (a->rc != NACME_OK) return;
    if (a->j.ntoks != b->j.ntoks) fail_msg("%s: %s gives %d tokens, one-shot %d", name, how, b->j.ntoks, a->j.ntoks);
    for (int i = 0; i < a->j.ntoks; i++) {
        const jsmntok_t *x = &a->toks[i], *y = &b->toks[i];
        if (x->type != y->type || x->start != y->start || x->end != y->end || x->size != y->size) {
            fail_msg("%s: %s: token %d differs (%d %d %d %d vs %d %d %d %d)", name, how, i, (int)y->type,
                     y->start, y->end, y->size, (int)x->type, x->start, x->end, x->size);
        }
    }
}

static parsed_t ref_doc, alt_doc;

/*
 * doc must give `expect` parsed whole, byte by byte and split once at every
 * offset, with identical tokens whenever it parses.
 */
static void check_doc(const char *doc, size_t len, int expect, const char *name)
{
    char how[48];
    parse_whole(&ref_doc, doc, len, TOKS);
    if (ref_doc.rc != expect) fail_msg("%s: one-shot gives %d, expected %d", name, ref_doc.rc, expect);
    if (expect == NACME_OK) {
        /* the tokens make sense: every token lies within the text, token 0 spans the value */
        assert_true(ref_doc.j.ntoks >= 1);
        for (int i = 0; i < ref_doc.j.ntoks; i++) {
            assert_true(ref_doc.toks[i].start >= 0 && ref_doc.toks[i].start <= ref_doc.toks[i].end);
            assert_true((size_t)ref_doc.toks[i].end <= len);
        }
    }
    parse_split(&alt_doc, doc, len, TOKS, 1, 1);
    assert_same_tokens(&ref_doc, &alt_doc, name, "byte by byte");
    release(&alt_doc);
    for (size_t k = 0; k <= len; k++) {
        parse_split(&alt_doc, doc, len, TOKS, k, len);
        snprintf(how, sizeof how, "split at %zu", k);
        assert_same_tokens(&ref_doc, &alt_doc, name, how);
        release(&alt_doc);
    }
    release(&ref_doc);
}

/* ---- edge cases ---------------------------------------------------------------- */

/* Valid RFC 8259 documents of every kind, with their token count and top-level type. */
static const struct {
    doc_t d;
    int ntoks;
    nacme_json_type_t type;
} valid_docs[] = {
    {D("0"), 1, NACME_JSON_NUMBER},
    {D("-0"), 1, NACME_JSON_NUMBER},
    {D("7"), 1, NACME_JSON_NUMBER},
    {D(" 12 "), 1, NACME_JSON_NUMBER},
    {D("-1.5e+10"), 1, NACME_JSON_NUMBER},
    {D("1E5"), 1, NACME_JSON_NUMBER},
    {D("0.0"), 1, NACME_JSON_NUMBER},
    {D("0e0"), 1, NACME_JSON_NUMBER},
    {D("1e-0"), 1, NACME_JSON_NUMBER},
    {D("-0.25E-3"), 1, NACME_JSON_NUMBER},
    {D("123456789012345678901234567890"), 1, NACME_JSON_NUMBER},
    {D("true"), 1, NACME_JSON_TRUE},
    {D("false"), 1, NACME_JSON_FALSE},
    {D("null"), 1, NACME_JSON_NULL},
    {D("\n\t\r null \n"), 1, NACME_JSON_NULL},
    {D("\"\""), 1, NACME_JSON_STRING},
    {D("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\""), 1, NACME_JSON_STRING},
    {D("\"\\u0041\\u00e9\\u20AC\\ud83d\\ude00\\uDBFF\\uDFFF\""), 1, NACME_JSON_STRING},
    {D("\"\\u0000\""), 1, NACME_JSON_STRING},
    {D("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\""), 1, NACME_JSON_STRING},
    /* UTF-8 boundaries: U+0080 U+07FF U+0800 U+D7FF U+E000 U+FFFF U+10000 U+10FFFF */
    {D("\"\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\""), 1,
     NACME_JSON_STRING},
    {D("\"\x7f\""), 1, NACME_JSON_STRING},
    {D("[]"), 1, NACME_JSON_ARRAY},
    {D("{}"), 1, NACME_JSON_OBJECT},
    {D(" [ ] "), 1, NACME_JSON_ARRAY},
    {D("{ }"), 1, NACME_JSON_OBJECT},
    {D("[[]]"), 2, NACME_JSON_ARRAY},
    {D("[{}]"), 2, NACME_JSON_ARRAY},
    {D("[1,2]"), 3, NACME_JSON_ARRAY},
    {D("[ 1 , 2 ]\n"), 3, NACME_JSON_ARRAY},
    {D("[-1,0.5,1e3,true,false,null,\"x\"]"), 8, NACME_JSON_ARRAY},
    {D("{\"a\":[]}"), 3, NACME_JSON_OBJECT},
    {D("{\"\":0}"), 3, NACME_JSON_OBJECT},
    {D("{\"a\":1,\"a\":2}"), 5, NACME_JSON_OBJECT},
    {D("{\"a\":1,\"b\":[true,false,null],\"c\":{\"d\":\"e\"}}"), 12, NACME_JSON_OBJECT},
    {D("{\"a\" : 1 , \"b\" :\"c\"}"), 5, NACME_JSON_OBJECT},
    {D("[[1,[2,[3]]],{\"x\":{\"y\":{}}}]"), 12, NACME_JSON_ARRAY},
    {D("[0,-0,10,-10,0.1,1.0e1]"), 7, NACME_JSON_ARRAY},
    {D("{\"k\":-0}"), 3, NACME_JSON_OBJECT},
    {D("[\"\\u0000\",\"\\\\u\"]"), 3, NACME_JSON_ARRAY},
};

static void test_valid_documents(void **state)
{
    (void)state;
    parsed_t *p = &ref_doc;
    for (size_t i = 0; i < ARRAY_LEN(valid_docs); i++) {
        const doc_t *d = &valid_docs[i].d;
        char name[64];
        snprintf(name, sizeof name, "valid_docs[%zu]", i);
        parse_whole(p, d->s, d->n, TOKS);
        if (p->rc != NACME_OK) fail_msg("%s (%s): %d", name, d->s, p->rc);
        assert_int_equal(p->j.ntoks, valid_docs[i].ntoks);
        assert_int_equal(nacme_json_type(&p->j, 0), valid_docs[i].type);
        /* token 0 spans the value without surrounding whitespace (and without quotes for a string) */
        size_t len;
        const char *raw = nacme_json_raw(&p->j, 0, &len);
        assert_non_null(raw);
        assert_true(len == 0 || (unsigned char)raw[0] > ' ');
        release(p);
        check_doc(d->s, d->n, NACME_OK, name);
    }
}

/* Documents jsmn (strict) or a careless scanner would take, all NACME_ERR_JSON. */
static const doc_t invalid_docs[] = {
    /* empty */
    D(""), D(" "), D("\r\n\t"),
    /* structure */
    D("{\"a\":1,}"), D("[1,]"), D("[1 2]"), D("{\"a\":tru}"), D("{\"a\"}"), D("{}{}"), D("[][]"), D("1 2"),
    D("{\"a\" 1}"), D("[1:2]"), D("[\"a\":1]"), D("{\"a\":1 \"b\":2}"), D("{1:2}"), D("{\"a\":1,,}"), D("[,1]"),
    D("[,]"), D(","), D("{,}"), D(":"), D("{:1}"), D("{\"a\"::1}"), D("{\"a\":}"), D("{\"a\":1,2}"), D("{1}"),
    D("{true:1}"), D("{null}"), D("{[]:1}"), D("{{}:1}"), D("\"a\":1"), D("[1,2"), D("["), D("]"), D("{"), D("}"),
    D("[}"), D("{]"), D("[[]"), D("[]]"), D("{\"a\":1"), D("{\"a\":"), D("{\"a\""), D("{\"a"), D("[1,"),
    D("1,2"), D("[],[]"), D("\"a\",\"b\""), D("{},{}"), D("true,false"), D("{\"a\":1}}"), D("{\"a\":{}"), D("{\"a\":[1}]"), D("[{]}"), D("{\"a\":1,\"b\"}"), D("[\"a\",]"),
    /* numbers */
    D("01"), D("-01"), D("00"), D("1."), D(".5"), D("1e"), D("1e+"), D("1E-"), D("-"), D("+1"), D("1.e5"),
    D("0x10"), D("1.5.5"), D("--1"), D("- 1"), D("Infinity"), D("-Infinity"), D("NaN"), D("1e5.5"), D("[01]"),
    D("[1.]"), D("[.5]"), D("[-]"), D("[1e]"), D("-a"), D("1-2"), D("1+2"), D("2e3e4"), D("[1.2e]"), D("0."),
    D("-.5"), D("1 .5"), D("[0 1]"),
    /* literals */
    D("nul"), D("True"), D("tru"), D("truee"), D("nulll"), D("[nul]"), D("fals"), D("[true false]"),
    D("truefalse"), D("null1"), D("NULL"), D("t"), D("[t]"), D("nan"), D("undefined"),
    /* strings */
    D("\"abc"), D("\"\\x\""), D("\"\\u12\""), D("\"\\u12G4\""), D("\"\\U0041\""), D("\"\\'\""), D("\"a\tb\""),
    D("\"\x01\""), D("\"\x1f\""), D("\"a\nb\""), D("\"\\\""), D("'a'"), D("\"\\"), D("\"\\u"), D("\"\\u00"),
    D("\"\\ \""), D("\"\\0\""), D("\"\\a\""), D("\"\\v\""), D("\"\\\n\""),
    /* surrogates */
    D("\"\\ud800\""), D("\"\\udc00\""), D("\"\\ud800\\u0041\""), D("\"\\ud800x\""), D("\"\\ud800\\n\""),
    D("\"\\ude00\\ud83d\""), D("\"\\ud83d\\ud83d\""), D("\"\\uDFFF\""), D("\"\\uD83D\""), D("[\"\\ud83d\"]"),
    /* UTF-8 */
    D("\"\x80\""), D("\"\xbf\""), D("\"\xc0\x80\""), D("\"\xc1\xbf\""), D("\"\xc2\""), D("\"\xc2\x7f\""),
    D("\"\xc2\xc0\""), D("\"\xe0\x80\x80\""), D("\"\xe0\x9f\xbf\""), D("\"\xed\xa0\x80\""), D("\"\xed\xbf\xbf\""),
    D("\"\xe2\x82\""), D("\"\xf0\x8f\xbf\xbf\""), D("\"\xf4\x90\x80\x80\""), D("\"\xf5\x80\x80\x80\""),
    D("\"\xf8\x88\x80\x80\x80\""), D("\"\xfe\""), D("\"\xff\""), D("\"\xe9t\xe9\""), D("\xc3\xa9"),
    D("\"\xc3\xa9"), D("[\xc3\xa9]"), D("\"\xf0\x9f\x98\""),
    /* trailing data, NUL bytes, other whitespace, comments */
    D("{}x"), D("[] ,"), D("1x"), D("\"a\"b"), D("true,"), D("{} }"), D("[]\0"), D("[1,\0 2]"), D("\0"),
    D("\0[]"), D("\"a\0b\""), D("[1 /* c */]"), D("// c\n1"), D("# c\n1"), D("\f[]"), D("[\v]"),
    D("\xc2\xa0[]"), D("\xef\xbb\xbf{}"), D("[1,\x01 2]"), D("[]\x7f"),
};

static void test_invalid_documents(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_LEN(invalid_docs); i++) {
        char name[64];
        snprintf(name, sizeof name, "invalid_docs[%zu]", i);
        check_doc(invalid_docs[i].s, invalid_docs[i].n, NACME_ERR_JSON, name);
    }
}

/* An error is reported by the feed that brings the offending byte, not later. */
static void test_error_is_early(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t bad; /* offset of the first byte that makes it invalid */
    } cases[] = {
        {"{\"a\":1,}xxxx", 7}, {"[1 2]      ", 3},     {"{\"a\":tru}  ", 8}, {"{}{}        ", 2},
        {"[01]        ", 2},  {"\"\\x\"       ", 2},   {"\"\\ud800x\"  ", 7}, {"\"\xc0\x80\"     ", 1},
        {"\"\xe2\x82\"      ", 3}, {"[1,\x01]     ", 3},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        nacme_json_t j;
        jsmntok_t toks[16];
        nacme_json_init(&j, toks, 16);
        assert_int_equal(nacme_json_feed(&j, cases[i].s, cases[i].bad), NACME_OK);
        assert_int_equal(nacme_json_feed(&j, cases[i].s, cases[i].bad + 1), NACME_ERR_JSON);
        /* sticky */
        assert_int_equal(nacme_json_feed(&j, cases[i].s, strlen(cases[i].s)), NACME_ERR_JSON);
        assert_int_equal(nacme_json_finish(&j), NACME_ERR_JSON);
        assert_int_equal(j.ntoks, 0);
    }
}

static char *nested(const char *open, const char *inner, const char *close, int n, size_t *len)
{
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc(n * (lo + lc) + li + 1);
    size_t k = 0;
    for (int i = 0; i < n; i++, k += lo) memcpy(s + k, open, lo);
    memcpy(s + k, inner, li);
    k += li;
    for (int i = 0; i < n; i++, k += lc) memcpy(s + k, close, lc);
    s[k] = '\0';
    *len = k;
    return s;
}

/* NACME_JSON_MAX_DEPTH levels parse; one more is NACME_ERR_TOO_LARGE at the opening bracket. */
static void test_depth_limit(void **state)
{
    (void)state;
    size_t len;
    char *s = nested("[", "", "]", NACME_JSON_MAX_DEPTH, &len);
    check_doc(s, len, NACME_OK, "32 arrays");
    free(s);
    s = nested("{\"a\":", "1", "}", NACME_JSON_MAX_DEPTH, &len);
    check_doc(s, len, NACME_OK, "32 objects");
    parse_whole(&ref_doc, s, len, TOKS);
    int t = 0;
    for (int i = 0; i < NACME_JSON_MAX_DEPTH; i++) {
        t = nacme_json_get_typed(&ref_doc.j, t, "a", i < NACME_JSON_MAX_DEPTH - 1 ? NACME_JSON_OBJECT : NACME_JSON_NUMBER);
    }
    int64_t v;
    assert_int_equal(nacme_json_int(&ref_doc.j, t, &v), NACME_OK);
    assert_int_equal(v, 1);
    release(&ref_doc);
    free(s);

    s = nested("[", "", "]", NACME_JSON_MAX_DEPTH + 1, &len);
    check_doc(s, len, NACME_ERR_TOO_LARGE, "33 arrays");
    nacme_json_t j;
    jsmntok_t toks[64];
    nacme_json_init(&j, toks, 64);
    assert_int_equal(nacme_json_feed(&j, s, NACME_JSON_MAX_DEPTH), NACME_OK);
    assert_int_equal(nacme_json_feed(&j, s, NACME_JSON_MAX_DEPTH + 1), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_finish(&j), NACME_ERR_TOO_LARGE);
    free(s);
    s = nested("{\"a\":[", "", "]}", 17, &len); /* 34 levels */
    check_doc(s, len, NACME_ERR_TOO_LARGE, "34 mixed");
    free(s);
    /* depth is released on close: many siblings at depth 32 are fine */
    s = nested("[", "[],[],[]", "]", NACME_JSON_MAX_DEPTH - 1, &len);
    check_doc(s, len, NACME_OK, "siblings at max depth");
    free(s);
}

/* Running out of tokens is NACME_ERR_TOO_LARGE, however the text is split; an exact fit works. */
static void test_token_limit(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        unsigned need;
    } cases[] = {
        {"[1,2,3]", 4}, {"{\"a\":{\"b\":[true]}}", 6}, {"\"x\"", 1}, {"42", 1}, {" null ", 1}, {"[]", 1},
    };
    parsed_t *p = &ref_doc;
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        size_t len = strlen(cases[i].s);
        for (size_t first = 0; first <= len; first++) {
            assert_int_equal(parse_split(p, cases[i].s, len, cases[i].need, first, 1), NACME_OK);
            assert_int_equal(p->j.ntoks, (int)cases[i].need);
            release(p);
            assert_int_equal(parse_split(p, cases[i].s, len, cases[i].need - 1, first, 1), NACME_ERR_TOO_LARGE);
            release(p);
        }
    }
    /* no token array at all */
    nacme_json_t j;
    nacme_json_init(&j, NULL, 10);
    assert_int_equal(nacme_json_parse(&j, "1", 1), NACME_ERR_TOO_LARGE);
    /* the default configuration's token count holds a Let's Encrypt authorization (see the ACME tests) */
    assert_true(NACME_JSON_TOKENS >= 40);
}

/* Numbers and literals at top level end with the text (strict jsmn never ends them). */
static void test_top_level_scalars(void **state)
{
    (void)state;
    parsed_t *p = &ref_doc;
    int64_t v;
    bool b;
    assert_int_equal(parse_whole(p, " -17", 4, 4), NACME_OK);
    assert_int_equal(p->j.ntoks, 1);
    assert_int_equal(p->toks[0].start, 1);
    assert_int_equal(p->toks[0].end, 4);
    assert_int_equal(nacme_json_int(&p->j, 0, &v), NACME_OK);
    assert_int_equal(v, -17);
    release(p);
    assert_int_equal(parse_whole(p, "true\r\n", 6, 4), NACME_OK);
    assert_int_equal(p->toks[0].end, 4);
    assert_int_equal(nacme_json_bool(&p->j, 0, &b), NACME_OK);
    assert_true(b);
    release(p);
    assert_int_equal(parse_whole(p, "\"s\"", 3, 4), NACME_OK);
    assert_true(nacme_json_streq(&p->j, 0, "s"));
    release(p);
}

/* Feed contract: len may not shrink, feed after finish is a state error, finish is idempotent. */
static void test_feed_contract(void **state)
{
    (void)state;
    nacme_json_t j;
    jsmntok_t toks[8];
    const char *doc = "[1,2]";

    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_feed(&j, doc, 0), NACME_OK);
    assert_int_equal(nacme_json_feed(&j, doc, 0), NACME_OK);
    assert_int_equal(nacme_json_feed(&j, doc, 3), NACME_OK);
    assert_int_equal(nacme_json_feed(&j, doc, 3), NACME_OK); /* nothing new */
    assert_int_equal(nacme_json_feed(&j, doc, 2), NACME_ERR_ARG);
    assert_int_equal(nacme_json_feed(&j, doc, 5), NACME_ERR_ARG); /* sticky */
    assert_int_equal(nacme_json_finish(&j), NACME_ERR_ARG);

    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_feed(&j, NULL, 1), NACME_ERR_ARG);

    /* token offsets are int: a longer text is refused before any byte is read */
    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_feed(&j, doc, (size_t)INT_MAX + 1u), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_finish(&j), NACME_ERR_TOO_LARGE);

    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_feed(&j, NULL, 0), NACME_OK);
    assert_int_equal(nacme_json_finish(&j), NACME_ERR_JSON); /* empty */

    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_finish(&j), NACME_ERR_JSON);

    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_parse(&j, doc, 5), NACME_OK);
    assert_int_equal(j.ntoks, 3);
    assert_int_equal(nacme_json_finish(&j), NACME_OK);
    assert_int_equal(j.ntoks, 3);
    assert_int_equal(nacme_json_feed(&j, doc, 5), NACME_ERR_STATE);
    assert_int_equal(j.ntoks, 3);

    /* accessors see no token before a successful finish */
    nacme_json_init(&j, toks, 8);
    assert_int_equal(nacme_json_feed(&j, doc, 5), NACME_OK);
    assert_int_equal(nacme_json_type(&j, 0), NACME_JSON_INVALID);
    assert_int_equal(nacme_json_count(&j, 0), NACME_ERR_ARG);
    assert_null(nacme_json_raw(&j, 0, NULL));
}

/* ---- corpus --------------------------------------------------------------------- */

static char *read_vector(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) fail_msg("cannot open %s (tests run from the repository root)", path);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int run_corpus(const char *sub, int expect)
{
    char dir[128], path[512];
    snprintf(dir, sizeof dir, "%s/%s", VECTORS, sub);
    DIR *d = opendir(dir);
    if (d == NULL) fail_msg("cannot open %s (tests run from the repository root)", dir);
    int count = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        if (nl < 5 || strcmp(e->d_name + nl - 5, ".json") != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t len;
        char *doc = read_vector(path, &len);
        check_doc(doc, len, expect, path);
        free(doc);
        count++;
    }
    closedir(d);
    return count;
}

static void test_corpus_valid(void **state)
{
    (void)state;
    assert_true(run_corpus("valid", NACME_OK) >= 40);
}

static void test_corpus_invalid(void **state)
{
    (void)state;
    assert_true(run_corpus("invalid", NACME_ERR_JSON) >= 60);
}

/* ---- ACME documents --------------------------------------------------------------- */

static parsed_t acme;

/* Parse a vector with the default configuration's token count. */
static const nacme_json_t *load(const char *name)
{
    char path[256];
    size_t len;
    snprintf(path, sizeof path, "%s/valid/%s", VECTORS, name);
    char *doc = read_vector(path, &len);
    if (parse_whole(&acme, doc, len, NACME_JSON_TOKENS) != NACME_OK) fail_msg("%s: %d", name, acme.rc);
    free(doc);
    return &acme.j;
}

/* The unescaped string member key of object tok equals want. */
static void assert_member(const nacme_json_t *j, int tok, const char *key, const char *want)
{
    char buf[512];
    size_t n;
    int v = nacme_json_get_typed(j, tok, key, NACME_JSON_STRING);
    if (v < 0) fail_msg("member %s: %d", key, v);
    assert_int_equal(nacme_json_string(j, v, buf, sizeof buf, &n), NACME_OK);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    assert_true(nacme_json_streq(j, v, want));
}

static void assert_bool_member(const nacme_json_t *j, int tok, const char *key, bool want)
{
    bool b = !want;
    assert_int_equal(nacme_json_bool(j, nacme_json_get(j, tok, key), &b), NACME_OK);
    assert_int_equal(b, want);
}

static void test_acme_rfc8555_directory(void **state)
{
    (void)state;
    const nacme_json_t *j = load("rfc8555_directory.json");
    assert_member(j, 0, "newNonce", "https://example.com/acme/new-nonce");
    assert_member(j, 0, "newAccount", "https://example.com/acme/new-account");
    assert_member(j, 0, "newOrder", "https://example.com/acme/new-order");
    assert_member(j, 0, "newAuthz", "https://example.com/acme/new-authz");
    assert_member(j, 0, "revokeCert", "https://example.com/acme/revoke-cert");
    assert_member(j, 0, "keyChange", "https://example.com/acme/key-change");
    assert_int_equal(nacme_json_get(j, 0, "renewalInfo"), NACME_ERR_JSON_MISSING);
    int meta = nacme_json_get_typed(j, 0, "meta", NACME_JSON_OBJECT);
    assert_true(meta > 0);
    assert_member(j, meta, "termsOfService", "https://example.com/acme/terms/2017-5-30");
    assert_member(j, meta, "website", "https://www.example.com/");
    assert_bool_member(j, meta, "externalAccountRequired", false);
    int caa = nacme_json_get_typed(j, meta, "caaIdentities", NACME_JSON_ARRAY);
    assert_int_equal(nacme_json_count(j, caa), 1);
    assert_true(nacme_json_streq(j, nacme_json_first(j, caa), "example.com"));
    assert_int_equal(nacme_json_count(j, 0), 7);
    release(&acme);
}

static void test_acme_letsencrypt_directory(void **state)
{
    (void)state;
    const nacme_json_t *j = load("letsencrypt_directory.json");
    assert_member(j, 0, "newNonce", "https://acme-v02.api.letsencrypt.org/acme/new-nonce");
    assert_member(j, 0, "newAccount", "https://acme-v02.api.letsencrypt.org/acme/new-acct");
    assert_member(j, 0, "newOrder", "https://acme-v02.api.letsencrypt.org/acme/new-order");
    assert_member(j, 0, "revokeCert", "https://acme-v02.api.letsencrypt.org/acme/revoke-cert");
    assert_member(j, 0, "keyChange", "https://acme-v02.api.letsencrypt.org/acme/key-change");
    assert_member(j, 0, "renewalInfo", "https://acme-v02.api.letsencrypt.org/acme/renewal-info");
    assert_int_equal(nacme_json_get(j, 0, "newAuthz"), NACME_ERR_JSON_MISSING);
    /* the random entry is just another member nobody asks for */
    assert_member(j, 0, "xGzBrDUabbq4", "https://community.letsencrypt.org/t/adding-random-entries-to-the-directory/33417");
    int meta = nacme_json_get_typed(j, 0, "meta", NACME_JSON_OBJECT);
    assert_member(j, meta, "termsOfService", "https://letsencrypt.org/documents/LE-SA-v1.5-February-24-2025.pdf");
    assert_int_equal(nacme_json_get(j, meta, "externalAccountRequired"), NACME_ERR_JSON_MISSING);
    /* profiles: the names offered, in order */
    int prof = nacme_json_get_typed(j, meta, "profiles", NACME_JSON_OBJECT);
    static const char *const names[] = {"classic", "shortlived", "tlsserver"};
    int n = 0;
    for (int k = nacme_json_first(j, prof); k >= 0; k = nacme_json_next(j, prof, k), n++) {
        assert_true(n < 3);
        assert_true(nacme_json_streq(j, k, names[n]));
        assert_int_equal(nacme_json_type(j, k + 1), NACME_JSON_STRING);
    }
    assert_int_equal(n, 3);
    assert_int_equal(nacme_json_get(j, prof, "shortlived"), nacme_json_get(j, prof, "classic") + 2);
    assert_true(j->ntoks <= NACME_JSON_TOKENS);
    release(&acme);
}

static void test_acme_pebble_directory(void **state)
{
    (void)state;
    const nacme_json_t *j = load("pebble_directory.json");
    assert_member(j, 0, "newNonce", "https://localhost:14000/nonce-plz");
    assert_member(j, 0, "newAccount", "https://localhost:14000/sign-me-up");
    assert_member(j, 0, "newOrder", "https://localhost:14000/order-plz");
    int meta = nacme_json_get(j, 0, "meta");
    assert_bool_member(j, meta, "externalAccountRequired", false);
    assert_member(j, meta, "termsOfService", "data:text/plain,Do%20what%20thou%20wilt");
    assert_int_equal(nacme_json_count(j, nacme_json_get(j, meta, "profiles")), 2);
    release(&acme);
}

static void test_acme_account(void **state)
{
    (void)state;
    const nacme_json_t *j = load("rfc8555_account.json");
    assert_member(j, 0, "status", "valid");
    assert_member(j, 0, "orders", "https://example.com/acme/orders/rzGoeA");
    assert_bool_member(j, 0, "termsOfServiceAgreed", true);
    int c = nacme_json_get_typed(j, 0, "contact", NACME_JSON_ARRAY);
    assert_int_equal(nacme_json_count(j, c), 2);
    int e = nacme_json_first(j, c);
    assert_true(nacme_json_streq(j, e, "mailto:cert-admin@example.org"));
    e = nacme_json_next(j, c, e);
    assert_true(nacme_json_streq(j, e, "mailto:admin@example.org"));
    assert_int_equal(nacme_json_next(j, c, e), NACME_ERR_NOT_FOUND);
    release(&acme);

    j = load("pebble_account.json");
    assert_member(j, 0, "status", "valid");
    assert_member(j, 0, "orders", "https://localhost:14000/list-orderz/1");
    assert_member(j, nacme_json_get(j, 0, "key"), "crv", "P-256");
    release(&acme);
}

/* Walk an order's identifiers and authorizations as the engine does. */
static void test_acme_order(void **state)
{
    (void)state;
    const nacme_json_t *j = load("rfc8555_order.json");
    assert_member(j, 0, "status", "valid");
    assert_member(j, 0, "expires", "2016-01-20T14:09:07.99Z");
    assert_member(j, 0, "finalize", "https://example.com/acme/order/TOlocE8rfgo/finalize");
    assert_member(j, 0, "certificate", "https://example.com/acme/cert/mAt3xBGaobw");
    assert_int_equal(nacme_json_get(j, 0, "error"), NACME_ERR_JSON_MISSING);
    static const char *const values[] = {"www.example.org", "example.org"};
    int ids = nacme_json_get_typed(j, 0, "identifiers", NACME_JSON_ARRAY);
    int n = 0;
    for (int e = nacme_json_first(j, ids); e >= 0; e = nacme_json_next(j, ids, e), n++) {
        assert_int_equal(nacme_json_type(j, e), NACME_JSON_OBJECT);
        assert_member(j, e, "type", "dns");
        assert_member(j, e, "value", values[n]);
    }
    assert_int_equal(n, 2);
    static const char *const authz[] = {"https://example.com/acme/authz/PAniVnsZcis",
                                        "https://example.com/acme/authz/r4HqLzrSrpI"};
    int az = nacme_json_get_typed(j, 0, "authorizations", NACME_JSON_ARRAY);
    n = 0;
    for (int e = nacme_json_first(j, az); e >= 0; e = nacme_json_next(j, az, e), n++) {
        assert_true(nacme_json_streq(j, e, authz[n]));
    }
    assert_int_equal(n, 2);
    release(&acme);

    j = load("letsencrypt_order_ready.json");
    assert_member(j, 0, "status", "ready");
    assert_member(j, 0, "profile", "shortlived");
    assert_int_equal(nacme_json_count(j, nacme_json_get(j, 0, "identifiers")), 2);
    assert_int_equal(nacme_json_get(j, 0, "certificate"), NACME_ERR_JSON_MISSING);
    release(&acme);

    j = load("pebble_order.json");
    assert_member(j, 0, "status", "pending");
    assert_int_equal(nacme_json_count(j, nacme_json_get(j, 0, "authorizations")), 1);
    release(&acme);
}

/* Find the challenge of a type in an authorization and read its url and token. */
static int find_challenge(const nacme_json_t *j, const char *type)
{
    int ch = nacme_json_get_typed(j, 0, "challenges", NACME_JSON_ARRAY);
    assert_true(ch > 0);
    for (int c = nacme_json_first(j, ch); c >= 0; c = nacme_json_next(j, ch, c)) {
        if (nacme_json_streq(j, nacme_json_get(j, c, "type"), type)) return c;
    }
    return NACME_ERR_NOT_FOUND;
}

static void test_acme_authorization(void **state)
{
    (void)state;
    const nacme_json_t *j = load("rfc8555_authorization.json");
    assert_member(j, 0, "status", "valid");
    int id = nacme_json_get_typed(j, 0, "identifier", NACME_JSON_OBJECT);
    assert_member(j, id, "type", "dns");
    assert_member(j, id, "value", "www.example.org");
    assert_bool_member(j, 0, "wildcard", false);
    int c = find_challenge(j, "http-01");
    assert_true(c > 0);
    assert_member(j, c, "url", "https://example.com/acme/chall/prV_B7yEyA4");
    assert_member(j, c, "token", "DGyRejmCefe7v4NfDGDKfA");
    assert_member(j, c, "status", "valid");
    assert_member(j, c, "validated", "2014-12-01T12:05:58.16Z");
    assert_int_equal(find_challenge(j, "dns-01"), NACME_ERR_NOT_FOUND);
    release(&acme);

    j = load("letsencrypt_authz_pending.json");
    assert_true(j->ntoks <= 40);
    c = find_challenge(j, "dns-01");
    assert_member(j, c, "url", "https://acme-v02.api.letsencrypt.org/acme/chall/1805942157/512730185491/x6hnPQ");
    assert_member(j, c, "token", "qFq7z8Yt5B0n4QyRJcX2mLhKd1VwPoEsTuAiGbNfHjM");
    c = find_challenge(j, "tls-alpn-01");
    assert_member(j, c, "url", "https://acme-v02.api.letsencrypt.org/acme/chall/1805942157/512730185491/Jd0u3w");
    assert_int_equal(nacme_json_get(j, 0, "wildcard"), NACME_ERR_JSON_MISSING);
    release(&acme);

    j = load("letsencrypt_authz_wildcard_valid.json");
    assert_bool_member(j, 0, "wildcard", true);
    assert_member(j, nacme_json_get(j, 0, "identifier"), "value", "example.net");
    release(&acme);

    j = load("pebble_authz.json");
    assert_int_equal(nacme_json_count(j, nacme_json_get(j, 0, "challenges")), 4);
    c = find_challenge(j, "http-01");
    assert_member(j, c, "token", "Cw9nUfrS1Xb6yPtGkAq0dELe8FiNmzVZ3uYsHjT2oRI");
    assert_member(j, c, "url", "https://localhost:14000/chalZ/2yvsKtj6bfMHcN5ReDsbg8AIs6HZXdPhf2qqw4HklLE");
    release(&acme);
}

static void test_acme_challenges(void **state)
{
    (void)state;
    static const struct {
        const char *file, *type, *token;
    } cases[] = {
        {"rfc8555_challenge_http01.json", "http-01", "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0"},
        {"rfc8555_challenge_dns01.json", "dns-01", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"},
        {"rfc8737_challenge_tlsalpn01.json", "tls-alpn-01", "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        const nacme_json_t *j = load(cases[i].file);
        assert_member(j, 0, "type", cases[i].type);
        assert_member(j, 0, "token", cases[i].token);
        assert_member(j, 0, "status", "pending");
        release(&acme);
    }

    /* a failed challenge: the error problem, its HTTP status and the escaped detail */
    const nacme_json_t *j = load("letsencrypt_challenge_invalid.json");
    assert_member(j, 0, "status", "invalid");
    int err = nacme_json_get_typed(j, 0, "error", NACME_JSON_OBJECT);
    assert_member(j, err, "type", "urn:ietf:params:acme:error:unauthorized");
    int64_t st;
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, err, "status"), &st), NACME_OK);
    assert_int_equal(st, 403);
    assert_member(j, err, "detail",
                  "203.0.113.7: Invalid response from "
                  "http://router.example.net/.well-known/acme-challenge/qFq7z8Yt5B0n4QyRJcX2mLhKd1VwPoEsTuAiGbNfHjM: "
                  "\"<html>\\r\\n<head><title>404 Not Found</title></head>\"");
    int rec = nacme_json_first(j, nacme_json_get(j, 0, "validationRecord"));
    assert_member(j, rec, "addressUsed", "2001:db8::7");
    assert_member(j, 0, "token", "qFq7z8Yt5B0n4QyRJcX2mLhKd1VwPoEsTuAiGbNfHjM"); /* after the nested members */
    release(&acme);
}

static void test_acme_problems(void **state)
{
    (void)state;
    const nacme_json_t *j = load("rfc8555_problem_subproblems.json");
    assert_member(j, 0, "type", "urn:ietf:params:acme:error:malformed");
    assert_member(j, 0, "detail", "Some of the identifiers requested were rejected");
    int subs = nacme_json_get_typed(j, 0, "subproblems", NACME_JSON_ARRAY);
    assert_int_equal(nacme_json_count(j, subs), 2);
    int s = nacme_json_first(j, subs);
    assert_member(j, s, "detail", "Invalid underscore in DNS name \"_example.org\"");
    assert_member(j, nacme_json_get(j, s, "identifier"), "value", "_example.org");
    s = nacme_json_next(j, subs, s);
    assert_member(j, s, "type", "urn:ietf:params:acme:error:rejectedIdentifier");
    assert_member(j, s, "detail", "This CA will not issue for \"example.net\"");
    release(&acme);

    int64_t st;
    j = load("pebble_problem_badnonce.json");
    assert_member(j, 0, "type", "urn:ietf:params:acme:error:badNonce");
    assert_member(j, 0, "detail", "JWS has an invalid anti-replay nonce: \"f0bDo5bxM8c3_HOAKs1Mhw\"");
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "status"), &st), NACME_OK);
    assert_int_equal(st, 400);
    release(&acme);

    j = load("letsencrypt_problem_ratelimited.json");
    assert_member(j, 0, "type", "urn:ietf:params:acme:error:rateLimited");
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "status"), &st), NACME_OK);
    assert_int_equal(st, 429);
    release(&acme);

    j = load("letsencrypt_renewal_info.json");
    int w = nacme_json_get_typed(j, 0, "suggestedWindow", NACME_JSON_OBJECT);
    assert_member(j, w, "start", "2025-07-29T16:45:22Z");
    assert_member(j, w, "end", "2025-07-31T04:12:09Z");
    release(&acme);
}

/* ---- accessors -------------------------------------------------------------------- */

static const nacme_json_t *parse_str(const char *s)
{
    if (parse_whole(&acme, s, strlen(s), TOKS) != NACME_OK) fail_msg("%s: %d", s, acme.rc);
    return &acme.j;
}

static void test_types(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[{},[],\"s\",-1.5,true,false,null,0]");
    static const nacme_json_type_t want[] = {NACME_JSON_ARRAY,  NACME_JSON_OBJECT, NACME_JSON_ARRAY,
                                             NACME_JSON_STRING, NACME_JSON_NUMBER, NACME_JSON_TRUE,
                                             NACME_JSON_FALSE,  NACME_JSON_NULL,   NACME_JSON_NUMBER};
    assert_int_equal(j->ntoks, 9);
    for (int i = 0; i < 9; i++) assert_int_equal(nacme_json_type(j, i), want[i]);
    assert_int_equal(nacme_json_type(j, 9), NACME_JSON_INVALID);
    assert_int_equal(nacme_json_type(j, -1), NACME_JSON_INVALID);
    assert_int_equal(nacme_json_type(j, NACME_ERR_JSON_MISSING), NACME_JSON_INVALID);
    release(&acme);
}

static void test_get(void **state)
{
    (void)state;
    const nacme_json_t *j =
        parse_str("{\"x\":{\"a\":1,\"k\":[{\"a\":9}]},\"\\u0061b\":2,\"a\\\"b\":3,\"\\u00e9\":4,\"a\":5,\"a\":6,"
                  "\"\":7,\"n\":null,\"\\ud83d\\ude00\":8}");
    int64_t v;
    /* a nested member of the same name is skipped over */
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "a"), &v), NACME_OK);
    assert_int_equal(v, 5); /* the first of the duplicates */
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "ab"), &v), NACME_OK);
    assert_int_equal(v, 2); /* key compared after unescaping */
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "a\"b"), &v), NACME_OK);
    assert_int_equal(v, 3);
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "\xc3\xa9"), &v), NACME_OK);
    assert_int_equal(v, 4);
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, ""), &v), NACME_OK);
    assert_int_equal(v, 7);
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, 0, "\xf0\x9f\x98\x80"), &v), NACME_OK);
    assert_int_equal(v, 8);
    int x = nacme_json_get(j, 0, "x");
    assert_int_equal(nacme_json_int(j, nacme_json_get(j, x, "a"), &v), NACME_OK);
    assert_int_equal(v, 1);
    /* missing: prefixes and extensions of keys do not match */
    assert_int_equal(nacme_json_get(j, 0, "abc"), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_get(j, 0, "a\"bc"), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_get(j, 0, "k"), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_get(j, 0, "\\u0061b"), NACME_ERR_JSON_MISSING);
    /* wrong container types, bad indices, error propagation */
    int k = nacme_json_get(j, x, "k");
    assert_int_equal(nacme_json_get(j, k, "a"), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_get(j, k + 2, "a"), NACME_ERR_JSON_TYPE); /* the key string "a" */
    assert_int_equal(nacme_json_get(j, j->ntoks, "a"), NACME_ERR_ARG);
    assert_int_equal(nacme_json_get(j, NACME_ERR_JSON_MISSING, "a"), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_get(j, 0, NULL), NACME_ERR_ARG);
    /* typed */
    assert_true(nacme_json_get_typed(j, 0, "x", NACME_JSON_OBJECT) > 0);
    assert_int_equal(nacme_json_get_typed(j, 0, "x", NACME_JSON_ARRAY), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_get_typed(j, 0, "n", NACME_JSON_STRING), NACME_ERR_JSON_TYPE);
    assert_true(nacme_json_get_typed(j, 0, "n", NACME_JSON_NULL) > 0);
    assert_int_equal(nacme_json_get_typed(j, 0, "zz", NACME_JSON_STRING), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_get_typed(j, k, "a", NACME_JSON_STRING), NACME_ERR_JSON_TYPE);
    release(&acme);
}

static void test_count_and_iterate(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[1,[2,3],{\"a\":[4,{\"b\":5}],\"c\":{}},[],\"s\",{}]");
    assert_int_equal(nacme_json_count(j, 0), 6);
    /* elements of the top array by their first token */
    static const int elems[] = {1, 2, 5, 14, 15, 16};
    int n = 0;
    for (int e = nacme_json_first(j, 0); e >= 0; e = nacme_json_next(j, 0, e), n++) {
        assert_true(n < 6);
        assert_int_equal(e, elems[n]);
    }
    assert_int_equal(n, 6);
    assert_int_equal(nacme_json_next(j, 0, 16), NACME_ERR_NOT_FOUND);
    /* object keys */
    assert_int_equal(nacme_json_count(j, 5), 2);
    int k = nacme_json_first(j, 5);
    assert_true(nacme_json_streq(j, k, "a"));
    k = nacme_json_next(j, 5, k);
    assert_true(nacme_json_streq(j, k, "c"));
    assert_int_equal(nacme_json_count(j, k + 1), 0);
    assert_int_equal(nacme_json_first(j, k + 1), NACME_ERR_NOT_FOUND);
    assert_int_equal(nacme_json_next(j, 5, k), NACME_ERR_NOT_FOUND);
    assert_int_equal(nacme_json_count(j, 2), 2);
    assert_int_equal(nacme_json_first(j, 14), NACME_ERR_NOT_FOUND);
    assert_int_equal(nacme_json_first(j, 16), NACME_ERR_NOT_FOUND);
    /* errors */
    assert_int_equal(nacme_json_count(j, 1), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_count(j, 15), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_first(j, 15), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_next(j, 1, 2), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_count(j, 99), NACME_ERR_ARG);
    assert_int_equal(nacme_json_first(j, -5), -5);
    assert_int_equal(nacme_json_next(j, 0, 0), NACME_ERR_ARG);
    assert_int_equal(nacme_json_next(j, 0, j->ntoks), NACME_ERR_ARG);
    assert_int_equal(nacme_json_next(j, 0, -1), NACME_ERR_ARG);
    assert_int_equal(nacme_json_next(j, 5, j->ntoks - 1), NACME_ERR_ARG); /* key + 1 out of range */
    release(&acme);

    /* a long flat array: iteration is linear, count matches */
    char big[4 * 200 + 2];
    size_t o = 0;
    big[o++] = '[';
    for (int i = 0; i < 200; i++) o += (size_t)sprintf(big + o, "%s%d", i ? "," : "", i % 10);
    big[o++] = ']';
    big[o] = '\0';
    j = parse_str(big);
    n = 0;
    for (int e = nacme_json_first(j, 0); e >= 0; e = nacme_json_next(j, 0, e)) n++;
    assert_int_equal(n, 200);
    assert_int_equal(nacme_json_count(j, 0), 200);
    release(&acme);
}

static void test_raw(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str(" {\"k\\n\":[1.5e3, \"a\\u0041\"]} ");
    size_t n;
    static const char whole[] = "{\"k\\n\":[1.5e3, \"a\\u0041\"]}";
    const char *r = nacme_json_raw(j, 0, &n);
    assert_int_equal(n, sizeof whole - 1);
    assert_memory_equal(r, whole, sizeof whole - 1);
    r = nacme_json_raw(j, 1, &n);
    assert_int_equal(n, 3);
    assert_memory_equal(r, "k\\n", 3);
    r = nacme_json_raw(j, 3, &n);
    assert_int_equal(n, 5);
    assert_memory_equal(r, "1.5e3", 5);
    r = nacme_json_raw(j, 4, &n);
    assert_int_equal(n, 7);
    assert_memory_equal(r, "a\\u0041", 7);
    assert_non_null(nacme_json_raw(j, 4, NULL));
    assert_null(nacme_json_raw(j, 5, &n));
    assert_null(nacme_json_raw(j, -1, &n));
    release(&acme);
}

static void test_string(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\",\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00"
                                      "\\uDBFF\\uDFFF\\u007f\\u0080\\u07FF\\u0800\\uFFFF\",\"\xc3\xa9x\",\"\",\"\\u0000\","
                                      "\"a\\u0000\",1,\"abc\"]");
    char out[64];
    size_t n = 99;
    assert_int_equal(nacme_json_string(j, 1, out, sizeof out, &n), NACME_OK);
    assert_string_equal(out, "a\"b\\c/d\b\f\n\r\te");
    assert_int_equal(n, 13);
    assert_int_equal(nacme_json_string(j, 2, out, sizeof out, &n), NACME_OK);
    static const char want[] = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80"
                               "\xef\xbf\xbf";
    assert_int_equal(n, sizeof want - 1);
    assert_memory_equal(out, want, sizeof want);
    assert_int_equal(nacme_json_string(j, 3, out, sizeof out, NULL), NACME_OK); /* raw UTF-8 copied */
    assert_string_equal(out, "\xc3\xa9x");
    assert_int_equal(nacme_json_string(j, 4, out, 1, &n), NACME_OK);
    assert_string_equal(out, "");
    assert_int_equal(n, 0);
    /* an escaped NUL cannot become a C string */
    assert_int_equal(nacme_json_string(j, 5, out, sizeof out, &n), NACME_ERR_UTF8);
    assert_int_equal(nacme_json_string(j, 6, out, sizeof out, &n), NACME_ERR_UTF8);
    assert_false(nacme_json_streq(j, 5, ""));
    /* capacity: the string and its NUL */
    assert_int_equal(nacme_json_string(j, 8, out, 4, &n), NACME_OK);
    assert_string_equal(out, "abc");
    assert_int_equal(nacme_json_string(j, 8, out, 3, &n), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_string(j, 8, out, 0, &n), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_string(j, 4, out, 0, &n), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_string(j, 2, out, sizeof want - 1, &n), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_string(j, 2, out, sizeof want, &n), NACME_OK);
    /* raw UTF-8 that does not fit */
    assert_int_equal(nacme_json_string(j, 3, out, 2, &n), NACME_ERR_TOO_LARGE);
    /* types and arguments */
    assert_int_equal(nacme_json_string(j, 7, out, sizeof out, &n), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_string(j, 0, out, sizeof out, &n), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_string(j, 9, out, sizeof out, &n), NACME_ERR_ARG);
    assert_int_equal(nacme_json_string(j, NACME_ERR_JSON_MISSING, out, sizeof out, &n), NACME_ERR_JSON_MISSING);
    assert_int_equal(nacme_json_string(j, 1, NULL, 10, &n), NACME_ERR_ARG);
    release(&acme);
}

/*
 * The unescaper does not trust the tokens: hand-made tokens over text the
 * scanner would reject give NACME_ERR_UTF8 without reading past the token.
 */
static void test_string_defensive(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\\ud800", "\\udc00", "\\ud800\\u0041", "\\ud800\\udb00", "\\ud800\\", "\\ud800\\u", "\\ud800\\udc0",
        "\\x", "\\", "\\u", "\\u12", "\\u12G4", "a\\", "\\uD83D\\uDE0",
    };
    for (size_t i = 0; i < ARRAY_LEN(bad); i++) {
        size_t len = strlen(bad[i]);
        char *text = test_tight_copy(bad[i], len);
        jsmntok_t tok = {JSMN_STRING, 0, (int)len, 0};
        nacme_json_t j;
        memset(&j, 0, sizeof j);
        j.text = text;
        j.len = len;
        j.toks = &tok;
        j.cap = 1;
        j.ntoks = 1;
        char out[16];
        if (nacme_json_string(&j, 0, out, sizeof out, NULL) != NACME_ERR_UTF8) fail_msg("%s", bad[i]);
        assert_false(nacme_json_streq(&j, 0, "x"));
        free(text);
    }
}

static void test_streq(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[\"valid\",\"\",\"va\\u006cid\",\"\\\"q\\\"\",\"\xc3\xa9\",5,\"\\ud83d\\ude00\"]");
    assert_true(nacme_json_streq(j, 1, "valid"));
    assert_false(nacme_json_streq(j, 1, "vali"));
    assert_false(nacme_json_streq(j, 1, "valid!"));
    assert_false(nacme_json_streq(j, 1, "Valid"));
    assert_false(nacme_json_streq(j, 1, ""));
    assert_true(nacme_json_streq(j, 2, ""));
    assert_false(nacme_json_streq(j, 2, "a"));
    assert_true(nacme_json_streq(j, 3, "valid"));
    assert_false(nacme_json_streq(j, 3, "va\\u006cid"));
    assert_true(nacme_json_streq(j, 4, "\"q\""));
    assert_true(nacme_json_streq(j, 5, "\xc3\xa9"));
    assert_false(nacme_json_streq(j, 5, "\xc3"));
    assert_false(nacme_json_streq(j, 6, "5"));
    assert_true(nacme_json_streq(j, 7, "\xf0\x9f\x98\x80"));
    assert_false(nacme_json_streq(j, 7, "\xf0\x9f\x98"));
    assert_false(nacme_json_streq(j, 0, "valid"));
    assert_false(nacme_json_streq(j, 1, NULL));
    assert_false(nacme_json_streq(j, 99, "valid"));
    assert_false(nacme_json_streq(j, NACME_ERR_JSON_MISSING, "valid"));
    release(&acme);
}

static void test_int(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[0,-0,42,-42,9223372036854775807,-9223372036854775808,9223372036854775808,"
                                      "-9223372036854775809,99999999999999999999,1.0,1e3,-1E3,0.5,\"1\",true,null,"
                                      "1000000000000000000,-1000000000000000000,92233720368547758070,"
                                      "123456789012345678901.5]");
    static const int64_t ok[] = {0, 0, 42, -42, INT64_MAX, INT64_MIN};
    int64_t v;
    for (int i = 0; i < 6; i++) {
        v = 12345;
        assert_int_equal(nacme_json_int(j, 1 + i, &v), NACME_OK);
        assert_true(v == ok[i]);
    }
    v = 12345;
    assert_int_equal(nacme_json_int(j, 7, &v), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_int(j, 8, &v), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_int(j, 9, &v), NACME_ERR_TOO_LARGE);
    assert_true(v == 12345); /* untouched on error */
    assert_int_equal(nacme_json_int(j, 10, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 11, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 12, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 13, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 14, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 15, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 16, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 17, &v), NACME_OK);
    assert_true(v == 1000000000000000000);
    assert_int_equal(nacme_json_int(j, 18, &v), NACME_OK);
    assert_true(v == -1000000000000000000);
    assert_int_equal(nacme_json_int(j, 19, &v), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_json_int(j, 20, &v), NACME_ERR_JSON_TYPE); /* not an integer, however large */
    assert_int_equal(nacme_json_int(j, 0, &v), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_int(j, 21, &v), NACME_ERR_ARG);
    assert_int_equal(nacme_json_int(j, NACME_ERR_JSON_TYPE, &v), NACME_ERR_JSON_TYPE);
    release(&acme);
}

static void test_bool(void **state)
{
    (void)state;
    const nacme_json_t *j = parse_str("[true,false,null,\"true\",1,{}]");
    bool b = false;
    assert_int_equal(nacme_json_bool(j, 1, &b), NACME_OK);
    assert_true(b);
    assert_int_equal(nacme_json_bool(j, 2, &b), NACME_OK);
    assert_false(b);
    b = true;
    for (int i = 3; i <= 6; i++) assert_int_equal(nacme_json_bool(j, i, &b), NACME_ERR_JSON_TYPE);
    assert_int_equal(nacme_json_bool(j, 0, &b), NACME_ERR_JSON_TYPE);
    assert_true(b);
    assert_int_equal(nacme_json_bool(j, 7, &b), NACME_ERR_ARG);
    assert_int_equal(nacme_json_bool(j, NACME_ERR_JSON_MISSING, &b), NACME_ERR_JSON_MISSING);
    release(&acme);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_documents),
        cmocka_unit_test(test_invalid_documents),
        cmocka_unit_test(test_error_is_early),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_token_limit),
        cmocka_unit_test(test_top_level_scalars),
        cmocka_unit_test(test_feed_contract),
        cmocka_unit_test(test_corpus_valid),
        cmocka_unit_test(test_corpus_invalid),
        cmocka_unit_test(test_acme_rfc8555_directory),
        cmocka_unit_test(test_acme_letsencrypt_directory),
        cmocka_unit_test(test_acme_pebble_directory),
        cmocka_unit_test(test_acme_account),
        cmocka_unit_test(test_acme_order),
        cmocka_unit_test(test_acme_authorization),
        cmocka_unit_test(test_acme_challenges),
        cmocka_unit_test(test_acme_problems),
        cmocka_unit_test(test_types),
        cmocka_unit_test(test_get),
        cmocka_unit_test(test_count_and_iterate),
        cmocka_unit_test(test_raw),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_string_defensive),
        cmocka_unit_test(test_streq),
        cmocka_unit_test(test_int),
        cmocka_unit_test(test_bool),
    };
    return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
