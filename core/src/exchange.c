/*
 * One request, one response, over the client's kept-alive connection: one
 * attempt, never more. Whether to send it again is retry.c's decision alone;
 * this file reports how far the request got (req->reached).
 *
 * The work buffer holds the request while it is sent and then the response
 * body, received in place: each recv lands right after the body gathered so
 * far and the reader compacts the new body bytes down onto it. A kept-alive
 * connection the server already closed is noticed before anything is sent
 * and reopened; that is part of the one attempt, not a second one.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "client_internal.h"
#include "http_reader.h"


static dbtok_err build_request(dbtok__state *c, const exchange_request *req, size_t *req_len)
{
    http_buf body = {c->work, c->work_len, 0};
    http_request h;
    dbtok_err err;

    if (req->write_body != NULL) {
        req->write_body(req->write_arg, &body);
        if (http_buf_overflow(&body)) {
            return DBTOK_ERR_BUFFER_TOO_SMALL;
        }
    }
    h.method = req->method;
    h.path = req->path;
    h.path_segment = req->path_segment;
    h.put_segment = req->put_segment;
    h.host = c->config.host;
    h.port = c->config.port;
    h.token = dbtok__bearer(c);
    h.put_auth = req->put_auth;
    h.auth_arg = c;
    h.form_body = req->form_body;
    h.user_agent_extra = c->config.user_agent_extra;
    h.workspace_id = c->config.workspace_id;
    err = dbtok__http_write_request(c->work, c->work_len, &h, body.len, req_len);
    if (err == DBTOK_OK && *req_len >= c->work_len) {
        err = DBTOK_ERR_BUFFER_TOO_SMALL; /* no room left for the response */
    }
    return err;
}

/* Retry-After as milliseconds from now: delta seconds, or an HTTP-date when
 * the port has a wall clock. */
static void record_retry_after(dbtok__state *c, const http_reader *r)
{
    uint64_t seconds;
    if (r->has_retry_after) {
        seconds = r->retry_after_s;
    } else if (r->has_retry_after_date && c->port.unix_time != NULL) {
        int64_t now = c->port.unix_time(c->port.ctx);
        seconds = r->retry_after_date > now ? (uint64_t)(r->retry_after_date - now) : 0;
    } else {
        return;
    }
    c->error.retry_after_ms = seconds > UINT32_MAX / 1000 ? UINT32_MAX : (uint32_t)seconds * 1000;
    c->retry_hint = true;
}

#if DBTOK_ENABLE_HTTP_DATES
/*
 * The service's Date raises the client's time. The answer came over a
 * connection whose chain was verified, so the Date is the service's word;
 * but a Date past the end of the server's own certificate would have the
 * service say that certificate has expired: a broken clock, which could
 * otherwise refuse every certificate from then on (a year 9999 would strand
 * the device for good).
 */
static void learn_time(dbtok__state *c, const http_reader *r)
{
    if (r->has_date && r->date <= c->server_not_after_s && r->date > dbtok_trusted_time_s(dbtok__cclient_of(c))) {
        c->learned_time_s = r->date;
        c->learned_at_ms = c->port.now_ms(c->port.ctx);
    }
}
#endif

/* The reader lives in the client, not on the stack: its line buffer is most
 * of a call's stack otherwise. The client sets the room aside by size alone
 * (dbtok.h includes no internal header); this checks that it is enough. */
typedef char reader_fits_in_client[sizeof(http_reader) <= sizeof(((dbtok__state *)0)->reader_space) ? 1 : -1];

/* Reads one response into the work buffer, body first, NUL after it; or,
 * for a 2xx with a sink, through the sink. */
