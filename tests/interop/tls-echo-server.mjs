#!/usr/bin/env node
// A wss echo server on Node's TLS (OpenSSL 3) and the real `ws` server, for
// integration.tlsmem (tests/integration/tlsmem): it measures mbedTLS's heap
// per wss session against a server that accepts the Maximum Fragment Length
// extension (OpenSSL does, in TLS 1.2 and 1.3) and sends 16 KiB records when
// none was negotiated. Every message is echoed as it came (text or binary).
// Loopback only. It lives here for the npm packages in tests/interop.
//
// Usage: node tls-echo-server.mjs --tls CERT KEY [--version 1.2|1.3] [--port P]
// Prints `READY <port>` on stdout once listening; stops on SIGTERM/SIGINT.
// Logs to stderr the TLS version of each connection.

import fs from "node:fs";
import https from "node:https";
import { WebSocketServer } from "ws";

const HOST = "127.0.0.1"; // loopback only, never anything else

function usage(message) {
  process.stderr.write(`tls-echo-server: ${message}\n`);
  process.stderr.write("usage: tls-echo-server.mjs --tls CERT KEY [--version 1.2|1.3] [--port P]\n");
  process.exit(2);
}

const o = { port: 0, cert: null, key: null, version: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--tls") {
    o.cert = argv[++i];
    o.key = argv[++i];
  } else if (a === "--port") {
    o.port = Number(argv[++i]);
  } else if (a === "--version") {
    o.version = argv[++i];
    if (o.version !== "1.2" && o.version !== "1.3") usage("--version takes 1.2 or 1.3");
  } else {
    usage(`unknown argument ${a}`);
  }
}
if (!o.cert || !o.key) usage("--tls CERT KEY is required");

const tlsOptions = { cert: fs.readFileSync(o.cert), key: fs.readFileSync(o.key) };
if (o.version) {
  tlsOptions.minVersion = `TLSv${o.version}`;
  tlsOptions.maxVersion = `TLSv${o.version}`;
}
const server = https.createServer(tlsOptions, (req, res) => {
  res.writeHead(404);
  res.end();
});
server.on("secureConnection", (socket) => {
  process.stderr.write(`tls-echo-server: ${socket.getProtocol()} ${socket.getCipher().name}\n`);
});
const wss = new WebSocketServer({ server, maxPayload: 16 * 1024 * 1024 });
wss.on("connection", (ws) => {
  ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
});
server.listen(o.port, HOST, () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});
for (const sig of ["SIGTERM", "SIGINT"]) {
  process.on(sig, () => {
    for (const c of wss.clients) c.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 500).unref();
  });
}
