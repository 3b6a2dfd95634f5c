/* dbtok's version, following semantic versioning. */
#ifndef DBTOK_VERSION_H
#define DBTOK_VERSION_H

#define DBTOK_VERSION_MAJOR 0
#define DBTOK_VERSION_MINOR 1
#define DBTOK_VERSION_PATCH 0
#define DBTOK_VERSION_STRING "0.1.0"

#endif /* DBTOK_VERSION_H */
