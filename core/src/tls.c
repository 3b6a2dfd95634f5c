/*
 * mbedTLS over the port's byte stream: SNI, full chain and host name
 * verification (there is no switch to turn it off), TLS 1.2 and 1.3.
 *
 * The port's timeouts are driven by the request deadline, so the BIO
 * callbacks below ignore mbedTLS's own read timeout.
 */
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/version.h>
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif
/* The TLS layer's random numbers: dbtok's own CTR_DRBG seeded from the
 * port's entropy hook, or, in a profile without CTR_DRBG (the device one),
 * PSA's generator, which the port feeds (the shape mbedTLS 4 requires). */
#if !defined(MBEDTLS_CTR_DRBG_C)
#if !defined(MBEDTLS_PSA_CRYPTO_C)
#error "dbtok needs MBEDTLS_CTR_DRBG_C or MBEDTLS_PSA_CRYPTO_C for the TLS layer's random numbers"
#endif
#include <mbedtls/psa_util.h>
#endif

#include "civil_time.h"
#include "client_internal.h"

#if defined(MBEDTLS_CTR_DRBG_C)
static int entropy_cb(void *ctx, unsigned char *out, size_t len)
{
    dbtok__state *c = ctx;
    return c->port.entropy(c->port.ctx, out, len) == 0 ? 0 : -1;
}
#endif

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    dbtok__state *c = ctx;
    uint32_t left = dbtok__client_remaining_ms(c);
    int n;
    if (left == 0) {
        c->last_port_error = DBTOK_PORT_ERR_TIMEOUT;
        return MBEDTLS_ERR_NET_SEND_FAILED;
    }
    n = c->port.send(c->port.ctx, buf, len, left);
    if (n > 0) {
        return n;
    }
    c->last_port_error = n == 0 ? DBTOK_PORT_ERR_IO : n;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len, uint32_t mbedtls_timeout)
{
    dbtok__state *c = ctx;
    bool poll_only = c->probing_idle;
    uint32_t left = poll_only ? 0 : dbtok__client_remaining_ms(c);
    int n;
    (void)mbedtls_timeout;
    if (left == 0 && !poll_only) {
        c->last_port_error = DBTOK_PORT_ERR_TIMEOUT;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    n = c->port.recv(c->port.ctx, buf, len, left);
    if (n >= 0) {
        return n; /* 0 is an orderly close: mbedTLS reports MBEDTLS_ERR_SSL_CONN_EOF */
    }
    if (n == DBTOK_PORT_ERR_TIMEOUT) {
        if (poll_only) {
            return MBEDTLS_ERR_SSL_WANT_READ;
        }
        c->last_port_error = n;
        return MBEDTLS_ERR_SSL_TIMEOUT;
    }
    c->last_port_error = DBTOK_PORT_ERR_IO;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static int64_t x509_time_to_unix(const mbedtls_x509_time *t)
{
    return dbtok__civil_to_unix(t->year, t->mon, t->day, t->hour, t->min, t->sec);
}

/*
 * Certificate dates. dbtok's mbedTLS configurations leave
 * MBEDTLS_HAVE_TIME_DATE out (a device has no gmtime, glibc's allocates), so
 * this is where dates are checked, on every platform.
 *
 * notAfter is checked against dbtok_trusted_time_s(): the port's clock when
 * there is one, and without one still the integrator's floor and the time
 * the service told, so that a device with no clock refuses a certificate
 * that had expired before its firmware was built or before it last spoke to
 * the service. notBefore is checked against the clock alone: the floor and
 * the learned time are lower bounds on the present, and a certificate that
 * starts after them may well be valid by now (a service renews its
 * certificate while a device sleeps); refusing it would strand the device.
 */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    dbtok__state *c = ctx;
    int64_t clock_s = 0;
    int64_t not_after = x509_time_to_unix(&crt->valid_to);
    /* An untrusted leaf that signs itself is worth naming: it is a test or
     * misconfigured server, not a missing CA certificate. */
    if (depth == 0 && (*flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0 &&
        crt->issuer_raw.len == crt->subject_raw.len &&
        memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->subject_raw.len) == 0) {
        *flags |= MBEDTLS_X509_BADCERT_OTHER;
    }
#if DBTOK_ENABLE_HTTP_DATES
    if (depth == 0) {
        c->server_not_after_s = not_after;
    }
#endif
#if DBTOK_ENABLE_SESSION_RESUMPTION
    c->chain_verified = true;
#endif
    if (c->port.unix_time != NULL) {
        clock_s = c->port.unix_time(c->port.ctx);
        if (clock_s < x509_time_to_unix(&crt->valid_from)) {
            *flags |= MBEDTLS_X509_BADCERT_FUTURE;
        }
    }
    if (dbtok__trusted_time(c, clock_s) > not_after) {
        *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    }
    return 0;
}

#if MBEDTLS_VERSION_MAJOR >= 3
/*
 * ECDSA first, then RSA with PSS ahead of PKCS#1 v1.5, as mbedTLS's own
 * default orders them. One list for both versions: TLS 1.3 skips the PKCS#1
 * entries for handshake signatures. A TLS 1.2 server that signs with PSS
 * (OpenSSL does, whatever the client's order) needs 3.6.7 or later: 3.6.6
 * refused it (upstream issue 10668). There is no second handshake without PSS
 * to work around that, as a device with one connection per boot cannot make
 * one; mbedtls.cmake warns about a tree older than 3.6.7 instead.
 */
static const uint16_t sig_algs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256, MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA256,    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PSS_RSAE_SHA512,    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,       MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE};
#endif

