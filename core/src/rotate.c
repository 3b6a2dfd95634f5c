/*
 * Rotation of a device's own token. See dbtok_rotate.h for the contract and
 * the state table.
 *
 * The order is what makes a power cut harmless: the record that says "a
 * rotation is under way" is kept before anything is created, the new token
 * is kept only once a request made with it has worked, and the old one is
 * revoked only once the new one is kept. Whatever a cut interrupts, the kept
 * token works, and every token the device made but does not keep carries
 * its marker, which the next sweep revokes.
 */
#include <string.h>

#include <mbedtls/platform_util.h>

#include "client_internal.h"
#include "dbtok/dbtok_rotate.h"

#if DBTOK_ENABLE_ROTATION

#define MARKER_OPEN "[dbtok-device:"
#define MARKER_OPEN_LEN (sizeof MARKER_OPEN - 1)
/* DBTOK_DEVICE_TEXT_MAX, the header's figure, is what the marker (its
 * opening, the name, "]"), the space before it and the NUL leave. */
typedef char dbtok__device_text_max_fits[DBTOK_DEVICE_TEXT_MAX + 1 + MARKER_OPEN_LEN + DBTOK_DEVICE_NAME_MAX + 1 + 1 ==
                                                 DBTOK_DEVICE_COMMENT_MAX
                                             ? 1
                                             : -1];

/* The credential a request carries, as the config names it. */
typedef struct {
    const char *token;
#if DBTOK_ENABLE_OAUTH_M2M
    const char *client_id;
    const char *client_secret;
#endif
} credential;

/* Tokens carrying the device's marker, other than the one or two ids that
 * belong to it. */
typedef struct {
    const char *device;
    size_t device_len;
    const char *own_id;   /* the kept (or new) token: never counted */
    const char *known_id; /* a token revoked on its own (the retiree); "" for none */
    size_t others;
    char *first_other; /* the client's orphan_id: kept off the stack */
    bool too_long;
} marked_search;

void dbtok_device_wipe(dbtok_device *dev)
{
    if (dev != NULL) {
        mbedtls_platform_zeroize(dev, sizeof *dev);
    }
}

static bool name_char(char ch)
{
    return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '.' ||
           ch == '_' || ch == '-';
}

/* The length of a valid device name, or 0. */
static size_t device_name_len(const char *name)
{
    size_t n = 0;
    if (name == NULL) {
        return 0;
    }
    while (n <= DBTOK_DEVICE_NAME_MAX && name[n] != '\0') {
        if (!name_char(name[n])) {
            return 0;
        }
        n++;
    }
    return n <= DBTOK_DEVICE_NAME_MAX ? n : 0;
}

static bool rotation_ok(const dbtok_rotation *rot, const dbtok_device *dev)
{
    return rot != NULL && dev != NULL && rot->keep != NULL && device_name_len(rot->device) > 0;
}

/* Whether comment holds "[dbtok-device:NAME]" for this device. The comment
 * is the decoded view, which may hold NULs: it is read by its length. */
static bool has_device_marker(dbtok_str comment, const char *device, size_t device_len)
{
    size_t need = MARKER_OPEN_LEN + device_len + 1;
    size_t i;
    for (i = 0; comment.len >= need && i <= comment.len - need; i++) {
        const char *p = comment.ptr + i;
        if (memcmp(p, MARKER_OPEN, MARKER_OPEN_LEN) == 0 && memcmp(p + MARKER_OPEN_LEN, device, device_len) == 0 &&
            p[MARKER_OPEN_LEN + device_len] == ']') {
            return true;
        }
    }
    return false;
}

/* Whether view v is the C string s. */
static bool same_text(dbtok_str v, const char *s)
{
    return s != NULL && v.len == strlen(s) && memcmp(v.ptr, s, v.len) == 0;
}

/* An id that is s, which names one ("" names none). */
static bool same_id(dbtok_str id, const char *s)
{
    return s[0] != '\0' && same_text(id, s);
}

static int find_marked(void *user, const dbtok_token_info *info)
{
    marked_search *s = user;
    /* An entry without an id cannot be revoked: counting it would fail
     * every sweep. */
    if (info->token_id.len == 0 || same_id(info->token_id, s->own_id) || same_id(info->token_id, s->known_id) ||
        !has_device_marker(info->comment, s->device, s->device_len)) {
        return 0;
    }
    if (s->others++ == 0) {
        s->too_long = dbtok_str_copy(s->first_other, DBTOK__ORPHAN_ID_MAX, info->token_id) != DBTOK_OK;
    }
    return 0;
}

