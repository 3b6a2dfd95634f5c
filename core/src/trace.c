/*
 * TRACE-level log of the exchange, for `dbtok -v` and device consoles.
 *
 * Secrets never reach the port's log: the Authorization header is replaced
 * whole, a create response's token_value is cut out, and any echo of the
 * bearer token in a body is hidden.
 */
#include <string.h>

#include "client_internal.h"

static const char redacted[] = "[REDACTED]";

bool trace_enabled(const dbtok_client *c)
{
    return c->port.log != NULL;
}

void trace_text(const dbtok_client *c, const char *text, size_t len)
{
    if (c->port.log != NULL && len > 0) {
        c->port.log(c->port.ctx, DBTOK_LOG_TRACE, text, len);
    }
}

static bool starts_with_nocase(const char *s, size_t len, const char *prefix)
{
    size_t i;
    for (i = 0; prefix[i] != 0; i++) {
        char a = i < len ? s[i] : 0;
        if (a >= 'A' && a <= 'Z') {
            a = (char)(a - 'A' + 'a');
        }
        if (a != prefix[i]) {
            return false;
        }
    }
    return true;
}

void trace_request(const dbtok_client *c, const uint8_t *req, size_t len)
{
    const char *p = (const char *)req;
    const char *end = p + len;
    bool in_head = true;

    if (!trace_enabled(c)) {
        return;
    }
    while (p < end && in_head) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t line_len = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        if (line_len > 0 && p[line_len - 1] == '\r') {
            line_len--;
        }
        if (line_len == 0) {
            in_head = false;
        } else {
            trace_text(c, "> ", 2);
            if (starts_with_nocase(p, line_len, "authorization:")) {
                trace_text(c, "Authorization: Bearer ", 22);
                trace_text(c, redacted, sizeof redacted - 1);
            } else {
                trace_text(c, p, line_len);
            }
            trace_text(c, "\n", 1);
        }
        p = eol != NULL ? eol + 1 : end;
    }
    if (p < end) {
        trace_body(c, p, (size_t)(end - p), NULL, 0);
    }
}

/* Writes text, hiding every occurrence of the bearer token. */
static void trace_hiding_token(const dbtok_client *c, const char *text, size_t len)
{
    const char *token = c->config.token;
    size_t token_len = strlen(token);
    size_t start = 0;
    size_t i = 0;

    while (token_len > 0 && i + token_len <= len) {
        if (memcmp(text + i, token, token_len) == 0) {
            trace_text(c, text + start, i - start);
            trace_text(c, redacted, sizeof redacted - 1);
            i += token_len;
            start = i;
        } else {
            i++;
        }
    }
    trace_text(c, text + start, len - start);
}

/* Response header lines too: a server may echo the credential (say, in
 * WWW-Authenticate). */
void trace_line(void *client, const char *line, size_t len)
{
    const dbtok_client *c = client;
    trace_text(c, "< ", 2);
    trace_hiding_token(c, line, len);
    trace_text(c, "\n", 1);
}

void trace_body(const dbtok_client *c, const char *body, size_t len, const char *redact, size_t redact_len)
{
    if (!trace_enabled(c) || len == 0) {
        return;
    }
    trace_text(c, "| ", 2);
    if (redact != NULL && redact >= body && redact + redact_len <= body + len) {
        size_t before = (size_t)(redact - body);
        trace_hiding_token(c, body, before);
        trace_text(c, redacted, sizeof redacted - 1);
        trace_hiding_token(c, redact + redact_len, len - before - redact_len);
    } else {
        trace_hiding_token(c, body, len);
    }
    trace_text(c, "\n", 1);
}
