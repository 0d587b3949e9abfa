#!/usr/bin/env node
// Interop peer for consensus-ws: a token service built from code nobody on this
// project wrote. GET /ws is guarded by the real @x402/express paymentMiddleware
// (v2, exact scheme, Base Sepolia USDC) in front of a local stand-in facilitator;
// the WebSocket side is the real `ws` server. Loopback only.
//
// Usage: node token-server.mjs [--port P] [--tls CERT KEY] [--tls-version V] [--free]
//          [--log FILE] [--token-ttl-s S] [--time-scale S] [--drop-after N]
//          [--freeze-after N] [--expire-after-ms N] [--verify-signatures]
// --verify-signatures: the facilitator checks payments as @x402/evm's exact
// facilitator does, without a chain (strict-facilitator.mjs); without it, any
// well-formed payload is accepted.
// --tls-version TLSv1.2|TLSv1.3: with --tls, OpenSSL speaks that version only.
// With --tls, every accepted TLS connection (token request or WebSocket) is a
// `tls` line in the --log ({version, resumed}: isSessionReused()), and the
// counts are one line on stderr at exit: `tls handshakes: N full, M resumed`.
// Prints `READY <port>` on stdout once listening. Stops on SIGTERM/SIGINT.

import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import express from "express";
import { WebSocketServer } from "ws";
import { paymentMiddleware, x402ResourceServer } from "@x402/express";
import { HTTPFacilitatorClient } from "@x402/core/server";
import { ExactEvmScheme } from "@x402/evm/exact/server";
import { StrictFacilitator } from "./strict-facilitator.mjs";

const HOST = "127.0.0.1"; // loopback only, never anything else
const NETWORK = "eip155:84532"; // Base Sepolia, as the real service
const PAY_TO = "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE";
const DESCRIPTION = "Pay-per-use WebSockets on demand";
const MAX_MINUTES = 1440;
const MAX_MB = 10240;
const DATA_MODEL_SECONDS = 24 * 3600;
const PRICES = {
  hybrid: { perMinute: 0.0005, perMB: 0.0001 },
  time: { perMinute: 0.001, perMB: 0 },
  data: { perMinute: 0, perMB: 0.00012 },
};

function usage(message) {
  process.stderr.write(`token-server: ${message}\n`);
  process.stderr.write(
    "usage: token-server.mjs [--port P] [--tls CERT KEY] [--tls-version V] [--free] [--log FILE]\n" +
      "                        [--token-ttl-s S] [--time-scale S] [--drop-after N] [--freeze-after N]\n" +
      "                        [--expire-after-ms N] [--verify-signatures]\n",
  );
  process.exit(2);
}

function parseNumber(name, value, min) {
  const n = Number(value);
  if (value === undefined || !Number.isFinite(n) || n < min) usage(`${name} needs a number >= ${min}`);
  return n;
}

