/*
 * Unit tests for core/src/json.c (jsmn plus validation and decoding),
 * core/src/str_util.c (dbtok_str_copy, dbtok_json_escape) and
 * core/src/create_request.c (dbtok_create_request_parse).
 *
 * Every body is copied into a heap block of exactly its length, so a read
 * past the end shows up under valgrind and AddressSanitizer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

#define MAX_TOK 128

typedef struct {
    char *text;
    size_t len;
    json_doc doc;
    jsmntok_t tok[MAX_TOK];
} fixture;

/* Parse len bytes of src with MAX_TOK tokens. Release with fx_free. */
static dbtok_err fx_parse_n(fixture *f, const char *src, size_t len)
{
    f->len = len;
    f->text = malloc(len > 0 ? len : 1);
    assert_non_null(f->text);
    memcpy(f->text, src, len);
    return dbtok__json_parse(&f->doc, f->text, len, f->tok, MAX_TOK);
}

static dbtok_err fx_parse(fixture *f, const char *src)
{
    return fx_parse_n(f, src, strlen(src));
}

/* Index of the value of `key` in object obj (compared after decoding
 * escapes), or -1 when absent or obj is not an object; the first occurrence
 * wins. The tests' own lookup, outside json.c's rule for members: the core
 * reads objects only through dbtok__json_object_members. */
static int object_get(const json_doc *doc, int obj, const char *key)
{
    int k;
    int m;

    if (key == NULL || obj < 0 || obj >= doc->ntok || doc->tok[obj].type != JSMN_OBJECT) {
        return -1;
    }
    k = obj + 1;
    for (m = 0; m < doc->tok[obj].size && k + 1 < doc->ntok; m++) {
        if (dbtok__json_span_equals(doc->text, doc->tok[k].start, doc->tok[k].end, key)) {
            return k + 1;
        }
        k = dbtok__json_skip(doc, k + 1);
    }
    return -1;
}

static void fx_free(fixture *f)
{
    free(f->text);
    f->text = NULL;
}

/* The decoded string at obj.key, asserting it exists and is a string. */
static const char *get_str(fixture *f, int obj, const char *key)
{
    dbtok_str s;
    int i = object_get(&f->doc, obj, key);

    assert_true(i > 0);
    assert_int_equal(dbtok__json_string(&f->doc, i, &s), DBTOK_OK);
    assert_int_equal(s.ptr[s.len], '\0');
    assert_int_equal(strlen(s.ptr), s.len);
    return s.ptr;
}

static int64_t get_i64(fixture *f, int obj, const char *key)
{
    int64_t v = 0;
    int i = object_get(&f->doc, obj, key);

    assert_true(i > 0);
    assert_int_equal(dbtok__json_int64(&f->doc, i, &v), DBTOK_OK);
    return v;
}

/* ---- realistic bodies (WIRE.md) ---------------------------------------- */

static const char create_body[] =
    "{\n"
    "  \"token_info\": {\n"
    "    \"comment\": \"factory \\\"line 3\\\" \\u2014 unit\\t42\",\n"
    "    \"owner_id\": 1234567890123,\n"
    "    \"nested\": {\"token_id\": \"decoy\", \"deep\": [1, {\"x\": null}], \"f\": 1.5e3},\n"
    "    \"creation_time\": 1764339200123,\n"
    "    \"scopes\": [\"all-apis\", \"sql\"],\n"
    "    \"token_id\": \"5715498424f15ee0213be729257b53fc35a47d5953e3bdfd8ed22a0b71a3d4e2\",\n"
    "    \"expiry_time\": -1,\n"
    "    \"created_by_id\": 42\n"
    "  },\n"
    "  \"autoscope_state\": \"ENABLED\",\n"
    "  \"token_value\": \"dapi0123456789abcdef0123456789abcdef-2\"\n"
    "}\n";

static void test_create_response(void **state)
{
    fixture f;
    int info;

    (void)state;
    assert_int_equal(fx_parse(&f, create_body), DBTOK_OK);
    assert_int_equal(dbtok__json_count_tokens(create_body, strlen(create_body)), f.doc.ntok);
    assert_string_equal(get_str(&f, 0, "token_value"), "dapi0123456789abcdef0123456789abcdef-2");
    info = object_get(&f.doc, 0, "token_info");
    assert_true(info > 0);
    /* The decoy inside "nested" comes first but is not a key of token_info. */
    assert_string_equal(get_str(&f, info, "token_id"),
                        "5715498424f15ee0213be729257b53fc35a47d5953e3bdfd8ed22a0b71a3d4e2");
    assert_true(get_i64(&f, info, "creation_time") == INT64_C(1764339200123));
    assert_true(get_i64(&f, info, "expiry_time") == -1);
    assert_string_equal(get_str(&f, info, "comment"), "factory \"line 3\" \xe2\x80\x94 unit\t42");
    /* Keys are looked up in the given object only. */
    assert_int_equal(object_get(&f.doc, 0, "token_id"), -1);
    assert_int_equal(object_get(&f.doc, 0, "x"), -1);
    fx_free(&f);
}

static const char list_body[] =
    "{\"token_infos\":["
    "{\"token_id\":\"aa11\",\"creation_time\":1700000000000,\"expiry_time\":1700086400000,"
    "\"comment\":\"one\",\"created_by_id\":7},"
    "{\"comment\":\"\",\"expiry_time\":-1,\"token_id\":\"bb22\",\"scopes\":[],"
    "\"creation_time\":1600000000000},"
    "{\"token_id\":\"cc33\",\"creation_time\":0,\"expiry_time\":-1}"
    "]}";

static void test_list_response(void **state)
{
    static const char *const ids[] = {"aa11", "bb22", "cc33"};
    static const int64_t created[] = {INT64_C(1700000000000), INT64_C(1600000000000), 0};
    fixture f;
    int arr;
    int k;
    int m;

    (void)state;
    assert_int_equal(fx_parse(&f, list_body), DBTOK_OK);
    arr = object_get(&f.doc, 0, "token_infos");
    assert_true(arr > 0);
    assert_int_equal(f.tok[arr].type, JSMN_ARRAY);
    assert_int_equal(f.tok[arr].size, 3);
    k = arr + 1;
    for (m = 0; m < 3; m++) {
        assert_int_equal(f.tok[k].type, JSMN_OBJECT);
        assert_string_equal(get_str(&f, k, "token_id"), ids[m]);
        assert_true(get_i64(&f, k, "creation_time") == created[m]);
        /* The third entry has no comment; the second has an empty one. */
        if (m == 2) {
            assert_int_equal(object_get(&f.doc, k, "comment"), -1);
        } else {
            assert_string_equal(get_str(&f, k, "comment"), m == 0 ? "one" : "");
        }
        k = dbtok__json_skip(&f.doc, k);
    }
    assert_int_equal(k, f.doc.ntok);
    fx_free(&f);
}

static void test_list_empty_forms(void **state)
{
    fixture f;
    int arr;

    (void)state;
    assert_int_equal(fx_parse(&f, "{}"), DBTOK_OK);
    assert_int_equal(object_get(&f.doc, 0, "token_infos"), -1);
    fx_free(&f);

    assert_int_equal(fx_parse(&f, " {\r\n  \"token_infos\" : [ ]\r\n}\r\n"), DBTOK_OK);
    arr = object_get(&f.doc, 0, "token_infos");
    assert_int_equal(arr, 2);
    assert_int_equal(f.tok[arr].size, 0);
    assert_int_equal(dbtok__json_skip(&f.doc, arr), 3);
    fx_free(&f);
}

/* The RetryInfo entry's retry_delay in details[], or NULL. */
static const char *retry_delay(fixture *f)
{
    int arr = object_get(&f->doc, 0, "details");
    int k;
    int m;

    if (arr < 0) {
        return NULL;
    }
    k = arr + 1;
    for (m = 0; m < f->tok[arr].size; m++) {
        int ty = object_get(&f->doc, k, "@type");
        dbtok_str s;
        if (ty > 0 && dbtok__json_string(&f->doc, ty, &s) == DBTOK_OK &&
            strcmp(s.ptr, "type.googleapis.com/google.rpc.RetryInfo") == 0) {
            return get_str(f, k, "retry_delay");
        }
        k = dbtok__json_skip(&f->doc, k);
    }
    return NULL;
}

