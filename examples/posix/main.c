/*
 * dbtok: create, list and revoke Databricks personal access tokens from the
 * command line, on top of the dbtok library and its POSIX port.
 *
 *   dbtok [GLOBAL] create [--comment TEXT] [--lifetime-seconds N] [--json JSON|@FILE]
 *   dbtok [GLOBAL] list
 *   dbtok [GLOBAL] delete TOKEN_ID        (revoke is an alias)
 *
 * Exit codes: 0 success, 1 the service answered with an error, 2 usage or
 * configuration error, 3 the exchange could not complete, 4 a create whose
 * outcome is unknown.
 *
 * What it prints: every byte of service- or config-derived text is masked
 * (mask_text(): dbtok_mask() and dbtok_mask_text(), so no form of the bearer
 * token or of a token value ever reaches stdout or stderr) and then escaped
 * (cli_escape(), so no control character or bidi override reaches the
 * terminal); the one thing printed unmasked is a new token's value on
 * create's stdout. File descriptors 0-2 are made safe before anything is
 * opened (ensure_std_fds()), and a new token whose value could not be
 * delivered is revoked (do_create()).
 *
 * Memory: every buffer is static (work, CA bundle, mbedTLS arena, output).
 * libc calls that may still allocate: getaddrinfo() inside the port's
 * connect (name resolution, NSS), and strerror() for unusual locales. Output
 * goes through write(2) and snprintf() into buffers, not stdio streams (whose
 * buffers glibc allocates), and dates are converted without gmtime_r() (see
 * cli_output.h).
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <mbedtls/version.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif
#if defined(MBEDTLS_ERROR_C)
#include <mbedtls/error.h>
#endif
#include <mbedtls/x509_crt.h>

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#include "cli_body.h"
#include "cli_host.h"
#include "cli_read_file.h"
#include "cli_settings.h"
#include "cli_text.h"
#include "cli_output.h"

#define EXIT_API 1      /* the service answered with an error */
#define EXIT_USAGE 2    /* usage or configuration error */
#define EXIT_EXCHANGE 3 /* the exchange could not complete */
#define EXIT_UNKNOWN 4  /* a create was sent, its answer lost */

#define MIB (1024u * 1024u)

/* Sizes: the system CA bundle (~140 roots) is ~220 KB of PEM and needs well
 * over 1 MiB of arena once parsed; the work buffer needs to hold one request,
 * one create answer and one list entry (the list streams through it), so
 * 64 KiB leaves room for any entry a server could reasonably send; the
 * output buffer holds the whole list, formatted, since nothing is printed
 * before the call has succeeded (10,000 tokens fit). */
static uint8_t g_ca[1 * MIB];
static uint8_t g_work[64 * 1024];
static uint8_t g_body[64 * 1024]; /* create --json: the body, decoded in place */
/* One service field (a comment, up to the work buffer) once masked: masking
 * may lengthen it (a short run becomes DBTOK_MASK_TEXT). */
static char g_field_masked[sizeof g_work + sizeof g_work / 2];
static char g_out_buf[4 * MIB];
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static unsigned char g_arena[2 * MIB];
#endif

static dbtok_client g_client; /* large (mbedTLS contexts): not on the stack */
static cli_settings g_settings;

/* ---- messages ------------------------------------------------------------ */

static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- masking: every line and field printed goes through mask_text() ------ */

/* Secrets the tool knows itself, besides those the client knows: --token,
 * DATABRICKS_TOKEN (even when --token won), and the token the settings
 * resolved to (from a profile, say). Views into argv, the environment and
 * g_settings; forgotten before g_settings is wiped. */
#define CLI_SECRETS_MAX 3
static dbtok_str g_secrets[CLI_SECRETS_MAX];
static size_t g_n_secrets;
static bool g_client_live; /* dbtok_init() succeeded: dbtok_mask() may read g_client */

static void remember_secret(const char *s)
{
    if (s != NULL && s[0] != '\0' && g_n_secrets < CLI_SECRETS_MAX) {
        g_secrets[g_n_secrets].ptr = s;
        g_secrets[g_n_secrets].len = strlen(s);
        g_n_secrets++;
    }
}

static void forget_secrets(void)
{
    memset(g_secrets, 0, sizeof g_secrets);
    g_n_secrets = 0;
}

/*
 * The tool's masking step (a cli_mask_fn): first dbtok_mask() with the
 * client, which knows the bearer token and every token value it received,
 * then dbtok_mask_text() with the tool's own secrets. Each masks the whole
 * text before anything is cut. Before a client exists (a configuration
 * error) only the second pass has anything to mask.
 */
static char g_mask_mid[160 * 1024]; /* a comment (up to the work buffer) after the first pass */

static size_t mask_text(void *user, const char *text, size_t len, char *out, size_t cap)
{
    size_t mid = dbtok_mask(g_client_live ? &g_client : NULL, text, len, g_mask_mid, sizeof g_mask_mid);
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
    size_t m = mask_text(NULL, text, len, g_line_masked, sizeof g_line_masked);
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
    (void)write_all(STDERR_FILENO, g_line_out, p + e + 1);
}

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void say(const char *prefix, const char *fmt, ...)
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

