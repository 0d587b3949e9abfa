#!/usr/bin/env node
// Drives our CLI `consensus-ws token` (contract: docs/CLI.md) against
// token-server.mjs, i.e. against the real @x402/express middleware, paying with
// payer.mjs (the real @x402 client SDK with a test signer). Checks what the CLI
// prints and exits with, and what the server saw (its --log).
//
// Usage: node cli-token.test.mjs <path to consensus-ws>
// Prints one PASS/FAIL line per case and a closing "N passed, N failed" line;
// exits 0 only when every case passed.
import fs from "node:fs";
import path from "node:path";
import { HERE, CheckFailed, check, jsonLines, makeSelfSignedCert, readJsonLines, run, sleep, spawnServer, tempDir } from "./lib.mjs";

const TOKEN_SERVER = path.join(HERE, "token-server.mjs");
const PAYER = `"${process.execPath}" "${path.join(HERE, "payer.mjs")}"`;
const CLI_TIMEOUT_MS = 45000;

// The server writes its log line when the response is finished; the CLI may
// exit a moment before that. Wait until the log stops growing (bounded).
async function newLogLines(file, since) {
  let last = -1;
  for (let i = 0; i < 40; i++) {
    const n = readJsonLines(file).length;
    if (n === last) break;
    last = n;
    await sleep(100);
  }
  return readJsonLines(file).slice(since);
}

function requestsOf(lines) {
  return lines.filter((l) => l.event === "request");
}

function show(result) {
  return `exit=${result.code ?? result.signal}${result.timedOut ? " (killed: timeout)" : ""}\n    stdout: ${
    result.stdout.trim() || "(empty)"
  }\n    stderr: ${result.stderr.trim() || "(empty)"}`;
}

// Runs the CLI; returns the result plus the server log lines it caused.
async function cli(ctx, server, args) {
  const since = readJsonLines(server.log).length;
  const env = { ...process.env };
  delete env.CONSENSUS_SERVER_URL; // --server is always given; keep the environment out
  const result = await run(ctx.bin, args, { timeoutMs: CLI_TIMEOUT_MS, env });
  result.log = await newLogLines(server.log, since);
  result.json = jsonLines(result.stdout);
  return result;
}

function expectExit(result, code, what) {
  check(result.code === code, `${what}: expected exit ${code}, got ${show(result)}`);
}

function expectAllJson(result) {
  check(result.json.other.length === 0, `--json: every stdout line must be a JSON object; not JSON: ${JSON.stringify(result.json.other)}`);
}

function expectError(result, code) {
  const errors = result.json.objects.filter((o) => o.type === "error");
  check(
    errors.some((e) => e.code === code),
    `expected an {"type":"error","code":"${code}"} line on stdout, got ${errors.length ? JSON.stringify(errors) : "no error line"}\n    ${show(result)}`,
  );
}

function tokenLine(result) {
  const lines = result.json.objects.filter((o) => o.type === "token");
  check(lines.length === 1, `expected exactly one {"type":"token"} line, got ${lines.length}\n    ${show(result)}`);
  const t = lines[0];
  check(typeof t.token === "string" && t.token.length > 0, `token line without token: ${JSON.stringify(t)}`);
  check(typeof t.connect_url === "string" && t.connect_url.includes(t.token), `token line connect_url ${t.connect_url} does not carry the token`);
  check(t.expires_in === 60, `token line expires_in ${t.expires_in}, expected 60`);
  return t;
}

// What every successful paid purchase must look like in the server log.
function expectPaidPurchase(result, query, region) {
  const requests = requestsOf(result.log);
  check(requests.length >= 1, "the server logged no request");
  for (const r of requests) {
    check(r.path === "/ws" && r.method === "GET", `unexpected request ${r.method} ${r.path}`);
    check(
      JSON.stringify(r.query) === JSON.stringify(query),
      `query ${JSON.stringify(r.query)}, expected exactly ${JSON.stringify(query)} (model, minutes, megabytes, in that order)`,
    );
    check(r.headers["x-node-region"] === region, `request without x-node-region: ${region} (headers seen: ${JSON.stringify(r.headers)})`);
  }
  const paid = requests.filter((r) => r.payment_signature);
  check(paid.length === 1, `expected exactly one request with PAYMENT-SIGNATURE, saw ${paid.length}: ${JSON.stringify(requests)}`);
  check(paid[0].status === 200, `the paid request was answered ${paid[0].status}, expected 200 (payment accepted)`);
  const unpaid = requests.filter((r) => !r.payment_signature);
  check(unpaid.every((r) => r.status === 402), `unpaid requests must have got 402: ${JSON.stringify(unpaid)}`);
  const minted = result.log.filter((l) => l.event === "mint").map((l) => l.token);
  return minted;
}

const TIME_ARGS = ["--model", "time", "--minutes", "3", "--megabytes", "0", "--region", "eu-west", "--json"];
const TIME_QUERY = { model: "time", minutes: "3", megabytes: "0" };

