// A strict stand-in facilitator for the x402 "exact" EVM scheme (EIP-3009),
// used by `token-server.mjs --verify-signatures`. It decides /verify and
// /settle the way @x402/evm 2.27.0's exact facilitator does (verifyEIP3009 in
// dist/esm/exact/facilitator/index.mjs), in the same order and with the same
// reason names, but without a chain: the signature is checked with viem's
// verifyTypedData, and a Set of settled authorizations stands in for the token
// contract's authorizationState.
//
// The real checks, in order (a payload fails on the first):
//   1 invalid_exact_evm_scheme             accepted.scheme or requirements.scheme is not "exact"
//   2 invalid_exact_evm_missing_eip712_domain  requirements.extra.name/version missing
//   3 invalid_exact_evm_network_mismatch   accepted.network != requirements.network
//   4 invalid_exact_evm_signature          not 65 bytes, or does not recover to authorization.from
//   5 invalid_exact_evm_recipient_mismatch getAddress(to) != getAddress(payTo)
//   6 invalid_exact_evm_payload_authorization_valid_before  validBefore < now + 6
//   7 invalid_exact_evm_payload_authorization_valid_after   validAfter > now
//   8 invalid_exact_evm_payload_authorization_value_mismatch value != amount
//   then, on a chain, a simulated transferWithAuthorization whose failure is
//   diagnosed; two of those outcomes are modelled here:
//   9 invalid_exact_evm_nonce_already_used (authorizationState(from, nonce) is true)
//  10 invalid_exact_evm_transaction_simulation_failed: the token's ecrecover
//     (FiatToken) refuses v other than 27/28 and s above n/2, which viem's
//     verifyTypedData accepts. In /settle the chain's revert text maps to
//     invalid_exact_evm_signature instead (parseEip3009TransferError).
// Not modelled (they need a chain): asset_not_deployed_contract, balances,
// the token's name()/version(), ERC-1271/ERC-6492 smart wallets.
import crypto from "node:crypto";
import { getAddress, isAddress, verifyTypedData } from "viem";

export const REASONS = Object.freeze({
  payload: "invalid_payload", // the lenient stand-in's name for an unusable body (ours)
  scheme: "invalid_exact_evm_scheme",
  domain: "invalid_exact_evm_missing_eip712_domain",
  network: "invalid_exact_evm_network_mismatch",
  signature: "invalid_exact_evm_signature",
  recipient: "invalid_exact_evm_recipient_mismatch",
  validBefore: "invalid_exact_evm_payload_authorization_valid_before",
  validAfter: "invalid_exact_evm_payload_authorization_valid_after",
  value: "invalid_exact_evm_payload_authorization_value_mismatch",
  nonceUsed: "invalid_exact_evm_nonce_already_used",
  simulation: "invalid_exact_evm_transaction_simulation_failed",
});

// The EIP-3009 type, as @x402/evm's authorizationTypes.
export const TRANSFER_WITH_AUTHORIZATION_TYPES = Object.freeze({
  TransferWithAuthorization: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "value", type: "uint256" },
    { name: "validAfter", type: "uint256" },
    { name: "validBefore", type: "uint256" },
    { name: "nonce", type: "bytes32" },
  ],
});

// The real facilitator refuses an authorization that ends within 6 s of now:
// it would expire before the settlement transaction is mined.
export const VALID_BEFORE_MARGIN_S = 6;

