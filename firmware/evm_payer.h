/* SPDX-License-Identifier: MIT */
// The built-in EVM payer in the bare-metal image (see evm_payer.cpp).
#pragma once

#include <stddef.h>

#include "consensus/port.h"

/// What firmware_evm_pay did: 0 = paid (the header is in `header`), else the
/// number of the step that failed (see evm_payer.cpp). refusal is
/// EvmSigner::last_refusal() after the hook (an EvmRefusal).
struct FirmwareEvmResult {
    int step;
    int refusal;
    const char* header;
    size_t header_size;
};

/// Signs the service's captured 402 challenge once with an EvmSigner on
/// `port` (its random op for the blinding seed and the nonce) and a fixed
/// throwaway key, with the 402's Date as the time.
FirmwareEvmResult firmware_evm_pay(const cws_port* port);
