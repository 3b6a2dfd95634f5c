/*
 * libFuzzer harness: an HTTP proxy's answer to dbtok's CONNECT, drawn from
 * the input, through the tunnel's three steps (proxy_tunnel.c) as tls.c
 * takes them, over a port that hands the answer out in fuzzed pieces.
 *
 * Input: a 4-byte header, then the proxy's answer.
 *   [0]  bit 0: Basic credentials; bit 1: trace (a port log);
 *        bits 2-7: the request kept in front of the tunnel's bytes, 16 * value bytes
 *   [1]  split size of each recv (fuzz_split_size; 0: as much as fits)
 *   [2]  once the answer is out: value % 3 picks an orderly close, a
 *        timeout or a reset
 *   [3]  the work buffer: DBTOK_MIN_WORK_BUFFER + 4 * value bytes
 *
 * Checked, besides everything the sanitizers see (the work buffer is a heap
 * block of exactly its size):
 *  - a CONNECT that does not fit past the kept bytes leaves them alone;
 *  - the CONNECT names the workspace, carries the credential exactly when
 *    one is configured, and nothing the proxy says changes it;
 *  - the result is one the tunnel may return, and agrees with the status
 *    recorded: DBTOK_OK only for a 2xx whose head ended the bytes read,
 *    DBTOK_ERR_PROXY_AUTH only for 407, a status only when a head was read;
 *  - the bytes kept in front are untouched, and nothing of the request or
 *    the answer is left in the rest of the work buffer or the reader;
 *  - the trace holds neither the password nor its Base64, however the proxy
 *    echoes them, and every line of it comes whole.
 */
#include "fuzz_common.h"

#include "client_internal.h"

#define PASSWORD "fuzz-proxy-password"
#define BASIC "dXNlcjpmdXp6LXByb3h5LXBhc3N3b3Jk" /* Base64 of "user:" PASSWORD */

typedef struct {
    const uint8_t *answer;
    size_t len;
    size_t at;
    size_t split;
    int end;
    uint64_t now;
    char sent[2048];
    size_t sent_len;
    char log[65536];
    size_t log_len;
} fuzz_port;

static int f_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx, (void)host, (void)port, (void)timeout_ms;
    return 0;
}

static int f_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fuzz_port *p = ctx;
    (void)timeout_ms;
    FUZZ_CHECK(p->sent_len + len <= sizeof p->sent);
    memcpy(p->sent + p->sent_len, buf, len);
    p->sent_len += len;
    return (int)len;
}

static int f_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    fuzz_port *p = ctx;
    size_t n = p->len - p->at;
    (void)timeout_ms;
    FUZZ_CHECK(len > 0);
    if (n == 0) {
        return p->end;
    }
    n = n < len ? n : len;
    n = p->split != 0 && n > p->split ? p->split : n;
    memcpy(buf, p->answer + p->at, n);
    p->at += n;
    return (int)n;
}

static void f_close(void *ctx)
{
    (void)ctx;
}

static uint64_t f_now(void *ctx)
{
    fuzz_port *p = ctx;
    return ++p->now;
}

static int f_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    memset(buf, 0, len);
    return 0;
}

static void f_log(void *ctx, int level, const char *text, size_t len)
{
    fuzz_port *p = ctx;
    (void)level;
    if (p->log_len + len < sizeof p->log) {
        memcpy(p->log + p->log_len, text, len);
        p->log_len += len;
    }
}

static bool holds(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    size_t i;
    for (i = 0; i + k <= n; i++) {
        if (memcmp(hay + i, needle, k) == 0) {
            return true;
        }
    }
    return false;
}

static bool all_zero(const uint8_t *b, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (b[i] != 0) {
            return false;
        }
    }
    return true;
}

