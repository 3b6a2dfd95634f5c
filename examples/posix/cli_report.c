/*
 * A failed call said in one line on stderr, with the exit code it means:
 * what the library's error, the service's answer or mbedTLS's code behind it
 * is in the user's terms (which host, which file, which flag to look at).
 */
#include "cli_report.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/ssl.h> /* first: it brings in the configuration the #if below reads */
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif
#include <mbedtls/x509_crt.h>

#include "cli_host.h"
#include "cli_messages.h"

#define MIB (1024u * 1024u)

void cli_tls_text(int32_t code, char *buf, size_t cap)
{
    if (code == 0) {
        (void)snprintf(buf, cap, "no further detail");
        return;
    }
#if defined(MBEDTLS_ERROR_C)
    char text[160];
    mbedtls_strerror((int)code, text, sizeof text);
    (void)snprintf(buf, cap, "%s (-0x%04x)", text, (unsigned)-code);
#else
    (void)snprintf(buf, cap, "mbedTLS error -0x%04x", (unsigned)-code);
#endif
}

/* What the commonest handshake failures usually mean, ahead of mbedTLS's text. */
static const char *tls_hint(int32_t code)
{
    switch (code) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        return "the server refused the handshake (does it offer only TLS 1.0/1.1, or no AES-GCM or "
               "ChaCha20 suite?): ";
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
    case MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION:
#else
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION: /* mbedTLS 2.28's name for it */
#endif
        return "the server offers neither TLS 1.2 nor TLS 1.3: ";
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_CONN_EOF:
        return "the server did not answer in TLS (is it plain HTTP on this port?): ";
    default:
        return "";
    }
}

/* The verification flags as one line: "; "-joined reasons. */
static void cert_text(uint32_t flags, char *buf, size_t cap)
{
#if !defined(MBEDTLS_X509_REMOVE_INFO)
    char info[1024];
    size_t i, n = 0;
    int len = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
    if (len > 0 && cap > 0) {
        for (i = 0; i < (size_t)len && info[i] != '\0' && n + 3 < cap; i++) {
            if (info[i] == '\n') {
                if (info[i + 1] != '\0') {
                    buf[n++] = ';';
                    buf[n++] = ' ';
                }
            } else {
                buf[n++] = info[i];
            }
        }
        buf[n] = '\0';
        return;
    }
#endif
    (void)snprintf(buf, cap, "verification flags 0x%08x", (unsigned)flags);
}

static int report_api_error(const dbtok_error_info *e)
{
    char code[DBTOK_MAX_ERROR_CODE_LEN + 16];
    if (e->error_code[0] != '\0') {
        (void)snprintf(code, sizeof code, "%s", e->error_code);
    } else {
        (void)snprintf(code, sizeof code, "HTTP %d", e->http_status);
    }
    /* Always `CODE: message`, so scripts can split on the first ": ". */
    cli_error_line("%s: %s%s (HTTP %d)", code, e->message[0] != '\0' ? e->message : "(no message)",
                   e->message_truncated ? "..." : "", e->http_status);
    return CLI_EXIT_API;
}

int cli_output_too_large(const cli_run *r)
{
    cli_error_line("the output does not fit in the %u MiB output buffer",
                   (unsigned)(r->out_cap / MIB));
    return CLI_EXIT_EXCHANGE;
}