static void test_error_bodies(void **state)
{
    fixture f;
    dbtok_str s;
    int64_t v = 0;
    int i;

    (void)state;
    assert_int_equal(
        fx_parse(&f, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\","
                     "\"message\":\"No valid token with ID 1234 found.\",\"details\":["
                     "{\"@type\":\"type.googleapis.com/google.rpc.RequestInfo\",\"request_id\":\"r-1\","
                     "\"serving_data\":\"\"},"
                     "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"3.5s\"}]}"),
        DBTOK_OK);
    assert_string_equal(get_str(&f, 0, "error_code"), "RESOURCE_DOES_NOT_EXIST");
    assert_string_equal(get_str(&f, 0, "message"), "No valid token with ID 1234 found.");
    assert_string_equal(retry_delay(&f), "3.5s");
    fx_free(&f);

    /* error_code as an integer: readable as int64, refused as a string. */
    assert_int_equal(fx_parse(&f, "{\"error_code\": 403, \"message\": \"Invalid access token.\"}"),
                     DBTOK_OK);
    i = object_get(&f.doc, 0, "error_code");
    assert_int_equal(dbtok__json_string(&f.doc, i, &s), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_int64(&f.doc, i, &v), DBTOK_OK);
    assert_true(v == 403);
    assert_null(retry_delay(&f));
    assert_string_equal(get_str(&f, 0, "message"), "Invalid access token.");
    fx_free(&f);

    /* RetryInfo after an ErrorInfo with nested metadata. */
    assert_int_equal(
        fx_parse(&f, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\",\"details\":["
                     "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"RATE\","
                     "\"metadata\":{\"@type\":\"decoy\",\"retry_delay\":\"99s\"}},"
                     "{\"retry_delay\":\"1.25s\",\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\"}]}"),
        DBTOK_OK);
    assert_string_equal(retry_delay(&f), "1.25s");
    i = object_get(&f.doc, 0, "message");
    assert_int_equal(dbtok__json_int64(&f.doc, i, &v), DBTOK_ERR_JSON);
    fx_free(&f);
}

/* ---- strings ------------------------------------------------------------ */

/* Decode the single string of ["<inner>"] and compare with want[0..want_len). */
static void expect_decoded(const char *inner, const char *want, size_t want_len)
{
    char src[256];
    fixture f;
    dbtok_str s;

    assert_true((size_t)snprintf(src, sizeof src, "[\"%s\"]", inner) < sizeof src);
    assert_int_equal(fx_parse(&f, src), DBTOK_OK);
    assert_int_equal(dbtok__json_string(&f.doc, 1, &s), DBTOK_OK);
    assert_int_equal(s.len, want_len);
    assert_memory_equal(s.ptr, want, want_len);
    assert_int_equal(s.ptr[s.len], '\0');
    fx_free(&f);
}

static void test_decode_escapes(void **state)
{
    (void)state;
    expect_decoded("\\\"", "\"", 1);
    expect_decoded("\\\\", "\\", 1);
    expect_decoded("\\/", "/", 1);
    expect_decoded("\\b", "\b", 1);
    expect_decoded("\\f", "\f", 1);
    expect_decoded("\\n", "\n", 1);
    expect_decoded("\\r", "\r", 1);
    expect_decoded("\\t", "\t", 1);
    expect_decoded("\\u0041\\u00e9\\u00E9\\u20ac\\uFFFF", "A\xc3\xa9\xc3\xa9\xe2\x82\xac\xef\xbf\xbf", 11);
    expect_decoded("\\u0001\\u001F\\u007f", "\x01\x1f\x7f", 3);
    expect_decoded("a\\\\nb\\\\u0041", "a\\nb\\u0041", 10);
    expect_decoded("", "", 0);
    expect_decoded("plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \x7f", "plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \x7f",
                   17);
}

static void test_surrogate_pairs(void **state)
{
    (void)state;
    expect_decoded("\\ud83d\\ude00", "\xf0\x9f\x98\x80", 4);
    expect_decoded("\\uD83D\\uDE00!", "\xf0\x9f\x98\x80!", 5);
    expect_decoded("\\ud800\\udc00", "\xf0\x90\x80\x80", 4);
    expect_decoded("\\udbff\\udfff", "\xf4\x8f\xbf\xbf", 4);
    expect_decoded("x\\ud83d\\ude00\\ud83d\\ude00y", "x\xf0\x9f\x98\x80\xf0\x9f\x98\x80y", 10);
}

static void expect_reject_n(const char *src, size_t len, dbtok_err want, size_t line)
{
    fixture f;
    dbtok_err e = fx_parse_n(&f, src, len);

    if (e != want) {
        fx_free(&f);
        fail_msg("case at index %zu: got %d, want %d", line, (int)e, (int)want);
    }
    assert_int_equal(f.doc.ntok, 0);
    fx_free(&f);
}

static void test_bad_surrogates(void **state)
{
    static const char *const cases[] = {
        "[\"\\ud83d\"]",           /* lone high */
        "[\"\\ud83dx\"]",          /* high then a plain character */
        "[\"\\ud83d\\n\"]",        /* high then another escape */
        "[\"\\ud83d\\ud83d\"]",    /* high then high */
        "[\"\\ude00\"]",           /* lone low */
        "[\"\\ude00\\ud83d\"]",    /* inverted pair */
        "[\"\\ud83d\\u0041\"]",    /* high then a BMP character */
        "[\"\\ud83d\", \"\\ude00\"]", /* pair split across strings */
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_reject_n(cases[i], strlen(cases[i]), DBTOK_ERR_JSON, i);
    }
}

typedef struct {
    const char *bytes;
    size_t len;
} raw;

#define RAW(s) {s, sizeof(s) - 1}

/* Place raw bytes inside ["..."] and parse. */
static dbtok_err parse_in_string(const raw *r)
{
    char src[32];
    fixture f;
    dbtok_err e;

    assert_true(r->len + 4 <= sizeof src);
    src[0] = '[';
    src[1] = '"';
    memcpy(src + 2, r->bytes, r->len);
    src[r->len + 2] = '"';
    src[r->len + 3] = ']';
    e = fx_parse_n(&f, src, r->len + 4);
    fx_free(&f);
    return e;
}

static void test_utf8_validation(void **state)
{
    static const raw bad[] = {
        RAW("\xc0\xaf"),         /* overlong '/' */
        RAW("\xc1\xbf"),         /* overlong, lead C1 */
        RAW("\xe0\x80\xaf"),     /* overlong 3-byte */
        RAW("\xe0\x9f\xbf"),     /* overlong 3-byte, top of range */
        RAW("\xf0\x80\x80\xaf"), /* overlong 4-byte */
        RAW("\xf0\x8f\xbf\xbf"), /* overlong 4-byte, top of range */
        RAW("\xed\xa0\x80"),     /* U+D800 encoded directly */
        RAW("\xed\xbf\xbf"),     /* U+DFFF encoded directly */
        RAW("\xed\xa0\xbd\xed\xb8\x80"), /* CESU-8 pair */
        RAW("\xf4\x90\x80\x80"), /* U+110000 */
        RAW("\xf5\x80\x80\x80"), /* lead F5 */
        RAW("\xf8\x88\x80\x80\x80"),
        RAW("\xfe"),
        RAW("\xff"),
        RAW("\x80"),             /* stray continuation */
        RAW("a\xbf"),
        RAW("\xc3"),             /* truncated before the closing quote */
        RAW("\xe2\x82"),
        RAW("\xf0\x9f\x98"),
        RAW("\xc3\x41"),         /* lead then ASCII */
        RAW("\xe2\x28\xa1"),
        RAW("\xf0\x9f\x98\x80\x80"), /* one continuation too many */
    };
    static const raw good[] = {
        RAW("\xc2\x80"), RAW("\xdf\xbf"), RAW("\xe0\xa0\x80"), RAW("\xed\x9f\xbf"),
        RAW("\xee\x80\x80"), RAW("\xef\xbf\xbf"), RAW("\xf0\x90\x80\x80"), RAW("\xf4\x8f\xbf\xbf"),
        RAW("\x7f"),
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (parse_in_string(&bad[i]) != DBTOK_ERR_JSON) {
            fail_msg("bad UTF-8 case %zu accepted", i);
        }
    }
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (parse_in_string(&good[i]) != DBTOK_OK) {
            fail_msg("good UTF-8 case %zu rejected", i);
        }
    }
}

static void test_control_chars(void **state)
{
    char c[1];
    raw r;
    unsigned b;

    (void)state;
    r.bytes = c;
    r.len = 1;
    for (b = 1; b < 0x20; b++) {
        c[0] = (char)b;
        if (parse_in_string(&r) != DBTOK_ERR_JSON) {
            fail_msg("raw control byte 0x%02x accepted", b);
        }
    }
    c[0] = ' ';
    assert_int_equal(parse_in_string(&r), DBTOK_OK);
}

/* ---- structure and primitives ------------------------------------------ */

