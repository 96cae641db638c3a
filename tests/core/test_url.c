/*
 * Tests for core/url.c: ACME server URLs (Let's Encrypt, Pebble on IPv4 and
 * IPv6), host forms, ports, paths with queries and fragments, every
 * rejection with its exact code, every prefix of valid URLs, inputs at the
 * end of their allocation, and same-origin comparison.
 */
#include "test_util.h"

#include "nacme_url.h"

/* test_tight_copy() that also initializes the 1-byte block of an empty input. */
static char *tight(const char *s, size_t n)
{
    char *p = test_tight_copy(s, n);
    assert_non_null(p);
    if (n == 0) p[0] = '\0';
    return p;
}

/* Parse a copy placed at the very end of a heap block; copy the result's strings out. */
static int parse(const char *s, size_t n, nacme_url_t *u, char *host, char *path)
{
    char *c = tight(s, n);
    int rc = nacme_url_parse(c, n, u);
    if (rc == NACME_OK) {
        /* host and path point into the input (or path at a constant "/") */
        assert_true(u->host >= c && u->host + u->host_len <= c + n);
        assert_true((u->path >= c && u->path + u->path_len <= c + n) ||
                    (u->path_len == 1 && u->path[0] == '/'));
        memcpy(host, u->host, u->host_len);
        host[u->host_len] = '\0';
        memcpy(path, u->path, u->path_len);
        path[u->path_len] = '\0';
    }
    free(c);
    return rc;
}

enum { NAME, V4, V6 };

static const struct {
    const char *url;
    const char *host;
    unsigned port;
    int kind;
    const char *path;
} valid[] = {
    {"https://acme-v02.api.letsencrypt.org/directory", "acme-v02.api.letsencrypt.org", 443, NAME, "/directory"},
    {"https://acme-staging-v02.api.letsencrypt.org/acme/new-order", "acme-staging-v02.api.letsencrypt.org", 443,
     NAME, "/acme/new-order"},
    {"https://acme-v02.api.letsencrypt.org/acme/order/12345/67890", "acme-v02.api.letsencrypt.org", 443, NAME,
     "/acme/order/12345/67890"},
    {"https://acme-v02.api.letsencrypt.org/draft-ietf-acme-ari-03/renewalInfo/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE",
     "acme-v02.api.letsencrypt.org", 443, NAME, "/draft-ietf-acme-ari-03/renewalInfo/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE"},
    {"https://127.0.0.1:14000/dir", "127.0.0.1", 14000, V4, "/dir"},
    {"https://localhost:14000/dir", "localhost", 14000, NAME, "/dir"},
    {"https://[::1]:14000/dir", "::1", 14000, V6, "/dir"},
    {"https://[2001:db8::1]/x", "2001:db8::1", 443, V6, "/x"},
    {"https://ca.example/acme/authz/1?foo=bar&x=%41", "ca.example", 443, NAME, "/acme/authz/1?foo=bar&x=%41"},
    {"https://ca.example/a?b#c", "ca.example", 443, NAME, "/a?b"},
    {"https://ca.example/a#frag", "ca.example", 443, NAME, "/a"},
    {"https://ca.example/a#", "ca.example", 443, NAME, "/a"},
    {"https://ca.example#frag", "ca.example", 443, NAME, "/"},
    {"https://ca.example", "ca.example", 443, NAME, "/"},
    {"https://ca.example/", "ca.example", 443, NAME, "/"},
    {"https://ca.example:443", "ca.example", 443, NAME, "/"},
    {"https://ca.example:8443#x", "ca.example", 8443, NAME, "/"},
    {"https://ca.example:1/a", "ca.example", 1, NAME, "/a"},
    {"https://ca.example:65535/a", "ca.example", 65535, NAME, "/a"},
    {"https://ca.example:00443/a", "ca.example", 443, NAME, "/a"}, /* RFC 3986 port = *DIGIT */
    {"HTTPS://CA.Example/Dir", "CA.Example", 443, NAME, "/Dir"},
    {"hTtPs://ca.example/", "ca.example", 443, NAME, "/"},
    {"https://a/", "a", 443, NAME, "/"},
    {"https://a-b.c-d.e9/", "a-b.c-d.e9", 443, NAME, "/"},
    {"https://1password.example/", "1password.example", 443, NAME, "/"},
    {"https://xn--bcher-kva.example/", "xn--bcher-kva.example", 443, NAME, "/"},
    {"https://ca.example/a@b:c/d;e=f,g$h!i*j'k(l)m+n~o", "ca.example", 443, NAME, "/a@b:c/d;e=f,g$h!i*j'k(l)m+n~o"},
    {"https://ca.example//", "ca.example", 443, NAME, "//"},
    {"https://ca.example/?", "ca.example", 443, NAME, "/?"},
    {"https://0.0.0.0/", "0.0.0.0", 443, V4, "/"},
    {"https://255.255.255.255:1/", "255.255.255.255", 1, V4, "/"},
    {"https://10.0.0.10/", "10.0.0.10", 443, V4, "/"},
    {"https://[::]/", "::", 443, V6, "/"},
    {"https://[::]", "::", 443, V6, "/"},
    {"https://[::1]", "::1", 443, V6, "/"},
    {"https://[1::]/", "1::", 443, V6, "/"},
    {"https://[1:2:3:4:5:6:7:8]/", "1:2:3:4:5:6:7:8", 443, V6, "/"},
    {"https://[1:2:3:4:5:6:7::]/", "1:2:3:4:5:6:7::", 443, V6, "/"},
    {"https://[::2:3:4:5:6:7:8]/", "::2:3:4:5:6:7:8", 443, V6, "/"},
    {"https://[1:2:3::6:7:8]/", "1:2:3::6:7:8", 443, V6, "/"},
    {"https://[FE80::ABCD:ef01]/", "FE80::ABCD:ef01", 443, V6, "/"},
    {"https://[2001:0db8:0000:0000:0000:0000:0000:0001]:8443/x", "2001:0db8:0000:0000:0000:0000:0000:0001", 8443,
     V6, "/x"},
    {"https://[::ffff:192.0.2.1]/", "::ffff:192.0.2.1", 443, V6, "/"},
    {"https://[::192.0.2.1]/", "::192.0.2.1", 443, V6, "/"},
    {"https://[1:2:3:4:5:6:1.2.3.4]/", "1:2:3:4:5:6:1.2.3.4", 443, V6, "/"},
    {"https://[1:2:3:4:5::1.2.3.4]/", "1:2:3:4:5::1.2.3.4", 443, V6, "/"},
    {"https://[64:ff9b::10.0.0.1]:14000/dir", "64:ff9b::10.0.0.1", 14000, V6, "/dir"},
};

