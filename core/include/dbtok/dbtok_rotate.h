/**
 * @file
 * A device's own token, replaced before it expires without ever leaving the
 * device without a working one: create the new token, prove it, have the
 * caller make it durable, and only then revoke the old one.
 *
 * Every token a device makes carries its marker in the comment,
 * "[dbtok-device:NAME]". A token the device made but never got to keep (a
 * power cut between the create and the save) is an orphan: nobody holds its
 * value. Each rotation first keeps a record that says so ("sweep"), and the
 * rotation, or the dbtok_token_rotate_finish() of the next boot, revokes
 * every token carrying the marker but the kept one. So NAME must be unique
 * among the devices whose tokens one user or service principal owns: a
 * device revokes whatever carries its marker.
 *
 * The record (dbtok_stored_token, see dbtok_store.h) goes through these
 * states; what is kept is what a power cut leaves:
 *
 * | step | kept record                         | a reboot                                          |
 * |------|-------------------------------------|---------------------------------------------------|
 * | 0    | none, or T (sweep clear)            | uses T; a new device uses its bootstrap credential |
 * | 1    | T, sweep set                        | uses T; _finish() revokes orphans of the marker    |
 * | 2    | N, retire T, sweep set              | uses N; _finish() revokes T and the orphans        |
 * | 3    | N (retire and sweep clear)          | uses N                                            |
 *
 * Step 1 is kept before the create, step 2 after N was proven with a list
 * made with N as the bearer, step 3 after T and the orphans are revoked. At
 * every step the kept token works (T until N is kept, N after), so a device
 * whose old token still worked never ends up without one.
 *
 * Nothing here allocates. The dbtok_device is the caller's (about 1 KiB); the
 * client's work buffer carries the requests, as for every call.
 */
#ifndef DBTOK_ROTATE_H
#define DBTOK_ROTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dbtok/dbtok.h"
#include "dbtok/dbtok_store.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Longest device name, in bytes (NUL not counted). */
#define DBTOK_DEVICE_NAME_MAX 40u
/** Bytes of the comment a rotation sends: the caller's text, a space and the
 * device's marker (the create's own recovery marker is added to it). */
#define DBTOK_DEVICE_COMMENT_MAX 160u
/** Longest text of the caller's own in that comment (dbtok_rotation.create.comment):
 * what is left beside the longest marker, its space and the NUL. */
#define DBTOK_DEVICE_TEXT_MAX (DBTOK_DEVICE_COMMENT_MAX - DBTOK_DEVICE_NAME_MAX - 17u)

/** How a device rotates: the same for every call on it. Read during each call only. */
typedef struct {
    const char *device; /**< the device's name, unique among its owner's devices: 1 to
                           DBTOK_DEVICE_NAME_MAX of A-Z a-z 0-9 . _ - (a serial number) */
    dbtok_create_options create; /**< the new token's comment (at most DBTOK_DEVICE_TEXT_MAX bytes:
                                    the marker is added to it), lifetime and scopes; answer_json
                                    must be false */
    /** Make rec durable as the device's record: return 0 only once it is (a
     * flash page programmed, a file fsync'd and renamed), non-zero when it
     * may not be. rec is the caller's to read during the call; its seq may
     * be set (dbtok_store_save() does). */
    int (*keep)(void *ctx, dbtok_stored_token *rec);
    void *keep_ctx; /**< handed to keep */
} dbtok_rotation;

/** The device's credential as the rotation sees it. Caller-owned; fill kept
 * with what the store holds (zeroed when it holds nothing) before the first
 * call, read kept after each, and call dbtok_device_wipe() when done. */
typedef struct {
    dbtok_stored_token kept; /**< the record last kept: the device's token is kept.token_value */
    /** @cond DBTOK_PRIVATE */
    dbtok_stored_token next;                 /* the record being made */
    dbtok_created_token made;                /* the create's answer, views into the work buffer */
    bool keep_pending;                       /* next holds a new token whose keep failed */
    bool others;                             /* the proof saw tokens of the marker besides old and new */
    char comment[DBTOK_DEVICE_COMMENT_MAX]; /* the comment sent */
    /** @endcond */
} dbtok_device;

