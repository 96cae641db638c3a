/*
 * Tests for platforms/linux/challenge_alpn.c through the challenge port:
 * real RFC 8737 certificates built by core (nacme_alpn_cert) and signed by
 * the wolfCrypt backend with deterministic entropy, served to
 * `openssl s_client -alpn acme-tls/1 -servername NAME` over TLS 1.2 and
 * 1.3; the served certificate must be ours byte for byte. Handshakes
 * without the ALPN, with another protocol, another or no SNI, and non-TLS
 * input are refused; IP identifiers are served under their reverse names
 * (RFC 8738).
 */
#include "ch_util.h"

#include "fake_entropy.h"
#include "nacme_certgen.h"
#include "nacme_wolfcrypt.h"

#define NAME1 "www.example.test"
#define NAME2 "other.example.test"

typedef struct cert {
    nacme_key_t key;
    uint8_t der[1024];
    size_t len;
} cert_t;

typedef struct fx {
    nacme_linux_loop_t loop;
    nacme_linux_challenge_t ch;
    nacme_challenge_port_t port;
    tlog_t log;
    fake_entropy_t fe;
    nacme_entropy_t entropy;
    nacme_wolfcrypt_t wc;
    nacme_crypto_t crypto;
    uint16_t portno;
    char dir[64];
    /* the last s_client run */
    int rc;
    char *out;
    char *err;
    char *der;
    size_t der_len;
} fx_t;

static void sha256(fx_t *f, const void *data, size_t len, uint8_t out[32])
{
    nacme_sha256_t st;
    assert_int_equal(f->crypto.sha256_init(f->crypto.ctx, &st), NACME_OK);
    assert_int_equal(f->crypto.sha256_update(f->crypto.ctx, &st, data, len), NACME_OK);
    assert_int_equal(f->crypto.sha256_final(f->crypto.ctx, &st, out), NACME_OK);
}

/* A tls-alpn-01 certificate for id, with a key of its own, as the engine makes it. */
static void make_cert(fx_t *f, nacme_id_type_t type, const char *id, cert_t *c)
{
    uint8_t xy[64];
    assert_int_equal(f->crypto.key_generate(f->crypto.ctx, &c->key), NACME_OK);
    assert_int_equal(f->crypto.key_public(f->crypto.ctx, c->key, xy), NACME_OK);
    nacme_alpn_cert_params_t p;
    memset(&p, 0, sizeof p);
    p.id.type = type;
    p.id.value = id;
    p.xy = xy;
    char ka[128];
    snprintf(ka, sizeof ka, "token-%s.thumbprint", id);
    sha256(f, ka, strlen(ka), p.key_auth_hash);
    memcpy(p.serial, p.key_auth_hash, sizeof p.serial);
    p.serial[0] &= 0x7f;
    int64_t now = (int64_t)time(NULL);
    p.not_before = now - 86400;
    p.not_after = now + 7 * 86400;
    uint8_t buf[1024];
    nacme_der_t d;
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert_tbs(&d, &p), NACME_OK);
    uint8_t digest[32];
    uint8_t rs[64];
    sha256(f, nacme_der_data(&d), nacme_der_len(&d), digest);
    assert_int_equal(f->crypto.sign_digest(f->crypto.ctx, c->key, digest, rs), NACME_OK);
    nacme_der_init(&d, buf, sizeof buf);
    assert_int_equal(nacme_alpn_cert(&d, &p, rs), NACME_OK);
    c->len = nacme_der_len(&d);
    memcpy(c->der, nacme_der_data(&d), c->len);
}

static nacme_challenge_t alpn_ch(nacme_id_type_t type, const char *id, const cert_t *c)
{
    nacme_challenge_t ch;
    memset(&ch, 0, sizeof ch);
    ch.type = NACME_CHALLENGE_TLS_ALPN_01;
    ch.id_type = type;
    ch.identifier = id;
    ch.token = "token";
    ch.key_authorization = "token.thumbprint";
    if (c) {
        ch.alpn_cert_der = c->der;
        ch.alpn_cert_len = c->len;
        ch.alpn_key = c->key;
    }
    return ch;
}

