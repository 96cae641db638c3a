/*
 * Tests for core/pem.c: the encoder against openssl's PEM, and the streaming
 * splitter over a 3-certificate chain made by tests/data/gen-x509.sh, fed
 * whole, one byte at a time and split at every offset, with LF, CRLF and
 * trailing whitespace, and every error.
 */
#include "test_data.h"

#include "nacme_pem.h"

#define OUT_CAP 2048

typedef struct {
    size_t n;              /* blocks found */
    uint8_t der[3][OUT_CAP];
    size_t len[3];
    char label[3][NACME_PEM_LINE_MAX];
} blocks_t;

/* Feed text[0..len) in chunks of `chunk` bytes (0: whole), from a tight copy of each chunk. */
static int split_chunks(const char *text, size_t len, size_t chunk, size_t cap, blocks_t *b)
{
    uint8_t *out = malloc(cap ? cap : 1);
    nacme_pem_splitter_t s;
    nacme_pem_splitter_init(&s, out, cap);
    memset(b, 0, sizeof(*b));
    int rc = NACME_OK;
    for (size_t off = 0; off < len && rc == NACME_OK;) {
        size_t n = (chunk == 0 || len - off < chunk) ? len - off : chunk;
        char *piece = test_tight_copy(text + off, n);
        size_t at = 0;
        while (at < n) {
            size_t used = 999;
            nacme_pem_event_t ev;
            rc = nacme_pem_split(&s, piece + at, n - at, &used, &ev);
            if (rc != NACME_OK) break;
            assert_true(used >= 1 && used <= n - at);
            if (ev == NACME_PEM_BLOCK) {
                assert_true(b->n < 3);
                assert_ptr_equal(s.der, out);
                assert_true(s.der_len <= OUT_CAP);
                memcpy(b->der[b->n], s.der, s.der_len);
                b->len[b->n] = s.der_len;
                strcpy(b->label[b->n], s.label);
                b->n++;
                assert_int_equal(s.blocks, b->n);
            } else {
                assert_int_equal(ev, NACME_PEM_NEED_MORE);
                assert_int_equal(used, n - at);
            }
            at += used;
        }
        free(piece);
        off += n;
    }
    if (rc == NACME_OK) rc = nacme_pem_splitter_finish(&s);
    free(out);
    return rc;
}

static int split_text(const char *text, size_t chunk, blocks_t *b)
{
    return split_chunks(text, strlen(text), chunk, OUT_CAP, b);
}

typedef struct {
    uint8_t *chain;
    size_t chain_len;
    uint8_t *der[3];
    size_t der_len[3];
} chain_t;

static int setup_chain(void **state)
{
    chain_t *c = calloc(1, sizeof *c);
    static const char *const names[3] = {"leaf-ec.der", "ca-ec.der", "ca-rsa.der"};
    c->chain = test_data_read("chain.pem", &c->chain_len);
    for (int i = 0; i < 3; i++) c->der[i] = test_data_read(names[i], &c->der_len[i]);
    *state = c;
    return 0;
}

static int teardown_chain(void **state)
{
    chain_t *c = *state;
    free(c->chain);
    for (int i = 0; i < 3; i++) free(c->der[i]);
    free(c);
    return 0;
}

static void assert_chain_blocks(const chain_t *c, const blocks_t *b)
{
    assert_int_equal(b->n, 3);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(b->len[i], c->der_len[i]);
        assert_memory_equal(b->der[i], c->der[i], c->der_len[i]);
        assert_string_equal(b->label[i], "CERTIFICATE");
    }
}

/* ---- encoder ------------------------------------------------------------------ */

static void test_encode_vectors(void **state)
{
    (void)state;
    char buf[512];
    nacme_sb_t sb;
    nacme_sb_init(&sb, buf, sizeof buf);
    assert_int_equal(nacme_pem_encode(&sb, "X", (const uint8_t *)"foobar", 6), NACME_OK);
    assert_string_equal(nacme_sb_cstr(&sb), "-----BEGIN X-----\nZm9vYmFy\n-----END X-----\n");
    nacme_sb_init(&sb, buf, sizeof buf);
    assert_int_equal(nacme_pem_encode(&sb, "EMPTY", NULL, 0), NACME_OK);
    assert_string_equal(nacme_sb_cstr(&sb), "-----BEGIN EMPTY-----\n-----END EMPTY-----\n");
    /* 48 bytes fill one 64-character line exactly; 49 start a second */
    uint8_t z[49] = {0};
    nacme_sb_init(&sb, buf, sizeof buf);
    assert_int_equal(nacme_pem_encode(&sb, "Z", z, 48), NACME_OK);
    assert_string_equal(nacme_sb_cstr(&sb), "-----BEGIN Z-----\n"
                                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                                            "-----END Z-----\n");
    nacme_sb_init(&sb, buf, sizeof buf);
    assert_int_equal(nacme_pem_encode(&sb, "Z", z, 49), NACME_OK);
    assert_string_equal(nacme_sb_cstr(&sb), "-----BEGIN Z-----\n"
                                            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"
                                            "AA==\n"
                                            "-----END Z-----\n");
    /* no room: the builder's error */
    nacme_sb_init(&sb, buf, 20);
    assert_int_equal(nacme_pem_encode(&sb, "X", (const uint8_t *)"foobar", 6), NACME_ERR_TOO_LARGE);
    assert_int_equal(nacme_pem_encode(NULL, "X", z, 1), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_encode(&sb, NULL, z, 1), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_encode(&sb, "X", NULL, 1), NACME_ERR_ARG);
}

