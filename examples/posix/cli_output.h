/*
 * What the dbtok tool prints on stdout, as text or JSON.
 *
 * A create's or a rotation's result is composed into a caller-supplied
 * buffer, and the caller writes that buffer only once the operation has
 * succeeded, so a failed call never leaves a token value nobody will see an
 * error for on stdout. A listing cannot wait for its end (it may hold
 * 100,000 entries): each entry is composed into the same buffer and written
 * at once through a write function (cli_out_set_stream), so its memory is
 * one entry's. A result or entry that does not fit sets `overflow` instead of
 * being cut.
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok.h"

#include "cli_settings.h"

/*
 * The masking step every piece of service- or config-derived text takes
 * before it is printed: copies text[0..len) into out with every trace of a
 * secret replaced, and returns the length the masked text needs (>= cap:
 * out holds a cut copy), as dbtok_mask() does. The tool's one implementation
 * (main.c) runs dbtok_mask() with the client and dbtok_mask_text() with the
 * secrets the tool knows itself.
 */
typedef size_t (*cli_mask_fn)(void *user, const char *text, size_t len, char *out, size_t cap);

/*
 * How cli_escape() writes text for a terminal.
 * CLI_ESC_TEXT: a backslash doubles; \n \r \t; other C0 controls and DEL as
 *   \xHH; C1 controls (U+0080-U+009F, U+0085 among them), U+2028, U+2029 and
 *   the bidi embeddings, overrides and isolates (U+202A-U+202E,
 *   U+2066-U+2069) as \uHHHH; a byte that is not part of valid UTF-8 as \xHH.
 * CLI_ESC_JSON: the inside of a JSON string: \" and \\, \b \f \n \r \t,
 *   other C0 controls, DEL and the code points above as \uHHHH (JSON allows
 *   any character escaped, and a terminal shown the JSON must not receive
 *   them raw); invalid UTF-8 as \ufffd, since JSON text must be UTF-8.
 * CLI_ESC_JSON_RAW: the inside of a JSON string that is already escaped
 *   (the service's own text, checked by the library): its escapes are kept
 *   as they are, and raw code points are treated as CLI_ESC_JSON treats them.
 * Everything else, non-ASCII text included, is copied as it is.
 */
typedef enum { CLI_ESC_TEXT = 0, CLI_ESC_JSON = 1, CLI_ESC_JSON_RAW = 2 } cli_escape_mode;

/*
 * The tool's one escaping routine, applied after masking to everything it
 * prints (stdout, error lines, the -v trace). Writes src[0..len) escaped
 * into dst (cap bytes), NUL-terminated when cap > 0 (cut when it does not
 * fit); returns the length the escaped text needs, not counting the NUL, as
 * snprintf does.
 */
size_t cli_escape(cli_escape_mode mode, const char *src, size_t len, char *dst, size_t cap);

/* Length of the longest prefix of s[0..len) that is valid UTF-8 (shortest
 * form, no surrogates, nothing above U+10FFFF): len when all of it is. */
size_t cli_utf8_valid_len(const char *s, size_t len);

/* Where a listing's bytes go as they are composed: 0 once all of buf[0..len)
 * was written, or -1 with errno set. */
typedef int (*cli_write_fn)(void *user, const char *buf, size_t len);

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow; /* something did not fit: the contents must not be printed */
    cli_output_format format;
    /* list state */
    size_t count;          /* entries written */
    size_t limit;          /* stop the listing after this many; 0: never */
    cli_write_fn write_fn; /* where the entries go (cli_out_set_stream) */
    void *write_user;
    int write_errno; /* why a write failed and stopped the listing; 0: none did */
    /* masking (see cli_out_set_mask) */
    cli_mask_fn mask;
    void *mask_user;
    char *scratch; /* the masked copy of one field */
    size_t scratch_cap;
} cli_out;

/* Start composing into buf[0..cap) in the given format. */
void cli_out_init(cli_out *o, char *buf, size_t cap, cli_output_format format);

/*
 * Pass every service-derived field (token ids, comments; everything but a
 * new token's value, which is what create is for) through mask, using
 * scratch[0..scratch_cap) for the masked copy, before it is escaped into the
 * output. A field whose masked copy does not fit in scratch sets overflow.
 */
void cli_out_set_mask(cli_out *o, cli_mask_fn mask, void *user, char *scratch, size_t scratch_cap);

/* A created token: text shows the value and the id on two lines, JSON the
 * service's answer as it sent it (t->answer_json: every member, in its
 * order), re-indented, each string masked (the token value aside) and
 * escaped (CLI_ESC_JSON_RAW). */
void cli_out_created(cli_out *o, const dbtok_created_token *t);

/*
 * A listing, streamed: cli_out_set_stream() first names where it goes. Each
 * callback composes its entry (the views die after the call), writes it,
 * and returns non-zero to stop the listing when the entry did not fit
 * (overflow), the write failed (write_errno) or --limit was reached (count
 * == limit). After the call succeeded, cli_out_list_end() composes what
 * ends the listing, for the caller to write: the array's `]`, or the
 * header of an empty table. Nothing is written before the first entry, so
 * a listing that failed before it leaves nothing; one that fails later
 * leaves the entries written so far (in JSON, an array without its `]`).
 *
 * Text (cli_out_list_cb, a dbtok_token_cb): a table
 * `ID  CREATED  EXPIRES  COMMENT` with fixed columns (64 characters for the
 * id, 20 for each time, two blanks between; the comment last, unpadded),
 * ISO 8601 UTC times, `never` for an expiry of -1, and ids and comments
 * masked and escaped (CLI_ESC_TEXT) so each token stays on one line and a
 * terminal receives no control sequence.
 * JSON (cli_out_list_json_cb, for dbtok_token_list_json): an array of the
 * entries as the service sent them, every member kept and none added,
 * 2-space indented, strings masked and escaped (CLI_ESC_JSON_RAW).
 */
void cli_out_set_stream(cli_out *o, cli_write_fn write_fn, void *user);
int cli_out_list_cb(void *user, const dbtok_token_info *info);
int cli_out_list_json_cb(void *user, dbtok_str entry);
void cli_out_list_end(cli_out *o);

/*
 * What `rotate` did, for the token the store now holds: text, one line
 * `ACTION: token ID expires TIME (device NAME[; revoked OLD_ID])`; JSON, one
 * object {"action", "token_id", "expiry_time" (epoch ms, -1 never),
 * "device"[, "revoked_token_id"]}. action is "created", "rotated" or
 * "unchanged"; revoked_id is NULL or "" for none. Ids and the name are
 * masked and escaped like every other field.
 */
void cli_out_rotation(cli_out *o, const char *action, const char *token_id, int64_t expiry_ms, const char *device,
                      const char *revoked_id);

/* Overwrite what was composed (it may hold a token value). */
void cli_out_wipe(cli_out *o);

/*
 * Epoch milliseconds as `2026-11-28T15:27:22Z` (UTC, seconds rounded down).
 * Returns the length written, or 0 when cap is too small. The conversion is
 * done here rather than with gmtime_r(): glibc's gmtime_r() initialises the
 * time zone state on first use, which may open /etc/localtime and allocate.
 */
size_t cli_format_time(char *dst, size_t cap, int64_t ms);

#endif /* CLI_OUTPUT_H */
