/**
 * @file
 * dbtok compile-time limits.
 *
 * Every value here has a default that suits a device talking to a real
 * Databricks workspace. Override any of them by defining
 * DBTOK_USER_CONFIG_FILE to a header name (e.g. -DDBTOK_USER_CONFIG_FILE=\"my_dbtok.h\")
 * that defines the values you want; it is included before the defaults.
 * Impossible values stop the build with an `\#error` naming the limit.
 */
#ifndef DBTOK_CONFIG_H
#define DBTOK_CONFIG_H

#ifdef DBTOK_USER_CONFIG_FILE
#include DBTOK_USER_CONFIG_FILE
#endif

/** Longest host name accepted (RFC 1035 limit is 253). */
#ifndef DBTOK_MAX_HOST_LEN
#define DBTOK_MAX_HOST_LEN 253
#endif

/**
 * Longest header line the response reader keeps (status line, or a header
 * whose value dbtok needs). Longer lines of headers dbtok ignores are skipped.
 * Lives inside dbtok_client.
 */
#ifndef DBTOK_HTTP_LINE_MAX
#define DBTOK_HTTP_LINE_MAX 160
#endif

/** Upper bound on the whole response header section, in bytes. */
#ifndef DBTOK_HTTP_MAX_HEADER_BYTES
#define DBTOK_HTTP_MAX_HEADER_BYTES 16384
#endif

/** Room for the service's `error_code` kept in the client after a failed call
 * (dbtok_error_info.error_code, NUL included). */
#ifndef DBTOK_MAX_ERROR_CODE_LEN
#define DBTOK_MAX_ERROR_CODE_LEN 48
#endif
/** Room for the service's `message` (dbtok_error_info.message, NUL included);
 * a longer one is cut and flagged as truncated. */
#ifndef DBTOK_MAX_ERROR_MESSAGE_LEN
#define DBTOK_MAX_ERROR_MESSAGE_LEN 256
#endif

/**
 * Token values a client remembers so that dbtok_mask() (and with it the
 * error record and the trace) hides them when the service echoes them
 * later: the last DBTOK_MASK_TOKEN_VALUES values its creates received, each
 * up to DBTOK_MASK_TOKEN_VALUE_MAX bytes (a longer value is remembered by its
 * first DBTOK_MASK_TOKEN_VALUE_MAX bytes). They live inside dbtok_client and
 * are wiped by dbtok_close(). Two serve a rotation (the old and the new).
 */
#ifndef DBTOK_MASK_TOKEN_VALUES
#define DBTOK_MASK_TOKEN_VALUES 2
#endif
/** Bytes of each remembered token value (see DBTOK_MASK_TOKEN_VALUES). */
#ifndef DBTOK_MASK_TOKEN_VALUE_MAX
#define DBTOK_MASK_TOKEN_VALUE_MAX 256
#endif

/** Per-request deadline (connect, handshake, send, receive) when the config gives 0. */
#ifndef DBTOK_DEFAULT_TIMEOUT_MS
#define DBTOK_DEFAULT_TIMEOUT_MS 60000u
#endif

/**
 * 1: a call that failed where that is safe is tried again (dbtok_retry in
 * dbtok.h). 0 leaves retries out: every call is one request,
 * config.retry.max_attempts, base_ms and max_ms are ignored (deadline_ms still
 * bounds a call), port.sleep_ms is never called, and error.retry_after_ms
 * still tells the application when the service wants to hear from it again.
 */
#ifndef DBTOK_ENABLE_RETRIES
#define DBTOK_ENABLE_RETRIES 1
#endif

/**
 * 1: Retry-After given as an HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT") is
 * read, when the port has unix_time: a retry waits as long as the service
 * asked and error.retry_after_ms says so; and the service's Date raises the
 * client's time (dbtok_trusted_time_s()), which dates certificates on a
 * device without a clock. 0 leaves the date parser out (about 1.4 KB on
 * Cortex-M): a date is ignored as if absent (Retry-After in seconds and
 * RetryInfo are still read) and no time is learned from the service.
 */
#ifndef DBTOK_ENABLE_HTTP_DATES
#define DBTOK_ENABLE_HTTP_DATES 1
#endif

