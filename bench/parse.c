/*
 * The parse benchmark's driver: one token-list body, decoded one way.
 *
 *   dbtok_bench_parse MODE [--heap] BODY_FILE [WINDOW]
 *
 * MODE
 *   dbtok    dbtok's streaming list reader (core/src/list_reader.c) fed the
 *            body in pieces through a WINDOW-byte window (default 2048), the
 *            way the exchange feeds it from TLS: each piece fills the room
 *            the reader left, then the sink reads what it can and keeps the
 *            unfinished entry at the front
 *   cjson    cJSON_ParseWithLength of the whole body in memory, a walk of
 *            token_infos reading the same four fields, and cJSON_Delete
 *   jsmn     jsmn alone, compiled as the core compiles it (strict, parent
 *            links), over each entry of the list, found before the measured
 *            call: the tokenizer dbtok parses every entry with, without the
 *            checks and decoding dbtok adds to it, nor the streaming
 *   memchr   one memchr over the body for a byte it does not hold: touching
 *            every byte once, the floor
 *
 * The work is done inside bench_measured(), which bench/parse runs under
 * `valgrind --tool=callgrind --toggle-collect=bench_measured`, so reading the
 * file and printing are not counted. Both parsers hand each entry's token_id,
 * comment, creation_time and expiry_time to the same accumulator; the
 * printed `entries` and `checksum` must agree between them.
 *
 * With --heap after the mode, cJSON's allocations go through counting hooks
 * (cJSON_InitHooks) and the heap calls and peak bytes are printed; the
 * measured runs leave the hooks out so their instructions are not counted.
 */
#define _GNU_SOURCE

#include <fcntl.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The bench's own copy of jsmn, with the definitions json.c compiles it
 * with (json.h, included below, then finds it already there). */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS
#include <jsmn.h>

#include "list_reader.h"

#ifdef BENCH_HAVE_CJSON
#include <cjson/cJSON.h>
#endif

#define BODY_MAX (64u * 1024u * 1024u)
#define WINDOW_MAX (64u * 1024u)

static uint8_t body[BODY_MAX];
static size_t body_len;
static uint8_t window[WINDOW_MAX];
static size_t window_len = 2048;

typedef struct {
    unsigned long entries;
    uint64_t checksum;
} accumulator;

static accumulator acc;

/* What a caller does with an entry: looks at every field once. */
static void take(const char *id, size_t id_len, size_t comment_len, int64_t created, int64_t expiry)
{
    acc.entries++;
    acc.checksum = acc.checksum * 31u + (uint64_t)id_len + (uint64_t)comment_len + (uint64_t)created +
                   (uint64_t)expiry + (uint8_t)id[0];
}

/* ---- dbtok ------------------------------------------------------------------ */

static dbtok__state client; /* zeroed: no log, so the reader traces nothing */

static int on_entry(void *user, const dbtok_token_info *info)
{
    (void)user;
    take(info->token_id.ptr, info->token_id.len, info->comment.len, info->creation_time_ms, info->expiry_time_ms);
    return 0;
}

static int run_dbtok(void)
{
    exchange_request req;
    list_reader reader;
    size_t cap;
    size_t len = 0;
    size_t off = 0;
    bool first = true;
    dbtok_err err;

    memset(&req, 0, sizeof req);
    req.idempotent = true;
    client.work = window;
    client.work_len = window_len;
    dbtok__list_reader_init(&reader, &client, &req, on_entry, NULL, NULL);
    cap = req.body_window; /* the half the reader gives the body, as the exchange reads it */
    for (;;) {
        size_t n = body_len - off < cap - len ? body_len - off : cap - len;
        bool complete;
        memcpy(window + len, body + off, n); /* stands in for TLS decrypting into the window */
        len += n;
        off += n;
        complete = off == body_len;
        err = dbtok__list_reader_sink(&reader, window, &len, cap, complete, first);
        first = false;
        if (err != DBTOK_OK) {
            fprintf(stderr, "dbtok list reader: %s\n", dbtok_strerror(err));
            return 1;
        }
        if (complete) {
            return 0;
        }
    }
}

