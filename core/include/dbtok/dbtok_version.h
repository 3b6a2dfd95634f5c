/**
 * @file dbtok_version.h
 * @brief dbtok's version, at compile time and at run time.
 *
 * dbtok follows semantic versioning (https://semver.org): within one major
 * version, a later minor or patch release builds and links with code written
 * for an earlier one. While the major version is 0 (as now) a minor release
 * may still change the API; CHANGELOG.md lists every such change.
 *
 * The macros describe the headers a program was compiled with;
 * dbtok_version() describes the library it was linked with. Comparing the two
 * catches a stale library in a firmware image or an install prefix.
 */
#ifndef DBTOK_VERSION_H
#define DBTOK_VERSION_H

/** Incremented for changes that break source or binary compatibility. */
#define DBTOK_VERSION_MAJOR 0
/** Incremented for compatible additions. */
#define DBTOK_VERSION_MINOR 1
/** Incremented for compatible fixes. */
#define DBTOK_VERSION_PATCH 0
/** "MAJOR.MINOR.PATCH". */
#define DBTOK_VERSION_STRING "0.1.0"
/** One number to compare with `#if`: 0xMMmmpp (major, minor, patch). */
#define DBTOK_VERSION_NUMBER                                                                        \
    ((DBTOK_VERSION_MAJOR << 16) | (DBTOK_VERSION_MINOR << 8) | DBTOK_VERSION_PATCH)

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @brief The version of the linked library, as DBTOK_VERSION_STRING was when it
 * was built.
 *
 * @return a static NUL-terminated string ("0.1.0"), never NULL; it needs no
 *         client and cannot fail.
 */
const char *dbtok_version(void);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_VERSION_H */
