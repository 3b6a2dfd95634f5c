/*
 * Keeping two runs of the tool from rewriting the same secret's file at once
 * (rotate's --store FILE). The file itself is replaced atomically by the
 * POSIX port's dbtok_posix_replace_private_file() and read back by
 * cli_read_private_file() (cli_read_file.h).
 */
#ifndef CLI_LOCK_H
#define CLI_LOCK_H

/*
 * Take the lock of path: an exclusive POSIX lock on PATH.lock (created mode
 * 0600 when missing, never through a symbolic link), held until the returned
 * descriptor is closed or the process ends, a kill included. Returns the
 * descriptor, or -1 with errno set: EAGAIN or EACCES when another process
 * holds the lock.
 */
int cli_lock_beside(const char *path);

#endif /* CLI_LOCK_H */
