/*
 * Unit tests of the dbtok tool's settings (examples/posix): the INI reader
 * (cli_ini.c), host URL normalisation (cli_host.c), reading a settings file
 * (cli_read_file.c), the flag > environment > profile precedence
 * (cli_settings.c), and which proxy, if any, NO_PROXY leaves. The environment
 * is a table handed in through cli_env, profile files are written into a
 * private temporary folder.
 */
#define _POSIX_C_SOURCE 200809L

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_host.h"
#include "cli_ini.h"
#include "cli_read_file.h"
#include "cli_settings.h"

/* ---- fixtures ------------------------------------------------------------ */

#define MAX_VARS 8

typedef struct {
    const char *name[MAX_VARS];
    const char *value[MAX_VARS];
    int n;
} fake_env;

static const char *fake_get(void *user, const char *name)
{
    const fake_env *e = user;
    int i;
    for (i = 0; i < e->n; i++) {
        if (strcmp(e->name[i], name) == 0) {
            return e->value[i];
        }
    }
    return NULL;
}

static void env_set(fake_env *e, const char *name, const char *value)
{
    assert_true(e->n < MAX_VARS);
    e->name[e->n] = name;
    e->value[e->n] = value;
    e->n++;
}

static void env_unset(fake_env *e, const char *name)
{
    int i;
    int kept = 0;
    for (i = 0; i < e->n; i++) {
        if (strcmp(e->name[i], name) != 0) {
            e->name[kept] = e->name[i];
            e->value[kept] = e->value[i];
            kept++;
        }
    }
    e->n = kept;
}

static char g_dir[64];       /* private temporary folder, made per test */
static char g_cfg_path[128]; /* g_dir/cfg */

static int make_dir(void **state)
{
    (void)state;
    strcpy(g_dir, "/tmp/dbtok-cli-test-XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        return -1;
    }
    (void)snprintf(g_cfg_path, sizeof g_cfg_path, "%s/cfg", g_dir);
    return 0;
}

static int remove_dir(void **state)
{
    char path[128];
    (void)state;
    (void)unlink(g_cfg_path);
    (void)snprintf(path, sizeof path, "%s/.databrickscfg", g_dir);
    (void)unlink(path);
    return rmdir(g_dir);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    size_t n = strlen(text);
    assert_true(fd >= 0);
    assert_int_equal((ssize_t)n, write(fd, text, n));
    assert_int_equal(0, close(fd));
}

/* An environment whose DATABRICKS_CONFIG_FILE is g_cfg_path holding text. */
static void env_with_file(fake_env *e, const char *text)
{
    memset(e, 0, sizeof *e);
    write_file(g_cfg_path, text);
    env_set(e, "DATABRICKS_CONFIG_FILE", g_cfg_path);
}

static cli_settings g_s;
static char g_err[1024];

static int resolve(const cli_flags *f, fake_env *e)
{
    cli_env env;
    env.get = fake_get;
    env.user = e;
    return cli_resolve(f, &env, &g_s, g_err, sizeof g_err);
}

static void assert_contains(const char *hay, const char *needle)
{
    if (strstr(hay, needle) == NULL) {
        fail_msg("'%s' does not contain '%s'", hay, needle);
    }
}

/* ---- INI ----------------------------------------------------------------- */

static cli_ini_result ini(const char *text, const char *section, const char *key, char *out,
                          size_t cap, unsigned *line)
{
    return cli_ini_get(text, strlen(text), section, key, out, cap, line);
}

static void test_ini_sections_and_keys(void **state)
{
    const char *text = "[DEFAULT]\n"
                       "host = https://default.example\n"
                       "token = dapiDEFAULT\n"
                       "\n"
                       "[dev]\n"
                       "host=https://dev.example\n"
                       "[empty]\n";
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini(text, "DEFAULT", "token", v, sizeof v, NULL));
    assert_string_equal("dapiDEFAULT", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "dev", "host", v, sizeof v, NULL));
    assert_string_equal("https://dev.example", v);
    /* No inheritance from DEFAULT. */
    assert_int_equal(CLI_INI_NO_KEY, ini(text, "dev", "token", v, sizeof v, NULL));
    assert_int_equal(CLI_INI_NO_KEY, ini(text, "empty", "host", v, sizeof v, NULL));
    assert_int_equal(CLI_INI_NO_SECTION, ini(text, "prod", "host", v, sizeof v, NULL));
    /* Section names are case-sensitive, keys are not. */
    assert_int_equal(CLI_INI_NO_SECTION, ini(text, "DEV", "host", v, sizeof v, NULL));
    assert_int_equal(CLI_INI_FOUND, ini(text, "dev", "HOST", v, sizeof v, NULL));
}

static void test_ini_comments(void **state)
{
    const char *text = "; a comment\n"
                       "# another\n"
                       "   # indented comment\n"
                       "[p] ; comment after a header\n"
                       "token = dapi#not#a#comment\n"
                       "host = h.example # a comment\n"
                       "a = x\t# tab before the hash\n"
                       "b = y ; semicolon comment\n"
                       "c = z;kept\n"
                       "d = #kept-too\n"
                       "e =   # \n";
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "token", v, sizeof v, NULL));
    assert_string_equal("dapi#not#a#comment", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "host", v, sizeof v, NULL));
    assert_string_equal("h.example", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "a", v, sizeof v, NULL));
    assert_string_equal("x", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "b", v, sizeof v, NULL));
    assert_string_equal("y", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "c", v, sizeof v, NULL));
    assert_string_equal("z;kept", v);
    /* A value that starts with # has no whitespace before it once trimmed. */
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "d", v, sizeof v, NULL));
    assert_string_equal("#kept-too", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "p", "e", v, sizeof v, NULL));
    assert_string_equal("#", v);
}

