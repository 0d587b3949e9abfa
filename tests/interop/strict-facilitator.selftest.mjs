#!/usr/bin/env node
// Self-test of the strict facilitator (strict-facilitator.mjs, the
// `token-server.mjs --verify-signatures` mode), so that tests relying on it can
// trust a 200: a payment made by the real x402 client SDK passes; a payment
// with a foreign signature, a tampered or wrongly signed value or payee, an
// expired or not yet valid window, or a replayed nonce is refused with the
// reason name @x402/evm's exact facilitator gives, visible in the 402's
// PAYMENT-REQUIRED `error`. Part one drives the class directly (with a fixed
// clock where time matters), part two goes through the real @x402/express
// middleware.
// Usage: node strict-facilitator.selftest.mjs   (prints "N passed, N failed")
import fs from "node:fs";
import path from "node:path";
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { getAddress } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { HERE, CheckFailed, check, readJsonLines, spawnServer, tempDir } from "./lib.mjs";
import { REASONS, StrictFacilitator, TRANSFER_WITH_AUTHORIZATION_TYPES } from "./strict-facilitator.mjs";
import { makeTestClient, testAccount } from "./test-signer.mjs";

const SERVER = path.join(HERE, "token-server.mjs");
const VECTORS = path.join(HERE, "..", "vectors");
const dir = tempDir("strict-facilitator-selftest-");

// A second throwaway key (holds nothing, never fund it): the "wrong signer".
const otherAccount = privateKeyToAccount(`0x${"11".repeat(32)}`);

const HYBRID = JSON.parse(fs.readFileSync(path.join(VECTORS, "x402", "402-hybrid.json"), "utf8"));
const REQUIREMENT = HYBRID.accepts[0];
const EVM_VECTORS = JSON.parse(fs.readFileSync(path.join(VECTORS, "evm", "viem-vectors.json"), "utf8"));


// Signs `auth` for `requirement` with viem, independently of the facilitator's
// own domain code, so both have to agree.
function signAuthorization(account, requirement, auth) {
  return account.signTypedData({
    domain: {
      name: requirement.extra.name,
      version: requirement.extra.version,
      chainId: Number(requirement.network.split(":")[1]),
      verifyingContract: requirement.asset,
    },
    types: TRANSFER_WITH_AUTHORIZATION_TYPES,
    primaryType: "TransferWithAuthorization",
    message: {
      from: auth.from,
      to: auth.to,
      value: BigInt(auth.value),
      validAfter: BigInt(auth.validAfter),
      validBefore: BigInt(auth.validBefore),
      nonce: auth.nonce,
    },
  });
}

let nonceCounter = 0;
function freshNonce() {
  return `0x${(++nonceCounter).toString(16).padStart(8, "0")}${"5a".repeat(28)}`;
}

// A v2 PaymentPayload as the SDK builds it, for `requirement`, signed by
// `signer` (default: the payer itself), with `changes` to the authorization.
async function payment(requirement, { changes = {}, signer = testAccount, nowS = Math.floor(Date.now() / 1000) } = {}) {
  const authorization = {
    from: testAccount.address,
    to: getAddress(requirement.payTo),
    value: requirement.amount,
    validAfter: "0",
    validBefore: String(nowS + requirement.maxTimeoutSeconds),
    nonce: freshNonce(),
    ...changes,
  };
  const signature = await signAuthorization(signer, requirement, authorization);
  return { x402Version: 2, payload: { authorization, signature }, accepted: requirement, resource: HYBRID.resource };
}

// The same payload with authorization fields changed after signing.
function tampered(p, changes) {
  return { ...p, payload: { ...p.payload, authorization: { ...p.payload.authorization, ...changes } } };
}

function withSignature(p, signature) {
  return { ...p, payload: { ...p.payload, signature } };
}

function body(p, requirement = REQUIREMENT) {
  return { x402Version: 2, paymentPayload: p, paymentRequirements: requirement };
}

async function expectVerify(f, p, reason, requirement = REQUIREMENT) {
  const { response } = await f.verify(body(p, requirement));
  if (reason === null) {
    check(response.isValid === true, `expected valid, got ${JSON.stringify(response)}`);
  } else {
    check(
      response.isValid === false && response.invalidReason === reason,
      `expected invalidReason ${reason}, got ${JSON.stringify(response)}`,
    );
    check(typeof response.invalidMessage === "string" && response.invalidMessage.length > 0, `no invalidMessage: ${JSON.stringify(response)}`);
    check(response.payer === p.payload?.authorization?.from, `payer ${response.payer}, expected the authorization's from`);
  }
  return response;
}