static fx_t *fx_new(const char *addr, uint32_t timeout_ms)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    nacme_linux_loop_init(&f->loop);
    fake_entropy_init(&f->fe, 8737);
    f->entropy = fake_entropy_port(&f->fe);
    assert_int_equal(nacme_wolfcrypt_init(&f->wc, &f->entropy), NACME_OK);
    nacme_wolfcrypt_port(&f->wc, &f->crypto);
    make_tmpdir(f->dir, sizeof f->dir, "alpn");
    f->portno = free_port(addr && strchr(addr, ':') ? AF_INET6 : AF_INET);
    nacme_linux_challenge_cfg_t cfg = {
        .loop = &f->loop,
        .crypto = &f->crypto,
        .log = tlog_port(&f->log),
        .alpn = true,
        .alpn_addr = addr,
        .alpn_port = f->portno,
        .alpn_timeout_ms = timeout_ms,
    };
    assert_int_equal(nacme_linux_challenge_init(&f->ch, &cfg), NACME_OK);
    nacme_linux_challenge_port(&f->ch, &f->port);
    assert_int_equal(f->port.supported, NACME_CHALLENGE_TLS_ALPN_01);
    return f;
}

static void clear_run(fx_t *f)
{
    free(f->out);
    free(f->err);
    free(f->der);
    f->out = f->err = f->der = NULL;
    f->der_len = 0;
}

static void fx_free(fx_t *f)
{
    clear_run(f);
    nacme_linux_challenge_free(&f->ch);
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(f->loop.n_ticks, 0);
    nacme_wolfcrypt_free(&f->wc);
    remove_tree(f->dir);
    free(f);
}

static int publish(fx_t *f, nacme_id_type_t type, const char *id, const cert_t *c)
{
    nacme_challenge_t ch = alpn_ch(type, id, c);
    return f->port.publish(f->port.ctx, &ch);
}

static int unpublish(fx_t *f, nacme_id_type_t type, const char *id)
{
    nacme_challenge_t ch = alpn_ch(type, id, NULL);
    return f->port.unpublish(f->port.ctx, &ch);
}

/*
 * Start `openssl s_client` against the responder with args (the loop is
 * not served yet): its pid. Output goes to DIR/out<i>, errors to DIR/err<i>.
 */
static pid_t s_client_start(fx_t *f, const char *host, const char *args, int i)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl s_client -connect %s:%u %s > %s/out%d 2> %s/err%d; rc=$?; rm -f %s/cert%d.der; "
             "openssl x509 -in %s/out%d -outform DER -out %s/cert%d.der 2>/dev/null; exit $rc",
             host, f->portno, args, f->dir, i, f->dir, i, f->dir, i, f->dir, i, f->dir, i);
    return bg_start(cmd);
}

static void s_client_collect(fx_t *f, int i)
{
    char path[128];
    clear_run(f);
    snprintf(path, sizeof path, "%s/out%d", f->dir, i);
    f->out = read_whole(path, NULL);
    snprintf(path, sizeof path, "%s/err%d", f->dir, i);
    f->err = read_whole(path, NULL);
    snprintf(path, sizeof path, "%s/cert%d.der", f->dir, i);
    f->der = read_whole(path, &f->der_len);
    assert_non_null(f->out);
    assert_non_null(f->err);
}

/* One s_client run to its end, the loop served meanwhile. */
static void s_client(fx_t *f, const char *host, const char *args)
{
    pid_t pid = s_client_start(f, host, args, 0);
    f->rc = bg_wait(&f->loop, pid, 30000);
    s_client_collect(f, 0);
}

static void assert_served(fx_t *f, const cert_t *c, const char *proto)
{
    if (f->rc != 0 || f->der == NULL) {
        tlog_dump(&f->log);
        fail_msg("s_client failed (%d): %s", f->rc, f->err);
    }
    assert_int_equal(f->der_len, c->len);
    assert_memory_equal(f->der, c->der, c->len);
    assert_non_null(strstr(f->out, "ALPN protocol: acme-tls/1"));
    if (proto) assert_non_null(strstr(f->out, proto));
}

