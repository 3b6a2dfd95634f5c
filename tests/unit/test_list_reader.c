/*
 * Unit tests: the streaming list reader on its own, fed the way the exchange
 * feeds it (a window of a given size, input arriving in given pieces), over a
 * conformance-style table: what must come out, and what must be refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "list_reader.h"

#define MAX_WINDOW 4096

typedef struct {
    unsigned count;
    char ids[64][80];
    char comments[64][80]; /* the first bytes, embedded NULs included */
    size_t comment_len[64];
    int64_t created[64];
    int64_t expiry[64];
} seen;

static int collect(void *user, const dbtok_token_info *info)
{
    seen *s = user;
    if (s->count < 64) {
        (void)snprintf(s->ids[s->count], sizeof s->ids[0], "%.*s", (int)info->token_id.len, info->token_id.ptr);
        size_t n = info->comment.len < sizeof s->comments[0] - 1 ? info->comment.len : sizeof s->comments[0] - 1;
        memcpy(s->comments[s->count], info->comment.ptr, n);
        s->comments[s->count][n] = '\0';
        s->comment_len[s->count] = info->comment.len;
        s->created[s->count] = info->creation_time_ms;
        s->expiry[s->count] = info->expiry_time_ms;
    }
    s->count++;
    return 0;
}

/* Feeds body through a work buffer of work_len bytes, piece bytes per
 * receive (0: as many as fit), exactly as exchange.c does: the body fills
 * the window the reader asked for (req.body_window), the reader keeps the
 * rest. */
static dbtok__state client;

static dbtok_err feed(const char *body, size_t work_len, size_t piece, seen *out)
{
    static uint8_t work[MAX_WINDOW];
    exchange_request req;
    list_reader lr;
    size_t body_len = strlen(body);
    size_t pos = 0;
    size_t len = 0;
    size_t cap;
    bool first = true;

    memset(&client, 0, sizeof client);
    client.config.token = "dapi-secret";
    client.work = work;
    client.work_len = work_len;
    memset(&req, 0, sizeof req);
    req.idempotent = true;
    memset(out, 0, sizeof *out);
    dbtok__list_reader_init(&lr, &client, &req, collect, NULL, out);
    cap = req.body_window;
    assert_true(cap > 0 && cap < work_len);
    for (;;) {
        size_t room = cap - len;
        size_t n = body_len - pos;
        dbtok_err err;
        if (room == 0) {
            return DBTOK_ERR_BUFFER_TOO_SMALL;
        }
        n = n < room ? n : room;
        n = piece != 0 && n > piece ? piece : n;
        memcpy(work + len, body + pos, n);
        len += n;
        pos += n;
        err = dbtok__list_reader_sink(&lr, work, &len, cap, pos == body_len, first);
        first = false;
        if (err != DBTOK_OK || pos == body_len) {
            return err;
        }
    }
}

static void expect_everywhere(const char *body, dbtok_err want, unsigned entries)
{
    static const size_t caps[] = {MAX_WINDOW, 1024, 768};
    static const size_t pieces[] = {0, 1, 2, 3, 7, 64};
    size_t c;
    size_t p;
    for (c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        for (p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
            seen s;
            dbtok_err got = feed(body, caps[c], pieces[p], &s);
            if (got != want || (want == DBTOK_OK && s.count != entries)) {
                fail_msg("work buffer %zu, pieces of %zu: got %d with %u entries, want %d with %u for %s", caps[c],
                         pieces[p], (int)got, s.count, (int)want, entries, body);
            }
        }
    }
}

static void test_accepts(void **state)
{
    static const struct {
        const char *body;
        unsigned entries;
    } cases[] = {
        {"{}", 0},
        {"{\"token_infos\":null}", 0},
        {"{\"token_infos\":[]}", 0},
        {" \t\r\n{ \"token_infos\" : [ { \"token_id\" : \"a\" } , {\"token_id\":\"b\"} ] } \n", 2},
        {"{\"x\":{\"token_infos\":[{\"no\":1}]},\"token_infos\":[{\"token_id\":\"a\"}],\"y\":[1,2,{}]}", 1},
        {"{\"token_infos\":[{\"owners\":[\"a\",{\"k\":[null,true,false,-1.5e+10]}],\"token_id\":\"a\","
         "\"comment\":null,\"workspace_id\":6.02e+23}]}",
         1},
        {"{\"token\\u005finfos\":[{\"token\\u005fid\":\"escaped keys\"}]}", 1},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_everywhere(cases[i].body, DBTOK_OK, cases[i].entries);
    }
}

