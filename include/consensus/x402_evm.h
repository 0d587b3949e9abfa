/* SPDX-License-Identifier: MIT */
/// \file
/// The built-in x402 payer: signs the service's "exact" EVM challenges on the
/// device (EIP-3009 TransferWithAuthorization over EIP-712, secp256k1 from
/// libsecp256k1), usable as ClientOptions::payment_hook. An optional module:
/// link consensus_evm (CMake option CONSENSUS_EVM, needs libsecp256k1).
///
/// What it signs: the first requirement of the challenge that has scheme
/// "exact", a network on the allow-list, an asset on the allow-list,
/// extra.name and extra.version (the token's EIP-712 domain) and no
/// assetTransferMethod other than "eip3009". The authorization is
/// <pre>
///   from = the key's address, to = payTo, value = amount,
///   validAfter = 0, validBefore = now + min(maxTimeoutSeconds, max_validity_s),
///   nonce = 32 fresh bytes from the port's entropy,
/// </pre>
/// signed RFC 6979 deterministic with low s, 65 bytes r||s||v (v = 27/28): the
/// same bytes as viem's signTypedData for the same authorization. The header is
/// the x402 v2 PaymentPayload {x402Version, payload:{authorization, signature},
/// accepted (the requirement verbatim), resource, extensions}, base64.
///
/// Policy, checked before anything is signed (each refusal is an EvmRefusal,
/// also the text of the purchase's payment_refused error):
///  - networks (default "eip155:84532", Base Sepolia) and assets (default: the
///    USDC contract of each default network) bound what is paid with;
///  - pay_to, when not empty, bounds who is paid: without it the payee is
///    whoever the 402 names, and a server that answers the token request
///    (or anyone on the path of a plain-HTTP one) is paid;
///  - max_amount bounds one payment in the asset's atomic units (USDC: 6
///    decimals, so 1,000,000 = 1 USD). The client's price policy and spend
///    guard (ClientOptions) apply before the hook is called.
/// They do not protect against: a payee on the allow-list that charges the
/// full max_amount for nothing, or a server that takes the payment and never
/// serves (the client's paid-attempt accounting bounds how often).
///
/// Time: validBefore needs Unix time. The port's wall_clock op is used when the
/// port has one and it answers; otherwise the Date header of the 402 response
/// (PaymentChallenge::server_time_s). Without either the signer refuses
/// (no_time): it never signs an authorization it cannot bound in time.
///
/// Threads: one thread, the client's loop. No allocation anywhere.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/export.h"
#include "consensus/payment.h"
#include "consensus/port.h"

namespace consensus {

class Client;

/// A 20-byte Ethereum address.
struct EvmAddress {
    uint8_t bytes[20];  ///< in the order of its hex text
};

/// Why the signer did not sign (EvmSigner::last_refusal). Names by evm_refusal_name.
enum class EvmRefusal : uint8_t {
    none = 0,                ///< nothing refused: the last call paid, or none was made
    no_payable_requirement,  ///< no requirement with scheme exact and eip3009 on an allowed network
    asset_not_allowed,       ///< an otherwise payable requirement names an asset not allowed
    payee_not_allowed,       ///< ... a payTo not on the allow-list
    amount_too_high,         ///< ... an amount over max_amount
    malformed_requirement,   ///< payTo, asset, amount or extra unusable (not an address, > 2^256-1,
                             ///< ...)
    no_time,                 ///< neither a wall clock nor a Date header
    no_entropy,              ///< the port's random failed (no nonce)
    header_too_small,        ///< the PaymentPayload does not fit max_header / the header buffer
    busy,                    ///< every pending slot holds a payment waiting for sign_digest
    signer_failed,           ///< the key or sign_digest produced no valid signature
};
/// Stable lower-case name of a refusal ("no_time", ...); static text.
CONSENSUS_API const char* evm_refusal_name(EvmRefusal r);

/// Answer of a sign_digest callback.
enum class EvmSignResult : uint8_t {
    signed_now,  ///< sig holds r||s||v
    pending,     ///< the answer comes later through EvmSigner::complete
    refused,     ///< no signature: the purchase fails with payment_refused
};

/// A signer that holds the key elsewhere (a secure element, a remote
/// wallet). digest is the EIP-712 digest to sign; `id` names this request for
/// EvmSigner::complete / EvmSigner::abandon. sig: r||s||v, v = 27 or 28
/// (0/1 is accepted too), s may be high (it is normalised to low s).
using EvmSignDigest = EvmSignResult (*)(void* user, const uint8_t digest[32], uint32_t id,
                                        uint8_t sig[65]);

/// Base Sepolia's USDC contract (0x036CbD53842c5426634e7929541eC2318f3dCF7e).
extern CONSENSUS_API const EvmAddress kBaseSepoliaUsdc;

/// The signer's key and policy (EvmSigner::init).
struct EvmSignerOptions {
    /// The key, one of two ways:
    ///  - private_key: 32 bytes, copied into the signer's memory (wiped at
    ///    deinit; the caller wipes its own copy);
    ///  - sign_digest (+ sign_user) with `address`, the key's address.
    const uint8_t* private_key = nullptr;
    EvmSignDigest sign_digest = nullptr;  ///< or: a signer that holds the key elsewhere
    void* sign_user = nullptr;            ///< passed to sign_digest
    EvmAddress address{};                 ///< with sign_digest: the key's address