/*
 * The port's log for -v: the core hands the trace over in fragments, a line
 * ending in '\n'. Fragments are gathered into whole lines so that masking and
 * escaping see a line at once (a UTF-8 sequence or a secret split across
 * fragments stays recognisable), then printed as every other line is.
 */
static char g_trace_line[4096];
static size_t g_trace_len;
static bool g_trace_pending;

static void trace_end_line(void)
{
    emit_line("", g_trace_line, g_trace_len);
    g_trace_len = 0;
    g_trace_pending = false;
}

static void cli_log(void *ctx, int level, const char *text, size_t len)
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

/* A trace line the core left unfinished is still shown. */
static void trace_flush(void)
{
    if (g_trace_pending) {
        trace_end_line();
    }
}

#define error_line(...) say("Error: ", __VA_ARGS__)
#define HELP_HINT " (see 'dbtok --help')"

/* ---- usage --------------------------------------------------------------- */

static const char USAGE_GLOBAL[] =
    "Global options (before or after the command):\n"
    "  --host URL            workspace URL (https:// assumed; env DATABRICKS_HOST)\n"
    "  -p, --profile NAME    profile in ~/.databrickscfg (env DATABRICKS_CONFIG_PROFILE)\n"
    "  --token TOKEN         personal access token (env DATABRICKS_TOKEN)\n"
    "  --ca-file PEM         trusted CA certificates (env DBTOK_CA_FILE; default\n"
    "                        " DBTOK_POSIX_DEFAULT_CA_FILE ")\n"
    "  -o, --output FORMAT   text or json (env DATABRICKS_OUTPUT_FORMAT; default text)\n"
    "  --timeout SECONDS     deadline for each call to the service, retries included\n"
    "                        (default 60)\n"
    "  --retries N           tries after the first when the service says 429/503 or\n"
    "                        a connection fails before a request went out (default 3)\n"
    "  -v, --verbose         trace the exchange on stderr (secrets redacted)\n"
    "  -h, --help            show this help\n"
    "  --version             show the version\n"
    "\n"
    "Settings come from flags, then the environment, then the profile\n"
    "(-p, DATABRICKS_CONFIG_PROFILE, [__settings__] default_profile, or DEFAULT)\n"
    "in DATABRICKS_CONFIG_FILE or ~/.databrickscfg.\n"
    "\n"
    "Exit codes: 0 ok, 1 the service answered with an error, 2 usage or\n"
    "configuration error, 3 the exchange failed, 4 a create's outcome is unknown.\n";

static const char USAGE_MAIN[] =
    "Usage: dbtok [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Create, list and revoke Databricks personal access tokens.\n"
    "\n"
    "Commands:\n"
    "  create [--comment TEXT] [--lifetime-seconds N] [--json JSON|@FILE] [--recover]\n"
    "                                                   create a token, print its value\n"
    "  list                                             list your tokens\n"
    "  delete TOKEN_ID                                  revoke a token (alias: revoke)\n"
    "\n";

static const char USAGE_CREATE[] =
    "Usage: dbtok [OPTIONS] create [--comment TEXT] [--lifetime-seconds N]\n"
    "                              [--json JSON|@FILE] [--recover]\n"
    "\n"
    "Create a personal access token and print its value (shown only once).\n"
    "\n"
    "  --comment TEXT          a description stored with the token (UTF-8; the answer\n"
    "                          echoes it, and must fit in the 64 KiB work buffer)\n"
    "  --lifetime-seconds N    lifetime in seconds; omitted or 0: the workspace default\n"
    "  --json JSON|@FILE       the request body, inline or from FILE, as with the\n"
    "                          Databricks CLI: {\"comment\": ..., \"lifetime_seconds\": ...};\n"
    "                          --comment and --lifetime-seconds override its fields\n"
    "  --recover               if the answer is lost, find the token by a marker added to\n"
    "                          the comment, revoke it and create again (no orphan left)\n"
    "\n";

static const char USAGE_LIST[] = "Usage: dbtok [OPTIONS] list\n"
                                 "\n"
                                 "List your tokens: id, creation and expiry time (UTC), comment.\n"
                                 "\n";

static const char USAGE_DELETE[] = "Usage: dbtok [OPTIONS] delete TOKEN_ID\n"
                                   "       dbtok [OPTIONS] revoke TOKEN_ID\n"
                                   "\n"
                                   "Revoke the token with this id (see 'dbtok list').\n"
                                   "\n";

/* ---- arguments ----------------------------------------------------------- */

typedef enum { CMD_NONE, CMD_CREATE, CMD_LIST, CMD_DELETE } command;

