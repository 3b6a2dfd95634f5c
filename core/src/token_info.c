/*
 * The one decoder of a token info. See token_info.h.
 */
#include "token_info.h"

/* The fields dbtok reports, in this order; others are skipped. */
enum {
    FIELD_ID,
    FIELD_COMMENT,
    FIELD_CREATED,
    FIELD_EXPIRY,
#if DBTOK_ENABLE_SCOPES
    FIELD_SCOPES,
    FIELD_AUTOSCOPE,
    FIELD_INFERRED,
    FIELD_BACKFILL,
#endif
    FIELDS
};

static const char *const token_info_names[FIELDS] = {"token_id", "comment", "creation_time", "expiry_time",
#if DBTOK_ENABLE_SCOPES
                                                     "scopes", "autoscope_state", "inferred_scopes",
                                                     "backfill_scopes"
#endif
};

static bool is_type(const json_doc *doc, int i, jsmntype_t type)
{
    return doc->tok[i].type == type;
}

#if DBTOK_ENABLE_SCOPES
static void read_list(json_doc *doc, int i, dbtok_str_list *out)
{
    if (i >= 0) {
        dbtok__json_string_list(doc, i, out);
    }
}
#endif

/* A time, when present, as an integer. */
static dbtok_err read_time(const json_doc *doc, int i, int64_t absent, int64_t *out)
{
    *out = absent;
    return i < 0 ? DBTOK_OK : dbtok__json_int64(doc, i, out);
}

/* The checks, then (when info is not NULL) the decoding: one function, so
 * that a list entry costs one frame on the way down. */
dbtok_err dbtok__token_info_read(json_doc *doc, int obj, dbtok_token_info *info)
{
    static const dbtok_str_list none = {"", 0, 0};
    int v[FIELDS];
    int64_t created;
    int64_t expiry;

    if (dbtok__json_object_members(doc, obj, token_info_names, FIELDS, v) != DBTOK_OK || v[FIELD_ID] < 0 ||
        !dbtok__json_is_cstring(doc, v[FIELD_ID]) ||
        (v[FIELD_COMMENT] >= 0 && !is_type(doc, v[FIELD_COMMENT], JSMN_STRING)) ||
        read_time(doc, v[FIELD_CREATED], 0, &created) != DBTOK_OK ||
        read_time(doc, v[FIELD_EXPIRY], -1, &expiry) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
#if DBTOK_ENABLE_SCOPES
    if ((v[FIELD_SCOPES] >= 0 && !dbtok__json_is_string_list(doc, v[FIELD_SCOPES])) ||
        (v[FIELD_AUTOSCOPE] >= 0 && !dbtok__json_is_cstring(doc, v[FIELD_AUTOSCOPE])) ||
        (v[FIELD_INFERRED] >= 0 && !dbtok__json_is_string_list(doc, v[FIELD_INFERRED])) ||
        (v[FIELD_BACKFILL] >= 0 && !dbtok__json_is_string_list(doc, v[FIELD_BACKFILL]))) {
        return DBTOK_ERR_JSON;
    }
#endif
    if (info == NULL) {
        return DBTOK_OK;
    }
    info->creation_time_ms = created;
    info->expiry_time_ms = expiry;
    /* Strings were validated by dbtok__json_parse, so decoding cannot fail.
     * A NUL in the comment stays in it, counted in its length: cutting it
     * there would hide the rest (a marker, say) from whoever reads it. */
    (void)dbtok__json_string(doc, v[FIELD_ID], &info->token_id);
    info->comment.ptr = "";
    info->comment.len = 0;
    if (v[FIELD_COMMENT] >= 0) {
        (void)dbtok__json_string(doc, v[FIELD_COMMENT], &info->comment);
    }
    info->scopes = none;
    info->inferred_scopes = none;
    info->backfill_scopes = none;
    info->autoscope_state.ptr = "";
    info->autoscope_state.len = 0;
#if DBTOK_ENABLE_SCOPES
    read_list(doc, v[FIELD_SCOPES], &info->scopes);
    read_list(doc, v[FIELD_INFERRED], &info->inferred_scopes);
    read_list(doc, v[FIELD_BACKFILL], &info->backfill_scopes);
    if (v[FIELD_AUTOSCOPE] >= 0) {
        (void)dbtok__json_string(doc, v[FIELD_AUTOSCOPE], &info->autoscope_state);
    }
#endif
    return DBTOK_OK;
}

