/**
 * @file
 * dbtok's plain types and the helpers that need no client: result codes,
 * string views, copying and JSON escaping, the checks dbtok_init() applies to
 * a host and a token, and reading a create request's JSON body.
 * Freestanding: no mbedTLS here, so parsers and their tests include only this.
 */
#ifndef DBTOK_TYPES_H
#define DBTOK_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Every result of the API. 0 is success; errors are negative. */
typedef enum {
    DBTOK_OK = 0, /**< success */
    DBTOK_ERR_INVALID_ARG = -1,      /**< a NULL, an empty or over-long value, CR/LF/NUL in a header value */
    DBTOK_ERR_BUFFER_TOO_SMALL = -2, /**< the work buffer cannot hold the request or response */
    DBTOK_ERR_DNS = -3,              /**< the host name did not resolve */
    DBTOK_ERR_CONNECT = -4,          /**< TCP connect refused or unreachable */
    DBTOK_ERR_TLS = -5,              /**< TLS handshake or record failure other than verification */
    DBTOK_ERR_CERT_VERIFY = -6,      /**< the server's certificate chain or name was refused */
    DBTOK_ERR_TIMEOUT = -7,          /**< the request's deadline passed */
    DBTOK_ERR_IO = -8,               /**< the connection broke (reset, closed) mid-exchange */
    DBTOK_ERR_PROTOCOL = -9,         /**< the response is not valid HTTP/1.1 as dbtok accepts it */
    DBTOK_ERR_REDIRECT = -10,        /**< a 3xx answer: the host or path is wrong; never followed */
    DBTOK_ERR_NOT_JSON = -11,        /**< the body is not JSON (an HTML login or proxy page) */
    DBTOK_ERR_JSON = -12,            /**< the body is malformed JSON or lacks a required field */
    DBTOK_ERR_API = -13,             /**< the service answered with an error: see dbtok_last_error() */
    DBTOK_ERR_OUTCOME_UNKNOWN = -14, /**< a create was sent and its answer lost: a token may exist */
    DBTOK_ERR_ABORTED = -15,         /**< the list callback asked to stop */
    DBTOK_ERR_CRYPTO = -16,          /**< TLS setup failed: entropy source, CA parse, out of arena */
    DBTOK_ERR_NOT_FOUND = -17,       /**< the store holds no valid record (dbtok_store.h) */
    DBTOK_ERR_STORAGE = -18,         /**< the port's store could not be read or written */
    DBTOK_ERR_PROXY = -19,           /**< the HTTP proxy refused the tunnel or did not answer in HTTP */
    DBTOK_ERR_PROXY_AUTH = -20       /**< the HTTP proxy answered 407: its credentials are missing or wrong */
} dbtok_err;

/** A view of bytes owned by someone else (usually the work buffer). When it
 * comes from a decoded JSON string, ptr[len] is a NUL and the bytes are UTF-8.
 * They hold no NUL, except where a field's documentation says they may
 * (dbtok_token_info.comment: JSON allows `\u0000` in any string, and a view
 * that stopped at it would hide the rest); such a view's len counts past
 * every embedded NUL. Read a view by its len. */
typedef struct {
    const char *ptr; /**< first byte; may be NULL when len is 0 */
    size_t len;      /**< bytes, not counting any NUL after them */
} dbtok_str;

/** A JSON array of strings from the service (a token's scopes), checked and
 * decoded in place: its count strings one after another, each followed by a
 * NUL, so that it needs no storage of its own. Each is UTF-8 and holds no NUL
 * (an answer whose array would hold one, or anything but strings, is
 * malformed). Read it with dbtok_str_list_next(). */
typedef struct {
    const char *ptr; /**< the first string; "" when count is 0 */
    size_t len;      /**< bytes of all the strings, their NULs included */
    size_t count;    /**< strings in the array */
} dbtok_str_list;

/**
 * The next string of list: start with *pos at 0; each call views one string
 * in out (ptr[len] is its NUL) and moves *pos past it. Returns false, leaving
 * out as it was, once every string was read, or when an argument is NULL.
 * list's bytes are read during the call only; out views them.
 */
bool dbtok_str_list_next(const dbtok_str_list *list, size_t *pos, dbtok_str *out);

/** A short English description of err, never NULL. */
const char *dbtok_strerror(dbtok_err err);

/**
 * Copy a view into dst as a NUL-terminated string. Returns DBTOK_OK;
 * DBTOK_ERR_BUFFER_TOO_SMALL when it does not fit (dst then holds the whole
 * UTF-8 characters that fit, still NUL-terminated, when cap > 0), never
 * cutting silently; DBTOK_ERR_INVALID_ARG for a NULL dst with cap > 0 or a
 * NULL src.ptr with src.len > 0.
 */
dbtok_err dbtok_str_copy(char *dst, size_t cap, dbtok_str src);

