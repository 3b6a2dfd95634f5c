/*
 * Looking a key up in the profile file (~/.databrickscfg), an INI file in the
 * dialect the Databricks tools accept. Kept apart from settings resolution
 * so that the syntax rules can be read, and tested, on their own.
 */
#ifndef CLI_INI_H
#define CLI_INI_H

#include <stddef.h>

/* Result of an INI lookup. */
typedef enum {
    CLI_INI_FOUND = 0,      /* value copied */
    CLI_INI_NO_KEY = 1,     /* the section exists, the key is not in it */
    CLI_INI_NO_SECTION = 2, /* no such section */
    CLI_INI_SYNTAX = 3,     /* a line is neither section, comment nor key = value; *line set */
    CLI_INI_TOO_LONG = 4    /* the value does not fit in cap; *line set */
} cli_ini_result;

/*
 * Look key up in [section] of the INI text (len bytes, need not be
 * NUL-terminated). Rules, matching what the Databricks tools accept:
 * - `[name]` starts a section (whitespace inside the brackets is trimmed;
 *   names are case-sensitive); a section may appear more than once.
 * - `key = value` or `key: value`; keys match case-insensitively; the last
 *   occurrence wins; whitespace around key and value is trimmed.
 * - Lines starting with `;` or `#` (after indentation) are comments. An
 *   inline comment starts at `#` or `;` preceded by whitespace, so a token
 *   containing `#` survives (`token = dapi#1 # note` gives `dapi#1`).
 * - Then a value wrapped in matching double or single quotes is unquoted.
 * - Key lines before the first section header belong to [DEFAULT].
 * - CRLF line endings and a UTF-8 byte-order mark are accepted; a NUL byte
 *   is a syntax error.
 * A syntax error anywhere in the text is reported, whatever section was asked.
 *
 * line (may be NULL) receives the 1-based line of a syntax or length error.
 * key NULL asks whether [section] holds any key at all: CLI_INI_FOUND when it
 * does (value untouched), CLI_INI_NO_KEY for a section of headers only.
 */
cli_ini_result cli_ini_get(const char *text, size_t len, const char *section, const char *key,
                           char *value, size_t cap, unsigned *line);

#endif /* CLI_INI_H */