function parseArgs(argv) {
  const o = {
    port: 0,
    tls: null,
    tlsVersion: null,
    free: false,
    log: null,
    tokenTtlS: 60,
    timeScale: 1,
    dropAfter: null,
    freezeAfter: null,
    expireAfterMs: null,
    verifySignatures: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    switch (a) {
      case "--port":
        o.port = parseNumber(a, argv[++i], 0);
        break;
      case "--tls":
        o.tls = { cert: argv[++i], key: argv[++i] };
        if (!o.tls.cert || !o.tls.key) usage("--tls needs CERT and KEY");
        break;
      case "--tls-version":
        o.tlsVersion = argv[++i];
        if (o.tlsVersion !== "TLSv1.2" && o.tlsVersion !== "TLSv1.3") usage("--tls-version needs TLSv1.2 or TLSv1.3");
        break;
      case "--free":
        o.free = true;
        break;
      case "--log":
        o.log = argv[++i];
        if (!o.log) usage("--log needs FILE");
        break;
      case "--token-ttl-s":
        o.tokenTtlS = parseNumber(a, argv[++i], 0);
        break;
      case "--time-scale":
        o.timeScale = parseNumber(a, argv[++i], 1e-9);
        break;
      case "--drop-after":
        o.dropAfter = parseNumber(a, argv[++i], 0);
        break;
      case "--freeze-after":
        o.freezeAfter = parseNumber(a, argv[++i], 0);
        break;
      case "--expire-after-ms":
        o.expireAfterMs = parseNumber(a, argv[++i], 0);
        break;
      case "--verify-signatures":
        o.verifySignatures = true;
        break;
      case "--host":
        // Accepted for symmetry with consensus-devserver, but only loopback.
        if (argv[++i] !== HOST) usage("only --host 127.0.0.1 is allowed");
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  if (o.tlsVersion && !o.tls) usage("--tls-version needs --tls");
  return o;
}

const opts = parseArgs(process.argv.slice(2));

// ---------------------------------------------------------------------------
// Log: one JSON object per line, appended synchronously so a test reading the
// file right after the client exits sees every line.
const logFd = opts.log ? fs.openSync(opts.log, "a") : null;
function log(record) {
  if (logFd === null) return;
  fs.writeSync(logFd, JSON.stringify({ t: Date.now(), ...record }) + "\n");
}

function nodeHeaders(headers) {
  const out = {};
  for (const name of ["x-node-region", "x-node-domain", "x-node-exclude"]) {
    if (headers[name] !== undefined) out[name] = headers[name];
  }
  return out;
}

// ---------------------------------------------------------------------------
// Pricing and limits, as the public reference server computes them.
function intParam(value, fallback) {
  if (value === undefined) return fallback;
  const n = parseInt(Array.isArray(value) ? value[0] : value, 10);
  return Number.isNaN(n) ? 0 : n; // the reference server: NaN counts as 0
}

function sessionParams(query) {
  const model = query.model === undefined ? "hybrid" : String(query.model);
  const minutes = intParam(query.minutes, 5);
  const megabytes = intParam(query.megabytes, 50);
  return { model, minutes, megabytes };
}

function costOf({ model, minutes, megabytes }) {
  const p = PRICES[model];
  return minutes * p.perMinute + megabytes * p.perMB; // not capped, as the real service
}

function limitsOf({ model, minutes, megabytes }) {
  const m = Math.min(minutes, MAX_MINUTES);
  const mb = Math.min(megabytes, MAX_MB);
  switch (model) {
    case "time":
      return { timeSeconds: m * 60, dataMB: Math.min(m * 2.5, 500) };
    case "data":
      return { timeSeconds: DATA_MODEL_SECONDS, dataMB: mb };
    default:
      return { timeSeconds: m * 60, dataMB: mb };
  }
}

// --time-scale S makes time limits S times shorter (as consensus-devserver).
function scaledLimits(params) {
  const limits = limitsOf(params);
  return { ...limits, timeSeconds: limits.timeSeconds / opts.timeScale };
}

// ---------------------------------------------------------------------------
// Stand-in facilitator: accepts any well-formed EVM exact payload (unless
// --verify-signatures: then startStrictFacilitator below). It lives in this
// process on its own loopback port so that the middleware talks to it over
// real HTTP with its real HTTPFacilitatorClient.
const HEX = /^0x[0-9a-fA-F]+$/;
function wellFormed(body) {
  const payload = body && body.paymentPayload;
  const auth = payload && payload.payload && payload.payload.authorization;
  if (!auth || typeof payload.payload.signature !== "string") return false;
  const fields = ["from", "to", "value", "validAfter", "validBefore", "nonce"];
  if (!fields.every((f) => typeof auth[f] === "string")) return false;
  return HEX.test(payload.payload.signature) && HEX.test(auth.nonce) && HEX.test(auth.from);
}

function payerOf(body) {
  return body.paymentPayload.payload.authorization.from;
}

const SUPPORTED = {
  kinds: [
    { x402Version: 2, scheme: "exact", network: NETWORK },
    { x402Version: 1, scheme: "exact", network: "base-sepolia" },
  ],
  extensions: [],
  signers: { "eip155:*": ["0xfafafafafafafafafafafafafafafafafafafafa"] },
};

function startFacilitator() {
  const app = express();
  app.use(express.json({ limit: "64kb" }));
  app.get("/supported", (_req, res) => res.json(SUPPORTED));
  app.post("/verify", (req, res) => {
    const ok = wellFormed(req.body);
    log({ event: "facilitator", path: "/verify", isValid: ok });
    if (!ok) return res.json({ isValid: false, invalidReason: "invalid_payload" });
    return res.json({ isValid: true, payer: payerOf(req.body) });
  });
  app.post("/settle", (req, res) => {
    const ok = wellFormed(req.body);
    log({ event: "facilitator", path: "/settle", success: ok });
    if (!ok) {
      return res.json({ success: false, errorReason: "invalid_payload", transaction: "", network: NETWORK });
    }
    return res.json({
      success: true,
      payer: payerOf(req.body),
      transaction: "0x" + crypto.randomBytes(32).toString("hex"),
      network: NETWORK,
    });
  });
  return listenFacilitator(app);
}

function listenFacilitator(app) {
  return new Promise((resolve, reject) => {
    const server = http.createServer(app);
    server.once("error", reject);
    server.listen(0, HOST, () => resolve(server));
  });
}

// --verify-signatures: same endpoints, answers decided by StrictFacilitator.
// Each decision is logged with the reason and whether viem verified the
// signature, so tests can tell a checked payment from a waved-through one.
function startStrictFacilitator() {
  const strict = new StrictFacilitator();
  const app = express();
  app.use(express.json({ limit: "64kb" }));
  app.get("/supported", (_req, res) => res.json(SUPPORTED));
  app.post("/verify", async (req, res) => {
    const { response, facts } = await strict.verify(req.body);
    log({ event: "facilitator", path: "/verify", strict: true, isValid: response.isValid, invalidReason: response.invalidReason, ...facts });
    res.json(response);
  });
  app.post("/settle", async (req, res) => {
    const { response, facts } = await strict.settle(req.body);
    log({ event: "facilitator", path: "/settle", strict: true, success: response.success, errorReason: response.errorReason, ...facts });
    res.json(response);
  });
  return listenFacilitator(app);
}

// ---------------------------------------------------------------------------
// Tokens: single use, TTL from issue.
const tokens = new Map(); // token -> { expiresAt, params, used }

function mintToken(params) {
  const token = crypto.randomUUID();
  tokens.set(token, { expiresAt: Date.now() + opts.tokenTtlS * 1000, params, used: false });
  return token;
}

// Returns [status, params]: status is "valid", "unknown", "used" or "expired".
function redeemToken(token) {
  const entry = token ? tokens.get(token) : undefined;
  if (!entry) return ["unknown", null];
  if (entry.used) return ["used", null];
  if (Date.now() > entry.expiresAt) return ["expired", null];
  entry.used = true;
  return ["valid", entry.params];
}

// ---------------------------------------------------------------------------
// The token service.
function buildApp(facilitatorUrl) {
  const app = express();
  app.use((req, res, next) => {
    res.on("finish", () => {
      log({
        event: "request",
        method: req.method,
        path: req.path,
        query: req.query,
        headers: nodeHeaders(req.headers),
        payment_signature: req.headers["payment-signature"] !== undefined,
        status: res.statusCode,
      });
    });
    next();
  });

  // Our choice (the real service's answer is not captured): an unknown model is
  // refused before the payment step, so nobody is asked to pay for it.
  app.use((req, res, next) => {
    const { model } = sessionParams(req.query);
    if (req.method === "GET" && req.path === "/ws" && !PRICES[model]) {
      return res.status(400).json({ error: `Invalid model: ${model}` });
    }
    return next();
  });

  if (!opts.free) {
    const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl });
    const resourceServer = new x402ResourceServer(facilitator).register(NETWORK, new ExactEvmScheme());
    const routes = {
      "GET /ws": {
        accepts: {
          scheme: "exact",
          network: NETWORK,
          payTo: PAY_TO,
          price: (ctx) => "$" + costOf(sessionParams(ctx.adapter.getQueryParams())).toFixed(4),
        },
        description: DESCRIPTION,
        mimeType: "application/json",
      },
    };
    app.use(paymentMiddleware(routes, resourceServer));
  }

  app.get("/ws", (req, res) => {
    const params = sessionParams(req.query);
    const token = mintToken(params);
    log({ event: "mint", token, params });
    const scheme = opts.tls ? "wss" : "ws";
    res.json({
      token,
      connect_url: `${scheme}://${req.headers.host}/ws-connect?token=${token}`,
      expires_in: opts.tokenTtlS,
    });
  });
  return app;
}

