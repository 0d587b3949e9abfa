#!/usr/bin/env node
// Self-test of token-server.mjs, so that tests relying on its controls can
// trust them: 401/destroy on upgrade, single use and TTL of tokens, --drop-after,
// --freeze-after, --expire-after-ms, the data limit, wss with a test cert, the log.
// Usage: node token-server.selftest.mjs   (prints "N passed, N failed")
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { WebSocket } from "ws";
import { HERE, CheckFailed, check, makeSelfSignedCert, readJsonLines, sleep, spawnServer, tempDir } from "./lib.mjs";

const SERVER = path.join(HERE, "token-server.mjs");
const dir = tempDir("token-server-selftest-");

async function withServer(args, body) {
  const log = path.join(dir, `log-${Math.random().toString(16).slice(2)}.jsonl`);
  const s = await spawnServer(SERVER, ["--port", "0", "--log", log, ...args]);
  try {
    return await body({ ...s, log, base: `http://127.0.0.1:${s.port}` });
  } finally {
    await s.stop();
  }
}

async function freeToken(base, query = "model=hybrid&minutes=5&megabytes=50") {
  const r = await fetch(`${base}/ws?${query}`);
  check(r.status === 200, `free GET /ws: ${r.status}`);
  return r.json();
}

// Sends a raw upgrade request; resolves with every byte the server sent before it closed.
function rawUpgrade(port, target) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, "127.0.0.1");
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => reject(new CheckFailed(`no close after raw upgrade to ${target}`)), 3000);
    sock.on("data", (d) => (got = Buffer.concat([got, d])));
    sock.on("close", () => {
      clearTimeout(timer);
      resolve(got.toString("latin1"));
    });
    sock.on("error", () => {});
    sock.write(
      `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
  });
}

// A ws client that records messages and the close.
function session(url, options = {}) {
  const ws = new WebSocket(url, options);
  const s = { ws, messages: [], close: null, pongs: 0 };
  ws.on("message", (d, isBinary) => s.messages.push(isBinary ? d : d.toString()));
  ws.on("pong", () => s.pongs++);
  ws.on("close", (code, reason) => (s.close = { code, reason: reason.toString() }));
  ws.on("error", () => {});
  return s;
}

async function until(cond, what, timeoutMs = 3000) {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new CheckFailed(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const cases = {
  async "upgrade: unknown token -> exact 401 bytes, then closed"() {
    await withServer(["--free"], async (s) => {
      const got = await rawUpgrade(s.port, "/ws-connect?token=00000000-0000-0000-0000-000000000000");
      check(got === "HTTP/1.1 401 Unauthorized\r\n\r\n", `got ${JSON.stringify(got)}`);
    });
  },
  async "upgrade: other path -> destroyed without a reply"() {
    await withServer(["--free"], async (s) => {
      const got = await rawUpgrade(s.port, "/elsewhere");
      check(got === "", `got ${JSON.stringify(got)}`);
    });
  },
  async "token single use; expired token refused; region header logged"() {
    await withServer(["--free"], async (s) => {
      const t = await freeToken(s.base);
      const a = session(t.connect_url, { headers: { "x-node-region": "eu-west" } });
      await until(() => a.messages.length === 1, "session_start");
      check(JSON.parse(a.messages[0]).type === "session_start", a.messages[0]);
      a.ws.close(1000);
      const port = new URL(t.connect_url).port;
      const again = await rawUpgrade(port, new URL(t.connect_url).pathname + new URL(t.connect_url).search);
      check(again.startsWith("HTTP/1.1 401"), `reuse: ${JSON.stringify(again)}`);
      const ups = readJsonLines(s.log).filter((l) => l.event === "upgrade");
      check(ups[0].headers["x-node-region"] === "eu-west" && ups[0].status === 101, JSON.stringify(ups));
      check(ups[1].token === "used" && ups[1].status === 401, JSON.stringify(ups));
    });
    await withServer(["--free", "--token-ttl-s", "0"], async (s) => {
      const t = await freeToken(s.base);
      check(t.expires_in === 0, `expires_in ${t.expires_in}`);
      await sleep(20);
      const u = new URL(t.connect_url);
      const got = await rawUpgrade(u.port, u.pathname + u.search);
      check(got.startsWith("HTTP/1.1 401"), got);
      check(readJsonLines(s.log).some((l) => l.event === "upgrade" && l.token === "expired"), "no expired upgrade logged");
    });
  },
  async "--drop-after 2: first session loses TCP after 2 echoes, second is intact"() {
    await withServer(["--free", "--drop-after", "2"], async (s) => {
      const a = session((await freeToken(s.base)).connect_url);
      await until(() => a.messages.length === 1, "session_start");
      a.ws.send("one");
      a.ws.send("two");
      await until(() => a.close !== null, "drop");
      check(a.close.code === 1006, `close ${JSON.stringify(a.close)}, expected 1006 (no close frame)`);
      check(a.messages.slice(1).join(",") === "one,two", a.messages.join(","));
      const b = session((await freeToken(s.base)).connect_url);
      await until(() => b.messages.length === 1, "session_start 2");
      for (const m of ["x", "y", "z"]) b.ws.send(m);
      await until(() => b.messages.length === 4, "3 echoes on the second session");
      check(b.close === null, "second session closed");
      b.ws.close();
    });
  },
  async "--freeze-after 1: no echo, no pong, TCP kept open"() {
    await withServer(["--free", "--freeze-after", "1"], async (s) => {
      const a = session((await freeToken(s.base)).connect_url);
      await until(() => a.messages.length === 1, "session_start");
      a.ws.ping();
      await until(() => a.pongs === 1, "pong before the freeze");
      a.ws.send("one");
      await until(() => a.messages.length === 2, "echo before the freeze");
      a.ws.send("two");
      a.ws.ping();
      await sleep(500);
      check(a.messages.length === 2 && a.pongs === 1, `frozen session answered: ${a.messages} pongs=${a.pongs}`);
      check(a.close === null && a.ws.readyState === WebSocket.OPEN, "frozen session is closed");
      a.ws.terminate();
    });
  },
  async "--expire-after-ms 300: session_expired, then close 1000"() {
    await withServer(["--free", "--expire-after-ms", "300"], async (s) => {
      const a = session((await freeToken(s.base)).connect_url);
      await until(() => a.close !== null, "close");
      const m = JSON.parse(a.messages[1]);
      check(m.type === "session_expired" && m.reason === "time_limit_reached", a.messages[1]);
      check(a.close.code === 1000 && a.close.reason === "Time limit reached", JSON.stringify(a.close));
    });
  },
  async "data model 1 MB: two 300 KiB echoes, then data_limit_reached and close 1008"() {
    await withServer(["--free"], async (s) => {
      const a = session((await freeToken(s.base, "model=data&minutes=0&megabytes=1")).connect_url);
      await until(() => a.messages.length === 1, "session_start");
      const start = JSON.parse(a.messages[0]);
      check(start.limits.dataMB === 1 && start.limits.timeSeconds === 86400, JSON.stringify(start));
      const big = "z".repeat(307200);
      for (let i = 0; i < 3; i++) a.ws.send(big);
      await until(() => a.close !== null, "close");
      check(a.messages.length === 4, `messages: ${a.messages.length}`);
      const m = JSON.parse(a.messages[3]);
      check(m.reason === "data_limit_reached", a.messages[3]);
      check(a.close.code === 1008 && a.close.reason === "Data limit reached", JSON.stringify(a.close));
    });
  },
  async "--tls: https token and wss session with the test cert as CA"() {
    const { cert, key } = makeSelfSignedCert(dir);
    const ca = fs.readFileSync(cert);
    await withServer(["--free", "--tls", cert, key], async (s) => {
      const https = await import("node:https");
      const body = await new Promise((resolve, reject) => {
        https.get(`https://localhost:${s.port}/ws?model=time&minutes=3&megabytes=0`, { ca }, (r) => {
          let b = "";
          r.on("data", (d) => (b += d));
          r.on("end", () => resolve(b));
        }).on("error", reject);
      });
      const t = JSON.parse(body);
      check(t.connect_url.startsWith(`wss://localhost:${s.port}/ws-connect?token=`), t.connect_url);
      const a = session(t.connect_url, { ca });
      await until(() => a.messages.length === 1, "session_start over wss");
      a.ws.send("hello");
      await until(() => a.messages.length === 2, "echo over wss");
      check(a.messages[1] === "hello", a.messages[1]);
      a.ws.close();
    });
  },
};

let passed = 0;
let failed = 0;
for (const [name, fn] of Object.entries(cases)) {
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
