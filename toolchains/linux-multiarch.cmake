# Shared part of the ARM Linux toolchain files (not a toolchain file itself):
# Debian cross compiler + a private sysroot of Debian multiarch packages.
# Expects CONSENSUS_CROSS_TRIPLET, CONSENSUS_CROSS_ARCH, CONSENSUS_CROSS_QEMU.
if(NOT CONSENSUS_CROSS_TRIPLET OR NOT CONSENSUS_CROSS_ARCH OR NOT CONSENSUS_CROSS_QEMU)
  message(FATAL_ERROR "toolchains/linux-multiarch.cmake is the shared part of "
                      "toolchains/arm-linux-gnueabihf.cmake and toolchains/aarch64-linux-gnu.cmake, "
                      "not a toolchain file: use one of those")
endif()
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${CONSENSUS_CROSS_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${CONSENSUS_CROSS_TRIPLET}-g++)
# Libraries live in <sysroot>/usr/lib/<triplet> (Debian multiarch layout).
set(CMAKE_LIBRARY_ARCHITECTURE ${CONSENSUS_CROSS_TRIPLET})

if(DEFINED ENV{CONSENSUS_CROSS_ROOT})
  set(_consensus_root "$ENV{CONSENSUS_CROSS_ROOT}")
else()
  set(_consensus_root /opt/consensus-cross)
endif()
set(CONSENSUS_CROSS_SYSROOT "${_consensus_root}/${CONSENSUS_CROSS_ARCH}")
if(NOT EXISTS "${CONSENSUS_CROSS_SYSROOT}/usr/include/mbedtls/ssl.h")
  message(FATAL_ERROR "no ${CONSENSUS_CROSS_ARCH} sysroot at ${CONSENSUS_CROSS_SYSROOT}: "
                      "run scripts/install-cross-deps ${CONSENSUS_CROSS_ARCH}")
endif()

# Headers and libraries only from the sysroot, so nothing of the host's
# x86_64 /usr/lib is ever linked; programs (python3, openssl) from the host.
set(CMAKE_FIND_ROOT_PATH "${CONSENSUS_CROSS_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# No binfmt registration here: ctest must call qemu itself.
set(CMAKE_CROSSCOMPILING_EMULATOR ${CONSENSUS_CROSS_QEMU} -L /usr/${CONSENSUS_CROSS_TRIPLET})
