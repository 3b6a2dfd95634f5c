/*
 * What the client's source files share: the TLS session over the port, the
 * exchange of one request for one response, and tracing.
 */
#ifndef DBTOK_CLIENT_INTERNAL_H
#define DBTOK_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "dbtok/dbtok.h"
#include "http_writer.h"

/* Room for the id of a token a lost create left behind: ids are 64 hex
 * digits; a longer one is refused, not cut. */
#define DBTOK__ORPHAN_ID_MAX 80

/*
 * The client's state, kept in the caller's dbtok_client storage. Only the
 * library sees this type: dbtok.h gives the storage's size from the
 * library's own build (dbtok_client_size.h), and client.c refuses to compile
 * if the two disagree. The storage is only ever read and written as this
 * struct, through dbtok__state_of().
 */
typedef struct dbtok__state {
    dbtok_config config;
    dbtok_port port;
    uint8_t *work;
    size_t work_len;
    bool connected;
    bool probing_idle;            /* asking whether the idle connection is still open: reads never wait */
    uint64_t request_deadline_ms; /* the current request's end (the port's timeouts count down to it) */
    uint64_t call_deadline_ms;    /* a running create_recover's end, which its inner calls keep; 0: none */
    bool retry_hint; /* the service said when to try again */
    int last_port_error;
    dbtok_error_info error;
    dbtok_stats stats;
#if DBTOK_ENABLE_HTTP_DATES
    int64_t learned_time_s;    /* exchange.c: the newest Date believed, Unix seconds; 0: none */
    uint64_t learned_at_ms;    /* now_ms when it arrived */
    int64_t server_not_after_s; /* tls.c: notAfter of the connection's server certificate; 0: none yet */
#endif
    uint64_t reader_space[(DBTOK_HTTP_LINE_MAX + 96 + 7) / 8]; /* the response reader; exchange.c checks it fits */
    char seen_values[DBTOK_MASK_TOKEN_VALUES][DBTOK_MASK_TOKEN_VALUE_MAX]; /* for dbtok_mask() */
    uint16_t seen_value_len[DBTOK_MASK_TOKEN_VALUES];
    uint8_t seen_next;
#if DBTOK_ENABLE_OAUTH_M2M
    char oauth_token[DBTOK_MAX_OAUTH_TOKEN_LEN]; /* oauth.c: the access token; "" when none is held */
    uint64_t oauth_refresh_ms; /* now_ms from which it is fetched again */
#endif
#if DBTOK_ENABLE_PROXY
    char proxy_basic[(DBTOK_MAX_PROXY_CREDENTIALS_LEN + 2u) / 3u * 4u + 1u]; /* proxy_tunnel.c: Base64 of
                                                                              username:password; "" for none */
#endif
#if DBTOK_ENABLE_CREATE_RECOVER
    char orphan_id[DBTOK__ORPHAN_ID_MAX]; /* recover.c: the token a lost create left, to revoke */
#endif
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config ssl_conf;
    mbedtls_x509_crt ca_chain;
#if DBTOK_ENABLE_SESSION_RESUMPTION
    mbedtls_ssl_session session; /* tls.c: what the next connection offers, when have_session */
    bool have_session;
    bool chain_verified;         /* tls.c: the running handshake checked a chain (it did not resume) */
#endif
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_ctr_drbg_context drbg; /* else the TLS layer uses PSA's generator */
#endif
} dbtok__state;

static inline dbtok__state *dbtok__state_of(dbtok_client *client)
{
    return (dbtok__state *)(void *)client;
}

static inline const dbtok__state *dbtok__cstate_of(const dbtok_client *client)
{
    return (const dbtok__state *)(const void *)client;
}

static inline dbtok_client *dbtok__client_of(dbtok__state *state)
{
    return (dbtok_client *)(void *)state;
}

static inline const dbtok_client *dbtok__cclient_of(const dbtok__state *state)
{
    return (const dbtok_client *)(const void *)state;
}

/* oauth.c: OAuth machine-to-machine (DBTOK_ENABLE_OAUTH_M2M). */
#if DBTOK_ENABLE_OAUTH_M2M
static inline bool dbtok__oauth_active(const dbtok__state *c)
{
    return c->config.client_id != NULL && c->config.client_id[0] != '\0';
}
/* dbtok__call under OAuth: the access token fetched when due, the request's
 * attempts, and after a 401 one new token and one more round, all inside
 * the call's one deadline. */
struct exchange_request;
struct json_doc;
dbtok_err dbtok__oauth_call(dbtok__state *c, struct exchange_request *req, struct json_doc *doc,
                            const char *secret_key);
/* Drop the access token (wiped). */
void dbtok__oauth_forget(dbtok__state *c);
#endif

/* The bearer credential requests carry: the access token under OAuth, else
 * the configured token. */
static inline const char *dbtok__bearer(const dbtok__state *c)
{
#if DBTOK_ENABLE_OAUTH_M2M
    if (dbtok__oauth_active(c)) {
        return c->oauth_token;
    }
#endif
    return c->config.token;
}

