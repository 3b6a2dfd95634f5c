/*
 * Reading a settings file whole (the profile file, a CA bundle) without ever
 * waiting on it: what the tool reads before anything is sent must not block
 * past --timeout, nor allocate.
 */
#ifndef CLI_READ_FILE_H
#define CLI_READ_FILE_H

#include <stddef.h>

/* Result of cli_read_file(). */
typedef enum {
    CLI_FILE_OK = 0,
    CLI_FILE_MISSING = 1,       /* no such file (ENOENT, ENOTDIR) */
    CLI_FILE_UNREADABLE = -1,   /* open or read failed: errno says why */
    CLI_FILE_TOO_BIG = -2,      /* more than cap bytes */
    CLI_FILE_NOT_REGULAR = -3,  /* a FIFO, socket, device or folder */
    CLI_FILE_LINK = -4,         /* cli_read_private_file(): a symbolic link */
    CLI_FILE_OPEN_TO_OTHERS = -5 /* cli_read_private_file(): its group or others have access */
} cli_file_result;

/*
 * Read the whole of a settings file (the profile file, a CA bundle) into
 * buf[0..cap) and set *len; no NUL is appended.
 *
 * Only a regular file is read, and /dev/null as an empty one: a FIFO would
 * block until some writer came (past any --timeout, since nothing has been
 * sent yet), a terminal would wait for typing, and a device such as
 * /dev/zero never ends. The file is opened with O_NONBLOCK and checked with
 * fstat() on the open descriptor, so opening a FIFO cannot block either and
 * nothing can be swapped in between the check and the read.
 */
cli_file_result cli_read_file(const char *path, char *buf, size_t cap, size_t *len);

/*
 * Read a file that holds a secret (rotate's --store FILE), as cli_read_file()
 * does, but stricter: a symbolic link is refused (CLI_FILE_LINK: opened with
 * O_NOFOLLOW, so none can be swapped in), /dev/null is not taken for an empty
 * file, and neither is a file its group or others may read, write or run
 * (CLI_FILE_OPEN_TO_OTHERS: a token there may be anyone's already). The same
 * rule as the POSIX port's store file (dbtok_posix_store_init()).
 */
cli_file_result cli_read_private_file(const char *path, char *buf, size_t cap, size_t *len);

#endif /* CLI_READ_FILE_H */