// @x402/evm refuses validBefore < now + 6 (verifyEIP3009); stated here, not
// imported, so that a change in the facilitator shows up.
const VALID_BEFORE_MARGIN_S = 6;

const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// ---------------------------------------------------------------------------
// Part one: the class itself.
const unitCases = {
  async "a payment signed by the payer verifies; the log facts say viem checked it"() {
    const f = new StrictFacilitator();
    const p = await payment(REQUIREMENT);
    const { response, facts } = await f.verify(body(p));
    check(response.isValid === true && response.payer === testAccount.address, JSON.stringify(response));
    check(facts.signature_verified === true && facts.verified_by === "viem verifyTypedData", JSON.stringify(facts));
    check(facts.from === testAccount.address, JSON.stringify(facts));
  },
  async "the committed viem vector base_sepolia_usdc_7500 pays 402-hybrid.json (before its validBefore)"() {
    const v = EVM_VECTORS.transfer_with_authorization.find((c) => c.name === "base_sepolia_usdc_7500");
    const p = { x402Version: 2, payload: { authorization: v.message, signature: v.signature }, accepted: REQUIREMENT, resource: HYBRID.resource };
    const before = Number(v.message.validBefore) - 60;
    await expectVerify(new StrictFacilitator({ clock: () => before * 1000 }), p, null);
    const after = Number(v.message.validBefore);
    await expectVerify(new StrictFacilitator({ clock: () => after * 1000 }), p, REASONS.validBefore);
  },
  async "scheme, EIP-712 domain and network are checked before the signature"() {
    const f = new StrictFacilitator();
    const p = await payment(REQUIREMENT, { signer: otherAccount }); // also a bad signature: order matters
    await expectVerify(f, { ...p, accepted: { ...REQUIREMENT, scheme: "upto" } }, REASONS.scheme);
    await expectVerify(f, p, REASONS.scheme, { ...REQUIREMENT, scheme: "upto" });
    await expectVerify(f, p, REASONS.domain, { ...REQUIREMENT, extra: { name: "USDC" } });
    await expectVerify(f, { ...p, accepted: { ...REQUIREMENT, network: "eip155:8453" } }, REASONS.network);
    await expectVerify(f, p, REASONS.signature);
  },
  async "signature: foreign key, tampered fields, wrong domain, wrong length"() {
    const f = new StrictFacilitator();
    await expectVerify(f, await payment(REQUIREMENT, { signer: otherAccount }), REASONS.signature);
    const good = await payment(REQUIREMENT);
    await expectVerify(f, tampered(good, { value: "7501" }), REASONS.signature);
    await expectVerify(f, tampered(good, { to: otherAccount.address }), REASONS.signature);
    await expectVerify(f, tampered(good, { nonce: freshNonce() }), REASONS.signature);
    await expectVerify(f, tampered(good, { validBefore: String(Number(good.payload.authorization.validBefore) + 1) }), REASONS.signature);
    // Signed for another token contract (verifyingContract is in the domain).
    const otherAsset = { ...REQUIREMENT, asset: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913" };
    await expectVerify(f, { ...(await payment(otherAsset)), accepted: REQUIREMENT }, REASONS.signature);
    await expectVerify(f, withSignature(good, good.payload.signature.slice(0, 130)), REASONS.signature);
    await expectVerify(f, withSignature(good, good.payload.signature + "00"), REASONS.signature);
    await expectVerify(f, good, null);
  },
  async "recipient, value: refused when properly signed but not what was asked"() {
    const f = new StrictFacilitator();
    await expectVerify(f, await payment(REQUIREMENT, { changes: { to: otherAccount.address } }), REASONS.recipient);
    await expectVerify(f, await payment(REQUIREMENT, { changes: { value: "7499" } }), REASONS.value);
    await expectVerify(f, await payment(REQUIREMENT, { changes: { value: "7501" } }), REASONS.value);
    // A lowercase payee is the same address.
    await expectVerify(f, await payment(REQUIREMENT, { changes: { to: REQUIREMENT.payTo.toLowerCase() } }), null);
  },
  async [`time window: validBefore >= now + ${VALID_BEFORE_MARGIN_S} s, validAfter <= now (fixed clock)`]() {
    const now = 1800000000;
    const f = new StrictFacilitator({ clock: () => now * 1000 + 999 });
    const at = (changes) => payment(REQUIREMENT, { changes, nowS: now });
    await expectVerify(f, await at({ validBefore: String(now + VALID_BEFORE_MARGIN_S) }), null);
    await expectVerify(f, await at({ validBefore: String(now + VALID_BEFORE_MARGIN_S - 1) }), REASONS.validBefore);
    await expectVerify(f, await at({ validBefore: String(now - 1) }), REASONS.validBefore);
    await expectVerify(f, await at({ validAfter: String(now) }), null);
    await expectVerify(f, await at({ validAfter: String(now + 1) }), REASONS.validAfter);
    // validBefore is checked before validAfter, and both before the value.
    await expectVerify(f, await at({ validBefore: "1", validAfter: String(now + 1), value: "1" }), REASONS.validBefore);
    await expectVerify(f, await at({ validAfter: String(now + 1), value: "1" }), REASONS.validAfter);
  },
  async "what the token's ecrecover refuses and viem accepts: high s, v = 0/1"() {
    const f = new StrictFacilitator();
    const good = await payment(REQUIREMENT);
    const sig = good.payload.signature;
    const v = parseInt(sig.slice(130), 16);
    const highS = (N - BigInt("0x" + sig.slice(66, 130))).toString(16).padStart(64, "0");
    const flipped = withSignature(good, sig.slice(0, 66) + highS + (v === 27 ? "1c" : "1b"));
    const yParity = withSignature(good, sig.slice(0, 130) + (v - 27).toString(16).padStart(2, "0"));
    for (const p of [flipped, yParity]) {
      await expectVerify(f, p, REASONS.simulation);
      const { response } = await f.settle(body(p));
      check(response.success === false && response.errorReason === REASONS.signature, JSON.stringify(response));
    }
    await expectVerify(f, good, null);
  },
  async "nonce: settled once; then verify and settle refuse it; concurrent settles pay once"() {
    const f = new StrictFacilitator();
    const p = await payment(REQUIREMENT);
    await expectVerify(f, p, null);
    await expectVerify(f, p, null); // verify alone does not use the nonce
    const first = (await f.settle(body(p))).response;
    check(first.success === true && first.payer === testAccount.address && first.network === REQUIREMENT.network, JSON.stringify(first));
    check(/^0x[0-9a-f]{64}$/.test(first.transaction), `transaction ${first.transaction}`);
    await expectVerify(f, p, REASONS.nonceUsed);
    const again = (await f.settle(body(p))).response;
    check(again.success === false && again.errorReason === REASONS.nonceUsed && again.transaction === "", JSON.stringify(again));
    // The nonce is per payer and token: the same nonce from another payer is new.
    const other = await payment(REQUIREMENT, { changes: { from: otherAccount.address, nonce: p.payload.authorization.nonce }, signer: otherAccount });
    await expectVerify(f, other, null);
    const q = await payment(REQUIREMENT);
    const both = await Promise.all([f.settle(body(q)), f.settle(body(q))]);
    const ok = both.filter((r) => r.response.success).length;
    check(ok === 1, `two concurrent settles of one nonce: ${ok} succeeded`);
  },
  async "an unusable body is refused, not thrown"() {
    const f = new StrictFacilitator();
    const good = await payment(REQUIREMENT);
    const bad = [
      {},
      { paymentPayload: good },
      body({ ...good, accepted: undefined }),
      body(tampered(good, { value: "12.5" })),
      body(tampered(good, { nonce: "0x1234" })),
      body(tampered(good, { from: "0x1234" })),
      body(withSignature(good, "not hex")),
    ];
    for (const b of bad) {
      const { response } = await f.verify(b);
      check(response.isValid === false && response.invalidReason === REASONS.payload, `${JSON.stringify(b).slice(0, 80)}: ${JSON.stringify(response)}`);
      const s = (await f.settle(b)).response;
      check(s.success === false && s.errorReason === REASONS.payload, JSON.stringify(s));
    }
  },
};

// ---------------------------------------------------------------------------
// Part two: through token-server.mjs --verify-signatures and @x402/express.
const QUERY = "model=hybrid&minutes=5&megabytes=50";

async function withServer(args, fn) {
  const log = path.join(dir, `log-${Math.random().toString(16).slice(2)}.jsonl`);
  const s = await spawnServer(SERVER, ["--port", "0", "--log", log, ...args]);
  try {
    return await fn({ ...s, log, base: `http://127.0.0.1:${s.port}` });
  } finally {
    await s.stop();
  }
}

async function challenge(base) {
  const r = await fetch(`${base}/ws?${QUERY}`);
  check(r.status === 402, `unpaid GET /ws: ${r.status}`);
  const header = r.headers.get("payment-required");
  check(header, "402 without PAYMENT-REQUIRED");
  return decodePaymentRequiredHeader(header);
}

async function pay(base, paymentPayload) {
  const header = typeof paymentPayload === "string" ? paymentPayload : encodePaymentSignatureHeader(paymentPayload);
  const r = await fetch(`${base}/ws?${QUERY}`, { headers: { "PAYMENT-SIGNATURE": header } });
  const text = await r.text();
  const required = r.headers.get("payment-required");
  return { status: r.status, text, header, required: required ? decodePaymentRequiredHeader(required) : null };
}

function expectPaid(r) {
  check(r.status === 200, `expected 200, got ${r.status} ${r.text} error=${r.required?.error}`);
  const t = JSON.parse(r.text);
  check(typeof t.token === "string" && t.connect_url.includes(t.token), r.text);
  return t;
}

function expectRefused(r, reason) {
  check(r.status === 402, `expected 402 (${reason}), got ${r.status} ${r.text}`);
  check(r.required !== null, "402 without PAYMENT-REQUIRED");
  check(r.required.error === reason, `PAYMENT-REQUIRED error ${JSON.stringify(r.required.error)}, expected ${reason}`);
}

const e2eCases = {
  async "--verify-signatures: SDK payment 200; every bad payment 402 with the real reason name"() {
    await withServer(["--verify-signatures"], async (s) => {
      const ch = await challenge(s.base);
      const req = ch.accepts[0];
      check(req.network === "eip155:84532" && req.extra.name === "USDC", JSON.stringify(req));

      // The real client SDK (viem signature) pays.
      const sdkPayload = await makeTestClient().createPaymentPayload(ch);
      const paid = await pay(s.base, sdkPayload);
      const t = expectPaid(paid);
      const lines = readJsonLines(s.log);
      check(lines.some((l) => l.event === "mint" && l.token === t.token), "token not minted");
      const fac = lines.filter((l) => l.event === "facilitator");
      const verify = fac.find((l) => l.path === "/verify");
      const settle = fac.find((l) => l.path === "/settle");
      for (const l of [verify, settle]) {
        check(l && l.strict === true && l.signature_verified === true && l.verified_by === "viem verifyTypedData", JSON.stringify(fac));
        check(l.from === testAccount.address, `logged from ${l.from}, expected ${testAccount.address}`);
      }
      check(verify.isValid === true && settle.success === true, JSON.stringify(fac));

      const fresh = async (opts) => payment(req, opts);
      expectRefused(await pay(s.base, await fresh({ signer: otherAccount })), REASONS.signature);
      const good = await fresh();
      expectRefused(await pay(s.base, tampered(good, { value: "1" })), REASONS.signature);
      expectRefused(await pay(s.base, tampered(good, { to: otherAccount.address })), REASONS.signature);
      expectRefused(await pay(s.base, await fresh({ changes: { value: "1" } })), REASONS.value);
      expectRefused(await pay(s.base, await fresh({ changes: { to: otherAccount.address } })), REASONS.recipient);
      const now = Math.floor(Date.now() / 1000);
      expectRefused(await pay(s.base, await fresh({ changes: { validBefore: String(now - 1) } })), REASONS.validBefore);
      expectRefused(await pay(s.base, await fresh({ changes: { validBefore: String(now + 2) } })), REASONS.validBefore);
      expectRefused(await pay(s.base, await fresh({ changes: { validAfter: String(now + 3600) } })), REASONS.validAfter);
      // The first, settled header again.
      expectRefused(await pay(s.base, paid.header), REASONS.nonceUsed);
      // An untouched fresh one still pays: the refusals used up nothing.
      expectPaid(await pay(s.base, good));

      const refusals = readJsonLines(s.log).filter((l) => l.event === "facilitator" && l.isValid === false);
      check(refusals.length === 9, `expected 9 logged refusals, got ${refusals.length}: ${JSON.stringify(refusals)}`);
      check(refusals.every((l) => typeof l.invalidReason === "string" && l.strict === true), JSON.stringify(refusals));
      const mints = readJsonLines(s.log).filter((l) => l.event === "mint");
      check(mints.length === 2, `expected 2 tokens minted (the two good payments), got ${mints.length}`);
    });
  },
  async "without the flag the stand-in still takes a foreign signature (default unchanged)"() {
    await withServer([], async (s) => {
      const ch = await challenge(s.base);
      expectPaid(await pay(s.base, await payment(ch.accepts[0], { signer: otherAccount })));
      const fac = readJsonLines(s.log).filter((l) => l.event === "facilitator");
      check(fac.length === 2 && fac.every((l) => l.strict === undefined && l.signature_verified === undefined), JSON.stringify(fac));
    });
  },
};

let passed = 0;
let failed = 0;
for (const [name, fn] of [...Object.entries(unitCases), ...Object.entries(e2eCases)]) {
  try {
    await fn();
    passed++;
    process.stdout.write(`PASS: ${name}\n`);
  } catch (err) {
    failed++;
    process.stdout.write(`FAIL: ${name}\n    ${err instanceof CheckFailed ? err.message : err.stack}\n`);
  }
}
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
