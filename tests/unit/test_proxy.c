/*
 * Unit tests of the HTTP proxy tunnel (config.proxy), through the real TLS
 * layer over a scripted port that plays the proxy: what the CONNECT says,
 * how every answer but a clean 2xx head is refused, what is retried, and
 * that neither the password nor its Base64 reaches the trace or the error
 * record, whatever the proxy echoes. After the proxy's 200 the port records
 * what TLS sends (its ClientHello, whose SNI must name the workspace) and
 * closes, so a tunnel that opened ends in a TLS or I/O error, never a proxy
 * one.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <mbedtls/version.h> /* the configuration, in 2.28 and 3.x alike */
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include "dbtok/dbtok.h"

#define WORKSPACE "adb-1234.cloud.databricks.com"
#define PASSWORD "s3cret-proxy-pass"
#define BASIC "dXNlcjpzM2NyZXQtcHJveHktcGFzcw==" /* Base64 of "user:" PASSWORD */

/* A throwaway self-signed P-256 certificate: init needs a trust anchor to
 * parse; no handshake here gets as far as checking one. */
static const char test_ca[] = "-----BEGIN CERTIFICATE-----\n"
                              "MIIBjjCCATWgAwIBAgIUMGNzTPt98Q0BksxPpeljR3kn1CUwCgYIKoZIzj0EAwIw\n"
                              "HTEbMBkGA1UEAwwSZGJ0b2sgdW5pdCB0ZXN0IENBMB4XDTI2MTIwMzE0MDUyOVoX\n"
                              "DTM2MTEzMDE0MDUyOVowHTEbMBkGA1UEAwwSZGJ0b2sgdW5pdCB0ZXN0IENBMFkw\n"
                              "EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEoQnOwi9H6G0MdQyGkwqXpLxOo9imtKT2\n"
                              "jja8Sg6dzElyzGmo85Kg4Q0UlI6sn6CuE32Gqph2iPxJbVXrO/7akKNTMFEwHQYD\n"
                              "VR0OBBYEFOcES9iDtiaZ/PnUbUuQB/lc7f+rMB8GA1UdIwQYMBaAFOcES9iDtiaZ\n"
                              "/PnUbUuQB/lc7f+rMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIg\n"
                              "HD6e7yNi3ftB1uNfc+ISboP4y5aYZNb/ur18LY0JIOMCIBCKviUqBKbpfsoAjBd1\n"
                              "Jo9DoAHD2pYCJwvMjXOeruNu\n"
                              "-----END CERTIFICATE-----\n";

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static unsigned char arena[256 * 1024];
#endif

/* The proxy, as the port sees it: per connection, the answer it sends to
 * the CONNECT (in pieces of at most `piece` bytes, 0 for all at once) or a
 * port error instead. */
typedef struct {
    const char *answer;
    size_t piece;
    int recv_err; /* returned once the answer is out (0: orderly close) */
    int connect_err;
    int send_err; /* returned by every send instead of taking the bytes (0: none) */
} proxy_turn;

typedef struct {
    const proxy_turn *turns;
    unsigned n_turns;
    unsigned connects;
    unsigned closes;
    char connect_host[256];
    uint16_t connect_port;
    char sent[8192]; /* bytes of the current connection */
    size_t sent_len;
    size_t answered; /* bytes of the answer handed out */
    uint64_t now;
    unsigned sleeps;
    char log[32768];
    size_t log_len;
} proxy_port;

static const proxy_turn *turn(const proxy_port *p)
{
    unsigned i = p->connects - 1;
    return &p->turns[i < p->n_turns ? i : p->n_turns - 1];
}

static int p_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    proxy_port *p = ctx;
    (void)timeout_ms;
    p->connects++;
    snprintf(p->connect_host, sizeof p->connect_host, "%s", host);
    p->connect_port = port;
    p->sent_len = 0;
    p->answered = 0;
    return turn(p)->connect_err;
}

