/*
 * --help and --version: the usage texts (kept beside the man page,
 * dbtok.1, which says the same at length) and the versions that run.
 */
#include "cli_help.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#include "cli_messages.h"

static const char USAGE_GLOBAL[] =
    "Global options (before or after the command):\n"
    "  --host URL            workspace URL (https:// assumed; env DATABRICKS_HOST)\n"
    "  -p, --profile NAME    profile in ~/.databrickscfg (env DATABRICKS_CONFIG_PROFILE)\n"
    "  --token TOKEN         personal access token (env DATABRICKS_TOKEN); or, as a\n"
    "                        service principal (OAuth machine-to-machine), env\n"
    "                        DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET or\n"
    "                        profile keys client_id, client_secret\n"
    "  --ca-file PEM         trusted CA certificates (env DBTOK_CA_FILE; default\n"
    "                        " DBTOK_POSIX_DEFAULT_CA_FILE ")\n"
    "  --workspace-id ID     workspace id sent as X-Databricks-Workspace-Id, which\n"
    "                        unified hosts route by (env DATABRICKS_WORKSPACE_ID,\n"
    "                        profile key workspace_id, or ?o=ID in the host URL)\n"
    "  --proxy URL           HTTP proxy to tunnel through (CONNECT, with TLS to the\n"
    "                        workspace inside): http://[USER:PASSWORD@]HOST[:PORT]\n"
    "                        (port 1080 unless given; \"\" for none; env https_proxy,\n"
    "                        else HTTPS_PROXY)\n"
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
    "The proxy: --proxy, else https_proxy, else HTTPS_PROXY (curl's order), for\n"
    "every command; no https:// or SOCKS proxies. no_proxy, else NO_PROXY, lists\n"
    "hosts reached directly, even with --proxy: comma-separated; a name (or .name)\n"
    "matches itself and every name below it, an address or network (10.0.0.0/8)\n"
    "as written, HOST:PORT only that port, * every host. localhost is proxied\n"
    "unless listed, as with curl.\n"
    "\n"
    "Exit codes: 0 ok, 1 the service answered with an error, 2 usage or\n"
    "configuration error, 3 the exchange failed, 4 a create's outcome is unknown.\n";

static const char USAGE_MAIN[] =
    "Usage: dbtok [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Create, list, update, revoke and rotate Databricks personal access tokens.\n"
    "\n"
    "Commands:\n"
    "  create [--comment TEXT] [--lifetime-seconds N] [--scope NAME]...\n"
    "         [--autoscope-enabled] [--json JSON|@FILE] [--recover]\n"
    "                                                   create a token, print its value\n"
    "  list [--limit N]                                 list your tokens\n"
    "  update TOKEN_ID [--comment TEXT] [--scope NAME]... [--json JSON|@FILE]\n"
    "                                                   change a token's comment or scopes\n"
    "  delete TOKEN_ID                                  revoke a token (alias: revoke)\n"
    "  rotate --store FILE [--force] [--min-remaining-seconds N] [--device NAME]\n"
    "         [--comment TEXT] [--lifetime-seconds N] [--scope NAME]...\n"
    "                                                   keep a token of this host's own in\n"
    "                                                   FILE, replaced before it expires\n"
    "\n";

static const char USAGE_CREATE[] =
    "Usage: dbtok [OPTIONS] create [--comment TEXT] [--lifetime-seconds N]\n"
    "                              [--scope NAME]... [--autoscope-enabled]\n"
    "                              [--json JSON|@FILE] [--recover]\n"
    "\n"
    "Create a personal access token and print its value (shown only once).\n"
    "\n"
    "  --comment TEXT          a description stored with the token (UTF-8; the answer\n"
    "                          echoes it, and must fit in the 64 KiB work buffer)\n"
    "  --lifetime-seconds N    lifetime in seconds; omitted or 0: the workspace default\n"
    "  --scope NAME            a scope the token is limited to (repeat for more); none:\n"
    "                          the token can do whatever you can\n"
    "  --autoscope-enabled     let the service narrow the token to what it is seen using\n"
    "  --json JSON|@FILE       the request body, inline or from FILE, as with the\n"
    "                          Databricks CLI: {\"comment\": ..., \"lifetime_seconds\": ...,\n"
    "                          \"scopes\": [...], \"autoscope_enabled\": true}; the flags\n"
    "                          override its fields (--scope replaces its scopes)\n"
    "  --recover               if the answer is lost, find the token by a marker added to\n"
    "                          the comment, revoke it and create again (no orphan left)\n"
    "\n";

static const char USAGE_LIST[] = "Usage: dbtok [OPTIONS] list [--limit N]\n"
                                 "\n"
                                 "List your tokens: id, creation and expiry time (UTC), comment;\n"
                                 "with -o json every field the service sends, scopes included.\n"
                                 "\n"
                                 "  --limit N               print at most N tokens (0, the default: all)\n"
                                 "\n";

