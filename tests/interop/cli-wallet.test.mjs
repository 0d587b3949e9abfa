#!/usr/bin/env node
// Drives the CLI's built-in EVM payer (issue 11: `--wallet-key FILE` and the
// `pay` command) against peers nobody here wrote: token-server.mjs
// --verify-signatures (the real @x402/express middleware, a facilitator that
// checks the signature with viem as @x402/evm's does) and viem itself.
//
//  - connect --wallet-key: exit 0, paid, "hi" echoed; the facilitator's log
//    shows the signature verified by viem and `from` = the key's address.
//  - pay --wallet-key < 402-hybrid.json: prints a PAYMENT-SIGNATURE value
//    that decodes, verifies with viem, equals viem's own signTypedData of the
//    same authorization (RFC 6979), uses a new nonce on each run, and pays
//    the strict server. Exit 3 and empty stdout for a Solana-only challenge,
//    a --pay-to that is not the payee, and a --limit-usd below the price.
//
// Usage: node cli-wallet.test.mjs <path to consensus-ws>
// One PASS/FAIL/SKIP line per case, then "N passed, N failed, N skipped".
// Exit 0 when all passed, 1 when any failed, 77 (ctest SKIP_RETURN_CODE) when
// none failed but the CLI lacks the feature a case needs: detected only by the
// CLI's own "unknown command 'pay'" / "unknown option '--wallet-key'" (exit 2),
// so a CLI that has the feature and breaks it still fails.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { decodePaymentRequiredHeader, decodePaymentSignatureHeader } from "@x402/core/http";
import { getAddress, verifyTypedData } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { HERE, CheckFailed, check, jsonLines, readJsonLines, run, sleep, spawnServer, tempDir } from "./lib.mjs";
import { REASONS, StrictFacilitator, typedDataOf } from "./strict-facilitator.mjs";

const TOKEN_SERVER = path.join(HERE, "token-server.mjs");
const X402_VECTORS = path.join(HERE, "..", "vectors", "x402");
const CLI_TIMEOUT_MS = 45000;
const SKIP_CODE = 77;

// A throwaway key: it holds nothing, on any chain, and must never be funded.
const WALLET_KEY = "0x" + crypto.createHash("sha256").update("consensus-ws cli-wallet throwaway test key").digest("hex");
const wallet = privateKeyToAccount(WALLET_KEY);

const HYBRID_TEXT = fs.readFileSync(path.join(X402_VECTORS, "402-hybrid.json"), "utf8");
const HYBRID = JSON.parse(HYBRID_TEXT);
const REQUIREMENT = HYBRID.accepts[0];
// The hybrid EVM + Solana challenge with its EVM requirement taken out.
const SOLANA_ONLY = (() => {
  const c = JSON.parse(fs.readFileSync(path.join(X402_VECTORS, "402-hybrid-evm-solana.json"), "utf8"));
  c.accepts = c.accepts.filter((a) => !a.network.startsWith("eip155:"));
  return c;
})();
const OTHER_PAYEE = "0x000000000000000000000000000000000000dEaD";

class Skip extends Error {}

function show(result) {
  return `exit=${result.code ?? result.signal}${result.timedOut ? " (killed: timeout)" : ""}\n    stdout: ${
    result.stdout.trim() || "(empty)"
  }\n    stderr: ${result.stderr.trim() || "(empty)"}`;
}

function cliEnv() {
  const env = { ...process.env };
  delete env.CONSENSUS_SERVER_URL; // --server is always given
  return env;
}

function cli(ctx, args, input = "") {
  return run(ctx.bin, args, { timeoutMs: CLI_TIMEOUT_MS, input, env: cliEnv() });
}

// What the CLI lacks, from its own usage errors (see the header comment).
async function probeFeatures(ctx) {
  const pay = await run(ctx.bin, ["pay"], { timeoutMs: 10000, env: cliEnv() });
  const payText = pay.stdout + pay.stderr;
  // --opt=value form: the parser does not know the option, so a separate value
  // would be taken for a second command word.
  const conn = await run(
    ctx.bin,
    ["connect", "--server", "http://127.0.0.1:9", "--max-reconnects", "0", `--wallet-key=${path.join(ctx.dir, "absent-key")}`],
    { timeoutMs: 10000, env: cliEnv() },
  );
  const connText = conn.stdout + conn.stderr;
  return {
    pay: !(pay.code === 2 && payText.includes("unknown command 'pay'")),
    walletKey: !(conn.code === 2 && connText.includes("unknown option '--wallet-key'")),
  };
}

