/*
 * Reset and exceptions for the mps2 firmware: the vector table, C runtime set-up
 * (.data copied from flash, .bss zeroed) and the stack measurement.
 *
 * The stack is painted with a pattern at reset; dbtok_fw_stack_peak() finds the
 * deepest word the program overwrote. Any fault ends the program through
 * semihosting with DBTOK_FW_EXIT_FAULT, so a test sees a crash as a failure rather
 * than a hang.
 */
#include <stdint.h>
#include <string.h>

#include <mbedtls/build_info.h>

#include "board.h"
#include "firmware.h"
#include "semihost.h"

/* Defined by mps2-an385.ld. */
extern uint32_t dbtok_fw_data_start[], dbtok_fw_data_end[], dbtok_fw_data_load[];
extern uint32_t dbtok_fw_bss_start[], dbtok_fw_bss_end[];
extern uint32_t dbtok_fw_stack_bottom[], dbtok_fw_stack_top[];

#define STACK_PAINT 0xDB70C5A5u
/* Words below the reset handler's own frame that painting leaves alone. */
#define PAINT_GAP_WORDS 16u

#define CPACR (*(volatile uint32_t *)0xE000ED88u)

void dbtok_fw_reset(void);

static void fault(void)
{
    semihost_puts("dbtok-fw: fault\n");
    semihost_exit(DBTOK_FW_EXIT_FAULT);
}

/* mbedTLS's allocator found its arena corrupted: a bug, end the run like a fault. */
void dbtok_mbedtls_exit(int status)
{
    (void)status;
    fault();
}

static uintptr_t stack_pointer(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

void dbtok_fw_reset(void)
{
    uint32_t *p;
    uint32_t *paint_end = (uint32_t *)stack_pointer() - PAINT_GAP_WORDS;

    memcpy(dbtok_fw_data_start, dbtok_fw_data_load,
           (size_t)((uintptr_t)dbtok_fw_data_end - (uintptr_t)dbtok_fw_data_start));
    memset(dbtok_fw_bss_start, 0, (size_t)((uintptr_t)dbtok_fw_bss_end - (uintptr_t)dbtok_fw_bss_start));
    for (p = dbtok_fw_stack_bottom; p < paint_end; p++) {
        *p = STACK_PAINT;
    }
#if defined(__ARM_FP)
    /* Hard-float code may use the FPU anywhere: grant access to CP10 and CP11 first. */
    CPACR |= 0xFu << 20;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    semihost_exit(dbtok_fw_main());
}

size_t dbtok_fw_stack_size(void)
{
    return (size_t)((uintptr_t)dbtok_fw_stack_top - (uintptr_t)dbtok_fw_stack_bottom);
}

size_t dbtok_fw_stack_peak(void)
{
    const uint32_t *p = dbtok_fw_stack_bottom;
    while (p < dbtok_fw_stack_top && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)dbtok_fw_stack_top - (uintptr_t)p);
}

typedef void (*handler)(void);

/* The Cortex-M vector table: initial stack pointer, then the exception and interrupt
 * handlers. Placed at address 0 by the linker script. */
static const struct {
    const void *initial_sp;
    handler exceptions[15];
    handler irqs[1];
} vectors __attribute__((section(".vectors"), used)) = {
    dbtok_fw_stack_top,
    {
        dbtok_fw_reset,        /* Reset */
        fault,                 /* NMI */
        fault,                 /* HardFault */
        fault,                 /* MemManage */
        fault,                 /* BusFault */
        fault,                 /* UsageFault */
        NULL, NULL, NULL, NULL, /* reserved */
        fault,                 /* SVCall */
        fault,                 /* DebugMonitor */
        NULL,                  /* reserved */
        fault,                 /* PendSV */
        mps2_systick_handler,  /* SysTick */
    },
    {
#if defined(DBTOK_FW_ETHERNET)
        fault,                 /* IRQ 0: UART0 RX, never enabled (the stream is on Ethernet) */
#else
        mps2_uart0_rx_handler, /* IRQ 0: UART0 RX */
#endif
    },
};
