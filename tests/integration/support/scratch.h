/* SPDX-License-Identifier: MIT */
// Scratch files, paths of the tools under test and throwaway certificates for
// the integration tests. Paths come from CMake (see tests/integration/CMakeLists.txt).
#pragma once

#include <string>

namespace itest {

/// The source tree (scripts/, tests/interop/).
const char* source_dir();
/// The built consensus-devserver.
const char* devserver_path();
/// node, or "" when CMake found none.
const char* node_path();
/// tests/interop (token-server.mjs, payer.mjs, node_modules).
const char* interop_dir();

/// This process's scratch directory, emptied and created on first use:
/// <build>/tests/integration/scratch/<program name>. Never null.
const char* scratch_dir();
/// A new file name in the scratch directory: <stem>-<n><ext>, n counting up.
std::string scratch_file(const char* stem, const char* ext);

/// The dev certificate (scripts/gen-dev-cert: self-signed, DNS:localhost,
/// IP:127.0.0.1, IP:::1), made once per process. Aborts when it cannot be
/// made: no TLS test could run.
const char* dev_cert_file();
const char* dev_key_file();

}  // namespace itest