static void assert_refused(fx_t *f, const char *alert)
{
    assert_int_not_equal(f->rc, 0);
    assert_null(f->der); /* no certificate came */
    if (alert && strstr(f->err, alert) == NULL) fail_msg("expected alert \"%s\": %s", alert, f->err);
}

static void test_serves_certificate_by_sni(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1, c2;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    make_cert(f, NACME_ID_DNS, NAME2, &c2);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME2, &c2), NACME_OK);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME2 " -tls1_3");
    assert_served(f, &c2, "TLSv1.3");
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1 " -tls1_2");
    assert_served(f, &c1, "TLSv1.2");
    /* SNI is case-insensitive; other protocols offered besides acme-tls/1 are fine */
    s_client(f, "127.0.0.1", "-alpn h2,acme-tls/1 -servername WWW.Example.TEST");
    assert_served(f, &c1, NULL);
    assert_true(tlog_has(&f->log, "tls-alpn-01: validation handshake completed"));
    fx_free(f);
}

static void test_refusals(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    /* no ALPN */
    s_client(f, "127.0.0.1", "-servername " NAME1);
    assert_refused(f, "no application protocol");
    assert_true(tlog_has(&f->log, "handshake without ALPN acme-tls/1 refused"));
    /* another protocol only */
    s_client(f, "127.0.0.1", "-alpn h2,http/1.1 -servername " NAME1);
    assert_refused(f, "no application protocol");
    /* an SNI that is not published, and none at all */
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME2);
    assert_refused(f, "unrecognized name");
    assert_true(tlog_has(&f->log, "tls-alpn-01: SNI other.example.test is not published, refused"));
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -noservername");
    assert_refused(f, "unrecognized name");
    assert_true(tlog_has(&f->log, "tls-alpn-01: SNI (none) is not published, refused"));
    /* TLS 1.1 and older are not spoken */
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1 " -tls1_1");
    assert_refused(f, NULL);
    /* still serving afterwards */
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    fx_free(f);
}

/* IP identifiers are asked for by their reverse-DNS names (RFC 8738 section 6). */
static void test_ip_identifiers(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c4, c6;
    make_cert(f, NACME_ID_IP, "192.0.2.1", &c4);
    make_cert(f, NACME_ID_IP, "2001:db8::1", &c6);
    assert_int_equal(publish(f, NACME_ID_IP, "192.0.2.1", &c4), NACME_OK);
    assert_int_equal(publish(f, NACME_ID_IP, "2001:db8::1", &c6), NACME_OK);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername 1.2.0.192.in-addr.arpa");
    assert_served(f, &c4, NULL);
    s_client(f, "127.0.0.1",
             "-alpn acme-tls/1 -servername "
             "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
    assert_served(f, &c6, NULL);
    /* the address itself is no SNI */
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername 192.0.2.1");
    assert_refused(f, "unrecognized name");
    assert_int_equal(unpublish(f, NACME_ID_IP, "192.0.2.1"), NACME_OK);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername 1.2.0.192.in-addr.arpa");
    assert_refused(f, "unrecognized name");
    fx_free(f);
}

/* Three validations at once (a CA validates from several places). */
static void test_concurrent_handshakes(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1, c2;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    make_cert(f, NACME_ID_DNS, NAME2, &c2);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME2, &c2), NACME_OK);
    /* three clients connect before the loop serves any of them */
    pid_t pids[3];
    pids[0] = s_client_start(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1, 0);
    pids[1] = s_client_start(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME2, 1);
    pids[2] = s_client_start(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1 " -tls1_2", 2);
    sleep_ms(300);
    for (int i = 0; i < 3; i++) {
        f->rc = bg_wait(&f->loop, pids[i], 30000);
        s_client_collect(f, i);
        assert_served(f, i == 1 ? &c2 : &c1, NULL);
    }
    fx_free(f);
}

