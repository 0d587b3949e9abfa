/* SPDX-License-Identifier: MIT */
// --insecure for the benchmark tool only. The library always verifies the
// server (it has no switch to turn that off, on purpose), so instead of
// disabling verification the bench fetches the certificate the server
// presents (one throwaway TLS handshake without verification) and trusts
// exactly that certificate for the measured connections. This works for the
// self-signed test certificates the benchmark uses (mbedTLS accepts a
// self-signed leaf that is itself in the trusted list); the host name is still
// checked, so the URL must name a host in the certificate (e.g. localhost).
#pragma once

#include <stddef.h>

namespace bench {

/// Connects (blocking) to host:port, completes a TLS handshake without
/// verification and writes the server's leaf certificate as a NUL-terminated
/// PEM into out. *len counts the NUL (what mbedtls_x509_crt_parse wants).
/// Returns false (with a reason in *why) on any failure.
bool fetch_server_cert_pem(const char* host, const char* port, char* out, size_t cap, size_t* len,
                           const char** why);

}  // namespace bench
