/*
 * An HTTP proxy's CONNECT tunnel (RFC 9110, 9.3.6), opened on the port's
 * fresh stream before TLS starts inside it.
 *
 * The proxy is a stranger on the path: its answer is read by the HTTP
 * reader under the same limits as the service's, every line of it traced
 * through the masking routine (a hostile proxy may echo the credentials
 * back, raw or in the Base64 it was sent, and both are secrets here), and
 * the tunnel counts as open only on a 2xx whose head ends the bytes the
 * proxy sent: anything after it would be fed to TLS as if the workspace had
 * said it. The request and the answer's bytes are wiped once read.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "client_internal.h"
#include "http_reader.h"

#if DBTOK_ENABLE_PROXY

dbtok_err dbtok__proxy_setup(dbtok__state *c)
{
    dbtok_proxy *p = &c->config.proxy;
    const char *part[3];
    bool named = p->username != NULL && p->username[0] != '\0';
    http_buf out = {(uint8_t *)c->proxy_basic, sizeof c->proxy_basic - 1, 0};
    http_base64 e = {NULL, 0, 0};
    const char *s;
    size_t bytes = 0;
    unsigned k;

    part[0] = p->username;
    part[1] = ":";
    part[2] = p->password != NULL ? p->password : "";
    if (!dbtok__proxy_active(c)) {
        return named ? DBTOK_ERR_INVALID_ARG : DBTOK_OK; /* credentials for no proxy: a mistake */
    }
    if (dbtok_config_check_host(p->host, strlen(p->host)) != DBTOK_OK) {
        return DBTOK_ERR_INVALID_ARG;
    }
    if (p->port == 0) {
        p->port = 1080;
    }
    if (!named) {
        return part[2][0] != '\0' ? DBTOK_ERR_INVALID_ARG : DBTOK_OK;
    }
    /* RFC 7617: the first ':' ends the user-id. The bytes are sent as they
     * are, Base64-encoded, so no byte of them can reach the request's framing. */
    if (strchr(p->username, ':') != NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    e.out = &out;
    for (k = 0; k < 3; k++) {
        for (s = part[k]; *s != '\0'; s++, bytes++) {
            dbtok__http_base64_byte(&e, (unsigned char)*s);
        }
    }
    dbtok__http_base64_end(&e);
    if (bytes > DBTOK_MAX_PROXY_CREDENTIALS_LEN) {
        return DBTOK_ERR_INVALID_ARG;
    }
    c->proxy_basic[out.len] = '\0';
    return DBTOK_OK;
}

/* host:port of the workspace, the CONNECT's target and its Host. */
static void put_target(http_buf *b, const dbtok__state *c)
{
    dbtok__http_buf_puts(b, c->config.host);
    dbtok__http_buf_put(b, ":", 1);
    dbtok__http_buf_put_u32(b, c->config.port);
}

static size_t write_connect(const dbtok__state *c, uint8_t *buf, size_t cap)
{
    http_buf b;
    b.buf = buf;
    b.cap = cap;
    b.len = 0;
    dbtok__http_buf_puts(&b, "CONNECT ");
    put_target(&b, c);
    dbtok__http_buf_puts(&b, " HTTP/1.1\r\nHost: ");
    put_target(&b, c);
    if (c->proxy_basic[0] != '\0') {
        dbtok__http_buf_puts(&b, "\r\nProxy-Authorization: Basic ");
        dbtok__http_buf_puts(&b, c->proxy_basic);
    }
    dbtok__http_buf_puts(&b, "\r\n\r\n");
    return b.len;
}

/* What a failed send or receive on the stream to the proxy means. */
static dbtok_err stream_failure(int n)
{
    return n == DBTOK_PORT_ERR_TIMEOUT ? DBTOK_ERR_TIMEOUT : DBTOK_ERR_IO;
}

static dbtok_err send_connect(dbtok__state *c, const uint8_t *req, size_t len)
{
    size_t sent = 0;
    while (sent < len) {
        uint32_t left = dbtok__client_remaining_ms(c);
        int n = left == 0 ? DBTOK_PORT_ERR_TIMEOUT : c->port.send(c->port.ctx, req + sent, len - sent, left);
        if (n <= 0) {
            return stream_failure(n);
        }
        sent += (size_t)n;
    }
    c->stats.bytes_sent += (uint32_t)len;
    return DBTOK_OK;
}

/* The proxy's answer, up to the end of its head, through buf[0..cap). */
static dbtok_err read_answer(dbtok__state *c, http_reader *r, uint8_t *buf, size_t cap)
{
    int state = 0;
    while (state == 0) {
        uint32_t left = dbtok__client_remaining_ms(c);
        size_t consumed = 0;
        size_t body = 0;
        int n = left == 0 ? DBTOK_PORT_ERR_TIMEOUT : c->port.recv(c->port.ctx, buf, cap, left);
        if (n < 0) {
            return stream_failure(n);
        }
        if (n == 0) {
            return DBTOK_ERR_PROXY; /* closed before its head ended */
        }
        c->stats.bytes_received += (uint32_t)n;
        state = dbtok__http_reader_feed(r, buf, (size_t)n, &consumed, &body);
        if (state == 1 && consumed < (size_t)n && r->status >= 200 && r->status < 300) {
            return DBTOK_ERR_PROXY; /* bytes TLS did not ask for: not the workspace's */
        }
    }
    return state == 1 ? DBTOK_OK : DBTOK_ERR_PROXY;
}

size_t dbtok__proxy_request(dbtok__state *c, size_t keep)
{
    return write_connect(c, c->work + keep, c->work_len - keep);
}

dbtok_err dbtok__proxy_send(dbtok__state *c, size_t keep, size_t len)
{
    dbtok_err err = send_connect(c, c->work + keep, len);
    mbedtls_platform_zeroize(c->work + keep, len); /* it carries the proxy's credentials */
    return err;
}

dbtok_err dbtok__proxy_answer(dbtok__state *c, size_t keep)
{
    http_reader *r = (http_reader *)(void *)c->reader_space;
    dbtok_err err;

#if DBTOK_ENABLE_TRACE
    dbtok__http_reader_init(r, dbtok__trace_enabled(c) ? dbtok__trace_line : NULL, c);
#else
    dbtok__http_reader_init(r, NULL, c);
#endif
    r->head_only = true;
    err = read_answer(c, r, c->work + keep, c->work_len - keep);
    mbedtls_platform_zeroize(c->work + keep, c->work_len - keep);
    c->error.http_status = r->head_done ? r->status : 0;
    mbedtls_platform_zeroize(c->reader_space, sizeof c->reader_space);
    if (err == DBTOK_OK && (c->error.http_status < 200 || c->error.http_status >= 300)) {
        err = c->error.http_status == 407 ? DBTOK_ERR_PROXY_AUTH : DBTOK_ERR_PROXY;
    }
    return err;
}

#endif /* DBTOK_ENABLE_PROXY */