function needs(ctx, feature, what) {
  if (!ctx.features[feature]) throw new Skip(`the CLI has no ${what} yet (it answers with its own usage error)`);
}

async function logSince(file, since) {
  // The server logs a response when it is finished; the CLI may exit first.
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const n = readJsonLines(file).length;
    if (n === last) break;
    last = n;
    await sleep(100);
  }
  return readJsonLines(file).slice(since);
}

// The strict facilitator's lines for one payment: both verified by viem, from
// the wallet's address.
function expectVerifiedByViem(lines) {
  const fac = lines.filter((l) => l.event === "facilitator");
  const verify = fac.filter((l) => l.path === "/verify");
  const settle = fac.filter((l) => l.path === "/settle");
  check(verify.length === 1 && settle.length === 1, `expected one /verify and one /settle, the facilitator logged ${JSON.stringify(fac)}`);
  for (const l of [verify[0], settle[0]]) {
    check(l.strict === true, `the facilitator was not strict: ${JSON.stringify(l)}`);
    check(l.signature_verified === true && l.verified_by === "viem verifyTypedData", `signature not verified by viem: ${JSON.stringify(l)}`);
    check(l.from === wallet.address, `authorization.from ${l.from}, expected the key's address ${wallet.address}`);
  }
  check(verify[0].isValid === true, `verify refused: ${JSON.stringify(verify[0])}`);
  check(settle[0].success === true, `settle refused: ${JSON.stringify(settle[0])}`);
}

// Decodes a header printed by `pay` and checks it against `challenge`'s first
// requirement with viem. Returns the decoded payload.
async function checkHeader(stdout, challenge) {
  const lines = stdout.split("\n").filter((l) => l.trim().length > 0);
  check(lines.length === 1, `pay must print exactly one line, printed ${lines.length}: ${JSON.stringify(stdout)}`);
  const header = lines[0].trim();
  check(/^[A-Za-z0-9+/]+={0,2}$/.test(header) && header.length <= 2048, `not a standard-base64 header value of at most 2048 bytes: ${header}`);
  const payload = decodePaymentSignatureHeader(header); // @x402/core's own parser
  const req = challenge.accepts[0];
  check(payload.x402Version === 2, `x402Version ${payload.x402Version}`);
  check(JSON.stringify(payload.accepted) === JSON.stringify(req), `accepted is not the requirement verbatim: ${JSON.stringify(payload.accepted)}`);
  check(JSON.stringify(payload.resource) === JSON.stringify(challenge.resource), `resource ${JSON.stringify(payload.resource)}`);
  const auth = payload.payload && payload.payload.authorization;
  const signature = payload.payload && payload.payload.signature;
  check(auth && typeof signature === "string", `no authorization/signature: ${JSON.stringify(payload.payload)}`);
  check(auth.from === wallet.address, `from ${auth.from}, expected ${wallet.address}`);
  check(getAddress(auth.to) === getAddress(req.payTo), `to ${auth.to}, expected ${req.payTo}`);
  check(auth.value === req.amount, `value ${auth.value}, expected ${req.amount}`);
  check(auth.validAfter === "0", `validAfter ${auth.validAfter}, expected "0"`);
  const now = Math.floor(Date.now() / 1000);
  const before = Number(auth.validBefore);
  check(/^[0-9]+$/.test(auth.validBefore) && before >= now + 6 && before <= now + req.maxTimeoutSeconds + 5,
    `validBefore ${auth.validBefore}: expected about now + ${req.maxTimeoutSeconds} (now ${now})`);
  check(/^0x[0-9a-f]{64}$/.test(auth.nonce), `nonce ${auth.nonce} is not 32 bytes of lowercase hex`);

  const typed = typedDataOf(req, auth);
  check(await verifyTypedData({ address: wallet.address, signature, ...typed }), "viem's verifyTypedData refuses the signature");
  const viemSignature = await wallet.signTypedData(typed);
  check(signature === viemSignature, `signature ${signature} is not viem's RFC 6979 signature ${viemSignature}`);
  // And what a strict facilitator says about it, now.
  const { response } = await new StrictFacilitator().verify({ x402Version: 2, paymentPayload: payload, paymentRequirements: req });
  check(response.isValid === true, `the strict facilitator refuses it: ${JSON.stringify(response)}`);
  return { header, payload };
}

