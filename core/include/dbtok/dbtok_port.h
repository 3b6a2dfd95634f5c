/**
 * @file
 * The contract a platform port implements for dbtok.
 *
 * The core never calls an operating system: every socket, clock, random
 * byte and log line reaches it through this table. A port is a plain struct
 * of function pointers plus one opaque context pointer handed back on every
 * call. dbtok copies the struct in dbtok_init(); the memory behind `ctx`
 * must stay valid until dbtok_close() returns.
 *
 * All functions are called from the thread that called into dbtok; none is
 * called re-entrantly.
 */
#ifndef DBTOK_PORT_H
#define DBTOK_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Negative results of the transport functions. Anything else negative is
 * treated as DBTOK_PORT_ERR_IO. */
#define DBTOK_PORT_ERR_DNS (-1)     /**< host name did not resolve */
#define DBTOK_PORT_ERR_CONNECT (-2) /**< refused, unreachable, no route */
#define DBTOK_PORT_ERR_TIMEOUT (-3) /**< the given timeout passed */
#define DBTOK_PORT_ERR_IO (-4)      /**< reset or any other transport failure */

/** The one level dbtok passes to dbtok_port.log: request and response lines
 * and bodies, secrets redacted (DBTOK_ENABLE_TRACE). */
#define DBTOK_LOG_TRACE 3

/** The port: what dbtok needs from the platform, as function pointers and one
 * context. Filled by the caller (or dbtok_posix_port_init()) and copied by
 * dbtok_init(). */
typedef struct dbtok_port {
    /** Handed back as the first argument of every function below. */
    void *ctx;

    /**
     * Open a byte stream to host:port (host is a NUL-terminated name or
     * address, at most DBTOK_MAX_HOST_LEN bytes). Return 0, or
     * DBTOK_PORT_ERR_DNS / _CONNECT / _TIMEOUT. Only one stream is open at a
     * time: dbtok calls close() before connecting again.
     */
    int (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);

    /** Send up to len bytes; return how many were accepted (> 0), or
     * DBTOK_PORT_ERR_TIMEOUT / DBTOK_PORT_ERR_IO. Never raise SIGPIPE. */
    int (*send)(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms);

    /** Receive up to len bytes; return how many arrived (> 0), 0 when the peer
     * closed the stream in order, or DBTOK_PORT_ERR_TIMEOUT / _IO. A
     * timeout_ms of 0 must not block: it answers whether bytes (or an orderly
     * close) are already waiting, returning DBTOK_PORT_ERR_TIMEOUT if not. */
    int (*recv)(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms);

    /** Close the stream. Called at most once per successful connect(). */
    void (*close)(void *ctx);

    /** Milliseconds from any fixed origin; must never go backwards. */
    uint64_t (*now_ms)(void *ctx);

    /** Fill buf with len bytes from a cryptographically secure source; return
     * 0, or non-zero when the source failed (the handshake then fails). */
    int (*entropy)(void *ctx, uint8_t *buf, size_t len);

    /**
     * Optional (may be NULL): seconds since 1970-01-01 UTC. When present, the
     * validity dates of every certificate in the server's chain are checked
     * against it. A device without a trustworthy wall clock leaves it NULL:
     * notAfter is then checked against config.time_floor_s and the time
     * learned from the service (dbtok_trusted_time_s()), notBefore not at all.
     */
    int64_t (*unix_time)(void *ctx);

    /**
     * Optional (may be NULL): wait ms milliseconds. dbtok waits between the
     * attempts of a retried call (429, 503, a refused connection); without it
     * a call is tried once.
     */
    void (*sleep_ms)(void *ctx, uint32_t ms);

    /**
     * Optional (may be NULL): diagnostic text. A message may arrive in several
     * fragments; it is complete when a fragment ends in '\n'. dbtok never
     * passes the bearer token or a token value here.
     */
    void (*log)(void *ctx, int level, const char *text, size_t len);
} dbtok_port;

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_PORT_H */