static int p_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    proxy_port *p = ctx;
    size_t room = sizeof p->sent - p->sent_len;
    (void)timeout_ms;
    if (turn(p)->send_err != 0) {
        return turn(p)->send_err;
    }
    memcpy(p->sent + p->sent_len, buf, len < room ? len : room);
    p->sent_len += len < room ? len : room;
    return (int)len;
}

static int p_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    proxy_port *p = ctx;
    const proxy_turn *t = turn(p);
    size_t left = strlen(t->answer) - p->answered;
    size_t n = len;
    (void)timeout_ms;
    if (left == 0) {
        return t->recv_err;
    }
    n = n < left ? n : left;
    if (t->piece != 0 && n > t->piece) {
        n = t->piece;
    }
    memcpy(buf, t->answer + p->answered, n);
    p->answered += n;
    return (int)n;
}

static void p_close(void *ctx)
{
    proxy_port *p = ctx;
    p->closes++;
}

static uint64_t p_now(void *ctx)
{
    proxy_port *p = ctx;
    return p->now += 1;
}

static int p_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0x5a, len);
    return 0;
}

static void p_sleep(void *ctx, uint32_t ms)
{
    proxy_port *p = ctx;
    p->sleeps++;
    p->now += ms;
}

static void p_log(void *ctx, int level, const char *text, size_t len)
{
    proxy_port *p = ctx;
    size_t room = sizeof p->log - 1 - p->log_len;
    (void)level;
    memcpy(p->log + p->log_len, text, len < room ? len : room);
    p->log_len += len < room ? len : room;
    p->log[p->log_len] = 0;
}

typedef struct {
    proxy_port pp;
    dbtok_port port;
    dbtok_config cfg;
    dbtok_client client;
    uint8_t work[4096];
} fixture;

static int setup(void **state)
{
    static fixture fx;
    memset(&fx, 0, sizeof fx);
    fx.port.ctx = &fx.pp;
    fx.port.connect = p_connect;
    fx.port.send = p_send;
    fx.port.recv = p_recv;
    fx.port.close = p_close;
    fx.port.now_ms = p_now;
    fx.port.entropy = p_entropy;
    fx.port.sleep_ms = p_sleep;
    fx.port.log = p_log;
    fx.cfg.host = WORKSPACE;
    fx.cfg.token = "dapi0123456789abcdef0123456789abcdef";
    fx.cfg.ca = (const uint8_t *)test_ca;
    fx.cfg.ca_len = sizeof test_ca;
    fx.cfg.retry.base_ms = 10;
    fx.cfg.retry.max_ms = 10;
    fx.cfg.proxy.host = "proxy.corp.example";
    fx.cfg.proxy.port = 3128;
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
#endif
    *state = &fx;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    return 0;
}

/* One revoke through the proxy as scripted; returns what it returned. */
static dbtok_err revoke_through(fixture *fx, const proxy_turn *turns, unsigned n)
{
    dbtok_err err;
    fx->pp.turns = turns;
    fx->pp.n_turns = n;
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, sizeof fx->work), DBTOK_OK);
    err = dbtok_token_revoke(&fx->client, "0123456789abcdef");
    return err;
}

static const dbtok_error_info *last(fixture *fx)
{
    return dbtok_last_error(&fx->client);
}

