#!/usr/bin/env node
// Drives our CLI (`consensus-ws connect --ca CA --server https://localhost:P
// --send hi --json`, contract: docs/CLI.md) against an OpenSSL 3 server that
// speaks one TLS version only, 1.2 or 1.3:
//   node    token-server.mjs --free (Node `https` + `ws`), minVersion = maxVersion
//   python  python/ws_peer.py --session-start --send-tls-alerts (Python `ssl`
//           + `websockets` on asyncio), minimum_version = maximum_version
// A build whose mbedTLS has TLS 1.3 (3.x; the line comes from
// `consensus-ws --version`) must echo over both, exit 0, and name the forced
// version in the open line ("tls"). A 2.28 build must do the same over 1.2;
// against 1.3 only it must fail to get a token (exit 3, with --max-reconnects
// 0) with tls_failed and a message saying the protocol versions did not match
// (the server's protocol_version alert says so).
// Python's asyncio drops that alert unless asked (ws_peer.py
// --send-tls-alerts, CPython gh-98078): the server just hangs up. One more
// case, on 2.28 only, checks that the client then says the handshake failed
// and does not claim to know why.
// Each server logs every accepted TLS connection (version, resumed or not):
// a CLI run makes one full handshake (the token request) and resumes the
// session for everything after it (the upgrade; and with the Node server
// dropping the first session's TCP link, the second token request and
// upgrade too).
//
// Usage: node cli-tls-versions.test.mjs <path to consensus-ws> <node|python>
// Prints one PASS/FAIL line per case and a closing "N passed, N failed" line;
// exits 0 only when every case passed.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { HERE, CheckFailed, check, jsonLines, readJsonLines, run, sleep, spawnServer, tempDir } from "./lib.mjs";

const CLI_TIMEOUT_MS = 15000;
const GEN_TEST_CERT = path.join(HERE, "..", "..", "scripts", "gen-test-cert");
const PEERS = {
  node: (cert, key, version, log, alerts = true, drop = false) => [
    path.join(HERE, "token-server.mjs"),
    ["--free", "--tls", cert, key, "--tls-version", version, "--log", log,
      ...(drop ? ["--drop-after", "1"] : [])],
  ],
  python: (cert, key, version, log, alerts = true) => [
    "/usr/bin/python3",
    [path.join(HERE, "python", "ws_peer.py"), "--tls", cert, key, "--tls-version", version.slice(4),
      ...(alerts ? ["--send-tls-alerts"] : []), "--session-start", "--log", log],
  ],
};

function show(result) {
  return `exit=${result.code ?? result.signal}${result.timedOut ? " (killed: timeout)" : ""}\n    stdout: ${
    result.stdout.trim() || "(empty)"
  }\n    stderr: ${result.stderr.trim() || "(empty)"}`;
}

// "consensus-ws 0.1.0 (mbedTLS 3.6.6)" -> 3
function mbedtlsMajor(bin) {
  const out = execFileSync(bin, ["--version"], { encoding: "utf8" });
  const m = /\(mbedTLS (\d+)\.\d+\.\d+\)/.exec(out);
  if (!m) throw new CheckFailed(`cannot read the mbedTLS line from ${JSON.stringify(out.trim())}`);
  return Number(m[1]);
}

// The server's `tls` log lines: the TLS handshakes it completed.
async function handshakes(log, since) {
  await sleep(100); // the server writes its line as the handshake completes
  const lines = readJsonLines(log).filter((l) => l.event === "tls").slice(since);
  const full = lines.filter((l) => !l.resumed).length;
  return { lines, full, resumed: lines.length - full };
}

