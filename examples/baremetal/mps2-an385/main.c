/*
 * Provisioning firmware for QEMU's mps2-an385 (Cortex-M3; mps2-an386 for the M4F
 * build): it creates a token with a comment and a lifetime, finds it in the token
 * list, revokes it and checks that the list no longer has it, all over one TLS
 * session carried by UART0. Every byte is static; nothing is allocated.
 *
 * Settings come from semihosting arguments; a real device reads the same from its own
 * storage:
 *   PROGRAM HOST PORT TOKEN CA_FILE [--clock-offset=SECONDS] [--trace]
 * HOST is the name the server's certificate must carry, PORT goes into the Host
 * header (the UART is already wired to the server), CA_FILE is the trust anchor, a CA
 * certificate in DER, on the host. --clock-offset moves the wall clock (tests of certificate dates); --trace
 * shows dbtok's log. The exit code says which step failed (firmware.h); output
 * lines start with "dbtok-fw: ", and the last ones are the measurements that
 * bench/footprint reads.
 */
#include <stdbool.h>
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "board.h"
#include "dbtok/dbtok.h"
#include "firmware.h"
#include "semihost.h"

/* mbedTLS's arena: the CA chain, the TLS session and both record buffers. CMake sets
 * it from the measured peak (README, "Sizing"). */
#ifndef DBTOK_FW_ARENA_SIZE
#error "DBTOK_FW_ARENA_SIZE must be defined"
#endif

#define WORK_SIZE 2048u  /* one request, a create answer and its JSON tokens, or one list entry */
#define CA_MAX 2048u     /* one DER CA certificate, as a device stores it */
#define CMDLINE_MAX 512u
#define MAX_ARGS 8
#define TIMEOUT_MS 30000u
#define COMMENT "dbtok firmware mps2-an385"
#define LIFETIME_S 3600

static uint8_t arena[DBTOK_FW_ARENA_SIZE];
static uint8_t work[WORK_SIZE];
static uint8_t ca_der[CA_MAX];
static char cmdline[CMDLINE_MAX];
static dbtok_client client;
static mps2_board board;
static dbtok_bm_port port_state;

typedef struct {
    const char *host;
    uint16_t port;
    const char *token;
    const char *ca_file;
    int64_t clock_offset_s;
    bool trace;
} settings;

typedef struct {
    const char *token_id;
    bool found;
} search;

static void say(const char *text)
{
    semihost_puts("dbtok-fw: ");
    semihost_puts(text);
}

static bool parse_decimal(const char *s, uint32_t max, uint32_t *out)
{
    uint32_t value = 0;
    if (*s == '\0') {
        return false;
    }
    for (; *s != '\0'; s++) {
        uint32_t digit = (uint32_t)(*s - '0');
        if (digit > 9 || value > (max - digit) / 10u) {
            return false;
        }
        value = value * 10u + digit;
    }
    *out = value;
    return true;
}

/* Splits the command line at spaces, in place. */
static int split_args(char *line, char **argv)
{
    int argc = 0;
    while (*line != '\0' && argc < MAX_ARGS) {
        while (*line == ' ') {
            *line++ = '\0';
        }
        if (*line != '\0') {
            argv[argc++] = line;
        }
        while (*line != '\0' && *line != ' ') {
            line++;
        }
    }
    return *line == '\0' ? argc : -1;
}

static bool read_settings(settings *s)
{
    static const char offset_opt[] = "--clock-offset=";
    char *argv[MAX_ARGS];
    uint32_t number;
    int argc;
    int i;

    memset(s, 0, sizeof *s);
    if (semihost_cmdline(cmdline, sizeof cmdline) < 0) {
        return false;
    }
    argc = split_args(cmdline, argv);
    if (argc < 5 || !parse_decimal(argv[2], 65535u, &number) || number == 0) {
        return false;
    }
    s->host = argv[1];
    s->port = (uint16_t)number;
    s->token = argv[3];
    s->ca_file = argv[4];
    for (i = 5; i < argc; i++) {
        const char *opt = argv[i];
        if (strcmp(opt, "--trace") == 0) {
            s->trace = true;
        } else if (strlen(opt) >= sizeof offset_opt - 1 && memcmp(opt, offset_opt, sizeof offset_opt - 1) == 0) {
            const char *v = opt + sizeof offset_opt - 1;
            bool negative = *v == '-';
            if (!parse_decimal(v + (negative ? 1 : 0), 0x7fffffffu, &number)) {
                return false;
            }
            s->clock_offset_s = negative ? -(int64_t)number : (int64_t)number;
        } else {
            return false;
        }
    }
    return true;
}

/* The CA certificate; returns its length, or 0 when it cannot be read or does not
 * fit. */
