/*
 * The command line of the dbtok tool: options before or after the command
 * (as with the Databricks CLI), values checked as they are read, and what
 * only the whole line can tell (see cli_args.h).
 */
#include "cli_args.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dbtok/dbtok.h"
#include "dbtok/dbtok_rotate.h"

#include "cli_output.h"

typedef enum {
    OPT_HOST,
    OPT_PROFILE,
    OPT_TOKEN,
    OPT_CA_FILE,
    OPT_WORKSPACE_ID,
    OPT_PROXY,
    OPT_OUTPUT,
    OPT_TIMEOUT,
    OPT_RETRIES,
    OPT_VERBOSE,
    OPT_HELP,
    OPT_VERSION,
    OPT_COMMENT,
    OPT_LIFETIME,
    OPT_LIMIT,
    OPT_JSON,
    OPT_RECOVER,
    OPT_SCOPE,
    OPT_AUTOSCOPE,
    OPT_STORE,
    OPT_FORCE,
    OPT_MIN_REMAINING,
    OPT_DEVICE
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
    {"workspace-id", 0, true, OPT_WORKSPACE_ID},
    {"proxy", 0, true, OPT_PROXY},
    {"output", 'o', true, OPT_OUTPUT},
    {"timeout", 0, true, OPT_TIMEOUT},
    {"retries", 0, true, OPT_RETRIES},
    {"verbose", 'v', false, OPT_VERBOSE},
    {"help", 'h', false, OPT_HELP},
    {"version", 0, false, OPT_VERSION},
    {"comment", 0, true, OPT_COMMENT},
    {"lifetime-seconds", 0, true, OPT_LIFETIME},
    {"limit", 0, true, OPT_LIMIT},
    {"json", 0, true, OPT_JSON},
    {"recover", 0, false, OPT_RECOVER},
    {"scope", 0, true, OPT_SCOPE},
    {"autoscope-enabled", 0, false, OPT_AUTOSCOPE},
    {"store", 0, true, OPT_STORE},
    {"force", 0, false, OPT_FORCE},
    {"min-remaining-seconds", 0, true, OPT_MIN_REMAINING},
    {"device", 0, true, OPT_DEVICE},
};

void cli_usage_error(cli_args *a, const char *fmt, ...)
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

static void apply_option(cli_args *a, const option *opt, const char *value, const char *spelled)
{
    int64_t n = 0;
    bool empty = value != NULL && value[0] == '\0';
    switch (opt->id) {
    case OPT_STORE:
    case OPT_DEVICE:
        if (empty) {
            cli_usage_error(a, "%s needs a non-empty value", spelled);
        } else if (opt->id == OPT_STORE) {
            a->store = value;
        } else {
            a->device = value;
        }
        return;
    case OPT_FORCE:
        a->force = true;
        return;
    case OPT_MIN_REMAINING:
        a->min_remaining = value;
        if (!parse_i64(value, &a->min_remaining_s) || a->min_remaining_s < 0) {
            cli_usage_error(a, "--min-remaining-seconds must be a whole number of seconds, 0 or more, not '%s'",
                            value);
        }
        return;
    case OPT_PROXY:
        a->flags.proxy = value; /* "" is allowed: no proxy, whatever the environment says */
        return;
    case OPT_HOST:
    case OPT_PROFILE:
    case OPT_TOKEN:
    case OPT_CA_FILE:
    case OPT_WORKSPACE_ID:
    case OPT_OUTPUT:
        if (empty) {
            cli_usage_error(a, "%s needs a non-empty value", spelled);
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
        } else if (opt->id == OPT_WORKSPACE_ID) {
            a->flags.workspace_id = value;
        } else {
            a->flags.output = value;
        }
        return;
    case OPT_TIMEOUT:
        /* The library takes milliseconds in a uint32_t. */
        if (!parse_i64(value, &n) || n < 1 || n > (int64_t)(UINT32_MAX / 1000u)) {
            cli_usage_error(a, "--timeout must be a whole number of seconds from 1 to %u, not '%s'",
                            (unsigned)(UINT32_MAX / 1000u), value);
            return;
        }
        a->timeout_ms = (uint32_t)n * 1000u;
        return;
    case OPT_RETRIES:
        if (!parse_i64(value, &n) || n < 0 || n > 254) {
            cli_usage_error(a, "--retries must be a whole number from 0 to 254, not '%s'", value);
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
            cli_usage_error(a, "--lifetime-seconds must be an integer, not '%s'", value);
        } else if (a->lifetime_seconds < 0) {
            /* The library reads a negative lifetime as "the workspace default",
             * which is not what anyone typing one meant. */
            cli_usage_error(a, "--lifetime-seconds must be 0 (the workspace default) or more, not '%s'",
                            value);
        }
        return;
    case OPT_LIMIT:
        a->limit = value;
        if (!parse_i64(value, &a->limit_entries) || a->limit_entries < 0) {
            cli_usage_error(a, "--limit must be a whole number, 0 for all, not '%s'", value);
        }
        return;
    case OPT_VERBOSE:
        a->verbose = true;
        return;
    case OPT_JSON:
        if (empty) {
            cli_usage_error(a, "%s needs a JSON object or @FILE", spelled);
            return;
        }
        a->json = value;
        return;
    case OPT_RECOVER:
        a->recover = true;
        return;
    case OPT_SCOPE:
        if (empty) {
            cli_usage_error(a, "%s needs a scope name", spelled);
        } else if (a->n_scopes == CLI_MAX_SCOPES) {
            cli_usage_error(a, "at most %d scopes may be given", CLI_MAX_SCOPES);
        } else {
            a->scopes[a->n_scopes++] = value;
            a->scope_flags = true;
            a->set_scopes = true;
        }
        return;
    case OPT_AUTOSCOPE:
        a->autoscope = true;
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
static void parse_option(cli_args *a, int argc, char **argv, int *i)
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
        cli_usage_error(a, "unknown option '%s'", arg);
        return;
    }
    if (arg[1] == '-') {
        (void)snprintf(spelled, sizeof spelled, "--%s", opt->name);
    } else {
        (void)snprintf(spelled, sizeof spelled, "-%c", opt->short_name);
    }
    if (!opt->takes_value) {
        if (inline_value != NULL) {
            cli_usage_error(a, "%s takes no value", spelled);
            return;
        }
        apply_option(a, opt, NULL, spelled);
        return;
    }
    if (inline_value == NULL) {
        if (*i + 1 >= argc) {
            cli_usage_error(a, "%s needs a value", spelled);
            return;
        }
        inline_value = argv[++*i];
    }
    apply_option(a, opt, inline_value, spelled);
}

