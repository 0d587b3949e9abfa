# Bare-metal Cortex-M4F (default) or Cortex-M7 microcontrollers, no OS.
#
# Compiler packages: gcc-arm-none-eabi (Debian bookworm, gcc 12.2.1) with
#   binutils-arm-none-eabi, libnewlib-arm-none-eabi (C library) and
#   libstdc++-arm-none-eabi-newlib (only its headers are used: <new>).
# Sysroot: the toolchain's own /usr/lib/arm-none-eabi (newlib). NEVER the
#   host's /usr/include: glibc headers would shadow newlib. Headers of the
#   dependencies come from a staging directory made by firmware/CMakeLists.txt.
# Flags: -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16
#   (CONSENSUS_MCU=cortex-m7: -mcpu=cortex-m7 -mfpu=fpv5-d16), -Os,
#   -ffunction-sections -fdata-sections (+ --gc-sections at link: llhttp's
#   unused debug printer would otherwise drag newlib's stdio in), and for C++
#   -fno-exceptions -fno-rtti -fno-threadsafe-statics (one thread: no guard
#   calls into the C++ runtime).
#
#   cmake -S . -B build/cortex-m4 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-none-eabi.cmake
# The top level hands a bare-metal build to firmware/ (`-S firmware` is the
# same project): the portable core, llhttp, mbedTLS 2.28 compiled from the
# source scripts/install-cross-deps cortex-m unpacks (-DCONSENSUS_MBEDTLS=3.6:
# its 3.6 prefix), the EVM payer and consensus-firmware.elf; with lwIP's
# source, the mps2-an386 board self-test too.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_CXX_COMPILER arm-none-eabi-g++)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)
# No OS to run a test program on: compiler checks build a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CONSENSUS_MCU cortex-m4 CACHE STRING "cortex-m4 (FPv4-SP) or cortex-m7 (FPv5-D16)")
if(CONSENSUS_MCU STREQUAL "cortex-m7")
  set(_consensus_cpu "-mcpu=cortex-m7 -mthumb -mfloat-abi=hard -mfpu=fpv5-d16")
else()
  set(_consensus_cpu "-mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16")
endif()
set(CMAKE_C_FLAGS_INIT "${_consensus_cpu} -ffunction-sections -fdata-sections")
set(CMAKE_CXX_FLAGS_INIT
    "${_consensus_cpu} -ffunction-sections -fdata-sections -fno-exceptions -fno-rtti -fno-threadsafe-statics")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_consensus_cpu} -Wl,--gc-sections")

# Find nothing on the host.
set(CMAKE_FIND_ROOT_PATH /usr/lib/arm-none-eabi)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