static void test_ipv6_listener(void **state)
{
    (void)state;
    fx_t *f = fx_new("::1", 0);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    s_client(f, "[::1]", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    fx_free(f);
}

/* Input that is no ClientHello is dropped; a client that stalls is dropped at the bound. */
static void test_garbage_and_stalls(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 400);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    char buf[256];
    bool closed;
    /* plain HTTP */
    int fd = client_connect(AF_INET, f->portno);
    client_send(fd, "GET / HTTP/1.1\r\n\r\n", 18);
    client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
    close(fd);
    assert_true(closed);
    assert_true(tlog_has(&f->log, "not a TLS handshake"));
    /* a handshake record of another type (not client_hello): decode_error alert */
    static const uint8_t not_hello[] = {22, 3, 1, 0, 4, 2, 0, 0, 0};
    fd = client_connect(AF_INET, f->portno);
    client_send(fd, (const char *)not_hello, sizeof not_hello);
    size_t n = client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
    close(fd);
    assert_true(closed);
    assert_int_equal(n, 7);
    assert_memory_equal(buf, "\x15\x03\x03\x00\x02\x02\x32", 7);
    /* a record announcing more than the ClientHello bound */
    static const uint8_t huge[] = {22, 3, 1, 0x40, 0x00, 1};
    fd = client_connect(AF_INET, f->portno);
    client_send(fd, (const char *)huge, sizeof huge);
    client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
    close(fd);
    assert_true(closed);
    /* half a record, then silence: closed at the bound */
    static const uint8_t half[] = {22, 3, 1, 0, 200, 1, 0};
    fd = client_connect(AF_INET, f->portno);
    uint64_t t0 = nacme_linux_now_ms();
    client_send(fd, (const char *)half, sizeof half);
    client_read(&f->loop, fd, buf, sizeof buf, 100, &closed);
    assert_false(closed);
    client_read(&f->loop, fd, buf, sizeof buf, 5000, &closed);
    uint64_t dt = nacme_linux_now_ms() - t0;
    close(fd);
    assert_true(closed);
    assert_true(dt >= 400 && dt < 3000);
    for (int i = 0; i < NACME_LINUX_ALPN_CONNS; i++) assert_int_equal(f->ch.alpn.conns[i].fd, -1);
    /* and it still serves */
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    fx_free(f);
}

/* Hand-made ClientHellos: every truncation of a valid one is refused without a crash. */
static void test_client_hello_truncations(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    /* ClientHello body: version, random, empty session id, one suite, null compression, SNI + ALPN */
    uint8_t body[256];
    size_t b = 0;
    body[b++] = 3;
    body[b++] = 3;
    memset(body + b, 0xab, 32);
    b += 32;
    body[b++] = 0;
    memcpy(body + b, "\x00\x02\x13\x01\x01\x00", 6);
    b += 6;
    size_t ext_len_at = b;
    b += 2;
    static const char sni[] = NAME1;
    size_t sl = strlen(sni);
    uint8_t ext[128];
    size_t e = 0;
    ext[e++] = 0, ext[e++] = 0, ext[e++] = 0, ext[e++] = (uint8_t)(sl + 5);
    ext[e++] = 0, ext[e++] = (uint8_t)(sl + 3), ext[e++] = 0, ext[e++] = 0, ext[e++] = (uint8_t)sl;
    memcpy(ext + e, sni, sl);
    e += sl;
    memcpy(ext + e, "\x00\x10\x00\x0d\x00\x0b\x0a" "acme-tls/1", 17);
    e += 17;
    memcpy(body + b, ext, e);
    b += e;
    body[ext_len_at] = (uint8_t)(e >> 8);
    body[ext_len_at + 1] = (uint8_t)e;
    /* Every cut of the body, declared consistently in the handshake and
     * record headers, is refused (decode_error, or unrecognized_name /
     * no_application_protocol when whole extensions are cut); the whole
     * body passes the checks (wolfSSL then fails: no cipher suite it can
     * finish the handshake with in this fake, which is fine here). */
    for (size_t cut = 0; cut <= b; cut++) {
        uint8_t rec[300];
        rec[0] = 22, rec[1] = 3, rec[2] = 1;
        rec[3] = (uint8_t)((cut + 4) >> 8), rec[4] = (uint8_t)(cut + 4);
        rec[5] = 1, rec[6] = 0, rec[7] = (uint8_t)(cut >> 8), rec[8] = (uint8_t)cut;
        memcpy(rec + 9, body, cut);
        int fd = client_connect(AF_INET, f->portno);
        assert_true(fd >= 0);
        client_send(fd, (const char *)rec, cut + 9);
        char buf[4096];
        bool closed;
        size_t n = client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
        close(fd);
        assert_true(closed);
        if (cut < b) {
            assert_int_equal(n, 7);
            assert_int_equal((uint8_t)buf[0], 21); /* an alert */
        }
    }
    fx_free(f);
}

