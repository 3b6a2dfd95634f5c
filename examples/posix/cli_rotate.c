/*
 * rotate (see cli_rotate.h). The order of creating, proving, keeping and
 * revoking is the core's (dbtok_token_rotate()); what is decided here:
 *
 * - FILE without a token (missing, empty, or a first run cut short): a
 *   rotation with the configured credential, which creates the first token.
 * - FILE with a token: the client starts with that token as its bearer;
 *   dbtok_token_rotate_finish() completes what a cut-short run left (it
 *   sends nothing when nothing is), and a list proves the token works
 *   unless finish's requests just did. Refused (dbtok_token_refused()): a
 *   rotation with the configured credential. Working and not due (nor
 *   --force): nothing changes. Otherwise a rotation with the stored token
 *   as the bearer.
 *
 * FILE belongs to one device (the marker its tokens carry) on one workspace:
 * a FILE of another host, workspace or --device is refused before anything
 * is sent, so its token never goes anywhere else. The device's name reaches
 * FILE in the rotation's first keep, before any token is created, so a token
 * a killed run made always carries a marker that FILE names. Two runs on one
 * FILE are kept apart by FILE.lock.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_rotate.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "dbtok/dbtok_rotate.h"
#include "dbtok_posix.h"

#include "cli_commands.h"
#include "cli_host.h"
#include "cli_messages.h"
#include "cli_lock.h"
#include "cli_read_file.h"
#include "cli_store_file.h"
#include "cli_text.h"

/* What the core's keep writes into, and with. */
typedef struct {
    const char *path;
    cli_store_owner owner;          /* the device and the configured workspace */
    char text[CLI_STORE_FILE_MAX];  /* FILE's text while it is written or read; wiped after */
    int keep_errno;                 /* why the last keep failed; EINVAL: the record cannot be written */
} store_keeper;

/* Static: the token is in them (off the stack, wiped at the end), and the
 * client's bearer points into g_dev from the rotation's second keep on. */
static dbtok_device g_dev;
static store_keeper g_keeper;
static char g_stored_token[DBTOK_STORE_VALUE_MAX]; /* the bearer FILE gave: fixed while the client uses it */

static int keep_record(void *ctx, dbtok_stored_token *rec)
{
    store_keeper *k = ctx;
    size_t n = cli_store_format(k->text, sizeof k->text, rec, &k->owner);
    int rc;
    if (n == 0) {
        k->keep_errno = EINVAL;
        return -1;
    }
    rc = dbtok_posix_replace_private_file(k->path, k->text, n);
    k->keep_errno = rc != 0 ? errno : 0;
    cli_wipe(k->text, n);
    return rc;
}

static int ignore_entry(void *user, const dbtok_token_info *info)
{
    (void)user;
    (void)info;
    return 0;
}

