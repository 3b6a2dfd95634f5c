/*
 * Character classes the HTTP and JSON code share.
 */
#ifndef DBTOK_CHARS_H
#define DBTOK_CHARS_H

#include <stddef.h>
#include <string.h>

static inline int chars_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* RFC 9110 tchar: what a method or a header name is made of. */
static inline int chars_is_tchar(char c)
{
    if (chars_is_alnum(c)) {
        return 1;
    }
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The value of a hex digit, or -1. */
static inline int chars_hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* ---- a machine word of text at a time ---------------------------------
 * JSON bodies are mostly printable ASCII: json.c tells a whole value so a
 * size_t's worth at a time (4 bytes on a Cortex-M, 8 on a host) and spares
 * it a string-by-string check. A test says only whether some byte of the
 * word is out of range, which is all a caller needs before it looks at the
 * bytes one at a time. */
#define CHARS_WORD sizeof(size_t)
#define CHARS_ONES ((size_t)-1 / 0xFFu)   /* 0x01 in every byte */
#define CHARS_HIGHS (CHARS_ONES * 0x80u)  /* 0x80 in every byte */

/* The word at s, whatever its alignment (one load where the core has
 * unaligned loads, bytes where it has not). */
static inline size_t chars_word(const char *s)
{
    size_t v;
    memcpy(&v, s, sizeof v);
    return v;
}

/* Non-zero when some byte of v is below n (n <= 0x80). */
static inline size_t chars_word_below(size_t v, unsigned n)
{
    return (v - CHARS_ONES * n) & ~v & CHARS_HIGHS;
}

#endif /* DBTOK_CHARS_H */
