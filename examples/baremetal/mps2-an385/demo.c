/*
 * The demo mode: create a token with a comment and a lifetime, find it in the token
 * list, revoke it and check that the list no longer has it, all over one TLS session.
 * Nothing is kept; bench/footprint and the cost benchmarks measure this flow.
 */
#include <string.h>

#include "firmware.h"
#include "semihost.h"

#define COMMENT "dbtok firmware mps2-an385"
#define LIFETIME_S 3600

typedef struct {
    const char *token_id;
    bool found;
} search;

/* Ethernet image, --idle-ms: the connection idles between calls, as a device's does,
 * so that a server's idle close arrives before the next call. */
static void idle_between_calls(const dbtok_fw_settings *s, const dbtok_fw_env *env)
{
#if defined(DBTOK_FW_ETHERNET)
    if (s->idle_ms != 0) {
        env->port->sleep_ms(env->port->ctx, s->idle_ms);
    }
#else
    (void)s;
    (void)env;
#endif
}

static int find_token(void *user, const dbtok_token_info *info)
{
    search *q = user;
    if (info->token_id.len == strlen(q->token_id) &&
        memcmp(info->token_id.ptr, q->token_id, info->token_id.len) == 0) {
        q->found = true;
    }
    return 0;
}

uint32_t dbtok_fw_demo(const dbtok_fw_settings *s, const dbtok_fw_env *env)
{
    dbtok_client *client = env->client;
    dbtok_config config;
    dbtok_created_token created;
    char token_id[80];
    search q;
    dbtok_err err;

    dbtok_fw_config(s, env, &config);
    config.token = s->credential;
    err = dbtok_init(client, &config, env->port, env->work, env->work_len);
    if (err != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "init", err, DBTOK_FW_EXIT_INIT);
    }

    err = dbtok_token_create(client, COMMENT, LIFETIME_S, &created);
    if (err != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "create", err, DBTOK_FW_EXIT_CREATE);
    }
    if (dbtok_str_copy(token_id, sizeof token_id, created.info.token_id) != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "create", DBTOK_ERR_BUFFER_TOO_SMALL, DBTOK_FW_EXIT_CREATE);
    }
    /* The provisioning mode keeps its token; this one only shows that it arrived,
     * then wipes it. */
    dbtok_fw_say("created ");
    semihost_puts(token_id);
    semihost_puts(" (value of ");
    semihost_put_uint((uint32_t)created.token_value.len);
    semihost_puts(" bytes)\n");
    dbtok_result_wipe(client);
    idle_between_calls(s, env);

    q.token_id = token_id;
    q.found = false;
    err = dbtok_token_list(client, find_token, &q);
    if (err != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "list", err, DBTOK_FW_EXIT_LIST);
    }
    if (!q.found) {
        dbtok_fw_say("list: the new token is missing\n");
        return DBTOK_FW_EXIT_NOT_LISTED;
    }
    dbtok_fw_say("listed it\n");
    idle_between_calls(s, env);

    err = dbtok_token_revoke(client, token_id);
    if (err != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "revoke", err, DBTOK_FW_EXIT_REVOKE);
    }
    dbtok_fw_say("revoked it\n");
    idle_between_calls(s, env);

    q.found = false;
    err = dbtok_token_list(client, find_token, &q);
    if (err != DBTOK_OK) {
        return dbtok_fw_step_failed(client, "second list", err, DBTOK_FW_EXIT_RELIST);
    }
    if (q.found) {
        dbtok_fw_say("second list: the revoked token is still there\n");
        return DBTOK_FW_EXIT_STILL_LISTED;
    }
    dbtok_fw_say("gone from the list\n");
    return DBTOK_FW_EXIT_OK;
}
