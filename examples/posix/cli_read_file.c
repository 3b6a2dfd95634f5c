/*
 * cli_read_file() (see cli_read_file.h): open()/read() into the caller's
 * buffer, nothing else; stdio would allocate.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_read_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <unistd.h>

/* Whether the open descriptor's file is /dev/null (by device number, so a
 * symbolic link to it counts too). */
static bool is_dev_null(const struct stat *st)
{
    struct stat null_st;
    return S_ISCHR(st->st_mode) && stat("/dev/null", &null_st) == 0 && S_ISCHR(null_st.st_mode) &&
           null_st.st_rdev == st->st_rdev;
}

cli_file_result cli_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    struct stat st;
    size_t fill = 0;
    int fd, saved, flags;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) {
        return (errno == ENOENT || errno == ENOTDIR) ? CLI_FILE_MISSING : CLI_FILE_UNREADABLE;
    }
    if (fstat(fd, &st) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return CLI_FILE_UNREADABLE;
    }
    if (!S_ISREG(st.st_mode)) {
        bool empty = is_dev_null(&st);
        (void)close(fd);
        if (empty) {
            *len = 0;
            return CLI_FILE_OK;
        }
        return CLI_FILE_NOT_REGULAR;
    }
    /* A regular file never blocks, but some file systems would still answer
     * EAGAIN with O_NONBLOCK set; the read loop below expects blocking reads. */
    flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    for (;;) {
        ssize_t got;
        if (fill == cap) {
            char probe;
            do {
                got = read(fd, &probe, 1);
            } while (got < 0 && errno == EINTR);
            (void)close(fd);
            if (got == 0) {
                *len = fill;
                return CLI_FILE_OK;
            }
            return CLI_FILE_TOO_BIG;
        }
        got = read(fd, buf + fill, cap - fill);
        if (got < 0 && errno == EINTR) {
            continue;
        }
        if (got < 0) {
            saved = errno;
            (void)close(fd);
            errno = saved;
            return CLI_FILE_UNREADABLE;
        }
        if (got == 0) {
            break;
        }
        fill += (size_t)got;
    }
    (void)close(fd);
    *len = fill;
    return CLI_FILE_OK;
}
