# Finds the five dependencies on Debian (and multiarch cross builds) by header
# and library name: their package configs are missing or broken there.
include_guard(GLOBAL)

find_path(MBEDTLS_INCLUDE_DIR mbedtls/ssl.h)
find_library(MBEDTLS_LIBRARY NAMES mbedtls)
find_library(MBEDX509_LIBRARY NAMES mbedx509)
find_library(MBEDCRYPTO_LIBRARY NAMES mbedcrypto)
if(NOT MBEDTLS_INCLUDE_DIR OR NOT MBEDTLS_LIBRARY OR NOT MBEDX509_LIBRARY OR NOT MBEDCRYPTO_LIBRARY)
  message(FATAL_ERROR "mbedTLS not found: apt-get install libmbedtls-dev (or run scripts/install-deps)")
endif()
foreach(_c mbedcrypto mbedx509 mbedtls)
  string(TOUPPER ${_c} _C)
  add_library(MbedTLS::${_c} UNKNOWN IMPORTED)
  set_target_properties(MbedTLS::${_c} PROPERTIES
    IMPORTED_LOCATION "${${_C}_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${MBEDTLS_INCLUDE_DIR}")
endforeach()
set_property(TARGET MbedTLS::mbedx509 PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedcrypto)
set_property(TARGET MbedTLS::mbedtls PROPERTY INTERFACE_LINK_LIBRARIES MbedTLS::mbedx509)

find_path(WSLAY_INCLUDE_DIR wslay/wslay.h)
find_library(WSLAY_LIBRARY NAMES wslay libwslay.so.1)
if(NOT WSLAY_INCLUDE_DIR OR NOT WSLAY_LIBRARY)
  message(FATAL_ERROR "wslay not found: apt-get install libwslay-dev (or run scripts/install-deps)")
endif()
add_library(wslay::wslay UNKNOWN IMPORTED)
set_target_properties(wslay::wslay PROPERTIES
  IMPORTED_LOCATION "${WSLAY_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${WSLAY_INCLUDE_DIR}")

find_path(JSMN_INCLUDE_DIR jsmn.h)
if(NOT JSMN_INCLUDE_DIR)
  message(FATAL_ERROR "jsmn not found: apt-get install libjsmn-dev (or run scripts/install-deps)")
endif()
add_library(jsmn::jsmn INTERFACE IMPORTED)
set_target_properties(jsmn::jsmn PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${JSMN_INCLUDE_DIR}")

set(LLHTTP_SOURCE_DIR "/usr/share/llhttp" CACHE PATH "llhttp api.c/http.c/llhttp.c")
set(LLHTTP_INCLUDE_DIR "/usr/share/include/llhttp" CACHE PATH "directory of llhttp.h")
foreach(_f api.c http.c llhttp.c)
  if(NOT EXISTS "${LLHTTP_SOURCE_DIR}/${_f}")
    message(FATAL_ERROR "llhttp sources missing: apt-get install node-llhttp (or run scripts/install-deps)")
  endif()
endforeach()
add_library(llhttp STATIC
  "${LLHTTP_SOURCE_DIR}/api.c" "${LLHTTP_SOURCE_DIR}/http.c" "${LLHTTP_SOURCE_DIR}/llhttp.c")
target_include_directories(llhttp SYSTEM PUBLIC "${LLHTTP_INCLUDE_DIR}")
set_target_properties(llhttp PROPERTIES C_STANDARD 99 POSITION_INDEPENDENT_CODE ON)
target_compile_options(llhttp PRIVATE -w) # generated code: keep -Werror away from it
add_library(llhttp::llhttp ALIAS llhttp)

if(CONSENSUS_EVM)
  find_path(SECP256K1_INCLUDE_DIR secp256k1_recovery.h)
  find_library(SECP256K1_LIBRARY NAMES secp256k1)
  if(NOT SECP256K1_INCLUDE_DIR OR NOT SECP256K1_LIBRARY)
    message(FATAL_ERROR "libsecp256k1 not found: apt-get install libsecp256k1-dev "
      "(or run scripts/install-deps), or configure with -DCONSENSUS_EVM=OFF")
  endif()
  add_library(secp256k1::secp256k1 UNKNOWN IMPORTED)
  set_target_properties(secp256k1::secp256k1 PROPERTIES
    IMPORTED_LOCATION "${SECP256K1_LIBRARY}" INTERFACE_INCLUDE_DIRECTORIES "${SECP256K1_INCLUDE_DIR}")
endif()

if(CONSENSUS_BUILD_TESTS)
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