typedef enum {
    OPT_HOST,
    OPT_PROFILE,
    OPT_TOKEN,
    OPT_CA_FILE,
    OPT_OUTPUT,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_COMMENT,
    OPT_LIFETIME,
    OPT_JSON,
    OPT_RECOVER
} option_id;

typedef struct {
    const char *name; /* long name without "--" */
    char short_name;  /* 0 when none */
    bool takes_value;
    option_id id;
} option;

static const option OPTIONS[] = {
    {"host", 0, true, OPT_HOST},
    {"profile", 'p', true, OPT_PROFILE},
    {"token", 0, true, OPT_TOKEN},
    {"ca-file", 0, true, OPT_CA_FILE},
    {"output", 'o', true, OPT_OUTPUT},
    {"timeout", 0, true, OPT_TIMEOUT},
    {"retries", 0, true, OPT_RETRIES},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"help", 'h', false, OPT_HELP},
    {"version", 0, false, OPT_VERSION},
    {"comment", 0, true, OPT_COMMENT},
    {"lifetime-seconds", 0, true, OPT_LIFETIME},
    {"json", 0, true, OPT_JSON},
    {"recover", 0, false, OPT_RECOVER},
};

typedef struct {
    cli_flags flags;
    command cmd;
    const char *cmd_name;
    const char *comment;  /* NULL: none */
    bool comment_from_json; /* it came from --json, not --comment (for messages) */
    const char *lifetime; /* as given, for the error message */
    const char *json;     /* create --json as given: a JSON object, or @FILE */
    int64_t lifetime_seconds;
    uint32_t timeout_ms;
    int retries; /* -1: the library's default */
    const char *token_id;
    bool verbose, help, version;
    bool recover; /* create: find and revoke a token whose answer was lost, then create again */
    bool failed; /* err holds the first usage error */
    char err[512];
} args;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void usage_error(args *a, const char *fmt, ...)
{
    va_list ap;
    if (a->failed) {
        return; /* the first problem is the one worth reporting */
    }
    a->failed = true;
    va_start(ap, fmt);
    (void)vsnprintf(a->err, sizeof a->err, fmt, ap);
    va_end(ap);
}

/* A decimal int64, all of it: no spaces, no suffix, no overflow. */
static bool parse_i64(const char *s, int64_t *out)
{
    bool neg = *s == '-';
    uint64_t v = 0, limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    if (neg || *s == '+') {
        s++;
    }
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s < '0' || *s > '9') {
            return false;
        }
        d = (unsigned)(*s - '0');
        if (v > (limit - d) / 10u) {
            return false;
        }
        v = v * 10u + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return true;
}

static void apply_option(args *a, const option *opt, const char *value, const char *spelled)
{
    int64_t n = 0;
    bool empty = value != NULL && value[0] == '\0';
    switch (opt->id) {
    case OPT_HOST:
    case OPT_PROFILE:
    case OPT_TOKEN:
    case OPT_CA_FILE:
    case OPT_OUTPUT:
        if (empty) {
            usage_error(a, "%s needs a non-empty value", spelled);
            return;
        }
        if (opt->id == OPT_HOST) {
            a->flags.host = value;
        } else if (opt->id == OPT_PROFILE) {
            a->flags.profile = value;
        } else if (opt->id == OPT_TOKEN) {
            a->flags.token = value;
        } else if (opt->id == OPT_CA_FILE) {
            a->flags.ca_file = value;
        } else {
            a->flags.output = value;
        }
        return;
    case OPT_TIMEOUT:
        /* The library takes milliseconds in a uint32_t. */
        if (!parse_i64(value, &n) || n < 1 || n > (int64_t)(UINT32_MAX / 1000u)) {
            usage_error(a, "--timeout must be a whole number of seconds from 1 to %u, not '%s'",
                        (unsigned)(UINT32_MAX / 1000u), value);
            return;
        }
        a->timeout_ms = (uint32_t)n * 1000u;
        return;
    case OPT_RETRIES:
        if (!parse_i64(value, &n) || n < 0 || n > 254) {
            usage_error(a, "--retries must be a whole number from 0 to 254, not '%s'", value);
            return;
        }
        a->retries = (int)n;
        return;
    case OPT_COMMENT:
        a->comment = value;
        return;
    case OPT_LIFETIME:
        a->lifetime = value;
        if (!parse_i64(value, &a->lifetime_seconds)) {
            usage_error(a, "--lifetime-seconds must be an integer, not '%s'", value);
        } else if (a->lifetime_seconds < 0) {
            /* The library reads a negative lifetime as "the workspace default",
             * which is not what anyone typing one meant. */
            usage_error(a, "--lifetime-seconds must be 0 (the workspace default) or more, not '%s'",
                        value);
        }
        return;
    case OPT_VERBOSE:
        a->verbose = true;
        return;
    case OPT_JSON:
        if (empty) {
            usage_error(a, "%s needs a JSON object or @FILE", spelled);
            return;
        }
        a->json = value;
        return;
    case OPT_RECOVER:
        a->recover = true;
        return;
    case OPT_HELP:
        a->help = true;
        return;
    case OPT_VERSION:
        a->version = true;
        return;
    }
}

