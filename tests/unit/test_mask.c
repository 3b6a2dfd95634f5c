/*
 * Unit tests: the one masking routine (dbtok_mask_text, dbtok_mask).
 *
 * The oracle is independent of mask.c: it decodes the whole output (JSON
 * escapes and percent-escapes, then nothing) and the raw output, and looks
 * for any DBTOK_MASK_MIN_RUN characters of a secret in either.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "client_internal.h"

static const char token[] = "dapi0123456789abcdef0123456789abcdef";

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Decodes %XX and \uXXXX / \" \\ \/ escapes of text into out. */
static void decode_all(const char *text, char *out, size_t cap)
{
    size_t n = 0;
    size_t i = 0;
    size_t len = strlen(text);
    while (i < len && n + 1 < cap) {
        if (text[i] == '%' && i + 2 < len && hexval(text[i + 1]) >= 0 && hexval(text[i + 2]) >= 0) {
            out[n++] = (char)(hexval(text[i + 1]) * 16 + hexval(text[i + 2]));
            i += 3;
        } else if (text[i] == '\\' && i + 5 < len && text[i + 1] == 'u' && hexval(text[i + 2]) == 0 &&
                   hexval(text[i + 3]) == 0 && hexval(text[i + 4]) >= 0 && hexval(text[i + 5]) >= 0) {
            out[n++] = (char)(hexval(text[i + 4]) * 16 + hexval(text[i + 5]));
            i += 6;
        } else if (text[i] == '\\' && i + 1 < len && strchr("\"\\/", text[i + 1]) != NULL) {
            out[n++] = text[i + 1];
            i += 2;
        } else {
            out[n++] = text[i++];
        }
    }
    out[n] = 0;
}

static bool has_run(const char *hay, const char *secret)
{
    size_t len = strlen(secret);
    size_t run = len < DBTOK_MASK_MIN_RUN ? len : DBTOK_MASK_MIN_RUN;
    size_t j;
    for (j = 0; j + run <= len; j++) {
        char piece[64];
        memcpy(piece, secret + j, run);
        piece[run] = 0;
        if (strstr(hay, piece) != NULL) {
            return true;
        }
    }
    return false;
}

static void assert_no_secret(const char *out, const char *secret)
{
    char decoded[4096];
    decode_all(out, decoded, sizeof decoded);
    if (has_run(out, secret) || has_run(decoded, secret)) {
        fail_msg("secret visible in \"%s\"", out);
    }
}

static size_t mask1(const char *secret, const char *text, char *out, size_t cap)
{
    dbtok_str s;
    s.ptr = secret;
    s.len = strlen(secret);
    return dbtok_mask_text(&s, 1, text, strlen(text), out, cap);
}

static void expect_masked(const char *secret, const char *text, const char *want)
{
    char out[1024];
    size_t n = mask1(secret, text, out, sizeof out);
    assert_string_equal(out, want);
    assert_int_equal(n, strlen(want));
}

static void test_raw_echo(void **state)
{
    (void)state;
    expect_masked(token, "Invalid token dapi0123456789abcdef0123456789abcdef here",
                  "Invalid token [REDACTED] here");
    expect_masked(token, token, "[REDACTED]");
    expect_masked(token, "nothing secret", "nothing secret");
    /* Twice, and back to back: each stretch is one marker. */
    expect_masked(token, "a dapi0123456789abcdef0123456789abcdef b dapi0123456789abcdef0123456789abcdef",
                  "a [REDACTED] b [REDACTED]");
    expect_masked(token, "dapi0123456789abcdef0123456789abcdefdapi0123456789abcdef0123456789abcdef",
                  "[REDACTED]");
}

static void test_partial_runs(void **state)
{
    (void)state;
    /* Eight or more characters of the secret count, wherever they stand. */
    expect_masked(token, "x=dapi0123", "x=[REDACTED]");
    expect_masked(token, "cdef0123456789abcdef!", "[REDACTED]!");
    expect_masked(token, "mid 6789abcd end", "mid [REDACTED] end");
    /* Seven do not: they are not enough to matter, and hiding them would
     * hide ordinary text. */
    expect_masked(token, "x=dapi012", "x=dapi012");
    /* A secret shorter than a run is masked whole only. */
    expect_masked("s3cr", "a s3cr b s3c", "a [REDACTED] b s3c");
}