/**
 * 1: the TRACE log (dbtok_port.log; `dbtok -v`): request and response lines
 * and bodies, secrets redacted. 0 compiles every log call away: port.log is
 * never called, whatever the configuration says.
 */
#ifndef DBTOK_ENABLE_TRACE
#define DBTOK_ENABLE_TRACE 1
#endif

/**
 * 1: dbtok_strerror() says in words what each dbtok_err means. 0 leaves the
 * texts out: it returns "success" for DBTOK_OK and "error" for anything else,
 * and the application reports the number.
 */
#ifndef DBTOK_ENABLE_ERROR_TEXTS
#define DBTOK_ENABLE_ERROR_TEXTS 1
#endif

/**
 * 1: dbtok_token_create_recover() exists (a create that finds and revokes the
 * tokens of its lost answers). 0 leaves it out of the library and dbtok.h.
 */
#ifndef DBTOK_ENABLE_CREATE_RECOVER
#define DBTOK_ENABLE_CREATE_RECOVER 1
#endif

/**
 * 1: dbtok_config.workspace_id is sent as X-Databricks-Workspace-Id on every
 * request, which unified hosts route by. 0 leaves it out; dbtok_init() then
 * refuses a config that names a workspace id rather than send its token
 * without it.
 */
#ifndef DBTOK_ENABLE_WORKSPACE_ID
#define DBTOK_ENABLE_WORKSPACE_ID 1
#endif

/**
 * 1: error bodies of the older shapes the service still sends are read too:
 * API 1.2's {"error": ...}, OAuth's "error" and "error_description", SCIM's
 * "detail" and "status", where error_code and message
 * say nothing. 0 reads error_code, message and details only; an older body
 * then leaves error.error_code and error.message empty (the status stays).
 */
#ifndef DBTOK_ENABLE_OLDER_ERRORS
#define DBTOK_ENABLE_OLDER_ERRORS 1
#endif

/**
 * 1: token scopes. A create may ask for scopes and autoscope
 * (dbtok_create_options), and a token info read from the service reports
 * scopes, autoscope_state, inferred_scopes and backfill_scopes. 0 leaves
 * them out: those fields of dbtok_token_info stay empty, and a create that
 * names scopes or autoscope is refused (DBTOK_ERR_INVALID_ARG) rather than
 * sent without them.
 */
#ifndef DBTOK_ENABLE_SCOPES
#define DBTOK_ENABLE_SCOPES 1
#endif

/**
 * 1: the service's JSON as it was sent, for a tool that passes it on
 * (`dbtok -o json`): dbtok_token_list_json() hands out each list entry's
 * text, and a create asked for it (dbtok_create_options.answer_json) the
 * whole answer's. 0 leaves dbtok_token_list_json() out of the library and
 * dbtok.h, and such a create is refused (DBTOK_ERR_INVALID_ARG).
 */
#ifndef DBTOK_ENABLE_RAW_JSON
#define DBTOK_ENABLE_RAW_JSON 1
#endif

/**
 * 1: dbtok_token_update() (PATCH a token's comment or scopes in place) and
 * dbtok_update_request_parse(). 0 leaves both out of the library and the
 * headers.
 */
#ifndef DBTOK_ENABLE_UPDATE
#define DBTOK_ENABLE_UPDATE 1
#endif

/**
 * 1: OAuth machine-to-machine: dbtok_config.client_id and client_secret (a
 * service principal's OAuth secret) instead of a personal access token.
 * The client gets an access token from the workspace's /oidc/v1/token on its
 * own connection, keeps it (DBTOK_MAX_OAUTH_TOKEN_LEN bytes inside
 * dbtok_client), and fetches a new one shortly before it expires, and once
 * when a request is refused with 401 (the request is then sent once more). 0 leaves it out; dbtok_init() then refuses a config that
 * names a client id. Needs DBTOK_ENABLE_OLDER_ERRORS, which reads the OAuth
 * error shape.
 */
#ifndef DBTOK_ENABLE_OAUTH_M2M
#define DBTOK_ENABLE_OAUTH_M2M 1
#endif

