# Finds the dependencies on Debian (and multiarch cross builds) by header
# and library name: their package configs are missing or broken there.
include_guard(GLOBAL)

# mbedTLS: CONSENSUS_MBEDTLS picks the line.
#   system  what the distribution ships, found by name (2.28 on bookworm);
#   3.6     the private 3.6 LTS build that `scripts/install-deps mbedtls-3.6`
#           makes in CONSENSUS_MBEDTLS36_ROOT, with the project's configuration
#           (cmake/mbedtls-3.6-config.h), which every consumer must see too:
#           the imported targets carry it as MBEDTLS_CONFIG_FILE. A cross build
#           (toolchains/, CONSENSUS_CROSS_ARCH) takes the one built for its
#           architecture with the same configuration by `scripts/
#           install-cross-deps <arch>` (scripts/install-mbedtls-3.6 <arch>, arm64
#           only for now) in $CONSENSUS_CROSS_ROOT/mbedtls-3.6-<arch>.
# Either way the targets are MbedTLS::mbedtls, ::mbedx509 and ::mbedcrypto.
# A parent project that already has MbedTLS::mbedtls (its own mbedTLS, or
# another subproject's) is linked against that one: the targets are not
# created a second time.
set(CONSENSUS_MBEDTLS "system" CACHE STRING
    "mbedTLS to link: system (the distribution's) or 3.6 (scripts/install-deps mbedtls-3.6)")
set_property(CACHE CONSENSUS_MBEDTLS PROPERTY STRINGS system 3.6)
if(TARGET MbedTLS::mbedtls)
  message(STATUS "consensus-ws: linking the parent project's MbedTLS::mbedtls")
  set(CONSENSUS_MBEDTLS_FROM_PARENT ON)
