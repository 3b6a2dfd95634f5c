/*
 * What the tool prints on stderr (error lines, -v settings and the trace)
 * and the masking every printed piece of service- or config-derived text
 * goes through: first dbtok_mask() with the client, which knows the bearer
 * token and every token value it received, then dbtok_mask_text() with the
 * secrets the tool knows itself; then cli_escape(), so that a line stays one
 * line and no control sequence reaches the terminal.
 */
#ifndef CLI_MESSAGES_H
#define CLI_MESSAGES_H

#include <stdbool.h>
#include <stddef.h>

#include "dbtok/dbtok.h"

#include "cli_settings.h"

/* Write all of buf to fd (retrying short writes and EINTR); 0, or -1 with
 * errno set. */
int cli_write_all(int fd, const char *buf, size_t len);

/*
 * A secret the tool knows itself, masked from everything printed: --token,
 * DATABRICKS_TOKEN (even when --token won), the token the settings resolved
 * to (from a profile, say), the client secret, the proxy password and the
 * Base64 of the proxy's user:password. s is borrowed (argv, the environment,
 * the settings): call cli_forget_secrets() before it goes away. NULL or ""
 * is ignored; up to CLI_SECRETS_MAX are kept.
 */
#define CLI_SECRETS_MAX 8
void cli_remember_secret(const char *s);
void cli_forget_secrets(void);

/* From now on mask with client's secrets too (NULL: no client, before
 * dbtok_init() succeeded or once dbtok_close() is near). Borrowed. */
void cli_mask_with_client(const dbtok_client *client);

/* The masking step, a cli_mask_fn (cli_output.h); user is unused. Before a
 * client exists (a configuration error) only the tool's own secrets are
 * masked. */
size_t cli_mask_text(void *user, const char *text, size_t len, char *out, size_t cap);

/* One line on stderr: prefix, then the formatted text masked and escaped. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cli_say(const char *prefix, const char *fmt, ...);

#define cli_error_line(...) cli_say("Error: ", __VA_ARGS__)

/* Ends a usage or configuration error: where to read more. */
#define CLI_HELP_HINT " (see 'dbtok --help')"

/*
 * The line for a failure that is the proxy's (s->proxy.host set): its refusal
 * of the tunnel (DBTOK_ERR_PROXY, http_status its status, 0 when it answered
 * no HTTP), its 407 (DBTOK_ERR_PROXY_AUTH), and a proxy that cannot be
 * resolved or connected to (DBTOK_ERR_DNS, DBTOK_ERR_CONNECT: with a proxy,
 * dbtok connects to nothing else). Each names the proxy and where its
 * address came from, never its credentials. Returns whether it said one
 * (the exit code is then CLI_EXIT_EXCHANGE); false for any other failure.
 */
bool cli_say_proxy_error(const cli_settings *s, dbtok_err err, int http_status);

/* The port's log for -v (a dbtok_port.log; ctx is the dbtok_posix_ctx): the
 * core hands the trace over in fragments, a line ending in '\n'; each whole
 * line is printed as every other line is. */
void cli_trace_log(void *ctx, int level, const char *text, size_t len);

/* Print a trace line the core left unfinished. */
void cli_trace_flush(void);

#endif /* CLI_MESSAGES_H */
