/*
 * lwIP's compiler and platform header for dbtok's firmware (arm-none-eabi-gcc on
 * Cortex-M, or any gcc or clang target without a C library beyond mem* and str*).
 *
 * What the integrator supplies (port/lwip/README.md):
 *   u32_t sys_now(void)           lwIP's NO_SYS clock, free-running milliseconds
 *   uint32_t dbtok_lwip_rand(void) random numbers from the board's TRNG (TCP initial
 *                                 sequence numbers and ports, DHCP transaction ids)
 */
#ifndef DBTOK_LWIP_ARCH_CC_H
#define DBTOK_LWIP_ARCH_CC_H

#include <stdint.h>

/* lwIP's own character tests instead of <ctype.h>, whose tables live in the C library
 * the firmware does not link. */
#define LWIP_NO_CTYPE_H 1

uint32_t dbtok_lwip_rand(void);
#define LWIP_RAND() dbtok_lwip_rand()

/* Diagnostics would need printf: there are none (LWIP_DEBUG is off). A failed
 * assertion is a bug in lwIP's use: stop at a fault (the firmware's fault handler
 * reports it and ends the run; a deployed board resets) rather than go on with
 * corrupted state. The message is not kept, so its text costs no flash. */
#define LWIP_PLATFORM_DIAG(x) do { } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { (void)(x); __builtin_trap(); } while (0)

#endif /* DBTOK_LWIP_ARCH_CC_H */
