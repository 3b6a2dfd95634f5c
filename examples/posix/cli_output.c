/*
 * Text and JSON output of the dbtok tool, composed into a caller buffer (a
 * create or rotate result whole, a listing one entry at a time: see
 * cli_output.h for why), and the tool's one escaping routine. No heap, no
 * stdio streams: only snprintf into small stack buffers.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_output.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli_text.h"

/* ---- escaping ------------------------------------------------------------ */

/* The code point of the valid UTF-8 sequence at s[0..len), and its length in
 * bytes; 0 when s does not start with one (a stray continuation byte, a cut
 * sequence, an overlong form, a surrogate, or more than U+10FFFF). */
static size_t utf8_next(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t n, i;
    if (c < 0x80u) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2u && c <= 0xDFu) {
        n = 2;
        c &= 0x1Fu;
        min = 0x80u;
    } else if (c >= 0xE0u && c <= 0xEFu) {
        n = 3;
        c &= 0x0Fu;
        min = 0x800u;
    } else if (c >= 0xF0u && c <= 0xF4u) {
        n = 4;
        c &= 0x07u;
        min = 0x10000u;
    } else {
        return 0;
    }
    if (len < n) {
        return 0;
    }
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u) {
            return 0;
        }
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu)) {
        return 0;
    }
    *cp = c;
    return n;
}

size_t cli_utf8_valid_len(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = utf8_next(u + i, len - i, &cp);
        if (n == 0) {
            return i;
        }
        i += n;
    }
    return len;
}

/* What a terminal must not be handed raw: controls move the cursor, recolour,
 * set the window title or paste; U+2028/2029 break lines where a reader does
 * not expect it; bidi controls reorder what is shown (CVE-2021-42574). */
static bool must_escape(uint32_t cp)
{
    return cp < 0x20u || cp == 0x7Fu || (cp >= 0x80u && cp <= 0x9Fu) || cp == 0x2028u || cp == 0x2029u ||
           (cp >= 0x202Au && cp <= 0x202Eu) || (cp >= 0x2066u && cp <= 0x2069u);
}

/* Appends to dst while it has room (one byte kept for the NUL); n counts
 * what the whole text needs either way. */
typedef struct {
    char *dst;
    size_t cap, n;
} sink;

static void emit(sink *k, const char *s, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++, k->n++) {
        if (k->n + 1 < k->cap) {
            k->dst[k->n] = s[i];
        }
    }
}

/* \xHH for a byte, \uHHHH for a code point below U+10000. */
static void emit_hex(sink *k, bool unicode, uint32_t v)
{
    char tmp[8];
    int len = unicode ? snprintf(tmp, sizeof tmp, "\\u%04x", (unsigned)v)
                      : snprintf(tmp, sizeof tmp, "\\x%02x", (unsigned)v);
    emit(k, tmp, (size_t)len);
}

/* Length of the whole JSON escape at s[0..len) (s[0] is a backslash), or 0. */
static size_t raw_escape_len(const char *s, size_t len)
{
    size_t k;
    if (len >= 2 && s[1] != '\0' && strchr("\"\\/bfnrt", s[1]) != NULL) {
        return 2;
    }
    if (len < 6 || s[1] != 'u') {
        return 0;
    }
    for (k = 2; k < 6; k++) {
        char h = s[k];
        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F'))) {
            return 0;
        }
    }
    return 6;
}