static void test_ini_whitespace_quotes_separators(void **state)
{
    const char *text = "  [  spaced  ]  \n"
                       "\t host \t=\t  h1  \t\n"
                       "token: colon-separated\n"
                       "eq = a=b==\n"
                       "q1 = \"quoted # value\"\n"
                       "q2 = 'single'\n"
                       "q3 = \"unbalanced\n"
                       "empty =\n";
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "host", v, sizeof v, NULL));
    assert_string_equal("h1", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "token", v, sizeof v, NULL));
    assert_string_equal("colon-separated", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "eq", v, sizeof v, NULL));
    assert_string_equal("a=b==", v);
    /* The inline comment is cut before quotes are looked at, as in the Go SDK. */
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "q1", v, sizeof v, NULL));
    assert_string_equal("\"quoted", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "q2", v, sizeof v, NULL));
    assert_string_equal("single", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "q3", v, sizeof v, NULL));
    assert_string_equal("\"unbalanced", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "spaced", "empty", v, sizeof v, NULL));
    assert_string_equal("", v);
}

static void test_ini_last_wins_and_repeated_sections(void **state)
{
    const char *text = "[a]\nhost = first\n[b]\nhost = other\n[a]\nhost = second\n";
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini(text, "a", "host", v, sizeof v, NULL));
    assert_string_equal("second", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "b", "host", v, sizeof v, NULL));
    assert_string_equal("other", v);
}

static void test_ini_crlf_bom_and_no_final_newline(void **state)
{
    const char *text = "\xEF\xBB\xBF[DEFAULT]\r\nhost = h.example\r\ntoken = dapi1 # c\r\n"
                       "[x]\r\nhost = last";
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini(text, "DEFAULT", "host", v, sizeof v, NULL));
    assert_string_equal("h.example", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "DEFAULT", "token", v, sizeof v, NULL));
    assert_string_equal("dapi1", v);
    assert_int_equal(CLI_INI_FOUND, ini(text, "x", "host", v, sizeof v, NULL));
    assert_string_equal("last", v);
}

static void test_ini_keys_before_any_header_are_default(void **state)
{
    char v[64];
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini("host = top\n[p]\nhost = p\n", "DEFAULT", "host", v,
                                        sizeof v, NULL));
    assert_string_equal("top", v);
    assert_int_equal(CLI_INI_NO_KEY, ini("other = x\n[p]\nhost = p\n", "DEFAULT", "host", v,
                                         sizeof v, NULL));
    assert_int_equal(CLI_INI_NO_SECTION, ini("", "DEFAULT", "host", v, sizeof v, NULL));
    assert_int_equal(CLI_INI_NO_SECTION, ini("# only\n[p]\n", "DEFAULT", "host", v, sizeof v,
                                             NULL));
}

static void test_ini_syntax_errors(void **state)
{
    static const struct {
        const char *text;
        unsigned line;
    } cases[] = {
        {"[DEFAULT]\nhost = h\n[unterminated\n", 3},
        {"[p]\njust words\n", 2},
        {"[p]\n = no key\n", 2},
        {"[]\n", 1},
        {"[  ]\n", 1},
        {"[p] junk\n", 1},
        {"\n\n\n[q]\nhost\n", 5},
    };
    char v[64];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned line = 0;
        /* Reported whatever section was asked for. */
        assert_int_equal(CLI_INI_SYNTAX, ini(cases[i].text, "other", "host", v, sizeof v, &line));
        assert_int_equal(cases[i].line, line);
    }
    {
        static const char nul[] = "[p]\nhost = a\0b\n";
        unsigned line = 0;
        assert_int_equal(CLI_INI_SYNTAX,
                         cli_ini_get(nul, sizeof nul - 1, "p", "host", v, sizeof v, &line));
        assert_int_equal(2, line);
    }
}

static void test_ini_value_too_long(void **state)
{
    char v[8];
    unsigned line = 0;
    (void)state;
    assert_int_equal(CLI_INI_FOUND, ini("[p]\nhost = 1234567\n", "p", "host", v, sizeof v, &line));
    assert_string_equal("1234567", v);
    assert_int_equal(CLI_INI_TOO_LONG,
                     ini("[p]\n\nhost = 12345678\n", "p", "host", v, sizeof v, &line));
    assert_int_equal(3, line);
    /* A long value of a key nobody asked for is fine. */
    assert_int_equal(CLI_INI_FOUND,
                     ini("[p]\nother = 1234567890123\nhost = h\n", "p", "host", v, sizeof v, NULL));
}

/* ---- host normalisation -------------------------------------------------- */

static void test_host_valid(void **state)
{
    static const struct {
        const char *url, *host;
        uint16_t port;
    } cases[] = {
        {"example.cloud.databricks.com", "example.cloud.databricks.com", 443},
        {"https://example.cloud.databricks.com", "example.cloud.databricks.com", 443},
        {"https://example.cloud.databricks.com/", "example.cloud.databricks.com", 443},
        {"https://localhost:8443/", "localhost", 8443},
        {"localhost:8443", "localhost", 8443},
        {"HTTPS://Adb-123.4.AzureDatabricks.NET/?o=123#x", "adb-123.4.azuredatabricks.net", 443},
        {"https://h.example/some/path?q=1", "h.example", 443},
        {"h.example?o=1", "h.example", 443},
        {"h.example#frag", "h.example", 443},
        {"https://h.example:443", "h.example", 443},
        {"https://h:1", "h", 1},
        {"h:65535", "h", 65535},
        {"h:08443", "h", 8443},
        {"127.0.0.1:9", "127.0.0.1", 9},
        {"https://[::1]:8443", "::1", 8443},
        {"[::1]", "::1", 443},
        {"https://[FE80::1]/x", "fe80::1", 443},
        {"[::ffff:127.0.0.1]:8443/", "::ffff:127.0.0.1", 8443},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[CLI_HOST_MAX];
        char err[256] = "";
        uint16_t port = 0;
        if (cli_parse_host(cases[i].url, host, sizeof host, &port, err, sizeof err) != 0) {
            fail_msg("%s: %s", cases[i].url, err);
        }
        assert_string_equal(cases[i].host, host);
        assert_int_equal(cases[i].port, port);
    }
}