static void test_valid_urls(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        nacme_url_t u;
        char host[300], path[300];
        int rc = parse(valid[i].url, strlen(valid[i].url), &u, host, path);
        if (rc != NACME_OK) fail_msg("%s: %d", valid[i].url, rc);
        assert_string_equal(host, valid[i].host);
        assert_int_equal(u.port, valid[i].port);
        assert_string_equal(path, valid[i].path);
        assert_int_equal(u.host_is_ipv4, valid[i].kind == V4);
        assert_int_equal(u.host_is_ipv6, valid[i].kind == V6);
    }
}

static const struct {
    const char *url;
    int rc;
} invalid[] = {
    /* scheme and userinfo */
    {"http://acme-v02.api.letsencrypt.org/directory", NACME_ERR_URL_SCHEME},
    {"HTTP://ca.example/", NACME_ERR_URL_SCHEME},
    {"ftp://ca.example/", NACME_ERR_URL_SCHEME},
    {"wss://ca.example/", NACME_ERR_URL_SCHEME},
    {"httpsx://ca.example/", NACME_ERR_URL_SCHEME},
    {"htps://ca.example/", NACME_ERR_URL_SCHEME},
    {"ca.example/directory", NACME_ERR_URL_SCHEME},
    {"//ca.example/", NACME_ERR_URL_SCHEME},
    {"/directory", NACME_ERR_URL_SCHEME},
    {"", NACME_ERR_URL_SCHEME},
    {"https", NACME_ERR_URL_SCHEME},
    {"https://user@ca.example/", NACME_ERR_URL_SCHEME},
    {"https://user:secret@ca.example/", NACME_ERR_URL_SCHEME},
    {"https://@ca.example/", NACME_ERR_URL_SCHEME},
    {"https://ca.example@evil.example/", NACME_ERR_URL_SCHEME},
    {"https://ca.example:443@evil.example/", NACME_ERR_URL_SCHEME},
    {"https://[::1]@evil.example/", NACME_ERR_URL_SCHEME},
    /* "https:" without an authority */
    {"https:", NACME_ERR_URL},
    {"https:/", NACME_ERR_URL},
    {"https:/ca.example/", NACME_ERR_URL},
    {"https:ca.example", NACME_ERR_URL},
    {"https:\\\\ca.example/", NACME_ERR_URL},
    /* characters */
    {"https://ca .example/", NACME_ERR_URL},
    {"https://ca.example/a b", NACME_ERR_URL},
    {" https://ca.example/", NACME_ERR_URL},
    {"https://ca.example/ ", NACME_ERR_URL},
    {"https://ca.example/\t", NACME_ERR_URL},
    {"https://ca.example/a\r\nHost: evil", NACME_ERR_URL},
    {"https://ca.example/a\n", NACME_ERR_URL},
    {"https://ca.example\\@evil.example/", NACME_ERR_URL},
    {"https://ca.example/a\\b", NACME_ERR_URL},
    {"https://ca.example/\x7f", NACME_ERR_URL},
    {"https://ca.example/\x80", NACME_ERR_URL},
    {"https://b\xc3\xbc" "cher.example/", NACME_ERR_URL},
    {"https://ca.example/#\x01", NACME_ERR_URL},
    {"http://ca.example/ x", NACME_ERR_URL}, /* characters are checked before the scheme */
    /* host names */
    {"https://", NACME_ERR_URL},
    {"https:///dir", NACME_ERR_URL},
    {"https://?x", NACME_ERR_URL},
    {"https://#x", NACME_ERR_URL},
    {"https://:443/", NACME_ERR_URL},
    {"https://ca_1.example/", NACME_ERR_URL},
    {"https://ca%2Eexample/", NACME_ERR_URL}, /* no percent-encoding in hosts */
    {"https://%63a.example/", NACME_ERR_URL},
    {"https://ca..example/", NACME_ERR_URL},
    {"https://.ca.example/", NACME_ERR_URL},
    {"https://ca.example./", NACME_ERR_URL},
    {"https://./", NACME_ERR_URL},
    {"https://ca!.example/", NACME_ERR_URL},
    {"https://ca[.example/", NACME_ERR_URL},
    {"https://ca].example/", NACME_ERR_URL},
    {"https://ca.example?x=1", NACME_ERR_URL}, /* a query without a path */
    /* IPv4-looking names */
    {"https://1.2.3/", NACME_ERR_URL},
    {"https://1.2.3.4.5/", NACME_ERR_URL},
    {"https://256.1.1.1/", NACME_ERR_URL},
    {"https://1.1.1.256/", NACME_ERR_URL},
    {"https://1.1.1.1000/", NACME_ERR_URL},
    {"https://01.2.3.4/", NACME_ERR_URL},
    {"https://1.2.3.04/", NACME_ERR_URL},
    {"https://1.2.3.00/", NACME_ERR_URL},
    {"https://127.1/", NACME_ERR_URL},
    {"https://2130706433/", NACME_ERR_URL},
    {"https://0x7f.0.0.1/", NACME_ERR_URL},
    {"https://127.0.0.0x1/", NACME_ERR_URL},
    {"https://1.2.3.4a/", NACME_ERR_URL},
    {"https://ca.example.4/", NACME_ERR_URL},
    {"https://1..2.3/", NACME_ERR_URL},
    {"https://1.2.3.4./", NACME_ERR_URL},
    /* IPv6 literals */
    {"https://::1/", NACME_ERR_URL},
    {"https://[::1/", NACME_ERR_URL},
    {"https://[::1", NACME_ERR_URL},
    {"https://::1]/", NACME_ERR_URL},
    {"https://[::1]x/", NACME_ERR_URL},
    {"https://[::1][::2]/", NACME_ERR_URL},
    {"https://[]/", NACME_ERR_URL},
    {"https://[:]/", NACME_ERR_URL},
    {"https://[:::]/", NACME_ERR_URL},
    {"https://[1.2.3.4]/", NACME_ERR_URL},
    {"https://[ca.example]/", NACME_ERR_URL},
    {"https://[::1%25eth0]/", NACME_ERR_URL},
    {"https://[fe80::1%eth0]/", NACME_ERR_URL},
    {"https://[v1.fe80::1]/", NACME_ERR_URL},
    {"https://[1:2:3:4:5:6:7:8:9]/", NACME_ERR_URL},
    {"https://[1:2:3:4:5:6:7]/", NACME_ERR_URL},
    {"https://[1:2:3:4:5:6:7:8::]/", NACME_ERR_URL},
    {"https://[::1:2:3:4:5:6:7:8]/", NACME_ERR_URL},
    {"https://[1::2::3]/", NACME_ERR_URL},
    {"https://[::1::]/", NACME_ERR_URL},
    {"https://[:1::2]/", NACME_ERR_URL},
    {"https://[1::2:]/", NACME_ERR_URL},
    {"https://[1:2]/", NACME_ERR_URL},
    {"https://[1:::2]/", NACME_ERR_URL},
    {"https://[12345::1]/", NACME_ERR_URL},
    {"https://[g::1]/", NACME_ERR_URL},
    {"https://[::1.2.3]/", NACME_ERR_URL},
    {"https://[::1.2.3.4:5]/", NACME_ERR_URL},
    {"https://[::1.2.3.4.5]/", NACME_ERR_URL},
    {"https://[::01.2.3.4]/", NACME_ERR_URL},
    {"https://[::ffff:256.1.1.1]/", NACME_ERR_URL},
    {"https://[::ffff:1a.2.3.4]/", NACME_ERR_URL},
    {"https://[1:2:3:4:5:6:7:1.2.3.4]/", NACME_ERR_URL},
    {"https://[1.2.3.4::]/", NACME_ERR_URL},
    {"https://[ ::1]/", NACME_ERR_URL},
    /* ports */
    {"https://ca.example:/", NACME_ERR_URL},
    {"https://ca.example:", NACME_ERR_URL},
    {"https://[::1]:/", NACME_ERR_URL},
    {"https://ca.example:0/", NACME_ERR_URL},
    {"https://ca.example:00000/", NACME_ERR_URL},
    {"https://ca.example:65536/", NACME_ERR_URL},
    {"https://ca.example:99999999999999999999/", NACME_ERR_URL},
    {"https://ca.example:4294967739/", NACME_ERR_URL}, /* 443 + 2^32 */
    {"https://ca.example:44a/", NACME_ERR_URL},
    {"https://ca.example:-1/", NACME_ERR_URL},
    {"https://ca.example:+443/", NACME_ERR_URL},
    {"https://ca.example:443:443/", NACME_ERR_URL},
    {"https://ca.example::443/", NACME_ERR_URL},
    {"https://[::1]:14000:1/", NACME_ERR_URL},
};

