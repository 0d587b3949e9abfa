/* SPDX-License-Identifier: MIT */
/** \file
 * The built-in x402 EVM payer for C programs: consensus/x402_evm.h's
 * EvmSigner behind a C99 API, usable as cws_options::payment_hook. An
 * optional module: link consensus_evm (CMake option CONSENSUS_EVM, needs
 * libsecp256k1) besides consensus.
 *
 * A thin layer, like consensus.h: every function converts its arguments and
 * calls the matching C++ member; what is signed, the policy, the time rules
 * and the refusals are the C++ signer's (x402_evm.h and docs/PAYING.md
 * document them at length). In short: it signs the first requirement of the
 * challenge with scheme "exact", a network and an asset on its allow-lists
 * and an EIP-3009 token (an EIP-3009 TransferWithAuthorization over EIP-712,
 * secp256k1, RFC 6979, low s), bounded by pay_to and max_amount; it refuses
 * (CWS_PAY_REFUSED, the purchase fails with CWS_ERR_PAYMENT_REFUSED and
 * cws_evm_signer_last_refusal() says why) anything else.
 *
 * Usage:
 * \code
 *   static uint8_t mem[512] __attribute__((aligned(16)));  // >= cws_evm_signer_bytes
 *   cws_evm_signer_options so;
 *   cws_evm_signer* signer;
 *   const char* why;
 *   cws_evm_signer_options_default(&so);
 *   so.private_key = key;   // 32 bytes; copied, wipe yours afterwards
 *   so.port = &port;        // random (nonces) and, if any, wall_clock
 *   if (cws_evm_signer_bytes(&so) > sizeof mem ||
 *       cws_evm_signer_init(mem, sizeof mem, &so, &signer, &why) != CWS_OK) {
 *       ...                 // why names the problem
 *   }
 *   options.payment_hook = cws_evm_payment_hook;
 *   options.payment_user = signer;
 *   ...                     // cws_client_init(..., &options, ...)
 *   cws_client_deinit(client);
 *   cws_evm_signer_deinit(signer);
 * \endcode
 *
 * Memory: the signer lives in one block of caller memory (16-aligned, sized
 * by cws_evm_signer_bytes()): the C layer's header (the C++ EvmSigner
 * object and the C sign_digest callback, CWS_EVM_SIGNER_HEADER_BYTES), then
 * EvmSigner::memory_needed bytes: the signer's state and libsecp256k1's
 * context (400 B on x86_64), plus max_pending slots of max_header + 48 B for
 * payments waiting for sign_digest. x86_64: 448 B with the defaults, 2,544 B
 * with max_pending 1. Nothing allocates; the key is wiped at deinit. Stack
 * (x86_64, gcc -O2): cws_evm_payment_hook adds 624 B (the challenge
 * converted to the C++ one, 536 B) to EvmSigner::hook's own (docs/PAYING.md,
 * "Memory and cost": a requirement's JSON tokens, libsecp256k1's signing).
 *
 * Threads: one thread, the client's loop (the hook runs there; call complete
 * and abandon there too).
 */
#ifndef CONSENSUS_CONSENSUS_EVM_H
#define CONSENSUS_CONSENSUS_EVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/consensus.h"
#include "consensus/export.h"
#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** consensus::EvmAddress: a 20-byte Ethereum address. */
typedef struct cws_evm_address {
    uint8_t bytes[20]; /**< in the order of its hex text */
} cws_evm_address;

/** consensus::EvmRefusal, value for value: why the signer did not sign
 * (cws_evm_signer_last_refusal()). cws_evm_refusal_name() gives the name. */
typedef enum cws_evm_refusal {
    CWS_EVM_REFUSAL_NONE = 0, /**< nothing refused: the last call paid, or none was made */
    /** no requirement with scheme exact and eip3009 on an allowed network */
    CWS_EVM_REFUSAL_NO_PAYABLE_REQUIREMENT = 1,
    CWS_EVM_REFUSAL_ASSET_NOT_ALLOWED = 2,     /**< a payable requirement's asset is not allowed */
    CWS_EVM_REFUSAL_PAYEE_NOT_ALLOWED = 3,     /**< ... its payTo is not on the allow-list */
    CWS_EVM_REFUSAL_AMOUNT_TOO_HIGH = 4,       /**< ... its amount is over max_amount */
    CWS_EVM_REFUSAL_MALFORMED_REQUIREMENT = 5, /**< payTo, asset, amount or extra unusable */
    CWS_EVM_REFUSAL_NO_TIME = 6,               /**< neither a wall clock nor a Date header */
    CWS_EVM_REFUSAL_NO_ENTROPY = 7,            /**< the port's random failed (no nonce) */
    CWS_EVM_REFUSAL_HEADER_TOO_SMALL = 8,      /**< the payload does not fit max_header */
    CWS_EVM_REFUSAL_BUSY = 9,                  /**< every pending slot waits for sign_digest */
    CWS_EVM_REFUSAL_SIGNER_FAILED = 10 /**< the key or sign_digest gave no valid signature */
} cws_evm_refusal;

