/*
 * HTTP/1.1 request writer: a counting byte builder and the request head.
 *
 * Every caller-supplied text that lands in the head is checked before a byte
 * is written, so a CR/LF in a token or host can never smuggle in a header or
 * a second request.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_writer.h"

#include "chars.h"

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_version.h"

#define HTTP_DEFAULT_PORT 443u

/* Count n more bytes; saturate rather than wrap, so an absurd request still
 * reads as "too big". */
static void grow(http_buf *b, size_t n)
{
    b->len = (n > SIZE_MAX - b->len) ? SIZE_MAX : b->len + n;
}

void dbtok__http_buf_put(http_buf *b, const char *s, size_t n)
{
    /* Write only when the whole piece fits, so the buffer never holds a torn
     * piece followed by later ones; once over, only count. */
    if (n > 0 && b->len <= b->cap && n <= b->cap - b->len) {
        memcpy(b->buf + b->len, s, n);
    }
    grow(b, n);
}

void dbtok__http_buf_puts(http_buf *b, const char *s)
{
    dbtok__http_buf_put(b, s, strlen(s));
}

static void put_u64(http_buf *b, uint64_t v)
{
    char tmp[20]; /* UINT64_MAX has 20 digits */
    size_t i = sizeof tmp;

    do {
        tmp[--i] = (char)('0' + (int)(v % 10u));
        v /= 10u;
    } while (v != 0u);
    dbtok__http_buf_put(b, tmp + i, sizeof tmp - i);
}

#if DBTOK_ENABLE_OAUTH_M2M || DBTOK_ENABLE_PROXY
static void base64_quantum(http_base64 *e, unsigned count)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char quad[4];
    unsigned k;
    for (k = 0; k < 4; k++) {
        quad[k] = k <= count ? alphabet[(e->bits >> (18 - 6 * k)) & 63u] : '=';
    }
    dbtok__http_buf_put(e->out, quad, 4);
}

void dbtok__http_base64_byte(http_base64 *e, unsigned char c)
{
    e->bits |= (uint32_t)c << (16 - 8 * e->n);
    if (++e->n == 3) {
        base64_quantum(e, 3);
        e->bits = 0;
        e->n = 0;
    }
}

void dbtok__http_base64_end(http_base64 *e)
{
    if (e->n > 0) {
        base64_quantum(e, e->n);
        e->bits = 0;
        e->n = 0;
    }
}
#endif

void dbtok__http_buf_put_i64(http_buf *b, int64_t v)
{
    if (v < 0) {
        dbtok__http_buf_put(b, "-", 1);
        /* -(v + 1) cannot overflow, even for INT64_MIN. */
        put_u64(b, (uint64_t)(-(v + 1)) + 1u);
    } else {
        put_u64(b, (uint64_t)v);
    }
}

void dbtok__http_buf_put_u32(http_buf *b, uint32_t v)
{
    put_u64(b, v);
}

void dbtok__http_buf_put_json_text(http_buf *b, const char *s, size_t n)
{
    size_t room = (b->len < b->cap) ? b->cap - b->len : 0u;
    /* dbtok_json_escape writes only when it can add a NUL after the text;
     * that byte is where whatever follows (a closing quote at least) goes,
     * so demanding it costs nothing. */
    size_t need = dbtok_json_escape(room > 0u ? (char *)b->buf + b->len : NULL, room, s, n);
    if (need < room) {
        b->len += need;
    } else {
        grow(b, need);
    }
}

void dbtok__http_buf_put_json_string(http_buf *b, const char *s, size_t n)
{
    dbtok__http_buf_put(b, "\"", 1);
    dbtok__http_buf_put_json_text(b, s, n);
    dbtok__http_buf_put(b, "\"", 1);
}

/* A header value: anything but control characters (which include CR, LF, NUL). */
static int value_ok(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20u || c == 0x7fu) {
            return 0;
        }
    }
    return 1;
}

static int method_ok(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!chars_is_tchar(s[i])) {
            return 0;
        }
    }
    return n > 0;
}

/* origin-form: starts with '/', visible ASCII only (a space would end the
 * request-target early; non-ASCII must already be percent-encoded). */
static int path_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || s[0] != '/') {
        return 0;
    }
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20u || c >= 0x7fu) {
            return 0;
        }
    }
    return 1;
}

#if DBTOK_ENABLE_UPDATE
void dbtok__http_put_path_segment(http_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (chars_is_alnum(*s) || c == '-' || c == '.' || c == '_' || c == '~') {
            dbtok__http_buf_put(b, s, 1);
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15u]};
            dbtok__http_buf_put(b, esc, 3);
        }
    }
}
#endif

/* An IPv6 literal given without brackets gets them in the Host header. */
static int needs_brackets(const char *host)
{
    return host[0] != '[' && strchr(host, ':') != NULL;
}

/* The head, in one place for both the measuring and the writing pass so the
 * two can never disagree. */
