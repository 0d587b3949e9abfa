/* SPDX-License-Identifier: MIT */
// `consensus-ws address` and `consensus-ws pay` (docs/CLI.md): the built-in
// EVM signer on its own, the second one as a --payer for this tool or any other.
#pragma once

#include "args.h"
#include "output.h"

namespace consensus {
namespace cli {

/// Prints the EIP-55 address of --wallet-key's key. Exit 0, or 2 on a bad key file.
int run_address(const Args& args, const Output& out);

/// Reads a decoded PaymentRequired JSON on stdin and prints the PAYMENT-SIGNATURE value on stdout:
/// exit 0. Nothing payable, a payee refused, over --limit-usd, a malformed challenge: exit 3 and
/// nothing on stdout. A bad key file: exit 2.
int run_pay(const Args& args, const Output& out);

}  // namespace cli
}  // namespace consensus