/* FILE into g_dev.kept and *found; *has_record when it held one. */
static int load_store(const char *path, cli_store_owner *found, bool *has_record)
{
    char why[256];
    size_t len = 0;
    int rc;
    cli_file_result fr = cli_read_private_file(path, g_keeper.text, sizeof g_keeper.text, &len);

    *has_record = false;
    memset(found, 0, sizeof *found);
    switch (fr) {
    case CLI_FILE_OK:
        break;
    case CLI_FILE_MISSING:
        return 0;
    case CLI_FILE_LINK:
        cli_error_line("--store %s is a symbolic link: rotate keeps its token only in a regular file it replaces "
                       "itself (give the file's own path)", path);
        return CLI_EXIT_USAGE;
    case CLI_FILE_OPEN_TO_OTHERS:
        cli_error_line("--store %s may be read or written by its group or others: a token there is not secret; "
                       "chmod 600 it (and, if someone else may have read it, rotate --force)", path);
        return CLI_EXIT_USAGE;
    case CLI_FILE_NOT_REGULAR:
        cli_error_line("--store %s is not a regular file (a folder, FIFO or device)", path);
        return CLI_EXIT_USAGE;
    case CLI_FILE_TOO_BIG:
        cli_error_line("--store %s is larger than %u bytes: not a file dbtok rotate wrote", path,
                       CLI_STORE_FILE_MAX);
        return CLI_EXIT_USAGE;
    case CLI_FILE_UNREADABLE:
    default:
        cli_error_line("cannot read --store %s: %s", path, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    rc = cli_store_parse(g_keeper.text, len, &g_dev.kept, found, why, sizeof why);
    cli_wipe(g_keeper.text, len);
    if (rc < 0) {
        dbtok_stored_token_wipe(&g_dev.kept);
        cli_error_line("--store %s is not a file dbtok rotate wrote: %s", path, why);
        return CLI_EXIT_USAGE;
    }
    *has_record = rc == 0;
    return 0;
}

/* The configured workspace must be the one FILE's token was made for: a
 * token goes to its own workspace only. */
static int check_owner(const cli_run *r, const cli_store_owner *found)
{
    const cli_settings *s = r->settings;
    char theirs[CLI_HOST_MAX + 16], mine[CLI_HOST_MAX + 16];
    if (strcmp(found->host, s->host) == 0 && found->port == s->port &&
        strcmp(found->workspace_id, s->workspace_id) == 0) {
        return 0;
    }
    cli_host_label(found->host, found->port, theirs, sizeof theirs);
    cli_host_label(s->host, s->port, mine, sizeof mine);
    cli_error_line("--store %s holds the token of %s%s%s, not of %s%s%s (from %s): it is only sent to its own "
                   "workspace; give that workspace, or another --store",
                   r->args->store, theirs, found->workspace_id[0] != '\0' ? " workspace " : "", found->workspace_id,
                   mine, s->workspace_id[0] != '\0' ? " workspace " : "", s->workspace_id,
                   cli_source_name(s->host_from, 'h'));
    return CLI_EXIT_USAGE;
}

/* The device: --device, else FILE's, else a new name ("cli-" and 16 random
 * hex digits), into g_keeper.owner.device. */
static int pick_device(const cli_run *r, const cli_rotate_env *env, const cli_store_owner *found, bool has_record)
{
    static const char hex[] = "0123456789abcdef";
    const char *given = r->args->device;
    char *name = g_keeper.owner.device;
    uint8_t bits[8];
    size_t i;

    if (given != NULL && has_record && strcmp(given, found->device) != 0) {
        cli_error_line("--store %s belongs to device '%s', not '%s' (--device): a device's tokens carry its "
                       "name, so it cannot change; give another --store for another device",
                       r->args->store, found->device, given);
        return CLI_EXIT_USAGE;
    }
    if (given != NULL || has_record) {
        const char *from = given != NULL ? given : found->device;
        if (cli_copy_span(name, sizeof g_keeper.owner.device, from, strlen(from)) != 0) {
            cli_error_line("the device name '%s' is longer than %u characters", from, DBTOK_DEVICE_NAME_MAX);
            return CLI_EXIT_USAGE;
        }
        return 0;
    }
    if (env->port->entropy(env->port->ctx, bits, sizeof bits) != 0) {
        cli_error_line("no random bytes to name the device (getrandom failed): give --device");
        return CLI_EXIT_USAGE;
    }
    memcpy(name, "cli-", 4);
    for (i = 0; i < sizeof bits; i++) {
        name[4 + 2 * i] = hex[bits[i] >> 4];
        name[5 + 2 * i] = hex[bits[i] & 15u];
    }
    name[4 + 2 * sizeof bits] = '\0';
    return 0;
}

/* A failed core call of this command, said in the rotation's terms. */
static int report(const cli_run *r, dbtok_err err, const store_keeper *k)
{
    if (err == DBTOK_ERR_INVALID_ARG) {
        cli_error_line("the device name '%s' is not one a rotation takes: 1 to %u of A-Z a-z 0-9 . _ -",
                       k->owner.device, DBTOK_DEVICE_NAME_MAX);
        return CLI_EXIT_USAGE;
    }
    if (err == DBTOK_ERR_STORAGE) {
        if (k->keep_errno == EINVAL) {
            cli_error_line("cannot write --store %s: the service's token id is not visible ASCII", k->path);
        } else {
            cli_error_line("cannot write --store %s: %s", k->path, strerror(k->keep_errno));
        }
        return CLI_EXIT_USAGE;
    }
    if (err == DBTOK_ERR_OUTCOME_UNKNOWN) {
        cli_error_line("the create request was sent but its answer was lost; a token it made carries the device's "
                       "marker, and the next 'dbtok rotate' revokes it");
        return CLI_EXIT_EXCHANGE;
    }
    return cli_report(r, err, dbtok_last_error(r->client), NULL);
}

static int print_result(const cli_run *r, cli_out *out, const char *action, const char *revoked_id)
{
    cli_out_rotation(out, action, g_dev.kept.token_id, g_dev.kept.expiry_time_ms, g_keeper.owner.device,
                     revoked_id);
    if (out->overflow) {
        return cli_output_too_large(r);
    }
    if (cli_write_output(out) != 0) {
        cli_error_line("--store %s holds token %s, but the output could not be written: %s", r->args->store,
                       g_dev.kept.token_id, strerror(errno));
        return CLI_EXIT_EXCHANGE;
    }
    return 0;
}

/* The stored token, checked: finish what a cut left, prove it works, and
 * say in *rotate whether a rotation follows (with the client started anew
 * on the configured credential when the token was refused). */
static int check_stored(cli_run *r, const cli_rotate_env *env, const dbtok_rotation *rot, bool *rotate)
{
    const cli_args *a = r->args;
    bool pending = g_dev.kept.retire_id[0] != '\0' || g_dev.kept.sweep;
    int64_t min_remaining = a->min_remaining != NULL ? a->min_remaining_s : CLI_ROTATE_DEFAULT_MIN_REMAINING_S;
    int64_t now_s;
    dbtok_err err;
    int rc;

    memcpy(g_stored_token, g_dev.kept.token_value, sizeof g_stored_token);
    cli_remember_secret(g_stored_token); /* masked even once another client no longer knows it */
    rc = env->open(env->ctx, r, g_stored_token);
    if (rc != 0) {
        return rc;
    }
    err = dbtok_token_rotate_finish(r->client, rot, &g_dev);
    /* finish's requests (a revoke, a list) were made with the token: they prove it already. */
    if (err == DBTOK_OK && !pending) {
        err = dbtok_token_list(r->client, ignore_entry, NULL);
    }
    if (err != DBTOK_OK && dbtok_token_refused(dbtok_last_error(r->client))) {
        *rotate = true;
        if (!env->have_credential) {
            cli_error_line("the token in --store %s (id %s) is refused, and no credential is configured to make "
                           "another: set --token, DATABRICKS_TOKEN, a profile or OAuth client credentials",
                           a->store, g_dev.kept.token_id);
            return report(r, err, &g_keeper);
        }
        cli_say("dbtok: ", "the token in --store %s (id %s) is refused (HTTP %d): the configured credential makes "
                "its replacement", a->store, g_dev.kept.token_id, dbtok_last_error(r->client)->http_status);
        return env->open(env->ctx, r, NULL);
    }
    if (err != DBTOK_OK) {
        return report(r, err, &g_keeper);
    }
    now_s = dbtok_trusted_time_s(r->client);
    *rotate = a->force || dbtok_token_rotate_due(&g_dev, now_s, min_remaining);
    return 0;
}

static int rotate_locked(cli_run *r, const cli_rotate_env *env, cli_out *out)
{
    const cli_args *a = r->args;
    char old_id[DBTOK_STORE_ID_MAX];
    cli_store_owner found;
    dbtok_rotation rot;
    bool has_record = false, had_token, rotate = true;
    dbtok_err err;
    int rc;

    memset(&g_dev, 0, sizeof g_dev);
    memset(&g_keeper, 0, sizeof g_keeper);
    g_keeper.path = a->store;
    rc = load_store(a->store, &found, &has_record);
    if (rc == 0 && has_record) {
        rc = check_owner(r, &found);
    }
    if (rc == 0) {
        rc = pick_device(r, env, &found, has_record);
    }
    if (rc != 0) {
        return rc;
    }
    (void)cli_copy_span(g_keeper.owner.host, sizeof g_keeper.owner.host, r->settings->host,
                        strlen(r->settings->host));
    g_keeper.owner.port = r->settings->port;
    (void)cli_copy_span(g_keeper.owner.workspace_id, sizeof g_keeper.owner.workspace_id,
                        r->settings->workspace_id, strlen(r->settings->workspace_id));
    memset(&rot, 0, sizeof rot);
    rot.device = g_keeper.owner.device;
    rot.create = cli_create_options(a, false);
    rot.keep = keep_record;
    rot.keep_ctx = &g_keeper;

    had_token = g_dev.kept.token_value[0] != '\0';
    memcpy(old_id, g_dev.kept.token_id, sizeof old_id);
    if (had_token) {
        rc = check_stored(r, env, &rot, &rotate);
        if (rc != 0) {
            return rc;
        }
        if (!rotate) {
            return print_result(r, out, "unchanged", NULL);
        }
    } else if (!env->have_credential) {
        cli_error_line("--store %s holds no token yet, and the first one is made with a configured credential: "
                       "set --token, DATABRICKS_TOKEN, a profile or OAuth client credentials" CLI_HELP_HINT,
                       a->store);
        return CLI_EXIT_USAGE;
    } else {
        rc = env->open(env->ctx, r, NULL);
        if (rc != 0) {
            return rc;
        }
    }
    err = dbtok_token_rotate(r->client, &rot, &g_dev);
    if (err == DBTOK_OK) {
        return print_result(r, out, had_token ? "rotated" : "created", had_token ? old_id : NULL);
    }
    if (g_dev.kept.token_id[0] != '\0' && strcmp(g_dev.kept.token_id, old_id) != 0) {
        /* Step 2 was kept: the new token is the device's, what is left is revoking. */
        cli_say("dbtok: ", "--store %s holds the new token %s; %s is still to be revoked, which the next "
                "'dbtok rotate' does", a->store, g_dev.kept.token_id, had_token ? old_id : "no other token");
    }
    return report(r, err, &g_keeper);
}

int cli_do_rotate(cli_run *r, const cli_rotate_env *env, cli_out *out)
{
    int rc;
    int lock = cli_lock_beside(r->args->store);
    if (lock < 0) {
        if (errno == EAGAIN || errno == EACCES) {
            cli_error_line("another 'dbtok rotate' is using --store %s (it holds %s.lock): try again once it is "
                           "done", r->args->store, r->args->store);
            return CLI_EXIT_EXCHANGE;
        }
        cli_error_line("cannot lock --store %s (%s.lock): %s", r->args->store, r->args->store, strerror(errno));
        return CLI_EXIT_USAGE;
    }
    rc = rotate_locked(r, env, out);
    (void)close(lock);
    return rc;
}

void cli_rotate_wipe(void)
{
    dbtok_device_wipe(&g_dev);
    cli_wipe(&g_keeper, sizeof g_keeper);
    cli_wipe(g_stored_token, sizeof g_stored_token);
}