static void test_reject_table(void **state)
{
    static const char *const cases[] = {
        /* commas jsmn ignores */
        "[1,]", "{\"a\":1,}", "[1,,2]", "[,1]", "[,]", "{,}", "{\"a\":1,,\"b\":2}", "[[1,],2]",
        "[1 2]", "[true false]", "{\"a\":1 \"b\":2}", "{\"a\":[1]\"b\":2}", "{\"a\":{}\"b\":1}",
        "[\"a\"\"b\"]", "[[] []]", "{\"a\":1},",
        /* keys, colons, missing values */
        "{\"a\":}", "{\"a\"}", "{\"a\":1,\"b\"}", "{\"a\" 1}", "{\"a\" \"b\"}", "{\"a\"::1}",
        "{:\"a\":1}", "{\"a\":1:2}", "[\"a\":1]", "[1:2]", "{\"a\":1,:}", "[:]", "{\"a\":\"b\":\"c\"}",
        "{\"a\":\"b\":1}", "[\"a\":\"b\"]",
        "{a:1}", "{true:1}", "{1:1}", "{null:1}", "{[]:1}", "{{}:1}",
        /* bare words */
        "[tru]", "[nul]", "[True]", "[NULL]", "[fals]", "[truee]", "[nan]", "[NaN]", "[Infinity]",
        "[-Infinity]", "[undefined]", "{\"a\":tru}", "[t]", "[n]", "[f]",
        /* numbers */
        "[01]", "[-01]", "[00]", "[1.]", "[.5]", "[+1]", "[1e]", "[1e+]", "[1E-]", "[-]", "[--1]",
        "[0x1]", "[1.2.3]", "[1e5.5]", "[- 1]", "[1 .5]", "[1\"x\"]", "[1{]", "[-.5]", "[1.e5]",
        "[0e]", "[1ee5]", "[1e5e5]", "[\xef\xbc\x91]",
        /* strings */
        "[\"abc", "[\"abc]", "{\"a\":\"b}", "[\"\\\"]", "['a']", "{'a':1}", "[\"\\x\"]",
        "[\"\\u12\"]", "[\"\\u12G4\"]", "[\"\\U0041\"]", "[\"a\\", "[\"\\'\"]", "[\"\\a\"]",
        "[\"a\tb\"]", "[\"a\nb\"]",
        /* more than one value, garbage, unbalanced */
        "{}{}", "[][]", "{} {}", "{}x", "{} x", "[]]", "[]}", "{\"a\":1}}", "[1]2", "[1] \"x\"",
        "{\"a\":[1}", "[{]}", "{", "[", "[1", "{\"a\":1", "{\"a\":", "[[[]]", "[}", "{]",
        "[\v1]", "[\f1]", "[1\xc2\xa0]", "{}\f",
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_reject_n(cases[i], strlen(cases[i]), DBTOK_ERR_JSON, i);
    }
}

/* jsmn stops silently at a NUL byte: it must not hide what follows. */
static void test_nul_bytes(void **state)
{
    static const raw cases[] = {
        RAW("{\"a\":1}\0"), RAW("{\"a\":1}\0{}"), RAW("{\"a\":\"x\0y\"}"), RAW("[1\0]"), RAW("[\0]"),
        RAW("{\0\"a\":1}"),
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_reject_n(cases[i].bytes, cases[i].len, DBTOK_ERR_JSON, i);
    }
}

static void test_accept_table(void **state)
{
    static const struct {
        const char *src;
        int ntok;
    } cases[] = {
        {"{}", 1},
        {"[]", 1},
        {" \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n1 \t\r\n, \"b\" : [ ] , \"c\":{ } } \n", 7},
        {"[[[[]]]]", 4},
        {"[{\"a\":[{\"b\":{}}]},[],{}]", 9},
        {"[0]", 2},
        {"[-0]", 2},
        {"[1.5e+10]", 2},
        {"[1.5E-10, 0.0, -0.0e0, 10e2, 2E+0]", 6},
        {"[123456789012345678901234567890, 1e999, -1.0e-999]", 4},
        {"[true,false,null]", 4},
        {"{\"\":\"\"}", 3},
        {"[\"\\u0041\\/\",\"\"]", 3},
        {"{\"a\":{\"a\":{\"a\":1}}}", 7},
        {"{\"a\":1,\"a\":2}", 5},
        {"[\"x\"\n,\n\"y\"\n]", 3},
        {"[1,[2,[3,{\"k\":[4]}]],5]", 11},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        dbtok_err e = fx_parse(&f, cases[i].src);
        int n = f.doc.ntok;
        fx_free(&f);
        if (e != DBTOK_OK || n != cases[i].ntok) {
            fail_msg("accept case %zu: err %d, %d tokens (want %d)", i, (int)e, n, cases[i].ntok);
        }
        assert_int_equal(dbtok__json_count_tokens(cases[i].src, strlen(cases[i].src)), cases[i].ntok);
    }
}

static void test_deep_nesting(void **state)
{
    enum { DEPTH = 3000 };
    char *src = malloc(2 * DEPTH);
    jsmntok_t *tok = malloc(DEPTH * sizeof *tok);
    json_doc doc;

    (void)state;
    assert_non_null(src);
    assert_non_null(tok);
    memset(src, '[', DEPTH);
    memset(src + DEPTH, ']', DEPTH);
    assert_int_equal(dbtok__json_count_tokens(src, 2 * DEPTH), DEPTH);
    assert_int_equal(dbtok__json_parse(&doc, src, 2 * DEPTH, tok, DEPTH), DBTOK_OK);
    assert_int_equal(dbtok__json_skip(&doc, 0), DEPTH);
    assert_int_equal(dbtok__json_skip(&doc, DEPTH / 2), DEPTH);
    assert_int_equal(dbtok__json_parse(&doc, src, 2 * DEPTH, tok, DEPTH - 1), DBTOK_ERR_BUFFER_TOO_SMALL);
    src[DEPTH] = ',';
    assert_int_equal(dbtok__json_parse(&doc, src, 2 * DEPTH, tok, DEPTH), DBTOK_ERR_JSON);
    free(tok);
    free(src);
}

static void test_int64(void **state)
{
    static const struct {
        const char *text;
        dbtok_err err;
        int64_t value;
    } cases[] = {
        {"0", DBTOK_OK, 0},
        {"-0", DBTOK_OK, 0},
        {"7", DBTOK_OK, 7},
        {"-1", DBTOK_OK, -1},
        {"1764339200123", DBTOK_OK, INT64_C(1764339200123)},
        {"9223372036854775807", DBTOK_OK, INT64_MAX},
        {"-9223372036854775807", DBTOK_OK, -INT64_MAX},
        {"-9223372036854775808", DBTOK_OK, INT64_MIN},
        {"9223372036854775808", DBTOK_ERR_JSON, 0},
        {"-9223372036854775809", DBTOK_ERR_JSON, 0},
        {"9223372036854775810", DBTOK_ERR_JSON, 0},
        {"18446744073709551616", DBTOK_ERR_JSON, 0},
        {"99999999999999999999", DBTOK_ERR_JSON, 0},
        {"1.5", DBTOK_ERR_JSON, 0},
        {"10.0", DBTOK_ERR_JSON, 0},
        {"1e3", DBTOK_ERR_JSON, 0},
        {"1E3", DBTOK_ERR_JSON, 0},
        {"-1e0", DBTOK_ERR_JSON, 0},
        {"true", DBTOK_ERR_JSON, 0},
        {"null", DBTOK_ERR_JSON, 0},
        {"\"5\"", DBTOK_ERR_JSON, 0},
        {"[5]", DBTOK_ERR_JSON, 0},
        {"{}", DBTOK_ERR_JSON, 0},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char src[64];
        fixture f;
        int64_t v = 12345;
        dbtok_err e;

        assert_true((size_t)snprintf(src, sizeof src, "[%s]", cases[i].text) < sizeof src);
        assert_int_equal(fx_parse(&f, src), DBTOK_OK);
        e = dbtok__json_int64(&f.doc, 1, &v);
        fx_free(&f);
        if (e != cases[i].err) {
            fail_msg("int64 case %s: got %d", cases[i].text, (int)e);
        }
        /* On error the output is left alone. */
        assert_true(v == (e == DBTOK_OK ? cases[i].value : 12345));
    }
}

/* dbtok__json_int64 defends itself even when handed tokens dbtok__json_parse would
 * never produce. */
static void test_int64_handmade_tokens(void **state)
{
    static const char *const texts[] = {"007", "-00", "-", "00", "1x"};
    size_t i;

    (void)state;
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char text[8];
        jsmntok_t t;
        json_doc doc;
        int64_t v = 0;

        memcpy(text, texts[i], strlen(texts[i]) + 1);
        t.type = JSMN_PRIMITIVE;
        t.start = 0;
        t.end = (int)strlen(text);
        t.size = 0;
        doc.text = text;
        doc.len = strlen(text);
        doc.tok = &t;
        doc.ntok = 1;
        if (dbtok__json_int64(&doc, 0, &v) != DBTOK_ERR_JSON) {
            fail_msg("handmade int64 %s accepted", texts[i]);
        }
    }
}

static void test_not_json(void **state)
{
    static const raw cases[] = {
        RAW("<html><body>HTTP ERROR 403</body></html>"),
        RAW("<!DOCTYPE html>\n<html>No webapps are available</html>"),
        RAW("Invalid Token"),
        RAW(""),
        RAW(" \r\n\t "),
        RAW("\"token\""),
        RAW("123"),
        RAW("true"),
        RAW("null "),
        RAW("]"),
        RAW("}"),
        RAW("\xef\xbb\xbf{}"), /* a byte order mark is not whitespace */
        RAW("\0{}"),
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        expect_reject_n(cases[i].bytes, cases[i].len, DBTOK_ERR_NOT_JSON, i);
        assert_int_equal(dbtok__json_count_tokens(cases[i].bytes, cases[i].len), DBTOK_ERR_NOT_JSON);
    }
    assert_int_equal(dbtok__json_count_tokens(NULL, 0), DBTOK_ERR_NOT_JSON);
}

