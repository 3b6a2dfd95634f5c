/*
 * `dbtok create --json`: the body is read by the core
 * (dbtok_create_request_parse(), the JSON rules dbtok reads the service's
 * answers by), so the CLI accepts exactly the JSON the library itself would;
 * what is left here is saying in a line what was wrong with it.
 */
#include <stdio.h>

#include "cli_body.h"

int cli_parse_create_body(char *text, size_t len, dbtok_create_request *out, char *err, size_t err_cap)
{
    if (dbtok_create_request_parse(text, len, out) == DBTOK_OK) {
        return 0;
    }
    switch (out->fault) {
    case DBTOK_CREATE_REQUEST_TOO_LARGE:
        (void)snprintf(err, err_cap, "--json: the body has more than %u JSON values; create takes only "
                                     "comment and lifetime_seconds", (unsigned)DBTOK_CREATE_REQUEST_MAX_VALUES);
        break;
    case DBTOK_CREATE_REQUEST_NOT_OBJECT:
        (void)snprintf(err, err_cap, "--json: the body must be a JSON object");
        break;
    case DBTOK_CREATE_REQUEST_UNKNOWN_FIELD:
        (void)snprintf(err, err_cap, "--json: unknown field '%.*s' (create takes comment and lifetime_seconds)",
                       out->field.len > 64 ? 64 : (int)out->field.len, out->field.ptr);
        break;
    case DBTOK_CREATE_REQUEST_REPEATED_FIELD:
        (void)snprintf(err, err_cap, "--json: a field is given twice");
        break;
    case DBTOK_CREATE_REQUEST_BAD_COMMENT:
        (void)snprintf(err, err_cap, "--json: comment must be a string or null");
        break;
    case DBTOK_CREATE_REQUEST_COMMENT_NUL:
        (void)snprintf(err, err_cap, "--json: comment contains a NUL character (\\u0000), "
                                     "which dbtok cannot send");
        break;
    case DBTOK_CREATE_REQUEST_BAD_LIFETIME:
        (void)snprintf(err, err_cap, "--json: lifetime_seconds must be an integer");
        break;
    case DBTOK_CREATE_REQUEST_NOT_JSON:
    case DBTOK_CREATE_REQUEST_OK:
    default:
        (void)snprintf(err, err_cap, "--json: not valid JSON");
        break;
    }
    return -1;
}
