# 64-bit ARMv8-A Linux gateways (Debian "arm64": Raspberry Pi 3/4/5 64-bit,
# i.MX8, Rockchip, ...).
#
# Compiler package: g++-aarch64-linux-gnu (Debian bookworm, gcc 12), with
#   binutils-aarch64-linux-gnu; runs here under qemu-user (qemu-aarch64).
# Sysroot: the compiler brings libc and libstdc++ (/usr/aarch64-linux-gnu).
#   The libraries (mbedTLS 2.28, wslay 1.1.1, CppUTest 4.0, jsmn,
#   libsecp256k1 0.2.0) are Debian's arm64 packages unpacked into
#   $CONSENSUS_CROSS_ROOT/arm64 (default /opt/consensus-cross/arm64) by
#   scripts/install-cross-deps. llhttp is
#   compiled from the native node-llhttp sources, as in every build.
#   -DCONSENSUS_MBEDTLS=3.6 links mbedTLS 3.6 LTS instead, which
#   scripts/install-cross-deps arm64 builds once with the host's configuration
#   into $CONSENSUS_CROSS_ROOT/mbedtls-3.6-arm64 (cmake/deps.cmake).
# Flags: none added (Debian's default -march=armv8-a). Add e.g.
#   -mcpu=cortex-a53 through CMAKE_CXX_FLAGS to tune.
# Tests: ctest runs each binary as `qemu-aarch64 -L /usr/aarch64-linux-gnu <bin>`.
#
#   cmake -S . -B build/arm64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake
set(CONSENSUS_CROSS_TRIPLET aarch64-linux-gnu)
set(CONSENSUS_CROSS_ARCH arm64)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CONSENSUS_CROSS_QEMU qemu-aarch64)
include(${CMAKE_CURRENT_LIST_DIR}/linux-multiarch.cmake)