static void test_listener_lifetime_and_errors(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    assert_int_equal(client_connect(AF_INET, f->portno), -ECONNREFUSED);
    /* a wildcard, an unusable name, a missing or oversized certificate, a key the port does not have */
    nacme_challenge_t ch = alpn_ch(NACME_ID_DNS, NAME1, &c1);
    ch.wildcard = true;
    assert_int_equal(f->port.publish(f->port.ctx, &ch), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, NACME_ID_DNS, "bad name", &c1), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, NACME_ID_IP, "192.0.2.300", &c1), NACME_ERR_CHALLENGE);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, NULL), NACME_ERR_CHALLENGE);
    ch = alpn_ch(NACME_ID_DNS, NAME1, &c1);
    ch.alpn_cert_len = NACME_LINUX_ALPN_CERT_MAX + 1;
    assert_int_equal(f->port.publish(f->port.ctx, &ch), NACME_ERR_CHALLENGE);
    ch = alpn_ch(NACME_ID_DNS, NAME1, &c1);
    ch.alpn_key.id = 99;
    assert_int_equal(f->port.publish(f->port.ctx, &ch), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "tls-alpn-01: the key is not the certificate's key (invalid argument)"));
    /* a certificate wolfSSL cannot read, and another certificate's key */
    cert_t other;
    make_cert(f, NACME_ID_DNS, NAME2, &other);
    ch = alpn_ch(NACME_ID_DNS, NAME1, &c1);
    uint8_t junk[64];
    memset(junk, 0x30, sizeof junk);
    ch.alpn_cert_der = junk;
    ch.alpn_cert_len = sizeof junk;
    assert_int_equal(f->port.publish(f->port.ctx, &ch), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "tls-alpn-01: the certificate of " NAME1 " is not a P-256 certificate"));
    ch = alpn_ch(NACME_ID_DNS, NAME1, &c1);
    ch.alpn_key = other.key;
    assert_int_equal(f->port.publish(f->port.ctx, &ch), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "tls-alpn-01: the key is not the certificate's key"));
    assert_int_equal(f->loop.n, 0);
    /* the port taken: a clear error */
    int blocker = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(f->portno)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(blocker, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(blocker, 1), 0);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_ERR_CHALLENGE);
    char want[96];
    snprintf(want, sizeof want, "tls-alpn-01: cannot listen on 127.0.0.1 port %u: Address already in use", f->portno);
    assert_true(tlog_has(&f->log, want));
    assert_int_equal(f->loop.n, 0);
    close(blocker);
    /* publish, then unpublish: the listener goes with the last name */
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK); /* again: replaces */
    int fd = client_connect(AF_INET, f->portno);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(unpublish(f, NACME_ID_DNS, "unknown.example.test"), NACME_OK);
    assert_int_equal(f->loop.n_ticks, 1);
    assert_int_equal(unpublish(f, NACME_ID_DNS, NAME1), NACME_OK);
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(f->loop.n_ticks, 0);
    assert_int_equal(client_connect(AF_INET, f->portno), -ECONNREFUSED);
    assert_true(tlog_has(&f->log, "responder stopped"));
    /* the entry and its wolfSSL context are gone */
    for (size_t i = 0; i < NACME_LINUX_CH_MAX; i++) {
        assert_false(f->ch.alpn.entries[i].used);
        assert_null(f->ch.alpn.entries[i].ctx);
    }
    /* and again after a restart */
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    fx_free(f);
}