static void search_init(marked_search *s, dbtok__state *c, const dbtok_rotation *rot, const char *own_id,
                        const char *known_id)
{
    s->device = rot->device;
    s->device_len = strlen(rot->device);
    s->own_id = own_id;
    s->known_id = known_id;
    s->others = 0;
    s->first_other = c->orphan_id;
    s->too_long = false;
}

static credential credential_of(const dbtok__state *c)
{
    credential cr;
    cr.token = c->config.token;
#if DBTOK_ENABLE_OAUTH_M2M
    cr.client_id = c->config.client_id;
    cr.client_secret = c->config.client_secret;
#endif
    return cr;
}

/* Requests carry cr from now on; an OAuth access token held is wiped. */
static void use_credential(dbtok__state *c, credential cr)
{
#if DBTOK_ENABLE_OAUTH_M2M
    if (dbtok__oauth_active(c)) {
        dbtok__oauth_forget(c);
    }
    c->config.client_id = cr.client_id;
    c->config.client_secret = cr.client_secret;
#endif
    c->config.token = cr.token;
}

static void use_token(dbtok__state *c, const char *token)
{
    credential cr;
    memset(&cr, 0, sizeof cr);
    cr.token = token;
    use_credential(c, cr);
}

/* The time a kept record carries forward: never lower than what it had. */
static int64_t time_floor(const dbtok__state *c, const dbtok_stored_token *rec)
{
    int64_t now = dbtok_trusted_time_s(dbtok__cclient_of(c));
    return now > rec->time_floor_s ? now : rec->time_floor_s;
}

/* dev->next made durable and then the device's record: dev->kept. A keep
 * that failed may still have landed: the store then holds either record.
 * Where both hold the same token (steps 1 and 3) that is harmless, and the
 * record is dropped. The new token's (step 2) is held in dev->next instead
 * (dev->keep_pending), and kept before anything else is sent on dev: until
 * then no revoke may follow, since either token may be the one kept. */
static dbtok_err keep_next(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev)
{
    bool new_token = strcmp(dev->next.token_value, dev->kept.token_value) != 0;
    dev->next.time_floor_s = time_floor(c, &dev->kept);
    if (rot->keep(rot->keep_ctx, &dev->next) != 0) {
        dev->keep_pending = new_token;
        if (!new_token) {
            mbedtls_platform_zeroize(&dev->next, sizeof dev->next);
        }
        return dbtok__client_fail(c, DBTOK_ERR_STORAGE);
    }
    memcpy(&dev->kept, &dev->next, sizeof dev->kept);
    mbedtls_platform_zeroize(&dev->next, sizeof dev->next);
    dev->keep_pending = false;
    if (new_token) {
        use_token(c, dev->kept.token_value);
    }
    return DBTOK_OK;
}

/* Revoke id; one that is gone already (expired, revoked) is as good. */
static dbtok_err revoke_gone_ok(dbtok__state *c, const char *id)
{
    dbtok_err err = dbtok_token_revoke(dbtok__client_of(c), id);
    if (err == DBTOK_ERR_API && c->error.http_status == 404) {
        dbtok__client_error_reset(c);
        return DBTOK_OK;
    }
    return err;
}

/* Revoke every token carrying the marker but the kept one: a list, a revoke
 * of the first found, and again, until a list shows none. */
static dbtok_err sweep(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev)
{
    marked_search s;
    size_t revoked = 0;

    for (;;) {
        dbtok_err err;
        search_init(&s, c, rot, dev->kept.token_id, "");
        err = dbtok_token_list(dbtok__client_of(c), find_marked, &s);
        if (err != DBTOK_OK || s.others == 0) {
            return err;
        }
        if (s.too_long) {
            return dbtok__client_fail(c, DBTOK_ERR_BUFFER_TOO_SMALL);
        }
        /* A service that says revoked and lists the token again: stop. */
        if (revoked == DBTOK_ROTATE_SWEEP_MAX) {
            return dbtok__client_fail(c, DBTOK_ERR_PROTOCOL);
        }
        err = revoke_gone_ok(c, c->orphan_id);
        if (err != DBTOK_OK) {
            return err;
        }
        revoked++;
    }
}

/* Steps after the new record is kept: the retiree revoked, the marker's
 * other tokens (when any may exist) revoked, the record kept clean. */
