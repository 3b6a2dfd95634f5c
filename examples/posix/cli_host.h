/*
 * The workspace URL a user gives (--host, DATABRICKS_HOST, a profile's
 * host) turned into the host and port dbtok_config takes, and back into
 * text for messages. The URL syntax is the tool's; whether the host is one
 * the library takes is the library's rule (dbtok_config_check_host()).
 */
#ifndef CLI_HOST_H
#define CLI_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"

/* Room for a normalised host, NUL included. */
#define CLI_HOST_MAX (DBTOK_MAX_HOST_LEN + 1u)

/*
 * Normalise a workspace URL to host and port: `https://` is assumed when no
 * scheme is given, `http://` and other schemes are refused (TLS only), path,
 * query, fragment and trailing `/` are dropped, userinfo is refused, the
 * port defaults to 443 and must be 1..65535, an IPv6 literal must be
 * bracketed (`[::1]:8443`) and is returned without brackets. The host name is
 * lowercased.
 *
 * Returns 0, or -1 with the reason in err (may be NULL).
 */
int cli_parse_host(const char *url, char *host, size_t host_cap, uint16_t *port, char *err,
                   size_t err_cap);

/*
 * The workspace id a workspace URL names in its query, as the Databricks SDKs
 * read it: `?o=ID` (or `?w=ID`), among other parameters. id gets "" when the
 * URL names none. Returns 0, or -1 with the reason in err (may be NULL): an
 * id that is not 1 to DBTOK_MAX_WORKSPACE_ID_LEN digits, or `o` and `w`
 * naming different ids.
 */
int cli_host_workspace_id(const char *url, char *id, size_t id_cap, char *err, size_t err_cap);

/* "host" or "host:port" (443 left out), an IPv6 literal in brackets, as
 * messages name a host; cut to fit cap. */
void cli_host_label(const char *host, uint16_t port, char *buf, size_t cap);

#endif /* CLI_HOST_H */