/* Our PEM of each certificate is byte for byte openssl's. */
static void test_encode_matches_openssl(void **state)
{
    (void)state;
    static const char *const names[] = {"leaf", "leaf-ec", "ca-ec", "ca-rsa", "nosan"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char file[32];
        size_t der_len, pem_len;
        snprintf(file, sizeof file, "%s.der", names[i]);
        uint8_t *der = test_data_read(file, &der_len);
        snprintf(file, sizeof file, "%s.pem", names[i]);
        uint8_t *pem = test_data_read(file, &pem_len);
        char *buf = malloc(pem_len);
        nacme_sb_t sb;
        nacme_sb_init(&sb, buf, pem_len); /* exactly the size needed */
        assert_int_equal(nacme_pem_encode(&sb, "CERTIFICATE", der, der_len), NACME_OK);
        assert_int_equal(sb.len, pem_len);
        assert_memory_equal(buf, pem, pem_len);
        free(buf);
        free(pem);
        free(der);
    }
}

/* ---- splitter ------------------------------------------------------------------ */

static void test_split_chain_whole_and_bytewise(void **state)
{
    chain_t *c = *state;
    blocks_t *b = malloc(sizeof *b);
    assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, 0, OUT_CAP, b), NACME_OK);
    assert_chain_blocks(c, b);
    assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, 1, OUT_CAP, b), NACME_OK);
    assert_chain_blocks(c, b);
    for (size_t chunk = 2; chunk < 70; chunk += 7) {
        assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, chunk, OUT_CAP, b), NACME_OK);
        assert_chain_blocks(c, b);
    }
    free(b);
}

/* Two pieces, cut at every offset of the chain. */
static void test_split_chain_every_offset(void **state)
{
    chain_t *c = *state;
    blocks_t *b = malloc(sizeof *b);
    for (size_t cut = 0; cut <= c->chain_len; cut++) {
        uint8_t *out = malloc(OUT_CAP);
        nacme_pem_splitter_t s;
        nacme_pem_splitter_init(&s, out, OUT_CAP);
        b->n = 0;
        const char *part[2] = {(const char *)c->chain, (const char *)c->chain + cut};
        size_t part_len[2] = {cut, c->chain_len - cut};
        for (int k = 0; k < 2; k++) {
            char *piece = test_tight_copy(part[k], part_len[k]);
            size_t at = 0;
            while (at < part_len[k]) {
                size_t used;
                nacme_pem_event_t ev;
                assert_int_equal(nacme_pem_split(&s, piece + at, part_len[k] - at, &used, &ev), NACME_OK);
                if (ev == NACME_PEM_BLOCK) {
                    assert_int_equal(s.der_len, c->der_len[b->n]);
                    assert_memory_equal(s.der, c->der[b->n], s.der_len);
                    b->n++;
                }
                at += used;
            }
            free(piece);
        }
        assert_int_equal(b->n, 3);
        assert_int_equal(nacme_pem_splitter_finish(&s), NACME_OK);
        free(out);
    }
    free(b);
}

/* Replace every "\n" by `eol` (e.g. "\r\n", " \t\r\n"). */
static char *with_line_ends(const uint8_t *text, size_t len, const char *eol)
{
    size_t el = strlen(eol);
    char *o = malloc(len * el + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            memcpy(o + n, eol, el);
            n += el;
        } else {
            o[n++] = (char)text[i];
        }
    }
    o[n] = '\0';
    return o;
}

