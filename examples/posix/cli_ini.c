/*
 * The profile file's INI dialect (see cli_ini.h): one pass over the text per
 * lookup, no copy of it, nothing kept between calls.
 */
#include "cli_ini.h"

#include <stdbool.h>
#include <string.h>

#include "cli_text.h"

static bool span_equals(const char *s, size_t n, const char *z)
{
    return strlen(z) == n && memcmp(s, z, n) == 0;
}

/* Cut an inline comment (whitespace then `#` or `;`) and surrounding quotes. */
static void ini_value(const char **v, size_t *n)
{
    size_t i;
    for (i = 1; i < *n; i++) {
        if (((*v)[i] == '#' || (*v)[i] == ';') && ((*v)[i - 1] == ' ' || (*v)[i - 1] == '\t')) {
            *n = i;
            break;
        }
    }
    cli_trim(v, n);
    if (*n >= 2 && ((*v)[0] == '"' || (*v)[0] == '\'') && (*v)[*n - 1] == (*v)[0]) {
        (*v)++;
        *n -= 2;
    }
}

typedef enum { INI_BLANK, INI_SECTION, INI_KEY, INI_BAD } ini_kind;

/* One line, classified: for INI_SECTION name is the section name, for
 * INI_KEY name is the key and value the value (comment and quotes removed). */
typedef struct {
    const char *name, *value;
    size_t name_len, value_len;
} ini_line;

static ini_kind ini_classify(const char *s, size_t n, ini_line *out)
{
    size_t k = 0;
    if (memchr(s, '\0', n) != NULL) {
        return INI_BAD;
    }
    cli_trim(&s, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';') {
        return INI_BLANK;
    }
    if (s[0] == '[') {
        const char *close = memchr(s, ']', n);
        const char *rest;
        size_t rest_len;
        if (close == NULL) {
            return INI_BAD;
        }
        out->name = s + 1;
        out->name_len = (size_t)(close - out->name);
        rest = close + 1;
        rest_len = n - (size_t)(rest - s);
        cli_trim(&out->name, &out->name_len);
        cli_trim(&rest, &rest_len);
        if (out->name_len == 0 || (rest_len > 0 && rest[0] != '#' && rest[0] != ';')) {
            return INI_BAD;
        }
        return INI_SECTION;
    }
    while (k < n && s[k] != '=' && s[k] != ':') {
        k++;
    }
    if (k == n) {
        return INI_BAD;
    }
    out->name = s;
    out->name_len = k;
    cli_trim(&out->name, &out->name_len);
    out->value = s + k + 1;
    out->value_len = n - k - 1;
    cli_trim(&out->value, &out->value_len);
    ini_value(&out->value, &out->value_len);
    return out->name_len == 0 ? INI_BAD : INI_KEY;
}

cli_ini_result cli_ini_get(const char *text, size_t len, const char *section, const char *key,
                           char *value, size_t cap, unsigned *line)
{
    size_t pos = 0;
    unsigned lineno = 0;
    /* Key lines before any header belong to DEFAULT (as the Go SDK's INI
     * reader has it), so DEFAULT "exists" only once such a line appears. */
    bool in_section = strcmp(section, "DEFAULT") == 0;
    bool section_seen = false;
    bool found = false;

    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
        pos = 3; /* UTF-8 byte-order mark, as some Windows editors write */
    }
    while (pos < len) {
        const char *s = text + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl != NULL ? (size_t)(nl - s) : len - pos;
        ini_line l;
        ini_kind kind = ini_classify(s, n, &l);
        pos += n + 1;
        lineno++;
        if (line != NULL) {
            *line = lineno;
        }
        if (kind == INI_BAD) {
            return CLI_INI_SYNTAX;
        }
        if (kind == INI_SECTION) {
            in_section = span_equals(l.name, l.name_len, section);
            section_seen = section_seen || in_section;
        } else if (kind == INI_KEY && in_section) {
            section_seen = true;
            if (key == NULL) {
                found = true;
            } else if (cli_span_equals_nocase(l.name, l.name_len, key)) {
                if (cli_copy_span(value, cap, l.value, l.value_len) != 0) {
                    return CLI_INI_TOO_LONG;
                }
                found = true; /* keep going: the last occurrence wins */
            }
        }
    }
    return found ? CLI_INI_FOUND : section_seen ? CLI_INI_NO_KEY : CLI_INI_NO_SECTION;
}
