/*
 * TRACE-level log of the exchange, for `dbtok -v` and device consoles.
 *
 * Secrets never reach the port's log: the Authorization header is replaced
 * whole, the value of every token_value (and access_token) member of a body
 * is cut out, and every other byte passes the masking routine (mask.c).
 */
#include <string.h>

#include "client_internal.h"

#if DBTOK_ENABLE_TRACE
static const char redacted[] = DBTOK_MASK_TEXT;

bool dbtok__trace_enabled(const dbtok__state *c)
{
    return c->port.log != NULL;
}

void dbtok__trace_text(const dbtok__state *c, const char *text, size_t len)
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

static void to_log(void *client, const char *text, size_t len)
{
    dbtok__trace_text(client, text, len);
}

/* Writes service- or config-derived text through the masking routine. */
static void trace_masked(const dbtok__state *c, const char *text, size_t len)
{
    dbtok__mask_emit(c, text, len, to_log, (void *)(uintptr_t)c);
}

/* The request's head, line by line; returns where its body starts. A
 * proxy's Proxy-Authorization needs no rule of its own: its Base64 is one
 * of the secrets the masking routine hides. */
static const char *trace_head(const dbtok__state *c, const char *p, const char *end)
{
    bool in_head = true;
    while (p < end && in_head) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t line_len = eol != NULL ? (size_t)(eol - p) : (size_t)(end - p);
        if (line_len > 0 && p[line_len - 1] == '\r') {
            line_len--;
        }
        if (line_len == 0) {
            in_head = false;
        } else {
            dbtok__trace_text(c, "> ", 2);
            if (starts_with_nocase(p, line_len, "authorization:")) {
#if DBTOK_ENABLE_OAUTH_M2M
                /* The scheme is no secret, and tells a Basic client credential
                 * from a bearer token in the trace. */
                bool basic = starts_with_nocase(p, line_len, "authorization: basic ");
                dbtok__trace_text(c, basic ? "Authorization: Basic " : "Authorization: Bearer ", basic ? 21 : 22);
#else
                dbtok__trace_text(c, "Authorization: Bearer ", 22);
#endif
                dbtok__trace_text(c, redacted, sizeof redacted - 1);
            } else {
                trace_masked(c, p, line_len);
            }
            dbtok__trace_text(c, "\n", 1);
        }
        p = eol != NULL ? eol + 1 : end;
    }
    return p;
}

void dbtok__trace_request(const dbtok__state *c, const uint8_t *req, size_t len)
{
    const char *end = (const char *)req + len;
    const char *body;

    if (!dbtok__trace_enabled(c)) {
        return;
    }
    body = trace_head(c, (const char *)req, end);
    if (body < end) {
        dbtok__trace_body(c, body, (size_t)(end - body));
    }
}

#if DBTOK_ENABLE_PROXY
void dbtok__trace_request_head(const dbtok__state *c, const uint8_t *req, size_t len)
{
    if (dbtok__trace_enabled(c)) {
        (void)trace_head(c, (const char *)req, (const char *)req + len);
    }
}
#endif

/* Response header lines too: a server may echo the credential (say, in
 * WWW-Authenticate or a percent-encoded Location). */
void dbtok__trace_line(void *client, const char *line, size_t len)
{
    const dbtok__state *c = client;
    dbtok__trace_text(c, "< ", 2);
    trace_masked(c, line, len);
    dbtok__trace_text(c, "\n", 1);
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

/* Whether body[i] opens the key `key` once its escapes are decoded. */
static bool key_reads(const char *b, size_t len, size_t *i, const char *key)
{
    size_t adv;
    for (; *key != '\0'; key++) {
        if (*i >= len || dbtok__escaped_char(b, len, *i, &adv) != (unsigned char)*key) {
            return false;
        }
        *i += adv;
    }
    return true;
}

/* Whether body[i] opens a key that reads "token_value" (a new token) or
 * "access_token" (an OAuth answer) once its escapes are decoded, followed by
 * its colon; *value is then where the value starts. */
static bool token_value_key(const char *b, size_t len, size_t i, size_t *value)
{
    size_t start = i + 1;
    i = start;
    if (!key_reads(b, len, &i, "token_value")) {
#if DBTOK_ENABLE_OAUTH_M2M
        i = start;
        if (!key_reads(b, len, &i, "access_token")) {
            return false;
        }
#else
        return false;
#endif
    }
    if (i >= len || b[i] != '"') {
        return false;
    }
    for (i++; i < len && is_space(b[i]); i++) {
    }
    if (i >= len || b[i] != ':') {
        return false;
    }
    for (i++; i < len && is_space(b[i]); i++) {
    }
    *value = i;
    return true;
}

/* End of the JSON value starting at body[i], as far as the text goes: the
 * closing quote of a string (its content is what is hidden), anything else
 * up to the next delimiter. */
static size_t value_end(const char *b, size_t len, size_t i)
{
    if (i < len && b[i] == '"') {
        for (i++; i < len && b[i] != '"'; i++) {
            if (b[i] == '\\') {
                i++;
            }
        }
        return i < len ? i : len;
    }
    while (i < len && b[i] != ',' && b[i] != '}' && b[i] != ']' && !is_space(b[i])) {
        i++;
    }
    return i;
}

/* Body text with every "token_value" and "access_token" member's value (at
 * any depth, however often it appears) replaced, and the rest masked. */
static void trace_redacting_values(const dbtok__state *c, const char *b, size_t len)
{
    size_t done = 0;
    size_t i;
    for (i = 0; i < len; i++) {
        size_t value;
        if (b[i] == '"' && token_value_key(b, len, i, &value)) {
            size_t end = value_end(b, len, value);
            if (value < len && b[value] == '"') {
                value++; /* the quotes stay, so the trace still reads as JSON */
            }
            trace_masked(c, b + done, value - done);
            dbtok__trace_text(c, redacted, sizeof redacted - 1);
            done = end < value ? value : end;
            i = done;
        }
    }
    trace_masked(c, b + done, len - done);
}

void dbtok__trace_body(const dbtok__state *c, const char *body, size_t len)
{
    if (!dbtok__trace_enabled(c) || len == 0) {
        return;
    }
    dbtok__trace_text(c, "| ", 2);
    trace_redacting_values(c, body, len);
    dbtok__trace_text(c, "\n", 1);
}
#else
/* ISO C wants something in every translation unit. */
typedef int dbtok__trace_left_out;
#endif /* DBTOK_ENABLE_TRACE */