static dbtok_err settle(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev, bool may_have_others)
{
    dbtok_err err;

    if (dev->kept.retire_id[0] != '\0') {
        err = revoke_gone_ok(c, dev->kept.retire_id);
        if (err != DBTOK_OK) {
            return err;
        }
    }
    if (dev->kept.sweep && may_have_others) {
        err = sweep(c, rot, dev);
        if (err != DBTOK_OK) {
            return err;
        }
    }
    memcpy(&dev->next, &dev->kept, sizeof dev->next);
    dev->next.retire_id[0] = '\0';
    dev->next.sweep = false;
    return keep_next(c, rot, dev);
}

/* A new record whose keep failed is kept first: DBTOK_OK once it is (or
 * when none is held). */
static dbtok_err keep_pending(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev)
{
    return dev->keep_pending ? keep_next(c, rot, dev) : DBTOK_OK;
}

dbtok_err dbtok_token_rotate_finish(dbtok_client *client, const dbtok_rotation *rot, dbtok_device *dev)
{
    dbtok__state *c = dbtok__state_of(client);
    dbtok_err err;
    if (client == NULL || !rotation_ok(rot, dev)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    dbtok__client_error_reset(c);
    err = keep_pending(c, rot, dev);
    if (err != DBTOK_OK || (dev->kept.retire_id[0] == '\0' && !dev->kept.sweep)) {
        return err;
    }
    return settle(c, rot, dev, true);
}

/* comment + " " + the marker into dev->comment; false when it cannot be one. */
static bool write_comment(const dbtok_rotation *rot, dbtok_device *dev)
{
    const char *text = rot->create.comment != NULL ? rot->create.comment : "";
    size_t len = strlen(text);
    size_t at = 0;

    if (len > DBTOK_DEVICE_TEXT_MAX) {
        return false;
    }
    if (len > 0) {
        memcpy(dev->comment, text, len);
        dev->comment[len] = ' ';
        at = len + 1;
    }
    memcpy(dev->comment + at, MARKER_OPEN, MARKER_OPEN_LEN);
    at += MARKER_OPEN_LEN;
    len = strlen(rot->device);
    memcpy(dev->comment + at, rot->device, len);
    at += len;
    dev->comment[at++] = ']';
    dev->comment[at] = '\0';
    return true;
}

/* The created token into dev->next, to be kept in place of dev->kept. False
 * when the service's value could not be sent as a bearer (not visible ASCII:
 * it would go into a header), a field does not fit the record, or the
 * answer names a token the device holds already: the old one's id (revoking
 * the old one would revoke the new) or value, or the credential it was made
 * with (which never belongs in the store). */
static bool record_created(const dbtok__state *c, dbtok_device *dev, const dbtok_created_token *made)
{
    dbtok_stored_token *n = &dev->next;
    mbedtls_platform_zeroize(n, sizeof *n);
    if (same_text(made->token_value, dev->kept.token_value) || same_text(made->token_value, dbtok__bearer(c)) ||
        dbtok_config_check_token(made->token_value.ptr, made->token_value.len) != DBTOK_OK ||
        dbtok_str_copy(n->token_value, sizeof n->token_value, made->token_value) != DBTOK_OK ||
        dbtok_str_copy(n->token_id, sizeof n->token_id, made->info.token_id) != DBTOK_OK ||
        n->token_id[0] == '\0' || strcmp(n->token_id, dev->kept.token_id) == 0) {
        mbedtls_platform_zeroize(n, sizeof *n);
        return false;
    }
    n->expiry_time_ms = made->info.expiry_time_ms;
    memcpy(n->retire_id, dev->kept.token_id, sizeof n->retire_id);
    n->sweep = true;
    return true;
}

/* The proof: a list made with dev->next's token as the bearer, the
 * configured credential back in place afterwards. dev->others says whether it
 * saw tokens of the marker besides the old and new ones. */
#if defined(__GNUC__)
__attribute__((noinline)) /* its locals stay out of the frame the create runs under (1 KiB per call) */
#endif
static dbtok_err prove(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev)
{
    credential configured = credential_of(c);
    marked_search s;
    dbtok_err err;
    dbtok_str secret;

    /* Masked once no longer the bearer: an echo of it stays hidden. */
    secret.ptr = dbtok__bearer(c);
    secret.len = strlen(secret.ptr);
    dbtok__remember_secret(c, secret);
#if DBTOK_ENABLE_OAUTH_M2M
    if (configured.client_secret != NULL) {
        secret.ptr = configured.client_secret;
        secret.len = strlen(secret.ptr);
        dbtok__remember_secret(c, secret);
    }
#endif
    use_token(c, dev->next.token_value);
    search_init(&s, c, rot, dev->next.token_id, dev->kept.token_id);
    err = dbtok_token_list(dbtok__client_of(c), find_marked, &s);
    use_credential(c, configured);
    dev->others = s.others > 0;
    return err;
}

/* Steps 1 to 2: on DBTOK_OK dev->next holds the proven new token, the
 * client's credential is the configured one again, and dev->others is as
 * prove() says. */
static dbtok_err make_and_prove(dbtok__state *c, const dbtok_rotation *rot, dbtok_device *dev)
{
    dbtok_client *client = dbtok__client_of(c);
    dbtok_err err;

    err = dbtok__create_recover(c, dev->comment, rot->create.lifetime_seconds, &rot->create, dev->kept.token_id,
                                &dev->made);
    if (err != DBTOK_OK) {
        return err;
    }
    if (!record_created(c, dev, &dev->made)) {
        /* Unusable: revoke it with what made it. An id too long to copy
         * whole is left to the sweep, by its marker; the old token's id
         * names the token the device holds. */
        bool id_ok = dbtok_str_copy(c->orphan_id, DBTOK__ORPHAN_ID_MAX, dev->made.info.token_id) == DBTOK_OK &&
                     c->orphan_id[0] != '\0' && strcmp(c->orphan_id, dev->kept.token_id) != 0;
        mbedtls_platform_zeroize(&dev->made, sizeof dev->made);
        dbtok_result_wipe(client);
        if (id_ok) {
            (void)dbtok_token_revoke(client, c->orphan_id);
        }
        return dbtok__client_fail(c, DBTOK_ERR_PROTOCOL);
    }
    mbedtls_platform_zeroize(&dev->made, sizeof dev->made);
    dbtok_result_wipe(client);

    err = prove(c, rot, dev);
    if (err != DBTOK_OK) {
        /* Not kept: the next sweep revokes it by its marker. */
        mbedtls_platform_zeroize(&dev->next, sizeof dev->next);
    }
    return err;
}

dbtok_err dbtok_token_rotate(dbtok_client *client, const dbtok_rotation *rot, dbtok_device *dev)
{
    dbtok__state *c = dbtok__state_of(client);
    dbtok_err err;

    if (client == NULL || !rotation_ok(rot, dev) || rot->create.answer_json || !write_comment(rot, dev)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    dbtok__client_error_reset(c);
    if (dev->keep_pending) {
        /* The rotation under way is finished, not another one begun. */
        err = keep_pending(c, rot, dev);
        return err != DBTOK_OK ? err : settle(c, rot, dev, true);
    }
    if (dev->kept.retire_id[0] != '\0') {
        /* An earlier rotation's retiree: the new record replaces its id. */
        err = revoke_gone_ok(c, dev->kept.retire_id);
        if (err != DBTOK_OK) {
            return err;
        }
    }
    /* Step 1 is kept even when dev->kept says sweep already: a keep that
     * failed may have landed, so the store's record may say otherwise, and
     * a create must never go out while the store does not say sweep. */
    memcpy(&dev->next, &dev->kept, sizeof dev->next);
    dev->next.retire_id[0] = '\0';
    dev->next.sweep = true;
    err = keep_next(c, rot, dev);
    if (err != DBTOK_OK) {
        return err;
    }
    err = make_and_prove(c, rot, dev);
    if (err != DBTOK_OK) {
        return err;
    }
    err = keep_next(c, rot, dev);
    if (err != DBTOK_OK) {
        return err;
    }
    return settle(c, rot, dev, dev->others);
}

bool dbtok_token_rotate_due(const dbtok_device *dev, int64_t now_s, int64_t min_remaining_s)
{
    int64_t margin = min_remaining_s > 0 ? min_remaining_s : 0;
    if (dev == NULL || dev->kept.token_value[0] == '\0') {
        return true;
    }
    /* -1 is the service's "never"; another negative time is long past. */
    if (dev->kept.expiry_time_ms == -1) {
        return false;
    }
    if (dev->kept.expiry_time_ms < 0) {
        return true;
    }
    if (now_s < 0) {
        now_s = 0;
    }
    /* expiry - now < margin, without overflow */
    return now_s > INT64_MAX - margin || dev->kept.expiry_time_ms / 1000 < now_s + margin;
}

bool dbtok_token_refused(const dbtok_error_info *err)
{
    return err != NULL && err->err == DBTOK_ERR_API &&
           (err->http_status == 401 || (err->http_status == 403 && strcmp(err->error_code, "PERMISSION_DENIED") != 0));
}
#else
/* ISO C wants something in every translation unit. */
typedef int dbtok__rotate_left_out;
#endif /* DBTOK_ENABLE_ROTATION */
