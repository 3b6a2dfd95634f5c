/*
 * What the firmware's files share: the settings from the semihosting arguments, the
 * client and its buffers, the exit codes a test reads, and the stack measurement
 * from startup.c.
 */
#ifndef DBTOK_FW_FIRMWARE_H
#define DBTOK_FW_FIRMWARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok.h"

/* Exit codes: which step failed. The text on semihosting output says why. */
#define DBTOK_FW_EXIT_OK 0
#define DBTOK_FW_EXIT_USAGE 10       /* missing or malformed semihosting arguments */
#define DBTOK_FW_EXIT_CA_FILE 11     /* the CA certificate cannot be read or is too large */
#define DBTOK_FW_EXIT_BOARD 12       /* no entropy source */
#define DBTOK_FW_EXIT_NETWORK 14     /* Ethernet image: no Ethernet controller, or lwIP failed to start */
#define DBTOK_FW_EXIT_INIT 13        /* dbtok_init failed (a CA that does not parse) */
#define DBTOK_FW_EXIT_CREATE 20      /* dbtok_token_create failed */
#define DBTOK_FW_EXIT_LIST 30        /* the first list failed */
#define DBTOK_FW_EXIT_NOT_LISTED 31  /* the new token is missing from the list */
#define DBTOK_FW_EXIT_REVOKE 40      /* dbtok_token_revoke failed */
#define DBTOK_FW_EXIT_RELIST 50      /* the list after the revoke failed */
#define DBTOK_FW_EXIT_STILL_LISTED 51 /* the revoked token is still listed */
/* Provisioning: */
#define DBTOK_FW_EXIT_STORE 60       /* the flash cannot be opened or read */
#define DBTOK_FW_EXIT_NO_CREDENTIAL 61 /* no token stored and no bootstrap credential given */
#define DBTOK_FW_EXIT_FINISH 62      /* what an earlier rotation left could not be completed */
#define DBTOK_FW_EXIT_USE 63         /* the list made with the device's token failed */
#define DBTOK_FW_EXIT_ROTATE 64      /* dbtok_token_rotate failed */
#define DBTOK_FW_EXIT_REFUSED 65     /* the stored token is refused and no bootstrap was given */
#define DBTOK_FW_EXIT_FAULT 90       /* a processor fault */

/* Most scopes a provisioning run asks its token for. */
#define DBTOK_FW_MAX_SCOPES 4

/* The semihosting arguments (see main.c). Every string lives in the argument
 * buffer; credential and client_id are secrets there, wiped by dbtok_fw_wipe_text(). */
typedef struct {
    const char *host;
    uint16_t port;
    char *credential; /* the demo's bearer token; provisioning's bootstrap (a PAT, or the
                         OAuth secret with client_id), NULL for none */
    const char *ca_file;
    int64_t clock_offset_s;
    bool trace;
#if defined(DBTOK_FW_ETHERNET)
    const char *resolve_name; /* --resolve=NAME=A.B.C.D: the host table's entry, or NULL */
    uint8_t resolve_ipv4[4];
    uint32_t timeout_ms;      /* --timeout=SECONDS: each call's deadline; 0 the default */
    uint32_t idle_ms;         /* --idle-ms=N: the demo's connection idles this long between calls */
#endif
    /* Provisioning: store is NULL in the demo. */
    const char *store;      /* the host file that is the flash */
    const char *flash_gate; /* the host FIFO each page write waits on, or NULL */
    const char *device;     /* the device's name, its marker in its tokens' comments */
    char *client_id;        /* OAuth bootstrap: the service principal's id, or NULL */
    uint32_t rotate_below_s; /* rotate once the token expires sooner than this; 0 default */
    uint32_t lifetime_s;    /* the lifetime a new token asks for; 0 default */
    const char *scopes[DBTOK_FW_MAX_SCOPES];
    size_t n_scopes;
} dbtok_fw_settings;

/* What main.c has set up for a mode: the client's storage, its port and buffers. */
typedef struct {
    dbtok_client *client;
    const dbtok_port *port;
    uint8_t *work;
    size_t work_len;
    const uint8_t *ca;
    size_t ca_len;
} dbtok_fw_env;

/* The firmware's entry point; returns an exit code. */
uint32_t dbtok_fw_main(void);

/* Today's demo: create, list, revoke, list with s->credential. Returns an exit code;
 * the client is initialised on return unless the code is DBTOK_FW_EXIT_INIT. */
uint32_t dbtok_fw_demo(const dbtok_fw_settings *s, const dbtok_fw_env *env);

#if defined(DBTOK_FW_PROVISIONING)
/* One boot of a provisioning device (provision.c); returns an exit code. The client
 * may be initialised on return, or closed, or never initialised (dbtok_close() takes
 * each). Wipes the bootstrap credential in s once the device has its own token. */
uint32_t dbtok_fw_provision(dbtok_fw_settings *s, const dbtok_fw_env *env);

/* Takes one of provisioning's options into s; false when opt is none of them or its
 * value is malformed. */
bool dbtok_fw_provision_option(dbtok_fw_settings *s, char *opt);

/* Once every argument is read: sets provisioning's defaults, and says whether s is
 * a demo's or a complete provisioning's settings. */
bool dbtok_fw_provision_settings(dbtok_fw_settings *s);

/* The usage line of the provisioning mode. */
void dbtok_fw_provision_usage(void);
#endif

/* Whether s is a decimal number of at most max, into *out. */
bool dbtok_fw_parse_decimal(const char *s, uint32_t max, uint32_t *out);

/* The value of "--name=value" when opt is that option (name ends in '='), else NULL. */
char *dbtok_fw_option_value(char *opt, const char *name);

/* A config for s's host with the CA and the firmware's timeout and user agent; no
 * credential. */
void dbtok_fw_config(const dbtok_fw_settings *s, const dbtok_fw_env *env, dbtok_config *config);

/* "dbtok-fw: " then text, on semihosting. */
void dbtok_fw_say(const char *text);

/* Says which step failed and why (the client's last error); returns code. */
uint32_t dbtok_fw_step_failed(const dbtok_client *client, const char *step, dbtok_err err, uint32_t code);

/* Overwrite the NUL-terminated text (a secret) in a way the compiler keeps. */
void dbtok_fw_wipe_text(char *text);

/* The stack region's size, and the most of it used since reset. */
size_t dbtok_fw_stack_size(void);
size_t dbtok_fw_stack_peak(void);

#endif /* DBTOK_FW_FIRMWARE_H */
