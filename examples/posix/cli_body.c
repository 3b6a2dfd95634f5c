/*
 * `dbtok create --json` and `dbtok update --json`: the body is read by the
 * core (dbtok_create_request_parse() and dbtok_update_request_parse(), the
 * JSON rules dbtok reads the service's answers by), so the CLI accepts
 * exactly the JSON the library itself would;
 * what is left here is fetching the body, saying in a line what was wrong
 * with it, and letting flags win.
 */
#define _POSIX_C_SOURCE 200809L

#include "cli_body.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dbtok/dbtok_types.h"
#include "dbtok_posix.h"

static uint8_t g_body[64 * 1024]; /* the body, decoded in place; static: off the stack */

/* The one-line message for a body the core refused, starting "--json: ". */
static void describe_fault(dbtok_request_fault fault, dbtok_str field, bool update, char *err, size_t err_cap)
{
    const char *takes = update ? "update takes token (comment, scopes) and update_mask"
                               : "create takes comment, lifetime_seconds, scopes and autoscope_enabled";
    int flen = field.len > 64 ? 64 : (int)field.len;
    switch (fault) {
    case DBTOK_REQUEST_TOO_LARGE:
        (void)snprintf(err, err_cap, "--json: the body has more than %u JSON values", (unsigned)DBTOK_REQUEST_MAX_VALUES);
        break;
    case DBTOK_REQUEST_NOT_OBJECT:
        (void)snprintf(err, err_cap, update ? "--json: the body and its token must be JSON objects"
                                            : "--json: the body must be a JSON object");
        break;
    case DBTOK_REQUEST_UNKNOWN_FIELD:
        (void)snprintf(err, err_cap, "--json: unknown field '%.*s' (%s)", flen, field.ptr, takes);
        break;
    case DBTOK_REQUEST_REPEATED_FIELD:
        (void)snprintf(err, err_cap, "--json: a field is given twice");
        break;
    case DBTOK_REQUEST_BAD_COMMENT:
        (void)snprintf(err, err_cap, "--json: comment must be a string or null");
        break;
    case DBTOK_REQUEST_COMMENT_NUL:
        (void)snprintf(err, err_cap, "--json: comment contains a NUL character (\\u0000), "
                                     "which dbtok cannot send");
        break;
    case DBTOK_REQUEST_BAD_LIFETIME:
        (void)snprintf(err, err_cap, "--json: lifetime_seconds must be an integer");
        break;
    case DBTOK_REQUEST_BAD_SCOPES:
        (void)snprintf(err, err_cap, "--json: scopes must be an array of non-empty strings");
        break;
    case DBTOK_REQUEST_BAD_AUTOSCOPE:
        (void)snprintf(err, err_cap, "--json: autoscope_enabled must be true or false");
        break;
    case DBTOK_REQUEST_BAD_MASK:
        (void)snprintf(err, err_cap, "--json: update_mask must name comment, scopes or both "
                                     "(\"comment,scopes\", no spaces)");
        break;
    case DBTOK_REQUEST_MASK_MISMATCH:
        (void)snprintf(err, err_cap, "--json: update_mask and token disagree about '%.*s': the mask must name "
                                     "exactly the fields token gives", flen, field.ptr);
        break;
    case DBTOK_REQUEST_NOT_JSON:
    case DBTOK_REQUEST_OK:
    default:
        (void)snprintf(err, err_cap, "--json: not valid JSON");
        break;
    }
}

/* The body into g_body (NUL-terminated); its length, or -1 after a usage error. */
static int fetch_body(cli_args *a, size_t *len)
{
    if (a->json[0] == '@') {
        int rc = dbtok_posix_read_file(a->json + 1, g_body, sizeof g_body, len);
        if (rc == -1) {
            cli_usage_error(a, "--json: cannot read %s: %s", a->json + 1, strerror(errno));
            return -1;
        }
        if (rc != 0) {
            cli_usage_error(a, "--json: %s is larger than %zu bytes", a->json + 1, sizeof g_body - 1);
            return -1;
        }
        (*len)--; /* read_file counts the NUL it appended */
        return 0;
    }
    *len = strlen(a->json);
    if (*len >= sizeof g_body) {
        cli_usage_error(a, "--json: the body is larger than %zu bytes", sizeof g_body - 1);
        return -1;
    }
    memcpy(g_body, a->json, *len + 1);
    return 0;
}

/* The body's scopes, unless --scope gave some: flags win. */
static void take_scopes(cli_args *a, const dbtok_str_list *scopes)
{
    dbtok_str s;
    size_t pos = 0;
    if (a->scope_flags) {
        return;
    }
    if (scopes->count > CLI_MAX_SCOPES) {
        cli_usage_error(a, "--json: at most %d scopes may be given", CLI_MAX_SCOPES);
        return;
    }
    while (dbtok_str_list_next(scopes, &pos, &s)) {
        a->scopes[a->n_scopes++] = s.ptr;
    }
}

static void apply_create_body(cli_args *a, size_t len)
{
    dbtok_create_request body;
    char err[256];
    if (dbtok_create_request_parse((char *)g_body, len, &body) != DBTOK_OK) {
        describe_fault(body.fault, body.field, false, err, sizeof err);
        cli_usage_error(a, "%s", err);
        return;
    }
    if (body.has_lifetime && body.lifetime_seconds < 0) {
        cli_usage_error(a, "--json: lifetime_seconds must be 0 (the workspace default) or more, not %lld",
                        (long long)body.lifetime_seconds);
        return;
    }
    if (a->comment == NULL && body.comment != NULL) {
        a->comment = body.comment;
        a->comment_from_json = true;
    }
    if (a->lifetime == NULL && body.has_lifetime) {
        a->lifetime_seconds = body.lifetime_seconds;
    }
    take_scopes(a, &body.scopes);
    a->autoscope = a->autoscope || body.autoscope_enabled;
}

static void apply_update_body(cli_args *a, size_t len)
{
    dbtok_update_request body;
    char err[256];
    if (dbtok_update_request_parse((char *)g_body, len, &body) != DBTOK_OK) {
        describe_fault(body.fault, body.field, true, err, sizeof err);
        cli_usage_error(a, "%s", err);
        return;
    }
    if (a->comment == NULL && body.comment != NULL) {
        a->comment = body.comment;
        a->comment_from_json = true;
    }
    if (body.set_scopes) {
        take_scopes(a, &body.scopes);
        a->set_scopes = true;
    }
}

void cli_apply_json_body(cli_args *a)
{
    size_t len;
    if (fetch_body(a, &len) != 0) {
        return;
    }
    if (a->cmd == CLI_CMD_UPDATE) {
        apply_update_body(a, len);
    } else {
        apply_create_body(a, len);
    }
}
