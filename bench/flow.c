/*
 * The dbtok side of the wire, heap and handshake benchmarks: create a token,
 * list (the new token must be there), revoke it, all on one client, as a
 * device would. Every byte lives in static storage, like the README's
 * sizing: a 2 KiB work buffer and an mbedTLS arena.
 *
 *   dbtok_bench_flow HOST PORT TOKEN CA_FILE
 *
 * TOKEN "-": as a service principal (OAuth machine-to-machine) with
 * DATABRICKS_CLIENT_ID and DATABRICKS_CLIENT_SECRET from the environment;
 * the token request then counts in the create step.
 *
 * Prints one line per step with the client's counters spent by that step
 * (HTTP bytes before TLS, connections, handshakes) and its time in
 * microseconds, then the totals:
 *
 *   step=create sent=N received=N connects=N handshakes=N us=N
 *   step=list ... entries=N
 *   step=revoke ...
 *   total sent=N received=N connects=N handshakes=N requests=N us=N mbedtls=X.Y.Z
 *
 * Output goes through write(2) from a static buffer, so the process's own
 * heap use is only what libc does (name resolution) and can be shown apart.
 * Exits 0 when the flow completed, 1 otherwise.
 */
#define _POSIX_C_SOURCE 200809L

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/version.h> /* first: it brings in the configuration the guard reads */
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#define WORK_LEN 2048

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C) /* mbedTLS 2.28 from Debian uses the heap */
static uint8_t tls_arena[96 * 1024];
#endif
static uint8_t ca_pem[64 * 1024];
static uint8_t work[WORK_LEN];
static dbtok_client client;

static char out[4096];
static size_t out_len;

typedef struct {
    char wanted_id[128];
    unsigned long entries;
    int found;
} search;

static void emit(const char *fmt_line)
{
    size_t n = strlen(fmt_line);
    if (n > sizeof out - out_len) {
        n = sizeof out - out_len;
    }
    memcpy(out + out_len, fmt_line, n);
    out_len += n;
}

static void flush_out(int fd)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(fd, out + done, out_len - done);
        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
    out_len = 0;
}

static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int find_token(void *user, const dbtok_token_info *info)
{
    search *s = user;
    s->entries++;
    if (info->token_id.len == strlen(s->wanted_id) &&
        memcmp(info->token_id.ptr, s->wanted_id, info->token_id.len) == 0) {
        s->found = 1;
    }
    return 0;
}

/* Counters spent since *before, printed as one step line; *before moves on. */
static void step_line(const char *step, dbtok_stats *before, uint64_t *t0, const char *extra)
{
    const dbtok_stats *s = dbtok_get_stats(&client);
    uint64_t t = now_us();
    char line[256];
    snprintf(line, sizeof line,
             "step=%s sent=%" PRIu32 " received=%" PRIu32 " connects=%" PRIu32 " handshakes=%" PRIu32
             " us=%" PRIu64 "%s\n",
             step, s->bytes_sent - before->bytes_sent, s->bytes_received - before->bytes_received,
             s->connects - before->connects, s->handshakes - before->handshakes, t - *t0, extra);
    emit(line);
    *before = *s;
    *t0 = t;
}

static int fail(const char *step, dbtok_err err)
{
    const dbtok_error_info *e = dbtok_last_error(&client);
    char line[512];
    snprintf(line, sizeof line, "%s failed: %s (HTTP %d %s %s)\n", step, dbtok_strerror(err), e->http_status,
             e->error_code, e->message);
    flush_out(1);
    emit(line);
    flush_out(2);
    dbtok_close(&client);
    return 1;
}

int main(int argc, char **argv)
{
    dbtok_posix_ctx port_ctx;
    dbtok_port port;
    dbtok_config config;
    dbtok_created_token created;
    dbtok_stats before;
    const dbtok_stats *total;
    search s;
    size_t ca_len;
    dbtok_err err;
    uint64_t start;
    uint64_t t0;
    char line[256];

    if (argc != 5) {
        emit("usage: dbtok_bench_flow HOST PORT TOKEN CA_FILE\n");
        flush_out(2);
        return 2;
    }
    start = now_us();
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
#endif
    if (dbtok_posix_read_file(argv[4], ca_pem, sizeof ca_pem, &ca_len) != 0) {
        emit("cannot read the CA file\n");
        flush_out(2);
        return 2;
    }
    dbtok_posix_port_init(&port_ctx, &port, 0);
    memset(&config, 0, sizeof config);
    config.host = argv[1];
    config.port = (uint16_t)strtoul(argv[2], NULL, 10);
    if (strcmp(argv[3], "-") == 0) { /* as a service principal: OAuth M2M */
        config.client_id = getenv("DATABRICKS_CLIENT_ID");
        config.client_secret = getenv("DATABRICKS_CLIENT_SECRET");
    } else {
        config.token = argv[3];
    }
    config.ca = ca_pem;
    config.ca_len = ca_len;
    config.timeout_ms = 120000; /* generous: bench/handshake runs this under callgrind */

    err = dbtok_init(&client, &config, &port, work, sizeof work);
    if (err != DBTOK_OK) {
        return fail("init", err);
    }
    memset(&before, 0, sizeof before);
    t0 = now_us();

    err = dbtok_token_create(&client, "bench", 3600, &created);
    if (err != DBTOK_OK) {
        return fail("create", err);
    }
    memset(&s, 0, sizeof s);
    if (dbtok_str_copy(s.wanted_id, sizeof s.wanted_id, created.info.token_id) != DBTOK_OK) {
        return fail("create", DBTOK_ERR_BUFFER_TOO_SMALL);
    }
    dbtok_result_wipe(&client);
    step_line("create", &before, &t0, "");

    err = dbtok_token_list(&client, find_token, &s);
    if (err != DBTOK_OK) {
        return fail("list", err);
    }
    snprintf(line, sizeof line, " entries=%lu found=%d", s.entries, s.found);
    step_line("list", &before, &t0, line);

    err = dbtok_token_revoke(&client, s.wanted_id);
    if (err != DBTOK_OK) {
        return fail("revoke", err);
    }
    step_line("revoke", &before, &t0, "");

    total = dbtok_get_stats(&client);
    snprintf(line, sizeof line,
             "total sent=%" PRIu32 " received=%" PRIu32 " connects=%" PRIu32 " handshakes=%" PRIu32
             " requests=%" PRIu32 " us=%" PRIu64 " mbedtls=%s\n",
             total->bytes_sent, total->bytes_received, total->connects, total->handshakes, total->requests,
             now_us() - start, MBEDTLS_VERSION_STRING);
    emit(line);
    dbtok_close(&client);
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    flush_out(1);
    return s.found ? 0 : 1;
}
