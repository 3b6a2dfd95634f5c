/*
 * One JSON model (issue 11, point 3): a token_info is decoded by one decoder
 * under one set of rules, whether it comes as a create answer's token_info
 * or as an entry of a streamed list. Each row of the table is sent both
 * ways, through the public API over the scripted transport; both must agree
 * on whether it is read at all and, when it is, on every field, byte for
 * byte. A 2xx create answer that cannot be read is an unknown outcome, a
 * list entry that cannot be read makes the list malformed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

typedef struct {
    int calls;
    char id[96];
    size_t id_len;
    char comment[96];
    size_t comment_len;
    int64_t created;
    int64_t expiry;
} seen_info;

/* Keeps the fields as they came, NULs and all. */
static void keep(seen_info *s, const dbtok_token_info *info)
{
    s->id_len = info->token_id.len < sizeof s->id ? info->token_id.len : sizeof s->id;
    memcpy(s->id, info->token_id.ptr, s->id_len);
    s->comment_len = info->comment.len < sizeof s->comment ? info->comment.len : sizeof s->comment;
    memcpy(s->comment, info->comment.ptr, s->comment_len);
    s->created = info->creation_time_ms;
    s->expiry = info->expiry_time_ms;
}

static int keep_cb(void *user, const dbtok_token_info *info)
{
    seen_info *s = user;
    if (s->calls++ == 0) {
        keep(s, info);
    }
    return 0;
}

/* 70 levels of arrays in a member dbtok does not read. */
static const char *deep_member(fixture *fx)
{
    sbuf b = pool_open(fx);
    int i;
    sb_add(&b, "{\"token_id\":\"deep\",\"n\":");
    for (i = 0; i < 70; i++) {
        sb_add(&b, "[");
    }
    for (i = 0; i < 70; i++) {
        sb_add(&b, "]");
    }
    sb_add(&b, "}");
    return pool_close(fx, &b);
}

static void test_create_and_list_agree(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        const char *info;
        bool readable;
    } rows[] = {
        {"all four fields", "{\"token_id\":\"a1\",\"comment\":\"c\",\"creation_time\":5,\"expiry_time\":9}", true},
        {"id only: defaults", "{\"token_id\":\"a1\"}", true},
        {"nulls are absent",
         "{\"token_id\":\"a1\",\"comment\":null,\"creation_time\":null,\"expiry_time\":null}", true},
        {"unknown members of every kind",
         "{\"x\":{\"y\":[1,{\"z\":null},[],\"]}\"]},\"token_id\":\"a1\",\"w\":6.02e+23,\"v\":true}", true},
        {"unknown keys repeated", "{\"x\":1,\"token_id\":\"a1\",\"x\":2}", true},
        {"escaped keys", "{\"token\\u005fid\":\"a1\",\"\\u0063omment\":\"c\"}", true},
        {"escapes and UTF-8 in the comment",
         "{\"token_id\":\"a1\",\"comment\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \xc3\xa9\"}", true},
        {"a NUL inside the comment", "{\"token_id\":\"a1\",\"comment\":\"a\\u0000b\"}", true},
        {"whitespace everywhere", " {\n\t\"token_id\" : \"a1\" ,\r\n \"expiry_time\" : -1 } ", true},
        {"INT64_MIN", "{\"token_id\":\"a1\",\"creation_time\":-9223372036854775808}", true},
        {"no token_id", "{\"comment\":\"c\"}", false},
        {"token_id null", "{\"token_id\":null}", false},
        {"token_id a number", "{\"token_id\":7}", false},
        {"a NUL in the token_id", "{\"token_id\":\"a\\u0000\"}", false},
        {"token_id twice", "{\"token_id\":\"a1\",\"token_id\":\"a1\"}", false},
        {"comment twice, one null", "{\"token_id\":\"a1\",\"comment\":null,\"c\\u006fmment\":\"y\"}", false},
        {"comment an object", "{\"token_id\":\"a1\",\"comment\":{}}", false},
        {"a time as a string", "{\"token_id\":\"a1\",\"creation_time\":\"5\"}", false},
        {"a time with a fraction", "{\"token_id\":\"a1\",\"expiry_time\":1.5}", false},
        {"a time with an exponent", "{\"token_id\":\"a1\",\"expiry_time\":1e3}", false},
        {"a time past INT64_MAX", "{\"token_id\":\"a1\",\"creation_time\":9223372036854775808}", false},
        {"a lone surrogate", "{\"token_id\":\"a1\",\"comment\":\"\\ud83d\"}", false},
        {"an overlong UTF-8 form", "{\"token_id\":\"a1\",\"comment\":\"\xc0\xaf\"}", false},
        {"a raw tab in a string", "{\"token_id\":\"a1\",\"comment\":\"a\tb\"}", false},
        {"a bracket of the other kind", "{\"token_id\":\"a1\",\"x\":[1}", false},
        {"a missing comma", "{\"token_id\":\"a1\" \"x\":1}", false},
        {"a trailing comma", "{\"token_id\":\"a1\",}", false},
        {"a bad literal", "{\"token_id\":\"a1\",\"x\":nul}", false},
    };
    size_t i;

    start(fx);
    for (i = 0; i < sizeof rows / sizeof rows[0] + 1; i++) {
        const char *name = i < sizeof rows / sizeof rows[0] ? rows[i].name : "70 levels in a member not read";
        const char *info = i < sizeof rows / sizeof rows[0] ? rows[i].info : deep_member(fx);
        bool readable = i < sizeof rows / sizeof rows[0] ? rows[i].readable : true;
        dbtok_created_token out;
        seen_info created;
        seen_info listed;
        dbtok_err c;
        dbtok_err l;

        /* A fresh script per row: whether an unreadable answer keeps the
         * connection is not the point. */
        restart(fx);
        fx->script.auto_conns = true;
        fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"token_value\":\"dapiX\",\"token_info\":%s}", info)));
        fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"token_infos\":[%s]}", info)));
        c = dbtok_token_create(&fx->client, NULL, 0, &out);
        memset(&created, 0, sizeof created);
        memset(&listed, 0, sizeof listed);
        if (c == DBTOK_OK) {
            keep(&created, &out.info);
        }
        l = dbtok_token_list(&fx->client, keep_cb, &listed);
        ROW_INT_EQUAL(name, c, readable ? DBTOK_OK : DBTOK_ERR_OUTCOME_UNKNOWN);
        ROW_INT_EQUAL(name, l, readable ? DBTOK_OK : DBTOK_ERR_JSON);
        ROW_INT_EQUAL(name, listed.calls, readable ? 1 : 0);
        if (readable) {
            ROW_INT_EQUAL(name, listed.id_len, created.id_len);
            ROW_INT_EQUAL(name, memcmp(listed.id, created.id, created.id_len), 0);
            ROW_INT_EQUAL(name, listed.comment_len, created.comment_len);
            ROW_INT_EQUAL(name, memcmp(listed.comment, created.comment, created.comment_len), 0);
            ROW_INT_EQUAL(name, listed.created, created.created);
            ROW_INT_EQUAL(name, listed.expiry, created.expiry);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_and_list_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