static void test_count_and_buffer_size(void **state)
{
    jsmntok_t tok[16];
    json_doc doc;
    char text[sizeof create_body];
    int n;

    (void)state;
    n = dbtok__json_count_tokens(list_body, strlen(list_body));
    assert_int_equal(n, 32);
    assert_int_equal(dbtok__json_count_tokens("{\"a\":\"b", 7), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_count_tokens("[1,@]", 5), DBTOK_ERR_JSON);

    /* Exactly enough tokens works; one fewer is reported as such. */
    memcpy(text, "{\"a\":[1,2],\"b\":{\"c\":null}}", 27);
    n = dbtok__json_count_tokens(text, 26);
    assert_int_equal(n, 9);
    assert_int_equal(dbtok__json_parse(&doc, text, 26, tok, 9), DBTOK_OK);
    assert_int_equal(doc.ntok, 9);
    assert_int_equal(dbtok__json_parse(&doc, text, 26, tok, 8), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(doc.ntok, 0);
    assert_int_equal(dbtok__json_parse(&doc, text, 26, tok, 0), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dbtok__json_parse(&doc, text, 26, NULL, 16), DBTOK_ERR_BUFFER_TOO_SMALL);
    /* A failed parse leaves nothing to look up. */
    assert_int_equal(object_get(&doc, 0, "a"), -1);
    assert_int_equal(dbtok__json_skip(&doc, 0), 0);

    /* Offsets are ints in jsmn: a longer body is refused before any read. */
    assert_int_equal(dbtok__json_count_tokens("{", (size_t)(~0u >> 1) + 1u), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_parse(&doc, text, (size_t)(~0u >> 1) + 1u, tok, 16), DBTOK_ERR_JSON);
}

static void test_skip(void **state)
{
    fixture f;

    (void)state;
    /* tokens: 0 { 1 "a" 2 [ 3 1 4 { 5 "b" 6 [ 7 2 8 3 9 {} 10 "c" 11 "d" 12 "e" 13 [] */
    assert_int_equal(fx_parse(&f, "{\"a\":[1,{\"b\":[2,3]},{}],\"c\":\"d\",\"e\":[]}"), DBTOK_OK);
    assert_int_equal(f.doc.ntok, 14);
    assert_int_equal(dbtok__json_skip(&f.doc, 0), 14);
    assert_int_equal(dbtok__json_skip(&f.doc, 1), 10); /* a key carries its value */
    assert_int_equal(dbtok__json_skip(&f.doc, 2), 10);
    assert_int_equal(dbtok__json_skip(&f.doc, 3), 4);
    assert_int_equal(dbtok__json_skip(&f.doc, 4), 9);
    assert_int_equal(dbtok__json_skip(&f.doc, 6), 9);
    assert_int_equal(dbtok__json_skip(&f.doc, 9), 10);
    assert_int_equal(dbtok__json_skip(&f.doc, 11), 12);
    assert_int_equal(dbtok__json_skip(&f.doc, 13), 14);
    assert_int_equal(dbtok__json_skip(&f.doc, 14), 14);
    assert_int_equal(dbtok__json_skip(&f.doc, -1), 14);
    assert_int_equal(object_get(&f.doc, 0, "e"), 13);
    assert_int_equal(object_get(&f.doc, 4, "b"), 6);
    fx_free(&f);
}

static void test_object_get(void **state)
{
    static const char body[] =
        "{\"token\\u005fid\":\"first\",\"token_id\":\"second\",\"caf\\u00e9\":1,"
        "\"\\ud83d\\ude00\":2,\"tok\":3,\"a\\\"b\":4,\"\":5,\"x\":{\"y\":6},\"arr\":[\"y\"]}";
    fixture f;
    char *before;
    int i;

    (void)state;
    assert_int_equal(fx_parse(&f, body), DBTOK_OK);
    before = malloc(f.len);
    assert_non_null(before);
    memcpy(before, f.text, f.len);

    /* Escapes are decoded for comparison; the first of duplicates wins. */
    assert_string_equal(get_str(&f, 0, "token_id"), "first");
    memcpy(f.text, before, f.len);
    assert_true(get_i64(&f, 0, "caf\xc3\xa9") == 1);
    assert_true(get_i64(&f, 0, "\xf0\x9f\x98\x80") == 2);
    assert_true(get_i64(&f, 0, "tok") == 3);
    assert_true(get_i64(&f, 0, "a\"b") == 4);
    assert_true(get_i64(&f, 0, "") == 5);
    /* Lookups never write to the text. */
    assert_memory_equal(f.text, before, f.len);

    assert_int_equal(object_get(&f.doc, 0, "token"), -1);
    assert_int_equal(object_get(&f.doc, 0, "token_idx"), -1);
    assert_int_equal(object_get(&f.doc, 0, "to"), -1);
    assert_int_equal(object_get(&f.doc, 0, "cafe"), -1);
    assert_int_equal(object_get(&f.doc, 0, "y"), -1);
    assert_int_equal(object_get(&f.doc, 0, NULL), -1);
    i = object_get(&f.doc, 0, "arr");
    assert_true(i > 0);
    assert_int_equal(object_get(&f.doc, i, "y"), -1); /* not an object */
    assert_int_equal(object_get(&f.doc, 1, "x"), -1); /* a key */
    assert_int_equal(object_get(&f.doc, -1, "x"), -1);
    assert_int_equal(object_get(&f.doc, f.doc.ntok, "x"), -1);
    i = object_get(&f.doc, 0, "x");
    assert_true(get_i64(&f, i, "y") == 6);
    free(before);
    fx_free(&f);
}

static void test_string_in_place(void **state)
{
    static const char body[] = "[\"a\\nb\",\"\\ud83d\\ude00\",\"plain\",\"\\\"q\\\"\",7]";
    fixture f;
    dbtok_str s;
    dbtok_str p;
    size_t end1;

    (void)state;
    assert_int_equal(fx_parse(&f, body), DBTOK_OK);
    /* Decoding one string touches only its own bytes and its closing quote. */
    end1 = (size_t)f.tok[1].end;
    assert_int_equal(dbtok__json_string(&f.doc, 1, &s), DBTOK_OK);
    assert_int_equal(s.len, 3);
    assert_memory_equal(s.ptr, "a\nb", 4);
    assert_ptr_equal(s.ptr, f.text + f.tok[1].start);
    assert_memory_equal(f.text + end1, body + end1, f.len - end1);
    assert_memory_equal(f.text, body, (size_t)f.tok[1].start);

    assert_int_equal(dbtok__json_string(&f.doc, 2, &s), DBTOK_OK);
    assert_int_equal(s.len, 4);
    assert_memory_equal(s.ptr, "\xf0\x9f\x98\x80", 5);
    /* A string with no escapes is NUL-terminated on its closing quote. */
    assert_int_equal(dbtok__json_string(&f.doc, 3, &p), DBTOK_OK);
    assert_string_equal(p.ptr, "plain");
    assert_int_equal(dbtok__json_string(&f.doc, 4, &s), DBTOK_OK);
    assert_string_equal(s.ptr, "\"q\"");
    assert_string_equal(p.ptr, "plain");

    assert_int_equal(dbtok__json_string(&f.doc, 5, &s), DBTOK_ERR_JSON); /* a number */
    assert_int_equal(dbtok__json_string(&f.doc, 0, &s), DBTOK_ERR_JSON); /* the array */
    assert_int_equal(dbtok__json_string(&f.doc, 6, &s), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_string(&f.doc, -1, &s), DBTOK_ERR_JSON);
    fx_free(&f);
}

/* ---- escaping ----------------------------------------------------------- */

static void expect_escaped(const char *src, size_t len, const char *want)
{
    char out[128];
    size_t n = dbtok_json_escape(out, sizeof out, src, len);

    assert_int_equal(n, strlen(want));
    assert_string_equal(out, want);
    assert_int_equal(dbtok_json_escape(NULL, 0, src, len), n);
}

static void test_escape_table(void **state)
{
    (void)state;
    expect_escaped("plain text", 10, "plain text");
    expect_escaped("a\"b\\c", 5, "a\\\"b\\\\c");
    expect_escaped("\b\f\n\r\t", 5, "\\b\\f\\n\\r\\t");
    expect_escaped("\x01\x1f\x7f\x0b", 4, "\\u0001\\u001f\\u007f\\u000b");
    expect_escaped("a\0b", 3, "a\\u0000b");
    expect_escaped("/ </script>", 11, "/ </script>");
    expect_escaped("caf\xc3\xa9 \xf0\x9f\x98\x80", 10, "caf\xc3\xa9 \xf0\x9f\x98\x80");
    expect_escaped("\"},\"x\":\"", 8, "\\\"},\\\"x\\\":\\\"");
    expect_escaped("", 0, "");
    assert_int_equal(dbtok_json_escape(NULL, 0, NULL, 5), 0);
}

static void test_escape_capacity(void **state)
{
    char out[16];
    size_t need;

    (void)state;
    need = dbtok_json_escape(NULL, 0, "a\nb", 3);
    assert_int_equal(need, 4);

    /* cap == need: no room for the NUL, so nothing is written. */
    memset(out, '#', sizeof out);
    assert_int_equal(dbtok_json_escape(out, need, "a\nb", 3), need);
    assert_int_equal(out[0], '#');
    assert_int_equal(out[need], '#');

    /* cap == need + 1: an exact fit. */
    assert_int_equal(dbtok_json_escape(out, need + 1, "a\nb", 3), need);
    assert_memory_equal(out, "a\\nb", 5);
    assert_int_equal(out[need + 1], '#');

    /* Measuring through a real buffer with cap 0 writes nothing. */
    memset(out, '#', sizeof out);
    assert_int_equal(dbtok_json_escape(out, 0, "x", 1), 1);
    assert_int_equal(out[0], '#');

    /* Empty input with cap 1 still gets its NUL. */
    assert_int_equal(dbtok_json_escape(out, 1, "", 0), 0);
    assert_int_equal(out[0], '\0');
    assert_int_equal(out[1], '#');
}

/* escape, wrap as ["..."], parse, decode: must give back src. */
static void round_trip(const char *src, size_t len)
{
    size_t need = dbtok_json_escape(NULL, 0, src, len);
    size_t total = need + 4;
    char *buf = malloc(total + 1);
    jsmntok_t tok[2];
    json_doc doc;
    dbtok_str s;

    assert_non_null(buf);
    buf[0] = '[';
    buf[1] = '"';
    assert_int_equal(dbtok_json_escape(buf + 2, need + 1, src, len), need);
    buf[need + 2] = '"';
    buf[need + 3] = ']';
    assert_int_equal(dbtok__json_parse(&doc, buf, total, tok, 2), DBTOK_OK);
    assert_int_equal(dbtok__json_string(&doc, 1, &s), DBTOK_OK);
    assert_int_equal(s.len, len);
    assert_memory_equal(s.ptr, src, len);
    free(buf);
}

/* Test-side UTF-8 encoder, kept apart from the one under test. */
static size_t enc_utf8(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static void test_escape_round_trip(void **state)
{
    enum { BATCH = 512 };
    char all[127];
    char buf[BATCH * 4];
    uint32_t cp;
    size_t n = 0;
    unsigned b;

    (void)state;
    /* Every byte that is a character on its own, alone and all together. */
    for (b = 1; b < 0x80; b++) {
        char c = (char)b;
        round_trip(&c, 1);
        all[b - 1] = c;
    }
    round_trip(all, sizeof all);
    /* Every Unicode scalar value, in batches. */
    for (cp = 1; cp <= 0x10FFFF; cp++) {
        if (cp >= 0xD800 && cp <= 0xDFFF) {
            continue;
        }
        n += enc_utf8(cp, buf + n);
        if (n > sizeof buf - 4 || cp == 0x10FFFF) {
            round_trip(buf, n);
            n = 0;
        }
    }
}

/* ---- dbtok_str_copy ----------------------------------------------------- */

static dbtok_str view(const char *s)
{
    dbtok_str v;
    v.ptr = s;
    v.len = strlen(s);
    return v;
}

static void test_str_copy(void **state)
{
    char out[8];
    dbtok_str empty = {NULL, 0};
    dbtok_str bad = {NULL, 3};

    (void)state;
    memset(out, '#', sizeof out);
    assert_int_equal(dbtok_str_copy(out, 8, view("hello")), DBTOK_OK);
    assert_string_equal(out, "hello");
    assert_int_equal(out[6], '#');

    /* Exact fit, then one short: truncated, terminated, and reported. */
    assert_int_equal(dbtok_str_copy(out, 6, view("hello")), DBTOK_OK);
    assert_string_equal(out, "hello");
    assert_int_equal(dbtok_str_copy(out, 5, view("hello")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "hell");
    assert_int_equal(dbtok_str_copy(out, 1, view("hello")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "");

    memset(out, '#', sizeof out);
    assert_int_equal(dbtok_str_copy(out, 0, view("hello")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(out[0], '#');
    assert_int_equal(dbtok_str_copy(out, 0, empty), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dbtok_str_copy(out, 1, empty), DBTOK_OK);
    assert_string_equal(out, "");

    /* Truncation never splits a UTF-8 character. */
    assert_int_equal(dbtok_str_copy(out, 4, view("a\xe2\x82\xac")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "a");
    assert_int_equal(dbtok_str_copy(out, 5, view("a\xe2\x82\xac")), DBTOK_OK);
    assert_string_equal(out, "a\xe2\x82\xac");
    assert_int_equal(dbtok_str_copy(out, 7, view("ab\xf0\x9f\x98\x80z")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "ab\xf0\x9f\x98\x80");
    assert_int_equal(dbtok_str_copy(out, 6, view("ab\xf0\x9f\x98\x80z")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "ab");
    assert_int_equal(dbtok_str_copy(out, 3, view("\xc3\xa9\xc3\xa9")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_string_equal(out, "\xc3\xa9");

    assert_int_equal(dbtok_str_copy(NULL, 4, view("x")), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_str_copy(out, 4, bad), DBTOK_ERR_INVALID_ARG);
}

/* The span functions on text jsmn never saw: escapes cut at the span's end,
 * bad hex, and a high surrogate without a proper partner are all refused. */
static void test_span_escapes_cut_or_bad(void **state)
{
    static const char *const bad[] = {
        "ab\\",                /* a backslash and nothing after it */
        "\\u12",               /* fewer than four hex digits */
        "\\u12zz",             /* not hex */
        "\\ud83d",             /* high surrogate at the end */
        "\\ud83d\\u12",        /* partner cut short */
        "\\ud83dxxxxxx",       /* no backslash after the high surrogate */
        "\\ud83d\\xde00",      /* a backslash, then not 'u' */
        "\\ud83d\\uzzzz",      /* partner not hex */
        "\\ud83d\\ue000",      /* partner above the low range */
        "\\q",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char buf[32];
        dbtok_str out;
        int end = (int)strlen(bad[i]);
        memcpy(buf, bad[i], (size_t)end + 1);
        if (dbtok__json_span_string_ok(buf, 0, end)) {
            fail_msg("span \"%s\" accepted", bad[i]);
        }
        if (dbtok__json_span_equals(buf, 0, end, "x")) {
            fail_msg("span \"%s\" equals \"x\"", bad[i]);
        }
        if (dbtok__json_span_decode(buf, 0, end, &out) != DBTOK_ERR_JSON) {
            fail_msg("span \"%s\" decoded", bad[i]);
        }
    }
    /* the good pair, for contrast */
    {
        char buf[] = "\\ud83d\\ude00";
        dbtok_str out;
        assert_true(dbtok__json_span_string_ok(buf, 0, 12));
        assert_true(dbtok__json_span_equals(buf, 0, 12, "\xf0\x9f\x98\x80"));
        assert_int_equal(dbtok__json_span_decode(buf, 0, 12, &out), DBTOK_OK);
        assert_int_equal(out.len, 4);
    }
}

/* Integers from an empty span or an index outside the document. */
static void test_int64_bounds(void **state)
{
    char text[] = "[12]";
    jsmntok_t t[2];
    json_doc doc;
    int64_t v = 5;
    (void)state;
    assert_int_equal(dbtok__json_span_int64(text, 1, 1, &v), DBTOK_ERR_JSON);
    assert_int_equal(v, 5);
    assert_int_equal(dbtok__json_parse(&doc, text, 4, t, 2), DBTOK_OK);
    assert_int_equal(dbtok__json_int64(&doc, 1, &v), DBTOK_OK);
    assert_int_equal(v, 12);
    assert_int_equal(dbtok__json_int64(&doc, -1, &v), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_int64(&doc, 2, &v), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_int64(&doc, 0, &v), DBTOK_ERR_JSON); /* the array itself */
}

/* An object whose size claims more members than the tokens hold: lookups
 * and skips stop at the last token instead of reading past it. */
static void test_object_get_short_tokens(void **state)
{
    char text[] = "{\"a\":1}";
    jsmntok_t t[3];
    json_doc doc;
    (void)state;
    t[0].type = JSMN_OBJECT;
    t[0].start = 0;
    t[0].end = 7;
    t[0].size = 2; /* one member really */
    t[1].type = JSMN_STRING;
    t[1].start = 2;
    t[1].end = 3;
    t[1].size = 1;
    t[2].type = JSMN_PRIMITIVE;
    t[2].start = 5;
    t[2].end = 6;
    t[2].size = 0;
    doc.text = text;
    doc.len = 7;
    doc.tok = t;
    doc.ntok = 3;
    assert_int_equal(object_get(&doc, 0, "a"), 2);
    assert_int_equal(object_get(&doc, 0, "zz"), -1);
    assert_int_equal(dbtok__json_skip(&doc, 0), 3);
    {
        static const char *const names[] = {"zz", "a"};
        int values[2];
        assert_int_equal(dbtok__json_object_members(&doc, 0, names, 2, values), DBTOK_OK);
        assert_int_equal(values[0], -1);
        assert_int_equal(values[1], 2);
    }
}

/* No buffer and no room: nothing to write to, and nothing written; an
 * empty source needs the terminator's byte all the same. */
static void test_str_copy_null_without_room(void **state)
{
    dbtok_str empty = {NULL, 0};
    (void)state;
    assert_int_equal(dbtok_str_copy(NULL, 0, view("x")), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dbtok_str_copy(NULL, 0, empty), DBTOK_ERR_BUFFER_TOO_SMALL);
}

/* ---- \u0000, and the rule for the members of an object ----------------- */

/* RFC 8259 allows \u0000 in any string: it parses, decodes to a NUL byte
 * counted in the length (nothing is cut), and only the C-string decoder
 * refuses it. */
static void test_nul_escape_valid(void **state)
{
    static const char *const bodies[] = {
        "[\"\\u0000\"]", "[\"a\\u0000b\"]", "{\"\\u0000\":1}", "[\"\\ud83d\\ude00\\u0000\\u0041\"]",
        "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"\\u0000\"}]}",
    };
    fixture f;
    dbtok_str s;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        if (fx_parse(&f, bodies[i]) != DBTOK_OK) {
            fail_msg("%s refused", bodies[i]);
        }
        fx_free(&f);
    }
    expect_decoded("\\u0000", "\0", 1);
    expect_decoded("a\\u0000b", "a\0b", 3);
    expect_decoded("\\u00e9\\u0000\\u00e9", "\xc3\xa9\0\xc3\xa9", 5);
    expect_decoded("\\\\u0000", "\\u0000", 6); /* an escaped backslash, then text */

    /* dbtok__json_span_holds_nul tells without decoding; dbtok__json_string_cstr refuses. */
    assert_int_equal(fx_parse(&f, "[\"a\\u0000b\",\"\\\\u0000\",\"\\ud83d\\ude00\",\"\\u0001\",\"x\"]"), DBTOK_OK);
    assert_true(dbtok__json_span_holds_nul(f.text, f.tok[1].start, f.tok[1].end));
    assert_false(dbtok__json_span_holds_nul(f.text, f.tok[2].start, f.tok[2].end));
    assert_false(dbtok__json_span_holds_nul(f.text, f.tok[3].start, f.tok[3].end));
    assert_false(dbtok__json_span_holds_nul(f.text, f.tok[4].start, f.tok[4].end));
    assert_false(dbtok__json_span_holds_nul(f.text, f.tok[5].start, f.tok[5].end));
    assert_int_equal(dbtok__json_string_cstr(&f.doc, 1, &s), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_string(&f.doc, 1, &s), DBTOK_OK);
    assert_int_equal(s.len, 3);
    assert_int_equal(dbtok__json_string_cstr(&f.doc, 2, &s), DBTOK_OK);
    assert_string_equal(s.ptr, "\\u0000");
    assert_int_equal(dbtok__json_string_cstr(&f.doc, 3, &s), DBTOK_OK);
    assert_string_equal(s.ptr, "\xf0\x9f\x98\x80");
    assert_int_equal(dbtok__json_string_cstr(&f.doc, 0, &s), DBTOK_ERR_JSON); /* not a string */
    assert_int_equal(dbtok__json_string_cstr(&f.doc, -1, &s), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_string_cstr(&f.doc, f.doc.ntok, &s), DBTOK_ERR_JSON);
    fx_free(&f);
}

/* A key holding a NUL is not the key spelled up to it: the comparison
 * never runs past the end of the name it is given. */
static void test_key_with_nul(void **state)
{
    fixture f;

    (void)state;
    assert_int_equal(fx_parse(&f, "{\"a\\u0000\":1,\"\\u0000a\":2,\"a\":3,\"a\\u0000b\":4}"), DBTOK_OK);
    assert_int_equal(object_get(&f.doc, 0, "a"), 6);
    assert_int_equal(object_get(&f.doc, 0, ""), -1);
    assert_false(dbtok__json_span_equals(f.text, f.tok[1].start, f.tok[1].end, "a"));
    assert_false(dbtok__json_span_equals(f.text, f.tok[7].start, f.tok[7].end, "a"));
    assert_false(dbtok__json_span_equals(f.text, f.tok[7].start, f.tok[7].end, "ab"));
    fx_free(&f);
}

static const char *const rule_names[] = {"token_value", "token_info", "comment"};

/* dbtok__json_object_members on body's top-level object: want is DBTOK_OK with
 * each name's value index in idx[] (-1: absent or null), or DBTOK_ERR_JSON. */
static void expect_members(const char *body, dbtok_err want, int i0, int i1, int i2)
{
    fixture f;
    int idx[3] = {99, 99, 99};
    dbtok_err got;

    assert_int_equal(fx_parse(&f, body), DBTOK_OK);
    got = dbtok__json_object_members(&f.doc, 0, rule_names, 3, idx);
    if (got != want || (want == DBTOK_OK && (idx[0] != i0 || idx[1] != i1 || idx[2] != i2))) {
        fx_free(&f);
        fail_msg("%s: got %d {%d, %d, %d}, want %d {%d, %d, %d}", body, (int)got, idx[0], idx[1], idx[2], (int)want,
                 i0, i1, i2);
    }
    fx_free(&f);
}

/* The one rule (DESIGN.md principle 7): a key dbtok reads appears once,
 * compared after decoding escapes and whatever the values; null is absent;
 * other keys, repeated or not, are skipped; nested objects are not this
 * object's members. */
static void test_object_members(void **state)
{
    fixture f;
    int idx[3];

    (void)state;
    expect_members("{}", DBTOK_OK, -1, -1, -1);
    expect_members("{\"comment\":\"c\",\"token_value\":\"v\"}", DBTOK_OK, 4, -1, 2);
    expect_members("{\"token_value\":null,\"token_info\":{},\"comment\":null}", DBTOK_OK, -1, 4, -1);
    expect_members("{\"x\":1,\"x\":2,\"token\\u005fvalue\":\"v\",\"y\":[{\"token_value\":1,\"token_value\":2}]}",
                   DBTOK_OK, 6, -1, -1);
    expect_members("{\"token_value\":\"a\",\"token_value\":\"b\"}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"token_value\":\"a\",\"token_value\":\"a\"}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"token_value\":\"a\",\"token\\u005fvalue\":\"b\"}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"\\u0074oken_value\":\"a\",\"token_value\":\"b\"}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"token_value\":null,\"token_value\":\"b\"}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"comment\":\"a\",\"x\":1,\"comment\":null}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"token_info\":{},\"token_info\":{}}", DBTOK_ERR_JSON, 0, 0, 0);
    expect_members("{\"token_value\\u0000\":\"a\",\"token_value\":\"b\"}", DBTOK_OK, 4, -1, -1);

    /* Only an object has members; nothing is written to the text. */
    assert_int_equal(fx_parse(&f, "[{\"comment\":\"c\"},\"comment\"]"), DBTOK_OK);
    assert_int_equal(dbtok__json_object_members(&f.doc, 0, rule_names, 3, idx), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_object_members(&f.doc, 4, rule_names, 3, idx), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_object_members(&f.doc, -1, rule_names, 3, idx), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_object_members(&f.doc, f.doc.ntok, rule_names, 3, idx), DBTOK_ERR_JSON);
    assert_int_equal(dbtok__json_object_members(&f.doc, 1, rule_names, 3, idx), DBTOK_OK);
    assert_int_equal(idx[2], 3);
    assert_memory_equal(f.text, "[{\"comment\":\"c\"},\"comment\"]", f.len);
    fx_free(&f);
}

/* The same rule key by key, as the streaming list reader applies it. */
static void test_members_key_by_key(void **state)
{
    static const char text[] = "\"token_value\" \"comment\" \"other\" \"comm\\u0065nt\" \"\"";
    static const char *const many[] = {"a", "b", "c", "d", "e", "f", "g", "h", "other"};
    uint8_t seen = 0;

    (void)state;
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 1, 12), 0);
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 15, 22), 2);
    assert_int_equal(seen, 5);
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 25, 30), JSON_KEY_OTHER);
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 25, 30), JSON_KEY_OTHER);
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 33, 45), JSON_KEY_REPEATED);
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 48, 48), JSON_KEY_OTHER);
    seen = 0;
    assert_int_equal(dbtok__json_member_key(rule_names, 3, &seen, text, 33, 45), 2);
    /* a name past the set's bits is never matched, so never wrongly "repeated" */
    seen = 0;
    assert_int_equal(dbtok__json_member_key(many, 9, &seen, text, 25, 30), JSON_KEY_OTHER);
    /* a name too long for the lengths measured at a byte is still told apart */
    {
        char key[310];
        char name[310];
        const char *long_names[1] = {name};
        memset(name, 'n', 300);
        name[300] = '\0';
        memcpy(key, name, 301);
        seen = 0;
        assert_int_equal(dbtok__json_member_key(long_names, 1, &seen, key, 0, 300), 0);
        assert_int_equal(dbtok__json_member_key(long_names, 1, &seen, key, 0, 299), JSON_KEY_OTHER);
        key[299] = 'x';
        assert_int_equal(dbtok__json_member_key(long_names, 1, &seen, key, 0, 300), JSON_KEY_OTHER);
    }
    assert_true(json_span_is_null("null", 0, 4));
    assert_false(json_span_is_null("nul", 0, 3));
    assert_false(json_span_is_null("\"null\"", 0, 6));
    assert_false(json_span_is_null("nullx", 0, 5));
}

