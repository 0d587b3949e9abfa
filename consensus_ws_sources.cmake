# consensus-ws source lists: the files of each library and their include
# directories, for builds that are not this CMake project (Make, ESP-IDF,
# Zephyr, a vendor IDE) -- like coreMQTT's coreMQTTFilePaths.cmake. The
# top-level CMakeLists.txt builds the libraries from exactly these lists and
# fails at configure when a source under src/ or port/ is missing here, so
# the lists cannot rot.
#
# From CMake: include(<consensus-ws>/consensus_ws_sources.cmake). From
# anything else: the paths below, relative to the repository root.
#
# Besides these, a build compiles llhttp (api.c, http.c, llhttp.c, MIT; Debian
# node-llhttp's /usr/share/llhttp) and links mbedTLS (2.28 or 3.6), wslay
# (its frame API only) and, for the POSIX port, c-ares; jsmn's header is
# needed with JSMN_PARENT_LINKS defined for the core's sources only. The EVM
# payer needs libsecp256k1 (with the recovery module).
get_filename_component(CONSENSUS_WS_DIR "${CMAKE_CURRENT_LIST_DIR}" ABSOLUTE)

# Public headers: add CONSENSUS_PUBLIC_INCLUDE_DIRS to the include path of
# the library and of its users. (An installed package also has
# consensus/version.h, which CMakeLists.txt generates from the project
# version: a build without CMake writes its own from cmake/version.h.in.)
set(CONSENSUS_PUBLIC_INCLUDE_DIRS "${CONSENSUS_WS_DIR}/include")
set(CONSENSUS_PUBLIC_HEADERS
  "${CONSENSUS_WS_DIR}/include/consensus/client.h"
  "${CONSENSUS_WS_DIR}/include/consensus/config.h"
  "${CONSENSUS_WS_DIR}/include/consensus/consensus.h"
  "${CONSENSUS_WS_DIR}/include/consensus/consensus_evm.h"
  "${CONSENSUS_WS_DIR}/include/consensus/error.h"
  "${CONSENSUS_WS_DIR}/include/consensus/events.h"
  "${CONSENSUS_WS_DIR}/include/consensus/export.h"
  "${CONSENSUS_WS_DIR}/include/consensus/log.h"
  "${CONSENSUS_WS_DIR}/include/consensus/params.h"
  "${CONSENSUS_WS_DIR}/include/consensus/payment.h"
  "${CONSENSUS_WS_DIR}/include/consensus/port.h"
  "${CONSENSUS_WS_DIR}/include/consensus/port_lwip.h"
  "${CONSENSUS_WS_DIR}/include/consensus/port_posix.h"
  "${CONSENSUS_WS_DIR}/include/consensus/strview.h"
  "${CONSENSUS_WS_DIR}/include/consensus/x402_evm.h")

# The library's own sources include their internal headers from src/.
set(CONSENSUS_PRIVATE_INCLUDE_DIRS "${CONSENSUS_WS_DIR}/src")

# The portable core (libconsensus): no OS header, no heap of its own.
set(CONSENSUS_CORE_SOURCES
  "${CONSENSUS_WS_DIR}/src/capi/consensus_c.cpp"
  "${CONSENSUS_WS_DIR}/src/capi/convert.cpp"
  "${CONSENSUS_WS_DIR}/src/capi/cxx_runtime.cpp"
  "${CONSENSUS_WS_DIR}/src/client/client.cpp"
  "${CONSENSUS_WS_DIR}/src/client/client_core.cpp"
  "${CONSENSUS_WS_DIR}/src/client/failure_text.cpp"
  "${CONSENSUS_WS_DIR}/src/client/lane_pool.cpp"
  "${CONSENSUS_WS_DIR}/src/client/layout.cpp"
  "${CONSENSUS_WS_DIR}/src/client/link.cpp"
  "${CONSENSUS_WS_DIR}/src/client/post_queue.cpp"
  "${CONSENSUS_WS_DIR}/src/client/price_policy.cpp"
  "${CONSENSUS_WS_DIR}/src/client/reconnect_policy.cpp"
  "${CONSENSUS_WS_DIR}/src/client/request_slot.cpp"
  "${CONSENSUS_WS_DIR}/src/client/session_ending.cpp"
  "${CONSENSUS_WS_DIR}/src/client/session_handle.cpp"
  "${CONSENSUS_WS_DIR}/src/client/session_open.cpp"
  "${CONSENSUS_WS_DIR}/src/client/session_opening.cpp"
  "${CONSENSUS_WS_DIR}/src/client/session_slot.cpp"
  "${CONSENSUS_WS_DIR}/src/client/spend_guard.cpp"
  "${CONSENSUS_WS_DIR}/src/client/token_fetch.cpp"
  "${CONSENSUS_WS_DIR}/src/core/error.cpp"
  "${CONSENSUS_WS_DIR}/src/core/ip_literal.cpp"
  "${CONSENSUS_WS_DIR}/src/core/log.cpp"
  "${CONSENSUS_WS_DIR}/src/core/params.cpp"
  "${CONSENSUS_WS_DIR}/src/core/rng.cpp"
  "${CONSENSUS_WS_DIR}/src/core/url.cpp"
  "${CONSENSUS_WS_DIR}/src/core/utf8.cpp"
  "${CONSENSUS_WS_DIR}/src/core/writer.cpp"
  "${CONSENSUS_WS_DIR}/src/http/http_date.cpp"
  "${CONSENSUS_WS_DIR}/src/http/request.cpp"
  "${CONSENSUS_WS_DIR}/src/http/response.cpp"
  "${CONSENSUS_WS_DIR}/src/json/jsmn_impl.cpp"
  "${CONSENSUS_WS_DIR}/src/json/json.cpp"
  "${CONSENSUS_WS_DIR}/src/json/server_message.cpp"
  "${CONSENSUS_WS_DIR}/src/json/token_json.cpp"
  "${CONSENSUS_WS_DIR}/src/net/connection.cpp"
  "${CONSENSUS_WS_DIR}/src/tls/crypto.cpp"
  "${CONSENSUS_WS_DIR}/src/tls/session_cache.cpp"
  "${CONSENSUS_WS_DIR}/src/tls/tls.cpp"
  "${CONSENSUS_WS_DIR}/src/tls/tls_session.cpp"
  "${CONSENSUS_WS_DIR}/src/ws/frame_context_pool.cpp"
  "${CONSENSUS_WS_DIR}/src/ws/framer.cpp"
  "${CONSENSUS_WS_DIR}/src/ws/handshake.cpp"
  "${CONSENSUS_WS_DIR}/src/ws/mask_keys.cpp"
  "${CONSENSUS_WS_DIR}/src/x402/challenge.cpp")

# The optional x402 EVM payer (libconsensus_evm, include/consensus/x402_evm.h
# and, for C, consensus_evm.h).
set(CONSENSUS_EVM_SOURCES
  "${CONSENSUS_WS_DIR}/src/capi/evm_c.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/ecdsa.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/eip712.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/evm_signer.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/evm_text.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/keccak.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/keys.cpp"
  "${CONSENSUS_WS_DIR}/src/evm/payload.cpp")

# The POSIX port (libconsensus_posix, include/consensus/port_posix.h): Linux.
set(CONSENSUS_POSIX_SOURCES
  "${CONSENSUS_WS_DIR}/port/posix/posix_port.cpp")

# The lwIP port (include/consensus/port_lwip.h), C11: NO_SYS raw API.
set(CONSENSUS_LWIP_PORT_SOURCES
  "${CONSENSUS_WS_DIR}/port/lwip/lwip_port.c")