/*
 * The trust anchors: a PEM bundle (NUL-terminated, as mbedTLS wants it), or
 * DER certificates one after another (a NUL may follow them, as a file
 * reader adds one). mbedTLS's DER parser reads a buffer's first certificate
 * and ignores the rest, which would leave a second root (the service's next
 * CA, there so that a CA change does not strand a device) silently unused:
 * each DER certificate is parsed on its own.
 */
static int parse_anchors(dbtok__state *c)
{
    const uint8_t *p = c->config.ca;
    size_t left = c->config.ca_len;
    int ret = 0;

#if defined(MBEDTLS_PEM_PARSE_C)
    if (left > 0 && p[left - 1] == '\0' && strstr((const char *)p, "-----BEGIN CERTIFICATE-----") != NULL) {
        return mbedtls_x509_crt_parse(&c->ca_chain, p, left);
    }
#endif
    while (ret == 0 && left > 0 && !(left == 1 && p[0] == 0)) {
        /* mbedTLS's own reader of the SEQUENCE around each certificate: it
         * never reads past end, and takes no const only by its signature. */
        unsigned char *q = (unsigned char *)(uintptr_t)p;
        size_t len = 0;
        size_t whole;
        ret = mbedtls_asn1_get_tag(&q, p + left, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE);
        if (ret != 0) {
            /* As mbedTLS reports bytes that are no DER certificate: the
             * X.509 error with the ASN.1 one under it. */
            return MBEDTLS_ERR_X509_INVALID_FORMAT + ret;
        }
        whole = (size_t)(q - p) + len;
        ret = mbedtls_x509_crt_parse_der(&c->ca_chain, p, whole);
        p += whole;
        left -= whole;
    }
    return ret;
}

#if DBTOK_ENABLE_SESSION_RESUMPTION
#if MBEDTLS_VERSION_MAJOR < 3 || !defined(MBEDTLS_SSL_SESSION_TICKETS) || \
    (defined(MBEDTLS_SSL_PROTO_TLS1_3) && !defined(MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_PSK_EPHEMERAL_ENABLED))