static cli_command find_command(const char *name)
{
    if (strcmp(name, "create") == 0) {
        return CLI_CMD_CREATE;
    }
    if (strcmp(name, "list") == 0) {
        return CLI_CMD_LIST;
    }
    if (strcmp(name, "delete") == 0 || strcmp(name, "revoke") == 0) {
        return CLI_CMD_DELETE;
    }
    if (strcmp(name, "update") == 0) {
        return CLI_CMD_UPDATE;
    }
    if (strcmp(name, "rotate") == 0) {
        return CLI_CMD_ROTATE;
    }
    return CLI_CMD_NONE;
}

/* Options may come before or after the command (as with the Databricks CLI);
 * `--` ends them. Parsing goes on after a usage error so that a --help
 * anywhere still shows help. */
void cli_parse_args(cli_args *a, int argc, char **argv)
{
    bool options_done = false;
    int i;
    for (i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && arg[1] != '\0') {
            parse_option(a, argc, argv, &i);
        } else if (a->cmd == CLI_CMD_NONE) {
            a->cmd = find_command(arg);
            a->cmd_name = arg;
            if (a->cmd == CLI_CMD_NONE) {
                cli_usage_error(a, "unknown command '%s'", arg);
            }
        } else if ((a->cmd == CLI_CMD_DELETE || a->cmd == CLI_CMD_UPDATE) && a->token_id == NULL) {
            a->token_id = arg;
        } else {
            cli_usage_error(a, "unexpected argument '%s'", arg);
        }
    }
}

