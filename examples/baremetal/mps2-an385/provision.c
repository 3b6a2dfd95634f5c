/*
 * The provisioning mode: one boot of a device that keeps its own token in flash
 * (dbtok_flash_store.h over flash_semihost.h) and replaces it before it expires
 * (dbtok_rotate.h), so that a power cut at any point leaves it a working token.
 *
 *   nothing stored      create the device's token with the bootstrap credential
 *                       (dbtok_token_rotate: the create, the proof, the keeps)
 *   a token stored      finish what an earlier boot left (dbtok_token_rotate_finish),
 *                       use the token (a list), then rotate with it when it expires
 *                       within --rotate-below; keep the time learned once it has moved
 *                       a day
 *   the token refused   as nothing stored, when a bootstrap credential is given
 *
 * The bootstrap credential is never written to the flash, and its bytes in the
 * argument buffer are wiped as soon as the device has a token of its own that works.
 * Each boot ends with one line "dbtok-fw: result status=ok|fail action=... step=...
 * err=N http=N token-id=ID|- seq=N sweep=0|1 retire=0|1 time=S floor=S": never a
 * secret (the id is not one).
 */
#include <string.h>

#include "dbtok/dbtok_rotate.h"
#include "dbtok_flash_store.h"
#include "firmware.h"
#include "flash_semihost.h"
#include "semihost.h"

/* The build date (Unix seconds): a time known to have passed on every boot. */
#ifndef DBTOK_FW_BUILD_TIME_S
#error "DBTOK_FW_BUILD_TIME_S must be defined (CMake sets it at configure time)"
#endif

#define COMMENT "dbtok firmware mps2-an385"
/* A token of 90 days, replaced in its last 7. */
#define DEFAULT_LIFETIME_S (90u * 86400u)
#define DEFAULT_ROTATE_BELOW_S (7u * 86400u)
/* The time kept with the token is written again once the time learned has moved this
 * far past it: a boot is not worth a flash erase, a day is. */
#define FLOOR_REFRESH_S 86400

/* What a boot keeps: some 1.2 KiB, static rather than on the 6 KiB stack. */
static struct {
    mps2_flash flash;
    dbtok_flash_store flash_store;
    dbtok_store store;
    dbtok_rotation rot;
    dbtok_device dev;
} d;

typedef struct {
    const char *action; /* used, provisioned, rotated, reprovisioned */
    const char *step;   /* the step that failed, "-" when none did */
    dbtok_err err;
    int http_status;    /* of the failed step's answer; 0 for none */
    int64_t time_s;     /* dbtok_trusted_time_s() at the end, 0 without a client */
} outcome;

bool dbtok_fw_provision_option(dbtok_fw_settings *s, char *opt)
{
    char *v;
    if ((v = dbtok_fw_option_value(opt, "--store=")) != NULL) {
        s->store = v;
    } else if ((v = dbtok_fw_option_value(opt, "--flash-gate=")) != NULL) {
        s->flash_gate = v;
    } else if ((v = dbtok_fw_option_value(opt, "--device=")) != NULL) {
        s->device = v;
    } else if ((v = dbtok_fw_option_value(opt, "--client-id=")) != NULL) {
        s->client_id = v;
    } else if ((v = dbtok_fw_option_value(opt, "--rotate-below=")) != NULL) {
        return dbtok_fw_parse_decimal(v, 0x7fffffffu, &s->rotate_below_s);
    } else if ((v = dbtok_fw_option_value(opt, "--lifetime=")) != NULL) {
        return dbtok_fw_parse_decimal(v, 0x7fffffffu, &s->lifetime_s) && s->lifetime_s > 0;
    } else if ((v = dbtok_fw_option_value(opt, "--scope=")) != NULL && s->n_scopes < DBTOK_FW_MAX_SCOPES) {
        s->scopes[s->n_scopes++] = v;
    } else {
        return false;
    }
    return true;
}

bool dbtok_fw_provision_settings(dbtok_fw_settings *s)
{
    if (s->store == NULL) {
        /* The demo: none of provisioning's options. */
        return s->device == NULL && s->client_id == NULL && s->flash_gate == NULL && s->n_scopes == 0 &&
               s->rotate_below_s == 0 && s->lifetime_s == 0;
    }
    if (strcmp(s->credential, "-") == 0) {
        s->credential = NULL;
    }
    if (s->lifetime_s == 0) {
        s->lifetime_s = DEFAULT_LIFETIME_S;
    }
    if (s->rotate_below_s == 0) {
        s->rotate_below_s = DEFAULT_ROTATE_BELOW_S;
    }
    return s->device != NULL && (s->client_id == NULL || s->credential != NULL);
}

