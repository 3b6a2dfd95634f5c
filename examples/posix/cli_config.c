/*
 * Settings resolution for the dbtok tool: flags, then environment, then a
 * profile file, with the Databricks CLI's conventions (see cli_config.h).
 *
 * Heap: none. The profile file is read with open()/read() into a static
 * buffer (the tool is single-threaded, and 64 KiB on the stack would be a
 * poor neighbour for mbedTLS); every resolved value is copied into the
 * caller's cli_settings.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbtok/dbtok_types.h"
#include "dbtok_posix.h"

static char g_file_buf[CLI_CONFIG_FILE_MAX];

/* ---- small string helpers ------------------------------------------------ */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Trim whitespace from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1])) {
        (*n)--;
    }
}

static bool span_equals(const char *s, size_t n, const char *z)
{
    return strlen(z) == n && memcmp(s, z, n) == 0;
}

static bool span_equals_nocase(const char *s, size_t n, const char *z)
{
    size_t i;
    if (strlen(z) != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (to_lower(s[i]) != to_lower(z[i])) {
            return false;
        }
    }
    return true;
}

/* Copy n bytes and a NUL; -1 when they do not fit (dst left empty). */
static int copy_span(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0) {
        return -1;
    }
    if (n >= cap) {
        dst[0] = '\0';
        return -1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || cap == 0) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

/* ---- INI ----------------------------------------------------------------- */

/* Cut an inline comment (whitespace then `#` or `;`) and surrounding quotes. */
static void ini_value(const char **v, size_t *n)
{
    size_t i;
    for (i = 1; i < *n; i++) {
        if (((*v)[i] == '#' || (*v)[i] == ';') && ((*v)[i - 1] == ' ' || (*v)[i - 1] == '\t')) {
            *n = i;
            break;
        }
    }
    trim(v, n);
    if (*n >= 2 && ((*v)[0] == '"' || (*v)[0] == '\'') && (*v)[*n - 1] == (*v)[0]) {
        (*v)++;
        *n -= 2;
    }
}

typedef enum { INI_BLANK, INI_SECTION, INI_KEY, INI_BAD } ini_kind;

/* One line, classified: for INI_SECTION name is the section name, for
 * INI_KEY name is the key and value the value (comment and quotes removed). */
typedef struct {
    const char *name, *value;
    size_t name_len, value_len;
} ini_line;

static ini_kind ini_classify(const char *s, size_t n, ini_line *out)
{
    size_t k = 0;
    if (memchr(s, '\0', n) != NULL) {
        return INI_BAD;
    }
    trim(&s, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';') {
        return INI_BLANK;
    }
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        const char *rest;
        size_t rest_len;
        if (close == NULL) {
            return INI_BAD;
        }
        out->name = s + 1;
        out->name_len = (size_t)(close - out->name);
        rest = close + 1;
        rest_len = n - (size_t)(rest - s);
        trim(&out->name, &out->name_len);
        trim(&rest, &rest_len);
        if (out->name_len == 0 || (rest_len > 0 && rest[0] != '#' && rest[0] != ';')) {
            return INI_BAD;
        }
        return INI_SECTION;
    }
    while (k < n && s[k] != '=' && s[k] != ':') {
        k++;
    }
    if (k == n) {
        return INI_BAD;
    }
    out->name = s;
    out->name_len = k;
    trim(&out->name, &out->name_len);
    out->value = s + k + 1;
    out->value_len = n - k - 1;
    trim(&out->value, &out->value_len);
    ini_value(&out->value, &out->value_len);
    return out->name_len == 0 ? INI_BAD : INI_KEY;
}

cli_ini_result cli_ini_get(const char *text, size_t len, const char *section, const char *key,
                           char *value, size_t cap, unsigned *line)
{
    size_t pos = 0;
    unsigned lineno = 0;
    /* Key lines before any header belong to DEFAULT (as the Go SDK's INI
     * reader has it), so DEFAULT "exists" only once such a line appears. */
    bool in_section = strcmp(section, "DEFAULT") == 0;
    bool section_seen = false;
    bool found = false;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3; /* UTF-8 byte-order mark, as some Windows editors write */
    }
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
        ini_line l;
        ini_kind kind = ini_classify(s, n, &l);
        pos += n + 1;
        lineno++;
        if (line != NULL) {
            *line = lineno;
        }
        if (kind == INI_BAD) {
            return CLI_INI_SYNTAX;
        }
        if (kind == INI_SECTION) {
            in_section = span_equals(l.name, l.name_len, section);
            section_seen = section_seen || in_section;
        } else if (kind == INI_KEY && in_section) {
            section_seen = true;
            if (span_equals_nocase(l.name, l.name_len, key)) {
                if (copy_span(value, cap, l.value, l.value_len) != 0) {
                    return CLI_INI_TOO_LONG;
                }
                found = true; /* keep going: the last occurrence wins */
            }
        }
    }
    return found ? CLI_INI_FOUND : section_seen ? CLI_INI_NO_KEY : CLI_INI_NO_SECTION;
}

