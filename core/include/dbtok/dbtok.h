/**
 * @file
 * dbtok: a client for the Databricks Token API (create, list, revoke personal
 * access tokens) that allocates nothing.
 *
 * Ownership in one paragraph: the caller owns every byte. A dbtok_client
 * lives wherever the caller puts it (static, stack, inside another struct);
 * the work buffer handed to dbtok_init() holds each request and response;
 * strings returned by an operation are views into that work buffer, valid
 * until the next call on the same client (or dbtok_close()). The config's
 * strings and the port's context must outlive the client.
 *
 * One client is one connection: create, list and revoke on the same client
 * reuse it (HTTP keep-alive), and a connection the server closed while idle
 * is reopened before a request is sent. A client is not thread-safe; use one
 * per thread.
 */
#ifndef DBTOK_H
#define DBTOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_port.h"
#include "dbtok/dbtok_types.h"
#include "dbtok/dbtok_version.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * When a call is tried again. A call is retried after 429 or 503 (or the
 * error codes REQUEST_LIMIT_EXCEEDED and TEMPORARILY_UNAVAILABLE), and after
 * a DNS, connect or handshake failure, that is whenever the service provably
 * did not act on it; a list also after its answer broke before any entry was
 * handed out. A create or revoke whose request went out whole is never sent
 * again. Waits follow Retry-After (seconds or HTTP-date) or RetryInfo when the
 * service gives one, else base_ms doubling up to max_ms, with random jitter
 * (half to all of the wait). Nothing is retried without port.sleep_ms, or when
 * the wait would end past the deadline. Every attempt is one request sent (a
 * kept-alive connection found closed is reopened within the attempt), so
 * max_attempts bounds what the server receives and error.attempts counts it.
 * Zero fields take the defaults in dbtok_config.h.
 */
typedef struct {
    uint8_t max_attempts; /**< requests per call, the first included; 1 = never retry */
    uint32_t base_ms;     /**< the first wait dbtok chooses itself; doubles each retry */
    uint32_t max_ms;      /**< the longest wait dbtok chooses itself (a Retry-After may ask for more) */
    uint32_t deadline_ms; /**< a whole call, from its start to its last answer */
} dbtok_retry;

/** How to reach the workspace. Every pointer must stay valid while the client
 * lives; dbtok keeps a copy of this struct, not of the strings. */
typedef struct {
    const char *host;     /**< workspace host name, no scheme, no port ("x.cloud.databricks.com") */
    uint16_t port;        /**< 0 means 443 */
    const char *token;    /**< bearer personal access token; never logged */
    const uint8_t *ca;    /**< trusted CA certificates, PEM (NUL-terminated, NUL counted in ca_len) or DER */
    size_t ca_len;        /**< bytes at ca */
    uint32_t timeout_ms;  /**< per-request deadline covering connect, handshake, send and
                             receive; 0 means DBTOK_DEFAULT_TIMEOUT_MS */
    const char *user_agent_extra; /**< optional "name/version ..." after "dbtok/<version>" in the
                                     User-Agent, e.g. "mbedtls/3.6.7 board/x1" */
    dbtok_retry retry;    /**< when a failed call is tried again; all zero: the defaults */
} dbtok_config;

/** One token's metadata, as create and list report it. Views into the work
 * buffer, each with a NUL after its len bytes.
 *
 * Both operations read the service's JSON by one rule: a field sent as null
 * is absent; a field dbtok reads given twice in one object (spelled with
 * escapes or not, whatever the values) makes the answer malformed
 * (DBTOK_ERR_JSON; for a create DBTOK_ERR_OUTCOME_UNKNOWN, as is an empty
 * token_value); `\u0000` is valid JSON and fails nothing by itself (see
 * token_id and comment). */
typedef struct {
    dbtok_str token_id;       /**< the id dbtok_token_revoke() takes; never holds a NUL (an
                                 answer whose id would is malformed: revoke takes it as a C
                                 string) */
    dbtok_str comment;        /**< empty when the service sent none or null. May hold NUL bytes
                                 (the service's `\u0000`): it comes whole, len counting past
                                 them, so that nothing after one is silently lost; read it by
                                 len, not as a C string (strlen, "%s" or a dbtok_str_copy()
                                 copy read as one stop at the first NUL) */
    int64_t creation_time_ms; /**< epoch milliseconds; 0 when absent or null */
    int64_t expiry_time_ms;   /**< epoch milliseconds, or -1: never expires (also when absent or
                                 null) */
} dbtok_token_info;

/** What dbtok_token_create returns. token_value is the secret: shown once,
 * never logged; call dbtok_result_wipe() when you have stored it. */
typedef struct {
    dbtok_str token_value; /**< the secret bearer token, to store before the next call */
    dbtok_token_info info; /**< the new token's id, comment and times */
} dbtok_created_token;