/* A ClientHello openssl s_client sent (TLS 1.3 and 1.2, SNI www.example.test, ALPN acme-tls/1). */
static const uint8_t openssl_hello[] = {
    0x16, 0x03, 0x01, 0x01, 0x4e, 0x01, 0x00, 0x01, 0x4a, 0x03, 0x03, 0xc7, 0xd0, 0x09, 0x47, 0x54,
    0xdf, 0x7d, 0x26, 0x71, 0x0a, 0x1b, 0x9f, 0xbd, 0xac, 0xd6, 0x14, 0xd6, 0xce, 0x61, 0xae, 0x26,
    0xe1, 0x2b, 0x66, 0x40, 0x2d, 0x6d, 0xd6, 0x60, 0xd8, 0x80, 0x19, 0x20, 0xc8, 0xc4, 0x32, 0x99,
    0xae, 0x98, 0xca, 0xad, 0xcf, 0xf1, 0xa5, 0x99, 0x8a, 0x96, 0x33, 0x8a, 0x0a, 0x79, 0x60, 0x88,
    0x82, 0x86, 0xe9, 0x0b, 0x5b, 0xfd, 0xe1, 0xe9, 0xe7, 0xa0, 0xcb, 0x6b, 0x00, 0x3e, 0x13, 0x02,
    0x13, 0x03, 0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
    0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b, 0xc0, 0x23, 0xc0, 0x27,
    0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39, 0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d,
    0x00, 0x9c, 0x00, 0x3d, 0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xc3,
    0x00, 0x00, 0x00, 0x15, 0x00, 0x13, 0x00, 0x00, 0x10, 0x77, 0x77, 0x77, 0x2e, 0x65, 0x78, 0x61,
    0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x74, 0x65, 0x73, 0x74, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01,
    0x02, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00,
    0x18, 0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x0d, 0x00, 0x0b, 0x0a, 0x61, 0x63, 0x6d, 0x65, 0x2d, 0x74, 0x6c, 0x73, 0x2f, 0x31,
    0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03,
    0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04,
    0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02,
    0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03,
    0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00,
    0x1d, 0x00, 0x20, 0xd7, 0x98, 0x74, 0xf8, 0xdc, 0x6a, 0xc3, 0x6b, 0xcd, 0xcc, 0x22, 0x3c, 0x65,
    0x78, 0x31, 0xc1, 0x5e, 0x17, 0x65, 0xe1, 0xbb, 0x61, 0x15, 0x30, 0xe2, 0x14, 0x10, 0x51, 0x8c,
    0x4d, 0x6f, 0x28,
};

/* Removing names while a handshake is half done: the session and its context go safely. */
static void test_unpublish_during_handshake(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1, c2;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    make_cert(f, NACME_ID_DNS, NAME2, &c2);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME2, &c2), NACME_OK);
    for (int round = 0; round < 2; round++) {
        int fd = client_connect(AF_INET, f->portno);
        assert_true(fd >= 0);
        client_send(fd, (const char *)openssl_hello, sizeof openssl_hello);
        char buf[4096];
        bool closed;
        /* the server's first flight comes (ServerHello..Finished, or a HelloRetryRequest
         * where wolfSSL has no X25519); it then waits for ours, which never comes */
        size_t n = client_read(&f->loop, fd, buf, sizeof buf, 300, &closed);
        assert_false(closed);
        assert_true(n > 5);
        assert_int_equal((uint8_t)buf[0], 22); /* a handshake record */
        unsigned busy = 0;
        for (int i = 0; i < NACME_LINUX_ALPN_CONNS; i++) busy += f->ch.alpn.conns[i].ssl != NULL;
        assert_int_equal(busy, 1);
        if (round == 0) {
            /* the name in use goes while another stays: the session keeps its context */
            assert_int_equal(unpublish(f, NACME_ID_DNS, NAME1), NACME_OK);
            assert_int_equal(f->loop.n, 2);
            client_send(fd, "\x15\x03\x03\x00\x02\x02\x28", 7); /* a fatal alert ends it */
            client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
            assert_true(closed);
            assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
        } else {
            /* the other name, then the last one in use: the listener and the session go */
            assert_int_equal(unpublish(f, NACME_ID_DNS, NAME2), NACME_OK);
            assert_int_equal(unpublish(f, NACME_ID_DNS, NAME1), NACME_OK);
            assert_int_equal(f->loop.n, 0);
            client_read(&f->loop, fd, buf, sizeof buf, 3000, &closed);
            assert_true(closed);
        }
        close(fd);
    }
    fx_free(f);
}

