/*
 * The HTTP proxy the dbtok tool tunnels through: its URL (--proxy,
 * https_proxy, HTTPS_PROXY) turned into what dbtok_config.proxy takes, and
 * the NO_PROXY rule that says which workspaces are reached directly. The
 * syntax is curl's, where curl and the Go tools (the Databricks CLI) agree;
 * cli_settings.c decides which variable counts.
 */
#ifndef CLI_PROXY_H
#define CLI_PROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"

#include "cli_host.h"

/* curl's default port for a proxy URL that names none. */
#define CLI_PROXY_DEFAULT_PORT 1080u

/* Room for a user name or a password once decoded, NUL included: together,
 * with the ':' between them, they are at most DBTOK_MAX_PROXY_CREDENTIALS_LEN. */
#define CLI_PROXY_CREDENTIAL_MAX (DBTOK_MAX_PROXY_CREDENTIALS_LEN + 1u)

/* Room for the Base64 of `username:password`, NUL included. */
#define CLI_PROXY_BASIC_MAX (((DBTOK_MAX_PROXY_CREDENTIALS_LEN + 2u) / 3u) * 4u + 1u)

/* Room for a proxy URL as messages show it (cli_proxy_display()). */
#define CLI_PROXY_DISPLAY_MAX 512u

typedef struct {
    char host[CLI_HOST_MAX]; /* lowercased; an IPv6 literal without its brackets */
    uint16_t port;           /* 1..65535, CLI_PROXY_DEFAULT_PORT unless the URL names another */
    char username[CLI_PROXY_CREDENTIAL_MAX]; /* percent-decoded; "" for no credentials */
    char password[CLI_PROXY_CREDENTIAL_MAX]; /* percent-decoded, with username; a secret */
} cli_proxy_url;

/*
 * Parse a proxy URL: `[http://][user[:password]@]host[:port][/]`.
 *
 * - Scheme: http:// (any case), or none, which means http:// as in curl.
 *   https:// (TLS to the proxy) and socks4/socks4a/socks5/socks5h:// are
 *   refused by name: dbtok speaks only HTTP CONNECT to a proxy. Any other
 *   scheme is refused.
 * - User information ends at the last '@' before the host: a password may
 *   hold '@' and ':' (the user name ends at the first ':'). Both are
 *   percent-decoded, as curl does; once decoded they must be printable ASCII
 *   (0x20-0x7E: no CR, LF, NUL or other control character), the user name
 *   non-empty and without ':', and `user:password` at most
 *   DBTOK_MAX_PROXY_CREDENTIALS_LEN bytes. `user@` alone means an empty
 *   password (curl sends the same).
 * - Host: a name, an IPv4 address or a bracketed IPv6 address, by the rule of
 *   cli_parse_host() (the library's host rule); port 1..65535, default 1080.
 * - Nothing may follow but one '/': a path, query or fragment is refused.
 *
 * url: NUL-terminated, already trimmed. Returns 0 with *out filled, or -1
 * with a one-line reason in err (may be NULL) that never holds the
 * password: the URL appears in it only as cli_proxy_display() shows it. *out
 * may hold a secret either way: wipe it.
 */
int cli_parse_proxy_url(const char *url, cli_proxy_url *out, char *err, size_t err_cap);

/*
 * url as a message may show it: everything between the scheme and the last
 * '@' (the user information, password included) replaced by "***", so that
 * no part of a password appears even in a URL that does not parse. Cut to
 * fit cap.
 */
void cli_proxy_display(const char *url, char *buf, size_t cap);

/*
 * The Base64 of `username:password`, the form the Proxy-Authorization header
 * carries and a hostile proxy may echo, for the tool's masking. "" when p
 * holds no credentials.
 */
void cli_proxy_basic(const cli_proxy_url *p, char *buf, size_t cap);

/*
 * Whether the NO_PROXY list no_proxy says that host:port is reached without
 * the proxy (curl's rules, with the Go tools' where curl has none):
 *
 * - Entries are separated by commas; whitespace around each is ignored, an
 *   empty entry matches nothing, and so does an entry with whitespace inside.
 * - `*` alone as an entry matches every host.
 * - A name matches itself and every name below it, case ignored:
 *   `example.com` and `.example.com` (and `*.example.com`) both match
 *   example.com and www.example.com, never notexample.com. A trailing '.' on
 *   the entry or the host is ignored.
 * - An IP address (IPv6 bare or in brackets) matches the same address, however
 *   written, and with `/BITS` every address in that network (curl since
 *   7.86). A host given as an address is matched by address entries only,
 *   a name by name entries only: nothing is resolved.
 * - `:PORT` after an entry (`host:8443`, `[::1]:8443`) limits it to that port,
 *   as in the Go tools; without one it matches every port.
 * - localhost is not special: as in curl, it goes through the proxy unless
 *   the list names it (the Go tools never proxy it).
 *
 * host: as cli_parse_host() returns it (lowercase, IPv6 without brackets).
 * no_proxy: NULL or "" matches nothing.
 */
bool cli_no_proxy_matches(const char *no_proxy, const char *host, uint16_t port);

#endif /* CLI_PROXY_H */
