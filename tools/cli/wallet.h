/* SPDX-License-Identifier: MIT */
// The built-in EVM signer of `consensus-ws` (--wallet-key): the key file
// (docs/CLI.md, "Paying with a wallet key") and the signer set up from the
// command line's policy options.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "args.h"
#include "consensus/port.h"
#include "consensus/x402_evm.h"

namespace consensus {
namespace cli {

/// Reads and checks the key file at path into key: 64 hex digits, optional
/// 0x, whitespace around ignored; refused when group or others may read it.
/// On failure writes a one-line reason naming the file (never its contents)
/// into msg and leaves key wiped. Every buffer that held key text is wiped,
/// and the process is made non-dumpable first (no core file can carry it).
bool load_wallet_key(const char* path, uint8_t key[32], char* msg, size_t cap);

/// Zeroes key material in a way the compiler may not drop as a dead store
/// (a plain memset before a buffer goes out of scope may be removed).
void wipe_secret(void* p, size_t n);

/// An EvmSigner with its memory, set up from Args: the key file, --pay-to as
/// the payee allow-list, --limit-usd (when given) as the per-payment maximum
/// in USDC units (6 decimals); networks and assets at the signer's defaults.
class Wallet {
  public:
    Wallet() = default;
    ~Wallet();
    Wallet(const Wallet&) = delete;
    Wallet& operator=(const Wallet&) = delete;

    /// False with a one-line reason in msg (a bad key file, no memory).
    bool open(const Args& a, const cws_port* port, uint32_t max_header, char* msg, size_t cap);
    EvmSigner& signer() { return signer_; }

  private:
    EvmSigner signer_;
    void* memory_ = nullptr;
};

}  // namespace cli
}  // namespace consensus
