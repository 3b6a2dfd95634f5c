/*
 * dbtok_store over one file of two slots (dbtok_posix.h). A slot is written
 * by writing the whole file anew beside it (PATH.tmp, mode 0600), fsync'ing
 * it, renaming it over PATH and fsync'ing the directory: the file is always
 * one or the other whole, so the A/B slots are there for the contract and
 * for media that tear (flash), not for this one.
 */
#define _GNU_SOURCE /* O_DIRECTORY, O_NOFOLLOW, O_CLOEXEC */

#include "dbtok_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FILE_SIZE ((size_t)2 * DBTOK_STORE_SLOT_SIZE)

static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

/* The whole file into buf (FILE_SIZE bytes), zeros where it is missing or
 * short. -1 when it cannot be read, or is open to anyone but its owner: a
 * token there would be anyone's. */
static int read_file(const char *path, uint8_t *buf)
{
    struct stat st;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    memset(buf, 0, FILE_SIZE);
    if (fd < 0) {
        return errno == ENOENT ? 0 : -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        (void)close(fd);
        return -1;
    }
    while (got < FILE_SIZE) {
        ssize_t n = read(fd, buf + got, FILE_SIZE - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            (void)close(fd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        got += (size_t)n;
    }
    (void)close(fd);
    return 0;
}

static int store_read(void *ctx, unsigned slot, uint8_t *buf, size_t len)
{
    const dbtok_posix_store_ctx *c = ctx;
    uint8_t file[FILE_SIZE];
    int rc;
    if (slot > 1 || len != DBTOK_STORE_SLOT_SIZE) {
        return -1;
    }
    rc = read_file(c->path, file);
    if (rc == 0) {
        memcpy(buf, file + (size_t)slot * DBTOK_STORE_SLOT_SIZE, len);
    }
    wipe(file, sizeof file);
    return rc;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            if (w == 0) {
                errno = EIO;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* fsync the directory holding path, so that the rename itself is durable. */
static int sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;
    int rc;
    int saved;
    if (slash == NULL) {
        (void)snprintf(dir, sizeof dir, ".");
    } else if ((size_t)(slash - path) < sizeof dir) {
        (void)snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    } else {
        errno = ENAMETOOLONG;
        return -1;
    }
    fd = open(dir, O_RDONLY | O_CLOEXEC | O_DIRECTORY);
    if (fd < 0) {
        return -1;
    }
    rc = fsync(fd);
    saved = errno;
    (void)close(fd);
    errno = saved;
    return rc;
}

int dbtok_posix_replace_private_file(const char *path, const void *buf, size_t len)
{
    char tmp[PATH_MAX];
    int n = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd;
    int rc;
    int saved;

    if (n < 0 || (size_t)n >= sizeof tmp) {
        errno = ENAMETOOLONG;
        return -1;
    }
    /* What a cut left behind is the one thing replaced: never followed or reused. */
    if (unlink(tmp) != 0 && errno != ENOENT) {
        return -1;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -1;
    }
    /* fchmod: the mode open() sets is masked by the umask. */
    rc = fchmod(fd, 0600) == 0 && write_all(fd, buf, len) == 0 && fsync(fd) == 0 ? 0 : -1;
    saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        (void)unlink(tmp);
        errno = saved;
        return -1;
    }
    return sync_dir(path);
}

static int store_write(void *ctx, unsigned slot, const uint8_t *buf, size_t len)
{
    const dbtok_posix_store_ctx *c = ctx;
    uint8_t file[FILE_SIZE];
    int rc = -1;

    if (slot <= 1 && len == DBTOK_STORE_SLOT_SIZE && read_file(c->path, file) == 0) {
        memcpy(file + (size_t)slot * DBTOK_STORE_SLOT_SIZE, buf, len);
        rc = dbtok_posix_replace_private_file(c->path, file, sizeof file);
    }
    wipe(file, sizeof file);
    return rc;
}

void dbtok_posix_store_init(dbtok_posix_store_ctx *ctx, const char *path, dbtok_store *store)
{
    ctx->path = path;
    store->ctx = ctx;
    store->read = store_read;
    store->write = store_write;
}
