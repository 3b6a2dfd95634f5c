/*
 * dbtok's minimal profile (CMakePresets.json: cm4f-minimal): create, list and
 * revoke, nothing else. Each call is one request; a failure is the
 * application's to retry at its next cycle. No trace log, no error texts, no
 * HTTP-date parser, no create recovery, no workspace id (a plain workspace
 * host), no older error shapes, no scopes, no raw JSON, no update, no
 * OAuth, no record store, no rotation, no proxy. Used as DBTOK_USER_CONFIG_FILE.
 */
#ifndef DBTOK_MINIMAL_H
#define DBTOK_MINIMAL_H

#define DBTOK_ENABLE_RETRIES 0
#define DBTOK_ENABLE_HTTP_DATES 0
#define DBTOK_ENABLE_TRACE 0
#define DBTOK_ENABLE_ERROR_TEXTS 0
#define DBTOK_ENABLE_CREATE_RECOVER 0
#define DBTOK_ENABLE_WORKSPACE_ID 0
#define DBTOK_ENABLE_OLDER_ERRORS 0
#define DBTOK_ENABLE_SCOPES 0
#define DBTOK_ENABLE_RAW_JSON 0
#define DBTOK_ENABLE_UPDATE 0
#define DBTOK_ENABLE_OAUTH_M2M 0
#define DBTOK_ENABLE_STORE 0
#define DBTOK_ENABLE_ROTATION 0
#define DBTOK_ENABLE_PROXY 0
#define DBTOK_ENABLE_SESSION_RESUMPTION 0

#endif /* DBTOK_MINIMAL_H */
