/*
 * Everything the tool says on stderr, and the masking step every printed
 * byte of service- or config-derived text takes first (see cli_messages.h).
 * All buffers are static: the tool is single-threaded, and a message must
 * not need the heap.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_messages.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dbtok_posix.h"

#include "cli_host.h"
#include "cli_output.h"
#include "cli_text.h"

int cli_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            /* A non-blocking stdout (inherited so) that is full: wait for room, as a
             * blocking one would, rather than call a long streamed list broken. */
            struct pollfd p = {fd, POLLOUT, 0};
            if (poll(&p, 1, -1) >= 0 || errno == EINTR) {
                continue;
            }
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Secrets the tool knows itself (see cli_remember_secret()). */
static dbtok_str g_secrets[CLI_SECRETS_MAX];
static size_t g_n_secrets;
static const dbtok_client *g_client; /* set while dbtok_mask() may read it */

void cli_remember_secret(const char *s)
{
    if (s != NULL && s[0] != '\0' && g_n_secrets < CLI_SECRETS_MAX) {
        g_secrets[g_n_secrets].ptr = s;
        g_secrets[g_n_secrets].len = strlen(s);
        g_n_secrets++;
    }
}

void cli_forget_secrets(void)
{
    memset(g_secrets, 0, sizeof g_secrets);
    g_n_secrets = 0;
}

void cli_mask_with_client(const dbtok_client *client)
{
    g_client = client;
}

/* Each pass masks the whole text before anything is cut. */
static char g_mask_mid[160 * 1024]; /* a comment (up to the work buffer) after the first pass */

size_t cli_mask_text(void *user, const char *text, size_t len, char *out, size_t cap)
{
    size_t mid = dbtok_mask(g_client, text, len, g_mask_mid, sizeof g_mask_mid);
    size_t need;
    bool cut = mid >= sizeof g_mask_mid;
    (void)user;
    if (cut) {
        mid = sizeof g_mask_mid - 1;
    }
    need = dbtok_mask_text(g_secrets, g_n_secrets, g_mask_mid, mid, out, cap);
    cli_wipe(g_mask_mid, mid); /* may still hold one of the tool's own secrets */
    return cut && need < cap ? cap : need;
}

/* A line on stderr: prefix, then text masked and escaped, so it stays one
 * line and holds neither a secret nor a control sequence. */
static char g_line_masked[8192];
static char g_line_out[4 * sizeof g_line_masked + 256]; /* escaping at most quadruples */

static void emit_line(const char *prefix, const char *text, size_t len)
{
    size_t p = strlen(prefix);
    size_t m = cli_mask_text(NULL, text, len, g_line_masked, sizeof g_line_masked);
    size_t e;
    if (m >= sizeof g_line_masked) {
        m = sizeof g_line_masked - 1; /* cut after masking: safe */
    }
    memcpy(g_line_out, prefix, p);
    e = cli_escape(CLI_ESC_TEXT, g_line_masked, m, g_line_out + p, sizeof g_line_out - p - 1);
    if (e >= sizeof g_line_out - p - 1) {
        e = sizeof g_line_out - p - 2;
    }
    g_line_out[p + e] = '\n';
    (void)cli_write_all(STDERR_FILENO, g_line_out, p + e + 1);
}

void cli_say(const char *prefix, const char *fmt, ...)
{
    static char text[8192];
    va_list ap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n >= 0) {
        emit_line(prefix, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    }
}

bool cli_say_proxy_error(const cli_settings *s, dbtok_err err, int http_status)
{
    char proxy[CLI_HOST_MAX + 16], where[CLI_HOST_MAX + 16];
    const cli_proxy_url *p = &s->proxy;
    const char *from = s->proxy_from != NULL ? s->proxy_from : "the settings";
    if (p->host[0] == '\0') {
        return false;
    }
    /* cli_host_label() leaves out :443, which a proxy seldom listens on. */
    (void)snprintf(proxy, sizeof proxy, strchr(p->host, ':') != NULL ? "[%s]:%u" : "%s:%u", p->host,
                   (unsigned)p->port);
    (void)snprintf(where, sizeof where, strchr(s->host, ':') != NULL ? "[%s]:%u" : "%s:%u", s->host,
                   (unsigned)s->port);
    /* tinyproxy, for one, answers wrong credentials with 401, not 407. */
    if (err == DBTOK_ERR_PROXY_AUTH || (err == DBTOK_ERR_PROXY && http_status == 401)) {
        int status = http_status != 0 ? http_status : 407;
        if (p->username[0] == '\0') {
            cli_error_line("proxy %s (from %s) wants credentials (HTTP %d) and none were given: put them in "
                           "the proxy URL, http://USER:PASSWORD@HOST:PORT", proxy, from, status);
        } else {
            cli_error_line("proxy %s (from %s) refused the credentials of user '%s' (HTTP %d): the proxy "
                           "user name or password is wrong", proxy, from, p->username, status);
        }
        return true;
    }
    switch (err) {
    case DBTOK_ERR_PROXY:
        if (http_status == 0) {
            cli_error_line("proxy %s (from %s) answered no HTTP to the request for a tunnel to %s: is it an "
                           "HTTP proxy?", proxy, from, where);
        } else if (http_status >= 200 && http_status < 300) {
            cli_error_line("proxy %s (from %s) answered HTTP %d to the request for a tunnel to %s, but sent "
                           "bytes after its answer before TLS began: no tunnel dbtok can use", proxy, from,
                           http_status, where);
        } else {
            cli_error_line("proxy %s (from %s) refused the tunnel to %s (HTTP %d)", proxy, from, where,
                           http_status);
        }
        return true;
    case DBTOK_ERR_DNS:
        cli_error_line("cannot resolve the proxy host %s (from %s)", p->host, from);
        return true;
    case DBTOK_ERR_CONNECT:
        cli_error_line("cannot connect to proxy %s (from %s): connection refused or unreachable", proxy, from);
        return true;
    default:
        return false;
    }
}

/* Fragments are gathered into whole lines so that masking and escaping see
 * a line at once (a UTF-8 sequence or a secret split across fragments stays
 * recognisable). */
static char g_trace_line[4096];
static size_t g_trace_len;
static bool g_trace_pending;

static void trace_end_line(void)
{
    emit_line("", g_trace_line, g_trace_len);
    g_trace_len = 0;
    g_trace_pending = false;
}

void cli_trace_log(void *ctx, int level, const char *text, size_t len)
{
    const dbtok_posix_ctx *p = ctx;
    if (level > p->log_level) {
        return;
    }
    while (len > 0) {
        const char *nl = memchr(text, '\n', len);
        size_t take = nl != NULL ? (size_t)(nl - text) : len;
        if (take > sizeof g_trace_line - g_trace_len) {
            take = sizeof g_trace_line - g_trace_len;
        }
        memcpy(g_trace_line + g_trace_len, text, take);
        g_trace_len += take;
        g_trace_pending = true;
        text += take;
        len -= take;
        if (len > 0 && text[0] == '\n') {
            text++;
            len--;
            trace_end_line();
        } else if (g_trace_len == sizeof g_trace_line) {
            trace_end_line(); /* an overlong line: shown in pieces */
        }
    }
}

void cli_trace_flush(void)
{
    if (g_trace_pending) {
        trace_end_line();
    }
}

