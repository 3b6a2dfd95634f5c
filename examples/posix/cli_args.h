/*
 * What the command line asks for. Parsing goes on after the first usage
 * error so that a --help anywhere still shows help; the first error is the
 * one reported.
 */
#ifndef CLI_ARGS_H
#define CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok.h"

#include "cli_settings.h"

typedef enum { CLI_CMD_NONE, CLI_CMD_CREATE, CLI_CMD_LIST, CLI_CMD_DELETE, CLI_CMD_UPDATE, CLI_CMD_ROTATE } cli_command;

/* The most scopes one command line (or --json body) may name. */
#define CLI_MAX_SCOPES 32

/* rotate: replace the stored token when it expires sooner than this (7 days). */
#define CLI_ROTATE_DEFAULT_MIN_REMAINING_S 604800

typedef struct {
    cli_flags flags;
    cli_command cmd;
    const char *cmd_name;
    const char *comment;  /* NULL: none */
    bool comment_from_json; /* it came from --json, not --comment (for messages) */
    const char *lifetime; /* as given, for the error message */
    const char *json;     /* create or update --json as given: a JSON object, or @FILE */
    const char *scopes[CLI_MAX_SCOPES]; /* --scope, in order, or (when none) the --json body's */
    size_t n_scopes;
    bool scope_flags;     /* scopes came from --scope */
    bool set_scopes;      /* update: the scopes are to be replaced (n_scopes may be 0) */
    bool autoscope;       /* create: --autoscope-enabled, or true in --json */
    int64_t lifetime_seconds;
    const char *limit;    /* list --limit as given, for the error message */
    int64_t limit_entries; /* list: print at most this many; 0: all */
    uint32_t timeout_ms;
    int retries; /* -1: the library's default */
    const char *token_id;
    bool verbose, help, version;
    bool recover; /* create: find and revoke a token whose answer was lost, then create again */
    const char *store;          /* rotate --store FILE */
    const char *device;         /* rotate --device NAME; NULL: FILE's, else a new one */
    const char *min_remaining;  /* rotate --min-remaining-seconds as given, for the error message */
    int64_t min_remaining_s;    /* rotate: with min_remaining; else CLI_ROTATE_DEFAULT_MIN_REMAINING_S */
    bool force;                 /* rotate --force */
    bool failed; /* err holds the first usage error */
    char err[512];
} cli_args;

/* Record a usage error in a (only the first one is kept). */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void cli_usage_error(cli_args *a, const char *fmt, ...);

/* Read argv into a (zeroed, with retries -1, by the caller); `--` ends the
 * options. A problem sets a->failed and a->err. */
void cli_parse_args(cli_args *a, int argc, char **argv);

/* What only makes sense once the whole command line is known: a command,
 * create's options only with create (and those update and rotate share with
 * them), rotate's only with rotate and its --store, the TOKEN_ID of delete
 * and update, something for an update to change. */
void cli_check_args(cli_args *a);

/* Refuse a create comment or scope the request cannot carry (not UTF-8) or
 * whose answer could not fit a work buffer of work_len bytes, and an update's
 * or rotate's comment or scope that is not UTF-8, before anything is sent.
 * answer_json: the create keeps its answer's JSON (-o json), which needs the
 * room twice. */
void cli_check_comment(cli_args *a, size_t work_len, bool answer_json);

/* What a create (or a rotation's create) asks of the library: the command
 * line's (and --json's) comment, lifetime, scopes and autoscope; answer_json
 * for -o json. */
dbtok_create_options cli_create_options(const cli_args *a, bool answer_json);

#endif /* CLI_ARGS_H */