/** Stable lower-case name of a refusal ("no_time", ...; the C++
 * evm_refusal_name), static, never null ("unknown" outside the enum). */
CONSENSUS_API const char* cws_evm_refusal_name(cws_evm_refusal r);

/** consensus::EvmSignResult: the answer of a sign_digest callback. */
typedef enum cws_evm_sign_result {
    CWS_EVM_SIGNED_NOW = 0, /**< sig holds r||s||v */
    CWS_EVM_PENDING = 1,    /**< the answer comes later: cws_evm_signer_complete() */
    CWS_EVM_REFUSED = 2     /**< no signature: the purchase fails with payment_refused */
} cws_evm_sign_result;

/** consensus::EvmSignDigest: a signer that holds the key elsewhere (a secure
 * element, a remote wallet). digest is the EIP-712 digest to sign; id names
 * this request for cws_evm_signer_complete() / cws_evm_signer_abandon() (0
 * when max_pending is 0: then only CWS_EVM_SIGNED_NOW pays). sig: r||s||v,
 * v = 27 or 28 (0/1 accepted), s may be high (it is normalised). Called on
 * the loop's thread from inside the payment hook; it may call
 * cws_evm_signer_complete() from inside. */
typedef cws_evm_sign_result (*cws_evm_sign_digest)(void* user, const uint8_t digest[32],
                                                   uint32_t id, uint8_t sig[65]);

/** Base Sepolia's USDC contract (0x036CbD53842c5426634e7929541eC2318f3dCF7e),
 * the default asset (consensus::kBaseSepoliaUsdc); static storage. */
CONSENSUS_API const cws_evm_address* cws_evm_base_sepolia_usdc(void);

/** consensus::EvmSignerOptions, field for field: the signer's key and
 * policy. Get the defaults with cws_evm_signer_options_default(). The
 * arrays and the port must outlive the signer (it keeps the pointers); the
 * private key is copied. */
typedef struct cws_evm_signer_options {
    /** The key, one of two ways: private_key (32 bytes, copied into the
     * signer's block, wiped at deinit), or sign_digest (+ sign_user) with
     * `address`, the key's address. */
    const uint8_t* private_key;
    cws_evm_sign_digest sign_digest; /**< or: a signer that holds the key elsewhere */
    void* sign_user;                 /**< passed to sign_digest */
    cws_evm_address address;         /**< with sign_digest: the key's address */
    /** Entropy for nonces (ops->random) and, when it has one, the wall clock
     * (ops->wall_clock). Required. */
    const cws_port* port;
    /** CAIP-2 networks it pays on ("eip155:<chain id>"). Empty = {"eip155:84532"}. */
    const char* const* networks;
    size_t network_count; /**< entries in networks */
    /** Token contracts it pays with. Empty = {cws_evm_base_sepolia_usdc()}. */
    const cws_evm_address* assets;
    size_t asset_count; /**< entries in assets */
    /** Payees it pays. Empty = any payee: whoever the 402 names is paid. */
    const cws_evm_address* pay_to;
    size_t pay_to_count; /**< entries in pay_to */
    /** Largest amount of one payment in atomic units (1000000: 1 USDC). */
    uint64_t max_amount;
    /** validBefore is at most this far ahead of now, 1 .. 86400 (600). */
    uint32_t max_validity_s;
    /** Longest header it produces, 256 .. 64 KiB: the client's
     * cws_config::max_payment_header (2048). */
    uint32_t max_header;
    /** Payments that may wait for sign_digest at once, 0 .. 64 (0); each
     * costs max_header + 48 bytes of the block (x86_64). */
    uint8_t max_pending;
} cws_evm_signer_options;

/** Fills *o with EvmSignerOptions' defaults (no key, no port, the default
 * allow-lists, any payee, 1 USDC, 600 s, 2048 B, no pending slot). NULL:
 * nothing. No allocation. */
CONSENSUS_API void cws_evm_signer_options_default(cws_evm_signer_options* o);

/** The signer: the start of the caller's block (cws_evm_signer_init). */
typedef struct cws_evm_signer cws_evm_signer;

/** Alignment of the signer's block. */
#define CWS_EVM_SIGNER_ALIGN 16
/** The C layer's header at the start of the block: the C++ EvmSigner object
 * and the C sign_digest callback with its user pointer. */
#define CWS_EVM_SIGNER_HEADER_BYTES 48

/** Bytes of the block cws_evm_signer_init needs for these options:
 * CWS_EVM_SIGNER_HEADER_BYTES + EvmSigner::memory_needed(options) (x86_64:
 * 400 B + max_pending x (max_header + 48 B)), a multiple of 16. Computed for
 * any options, also ones init refuses. SIZE_MAX for NULL. No allocation. */
CONSENSUS_API size_t cws_evm_signer_bytes(const cws_evm_signer_options* options);

