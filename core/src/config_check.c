/*
 * What dbtok_init() accepts as a host and as a bearer token, in one place:
 * the client checks its config with these, and an application that reads its
 * settings from a user (the dbtok CLI) checks them with the same functions
 * instead of a copy of the rule that could drift from it.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "chars.h"

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_types.h"

/* An IPv6 literal's characters (hex, ':' and '.' for an embedded IPv4), with
 * at least one ':' so that it cannot be mistaken for a name. */
static bool ipv6_ok(const char *s, size_t n)
{
    bool colon = false;
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c == ':') {
            colon = true;
        } else if (chars_hex_value(c) < 0 && c != '.') {
            return false;
        }
    }
    return colon;
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

dbtok_err dbtok_config_check_host(const char *host, size_t len)
{
    size_t i;

    if (host == NULL || len == 0 || len > DBTOK_MAX_HOST_LEN) {
        return DBTOK_ERR_INVALID_ARG;
    }
    if (host[0] == '[') {
        return len > 2 && host[len - 1] == ']' && ipv6_ok(host + 1, len - 2) ? DBTOK_OK : DBTOK_ERR_INVALID_ARG;
    }
    if (memchr(host, ':', len) != NULL) {
        return ipv6_ok(host, len) ? DBTOK_OK : DBTOK_ERR_INVALID_ARG;
    }
    for (i = 0; i < len; i++) {
        if (!name_char_ok(host[i])) {
            return DBTOK_ERR_INVALID_ARG;
        }
    }
    return DBTOK_OK;
}

#if DBTOK_ENABLE_WORKSPACE_ID
dbtok_err dbtok_config_check_workspace_id(const char *id, size_t len)
{
    size_t i;

    if (id == NULL || len == 0 || len > DBTOK_MAX_WORKSPACE_ID_LEN) {
        return DBTOK_ERR_INVALID_ARG;
    }
    for (i = 0; i < len; i++) {
        if (id[i] < '0' || id[i] > '9') {
            return DBTOK_ERR_INVALID_ARG;
        }
    }
    return DBTOK_OK;
}
#endif

dbtok_err dbtok_config_check_token(const char *token, size_t len)
{
    size_t i;

    if (token == NULL || len == 0) {
        return DBTOK_ERR_INVALID_ARG;
    }
    /* Visible ASCII only: a space, a control character or a byte the header
     * could not carry as it is would break the Authorization line. */
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)token[i];
        if (c <= 0x20u || c >= 0x7fu) {
            return DBTOK_ERR_INVALID_ARG;
        }
    }
    return DBTOK_OK;
}