const SECP256K1_HALF_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n / 2n;
const UINT = /^[0-9]{1,78}$/;
const BYTES32 = /^0x[0-9a-fA-F]{64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;
const EIP155 = /^eip155:(\d+)$/;

function isAddr(a) {
  return typeof a === "string" && isAddress(a, { strict: false });
}

// The EIP-712 domain of requirements, or a string saying why there is none.
export function domainOf(requirements) {
  const m = EIP155.exec(requirements.network);
  const chainId = m ? Number(m[1]) : NaN;
  // As getEvmChainId: eip155 and a safe integer, else the network is unusable.
  if (!Number.isSafeInteger(chainId)) return `network ${requirements.network} is not eip155:<chain id>`;
  return {
    name: requirements.extra.name,
    version: requirements.extra.version,
    chainId,
    verifyingContract: getAddress(requirements.asset),
  };
}

// The typed data that authorization.from must have signed.
export function typedDataOf(requirements, authorization) {
  const domain = domainOf(requirements);
  if (typeof domain === "string") throw new Error(domain);
  return {
    domain,
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: {
      from: getAddress(authorization.from),
      to: getAddress(authorization.to),
      value: BigInt(authorization.value),
      validAfter: BigInt(authorization.validAfter),
      validBefore: BigInt(authorization.validBefore),
      nonce: authorization.nonce,
    },
  };
}

// What the body must hold before any x402 check can run. The real facilitator
// throws on such input (a 500); a verdict with a reason is easier to test.
function shapeProblem(body) {
  const payload = body && body.paymentPayload;
  const requirements = body && body.paymentRequirements;
  if (!payload || typeof payload !== "object") return "no paymentPayload";
  if (!requirements || typeof requirements !== "object") return "no paymentRequirements";
  if (!payload.accepted || typeof payload.accepted !== "object") return "paymentPayload has no accepted (not x402 v2)";
  const auth = payload.payload && payload.payload.authorization;
  if (!auth || typeof auth !== "object") return "no payload.authorization (not an EIP-3009 payload)";
  if (typeof payload.payload.signature !== "string" || !HEX.test(payload.payload.signature)) return "signature is not 0x-hex";
  if (!isAddr(auth.from) || !isAddr(auth.to)) return "authorization.from/to is not an address";
  for (const f of ["value", "validAfter", "validBefore"]) {
    if (typeof auth[f] !== "string" || !UINT.test(auth[f]) || BigInt(auth[f]) >= 1n << 256n) return `authorization.${f} is not a uint256 decimal string`;
  }
  if (typeof auth.nonce !== "string" || !BYTES32.test(auth.nonce)) return "authorization.nonce is not 32 bytes of hex";
  if (typeof requirements.amount !== "string" || !UINT.test(requirements.amount)) return "requirements.amount is not a decimal string";
  if (!isAddr(requirements.payTo) || !isAddr(requirements.asset)) return "requirements.payTo/asset is not an address";
  return null;
}

// What the token contract's ecrecover refuses although viem accepts it.
function chainRefusesSignature(signature) {
  const v = parseInt(signature.slice(130, 132), 16);
  const s = BigInt("0x" + signature.slice(66, 130));
  if (v !== 27 && v !== 28) return `v = ${v}: the token accepts only 27 or 28`;
  if (s > SECP256K1_HALF_N) return "s is above n/2: the token accepts only low-s signatures";
  return null;
}

export class StrictFacilitator {
  // clock: milliseconds since the epoch (tests pass a fixed one).
  constructor({ clock = () => Date.now() } = {}) {
    this.clock = clock;
    // network|asset|from|nonce of every settled authorization: EIP-3009 nonces
    // are per token contract and per authorizer.
    this.used = new Set();
  }

  static usedKey(requirements, auth) {
    return [requirements.network, getAddress(requirements.asset), getAddress(auth.from), auth.nonce.toLowerCase()].join("|");
  }

  // Returns { verdict, facts }: verdict is the facilitator's answer without
  // the chain's part (steps 1-8), facts what the log records.
  async #verifyOffChain(body) {
    const payload = body && body.paymentPayload;
    const auth = payload && payload.payload && payload.payload.authorization;
    const payer = auth && typeof auth.from === "string" ? auth.from : undefined;
    const facts = { from: payer, signature_verified: false };
    const refuse = (invalidReason, invalidMessage) => ({ verdict: { isValid: false, invalidReason, invalidMessage, payer }, facts });

    const shape = shapeProblem(body);
    if (shape) return refuse(REASONS.payload, shape);
    const requirements = body.paymentRequirements;
    if (payload.accepted.scheme !== "exact" || requirements.scheme !== "exact") {
      return refuse(REASONS.scheme, `scheme ${payload.accepted.scheme}/${requirements.scheme}, expected exact`);
    }
    if (!requirements.extra || !requirements.extra.name || !requirements.extra.version) {
      return refuse(REASONS.domain, "requirements.extra needs the token's EIP-712 name and version");
    }
    if (payload.accepted.network !== requirements.network) {
      return refuse(REASONS.network, `payload for ${payload.accepted.network}, requirements for ${requirements.network}`);
    }
    const domain = domainOf(requirements);
    if (typeof domain === "string") return refuse(REASONS.network, domain);

    const signature = payload.payload.signature;
    let signed = false;
    if (signature.length === 2 + 130) {
      try {
        signed = await verifyTypedData({ address: getAddress(auth.from), signature, ...typedDataOf(requirements, auth) });
      } catch {
        signed = false;
      }
    }
    if (!signed) return refuse(REASONS.signature, "the signature does not recover to authorization.from over the EIP-712 TransferWithAuthorization");
    facts.signature_verified = true;
    facts.verified_by = "viem verifyTypedData";

    if (getAddress(auth.to) !== getAddress(requirements.payTo)) {
      return refuse(REASONS.recipient, `authorization.to ${auth.to} is not payTo ${requirements.payTo}`);
    }
    const now = Math.floor(this.clock() / 1000);
    if (BigInt(auth.validBefore) < BigInt(now + VALID_BEFORE_MARGIN_S)) {
      return refuse(REASONS.validBefore, `validBefore ${auth.validBefore} is before now + ${VALID_BEFORE_MARGIN_S} s (${now + VALID_BEFORE_MARGIN_S})`);
    }
    if (BigInt(auth.validAfter) > BigInt(now)) {
      return refuse(REASONS.validAfter, `validAfter ${auth.validAfter} is after now (${now})`);
    }
    if (BigInt(auth.value) !== BigInt(requirements.amount)) {
      return refuse(REASONS.value, `value ${auth.value} is not the amount ${requirements.amount}`);
    }
    return { verdict: { isValid: true, payer }, facts };
  }

  // POST /verify: the real verify simulates the transfer (steps 9, 10).
  async verify(body) {
    const { verdict, facts } = await this.#verifyOffChain(body);
    if (!verdict.isValid) return { response: verdict, facts };
    const { paymentRequirements: requirements, paymentPayload: payload } = body;
    const auth = payload.payload.authorization;
    const refuse = (invalidReason, invalidMessage) => ({ response: { isValid: false, invalidReason, invalidMessage, payer: verdict.payer }, facts });
    if (this.used.has(StrictFacilitator.usedKey(requirements, auth))) {
      return refuse(REASONS.nonceUsed, `nonce ${auth.nonce} of ${auth.from} was already settled`);
    }
    const chain = chainRefusesSignature(payload.payload.signature);
    if (chain) return refuse(REASONS.simulation, chain);
    return { response: verdict, facts };
  }

  // POST /settle: verify without simulation, then the "transaction", whose
  // revert reasons the real facilitator maps to the names below.
  async settle(body) {
    const { verdict, facts } = await this.#verifyOffChain(body);
    const network = body && body.paymentPayload && body.paymentPayload.accepted ? body.paymentPayload.accepted.network : undefined;
    const fail = (errorReason, errorMessage) => ({
      response: { success: false, errorReason, errorMessage, transaction: "", network: network ?? "", payer: verdict.payer },
      facts,
    });
    if (!verdict.isValid) return fail(verdict.invalidReason, verdict.invalidMessage);
    const { paymentRequirements: requirements, paymentPayload: payload } = body;
    const auth = payload.payload.authorization;
    const chain = chainRefusesSignature(payload.payload.signature);
    if (chain) return fail(REASONS.signature, chain);
    // Check and record with no await in between: two settles of one nonce
    // cannot both pass.
    const key = StrictFacilitator.usedKey(requirements, auth);
    if (this.used.has(key)) return fail(REASONS.nonceUsed, `nonce ${auth.nonce} of ${auth.from} was already settled`);
    this.used.add(key);
    return {
      response: {
        success: true,
        payer: verdict.payer,
        transaction: "0x" + crypto.randomBytes(32).toString("hex"),
        network,
      },
      facts,
    };
  }
}
