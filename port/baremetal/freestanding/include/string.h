/*
 * The part of <string.h> that dbtok's core and mbedTLS use, for targets with no C
 * library at all (the freestanding RISC-V build). Where a C library's headers exist
 * (newlib), its string.h declares the same functions and this file is not used.
 */
#ifndef DBTOK_FREESTANDING_STRING_H
#define DBTOK_FREESTANDING_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
char *strchr(const char *s, int c);
int strcmp(const char *a, const char *b);

#endif /* DBTOK_FREESTANDING_STRING_H */