/**
 * 1: the device's record store (dbtok_store.h): dbtok_store_load(),
 * dbtok_store_save() and dbtok_stored_token_wipe() over two slots the port
 * provides. 0 leaves them out of the library and the header (the types stay).
 */
#ifndef DBTOK_ENABLE_STORE
#define DBTOK_ENABLE_STORE 1
#endif

/**
 * 1: rotation of the device's own token (dbtok_rotate.h): dbtok_token_rotate()
 * and dbtok_token_rotate_finish(), which create, prove, keep and revoke in
 * an order a power cut cannot break. Needs DBTOK_ENABLE_STORE (the record)
 * and DBTOK_ENABLE_CREATE_RECOVER (the create inside). 0 leaves them out.
 */
#ifndef DBTOK_ENABLE_ROTATION
#define DBTOK_ENABLE_ROTATION 1
#endif

/** Most tokens one rotation or dbtok_token_rotate_finish() revokes by the
 * device's marker (orphans of interrupted rotations); a service that keeps
 * listing a revoked token cannot hold a device in a loop. */
#ifndef DBTOK_ROTATE_SWEEP_MAX
#define DBTOK_ROTATE_SWEEP_MAX 8u
#endif

/** Longest OAuth access token kept (NUL included), inside dbtok_client; a
 * longer one makes the token request fail (DBTOK_ERR_BUFFER_TOO_SMALL).
 * Databricks' are JSON Web Tokens of about a kilobyte. */
#ifndef DBTOK_MAX_OAUTH_TOKEN_LEN
#define DBTOK_MAX_OAUTH_TOKEN_LEN 2048u
#endif

/** An access token is fetched again this many seconds before it expires
 * (half its lifetime when that is shorter), so that a request never goes
 * out with one about to lapse. */
#ifndef DBTOK_OAUTH_REFRESH_MARGIN_S
#define DBTOK_OAUTH_REFRESH_MARGIN_S 60u
#endif

/**
 * 1: dbtok_config.proxy: requests go through an HTTP proxy's CONNECT tunnel
 * (with optional Basic credentials), TLS to the workspace running inside it
 * with the same verification. 0 leaves it out; dbtok_init() then refuses a
 * config that names a proxy rather than connect around it.
 */
#ifndef DBTOK_ENABLE_PROXY
#define DBTOK_ENABLE_PROXY 1
#endif

/**
 * 1: TLS session resumption. After a full handshake the client keeps the
 * session (a TLS 1.2 session id or ticket, or the last TLS 1.3 ticket) and
 * offers it on its next connection to the same host, so that a reconnect
 * after the service closed an idle connection skips the certificate chain
 * and the key exchange's signature; dbtok_session_save() and
 * dbtok_session_load() carry it across boots, and dbtok_stats.resumptions
 * counts the handshakes that resumed. The trade-off: the session is a
 * secret. Whoever steals it (from the client's memory or the caller's
 * storage) can resume as the device until the server lets the ticket or
 * session expire (commonly hours to a week), and a resumed connection
 * trusts the certificate check of the full handshake that made the session
 * rather than checking the chain again. Needs MBEDTLS_SSL_SESSION_TICKETS
 * (and, with TLS 1.3, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED),
 * which dbtok's device mbedTLS configuration turns on only with this switch.
 * 0 (the default) leaves it all out: every connection is a full handshake.
 */
#ifndef DBTOK_ENABLE_SESSION_RESUMPTION
#define DBTOK_ENABLE_SESSION_RESUMPTION 0
#endif

/** Longest proxy credential, `username:password`, in bytes. It is kept
 * Base64-encoded inside dbtok_client (4/3 of this), so that the masking
 * routine finds the form a proxy could echo. */
#ifndef DBTOK_MAX_PROXY_CREDENTIALS_LEN
#define DBTOK_MAX_PROXY_CREDENTIALS_LEN 128u
#endif

/** Longest workspace id, in decimal digits (a workspace id is an int64). */
#define DBTOK_MAX_WORKSPACE_ID_LEN 19u

/**
 * Retries (dbtok_retry in dbtok.h; 0 there means these). The Databricks SDKs
 * wait about `attempt` seconds, at most 10 s, for up to 5 minutes; a device
 * usually prefers to give up sooner and try again at its next boot or cycle.
 */
