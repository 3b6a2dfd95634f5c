/*
 * Small text helpers the settings code shares (the INI reader, the host URL,
 * settings resolution, and the output's wiping): one copy of each instead of
 * one per file. Spans are (pointer, length) and need not be NUL-terminated.
 */
#ifndef CLI_TEXT_H
#define CLI_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* ASCII lowercase of c; other bytes unchanged (no locale). */
char cli_to_lower(char c);

/* Trim ASCII whitespace from both ends of [*s, *s + *n). */
void cli_trim(const char **s, size_t *n);

/* Whether s[0..n) equals the C string z, ASCII case ignored. */
bool cli_span_equals_nocase(const char *s, size_t n, const char *z);

/* Copy n bytes and a NUL; -1 when they do not fit (dst left empty). */
int cli_copy_span(char *dst, size_t cap, const char *src, size_t n);

/* snprintf into err (which may be NULL) for a one-line error message. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
void cli_set_err(char *err, size_t cap, const char *fmt, ...);

/* Overwrite p[0..n) with zeros in a way the compiler keeps (it may have held
 * a token). */
void cli_wipe(void *p, size_t n);

#endif /* CLI_TEXT_H */