static const option *find_long(const char *name, size_t len)
{
    size_t i;
    for (i = 0; i < sizeof OPTIONS / sizeof OPTIONS[0]; i++) {
        if (strlen(OPTIONS[i].name) == len && memcmp(OPTIONS[i].name, name, len) == 0) {
            return &OPTIONS[i];
        }
    }
    return NULL;
}

static const option *find_short(char c)
{
    size_t i;
    for (i = 0; i < sizeof OPTIONS / sizeof OPTIONS[0]; i++) {
        if (OPTIONS[i].short_name == c) {
            return &OPTIONS[i];
        }
    }
    return NULL;
}

/* One option at argv[*i]: --name, --name=value, --name value, -x, -xVALUE,
 * -x value. Advances *i past a separate value. */
static void parse_option(args *a, int argc, char **argv, int *i)
{
    const char *arg = argv[*i];
    const char *inline_value = NULL;
    const option *opt;
    char spelled[64];

    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq != NULL ? (size_t)(eq - name) : strlen(name);
        opt = find_long(name, len);
        inline_value = eq != NULL ? eq + 1 : NULL;
    } else {
        opt = find_short(arg[1]);
        if (arg[2] != '\0') {
            inline_value = arg + 2;
        }
    }
    if (opt == NULL) {
        usage_error(a, "unknown option '%s'", arg);
        return;
    }
    if (arg[1] == '-') {
        (void)snprintf(spelled, sizeof spelled, "--%s", opt->name);
    } else {
        (void)snprintf(spelled, sizeof spelled, "-%c", opt->short_name);
    }
    if (!opt->takes_value) {
        if (inline_value != NULL) {
            usage_error(a, "%s takes no value", spelled);
            return;
        }
        apply_option(a, opt, NULL, spelled);
        return;
    }
    if (inline_value == NULL) {
        if (*i + 1 >= argc) {
            usage_error(a, "%s needs a value", spelled);
            return;
        }
        inline_value = argv[++*i];
    }
    apply_option(a, opt, inline_value, spelled);
}

static command find_command(const char *name)
{
    if (strcmp(name, "create") == 0) {
        return CMD_CREATE;
    }
    if (strcmp(name, "list") == 0) {
        return CMD_LIST;
    }
    if (strcmp(name, "delete") == 0 || strcmp(name, "revoke") == 0) {
        return CMD_DELETE;
    }
    return CMD_NONE;
}

/* Options may come before or after the command (as with the Databricks CLI);
 * `--` ends them. Parsing goes on after a usage error so that a --help
 * anywhere still shows help. */
static void parse_args(args *a, int argc, char **argv)
{
    bool options_done = false;
    int i;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            parse_option(a, argc, argv, &i);
        } else if (a->cmd == CMD_NONE) {
            a->cmd = find_command(arg);
            a->cmd_name = arg;
            if (a->cmd == CMD_NONE) {
                usage_error(a, "unknown command '%s'", arg);
            }
        } else if (a->cmd == CMD_DELETE && a->token_id == NULL) {
            a->token_id = arg;
        } else {
            usage_error(a, "unexpected argument '%s'", arg);
        }
    }
}

/* What only makes sense once the whole command line is known. */
static void check_args(args *a)
{
    if (a->failed) {
        return;
    }
    if (a->cmd == CMD_NONE) {
        usage_error(a, "no command given: use create, list or delete");
    } else if (a->cmd != CMD_CREATE && (a->comment != NULL || a->lifetime != NULL || a->recover || a->json != NULL)) {
        usage_error(a, "%s is only valid with create",
                    a->comment != NULL    ? "--comment"
                    : a->lifetime != NULL ? "--lifetime-seconds"
                    : a->json != NULL     ? "--json"
                                          : "--recover");
    } else if (a->cmd == CMD_DELETE && (a->token_id == NULL || a->token_id[0] == '\0')) {
        usage_error(a, "%s needs a TOKEN_ID argument", a->cmd_name);
    }
}

/*
 * create --json: the body provides comment and lifetime_seconds, and the
 * flags given beside it win, field by field (as in the Databricks CLI, where
 * --json is the request and flags override it).
 */