void dbtok_fw_provision_usage(void)
{
    dbtok_fw_say("   or: PROGRAM HOST PORT BOOTSTRAP|- CA_FILE --store=FILE --device=NAME [--client-id=ID]"
                 " [--rotate-below=SECONDS] [--lifetime=SECONDS] [--scope=NAME]... [--flash-gate=FIFO]"
                 " [--trace]\n");
}

/* dbtok_rotation.keep: the record into the flash. */
static int keep(void *ctx, dbtok_stored_token *rec)
{
    return dbtok_store_save(ctx, rec) == DBTOK_OK ? 0 : -1;
}

static void say_int(const char *name, int64_t value)
{
    semihost_puts(" ");
    semihost_puts(name);
    semihost_puts("=");
    /* Times fit 32 bits until 2106; a negative value (none) reads as 0. */
    semihost_put_uint(value > 0 && value <= 0xFFFFFFFF ? (uint32_t)value : 0u);
}

static void say_result(const outcome *o)
{
    const dbtok_stored_token *k = &d.dev.kept;
    dbtok_fw_say("result status=");
    semihost_puts(o->err == DBTOK_OK ? "ok" : "fail");
    semihost_puts(" action=");
    semihost_puts(o->action);
    semihost_puts(" step=");
    semihost_puts(o->step);
    semihost_puts(" err=");
    semihost_put_int((int32_t)o->err);
    semihost_puts(" http=");
    semihost_put_int((int32_t)o->http_status);
    semihost_puts(" token-id=");
    semihost_puts(k->token_id[0] != '\0' ? k->token_id : "-");
    say_int("seq", k->seq);
    say_int("sweep", k->sweep ? 1 : 0);
    say_int("retire", k->retire_id[0] != '\0' ? 1 : 0);
    say_int("time", o->time_s);
    say_int("floor", k->time_floor_s);
    semihost_puts("\n");
}

static void wipe_bootstrap(dbtok_fw_settings *s)
{
    if (s->credential != NULL) {
        dbtok_fw_wipe_text(s->credential);
        s->credential = NULL;
    }
    if (s->client_id != NULL) {
        dbtok_fw_wipe_text(s->client_id);
        s->client_id = NULL;
    }
}

/* The client with the device's token, or (token NULL) with the bootstrap credential. */
static dbtok_err start_client(const dbtok_fw_settings *s, const dbtok_fw_env *env, const char *token)
{
    dbtok_config config;
    dbtok_fw_config(s, env, &config);
    config.time_floor_s = d.dev.kept.time_floor_s > DBTOK_FW_BUILD_TIME_S ? d.dev.kept.time_floor_s
                                                                          : (int64_t)DBTOK_FW_BUILD_TIME_S;
    if (token != NULL) {
        config.token = token;
    } else if (s->client_id != NULL) {
        config.client_id = s->client_id;
        config.client_secret = s->credential;
    } else {
        config.token = s->credential;
    }
    return dbtok_init(env->client, &config, env->port, env->work, env->work_len);
}

/* The outcome of a boot whose client is initialised: its error said now, while the
 * client still has it. */
static outcome ended(const dbtok_client *client, const char *action, const char *step, dbtok_err err)
{
    outcome o;
    o.action = action;
    o.step = err == DBTOK_OK ? "-" : step;
    o.err = err;
    o.http_status = err == DBTOK_OK ? 0 : dbtok_last_error(client)->http_status;
    o.time_s = dbtok_trusted_time_s(client);
    if (err != DBTOK_OK) {
        (void)dbtok_fw_step_failed(client, step, err, 0);
    }
    return o;
}

/* The outcome of a boot that has no client. */
static outcome not_started(const char *action, const char *step, dbtok_err err)
{
    outcome o;
    o.action = action;
    o.step = step;
    o.err = err;
    o.http_status = 0;
    o.time_s = 0;
    return o;
}

static int count_token(void *user, const dbtok_token_info *info)
{
    (void)info;
    (*(uint32_t *)user)++;
    return 0;
}

/* A new token made with the bootstrap credential: the device's first, or one in
 * place of a token the service refuses. */
static outcome with_bootstrap(dbtok_fw_settings *s, const dbtok_fw_env *env, const char *action)
{
    char before[DBTOK_STORE_ID_MAX];
    dbtok_err err;

    if (s->credential == NULL) {
        dbtok_fw_say("no working token of its own, and no bootstrap credential\n");
        return not_started(action, "credential", DBTOK_ERR_INVALID_ARG);
    }
    err = start_client(s, env, NULL);
    if (err != DBTOK_OK) {
        (void)dbtok_fw_step_failed(env->client, "init", err, 0);
        return not_started(action, "init", err);
    }
    memcpy(before, d.dev.kept.token_id, sizeof before);
    err = dbtok_token_rotate(env->client, &d.rot, &d.dev);
    /* From step 2 on the device holds a new token of its own (dbtok_rotate.h). */
    if (d.dev.kept.token_id[0] != '\0' && strcmp(before, d.dev.kept.token_id) != 0) {
        wipe_bootstrap(s);
    }
    return ended(env->client, action, "rotate", err);
}

