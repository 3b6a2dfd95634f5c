/*
 * The library's version as compiled, so a program can compare it with the
 * headers it was built against (DBTOK_VERSION_STRING).
 */
#include "dbtok/dbtok_version.h"

const char *dbtok_version(void)
{
    return DBTOK_VERSION_STRING;
}