/** Details of the last failed call, copied into the client (not a view). */
typedef struct {
    dbtok_err err;                              /**< what the failed call returned */
    int http_status;                            /**< 0 when no response arrived */
    char error_code[DBTOK_MAX_ERROR_CODE_LEN];  /**< "RESOURCE_DOES_NOT_EXIST", or "403" when the
                                                   service sent an integer; "" if none */
    char message[DBTOK_MAX_ERROR_MESSAGE_LEN];  /**< the service's message, cut to fit; "" if none */
    bool message_truncated;                     /**< message was longer than DBTOK_MAX_ERROR_MESSAGE_LEN */
    uint32_t retry_after_ms;                    /**< from Retry-After or RetryInfo; 0 when absent */
    uint8_t attempts;                           /**< tries the call made */
    int32_t tls_error;                          /**< mbedTLS error code behind DBTOK_ERR_TLS and friends */
    uint32_t cert_flags;                        /**< MBEDTLS_X509_BADCERT_* behind DBTOK_ERR_CERT_VERIFY;
                                                   _OTHER marks a self-signed leaf */
    size_t needed_work_len;                     /**< behind DBTOK_ERR_BUFFER_TOO_SMALL from a list: a
                                                   work buffer this large would hold the entry that
                                                   did not fit; 0 when unknown */
} dbtok_error_info;

/** Counters a test or a device's telemetry can read. */
typedef struct {
    uint32_t connects;       /**< TCP connections opened */
    uint32_t handshakes;     /**< TLS handshakes completed */
    uint32_t requests;       /**< HTTP requests sent */
    uint32_t bytes_sent;     /**< HTTP bytes (before TLS) */
    uint32_t bytes_received; /**< HTTP bytes (after TLS) */
} dbtok_stats;

/** The client. Allocate it anywhere (static storage suits it: with mbedTLS's
 * contexts inside it is about 2.2 KB on x86-64 with dbtok's configuration); treat
 * every field as private, it may change
 * in any release. */
typedef struct dbtok_client {
    /** @cond DBTOK_PRIVATE */
    dbtok_config config;
    dbtok_port port;
    uint8_t *work;
    size_t work_len;
    bool connected;
    bool probing_idle;            /* asking whether the idle connection is still open: reads never wait */
    uint64_t request_deadline_ms; /* the current request's end (the port's timeouts count down to it) */
    uint64_t call_deadline_ms;    /* a running create_recover's end, which its inner calls keep; 0: none */
    bool retry_hint; /**< the service said when to try again */
    int last_port_error;
    dbtok_error_info error;
    dbtok_stats stats;
    uint64_t reader_space[(DBTOK_HTTP_LINE_MAX + 96 + 7) / 8]; /* the response reader; exchange.c checks it fits */
    char seen_values[DBTOK_MASK_TOKEN_VALUES][DBTOK_MASK_TOKEN_VALUE_MAX]; /**< for dbtok_mask() */
    uint16_t seen_value_len[DBTOK_MASK_TOKEN_VALUES];
    uint8_t seen_next;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config ssl_conf;
    mbedtls_x509_crt ca_chain;
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_ctr_drbg_context drbg; /* else the TLS layer uses PSA's generator */
#endif
    /** @endcond */
} dbtok_client;

/**
 * Prepare a client. Nothing is sent yet; the first operation connects.
 *
 * client: caller-owned, uninitialised memory.
 * config, port: copied; the strings, CA bytes and port context they point to
 *   must stay valid until dbtok_close().
 * work, work_len: the buffer for requests and responses, at least
 *   DBTOK_MIN_WORK_BUFFER bytes, owned by the client until dbtok_close().
 *   It holds one request, one create answer (with its JSON tokens) or error
 *   body, and one list entry at a time: the list streams through it, so
 *   2 KiB serves a 600-token list of typical entries.
 *
 * Errors: DBTOK_ERR_INVALID_ARG (NULL or empty host/token, a host that is
 * not a DNS name or IP address (no scheme, port or path), a token that is not
 * visible ASCII, user_agent_extra with control characters, a port missing
 * connect/send/recv/close/now_ms/entropy), DBTOK_ERR_BUFFER_TOO_SMALL,
 * DBTOK_ERR_CRYPTO (the CA bytes do not parse, the entropy source fails).
 * On error the client needs no dbtok_close(); dbtok_last_error() still
 * reports the mbedTLS error behind DBTOK_ERR_CRYPTO.
 */
dbtok_err dbtok_init(dbtok_client *client, const dbtok_config *config, const dbtok_port *port,
                     uint8_t *work, size_t work_len);

/**
 * POST /api/2.0/token/create.
 *
 * comment: NUL-terminated UTF-8 or NULL for none; escaped, never able to
 *   break the JSON or the HTTP framing.
 * lifetime_seconds: 0 or negative for the workspace's default (no expiry
 *   unless an admin caps it).
 * out: filled on DBTOK_OK; its views live in the work buffer until the next
 *   call on this client. out->token_value is the secret.
 *
 * The request is sent at most once, unless the service provably did not act
 * on it (see dbtok_retry). If it was sent and the answer was lost (reset,
 * timeout, truncated response), or came as a 2xx JSON answer that cannot be
 * read, the result is DBTOK_ERR_OUTCOME_UNKNOWN: a token may exist on the
 * server that nobody holds; list and revoke it by its comment, or use
 * dbtok_token_create_recover().
 *
 * Refused before anything is sent: a comment that is not UTF-8
 * (DBTOK_ERR_INVALID_ARG), or one whose answer could not fit the work buffer
 * (DBTOK_ERR_BUFFER_TOO_SMALL, error.needed_work_len says how large it must
 * be; see dbtok_create_work_needed()).
 *
 * Errors: every dbtok_err except DBTOK_ERR_ABORTED.
 */