async function runCase(ctx, { version, alerts, drop }) {
  const dir = tempDir("cli-tls-");
  const log = path.join(dir, "server.log.jsonl");
  const [file, args] = PEERS[ctx.peer](ctx.cert, ctx.key, version, log, alerts, drop);
  const server = await spawnServer(file, args, { keepStdin: true });
  const expectOpen = version === "TLSv1.2" || ctx.hasTls13;
  try {
    const env = { ...process.env };
    delete env.CONSENSUS_SERVER_URL;
    const argv = ["connect", "--ca", ctx.ca, "--server", `https://localhost:${server.port}`, "--send", "hi", "--json"];
    if (!expectOpen) argv.push("--max-reconnects", "0"); // else it retries every 2 s, unbounded
    if (drop) argv.push("--wait-ms", "1500", "--reconnect-ms", "100");
    const r = await run(ctx.bin, argv, { timeoutMs: CLI_TIMEOUT_MS, env });
    const { objects, other } = jsonLines(r.stdout);
    check(other.length === 0, `--json: stdout lines that are not JSON objects: ${JSON.stringify(other)}\n    ${show(r)}`);
    const opens = objects.filter((o) => o.type === "open");
    const errors = objects.filter((o) => o.type === "error");
    const seen = await handshakes(log, 0);
    const counts = `server saw ${seen.lines.length} TLS handshake(s): ${seen.full} full, ${seen.resumed} resumed`;
    if (expectOpen) {
      check(r.code === 0, `expected exit 0, got ${show(r)}`);
      check(errors.length === 0, `expected no error line, got ${JSON.stringify(errors)}`);
      const attempts = drop ? 2 : 1;
      check(opens.length === attempts, `expected ${attempts} open line(s), got ${opens.length}\n    ${show(r)}`);
      opens.forEach((o, i) => check(o.attempt === i + 1 && o.tls === version,
        `open line ${JSON.stringify(o)}, expected {"type":"open","attempt":${i + 1},"tls":"${version}"}`));
      const echoes = objects.filter((o) => o.type === "message");
      check(echoes.length === 1 && echoes[0].data === "hi" && echoes[0].binary === false,
        `expected the echo {"type":"message","binary":false,"data":"hi"}, got ${JSON.stringify(echoes)}`);
      check(seen.lines.length > 0 && seen.lines.every((l) => l.version === version),
        `the server's handshakes should all be ${version}: ${JSON.stringify(seen.lines)}`);
      // Token request and upgrade, once per open: only the very first is full.
      check(seen.full === 1 && seen.resumed === 2 * attempts - 1,
        `expected 1 full and ${2 * attempts - 1} resumed TLS handshakes, got ${counts}`);
    } else {
      check(r.code === 3, `expected exit 3 (no token), got ${show(r)}`);
      check(opens.length === 0, `expected no open line, got ${JSON.stringify(opens)}`);
      check(errors.length === 1, `expected one error line, got ${JSON.stringify(errors)}\n    ${show(r)}`);
      const e = errors[0];
      check(e.code === "tls_failed" && e.phase === "token",
        `expected a tls_failed error in phase token, got ${JSON.stringify(e)}`);
      if (alerts) {
        check(/protocol versions did not match/.test(e.message),
          `the message should say the protocol versions did not match: ${JSON.stringify(e.message)}`);
      } else {
        const bare = `TLS handshake with localhost:${server.port} failed`;
        check(e.message === bare, `without an alert the message should be ${JSON.stringify(bare)}, got ${JSON.stringify(e.message)}`);
      }
      check(seen.lines.length === 0, `no TLS handshake may complete: ${JSON.stringify(seen.lines)}`);
    }
    return counts;
  } finally {
    ctx.summary = await stopAndDrain(server);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// SIGTERM, then the server's stderr once it closed (its handshake summary).
async function stopAndDrain(server) {
  const closed = new Promise((resolve) => {
    if (server.proc.exitCode !== null || server.proc.signalCode !== null) resolve();
    else server.proc.once("close", resolve);
  });
  await server.stop();
  await Promise.race([closed, sleep(2000)]);
  const summary = /^tls handshakes: .*$/m.exec(server.stderr());
  return summary ? summary[0] : "no handshake summary on the server's stderr";
}

async function main() {
  const [bin, peer] = process.argv.slice(2);
  if (!bin || !PEERS[peer] || process.argv.length > 4) {
    process.stderr.write("usage: node cli-tls-versions.test.mjs <path to consensus-ws> <node|python>\n");
    process.exit(2);
  }
  const dir = tempDir("cli-tls-certs-");
  execFileSync(GEN_TEST_CERT, [dir], { stdio: ["ignore", "ignore", "inherit"] });
  const ctx = {
    bin,
    peer,
    ca: path.join(dir, "ca.pem"),
    cert: path.join(dir, "server.pem"),
    key: path.join(dir, "server.key"),
    hasTls13: mbedtlsMajor(bin) >= 3,
  };
  let passed = 0;
  let failed = 0;
  const cases = [{ version: "TLSv1.2", alerts: true }, { version: "TLSv1.3", alerts: true }];
  if (peer === "python" && !ctx.hasTls13) cases.push({ version: "TLSv1.3", alerts: false });
  if (peer === "node") {
    cases.push({ version: "TLSv1.2", alerts: true, drop: true });
    if (ctx.hasTls13) cases.push({ version: "TLSv1.3", alerts: true, drop: true });
  }
  for (const c of cases) {
    const expect = c.version === "TLSv1.2" || ctx.hasTls13 ? "echo, exit 0, open names it" : "tls_failed, exit 3";
    const quiet = (c.alerts ? "" : ", asyncio dropping the alert") + (c.drop ? ", first link dropped" : "");
    const name = `${peer} server, ${c.version} only${quiet} (${expect})`;
    try {
      const counts = await runCase(ctx, c);
      passed++;
      process.stdout.write(`PASS: ${name}; ${counts}\n`);
    } catch (err) {
      failed++;
      const what = err instanceof CheckFailed ? err.message : err.stack || String(err);
      process.stdout.write(`FAIL: ${name}\n    ${what}\n`);
    }
    if (ctx.summary) process.stdout.write(`    (server at exit: ${ctx.summary})\n`);
    ctx.summary = null;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((err) => {
  process.stdout.write(`FAIL: ${err instanceof CheckFailed ? err.message : err.stack || String(err)}\n`);
  process.exit(1);
});