static size_t read_ca(const char *path)
{
    int handle = semihost_open(path, SEMIHOST_OPEN_RB);
    int n;
    if (handle < 0) {
        return 0;
    }
    n = semihost_read(handle, ca_der, sizeof ca_der);
    if (n == (int)sizeof ca_der) {
        n = -1; /* a full buffer may have left some of the file behind */
    }
    semihost_close(handle);
    return n > 0 ? (size_t)n : 0;
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

static uint32_t step_failed(const char *step, dbtok_err err, uint32_t code)
{
    const dbtok_error_info *e = dbtok_last_error(&client);
    say(step);
    semihost_puts(" failed: ");
    semihost_puts(dbtok_strerror(err));
    semihost_puts(" (err ");
    semihost_put_int((int32_t)err);
    semihost_puts(", http ");
    semihost_put_int((int32_t)e->http_status);
    semihost_puts(", tls ");
    semihost_put_int((int32_t)e->tls_error);
    semihost_puts(", cert-flags ");
    semihost_put_uint(e->cert_flags);
    semihost_puts(")\n");
    return code;
}

static void say_value(const char *name, uint32_t value)
{
    semihost_puts(" ");
    semihost_puts(name);
    semihost_puts("=");
    semihost_put_uint(value);
}

/* The measurements bench/footprint parses. */
static void report(uint64_t flow_ms)
{
    const dbtok_stats *st = dbtok_get_stats(&client);
    say("stats");
    say_value("connects", st->connects);
    say_value("handshakes", st->handshakes);
    say_value("requests", st->requests);
    say_value("sent", st->bytes_sent);
    say_value("received", st->bytes_received);
    say_value("flow-ms", (uint32_t)flow_ms);
    semihost_puts("\n");
#if defined(MBEDTLS_MEMORY_DEBUG)
    {
        /* Upper bound: both maxima may come from different moments; each block also
         * carries the allocator's header of eight words. */
        size_t used, blocks;
        mbedtls_memory_buffer_alloc_max_get(&used, &blocks);
        say("arena");
        say_value("peak", (uint32_t)(used + blocks * 8u * sizeof(size_t)));
        say_value("blocks", (uint32_t)blocks);
        say_value("size", (uint32_t)sizeof arena);
        semihost_puts("\n");
    }
#endif
    say("stack");
    say_value("peak", (uint32_t)dbtok_fw_stack_peak());
    say_value("size", (uint32_t)dbtok_fw_stack_size());
    semihost_puts("\n");
}

static uint32_t provision(const dbtok_port *port, const settings *s, size_t ca_len)
{
    dbtok_config config;
    dbtok_created_token created;
    char token_id[80];
    search q;
    dbtok_err err;

    memset(&config, 0, sizeof config);
    config.host = s->host;
    config.port = s->port;
    config.token = s->token;
    config.ca = ca_der;
    config.ca_len = ca_len;
    config.timeout_ms = TIMEOUT_MS;
    config.user_agent_extra = "board/mps2-an385";
    err = dbtok_init(&client, &config, port, work, sizeof work);
    if (err != DBTOK_OK) {
        return step_failed("init", err, DBTOK_FW_EXIT_INIT);
    }

    err = dbtok_token_create(&client, COMMENT, LIFETIME_S, &created);
    if (err != DBTOK_OK) {
        return step_failed("create", err, DBTOK_FW_EXIT_CREATE);
    }
    if (dbtok_str_copy(token_id, sizeof token_id, created.info.token_id) != DBTOK_OK) {
        return step_failed("create", DBTOK_ERR_BUFFER_TOO_SMALL, DBTOK_FW_EXIT_CREATE);
    }
    /* A device stores created.token_value in its secure storage here; this one only
     * shows that it arrived, then wipes it. */
    say("created ");
    semihost_puts(token_id);
    semihost_puts(" (value of ");
    semihost_put_uint((uint32_t)created.token_value.len);
    semihost_puts(" bytes)\n");
    dbtok_result_wipe(&client);

    q.token_id = token_id;
    q.found = false;
    err = dbtok_token_list(&client, find_token, &q);
    if (err != DBTOK_OK) {
        return step_failed("list", err, DBTOK_FW_EXIT_LIST);
    }
    if (!q.found) {
        say("list: the new token is missing\n");
        return DBTOK_FW_EXIT_NOT_LISTED;
    }
    say("listed it\n");

    err = dbtok_token_revoke(&client, token_id);
    if (err != DBTOK_OK) {
        return step_failed("revoke", err, DBTOK_FW_EXIT_REVOKE);
    }
    say("revoked it\n");

    q.found = false;
    err = dbtok_token_list(&client, find_token, &q);
    if (err != DBTOK_OK) {
        return step_failed("second list", err, DBTOK_FW_EXIT_RELIST);
    }
    if (q.found) {
        say("second list: the revoked token is still there\n");
        return DBTOK_FW_EXIT_STILL_LISTED;
    }
    say("gone from the list\n");
    return DBTOK_FW_EXIT_OK;
}

uint32_t dbtok_fw_main(void)
{
    settings s;
    dbtok_port port;
    size_t ca_len;
    uint64_t start;
    uint32_t code;

    if (!read_settings(&s)) {
        say("usage: PROGRAM HOST PORT TOKEN CA_FILE [--clock-offset=SECONDS] [--trace]\n");
        return DBTOK_FW_EXIT_USAGE;
    }
    ca_len = read_ca(s.ca_file);
    if (ca_len == 0) {
        say("cannot read the CA certificate, or it is 2 KiB or larger\n");
        return DBTOK_FW_EXIT_CA_FILE;
    }
    if (mps2_board_init(&board, s.clock_offset_s, s.trace) != 0) {
        say("no entropy source\n");
        return DBTOK_FW_EXIT_BOARD;
    }
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    dbtok_bm_psa_rng_use(&board.board);
    dbtok_bm_port_init(&port_state, &board.board, &port);

    start = port.now_ms(port.ctx);
    code = provision(&port, &s, ca_len);
    dbtok_close(&client);
    report(port.now_ms(port.ctx) - start);
    say(code == DBTOK_FW_EXIT_OK ? "done\n" : "FAILED\n");
    return code;
}
