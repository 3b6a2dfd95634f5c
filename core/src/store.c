/*
 * The device's record in two alternating slots. See dbtok_store.h.
 *
 * A slot, little-endian, DBTOK_STORE_SLOT_SIZE bytes:
 *   "dbtk" format(1) seq(4)
 *   value_len(2) value  id_len(1) id  expiry_ms(8) time_floor_s(8)
 *   retire_len(1) retire_id  flags(1): bit 0 sweep, the others 0
 *   crc32(4) over every byte before it; zeros after.
 * Lengths are checked against the record's arrays before anything is
 * copied out, so a slot that passes its CRC by chance still cannot overrun.
 */
#include <string.h>

#include "dbtok/dbtok_store.h"

#if DBTOK_ENABLE_STORE

#define SLOT_MAGIC 0x6b746264u /* "dbtk" as its first four bytes */
#define SLOT_FORMAT 2u
#define FLAG_SWEEP 1u

/* Overwrite n bytes at p; the volatile pointer keeps the stores. */
static void wipe(void *p, size_t n)
{
    volatile unsigned char *v = p;
    while (n-- > 0) {
        *v++ = 0;
    }
}

void dbtok_stored_token_wipe(dbtok_stored_token *rec)
{
    if (rec != NULL) {
        wipe(rec, sizeof *rec);
    }
}

/* CRC-32 (IEEE 802.3, reflected), bit by bit: a slot is read twice per
 * boot, and a table would cost 1 KiB of flash. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t crc = 0xFFFFFFFFu;
    while (n-- > 0) {
        unsigned k;
        crc ^= *p++;
        for (k = 0; k < 8; k++) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

typedef struct {
    uint8_t *buf;
    size_t at;
} writer;

static void put_u(writer *w, uint64_t v, unsigned bytes)
{
    unsigned k;
    for (k = 0; k < bytes; k++) {
        w->buf[w->at++] = (uint8_t)(v >> (8 * k));
    }
}

static void put_str(writer *w, const char *s, size_t len, unsigned len_bytes)
{
    put_u(w, len, len_bytes);
    memcpy(w->buf + w->at, s, len);
    w->at += len;
}

/* Length of s within cap bytes, or cap when it holds no NUL there. */
static size_t bounded_len(const char *s, size_t cap)
{
    const char *nul = memchr(s, '\0', cap);
    return nul != NULL ? (size_t)(nul - s) : cap;
}

/* rec into slot (DBTOK_STORE_SLOT_SIZE bytes); false when a string of rec is
 * not NUL-terminated in its array. */
static bool encode(const dbtok_stored_token *rec, uint8_t *slot)
{
    size_t value = bounded_len(rec->token_value, sizeof rec->token_value);
    size_t id = bounded_len(rec->token_id, sizeof rec->token_id);
    size_t retire = bounded_len(rec->retire_id, sizeof rec->retire_id);
    writer w;

    if (value == sizeof rec->token_value || id == sizeof rec->token_id || retire == sizeof rec->retire_id) {
        return false;
    }
    memset(slot, 0, DBTOK_STORE_SLOT_SIZE);
    w.buf = slot;
    w.at = 0;
    put_u(&w, SLOT_MAGIC, 4);
    put_u(&w, SLOT_FORMAT, 1);
    put_u(&w, rec->seq, 4);
    put_str(&w, rec->token_value, value, 2);
    put_str(&w, rec->token_id, id, 1);
    put_u(&w, (uint64_t)rec->expiry_time_ms, 8);
    put_u(&w, (uint64_t)rec->time_floor_s, 8);
    put_str(&w, rec->retire_id, retire, 1);
    put_u(&w, rec->sweep ? FLAG_SWEEP : 0u, 1);
    put_u(&w, crc32(slot, w.at), 4);
    return true;
}

typedef struct {
    const uint8_t *buf;
    size_t at;
    size_t end; /* the CRC's offset: nothing of the record lies past it */
} reader;

static bool get_u(reader *r, unsigned bytes, uint64_t *v)
{
    unsigned k;
    if (r->end - r->at < bytes) {
        return false;
    }
    *v = 0;
    for (k = 0; k < bytes; k++) {
        *v |= (uint64_t)r->buf[r->at++] << (8 * k);
    }
    return true;
}

/* A string of len_bytes' length, shorter than cap and holding no NUL, into
 * dst (NUL added), or only checked when dst is NULL. */
static bool get_str(reader *r, unsigned len_bytes, char *dst, size_t cap)
{
    uint64_t len;
    if (!get_u(r, len_bytes, &len) || len >= cap || r->end - r->at < len ||
        memchr(r->buf + r->at, '\0', (size_t)len) != NULL) {
        return false;
    }
    if (dst != NULL) {
        memcpy(dst, r->buf + r->at, (size_t)len);
        dst[len] = '\0';
    }
    r->at += (size_t)len;
    return true;
}

/* Whether slot holds a record: magic, format, lengths within the record's
 * arrays, and the CRC right after the last field. Its sequence number into
 * *seq; the record into out unless out is NULL (a check only, so that
 * choosing a slot copies nothing). */
