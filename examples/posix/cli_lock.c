/*
 * cli_lock_beside() (see cli_lock.h): an fcntl() lock, no heap.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli_settings.h"

/* path + suffix into out; -1 (ENAMETOOLONG) when it does not fit. */
static int path_with(char *out, size_t cap, const char *path, const char *suffix)
{
    int n = snprintf(out, cap, "%s%s", path, suffix);
    if (n < 0 || (size_t)n >= cap) {
        errno = ENAMETOOLONG;
        return -1;
    }
    return 0;
}

int cli_lock_beside(const char *path)
{
    char lock_path[CLI_PATH_MAX];
    struct flock fl;
    int fd, saved;

    if (path_with(lock_path, sizeof lock_path, path, ".lock") != 0) {
        return -1;
    }
    fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        return -1;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(fd, F_SETLK, &fl) != 0) {
        saved = errno;
        (void)close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}
