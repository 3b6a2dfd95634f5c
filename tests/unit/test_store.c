/*
 * Unit tests of the device's record store (core/src/store.c) over a fake
 * two-slot medium that can tear a write at any byte, flip a byte or fail,
 * and of the POSIX file store (port/posix/dbtok_posix_store.c).
 */
#define _POSIX_C_SOURCE 200809L

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dbtok/dbtok_store.h"
#include "dbtok_posix.h"

typedef struct {
    uint8_t slot[2][DBTOK_STORE_SLOT_SIZE];
    size_t tear_at;   /* the next write stops after this many bytes; SIZE_MAX: whole */
    bool fail_read;
    bool fail_write;
    unsigned writes[2];
} medium;

static int m_read(void *ctx, unsigned slot, uint8_t *buf, size_t len)
{
    medium *m = ctx;
    if (m->fail_read || slot > 1 || len != DBTOK_STORE_SLOT_SIZE) {
        return -1;
    }
    memcpy(buf, m->slot[slot], len);
    return 0;
}

static int m_write(void *ctx, unsigned slot, const uint8_t *buf, size_t len)
{
    medium *m = ctx;
    size_t n = len < m->tear_at ? len : m->tear_at;
    if (m->fail_write || slot > 1) {
        return -1;
    }
    m->writes[slot]++;
    memcpy(m->slot[slot], buf, n);
    if (n < len) {
        m->tear_at = SIZE_MAX;
        return -1; /* the power went: the caller never hears back */
    }
    return 0;
}

static dbtok_store store_of(medium *m)
{
    dbtok_store s;
    s.ctx = m;
    s.read = m_read;
    s.write = m_write;
    return s;
}

static void medium_init(medium *m)
{
    memset(m, 0, sizeof *m);
    m->tear_at = SIZE_MAX;
}

static dbtok_stored_token rec_of(const char *value, const char *id, int64_t expiry, const char *retire)
{
    dbtok_stored_token r;
    memset(&r, 0, sizeof r);
    (void)snprintf(r.token_value, sizeof r.token_value, "%s", value);
    (void)snprintf(r.token_id, sizeof r.token_id, "%s", id);
    (void)snprintf(r.retire_id, sizeof r.retire_id, "%s", retire);
    r.expiry_time_ms = expiry;
    r.time_floor_s = 1796000000;
    return r;
}

static void assert_same(const dbtok_stored_token *a, const dbtok_stored_token *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_string_equal(a->token_value, b->token_value);
    assert_string_equal(a->token_id, b->token_id);
    assert_int_equal(a->expiry_time_ms, b->expiry_time_ms);
    assert_int_equal(a->time_floor_s, b->time_floor_s);
    assert_string_equal(a->retire_id, b->retire_id);
    assert_int_equal(a->sweep, b->sweep);
}

static void test_round_trip_and_alternation(void **state)
{
    medium m;
    dbtok_store s;
    dbtok_stored_token a = rec_of("dapi-one", "id-1", -1, "");
    dbtok_stored_token b = rec_of("dapi-two", "id-2", 1796000000000, "id-1");
    dbtok_stored_token got;
    (void)state;
    medium_init(&m);
    s = store_of(&m);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    assert_int_equal(a.seq, 1);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_same(&got, &a);
    assert_int_equal(dbtok_store_save(&s, &b), DBTOK_OK);
    assert_int_equal(b.seq, 2);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_same(&got, &b);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    assert_int_equal(a.seq, 3);
    assert_int_equal(m.writes[0], 2); /* 1 and 3 */
    assert_int_equal(m.writes[1], 1); /* 2 */
    dbtok_stored_token_wipe(&got);
    assert_int_equal(got.token_value[0], 0);
}

/* A cut at every byte of a write: the load gives the record before it, or
 * (written whole) the new one, and never anything else; the next save
 * then goes on from there. */
static void test_torn_write_at_every_byte(void **state)
{
    dbtok_stored_token first = rec_of("dapi-first", "id-1", -1, "");
    dbtok_stored_token second = rec_of("dapi-second", "id-2", 1796000000000, "id-1");
    dbtok_stored_token third = rec_of("dapi-third", "id-3", 1797000000000, "id-2");
    size_t cut;
    (void)state;
    for (cut = 0; cut <= DBTOK_STORE_SLOT_SIZE; cut++) {
        medium m;
        dbtok_store s;
        dbtok_stored_token got;
        dbtok_err err;
        medium_init(&m);
        s = store_of(&m);
        assert_int_equal(dbtok_store_save(&s, &first), DBTOK_OK);
        assert_int_equal(dbtok_store_save(&s, &second), DBTOK_OK);
        /* the third goes over the first's slot */
        m.tear_at = cut;
        err = dbtok_store_save(&s, &third);
        assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
        if (err == DBTOK_OK) {
            assert_same(&got, &third);
        } else if (got.seq == third.seq) {
            /* torn after its last byte that counts: whole all the same */
            assert_same(&got, &third);
        } else {
            assert_same(&got, &second);
        }
        /* and the store goes on: the next record is newest */
        assert_int_equal(dbtok_store_save(&s, &first), DBTOK_OK);
        assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
        assert_same(&got, &first);
    }
}

