# CMake toolchain file for Arm Cortex-M with Debian's gcc-arm-none-eabi and newlib.
#
#   cmake -S . -B build-cm4f -DCMAKE_TOOLCHAIN_FILE=port/baremetal/cmake/arm-none-eabi.cmake \
#         -DDBTOK_ARM_CPU=cortex-m4f
# or use a preset from CMakePresets.json (cm0plus, cm3, cm4f).
#
# DBTOK_ARM_CPU picks the core and its ABI:
#   cortex-m0plus  ARMv6-M, soft float
#   cortex-m3      ARMv7-M, soft float (the default; QEMU's mps2-an385)
#   cortex-m4f     ARMv7E-M with the single-precision FPU, hard-float ABI (mps2-an386)
# Code and data go to their own sections so that --gc-sections keeps only what is called.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(DBTOK_ARM_CPU cortex-m3 CACHE STRING "Target core: cortex-m0plus, cortex-m3 or cortex-m4f")
# try_compile() reads this file again in a fresh project: hand the choice over.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES DBTOK_ARM_CPU)

if(DBTOK_ARM_CPU STREQUAL "cortex-m0plus")
  set(_dbtok_cpu_flags "-mcpu=cortex-m0plus -mthumb -mfloat-abi=soft")
elseif(DBTOK_ARM_CPU STREQUAL "cortex-m3")
  set(_dbtok_cpu_flags "-mcpu=cortex-m3 -mthumb -mfloat-abi=soft")
elseif(DBTOK_ARM_CPU STREQUAL "cortex-m4f")
  set(_dbtok_cpu_flags "-mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard")
else()
  message(FATAL_ERROR "DBTOK_ARM_CPU='${DBTOK_ARM_CPU}': use cortex-m0plus, cortex-m3 or cortex-m4f")
endif()

# CMake finds the matching binutils (ar, nm, objcopy) from the compiler's prefix.
set(CMAKE_C_COMPILER arm-none-eabi-gcc)

# newlib's headers are on the include path (mbedTLS includes <stdio.h> and <string.h>);
# which libraries an image links is the firmware's choice, not the toolchain's.
set(CMAKE_C_FLAGS_INIT "${_dbtok_cpu_flags} -ffunction-sections -fdata-sections")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-Wl,--gc-sections")

# There is no way to run a test program for the target at configure time.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

# Headers and libraries come from the cross toolchain only, never from the host's
# /usr/include (its glibc headers would shadow newlib's).
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
