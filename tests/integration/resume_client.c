/*
 * One client lifetime over real TLS with session resumption
 * (DBTOK_ENABLE_SESSION_RESUMPTION 1), for tests/integration/test_resume.py.
 *
 *   resume_client HOST PORT CA_FILE TOKEN CALLS [LOAD_FILE|-] [SAVE_FILE]
 *
 * A client for HOST:PORT that trusts CA_FILE loads the session saved in
 * LOAD_FILE (dbtok_session_load(); "-" or absent: none), lists the tokens
 * CALLS times, saves its session to SAVE_FILE (dbtok_session_save()) and is
 * closed. It prints one line:
 *
 *   load=E calls=E handshakes=N resumptions=N save=E refusals=N
 *
 * each E a dbtok_err (load and save 1 when not asked for; calls the first
 * failing list's, else 0); refusals counts the checks of the API's refusals
 * (check_refusals()) that did not hold, 0 when all did. Exits 0 when the
 * line was printed, 2 on bad arguments or unreadable files.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
#include <mbedtls/memory_buffer_alloc.h>
#endif

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
static uint8_t tls_arena[256 * 1024];
#endif
static uint8_t ca_bytes[65536];
static uint8_t session_bytes[8192]; /* a secret: wiped before exit */
static uint8_t work[8192];
static dbtok_client client;

static int skip_entry(void *user, const dbtok_token_info *info)
{
    (void)user;
    (void)info;
    return 0;
}

/* What save and load refuse, on this client as it stands; returns how many
 * refusals did not hold. With a session held it also checks the sizes a
 * save reports, and last that bytes mbedTLS cannot read are refused and
 * leave no session behind. */
static int check_refusals(uint8_t *buf, size_t cap, int held, size_t host_len)
{
    int bad = 0;
    size_t len = 0;
    size_t needed = 0;
    size_t i;

    bad += dbtok_session_save(NULL, buf, cap, &len) != DBTOK_ERR_INVALID_ARG;
    bad += dbtok_session_save(&client, buf, cap, NULL) != DBTOK_ERR_INVALID_ARG;
    bad += dbtok_session_save(&client, NULL, cap, &len) != DBTOK_ERR_INVALID_ARG;
    bad += dbtok_session_load(NULL, buf, 8) != DBTOK_ERR_INVALID_ARG;
    bad += dbtok_session_load(&client, NULL, 8) != DBTOK_ERR_INVALID_ARG;
    if (!held) {
        bad += dbtok_session_save(&client, buf, cap, &len) != DBTOK_ERR_INVALID_ARG;
        return bad;
    }
    /* The size asked for: with no room at all, with less than the host's head, and one byte short. */
    bad += dbtok_session_save(&client, NULL, 0, &needed) != DBTOK_ERR_BUFFER_TOO_SMALL || needed < 4 || needed > cap;
    memset(buf, 0x5a, cap);
    bad += dbtok_session_save(&client, buf, 2, &len) != DBTOK_ERR_BUFFER_TOO_SMALL || len != needed;
    bad += buf[0] != 0 || buf[1] != 0; /* what did not fit is wiped, not left half-written */
    bad += dbtok_session_save(&client, buf, needed - 1, &len) != DBTOK_ERR_BUFFER_TOO_SMALL;
    bad += dbtok_session_save(&client, buf, cap, &len) != DBTOK_OK || len != needed;
    /* Cut to the head alone, or the port changed: refused. */
    bad += dbtok_session_load(&client, buf, 3) != DBTOK_ERR_INVALID_ARG;
    buf[1] ^= 1u;
    bad += dbtok_session_load(&client, buf, len) != DBTOK_ERR_INVALID_ARG;
    buf[1] ^= 1u;
    bad += dbtok_session_load(&client, buf, len) != DBTOK_OK;
    /* The session's own bytes spoilt where mbedTLS records the version and
     * configuration they were saved by (right after dbtok's head: port, host
     * length, host): refused, and none is held after. */
    for (i = 3 + host_len; i < 3 + host_len + 4 && i < len; i++) {
        buf[i] ^= 0xffu;
    }
    bad += dbtok_session_load(&client, buf, len) != DBTOK_ERR_INVALID_ARG;
    bad += dbtok_session_save(&client, buf, cap, &len) != DBTOK_ERR_INVALID_ARG;
    mbedtls_platform_zeroize(buf, cap);
    return bad;
}

