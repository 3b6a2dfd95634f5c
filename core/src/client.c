/*
 * Client life cycle: init, close, wipe, and what a caller reads afterwards.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "client_internal.h"

/* The caller's storage must hold the state exactly as the generated header
 * says, with room for its alignment: otherwise this file does not compile. */
#define DBTOK__ALIGNOF(type) offsetof(struct { char c; type t; }, t)
typedef char dbtok__state_size_matches[sizeof(dbtok__state) == DBTOK_CLIENT_SIZE ? 1 : -1];
typedef char dbtok__state_fits[sizeof(dbtok__state) <= sizeof(dbtok_client) ? 1 : -1];
typedef char dbtok__state_aligned[DBTOK__ALIGNOF(dbtok__state) <= DBTOK__ALIGNOF(dbtok_client) ? 1 : -1];

/* The writer's checks, run once here so a bad host (an empty name, a port
 * glued to it, a path: dbtok_config_check_host()), a bad user-agent text or
 * a workspace id that is not digits is refused at init rather than by every
 * later call; so is any workspace id in a build without them, which would
 * send the token to whatever workspace the host routes to by default. */
static bool headers_are_safe(const dbtok_config *config, const char *bearer)
{
    http_request h;
    size_t len;
    h.method = "GET";
    h.path = "/";
    h.path_segment = NULL;
    h.put_segment = NULL;
    h.put_auth = NULL;
    h.auth_arg = NULL;
    h.form_body = false;
    h.host = config->host;
    h.port = config->port;
    h.token = bearer;
    h.user_agent_extra = config->user_agent_extra;
    h.workspace_id = config->workspace_id;
    return dbtok__http_write_request(NULL, 0, &h, 0, &len) != DBTOK_ERR_INVALID_ARG;
}

static bool has_text(const char *s)
{
    return s != NULL && s[0] != '\0';
}

static bool visible(const char *s)
{
    return s != NULL && dbtok_config_check_token(s, strlen(s)) == DBTOK_OK;
}

/* One credential, well formed: a token, or (OAuth) a client id with its
 * secret; never both, which would leave unsaid which one is meant. A build
 * without OAuth refuses a client id rather than ignore it. */
static bool credential_ok(const dbtok_config *config)
{
    if (!has_text(config->client_id) && !has_text(config->client_secret)) {
        return visible(config->token);
    }
    return DBTOK_ENABLE_OAUTH_M2M && !has_text(config->token) && visible(config->client_id) &&
           visible(config->client_secret);
}

/* The proxy's Base64 credential must not outlive the client, nor a failed init. */
static void forget_proxy(dbtok__state *c)
{
#if DBTOK_ENABLE_PROXY
    mbedtls_platform_zeroize(c->proxy_basic, sizeof c->proxy_basic);
#else
    (void)c;
#endif
}

static bool port_is_complete(const dbtok_port *p)
{
    return p->connect != NULL && p->send != NULL && p->recv != NULL && p->close != NULL &&
           p->now_ms != NULL && p->entropy != NULL;
}

dbtok_err dbtok_init(dbtok_client *client, const dbtok_config *config, const dbtok_port *port,
                     uint8_t *work, size_t work_len)
{
    dbtok__state *c = dbtok__state_of(client);
    if (c == NULL || config == NULL || port == NULL || work == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(c, 0, sizeof *c);
    c->config = *config;
    if (c->config.port == 0) {
        c->config.port = 443;
    }
    if (config->host == NULL || config->ca == NULL || config->ca_len == 0 || config->time_floor_s < 0 ||
        !credential_ok(config) ||
        !headers_are_safe(&c->config, has_text(config->token) ? config->token : "oauth") || !port_is_complete(port)) {
        return DBTOK_ERR_INVALID_ARG;
    }
#if DBTOK_ENABLE_PROXY
    if (dbtok__proxy_setup(c) != DBTOK_OK) {
        forget_proxy(c);
        return DBTOK_ERR_INVALID_ARG;
    }
#else
    if (has_text(config->proxy.host)) {
        return DBTOK_ERR_INVALID_ARG; /* never connect around a proxy the caller named */
    }
#endif
    if (work_len < DBTOK_MIN_WORK_BUFFER) {
        forget_proxy(c);
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    if (c->config.timeout_ms == 0) {
        c->config.timeout_ms = DBTOK_DEFAULT_TIMEOUT_MS;
    }
    c->port = *port;
    c->work = work;
    c->work_len = work_len;
    if (dbtok__tls_init(c) != DBTOK_OK) {
        forget_proxy(c);
        c->work = NULL; /* nothing to close */
        return DBTOK_ERR_CRYPTO;
    }
    return DBTOK_OK;
}

uint32_t dbtok__client_remaining_ms(const dbtok__state *c)
{
    uint64_t now = c->port.now_ms(c->port.ctx);
    uint64_t left = c->request_deadline_ms > now ? c->request_deadline_ms - now : 0;
    return left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
}

int64_t dbtok__trusted_time(const dbtok__state *c, int64_t clock_s)
{
    int64_t best = clock_s > c->config.time_floor_s ? clock_s : c->config.time_floor_s;
#if DBTOK_ENABLE_HTTP_DATES
    if (c->learned_time_s > 0) {
        uint64_t now = c->port.now_ms(c->port.ctx);
        /* A monotonic clock that went back anyway (a port's bug) must not
         * wrap into a time centuries ahead, which would expire every
         * certificate. The sum cannot overflow: a learned date is below
         * the year 10000, and 2^64 ms is some 5.8e8 years. */
        int64_t since_s = now > c->learned_at_ms ? (int64_t)((now - c->learned_at_ms) / 1000u) : 0;
        if (c->learned_time_s + since_s > best) {
            best = c->learned_time_s + since_s;
        }
    }
#endif
    return best;
}

int64_t dbtok_trusted_time_s(const dbtok_client *client)
{
    const dbtok__state *c = dbtok__cstate_of(client);
    if (c == NULL) {
        return 0;
    }
    return dbtok__trusted_time(c, c->port.unix_time != NULL ? c->port.unix_time(c->port.ctx) : 0);
}

const dbtok_error_info *dbtok_last_error(const dbtok_client *client)
{
    const dbtok__state *c = dbtok__cstate_of(client);
    return &c->error;
}

const dbtok_stats *dbtok_get_stats(const dbtok_client *client)
{
    const dbtok__state *c = dbtok__cstate_of(client);
    return &c->stats;
}

void dbtok_result_wipe(dbtok_client *client)
{
    dbtok__state *c = dbtok__state_of(client);
    if (c != NULL && c->work != NULL) {
        mbedtls_platform_zeroize(c->work, c->work_len);
    }
}

/* Time granted to send close_notify when the client is closed. */
#define CLOSE_GRACE_MS 1000u

void dbtok_close(dbtok_client *client)
{
    dbtok__state *c = dbtok__state_of(client);
    if (c == NULL || c->work == NULL) {
        return;
    }
    c->request_deadline_ms = c->port.now_ms(c->port.ctx) + CLOSE_GRACE_MS;
    dbtok__tls_disconnect(c);
    dbtok__tls_free(c);
    dbtok_result_wipe(client);
    mbedtls_platform_zeroize(c->seen_values, sizeof c->seen_values);
    memset(c->seen_value_len, 0, sizeof c->seen_value_len);
#if DBTOK_ENABLE_OAUTH_M2M
    dbtok__oauth_forget(c);
#endif
    forget_proxy(c);
    c->work = NULL;
}
