/*
 * The client under a heap trap: every malloc, calloc, realloc, free,
 * posix_memalign, aligned_alloc and memalign in the process is counted from
 * the first line of main, and the count is printed at the end.
 *
 *   heapless_client HOST PORT TOKEN CA_FILE WORK_LEN COMMAND
 *
 * COMMAND is
 *   flow     create, list (the new token must be there), revoke
 *   list     list every token: one line per entry (id, times, comment in hex)
 *   toobig   list (expected to fail), then revoke an unknown id on the same
 *            client: that must be answered on a new connection
 *   anchors  nothing sent: "arena_held=N", the arena the client holds from
 *            dbtok_init() on (its parsed trust anchors), for the sizing of
 *            each further root in CA_FILE
 *
 * Each step prints "STEP err=N status=N code=S needed=N connects=N ...", N
 * being a dbtok_err. The client runs on a thread whose stack is painted
 * first, so the end also reports the deepest stack use of the whole path
 * (dbtok, mbedTLS, the port and libc), the mbedTLS arena's peak when mbedTLS
 * was built with MBEDTLS_MEMORY_DEBUG, and last "heap_calls=N", counted from
 * the start of that thread.
 * The port is the POSIX one, except that it connects to 127.0.0.1 without
 * getaddrinfo (which allocates); HOST is still the name verified in the
 * certificate. Output goes through write(2), never stdio's buffers.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/memory_buffer_alloc.h>

#include "dbtok/dbtok.h"
#include "dbtok_posix.h"

/* ---- the heap trap --------------------------------------------------------- */

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);
extern void *__libc_memalign(size_t align, size_t size);

static unsigned long heap_calls;

void *malloc(size_t size)
{
    heap_calls++;
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    heap_calls++;
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    heap_calls++;
    return __libc_realloc(p, size);
}

void free(void *p)
{
    if (p != NULL) {
        heap_calls++;
    }
    __libc_free(p);
}

int posix_memalign(void **out, size_t align, size_t size)
{
    heap_calls++;
    *out = __libc_memalign(align, size);
    return *out == NULL ? 12 : 0;
}

void *aligned_alloc(size_t align, size_t size)
{
    heap_calls++;
    return __libc_memalign(align, size);
}

void *memalign(size_t align, size_t size)
{
    heap_calls++;
    return __libc_memalign(align, size);
}

/* ---- output ----------------------------------------------------------------
 *
 * The client's thread only appends to a static buffer with the small
 * formatters below (printf's machinery would dominate the stack being
 * measured); main writes it out with write(2) after the thread ended.
 */

static char out[16 * 1024 * 1024];
static size_t out_len;

static void put(const char *s, size_t n)
{
    if (n > sizeof out - out_len) {
        n = sizeof out - out_len;
    }
    memcpy(out + out_len, s, n);
    out_len += n;
}

static void puts_(const char *s)
{
    put(s, strlen(s));
}

static void put_i64(long long v)
{
    char digits[24];
    size_t n = 0;
    unsigned long long m = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m > 0);
    if (v < 0) {
        digits[sizeof digits - 1 - n++] = '-';
    }
    put(digits + sizeof digits - n, n);
}

static void put_field(const char *name, long long v)
{
    puts_(" ");
    puts_(name);
    puts_("=");
    put_i64(v);
}

static void flush_out(void)
{
    size_t done = 0;
    while (done < out_len) {
        ssize_t n = write(1, out + done, out_len - done);
        if (n <= 0) {
            return;
        }
        done += (size_t)n;
    }
}

/* ---- a port that needs no name resolution ---------------------------------- */

static dbtok_posix_ctx posix_ctx;
static dbtok_port posix_port;

static int connect_loopback(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    struct sockaddr_in sa;
    int fd;
    (void)ctx;
    (void)host;
    (void)timeout_ms;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        if (fd >= 0) {
            close(fd);
        }
        return DBTOK_PORT_ERR_CONNECT;
    }
    /* The POSIX port's send and recv poll a non-blocking socket. */
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        close(fd);
        return DBTOK_PORT_ERR_CONNECT;
    }
    posix_ctx.fd = fd;
    return 0;
}

/* ---- the client ------------------------------------------------------------- */

static uint8_t arena[96 * 1024];
static uint8_t ca[64 * 1024];
static uint8_t work_storage[64 * 1024];
static dbtok_client client;

typedef struct {
    const char *wanted;
    unsigned long count;
    int found;
    int print;
} walk;

static int on_token(void *user, const dbtok_token_info *info)
{
    walk *w = user;
    w->count++;
    if (w->wanted != NULL && info->token_id.len == strlen(w->wanted) &&
        memcmp(info->token_id.ptr, w->wanted, info->token_id.len) == 0) {
        w->found = 1;
    }
    if (w->print) {
        static const char hex[] = "0123456789abcdef";
        size_t i;
        puts_("entry ");
        put(info->token_id.ptr, info->token_id.len);
        puts_(" ");
        put_i64(info->creation_time_ms);
        puts_(" ");
        put_i64(info->expiry_time_ms);
        puts_(" ");
        for (i = 0; i < info->comment.len; i++) {
            char pair[2];
            pair[0] = hex[(unsigned char)info->comment.ptr[i] >> 4];
            pair[1] = hex[(unsigned char)info->comment.ptr[i] & 15];
            put(pair, 2);
        }
        puts_("\n");
    }
    return 0;
}

