/*
 * TEST ONLY: flash pages in a host file. See flash_semihost.h.
 */
#include "flash_semihost.h"

#include <string.h>

#include "semihost.h"

/* Bytes of 0xFF written per host call of an erase. */
#define ERASE_CHUNK 64u

static void say_page_write(const mps2_flash *f, uint32_t offset)
{
    semihost_puts("dbtok-fw: flash page-write=");
    semihost_put_uint(f->page_writes);
    semihost_puts(" offset=");
    semihost_put_uint(offset);
    semihost_puts("\n");
}

/* Bytes past the end of the file were never written: they read erased. */
static int flash_read(void *ctx, uint32_t offset, uint8_t *buf, size_t len)
{
    mps2_flash *f = ctx;
    int n;
    if (semihost_seek(f->file, offset) != 0) {
        return -1;
    }
    n = semihost_read(f->file, buf, len);
    if (n < 0) {
        return -1;
    }
    memset(buf + n, 0xFF, len - (size_t)n);
    return 0;
}

static int flash_erase(void *ctx, uint32_t offset)
{
    mps2_flash *f = ctx;
    uint8_t erased[ERASE_CHUNK];
    uint32_t done;

    memset(erased, 0xFF, sizeof erased);
    if (semihost_seek(f->file, offset) != 0) {
        return -1;
    }
    for (done = 0; done < MPS2_FLASH_PAGE_SIZE; done += ERASE_CHUNK) {
        if (semihost_write_file(f->file, erased, sizeof erased) != 0) {
            return -1;
        }
    }
    return 0;
}

static int flash_program(void *ctx, uint32_t offset, const uint8_t *buf, size_t len)
{
    mps2_flash *f = ctx;
    uint8_t go;

    if (semihost_seek(f->file, offset) != 0 || semihost_write_file(f->file, buf, len) != 0) {
        return -1;
    }
    f->page_writes++;
    say_page_write(f, offset);
    if (f->gate >= 0 && semihost_read(f->gate, &go, 1) != 1) {
        return -1;
    }
    return 0;
}

int mps2_flash_open(mps2_flash *f, const char *path, const char *gate_path)
{
    memset(f, 0, sizeof *f);
    f->gate = -1;
    f->file = semihost_open(path, SEMIHOST_OPEN_RPLUSB);
    if (f->file < 0) {
        f->file = semihost_open(path, SEMIHOST_OPEN_WPLUSB);
    }
    if (f->file < 0) {
        return -1;
    }
    if (gate_path != NULL) {
        f->gate = semihost_open(gate_path, SEMIHOST_OPEN_RB);
        if (f->gate < 0) {
            semihost_close(f->file);
            return -1;
        }
    }
    f->flash.ctx = f;
    f->flash.page_size = MPS2_FLASH_PAGE_SIZE;
    f->flash.read = flash_read;
    f->flash.erase = flash_erase;
    f->flash.program = flash_program;
    return 0;
}

void mps2_flash_close(mps2_flash *f)
{
    if (f->gate >= 0) {
        semihost_close(f->gate);
    }
    semihost_close(f->file);
}