/* proxy_tunnel.c: the HTTP proxy of config.proxy (DBTOK_ENABLE_PROXY). */
#if DBTOK_ENABLE_PROXY
static inline bool dbtok__proxy_active(const dbtok__state *c)
{
    return c->config.proxy.host != NULL && c->config.proxy.host[0] != '\0';
}
/* dbtok_init's checks of config.proxy, its default port, and the Base64
 * credential kept for the requests and the masking routine. */
dbtok_err dbtok__proxy_setup(dbtok__state *c);
/* The tunnel, on the port's fresh stream to the proxy, in the work buffer
 * past its first keep bytes (the request waiting to go through it), in
 * three steps that tls.c calls one after the other, so that no step's frame
 * sits under another's deepest callee on the stack: write the CONNECT to
 * the workspace (returns its length: more than the room left means it did
 * not fit); send it and wipe it; read the answer: DBTOK_OK once the tunnel
 * is open, with error.http_status the proxy's status (0: none was read). */
size_t dbtok__proxy_request(dbtok__state *c, size_t keep);
dbtok_err dbtok__proxy_send(dbtok__state *c, size_t keep, size_t len);
dbtok_err dbtok__proxy_answer(dbtok__state *c, size_t keep);
#endif

/* tls.c: mbedTLS over the port's byte stream. */
dbtok_err dbtok__tls_init(dbtok__state *c);       /* once per client: RNG, CA chain, config */
/* TCP connect (through the proxy's tunnel when there is one) and a full
 * handshake; the work buffer's first keep bytes are left as they are. */
dbtok_err dbtok__tls_connect(dbtok__state *c, size_t keep);
bool dbtok__tls_is_reusable(dbtok__state *c);     /* the kept-alive connection has not been closed */
/* Hands all of buf to TLS. *sent counts the bytes accepted even on failure. */
dbtok_err dbtok__tls_send_all(dbtok__state *c, const uint8_t *buf, size_t len, size_t *sent);
/* > 0 bytes, 0 close_notify, or a negative dbtok_err (a close without
 * close_notify is DBTOK_ERR_IO: the answer may have been cut). */
int dbtok__tls_recv(dbtok__state *c, uint8_t *buf, size_t len);
void dbtok__tls_disconnect(dbtok__state *c);      /* close_notify when possible, then close */
void dbtok__tls_free(dbtok__state *c);

/* Milliseconds left before the current request's deadline (0 when passed). */
uint32_t dbtok__client_remaining_ms(const dbtok__state *c);
/* dbtok_trusted_time_s() with the port's clock already read: clock_s, 0 without one. */
int64_t dbtok__trusted_time(const dbtok__state *c, int64_t clock_s);

/* exchange.c: one request, one response, in the work buffer. */
typedef struct exchange_request {
    const char *method;
    const char *path;
    const char *path_segment; /* NULL, or appended to path percent-encoded (an update's token id) */
    void (*put_segment)(http_buf *b, const char *segment); /* how: see http_request */
    void (*put_auth)(http_buf *b, const void *client); /* NULL: the bearer; else given the client */
    bool form_body;
    /* Writes the JSON body (NULL: no body). Called again for a second attempt,
     * since the first request is wiped once sent. */
    void (*write_body)(const void *arg, http_buf *out);
    const void *write_arg;
    /* Optional: takes a 2xx body as it arrives instead of gathering it whole.
     * window[0..*len) holds the bytes not yet taken; the sink shrinks *len
     * to what it still needs, moved to the front. first marks the first call
     * for a response (a second attempt starts a new body). */
    dbtok_err (*body_sink)(void *arg, uint8_t *window, size_t *len, size_t cap, bool complete, bool first);
    void *sink_arg;
    /* With a sink: the bytes of the work buffer a 2xx body may fill (the
     * sink's cap), so that the sink keeps the rest for itself. Below
     * work_len; 0 for all of it. */
    size_t body_window;
    bool idempotent;      /* may be sent again after its answer was lost */
    bool reached;         /* out: the last attempt's request went out whole, so the
                             server may have acted on it */
} exchange_request;

typedef struct {
    int status;
    uint8_t *body;        /* == work; body_len bytes, then a NUL (nothing left when a sink took it) */
    size_t body_len;
    bool consumed_by_sink; /* the request's body sink took the body as it arrived */
} exchange_response;

/* One attempt: connect if needed, send, read the answer. The sink may clear
 * req->idempotent once the caller has seen part of the answer, and
 * req->reached is set, so req is not const. */
dbtok_err dbtok__round_trip(dbtok__state *c, exchange_request *req, exchange_response *resp);

struct json_doc;

/* response.c: on DBTOK_OK, doc holds a 2xx JSON object; secret_key names a
 * field holding a secret: a 2xx answer with it that does not parse is not
 * traced at all. */
dbtok_err dbtok__response_classify(dbtok__state *c, const exchange_response *resp, struct json_doc *doc,
                            const char *secret_key);