static void test_host_invalid(void **state)
{
    static const struct {
        const char *url, *why;
    } cases[] = {
        {"", "empty"},
        {"http://h.example", "TLS only"},
        {"HTTP://h.example", "TLS only"},
        {"ftp://h.example", "scheme"},
        {"https://", "no host"},
        {"https:///path", "no host"},
        {"https://user@h.example", "user"},
        {"https://u:p@h.example:443", "user"},
        {"h.example:0", "port"},
        {"h.example:65536", "port"},
        {"h.example:99999999999999999999", "port"},
        {"h.example:", "port"},
        {"h.example:44a", "port"},
        {"h.example:-1", "port"},
        {"https://h.example:443:1", "brackets"},
        {"::1", "brackets"},
        {"[::1", "unterminated"},
        {"[::1]x", "junk"},
        {"[::1]:", "port"},
        {"[]", "no host"},
        {"[zz::1]", "IPv6"},
        {"[1.2.3.4]", "IPv6"},
        {"h example", "spaces"},
        {" h.example", "spaces"},
        {"h.example\n", "control"},
        {"https://bad!host", "not allowed"},
        {"https://%41.example", "not allowed"},
        /* Not a name dbtok_init() takes, so refused here, not by the library. */
        {"my_host.internal", "not allowed"},
        {":443", "no host"},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char host[CLI_HOST_MAX];
        char err[256] = "";
        uint16_t port = 0;
        if (cli_parse_host(cases[i].url, host, sizeof host, &port, err, sizeof err) == 0) {
            fail_msg("'%s' was accepted as %s:%u", cases[i].url, host, port);
        }
        assert_contains(err, cases[i].why);
    }
}

static void test_host_length_limit(void **state)
{
    char url[400];
    char host[CLI_HOST_MAX];
    char small[8];
    uint16_t port;
    (void)state;
    memset(url, 'a', DBTOK_MAX_HOST_LEN);
    url[DBTOK_MAX_HOST_LEN] = '\0';
    assert_int_equal(0, cli_parse_host(url, host, sizeof host, &port, NULL, 0));
    url[DBTOK_MAX_HOST_LEN] = 'a';
    url[DBTOK_MAX_HOST_LEN + 1] = '\0';
    assert_int_equal(-1, cli_parse_host(url, host, sizeof host, &port, NULL, 0));
    /* The caller's buffer is respected too. */
    assert_int_equal(-1, cli_parse_host("abcdefgh", small, sizeof small, &port, NULL, 0));
    assert_int_equal(0, cli_parse_host("abcdefg", small, sizeof small, &port, NULL, 0));
}

/* ---- precedence ---------------------------------------------------------- */

static const char *const PROFILES = "[__settings__]\n"
                                    "\n"
                                    "[DEFAULT]\n"
                                    "host = https://default.example/\n"
                                    "token = dapi-default\n"
                                    "[dev]\n"
                                    "host = dev.example:8443\n"
                                    "token = dapi-dev#1 # trailing comment\n"
                                    "[hostonly]\n"
                                    "host = hostonly.example\n";

static void test_flags_beat_env_beat_profile(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);

    /* Profile only. */
    env_with_file(&e, PROFILES);
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("default.example", g_s.host);
    assert_int_equal(443, g_s.port);
    assert_string_equal("dapi-default", g_s.token);
    assert_int_equal(CLI_FROM_PROFILE, g_s.host_from);
    assert_string_equal("DEFAULT", g_s.profile);
    assert_string_equal(g_cfg_path, g_s.config_file);

    /* Environment beats profile, per key; but a host from the environment
     * never takes DEFAULT's token (it is for DEFAULT's host). */
    env_set(&e, "DATABRICKS_HOST", "env.example");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "no token");

    env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-env", g_s.token);
    assert_int_equal(CLI_FROM_ENV, g_s.token_from);

    /* Flags beat both; but the exported token is DATABRICKS_HOST's and is
     * not sent to another host given by flag. */
    f.host = "https://flag.example:9443/";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_TOKEN is sent only to DATABRICKS_HOST");
    f.host = "https://ENV.example/";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-env", g_s.token);
    f.host = "https://flag.example:9443/";
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-flag", g_s.token);
    assert_int_equal(CLI_FROM_FLAG, g_s.token_from);
    assert_int_equal(CLI_FROM_FLAG, g_s.host_from);
}

static void test_profile_choice(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);

    /* DATABRICKS_CONFIG_PROFILE picks a profile; the inline comment rule holds. */
    env_with_file(&e, PROFILES);
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "dev");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dev.example", g_s.host);
    assert_int_equal(8443, g_s.port);
    assert_string_equal("dapi-dev#1", g_s.token);
    assert_string_equal("dev", g_s.profile);

    /* -p beats the environment. */
    f.profile = "DEFAULT";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-default", g_s.token);

    /* __settings__ default_profile is used when nothing else names one. */
    memset(&f, 0, sizeof f);
    env_with_file(&e, "[__settings__]\ndefault_profile = dev\n[DEFAULT]\ntoken = d\nhost = d\n"
                      "[dev]\nhost = dev.example\ntoken = dapi-dev\n");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-dev", g_s.token);
    assert_string_equal("dev", g_s.profile);
    f.profile = "DEFAULT";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("d", g_s.token);
}

static void test_per_key_mix(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    /* Host from the profile, token from the environment: no inheritance of
     * DEFAULT's token into [hostonly]. */
    env_with_file(&e, PROFILES);
    f.profile = "hostonly";
    assert_int_equal(-1, resolve(&f, &e));
    assert_string_equal("no token: set --token, DATABRICKS_TOKEN or a profile (or, for OAuth, "
                        "DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET)", g_err);
    env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("hostonly.example", g_s.host);
    assert_string_equal("dapi-env", g_s.token);
}