static void apply_json_body(args *a)
{
    dbtok_create_request body;
    char err[256];
    size_t len;
    if (a->json[0] == '@') {
        int rc = dbtok_posix_read_file(a->json + 1, g_body, sizeof g_body, &len);
        if (rc == -1) {
            usage_error(a, "--json: cannot read %s: %s", a->json + 1, strerror(errno));
            return;
        }
        if (rc != 0) {
            usage_error(a, "--json: %s is larger than %zu bytes", a->json + 1, sizeof g_body - 1);
            return;
        }
        len--; /* read_file counts the NUL it appended */
    } else {
        len = strlen(a->json);
        if (len >= sizeof g_body) {
            usage_error(a, "--json: the body is larger than %zu bytes", sizeof g_body - 1);
            return;
        }
        memcpy(g_body, a->json, len + 1);
    }
    if (cli_parse_create_body((char *)g_body, len, &body, err, sizeof err) != 0) {
        usage_error(a, "%s", err);
        return;
    }
    if (body.has_lifetime && body.lifetime_seconds < 0) {
        usage_error(a, "--json: lifetime_seconds must be 0 (the workspace default) or more, not %lld",
                    (long long)body.lifetime_seconds);
        return;
    }
    if (a->comment == NULL && body.comment != NULL) {
        a->comment = body.comment;
        a->comment_from_json = true;
    }
    if (a->lifetime == NULL && body.has_lifetime) {
        a->lifetime_seconds = body.lifetime_seconds;
    }
}

/* A comment the request cannot carry, or whose answer cannot come back, is
 * refused before anything is sent: a create whose answer does not fit would
 * make a token nobody ever sees (exit 4, every time). */
static void check_comment(args *a)
{
    const char *what = a->comment_from_json ? "--json: comment" : "--comment";
    size_t len, need;
    if (a->failed || a->cmd != CMD_CREATE || a->comment == NULL) {
        return;
    }
    len = strlen(a->comment);
    need = dbtok_create_work_needed(a->comment);
    if (need == 0) {
        usage_error(a, "%s is not valid UTF-8 (byte %zu of %zu)", what,
                    cli_utf8_valid_len(a->comment, len) + 1, len);
    } else if (need > sizeof g_work) {
        usage_error(a, "%s is too long for dbtok's %zu-byte work buffer: the create answer echoes it, "
                       "and with the service's escaping that could need a %zu-byte buffer",
                    what, sizeof g_work, need);
    }
}

static void print_help(command cmd)
{
    const char *head = cmd == CMD_CREATE   ? USAGE_CREATE
                       : cmd == CMD_LIST   ? USAGE_LIST
                       : cmd == CMD_DELETE ? USAGE_DELETE
                                           : USAGE_MAIN;
    (void)write_all(STDOUT_FILENO, head, strlen(head));
    (void)write_all(STDOUT_FILENO, USAGE_GLOBAL, sizeof USAGE_GLOBAL - 1);
}

/*
 * Names the mbedTLS that runs. A shared system mbedTLS (DBTOK_USE_SYSTEM_MBEDTLS)
 * can be updated under the binary, and then the headers' version, which the
 * User-Agent carries, is named too, so the two never disagree unseen. Without
 * MBEDTLS_VERSION_C (dbtok's own configurations) mbedTLS is linked statically
 * from the tree its headers come from, so they tell.
 */
static void print_version(void)
{
#if defined(MBEDTLS_VERSION_C)
    char running[16] = {0}; /* mbedtls_version_get_string() writes at most 9 bytes */
    char text[96];
    int n;
    mbedtls_version_get_string(running);
    if (strcmp(running, MBEDTLS_VERSION_STRING) == 0) {
        n = snprintf(text, sizeof text, "dbtok %s (mbedtls %s)\n", DBTOK_VERSION_STRING, running);
    } else {
        n = snprintf(text, sizeof text, "dbtok %s (mbedtls %s, built with %s)\n",
                     DBTOK_VERSION_STRING, running, MBEDTLS_VERSION_STRING);
    }
    if (n > 0) {
        (void)write_all(STDOUT_FILENO, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    }
#else
    static const char text[] =
        "dbtok " DBTOK_VERSION_STRING " (mbedtls " MBEDTLS_VERSION_STRING ")\n";
    (void)write_all(STDOUT_FILENO, text, sizeof text - 1);
#endif
}

/* ---- reporting a failed call --------------------------------------------- */

static void tls_text(int32_t code, char *buf, size_t cap)
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

/* The verification flags as one line: "; "-joined reasons. */
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
    error_line("%s: %s%s (HTTP %d)", code, e->message[0] != '\0' ? e->message : "(no message)",
               e->message_truncated ? "..." : "", e->http_status);
    return EXIT_API;
}

static int output_too_large(void)
{
    error_line("the output does not fit in the %u MiB output buffer",
               (unsigned)(sizeof g_out_buf / MIB));
    return EXIT_EXCHANGE;
}