dbtok_err dbtok_token_create(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                             dbtok_created_token *out);

/**
 * The work buffer a create with this comment (NUL-terminated, or NULL) needs
 * before it may be sent: DBTOK_CREATE_ANSWER_RESERVE plus the most bytes the
 * service's JSON escaping can make of the comment in its answer, and room for
 * dbtok_token_create_recover()'s marker. 0 when comment is not valid UTF-8.
 * Lets an application refuse a comment before it has a client.
 */
size_t dbtok_create_work_needed(const char *comment);

/**
 * dbtok_token_create, made safe to use when answers get lost: the comment
 * carries a random marker ("<comment> [dbtok:0123456789abcdef]"), and after a
 * lost answer the client lists the tokens, revokes the one carrying the
 * marker (its value is lost, so it is only a liability) and creates once
 * more, for up to three creates. It returns DBTOK_OK with exactly one new
 * token, or an error with none left behind (DBTOK_ERR_IO when all three
 * answers were lost and each of the three tokens was found and revoked);
 * DBTOK_ERR_OUTCOME_UNKNOWN when a token may still exist: the list or revoke
 * of the recovery failed, the deadline ran out, or a lost create's token was
 * never seen (a stalled service may still act on it; its marker finds it).
 * The whole call, recovery included, ends within config.retry.deadline_ms;
 * each create may take half of what is left, so that its recovery has the
 * rest. Each create, list and revoke inside has its own max_attempts.
 *
 * Errors: as dbtok_token_create.
 */
dbtok_err dbtok_token_create_recover(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                                     dbtok_created_token *out);

/** Called once per token, in the server's order. info's views are valid only
 * during the call. Return 0 to continue, non-zero to stop the listing (the
 * call then returns DBTOK_ERR_ABORTED and the connection is closed). */
typedef int (*dbtok_token_cb)(void *user, const dbtok_token_info *info);

/**
 * GET /api/2.0/token/list, handing each token to cb as soon as it has
 * arrived: the answer streams through the work buffer, so its length does
 * not matter, only that one entry fits (DBTOK_ERR_BUFFER_TOO_SMALL with
 * error.needed_work_len otherwise). A missing or null `token_infos` is an
 * empty list; a null comment is an empty one.
 *
 * Because entries are handed out before the answer has ended, a call that
 * fails may already have called cb: the entries it saw are real tokens, but
 * the list is incomplete. Nothing malformed is ever handed out, and no entry
 * twice: the request is retried once on a new connection only when its
 * answer broke before the first entry was handed out.
 *
 * Errors: every dbtok_err except DBTOK_ERR_OUTCOME_UNKNOWN.
 */
dbtok_err dbtok_token_list(dbtok_client *client, dbtok_token_cb cb, void *user);

/**
 * POST /api/2.0/token/delete for token_id (NUL-terminated). An unknown id is
 * DBTOK_ERR_API with http_status 404 and error_code RESOURCE_DOES_NOT_EXIST.
 *
 * Errors: every dbtok_err except DBTOK_ERR_ABORTED and
 * DBTOK_ERR_OUTCOME_UNKNOWN (a lost answer is DBTOK_ERR_IO/_TIMEOUT/_PROTOCOL;
 * revoking again is harmless).
 */
dbtok_err dbtok_token_revoke(dbtok_client *client, const char *token_id);

/**
 * dbtok_mask_text() with the secrets this client knows: its bearer token and
 * the token values its creates received (the last DBTOK_MASK_TOKEN_VALUES of
 * them, kept in the client until dbtok_close()). Use it for any text from the
 * service or the configuration that the application prints or logs: a
 * comment from the list, a message. client may be NULL (nothing is known,
 * text is copied). Returns the length the masked text needs, as
 * dbtok_mask_text().
 */
size_t dbtok_mask(const dbtok_client *client, const char *text, size_t len, char *out, size_t cap);

/** Details of the last failed call on this client. Valid until the next call. */
const dbtok_error_info *dbtok_last_error(const dbtok_client *client);

/** Counters since dbtok_init(). */
const dbtok_stats *dbtok_get_stats(const dbtok_client *client);

/** Overwrite the work buffer (and with it every view a create returned, the
 * token value included). Call it once the secret is stored. */
void dbtok_result_wipe(dbtok_client *client);

/** Close the connection (TLS close_notify when possible), free mbedTLS state
 * and wipe the work buffer. The client may then be initialised again. */
void dbtok_close(dbtok_client *client);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_H */
