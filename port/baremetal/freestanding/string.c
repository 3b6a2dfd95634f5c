/*
 * mem* and str* for targets with no C library, and for firmware that would rather not
 * link one: what dbtok's core and mbedTLS's TLS client (device profile) call, nothing
 * more. Small loops; memcpy and memset, which the TLS record layer and the wipes run
 * over every byte received (bench/device counted a third of the byte loop's cost in
 * them), move a word at a time where the addresses allow it. Compiled with
 * -fno-tree-loop-distribute-patterns so gcc cannot turn these loops back into calls
 * to themselves.
 */
#include <stdint.h>
#include <string.h>

/* A word that may alias any object's bytes (GCC and Clang: the port's compilers). */
typedef uint32_t __attribute__((__may_alias__)) word;

static int word_aligned(const void *p)
{
    return ((uintptr_t)p & (sizeof(word) - 1u)) == 0;
}

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (word_aligned(d) && word_aligned(s)) {
        for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word), s += sizeof(word)) {
            *(word *)(void *)d = *(const word *)(const void *)s;
        }
    }
    while (n-- > 0) {
        *d++ = *s++;
    }
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n-- > 0) {
            *d++ = *s++;
        }
    } else {
        while (n-- > 0) {
            d[n] = s[n];
        }
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    unsigned char *d = dst;
    unsigned char b = (unsigned char)c;
    for (; n > 0 && !word_aligned(d); n--) {
        *d++ = b;
    }
    for (; n >= sizeof(word); n -= sizeof(word), d += sizeof(word)) {
        *(word *)(void *)d = b * 0x01010101u;
    }
    while (n-- > 0) {
        *d++ = b;
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a;
    const unsigned char *y = b;
    for (; n > 0; n--, x++, y++) {
        if (*x != *y) {
            return *x < *y ? -1 : 1;
        }
    }
    return 0;
}

void *memchr(const void *s, int c, size_t n)
{
    const unsigned char *p = s;
    for (; n > 0; n--, p++) {
        if (*p == (unsigned char)c) {
            return (void *)p; /* the C library signature drops const */
        }
    }
    return NULL;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n] != '\0') {
        n++;
    }
    return n;
}

char *strchr(const char *s, int c)
{
    for (;; s++) {
        if (*s == (char)c) {
            return (char *)s;
        }
        if (*s == '\0') {
            return NULL;
        }
    }
}

int strcmp(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    return (unsigned char)*a < (unsigned char)*b ? -1 : (unsigned char)*a > (unsigned char)*b;
}
