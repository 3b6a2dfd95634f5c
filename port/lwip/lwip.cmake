# port/lwip/lwip.cmake - lwIP built from source for a device, with dbtok's lwipopts.h,
# and dbtok's lwIP port (the TCP link and the LAN9118 netif driver). Included by
# port/baremetal/CMakeLists.txt in Arm cross builds.
#
# Targets:
#   dbtok_lwipcore  lwIP 2.2's IPv4 core: ARP, ICMP, DHCP, UDP, TCP, the Ethernet layer
#                   (NO_SYS=1, lwipopts.h and arch/cc.h from this folder)
#   dbtok_lwip      dbtok_lwip_link.c (a dbtok_bm_link over lwIP's raw TCP API) and
#                   lan9118.c (the MPS2 boards' Ethernet controller)
#
# Cache variables:
#   DBTOK_LWIP_SOURCE_DIR  an lwIP 2.2 source tree (default: what scripts/fetch-deps
#                          unpacks, <repo>/.deps/lwip-<pinned version>, or under
#                          $DBTOK_DEPS_DIR when that is set at configure time)
#   DBTOK_WITH_LWIP        ON (default): build them; OFF: no lwIP, no Ethernet firmware
include_guard(GLOBAL)

option(DBTOK_WITH_LWIP "Build lwIP and the Ethernet firmware (needs an lwIP source tree)" ON)
if(NOT DBTOK_WITH_LWIP)
  return()
endif()

get_filename_component(_dbtok_lwip_port_dir "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)
include("${CMAKE_CURRENT_LIST_DIR}/../pinned_source.cmake")
dbtok_pinned_source_dir(LWIP lwip DBTOK_LWIP_SOURCE_DIR "lwIP 2.2 source tree")

get_filename_component(_dbtok_lwip_dir "${DBTOK_LWIP_SOURCE_DIR}" ABSOLUTE)
if(NOT EXISTS "${_dbtok_lwip_dir}/src/include/lwip/init.h" OR NOT EXISTS "${_dbtok_lwip_dir}/src/core/tcp.c")
  message(FATAL_ERROR
    "lwIP source not found at ${_dbtok_lwip_dir}.\n"
    "Run scripts/fetch-deps to download lwIP ${DBTOK_LWIP_PINNED_VERSION}, pass "
    "-DDBTOK_LWIP_SOURCE_DIR=<an lwIP 2.2 source tree>, or -DDBTOK_WITH_LWIP=OFF to build "
    "without the Ethernet firmware.")
endif()
file(STRINGS "${_dbtok_lwip_dir}/src/include/lwip/init.h" _dbtok_lwip_ver_lines
     REGEX "^#define LWIP_VERSION_(MAJOR|MINOR) +[0-9]+")
if(NOT _dbtok_lwip_ver_lines MATCHES "MAJOR +2;.*MINOR +2")
  message(FATAL_ERROR "${_dbtok_lwip_dir} is not lwIP 2.2 (${_dbtok_lwip_ver_lines}); dbtok's "
                      "lwipopts.h is written for 2.2. Run scripts/fetch-deps.")
endif()

# What NO_SYS=1 IPv4 over Ethernet with DHCP and TCP compiles; what lwipopts.h leaves
# out of these compiles to nothing, and --gc-sections drops what is not called.
set(_dbtok_lwip_sources
    core/def.c core/inet_chksum.c core/init.c core/ip.c core/mem.c core/memp.c core/netif.c
    core/pbuf.c core/sys.c core/tcp.c core/tcp_in.c core/tcp_out.c core/timeouts.c core/udp.c
    core/ipv4/acd.c core/ipv4/dhcp.c core/ipv4/etharp.c core/ipv4/icmp.c core/ipv4/ip4.c
    core/ipv4/ip4_addr.c core/ipv4/ip4_frag.c
    netif/ethernet.c)
list(TRANSFORM _dbtok_lwip_sources PREPEND "${_dbtok_lwip_dir}/src/")

add_library(dbtok_lwipcore STATIC ${_dbtok_lwip_sources})
# lwipopts.h and arch/cc.h come from this folder; lwIP's headers are SYSTEM so that
# their macros do not trip the project's warnings in dbtok's own files.
target_include_directories(dbtok_lwipcore PUBLIC "${_dbtok_lwip_port_dir}")
target_include_directories(dbtok_lwipcore SYSTEM PUBLIC "${_dbtok_lwip_dir}/src/include")
set_target_properties(dbtok_lwipcore PROPERTIES COMPILE_WARNING_AS_ERROR OFF)
# lwIP is upstream's code, not written to dbtok's warning set: never fail its build on
# a warning; implicit declarations stay errors (a missing platform definition).
target_compile_options(dbtok_lwipcore PRIVATE -Wno-error -Werror=implicit-function-declaration)

add_library(dbtok_lwip STATIC "${_dbtok_lwip_port_dir}/dbtok_lwip_link.c" "${_dbtok_lwip_port_dir}/lan9118.c")
target_include_directories(dbtok_lwip PUBLIC "${_dbtok_lwip_port_dir}")
target_compile_options(dbtok_lwip PRIVATE ${DBTOK_WARNINGS})
target_link_libraries(dbtok_lwip PUBLIC dbtok_baremetal dbtok_lwipcore)
