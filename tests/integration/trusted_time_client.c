/*
 * A client with no wall clock, over real TLS (the core, mbedTLS and the POSIX
 * port with its unix_time taken away), for tests/integration/test_time_floor.py.
 *
 *   trusted_time_client TOKEN FLOOR PORT CA_FILE [PORT CA_FILE]...
 *
 * Each PORT CA_FILE pair is one "boot": a client for localhost:PORT that
 * trusts CA_FILE, whose config.time_floor_s is FLOOR for the first boot and
 * afterwards the largest dbtok_trusted_time_s() an earlier boot ended with
 * (what a device stores with its token), lists the tokens and is closed. Each
 * boot prints one line:
 *
 *   boot=K floor=N err=N cert_verify=0|1 expired=0|1 future=0|1 requests=N trusted=N
 *
 * err is the dbtok_err of dbtok_init(), or else of the list; cert_verify
 * says whether it is DBTOK_ERR_CERT_VERIFY, expired and future whether the
 * verification found MBEDTLS_X509_BADCERT_EXPIRED or _FUTURE; trusted is
 * dbtok_trusted_time_s() after the list. Exits 0 when every line was
 * printed, 2 on bad arguments or an unreadable CA file.
 *
 *   trusted_time_client --mbedtls-checks-dates
 *
 * prints 1 when the mbedTLS it was built with checks certificate dates
 * itself against the system's clock (MBEDTLS_HAVE_TIME_DATE, as Debian's
 * packaged one does), so that a client without a clock cannot be shown; 0
 * for dbtok's own configurations, which leave the dates to the core.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif
#include <mbedtls/x509.h>

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static uint8_t tls_arena[256 * 1024]; /* mbedTLS's heap (a system mbedTLS uses calloc) */
#endif
static uint8_t ca_bytes[65536];
static uint8_t work[8192];
static dbtok_client client;

static int count_entry(void *user, const dbtok_token_info *info)
{
    (void)user;
    (void)info;
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    return 0;
}

/* One boot; returns the time it can vouch for at its end. */
static int64_t boot(int k, const char *token, int64_t floor_s, const char *port_text, const char *ca_file)
{
    dbtok_posix_ctx pctx;
    dbtok_port port;
    dbtok_config cfg;
    size_t ca_len = 0;
    dbtok_err err;
    uint32_t flags;
    int64_t trusted = 0;

    if (dbtok_posix_read_file(ca_file, ca_bytes, sizeof ca_bytes, &ca_len) != 0) {
        fprintf(stderr, "trusted_time_client: cannot read %s\n", ca_file);
        exit(2);
    }
    dbtok_posix_port_init(&pctx, &port, 0);
    port.unix_time = NULL; /* the point: a device without a real-time clock */
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "localhost";
    cfg.port = (uint16_t)strtoul(port_text, NULL, 10);
    cfg.token = token;
    cfg.ca = ca_bytes;
    cfg.ca_len = ca_len;
    cfg.timeout_ms = 20000;
    cfg.retry.max_attempts = 1;
    cfg.time_floor_s = floor_s;

    err = dbtok_init(&client, &cfg, &port, work, sizeof work);
    if (err == DBTOK_OK) {
        err = dbtok_token_list(&client, count_entry, NULL);
        flags = dbtok_last_error(&client)->cert_flags;
        trusted = dbtok_trusted_time_s(&client);
        printf("boot=%d floor=%" PRId64 " err=%d cert_verify=%d expired=%d future=%d requests=%" PRIu32
               " trusted=%" PRId64 "\n",
               k, floor_s, (int)err, err == DBTOK_ERR_CERT_VERIFY, (flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0,
               (flags & MBEDTLS_X509_BADCERT_FUTURE) != 0, dbtok_get_stats(&client)->requests, trusted);
        dbtok_close(&client);
    } else {
        printf("boot=%d floor=%" PRId64 " err=%d cert_verify=0 expired=0 future=0 requests=0 trusted=0\n", k,
               floor_s, (int)err);
    }
    fflush(stdout);
    return trusted;
}

int main(int argc, char **argv)
{
    int64_t floor_s;
    char *end = NULL;
    int i;

    if (argc == 2 && strcmp(argv[1], "--mbedtls-checks-dates") == 0) {
#if defined(MBEDTLS_HAVE_TIME_DATE)
        puts("1");
#else
        puts("0");
#endif
        return 0;
    }
    if (argc < 5 || (argc - 3) % 2 != 0) {
        fprintf(stderr, "usage: trusted_time_client TOKEN FLOOR PORT CA_FILE [PORT CA_FILE]...\n");
        return 2;
    }
    floor_s = (int64_t)strtoll(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0') {
        fprintf(stderr, "trusted_time_client: FLOOR is not a number\n");
        return 2;
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
#endif
    for (i = 3; i + 1 < argc; i += 2) {
        int64_t trusted = boot((i - 3) / 2 + 1, argv[1], floor_s, argv[i], argv[i + 1]);
        if (trusted > floor_s) {
            floor_s = trusted;
        }
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    return 0;
}
