/*
 * Unit tests of the record store over flash pages (port/baremetal/dbtok_flash_store.c),
 * on the host, over a fake NOR flash: an erase sets a page to 0xFF, a program can
 * only clear bits (so a page programmed without its erase reads wrong), and the
 * power can go after any number of operations (the rest never happen) or a program
 * can silently write something else. With core/src/store.c on top, as a device uses
 * it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "dbtok_flash_store.h"

#define FLASH_BYTES 8192u
#define MAX_OPS 64u

typedef struct {
    uint8_t mem[FLASH_BYTES];
    uint32_t page_size;
    unsigned ops_left;   /* operations until the power goes; UINT32_MAX: never */
    bool powered;
    bool fail_read;
    bool fail_erase;
    bool program_flips;  /* programs write one bit wrong and say they did fine */
    char log[MAX_OPS][16]; /* "e OFFSET" and "p OFFSET LEN", in order */
    unsigned n_log;
} fake_flash;

static bool operation(fake_flash *f, const char *kind, uint32_t offset, size_t len)
{
    if (!f->powered) {
        return false;
    }
    if (f->ops_left == 0) {
        f->powered = false;
        return false;
    }
    f->ops_left--;
    if (f->n_log < MAX_OPS) {
        (void)snprintf(f->log[f->n_log++], sizeof f->log[0], "%s %u %u", kind, (unsigned)offset, (unsigned)len);
    }
    return true;
}

static int f_read(void *ctx, uint32_t offset, uint8_t *buf, size_t len)
{
    fake_flash *f = ctx;
    if (f->fail_read || offset + len > FLASH_BYTES) {
        return -1;
    }
    memcpy(buf, f->mem + offset, len);
    return 0;
}

static int f_erase(void *ctx, uint32_t offset)
{
    fake_flash *f = ctx;
    assert_int_equal(offset % f->page_size, 0);
    assert_true(offset + f->page_size <= FLASH_BYTES);
    if (f->fail_erase || !operation(f, "e", offset, f->page_size)) {
        return -1;
    }
    memset(f->mem + offset, 0xFF, f->page_size);
    return 0;
}

static int f_program(void *ctx, uint32_t offset, const uint8_t *buf, size_t len)
{
    fake_flash *f = ctx;
    size_t k;
    assert_int_equal(offset % f->page_size, 0);
    assert_true(len >= 1 && len <= f->page_size);
    if (!operation(f, "p", offset, len)) {
        return -1;
    }
    for (k = 0; k < len; k++) {
        f->mem[offset + k] &= buf[k];
    }
    if (f->program_flips) {
        f->mem[offset] ^= 0x01;
    }
    return 0;
}

static dbtok_flash flash_of(fake_flash *f, uint32_t page_size)
{
    dbtok_flash fl;
    memset(f, 0, sizeof *f);
    memset(f->mem, 0xFF, sizeof f->mem);
    f->page_size = page_size;
    f->ops_left = UINT32_MAX;
    f->powered = true;
    fl.ctx = f;
    fl.page_size = page_size;
    fl.read = f_read;
    fl.erase = f_erase;
    fl.program = f_program;
    return fl;
}

static dbtok_stored_token rec_of(const char *value, const char *id)
{
    dbtok_stored_token r;
    memset(&r, 0, sizeof r);
    (void)snprintf(r.token_value, sizeof r.token_value, "%s", value);
    (void)snprintf(r.token_id, sizeof r.token_id, "%s", id);
    r.expiry_time_ms = 1796000000000;
    return r;
}

static void test_init_refuses_what_cannot_work(void **state)
{
    fake_flash f;
    dbtok_flash fl = flash_of(&f, 256);
    dbtok_flash_store fs;
    dbtok_store store;
    dbtok_flash broken;
    (void)state;

    assert_int_equal(dbtok_flash_store_init(NULL, &fl, 0, &store), -1);
    assert_int_equal(dbtok_flash_store_init(&fs, NULL, 0, &store), -1);
    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, NULL), -1);
    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 128, &store), -1); /* not a page's start */
    broken = fl;
    broken.page_size = 0;
    assert_int_equal(dbtok_flash_store_init(&fs, &broken, 0, &store), -1);
    broken = fl;
    broken.erase = NULL;
    assert_int_equal(dbtok_flash_store_init(&fs, &broken, 0, &store), -1);
    broken = fl;
    broken.program = NULL;
    assert_int_equal(dbtok_flash_store_init(&fs, &broken, 0, &store), -1);
    broken = fl;
    broken.read = NULL;
    assert_int_equal(dbtok_flash_store_init(&fs, &broken, 0, &store), -1);
    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 512, &store), 0);
}

