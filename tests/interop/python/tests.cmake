# WebSocket peers nobody here wrote, driven by the library's public API:
# Python's `websockets` (Debian python3-websockets, run by /usr/bin/python3)
# and Node's `ws` (tests/interop/node_modules). Included from
# tests/interop/tests.cmake; label interop.
set(CONSENSUS_PEERS_DIR ${CMAKE_CURRENT_LIST_DIR})
if(TARGET consensus_posix AND TARGET test_support)
  add_executable(interop_peers ${CONSENSUS_PEERS_DIR}/interop_test.cpp)
  target_link_libraries(interop_peers PRIVATE test_support consensus_posix consensus_warnings)
  target_compile_definitions(interop_peers PRIVATE
    CONSENSUS_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    CONSENSUS_TEST_SCRATCH="${CMAKE_CURRENT_BINARY_DIR}/scratch_interop_peers")
  add_test(NAME interop.ws_peers COMMAND interop_peers)
  set_tests_properties(interop.ws_peers PROPERTIES LABELS interop TIMEOUT 180)
  if(TEST interop.node_modules)
    set_tests_properties(interop.ws_peers PROPERTIES FIXTURES_REQUIRED interop_node_modules)
  endif()
endif()