static void test_missing_profile_and_file(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);

    /* A named profile that does not exist is an error, even when flags give
     * everything else. */
    env_with_file(&e, PROFILES);
    f.profile = "nope";
    f.host = "h.example";
    f.token = "t";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, " has no nope profile configured");
    assert_contains(g_err, g_cfg_path);

    /* So is one named by the environment, or by __settings__. */
    memset(&f, 0, sizeof f);
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "nope2");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "has no nope2 profile configured");
    env_with_file(&e, "[__settings__]\ndefault_profile = ghost\n[DEFAULT]\nhost=h\ntoken=t\n");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "has no ghost profile configured");

    /* A missing file is fine when nothing asks for a profile. */
    memset(&e, 0, sizeof e);
    env_set(&e, "DATABRICKS_CONFIG_FILE", "/nonexistent/dbtok/cfg");
    env_set(&e, "DATABRICKS_HOST", "h.example");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    assert_int_equal(0, resolve(&f, &e));
    /* ... but not when one is asked for. */
    f.profile = "dev";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev' requested but config file /nonexistent/dbtok/cfg does "
                           "not exist");
    f.profile = "DEFAULT";
    assert_int_equal(-1, resolve(&f, &e));

    /* No file, no HOME: nothing to read, and nothing found. */
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "no token: set --token, DATABRICKS_TOKEN or a profile");
    assert_contains(g_err, "no host");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    assert_int_equal(-1, resolve(&f, &e));
    assert_string_equal("no host: set --host, DATABRICKS_HOST or a profile", g_err);
    f.profile = "dev";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev' requested");

    /* A file without DEFAULT, nothing named: not an error of its own. */
    memset(&f, 0, sizeof f);
    env_with_file(&e, "[other]\nhost = o\n");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    assert_int_equal(-1, resolve(&f, &e));
    assert_string_equal("no host: set --host, DATABRICKS_HOST or a profile", g_err);
}

static void test_home_and_tilde(void **state)
{
    fake_env e;
    cli_flags f;
    char path[128];
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    (void)snprintf(path, sizeof path, "%s/.databrickscfg", g_dir);
    write_file(path, "[DEFAULT]\nhost = home.example\ntoken = dapi-home\n");
    env_set(&e, "HOME", g_dir);
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("home.example", g_s.host);
    assert_string_equal(path, g_s.config_file);

    write_file(g_cfg_path, "[DEFAULT]\nhost = tilde.example\ntoken = dapi-tilde\n");
    env_set(&e, "DATABRICKS_CONFIG_FILE", "~/cfg");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("tilde.example", g_s.host);
    assert_string_equal(g_cfg_path, g_s.config_file);
}

static void test_file_read_only_when_needed(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, "[DEFAULT]\nthis line is broken\n");
    f.host = "h.example";
    f.token = "t";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.config_file);
    /* A broken file that must be read (for the host) is an error naming the line. */
    f.host = NULL;
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, g_cfg_path);
    assert_contains(g_err, "line 2");
}

static void test_empty_env_is_unset_and_values_trimmed(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, PROFILES);
    env_set(&e, "DATABRICKS_HOST", "");
    env_set(&e, "DATABRICKS_TOKEN", " dapi-pasted\n");
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("default.example", g_s.host);
    assert_string_equal("dapi-pasted", g_s.token);

    f.token = "dapi with space";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "--token");
    /* The token itself never appears in a message. */
    assert_null(strstr(g_err, "dapi"));
}

static void test_bad_host_names_its_origin(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, "[DEFAULT]\nhost = http://plain.example\ntoken = t\n");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "TLS only");
    assert_contains(g_err, "profile 'DEFAULT' in ");
    env_set(&e, "DATABRICKS_HOST", "h:0");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_HOST");
    f.host = "[::1";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "--host");
}

static void test_output_and_ca_file(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    env_set(&e, "DATABRICKS_HOST", "h.example");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    assert_int_equal(0, resolve(&f, &e));
    assert_int_equal(CLI_OUTPUT_TEXT, g_s.output);
    assert_string_equal("/etc/ssl/certs/ca-certificates.crt", g_s.ca_file);
    assert_int_equal(CLI_FROM_DEFAULT, g_s.ca_file_from);

    env_set(&e, "DATABRICKS_OUTPUT_FORMAT", "JSON");
    env_set(&e, "DBTOK_CA_FILE", "/env/ca.pem");
    assert_int_equal(0, resolve(&f, &e));
    assert_int_equal(CLI_OUTPUT_JSON, g_s.output);
    assert_string_equal("/env/ca.pem", g_s.ca_file);

    f.output = "text";
    f.ca_file = "/flag/ca.pem";
    assert_int_equal(0, resolve(&f, &e));
    assert_int_equal(CLI_OUTPUT_TEXT, g_s.output);
    assert_string_equal("/flag/ca.pem", g_s.ca_file);
    assert_int_equal(CLI_FROM_FLAG, g_s.ca_file_from);

    f.output = "yaml";
    assert_int_equal(-1, resolve(&f, &e));
    assert_string_equal("--output must be text or json, not 'yaml'", g_err);
    f.output = NULL;
    e.value[2] = "table"; /* DATABRICKS_OUTPUT_FORMAT */
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_OUTPUT_FORMAT");
}

/* The proxy (issue 14): --proxy, else https_proxy, else HTTPS_PROXY, as
 * curl reads them; then no_proxy, else NO_PROXY, exempts the host, from
 * --proxy too; only a proxy that is used is parsed. */