/* Each slot in whole pages of its own, erased then programmed page by page, in
 * order, for page sizes below, at and above a slot's and one that divides it not. */
static void test_slots_map_to_pages_of_their_own(void **state)
{
    static const uint32_t sizes[] = {64, 100, 256, 512, 2048};
    size_t i;
    (void)state;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        fake_flash f;
        dbtok_flash fl = flash_of(&f, sizes[i]);
        uint32_t span = DBTOK_FLASH_STORE_SLOT_SPAN(sizes[i]);
        uint32_t base = 2 * sizes[i];
        uint8_t slot[DBTOK_STORE_SLOT_SIZE];
        uint8_t back[DBTOK_STORE_SLOT_SIZE];
        dbtok_flash_store fs;
        dbtok_store store;
        uint32_t at;
        unsigned k;
        size_t n;

        assert_true(span >= DBTOK_STORE_SLOT_SIZE && span % sizes[i] == 0 && span - DBTOK_STORE_SLOT_SIZE < sizes[i]);
        assert_int_equal(DBTOK_FLASH_STORE_SPAN(sizes[i]), 2 * span);
        assert_int_equal(dbtok_flash_store_init(&fs, &fl, base, &store), 0);
        for (k = 0; k < sizeof slot; k++) {
            slot[k] = (uint8_t)(k * 7u + 1u);
        }
        assert_int_equal(store.write(store.ctx, 1, slot, sizeof slot), 0);
        /* Page by page: erase, then program, each within slot 1. */
        for (at = 0, n = 0, k = 0; at < DBTOK_STORE_SLOT_SIZE; at += sizes[i], k += 2) {
            char want[16];
            size_t len = DBTOK_STORE_SLOT_SIZE - at < sizes[i] ? DBTOK_STORE_SLOT_SIZE - at : sizes[i];
            (void)snprintf(want, sizeof want, "e %u %u", (unsigned)(base + span + at), (unsigned)sizes[i]);
            assert_string_equal(f.log[k], want);
            (void)snprintf(want, sizeof want, "p %u %u", (unsigned)(base + span + at), (unsigned)len);
            assert_string_equal(f.log[k + 1], want);
            n += 2;
        }
        assert_int_equal(f.n_log, n);
        /* Nothing outside slot 1 was touched. */
        for (at = 0; at < FLASH_BYTES; at++) {
            if (at < base + span || at >= base + 2 * span) {
                assert_int_equal(f.mem[at], 0xFF);
            }
        }
        assert_int_equal(store.read(store.ctx, 1, back, sizeof back), 0);
        assert_memory_equal(back, slot, sizeof slot);
        assert_int_equal(store.read(store.ctx, 0, back, sizeof back), 0);
        for (k = 0; k < sizeof back; k++) {
            assert_int_equal(back[k], 0xFF);
        }
    }
}

static void test_bad_slot_or_length_is_refused(void **state)
{
    fake_flash f;
    dbtok_flash fl = flash_of(&f, 256);
    dbtok_flash_store fs;
    dbtok_store store;
    uint8_t buf[DBTOK_STORE_SLOT_SIZE + 1];
    (void)state;

    memset(buf, 0, sizeof buf);
    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, &store), 0);
    assert_int_equal(store.write(store.ctx, 2, buf, DBTOK_STORE_SLOT_SIZE), -1);
    assert_int_equal(store.read(store.ctx, 2, buf, DBTOK_STORE_SLOT_SIZE), -1);
    assert_int_equal(store.write(store.ctx, 0, buf, sizeof buf), -1);
    assert_int_equal(store.read(store.ctx, 0, buf, sizeof buf), -1);
    assert_int_equal(f.n_log, 0);
}

static void test_records_round_trip_and_alternate(void **state)
{
    fake_flash f;
    dbtok_flash fl = flash_of(&f, 256);
    dbtok_flash_store fs;
    dbtok_store store;
    dbtok_stored_token a = rec_of("dapi-first", "id-1");
    dbtok_stored_token b = rec_of("dapi-second", "id-2");
    dbtok_stored_token out;
    (void)state;

    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, &store), 0);
    assert_int_equal(dbtok_store_load(&store, &out), DBTOK_ERR_NOT_FOUND); /* erased flash */
    assert_int_equal(dbtok_store_save(&store, &a), DBTOK_OK);
    assert_int_equal(dbtok_store_save(&store, &b), DBTOK_OK);
    assert_int_equal(dbtok_store_load(&store, &out), DBTOK_OK);
    assert_string_equal(out.token_value, "dapi-second");
    /* a went to slot 0, b to slot 1: both still there. */
    assert_memory_equal(f.mem + 9 + 2, "dapi-first", 10);
    assert_memory_equal(f.mem + 512 + 9 + 2, "dapi-second", 11);
}