/**
 * Write src (len bytes of UTF-8) as the inside of a JSON string: quote,
 * backslash and control characters escaped, other bytes copied. Returns the
 * length the escaped text needs; writes it (and a NUL) only when that length
 * is below cap. Pass cap 0 to measure. A NULL src counts as empty. A NUL
 * byte becomes `\\u0000` (valid JSON; a comment holding one comes back
 * whole, see dbtok_token_info).
 */
size_t dbtok_json_escape(char *dst, size_t cap, const char *src, size_t len);

/** What dbtok_mask_text() writes in place of a secret. */
#define DBTOK_MASK_TEXT "[REDACTED]"

/** Shortest run of a secret's characters that counts as the secret when it
 * appears anywhere (a cut edge, a fragment boundary, a partial echo). A
 * secret shorter than this is masked only where it appears whole. */
#define DBTOK_MASK_MIN_RUN 8

/**
 * The one masking routine: copies text[0..len) into out (cap bytes) with
 * every trace of a secret replaced by DBTOK_MASK_TEXT. A trace is a whole
 * secret, or any run of DBTOK_MASK_MIN_RUN or more consecutive characters of
 * one, written raw, JSON-escaped (`\u0064`, `\/`, `\\`, `\"`) or
 * percent-encoded (`%64`), in any mix and either hex case. The whole of text
 * is masked first and only then cut to fit, so a cut never uncovers part of
 * a secret.
 *
 * secrets: n_secrets views (empty ones are skipped); only read during the call.
 * out: NUL-terminated when cap > 0; may not overlap text.
 * Returns the length the masked text needs (not counting the NUL), as
 * snprintf does: a result >= cap means out holds a cut copy.
 */
size_t dbtok_mask_text(const dbtok_str *secrets, size_t n_secrets, const char *text, size_t len, char *out,
                       size_t cap);

/**
 * Whether host[0..len) is a host dbtok_init() accepts in dbtok_config.host:
 * a DNS name or IPv4 address (ASCII letters, digits, '-' and '.'), or an IPv6
 * address (hex digits, ':' and '.', at least one ':'), bare or in brackets;
 * 1 to DBTOK_MAX_HOST_LEN bytes, brackets counted. No scheme, port, path or
 * user information: an application that takes a URL cuts those off first.
 *
 * host: read during the call only; need not be NUL-terminated (a NUL within
 *   len is refused like any other character outside the set).
 * Returns DBTOK_OK, or DBTOK_ERR_INVALID_ARG for a NULL host, len 0, more
 * than DBTOK_MAX_HOST_LEN bytes or any other host outside the rule.
 */
dbtok_err dbtok_config_check_host(const char *host, size_t len);

/**
 * Whether token[0..len) is a bearer token dbtok_init() accepts in
 * dbtok_config.token: one or more bytes of visible ASCII (0x21 to 0x7E), so
 * that it cannot break the Authorization header. Nothing else about its form
 * is checked: the service decides what a token is.
 *
 * token: read during the call only; need not be NUL-terminated.
 * Returns DBTOK_OK, or DBTOK_ERR_INVALID_ARG for a NULL token, len 0, or a
 * space, control character, DEL or non-ASCII byte in it.
 */
dbtok_err dbtok_config_check_token(const char *token, size_t len);

#if DBTOK_ENABLE_WORKSPACE_ID
/**
 * Whether id[0..len) is a workspace id dbtok_init() accepts in
 * dbtok_config.workspace_id: 1 to DBTOK_MAX_WORKSPACE_ID_LEN ASCII decimal
 * digits, as the service numbers its workspaces, and so nothing that could
 * break or add to the X-Databricks-Workspace-Id header.
 *
 * id: read during the call only; need not be NUL-terminated.
 * Returns DBTOK_OK, or DBTOK_ERR_INVALID_ARG for a NULL id, len 0, a longer
 * one or any byte that is not a digit.
 */
dbtok_err dbtok_config_check_workspace_id(const char *id, size_t len);
#endif

/** The most JSON values (the object, each key, each value and what it
 * contains, each scope) a body given to dbtok_create_request_parse() or
 * dbtok_update_request_parse() may hold: a create request has four members,
 * nine values and a value per scope; the rest is room for scopes and to name
 * an unknown member rather than only say the body is too large. */
#define DBTOK_REQUEST_MAX_VALUES 30

/** What dbtok_create_request_parse() or dbtok_update_request_parse() found
 * wrong with a body. */