static void test_decodes_fields(void **state)
{
    seen s;
    (void)state;
    assert_int_equal(feed("{\"token_infos\":[{\"comment\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\"\","
                          "\"expiry_time\":-1,\"token_id\":\"id1\",\"creation_time\":1795879642000}]}",
                          768, 1, &s),
                     DBTOK_OK);
    assert_int_equal(s.count, 1);
    assert_string_equal(s.ids[0], "id1");
    assert_string_equal(s.comments[0], "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\"");
    assert_int_equal(s.created[0], 1795879642000);
    assert_int_equal(s.expiry[0], -1);
}

static void test_rejects(void **state)
{
    static const char *const bad_json[] = {
        "{\"token_infos\":[{\"token_id\":\"a\"},]}",
        "{\"token_infos\":[],}",
        "{\"token_infos\":[,]}",
        "{token_infos:[]}",
        "{'token_infos':[]}",
        "{\"token_infos\":tru}",
        "{\"token_infos\":nul}",
        "{\"token_infos\":True}",
        "{\"x\":01}",
        "{\"x\":1.}",
        "{\"x\":.5}",
        "{\"x\":+1}",
        "{\"x\":1e}",
        "{\"x\":-}",
        "{\"x\":\"unterminated}",
        "{\"x\":\"\\ud83d\"}",
        "{\"x\":\"\\ude00\\ud83d\"}",
        "{\"x\":\"\xc0\xaf\"}",
        "{\"x\":\"\xe0\x80\xaf\"}",
        "{\"x\":\"\xed\xa0\x80\"}",
        "{\"x\":\"\xf4\x90\x80\x80\"}",
        "{\"x\":\"tab\there\"}",
        "{\"x\":\"\\q\"}",
        "{}{}",
        "{} x",
        "{\"a\" 1}",
        "{\"a\":1 \"b\":2}",
        "{\"a\"::1}",
        "{\"a\":}",
        "{\"a\":1,\"b\"}",
        "{\"x\":[1 2]}",
        "{\"x\":[1,,2]}",
        "{\"x\":[}",
        "{\"x\":{]}",
        "{\"token_infos\":[",
        "{\"token_infos\":5}",
        "{\"token_infos\":{}}",
        "{\"token_infos\":[1]}",
        "{\"token_infos\":[{\"comment\":\"no id\"}]}",
        "{\"token_infos\":[{\"token_id\":7}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"creation_time\":9223372036854775808}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"creation_time\":1.5}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":[]}]}",
        "{\"token_infos\":[],\"token_infos\":[]}",
        "[]",
    };
    char deep[256];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        expect_everywhere(bad_json[i], DBTOK_ERR_JSON, 0);
    }
    /* 70 levels that never close. */
    memset(deep, 0, sizeof deep);
    deep[0] = '{';
    strcat(deep, "\"x\":");
    for (i = 0; i < 70; i++) {
        strcat(deep, "[");
    }
    expect_everywhere(deep, DBTOK_ERR_JSON, 0);
}

/* A value closed by a bracket of the other kind is malformed, also when it
 * fills the window and jsmn, fed up to each bracket of its own kind, was
 * never handed its end. */
static void test_mismatched_close(void **state)
{
    char body[2048] = "{\"x\":[1";
    seen s;
    size_t i;
    (void)state;
    for (i = 0; i < 150; i++) {
        strcat(body, ",1");
    }
    strcat(body, "},\"p\":\"");
    for (i = 0; i < 400; i++) {
        strcat(body, "p");
    }
    strcat(body, "\"}");
    assert_int_equal(feed(body, 1024, 0, &s), DBTOK_ERR_JSON);
    assert_int_equal(client.error.needed_work_len, 0);
    assert_int_equal(feed(body, 1024, 5, &s), DBTOK_ERR_JSON);
    assert_int_equal(feed(body, MAX_WINDOW, 0, &s), DBTOK_ERR_JSON);
    expect_everywhere("{\"x\":[1}", DBTOK_ERR_JSON, 0);
    expect_everywhere("{\"token_infos\":[{\"token_id\":\"a\"]]}", DBTOK_ERR_JSON, 0);
}

/* Depth has the create answer's rule, being json.c's: no limit but the
 * tokens that fit (each level is one), here 71 of them beside the list. */
