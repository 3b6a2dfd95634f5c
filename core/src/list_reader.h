/*
 * The token list, read as it streams in.
 *
 * A list can hold 600 tokens (10,000 from a test server), so its body is
 * never held whole: bytes arrive in a window at the front of the work
 * buffer, this reader walks them one JSON token at a time, validates
 * everything (structure, strings, numbers, literals), and hands each entry of
 * `token_infos` to the caller as soon as its closing brace arrives. Then the
 * window drops what it has read. Memory is the window, whatever the length of
 * the list; the only limit is that one entry (or one string outside the
 * entries) must fit in it.
 */
#ifndef DBTOK_LIST_READER_H
#define DBTOK_LIST_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client_internal.h"
#include "json.h"

/* The four fields of a token info dbtok reports (token_id, comment,
 * creation_time, expiry_time, in this order); others are skipped. */
#define LIST_FIELDS 4
enum { FIELD_ID, FIELD_COMMENT, FIELD_CREATED, FIELD_EXPIRY };

typedef struct {
    int start;       /* offset of the value text (inside the quotes for a string) */
    int end;
    bool is_string;  /* else a primitive other than null */
    bool present;    /* false: absent or null */
} list_field;

/*
 * The one decoder of a token info, for a list entry and a create answer's
 * token_info alike. token_id must be a string (it is required) holding no
 * NUL (dbtok_token_revoke takes it back as a C string); comment a string,
 * which may hold NULs (returned whole, len counting past them); the times
 * integers. Absent or null fields take their defaults: no comment, created
 * at 0, never expires. Object obj of a parsed tree, read under json.c's
 * rule for members and decoded in place. Returns DBTOK_OK or DBTOK_ERR_JSON.
 * (A list entry goes through the same checks as it streams.)
 */
dbtok_err dbtok__token_info_read(json_doc *doc, int obj, dbtok_token_info *info);

typedef struct {
    dbtok__state *client;
    dbtok_token_cb cb;
    void *user;
    exchange_request *req;  /* cleared of `idempotent` once an entry was handed out */

    int pos;                /* next window byte to read */
    int depth;              /* containers open */
    uint64_t objects;       /* bit d-1: the container at depth d is an object */
    uint8_t expect;         /* what the grammar allows next */
    uint8_t top_seen;       /* json_members_key's set for the body: token_infos */
    uint8_t entry_seen;     /* ...and for the entry's LIST_FIELDS */
    bool key_is_infos;      /* the key just read at depth 1 is "token_infos" */
    bool in_infos;          /* the array at depth 2 is token_infos */
    int entry_start;        /* window offset of the entry being read, or -1 */
    int field;              /* which field's value comes next in the entry, or -1 */
    list_field fields[LIST_FIELDS];

    bool measuring;         /* an entry outgrew the window: only its size is wanted */
    bool in_string;
    bool escaped;
    size_t measured;
} list_reader;

void dbtok__list_reader_init(list_reader *lr, dbtok__state *c, exchange_request *req, dbtok_token_cb cb, void *user);

/*
 * The exchange's body sink: window[0..*len) holds unread bytes; reads what it
 * can, hands out complete entries, and moves what is still needed to the
 * front (*len shrinks). complete says the response has ended; first starts
 * reading a new response (a retry after a broken answer). Returns
 * DBTOK_OK, DBTOK_ERR_JSON, DBTOK_ERR_NOT_JSON, DBTOK_ERR_ABORTED, or
 * DBTOK_ERR_BUFFER_TOO_SMALL (with the client's error.needed_work_len set
 * when the size is known).
 */
dbtok_err dbtok__list_reader_sink(void *arg, uint8_t *window, size_t *len, size_t cap, bool complete, bool first);

#endif /* DBTOK_LIST_READER_H */
