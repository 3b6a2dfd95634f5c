/*
 * Where the dbtok command-line tool finds its settings, in the order users of
 * the Databricks CLI already know: command-line flags, then environment
 * variables, then a profile in ~/.databrickscfg (or $DATABRICKS_CONFIG_FILE).
 * This file is the precedence and the pairing of tokens with hosts; the
 * profile file's syntax is cli_ini.h's, the URL's cli_host.h's.
 *
 * Nothing here touches the heap or mbedTLS: values are copied into fixed
 * arrays inside cli_settings, the profile file is read with cli_read_file()
 * into a static buffer, and the environment is reached through a lookup
 * function so that tests can supply their own without setenv().
 */
#ifndef CLI_SETTINGS_H
#define CLI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_host.h"
#include "cli_proxy.h"

/* Capacities, NUL included. A token's format is undocumented and may grow,
 * so its room is generous; paths follow the usual Linux PATH_MAX. */
#define CLI_TOKEN_MAX 1024u
#define CLI_PATH_MAX 4096u
#define CLI_PROFILE_MAX 256u
#define CLI_CLIENT_ID_MAX 256u

/* Largest profile file read; a real one is a few hundred bytes. */
#define CLI_CONFIG_FILE_MAX (64u * 1024u)

/* The environment as the resolver sees it: get() returns the value of name,
 * or NULL when it is not set. An empty value counts as not set. */
typedef struct {
    const char *(*get)(void *user, const char *name);
    void *user;
} cli_env;

/* What the command line said. NULL means the flag was not given; the strings
 * are borrowed (usually from argv) for the duration of cli_resolve(). */
typedef struct {
    const char *host;
    const char *token;
    const char *profile;
    const char *ca_file;
    const char *output;
    const char *workspace_id;
    const char *proxy; /* --proxy URL; "" (given empty) means no proxy, whatever the environment says */
    bool credential_optional; /* rotate: a stored token may be the only credential, so none is
                                 required (token "" and token_from CLI_FROM_NONE then) */
} cli_flags;

typedef enum { CLI_OUTPUT_TEXT = 0, CLI_OUTPUT_JSON = 1 } cli_output_format;

/* Where a resolved value came from, for -v and for error messages. */
typedef enum {
    CLI_FROM_NONE = 0,
    CLI_FROM_FLAG,
    CLI_FROM_ENV,
    CLI_FROM_PROFILE,
    CLI_FROM_DEFAULT,
    CLI_FROM_HOST_URL /* ?o=ID or ?w=ID in the host's URL */
} cli_source;

/* The resolved settings; everything is a copy, nothing borrowed. */
typedef struct {
    char host[CLI_HOST_MAX]; /* normalised: no scheme, no port, no brackets around IPv6 */
    uint16_t port;           /* 1..65535, 443 unless the URL named another */
    char token[CLI_TOKEN_MAX];
    char ca_file[CLI_PATH_MAX];
    cli_output_format output;
    char profile[CLI_PROFILE_MAX];     /* profile consulted; "" when the file was not read */
    char config_file[CLI_PATH_MAX];    /* file consulted; "" when none was read */
    char workspace_id[DBTOK_MAX_WORKSPACE_ID_LEN + 1]; /* digits; "" for none */
    /* OAuth machine-to-machine instead of token (which is then ""): a service
     * principal's client id and secret, both from one source. */
    char client_id[CLI_CLIENT_ID_MAX];
    char client_secret[CLI_TOKEN_MAX];
    cli_source host_from, token_from, ca_file_from, output_from, workspace_id_from;
    cli_source secret_from; /* where client_id and client_secret came from; CLI_FROM_NONE: a token is used */
    /* The HTTP proxy (host "" for none) and the names that decided it, for -v
     * and for messages: proxy_from is "--proxy", "https_proxy" or
     * "HTTPS_PROXY" when one is used; when a proxy was configured but
     * NO_PROXY exempts the host, proxy.host is "", bypassed_from names the
     * proxy's variable and no_proxy_from "no_proxy" or "NO_PROXY". */
    cli_proxy_url proxy;
    const char *proxy_from;
    const char *bypassed_from;
    const char *no_proxy_from;
} cli_settings;

/*
 * Resolve every setting through flags, environment and profile file.
 *
 * Precedence, field by field: flags, then the environment, then the profile;
 * except that a profile named with -p on the command line outranks the
 * environment (its host, token and workspace id win over DATABRICKS_HOST,
 * DATABRICKS_TOKEN and DATABRICKS_WORKSPACE_ID, which only fill its gaps), as
 * in the Databricks CLI. The workspace id comes last from the host's URL
 * (?o=ID or ?w=ID), as the SDKs read it; every source must be digits only.
 *
 * Which profile: -p, else DATABRICKS_CONFIG_PROFILE, else `default_profile`
 * in the file's [__settings__], else DEFAULT; keys of [DEFAULT] are not
 * inherited by named profiles (as in the Go SDK and the Databricks CLI). When
 * a host is given (flag or environment) and no profile is named, the default
 * profile is not consulted at all (Go SDK config_file.go; the Databricks CLI
 * does not apply default_profile when DATABRICKS_HOST is set): the token must
 * then come from --token or DATABRICKS_TOKEN.
 *
 * The credential: a personal access token, or OAuth machine-to-machine
 * client credentials (DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET, the
 * profile's client_id and client_secret), the pair from one source and by
 * the same precedence. As the SDKs' default chain does, a token wins when
 * both are at hand, unless the profile's auth_type says oauth-m2m (and no
 * --token is given); auth_type pat picks the token. None at all is an error
 * unless flags->credential_optional says so (the host is still required).
 *
 * A token (or client secret) read from a profile is only ever paired with that profile's host:
 * if the host resolved to anything else (a --host or DATABRICKS_HOST that is
 * not the profile's host once both are normalised, or a profile without a
 * host), resolution fails rather than send the token elsewhere.
 *
 * The proxy, as curl reads it: --proxy URL (--proxy "" for none), else
 * https_proxy, else HTTPS_PROXY (curl looks at the lowercase name first; the
 * Go tools at the uppercase one), whatever the command; then no_proxy, else
 * NO_PROXY, exempts the workspace host from it, --proxy's included (curl
 * does the same), see cli_no_proxy_matches(). A proxy URL that is not used
 * is not parsed; one that is used must parse (cli_parse_proxy_url()).
 *
 * The profile file is read only when it can matter: when a profile is named
 * (so a misspelt name is always reported), or when no host is given. It must
 * be a regular file (or /dev/null, read as empty): see cli_read_file().
 *
 * Returns 0 with *out filled, or -1 with a one-line message (no "Error: "
 * prefix, no newline) in err: a usage or configuration error. *out may hold
 * a secret either way; wipe it with cli_settings_wipe().
 */
int cli_resolve(const cli_flags *flags, const cli_env *env, cli_settings *out, char *err,
                size_t err_cap);

/* Overwrite *s (the token included) with zeros in a way the compiler keeps. */
void cli_settings_wipe(cli_settings *s);

/* A short name for a source: "--host", "DATABRICKS_HOST", "profile", ...
 * `what` picks the setting: 'h' host, 't' token, 'c' CA file, 'o' output,
 * 'w' workspace id, 'i' client id, 's' client secret. */
const char *cli_source_name(cli_source src, char what);

#endif /* CLI_SETTINGS_H */