static dbtok_err receive_response(dbtok__state *c, const exchange_request *req, exchange_response *resp)
{
    http_reader *reader = (http_reader *)(void *)c->reader_space;
    size_t body_len = 0;
    int state = 0;
    bool consumed_by_sink = false;
    bool head_recorded = false;

#if DBTOK_ENABLE_TRACE
    dbtok__http_reader_init(reader, dbtok__trace_enabled(c) ? dbtok__trace_line : NULL, c);
#else
    dbtok__http_reader_init(reader, NULL, c);
#endif
    while (state == 0) {
        /* A sink's window until the head says another answer comes whole;
         * one byte is kept for the NUL. */
        bool to_sink = req->body_sink != NULL && req->body_window != 0 &&
                       (!reader->head_done || (reader->status >= 200 && reader->status < 300));
        size_t limit = to_sink ? req->body_window : c->work_len - 1;
        size_t room = limit > body_len ? limit - body_len : 0;
        size_t consumed = 0;
        size_t fresh = 0;
        int n;
        if (room == 0) {
            return DBTOK_ERR_BUFFER_TOO_SMALL;
        }
        n = dbtok__tls_recv(c, c->work + body_len, room);
        if (n < 0) {
            return (dbtok_err)n;
        }
        if (n == 0) {
            state = dbtok__http_reader_eof(reader);
        } else {
            c->stats.bytes_received += (uint32_t)n;
            state = dbtok__http_reader_feed(reader, c->work + body_len, (size_t)n, &consumed, &fresh);
            body_len += fresh;
            if (state == 1 && consumed < (size_t)n) {
                /* Bytes after the response that nobody asked for: do not
                 * trust this connection for another request. */
                reader->conn_close = true;
            }
        }
        if (reader->head_done && !head_recorded) {
            /* Kept even if the body then fails: the caller learns what
             * answered, and when it may try again. */
            c->error.http_status = reader->status;
            record_retry_after(c, reader);
#if DBTOK_ENABLE_HTTP_DATES
            learn_time(c, reader);
#endif
            head_recorded = true;
        }
        if (state >= 0 && req->body_sink != NULL && reader->head_done && reader->status >= 200 &&
            reader->status < 300) {
            dbtok_err err =
                req->body_sink(req->sink_arg, c->work, &body_len, limit, state == 1, !consumed_by_sink);
            if (err != DBTOK_OK) {
                return err;
            }
            consumed_by_sink = true;
        }
        if (n == 0) {
            break;
        }
    }
    if (state < 0) {
        return (dbtok_err)state;
    }
    c->work[body_len] = 0;
    resp->status = reader->status;
    resp->body = c->work;
    resp->body_len = body_len;
    resp->consumed_by_sink = consumed_by_sink;
    if (reader->conn_close) {
        dbtok__tls_disconnect(c);
    }
    return DBTOK_OK;
}

dbtok_err dbtok__round_trip(dbtok__state *c, exchange_request *req, exchange_response *resp)
{
    size_t req_len = 0;
    size_t sent = 0;
    dbtok_err err;

    req->reached = false;
    err = build_request(c, req, &req_len);
    if (err == DBTOK_OK && c->connected && !dbtok__tls_is_reusable(c)) {
        dbtok__tls_disconnect(c);
    }
    if (err == DBTOK_OK && !c->connected) {
        err = dbtok__tls_connect(c, req_len);
    }
    if (err != DBTOK_OK) {
        /* The request, bearer token included, must not outlive a failure. */
        mbedtls_platform_zeroize(c->work, req_len < c->work_len ? req_len : c->work_len);
        return err;
    }
    dbtok__trace_request(c, c->work, req_len);
    c->stats.requests++;
    err = dbtok__tls_send_all(c, c->work, req_len, &sent);
    c->stats.bytes_sent += (uint32_t)sent;
    /* The request carries the bearer token: wipe it as soon as it is out. */
    mbedtls_platform_zeroize(c->work, req_len);
    req->reached = sent == req_len;
    if (err == DBTOK_OK) {
        err = receive_response(c, req, resp);
        /* Header lines may have echoed anything: they do not outlive the answer. */
        mbedtls_platform_zeroize(c->reader_space, sizeof c->reader_space);
    }
    if (err != DBTOK_OK) {
        dbtok__tls_disconnect(c); /* half-used: never reused */
    }
    return err;
}