#if DBTOK_ENABLE_ROTATION
/**
 * Replace the device's token. The client's credential (its config's token,
 * or OAuth client credentials) is the one the new token is created with:
 * dev->kept's own token when it still works, else the bootstrap credential.
 *
 * In order: revoke what an earlier rotation left to retire; keep {kept,
 * sweep} (step 1, even when dev->kept says sweep already); create N
 * with dbtok_token_create_recover_with(), its comment carrying the marker;
 * prove N with a list made with N as the bearer; keep {N, retire: the old
 * id, sweep} (step 2); revoke the old token and every orphan; keep {N}
 * (step 3).
 *
 * On return dev->kept is the record last kept, whatever happened. From the
 * keep of step 2 on, the client's bearer is dev->kept.token_value (so dev
 * must stay where it is, unchanged, while the client is used), OAuth is no
 * longer used and its access token is wiped, and the configured credential
 * is no longer referenced: the caller may wipe it. Before that the client's
 * credential is the configured one.
 *
 * Returns DBTOK_OK once step 3 is kept. Otherwise:
 * - the create failed (any error of dbtok_token_create_recover_with, whose
 *   DBTOK_ERR_OUTCOME_UNKNOWN leaves an orphan that the sweep removes later),
 *   or N's proof failed (N is left to the sweep, by its marker): dev->kept
 *   is the old record, sweep set;
 * - the service sent a token value that is not visible ASCII or longer than
 *   DBTOK_STORE_VALUE_MAX - 1 bytes, or an id that does not fit: N is revoked,
 *   DBTOK_ERR_PROTOCOL; an answer naming a token the device holds (the old
 *   token's id or value, or the credential it was made with, which never
 *   belongs in the store): nothing is kept, only a new id is revoked,
 *   DBTOK_ERR_PROTOCOL. A lost create's recovery never takes the old token
 *   for its orphan, whatever the list says;
 * - a keep failed: DBTOK_ERR_STORAGE. After step 1's, nothing was sent.
 *   After step 2's, the store may hold either record (a write that failed
 *   may still have landed), so nothing is revoked: dev keeps the new record
 *   aside, and the next dbtok_token_rotate() or dbtok_token_rotate_finish()
 *   on dev keeps it first, before it sends anything, and then completes the
 *   rotation. After a reboot either record works and settles;
 * - the revokes or step 3's keep failed: N is the device's token already
 *   (dev->kept is step 2's record) and dbtok_token_rotate_finish() completes
 *   the rest; the error of what failed.
 * DBTOK_ERR_INVALID_ARG for a NULL argument, a device name or comment that
 * does not fit the rules above, or a missing keep.
 */
dbtok_err dbtok_token_rotate(dbtok_client *client, const dbtok_rotation *rot, dbtok_device *dev);

/**
 * Complete what the kept record says is left, with the client's credential
 * (normally dev->kept's own token): revoke retire_id (gone already is as
 * good), then when sweep is set revoke every token carrying the device's
 * marker but the kept one, then keep the record with both cleared. A boot
 * calls it once it has loaded the record; it sends nothing when nothing is
 * left. At most DBTOK_ROTATE_SWEEP_MAX tokens are revoked per call (more
 * fail with DBTOK_ERR_PROTOCOL, the rest being left to the next call).
 * Returns DBTOK_OK, or the error of the list, revoke or keep that failed;
 * dev->kept is the record last kept.
 */
dbtok_err dbtok_token_rotate_finish(dbtok_client *client, const dbtok_rotation *rot, dbtok_device *dev);

/**
 * Whether the kept token should be replaced now: there is none, or it
 * expires less than min_remaining_s seconds after now_s (Unix seconds, from
 * dbtok_trusted_time_s()). A token that never expires (expiry -1) is never
 * due; any other expiry before 1970 is taken as past.
 */
bool dbtok_token_rotate_due(const dbtok_device *dev, int64_t now_s, int64_t min_remaining_s);

/**
 * Whether err from a call made with a token says the service refuses the
 * token itself (expired, revoked, unknown): HTTP 401, or 403 but for
 * PERMISSION_DENIED (a token that works but may not do that). A device whose
 * token is refused rotates with its bootstrap credential.
 */
bool dbtok_token_refused(const dbtok_error_info *err);

/** Overwrite all of dev (the token values included) in a way the compiler keeps. */
void dbtok_device_wipe(dbtok_device *dev);
#endif

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_ROTATE_H */