/** Sets the signer up in memory (CWS_EVM_SIGNER_ALIGN-aligned, at least
 * cws_evm_signer_bytes(options) bytes; the signer's until deinit) and sets
 * *out (the signer is `memory` itself). Draws 32 bytes from the port's
 * random (the secp256k1 context's blinding). When why is not null, *why
 * receives a static English text naming the cause ("" on CWS_OK): print it,
 * do not parse it. Errors:
 * <pre>
 *   CWS_ERR_INVALID_PARAMS  options or out is null
 *   CWS_ERR_INVALID_CONFIG  no port or no random op; neither or both of
 *                           private_key and sign_digest; a key that is zero
 *                           or not below the curve order; a network that is
 *                           not "eip155:<decimal chain id>"; a count without
 *                           its array; max_validity_s, max_header or
 *                           max_pending out of range; memory null,
 *                           misaligned or too small; the port's random failed
 * </pre>
 * On an error nothing is kept. The block must not hold an initialised signer
 * (cws_evm_signer_deinit it first). No allocation. */
CONSENSUS_API cws_error cws_evm_signer_init(void* memory, size_t size,
                                            const cws_evm_signer_options* options,
                                            cws_evm_signer** out, const char** why);

/** Wipes the key, the context and every pending payment; the block may be
 * reused afterwards. Idempotent; NULL: nothing. Deinit the client that uses
 * the signer as its hook first (or never let it pay again). */
CONSENSUS_API void cws_evm_signer_deinit(cws_evm_signer* signer);

/** The key's address (from the private key, or the options' address with
 * sign_digest); all zero for NULL or after deinit. */
CONSENSUS_API cws_evm_address cws_evm_signer_address(const cws_evm_signer* signer);

/** Why the last call of the hook did not pay (CWS_EVM_REFUSAL_NONE after a
 * payment, and for NULL). */
CONSENSUS_API cws_evm_refusal cws_evm_signer_last_refusal(const cws_evm_signer* signer);

/** The payment hook (cws_payment_hook; user = the cws_evm_signer*): set
 * options.payment_hook = cws_evm_payment_hook and options.payment_user =
 * the signer. Answers CWS_PAY_PAID with the PAYMENT-SIGNATURE value in
 * header, CWS_PAY_PENDING while sign_digest works, or CWS_PAY_REFUSED with
 * header->refusal naming the refusal (also with a null user, challenge or an
 * uninitialised signer). Converts the challenge to the C++ one on the stack
 * (624 B on x86_64), views pointing at the same bytes; no allocation. */
CONSENSUS_API cws_payment_decision cws_evm_payment_hook(void* user,
                                                        const cws_payment_challenge* challenge,
                                                        cws_payment_ticket ticket,
                                                        cws_payment_header_out* header);

/** Answers a pending sign_digest request (its id) with sig (r||s||v): builds
 * the header in the pending slot and hands it to cws_complete_payment() of
 * client (the client whose hook the signer is). Errors: CWS_ERR_INVALID_CONFIG
 * (signer or client null), CWS_ERR_INVALID_HANDLE (no such pending id, or sig
 * null), CWS_ERR_BAD_RESPONSE (sig is not a valid signature of the digest by
 * the signer's address: the purchase is refused), and what
 * cws_complete_payment returns. The slot is free afterwards in every case.
 * No allocation. */
CONSENSUS_API cws_error cws_evm_signer_complete(cws_evm_signer* signer, cws_client* client,
                                                uint32_t id, const uint8_t sig[65]);

/** Gives a pending request up: the purchase fails with payment_refused (as
 * cws_refuse_payment). Errors: CWS_ERR_INVALID_CONFIG (signer or client
 * null), CWS_ERR_INVALID_HANDLE (no such pending id), and what
 * cws_refuse_payment returns. */
CONSENSUS_API cws_error cws_evm_signer_abandon(cws_evm_signer* signer, cws_client* client,
                                               uint32_t id);

/** Writes the EIP-55 checksummed form of *a ("0x" + 40 hex digits) into
 * out[0..42] and a NUL at out[42]. NULL a or out: nothing. */
CONSENSUS_API void cws_evm_address_text(const cws_evm_address* a, char out[43]);

/** Parses "0x" + 40 hex digits (size bytes at text, no NUL needed); mixed
 * case must carry a valid EIP-55 checksum (all-lower and all-upper are taken
 * as they are). False when malformed or a pointer is null. */
CONSENSUS_API bool cws_evm_parse_address(const char* text, size_t size, cws_evm_address* out);

/** Parses a private key as the CLI's key files hold it: 64 hex digits,
 * optional "0x", ASCII whitespace around ignored. False when malformed, zero
 * or not below the secp256k1 order (key is wiped then). Uses a secp256k1
 * context on the stack (592 B on x86_64). No allocation. */
CONSENSUS_API bool cws_evm_parse_private_key(const char* text, size_t size, uint8_t key[32]);

/** The address of a private key. False when the key is invalid or a pointer
 * is null. Uses a secp256k1 context on the stack (592 B on x86_64). No allocation. */
CONSENSUS_API bool cws_evm_key_address(const uint8_t key[32], cws_evm_address* out);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_CONSENSUS_EVM_H */
