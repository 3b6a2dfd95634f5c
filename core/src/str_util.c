/*
 * String helpers that need no client: copying a view out, and escaping text
 * for a JSON request body.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dbtok/dbtok_types.h"

dbtok_err dbtok_str_copy(char *dst, size_t cap, dbtok_str src)
{
    if ((dst == NULL && cap > 0) || (src.ptr == NULL && src.len > 0)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    if (src.len < cap) {
        if (src.len > 0) {
            memcpy(dst, src.ptr, src.len);
        }
        dst[src.len] = '\0';
        return DBTOK_OK;
    }
    if (cap > 0) {
        /* Cut before a whole character, not inside one, so a truncated
         * message is still valid UTF-8 (at most 3 continuation bytes). */
        size_t n = cap - 1;
        int back;
        for (back = 0; back < 3 && n > 0 && ((unsigned char)src.ptr[n] & 0xC0u) == 0x80u; back++) {
            n--;
        }
        memcpy(dst, src.ptr, n);
        dst[n] = '\0';
    }
    return DBTOK_ERR_BUFFER_TOO_SMALL;
}

bool dbtok_str_list_next(const dbtok_str_list *list, size_t *pos, dbtok_str *out)
{
    const char *end;

    if (list == NULL || pos == NULL || out == NULL || *pos >= list->len || list->ptr == NULL) {
        return false;
    }
    end = memchr(list->ptr + *pos, '\0', list->len - *pos);
    if (end == NULL) {
        return false; /* not a list dbtok made: it ends every string with a NUL */
    }
    out->ptr = list->ptr + *pos;
    out->len = (size_t)(end - out->ptr);
    *pos += out->len + 1;
    return true;
}

/* The letter of c's two-byte escape, or 0 when it has none. */
static char short_escape(unsigned char c)
{
    switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\f': return 'f';
    case '\n': return 'n';
    case '\r': return 'r';
    case '\t': return 't';
    default: return 0;
    }
}

/* Other control characters (and DEL, which some logs and terminals act on)
 * go out as \u00XX. */
static bool needs_u_escape(unsigned char c)
{
    return c < 0x20u || c == 0x7Fu;
}

static size_t escaped_len(unsigned char c)
{
    if (short_escape(c) != 0) {
        return 2;
    }
    return needs_u_escape(c) ? 6u : 1u;
}

size_t dbtok_json_escape(char *dst, size_t cap, const char *src, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t need = 0;
    size_t w = 0;
    size_t i;

    if (src == NULL) {
        len = 0;
    }
    for (i = 0; i < len; i++) {
        size_t n = escaped_len((unsigned char)src[i]);
        /* Saturate: a wrapped length could claim to fit a small dst. */
        need = (need > SIZE_MAX - n) ? SIZE_MAX : need + n;
    }
    if (dst == NULL || need >= cap) {
        return need;
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)src[i];
        char e = short_escape(c);
        if (e != 0) {
            dst[w++] = '\\';
            dst[w++] = e;
        } else if (needs_u_escape(c)) {
            memcpy(dst + w, "\\u00", 4);
            dst[w + 4] = hex[c >> 4];
            dst[w + 5] = hex[c & 0x0Fu];
            w += 6;
        } else {
            dst[w++] = (char)c;
        }
    }
    dst[w] = '\0';
    return need;
}