static void test_invalid_urls(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        nacme_url_t u;
        memset(&u, 0xa5, sizeof u);
        char host[300], path[300];
        int rc = parse(invalid[i].url, strlen(invalid[i].url), &u, host, path);
        if (rc != invalid[i].rc) fail_msg("'%s': got %d, want %d", invalid[i].url, rc, invalid[i].rc);
        /* out is untouched on error */
        assert_int_equal(u.port, 0xa5a5);
        assert_int_equal(u.host_len, (size_t)0xa5a5a5a5a5a5a5a5ull);
    }
}

/* An embedded NUL is a control character, and nothing past len is read. */
static void test_nul_and_length(void **state)
{
    (void)state;
    nacme_url_t u;
    assert_int_equal(nacme_url_parse("https://ca.example/\0x", 21, &u), NACME_ERR_URL);
    assert_int_equal(nacme_url_parse("https://ca\0.example/", 20, &u), NACME_ERR_URL);
    /* len shorter than the string: only the prefix counts */
    assert_int_equal(nacme_url_parse("https://ca.example:8443/dir", 18, &u), NACME_OK);
    assert_int_equal(u.host_len, 10);
    assert_int_equal(u.port, 443);
    assert_int_equal(u.path_len, 1);
    assert_int_equal(nacme_url_parse("https://ca.example:8443/dir", 19, &u), NACME_ERR_URL);
    assert_int_equal(nacme_url_parse(NULL, 10, &u), NACME_ERR_ARG);
    assert_int_equal(nacme_url_parse("https://a/", 10, NULL), NACME_ERR_ARG);
}

