/*
 * Calls, tried again when that is safe and worth it. This is the only place
 * that sends a request again: every attempt is one dbtok__round_trip, counted
 * in error.attempts and bounded by max_attempts, and all of them, with the
 * waits between them, fit in one deadline.
 *
 * Safe: the service provably did not act on the request. It said so (429,
 * 503, REQUEST_LIMIT_EXCEEDED, RESOURCE_EXHAUSTED, TEMPORARILY_UNAVAILABLE),
 * or the request never went out whole (DNS, connect, handshake failed, or
 * sending broke off). A list is also safe to repeat after a broken answer,
 * until its first entry was handed out. A create or revoke that went out
 * whole is never repeated: the create decides from req->reached what its
 * failure says about the token (token_api.c).
 *
 * Worth it: another attempt fits in the call's deadline after the wait the
 * service asked for, or an exponential backoff with jitter.
 */
#include <string.h>

#include "client_internal.h"

bool dbtok__client_said_try_later(const dbtok_error_info *e)
{
    return e->http_status == 429 || e->http_status == 503 ||
           strcmp(e->error_code, "REQUEST_LIMIT_EXCEEDED") == 0 ||
           strcmp(e->error_code, "RESOURCE_EXHAUSTED") == 0 ||
           strcmp(e->error_code, "TEMPORARILY_UNAVAILABLE") == 0;
}

/* A configured value, or its default when the config left it 0. */
static uint32_t or_default(uint32_t value, uint32_t fallback)
{
    return value != 0 ? value : fallback;
}

uint64_t dbtok__call_deadline(const dbtok__state *c)
{
    return c->port.now_ms(c->port.ctx) + or_default(c->config.retry.deadline_ms, DBTOK_DEFAULT_DEADLINE_MS);
}

#if DBTOK_ENABLE_RETRIES
static bool retryable(const dbtok__state *c, const exchange_request *req, dbtok_err err)
{
    bool reached = req->reached;
    switch (err) {
    case DBTOK_ERR_API:
    case DBTOK_ERR_NOT_JSON: /* a proxy's 503 page */
        return dbtok__client_said_try_later(&c->error);
    case DBTOK_ERR_DNS:
    case DBTOK_ERR_CONNECT:
    case DBTOK_ERR_TLS:
        return !reached;
    case DBTOK_ERR_PROXY: /* no tunnel, so nothing reached the service; worth it when the proxy
                             could not reach it (5xx) or did not answer in HTTP, not when it refused */
        return !reached && (c->error.http_status == 0 || c->error.http_status >= 500);
    case DBTOK_ERR_TIMEOUT:
    case DBTOK_ERR_IO:
        return !reached || req->idempotent;
    default:
        return false;
    }
}

/* The wait before the next attempt (attempt counts from 1). */
static uint32_t backoff_ms(dbtok__state *c, unsigned attempt)
{
    uint32_t base = or_default(c->config.retry.base_ms, DBTOK_DEFAULT_RETRY_BASE_MS);
    uint32_t cap = or_default(c->config.retry.max_ms, DBTOK_DEFAULT_RETRY_MAX_MS);
    uint32_t wait = base;
    unsigned char noise[2] = {0, 0};
    uint32_t half;

    if (c->retry_hint) {
        return c->error.retry_after_ms; /* the service's own answer, even beyond cap */
    }
    while (attempt > 1 && wait < cap) {
        wait = wait > cap / 2 ? cap : wait * 2;
        attempt--;
    }
    wait = wait < cap ? wait : cap;
    /* Jitter spreads out devices that failed together; a failing entropy
     * source only takes it away. */
    (void)c->port.entropy(c->port.ctx, noise, sizeof noise);
    half = wait / 2;
    return half + (uint32_t)(((uint64_t)(wait - half) * (uint32_t)((noise[0] << 8) | noise[1])) / 65536u);
}

#endif

/* After a failed attempt: whether to make another, having waited for it.
 * Built without retries, never: every call is one request. */
static bool try_again(dbtok__state *c, const exchange_request *req, dbtok_err err, unsigned attempt,
                      uint64_t deadline)
{
#if DBTOK_ENABLE_RETRIES
    uint32_t max_attempts = or_default(c->config.retry.max_attempts, DBTOK_DEFAULT_MAX_ATTEMPTS);
    uint32_t wait;
    if (attempt >= max_attempts || c->port.sleep_ms == NULL || !retryable(c, req, err)) {
        return false;
    }
    wait = backoff_ms(c, attempt);
    if (c->port.now_ms(c->port.ctx) + wait >= deadline) {
        return false; /* no time left for another try */
    }
    c->port.sleep_ms(c->port.ctx, wait);
    return true;
#else
    (void)c;
    (void)req;
    (void)err;
    (void)attempt;
    (void)deadline;
    return false;
#endif
}

dbtok_err dbtok__call_attempts(dbtok__state *c, exchange_request *req, struct json_doc *doc, const char *secret_key)
{
    /* Inside an enclosing call (a recovering create, an OAuth round), its
     * deadline rules. */
    uint64_t deadline = c->call_deadline_ms != 0 ? c->call_deadline_ms : dbtok__call_deadline(c);
    unsigned attempt;

    for (attempt = 1;; attempt++) {
        exchange_response resp;
        uint64_t now = c->port.now_ms(c->port.ctx);
        dbtok_err err;

        dbtok__client_error_reset(c);
        if (now >= deadline) {
            c->error.attempts = (uint8_t)(attempt - 1);
            return dbtok__client_fail(c, DBTOK_ERR_TIMEOUT);
        }
        c->request_deadline_ms = now + c->config.timeout_ms < deadline ? now + c->config.timeout_ms : deadline;
        err = dbtok__round_trip(c, req, &resp);
        if (err == DBTOK_OK && !resp.consumed_by_sink) {
            err = dbtok__response_classify(c, &resp, doc, secret_key);
        }
        c->error.attempts = (uint8_t)attempt;
        if (err == DBTOK_OK || !try_again(c, req, err, attempt, deadline)) {
            return dbtok__client_fail(c, err);
        }
    }
}

dbtok_err dbtok__call(dbtok__state *c, exchange_request *req, struct json_doc *doc, const char *secret_key)
{
#if DBTOK_ENABLE_OAUTH_M2M
    if (dbtok__oauth_active(c)) {
        return dbtok__oauth_call(c, req, doc, secret_key);
    }
#endif
    return dbtok__call_attempts(c, req, doc, secret_key);
}
