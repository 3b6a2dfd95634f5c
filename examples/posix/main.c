/*
 * dbtok: create, list and revoke Databricks personal access tokens from the
 * command line, on top of the dbtok library and its POSIX port.
 *
 *   dbtok [GLOBAL] create [--comment TEXT] [--lifetime-seconds N] [--json JSON|@FILE]
 *   dbtok [GLOBAL] list
 *   dbtok [GLOBAL] delete TOKEN_ID        (revoke is an alias)
 *   dbtok [GLOBAL] rotate --store FILE [--force] [--min-remaining-seconds N] [--device NAME] ...
 *
 * Exit codes: 0 success, 1 the service answered with an error, 2 usage or
 * configuration error, 3 the exchange could not complete, 4 a create whose
 * outcome is unknown.
 *
 * What it prints: every byte of service- or config-derived text is masked
 * (cli_mask_text(): dbtok_mask() and dbtok_mask_text(), so no form of the
 * bearer token or of a token value ever reaches stdout or stderr) and then escaped
 * (cli_escape(), so no control character or bidi override reaches the
 * terminal); the one thing printed unmasked is a new token's value on
 * create's stdout. File descriptors 0-2 are made safe before anything is
 * opened (ensure_std_fds()), and a new token whose value could not be
 * delivered is revoked (cli_do_create()).
 *
 * Memory: every buffer is static (work, CA bundle, mbedTLS arena, output).
 * libc calls that may still allocate: getaddrinfo() inside the port's
 * connect (name resolution, NSS), and strerror() for unusual locales. Output
 * goes through write(2) and snprintf() into buffers, not stdio streams (whose
 * buffers glibc allocates), and dates are converted without gmtime_r() (see
 * cli_output.h).
 *
 * This file is the tool's order of work: the command line (cli_args.c,
 * cli_body.c, cli_help.c), the settings (cli_settings.c), the client's setup
 * (here: CA bundle, arena, port, config), one command (cli_commands.c;
 * rotate, which starts its clients itself, cli_rotate.c), and
 * what is said on the way (cli_messages.c, cli_report.c, cli_output.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <mbedtls/version.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif
#include <mbedtls/x509_crt.h>

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#include "cli_args.h"
#include "cli_body.h"
#include "cli_commands.h"
#include "cli_help.h"
#include "cli_host.h"
#include "cli_messages.h"
#include "cli_output.h"
#include "cli_proxy.h"
#include "cli_read_file.h"
#include "cli_report.h"
#include "cli_rotate.h"
#include "cli_settings.h"
#include "cli_text.h"

#define MIB (1024u * 1024u)

/* Sizes: the system CA bundle (~140 roots) is ~220 KB of PEM and needs well
 * over 1 MiB of arena once parsed; the work buffer needs to hold one request,
 * one create answer and one list entry (the list streams through it), so
 * 64 KiB leaves room for any entry a server could reasonably send; the
 * output buffer holds one formatted create answer, rotation line or list
 * entry (a list is printed entry by entry): an answer or entry of at most
 * half the work buffer, masked (half as long again at most) and escaped (6
 * bytes for 1 at most), stays under 300 KiB before indentation. */
static uint8_t g_ca[1 * MIB];
static uint8_t g_work[64 * 1024];
/* One service field (a comment, up to the work buffer) once masked: masking
 * may lengthen it (a short run becomes DBTOK_MASK_TEXT). */
static char g_field_masked[sizeof g_work + sizeof g_work / 2];
static char g_out_buf[1 * MIB];
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static unsigned char g_arena[2 * MIB];
#endif

static dbtok_client g_client; /* large (mbedTLS contexts): not on the stack */
static cli_settings g_settings;
static char g_proxy_basic[CLI_PROXY_BASIC_MAX]; /* the Base64 of the proxy's user:password, masked */

static const char *real_getenv(void *user, const char *name)
{
    (void)user;
    return getenv(name);
}

/* "mbedtls/<version> os/<sysname>" from uname(), after dbtok's own pair in the
 * User-Agent, so it says what the client runs on. */
static const char *user_agent_extra(void)
{
    static const char tls[] = "mbedtls/" MBEDTLS_VERSION_STRING " os/";
    static char ua[sizeof tls + 40];
    struct utsname u;
    size_t start = sizeof tls - 1;
    size_t n = start, i;
    memcpy(ua, tls, start);
    if (uname(&u) != 0) {
        return "mbedtls/" MBEDTLS_VERSION_STRING " os/unknown";
    }
    for (i = 0; u.sysname[i] != '\0' && n + 1 < sizeof ua; i++) {
        char c = u.sysname[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.') {
            ua[n++] = c;
        }
    }
    ua[n] = '\0';
    return n > start ? ua : "mbedtls/" MBEDTLS_VERSION_STRING " os/unknown";
}

