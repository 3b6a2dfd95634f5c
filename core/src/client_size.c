/*
 * Not part of the library: the build compiles this file alone, with the
 * library's own flags and mbedTLS configuration, and reads the size of the
 * array below from the object (core/client_size.cmake) to write
 * dbtok/dbtok_client_size.h. The array's size is the client state's.
 */
#define DBTOK__SIZE_PROBE
#include "client_internal.h"

const unsigned char dbtok__client_size_probe[sizeof(dbtok__state)] = {0};
/* The limits that size dbtok_error_info, as this build sees them: dbtok.h
 * stops a program compiled with others. */
const unsigned char dbtok__error_code_len_probe[DBTOK_MAX_ERROR_CODE_LEN] = {0};
const unsigned char dbtok__error_message_len_probe[DBTOK_MAX_ERROR_MESSAGE_LEN] = {0};
/* The switches that shape the API (dbtok_config.h), each probe's size the
 * switch plus one: dbtok.h stops a program compiled with other ones. */
const unsigned char dbtok__enable_trace_probe[DBTOK_ENABLE_TRACE + 1] = {0};
const unsigned char dbtok__enable_error_texts_probe[DBTOK_ENABLE_ERROR_TEXTS + 1] = {0};
const unsigned char dbtok__enable_create_recover_probe[DBTOK_ENABLE_CREATE_RECOVER + 1] = {0};
const unsigned char dbtok__enable_retries_probe[DBTOK_ENABLE_RETRIES + 1] = {0};
const unsigned char dbtok__enable_http_dates_probe[DBTOK_ENABLE_HTTP_DATES + 1] = {0};
const unsigned char dbtok__enable_workspace_id_probe[DBTOK_ENABLE_WORKSPACE_ID + 1] = {0};
const unsigned char dbtok__enable_older_errors_probe[DBTOK_ENABLE_OLDER_ERRORS + 1] = {0};
const unsigned char dbtok__enable_scopes_probe[DBTOK_ENABLE_SCOPES + 1] = {0};
const unsigned char dbtok__enable_raw_json_probe[DBTOK_ENABLE_RAW_JSON + 1] = {0};
const unsigned char dbtok__enable_update_probe[DBTOK_ENABLE_UPDATE + 1] = {0};
const unsigned char dbtok__enable_oauth_m2m_probe[DBTOK_ENABLE_OAUTH_M2M + 1] = {0};
const unsigned char dbtok__enable_store_probe[DBTOK_ENABLE_STORE + 1] = {0};
const unsigned char dbtok__enable_rotation_probe[DBTOK_ENABLE_ROTATION + 1] = {0};
const unsigned char dbtok__enable_proxy_probe[DBTOK_ENABLE_PROXY + 1] = {0};
const unsigned char dbtok__enable_session_resumption_probe[DBTOK_ENABLE_SESSION_RESUMPTION + 1] = {0};