/* Build "https://" + host label(s) + "/" + filler to exact lengths. */
static void make_url(char *buf, size_t host_len, size_t label_len, size_t total)
{
    size_t o = 0;
    memcpy(buf, "https://", 8);
    o = 8;
    for (size_t i = 0; i < host_len; i++) {
        buf[o++] = ((i + 1) % (label_len + 1) == 0) ? '.' : (char)('a' + i % 26);
    }
    buf[o++] = '/';
    while (o < total) buf[o++] = 'p';
    buf[o] = '\0';
}

static void test_limits(void **state)
{
    (void)state;
    char buf[NACME_URL_MAX + 64];
    char host[NACME_URL_MAX + 64], path[NACME_URL_MAX + 64];
    nacme_url_t u;
    /* the longest URL accepted, and one byte more */
    make_url(buf, 20, 63, NACME_URL_MAX);
    assert_int_equal(strlen(buf), NACME_URL_MAX);
    assert_int_equal(parse(buf, NACME_URL_MAX, &u, host, path), NACME_OK);
    assert_int_equal(u.path_len, NACME_URL_MAX - 28);
    make_url(buf, 20, 63, NACME_URL_MAX + 1);
    assert_int_equal(parse(buf, NACME_URL_MAX + 1, &u, host, path), NACME_ERR_TOO_LARGE);
    /* too large is found before anything else */
    memset(buf, ' ', NACME_URL_MAX + 1);
    assert_int_equal(parse(buf, NACME_URL_MAX + 1, &u, host, path), NACME_ERR_TOO_LARGE);
    /* labels: 63 characters fit, 64 do not */
    make_url(buf, 63, 63, 0);
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_OK);
    assert_int_equal(u.host_len, 63);
    make_url(buf, 64, 64, 0);
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_ERR_URL);
    make_url(buf, 63 + 1 + 63, 63, 0); /* two labels of 63 */
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_OK);
    assert_int_equal(u.host_len, 127);
    buf[8 + 63] = 'x'; /* replace the dot: one label of 127 */
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_ERR_URL);
    make_url(buf, 3 + 64, 2, 0); /* "ab." then a label of 64 */
    memset(buf + 8 + 3, 'q', 64);
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_ERR_URL);
    buf[8 + 3 + 63] = '/'; /* "ab." then a label of 63 */
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_OK);
    assert_int_equal(u.host_len, 3 + 63);
    assert_string_equal(path, "//");
    /* the longest host a default NACME_URL_MAX allows is fine (the host limit is in test_url_limits.c) */
    size_t hmax = NACME_URL_MAX - 9 < NACME_HOST_MAX ? NACME_URL_MAX - 9 : NACME_HOST_MAX;
    make_url(buf, hmax, 63, 0);
    assert_int_equal(parse(buf, strlen(buf), &u, host, path), NACME_OK);
    assert_int_equal(u.host_len, hmax);
}

