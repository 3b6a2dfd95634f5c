# port/mbedtls/mbedtls.cmake - build mbedTLS 3.6 from source as the static library
# `dbtok_mbedtls`, with dbtok's configuration.
#
#   include(port/mbedtls/mbedtls.cmake)
#   target_link_libraries(my_target PRIVATE dbtok_mbedtls)
#
# We compile mbedTLS's library/*.c ourselves instead of add_subdirectory() on its CMake
# project: the flags, the configuration header and the toolchain are then exactly ours,
# and the same file serves host and cross builds.
#
# Cache variables:
#   DBTOK_MBEDTLS_SOURCE_DIR   an mbedTLS 3.6 source tree (default: what scripts/fetch-deps
#                              unpacks, <repo>/.deps/mbedtls-<pinned version>, or under
#                              $DBTOK_DEPS_DIR when that is set at configure time)
#   DBTOK_MBEDTLS_CONFIG_FILE  the configuration header (default: the host configuration
#                              port/mbedtls/dbtok_mbedtls_config.h); its folder becomes a
#                              PUBLIC include directory
#   DBTOK_MBEDTLS_WARNINGS     OFF (default): mbedTLS's sources get the project's warning
#                              flags minus -Wconversion/-Wsign-conversion (hundreds of
#                              hits upstream); ON: those too, for auditing. Either way
#                              warnings never fail the build of mbedTLS itself.
#   DBTOK_MBEDTLS_HEADERS_ONLY OFF (default). ON: `dbtok_mbedtls` is an INTERFACE target
#                              with only the headers and the configuration, for compiling
#                              code against mbedTLS on a target whose C library cannot
#                              build mbedTLS itself (the freestanding RISC-V core build).
#   DBTOK_USE_SYSTEM_MBEDTLS   OFF (default). ON: `dbtok_mbedtls` is an INTERFACE target
#                              over the system's libmbedtls, libmbedx509 and libmbedcrypto
#                              (Debian 12: libmbedtls-dev, 2.28) with the system's own
#                              configuration. For quick host builds: 2.28 has no TLS 1.3
#                              and takes its memory from the C library heap (no arena), and none of the
#                              cache variables above apply.
include_guard(GLOBAL)

