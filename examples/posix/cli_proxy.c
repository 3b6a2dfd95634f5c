/*
 * Proxy URL and NO_PROXY (see cli_proxy.h). The host part is cli_host.c's
 * rule, so a proxy host is checked as a workspace host is; what is the
 * proxy's own here is the scheme, the user information and the default port.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include <mbedtls/base64.h>

#include "cli_text.h"

/* The part of url after `scheme://`, and the scheme's length in *scheme_len
 * (0 when the URL has none). A scheme is a letter, then letters, digits, '+',
 * '-' or '.', as RFC 3986 says: "user:pass://..." has none, so a password
 * holding "://" is not taken for one. */
static const char *after_scheme(const char *url, size_t *scheme_len)
{
    const char *sep = strstr(url, "://");
    size_t i, n;
    *scheme_len = 0;
    if (sep == NULL || sep == url) {
        return url;
    }
    n = (size_t)(sep - url);
    for (i = 0; i < n; i++) {
        char c = cli_to_lower(url[i]);
        bool letter = c >= 'a' && c <= 'z';
        if (!letter && (i == 0 || !((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.'))) {
            return url;
        }
    }
    *scheme_len = n;
    return sep + 3;
}

void cli_proxy_display(const char *url, char *buf, size_t cap)
{
    size_t scheme_len;
    const char *rest = after_scheme(url, &scheme_len);
    const char *at = strrchr(rest, '@');
    if (at == NULL) {
        (void)snprintf(buf, cap, "%s", url);
    } else {
        (void)snprintf(buf, cap, "%.*s***%s", (int)(rest - url), url, at);
    }
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = cli_to_lower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

typedef enum { DECODE_OK, DECODE_BAD_ESCAPE, DECODE_BAD_BYTE, DECODE_TOO_LONG } decode_result;

/* Percent-decode src[0..n) into dst (cap bytes, NUL added); every decoded
 * byte must be printable ASCII, as the library takes proxy credentials. */
static decode_result decode_credential(const char *src, size_t n, char *dst, size_t cap, size_t *len)
{
    size_t i, out = 0;
    for (i = 0; i < n; i++) {
        int c = (unsigned char)src[i];
        if (c == '%') {
            int hi = i + 2 < n ? hex_value(src[i + 1]) : -1;
            int lo = i + 2 < n ? hex_value(src[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                return DECODE_BAD_ESCAPE;
            }
            c = hi * 16 + lo;
            i += 2;
        }
        if (c < 0x20 || c > 0x7e) {
            return DECODE_BAD_BYTE;
        }
        if (out + 1 >= cap) {
            return DECODE_TOO_LONG;
        }
        dst[out++] = (char)c;
    }
    dst[out] = '\0';
    *len = out;
    return DECODE_OK;
}

/* user[:password] into out; 0, or -1 with the reason in err. */
static int parse_userinfo(const char *info, size_t n, const char *shown, cli_proxy_url *out, char *err,
                          size_t err_cap)
{
    const char *colon = memchr(info, ':', n);
    size_t user_n = colon != NULL ? (size_t)(colon - info) : n;
    size_t user_len = 0, pass_len = 0;
    decode_result r;

    if (user_n == 0) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': the user name before ':' and '@' is empty", shown);
        return -1;
    }
    r = decode_credential(info, user_n, out->username, sizeof out->username, &user_len);
    if (r == DECODE_OK && colon != NULL) {
        r = decode_credential(colon + 1, n - user_n - 1, out->password, sizeof out->password, &pass_len);
    }
    if (r == DECODE_OK && strchr(out->username, ':') != NULL) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': the user name holds ':' (%%3A), which Basic "
                                  "credentials cannot carry", shown);
        return -1;
    }
    if (r == DECODE_OK && user_len + 1u + pass_len > DBTOK_MAX_PROXY_CREDENTIALS_LEN) {
        r = DECODE_TOO_LONG;
    }
    switch (r) {
    case DECODE_OK:
        return 0;
    case DECODE_BAD_ESCAPE:
        cli_set_err(err, err_cap, "invalid proxy URL '%s': a '%%' in the user name or password is not "
                                  "followed by two hex digits", shown);
        break;
    case DECODE_BAD_BYTE:
        cli_set_err(err, err_cap, "invalid proxy URL '%s': the user name or password, once percent-decoded, "
                                  "holds a control character or a byte outside printable ASCII", shown);
        break;
    case DECODE_TOO_LONG:
    default:
        cli_set_err(err, err_cap, "invalid proxy URL '%s': the user name and password are longer than %u "
                                  "bytes together", shown, (unsigned)DBTOK_MAX_PROXY_CREDENTIALS_LEN);
        break;
    }
    return -1;
}

int cli_parse_proxy_url(const char *url, cli_proxy_url *out, char *err, size_t err_cap)
{
    char shown[CLI_PROXY_DISPLAY_MAX];
    char host_err[512];
    char hostport[CLI_HOST_MAX + 16]; /* brackets, ':' and five digits beside the longest host */
    size_t scheme_len, auth_len, hp_len, i;
    const char *s = after_scheme(url, &scheme_len);
    const char *at = NULL;
    const char *hp;
    bool port_given;

    cli_wipe(out, sizeof *out);
    cli_proxy_display(url, shown, sizeof shown);
    if (url[0] == '\0') {
        cli_set_err(err, err_cap, "empty proxy URL");
        return -1;
    }
    for (i = 0; url[i] != '\0'; i++) {
        if ((unsigned char)url[i] <= 0x20u || (unsigned char)url[i] >= 0x7fu) {
            cli_set_err(err, err_cap, "invalid proxy URL '%s': spaces, control characters or non-ASCII bytes "
                                      "(percent-encode them in the user name or password)", shown);
            return -1;
        }
    }
    if (scheme_len > 0 && !cli_span_equals_nocase(url, scheme_len, "http")) {
        if (cli_span_equals_nocase(url, scheme_len, "https")) {
            cli_set_err(err, err_cap, "invalid proxy URL '%s': https:// proxies (TLS to the proxy) are not "
                                      "supported; use the proxy's http:// address (the tunnel to the "
                                      "workspace is TLS all the same)", shown);
        } else if (scheme_len >= 5 && cli_span_equals_nocase(url, 5, "socks")) {
            cli_set_err(err, err_cap, "invalid proxy URL '%s': SOCKS proxies are not supported, only HTTP "
                                      "proxies (http://HOST:PORT) that allow CONNECT", shown);
        } else {
            cli_set_err(err, err_cap, "invalid proxy URL '%s': unsupported scheme (use http://HOST:PORT)",
                        shown);
        }
        return -1;
    }
    /* The authority ends at the path, the query or the fragment; a proxy URL
     * may end with one '/' and has nothing else after its authority. */
    auth_len = strcspn(s, "/?#");
    if (!(s[auth_len] == '\0' || (s[auth_len] == '/' && s[auth_len + 1] == '\0'))) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': a path, query or fragment is not allowed (a '/', "
                                  "'?' or '#' in the password must be percent-encoded)", shown);
        return -1;
    }
    for (i = 0; i < auth_len; i++) {
        if (s[i] == '@') {
            at = s + i; /* the last one: a password may hold '@' */
        }
    }
    hp = at != NULL ? at + 1 : s;
    hp_len = auth_len - (size_t)(hp - s);
    if (at != NULL && parse_userinfo(s, (size_t)(at - s), shown, out, err, err_cap) != 0) {
        cli_wipe(out, sizeof *out);
        return -1;
    }
    if (hp_len == 0) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': no host name", shown);
        cli_wipe(out, sizeof *out);
        return -1;
    }
    if (hp_len >= sizeof hostport) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': host name too long", shown);
        cli_wipe(out, sizeof *out);
        return -1;
    }
    memcpy(hostport, hp, hp_len);
    hostport[hp_len] = '\0';
    if (hostport[0] == '[') {
        const char *close = strchr(hostport, ']');
        port_given = close != NULL && close[1] == ':';
    } else {
        port_given = strchr(hostport, ':') != NULL;
    }
    if (cli_parse_host(hostport, out->host, sizeof out->host, &out->port, host_err, sizeof host_err) != 0) {
        cli_set_err(err, err_cap, "invalid proxy URL '%s': %s", shown, host_err);
        cli_wipe(out, sizeof *out);
        return -1;
    }
    if (!port_given) {
        out->port = CLI_PROXY_DEFAULT_PORT;
    }
    return 0;
}

