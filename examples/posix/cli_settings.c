/*
 * Settings resolution for the dbtok tool: flags, then environment, then a
 * profile file, with the Databricks CLI's conventions (see cli_settings.h).
 *
 * Heap: none. The profile file is read into a static buffer (the tool is
 * single-threaded, and 64 KiB on the stack would be a poor neighbour for
 * mbedTLS); every resolved value is copied into the caller's cli_settings.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_settings.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dbtok/dbtok_types.h"
#include "dbtok_posix.h"

#include "cli_ini.h"
#include "cli_read_file.h"
#include "cli_text.h"

static char g_file_buf[CLI_CONFIG_FILE_MAX];

static const char *env_get(const cli_env *env, const char *name)
{
    const char *v = NULL;
    if (env != NULL && env->get != NULL) {
        v = env->get(env->user, name);
    }
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* Copy a flag or environment value with surrounding whitespace trimmed (a
 * pasted token often carries a newline). */
static int copy_trimmed(char *dst, size_t cap, const char *src)
{
    const char *s = src;
    size_t n = strlen(src);
    cli_trim(&s, &n);
    return cli_copy_span(dst, cap, s, n);
}

/* The config file path: $DATABRICKS_CONFIG_FILE (a leading ~/ expanded),
 * else $HOME/.databrickscfg. 0 with out filled, 1 when there is none. */
static int config_path(const cli_env *env, char *out, size_t cap, char *err, size_t err_cap)
{
    const char *file = env_get(env, "DATABRICKS_CONFIG_FILE");
    const char *home = env_get(env, "HOME");
    int n;
    if (file != NULL && !(file[0] == '~' && file[1] == '/')) {
        n = snprintf(out, cap, "%s", file);
    } else if (home == NULL) {
        return 1; /* nowhere to look: not an error unless a profile was asked for */
    } else {
        n = snprintf(out, cap, "%s/%s", home, file != NULL ? file + 2 : ".databrickscfg");
    }
    if (n < 0 || (size_t)n >= cap) {
        cli_set_err(err, err_cap, "config file path too long");
        return -1;
    }
    return 0;
}

/* Report an INI problem other than a missing section or key. */
static int ini_fail(cli_ini_result r, unsigned line, const char *path, char *err, size_t err_cap)
{
    char num[16];
    (void)snprintf(num, sizeof num, "%u", line);
    if (r == CLI_INI_SYNTAX) {
        cli_set_err(err, err_cap, "%s line %s: expected [section], key = value or a comment", path,
                num);
    } else {
        cli_set_err(err, err_cap, "%s line %s: value too long", path, num);
    }
    return -1;
}

typedef struct {
    char host[CLI_PATH_MAX]; /* a URL with a path may be long; normalised later */
    char token[CLI_TOKEN_MAX];
    char workspace_id[64];   /* checked when used */
    char auth_type[64];
    char client_id[CLI_CLIENT_ID_MAX];
    char client_secret[CLI_TOKEN_MAX];
    bool has_host, has_token, has_workspace_id, has_auth_type, has_client_id, has_client_secret;
} profile_values;

static profile_values g_profile; /* static: holds a token, wiped after use */

/* One setting by the precedence every setting follows: the flag, then the
 * profile when it was named, then the environment, then the profile found
 * by default. NULL (and CLI_FROM_NONE) when none gives it. */
static const char *pick_setting(const char *flag, bool profile_wins, const char *profile, const char *env,
                                cli_source *from)
{
    if (flag != NULL) {
        *from = CLI_FROM_FLAG;
        return flag;
    }
    if (profile_wins && profile != NULL) {
        *from = CLI_FROM_PROFILE;
        return profile;
    }
    if (env != NULL) {
        *from = CLI_FROM_ENV;
        return env;
    }
    *from = profile != NULL ? CLI_FROM_PROFILE : CLI_FROM_NONE;
    return profile;
}

void cli_settings_wipe(cli_settings *s)
{
    cli_wipe(s, sizeof *s);
}

/*
 * Read the profile file and pick host and token from the chosen profile into
 * g_profile. explicit_profile is -p or DATABRICKS_CONFIG_PROFILE (or NULL).
 */