#ifndef DBTOK_DEFAULT_MAX_ATTEMPTS
#define DBTOK_DEFAULT_MAX_ATTEMPTS 4u        /**< the first try and 3 retries */
#endif
#ifndef DBTOK_DEFAULT_RETRY_BASE_MS
#define DBTOK_DEFAULT_RETRY_BASE_MS 1000u    /**< first wait; doubles each time */
#endif
#ifndef DBTOK_DEFAULT_RETRY_MAX_MS
#define DBTOK_DEFAULT_RETRY_MAX_MS 10000u    /**< longest wait dbtok chooses itself */
#endif
#ifndef DBTOK_DEFAULT_DEADLINE_MS
#define DBTOK_DEFAULT_DEADLINE_MS 120000u    /**< a whole call, retries included */
#endif

/**
 * Smallest work buffer dbtok_init() accepts: one request plus a small response.
 *
 * Sizing the work buffer (it is the caller's, so this is guidance, not a
 * limit): it holds the request being sent, then the response's body, and for a
 * create or error answer the jsmn tokens of that body, carved from the space
 * after it (16 bytes each; a create answer needs about 15). There is no separate jsmn token count to configure: the
 * tokens take what the buffer has left, and DBTOK_ERR_BUFFER_TOO_SMALL says
 * when it was not enough. The list streams one entry at a time, so its length
 * does not matter. 2 KiB serves the real service; bench/memory measures it.
 */
#ifndef DBTOK_MIN_WORK_BUFFER
#define DBTOK_MIN_WORK_BUFFER 1024u
#endif

/**
 * Work buffer a create answer takes besides the echo of its comment: the
 * body's other members (token value, id, times, fields dbtok does not read)
 * and the jsmn tokens it is parsed into. A create is sent only when
 * DBTOK_CREATE_ANSWER_RESERVE plus the most bytes the service's escaping can
 * make of the comment fit the work buffer (dbtok_create_work_needed()): an
 * answer that could not fit would leave a token nobody sees.
 */
#ifndef DBTOK_CREATE_ANSWER_RESERVE
#define DBTOK_CREATE_ANSWER_RESERVE 768u
#endif

#if (DBTOK_ENABLE_RETRIES != 0 && DBTOK_ENABLE_RETRIES != 1) || \
    (DBTOK_ENABLE_HTTP_DATES != 0 && DBTOK_ENABLE_HTTP_DATES != 1) || \
    (DBTOK_ENABLE_TRACE != 0 && DBTOK_ENABLE_TRACE != 1) || \
    (DBTOK_ENABLE_ERROR_TEXTS != 0 && DBTOK_ENABLE_ERROR_TEXTS != 1) || \
    (DBTOK_ENABLE_CREATE_RECOVER != 0 && DBTOK_ENABLE_CREATE_RECOVER != 1) || \
    (DBTOK_ENABLE_WORKSPACE_ID != 0 && DBTOK_ENABLE_WORKSPACE_ID != 1) || \
    (DBTOK_ENABLE_OLDER_ERRORS != 0 && DBTOK_ENABLE_OLDER_ERRORS != 1) || \
    (DBTOK_ENABLE_SCOPES != 0 && DBTOK_ENABLE_SCOPES != 1) || \
    (DBTOK_ENABLE_RAW_JSON != 0 && DBTOK_ENABLE_RAW_JSON != 1) || \
    (DBTOK_ENABLE_UPDATE != 0 && DBTOK_ENABLE_UPDATE != 1) || \
    (DBTOK_ENABLE_OAUTH_M2M != 0 && DBTOK_ENABLE_OAUTH_M2M != 1) || \
    (DBTOK_ENABLE_STORE != 0 && DBTOK_ENABLE_STORE != 1) || \
    (DBTOK_ENABLE_ROTATION != 0 && DBTOK_ENABLE_ROTATION != 1) || \
    (DBTOK_ENABLE_PROXY != 0 && DBTOK_ENABLE_PROXY != 1) || \
    (DBTOK_ENABLE_SESSION_RESUMPTION != 0 && DBTOK_ENABLE_SESSION_RESUMPTION != 1)
