# Interop tier (ctest label "interop"): our tools against peers nobody here
# wrote (the real @x402/express middleware, @x402/fetch, ws). Include this file
# after the tools are defined. The Node packages must be installed first:
#   npm ci --prefix tests/interop
# Everything runs on loopback; each script starts its servers on port 0.

set(CONSENSUS_INTEROP_DIR ${CMAKE_CURRENT_LIST_DIR})
find_program(CONSENSUS_NODE_EXECUTABLE NAMES node nodejs)

if(NOT CONSENSUS_NODE_EXECUTABLE)
  message(STATUS "interop tests: node not found, not registered")
else()
  # Fails with a clear message when `npm ci --prefix tests/interop` was not run.
  add_test(NAME interop.node_modules
    COMMAND ${CONSENSUS_NODE_EXECUTABLE} --input-type=module -e
      "Promise.all(['ws','express','@x402/express','@x402/fetch','@x402/evm/exact/client','viem/accounts'].map((m)=>import(m))).then(()=>{},(e)=>{console.error('interop: '+e.message+' -- run: npm ci --prefix tests/interop');process.exit(1)})"
    WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
  set_tests_properties(interop.node_modules PROPERTIES
    LABELS interop FIXTURES_SETUP interop_node_modules TIMEOUT 30)

  # The peer's own controls (401, single use, drop/freeze/expire, data limit, wss).
  add_test(NAME interop.token_server
    COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/token-server.selftest.mjs
    WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
  set_tests_properties(interop.token_server PROPERTIES
    LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 120)

  # token-server.mjs --verify-signatures: the strict facilitator refuses what
  # @x402/evm's exact facilitator refuses, with the same reason names.
  add_test(NAME interop.strict_facilitator
    COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/strict-facilitator.selftest.mjs
    WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
  set_tests_properties(interop.strict_facilitator PROPERTIES
    LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 120)

  # viem's EVM reference vectors (keccak, EIP-55, EIP-712, EIP-3009): the
  # committed tests/vectors/evm/viem-vectors.json must be exactly what viem makes.
  add_test(NAME interop.evm_vectors
    COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/evm-vectors.mjs
      --check ${CONSENSUS_INTEROP_DIR}/../vectors/evm/viem-vectors.json
    WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
  set_tests_properties(interop.evm_vectors PROPERTIES
    LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 60)

  if(TARGET consensus-devserver)
    add_test(NAME interop.devserver
      COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/check-devserver.mjs
        $<TARGET_FILE:consensus-devserver>
      WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
    set_tests_properties(interop.devserver PROPERTIES
      LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 90)
  endif()

  if(TARGET consensus-ws)
    add_test(NAME interop.cli_token
      COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/cli-token.test.mjs
        $<TARGET_FILE:consensus-ws>
      WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
    set_tests_properties(interop.cli_token PROPERTIES
      LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 300)

    # The CLI's built-in EVM payer (--wallet-key, pay) against the strict
    # facilitator and viem. Exits 77 (skipped) while the CLI answers those with
    # its own "unknown command/option" usage error; any other failure fails.
    add_test(NAME interop.cli_wallet
      COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/cli-wallet.test.mjs
        $<TARGET_FILE:consensus-ws>
      WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
    set_tests_properties(interop.cli_wallet PROPERTIES
      LABELS interop FIXTURES_REQUIRED interop_node_modules TIMEOUT 300 SKIP_RETURN_CODE 77)

    # `connect` over https/wss against OpenSSL 3 servers that speak TLS 1.2
    # only and TLS 1.3 only: Node's https + ws (token-server.mjs) and Python's
    # ssl + websockets (python/ws_peer.py). The open line names the version; a
    # 2.28 build facing 1.3 only fails with tls_failed, "protocol versions did
    # not match". The servers log every TLS handshake (full or resumed).
    foreach(peer node python)
      add_test(NAME interop.cli_tls_versions_${peer}
        COMMAND ${CONSENSUS_NODE_EXECUTABLE} ${CONSENSUS_INTEROP_DIR}/cli-tls-versions.test.mjs
          $<TARGET_FILE:consensus-ws> ${peer}
        WORKING_DIRECTORY ${CONSENSUS_INTEROP_DIR})
      set_tests_properties(interop.cli_tls_versions_${peer} PROPERTIES LABELS interop TIMEOUT 90)
    endforeach()
    set_tests_properties(interop.cli_tls_versions_node PROPERTIES
      FIXTURES_REQUIRED interop_node_modules)
  endif()
endif()

# Python's websockets and Node's ws as WebSocket peers of the library itself.
include(${CMAKE_CURRENT_LIST_DIR}/python/tests.cmake)