/* Print the one-line reason for err and return the exit code. */
static int report(dbtok_err err, const dbtok_error_info *e, const args *a, const cli_out *out)
{
    char where[CLI_HOST_MAX + 16];
    char detail[1024];
    unsigned secs = a->timeout_ms != 0 ? a->timeout_ms / 1000u : DBTOK_DEFAULT_TIMEOUT_MS / 1000u;
    int status = e != NULL ? e->http_status : 0;
    cli_host_label(g_settings.host, g_settings.port, where, sizeof where);

    switch (err) {
    case DBTOK_OK:
        return 0;
    case DBTOK_ERR_API:
        return report_api_error(e);
    case DBTOK_ERR_OUTCOME_UNKNOWN:
        error_line("the create request was sent but its answer was lost; a token may exist: "
                   "check with 'dbtok list'");
        return EXIT_UNKNOWN;
    case DBTOK_ERR_INVALID_ARG:
        error_line("%s: check the host, token, comment or token id" HELP_HINT,
                   dbtok_strerror(err));
        return EXIT_USAGE;
    case DBTOK_ERR_DNS:
        error_line("cannot resolve host %s: check --host or the profile", g_settings.host);
        break;
    case DBTOK_ERR_CONNECT:
        error_line("cannot connect to %s: connection refused or unreachable", where);
        break;
    case DBTOK_ERR_TLS:
        tls_text(e != NULL ? e->tls_error : 0, detail, sizeof detail);
        error_line("TLS with %s failed: %s%s", where, tls_hint(e != NULL ? e->tls_error : 0), detail);
        break;
    case DBTOK_ERR_CERT_VERIFY:
        if (e != NULL && (e->cert_flags & MBEDTLS_X509_BADCERT_OTHER) != 0) {
            /* dbtok's mark for a leaf that signs itself */
            error_line("the certificate of %s was refused: it is self-signed, no CA vouches for it "
                       "(trusted CAs from %s; see --ca-file)", where, g_settings.ca_file);
            break;
        }
        cert_text(e != NULL ? e->cert_flags : 0, detail, sizeof detail);
        error_line("the certificate of %s was refused: %s (trusted CAs from %s; see --ca-file)",
                   where, detail, g_settings.ca_file);
        break;
    case DBTOK_ERR_TIMEOUT:
        error_line("no complete answer from %s within %u s (see --timeout)", where, secs);
        break;
    case DBTOK_ERR_IO:
        error_line("the connection to %s broke: %s", where, dbtok_strerror(err));
        break;
    case DBTOK_ERR_PROTOCOL:
        error_line("%s sent an answer that is not valid HTTP/1.1: %s", where,
                   dbtok_strerror(err));
        break;
    case DBTOK_ERR_REDIRECT:
        error_line("%s answered HTTP %d, a redirect (not followed): the host is probably wrong, "
                   "use the workspace URL",
                   where, status);
        break;
    case DBTOK_ERR_NOT_JSON:
        if (status >= 200 && status < 300) { /* what a wrong host or path looks like */
            error_line("%s answered HTTP %d with a page that is not JSON (a login page?): the "
                       "host is probably wrong, use the workspace URL",
                       where, status);
        } else {
            error_line("%s answered HTTP %d with a body that is not JSON (an error page from a "
                       "proxy?)",
                       where, status);
        }
        break;
    case DBTOK_ERR_JSON:
        error_line("the answer from %s is not the JSON expected: %s", where, dbtok_strerror(err));
        break;
    case DBTOK_ERR_BUFFER_TOO_SMALL:
        if (g_client_live && dbtok_get_stats(&g_client)->requests == 0) {
            /* Refused before anything was sent: the input, not the exchange. */
            error_line("the %s request does not fit in dbtok's %zu-byte work buffer, so nothing was "
                       "sent: shorten %s" HELP_HINT,
                       a->cmd_name, sizeof g_work, a->cmd == CMD_CREATE ? "--comment" : "the token id");
            return EXIT_USAGE;
        }
        if (e != NULL && e->needed_work_len > 0) {
            error_line("a token in the answer from %s needs a %zu-byte work buffer; dbtok has %zu", where,
                       e->needed_work_len, sizeof g_work);
        } else {
            error_line("the answer from %s does not fit in the %zu-byte work buffer", where, sizeof g_work);
        }
        break;
    case DBTOK_ERR_CRYPTO:
        tls_text(e != NULL ? e->tls_error : 0, detail, sizeof detail);
        error_line("TLS setup failed (entropy, CA certificates from %s, or the memory arena): %s",
                   g_settings.ca_file, detail);
        break;
    case DBTOK_ERR_ABORTED:
        if (out != NULL && out->overflow) {
            return output_too_large();
        }
        error_line("%s", dbtok_strerror(err));
        break;
    default:
        error_line("%s", dbtok_strerror(err));
        break;
    }
    return EXIT_EXCHANGE;
}

/* ---- the operations ------------------------------------------------------ */

/*
 * Hand stdout's bytes over for good: for a regular file, fsync() so that a
 * full or failing disk is found now and not after dbtok said "done"; then
 * close() (where NFS reports a late write error); then /dev/null back onto
 * fd 1 at once, so that no socket a later call opens can take it. -1 with
 * errno set when the output may not have arrived.
 */
static int finish_stdout(void)
{
    struct stat st;
    int rc = 0, saved = 0, fd;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && fsync(STDOUT_FILENO) != 0 &&
        errno != EINVAL) {
        rc = -1;
        saved = errno;
    }
    if (close(STDOUT_FILENO) != 0 && errno != EINTR && rc == 0) {
        rc = -1; /* EINTR: Linux closed it anyway, and the data went out */
        saved = errno;
    }
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0 && fd != STDOUT_FILENO) {
        (void)dup2(fd, STDOUT_FILENO);
        (void)close(fd);
    }
    errno = saved;
    return rc;
}