/* The power goes after each operation of a save in turn: the record saved before is
 * what a load finds, until the save has programmed the page holding the new one. */
static void test_power_cut_at_every_operation_keeps_a_record(void **state)
{
    static const uint32_t sizes[] = {64, 256, 512};
    size_t i;
    (void)state;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned cut;
        for (cut = 0;; cut++) {
            fake_flash f;
            dbtok_flash fl = flash_of(&f, sizes[i]);
            dbtok_flash_store fs;
            dbtok_store store;
            dbtok_stored_token old = rec_of("dapi-old", "id-old");
            dbtok_stored_token next = rec_of("dapi-new", "id-new");
            dbtok_stored_token out;
            dbtok_err saved;

            assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, &store), 0);
            assert_int_equal(dbtok_store_save(&store, &old), DBTOK_OK);
            assert_int_equal(dbtok_store_save(&store, &old), DBTOK_OK); /* both slots hold it */
            f.ops_left = cut;
            saved = dbtok_store_save(&store, &next);
            f.powered = true;
            f.ops_left = UINT32_MAX;
            assert_int_equal(dbtok_store_load(&store, &out), DBTOK_OK);
            if (saved == DBTOK_OK) {
                assert_string_equal(out.token_value, "dapi-new");
                break;
            }
            assert_int_equal(saved, DBTOK_ERR_STORAGE);
            assert_true(strcmp(out.token_value, "dapi-old") == 0 || strcmp(out.token_value, "dapi-new") == 0);
            assert_true(cut < 2 * DBTOK_STORE_SLOT_SIZE / 64 + 2);
        }
    }
}

static void test_a_program_that_lies_is_not_durable(void **state)
{
    fake_flash f;
    dbtok_flash fl = flash_of(&f, 256);
    dbtok_flash_store fs;
    dbtok_store store;
    dbtok_stored_token a = rec_of("dapi-first", "id-1");
    dbtok_stored_token b = rec_of("dapi-second", "id-2");
    dbtok_stored_token out;
    (void)state;

    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, &store), 0);
    assert_int_equal(dbtok_store_save(&store, &a), DBTOK_OK);
    f.program_flips = true;
    assert_int_equal(dbtok_store_save(&store, &b), DBTOK_ERR_STORAGE);
    /* The failed page is the first: the save went no further. */
    assert_int_equal(f.n_log, 2 + 2 + 2);
    f.program_flips = false;
    assert_int_equal(dbtok_store_load(&store, &out), DBTOK_OK);
    assert_string_equal(out.token_value, "dapi-first");
}

static void test_driver_failures(void **state)
{
    fake_flash f;
    dbtok_flash fl = flash_of(&f, 256);
    dbtok_flash_store fs;
    dbtok_store store;
    dbtok_stored_token a = rec_of("dapi-first", "id-1");
    dbtok_stored_token out;
    uint8_t buf[DBTOK_STORE_SLOT_SIZE];
    (void)state;

    memset(buf, 0, sizeof buf);
    assert_int_equal(dbtok_flash_store_init(&fs, &fl, 0, &store), 0);
    f.fail_erase = true;
    assert_int_equal(store.write(store.ctx, 0, buf, sizeof buf), -1);
    assert_int_equal(f.n_log, 0); /* nothing programmed over an unerased page */
    f.fail_erase = false;
    assert_int_equal(dbtok_store_save(&store, &a), DBTOK_OK);
    f.fail_read = true;
    assert_int_equal(store.read(store.ctx, 0, buf, sizeof buf), -1);
    assert_int_equal(dbtok_store_load(&store, &out), DBTOK_ERR_STORAGE);
    assert_int_equal(store.write(store.ctx, 1, buf, sizeof buf), -1); /* cannot read back */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_refuses_what_cannot_work),
        cmocka_unit_test(test_slots_map_to_pages_of_their_own),
        cmocka_unit_test(test_bad_slot_or_length_is_refused),
        cmocka_unit_test(test_records_round_trip_and_alternate),
        cmocka_unit_test(test_power_cut_at_every_operation_keeps_a_record),
        cmocka_unit_test(test_a_program_that_lies_is_not_durable),
        cmocka_unit_test(test_driver_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