void cli_proxy_basic(const cli_proxy_url *p, char *buf, size_t cap)
{
    unsigned char pair[DBTOK_MAX_PROXY_CREDENTIALS_LEN + 2];
    size_t user_len = strlen(p->username), pass_len = strlen(p->password), written = 0;
    if (cap > 0) {
        buf[0] = '\0';
    }
    if (user_len == 0 || user_len + 1 + pass_len > DBTOK_MAX_PROXY_CREDENTIALS_LEN) {
        return;
    }
    memcpy(pair, p->username, user_len);
    pair[user_len] = ':';
    memcpy(pair + user_len + 1, p->password, pass_len);
    if (mbedtls_base64_encode((unsigned char *)buf, cap, &written, pair, user_len + 1 + pass_len) != 0 &&
        cap > 0) {
        buf[0] = '\0';
    }
    cli_wipe(pair, sizeof pair);
}

/* ------------------------------------------------------------------ NO_PROXY */

typedef struct {
    int family; /* AF_INET or AF_INET6 */
    unsigned char bytes[16];
} ip_address;

/* An IPv4 or IPv6 address (no brackets) in s[0..n). */
static bool parse_ip(const char *s, size_t n, ip_address *ip)
{
    char text[64];
    if (n == 0 || n >= sizeof text) {
        return false;
    }
    memcpy(text, s, n);
    text[n] = '\0';
    if (inet_pton(AF_INET, text, ip->bytes) == 1) {
        ip->family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, ip->bytes) == 1) {
        ip->family = AF_INET6;
        return true;
    }
    return false;
}

