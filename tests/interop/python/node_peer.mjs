#!/usr/bin/env node
// Interop peer on Node's `ws` server: the same contract as ws_peer.py (the
// Python `websockets` peer), so one C++ test drives both. Loopback only.
//   GET /ws (no Upgrade)     token endpoint: 200 JSON, connect_url -> /ws-connect?token=t
//   /ws-connect?token=t      echo; text "frag:<n>:<k>:<t|b>" -> an n-byte message
//                            sent by ws as k fragments (send with fin: false)
// Pattern of byte i: text chr(97 + i % 26); binary (i * 7 + 3) % 256.
// Usage: node node_peer.mjs [--tls CERT KEY]; prints "READY <port>"; stops on stdin EOF.
// Resolves `ws` from tests/interop/node_modules (npm ci --prefix tests/interop).
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import https from "node:https";
import { WebSocketServer } from "ws";

const tls = process.argv[2] === "--tls" ? { cert: fs.readFileSync(process.argv[3]), key: fs.readFileSync(process.argv[4]) } : null;
const scheme = tls ? "wss" : "ws";
const tokens = new Set();

function pattern(n, text) {
  if (text) {
    let s = "";
    for (let i = 0; i < n; i++) s += String.fromCharCode(97 + (i % 26));
    return Buffer.from(s, "latin1");
  }
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + 3) % 256;
  return b;
}

function onRequest(req, res) {
  if (req.url.startsWith("/ws") && !req.url.startsWith("/ws-connect")) {
    const token = crypto.randomBytes(16).toString("hex");
    tokens.add(token);
    const body = JSON.stringify({ token, expires_in: 60, connect_url: `${scheme}://${req.headers.host}/ws-connect?token=${token}` });
    res.writeHead(200, { "Content-Type": "application/json", Connection: "close" });
    res.end(body);
    return;
  }
  res.writeHead(404);
  res.end();
}

const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 * 1024 });

server.on("upgrade", (req, socket, head) => {
  const token = new URL(req.url, "http://x").searchParams.get("token");
  if (!req.url.startsWith("/ws-connect") || !tokens.delete(token)) {
    socket.end("HTTP/1.1 401 Unauthorized\r\n\r\n");
    return;
  }
  wss.handleUpgrade(req, socket, head, (ws) => session(ws));
});

function session(ws) {
  ws.on("message", (data, isBinary) => {
    const text = isBinary ? null : data.toString("latin1");
    if (text !== null && text.startsWith("frag:")) {
      const [, n, k, kind] = text.split(":");
      const payload = pattern(Number(n), kind === "t");
      const step = Math.max(1, Math.ceil(payload.length / Number(k)));
      const binary = kind !== "t";
      if (payload.length === 0) {
        ws.send(payload, { binary });
        return;
      }
      for (let off = 0; off < payload.length; off += step) {
        ws.send(payload.subarray(off, off + step), { binary, fin: off + step >= payload.length });
      }
      return;
    }
    ws.send(data, { binary: isBinary });
  });
}

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
