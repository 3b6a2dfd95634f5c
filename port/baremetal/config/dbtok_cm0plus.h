/*
 * The Cortex-M0+ firmware's profile (CMakePresets.json: cm0plus): the
 * default features less those the demo firmware never uses and that would
 * still cost flash on its path: token scopes, the service's JSON as sent,
 * update, workspace routing (it talks to a plain workspace host), OAuth
 * (it holds a personal access token) and the older error shapes (the Token
 * API's errors come in the current one; any answer's HTTP status is kept).
 * Also HTTP-dates, for flash alone: a Retry-After date is ignored (seconds
 * and RetryInfo are still read), and the service's Date does not raise the
 * client's time, so certificates expire by the board's clock and
 * config.time_floor_s only. A device without a clock that wants the
 * service's time turns DBTOK_ENABLE_HTTP_DATES back on, for some 1.4 KB.
 * And the device's record store and rotation: the provisioning firmware
 * (examples/baremetal/mps2-an385, dbtok_fw_provision.elf) needs some 6 KB
 * more than the demo, which the M0+ does not have, so this profile builds
 * the demo alone. And HTTP proxies: the demo reaches the service directly.
 * Keeps the whole image within the 110 KiB the smallest
 * core is held to (README, "Bare metal"). Used as DBTOK_USER_CONFIG_FILE.
 */
#ifndef DBTOK_CM0PLUS_H
#define DBTOK_CM0PLUS_H

#define DBTOK_ENABLE_SCOPES 0
#define DBTOK_ENABLE_RAW_JSON 0
#define DBTOK_ENABLE_UPDATE 0
#define DBTOK_ENABLE_WORKSPACE_ID 0
#define DBTOK_ENABLE_OAUTH_M2M 0
#define DBTOK_ENABLE_OLDER_ERRORS 0
#define DBTOK_ENABLE_HTTP_DATES 0
#define DBTOK_ENABLE_STORE 0
#define DBTOK_ENABLE_ROTATION 0
#define DBTOK_ENABLE_PROXY 0
#define DBTOK_ENABLE_SESSION_RESUMPTION 0

#endif /* DBTOK_CM0PLUS_H */
