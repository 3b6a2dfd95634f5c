/*
 * cli_read_file() and cli_read_private_file() (see cli_read_file.h):
 * open()/read() into the caller's buffer, nothing else; stdio would allocate.
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

/* Read the rest of fd (a regular file, blocking) into buf[0..cap), closing fd. */
static cli_file_result read_whole(int fd, char *buf, size_t cap, size_t *len)
{
    size_t fill = 0;
    int saved;
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

/* open() with O_NONBLOCK (a FIFO cannot block it), then fstat() of what was
 * opened; -1 with errno set when either fails. */
static int open_checked(const char *path, int extra_flags, struct stat *st)
{
    int fd, saved;
    do {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | extra_flags);
    } while (fd < 0 && errno == EINTR);
    if (fd >= 0 && fstat(fd, st) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* A regular file never blocks, but some file systems would still answer
 * EAGAIN with O_NONBLOCK set; read_whole() expects blocking reads. */
static void make_blocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0) {
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
}

cli_file_result cli_read_file(const char *path, char *buf, size_t cap, size_t *len)
{
    struct stat st;
    int fd = open_checked(path, 0, &st);
    if (fd < 0) {
        return (errno == ENOENT || errno == ENOTDIR) ? CLI_FILE_MISSING : CLI_FILE_UNREADABLE;
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
    make_blocking(fd);
    return read_whole(fd, buf, cap, len);
}

cli_file_result cli_read_private_file(const char *path, char *buf, size_t cap, size_t *len)
{
    struct stat st;
    int fd = open_checked(path, O_NOFOLLOW, &st);
    if (fd < 0) {
        return errno == ENOENT ? CLI_FILE_MISSING : errno == ELOOP ? CLI_FILE_LINK : CLI_FILE_UNREADABLE;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
        (void)close(fd);
        return S_ISREG(st.st_mode) ? CLI_FILE_OPEN_TO_OTHERS : CLI_FILE_NOT_REGULAR;
    }
    make_blocking(fd);
    return read_whole(fd, buf, cap, len);
}