static uint32_t ref_crc(const uint8_t *p, size_t n);

/* Bytes of a record's encoding before its CRC. */
static size_t content_len(const dbtok_stored_token *r)
{
    return 4 + 1 + 4 + 2 + strlen(r->token_value) + 1 + strlen(r->token_id) + 8 + 8 + 1 + strlen(r->retire_id) + 1;
}

/* One byte changed anywhere in the newest slot (what is not zero padding):
 * the CRC refuses it, and the older record is taken. */
static void test_corrupt_byte_falls_back(void **state)
{
    dbtok_stored_token a = rec_of("dapi-a", "id-a", -1, "");
    dbtok_stored_token b = rec_of("dapi-b", "id-b", 5, "id-a");
    size_t i;
    (void)state;
    b.sweep = true;
    for (i = 0; i < DBTOK_STORE_SLOT_SIZE; i++) {
        medium m;
        dbtok_store s;
        dbtok_stored_token got;
        medium_init(&m);
        s = store_of(&m);
        assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
        assert_int_equal(dbtok_store_save(&s, &b), DBTOK_OK);
        m.slot[1][i] ^= 0x5A;
        assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
        if (got.seq == b.seq) {
            /* only the padding after the CRC may change unseen */
            assert_true(i >= content_len(&b) + 4);
            assert_same(&got, &b);
        } else {
            assert_same(&got, &a);
        }
    }
}

/* A slot holding r with sequence number seq: saved alone, then its seq
 * patched and its CRC made right again (the public calls choose seq). */
static void slot_with_seq(uint8_t *slot, dbtok_stored_token r, uint32_t seq)
{
    medium m;
    dbtok_store s;
    size_t end = content_len(&r);
    uint32_t crc;
    unsigned k;
    medium_init(&m);
    s = store_of(&m);
    assert_int_equal(dbtok_store_save(&s, &r), DBTOK_OK);
    memcpy(slot, m.slot[0], DBTOK_STORE_SLOT_SIZE);
    for (k = 0; k < 4; k++) {
        slot[5 + k] = (uint8_t)(seq >> (8 * k));
    }
    crc = ref_crc(slot, end);
    for (k = 0; k < 4; k++) {
        slot[end + k] = (uint8_t)(crc >> (8 * k));
    }
}

/* Serial-number order (RFC 1982): the newer wins whichever slot it is in,
 * across the wrap; the next save takes the other slot and the newer's + 1. */
static void test_newer_by_serial_order(void **state)
{
    static const uint32_t pairs[][2] = {
        {1, 2}, {0xFFFFFFFFu, 0}, {0xFFFFFFFEu, 0xFFFFFFFFu}, {0x7FFFFFFFu, 0x80000000u}, {0x80000001u, 0}};
    size_t p;
    unsigned order;
    (void)state;
    for (p = 0; p < sizeof pairs / sizeof pairs[0]; p++) {
        for (order = 0; order < 2; order++) {
            medium m;
            dbtok_store s;
            dbtok_stored_token older = rec_of("dapi-older", "id-o", -1, "");
            dbtok_stored_token newer_rec = rec_of("dapi-newer", "id-n", 9, "id-o");
            dbtok_stored_token next = rec_of("dapi-next", "id-x", 10, "id-n");
            dbtok_stored_token got;
            medium_init(&m);
            s = store_of(&m);
            slot_with_seq(m.slot[order], older, pairs[p][0]);
            slot_with_seq(m.slot[1 - order], newer_rec, pairs[p][1]);
            assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
            assert_string_equal(got.token_id, "id-n");
            assert_int_equal(got.seq, pairs[p][1]);
            assert_int_equal(dbtok_store_save(&s, &next), DBTOK_OK);
            assert_int_equal(next.seq, pairs[p][1] + 1u);
            assert_int_equal(m.writes[order], 1); /* over the older */
            assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
            assert_string_equal(got.token_id, "id-x");
        }
    }
}

static void test_empty_garbage_and_failures(void **state)
{
    medium m;
    dbtok_store s;
    dbtok_stored_token a = rec_of("dapi-a", "id-a", -1, "");
    dbtok_stored_token got;
    dbtok_store incomplete;
    size_t i;
    (void)state;
    medium_init(&m);
    s = store_of(&m);
    for (i = 0; i < sizeof m.slot; i++) {
        ((uint8_t *)m.slot)[i] = (uint8_t)(i * 37u + 11u);
    }
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    memset(m.slot, 0xFF, sizeof m.slot); /* erased flash */
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    m.fail_read = true;
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_STORAGE);
    assert_int_equal(got.token_value[0], 0); /* nothing guessed */
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_STORAGE);
    m.fail_read = false;
    m.fail_write = true;
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_STORAGE);
    m.fail_write = false;
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_int_equal(got.seq, 1); /* the failed saves changed nothing */
    /* arguments */
    incomplete = s;
    incomplete.write = NULL;
    assert_int_equal(dbtok_store_load(NULL, &got), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_store_load(&s, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_store_load(&incomplete, &got), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_store_save(&incomplete, &a), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_store_save(&s, NULL), DBTOK_ERR_INVALID_ARG);
    memset(a.token_id, 'x', sizeof a.token_id); /* no NUL: not a string */
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_INVALID_ARG);
    a = rec_of("dapi-a", "id-a", -1, "");
    memset(a.token_value, 'v', sizeof a.token_value);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_INVALID_ARG);
    a = rec_of("dapi-a", "id-a", -1, "");
    memset(a.retire_id, 'r', sizeof a.retire_id);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_int_equal(got.seq, 1); /* none of them was written */
    dbtok_stored_token_wipe(NULL);
}

