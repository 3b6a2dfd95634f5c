/*
 * The record store over flash pages. See dbtok_flash_store.h.
 */
#include "dbtok_flash_store.h"

#include <string.h>

/* Bytes read back per comparison: a small stack buffer, not a page. */
#define VERIFY_CHUNK 32u

static int flash_slot_read(void *ctx, unsigned slot, uint8_t *buf, size_t len)
{
    const dbtok_flash_store *s = ctx;
    if (slot > 1u || len > s->slot_span) {
        return -1;
    }
    return s->flash->read(s->flash->ctx, s->base + slot * s->slot_span, buf, len) == 0 ? 0 : -1;
}

/* Whether the len bytes at offset read back as buf: a program that silently
 * failed (a worn page, a driver that returns early) must not count as
 * durable. */
static int verify(const dbtok_flash *f, uint32_t offset, const uint8_t *buf, size_t len)
{
    uint8_t back[VERIFY_CHUNK];
    volatile uint8_t *wipe = back;
    size_t k;
    int diff = 0;
    while (len > 0 && diff == 0) {
        size_t n = len < sizeof back ? len : sizeof back;
        diff = f->read(f->ctx, offset, back, n) != 0 || memcmp(back, buf, n) != 0;
        offset += (uint32_t)n;
        buf += n;
        len -= n;
    }
    /* back may hold a token's bytes; the volatile stores are kept. */
    for (k = 0; k < sizeof back; k++) {
        wipe[k] = 0;
    }
    return diff == 0 ? 0 : -1;
}

/* Page by page, each erased, programmed and read back before the next: a
 * cut leaves the pages before it new and those after it old, so only this
 * slot can be torn. */
static int flash_slot_write(void *ctx, unsigned slot, const uint8_t *buf, size_t len)
{
    const dbtok_flash_store *s = ctx;
    const dbtok_flash *f = s->flash;
    uint32_t offset = s->base + slot * s->slot_span;

    if (slot > 1u || len > s->slot_span) {
        return -1;
    }
    while (len > 0) {
        size_t n = len < f->page_size ? len : f->page_size;
        if (f->erase(f->ctx, offset) != 0 || f->program(f->ctx, offset, buf, n) != 0 ||
            verify(f, offset, buf, n) != 0) {
            return -1;
        }
        offset += f->page_size;
        buf += n;
        len -= n;
    }
    return 0;
}

int dbtok_flash_store_init(dbtok_flash_store *state, const dbtok_flash *flash, uint32_t base, dbtok_store *store)
{
    if (state == NULL || flash == NULL || store == NULL || flash->read == NULL || flash->erase == NULL ||
        flash->program == NULL || flash->page_size == 0 || base % flash->page_size != 0) {
        return -1;
    }
    state->flash = flash;
    state->base = base;
    state->slot_span = DBTOK_FLASH_STORE_SLOT_SPAN(flash->page_size);
    store->ctx = state;
    store->read = flash_slot_read;
    store->write = flash_slot_write;
    return 0;
}