static bool decode(const uint8_t *slot, uint32_t *seq, dbtok_stored_token *out)
{
    reader r;
    uint64_t v;
    uint64_t expiry;
    uint64_t floor_s;
    uint64_t flags;
    uint64_t crc;

    r.buf = slot;
    r.at = 0;
    r.end = DBTOK_STORE_SLOT_SIZE - 4;
    if (!get_u(&r, 4, &v) || v != SLOT_MAGIC || !get_u(&r, 1, &v) || v != SLOT_FORMAT || !get_u(&r, 4, &v)) {
        return false;
    }
    *seq = (uint32_t)v;
    if (!get_str(&r, 2, out != NULL ? out->token_value : NULL, DBTOK_STORE_VALUE_MAX) ||
        !get_str(&r, 1, out != NULL ? out->token_id : NULL, DBTOK_STORE_ID_MAX) || !get_u(&r, 8, &expiry) ||
        !get_u(&r, 8, &floor_s) || !get_str(&r, 1, out != NULL ? out->retire_id : NULL, DBTOK_STORE_ID_MAX) || !get_u(&r, 1, &flags) ||
        (flags & ~(uint64_t)FLAG_SWEEP) != 0) {
        return false;
    }
    if (out != NULL) {
        out->seq = *seq;
        out->expiry_time_ms = (int64_t)expiry;
        out->time_floor_s = (int64_t)floor_s;
        out->sweep = (flags & FLAG_SWEEP) != 0;
    }
    r.end = DBTOK_STORE_SLOT_SIZE;
    return get_u(&r, 4, &crc) && (uint32_t)crc == crc32(slot, r.at - 4);
}

static bool store_ok(const dbtok_store *s)
{
    return s != NULL && s->read != NULL && s->write != NULL;
}

/* Serial-number order (RFC 1982): a is newer than b. */
static bool newer(uint32_t a, uint32_t b)
{
    return a != b && (uint32_t)(a - b) < 0x80000000u;
}

/* The slot holding the newest valid record into *slot (-1: none) and its
 * sequence number into *seq, reading through buf (DBTOK_STORE_SLOT_SIZE
 * bytes, which then holds that slot when there is one). DBTOK_OK or
 * DBTOK_ERR_STORAGE. */
static dbtok_err newest(const dbtok_store *s, uint8_t *buf, int *slot, uint32_t *seq)
{
    unsigned k;

    *slot = -1;
    for (k = 0; k < 2; k++) {
        uint32_t n = 0;
        if (s->read(s->ctx, k, buf, DBTOK_STORE_SLOT_SIZE) != 0) {
            return DBTOK_ERR_STORAGE;
        }
        if (decode(buf, &n, NULL) && (*slot < 0 || newer(n, *seq))) {
            *slot = (int)k;
            *seq = n;
        }
    }
    /* buf holds slot 1; the newest may be slot 0 */
    if (*slot == 0 && s->read(s->ctx, 0, buf, DBTOK_STORE_SLOT_SIZE) != 0) {
        return DBTOK_ERR_STORAGE;
    }
    return DBTOK_OK;
}

dbtok_err dbtok_store_load(const dbtok_store *store, dbtok_stored_token *out)
{
    uint8_t buf[DBTOK_STORE_SLOT_SIZE];
    uint32_t seq = 0;
    int slot;
    dbtok_err err;

    if (out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (!store_ok(store)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    err = newest(store, buf, &slot, &seq);
    if (err == DBTOK_OK && slot < 0) {
        err = DBTOK_ERR_NOT_FOUND;
    }
    /* Read again and checked again while decoding: a slot changed since is
     * not taken for the one chosen. */
    if (err == DBTOK_OK && !decode(buf, &seq, out)) {
        err = DBTOK_ERR_STORAGE;
    }
    wipe(buf, sizeof buf);
    if (err != DBTOK_OK) {
        wipe(out, sizeof *out);
    }
    return err;
}

dbtok_err dbtok_store_save(const dbtok_store *store, dbtok_stored_token *rec)
{
    uint8_t buf[DBTOK_STORE_SLOT_SIZE];
    uint32_t seq = 0;
    int slot;
    dbtok_err err;

    if (!store_ok(store) || rec == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    err = newest(store, buf, &slot, &seq);
    if (err == DBTOK_OK) {
        rec->seq = slot >= 0 ? seq + 1u : 1u;
        err = encode(rec, buf) ? DBTOK_OK : DBTOK_ERR_INVALID_ARG;
    }
    /* The slot that does not hold the newest record: with none, slot 0. */
    if (err == DBTOK_OK && store->write(store->ctx, slot == 0 ? 1u : 0u, buf, sizeof buf) != 0) {
        err = DBTOK_ERR_STORAGE;
    }
    wipe(buf, sizeof buf);
    return err;
}
#else
/* ISO C wants something in every translation unit. */
typedef int dbtok__store_left_out;
#endif /* DBTOK_ENABLE_STORE */