/* ---- host URL ------------------------------------------------------------ */

/* Decimal 1..65535 over [s, s + n); n == 0 is refused. */
static int parse_port(const char *s, size_t n, uint16_t *port)
{
    uint32_t v = 0;
    size_t i;
    if (n == 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10u + (uint32_t)(s[i] - '0');
        if (v > 65535u) {
            return -1;
        }
    }
    if (v == 0) {
        return -1;
    }
    *port = (uint16_t)v;
    return 0;
}

int cli_parse_host(const char *url, char *host, size_t host_cap, uint16_t *port, char *err,
                   size_t err_cap)
{
    const char *s = url;
    const char *sep;
    const char *name;
    const char *port_s = NULL;
    size_t auth_len, name_len, port_len = 0, i;
    bool ipv6 = false;

    if (url == NULL || url[0] == '\0') {
        set_err(err, err_cap, "empty host");
        return -1;
    }
    for (i = 0; url[i] != '\0'; i++) {
        if ((unsigned char)url[i] <= 0x20u || (unsigned char)url[i] == 0x7fu) {
            set_err(err, err_cap, "invalid host '%s': spaces or control characters", url);
            return -1;
        }
    }
    sep = strstr(s, "://");
    if (sep != NULL) {
        size_t scheme_len = (size_t)(sep - s);
        if (span_equals_nocase(s, scheme_len, "http")) {
            set_err(err, err_cap, "invalid host '%s': http:// is refused, dbtok speaks TLS only "
                                  "(use https://)", url);
            return -1;
        }
        if (!span_equals_nocase(s, scheme_len, "https")) {
            set_err(err, err_cap, "invalid host '%s': unsupported scheme (use https://)", url);
            return -1;
        }
        s = sep + 3;
    }
    /* The authority ends at the path, the query or the fragment. */
    auth_len = strcspn(s, "/?#");
    if (memchr(s, '@', auth_len) != NULL) {
        set_err(err, err_cap, "invalid host '%s': user information (user@) is not allowed", url);
        return -1;
    }
    if (auth_len == 0) {
        set_err(err, err_cap, "invalid host '%s': no host name", url);
        return -1;
    }
    name = s;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', auth_len);
        if (close == NULL) {
            set_err(err, err_cap, "invalid host '%s': unterminated IPv6 literal", url);
            return -1;
        }
        name = s + 1;
        name_len = (size_t)(close - name);
        ipv6 = true;
        if ((size_t)(close + 1 - s) < auth_len) {
            if (close[1] != ':') {
                set_err(err, err_cap, "invalid host '%s': junk after the IPv6 literal", url);
                return -1;
            }
            port_s = close + 2;
            port_len = auth_len - (size_t)(port_s - s);
        }
    } else {
        const char *colon = memchr(s, ':', auth_len);
        name_len = auth_len;
        if (colon != NULL) {
            if (memchr(colon + 1, ':', auth_len - (size_t)(colon + 1 - s)) != NULL) {
                set_err(err, err_cap,
                        "invalid host '%s': an IPv6 address needs brackets, like [::1]:443",
                        url);
                return -1;
            }
            name_len = (size_t)(colon - s);
            port_s = colon + 1;
            port_len = auth_len - name_len - 1;
        }
    }
    if (name_len == 0) {
        set_err(err, err_cap, "invalid host '%s': no host name", url);
        return -1;
    }
    if (name_len > DBTOK_MAX_HOST_LEN || name_len >= host_cap) {
        set_err(err, err_cap, "invalid host '%s': host name too long", url);
        return -1;
    }
    /* The library's own rule. An IPv6 literal is checked with its brackets,
     * so that what they hold must be an IPv6 address and not a name. */
    if ((ipv6 ? dbtok_config_check_host(name - 1, name_len + 2) : dbtok_config_check_host(name, name_len)) !=
        DBTOK_OK) {
        set_err(err, err_cap, ipv6 ? "invalid host '%s': not an IPv6 address inside [ ]"
                                   : "invalid host '%s': character not allowed in a host name",
                url);
        return -1;
    }
    *port = 443;
    if (port_s != NULL && parse_port(port_s, port_len, port) != 0) {
        set_err(err, err_cap, "invalid host '%s': the port must be a number from 1 to 65535",
                url);
        return -1;
    }
    for (i = 0; i < name_len; i++) {
        host[i] = to_lower(name[i]);
    }
    host[name_len] = '\0';
    return 0;
}

