/*
 * Arm semihosting: the debugger (here QEMU) performs I/O on the firmware's behalf.
 * The firmware uses it for what a test needs from the host and a real board would
 * get elsewhere: its settings and CA bundle (from flash or a provisioning channel),
 * console output (a debug UART), the wall clock (an RTC), entropy (a TRNG), and an
 * exit code (a real board reboots or sleeps).
 */
#ifndef DBTOK_FW_SEMIHOST_H
#define DBTOK_FW_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* SYS_OPEN modes (ISO C fopen: 1 "rb", 3 "r+b", 7 "w+b"). */
#define SEMIHOST_OPEN_RB 1
#define SEMIHOST_OPEN_RPLUSB 3
#define SEMIHOST_OPEN_WPLUSB 7

/* Text to the host's stderr. */
void semihost_write(const char *text, size_t len);
void semihost_puts(const char *text);
void semihost_put_uint(uint32_t value);
void semihost_put_int(int32_t value);

/* The command line QEMU was given with -semihosting-config arg=...; returns its
 * length (NUL-terminated in buf), or -1 when it does not fit. */
int semihost_cmdline(char *buf, size_t cap);

/* A host file: handle >= 0 or -1; bytes read (short at end of file) or -1; 0 once all
 * of buf is written (or the position set), -1 otherwise. */
int semihost_open(const char *path, int mode);
int semihost_read(int handle, uint8_t *buf, size_t len);
int semihost_write_file(int handle, const uint8_t *buf, size_t len);
int semihost_seek(int handle, uint32_t offset);
void semihost_close(int handle);

/* The host's clock, in seconds since 1970. */
int64_t semihost_time(void);

/* End the program; QEMU exits with code. */
void semihost_exit(uint32_t code) __attribute__((noreturn));

#endif /* DBTOK_FW_SEMIHOST_H */