static const char USAGE_UPDATE[] =
    "Usage: dbtok [OPTIONS] update TOKEN_ID [--comment TEXT] [--scope NAME]...\n"
    "                                       [--json JSON|@FILE]\n"
    "\n"
    "Change a token's comment, its scopes or both, in place; prints nothing.\n"
    "\n"
    "  --comment TEXT          the new comment\n"
    "  --scope NAME            the new scopes (repeat for more), replacing the old ones\n"
    "  --json JSON|@FILE       the request body as with the Databricks CLI:\n"
    "                          {\"token\": {\"comment\": ..., \"scopes\": [...]},\n"
    "                           \"update_mask\": \"comment,scopes\"}, the mask naming exactly\n"
    "                          the fields given; the flags override its fields\n"
    "\n";

static const char USAGE_DELETE[] = "Usage: dbtok [OPTIONS] delete TOKEN_ID\n"
                                   "       dbtok [OPTIONS] revoke TOKEN_ID\n"
                                   "\n"
                                   "Revoke the token with this id (see 'dbtok list').\n"
                                   "\n";

static const char USAGE_ROTATE[] =
    "Usage: dbtok [OPTIONS] rotate --store FILE [--force] [--min-remaining-seconds N]\n"
    "                              [--device NAME] [--comment TEXT]\n"
    "                              [--lifetime-seconds N] [--scope NAME]...\n"
    "\n"
    "Keep a token of this host's own in FILE and replace it before it expires, for\n"
    "a cron job or a gateway. FILE missing or empty: a token is made with the\n"
    "configured credential and written to FILE (mode 0600; never the configured\n"
    "credential itself). FILE's token works and expires more than N seconds from\n"
    "now: nothing changes. Otherwise a new token is made with FILE's token as the\n"
    "bearer (or the configured credential, if FILE's is refused), proven, written\n"
    "to FILE, and the old one revoked. A run killed at any point is completed by\n"
    "the next one. Once FILE holds a token, no credential need be configured.\n"
    "\n"
    "  --store FILE          the JSON file that keeps the token: a regular file only\n"
    "                        its owner may access (FILE.tmp, FILE.lock beside it)\n"
    "  --force               rotate even when the token is not due\n"
    "  --min-remaining-seconds N\n"
    "                        rotate when the token expires within N seconds (default\n"
    "                        604800, 7 days; one that never expires is never due)\n"
    "  --device NAME         the name the tokens carry, [dbtok-device:NAME] in their\n"
    "                        comment: 1 to 40 of A-Z a-z 0-9 . _ -, unique among one\n"
    "                        user's devices (default: FILE's, else cli- and 16\n"
    "                        random hex digits, kept in FILE)\n"
    "  --comment TEXT        the new token's comment, before the marker (at most 103\n"
    "                        bytes)\n"
    "  --lifetime-seconds N  the new token's lifetime; 0 or omitted: the workspace's\n"
    "                        default\n"
    "  --scope NAME          a scope the new token is limited to (repeat for more)\n"
    "\n"
    "Give the same options on every run: they apply to each new token. Prints one\n"
    "line: ACTION: token ID expires TIME (device NAME[; revoked OLD_ID]), ACTION\n"
    "being created, rotated or unchanged (-o json: one object).\n"
    "\n";

void cli_print_help(cli_command cmd)
{
    const char *head = cmd == CLI_CMD_CREATE   ? USAGE_CREATE
                       : cmd == CLI_CMD_LIST   ? USAGE_LIST
                       : cmd == CLI_CMD_UPDATE ? USAGE_UPDATE
                       : cmd == CLI_CMD_DELETE ? USAGE_DELETE
                       : cmd == CLI_CMD_ROTATE ? USAGE_ROTATE
                                               : USAGE_MAIN;
    (void)cli_write_all(STDOUT_FILENO, head, strlen(head));
    (void)cli_write_all(STDOUT_FILENO, USAGE_GLOBAL, sizeof USAGE_GLOBAL - 1);
}

/*
 * Names the mbedTLS that runs. A shared system mbedTLS (DBTOK_USE_SYSTEM_MBEDTLS)
 * can be updated under the binary, and then the headers' version, which the
 * User-Agent carries, is named too, so the two never disagree unseen. Without
 * MBEDTLS_VERSION_C (dbtok's own configurations) mbedTLS is linked statically
 * from the tree its headers come from, so they tell.
 */
void cli_print_version(void)
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
        (void)cli_write_all(STDOUT_FILENO, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
    }
#else
    static const char text[] =
        "dbtok " DBTOK_VERSION_STRING " (mbedtls " MBEDTLS_VERSION_STRING ")\n";
    (void)cli_write_all(STDOUT_FILENO, text, sizeof text - 1);
#endif
}