/* Write the composed output; -1 (errno set) when stdout refused it. */
static int write_output(const cli_out *out)
{
    if (write_all(STDOUT_FILENO, out->buf, out->len) != 0) {
        return -1;
    }
    return finish_stdout();
}

/*
 * A new token whose value nobody received must not stay live: nobody could
 * use it, and nobody would know to revoke it. The client still holds the
 * connection and the id, so revoke it now; only when that fails too may a
 * token exist (exit 4, and the id to revoke it by).
 */
static int revoke_undelivered(const char *id, const char *why)
{
    dbtok_err err;
    const dbtok_error_info *e;
    if (id == NULL) {
        error_line("the token was created but its value could not be written to stdout (%s), and its "
                   "id is too long to revoke it: a token may exist, find it with 'dbtok list'",
                   why);
        return EXIT_UNKNOWN;
    }
    err = dbtok_token_revoke(&g_client, id);
    e = dbtok_last_error(&g_client);
    if (err == DBTOK_OK || (err == DBTOK_ERR_API && e->http_status == 404)) {
        error_line("the token was created but its value could not be written to stdout (%s); it was "
                   "revoked (id %s)",
                   why, id);
        return EXIT_EXCHANGE;
    }
    error_line("the token was created but its value could not be written to stdout (%s), and revoking "
               "it failed too (%s): a token may exist; revoke it with 'dbtok delete %s'",
               why, dbtok_strerror(err), id);
    return EXIT_UNKNOWN;
}

static int do_create(const args *a, cli_out *out)
{
    dbtok_created_token t;
    char id[160]; /* not secret: kept to revoke the token if printing fails */
    char why[128];
    bool have_id, delivered;
    dbtok_err err = a->recover ? dbtok_token_create_recover(&g_client, a->comment, a->lifetime_seconds, &t)
                               : dbtok_token_create(&g_client, a->comment, a->lifetime_seconds, &t);
    if (err != DBTOK_OK) {
        return report(err, dbtok_last_error(&g_client), a, NULL);
    }
    have_id = dbtok_str_copy(id, sizeof id, t.info.token_id) == DBTOK_OK;
    cli_out_created(out, &t);
    dbtok_result_wipe(&g_client); /* the output buffer now holds the only copy */
    if (out->overflow) {
        (void)snprintf(why, sizeof why, "the output buffer is too small");
        delivered = false;
    } else {
        delivered = write_output(out) == 0;
        if (!delivered) {
            (void)snprintf(why, sizeof why, "%s", strerror(errno));
        }
    }
    cli_out_wipe(out);
    return delivered ? 0 : revoke_undelivered(have_id ? id : NULL, why);
}

static int do_list(const args *a, cli_out *out)
{
    dbtok_err err = dbtok_token_list(&g_client, cli_out_list_cb, out);
    if (err != DBTOK_OK) {
        return report(err, dbtok_last_error(&g_client), a, out);
    }
    cli_out_list_end(out);
    if (out->overflow) {
        return output_too_large();
    }
    if (write_output(out) != 0) {
        error_line("cannot write the output: %s", strerror(errno));
        return EXIT_EXCHANGE;
    }
    return 0;
}

static int do_delete(const args *a)
{
    dbtok_err err = dbtok_token_revoke(&g_client, a->token_id);
    if (err != DBTOK_OK) {
        return report(err, dbtok_last_error(&g_client), a, NULL);
    }
    return 0;
}

/* ---- setup --------------------------------------------------------------- */

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
        error_line("cannot read the CA file %s (from %s): %s" HELP_HINT, g_settings.ca_file, from,
                   strerror(errno));
        return EXIT_USAGE;
    }
    if (rc == CLI_FILE_NOT_REGULAR) {
        error_line("the CA file %s (from %s) is not a regular file (a FIFO, device or folder)" HELP_HINT,
                   g_settings.ca_file, from);
        return EXIT_USAGE;
    }
    if (rc == CLI_FILE_TOO_BIG) {
        error_line("the CA file %s is larger than %u MiB", g_settings.ca_file,
                   (unsigned)(sizeof g_ca / MIB));
        return EXIT_USAGE;
    }
    if (len == 0) {
        error_line("the CA file %s (from %s) is empty: it holds no certificate" HELP_HINT,
                   g_settings.ca_file, from);
        return EXIT_USAGE;
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
    say("dbtok: ", "host %s (from %s), token from %s, CA file %s",
        where, cli_source_name(g_settings.host_from, 'h'),
        cli_source_name(g_settings.token_from, 't'), g_settings.ca_file);
    if (g_settings.config_file[0] != '\0') {
        say("dbtok: ", "profile [%s] in %s", g_settings.profile, g_settings.config_file);
    }
}

