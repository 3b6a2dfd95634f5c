# dbtok_pinned_source_dir(<PIN> <folder> <cache_var> <description>)
#
# The source tree of a dependency that scripts/fetch-deps downloads and pins, for
# port/mbedtls/mbedtls.cmake (PIN MBEDTLS) and port/lwip/lwip.cmake (PIN LWIP). The
# version is pinned in one place, the fetch script's `<PIN>_VERSION=x.y.z` line, read
# from there into DBTOK_<PIN>_PINNED_VERSION (in the caller's scope). <cache_var>
# defaults to <deps>/<folder>-<version>, <deps> being $DBTOK_DEPS_DIR or the
# repository's .deps, as in the fetch script; a build tree that used the default
# follows a pin update, one whose user chose another tree keeps it.
function(dbtok_pinned_source_dir pin folder cache_var description)
    get_filename_component(_root "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/.." ABSOLUTE)
    file(STRINGS "${_root}/scripts/fetch-deps" _line REGEX "^${pin}_VERSION=[0-9]+\\.[0-9]+\\.[0-9]+$")
    string(REGEX REPLACE "^${pin}_VERSION=" "" _version "${_line}")
    if(NOT _version)
        message(FATAL_ERROR "dbtok: no ${pin}_VERSION=x.y.z line in scripts/fetch-deps")
    endif()
    if(DEFINED ENV{DBTOK_DEPS_DIR} AND NOT "$ENV{DBTOK_DEPS_DIR}" STREQUAL "")
        set(_deps "$ENV{DBTOK_DEPS_DIR}")
    else()
        set(_deps "${_root}/.deps")
    endif()
    set(_default "${_deps}/${folder}-${_version}")
    set(_last "_${cache_var}_DEFAULT") # the default this build tree last saw
    if(DEFINED ${_last} AND "${${cache_var}}" STREQUAL "${${_last}}" AND NOT "${${_last}}" STREQUAL "${_default}")
        set(${cache_var} "${_default}" CACHE PATH "${description}" FORCE)
    endif()
    set(${_last} "${_default}" CACHE INTERNAL "")
    set(${cache_var} "${_default}" CACHE PATH "${description} (scripts/fetch-deps provides one)")
    set(DBTOK_${pin}_PINNED_VERSION "${_version}" PARENT_SCOPE)
endfunction()