/* ---- dbtok_create_request_parse ------------------------------------------ */

/* Parse a copy of src (heap, exactly its length) as a create body. */
static dbtok_err create_request(const char *src, dbtok_create_request *out, char **copy)
{
    size_t len = strlen(src);
    *copy = malloc(len > 0 ? len : 1);
    assert_non_null(*copy);
    memcpy(*copy, src, len);
    return dbtok_create_request_parse(*copy, len, out);
}

static void test_create_request_read(void **state)
{
    dbtok_create_request r;
    char *text;
    (void)state;
    assert_int_equal(create_request("{\"comment\": \"caf\\u00e9\", \"lifetime_seconds\": 3600}", &r, &text),
                     DBTOK_OK);
    assert_string_equal(r.comment, "caf\xc3\xa9");
    assert_true(r.has_lifetime);
    assert_int_equal(r.lifetime_seconds, 3600);
    assert_int_equal(r.fault, DBTOK_REQUEST_OK);
    free(text);
    /* Null is absent; so is a member not given. */
    assert_int_equal(create_request("{\"comment\": null, \"lifetime_seconds\": null}", &r, &text), DBTOK_OK);
    assert_null(r.comment);
    assert_false(r.has_lifetime);
    free(text);
    assert_int_equal(create_request(" {} ", &r, &text), DBTOK_OK);
    assert_null(r.comment);
    assert_false(r.has_lifetime);
    free(text);
    /* A negative lifetime is read: what it means is the caller's call. */
    assert_int_equal(create_request("{\"lifetime_seconds\": -1}", &r, &text), DBTOK_OK);
    assert_int_equal(r.lifetime_seconds, -1);
    free(text);
}

