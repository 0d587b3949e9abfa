#!/usr/bin/env node
// An independent client for consensus-devserver, built only from code nobody on
// this project wrote: @x402/fetch's wrapFetchWithPayment with a real x402 client
// (test signer) buys the token, `ws` runs the session.
//
// Usage: node check-devserver.mjs <consensus-devserver binary | server .mjs>
// It starts the server itself (--port 0, then --port 0 --time-scale 60, then
// --port 0 --free, then --port 0 --verify-payments), stops it at the end, exits 0 when every check passed and 1
// with a message naming the failed check otherwise (2 on bad usage).
import { WebSocket } from "ws";
import { wrapFetchWithPayment, decodePaymentResponseHeader } from "@x402/fetch";
import { decodePaymentRequiredHeader } from "@x402/core/http";
import { makeTestClient, testAccount } from "./test-signer.mjs";
import { CheckFailed, check, spawnServer } from "./lib.mjs";
import fs from "node:fs";

const OVERALL_TIMEOUT_MS = 60000;

function say(line) {
  process.stdout.write(`check-devserver: ${line}\n`);
}

// fetch wrapped twice: inside, a recorder of every HTTP exchange (so we can
// check the 402 the SDK saw); outside, the real SDK payment wrapper.
function payingFetch() {
  const exchanges = [];
  const recorder = async (input, init) => {
    const request = new Request(input, init);
    const response = await fetch(request);
    exchanges.push({
      url: request.url,
      paymentSignature: request.headers.get("payment-signature"),
      status: response.status,
      paymentRequired: response.headers.get("payment-required"),
      paymentResponse: response.headers.get("payment-response"),
    });
    return response;
  };
  return { fetch: wrapFetchWithPayment(recorder, makeTestClient()), exchanges };
}

