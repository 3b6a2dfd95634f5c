/*
 * Only in dbtok_fw_measure.elf: what the statistics build of mbedTLS's allocator
 * needs besides the firmware. It reports a corrupted arena or a bad free (just before
 * it exits) with mbedtls_fprintf(stderr, ...), which dbtok_mbedtls_device.h turns into
 * dbtok_measure_fprintf.
 */
#include <stdio.h>

#include <mbedtls/build_info.h>

#include "semihost.h"

/* newlib's stderr is a field of the structure behind _impure_ptr, which lives in the
 * C library this firmware does not link: an empty one stands in, and the stream it
 * yields is ignored below. */
static struct _reent no_libc;
struct _reent *_impure_ptr = &no_libc;

int dbtok_measure_fprintf(void *stream, const char *format, ...)
{
    (void)stream;
    semihost_puts("dbtok-fw: mbedTLS allocator: ");
    semihost_puts(format);
    return 0;
}