/* retry.c: the one place that decides to send a request again. Round trips,
 * classified, at most max_attempts of them, all inside one deadline (the
 * enclosing call's when one is running, see call_deadline_ms). On DBTOK_OK,
 * doc holds a 2xx JSON object, or the body sink consumed it. */
dbtok_err dbtok__call(dbtok__state *c, exchange_request *req, struct json_doc *doc, const char *secret_key);
/* The attempts of one request, as dbtok__call makes them, without the
 * OAuth step around them (oauth.c's own request goes through here). */
dbtok_err dbtok__call_attempts(dbtok__state *c, exchange_request *req, struct json_doc *doc, const char *secret_key);
/* When a call starting now must end: now + retry.deadline_ms (or its default). */
uint64_t dbtok__call_deadline(const dbtok__state *c);
/* The service said it did not act and when to try again: 429, 503,
 * REQUEST_LIMIT_EXCEEDED, TEMPORARILY_UNAVAILABLE. */
bool dbtok__client_said_try_later(const dbtok_error_info *e);

/* token_api.c: a create whose comment carries a marker (after a space):
 * DBTOK__MARKER_BYTES random bytes, written "[dbtok:" + 16 hex digits + "]". */
#define DBTOK__MARKER_BYTES 8
/* comment and lifetime_seconds are the create's; opts gives the rest (its
 * own comment and lifetime are not read), or is NULL for nothing more. */
dbtok_err dbtok__token_create_tagged(dbtok__state *client, const char *comment, int64_t lifetime_seconds,
                                     const dbtok_create_options *opts, const uint8_t *marker, dbtok_created_token *out);

#if DBTOK_ENABLE_CREATE_RECOVER
/* recover.c: dbtok_token_create_recover_with() with the comment given
 * apart from opts (whose own is not read), so that a caller that composes
 * the comment needs no copy of the options; held_id (NULL for none) names a
 * token the caller holds, which no list makes it revoke. */
dbtok_err dbtok__create_recover(dbtok__state *c, const char *comment, int64_t lifetime_seconds,
                                const dbtok_create_options *opts, const char *held_id, dbtok_created_token *out);
#endif

/* trace.c: TRACE-level log of what goes over the wire, secrets redacted.
 * Without DBTOK_ENABLE_TRACE every call below compiles to nothing. */
#if DBTOK_ENABLE_TRACE
bool dbtok__trace_enabled(const dbtok__state *c);
void dbtok__trace_text(const dbtok__state *c, const char *text, size_t len);
void dbtok__trace_request(const dbtok__state *c, const uint8_t *req, size_t len);
/* A request that has no body: a proxy's CONNECT. */
void dbtok__trace_request_head(const dbtok__state *c, const uint8_t *req, size_t len);
void dbtok__trace_line(void *client, const char *line, size_t len);
/* Body text, the value of every token_value member hidden and the rest
 * masked. */
void dbtok__trace_body(const dbtok__state *c, const char *body, size_t len);
#else
static inline bool dbtok__trace_enabled(const dbtok__state *c)
{
    (void)c;
    return false;
}
static inline void dbtok__trace_text(const dbtok__state *c, const char *text, size_t len)
{
    (void)c, (void)text, (void)len;
}
static inline void dbtok__trace_request(const dbtok__state *c, const uint8_t *req, size_t len)
{
    (void)c, (void)req, (void)len;
}
static inline void dbtok__trace_request_head(const dbtok__state *c, const uint8_t *req, size_t len)
{
    (void)c, (void)req, (void)len;
}
static inline void dbtok__trace_body(const dbtok__state *c, const char *body, size_t len)
{
    (void)c, (void)body, (void)len;
}
#endif

/* mask.c: the one masking routine (see dbtok_mask_text). */
typedef void (*dbtok__sink)(void *arg, const char *text, size_t len);
/* Hands text to sink in pieces, every trace of the client's secrets (its
 * bearer token, the token values it remembers) replaced. */
void dbtok__mask_emit(const dbtok__state *c, const char *text, size_t len, dbtok__sink sink, void *sink_arg);
/* text[i] read as one character: a raw byte, a JSON escape or a
 * percent-escape of an ASCII character; *adv is the bytes it takes. */
unsigned char dbtok__escaped_char(const char *text, size_t len, size_t i, size_t *adv);
/* Remembers a token value a create received, for masking until dbtok_close(). */
void dbtok__remember_secret(dbtok__state *c, dbtok_str value);

/* errors.c */
void dbtok__client_error_reset(dbtok__state *c);
dbtok_err dbtok__client_fail(dbtok__state *c, dbtok_err err);
/* A printable excerpt of a plain-text body ("Invalid Token") as the message. */
void dbtok__client_record_text(dbtok__state *c, const uint8_t *body, size_t len);
/* Copy text into the error message or code, the bearer token masked if echoed. */
void dbtok__client_record_message(dbtok__state *c, const char *text, size_t len);
void dbtok__client_record_code(dbtok__state *c, const char *text, size_t len);

#endif /* DBTOK_CLIENT_INTERNAL_H */
