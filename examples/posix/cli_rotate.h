/*
 * `dbtok rotate --store FILE`: keep a token of this host's own in FILE and
 * replace it before it expires, on the core's rotation
 * (dbtok_token_rotate(), dbtok_rotate.h). This is the decision around it:
 * which credential, whether a rotation is due, what FILE holds
 * (cli_store_file.h) and what is said.
 */
#ifndef CLI_ROTATE_H
#define CLI_ROTATE_H

#include "dbtok/dbtok.h"

#include "cli_output.h"
#include "cli_report.h"

/* How rotate (re)starts the client: main.c's, which holds the CA bundle,
 * the arena and the configured credential. Borrowed for the call. */
typedef struct {
    /* Start r->client afresh (closing the one started before, if any) with
     * bearer as its token, or with the configured credential when bearer is
     * NULL. bearer must stay valid until the next call or the end of the
     * command. Returns 0, or the exit code once the reason was said. */
    int (*open)(void *ctx, cli_run *r, const char *bearer);
    void *ctx;
    const dbtok_port *port; /* its entropy names a new device, its clock says what is due */
    bool have_credential;   /* a token or OAuth client credentials are configured */
} cli_rotate_env;

/*
 * rotate: on return FILE holds a working token (the one it held, or a new
 * one, the old one revoked), or the reason it could not is on stderr and
 * FILE holds what the core last kept, which the next run completes. Prints
 * what happened (cli_out_rotation()) on success. Returns the exit code.
 */
int cli_do_rotate(cli_run *r, const cli_rotate_env *env, cli_out *out);

/* Overwrite every token rotate held. Call it once the client is closed and
 * the tool's secrets are forgotten: until then the client's bearer and the
 * masking may point into them. */
void cli_rotate_wipe(void);

#endif /* CLI_ROTATE_H */