static void test_proxy_sources(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    env_set(&e, "DATABRICKS_HOST", "https://www.h.example:8443");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    env_set(&e, "http_proxy", "http://plain-http-only:1"); /* never for https */
    env_set(&e, "ALL_PROXY", "http://all:1");              /* not read */
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
    assert_null(g_s.proxy_from);

    env_set(&e, "HTTPS_PROXY", "http://upper:3128");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("upper", g_s.proxy.host);
    assert_int_equal(3128, g_s.proxy.port);
    assert_string_equal("HTTPS_PROXY", g_s.proxy_from);

    /* Both set: the lowercase one wins, as in curl. */
    env_set(&e, "https_proxy", " lower ");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("lower", g_s.proxy.host);
    assert_int_equal(1080, g_s.proxy.port);
    assert_string_equal("https_proxy", g_s.proxy_from);

    /* An empty https_proxy counts as unset, as every empty variable does. */
    env_unset(&e, "https_proxy");
    env_set(&e, "https_proxy", "");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("upper", g_s.proxy.host);

    /* The flag wins; --proxy "" means none, whatever the environment says. */
    f.proxy = "http://u:p%40ss@flag:8080/";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("flag", g_s.proxy.host);
    assert_int_equal(8080, g_s.proxy.port);
    assert_string_equal("u", g_s.proxy.username);
    assert_string_equal("p@ss", g_s.proxy.password);
    assert_string_equal("--proxy", g_s.proxy_from);
    f.proxy = "";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
    assert_null(g_s.proxy_from);
    assert_null(g_s.bypassed_from);
    f.proxy = "  ";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
}

static void test_proxy_no_proxy(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    env_set(&e, "DATABRICKS_HOST", "https://WWW.H.example:8443/path");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    env_set(&e, "HTTPS_PROXY", "http://proxy:3128");
    env_set(&e, "NO_PROXY", "other.example, .h.example");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
    assert_null(g_s.proxy_from);
    assert_string_equal("HTTPS_PROXY", g_s.bypassed_from);
    assert_string_equal("NO_PROXY", g_s.no_proxy_from);

    /* no_proxy wins over NO_PROXY, as in curl: here it exempts nothing. */
    env_set(&e, "no_proxy", "other.example");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("proxy", g_s.proxy.host);
    assert_null(g_s.bypassed_from);
    env_unset(&e, "no_proxy");

    /* The port of an entry counts; the workspace's is 8443. */
    env_unset(&e, "NO_PROXY");
    env_set(&e, "NO_PROXY", "h.example:443");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("proxy", g_s.proxy.host);
    env_unset(&e, "NO_PROXY");
    env_set(&e, "NO_PROXY", "h.example:8443");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);

    /* NO_PROXY applies to --proxy too (curl does the same). */
    f.proxy = "http://flag:1";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
    assert_string_equal("--proxy", g_s.bypassed_from);
    env_unset(&e, "NO_PROXY");
    env_set(&e, "NO_PROXY", "*");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);

    /* A proxy that is not used is not parsed, so a bad one is no error. */
    f.proxy = "socks5://u:secretsecret@flag:1";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.proxy.host);
}

static void test_proxy_bad_url_names_its_origin(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    env_set(&e, "DATABRICKS_HOST", "h.example");
    env_set(&e, "DATABRICKS_TOKEN", "t");
    env_set(&e, "HTTPS_PROXY", "https://alice:Secret-Secret@proxy:3128");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "(from HTTPS_PROXY)");
    assert_contains(g_err, "https:// proxies");
    assert_contains(g_err, "'https://***@proxy:3128'");
    assert_null(strstr(g_err, "Secret"));
    assert_string_equal("", g_s.proxy.password);

    f.proxy = "http://alice:Secret-Secret@proxy:65536";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "(from --proxy)");
    assert_contains(g_err, "port");
    assert_null(strstr(g_err, "Secret"));
    assert_null(strstr(g_err, "alice"));
    assert_string_equal("", g_s.proxy.password);

    /* The rest of the settings are still checked first. */
    f.host = "http://h.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "http:// is refused");
}

static void test_unreadable_or_large_file(void **state)
{
    fake_env e;
    cli_flags f;
    static char big[CLI_CONFIG_FILE_MAX + 2];
    (void)state;
    memset(&f, 0, sizeof f);
    memset(&e, 0, sizeof e);
    /* A folder in place of the file cannot be read. */
    env_set(&e, "DATABRICKS_CONFIG_FILE", g_dir);
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "cannot read config file");

    /* Neither can a symbolic link loop (open() fails, but not with ENOENT). */
    {
        char loop[128];
        (void)snprintf(loop, sizeof loop, "%s/loop", g_dir);
        assert_int_equal(0, symlink(loop, loop));
        e.value[0] = loop;
        assert_int_equal(-1, resolve(&f, &e));
        (void)unlink(loop);
        assert_contains(g_err, "cannot read config file");
        assert_contains(g_err, "symbolic links");
    }

    memset(big, '#', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    env_with_file(&e, big);
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "too large");
    /* Exactly the limit is fine (a file of comments: nothing found). */
    big[CLI_CONFIG_FILE_MAX] = '\0';
    env_with_file(&e, big);
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "no token");
}

/* ---- a profile's token goes only to that profile's host (issue 10) ------ */

static void test_host_given_skips_default_profile(void **state)
{
    static const char *const files[] = {
        "[DEFAULT]\nhost = default.example\ntoken = dapi-default\n",
        "[__settings__]\ndefault_profile = dev\n[dev]\nhost = dev.example\ntoken = dapi-dev\n",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        fake_env e;
        cli_flags f;
        memset(&f, 0, sizeof f);
        /* A host on the command line or in the environment, no token there:
         * the default profile is not consulted (as in the Go SDK and the
         * Databricks CLI), even when its host is the same. */
        env_with_file(&e, files[i]);
        f.host = i == 0 ? "default.example" : "other.example";
        assert_int_equal(-1, resolve(&f, &e));
        assert_contains(g_err, "no token for ");
        assert_contains(g_err, "default profile");
        assert_string_equal("", g_s.token);
        assert_string_equal("", g_s.config_file);
        f.host = NULL;
        env_set(&e, "DATABRICKS_HOST", "other.example");
        assert_int_equal(-1, resolve(&f, &e));
        assert_contains(g_err, "DATABRICKS_HOST");
        assert_string_equal("", g_s.token);
        /* A token given beside it is used, and the file is not needed. */
        env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
        assert_int_equal(0, resolve(&f, &e));
        assert_string_equal("dapi-env", g_s.token);
        assert_string_equal("other.example", g_s.host);
    }
}