#error "DBTOK_ENABLE_SESSION_RESUMPTION needs mbedTLS 3 with MBEDTLS_SSL_SESSION_TICKETS (and TLS 1.3's PSK_EPHEMERAL)"
#endif
static void forget_session(dbtok__state *c)
{
    mbedtls_ssl_session_free(&c->session); /* zeroizes the master secret or resumption key */
    mbedtls_ssl_session_init(&c->session);
    c->have_session = false;
}

/* The connection's session replaces the one held: after a TLS 1.2
 * handshake, and for each TLS 1.3 ticket (which comes after it). A session
 * mbedTLS cannot hand out (the arena is full) leaves none rather than an old one. */
static void keep_session(dbtok__state *c)
{
    forget_session(c);
    c->have_session = mbedtls_ssl_get_session(&c->ssl, &c->session) == 0;
    if (!c->have_session) {
        forget_session(c);
    }
}
#endif

dbtok_err dbtok__tls_init(dbtok__state *c)
{
    int ret;

    mbedtls_ssl_init(&c->ssl);
    mbedtls_ssl_config_init(&c->ssl_conf);
    mbedtls_x509_crt_init(&c->ca_chain);
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_ctr_drbg_init(&c->drbg);
#endif
#if DBTOK_ENABLE_SESSION_RESUMPTION
    mbedtls_ssl_session_init(&c->session);
#endif

#if defined(MBEDTLS_PSA_CRYPTO_C)
    if (psa_crypto_init() != PSA_SUCCESS) {
        c->error.tls_error = -1;
        return DBTOK_ERR_CRYPTO;
    }
#endif
#if defined(MBEDTLS_CTR_DRBG_C)
    static const unsigned char personalisation[] = "dbtok";
    ret = mbedtls_ctr_drbg_seed(&c->drbg, entropy_cb, c, personalisation, sizeof personalisation - 1);
#else
    ret = 0; /* PSA's generator, already started, serves the TLS layer */
#endif
    if (ret == 0) {
        ret = parse_anchors(c);
        /* A PEM bundle reports how many certificates it skipped (a positive
         * count); that is fine as long as at least one was loaded. */
        if (ret > 0 && c->ca_chain.version != 0) {
            ret = 0;
        } else if (ret == 0 && c->ca_chain.version == 0) {
            ret = MBEDTLS_ERR_X509_INVALID_FORMAT;
        }
    }
    if (ret == 0) {
        ret = mbedtls_ssl_config_defaults(&c->ssl_conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    }
    if (ret == 0) {
        mbedtls_ssl_conf_authmode(&c->ssl_conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&c->ssl_conf, &c->ca_chain, NULL);
#if defined(MBEDTLS_CTR_DRBG_C)
        mbedtls_ssl_conf_rng(&c->ssl_conf, mbedtls_ctr_drbg_random, &c->drbg);
#else
        mbedtls_ssl_conf_rng(&c->ssl_conf, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
#endif
        mbedtls_ssl_conf_verify(&c->ssl_conf, verify_cb, c);
#if MBEDTLS_VERSION_MAJOR >= 3
        mbedtls_ssl_conf_min_tls_version(&c->ssl_conf, MBEDTLS_SSL_VERSION_TLS1_2);
        mbedtls_ssl_conf_sig_algs(&c->ssl_conf, sig_algs);
#else
        mbedtls_ssl_conf_min_version(&c->ssl_conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
#if DBTOK_ENABLE_SESSION_RESUMPTION && defined(MBEDTLS_SSL_PROTO_TLS1_3)
        /* TLS 1.3 tickets come after the handshake: mbedtls_ssl_read() says so, and keep_session() takes each. */
        mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&c->ssl_conf,
                                                                 MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#elif !DBTOK_ENABLE_SESSION_RESUMPTION && defined(MBEDTLS_SSL_SESSION_TICKETS)
        /* An mbedTLS built with tickets (the host's, for the resumption
         * test) asks for none and offers no TLS 1.3 PSK mode: every
         * connection is a full handshake, as the switch promises. */
        mbedtls_ssl_conf_session_tickets(&c->ssl_conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
        mbedtls_ssl_conf_tls13_key_exchange_modes(&c->ssl_conf, MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL);
#endif
#endif
        ret = mbedtls_ssl_setup(&c->ssl, &c->ssl_conf);
    }
    if (ret != 0) {
        c->error.tls_error = ret;
        dbtok__tls_free(c);
        return DBTOK_ERR_CRYPTO;
    }
    return DBTOK_OK;
}

static dbtok_err map_port_error(int port_error, dbtok_err fallback)
{
    switch (port_error) {
    case DBTOK_PORT_ERR_DNS:
        return DBTOK_ERR_DNS;
    case DBTOK_PORT_ERR_CONNECT:
        return DBTOK_ERR_CONNECT;
    case DBTOK_PORT_ERR_TIMEOUT:
        return DBTOK_ERR_TIMEOUT;
    default:
        return fallback;
    }
}

/* TCP connect and one handshake; returns 0 or the mbedTLS error, with the
 * stream closed again on failure. */
static int connect_and_handshake(dbtok__state *c, size_t keep, dbtok_err *port_err)
{
    uint32_t left = dbtok__client_remaining_ms(c);
    const char *host = c->config.host;
    uint16_t port = c->config.port;
    int ret;

    *port_err = DBTOK_OK;
    if (left == 0) {
        *port_err = DBTOK_ERR_TIMEOUT;
        return -1;
    }
#if DBTOK_ENABLE_PROXY
    if (dbtok__proxy_active(c)) {
        host = c->config.proxy.host;
        port = c->config.proxy.port;
    }
#endif
    ret = c->port.connect(c->port.ctx, host, port, left);
    if (ret != 0) {
        *port_err = map_port_error(ret, DBTOK_ERR_CONNECT);
        return -1;
    }
    c->stats.connects++;
    c->last_port_error = 0;
#if DBTOK_ENABLE_PROXY
    if (dbtok__proxy_active(c)) {
        size_t len = dbtok__proxy_request(c, keep);
        if (len > c->work_len - keep) {
            *port_err = DBTOK_ERR_BUFFER_TOO_SMALL;
        } else {
            dbtok__trace_request_head(c, c->work + keep, len);
            *port_err = dbtok__proxy_send(c, keep, len);
        }
        if (*port_err == DBTOK_OK) {
            *port_err = dbtok__proxy_answer(c, keep);
        }
        if (*port_err != DBTOK_OK) {
            c->port.close(c->port.ctx);
            return -1;
        }
    }
#else
    (void)keep;
#endif

#if DBTOK_ENABLE_HTTP_DATES
    c->server_not_after_s = 0; /* verify_cb reads this connection's */
#endif
    ret = mbedtls_ssl_session_reset(&c->ssl);
    if (ret == 0) {
        ret = mbedtls_ssl_set_hostname(&c->ssl, c->config.host);
    }
#if DBTOK_ENABLE_SESSION_RESUMPTION
    c->chain_verified = false;
    if (ret == 0 && c->have_session && mbedtls_ssl_set_session(&c->ssl, &c->session) != 0) {
        forget_session(c); /* one mbedTLS will not offer is never offered */
    }
#endif
    if (ret == 0) {
        mbedtls_ssl_set_bio(&c->ssl, c, bio_send, NULL, bio_recv);
        do {
            ret = mbedtls_ssl_handshake(&c->ssl);
        } while (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE);
    }
    if (ret != 0) {
#if DBTOK_ENABLE_SESSION_RESUMPTION
        forget_session(c); /* the next try is a full handshake, whatever broke this one */
#endif
        c->port.close(c->port.ctx);
    }
    return ret;
}

dbtok_err dbtok__tls_connect(dbtok__state *c, size_t keep)
{
    dbtok_err port_err;
    int ret = connect_and_handshake(c, keep, &port_err);

    if (port_err != DBTOK_OK) {
        return port_err;
    }
    if (ret != 0) {
        c->error.tls_error = ret;
        if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            c->error.cert_flags = mbedtls_ssl_get_verify_result(&c->ssl);
            return DBTOK_ERR_CERT_VERIFY;
        }
        return map_port_error(c->last_port_error, DBTOK_ERR_TLS);
    }
    c->connected = true;
    c->stats.handshakes++;
#if DBTOK_ENABLE_SESSION_RESUMPTION
    if (!c->chain_verified) {
        c->stats.resumptions++;
#if DBTOK_ENABLE_HTTP_DATES
        /* The session's certificate, checked by the handshake that made it, bounds the Date believed. */
        const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
        if (peer != NULL) {
            c->server_not_after_s = x509_time_to_unix(&peer->valid_to);
        }
#endif
    }
    if (mbedtls_ssl_get_version_number(&c->ssl) == MBEDTLS_SSL_VERSION_TLS1_2) {
        keep_session(c);
    }
#endif
    return DBTOK_OK;
}

/*
 * A kept-alive connection is reusable when nothing is waiting on it. An
 * orderly close, a close_notify alert or stray bytes all mean the server is
 * done with it, and a request must not be sent into it.
 */
bool dbtok__tls_is_reusable(dbtok__state *c)
{
    unsigned char probe;
    int ret;
    int rounds;

    if (!c->connected) {
        return false;
    }
    c->probing_idle = true;
    /* A TLS 1.3 server may still send session tickets after the last
     * response; each read consumes one record, so a few rounds suffice. */
    for (rounds = 0; rounds < 4; rounds++) {
        ret = mbedtls_ssl_read(&c->ssl, &probe, 1);
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) {
#if DBTOK_ENABLE_SESSION_RESUMPTION
            keep_session(c);
#endif
            continue;
        }
#endif
        break;
    }
    c->probing_idle = false;
    return ret == MBEDTLS_ERR_SSL_WANT_READ;
}

dbtok_err dbtok__tls_send_all(dbtok__state *c, const uint8_t *buf, size_t len, size_t *sent)
{
    int ret;
    *sent = 0;
    while (*sent < len) {
        ret = mbedtls_ssl_write(&c->ssl, buf + *sent, len - *sent);
        if (ret > 0) {
            *sent += (size_t)ret;
        } else if (ret != MBEDTLS_ERR_SSL_WANT_WRITE && ret != MBEDTLS_ERR_SSL_WANT_READ) {
            c->error.tls_error = ret;
            return map_port_error(c->last_port_error, ret == MBEDTLS_ERR_NET_SEND_FAILED ? DBTOK_ERR_IO
                                                                                           : DBTOK_ERR_TLS);
        }
    }
    return DBTOK_OK;
}

int dbtok__tls_recv(dbtok__state *c, uint8_t *buf, size_t len)
{
    int ret;
    int rounds;
    /* Bounded: each round consumes a record that carried no application data. */
    for (rounds = 0; rounds < 16; rounds++) {
        ret = mbedtls_ssl_read(&c->ssl, buf, len);
        if (ret > 0) {
            return ret;
        }
        if (ret == 0) {
            /* The transport closed without close_notify: maybe an attacker
             * cutting the answer short (RFC 9112 section 9.8), never its end. */
            c->error.tls_error = MBEDTLS_ERR_SSL_CONN_EOF;
            return DBTOK_ERR_IO;
        }
        switch (ret) {
        case MBEDTLS_ERR_SSL_WANT_READ:
        case MBEDTLS_ERR_SSL_WANT_WRITE:
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) && !DBTOK_ENABLE_SESSION_RESUMPTION
        case MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET:
#endif
            continue;
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) && DBTOK_ENABLE_SESSION_RESUMPTION
        case MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET:
            keep_session(c);
            continue;
#endif
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
            return 0;
        default:
            c->error.tls_error = ret;
            return map_port_error(c->last_port_error,
                                  ret == MBEDTLS_ERR_NET_RECV_FAILED ? DBTOK_ERR_IO : DBTOK_ERR_TLS);
        }
    }
    return DBTOK_ERR_TLS;
}

