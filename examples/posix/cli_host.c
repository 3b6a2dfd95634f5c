/*
 * Workspace URL to host and port (see cli_host.h): scheme, userinfo, port,
 * path and brackets are the URL's; the host name itself must pass the
 * library's own check.
 */
#include "cli_host.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_types.h"

#include "cli_text.h"

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
        cli_set_err(err, err_cap, "empty host");
        return -1;
    }
    for (i = 0; url[i] != '\0'; i++) {
        if ((unsigned char)url[i] <= 0x20u || (unsigned char)url[i] == 0x7fu) {
            cli_set_err(err, err_cap, "invalid host '%s': spaces or control characters", url);
            return -1;
        }
    }
    sep = strstr(s, "://");
    if (sep != NULL) {
        size_t scheme_len = (size_t)(sep - s);
        if (cli_span_equals_nocase(s, scheme_len, "http")) {
            cli_set_err(err, err_cap, "invalid host '%s': http:// is refused, dbtok speaks TLS only "
                                  "(use https://)", url);
            return -1;
        }
        if (!cli_span_equals_nocase(s, scheme_len, "https")) {
            cli_set_err(err, err_cap, "invalid host '%s': unsupported scheme (use https://)", url);
            return -1;
        }
        s = sep + 3;
    }
    /* The authority ends at the path, the query or the fragment. */
    auth_len = strcspn(s, "/?#");
    if (memchr(s, '@', auth_len) != NULL) {
        cli_set_err(err, err_cap, "invalid host '%s': user information (user@) is not allowed", url);
        return -1;
    }
    if (auth_len == 0) {
        cli_set_err(err, err_cap, "invalid host '%s': no host name", url);
        return -1;
    }
    name = s;
    if (s[0] == '[') {
        const char *close = memchr(s, ']', auth_len);
        if (close == NULL) {
            cli_set_err(err, err_cap, "invalid host '%s': unterminated IPv6 literal", url);
            return -1;
        }
        name = s + 1;
        name_len = (size_t)(close - name);
        ipv6 = true;
        if ((size_t)(close + 1 - s) < auth_len) {
            if (close[1] != ':') {
                cli_set_err(err, err_cap, "invalid host '%s': junk after the IPv6 literal", url);
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
                cli_set_err(err, err_cap,
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
        cli_set_err(err, err_cap, "invalid host '%s': no host name", url);
        return -1;
    }
    if (name_len > DBTOK_MAX_HOST_LEN || name_len >= host_cap) {
        cli_set_err(err, err_cap, "invalid host '%s': host name too long", url);
        return -1;
    }
    /* The library's own rule. An IPv6 literal is checked with its brackets,
     * so that what they hold must be an IPv6 address and not a name. */
    if ((ipv6 ? dbtok_config_check_host(name - 1, name_len + 2) : dbtok_config_check_host(name, name_len)) !=
        DBTOK_OK) {
        cli_set_err(err, err_cap, ipv6 ? "invalid host '%s': not an IPv6 address inside [ ]"
                                   : "invalid host '%s': character not allowed in a host name",
                url);
        return -1;
    }
    *port = 443;
    if (port_s != NULL && parse_port(port_s, port_len, port) != 0) {
        cli_set_err(err, err_cap, "invalid host '%s': the port must be a number from 1 to 65535",
                url);
        return -1;
    }
    for (i = 0; i < name_len; i++) {
        host[i] = cli_to_lower(name[i]);
    }
    host[name_len] = '\0';
    return 0;
}

int cli_host_workspace_id(const char *url, char *id, size_t id_cap, char *err, size_t err_cap)
{
    const char *q = strchr(url, '?');
    const char *hash = strchr(url, '#');
    const char *end;

    if (id_cap > 0) {
        id[0] = '\0';
    }
    if (q == NULL || (hash != NULL && hash < q)) {
        return 0; /* no query (a '?' in the fragment is not one) */
    }
    q++;
    end = q + strcspn(q, "#");
    while (q < end) {
        size_t pair_len = strcspn(q, "&#");
        if (pair_len >= 2 && (q[0] == 'o' || q[0] == 'w') && q[1] == '=') {
            const char *v = q + 2;
            size_t v_len = pair_len - 2;
            if (dbtok_config_check_workspace_id(v, v_len) != DBTOK_OK || v_len >= id_cap) {
                cli_set_err(err, err_cap, "invalid host '%s': the workspace id in ?%c= must be 1 to %u digits",
                            url, q[0], DBTOK_MAX_WORKSPACE_ID_LEN);
                return -1;
            }
            if (id[0] != '\0' && (strlen(id) != v_len || memcmp(id, v, v_len) != 0)) {
                cli_set_err(err, err_cap, "invalid host '%s': ?o= and ?w= name different workspaces", url);
                return -1;
            }
            memcpy(id, v, v_len);
            id[v_len] = '\0';
        }
        q += pair_len;
        if (q < end) {
            q++; /* the '&' */
        }
    }
    return 0;
}

void cli_host_label(const char *host, uint16_t port, char *buf, size_t cap)
{
    bool v6 = strchr(host, ':') != NULL;
    if (port == 443) {
        (void)snprintf(buf, cap, v6 ? "[%s]" : "%s", host);
    } else {
        (void)snprintf(buf, cap, v6 ? "[%s]:%u" : "%s:%u", host, (unsigned)port);
    }
}