/* Whether host lies in the network of `bits` leading bits of net. */
static bool in_network(const ip_address *host, const ip_address *net, unsigned bits)
{
    unsigned whole = bits / 8u, rest = bits % 8u;
    if (host->family != net->family) {
        return false;
    }
    if (memcmp(host->bytes, net->bytes, whole) != 0) {
        return false;
    }
    return rest == 0 || ((host->bytes[whole] ^ net->bytes[whole]) & (0xffu << (8u - rest)) & 0xffu) == 0;
}

/* Decimal 1..65535 over s[0..n), or 0 for anything else. */
static unsigned parse_entry_port(const char *s, size_t n)
{
    unsigned v = 0;
    size_t i;
    if (n == 0 || n > 5) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
        v = v * 10u + (unsigned)(s[i] - '0');
    }
    return v <= 65535u ? v : 0;
}

/* An address entry (its /BITS included) against an address host. */
static bool address_matches(const char *name, size_t n, const ip_address *host)
{
    const char *slash = memchr(name, '/', n);
    size_t addr_n = slash != NULL ? (size_t)(slash - name) : n;
    ip_address net;
    unsigned bits, max;
    if (!parse_ip(name, addr_n, &net)) {
        return false;
    }
    max = net.family == AF_INET ? 32u : 128u;
    bits = max;
    if (slash != NULL) {
        size_t i, digits = n - addr_n - 1;
        if (digits == 0 || digits > 3) {
            return false;
        }
        bits = 0;
        for (i = 0; i < digits; i++) {
            if (slash[1 + i] < '0' || slash[1 + i] > '9') {
                return false;
            }
            bits = bits * 10u + (unsigned)(slash[1 + i] - '0');
        }
        if (bits > max) {
            return false;
        }
    }
    return in_network(host, &net, bits);
}

/* A name entry against a name host (host NUL-terminated, no trailing '.'):
 * the name itself or any name below it. */
static bool name_matches(const char *name, size_t n, const char *host, size_t host_len)
{
    if (n >= 2 && name[0] == '*' && name[1] == '.') {
        name++; /* "*.example.com" is read as ".example.com", as the Go tools do */
        n--;
    }
    if (n > 0 && name[0] == '.') {
        name++;
        n--;
    }
    if (n > 0 && name[n - 1] == '.') {
        n--;
    }
    if (n == 0 || memchr(name, '/', n) != NULL || n > host_len) {
        return false;
    }
    if (n == host_len) {
        return cli_span_equals_nocase(name, n, host);
    }
    return host[host_len - n - 1] == '.' && cli_span_equals_nocase(name, n, host + host_len - n);
}

/* One entry, trimmed and non-empty, against host:port. */
static bool entry_matches(const char *e, size_t n, const char *host, size_t host_len, bool host_is_ip,
                          const ip_address *host_ip, uint16_t port)
{
    const char *name = e;
    size_t name_n = n, i;
    const char *colon = memchr(e, ':', n);
    unsigned want_port = 0;

    for (i = 0; i < n; i++) {
        if (e[i] == ' ' || e[i] == '\t' || e[i] == '\n' || e[i] == '\r' || e[i] == '\v' || e[i] == '\f') {
            return false;
        }
    }
    if (n == 1 && e[0] == '*') {
        return true;
    }
    if (e[0] == '[') {
        const char *close = memchr(e, ']', n);
        if (close == NULL) {
            return false;
        }
        name = e + 1;
        name_n = (size_t)(close - name);
        if (close + 1 < e + n) {
            if (close[1] != ':' || (want_port = parse_entry_port(close + 2, (size_t)(e + n - close - 2))) == 0) {
                return false;
            }
        }
    } else if (colon != NULL && memchr(colon + 1, ':', n - (size_t)(colon + 1 - e)) == NULL) {
        /* One ':' is a port; more make a bare IPv6 address. */
        name_n = (size_t)(colon - e);
        if ((want_port = parse_entry_port(colon + 1, n - name_n - 1)) == 0) {
            return false;
        }
    }
    if (want_port != 0 && want_port != port) {
        return false;
    }
    return host_is_ip ? address_matches(name, name_n, host_ip) : name_matches(name, name_n, host, host_len);
}

bool cli_no_proxy_matches(const char *no_proxy, const char *host, uint16_t port)
{
    char name[CLI_HOST_MAX];
    size_t host_len;
    ip_address host_ip;
    bool host_is_ip;
    const char *p = no_proxy;

    if (no_proxy == NULL || host == NULL) {
        return false;
    }
    host_len = strlen(host);
    if (host_len == 0 || host_len >= sizeof name) {
        return false;
    }
    memcpy(name, host, host_len + 1);
    host_is_ip = parse_ip(name, host_len, &host_ip);
    if (!host_is_ip && name[host_len - 1] == '.') {
        name[--host_len] = '\0';
    }
    while (*p != '\0') {
        const char *e = p;
        size_t n = strcspn(p, ",");
        p += n;
        if (*p == ',') {
            p++;
        }
        cli_trim(&e, &n);
        if (n > 0 && entry_matches(e, n, name, host_len, host_is_ip, &host_ip, port)) {
            return true;
        }
    }
    return false;
}
