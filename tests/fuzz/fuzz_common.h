/*
 * What the fuzz harnesses share: the libFuzzer entry point's prototype, a
 * check that stays on under NDEBUG, a UTF-8 validator that is not the one
 * under test, and the mapping from an input byte to a split size.
 */
#ifndef DBTOK_FUZZ_COMMON_H
#define DBTOK_FUZZ_COMMON_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Declared here so the definition in each harness has a prototype. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ASan's manual poisoning, so a harness can forbid reads of bytes that are
 * inside a buffer but not (yet) valid; a no-op without ASan. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FUZZ_HAVE_ASAN 1
#endif
#ifdef FUZZ_HAVE_ASAN
#include <sanitizer/asan_interface.h>
#define FUZZ_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define FUZZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define FUZZ_POISON(p, n) ((void)(p), (void)(n))
#define FUZZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* An invariant of the code under test. abort() is what libFuzzer reports as
 * a crash, with the input; assert() would vanish in an NDEBUG build. */
#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant broken: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* A copy of src[0..n) in a heap block of exactly n bytes (one byte when n is
 * 0), so AddressSanitizer sees any access past its end. */
static inline uint8_t *fuzz_dup(const uint8_t *src, size_t n)
{
    uint8_t *p = malloc(n > 0 ? n : 1);
    FUZZ_CHECK(p != NULL);
    if (n > 0) {
        memcpy(p, src, n);
    }
    return p;
}

/*
 * Well-formed UTF-8 by the table of the Unicode standard (3.9, table 3-7),
 * written from the ranges of each lead byte rather than by decoding, so it
 * does not share a mistake with json.c's decoder. NUL counts as invalid: a
 * decoded dbtok string never holds one.
 */
static inline bool fuzz_utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t b = s[i];
        uint8_t lo = 0x80;
        uint8_t hi = 0xBF;
        size_t more;
        size_t k;

        if (b == 0) {
            return false;
        }
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xC2 && b <= 0xDF) {
            more = 1;
        } else if (b >= 0xE0 && b <= 0xEF) {
            more = 2;
            if (b == 0xE0) {
                lo = 0xA0;
            } else if (b == 0xED) {
                hi = 0x9F;
            }
        } else if (b >= 0xF0 && b <= 0xF4) {
            more = 3;
            if (b == 0xF0) {
                lo = 0x90;
            } else if (b == 0xF4) {
                hi = 0x8F;
            }
        } else {
            return false;
        }
        if (n - i - 1 < more) {
            return false;
        }
        for (k = 1; k <= more; k++) {
            uint8_t c = s[i + k];
            if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xBF)) {
                return false;
            }
        }
        i += 1 + more;
    }
    return true;
}

/* The same for text that may hold NUL bytes (a comment's `\u0000`): each
 * piece between them is well-formed. */
static inline bool fuzz_utf8_ok_with_nul(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i <= n) {
        const uint8_t *nul = memchr(s + i, 0, n - i);
        size_t piece = nul != NULL ? (size_t)(nul - (s + i)) : n - i;
        if (!fuzz_utf8_ok(s + i, piece)) {
            return false;
        }
        i += piece + 1;
    }
    return true;
}

/*
 * A split size from one input byte: 1..128 byte by byte, then 16..2048 in
 * steps of 16, so that both byte-level splits and large spans are one byte
 * away for the fuzzer.
 */
static inline size_t fuzz_split_size(uint8_t b)
{
    return (b & 0x80u) != 0 ? ((size_t)(b & 0x7Fu) + 1u) * 16u : (size_t)b + 1u;
}

/* Whether needle[0..nlen) (not empty) is at hay[0..]. A plain loop, not
 * memcmp: libFuzzer hooks every memcmp to learn from its operands, which is
 * slow and pointless for the harness's own searches. */
static inline bool fuzz_match(const uint8_t *hay, const uint8_t *needle, size_t nlen)
{
    size_t k;
    for (k = 0; k < nlen && hay[k] == needle[k]; k++) {
    }
    return k == nlen;
}

/* How often needle[0..nlen) (not empty) occurs in hay[0..len), overlaps
 * counted; stops at the first when first_only. */
