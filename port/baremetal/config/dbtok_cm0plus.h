/*
 * The Cortex-M0+ firmware's profile (CMakePresets.json: cm0plus): the
 * default features less those the demo firmware never uses and that would
 * still cost flash on its path: token scopes, the service's JSON as sent,
 * update, workspace routing (it talks to a plain workspace host), OAuth
 * (it holds a personal access token) and the older error shapes (the Token
 * API's errors come in the current one; any answer's HTTP status is kept).
 * Keeps the whole image within the 110 KiB the smallest core is held to
 * (README, "Bare metal"). Used as DBTOK_USER_CONFIG_FILE.
 */
#ifndef DBTOK_CM0PLUS_H
#define DBTOK_CM0PLUS_H

#define DBTOK_ENABLE_SCOPES 0
#define DBTOK_ENABLE_RAW_JSON 0
#define DBTOK_ENABLE_UPDATE 0
#define DBTOK_ENABLE_WORKSPACE_ID 0
#define DBTOK_ENABLE_OAUTH_M2M 0
#define DBTOK_ENABLE_OLDER_ERRORS 0

#endif /* DBTOK_CM0PLUS_H */