typedef enum {
    DBTOK_REQUEST_OK = 0,         /**< nothing: the body was read */
    DBTOK_REQUEST_NOT_JSON,       /**< not one strict JSON value (RFC 8259, UTF-8, valid escapes) */
    DBTOK_REQUEST_TOO_LARGE,      /**< more than DBTOK_REQUEST_MAX_VALUES values */
    DBTOK_REQUEST_NOT_OBJECT,     /**< the top-level value (or an update's "token") is not an object */
    DBTOK_REQUEST_UNKNOWN_FIELD,  /**< a member the request does not have; the request's field
                                     names it */
    DBTOK_REQUEST_REPEATED_FIELD, /**< a member given twice (spelled with escapes or not, null
                                     included) */
    DBTOK_REQUEST_BAD_COMMENT,    /**< comment is neither a string nor null */
    DBTOK_REQUEST_COMMENT_NUL,    /**< comment holds `\u0000`, which the C-string comment of
                                     dbtok_token_create() or dbtok_token_update() would cut */
    DBTOK_REQUEST_BAD_LIFETIME,   /**< lifetime_seconds is neither null nor an integer
                                     (no fraction, no exponent) within int64 */
    DBTOK_REQUEST_BAD_SCOPES,     /**< scopes is neither null nor an array of non-empty strings
                                     holding no `\u0000` */
    DBTOK_REQUEST_BAD_AUTOSCOPE,  /**< autoscope_enabled is neither null nor true or false */
    DBTOK_REQUEST_BAD_MASK,       /**< an update's update_mask is missing, not a string, or not
                                     "comment", "scopes" or both, comma-separated, each once,
                                     no spaces */
    DBTOK_REQUEST_MASK_MISMATCH   /**< an update's mask does not name exactly the fields its
                                     "token" gives (a field left out of the mask would be
                                     silently ignored, one masked but absent cleared);
                                     field names the first such field */
} dbtok_request_fault;

/** A create request as dbtok_create_request_parse() read it: the members of
 * dbtok_create_options. */
typedef struct {
    const char *comment;      /**< NUL-terminated UTF-8 inside the parsed text, or NULL when the
                                 body has none (absent or null) */
    bool has_lifetime;        /**< lifetime_seconds was given (not absent, not null) */
    int64_t lifetime_seconds; /**< as given, when has_lifetime; 0 otherwise. Any int64 is read:
                                 what a negative one means is the caller's to decide */
    dbtok_str_list scopes;    /**< the scopes, decoded in place; empty when absent or null */
    bool autoscope_enabled;   /**< autoscope_enabled was true */
    dbtok_request_fault fault; /**< why the body was refused; DBTOK_REQUEST_OK when it was not */
    dbtok_str field;          /**< the member an UNKNOWN_FIELD or MASK_MISMATCH fault is about, as
                                 written (escapes not decoded, no NUL after it), a view into the
                                 text; empty otherwise */
} dbtok_create_request;

/**
 * Read the JSON body of a create request, as the Token API and the
 * Databricks CLI's `--json` take it: one object whose members may be
 * "comment" (a string), "lifetime_seconds" (an integer), "scopes" (an array
 * of non-empty strings) and "autoscope_enabled" (true or false), each of
 * them null for none. It is read by the rules dbtok reads the service's
 * answers by: strict JSON, keys compared after decoding escapes, a member
 * given twice malformed, null the same as absent. Any other member is
 * refused rather than dropped, so that a misspelt field cannot silently
 * create a token without the intended expiry or scopes.
 *
 * text: len bytes, modified: the comment and scopes are decoded in place and
 *   NUL-terminated there, so out->comment, out->scopes (and out->field)
 *   point into text and live as long as it does. It need not be
 *   NUL-terminated.
 * out: filled on every return; on an error only fault (and field) count.
 * Uses about DBTOK_REQUEST_MAX_VALUES * 20 bytes of stack for the JSON
 * tokens; nothing else.
 *
 * Returns DBTOK_OK; DBTOK_ERR_JSON with out->fault saying why (every fault
 * but TOO_LARGE); DBTOK_ERR_BUFFER_TOO_SMALL with out->fault
 * DBTOK_REQUEST_TOO_LARGE; DBTOK_ERR_INVALID_ARG when out is NULL, or when
 * text is NULL and len is not 0 (out->fault then says DBTOK_REQUEST_NOT_JSON).
 */
dbtok_err dbtok_create_request_parse(char *text, size_t len, dbtok_create_request *out);

#if DBTOK_ENABLE_UPDATE
/** An update request as dbtok_update_request_parse() read it: the members of
 * dbtok_update_options. */
typedef struct {
    const char *comment;      /**< the new comment (NUL-terminated UTF-8 inside the text) when
                                 the mask names it; NULL otherwise */
    bool set_scopes;          /**< the mask names scopes */
    dbtok_str_list scopes;    /**< the new scopes, decoded in place, when set_scopes */
    dbtok_request_fault fault; /**< as dbtok_create_request.fault */
    dbtok_str field;          /**< as dbtok_create_request.field */
} dbtok_update_request;

/**
 * Read the JSON body of an update request as the Token API and the
 * Databricks CLI's `update --json` take it:
 * `{"token": {"comment": "...", "scopes": [...]}, "update_mask": "comment,scopes"}`,
 * by the rules of dbtok_create_request_parse(). The mask must name exactly
 * the fields "token" gives (not null): the service ignores a field the mask
 * leaves out and clears one it names but the token lacks, and neither is
 * what a person who wrote the body meant. Text, out, stack and errors as
 * dbtok_create_request_parse().
 */
dbtok_err dbtok_update_request_parse(char *text, size_t len, dbtok_update_request *out);
#endif

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_TYPES_H */
