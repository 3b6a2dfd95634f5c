/*
 * Arm semihosting calls. See semihost.h.
 *
 * On M-profile cores a call is BKPT 0xAB with the operation in r0 and a pointer to
 * its parameter block in r1; the result comes back in r0. Without a debugger or QEMU
 * attached, BKPT faults: these calls are for tests, never for a deployed board.
 */
#include "semihost.h"

#include <string.h>

#define SYS_OPEN 0x01
#define SYS_CLOSE 0x02
#define SYS_WRITE0 0x04
#define SYS_WRITE 0x05
#define SYS_READ 0x06
#define SYS_SEEK 0x0A
#define SYS_TIME 0x11
#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int32_t call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

static uint32_t word(const void *p)
{
    return (uint32_t)(uintptr_t)p;
}

void semihost_write(const char *text, size_t len)
{
    /* SYS_WRITE0 takes NUL-terminated text: pass it on in pieces. */
    char piece[65];
    while (len > 0) {
        size_t n = len < sizeof piece - 1 ? len : sizeof piece - 1;
        memcpy(piece, text, n);
        piece[n] = '\0';
        (void)call(SYS_WRITE0, piece);
        text += n;
        len -= n;
    }
}

void semihost_puts(const char *text)
{
    semihost_write(text, strlen(text));
}

void semihost_put_uint(uint32_t value)
{
    char digits[10];
    size_t n = 0;
    do {
        digits[sizeof digits - 1 - n] = (char)('0' + value % 10u);
        value /= 10u;
        n++;
    } while (value != 0);
    semihost_write(digits + sizeof digits - n, n);
}

void semihost_put_int(int32_t value)
{
    if (value < 0) {
        semihost_write("-", 1);
        semihost_put_uint(0u - (uint32_t)value);
    } else {
        semihost_put_uint((uint32_t)value);
    }
}

int semihost_cmdline(char *buf, size_t cap)
{
    uint32_t block[2];
    block[0] = word(buf);
    block[1] = (uint32_t)cap;
    if (cap == 0 || call(SYS_GET_CMDLINE, block) != 0 || block[1] >= cap) {
        return -1;
    }
    buf[block[1]] = '\0';
    return (int)block[1];
}

int semihost_open(const char *path, int mode)
{
    uint32_t block[3];
    int32_t handle;
    block[0] = word(path);
    block[1] = (uint32_t)mode;
    block[2] = (uint32_t)strlen(path);
    handle = call(SYS_OPEN, block);
    return handle < 0 ? -1 : (int)handle;
}

int semihost_read(int handle, uint8_t *buf, size_t len)
{
    uint32_t block[3];
    int32_t not_read;
    block[0] = (uint32_t)handle;
    block[1] = word(buf);
    block[2] = (uint32_t)len;
    not_read = call(SYS_READ, block);
    if (not_read < 0 || (uint32_t)not_read > len) {
        return -1;
    }
    return (int)(len - (uint32_t)not_read);
}

int semihost_write_file(int handle, const uint8_t *buf, size_t len)
{
    uint32_t block[3];
    block[0] = (uint32_t)handle;
    block[1] = word(buf);
    block[2] = (uint32_t)len;
    /* The result is the count of bytes not written. */
    return call(SYS_WRITE, block) == 0 ? 0 : -1;
}

int semihost_seek(int handle, uint32_t offset)
{
    uint32_t block[2];
    block[0] = (uint32_t)handle;
    block[1] = offset;
    return call(SYS_SEEK, block) == 0 ? 0 : -1;
}

void semihost_close(int handle)
{
    uint32_t block[1];
    block[0] = (uint32_t)handle;
    (void)call(SYS_CLOSE, block);
}

int64_t semihost_time(void)
{
    /* Unsigned: the 32-bit count lasts until 2106. */
    return (int64_t)(uint32_t)call(SYS_TIME, NULL);
}

void semihost_exit(uint32_t code)
{
    uint32_t block[2];
    block[0] = ADP_STOPPED_APPLICATION_EXIT;
    block[1] = code;
    for (;;) {
        (void)call(SYS_EXIT_EXTENDED, block);
    }
}