// GET /ws on the strict server with a PAYMENT-SIGNATURE; a 402's reason is
// the `error` of its PAYMENT-REQUIRED.
async function payServer(ctx, header) {
  const r = await fetch(`${ctx.server.url}/ws?model=hybrid&minutes=5&megabytes=50`, { headers: { "PAYMENT-SIGNATURE": header } });
  const required = r.headers.get("payment-required");
  return {
    status: r.status,
    body: await r.text(),
    error: required ? decodePaymentRequiredHeader(required).error : null,
  };
}

function expectRefusedQuietly(r, what) {
  check(r.code === 3, `${what}: expected exit 3, got ${show(r)}`);
  check(r.stdout === "", `${what}: stdout must be empty (no header), got ${JSON.stringify(r.stdout)}`);
}

const cases = [
  {
    name: "connect --wallet-key: paid through the strict facilitator, 'hi' echoed",
    async run(ctx) {
      needs(ctx, "walletKey", "--wallet-key");
      const since = readJsonLines(ctx.server.log).length;
      const r = await cli(ctx, [
        "connect", "--server", ctx.server.url, "--wallet-key", ctx.keyFile, "--send", "hi", "--json",
        "--wait-ms", "500", "--max-reconnects", "0",
      ]);
      const log = await logSince(ctx.server.log, since);
      check(r.code === 0, `expected exit 0, got ${show(r)}`);
      const out = jsonLines(r.stdout);
      check(out.other.length === 0, `--json: lines that are not JSON objects: ${JSON.stringify(out.other)}`);
      const errors = out.objects.filter((o) => o.type === "error");
      check(errors.length === 0, `error lines: ${JSON.stringify(errors)}`);
      check(out.objects.some((o) => o.type === "payment" && o.status === "paid"), `no {"type":"payment","status":"paid"} line\n    ${show(r)}`);
      const messages = out.objects.filter((o) => o.type === "message");
      check(messages.length === 1 && messages[0].data === "hi" && messages[0].binary === false, `expected the echo of "hi", got ${JSON.stringify(messages)}`);

      const requests = log.filter((l) => l.event === "request");
      const paid = requests.filter((l) => l.payment_signature);
      check(paid.length === 1 && paid[0].status === 200, `expected one paid request answered 200, saw ${JSON.stringify(requests)}`);
      check(log.filter((l) => l.event === "mint").length === 1, "the server minted no token (or more than one)");
      check(log.some((l) => l.event === "upgrade" && l.status === 101), "no upgrade with the paid token");
      expectVerifiedByViem(log);
    },
  },
  {
    name: "pay --wallet-key < 402-hybrid.json: viem verifies it, signs the same bytes, and the strict server takes it",
    async run(ctx) {
      needs(ctx, "pay", "pay command");
      const r = await cli(ctx, ["pay", "--wallet-key", ctx.keyFile], HYBRID_TEXT);
      check(r.code === 0, `expected exit 0, got ${show(r)}`);
      const { header } = await checkHeader(r.stdout, HYBRID);

      // Its accepted is the server's own requirement (same price table), so
      // the strict server takes the header as it is.
      const since = readJsonLines(ctx.server.log).length;
      const first = await payServer(ctx, header);
      check(first.status === 200 && JSON.parse(first.body).token, `the strict server answered ${first.status} ${first.body} (error: ${first.error})`);
      expectVerifiedByViem(await logSince(ctx.server.log, since));
      // And only once.
      const again = await payServer(ctx, header);
      check(again.status === 402 && again.error === REASONS.nonceUsed, `replay: ${again.status}, error ${again.error}`);
    },
  },
  {
    name: "pay: two runs sign two different nonces",
    async run(ctx) {
      needs(ctx, "pay", "pay command");
      const a = await cli(ctx, ["pay", "--wallet-key", ctx.keyFile], HYBRID_TEXT);
      const b = await cli(ctx, ["pay", "--wallet-key", ctx.keyFile], HYBRID_TEXT);
      check(a.code === 0 && b.code === 0, `expected exit 0 twice, got\n    ${show(a)}\n    ${show(b)}`);
      const na = (await checkHeader(a.stdout, HYBRID)).payload.payload.authorization.nonce;
      const nb = (await checkHeader(b.stdout, HYBRID)).payload.payload.authorization.nonce;
      check(na !== nb, `both runs used nonce ${na}`);
    },
  },
  {
    name: "pay: a Solana-only challenge is refused (exit 3, no header)",
    async run(ctx) {
      needs(ctx, "pay", "pay command");
      check(SOLANA_ONLY.accepts.length === 1, `expected one Solana requirement, got ${JSON.stringify(SOLANA_ONLY.accepts)}`);
      expectRefusedQuietly(await cli(ctx, ["pay", "--wallet-key", ctx.keyFile], JSON.stringify(SOLANA_ONLY)), "Solana-only challenge");
    },
  },
  {
    name: "pay --pay-to: another payee refused (exit 3, no header); the named payee paid",
    async run(ctx) {
      needs(ctx, "pay", "pay command");
      expectRefusedQuietly(await cli(ctx, ["pay", "--wallet-key", ctx.keyFile, "--pay-to", OTHER_PAYEE], HYBRID_TEXT), `--pay-to ${OTHER_PAYEE}`);
      const ok = await cli(ctx, ["pay", "--wallet-key", ctx.keyFile, "--pay-to", REQUIREMENT.payTo], HYBRID_TEXT);
      check(ok.code === 0, `--pay-to the challenge's own payee: expected exit 0, got ${show(ok)}`);
      await checkHeader(ok.stdout, HYBRID);
    },
  },
  {
    name: "pay --limit-usd 0.001: 0.0075 USD is over it (exit 3, no header); 0.01 pays",
    async run(ctx) {
      needs(ctx, "pay", "pay command");
      expectRefusedQuietly(await cli(ctx, ["pay", "--wallet-key", ctx.keyFile, "--limit-usd", "0.001"], HYBRID_TEXT), "--limit-usd 0.001");
      const ok = await cli(ctx, ["pay", "--wallet-key", ctx.keyFile, "--limit-usd", "0.01"], HYBRID_TEXT);
      check(ok.code === 0, `--limit-usd 0.01: expected exit 0, got ${show(ok)}`);
      await checkHeader(ok.stdout, HYBRID);
    },
  },
];