static void test_profile_flag_beats_environment(void **state)
{
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, PROFILES);
    env_set(&e, "DATABRICKS_HOST", "env.example");
    env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
    f.profile = "dev";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dev.example", g_s.host);
    assert_int_equal(8443, g_s.port);
    assert_string_equal("dapi-dev#1", g_s.token);
    assert_int_equal(CLI_FROM_PROFILE, g_s.host_from);
    assert_int_equal(CLI_FROM_PROFILE, g_s.token_from);
    /* The environment only fills gaps: [hostonly] has no token. The token
     * exported beside DATABRICKS_HOST is that host's, not hostonly's... */
    f.profile = "hostonly";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_TOKEN is sent only to DATABRICKS_HOST (env.example)");
    /* ...while a token exported alone goes with the host the command names. */
    env_unset(&e, "DATABRICKS_HOST");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("hostonly.example", g_s.host);
    assert_string_equal("dapi-env", g_s.token);
    assert_int_equal(CLI_FROM_ENV, g_s.token_from);
    env_set(&e, "DATABRICKS_HOST", "env.example");
    /* Flags still beat the profile. */
    f.profile = "dev";
    f.host = "flag.example";
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("flag.example", g_s.host);
    assert_string_equal("dapi-flag", g_s.token);
    /* DATABRICKS_CONFIG_PROFILE names a profile but does not outrank the
     * environment's host (only -p does). */
    memset(&f, 0, sizeof f);
    env_with_file(&e, PROFILES);
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "hostonly");
    env_set(&e, "DATABRICKS_HOST", "env.example");
    env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("env.example", g_s.host);
    assert_string_equal("dapi-env", g_s.token);
}

/* The workspace id, from each source in turn: --workspace-id, then (a -p
 * profile first) DATABRICKS_WORKSPACE_ID, then the profile's workspace_id,
 * then ?o= or ?w= in the host URL; anything but digits is refused with its
 * origin, before a request could carry it. */
static void test_workspace_id_sources(void **state)
{
    static const char files[] = "[DEFAULT]\nhost = https://default.example/?o=111\ntoken = dapi-default\n"
                                "[ws]\nhost = ws.example\ntoken = dapi-ws\nworkspace_id = 222\n"
                                "[bad]\nhost = bad.example\ntoken = dapi-bad\nworkspace_id = 22 2\n";
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);

    env_with_file(&e, files);
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("default.example", g_s.host);
    assert_string_equal("111", g_s.workspace_id);
    assert_int_equal(CLI_FROM_HOST_URL, g_s.workspace_id_from);
    env_set(&e, "DATABRICKS_WORKSPACE_ID", "333");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("333", g_s.workspace_id);
    assert_int_equal(CLI_FROM_ENV, g_s.workspace_id_from);
    f.workspace_id = " 444 ";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("444", g_s.workspace_id);
    assert_int_equal(CLI_FROM_FLAG, g_s.workspace_id_from);
    f.workspace_id = NULL;

    /* -p: the profile's own id beats the exported one */
    f.profile = "ws";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("222", g_s.workspace_id);
    assert_int_equal(CLI_FROM_PROFILE, g_s.workspace_id_from);
    /* ... which, without -p, only fills a gap */
    f.profile = NULL;
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "ws");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("333", g_s.workspace_id);
    env_unset(&e, "DATABRICKS_WORKSPACE_ID");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("222", g_s.workspace_id);
    env_unset(&e, "DATABRICKS_CONFIG_PROFILE");

    /* none at all */
    memset(&e, 0, sizeof e);
    f.host = "plain.example";
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("", g_s.workspace_id);
    assert_int_equal(CLI_FROM_NONE, g_s.workspace_id_from);
    f.host = "https://spog.example/?w=555&x=1#frag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("555", g_s.workspace_id);

    /* refused, each naming where it came from */
    f.workspace_id = "12\r\nX-Evil: 1";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the workspace id from --workspace-id must be 1 to 19 digits");
    f.workspace_id = "12345678901234567890";
    assert_int_equal(-1, resolve(&f, &e));
    f.workspace_id = NULL;
    env_set(&e, "DATABRICKS_WORKSPACE_ID", "-5");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "from DATABRICKS_WORKSPACE_ID");
    env_unset(&e, "DATABRICKS_WORKSPACE_ID");
    f.host = "https://spog.example/?o=1x";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the workspace id in ?o= must be 1 to 19 digits (from --host)");
    f.host = "https://spog.example/?o=1&w=2";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "name different workspaces");
    f.host = "https://spog.example/?o=1&w=1";
    assert_int_equal(0, resolve(&f, &e));
    f.host = NULL;
    f.token = NULL;
    env_with_file(&e, files);
    f.profile = "bad";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the workspace id from profile 'bad' in");
}

/* A profile named but empty is "not configured", as the SDKs say; one whose
 * auth_type is not a personal access token is refused by name, unless a
 * --token says what to send. */
static void test_profile_empty_or_other_auth(void **state)
{
    static const char files[] = "[empty]\n# nothing here\n[other]\nunknown_key = 1\n"
                                "[cli]\nhost = cli.example\nauth_type = databricks-cli\n"
                                "[m2m]\nhost = m2m.example\nauth_type = oauth-m2m\nclient_id = x\n"
                                "[pat]\nhost = pat.example\ntoken = dapi-pat\nauth_type = PAT\n"
                                "[mixed]\nhost = mixed.example\ntoken = dapi-mixed\nauth_type = azure-cli\n";
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, files);

    f.profile = "empty";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "has no empty profile configured");
    /* a key dbtok does not read still configures the profile */
    f.profile = "other";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "no token");
    f.profile = "cli";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'cli' in ");
    assert_contains(g_err, "has auth_type 'databricks-cli', which dbtok does not support");
    /* oauth-m2m is supported, and asks for its pair */
    f.profile = "m2m";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the client secret is missing");
    /* its token is not sent either, nor an exported one in its place */
    f.profile = "mixed";
    assert_int_equal(-1, resolve(&f, &e));
    env_set(&e, "DATABRICKS_TOKEN", "dapi-env");
    f.profile = "cli";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "auth_type 'databricks-cli'");
    /* a token on the command line is what the user asks to send */
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("cli.example", g_s.host);
    assert_string_equal("dapi-flag", g_s.token);
    f.token = NULL;
    f.profile = "pat";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-pat", g_s.token);
}