size_t cli_escape(cli_escape_mode mode, const char *src, size_t len, char *dst, size_t cap)
{
    const unsigned char *u = (const unsigned char *)src;
    bool json = mode != CLI_ESC_TEXT;
    bool raw = mode == CLI_ESC_JSON_RAW;
    sink k;
    size_t i = 0;
    k.dst = dst;
    k.cap = cap;
    k.n = 0;
    while (i < len) {
        uint32_t cp = 0;
        size_t n = utf8_next(u + i, len - i, &cp);
        if (n == 0) {
            if (json) {
                emit(&k, "\\ufffd", 6); /* JSON text must be UTF-8 */
            } else {
                emit_hex(&k, false, u[i]);
            }
            i++;
            continue;
        }
        if (cp == '\\' && raw) {
            /* An escape already: kept as it is. Masking may have cut one
             * ("\\u00" before the mark): what is left of it is shown as the
             * backslash it then is, so the JSON stays valid. */
            size_t n_esc = raw_escape_len(src + i, len - i);
            emit(&k, n_esc > 0 ? src + i : "\\\\", n_esc > 0 ? n_esc : 2);
            i += n_esc > 0 ? n_esc : 1;
            continue;
        }
        if (cp == '\\') {
            emit(&k, "\\\\", 2);
        } else if (cp == '"' && json) {
            emit(&k, "\\\"", 2);
        } else if (cp == '\n') {
            emit(&k, "\\n", 2);
        } else if (cp == '\r') {
            emit(&k, "\\r", 2);
        } else if (cp == '\t') {
            emit(&k, "\\t", 2);
        } else if (cp == '\b' && json) {
            emit(&k, "\\b", 2);
        } else if (cp == '\f' && json) {
            emit(&k, "\\f", 2);
        } else if (must_escape(cp)) {
            emit_hex(&k, cp >= 0x80u || json, cp);
        } else {
            emit(&k, src + i, n);
        }
        i += n;
    }
    if (cap > 0) {
        dst[k.n < cap ? k.n : cap - 1] = '\0';
    }
    return k.n;
}

/* ---- buffer primitives --------------------------------------------------- */

void cli_out_init(cli_out *o, char *buf, size_t cap, cli_output_format format)
{
    memset(o, 0, sizeof *o);
    o->buf = buf;
    o->cap = cap;
    o->format = format;
}

static void put(cli_out *o, const char *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = true;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

static void puts_(cli_out *o, const char *s)
{
    put(o, s, strlen(s));
}

void cli_out_set_mask(cli_out *o, cli_mask_fn mask, void *user, char *scratch, size_t scratch_cap)
{
    o->mask = mask;
    o->mask_user = user;
    o->scratch = scratch;
    o->scratch_cap = scratch_cap;
}

/* Text escaped in place at the end of the output, all of it or nothing. */
static void put_escaped(cli_out *o, const char *s, size_t n, cli_escape_mode mode)
{
    size_t room, need;
    if (o->overflow) {
        return;
    }
    room = o->cap - o->len;
    need = cli_escape(mode, s, n, o->buf + o->len, room);
    if (need >= room) { /* it needs room for its NUL too */
        o->overflow = true;
        return;
    }
    o->len += need;
}

/* A field the service sent: masked first, then escaped (so an escape can
 * never split a secret the mask would have recognised). */
static void put_service_text(cli_out *o, dbtok_str s, cli_escape_mode mode)
{
    size_t need;
    if (o->overflow) {
        return;
    }
    if (o->mask == NULL) {
        put_escaped(o, s.ptr, s.len, mode);
        return;
    }
    need = o->mask(o->mask_user, s.ptr, s.len, o->scratch, o->scratch_cap);
    if (need >= o->scratch_cap) {
        o->overflow = true; /* not cut: a comment must be shown whole or not at all */
        return;
    }
    put_escaped(o, o->scratch, need, mode);
}

/* A text table cell: masked, then escaped so a comment with a newline or a
 * control sequence cannot break the one-line-per-token layout or reach the
 * terminal. */
static void put_text_escaped(cli_out *o, dbtok_str s)
{
    put_service_text(o, s, CLI_ESC_TEXT);
}

void cli_out_wipe(cli_out *o)
{
    cli_wipe(o->buf, o->len);
    o->len = 0;
}

/* ---- time ---------------------------------------------------------------- */

/* Proleptic Gregorian date of a day count from 1970-01-01, using 400-year eras
 * of 146097 days so that no loop or table is needed. */
static void civil_from_days(int64_t days, int64_t *year, unsigned *month, unsigned *day)
{
    int64_t z = days + 719468; /* days from 0000-03-01 */
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);                              /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u; /* [0, 399] */
    unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                /* [0, 365] */
    unsigned mp = (5u * doy + 2u) / 153u; /* month from March: [0, 11] */
    *day = doy - (153u * mp + 2u) / 5u + 1u;
    *month = mp < 10u ? mp + 3u : mp - 9u;
    *year = (int64_t)yoe + era * 400 + (*month <= 2u ? 1 : 0);
}

