/*
 * The commands: create, list, update and delete on a client dbtok_init() has set up.
 * A create composes its output first and writes it only once the call
 * succeeded; a list writes each entry as it arrives. Either way stdout must
 * really have taken it.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_commands.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_messages.h"

/*
 * Hand stdout's bytes over for good: for a regular file, fsync() so that a
 * full or failing disk is found now and not after dbtok said "done"; then
 * close() (where NFS reports a late write error); then /dev/null back onto
 * fd 1 at once, so that no socket a later call opens can take it. -1 with
 * errno set when the output may not have arrived.
 */
static int finish_stdout(void)
{
    struct stat st;
    int rc = 0, saved = 0, fd;
    if (fstat(STDOUT_FILENO, &st) == 0 && S_ISREG(st.st_mode) && fsync(STDOUT_FILENO) != 0 &&
        errno != EINVAL) {
        rc = -1;
        saved = errno;
    }
    if (close(STDOUT_FILENO) != 0 && errno != EINTR && rc == 0) {
        rc = -1; /* EINTR: Linux closed it anyway, and the data went out */
        saved = errno;
    }
    fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (fd >= 0 && fd != STDOUT_FILENO) {
        (void)dup2(fd, STDOUT_FILENO);
        (void)close(fd);
    }
    errno = saved;
    return rc;
}

int cli_write_output(const cli_out *out)
{
    if (cli_write_all(STDOUT_FILENO, out->buf, out->len) != 0) {
        return -1;
    }
    return finish_stdout();
}

/*
 * A new token whose value nobody received must not stay live: nobody could
 * use it, and nobody would know to revoke it. The client still holds the
 * connection and the id, so revoke it now; only when that fails too may a
 * token exist (exit 4, and the id to revoke it by).
 */
static int revoke_undelivered(dbtok_client *client, const char *id, const char *why)
{
    dbtok_err err;
    const dbtok_error_info *e;
    if (id == NULL) {
        cli_error_line("the token was created but its value could not be written to stdout (%s), and its "
                       "id is too long to revoke it: a token may exist, find it with 'dbtok list'",
                       why);
        return CLI_EXIT_UNKNOWN;
    }
    err = dbtok_token_revoke(client, id);
    e = dbtok_last_error(client);
    if (err == DBTOK_OK || (err == DBTOK_ERR_API && e->http_status == 404)) {
        cli_error_line("the token was created but its value could not be written to stdout (%s); it was "
                       "revoked (id %s)",
                       why, id);
        return CLI_EXIT_EXCHANGE;
    }
    cli_error_line("the token was created but its value could not be written to stdout (%s), and revoking "
                   "it failed too (%s): a token may exist; revoke it with 'dbtok delete %s'",
                   why, dbtok_strerror(err), id);
    return CLI_EXIT_UNKNOWN;
}

int cli_do_create(const cli_run *r, cli_out *out)
{
    const cli_args *a = r->args;
    dbtok_created_token t;
    char id[160]; /* not secret: kept to revoke the token if printing fails */
    char why[128];
    bool have_id, delivered;
    /* -o json prints the answer as the service sent it. */
    dbtok_create_options o = cli_create_options(a, out->format == CLI_OUTPUT_JSON);
    dbtok_err err = a->recover ? dbtok_token_create_recover_with(r->client, &o, &t) : dbtok_token_create_with(r->client, &o, &t);
    if (err != DBTOK_OK) {
        return cli_report(r, err, dbtok_last_error(r->client), NULL);
    }
    have_id = dbtok_str_copy(id, sizeof id, t.info.token_id) == DBTOK_OK;
    cli_out_created(out, &t);
    dbtok_result_wipe(r->client); /* the output buffer now holds the only copy */
    if (o.answer_json && t.answer_json.len == 0) {
        /* The answer outgrew the room kept for its copy: it cannot be shown
         * as it came, and a made-up one would not be the service's. */
        (void)snprintf(why, sizeof why, "the answer did not fit twice in the work buffer");
        delivered = false;
    } else if (out->overflow) {
        (void)snprintf(why, sizeof why, "the output buffer is too small");
        delivered = false;
    } else {
        delivered = cli_write_output(out) == 0;
        if (!delivered) {
            (void)snprintf(why, sizeof why, "%s", strerror(errno));
        }
    }
    cli_out_wipe(out);
    return delivered ? 0 : revoke_undelivered(r->client, have_id ? id : NULL, why);
}

static int write_stdout(void *user, const char *buf, size_t len)
{
    (void)user;
    return cli_write_all(STDOUT_FILENO, buf, len);
}

int cli_do_list(const cli_run *r, cli_out *out)
{
    dbtok_err err;
    int rc;

    out->limit = (size_t)r->args->limit_entries;
    cli_out_set_stream(out, write_stdout, NULL);
    err = out->format == CLI_OUTPUT_JSON ? dbtok_token_list_json(r->client, cli_out_list_json_cb, out)
                                         : dbtok_token_list(r->client, cli_out_list_cb, out);
    if (out->write_errno != 0) {
        /* A closed pipe (`dbtok list | head -1`) or a full disk: the rest
         * is not read (and the connection not kept). */
        cli_error_line("cannot write the output: %s", strerror(out->write_errno));
        return CLI_EXIT_EXCHANGE;
    }
    /* Stopped by --limit, with the entries asked for: the rest is not read
     * (and the connection not kept). */
    if (err == DBTOK_ERR_ABORTED && !out->overflow && out->limit != 0 && out->count == out->limit) {
        err = DBTOK_OK;
    }
    if (err != DBTOK_OK) {
        rc = cli_report(r, err, dbtok_last_error(r->client), out);
        if (out->count > 0) {
            /* Entries are on stdout already; only the exit code and this line
             * tell that they are not all. The core never sends a list again
             * once an entry was handed out, so none is printed twice. */
            cli_error_line("the list is incomplete: it broke after %zu entr%s, printed on stdout%s", out->count,
                           out->count == 1 ? "y" : "ies",
                           out->format == CLI_OUTPUT_JSON ? " as an array without its closing ']'" : "");
            rc = CLI_EXIT_EXCHANGE;
        }
        return rc;
    }
    cli_out_list_end(out);
    if (cli_write_output(out) != 0) {
        cli_error_line("cannot write the output: %s", strerror(errno));
        return CLI_EXIT_EXCHANGE;
    }
    return 0;
}

int cli_do_delete(const cli_run *r)
{
    dbtok_err err = dbtok_token_revoke(r->client, r->args->token_id);
    if (err != DBTOK_OK) {
        return cli_report(r, err, dbtok_last_error(r->client), NULL);
    }
    return 0;
}

int cli_do_update(const cli_run *r)
{
    const cli_args *a = r->args;
    dbtok_update_options o;
    dbtok_err err;
    memset(&o, 0, sizeof o);
    o.comment = a->comment;
    o.set_scopes = a->set_scopes;
    o.scopes = a->scopes;
    o.n_scopes = a->n_scopes;
    err = dbtok_token_update(r->client, a->token_id, &o);
    if (err != DBTOK_OK) {
        return cli_report(r, err, dbtok_last_error(r->client), NULL);
    }
    return 0;
}