/* Index where the authority of a URL ends (first '/', '?' or '#' after "https://"). */
static size_t authority_end(const char *url)
{
    size_t k = 8;
    while (url[k] != '\0' && url[k] != '/' && url[k] != '?' && url[k] != '#') k++;
    return k;
}

/*
 * Every prefix of every valid URL parses or fails with the expected code,
 * reading only its bytes; a prefix that parses has a prefix of the host.
 */
static void test_every_prefix(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t n = strlen(valid[i].url);
        for (size_t len = 0; len <= n; len++) {
            nacme_url_t u;
            char host[300], path[300];
            int rc = parse(valid[i].url, len, &u, host, path);
            if (len < 6) {
                assert_int_equal(rc, NACME_ERR_URL_SCHEME);
            } else if (len <= 8) {
                assert_int_equal(rc, NACME_ERR_URL); /* "https:", "https:/", "https://" */
            } else if (len == n) {
                assert_int_equal(rc, NACME_OK);
            } else if (rc == NACME_OK) {
                assert_true(u.host_len <= strlen(valid[i].host));
                assert_memory_equal(host, valid[i].host, u.host_len);
                assert_true(strncmp(path, valid[i].path, u.path_len) == 0 || strcmp(path, "/") == 0);
            } else {
                assert_int_equal(rc, NACME_ERR_URL);
            }
        }
    }
}