static void report(const char *step, dbtok_err err)
{
    const dbtok_error_info *e = dbtok_last_error(&client);
    const dbtok_stats *s = dbtok_get_stats(&client);
    puts_(step);
    put_field("err", err);
    put_field("status", e->http_status);
    puts_(" code=");
    puts_(e->error_code);
    put_field("needed", (long long)e->needed_work_len);
    put_field("connects", s->connects);
    put_field("handshakes", s->handshakes);
    put_field("requests", s->requests);
    puts_("\n");
}

static int run_client(int argc, char **argv)
{
    dbtok_config config;
    dbtok_port port;
    dbtok_created_token created;
    size_t ca_len;
    size_t work_len;
    char id[128];
    walk w;
    dbtok_err err;
    int rc = 0;

    if (argc != 7) {
        puts_("usage: heapless_client HOST PORT TOKEN CA_FILE WORK_LEN flow|list|toobig\n");
        return 2;
    }
    work_len = strtoul(argv[5], NULL, 10);
    if (work_len > sizeof work_storage || dbtok_posix_read_file(argv[4], ca, sizeof ca, &ca_len) != 0) {
        puts_("bad WORK_LEN or CA_FILE\n");
        return 2;
    }
    mbedtls_memory_buffer_alloc_init(arena, sizeof arena);
    dbtok_posix_port_init(&posix_ctx, &posix_port, 0);
    port = posix_port;
    port.connect = connect_loopback;
    memset(&config, 0, sizeof config);
    config.host = argv[1];
    config.port = (uint16_t)strtoul(argv[2], NULL, 10);
    config.token = argv[3];
    config.ca = ca;
    config.ca_len = ca_len;
    config.timeout_ms = 30000;
    err = dbtok_init(&client, &config, &port, work_storage, work_len);
    if (err != DBTOK_OK) {
        report("init", err);
        return 1;
    }
    memset(&w, 0, sizeof w);
#if defined(MBEDTLS_MEMORY_DEBUG)
    if (strcmp(argv[6], "anchors") == 0) {
        size_t held_bytes;
        size_t held_blocks;
        mbedtls_memory_buffer_alloc_cur_get(&held_bytes, &held_blocks);
        puts_("arena_held=");
        put_i64((long long)held_bytes);
        puts_("\n");
        (void)held_blocks;
        dbtok_close(&client);
        return 0;
    }
#endif
    if (strcmp(argv[6], "flow") == 0) {
        err = dbtok_token_create(&client, "heapless", 3600, &created);
        report("create", err);
        if (err == DBTOK_OK && dbtok_str_copy(id, sizeof id, created.info.token_id) == DBTOK_OK) {
            dbtok_result_wipe(&client);
            w.wanted = id;
            err = dbtok_token_list(&client, on_token, &w);
            report("list", err);
            if (err == DBTOK_OK) {
                err = dbtok_token_revoke(&client, id);
                report("revoke", err);
            }
        }
        rc = err == DBTOK_OK && w.found ? 0 : 1;
    } else if (strcmp(argv[6], "list") == 0) {
        w.print = 1;
        err = dbtok_token_list(&client, on_token, &w);
        report("list", err);
        puts_("count=");
        put_i64((long long)w.count);
        puts_("\n");
        rc = err == DBTOK_OK ? 0 : 1;
    } else if (strcmp(argv[6], "toobig") == 0) {
        err = dbtok_token_list(&client, on_token, &w);
        report("list", err);
        err = dbtok_token_revoke(&client, "0000");
        report("revoke", err);
    } else {
        puts_("unknown command\n");
        rc = 2;
    }
    dbtok_close(&client);
#if defined(MBEDTLS_MEMORY_DEBUG)
    {
        size_t peak_bytes;
        size_t peak_blocks;
        mbedtls_memory_buffer_alloc_max_get(&peak_bytes, &peak_blocks);
        puts_("arena_peak=");
        put_i64((long long)peak_bytes);
        puts_("\n");
        (void)peak_blocks;
    }
#endif
    return rc;
}

/* ---- running it on a painted stack ------------------------------------------ */

#define STACK_SIZE (256 * 1024)
#define PAINT 0xA5

static uint8_t thread_stack[STACK_SIZE] __attribute__((aligned(64)));

typedef struct {
    int argc;
    char **argv;
    int rc;
    unsigned long heap_calls;
} thread_args;

/* Creating and ending the thread is libc's business, not the client's: only
 * the calls in between are counted. */
static void *client_thread(void *arg)
{
    thread_args *t = arg;
    heap_calls = 0;
    t->rc = run_client(t->argc, t->argv);
    t->heap_calls = heap_calls;
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_attr_t attr;
    pthread_t thread;
    thread_args t;
    size_t untouched = 0;

    memset(thread_stack, PAINT, sizeof thread_stack);
    t.argc = argc;
    t.argv = argv;
    t.rc = 1;
    t.heap_calls = 0;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstack(&attr, thread_stack, sizeof thread_stack) != 0 ||
        pthread_create(&thread, &attr, client_thread, &t) != 0 || pthread_join(thread, NULL) != 0) {
        puts_("cannot run the client thread\n");
        flush_out();
        return 2;
    }
    /* The stack grows down from the top: count paint left at the bottom. */
    while (untouched < sizeof thread_stack && thread_stack[untouched] == PAINT) {
        untouched++;
    }
    puts_("stack_peak=");
    put_i64((long long)(sizeof thread_stack - untouched));
    puts_("\nclient_size=");
    put_i64((long long)sizeof(dbtok_client));
    puts_("\nheap_calls=");
    put_i64((long long)t.heap_calls);
    puts_("\n");
    flush_out();
    return t.heap_calls == 0 ? t.rc : 3;
}
