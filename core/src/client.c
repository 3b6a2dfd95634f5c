/*
 * Client life cycle: init, close, wipe, and what a caller reads afterwards.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "client_internal.h"

/* The writer's checks, run once here so a bad host (an empty name, a port
 * glued to it, a path: dbtok_config_check_host()) or a bad user-agent text is
 * refused at init rather than by every later call. */
static bool headers_are_safe(const dbtok_config *config)
{
    http_request h;
    size_t len;
    h.method = "GET";
    h.path = "/";
    h.host = config->host;
    h.port = config->port;
    h.token = config->token;
    h.user_agent_extra = config->user_agent_extra;
    return dbtok__http_write_request(NULL, 0, &h, 0, &len) != DBTOK_ERR_INVALID_ARG;
}

static bool port_is_complete(const dbtok_port *p)
{
    return p->connect != NULL && p->send != NULL && p->recv != NULL && p->close != NULL &&
           p->now_ms != NULL && p->entropy != NULL;
}

dbtok_err dbtok_init(dbtok_client *client, const dbtok_config *config, const dbtok_port *port,
                     uint8_t *work, size_t work_len)
{
    if (client == NULL || config == NULL || port == NULL || work == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(client, 0, sizeof *client);
    client->config = *config;
    if (client->config.port == 0) {
        client->config.port = 443;
    }
    if (config->host == NULL || config->token == NULL || config->ca == NULL || config->ca_len == 0 ||
        dbtok_config_check_token(config->token, strlen(config->token)) != DBTOK_OK ||
        !headers_are_safe(&client->config) || !port_is_complete(port)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    if (work_len < DBTOK_MIN_WORK_BUFFER) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    if (client->config.timeout_ms == 0) {
        client->config.timeout_ms = DBTOK_DEFAULT_TIMEOUT_MS;
    }
    client->port = *port;
    client->work = work;
    client->work_len = work_len;
    if (dbtok__tls_init(client) != DBTOK_OK) {
        client->work = NULL; /* nothing to close */
        return DBTOK_ERR_CRYPTO;
    }
    return DBTOK_OK;
}

uint32_t dbtok__client_remaining_ms(const dbtok_client *c)
{
    uint64_t now = c->port.now_ms(c->port.ctx);
    uint64_t left = c->deadline_ms > now ? c->deadline_ms - now : 0;
    return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

const dbtok_error_info *dbtok_last_error(const dbtok_client *client)
{
    return &client->error;
}

const dbtok_stats *dbtok_get_stats(const dbtok_client *client)
{
    return &client->stats;
}

void dbtok_result_wipe(dbtok_client *client)
{
    if (client != NULL && client->work != NULL) {
        mbedtls_platform_zeroize(client->work, client->work_len);
    }
}

/* Time granted to send close_notify when the client is closed. */
#define CLOSE_GRACE_MS 1000u

void dbtok_close(dbtok_client *client)
{
    if (client == NULL || client->work == NULL) {
        return;
    }
    client->deadline_ms = client->port.now_ms(client->port.ctx) + CLOSE_GRACE_MS;
    dbtok__tls_disconnect(client);
    dbtok__tls_free(client);
    dbtok_result_wipe(client);
    mbedtls_platform_zeroize(client->seen_values, sizeof client->seen_values);
    memset(client->seen_value_len, 0, sizeof client->seen_value_len);
    client->work = NULL;
}
