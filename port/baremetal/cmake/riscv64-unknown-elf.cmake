# CMake toolchain file for a freestanding RISC-V 64 build of dbtok's core with Debian's
# gcc-riscv64-unknown-elf, which ships no C library at all.
#
#   cmake --preset riscv64      (CMakePresets.json)
#
# It shows the core needs nothing from a C library but mem*/str*, which
# port/baremetal/freestanding supplies: -ffreestanding, no libc headers but the port's
# string.h, and tests/firmware/check_freestanding.py checks every symbol the core and the
# port leave undefined. mbedTLS is not compiled for this target (it wants more of a C
# library); the core is compiled against its headers with the device configuration. An
# application linking for this target links with -nostdlib.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(CMAKE_C_COMPILER riscv64-unknown-elf-gcc)

# rv64imac/lp64: the integer ISA every RV64 microcontroller core implements; medany so
# the image may sit at any address.
set(CMAKE_C_FLAGS_INIT
    "-march=rv64imac -mabi=lp64 -mcmodel=medany -ffreestanding -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-nostdlib -Wl,--gc-sections")

set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tells the project to build the core only (see port/baremetal/cross.cmake).
set(DBTOK_CORE_ONLY ON)

# The port's string.h stands in for the C library's.
get_filename_component(_dbtok_freestanding_include "${CMAKE_CURRENT_LIST_DIR}/../freestanding/include"
                       ABSOLUTE)
set(CMAKE_C_STANDARD_INCLUDE_DIRECTORIES "${_dbtok_freestanding_include}")