size_t cli_format_time(char *dst, size_t cap, int64_t ms)
{
    int64_t secs = ms / 1000 - (ms % 1000 < 0 ? 1 : 0);
    int64_t days = secs / 86400 - (secs % 86400 < 0 ? 1 : 0);
    int64_t rem = secs - days * 86400; /* [0, 86399] */
    int64_t year;
    unsigned month, day;
    int n;
    civil_from_days(days, &year, &month, &day);
    n = snprintf(dst, cap, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)year, month, day,
                 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
    if (n < 0 || (size_t)n >= cap) {
        return 0;
    }
    return (size_t)n;
}

static size_t expiry_text(char *dst, size_t cap, int64_t ms)
{
    if (ms == -1) {
        (void)snprintf(dst, cap, "never");
        return 5;
    }
    return cli_format_time(dst, cap, ms);
}

/* ---- JSON as the service sent it ------------------------------------------
 *
 * `-o json` prints the service's own objects, every member it sent (known
 * to dbtok or not, in its order) and none it did not, re-indented two
 * spaces a level. The text was checked by the library, so a plain walk
 * finds its strings; each string (keys too) is masked and then made safe
 * for a terminal with its escapes kept (CLI_ESC_JSON_RAW), numbers and
 * literals are copied.
 */

static bool is_json_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static size_t skip_ws(dbtok_str j, size_t i)
{
    while (i < j.len && is_json_ws(j.ptr[i])) {
        i++;
    }
    return i;
}

/* Index of the quote that ends the string whose content starts at i. */
static size_t string_end(dbtok_str j, size_t i)
{
    while (i < j.len && j.ptr[i] != '"') {
        i += j.ptr[i] == '\\' ? 2 : 1;
    }
    return i;
}

/* Whether the raw string content j[from..to) decodes to the ASCII word w:
 * the library compares keys decoded, so this must too ("token\u005fvalue"
 * is token_value). */
static bool key_is(dbtok_str j, size_t from, size_t to, const char *w)
{
    size_t i = from;
    for (; *w != '\0'; w++) {
        unsigned c;
        if (i >= to) {
            return false;
        }
        if (j.ptr[i] != '\\') {
            c = (unsigned char)j.ptr[i++];
        } else if (j.ptr[i + 1] == 'u' && i + 6 <= to) {
            unsigned k;
            for (c = 0, k = 2; k < 6; k++) {
                char h = j.ptr[i + k];
                c = c * 16u + (unsigned)(h <= '9' ? h - '0' : (h | 0x20) - 'a' + 10);
            }
            i += 6;
        } else {
            c = (unsigned char)j.ptr[i + 1]; /* \/ and \" decode to themselves; others are no key's */
            i += 2;
        }
        if (c != (unsigned char)*w) {
            return false;
        }
    }
    return i == to;
}

static void put_indent(cli_out *o, size_t depth)
{
    size_t k;
    put(o, "\n", 1);
    for (k = 0; k < depth; k++) {
        put(o, "  ", 2);
    }
}

/* One checked JSON value, its nested lines indented from depth.
 * secret_key: the member of the top-level object whose string value is
 * printed unmasked (a new token's value: printing it is what create is
 * for), or NULL. */