// ---------------------------------------------------------------------------
// WebSocket sessions.
let sessionCount = 0;

function sessionStart(id, params) {
  const p = PRICES[params.model];
  return {
    type: "session_start",
    sessionId: id,
    model: params.model,
    served_by: "local",
    limits: scaledLimits(params),
    pricing: { totalCost: costOf(params), pricePerMinute: p.perMinute, pricePerMB: p.perMB },
  };
}

function runSession(ws, params) {
  const index = sessionCount++;
  const id = crypto.randomUUID();
  const limits = scaledLimits(params);
  const started = Date.now();
  const dataCap = limits.dataMB * 1024 * 1024;
  let bytes = 0;
  let echoes = 0;
  let frozen = false;
  let ended = false;
  const timers = [];

  const usage = () => ({
    durationMinutes: Number(((Date.now() - started) / 60000).toFixed(4)),
    dataMB: bytes / (1024 * 1024),
  });
  const clearTimers = () => timers.forEach((t) => clearTimeout(t));
  const expire = (reason, code, text) => {
    if (ended || frozen) return;
    ended = true;
    clearTimers();
    log({ event: "expire", session: index, reason });
    ws.send(JSON.stringify({ type: "session_expired", reason, finalUsage: usage() }));
    ws.close(code, text);
  };

  // session_start is not metered (the reference server's finalUsage omits it).
  ws.send(JSON.stringify(sessionStart(id, params)));

  const timeLimitMs = opts.expireAfterMs !== null ? opts.expireAfterMs : limits.timeSeconds * 1000;
  timers.push(setTimeout(() => expire("time_limit_reached", 1000, "Time limit reached"), timeLimitMs));

  ws.on("ping", (data) => {
    if (!frozen) ws.pong(data);
  });
  ws.on("message", (data, isBinary) => {
    if (frozen || ended) return;
    log({ event: "message", session: index, binary: isBinary, bytes: data.length });
    // Metered on receipt, both directions counted, as the reference server.
    bytes += data.length;
    if (bytes > dataCap) return expire("data_limit_reached", 1008, "Data limit reached");
    ws.send(data, { binary: isBinary });
    bytes += data.length;
    echoes++;
    if (index === 0 && opts.dropAfter !== null && echoes >= opts.dropAfter) {
      log({ event: "drop", session: index });
      ended = true;
      clearTimers();
      ws.terminate(); // no close frame: a network loss as the client sees it
    } else if (index === 0 && opts.freezeAfter !== null && echoes >= opts.freezeAfter) {
      log({ event: "freeze", session: index });
      frozen = true; // keep TCP open, answer nothing (not even pongs)
      clearTimers();
    }
  });
  ws.on("close", (code, reason) => {
    clearTimers();
    log({ event: "close", session: index, code, reason: reason.toString() });
  });
  ws.on("error", (err) => log({ event: "ws_error", session: index, message: err.message }));
}