/* ---- resolution ---------------------------------------------------------- */

static const char *env_get(const cli_env *env, const char *name)
{
    const char *v = NULL;
    if (env != NULL && env->get != NULL) {
        v = env->get(env->user, name);
    }
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

/* Whether the open descriptor's file is /dev/null (by device number, so a
 * symbolic link to it counts too). */
static bool is_dev_null(const struct stat *st)
{
    struct stat null_st;
    return S_ISCHR(st->st_mode) && stat("/dev/null", &null_st) == 0 && S_ISCHR(null_st.st_mode) &&
           null_st.st_rdev == st->st_rdev;
}

cli_file_result cli_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    struct stat st;
    size_t fill = 0;
    int fd, saved, flags;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return (errno == ENOENT || errno == ENOTDIR) ? CLI_FILE_MISSING : CLI_FILE_UNREADABLE;
    }
    if (fstat(fd, &st) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return CLI_FILE_UNREADABLE;
    }
    if (!S_ISREG(st.st_mode)) {
        bool empty = is_dev_null(&st);
        (void)close(fd);
        if (empty) {
            *len = 0;
            return CLI_FILE_OK;
        }
        return CLI_FILE_NOT_REGULAR;
    }
    /* A regular file never blocks, but some file systems would still answer
     * EAGAIN with O_NONBLOCK set; the read loop below expects blocking reads. */
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    for (;;) {
        ssize_t got;
        if (fill == cap) {
            char probe;
            do {
                got = read(fd, &probe, 1);
            } while (got < 0 && errno == EINTR);
            (void)close(fd);
            if (got == 0) {
                *len = fill;
                return CLI_FILE_OK;
            }
            return CLI_FILE_TOO_BIG;
        }
        got = read(fd, buf + fill, cap - fill);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            saved = errno;
            (void)close(fd);
            errno = saved;
            return CLI_FILE_UNREADABLE;
        }
        if (got == 0) {
            break;
        }
        fill += (size_t)got;
    }
    (void)close(fd);
    *len = fill;
    return CLI_FILE_OK;
}

/* Copy a flag or environment value with surrounding whitespace trimmed (a
 * pasted token often carries a newline). */
static int copy_trimmed(char *dst, size_t cap, const char *src)
{
    const char *s = src;
    size_t n = strlen(src);
    trim(&s, &n);
    return copy_span(dst, cap, s, n);
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
        set_err(err, err_cap, "config file path too long");
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
        set_err(err, err_cap, "%s line %s: expected [section], key = value or a comment", path,
                num);
    } else {
        set_err(err, err_cap, "%s line %s: value too long", path, num);
    }
    return -1;
}

typedef struct {
    char host[CLI_PATH_MAX]; /* a URL with a path may be long; normalised later */
    char token[CLI_TOKEN_MAX];
    bool has_host, has_token;
} profile_values;

static profile_values g_profile; /* static: holds a token, wiped after use */

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