static void test_split_crlf_and_trailing_space(void **state)
{
    chain_t *c = *state;
    blocks_t *b = malloc(sizeof *b);
    static const char *const eols[] = {"\r\n", " \r\n", "\t \n", " \t\r\n"};
    for (size_t i = 0; i < sizeof eols / sizeof eols[0]; i++) {
        char *t = with_line_ends(c->chain, c->chain_len, eols[i]);
        assert_int_equal(split_text(t, 0, b), NACME_OK);
        assert_chain_blocks(c, b);
        assert_int_equal(split_text(t, 1, b), NACME_OK);
        assert_chain_blocks(c, b);
        free(t);
    }
    free(b);
}

static void test_split_text_outside_blocks(void **state)
{
    (void)state;
    blocks_t *b = malloc(sizeof *b);
    static const char text[] = "garbage before\n"
                               "-----END CERTIFICATE-----\n"   /* a stray END outside is text */
                               "----- not a boundary\n"
                               "-----BEGINNING of nothing\n"
                               "\n"
                               "  -----BEGIN X----- (not at a line start)\n"
                               "-----BEGIN A-----\n"
                               "Zm9v\n"
                               "-----END A-----\n"
                               "between: Zm9v\r\n"
                               "-----BEGIN B C-----\n"
                               "Zm9v\n"
                               "YmE=\n"
                               "-----END B C-----";         /* no final line end */
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        assert_int_equal(split_text(text, chunk, b), NACME_OK);
        assert_int_equal(b->n, 2);
        assert_string_equal(b->label[0], "A");
        assert_int_equal(b->len[0], 3);
        assert_memory_equal(b->der[0], "foo", 3);
        assert_string_equal(b->label[1], "B C");
        assert_int_equal(b->len[1], 5);
        assert_memory_equal(b->der[1], "fooba", 5);
    }
    /* no block at all, an empty block, base64 lines of any length */
    assert_int_equal(split_text("just text\nno blocks", 1, b), NACME_OK);
    assert_int_equal(b->n, 0);
    assert_int_equal(split_text("-----BEGIN E-----\n-----END E-----\n", 0, b), NACME_OK);
    assert_int_equal(b->n, 1);
    assert_int_equal(b->len[0], 0);
    assert_int_equal(split_text("-----BEGIN E-----\nZm9vYmFy\nZm9\nv\n\n-----END E-----\n", 1, b), NACME_OK);
    assert_int_equal(b->len[0], 9);
    assert_memory_equal(b->der[0], "foobarfoo", 9);
    free(b);
}

static void test_split_errors(void **state)
{
    (void)state;
    blocks_t *b = malloc(sizeof *b);
    static const struct {
        const char *what;
        const char *text;
        int rc;
    } bad[] = {
        {"bad base64 character", "-----BEGIN A-----\nZm9*\n-----END A-----\n", NACME_ERR_PEM},
        {"non-canonical bits", "-----BEGIN A-----\nZh==\n-----END A-----\n", NACME_ERR_PEM},
        {"not a multiple of 4", "-----BEGIN A-----\nZm9vY\n-----END A-----\n", NACME_ERR_PEM},
        {"data after padding", "-----BEGIN A-----\nZg==\nZm9v\n-----END A-----\n", NACME_ERR_PEM},
        {"padding in the middle", "-----BEGIN A-----\nZ=9v\n-----END A-----\n", NACME_ERR_PEM},
        {"END label differs", "-----BEGIN A-----\nZm9v\n-----END B-----\n", NACME_ERR_PEM},
        {"END label longer", "-----BEGIN A-----\nZm9v\n-----END AB-----\n", NACME_ERR_PEM},
        {"END label shorter", "-----BEGIN AB-----\nZm9v\n-----END A-----\n", NACME_ERR_PEM},
        {"BEGIN inside a block", "-----BEGIN A-----\nZm9v\n-----BEGIN A-----\n", NACME_ERR_PEM},
        {"text after END", "-----BEGIN A-----\nZm9v\n-----END A-----x\n", NACME_ERR_PEM},
        {"BEGIN line without dashes", "-----BEGIN A\nZm9v\n-----END A-----\n", NACME_ERR_PEM},
        {"BEGIN line too long",
         "-----BEGIN AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA-----\n",
         NACME_ERR_PEM},
        {"control character in the label", "-----BEGIN A\001-----\nZm9v\n-----END A\001-----\n", NACME_ERR_PEM},
        {"unterminated block", "-----BEGIN A-----\nZm9v\n", NACME_ERR_PEM},
        {"unterminated BEGIN line", "-----BEGIN A----", NACME_ERR_PEM},
        {"unterminated END line", "-----BEGIN A-----\nZm9v\n-----END A---", NACME_ERR_PEM},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        for (size_t chunk = 0; chunk <= 1; chunk++) {
            int rc = split_text(bad[i].text, chunk, b);
            if (rc != bad[i].rc) fail_msg("%s (chunk %zu): %d", bad[i].what, chunk, rc);
        }
    }
    free(b);
}