void dbtok__tls_disconnect(dbtok__state *c)
{
    if (!c->connected) {
        return;
    }
    /* Best effort and non-blocking in practice: the alert fits the send buffer. */
    if (dbtok__client_remaining_ms(c) > 0) {
        (void)mbedtls_ssl_close_notify(&c->ssl);
    }
    c->port.close(c->port.ctx);
    c->connected = false;
}

void dbtok__tls_free(dbtok__state *c)
{
    mbedtls_ssl_free(&c->ssl);
    mbedtls_ssl_config_free(&c->ssl_conf);
    mbedtls_x509_crt_free(&c->ca_chain);
#if defined(MBEDTLS_CTR_DRBG_C)
    mbedtls_ctr_drbg_free(&c->drbg);
#endif
#if DBTOK_ENABLE_SESSION_RESUMPTION
    forget_session(c);
#endif
}

#if DBTOK_ENABLE_SESSION_RESUMPTION
/* The saved bytes: the port (2 bytes, big-endian), the host's length (1
 * byte) and its bytes, then mbedTLS's serialised session. */
#define SESSION_HEAD_MAX (3u + DBTOK_MAX_HOST_LEN)

static size_t session_head(const dbtok__state *c, uint8_t *out)
{
    size_t host_len = strlen(c->config.host);
    out[0] = (uint8_t)(c->config.port >> 8);
    out[1] = (uint8_t)(c->config.port & 0xffu);
    out[2] = (uint8_t)host_len;
    memcpy(out + 3, c->config.host, host_len);
    return 3u + host_len;
}

