/*
 * Firmware for QEMU's mps2-an385 (Cortex-M3; mps2-an386 for the M4F build), in one of
 * two modes, over one TLS session per boot carried by UART0 (the Ethernet images,
 * dbtok_fw_eth.elf and dbtok_fw_provision_eth.elf: over lwIP and TCP, as many sessions
 * as the client opens). Every byte is static; nothing is allocated.
 *
 * Settings come from semihosting arguments, standing in for a real device's own
 * storage and its factory link:
 *   demo:      PROGRAM HOST PORT TOKEN CA_FILE [--clock-offset=SECONDS] [--trace]
 *   provision: PROGRAM HOST PORT BOOTSTRAP CA_FILE --store=FILE --device=NAME
 *              [--client-id=ID] [--rotate-below=SECONDS] [--lifetime=SECONDS]
 *              [--scope=NAME]... [--flash-gate=FIFO] [--trace]
 *              (dbtok_fw_provision.elf and dbtok_fw_provision_eth.elf only)
 *   ethernet:  either mode's arguments and [--resolve=HOST=A.B.C.D] [--timeout=SECONDS],
 *              the demo's also [--idle-ms=N] (the Ethernet images only)
 * HOST is the name the server's certificate must carry, PORT goes into the Host
 * header (the UART is already wired to the server; over Ethernet it is the TCP port
 * too, and --resolve the host table lwIP's link looks HOST up in: no DNS), CA_FILE is the trust anchor, a CA
 * certificate in DER, on the host. The demo (demo.c) creates, lists, revokes and lists
 * with TOKEN; --clock-offset moves its wall clock (tests of certificate dates).
 * --store makes it a provisioning device (provision.c) whose flash is FILE: BOOTSTRAP
 * is its bootstrap credential, a personal access token, or with --client-id the
 * service principal's OAuth secret; "-" for none. --trace shows dbtok's log. The exit
 * code says which step failed (firmware.h); output lines start with "dbtok-fw: ", and
 * the last ones are the measurements that bench/footprint reads.
 */
#include <stdbool.h>
#include <string.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "board.h"
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
#define MAX_ARGS 16
#define TIMEOUT_MS 30000u

static uint8_t arena[DBTOK_FW_ARENA_SIZE];
static uint8_t work[WORK_SIZE];
static uint8_t ca_der[CA_MAX];
static char cmdline[CMDLINE_MAX];
static dbtok_client client;
static mps2_board board;
static dbtok_bm_port port_state;

void dbtok_fw_say(const char *text)
{
    semihost_puts("dbtok-fw: ");
    semihost_puts(text);
}

void dbtok_fw_wipe_text(char *text)
{
    volatile char *v = text;
    while (*v != '\0') {
        *v++ = '\0';
    }
}

bool dbtok_fw_parse_decimal(const char *s, uint32_t max, uint32_t *out)
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

char *dbtok_fw_option_value(char *opt, const char *name)
{
    size_t n = strlen(name);
    return strlen(opt) > n && memcmp(opt, name, n) == 0 ? opt + n : NULL;
}

#if defined(DBTOK_FW_ETHERNET)
/* NAME=A.B.C.D, split in place. */
static bool read_resolve(dbtok_fw_settings *s, char *v)
{
    char *at = strchr(v, '=');
    size_t i;
    if (at == NULL || at == v) {
        return false;
    }
    *at++ = '\0';
    s->resolve_name = v;
    for (i = 0; i < 4; i++) {
        char *end = at;
        uint32_t octet;
        while (*end != '\0' && *end != '.') {
            end++;
        }
        if ((*end == '.') != (i < 3)) {
            return false;
        }
        *end = '\0';
        if (!dbtok_fw_parse_decimal(at, 255u, &octet)) {
            return false;
        }
        s->resolve_ipv4[i] = (uint8_t)octet;
        at = end + 1;
    }
    return true;
}
#endif

static bool read_option(dbtok_fw_settings *s, char *opt)
{
    char *v;
    uint32_t number;

    if (strcmp(opt, "--trace") == 0) {
        s->trace = true;
        return true;
    }
#if defined(DBTOK_FW_ETHERNET)
    if ((v = dbtok_fw_option_value(opt, "--resolve=")) != NULL) {
        return read_resolve(s, v);
    }
    if ((v = dbtok_fw_option_value(opt, "--timeout=")) != NULL) {
        if (!dbtok_fw_parse_decimal(v, TIMEOUT_MS / 1000u, &number) || number == 0) {
            return false;
        }
        s->timeout_ms = number * 1000u;
        return true;
    }
    if ((v = dbtok_fw_option_value(opt, "--idle-ms=")) != NULL) {
        return dbtok_fw_parse_decimal(v, TIMEOUT_MS, &s->idle_ms);
    }
#endif
    if ((v = dbtok_fw_option_value(opt, "--clock-offset=")) != NULL) {
        bool negative = *v == '-';
        if (!dbtok_fw_parse_decimal(v + (negative ? 1 : 0), 0x7fffffffu, &number)) {
            return false;
        }
        s->clock_offset_s = negative ? -(int64_t)number : (int64_t)number;
        return true;
    }
#if defined(DBTOK_FW_PROVISIONING)
    return dbtok_fw_provision_option(s, opt);
#else
    return false;
#endif
}