static void test_json_escaped(void **state)
{
    char text[512];
    char out[512];
    size_t i;
    (void)state;
    expect_masked(token, "\\u0064api0123456789abcdef0123456789abcdef", "[REDACTED]");
    expect_masked(token, "\\u0064\\u0061\\u0070\\u0069\\u0030\\u0031\\u0032\\u0033", "[REDACTED]");
    expect_masked(token, "\\u0044API0123 case differs", "\\u0044API0123 case differs");
    expect_masked("abc/defgh\\ij\"kl", "v=abc\\/defgh\\\\ij\\\"kl;", "v=[REDACTED];");
    /* Every character escaped, upper-case hex. */
    text[0] = 0;
    for (i = 0; token[i] != 0; i++) {
        char esc[8];
        snprintf(esc, sizeof esc, "\\u%04X", (unsigned)(unsigned char)token[i]);
        strcat(text, esc);
    }
    mask1(token, text, out, sizeof out);
    assert_string_equal(out, "[REDACTED]");
}

static void test_percent_encoded(void **state)
{
    (void)state;
    expect_masked(token, "Location: /login?t=%64api0123456789abcdef0123456789abcdef&x=1",
                  "Location: /login?t=[REDACTED]&x=1");
    expect_masked(token, "%64%61%70%69%30%31%32%33", "[REDACTED]");
    expect_masked(token, "%64%61%70%69%30%31%32%33%34%35%36%37%38%39%61%62%63%64%65%66", "[REDACTED]");
    expect_masked(token, "%44%41%50%49%30%31%32", "%44%41%50%49%30%31%32");
    /* Mixed forms. */
    expect_masked(token, "d%61\\u0070i01234", "[REDACTED]");
    /* A secret that holds a percent sign is found raw too. */
    expect_masked("ab%41cdefgh", "x ab%41cdefgh y", "x [REDACTED] y");
}

/* Masking comes before any cut: at every output size, the kept bytes show no
 * run of the secret, whatever the echo's position. */
static void test_masks_before_cut(void **state)
{
    static const char *forms[] = {"dapi0123456789abcdef0123456789abcdef",
                                  "\\u0064api0123456789abcdef0123456789abcdef",
                                  "%64%61%70%690123456789abcdef0123456789abcdef"};
    size_t f;
    (void)state;
    for (f = 0; f < sizeof forms / sizeof forms[0]; f++) {
        size_t pad;
        for (pad = 0; pad < 60; pad += 7) {
            char text[256];
            size_t cap;
            size_t need;
            char full[256];
            memset(text, 'x', pad);
            strcpy(text + pad, forms[f]);
            strcat(text, " tail");
            need = mask1(token, text, full, sizeof full);
            assert_int_equal(need, strlen(full));
            for (cap = 1; cap <= need + 1; cap++) {
                char out[256];
                size_t n = mask1(token, text, out, cap);
                assert_int_equal(n, need);
                assert_true(strlen(out) < cap);
                assert_memory_equal(out, full, strlen(out));
                assert_no_secret(out, token);
            }
        }
    }
}

/* A fragment that starts or ends inside an echo (a header line cut by the
 * reader, a chunk) still shows nothing of it. */
static void test_fragments(void **state)
{
    size_t start;
    (void)state;
    for (start = 0; start < sizeof token - 1; start++) {
        size_t end;
        for (end = start; end <= sizeof token - 1; end++) {
            char text[128];
            char out[128];
            snprintf(text, sizeof text, "<%.*s>", (int)(end - start), token + start);
            mask1(token, text, out, sizeof out);
            assert_no_secret(out, token);
            if (end - start < DBTOK_MASK_MIN_RUN) {
                assert_string_equal(out, text); /* too short to matter: kept */
            }
        }
    }
}

