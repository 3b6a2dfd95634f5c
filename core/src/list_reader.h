/*
 * The token list, read as it streams in.
 *
 * A list can hold 600 tokens (10,000 from a test server), so its body is
 * never held whole. While a list streams, the work buffer is cut in two
 * halves: bytes arrive in a window in the first, and the second holds the
 * jsmn tokens of one value. This reader walks the body's own members (its
 * keys, the token_infos array and the commas between entries) and finds where
 * each entry starts; jsmn parses the entry in place as it arrives, and once
 * it has closed, json.c checks it and token_info.c decodes it, as they do a
 * create answer's token_info, and it goes to the caller. A member of the body
 * other than token_infos is checked the same way and skipped. Then the
 * window drops what it has read. Memory is the work buffer, whatever the
 * length of the list; the only limit is that one entry (or one member beside
 * token_infos) and its tokens fit in their halves.
 */
#ifndef DBTOK_LIST_READER_H
#define DBTOK_LIST_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client_internal.h"
#include "json.h"

/* An entry's text as it came, checked (dbtok_token_list_json). */
typedef int (*dbtok__entry_json_cb)(void *user, dbtok_str json);

typedef struct {
    dbtok__state *client;
    dbtok_token_cb cb;            /* each entry decoded, or */
    dbtok__entry_json_cb json_cb; /* (when not NULL) its text, undecoded */
    void *user;
    exchange_request *req;  /* cleared of `idempotent` once an entry was handed out */
    size_t work_len;        /* the work buffer the window starts: both halves */

    int pos;                /* next window byte to read */
    uint8_t expect;         /* what the body's grammar allows next */
    uint8_t top_seen;       /* dbtok__json_member_key's set for the body: token_infos */
    bool key_is_infos;      /* the key just read is "token_infos" */

    /* The entry, or other member value, being parsed as it arrives: */
    int value_start;        /* its window offset, or -1 */
    bool value_is_entry;    /* an entry of token_infos, not a member skipped */
    char closer;            /* the bracket that may end it: '}' or ']' */
    int fed;                /* its bytes jsmn has been given */
    json_feed feed;         /* jsmn, over the second half */

    bool measuring;         /* a value outgrew its half: only its size is wanted */
    int depth;              /* (measuring) brackets open in it */
    bool in_string;
    bool escaped;           /* the last byte was a backslash in a string */
    bool in_primitive;      /* the last byte belonged to a primitive */
    size_t measured;        /* its bytes so far */
    size_t measured_tokens; /* and the jsmn tokens they make */
} list_reader;

/* c->work_len is the size of the work buffer the sink's window starts; the
 * reader sets req->body_window to the first half. */
void dbtok__list_reader_init(list_reader *lr, dbtok__state *c, exchange_request *req, dbtok_token_cb cb,
                             dbtok__entry_json_cb json_cb, void *user);

/*
 * The exchange's body sink: window[0..*len) holds unread bytes, in the first
 * cap (req->body_window) bytes of a work buffer of lr->work_len; reads what
 * it can, hands out complete entries, and moves what is still needed to the
 * front (*len shrinks). complete says the response has ended; first starts
 * reading a new response (a retry after a broken answer). Returns DBTOK_OK,
 * DBTOK_ERR_JSON, DBTOK_ERR_NOT_JSON, DBTOK_ERR_ABORTED, or
 * DBTOK_ERR_BUFFER_TOO_SMALL (with the client's error.needed_work_len set
 * when the size is known).
 */
dbtok_err dbtok__list_reader_sink(void *arg, uint8_t *window, size_t *len, size_t cap, bool complete, bool first);

#endif /* DBTOK_LIST_READER_H */