async function main() {
  const bin = process.argv[2];
  if (!bin || process.argv.length > 3) {
    process.stderr.write("usage: node cli-wallet.test.mjs <path to consensus-ws>\n");
    process.exit(2);
  }
  if (!fs.existsSync(bin)) {
    process.stdout.write(`FAIL: ${bin} does not exist (build the consensus-ws target first)\n0 passed, ${cases.length} failed, 0 skipped\n`);
    process.exit(1);
  }
  const dir = tempDir("cli-wallet-");
  const keyFile = path.join(dir, "wallet.key");
  fs.writeFileSync(keyFile, WALLET_KEY + "\n", { mode: 0o600 });
  const log = path.join(dir, "server.log.jsonl");
  const ctx = { bin, dir, keyFile };
  ctx.features = await probeFeatures(ctx);
  const s = await spawnServer(TOKEN_SERVER, ["--port", "0", "--log", log, "--verify-signatures"]);
  ctx.server = { ...s, log, url: `http://127.0.0.1:${s.port}` };
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  try {
    for (const c of cases) {
      try {
        await c.run(ctx);
        passed++;
        process.stdout.write(`PASS: ${c.name}\n`);
      } catch (err) {
        if (err instanceof Skip) {
          skipped++;
          process.stdout.write(`SKIP: ${c.name}: ${err.message}\n`);
          continue;
        }
        failed++;
        const what = err instanceof CheckFailed ? err.message : err.stack || String(err);
        process.stdout.write(`FAIL: ${c.name}\n    ${what}\n`);
      }
    }
  } finally {
    await s.stop();
  }
  process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  if (failed === 0) fs.rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`(server log kept in ${dir}; the key there is a throwaway)\n`);
  if (failed > 0) process.exit(1);
  if (skipped > 0) {
    process.stdout.write("SKIP\n");
    process.exit(SKIP_CODE);
  }
  process.exit(0);
}

main().catch((err) => {
  process.stdout.write(`FAIL: ${err instanceof CheckFailed ? err.message : err.stack || String(err)}\n`);
  process.exit(1);
});
