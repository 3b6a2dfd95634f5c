/**
 * @file
 * dbtok's POSIX port: BSD sockets (IPv4 and IPv6 through getaddrinfo),
 * connect and I/O with poll() timeouts, EINTR retried, no SIGPIPE, the
 * monotonic clock, getrandom() entropy, the wall clock for certificate dates,
 * nanosleep() between retries, and an optional log on stderr.
 */
#ifndef DBTOK_POSIX_H
#define DBTOK_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_port.h"
#include "dbtok/dbtok_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The CA bundle Debian and most Linux distributions ship. */
#define DBTOK_POSIX_DEFAULT_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/** Caller-owned state behind the port; one per client. */
typedef struct {
    int fd;        /**< -1 when closed */
    int log_level; /**< messages at or below this level go to stderr; 0 = none */
} dbtok_posix_ctx;

/** Fill *port with the POSIX functions bound to ctx. log_level 0 disables the
 * log, DBTOK_LOG_TRACE shows requests and responses (secrets redacted). */
void dbtok_posix_port_init(dbtok_posix_ctx *ctx, dbtok_port *port, int log_level);

/**
 * Read a whole file (a PEM bundle) into buf and append a NUL, as mbedTLS
 * wants for PEM. On success returns 0 and *len counts the NUL. Returns -1
 * when the file cannot be read (errno set) and -2 when it does not fit in cap.
 */
int dbtok_posix_read_file(const char *path, uint8_t *buf, size_t cap, size_t *len);

/**
 * Replace path's contents with buf[0..len), for a file that holds a secret:
 * PATH.tmp is created anew (mode 0600 whatever the umask, never through a
 * symbolic link; one a cut left behind is removed first), written, fsync'd
 * and renamed over path, and then the directory is fsync'd so that the
 * rename itself survives a power cut. The rename is atomic: whatever
 * interrupts this, path holds the old contents or the new ones, whole.
 * Returns 0 once the new contents are durable, or -1 with errno set: path
 * then holds the old contents (PATH.tmp removed when it can be), or, when
 * only the directory's fsync failed, the new ones, which a power cut may
 * still undo.
 */
int dbtok_posix_replace_private_file(const char *path, const void *buf, size_t len);

/** Caller-owned state behind dbtok_posix_store_init()'s store. */
typedef struct {
    const char *path; /**< the file; must outlive the store */
} dbtok_posix_store_ctx;

/**
 * A dbtok_store (dbtok_store.h) over one file of both slots, 1 KiB, mode
 * 0600. A write replaces the whole file (dbtok_posix_replace_private_file()),
 * so a cut leaves the old file or the new one, and a write reports success
 * only once it is durable.
 * A missing file reads as an empty store. A file that is not a regular file
 * (a symlink included) or that its group or others may access is refused
 * (the store's calls return -1: DBTOK_ERR_STORAGE), as a secret's file
 * should be. ctx and path must outlive *store.
 */
void dbtok_posix_store_init(dbtok_posix_store_ctx *ctx, const char *path, dbtok_store *store);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_POSIX_H */
