/*
 * rotate's --store FILE as text (see cli_store_file.h): a strict reader of
 * the one object this tool writes, and its writer. The reader takes no
 * general JSON: one flat object of known members, visible-ASCII strings,
 * integers and booleans, which is all a record is made of.
 */
#include "cli_store_file.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "dbtok/dbtok_types.h"

#include "cli_text.h"

typedef struct {
    const char *start, *p, *end;
    char *err;
    size_t err_cap;
} scan;

/* The members, in the order they are written; bit i of `seen` is MEMBERS[i]. */
enum {
    M_TOKEN_VALUE,
    M_TOKEN_ID,
    M_EXPIRY_TIME,
    M_DEVICE,
    M_HOST,
    M_PORT,
    M_WORKSPACE_ID,
    M_TIME_FLOOR,
    M_RETIRE_ID,
    M_SWEEP,
    M_COUNT
};

static const char *const MEMBERS[M_COUNT] = {"token_value", "token_id", "expiry_time", "device", "host",
                                             "port", "workspace_id", "time_floor", "retire_id", "sweep"};

static int fail(scan *s, const char *what)
{
    cli_set_err(s->err, s->err_cap, "byte %zu: %s", (size_t)(s->p - s->start) + 1, what);
    return -1;
}

static void skip_ws(scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) {
        s->p++;
    }
}

static bool take(scan *s, char c)
{
    skip_ws(s);
    if (s->p < s->end && *s->p == c) {
        s->p++;
        return true;
    }
    return false;
}

static bool visible(char c)
{
    return c >= 0x21 && c <= 0x7e;
}

/* A string into out (cap bytes, NUL-terminated): visible ASCII, escapes \" \\ \/ only. */
static int read_string(scan *s, char *out, size_t cap, const char *what)
{
    size_t n = 0;
    if (!take(s, '"')) {
        return fail(s, "expected a string");
    }
    while (s->p < s->end && *s->p != '"') {
        char c = *s->p++;
        if (c == '\\') {
            if (s->p == s->end || (*s->p != '"' && *s->p != '\\' && *s->p != '/')) {
                return fail(s, "an escape other than \\\" \\\\ or \\/ (dbtok writes no other)");
            }
            c = *s->p++;
        } else if (!visible(c)) {
            return fail(s, "a character other than visible ASCII in a string");
        }
        if (n + 1 >= cap) {
            cli_set_err(s->err, s->err_cap, "%s is longer than %zu bytes", what, cap - 1);
            return -1;
        }
        out[n++] = c;
    }
    if (s->p == s->end) {
        return fail(s, "the string does not end");
    }
    s->p++;
    out[n] = '\0';
    return 0;
}