/*
 * Every single-byte corruption of every valid URL: forbidden characters are
 * NACME_ERR_URL, an '@' in the authority is userinfo (NACME_ERR_URL_SCHEME)
 * and in the path is fine; anything else gives OK or a URL error.
 */
static void test_corruptions(void **state)
{
    (void)state;
    static const char repl[] = "@:/[]?#%.\\ x0\x01\x7f\xff";
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        size_t n = strlen(valid[i].url);
        size_t aend = authority_end(valid[i].url);
        char *c = tight(valid[i].url, n);
        for (size_t k = 0; k < n; k++) {
            char saved = c[k];
            for (const char *r = repl; *r; r++) {
                if (*r == saved) continue;
                c[k] = *r;
                nacme_url_t u;
                int rc = nacme_url_parse(c, n, &u);
                if (*r == ' ' || *r == '\\' || *r == '\x01' || *r == '\x7f' || *r == '\xff') {
                    assert_int_equal(rc, NACME_ERR_URL);
                } else if (*r == '@' && k >= 8) {
                    assert_int_equal(rc, k <= aend ? NACME_ERR_URL_SCHEME : NACME_OK);
                } else if (k >= 8) {
                    /* replacing the path's '/' may pull an '@' of the path into the authority */
                    assert_true(rc == NACME_OK || rc == NACME_ERR_URL || (k == aend && rc == NACME_ERR_URL_SCHEME));
                } else {
                    assert_true(rc == NACME_ERR_URL || rc == NACME_ERR_URL_SCHEME);
                }
            }
            c[k] = saved;
        }
        free(c);
    }
}

static void test_same_origin(void **state)
{
    (void)state;
    static const struct {
        const char *a, *b;
        bool same;
    } v[] = {
        {"https://acme-v02.api.letsencrypt.org/directory", "https://acme-v02.api.letsencrypt.org/acme/new-nonce", true},
        {"https://ACME-v02.api.LetsEncrypt.org/directory", "https://acme-v02.api.letsencrypt.org:443/x", true},
        {"https://ca.example/", "https://ca.example:443", true},
        {"https://ca.example/", "https://ca.example:8443/", false},
        {"https://ca.example/", "https://ca.example.net/", false},
        {"https://ca.example/", "https://ca.exampl/", false},
        {"https://ca.example/", "https://cb.example/", false},
        {"https://127.0.0.1:14000/dir", "https://127.0.0.1:14000/nonce-plz", true},
        {"https://127.0.0.1:14000/dir", "https://127.0.0.1:15000/dir", false},
        {"https://127.0.0.1:14000/dir", "https://localhost:14000/dir", false},
        {"https://[::1]:14000/dir", "https://[::1]:14000/add-account", true},
        {"https://[::1]/", "https://[::1]:443/", true},
        {"https://[FE80::A]/", "https://[fe80::a]/", true},
        {"https://[::1]:14000/dir", "https://127.0.0.1:14000/dir", false},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        nacme_url_t a, b;
        assert_int_equal(nacme_url_parse(v[i].a, strlen(v[i].a), &a), NACME_OK);
        assert_int_equal(nacme_url_parse(v[i].b, strlen(v[i].b), &b), NACME_OK);
        if (nacme_url_same_origin(&a, &b) != v[i].same) fail_msg("%s vs %s", v[i].a, v[i].b);
        assert_int_equal(nacme_url_same_origin(&b, &a), v[i].same);
        assert_true(nacme_url_same_origin(&a, &a));
    }
    nacme_url_t a;
    assert_int_equal(nacme_url_parse("https://a/", 10, &a), NACME_OK);
    assert_false(nacme_url_same_origin(&a, NULL));
    assert_false(nacme_url_same_origin(NULL, &a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_urls),
        cmocka_unit_test(test_invalid_urls),
        cmocka_unit_test(test_nul_and_length),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_every_prefix),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_same_origin),
    };
    return cmocka_run_group_tests_name("url", tests, NULL, NULL);
}