static int write_file(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && fwrite(data, 1, len, f) == len;
    if (f != NULL && fclose(f) != 0) {
        ok = 0;
    }
    return ok ? 0 : -1;
}

int main(int argc, char **argv)
{
    dbtok_posix_ctx pctx;
    dbtok_port port;
    dbtok_config cfg;
    size_t ca_len = 0;
    size_t session_len = 0;
    dbtok_err load_err = (dbtok_err)1;
    dbtok_err save_err = (dbtok_err)1;
    dbtok_err calls_err = DBTOK_OK;
    dbtok_err err;
    int refusals;
    long calls;
    long i;

    if (argc < 6 || argc > 8) {
        fprintf(stderr, "usage: resume_client HOST PORT CA_FILE TOKEN CALLS [LOAD_FILE|-] [SAVE_FILE]\n");
        return 2;
    }
    calls = strtol(argv[5], NULL, 10);
    if (dbtok_posix_read_file(argv[3], ca_bytes, sizeof ca_bytes, &ca_len) != 0) {
        fprintf(stderr, "resume_client: cannot read %s\n", argv[3]);
        return 2;
    }
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_init(tls_arena, sizeof tls_arena);
#endif
    dbtok_posix_port_init(&pctx, &port, 0);
    memset(&cfg, 0, sizeof cfg);
    cfg.host = argv[1];
    cfg.port = (uint16_t)strtoul(argv[2], NULL, 10);
    cfg.token = argv[4];
    cfg.ca = ca_bytes;
    cfg.ca_len = ca_len;
    cfg.timeout_ms = 20000;
    cfg.retry.max_attempts = 1;

    err = dbtok_init(&client, &cfg, &port, work, sizeof work);
    if (err != DBTOK_OK) {
        fprintf(stderr, "resume_client: dbtok_init: %d\n", (int)err);
        return 2;
    }
    refusals = check_refusals(session_bytes, sizeof session_bytes, 0, strlen(cfg.host));
    if (argc > 6 && strcmp(argv[6], "-") != 0) {
        if (dbtok_posix_read_file(argv[6], session_bytes, sizeof session_bytes, &session_len) != 0) {
            fprintf(stderr, "resume_client: cannot read %s\n", argv[6]);
            dbtok_close(&client);
            return 2;
        }
        /* The reader adds a NUL after the file's bytes, and counts it. */
        load_err = dbtok_session_load(&client, session_bytes, session_len - 1);
        mbedtls_platform_zeroize(session_bytes, sizeof session_bytes);
    }
    for (i = 0; i < calls && calls_err == DBTOK_OK; i++) {
        calls_err = dbtok_token_list(&client, skip_entry, NULL);
    }
    if (argc > 7) {
        save_err = dbtok_session_save(&client, session_bytes, sizeof session_bytes, &session_len);
        if (save_err == DBTOK_OK && write_file(argv[7], session_bytes, session_len) != 0) {
            fprintf(stderr, "resume_client: cannot write %s\n", argv[7]);
            save_err = DBTOK_ERR_IO;
        }
        mbedtls_platform_zeroize(session_bytes, sizeof session_bytes);
        if (save_err == DBTOK_OK) {
            refusals += check_refusals(session_bytes, sizeof session_bytes, 1, strlen(cfg.host));
        }
    }
    printf("load=%d calls=%d handshakes=%" PRIu32 " resumptions=%" PRIu32 " save=%d refusals=%d\n", (int)load_err,
           (int)calls_err, dbtok_get_stats(&client)->handshakes, dbtok_get_stats(&client)->resumptions,
           (int)save_err, refusals);
    dbtok_close(&client);
#if defined(MBEDTLS_MEMORY_BUFFER_ALLOC_C)
    mbedtls_memory_buffer_alloc_free();
#endif
    return 0;
}