// `seen`, when given, receives the HTTP exchanges.
async function buyToken(base, query, expectedAmount, seen = []) {
  const { fetch: pay, exchanges } = payingFetch();
  const url = `${base}/ws?${query}`;
  const response = await pay(url, { headers: { "x-node-region": "interop-test" } });
  const body = await response.text();
  check(response.status === 200, `GET /ws?${query}: expected 200 after payment, got ${response.status}: ${body}`);
  check(exchanges.length === 2, `expected exactly 2 HTTP requests (402 then paid retry), saw ${exchanges.length}`);

  seen.push(...exchanges);
  const [first, second] = exchanges;
  check(first.status === 402, `first request: expected 402, got ${first.status}`);
  check(first.paymentRequired, "402 without a PAYMENT-REQUIRED header");
  const challenge = decodePaymentRequiredHeader(first.paymentRequired);
  check(challenge.x402Version === 2, `challenge x402Version ${challenge.x402Version}, expected 2`);
  const accept = challenge.accepts && challenge.accepts[0];
  check(accept && accept.scheme === "exact", `challenge accepts[0] is not an exact-scheme requirement: ${JSON.stringify(accept)}`);
  check(accept.network === "eip155:84532", `challenge network ${accept.network}, expected eip155:84532`);
  check(accept.amount === expectedAmount, `challenge amount ${accept.amount} for ${query}, expected ${expectedAmount}`);
  check(second.paymentSignature, "the SDK's retry carried no PAYMENT-SIGNATURE (client side bug?)");
  check(second.url === first.url, `the retry URL ${second.url} differs from ${first.url}`);

  check(second.paymentResponse, "paid 200 without a PAYMENT-RESPONSE header");
  const receipt = decodePaymentResponseHeader(second.paymentResponse);
  check(receipt.success === true, `PAYMENT-RESPONSE success is ${receipt.success}: ${JSON.stringify(receipt)}`);

  let token;
  try {
    token = JSON.parse(body);
  } catch {
    throw new CheckFailed(`token response is not JSON: ${body}`);
  }
  check(typeof token.token === "string" && token.token.length > 0, `no token in ${body}`);
  check(typeof token.connect_url === "string" && /^wss?:\/\//.test(token.connect_url), `bad connect_url in ${body}`);
  check(token.connect_url.includes(token.token), `connect_url does not carry the token: ${body}`);
  check(token.expires_in === 60, `expires_in ${token.expires_in}, expected 60`);
  return token;
}

// Opens a session and collects everything that happens on it.
function openSession(connectUrl) {
  const ws = new WebSocket(connectUrl, { headers: { "x-node-region": "interop-test" } });
  const events = [];
  const waiters = [];
  const push = (e) => {
    events.push(e);
    for (const w of [...waiters]) w();
  };
  ws.on("message", (data, isBinary) => push({ kind: "message", isBinary, data, at: Date.now() }));
  ws.on("close", (code, reason) => push({ kind: "close", code, reason: reason.toString(), at: Date.now() }));
  ws.on("error", (err) => push({ kind: "error", message: err.message, at: Date.now() }));
  ws.on("unexpected-response", (_req, res) => push({ kind: "http", status: res.statusCode, at: Date.now() }));
  ws.on("open", () => push({ kind: "open", at: Date.now() }));
  // Waits for the next event (after index `from`) matching `pred`.
  const next = (from, what, timeoutMs) =>
    new Promise((resolve, reject) => {
      const look = () => {
        for (let i = from; i < events.length; i++) {
          if (what(events[i])) return i;
        }
        return -1;
      };
      const waiter = () => {
        const i = look();
        if (i >= 0) done(i);
      };
      const timer = setTimeout(() => {
        remove();
        reject(new CheckFailed(`timed out after ${timeoutMs} ms; events so far: ${describe(events)}`));
      }, timeoutMs);
      const remove = () => waiters.splice(waiters.indexOf(waiter), 1);
      const done = (i) => {
        clearTimeout(timer);
        remove();
        resolve(i);
      };
      waiters.push(waiter);
      waiter();
    });
  return { ws, events, next };
}

function describe(events) {
  return JSON.stringify(
    events.map((e) => (e.kind === "message" ? { ...e, data: e.data.toString().slice(0, 200) } : e)),
  );
}

function asJson(event, label) {
  check(event.kind === "message" && !event.isBinary, `${label}: expected a text message, got ${describe([event])}`);
  try {
    return JSON.parse(event.data.toString());
  } catch {
    throw new CheckFailed(`${label}: not JSON: ${event.data.toString()}`);
  }
}

async function checkPaidEcho(bin) {
  const server = await spawnServer(bin, ["--port", "0"]);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const token = await buyToken(base, "model=hybrid&minutes=5&megabytes=50", "7500");
    say(`paid token bought via wrapFetchWithPayment (payer ${testAccount.address})`);

    const s = openSession(token.connect_url);
    const first = await s.next(0, (e) => e.kind !== "open", 5000);
    const start = asJson(s.events[first], "first message");
    check(start.type === "session_start", `first message type ${start.type}, expected session_start`);
    check(typeof start.sessionId === "string" && start.sessionId.length > 0, "session_start without sessionId");
    check(start.model === "hybrid", `session_start model ${start.model}, expected hybrid`);
    check(
      start.limits && start.limits.timeSeconds === 300 && start.limits.dataMB === 50,
      `session_start limits ${JSON.stringify(start.limits)}, expected {timeSeconds:300,dataMB:50}`,
    );

    s.ws.send("hello");
    const echo = await s.next(first + 1, (e) => e.kind !== "open", 5000);
    const e = s.events[echo];
    check(e.kind === "message" && !e.isBinary && e.data.toString() === "hello", `expected text echo "hello", got ${describe([e])}`);

    const bytes = Buffer.from([0x00, 0x01, 0x02, 0xfe, 0xff]);
    s.ws.send(bytes, { binary: true });
    const becho = await s.next(echo + 1, (x) => x.kind !== "open", 5000);
    const b = s.events[becho];
    check(b.kind === "message" && b.isBinary && Buffer.compare(b.data, bytes) === 0, `expected binary echo 0001 02feff, got ${describe([b])}`);
    say("session_start, text echo and binary echo ok");

    s.ws.close(1000, "bye");
    const closed = await s.next(becho + 1, (x) => x.kind === "close", 5000);
    check(s.events[closed].code === 1000, `close code ${s.events[closed].code}, expected 1000`);

    // Single use: the same connect_url again must be refused with 401.
    const again = openSession(token.connect_url);
    const refused = await again.next(0, (x) => x.kind === "http" || x.kind === "open", 5000);
    check(again.events[refused].kind === "http" && again.events[refused].status === 401, `reused token: expected HTTP 401, got ${describe(again.events)}`);
    again.ws.terminate();
    say("reused token refused with 401");
  } finally {
    await server.stop();
  }
}