/* Every string of a list, in order, joined by '|'. */
static void join_list(const dbtok_str_list *l, char *out, size_t cap)
{
    dbtok_str s;
    size_t pos = 0, n = 0, used = 0;
    out[0] = '\0';
    while (dbtok_str_list_next(l, &pos, &s)) {
        assert_int_equal(s.ptr[s.len], '\0');
        used += (size_t)snprintf(out + used, cap - used, "%s%s", n++ > 0 ? "|" : "", s.ptr);
    }
    assert_int_equal(n, l->count);
}

/* Escaped keys are compared to dbtok's names escape by escape: a short
 * escape or \u stands for its character, so one that stands for the name's
 * character matches and any other does not. */
static void test_escaped_keys_against_names(void **state)
{
    static const struct {
        const char *body;
        int want; /* index of the member found as "a/b\"c\\d", or -1 */
    } cases[] = {
        {"{\"a\\/b\\\"c\\\\d\":1}", 1},
        {"{\"a\\u002fb\\u0022c\\u005cd\":1}", 1},
        {"{\"a\\/b\\\"c\\nd\":1}", -1},
        {"{\"a\\/b\\\"c\\td\":1}", -1},
        {"{\"a\\/b\\u00e9c\\\\d\":1}", -1},
        {"{\"a\\bb\\\"c\\\\d\":1}", -1},
        {"{\"a\\/b\\\"c\\\\de\":1}", -1},
        {"{\"a\\/b\":1}", -1},
    };
    static const char *const names[1] = {"a/b\"c\\d"};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fixture f;
        int v[1];
        memset(&f, 0, sizeof f);
        assert_int_equal(fx_parse(&f, cases[i].body), DBTOK_OK);
        assert_int_equal(dbtok__json_object_members(&f.doc, 0, names, 1, v), DBTOK_OK);
        if (v[0] != (cases[i].want < 0 ? -1 : 2)) {
            fail_msg("'%s': member %d", cases[i].body, v[0]);
        }
        fx_free(&f);
    }
}