static void put_json_value(cli_out *o, dbtok_str j, size_t depth, const char *secret_key)
{
    size_t level = 0, i = skip_ws(j, 0);
    bool secret_next = false;
    while (i < j.len && !o->overflow) {
        char c = j.ptr[i];
        if (c == '"') {
            size_t end = string_end(j, i + 1);
            size_t after = skip_ws(j, end + 1);
            dbtok_str content;
            bool is_key = after < j.len && j.ptr[after] == ':';
            content.ptr = j.ptr + i + 1;
            content.len = end - i - 1;
            put(o, "\"", 1);
            if (secret_next && !is_key) {
                put_escaped(o, content.ptr, content.len, CLI_ESC_JSON_RAW);
            } else {
                put_service_text(o, content, CLI_ESC_JSON_RAW);
            }
            put(o, "\"", 1);
            secret_next = is_key && level == 1 && secret_key != NULL && key_is(j, i + 1, end, secret_key);
            i = end + 1;
        } else if (c == '{' || c == '[') {
            size_t next = skip_ws(j, i + 1);
            if (next < j.len && (j.ptr[next] == '}' || j.ptr[next] == ']')) {
                put(o, c == '{' ? "{}" : "[]", 2); /* empty: on one line */
                i = next + 1;
            } else {
                put(o, &c, 1);
                put_indent(o, depth + ++level);
                i = next;
            }
            secret_next = false;
        } else if (c == '}' || c == ']') {
            put_indent(o, depth + --level);
            put(o, &c, 1);
            i++;
        } else if (c == ',') {
            put(o, ",", 1);
            put_indent(o, depth + level);
            secret_next = false;
            i = skip_ws(j, i + 1);
        } else if (c == ':') {
            put(o, ": ", 2);
            i = skip_ws(j, i + 1);
        } else if (is_json_ws(c)) {
            i = skip_ws(j, i);
        } else { /* a number or literal: up to what ends it */
            size_t start = i;
            while (i < j.len && !is_json_ws(j.ptr[i]) && j.ptr[i] != ',' && j.ptr[i] != '}' && j.ptr[i] != ']') {
                i++;
            }
            put(o, j.ptr + start, i - start);
            secret_next = false;
        }
    }
}

/* ---- create -------------------------------------------------------------- */

void cli_out_created(cli_out *o, const dbtok_created_token *t)
{
    if (o->format == CLI_OUTPUT_JSON) {
        put_json_value(o, t->answer_json, 0, "token_value");
        puts_(o, "\n");
        return;
    }
    /* Aligned like the list table; `awk '/^token_value/ {print $2}'` works. */
    puts_(o, "token_value  ");
    put_escaped(o, t->token_value.ptr, t->token_value.len, CLI_ESC_TEXT); /* not masked: see put_json_value */
    puts_(o, "\ntoken_id     ");
    put_text_escaped(o, t->info.token_id);
    puts_(o, "\n");
}

/* ---- rotate -------------------------------------------------------------- */

static void put_field(cli_out *o, const char *s, cli_escape_mode mode)
{
    dbtok_str v;
    v.ptr = s;
    v.len = strlen(s);
    put_service_text(o, v, mode);
}

void cli_out_rotation(cli_out *o, const char *action, const char *token_id, int64_t expiry_ms, const char *device,
                      const char *revoked_id)
{
    char when[32];
    size_t when_len;
    bool revoked = revoked_id != NULL && revoked_id[0] != '\0';
    if (o->format == CLI_OUTPUT_JSON) {
        int n = snprintf(when, sizeof when, "%lld", (long long)expiry_ms);
        puts_(o, "{\n  \"action\": \"");
        puts_(o, action);
        puts_(o, "\",\n  \"token_id\": \"");
        put_field(o, token_id, CLI_ESC_JSON);
        puts_(o, "\",\n  \"expiry_time\": ");
        put(o, when, (size_t)n);
        puts_(o, ",\n  \"device\": \"");
        put_field(o, device, CLI_ESC_JSON);
        if (revoked) {
            puts_(o, "\",\n  \"revoked_token_id\": \"");
            put_field(o, revoked_id, CLI_ESC_JSON);
        }
        puts_(o, "\"\n}\n");
        return;
    }
    when_len = expiry_text(when, sizeof when, expiry_ms);
    puts_(o, action);
    puts_(o, ": token ");
    put_field(o, token_id, CLI_ESC_TEXT);
    puts_(o, " expires ");
    put(o, when, when_len);
    puts_(o, " (device ");
    put_field(o, device, CLI_ESC_TEXT);
    if (revoked) {
        puts_(o, "; revoked ");
        put_field(o, revoked_id, CLI_ESC_TEXT);
    }
    puts_(o, ")\n");
}

