/*
 * TEST ONLY: the board's flash for the record store (dbtok_flash_store.h), kept in a
 * host file reached through semihosting, since QEMU's mps2 boards have no flash
 * controller a program could erase or write. A real board's driver calls its flash
 * controller (or HAL) instead, in the same three functions.
 *
 * Pages are MPS2_FLASH_PAGE_SIZE bytes. An erase writes the page with 0xFF and a
 * program writes the bytes given, each one host write; after every program the
 * firmware prints "dbtok-fw: flash page-write=N offset=OFFSET" (N counting from 1 in
 * this boot), so that a test can cut the power there. With a gate, it then waits for
 * one byte from the gate (a host FIFO) before it goes on: a test that wants the cut
 * after write N kills QEMU instead of sending that byte, and the cut lands exactly
 * between two page writes.
 */
#ifndef DBTOK_FW_FLASH_SEMIHOST_H
#define DBTOK_FW_FLASH_SEMIHOST_H

#include <stdint.h>

#include "dbtok_flash_store.h"

/* A common small-page size (many Cortex-M0+ parts): two pages per slot, so that a
 * cut between them tears a slot. */
#define MPS2_FLASH_PAGE_SIZE 256u

typedef struct {
    dbtok_flash flash;    /* what dbtok_flash_store_init() takes */
    int file;             /* semihosting handle of the host file */
    int gate;             /* semihosting handle of the gate, or -1 */
    uint32_t page_writes; /* programs in this boot */
} mps2_flash;

/* Open the host file at path as the flash, creating it when missing (a new device:
 * everything reads erased); with gate_path (NULL for none), open the gate too. Both
 * strings are read during the call only. Returns 0, or -1 when either cannot be
 * opened. */
int mps2_flash_open(mps2_flash *f, const char *path, const char *gate_path);

/* Close what mps2_flash_open() opened. */
void mps2_flash_close(mps2_flash *f);

#endif /* DBTOK_FW_FLASH_SEMIHOST_H */
