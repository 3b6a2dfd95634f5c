/*
 * The record store of dbtok_store.h over flash pages: slot k is a run of
 * whole pages of its own, erased and programmed page by page, so that erasing
 * one slot can never touch the other. A board provides the flash driver
 * below (its erase and program primitives, as a HAL has them); this file
 * maps the two slots onto its pages and checks what was programmed.
 *
 * A power cut while a slot is written leaves that slot torn (some pages new,
 * one erased or half programmed, the rest old); the record's CRC tells, and
 * dbtok_store_load() takes the other slot. Nothing else is ever erased.
 *
 * No heap, no globals: the state is the caller's dbtok_flash_store.
 */
#ifndef DBTOK_FLASH_STORE_H
#define DBTOK_FLASH_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The flash a board lends the store. Offsets are bytes from the start of the
 * driver's region (the driver adds its base address). */
typedef struct {
    void *ctx;          /* handed back to every function below */
    uint32_t page_size; /* bytes one erase clears; a program stays within one page */

    /* Copy len bytes at offset into buf. 0, or -1 when they cannot be read. */
    int (*read)(void *ctx, uint32_t offset, uint8_t *buf, size_t len);

    /* Erase the page that starts at offset (a multiple of page_size). 0 once it
     * is erased, -1 otherwise. */
    int (*erase)(void *ctx, uint32_t offset);

    /* Program len bytes (1 to page_size, a multiple of the flash's write unit
     * unless it is the record's end) of buf at offset, the start of a page
     * just erased. 0 once the driver is done with them, -1 otherwise; the
     * store reads them back before it counts them written. */
    int (*program)(void *ctx, uint32_t offset, const uint8_t *buf, size_t len);
} dbtok_flash;

/* Bytes of flash one slot takes with pages of page_size bytes: whole pages. */
#define DBTOK_FLASH_STORE_SLOT_SPAN(page_size) \
    ((((uint32_t)DBTOK_STORE_SLOT_SIZE + (uint32_t)(page_size) - 1u) / (uint32_t)(page_size)) * (uint32_t)(page_size))
/* Bytes of flash the store takes from its base: two slots. */
#define DBTOK_FLASH_STORE_SPAN(page_size) (2u * DBTOK_FLASH_STORE_SLOT_SPAN(page_size))

/* The store's state; one per store, owned by the caller. */
typedef struct {
    const dbtok_flash *flash;
    uint32_t base;      /* slot 0's first page */
    uint32_t slot_span; /* DBTOK_FLASH_STORE_SLOT_SPAN(flash->page_size) */
} dbtok_flash_store;

/*
 * Fill *store with a dbtok_store over DBTOK_FLASH_STORE_SPAN(page_size) bytes
 * of flash from base: slot 0, then slot 1. state, and flash, must outlive the
 * store. Returns 0, or -1 (store untouched) when an argument is NULL, a
 * function of flash is missing, page_size is 0 or base is not the start of a
 * page.
 */
int dbtok_flash_store_init(dbtok_flash_store *state, const dbtok_flash *flash, uint32_t base, dbtok_store *store);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_FLASH_STORE_H */