static int load_profile(const cli_env *env, const char *explicit_profile, cli_settings *out,
                        char *err, size_t err_cap)
{
    size_t len = 0;
    unsigned line = 0;
    cli_ini_result r;
    bool named = explicit_profile != NULL;
    int rc = config_path(env, out->config_file, sizeof out->config_file, err, err_cap);

    if (rc < 0) {
        return -1;
    }
    if (rc == 1) {
        out->config_file[0] = '\0';
        if (named) {
            cli_set_err(err, err_cap, "profile '%s' requested but there is no config file (set "
                                  "DATABRICKS_CONFIG_FILE or HOME)", explicit_profile);
            return -1;
        }
        return 0;
    }
    rc = (int)cli_read_file(out->config_file, g_file_buf, sizeof g_file_buf, &len);
    if (rc == CLI_FILE_MISSING) {
        if (named) {
            cli_set_err(err, err_cap, "profile '%s' requested but config file %s does not exist",
                    explicit_profile, out->config_file);
            return -1;
        }
        out->config_file[0] = '\0';
        return 0;
    }
    if (rc == CLI_FILE_UNREADABLE) {
        cli_set_err(err, err_cap, "cannot read config file %s: %s", out->config_file,
                strerror(errno));
        return -1;
    }
    if (rc == CLI_FILE_NOT_REGULAR) {
        cli_set_err(err, err_cap, "cannot read config file %s: not a regular file (a FIFO, device "
                              "or folder)", out->config_file);
        return -1;
    }
    if (rc == CLI_FILE_TOO_BIG) {
        cli_set_err(err, err_cap, "config file %s is too large (more than %u KiB)", out->config_file,
                CLI_CONFIG_FILE_MAX / 1024u);
        return -1;
    }

    if (named) {
        rc = cli_copy_span(out->profile, sizeof out->profile, explicit_profile,
                       strlen(explicit_profile));
    } else {
        r = cli_ini_get(g_file_buf, len, "__settings__", "default_profile", out->profile,
                        sizeof out->profile, &line);
        if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
            return ini_fail(r, line, out->config_file, err, err_cap);
        }
        /* A default_profile that names nothing is a mistake worth reporting. */
        named = r == CLI_INI_FOUND && out->profile[0] != '\0';
        rc = named ? 0 : cli_copy_span(out->profile, sizeof out->profile, "DEFAULT", 7);
    }
    if (rc != 0) {
        cli_set_err(err, err_cap, "profile name too long");
        return -1;
    }

    r = cli_ini_get(g_file_buf, len, out->profile, "host", g_profile.host, sizeof g_profile.host,
                    &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    if (r == CLI_INI_NO_SECTION || (r == CLI_INI_NO_KEY && named &&
                                    cli_ini_get(g_file_buf, len, out->profile, NULL, NULL, 0, NULL) != CLI_INI_FOUND)) {
        if (named) {
            /* The Databricks SDKs' words, for a section missing or empty. */
            cli_set_err(err, err_cap, "%s has no %s profile configured", out->config_file, out->profile);
            return -1;
        }
        return 0;
    }
    g_profile.has_host = r == CLI_INI_FOUND && g_profile.host[0] != '\0';
    r = cli_ini_get(g_file_buf, len, out->profile, "token", g_profile.token,
                    sizeof g_profile.token, &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    g_profile.has_token = r == CLI_INI_FOUND && g_profile.token[0] != '\0';
    r = cli_ini_get(g_file_buf, len, out->profile, "workspace_id", g_profile.workspace_id,
                    sizeof g_profile.workspace_id, &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    g_profile.has_workspace_id = r == CLI_INI_FOUND && g_profile.workspace_id[0] != '\0';
    r = cli_ini_get(g_file_buf, len, out->profile, "auth_type", g_profile.auth_type, sizeof g_profile.auth_type,
                    &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    g_profile.has_auth_type = r == CLI_INI_FOUND && g_profile.auth_type[0] != '\0';
    r = cli_ini_get(g_file_buf, len, out->profile, "client_id", g_profile.client_id, sizeof g_profile.client_id,
                    &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    g_profile.has_client_id = r == CLI_INI_FOUND && g_profile.client_id[0] != '\0';
    r = cli_ini_get(g_file_buf, len, out->profile, "client_secret", g_profile.client_secret,
                    sizeof g_profile.client_secret, &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    g_profile.has_client_secret = r == CLI_INI_FOUND && g_profile.client_secret[0] != '\0';
    return 0;
}

/* "--host", "DATABRICKS_HOST" or "profile 'dev' in /root/.databrickscfg". */
static void describe(cli_source src, char what, const cli_settings *s, char *buf, size_t cap)
{
    if (src == CLI_FROM_PROFILE) {
        (void)snprintf(buf, cap, "profile '%s' in %s", s->profile, s->config_file);
    } else {
        (void)snprintf(buf, cap, "%s", cli_source_name(src, what));
    }
}

static bool auth_type_is(const char *word)
{
    return g_profile.has_auth_type && cli_span_equals_nocase(g_profile.auth_type, strlen(g_profile.auth_type), word);
}

/*
 * A profile's auth_type other than "pat" or "oauth-m2m" says its credential
 * is one dbtok does not have (databricks-cli, azure-cli, basic, ...): when
 * that credential would be the one used, say so instead of sending whatever
 * token the profile or the environment holds.
 */
static int check_auth_type(const cli_settings *out, char *err, size_t err_cap)
{
    if (!g_profile.has_auth_type || auth_type_is("pat") || auth_type_is("oauth-m2m") ||
        out->token_from == CLI_FROM_FLAG) {
        return 0;
    }
    cli_set_err(err, err_cap, "profile '%s' in %s has auth_type '%s', which dbtok does not support: dbtok "
                              "authenticates with a personal access token (the profile's token, auth_type pat, "
                              "or --token) or OAuth machine-to-machine (client_id and client_secret, auth_type "
                              "oauth-m2m)",
                out->profile, out->config_file, g_profile.auth_type);
    return -1;
}

/*
 * The client credentials, when they are the credential: the pair by the one
 * precedence, from one source (an id from one place and a secret from
 * another were not written for each other), used when no token wins or
 * auth_type says oauth-m2m. Returns 1 when OAuth is to be used (out holds
 * the pair), 0 when the token is, -1 with a message.
 */
static int resolve_client_credentials(const cli_env *env, bool profile_wins, const char *token, cli_settings *out,
                                      char *err, size_t err_cap)
{
    char origin[CLI_PATH_MAX + CLI_PROFILE_MAX + 32];
    cli_source id_from, secret_from;
    const char *id = pick_setting(NULL, profile_wins, g_profile.has_client_id ? g_profile.client_id : NULL,
                                  env_get(env, "DATABRICKS_CLIENT_ID"), &id_from);
    const char *secret = pick_setting(NULL, profile_wins,
                                      g_profile.has_client_secret ? g_profile.client_secret : NULL,
                                      env_get(env, "DATABRICKS_CLIENT_SECRET"), &secret_from);
    bool wanted = auth_type_is("oauth-m2m") && out->token_from != CLI_FROM_FLAG;

    if (!wanted && (token != NULL || (id == NULL && secret == NULL))) {
        return 0;
    }
    if (id == NULL || secret == NULL) {
        cli_set_err(err, err_cap, "OAuth machine-to-machine needs both a client id and a client secret "
                                  "(DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, or client_id and "
                                  "client_secret in a profile); %s is missing",
                    id == NULL ? "the client id" : "the client secret");
        return -1;
    }
    if (id_from != secret_from) {
        cli_set_err(err, err_cap, "the client id (from %s) and the client secret (from %s) come from different "
                                  "places: give both in the environment or both in the profile",
                    cli_source_name(id_from, 'i'), cli_source_name(secret_from, 's'));
        return -1;
    }
    out->secret_from = secret_from;
    out->token_from = CLI_FROM_NONE;
    /* The secret first: whatever fails after this, it is masked. */
    if (copy_trimmed(out->client_secret, sizeof out->client_secret, secret) != 0 ||
        dbtok_config_check_token(out->client_secret, strlen(out->client_secret)) != DBTOK_OK ||
        copy_trimmed(out->client_id, sizeof out->client_id, id) != 0 ||
        dbtok_config_check_token(out->client_id, strlen(out->client_id)) != DBTOK_OK) {
        describe(secret_from, 's', out, origin, sizeof origin);
        cli_set_err(err, err_cap, "the client id or secret from %s is empty, too long or holds a character other "
                                  "than visible ASCII", origin);
        return -1;
    }
    return 1;
}

static int resolve_output(const cli_flags *flags, const cli_env *env, cli_settings *out,
                          char *err, size_t err_cap)
{
    const char *v = flags->output;
    const char *name = "--output";
    out->output_from = CLI_FROM_FLAG;
    if (v == NULL) {
        v = env_get(env, "DATABRICKS_OUTPUT_FORMAT");
        name = "DATABRICKS_OUTPUT_FORMAT";
        out->output_from = CLI_FROM_ENV;
    }
    if (v == NULL) {
        out->output = CLI_OUTPUT_TEXT;
        out->output_from = CLI_FROM_DEFAULT;
        return 0;
    }
    if (cli_span_equals_nocase(v, strlen(v), "text")) {
        out->output = CLI_OUTPUT_TEXT;
    } else if (cli_span_equals_nocase(v, strlen(v), "json")) {
        out->output = CLI_OUTPUT_JSON;
    } else {
        cli_set_err(err, err_cap, "%s must be text or json, not '%s'", name, v);
        return -1;
    }
    return 0;
}

static int resolve_ca_file(const cli_flags *flags, const cli_env *env, cli_settings *out,
                           char *err, size_t err_cap)
{
    const char *v = flags->ca_file;
    out->ca_file_from = CLI_FROM_FLAG;
    if (v == NULL) {
        v = env_get(env, "DBTOK_CA_FILE");
        out->ca_file_from = CLI_FROM_ENV;
    }
    if (v == NULL) {
        v = DBTOK_POSIX_DEFAULT_CA_FILE;
        out->ca_file_from = CLI_FROM_DEFAULT;
    }
    if (cli_copy_span(out->ca_file, sizeof out->ca_file, v, strlen(v)) != 0) {
        cli_set_err(err, err_cap, "CA file path too long");
        return -1;
    }
    return 0;
}

/*
 * A token read from a profile goes to that profile's host only: it was
 * written down for that workspace, and nothing but the file pairs them. When
 * the host came from elsewhere (a --host, or DATABRICKS_HOST when no -p
 * outranks it) the token is used only if the profile names the same host once
 * both are normalised; otherwise nothing is sent.
 */
static int check_profile_pairing(const cli_settings *out, char *err, size_t err_cap)
{
    const char *what = out->secret_from != CLI_FROM_NONE ? "client secret" : "token";
    cli_source cred_from = out->secret_from != CLI_FROM_NONE ? out->secret_from : out->token_from;
    char origin[CLI_PATH_MAX + CLI_PROFILE_MAX + 32];
    char host_err[512];
    char mine[CLI_HOST_MAX + 16], theirs[CLI_HOST_MAX + 16];
    char profile_host[CLI_HOST_MAX];
    static char url[CLI_PATH_MAX]; /* static: keeps a 4 KiB copy off the stack */
    uint16_t profile_port = 0;

    if (cred_from != CLI_FROM_PROFILE || out->host_from == CLI_FROM_PROFILE) {
        return 0;
    }
    cli_host_label(out->host, out->port, theirs, sizeof theirs);
    if (!g_profile.has_host) {
        cli_set_err(err, err_cap, "profile '%s' in %s has a %s but no host, and its %s is only "
                              "sent to its own host, not to %s (from %s): add a host to the "
                              "profile, or give --token", out->profile, out->config_file, what, what, theirs,
                cli_source_name(out->host_from, 'h'));
        return -1;
    }
    describe(CLI_FROM_PROFILE, 'h', out, origin, sizeof origin);
    if (copy_trimmed(url, sizeof url, g_profile.host) != 0) {
        cli_set_err(err, err_cap, "the host from %s is too long", origin);
        return -1;
    }
    if (cli_parse_host(url, profile_host, sizeof profile_host, &profile_port, host_err,
                       sizeof host_err) != 0) {
        cli_set_err(err, err_cap, "%s (from %s)", host_err, origin);
        return -1;
    }
    if (strcmp(profile_host, out->host) != 0 || profile_port != out->port) {
        cli_host_label(profile_host, profile_port, mine, sizeof mine);
        cli_set_err(err, err_cap, "the %s of profile '%s' in %s is only sent to its own host %s, "
                              "not to %s (from %s): give --token, or leave out %s",
                what, out->profile, out->config_file, mine, theirs,
                cli_source_name(out->host_from, 'h'), cli_source_name(out->host_from, 'h'));
        return -1;
    }
    return 0;
}

/*
 * DATABRICKS_TOKEN exported beside DATABRICKS_HOST is that workspace's
 * token: when the host comes from elsewhere (-p, --host) and is another one,
 * the token is not sent there. Without DATABRICKS_HOST, the exported token
 * goes with whatever host the command names.
 */
static int check_env_pairing(const cli_settings *out, const char *env_host, char *err, size_t err_cap)
{
    char host_err[512];
    char env_name[CLI_HOST_MAX];
    char mine[CLI_HOST_MAX + 16], theirs[CLI_HOST_MAX + 16];
    static char url[CLI_PATH_MAX]; /* static: keeps a 4 KiB copy off the stack */
    uint16_t env_port = 0;

    bool oauth = out->secret_from != CLI_FROM_NONE;
    if ((oauth ? out->secret_from : out->token_from) != CLI_FROM_ENV || env_host == NULL ||
        out->host_from == CLI_FROM_ENV) {
        return 0;
    }
    if (copy_trimmed(url, sizeof url, env_host) != 0 ||
        cli_parse_host(url, env_name, sizeof env_name, &env_port, host_err, sizeof host_err) != 0) {
        cli_set_err(err, err_cap, "DATABRICKS_HOST is not a valid host, and %s goes with it only",
                    oauth ? "DATABRICKS_CLIENT_SECRET" : "DATABRICKS_TOKEN");
        return -1;
    }
    if (strcmp(env_name, out->host) != 0 || env_port != out->port) {
        cli_host_label(env_name, env_port, mine, sizeof mine);
        cli_host_label(out->host, out->port, theirs, sizeof theirs);
        cli_set_err(err, err_cap, "%s is sent only to DATABRICKS_HOST (%s), not to %s "
                              "(from %s): give --token, or unset DATABRICKS_HOST",
                oauth ? "DATABRICKS_CLIENT_SECRET" : "DATABRICKS_TOKEN", mine, theirs,
                cli_source_name(out->host_from, 'h'));
        return -1;
    }
    return 0;
}

/*
 * The workspace id: --workspace-id, then (a profile named with -p first)
 * DATABRICKS_WORKSPACE_ID, then the profile's workspace_id, then ?o=ID in
 * the URL the host came from. Whatever its source, it is digits only: it
 * becomes a header line.
 */
static int resolve_workspace_id(const cli_flags *flags, const cli_env *env, bool profile_wins, const char *url,
                                cli_settings *out, char *err, size_t err_cap)
{
    char origin[CLI_PATH_MAX + CLI_PROFILE_MAX + 32];
    char from_url[DBTOK_MAX_WORKSPACE_ID_LEN + 1];
    char url_err[512];
    const char *v = pick_setting(flags->workspace_id, profile_wins,
                                 g_profile.has_workspace_id ? g_profile.workspace_id : NULL,
                                 env_get(env, "DATABRICKS_WORKSPACE_ID"), &out->workspace_id_from);

    if (cli_host_workspace_id(url, from_url, sizeof from_url, url_err, sizeof url_err) != 0) {
        describe(out->host_from, 'h', out, origin, sizeof origin);
        cli_set_err(err, err_cap, "%s (from %s)", url_err, origin);
        return -1;
    }
    if (v == NULL && from_url[0] != '\0') {
        v = from_url;
        out->workspace_id_from = CLI_FROM_HOST_URL;
    }
    if (v == NULL) {
        return 0;
    }
    if (copy_trimmed(out->workspace_id, sizeof out->workspace_id, v) != 0 ||
        dbtok_config_check_workspace_id(out->workspace_id, strlen(out->workspace_id)) != DBTOK_OK) {
        describe(out->workspace_id_from, 'w', out, origin, sizeof origin);
        cli_set_err(err, err_cap, "the workspace id from %s must be 1 to %u digits, not '%s'", origin,
                    DBTOK_MAX_WORKSPACE_ID_LEN, v);
        out->workspace_id[0] = '\0';
        return -1;
    }
    return 0;
}

static int resolve_body(const cli_flags *flags, const cli_env *env, cli_settings *out, char *err,
                        size_t err_cap)
{
    const char *env_host = env_get(env, "DATABRICKS_HOST");
    const char *env_token = env_get(env, "DATABRICKS_TOKEN");
    const char *profile = flags->profile;
    /* -p on the command line outranks the environment (Databricks CLI since
     * 2026-07); DATABRICKS_CONFIG_PROFILE only picks the profile. */
    bool profile_wins = flags->profile != NULL;
    bool host_given = flags->host != NULL || env_host != NULL;
    const char *host;
    const char *token;
    int rc;
    char host_err[512];
    char origin[CLI_PATH_MAX + CLI_PROFILE_MAX + 32];
    static char url[CLI_PATH_MAX]; /* static: keeps a 4 KiB copy off the stack */

    if (resolve_output(flags, env, out, err, err_cap) != 0 ||
        resolve_ca_file(flags, env, out, err, err_cap) != 0) {
        return -1;
    }
    if (profile == NULL) {
        profile = env_get(env, "DATABRICKS_CONFIG_PROFILE");
    }
    /* With a host given and no profile named, the default profile is not
     * consulted (Go SDK config_file.go; the Databricks CLI skips
     * default_profile when DATABRICKS_HOST is set): its token is for its own
     * host. */
    if ((profile != NULL || !host_given) && load_profile(env, profile, out, err, err_cap) != 0) {
        return -1;
    }

    host = pick_setting(flags->host, profile_wins, g_profile.has_host ? g_profile.host : NULL, env_host,
                        &out->host_from);
    token = pick_setting(flags->token, profile_wins, g_profile.has_token ? g_profile.token : NULL, env_token,
                         &out->token_from);
    if (check_auth_type(out, err, err_cap) != 0) {
        return -1;
    }
    rc = resolve_client_credentials(env, profile_wins, token, out, err, err_cap);
    if (rc < 0) {
        return -1;
    }
    if (rc == 1) {
        token = NULL;
    } else if (token == NULL && host == NULL && !flags->credential_optional) {
        cli_set_err(err, err_cap, "no token: set --token, DATABRICKS_TOKEN or a profile; "
                              "no host: set --host, DATABRICKS_HOST or a profile");
        return -1;
    }
    if (rc == 0 && token == NULL && !flags->credential_optional && profile == NULL && host_given) {
        cli_set_err(err, err_cap, "no token for %s (from %s): set --token or DATABRICKS_TOKEN, or name "
                              "a profile with -p; the default profile's token is not sent to a "
                              "host given by --host or DATABRICKS_HOST",
                host, cli_source_name(out->host_from, 'h'));
        return -1;
    }
    if (rc == 0 && token == NULL && !flags->credential_optional) {
        cli_set_err(err, err_cap, "no token: set --token, DATABRICKS_TOKEN or a profile (or, for OAuth, "
                                  "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)");
        return -1;
    }
    /* The token first: whatever fails after this, the caller can mask it out
     * of the message it prints. */
    if (rc == 0 && token != NULL && (copy_trimmed(out->token, sizeof out->token, token) != 0 ||
                    dbtok_config_check_token(out->token, strlen(out->token)) != DBTOK_OK)) {
        describe(out->token_from, 't', out, origin, sizeof origin);
        cli_set_err(err, err_cap, "the token from %s is empty, too long or holds a character other than "
                              "visible ASCII (a space, a control character)", origin);
        return -1;
    }
    if (host == NULL) {
        cli_set_err(err, err_cap, "no host: set --host, DATABRICKS_HOST or a profile");
        return -1;
    }
    describe(out->host_from, 'h', out, origin, sizeof origin);
    if (copy_trimmed(url, sizeof url, host) != 0) {
        cli_set_err(err, err_cap, "the host from %s is too long", origin);
        return -1;
    }
    if (cli_parse_host(url, out->host, sizeof out->host, &out->port, host_err,
                       sizeof host_err) != 0) {
        cli_set_err(err, err_cap, "%s (from %s)", host_err, origin);
        return -1;
    }
    if (check_env_pairing(out, env_host, err, err_cap) != 0 || check_profile_pairing(out, err, err_cap) != 0) {
        return -1;
    }
    return resolve_workspace_id(flags, env, profile_wins, url, out, err, err_cap);
}

/*
 * The proxy for the resolved host (see cli_settings.h): --proxy, else
 * https_proxy, else HTTPS_PROXY; then no_proxy, else NO_PROXY, may exempt
 * the host. Only a proxy that is used is parsed.
 */
static int resolve_proxy(const cli_flags *flags, const cli_env *env, cli_settings *out, char *err,
                         size_t err_cap)
{
    static char url[CLI_PATH_MAX]; /* static: keeps a 4 KiB copy off the stack; wiped after use */
    char why[768];
    const char *v = flags->proxy;
    const char *from = "--proxy";
    const char *list = env_get(env, "no_proxy");
    const char *list_from = "no_proxy";
    int rc = 0;

    if (v == NULL) {
        v = env_get(env, "https_proxy");
        from = "https_proxy";
    }
    if (v == NULL) {
        v = env_get(env, "HTTPS_PROXY");
        from = "HTTPS_PROXY";
    }
    if (list == NULL) {
        list = env_get(env, "NO_PROXY");
        list_from = "NO_PROXY";
    }
    if (v == NULL) {
        return 0;
    }
    if (copy_trimmed(url, sizeof url, v) != 0) {
        cli_wipe(url, sizeof url); /* what part of it was copied may hold the password */
        cli_set_err(err, err_cap, "the proxy URL from %s is too long", from);
        return -1;
    }
    if (url[0] == '\0') {
        return 0; /* --proxy "" (or only spaces): no proxy */
    }
    if (cli_no_proxy_matches(list, out->host, out->port)) {
        out->bypassed_from = from;
        out->no_proxy_from = list_from;
    } else if (cli_parse_proxy_url(url, &out->proxy, why, sizeof why) != 0) {
        cli_set_err(err, err_cap, "%s (from %s)", why, from);
        rc = -1;
    } else {
        out->proxy_from = from;
    }
    cli_wipe(url, sizeof url);
    return rc;
}

int cli_resolve(const cli_flags *flags, const cli_env *env, cli_settings *out, char *err,
                size_t err_cap)
{
    int rc;
    cli_wipe(out, sizeof *out);
    cli_wipe(&g_profile, sizeof g_profile);
    if (err != NULL && err_cap > 0) {
        err[0] = '\0';
    }
    rc = resolve_body(flags, env, out, err, err_cap);
    if (rc == 0) {
        rc = resolve_proxy(flags, env, out, err, err_cap);
    }
    /* The file and the profile copy may hold a token: keep it in one place. */
    cli_wipe(&g_profile, sizeof g_profile);
    cli_wipe(g_file_buf, sizeof g_file_buf);
    return rc;
}

const char *cli_source_name(cli_source src, char what)
{
    switch (src) {
    case CLI_FROM_FLAG:
        return what == 'h'   ? "--host"
               : what == 't' ? "--token"
               : what == 'c' ? "--ca-file"
               : what == 'w' ? "--workspace-id"
                             : "--output";
    case CLI_FROM_ENV:
        return what == 'h'   ? "DATABRICKS_HOST"
               : what == 't' ? "DATABRICKS_TOKEN"
               : what == 'i' ? "DATABRICKS_CLIENT_ID"
               : what == 's' ? "DATABRICKS_CLIENT_SECRET"
               : what == 'c' ? "DBTOK_CA_FILE"
               : what == 'w' ? "DATABRICKS_WORKSPACE_ID"
                             : "DATABRICKS_OUTPUT_FORMAT";
    case CLI_FROM_HOST_URL:
        return "the host URL";
    case CLI_FROM_PROFILE:
        return "the profile";
    case CLI_FROM_DEFAULT:
        return "the default";
    case CLI_FROM_NONE:
    default:
        return "nowhere";
    }
}
