/*
 * Character classes the HTTP and JSON code share.
 */
#ifndef DBTOK_CHARS_H
#define DBTOK_CHARS_H

#include <string.h>

/* RFC 9110 tchar: what a method or a header name is made of. */
static inline int chars_is_tchar(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
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

#endif /* DBTOK_CHARS_H */
