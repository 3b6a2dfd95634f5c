/*
 * HTTP/1.1 request writer. Requests are built in the client's work buffer,
 * head and body, with no copy beyond one memmove of the body.
 */
#ifndef DBTOK_HTTP_WRITER_H
#define DBTOK_HTTP_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_types.h"

/*
 * An append-only byte builder over a fixed buffer. `len` keeps counting past
 * `cap` so a caller learns how much room it would have needed; nothing is
 * written beyond `cap`. cap 0 (buf may be NULL) only measures.
 */
typedef struct http_buf {
    uint8_t *buf;
    size_t cap;
    size_t len;
} http_buf;

void dbtok__http_buf_put(http_buf *b, const char *s, size_t n);
void dbtok__http_buf_puts(http_buf *b, const char *s);
void dbtok__http_buf_put_i64(http_buf *b, int64_t v);
void dbtok__http_buf_put_u32(http_buf *b, uint32_t v);
/* Appends s escaped for the inside of a JSON string (dbtok_json_escape). */
void dbtok__http_buf_put_json_text(http_buf *b, const char *s, size_t n);
/* Appends s as a complete JSON string: quotes around the escaped text. */
void dbtok__http_buf_put_json_string(http_buf *b, const char *s, size_t n);
static inline bool http_buf_overflow(const http_buf *b) { return b->len > b->cap; }
#if DBTOK_ENABLE_OAUTH_M2M || DBTOK_ENABLE_PROXY
/* Base64 (RFC 4648, with padding) into an http_buf as bytes come: Basic
 * credentials, for OAuth's client and for a proxy. Start at {out, 0, 0}. */
typedef struct {
    http_buf *out;
    uint32_t bits;
    unsigned n; /* bytes in bits: 0 to 2 */
} http_base64;
void dbtok__http_base64_byte(http_base64 *e, unsigned char c);
/* Writes the last, padded quantum. */
void dbtok__http_base64_end(http_base64 *e);
#endif
/* Appends a path segment from data (a token id) percent-encoded: every byte
 * but RFC 3986's unreserved ones, so that no '/', '?', '#', '%' or space can
 * change the path the request names. */
#if DBTOK_ENABLE_UPDATE
void dbtok__http_put_path_segment(http_buf *b, const char *segment);
#endif

typedef struct {
    const char *method;           /* "GET" or "POST" */
    const char *path;             /* "/api/2.0/token/list" */
    const char *path_segment;     /* NULL, or appended to path by put_segment: a token id in an
                                     update's path */
    /* Writes path_segment (dbtok__http_put_path_segment); a pointer, so that
     * only a program that updates links it. */
    void (*put_segment)(struct http_buf *b, const char *segment);
    const char *host;             /* Host header and nothing else; no port */
    uint16_t port;                /* appended to Host unless 443 */
    const char *token;            /* bearer token (unless put_auth) */
    /* Writes the whole Authorization value instead of "Bearer <token>" (OAuth's
     * Basic client credentials); NULL for the bearer token. */
    void (*put_auth)(struct http_buf *b, const void *arg);
    const void *auth_arg;
    bool form_body;               /* the body is application/x-www-form-urlencoded, not JSON */
    const char *user_agent_extra; /* may be NULL */
    const char *workspace_id;     /* X-Databricks-Workspace-Id, digits only; NULL or "": none */
} http_request;

/*
 * Writes a complete request into buf[0..cap). The body (body_len bytes,
 * possibly 0) must already sit at buf[0..body_len); it is moved behind the
 * head. Headers: Host, User-Agent (dbtok/<version> [extra]), Authorization:
 * Bearer, and for a POST Accept and Content-Type: application/json and
 * Content-Length; the connection is kept alive (HTTP/1.1 default).
 *
 * Returns DBTOK_OK with *total_len set; DBTOK_ERR_INVALID_ARG (with
 * *total_len 0 and nothing written) when an argument is NULL, the port is 0,
 * the method, path or token is empty or malformed, the host is not one
 * dbtok_config_check_host() accepts, or any of them or the user-agent text
 * holds CR, LF, NUL or another control character; DBTOK_ERR_BUFFER_TOO_SMALL
 * when it does not fit (*total_len then says how many bytes it needs).
 */
dbtok_err dbtok__http_write_request(uint8_t *buf, size_t cap, const http_request *req, size_t body_len,
                             size_t *total_len);

#endif /* DBTOK_HTTP_WRITER_H */