/* The time learned, kept with the token once it is a day ahead of the kept one. A
 * failed write loses nothing: the record kept before still stands. */
static void keep_time(const dbtok_client *client)
{
    int64_t now = dbtok_trusted_time_s(client);
    if (now - d.dev.kept.time_floor_s >= FLOOR_REFRESH_S) {
        d.dev.kept.time_floor_s = now;
        if (dbtok_store_save(&d.store, &d.dev.kept) != DBTOK_OK) {
            dbtok_fw_say("the time learned could not be kept\n");
        }
    }
}

/* A boot with a token stored. */
static outcome with_own_token(dbtok_fw_settings *s, const dbtok_fw_env *env)
{
    uint32_t listed = 0;
    const char *step = "finish";
    dbtok_err err = start_client(s, env, d.dev.kept.token_value);

    if (err != DBTOK_OK) {
        (void)dbtok_fw_step_failed(env->client, "init", err, 0);
        return not_started("used", "init", err);
    }
    err = dbtok_token_rotate_finish(env->client, &d.rot, &d.dev);
    if (err == DBTOK_OK) {
        step = "use";
        err = dbtok_token_list(env->client, count_token, &listed);
    }
    if (err == DBTOK_ERR_API && dbtok_token_refused(dbtok_last_error(env->client))) {
        dbtok_fw_say("the stored token is refused\n");
        dbtok_close(env->client);
        return with_bootstrap(s, env, "reprovisioned");
    }
    if (err != DBTOK_OK) {
        return ended(env->client, "used", step, err);
    }
    wipe_bootstrap(s);
    if (dbtok_token_rotate_due(&d.dev, dbtok_trusted_time_s(env->client), (int64_t)s->rotate_below_s)) {
        return ended(env->client, "rotated", "rotate", dbtok_token_rotate(env->client, &d.rot, &d.dev));
    }
    keep_time(env->client);
    return ended(env->client, "used", "-", DBTOK_OK);
}

static uint32_t exit_code(const outcome *o)
{
    if (o->err == DBTOK_OK) {
        return DBTOK_FW_EXIT_OK;
    }
    if (strcmp(o->step, "credential") == 0) {
        return d.dev.kept.token_value[0] != '\0' ? DBTOK_FW_EXIT_REFUSED : DBTOK_FW_EXIT_NO_CREDENTIAL;
    }
    if (strcmp(o->step, "init") == 0) {
        return DBTOK_FW_EXIT_INIT;
    }
    if (strcmp(o->step, "finish") == 0) {
        return DBTOK_FW_EXIT_FINISH;
    }
    return strcmp(o->step, "use") == 0 ? DBTOK_FW_EXIT_USE : DBTOK_FW_EXIT_ROTATE;
}

uint32_t dbtok_fw_provision(dbtok_fw_settings *s, const dbtok_fw_env *env)
{
    dbtok_err err;
    uint32_t code;
    outcome o;

    if (mps2_flash_open(&d.flash, s->store, s->flash_gate) != 0 ||
        dbtok_flash_store_init(&d.flash_store, &d.flash.flash, 0, &d.store) != 0) {
        dbtok_fw_say("cannot open the flash\n");
        return DBTOK_FW_EXIT_STORE;
    }
    err = dbtok_store_load(&d.store, &d.dev.kept);
    if (err != DBTOK_OK && err != DBTOK_ERR_NOT_FOUND) {
        mps2_flash_close(&d.flash);
        dbtok_fw_say("cannot read the flash\n");
        return DBTOK_FW_EXIT_STORE;
    }
    d.rot.device = s->device;
    d.rot.create.comment = COMMENT;
    d.rot.create.lifetime_seconds = (int64_t)s->lifetime_s;
    d.rot.create.scopes = s->scopes;
    d.rot.create.n_scopes = s->n_scopes;
    d.rot.keep = keep;
    d.rot.keep_ctx = &d.store;

    o = d.dev.kept.token_value[0] == '\0' ? with_bootstrap(s, env, "provisioned") : with_own_token(s, env);
    say_result(&o);
    code = exit_code(&o);
    dbtok_device_wipe(&d.dev);
    mps2_flash_close(&d.flash);
    return code;
}