static inline size_t fuzz_count_upto(const void *hay, size_t len, const void *needle, size_t nlen, bool first_only)
{
    const uint8_t *h = hay;
    size_t count = 0;
    size_t i;

    if (nlen == 0 || nlen > len) {
        return 0;
    }
    for (i = 0; i + nlen <= len; i++) {
        if (fuzz_match(h + i, needle, nlen)) {
            count++;
            if (first_only) {
                break;
            }
        }
    }
    return count;
}

static inline size_t fuzz_count(const void *hay, size_t len, const void *needle, size_t nlen)
{
    return fuzz_count_upto(hay, len, needle, nlen, false);
}

static inline bool fuzz_contains(const void *hay, size_t len, const void *needle, size_t nlen)
{
    return fuzz_count_upto(hay, len, needle, nlen, true) > 0;
}

static inline int fuzz_hex(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if ((ch | 0x20u) >= 'a' && (ch | 0x20u) <= 'f') {
        return (ch | 0x20u) - 'a' + 10;
    }
    return -1;
}

/* text[0..len) with %XX, \u00XX, \", \\ and \/ decoded, left to right, into
 * out (at least len bytes); returns the decoded length. The harness's own
 * decoder, written apart from dbtok's masking routine, as the oracle. */
static inline size_t fuzz_unescape(const uint8_t *text, size_t len, uint8_t *out)
{
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        if (text[i] == '%' && i + 2 < len && fuzz_hex(text[i + 1]) >= 0 && fuzz_hex(text[i + 2]) >= 0) {
            out[n++] = (uint8_t)(fuzz_hex(text[i + 1]) * 16 + fuzz_hex(text[i + 2]));
            i += 3;
        } else if (text[i] == '\\' && i + 5 < len && text[i + 1] == 'u' && text[i + 2] == '0' &&
                   text[i + 3] == '0' && fuzz_hex(text[i + 4]) >= 0 && fuzz_hex(text[i + 5]) >= 0) {
            out[n++] = (uint8_t)(fuzz_hex(text[i + 4]) * 16 + fuzz_hex(text[i + 5]));
            i += 6;
        } else if (text[i] == '\\' && i + 1 < len &&
                   (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '/')) {
            out[n++] = text[i + 1];
            i += 2;
        } else {
            out[n++] = text[i++];
        }
    }
    return n;
}

/* Most occurrences in hay[0..len), raw or unescaped, of any run of 8
 * characters of secret (the whole secret when it is shorter). scratch holds
 * at least len bytes. */
static inline size_t fuzz_secret_runs(const void *hay, size_t len, const char *secret, uint8_t *scratch)
{
    size_t slen = strlen(secret);
    size_t run = slen < 8 ? slen : 8;
    size_t decoded = fuzz_unescape(hay, len, scratch);
    size_t most = 0;
    size_t j;
    for (j = 0; run > 0 && j + run <= slen; j++) {
        size_t a = fuzz_count(hay, len, secret + j, run);
        size_t b = fuzz_count(scratch, decoded, secret + j, run);
        most = a > most ? a : most;
        most = b > most ? b : most;
    }
    return most;
}

/* What dbtok__json_span_int64 must answer for s[0..n): integer syntax (no
 * fraction, exponent or leading zero) in int64 range, by strtoll. 31
 * characters hold any int64 with its sign; a longer valid integer has more
 * than 19 digits and overflows. */
static inline bool fuzz_ref_int64(const uint8_t *s, size_t n, int64_t *v)
{
    char buf[32];
    char *end;
    size_t i = n > 0 && s[0] == '-' ? 1u : 0u;
    size_t k;
    long long x;

    if (n == 0 || n >= sizeof buf || i >= n || (s[i] == '0' && n - i > 1)) {
        return false;
    }
    for (k = i; k < n; k++) {
        if (s[k] < '0' || s[k] > '9') {
            return false;
        }
    }
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    x = strtoll(buf, &end, 10);
    if (errno == ERANGE || *end != '\0') {
        return false;
    }
    *v = (int64_t)x;
    return true;
}

#endif /* DBTOK_FUZZ_COMMON_H */