static void put_head(http_buf *b, const http_request *req, int bracket, size_t body_len)
{
    dbtok__http_buf_puts(b, req->method);
    dbtok__http_buf_put(b, " ", 1);
    dbtok__http_buf_puts(b, req->path);
    if (req->path_segment != NULL && req->put_segment != NULL) {
        req->put_segment(b, req->path_segment);
    }
    dbtok__http_buf_puts(b, " HTTP/1.1\r\nHost: ");
    if (bracket) {
        dbtok__http_buf_put(b, "[", 1);
    }
    dbtok__http_buf_puts(b, req->host);
    if (bracket) {
        dbtok__http_buf_put(b, "]", 1);
    }
    if (req->port != HTTP_DEFAULT_PORT) {
        dbtok__http_buf_put(b, ":", 1);
        dbtok__http_buf_put_u32(b, req->port);
    }
    /* Only dbtok's own pair: every byte goes over a device's link, so the
     * application adds what it wants known (the CLI: mbedtls/... os/...). */
    dbtok__http_buf_puts(b, "\r\nUser-Agent: dbtok/" DBTOK_VERSION_STRING);
    if (req->user_agent_extra != NULL && req->user_agent_extra[0] != '\0') {
        dbtok__http_buf_put(b, " ", 1);
        dbtok__http_buf_puts(b, req->user_agent_extra);
    }
    dbtok__http_buf_puts(b, "\r\nAuthorization: ");
#if DBTOK_ENABLE_OAUTH_M2M
    if (req->put_auth != NULL) {
        req->put_auth(b, req->auth_arg);
    } else
#endif
    {
        dbtok__http_buf_puts(b, "Bearer ");
        dbtok__http_buf_puts(b, req->token);
    }
    dbtok__http_buf_puts(b, "\r\n");
#if DBTOK_ENABLE_WORKSPACE_ID
    if (req->workspace_id != NULL && req->workspace_id[0] != '\0') {
        dbtok__http_buf_puts(b, "X-Databricks-Workspace-Id: ");
        dbtok__http_buf_puts(b, req->workspace_id);
        dbtok__http_buf_puts(b, "\r\n");
    }
#endif
    /* A POST always states its length: some servers refuse a body-less POST
     * without Content-Length (411). Accept goes with the JSON body, as
     * `curl --json` sends it; a GET of this API is answered in JSON anyway,
     * and the header would be a quarter of the list request. */
    if (body_len > 0 || strcmp(req->method, "POST") == 0) {
        dbtok__http_buf_puts(b, "Accept: application/json\r\nContent-Type: ");
#if DBTOK_ENABLE_OAUTH_M2M
        if (req->form_body) {
            dbtok__http_buf_puts(b, "application/x-www-form-urlencoded\r\nContent-Length: ");
        } else
#endif
        {
            dbtok__http_buf_puts(b, "application/json\r\nContent-Length: ");
        }
        put_u64(b, (uint64_t)body_len);
        dbtok__http_buf_puts(b, "\r\n");
    }
    dbtok__http_buf_puts(b, "\r\n");
}

static int request_ok(const http_request *req)
{
    const char *extra = req->user_agent_extra;
    const char *ws = req->workspace_id;

    if (req->method == NULL || req->path == NULL || req->host == NULL ||
        (req->token == NULL && (!DBTOK_ENABLE_OAUTH_M2M || req->put_auth == NULL))) {
        return 0;
    }
    if (ws != NULL && ws[0] != '\0') {
#if DBTOK_ENABLE_WORKSPACE_ID
        if (dbtok_config_check_workspace_id(ws, strlen(ws)) != DBTOK_OK) {
            return 0;
        }
#else
        return 0; /* it could not be sent */
#endif
    }
    return method_ok(req->method, strlen(req->method)) && path_ok(req->path, strlen(req->path)) &&
           dbtok_config_check_host(req->host, strlen(req->host)) == DBTOK_OK && req->port != 0u &&
           ((DBTOK_ENABLE_OAUTH_M2M && req->put_auth != NULL) ||
            (req->token[0] != '\0' && value_ok(req->token, strlen(req->token)))) &&
           (extra == NULL || value_ok(extra, strlen(extra)));
}

dbtok_err dbtok__http_write_request(uint8_t *buf, size_t cap, const http_request *req, size_t body_len,
                             size_t *total_len)
{
    http_buf head = {NULL, 0, 0};
    int bracket;

    if (total_len == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    *total_len = 0;
    if (req == NULL || (buf == NULL && cap > 0) || !request_ok(req)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    bracket = needs_brackets(req->host);

    /* Measure first: on failure the caller's body must still be where it was. */
    put_head(&head, req, bracket, body_len);
    if (body_len > SIZE_MAX - head.len) {
        *total_len = SIZE_MAX;
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    *total_len = head.len + body_len;
    if (*total_len > cap) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }

    if (body_len > 0) {
        memmove(buf + head.len, buf, body_len);
    }
    /* cap = head.len: the head cannot spill into the body just moved. */
    head.buf = buf;
    head.cap = head.len;
    head.len = 0;
    put_head(&head, req, bracket, body_len);
    return DBTOK_OK;
}