static void verbose_stats(void)
{
    const dbtok_stats *s = dbtok_get_stats(&g_client);
    say("dbtok: ", "%u connection(s), %u handshake(s), %u request(s), %u bytes sent, %u received",
        (unsigned)s->connects, (unsigned)s->handshakes, (unsigned)s->requests,
        (unsigned)s->bytes_sent, (unsigned)s->bytes_received);
}

static int run(const args *a)
{
    dbtok_posix_ctx port_ctx;
    dbtok_port port;
    dbtok_config config;
    cli_out out;
    size_t ca_len = 0;
    dbtok_err err;
    int rc;

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
    port.log = a->verbose ? cli_log : NULL;

    memset(&config, 0, sizeof config);
    config.host = g_settings.host;
    config.port = g_settings.port;
    config.token = g_settings.token;
    config.ca = g_ca;
    config.ca_len = ca_len;
    /* One deadline per call: its requests and all its retries. */
    config.timeout_ms = a->timeout_ms != 0 ? a->timeout_ms : DBTOK_DEFAULT_TIMEOUT_MS;
    config.retry.deadline_ms = config.timeout_ms;
    config.retry.max_attempts = (uint8_t)(a->retries >= 0 ? a->retries + 1 : 0);
    config.user_agent_extra = user_agent_extra();

    err = dbtok_init(&g_client, &config, &port, g_work, sizeof g_work);
    if (err != DBTOK_OK) {
        /* dbtok_init() clears the client first and records the mbedTLS code
         * behind DBTOK_ERR_CRYPTO (a CA file that does not parse, say). */
        const dbtok_error_info *e = dbtok_last_error(&g_client);
        trace_flush();
        if (err == DBTOK_ERR_CRYPTO && ca_parse_error(e->tls_error)) {
            char detail[256];
            tls_text(e->tls_error, detail, sizeof detail);
            error_line("the CA file %s (from %s) holds no certificate dbtok can use: %s" HELP_HINT,
                       g_settings.ca_file, cli_source_name(g_settings.ca_file_from, 'c'), detail);
            return EXIT_USAGE;
        }
        return report(err, e, a, NULL);
    }
    g_client_live = true;
    cli_out_init(&out, g_out_buf, sizeof g_out_buf, g_settings.output);
    cli_out_set_mask(&out, mask_text, NULL, g_field_masked, sizeof g_field_masked);
    switch (a->cmd) {
    case CMD_CREATE:
        rc = do_create(a, &out);
        break;
    case CMD_LIST:
        rc = do_list(a, &out);
        break;
    case CMD_DELETE:
    default:
        rc = do_delete(a);
        break;
    }
    trace_flush();
    if (a->verbose) {
        verbose_stats();
    }
    g_client_live = false;
    dbtok_close(&g_client);
    trace_flush();
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
    static args a; /* static: zeroed, and off the stack */
    cli_env env;
    char err[1024];
    struct sigaction ign;
    int rc;

    if (ensure_std_fds() != 0) {
        return EXIT_USAGE; /* nowhere safe to say so */
    }

    /* A closed stdout must be an error we report (a created token would be
     * lost), not a silent death by SIGPIPE. */
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &ign, NULL);

    a.retries = -1;
    parse_args(&a, argc, argv);
    /* Known before any message is printed: a usage error may quote them. */
    remember_secret(a.flags.token);
    remember_secret(getenv("DATABRICKS_TOKEN"));
    if (a.help) {
        print_help(a.cmd);
        return 0;
    }
    if (a.version && !a.failed) {
        print_version();
        return 0;
    }
    check_args(&a);
    if (!a.failed && a.json != NULL) {
        apply_json_body(&a);
    }
    check_comment(&a);
    if (!a.failed && g_stdout_closed_at_start && (a.cmd == CMD_CREATE || a.cmd == CMD_LIST)) {
        /* Decided: nothing could receive the output, so nothing is asked for.
         * For create that means no token is made at all, rather than one made
         * and then revoked (a revoke can fail, and leave it live). */
        usage_error(&a, "stdout is closed: %s", a.cmd == CMD_CREATE
                                                    ? "the new token's value could not be shown, so "
                                                      "no token was created"
                                                    : "the list could not be shown");
    }
    if (a.failed) {
        error_line("%s" HELP_HINT, a.err);
        return EXIT_USAGE;
    }

    env.get = real_getenv;
    env.user = NULL;
    rc = cli_resolve(&a.flags, &env, &g_settings, err, sizeof err);
    /* Whatever the token resolved to (from a profile, say) is masked too,
     * also out of the message of a resolution that failed. */
    remember_secret(g_settings.token);
    if (rc != 0) {
        error_line("%s" HELP_HINT, err);
        forget_secrets();
        cli_settings_wipe(&g_settings);
        return EXIT_USAGE;
    }
    if (a.verbose) {
        verbose_settings();
    }
    rc = run(&a);
    forget_secrets();
    cli_settings_wipe(&g_settings);
    return rc;
}