const cases = [
  {
    name: "token over http, paid by payer.mjs (real x402 SDK)",
    server: "http",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, "--payer", PAYER, ...TIME_ARGS]);
      expectExit(r, 0, "paid token");
      expectAllJson(r);
      const t = tokenLine(r);
      check(t.connect_url.startsWith(`ws://127.0.0.1:${s.port}/ws-connect?token=`), `connect_url ${t.connect_url} is not the server's`);
      const minted = expectPaidPurchase(r, TIME_QUERY, "eu-west");
      check(minted.includes(t.token), `printed token ${t.token} is not the one the server minted (${minted})`);
    },
  },
  {
    name: "every model with every node header, each paid through @x402/express",
    server: "http",
    async run(ctx, s) {
      const models = [
        ["hybrid", "2", "7"],
        ["time", "4", "0"],
        ["data", "0", "9"],
      ];
      for (const [model, minutes, megabytes] of models) {
        const args = ["token", "--server", s.url, "--payer", PAYER, "--model", model, "--minutes", minutes,
          "--megabytes", megabytes, "--region", "us-east", "--domain", "example.org", "--exclude", "node-7", "--json"];
        const r = await cli(ctx, s, args);
        expectExit(r, 0, `paid ${model} token`);
        expectAllJson(r);
        const t = tokenLine(r);
        const minted = expectPaidPurchase(r, { model, minutes, megabytes }, "us-east");
        check(minted.includes(t.token), `${model}: printed token is not the one the server minted`);
        for (const req of requestsOf(r.log)) {
          check(req.headers["x-node-domain"] === "example.org", `${model}: x-node-domain missing: ${JSON.stringify(req.headers)}`);
          check(req.headers["x-node-exclude"] === "node-7", `${model}: x-node-exclude missing: ${JSON.stringify(req.headers)}`);
        }
      }
    },
  },
  {
    name: "token over https with --ca (self-signed DNS:localhost)",
    server: "https",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, "--ca", ctx.cert, "--payer", PAYER, ...TIME_ARGS]);
      expectExit(r, 0, "https token with --ca");
      expectAllJson(r);
      const t = tokenLine(r);
      check(t.connect_url.startsWith(`wss://localhost:${s.port}/ws-connect?token=`), `connect_url ${t.connect_url}, expected wss://localhost:${s.port}/...`);
      expectPaidPurchase(r, TIME_QUERY, "eu-west");
    },
  },
  {
    name: "token over https without --ca: cert_invalid, exit 3",
    server: "https",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, "--payer", PAYER, ...TIME_ARGS]);
      expectExit(r, 3, "untrusted certificate");
      expectAllJson(r);
      expectError(r, "cert_invalid");
      check(requestsOf(r.log).length === 0, `no HTTP request may pass an untrusted TLS handshake; server saw ${JSON.stringify(requestsOf(r.log))}`);
    },
  },
  {
    name: "payer exits 1: payment_refused, exit 3",
    server: "http",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, "--payer", "exit 1", ...TIME_ARGS]);
      expectExit(r, 3, "refusing payer");
      expectAllJson(r);
      expectError(r, "payment_refused");
      const requests = requestsOf(r.log);
      check(requests.length === 1 && requests[0].status === 402 && !requests[0].payment_signature, `expected one unpaid 402 request, saw ${JSON.stringify(requests)}`);
    },
  },
  {
    name: "no --payer: payment_required, exit 3",
    server: "http",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, ...TIME_ARGS]);
      expectExit(r, 3, "402 without a payer");
      expectAllJson(r);
      expectError(r, "payment_required");
      const requests = requestsOf(r.log);
      check(requests.length === 1 && requests[0].status === 402 && !requests[0].payment_signature, `expected one unpaid 402 request, saw ${JSON.stringify(requests)}`);
    },
  },
  {
    name: "--model bogus: exit 2, nothing sent",
    server: "http",
    async run(ctx, s) {
      const r = await cli(ctx, s, ["token", "--server", s.url, "--payer", PAYER, "--model", "bogus", "--json"]);
      expectExit(r, 2, "invalid model");
      check(r.log.length === 0, `the server must see nothing for invalid parameters, it logged ${JSON.stringify(r.log)}`);
    },
  },
];

async function startServers(dir) {
  const httpLog = path.join(dir, "http.log.jsonl");
  const httpsLog = path.join(dir, "https.log.jsonl");
  const { cert, key } = makeSelfSignedCert(dir);
  const plain = await spawnServer(TOKEN_SERVER, ["--port", "0", "--log", httpLog]);
  const tls = await spawnServer(TOKEN_SERVER, ["--port", "0", "--log", httpsLog, "--tls", cert, key]);
  return {
    cert,
    http: { ...plain, log: httpLog, url: `http://127.0.0.1:${plain.port}` },
    https: { ...tls, log: httpsLog, url: `https://localhost:${tls.port}` },
  };
}

async function main() {
  const bin = process.argv[2];
  if (!bin || process.argv.length > 3) {
    process.stderr.write("usage: node cli-token.test.mjs <path to consensus-ws>\n");
    process.exit(2);
  }
  if (!fs.existsSync(bin)) {
    process.stdout.write(`FAIL: ${bin} does not exist (build the consensus-ws target first)\n0 passed, ${cases.length} failed\n`);
    process.exit(1);
  }
  const dir = tempDir("cli-token-");
  const servers = await startServers(dir);
  const ctx = { bin, cert: servers.cert };
  let passed = 0;
  let failed = 0;
  try {
    for (const c of cases) {
      try {
        await c.run(ctx, servers[c.server]);
        passed++;
        process.stdout.write(`PASS: ${c.name}\n`);
      } catch (err) {
        failed++;
        const what = err instanceof CheckFailed ? err.message : err.stack || String(err);
        process.stdout.write(`FAIL: ${c.name}\n    ${what}\n`);
      }
    }
  } finally {
    await servers.http.stop();
    await servers.https.stop();
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  if (failed === 0) fs.rmSync(dir, { recursive: true, force: true });
  else process.stdout.write(`(server logs kept in ${dir})\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stdout.write(`FAIL: ${err instanceof CheckFailed ? err.message : err.stack || String(err)}\n`);
  process.exit(1);
});
