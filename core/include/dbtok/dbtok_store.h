/**
 * @file
 * Keeping the device's own token across reboots and power cuts: a record
 * (the token, its id and expiry, the latest time learned from the service,
 * and a token still to be revoked) in two slots of a store the port
 * provides, written alternately.
 *
 * Each slot holds one record with a sequence number and a CRC-32 over all
 * of it. A save writes the slot that does not hold the newest valid record,
 * so a power cut during the write leaves that newest record untouched: the
 * torn slot fails its checksum and a load takes the other one. A load takes
 * the valid slot with the higher sequence number (compared as serial
 * numbers, so it wraps). Nothing here allocates, and nothing but the record
 * and the slot being written is ever handed to the port.
 *
 * The store is for the device's own token only: a bootstrap or factory
 * credential never belongs in it.
 */
#ifndef DBTOK_STORE_H
#define DBTOK_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_types.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes of a stored token value, NUL included (the service's are 36 to 38;
 * its format is undocumented, so the room is generous). */
#define DBTOK_STORE_VALUE_MAX 256u
/** Bytes of a stored token id, NUL included (the service's are 64 hex digits). */
#define DBTOK_STORE_ID_MAX 80u
/** Bytes of one slot as the port stores it: a record, encoded, fits in it. */
#define DBTOK_STORE_SLOT_SIZE 512u

/** The device's own credential as it is kept. Every string is a
 * NUL-terminated copy (not a view); call dbtok_stored_token_wipe() when done
 * with one, since it holds the token. */
typedef struct {
    uint32_t seq;                         /**< set by dbtok_store_save(); a load reports it */
    char token_value[DBTOK_STORE_VALUE_MAX]; /**< the secret bearer token; "" for none */
    char token_id[DBTOK_STORE_ID_MAX];    /**< its id */
    int64_t expiry_time_ms;               /**< epoch milliseconds, or -1: never expires */
    int64_t time_floor_s;                 /**< the latest trusted time learned (Unix seconds), 0 for none */
    char retire_id[DBTOK_STORE_ID_MAX];   /**< a token this one replaced, to revoke once this record is
                                             durable; "" for none */
    bool sweep;                           /**< tokens of this device other than this one may exist (a
                                             rotation was under way): revoke them (dbtok_rotate.h) */
} dbtok_stored_token;

/**
 * The store a port provides: two slots (0 and 1) of DBTOK_STORE_SLOT_SIZE
 * bytes, each read and written whole. Flash pages, a file, an EEPROM: the
 * record's checksum, not the medium, tells a torn slot.
 */
typedef struct {
    void *ctx; /**< handed back on every call */
    /** Read slot into buf[0..len) (len is DBTOK_STORE_SLOT_SIZE). 0, or -1 when
     * it cannot be read; a slot never written may read as anything. */
    int (*read)(void *ctx, unsigned slot, uint8_t *buf, size_t len);
    /** Write buf[0..len) as slot's contents; 0 only when it is durable (a
     * flash page programmed, a file fsync'd). A power cut during it may
     * leave the slot torn, never the other one. */
    int (*write)(void *ctx, unsigned slot, const uint8_t *buf, size_t len);
} dbtok_store;

#if DBTOK_ENABLE_STORE
/**
 * The newest valid record. out is filled on DBTOK_OK (and wiped otherwise).
 * Returns DBTOK_OK; DBTOK_ERR_NOT_FOUND when neither slot holds a valid
 * record (a new device, or both torn, which one write at a time cannot
 * make); DBTOK_ERR_STORAGE when a slot cannot be read (nothing is guessed);
 * DBTOK_ERR_INVALID_ARG for a NULL argument or an incomplete store.
 * Uses DBTOK_STORE_SLOT_SIZE bytes of stack, wiped before it returns.
 */
dbtok_err dbtok_store_load(const dbtok_store *store, dbtok_stored_token *out);

/**
 * Write rec as the newest record: into the slot that does not hold the
 * newest valid one, with rec->seq set to that one's plus one (1 on an empty
 * store). The record read before is left untouched, so a power cut during
 * the write loses only rec. Returns DBTOK_OK once the port says it is
 * durable; DBTOK_ERR_STORAGE when a read or the write failed (the older
 * record still stands); DBTOK_ERR_INVALID_ARG for a NULL argument, an
 * incomplete store, or a string of rec that is not NUL-terminated within its
 * array. Uses DBTOK_STORE_SLOT_SIZE bytes of stack, wiped.
 */
dbtok_err dbtok_store_save(const dbtok_store *store, dbtok_stored_token *rec);

/** Overwrite a record (the token value included) in a way the compiler keeps. */
void dbtok_stored_token_wipe(dbtok_stored_token *rec);
#endif

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_STORE_H */