/* A crypto port whose key_export answers PENDING, then an error, then the real export. */
static int export_calls;
static nacme_crypto_t real_crypto;

static int flaky_export(void *ctx, nacme_key_t key, nacme_key_format_t fmt, uint8_t *buf, size_t cap, size_t *len)
{
    assert_int_equal(fmt, NACME_KEY_SEC1_DER);
    export_calls++;
    if (export_calls == 1) return NACME_PENDING;
    if (export_calls == 2) return NACME_ERR_CRYPTO;
    return real_crypto.key_export(ctx, key, fmt, buf, cap, len);
}

static void test_key_export_pending_and_failing(void **state)
{
    (void)state;
    fx_t *f = fx_new("127.0.0.1", 0);
    cert_t c1;
    make_cert(f, NACME_ID_DNS, NAME1, &c1);
    real_crypto = f->crypto;
    export_calls = 0;
    f->ch.alpn.crypto.key_export = flaky_export;
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_PENDING);
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_ERR_CHALLENGE);
    assert_true(tlog_has(&f->log, "tls-alpn-01: cannot export the certificate key: crypto failure"));
    assert_int_equal(f->loop.n, 0);
    assert_int_equal(publish(f, NACME_ID_DNS, NAME1, &c1), NACME_OK);
    s_client(f, "127.0.0.1", "-alpn acme-tls/1 -servername " NAME1);
    assert_served(f, &c1, NULL);
    fx_free(f);
}

static void test_init_errors(void **state)
{
    (void)state;
    nacme_linux_loop_t loop;
    nacme_linux_loop_init(&loop);
    nacme_crypto_t crypto;
    memset(&crypto, 0, sizeof crypto);
    nacme_linux_challenge_t *c = calloc(1, sizeof *c);
    nacme_linux_challenge_cfg_t cfg = {.loop = &loop, .alpn = true};
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG); /* no crypto */
    cfg.crypto = &crypto;
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG); /* no key_export */
    fx_t *f = fx_new("127.0.0.1", 0);
    cfg.crypto = &f->crypto;
    cfg.alpn_addr = "example.test";
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG);
    cfg.alpn_addr = NULL;
    cfg.loop = NULL;
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_ERR_ARG);
    cfg.loop = &loop;
    assert_int_equal(nacme_linux_challenge_init(c, &cfg), NACME_OK);
    assert_int_equal(c->alpn.addr.port, 443);
    assert_true(c->alpn.addr.dual);
    nacme_linux_challenge_free(c);
    free(c);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serves_certificate_by_sni),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_ip_identifiers),
        cmocka_unit_test(test_concurrent_handshakes),
        cmocka_unit_test(test_ipv6_listener),
        cmocka_unit_test(test_garbage_and_stalls),
        cmocka_unit_test(test_client_hello_truncations),
        cmocka_unit_test(test_listener_lifetime_and_errors),
        cmocka_unit_test(test_unpublish_during_handshake),
        cmocka_unit_test(test_key_export_pending_and_failing),
        cmocka_unit_test(test_init_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