/* A slot that passes its CRC but whose lengths lie is still refused: the
 * CRC is not a guard against a crafted slot, the length checks are. */
static uint32_t ref_crc(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    size_t i;
    for (i = 0; i < n; i++) {
        int k;
        c ^= p[i];
        for (k = 0; k < 8; k++) {
            c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        }
    }
    return ~c;
}

static void put_crc(uint8_t *at, uint32_t crc)
{
    unsigned k;
    for (k = 0; k < 4; k++) {
        at[k] = (uint8_t)(crc >> (8 * k));
    }
}

static void test_lying_lengths_refused(void **state)
{
    medium m;
    dbtok_store s;
    dbtok_stored_token a = rec_of("dapi-a", "id-a", -1, "");
    dbtok_stored_token got;
    uint8_t *slot;
    size_t end;
    uint32_t crc;
    (void)state;
    medium_init(&m);
    s = store_of(&m);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    slot = m.slot[0];
    /* value length 300 (beyond DBTOK_STORE_VALUE_MAX), CRC made right */
    slot[9] = (uint8_t)(300 & 0xFF);
    slot[10] = (uint8_t)(300 >> 8);
    end = content_len(&a);
    crc = ref_crc(slot, end);
    put_crc(slot + end, crc);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    /* a NUL inside a string (the save went to slot 0 again: slot 0 held
     * nothing valid) */
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    slot = m.slot[0];
    slot[12] = 0;
    crc = ref_crc(slot, end);
    put_crc(slot + end, crc);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    /* a format this build does not know, CRC right: not read as this one
     * (slot 0 again: it held nothing valid) */
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    slot = m.slot[0];
    slot[4] = 3;
    crc = ref_crc(slot, end);
    put_crc(slot + end, crc);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    /* a flag this build does not know, CRC right */
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    slot = m.slot[0];
    slot[end - 1] = 2;
    crc = ref_crc(slot, end);
    put_crc(slot + end, crc);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND);
    /* and the sweep flag, CRC right, is read */
    slot[end - 1] = 1;
    crc = ref_crc(slot, end);
    put_crc(slot + end, crc);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_true(got.sweep);
}

/* ---- the POSIX file store --------------------------------------------- */

static void test_posix_store(void **state)
{
    char dir[] = "/tmp/dbtok-store-XXXXXX";
    char path[256], tmp[300], link_path[300];
    dbtok_posix_store_ctx ctx;
    dbtok_store s;
    dbtok_stored_token a = rec_of("dapi-posix-a", "id-a", -1, "");
    dbtok_stored_token b = rec_of("dapi-posix-b", "id-b", 7, "id-a");
    dbtok_stored_token got;
    struct stat st;
    int fd;
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(path, sizeof path, "%s/token.store", dir);
    (void)snprintf(tmp, sizeof tmp, "%s.tmp", path);
    dbtok_posix_store_init(&ctx, path, &s);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_NOT_FOUND); /* no file yet */
    /* a PATH.tmp left by an earlier cut is replaced, never followed */
    fd = open(tmp, O_WRONLY | O_CREAT, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "junk", 4), 4);
    (void)close(fd);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_OK);
    assert_int_equal(dbtok_store_save(&s, &b), DBTOK_OK);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 2 * DBTOK_STORE_SLOT_SIZE);
    assert_int_equal(access(tmp, F_OK), -1);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_same(&got, &b);
    /* open to others: refused, nothing read */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_STORAGE);
    assert_int_equal(dbtok_store_save(&s, &a), DBTOK_ERR_STORAGE);
    assert_int_equal(chmod(path, 0600), 0);
    /* a symlink in its place: refused */
    (void)snprintf(link_path, sizeof link_path, "%s/link.store", dir);
    assert_int_equal(symlink(path, link_path), 0);
    dbtok_posix_store_init(&ctx, link_path, &s);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_ERR_STORAGE);
    dbtok_posix_store_init(&ctx, path, &s);
    assert_int_equal(dbtok_store_load(&s, &got), DBTOK_OK);
    assert_same(&got, &b);
    (void)unlink(link_path);
    (void)unlink(path);
    (void)rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_and_alternation),
        cmocka_unit_test(test_torn_write_at_every_byte),
        cmocka_unit_test(test_corrupt_byte_falls_back),
        cmocka_unit_test(test_newer_by_serial_order),
        cmocka_unit_test(test_empty_garbage_and_failures),
        cmocka_unit_test(test_lying_lengths_refused),
        cmocka_unit_test(test_posix_store),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