void cli_settings_wipe(cli_settings *s)
{
    wipe(s, sizeof *s);
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
            set_err(err, err_cap, "profile '%s' requested but there is no config file (set "
                                  "DATABRICKS_CONFIG_FILE or HOME)", explicit_profile);
            return -1;
        }
        return 0;
    }
    rc = (int)cli_read_file(out->config_file, g_file_buf, sizeof g_file_buf, &len);
    if (rc == CLI_FILE_MISSING) {
        if (named) {
            set_err(err, err_cap, "profile '%s' requested but config file %s does not exist",
                    explicit_profile, out->config_file);
            return -1;
        }
        out->config_file[0] = '\0';
        return 0;
    }
    if (rc == CLI_FILE_UNREADABLE) {
        set_err(err, err_cap, "cannot read config file %s: %s", out->config_file,
                strerror(errno));
        return -1;
    }
    if (rc == CLI_FILE_NOT_REGULAR) {
        set_err(err, err_cap, "cannot read config file %s: not a regular file (a FIFO, device "
                              "or folder)", out->config_file);
        return -1;
    }
    if (rc == CLI_FILE_TOO_BIG) {
        set_err(err, err_cap, "config file %s is too large (more than %u KiB)", out->config_file,
                CLI_CONFIG_FILE_MAX / 1024u);
        return -1;
    }

    if (named) {
        rc = copy_span(out->profile, sizeof out->profile, explicit_profile,
                       strlen(explicit_profile));
    } else {
        r = cli_ini_get(g_file_buf, len, "__settings__", "default_profile", out->profile,
                        sizeof out->profile, &line);
        if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
            return ini_fail(r, line, out->config_file, err, err_cap);
        }
        /* A default_profile that names nothing is a mistake worth reporting. */
        named = r == CLI_INI_FOUND && out->profile[0] != '\0';
        rc = named ? 0 : copy_span(out->profile, sizeof out->profile, "DEFAULT", 7);
    }
    if (rc != 0) {
        set_err(err, err_cap, "profile name too long");
        return -1;
    }

    r = cli_ini_get(g_file_buf, len, out->profile, "host", g_profile.host, sizeof g_profile.host,
                    &line);
    if (r == CLI_INI_SYNTAX || r == CLI_INI_TOO_LONG) {
        return ini_fail(r, line, out->config_file, err, err_cap);
    }
    if (r == CLI_INI_NO_SECTION) {
        if (named) {
            set_err(err, err_cap, "profile '%s' not found in %s", out->profile, out->config_file);
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
    return 0;
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
    if (span_equals_nocase(v, strlen(v), "text")) {
        out->output = CLI_OUTPUT_TEXT;
    } else if (span_equals_nocase(v, strlen(v), "json")) {
        out->output = CLI_OUTPUT_JSON;
    } else {
        set_err(err, err_cap, "%s must be text or json, not '%s'", name, v);
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
    if (copy_span(out->ca_file, sizeof out->ca_file, v, strlen(v)) != 0) {
        set_err(err, err_cap, "CA file path too long");
        return -1;
    }
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

/* "host" or "host:port", IPv6 literals bracketed, for messages. */
static void host_text(const char *host, uint16_t port, char *buf, size_t cap)
{
    bool v6 = strchr(host, ':') != NULL;
    if (port == 443) {
        (void)snprintf(buf, cap, v6 ? "[%s]" : "%s", host);
    } else {
        (void)snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    }
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
    char origin[CLI_PATH_MAX + CLI_PROFILE_MAX + 32];
    char host_err[512];
    char mine[CLI_HOST_MAX + 16], theirs[CLI_HOST_MAX + 16];
    char profile_host[CLI_HOST_MAX];
    static char url[CLI_PATH_MAX]; /* static: keeps a 4 KiB copy off the stack */
    uint16_t profile_port = 0;

    if (out->token_from != CLI_FROM_PROFILE || out->host_from == CLI_FROM_PROFILE) {
        return 0;
    }
    host_text(out->host, out->port, theirs, sizeof theirs);
    if (!g_profile.has_host) {
        set_err(err, err_cap, "profile '%s' in %s has a token but no host, and its token is only "
                              "sent to its own host, not to %s (from %s): add a host to the "
                              "profile, or give --token", out->profile, out->config_file, theirs,
                cli_source_name(out->host_from, 'h'));
        return -1;
    }
    describe(CLI_FROM_PROFILE, 'h', out, origin, sizeof origin);
    if (copy_trimmed(url, sizeof url, g_profile.host) != 0) {
        set_err(err, err_cap, "the host from %s is too long", origin);
        return -1;
    }
    if (cli_parse_host(url, profile_host, sizeof profile_host, &profile_port, host_err,
                       sizeof host_err) != 0) {
        set_err(err, err_cap, "%s (from %s)", host_err, origin);
        return -1;
    }
    if (strcmp(profile_host, out->host) != 0 || profile_port != out->port) {
        host_text(profile_host, profile_port, mine, sizeof mine);
        set_err(err, err_cap, "the token of profile '%s' in %s is only sent to its own host %s, "
                              "not to %s (from %s): give --token, or leave out %s",
                out->profile, out->config_file, mine, theirs,
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

    if (out->token_from != CLI_FROM_ENV || env_host == NULL || out->host_from == CLI_FROM_ENV) {
        return 0;
    }
    if (copy_trimmed(url, sizeof url, env_host) != 0 ||
        cli_parse_host(url, env_name, sizeof env_name, &env_port, host_err, sizeof host_err) != 0) {
        set_err(err, err_cap, "DATABRICKS_HOST is not a valid host, and DATABRICKS_TOKEN goes with it only");
        return -1;
    }
    if (strcmp(env_name, out->host) != 0 || env_port != out->port) {
        host_text(env_name, env_port, mine, sizeof mine);
        host_text(out->host, out->port, theirs, sizeof theirs);
        set_err(err, err_cap, "DATABRICKS_TOKEN is sent only to DATABRICKS_HOST (%s), not to %s "
                              "(from %s): give --token, or unset DATABRICKS_HOST",
                mine, theirs, cli_source_name(out->host_from, 'h'));
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
    const char *host = NULL;
    const char *token = NULL;
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

    out->host_from = CLI_FROM_NONE;
    if (flags->host != NULL) {
        host = flags->host;
        out->host_from = CLI_FROM_FLAG;
    } else if (profile_wins && g_profile.has_host) {
        host = g_profile.host;
        out->host_from = CLI_FROM_PROFILE;
    } else if (env_host != NULL) {
        host = env_host;
        out->host_from = CLI_FROM_ENV;
    } else if (g_profile.has_host) {
        host = g_profile.host;
        out->host_from = CLI_FROM_PROFILE;
    }
    out->token_from = CLI_FROM_NONE;
    if (flags->token != NULL) {
        token = flags->token;
        out->token_from = CLI_FROM_FLAG;
    } else if (profile_wins && g_profile.has_token) {
        token = g_profile.token;
        out->token_from = CLI_FROM_PROFILE;
    } else if (env_token != NULL) {
        token = env_token;
        out->token_from = CLI_FROM_ENV;
    } else if (g_profile.has_token) {
        token = g_profile.token;
        out->token_from = CLI_FROM_PROFILE;
    }

    if (token == NULL && host == NULL) {
        set_err(err, err_cap, "no token: set --token, DATABRICKS_TOKEN or a profile; "
                              "no host: set --host, DATABRICKS_HOST or a profile");
        return -1;
    }
    if (token == NULL && profile == NULL && host_given) {
        set_err(err, err_cap, "no token for %s (from %s): set --token or DATABRICKS_TOKEN, or name "
                              "a profile with -p; the default profile's token is not sent to a "
                              "host given by --host or DATABRICKS_HOST",
                host, cli_source_name(out->host_from, 'h'));
        return -1;
    }
    if (token == NULL) {
        set_err(err, err_cap, "no token: set --token, DATABRICKS_TOKEN or a profile");
        return -1;
    }
    /* The token first: whatever fails after this, the caller can mask it out
     * of the message it prints. */
    if (copy_trimmed(out->token, sizeof out->token, token) != 0 ||
        dbtok_config_check_token(out->token, strlen(out->token)) != DBTOK_OK) {
        describe(out->token_from, 't', out, origin, sizeof origin);
        set_err(err, err_cap, "the token from %s is empty, too long or holds a character other than "
                              "visible ASCII (a space, a control character)", origin);
        return -1;
    }
    if (host == NULL) {
        set_err(err, err_cap, "no host: set --host, DATABRICKS_HOST or a profile");
        return -1;
    }
    describe(out->host_from, 'h', out, origin, sizeof origin);
    if (copy_trimmed(url, sizeof url, host) != 0) {
        set_err(err, err_cap, "the host from %s is too long", origin);
        return -1;
    }
    if (cli_parse_host(url, out->host, sizeof out->host, &out->port, host_err,
                       sizeof host_err) != 0) {
        set_err(err, err_cap, "%s (from %s)", host_err, origin);
        return -1;
    }
    if (check_env_pairing(out, env_host, err, err_cap) != 0) {
        return -1;
    }
    return check_profile_pairing(out, err, err_cap);
}

int cli_resolve(const cli_flags *flags, const cli_env *env, cli_settings *out, char *err,
                size_t err_cap)
{
    int rc;
    wipe(out, sizeof *out);
    wipe(&g_profile, sizeof g_profile);
    if (err != NULL && err_cap > 0) {
        err[0] = '\0';
    }
    rc = resolve_body(flags, env, out, err, err_cap);
    /* The file and the profile copy may hold a token: keep it in one place. */
    wipe(&g_profile, sizeof g_profile);
    wipe(g_file_buf, sizeof g_file_buf);
    return rc;
}

const char *cli_source_name(cli_source src, char what)
{
    switch (src) {
    case CLI_FROM_FLAG:
        return what == 'h' ? "--host" : what == 't' ? "--token" : what == 'c' ? "--ca-file"
                                                                               : "--output";
    case CLI_FROM_ENV:
        return what == 'h'   ? "DATABRICKS_HOST"
               : what == 't' ? "DATABRICKS_TOKEN"
               : what == 'c' ? "DBTOK_CA_FILE"
                             : "DATABRICKS_OUTPUT_FORMAT";
    case CLI_FROM_PROFILE:
        return "the profile";
    case CLI_FROM_DEFAULT:
        return "the default";
    case CLI_FROM_NONE:
    default:
        return "nowhere";
    }
}