static bool contains(const void *buf, size_t len, const char *needle)
{
    const char *b = buf;
    size_t n = strlen(needle);
    size_t i;
    for (i = 0; i + n <= len; i++) {
        if (memcmp(b + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static bool sent_contains(const proxy_port *p, const char *needle)
{
    return contains(p->sent, p->sent_len, needle);
}

static void test_connect_request_and_sni(void **state)
{
    fixture *fx = *state;
    static const proxy_turn ok[] = {{"HTTP/1.1 200 Connection established\r\n\r\n", 0, 0, 0, 0}};
    static const char expected[] = "CONNECT " WORKSPACE ":443 HTTP/1.1\r\nHost: " WORKSPACE ":443\r\n\r\n";
    dbtok_err err = revoke_through(fx, ok, 1);

    /* the tunnel opened: what failed is TLS inside it (the port closed after the ClientHello) */
    assert_true(err == DBTOK_ERR_IO || err == DBTOK_ERR_TLS);
    assert_string_equal(fx->pp.connect_host, "proxy.corp.example");
    assert_int_equal(fx->pp.connect_port, 3128);
    assert_true(fx->pp.sent_len > sizeof expected - 1);
    assert_memory_equal(fx->pp.sent, expected, sizeof expected - 1);
    /* then a TLS handshake record whose SNI is the workspace's name, not the proxy's */
    assert_int_equal((unsigned char)fx->pp.sent[sizeof expected - 1], 0x16);
    assert_true(sent_contains(&fx->pp, WORKSPACE ""));
    assert_false(sent_contains(&fx->pp, "proxy.corp.example"));
    assert_false(sent_contains(&fx->pp, "Proxy-Authorization"));
    dbtok_close(&fx->client);
}

static void test_default_port_and_answer_in_pieces(void **state)
{
    fixture *fx = *state;
    /* an interim 1xx, then the 200, one byte per read */
    static const proxy_turn ok[] = {{"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nVia: x\r\n\r\n", 1, 0, 0, 0}};
    dbtok_err err;
    fx->cfg.proxy.port = 0;
    fx->cfg.port = 8443;
    err = revoke_through(fx, ok, 1);
    assert_true(err == DBTOK_ERR_IO || err == DBTOK_ERR_TLS);
    assert_int_equal(fx->pp.connect_port, 1080);
    assert_true(sent_contains(&fx->pp, "CONNECT " WORKSPACE ":8443 HTTP/1.1\r\nHost: " WORKSPACE ":8443\r\n\r\n"));
    dbtok_close(&fx->client);
}

static void test_basic_credentials(void **state)
{
    fixture *fx = *state;
    static const proxy_turn ok[] = {{"HTTP/1.1 200 OK\r\n\r\n", 0, 0, 0, 0}};
    static const struct {
        const char *user;
        const char *pass;
        const char *basic;
    } cases[] = {
        {"user", PASSWORD, BASIC},  /* 22 bytes: one '=' */
        {"ab", "c", "YWI6Yw=="},     /* 4 bytes: two */
        {"ab", "cd", "YWI6Y2Q="},
        {"ab", "cde", "YWI6Y2Rl"},   /* 6 bytes: none */
        {"u", "", "dTo="},           /* an empty password is a credential too */
        {"a b", "~!@#$%^&*()", "YSBiOn4hQCMkJV4mKigp"},
    };
    char line[160];
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx->cfg.proxy.username = cases[i].user;
        fx->cfg.proxy.password = cases[i].pass;
        (void)revoke_through(fx, ok, 1);
        snprintf(line, sizeof line, "\r\nProxy-Authorization: Basic %s\r\n\r\n", cases[i].basic);
        if (!sent_contains(&fx->pp, line)) {
            fail_msg("credentials %s:%s: no \"%s\" in the CONNECT", cases[i].user, cases[i].pass, cases[i].basic);
        }
        dbtok_close(&fx->client);
        fx->pp.connects = 0;
    }
}

static void test_refusals_are_proxy_errors(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        proxy_turn turn;
        dbtok_err err;
        int status;
    } cases[] = {
        {"407", {"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"x\"\r\n"
                 "Content-Length: 5\r\n\r\nnope!", 0, 0, 0, 0}, DBTOK_ERR_PROXY_AUTH, 407},
        {"403 (port refused)", {"HTTP/1.1 403 Forbidden\r\n\r\n<html>no</html>", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 403},
        {"3xx", {"HTTP/1.1 302 Found\r\nLocation: https://evil.example/\r\n\r\n", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 302},
        {"garbage", {"SSH-2.0-OpenSSH_9.2\r\n", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 0},
        {"200 with a body", {"HTTP/1.1 200 OK\r\n\r\n\x16\x03\x03 injected", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 200},
        {"200 with a length", {"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 200},
        {"closed before the head ended", {"HTTP/1.1 200 OK\r\n", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 0},
        {"closed at once", {"", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 0},
        {"control character", {"HTTP/1.1 200 OK\r\nX: a\x01\r\n\r\n", 0, 0, 0, 0}, DBTOK_ERR_PROXY, 0},
        {"reset", {"HTTP/1.1 2", 0, DBTOK_PORT_ERR_IO, 0, 0}, DBTOK_ERR_IO, 0},
        {"silent", {"", 0, DBTOK_PORT_ERR_TIMEOUT, 0, 0}, DBTOK_ERR_TIMEOUT, 0},
        {"unreachable proxy", {"", 0, 0, DBTOK_PORT_ERR_CONNECT, 0}, DBTOK_ERR_CONNECT, 0},
        {"reset while the CONNECT goes out", {"", 0, 0, 0, DBTOK_PORT_ERR_IO}, DBTOK_ERR_IO, 0},
        {"stalled while the CONNECT goes out", {"", 0, 0, 0, DBTOK_PORT_ERR_TIMEOUT}, DBTOK_ERR_TIMEOUT, 0},
    };
    size_t i;
    fx->cfg.retry.max_attempts = 1;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_err err = revoke_through(fx, &cases[i].turn, 1);
        if (err != cases[i].err || last(fx)->http_status != cases[i].status) {
            fail_msg("%s: %s (status %d), wanted %s (status %d)", cases[i].name, dbtok_strerror(err),
                     last(fx)->http_status, dbtok_strerror(cases[i].err), cases[i].status);
        }
        /* nothing went to the workspace: the CONNECT is all that was sent */
        assert_int_equal(dbtok_get_stats(&fx->client)->handshakes, 0);
        assert_int_equal(dbtok_get_stats(&fx->client)->requests, 0);
        assert_false(sent_contains(&fx->pp, "\x16\x03"));
        if (cases[i].turn.connect_err == 0) {
            assert_int_equal(fx->pp.closes, fx->pp.connects);
        }
        dbtok_close(&fx->client);
        fx->pp.connects = 0;
        fx->pp.closes = 0;
    }
}

static void test_header_limits(void **state)
{
    fixture *fx = *state;
    static char long_line[DBTOK_HTTP_MAX_HEADER_BYTES + 64];
    proxy_turn t = {long_line, 0, 0, 0, 0};
    size_t n;
    fx->cfg.retry.max_attempts = 1;
    n = (size_t)snprintf(long_line, sizeof long_line, "HTTP/1.1 200 OK\r\nX-Pad: ");
    memset(long_line + n, 'a', sizeof long_line - n - 5);
    memcpy(long_line + sizeof long_line - 5, "\r\n\r\n", 5);
    assert_int_equal(revoke_through(fx, &t, 1), DBTOK_ERR_PROXY);
    dbtok_close(&fx->client);
}

static void test_what_is_retried(void **state)
{
    fixture *fx = *state;
    static const proxy_turn bad_gateway[] = {{"HTTP/1.1 502 Bad Gateway\r\n\r\n", 0, 0, 0, 0}};
    static const proxy_turn auth[] = {{"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n", 0, 0, 0, 0}};
    static const proxy_turn garbage[] = {{"\x16\x03\x01 not HTTP\r\n\r\n", 0, 0, 0, 0}};
    static const proxy_turn then_ok[] = {{"HTTP/1.1 503 Service Unavailable\r\n\r\n", 0, 0, 0, 0},
                                         {"HTTP/1.1 200 OK\r\n\r\n", 0, 0, 0, 0}};
    dbtok_err err;

    fx->cfg.retry.max_attempts = 3;
    /* the proxy could not reach the service: tried again, as a refused connection is */
    assert_int_equal(revoke_through(fx, bad_gateway, 1), DBTOK_ERR_PROXY);
    assert_int_equal(last(fx)->attempts, 3);
    assert_int_equal(fx->pp.connects, 3);
    assert_int_equal(last(fx)->http_status, 502);
    dbtok_close(&fx->client);

    /* no HTTP at all from the proxy: it may be restarting; tried again */
    fx->pp.connects = 0;
    assert_int_equal(revoke_through(fx, garbage, 1), DBTOK_ERR_PROXY);
    assert_int_equal(last(fx)->attempts, 3);
    assert_int_equal(last(fx)->http_status, 0);
    dbtok_close(&fx->client);

    /* the proxy refused the credentials: asking again changes nothing */
    fx->pp.connects = 0;
    assert_int_equal(revoke_through(fx, auth, 1), DBTOK_ERR_PROXY_AUTH);
    assert_int_equal(last(fx)->attempts, 1);
    assert_int_equal(fx->pp.connects, 1);
    dbtok_close(&fx->client);

    /* a 503 then a tunnel: the second attempt gets as far as TLS */
    fx->pp.connects = 0;
    err = revoke_through(fx, then_ok, 2);
    assert_true(err == DBTOK_ERR_IO || err == DBTOK_ERR_TLS);
    assert_int_equal(fx->pp.connects >= 2, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 0);
    dbtok_close(&fx->client);
}

/* A hostile proxy echoes the credentials back in every form it can: raw,
 * as sent (Base64), percent-encoded and cut. The trace shows the CONNECT
 * with the credential redacted and the answer with both masked, and the
 * masking routine knows both. */
static void test_echoed_credentials_never_leak(void **state)
{
    fixture *fx = *state;
    static const proxy_turn echo[] = {
        {"HTTP/1.1 407 Proxy Authentication Required\r\n"
         "X-Echo: Basic " BASIC "\r\n"
         "X-Raw: " PASSWORD "\r\n"
         "X-Pct: %73%33%63%72%65%74%2d%70%72%6f%78%79\r\n"
         "X-Cut: " "dXNlcjpzM2NyZXQt" "\r\n"
         "\r\n",
         7, 0, 0, 0}};
    char masked[256];
    char text[128];
    fx->cfg.proxy.username = "user";
    fx->cfg.proxy.password = PASSWORD;
    fx->cfg.retry.max_attempts = 1;
    assert_int_equal(revoke_through(fx, echo, 1), DBTOK_ERR_PROXY_AUTH);
    assert_non_null(strstr(fx->pp.log, "> CONNECT " WORKSPACE ":443 HTTP/1.1"));
    assert_non_null(strstr(fx->pp.log, "> Proxy-Authorization: Basic " DBTOK_MASK_TEXT));
    assert_non_null(strstr(fx->pp.log, "< HTTP/1.1 407"));
    assert_non_null(strstr(fx->pp.log, "< X-Echo: Basic " DBTOK_MASK_TEXT));
    assert_null(strstr(fx->pp.log, PASSWORD));
    assert_null(strstr(fx->pp.log, BASIC));
    assert_null(strstr(fx->pp.log, "dXNlcjpzM2NyZXQt"));
    assert_null(strstr(fx->pp.log, "%73%33%63%72%65%74"));
    assert_null(strstr(fx->pp.log, "s3cret-pr"));
    snprintf(text, sizeof text, "a %s b %s c", PASSWORD, BASIC);
    (void)dbtok_mask(&fx->client, text, strlen(text), masked, sizeof masked);
    assert_string_equal(masked, "a " DBTOK_MASK_TEXT " b " DBTOK_MASK_TEXT " c");
    /* nothing of the credential, nor the proxy's echo of it, stays in the work buffer */
    assert_false(contains(fx->work, sizeof fx->work, BASIC));
    assert_false(contains(fx->work, sizeof fx->work, PASSWORD));
    assert_false(contains(fx->work, sizeof fx->work, "X-Raw"));
    dbtok_close(&fx->client);
}

static void test_init_refuses_bad_proxies(void **state)
{
    fixture *fx = *state;
    static char long_user[DBTOK_MAX_PROXY_CREDENTIALS_LEN + 1];
    static const struct {
        const char *name;
        const char *host;
        const char *user;
        const char *pass;
    } bad[] = {
        {"a URL for a host", "http://proxy.example", NULL, NULL},
        {"a port glued to the host", "proxy.example:3128", NULL, NULL},
        {"a path", "proxy.example/x", NULL, NULL},
        {"CRLF in the host", "proxy.example\r\nX: y", NULL, NULL},
        {"userinfo in the host", "u:p@proxy.example", NULL, NULL},
        {"':' in the username", "proxy.example", "us:er", "p"},
        {"a password without a username", "proxy.example", NULL, "p"},
        {"credentials without a proxy", NULL, "user", "p"},
        {"credentials too long", "proxy.example", long_user, "p"},
    };
    dbtok_config cfg;
    size_t i;
    memset(long_user, 'u', sizeof long_user - 2); /* with ':' and "p": one byte over */
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cfg = fx->cfg;
        cfg.proxy.host = bad[i].host;
        cfg.proxy.username = bad[i].user;
        cfg.proxy.password = bad[i].pass;
        if (dbtok_init(&fx->client, &cfg, &fx->port, fx->work, sizeof fx->work) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("%s accepted", bad[i].name);
        }
    }
    /* the longest credential that fits is taken */
    long_user[sizeof long_user - 3] = 0;
    cfg = fx->cfg;
    cfg.proxy.username = long_user;
    cfg.proxy.password = "p";
    assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, sizeof fx->work), DBTOK_OK);
    dbtok_close(&fx->client);
    /* any other byte goes out as it is, Base64-encoded: none can reach the
     * request's framing */
    cfg = fx->cfg;
    cfg.proxy.username = "us\r\ner\x01";
    cfg.proxy.password = "p\xc3\xa4ss:w\r\nX: y";
    assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, sizeof fx->work), DBTOK_OK);
    dbtok_close(&fx->client);
    /* no proxy at all, and an IPv6 literal proxy */
    cfg = fx->cfg;
    cfg.proxy.host = "";
    assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, sizeof fx->work), DBTOK_OK);
    dbtok_close(&fx->client);
    cfg.proxy.host = "[2001:db8::1]";
    assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, sizeof fx->work), DBTOK_OK);
    dbtok_close(&fx->client);
}