/* The string-list helpers refuse what is not theirs, and the iterator what
 * is no list of dbtok's. */
static void test_string_list_edges(void **state)
{
    fixture f;
    dbtok_str_list l;
    dbtok_str out = {"x", 1};
    size_t pos = 0;
    static const char unterminated[] = {'a', 'b'};
    (void)state;
    memset(&f, 0, sizeof f);
    assert_int_equal(fx_parse(&f, "{\"a\":[\"x\",1],\"b\":[\"y\"],\"c\":[[]],\"d\":\"z\"}"), DBTOK_OK);
    assert_false(dbtok__json_is_string_list(&f.doc, -1));
    assert_false(dbtok__json_is_string_list(&f.doc, f.doc.ntok));
    assert_false(dbtok__json_is_string_list(&f.doc, 0));  /* an object */
    assert_false(dbtok__json_is_string_list(&f.doc, 2));  /* ["x",1] */
    assert_true(dbtok__json_is_string_list(&f.doc, 6));   /* ["y"] */
    assert_false(dbtok__json_is_string_list(&f.doc, 9));  /* [[]] */
    assert_false(dbtok__json_is_string_list(&f.doc, 12)); /* "z" */
    assert_false(dbtok__json_is_cstring(&f.doc, -1));
    assert_false(dbtok__json_is_cstring(&f.doc, f.doc.ntok));
    f.doc.ntok = 7; /* ["y"]'s element cut off: not a list that can be read */
    assert_false(dbtok__json_is_string_list(&f.doc, 6));
    fx_free(&f);
    assert_false(dbtok_str_list_next(NULL, &pos, &out));
    l.ptr = unterminated;
    l.len = sizeof unterminated;
    l.count = 1;
    assert_false(dbtok_str_list_next(&l, NULL, &out));
    assert_false(dbtok_str_list_next(&l, &pos, NULL));
    assert_false(dbtok_str_list_next(&l, &pos, &out)); /* no NUL: not packed by dbtok */
    l.ptr = NULL;
    assert_false(dbtok_str_list_next(&l, &pos, &out));
    assert_int_equal(out.len, 1); /* left as it was */
}

static void test_create_request_scopes(void **state)
{
    dbtok_create_request r;
    char *text;
    char joined[128];
    dbtok_str s;
    size_t pos = 0;
    (void)state;
    /* Escapes decoded, order kept, packed in place. */
    assert_int_equal(create_request("{\"scopes\": [ \"sql\" , \"unity-\\u0063atalog\", \"\\u00e9\\/x\"],"
                                    " \"autoscope_enabled\": true, \"comment\": \"c\"}",
                                    &r, &text),
                     DBTOK_OK);
    assert_int_equal(r.scopes.count, 3);
    join_list(&r.scopes, joined, sizeof joined);
    assert_string_equal(joined, "sql|unity-catalog|\xc3\xa9/x");
    assert_true(r.autoscope_enabled);
    assert_string_equal(r.comment, "c");
    free(text);
    assert_int_equal(create_request("{\"scopes\": [], \"autoscope_enabled\": false}", &r, &text), DBTOK_OK);
    assert_int_equal(r.scopes.count, 0);
    assert_false(dbtok_str_list_next(&r.scopes, &pos, &s));
    assert_false(r.autoscope_enabled);
    free(text);
    assert_int_equal(create_request("{\"scopes\": null, \"autoscope_enabled\": null}", &r, &text), DBTOK_OK);
    assert_int_equal(r.scopes.count, 0);
    free(text);
    assert_false(dbtok_str_list_next(NULL, &pos, &s));
}

#if DBTOK_ENABLE_UPDATE
static dbtok_err update_request(const char *src, dbtok_update_request *out, char **copy)
{
    size_t len = strlen(src);
    *copy = malloc(len + 1);
    memcpy(*copy, src, len + 1);
    return dbtok_update_request_parse(*copy, len, out);
}