/* A block's DER larger than the output: NACME_ERR_TOO_LARGE; exactly its size fits. */
static void test_split_too_large(void **state)
{
    chain_t *c = *state;
    blocks_t *b = malloc(sizeof *b);
    size_t biggest = c->der_len[0];
    for (int i = 1; i < 3; i++) biggest = c->der_len[i] > biggest ? c->der_len[i] : biggest;
    assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, 0, biggest, b), NACME_OK);
    assert_chain_blocks(c, b);
    for (size_t cap = biggest - 3; cap < biggest; cap++) {
        assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, 1, cap, b), NACME_ERR_TOO_LARGE);
    }
    assert_int_equal(split_chunks((const char *)c->chain, c->chain_len, 0, 0, b), NACME_ERR_TOO_LARGE);
    free(b);
}

/* An error sticks; NULL arguments are rejected. */
static void test_split_sticky_and_args(void **state)
{
    (void)state;
    uint8_t out[16];
    nacme_pem_splitter_t s;
    nacme_pem_splitter_init(&s, out, sizeof out);
    size_t used = 99;
    nacme_pem_event_t ev;
    const char *bad = "-----BEGIN A-----\n*\n-----END A-----\n";
    assert_int_equal(nacme_pem_split(&s, bad, strlen(bad), &used, &ev), NACME_ERR_PEM);
    const char *good = "-----BEGIN A-----\nZm9v\n-----END A-----\n";
    assert_int_equal(nacme_pem_split(&s, good, strlen(good), &used, &ev), NACME_ERR_PEM);
    assert_int_equal(used, 0);
    assert_int_equal(ev, NACME_PEM_NEED_MORE);
    assert_int_equal(nacme_pem_splitter_finish(&s), NACME_ERR_PEM);
    nacme_pem_splitter_init(&s, out, sizeof out);
    assert_int_equal(nacme_pem_split(&s, good, strlen(good), &used, &ev), NACME_OK);
    assert_int_equal(ev, NACME_PEM_BLOCK);
    assert_int_equal(used, strlen(good) - 1); /* the block ends at the last '-'; '\n' is left */
    assert_int_equal(nacme_pem_split(&s, good + used, 1, &used, &ev), NACME_OK);
    assert_int_equal(ev, NACME_PEM_NEED_MORE);
    assert_int_equal(used, 1);
    assert_int_equal(nacme_pem_split(&s, NULL, 0, &used, &ev), NACME_OK);
    assert_int_equal(used, 0);
    assert_int_equal(nacme_pem_split(&s, NULL, 1, &used, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_split(NULL, good, 1, &used, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_split(&s, good, 1, NULL, &ev), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_split(&s, good, 1, &used, NULL), NACME_ERR_ARG);
    assert_int_equal(nacme_pem_splitter_finish(&s), NACME_OK);
}

/* Encode then split gives back the DER, for every length 0..200. */
static void test_round_trip(void **state)
{
    (void)state;
    uint8_t der[200];
    for (size_t i = 0; i < sizeof der; i++) der[i] = (uint8_t)(i * 73u + 5u);
    char *text = malloc(512);
    blocks_t *b = malloc(sizeof *b);
    for (size_t len = 0; len <= sizeof der; len++) {
        nacme_sb_t sb;
        nacme_sb_init(&sb, text, 512);
        assert_int_equal(nacme_pem_encode(&sb, "DATA", der, len), NACME_OK);
        assert_int_equal(split_chunks(text, sb.len, 1, len, b), NACME_OK);
        assert_int_equal(b->n, 1);
        assert_int_equal(b->len[0], len);
        assert_memory_equal(b->der[0], der, len);
    }
    free(b);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_vectors),
        cmocka_unit_test(test_encode_matches_openssl),
        cmocka_unit_test_setup_teardown(test_split_chain_whole_and_bytewise, setup_chain, teardown_chain),
        cmocka_unit_test_setup_teardown(test_split_chain_every_offset, setup_chain, teardown_chain),
        cmocka_unit_test_setup_teardown(test_split_crlf_and_trailing_space, setup_chain, teardown_chain),
        cmocka_unit_test(test_split_text_outside_blocks),
        cmocka_unit_test(test_split_errors),
        cmocka_unit_test_setup_teardown(test_split_too_large, setup_chain, teardown_chain),
        cmocka_unit_test(test_split_sticky_and_args),
        cmocka_unit_test(test_round_trip),
    };
    return cmocka_run_group_tests_name("pem", tests, NULL, NULL);
}
