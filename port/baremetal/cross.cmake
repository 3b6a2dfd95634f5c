# port/baremetal/cross.cmake - what a cross build (CMAKE_CROSSCOMPILING) sets up before
# the core is defined; included from the top-level CMakeLists.txt.
#
# - jsmn.h: Debian's libjsmn-dev installs it in /usr/include, which a cross build must
#   not search (the host's glibc headers there would shadow newlib's). The one header
#   is copied into the build tree at configure time and that folder is used instead.
# - mbedTLS: the device configuration (port/mbedtls/dbtok_mbedtls_device.h) unless
#   DBTOK_MBEDTLS_CONFIG_FILE names another; for a core-only build (the freestanding
#   RISC-V toolchain sets DBTOK_CORE_ONLY) only mbedTLS's headers are used.
include_guard(GLOBAL)

find_file(DBTOK_JSMN_HEADER jsmn.h PATHS /usr/include NO_DEFAULT_PATH NO_CMAKE_FIND_ROOT_PATH
          DOC "jsmn.h to copy into the cross build (Debian: libjsmn-dev)")
if(NOT DBTOK_JSMN_HEADER)
  message(FATAL_ERROR "jsmn.h not found in /usr/include: install libjsmn-dev, or pass "
                      "-DDBTOK_JSMN_HEADER=/path/to/jsmn.h")
endif()
set(DBTOK_JSMN_INCLUDE_DIR "${CMAKE_BINARY_DIR}/jsmn-include")
configure_file("${DBTOK_JSMN_HEADER}" "${DBTOK_JSMN_INCLUDE_DIR}/jsmn.h" COPYONLY)

get_filename_component(_dbtok_device_config "${CMAKE_CURRENT_LIST_DIR}/../mbedtls/dbtok_mbedtls_device.h"
                       ABSOLUTE)
set(DBTOK_MBEDTLS_CONFIG_FILE "${_dbtok_device_config}"
    CACHE FILEPATH "mbedTLS configuration header (used as MBEDTLS_CONFIG_FILE)")
if(DBTOK_CORE_ONLY)
  set(DBTOK_MBEDTLS_HEADERS_ONLY ON)
endif()