/* The CA bundle, read as a settings file (a FIFO or a device is refused
 * rather than waited on) and NUL-terminated, as mbedTLS wants PEM. */
static int load_ca(size_t *ca_len)
{
    size_t len = 0;
    cli_file_result rc = cli_read_file(g_settings.ca_file, (char *)g_ca, sizeof g_ca - 1, &len);
    const char *from = cli_source_name(g_settings.ca_file_from, 'c');
    if (rc == CLI_FILE_MISSING || rc == CLI_FILE_UNREADABLE) {
        cli_error_line("cannot read the CA file %s (from %s): %s" CLI_HELP_HINT, g_settings.ca_file, from,
                       strerror(errno));
        return CLI_EXIT_USAGE;
    }
    if (rc == CLI_FILE_NOT_REGULAR) {
        cli_error_line("the CA file %s (from %s) is not a regular file (a FIFO, device or folder)" CLI_HELP_HINT,
                       g_settings.ca_file, from);
        return CLI_EXIT_USAGE;
    }
    if (rc == CLI_FILE_TOO_BIG) {
        cli_error_line("the CA file %s is larger than %u MiB", g_settings.ca_file,
                       (unsigned)(sizeof g_ca / MIB));
        return CLI_EXIT_USAGE;
    }
    if (len == 0) {
        cli_error_line("the CA file %s (from %s) is empty: it holds no certificate" CLI_HELP_HINT,
                       g_settings.ca_file, from);
        return CLI_EXIT_USAGE;
    }
    g_ca[len] = 0;
    *ca_len = len + 1;
    return 0;
}

/* Whether the mbedTLS code behind a DBTOK_ERR_CRYPTO from dbtok_init() says
 * the CA bundle could not be parsed (a PEM or X.509 error, or a count of
 * certificates skipped with none loaded), rather than memory or entropy. */
static bool ca_parse_error(int32_t code)
{
    unsigned high;
    if (code > 0) {
        return true;
    }
    if (code == 0 || code == MBEDTLS_ERR_X509_ALLOC_FAILED) {
        return false;
    }
    high = (unsigned)-code & 0xFF80u; /* the high-level module's part of the code */
    return (high >= 0x1080u && high <= 0x1480u) /* PEM */ || (high >= 0x2080u && high <= 0x2F80u) /* X.509 */;
}

static void verbose_settings(void)
{
    char where[CLI_HOST_MAX + 16];
    cli_host_label(g_settings.host, g_settings.port, where, sizeof where);
    if (g_settings.secret_from != CLI_FROM_NONE) {
        cli_say("dbtok: ", "host %s (from %s), OAuth machine-to-machine as client %s (from %s), CA file %s", where,
                cli_source_name(g_settings.host_from, 'h'), g_settings.client_id,
                cli_source_name(g_settings.secret_from, 's'), g_settings.ca_file);
    } else {
        cli_say("dbtok: ", "host %s (from %s), token from %s, CA file %s",
                where, cli_source_name(g_settings.host_from, 'h'),
                cli_source_name(g_settings.token_from, 't'), g_settings.ca_file);
    }
    if (g_settings.config_file[0] != '\0') {
        cli_say("dbtok: ", "profile [%s] in %s", g_settings.profile, g_settings.config_file);
    }
    if (g_settings.workspace_id[0] != '\0') {
        cli_say("dbtok: ", "workspace id %s (from %s)", g_settings.workspace_id,
                cli_source_name(g_settings.workspace_id_from, 'w'));
    }
    if (g_settings.proxy.host[0] != '\0') {
        char proxy[CLI_HOST_MAX + 16];
        cli_host_label(g_settings.proxy.host, g_settings.proxy.port, proxy, sizeof proxy);
        cli_say("dbtok: ", "proxy %s (from %s), %s%s%s", proxy, g_settings.proxy_from,
                g_settings.proxy.username[0] != '\0' ? "Basic credentials of user '" : "no credentials",
                g_settings.proxy.username, g_settings.proxy.username[0] != '\0' ? "'" : "");
    } else if (g_settings.bypassed_from != NULL) {
        cli_say("dbtok: ", "no proxy: %s exempts %s from the one %s names", g_settings.no_proxy_from,
                g_settings.host, g_settings.bypassed_from);
    }
}

static void verbose_stats(void)
{
    const dbtok_stats *s = dbtok_get_stats(&g_client);
    cli_say("dbtok: ", "%u connection(s), %u handshake(s), %u request(s), %u bytes sent, %u received",
            (unsigned)s->connects, (unsigned)s->handshakes, (unsigned)s->requests,
            (unsigned)s->bytes_sent, (unsigned)s->bytes_received);
}

/* dbtok_init() on g_client; 0 with r->client set, or the exit code once the
 * reason was said. */