option(DBTOK_USE_SYSTEM_MBEDTLS "Use the system's mbedTLS (Debian: libmbedtls-dev) instead of building 3.6 from source" OFF)
if(DBTOK_USE_SYSTEM_MBEDTLS)
  if(CMAKE_CROSSCOMPILING)
    message(FATAL_ERROR "DBTOK_USE_SYSTEM_MBEDTLS is for host builds; a device build compiles mbedTLS itself")
  endif()
  find_path(DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR mbedtls/ssl.h DOC "Directory holding mbedtls/ssl.h")
  find_library(DBTOK_SYSTEM_MBEDTLS_LIBRARY mbedtls)
  find_library(DBTOK_SYSTEM_MBEDX509_LIBRARY mbedx509)
  find_library(DBTOK_SYSTEM_MBEDCRYPTO_LIBRARY mbedcrypto)
  if(NOT DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR OR NOT DBTOK_SYSTEM_MBEDTLS_LIBRARY
     OR NOT DBTOK_SYSTEM_MBEDX509_LIBRARY OR NOT DBTOK_SYSTEM_MBEDCRYPTO_LIBRARY)
    message(FATAL_ERROR "DBTOK_USE_SYSTEM_MBEDTLS: mbedTLS headers or libraries not found "
                        "(Debian: apt-get install --no-install-recommends libmbedtls-dev)")
  endif()
  # 2.28 keeps the version string in version.h, 3.x in build_info.h.
  file(STRINGS "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}/mbedtls/version.h" _dbtok_ver_line
       REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
  if(NOT _dbtok_ver_line AND EXISTS "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}/mbedtls/build_info.h")
    file(STRINGS "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}/mbedtls/build_info.h" _dbtok_ver_line
         REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
  endif()
  string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" DBTOK_SYSTEM_MBEDTLS_VERSION "${_dbtok_ver_line}")
  if(NOT DBTOK_SYSTEM_MBEDTLS_VERSION MATCHES "^(2\\.28|3\\.[0-9]+)\\.")
    message(FATAL_ERROR "DBTOK_USE_SYSTEM_MBEDTLS: found mbedTLS '${DBTOK_SYSTEM_MBEDTLS_VERSION}' in "
                        "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}; dbtok supports 2.28 and 3.6")
  endif()
  message(STATUS "dbtok: using the system's mbedTLS ${DBTOK_SYSTEM_MBEDTLS_VERSION} "
                 "(heap allocations by mbedTLS; TLS 1.3 only if that build enables it)")
  add_library(dbtok_mbedtls INTERFACE)
  # Link order matters for static archives: TLS needs X.509 needs crypto.
  target_link_libraries(dbtok_mbedtls INTERFACE "${DBTOK_SYSTEM_MBEDTLS_LIBRARY}"
      "${DBTOK_SYSTEM_MBEDX509_LIBRARY}" "${DBTOK_SYSTEM_MBEDCRYPTO_LIBRARY}")
  if(NOT DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR STREQUAL "/usr/include")
    target_include_directories(dbtok_mbedtls SYSTEM INTERFACE "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}")
  endif()
  # What core/client_size.cmake compiles its probe with.
  set(DBTOK_MBEDTLS_PROBE_INCLUDES "${DBTOK_SYSTEM_MBEDTLS_INCLUDE_DIR}")
  set(DBTOK_MBEDTLS_PROBE_DEFINES "")
  return()
endif()

get_filename_component(_dbtok_mbedtls_port_dir "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
include("${CMAKE_CURRENT_LIST_DIR}/../pinned_source.cmake")
dbtok_pinned_source_dir(MBEDTLS mbedtls DBTOK_MBEDTLS_SOURCE_DIR "mbedTLS 3.6 source tree")
set(DBTOK_MBEDTLS_CONFIG_FILE "${_dbtok_mbedtls_port_dir}/dbtok_mbedtls_config.h" CACHE
    FILEPATH "mbedTLS configuration header (used as MBEDTLS_CONFIG_FILE)")
option(DBTOK_MBEDTLS_WARNINGS "Show compiler warnings for mbedTLS's own sources" OFF)
option(DBTOK_MBEDTLS_HEADERS_ONLY "Only mbedTLS's headers and configuration, no library" OFF)

get_filename_component(_dbtok_mbedtls_dir "${DBTOK_MBEDTLS_SOURCE_DIR}" ABSOLUTE)

if(NOT EXISTS "${_dbtok_mbedtls_dir}/include/mbedtls/build_info.h"
   OR NOT EXISTS "${_dbtok_mbedtls_dir}/library/ssl_tls.c")
  message(FATAL_ERROR
    "mbedTLS source not found at ${_dbtok_mbedtls_dir}.\n"
    "Run scripts/fetch-deps to download mbedTLS ${DBTOK_MBEDTLS_PINNED_VERSION}, or pass "
    "-DDBTOK_MBEDTLS_SOURCE_DIR=<an mbedTLS 3.6 source tree>.")
endif()

file(STRINGS "${_dbtok_mbedtls_dir}/include/mbedtls/build_info.h" _dbtok_ver_line
     REGEX "^#define MBEDTLS_VERSION_STRING +\"[0-9.]+\"")
string(REGEX MATCH "[0-9]+\\.[0-9]+\\.[0-9]+" _dbtok_mbedtls_version "${_dbtok_ver_line}")
if(NOT _dbtok_mbedtls_version MATCHES "^3\\.6\\.")
  message(FATAL_ERROR
    "${_dbtok_mbedtls_dir} holds mbedTLS '${_dbtok_mbedtls_version}'; dbtok's configuration "
    "is written for the 3.6 LTS branch. Run scripts/fetch-deps or point "
    "DBTOK_MBEDTLS_SOURCE_DIR at a 3.6 tree.")
endif()
# 3.6.7 is a floor, not the pin: before it a TLS 1.2 server signing with RSA-PSS fails the
# handshake (3.6.6, upstream issue 10668; core/src/tls.c has no workaround) and the fixes
# for CVE-2026-49300, -50581 and -25832 are missing. An SDK's older tree still builds, so
# a board can be brought up, but not silently.
if(_dbtok_mbedtls_version VERSION_LESS 3.6.7)
  message(WARNING "dbtok: mbedTLS ${_dbtok_mbedtls_version} in ${_dbtok_mbedtls_dir} is older "
                  "than 3.6.7: it lacks the fixes for CVE-2026-49300 (forged CA bit), "
                  "CVE-2026-50581 and CVE-2026-25832, and 3.6.6 cannot complete TLS 1.2 with a "
                  "server that signs with RSA-PSS. Use scripts/fetch-deps "
                  "(${DBTOK_MBEDTLS_PINNED_VERSION}) or a newer 3.6 tree.")
elseif(NOT _dbtok_mbedtls_version STREQUAL DBTOK_MBEDTLS_PINNED_VERSION)
  message(STATUS "dbtok: using mbedTLS ${_dbtok_mbedtls_version} from "
                 "${_dbtok_mbedtls_dir} (the pinned version is ${DBTOK_MBEDTLS_PINNED_VERSION})")
endif()

# Release tarballs ship the generated sources; a git checkout of mbedTLS does not, and
# generating them needs perl, python3 and jinja2, which we do not want in the build.
set(_dbtok_mbedtls_generated
    library/error.c
    library/version_features.c
    library/ssl_debug_helpers_generated.c
    library/psa_crypto_driver_wrappers.h
    library/psa_crypto_driver_wrappers_no_static.c)
foreach(_f IN LISTS _dbtok_mbedtls_generated)
  if(NOT EXISTS "${_dbtok_mbedtls_dir}/${_f}")
    message(FATAL_ERROR
      "${_dbtok_mbedtls_dir} lacks the generated file ${_f}: it looks like a git checkout "
      "rather than a release. Run `make generated_files` in that tree, or use "
      "scripts/fetch-deps.")
  endif()
endforeach()

if(NOT EXISTS "${DBTOK_MBEDTLS_CONFIG_FILE}")
  message(FATAL_ERROR "DBTOK_MBEDTLS_CONFIG_FILE=${DBTOK_MBEDTLS_CONFIG_FILE} does not exist")
endif()
get_filename_component(_dbtok_mbedtls_config_name "${DBTOK_MBEDTLS_CONFIG_FILE}" NAME)
get_filename_component(_dbtok_mbedtls_config_dir "${DBTOK_MBEDTLS_CONFIG_FILE}" DIRECTORY)
# What core/client_size.cmake compiles its probe with.
set(DBTOK_MBEDTLS_PROBE_INCLUDES "${_dbtok_mbedtls_config_dir};${_dbtok_mbedtls_dir}/include")
set(DBTOK_MBEDTLS_PROBE_DEFINES "-DMBEDTLS_CONFIG_FILE=\"${_dbtok_mbedtls_config_name}\"")

if(DBTOK_MBEDTLS_HEADERS_ONLY)
  add_library(dbtok_mbedtls INTERFACE)
  target_compile_definitions(dbtok_mbedtls INTERFACE
      "MBEDTLS_CONFIG_FILE=\"${_dbtok_mbedtls_config_name}\"")
  target_include_directories(dbtok_mbedtls INTERFACE "${_dbtok_mbedtls_config_dir}")
  target_include_directories(dbtok_mbedtls SYSTEM INTERFACE "${_dbtok_mbedtls_dir}/include")
  return()
endif()

# Every library source: what the configuration leaves out compiles to an empty object, and
# --gc-sections drops unused functions at link time. (3rdparty/ holds Everest and p256-m,
# which this configuration does not enable.)
file(GLOB _dbtok_mbedtls_sources CONFIGURE_DEPENDS "${_dbtok_mbedtls_dir}/library/*.c")

add_library(dbtok_mbedtls STATIC ${_dbtok_mbedtls_sources})
target_compile_definitions(dbtok_mbedtls PUBLIC
    "MBEDTLS_CONFIG_FILE=\"${_dbtok_mbedtls_config_name}\"")
# BUILD_INTERFACE: the top-level install rules add where these headers are installed.
target_include_directories(dbtok_mbedtls PUBLIC "$<BUILD_INTERFACE:${_dbtok_mbedtls_config_dir}>")
# SYSTEM: mbedTLS's headers must not trip the project's -Wconversion and friends.
target_include_directories(dbtok_mbedtls SYSTEM PUBLIC "$<BUILD_INTERFACE:${_dbtok_mbedtls_dir}/include>")
target_include_directories(dbtok_mbedtls PRIVATE "${_dbtok_mbedtls_dir}/library")
# The device configuration reads dbtok's switches that shape it (DBTOK_ENABLE_SESSION_RESUMPTION)
# from dbtok's user configuration file, as the core does.
if(DBTOK_USER_CONFIG_FILE)
  get_filename_component(_dbtok_user_config "${DBTOK_USER_CONFIG_FILE}" ABSOLUTE)
  target_compile_definitions(dbtok_mbedtls PRIVATE "DBTOK_USER_CONFIG_FILE=\"${_dbtok_user_config}\"")
endif()
set_target_properties(dbtok_mbedtls PROPERTIES
    C_STANDARD 99
    C_STANDARD_REQUIRED ON
    C_EXTENSIONS OFF
    COMPILE_WARNING_AS_ERROR OFF)

# mbedTLS is upstream's code, not written to dbtok's warning set: never fail the build on
# its warnings (-Wno-error comes after the project's flags, so it wins). With gcc 12 and
# clang 14, -Wall -Wextra -Wpedantic -Wshadow -Wvla are clean on 3.6.7 with our
# configuration; only the conversion warnings fire (about 200), so only they are muted.
# Implicit declarations stay errors: they are how a wrong platform setting in the
# configuration (a libc function it no longer declares) shows up.
if(CMAKE_C_COMPILER_ID MATCHES "GNU|Clang")
  target_compile_options(dbtok_mbedtls PRIVATE -Wno-error)
  if(NOT DBTOK_MBEDTLS_WARNINGS)
    target_compile_options(dbtok_mbedtls PRIVATE -Wno-conversion -Wno-sign-conversion)
  endif()
  target_compile_options(dbtok_mbedtls PRIVATE
      -Werror=implicit-function-declaration
      -ffunction-sections -fdata-sections)
endif()
