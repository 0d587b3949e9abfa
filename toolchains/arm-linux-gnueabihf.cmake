# ARMv7-A hard-float Linux gateways (Debian "armhf": Raspberry Pi 2/3 32-bit,
# BeagleBone, i.MX6/7, STM32MP1, ...).
#
# Compiler package: g++-arm-linux-gnueabihf (Debian bookworm, gcc 12), with
#   binutils-arm-linux-gnueabihf; runs here under qemu-user (qemu-arm).
# Sysroot: the compiler brings libc and libstdc++ (/usr/arm-linux-gnueabihf).
#   The libraries (mbedTLS 2.28, wslay 1.1.1, CppUTest 4.0, jsmn,
#   libsecp256k1 0.2.0) are Debian's armhf packages unpacked into
#   $CONSENSUS_CROSS_ROOT/armhf (default /opt/consensus-cross/armhf) by
#   scripts/install-cross-deps. llhttp is
#   compiled from the native node-llhttp sources, as in every build.
# Flags: none added. Debian's armhf compiler defaults to -march=armv7-a
#   -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb, which is the armhf ABI; the
#   project's own warnings and -fno-exceptions -fno-rtti come from
#   CMakeLists.txt. Add e.g. -mcpu=cortex-a7 through CMAKE_CXX_FLAGS to tune.
# Tests: ctest runs each binary as `qemu-arm -L /usr/arm-linux-gnueabihf <bin>`
#   (no binfmt here; -L finds the cross loader and libstdc++).
#
#   cmake -S . -B build/armhf -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake
set(CONSENSUS_CROSS_TRIPLET arm-linux-gnueabihf)
set(CONSENSUS_CROSS_ARCH armhf)
set(CMAKE_SYSTEM_PROCESSOR arm)
set(CONSENSUS_CROSS_QEMU qemu-arm)
include(${CMAKE_CURRENT_LIST_DIR}/linux-multiarch.cmake)