static int open_client(cli_run *r, const dbtok_config *config, const dbtok_port *port)
{
    dbtok_err err = dbtok_init(&g_client, config, port, g_work, sizeof g_work);
    if (err != DBTOK_OK) {
        /* dbtok_init() clears the client first and records the mbedTLS code
         * behind DBTOK_ERR_CRYPTO (a CA file that does not parse, say). */
        const dbtok_error_info *e = dbtok_last_error(&g_client);
        cli_trace_flush();
        if (err == DBTOK_ERR_CRYPTO && ca_parse_error(e->tls_error)) {
            char detail[256];
            cli_tls_text(e->tls_error, detail, sizeof detail);
            cli_error_line("the CA file %s (from %s) holds no certificate dbtok can use: %s" CLI_HELP_HINT,
                           g_settings.ca_file, cli_source_name(g_settings.ca_file_from, 'c'), detail);
            return CLI_EXIT_USAGE;
        }
        return cli_report(r, err, e, NULL);
    }
    r->client = &g_client;
    cli_mask_with_client(&g_client);
    return 0;
}

static void close_client(cli_run *r)
{
    if (r->client == NULL) {
        return;
    }
    cli_trace_flush();
    if (r->args->verbose) {
        verbose_stats();
    }
    cli_mask_with_client(NULL);
    dbtok_close(&g_client);
    cli_trace_flush();
    r->client = NULL;
}

/* What rotate starts its clients from (cli_rotate_env.open). */
typedef struct {
    const dbtok_config *configured;
    const dbtok_port *port;
} client_setup;

static int reopen_client(void *ctx, cli_run *r, const char *bearer)
{
    const client_setup *setup = ctx;
    dbtok_config config = *setup->configured;
    close_client(r);
    if (bearer != NULL) {
        config.token = bearer;
        config.client_id = NULL;
        config.client_secret = NULL;
    }
    return open_client(r, &config, setup->port);
}