/* ---- cJSON ------------------------------------------------------------------ */

#ifdef BENCH_HAVE_CJSON
static unsigned long heap_calls;
static size_t heap_now;
static size_t heap_peak;

static void *counting_malloc(size_t size)
{
    void *p = malloc(size);
    heap_calls++;
    if (p != NULL) {
        heap_now += malloc_usable_size(p);
        heap_peak = heap_now > heap_peak ? heap_now : heap_peak;
    }
    return p;
}

static void counting_free(void *p)
{
    if (p != NULL) {
        heap_calls++;
        heap_now -= malloc_usable_size(p);
    }
    free(p);
}

static int string_field(const cJSON *entry, const char *name, const char **value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(entry, name);
    if (item == NULL || cJSON_IsNull(item)) {
        *value = "";
        return 0;
    }
    if (!cJSON_IsString(item)) {
        return -1;
    }
    *value = item->valuestring;
    return 0;
}

static int time_field(const cJSON *entry, const char *name, int64_t absent, int64_t *value)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(entry, name);
    if (item == NULL || cJSON_IsNull(item)) {
        *value = absent;
        return 0;
    }
    if (!cJSON_IsNumber(item)) {
        return -1;
    }
    *value = (int64_t)item->valuedouble; /* exact below 2^53: epoch milliseconds are */
    return 0;
}

static int run_cjson(void)
{
    cJSON *root = cJSON_ParseWithLength((const char *)body, body_len);
    const cJSON *infos;
    const cJSON *entry;
    int rc = 0;

    if (root == NULL || !cJSON_IsObject(root)) {
        fprintf(stderr, "cJSON: parse failed\n");
        cJSON_Delete(root);
        return 1;
    }
    infos = cJSON_GetObjectItemCaseSensitive(root, "token_infos");
    if (infos != NULL && !cJSON_IsArray(infos)) {
        rc = 1;
    }
    cJSON_ArrayForEach(entry, infos)
    {
        const char *id;
        const char *comment;
        int64_t created;
        int64_t expiry;
        if (!cJSON_IsObject(entry) || string_field(entry, "token_id", &id) != 0 || id[0] == 0 ||
            string_field(entry, "comment", &comment) != 0 || time_field(entry, "creation_time", 0, &created) != 0 ||
            time_field(entry, "expiry_time", -1, &expiry) != 0) {
            rc = 1;
            break;
        }
        take(id, strlen(id), strlen(comment), created, expiry);
    }
    cJSON_Delete(root);
    if (rc != 0) {
        fprintf(stderr, "cJSON: unexpected shape\n");
    }
    return rc;
}
#endif

/* ---- the floor ---------------------------------------------------------------- */

/* ---- jsmn alone --------------------------------------------------------------- */

#define ENTRIES_MAX 20000u
#define ENTRY_TOKENS 512u

static size_t entry_start[ENTRIES_MAX];
static size_t entry_end[ENTRIES_MAX];
static size_t n_entries;
static jsmntok_t entry_tok[ENTRY_TOKENS];

/* Where each entry of token_infos starts and ends, before the measured call:
 * the body is the emulator's valid JSON, so strings and brackets suffice. */
static int find_entries(void)
{
    const uint8_t *at = memmem(body, body_len, "\"token_infos\":[", 15);
    size_t i = at != NULL ? (size_t)(at - body) + 15 : body_len;
    int depth = 0;
    int in_string = 0;

    for (; i < body_len && n_entries < ENTRIES_MAX; i++) {
        uint8_t ch = body[i];
        if (in_string) {
            i += ch == '\\';
            in_string = ch != '"';
        } else if (ch == '"') {
            in_string = 1;
        } else if (ch == '{' || ch == '[') {
            entry_start[n_entries] = depth++ == 0 ? i : entry_start[n_entries];
        } else if (ch == ']' && depth == 0) {
            break;
        } else if ((ch == '}' || ch == ']') && --depth == 0) {
            entry_end[n_entries++] = i + 1;
        }
    }
    return at != NULL ? 0 : -1;
}