/* The CONNECT is written past the request waiting for the tunnel; when the
 * two do not fit the work buffer together, nothing is sent. */
static void test_connect_that_does_not_fit(void **state)
{
    fixture *fx = *state;
    static const proxy_turn ok[] = {{"HTTP/1.1 200 OK\r\n\r\n", 0, 0, 0, 0}};
    static char host[DBTOK_MAX_HOST_LEN + 1];
    memset(host, 'h', DBTOK_MAX_HOST_LEN);
    fx->cfg.host = host;
    fx->cfg.retry.max_attempts = 1;
    fx->pp.turns = ok;
    fx->pp.n_turns = 1;
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, DBTOK_MIN_WORK_BUFFER), DBTOK_OK);
    assert_int_equal(dbtok_token_revoke(&fx->client, "0123456789abcdef"), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fx->pp.sent_len, 0);
    assert_int_equal(fx->pp.closes, fx->pp.connects);
    dbtok_close(&fx->client);
}

/* Without a proxy nothing changes: the port is asked for the workspace. */
static void test_direct_without_proxy(void **state)
{
    fixture *fx = *state;
    static const proxy_turn none[] = {{"", 0, 0, 0, 0}};
    fx->cfg.proxy.host = NULL;
    fx->cfg.retry.max_attempts = 1;
    (void)revoke_through(fx, none, 1);
    assert_string_equal(fx->pp.connect_host, WORKSPACE);
    assert_int_equal(fx->pp.connect_port, 443);
    assert_false(sent_contains(&fx->pp, "CONNECT"));
    dbtok_close(&fx->client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_connect_request_and_sni, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_port_and_answer_in_pieces, setup, teardown),
        cmocka_unit_test_setup_teardown(test_basic_credentials, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals_are_proxy_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_header_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_what_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echoed_credentials_never_leak, setup, teardown),
        cmocka_unit_test_setup_teardown(test_init_refuses_bad_proxies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_that_does_not_fit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_direct_without_proxy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