    /// Entropy for nonces (ops->random) and, when the port has one, the wall
    /// clock (ops->wall_clock). Required; must outlive the signer.
    const cws_port* port = nullptr;

    /// CAIP-2 networks it pays on ("eip155:<chain id>"). Empty = {"eip155:84532"}.
    const char* const* networks = nullptr;
    size_t network_count = 0;  ///< entries in networks
    /// Token contracts it pays with. Empty = {kBaseSepoliaUsdc}.
    const EvmAddress* assets = nullptr;
    size_t asset_count = 0;  ///< entries in assets
    /// Payees it pays. Empty = any payee (see the header comment).
    const EvmAddress* pay_to = nullptr;
    size_t pay_to_count = 0;  ///< entries in pay_to
    /// Largest amount of one payment, in atomic units. Default 1 USDC.
    uint64_t max_amount = 1000000;
    /// validBefore is at most this far ahead of now (a server may ask for
    /// more in maxTimeoutSeconds). 1 .. 86400.
    uint32_t max_validity_s = 600;
    /// Longest header it produces; equal to the client's
    /// Config::max_payment_header. 256 .. 64 KiB.
    uint32_t max_header = 2048;
    /// Payments that may wait for sign_digest at once (0 .. 64; 0 = a
    /// sign_digest that answers pending is refused with busy). Each costs
    /// max_header + 64 bytes of the signer's memory.
    uint8_t max_pending = 0;
};

/// The signer. Usage:
/// \code
///   static uint8_t mem[...];            // EvmSigner::memory_needed(opts)
///   EvmSigner signer;
///   signer.init(opts, mem, sizeof mem);
///   client_options.payment_hook = EvmSigner::hook;
///   client_options.payment_user = &signer;
/// \endcode
class CONSENSUS_API EvmSigner {
  public:
    EvmSigner() = default;
    ~EvmSigner();
    EvmSigner(const EvmSigner&) = delete;
    EvmSigner& operator=(const EvmSigner&) = delete;

    /// Bytes of caller memory init needs for these options: the secp256k1
    /// context (libsecp256k1 0.2.0: a few hundred bytes; its tables are
    /// static, in flash) plus max_pending x (max_header + 64).
    static size_t memory_needed(const EvmSignerOptions& options);

    /// Sets the signer up in `memory` (aligned to 16, at least memory_needed
    /// bytes; the signer's until deinit). Errors: invalid_config (no port or
    /// no random op; neither or both of private_key and sign_digest; a key
    /// that is zero or not below the curve order; a network that is not
    /// "eip155:<decimal chain id>"; a count without its array; max_validity_s
    /// or max_header out of range; memory too small or misaligned; already
    /// initialised). *why, when given, names the problem. No allocation.
    Error init(const EvmSignerOptions& options, void* memory, size_t size,
               const char** why = nullptr);
    /// Wipes the key, the context and every pending payment. Idempotent.
    void deinit();

    /// The key's address.
    const EvmAddress& address() const { return address_; }
    /// Why the last call of the hook did not pay (none after a payment).
    EvmRefusal last_refusal() const { return last_refusal_; }

    /// The PaymentHook (user = the EvmSigner*).
    static PaymentDecision hook(void* user, const PaymentChallenge& challenge, PaymentTicket ticket,
                                PaymentHeaderOut* header);

    /// Answers a pending sign_digest request: builds the header with `sig`
    /// and hands it to client.complete_payment. Errors: invalid_handle (no
    /// such pending id), bad_response (sig is not a valid signature of the
    /// digest by `address`: the purchase is refused), and what
    /// complete_payment returns. The slot is free afterwards in every case.
    Error complete(Client& client, uint32_t id, const uint8_t sig[65]);
    /// Gives a pending request up: the purchase fails with payment_refused.
    Error abandon(Client& client, uint32_t id);

    struct Impl;  // src/evm/evm_signer.cpp

  private:
    EvmRefusal last_refusal_ = EvmRefusal::none;
    EvmAddress address_{};
    Impl* impl_ = nullptr;
};

/// Writes the EIP-55 checksummed form of `a` ("0x" + 40 hex digits) into
/// out[0..42] and a NUL at out[42].
CONSENSUS_API void evm_address_text(const EvmAddress& a, char out[43]);

/// Parses "0x" + 40 hex digits; mixed case must carry a valid EIP-55
/// checksum (all-lower and all-upper are taken as they are).
CONSENSUS_API bool evm_parse_address(const char* text, size_t size, EvmAddress* out);

/// Parses a private key as the CLI's key files hold it: 64 hex digits,
/// optional "0x", ASCII whitespace around ignored. False when malformed, zero
/// or not below the secp256k1 order; `key` is wiped then.
CONSENSUS_API bool evm_parse_private_key(const char* text, size_t size, uint8_t key[32]);

/// The address of a private key. False when the key is invalid.
CONSENSUS_API bool evm_key_address(const uint8_t key[32], EvmAddress* out);

}  // namespace consensus