/* What only makes sense once the whole command line is known. */
void cli_check_args(cli_args *a)
{
    bool makes_token = a->cmd == CLI_CMD_CREATE || a->cmd == CLI_CMD_ROTATE;
    if (a->failed) {
        return;
    }
    if (a->cmd == CLI_CMD_NONE) {
        cli_usage_error(a, "no command given: use create, list, update, delete or rotate");
    } else if (a->cmd != CLI_CMD_CREATE && (a->recover || a->autoscope)) {
        cli_usage_error(a, "%s is only valid with create", a->recover ? "--recover" : "--autoscope-enabled");
    } else if (!makes_token && a->lifetime != NULL) {
        cli_usage_error(a, "--lifetime-seconds is only valid with create and rotate");
    } else if (a->cmd != CLI_CMD_CREATE && a->cmd != CLI_CMD_UPDATE && a->json != NULL) {
        cli_usage_error(a, "--json is only valid with create and update");
    } else if (!makes_token && a->cmd != CLI_CMD_UPDATE && (a->comment != NULL || a->scope_flags)) {
        cli_usage_error(a, "%s is only valid with create, update and rotate",
                        a->comment != NULL ? "--comment" : "--scope");
    } else if (a->cmd != CLI_CMD_ROTATE &&
               (a->store != NULL || a->force || a->min_remaining != NULL || a->device != NULL)) {
        cli_usage_error(a, "%s is only valid with rotate",
                        a->store != NULL  ? "--store"
                        : a->force        ? "--force"
                        : a->device != NULL ? "--device"
                                          : "--min-remaining-seconds");
    } else if (a->cmd == CLI_CMD_ROTATE && a->store == NULL) {
        cli_usage_error(a, "rotate needs --store FILE: the file that keeps the token");
    } else if (a->cmd != CLI_CMD_LIST && a->limit != NULL) {
        cli_usage_error(a, "--limit is only valid with list");
    } else if ((a->cmd == CLI_CMD_DELETE || a->cmd == CLI_CMD_UPDATE) &&
               (a->token_id == NULL || a->token_id[0] == '\0')) {
        cli_usage_error(a, "%s needs a TOKEN_ID argument", a->cmd_name);
    } else if (a->cmd == CLI_CMD_UPDATE && a->comment == NULL && !a->scope_flags && a->json == NULL) {
        cli_usage_error(a, "update needs something to change: --comment, --scope or --json");
    }
}

dbtok_create_options cli_create_options(const cli_args *a, bool answer_json)
{
    dbtok_create_options o;
    memset(&o, 0, sizeof o);
    o.comment = a->comment;
    o.lifetime_seconds = a->lifetime_seconds;
    o.scopes = a->scopes;
    o.n_scopes = a->n_scopes;
    o.autoscope_enabled = a->autoscope;
    o.answer_json = answer_json;
    return o;
}

/* Byte offset + 1 of the first byte of s that is not valid UTF-8, or 0. */
static size_t bad_utf8_at(const char *s)
{
    size_t len = strlen(s), ok = cli_utf8_valid_len(s, len);
    return ok == len ? 0 : ok + 1;
}

/* A comment or scope the request cannot carry, or whose answer cannot come
 * back, is refused before anything is sent: a create whose answer does not
 * fit would make a token nobody ever sees (exit 4, every time). A rotation's
 * comment is checked on every run, not only once one is due, so that a cron
 * job's mistake shows on its first run. */
void cli_check_comment(cli_args *a, size_t work_len, bool answer_json)
{
    const char *what = a->comment_from_json ? "--json: comment" : "--comment";
    dbtok_create_options o;
    size_t i, need, at;
    if (a->failed || (a->cmd != CLI_CMD_CREATE && a->cmd != CLI_CMD_UPDATE && a->cmd != CLI_CMD_ROTATE)) {
        return;
    }
    if (a->comment != NULL && (at = bad_utf8_at(a->comment)) != 0) {
        cli_usage_error(a, "%s is not valid UTF-8 (byte %zu of %zu)", what, at, strlen(a->comment));
        return;
    }
    for (i = 0; i < a->n_scopes; i++) {
        if ((at = bad_utf8_at(a->scopes[i])) != 0) {
            cli_usage_error(a, "%s %zu is not valid UTF-8 (byte %zu of %zu)",
                            a->scope_flags ? "--scope" : "--json: scope", i + 1, at, strlen(a->scopes[i]));
            return;
        }
    }
    if (a->cmd == CLI_CMD_ROTATE && a->comment != NULL && strlen(a->comment) > DBTOK_DEVICE_TEXT_MAX) {
        cli_usage_error(a, "--comment is %zu bytes; rotate takes at most %u, since the device's marker is "
                           "added to it", strlen(a->comment), (unsigned)DBTOK_DEVICE_TEXT_MAX);
        return;
    }
    if (a->cmd == CLI_CMD_UPDATE) {
        return;
    }
    answer_json = answer_json && a->cmd == CLI_CMD_CREATE; /* a rotation keeps no answer */
    o = cli_create_options(a, answer_json);
    need = dbtok_create_options_work_needed(&o);
    if (need > work_len) {
        cli_usage_error(a, "%s too long for dbtok's %zu-byte work buffer: the create answer echoes it, "
                           "and with the service's escaping that could need a %zu-byte buffer%s",
                        a->n_scopes > 0 ? "the comment with the scopes is"
                                        : (a->comment_from_json ? "--json: comment is" : "--comment is"),
                        work_len, need, answer_json ? " (-o json keeps the answer as it came too, which doubles it)" : "");
    }
}
