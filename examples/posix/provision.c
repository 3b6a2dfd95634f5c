/*
 * The C API in one page: mint a scoped, short-lived token, find it in the
 * list, rename it, revoke it, all over one connection. Every byte lives in
 * static storage.
 *
 *   provision HOST PORT TOKEN CA_FILE [PAUSE_MS]
 *
 * TOKEN "-" authenticates as a service principal instead (OAuth
 * machine-to-machine), with DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET
 * from the environment: the way a device should mint its own least-privilege
 * token. PAUSE_MS stands for a device's other work between calls (the tests
 * use it to let the server close the idle connection, or an access token
 * expire).
 * Prints what it did and the client's counters; exits 0 when the flow
 * completed, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/version.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static uint8_t tls_arena[256 * 1024]; /* mbedTLS's heap: the CA chain and TLS buffers */
#endif
static uint8_t ca_pem[64 * 1024];
static uint8_t work[16 * 1024];       /* requests and responses */
static dbtok_client client;

typedef struct {
    char wanted_id[80];
    int found;
} search;

static void pause_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (ms > 0 && nanosleep(&ts, &ts) != 0) {
    }
}

static int find_token(void *user, const dbtok_token_info *info)
{
    search *s = user;
    if (info->token_id.len == strlen(s->wanted_id) &&
        memcmp(info->token_id.ptr, s->wanted_id, info->token_id.len) == 0) {
        s->found = 1;
    }
    return 0;
}

static int fail(const char *step, dbtok_err err)
{
    const dbtok_error_info *e = dbtok_last_error(&client);
    fprintf(stderr, "%s: %s (HTTP %d %s %s)\n", step, dbtok_strerror(err), e->http_status, e->error_code,
            e->message);
    dbtok_close(&client);
    return 1;
}

int main(int argc, char **argv)
{
    dbtok_posix_ctx port_ctx;
    dbtok_port port;
    dbtok_config config;
    dbtok_created_token created;
    dbtok_create_options want;
    dbtok_update_options rename;
    static const char *const scopes[] = {"sql"};
    search s;
    size_t ca_len;
    dbtok_err err;
    const dbtok_stats *stats;

    long pause = 0;

    if (argc != 5 && argc != 6) {
        fprintf(stderr, "usage: %s HOST PORT TOKEN CA_FILE [PAUSE_MS]\n", argv[0]);
        return 2;
    }
    if (argc == 6) {
        pause = strtol(argv[5], NULL, 10);
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    /* Without it (a system mbedTLS such as Debian's 2.28) mbedTLS uses calloc. */
    mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
#endif
    if (dbtok_posix_read_file(argv[4], ca_pem, sizeof ca_pem, &ca_len) != 0) {
        fprintf(stderr, "cannot read %s\n", argv[4]);
        return 2;
    }
    dbtok_posix_port_init(&port_ctx, &port, 0);
    memset(&config, 0, sizeof config);
    config.host = argv[1];
    config.port = (uint16_t)strtoul(argv[2], NULL, 10);
    if (strcmp(argv[3], "-") == 0) {
        config.client_id = getenv("DATABRICKS_CLIENT_ID");
        config.client_secret = getenv("DATABRICKS_CLIENT_SECRET");
    } else {
        config.token = argv[3];
    }
    config.ca = ca_pem;
    config.ca_len = ca_len;
    config.timeout_ms = 10000;

    err = dbtok_init(&client, &config, &port, work, sizeof work);
    if (err != DBTOK_OK) {
        fprintf(stderr, "init: %s\n", dbtok_strerror(err));
        return 1;
    }

    /* Only what the device needs, and only for an hour. */
    memset(&want, 0, sizeof want);
    want.comment = "provisioned by dbtok example";
    want.lifetime_seconds = 3600;
    want.scopes = scopes;
    want.n_scopes = sizeof scopes / sizeof scopes[0];
    err = dbtok_token_create_with(&client, &want, &created);
    if (err != DBTOK_OK) {
        return fail("create", err);
    }
    memset(&s, 0, sizeof s);
    if (dbtok_str_copy(s.wanted_id, sizeof s.wanted_id, created.info.token_id) != DBTOK_OK) {
        return fail("create", DBTOK_ERR_BUFFER_TOO_SMALL);
    }
    /* A device would store created.token_value now; this example only
     * proves it arrived, then wipes it. */
    printf("created %s (value of %zu bytes)\n", s.wanted_id, created.token_value.len);
    dbtok_result_wipe(&client);
    pause_ms(pause);

    err = dbtok_token_list(&client, find_token, &s);
    if (err != DBTOK_OK) {
        return fail("list", err);
    }
    printf("listed: %s\n", s.found ? "found" : "missing");
    pause_ms(pause);

    memset(&rename, 0, sizeof rename);
    rename.comment = "provisioned by dbtok example, in service";
    err = dbtok_token_update(&client, s.wanted_id, &rename);
    if (err != DBTOK_OK) {
        return fail("update", err);
    }
    printf("updated %s\n", s.wanted_id);
    pause_ms(pause);

    err = dbtok_token_revoke(&client, s.wanted_id);
    if (err != DBTOK_OK) {
        return fail("revoke", err);
    }
    printf("revoked %s\n", s.wanted_id);

    stats = dbtok_get_stats(&client);
    printf("connects=%" PRIu32 " handshakes=%" PRIu32 " requests=%" PRIu32 " sent=%" PRIu32
           " received=%" PRIu32 "\n",
           stats->connects, stats->handshakes, stats->requests, stats->bytes_sent, stats->bytes_received);
    dbtok_close(&client);
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    return s.found ? 0 : 1;
}