static void test_several_secrets(void **state)
{
    dbtok_str s[3];
    char out[256];
    size_t n;
    (void)state;
    s[0].ptr = token;
    s[0].len = strlen(token);
    s[1].ptr = NULL;
    s[1].len = 0;
    s[2].ptr = "dapiffffeeeeddddcccc";
    s[2].len = strlen(s[2].ptr);
    n = dbtok_mask_text(s, 3, "old dapi0123456789 new dapiffffeeee.", 36, out, sizeof out);
    assert_string_equal(out, "old [REDACTED] new [REDACTED].");
    assert_int_equal(n, strlen(out));
    /* No secrets: a copy; NULL text: empty. */
    n = dbtok_mask_text(NULL, 0, "plain", 5, out, sizeof out);
    assert_string_equal(out, "plain");
    n = dbtok_mask_text(s, 3, NULL, 0, out, sizeof out);
    assert_int_equal(n, 0);
    assert_string_equal(out, "");
    /* cap 0 measures and writes nothing. */
    out[0] = 'z';
    n = dbtok_mask_text(s, 1, token, strlen(token), out, 0);
    assert_int_equal(n, strlen(DBTOK_MASK_TEXT));
    assert_int_equal(out[0], 'z');
}

/* The client's secrets: its bearer token and the token values it remembers,
 * the oldest forgotten past DBTOK_MASK_TOKEN_VALUES. */
static void test_client_secrets(void **state)
{
    static dbtok_client c;
    char out[256];
    char values[DBTOK_MASK_TOKEN_VALUES + 1][40];
    size_t i;
    (void)state;
    memset(&c, 0, sizeof c);
    dbtok__state_of(&c)->config.token = token;
    for (i = 0; i <= DBTOK_MASK_TOKEN_VALUES; i++) {
        dbtok_str v;
        static const char hex[] = "0123456789abcdef";
        size_t k;
        /* Values that share no run of eight characters. */
        memcpy(values[i], "dapi", 4);
        for (k = 4; k < 36; k++) {
            values[i][k] = hex[(k * (i + 3) + i * 7) % 16];
        }
        values[i][36] = 0;
        v.ptr = values[i];
        v.len = strlen(values[i]);
        dbtok__remember_secret(dbtok__state_of(&c), v);
    }
    dbtok_mask(&c, values[DBTOK_MASK_TOKEN_VALUES], strlen(values[DBTOK_MASK_TOKEN_VALUES]), out, sizeof out);
    assert_string_equal(out, "[REDACTED]");
    dbtok_mask(&c, values[1], strlen(values[1]), out, sizeof out);
    assert_string_equal(out, "[REDACTED]");
    dbtok_mask(&c, values[0], strlen(values[0]), out, sizeof out);
    assert_string_equal(out, values[0]); /* forgotten */
    dbtok_mask(&c, token, strlen(token), out, sizeof out);
    assert_string_equal(out, "[REDACTED]");
    dbtok_mask(NULL, token, strlen(token), out, sizeof out);
    assert_string_equal(out, token);
}

/* An escape that is malformed, or cut by the end of the text, is not one:
 * its bytes are themselves. The text past len is never read, even where it
 * would complete the escape into a run of the secret. */
static void test_malformed_escapes(void **state)
{
    static const char *const kept[] = {
        "dapi012%G3", "dapi012%3g", "dapi012%3", "dapi012\\u0133", "dapi012\\u00x3", "dapi012\\u003",
        "dapi012\\x3", "dapi012\\",
    };
    dbtok_str s;
    char out[64];
    size_t i;
    (void)state;
    s.ptr = token;
    s.len = strlen(token);
    for (i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        expect_masked(token, kept[i], kept[i]);
    }
    /* Cut one byte before the escape would be whole. */
    assert_int_equal(dbtok_mask_text(&s, 1, "dapi012%33", 9, out, sizeof out), 9);
    assert_string_equal(out, "dapi012%3");
    assert_int_equal(dbtok_mask_text(&s, 1, "dapi012\\u0033", 12, out, sizeof out), 12);
    assert_string_equal(out, "dapi012\\u003");
    /* Upper- and lower-case hex digits, mixed. */
    expect_masked("dapiJKLMNOPQ", "<%64api%4A%4bLMNOP>", "<[REDACTED]>");
    expect_masked("dapiJKLMNOPQ", "<\\u0064api\\u004A\\u004bLMNOP>", "<[REDACTED]>");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_raw_echo),        cmocka_unit_test(test_partial_runs),
        cmocka_unit_test(test_json_escaped),    cmocka_unit_test(test_percent_encoded),
        cmocka_unit_test(test_masks_before_cut), cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_several_secrets), cmocka_unit_test(test_client_secrets),
        cmocka_unit_test(test_malformed_escapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