static int run_jsmn(void)
{
    size_t k;
    acc.entries = 0;
    for (k = 0; k < n_entries; k++) {
        jsmn_parser p;
        jsmn_init(&p);
        if (jsmn_parse(&p, (const char *)body + entry_start[k], entry_end[k] - entry_start[k], entry_tok,
                       ENTRY_TOKENS) <= 0) {
            return 1;
        }
        acc.entries++;
    }
    return 0;
}

static int run_memchr(void)
{
    /* The body is JSON text: it holds no NUL, so memchr reads all of it. */
    const void *hit = memchr(body, 0, body_len);
    acc.entries = 0;
    acc.checksum = hit == NULL ? body_len : (size_t)((const uint8_t *)hit - body);
    return 0;
}

/* ---- the measured call -------------------------------------------------------- */

int bench_measured(int mode);

__attribute__((noinline)) int bench_measured(int mode)
{
    switch (mode) {
    case 0:
        return run_dbtok();
#ifdef BENCH_HAVE_CJSON
    case 1:
        return run_cjson();
#endif
    case 3:
        return run_jsmn();
    default:
        return run_memchr();
    }
}

static int read_body(const char *path)
{
    int fd = open(path, O_RDONLY);
    ssize_t n;
    if (fd < 0) {
        return -1;
    }
    while ((n = read(fd, body + body_len, BODY_MAX - body_len)) > 0) {
        body_len += (size_t)n;
    }
    close(fd);
    return n < 0 || body_len == BODY_MAX ? -1 : 0;
}

int main(int argc, char **argv)
{
    int mode;
    int heap = 0;
    int rc;
    int argi = 2;

    if (argc >= 3 && strcmp(argv[2], "--heap") == 0) {
        heap = 1;
        argi = 3;
    }
    if (argc < argi + 1 || argc > argi + 2) {
        fprintf(stderr, "usage: dbtok_bench_parse dbtok|cjson|jsmn|memchr [--heap] BODY_FILE [WINDOW]\n");
        return 2;
    }
    if (strcmp(argv[1], "dbtok") == 0) {
        mode = 0;
    } else if (strcmp(argv[1], "cjson") == 0) {
#ifdef BENCH_HAVE_CJSON
        mode = 1;
#else
        fprintf(stderr, "built without cJSON: install libcjson-dev (scripts/install-deps libcjson-dev) and "
                        "reconfigure the build\n");
        return 3;
#endif
    } else if (strcmp(argv[1], "memchr") == 0) {
        mode = 2;
    } else if (strcmp(argv[1], "jsmn") == 0) {
        mode = 3;
    } else {
        fprintf(stderr, "unknown mode %s\n", argv[1]);
        return 2;
    }
    if (read_body(argv[argi]) != 0) {
        fprintf(stderr, "cannot read %s (at most %u bytes)\n", argv[argi], BODY_MAX - 1);
        return 2;
    }
    if (argc == argi + 2) {
        window_len = strtoul(argv[argi + 1], NULL, 10);
        if (window_len < 64 || window_len > WINDOW_MAX) {
            fprintf(stderr, "WINDOW must be 64..%u\n", WINDOW_MAX);
            return 2;
        }
    }
    if (mode == 3 && find_entries() != 0) {
        fprintf(stderr, "no token_infos in %s\n", argv[argi]);
        return 2;
    }
#ifdef BENCH_HAVE_CJSON
    if (heap) {
        cJSON_Hooks hooks;
        hooks.malloc_fn = counting_malloc;
        hooks.free_fn = counting_free;
        cJSON_InitHooks(&hooks);
    }
#endif
    rc = bench_measured(mode);
    printf("mode=%s bytes=%zu entries=%lu checksum=%" PRIu64, argv[1], body_len, acc.entries, acc.checksum);
#ifdef BENCH_HAVE_CJSON
    if (heap) {
        printf(" heap_calls=%lu heap_peak=%zu", mode == 1 ? heap_calls : 0ul, mode == 1 ? heap_peak : (size_t)0);
    }
    printf(" cjson=%s", cJSON_Version());
#else
    (void)heap; /* only cJSON's allocations are counted */
#endif
    printf(" window=%zu reader=%zu\n", window_len, sizeof(list_reader));
    return rc;
}