static dbtok__state client;
static fuzz_port port;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int ends[] = {0, DBTOK_PORT_ERR_TIMEOUT, DBTOK_PORT_ERR_IO};
    static const char connect_line[] = "CONNECT ws.example:443 HTTP/1.1\r\nHost: ws.example:443\r\n";
    dbtok__state *c = &client;
    bool credentials;
    size_t keep;
    size_t len;
    size_t i;
    dbtok_err err;
    int status;

    if (size < 4) {
        return 0;
    }
    memset(c, 0, sizeof *c);
    memset(&port, 0, sizeof port);
    credentials = (data[0] & 1u) != 0;
    keep = 16u * (size_t)(data[0] >> 2);
    port.split = data[1] == 0 ? 0 : fuzz_split_size(data[1]);
    port.end = ends[data[2] % 3u];
    port.answer = data + 4;
    port.len = size - 4;
    c->work_len = DBTOK_MIN_WORK_BUFFER + 4u * data[3];
    c->work = malloc(c->work_len);
    FUZZ_CHECK(c->work != NULL);
    memset(c->work, 0xa5, c->work_len);

    c->config.host = "ws.example";
    c->config.port = 443;
    c->config.token = "dapi-fuzz-token-0123456789";
    c->config.proxy.host = "proxy.example";
    if (credentials) {
        c->config.proxy.username = "user";
        c->config.proxy.password = PASSWORD;
    }
    c->port.ctx = &port;
    c->port.connect = f_connect;
    c->port.send = f_send;
    c->port.recv = f_recv;
    c->port.close = f_close;
    c->port.now_ms = f_now;
    c->port.entropy = f_entropy;
    c->port.log = (data[0] & 2u) != 0 ? f_log : NULL;
    c->request_deadline_ms = UINT64_MAX / 2;
    FUZZ_CHECK(dbtok__proxy_setup(c) == DBTOK_OK);
    FUZZ_CHECK(c->config.proxy.port == 1080);

    len = dbtok__proxy_request(c, keep);
    if (len > c->work_len - keep) {
        /* tls.c's DBTOK_ERR_BUFFER_TOO_SMALL: only the room past keep was written */
        for (i = 0; i < keep; i++) {
            FUZZ_CHECK(c->work[i] == 0xa5);
        }
        free(c->work);
        return 0;
    }
    dbtok__trace_request_head(c, c->work + keep, len);
    FUZZ_CHECK(dbtok__proxy_send(c, keep, len) == DBTOK_OK);
    FUZZ_CHECK(port.sent_len == len && memcmp(port.sent, connect_line, sizeof connect_line - 1) == 0);
    FUZZ_CHECK(holds(port.sent, port.sent_len, "Proxy-Authorization: Basic " BASIC "\r\n") == credentials);
    FUZZ_CHECK(memcmp(port.sent + len - 4, "\r\n\r\n", 4) == 0);

    err = dbtok__proxy_answer(c, keep);
    status = c->error.http_status;
    FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_PROXY || err == DBTOK_ERR_PROXY_AUTH ||
               err == DBTOK_ERR_TIMEOUT || err == DBTOK_ERR_IO);
    FUZZ_CHECK(status == 0 || (status >= 100 && status <= 999));
    FUZZ_CHECK(err != DBTOK_OK || (status >= 200 && status < 300));
    FUZZ_CHECK((err == DBTOK_ERR_PROXY_AUTH) == (status == 407));
    FUZZ_CHECK(err != DBTOK_OK || port.answer[port.at - 1] == '\n'); /* the head's end, nothing after it */
    if (err == DBTOK_ERR_TIMEOUT || err == DBTOK_ERR_IO) {
        FUZZ_CHECK(port.at == port.len && port.end == (err == DBTOK_ERR_TIMEOUT ? DBTOK_PORT_ERR_TIMEOUT
                                                                                 : DBTOK_PORT_ERR_IO));
    }

    for (i = 0; i < keep; i++) {
        FUZZ_CHECK(c->work[i] == 0xa5);
    }
    FUZZ_CHECK(all_zero(c->work + keep, c->work_len - keep));
    FUZZ_CHECK(all_zero((const uint8_t *)c->reader_space, sizeof c->reader_space));
    if (credentials) { /* without them the texts are no secret of this client's */
        FUZZ_CHECK(!holds(port.log, port.log_len, PASSWORD));
        FUZZ_CHECK(!holds(port.log, port.log_len, BASIC));
    }
    FUZZ_CHECK(port.log_len == 0 || port.log[port.log_len - 1] == '\n');
    free(c->work);
    return 0;
}