dbtok_err dbtok_session_save(const dbtok_client *client, uint8_t *buf, size_t cap, size_t *len)
{
    const dbtok__state *c = dbtok__cstate_of(client);
    uint8_t head[SESSION_HEAD_MAX];
    size_t head_len;
    size_t blob_len = 0;
    int ret;

    if (c == NULL || c->work == NULL || len == NULL || (buf == NULL && cap > 0) || !c->have_session) {
        return DBTOK_ERR_INVALID_ARG;
    }
    head_len = session_head(c, head);
    ret = mbedtls_ssl_session_save(&c->session, cap > head_len ? buf + head_len : NULL,
                                   cap > head_len ? cap - head_len : 0, &blob_len);
    *len = head_len + blob_len;
    if (ret == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL || cap < head_len) {
        if (buf != NULL) {
            mbedtls_platform_zeroize(buf, cap);
        }
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    if (ret != 0) {
        mbedtls_platform_zeroize(buf, cap);
        *len = 0;
        return DBTOK_ERR_CRYPTO;
    }
    memcpy(buf, head, head_len);
    return DBTOK_OK;
}

dbtok_err dbtok_session_load(dbtok_client *client, const uint8_t *buf, size_t len)
{
    dbtok__state *c = dbtok__state_of(client);
    uint8_t head[SESSION_HEAD_MAX];
    size_t head_len;

    if (c == NULL || c->work == NULL || buf == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    forget_session(c);
    head_len = session_head(c, head);
    /* Byte for byte: the session goes only where it was made, never to a
     * name that merely resolves to the same place. */
    if (len <= head_len || memcmp(buf, head, head_len) != 0) {
        return DBTOK_ERR_INVALID_ARG;
    }
    if (mbedtls_ssl_session_load(&c->session, buf + head_len, len - head_len) != 0) {
        forget_session(c);
        return DBTOK_ERR_INVALID_ARG;
    }
    c->have_session = true;
    return DBTOK_OK;
}
#endif
