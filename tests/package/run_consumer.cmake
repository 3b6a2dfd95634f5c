# Build and run one consumer project of tests/package (cmake -P).
#   -DMODE=find_package   install DBTOK_BUILD_DIR into a fresh prefix, build the
#                         find_package consumer against it, run it; then build
#                         consumer.c by hand with `pkg-config --cflags --libs dbtok`
#                         and run that too
#   -DMODE=subdirectory   build the add_subdirectory consumer from DBTOK_SOURCE_DIR
# Also: WORK_DIR (wiped first), GENERATOR, C_COMPILER, BUILD_TYPE, and the
# parent build's C_FLAGS and LINKER_FLAGS (a sanitizer build's libraries need
# the same flags in their consumers), USE_SYSTEM_MBEDTLS for the subdirectory.
cmake_minimum_required(VERSION 3.20)

foreach(_v MODE WORK_DIR GENERATOR C_COMPILER)
    if(NOT DEFINED ${_v})
        message(FATAL_ERROR "run_consumer.cmake: -D${_v}=... is required")
    endif()
endforeach()
if(NOT BUILD_TYPE)
    set(BUILD_TYPE Release)
endif()
set(_here "${CMAKE_CURRENT_LIST_DIR}")
set(_flags_args "-DCMAKE_C_FLAGS=${C_FLAGS}" "-DCMAKE_EXE_LINKER_FLAGS=${LINKER_FLAGS}")

function(run)
    execute_process(COMMAND ${ARGV} RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        string(REPLACE ";" " " _cmd "${ARGV}")
        message(FATAL_ERROR "failed (${_rc}): ${_cmd}")
    endif()
endfunction()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
set(_build "${WORK_DIR}/build")

if(MODE STREQUAL "find_package")
    set(_prefix "${WORK_DIR}/prefix")
    run("${CMAKE_COMMAND}" --install "${DBTOK_BUILD_DIR}" --prefix "${_prefix}" --config "${BUILD_TYPE}")
    run("${CMAKE_COMMAND}" -S "${_here}/find_package" -B "${_build}" -G "${GENERATOR}"
        "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
        "-DCMAKE_PREFIX_PATH=${_prefix}" ${_flags_args})
    run("${CMAKE_COMMAND}" --build "${_build}")
    run("${_build}/consumer")

    # dbtok's headers need no mbedTLS on the include path (the installed mbedTLS
    # headers live under include/dbtok/mbedtls, out of reach of -I<prefix>/include),
    # and a program built with other limits than the library's is refused.
    run("${C_COMPILER}" -std=c99 -Wall -Wextra -Wpedantic -Werror -fsyntax-only "-I${_prefix}/include"
        "${_here}/headers_only.c")
    execute_process(COMMAND "${C_COMPILER}" -std=c99 -fsyntax-only "-I${_prefix}/include"
                            -DDBTOK_MAX_ERROR_CODE_LEN=64 "${_here}/headers_only.c"
                    RESULT_VARIABLE _rc OUTPUT_QUIET ERROR_VARIABLE _err)
    if(_rc EQUAL 0 OR NOT _err MATCHES "limits differ from the library")
        message(FATAL_ERROR "dbtok.h accepted a DBTOK_MAX_ERROR_CODE_LEN other than the library's: ${_err}")
    endif()

    # The same program through pkg-config, as a Makefile project would build it.
    find_program(_pkg_config NAMES pkg-config REQUIRED)
    file(GLOB_RECURSE _pc "${_prefix}/*/dbtok.pc")
    if(NOT _pc)
        message(FATAL_ERROR "no dbtok.pc under ${_prefix}")
    endif()
    get_filename_component(_pc_dir "${_pc}" DIRECTORY)
    set(ENV{PKG_CONFIG_PATH} "${_pc_dir}")
    execute_process(COMMAND "${_pkg_config}" --cflags --libs dbtok
                    OUTPUT_VARIABLE _flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE _rc)
    if(NOT _rc EQUAL 0)
        message(FATAL_ERROR "pkg-config --cflags --libs dbtok failed")
    endif()
    execute_process(COMMAND "${_pkg_config}" --modversion dbtok OUTPUT_VARIABLE _pc_version
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    message(STATUS "pkg-config: dbtok ${_pc_version}: ${_flags}")
    separate_arguments(_flags UNIX_COMMAND "${_flags}")
    separate_arguments(_extra UNIX_COMMAND "${C_FLAGS} ${LINKER_FLAGS}")
    run("${C_COMPILER}" -std=c99 ${_extra} "${_here}/consumer.c" -o "${WORK_DIR}/consumer-pc" ${_flags})
    run("${WORK_DIR}/consumer-pc")
elseif(MODE STREQUAL "subdirectory")
    run("${CMAKE_COMMAND}" -S "${_here}/subdirectory" -B "${_build}" -G "${GENERATOR}"
        "-DCMAKE_C_COMPILER=${C_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
        "-DDBTOK_SOURCE_DIR=${DBTOK_SOURCE_DIR}" ${_flags_args}
        "-DDBTOK_USE_SYSTEM_MBEDTLS=${USE_SYSTEM_MBEDTLS}")
    run("${CMAKE_COMMAND}" --build "${_build}" --target consumer --parallel 2)
    run("${_build}/consumer")
else()
    message(FATAL_ERROR "MODE must be find_package or subdirectory, not '${MODE}'")
endif()
