/*
 * Incremental HTTP/1.1 response reader.
 *
 * A byte-at-a-time state machine: it can be fed any split of the response
 * (down to one byte per call) and keeps only a short line buffer. Body bytes
 * are compacted in place to the front of each fed span, so the caller can
 * receive straight after the body it already holds and never copy twice.
 *
 * Accepted: HTTP/1.0 and 1.1 status lines; headers with case-insensitive
 * names; Content-Length (a second, different value is rejected);
 * Transfer-Encoding: chunked (chunk extensions and trailers tolerated; any
 * other coding, or chunked together with Content-Length, is rejected); a body
 * delimited by close when neither is present; 1xx interim responses skipped;
 * no body for 204 and 304. Connection: close, Retry-After (delta seconds
 * or an HTTP-date) and Date are recorded. Rejected as DBTOK_ERR_PROTOCOL: a bad status line, a header
 * line without a colon or with space before it, obs-fold continuation lines,
 * control characters in header lines, a header section over
 * DBTOK_HTTP_MAX_HEADER_BYTES, malformed or overflowing lengths and chunk
 * sizes, a chunk not followed by CRLF.
 */
#ifndef DBTOK_HTTP_READER_H
#define DBTOK_HTTP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_types.h"

/* Called with every status, header and trailer line (without CRLF; only the
 * first DBTOK_HTTP_LINE_MAX bytes of a longer line) for tracing. May be NULL. */
typedef void (*http_line_cb)(void *user, const char *line, size_t len);

typedef struct {
    /* results, valid once the head is complete */
    int status;               /* 100..999 */
    bool conn_close;          /* the server will close after this response */
    bool chunked;
    bool has_length;
    uint64_t content_length;
    bool has_retry_after;
    uint32_t retry_after_s;   /* Retry-After in delta seconds */
    bool has_retry_after_date;
    bool has_date;            /* one Date header, whole and an HTTP-date (never with DBTOK_ENABLE_HTTP_DATES 0) */
    int64_t retry_after_date; /* Retry-After as an HTTP-date, Unix seconds */
    int64_t date;             /* the Date header, Unix seconds, with has_date */
    bool head_done;           /* the final (non-1xx) head has been read */
    bool head_only;           /* set after init: the response ends with its head, whatever its status (a
                                 proxy's answer to CONNECT: a 2xx opens the tunnel, a refusal's body is
                                 not read) */

    /* private */
    uint8_t state;
    uint8_t version_minor;
    bool date_seen;           /* a Date line was read: a second one spoils both */
    uint64_t remaining;       /* bytes left in the body or the current chunk */
    size_t header_bytes;      /* bytes of head (and trailer) seen so far */
    size_t line_len;          /* bytes of the current line, which may exceed what is kept */
    char line[DBTOK_HTTP_LINE_MAX];
    http_line_cb on_line;
    void *on_line_user;
} http_reader;

/* Reset for a new response; on_line may be NULL. */
void dbtok__http_reader_init(http_reader *r, http_line_cb on_line, void *on_line_user);

/*
 * Feed data[0..len). Body bytes are moved, in order, to data[0..*body_len).
 * *consumed is the number of input bytes used: all of them, except when the
 * response ends inside the span (the rest belongs to no response).
 * Returns 0 when more input is needed, 1 when the response is complete, or
 * DBTOK_ERR_PROTOCOL. After 1 or an error, further feeds return the same.
 */
int dbtok__http_reader_feed(http_reader *r, uint8_t *data, size_t len, size_t *consumed, size_t *body_len);

/*
 * The peer closed the stream. Returns 1 when that completes the response (a
 * body delimited by close, or a response already complete), DBTOK_ERR_PROTOCOL
 * after an earlier protocol error, otherwise DBTOK_ERR_IO (the response was
 * cut).
 */
int dbtok__http_reader_eof(http_reader *r);

#endif /* DBTOK_HTTP_READER_H */
