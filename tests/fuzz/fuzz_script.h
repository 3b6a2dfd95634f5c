/*
 * What the harnesses that run the client over the scripted fake TLS layer
 * (tests/unit/fake_tls.c) share: the transport drawn from the input, and the
 * record of every request sent with the answer it got.
 *
 * The input gives, in each harness's own header, 16 connection knobs and 6
 * split sizes, and after the header the answers the server sends, in the
 * order requests ask for them, separated by FUZZ_SCRIPT_SEPARATOR. The first
 * byte of each answer says how it ends once its bytes are out: 'R' a reset,
 * 'T' a timeout, 'N' no bytes at all then a close, anything else a close.
 * Each connection knob, in the order the connections are opened: bits 0-2
 * are 5: connect fails (error from bits 3-4), 6: sending breaks off after
 * 32 * (bits 3-6) bytes on it (bit 6 also makes it a timeout), else it
 * works; bit 7: found closed when idle. Later connections work; past the
 * fake's last, connecting is refused. Each split size is a byte for
 * fuzz_split_size (0: as much as fits), cycled over the recvs.
 */
#ifndef DBTOK_FUZZ_SCRIPT_H
#define DBTOK_FUZZ_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_tls.h"

#define FUZZ_SCRIPT_CONN_KNOBS 16
#define FUZZ_SCRIPT_SPLITS 6
#define FUZZ_SCRIPT_SEPARATOR "\n@@\n"
#define FUZZ_SCRIPT_MAX_REQUESTS 512
/* The workspace a harness's client is configured for. */
#define FUZZ_SCRIPT_HOST "adb-1234567890123456.7.azuredatabricks.net"

/* A CA bundle for dbtok_config.ca: the fake TLS layer never parses it. */
extern const uint8_t fuzz_script_ca[];
extern const size_t fuzz_script_ca_len;

/* One dbtok__tls_send_all, and the answer it got. */
typedef struct {
    unsigned conn;
    size_t off; /* in conns[conn].sent */
    size_t len; /* bytes taken */
    bool whole; /* the whole request was taken */
    char kind;  /* 'C' create, 'L' list, 'D' delete (revoke), '?' too short to tell */
    int answer; /* queue index of the answer read; -1 none left (silence); -2 never read */
} fuzz_request;

/* What the client could make of an answer: it reads the same bytes. */
typedef struct {
    bool complete;
    bool head; /* the status line and headers arrived whole */
    int status;
} fuzz_answer;

typedef struct fuzz_script {
    fake_script fake;
    fake_port_ctx pctx;
    dbtok_port port; /* the fake port over pctx, for dbtok_init */
    const uint8_t *splits;
    unsigned next_split;
    fuzz_request req[FUZZ_SCRIPT_MAX_REQUESTS];
    unsigned n_req;
    bool req_overflow; /* more requests than req holds: the later ones are not recorded */
    /* Optional, set by the harness after fuzz_script_start: called after
     * each request recorded (not past req's end), and at the first recv for
     * each recorded request, once its answer is chosen (by then the client
     * has wiped the request). */
    void (*on_request)(struct fuzz_script *s, const fuzz_request *r);
    void (*on_answer)(struct fuzz_script *s, dbtok__state *c);
} fuzz_script;

/*
 * Makes s the fake TLS layer's script (cleared), with the fake port (its log
 * only when with_log, a sleep_ms that moves the fake clock only when
 * with_sleep), the connections of conn_knobs[0..FUZZ_SCRIPT_CONN_KNOBS),
 * the split sizes of splits[0..FUZZ_SCRIPT_SPLITS) and the answers in
 * answers[0..len). The script keeps pointers into splits and answers: both
 * must outlive its use.
 */
void fuzz_script_start(fuzz_script *s, const uint8_t *conn_knobs, const uint8_t *splits, const uint8_t *answers,
                       size_t len, bool with_log, bool with_sleep);

/* The bytes request r took (r->len of them). */
const uint8_t *fuzz_script_request_text(const fuzz_script *s, const fuzz_request *r);

/* Whether r's bytes hold needle[0..len). */
bool fuzz_script_request_holds(const fuzz_script *s, const fuzz_request *r, const char *needle, size_t len);

/*
 * Whether answer idx (of the queue; negative: none) is a complete HTTP
 * response, and its status; its body, decoded from chunks, into *body (a
 * heap block the caller frees, NULL when the answer is not complete) unless
 * body is NULL.
 */
fuzz_answer fuzz_script_answer(const fuzz_script *s, int idx, uint8_t **body, size_t *body_len);

/* Whether every connection has sent_reserve bytes of the fake's record left
 * and req room for another requests records. */
bool fuzz_script_room(const fuzz_script *s, size_t sent_reserve, unsigned requests);

#endif /* DBTOK_FUZZ_SCRIPT_H */