static bool read_settings(dbtok_fw_settings *s)
{
    char *argv[MAX_ARGS];
    uint32_t number;
    int argc;
    int i;

    memset(s, 0, sizeof *s);
    if (semihost_cmdline(cmdline, sizeof cmdline) < 0) {
        return false;
    }
    argc = split_args(cmdline, argv);
    if (argc < 5 || !dbtok_fw_parse_decimal(argv[2], 65535u, &number) || number == 0) {
        return false;
    }
    s->host = argv[1];
    s->port = (uint16_t)number;
    s->credential = argv[3];
    s->ca_file = argv[4];
    for (i = 5; i < argc; i++) {
        if (!read_option(s, argv[i])) {
            return false;
        }
    }
#if defined(DBTOK_FW_PROVISIONING)
    return dbtok_fw_provision_settings(s);
#else
    return true;
#endif
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

void dbtok_fw_config(const dbtok_fw_settings *s, const dbtok_fw_env *env, dbtok_config *config)
{
    memset(config, 0, sizeof *config);
    config->host = s->host;
    config->port = s->port;
    config->ca = env->ca;
    config->ca_len = env->ca_len;
    config->timeout_ms = TIMEOUT_MS;
#if defined(DBTOK_FW_ETHERNET)
    if (s->timeout_ms != 0) {
        config->timeout_ms = s->timeout_ms;
    }
#endif
    config->user_agent_extra = "board/mps2-an385";
}

uint32_t dbtok_fw_step_failed(const dbtok_client *c, const char *step, dbtok_err err, uint32_t code)
{
    const dbtok_error_info *e = dbtok_last_error(c);
    dbtok_fw_say(step);
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
    dbtok_fw_say("stats");
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
        dbtok_fw_say("arena");
        say_value("peak", (uint32_t)(used + blocks * 8u * sizeof(size_t)));
        say_value("blocks", (uint32_t)blocks);
        say_value("size", (uint32_t)sizeof arena);
        semihost_puts("\n");
    }
#endif
    dbtok_fw_say("stack");
    say_value("peak", (uint32_t)dbtok_fw_stack_peak());
    say_value("size", (uint32_t)dbtok_fw_stack_size());
    semihost_puts("\n");
}

static uint32_t run_mode(dbtok_fw_settings *s, const dbtok_fw_env *env)
{
#if defined(DBTOK_FW_PROVISIONING)
    if (s->store != NULL) {
        return dbtok_fw_provision(s, env);
    }
#endif
    return dbtok_fw_demo(s, env);
}

uint32_t dbtok_fw_main(void)
{
    dbtok_fw_settings s;
    dbtok_fw_env env;
    dbtok_port port;
    uint64_t start;
    uint32_t code;

    if (!read_settings(&s)) {
        dbtok_fw_say("usage: PROGRAM HOST PORT TOKEN CA_FILE [--clock-offset=SECONDS] [--trace]\n");
#if defined(DBTOK_FW_ETHERNET)
        dbtok_fw_say("       [--resolve=HOST=A.B.C.D] [--timeout=SECONDS] [--idle-ms=N]\n");
#endif
#if defined(DBTOK_FW_PROVISIONING)
        dbtok_fw_provision_usage();
#endif
        return DBTOK_FW_EXIT_USAGE;
    }
    env.client = &client;
    env.work = work;
    env.work_len = sizeof work;
    env.ca = ca_der;
    env.ca_len = read_ca(s.ca_file);
    if (env.ca_len == 0) {
        dbtok_fw_say("cannot read the CA certificate, or it is 2 KiB or larger\n");
        return DBTOK_FW_EXIT_CA_FILE;
    }
#if defined(DBTOK_FW_ETHERNET)
    board.host.name = s.resolve_name;
    memcpy(board.host.ipv4, s.resolve_ipv4, sizeof board.host.ipv4);
    board.host_count = s.resolve_name != NULL ? 1u : 0u;
#endif
    switch (mps2_board_init(&board, s.clock_offset_s, s.trace)) {
    case 0:
        break;
    case MPS2_BOARD_NO_NETWORK:
        dbtok_fw_say("no Ethernet controller, or lwIP did not start\n");
        return DBTOK_FW_EXIT_NETWORK;
    default:
        dbtok_fw_say("no entropy source\n");
        return DBTOK_FW_EXIT_BOARD;
    }
    if (s.store != NULL) {
        /* A provisioning device has no real-time clock: its time is the build date,
         * the time kept with its token and what the service's Date says. */
        board.board.unix_time = NULL;
    }
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    dbtok_bm_psa_rng_use(&board.board);
    dbtok_bm_port_init(&port_state, &board.board, &port);
    env.port = &port;

    start = port.now_ms(port.ctx);
    code = run_mode(&s, &env);
    dbtok_close(&client);
    report(port.now_ms(port.ctx) - start);
    dbtok_fw_say(code == DBTOK_FW_EXIT_OK ? "done\n" : "FAILED\n");
    return code;
}
