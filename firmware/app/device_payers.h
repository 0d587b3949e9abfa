/* SPDX-License-Identifier: MIT */
// The payers of the device's `connect`: --demo-payer (the built-in fake
// signer, for the dev server) and --wallet-key FILE (the built-in EVM signer,
// its key read from the host over semihosting: the key never appears on a
// command line, and the buffers that held it are wiped).
#pragma once

#include <stddef.h>

#include "args.h"
#include "consensus/config.h"
#include "consensus/port.h"

/// Sets opt->payment_hook/payment_user for a's payer (none: a 402 ends the
/// request with payment_required, as on Linux). False with a one-line reason
/// in msg (a key file that is missing, too long or not a key; a signer that
/// does not fit its static memory). `port` must outlive the client.
bool device_payer_setup(const consensus::cli::Args& a, const cws_port& port,
                        consensus::ClientOptions* opt, char* msg, size_t cap);