/* ---- list: streamed ------------------------------------------------------
 *
 * A listing is written entry by entry as the entries arrive, so its memory
 * is one entry's whatever the list's length: the buffer holds one entry's
 * lines at a time, written out through o->write before the next is asked
 * for. The first write carries the table's header or the array's `[`, so a
 * listing that fails before its first entry has written nothing.
 */

void cli_out_set_stream(cli_out *o, cli_write_fn write_fn, void *user)
{
    o->write_fn = write_fn;
    o->write_user = user;
}

/* Write what the entry composed, and say whether the listing goes on. */
static int list_entry_done(cli_out *o)
{
    if (o->overflow) {
        return 1;
    }
    if (o->write_fn(o->write_user, o->buf, o->len) != 0) {
        o->write_errno = errno != 0 ? errno : EIO;
        return 1;
    }
    o->len = 0;
    o->count++;
    return o->limit != 0 && o->count >= o->limit ? 1 : 0;
}

int cli_out_list_json_cb(void *user, dbtok_str entry)
{
    cli_out *o = user;
    o->len = 0;
    puts_(o, o->count == 0 ? "[\n  " : ",\n  ");
    put_json_value(o, entry, 1, NULL);
    return list_entry_done(o);
}

/*
 * The text table has fixed columns, since no width can wait for the last
 * entry: a token id is 64 hex digits (a SHA-256) and a time 20 characters
 * (2026-11-28T15:27:22Z), the comment comes last, unpadded. A cell longer
 * than its column (an id of another form) is followed by the gap alone, so
 * the row still splits on whitespace.
 */
#define COL_GAP 2u
#define ID_WIDTH 64u
#define TIME_WIDTH 20u

static void put_spaces(cli_out *o, size_t n)
{
    static const char spaces[] = "                                ";
    while (n > 0) {
        size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
        put(o, spaces, k);
        n -= k;
    }
}

/* Pad the cell that started at `start` to width, then the gap. */
static void end_cell(cli_out *o, size_t start, size_t width)
{
    size_t used = o->len - start;
    put_spaces(o, (used < width ? width - used : 0) + COL_GAP);
}

static void put_header(cli_out *o)
{
    size_t start = o->len;
    puts_(o, "ID");
    end_cell(o, start, ID_WIDTH);
    start = o->len;
    puts_(o, "CREATED");
    end_cell(o, start, TIME_WIDTH);
    start = o->len;
    puts_(o, "EXPIRES");
    end_cell(o, start, TIME_WIDTH);
    puts_(o, "COMMENT\n");
}

int cli_out_list_cb(void *user, const dbtok_token_info *info)
{
    cli_out *o = user;
    char created[32], expires[32];
    size_t start;
    o->len = 0;
    if (o->count == 0) {
        put_header(o);
    }
    start = o->len;
    put_text_escaped(o, info->token_id);
    end_cell(o, start, ID_WIDTH);
    start = o->len;
    put(o, created, cli_format_time(created, sizeof created, info->creation_time_ms));
    end_cell(o, start, TIME_WIDTH);
    start = o->len;
    put(o, expires, expiry_text(expires, sizeof expires, info->expiry_time_ms));
    if (info->comment.len > 0) { /* a row without comment has no trailing blanks */
        end_cell(o, start, TIME_WIDTH);
        put_text_escaped(o, info->comment);
    }
    puts_(o, "\n");
    return list_entry_done(o);
}

void cli_out_list_end(cli_out *o)
{
    o->len = 0;
    if (o->format == CLI_OUTPUT_JSON) {
        puts_(o, o->count == 0 ? "[]\n" : "\n]\n");
    } else if (o->count == 0) {
        put_header(o);
    }
}
