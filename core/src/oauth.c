/*
 * OAuth machine-to-machine: the client credentials grant (RFC 6749, 4.4) at
 * the workspace's own token endpoint, as the Databricks SDKs do it.
 *
 * POST /oidc/v1/token goes over the client's connection like any request,
 * with the client id and secret in HTTP Basic (each form-encoded first, as
 * RFC 6749 2.3.1 asks) and the form body grant_type=client_credentials&
 * scope=all-apis. The answer's access_token is kept in the client and used
 * as the bearer until DBTOK_OAUTH_REFRESH_MARGIN_S before expires_in runs
 * out (retry.c fetches it again then, and once after a 401). The answer is
 * read by the one JSON model; the secret and the access token are among the
 * secrets the masking routine hides, and the trace hides the access_token
 * member of the answer as it does a token_value.
 */
#include <string.h>

#include "client_internal.h"
#include "json.h"

#if DBTOK_ENABLE_OAUTH_M2M
#define PATH_OIDC_TOKEN "/oidc/v1/token"

static const char grant_form[] = "grant_type=client_credentials&scope=all-apis";

/* s form-encoded (application/x-www-form-urlencoded: unreserved characters
 * as they are, everything else %XX), into the base64 stream. */
static void b64_form(http_base64 *e, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            dbtok__http_base64_byte(e, c);
        } else {
            dbtok__http_base64_byte(e, '%');
            dbtok__http_base64_byte(e, (unsigned char)hex[c >> 4]);
            dbtok__http_base64_byte(e, (unsigned char)hex[c & 15u]);
        }
    }
}

static void put_basic(http_buf *b, const void *arg)
{
    const dbtok__state *c = arg;
    http_base64 e = {NULL, 0, 0};
    e.out = b;
    dbtok__http_buf_puts(b, "Basic ");
    b64_form(&e, c->config.client_id);
    dbtok__http_base64_byte(&e, ':');
    b64_form(&e, c->config.client_secret);
    dbtok__http_base64_end(&e);
}

static void write_grant(const void *arg, http_buf *out)
{
    (void)arg;
    dbtok__http_buf_put(out, grant_form, sizeof grant_form - 1);
}

/* Whether the access token must be fetched before the next request. */
static bool oauth_due(const dbtok__state *c)
{
    return c->oauth_token[0] == '\0' || c->port.now_ms(c->port.ctx) >= c->oauth_refresh_ms;
}

void dbtok__oauth_forget(dbtok__state *c)
{
    mbedtls_platform_zeroize(c->oauth_token, sizeof c->oauth_token);
    c->oauth_refresh_ms = 0;
}

/* Whether the token_type value (token i, a string) is "Bearer", in any case
 * (RFC 6749 5.1: case-insensitive). */
static bool is_bearer(const json_doc *doc, int i)
{
    static const char word[] = "bearer";
    const jsmntok_t *t = &doc->tok[i];
    int k;
    if (t->type != JSMN_STRING || t->end - t->start != 6) {
        return false;
    }
    for (k = 0; k < 6; k++) {
        if ((doc->text[t->start + k] | 0x20) != word[k]) {
            return false;
        }
    }
    return true;
}

enum { ANSWER_TOKEN, ANSWER_TYPE, ANSWER_EXPIRES, ANSWER_FIELDS };
static const char *const answer_names[ANSWER_FIELDS] = {"access_token", "token_type", "expires_in"};

/* POST /oidc/v1/token with the client credentials (retried like any
 * idempotent call) and keep its access token. */
static dbtok_err oauth_fetch(dbtok__state *c)
{
    exchange_request req;
    json_doc doc;
    int v[ANSWER_FIELDS];
    int64_t expires_s = 0;
    uint64_t lifetime_ms;
    uint64_t margin_ms;
    dbtok_str token;
    dbtok_err err;

    dbtok__oauth_forget(c);
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = PATH_OIDC_TOKEN;
    req.write_body = write_grant;
    req.put_auth = put_basic;
    req.form_body = true;
    req.idempotent = true; /* another grant is harmless */
    err = dbtok__call_attempts(c, &req, &doc, "access_token");
    if (err != DBTOK_OK) {
        return err;
    }
    /* An access token is a bearer credential: visible ASCII, so that it
     * cannot break the Authorization header, and it must fit the client. */
    if (dbtok__json_object_members(&doc, 0, answer_names, ANSWER_FIELDS, v) != DBTOK_OK || v[ANSWER_TOKEN] < 0 ||
        !dbtok__json_is_cstring(&doc, v[ANSWER_TOKEN]) || (v[ANSWER_TYPE] >= 0 && !is_bearer(&doc, v[ANSWER_TYPE])) ||
        (v[ANSWER_EXPIRES] >= 0 && (dbtok__json_int64(&doc, v[ANSWER_EXPIRES], &expires_s) != DBTOK_OK || expires_s < 0))) {
        err = DBTOK_ERR_JSON;
    } else {
        (void)dbtok__json_string(&doc, v[ANSWER_TOKEN], &token);
        if (dbtok_config_check_token(token.ptr, token.len) != DBTOK_OK) {
            err = DBTOK_ERR_JSON;
        } else if (token.len >= sizeof c->oauth_token) {
            err = DBTOK_ERR_BUFFER_TOO_SMALL;
        } else {
            memcpy(c->oauth_token, token.ptr, token.len + 1);
        }
    }
    /* The answer's copy of the token is not left in the work buffer. */
    mbedtls_platform_zeroize(doc.text, doc.len);
    if (err != DBTOK_OK) {
        return dbtok__client_fail(c, err);
    }
    /* Without expires_in the token serves this call only. */
    lifetime_ms = (uint64_t)(expires_s > (int64_t)(UINT32_MAX / 1000u) ? UINT32_MAX / 1000u : (uint32_t)expires_s) *
                  1000u;
    margin_ms = (uint64_t)DBTOK_OAUTH_REFRESH_MARGIN_S * 1000u;
    margin_ms = margin_ms < lifetime_ms / 2 ? margin_ms : lifetime_ms / 2;
    c->oauth_refresh_ms = c->port.now_ms(c->port.ctx) + lifetime_ms - margin_ms;
    return DBTOK_OK;
}
dbtok_err dbtok__oauth_call(dbtok__state *c, exchange_request *req, struct json_doc *doc, const char *secret_key)
{
    uint64_t outer = c->call_deadline_ms;
    dbtok_err err;

    /* One deadline for the token and the request, as for one call. */
    c->call_deadline_ms = outer != 0 ? outer : dbtok__call_deadline(c);
    err = oauth_due(c) ? oauth_fetch(c) : DBTOK_OK;
    if (err != DBTOK_OK) {
        c->call_deadline_ms = outer;
        return err; /* the token endpoint's answer: a wrong secret, say */
    }
    err = dbtok__call_attempts(c, req, doc, secret_key);
    /* A token the service stopped taking (revoked, its clock ahead of ours,
     * or a replica that has not seen it yet): a 401 says the request was
     * refused unread, so it is sent once more with a new token, a create
     * included. Once: a second 401 is the answer. */
    if (err == DBTOK_ERR_API && c->error.http_status == 401) {
        req->reached = false; /* refused, so it made nothing: a create's outcome is known */
        err = oauth_fetch(c);
        if (err == DBTOK_OK) {
            err = dbtok__call_attempts(c, req, doc, secret_key);
        }
    }
    c->call_deadline_ms = outer;
    return err;
}
#else
/* ISO C wants something in every translation unit. */
typedef int dbtok__oauth_left_out;
#endif /* DBTOK_ENABLE_OAUTH_M2M */
