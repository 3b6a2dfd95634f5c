/*
 * `dbtok create --json`: the body is read by the core
 * (dbtok_create_request_parse(), the JSON rules dbtok reads the service's
 * answers by), so the CLI accepts exactly the JSON the library itself would;
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

/* 0, or -1 with a one-line message starting "--json: " in err. */
static int parse_body(char *text, size_t len, dbtok_create_request *out, char *err, size_t err_cap)
{
    if (dbtok_create_request_parse(text, len, out) == DBTOK_OK) {
        return 0;
    }
    switch (out->fault) {
    case DBTOK_REQUEST_TOO_LARGE:
        (void)snprintf(err, err_cap, "--json: the body has more than %u JSON values; create takes only "
                                     "comment and lifetime_seconds", (unsigned)DBTOK_REQUEST_MAX_VALUES);
        break;
    case DBTOK_REQUEST_NOT_OBJECT:
        (void)snprintf(err, err_cap, "--json: the body must be a JSON object");
        break;
    case DBTOK_REQUEST_UNKNOWN_FIELD:
        (void)snprintf(err, err_cap, "--json: unknown field '%.*s' (create takes comment and lifetime_seconds)",
                       out->field.len > 64 ? 64 : (int)out->field.len, out->field.ptr);
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
    case DBTOK_REQUEST_NOT_JSON:
    case DBTOK_REQUEST_OK:
    default:
        (void)snprintf(err, err_cap, "--json: not valid JSON");
        break;
    }
    return -1;
}

void cli_apply_json_body(cli_args *a)
{
    dbtok_create_request body;
    char err[256];
    size_t len;
    if (a->json[0] == '@') {
        int rc = dbtok_posix_read_file(a->json + 1, g_body, sizeof g_body, &len);
        if (rc == -1) {
            cli_usage_error(a, "--json: cannot read %s: %s", a->json + 1, strerror(errno));
            return;
        }
        if (rc != 0) {
            cli_usage_error(a, "--json: %s is larger than %zu bytes", a->json + 1, sizeof g_body - 1);
            return;
        }
        len--; /* read_file counts the NUL it appended */
    } else {
        len = strlen(a->json);
        if (len >= sizeof g_body) {
            cli_usage_error(a, "--json: the body is larger than %zu bytes", sizeof g_body - 1);
            return;
        }
        memcpy(g_body, a->json, len + 1);
    }
    if (parse_body((char *)g_body, len, &body, err, sizeof err) != 0) {
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
}