#error "each DBTOK_ENABLE_* switch must be 0 or 1"
#endif
#if DBTOK_ROTATE_SWEEP_MAX < 1 || DBTOK_ROTATE_SWEEP_MAX > 64
#error "DBTOK_ROTATE_SWEEP_MAX must be between 1 and 64"
#endif
#if DBTOK_ENABLE_ROTATION && !(DBTOK_ENABLE_STORE && DBTOK_ENABLE_CREATE_RECOVER)
#error "DBTOK_ENABLE_ROTATION needs DBTOK_ENABLE_STORE and DBTOK_ENABLE_CREATE_RECOVER"
#endif
#if DBTOK_ENABLE_OAUTH_M2M && !DBTOK_ENABLE_OLDER_ERRORS
#error "DBTOK_ENABLE_OAUTH_M2M needs DBTOK_ENABLE_OLDER_ERRORS: a refused client credential is told in OAuth's error shape"
#endif
#if DBTOK_MAX_PROXY_CREDENTIALS_LEN < 2 || DBTOK_MAX_PROXY_CREDENTIALS_LEN > 1024
#error "DBTOK_MAX_PROXY_CREDENTIALS_LEN must be between 2 and 1024"
#endif
#if DBTOK_MAX_OAUTH_TOKEN_LEN < 64 || DBTOK_MAX_OAUTH_TOKEN_LEN > 65536
#error "DBTOK_MAX_OAUTH_TOKEN_LEN must be between 64 and 65536"
#endif
#if DBTOK_MAX_HOST_LEN < 1 || DBTOK_MAX_HOST_LEN > 253
#error "DBTOK_MAX_HOST_LEN must be between 1 and 253"
#endif
#if DBTOK_HTTP_LINE_MAX < 64
#error "DBTOK_HTTP_LINE_MAX must be at least 64"
#endif
#if DBTOK_MAX_ERROR_CODE_LEN < 8 || DBTOK_MAX_ERROR_MESSAGE_LEN < 8
#error "error code and message copies need at least 8 bytes"
#endif
#if DBTOK_DEFAULT_MAX_ATTEMPTS < 1 || DBTOK_DEFAULT_MAX_ATTEMPTS > 255
#error "DBTOK_DEFAULT_MAX_ATTEMPTS must be between 1 and 255"
#endif
#if DBTOK_DEFAULT_RETRY_BASE_MS > DBTOK_DEFAULT_RETRY_MAX_MS
#error "DBTOK_DEFAULT_RETRY_BASE_MS must not exceed DBTOK_DEFAULT_RETRY_MAX_MS"
#endif
#if DBTOK_HTTP_MAX_HEADER_BYTES < DBTOK_HTTP_LINE_MAX
#error "DBTOK_HTTP_MAX_HEADER_BYTES must be at least DBTOK_HTTP_LINE_MAX"
#endif
#if DBTOK_DEFAULT_TIMEOUT_MS < 1 || DBTOK_DEFAULT_DEADLINE_MS < 1
#error "DBTOK_DEFAULT_TIMEOUT_MS and DBTOK_DEFAULT_DEADLINE_MS must be at least 1"
#endif
#if DBTOK_MASK_TOKEN_VALUES < 1 || DBTOK_MASK_TOKEN_VALUES > 16
#error "DBTOK_MASK_TOKEN_VALUES must be between 1 and 16"
#endif
#if DBTOK_MASK_TOKEN_VALUE_MAX < 8 || DBTOK_MASK_TOKEN_VALUE_MAX > 4096
#error "DBTOK_MASK_TOKEN_VALUE_MAX must be between 8 and 4096"
#endif
#if DBTOK_CREATE_ANSWER_RESERVE < 256 || DBTOK_CREATE_ANSWER_RESERVE >= DBTOK_MIN_WORK_BUFFER
#error "DBTOK_CREATE_ANSWER_RESERVE must be at least 256 and below DBTOK_MIN_WORK_BUFFER"
#endif
#if DBTOK_MIN_WORK_BUFFER < 512
#error "DBTOK_MIN_WORK_BUFFER below 512 cannot hold a request"
#endif

#endif /* DBTOK_CONFIG_H */
