/*
 * Shared fixture of the client tests (test_create_*.c, test_list.c, ...):
 * token_api.c, exchange.c, client.c, errors.c and trace.c over the scripted
 * transport of fake_tls.c (no TLS, no sockets, no clock but the test's).
 *
 * Every request the client sends is recorded per connection, so the tests
 * assert exact request bytes, how many requests went out and on which
 * connection. The "never twice" tests script a spare connection that would
 * answer a second create successfully, so a retry that should not happen is
 * caught both by the result and by the request count.
 *
 * Include after <cmocka.h> and its prerequisites.
 */
#ifndef DBTOK_TESTS_API_FIXTURE_H
#define DBTOK_TESTS_API_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "client_internal.h" /* tests read the client state */
#include "fake_tls.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define WORK_LEN 16384u
#define POOL_LEN 262144u

#define HOST "adb-1234567890123456.7.azuredatabricks.net"
#define BEARER "dapiBEARERfeedface0123456789abcdef0123"
#define TOKEN_VALUE "dapi0123456789abcdef0123456789abcdef-2"
#define TOKEN_ID "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
#define UA "User-Agent: dbtok/" DBTOK_VERSION_STRING "\r\n"

#define PATH_CREATE "/api/2.0/token/create"
#define PATH_LIST "/api/2.0/token/list"
#define PATH_DELETE "/api/2.0/token/delete"
#define START_CREATE "POST " PATH_CREATE " "
#define START_LIST "GET " PATH_LIST " "
#define START_DELETE "POST " PATH_DELETE " "

typedef struct {
    fake_script script;
    fake_port_ctx pctx;
    dbtok_port port;
    dbtok_config cfg;
    dbtok_client client;
    size_t work_len;
    uint8_t work[WORK_LEN];
    char pool[POOL_LEN];
    size_t pool_used;
} fixture;

/* ---- fixture ------------------------------------------------------------ */

int setup(void **state);
int teardown(void **state);
dbtok_client *start(fixture *fx);
/* Close the client and start again on a fresh script. */
dbtok_client *restart(fixture *fx);
const dbtok_error_info *last(fixture *fx);
/* Retries need the port's sleep: a fixture without it never retries. */
void with_sleep(fixture *fx);

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ---- text building, from the fixture's pool ------------------------------ */

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sbuf;

PRINTF_LIKE(2, 3) void sb_add(sbuf *b, const char *fmt, ...);
sbuf pool_open(fixture *fx);
const char *pool_close(fixture *fx, const sbuf *b);
PRINTF_LIKE(2, 3) const char *fmt(fixture *fx, const char *format, ...);
/* A string of n copies of ch. */
const char *repeat(fixture *fx, char ch, size_t n);
/* A complete response with Content-Length; headers are extra lines, each ending in CRLF. */
const char *response(fixture *fx, int status, const char *content_type, const char *headers, const char *body);
const char *json(fixture *fx, int status, const char *body);
const char *json_h(fixture *fx, int status, const char *headers, const char *body);
/* 200 with a chunked body, `piece` bytes of body per chunk. */
const char *chunked(fixture *fx, const char *body, size_t piece);
/* What dbtok must send: host_header is the Host value, body NULL for none. */
const char *request(fixture *fx, const char *method, const char *path, const char *host_header, const char *body);

/* ---- checks -------------------------------------------------------------- */

/* The bytes at *offset of what conn received equal expected; *offset moves past them. */
void check_sent(const fake_conn *conn, size_t *offset, const char *expected);
/* conn received exactly `expected` and nothing else. */
void check_only_sent(const fake_conn *conn, const char *expected);
void assert_view_in_work(const fixture *fx, dbtok_str s, const char *expected);

/* Checks for a walk over a table of cases: a failure names the row, which a
 * plain assert_int_equal inside the loop would not. */
#define ROW_INT_EQUAL(row, got, want)                                                                              \
    do {                                                                                                           \
        intmax_t row_got_ = (intmax_t)(got);                                                                       \
        intmax_t row_want_ = (intmax_t)(want);                                                                     \
        if (row_got_ != row_want_) {                                                                               \
            fail_msg("row \"%s\": %s is %jd, want %jd", (row), #got, row_got_, row_want_);                             \
        }                                                                                                          \
    } while (0)
#define ROW_STRING_EQUAL(row, got, want)                                                                           \
    do {                                                                                                           \
        if (strcmp((got), (want)) != 0) {                                                                          \
            fail_msg("row \"%s\": %s is \"%s\", want \"%s\"", (row), #got, (got), (want));                             \
        }                                                                                                          \
    } while (0)

/* ---- list callback ------------------------------------------------------ */

#define REC_MAX 64

typedef struct {
    int calls;
    int stop_at;        /* return non-zero on this call (1-based); 0: never */
    bool views_ok;
    char id[REC_MAX][80];
    char comment[REC_MAX][80];
    int64_t created[REC_MAX];
    int64_t expiry[REC_MAX];
} list_rec;

void rec_init(list_rec *r);
int record_cb(void *user, const dbtok_token_info *info);

/* ---- canned answers ------------------------------------------------------ */

extern const char CREATE_BODY[];
extern const char LIST_BODY[];
/* The three entries of LIST_BODY, in order, and nothing else. */
void check_list_body_rec(const list_rec *r);

#endif