int cli_report(const cli_run *r, dbtok_err err, const dbtok_error_info *e, const cli_out *out)
{
    const cli_args *a = r->args;
    const cli_settings *s = r->settings;
    char where[CLI_HOST_MAX + 16];
    char detail[1024];
    unsigned secs = a->timeout_ms != 0 ? a->timeout_ms / 1000u : DBTOK_DEFAULT_TIMEOUT_MS / 1000u;
    int status = e != NULL ? e->http_status : 0;
    cli_host_label(s->host, s->port, where, sizeof where);
    if (cli_say_proxy_error(s, err, status)) {
        return CLI_EXIT_EXCHANGE;
    }

    switch (err) {
    case DBTOK_OK:
        return 0;
    case DBTOK_ERR_API:
        return report_api_error(e);
    case DBTOK_ERR_OUTCOME_UNKNOWN:
        cli_error_line("the create request was sent but its answer was lost; a token may exist: "
                       "check with 'dbtok list'");
        return CLI_EXIT_UNKNOWN;
    case DBTOK_ERR_INVALID_ARG:
        cli_error_line("%s: check the host, token, comment or token id" CLI_HELP_HINT,
                       dbtok_strerror(err));
        return CLI_EXIT_USAGE;
    case DBTOK_ERR_DNS:
        cli_error_line("cannot resolve host %s: check --host or the profile", s->host);
        break;
    case DBTOK_ERR_CONNECT:
        cli_error_line("cannot connect to %s: connection refused or unreachable", where);
        break;
    case DBTOK_ERR_TLS:
        cli_tls_text(e != NULL ? e->tls_error : 0, detail, sizeof detail);
        cli_error_line("TLS with %s failed: %s%s", where, tls_hint(e != NULL ? e->tls_error : 0), detail);
        break;
    case DBTOK_ERR_CERT_VERIFY:
        if (e != NULL && (e->cert_flags & MBEDTLS_X509_BADCERT_OTHER) != 0) {
            /* dbtok's mark for a leaf that signs itself */
            cli_error_line("the certificate of %s was refused: it is self-signed, no CA vouches for it "
                           "(trusted CAs from %s; see --ca-file)", where, s->ca_file);
            break;
        }
        cert_text(e != NULL ? e->cert_flags : 0, detail, sizeof detail);
        cli_error_line("the certificate of %s was refused: %s (trusted CAs from %s; see --ca-file)",
                       where, detail, s->ca_file);
        break;
    case DBTOK_ERR_TIMEOUT:
        cli_error_line("no complete answer from %s within %u s (see --timeout)", where, secs);
        break;
    case DBTOK_ERR_IO:
        cli_error_line("the connection to %s broke: %s", where, dbtok_strerror(err));
        break;
    case DBTOK_ERR_PROTOCOL:
        cli_error_line("%s sent an answer that is not valid HTTP/1.1: %s", where,
                       dbtok_strerror(err));
        break;
    case DBTOK_ERR_REDIRECT:
        cli_error_line("%s answered HTTP %d, a redirect (not followed): the host is probably wrong, "
                       "use the workspace URL",
                       where, status);
        break;
    case DBTOK_ERR_NOT_JSON:
        if (status >= 200 && status < 300) { /* what a wrong host or path looks like */
            cli_error_line("%s answered HTTP %d with a page that is not JSON (a login page?): the "
                           "host is probably wrong, use the workspace URL",
                           where, status);
        } else {
            cli_error_line("%s answered HTTP %d with a body that is not JSON (an error page from a "
                           "proxy?)",
                           where, status);
        }
        break;
    case DBTOK_ERR_JSON:
        cli_error_line("the answer from %s is not the JSON expected: %s", where, dbtok_strerror(err));
        break;
    case DBTOK_ERR_BUFFER_TOO_SMALL:
        if (r->client != NULL && dbtok_get_stats(r->client)->requests == 0) {
            /* Refused before anything was sent: the input, not the exchange. */
            cli_error_line("the %s request does not fit in dbtok's %zu-byte work buffer, so nothing was "
                           "sent: shorten %s" CLI_HELP_HINT,
                           a->cmd_name, r->work_len, a->cmd == CLI_CMD_CREATE ? "--comment" : "the token id");
            return CLI_EXIT_USAGE;
        }
        if (e != NULL && e->needed_work_len > 0) {
            cli_error_line("a token in the answer from %s needs a %zu-byte work buffer; dbtok has %zu", where,
                           e->needed_work_len, r->work_len);
        } else {
            cli_error_line("the answer from %s does not fit in the %zu-byte work buffer", where, r->work_len);
        }
        break;
    case DBTOK_ERR_CRYPTO:
        cli_tls_text(e != NULL ? e->tls_error : 0, detail, sizeof detail);
        cli_error_line("TLS setup failed (entropy, CA certificates from %s, or the memory arena): %s",
                       s->ca_file, detail);
        break;
    case DBTOK_ERR_ABORTED:
        if (out != NULL && out->overflow) {
            return cli_output_too_large(r);
        }
        cli_error_line("%s", dbtok_strerror(err));
        break;
    default:
        cli_error_line("%s", dbtok_strerror(err));
        break;
    }
    return CLI_EXIT_EXCHANGE;
}
