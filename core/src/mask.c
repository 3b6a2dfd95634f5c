/*
 * The one masking routine. Every byte of service- or config-derived text
 * passes through it before it reaches the error record, a trace line, the
 * port's log or an application's output.
 *
 * A hostile service does not echo a secret politely: it may send it raw,
 * JSON-escaped (`\u0064api...`), percent-encoded (`%64api...`), in a mix,
 * cut at a length limit or split over fragments. So the text is read as a
 * sequence of characters, each of them one raw byte, one JSON escape or one
 * percent-escape, and any run of DBTOK_MASK_MIN_RUN or more consecutive
 * characters of a secret (or the whole of a shorter one) is replaced. The
 * text is read a second time byte by byte, so that a secret that itself
 * holds `%` or `\` is found raw too. Masking runs over the whole text before
 * anything is cut, and a partial run at either edge of a fragment is caught
 * by the same rule.
 */
#include <string.h>

#include "client_internal.h"

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

static int hex_pair(const char *p)
{
    int hi = hex_value(p[0]);
    int lo = hex_value(p[1]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

/* The character at text[i] and how many bytes it takes (*adv). Decoding
 * reads the escapes; otherwise every byte is itself. */
static unsigned char char_at(const char *text, size_t len, size_t i, bool decode, size_t *adv)
{
    size_t left = len - i;
    *adv = 1;
    if (!decode) {
        return (unsigned char)text[i];
    }
    if (text[i] == '%' && left >= 3 && hex_pair(text + i + 1) >= 0) {
        *adv = 3;
        return (unsigned char)hex_pair(text + i + 1);
    }
    if (text[i] == '\\' && left >= 2) {
        if (text[i + 1] == 'u' && left >= 6 && text[i + 2] == '0' && text[i + 3] == '0' &&
            hex_pair(text + i + 4) >= 0) {
            *adv = 6;
            return (unsigned char)hex_pair(text + i + 4);
        }
        if (text[i + 1] == '"' || text[i + 1] == '\\' || text[i + 1] == '/') {
            *adv = 2;
            return (unsigned char)text[i + 1];
        }
    }
    return (unsigned char)text[i];
}

unsigned char dbtok__escaped_char(const char *text, size_t len, size_t i, size_t *adv)
{
    return char_at(text, len, i, true, adv);
}

/* End (exclusive) of the longest trace of secret s that starts at text[i]:
 * a run of its characters long enough to count; i when there is none. */
static size_t trace_end(dbtok_str s, const char *text, size_t len, size_t i, bool decode)
{
    size_t need = s.len < DBTOK_MASK_MIN_RUN ? s.len : DBTOK_MASK_MIN_RUN;
    size_t best = i;
    size_t adv;
    unsigned char first = char_at(text, len, i, decode, &adv);
    size_t j;

    for (j = 0; j + need <= s.len; j++) {
        size_t k = 0;
        size_t at = i;
        if ((unsigned char)s.ptr[j] != first) {
            continue;
        }
        while (j + k < s.len && at < len && char_at(text, len, at, decode, &adv) == (unsigned char)s.ptr[j + k]) {
            at += adv;
            k++;
        }
        /* j stops where a run would no longer fit, so a secret shorter
         * than a run is only tried whole. */
        if (k >= need && at > best) {
            best = at;
        }
    }
    return best;
}

/* The secrets to mask: a caller's list, or a client's own (its bearer token,
 * OAuth's secret and access token, and the token values it remembers),
 * walked in place rather than copied. */
typedef struct {
    const dbtok_str *list;
    size_t n;
    const dbtok__state *client;
} secret_set;

/* The client's own secrets before the token values it remembers: its
 * bearer token, under OAuth the client secret and the access token, and a
 * proxy's password with the Base64 credential it is sent in. */
#define OAUTH_SECRETS (DBTOK_ENABLE_OAUTH_M2M ? 2u : 0u)
#define PROXY_SECRETS (DBTOK_ENABLE_PROXY ? 2u : 0u)
#define CONFIG_SECRETS (1u + OAUTH_SECRETS + PROXY_SECRETS)

static bool secret_at(const secret_set *set, size_t i, dbtok_str *out)
{
    const dbtok__state *c = set->client;
    if (c == NULL) {
        if (i >= set->n) {
            return false;
        }
        *out = set->list[i];
        return true;
    }
    if (i < CONFIG_SECRETS) {
        const char *s = c->config.token;
#if DBTOK_ENABLE_OAUTH_M2M
        s = i == 1 ? c->config.client_secret : i == 2 ? c->oauth_token : s;
#endif
#if DBTOK_ENABLE_PROXY
        if (i == 1 + OAUTH_SECRETS) {
            s = c->config.proxy.password;
        } else if (i == 2 + OAUTH_SECRETS) {
            s = c->proxy_basic;
        }
#endif
        out->ptr = s;
        out->len = s != NULL ? strlen(s) : 0;
        return true;
    }
    i -= CONFIG_SECRETS;
    if (i >= DBTOK_MASK_TOKEN_VALUES) {
        return false;
    }
    out->ptr = c->seen_values[i];
    out->len = c->seen_value_len[i];
    return true;
}

static size_t masked_until(const secret_set *set, const char *text, size_t len, size_t i)
{
    size_t end = i;
    size_t k;
    dbtok_str s;
    int pass;
    for (k = 0; secret_at(set, k, &s); k++) {
        if (s.len == 0 || s.ptr == NULL) {
            continue;
        }
        for (pass = 0; pass < 2; pass++) {
            size_t e = trace_end(s, text, len, i, pass == 0);
            end = e > end ? e : end;
        }
    }
    return end;
}

static void mask_emit(const secret_set *set, const char *text, size_t len, dbtok__sink sink, void *sink_arg)
{
    size_t masked_to = 0; /* bytes before this are inside a masked span */
    size_t run = 0;       /* start of the clear bytes not yet emitted */
    bool masked = false;  /* a span was masked: one that follows it directly joins it */
    size_t i;

    for (i = 0; i < len; i++) {
        size_t end = masked_until(set, text, len, i);
        if (end > i && (!masked || i > masked_to)) {
            sink(sink_arg, text + run, i - run);
            sink(sink_arg, DBTOK_MASK_TEXT, sizeof DBTOK_MASK_TEXT - 1);
        }
        if (end > masked_to) {
            masked_to = end;
            masked = true;
        }
        if (i < masked_to) {
            run = i + 1;
        }
    }
    if (run < len) {
        sink(sink_arg, text + run, len - run);
    }
}

void dbtok__mask_emit(const dbtok__state *c, const char *text, size_t len, dbtok__sink sink, void *sink_arg)
{
    secret_set set = {NULL, 0, c};
    mask_emit(&set, text, len, sink, sink_arg);
}

typedef struct {
    char *out;
    size_t cap;
    size_t need;
} buffer_sink;

static void to_buffer(void *arg, const char *text, size_t len)
{
    buffer_sink *b = arg;
    size_t room = b->cap > b->need + 1 ? b->cap - b->need - 1 : 0;
    size_t n = len < room ? len : room;
    if (n > 0) {
        memcpy(b->out + b->need, text, n);
    }
    b->need += len;
}

static size_t mask_to_buffer(const secret_set *set, const char *text, size_t len, char *out, size_t cap)
{
    buffer_sink b;
    b.out = out;
    b.cap = cap;
    b.need = 0;
    if (text != NULL) {
        mask_emit(set, text, len, to_buffer, &b);
    }
    if (cap > 0) {
        out[b.need < cap ? b.need : cap - 1] = 0;
    }
    return b.need;
}

size_t dbtok_mask_text(const dbtok_str *secrets, size_t n_secrets, const char *text, size_t len, char *out,
                       size_t cap)
{
    secret_set set = {secrets, secrets != NULL ? n_secrets : 0, NULL};
    return mask_to_buffer(&set, text, len, out, cap);
}

void dbtok__remember_secret(dbtok__state *c, dbtok_str value)
{
    size_t slot = c->seen_next;
    size_t n = value.len < DBTOK_MASK_TOKEN_VALUE_MAX ? value.len : DBTOK_MASK_TOKEN_VALUE_MAX;
    memcpy(c->seen_values[slot], value.ptr, n);
    c->seen_value_len[slot] = (uint16_t)n;
    c->seen_next = (uint8_t)((slot + 1) % DBTOK_MASK_TOKEN_VALUES);
}

size_t dbtok_mask(const dbtok_client *client, const char *text, size_t len, char *out, size_t cap)
{
    const dbtok__state *c = dbtok__cstate_of(client);
    secret_set set = {NULL, 0, c};
    return mask_to_buffer(&set, text, len, out, cap); /* a NULL c knows no secret */
}