async function checkTimeExpiry(bin) {
  const server = await spawnServer(bin, ["--port", "0", "--time-scale", "60"]);
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const token = await buyToken(base, "model=time&minutes=1&megabytes=0", "1000");
    const s = openSession(token.connect_url);
    const opened = await s.next(0, (e) => e.kind !== "message", 5000);
    check(s.events[opened].kind === "open", `expected open, got ${describe(s.events)}`);
    const openedAt = s.events[opened].at;
    const start = asJson(s.events[await s.next(0, (e) => e.kind === "message", 5000)], "first message");
    check(start.type === "session_start" && start.model === "time", `expected a time-model session_start, got ${JSON.stringify(start)}`);

    const isExpiry = (e) => e.kind === "message" && !e.isBinary && e.data.toString().includes("session_expired");
    const expiredIdx = await s.next(0, isExpiry, 5000).catch(() => -1);
    check(expiredIdx >= 0, `no session_expired within 5 s of open (--time-scale 60, minutes=1); events: ${describe(s.events)}`);
    const expired = asJson(s.events[expiredIdx], "expiry message");
    check(expired.type === "session_expired" && expired.reason === "time_limit_reached", `expected session_expired/time_limit_reached, got ${JSON.stringify(expired)}`);
    const afterMs = s.events[expiredIdx].at - openedAt;
    check(afterMs >= 500 && afterMs <= 3000, `session_expired after ${afterMs} ms, expected about 1000 ms`);

    const closedIdx = await s.next(expiredIdx + 1, (e) => e.kind === "close", 3000);
    const closed = s.events[closedIdx];
    check(closed.code === 1000 && closed.reason === "Time limit reached", `expected close 1000 "Time limit reached", got ${closed.code} "${closed.reason}"`);
    say(`time expiry ok: session_expired after ${afterMs} ms, then close 1000 "Time limit reached"`);
  } finally {
    await server.stop();
  }
}

async function checkFree(bin) {
  const server = await spawnServer(bin, ["--port", "0", "--free"]);
  try {
    const response = await fetch(`http://127.0.0.1:${server.port}/ws?model=hybrid&minutes=5&megabytes=50`);
    const body = await response.text();
    check(response.status === 200, `--free: expected 200 without payment, got ${response.status}: ${body}`);
    const token = JSON.parse(body);
    const s = openSession(token.connect_url);
    const i = await s.next(0, (e) => e.kind === "message" || e.kind === "close" || e.kind === "http", 5000);
    check(asJson(s.events[i], "first message").type === "session_start", "--free: no session_start");
    s.ws.terminate();
    say("--free mode ok");
  } finally {
    await server.stop();
  }
}

// --verify-payments: the SDK's payment, signed by viem, passes the dev server's
// own EIP-712 and ecrecover checks; sent again, it is refused as a used nonce.
async function checkVerifiedPayments(bin) {
  let server;
  try {
    server = await spawnServer(bin, ["--port", "0", "--verify-payments"]);
  } catch (e) {
    if (!/not in this build/.test(e.message)) throw e;
    say("--verify-payments is not in this build (CONSENSUS_EVM=OFF): skipped");
    return;
  }
  try {
    const base = `http://127.0.0.1:${server.port}`;
    const query = "model=hybrid&minutes=5&megabytes=50";
    const seen = [];
    await buyToken(base, query, "7500", seen);
    const again = await fetch(`${base}/ws?${query}`, { headers: { "PAYMENT-SIGNATURE": seen[1].paymentSignature } });
    check(again.status === 402, `replayed payment: expected 402, got ${again.status}`);
    const reason = decodePaymentRequiredHeader(again.headers.get("payment-required")).error;
    check(reason === "invalid_exact_evm_nonce_already_used", `replayed payment refused with ${reason}`);
    check(/payments are verified/.test(server.stderr()), `no "payments are verified" on stderr: ${server.stderr()}`);
    say("--verify-payments: the SDK's payment accepted, its replay refused (invalid_exact_evm_nonce_already_used)");
  } finally {
    await server.stop();
  }
}

async function main() {
  const bin = process.argv[2];
  if (!bin || process.argv.length > 3) {
    process.stderr.write("usage: node check-devserver.mjs <path to consensus-devserver>\n");
    process.exit(2);
  }
  if (!fs.existsSync(bin)) {
    process.stderr.write(`check-devserver: FAIL: ${bin} does not exist (build consensus-devserver first)\n`);
    process.exit(1);
  }
  const watchdog = setTimeout(() => {
    process.stderr.write(`check-devserver: FAIL: not done within ${OVERALL_TIMEOUT_MS} ms\n`);
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);
  await checkPaidEcho(bin);
  await checkTimeExpiry(bin);
  await checkFree(bin);
  if (!bin.endsWith(".mjs")) await checkVerifiedPayments(bin);  // the Node stand-in has no such option
  clearTimeout(watchdog);
  say("PASS");
}

main().then(
  () => process.exit(0),
  (err) => {
    const what = err instanceof CheckFailed ? err.message : err.stack || String(err);
    process.stderr.write(`check-devserver: FAIL: ${what}\n`);
    process.exit(1);
  },
);