static int run(const cli_args *a)
{
    dbtok_posix_ctx port_ctx;
    dbtok_port port;
    dbtok_config config;
    cli_out out;
    size_t ca_len = 0;
    int rc;
    cli_run r;

    r.args = a;
    r.settings = &g_settings;
    r.client = NULL; /* until dbtok_init() succeeded */
    r.work_len = sizeof g_work;
    r.out_cap = sizeof g_out_buf;
    rc = load_ca(&ca_len);
    if (rc != 0) {
        return rc;
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    /* Before any other mbedTLS call: with the project's configuration there is
     * no libc fallback, every allocation comes from this arena. */
    mbedtls_memory_buffer_alloc_init(g_arena, sizeof g_arena);
#endif
    dbtok_posix_port_init(&port_ctx, &port, a->verbose ? DBTOK_LOG_TRACE : 0);
    /* The trace is printed as every other line is: masked, then escaped. */
    port.log = a->verbose ? cli_trace_log : NULL;

    memset(&config, 0, sizeof config);
    config.host = g_settings.host;
    config.port = g_settings.port;
    config.token = g_settings.token;
    if (g_settings.secret_from != CLI_FROM_NONE) {
        config.token = NULL;
        config.client_id = g_settings.client_id;
        config.client_secret = g_settings.client_secret;
    }
    config.workspace_id = g_settings.workspace_id;
    if (g_settings.proxy.host[0] != '\0') {
        config.proxy.host = g_settings.proxy.host;
        config.proxy.port = g_settings.proxy.port;
        config.proxy.username = g_settings.proxy.username;
        config.proxy.password = g_settings.proxy.password;
    }
    config.ca = g_ca;
    config.ca_len = ca_len;
    /* One deadline per call: its requests and all its retries. */
    config.timeout_ms = a->timeout_ms != 0 ? a->timeout_ms : DBTOK_DEFAULT_TIMEOUT_MS;
    config.retry.deadline_ms = config.timeout_ms;
    config.retry.max_attempts = (uint8_t)(a->retries >= 0 ? a->retries + 1 : 0);
    config.user_agent_extra = user_agent_extra();

    cli_out_init(&out, g_out_buf, sizeof g_out_buf, g_settings.output);
    cli_out_set_mask(&out, cli_mask_text, NULL, g_field_masked, sizeof g_field_masked);
    if (a->cmd == CLI_CMD_ROTATE) {
        /* rotate starts the client itself: with its stored token, or the configured credential. */
        client_setup setup;
        cli_rotate_env env;
        setup.configured = &config;
        setup.port = &port;
        env.open = reopen_client;
        env.ctx = &setup;
        env.port = &port;
        env.have_credential = g_settings.token[0] != '\0' || g_settings.secret_from != CLI_FROM_NONE;
        rc = cli_do_rotate(&r, &env, &out);
        close_client(&r);
        return rc;
    }
    rc = open_client(&r, &config, &port);
    if (rc != 0) {
        return rc;
    }
    switch (a->cmd) {
    case CLI_CMD_CREATE:
        rc = cli_do_create(&r, &out);
        break;
    case CLI_CMD_LIST:
        rc = cli_do_list(&r, &out);
        break;
    case CLI_CMD_UPDATE:
        rc = cli_do_update(&r);
        break;
    case CLI_CMD_DELETE:
    default:
        rc = cli_do_delete(&r);
        break;
    }
    close_client(&r);
    return rc;
}

/*
 * Before anything opens a file or a socket: a descriptor among 0-2 that the
 * caller left closed would be taken by the next open() or socket(), and then
 * a token's value (stdout) or the trace (stderr) would go into the TLS
 * connection in clear. Each closed one gets /dev/null. Returns -1 when that
 * fails (nothing else may then be opened).
 */
static bool g_stdout_closed_at_start;

static int ensure_std_fds(void)
{
    int fd;
    for (fd = 0; fd <= 2; fd++) {
        int got;
        if (fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            continue;
        }
        /* The lower descriptors are open by now, so open() lands on fd. */
        got = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
        if (got < 0) {
            return -1;
        }
        if (got != fd) {
            if (dup2(got, fd) != fd) {
                return -1;
            }
            (void)close(got);
        }
        if (fd == STDOUT_FILENO) {
            g_stdout_closed_at_start = true;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    static cli_args a; /* static: zeroed, and off the stack */
    cli_env env;
    char err[1024];
    struct sigaction ign;
    int rc;

    if (ensure_std_fds() != 0) {
        return CLI_EXIT_USAGE; /* nowhere safe to say so */
    }

    /* A closed stdout must be an error we report (a created token would be
     * lost), not a silent death by SIGPIPE. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &ign, NULL);

    a.retries = -1;
    cli_parse_args(&a, argc, argv);
    /* Known before any message is printed: a usage error may quote them. */
    cli_remember_secret(a.flags.token);
    cli_remember_secret(getenv("DATABRICKS_TOKEN"));
    cli_remember_secret(getenv("DATABRICKS_CLIENT_SECRET"));
    if (a.help) {
        cli_print_help(a.cmd);
        return 0;
    }
    if (a.version && !a.failed) {
        cli_print_version();
        return 0;
    }
    cli_check_args(&a);
    if (!a.failed && a.json != NULL) {
        cli_apply_json_body(&a);
    }
    if (!a.failed && g_stdout_closed_at_start && (a.cmd == CLI_CMD_CREATE || a.cmd == CLI_CMD_LIST)) {
        /* Decided: nothing could receive the output, so nothing is asked for.
         * For create that means no token is made at all, rather than one made
         * and then revoked (a revoke can fail, and leave it live). */
        cli_usage_error(&a, "stdout is closed: %s", a.cmd == CLI_CMD_CREATE
                                                        ? "the new token's value could not be shown, so "
                                                          "no token was created"
                                                        : "the list could not be shown");
    }
    if (a.failed) {
        cli_error_line("%s" CLI_HELP_HINT, a.err);
        return CLI_EXIT_USAGE;
    }

    env.get = real_getenv;
    env.user = NULL;
    a.flags.credential_optional = a.cmd == CLI_CMD_ROTATE;
    rc = cli_resolve(&a.flags, &env, &g_settings, err, sizeof err);
    /* Whatever the token resolved to (from a profile, say) is masked too,
     * also out of the message of a resolution that failed. */
    cli_remember_secret(g_settings.token);
    cli_remember_secret(g_settings.client_secret);
    cli_remember_secret(g_settings.proxy.password);
    cli_proxy_basic(&g_settings.proxy, g_proxy_basic, sizeof g_proxy_basic);
    cli_remember_secret(g_proxy_basic);
    if (rc != 0) {
        cli_error_line("%s" CLI_HELP_HINT, err);
        cli_forget_secrets();
        cli_settings_wipe(&g_settings);
        cli_wipe(g_proxy_basic, sizeof g_proxy_basic);
        return CLI_EXIT_USAGE;
    }
    /* With -o json a create keeps its answer's text too, which needs room. */
    cli_check_comment(&a, sizeof g_work, g_settings.output == CLI_OUTPUT_JSON);
    if (a.failed) {
        cli_error_line("%s" CLI_HELP_HINT, a.err);
        cli_forget_secrets();
        cli_settings_wipe(&g_settings);
        cli_wipe(g_proxy_basic, sizeof g_proxy_basic);
        return CLI_EXIT_USAGE;
    }
    if (a.verbose) {
        verbose_settings();
    }
    rc = run(&a);
    cli_forget_secrets();
    cli_settings_wipe(&g_settings);
    cli_wipe(g_proxy_basic, sizeof g_proxy_basic);
    cli_rotate_wipe();
    return rc;
}
