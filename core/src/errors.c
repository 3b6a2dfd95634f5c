/*
 * Error text and the per-call error record.
 */
#include <string.h>

#include "client_internal.h"

/* One definition whatever the switch: coverage merges builds by line. */
const char *dbtok_strerror(dbtok_err err)
{
#if DBTOK_ENABLE_ERROR_TEXTS
    switch (err) {
    case DBTOK_OK:
        return "success";
    case DBTOK_ERR_INVALID_ARG:
        return "invalid argument";
    case DBTOK_ERR_BUFFER_TOO_SMALL:
        return "work buffer too small";
    case DBTOK_ERR_DNS:
        return "host name did not resolve";
    case DBTOK_ERR_CONNECT:
        return "could not connect";
    case DBTOK_ERR_TLS:
        return "TLS handshake or record failure";
    case DBTOK_ERR_CERT_VERIFY:
        return "server certificate not trusted";
    case DBTOK_ERR_TIMEOUT:
        return "timed out";
    case DBTOK_ERR_IO:
        return "connection broken";
    case DBTOK_ERR_PROTOCOL:
        return "invalid HTTP response";
    case DBTOK_ERR_REDIRECT:
        return "unexpected redirect (wrong host or path?)";
    case DBTOK_ERR_NOT_JSON:
        return "response is not JSON (wrong host or path, or a proxy page?)";
    case DBTOK_ERR_JSON:
        return "malformed JSON response";
    case DBTOK_ERR_API:
        return "the service returned an error";
    case DBTOK_ERR_OUTCOME_UNKNOWN:
        return "request sent but its answer was lost; outcome unknown";
    case DBTOK_ERR_ABORTED:
        return "stopped by the caller";
    case DBTOK_ERR_CRYPTO:
        return "TLS setup failed";
    case DBTOK_ERR_NOT_FOUND:
        return "nothing is stored";
    case DBTOK_ERR_STORAGE:
        return "the store could not be read or written";
    case DBTOK_ERR_PROXY:
        return "the proxy refused the tunnel";
    case DBTOK_ERR_PROXY_AUTH:
        return "proxy credentials missing or refused";
    }
    return "unknown error";
#else
    return err == DBTOK_OK ? "success" : "error";
#endif
}

void dbtok__client_error_reset(dbtok__state *c)
{
    memset(&c->error, 0, sizeof c->error);
    c->retry_hint = false;
}

dbtok_err dbtok__client_fail(dbtok__state *c, dbtok_err err)
{
    c->error.err = err;
    return err;
}

/* Copies text into dst (cap bytes, NUL-terminated) through the masking
 * routine, masked whole before it is cut, so that a caller printing it
 * cannot leak a secret the service echoed. Returns whether it was cut. */
static bool copy_masked(const dbtok__state *c, char *dst, size_t cap, const char *text, size_t len)
{
    return dbtok_mask(dbtok__cclient_of(c), text, len, dst, cap) >= cap;
}

void dbtok__client_record_text(dbtok__state *c, const uint8_t *body, size_t len)
{
    char *msg = c->error.message;
    size_t line = 0;
    size_t i;

    /* HTML says nothing useful in one line; plain text usually does. */
    if (len == 0 || body[0] == '<') {
        return;
    }
    while (line < len && body[line] != '\n' && body[line] != '\r') {
        line++;
    }
    c->error.message_truncated = copy_masked(c, msg, sizeof c->error.message, (const char *)body, line);
    for (i = 0; msg[i] != 0; i++) {
        if ((unsigned char)msg[i] < 0x20 || (unsigned char)msg[i] >= 0x7f) {
            msg[i] = '?';
        }
    }
}

void dbtok__client_record_message(dbtok__state *c, const char *text, size_t len)
{
    bool cut = copy_masked(c, c->error.message, sizeof c->error.message, text, len);
    c->error.message_truncated = c->error.message_truncated || cut;
}

void dbtok__client_record_code(dbtok__state *c, const char *text, size_t len)
{
    (void)copy_masked(c, c->error.error_code, sizeof c->error.error_code, text, len);
}