/* ?o= and ?w= among other parameters, and what is not a query. */
static void test_host_workspace_id(void **state)
{
    static const struct {
        const char *url;
        const char *id; /* NULL: refused */
    } cases[] = {
        {"x.example", ""},
        {"https://x.example/?o=123", "123"},
        {"https://x.example?o=123", "123"},
        {"https://x.example/path?a=1&o=77&b=2", "77"},
        {"https://x.example/?w=9", "9"},
        {"https://x.example/?oo=1&ow=2", ""},
        {"https://x.example/#?o=5", ""},
        {"https://x.example/?o=5#?o=6", "5"},
        {"https://x.example/?o=", NULL},
        {"https://x.example/?o=a", NULL},
        {"https://x.example/?o=1%0d%0a", NULL},
        {"https://x.example/?o=1&w=2", NULL},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char id[DBTOK_MAX_WORKSPACE_ID_LEN + 1];
        char err[512];
        int rc = cli_host_workspace_id(cases[i].url, id, sizeof id, err, sizeof err);
        if (cases[i].id == NULL ? rc != -1 : rc != 0 || strcmp(id, cases[i].id) != 0) {
            fail_msg("%s: rc %d, id '%s'", cases[i].url, rc, rc == 0 ? id : err);
        }
    }
}

static void test_profile_token_only_with_its_host(void **state)
{
    static const char text[] = "[dev]\nhost = dev.example:8443\ntoken = dapi-dev\n"
                               "[tokenonly]\ntoken = dapi-tokenonly\n"
                               "[badhost]\nhost = http://plain.example\ntoken = dapi-bad\n";
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);

    /* -p with another host on the command line: refused, nothing resolved. */
    env_with_file(&e, text);
    f.profile = "dev";
    f.host = "other.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev'");
    assert_contains(g_err, "other.example");
    assert_contains(g_err, "--host");
    assert_null(strstr(g_err, "dapi-dev"));
    /* The same host after normalisation is that profile's host. */
    f.host = "HTTPS://Dev.Example:8443/some/path?o=1";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-dev", g_s.token);
    assert_string_equal("dev.example", g_s.host);
    /* Another port is another host. */
    f.host = "dev.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev'");
    /* A token given for this run goes where this run says. */
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-flag", g_s.token);
    assert_string_equal("dev.example", g_s.host);
    assert_int_equal(443, g_s.port);

    /* A profile with a token but no host: its token goes nowhere else. */
    f.token = NULL;
    f.profile = "tokenonly";
    f.host = "h.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'tokenonly'");
    f.host = NULL;
    env_set(&e, "DATABRICKS_HOST", "h.example");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_HOST");

    /* A profile named by the environment: its token is not paired with the
     * environment's (or the command line's) host either. */
    memset(&f, 0, sizeof f);
    env_with_file(&e, text);
    env_set(&e, "DATABRICKS_CONFIG_PROFILE", "dev");
    env_set(&e, "DATABRICKS_HOST", "other.example");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev'");
    e.n--;
    f.host = "other.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "profile 'dev'");

    /* A profile host that is not a valid URL is reported as such. */
    memset(&f, 0, sizeof f);
    env_with_file(&e, text);
    f.profile = "badhost";
    f.host = "h.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "TLS only");
}

/* ---- files that are not regular files (issue 10) ------------------------- */

/* Reading a FIFO blocked: the test failed (and would otherwise hang). */
static void on_alarm(int sig)
{
    static const char msg[] = "test_cli_config: blocked on a FIFO\n";
    (void)sig;
    (void)write(2, msg, sizeof msg - 1);
    _exit(1);
}

static void test_read_file_refuses_non_regular(void **state)
{
    static char buf[64];
    char fifo[128];
    size_t len = 99;
    (void)state;
    (void)signal(SIGALRM, on_alarm);
    (void)snprintf(fifo, sizeof fifo, "%s/fifo", g_dir);
    assert_int_equal(0, mkfifo(fifo, 0600));
    (void)alarm(5);
    assert_int_equal(CLI_FILE_NOT_REGULAR, cli_read_file(fifo, buf, sizeof buf, &len));
    assert_int_equal(CLI_FILE_NOT_REGULAR, cli_read_file(g_dir, buf, sizeof buf, &len));
    assert_int_equal(CLI_FILE_NOT_REGULAR, cli_read_file("/dev/zero", buf, sizeof buf, &len));
    /* /dev/null is the usual way to say "no file": it reads as empty. */
    assert_int_equal(CLI_FILE_OK, cli_read_file("/dev/null", buf, sizeof buf, &len));
    assert_int_equal(0, len);
    assert_int_equal(CLI_FILE_MISSING, cli_read_file("/nonexistent/dbtok", buf, sizeof buf, &len));
    write_file(g_cfg_path, "0123456789");
    assert_int_equal(CLI_FILE_OK, cli_read_file(g_cfg_path, buf, sizeof buf, &len));
    assert_int_equal(10, len);
    assert_memory_equal("0123456789", buf, 10);
    assert_int_equal(CLI_FILE_TOO_BIG, cli_read_file(g_cfg_path, buf, 9, &len));
    assert_int_equal(CLI_FILE_OK, cli_read_file(g_cfg_path, buf, 10, &len));

    /* The config file as a FIFO: refused, naming it, without blocking. */
    {
        fake_env e;
        cli_flags f;
        memset(&f, 0, sizeof f);
        memset(&e, 0, sizeof e);
        env_set(&e, "DATABRICKS_CONFIG_FILE", fifo);
        assert_int_equal(-1, resolve(&f, &e));
        assert_contains(g_err, fifo);
        assert_contains(g_err, "not a regular file");
        /* /dev/null as the config file is an empty one. */
        e.value[0] = "/dev/null";
        env_set(&e, "DATABRICKS_HOST", "h.example");
        env_set(&e, "DATABRICKS_TOKEN", "t");
        f.profile = "p";
        assert_int_equal(-1, resolve(&f, &e));
        assert_contains(g_err, "/dev/null has no p profile configured");
    }
    (void)alarm(0);
    (void)unlink(fifo);
}

