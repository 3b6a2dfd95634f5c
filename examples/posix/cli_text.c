/*
 * The text helpers of cli_text.h: whitespace, case and bounded copies, as
 * the settings files read them (ASCII only, no locale), and the one wipe.
 */
#include "cli_text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char cli_to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

void cli_trim(const char **s, size_t *n)
{
    while (*n > 0 && is_space((*s)[0])) {
        (*s)++;
        (*n)--;
    }
    while (*n > 0 && is_space((*s)[*n - 1])) {
        (*n)--;
    }
}

bool cli_span_equals_nocase(const char *s, size_t n, const char *z)
{
    size_t i;
    if (strlen(z) != n) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (cli_to_lower(s[i]) != cli_to_lower(z[i])) {
            return false;
        }
    }
    return true;
}

int cli_copy_span(char *dst, size_t cap, const char *src, size_t n)
{
    if (cap == 0) {
        return -1;
    }
    if (n >= cap) {
        dst[0] = '\0';
        return -1;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

void cli_set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || cap == 0) {
        return;
    }
    va_start(ap, fmt);
    (void)vsnprintf(err, cap, fmt, ap);
    va_end(ap);
}

void cli_wipe(void *p, size_t n)
{
    volatile unsigned char *v = (volatile unsigned char *)p;
    while (n-- > 0) {
        *v++ = 0;
    }
}
