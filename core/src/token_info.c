/*
 * The one decoder of a token info. See token_info.h.
 */
#include "token_info.h"

/* The fields dbtok reports, in this order; others are skipped. */
enum { FIELD_ID, FIELD_COMMENT, FIELD_CREATED, FIELD_EXPIRY, FIELDS };

static const char *const token_info_names[FIELDS] = {"token_id", "comment", "creation_time", "expiry_time"};

static bool is_type(const json_doc *doc, int i, jsmntype_t type)
{
    return doc->tok[i].type == type;
}

/* A time, when present, as an integer. */
static dbtok_err read_time(const json_doc *doc, int i, int64_t absent, int64_t *out)
{
    *out = absent;
    return i < 0 ? DBTOK_OK : dbtok__json_int64(doc, i, out);
}

dbtok_err dbtok__token_info_read(json_doc *doc, int obj, dbtok_token_info *info)
{
    int v[FIELDS];

    if (dbtok__json_object_members(doc, obj, token_info_names, FIELDS, v) != DBTOK_OK || v[FIELD_ID] < 0 ||
        !is_type(doc, v[FIELD_ID], JSMN_STRING) ||
        dbtok__json_span_holds_nul(doc->text, doc->tok[v[FIELD_ID]].start, doc->tok[v[FIELD_ID]].end) ||
        (v[FIELD_COMMENT] >= 0 && !is_type(doc, v[FIELD_COMMENT], JSMN_STRING)) ||
        read_time(doc, v[FIELD_CREATED], 0, &info->creation_time_ms) != DBTOK_OK ||
        read_time(doc, v[FIELD_EXPIRY], -1, &info->expiry_time_ms) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
    /* Strings were validated by dbtok__json_parse, so decoding cannot fail.
     * A NUL in the comment stays in it, counted in its length: cutting it
     * there would hide the rest (a marker, say) from whoever reads it. */
    (void)dbtok__json_string(doc, v[FIELD_ID], &info->token_id);
    info->comment.ptr = "";
    info->comment.len = 0;
    if (v[FIELD_COMMENT] >= 0) {
        (void)dbtok__json_string(doc, v[FIELD_COMMENT], &info->comment);
    }
    return DBTOK_OK;
}