static void test_wipe(void **state)
{
    cli_settings s;
    size_t i;
    const unsigned char *p = (const unsigned char *)&s;
    (void)state;
    memset(&s, 0x5a, sizeof s);
    cli_settings_wipe(&s);
    for (i = 0; i < sizeof s; i++) {
        assert_int_equal(0, p[i]);
    }
}

/* OAuth machine-to-machine: the pair from one source by the one precedence,
 * a token winning when both are at hand unless auth_type says oauth-m2m, and
 * a profile's secret sent only to its own host. */
static void test_oauth_client_credentials(void **state)
{
    static const char files[] = "[m2m]\nhost = m2m.example\nclient_id = sp-1\nclient_secret = dose-1\n"
                                "[both]\nhost = both.example\ntoken = dapi-both\nclient_id = sp-2\n"
                                "client_secret = dose-2\n"
                                "[forced]\nhost = forced.example\ntoken = dapi-forced\nauth_type = oauth-m2m\n"
                                "client_id = sp-3\nclient_secret = dose-3\n"
                                "[half]\nhost = half.example\nclient_id = sp-4\n";
    fake_env e;
    cli_flags f;
    (void)state;
    memset(&f, 0, sizeof f);
    env_with_file(&e, files);

    f.profile = "m2m";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("m2m.example", g_s.host);
    assert_string_equal("sp-1", g_s.client_id);
    assert_string_equal("dose-1", g_s.client_secret);
    assert_string_equal("", g_s.token);
    assert_int_equal(g_s.secret_from, CLI_FROM_PROFILE);
    /* a token wins, as in the SDKs' default chain... */
    f.profile = "both";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-both", g_s.token);
    assert_int_equal(g_s.secret_from, CLI_FROM_NONE);
    /* ...unless auth_type says oauth-m2m; then only --token wins over it */
    f.profile = "forced";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("sp-3", g_s.client_id);
    assert_string_equal("", g_s.token);
    f.token = "dapi-flag";
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("dapi-flag", g_s.token);
    assert_int_equal(g_s.secret_from, CLI_FROM_NONE);
    f.token = NULL;
    /* half a pair, or a pair from two places, is refused */
    f.profile = "half";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the client secret is missing");
    env_set(&e, "DATABRICKS_CLIENT_SECRET", "dose-env");
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "come from different places");
    /* the environment's pair, with DATABRICKS_HOST */
    f.profile = NULL;
    env_set(&e, "DATABRICKS_HOST", "https://env.example");
    env_set(&e, "DATABRICKS_CLIENT_ID", "sp-env");
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("env.example", g_s.host);
    assert_string_equal("sp-env", g_s.client_id);
    assert_string_equal("dose-env", g_s.client_secret);
    assert_int_equal(g_s.secret_from, CLI_FROM_ENV);
    /* ...whose secret is not sent to another host */
    f.host = "https://other.example";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "DATABRICKS_CLIENT_SECRET is sent only to DATABRICKS_HOST");
    /* a profile's secret goes to its own host only */
    f.profile = "m2m";
    assert_int_equal(-1, resolve(&f, &e));
    assert_contains(g_err, "the client secret of profile 'm2m'");
    f.host = NULL;
    assert_int_equal(0, resolve(&f, &e));
    assert_string_equal("m2m.example", g_s.host);
    assert_string_equal("dose-1", g_s.client_secret);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ini_sections_and_keys),
        cmocka_unit_test(test_ini_comments),
        cmocka_unit_test(test_ini_whitespace_quotes_separators),
        cmocka_unit_test(test_ini_last_wins_and_repeated_sections),
        cmocka_unit_test(test_ini_crlf_bom_and_no_final_newline),
        cmocka_unit_test(test_ini_keys_before_any_header_are_default),
        cmocka_unit_test(test_ini_syntax_errors),
        cmocka_unit_test(test_ini_value_too_long),
        cmocka_unit_test(test_host_valid),
        cmocka_unit_test(test_host_invalid),
        cmocka_unit_test(test_host_length_limit),
        cmocka_unit_test_setup_teardown(test_flags_beat_env_beat_profile, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_profile_choice, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_per_key_mix, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_missing_profile_and_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_home_and_tilde, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_file_read_only_when_needed, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_empty_env_is_unset_and_values_trimmed, make_dir,
                                        remove_dir),
        cmocka_unit_test_setup_teardown(test_bad_host_names_its_origin, make_dir, remove_dir),
        cmocka_unit_test(test_output_and_ca_file),
        cmocka_unit_test(test_proxy_sources),
        cmocka_unit_test(test_proxy_no_proxy),
        cmocka_unit_test(test_proxy_bad_url_names_its_origin),
        cmocka_unit_test_setup_teardown(test_unreadable_or_large_file, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_host_given_skips_default_profile, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_profile_flag_beats_environment, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_profile_token_only_with_its_host, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_workspace_id_sources, make_dir, remove_dir),
        cmocka_unit_test(test_host_workspace_id),
        cmocka_unit_test_setup_teardown(test_profile_empty_or_other_auth, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_oauth_client_credentials, make_dir, remove_dir),
        cmocka_unit_test_setup_teardown(test_read_file_refuses_non_regular, make_dir, remove_dir),
        cmocka_unit_test(test_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