function attachWebSocket(server) {
  // autoPong off: the session answers pings itself so that --freeze-after can
  // stop doing so.
  const wss = new WebSocketServer({ noServer: true, autoPong: false });
  server.on("upgrade", (req, socket, head) => {
    const url = new URL(req.url, "http://localhost");
    const headers = nodeHeaders(req.headers);
    if (url.pathname !== "/ws-connect") {
      log({ event: "upgrade", path: url.pathname, headers, status: "destroyed" });
      socket.destroy(); // as the real server: no reply at all
      return;
    }
    const [tokenStatus, params] = redeemToken(url.searchParams.get("token"));
    if (tokenStatus !== "valid") {
      log({ event: "upgrade", path: url.pathname, headers, token: tokenStatus, status: 401 });
      socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n", () => socket.destroy());
      return;
    }
    log({ event: "upgrade", path: url.pathname, headers, token: tokenStatus, status: 101 });
    wss.handleUpgrade(req, socket, head, (ws) => runSession(ws, params));
  });
  return wss;
}

// ---------------------------------------------------------------------------
async function main() {
  const facilitator = opts.free ? null : opts.verifySignatures ? await startStrictFacilitator() : await startFacilitator();
  const facilitatorUrl = facilitator ? `http://${HOST}:${facilitator.address().port}` : "";
  const app = buildApp(facilitatorUrl);
  const tlsOptions = opts.tls && { cert: fs.readFileSync(opts.tls.cert), key: fs.readFileSync(opts.tls.key) };
  if (opts.tlsVersion) Object.assign(tlsOptions, { minVersion: opts.tlsVersion, maxVersion: opts.tlsVersion });
  const server = opts.tls ? https.createServer(tlsOptions, app) : http.createServer(app);
  // Every accepted TLS connection, once its handshake is done: a full one or
  // a resumed session.
  const handshakes = { full: 0, resumed: 0, versions: {} };
  server.on("secureConnection", (socket) => {
    const version = socket.getProtocol();
    const resumed = socket.isSessionReused();
    handshakes[resumed ? "resumed" : "full"]++;
    handshakes.versions[version] = (handshakes.versions[version] || 0) + 1;
    log({ event: "tls", version, resumed });
  });
  const wss = attachWebSocket(server);
  server.listen(opts.port, HOST, () => {
    process.stdout.write(`READY ${server.address().port}\n`);
  });
  server.on("error", (err) => {
    process.stderr.write(`token-server: ${err.message}\n`);
    process.exit(1);
  });
  const stop = () => {
    if (opts.tls) {
      const versions = Object.entries(handshakes.versions).map(([v, n]) => `${v}: ${n}`).join(", ");
      fs.writeSync(2, `tls handshakes: ${handshakes.full} full, ${handshakes.resumed} resumed (${versions || "none"})\n`);
    }
    for (const client of wss.clients) client.terminate();
    server.close();
    server.closeAllConnections();
    if (facilitator) facilitator.close();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  process.stderr.write(`token-server: ${err.stack || err}\n`);
  process.exit(1);
});