static void test_deep_nesting(void **state)
{
    char deep[256] = "{\"x\":";
    seen s;
    size_t i;
    (void)state;
    for (i = 0; i < 70; i++) {
        strcat(deep, "[");
    }
    for (i = 0; i < 70; i++) {
        strcat(deep, "]");
    }
    strcat(deep, ",\"token_infos\":[{\"token_id\":\"a\"}]}");
    assert_int_equal(feed(deep, MAX_WINDOW, 0, &s), DBTOK_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(feed(deep, 1024, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(client.error.needed_work_len, 2 * (70 * sizeof(jsmntok_t) + sizeof(int) - 1));
}

static void test_not_json(void **state)
{
    (void)state;
    expect_everywhere("<html><body>Sign in</body></html>", DBTOK_ERR_NOT_JSON, 0);
    expect_everywhere("Invalid Token", DBTOK_ERR_NOT_JSON, 0);
    expect_everywhere("   ", DBTOK_ERR_NOT_JSON, 0);
}

/* An entry larger than the window, or with more tokens than the other half
 * holds, is refused with the size of work buffer that would do, and that
 * size does. */
static void test_entry_too_large(void **state)
{
    char body[2048];
    char ones[200];
    seen s;
    size_t needed;
    (void)state;
    (void)snprintf(body, sizeof body, "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"comment\":\"%0600d\"}]}",
                   0);
    assert_int_equal(feed(body, 1024, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 1);
    needed = client.error.needed_work_len;
    assert_int_equal(needed, 2 * (strlen("{\"token_id\":\"b\",\"comment\":\"\"}") + 600 + 1));
    assert_int_equal(feed(body, needed, 0, &s), DBTOK_OK);
    assert_int_equal(s.count, 2);
    assert_int_equal(feed(body, needed - 2, 7, &s), DBTOK_ERR_BUFFER_TOO_SMALL);

    /* 90 numbers: a short text, but 95 tokens of 20 bytes */
    memset(ones, 0, sizeof ones);
    for (size_t i = 0; i < 90; i++) {
        strcat(ones, i == 0 ? "1" : ",1");
    }
    (void)snprintf(body, sizeof body, "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"n\":[%s]}]}", ones);
    assert_int_equal(feed(body, 1024, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 1);
    needed = client.error.needed_work_len;
    assert_int_equal(needed, 2 * (95 * sizeof(jsmntok_t) + sizeof(int) - 1));
    assert_int_equal(feed(body, needed, 3, &s), DBTOK_OK);
    assert_int_equal(s.count, 2);

    /* Too many tokens before a bracket the entry goes on past, beyond the
     * window: measured to its end as it arrives. */
    (void)snprintf(body, sizeof body, "{\"token_infos\":[{\"token_id\":\"a\",\"n\":[%s],\"c\":\"%0700d\"}]}", ones, 0);
    assert_int_equal(feed(body, 1024, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 0);
    needed = client.error.needed_work_len;
    assert_int_equal(needed, 2 * (97 * sizeof(jsmntok_t) + sizeof(int) - 1));
    assert_int_equal(feed(body, needed, 0, &s), DBTOK_OK);
    assert_int_equal(s.count, 1);
    /* ... and when the body ends first, nothing says what would do */
    body[strlen(body) - 20] = '\0';
    assert_int_equal(feed(body, 1024, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(client.error.needed_work_len, 0);
}

/* Field types deliver() refuses, structure errors at each kind of bracket,
 * and keys and values that only an escape or a length tells apart. */
static void test_rejects_more(void **state)
{
    static const char *const bad_json[] = {
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":5}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":true}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"creation_time\":\"5\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"expiry_time\":\"5\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"expiry_time\":1.5}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"expiry_time\":99999999999999999999}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"creation_time\":{}}]}",
        "{\"token_infos\":[[]]}",
        "{\"token_infos\":[\"a\"]}",
        "{\"token_infos\":true}",
        "{\"token_infos\":\"null\"}",
        "{\"token_infos\":12345}",
        "{\"a\"{}}",
        "{\"a\":1{}}",
        "{\"x\":[1[]]}",
        "{}}",
        "{}]",
        "{\"a\":1]",
        "{\"a\":[1}",
        "{\"a\":]}",
        "{\"a\":}",
        "{\"x\":1",
        "{\"x\":[1",
        "{\"x\":\"s\"",
        "{\"token_infos\":[{\"token_id\":\"a\"}",
        "{} \"s\"",
        "{} 5",
        "{} {",
        "{\"tab\there\":1}",
        "{\"token_inf",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++) {
        expect_everywhere(bad_json[i], DBTOK_ERR_JSON, 0);
    }
}

/* A field name spelled with an escape is still that field; other escaped
 * keys in an entry are skipped. */
static void test_escaped_entry_keys(void **state)
{
    seen s;
    (void)state;
    expect_everywhere("{\"token_infos\":[{\"\\u0074oken_id\":\"a\",\"\\u0078\":1,\"\\u0063omment\":\"c\"}]}",
                      DBTOK_OK, 1);
    assert_int_equal(feed("{\"token_infos\":[{\"\\u0074oken_id\":\"a\",\"\\u0078\":1,\"\\u0063omment\":\"c\","
                          "\"\\u0065xpiry_time\":7}]}",
                          4096, 0, &s),
                     DBTOK_OK);
    assert_int_equal(s.count, 1);
    assert_string_equal(s.ids[0], "a");
    assert_string_equal(s.comments[0], "c");
    assert_int_equal(s.expiry[0], 7);
    /* a field's null is "absent", another field's value then still counts */
    assert_int_equal(feed("{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null,\"creation_time\":null}]}", 4096, 0,
                          &s),
                     DBTOK_OK);
    assert_string_equal(s.comments[0], "");
    assert_int_equal(s.created[0], 0);
}

/* An entry larger than the window is measured through strings with escaped
 * quotes and backslashes, and nested brackets, which must not end it early;
 * a body that ends while measuring is still "too small". */
static void test_entry_too_large_measured(void **state)
{
    char body[1024];
    char cut[1024];
    seen s;
    size_t len;
    (void)state;
    (void)snprintf(body, sizeof body,
                   "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"comment\":\"%0200d\\\"}]\\\\\","
                   "\"owners\":[{\"k\":[1,2]},\"]}\"],\"more\":\"%0100d\"},{\"token_id\":\"c\"}]}",
                   0, 0);
    assert_int_equal(feed(body, 128, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 1);
    assert_int_equal(feed(body, 128, 5, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 1);
    /* measured past the window, tokens counted too: that size does */
    assert_true(client.error.needed_work_len >= 2 * 350);
    assert_int_equal(feed(body, client.error.needed_work_len, 0, &s), DBTOK_OK);
    assert_int_equal(s.count, 3);
    assert_string_equal(s.ids[2], "c");
    /* cut inside the oversized entry */
    len = strlen(body);
    memcpy(cut, body, len - 40);
    cut[len - 40] = 0;
    assert_int_equal(feed(cut, 128, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(s.count, 1);
}

/* Measuring reads a value as strict jsmn does: a primitive runs to
 * whitespace, ',', ']' or '}' (a quote glued to it included), so the size
 * measured for an oversized entry of primitives is one that then holds it,
 * and a primitive with a quote glued to it is malformed at any size. */
static void test_entry_too_large_primitives_measured(void **state)
{
    char body[1024];
    char glued[1024];
    seen s;
    (void)state;
    (void)snprintf(body, sizeof body,
                   "{\"token_infos\":[{\"token_id\":\"b\",\"n\":[1 ,2,true],\"o\":{\"p\":null},\"q\":[-1.5e3],"
                   "\"r\":\"%0200d\",\"t\":false}]}",
                   0);
    assert_int_equal(feed(body, 128, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_true(client.error.needed_work_len > 128);
    assert_int_equal(feed(body, client.error.needed_work_len, 0, &s), DBTOK_OK);
    assert_int_equal(s.count, 1);
    (void)snprintf(glued, sizeof glued, "{\"x\":[1\",%s\" ]\"]}",
                   "[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],[],");
    assert_int_equal(feed(glued, 128, 0, &s), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(feed(glued, client.error.needed_work_len, 0, &s), DBTOK_ERR_JSON);
}

/* DESIGN.md principle 7 in the list: a key dbtok reads appears once per
 * object, compared after decoding escapes and whatever the values (null
 * included); the second makes the answer malformed. Entries before the
 * offending one have been handed out (the list streams). */
static void test_duplicate_keys(void **state)
{
    static const char *const bad[] = {
        "{\"token_infos\":[{\"token_id\":\"a\",\"token_id\":\"b\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"token_id\":\"a\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"token\\u005fid\":\"b\"}]}",
        "{\"token_infos\":[{\"\\u0074oken_id\":\"a\",\"token_id\":\"b\"}]}",
        "{\"token_infos\":[{\"token_id\":null,\"token_id\":\"a\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"x\",\"comment\":\"y\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null,\"comment\":\"y\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"y\",\"c\\u006fmment\":null}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"creation_time\":1,\"creation_time\":1}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"expiry_time\":-1,\"expiry\\u005ftime\":5}]}",
        "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"comment\":\"\",\"comment\":\"\"}]}",
        /* the top level: two lists, whichever is null or spelled with an escape */
        "{\"token_infos\":[{\"token_id\":\"a\"}],\"token_infos\":[]}",
        "{\"token_infos\":null,\"token_infos\":[{\"token_id\":\"a\"}]}",
        "{\"token_infos\":[],\"token\\u005finfos\":null}",
    };
    static const struct {
        const char *body;
        unsigned entries;
    } good[] = {
        /* keys dbtok does not read may repeat, at every level */
        {"{\"token_infos\":[{\"token_id\":\"a\",\"x\":1,\"x\":2,\"owners\":[],\"owners\":[\"s\"]}],\"y\":1,\"y\":2}", 1},
        /* objects dbtok does not read (nested in an entry, or beside the list) */
        {"{\"token_infos\":[{\"token_id\":\"a\",\"n\":{\"token_id\":\"b\",\"token_id\":\"c\"}}]}", 1},
        {"{\"x\":{\"token_infos\":1,\"token_infos\":2},\"token_infos\":[{\"token_id\":\"a\"}]}", 1},
        /* each entry is an object of its own */
        {"{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null},{\"token_id\":\"b\",\"comment\":\"c\"}]}", 2},
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_everywhere(bad[i], DBTOK_ERR_JSON, 0);
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        expect_everywhere(good[i].body, DBTOK_OK, good[i].entries);
    }
}

/* RFC 8259 lets any string hold \u0000. It fails nothing by itself: only a
 * token_id, which is handed out for dbtok_token_revoke() (a C string), must
 * not hold one. A key holding one is simply another key. */
static void test_nul_escapes(void **state)
{
    static const char *const good[] = {
        "{\"x\":\"\\u0000\",\"token_infos\":[{\"token_id\":\"a\",\"owners\":[\"s\\u0000\"],\"\\u0000\":1}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"a\\u0000b\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\",\"token_id\\u0000\":\"b\"}]}",
        "{\"token_infos\\u0000\":[{\"no\":\"id\"}]}",
    };
    static const char *const bad[] = {
        "{\"token_infos\":[{\"token_id\":\"a\\u0000\"}]}",
        "{\"token_infos\":[{\"token_id\":\"\\u0000\"}]}",
        "{\"token_infos\":[{\"token_id\":\"\\ud83d\\ude00\\u0000x\"}]}",
        "{\"token_infos\":[{\"token_id\\u0000\":\"a\"}]}", /* no token_id at all */
    };
    seen s;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        expect_everywhere(good[i], DBTOK_OK, i < 3 ? 1 : 0);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        expect_everywhere(bad[i], DBTOK_ERR_JSON, 0);
    }
    /* The comment comes whole: its length counts past the NUL. */
    assert_int_equal(feed("{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"a\\u0000b\\u0000\"},"
                          "{\"token_id\":\"b\",\"comment\":\"\\u0000\"}]}",
                          768, 3, &s),
                     DBTOK_OK);
    assert_int_equal(s.count, 2);
    assert_int_equal(s.comment_len[0], 4);
    assert_memory_equal(s.comments[0], "a\0b\0", 5);
    assert_int_equal(s.comment_len[1], 1);
    assert_memory_equal(s.comments[1], "\0", 2);
    assert_string_equal(s.ids[1], "b");
}

/* null is absent for every field an entry has; a token_id that is null is
 * missing, so the entry is malformed. */
static void test_null_fields(void **state)
{
    seen s;
    (void)state;
    expect_everywhere("{\"token_infos\":[{\"token_id\":null}]}", DBTOK_ERR_JSON, 0);
    expect_everywhere("{\"token_infos\":[{\"token_id\":null,\"comment\":\"c\"}]}", DBTOK_ERR_JSON, 0);
    assert_int_equal(feed("{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null,\"creation_time\":null,"
                          "\"expiry_time\":null}]}",
                          4096, 0, &s),
                     DBTOK_OK);
    assert_int_equal(s.count, 1);
    assert_int_equal(s.comment_len[0], 0);
    assert_int_equal(s.created[0], 0);
    assert_int_equal(s.expiry[0], -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepts),
        cmocka_unit_test(test_decodes_fields),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_mismatched_close),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_entry_too_large),
        cmocka_unit_test(test_rejects_more),
        cmocka_unit_test(test_escaped_entry_keys),
        cmocka_unit_test(test_entry_too_large_measured),
        cmocka_unit_test(test_entry_too_large_primitives_measured),
        cmocka_unit_test(test_duplicate_keys),
        cmocka_unit_test(test_nul_escapes),
        cmocka_unit_test(test_null_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