/* A JSON integer (no fraction, no exponent, no leading zero) within int64. */
static int read_int(scan *s, int64_t *out)
{
    bool neg;
    uint64_t v = 0, limit;
    skip_ws(s);
    neg = s->p < s->end && *s->p == '-';
    limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    if (neg) {
        s->p++;
    }
    if (s->p == s->end || *s->p < '0' || *s->p > '9') {
        return fail(s, "expected an integer");
    }
    if (*s->p == '0' && s->p + 1 < s->end && s->p[1] >= '0' && s->p[1] <= '9') {
        return fail(s, "an integer with a leading zero");
    }
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') {
        unsigned d = (unsigned)(*s->p - '0');
        if (v > (limit - d) / 10u) {
            return fail(s, "an integer out of range");
        }
        v = v * 10u + d;
        s->p++;
    }
    if (s->p < s->end && (*s->p == '.' || *s->p == 'e' || *s->p == 'E')) {
        return fail(s, "expected an integer");
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

static int read_bool(scan *s, bool *out)
{
    skip_ws(s);
    if ((size_t)(s->end - s->p) >= 4 && memcmp(s->p, "true", 4) == 0) {
        s->p += 4;
        *out = true;
        return 0;
    }
    if ((size_t)(s->end - s->p) >= 5 && memcmp(s->p, "false", 5) == 0) {
        s->p += 5;
        *out = false;
        return 0;
    }
    return fail(s, "expected true or false");
}

static int read_member(scan *s, int m, dbtok_stored_token *rec, cli_store_owner *owner)
{
    int64_t v = 0;
    int rc;
    switch (m) {
    case M_TOKEN_VALUE:
        return read_string(s, rec->token_value, sizeof rec->token_value, "token_value");
    case M_TOKEN_ID:
        return read_string(s, rec->token_id, sizeof rec->token_id, "token_id");
    case M_RETIRE_ID:
        return read_string(s, rec->retire_id, sizeof rec->retire_id, "retire_id");
    case M_DEVICE:
        return read_string(s, owner->device, sizeof owner->device, "device");
    case M_HOST:
        return read_string(s, owner->host, sizeof owner->host, "host");
    case M_WORKSPACE_ID:
        return read_string(s, owner->workspace_id, sizeof owner->workspace_id, "workspace_id");
    case M_SWEEP:
        return read_bool(s, &rec->sweep);
    case M_PORT:
        rc = read_int(s, &v);
        if (rc == 0 && (v < 1 || v > 65535)) {
            return fail(s, "port must be 1 to 65535");
        }
        owner->port = (uint16_t)v;
        return rc;
    case M_TIME_FLOOR:
        rc = read_int(s, &rec->time_floor_s);
        return rc == 0 && rec->time_floor_s < 0 ? fail(s, "time_floor must be 0 or more") : rc;
    case M_EXPIRY_TIME:
    default:
        rc = read_int(s, &rec->expiry_time_ms);
        return rc == 0 && rec->expiry_time_ms < -1 ? fail(s, "expiry_time must be -1 (never) or more") : rc;
    }
}

static int find_member(const char *name)
{
    int m;
    for (m = 0; m < M_COUNT; m++) {
        if (strcmp(name, MEMBERS[m]) == 0) {
            return m;
        }
    }
    return -1;
}

int cli_store_parse(const char *text, size_t len, dbtok_stored_token *rec, cli_store_owner *owner, char *err,
                    size_t err_cap)
{
    scan s;
    unsigned seen = 0;
    int m;

    memset(rec, 0, sizeof *rec);
    memset(owner, 0, sizeof *owner);
    s.start = s.p = text;
    s.end = text + len;
    s.err = err;
    s.err_cap = err_cap;
    skip_ws(&s);
    if (s.p == s.end) {
        return 1;
    }
    if (!take(&s, '{')) {
        return fail(&s, "expected a JSON object");
    }
    if (take(&s, '}')) {
        return fail(&s, "the object is empty");
    }
    do {
        char name[32];
        if (read_string(&s, name, sizeof name, "a member's name") != 0) {
            return -1;
        }
        m = find_member(name);
        if (m < 0) {
            return fail(&s, "a member dbtok does not write");
        }
        if ((seen & (1u << m)) != 0) {
            return fail(&s, "a member given twice");
        }
        seen |= 1u << m;
        if (!take(&s, ':')) {
            return fail(&s, "expected ':'");
        }
        if (read_member(&s, m, rec, owner) != 0) {
            return -1;
        }
    } while (take(&s, ','));
    if (!take(&s, '}')) {
        return fail(&s, "expected ',' or '}'");
    }
    skip_ws(&s);
    if (s.p != s.end) {
        return fail(&s, "more after the object");
    }
    for (m = 0; m < M_COUNT; m++) {
        if ((seen & (1u << m)) == 0) {
            cli_set_err(err, err_cap, "no %s", MEMBERS[m]);
            return -1;
        }
    }
    if ((rec->token_value[0] == '\0') != (rec->token_id[0] == '\0')) {
        cli_set_err(err, err_cap, rec->token_id[0] == '\0' ? "a token without a token_id"
                                                            : "a token_id without a token");
        return -1;
    }
    if (owner->device[0] == '\0') {
        cli_set_err(err, err_cap, "an empty device name");
        return -1;
    }
    return 0;
}

/* Appends to out while it fits; n counts what the whole text needs. */
typedef struct {
    char *out;
    size_t cap, n;
    bool bad;
} sink;

static void put(sink *k, const char *s, size_t len)
{
    if (k->n + len < k->cap) {
        memcpy(k->out + k->n, s, len);
    }
    k->n += len;
}

static void put_string(sink *k, const char *name, const char *value, bool last)
{
    size_t len = strlen(value), i, need;
    for (i = 0; i < len; i++) {
        k->bad = k->bad || !visible(value[i]);
    }
    put(k, "  \"", 3);
    put(k, name, strlen(name));
    put(k, "\": \"", 4);
    /* Visible ASCII: only \" and \\ come out escaped, which the reader takes. */
    need = dbtok_json_escape(k->n < k->cap ? k->out + k->n : NULL, k->n < k->cap ? k->cap - k->n : 0, value, len);
    k->n += need;
    put(k, last ? "\"\n" : "\",\n", last ? 2 : 3);
}

static void put_number(sink *k, const char *name, int64_t v)
{
    char line[64];
    int n = snprintf(line, sizeof line, "  \"%s\": %" PRId64 ",\n", name, v);
    put(k, line, (size_t)n);
}

size_t cli_store_format(char *out, size_t cap, const dbtok_stored_token *rec, const cli_store_owner *owner)
{
    sink k;
    k.out = out;
    k.cap = cap;
    k.n = 0;
    k.bad = false;
    put(&k, "{\n", 2);
    put_string(&k, MEMBERS[M_TOKEN_VALUE], rec->token_value, false);
    put_string(&k, MEMBERS[M_TOKEN_ID], rec->token_id, false);
    put_number(&k, MEMBERS[M_EXPIRY_TIME], rec->expiry_time_ms);
    put_string(&k, MEMBERS[M_DEVICE], owner->device, false);
    put_string(&k, MEMBERS[M_HOST], owner->host, false);
    put_number(&k, MEMBERS[M_PORT], owner->port);
    put_string(&k, MEMBERS[M_WORKSPACE_ID], owner->workspace_id, false);
    put_number(&k, MEMBERS[M_TIME_FLOOR], rec->time_floor_s);
    put_string(&k, MEMBERS[M_RETIRE_ID], rec->retire_id, false);
    put(&k, "  \"", 3);
    put(&k, MEMBERS[M_SWEEP], strlen(MEMBERS[M_SWEEP]));
    put(&k, rec->sweep ? "\": true\n}\n" : "\": false\n}\n", rec->sweep ? 10 : 11);
    if (k.bad || k.n >= cap) {
        cli_wipe(out, cap);
        return 0;
    }
    out[k.n] = '\0';
    return k.n;
}
