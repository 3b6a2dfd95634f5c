/*
 * What the firmware's files share: the exit codes a test reads, and the stack
 * measurement from startup.c.
 */
#ifndef DBTOK_FW_FIRMWARE_H
#define DBTOK_FW_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

/* Exit codes: which step failed. The text on semihosting output says why. */
#define DBTOK_FW_EXIT_OK 0
#define DBTOK_FW_EXIT_USAGE 10       /* missing or malformed semihosting arguments */
#define DBTOK_FW_EXIT_CA_FILE 11     /* the CA certificate cannot be read or is too large */
#define DBTOK_FW_EXIT_BOARD 12       /* no entropy source */
#define DBTOK_FW_EXIT_INIT 13        /* dbtok_init failed (a CA that does not parse) */
#define DBTOK_FW_EXIT_CREATE 20      /* dbtok_token_create failed */
#define DBTOK_FW_EXIT_LIST 30        /* the first list failed */
#define DBTOK_FW_EXIT_NOT_LISTED 31  /* the new token is missing from the list */
#define DBTOK_FW_EXIT_REVOKE 40      /* dbtok_token_revoke failed */
#define DBTOK_FW_EXIT_RELIST 50      /* the list after the revoke failed */
#define DBTOK_FW_EXIT_STILL_LISTED 51 /* the revoked token is still listed */
#define DBTOK_FW_EXIT_FAULT 90       /* a processor fault */

/* The provisioning flow; returns an exit code. */
uint32_t dbtok_fw_main(void);

/* The stack region's size, and the most of it used since reset. */
size_t dbtok_fw_stack_size(void);
size_t dbtok_fw_stack_peak(void);

#endif /* DBTOK_FW_FIRMWARE_H */