static void test_update_request(void **state)
{
    static const struct {
        const char *body;
        dbtok_request_fault fault;
        const char *field; /* for UNKNOWN_FIELD and MASK_MISMATCH */
    } refused[] = {
        {"{\"token\": {\"comment\": \"x\"}}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": 1}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"comment,\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"comment, scopes\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"comment,comment\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"lifetime\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"*\"}", DBTOK_REQUEST_BAD_MASK, ""},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"comment,scopes\"}", DBTOK_REQUEST_MASK_MISMATCH,
         "scopes"},
        {"{\"token\": {\"comment\": \"x\", \"sc\\u006fpes\": []}, \"update_mask\": \"comment\"}",
         DBTOK_REQUEST_MASK_MISMATCH, "sc\\u006fpes"},
        {"{\"token\": {\"comment\": null}, \"update_mask\": \"comment\"}", DBTOK_REQUEST_MASK_MISMATCH, "comment"},
        {"{\"update_mask\": \"comment\"}", DBTOK_REQUEST_MASK_MISMATCH, "comment"},
        {"{\"token\": [], \"update_mask\": \"comment\"}", DBTOK_REQUEST_NOT_OBJECT, ""},
        {"{\"token\": {\"comment\": \"x\", \"expiry\": 1}, \"update_mask\": \"comment\"}",
         DBTOK_REQUEST_UNKNOWN_FIELD, "expiry"},
        {"{\"token\": {\"comment\": \"x\"}, \"update_mask\": \"comment\", \"mask\": 1}", DBTOK_REQUEST_UNKNOWN_FIELD,
         "mask"},
        {"{\"token\": {\"comment\": 1}, \"update_mask\": \"comment\"}", DBTOK_REQUEST_BAD_COMMENT, ""},
        {"{\"token\": {\"comment\": \"\\u0000\"}, \"update_mask\": \"comment\"}", DBTOK_REQUEST_COMMENT_NUL, ""},
        {"{\"token\": {\"scopes\": [\"\"]}, \"update_mask\": \"scopes\"}", DBTOK_REQUEST_BAD_SCOPES, ""},
        {"{\"token\": {\"scopes\": \"sql\"}, \"update_mask\": \"scopes\"}", DBTOK_REQUEST_BAD_SCOPES, ""},
        {"{\"token\": {}, \"token\": {}, \"update_mask\": \"comment\"}", DBTOK_REQUEST_REPEATED_FIELD, ""},
        {"[]", DBTOK_REQUEST_NOT_OBJECT, ""},
        {"{", DBTOK_REQUEST_NOT_JSON, ""},
    };
    dbtok_update_request r;
    char *text;
    char joined[64];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        dbtok_err err = update_request(refused[i].body, &r, &text);
        if (err != DBTOK_ERR_JSON || r.fault != refused[i].fault || r.field.len != strlen(refused[i].field) ||
            memcmp(r.field.ptr == NULL ? "" : r.field.ptr, refused[i].field, r.field.len) != 0) {
            fail_msg("'%s': %d, fault %d, field '%.*s'", refused[i].body, (int)err, (int)r.fault, (int)r.field.len,
                     r.field.ptr == NULL ? "" : r.field.ptr);
        }
        free(text);
    }
    assert_int_equal(update_request("{\"update_mask\": \"scopes,comment\", \"token\": {\"scopes\": [\"sql\", \"a\\u0062\"],"
                                    " \"comment\": \"\"}}",
                                    &r, &text),
                     DBTOK_OK);
    assert_string_equal(r.comment, "");
    assert_true(r.set_scopes);
    join_list(&r.scopes, joined, sizeof joined);
    assert_string_equal(joined, "sql|ab");
    free(text);
    assert_int_equal(update_request("{\"token\": {\"scopes\": []}, \"update_mask\": \"scopes\"}", &r, &text), DBTOK_OK);
    assert_null(r.comment);
    assert_true(r.set_scopes);
    assert_int_equal(r.scopes.count, 0);
    free(text);
    assert_int_equal(dbtok_update_request_parse(NULL, 1, &r), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_update_request_parse(NULL, 0, NULL), DBTOK_ERR_INVALID_ARG);
}
#endif

static void test_create_request_refused(void **state)
{
    static const struct {
        const char *body;
        dbtok_err err;
        dbtok_request_fault fault;
    } cases[] = {
        {"", DBTOK_ERR_JSON, DBTOK_REQUEST_NOT_JSON},
        {"comment=x", DBTOK_ERR_JSON, DBTOK_REQUEST_NOT_JSON},
        {"{\"comment\": \"x\"", DBTOK_ERR_JSON, DBTOK_REQUEST_NOT_JSON},
        {"{} x", DBTOK_ERR_JSON, DBTOK_REQUEST_NOT_JSON},
        {"[\"x\"]", DBTOK_ERR_JSON, DBTOK_REQUEST_NOT_OBJECT},
        {"{\"coment\": \"x\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_UNKNOWN_FIELD},
        {"{\"comment\": 3, \"x\": 1}", DBTOK_ERR_JSON, DBTOK_REQUEST_UNKNOWN_FIELD},
        {"{\"comment\": \"a\", \"comment\": \"b\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_REPEATED_FIELD},
        {"{\"comment\": \"a\", \"c\\u006fmment\": null}", DBTOK_ERR_JSON, DBTOK_REQUEST_REPEATED_FIELD},
        {"{\"comment\": 3}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_COMMENT},
        {"{\"comment\": [\"x\"]}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_COMMENT},
        {"{\"comment\": \"a\\u0000b\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_COMMENT_NUL},
        {"{\"lifetime_seconds\": \"3600\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_LIFETIME},
        {"{\"lifetime_seconds\": 1.5}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_LIFETIME},
        {"{\"lifetime_seconds\": 99999999999999999999}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_LIFETIME},
        {"{\"lifetime_seconds\": true}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_LIFETIME},
        {"{\"scopes\": [\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\", \"h\", \"i\", \"j\", \"k\", \"l\", "
         "\"m\", \"n\", \"o\", \"p\", \"q\", \"r\", \"s\", \"t\", \"u\", \"v\", \"w\", \"x\", \"y\", \"z\", \"0\", "
         "\"1\", \"2\", \"3\", \"4\", \"5\", \"6\", \"7\", \"8\", \"9\", \"10\", \"11\"]}",
         DBTOK_ERR_BUFFER_TOO_SMALL, DBTOK_REQUEST_TOO_LARGE},
        {"{\"scopes\": \"sql\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_SCOPES},
        {"{\"scopes\": [\"sql\", 1]}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_SCOPES},
        {"{\"scopes\": [\"sql\", \"\"]}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_SCOPES},
        {"{\"scopes\": [\"s\\u0000\"]}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_SCOPES},
        {"{\"scopes\": [[\"sql\"]]}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_SCOPES},
        {"{\"scopes\": [\"a\"], \"sc\\u006fpes\": [\"b\"]}", DBTOK_ERR_JSON, DBTOK_REQUEST_REPEATED_FIELD},
        {"{\"autoscope_enabled\": 1}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_AUTOSCOPE},
        {"{\"autoscope_enabled\": \"true\"}", DBTOK_ERR_JSON, DBTOK_REQUEST_BAD_AUTOSCOPE},
        {"{\"autoscope\": true}", DBTOK_ERR_JSON, DBTOK_REQUEST_UNKNOWN_FIELD},
        {"{\"scope\": [\"sql\"]}", DBTOK_ERR_JSON, DBTOK_REQUEST_UNKNOWN_FIELD},
    };
    dbtok_create_request r;
    char *text;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_err err = create_request(cases[i].body, &r, &text);
        if (err != cases[i].err || r.fault != cases[i].fault) {
            fail_msg("'%s': %d, fault %d", cases[i].body, (int)err, (int)r.fault);
        }
        free(text);
    }
    /* The unknown member is named as written. */
    assert_int_equal(create_request("{\"lifetime_seconds\": 1, \"c\\u006fment\": \"x\"}", &r, &text),
                     DBTOK_ERR_JSON);
    assert_int_equal(r.field.len, 11);
    assert_memory_equal(r.field.ptr, "c\\u006fment", 11);
    free(text);
    assert_int_equal(dbtok_create_request_parse(NULL, 0, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_create_request_parse(NULL, 2, &r), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(r.fault, DBTOK_REQUEST_NOT_JSON);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_response),
        cmocka_unit_test(test_create_request_scopes),
        cmocka_unit_test(test_escaped_keys_against_names),
        cmocka_unit_test(test_string_list_edges),
#if DBTOK_ENABLE_UPDATE
        cmocka_unit_test(test_update_request),
#endif
        cmocka_unit_test(test_list_response),
        cmocka_unit_test(test_list_empty_forms),
        cmocka_unit_test(test_error_bodies),
        cmocka_unit_test(test_decode_escapes),
        cmocka_unit_test(test_surrogate_pairs),
        cmocka_unit_test(test_bad_surrogates),
        cmocka_unit_test(test_utf8_validation),
        cmocka_unit_test(test_control_chars),
        cmocka_unit_test(test_reject_table),
        cmocka_unit_test(test_nul_bytes),
        cmocka_unit_test(test_accept_table),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_int64),
        cmocka_unit_test(test_int64_handmade_tokens),
        cmocka_unit_test(test_not_json),
        cmocka_unit_test(test_count_and_buffer_size),
        cmocka_unit_test(test_skip),
        cmocka_unit_test(test_object_get),
        cmocka_unit_test(test_string_in_place),
        cmocka_unit_test(test_escape_table),
        cmocka_unit_test(test_escape_capacity),
        cmocka_unit_test(test_escape_round_trip),
        cmocka_unit_test(test_str_copy),
        cmocka_unit_test(test_span_escapes_cut_or_bad),
        cmocka_unit_test(test_int64_bounds),
        cmocka_unit_test(test_object_get_short_tokens),
        cmocka_unit_test(test_str_copy_null_without_room),
        cmocka_unit_test(test_nul_escape_valid),
        cmocka_unit_test(test_key_with_nul),
        cmocka_unit_test(test_object_members),
        cmocka_unit_test(test_members_key_by_key),
        cmocka_unit_test(test_create_request_read),
        cmocka_unit_test(test_create_request_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