else()
  set(CONSENSUS_MBEDTLS_FROM_PARENT OFF)
  if(CONSENSUS_MBEDTLS STREQUAL "system")
    find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
    find_library(MBEDTLS_LIBRARY NAMES mbedtls)
    find_library(MBEDX509_LIBRARY NAMES mbedx509)
    find_library(MBEDCRYPTO_LIBRARY NAMES mbedcrypto)
    if(NOT MBEDTLS_INCLUDE_DIR OR NOT MBEDTLS_LIBRARY OR NOT MBEDX509_LIBRARY OR NOT MBEDCRYPTO_LIBRARY)
      message(FATAL_ERROR "mbedTLS not found: apt-get install libmbedtls-dev (or run scripts/install-deps)")
    endif()
    set(_mbedtls_type UNKNOWN)
    set(_mbedtls_defs "")
  elseif(CONSENSUS_MBEDTLS STREQUAL "3.6")
    if(CMAKE_CROSSCOMPILING)
      if(NOT CONSENSUS_CROSS_ARCH AND NOT CONSENSUS_MBEDTLS36_ROOT)
        message(FATAL_ERROR "CONSENSUS_MBEDTLS=3.6 in a cross build: use a toolchain file of "
                            "toolchains/ (it names the architecture), or set CONSENSUS_MBEDTLS36_ROOT")
      endif()
      if(DEFINED ENV{CONSENSUS_CROSS_ROOT})
        set(_root_default "$ENV{CONSENSUS_CROSS_ROOT}/mbedtls-3.6-${CONSENSUS_CROSS_ARCH}")
      else()
        set(_root_default "/opt/consensus-cross/mbedtls-3.6-${CONSENSUS_CROSS_ARCH}")
      endif()
      set(_install "scripts/install-cross-deps ${CONSENSUS_CROSS_ARCH} (mbedTLS 3.6 is built for arm64 only)")
      set(_target "${CONSENSUS_CROSS_TRIPLET}")
    else()
      if(DEFINED ENV{CONSENSUS_MBEDTLS36_ROOT})
        set(_root_default "$ENV{CONSENSUS_MBEDTLS36_ROOT}")
      else()
        set(_root_default "/opt/consensus-mbedtls-3.6")
      endif()
      set(_install "scripts/install-deps mbedtls-3.6")
      set(_target "")
    endif()
    set(CONSENSUS_MBEDTLS36_ROOT "${_root_default}" CACHE PATH
        "Prefix of the mbedTLS 3.6 build (scripts/install-deps mbedtls-3.6; cross: install-cross-deps)")
    set(_stamp "${CONSENSUS_MBEDTLS36_ROOT}/.stamp")
    set(_config "${CMAKE_CURRENT_LIST_DIR}/mbedtls-3.6-config.h")
    set(MBEDTLS_INCLUDE_DIR "${CONSENSUS_MBEDTLS36_ROOT}/include")
    set(MBEDTLS_LIBRARY "${CONSENSUS_MBEDTLS36_ROOT}/lib/libmbedtls.a")
    set(MBEDX509_LIBRARY "${CONSENSUS_MBEDTLS36_ROOT}/lib/libmbedx509.a")
    set(MBEDCRYPTO_LIBRARY "${CONSENSUS_MBEDTLS36_ROOT}/lib/libmbedcrypto.a")
    foreach(_f "${_stamp}" "${MBEDTLS_LIBRARY}" "${MBEDX509_LIBRARY}" "${MBEDCRYPTO_LIBRARY}"
               "${MBEDTLS_INCLUDE_DIR}/consensus-mbedtls-config.h")
      if(NOT EXISTS "${_f}")
        message(FATAL_ERROR "mbedTLS 3.6 not found in ${CONSENSUS_MBEDTLS36_ROOT} (no ${_f}): run "
                            "${_install} (or set CONSENSUS_MBEDTLS36_ROOT)")
      endif()
    endforeach()
    # A prefix built from another version of the configuration would disagree
    # with the headers about struct layouts, and one without our patch
    # (cmake/mbedtls-3.6-mfl.patch) fails against servers that accept or ignore
    # MFL: refuse both.
    set(_patch "${CMAKE_CURRENT_LIST_DIR}/mbedtls-3.6-mfl.patch")
    foreach(_what config patch)
      file(SHA256 "${_${_what}}" _hash)
      file(STRINGS "${_stamp}" _stamp_hash REGEX "^${_what}-sha256 ")
      if(NOT _stamp_hash STREQUAL "${_what}-sha256 ${_hash}")
        get_filename_component(_name "${_${_what}}" NAME)
        message(FATAL_ERROR "${CONSENSUS_MBEDTLS36_ROOT} was built from another "
                            "cmake/${_name}: run ${_install}")
      endif()
    endforeach()
    # Nor a prefix built for another machine (a cross prefix's stamp names its
    # target; the host's names none).
    file(STRINGS "${_stamp}" _stamp_target REGEX "^target ")
    if(_target AND NOT _stamp_target STREQUAL "target ${_target}")
      message(FATAL_ERROR "${CONSENSUS_MBEDTLS36_ROOT} is not a build for ${_target} "
                          "(${_stamp_target}): run ${_install}")
    elseif(NOT CMAKE_CROSSCOMPILING AND _stamp_target)
      message(FATAL_ERROR "${CONSENSUS_MBEDTLS36_ROOT} is a cross build (${_stamp_target}), "
                          "not one for this machine: run ${_install}")
    endif()
    # Rebuild the project when the prefix is rebuilt.
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_stamp}" "${_config}"
                 "${_patch}")
    if(CMAKE_CROSSCOMPILING)
      # A cross sysroot's include directory (wslay, CppUTest, ...: an -isystem
      # like ours) also holds the distribution's mbedTLS 2.28 headers, and a
      # target that names it first would compile against them. Ours come first
      # everywhere. (A host build has them in /usr/include, searched last.)
      include_directories(BEFORE SYSTEM "${MBEDTLS_INCLUDE_DIR}")
    endif()
    set(_mbedtls_type STATIC)
    set(_mbedtls_defs "MBEDTLS_CONFIG_FILE=\"consensus-mbedtls-config.h\"")
  else()
    message(FATAL_ERROR "CONSENSUS_MBEDTLS must be system or 3.6, not '${CONSENSUS_MBEDTLS}'")
  endif()
  foreach(_c mbedcrypto mbedx509 mbedtls)
    string(TOUPPER ${_c} _C)
    add_library(MbedTLS::${_c} ${_mbedtls_type} IMPORTED)
    set_target_properties(MbedTLS::${_c} PROPERTIES
      IMPORTED_LOCATION "${${_C}_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}"
      INTERFACE_COMPILE_DEFINITIONS "${_mbedtls_defs}")
  endforeach()
  set_property(TARGET MbedTLS::mbedx509 PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
  set_property(TARGET MbedTLS::mbedtls PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)
endif()

find_path(WSLAY_INCLUDE_DIR wslay/wslay.h)
find_library(WSLAY_LIBRARY NAMES wslay libwslay.so.1)
if(NOT WSLAY_INCLUDE_DIR OR NOT WSLAY_LIBRARY)
  message(FATAL_ERROR "wslay not found: apt-get install libwslay-dev (or run scripts/install-deps)")
endif()
if(NOT TARGET wslay::wslay)  # else the parent project's
  add_library(wslay::wslay UNKNOWN IMPORTED)
  set_target_properties(wslay::wslay PROPERTIES
    IMPORTED_LOCATION "${WSLAY_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${WSLAY_INCLUDE_DIR}")
endif()

find_path(JSMN_INCLUDE_DIR jsmn.h)
if(NOT JSMN_INCLUDE_DIR)
  message(FATAL_ERROR "jsmn not found: apt-get install libjsmn-dev (or run scripts/install-deps)")
endif()
if(NOT TARGET jsmn::jsmn)  # else the parent project's
  add_library(jsmn::jsmn INTERFACE IMPORTED)
  set_target_properties(jsmn::jsmn PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${JSMN_INCLUDE_DIR}")
endif()

# llhttp: Debian ships its sources only (node-llhttp), no library. They are
# compiled here (consensus_llhttp, an object library) into libconsensus
# itself, with hidden symbols in a shared build, so that an installed
# package needs no llhttp of its own. A parent project that has an
# llhttp::llhttp target is linked against that one instead.
set(LLHTTP_SOURCE_DIR "/usr/share/llhttp" CACHE PATH "llhttp api.c/http.c/llhttp.c")
set(LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "directory of llhttp.h")
if(TARGET llhttp::llhttp)
  message(STATUS "consensus-ws: linking the parent project's llhttp::llhttp")
  set(CONSENSUS_LLHTTP_FROM_PARENT ON)
  add_library(consensus_llhttp_link INTERFACE)
  target_link_libraries(consensus_llhttp_link INTERFACE llhttp::llhttp)
else()
  set(CONSENSUS_LLHTTP_FROM_PARENT OFF)
  foreach(_f api.c http.c llhttp.c)
    if(NOT EXISTS "${LLHTTP_SOURCE_DIR}/${_f}")
      message(FATAL_ERROR "llhttp sources missing: apt-get install node-llhttp (or run scripts/install-deps)")
    endif()
  endforeach()
  add_library(consensus_llhttp OBJECT
    "${LLHTTP_SOURCE_DIR}/api.c" "${LLHTTP_SOURCE_DIR}/http.c" "${LLHTTP_SOURCE_DIR}/llhttp.c")
  target_include_directories(consensus_llhttp SYSTEM PUBLIC "${LLHTTP_INCLUDE_DIR}")
  set_target_properties(consensus_llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON
    C_VISIBILITY_PRESET hidden)
  target_compile_options(consensus_llhttp PRIVATE -w) # generated code: keep -Werror away from it
  # What the tools and tests that call llhttp themselves link: its objects
  # (the tests also link libconsensus, whose copy the linker then leaves).
  add_library(consensus_llhttp_link INTERFACE)
  target_sources(consensus_llhttp_link INTERFACE $<TARGET_OBJECTS:consensus_llhttp>)
  target_include_directories(consensus_llhttp_link SYSTEM INTERFACE "${LLHTTP_INCLUDE_DIR}")
endif()

# libsecp256k1 for the optional EVM payer (consensus_evm, issue 11): Debian's
# libsecp256k1-dev 0.2.0, built with the recovery module. Its pkg-config file
# would do, but the other dependencies are found by name too, and a cross
# build's search roots (toolchains/linux-multiarch.cmake) then apply alike.
if(CONSENSUS_EVM)
  find_path(SECP256K1_INCLUDE_DIR secp256k1_recovery.h)
  find_library(SECP256K1_LIBRARY NAMES secp256k1)
  if(NOT SECP256K1_INCLUDE_DIR OR NOT SECP256K1_LIBRARY)
    message(FATAL_ERROR "libsecp256k1 not found (needed by CONSENSUS_EVM=ON): apt-get install "
                        "libsecp256k1-dev (or run scripts/install-deps; cross builds: "
                        "scripts/install-cross-deps), or configure with -DCONSENSUS_EVM=OFF")
  endif()
  # What consensus_evm calls must compile and link: the preallocated context
  # (SECP256K1_CONTEXT_NONE is 0.2.0's) and the recovery module. In a cross
  # build this links a target program against the sysroot's library.
  include(CheckCSourceCompiles)
  set(CMAKE_REQUIRED_INCLUDES "${SECP256K1_INCLUDE_DIR}")
  set(CMAKE_REQUIRED_LIBRARIES "${SECP256K1_LIBRARY}")
  check_c_source_compiles([[
#include <secp256k1.h>
#include <secp256k1_preallocated.h>
#include <secp256k1_recovery.h>
static unsigned char memory[1024];
int main(void) {
    static const unsigned char key[32] = {1};
    secp256k1_ecdsa_recoverable_signature sig;
    secp256k1_context* ctx = secp256k1_context_preallocated_create(memory, SECP256K1_CONTEXT_NONE);
    if (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) > sizeof memory) return 1;
    return !secp256k1_ecdsa_sign_recoverable(ctx, &sig, key, key, NULL, NULL);
}
]] CONSENSUS_SECP256K1_LINKS)
  unset(CMAKE_REQUIRED_INCLUDES)
  unset(CMAKE_REQUIRED_LIBRARIES)
  if(NOT CONSENSUS_SECP256K1_LINKS)
    message(FATAL_ERROR "${SECP256K1_LIBRARY} does not link a program using the preallocated "
                        "context and the recovery module: libsecp256k1 0.2.0 or later with "
                        "--enable-module-recovery is needed (Debian: libsecp256k1-dev)")
  endif()
  if(NOT TARGET secp256k1::secp256k1)  # else the parent project's
    add_library(secp256k1::secp256k1 UNKNOWN IMPORTED)
    set_target_properties(secp256k1::secp256k1 PROPERTIES
      IMPORTED_LOCATION "${SECP256K1_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${SECP256K1_INCLUDE_DIR}")
  endif()
endif()

# c-ares for the POSIX port: resolves names without blocking the loop
# (Debian libc-ares-dev). Found by name like the other dependencies, so a
# cross build's sysroot (toolchains/linux-multiarch.cmake) applies alike. The
# target's name is the project's own: c-ares's own package config (newer
# c-ares) makes c-ares::cares, which must not clash.
find_path(CARES_INCLUDE_DIR ares.h)
find_library(CARES_LIBRARY NAMES cares)
if(NOT CARES_INCLUDE_DIR OR NOT CARES_LIBRARY)
  message(FATAL_ERROR "c-ares not found: apt-get install libc-ares-dev (or run scripts/install-deps)")
endif()
if(NOT TARGET consensus_ws::cares)
  add_library(consensus_ws::cares UNKNOWN IMPORTED)
  set_target_properties(consensus_ws::cares PROPERTIES
    IMPORTED_LOCATION "${CARES_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${CARES_INCLUDE_DIR}")
endif()

if(CONSENSUS_BUILD_TESTS AND NOT TARGET CppUTest::CppUTest)
  # Never find_package(CppUTest) on bookworm: its config is broken.
  find_path(CPPUTEST_INCLUDE_DIR CppUTest/TestHarness.h)
  find_library(CPPUTEST_LIBRARY NAMES CppUTest)
  find_library(CPPUTESTEXT_LIBRARY NAMES CppUTestExt)
  if(NOT CPPUTEST_INCLUDE_DIR OR NOT CPPUTEST_LIBRARY OR NOT CPPUTESTEXT_LIBRARY)
    message(FATAL_ERROR "CppUTest not found: apt-get install libcpputest-dev (or run scripts/install-deps)")
  endif()
  add_library(CppUTest::CppUTest UNKNOWN IMPORTED)
  set_target_properties(CppUTest::CppUTest PROPERTIES
    IMPORTED_LOCATION "${CPPUTEST_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${CPPUTEST_INCLUDE_DIR}")
  add_library(CppUTest::CppUTestExt UNKNOWN IMPORTED)
  set_target_properties(CppUTest::CppUTestExt PROPERTIES
    IMPORTED_LOCATION "${CPPUTESTEXT_LIBRARY}" INTERFACE_LINK_LIBRARIES CppUTest::CppUTest)
endif()
